//! The class visualization query: the image that gradient ascent on a
//! class score with an l2 penalty reaches.
//!
//! ```text
//! find v = class visualization of h for class 3 with l2 1/4 from x = X
//! find v = class visualization of h[1] - h[0] with l2 1/2 from x = X, within [0, 1]
//! ```

use super::QueryForm;
use super::expr::expr;
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] =
    &[QueryForm { syntax: "class visualization of NET for class c with l2 LAMBDA from x = X", parse: visualization }];

const FORM: &str = "write `class visualization of NET for class c with l2 LAMBDA from x = X`";

/// Parses `class visualization of NET [for class c] with l2 LAMBDA from
/// x = X`, optionally followed by `, within [lo, hi]`.
fn visualization(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "class")?;
    let j = sp(rest);
    if !at_keyword(j, "visualization") {
        return fail(i, "`class visualization`");
    }
    let (rest, _) = keyword(j, "visualization")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), FORM)?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, class) = if at_keyword(sp(rest), "for") {
        let (k, _) = keyword(sp(rest), "for")?;
        let (k, _) = hinted(cut(keyword(sp(k), "class")), "name the class: `for class 0`")?;
        let (k, c) = cut(expr(sp(k), false))?;
        (k, Some(c))
    } else {
        (rest, None)
    };
    let (rest, _) = hinted(cut(keyword(sp(rest), "with")), "give the penalty's weight: `with l2 1/4`")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "l2")), "give the penalty's weight: `with l2 1/4`")?;
    let (rest, lambda) = cut(expr(sp(rest), false))?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "from")), "give the starting image: `from x = X`")?;
    let (rest, input) = hinted(cut(ident(sp(rest))), "name the network's input: `from x = X`")?;
    let (rest, _) = hinted(cut(punct(sp(rest), "=")), "give the starting image: `from x = X`")?;
    let (rest, point) = cut(expr(sp(rest), false))?;
    let j = sp(rest);
    let (rest, within) = if peek(j) == Some(',') {
        let (k, _) =
            hinted(cut(keyword(sp(take(j, 1)), "within")), "keep the image in a pixel range: `, within [0, 1]`")?;
        let (k, b) = hinted(cut(expr(sp(k), false)), "give the pixel range: `within [0, 1]`")?;
        (k, Some(b))
    } else {
        (rest, None)
    };
    let kind = QueryKind::Visualization(Box::new(VisualizationSyntax { network, class, lambda, input, point, within }));
    Ok((rest, Query { kind, span: span_from(i, rest) }))
}
