//! Queries about the gradient of a network's output with respect to its
//! input: the gradient itself, the saliency map, and the gradient sign
//! step.
//!
//! ```text
//! find g = input gradient of h[0] at x = X
//! find s = saliency of h for class 1 at x = X
//! find a = gradient sign step of h[1] - h[0] at x = X with eps 1/10, within [0, 1]
//! find c = input gradient of cross_entropy(h, 2) at x = X
//! ```
//!
//! `cross_entropy(h, 2)` is read as a call; the model gives it its meaning.

use super::QueryForm;
use super::expr::expr;
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "input gradient of NET[c] at x = X", parse: input_gradient },
    QueryForm { syntax: "saliency of NET for class c at x = X", parse: saliency },
    QueryForm { syntax: "gradient sign step of NET[c] at x = X with eps E", parse: sign_step },
];

/// `at x = X`, after a network.
fn at_point(i: In) -> PResult<(Ident, Expr)> {
    let (rest, _) = hinted(cut(keyword(sp(i), "at")), "give the point: `at x = X`")?;
    let (rest, input) = hinted(cut(ident(sp(rest))), "name the network's input: `at x = X`")?;
    let (rest, _) = hinted(cut(punct(sp(rest), "=")), "give the point: `at x = X`")?;
    let (rest, point) = cut(expr(sp(rest), false))?;
    Ok((rest, (input, point)))
}

/// `input gradient of h[0] at x = X`: the gradient of one output (or a
/// combination of outputs) with respect to the input, at a point.
fn input_gradient(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "input")?;
    let j = sp(rest);
    if !at_keyword(j, "gradient") {
        return fail(i, "`input gradient`");
    }
    let (rest, _) = keyword(j, "gradient")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), "write `input gradient of NET[c] at x = X`")?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, (input, point)) = at_point(rest)?;
    Ok((rest, Query { kind: QueryKind::InputGradient { network, input, point }, span: span_from(i, rest) }))
}

/// `saliency of h for class 1 at x = X`: per pixel, the largest absolute
/// gradient of the class score over the channels.
fn saliency(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "saliency")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), "write `saliency of NET for class c at x = X`")?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "for")), "name the class: `saliency of h for class 0 at x = X`")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "class")), "name the class: `for class 0`")?;
    let (rest, class) = cut(expr(sp(rest), false))?;
    let (rest, (input, point)) = at_point(rest)?;
    Ok((rest, Query { kind: QueryKind::Saliency { network, class, input, point }, span: span_from(i, rest) }))
}

/// `gradient sign step of h[1] at x = X with eps 1/10`, optionally
/// `, within [0, 1]`: x − ε·sign(∇ of the selection), and the class after.
fn sign_step(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "gradient")?;
    let j = sp(rest);
    if !at_keyword(j, "sign") {
        return fail(i, "`gradient sign step`");
    }
    let (rest, _) = keyword(j, "sign")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "step")), "write `gradient sign step of NET[c] at x = X with eps E`")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), "write `gradient sign step of NET[c] at x = X with eps E`")?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, (input, point)) = at_point(rest)?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "with")), "give the step size: `with eps 1/10`")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "eps")), "give the step size: `with eps 1/10`")?;
    let (rest, eps) = cut(expr(sp(rest), false))?;
    let j = sp(rest);
    let (rest, within) = if peek(j) == Some(',') {
        let (k, _) = hinted(cut(keyword(sp(take(j, 1)), "within")), "clip to a pixel range: `, within [0, 1]`")?;
        let (k, b) = hinted(cut(expr(sp(k), false)), "give the pixel range: `within [0, 1]`")?;
        (k, Some(b))
    } else {
        (rest, None)
    };
    Ok((rest, Query { kind: QueryKind::SignStep { network, input, point, eps, within }, span: span_from(i, rest) }))
}
