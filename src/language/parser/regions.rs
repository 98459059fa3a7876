//! The query about identified regions and the open boxes it names:
//!
//! ```text
//! find n = identified regions of f from (0,1)^d onto (0,1)^d
//! find m = identified regions of f ∘ g from (0,1)^d onto (0,1)^d through (0,1)^d
//! find k = identified regions of h from (0,1) x (-1,1) onto (0, inf)^2
//! ```

use nom::Err;

use super::QueryForm;
use super::expr::expr;
use super::lex::*;
use crate::language::Span;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] =
    &[QueryForm { syntax: "identified regions of NET from DOMAIN onto O", parse: identified_regions }];

const QUERY_HINT: &str = "the query reads `identified regions of f from (0,1)^d onto (0,1)^d`";
const BOX_HINT: &str = "a box is a product of open intervals: `(0,1)^d`, `(0,1) x (-1,1)`, `R^2`, `(0, inf)^d`";

/// `identified regions of NET [from BOX] onto BOX [through BOX]`.
fn identified_regions(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "identified")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "regions")), QUERY_HINT)?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), QUERY_HINT)?;
    // `f ∘ g` or `f after g`: g first, then f.
    let (rest, networks) = joined(sp(rest), "after", '∘', |j| {
        hinted(cut(ident(j)), "name the networks: `identified regions of f …` or `… of f ∘ g …`")
    })?;
    let (rest, domain) = clause(rest, "from")?;
    let (rest, _) = hinted(
        cut(keyword(sp(rest), "onto")),
        "say onto which output region: `… from (0,1)^d onto (0,1)^d`; `from` may be left out for all of R^d",
    )?;
    let (rest, onto) = open_box(sp(rest))?;
    let (rest, through) = clause(rest, "through")?;
    let kind = QueryKind::Regions(RegionsSyntax { networks, domain, onto, through });
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// The input after `word` or `symbol` (`after` or `∘`, `x` or `×`), if
/// either is there.
fn word_or_symbol<'a>(i: In<'a>, word: &'static str, symbol: char) -> Option<In<'a>> {
    if i.fragment().starts_with(symbol) {
        Some(take(i, symbol.len_utf8()))
    } else {
        keyword(i, word).ok().map(|(rest, _)| rest)
    }
}

/// Items joined by a word or a symbol: `f ∘ g ∘ h`, `(0,1) x (0,2)`.
fn joined<'a, T>(
    i: In<'a>,
    word: &'static str,
    symbol: char,
    item: impl Fn(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let (mut rest, first) = item(i)?;
    let mut items = vec![first];
    while let Some(next) = word_or_symbol(sp(rest), word, symbol) {
        let (k, it) = item(sp(next))?;
        items.push(it);
        rest = k;
    }
    Ok((rest, items))
}

/// An optional `WORD BOX`: `from (0,1)^d`, `through (0,1)^d`.
fn clause<'a>(i: In<'a>, word: &'static str) -> PResult<'a, Option<BoxSyntax>> {
    match keyword(sp(i), word) {
        Ok((rest, _)) => open_box(sp(rest)).map(|(rest, b)| (rest, Some(b))),
        Err(_) => Ok((i, None)),
    }
}

/// A box: factors joined by `x` or `×`.
fn open_box(i: In) -> PResult<BoxSyntax> {
    let (rest, factors) = joined(i, "x", '×', factor)?;
    Ok((rest, BoxSyntax { factors, span: span_from(i, rest) }))
}

/// `(a, b)`, `(a, b)^d`, `R`, `R^d`.
fn factor(i: In) -> PResult<BoxFactor> {
    let (rest, lower, upper) = if let Some(rest) = word_or_symbol(i, "R", 'ℝ') {
        let span = span_from(i, rest);
        (rest, Bound::Infinite { negative: true, span }, Bound::Infinite { negative: false, span })
    } else if peek(i) == Some('(') {
        let open = off(i);
        let (rest, lower) = bound(ws(take(i, 1)))?;
        let (rest, _) = hinted(cut(punct(ws(rest), ",")), "an interval has two ends: `(0, 1)`")?;
        let (rest, upper) = bound(ws(rest))?;
        let (rest, _) = unclosed(cut(closing(ws(rest))), open)?;
        (rest, lower, upper)
    } else if peek(i) == Some('[') {
        return failure(
            i,
            "an open interval such as `(0, 1)`",
            Some("regions and their images are open sets: write `(0, 1)`, not `[0, 1]`"),
        );
    } else {
        return Err(Err::Failure(PError {
            at: off(i),
            expected: vec!["a box such as `(0,1)^d`".into()],
            hint: Some(BOX_HINT.into()),
            unclosed: None,
            message: None,
        }));
    };
    let (rest, power) = if peek(sp(rest)) == Some('^') {
        let j = sp(take(sp(rest), 1));
        let (k, size) = hinted(cut(super::network::size(j)), "the power of a box is a number or a size: `(0,1)^d`")?;
        (k, Some(size))
    } else {
        (rest, None)
    };
    Ok((rest, BoxFactor { lower, upper, power, span: span_from(i, rest) }))
}

/// The `)` of an interval; a `]` gets a hint of its own.
fn closing(i: In) -> PResult<Span> {
    if peek(i) == Some(']') {
        return failure(i, "`)`", Some("regions and their images are open sets: write `(0, 1)`, not `(0, 1]`"));
    }
    punct(i, ")")
}

/// An end of an interval: `inf`, `-inf`, `∞`, or an expression.
fn bound(i: In) -> PResult<Bound> {
    let (j, negative) = match peek(i) {
        Some('-') => (sp(take(i, 1)), true),
        Some('+') => (sp(take(i, 1)), false),
        _ => (i, false),
    };
    if let Some(rest) = word_or_symbol(j, "inf", '∞') {
        return Ok((rest, Bound::Infinite { negative, span: span_from(i, rest) }));
    }
    let (rest, e) = hinted(cut(expr(i, false)), "an end of an interval is a number, `-inf` or `inf`")?;
    Ok((rest, Bound::Finite(e)))
}
