//! The smallest perturbation that changes a ReLU network's class, proved
//! globally minimal.
//!
//! A network `f` of dense layers with ReLU between them (none after the
//! last), a point `x0` whose class is `c = argmax f(x0)` (unique), a target
//! class `t` (or every class but `c`), a norm (`L∞`, `L1` or `L2`) and a pixel box
//! `[lo, hi]ⁿ`: find `δ` of least norm with `x0 + δ` in the box and
//! `f_t(x0 + δ) ≥ f_c(x0 + δ)`. **Ties count as a change**: with `≥` the
//! class is no longer strictly `c`; the set of such `δ` is closed, so the
//! least norm is attained (with `>` it would only be an infimum).
//!
//! **Method** (as in MIPVerify, Reluplex and β-CROWN's branch and bound):
//! - On any box of inputs, interval arithmetic (exact) bounds every
//!   pre-activation `z`; a unit with `l ≥ 0` or `u ≤ 0` is stable, its ReLU
//!   linear there.
//! - A node of the search fixes some unstable units active (`z ≥ 0`, ReLU
//!   is the identity) or inactive (`z ≤ 0`, ReLU is 0). Its linear program
//!   minimizes the norm with the ReLU of every other unstable unit relaxed
//!   to the triangle `a ≥ 0, a ≥ z, a ≤ u (z − l)/(u − l)`; the program's
//!   optimum is a lower bound for every input in the node. A node with every
//!   unit fixed or stable is a leaf: its program is exact, the network is
//!   one affine map on it.
//! - The search is best first. Once some `δ` of norm `ε` is known (the
//!   incumbent), only `‖δ‖ < ε` matters, so each node's box is also cut to
//!   `|δᵢ| ≤ ε`, which makes more units stable. A node whose proved lower
//!   bound is at least `ε` is closed; so is one whose program is
//!   infeasible. Each bound is proved by multipliers `y` checked exactly
//!   (`algebra::lp::dual_bound`); multipliers guessed in floating point do
//!   when they prove enough, and the node's program is solved exactly
//!   otherwise.
//! - Incumbents come from the relaxation's solution: its activation pattern
//!   (by an exact forward pass) gives a leaf, solved exactly.
//!
//! **L2.** The search value is `‖δ‖₂²` (rational; the norm is its square
//! root), and each node's program is a convex quadratic one over the same
//! rows: minimize `Σ δᵢ²`. It is solved exactly ([`crate::algebra::qp`])
//! with each relaxed unit's variable weighted `2⁻²⁰` so that the program
//! is strictly convex; the bound the node claims is the exact Lagrangian
//! dual value of the unweighted program at the multipliers found, which is
//! a lower bound whatever the multipliers (weak duality) and equals the
//! optimum at a leaf. The cut is `|δᵢ| ≤ r` with `r² ≥ ‖δ*‖₂²` for the
//! incumbent `δ*`.
//!
//! Nothing is called the minimum without proof: when every node is closed,
//! the incumbent is minimal, and [`check_proof`] re-checks the whole tree
//! (the branching covers every pattern; each closed node's certificate
//! proves its bound; the optimum passes an exact forward pass that shares
//! no code with the programs). Past the node budget the answer is the best
//! `δ` found and a proved lower bound, with the gap between them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fmt;

use crate::algebra::lp::{
    self, FloatSolution, FloatStatus, Limits, Lp, LpError, Outcome, Route, Sense, bound_from_float, q_round_f64,
};
use crate::algebra::qp::{self, Qp, QpError, QpLimits, QpOutcome};
use crate::algebra::{Q, QSum, Radical, RatFunc};

use super::explain::{Explanation, LISTING_CAP, Math, Table, closed_interval, words};
use crate::{math, prose};

/// A dense layer `z = W a + b`: `w` has one row per output.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    pub w: Vec<Vec<Q>>,
    pub b: Vec<Q>,
}

/// Dense layers with a ReLU after every layer but the last.
#[derive(Clone, Debug, PartialEq)]
pub struct ReluNet {
    pub layers: Vec<Affine>,
}

impl ReluNet {
    pub fn inputs(&self) -> usize {
        self.layers.first().and_then(|l| l.w.first()).map_or(0, Vec::len)
    }

    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.b.len())
    }

    /// The hidden layers (those followed by a ReLU).
    fn hidden(&self) -> &[Affine] {
        &self.layers[..self.layers.len().saturating_sub(1)]
    }

    fn check(&self) -> Result<(), PerturbationError> {
        if self.layers.is_empty() {
            return Err(PerturbationError::Shape("the network has no layers".into()));
        }
        let mut width = self.inputs();
        if width == 0 {
            return Err(PerturbationError::Shape("the network has no inputs".into()));
        }
        for (k, l) in self.layers.iter().enumerate() {
            if l.w.len() != l.b.len() || l.w.is_empty() {
                return Err(PerturbationError::Shape(format!(
                    "layer {} has {} weight rows and {} biases",
                    k + 1,
                    l.w.len(),
                    l.b.len()
                )));
            }
            if let Some(r) = l.w.iter().position(|r| r.len() != width) {
                return Err(PerturbationError::Shape(format!(
                    "row {r} of layer {} has {} weights for {width} inputs",
                    k + 1,
                    l.w[r].len()
                )));
            }
            width = l.b.len();
        }
        Ok(())
    }
}

/// The exact forward pass: every hidden pre-activation and the scores.
/// Written apart from the linear programs, so that it checks them.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub pre: Vec<Vec<Q>>,
    pub scores: Vec<Q>,
}

pub fn forward(net: &ReluNet, x: &[Q]) -> Forward {
    let mut a: Vec<Q> = x.to_vec();
    let mut pre = Vec::new();
    for (k, layer) in net.layers.iter().enumerate() {
        let z: Vec<Q> = layer
            .w
            .iter()
            .zip(&layer.b)
            .map(|(row, b)| {
                let mut s = QSum::from_q(b);
                for (w, v) in row.iter().zip(&a) {
                    s.add_product(w, v);
                }
                s.value()
            })
            .collect();
        if k + 1 == net.layers.len() {
            return Forward { pre, scores: z };
        }
        a = z.iter().map(|v| if v.is_negative() { Q::zero() } else { v.clone() }).collect();
        pre.push(z);
    }
    Forward { pre, scores: a }
}

/// The norm a perturbation is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    Linf,
    L1,
    /// Searched through its square `‖δ‖₂²`, which is rational where the
    /// norm is not.
    L2,
}

impl Norm {
    /// What the search minimizes: the norm, or for L2 its square (every
    /// comparison of norms is the same comparison of squares).
    pub fn of(self, delta: &[Q]) -> Q {
        match self {
            Norm::Linf => delta.iter().map(Q::abs).max().unwrap_or_else(Q::zero),
            Norm::L1 => delta.iter().map(Q::abs).sum(),
            Norm::L2 => delta.iter().map(|d| d * d).sum(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Norm::Linf => "L∞",
            Norm::L1 => "L1",
            Norm::L2 => "L2",
        }
    }

    /// The norm whose search value ([`Norm::of`]) is `v`: `v` itself, or
    /// `√v` for L2, as an exact square root.
    pub fn value(self, v: &Q) -> Radical {
        match self {
            Norm::L2 => {
                Radical::sqrt(&RatFunc::constant(v.clone())).unwrap_or_else(|_| Radical::Rational(RatFunc::zero()))
            }
            _ => Radical::Rational(RatFunc::constant(v.clone())),
        }
    }

    /// The search value of the norm `r`: `r`, or `r²` for L2.
    pub fn objective_of_radius(self, r: &Q) -> Q {
        match self {
            Norm::L2 => r * r,
            _ => r.clone(),
        }
    }
}

/// The class the perturbation must reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Class(usize),
    /// Any class but the point's own.
    AnyOther,
}

/// How much work the search may do; past it, the answer is a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Nodes of the search tree solved.
    pub nodes: usize,
    /// Pivots of one linear program.
    pub pivots: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { nodes: 20_000, pivots: 200_000 }
    }
}

/// A question, in plain exact data.
#[derive(Clone, Debug, PartialEq)]
pub struct PerturbationQuery {
    pub net: ReluNet,
    pub x0: Vec<Q>,
    pub target: Target,
    pub norm: Norm,
    /// The pixel box `[lo, hi]` every input stays in.
    pub lo: Q,
    pub hi: Q,
    pub budget: Budget,
}

/// Why a question has no answer.
#[derive(Clone, Debug, PartialEq)]
pub enum PerturbationError {
    Shape(String),
    /// The point is outside the box (its coordinate, value).
    OutsideBox(usize, Q),
    /// The point's class is not unique: these classes tie for the largest
    /// score.
    Tie(Vec<usize>),
    /// The target is the point's own class.
    OwnClass(usize),
    /// The target is not a class of the network (target, classes).
    NoSuchClass(usize, usize),
    /// One node's linear program exceeded its limit.
    Lp(LpError),
    /// One node's quadratic program (L2) exceeded its limit.
    Qp(QpError),
}

impl fmt::Display for PerturbationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PerturbationError::Shape(why) => write!(f, "{why}"),
            PerturbationError::OutsideBox(i, v) => write!(f, "entry {i} of the point is {v}, outside the box"),
            PerturbationError::Tie(cs) => write!(
                f,
                "the point has no single class: classes {} tie for the largest score",
                cs.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
            ),
            PerturbationError::OwnClass(c) => write!(f, "class {c} is already the point's class"),
            PerturbationError::NoSuchClass(t, m) => {
                write!(f, "the network has {m} classes (0 to {}); there is no class {t}", m - 1)
            }
            PerturbationError::Lp(e) => write!(f, "a linear program of the search failed: {e}"),
            PerturbationError::Qp(e) => write!(f, "a quadratic program of the search failed: {e}"),
        }
    }
}

impl std::error::Error for PerturbationError {}

/// The state of one hidden unit at a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitState {
    /// `z > 0`.
    Active,
    /// `z < 0`.
    Inactive,
    /// `z = 0`: at the kink.
    Kink,
}

/// The least perturbation found, checked by the exact forward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimum {
    pub delta: Vec<Q>,
    pub x: Vec<Q>,
    /// The norm ([`Norm::of`]: for L2 its square).
    pub norm: Q,
    pub target: usize,
    pub scores: Vec<Q>,
    /// Per hidden layer, per unit.
    pub pattern: Vec<Vec<UnitState>>,
}

/// A unit a node fixes: (hidden layer, unit, active).
pub type Fix = (usize, usize, bool);

/// How a node of the search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeEnd {
    /// Its program is infeasible; `y` is the Farkas certificate.
    Infeasible { y: Vec<Q> },
    /// Its program's value is at least `bound` (proved by `y`), and
    /// `bound` was at least the incumbent's norm.
    Bound { bound: Q, y: Vec<Q> },
    /// A leaf solved exactly: every input in it has norm at least `value`.
    Leaf { value: Q, y: Vec<Q> },
    /// Split on a unit into two children.
    Branched { layer: usize, unit: usize, bound: Q },
    /// Not solved: the budget ran out. `bound` is its parent's.
    Open { bound: Q },
}

/// One node of the search tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub id: usize,
    pub parent: Option<usize>,
    pub target: usize,
    pub fixed: Vec<Fix>,
    /// The cut `|δᵢ| ≤ radius` its program used (at least the incumbent's
    /// norm at the time).
    pub radius: Option<Q>,
    pub end: NodeEnd,
}

/// Counts of the work done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    pub float_solves: usize,
    pub exact_solves: usize,
    /// Exact solves whose guessed basis did not check, so that the exact
    /// simplex ran from the start.
    pub exact_pivoting: usize,
    pub incumbents: usize,
    /// Pivots of the floating-point simplex, over all its runs.
    pub float_pivots: usize,
}

/// The answer: the best perturbation, the proved lower bound, the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct PerturbationAnswer {
    pub class: usize,
    pub scores: Vec<Q>,
    pub targets: Vec<usize>,
    pub best: Option<Optimum>,
    /// No perturbation of smaller norm reaches a target class: proved by
    /// the closed nodes (and the open ones' bounds). Like every search
    /// value, for L2 it is a squared norm.
    pub lower: Option<Q>,
    /// Whether the search finished: then `best` is the minimum (or no
    /// perturbation in the box reaches a target, when `best` is `None`).
    pub proved: bool,
    pub nodes: Vec<Node>,
    pub stats: SearchStats,
    pub norm: Norm,
}

impl PerturbationAnswer {
    /// The gap between the best norm found and the proved lower bound.
    pub fn gap(&self) -> Option<Q> {
        match (&self.best, &self.lower) {
            (Some(b), Some(l)) => Some(&b.norm - l),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// The node programs.

/// What a unit is in a node.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    /// ReLU is the identity on the node (`row`: whether `z ≥ 0` must be
    /// stated, i.e. the unit is fixed but not stable).
    Identity { row: bool },
    /// ReLU is 0 on the node (`row`: whether `z ≤ 0` must be stated).
    Zero { row: bool },
    /// Unstable and not fixed: a variable under the triangle relaxation.
    Relaxed(usize),
}

/// A node's program and where things are in it.
struct NodeLp {
    lp: Lp,
    /// Interval bounds of each hidden pre-activation.
    bounds: Vec<Vec<(Q, Q)>>,
    roles: Vec<Vec<Role>>,
    /// The inputs' perturbation as an affine expression of the variables,
    /// one per input: δᵢ = Σ coeff · var.
    delta: Vec<Vec<(usize, Q)>>,
    /// Hidden pre-activations as dense affine expressions (coefficients
    /// per variable, constant).
    pre: Vec<Vec<(Vec<Q>, Q)>>,
}

/// `v` rounded up to a multiple of `2^-bits`.
fn dyadic_up(v: &Q, bits: u32) -> Q {
    let scale = Q::from_bigints(num_bigint::BigInt::from(1u64 << bits), num_bigint::BigInt::from(1));
    let n = -(-&(v * &scale)).floor();
    Q::from_bigints(n, num_bigint::BigInt::from(1u64 << bits))
}

/// Fixed decisions by layer and unit.
fn fixes_table(net: &ReluNet, fixed: &[Fix]) -> Vec<Vec<Option<bool>>> {
    let mut t: Vec<Vec<Option<bool>>> = net.hidden().iter().map(|l| vec![None; l.b.len()]).collect();
    for &(k, j, active) in fixed {
        t[k][j] = Some(active);
    }
    t
}

/// Interval bounds of `W a + b` over boxes of `a`.
fn interval(layer: &Affine, a: &[(Q, Q)]) -> Vec<(Q, Q)> {
    layer
        .w
        .iter()
        .zip(&layer.b)
        .map(|(row, b)| {
            let (mut l, mut u) = (QSum::from_q(b), QSum::from_q(b));
            for (w, (al, au)) in row.iter().zip(a) {
                match w.signum() {
                    1 => {
                        l.add_product(w, al);
                        u.add_product(w, au);
                    }
                    -1 => {
                        l.add_product(w, au);
                        u.add_product(w, al);
                    }
                    _ => {}
                }
            }
            (l.value(), u.value())
        })
        .collect()
}

/// The range of `δᵢ`: the box, cut to the radius.
fn delta_range(q: &PerturbationQuery, i: usize, radius: Option<&Q>) -> (Q, Q) {
    let mut l = &q.lo - &q.x0[i];
    let mut u = &q.hi - &q.x0[i];
    if let Some(r) = radius {
        let nr = -r;
        if nr > l {
            l = nr;
        }
        if *r < u {
            u = r.clone();
        }
    }
    (l, u)
}

fn sparse(dense: &[Q]) -> Vec<(usize, Q)> {
    dense.iter().enumerate().filter(|(_, v)| !v.is_zero()).map(|(j, v)| (j, v.clone())).collect()
}

/// Builds the program of a node (see the module documentation).
fn node_lp(q: &PerturbationQuery, target: usize, class: usize, fixed: &[Fix], radius: Option<&Q>) -> NodeLp {
    let net = &q.net;
    let n = q.x0.len();
    let fixes = fixes_table(net, fixed);
    let mut lp = Lp::new(0);
    // Input variables and the objective.
    let mut delta: Vec<Vec<(usize, Q)>> = Vec::with_capacity(n);
    let mut ranges = Vec::with_capacity(n);
    match q.norm {
        Norm::Linf => {
            for i in 0..n {
                let (l, u) = delta_range(q, i, radius);
                let v = lp.add_var(Some(l.clone()), Some(u.clone()), Q::zero());
                delta.push(vec![(v, Q::one())]);
                ranges.push((l, u));
            }
            let t = lp.add_var(Some(Q::zero()), radius.cloned(), Q::one());
            for i in 0..n {
                lp.add_row(vec![(i, Q::one()), (t, Q::from_int(-1))], Sense::Le, Q::zero());
                lp.add_row(vec![(i, Q::from_int(-1)), (t, Q::from_int(-1))], Sense::Le, Q::zero());
            }
        }
        Norm::L1 => {
            for i in 0..n {
                let (l, u) = delta_range(q, i, radius);
                let up = if u.is_negative() { Q::zero() } else { u.clone() };
                let down = if l.signum() > 0 { Q::zero() } else { -&l };
                let p = lp.add_var(Some(Q::zero()), Some(up), Q::one());
                let m = lp.add_var(Some(Q::zero()), Some(down), Q::one());
                delta.push(vec![(p, Q::one()), (m, Q::from_int(-1))]);
                ranges.push((l, u));
            }
        }
        Norm::L2 => {
            // The objective Σ δᵢ² is the quadratic program's (see `node_qp`).
            for i in 0..n {
                let (l, u) = delta_range(q, i, radius);
                let v = lp.add_var(Some(l.clone()), Some(u.clone()), Q::zero());
                delta.push(vec![(v, Q::one())]);
                ranges.push((l, u));
            }
        }
    }
    // Interval bounds and roles, layer by layer.
    let mut a_box: Vec<(Q, Q)> = q.x0.iter().zip(&ranges).map(|(x, (l, u))| (x + l, x + u)).collect();
    let mut bounds = Vec::new();
    let mut roles: Vec<Vec<Role>> = Vec::new();
    for (k, layer) in net.hidden().iter().enumerate() {
        let b = interval(layer, &a_box);
        let mut r = Vec::with_capacity(b.len());
        let mut next = Vec::with_capacity(b.len());
        for (j, (l, u)) in b.iter().enumerate() {
            let stable_on = !l.is_negative();
            let stable_off = u.signum() <= 0;
            let role = match fixes[k][j] {
                Some(true) => Role::Identity { row: !stable_on },
                Some(false) => Role::Zero { row: !stable_off },
                None if stable_on => Role::Identity { row: false },
                None if stable_off => Role::Zero { row: false },
                None => Role::Relaxed(lp.add_var(Some(Q::zero()), Some(u.clone()), Q::zero())),
            };
            let zero = Q::zero();
            next.push(match role {
                Role::Zero { .. } => (zero.clone(), zero),
                _ => (
                    if l.is_negative() { zero } else { l.clone() },
                    if u.is_negative() { Q::zero() } else { u.clone() },
                ),
            });
            r.push(role);
        }
        a_box = next;
        bounds.push(b);
        roles.push(r);
    }
    // Affine expressions, now that every variable exists: each layer's
    // inputs as sparse combinations of the variables, each pre-activation
    // dense (one coefficient per variable) and summed over one denominator.
    let width = lp.vars();
    let mut a_expr: Vec<(Vec<(usize, Q)>, Q)> = (0..n).map(|i| (delta[i].clone(), q.x0[i].clone())).collect();
    let combine = |a_expr: &[(Vec<(usize, Q)>, Q)], row: &[Q], b: &Q| -> (Vec<Q>, Q) {
        let mut d = vec![QSum::new(); width];
        let mut c = QSum::from_q(b);
        for (w, (ad, ac)) in row.iter().zip(a_expr) {
            if w.is_zero() {
                continue;
            }
            for (j, aj) in ad {
                d[*j].add_product(w, aj);
            }
            c.add_product(w, ac);
        }
        (d.iter().map(QSum::value).collect(), c.value())
    };
    let mut pre = Vec::new();
    for (k, layer) in net.layers.iter().enumerate() {
        if k + 1 == net.layers.len() {
            // f_t − f_c ≥ 0, from the difference of the two rows.
            let diff: Vec<Q> = layer.w[target].iter().zip(&layer.w[class]).map(|(a, b)| a - b).collect();
            let (coeffs, c) = combine(&a_expr, &diff, &(&layer.b[target] - &layer.b[class]));
            lp.add_row(sparse(&coeffs), Sense::Ge, -c);
            break;
        }
        let z: Vec<(Vec<Q>, Q)> = layer.w.iter().zip(&layer.b).map(|(row, b)| combine(&a_expr, row, b)).collect();
        let mut next = Vec::with_capacity(z.len());
        for (j, (d, c)) in z.iter().enumerate() {
            match roles[k][j] {
                Role::Identity { row } => {
                    if row {
                        lp.add_row(sparse(d), Sense::Ge, -c);
                    }
                    next.push((sparse(d), c.clone()));
                }
                Role::Zero { row } => {
                    if row {
                        lp.add_row(sparse(d), Sense::Le, -c);
                    }
                    next.push((Vec::new(), Q::zero()));
                }
                Role::Relaxed(v) => {
                    let (l, u) = &bounds[k][j];
                    // a − z ≥ 0.
                    let mut row: Vec<Q> = d.iter().map(|x| -x).collect();
                    row[v] += &Q::one();
                    lp.add_row(sparse(&row), Sense::Ge, c.clone());
                    // a ≤ s (z − l): any s ≥ u / (u − l) keeps the graph of
                    // the ReLU on [l, u] below the line; rounding s up to a
                    // dyadic keeps the program's numbers short.
                    let s = dyadic_up(&(u / &(u - l)), 24);
                    let mut row: Vec<Q> = d.iter().map(|x| if x.is_zero() { Q::zero() } else { -(&s * x) }).collect();
                    row[v] += &Q::one();
                    lp.add_row(sparse(&row), Sense::Le, &(&s * c) - &(&s * l));
                    next.push((vec![(v, Q::one())], Q::zero()));
                }
            }
        }
        pre.push(z);
        a_expr = next;
    }
    NodeLp { lp, bounds, roles, delta, pre }
}

/// The weight that makes a node's L2 program strictly convex for the
/// exact solver: each relaxed unit's variable `a` costs `ε a²`. The bound a
/// node claims is [`qp::dual_bound`] of the unweighted program
/// ([`node_qp`]) at the multipliers found, valid for any multipliers, and
/// at most `ε Σ u²` below the relaxation's optimum.
const L2_REGULARIZATION_BITS: i32 = 20;

/// A node's L2 program: minimize `Σ δᵢ²` over the rows and bounds of its
/// linear program (whose first `n` variables are the `δᵢ`), the relaxed
/// units' variables weighted `weight`.
fn node_qp(node: &NodeLp, weight: &Q) -> Qp {
    let n = node.delta.len();
    let weights = (0..node.lp.vars()).map(|j| if j < n { Q::one() } else { weight.clone() }).collect();
    Qp { lp: node.lp.clone(), weights }
}

/// Each multiplier replaced by the fraction of least denominator (at most
/// 1024) within 10⁻⁶ of it, relatively; `None` when some has none.
fn simple_multipliers(y: &[Q]) -> Option<Vec<Q>> {
    y.iter()
        .map(|v| {
            if v.is_zero() {
                return Some(Q::zero());
            }
            let f = v.to_f64();
            (1..=1024i64).find_map(|d| {
                let k = (f * d as f64).round();
                ((f - k / d as f64).abs() <= 1e-6 * (1.0 + f.abs()) && k.abs() < 1e15).then(|| Q::new(k as i64, d))
            })
        })
        .collect()
}

/// The least dyadic `r` (a multiple of 2⁻²⁴, nonnegative) found with
/// `r² ≥ v`: a cut `|δᵢ| ≤ r` keeping every `δ` with `‖δ‖₂² ≤ v`.
fn l2_radius(v: &Q) -> Q {
    let step = Q::new(1, 1 << 24);
    let mut r = dyadic_up(&q_round_f64(v.to_f64().max(0.0).sqrt()).unwrap_or_else(|| v + &Q::one()), 24);
    if r.is_negative() {
        r = Q::zero();
    }
    while &r * &r < *v {
        r += &step;
    }
    r
}

impl NodeLp {
    fn relaxed(&self) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (k, r) in self.roles.iter().enumerate() {
            for (j, role) in r.iter().enumerate() {
                if let Role::Relaxed(v) = role {
                    out.push((k, j, *v));
                }
            }
        }
        out
    }

    fn delta_of(&self, x: &[Q]) -> Vec<Q> {
        self.delta.iter().map(|terms| terms.iter().map(|(j, c)| c * &x[*j]).sum()).collect()
    }

    fn delta_of_f64(&self, x: &[f64]) -> Vec<f64> {
        self.delta.iter().map(|terms| terms.iter().map(|(j, c)| c.to_f64() * x[*j]).sum()).collect()
    }

    /// The unit to split: the largest violation of `a = max(z, 0)` at the
    /// relaxation's solution, else the tallest triangle.
    fn branching_unit(&self, x: &[f64]) -> Option<(usize, usize)> {
        let mut best: Option<((usize, usize), f64, f64)> = None;
        for (k, j, v) in self.relaxed() {
            let (d, c) = &self.pre[k][j];
            let z: f64 = c.to_f64() + d.iter().zip(x).map(|(a, b)| a.to_f64() * b).sum::<f64>();
            let violation = x[v] - z.max(0.0);
            let (l, u) = (&self.bounds[k][j].0.to_f64(), &self.bounds[k][j].1.to_f64());
            let height = -l * u / (u - l);
            let better = match &best {
                None => true,
                Some((_, bv, bh)) => violation > bv + 1e-9 || (violation > bv - 1e-9 && height > *bh),
            };
            if better {
                best = Some(((k, j), violation, height));
            }
        }
        best.map(|(u, _, _)| u)
    }
}

// ---------------------------------------------------------------------------
// The search.

struct Pending {
    bound: Q,
    id: usize,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Pending) -> bool {
        self.bound == o.bound && self.id == o.id
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Pending) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Pending) -> std::cmp::Ordering {
        (&self.bound, self.id).cmp(&(&o.bound, o.id))
    }
}

/// The point's class, checked unique.
fn class_of(scores: &[Q]) -> Result<usize, PerturbationError> {
    let top = scores.iter().max().cloned().unwrap_or_else(Q::zero);
    let at: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] == top).collect();
    if at.len() > 1 { Err(PerturbationError::Tie(at)) } else { Ok(at[0]) }
}

/// The states of the hidden units at a point.
pub fn pattern(net: &ReluNet, x: &[Q]) -> Vec<Vec<UnitState>> {
    forward(net, x)
        .pre
        .iter()
        .map(|z| {
            z.iter()
                .map(|v| match v.signum() {
                    1 => UnitState::Active,
                    -1 => UnitState::Inactive,
                    _ => UnitState::Kink,
                })
                .collect()
        })
        .collect()
}

struct Search<'a> {
    q: &'a PerturbationQuery,
    class: usize,
    nodes: Vec<Node>,
    best: Option<Optimum>,
    stats: SearchStats,
    limits: Limits,
    /// The leaves [`Search::try_pattern`] solved: (target, pattern, cut).
    tried: HashSet<(usize, Vec<bool>, Option<Q>)>,
}

impl Search<'_> {
    /// The incumbent's norm: what a node must be proved not to beat.
    fn goal(&self) -> Option<Q> {
        self.best.as_ref().map(|b| b.norm.clone())
    }

    /// The cut the programs use: the goal rounded up to a multiple of
    /// 2⁻²⁴, a wider cut than needed but one that keeps every bound and
    /// coefficient dyadic when the data are (exact arithmetic then stays
    /// in machine integers).
    fn radius(&self) -> Option<Q> {
        match self.q.norm {
            Norm::L2 => self.goal().map(|g| l2_radius(&g)),
            _ => self.goal().map(|g| dyadic_up(&g, 24)),
        }
    }

    /// Solves a node's L2 program exactly, weighting relaxed units by
    /// `ε` (see [`L2_REGULARIZATION_BITS`]).
    fn exact_qp(&mut self, node: &NodeLp) -> Result<QpOutcome, PerturbationError> {
        self.stats.exact_solves += 1;
        let eps =
            Q::from_bigints(num_bigint::BigInt::from(1), num_bigint::BigInt::from(1u64 << L2_REGULARIZATION_BITS));
        let limits = QpLimits { pivots: self.limits.pivots, ..QpLimits::default() };
        qp::solve(&node_qp(node, &eps), limits).map_err(PerturbationError::Qp)
    }

    /// [`Search::try_pattern`] for L2: the leaf of the pattern at `x0 + δ`
    /// (clamped into the box), solved exactly.
    fn try_pattern_l2(&mut self, target: usize, delta: &[Q]) -> Result<(), PerturbationError> {
        let q = self.q;
        let x: Vec<Q> = q.x0.iter().zip(delta).map(|(a, d)| (a + d).max(q.lo.clone()).min(q.hi.clone())).collect();
        let fixed: Vec<Fix> = pattern(&q.net, &x)
            .iter()
            .enumerate()
            .flat_map(|(k, layer)| layer.iter().enumerate().map(move |(j, s)| (k, j, *s != UnitState::Inactive)))
            .collect();
        let radius = self.radius();
        let key = (target, fixed.iter().map(|f| f.2).collect::<Vec<bool>>(), radius.clone());
        if !self.tried.insert(key) {
            return Ok(());
        }
        let node = node_lp(q, target, self.class, &fixed, radius.as_ref());
        if let QpOutcome::Optimal { x, .. } = self.exact_qp(&node)? {
            let delta = node.delta_of(&x);
            self.offer(target, delta);
        }
        Ok(())
    }

    /// A node of the L2 search: its program (squared norm over the
    /// triangle relaxation) solved exactly; the bound it claims is proved
    /// by the multipliers found ([`qp::dual_bound`]).
    fn solve_node_l2(
        &mut self,
        id: usize,
        parent_bound: Q,
        heap: &mut BinaryHeap<Reverse<Pending>>,
    ) -> Result<(), PerturbationError> {
        let q = self.q;
        let target = self.nodes[id].target;
        let fixed = self.nodes[id].fixed.clone();
        let radius = self.radius();
        self.nodes[id].radius = radius.clone();
        let node = node_lp(q, target, self.class, &fixed, radius.as_ref());
        let leaf = node.relaxed().is_empty();
        let (x, y) = match self.exact_qp(&node)? {
            QpOutcome::Infeasible { y } => {
                self.close(id, NodeEnd::Infeasible { y });
                return Ok(());
            }
            QpOutcome::Optimal { x, y, .. } => (x, y),
        };
        let program = node_qp(&node, &Q::zero());
        let own = qp::dual_bound(&program, &y)
            .ok_or_else(|| PerturbationError::Qp(QpError::Unchecked("a node's multipliers prove no bound".into())))?;
        // The weighted program's multipliers are near the unweighted
        // program's, often simple fractions: those, when they prove more,
        // are the certificate instead (checked exactly like any other).
        let (own, y) = match simple_multipliers(&y).and_then(|s| qp::dual_bound(&program, &s).map(|b| (b, s))) {
            Some((b, s)) if b > own => (b, s),
            _ => (own, y),
        };
        let delta = node.delta_of(&x);
        if leaf {
            self.offer(target, delta);
            self.close(id, NodeEnd::Leaf { value: own, y });
            return Ok(());
        }
        self.try_pattern_l2(target, &delta)?;
        if let Some(g) = self.goal()
            && own >= g
        {
            self.close(id, NodeEnd::Bound { bound: own, y });
            return Ok(());
        }
        let bound = if own > parent_bound { own } else { parent_bound };
        let xf: Vec<f64> = x.iter().map(Q::to_f64).collect();
        let Some((layer, unit)) = node.branching_unit(&xf) else {
            return Err(PerturbationError::Qp(QpError::Unchecked(
                "a node with relaxed units has none to split".into(),
            )));
        };
        self.branch(id, target, &fixed, (layer, unit), bound, heap);
        Ok(())
    }

    /// Solves a program exactly, from the basis its floating-point run
    /// `fs` ended with.
    fn exact(&mut self, lp: &Lp, fs: &FloatSolution) -> Result<Outcome, PerturbationError> {
        self.stats.exact_solves += 1;
        let s = lp::solve_from(lp, fs, self.limits).map_err(PerturbationError::Lp)?;
        if s.route == Route::ExactPivoting {
            self.stats.exact_pivoting += 1;
        }
        Ok(s.outcome)
    }

    /// Offers a point: kept when it reaches the target, stays in the box
    /// and beats the incumbent, all by the exact forward pass.
    fn offer(&mut self, target: usize, delta: Vec<Q>) {
        let q = self.q;
        let x: Vec<Q> = q.x0.iter().zip(&delta).map(|(a, d)| a + d).collect();
        if x.iter().any(|v| *v < q.lo || *v > q.hi) {
            return;
        }
        let f = forward(&q.net, &x);
        if f.scores[target] < f.scores[self.class] {
            return;
        }
        let norm = q.norm.of(&delta);
        if self.best.as_ref().is_some_and(|b| b.norm <= norm) {
            return;
        }
        self.stats.incumbents += 1;
        let pattern = pattern(&q.net, &x);
        self.best = Some(Optimum { delta, x, norm, target, scores: f.scores, pattern });
    }

    /// The leaf of the pattern at the relaxation's solution, solved
    /// exactly: an incumbent when it beats the one there is.
    fn try_pattern(&mut self, target: usize, delta_f: &[f64]) -> Result<(), PerturbationError> {
        let q = self.q;
        let Some(delta) = delta_f.iter().map(|&v| q_round_f64(v)).collect::<Option<Vec<Q>>>() else { return Ok(()) };
        let x: Vec<Q> = q.x0.iter().zip(&delta).map(|(a, d)| (a + d).max(q.lo.clone()).min(q.hi.clone())).collect();
        let fixed: Vec<Fix> = pattern(&q.net, &x)
            .iter()
            .enumerate()
            .flat_map(|(k, layer)| layer.iter().enumerate().map(move |(j, s)| (k, j, *s != UnitState::Inactive)))
            .collect();
        let radius = self.radius();
        // The same leaf under the same cut was solved before, to the same
        // end: nothing to learn from it again.
        let key = (target, fixed.iter().map(|f| f.2).collect::<Vec<bool>>(), radius.clone());
        if !self.tried.insert(key) {
            return Ok(());
        }
        let node = node_lp(q, target, self.class, &fixed, radius.as_ref());
        self.stats.float_solves += 1;
        let fs = lp::solve_float(&node.lp, self.limits).map_err(PerturbationError::Lp)?;
        self.stats.float_pivots += fs.pivots;
        if fs.status != FloatStatus::Optimal {
            return Ok(());
        }
        if let Some(r) = &self.goal()
            && fs.value >= r.to_f64() * (1.0 + 1e-9) + 1e-12
        {
            return Ok(());
        }
        if let Outcome::Optimal { x, .. } = self.exact(&node.lp, &fs)? {
            let delta = node.delta_of(&x);
            self.offer(target, delta);
        }
        Ok(())
    }

    fn run(&mut self, targets: &[usize]) -> Result<(Option<Q>, bool), PerturbationError> {
        let mut heap: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
        for &t in targets {
            let id = self.nodes.len();
            self.nodes.push(Node {
                id,
                parent: None,
                target: t,
                fixed: Vec::new(),
                radius: None,
                end: NodeEnd::Open { bound: Q::zero() },
            });
            heap.push(Reverse(Pending { bound: Q::zero(), id }));
        }
        let mut solved = 0;
        while let Some(Reverse(Pending { bound, id })) = heap.pop() {
            if self.best.as_ref().is_some_and(|b| b.norm <= bound) {
                // Its parent's bound already closes it; solve it anyway so
                // that its certificate refers to its own program.
            }
            if solved >= self.q.budget.nodes {
                heap.push(Reverse(Pending { bound, id }));
                break;
            }
            solved += 1;
            self.solve_node(id, bound, &mut heap)?;
        }
        let open: Vec<Q> = heap.iter().map(|Reverse(p)| p.bound.clone()).collect();
        let proved = open.is_empty();
        let mut lower = open.into_iter().min();
        if let Some(b) = &self.best
            && lower.as_ref().is_none_or(|l| b.norm < *l)
        {
            lower = Some(b.norm.clone());
        }
        Ok((lower, proved))
    }

    /// Closes node `id` by splitting one unit: two children, the unit on
    /// and off, each opening with the node's bound.
    fn branch(
        &mut self,
        id: usize,
        target: usize,
        fixed: &[Fix],
        (layer, unit): (usize, usize),
        bound: Q,
        heap: &mut BinaryHeap<Reverse<Pending>>,
    ) {
        self.close(id, NodeEnd::Branched { layer, unit, bound: bound.clone() });
        for active in [true, false] {
            let cid = self.nodes.len();
            let mut f = fixed.to_vec();
            f.push((layer, unit, active));
            self.nodes.push(Node {
                id: cid,
                parent: Some(id),
                target,
                fixed: f,
                radius: None,
                end: NodeEnd::Open { bound: bound.clone() },
            });
            heap.push(Reverse(Pending { bound: bound.clone(), id: cid }));
        }
    }

    fn close(&mut self, id: usize, end: NodeEnd) {
        self.nodes[id].end = end;
    }

    fn solve_node(
        &mut self,
        id: usize,
        parent_bound: Q,
        heap: &mut BinaryHeap<Reverse<Pending>>,
    ) -> Result<(), PerturbationError> {
        if self.q.norm == Norm::L2 {
            return self.solve_node_l2(id, parent_bound, heap);
        }
        let q = self.q;
        let target = self.nodes[id].target;
        let fixed = self.nodes[id].fixed.clone();
        let radius = self.radius();
        let goal = self.goal();
        self.nodes[id].radius = radius.clone();
        let node = node_lp(q, target, self.class, &fixed, radius.as_ref());
        self.stats.float_solves += 1;
        let fs = lp::solve_float(&node.lp, self.limits).map_err(PerturbationError::Lp)?;
        self.stats.float_pivots += fs.pivots;
        let leaf = node.relaxed().is_empty();
        if fs.status == FloatStatus::Infeasible
            && let Some((b, y)) = bound_from_float(&node.lp, &fs.y, true)
            && b.signum() > 0
        {
            self.close(id, NodeEnd::Infeasible { y });
            return Ok(());
        }
        let mut bound = parent_bound;
        if fs.status == FloatStatus::Optimal
            && let Some((b, y)) = bound_from_float(&node.lp, &fs.y, false)
        {
            if let Some(g) = &goal
                && b >= *g
            {
                self.close(id, NodeEnd::Bound { bound: b, y });
                return Ok(());
            }
            if b > bound {
                bound = b;
            }
        }
        let near = |r: &Q| fs.value >= r.to_f64() - 1e-9 * (1.0 + r.to_f64().abs());
        if fs.status != FloatStatus::Optimal || leaf || goal.as_ref().is_some_and(near) {
            match self.exact(&node.lp, &fs)? {
                Outcome::Infeasible { y } => {
                    self.close(id, NodeEnd::Infeasible { y });
                    return Ok(());
                }
                Outcome::Optimal { x, value, y } => {
                    if leaf {
                        self.offer(target, node.delta_of(&x));
                        self.close(id, NodeEnd::Leaf { value, y });
                        return Ok(());
                    }
                    if goal.as_ref().is_some_and(|g| value >= *g) {
                        self.close(id, NodeEnd::Bound { bound: value, y });
                        return Ok(());
                    }
                    if value > bound {
                        bound = value;
                    }
                }
                Outcome::Unbounded { .. } => {
                    return Err(PerturbationError::Lp(LpError::Unchecked(
                        "a node's program is unbounded though every variable is bounded".into(),
                    )));
                }
            }
        }
        // An incumbent from the relaxation's solution.
        if fs.status == FloatStatus::Optimal {
            let delta_f = node.delta_of_f64(&fs.x);
            self.try_pattern(target, &delta_f)?;
            if let Some(g) = self.goal()
                && bound >= g
            {
                // The bound proved above now closes the node, but it was
                // proved with the older, wider cut: solve again under the
                // new one so the certificate matches the node's program.
                let r = self.radius();
                self.nodes[id].radius = r.clone();
                let node = node_lp(q, target, self.class, &fixed, r.as_ref());
                return self.reclose(id, &node, bound);
            }
        }
        let Some((layer, unit)) = node.branching_unit(&fs.x) else {
            return Err(PerturbationError::Lp(LpError::Unchecked(
                "a node with relaxed units has none to split".into(),
            )));
        };
        self.branch(id, target, &fixed, (layer, unit), bound, heap);
        Ok(())
    }

    /// Re-solves a node under a narrower cut after its bound met a new
    /// incumbent; the narrower program's value is at least the old one's.
    fn reclose(&mut self, id: usize, node: &NodeLp, old: Q) -> Result<(), PerturbationError> {
        let r = self.goal().expect("an incumbent exists");
        self.stats.float_solves += 1;
        let fs = lp::solve_float(&node.lp, self.limits).map_err(PerturbationError::Lp)?;
        self.stats.float_pivots += fs.pivots;
        let zero = fs.status == FloatStatus::Infeasible;
        if let Some((b, y)) = bound_from_float(&node.lp, &fs.y, zero) {
            if zero && b.signum() > 0 {
                self.close(id, NodeEnd::Infeasible { y });
                return Ok(());
            }
            if !zero && b >= r {
                self.close(id, NodeEnd::Bound { bound: b, y });
                return Ok(());
            }
        }
        match self.exact(&node.lp, &fs)? {
            Outcome::Infeasible { y } => self.close(id, NodeEnd::Infeasible { y }),
            Outcome::Optimal { value, y, .. } if value >= r => self.close(id, NodeEnd::Bound { bound: value, y }),
            _ => {
                // Cannot happen: the narrower program's value is at least
                // `old`, which is at least the goal.
                return Err(PerturbationError::Lp(LpError::Unchecked(format!(
                    "a narrower program proves less than {old}"
                ))));
            }
        }
        Ok(())
    }
}

/// Finds the smallest perturbation; see the module documentation.
pub fn smallest_perturbation(q: &PerturbationQuery) -> Result<PerturbationAnswer, PerturbationError> {
    q.net.check()?;
    let n = q.net.inputs();
    if q.x0.len() != n {
        return Err(PerturbationError::Shape(format!("the point has {} entries, the network {n} inputs", q.x0.len())));
    }
    if q.lo > q.hi {
        return Err(PerturbationError::Shape(format!("the box [{}, {}] is empty", q.lo, q.hi)));
    }
    if let Some(i) = q.x0.iter().position(|v| *v < q.lo || *v > q.hi) {
        return Err(PerturbationError::OutsideBox(i, q.x0[i].clone()));
    }
    let f0 = forward(&q.net, &q.x0);
    let class = class_of(&f0.scores)?;
    let m = q.net.outputs();
    let targets: Vec<usize> = match q.target {
        Target::Class(t) if t >= m => return Err(PerturbationError::NoSuchClass(t, m)),
        Target::Class(t) if t == class => return Err(PerturbationError::OwnClass(t)),
        Target::Class(t) => vec![t],
        Target::AnyOther => (0..m).filter(|&t| t != class).collect(),
    };
    let mut s = Search {
        q,
        class,
        nodes: Vec::new(),
        best: None,
        stats: SearchStats::default(),
        limits: Limits { pivots: q.budget.pivots },
        tried: HashSet::new(),
    };
    let (lower, proved) = s.run(&targets)?;
    Ok(PerturbationAnswer {
        class,
        scores: f0.scores,
        targets,
        best: s.best,
        lower,
        proved,
        nodes: s.nodes,
        stats: s.stats,
        norm: q.norm,
    })
}

/// Re-checks an answer's proof from scratch: the optimum by the exact
/// forward pass; the tree covers every activation pattern of every target
/// (each branched node has exactly its two children); and each closed
/// node's certificate, against its program rebuilt, proves a bound at
/// least the optimum's norm (or infeasibility).
pub fn check_proof(q: &PerturbationQuery, ans: &PerturbationAnswer) -> Result<(), String> {
    let f0 = forward(&q.net, &q.x0);
    if class_of(&f0.scores).ok() != Some(ans.class) {
        return Err("the point's class is not the one stated".into());
    }
    if let Some(b) = &ans.best {
        let x: Vec<Q> = q.x0.iter().zip(&b.delta).map(|(a, d)| a + d).collect();
        if x != b.x || x.iter().any(|v| *v < q.lo || *v > q.hi) {
            return Err("the optimum is not x0 + δ inside the box".into());
        }
        let f = forward(&q.net, &x);
        if f.scores != b.scores || f.scores[b.target] < f.scores[ans.class] {
            return Err("the optimum does not reach its target class".into());
        }
        if q.norm.of(&b.delta) != b.norm {
            return Err("the optimum's norm is misstated".into());
        }
    }
    if !ans.proved {
        return Err("the search did not finish: the answer is a gap, not a minimum".into());
    }
    let need = ans.best.as_ref().map(|b| b.norm.clone());
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); ans.nodes.len()];
    let mut roots = Vec::new();
    for (i, node) in ans.nodes.iter().enumerate() {
        if node.id != i {
            return Err(format!("node {i} is numbered {}", node.id));
        }
        match node.parent {
            Some(p) if p < i => children[p].push(i),
            Some(_) => return Err(format!("node {i} has a later parent")),
            None => roots.push(node.target),
        }
    }
    if roots != ans.targets || ans.nodes.iter().filter(|n| n.parent.is_none()).any(|n| !n.fixed.is_empty()) {
        return Err("the roots are not one unconstrained node per target".into());
    }
    for node in &ans.nodes {
        let meets = |b: &Q| need.as_ref().is_none_or(|v| b >= v);
        let built = || node_lp(q, node.target, ans.class, &node.fixed, node.radius.as_ref());
        let program = || built().lp;
        // The cut must not exclude any better point: it is at least the
        // optimum's norm (for L2, its square at least the optimum's).
        if let (Some(r), Some(v)) = (&node.radius, &need)
            && (r.is_negative() || q.norm.objective_of_radius(r) < *v)
        {
            return Err(format!("node {} cuts at {r}, below the optimum {v}", node.id));
        }
        if node.radius.is_some() && need.is_none() {
            return Err(format!("node {} cuts without an incumbent", node.id));
        }
        match &node.end {
            NodeEnd::Open { .. } => return Err(format!("node {} is open", node.id)),
            NodeEnd::Infeasible { y } => {
                lp::verify_infeasible(&program(), y).map_err(|e| format!("node {}: {e}", node.id))?
            }
            NodeEnd::Bound { bound, y } | NodeEnd::Leaf { value: bound, y } => {
                let proved = match q.norm {
                    Norm::L2 => qp::dual_bound(&node_qp(&built(), &Q::zero()), y),
                    _ => lp::dual_bound(&program(), y),
                }
                .ok_or(format!("node {}: no bound", node.id))?;
                if proved != *bound || !meets(bound) {
                    return Err(format!("node {}: proves {proved}, needs {:?}", node.id, need));
                }
                if need.is_none() {
                    return Err(format!("node {} is closed by a bound without an incumbent", node.id));
                }
            }
            NodeEnd::Branched { layer, unit, .. } => {
                let kids = &children[node.id];
                let ok = kids.len() == 2
                    && [true, false].iter().all(|&a| {
                        kids.iter().any(|&c| {
                            let mut f = node.fixed.clone();
                            f.push((*layer, *unit, a));
                            ans.nodes[c].fixed == f && ans.nodes[c].target == node.target
                        })
                    });
                if !ok {
                    return Err(format!("node {} is not split into its two children", node.id));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The explanation.

/// The norm whose search value is `v` (for L2 an exact square root).
pub fn norm_math(norm: Norm, v: &Q) -> Math {
    match norm.value(v) {
        Radical::Rational(r) => Math::from(&r.as_constant().unwrap_or_else(Q::zero)),
        _ => math!("sqrt(#v)", v = v),
    }
}

/// A search value as the search compares it: the norm, or for L2 the
/// squared norm, written `‖δ‖₂² = v`.
fn search_math(norm: Norm, v: &Q) -> Math {
    match norm {
        Norm::L2 => math!("norm(delta)^2 = #v", v = v),
        _ => Math::from(v),
    }
}

fn column(v: &[Q]) -> Math {
    Math::column(v.iter().map(Math::from).collect())
}

/// The derivation, as structure: what was asked, the class at the point,
/// the perturbation and its new scores, the activation pattern, and the
/// proof of minimality (or the gap).
pub fn explain(q: &PerturbationQuery, ans: &PerturbationAnswer) -> Explanation {
    explain_with(q, ans, &column)
}

/// [`explain`] with the perturbation written by `input` (as an image, say).
pub fn explain_with(q: &PerturbationQuery, ans: &PerturbationAnswer, input: &dyn Fn(&[Q]) -> Math) -> Explanation {
    let mut ex = Explanation::new();
    let norm_name = words(q.norm.name());
    ex.step(prose!(
        "Look for the perturbation $delta$ of least #norm norm with $x_0 + delta$ in the box $#range$ whose scores reach the target class, ties included: $f_t(x_0 + delta) >= f_c(x_0 + delta)$, so the class is no longer strictly $c$.",
        norm = norm_name,
        range = closed_interval(&q.lo, &q.hi)
    ));
    ex.step(prose!(
        "At $x_0$ the scores are $#s$: the class is $c = #c$.",
        s = column(&ans.scores),
        c = ans.class as i64
    ));
    match (&ans.best, ans.proved) {
        (Some(b), proved) => {
            let s = ex.step(prose!(
                "The perturbation $delta = #d$ has norm $#v$ and moves the point to class #t's side: the scores at $x_0 + delta$ are $#s$.",
                d = input(&b.delta),
                v = norm_math(q.norm, &b.norm),
                t = b.target as i64,
                s = column(&b.scores)
            ));
            s.display(math!(
                "f_#t(x_0 + delta) - f_#c(x_0 + delta) = #m",
                t = b.target as i64,
                c = ans.class as i64,
                m = &b.scores[b.target] - &b.scores[ans.class]
            ));
            let mut t = Table {
                header: vec![prose!("layer"), prose!("active"), prose!("inactive"), prose!("at the kink")],
                rows: Vec::new(),
            };
            for (k, layer) in b.pattern.iter().enumerate() {
                let list = |st: UnitState| {
                    let units: Vec<String> =
                        layer.iter().enumerate().filter(|(_, s)| **s == st).map(|(j, _)| j.to_string()).collect();
                    prose!("#u", u = words(if units.is_empty() { "none".to_string() } else { units.join(", ") }))
                };
                t.rows.push(vec![
                    prose!("#k", k = (k + 1) as i64),
                    list(UnitState::Active),
                    list(UnitState::Inactive),
                    list(UnitState::Kink),
                ]);
            }
            ex.detail(prose!("The hidden units at $x_0 + delta$ (the activation pattern of the optimum):")).table(t);
            if proved {
                ex.step(prose!(
                    "No smaller perturbation reaches a target class: a branch and bound over the activation patterns closes every node, each by an exactly checked lower bound of at least #v or by infeasibility, so $#w$ is the minimum.",
                    v = search_math(q.norm, &b.norm),
                    w = norm_math(q.norm, &b.norm)
                ));
            } else {
                ex.step(prose!(
                    "The search stopped at its budget of #n nodes: the least norm lies between the proved lower bound $#l$ and $#v$. This is not called the minimum.",
                    n = q.budget.nodes as i64,
                    l = norm_math(q.norm, &ans.lower.clone().unwrap_or_else(Q::zero)),
                    v = norm_math(q.norm, &b.norm)
                ));
            }
        }
        (None, true) => {
            ex.step(prose!("No input in the box reaches a target class: every node of the search is infeasible."));
        }
        (None, false) => {
            ex.step(prose!(
                "The search stopped at its budget of #n nodes without finding a perturbation; none of norm below $#l$ exists.",
                n = q.budget.nodes as i64,
                l = norm_math(q.norm, &ans.lower.clone().unwrap_or_else(Q::zero))
            ));
        }
    }
    // The proof, for staff.
    let count = |f: fn(&NodeEnd) -> bool| ans.nodes.iter().filter(|n| f(&n.end)).count() as i64;
    if q.norm == Norm::L2 {
        ex.detail(prose!(
            "The search tree has #n nodes: #b split on an unstable unit, #p closed by a lower bound, #i infeasible, #l leaves solved exactly, #o left open. Quadratic programs: #e solved exactly, each from a feasible point of an exact linear program; each bound on $norm(delta)^2$ is the Lagrangian dual's value at the multipliers found, computed exactly.",
            n = ans.nodes.len() as i64,
            b = count(|e| matches!(e, NodeEnd::Branched { .. })),
            p = count(|e| matches!(e, NodeEnd::Bound { .. })),
            i = count(|e| matches!(e, NodeEnd::Infeasible { .. })),
            l = count(|e| matches!(e, NodeEnd::Leaf { .. })),
            o = count(|e| matches!(e, NodeEnd::Open { .. })),
            e = ans.stats.exact_solves as i64
        ));
    } else {
        ex.detail(prose!(
        "The search tree has #n nodes: #b split on an unstable unit, #p closed by a lower bound, #i infeasible, #l leaves solved exactly, #o left open. Linear programs: #f in floating point to guess, #e solved exactly (#x of them by exact pivoting).",
        n = ans.nodes.len() as i64,
        b = count(|e| matches!(e, NodeEnd::Branched { .. })),
        p = count(|e| matches!(e, NodeEnd::Bound { .. })),
        i = count(|e| matches!(e, NodeEnd::Infeasible { .. })),
        l = count(|e| matches!(e, NodeEnd::Leaf { .. })),
        o = count(|e| matches!(e, NodeEnd::Open { .. })),
        f = ans.stats.float_solves as i64,
        e = ans.stats.exact_solves as i64,
        x = ans.stats.exact_pivoting as i64
    ));
    }
    let closed: Vec<&Node> = ans
        .nodes
        .iter()
        .filter(|n| matches!(n.end, NodeEnd::Bound { .. } | NodeEnd::Infeasible { .. } | NodeEnd::Leaf { .. }))
        .collect();
    let mut t = Table {
        header: vec![prose!("node"), prose!("target"), prose!("fixed units"), prose!("closed by")],
        rows: Vec::new(),
    };
    for n in closed.iter().take(LISTING_CAP) {
        let fixed: Vec<String> =
            n.fixed.iter().map(|(k, j, a)| format!("{}.{} {}", k + 1, j, if *a { "on" } else { "off" })).collect();
        let why = match &n.end {
            NodeEnd::Bound { bound, .. } => prose!("lower bound #b", b = search_math(q.norm, bound)),
            NodeEnd::Leaf { value, .. } => prose!("leaf, least norm #b", b = search_math(q.norm, value)),
            _ => prose!("infeasible"),
        };
        t.rows.push(vec![
            prose!("#i", i = n.id as i64),
            prose!("#t", t = n.target as i64),
            prose!("#f", f = words(if fixed.is_empty() { "none".into() } else { fixed.join(", ") })),
            why,
        ]);
    }
    let total = closed.len();
    let step =
        ex.detail(prose!("The closed nodes (units written layer.unit), each with its exactly checked certificate:"));
    // A listing counts its items, so a table of many rows is one table,
    // with the number left out said apart.
    step.table(t);
    if total > LISTING_CAP {
        step.prose(prose!("… and #n more closed nodes.", n = (total - LISTING_CAP) as i64));
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    fn net2() -> ReluNet {
        // Two inputs, two hidden units, two classes.
        ReluNet {
            layers: vec![
                Affine { w: vec![vec![q(1), q(0)], vec![q(0), q(1)]], b: vec![q(0), q(0)] },
                Affine { w: vec![vec![q(1), q(0)], vec![q(0), q(1)]], b: vec![q(0), q(0)] },
            ],
        }
    }

    #[test]
    fn the_identity_network_flips_at_the_diagonal() {
        // Class 0 at (3/4, 1/4); class 1 needs x2 ≥ x1: L∞ least 1/4.
        let query = PerturbationQuery {
            net: net2(),
            x0: vec![Q::new(3, 4), Q::new(1, 4)],
            target: Target::Class(1),
            norm: Norm::Linf,
            lo: q(0),
            hi: q(1),
            budget: Budget::default(),
        };
        let ans = smallest_perturbation(&query).unwrap();
        assert!(ans.proved);
        let b = ans.best.as_ref().unwrap();
        assert_eq!(b.norm, Q::new(1, 4));
        check_proof(&query, &ans).unwrap();
        let l1 = PerturbationQuery { norm: Norm::L1, ..query.clone() };
        let ans = smallest_perturbation(&l1).unwrap();
        assert_eq!(ans.best.as_ref().unwrap().norm, Q::new(1, 2));
        check_proof(&l1, &ans).unwrap();
    }

    #[test]
    fn bad_questions_are_errors() {
        let base = PerturbationQuery {
            net: net2(),
            x0: vec![Q::new(1, 2), Q::new(1, 2)],
            target: Target::AnyOther,
            norm: Norm::Linf,
            lo: q(0),
            hi: q(1),
            budget: Budget::default(),
        };
        assert!(matches!(smallest_perturbation(&base), Err(PerturbationError::Tie(_))));
        let out = PerturbationQuery { x0: vec![q(2), q(0)], ..base.clone() };
        assert!(matches!(smallest_perturbation(&out), Err(PerturbationError::OutsideBox(0, _))));
        let own = PerturbationQuery { x0: vec![q(1), q(0)], target: Target::Class(0), ..base.clone() };
        assert!(matches!(smallest_perturbation(&own), Err(PerturbationError::OwnClass(0))));
    }
}
