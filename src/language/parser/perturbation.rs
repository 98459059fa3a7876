//! The smallest perturbation that changes a network's class.
//!
//! ```text
//! find d = smallest perturbation of h at x = X to class 1 in linf
//! find e = smallest perturbation of h at x = X to any other class in l1, within [0, 1]
//! ```

use super::QueryForm;
use super::expr::{expr, postfix};
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] =
    &[QueryForm { syntax: "smallest perturbation of NET at x = X to class t in linf", parse: smallest_perturbation }];

const FORM: &str = "write `smallest perturbation of NET at x = X to class t in linf`";

/// `smallest perturbation of h at x = X to class 1 in linf` (or `to any
/// other class`; norms `linf`, `l1`, `l2`), optionally `, within [0, 1]`.
fn smallest_perturbation(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "smallest")?;
    let j = sp(rest);
    if !at_keyword(j, "perturbation") {
        return fail(i, "`smallest perturbation`");
    }
    let (rest, _) = keyword(j, "perturbation")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), FORM)?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "at")), "give the point: `at x = X`")?;
    let (rest, input) = hinted(cut(ident(sp(rest))), "name the network's input: `at x = X`")?;
    let (rest, _) = hinted(cut(punct(sp(rest), "=")), "give the point: `at x = X`")?;
    let (rest, point) = cut(expr(sp(rest), false))?;
    let (rest, _) =
        hinted(cut(keyword(sp(rest), "to")), "name the class to reach: `to class 1` or `to any other class`")?;
    let j = sp(rest);
    let (rest, target) = if at_keyword(j, "any") {
        let (k, _) = keyword(j, "any")?;
        let (k, _) = hinted(cut(keyword(sp(k), "other")), "write `to any other class`")?;
        let (k, _) = hinted(cut(keyword(sp(k), "class")), "write `to any other class`")?;
        (k, PerturbationTarget::AnyOther(span_from(j, k)))
    } else {
        let (k, _) = hinted(cut(keyword(j, "class")), "name the class to reach: `to class 1` or `to any other class`")?;
        // A number or a name: a longer expression would read `in` as a factor.
        let (k, class) = hinted(cut(postfix(sp(k))), "name the class by its number: `to class 1`")?;
        (k, PerturbationTarget::Class(class))
    };
    let (rest, _) = hinted(cut(keyword(sp(rest), "in")), "name the norm: `in linf`, `in l1` or `in l2`")?;
    let (rest, norm) = hinted(cut(ident(sp(rest))), "name the norm: `in linf`, `in l1` or `in l2`")?;
    let j = sp(rest);
    let (rest, within) = if peek(j) == Some(',') {
        let (k, _) = hinted(cut(keyword(sp(take(j, 1)), "within")), "keep the pixels in a range: `, within [0, 1]`")?;
        let (k, b) = hinted(cut(expr(sp(k), false)), "give the pixel range: `within [0, 1]`")?;
        (k, Some(b))
    } else {
        (rest, None)
    };
    Ok((
        rest,
        Query {
            kind: QueryKind::Perturbation(PerturbationSyntax { network, input, point, target, norm, within }),
            span: span_from(i, rest),
        },
    ))
}
