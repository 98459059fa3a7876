//! Exact linear programming: minimize `cᵀx` subject to rows `aᵢᵀx ≤ bᵢ`,
//! `= bᵢ` or `≥ bᵢ` and bounds `lⱼ ≤ xⱼ ≤ uⱼ` (either side may be absent),
//! over the rationals, with an answer that carries its own proof.
//!
//! **Certificates.** Every answer comes with a certificate that
//! [`verify_optimal`], [`verify_infeasible`] and [`verify_unbounded`] check
//! in a few lines of exact arithmetic, independently of how it was found.
//! All three rest on one inequality. Take multipliers `y`, one per row,
//! with `yᵢ ≤ 0` on `≤` rows, `yᵢ ≥ 0` on `≥` rows and any sign on `=`
//! rows, and the reduced costs `d = c − Aᵀy`. For every feasible `x`,
//!
//! ```text
//! cᵀx = yᵀAx + dᵀx ≥ bᵀy + Σⱼ (dⱼ lⱼ if dⱼ > 0, dⱼ uⱼ if dⱼ < 0) = L(c, y),
//! ```
//!
//! since `yᵢ aᵢᵀx ≥ yᵢ bᵢ` row by row and `dⱼ xⱼ` is smallest at the bound
//! its sign points to ([`dual_bound`]; it is `−∞` when that bound is
//! absent). So `x` feasible with `cᵀx = L(c, y)` is optimal; `L(0, y) > 0`
//! proves that no `x` is feasible (Farkas's lemma); and a feasible `x` with a
//! ray `r` (`Ar` on the side of each row's sense, `r` pointing into every
//! bound, `cᵀr < 0`) proves the objective unbounded. Any `y` at all gives a
//! valid lower bound `L(c, y)`, which is how a branch and bound proves that
//! a node cannot beat its incumbent without solving the node exactly.
//!
//! **Method.** [`solve`] runs the bounded-variable primal simplex method in
//! floating point first, only to guess the final basis: the set of basic
//! columns and the bound each other column sits at. That basis is then
//! solved exactly, by sparse Gaussian elimination over the rationals
//! (primal values `B x_B = b − N x_N`, multipliers `Bᵀy = c_B`), and the
//! resulting certificate is checked. Floating point never reaches an
//! answer: if the guessed basis does not check, the same simplex runs again
//! in exact rationals from the start, with Dantzig's rule for its first
//! pivots and Bland's rule after (lowest eligible column enters, ties in the
//! ratio test go to the lowest basic column), which cannot cycle, so it
//! always ends. This is the scheme of exact LP solvers such as QSopt_ex and
//! SoPlex's iterative refinement, reduced to one refinement step.

use std::fmt;

use num_bigint::BigInt;

use super::rational::{Q, QSum};

/// The sense of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    Le,
    Eq,
    Ge,
}

/// One row `Σ coeff·x_var (sense) rhs`; variables absent have coefficient 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub coeffs: Vec<(usize, Q)>,
    pub sense: Sense,
    pub rhs: Q,
}

/// A linear program: minimize `cost · x` over the rows and bounds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lp {
    pub cost: Vec<Q>,
    pub lower: Vec<Option<Q>>,
    pub upper: Vec<Option<Q>>,
    pub rows: Vec<Row>,
}

impl Lp {
    /// A program in `n` variables, all free, with zero cost and no rows.
    pub fn new(n: usize) -> Lp {
        Lp { cost: vec![Q::zero(); n], lower: vec![None; n], upper: vec![None; n], rows: Vec::new() }
    }

    pub fn vars(&self) -> usize {
        self.cost.len()
    }

    /// Adds a variable with these bounds and cost; returns its index.
    pub fn add_var(&mut self, lower: Option<Q>, upper: Option<Q>, cost: Q) -> usize {
        self.cost.push(cost);
        self.lower.push(lower);
        self.upper.push(upper);
        self.cost.len() - 1
    }

    pub fn add_row(&mut self, coeffs: Vec<(usize, Q)>, sense: Sense, rhs: Q) {
        let coeffs = coeffs.into_iter().filter(|(_, a)| !a.is_zero()).collect();
        self.rows.push(Row { coeffs, sense, rhs });
    }
}

/// The answer of [`solve`], each with its certificate.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `x` is feasible, `value = cᵀx`, and `y` proves `L(c, y) = value`.
    Optimal { x: Vec<Q>, value: Q, y: Vec<Q> },
    /// `y` proves `L(0, y) > 0`: no `x` satisfies the rows and bounds.
    Infeasible { y: Vec<Q> },
    /// `x` is feasible and `x + θ ray` stays feasible for all `θ ≥ 0`
    /// while the objective falls without end.
    Unbounded { x: Vec<Q>, ray: Vec<Q> },
}

/// How [`solve`] reached its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The basis the floating-point simplex ended with checked exactly.
    GuessedBasis,
    /// The exact simplex ran from the start.
    ExactPivoting,
}

/// An answer, how it was found and the pivots it took.
#[derive(Clone, Debug, PartialEq)]
pub struct Solved {
    pub outcome: Outcome,
    pub route: Route,
    pub float_pivots: usize,
    pub exact_pivots: usize,
}

/// What [`solve`] could not do.
#[derive(Clone, Debug, PartialEq)]
pub enum LpError {
    /// The exact simplex took more pivots than allowed.
    PivotLimit(usize),
    /// The program is malformed (a variable index out of range, bounds
    /// of different lengths).
    Malformed(String),
    /// A certificate the exact simplex produced did not check: a bug.
    Unchecked(String),
}

impl fmt::Display for LpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LpError::PivotLimit(n) => write!(f, "the exact simplex needed more than {n} pivots"),
            LpError::Malformed(why) => write!(f, "malformed linear program: {why}"),
            LpError::Unchecked(why) => write!(f, "a certificate did not check ({why})"),
        }
    }
}

impl std::error::Error for LpError {}

// ---------------------------------------------------------------------------
// Certificates: the small, independent checker.

fn row_value(row: &Row, x: &[Q]) -> Q {
    row.coeffs.iter().map(|(j, a)| a * &x[*j]).sum()
}

/// Whether `x` satisfies every row and bound exactly; the first violation
/// otherwise.
pub fn check_feasible(lp: &Lp, x: &[Q]) -> Result<(), String> {
    if x.len() != lp.vars() {
        return Err(format!("x has {} entries, the program {} variables", x.len(), lp.vars()));
    }
    for (j, v) in x.iter().enumerate() {
        if lp.lower[j].as_ref().is_some_and(|l| v < l) || lp.upper[j].as_ref().is_some_and(|u| v > u) {
            return Err(format!("x[{j}] = {v} is outside its bounds"));
        }
    }
    for (i, row) in lp.rows.iter().enumerate() {
        let s = row_value(row, x);
        let ok = match row.sense {
            Sense::Le => s <= row.rhs,
            Sense::Eq => s == row.rhs,
            Sense::Ge => s >= row.rhs,
        };
        if !ok {
            return Err(format!("row {i} evaluates to {s}, against {}", row.rhs));
        }
    }
    Ok(())
}

/// The Lagrangian of the rows at multipliers `y`: the reduced costs
/// d = c − Aᵀy (c zero when `zero_cost`) and bᵀy, each a sum over one
/// denominator (see `QSum`: exact, one gcd per sum instead of one per
/// term); `None` when `y` has a wrong sign on some row.
pub(crate) fn lagrangian(lp: &Lp, y: &[Q], zero_cost: bool) -> Option<(Vec<QSum>, QSum)> {
    if y.len() != lp.rows.len() {
        return None;
    }
    let mut d: Vec<QSum> =
        if zero_cost { vec![QSum::new(); lp.vars()] } else { lp.cost.iter().map(QSum::from_q).collect() };
    let mut total = QSum::new();
    for (row, yi) in lp.rows.iter().zip(y) {
        let wrong = match row.sense {
            Sense::Le => yi.signum() > 0,
            Sense::Eq => false,
            Sense::Ge => yi.signum() < 0,
        };
        if wrong {
            return None;
        }
        if yi.is_zero() {
            continue;
        }
        total.add_product(&row.rhs, yi);
        let minus = -yi;
        for (j, a) in &row.coeffs {
            d.get_mut(*j)?.add_product(a, &minus);
        }
    }
    Some((d, total))
}

/// `L(c, y)` for `c = lp.cost` (or zero when `zero_cost`), the lower bound
/// on `cᵀx` over the feasible set that the multipliers `y` prove (see the
/// module documentation); `None` when `y` has a wrong sign on some row or a
/// reduced cost points at an absent bound (the bound is then `−∞`).
fn bound_of(lp: &Lp, y: &[Q], zero_cost: bool) -> Option<Q> {
    let (d, mut total) = lagrangian(lp, y, zero_cost)?;
    for (j, dj) in d.iter().enumerate() {
        let dj = dj.value();
        match dj.signum() {
            1 => total.add_product(&dj, lp.lower[j].as_ref()?),
            -1 => total.add_product(&dj, lp.upper[j].as_ref()?),
            _ => {}
        }
    }
    Some(total.value())
}

/// The lower bound `L(c, y)` on the objective that multipliers `y` prove,
/// if `y` proves one.
pub fn dual_bound(lp: &Lp, y: &[Q]) -> Option<Q> {
    bound_of(lp, y, false)
}

/// Checks an optimality certificate and returns the optimal value.
pub fn verify_optimal(lp: &Lp, x: &[Q], y: &[Q]) -> Result<Q, String> {
    check_feasible(lp, x)?;
    let value: Q = lp.cost.iter().zip(x).map(|(c, v)| c * v).sum();
    let bound = dual_bound(lp, y).ok_or("the multipliers prove no bound")?;
    if bound != value {
        return Err(format!("the multipliers prove {bound}, the point reaches {value}"));
    }
    Ok(value)
}

/// Checks a Farkas certificate of infeasibility.
pub fn verify_infeasible(lp: &Lp, y: &[Q]) -> Result<(), String> {
    match bound_of(lp, y, true) {
        Some(b) if b.signum() > 0 => Ok(()),
        Some(b) => Err(format!("the multipliers prove 0 ≥ {b}, no contradiction")),
        None => Err("the multipliers prove no bound".into()),
    }
}

/// Checks a certificate of unboundedness: a feasible point and a ray.
pub fn verify_unbounded(lp: &Lp, x: &[Q], ray: &[Q]) -> Result<(), String> {
    check_feasible(lp, x)?;
    if ray.len() != lp.vars() {
        return Err("the ray has the wrong length".into());
    }
    for (j, r) in ray.iter().enumerate() {
        if (r.signum() < 0 && lp.lower[j].is_some()) || (r.signum() > 0 && lp.upper[j].is_some()) {
            return Err(format!("the ray leaves the bounds of x[{j}]"));
        }
    }
    for (i, row) in lp.rows.iter().enumerate() {
        let s = row_value(row, ray).signum();
        let ok = match row.sense {
            Sense::Le => s <= 0,
            Sense::Eq => s == 0,
            Sense::Ge => s >= 0,
        };
        if !ok {
            return Err(format!("the ray leaves row {i}"));
        }
    }
    let slope: Q = lp.cost.iter().zip(ray).map(|(c, r)| c * r).sum();
    if slope.signum() >= 0 {
        return Err("the objective does not fall along the ray".into());
    }
    Ok(())
}

/// Checks whichever certificate an outcome carries.
pub fn verify(lp: &Lp, outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Optimal { x, value, y } => {
            let v = verify_optimal(lp, x, y)?;
            if &v != value { Err(format!("the stated value {value} is not cᵀx = {v}")) } else { Ok(()) }
        }
        Outcome::Infeasible { y } => verify_infeasible(lp, y),
        Outcome::Unbounded { x, ray } => verify_unbounded(lp, x, ray),
    }
}

// ---------------------------------------------------------------------------
// Floats to rationals.

/// The exact rational value of a finite float (every float is a dyadic
/// rational); `None` for NaN and infinities.
pub fn q_from_f64(v: f64) -> Option<Q> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(Q::zero());
    }
    let bits = v.to_bits();
    let sign = if bits >> 63 == 1 { -1 } else { 1 };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
    let n = BigInt::from(mant) * sign;
    Some(if e >= 0 {
        Q::from_bigints(n << e as usize, BigInt::from(1))
    } else {
        Q::from_bigints(n, BigInt::from(1) << (-e) as usize)
    })
}

/// `v` rounded to the nearest multiple of 2⁻³⁰ (kept small so that exact
/// arithmetic with it stays on the fast path); `None` unless finite and
/// below 2³⁰ in size.
pub fn q_round_f64(v: f64) -> Option<Q> {
    if !v.is_finite() || v.abs() >= (1u64 << 30) as f64 {
        return None;
    }
    let scaled = (v * (1u64 << 30) as f64).round() as i64;
    Some(Q::new(scaled, 1 << 30))
}

/// A lower bound on the objective proved by multipliers guessed in floating
/// point: each is rounded to a short dyadic rational, moved to the sign its
/// row allows, and the bound `L(c, y)` computed exactly. Returns the bound
/// and the exact multipliers (the certificate), or `None` when an unbounded
/// variable makes the bound `−∞`.
pub fn bound_from_float(lp: &Lp, y: &[f64], zero_cost: bool) -> Option<(Q, Vec<Q>)> {
    let y: Vec<Q> = lp
        .rows
        .iter()
        .zip(y)
        .map(|(row, &v)| {
            let v = match row.sense {
                Sense::Le => v.min(0.0),
                Sense::Ge => v.max(0.0),
                Sense::Eq => v,
            };
            q_round_f64(v)
        })
        .collect::<Option<_>>()?;
    bound_of(lp, &y, zero_cost).map(|b| (b, y))
}

// ---------------------------------------------------------------------------
// The bounded-variable simplex, generic over its numbers.

/// The arithmetic the simplex needs: exact for [`Q`], with a tolerance for
/// `f64`.
trait Num: Clone + fmt::Debug {
    fn zero() -> Self;
    fn one() -> Self;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    fn div(&self, o: &Self) -> Self;
    /// Clearly positive (beyond the tolerance, for floats).
    fn pos(&self) -> bool;
    fn neg(&self) -> bool;
    fn lt(&self, o: &Self) -> bool;
    fn from_q(q: &Q) -> Self;
    /// Whether pivoting switches to Bland's rule after this many pivots.
    const EXACT: bool;
}

const EPS: f64 = 1e-9;

impl Num for f64 {
    fn zero() -> f64 {
        0.0
    }
    fn one() -> f64 {
        1.0
    }
    fn add(&self, o: &f64) -> f64 {
        self + o
    }
    fn sub(&self, o: &f64) -> f64 {
        self - o
    }
    fn mul(&self, o: &f64) -> f64 {
        self * o
    }
    fn div(&self, o: &f64) -> f64 {
        self / o
    }
    fn pos(&self) -> bool {
        *self > EPS
    }
    fn neg(&self) -> bool {
        *self < -EPS
    }
    fn lt(&self, o: &f64) -> bool {
        self < o
    }
    fn from_q(q: &Q) -> f64 {
        q.to_f64()
    }
    const EXACT: bool = false;
}

impl Num for Q {
    fn zero() -> Q {
        Q::zero()
    }
    fn one() -> Q {
        Q::one()
    }
    fn add(&self, o: &Q) -> Q {
        self + o
    }
    fn sub(&self, o: &Q) -> Q {
        self - o
    }
    fn mul(&self, o: &Q) -> Q {
        self * o
    }
    fn div(&self, o: &Q) -> Q {
        self / o
    }
    fn pos(&self) -> bool {
        self.signum() > 0
    }
    fn neg(&self) -> bool {
        self.signum() < 0
    }
    fn lt(&self, o: &Q) -> bool {
        self < o
    }
    fn from_q(q: &Q) -> Q {
        q.clone()
    }
    const EXACT: bool = true;
}

/// Where a nonbasic column sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Lower,
    Upper,
    /// At 0, strictly inside its bounds (or free): it may move either way.
    Zero,
}

/// Column `j` of the internal form: structurals `0..n`, then one slack per
/// row (`aᵢᵀx + sᵢ = bᵢ`, `sᵢ ≥ 0` on `≤` rows, `≤ 0` on `≥` rows, `= 0` on
/// `=` rows), then artificials, one per row that needs one.
struct Tableau<T: Num> {
    m: usize,
    n: usize,
    /// `B⁻¹ [A I Art]`, dense, `m` rows.
    t: Vec<Vec<T>>,
    /// Reduced costs of every column.
    d: Vec<T>,
    lo: Vec<Option<T>>,
    hi: Vec<Option<T>>,
    basic: Vec<usize>,
    /// Position of each column: `Some(row)` when basic.
    row_of: Vec<Option<usize>>,
    at: Vec<At>,
    /// Values of the basic columns, by row.
    beta: Vec<T>,
    /// Artificial columns: (row, sign of its entry).
    arts: Vec<(usize, i32)>,
    pivots: usize,
}

/// The end of a simplex phase.
enum PhaseEnd {
    Optimal,
    /// Unbounded along entering column `j` moved in direction `dir`.
    Unbounded(usize, i32),
}

impl<T: Num> Tableau<T> {
    fn value_nonbasic(&self, j: usize) -> T {
        match self.at[j] {
            At::Lower => self.lo[j].clone().expect("at a finite lower bound"),
            At::Upper => self.hi[j].clone().expect("at a finite upper bound"),
            At::Zero => T::zero(),
        }
    }

    fn value(&self, j: usize) -> T {
        match self.row_of[j] {
            Some(r) => self.beta[r].clone(),
            None => self.value_nonbasic(j),
        }
    }

    fn columns(&self) -> usize {
        self.n + self.m + self.arts.len()
    }

    /// Builds the tableau with every structural at a bound (or 0 when
    /// free), slacks basic where their value fits, artificials elsewhere.
    fn new(lp: &Lp) -> Tableau<T> {
        let (n, m) = (lp.vars(), lp.rows.len());
        let mut lo: Vec<Option<T>> = lp.lower.iter().map(|b| b.as_ref().map(T::from_q)).collect();
        let mut hi: Vec<Option<T>> = lp.upper.iter().map(|b| b.as_ref().map(T::from_q)).collect();
        // Each structural starts at 0 when its bounds allow (most rows then
        // hold at once, and phase one is short), else at its nearer bound.
        let mut at: Vec<At> = (0..n)
            .map(|j| {
                let below = lp.lower[j].as_ref().is_some_and(|l| l.signum() > 0);
                let above = lp.upper[j].as_ref().is_some_and(|u| u.is_negative());
                if below {
                    At::Lower
                } else if above {
                    At::Upper
                } else {
                    At::Zero
                }
            })
            .collect();
        for row in &lp.rows {
            let (l, h) = match row.sense {
                Sense::Le => (Some(T::zero()), None),
                Sense::Ge => (None, Some(T::zero())),
                Sense::Eq => (Some(T::zero()), Some(T::zero())),
            };
            lo.push(l);
            hi.push(h);
            at.push(if matches!(row.sense, Sense::Ge) { At::Upper } else { At::Lower });
        }
        let xval = |j: usize, at: &[At], lo: &[Option<T>], hi: &[Option<T>]| match at[j] {
            At::Lower => lo[j].clone().unwrap(),
            At::Upper => hi[j].clone().unwrap(),
            At::Zero => T::zero(),
        };
        let mut arts = Vec::new();
        let mut basic = Vec::with_capacity(m);
        let mut beta = Vec::with_capacity(m);
        let mut signs = Vec::with_capacity(m);
        for (i, row) in lp.rows.iter().enumerate() {
            let mut s = T::from_q(&row.rhs);
            for (j, a) in &row.coeffs {
                s = s.sub(&T::from_q(a).mul(&xval(*j, &at, &lo, &hi)));
            }
            let fits = match row.sense {
                Sense::Le => !s.neg(),
                Sense::Ge => !s.pos(),
                Sense::Eq => !s.neg() && !s.pos(),
            };
            if fits {
                basic.push(n + i);
                beta.push(s);
                signs.push(1);
            } else {
                let sign = if s.neg() { -1 } else { 1 };
                arts.push((i, sign));
                basic.push(n + m + arts.len() - 1);
                // art = s / sign ≥ 0; the row is scaled by `sign` so that
                // the artificial's column is +eᵢ in the tableau.
                beta.push(if sign < 0 { T::zero().sub(&s) } else { s });
                signs.push(sign);
            }
        }
        for _ in &arts {
            lo.push(Some(T::zero()));
            hi.push(None);
            at.push(At::Lower);
        }
        let width = n + m + arts.len();
        let mut t = vec![vec![T::zero(); width]; m];
        for (i, row) in lp.rows.iter().enumerate() {
            let flip = signs[i] < 0;
            for (j, a) in &row.coeffs {
                let v = T::from_q(a);
                t[i][*j] = if flip { T::zero().sub(&v) } else { v };
            }
            t[i][n + i] = if flip { T::zero().sub(&T::one()) } else { T::one() };
        }
        for (k, &(i, _)) in arts.iter().enumerate() {
            t[i][n + m + k] = T::one();
        }
        let mut row_of = vec![None; width];
        for (i, &b) in basic.iter().enumerate() {
            row_of[b] = Some(i);
        }
        Tableau { m, n, t, d: vec![T::zero(); width], lo, hi, basic, row_of, at, beta, arts, pivots: 0 }
    }

    /// Sets the reduced costs for a cost vector over all columns.
    fn price(&mut self, cost: &[T]) {
        let mut d = cost.to_vec();
        for (i, &b) in self.basic.iter().enumerate() {
            let cb = &cost[b];
            if !cb.pos() && !cb.neg() && T::EXACT {
                continue;
            }
            for (dj, tij) in d.iter_mut().zip(&self.t[i]) {
                *dj = dj.sub(&cb.mul(tij));
            }
        }
        self.d = d;
    }

    /// Runs the simplex on the current costs until optimal or unbounded.
    fn run(&mut self, limit: usize) -> Result<PhaseEnd, usize> {
        let width = self.columns();
        loop {
            if self.pivots >= limit {
                return Err(limit);
            }
            let bland = self.pivots >= 2 * width + 50;
            // Entering column and its direction.
            let mut enter: Option<(usize, i32)> = None;
            let mut best = T::zero();
            for j in 0..width {
                if self.row_of[j].is_some() {
                    continue;
                }
                if let (Some(l), Some(h)) = (&self.lo[j], &self.hi[j])
                    && !l.lt(h)
                {
                    continue;
                }
                let dj = &self.d[j];
                let dir = if dj.neg() && matches!(self.at[j], At::Lower | At::Zero) {
                    1
                } else if dj.pos() && matches!(self.at[j], At::Upper | At::Zero) {
                    -1
                } else {
                    continue;
                };
                let size = if dir > 0 { T::zero().sub(dj) } else { dj.clone() };
                if enter.is_none() || (!bland && best.lt(&size)) {
                    enter = Some((j, dir));
                    best = size;
                    if bland {
                        break;
                    }
                }
            }
            let Some((j, dir)) = enter else { return Ok(PhaseEnd::Optimal) };
            // Ratio test.
            // The entering column's own bound limits the step too.
            let here = self.value_nonbasic(j);
            let mut step: Option<T> = if dir > 0 {
                self.hi[j].as_ref().map(|h| h.sub(&here))
            } else {
                self.lo[j].as_ref().map(|l| here.sub(l))
            };
            let mut leave: Option<(usize, bool)> = None; // (row, leaves at upper)
            for i in 0..self.m {
                let a = if dir > 0 { self.t[i][j].clone() } else { T::zero().sub(&self.t[i][j]) };
                let b = self.basic[i];
                let (limit_here, upper) = if a.pos() {
                    match &self.lo[b] {
                        Some(l) => (self.beta[i].sub(l).div(&a), false),
                        None => continue,
                    }
                } else if a.neg() {
                    match &self.hi[b] {
                        Some(h) => (h.sub(&self.beta[i]).div(&T::zero().sub(&a)), true),
                        None => continue,
                    }
                } else {
                    continue;
                };
                let limit_here = if limit_here.neg() { T::zero() } else { limit_here };
                let better = match &step {
                    None => true,
                    Some(s) => {
                        limit_here.lt(s) || (!s.lt(&limit_here) && leave.is_some_and(|(l, _)| b < self.basic[l]))
                    }
                };
                if better {
                    step = Some(limit_here);
                    leave = Some((i, upper));
                }
            }
            let Some(theta) = step else { return Ok(PhaseEnd::Unbounded(j, dir)) };
            self.pivots += 1;
            // Move the basic values.
            let signed = if dir > 0 { theta.clone() } else { T::zero().sub(&theta) };
            for i in 0..self.m {
                let a = &self.t[i][j];
                if a.pos() || a.neg() {
                    self.beta[i] = self.beta[i].sub(&a.mul(&signed));
                }
            }
            let entering_value = self.value_nonbasic(j).add(&signed);
            match leave {
                None => {
                    // A bound flip.
                    self.at[j] = if dir > 0 { At::Upper } else { At::Lower };
                }
                Some((r, upper)) => {
                    let b = self.basic[r];
                    self.at[b] = if upper { At::Upper } else { At::Lower };
                    self.row_of[b] = None;
                    self.pivot(r, j);
                    self.basic[r] = j;
                    self.row_of[j] = Some(r);
                    self.beta[r] = entering_value;
                }
            }
        }
    }

    fn pivot(&mut self, r: usize, j: usize) {
        let p = self.t[r][j].clone();
        let inv = T::one().div(&p);
        for x in self.t[r].iter_mut() {
            if x.pos() || x.neg() {
                *x = x.mul(&inv);
            } else if !T::EXACT {
                *x = T::zero();
            }
        }
        let row = self.t[r].clone();
        let support: Vec<usize> = (0..row.len()).filter(|&c| row[c].pos() || row[c].neg()).collect();
        let eliminate = |target: &mut Vec<T>| {
            let f = target[j].clone();
            if !f.pos() && !f.neg() {
                return;
            }
            for &c in &support {
                target[c] = target[c].sub(&f.mul(&row[c]));
            }
            target[j] = T::zero();
        };
        for (i, other) in self.t.iter_mut().enumerate() {
            if i != r {
                eliminate(other);
            }
        }
        eliminate(&mut self.d);
    }

    /// The multipliers `yᵢ = −d(slackᵢ)` (a slack column has cost 0 and
    /// column eᵢ, so its reduced cost is −yᵢ).
    fn multipliers(&self) -> Vec<T> {
        (0..self.m).map(|i| T::zero().sub(&self.d[self.n + i])).collect()
    }
}

/// The final state of a simplex run on one program.
struct Run<T: Num> {
    tab: Tableau<T>,
    status: RunStatus,
}

#[derive(Clone, Copy, Debug)]
enum RunStatus {
    Optimal,
    Infeasible,
    Unbounded(usize, i32),
}

fn simplex<T: Num>(lp: &Lp, limit: usize) -> Result<Run<T>, usize> {
    let mut tab = Tableau::<T>::new(lp);
    let width = tab.columns();
    let (n, m) = (tab.n, tab.m);
    if !tab.arts.is_empty() {
        let mut cost = vec![T::zero(); width];
        for c in cost.iter_mut().skip(n + m) {
            *c = T::one();
        }
        tab.price(&cost);
        tab.run(limit)?;
        let infeasibility = (n + m..width).fold(T::zero(), |s, j| s.add(&tab.value(j)));
        if infeasibility.pos() {
            return Ok(Run { tab, status: RunStatus::Infeasible });
        }
        // Artificials stay at 0 from now on.
        for j in n + m..width {
            tab.hi[j] = Some(T::zero());
        }
    }
    let mut cost = vec![T::zero(); width];
    for (c, q) in cost.iter_mut().zip(&lp.cost) {
        *c = T::from_q(q);
    }
    tab.price(&cost);
    let status = match tab.run(limit)? {
        PhaseEnd::Optimal => RunStatus::Optimal,
        PhaseEnd::Unbounded(j, dir) => RunStatus::Unbounded(j, dir),
    };
    Ok(Run { tab, status })
}

// ---------------------------------------------------------------------------
// Exact solution of a guessed basis.

/// Solves the square sparse system `M z = r` exactly, `M` given by its
/// rows; `None` when `M` is singular. Pivots are chosen to keep the rows
/// sparse (shortest row first, then its least used column).
fn sparse_solve(mut rows: Vec<Vec<(usize, Q)>>, mut rhs: Vec<Q>) -> Option<Vec<Q>> {
    let m = rows.len();
    let mut col_count = vec![0usize; m];
    for row in &rows {
        for (c, _) in row {
            col_count[*c] += 1;
        }
    }
    let mut done = vec![false; m];
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(m);
    for _ in 0..m {
        let r = (0..m).filter(|&i| !done[i]).min_by_key(|&i| rows[i].len())?;
        let (c, _) = rows[r].iter().min_by_key(|(c, _)| col_count[*c])?.clone();
        done[r] = true;
        let pivot_row = rows[r].clone();
        let p = pivot_row.iter().find(|(cc, _)| *cc == c).map(|(_, v)| v.clone())?;
        let pr = rhs[r].clone();
        for i in 0..m {
            if done[i] {
                continue;
            }
            let Ok(pos) = rows[i].binary_search_by_key(&c, |(cc, _)| *cc) else { continue };
            let f = &rows[i][pos].1 / &p;
            // rows[i] −= f · pivot_row, merged.
            let mut merged = Vec::with_capacity(rows[i].len() + pivot_row.len());
            let (a, b) = (&rows[i], &pivot_row);
            let (mut x, mut y) = (0, 0);
            while x < a.len() || y < b.len() {
                if y == b.len() || (x < a.len() && a[x].0 < b[y].0) {
                    merged.push(a[x].clone());
                    x += 1;
                } else if x == a.len() || b[y].0 < a[x].0 {
                    col_count[b[y].0] += 1;
                    merged.push((b[y].0, -(&f * &b[y].1)));
                    y += 1;
                } else {
                    let v = &a[x].1 - &(&f * &b[y].1);
                    if v.is_zero() {
                        col_count[a[x].0] -= 1;
                    } else {
                        merged.push((a[x].0, v));
                    }
                    x += 1;
                    y += 1;
                }
            }
            rows[i] = merged;
            rhs[i] = &rhs[i] - &(&f * &pr);
        }
        for (cc, _) in &pivot_row {
            col_count[*cc] -= 1;
        }
        order.push((r, c));
    }
    let mut z = vec![Q::zero(); m];
    for &(r, c) in order.iter().rev() {
        let mut s = rhs[r].clone();
        let mut p = Q::zero();
        for (cc, v) in &rows[r] {
            if *cc == c {
                p = v.clone();
            } else {
                s -= &(v * &z[*cc]);
            }
        }
        z[c] = &s / &p;
    }
    Some(z)
}

/// The column of internal column `j` (structural or slack), sparse by row.
fn internal_column(lp: &Lp, j: usize, by_col: &[Vec<(usize, Q)>]) -> Vec<(usize, Q)> {
    let n = lp.vars();
    if j < n { by_col[j].clone() } else { vec![(j - n, Q::one())] }
}

/// The basis a floating-point run ended with: its basic columns, where
/// each other column sits, and how the run ended. [`solve_from`] solves
/// it exactly.
#[derive(Clone, Debug)]
pub struct Basis {
    n: usize,
    m: usize,
    basic: Vec<usize>,
    at: Vec<At>,
    arts: Vec<(usize, i32)>,
    status: RunStatus,
}

impl Basis {
    fn of(run: &Run<f64>) -> Basis {
        let tab = &run.tab;
        Basis {
            n: tab.n,
            m: tab.m,
            basic: tab.basic.clone(),
            at: tab.at.clone(),
            arts: tab.arts.clone(),
            status: run.status,
        }
    }
}

/// Solves the basis a floating-point run ended with, exactly, and returns
/// its certificate if it checks.
fn exact_from_basis(lp: &Lp, tab: &Basis) -> Option<Outcome> {
    let (n, m) = (tab.n, tab.m);
    let mut by_col: Vec<Vec<(usize, Q)>> = vec![Vec::new(); n];
    for (i, row) in lp.rows.iter().enumerate() {
        for (j, a) in &row.coeffs {
            by_col[*j].push((i, a.clone()));
        }
    }
    let phase_one = matches!(tab.status, RunStatus::Infeasible);
    // Basic columns, with artificials: an artificial of row i has column
    // σᵢ eᵢ in the original scaling.
    let basic: Vec<usize> = tab.basic.clone();
    let column = |j: usize| -> Vec<(usize, Q)> {
        if j < n + m {
            internal_column(lp, j, &by_col)
        } else {
            let (i, s) = tab.arts[j - n - m];
            vec![(i, Q::from_int(s as i64))]
        }
    };
    let cols: Vec<Vec<(usize, Q)>> = basic.iter().map(|&j| column(j)).collect();
    if phase_one {
        // Multipliers of phase one: Bᵀ y = c_B with cost 1 on artificials.
        let mut rows_t: Vec<Vec<(usize, Q)>> = cols.clone();
        for r in rows_t.iter_mut() {
            r.sort_by_key(|(i, _)| *i);
        }
        let cb: Vec<Q> = basic.iter().map(|&j| if j >= n + m { Q::one() } else { Q::zero() }).collect();
        let y = sparse_solve(rows_t, cb)?;
        return verify_infeasible(lp, &y).ok().map(|_| Outcome::Infeasible { y });
    }
    if !matches!(tab.status, RunStatus::Optimal) {
        return None;
    }
    // Artificials left basic (at 0) are replaced by their row's slack.
    let basic: Vec<usize> = basic.iter().map(|&j| if j >= n + m { n + tab.arts[j - n - m].0 } else { j }).collect();
    let mut is_basic = vec![false; n + m];
    for &j in &basic {
        if is_basic[j] {
            return None;
        }
        is_basic[j] = true;
    }
    // Nonbasic values, exactly.
    let nonbasic_value = |j: usize| -> Option<Q> {
        let (lo, hi) = if j < n {
            (lp.lower[j].clone(), lp.upper[j].clone())
        } else {
            match lp.rows[j - n].sense {
                Sense::Le => (Some(Q::zero()), None),
                Sense::Ge => (None, Some(Q::zero())),
                Sense::Eq => (Some(Q::zero()), Some(Q::zero())),
            }
        };
        match tab.at[j] {
            At::Lower => lo.or(hi),
            At::Upper => hi.or(lo),
            At::Zero => Some(Q::zero()),
        }
    };
    let mut rhs: Vec<Q> = lp.rows.iter().map(|r| r.rhs.clone()).collect();
    let mut values = vec![Q::zero(); n + m];
    for j in 0..n + m {
        if is_basic[j] {
            continue;
        }
        let v = nonbasic_value(j)?;
        if !v.is_zero() {
            for (i, a) in column(j) {
                rhs[i] = &rhs[i] - &(&a * &v);
            }
        }
        values[j] = v;
    }
    // B x_B = rhs: rows of B from its columns.
    let mut brows: Vec<Vec<(usize, Q)>> = vec![Vec::new(); m];
    for (k, &j) in basic.iter().enumerate() {
        for (i, a) in column(j) {
            brows[i].push((k, a));
        }
    }
    for r in brows.iter_mut() {
        r.sort_by_key(|(k, _)| *k);
    }
    let xb = sparse_solve(brows, rhs)?;
    for (k, &j) in basic.iter().enumerate() {
        values[j] = xb[k].clone();
    }
    let x: Vec<Q> = values[..n].to_vec();
    // Bᵀ y = c_B.
    let mut rows_t: Vec<Vec<(usize, Q)>> = basic.iter().map(|&j| column(j)).collect();
    for r in rows_t.iter_mut() {
        r.sort_by_key(|(i, _)| *i);
    }
    let cb: Vec<Q> = basic.iter().map(|&j| if j < n { lp.cost[j].clone() } else { Q::zero() }).collect();
    let y = sparse_solve(rows_t, cb)?;
    let value = verify_optimal(lp, &x, &y).ok()?;
    Some(Outcome::Optimal { x, value, y })
}

/// The exact outcome of an exact run.
fn outcome_of(lp: &Lp, run: &Run<Q>) -> Outcome {
    let tab = &run.tab;
    let n = tab.n;
    let x: Vec<Q> = (0..n).map(|j| tab.value(j)).collect();
    match run.status {
        RunStatus::Optimal => {
            let value = lp.cost.iter().zip(&x).map(|(c, v)| c * v).sum();
            Outcome::Optimal { x, value, y: tab.multipliers() }
        }
        RunStatus::Infeasible => Outcome::Infeasible { y: tab.multipliers() },
        RunStatus::Unbounded(j, dir) => {
            let mut ray = vec![Q::zero(); n];
            let s = Q::from_int(dir as i64);
            if j < n {
                ray[j] = s.clone();
            }
            for (i, &b) in tab.basic.iter().enumerate() {
                if b < n {
                    ray[b] = -(&tab.t[i][j] * &s);
                }
            }
            Outcome::Unbounded { x, ray }
        }
    }
}

/// Limits for [`solve`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Pivots of the exact simplex (the floating-point run gets as many).
    pub pivots: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { pivots: 100_000 }
    }
}

fn well_formed(lp: &Lp) -> Result<(), LpError> {
    let n = lp.vars();
    if lp.lower.len() != n || lp.upper.len() != n {
        return Err(LpError::Malformed("one lower and one upper bound per variable".into()));
    }
    for (i, row) in lp.rows.iter().enumerate() {
        if let Some((j, _)) = row.coeffs.iter().find(|(j, _)| *j >= n) {
            return Err(LpError::Malformed(format!("row {i} names variable {j} of {n}")));
        }
        let mut seen: Vec<usize> = row.coeffs.iter().map(|(j, _)| *j).collect();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(LpError::Malformed(format!("row {i} names a variable twice")));
        }
    }
    for j in 0..n {
        if let (Some(l), Some(u)) = (&lp.lower[j], &lp.upper[j])
            && l > u
        {
            return Err(LpError::Malformed(format!("variable {j} has lower bound {l} above upper bound {u}")));
        }
    }
    Ok(())
}

/// A floating-point solution, for callers that only need a guess (a
/// branch and bound's lower bounds go through [`bound_from_float`]).
#[derive(Clone, Debug)]
pub struct FloatSolution {
    pub status: FloatStatus,
    pub x: Vec<f64>,
    /// Multipliers: of the program at an optimum, of phase one when
    /// infeasible.
    pub y: Vec<f64>,
    pub value: f64,
    pub pivots: usize,
    /// The final basis, for [`solve_from`].
    pub basis: Basis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatStatus {
    Optimal,
    Infeasible,
    Unbounded,
}

/// The floating-point simplex alone.
pub fn solve_float(lp: &Lp, limits: Limits) -> Result<FloatSolution, LpError> {
    well_formed(lp)?;
    let run = simplex::<f64>(lp, limits.pivots).map_err(LpError::PivotLimit)?;
    Ok(float_solution(lp, &run))
}

fn float_solution(lp: &Lp, run: &Run<f64>) -> FloatSolution {
    let x: Vec<f64> = (0..run.tab.n).map(|j| run.tab.value(j)).collect();
    let value = lp.cost.iter().zip(&x).map(|(c, v)| c.to_f64() * v).sum();
    let status = match run.status {
        RunStatus::Optimal => FloatStatus::Optimal,
        RunStatus::Infeasible => FloatStatus::Infeasible,
        RunStatus::Unbounded(..) => FloatStatus::Unbounded,
    };
    FloatSolution { status, x, y: run.tab.multipliers(), value, pivots: run.tab.pivots, basis: Basis::of(run) }
}

/// Solves a linear program exactly; see the module documentation. Every
/// outcome returned has passed [`verify`].
pub fn solve(lp: &Lp, limits: Limits) -> Result<Solved, LpError> {
    well_formed(lp)?;
    let mut float_pivots = 0;
    if let Ok(run) = simplex::<f64>(lp, limits.pivots) {
        float_pivots = run.tab.pivots;
        if let Some(outcome) = exact_from_basis(lp, &Basis::of(&run)) {
            return Ok(Solved { outcome, route: Route::GuessedBasis, float_pivots, exact_pivots: 0 });
        }
    }
    solve_exact_pivoting(lp, limits).map(|mut s| {
        s.float_pivots = float_pivots;
        s
    })
}

/// [`solve`] with the floating-point run already done: `fs` is what
/// [`solve_float`] gave for this same program. Its basis is solved
/// exactly; if that does not check, the exact simplex runs from the start.
pub fn solve_from(lp: &Lp, fs: &FloatSolution, limits: Limits) -> Result<Solved, LpError> {
    well_formed(lp)?;
    if fs.basis.n == lp.vars()
        && fs.basis.m == lp.rows.len()
        && let Some(outcome) = exact_from_basis(lp, &fs.basis)
    {
        return Ok(Solved { outcome, route: Route::GuessedBasis, float_pivots: fs.pivots, exact_pivots: 0 });
    }
    solve_exact_pivoting(lp, limits).map(|mut s| {
        s.float_pivots = fs.pivots;
        s
    })
}

/// The exact simplex alone, without a guessed basis.
pub fn solve_exact_pivoting(lp: &Lp, limits: Limits) -> Result<Solved, LpError> {
    well_formed(lp)?;
    let run = simplex::<Q>(lp, limits.pivots).map_err(LpError::PivotLimit)?;
    let outcome = outcome_of(lp, &run);
    verify(lp, &outcome).map_err(LpError::Unchecked)?;
    Ok(Solved { outcome, route: Route::ExactPivoting, float_pivots: 0, exact_pivots: run.tab.pivots })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    #[test]
    fn a_small_program_is_solved_with_its_certificate() {
        // min −x − y, x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0: optimum at (8/5, 6/5).
        let mut lp = Lp::new(0);
        let x = lp.add_var(Some(q(0)), None, q(-1));
        let y = lp.add_var(Some(q(0)), None, q(-1));
        lp.add_row(vec![(x, q(1)), (y, q(2))], Sense::Le, q(4));
        lp.add_row(vec![(x, q(3)), (y, q(1))], Sense::Le, q(6));
        for s in [solve(&lp, Limits::default()).unwrap(), solve_exact_pivoting(&lp, Limits::default()).unwrap()] {
            match &s.outcome {
                Outcome::Optimal { x, value, .. } => {
                    assert_eq!(x, &vec![Q::new(8, 5), Q::new(6, 5)]);
                    assert_eq!(value, &Q::new(-14, 5));
                }
                other => panic!("{other:?}"),
            }
            verify(&lp, &s.outcome).unwrap();
        }
    }

    #[test]
    fn infeasible_and_unbounded_programs_are_proved_so() {
        let mut lp = Lp::new(0);
        let x = lp.add_var(Some(q(0)), Some(q(1)), q(0));
        lp.add_row(vec![(x, q(1))], Sense::Ge, q(2));
        let s = solve(&lp, Limits::default()).unwrap();
        assert!(matches!(s.outcome, Outcome::Infeasible { .. }));
        verify(&lp, &s.outcome).unwrap();

        let mut lp = Lp::new(0);
        let x = lp.add_var(None, None, q(-1));
        let y = lp.add_var(Some(q(0)), None, q(0));
        lp.add_row(vec![(x, q(1)), (y, q(-1))], Sense::Le, q(3));
        let s = solve(&lp, Limits::default()).unwrap();
        assert!(matches!(s.outcome, Outcome::Unbounded { .. }), "{s:?}");
        verify(&lp, &s.outcome).unwrap();
    }

    #[test]
    fn wrong_certificates_are_rejected() {
        let mut lp = Lp::new(0);
        let x = lp.add_var(Some(q(0)), None, q(1));
        lp.add_row(vec![(x, q(1))], Sense::Ge, q(2));
        // The optimum is x = 2 with y = 1.
        assert_eq!(verify_optimal(&lp, &[q(2)], &[q(1)]), Ok(q(2)));
        // A worse point with the same multipliers does not close the gap.
        assert!(verify_optimal(&lp, &[q(3)], &[q(1)]).is_err());
        // Multipliers of the wrong sign prove nothing.
        assert!(verify_optimal(&lp, &[q(2)], &[q(-1)]).is_err());
        // An infeasible point is no optimum.
        assert!(verify_optimal(&lp, &[q(1)], &[q(1)]).is_err());
        // A feasible program has no Farkas certificate.
        assert!(verify_infeasible(&lp, &[q(1)]).is_err());
        assert!(verify_infeasible(&lp, &[q(5)]).is_err());
    }

    #[test]
    fn floats_convert_exactly() {
        assert_eq!(q_from_f64(0.375), Some(Q::new(3, 8)));
        assert_eq!(q_from_f64(-6.0), Some(q(-6)));
        assert_eq!(q_from_f64(f64::NAN), None);
        assert_eq!(q_round_f64(0.5), Some(Q::new(1, 2)));
    }

    #[test]
    fn degenerate_programs_end() {
        // Many constraints through the optimum (0, 0).
        let mut lp = Lp::new(0);
        let x = lp.add_var(None, None, q(1));
        let y = lp.add_var(None, None, q(1));
        for (a, b) in [(1, 0), (0, 1), (1, 1), (2, 1), (1, 2), (3, 1)] {
            lp.add_row(vec![(x, q(a)), (y, q(b))], Sense::Ge, q(0));
        }
        for s in [solve(&lp, Limits::default()).unwrap(), solve_exact_pivoting(&lp, Limits::default()).unwrap()] {
            match &s.outcome {
                Outcome::Optimal { value, .. } => assert_eq!(value, &q(0)),
                other => panic!("{other:?}"),
            }
        }
    }

    /// Solves a square system by Gaussian elimination with rational
    /// pivots, written apart from the solver's own elimination.
    fn gauss(mut a: Vec<Vec<Q>>, mut b: Vec<Q>) -> Option<Vec<Q>> {
        let n = b.len();
        for c in 0..n {
            let p = (c..n).find(|&r| !a[r][c].is_zero())?;
            a.swap(c, p);
            b.swap(c, p);
            for r in 0..n {
                if r != c && !a[r][c].is_zero() {
                    let f = &a[r][c] / &a[c][c];
                    let pivot_row = a[c].clone();
                    for (x, p) in a[r].iter_mut().zip(&pivot_row) {
                        *x = &*x - &(&f * p);
                    }
                    b[r] = &b[r] - &(&f * &b[c]);
                }
            }
        }
        Some((0..n).map(|i| &b[i] / &a[i][i]).collect())
    }

    /// The optimum by brute force: every vertex (n tight constraints among
    /// the rows and bounds) that is feasible; `None` when none is (every
    /// variable is bounded, so a feasible program has an optimal vertex).
    fn brute_force(lp: &Lp) -> Option<Q> {
        let n = lp.vars();
        let mut planes: Vec<(Vec<Q>, Q)> = Vec::new();
        for row in &lp.rows {
            let mut a = vec![Q::zero(); n];
            for (j, v) in &row.coeffs {
                a[*j] = v.clone();
            }
            planes.push((a, row.rhs.clone()));
        }
        for j in 0..n {
            for b in [&lp.lower[j], &lp.upper[j]].into_iter().flatten() {
                let mut a = vec![Q::zero(); n];
                a[j] = Q::one();
                planes.push((a, b.clone()));
            }
        }
        let mut best: Option<Q> = None;
        let k = planes.len();
        let mut pick: Vec<usize> = (0..n).collect();
        loop {
            let a = pick.iter().map(|&p| planes[p].0.clone()).collect();
            let b = pick.iter().map(|&p| planes[p].1.clone()).collect();
            if let Some(x) = gauss(a, b)
                && check_feasible(lp, &x).is_ok()
            {
                let v: Q = lp.cost.iter().zip(&x).map(|(c, v)| c * v).sum();
                if best.as_ref().is_none_or(|b| v < *b) {
                    best = Some(v);
                }
            }
            // Next combination of n planes out of k.
            let mut i = n;
            while i > 0 && pick[i - 1] == k - n + i - 1 {
                i -= 1;
            }
            if i == 0 {
                return best;
            }
            pick[i - 1] += 1;
            for t in i..n {
                pick[t] = pick[t - 1] + 1;
            }
        }
    }

    use proptest::prelude::*;

    fn small_lp() -> impl Strategy<Value = Lp> {
        (1usize..4, 0usize..5).prop_flat_map(|(n, m)| {
            let coeff = -3i64..4;
            (
                proptest::collection::vec(coeff.clone(), n),
                proptest::collection::vec((-4i64..1, 0i64..5), n),
                proptest::collection::vec((proptest::collection::vec(coeff.clone(), n), 0usize..3, -6i64..7), m),
            )
                .prop_map(move |(cost, bounds, rows)| {
                    let mut lp = Lp::new(0);
                    for (c, (l, u)) in cost.iter().zip(&bounds) {
                        lp.add_var(Some(q(*l)), Some(q(*u)), q(*c));
                    }
                    for (a, sense, b) in rows {
                        let sense = [Sense::Le, Sense::Eq, Sense::Ge][sense];
                        lp.add_row(a.iter().enumerate().map(|(j, v)| (j, q(*v))).collect(), sense, q(b));
                    }
                    lp
                })
        })
    }

    proptest! {
        #[test]
        fn optima_agree_with_brute_force_over_vertices(lp in small_lp()) {
            let expected = brute_force(&lp);
            for s in [solve(&lp, Limits::default()).unwrap(), solve_exact_pivoting(&lp, Limits::default()).unwrap()] {
                prop_assert!(verify(&lp, &s.outcome).is_ok());
                match (&s.outcome, &expected) {
                    (Outcome::Optimal { value, .. }, Some(v)) => prop_assert_eq!(value, v),
                    (Outcome::Infeasible { .. }, None) => {}
                    (o, e) => prop_assert!(false, "{:?} against {:?}", o, e),
                }
            }
        }
    }
}
