//! The smallest perturbation, attacked in floating point: projected
//! gradient ascent (PGD) and random points inside a ball just smaller than
//! the proved minimum must never reach the target class, and the optimum
//! itself, pushed through a float forward pass, must reach it (up to
//! rounding).
//!
//! This shares nothing with the derivation but the network's weights: the
//! forward pass and its gradient are written here with ndarray.

use ndarray::{Array1, Array2};

use crate::derive::CrossCheck;
use crate::derive::perturbation::{Norm, PerturbationAnswer, PerturbationQuery};
use crate::derive::perturbation_query::PerturbationFinding;

use super::Rng;

/// A relative margin inside the proved minimum: attacks search the ball of
/// radius `(1 − SHRINK) ε`.
pub const SHRINK: f64 = 1e-6;
/// Scores closer than this count as a tie in floating point.
pub const SCORE_TOL: f64 = 1e-9;
/// Gradient steps per start.
pub const STEPS: usize = 60;

/// The network in floating point.
pub struct FloatNet {
    layers: Vec<(Array2<f64>, Array1<f64>)>,
}

impl FloatNet {
    pub fn new(q: &PerturbationQuery) -> FloatNet {
        let layers = q
            .net
            .layers
            .iter()
            .map(|l| {
                let rows = l.w.len();
                let cols = l.w.first().map_or(0, Vec::len);
                let w = Array2::from_shape_fn((rows, cols), |(i, j)| l.w[i][j].to_f64());
                let b = Array1::from_iter(l.b.iter().map(|v| v.to_f64()));
                (w, b)
            })
            .collect();
        FloatNet { layers }
    }

    /// The scores at `x`.
    pub fn scores(&self, x: &Array1<f64>) -> Array1<f64> {
        self.margin_and_gradient(x, None).0
    }

    /// The scores, and the gradient of `f_t − f_c` when `pair = (t, c)`.
    fn margin_and_gradient(&self, x: &Array1<f64>, pair: Option<(usize, usize)>) -> (Array1<f64>, Array1<f64>) {
        let mut a = x.clone();
        let mut masks = Vec::new();
        let last = self.layers.len() - 1;
        for (k, (w, b)) in self.layers.iter().enumerate() {
            let z = w.dot(&a) + b;
            if k == last {
                a = z;
            } else {
                masks.push(z.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }));
                a = z.mapv(|v| v.max(0.0));
            }
        }
        let Some((t, c)) = pair else { return (a, Array1::zeros(x.len())) };
        let mut g = Array1::zeros(a.len());
        g[t] += 1.0;
        g[c] -= 1.0;
        for k in (0..self.layers.len()).rev() {
            let (w, _) = &self.layers[k];
            g = w.t().dot(&g);
            if k > 0 {
                g *= &masks[k - 1];
            }
        }
        (a, g)
    }
}

/// Projects onto `{|δ|₁ ≤ r}` (Duchi et al., 2008).
fn project_l1(d: &mut Array1<f64>, r: f64) {
    let total: f64 = d.iter().map(|v| v.abs()).sum();
    if total <= r {
        return;
    }
    let mut u: Vec<f64> = d.iter().map(|v| v.abs()).collect();
    u.sort_by(|a, b| b.total_cmp(a));
    let (mut cum, mut theta) = (0.0, 0.0);
    for (i, &v) in u.iter().enumerate() {
        cum += v;
        let t = (cum - r) / (i + 1) as f64;
        if v > t {
            theta = t;
        }
    }
    d.mapv_inplace(|v| v.signum() * (v.abs() - theta).max(0.0));
}

/// Keeps `x0 + δ` in the ball and the box. Clipping to the box only moves
/// each coordinate toward `x0` (which is in the box), so the ball holds.
fn project(d: &mut Array1<f64>, x0: &Array1<f64>, norm: Norm, r: f64, lo: f64, hi: f64) {
    match norm {
        Norm::Linf => d.mapv_inplace(|v| v.clamp(-r, r)),
        Norm::L1 => project_l1(d, r),
        Norm::L2 => {
            let len = d.dot(d).sqrt();
            if len > r {
                d.mapv_inplace(|v| v * r / len);
            }
        }
    }
    for (v, x) in d.iter_mut().zip(x0) {
        *v = (x + *v).clamp(lo, hi) - x;
    }
}

/// Attacks the ball of radius `r` for each target; returns the largest
/// margin `f_t − f_c` found and the number of starts.
fn attack(
    q: &PerturbationQuery,
    net: &FloatNet,
    class: usize,
    targets: &[usize],
    r: f64,
    seed: u64,
    starts: usize,
) -> (f64, usize) {
    let mut rng = Rng::new(seed);
    let x0 = Array1::from_iter(q.x0.iter().map(|v| v.to_f64()));
    let (lo, hi) = (q.lo.to_f64(), q.hi.to_f64());
    let n = x0.len();
    let mut best = f64::NEG_INFINITY;
    let mut trials = 0;
    for &t in targets {
        for s in 0..starts {
            trials += 1;
            // Start at x0, then at random points of the ball.
            let mut d: Array1<f64> =
                if s == 0 { Array1::zeros(n) } else { Array1::from_iter((0..n).map(|_| (2.0 * rng.unit() - 1.0) * r)) };
            project(&mut d, &x0, q.norm, r, lo, hi);
            for step in 0..STEPS {
                let x = &x0 + &d;
                let (scores, g) = net.margin_and_gradient(&x, Some((t, class)));
                best = best.max(scores[t] - scores[class]);
                let size = r * 0.5 * (1.0 - step as f64 / STEPS as f64) + r * 0.01;
                match q.norm {
                    Norm::Linf => d = d + g.mapv(|v| size * v.signum()),
                    Norm::L2 => {
                        // Steepest ascent for L2: along the gradient.
                        let len = g.dot(&g).sqrt();
                        if len > 0.0 {
                            d = d + g.mapv(|v| size * v / len);
                        }
                    }
                    Norm::L1 => {
                        // Steepest ascent for L1: the coordinate of the
                        // largest gradient entry.
                        if let Some((i, gi)) = g.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) {
                            d[i] += size * gi.signum();
                        }
                    }
                }
                project(&mut d, &x0, q.norm, r, lo, hi);
            }
            let scores = net.scores(&(&x0 + &d));
            best = best.max(scores[t] - scores[class]);
        }
    }
    (best, trials)
}

/// The cross-check of an answer: attacks within `(1 − SHRINK)` of the
/// proved lower bound must find no point reaching a target, and the
/// optimum must reach its target in floating point.
pub fn check(q: &PerturbationQuery, ans: &PerturbationAnswer, seed: u64, starts: usize) -> CrossCheck {
    let net = FloatNet::new(q);
    let method = format!(
        "projected gradient ascent and random starts inside the {} ball of radius (1 − {SHRINK:e}) times the proved lower bound, and a float forward pass at the optimum",
        q.norm.name()
    );
    let width = (&q.hi - &q.lo).to_f64() * q.x0.len() as f64;
    let r = match &ans.lower {
        // For L2 the search's values are squared norms.
        Some(l) if q.norm == Norm::L2 => l.to_f64().sqrt() * (1.0 - SHRINK),
        Some(l) => l.to_f64() * (1.0 - SHRINK),
        // Nothing reaches a target anywhere in the box: attack all of it.
        None => width,
    };
    let mut notes = Vec::new();
    let mut passed = true;
    if let Some(b) = &ans.best {
        let x = Array1::from_iter(b.x.iter().map(|v| v.to_f64()));
        let s = net.scores(&x);
        let m = s[b.target] - s[ans.class];
        notes.push(format!("at the optimum f_t − f_c = {m:.3e} in floating point"));
        if m < -SCORE_TOL {
            passed = false;
        }
    }
    let (best, trials) =
        if r > 0.0 { attack(q, &net, ans.class, &ans.targets, r, seed, starts) } else { (f64::NEG_INFINITY, 0) };
    notes.push(format!("the largest f_t − f_c found within radius {r:.6e} is {best:.3e} over {trials} starts"));
    if best > SCORE_TOL {
        passed = false;
    }
    if trials == 0 {
        // A lower bound of 0 (a search stopped before its first node)
        // leaves no ball to attack.
        return CrossCheck::unchecked(method, "the proved lower bound is 0: there is no ball to attack");
    }
    CrossCheck { method, trials, passed: passed && trials > 0, unchecked: false, detail: notes.join("; ") }
}

/// Starts per target class when a query's finding is checked.
pub const QUERY_STARTS: usize = 16;
/// Relative tolerance between the float scores at `x0 + δ` and the exact
/// scores the finding states.
pub const SCORES_TOL: f64 = 1e-9;

/// The cross-check of a `smallest perturbation` finding: the attacks of
/// [`check`], and the float scores at `x0 + δ` (from `x0` and `δ`, not
/// from the finding's `x`) against the exact scores stated.
pub fn check_finding(f: &PerturbationFinding, seed: u64) -> CrossCheck {
    let mut c = check(&f.query, &f.answer, seed, QUERY_STARTS);
    if let Some(b) = &f.answer.best {
        let net = FloatNet::new(&f.query);
        let x = Array1::from_iter(f.query.x0.iter().zip(&b.delta).map(|(a, d)| a.to_f64() + d.to_f64()));
        let s = net.scores(&x);
        let scale = b.scores.iter().map(|v| v.to_f64().abs()).fold(1.0, f64::max);
        let diff = s.iter().zip(&b.scores).map(|(a, e)| (a - e.to_f64()).abs()).fold(0.0, f64::max);
        c.method.push_str(", compared with the stated scores");
        c.detail.push_str(&format!("; the float scores at x0 + δ differ from the stated ones by at most {diff:.3e}"));
        if diff > SCORES_TOL * scale {
            c.passed = false;
            c.unchecked = false;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_projection_scales_onto_the_ball() {
        let mut d = Array1::from(vec![3.0, -4.0]);
        let x0 = Array1::from(vec![0.0, 0.0]);
        project(&mut d, &x0, Norm::L2, 1.0, -10.0, 10.0);
        assert!((d[0] - 0.6).abs() < 1e-12 && (d[1] + 0.8).abs() < 1e-12, "{d:?}");
    }

    #[test]
    fn l1_projection_lands_on_the_ball() {
        let mut d = Array1::from(vec![3.0, -1.0, 0.5]);
        project_l1(&mut d, 2.0);
        let total: f64 = d.iter().map(|v| v.abs()).sum();
        assert!((total - 2.0).abs() < 1e-12, "{d:?}");
        assert!(d[0] > 0.0 && d[1] <= 0.0);
    }
}
