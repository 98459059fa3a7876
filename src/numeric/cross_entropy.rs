//! Cross-check of the cross-entropy gradient: the loss recomputed in
//! floating point from an independent forward pass (`input_gradient::
//! forward`, direct convolution and pooling loops), log-sum-exp stabilized,
//! and its central finite differences against the decimal gradient; at a
//! kink, one-sided differences along the two regions' directions against
//! each region's gradient; for the sign step, the signs of the
//! differences, the stepped image and its scores.

use crate::algebra::Q;
use crate::derive::CrossCheck;
use crate::derive::cross_entropy::{CrossEntropyAnswer, CrossEntropyOutcome};
use crate::model::input_gradient::{GradientKind, GradientQuery};

use super::input_gradient::{DIFFERENCE_TOLERANCE, FORWARD_TOLERANCE, forward};

/// A one-sided difference along a region's direction must agree with the
/// region's gradient within this, relative to 1 + |∇L · v|.
pub const ONE_SIDED_TOLERANCE: f64 = 1e-4;

fn f(q: &Q) -> f64 {
    q.to_f64()
}

/// −log softmax(s)_y, as log Σ exp(s_j − m) + m − s_y with m = max s.
pub fn loss(scores: &[f64], y: usize) -> f64 {
    let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    scores.iter().map(|s| (s - m).exp()).sum::<f64>().ln() + m - scores[y]
}

fn largest(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Checks a cross-entropy answer.
pub fn check(q: &GradientQuery, a: &CrossEntropyAnswer) -> CrossCheck {
    let y = a.label;
    let x: Vec<f64> = q.point.iter().map(f).collect();
    // The loss, or the probability p_y for `softmax(NET)[y]`.
    let value = |s: &[f64]| if a.probability { (-loss(s, y)).exp() } else { loss(s, y) };
    let l = |z: &[f64]| value(&forward(&q.net, z));
    let scores = forward(&q.net, &x);
    let score_gap = largest(scores.iter().zip(&a.scores).map(|(s, e)| (s - f(e)) / (1.0 + f(e).abs())));
    let l0 = value(&scores);
    let exact = match &a.approx.loss {
        Some(b) => f(&b.mid()),
        None => f(&a.approx.probabilities[y].mid()),
    };
    let loss_gap = (l0 - exact).abs() / (1.0 + l0.abs());
    let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = scores.iter().map(|s| (s - m).exp()).sum();
    let p_gap = largest(scores.iter().zip(&a.approx.probabilities).map(|(s, p)| (s - m).exp() / z - f(&p.mid())));
    let mut passed = score_gap <= FORWARD_TOLERANCE && loss_gap <= FORWARD_TOLERANCE && p_gap <= FORWARD_TOLERANCE;
    let mut detail = format!(
        "scores within {score_gap:.1e}, loss within {loss_gap:.1e}, probabilities within {p_gap:.1e} of a floating-point forward pass (tolerance {FORWARD_TOLERANCE:.0e})"
    );
    let scale = 1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    match &a.outcome {
        CrossEntropyOutcome::Smooth { .. } => {
            let h = 1e-7 * scale;
            let mut xp = x.clone();
            let fd: Vec<f64> = (0..x.len())
                .map(|i| {
                    xp[i] = x[i] + h;
                    let up = l(&xp);
                    xp[i] = x[i] - h;
                    let down = l(&xp);
                    xp[i] = x[i];
                    (up - down) / (2.0 * h)
                })
                .collect();
            let g: Vec<f64> = a.approx.gradient.iter().map(|b| f(&b.mid())).collect();
            let gmax = largest(g.iter().copied());
            let gap = largest(fd.iter().zip(&g).map(|(d, e)| d - e)) / (1.0 + gmax);
            passed &= gap <= DIFFERENCE_TOLERANCE;
            detail.push_str(&format!(
                "; largest difference {gap:.1e} between central finite differences of the loss and the gradient, relative to 1 + max |g| (tolerance {DIFFERENCE_TOLERANCE:.0e})"
            ));
            let mut method = "the loss recomputed log-sum-exp stabilized from an independent floating-point forward pass (direct convolution and pooling loops), its central finite differences against the decimal gradient".to_string();
            if let (GradientKind::SignStep { eps, within }, Some(st)) = (&q.kind, &a.step) {
                let zero = DIFFERENCE_TOLERANCE * (1.0 + gmax);
                let signs: Vec<f64> = fd.iter().map(|d| if d.abs() <= zero { 0.0 } else { d.signum() }).collect();
                let signs_ok = signs.iter().zip(&st.signs).all(|(a, b)| *a == *b as f64);
                let image: Vec<f64> = x
                    .iter()
                    .zip(&signs)
                    .map(|(xi, s)| {
                        let v = xi + f(eps) * s;
                        match within {
                            Some((lo, hi)) => v.clamp(f(lo), f(hi)),
                            None => v,
                        }
                    })
                    .collect();
                let igap = largest(image.iter().zip(&st.image).map(|(a, b)| (a - f(b)) / (1.0 + a.abs())));
                let after = forward(&q.net, &image);
                let agap = largest(after.iter().zip(&st.scores_after).map(|(s, e)| (s - f(e)) / (1.0 + f(e).abs())));
                passed &= signs_ok && igap <= FORWARD_TOLERANCE && agap <= FORWARD_TOLERANCE;
                method.push_str("; the step from the signs of the differences, its scores from another forward pass");
                detail.push_str(&format!(
                    "; signs {}, stepped image within {igap:.1e}, its scores within {agap:.1e}",
                    if signs_ok { "agree" } else { "disagree" }
                ));
            }
            CrossCheck { method, trials: 2 * x.len() + 1, passed, unchecked: false, detail }
        }
        CrossEntropyOutcome::Kink { regions, .. } => {
            let mut worst: f64 = 0.0;
            for r in regions.iter() {
                let v: Vec<f64> = r.direction.iter().map(f).collect();
                let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt().max(1e-300);
                let t = 1e-7 * scale / norm;
                let moved: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + t * b).collect();
                let one_sided = (l(&moved) - l0) / t;
                let expected: f64 = r.gradient.iter().zip(&v).map(|(g, b)| f(&g.mid()) * b).sum();
                worst = worst.max((one_sided - expected).abs() / (1.0 + expected.abs()));
            }
            passed &= worst <= ONE_SIDED_TOLERANCE;
            detail.push_str(&format!(
                "; one-sided differences along the two regions' directions within {worst:.1e} of their gradients (tolerance {ONE_SIDED_TOLERANCE:.0e})"
            ));
            CrossCheck {
                method: "the loss recomputed log-sum-exp stabilized from an independent floating-point forward pass, one-sided differences into each region against its gradient".into(),
                trials: 3,
                passed,
                unchecked: false,
                detail,
            }
        }
    }
}
