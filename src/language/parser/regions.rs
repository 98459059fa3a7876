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
    let (mut rest, first) = hinted(cut(ident(sp(rest))), "name a network: `identified regions of f …`")?;
    let mut networks = vec![first];
    // `f ∘ g` or `f after g`: g first, then f.
    loop {
        let j = sp(rest);
        let after = if j.fragment().starts_with('∘') {
            take(j, '∘'.len_utf8())
        } else if at_keyword(j, "after") {
            keyword(j, "after")?.0
        } else {
            break;
        };
        let (k, next) = hinted(cut(ident(sp(after))), "a composition names networks: `f ∘ g` or `f after g`")?;
        networks.push(next);
        rest = k;
    }
    let mut domain = None;
    if at_keyword(sp(rest), "from") {
        let (k, _) = keyword(sp(rest), "from")?;
        let (k, b) = open_box(sp(k))?;
        domain = Some(b);
        rest = k;
    }
    let (rest, _) = hinted(
        cut(keyword(sp(rest), "onto")),
        "say onto which output region: `… from (0,1)^d onto (0,1)^d`; `from` may be left out for all of R^d",
    )?;
    let (mut rest, onto) = open_box(sp(rest))?;
    let mut through = None;
    if at_keyword(sp(rest), "through") {
        let (k, _) = keyword(sp(rest), "through")?;
        let (k, b) = open_box(sp(k))?;
        through = Some(b);
        rest = k;
    }
    let kind = QueryKind::Regions(RegionsSyntax { networks, domain, onto, through });
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// A box: factors joined by `x` or `×`.
fn open_box(i: In) -> PResult<BoxSyntax> {
    let (mut rest, first) = factor(i)?;
    let mut factors = vec![first];
    loop {
        let j = sp(rest);
        let next = if j.fragment().starts_with('×') {
            take(j, '×'.len_utf8())
        } else if at_keyword(j, "x") {
            keyword(j, "x")?.0
        } else {
            break;
        };
        let (k, f) = factor(sp(next))?;
        factors.push(f);
        rest = k;
    }
    Ok((rest, BoxSyntax { factors, span: span_from(i, rest) }))
}

/// `(a, b)`, `(a, b)^d`, `R`, `R^d`.
fn factor(i: In) -> PResult<BoxFactor> {
    let (rest, lower, upper) = if at_keyword(i, "R") || i.fragment().starts_with('ℝ') {
        let rest = if at_keyword(i, "R") { keyword(i, "R")?.0 } else { take(i, 'ℝ'.len_utf8()) };
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
    if at_keyword(j, "inf") || j.fragment().starts_with('∞') {
        let rest = if at_keyword(j, "inf") { keyword(j, "inf")?.0 } else { take(j, '∞'.len_utf8()) };
        return Ok((rest, Bound::Infinite { negative, span: span_from(i, rest) }));
    }
    let (rest, e) = hinted(cut(expr(i, false)), "an end of an interval is a number, `-inf` or `inf`")?;
    Ok((rest, Bound::Finite(e)))
}
