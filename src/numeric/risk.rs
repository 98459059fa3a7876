//! The experiment behind double descent: the cross-check of the exact risk
//! of minimum-norm least squares, and the simulated curve of random ReLU
//! features.
//!
//! Each trial draws the setting itself: X with independent N(0, 1) entries,
//! a β of norm r in a uniformly random direction, noise ε ~ N(0, σ²); it
//! solves for the minimum-norm least-squares fit w with faer (Cholesky of
//! XᵀX when d ≤ n, of XXᵀ with w = Xᵀa when d > n) and records ‖w − β‖²,
//! the excess risk of w at an isotropic test point. The mean over the
//! trials, with a 99.9% normal confidence interval, is compared with the
//! exact risk at every point where such an interval is valid.
//!
//! Over a range, one trial draws X, β's direction and ε once at the largest
//! sizes and uses their leading rows and columns at every point (common
//! random numbers): every point still averages independent trials, and the
//! curve is smoother than with fresh draws.
//!
//! Where the interval is not valid the check reports and does not judge:
//! - in the band n − 1 ≤ d ≤ n + 1 the expected risk is infinite: the
//!   running mean is reported, growing with the trials;
//! - for 2 ≤ |d − n| ≤ 3 the mean is finite but the variance of a trial is
//!   not (the inverse-Wishart second moment needs m > p + 3), so the normal
//!   interval does not apply.

use faer::linalg::solvers::SolveCore;
use faer::{MatRef, Side};
use ndarray::{Array1, Array2};

use crate::algebra::{Q, RatFunc, Var};
use crate::derive::explain::{Axis, Figure, Mark, Math, Panel, Prose, Role, Step, Table};
use crate::derive::risk::{Curve, PointRisk, SimulatedCurve};
use crate::derive::{CrossCheck, Depth};
use crate::model::risk::{RiskQuery, SweepVar};
use crate::{math, prose};

use super::rng::Rng;

/// Trials for a single risk.
pub const POINT_TRIALS: usize = 2000;
/// Trials per point of a range.
pub const CURVE_TRIALS: usize = 200;
/// Trials per point of a random-features range.
pub const RELU_TRIALS: usize = 40;
/// Fresh test points each random-features trial is scored on.
pub const RELU_TEST_POINTS: usize = 200;
/// The two-sided 99.9% quantile of the normal distribution: the half-width
/// of the confidence interval in standard errors.
pub const Z: f64 = 3.29;
/// The largest size simulated: beyond it the check is not made.
pub const MAX_SIZE: usize = crate::model::risk::MAX_SIMULATED_SIZE;
/// The most floating-point work one experiment may do, in multiply-adds
/// (about 1 s in a release build): a range of large sizes runs fewer
/// trials per point to stay within it.
pub const MAX_SIMULATION_WORK: f64 = 5e9;
/// The fewest trials per point an experiment runs; one that would need
/// fewer to stay within [`MAX_SIMULATION_WORK`] is not made, and says so.
pub const MIN_TRIALS: usize = 20;

/// The work of one minimum-norm solve with n examples and d features: the
/// Gram matrix and its Cholesky factor.
fn solve_work(n: usize, d: usize) -> f64 {
    let (small, large) = (n.min(d) as f64, n.max(d) as f64);
    small * small * large + small * small * small / 3.0 + 2.0 * n as f64 * d as f64
}

/// How many trials per point fit the budget, at most `wanted`; `Err` with
/// the sentence to say when not even [`MIN_TRIALS`] do.
fn affordable(wanted: usize, per_trial: f64) -> Result<usize, String> {
    let fit = (MAX_SIMULATION_WORK / per_trial.max(1.0)).floor();
    let trials = if fit >= wanted as f64 { wanted } else { fit as usize };
    if trials < MIN_TRIALS {
        return Err(format!(
            "{MIN_TRIALS} trials would take about {:.1e} multiply-adds, over the limit of {MAX_SIMULATION_WORK:.0e}",
            per_trial * MIN_TRIALS as f64
        ));
    }
    Ok(trials)
}

/// How far from the threshold p = n the simulated peak of random features
/// may be.
pub const PEAK_SLACK: usize = 1;

/// The trials at one point.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub trials: usize,
    pub mean: f64,
    /// The standard error of the mean.
    pub se: f64,
    pub max: f64,
    /// The running mean after a quarter and half of the trials.
    pub quarter: f64,
    pub half: f64,
    /// Solves that failed (a Gram matrix not positive definite in floating
    /// point); not counted as trials.
    pub failed: usize,
}

impl Stats {
    fn of(values: &[f64], failed: usize) -> Stats {
        let k = values.len();
        if k == 0 {
            return Stats { failed, ..Stats::default() };
        }
        let mean_of = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
        let mean = mean_of(values);
        let var =
            if k > 1 { values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1) as f64 } else { 0.0 };
        Stats {
            trials: k,
            mean,
            se: (var / k as f64).sqrt(),
            max: values.iter().copied().fold(0.0, f64::max),
            quarter: mean_of(&values[..k / 4]),
            half: mean_of(&values[..k / 2]),
            failed,
        }
    }

    /// The 99.9% confidence interval of the mean.
    pub fn interval(&self) -> (f64, f64) {
        (self.mean - Z * self.se, self.mean + Z * self.se)
    }

    /// Whether `x` lies in the interval (with room for rounding).
    pub fn covers(&self, x: f64) -> bool {
        let (lo, hi) = self.interval();
        let slack = 1e-9 * (1.0 + x.abs());
        lo - slack <= x && x <= hi + slack
    }
}

/// Draws for one trial at the largest sizes; X is an ndarray in row-major
/// order, which faer reads in place.
struct Draw {
    x: Array2<f64>,
    direction: Vec<f64>,
    noise: Vec<f64>,
}

/// A row-major ndarray as a faer matrix, without copying.
fn view(a: &Array2<f64>) -> MatRef<'_, f64> {
    let (r, c) = a.dim();
    match a.as_slice() {
        Some(s) => MatRef::from_row_major_slice(s, r, c),
        // Arrays made here are always in standard layout.
        None => MatRef::from_row_major_slice(&[], 0, 0),
    }
}

fn draw(rows: usize, cols: usize, rng: &mut Rng) -> Draw {
    let x = Array2::from_shape_fn((rows, cols), |_| rng.normal());
    let direction = (0..cols).map(|_| rng.normal()).collect();
    let noise = (0..rows).map(|_| rng.normal()).collect();
    Draw { x, direction, noise }
}

/// The minimum-norm least-squares solution of X w = y, by faer: Cholesky
/// of XᵀX when X is tall, of XXᵀ (w = Xᵀa) when it is wide. `None` when
/// the Gram matrix is not positive definite in floating point.
pub fn minimum_norm(x: MatRef<'_, f64>, y: &[f64]) -> Option<Vec<f64>> {
    let (n, d) = (x.nrows(), x.ncols());
    let yv = MatRef::from_column_major_slice(y, n, 1);
    if d <= n {
        let gram = x.transpose() * x;
        let mut b = x.transpose() * yv;
        let llt = gram.llt(Side::Lower).ok()?;
        llt.solve_in_place_with_conj(faer::Conj::No, b.as_mut());
        let w: Vec<f64> = (0..d).map(|i| b[(i, 0)]).collect();
        w.iter().all(|v| v.is_finite()).then_some(w)
    } else {
        let gram = x * x.transpose();
        let mut a = yv.to_owned();
        let llt = gram.llt(Side::Lower).ok()?;
        llt.solve_in_place_with_conj(faer::Conj::No, a.as_mut());
        let w = x.transpose() * a;
        let w: Vec<f64> = (0..d).map(|i| w[(i, 0)]).collect();
        w.iter().all(|v| v.is_finite()).then_some(w)
    }
}

/// One trial's squared error ‖w − β‖² at n examples and d features, from
/// the leading rows and columns of a draw.
fn trial(dr: &Draw, n: usize, d: usize, sigma: f64, r: f64) -> Option<f64> {
    let x = view(&dr.x).submatrix(0, 0, n, d);
    let norm = dr.direction[..d].iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = if norm > 0.0 { r / norm } else { 0.0 };
    let beta: Vec<f64> = dr.direction[..d].iter().map(|v| scale * v).collect();
    let signal = x * MatRef::from_column_major_slice(&beta, d, 1);
    let y: Vec<f64> = signal.col(0).iter().zip(&dr.noise[..n]).map(|(s, e)| s + sigma * e).collect();
    let w = minimum_norm(x, &y)?;
    Some(w.iter().zip(&beta).map(|(a, b)| (a - b) * (a - b)).sum())
}

/// The simulated risk of the minimum-norm fit at each point of a range of
/// d (at n = `fixed`) or of n (at d = `fixed`): `trials` trials per point,
/// seeded.
pub fn simulate_curve(
    var: SweepVar,
    fixed: usize,
    range: (usize, usize),
    noise: f64,
    signal: f64,
    trials: usize,
    seed: u64,
) -> Vec<Stats> {
    let sizes = |k: usize| if var == SweepVar::N { (k, fixed) } else { (fixed, k) };
    let (rows, cols) = if var == SweepVar::N { (range.1, fixed) } else { (fixed, range.1) };
    let (sigma, r) = (noise.max(0.0).sqrt(), signal.max(0.0).sqrt());
    let points = range.1 + 1 - range.0;
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(trials); points];
    let mut failed = vec![0; points];
    let mut rng = Rng::new(seed);
    for _ in 0..trials {
        let dr = draw(rows, cols, &mut rng);
        for (i, k) in (range.0..=range.1).enumerate() {
            let (n, d) = sizes(k);
            match trial(&dr, n, d, sigma, r) {
                Some(e) => values[i].push(e),
                None => failed[i] += 1,
            }
        }
    }
    values.iter().zip(failed).map(|(v, f)| Stats::of(v, f)).collect()
}

/// Whether the normal interval is valid at n, d: outside the band and the
/// heavy-tailed points around it (always without noise).
pub fn judged(n: usize, d: usize, noiseless: bool) -> bool {
    noiseless || n.abs_diff(d) >= 4
}

/// A simulated number as the documents show it: 3 significant digits, in
/// scientific notation when large or small. Few digits, so that the last
/// bits of floating point (which differ between machines' vector units)
/// do not change what is printed.
fn fmt(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if !x.is_finite() || x.abs() >= 1e4 || x.abs() < 1e-3 {
        format!("{x:.2e}")
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    }
}

/// A float as an exact number for a picture, to 3 significant digits.
fn exact(x: f64) -> Q {
    if !x.is_finite() || x == 0.0 {
        return Q::zero();
    }
    let shift = 2 - x.abs().log10().floor() as i32;
    let scaled = (x * 10f64.powi(shift)).round();
    if scaled.abs() >= 9e15 {
        return Q::zero();
    }
    let ten = Q::from_int(10);
    let power = ten.pow(shift as i64).unwrap_or_else(Q::one);
    &Q::from_int(scaled as i64) / &power
}

/// What one point's trials say about its exact risk.
enum Outcome {
    Inside,
    Outside,
    HeavyTail,
    Infinite,
}

fn outcome(n: usize, d: usize, noiseless: bool, risk: &Option<Q>, s: &Stats) -> Outcome {
    match risk {
        None => Outcome::Infinite,
        Some(_) if !judged(n, d, noiseless) => Outcome::HeavyTail,
        Some(r) if s.trials > 0 && s.covers(r.to_f64()) => Outcome::Inside,
        Some(_) => Outcome::Outside,
    }
}

/// The check of a curve, and its evidence: the simulated means with their
/// intervals next to the exact risks, and the picture of both.
pub fn check_curve(c: &Curve, seed: u64) -> (CrossCheck, Vec<Step>) {
    let first = c.points.first().map_or(1, |p| p.0);
    let last = c.points.last().map_or(1, |p| p.0);
    let per_trial: f64 = c
        .points
        .iter()
        .map(|(k, _)| {
            let (n, d) = c.sizes(*k);
            solve_work(n, d)
        })
        .sum();
    let trials = affordable(CURVE_TRIALS, per_trial);
    let method = format!(
        "simulated the minimum-norm fit ({} trials per point, faer solves) and compared the mean squared error \
         with the exact risk by a 99.9% confidence interval",
        trials.as_ref().map_or(CURVE_TRIALS, |t| *t)
    );
    let biggest = last.max(c.fixed);
    if biggest > MAX_SIZE {
        return (CrossCheck::unchecked(method, format!("sizes above {MAX_SIZE} are not simulated")), Vec::new());
    }
    let trials = match trials {
        Ok(t) => t,
        Err(why) => return (CrossCheck::unchecked(method, why), Vec::new()),
    };
    let noiseless = c.noise.is_zero();
    let stats = simulate_curve(c.var, c.fixed, (first, last), c.noise.to_f64(), c.signal.to_f64(), trials, seed);
    let (mut inside, mut outside, mut heavy, mut band) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((k, risk), s) in c.points.iter().zip(&stats) {
        let (n, d) = c.sizes(*k);
        match outcome(n, d, noiseless, risk, s) {
            Outcome::Inside => inside.push(*k),
            Outcome::Outside => outside.push(*k),
            Outcome::HeavyTail => heavy.push(*k),
            Outcome::Infinite => band.push((*k, s.clone())),
        }
    }
    let v = c.var.name();
    let mut detail = format!(
        "the exact risk lies in the interval at {} of {} judged points",
        inside.len(),
        inside.len() + outside.len()
    );
    if !outside.is_empty() {
        let list: Vec<String> = outside.iter().map(|k| format!("{v} = {k}")).collect();
        detail.push_str(&format!("; outside at {}", list.join(", ")));
    }
    if !heavy.is_empty() {
        let list: Vec<String> = heavy.iter().map(|k| k.to_string()).collect();
        detail.push_str(&format!(
            "; not judged at {v} = {} (finite mean, infinite variance: no valid normal interval)",
            list.join(", ")
        ));
    }
    if !band.is_empty() {
        let growth: Vec<String> = band
            .iter()
            .map(|(k, s)| {
                format!(
                    "{v} = {k}: running mean {} → {} → {}, largest trial {}",
                    fmt(s.quarter),
                    fmt(s.half),
                    fmt(s.mean),
                    fmt(s.max)
                )
            })
            .collect();
        detail.push_str(&format!(
            "; not judged where the expected risk is infinite, the running mean after a quarter, half and all of \
             the trials and the largest trial: {}",
            growth.join("; ")
        ));
    }
    let judged_points = inside.len() + outside.len();
    let check = if judged_points == 0 {
        CrossCheck::unchecked(method, format!("no point of the range is outside the threshold band; {detail}"))
    } else {
        CrossCheck { method, trials: trials * stats.len(), passed: outside.is_empty(), unchecked: false, detail }
    };
    (check, curve_evidence(c, &stats, trials))
}

fn curve_evidence(c: &Curve, stats: &[Stats], trials: usize) -> Vec<Step> {
    let v = Math::name(c.var.name());
    let noiseless = c.noise.is_zero();
    let mut table = Table {
        header: vec![
            prose!("$#v$", v = v.clone()),
            prose!("exact"),
            prose!("simulated"),
            prose!("99.9% interval"),
            prose!("verdict"),
        ],
        rows: Vec::new(),
    };
    let every = c.points.len().div_ceil(crate::derive::risk::MAX_TABLE_ROWS).max(1);
    for (i, ((k, risk), s)) in c.points.iter().zip(stats).enumerate() {
        let near = k.abs_diff(c.fixed) <= 4;
        if !(i % every == 0 || near || i + 1 == c.points.len()) {
            continue;
        }
        let (n, d) = c.sizes(*k);
        let (lo, hi) = s.interval();
        let verdict = match outcome(n, d, noiseless, risk, s) {
            Outcome::Inside => "inside",
            Outcome::Outside => "OUTSIDE",
            Outcome::HeavyTail => "heavy tail",
            Outcome::Infinite => "infinite",
        };
        let exact_cell = match risk {
            Some(r) => Prose::text(fmt(r.to_f64())),
            None => prose!("$inf$"),
        };
        table.rows.push(vec![
            prose!("$#k$", k = *k),
            exact_cell,
            Prose::text(fmt(s.mean)),
            Prose::text(format!("[{}, {}]", fmt(lo), fmt(hi))),
            Prose::text(verdict),
        ]);
    }
    let mut step = Step::new(
        Depth::Detail,
        prose!(
            "The experiment: #t seeded trials per point, each drawing $X$, $beta$ and $epsilon$ and solving for the \
             minimum-norm fit; the mean of $norm(w - beta)^2$ with its 99.9% confidence interval. The exact risk \
             is judged against the interval except where the interval is not valid: a heavy tail ($2 <= abs(d - n) \
             <= 3$: a finite mean but an infinite variance) or an infinite expected risk ($abs(d - n) <= 1$).",
            t = trials
        ),
    );
    step.table(table);
    // The simulated means as dots on the exact curve.
    let mut caption = prose!("Simulated means (dots) on the exact risk (line).");
    caption.push_text("");
    let mut figure = crate::derive::risk::curve_figure(c, caption);
    let top = figure.panels[0].y.hi.clone();
    for ((k, _), s) in c.points.iter().zip(stats) {
        let y = exact(s.mean);
        if s.trials > 0 && y <= top {
            figure.panels[0].marks.push(Mark::Dot { at: (Q::from_int(*k as i64), y), role: Role::Accent, label: None });
        }
    }
    step.figure(figure);
    vec![step]
}

/// The check of one risk: at numbers, the simulation at that point; with
/// symbols, the pieces at two instances (one on each side of the band),
/// and the limit at γ = 1/2 and 2 against the pieces at n = 10⁶.
pub fn check_point(q: &RiskQuery, p: &PointRisk, seed: u64) -> (CrossCheck, Vec<Step>) {
    let method = format!(
        "simulated the minimum-norm fit (up to {POINT_TRIALS} trials, faer solves) and compared the mean squared error \
         with the exact risk by a 99.9% confidence interval"
    );
    let mut rng = Rng::new(seed);
    // Values for the variables of σ² and r²: small positive numbers.
    let mut vars: Vec<Var> = p.noise.vars();
    vars.extend(p.signal.vars());
    vars.sort();
    vars.dedup();
    let assigned: Vec<(Var, Q)> = vars.iter().map(|v| (*v, Q::new(rng.int(1, 8), 4))).collect();
    let value_of = |v: Var, n: usize, d: usize, nv: Option<Var>, dv: Option<Var>| -> Q {
        if Some(v) == nv {
            Q::from_int(n as i64)
        } else if Some(v) == dv {
            Q::from_int(d as i64)
        } else {
            assigned.iter().find(|a| a.0 == v).map_or_else(Q::one, |a| a.1.clone())
        }
    };
    let noise_at = |n, d| p.noise.eval(&|v| value_of(v, n, d, None, None));
    let signal_at = |n, d| p.signal.eval(&|v| value_of(v, n, d, None, None));
    let (Some(noise), Some(signal)) = (noise_at(0, 0), signal_at(0, 0)) else {
        return (CrossCheck::unchecked(method, "the noise or the signal has no value at the instance"), Vec::new());
    };
    if noise.is_negative() || signal.is_negative() {
        return (CrossCheck::unchecked(method, "the noise or the signal is negative at the instance"), Vec::new());
    }
    // The instances: the query's numbers, or one size pair on each side.
    let instances: Vec<(usize, usize, Option<RatFunc>)> = match p.sizes {
        // σ² and r² may still hold symbols: the risk at their values.
        Some((n, d)) => vec![(
            n,
            d,
            p.risk.as_ref().and_then(|r| r.eval(&|v| value_of(v, n, d, None, None))).map(RatFunc::constant),
        )],
        None => {
            let nv = q.n.as_var();
            let dv = q.d.as_var();
            let (Some(nv), Some(dv)) = (nv, dv) else {
                return (
                    CrossCheck::unchecked(method, "the sizes are instantiated only when each is a single symbol"),
                    Vec::new(),
                );
            };
            let at = |f: &RatFunc, n: usize, d: usize| {
                f.eval(&|v| value_of(v, n, d, Some(nv), Some(dv))).map(RatFunc::constant)
            };
            vec![(24, 6, at(&p.pieces.under, 24, 6)), (12, 40, at(&p.pieces.over, 12, 40))]
        }
    };
    let (sigma2, r2) = (noise.to_f64(), signal.to_f64());
    let mut details = Vec::new();
    let mut trials = 0;
    let mut failed = false;
    let mut judged_any = false;
    for (n, d, risk) in &instances {
        let (n, d) = (*n, *d);
        if n.max(d) > MAX_SIZE {
            details.push(format!("n = {n}, d = {d}: sizes above {MAX_SIZE} are not simulated"));
            continue;
        }
        let t = match affordable(POINT_TRIALS, solve_work(n, d)) {
            Ok(t) => t,
            Err(why) => {
                details.push(format!("n = {n}, d = {d}: {why}"));
                continue;
            }
        };
        let s = simulate_curve(SweepVar::D, n, (d, d), sigma2, r2, t, seed ^ (n * 1000 + d) as u64)
            .pop()
            .unwrap_or_default();
        trials += s.trials;
        let at = format!("n = {n}, d = {d} ({} trials)", s.trials);
        let exact_risk = risk.as_ref().and_then(RatFunc::as_constant);
        let (lo, hi) = s.interval();
        match &exact_risk {
            None => details.push(format!(
                "{at}: infinite expected risk, not judged; the running mean after a quarter, half and \
                 all of the trials {} → {} → {} (largest trial {})",
                fmt(s.quarter),
                fmt(s.half),
                fmt(s.mean),
                fmt(s.max)
            )),
            Some(r) if !judged(n, d, noise.is_zero()) => details.push(format!(
                "{at}: exact {}, simulated {} (not judged: finite mean, infinite variance)",
                fmt(r.to_f64()),
                fmt(s.mean)
            )),
            Some(r) => {
                judged_any = true;
                let ok = s.covers(r.to_f64());
                failed |= !ok;
                details.push(format!(
                    "{at}: exact {} {} [{}, {}]",
                    fmt(r.to_f64()),
                    if ok { "in" } else { "NOT in" },
                    fmt(lo),
                    fmt(hi)
                ));
            }
        }
    }
    // The limit, at γ = 1/2 and γ = 2, against the pieces at n = 10⁶.
    let big = 1_000_000usize;
    for (gamma, piece, limit) in
        [(Q::new(1, 2), &p.pieces.under, &p.limits.under), (Q::from_int(2), &p.pieces.over, &p.limits.over)]
    {
        let (n, d) = (big, (gamma.to_f64() * big as f64) as usize);
        let nv = if p.sizes.is_some() { Some(p.limits.n) } else { q.n.as_var() };
        let dv = if p.sizes.is_some() {
            piece.vars().into_iter().find(|v| *v != p.limits.n && !vars.contains(v))
        } else {
            q.d.as_var()
        };
        let finite = piece.eval_f64(&|v| value_of(v, n, d, nv, dv).to_f64());
        let lim = limit.eval_f64(&|v| {
            if v == p.limits.gamma { gamma.to_f64() } else { value_of(v, n, d, None, None).to_f64() }
        });
        let close = (finite - lim).abs() <= 1e-4 * (1.0 + lim.abs());
        failed |= !close;
        details.push(format!("limit at γ = {gamma}: {} against {} at n = 1000000", fmt(lim), fmt(finite)));
    }
    let detail = details.join("; ");
    let check = if !judged_any && !failed {
        CrossCheck::unchecked(method, format!("no confidence interval applies: {detail}"))
    } else {
        CrossCheck { method, trials, passed: !failed && judged_any, unchecked: false, detail }
    };
    (check, Vec::new())
}

// ---------------------------------------------------------------------------
// Random ReLU features
// ---------------------------------------------------------------------------

/// The simulated test risk of the minimum-norm fit on p random ReLU
/// features relu(W x) of inputs x ~ N(0, I_d), for p over `range`: the mean
/// over `trials` trials of the squared error against xᵀβ on fresh test
/// points.
pub fn simulate_relu(
    n: usize,
    d: usize,
    range: (usize, usize),
    noise: f64,
    signal: f64,
    trials: usize,
    seed: u64,
) -> Vec<Stats> {
    let (sigma, r) = (noise.max(0.0).sqrt(), signal.max(0.0).sqrt());
    let p_max = range.1;
    let points = range.1 + 1 - range.0;
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(trials); points];
    let mut failed = vec![0; points];
    let mut rng = Rng::new(seed);
    let t = RELU_TEST_POINTS;
    for _ in 0..trials {
        let x = Array2::from_shape_fn((n, d), |_| rng.normal());
        let xt = Array2::from_shape_fn((t, d), |_| rng.normal());
        let dir: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        let norm = dir.iter().map(|v| v * v).sum::<f64>().sqrt();
        let beta: Vec<f64> = dir.iter().map(|v| if norm > 0.0 { r * v / norm } else { 0.0 }).collect();
        let eps: Vec<f64> = (0..n).map(|_| sigma * rng.normal()).collect();
        let scale = 1.0 / (d as f64).sqrt();
        let w = Array2::from_shape_fn((p_max, d), |_| scale * rng.normal());
        let phi = x.dot(&w.t()).mapv(|v| v.max(0.0));
        let phi_test = xt.dot(&w.t()).mapv(|v| v.max(0.0));
        let beta = Array1::from(beta);
        let y: Vec<f64> = (x.dot(&beta) + Array1::from(eps)).to_vec();
        let truth = xt.dot(&beta);
        for (i, p) in (range.0..=range.1).enumerate() {
            let a = minimum_norm(view(&phi).submatrix(0, 0, n, p), &y);
            match a {
                Some(a) => {
                    let ft = phi_test.slice(ndarray::s![.., ..p]);
                    let err = (0..t)
                        .map(|k| {
                            let pred: f64 = (0..p).map(|j| ft[(k, j)] * a[j]).sum();
                            (pred - truth[k]) * (pred - truth[k])
                        })
                        .sum::<f64>()
                        / t as f64;
                    values[i].push(err);
                }
                None => failed[i] += 1,
            }
        }
    }
    values.iter().zip(failed).map(|(v, f)| Stats::of(v, f)).collect()
}

/// The random-features experiment: the simulated curve must peak within
/// [`PEAK_SLACK`] of p = n.
pub fn check_relu(s: &SimulatedCurve, seed: u64) -> (CrossCheck, Vec<Step>) {
    let method = format!(
        "simulated random ReLU features ({RELU_TRIALS} trials per p, {RELU_TEST_POINTS} test points each, faer \
         solves); a simulation, not an exact formula: the peak of the mean risk must lie within {PEAK_SLACK} of p = n"
    );
    if !(s.from..=s.to).contains(&s.n) {
        return (CrossCheck::unchecked(method, format!("p = n = {} is outside the range", s.n)), Vec::new());
    }
    let per_trial: f64 = (s.from..=s.to).map(|p| solve_work(s.n, p) + (RELU_TEST_POINTS * p) as f64).sum::<f64>()
        + ((s.n + RELU_TEST_POINTS) * s.to * s.d) as f64;
    let trials = match affordable(RELU_TRIALS, per_trial) {
        Ok(t) => t,
        Err(why) => return (CrossCheck::unchecked(method, why), Vec::new()),
    };
    let stats = simulate_relu(s.n, s.d, (s.from, s.to), s.noise.to_f64(), s.signal.to_f64(), trials, seed);
    let mut peak = s.from;
    let mut best = f64::MIN;
    for (i, st) in stats.iter().enumerate() {
        if st.trials > 0 && st.mean > best {
            best = st.mean;
            peak = s.from + i;
        }
    }
    let at = |p: usize| stats.get(p - s.from).map_or(0.0, |st| st.mean);
    let passed = peak.abs_diff(s.n) <= PEAK_SLACK;
    let detail = format!(
        "the simulated mean risk peaks at p = {peak} ({}); at p = {}: {}, at p = {}: {}",
        fmt(best),
        s.from,
        fmt(at(s.from)),
        s.to,
        fmt(at(s.to))
    );
    let check = CrossCheck { method, trials: trials * stats.len(), passed, unchecked: false, detail };
    (check, relu_evidence(s, &stats, trials))
}

fn relu_evidence(s: &SimulatedCurve, stats: &[Stats], trials: usize) -> Vec<Step> {
    let mut table = Table {
        header: vec![prose!("$p$"), prose!("simulated mean risk"), prose!("99.9% interval")],
        rows: Vec::new(),
    };
    let every = stats.len().div_ceil(crate::derive::risk::MAX_TABLE_ROWS).max(1);
    let mut top = 0.0f64;
    for (i, st) in stats.iter().enumerate() {
        let p = s.from + i;
        if p.abs_diff(s.n) >= 3 {
            top = top.max(st.mean);
        }
        if i % every != 0 && p.abs_diff(s.n) > 2 && i + 1 != stats.len() {
            continue;
        }
        let (lo, hi) = st.interval();
        table.rows.push(vec![
            prose!("$#p$", p = p),
            Prose::text(fmt(st.mean)),
            Prose::text(format!("[{}, {}]", fmt(lo), fmt(hi))),
        ]);
    }
    let top = exact((2.0 * top).max(0.1));
    let mut points = Vec::new();
    let mut lines = Vec::new();
    for (i, st) in stats.iter().enumerate() {
        let y = exact(st.mean);
        if y <= top && st.trials > 0 {
            points.push((Q::from_int((s.from + i) as i64), y));
        } else if points.len() > 1 {
            lines.push(std::mem::take(&mut points));
        } else {
            points.clear();
        }
    }
    if points.len() > 1 {
        lines.push(points);
    }
    let mut marks: Vec<Mark> =
        lines.into_iter().map(|l| Mark::Line { points: l, role: Role::Main, label: None }).collect();
    marks.push(Mark::Rule { x: Q::from_int(s.n as i64), role: Role::Guide, label: Some(math!("p = n")) });
    let figure = Figure {
        caption: prose!(
            "Simulated (no exact formula): the mean test risk of random ReLU features over $p$ at $n = #n$; it peaks \
             at the interpolation threshold $p = n$ (the line leaves the top of the picture there).",
            n = s.n
        ),
        panels: vec![Panel {
            title: None,
            x: Axis {
                label: math!("p"),
                lo: Q::from_int(s.from as i64),
                hi: Q::from_int(s.to.max(s.from + 1) as i64),
                ticks: Vec::new(),
            },
            y: Axis { label: math!("R"), lo: Q::zero(), hi: top, ticks: Vec::new() },
            marks,
        }],
        shows_answer: false,
    };
    let mut step = Step::new(
        Depth::Detail,
        prose!(
            "The experiment (a simulation; no exact formula is claimed): #t seeded trials per $p$, each drawing \
             the data, the random weights and #m test points.",
            t = trials,
            m = RELU_TEST_POINTS
        ),
    );
    step.table(table).figure(figure);
    vec![step]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(fmt(0.77355), "0.774");
        assert_eq!(fmt(12.3456), "12.3");
        assert_eq!(fmt(17245.18), "1.72e4");
        assert_eq!(fmt(0.0001234), "1.23e-4");
        assert_eq!(exact(0.77355), Q::new(774, 1000));
        assert_eq!(exact(1234.5), Q::from_int(1230));
    }

    #[test]
    fn the_interval_covers_its_mean_and_not_far_values() {
        let s = Stats::of(&[1.0, 2.0, 3.0, 4.0], 0);
        assert_eq!(s.trials, 4);
        assert!(s.covers(2.5) && !s.covers(10.0));
        assert!(Stats::of(&[], 2).trials == 0);
    }
}
