//! Drawn parameters: `draw a = integer in -3..3 where nonzero`,
//! `draw K = kernel 1x1x2x2 from {-2, -1, 1, 2}`,
//! `draw X = matrix 2x3 from -2..2 where full row rank`,
//! `draw T = truth table (x1, x2) where linearly separable`.

use nom::Parser;
use nom::bytes::complete::take_while1;

use super::expr::delimited_list;
use super::lex::*;
use super::name_equals;
use crate::language::Span;
use crate::language::syntax::*;

const DRAW_HELP: &str = "a draw reads `draw a = integer in -3..3`, `draw r = rational in -1..1 step 1/4`, \
                         `draw X = matrix 2x3 from -2..2`, `draw K = kernel 2x2 from {-1, 1}`, \
                         `draw p = point 1 from -3..3` or `draw T = truth table (x1, x2)`, \
                         then optionally `where CONDITION, …`";
const RANGE_HELP: &str = "a range reads `-3..3` (both ends included)";
const POOL_HELP: &str = "entries come `from -2..2` (the integers in a range) or `from {-2, -1, 1, 2}`";
const CONDITION_HELP: &str = "conditions are `nonzero`, `distinct`, `full row rank`, `full column rank`, \
                              `not on a kink of NET`, `linearly separable` and `not linearly separable`, \
                              separated by `,` or `and`";

/// A draw: `draw NAME = WHAT [where CONDITION, …]`.
pub(super) fn draw(i: In) -> PResult<DrawSyntax> {
    let (rest, _) = keyword(i, "draw")?;
    let (rest, name) = hinted(cut(name_equals(sp(rest))), DRAW_HELP)?;
    let (rest, what) = drawn(rest)?;
    let mut j = sp(rest);
    let mut conditions = Vec::new();
    if let Ok((k, _)) = keyword(j, "where") {
        let (k, cs) = conditions_list(sp(k))?;
        conditions = cs;
        j = k;
    }
    Ok((j, DrawSyntax { name, what, conditions, span: span_from(i, j) }))
}

/// What follows `draw NAME =`.
fn drawn(i: In) -> PResult<Drawn> {
    if let Ok((k, _)) = keyword(i, "integer") {
        let (k, _) = hinted(cut(keyword(sp(k), "in")), "`integer in -3..3`")?;
        let (k, range) = range(sp(k))?;
        return Ok((k, Drawn::Integer { range }));
    }
    if let Ok((k, _)) = keyword(i, "rational") {
        let (k, _) = hinted(cut(keyword(sp(k), "in")), "`rational in -1..1 step 1/4`")?;
        let (k, range) = range(sp(k))?;
        let (k, _) = hinted(
            cut(keyword(sp(k), "step")),
            "a rational is drawn among the multiples of a step: `rational in -1..1 step 1/4`",
        )?;
        let (k, step) = hinted(cut(signed_number(sp(k))), "the step is a number such as `1/4`")?;
        return Ok((k, Drawn::Rational { range, step }));
    }
    if let Ok((k, _)) = keyword(i, "truth") {
        let (k, _) = hinted(cut(keyword(sp(k), "table")), "`truth table (x1, x2)`")?;
        let j = sp(k);
        let (k, _) = hinted(cut(punct(j, "(")), "name the inputs: `truth table (x1, x2)`")?;
        let (k, inputs) = hinted(cut(delimited_list(k, ')', ident)), "name the inputs: `truth table (x1, x2)`")?;
        return Ok((k, Drawn::Table { inputs, span: span_from(i, k) }));
    }
    for kind in ["kernel", "input", "matrix", "vector", "point"] {
        let Ok((k, kspan)) = keyword(i, kind) else { continue };
        let kind = Ident { name: kind.to_string(), span: kspan };
        let (k, shape) = hinted(cut(shape(sp(k))), DRAW_HELP)?;
        let (k, _) = hinted(cut(keyword(sp(k), "from")), POOL_HELP)?;
        let (k, from) = pool(sp(k))?;
        return Ok((k, Drawn::Tensor { kind, shape, from }));
    }
    failure(
        i,
        "`integer`, `rational`, `kernel`, `input`, `matrix`, `vector`, `point` or `truth table`",
        Some(DRAW_HELP),
    )
}

/// A number with an optional sign and denominator: `-3`, `1/4`, `-0.5`.
fn signed_number(i: In) -> PResult<Expr> {
    let (k, negative) = match punct(i, "-") {
        Ok((k, _)) => (sp(k), true),
        Err(_) => (i, false),
    };
    let (mut k, mut value) = number(k)?;
    if let Ok((after, _)) = punct(sp(k), "/") {
        let (after, den) = cut(number(sp(after)))?;
        value = Expr {
            span: Span::new(value.span.start, den.span.end),
            kind: ExprKind::Binary(BinOp::Div, Box::new(value), Box::new(den)),
        };
        k = after;
    }
    if negative {
        value = Expr { kind: ExprKind::Neg(Box::new(value)), span: span_from(i, k) };
    }
    Ok((k, value))
}

/// `-3..3`.
fn range(i: In) -> PResult<RangeSyntax> {
    let (k, low) = hinted(cut(signed_number(i)), RANGE_HELP)?;
    let (k, _) = hinted(cut(punct(sp(k), "..")), RANGE_HELP)?;
    let (k, high) = hinted(cut(signed_number(sp(k))), RANGE_HELP)?;
    Ok((k, RangeSyntax { low, high, span: span_from(i, k) }))
}

/// `-2..2` or `{-2, -1, 1, 2}`.
fn pool(i: In) -> PResult<PoolSyntax> {
    if let Ok((k, _)) = punct(i, "{") {
        let (k, items) = hinted(cut(delimited_list(k, '}', signed_number)), POOL_HELP)?;
        return Ok((k, PoolSyntax::Set(items, span_from(i, k))));
    }
    let (k, r) = hinted(range(i), POOL_HELP)?;
    Ok((k, PoolSyntax::Range(r)))
}

/// `nonzero, full row rank and not on a kink of h`.
fn conditions_list(i: In) -> PResult<Vec<ConditionSyntax>> {
    let mut out = Vec::new();
    let mut j = i;
    loop {
        let (k, c) = condition(j)?;
        out.push(c);
        let k2 = sp(k);
        if let Ok((after, _)) = punct(k2, ",") {
            j = sp(after);
        } else if let Ok((after, _)) = keyword(k2, "and") {
            j = sp(after);
        } else {
            return Ok((k, out));
        }
    }
}

/// One condition: words, and for `not on a kink of h` the network.
fn condition(i: In) -> PResult<ConditionSyntax> {
    let mut words: Vec<String> = Vec::new();
    let mut j = i;
    let mut end = i;
    let mut network = None;
    loop {
        let k = sp(j);
        let Ok((after, w)) = take_while1::<_, _, PError>(is_ident_char).parse(k) else { break };
        let w = w.fragment().to_string();
        if w == "and" {
            break;
        }
        if w == "of" {
            let (after, net) = hinted(cut(ident(sp(after))), "`not on a kink of NET` names a declared network")?;
            network = Some(net);
            end = after;
            words.push(w);
            break;
        }
        words.push(w);
        end = after;
        j = after;
    }
    if words.is_empty() {
        return failure(sp(j), "a condition", Some(CONDITION_HELP));
    }
    Ok((end, ConditionSyntax { words: words.join(" "), network, span: span_from(i, end) }))
}
