//! Queries about least squares and gradient descent: the limit of gradient
//! descent, and the minimum-norm solution of a linear system.

use super::QueryForm;
use super::expr::{argument, delimited_list, expr};
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "limit of gradient descent on least squares(X, y) from W0", parse: limit },
    QueryForm { syntax: "minimum-norm solution of X w = y", parse: minimum_norm },
    QueryForm { syntax: "largest eigenvalue of M", parse: largest },
    QueryForm { syntax: "largest convergent step for least squares(X, y)", parse: largest },
    QueryForm {
        syntax: "squared norm of limit of gradient descent on least squares(X, y) from W0",
        parse: squared_norm,
    },
    QueryForm {
        syntax: "training error of limit of gradient descent on least squares(X, y) from W0",
        parse: training_error,
    },
    QueryForm { syntax: "rank of M", parse: rank },
];

/// The words of a phrase, each after optional spaces; the first must be at
/// `i` exactly.
fn words<'a>(i: In<'a>, phrase: &[&'static str], hint: &str) -> PResult<'a, ()> {
    let mut rest = i;
    for (k, w) in phrase.iter().enumerate() {
        let at = if k == 0 { rest } else { sp(rest) };
        rest = hinted(cut(keyword(at, w)), hint)?.0;
    }
    Ok((rest, ()))
}

/// `least squares(X, y)`: the objective Σ (yᵢ − wᵀxᵢ)² = ‖X w − y‖².
fn least_squares(i: In) -> PResult<LeastSquaresSyntax> {
    let hint = "the objective is written `least squares(X, y)`";
    let (rest, _) = words(i, &["least", "squares"], hint)?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(punct(j, "(")), hint)?;
    let (rest, args) = cut(delimited_list(rest, ')', argument))?;
    Ok((rest, LeastSquaresSyntax { args, span: span_from(i, rest) }))
}

/// `limit of gradient descent on least squares(X, y) from W0`, optionally
/// followed by `with step ETA`.
fn limit(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "limit")?;
    let (rest, g) = descent(rest)?;
    let kind = QueryKind::GradientLimit(g);
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// What follows `limit`: `of gradient descent on least squares(X, y) from
/// W0 [with step ETA]`.
fn descent(rest: In) -> PResult<GradientDescent> {
    let hint = "the query reads `limit of gradient descent on least squares(X, y) from W0`";
    let (rest, _) = words(sp(rest), &["of", "gradient", "descent", "on"], hint)?;
    let (rest, objective) = least_squares(sp(rest))?;
    let (rest, _) =
        hinted(cut(keyword(sp(rest), "from")), "gradient descent needs a starting point: `from 0` or `from w0`")?;
    let (mut rest, start) = cut(expr(sp(rest), false))?;
    let mut step = None;
    if at_keyword(sp(rest), "with") {
        let (k, _) = keyword(sp(rest), "with")?;
        let (k, _) = hinted(cut(keyword(sp(k), "step")), "a step size is given as `with step 1/10`")?;
        let (k, eta) = cut(expr(sp(k), false))?;
        step = Some(eta);
        rest = k;
    }
    Ok((rest, GradientDescent { objective, start, step }))
}

/// `largest eigenvalue of M` (M a symmetric matrix, e.g. `X X^T`) or
/// `largest convergent step for least squares(X, y)`.
fn largest(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "largest")?;
    let j = sp(rest);
    let (rest, q) = if at_keyword(j, "convergent") {
        let hint = "the query reads `largest convergent step for least squares(X, y)`";
        let (rest, _) = words(j, &["convergent", "step", "for"], hint)?;
        let (rest, objective) = least_squares(sp(rest))?;
        (rest, GradientQuantity::LargestStep(objective))
    } else {
        let hint = "the query reads `largest eigenvalue of M` or `largest convergent step for least squares(X, y)`";
        let (rest, _) = words(j, &["eigenvalue", "of"], hint)?;
        let (rest, m) = cut(expr(sp(rest), false))?;
        (rest, GradientQuantity::LargestEigenvalue(m))
    };
    Ok((rest, Query { kind: QueryKind::GradientQuantity(q), span: span_from(i, rest) }))
}

/// `squared norm of limit of gradient descent on least squares(X, y) from
/// W0 [with step ETA]`: ‖w∞‖².
fn squared_norm(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "squared")?;
    let hint = "the query reads `squared norm of limit of gradient descent on least squares(X, y) from W0`";
    let (rest, _) = words(sp(rest), &["norm", "of", "limit"], hint)?;
    let (rest, g) = descent(rest)?;
    Ok((rest, Query { kind: QueryKind::GradientQuantity(GradientQuantity::SquaredNorm(g)), span: span_from(i, rest) }))
}

/// `training error of limit of gradient descent on least squares(X, y)
/// from W0 [with step ETA]`: ‖X w∞ − y‖².
fn training_error(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "training")?;
    let hint = "the query reads `training error of limit of gradient descent on least squares(X, y) from W0`";
    let (rest, _) = words(sp(rest), &["error", "of", "limit"], hint)?;
    let (rest, g) = descent(rest)?;
    let kind = QueryKind::GradientQuantity(GradientQuantity::TrainingError(g));
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// `rank of M`.
fn rank(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "rank")?;
    let (rest, _) = words(sp(rest), &["of"], "the query reads `rank of M`")?;
    let (rest, m) = cut(expr(sp(rest), false))?;
    Ok((rest, Query { kind: QueryKind::GradientQuantity(GradientQuantity::Rank(m)), span: span_from(i, rest) }))
}

/// `minimum-norm solution of X w = y` (also `minimum norm solution`): the
/// least-norm w with X w = y, where `w` names the unknown.
fn minimum_norm(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "minimum")?;
    let j = sp(rest);
    let j = if peek(j) == Some('-') { sp(take(j, 1)) } else { j };
    let hint = "the query reads `minimum-norm solution of X w = y`";
    let (rest, _) = words(j, &["norm", "solution", "of"], hint)?;
    let start = sp(rest);
    let (rest, lhs) = cut(expr(start, false))?;
    let (rest, _) = hinted(cut(punct(sp(rest), "=")), "the constraint is an equation: `X w = y`")?;
    let (rest, rhs) = cut(expr(sp(rest), false))?;
    let system = LinearSystem { lhs, rhs, span: span_from(start, rest) };
    Ok((rest, Query { kind: QueryKind::MinimumNorm(system), span: span_from(i, rest) }))
}
