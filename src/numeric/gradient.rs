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
use crate::derive::gradient::{LimitAnswer, MinimumNormAnswer, NoSolution, Outcome, QuantityAnswer};
use crate::model::Value;
use crate::model::gradient::{Data, GradientLimit, MinimumNorm, Quantity};

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
    // Scaled by the largest entry, so that squares of entries past 1e154 do
    // not overflow to an infinite norm (which compares as "small" to another).
    let m = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    m * v.iter().map(|x| (x / m) * (x / m)).sum::<f64>().sqrt()
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
        // Overflow first: an infinite step is "small" next to an infinite w.
        if !w.iter().all(|v| v.is_finite()) {
            return Descent { w, iterations: t, converged: false };
        }
        if norm(&step) <= 1e-14 * norm(&w).max(1.0) {
            return Descent { w, iterations: t, converged: true };
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
    if !matches!(answer.outcome, Outcome::Converges) {
        return check_outcome(g, answer, seed);
    }
    check(&g.data, &g.start, &answer.limit, false, ring, seed, METHOD.to_string())
}

/// Cross-checks the minimum-norm solution: gradient descent from 0 must
/// reach it, and it must fit the data where the data allow.
pub fn check_minimum_norm(m: &MinimumNorm, answer: &MinimumNormAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    if let Some(cert) = &answer.no_solution {
        return check_no_solution(m, cert);
    }
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

// ---------------------------------------------------------------------------
// Steps at or above 1/λ_max, and inconsistent systems
// ---------------------------------------------------------------------------

/// Most iterations run to watch a large step diverge or oscillate.
const OUTCOME_ITERATIONS: usize = 200_000;

/// The numeric data of a problem without symbols.
fn numeric_instance(data: &Data, start: &Matrix<Poly>) -> Instance {
    let none = |_: Var| 0.0;
    Instance {
        x: Array2::from_shape_vec((data.n(), data.d()), data.x.entries().iter().map(|p| p.eval_f64(&none)).collect())
            .expect("shape"),
        y: eval_column(&data.y, &none),
        w0: eval_column(start, &none),
    }
}

fn column_f64(m: &Matrix<RatFunc>) -> Array1<f64> {
    Array1::from_iter(m.entries().iter().map(|r| r.eval_f64(&|_: Var| 0.0)))
}

fn q_column_f64(m: &Matrix<crate::algebra::Q>) -> Array1<f64> {
    Array1::from_iter(m.entries().iter().map(|q| q.to_f64()))
}

/// Cross-checks `diverges`, `oscillates` and a convergence despite a large
/// step by running gradient descent with the file's step (ndarray), and
/// the eigenvalues of X Xᵀ by faer.
fn check_outcome(g: &GradientLimit, answer: &LimitAnswer, seed: u64) -> CrossCheck {
    let _ = seed;
    let inst = numeric_instance(&g.data, &g.start);
    let winf = column_f64(&answer.limit);
    let eta = match &answer.outcome {
        Outcome::Diverges(d) | Outcome::Oscillates(d) | Outcome::ConvergesAnyway(d) => d.eta.to_f64(),
        Outcome::Converges => unreachable!("a converging step is checked by `check`"),
    };
    let Some(eig) = gram_eigen(&inst.x) else {
        return CrossCheck {
            unchecked: false,
            method: "gradient descent with the given step".into(),
            trials: 0,
            passed: false,
            detail: "the eigendecomposition of X Xᵀ failed".into(),
        };
    };
    let lmax = eig.max();
    let step = |w: &Array1<f64>| -> Array1<f64> {
        let r = inst.x.dot(w) - &inst.y;
        w - &(xt_times(&inst.x, &r) * (2.0 * eta))
    };
    let e0 = norm(&(&inst.w0 - &winf)).max(f64::MIN_POSITIVE);
    match &answer.outcome {
        Outcome::Diverges(_) => {
            let method =
                "gradient descent (ndarray) run with the given step from the given start, and λ_max(X Xᵀ) by faer";
            let mut w = inst.w0.clone();
            let mut grew = None;
            for t in 1..=OUTCOME_ITERATIONS {
                w = step(&w);
                let e = norm(&(&w - &winf));
                if !e.is_finite() || e >= DIVERGED * e0 {
                    grew = Some(t);
                    break;
                }
            }
            let above = eta * lmax > 1.0;
            CrossCheck {
                unchecked: false,
                method: method.into(),
                trials: 1,
                passed: grew.is_some() && above,
                detail: match grew {
                    Some(t) => format!(
                        "the error grew {DIVERGED:.0e}-fold within {t} iterations; η·λ_max = {:.6} by faer",
                        eta * lmax
                    ),
                    None => format!(
                        "the iterates did NOT diverge within {OUTCOME_ITERATIONS} iterations; η·λ_max = {:.6} by faer",
                        eta * lmax
                    ),
                },
            }
        }
        Outcome::Oscillates(d) => {
            let method = "gradient descent (ndarray) run with the given step from the given start until its even \
                          iterates settle, and λ_max(X Xᵀ) by faer";
            let crate::derive::gradient::Witness::Eigenvector { cycle, .. } = &d.witness else {
                unreachable!("an oscillation has an eigenvector")
            };
            let c = q_column_f64(cycle);
            let cn = norm(&c).max(f64::MIN_POSITIVE);
            let (mut prev2, mut prev) = (inst.w0.clone(), step(&inst.w0));
            let mut t = 1;
            while t < OUTCOME_ITERATIONS {
                let next = step(&prev);
                t += 1;
                let settled = norm(&(&next - &prev2)) <= 1e-13 * cn;
                prev2 = prev;
                prev = next;
                if settled || !prev.iter().all(|v| v.is_finite()) {
                    break;
                }
            }
            // w⁽ᵗ⁾ → w∞ + (−1)ᵗ c.
            let sign = if t % 2 == 0 { 1.0 } else { -1.0 };
            let off = norm(&(&prev - &(&winf + &(&c * sign)))) / cn;
            let jump = norm(&(&prev - &prev2)) / (2.0 * cn);
            let passed = off <= 1e-6 && (jump - 1.0).abs() <= 1e-6 && (eta * lmax - 1.0).abs() <= 1e-9;
            CrossCheck {
                unchecked: false,
                method: method.into(),
                trials: 1,
                passed,
                detail: format!(
                    "after {t} iterations consecutive iterates differ by {jump:.9} × 2‖c‖ and the iterate is \
                     w∞ ± c to {off:.1e}‖c‖; η·λ_max = {:.12} by faer",
                    eta * lmax
                ),
            }
        }
        Outcome::ConvergesAnyway(_) => {
            let method = "the eigendecomposition of X Xᵀ (faer): the starting error's components along the \
                          eigenvalues λ ≥ 1/η; then gradient descent (ndarray) with the given step, those components \
                          removed after each step since rounding would feed them";
            // Right singular directions vₖ = Xᵀuₖ/σₖ of the large eigenvalues.
            let big: Vec<Array1<f64>> = (0..eig.values.len())
                .filter(|&k| eta * eig.values[k] >= 1.0 - 1e-9 && eig.values[k] > eig.threshold())
                .map(|k| {
                    let u = eig.vectors.column(k).to_owned();
                    xt_times(&inst.x, &u) / eig.values[k].sqrt()
                })
                .collect();
            let project = |w: &Array1<f64>| -> Array1<f64> {
                let mut e = w - &winf;
                for v in &big {
                    e = &e - &(v * v.dot(&e));
                }
                &winf + &e
            };
            let along = big.iter().map(|v| v.dot(&(&inst.w0 - &winf)).abs()).fold(0.0, f64::max) / e0;
            let mut w = inst.w0.clone();
            let mut iterations = 0;
            for t in 1..=OUTCOME_ITERATIONS {
                let next = project(&step(&w));
                let moved = norm(&(&next - &w));
                w = next;
                iterations = t;
                if moved <= 1e-14 * norm(&w).max(1.0) {
                    break;
                }
            }
            let scale = norm(&winf).max(1.0);
            let diff = norm(&(&w - &winf)) / scale;
            CrossCheck {
                unchecked: false,
                method: method.into(),
                trials: 1,
                passed: along <= 1e-9 && diff <= TOLERANCE && !big.is_empty(),
                detail: format!(
                    "{} eigenvalue(s) at or above 1/η; the starting error's component along them is {along:.0e} of \
                     it; after {iterations} iterations the relative difference from the limit is {diff:.1e}",
                    big.len()
                ),
            }
        }
        Outcome::Converges => unreachable!(),
    }
}

/// Cross-checks `no solution`: the certificate in floating point
/// (uᵀX = 0, uᵀy ≠ 0), and the least training error two other ways: from
/// the eigendecomposition of X Xᵀ (faer; y's part outside the range) and
/// by running gradient descent from 0.
fn check_no_solution(m: &MinimumNorm, cert: &NoSolution) -> CrossCheck {
    let method = "the certificate u in floating point; the least training error from the eigenvectors of X Xᵀ \
                  (faer) and from gradient descent (ndarray) run to convergence";
    let zero = Matrix::zeros(m.data.d(), 1);
    let inst = numeric_instance(&m.data, &zero);
    let u = q_column_f64(&cert.u);
    let fail =
        |detail: String| CrossCheck { unchecked: false, method: method.into(), trials: 0, passed: false, detail };
    let Some(eig) = gram_eigen(&inst.x) else {
        return fail("the eigendecomposition of X Xᵀ failed".into());
    };
    let x_norm = inst.x.iter().map(|v| v * v).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
    let ux = norm(&inst.x.t().dot(&u)) / (x_norm * norm(&u).max(f64::MIN_POSITIVE));
    let uy = u.dot(&inst.y);
    let t = eig.threshold();
    let c = eig.vectors.t().dot(&inst.y);
    let outside: f64 = c.iter().zip(&eig.values).filter(|(_, v)| **v <= t).map(|(ck, _)| ck * ck).sum();
    let expected = cert.residual.to_f64();
    let descent = match eig.min_positive() {
        Some(lmin) => {
            descend(&inst, &inst.w0, 1.0 / (eig.max() + lmin), iteration_budget(inst.x.nrows(), inst.x.ncols(), 4e9))
        }
        None => Descent { w: inst.w0.clone(), iterations: 0, converged: true },
    };
    let r = inst.x.dot(&descent.w) - &inst.y;
    let gd_error = r.dot(&r);
    let rel = |a: f64| (a - expected).abs() / expected.max(f64::MIN_POSITIVE);
    let passed = ux <= 1e-12
        && (uy - cert.uy.to_f64()).abs() <= 1e-9 * cert.uy.to_f64().abs()
        && uy.abs() > 0.0
        && outside > 0.0
        && rel(outside) <= 1e-9
        && rel(gd_error) <= TOLERANCE
        && descent.converged;
    CrossCheck {
        unchecked: false,
        method: method.into(),
        trials: 1,
        passed,
        detail: format!(
            "‖uᵀX‖ ≤ {ux:.0e}‖u‖‖X‖ and uᵀy = {uy:.6}; the least training error is {outside:.6} from the \
             eigenvectors and {gd_error:.6} after {} iterations of gradient descent (exactly {expected:.6})",
            descent.iterations
        ),
    }
}

// ---------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------

/// Whether a value has symbols.
fn value_symbols(v: &Value) -> bool {
    match v {
        Value::Scalar(s) => !s.vars().is_empty(),
        Value::Call(_, args) => args.iter().any(value_symbols),
        _ => false,
    }
}

/// Largest relative difference accepted for a quantity recomputed from
/// eigenvalues.
const EIGEN_TOLERANCE: f64 = 1e-9;

fn matrix_f64(m: &Matrix<Poly>, value: &impl Fn(Var) -> f64) -> Array2<f64> {
    Array2::from_shape_vec(m.shape(), m.entries().iter().map(|p| p.eval_f64(value)).collect()).expect("shape")
}

/// The largest eigenvalue of a symmetric matrix, by faer.
fn largest_eigenvalue(m: &Array2<f64>) -> Option<f64> {
    let n = m.nrows();
    let data: Vec<f64> = m.iter().copied().collect();
    let mf = MatRef::from_row_major_slice(&data, n, n);
    let evd = mf.self_adjoint_eigen(Side::Lower).ok()?;
    let s = evd.S().column_vector();
    (0..n).map(|k| s[k]).fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.max(v))))
}

fn relative(a: f64, b: f64, scale: f64) -> f64 {
    (a - b).abs() / scale.max(b.abs()).max(f64::MIN_POSITIVE)
}

/// Runs gradient descent with step `eta` from `start` until the residual
/// ‖X w − y‖ grows [`DIVERGED`]-fold (the iteration, `Some`) or
/// `max_iterations` pass (`None`).
fn residual_blowup(inst: &Instance, start: &Array1<f64>, eta: f64, max_iterations: usize) -> Option<usize> {
    let mut w = start.clone();
    let initial = norm(&(inst.x.dot(&w) - &inst.y)).max(1e-300);
    for t in 1..=max_iterations {
        let r = inst.x.dot(&w) - &inst.y;
        let rn = norm(&r);
        if !rn.is_finite() || rn >= DIVERGED * initial {
            return Some(t);
        }
        w -= &(xt_times(&inst.x, &r) * (2.0 * eta));
    }
    None
}

/// Cross-checks λ_max, the largest step, ‖w∞‖², the training error and the
/// rank, each recomputed another way on random instances of the symbols:
/// eigenvalues by faer, gradient descent run by ndarray, the rank from the
/// eigenvalues of X Xᵀ.
pub fn check_quantity(q: &Quantity, answer: &QuantityAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let value = answer.value();
    if let (QuantityAnswer::SquaredNorm(a) | QuantityAnswer::TrainingError(a), Value::Word(_)) = (answer, &value) {
        let (Quantity::SquaredNorm(g) | Quantity::TrainingError(g)) = q else { unreachable!("matching query") };
        return check_outcome(g, a, seed);
    }
    let Some(expected) = crate::model::value::radical_of(&value) else {
        return CrossCheck::unchecked("recomputation", "the answer is not a number");
    };
    let symbolic = value_symbols(&value)
        || match q {
            Quantity::LargestEigenvalue(m) | Quantity::Rank(m) => m.matrix.entries().iter().any(|p| !p.is_constant()),
            Quantity::LargestStep(d) => has_symbols(d, &Matrix::zeros(d.d(), 1)),
            Quantity::SquaredNorm(g) | Quantity::TrainingError(g) => has_symbols(&g.data, &g.start),
        };
    let trials = if symbolic { 3 } else { 1 };
    let mut rng = Rng::new(seed);
    let mut worst = 0.0f64;
    let mut details = Vec::new();
    let mut done = 0;
    let mut attempts = 0;
    let method = match q {
        Quantity::LargestEigenvalue(_) => "the eigenvalues by faer at random instances of the symbols",
        Quantity::LargestStep(_) => {
            "1/λ_max(X Xᵀ) from the eigenvalues by faer, and gradient descent (ndarray) with \
                                     a step 2% above it, which must diverge"
        }
        Quantity::SquaredNorm(_) => {
            "gradient descent (ndarray) run to convergence, and the squared norm of where it \
                                     stops"
        }
        Quantity::TrainingError(_) => {
            "gradient descent (ndarray) run to convergence, and the training error where it \
                                       stops"
        }
        Quantity::Rank(_) => "the number of nonzero eigenvalues of M Mᵀ (faer) at random instances of the symbols",
    };
    let mut passed = true;
    while done < trials {
        attempts += 1;
        if attempts > 50 {
            return CrossCheck {
                unchecked: false,
                method: method.into(),
                trials: done,
                passed: false,
                detail: "no well-conditioned random instance of the symbols was found in 50 draws".into(),
            };
        }
        let values = random_values(ring, &mut rng);
        let value_of = |v: Var| values.get(v.index()).copied().unwrap_or(0.0);
        let want = expected.eval_f64(&value_of);
        if !want.is_finite() {
            continue;
        }
        match q {
            Quantity::LargestEigenvalue(m) => {
                let Some(l) = largest_eigenvalue(&matrix_f64(&m.matrix, &value_of)) else { continue };
                let scale = m.matrix.entries().iter().map(|p| p.eval_f64(&value_of).abs()).fold(1.0, f64::max);
                let r = relative(l, want, scale);
                worst = worst.max(r);
                passed &= r <= EIGEN_TOLERANCE;
            }
            Quantity::LargestStep(d) => {
                let x = matrix_f64(&d.x, &value_of);
                let Some(eig) = gram_eigen(&x) else { continue };
                let r = relative(1.0 / eig.max(), want, 0.0);
                worst = worst.max(r);
                passed &= r <= EIGEN_TOLERANCE;
                let inst = Instance { y: eval_column(&d.y, &value_of), w0: Array1::zeros(d.d()), x };
                let start = Array1::from_shape_fn(d.d(), |_| rng.unit() * 2.0 - 1.0);
                match residual_blowup(&inst, &start, want * 1.02, 50_000) {
                    Some(t) => details
                        .push(format!("a step 2% above it grew the residual {DIVERGED:.0e}-fold in {t} iterations")),
                    None => {
                        passed = false;
                        details.push("a step 2% above it did NOT diverge".to_string());
                    }
                }
            }
            Quantity::SquaredNorm(g) | Quantity::TrainingError(g) => {
                let inst = Instance {
                    x: matrix_f64(&g.data.x, &value_of),
                    y: eval_column(&g.data.y, &value_of),
                    w0: eval_column(&g.start, &value_of),
                };
                let Some(eig) = gram_eigen(&inst.x) else { continue };
                let Some(lmin) = eig.min_positive() else { continue };
                if eig.max() / lmin > MAX_CONDITION || (symbolic && eig.rank() < g.data.n() && !g.data.x_is_numeric()) {
                    continue;
                }
                let (n, dd) = inst.x.dim();
                let run = descend(&inst, &inst.w0, 1.0 / (eig.max() + lmin), iteration_budget(n, dd, 4e9));
                let got = if matches!(q, Quantity::SquaredNorm(_)) {
                    run.w.dot(&run.w)
                } else {
                    let r = inst.x.dot(&run.w) - &inst.y;
                    r.dot(&r)
                };
                let scale = inst.y.dot(&inst.y) + inst.w0.dot(&inst.w0);
                let r = relative(got, want, if matches!(q, Quantity::SquaredNorm(_)) { 0.0 } else { scale });
                worst = worst.max(r);
                passed &= r <= 1e-7 && run.converged;
            }
            Quantity::Rank(m) => {
                let x = matrix_f64(&m.matrix, &value_of);
                let Some(eig) = gram_eigen(&x) else { continue };
                let r = eig.rank() as f64;
                worst = worst.max((r - want).abs());
                passed &= r == want;
            }
        }
        done += 1;
    }
    let mut detail = format!("largest difference {worst:.1e} over {done} instance(s)");
    for d in details {
        detail.push_str("; ");
        detail.push_str(&d);
    }
    CrossCheck { unchecked: false, method: method.into(), trials: done, passed, detail }
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
    fn a_run_that_overflows_has_not_converged() {
        // λ_max(X Xᵀ) = 1e100: a step of 1 multiplies the error by about
        // 2e100 each time, past f64's range in a few steps.
        let inst = instance(&[&[1e50]], &[1.0]);
        let run = descend(&inst, &Array1::from(vec![1.0]), 1.0, 1_000);
        assert!(!run.converged, "{:?} after {} steps", run.w, run.iterations);
        assert!(run.iterations < 10);
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
