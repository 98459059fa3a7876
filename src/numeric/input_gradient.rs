//! Cross-checks of the gradient queries: an independent floating-point
//! forward pass (direct convolution and pooling loops, not the exact
//! matrices), central finite differences for the gradient and the saliency
//! map, second differences along random directions at a kink, and the
//! sign step recomputed from the differences' signs with its classes from
//! a forward pass.

use ndarray::Array3;

use crate::algebra::Q;
use crate::derive::CrossCheck;
use crate::derive::input_gradient::{GradientAnswer, Outcome};
use crate::model::Activation;
use crate::model::image::{Shape, Stage, Staged};
use crate::model::input_gradient::{GradientKind, GradientQuery};

use super::rng::Rng;

/// Relative agreement required of finite differences with the exact
/// gradient: |fd − g| ≤ 1e-5 · (1 + max |g|).
pub const DIFFERENCE_TOLERANCE: f64 = 1e-5;
/// Relative agreement required of forward passes: 1e-9 · (1 + |value|).
pub const FORWARD_TOLERANCE: f64 = 1e-9;
/// A second difference above this (relative to ε·(1 + |s|)) shows a kink.
const KINK_SHOWS: f64 = 1e-4;

fn f(q: &Q) -> f64 {
    q.to_f64()
}

/// The network's outputs at `x`, in floating point.
pub fn forward(net: &Staged, x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    let mut shape = net.input;
    for (stage, out) in &net.stages {
        v = match stage {
            Stage::Dense(d) => (0..d.weight.rows())
                .map(|r| {
                    let w = d.weight.row(r);
                    let b = d.bias[r].as_constant().map_or(f64::NAN, |q| f(&q));
                    b + w.iter().zip(&v).map(|(a, x)| a.as_constant().map_or(f64::NAN, |q| f(&q)) * x).sum::<f64>()
                })
                .collect(),
            Stage::Activation { activation, .. } => {
                let a = match activation {
                    Activation::Relu => 0.0,
                    Activation::Abs => -1.0,
                    Activation::Identity => 1.0,
                    Activation::LeakyRelu(s) => s.as_constant().map_or(f64::NAN, |q| f(&q)),
                };
                v.iter().map(|&z| if z < 0.0 { a * z } else { z }).collect()
            }
            Stage::Conv { conv, .. } => {
                let Shape::Image([c, h, w]) = shape else { unreachable!("a conv reads an image") };
                let x3 = Array3::from_shape_vec((c, h, w), v.clone()).expect("the shape");
                let k = super::conv::kernel_values(conv, &|_| f64::NAN);
                let y = super::conv::apply(conv, &k, &x3);
                let (oc, oh, ow) = y.dim();
                let mut out: Vec<f64> = y.iter().copied().collect();
                if let Some(b) = &conv.bias {
                    for o in 0..oc {
                        let bo = b[o].as_constant().map_or(f64::NAN, |q| f(&q));
                        for e in &mut out[o * oh * ow..(o + 1) * oh * ow] {
                            *e += bo;
                        }
                    }
                }
                out
            }
            Stage::MaxPool { pool, .. } | Stage::AvgPool { pool, .. } => {
                let [c, h, w] = pool.input;
                let [_, oh, ow] = pool.output;
                let max = matches!(stage, Stage::MaxPool { .. });
                let mut out = Vec::with_capacity(c * oh * ow);
                for ch in 0..c {
                    for r in 0..oh {
                        for col in 0..ow {
                            let mut acc = if max { f64::NEG_INFINITY } else { 0.0 };
                            for a in 0..pool.kernel.0 {
                                for b in 0..pool.kernel.1 {
                                    let z = v[(ch * h + r * pool.stride.0 + a) * w + col * pool.stride.1 + b];
                                    acc = if max { acc.max(z) } else { acc + z };
                                }
                            }
                            out.push(if max { acc } else { acc / (pool.kernel.0 * pool.kernel.1) as f64 });
                        }
                    }
                }
                out
            }
            Stage::Flatten { .. } => v,
        };
        shape = *out;
    }
    v
}

fn dot(c: &[f64], y: &[f64]) -> f64 {
    c.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Central finite differences of `cᵀ h` at `x`.
fn differences(net: &Staged, c: &[f64], x: &[f64]) -> Vec<f64> {
    let scale = 1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let h = 1e-7 * scale;
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|i| {
            xp[i] = x[i] + h;
            let up = dot(c, &forward(net, &xp));
            xp[i] = x[i] - h;
            let down = dot(c, &forward(net, &xp));
            xp[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

fn largest(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Checks a gradient, saliency or sign-step answer.
pub fn check(q: &GradientQuery, a: &GradientAnswer, seed: u64) -> CrossCheck {
    let x: Vec<f64> = q.point.iter().map(f).collect();
    let scores = forward(&q.net, &x);
    let exact_scores: Vec<f64> = a.scores.iter().map(f).collect();
    let score_gap = largest(scores.iter().zip(&exact_scores).map(|(s, e)| (s - e) / (1.0 + e.abs())));
    let c: Vec<f64> = match (&q.selection, &a.step) {
        (Some(s), _) => s.iter().map(f).collect(),
        (None, Some(st)) => st.selection.iter().map(f).collect(),
        (None, None) => {
            let mut v = vec![0.0; scores.len()];
            if let Some(k) = crate::derive::input_gradient::argmax(&a.scores).first() {
                v[*k] = 1.0;
            }
            v
        }
    };
    match &a.outcome {
        Outcome::Smooth { gradient, .. } => {
            let fd = differences(&q.net, &c, &x);
            let g: Vec<f64> = gradient.iter().map(f).collect();
            let gmax = largest(g.iter().copied());
            let gap = largest(fd.iter().zip(&g).map(|(d, e)| d - e)) / (1.0 + gmax);
            let mut passed = gap <= DIFFERENCE_TOLERANCE && score_gap <= FORWARD_TOLERANCE;
            let mut detail = format!(
                "largest difference {gap:.1e} between finite differences and the gradient, relative to 1 + max |g| (tolerance {DIFFERENCE_TOLERANCE:.0e}); scores at the point agree to {score_gap:.1e} (tolerance {FORWARD_TOLERANCE:.0e})"
            );
            let mut trials = 2 * x.len() + 1;
            let mut method = "the gradient against central finite differences of an independent floating-point forward pass (direct convolution and pooling loops, ndarray)".to_string();
            if let (GradientKind::Saliency { .. }, Some(sal)) = (&q.kind, &a.saliency) {
                let (ch, n) = match a.shape {
                    Shape::Image([c, h, w]) => (c, h * w),
                    Shape::Flat(n) => (1, n),
                };
                let fs: Vec<f64> = (0..n).map(|i| (0..ch).map(|k| fd[k * n + i].abs()).fold(0.0, f64::max)).collect();
                let sgap = largest(fs.iter().zip(sal).map(|(d, e)| d - f(e))) / (1.0 + gmax);
                passed &= sgap <= DIFFERENCE_TOLERANCE;
                method.push_str("; the saliency map recomputed from the differences");
                detail.push_str(&format!("; saliency within {sgap:.1e}"));
            }
            if let (GradientKind::SignStep { eps, within }, Some(st)) = (&q.kind, &a.step) {
                // Signs from the differences: a difference within the
                // tolerance of 0 is a zero of the gradient.
                let zero = DIFFERENCE_TOLERANCE * (1.0 + gmax);
                let signs: Vec<f64> = fd.iter().map(|d| if d.abs() <= zero { 0.0 } else { d.signum() }).collect();
                let e = f(eps);
                let image: Vec<f64> = x
                    .iter()
                    .zip(&signs)
                    .map(|(xi, s)| {
                        let y = xi - e * s;
                        match within {
                            Some((lo, hi)) => y.clamp(f(lo), f(hi)),
                            None => y,
                        }
                    })
                    .collect();
                let igap = largest(image.iter().zip(&st.image).map(|(a, b)| (a - f(b)) / (1.0 + a.abs())));
                let after = forward(&q.net, &image);
                let exact_after: Vec<f64> = st.scores_after.iter().map(f).collect();
                let agap = largest(after.iter().zip(&exact_after).map(|(s, e)| (s - e) / (1.0 + e.abs())));
                // The classes: every class the float scores put within the
                // tolerance of the top must be among the exact argmax, and
                // the top float class must be one of them.
                let top = after.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let near: Vec<usize> =
                    (0..after.len()).filter(|&k| after[k] >= top - FORWARD_TOLERANCE * (1.0 + top.abs())).collect();
                let classes_ok = near.iter().all(|k| st.classes_after.contains(k))
                    || st.classes_after.iter().all(|k| near.contains(k));
                passed &= igap <= FORWARD_TOLERANCE && agap <= FORWARD_TOLERANCE && classes_ok;
                trials += 1;
                method.push_str("; the stepped image from the signs of the differences, its scores and class from another forward pass");
                detail.push_str(&format!(
                    "; stepped image within {igap:.1e}, its scores within {agap:.1e}, classes {}",
                    if classes_ok { "agree" } else { "disagree" }
                ));
            }
            CrossCheck { method, trials, passed, unchecked: false, detail }
        }
        Outcome::Kink { .. } => {
            // An affine function has no second differences; one clearly
            // nonzero along a random direction shows the kink.
            let mut rng = Rng::new(seed);
            let s0 = dot(&c, &scores);
            let scale = 1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let eps = 1e-6 * scale;
            let mut best: f64 = 0.0;
            let trials = 64;
            for _ in 0..trials {
                let v: Vec<f64> = (0..x.len()).map(|_| rng.normal()).collect();
                let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt().max(1e-300);
                let up: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + eps * b / norm).collect();
                let down: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a - eps * b / norm).collect();
                let second = dot(&c, &forward(&q.net, &up)) + dot(&c, &forward(&q.net, &down)) - 2.0 * s0;
                best = best.max(second.abs() / (eps * (1.0 + s0.abs())));
            }
            let passed = best > KINK_SHOWS && score_gap <= FORWARD_TOLERANCE;
            CrossCheck {
                method: "second differences s(x+εv) + s(x−εv) − 2 s(x) along random directions v, with an independent floating-point forward pass (ndarray): an affine function has none, so one clearly nonzero shows the kink".into(),
                trials,
                passed,
                unchecked: false,
                detail: format!(
                    "largest second difference {best:.1e} times ε·(1 + |s|) (a kink shows above {KINK_SHOWS:.0e}); scores at the point agree to {score_gap:.1e}"
                ),
            }
        }
    }
}
