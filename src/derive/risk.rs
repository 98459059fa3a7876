//! Double descent, computed: the exact expected test risk of minimum-norm
//! least squares on isotropic Gaussian features (Belkin, Hsu and Xu 2019),
//! its limit in γ = d/n (Hastie, Montanari, Rosset and Tibshirani 2019),
//! and its curves over the number of features or of examples.
//!
//! With n examples x ~ N(0, I_d), y = xᵀβ + ε, ε ~ N(0, σ²), ‖β‖² = r²,
//! the minimum-norm fit w = X⁺y has the expected excess risk
//! E‖w − β‖² =
//!
//! - σ² d/(n − d − 1) for d ≤ n − 2 (no bias: w = β + (XᵀX)⁻¹Xᵀε, and
//!   E[(XᵀX)⁻¹] = I/(n − d − 1) for a Wishart matrix),
//! - r²(1 − n/d) + σ² n/(d − n − 1) for d ≥ n + 2 (the bias of projecting
//!   β onto a uniformly random n-dimensional row space, and the noise
//!   through E[(XXᵀ)⁻¹] = I/(d − n − 1)),
//! - infinite for n − 1 ≤ d ≤ n + 1 when σ² > 0: the inverse-Wishart mean
//!   does not exist there.
//!
//! With σ² = 0 there is no noise to amplify: the risk is 0 for d ≤ n and
//! r²(1 − n/d) for d ≥ n, finite everywhere.
//!
//! Everything here is exact. The random ReLU features model has no exact
//! formula; [`derive`] only names its interpolation threshold p = n, and
//! the numeric layer runs the experiment.

use std::cmp::Ordering;

use crate::algebra::univariate::{decimal_parts, decimal_text};
use crate::algebra::{Poly, Q, RatFunc, Ring, Symbol, Var};
use crate::language::Diagnostic;
use crate::language::math::Constant;
use crate::language::syntax::RiskModel;
use crate::model::risk::{RiskQuery, SweepVar};
use crate::model::{Problem, Value};
use crate::{math, prose};

use super::explain::{Axis, Explanation, Figure, Mark, Math, Panel, Prose, Role, Table};

/// The most rows a curve's table shows; a longer range shows its ends, the
/// points around the threshold and evenly spaced points between.
pub const MAX_TABLE_ROWS: usize = 24;

/// Significant digits of the decimal column of a curve's table.
const DECIMAL_DIGITS: u32 = 4;

/// Where a pair of sizes lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// d ≤ n − 2: fewer features than examples, the risk is pure variance.
    Under,
    /// n − 1 ≤ d ≤ n + 1: the expected risk is infinite (when σ² > 0).
    Band,
    /// d ≥ n + 2: more features than examples, bias plus variance.
    Over,
}

/// The regime of n examples and d features.
pub fn regime(n: usize, d: usize) -> Regime {
    if d + 2 <= n {
        Regime::Under
    } else if d >= n + 2 {
        Regime::Over
    } else {
        Regime::Band
    }
}

/// The exact expected excess risk of the minimum-norm fit with n examples
/// and d features; `None` when it is infinite. σ² = 0 gives 0 for d ≤ n
/// and r²(1 − n/d) for d ≥ n.
pub fn exact_risk(n: usize, d: usize, noise: &Q, signal: &Q) -> Option<Q> {
    let (nq, dq) = (Q::from_int(n as i64), Q::from_int(d as i64));
    let bias = || signal * &(Q::one() - &nq / &dq);
    if noise.is_zero() {
        return Some(if d <= n { Q::zero() } else { bias() });
    }
    match regime(n, d) {
        Regime::Under => Some(noise * &(&dq / &(&nq - &dq - Q::one()))),
        Regime::Over => Some(bias() + noise * &(&nq / &(&dq - &nq - Q::one()))),
        Regime::Band => None,
    }
}

/// The two finite pieces of the risk as rational functions of n and d.
#[derive(Clone, Debug, PartialEq)]
pub struct Pieces {
    /// σ² d/(n − d − 1), for d ≤ n − 2 (0 for d ≤ n without noise).
    pub under: RatFunc,
    /// r²(1 − n/d) + σ² n/(d − n − 1), for d ≥ n + 2 (d ≥ n without noise).
    pub over: RatFunc,
}

/// The pieces for sizes n, d and variances σ², r², in any ring.
pub fn pieces(n: &RatFunc, d: &RatFunc, noise: &RatFunc, signal: &RatFunc) -> Option<Pieces> {
    let one = RatFunc::one();
    let under_den = &(n - d) - &one;
    let over_den = &(d - n) - &one;
    if d.is_zero() || under_den.is_zero() || over_den.is_zero() {
        return None;
    }
    let under = noise * &(d / &under_den);
    let over = &(signal * &(&one - &(n / d))) + &(noise * &(n / &over_den));
    Some(Pieces { under, over })
}

/// The limit of a rational function as `v` → ∞, by the leading
/// coefficients in `v` of its numerator and denominator; `None` when it
/// grows without bound.
pub fn limit_at_infinity(f: &RatFunc, v: Var) -> Option<RatFunc> {
    let num = f.num().coefficients_in(v);
    let den = f.den().coefficients_in(v);
    let (dn, dd) = (num.len(), den.len());
    match dn.cmp(&dd) {
        Ordering::Less => Some(RatFunc::zero()),
        Ordering::Equal => {
            let lead_den = RatFunc::from(den[dd - 1].clone());
            Some(&RatFunc::from(num[dn - 1].clone()) / &lead_den)
        }
        Ordering::Greater => None,
    }
}

/// The proportional limit n, d → ∞ with d = γ n, of both pieces.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    pub gamma: Var,
    /// σ² γ/(1 − γ), for γ < 1.
    pub under: RatFunc,
    /// r²(1 − 1/γ) + σ²/(γ − 1), for γ > 1.
    pub over: RatFunc,
    /// The pieces with d = γ n substituted, before the limit.
    pub under_substituted: RatFunc,
    pub over_substituted: RatFunc,
    /// The variable n of the substitution.
    pub n: Var,
}

/// A variable of the ring: the symbol `name`, or `name` followed by the
/// smallest number that no other use of the problem takes.
fn fresh_var(ring: &Ring, name: &str, avoid: &[&RatFunc]) -> Var {
    let used = |v: Var| avoid.iter().any(|f| f.vars().contains(&v));
    let first = ring.var(&Symbol::plain(name));
    if !used(first) {
        return first;
    }
    (1..).map(|k| ring.var(&Symbol::plain(&format!("{name}{k}")))).find(|v| !used(*v)).unwrap_or(first)
}

/// The limits of the pieces, taken on the formula with d = γ n and checked
/// against the closed forms σ²γ/(1 − γ) and r²(1 − 1/γ) + σ²/(γ − 1).
pub fn limits(noise: &RatFunc, signal: &RatFunc, ring: &Ring) -> Result<Limits, String> {
    let n = fresh_var(ring, "n", &[noise, signal]);
    let gamma = fresh_var(ring, "gamma", &[noise, signal]);
    let (nr, g) = (RatFunc::var(n), RatFunc::var(gamma));
    let d = &g * &nr;
    let p = pieces(&nr, &d, noise, signal).ok_or("the pieces have a zero denominator")?;
    let under = limit_at_infinity(&p.under, n).ok_or("the variance grows without bound")?;
    let over = limit_at_infinity(&p.over, n).ok_or("the risk grows without bound")?;
    let one = RatFunc::one();
    let expected_under = &(noise * &g) / &(&one - &g);
    let expected_over = &(signal * &(&one - &(&one / &g))) + &(noise / &(&g - &one));
    if under != expected_under || over != expected_over {
        return Err("the limit disagrees with the closed form in γ".into());
    }
    Ok(Limits { gamma, under, over, under_substituted: p.under, over_substituted: p.over, n })
}

/// The answer to a risk query.
#[derive(Clone, Debug)]
pub enum RiskAnswer {
    /// One risk, exact: a number (or `None`, infinite) at numbers n and d,
    /// the pieces when n or d is a symbol.
    Point(Box<PointRisk>),
    /// The exact risk over a range of d or n.
    Curve(Box<Curve>),
    /// Random ReLU features: the threshold p = n; the curve is simulated.
    Simulated(Box<SimulatedCurve>),
}

#[derive(Clone, Debug)]
pub struct PointRisk {
    /// The sizes, when both are numbers.
    pub sizes: Option<(usize, usize)>,
    /// The risk at those sizes; `None` when infinite (or symbolic sizes).
    pub risk: Option<RatFunc>,
    pub pieces: Pieces,
    pub limits: Limits,
    pub noise: RatFunc,
    pub signal: RatFunc,
    /// σ² is the number 0: no band.
    pub noiseless: bool,
}

#[derive(Clone, Debug)]
pub struct Curve {
    pub var: SweepVar,
    /// The size held fixed: n for a range of d, d for a range of n.
    pub fixed: usize,
    pub noise: Q,
    pub signal: Q,
    /// Each point of the range and its exact risk (`None`: infinite).
    pub points: Vec<(usize, Option<Q>)>,
    /// The point of the range where the risk is largest (the threshold
    /// when it is in the range and the risk is infinite there).
    pub peak: usize,
    /// Maximal runs (a, b), a < b, where each step k → k + 1 raises the risk.
    pub hurts: Vec<(usize, usize)>,
}

impl Curve {
    /// The n and d of a point of the range.
    pub fn sizes(&self, k: usize) -> (usize, usize) {
        match self.var {
            SweepVar::D | SweepVar::P => (self.fixed, k),
            SweepVar::N => (k, self.fixed),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SimulatedCurve {
    pub n: usize,
    /// The input dimension.
    pub d: usize,
    pub noise: Q,
    pub signal: Q,
    pub from: usize,
    pub to: usize,
}

/// Derives a risk query.
pub fn derive(q: &RiskQuery, problem: &Problem) -> Result<(RiskAnswer, Value, Explanation), Diagnostic> {
    let at = |e: String| Diagnostic::error(q.span, e);
    match (q.model, &q.sweep) {
        (RiskModel::ReluFeatures, Some(s)) => {
            let sim = SimulatedCurve {
                n: q.n_value().ok_or_else(|| at("n must be a number".into()))?,
                d: q.d_value().ok_or_else(|| at("d must be a number".into()))?,
                noise: constant(&q.noise).map_err(at)?,
                signal: constant(&q.signal).map_err(at)?,
                from: s.from,
                to: s.to,
            };
            let value = Value::record(vec![("threshold", Value::int(sim.n as i64))]);
            let ex = explain_simulated(&sim);
            Ok((RiskAnswer::Simulated(Box::new(sim)), value, ex))
        }
        (_, Some(s)) => {
            let noise = constant(&q.noise).map_err(at)?;
            let signal = constant(&q.signal).map_err(at)?;
            let fixed = match s.var {
                SweepVar::N => q.d_value(),
                _ => q.n_value(),
            }
            .ok_or_else(|| at("the fixed size must be a number".into()))?;
            let curve = curve(s.var, fixed, s.points(), &noise, &signal);
            let value = curve_value(&curve);
            let ex = explain_curve(&curve, &problem.ring).map_err(at)?;
            Ok((RiskAnswer::Curve(Box::new(curve)), value, ex))
        }
        (_, None) => {
            let point = point(q, &problem.ring).map_err(at)?;
            let value = point_value(&point);
            let ex = explain_point(q, &point);
            Ok((RiskAnswer::Point(Box::new(point)), value, ex))
        }
    }
}

fn constant(r: &RatFunc) -> Result<Q, String> {
    r.as_constant().ok_or_else(|| "a range needs numbers for the noise and the signal".to_string())
}

/// The exact risk over a range, its peak and where a step up hurts.
pub fn curve(var: SweepVar, fixed: usize, range: impl Iterator<Item = usize>, noise: &Q, signal: &Q) -> Curve {
    let mut c = Curve {
        var,
        fixed,
        noise: noise.clone(),
        signal: signal.clone(),
        points: Vec::new(),
        peak: 0,
        hurts: Vec::new(),
    };
    for k in range {
        let (n, d) = c.sizes(k);
        c.points.push((k, exact_risk(n, d, noise, signal)));
    }
    // The peak: the threshold itself when the risk is infinite there, else
    // the first infinite point, else the largest finite risk.
    let threshold = fixed;
    c.peak = if c.points.iter().any(|(k, r)| *k == threshold && r.is_none()) {
        threshold
    } else if let Some((k, _)) = c.points.iter().find(|(_, r)| r.is_none()) {
        *k
    } else {
        let mut best: Option<(usize, &Q)> = None;
        for (k, r) in &c.points {
            if let Some(r) = r
                && best.is_none_or(|(_, b)| r > b)
            {
                best = Some((*k, r));
            }
        }
        best.map_or(threshold, |(k, _)| k)
    };
    // A step hurts when the risk rises: finite to larger, or finite to
    // infinite.
    let rises = |a: &Option<Q>, b: &Option<Q>| match (a, b) {
        (Some(a), Some(b)) => b > a,
        (Some(_), None) => true,
        _ => false,
    };
    let mut run: Option<(usize, usize)> = None;
    for w in c.points.windows(2) {
        let ((k, a), (_, b)) = (&w[0], &w[1]);
        if rises(a, b) {
            run = Some(run.map_or((*k, k + 1), |(s, _)| (s, k + 1)));
        } else if let Some(r) = run.take() {
            c.hurts.push(r);
        }
    }
    c.hurts.extend(run);
    c
}

/// `{ peak: 20, infinite: [19, 20, 21], hurts: [(1, 19), (43, 60)] }`.
fn curve_value(c: &Curve) -> Value {
    let infinite = c.points.iter().filter(|(_, r)| r.is_none()).map(|(k, _)| Value::int(*k as i64)).collect();
    let hurts = c.hurts.iter().map(|(a, b)| Value::Tuple(vec![Value::int(*a as i64), Value::int(*b as i64)])).collect();
    Value::record(vec![
        ("peak", Value::int(c.peak as i64)),
        ("infinite", Value::List(infinite)),
        ("hurts", Value::List(hurts)),
    ])
}

fn point(q: &RiskQuery, ring: &Ring) -> Result<PointRisk, String> {
    let noiseless = q.noise.is_zero();
    let limits = limits(&q.noise, &q.signal, ring)?;
    let (n, d) = (RatFunc::from(q.n.clone()), RatFunc::from(q.d.clone()));
    let sizes = q.n_value().zip(q.d_value());
    let (pieces, risk) = match sizes {
        // At numbers the pieces are shown in letters: n of the limit and a
        // letter d, then evaluated.
        Some((nn, dd)) => {
            let dv = fresh_var(ring, "d", &[&q.noise, &q.signal]);
            let p = pieces(&RatFunc::var(limits.n), &RatFunc::var(dv), &q.noise, &q.signal)
                .ok_or("the pieces have a zero denominator")?;
            let at = |f: &RatFunc| -> Result<RatFunc, String> {
                let value = |v: Var| -> Option<Poly> {
                    let k = if v == limits.n {
                        nn
                    } else if v == dv {
                        dd
                    } else {
                        return None;
                    };
                    Some(Poly::constant(Q::from_int(k as i64)))
                };
                f.substitute(&value).ok_or_else(|| "a size makes a denominator zero".to_string())
            };
            let risk = if noiseless {
                Some(if dd <= nn { RatFunc::zero() } else { at(&p.over)? })
            } else {
                match regime(nn, dd) {
                    Regime::Under => Some(at(&p.under)?),
                    Regime::Over => Some(at(&p.over)?),
                    Regime::Band => None,
                }
            };
            (p, risk)
        }
        None => {
            let p =
                pieces(&n, &d, &q.noise, &q.signal).ok_or("d, n − d − 1 and d − n − 1 must not be identically zero")?;
            (p, None)
        }
    };
    // With numbers everywhere the value is checked a second way.
    if let (Some((n, d)), Some(ns), Some(ss)) = (sizes, q.noise.as_constant(), q.signal.as_constant()) {
        let direct = exact_risk(n, d, &ns, &ss).map(RatFunc::constant);
        if direct != risk {
            return Err("the pieces and the direct formula disagree".into());
        }
    }
    Ok(PointRisk { sizes, risk, pieces, limits, noise: q.noise.clone(), signal: q.signal.clone(), noiseless })
}

fn point_value(p: &PointRisk) -> Value {
    if p.sizes.is_some() {
        return match &p.risk {
            Some(r) => Value::Scalar(r.clone()),
            None => Value::Word("infinite".into()),
        };
    }
    let mut fields = vec![("under", Value::Scalar(p.pieces.under.clone()))];
    if !p.noiseless {
        fields.push(("band", Value::Word("infinite".into())));
    }
    fields.push(("over", Value::Scalar(p.pieces.over.clone())));
    fields.push(("limit_under", Value::Scalar(p.limits.under.clone())));
    fields.push(("limit_over", Value::Scalar(p.limits.over.clone())));
    Value::record(fields)
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

/// The general formula by cases, in the letters n and d.
fn cases(noiseless: bool) -> Math {
    if noiseless {
        return Math::Cases(vec![(math!("0"), math!("d <= n")), (math!("r^2 (1 - n/d)"), math!("d >= n"))]);
    }
    Math::Cases(vec![
        (math!("sigma^2 d/(n - d - 1)"), math!("d <= n - 2")),
        (Math::Constant(Constant::Infinity), math!("n - 1 <= d <= n + 1")),
        (math!("r^2 (1 - n/d) + sigma^2 n/(d - n - 1)"), math!("d >= n + 2")),
    ])
}

/// The steps every risk derivation shares: the estimator, the two regimes,
/// the formula by cases.
fn explain_derivation(ex: &mut Explanation, noiseless: bool) {
    ex.step(prose!(
        "Write the $n$ examples, drawn from $N(0, I_d)$, as the rows of $X in RR^(n times d)$, so \
         $y = X beta + epsilon$ with noise $epsilon$ drawn from $N(0, sigma^2 I_n)$ and $norm(beta)^2 = r^2$. \
         Let $w$ be the minimum-norm least-squares fit (the pseudo-inverse of $X$ applied to $y$). A test point \
         $x$ drawn from $N(0, I_d)$ has $E (x^T w - x^T beta)^2 = norm(w - beta)^2$, so the expected excess \
         risk is $R = E norm(w - beta)^2$."
    ));
    ex.step(prose!(
        "Fewer features than examples, $d <= n$: $X$ has full column rank (with probability 1), so \
         $w = (X^T X)^-1 X^T y = beta + (X^T X)^-1 X^T epsilon$. There is no bias, and averaging over the noise \
         gives $R = sigma^2 tr E (X^T X)^-1$."
    ))
    .display(math!("R = sigma^2 tr E (X^T X)^-1"));
    ex.step(prose!(
        "$X^T X$ is a Wishart matrix of dimension $d$ with $n$ degrees of freedom, and the inverse-Wishart mean is \
         $E W^-1 = I/(m - p - 1)$ for dimension $p$ and $m > p + 1$ degrees of freedom. Here it is \
         $I_d/(n - d - 1)$ when $d <= n - 2$, and it does not exist (it is infinite) when $d >= n - 1$."
    ))
    .display(math!("R = sigma^2 d/(n - d - 1)"));
    ex.step(prose!(
        "More features than examples, $d >= n$: $X$ has full row rank and $w = X^T (X X^T)^-1 y = P beta + \
         X^T (X X^T)^-1 epsilon$, where $P = X^T (X X^T)^-1 X$ projects onto the row space of $X$. The error \
         $w - beta = -(I - P) beta + X^T (X X^T)^-1 epsilon$ has a part in the null space and a part in the row \
         space, which are orthogonal, so the two squared norms add."
    ));
    ex.step(prose!(
        "The bias, by rotational invariance: the row space of $X$ is a uniformly random $n$-dimensional subspace \
         of $RR^d$, so on average it keeps the fraction $n/d$ of $norm(beta)^2 = r^2$ and $E norm((I - P) beta)^2 \
         = r^2 (1 - n/d)$. The variance: $E norm(X^T (X X^T)^-1 epsilon)^2 = sigma^2 tr E (X X^T)^-1$, and \
         $X X^T$ is Wishart of dimension $n$ with $d$ degrees of freedom, so $E (X X^T)^-1 = I_n/(d - n - 1)$ for \
         $d >= n + 2$ and does not exist for $d <= n + 1$."
    ))
    .display(math!("R = r^2 (1 - n/d) + sigma^2 n/(d - n - 1)"));
    if noiseless {
        ex.step(prose!(
            "Here $sigma^2 = 0$: there is no noise to amplify, $w = beta$ for $d <= n$ and only the bias is left \
             for $d >= n$, so the risk is finite for every $d$:"
        ))
        .display(math!("R").equals(cases(true)));
    } else {
        ex.step(prose!(
            "Together, with the interpolation threshold $d = n$ in the middle of a band where the expected risk is \
             infinite (the inverse-Wishart mean does not exist there):"
        ))
        .display(math!("R").equals(cases(false)));
    }
}

/// The limit d/n → γ, as the limit of the finite formula: the steps in
/// letters, then the limits computed (by leading coefficients) for this
/// σ² and r².
fn explain_limit(ex: &mut Explanation, l: &Limits, noise: &RatFunc, signal: &RatFunc, sizes: Option<(usize, usize)>) {
    ex.step(prose!(
        "The proportional limit: put $d = gamma n$ and let $n -> inf$ with $gamma$ fixed. Each piece is a ratio \
         of polynomials in $n$ of the same degree, so its limit is the ratio of their leading coefficients:"
    ))
    .aligned(vec![
        math!("lim_(n -> inf) sigma^2 (gamma n)/(n - gamma n - 1) = sigma^2 gamma/(1 - gamma)"),
        math!(
            "lim_(n -> inf) (r^2 (1 - n/(gamma n)) + sigma^2 n/(gamma n - n - 1)) = r^2 (1 - 1/gamma) + \
             sigma^2/(gamma - 1)"
        ),
    ]);
    let g = Math::Ratio(RatFunc::var(l.gamma));
    let mut p = prose!(
        "The first holds for $gamma < 1$, the second for $gamma > 1$: finite on each side and blowing up as \
         $gamma -> 1$, the proportional limit of Hastie, Montanari, Rosset and Tibshirani."
    );
    let letters = noise.as_constant().is_none() && signal.as_constant().is_none();
    if !letters {
        p.push_text(" ");
        p.0.extend(
            prose!(
                "With $sigma^2 = #s$ and $r^2 = #r$ they are $#lu$ and $#lo$.",
                s = Math::Ratio(noise.clone()),
                r = Math::Ratio(signal.clone()),
                lu = Math::Ratio(l.under.clone()),
                lo = Math::Ratio(l.over.clone())
            )
            .0,
        );
    }
    if let Some((nn, dd)) = sizes {
        let gamma = Q::new(dd as i64, nn as i64);
        p.push_text(" ");
        p.0.extend(prose!("Here $#g = #d/#n = #v$.", g = g, d = dd, n = nn, v = gamma).0);
    }
    ex.step(p);
}

fn explain_point(q: &RiskQuery, p: &PointRisk) -> Explanation {
    let mut ex = Explanation::new();
    explain_derivation(&mut ex, p.noiseless);
    match (p.sizes, &p.risk) {
        (Some((n, d)), Some(r)) => {
            let formula = if p.noiseless && d <= n {
                math!("0")
            } else if p.noiseless || regime(n, d) == Regime::Over {
                math!("r^2 (1 - n/d) + sigma^2 n/(d - n - 1)")
            } else {
                math!("sigma^2 d/(n - d - 1)")
            };
            let mut step = prose!(
                "Here $n = #n$, $d = #d$, $sigma^2 = #s$ and $r^2 = #r$:",
                n = n,
                d = d,
                s = Math::Ratio(p.noise.clone()),
                r = Math::Ratio(p.signal.clone())
            );
            if !p.noiseless {
                let side = if d + 2 <= n { math!("d <= n - 2") } else { math!("d >= n + 2") };
                step.push_text(" ");
                step.0.extend(prose!("the case $#c$.", c = side).0);
            }
            ex.step(step).display(math!("R = #f = #v", f = formula, v = Math::Ratio(r.clone())));
        }
        (Some((n, d)), None) => {
            ex.step(prose!(
                "Here $n = #n$ and $d = #d$ lie in the band $n - 1 <= d <= n + 1$ around the interpolation \
                 threshold: the inverse-Wishart mean $E #w^-1$ does not exist, so the expected risk is infinite. \
                 The fit interpolates the noise through a nearly singular system, and the average of its squared \
                 error diverges.",
                n = n,
                d = d,
                w = if d <= n { math!("(X^T X)") } else { math!("(X X^T)") }
            ))
            .display(math!("R = inf"));
        }
        (None, _) => {
            let (n, d) = (Math::Poly(q.n.clone()), Math::Poly(q.d.clone()));
            let (sn, rs) = (Math::Ratio(p.noise.clone()), Math::Ratio(p.signal.clone()));
            let under = if p.noiseless {
                math!("0")
            } else {
                math!("#s #d/(#n - #d - 1)", s = sn.clone(), d = d.clone(), n = n.clone())
            };
            let over = if p.noiseless {
                math!("#r (1 - #n/#d)", r = rs.clone(), d = d.clone(), n = n.clone())
            } else {
                math!(
                    "#r (1 - #n/#d) + #s #n/(#d - #n - 1)",
                    r = rs.clone(),
                    s = sn.clone(),
                    d = d.clone(),
                    n = n.clone()
                )
            };
            let mut cs = vec![(
                under,
                if p.noiseless {
                    math!("#d <= #n", d = d.clone(), n = n.clone())
                } else {
                    math!("#d <= #n - 2", d = d.clone(), n = n.clone())
                },
            )];
            if !p.noiseless {
                cs.push((
                    Math::Constant(Constant::Infinity),
                    math!("#n - 1 <= #d <= #n + 1", d = d.clone(), n = n.clone()),
                ));
            }
            cs.push((
                over,
                if p.noiseless {
                    math!("#d >= #n", d = d.clone(), n = n.clone())
                } else {
                    math!("#d >= #n + 2", d = d.clone(), n = n.clone())
                },
            ));
            ex.step(prose!("In the question's terms:")).display(math!("R").equals(Math::Cases(cs)));
        }
    }
    explain_limit(&mut ex, &p.limits, &p.noise, &p.signal, p.sizes);
    ex
}

/// A risk in a table cell: exact, or ∞.
fn risk_cell(r: &Option<Q>) -> Prose {
    match r {
        Some(q) => prose!("$#v$", v = q.clone()),
        None => prose!("$inf$"),
    }
}

fn decimal_cell(r: &Option<Q>) -> Prose {
    match r {
        Some(q) => {
            let (m, e) = decimal_parts(q, DECIMAL_DIGITS, Ordering::Less);
            Prose::text(decimal_text(&m, e))
        }
        None => prose!("$inf$"),
    }
}

/// The points a table shows: all of a short range; for a long one its
/// ends, the threshold and its neighbours, the ends of the runs that hurt,
/// and evenly spaced points between.
fn table_points(c: &Curve) -> Vec<usize> {
    let first = c.points.first().map_or(0, |p| p.0);
    let last = c.points.last().map_or(0, |p| p.0);
    if c.points.len() <= MAX_TABLE_ROWS {
        return c.points.iter().map(|p| p.0).collect();
    }
    let mut pick = vec![first, last];
    for k in c.fixed.saturating_sub(3)..=c.fixed + 3 {
        pick.push(k);
    }
    for (a, b) in &c.hurts {
        pick.push(*a);
        pick.push(*b);
    }
    let spaced = MAX_TABLE_ROWS.saturating_sub(pick.len()).max(2);
    for i in 0..spaced {
        pick.push(first + (last - first) * i / (spaced - 1).max(1));
    }
    pick.retain(|k| (first..=last).contains(k));
    pick.sort_unstable();
    pick.dedup();
    pick
}

/// The most a curve's picture shows on its vertical axis, beyond which the
/// line leaves the top: twice the largest risk at least 3 points away from
/// the threshold, rounded up to a whole number (or to 1/10 below 1).
fn y_top(c: &Curve) -> Q {
    let far = c
        .points
        .iter()
        .filter(|(k, _)| k.abs_diff(c.fixed) >= 3)
        .filter_map(|(_, r)| r.clone())
        .max()
        .unwrap_or_else(|| c.signal.clone().max(Q::one()));
    let top = &far * &Q::from_int(2);
    let top = if top.is_zero() { Q::one() } else { top };
    if top >= Q::one() {
        Q::from_bigints(top.floor() + 1, 1.into())
    } else {
        let tenths = &top * &Q::from_int(10);
        Q::from_bigints(tenths.floor() + 1, 10.into())
    }
}

/// Lines through the points at or under `top`: a segment that leaves the
/// top ends where it crosses it, and one that comes back starts there.
fn clipped_lines(points: &[(usize, Option<Q>)], top: &Q) -> Vec<Vec<(Q, Q)>> {
    let mut lines: Vec<Vec<(Q, Q)>> = Vec::new();
    let mut current: Vec<(Q, Q)> = Vec::new();
    let mut prev: Option<(Q, Q)> = None;
    for (k, r) in points {
        let x = Q::from_int(*k as i64);
        let Some(y) = r.clone() else {
            if current.len() > 1 {
                lines.push(std::mem::take(&mut current));
            }
            current.clear();
            prev = None;
            continue;
        };
        let cross = |a: &(Q, Q), b: &(Q, Q)| -> (Q, Q) {
            let t = &(top - &a.1) / &(&b.1 - &a.1);
            (&a.0 + &(&t * &(&b.0 - &a.0)), top.clone())
        };
        let here = (x, y);
        match &prev {
            Some(p) if p.1 <= *top && here.1 > *top => {
                current.push(cross(p, &here));
                if current.len() > 1 {
                    lines.push(std::mem::take(&mut current));
                }
                current.clear();
            }
            Some(p) if p.1 > *top && here.1 <= *top => {
                current.push(cross(p, &here));
                current.push(here.clone());
            }
            _ if here.1 <= *top => current.push(here.clone()),
            _ => {}
        }
        prev = Some(here);
    }
    if current.len() > 1 {
        lines.push(current);
    }
    lines
}

/// The picture of a curve: the exact risk, the infinite band shaded and
/// the threshold marked.
pub fn curve_figure(c: &Curve, caption: Prose) -> Figure {
    let first = c.points.first().map_or(0, |p| p.0);
    let last = c.points.last().map_or(first + 1, |p| p.0).max(first + 1);
    let top = y_top(c);
    let mut marks = Vec::new();
    let band: Vec<usize> = c.points.iter().filter(|(_, r)| r.is_none()).map(|(k, _)| *k).collect();
    if let (Some(lo), Some(hi)) = (band.first(), band.last()) {
        let (lo, hi) = (Q::from_int(*lo as i64), Q::from_int(*hi as i64));
        let zero = Q::zero();
        marks.push(Mark::Region {
            points: vec![(lo.clone(), zero.clone()), (hi.clone(), zero), (hi, top.clone()), (lo, top.clone())],
            role: Role::No,
            label: Some(math!("R = inf")),
        });
    }
    if (first..=last).contains(&c.fixed) {
        let var = Math::name(c.var.name());
        let other = Math::name(if c.var == SweepVar::N { "d" } else { "n" });
        marks.push(Mark::Rule {
            x: Q::from_int(c.fixed as i64),
            role: Role::Guide,
            label: Some(math!("#v = #o", v = var, o = other)),
        });
    }
    for line in clipped_lines(&c.points, &top) {
        marks.push(Mark::Line { points: line, role: Role::Main, label: None });
    }
    let panel = Panel {
        title: None,
        x: Axis {
            label: Math::name(c.var.name()),
            lo: Q::from_int(first as i64),
            hi: Q::from_int(last as i64),
            ticks: Vec::new(),
        },
        y: Axis { label: math!("R"), lo: Q::zero(), hi: top, ticks: Vec::new() },
        marks,
    };
    Figure { caption, panels: vec![panel], shows_answer: false }
}

/// "1–19 and 43–60" for runs of a range.
fn runs_text(runs: &[(usize, usize)], var: &str) -> Prose {
    let mut p = Prose::default();
    for (i, (a, b)) in runs.iter().enumerate() {
        if i > 0 {
            p.push_text(if i + 1 == runs.len() { " and " } else { ", " });
        }
        p.0.extend(prose!("$#v = #a, ..., #b$", v = Math::name(var), a = *a, b = *b).0);
    }
    p
}

fn explain_curve(c: &Curve, ring: &Ring) -> Result<Explanation, String> {
    let mut ex = Explanation::new();
    let noiseless = c.noise.is_zero();
    explain_derivation(&mut ex, noiseless);
    let (var, fixed_name, more) = match c.var {
        SweepVar::N => ("n", "d", "example"),
        _ => ("d", "n", "parameter"),
    };
    let v = Math::name(var);
    let f = Math::name(fixed_name);
    let mut table = Table {
        header: vec![prose!("$#v$", v = v.clone()), prose!("exact risk $R$"), prose!("decimal")],
        rows: Vec::new(),
    };
    for k in table_points(c) {
        if let Some((_, r)) = c.points.iter().find(|p| p.0 == k) {
            table.rows.push(vec![prose!("$#k$", k = k), risk_cell(r), decimal_cell(r)]);
        }
    }
    let first = c.points.first().map_or(0, |p| p.0);
    let last = c.points.last().map_or(0, |p| p.0);
    let shown = if table.rows.len() < c.points.len() {
        prose!(" (#s of the #t points; the picture has them all)", s = table.rows.len(), t = c.points.len())
    } else {
        Prose::default()
    };
    let mut intro = prose!(
        "The exact risk for $#v = #a, ..., #b$ at $#f = #m$, $sigma^2 = #s$ and $r^2 = #r$",
        v = v.clone(),
        a = first,
        b = last,
        f = f.clone(),
        m = c.fixed,
        s = c.noise.clone(),
        r = c.signal.clone()
    );
    intro.0.extend(shown.0);
    intro.push_text(":");
    ex.step(intro).table(table);
    let band: Vec<usize> = c.points.iter().filter(|(_, r)| r.is_none()).map(|(k, _)| *k).collect();
    let mut caption = prose!(
        "The exact risk $R$ of the minimum-norm fit over $#v$ at $#f = #m$",
        v = v.clone(),
        f = f.clone(),
        m = c.fixed
    );
    if let (Some(lo), Some(hi)) = (band.first(), band.last()) {
        caption.0.extend(
            prose!(
                "; it is infinite for $#v = #lo, ..., #hi$ (shaded), around the interpolation threshold \
                 $#v = #f$, and descends a second time beyond it.",
                v = v.clone(),
                lo = *lo,
                hi = *hi,
                f = f.clone()
            )
            .0,
        );
    } else {
        caption.push_text(".");
    }
    ex.step(prose!("The curve:")).figure(curve_figure(c, caption));
    let mut peak = if band.contains(&c.peak) {
        prose!(
            "The peak is the interpolation threshold $#v = #p$, where the fit first interpolates the training data; \
             the risk is infinite for $#v = #lo, ..., #hi$.",
            v = v.clone(),
            p = c.peak,
            lo = band.first().copied().unwrap_or(c.peak),
            hi = band.last().copied().unwrap_or(c.peak)
        )
    } else {
        let r = c.points.iter().find(|p| p.0 == c.peak).and_then(|p| p.1.clone()).unwrap_or_else(Q::zero);
        prose!("The largest risk in the range is $#r$, at $#v = #p$.", r = r, v = v.clone(), p = c.peak)
    };
    peak.push_text(" ");
    if c.hurts.is_empty() {
        peak.0.extend(prose!("No step to one more #w raises the risk in this range.", w = words(more)).0);
    } else {
        peak.0.extend(prose!("One more #w raises the risk at every step of ", w = words(more)).0);
        peak.0.extend(runs_text(&c.hurts, var).0);
        peak.push_text(".");
        if c.var == SweepVar::N {
            peak.push_text(" More data hurts there: just below the threshold an extra example makes the system closer to square and amplifies the noise.");
        } else {
            peak.0.extend(
                prose!(
                    " More parameters hurt there: below the threshold each feature adds variance, and far beyond \
                     it the bias $r^2 (1 - n/d)$ grows back toward $r^2$ faster than the variance falls."
                )
                .0,
            );
        }
    }
    ex.step(peak);
    if c.var != SweepVar::N {
        let (noise, signal) = (RatFunc::constant(c.noise.clone()), RatFunc::constant(c.signal.clone()));
        let lim = limits(&noise, &signal, ring)?;
        explain_limit(&mut ex, &lim, &noise, &signal, None);
    }
    Ok(ex)
}

fn words(s: &str) -> crate::language::math::Words {
    crate::language::math::words(s)
}

fn explain_simulated(s: &SimulatedCurve) -> Explanation {
    let mut ex = Explanation::new();
    ex.step(prose!(
        "Random ReLU features: draw a fixed random matrix $W in RR^(p times #d)$ and fit the minimum-norm \
         least-squares weights $a$ on the features $Phi = relu(X W^T)$ of the $n = #n$ training examples; the \
         targets are $y = X beta + epsilon$ with $sigma^2 = #s$ and $r^2 = #r$.",
        d = s.d,
        n = s.n,
        s = s.noise.clone(),
        r = s.signal.clone()
    ));
    ex.step(prose!(
        "No exact formula is claimed for this model. What is exact is where the peak must be: at $p = n = #n$ the \
         feature matrix $Phi$ is square, the fit interpolates the training data with no freedom left, and the \
         noise is amplified by the smallest singular value of $Phi$; below it the fit is a least-squares fit with \
         $p$ parameters, above it a minimum-norm interpolation. The risk over $p = #a, ..., #b$ is a simulation: \
         it peaks at the interpolation threshold $p = n$.",
        n = s.n,
        a = s.from,
        b = s.to
    ));
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    #[test]
    fn exact_values_by_hand() {
        // σ² d/(n − d − 1) = 5/4; 1·(1 − 1/2) + (1/4)·10/9 = 7/9; 1/6 + 10 = 61/6.
        assert_eq!(exact_risk(10, 5, &Q::one(), &Q::one()), Some(q(5, 4)));
        assert_eq!(exact_risk(10, 20, &q(1, 4), &Q::one()), Some(q(7, 9)));
        assert_eq!(exact_risk(10, 12, &Q::one(), &Q::one()), Some(q(61, 6)));
        for d in 9..=11 {
            assert_eq!(exact_risk(10, d, &Q::one(), &Q::one()), None, "d = {d}");
        }
        // Without noise the band is finite: 0 up to d = n, the bias beyond.
        assert_eq!(exact_risk(10, 10, &Q::zero(), &Q::one()), Some(Q::zero()));
        assert_eq!(exact_risk(10, 11, &Q::zero(), &q(11, 1)), Some(Q::one()));
    }

    #[test]
    fn the_limit_is_the_closed_form_in_gamma() {
        let ring = Ring::new();
        let s = RatFunc::var(ring.var(&Symbol::plain("s")));
        let r = RatFunc::var(ring.var(&Symbol::plain("r")));
        let l = limits(&s, &r, &ring).expect("limits");
        let g = RatFunc::var(l.gamma);
        let one = RatFunc::one();
        assert_eq!(l.under, &(&s * &g) / &(&one - &g));
        assert_eq!(l.over, &(&r * &(&one - &(&one / &g))) + &(&s / &(&g - &one)));
        // A function that grows has no limit.
        let n = ring.var(&Symbol::plain("n"));
        assert_eq!(limit_at_infinity(&RatFunc::var(n), n), None);
        assert_eq!(limit_at_infinity(&(&one / &RatFunc::var(n)), n), Some(RatFunc::zero()));
    }

    #[test]
    fn model_wise_curve_peak_and_ranges() {
        // n = 20, σ² = 1/4, r² = 1: rising up to the band, the band 19–21,
        // falling to a minimum at d = 42 (R(41) > R(42) < R(43)), then rising.
        let c = curve(SweepVar::D, 20, 1..=60, &q(1, 4), &Q::one());
        assert_eq!(c.peak, 20);
        assert_eq!(c.hurts, vec![(1, 19), (42, 60)]);
        let inf: Vec<usize> = c.points.iter().filter(|p| p.1.is_none()).map(|p| p.0).collect();
        assert_eq!(inf, vec![19, 20, 21]);
        // Sample-wise at d = 20: more data hurts from n = 9 to the band.
        let m = curve(SweepVar::N, 20, 1..=60, &q(1, 4), &Q::one());
        assert_eq!(m.hurts, vec![(9, 19)]);
        // Without noise nothing is infinite and the peak is the largest risk.
        let z = curve(SweepVar::D, 5, 1..=10, &Q::zero(), &Q::one());
        assert!(z.points.iter().all(|p| p.1.is_some()));
        assert_eq!(z.peak, 10);
    }

    #[test]
    fn clipped_lines_stop_at_the_top() {
        let pts =
            vec![(1, Some(q(1, 2))), (2, Some(Q::from_int(3))), (3, Some(q(1, 2))), (4, None), (5, Some(Q::one()))];
        let lines = clipped_lines(&pts, &Q::one());
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], vec![(Q::one(), q(1, 2)), (q(6, 5), Q::one())]);
        assert_eq!(lines[1], vec![(q(14, 5), Q::one()), (Q::from_int(3), q(1, 2))]);
    }
}
