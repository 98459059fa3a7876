//! Gradient descent, actually run: the cross-check of the least-squares
//! limit and of the minimum-norm solution.
//!
//! On random instances of the symbols, the data are evaluated in floating
//! point and gradient descent on f(w) = ‖X w − y‖² runs (ndarray) with a
//! step inside the condition until it stops moving; the result is compared
//! with the closed form evaluated at the same instance. Three more facts are
//! checked independently of the derivation: random null-space vectors z of X
//! (projections computed from the eigendecomposition of X Xᵀ, by faer) are
//! orthogonal to w − w⁽⁰⁾, so no solution plus such a z is closer to w⁽⁰⁾;
//! the minimum-norm solution fits the data when the instance is consistent;
//! and a step 10% above 1/λ_max makes the iterates diverge.

use faer::{MatRef, Side};
use ndarray::{Array1, Array2};

use crate::algebra::{Matrix, Poly, RatFunc, Ring, Var};
use crate::derive::CrossCheck;
use crate::derive::gradient::{LimitAnswer, MinimumNormAnswer};
use crate::model::gradient::{Data, GradientLimit, MinimumNorm};

use super::rng::Rng;

/// Largest relative difference accepted between gradient descent and the
/// closed form. Gradient descent stops when its steps fall below 1e-14 of
/// the iterate; with a condition number κ the error left is about κ times
/// that, and instances with κ above [`MAX_CONDITION`] are redrawn.
pub const TOLERANCE: f64 = 1e-8;
/// Largest condition number of X Xᵀ (on its range) for a random instance of
/// a symbolic X.
pub const MAX_CONDITION: f64 = 1e4;
/// The factor above 1/λ_max of the step that must diverge.
pub const DIVERGENT_FACTOR: f64 = 1.1;
/// Growth of the error that counts as divergence.
const DIVERGED: f64 = 1e6;

/// Data evaluated at one point: X (n×d), y (n) and w⁽⁰⁾ (d).
#[derive(Clone, Debug)]
pub struct Instance {
    pub x: Array2<f64>,
    pub y: Array1<f64>,
    pub w0: Array1<f64>,
}

/// The eigendecomposition of X Xᵀ.
#[derive(Clone, Debug)]
pub struct Eigen {
    /// Ascending.
    pub values: Vec<f64>,
    /// Column k is the eigenvector of `values[k]` (n×n).
    pub vectors: Array2<f64>,
}

impl Eigen {
    pub fn max(&self) -> f64 {
        self.values.last().copied().unwrap_or(0.0).max(0.0)
    }

    /// Eigenvalues below this count as zero.
    pub fn threshold(&self) -> f64 {
        self.max() * 1e-10 * self.values.len().max(1) as f64
    }

    /// The smallest eigenvalue above the threshold.
    pub fn min_positive(&self) -> Option<f64> {
        let t = self.threshold();
        self.values.iter().copied().find(|&v| v > t)
    }

    pub fn rank(&self) -> usize {
        let t = self.threshold();
        self.values.iter().filter(|&&v| v > t).count()
    }
}

/// The eigenvalues and eigenvectors of X Xᵀ, computed by faer.
pub fn gram_eigen(x: &Array2<f64>) -> Option<Eigen> {
    let (n, d) = x.dim();
    let owned;
    let slice = match x.as_slice() {
        Some(s) => s,
        None => {
            owned = x.iter().copied().collect::<Vec<f64>>();
            &owned
        }
    };
    let xf = MatRef::from_row_major_slice(slice, n, d);
    let gram = xf * xf.transpose();
    let evd = gram.self_adjoint_eigen(Side::Lower).ok()?;
    let s = evd.S().column_vector();
    let u = evd.U();
    let values: Vec<f64> = (0..n).map(|k| s[k]).collect();
    if values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let vectors = Array2::from_shape_fn((n, n), |(i, k)| u[(i, k)]);
    Some(Eigen { values, vectors })
}

/// `Xᵀ r`, accumulated row by row (rows are contiguous).
fn xt_times(x: &Array2<f64>, r: &Array1<f64>) -> Array1<f64> {
    let mut out = Array1::zeros(x.ncols());
    for (row, &ri) in x.outer_iter().zip(r.iter()) {
        if ri != 0.0 {
            out.scaled_add(ri, &row);
        }
    }
    out
}

fn norm(v: &Array1<f64>) -> f64 {
    v.dot(v).sqrt()
}

/// A run of gradient descent.
#[derive(Clone, Debug)]
pub struct Descent {
    pub w: Array1<f64>,
    pub iterations: usize,
    /// Whether the steps fell below the stopping threshold.
    pub converged: bool,
}

/// Gradient descent w ← w − 2η Xᵀ(X w − y) from `start`, until a step is
/// below 1e-14 of the iterate or `max_iterations` pass.
pub fn descend(inst: &Instance, start: &Array1<f64>, eta: f64, max_iterations: usize) -> Descent {
    let mut w = start.clone();
    for t in 1..=max_iterations {
        let r = inst.x.dot(&w) - &inst.y;
        let step = xt_times(&inst.x, &r) * (2.0 * eta);
        w -= &step;
        if norm(&step) <= 1e-14 * norm(&w).max(1.0) {
            return Descent { w, iterations: t, converged: true };
        }
        if !w.iter().all(|v| v.is_finite()) {
            return Descent { w, iterations: t, converged: false };
        }
    }
    Descent { w, iterations: max_iterations, converged: false }
}

/// Iterations of a dense run that cost about `budget` multiply-adds, within
/// sensible limits.
fn iteration_budget(n: usize, d: usize, budget: f64) -> usize {
    ((budget / (2.0 * (n * d) as f64)) as usize).clamp(2_000, 1_000_000)
}

/// What one instance showed.
#[derive(Clone, Debug)]
pub struct InstanceReport {
    /// ‖w_gd − w_closed‖ / ‖w_closed‖ (absolute when the closed form is 0).
    pub relative_error: f64,
    pub iterations: usize,
    pub converged: bool,
    /// The largest |cos| between w − w⁽⁰⁾ and a null-space vector; `None`
    /// when the null space is {0}.
    pub null_cosine: Option<f64>,
    /// The largest ‖X z‖/(‖X‖ ‖z‖) of those null-space vectors.
    pub null_residual: f64,
    /// Iterations until a step 10% above 1/λ_max grew the error a
    /// millionfold; `None` when X = 0 (no step diverges) and `Some(None)`
    /// when it did not diverge within the budget.
    pub divergence: Option<Option<usize>>,
    /// ‖X w − y‖/‖y‖ when the instance's y lies in the column space of X.
    pub fit: Option<f64>,
    pub condition: f64,
}

impl InstanceReport {
    pub fn passed(&self) -> bool {
        self.relative_error <= TOLERANCE
            && self.converged
            && self.null_cosine.is_none_or(|c| c <= 1e-8)
            && self.null_residual <= 1e-8
            && !matches!(self.divergence, Some(None))
            && self.fit.is_none_or(|f| f <= TOLERANCE)
    }
}

/// Runs the checks on one instance against the closed form `closed`. With
/// `fit`, also checks X w = y when y lies in the column space of X.
pub fn check_instance(inst: &Instance, closed: &Array1<f64>, fit: bool, rng: &mut Rng) -> Option<InstanceReport> {
    let (n, d) = inst.x.dim();
    let eig = gram_eigen(&inst.x)?;
    let lmax = eig.max();
    let budget = iteration_budget(n, d, 4e9);
    // A step inside the condition: 1/(λ_max + λ_min) is optimal for the
    // slowest and fastest directions alike.
    let (descent, condition) = match eig.min_positive() {
        Some(lmin) => (descend(inst, &inst.w0, 1.0 / (lmax + lmin), budget), lmax / lmin),
        None => (Descent { w: inst.w0.clone(), iterations: 0, converged: true }, 1.0),
    };
    let scale = norm(closed);
    let diff = norm(&(&descent.w - closed));
    let relative_error = if scale > 0.0 { diff / scale } else { diff };
    // Null-space vectors: z = ξ − Xᵀ U Λ⁺ Uᵀ X ξ.
    let x_norm = inst.x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let moved = closed - &inst.w0;
    let mut null_cosine: Option<f64> = None;
    let mut null_residual = 0.0f64;
    let t = eig.threshold();
    for _ in 0..3 {
        let xi = Array1::from_shape_fn(d, |_| rng.unit() * 2.0 - 1.0);
        let mut c = eig.vectors.t().dot(&inst.x.dot(&xi));
        for (k, ck) in c.iter_mut().enumerate() {
            *ck = if eig.values[k] > t { *ck / eig.values[k] } else { 0.0 };
        }
        let z = &xi - &xt_times(&inst.x, &eig.vectors.dot(&c));
        let zn = norm(&z);
        if zn <= 1e-9 * norm(&xi) {
            continue;
        }
        null_residual = null_residual.max(norm(&inst.x.dot(&z)) / (x_norm * zn).max(f64::MIN_POSITIVE));
        let mn = norm(&moved);
        let cos = if mn > 0.0 { moved.dot(&z).abs() / (mn * zn) } else { 0.0 };
        null_cosine = Some(null_cosine.unwrap_or(0.0).max(cos));
    }
    // A step above the condition, from a perturbed start.
    let divergence = if lmax > 0.0 {
        let start = &inst.w0 + &Array1::from_shape_fn(d, |_| rng.unit() * 2.0 - 1.0);
        let eta = DIVERGENT_FACTOR / lmax;
        let initial = norm(&(&start - closed)).max(f64::MIN_POSITIVE);
        let mut w = start;
        let mut found = None;
        for it in 1..=iteration_budget(n, d, 5e8).min(5_000) {
            let r = inst.x.dot(&w) - &inst.y;
            w -= &(xt_times(&inst.x, &r) * (2.0 * eta));
            let e = norm(&(&w - closed));
            if !e.is_finite() || e >= DIVERGED * initial {
                found = Some(it);
                break;
            }
        }
        Some(found)
    } else {
        None
    };
    let fit = if fit {
        // y is in the column space when its component outside the range of
        // X Xᵀ vanishes.
        let c = eig.vectors.t().dot(&inst.y);
        let outside: f64 =
            c.iter().zip(&eig.values).filter(|(_, v)| **v <= t).map(|(ck, _)| ck * ck).sum::<f64>().sqrt();
        let yn = norm(&inst.y);
        (outside <= 1e-9 * yn.max(1.0)).then(|| norm(&(inst.x.dot(closed) - &inst.y)) / yn.max(1.0))
    } else {
        None
    };
    Some(InstanceReport {
        relative_error,
        iterations: descent.iterations,
        converged: descent.converged,
        null_cosine,
        null_residual,
        divergence,
        fit,
        condition,
    })
}

fn eval_column(m: &Matrix<Poly>, value: &impl Fn(Var) -> f64) -> Array1<f64> {
    Array1::from_iter(m.entries().iter().map(|p| p.eval_f64(value)))
}

/// Random values for the ring's symbols, in [−2, 2].
fn random_values(ring: &Ring, rng: &mut Rng) -> Vec<f64> {
    (0..ring.len()).map(|_| rng.unit() * 4.0 - 2.0).collect()
}

fn has_symbols(data: &Data, start: &Matrix<Poly>) -> bool {
    data.x.entries().iter().chain(data.y.entries()).chain(start.entries()).any(|p| !p.is_constant())
}

/// The shared cross-check: descent from `start` against the derived
/// vector `w`.
fn check(
    data: &Data,
    start: &Matrix<Poly>,
    w: &Matrix<RatFunc>,
    fit: bool,
    ring: &Ring,
    seed: u64,
    method: String,
) -> CrossCheck {
    let fail =
        |detail: String| CrossCheck { unchecked: false, method: method.clone(), trials: 0, passed: false, detail };
    if w.shape() != (data.d(), 1) {
        return fail(format!("the finding has shape {}×{}, expected {}×1", w.rows(), w.cols(), data.d()));
    }
    let symbolic_x = !data.x_is_numeric();
    let trials = if has_symbols(data, start) || value_has_symbols(w) { 3 } else { 1 };
    let mut rng = Rng::new(seed);
    let mut reports = Vec::new();
    let mut attempts = 0;
    while reports.len() < trials {
        attempts += 1;
        if attempts > 50 {
            return CrossCheck {
                unchecked: false,
                method,
                trials: reports.len(),
                passed: false,
                detail: "no well-conditioned random instance of the symbols was found in 50 draws".into(),
            };
        }
        let values = random_values(ring, &mut rng);
        let value_of = |v: Var| values.get(v.index()).copied().unwrap_or(0.0);
        let inst = Instance {
            x: Array2::from_shape_vec(
                (data.n(), data.d()),
                data.x.entries().iter().map(|p| p.eval_f64(&value_of)).collect(),
            )
            .expect("shape"),
            y: eval_column(&data.y, &value_of),
            w0: eval_column(start, &value_of),
        };
        let closed = Array1::from_iter(w.entries().iter().map(|r: &RatFunc| r.eval_f64(&value_of)));
        if !closed.iter().all(|v| v.is_finite()) {
            continue;
        }
        if symbolic_x {
            // The finding assumes full row rank; draw instances that have it.
            match gram_eigen(&inst.x) {
                Some(e) if e.rank() == data.n() && e.max() / e.min_positive().unwrap_or(0.0) <= MAX_CONDITION => {}
                _ => continue,
            }
        }
        match check_instance(&inst, &closed, fit, &mut rng) {
            Some(r) => reports.push(r),
            None => return fail("the eigendecomposition of X Xᵀ failed".into()),
        }
    }
    summarize(method, &reports)
}

fn value_has_symbols(w: &Matrix<RatFunc>) -> bool {
    w.entries().iter().any(|r| r.as_constant().is_none())
}

fn summarize(method: String, reports: &[InstanceReport]) -> CrossCheck {
    let worst = reports.iter().map(|r| r.relative_error).fold(0.0, f64::max);
    let iterations = reports.iter().map(|r| r.iterations).max().unwrap_or(0);
    let cond = reports.iter().map(|r| r.condition).fold(0.0, f64::max);
    let mut parts = vec![format!(
        "largest relative difference {worst:.1e} (tolerance {TOLERANCE:.0e}) after at most {iterations} iterations, condition number up to {cond:.1}"
    )];
    if reports.iter().any(|r| !r.converged) {
        parts.push("gradient descent did not settle within its iteration budget".into());
    }
    let cosines: Vec<f64> = reports.iter().filter_map(|r| r.null_cosine).collect();
    if cosines.is_empty() {
        parts.push("the null space of X is {0}".into());
    } else {
        let c = cosines.iter().copied().fold(0.0, f64::max);
        let res = reports.iter().map(|r| r.null_residual).fold(0.0, f64::max);
        parts.push(format!(
            "null-space vectors (‖Xz‖ ≤ {res:.0e}‖X‖‖z‖) are orthogonal to w − w⁽⁰⁾ to {c:.0e}, so none shortens it"
        ));
    }
    let fits: Vec<f64> = reports.iter().filter_map(|r| r.fit).collect();
    if !fits.is_empty() {
        let f = fits.iter().copied().fold(0.0, f64::max);
        parts.push(format!("X w = y holds to {f:.0e}"));
    }
    if reports.iter().any(|r| matches!(r.divergence, Some(None))) {
        parts.push(format!("a step {DIVERGENT_FACTOR}/λ_max did NOT diverge"));
    } else if let Some(it) = reports.iter().filter_map(|r| r.divergence.flatten()).max() {
        parts.push(format!("a step {DIVERGENT_FACTOR}/λ_max diverged (error ×{DIVERGED:.0e} within {it} iterations)"));
    } else {
        parts.push("X = 0, so no step diverges".into());
    }
    CrossCheck {
        unchecked: false,
        method,
        trials: reports.len(),
        passed: reports.iter().all(InstanceReport::passed),
        detail: parts.join("; "),
    }
}

const METHOD: &str = "gradient descent (ndarray) with the step 1/(λ_max + λ_min) from the eigenvalues of X Xᵀ (faer), \
     run to convergence on random instances of the symbols and compared with the closed form there; \
     null-space vectors of X; and a step above the condition";

/// Cross-checks the limit of gradient descent: descent from the query's
/// start, on the query's data, against the answer's limit.
pub fn check_limit(g: &GradientLimit, answer: &LimitAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    check(&g.data, &g.start, &answer.limit, false, ring, seed, METHOD.to_string())
}

/// Cross-checks the minimum-norm solution: gradient descent from 0 must
/// reach it, and it must fit the data where the data allow.
pub fn check_minimum_norm(m: &MinimumNorm, answer: &MinimumNormAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let zero = Matrix::zeros(m.data.d(), 1);
    check(
        &m.data,
        &zero,
        &answer.solution,
        true,
        ring,
        seed,
        format!("{METHOD}, started at 0; and X w = y where y is in the column space"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(x: &[&[f64]], y: &[f64]) -> Instance {
        let n = x.len();
        let d = x[0].len();
        Instance {
            x: Array2::from_shape_vec((n, d), x.iter().flat_map(|r| r.iter().copied()).collect()).unwrap(),
            y: Array1::from(y.to_vec()),
            w0: Array1::zeros(d),
        }
    }

    #[test]
    fn descent_reaches_the_minimum_norm_solution() {
        // X = [1 1], y = 2: the minimum-norm solution is (1, 1).
        let inst = instance(&[&[1.0, 1.0]], &[2.0]);
        let r = descend(&inst, &inst.w0, 0.25, 10_000);
        assert!(r.converged);
        assert!((r.w[0] - 1.0).abs() < 1e-12 && (r.w[1] - 1.0).abs() < 1e-12);
        let report = check_instance(&inst, &Array1::from(vec![1.0, 1.0]), true, &mut Rng::new(1)).unwrap();
        assert!(report.passed(), "{report:?}");
        assert!(matches!(report.divergence, Some(Some(_))));
    }

    #[test]
    fn a_wrong_closed_form_fails() {
        // (2, 0) solves X w = y but is not the shortest solution.
        let inst = instance(&[&[1.0, 1.0]], &[2.0]);
        let report = check_instance(&inst, &Array1::from(vec![2.0, 0.0]), true, &mut Rng::new(1)).unwrap();
        assert!(!report.passed());
        assert!(report.null_cosine.unwrap() > 0.1);
    }

    #[test]
    fn a_step_above_the_condition_diverges() {
        // λ_max(X Xᵀ) = 2 for X = [1 1]: η = 0.55 > 1/2 grows the error by 1.2 per step.
        let inst = instance(&[&[1.0, 1.0]], &[2.0]);
        let r = descend(&inst, &inst.w0, 0.55, 200);
        assert!(!r.converged);
        assert!((r.w[0] - 1.0).abs() > 1e6);
    }

    #[test]
    fn rank_deficient_data_converge_to_the_pseudo_inverse_solution() {
        // [[1, 2, 3], [2, 4, 6]], y = (1, 2): w = (1, 2, 3)/14.
        let inst = instance(&[&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]], &[1.0, 2.0]);
        let expected = Array1::from(vec![1.0 / 14.0, 2.0 / 14.0, 3.0 / 14.0]);
        let report = check_instance(&inst, &expected, true, &mut Rng::new(3)).unwrap();
        assert!(report.passed(), "{report:?}");
        assert!(report.fit.is_some());
    }
}
