//! `smallest perturbation of NET at x = X to class t in linf`, resolved: the
//! network as dense layers with ReLU between them (what the exact search
//! of [`crate::derive::perturbation`] reads), the point, the class to
//! reach, the norm and the pixel box.
//!
//! A network is read layer by layer: `flatten` changes no value (images
//! flatten row-major, as the point does), consecutive dense layers with
//! no activation between them are multiplied into one, `identity` is
//! skipped and `relu` after `relu` changes nothing. Every other layer
//! (convolutions, pools, `abs`, `leaky_relu`) is refused at its span, as
//! is a network that does not end in a dense layer.
//!
//! The types here are plain data; the derivation turns them into the
//! search's own.

/// A dense layer `z = W a + b`, `w` one row per output.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    pub w: Vec<Vec<Q>>,
    pub b: Vec<Q>,
}

/// The norm a perturbation is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    Linf,
    L1,
    L2,
}

/// The class a perturbation must reach: one class, or any but the point's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Class(usize),
    AnyOther,
}

use crate::algebra::Q;
use crate::language::syntax::{PerturbationSyntax, PerturbationTarget};
use crate::language::{Diagnostic, Span};

use super::image::{Shape, Stage};
use super::input_gradient::{check_input_name, number, pixel_range, point, staged};
use super::network::{Activation, network_named};
use super::value::Scope;

/// Most input values a perturbation query may have: the search's linear
/// programs have a variable or two per input.
pub const MAX_INPUTS: usize = 1024;
/// Most hidden units: each may be split on in the search.
pub const MAX_HIDDEN: usize = 256;

/// A smallest-perturbation query, resolved.
#[derive(Clone, Debug)]
pub struct PerturbationProblem {
    /// The network's name and its input's name.
    pub network: String,
    pub input: String,
    /// Dense layers with a ReLU after every one but the last.
    pub layers: Vec<Affine>,
    /// The input's shape, for showing the perturbation as an image.
    pub shape: Shape,
    /// The point, flattened row-major.
    pub point: Vec<Q>,
    pub target: Target,
    pub norm: Norm,
    /// The pixel box `[lo, hi]` from `within`; `None` when no box is
    /// given (every input is allowed).
    pub within: Option<(Q, Q)>,
}

/// Reads the norm's name: `linf`, `l1` or `l2`.
fn norm(n: &crate::language::syntax::Ident) -> Result<Norm, Diagnostic> {
    match n.name.as_str() {
        "linf" => Ok(Norm::Linf),
        "l1" => Ok(Norm::L1),
        "l2" => Ok(Norm::L2),
        other => Err(Diagnostic::error(n.span, format!("unknown norm `{other}`"))
            .with_label("expected `linf`, `l1` or `l2`")
            .with_hint("write `in linf` (the largest change of one pixel), `in l1` (the sum of the changes) or `in l2` (the Euclidean length)")),
    }
}

/// The network as dense layers with ReLU between them, or an error at the
/// first layer that is not such a layer.
fn relu_net(stages: &[(Stage, Shape)], name: &str, span: Span, query: Span) -> Result<Vec<Affine>, Diagnostic> {
    let refuse = |s: &Stage, why: &str| {
        Diagnostic::error(s.span(), format!("`smallest perturbation` cannot read the layer `{}` of `{name}`", s.word()))
            .with_label(why.to_string())
            .with_hint_at(query, "asked here")
            .with_hint("the search reads dense layers with `relu` between them; `flatten` and `identity` are skipped")
    };
    let mut layers: Vec<Affine> = Vec::new();
    // Whether the last layer read is a dense layer not yet followed by a ReLU.
    let mut open = false;
    for (stage, _) in stages {
        match stage {
            Stage::Flatten { .. } | Stage::Activation { activation: Activation::Identity, .. } => {}
            Stage::Dense(d) => {
                let w: Option<Vec<Vec<Q>>> =
                    (0..d.weight.rows()).map(|r| d.weight.row(r).iter().map(|e| e.as_constant()).collect()).collect();
                let b: Option<Vec<Q>> = d.bias.iter().map(|e| e.as_constant()).collect();
                let (Some(w), Some(b)) = (w, b) else {
                    return Err(refuse(stage, "has an entry that is not a number"));
                };
                let layer = Affine { w, b };
                if open {
                    // Two affine maps in a row are one: W2 (W1 a + b1) + b2.
                    let prev = layers.pop().expect("an open layer");
                    layers.push(compose(&prev, &layer));
                } else {
                    layers.push(layer);
                }
                open = true;
            }
            Stage::Activation { activation: Activation::Relu, .. } => {
                if layers.is_empty() {
                    return Err(refuse(stage, "a ReLU on the input itself, before any dense layer"));
                }
                // A ReLU after a ReLU changes nothing.
                open = false;
            }
            Stage::Activation { .. } => return Err(refuse(stage, "the search splits ReLU units only")),
            Stage::Conv { .. } | Stage::MaxPool { .. } | Stage::AvgPool { .. } => {
                return Err(refuse(stage, "not a dense layer"));
            }
        }
    }
    if layers.is_empty() {
        return Err(Diagnostic::error(span, format!("`{name}` has no dense layer")));
    }
    if !open {
        let last = stages.iter().rev().find(|(s, _)| matches!(s, Stage::Activation { .. })).map(|(s, _)| s.span());
        let d = Diagnostic::error(last.unwrap_or(span), format!("`{name}` ends in a ReLU"))
            .with_label("the scores must come from a dense layer")
            .with_hint_at(query, "asked here")
            .with_hint("the search reads dense layers with `relu` between them and none after the last");
        return Err(d);
    }
    Ok(layers)
}

/// `second ∘ first` as one affine map.
fn compose(first: &Affine, second: &Affine) -> Affine {
    let w = second
        .w
        .iter()
        .map(|row| {
            (0..first.w.first().map_or(0, Vec::len))
                .map(|j| row.iter().zip(&first.w).map(|(a, r)| a * &r[j]).sum())
                .collect()
        })
        .collect();
    let b = second
        .w
        .iter()
        .zip(&second.b)
        .map(|(row, c)| row.iter().zip(&first.b).map(|(a, v)| a * v).sum::<Q>() + c.clone())
        .collect();
    Affine { w, b }
}

/// Elaborates `smallest perturbation of NET at x = X to … in NORM`.
pub fn elaborate(p: &PerturbationSyntax, span: Span, scope: &dyn Scope) -> Result<PerturbationProblem, Diagnostic> {
    let word = "smallest perturbation of";
    let net = network_named(&p.network, scope)?;
    check_input_name(net, &p.input)?;
    let st = staged(net, word, span)?;
    let relu = relu_net(&st.stages, &net.name, net.span, span)?;
    let inputs = st.input.len();
    if inputs > MAX_INPUTS {
        return Err(Diagnostic::error(p.network.span, format!("`{}` has {inputs} inputs", net.name))
            .with_label(format!("the limit is {MAX_INPUTS}"))
            .with_hint("the exact search solves linear programs with a variable per input"));
    }
    let hidden: usize = relu.iter().rev().skip(1).map(|l| l.b.len()).sum();
    if hidden > MAX_HIDDEN {
        return Err(Diagnostic::error(p.network.span, format!("`{}` has {hidden} hidden ReLU units", net.name))
            .with_label(format!("the limit is {MAX_HIDDEN}"))
            .with_hint("the exact search may split on every hidden unit"));
    }
    let x = point(&p.point, st.input, net, scope)?;
    let classes = relu.last().map_or(0, |l| l.b.len());
    let target = match &p.target {
        PerturbationTarget::AnyOther(_) => Target::AnyOther,
        PerturbationTarget::Class(e) => {
            let c = number(e, scope, "the class")?;
            let k = c.to_i64().filter(|k| c.is_integer() && *k >= 0).ok_or_else(|| {
                Diagnostic::error(e.span, "a class is a whole number, 0 or more").with_label(format!("{c}"))
            })? as usize;
            if k >= classes {
                return Err(Diagnostic::error(e.span, format!("class {k} of `{}` does not exist", net.name))
                    .with_label(format!("valid classes are 0 to {}", classes - 1))
                    .with_hint(format!("`{}` has {classes} outputs, one score per class", net.name)));
            }
            Target::Class(k)
        }
    };
    let norm = norm(&p.norm)?;
    let within = match &p.within {
        None => None,
        Some(w) => {
            let (lo, hi) = pixel_range(w, scope)?;
            if let Some(i) = x.iter().position(|v| *v < lo || *v > hi) {
                return Err(Diagnostic::error(p.point.span, "the point is outside the pixel range")
                    .with_label(format!("entry {i} is {}", x[i]))
                    .with_hint_at(w.span, format!("the range is [{lo}, {hi}]")));
            }
            Some((lo, hi))
        }
    };
    Ok(PerturbationProblem {
        network: net.name.clone(),
        input: net.input.clone(),
        layers: relu,
        shape: st.input,
        point: x,
        target,
        norm,
        within,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    #[test]
    fn two_affine_maps_compose_into_one() {
        let a = Affine { w: vec![vec![q(1), q(2)], vec![q(0), q(1)]], b: vec![q(1), q(-1)] };
        let b = Affine { w: vec![vec![q(3), q(1)]], b: vec![q(2)] };
        // 3 (x1 + 2 x2 + 1) + (x2 − 1) + 2 = 3 x1 + 7 x2 + 4.
        assert_eq!(compose(&a, &b), Affine { w: vec![vec![q(3), q(7)]], b: vec![q(4)] });
    }
}
