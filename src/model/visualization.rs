//! `class visualization of NET for class c with l2 LAMBDA from x = X`,
//! resolved: a network with numeric weights, the combination of outputs
//! whose penalized score is maximized, the penalty's weight, the starting
//! image and the optional pixel box.

use crate::algebra::Q;
use crate::language::syntax::VisualizationSyntax;
use crate::language::{Diagnostic, Span};

use super::image::Staged;
use super::input_gradient::{check_input_name, number, pixel_range, point, staged};
use super::network::network_named;
use super::selection::network_selected;
use super::value::Scope;

/// A class visualization query, resolved.
#[derive(Clone, Debug)]
pub struct VisualizationQuery {
    /// The network's name and its input's name.
    pub network: String,
    pub input: String,
    /// What is maximized, as written: `h[3]`, `h[1] - h[0]`.
    pub label: String,
    pub net: Staged,
    /// The coefficient of each output in the score s.
    pub selection: Vec<Q>,
    /// λ > 0 in s(x) − λ‖x‖².
    pub lambda: Q,
    /// The starting image, flattened row-major.
    pub start: Vec<Q>,
    /// Every value of the image kept in `[lo, hi]`.
    pub within: Option<(Q, Q)>,
}

const WORD: &str = "class visualization of";

/// Elaborates a class visualization query.
pub fn elaborate(v: &VisualizationSyntax, span: Span, scope: &dyn Scope) -> Result<VisualizationQuery, Diagnostic> {
    let (net, selection, class) = match &v.class {
        Some(c) => (network_named(&v.network, scope)?, None, Some(c)),
        None => {
            let (net, s) = network_selected(&v.network, scope)?;
            (net, s, None)
        }
    };
    check_input_name(net, &v.input)?;
    let staged = staged(net, WORD, span)?;
    let outputs = staged.output().len();
    let (row, label) = match (class, &selection) {
        (Some(c), _) => {
            let k = number(c, scope, "the class")?;
            let k = k.to_i64().filter(|n| k.is_integer() && *n >= 0).ok_or_else(|| {
                Diagnostic::error(c.span, "a class is a whole number, 0 or more").with_label(format!("{k}"))
            })? as usize;
            if k >= outputs {
                return Err(Diagnostic::error(c.span, format!("class {k} of `{}` does not exist", net.name))
                    .with_label(format!("valid classes are 0 to {}", outputs - 1))
                    .with_hint(format!("`{}` has {outputs} outputs, one score per class", net.name)));
            }
            let mut r = vec![Q::zero(); outputs];
            r[k] = Q::one();
            (r, format!("{}[{k}]", net.name))
        }
        (None, Some(s)) => (s.row(net, outputs)?, s.text(&net.name)),
        (None, None) if outputs == 1 => (vec![Q::one()], net.name.clone()),
        (None, None) => {
            return Err(Diagnostic::error(
                v.network.span,
                format!("`{}` has {outputs} outputs: a class visualization maximizes one score", net.name),
            )
            .with_label("name the class")
            .with_hint(format!(
                "write `class visualization of {0} for class 0 …`, or a combination such as `{0}[1] - {0}[0]`",
                net.name
            )));
        }
    };
    let lambda = number(&v.lambda, scope, "the penalty's weight")?;
    if lambda.signum() <= 0 {
        return Err(Diagnostic::error(v.lambda.span, "the penalty's weight must be positive")
            .with_label(format!("{lambda}"))
            .with_hint("without a penalty the score of a piecewise linear network has no largest value"));
    }
    let start = point(&v.point, staged.input, net, scope)?;
    let within = v.within.as_ref().map(|w| pixel_range(w, scope)).transpose()?;
    Ok(VisualizationQuery {
        network: net.name.clone(),
        input: net.input.clone(),
        label,
        net: staged.clone(),
        selection: row,
        lambda,
        start,
        within,
    })
}
