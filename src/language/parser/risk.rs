//! Queries about the test risk of minimum-norm fits, at one size or over a
//! range of sizes:
//!
//! ```text
//! find R = risk of minimum-norm least squares(n: 10, d: 20, noise: 1/4, signal: 1)
//! find C = risk of minimum-norm least squares(n: 20, noise: 1/4, signal: 1) over d from 1 to 60
//! find F = simulated risk of random relu features(n: 20, d: 10, noise: 1/4, signal: 1) over p from 1 to 60
//! ```

use super::QueryForm;
use super::expr::{argument, delimited_list, expr};
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "risk of minimum-norm least squares(n: N, d: D, noise: S, signal: R)", parse: risk },
    QueryForm { syntax: "simulated risk of random relu features(n: N, d: D, noise: S, signal: R)", parse: simulated },
];

const RISK_HINT: &str = "the query reads `risk of minimum-norm least squares(n: 10, d: 20, noise: 1/4, signal: 1)`";
const SIMULATED_HINT: &str =
    "the query reads `simulated risk of random relu features(n: 20, d: 10, noise: 1/4, signal: 1) over p from 1 to 60`";
const SWEEP_HINT: &str = "a range reads `over d from 1 to 40`";

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

/// `(n: 10, d: 20, …)`: the model's arguments.
fn arguments<'a>(i: In<'a>, hint: &str) -> PResult<'a, Vec<Arg>> {
    let (rest, _) = hinted(cut(punct(i, "(")), hint)?;
    cut(delimited_list(rest, ')', argument))
}

/// `risk of minimum-norm least squares(ARGS) [over VAR from A to B]`.
fn risk(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "risk")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), RISK_HINT)?;
    let start = sp(rest);
    let (rest, _) = hinted(cut(keyword(start, "minimum")), RISK_HINT)?;
    let j = sp(rest);
    let j = if peek(j) == Some('-') { sp(take(j, 1)) } else { j };
    let (rest, _) = words(j, &["norm", "least", "squares"], RISK_HINT)?;
    let (rest, args) = arguments(sp(rest), RISK_HINT)?;
    let model_span = span_from(start, rest);
    let (rest, sweep) = sweep(rest)?;
    let kind = QueryKind::Risk(RiskSyntax { model: RiskModel::MinimumNorm, args, model_span, sweep });
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// `simulated risk of random relu features(ARGS) over p from A to B`.
fn simulated(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "simulated")?;
    let (rest, _) = words(sp(rest), &["risk", "of"], SIMULATED_HINT)?;
    let start = sp(rest);
    let (rest, _) = words(start, &["random", "relu", "features"], SIMULATED_HINT)?;
    let (rest, args) = arguments(sp(rest), SIMULATED_HINT)?;
    let model_span = span_from(start, rest);
    let (rest, sweep) = sweep(rest)?;
    let kind = QueryKind::Risk(RiskSyntax { model: RiskModel::ReluFeatures, args, model_span, sweep });
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}

/// An optional `over VAR from A to B`.
fn sweep(i: In) -> PResult<Option<SweepSyntax>> {
    let Ok((rest, _)) = keyword(sp(i), "over") else {
        return Ok((i, None));
    };
    let at = sp(i);
    let (rest, var) = hinted(cut(ident(sp(rest))), SWEEP_HINT)?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "from")), SWEEP_HINT)?;
    let (rest, from) = cut(expr(sp(rest), false))?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "to")), SWEEP_HINT)?;
    let (rest, to) = cut(expr(sp(rest), false))?;
    Ok((rest, Some(SweepSyntax { var, from, to, span: span_from(at, rest) })))
}
