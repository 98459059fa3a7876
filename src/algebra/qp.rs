//! Exact convex quadratic programming: minimize `Σⱼ wⱼ xⱼ² + cᵀx` (every
//! `wⱼ ≥ 0`) over the rows and bounds of an [`Lp`], over the rationals,
//! with an answer that carries its own proof.
//!
//! **Certificates.** As for linear programs ([`super::lp`]), take
//! multipliers `y`, one per row, `yᵢ ≤ 0` on `≤` rows, `yᵢ ≥ 0` on `≥`
//! rows, any sign on `=` rows, and `d = c − Aᵀy`. For every feasible `x`,
//!
//! ```text
//! f(x) = yᵀAx + Σⱼ (wⱼ xⱼ² + dⱼ xⱼ) ≥ bᵀy + Σⱼ min over lⱼ ≤ t ≤ uⱼ of (wⱼ t² + dⱼ t) = L(y),
//! ```
//!
//! row by row as for the LP and coordinate by coordinate: `wⱼ t² + dⱼ t`
//! is least at `−dⱼ / 2wⱼ` clamped into the bounds when `wⱼ > 0`, and at
//! the bound the sign of `dⱼ` points to when `wⱼ = 0`. Every such `y`
//! proves the lower bound `L(y)` ([`dual_bound`]), exactly and whether or
//! not it is optimal (weak duality); a feasible `x` with `f(x) = L(y)` is
//! optimal ([`verify`]). Infeasibility is proved by a Farkas certificate of
//! the rows and bounds, as for the LP.
//!
//! **Method.** [`solve`] needs every `wⱼ > 0` (strictly convex; the optimum
//! is then unique and rational: the projection onto a face). A feasible
//! start comes from the exact LP with zero cost, which also proves
//! infeasibility. From it the primal active-set method runs in exact
//! rationals (Nocedal and Wright, Algorithm 16.3): the working set `W` of
//! constraints held at equality; the minimizer on `{aₖᵀx = βₖ, k ∈ W}`
//! solves the KKT system `A_W (2D)⁻¹ A_Wᵀ λ = −(β_W + A_W (2D)⁻¹ c)`,
//! `x' = −(2D)⁻¹ (c + A_Wᵀ λ)`. If `x' ≠ x` the step toward `x'` stops at
//! the first constraint it would cross (the lowest-numbered on ties),
//! which joins `W`; otherwise, if some inequality of `W` has `λₖ < 0` the
//! lowest-numbered such leaves `W`, and if none does, `x` is optimal with
//! multipliers `λ`. A constraint joins only when the step moves along it,
//! so `A_W` keeps independent rows. The iterations are limited; past the
//! limit the solve is an error naming it. The answer is checked by
//! [`verify`] before it is returned.

use std::fmt;

use super::lp::{self, Limits, Lp, LpError, Outcome, Sense};
use super::rational::{Q, QSum};

/// A convex quadratic program: minimize `Σⱼ weights[j] xⱼ² + lp.cost · x`
/// over `lp`'s rows and bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Qp {
    pub lp: Lp,
    pub weights: Vec<Q>,
}

impl Qp {
    /// The objective at `x`.
    pub fn value(&self, x: &[Q]) -> Q {
        let mut s = QSum::new();
        for ((w, c), v) in self.weights.iter().zip(&self.lp.cost).zip(x) {
            if !w.is_zero() {
                s.add_product(w, &(v * v));
            }
            s.add_product(c, v);
        }
        s.value()
    }
}

/// The answer of [`solve`], each with its certificate.
#[derive(Clone, Debug, PartialEq)]
pub enum QpOutcome {
    /// `x` is feasible, `value = f(x)`, and `y` proves `L(y) = value`;
    /// `active` lists the rows and bounds held at equality in the end.
    Optimal { x: Vec<Q>, value: Q, y: Vec<Q>, active: Vec<Active> },
    /// `y` is a Farkas certificate of the rows and bounds.
    Infeasible { y: Vec<Q> },
}

/// A constraint of the final working set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Active {
    Row(usize),
    Lower(usize),
    Upper(usize),
}

/// What [`solve`] could not do.
#[derive(Clone, Debug, PartialEq)]
pub enum QpError {
    /// The active-set method took more iterations than allowed.
    IterationLimit(usize),
    /// The program is malformed or not strictly convex.
    Malformed(String),
    /// The linear program that finds a feasible start failed.
    Lp(LpError),
    /// A certificate did not check: a bug.
    Unchecked(String),
}

impl fmt::Display for QpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QpError::IterationLimit(n) => write!(f, "the exact active-set method needed more than {n} iterations"),
            QpError::Malformed(why) => write!(f, "malformed quadratic program: {why}"),
            QpError::Lp(e) => write!(f, "the feasible start: {e}"),
            QpError::Unchecked(why) => write!(f, "a certificate did not check ({why})"),
        }
    }
}

impl std::error::Error for QpError {}

/// Limits of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QpLimits {
    /// Iterations of the active-set method.
    pub iterations: usize,
    /// Pivots of the LP that finds a feasible start.
    pub pivots: usize,
}

impl Default for QpLimits {
    fn default() -> QpLimits {
        QpLimits { iterations: 10_000, pivots: 200_000 }
    }
}

// ---------------------------------------------------------------------------
// Certificates.

/// `L(y)`, the lower bound on the objective that multipliers `y` prove
/// (see the module documentation); `None` when `y` has a wrong sign on a
/// row, a weight is negative, or a linear term points at an absent bound.
pub fn dual_bound(qp: &Qp, y: &[Q]) -> Option<Q> {
    let lp = &qp.lp;
    if qp.weights.len() != lp.vars() {
        return None;
    }
    let (d, mut total) = super::lp::lagrangian(lp, y, false)?;
    for (j, dj) in d.iter().enumerate() {
        let dj = dj.value();
        let w = &qp.weights[j];
        match w.signum() {
            -1 => return None,
            0 => match dj.signum() {
                1 => total.add_product(&dj, lp.lower[j].as_ref()?),
                -1 => total.add_product(&dj, lp.upper[j].as_ref()?),
                _ => {}
            },
            _ => {
                // w t² + d t is least at −d / 2w, clamped into the bounds.
                let mut t = -(&dj / &(w + w));
                if let Some(l) = &lp.lower[j]
                    && t < *l
                {
                    t = l.clone();
                }
                if let Some(u) = &lp.upper[j]
                    && t > *u
                {
                    t = u.clone();
                }
                total.add_product(w, &(&t * &t));
                total.add_product(&dj, &t);
            }
        }
    }
    Some(total.value())
}

/// Checks an optimality certificate and returns the optimal value.
pub fn verify_optimal(qp: &Qp, x: &[Q], y: &[Q]) -> Result<Q, String> {
    lp::check_feasible(&qp.lp, x)?;
    let value = qp.value(x);
    let bound = dual_bound(qp, y).ok_or("the multipliers prove no bound")?;
    if bound != value {
        return Err(format!("the multipliers prove {bound}, the point reaches {value}"));
    }
    Ok(value)
}

/// Checks whichever certificate an outcome carries.
pub fn verify(qp: &Qp, outcome: &QpOutcome) -> Result<(), String> {
    match outcome {
        QpOutcome::Optimal { x, value, y, .. } => {
            let v = verify_optimal(qp, x, y)?;
            if &v != value { Err(format!("the stated value {value} is not f(x) = {v}")) } else { Ok(()) }
        }
        QpOutcome::Infeasible { y } => lp::verify_infeasible(&qp.lp, y),
    }
}

// ---------------------------------------------------------------------------
// The exact active-set method.

/// A constraint `aᵀx ≤ β` (or `= β`), from a row or a bound.
struct Con {
    a: Vec<(usize, Q)>,
    beta: Q,
    eq: bool,
    origin: Active,
    /// +1 when `a` is the row as written, −1 when negated (a `≥` row).
    sign: i32,
}

fn dot(a: &[(usize, Q)], x: &[Q]) -> Q {
    let mut s = QSum::new();
    for (j, v) in a {
        s.add_product(v, &x[*j]);
    }
    s.value()
}

/// Solves `m λ = r` by Gaussian elimination; `None` when `m` is singular.
fn solve_dense(mut m: Vec<Vec<Q>>, mut r: Vec<Q>) -> Option<Vec<Q>> {
    let n = r.len();
    for col in 0..n {
        let p = (col..n).find(|&i| !m[i][col].is_zero())?;
        m.swap(col, p);
        r.swap(col, p);
        let inv = m[col][col].inv()?;
        let pivot = m[col].clone();
        for i in 0..n {
            if i == col || m[i][col].is_zero() {
                continue;
            }
            let f = &m[i][col] * &inv;
            for (e, p) in m[i].iter_mut().zip(&pivot).skip(col) {
                if !p.is_zero() {
                    *e -= &(&f * p);
                }
            }
            let t = &f * &r[col];
            r[i] -= &t;
        }
    }
    Some((0..n).map(|i| &r[i] / &m[i][i]).collect())
}

/// The minimizer of `f` on `{aₖᵀx = βₖ, k ∈ w}` and its multipliers.
fn eqp(qp: &Qp, cons: &[Con], w: &[usize]) -> Result<(Vec<Q>, Vec<Q>), QpError> {
    let n = qp.lp.vars();
    // (2D)⁻¹ per variable.
    let h: Vec<Q> = qp.weights.iter().map(|v| (v + v).inv().expect("positive weights")).collect();
    let k = w.len();
    let mut m = vec![vec![Q::zero(); k]; k];
    let mut r = vec![Q::zero(); k];
    let dense: Vec<Vec<Q>> = w
        .iter()
        .map(|&i| {
            let mut d = vec![Q::zero(); n];
            for (j, v) in &cons[i].a {
                d[*j] = &h[*j] * v;
            }
            d
        })
        .collect();
    for (p, &i) in w.iter().enumerate() {
        for (s, &l) in w.iter().enumerate().skip(p) {
            let v = dot(&cons[l].a, &dense[p]);
            m[p][s] = v.clone();
            m[s][p] = v;
        }
        // −(β + a (2D)⁻¹ c)
        let mut t = QSum::from_q(&cons[i].beta);
        for (j, _) in &cons[i].a {
            t.add_product(&dense[p][*j], &qp.lp.cost[*j]);
        }
        r[p] = -t.value();
    }
    let lambda = solve_dense(m, r)
        .ok_or_else(|| QpError::Malformed("the constraints held at equality are linearly dependent".into()))?;
    let mut g: Vec<QSum> = qp.lp.cost.iter().map(QSum::from_q).collect();
    for (p, &i) in w.iter().enumerate() {
        for (j, v) in &cons[i].a {
            g[*j].add_product(v, &lambda[p]);
        }
    }
    let x = g.iter().zip(&h).map(|(gj, hj)| -(&gj.value() * hj)).collect();
    Ok((x, lambda))
}

/// Solves a strictly convex program exactly; see the module documentation.
pub fn solve(qp: &Qp, limits: QpLimits) -> Result<QpOutcome, QpError> {
    let lp = &qp.lp;
    let n = lp.vars();
    if qp.weights.len() != n || lp.lower.len() != n || lp.upper.len() != n {
        return Err(QpError::Malformed(format!("{} weights for {n} variables", qp.weights.len())));
    }
    if let Some(j) = qp.weights.iter().position(|w| w.signum() <= 0) {
        return Err(QpError::Malformed(format!("the weight of x[{j}] is not positive")));
    }
    if lp.rows.iter().any(|r| r.coeffs.iter().any(|(j, _)| *j >= n)) {
        return Err(QpError::Malformed("a row names a variable that does not exist".into()));
    }
    // A feasible start, or a proof that there is none.
    let mut phase1 = lp.clone();
    phase1.cost = vec![Q::zero(); n];
    let start = lp::solve(&phase1, Limits { pivots: limits.pivots }).map_err(QpError::Lp)?;
    let mut x = match start.outcome {
        Outcome::Infeasible { y } => {
            lp::verify_infeasible(lp, &y).map_err(QpError::Unchecked)?;
            return Ok(QpOutcome::Infeasible { y });
        }
        Outcome::Optimal { x, .. } | Outcome::Unbounded { x, .. } => x,
    };
    let mut cons: Vec<Con> = Vec::new();
    for (i, row) in lp.rows.iter().enumerate() {
        let (a, beta, sign) = match row.sense {
            Sense::Ge => (row.coeffs.iter().map(|(j, v)| (*j, -v)).collect(), -&row.rhs, -1),
            _ => (row.coeffs.clone(), row.rhs.clone(), 1),
        };
        cons.push(Con { a, beta, eq: row.sense == Sense::Eq, origin: Active::Row(i), sign });
    }
    for j in 0..n {
        if let Some(l) = &lp.lower[j] {
            cons.push(Con { a: vec![(j, Q::from_int(-1))], beta: -l, eq: false, origin: Active::Lower(j), sign: 1 });
        }
        if let Some(u) = &lp.upper[j] {
            cons.push(Con { a: vec![(j, Q::one())], beta: u.clone(), eq: false, origin: Active::Upper(j), sign: 1 });
        }
    }
    let mut w: Vec<usize> = (0..cons.len()).filter(|&i| cons[i].eq).collect();
    for _ in 0..limits.iterations {
        let (target, lambda) = eqp(qp, &cons, &w)?;
        let p: Vec<Q> = target.iter().zip(&x).map(|(t, v)| t - v).collect();
        if p.iter().all(Q::is_zero) {
            // Optimal unless some inequality's multiplier is negative.
            let leave = (0..w.len()).filter(|&s| !cons[w[s]].eq && lambda[s].is_negative()).min_by_key(|&s| w[s]);
            if let Some(s) = leave {
                w.remove(s);
                continue;
            }
            let mut y = vec![Q::zero(); lp.rows.len()];
            for (s, &i) in w.iter().enumerate() {
                if let Active::Row(r) = cons[i].origin {
                    // The LP convention: y = −λ on ≤ and = rows, λ on ≥ rows.
                    y[r] = if cons[i].sign > 0 { -&lambda[s] } else { lambda[s].clone() };
                }
            }
            let value = qp.value(&x);
            let active = w.iter().map(|&i| cons[i].origin).collect();
            let out = QpOutcome::Optimal { x, value, y, active };
            verify(qp, &out).map_err(QpError::Unchecked)?;
            return Ok(out);
        }
        // The step toward the target, stopped at the first constraint crossed.
        let mut alpha = Q::one();
        let mut block: Option<usize> = None;
        for (i, c) in cons.iter().enumerate() {
            if w.contains(&i) {
                continue;
            }
            let ap = dot(&c.a, &p);
            if ap.signum() <= 0 {
                continue;
            }
            let ratio = &(&c.beta - &dot(&c.a, &x)) / &ap;
            if ratio < alpha {
                alpha = ratio;
                block = Some(i);
            }
        }
        x = x.iter().zip(&p).map(|(v, d)| v + &(&alpha * d)).collect();
        if let Some(i) = block {
            w.push(i);
        }
    }
    Err(QpError::IterationLimit(limits.iterations))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    fn ones(n: usize) -> Vec<Q> {
        vec![Q::one(); n]
    }

    #[test]
    fn projection_onto_a_half_plane() {
        // min x² + y² with x + y ≥ 1: (1/2, 1/2), value 1/2, y = 1.
        let mut lp = Lp::new(2);
        lp.add_row(vec![(0, q(1)), (1, q(1))], Sense::Ge, q(1));
        let qp = Qp { lp, weights: ones(2) };
        let QpOutcome::Optimal { x, value, y, .. } = solve(&qp, QpLimits::default()).unwrap() else { panic!() };
        assert_eq!(x, vec![Q::new(1, 2), Q::new(1, 2)]);
        assert_eq!(value, Q::new(1, 2));
        assert_eq!(y, vec![q(1)]);
        // A smaller multiplier proves less, a wrong sign nothing.
        assert_eq!(dual_bound(&qp, &[Q::new(1, 2)]), Some(Q::new(3, 8)));
        assert_eq!(dual_bound(&qp, &[q(-1)]), None);
        assert!(
            verify(
                &qp,
                &QpOutcome::Optimal { x: x.clone(), value: value.clone(), y: vec![Q::new(1, 2)], active: vec![] }
            )
            .is_err()
        );
        assert!(
            verify(&qp, &QpOutcome::Optimal { x: vec![q(1), q(0)], value: q(1), y: vec![q(1)], active: vec![] })
                .is_err()
        );
    }

    #[test]
    fn degenerate_corners_and_bounds() {
        // min x² + y² with x ≥ 1, y ≥ 1, x + y ≥ 2 (three constraints
        // through the optimum (1, 1)) and x ≤ 5: value 2.
        let mut lp = Lp::new(0);
        lp.add_var(Some(q(1)), Some(q(5)), q(0));
        lp.add_var(None, None, q(0));
        lp.add_row(vec![(1, q(1))], Sense::Ge, q(1));
        lp.add_row(vec![(0, q(1)), (1, q(1))], Sense::Ge, q(2));
        lp.add_row(vec![(0, q(2)), (1, q(2))], Sense::Ge, q(4));
        let qp = Qp { lp, weights: ones(2) };
        let out = solve(&qp, QpLimits::default()).unwrap();
        let QpOutcome::Optimal { x, value, .. } = &out else { panic!() };
        assert_eq!((x.clone(), value.clone()), (vec![q(1), q(1)], q(2)));
        verify(&qp, &out).unwrap();
    }

    #[test]
    fn equality_like_pairs_and_a_linear_term() {
        // min 2x² + y² − 4y with x + y ≤ 1 and x + y ≥ 1 (a pair that is
        // an equality): on x = 1 − y, 2(1 − y)² + y² − 4y is least at
        // y = 4/3: (−1/3, 4/3), value 2/9 + 16/9 − 16/3 = −10/3.
        let mut lp = Lp::new(2);
        lp.cost = vec![q(0), q(-4)];
        lp.add_row(vec![(0, q(1)), (1, q(1))], Sense::Le, q(1));
        lp.add_row(vec![(0, q(1)), (1, q(1))], Sense::Ge, q(1));
        let qp = Qp { lp: lp.clone(), weights: vec![q(2), q(1)] };
        let out = solve(&qp, QpLimits::default()).unwrap();
        let QpOutcome::Optimal { x, value, .. } = &out else { panic!() };
        assert_eq!(x, &vec![Q::new(-1, 3), Q::new(4, 3)]);
        assert_eq!(value, &Q::new(-10, 3));
        // The same as one `=` row.
        let mut eq = Lp::new(2);
        eq.cost = lp.cost.clone();
        eq.add_row(vec![(0, q(1)), (1, q(1))], Sense::Eq, q(1));
        let out = solve(&Qp { lp: eq, weights: vec![q(2), q(1)] }, QpLimits::default()).unwrap();
        assert!(matches!(out, QpOutcome::Optimal { value, .. } if value == Q::new(-10, 3)));
    }

    #[test]
    fn infeasible_programs_are_proved_so() {
        let mut lp = Lp::new(0);
        lp.add_var(Some(q(0)), Some(q(1)), q(0));
        lp.add_row(vec![(0, q(1))], Sense::Ge, q(2));
        let qp = Qp { lp, weights: ones(1) };
        let out = solve(&qp, QpLimits::default()).unwrap();
        assert!(matches!(out, QpOutcome::Infeasible { .. }));
        verify(&qp, &out).unwrap();
        assert!(verify(&qp, &QpOutcome::Infeasible { y: vec![q(0)] }).is_err());
    }

    #[test]
    fn zero_weights_prove_bounds_but_are_not_solved() {
        // min x² with x − t ≥ 1, t in [0, 1]: x ≥ 1 + t ≥ 1, value 1.
        let mut lp = Lp::new(0);
        lp.add_var(None, None, q(0));
        lp.add_var(Some(q(0)), Some(q(1)), q(0));
        lp.add_row(vec![(0, q(1)), (1, q(-1))], Sense::Ge, q(1));
        let qp = Qp { lp, weights: vec![q(1), q(0)] };
        assert!(matches!(solve(&qp, QpLimits::default()), Err(QpError::Malformed(_))));
        assert_eq!(dual_bound(&qp, &[q(2)]), Some(q(1)));
        // Without the bound on t the same multiplier proves nothing.
        let mut free = qp.clone();
        free.lp.lower[1] = None;
        assert_eq!(dual_bound(&free, &[q(2)]), None);
    }

    #[test]
    fn the_iteration_limit_is_an_error_naming_it() {
        let mut lp = Lp::new(2);
        lp.add_row(vec![(0, q(1)), (1, q(1))], Sense::Ge, q(1));
        lp.add_row(vec![(0, q(1)), (1, q(-1))], Sense::Ge, q(1));
        let qp = Qp { lp, weights: ones(2) };
        let e = solve(&qp, QpLimits { iterations: 1, ..QpLimits::default() }).unwrap_err();
        assert_eq!(e, QpError::IterationLimit(1));
        assert!(e.to_string().contains("more than 1 iterations"));
    }
}
