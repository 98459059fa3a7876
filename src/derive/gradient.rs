//! Gradient descent on least squares, and the minimum-norm solution of a
//! linear system: the implicit regularization of gradient descent.
//!
//! For f(w) = Σᵢ (yᵢ − wᵀxᵢ)² = ‖X w − y‖² with X of full row rank, gradient
//! descent from w⁽⁰⁾ with a step 0 < η < 1/λ_max(X Xᵀ) converges to
//! w⁽⁰⁾ + Xᵀ(X Xᵀ)⁻¹(y − X w⁽⁰⁾): from 0, the minimum-norm solution of
//! X w = y. [`derive_limit`] computes the typed answer ([`LimitAnswer`]:
//! the limit, the rank case, the step condition) and explains it as a
//! proof; the limit is computed fraction-free (the adjugate and the
//! determinant of X Xᵀ are polynomials; each entry is divided once, at the
//! end). For a numeric X the rank is decided exactly, and a rank-deficient
//! X gets the pseudo-inverse limit. [`derive_minimum_norm`] reaches the same
//! vector another way ([`MinimumNormAnswer`]), by the Lagrange conditions of
//! the constrained problem, solving them by Cramer's rule, so that the two
//! can be checked against each other.
//!
//! Explanations name the data as the file does and take every letter they
//! introduce (the iterate, the iteration index, the row-space coefficient,
//! G, λ, μ, ν, z, …) from [`Letters`], so they never collide with the
//! problem's own names.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::One;

use crate::algebra::Radical;
use crate::algebra::intmat::MERSENNE_61;
use crate::algebra::univariate::{
    RealRoot, Sturm, UPoly, characteristic_polynomial, decimal_parts, decimal_text, largest_root, sqrt_parts,
};
use crate::algebra::{IntMatrix, Matrix, Poly, Q, RatFunc};
use crate::language::math::{Constant, Fence, Func, Sign, Words};
use crate::language::{Diagnostic, Span};
use crate::model::gradient::{Data, GradientLimit, MinimumNorm, StepSize};
use crate::model::value::radical_value;
use crate::model::{Problem, Value};
use crate::{math, prose};

use super::budget;
use super::explain::{self, Axis, Depth, Explanation, Figure, Letters, Mark, Math, Panel, Prose, Role, Step, words};
use super::plane;

/// Most column subsets of X for which the n×n minors are computed, to show
/// det(X Xᵀ) as a Cauchy–Binet sum of squares; beyond it the sum is not
/// computed.
const MAX_CAUCHY_BINET_MINORS: usize = 20;

/// Most terms, summed over its entries (numerators and denominators), an
/// exact answer with symbols may have and still be one a student writes out
/// by hand; a longer one is an expansion, and documents for students show
/// its closed form in the question's terms instead.
const MAX_HAND_TERMS: usize = 12;

/// Most terms a polynomial a step displays for students (a determinant, a
/// discriminant) may have; a longer one is written out in a detail step.
const MAX_SHOWN_TERMS: usize = 6;

/// Whether an exact answer is an expansion no one would write by hand.
fn is_expansion(m: &Matrix<RatFunc>) -> bool {
    let symbolic = m.entries().iter().any(|e| !e.vars().is_empty());
    let terms: usize = m.entries().iter().map(|e| e.num().len() + e.den().len()).sum();
    symbolic && terms > MAX_HAND_TERMS
}

/// Whether a polynomial is too long to show in a step for students.
fn is_long(p: &Poly) -> bool {
    p.len() > MAX_SHOWN_TERMS
}

// ---------------------------------------------------------------------------
// Typed answers
// ---------------------------------------------------------------------------

/// The answer to `limit of gradient descent on least squares(X, y) from W0`:
/// everything the numeric check and a picture of the iterates need (the
/// data, the start, the limit, the step condition; the solution set is
/// the limit plus the null space of X).
#[derive(Clone, Debug)]
pub struct LimitAnswer {
    /// X (n×d) and y (n×1), with the file's names for them.
    pub data: Data,
    /// w⁽⁰⁾ (d×1).
    pub start: Matrix<Poly>,
    /// The limit w∞ (d×1), each entry in lowest terms.
    pub limit: Matrix<RatFunc>,
    /// G = X Xᵀ.
    pub gram: Matrix<Poly>,
    pub rank: RankCase,
    pub step: StepCondition,
    /// What the iterates do with the given step: converge to `limit`,
    /// oscillate or diverge.
    pub outcome: Outcome,
}

impl LimitAnswer {
    /// The limit as a key states it, or the word for what the iterates do
    /// instead: `diverges`, `oscillates`.
    pub fn value(&self) -> Value {
        match &self.outcome {
            Outcome::Converges | Outcome::ConvergesAnyway(_) => Value::Matrix(self.limit.clone()),
            Outcome::Oscillates(_) => Value::Word(OSCILLATES.into()),
            Outcome::Diverges(_) => Value::Word(DIVERGES.into()),
        }
    }

    /// For a numeric X, a basis of its null space: the minimizers of f are
    /// the limit plus their combinations (the solution set a picture draws).
    /// `None` when X has symbols.
    pub fn null_space(&self) -> Option<Vec<Matrix<Q>>> {
        as_rational(&self.data.x).map(|x| x.nullspace())
    }
}

/// How the rank of X decides the limit.
#[derive(Clone, Debug)]
pub enum RankCase {
    /// X has full row rank n: G is invertible (for a symbolic X, wherever
    /// `det` does not vanish, which the derivation assumes), and
    /// w∞ = w⁽⁰⁾ + Xᵀ adj(G)(y − X w⁽⁰⁾)/det(G).
    Full { det: Poly, adjugate: Option<Matrix<Poly>> },
    /// A numeric X of rank r < n: w∞ = w⁽⁰⁾ + X⁺(y − X w⁽⁰⁾).
    PseudoInverse { pinv: PseudoInverse, fit: Fit },
}

/// Whether the pseudo-inverse limit solves X w = y.
#[derive(Clone, Debug)]
pub enum Fit {
    /// y lies in the column space of X: the limit solves X w = y.
    Exact,
    /// y does not: the limit is a least-squares fit with this least
    /// training error f(w∞) = ‖(I − X X⁺) y‖² > 0.
    LeastSquares(Q),
    /// y has symbols: the limit solves X w = y exactly where
    /// (I − X X⁺) y, this vector, vanishes.
    Condition(Matrix<Poly>),
}

/// The step-size condition 0 < η < 1/λ_max(G).
#[derive(Clone, Debug)]
pub struct StepCondition {
    pub lambda_max: LambdaForm,
    /// tr(G) = ‖X‖²_F, at least λ_max: η < 1/tr(G) is sufficient.
    pub trace: Poly,
    /// The step the file gives, if any: it satisfies the condition, decided
    /// exactly when both X and the step are numeric, assumed otherwise.
    pub step: Option<RatFunc>,
    /// For a numeric X, a short decimal step that provably satisfies the
    /// condition.
    pub safe_step: Option<Q>,
    /// How η·λ_max compares with 1, when X and the step are numeric.
    pub verdict: Option<Ordering>,
}

/// The answer words of a step at or above 1/λ_max.
pub const DIVERGES: &str = "diverges";
pub const OSCILLATES: &str = "oscillates";
/// The answer word of an inconsistent `X v = y`.
pub const NO_SOLUTION: &str = "no solution";

/// What gradient descent does with the step the file gives, decided
/// exactly. Without a step, or with a step below 1/λ_max, it converges;
/// a numeric step at or above it is decided on the starting error
/// e⁽⁰⁾ = w⁽⁰⁾ − w∞, where w∞ is the limit a small step reaches.
#[derive(Clone, Debug)]
pub enum Outcome {
    Converges,
    /// The step is at or above 1/λ_max, but e⁽⁰⁾ has no component along
    /// the eigenvalues λ ≥ 1/η: the iterates still converge, to `limit`.
    ConvergesAnyway(Dynamics),
    /// η·λ = 1 for an eigenvalue along which e⁽⁰⁾ has a component, and
    /// none above: that component flips sign forever.
    Oscillates(Dynamics),
    /// e⁽⁰⁾ has a component along an eigenvalue λ > 1/η: it grows by
    /// |1 − 2ηλ| > 1 at every step.
    Diverges(Dynamics),
}

/// The exact dynamics of e⁽ᵗ⁺¹⁾ = (I − 2η XᵀX) e⁽ᵗ⁾ from one e⁽⁰⁾.
#[derive(Clone, Debug)]
pub struct Dynamics {
    /// The step η and 1/η.
    pub eta: Q,
    pub threshold: Q,
    /// e⁽⁰⁾ = w⁽⁰⁾ − w∞ (d×1), in the row space of X.
    pub error: Matrix<Q>,
    /// μ, the monic polynomial of least degree with μ(XᵀX) e⁽⁰⁾ = 0: its
    /// roots are exactly the eigenvalues of XᵀX along which e⁽⁰⁾ has a
    /// component (XᵀX is symmetric, so μ is squarefree).
    pub minimal: UPoly,
    pub witness: Witness,
}

/// Why the outcome holds, as something a reader checks by multiplying.
#[derive(Clone, Debug)]
pub enum Witness {
    /// XᵀX v = λ v and vᵀe⁽⁰⁾ ≠ 0: the component of the error along v is
    /// multiplied by 1 − 2ηλ at every step. For `oscillates`, `cycle` is
    /// that component, c = (vᵀe⁽⁰⁾/vᵀv) v: the iterates approach w∞ + c and
    /// w∞ − c in turn.
    Eigenvector { v: Matrix<Q>, lambda: Q, overlap: Q, cycle: Matrix<Q> },
    /// v = (XᵀX)ᵏ e⁽⁰⁾, in the span of the eigencomponents of e⁽⁰⁾, with the
    /// Rayleigh quotient vᵀXᵀXv / vᵀv = `quotient` > 1/η: some
    /// eigencomponent of e⁽⁰⁾ has an eigenvalue above 1/η.
    Rayleigh { v: Matrix<Q>, power: usize, quotient: Q },
    /// Every root of μ is below 1/η (a Sturm count): no component grows.
    Roots,
}

/// Most vectors e⁽⁰⁾, XᵀX e⁽⁰⁾, … the dynamics of a large step are decided
/// with (the rank of X plus one at most).
pub const MAX_KRYLOV: usize = 48;
/// Most powers of XᵀX tried for a Rayleigh certificate of divergence.
pub const MAX_RAYLEIGH_POWER: usize = 200;

/// λ_max(G) in its exact form.
#[derive(Clone, Debug)]
pub enum LambdaForm {
    /// A numeric G: the characteristic polynomial and its largest root.
    Exact(Spectrum),
    /// One example: G is 1×1 and λ_max = G[0,0] = ‖x₁‖².
    Entry(Poly),
    /// Two examples: the larger root of λ² − tr(G) λ + det(G).
    Quadratic(QuadraticRoot),
    /// Three or more examples with symbols: the largest root of
    /// det(λI − G), bounded by tr(G).
    LargestRoot,
}

/// The larger root of λ² − tr(G) λ + det(G) for a symmetric 2×2 G:
/// λ_max = (trace + √discriminant)/2, discriminant = (G₀₀ − G₁₁)² + 4G₀₁².
#[derive(Clone, Debug)]
pub struct QuadraticRoot {
    pub trace: Poly,
    pub discriminant: Poly,
    /// q with q² = discriminant, when the discriminant is a square.
    pub root: Option<Poly>,
}

/// The answer to `minimum-norm solution of X v = y`.
#[derive(Clone, Debug)]
pub struct MinimumNormAnswer {
    pub data: Data,
    /// The unknown's name in the file, `v`.
    pub unknown: String,
    /// The minimum-norm solution (d×1).
    pub solution: Matrix<RatFunc>,
    /// ν, with solution = X_Iᵀ ν (X_I = X when every row is kept).
    pub multipliers: Matrix<RatFunc>,
    /// det(X_I X_Iᵀ), nonzero (assumed for a symbolic X).
    pub det: Poly,
    pub rows: Rows,
    /// For numeric data with y outside the column space of X: the proof
    /// that X v = y has no solution. `solution` is then the least-squares
    /// fit of least norm, X⁺y, and `multipliers` is empty.
    pub no_solution: Option<NoSolution>,
}

impl MinimumNormAnswer {
    /// The solution as a key states it, or `no solution`.
    pub fn value(&self) -> Value {
        match &self.no_solution {
            Some(_) => Value::Word(NO_SOLUTION.into()),
            None => Value::Matrix(self.solution.clone()),
        }
    }
}

/// The certificate that X v = y has no solution: uᵀX = 0 but uᵀy ≠ 0
/// (u is the part of y orthogonal to the column space of X, so
/// uᵀy = ‖u‖²), and the least training error ‖X X⁺y − y‖² = ‖u‖² > 0.
#[derive(Clone, Debug)]
pub struct NoSolution {
    pub u: Matrix<Q>,
    /// uᵀy, nonzero.
    pub uy: Q,
    /// The rank of X, below n.
    pub rank: usize,
    /// min over w of ‖X w − y‖², positive.
    pub residual: Q,
}

/// Which equations of X v = y the Lagrange conditions are solved on.
#[derive(Clone, Debug)]
pub enum Rows {
    /// X has full row rank (for a symbolic X, wherever `det` does not
    /// vanish).
    Full,
    /// A numeric X of rank r < n: the independent rows `kept`, every row of
    /// X a combination of them (X = C X_I), and the targets ŷ_I used for
    /// them.
    Reduced(Reduced),
}

/// The kept rows of a numeric X with dependent rows.
#[derive(Clone, Debug)]
pub struct Reduced {
    pub kept: Vec<usize>,
    /// C with X = C X_I (n×r).
    pub combination: Matrix<Q>,
    /// ŷ_I = (CᵀC)⁻¹Cᵀ y, equal to y_I whenever y = C y_I.
    pub targets: Matrix<Poly>,
    /// y − C ŷ_I when it has symbols: a solution exists exactly where it
    /// vanishes, which the derivation assumes. `None` when it is 0.
    pub condition: Option<Matrix<Poly>>,
}

// ---------------------------------------------------------------------------
// Exact computations
// ---------------------------------------------------------------------------

/// The closed form of the limit for X of full row rank, fraction-free.
#[derive(Clone, Debug)]
pub struct ClosedForm {
    /// G = X Xᵀ.
    pub gram: Matrix<Poly>,
    /// adj(G), with G adj(G) = det(G) I, when it is small enough to show
    /// (see [`MAX_SHOWN_ADJUGATE`]); the limit never needs it.
    pub adjugate: Option<Matrix<Poly>>,
    /// det(G), nonzero.
    pub det: Poly,
    /// w⁽⁰⁾ + Xᵀ adj(G)(y − X w⁽⁰⁾)/det(G), each entry in lowest terms.
    pub limit: Matrix<RatFunc>,
}

/// Largest n for which a numeric n×n adjugate of G is computed to be shown;
/// a symbolic one is shown for n ≤ 2 (beyond, each entry is a long sum).
const MAX_SHOWN_ADJUGATE: usize = 8;

/// `w0 + Xᵀ (X Xᵀ)⁻¹ (y − X w0)`, every intermediate a polynomial (or an
/// integer) and each entry reduced once; `None` when det(X Xᵀ) is
/// identically zero (X lacks full row rank).
///
/// The algorithm depends on the data: a numeric X is scaled to integers
/// and the system G a = y − X w0 solved by Bareiss elimination
/// ([`integer_closed_form`]); a symbolic X goes through the Cauchy–Binet
/// formula ([`cauchy_binet_closed_form`]), which needs no elimination over
/// polynomials at all. Both give the same canonical answer as the adjugate
/// route ([`adjugate_closed_form`]), which the tests compare them with.
pub fn closed_form(x: &Matrix<Poly>, y: &Matrix<Poly>, w0: &Matrix<Poly>) -> Option<ClosedForm> {
    if let Some(xq) = as_rational(x) {
        return integer_closed_form(&xq, y, w0);
    }
    cauchy_binet_closed_form(x, y, w0)
}

/// The closed form through the adjugate of G computed over the polynomials:
/// the direct route, kept as the reference the faster ones are checked
/// against.
pub fn adjugate_closed_form(x: &Matrix<Poly>, y: &Matrix<Poly>, w0: &Matrix<Poly>) -> Option<ClosedForm> {
    let n = x.rows();
    let gram = x.mul(&x.transpose()).ok()?;
    let adjugate = gram.adjugate().ok()?;
    // Row 0 of G adj(G) = det(G) I gives the determinant without a second
    // elimination.
    let det = (0..n).fold(Poly::zero(), |acc, j| &acc + &(gram.get(0, j) * adjugate.get(j, 0)));
    if det.is_zero() {
        return None;
    }
    let residual = y.sub(&x.mul(w0).ok()?).ok()?;
    let numerator = x.transpose().mul(&adjugate.mul(&residual).ok()?).ok()?;
    let entries = numerator
        .entries()
        .iter()
        .zip(w0.entries())
        .map(|(num, start)| RatFunc::new(&(start * &det) + num, det.clone()).expect("det is nonzero"))
        .collect();
    let limit = Matrix::from_vec(x.cols(), 1, entries);
    Some(ClosedForm { gram, adjugate: Some(adjugate), det, limit })
}

/// A numeric X: with X = Xᵢ/s (Xᵢ integer) and y − X w0 = r/t (r integer),
/// G = Xᵢ Xᵢᵀ/s², and Bareiss elimination gives u = adj(Xᵢ Xᵢᵀ) r and
/// D = det(Xᵢ Xᵢᵀ) in integers, so the limit is w0 + s Xᵢᵀ u/(D t): one
/// reduction per entry. Full row rank is proved modulo a prime first, so a
/// rank-deficient X costs no elimination over Q here.
pub fn integer_closed_form(xq: &Matrix<Q>, y: &Matrix<Poly>, w0: &Matrix<Poly>) -> Option<ClosedForm> {
    let (n, d) = xq.shape();
    let (xi, s) = IntMatrix::from_rational(xq);
    if xi.rank_mod(MERSENNE_61) < n && xq.rank() < n {
        return None;
    }
    let gi = xi.gram();
    let s2 = &s * &s;
    let gram = gi.to_rational(&s2).map(|q| Poly::constant(q.clone()));
    let residual = y.sub(&as_poly(xq).mul(w0).ok()?).ok()?;
    let (Some(rq), Some(w0q)) = (as_rational(&residual), as_rational(w0)) else {
        // Symbols in y or the start: the adjugate, in integers, times them.
        let (adj, det_i) = gi.adjugate()?;
        let scale = s.pow(2 * n as u32 - 2);
        let adjugate = adj.to_rational(&scale).map(|q| Poly::constant(q.clone()));
        let det = Poly::constant(Q::from_bigints(det_i, s.pow(2 * n as u32)));
        let numerator = as_poly(xq).transpose().mul(&adjugate.mul(&residual).ok()?).ok()?;
        let entries = numerator
            .entries()
            .iter()
            .zip(w0.entries())
            .map(|(num, start)| RatFunc::new(&(start * &det) + num, det.clone()).expect("det is nonzero"))
            .collect();
        let limit = Matrix::from_vec(d, 1, entries);
        return Some(ClosedForm { gram, adjugate: Some(adjugate), det, limit });
    };
    let (ri, t) = IntMatrix::from_rational(&rq);
    let (det_i, u) = gi.solve(ri.entries())?;
    let det = Poly::constant(Q::from_bigints(det_i.clone(), s.pow(2 * n as u32)));
    let xtu = xi.transpose_times(&u);
    let den = &det_i * &t;
    let limit = Matrix::column(
        xtu.into_iter()
            .zip(w0q.entries())
            .map(|(v, start)| RatFunc::constant(start + &Q::from_bigints(v * &s, den.clone())))
            .collect(),
    );
    let adjugate = (n <= MAX_SHOWN_ADJUGATE).then(|| {
        let (adj, _) = gi.adjugate().expect("nonsingular");
        adj.to_rational(&s.pow(2 * n as u32 - 2)).map(|q| Poly::constant(q.clone()))
    });
    Some(ClosedForm { gram, adjugate, det, limit })
}

/// A symbolic X, by the Cauchy–Binet formula: for each set S of n columns,
/// with X_S the n×n submatrix and r = y − X w0,
///
/// - det(X Xᵀ) = Σ_S det(X_S)², and
/// - Xᵀ adj(X Xᵀ) r = Σ_S det(X_S) · adj(X_S) r (placed on the columns S),
///   entry k of adj(X_S) r being det(X_S with column k replaced by r).
///
/// So the minimum-norm solution is the average of the basic solutions
/// X_S⁻¹ r weighted by the squared minors, and every numerator and the
/// denominator are sums of products of minors of n×n matrices: no
/// elimination over polynomials, and no division until each entry is
/// reduced once.
pub fn cauchy_binet_closed_form(x: &Matrix<Poly>, y: &Matrix<Poly>, w0: &Matrix<Poly>) -> Option<ClosedForm> {
    cauchy_binet_metered(x, y, w0, &mut |_, _, _| Ok(())).ok().flatten()
}

/// A report of progress that may refuse to go on (the time budget).
type Tick<'a> = &'a mut dyn FnMut(&'static str, u64, u64) -> Result<(), budget::OverBudget>;

/// [`cauchy_binet_closed_form`], reporting its progress to `tick`, which
/// may stop it.
fn cauchy_binet_metered(
    x: &Matrix<Poly>,
    y: &Matrix<Poly>,
    w0: &Matrix<Poly>,
    tick: Tick,
) -> Result<Option<ClosedForm>, budget::OverBudget> {
    let (n, d) = x.shape();
    let (Ok(gram), Ok(xw)) = (x.mul(&x.transpose()), x.mul(w0)) else { return Ok(None) };
    let Ok(residual) = y.sub(&xw) else { return Ok(None) };
    let mut det = Poly::zero();
    let mut numerator = vec![Poly::zero(); d];
    let subsets = column_subsets(d, n, usize::MAX);
    let total = subsets.len() as u64;
    for (done, s) in subsets.into_iter().enumerate() {
        tick("computing the n×n minors of the Cauchy–Binet sum", done as u64, total)?;
        let xs = columns(x, &s);
        let Ok(minor) = xs.det() else { return Ok(None) };
        if minor.is_zero() {
            continue;
        }
        det = &det + &(&minor * &minor);
        for (k, &j) in s.iter().enumerate() {
            let mut replaced = xs.clone();
            for r in 0..n {
                replaced.set(r, k, residual.get(r, 0).clone());
            }
            let Ok(cramer) = replaced.det() else { return Ok(None) };
            if !cramer.is_zero() {
                numerator[j] = &numerator[j] + &(&minor * &cramer);
            }
        }
    }
    tick("computing the n×n minors of the Cauchy–Binet sum", total, total)?;
    if det.is_zero() {
        return Ok(None);
    }
    let mut entries = Vec::with_capacity(d);
    for (j, (num, start)) in numerator.iter().zip(w0.entries()).enumerate() {
        tick("reducing the entries of the limit to lowest terms", j as u64, d as u64)?;
        entries.push(RatFunc::new(&(start * &det) + num, det.clone()).expect("det is nonzero"));
    }
    tick("reducing the entries of the limit to lowest terms", d as u64, d as u64)?;
    let limit = Matrix::from_vec(d, 1, entries);
    // The adjugate shown for one or two examples, written out (Bareiss
    // would divide by G₀₀ for nothing).
    let adjugate = match n {
        1 => Some(Matrix::identity(1)),
        2 => Some(Matrix::from_vec(
            2,
            2,
            vec![gram.get(1, 1).clone(), -gram.get(0, 1), -gram.get(1, 0), gram.get(0, 0).clone()],
        )),
        _ => None,
    };
    Ok(Some(ClosedForm { gram, adjugate, det, limit }))
}

/// The columns `cols` of `m`, in that order.
fn columns(m: &Matrix<Poly>, cols: &[usize]) -> Matrix<Poly> {
    let n = m.rows();
    Matrix::from_vec(n, cols.len(), (0..n).flat_map(|r| cols.iter().map(move |&c| m.get(r, c).clone())).collect())
}

/// The Moore–Penrose pseudo-inverse of a rational matrix, through a basis
/// of its row space.
#[derive(Clone, Debug)]
pub struct PseudoInverse {
    pub rank: usize,
    /// R: the nonzero rows of the reduced row echelon form, a basis of the
    /// row space (rank × d).
    pub basis: Matrix<Q>,
    /// X⁺ = Rᵀ (Bᵀ B)⁻¹ Bᵀ with B = X Rᵀ (d × n).
    pub pinv: Matrix<Q>,
}

/// X⁺ for a rational X. With R a basis of the row space and X = B R
/// (B = X Rᵀ(R Rᵀ)⁻¹, but only X Rᵀ is needed), the least-squares points in
/// the row space are Rᵀc with (X Rᵀ)ᵀ(X Rᵀ) c = (X Rᵀ)ᵀ y, an invertible
/// rank × rank system.
pub fn pseudo_inverse(x: &Matrix<Q>) -> PseudoInverse {
    let (n, d) = x.shape();
    let (rref, pivots) = x.rref();
    let rank = pivots.len();
    let basis = Matrix::from_vec(rank, d, rref.entries()[..rank * d].to_vec());
    if rank == 0 {
        return PseudoInverse { rank, basis, pinv: Matrix::zeros(d, n) };
    }
    let b = x.mul(&basis.transpose()).expect("d columns");
    let m = b.transpose().mul(&b).expect("square");
    let inv = m.inverse().expect("X Rᵀ has full column rank");
    let pinv = basis.transpose().mul(&inv).and_then(|p| p.mul(&b.transpose())).expect("shapes fit");
    PseudoInverse { rank, basis, pinv }
}

fn as_rational(m: &Matrix<Poly>) -> Option<Matrix<Q>> {
    m.try_map(|p| p.as_constant().ok_or(())).ok()
}

fn as_poly(m: &Matrix<Q>) -> Matrix<Poly> {
    m.map(|q| Poly::constant(q.clone()))
}

pub use crate::algebra::radical::{obviously_nonnegative, poly_sqrt};

// ---------------------------------------------------------------------------
// The largest eigenvalue of X Xᵀ and the step size
// ---------------------------------------------------------------------------

/// λ_max(X Xᵀ) for a numeric X, exactly.
#[derive(Clone, Debug)]
pub enum LambdaMax {
    /// X = 0: every eigenvalue is 0 and no step moves the iterate.
    Zero,
    /// A rational eigenvalue.
    Rational(Q),
    /// `a + b√k`, the larger root of a quadratic; `root` isolates it.
    Surd { a: Q, b: Q, k: BigInt, root: RealRoot },
    /// The largest root of `root.poly`, within `(root.lo, root.hi]`.
    Algebraic(RealRoot),
    /// For more than [`MAX_CHARPOLY_ROWS`] examples: the largest root of
    /// det(λI − G), never expanded, bracketed by rationals and decided
    /// against a step by inertia.
    Certified(Bracket),
}

/// Above this many examples λ_max is bracketed by inertia (Sylvester's law)
/// instead of isolated on the characteristic polynomial, whose degree-n
/// Sturm sequence grows too fast.
pub const MAX_CHARPOLY_ROWS: usize = 8;

/// `lo ≤ λ_max(G) < hi` with G = `gram`/`den`, proved: `lo` is at most a
/// Rayleigh quotient and `hi`·I − G is positive definite.
#[derive(Clone, Debug)]
pub struct Bracket {
    pub lo: Q,
    pub hi: Q,
    /// den·G, in integers.
    pub gram: IntMatrix,
    pub den: BigInt,
}

impl Bracket {
    /// How λ_max compares with t: below, equal or above, exactly. Outside
    /// the bracket the bracket decides; inside, t·I − G is positive
    /// definite exactly when λ_max < t, and when it is not, nonsingular
    /// exactly when t is no eigenvalue. Only when t is an eigenvalue does
    /// it fall back to the characteristic polynomial.
    fn compare(&self, t: &Q) -> Ordering {
        if *t >= self.hi {
            return Ordering::Less;
        }
        if *t < self.lo {
            return Ordering::Greater;
        }
        let scaled = t * &Q::from_bigints(self.den.clone(), BigInt::one());
        if self.gram.shifted_is_positive_definite(&scaled) {
            Ordering::Less
        } else if !self.gram.shifted_is_singular(&scaled) {
            Ordering::Greater
        } else {
            let g = self.gram.to_rational(&self.den);
            let chi = UPoly::from_coeffs(characteristic_polynomial(&g).expect("square"));
            if Sturm::new(&chi.squarefree()).roots_above(t) > 0 { Ordering::Greater } else { Ordering::Equal }
        }
    }
}

/// The spectrum facts of a numeric X Xᵀ: its characteristic polynomial and
/// its largest eigenvalue.
#[derive(Clone, Debug)]
pub struct Spectrum {
    /// det(λI − G), when it was computed (up to [`MAX_CHARPOLY_ROWS`]
    /// examples, or G = 0).
    pub chi: Option<UPoly>,
    pub lambda: LambdaMax,
}

/// The exact largest eigenvalue of a rational symmetric positive
/// semidefinite matrix: isolated on the characteristic polynomial for up
/// to [`MAX_CHARPOLY_ROWS`] rows, bracketed by inertia above.
pub fn spectrum(gram: &Matrix<Q>) -> Spectrum {
    if gram.rows() > MAX_CHARPOLY_ROWS {
        let (gi, den) = IntMatrix::from_rational(gram);
        if gi.entries().iter().all(num_traits::Zero::is_zero) {
            let mut coeffs = vec![Q::zero(); gram.rows() + 1];
            coeffs[gram.rows()] = Q::one();
            return Spectrum { chi: Some(UPoly::from_coeffs(coeffs)), lambda: LambdaMax::Zero };
        }
        if let Some((lo, hi)) = gi.eigenvalue_bracket() {
            let d = Q::from_bigints(den.clone(), BigInt::one());
            // A short lower end: rounded down, still at most λ_max.
            let (m, e) = decimal_parts(&(&lo / &d), 12, Ordering::Less);
            let lo = decimal_value(&m, e);
            let hi = &hi / &d;
            return Spectrum { chi: None, lambda: LambdaMax::Certified(Bracket { lo, hi, gram: gi, den }) };
        }
    }
    exact_spectrum(gram)
}

/// λ_max on the characteristic polynomial: rational, a surd, or isolated
/// by a Sturm sequence.
pub fn exact_spectrum(gram: &Matrix<Q>) -> Spectrum {
    let s = charpoly_spectrum(gram);
    Spectrum { chi: Some(s.0), lambda: s.1 }
}

fn charpoly_spectrum(gram: &Matrix<Q>) -> (UPoly, LambdaMax) {
    let chi = UPoly::from_coeffs(characteristic_polynomial(gram).expect("X Xᵀ is square"));
    let (_, nonzero) = chi.split_zero_roots();
    if nonzero.degree() == Some(0) {
        return (chi, LambdaMax::Zero);
    }
    let q = nonzero.squarefree();
    if q.degree() == Some(1) {
        let r = -&(&q.coeffs()[0] / &q.coeffs()[1]);
        return (chi, LambdaMax::Rational(r));
    }
    let Some(mut root) = largest_root(&q) else {
        // A symmetric matrix has only real eigenvalues, so this cannot
        // happen; say so rather than guess.
        return (chi, LambdaMax::Zero);
    };
    if let Some(r) = root.exact() {
        let r = r.clone();
        return (chi, LambdaMax::Rational(r));
    }
    let width = &root.hi.abs() * &Q::new(1, 10_000_000);
    root.refine(&width);
    if let Some(r) = root.exact() {
        let r = r.clone();
        return (chi, LambdaMax::Rational(r));
    }
    root.round_outward(6);
    if q.degree() == Some(2) {
        // λ² + p λ + c: λ = −p/2 + √(p²/4 − c).
        let (c, p) = (&q.coeffs()[0], &q.coeffs()[1]);
        let a = -&(p / &Q::from_int(2));
        let disc = &(&(p * p) / &Q::from_int(4)) - c;
        if let Some((b, k)) = sqrt_parts(&disc) {
            if k.is_one() {
                return (chi, LambdaMax::Rational(&a + &b));
            }
            return (chi, LambdaMax::Surd { a, b, k, root });
        }
    }
    (chi, LambdaMax::Algebraic(root))
}

impl LambdaMax {
    /// A rational number at least λ_max, equal only when λ_max is rational.
    pub fn upper(&self) -> Q {
        match self {
            LambdaMax::Zero => Q::zero(),
            LambdaMax::Rational(q) => q.clone(),
            LambdaMax::Surd { root, .. } | LambdaMax::Algebraic(root) => root.hi.clone(),
            LambdaMax::Certified(b) => b.hi.clone(),
        }
    }

    /// How η·λ_max compares with 1, exactly.
    pub fn compare_step(&self, eta: &Q) -> Ordering {
        match self {
            LambdaMax::Zero => Ordering::Less,
            LambdaMax::Rational(q) => (eta * q).cmp(&Q::one()),
            LambdaMax::Certified(b) => b.compare(&eta.inv().expect("the step is positive")),
            LambdaMax::Surd { root, .. } | LambdaMax::Algebraic(root) => {
                // η λ < 1 ⟺ λ < 1/η ⟺ no root at or above 1/η.
                let t = eta.inv().expect("the step is positive");
                let sturm = Sturm::new(&root.poly);
                if sturm.roots_above(&t) > 0 {
                    Ordering::Greater
                } else if root.poly.eval(&t).is_zero() && sturm.roots_above(&root.lo) == 1 && root.lo < t {
                    Ordering::Equal
                } else {
                    Ordering::Less
                }
            }
        }
    }

    /// The exact value as a formula: `0`, a rational, `a + b sqrt(k)`;
    /// `None` for the largest root of a polynomial of higher degree, which
    /// has no closed form here.
    pub fn math(&self) -> Option<Math> {
        match self {
            LambdaMax::Zero => Some(Math::int(0)),
            LambdaMax::Rational(q) => Some(Math::Number(q.clone())),
            LambdaMax::Surd { a, b, k, .. } => {
                let root = Math::Apply(Func::Sqrt, vec![Math::Number(Q::from_bigints(k.clone(), BigInt::one()))]);
                let (sign, coef) = if b.is_negative() { (Sign::Minus, b.abs()) } else { (Sign::Plus, b.clone()) };
                let surd = if coef.is_one() { root } else { Math::Product(vec![Math::Number(coef), root]) };
                Some(if a.is_zero() && sign == Sign::Plus {
                    surd
                } else if a.is_zero() {
                    Math::Neg(Box::new(surd))
                } else {
                    Math::Sum(vec![(Sign::Plus, Math::Number(a.clone())), (sign, surd)])
                })
            }
            LambdaMax::Algebraic(_) | LambdaMax::Certified(_) => None,
        }
    }

    /// The exact value in words and plain notation, for diagnostics.
    pub fn describe(&self) -> String {
        match self {
            LambdaMax::Zero => "0".into(),
            LambdaMax::Rational(q) => q.to_string(),
            LambdaMax::Surd { a, b, k, .. } => {
                let coef = if b.is_one() { String::new() } else { format!("{b}*") };
                let lead = if a.is_zero() { String::new() } else { format!("{a} + ") };
                format!("{lead}{coef}sqrt({k})")
            }
            LambdaMax::Algebraic(root) => format!(
                "the largest root of {}, in ({}, {}]",
                root.poly.display("lambda"),
                short(&root.lo),
                short(&root.hi)
            ),
            LambdaMax::Certified(b) => format!(
                "the largest eigenvalue of X Xᵀ, in [{}, {}) (certified by inertia)",
                short(&b.lo),
                short(&b.hi)
            ),
        }
    }

    /// A short decimal step that is provably inside the condition, as
    /// (mantissa, exponent): mantissa/10^exponent.
    fn safe_step_parts(&self) -> Option<(BigInt, i64)> {
        let upper = self.upper();
        let bound = upper.inv()?;
        let (mut m, e) = decimal_parts(&bound, 3, Ordering::Less);
        let exact = matches!(self, LambdaMax::Rational(_));
        if exact && decimal_value(&m, e) == bound {
            m -= BigInt::one();
        }
        Some((m, e))
    }

    /// A short decimal step that is provably inside the condition.
    pub fn safe_step(&self) -> Option<Q> {
        self.safe_step_parts().map(|(m, e)| decimal_value(&m, e))
    }

    /// [`safe_step`](Self::safe_step) written as a decimal, for diagnostics.
    pub fn safe_step_text(&self) -> Option<String> {
        self.safe_step_parts().map(|(m, e)| decimal_text(&m, e))
    }
}

fn decimal_value(m: &BigInt, e: i64) -> Q {
    &Q::from_bigints(m.clone(), BigInt::one()) / &Q::from_int(10).pow(e).expect("ten is nonzero")
}

/// A rational as a decimal when it has a short one (as the ends of a
/// rounded isolating interval do), else as a fraction; for diagnostics.
fn short(q: &Q) -> String {
    let (m, e) = decimal_parts(q, 12, Ordering::Less);
    let text = decimal_text(&m, e);
    if Q::parse(&text).is_ok_and(|back| back == *q) { text } else { q.to_string() }
}

impl QuadraticRoot {
    /// The larger eigenvalue of a symmetric 2×2 matrix of polynomials.
    pub fn of(gram: &Matrix<Poly>) -> QuadraticRoot {
        let (g00, g01, g11) = (gram.get(0, 0), gram.get(0, 1), gram.get(1, 1));
        let trace = g00 + g11;
        let diff = g00 - g11;
        let discriminant = &(&diff * &diff) + &(g01 * g01).scale(&Q::from_int(4));
        let root = poly_sqrt(&discriminant);
        QuadraticRoot { trace, discriminant, root }
    }

    /// `(trace + sqrt(discriminant))/2`, as the problem's data give it.
    pub fn formula(&self) -> Math {
        let sqrt = Math::Apply(Func::Sqrt, vec![Math::Poly(self.discriminant.clone())]);
        math!("(#t + #s)/2", t = self.trace.clone(), s = sqrt)
    }

    /// λ_max simplified where the algebra makes it exact: a polynomial when
    /// the discriminant is the square of one of constant sign, with an
    /// absolute value when it is the square of one of unknown sign, and the
    /// square factor of its content taken out of the root otherwise.
    /// `None` when no simplification applies.
    pub fn simplified(&self) -> Option<Math> {
        let half = Q::new(1, 2);
        if let Some(q) = &self.root {
            if obviously_nonnegative(q) {
                return Some(Math::Poly((&self.trace + q).scale(&half)));
            }
            if obviously_nonnegative(&-q) {
                return Some(Math::Poly((&self.trace - q).scale(&half)));
            }
            let abs = Math::Fenced(Fence::Abs, Box::new(Math::Poly(q.clone())));
            return Some(math!("(#t + #a)/2", t = self.trace.clone(), a = abs));
        }
        let content = self.discriminant.content();
        let (s, _) = sqrt_parts(&content)?;
        if s.is_one() {
            return None;
        }
        let rest = self.discriminant.scale(&(&s * &s).inv().expect("nonzero"));
        let sqrt = Math::Apply(Func::Sqrt, vec![Math::Poly(rest)]);
        let half_s = &s * &half;
        let half_trace = self.trace.scale(&half);
        let integral = half_s.is_integer() && half_trace.terms().iter().all(|(_, c)| c.is_integer());
        Some(if integral {
            let surd = if half_s.is_one() { sqrt } else { Math::Product(vec![Math::Number(half_s), sqrt]) };
            math!("#t + #s", t = half_trace, s = surd)
        } else {
            math!("(#t + #c #s)/2", t = self.trace.clone(), c = s, s = sqrt)
        })
    }

    /// The simplest exact form of λ_max.
    pub fn math(&self) -> Math {
        self.simplified().unwrap_or_else(|| self.formula())
    }
}

// ---------------------------------------------------------------------------
// The limit of gradient descent: the answer
// ---------------------------------------------------------------------------

/// What the data say about the rank, decided exactly.
enum Rank {
    /// Full row rank: X Xᵀ is invertible (symbolic: where det ≠ 0).
    Full(ClosedForm),
    /// A numeric X of rank r < n.
    Deficient(PseudoInverse),
}

/// Refuses a data matrix with symbols whose closed form is too large to
/// compute exactly, before any expansion; see [`super::budget`].
fn symbolic_size(data: &Data, span: Span) -> Result<(), Diagnostic> {
    if as_rational(&data.x).is_some() {
        return Ok(());
    }
    let (n, d, x) = (data.n(), data.d(), &data.x_name);
    let hint = "write the data matrix with numbers, or ask about fewer examples (a smaller n)";
    if n > budget::MAX_SYMBOLIC_ROWS {
        return Err(Diagnostic::error(
            span,
            format!(
                "a symbolic {x} with {n} rows is over the limit of {} rows for an exact symbolic answer",
                budget::MAX_SYMBOLIC_ROWS
            ),
        )
        .with_label("the exact closed form grows too fast with the number of examples")
        .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
        .with_hint(hint));
    }
    let terms = budget::gram_det_terms(n, d);
    let work = terms.saturating_mul(terms).saturating_mul(d as u128);
    if work > budget::MAX_SYMBOLIC_WORK {
        return Err(Diagnostic::error(
            span,
            format!(
                "a symbolic {n}×{d} {x}: det({x} {x}ᵀ) has about {terms} terms, and reducing the {d} entries of the \
                 answer by it is about {work} term operations, over the limit of {}",
                budget::MAX_SYMBOLIC_WORK
            ),
        )
        .with_label("too large to compute exactly")
        .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
        .with_hint(hint));
    }
    Ok(())
}

/// Refuses a symbolic data matrix whose Cauchy–Binet closed form is too
/// large to compute exactly, before any expansion; see [`super::budget`].
fn closed_form_size(data: &Data, span: Span) -> Result<(), Diagnostic> {
    let (n, d, x) = (data.n(), data.d(), &data.x_name);
    if as_rational(&data.x).is_some() {
        if n > budget::MAX_NUMERIC_ROWS {
            return Err(Diagnostic::error(
                span,
                format!(
                    "a numeric {x} with {n} rows is over the limit of {} rows for an exact answer",
                    budget::MAX_NUMERIC_ROWS
                ),
            )
            .with_label("exact elimination on X Xᵀ grows with the cube of the rows and the digits of the entries")
            .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
            .with_hint("ask about fewer examples (a smaller n)"));
        }
        return Ok(());
    }
    let hint = "write the data matrix with numbers, or ask about fewer examples (a smaller n) or fewer features";
    if n > budget::MAX_CLOSED_FORM_ROWS {
        return Err(Diagnostic::error(
            span,
            format!(
                "a symbolic {x} with {n} rows is over the limit of {} rows for an exact symbolic answer",
                budget::MAX_CLOSED_FORM_ROWS
            ),
        )
        .with_label("the exact closed form grows too fast with the number of examples")
        .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
        .with_hint(hint));
    }
    let terms = budget::gram_det_terms(n, d);
    let work = budget::closed_form_work(n, d);
    if work > budget::MAX_CLOSED_FORM_WORK {
        return Err(Diagnostic::error(
            span,
            format!(
                "a symbolic {n}×{d} {x}: det({x} {x}ᵀ) has about {terms} terms, and proving the {d} entries of the \
                 answer in lowest terms is about {work} term operations, over the limit of {}",
                budget::MAX_CLOSED_FORM_WORK
            ),
        )
        .with_label("too large to compute exactly")
        .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
        .with_hint(hint));
    }
    Ok(())
}

/// Decides the rank and computes the limit; errors say why nnkey cannot.
fn rank_and_limit(data: &Data, w0: &Matrix<Poly>, span: Span) -> Result<Rank, Diagnostic> {
    closed_form_size(data, span)?;
    let (n, d) = (data.n(), data.d());
    if let Some(xq) = as_rational(&data.x) {
        return Ok(match integer_closed_form(&xq, &data.y, w0) {
            Some(cf) => Rank::Full(cf),
            None => Rank::Deficient(pseudo_inverse(&xq)),
        });
    }
    let mut tick = |stage, done, total| budget::tick(stage, done, total);
    let metered = cauchy_binet_metered(&data.x, &data.y, w0, &mut tick).map_err(|over| {
        Diagnostic::error(span, over.message("the limit of gradient descent"))
            .with_label("the exact closed form took too long")
            .with_hint_at(data.x_span, format!("`{}` is {n}×{d}", data.x_name))
            .with_hint(budget::OverBudget::HINT)
    })?;
    match metered {
        Some(cf) => Ok(Rank::Full(cf)),
        None => {
            let r = data.x.rank();
            let why = if n > d {
                format!("{} has more rows ({n}) than columns ({d})", data.x_name)
            } else {
                format!("the rows of {} are linearly dependent for every value of its symbols", data.x_name)
            };
            Err(Diagnostic::error(
                span,
                format!("{why}: it has rank {r} < {n}, so {} {}ᵀ is never invertible", data.x_name, data.x_name),
            )
            .with_label("nnkey derives the symbolic limit for a data matrix of full row rank")
            .with_hint_at(data.x_span, format!("`{}` is {n}×{d}", data.x_name))
            .with_hint(
                "write the data matrix with numbers to get the pseudo-inverse limit, or drop the dependent rows",
            ))
        }
    }
}

/// The limit, its rank case, its step condition and what the iterates do.
pub fn limit_answer(g: &GradientLimit) -> Result<LimitAnswer, Diagnostic> {
    budget::start();
    let data = &g.data;
    let rank = rank_and_limit(data, &g.start, g.span)?;
    let gram = match &rank {
        Rank::Full(cf) => cf.gram.clone(),
        Rank::Deficient(_) => data.x.mul(&data.x.transpose()).expect("shapes"),
    };
    let step = step_condition(g, &gram)?;
    let (limit, rank) = match rank {
        Rank::Full(cf) => (cf.limit, RankCase::Full { det: cf.det, adjugate: cf.adjugate }),
        Rank::Deficient(p) => {
            let residual = data.y.sub(&data.x.mul(&g.start).expect("shapes")).expect("shapes");
            let w = g.start.add(&as_poly(&p.pinv).mul(&residual).expect("shapes")).expect("shapes");
            let fit = fit(data, &p);
            (w.map(|e| RatFunc::from(e.clone())), RankCase::PseudoInverse { pinv: p, fit })
        }
    };
    let outcome = match (&step.verdict, &g.step, &step.lambda_max) {
        (Some(Ordering::Equal | Ordering::Greater), Some(s), LambdaForm::Exact(sp)) => {
            outcome(g, s, &sp.lambda, &limit)?
        }
        _ => Outcome::Converges,
    };
    Ok(LimitAnswer { data: data.clone(), start: g.start.clone(), limit, gram, rank, step, outcome })
}

/// A numeric step at or above 1/λ_max: what the iterates do, decided on
/// the starting error e⁽⁰⁾ = w⁽⁰⁾ − w∞. Targets or a start with symbols
/// make the outcome depend on the symbols, an error that says so.
fn outcome(
    g: &GradientLimit,
    step: &StepSize,
    lambda: &LambdaMax,
    limit: &Matrix<RatFunc>,
) -> Result<Outcome, Diagnostic> {
    let eta = step.value.as_constant().expect("a verdict needs a numeric step");
    let xq = as_rational(&g.data.x).expect("a verdict needs a numeric X");
    let bound = format!("1/λ_max(X Xᵀ), with λ_max = {}", lambda.describe());
    let safe = match lambda.safe_step_text() {
        Some(s) => format!("any step up to {s} converges"),
        None => "any positive step converges".into(),
    };
    let (Some(w0), Ok(winf)) = (as_rational(&g.start), limit.try_map(|r| r.as_constant().ok_or(()))) else {
        return Err(Diagnostic::error(
            step.span,
            format!(
                "the step {eta} is at or above {bound}; whether gradient descent still converges depends on the symbols"
            ),
        )
        .with_label(
            "the iterates diverge or oscillate unless the starting error has no component along the top eigenvectors",
        )
        .with_hint("give the targets and the start as numbers to decide it, or take a smaller step")
        .with_hint(safe));
    };
    let error = w0.sub(&winf).expect("shapes");
    let threshold = eta.inv().expect("the step is positive");
    let d = dynamics(&xq, &error, &eta, &threshold).map_err(|why| {
        Diagnostic::error(step.span, format!("the step {eta} is at or above {bound}, and {why}"))
            .with_label("nnkey cannot decide what the iterates do")
            .with_hint(safe.clone())
    })?;
    Ok(match &d.witness {
        Witness::Roots => Outcome::ConvergesAnyway(d),
        Witness::Eigenvector { lambda, .. } if *lambda == threshold => Outcome::Oscillates(d),
        _ => Outcome::Diverges(d),
    })
}

/// (XᵀX) v, as Xᵀ(X v).
fn gram_times(x: &Matrix<Q>, xt: &Matrix<Q>, v: &Matrix<Q>) -> Matrix<Q> {
    xt.mul(&x.mul(v).expect("shapes")).expect("shapes")
}

fn inner(a: &Matrix<Q>, b: &Matrix<Q>) -> Q {
    a.entries().iter().zip(b.entries()).fold(Q::zero(), |acc, (p, q)| &acc + &(p * q))
}

/// p(XᵀX) e⁽⁰⁾ = Σ cᵢ kᵢ for p = Σ cᵢ λⁱ, over the Krylov vectors
/// kᵢ = (XᵀX)ⁱ e⁽⁰⁾.
fn krylov_combination(krylov: &[Matrix<Q>], p: &UPoly) -> Matrix<Q> {
    let mut out = Matrix::zeros(krylov[0].rows(), 1);
    for (c, k) in p.coeffs().iter().zip(krylov) {
        out = out.add(&k.map(|e| e * c)).expect("shapes");
    }
    out
}

/// The exact dynamics of e⁽ᵗ⁺¹⁾ = (I − 2η XᵀX) e⁽ᵗ⁾ from e⁽⁰⁾ = `error`,
/// with `threshold` = 1/η.
///
/// The Krylov vectors e⁽⁰⁾, XᵀX e⁽⁰⁾, … first become dependent at the
/// degree of μ, the local minimal polynomial; XᵀX is symmetric, so the
/// roots of μ are exactly the eigenvalues along which e⁽⁰⁾ has a
/// component, and along each the factor per step is 1 − 2ηλ. A root above
/// 1/η makes the iterates diverge; a root at 1/η and none above makes them
/// oscillate; roots all below let them converge. The witness is the
/// eigenvector q(XᵀX) e⁽⁰⁾ with q = μ/(λ − ρ) when the deciding root ρ is
/// rational, else a power (XᵀX)ᵏ e⁽⁰⁾ whose Rayleigh quotient exceeds 1/η.
/// An error says which limit stopped it.
pub fn dynamics(x: &Matrix<Q>, error: &Matrix<Q>, eta: &Q, threshold: &Q) -> Result<Dynamics, String> {
    let xt = x.transpose();
    let d = error.rows();
    let mut krylov = vec![error.clone()];
    let minimal = if error.is_zero() {
        UPoly::constant(Q::one())
    } else {
        loop {
            if krylov.len() > MAX_KRYLOV {
                return Err(format!(
                    "the starting error has components along more than {MAX_KRYLOV} eigenvalues, over the limit \
                     for deciding the dynamics"
                ));
            }
            let next = gram_times(x, &xt, krylov.last().expect("nonempty"));
            krylov.push(next);
            let k = krylov.len();
            let mut data = Vec::with_capacity(d * k);
            for i in 0..d {
                for v in &krylov {
                    data.push(v.get(i, 0).clone());
                }
            }
            // The earlier vectors are independent, so a dependency has a
            // nonzero last coefficient and the null space is one vector.
            if let Some(c) = Matrix::from_vec(d, k, data).nullspace().into_iter().next() {
                break UPoly::from_coeffs(c.entries().to_vec()).monic();
            }
        }
    };
    let sturm = Sturm::new(&minimal);
    let above = minimal.degree().unwrap_or(0) > 0 && sturm.roots_above(threshold) > 0;
    let at = minimal.eval(threshold).is_zero();
    let eigenvector = |rho: &Q| -> Witness {
        let (q, _) = minimal.div_rem(&UPoly::from_coeffs(vec![-rho, Q::one()])).expect("a nonzero divisor");
        let v = primitive_column(&krylov_combination(&krylov, &q));
        let overlap = inner(&v, error);
        let scale = &overlap / &inner(&v, &v);
        let cycle = v.map(|e| e * &scale);
        Witness::Eigenvector { v, lambda: rho.clone(), overlap, cycle }
    };
    let witness = if above {
        let mut root = largest_root(&minimal).expect("a root above the threshold");
        let width = &root.hi.abs() * &Q::new(1, 1 << 40);
        root.refine(&width);
        match root.exact() {
            Some(rho) => eigenvector(&rho.clone()),
            None => {
                // The Rayleigh quotients of the powers rise to the largest
                // root, which is above the threshold.
                let mut v = error.clone();
                let mut found = None;
                for power in 0..=MAX_RAYLEIGH_POWER {
                    let mv = gram_times(x, &xt, &v);
                    let quotient = &inner(&v, &mv) / &inner(&v, &v);
                    if quotient > *threshold {
                        found = Some(Witness::Rayleigh { v: primitive_column(&v), power, quotient });
                        break;
                    }
                    v = primitive_column(&mv);
                }
                found.ok_or_else(|| {
                    format!(
                        "no power of XᵀX up to {MAX_RAYLEIGH_POWER} certifies the divergence by its Rayleigh quotient"
                    )
                })?
            }
        }
    } else if at {
        eigenvector(threshold)
    } else {
        Witness::Roots
    };
    Ok(Dynamics { eta: eta.clone(), threshold: threshold.clone(), error: error.clone(), minimal, witness })
}

/// A nonzero rational column scaled to coprime integers with a positive
/// first nonzero entry; a direction is unchanged by scaling.
fn primitive_column(v: &Matrix<Q>) -> Matrix<Q> {
    use num_integer::Integer;
    use num_traits::Zero;
    let den = v.entries().iter().fold(BigInt::one(), |acc, q| acc.lcm(&q.denom()));
    let ints: Vec<BigInt> = v.entries().iter().map(|q| q.numer() * (&den / q.denom())).collect();
    let mut g = ints.iter().fold(BigInt::zero(), |acc, k| acc.gcd(k));
    if g.is_zero() {
        return v.clone();
    }
    if ints.iter().find(|k| !k.is_zero()).is_some_and(|k| k.sign() == num_bigint::Sign::Minus) {
        g = -g;
    }
    Matrix::column(ints.into_iter().map(|k| Q::from_bigints(k, g.clone())).collect())
}

/// Whether the pseudo-inverse limit solves X w = y: exactly when
/// (I − X X⁺) y = 0.
fn fit(data: &Data, p: &PseudoInverse) -> Fit {
    let n = data.n();
    let projector = Matrix::<Q>::identity(n)
        .sub(&as_rational(&data.x).expect("numeric").mul(&p.pinv).expect("shapes"))
        .expect("shapes");
    let off = as_poly(&projector).mul(&data.y).expect("shapes");
    if off.is_zero() {
        Fit::Exact
    } else if let Some(o) = as_rational(&off) {
        Fit::LeastSquares(o.entries().iter().fold(Q::zero(), |acc, q| &acc + &(q * q)))
    } else {
        Fit::Condition(off)
    }
}

/// The step-size condition 0 < η < 1/λ_max(X Xᵀ), with λ_max exact for a
/// numeric X; a numeric step the file gives is compared with it exactly.
fn step_condition(g: &GradientLimit, gram: &Matrix<Poly>) -> Result<StepCondition, Diagnostic> {
    let n = gram.rows();
    let trace = (0..n).fold(Poly::zero(), |acc, i| &acc + gram.get(i, i));
    let step = g.step.as_ref().map(|s| s.value.clone());
    if let Some(gq) = as_rational(gram) {
        let sp = spectrum(&gq);
        let verdict = g.step.as_ref().and_then(|s| s.value.as_constant()).map(|eta| sp.lambda.compare_step(&eta));
        let safe_step = match sp.lambda {
            LambdaMax::Zero => None,
            _ => sp.lambda.safe_step(),
        };
        return Ok(StepCondition { lambda_max: LambdaForm::Exact(sp), trace, step, safe_step, verdict });
    }
    let lambda_max = match n {
        1 => LambdaForm::Entry(gram.get(0, 0).clone()),
        2 => LambdaForm::Quadratic(QuadraticRoot::of(gram)),
        _ => LambdaForm::LargestRoot,
    };
    Ok(StepCondition { lambda_max, trace, step, safe_step: None, verdict: None })
}

/// Derives `limit of gradient descent on least squares(X, y) from W0`: the
/// typed answer and its proof.
pub fn derive_limit(g: &GradientLimit, problem: &Problem) -> Result<(LimitAnswer, Explanation), Diagnostic> {
    let answer = limit_answer(g)?;
    let explanation = explain_limit(g, &answer, problem);
    Ok((answer, explanation))
}

// ---------------------------------------------------------------------------
// The limit of gradient descent: the proof
// ---------------------------------------------------------------------------

/// The names a limit derivation writes with: the data's own names, and
/// letters that avoid every name of the problem.
struct Notation {
    x: Math,
    y: Math,
    /// The file's name for the start, when it has one.
    start: Option<Math>,
    w: Math,
    t: Math,
    a: Math,
    f: Math,
    eta: Math,
    g: Math,
    lambda: Math,
    z: Math,
    e: Math,
    id: Math,
    /// The row-space basis R, B = X Rᵀ and the coefficients c of the
    /// pseudo-inverse computation.
    basis: Math,
    b: Math,
    c: Math,
    /// The trace and the discriminant of a 2×2 G, when λ_max names them.
    tr: Math,
    disc: Math,
    /// The coordinates of a picture's plane.
    p: Math,
    q: Math,
    /// The local minimal polynomial of a large step's starting error.
    mu: Math,
}

impl Notation {
    fn limit(g: &GradientLimit, problem: &Problem) -> Notation {
        let mut letters = Letters::of(problem);
        let (x, y) = data_names(&g.data, problem, &mut letters);
        let start = g.start_name.as_deref().filter(|n| problem.object(n).is_some()).map(Math::name);
        // A step that is one symbol is the file's own name for it.
        let eta = match g.step.as_ref().and_then(|s| s.value.as_poly()).and_then(Poly::as_var) {
            Some(v) => Math::Poly(Poly::var(v)),
            None => letters.fresh(&["eta", "alpha", "gamma"]),
        };
        Notation {
            x,
            y,
            start,
            w: letters.fresh(&["w", "v", "u"]),
            t: letters.fresh(&["t", "k", "s"]),
            a: letters.fresh(&["a", "c", "b", "p", "q"]),
            f: letters.fresh(&["f", "F", "L"]),
            eta,
            g: letters.fresh(&["G", "K", "M"]),
            lambda: letters.fresh(&["lambda", "sigma", "mu"]),
            z: letters.fresh(&["z", "u", "v"]),
            e: letters.fresh(&["e", "r", "d"]),
            id: letters.fresh(&["I", "Id"]),
            basis: letters.fresh(&["R", "Q", "P"]),
            b: letters.fresh(&["B", "M", "N"]),
            c: letters.fresh(&["c", "b", "q"]),
            tr: letters.fresh(&["T", "tau"]),
            disc: letters.fresh(&["D", "Delta"]),
            p: letters.fresh(&["p", "s"]),
            q: letters.fresh(&["q", "r"]),
            mu: letters.fresh(&["mu", "m", "P"]),
        }
    }

    /// w⁽ᵏ⁾.
    fn w_at(&self, k: Math) -> Math {
        self.w.clone().sup(Math::Fenced(Fence::Paren, Box::new(k)))
    }

    /// w⁽ᵗ⁾.
    fn wt(&self) -> Math {
        self.w_at(self.t.clone())
    }

    /// w⁽ᵗ⁺¹⁾.
    fn wnext(&self) -> Math {
        self.w_at(math!("#t + 1", t = self.t.clone()))
    }

    /// w⁽⁰⁾.
    fn w0(&self) -> Math {
        self.w_at(Math::int(0))
    }

    /// w∞.
    fn winf(&self) -> Math {
        self.w.clone().sub(Math::Constant(Constant::Infinity))
    }

    /// λ_max.
    fn lmax(&self) -> Math {
        self.lambda.clone().sub(Math::name("max"))
    }
}

/// The file's names for X and y; data written out get letters of their own.
fn data_names(data: &Data, problem: &Problem, letters: &mut Letters) -> (Math, Math) {
    let x = if problem.object(&data.x_name).is_some() { Math::name(&data.x_name) } else { letters.fresh(&["X", "A"]) };
    let y = if problem.object(&data.y_name).is_some() { Math::name(&data.y_name) } else { letters.fresh(&["y", "b"]) };
    (x, y)
}

/// `X = …` and `y = …`, the data as the derivation uses them.
fn data_lines(data: &Data, x: &Math, y: &Math) -> Vec<Math> {
    vec![
        math!("#X = #v", X = x.clone(), v = explain::poly_matrix(&data.x)),
        math!("#y = #v", y = y.clone(), v = explain::poly_matrix(&data.y)),
    ]
}

fn plural(n: usize, one: &str, many: &str) -> Words {
    words(if n == 1 { one } else { many })
}

fn explain_limit(g: &GradientLimit, answer: &LimitAnswer, problem: &Problem) -> Explanation {
    if let Outcome::Oscillates(dy) | Outcome::Diverges(dy) = &answer.outcome {
        return explain_outcome(g, answer, problem, dy);
    }
    let nt = Notation::limit(g, problem);
    let data = &answer.data;
    let (n, d) = (data.n(), data.d());
    let zero_start = g.starts_at_zero();
    let (x, y, w, t, a, f, eta) = (&nt.x, &nt.y, &nt.w, &nt.t, &nt.a, &nt.f, &nt.eta);
    let (w0, wt, wn, winf) = (nt.w0(), nt.wt(), nt.wnext(), nt.winf());
    let mut ex = Explanation::new();

    // 1. The objective, the data and the update; data the problem shows
    // with its question are not repeated.
    let shown = |name: &str| problem.shown.iter().any(|(n, _)| n == name);
    let mut lines = if shown(&data.x_name) && shown(&data.y_name) { Vec::new() } else { data_lines(data, x, y) };
    let start_shown = g.start_name.as_deref().is_some_and(shown);
    if !zero_start && !start_shown {
        let v = explain::poly_matrix(&answer.start);
        lines.push(match &nt.start {
            Some(u) => math!("#w0 = #u = #v", w0 = w0.clone(), u = u.clone(), v = v),
            None => math!("#w0 = #v", w0 = w0.clone(), v = v),
        });
    }
    let start_text = match (&nt.start, zero_start) {
        (_, true) => math!("#w0 = 0", w0 = w0.clone()),
        (Some(u), false) => math!("#w0 = #u", w0 = w0.clone(), u = u.clone()),
        (None, false) => w0.clone(),
    };
    // The data follow the sentence when the question does not show them.
    let objective = prose!(
        "The objective is $#f(#w) = norm(#X #w - #y)^2$, the squared error over the #n #examples, one per row of \
         the #n×#d matrix $#X$#end",
        f = f.clone(),
        w = w.clone(),
        X = x.clone(),
        y = y.clone(),
        n = n,
        d = d,
        examples = plural(n, "example", "examples"),
        end = explain::words(if lines.is_empty() { "." } else { ":" }),
    );
    let first = ex.step(objective);
    if !lines.is_empty() {
        first.aligned(lines);
    }
    first
    .prose(prose!(
        "Its gradient is $nabla #f(#w) = 2 #X^T (#X #w - #y)$, so gradient descent with a constant step $#eta$, started at $#s$, iterates",
        f = f.clone(), w = w.clone(), X = x.clone(), y = y.clone(), eta = eta.clone(), s = start_text,
    ))
    .display(math!(
        "#wn = #wt - 2 #eta #X^T (#X #wt - #y)",
        wn = wn.clone(), wt = wt.clone(), eta = eta.clone(), X = x.clone(), y = y.clone(),
    ));

    // 2. The invariant.
    let at = a.clone().sup(Math::Fenced(Fence::Paren, Box::new(t.clone())));
    ex.step(prose!(
        "Every iterate stays in $#w0 + range(#X^T)$, the start plus the row space of $#X$, by induction on $#t$: \
         $#w0 = #w0 + #X^T 0$, and if $#wt = #w0 + #X^T #at$, the update adds $#X^T$ times a vector:",
        w0 = w0.clone(),
        X = x.clone(),
        t = t.clone(),
        wt = wt.clone(),
        at = at.clone(),
    ))
    .display(math!(
        "#wn = #w0 + #X^T (#at - 2 #eta (#X #wt - #y))",
        wn = wn.clone(),
        w0 = w0.clone(),
        X = x.clone(),
        at = at,
        eta = eta.clone(),
        wt = wt.clone(),
        y = y.clone(),
    ))
    .prose(prose!("The set is closed, so a limit of the iterates lies in it too."));

    let gram_line = math!("#G = #X #X^T = #v", G = nt.g.clone(), X = x.clone(), v = explain::poly_matrix(&answer.gram));
    match &answer.rank {
        RankCase::Full { det, adjugate } => {
            // 3. The rank.
            let long_det = !data.x_is_numeric() && is_long(det);
            let det_line = if long_det {
                math!("det(#G) != 0", G = nt.g.clone())
            } else {
                math!("det(#G) = #d != 0", G = nt.g.clone(), d = det.clone())
            };
            if data.x_is_numeric() {
                ex.step(prose!(
                    "$#X$ has full row rank #n, so $#G = #X #X^T$ is invertible:",
                    X = x.clone(),
                    n = n,
                    G = nt.g.clone(),
                ))
                .aligned(vec![gram_line, det_line]);
            } else if long_det {
                ex.step(prose!(
                    "Assume $#X$ has full row rank #n, that is, $#G = #X #X^T$ is invertible:",
                    X = x.clone(),
                    n = n,
                    G = nt.g.clone(),
                ))
                .display(math!("det(#X #X^T) != 0", X = x.clone()));
                ex.detail(prose!("Written out in the entries of the data:"))
                    .aligned(vec![gram_line, math!("det(#G) = #d", G = nt.g.clone(), d = det.clone())]);
            } else {
                ex.step(prose!(
                    "Assume $#X$ has full row rank #n, that is, $#G = #X #X^T$ is invertible:",
                    X = x.clone(),
                    n = n,
                    G = nt.g.clone(),
                ))
                .aligned(vec![gram_line, det_line]);
            }
            if !data.x_is_numeric()
                && let Some(minors) = cauchy_binet(&data.x, det).filter(|_| n > 1)
            {
                let squares = Math::Sum(minors.into_iter().map(|m| (Sign::Plus, Math::Poly(m).sup(2))).collect());
                ex.detail(prose!(
                    "By the Cauchy–Binet formula $det(#G)$ is the sum of the squares of the #n×#n minors of $#X$, \
                         so over the reals it vanishes exactly where $#X$ loses full row rank:",
                    G = nt.g.clone(),
                    n = n,
                    X = x.clone(),
                ))
                .display(math!("det(#G) = #s", G = nt.g.clone(), s = squares));
            }
            // 4. The step size.
            explain_step_condition(&answer.step, n, &nt, &mut ex);
            // 5. A limit solves X w = y.
            ex.step(prose!(
                "A limit solves $#X #w = #y$: if $#wt -> #winf$, letting $#t -> inf$ in the update gives \
                 $2 #eta #X^T (#X #winf - #y) = 0$, and $#X^T$ is injective because $#X$ has full row rank. \
                 So the limit fits every example exactly (zero training error):",
                X = x.clone(),
                w = w.clone(),
                y = y.clone(),
                wt = wt.clone(),
                winf = winf.clone(),
                t = t.clone(),
                eta = eta.clone(),
            ))
            .display(math!("#X #winf = #y", X = x.clone(), winf = winf.clone(), y = y.clone()));
            // 6. Exactly one point of the affine set does.
            let formula = limit_formula(&nt, zero_start, &w0, &winf);
            if zero_start {
                ex.step(prose!(
                    "Exactly one point of $range(#X^T)$ solves it: for $#w = #X^T #a$ the equation reads $#G #a = #y$, \
                     and $#G$ is invertible. So the iterates can only converge to",
                    X = x.clone(),
                    w = w.clone(),
                    a = a.clone(),
                    G = nt.g.clone(),
                    y = y.clone(),
                ))
                .display(formula);
            } else {
                ex.step(prose!(
                    "Exactly one point of $#w0 + range(#X^T)$ solves it: for $#w = #w0 + #X^T #a$ the equation reads \
                     $#G #a = #y - #X #w0$, and $#G$ is invertible. So the iterates can only converge to",
                    X = x.clone(),
                    w = w.clone(),
                    w0 = w0.clone(),
                    a = a.clone(),
                    G = nt.g.clone(),
                    y = y.clone(),
                ))
                .display(formula);
            }
            // 7. Pythagoras.
            explain_pythagoras(&nt, zero_start, &w0, &winf, &mut ex);
            // 8. The closed form.
            let inv = math!("#G^-1", G = nt.g.clone());
            let closed = if zero_start {
                math!("#winf = #X^T #Gi #y", winf = winf.clone(), X = x.clone(), Gi = inv, y = y.clone())
            } else {
                math!(
                    "#winf = #w0 + #X^T #Gi (#y - #X #w0)",
                    winf = winf.clone(),
                    w0 = w0.clone(),
                    X = x.clone(),
                    Gi = inv,
                    y = y.clone(),
                )
            };
            let written = closed.equals(explain::matrix(&answer.limit));
            if is_expansion(&answer.limit) {
                // Symbolic data: students answer with the closed form; the
                // expansion is for staff.
                ex.closed_form = Some(limit_rhs(&nt, zero_start, &w0));
                ex.detail(prose!("Written out in the entries of the data, the limit is")).display(written);
            } else {
                ex.step(prose!("Computed exactly, the limit is")).display(written);
            }
            let rhs = if zero_start {
                y.clone()
            } else {
                math!("#y - #X #w0", y = y.clone(), X = x.clone(), w0 = w0.clone())
            };
            let r = if zero_start { rhs } else { rhs.paren() };
            match adjugate {
                Some(adjugate) => {
                    ex.detail(prose!(
                        "Computed fraction-free: $#G^-1 = adj(#G)/det(#G)$, and each entry of $#X^T adj(#G) #r$ is \
                         divided by $det(#G)$ once and reduced to lowest terms, with the adjugate",
                        G = nt.g.clone(),
                        X = x.clone(),
                        r = r,
                    ))
                    .display(math!(
                        "adj(#G) = #v",
                        G = nt.g.clone(),
                        v = explain::poly_matrix(adjugate)
                    ));
                }
                None if data.x_is_numeric() => {
                    ex.detail(prose!(
                        "Computed fraction-free: with $#X$ scaled to integers, $#G #a = #r$ is solved by Bareiss \
                         elimination, whose every division is exact, and each entry of $#X^T #a$ is reduced once.",
                        X = x.clone(),
                        G = nt.g.clone(),
                        a = a.clone(),
                        r = r,
                    ));
                }
                None => {
                    ex.detail(prose!(
                        "Computed fraction-free by the Cauchy–Binet formula: $det(#G)$ is the sum of the squares of \
                         the #n×#n minors $det(#XS)$ over the sets $#S$ of #n columns, and $#X^T adj(#G) #r$ is the \
                         sum of $det(#XS)$ times the basic solutions $adj(#XS) #r$ placed on the columns $#S$: the \
                         limit is the average of the basic solutions weighted by the squared minors. Each entry is \
                         divided by $det(#G)$ once and reduced to lowest terms.",
                        G = nt.g.clone(),
                        X = x.clone(),
                        XS = x.clone().sub(Math::name("S")),
                        S = Math::name("S"),
                        n = n,
                        r = r,
                    ));
                }
            }
        }
        RankCase::PseudoInverse { pinv, fit } => {
            let xp = x.clone().sup(Math::text("+"));
            let r = pinv.rank;
            // 3. The rank.
            ex.step(prose!(
                "$#X$ has rank $#r < #n$, so $#G = #X #X^T$ is singular and $(#X #X^T)^-1$ does not exist; \
                 the limit is given by the pseudo-inverse $#Xp$ instead.",
                X = x.clone(),
                r = r,
                n = n,
                G = nt.g.clone(),
                Xp = xp.clone(),
            ))
            .display(gram_line);
            // 4. The step size.
            explain_step_condition(&answer.step, n, &nt, &mut ex);
            // 5. The normal equations and the one minimizer in the affine set.
            ex.step(prose!(
                "A limit $#winf$ satisfies $2 #eta #X^T (#X #winf - #y) = 0$ (let $#t -> inf$ in the update): the normal \
                 equations, so $#winf$ minimizes $#f$. Exactly one minimizer lies in $#w0 + range(#X^T)$: two of them \
                 differ by a vector of $range(#X^T)$ that $#X^T #X$, hence $#X$, sends to 0, and $range(#X^T)$ meets \
                 the null space of $#X$ only in 0.",
                winf = winf.clone(), eta = eta.clone(), X = x.clone(), y = y.clone(), t = t.clone(), f = f.clone(),
                w0 = w0.clone(),
            ))
            .display(math!("#X^T #X #winf = #X^T #y", X = x.clone(), winf = winf.clone(), y = y.clone()));
            if r > 0 {
                let (rb, bb, c) = (nt.basis.clone(), nt.b.clone(), nt.c.clone());
                ex.detail(prose!(
                    "The rank is decided exactly, by elimination over the rationals. A basis of the row space: the \
                     nonzero rows of the reduced row echelon form of $#X$. Writing $#winf = #w0 + #R^T #c$, the normal \
                     equations become $#B^T #B #c = #B^T (#y - #X #w0)$ with $#B = #X #R^T$, an invertible #r×#r \
                     system, so $#Xp = #R^T (#B^T #B)^-1 #B^T$, with",
                    X = x.clone(),
                    winf = winf.clone(),
                    w0 = w0.clone(),
                    R = rb.clone(),
                    c = c,
                    B = bb,
                    y = y.clone(),
                    r = r,
                    Xp = xp.clone(),
                ))
                .display(math!("#R = #v", R = rb, v = explain::poly_matrix(&as_poly(&pinv.basis))));
            }
            // 6. The limit.
            let formula = if zero_start {
                math!("#winf = #Xp #y", winf = winf.clone(), Xp = xp.clone(), y = y.clone())
            } else {
                math!(
                    "#winf = #w0 + #Xp (#y - #X #w0)",
                    winf = winf.clone(),
                    w0 = w0.clone(),
                    Xp = xp.clone(),
                    y = y.clone(),
                    X = x.clone(),
                )
            };
            ex.step(prose!("So the limit is $#l$, with the pseudo-inverse", l = formula)).aligned(vec![
                math!("#Xp = #v", Xp = xp.clone(), v = explain::poly_matrix(&as_poly(&pinv.pinv))),
                math!("#winf = #v", winf = winf.clone(), v = explain::matrix(&answer.limit)),
            ]);
            // 7. Does it fit?
            let projector = math!("(#I - #X #Xp) #y", I = nt.id.clone(), X = x.clone(), Xp = xp.clone(), y = y.clone());
            match fit {
                Fit::Exact => {
                    ex.step(prose!(
                        "Here $#y$ lies in the column space of $#X$ ($#p = 0$), so the limit solves $#X #w = #y$ exactly, \
                         and by Pythagoras it is the solution closest to $#w0$: a solution plus a null-space vector $#z$ \
                         is farther by $norm(#z)^2$, since $#winf - #w0$ lies in the row space, orthogonal to $#z$.",
                        y = y.clone(), X = x.clone(), p = projector, w = w.clone(), w0 = w0.clone(), z = nt.z.clone(),
                        winf = winf.clone(),
                    ));
                }
                Fit::LeastSquares(res) => {
                    ex.step(prose!(
                        "Here $#y$ is not in the column space of $#X$: $#X #w = #y$ has no solution, and the limit is the \
                         least-squares fit closest to $#w0$, with the least training error",
                        y = y.clone(), X = x.clone(), w = w.clone(), w0 = w0.clone(),
                    ))
                    .display(math!(
                        "#f(#winf) = norm(#p)^2 = #r",
                        f = f.clone(), winf = winf.clone(), p = projector, r = res.clone(),
                    ));
                }
                Fit::Condition(off) => {
                    ex.step(prose!(
                        "The limit solves $#X #w = #y$ exactly when $#y$ lies in the column space of $#X$, that is, when \
                         $#p = 0$:",
                        X = x.clone(), w = w.clone(), y = y.clone(), p = projector,
                    ))
                    .display(math!("#v = 0", v = explain::poly_matrix(off)));
                }
            }
        }
    }
    if let Outcome::ConvergesAnyway(dy) = &answer.outcome {
        explain_converges_anyway(&nt, dy, &mut ex);
    }
    explain_picture(g, answer, problem, &nt, &mut ex);
    ex
}

/// A step at or above 1/λ_max from a start whose error has no component
/// along the eigenvalues at or above 1/η: the iterates converge anyway.
fn explain_converges_anyway(nt: &Notation, dy: &Dynamics, ex: &mut Explanation) {
    let e0 = nt.e.clone().sup(Math::Fenced(Fence::Paren, Box::new(Math::int(0))));
    let xtx = math!("#X^T #X", X = nt.x.clone());
    ex.step(prose!(
        "Yet from this start the iterates converge. The starting error $#e0 = #w0 - #winf$ has components only along \
         the eigenvalues of $#XtX$ that are roots of $#mu$, the monic polynomial of least degree with \
         $#mu(#XtX) #e0 = 0$ (the first linear dependency among $#e0, #XtX #e0, (#XtX)^2 #e0, ...$), and a Sturm \
         sequence proves every root below $1/#eta = #t$: along each, $abs(1 - 2 #eta #l) < 1$.",
        e0 = e0.clone(),
        w0 = nt.w0(),
        winf = nt.winf(),
        XtX = xtx.clone(),
        mu = nt.mu.clone(),
        eta = nt.eta.clone(),
        t = dy.threshold.clone(),
        l = nt.lambda.clone(),
    ))
    .aligned(vec![
        math!("#e0 = #v", e0 = e0.clone(), v = explain::poly_matrix(&as_poly(&dy.error))),
        math!("#mu(#l) = #p", mu = nt.mu.clone(), l = nt.lambda.clone(), p = upoly_math(&dy.minimal, &nt.lambda)),
    ]);
    ex.detail(prose!(
        "This convergence is fragile: any start, or any rounding, that adds a component along an eigenvalue at or \
         above $1/#eta$ is not damped, so floating-point gradient descent with this step drifts away eventually.",
        eta = nt.eta.clone(),
    ));
}

/// The proof that gradient descent with the file's step does not converge
/// (`oscillates`, `diverges`), or converges although the step is at or
/// above 1/λ_max: the error recursion, the comparison of the step with
/// λ_max, and the witness.
fn explain_outcome(g: &GradientLimit, answer: &LimitAnswer, problem: &Problem, dy: &Dynamics) -> Explanation {
    let nt = Notation::limit(g, problem);
    let data = &answer.data;
    let (x, y, w, f, eta, id) = (&nt.x, &nt.y, &nt.w, &nt.f, &nt.eta, &nt.id);
    let (w0, wt, wn, winf) = (nt.w0(), nt.wt(), nt.wnext(), nt.winf());
    let e_at = |k: Math| nt.e.clone().sup(Math::Fenced(Fence::Paren, Box::new(k)));
    let (e0, et, en) = (e_at(Math::int(0)), e_at(nt.t.clone()), e_at(math!("#t + 1", t = nt.t.clone())));
    let v = nt.z.clone();
    let lmax = nt.lmax();
    let xtx = math!("#X^T #X", X = x.clone());
    let column = |m: &Matrix<Q>| explain::poly_matrix(&as_poly(m));
    let mut ex = Explanation::new();

    let shown = |name: &str| problem.shown.iter().any(|(n, _)| n == name);
    let mut lines = if shown(&data.x_name) && shown(&data.y_name) { Vec::new() } else { data_lines(data, x, y) };
    if !g.starts_at_zero() && !g.start_name.as_deref().is_some_and(shown) {
        lines.push(math!("#w0 = #v", w0 = w0.clone(), v = explain::poly_matrix(&answer.start)));
    }
    let first = ex.step(prose!(
        "The objective is $#f(#w) = norm(#X #w - #y)^2$ with gradient $2 #X^T (#X #w - #y)$; gradient descent with \
         the step $#eta = #q$ iterates",
        f = f.clone(),
        w = w.clone(),
        X = x.clone(),
        y = y.clone(),
        eta = eta.clone(),
        q = dy.eta.clone(),
    ));
    first.display(math!(
        "#wn = #wt - 2 #eta #X^T (#X #wt - #y)",
        wn = wn.clone(),
        wt = wt.clone(),
        eta = eta.clone(),
        X = x.clone(),
        y = y.clone(),
    ));
    if !lines.is_empty() {
        first.prose(prose!("with")).aligned(lines);
    }
    ex.step(prose!(
        "Let $#winf$ be the least-squares point a small step reaches from $#w0$ (the start plus the row space of $#X$, \
         solving $#X^T (#X #winf - #y) = 0$). Subtracting, the error $#et = #wt - #winf$ obeys",
        winf = winf.clone(),
        w0 = w0.clone(),
        X = x.clone(),
        y = y.clone(),
        et = et.clone(),
        wt = wt.clone(),
    ))
    .display(math!(
        "#en = (#I - 2 #eta #XtX) #et",
        en = en,
        I = id.clone(),
        eta = eta.clone(),
        XtX = xtx.clone(),
        et = et.clone(),
    ))
    .prose(prose!("from"))
    .aligned(vec![
        math!("#winf = #v", winf = winf.clone(), v = explain::matrix(&answer.limit)),
        math!("#e0 = #w0 - #winf = #v", e0 = e0.clone(), w0 = w0.clone(), winf = winf.clone(), v = column(&dy.error)),
    ]);
    let lambda_line = match &answer.step.lambda_max {
        LambdaForm::Exact(sp) => sp.lambda.math().map(|m| math!("#l = #m", l = lmax.clone(), m = m)),
        _ => None,
    };
    let relation = match answer.step.verdict {
        Some(Ordering::Equal) => "=",
        _ => ">",
    };
    let step = ex.step(prose!(
        "Along an eigenvector of $#XtX$ with eigenvalue $#l$, the error is multiplied by $1 - 2 #eta #l$ at every \
         step, which is below 1 in size exactly when $0 < #eta #l < 1$. The step is too large for the largest \
         eigenvalue $#lmax$ of $#XtX$ (that of $#X #X^T$), decided exactly:",
        XtX = xtx.clone(),
        l = nt.lambda.clone(),
        eta = eta.clone(),
        lmax = lmax.clone(),
        X = x.clone(),
    ));
    let mut cmp = Vec::new();
    if let Some(l) = lambda_line {
        cmp.push(l);
    }
    let eta_q = Math::Number(dy.eta.clone());
    cmp.push(if relation == "=" {
        math!("#eta #lmax = 1", eta = eta_q, lmax = lmax.clone())
    } else {
        math!("#eta #lmax > 1", eta = eta_q, lmax = lmax.clone())
    });
    step.aligned(cmp);
    match &dy.witness {
        Witness::Eigenvector { v: vec, lambda, overlap, cycle } => {
            let factor = &Q::one() - &(&(&Q::from_int(2) * &dy.eta) * lambda);
            ex.step(prose!(
                "The starting error has a component along an eigenvector with the eigenvalue $#l$: the vector $#v$ \
                 below satisfies $#XtX #v = #l #v$ and $#v^T #e0 != 0$, so the component of the error along $#v$ \
                 is multiplied by $1 - 2 #eta #l = #f$ at every step:",
                l = lambda.clone(),
                v = v.clone(),
                XtX = xtx.clone(),
                e0 = e0.clone(),
                eta = eta.clone(),
                f = factor.clone(),
            ))
            .aligned(vec![
                math!("#v = #m", v = v.clone(), m = column(vec)),
                math!(
                    "#XtX #v = #m = #l #v",
                    XtX = xtx.clone(),
                    v = v.clone(),
                    m = column(&vec.map(|e| e * lambda)),
                    l = lambda.clone()
                ),
                math!("#v^T #e0 = #o", v = v.clone(), e0 = e0.clone(), o = overlap.clone()),
            ]);
            if factor == -Q::one() {
                ex.step(prose!(
                    "The factor is $-1$: that component flips sign forever while every other one shrinks, so the \
                     iterates approach $#winf + #c$ and $#winf - #c$ in turn, with $#c$ the component of $#e0$ along \
                     $#v$. Gradient descent with this step oscillates and has no limit.",
                    winf = winf.clone(),
                    c = nt.c.clone(),
                    e0 = e0.clone(),
                    v = v.clone(),
                ))
                .display(math!(
                    "#c = (#v^T #e0)/(#v^T #v) #v = #m",
                    c = nt.c.clone(),
                    v = v.clone(),
                    e0 = e0.clone(),
                    m = column(cycle)
                ));
            } else {
                ex.step(prose!(
                    "Since $abs(#f) > 1$, that component grows without bound, and with it $norm(#wt)$: gradient \
                     descent with this step diverges.",
                    f = factor,
                    wt = wt.clone(),
                ));
            }
        }
        Witness::Rayleigh { v: vec, power, quotient } => {
            ex.step(prose!(
                "The starting error has a component along an eigenvalue above $1/#eta = #t$: the vector $#v$, a \
                 multiple of $#p$, lies in the span of the eigencomponents of $#e0$, and its Rayleigh quotient is \
                 above $#t$, which only an eigenvalue above $#t$ allows:",
                eta = eta.clone(),
                t = dy.threshold.clone(),
                v = v.clone(),
                p = match *power {
                    0 => e0.clone(),
                    1 => math!("#XtX #e0", XtX = xtx.clone(), e0 = e0.clone()),
                    k => math!("(#XtX)^#k #e0", XtX = xtx.clone(), k = k, e0 = e0.clone()),
                },
                e0 = e0.clone(),
            ))
            .aligned(vec![
                math!("#v = #m", v = v.clone(), m = column(vec)),
                math!(
                    "(#v^T #XtX #v)/(#v^T #v) = #q > #t",
                    v = v.clone(),
                    XtX = xtx.clone(),
                    q = quotient.clone(),
                    t = dy.threshold.clone()
                ),
            ]);
            ex.step(prose!(
                "Along that eigenvalue $#l > 1/#eta$ the factor $1 - 2 #eta #l$ is below $-1$, so that component \
                 grows without bound, and with it $norm(#wt)$: gradient descent with this step diverges.",
                l = nt.lambda.clone(),
                eta = eta.clone(),
                wt = wt.clone(),
            ));
        }
        Witness::Roots => {}
    }
    ex.detail(prose!(
        "How it is decided: the vectors $#e0, #XtX #e0, (#XtX)^2 #e0, ...$ first become linearly dependent at the \
         degree of $#mu$, the monic polynomial of least degree with $#mu(#XtX) #e0 = 0$. As $#XtX$ is symmetric, its \
         roots are exactly the eigenvalues along which $#e0$ has a component; a Sturm sequence counts them above \
         $1/#eta = #t$ exactly:",
        e0 = e0.clone(),
        XtX = xtx.clone(),
        mu = nt.mu.clone(),
        eta = eta.clone(),
        t = dy.threshold.clone(),
    ))
    .display(math!(
        "#mu(#l) = #p",
        mu = nt.mu.clone(),
        l = nt.lambda.clone(),
        p = upoly_math(&dy.minimal, &nt.lambda)
    ));
    ex
}

/// `w∞ = Xᵀ(X Xᵀ)⁻¹ y`, or from a start u, `w∞ = u + Xᵀ(X Xᵀ)⁻¹(y − X u)`.
fn limit_formula(nt: &Notation, zero_start: bool, w0: &Math, winf: &Math) -> Math {
    winf.clone().equals(limit_rhs(nt, zero_start, w0))
}

/// `Xᵀ(X Xᵀ)⁻¹ y`, or from a start u, `u + Xᵀ(X Xᵀ)⁻¹(y − X u)`: the limit
/// in the question's own names.
fn limit_rhs(nt: &Notation, zero_start: bool, w0: &Math) -> Math {
    let (x, y) = (nt.x.clone(), nt.y.clone());
    if zero_start {
        return math!("#X^T (#X #X^T)^-1 #y", X = x, y = y);
    }
    let u = nt.start.clone().unwrap_or_else(|| w0.clone());
    math!("#u + #X^T (#X #X^T)^-1 (#y - #X #u)", u = u, X = x, y = y)
}

/// The limit is the solution closest to the start, by Pythagoras.
fn explain_pythagoras(nt: &Notation, zero_start: bool, w0: &Math, winf: &Math, ex: &mut Explanation) {
    let (x, y, z, a, w) = (&nt.x, &nt.y, &nt.z, &nt.a, &nt.w);
    if zero_start {
        ex.step(prose!(
            "It is the minimum-norm solution of $#X #w = #y$: every solution is $#winf + #z$ with $#X #z = 0$, and \
             $#winf = #X^T #a$ is orthogonal to $#z$, since $#z^T #X^T #a = (#X #z)^T #a = 0$. By Pythagoras",
            X = x.clone(),
            w = w.clone(),
            y = y.clone(),
            winf = winf.clone(),
            z = z.clone(),
            a = a.clone(),
        ))
        .display(math!("norm(#winf + #z)^2 = norm(#winf)^2 + norm(#z)^2", winf = winf.clone(), z = z.clone(),))
        .prose(prose!("which is smallest exactly when $#z = 0$.", z = z.clone()));
    } else {
        ex.step(prose!(
            "It is the solution of $#X #w = #y$ closest to $#w0$: every solution is $#winf + #z$ with $#X #z = 0$, and \
             $#winf - #w0 = #X^T #a$ is orthogonal to $#z$, since $#z^T #X^T #a = (#X #z)^T #a = 0$. By Pythagoras",
            X = x.clone(),
            w = w.clone(),
            y = y.clone(),
            w0 = w0.clone(),
            winf = winf.clone(),
            z = z.clone(),
            a = a.clone(),
        ))
        .display(math!(
            "norm(#winf + #z - #w0)^2 = norm(#winf - #w0)^2 + norm(#z)^2",
            winf = winf.clone(),
            z = z.clone(),
            w0 = w0.clone(),
        ))
        .prose(prose!("which is smallest exactly when $#z = 0$.", z = z.clone()));
    }
}

/// The characteristic polynomial det(λI − G) as a formula in λ.
fn upoly_math(p: &UPoly, var: &Math) -> Math {
    let mut terms: Vec<(Sign, Math)> = Vec::new();
    for (k, c) in p.coeffs().iter().enumerate().rev() {
        if c.is_zero() {
            continue;
        }
        let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
        let a = c.abs();
        let term = match k {
            0 => Math::Number(a),
            _ => {
                let power = if k == 1 { var.clone() } else { var.clone().sup(k) };
                if a.is_one() { power } else { Math::Product(vec![Math::Number(a), power]) }
            }
        };
        terms.push((sign, term));
    }
    match terms.len() {
        0 => Math::int(0),
        1 if terms[0].0 == Sign::Plus => terms.remove(0).1,
        _ => Math::Sum(terms),
    }
}

/// The step condition 0 < η < 1/λ_max(G) with λ_max in its exact form, and
/// the verdict on a step the file gives.
fn explain_step_condition(cond: &StepCondition, n: usize, nt: &Notation, ex: &mut Explanation) {
    let (x, eta, g, lambda, id) = (&nt.x, &nt.eta, &nt.g, &nt.lambda, &nt.id);
    let lmax = nt.lmax();
    let e_at = |k: Math| nt.e.clone().sup(Math::Fenced(Fence::Paren, Box::new(k)));
    let (et, en) = (e_at(nt.t.clone()), e_at(math!("#t + 1", t = nt.t.clone())));
    let mut details = Vec::new();
    // Without a step in the file, the question takes one small enough: the
    // students' version states the condition, the derivation is for staff.
    let depth = if cond.step.is_none() {
        ex.step(prose!(
            "The step size: gradient descent converges from every start exactly when $0 < #eta < 1/#lmax(#G)$, \
             with $#lmax$ the largest eigenvalue of $#G$; the question takes such a step.",
            eta = eta.clone(),
            lmax = lmax.clone(),
            G = g.clone(),
        ));
        Depth::Detail
    } else {
        Depth::Solution
    };
    let mut step = Step::new(
        depth,
        prose!(
            "The step size. With $#winf$ the limit found below, the error $#et = #wt - #winf$ lies in the row space of \
             $#X$ and obeys",
            winf = nt.winf(),
            et = et.clone(),
            wt = nt.wt(),
            X = x.clone(),
        ),
    );
    step.display(math!(
        "#en = (#I - 2 #eta #X^T #X) #et",
        en = en,
        I = id.clone(),
        eta = eta.clone(),
        X = x.clone(),
        et = et
    ));
    step.prose(prose!(
        "On the row space, $#X^T #X$ has exactly the nonzero eigenvalues $#l$ of $#G$, and every factor \
         $abs(1 - 2 #eta #l)$ must be below 1: gradient descent converges from every start exactly when",
        X = x.clone(),
        l = lambda.clone(),
        G = g.clone(),
        eta = eta.clone(),
    ))
    .display(math!("0 < #eta < 1/#lmax(#G)", eta = eta.clone(), lmax = lmax.clone(), G = g.clone()));
    let chi_of = |chi: &Option<UPoly>| match chi {
        Some(chi) => math!(
            "det(#l #I - #G) = #c",
            l = lambda.clone(),
            I = id.clone(),
            G = g.clone(),
            c = upoly_math(chi, lambda)
        ),
        None => math!("det(#l #I - #G)", l = lambda.clone(), I = id.clone(), G = g.clone()),
    };
    // The exact λ_max, as a formula when it has one.
    let mut exact: Option<Math> = None;
    // The trace's name, when the λ_max display named it.
    let mut named_trace: Option<Math> = None;
    match &cond.lambda_max {
        LambdaForm::Exact(sp) => match &sp.lambda {
            LambdaMax::Zero => {
                step.prose(prose!(
                    "Here $#X = 0$, so the gradient is always 0 and every step size leaves $#w0$ in place:",
                    X = x.clone(),
                    w0 = nt.w0(),
                ))
                .display(chi_of(&sp.chi));
                ex.push(step);
                return;
            }
            LambdaMax::Rational(q) => {
                step.prose(prose!("Here the largest root of the characteristic polynomial is rational:")).aligned(
                    vec![
                        chi_of(&sp.chi),
                        math!("#lmax = #q", lmax = lmax.clone(), q = q.clone()),
                        math!("0 < #eta < #b", eta = eta.clone(), b = q.inv().expect("positive")),
                    ],
                );
                exact = Some(Math::Number(q.clone()));
            }
            LambdaMax::Surd { .. } => {
                let value = sp.lambda.math().expect("a surd has a formula");
                step.prose(prose!("Here the largest root of the characteristic polynomial is a quadratic surd:"))
                    .aligned(vec![
                        chi_of(&sp.chi),
                        math!("#lmax = #v", lmax = lmax.clone(), v = value.clone()),
                        math!("0 < #eta < 1/#v", eta = eta.clone(), v = value.clone()),
                    ]);
                exact = Some(value);
            }
            LambdaMax::Algebraic(root) => {
                step.prose(prose!(
                    "Here $#lmax$ is the largest root of the characteristic polynomial, between two rationals:",
                    lmax = lmax.clone(),
                ))
                .aligned(vec![
                    chi_of(&sp.chi),
                    math!("#lo < #lmax <= #hi", lo = root.lo.clone(), lmax = lmax.clone(), hi = root.hi.clone()),
                ]);
                details.push(Step::new(Depth::Detail, prose!(
                    "The root is isolated exactly with a Sturm sequence of the squarefree part of the characteristic \
                     polynomial, and the interval refined by bisection."
                )));
            }
            LambdaMax::Certified(b) => {
                step.prose(prose!(
                    "Here $#lmax$ is the largest root of $det(#l #I - #G)$, a polynomial of degree #n, between two \
                     rationals:",
                    lmax = lmax.clone(),
                    l = lambda.clone(),
                    I = id.clone(),
                    G = g.clone(),
                    n = n,
                ))
                .display(math!(
                    "#lo <= #lmax < #hi",
                    lo = b.lo.clone(),
                    lmax = lmax.clone(),
                    hi = b.hi.clone()
                ));
                details.push(Step::new(
                    Depth::Detail,
                    prose!(
                        "Both ends are proved without expanding the characteristic polynomial. The upper: \
                         $#hi #I - #G$ is positive definite, since every leading principal minor is positive \
                         (Sylvester's criterion; the minors are the pivots of fraction-free elimination), so every \
                         eigenvalue of $#G$ is below $#hi$. The lower: $#lmax$ is at least the Rayleigh quotient \
                         $(#v^T #G #v)/(#v^T #v)$ of any vector $#v != 0$, and for an integer $#v$ near a top \
                         eigenvector (found by power iteration) the quotient is at least $#lo$. A step is compared \
                         with $1/#lmax$ the same way, by the inertia of $#t #I - #G$ at $#t = 1/#eta$.",
                        hi = b.hi.clone(),
                        lo = b.lo.clone(),
                        I = id.clone(),
                        G = g.clone(),
                        lmax = lmax.clone(),
                        v = nt.z.clone(),
                        t = nt.t.clone(),
                        eta = eta.clone(),
                    ),
                ));
            }
        },
        LambdaForm::Entry(g00) => {
            step.prose(prose!(
                "With one example $#G$ is 1×1, so $#lmax$ is its entry, the squared norm of the example:",
                G = g.clone(),
                lmax = lmax.clone(),
            ))
            .aligned(vec![
                math!("#lmax = #v", lmax = lmax.clone(), v = g00.clone()),
                math!("0 < #eta < 1/#v", eta = eta.clone(), v = g00.clone()),
            ]);
            exact = Some(Math::Poly(g00.clone()));
        }
        LambdaForm::Quadratic(qr) if qr.trace.len() + qr.discriminant.len() > MAX_SHOWN_TERMS => {
            // One huge expression reads badly: name the trace and the
            // discriminant.
            let (tn, dn) = (nt.tr.clone(), nt.disc.clone());
            let short = math!("(#T + sqrt(#D))/2", T = tn.clone(), D = dn.clone());
            let disc_line = math!("#D = tr(#G)^2 - 4 det(#G)", D = dn.clone(), G = g.clone());
            step.prose(prose!(
                "For a 2×2 matrix $#G$, $#lmax$ is the larger root of $#l^2 - tr(#G) #l + det(#G)$, with $#T$ the \
                 trace and $#D$ the discriminant:",
                G = g.clone(),
                lmax = lmax.clone(),
                l = lambda.clone(),
                T = tn.clone(),
                D = dn.clone(),
            ))
            .aligned(vec![
                math!("#lmax = #v", lmax = lmax.clone(), v = short.clone()),
                math!("#T = tr(#G) = #t", T = tn.clone(), G = g.clone(), t = qr.trace.clone()),
                if is_long(&qr.discriminant) {
                    disc_line
                } else {
                    disc_line.equals(Math::Poly(qr.discriminant.clone()))
                },
            ]);
            if is_long(&qr.discriminant) {
                let mut d = Step::new(
                    Depth::Detail,
                    prose!(
                        "Written out, $#D = (#a - #b)^2 + 4 #c^2$ is",
                        D = dn.clone(),
                        a = g.clone().sub(Math::int(11)),
                        b = g.clone().sub(Math::int(22)),
                        c = g.clone().sub(Math::int(12)),
                    ),
                );
                d.display(math!("#D = #v", D = dn.clone(), v = qr.discriminant.clone()));
                if let Some(s) = qr.simplified() {
                    d.prose(prose!("and $#lmax$ simplifies to", lmax = lmax.clone())).display(math!(
                        "#lmax = #s",
                        lmax = lmax.clone(),
                        s = s
                    ));
                }
                details.push(d);
            }
            named_trace = Some(tn);
            exact = Some(short);
        }
        LambdaForm::Quadratic(qr) => {
            let mut line = math!("#lmax = #v", lmax = lmax.clone(), v = qr.formula());
            if let Some(s) = qr.simplified() {
                line = line.equals(s);
            }
            step.prose(prose!(
                "For a 2×2 matrix $#G$, $#lmax$ is the larger root of $#l^2 - tr(#G) #l + det(#G)$:",
                G = g.clone(),
                lmax = lmax.clone(),
                l = lambda.clone(),
            ))
            .display(line);
            exact = Some(qr.math());
        }
        LambdaForm::LargestRoot => {
            step.prose(prose!(
                "Here $#lmax$ is the largest root of $det(#l #I - #G)$, a polynomial of degree #n in $#l$.",
                lmax = lmax.clone(),
                l = lambda.clone(),
                I = id.clone(),
                G = g.clone(),
                n = n,
            ));
        }
    }
    let numeric = matches!(cond.lambda_max, LambdaForm::Exact(_));
    if !numeric && n > 1 {
        step.prose(prose!(
            "A simpler sufficient condition: $#lmax <= tr(#G) = norm(#X)_F^2$ (the eigenvalues are nonnegative and \
             sum to the trace), so any",
            lmax = lmax.clone(),
            G = g.clone(),
            X = x.clone(),
        ))
        .display(match &named_trace {
            Some(tn) => math!("0 < #eta < 1/#T", eta = eta.clone(), T = tn.clone()),
            None => math!("0 < #eta < 1/#t", eta = eta.clone(), t = cond.trace.clone()),
        });
    }
    let lm = exact.unwrap_or_else(|| lmax.clone());
    if let Some(s) = &cond.step {
        match s.as_constant() {
            Some(q) if numeric && cond.verdict.is_some_and(|v| v != Ordering::Less) => {
                step.prose(prose!(
                    "The step $#eta = #q$ does not satisfy it, decided exactly; whether the iterates still converge \
                     depends on the start, below:",
                    eta = eta.clone(),
                    q = q.clone(),
                ))
                .display(if cond.verdict == Some(Ordering::Equal) {
                    math!("#q #l = 1", q = q.clone(), l = lm)
                } else {
                    math!("#q #l > 1", q = q.clone(), l = lm)
                });
            }
            Some(q) if numeric => {
                step.prose(prose!(
                    "The step $#eta = #q$ satisfies it, decided exactly:",
                    eta = eta.clone(),
                    q = q.clone(),
                ))
                .display(math!("#q #l < 1", q = q.clone(), l = lm));
            }
            _ => {
                // A step that is one symbol is already the letter η stands for.
                let named = if *eta == Math::Poly(s.num().clone()) && s.is_polynomial() {
                    eta.clone()
                } else {
                    math!("#eta = #s", eta = eta.clone(), s = s.clone())
                };
                step.prose(prose!(
                    "The limit holds where the step $#n$ satisfies the condition, which nnkey assumes:",
                    n = named,
                ))
                .display(math!("#s #l < 1", s = s.clone(), l = lm));
            }
        }
    }
    ex.push(step);
    for d in details {
        ex.push(d);
    }
    if let Some(safe) = &cond.safe_step {
        ex.detail(prose!(
            "A safe short step: any $#eta <= #s$ satisfies the condition exactly (a decimal rounded down from the \
             reciprocal of a rational upper bound on $#lmax$).",
            eta = eta.clone(),
            s = safe.clone(),
            lmax = lmax,
        ));
    }
}

/// det(X Xᵀ) by the Cauchy–Binet formula: the nonzero n×n minors of X,
/// each with a positive leading coefficient, whose squares sum to det(X Xᵀ);
/// `None` for more than [`MAX_CAUCHY_BINET_MINORS`] column subsets, for a
/// square X, or when the sum does not check.
fn cauchy_binet(x: &Matrix<Poly>, det: &Poly) -> Option<Vec<Poly>> {
    let (n, d) = x.shape();
    let subsets = column_subsets(d, n, MAX_CAUCHY_BINET_MINORS + 1);
    if subsets.len() > MAX_CAUCHY_BINET_MINORS || n == d {
        return None;
    }
    let mut sum = Poly::zero();
    let mut minors = Vec::new();
    for s in &subsets {
        let cols: Vec<Poly> =
            (0..n).flat_map(|r| s.iter().map(move |&c| (r, c))).map(|(r, c)| x.get(r, c).clone()).collect();
        let minor = Matrix::from_vec(n, n, cols).det().ok()?;
        if minor.is_zero() {
            continue;
        }
        sum = &sum + &minor.pow(2);
        minors.push(if minor.leading_coeff().is_negative() { -minor } else { minor });
    }
    (sum == *det && !minors.is_empty()).then_some(minors)
}

/// The first `limit` subsets of size `k` of `0..d`, in lexicographic order.
fn column_subsets(d: usize, k: usize, limit: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut s: Vec<usize> = (0..k).collect();
    if k > d {
        return out;
    }
    loop {
        out.push(s.clone());
        if out.len() >= limit {
            return out;
        }
        let Some(i) = (0..k).rev().find(|&i| s[i] < d - k + i) else {
            return out;
        };
        s[i] += 1;
        for j in i + 1..k {
            s[j] = s[j - 1] + 1;
        }
    }
}

// ---------------------------------------------------------------------------
// The picture: the iterates on their way to the limit
// ---------------------------------------------------------------------------

/// Most iterates a picture draws before the limit.
const PICTURE_ITERATES: usize = 6;

/// Values tried, in turn, for the symbols of symbolic data when drawing a
/// fixed instance.
const INSTANCE_VALUES: [i64; 6] = [1, 2, 2, 2, -1, 0];

/// A vector of rationals.
type Vector = Vec<Q>;

fn dot(a: &[Q], b: &[Q]) -> Q {
    a.iter().zip(b).fold(Q::zero(), |acc, (p, q)| &acc + &(p * q))
}

fn times(m: &Matrix<Q>, v: &[Q]) -> Vector {
    (0..m.rows()).map(|r| dot(m.row(r), v)).collect()
}

fn axpy(a: &Q, x: &[Q], y: &[Q]) -> Vector {
    x.iter().zip(y).map(|(p, q)| &(a * p) + q).collect()
}

/// What a picture draws, exactly, in the coordinates (p, q) of the plane
/// w = origin + p b₁ + q b₂ (b₁ ⊥ b₂): for two variables the whole space
/// (origin 0, the unit vectors); for three, the plane through the start
/// spanned by the row space (rank 2), or by the row direction and a null
/// direction (rank 1).
#[derive(Clone, Debug)]
struct Geometry {
    y: Vector,
    start: Vector,
    origin: Vector,
    basis: [Vector; 2],
    /// The step the iterates are drawn with.
    step: Q,
    /// w⁽⁰⁾, w⁽¹⁾, …: the first iterates.
    iterates: Vec<Vector>,
    limit: Vector,
    /// The solution set X w = y within the plane: its two ends on the
    /// panel's box, or `None` when it meets the plane in the limit alone.
    solutions: Option<[(Q, Q); 2]>,
    /// start + row space within the plane, when it is a line: its ends.
    row_line: Option<[(Q, Q); 2]>,
    /// The panel's box: (x lo, x hi, y lo, y hi).
    frame: (Q, Q, Q, Q),
}

impl Geometry {
    /// The plane coordinates of a point of the plane.
    fn coords(&self, w: &[Q]) -> (Q, Q) {
        let rel: Vector = w.iter().zip(&self.origin).map(|(a, b)| a - b).collect();
        let c = |b: &Vector| &dot(&rel, b) / &dot(b, b);
        (c(&self.basis[0]), c(&self.basis[1]))
    }

    /// The point of the plane with coordinates (p, q).
    fn lift(&self, (p, q): &(Q, Q)) -> Vector {
        axpy(q, &self.basis[1], &axpy(p, &self.basis[0], &self.origin))
    }
}

/// A range around `lo..hi`, padded by `pad`; a flat one is centered on it
/// with the width `wide`.
fn padded(lo: &Q, hi: &Q, pad: &Q, wide: &Q) -> (Q, Q) {
    if lo == hi {
        let half = wide / &Q::from_int(2);
        return (lo - &half, hi + &half);
    }
    (lo - pad, hi + pad)
}

/// A vector scaled to coprime integers, same direction.
fn primitive(v: Vector) -> Vector {
    let g = v.iter().fold(Q::zero(), |acc, q| Q::gcd(&acc, q));
    if g.is_zero() { v } else { v.iter().map(|q| q / &g.abs()).collect() }
}

/// The geometry of gradient descent on numeric data, or `None` when no
/// picture makes sense (more than three variables, a full-rank square
/// system, no exact fit, a start already at the limit).
fn geometry(x: &Matrix<Q>, y: &[Q], start: &[Q], step: Option<Q>) -> Option<Geometry> {
    let (n, d) = x.shape();
    let pinv = pseudo_inverse(x);
    let r = pinv.rank;
    let residual: Vector = y.iter().zip(times(x, start)).map(|(a, b)| a - &b).collect();
    let limit: Vector = start.iter().zip(times(&pinv.pinv, &residual)).map(|(a, b)| a + &b).collect();
    if times(x, &limit) != y || limit == start || r == 0 || r == d {
        return None;
    }
    // The rows of X span the row space; the first nonzero one, and for rank
    // 2 the next one independent of it, orthogonalized.
    let rows: Vec<Vector> = (0..n).map(|k| x.row(k).to_vec()).filter(|v| v.iter().any(|q| !q.is_zero())).collect();
    let row = |k: usize| primitive(rows.get(k).cloned().unwrap_or_else(|| pinv.basis.row(k).to_vec()));
    let unit = |k: usize| (0..d).map(|j| if j == k { Q::one() } else { Q::zero() }).collect::<Vector>();
    let (origin, basis) = match (d, r) {
        (2, _) => (vec![Q::zero(); 2], [unit(0), unit(1)]),
        (3, 1) => {
            let null = primitive(x.nullspace().first()?.entries().to_vec());
            (start.to_vec(), [row(0), null])
        }
        (3, 2) => {
            let b1 = row(0);
            let ortho = |r: &Vector| {
                primitive(axpy(&-&dot(r, &b1), &b1, &r.iter().map(|v| v * &dot(&b1, &b1)).collect::<Vector>()))
            };
            let b2 = rows.iter().map(ortho).find(|v| v.iter().any(|q| !q.is_zero()))?;
            (start.to_vec(), [b1, b2])
        }
        _ => return None,
    };
    let trace: Q = x.entries().iter().fold(Q::zero(), |acc, v| &acc + &(v * v));
    // Without a step: 1/(4 tr) halves the error each step for one row
    // direction; 1/(2 tr) for two keeps both factors 1 − λ/tr in (0, 1).
    let per = Q::from_int(if r == 1 { 4 } else { 2 });
    let step = step.unwrap_or_else(|| (&trace * &per).inv().expect("X is not 0"));
    let mut iterates = vec![start.to_vec()];
    let xt = x.transpose();
    while iterates.len() <= PICTURE_ITERATES {
        let w = iterates.last().expect("the start");
        if *w == limit {
            break;
        }
        let err: Vector = times(x, w).iter().zip(y).map(|(a, b)| a - b).collect();
        let next = axpy(&-&(&step * &Q::from_int(2)), &times(&xt, &err), w);
        iterates.push(next);
    }
    let mut g = Geometry {
        y: y.to_vec(),
        start: start.to_vec(),
        origin,
        basis,
        step,
        iterates,
        limit,
        solutions: None,
        row_line: None,
        frame: (Q::zero(), Q::zero(), Q::zero(), Q::zero()),
    };
    // Every drawn point must lie in the plane.
    let points: Vec<(Q, Q)> = g.iterates.iter().chain([&g.limit]).map(|w| g.coords(w)).collect();
    if g.iterates.iter().chain([&g.limit]).zip(&points).any(|(w, c)| g.lift(c) != *w) {
        return None;
    }
    let lo = |f: fn(&(Q, Q)) -> &Q| points.iter().map(f).min().expect("points").clone();
    let hi = |f: fn(&(Q, Q)) -> &Q| points.iter().map(f).max().expect("points").clone();
    let (sx, sy) = (&hi(|p| &p.0) - &lo(|p| &p.0), &hi(|p| &p.1) - &lo(|p| &p.1));
    let wide = if sx > sy { sx } else { sy };
    let pad = &wide / &Q::from_int(5);
    let (xlo, xhi) = padded(&lo(|p| &p.0), &hi(|p| &p.0), &pad, &wide);
    let (ylo, yhi) = padded(&lo(|p| &p.1), &hi(|p| &p.1), &pad, &wide);
    g.frame = (xlo, xhi, ylo, yhi);
    // X (origin + p b₁ + q b₂) = y: the rows of [X b₁, X b₂] against y − X origin.
    let (m1, m2) = (times(x, &g.basis[0]), times(x, &g.basis[1]));
    let rhs: Vector = y.iter().zip(times(x, &g.origin)).map(|(a, b)| a - &b).collect();
    let plane_rank = Matrix::from_vec(n, 2, (0..n).flat_map(|k| [m1[k].clone(), m2[k].clone()]).collect()).rank();
    if plane_rank == 1 {
        let k = (0..n).find(|&k| !m1[k].is_zero() || !m2[k].is_zero())?;
        g.solutions = Some(clip((&m1[k], &m2[k]), &rhs[k], &g.frame)?);
    }
    // start + row space, when it is a line of the plane: through the
    // start along the row direction.
    if r == 1 {
        let (s, v) = (&points[0], g.coords(&axpy(&Q::one(), &row(0), &g.origin)));
        let normal = (-&v.1, v.0.clone());
        let c = &(&normal.0 * &s.0) + &(&normal.1 * &s.1);
        g.row_line = clip((&normal.0, &normal.1), &c, &g.frame);
    }
    Some(g)
}

/// The two ends, on the frame, of the line a₁ p + a₂ q = c.
fn clip(a: (&Q, &Q), c: &Q, (xlo, xhi, ylo, yhi): &(Q, Q, Q, Q)) -> Option<[(Q, Q); 2]> {
    plane::clip_line(a, c, (xlo, xhi), (ylo, yhi))
}

/// Numeric data for a picture: the data themselves, or, for data with
/// symbols, a fixed instance (the symbols set to small integers) that keeps
/// the rank case, with the values it uses.
#[allow(clippy::type_complexity)]
fn picture_data(answer: &LimitAnswer) -> Option<(Matrix<Q>, Vector, Vector, bool)> {
    let data = &answer.data;
    // Only two or three variables are drawn (see `geometry`).
    if data.d() > 3 {
        return None;
    }
    let all = [&data.x, &data.y, &answer.start];
    let mut vars: Vec<crate::algebra::Var> = all.iter().flat_map(|m| m.entries().iter().flat_map(Poly::vars)).collect();
    vars.sort();
    vars.dedup();
    let full = matches!(answer.rank, RankCase::Full { .. });
    for offset in 0..INSTANCE_VALUES.len() {
        let value = |v: crate::algebra::Var| {
            let k = vars.iter().position(|u| *u == v).unwrap_or(0);
            Q::from_int(INSTANCE_VALUES[(k + offset) % INSTANCE_VALUES.len()])
        };
        let x = data.x.map(|p| Poly::constant(p.eval(&value)));
        let x = as_rational(&x)?;
        let y: Vector = data.y.entries().iter().map(|p| p.eval(&value)).collect();
        let start: Vector = answer.start.entries().iter().map(|p| p.eval(&value)).collect();
        if full && pseudo_inverse(&x).rank < data.n() {
            continue;
        }
        if geometry(&x, &y, &start, None).is_some() || vars.is_empty() {
            return Some((x, y, start, !vars.is_empty()));
        }
        if vars.is_empty() {
            break;
        }
    }
    None
}

fn tuple(v: &[Q]) -> Math {
    Math::Seq(Fence::Paren, v.iter().map(|q| Math::Number(q.clone())).collect())
}

fn rows_math(m: &Matrix<Q>) -> Math {
    Math::Seq(
        Fence::Bracket,
        (0..m.rows())
            .map(|r| Math::Seq(Fence::Bracket, m.row(r).iter().map(|q| Math::Number(q.clone())).collect()))
            .collect(),
    )
}

/// The picture of the iterates, the limit and the solution set, in a step
/// of its own; nothing when no picture makes sense.
fn explain_picture(g: &GradientLimit, answer: &LimitAnswer, problem: &Problem, nt: &Notation, ex: &mut Explanation) {
    // One picture per data set: a later limit on the same data draws it.
    let later = problem.finds.iter().any(|f| match &f.query {
        crate::model::Query::GradientLimit(h) => {
            h.span.start > g.span.start && h.data.x_name == g.data.x_name && h.data.y_name == g.data.y_name
        }
        _ => false,
    });
    if later {
        return;
    }
    let Some((xq, yq, sq, instance)) = picture_data(answer) else {
        return;
    };
    let given = g.step.as_ref().and_then(|s| s.value.as_constant()).filter(|_| !instance);
    let Some(geo) = geometry(&xq, &yq, &sq, given) else {
        return;
    };
    let (x, y, w) = (&nt.x, &nt.y, &nt.w);
    let (w0, winf) = (nt.w0(), nt.winf());
    let d = xq.cols();
    let pt = |w: &Vector| geo.coords(w);
    let mut marks = Vec::new();
    if let Some([a, b]) = &geo.row_line {
        marks.push(Mark::Line { points: vec![a.clone(), b.clone()], role: Role::Guide, label: None });
    }
    let fit = math!("#X #w = #y", X = x.clone(), w = w.clone(), y = y.clone());
    match &geo.solutions {
        Some([a, b]) => {
            marks.push(Mark::Line { points: vec![a.clone(), b.clone()], role: Role::Target, label: Some(fit.clone()) })
        }
        None => marks.push(Mark::Dot { at: pt(&geo.limit), role: Role::Target, label: None }),
    }
    let mut path: Vec<(Q, Q)> = geo.iterates.iter().map(pt).collect();
    path.push(pt(&geo.limit));
    marks.push(Mark::Line { points: path, role: Role::Main, label: None });
    for (k, it) in geo.iterates.iter().enumerate() {
        let label = (k == 0).then(|| w0.clone());
        marks.push(Mark::Dot { at: pt(it), role: Role::Main, label });
    }
    marks.push(Mark::Dot { at: pt(&geo.limit), role: Role::Accent, label: Some(winf.clone()) });
    let (p, q) = (nt.p.clone(), nt.q.clone());
    let (xl, yl) =
        if d == 2 { (w.clone().sub(Math::int(1)), w.clone().sub(Math::int(2))) } else { (p.clone(), q.clone()) };
    let (xlo, xhi, ylo, yhi) = geo.frame.clone();
    let panel = Panel {
        title: None,
        x: Axis { label: xl, lo: xlo, hi: xhi, ticks: Vec::new() },
        y: Axis { label: yl, lo: ylo, hi: yhi, ticks: Vec::new() },
        marks,
    };
    let steps = geo.iterates.len() - 1;
    let mut caption = Prose::default();
    let mut say = |p: Prose| {
        if !caption.0.is_empty() {
            caption.push_text(" ");
        }
        caption.0.extend(p.0);
    };
    if instance {
        let start_part = if g.starts_at_zero() {
            Prose::default()
        } else {
            prose!(", $#u = #v$", u = nt.start.clone().unwrap_or_else(|| w0.clone()), v = tuple(&geo.start))
        };
        let mut p = prose!(
            "Drawn for the instance $#X = #xv$, $#y = #yv$",
            X = x.clone(),
            xv = rows_math(&xq),
            y = y.clone(),
            yv = tuple(&geo.y)
        );
        p.0.extend(start_part.0);
        p.push_text(" of the symbols, with the step ");
        p.0.extend(prose!("$#eta = #s$:", eta = nt.eta.clone(), s = geo.step.clone()).0);
        say(p);
    } else {
        say(prose!("With the step $#eta = #s$:", eta = nt.eta.clone(), s = geo.step.clone()));
    }
    say(prose!(
        "gradient descent from $#w0 = #s$, its first #k #iterates and the limit $#winf = #l$.",
        w0 = w0.clone(),
        s = tuple(&geo.start),
        k = steps,
        iterates = plural(steps, "iterate", "iterates"),
        winf = winf.clone(),
        l = tuple(&geo.limit),
    ));
    let row_space = math!("#w0 + range(#X^T)", w0 = w0.clone(), X = x.clone());
    if d == 2 {
        if geo.row_line.is_some() {
            say(prose!(
                "Every iterate stays on the line $#r$ (thin), which meets the solution set $#fit$ at right angles at the limit.",
                r = row_space,
                fit = fit,
            ));
        } else {
            say(prose!("$#fit$ has the limit as its only solution.", fit = fit));
        }
    } else {
        let b = |k: usize| tuple(&geo.basis[k]);
        if geo.row_line.is_some() {
            say(prose!(
                "Drawn in the plane of the points $#w0 + #p #b1 + #q #b2$, with $#b1 = #v1$ spanning the row space and \
                 $#b2 = #v2$ the solutions' direction: every iterate stays on the line $#r$ ($#q = 0$), which meets the \
                 solutions of $#fit$ at right angles at the limit.",
                w0 = w0.clone(),
                p = p.clone(),
                q = q.clone(),
                b1 = nt.b.clone().sub(Math::int(1)),
                b2 = nt.b.clone().sub(Math::int(2)),
                v1 = b(0),
                v2 = b(1),
                r = row_space,
                fit = fit,
            ));
        } else {
            say(prose!(
                "Drawn in the plane $#r$ of the points $#w0 + #p #b1 + #q #b2$, with $#b1 = #v1$ and $#b2 = #v2$ \
                 spanning the row space: every iterate lies in it, and the solution line $#fit$ crosses it at right \
                 angles at the limit (the ring).",
                r = row_space,
                w0 = w0.clone(),
                p = p.clone(),
                q = q.clone(),
                b1 = nt.b.clone().sub(Math::int(1)),
                b2 = nt.b.clone().sub(Math::int(2)),
                v1 = b(0),
                v2 = b(1),
                fit = fit,
            ));
        }
    }
    ex.step(prose!("A picture of the iterates:")).figure(Figure { caption, panels: vec![panel], shows_answer: false });
}

// ---------------------------------------------------------------------------
// Quantities: λ_max, the largest convergent step, ‖w∞‖², the training
// error, the rank
// ---------------------------------------------------------------------------

/// λ_max of a symmetric matrix, in its exact form.
#[derive(Clone, Debug)]
pub enum Eigen {
    /// Numbers: the characteristic polynomial and its largest root.
    Numeric(Spectrum),
    /// A 1×1 matrix of polynomials: its entry.
    Entry(Poly),
    /// A 2×2 matrix of polynomials: the larger root of its characteristic
    /// polynomial, simplified.
    Quadratic(QuadraticRoot),
}

/// The answer to a quantity query.
#[derive(Clone, Debug)]
pub enum QuantityAnswer {
    /// λ_max of `matrix`.
    LargestEigenvalue { matrix: Matrix<Poly>, eigen: Eigen },
    /// 1/λ_max(X Xᵀ).
    LargestStep { data: Data, eigen: Eigen },
    /// ‖w∞‖², or the word when the iterates have no limit.
    SquaredNorm(Box<LimitAnswer>),
    /// ‖X w∞ − y‖², or the word when the iterates have no limit.
    TrainingError(Box<LimitAnswer>),
    /// The rank of `matrix`: exact for numbers; for symbols the generic
    /// rank, reached wherever `minor` (an r×r minor) does not vanish.
    Rank { matrix: Matrix<Poly>, rank: usize, minor: Option<Minor> },
}

/// An r×r minor of a matrix: its rows, columns and determinant.
#[derive(Clone, Debug)]
pub struct Minor {
    pub rows: Vec<usize>,
    pub cols: Vec<usize>,
    pub det: Poly,
}

/// Most r×r minors tried for one that does not vanish identically.
const MAX_MINORS: usize = 400;

impl Eigen {
    /// λ_max of a symmetric matrix: numbers up to [`MAX_CHARPOLY_ROWS`]
    /// rows on the characteristic polynomial (above, the matrix must be
    /// a Gram matrix, bracketed by inertia), symbols up to 2×2.
    pub fn of(m: &Matrix<Poly>, gram: bool) -> Result<Eigen, String> {
        if let Some(q) = as_rational(m) {
            if q.rows() > MAX_CHARPOLY_ROWS && !gram {
                return Err(format!(
                    "the matrix has {} rows, over the limit of {MAX_CHARPOLY_ROWS} for the exact largest eigenvalue of a \
                     general symmetric matrix",
                    q.rows()
                ));
            }
            return Ok(Eigen::Numeric(if gram { spectrum(&q) } else { exact_spectrum(&q) }));
        }
        match m.rows() {
            1 => Ok(Eigen::Entry(m.get(0, 0).clone())),
            2 => Ok(Eigen::Quadratic(QuadraticRoot::of(m))),
            n => Err(format!(
                "with symbols, λ_max of a {n}×{n} matrix is the largest root of a polynomial of degree {n}, which has \
                 no closed form nnkey can state; the exact form is derived for 1×1 and 2×2 matrices with symbols"
            )),
        }
    }

    /// λ_max as a key states it: a rational function, or one with a
    /// square root or an absolute value.
    pub fn value(&self) -> Result<Radical, String> {
        let half = RatFunc::constant(Q::new(1, 2));
        match self {
            Eigen::Numeric(sp) => match &sp.lambda {
                LambdaMax::Zero => Ok(Radical::Rational(RatFunc::zero())),
                LambdaMax::Rational(q) => Ok(Radical::Rational(RatFunc::constant(q.clone()))),
                LambdaMax::Surd { a, b, k, .. } => {
                    let root = Radical::sqrt(&RatFunc::constant(Q::from_bigints(k.clone(), BigInt::one())))
                        .map_err(|e| e.to_string())?;
                    Radical::Rational(RatFunc::constant(a.clone()))
                        .add(&root.mul(&Radical::Rational(RatFunc::constant(b.clone()))).map_err(|e| e.to_string())?)
                        .map_err(|e| e.to_string())
                }
                other => Err(format!(
                    "λ_max = {} has no closed form with one square root, so a key cannot state it",
                    other.describe()
                )),
            },
            Eigen::Entry(p) => Ok(Radical::Rational(RatFunc::from(p.clone()))),
            Eigen::Quadratic(qr) => {
                // (tr + √D)/2, with √D = |q| when D = q².
                let root = Radical::sqrt(&RatFunc::from(qr.discriminant.clone())).map_err(|e| e.to_string())?;
                Radical::Rational(RatFunc::from(qr.trace.clone()))
                    .add(&root)
                    .and_then(|s| s.mul(&Radical::Rational(half)))
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// The exact λ_max as a formula.
    pub fn math(&self) -> Option<Math> {
        match self {
            Eigen::Numeric(sp) => sp.lambda.math(),
            Eigen::Entry(p) => Some(Math::Poly(p.clone())),
            Eigen::Quadratic(qr) => Some(qr.math()),
        }
    }
}

impl QuantityAnswer {
    /// The answer as a key states it.
    pub fn value(&self) -> Value {
        match self {
            QuantityAnswer::LargestEigenvalue { eigen, .. } => {
                radical_value(eigen.value().expect("checked when derived"))
            }
            QuantityAnswer::LargestStep { eigen, .. } => {
                radical_value(largest_step(eigen).expect("checked when derived"))
            }
            QuantityAnswer::SquaredNorm(a) => match a.value() {
                Value::Matrix(w) => Value::Scalar(squared_norm(&w)),
                word => word,
            },
            QuantityAnswer::TrainingError(a) => match a.value() {
                Value::Matrix(w) => Value::Scalar(training_error(&a.data, &w)),
                word => word,
            },
            QuantityAnswer::Rank { rank, .. } => Value::scalar(Q::from_int(*rank as i64)),
        }
    }
}

/// 1/λ_max; an error when λ_max = 0 (every step converges) or has no
/// closed form.
fn largest_step(eigen: &Eigen) -> Result<Radical, String> {
    let l = eigen.value()?;
    if l == Radical::Rational(RatFunc::zero()) {
        return Err("λ_max = 0: X = 0 and every step leaves the start in place, so there is no largest step".into());
    }
    Radical::Rational(RatFunc::one()).div(&l).map_err(|e| e.to_string())
}

/// ‖w‖² = Σ wᵢ².
pub fn squared_norm(w: &Matrix<RatFunc>) -> RatFunc {
    w.entries().iter().fold(RatFunc::zero(), |acc, e| &acc + &(e * e))
}

/// ‖X w − y‖².
pub fn training_error(data: &Data, w: &Matrix<RatFunc>) -> RatFunc {
    let x = data.x.map(|p| RatFunc::from(p.clone()));
    let y = data.y.map(|p| RatFunc::from(p.clone()));
    let r = x.mul(w).expect("shapes").sub(&y).expect("shapes");
    squared_norm(&r)
}

/// The rank of a matrix, with the minor that proves it for symbols.
fn rank_answer(m: &Matrix<Poly>) -> Result<(usize, Option<Minor>), String> {
    if let Some(q) = as_rational(m) {
        return Ok((q.rank(), None));
    }
    let r = m.rank();
    if r == 0 {
        return Ok((0, None));
    }
    let rows = column_subsets(m.rows(), r, MAX_MINORS);
    let cols = column_subsets(m.cols(), r, MAX_MINORS);
    for rs in &rows {
        for cs in &cols {
            let sub = Matrix::from_vec(
                r,
                r,
                rs.iter().flat_map(|&i| cs.iter().map(move |&j| (i, j))).map(|(i, j)| m.get(i, j).clone()).collect(),
            );
            let det = sub.det().expect("square");
            if !det.is_zero() {
                return Ok((r, Some(Minor { rows: rs.clone(), cols: cs.clone(), det })));
            }
        }
    }
    Err(format!("no nonzero {r}×{r} minor was found among the first {MAX_MINORS} row and column sets"))
}

/// Derives a quantity query: the typed answer and its explanation.
pub fn derive_quantity(
    q: &crate::model::gradient::Quantity,
    span: Span,
    problem: &Problem,
) -> Result<(QuantityAnswer, Explanation), Diagnostic> {
    use crate::model::gradient::Quantity;
    let at = |e: String| Diagnostic::error(span, e);
    let answer = match q {
        Quantity::LargestEigenvalue(m) => {
            let eigen = Eigen::of(&m.matrix, false).map_err(at)?;
            eigen.value().map_err(|e| at(format!("{e}, which a key cannot state")))?;
            QuantityAnswer::LargestEigenvalue { matrix: m.matrix.clone(), eigen }
        }
        Quantity::LargestStep(data) => {
            let gram = data.x.mul(&data.x.transpose()).expect("shapes");
            let eigen = Eigen::of(&gram, true).map_err(at)?;
            largest_step(&eigen).map_err(at)?;
            QuantityAnswer::LargestStep { data: data.clone(), eigen }
        }
        Quantity::SquaredNorm(g) => QuantityAnswer::SquaredNorm(Box::new(limit_answer(g)?)),
        Quantity::TrainingError(g) => QuantityAnswer::TrainingError(Box::new(limit_answer(g)?)),
        Quantity::Rank(m) => {
            let (rank, minor) = rank_answer(&m.matrix).map_err(at)?;
            QuantityAnswer::Rank { matrix: m.matrix.clone(), rank, minor }
        }
    };
    let ex = explain_quantity(q, &answer, problem);
    Ok((answer, ex))
}

/// The formula for a matrix a query names, when it is built from names by
/// products and transposes (`X X^T`); `None` otherwise.
fn operand_math(e: &crate::language::syntax::Expr) -> Option<Math> {
    use crate::language::syntax::{BinOp, ExprKind};
    match &e.kind {
        ExprKind::Name(n) => Some(Math::name(n)),
        ExprKind::Binary(BinOp::Mul, a, b) => {
            let (a, b) = (operand_math(a)?, operand_math(b)?);
            Some(math!("#a #b", a = a, b = b))
        }
        ExprKind::Binary(BinOp::Pow, a, t) if t.as_name() == Some("T") => Some(math!("#a^T", a = operand_math(a)?)),
        _ => None,
    }
}

fn explain_quantity(q: &crate::model::gradient::Quantity, answer: &QuantityAnswer, problem: &Problem) -> Explanation {
    use crate::model::gradient::Quantity;
    let mut ex = Explanation::new();
    let mut letters = Letters::of(problem);
    let lambda = letters.fresh(&["lambda", "sigma", "mu"]);
    let lmax = lambda.clone().sub(Math::name("max"));
    let id = letters.fresh(&["I", "Id"]);
    let eigen_steps = |ex: &mut Explanation, m: &Math, matrix: &Matrix<Poly>, eigen: &Eigen| {
        ex.step(prose!("The matrix is")).display(math!("#M = #v", M = m.clone(), v = explain::poly_matrix(matrix)));
        match eigen {
            Eigen::Numeric(sp) => {
                let mut lines = Vec::new();
                if let Some(chi) = &sp.chi {
                    lines.push(math!(
                        "det(#l #I - #M) = #c",
                        l = lambda.clone(),
                        I = id.clone(),
                        M = m.clone(),
                        c = upoly_math(chi, &lambda)
                    ));
                }
                if let Some(v) = sp.lambda.math() {
                    lines.push(math!("#lmax = #v", lmax = lmax.clone(), v = v));
                }
                ex.step(prose!(
                    "Its largest eigenvalue is the largest root of the characteristic polynomial, found exactly:"
                ))
                .aligned(lines);
            }
            Eigen::Entry(p) => {
                ex.step(prose!("A 1×1 matrix has its entry as its eigenvalue:")).display(math!(
                    "#lmax = #v",
                    lmax = lmax.clone(),
                    v = p.clone()
                ));
            }
            Eigen::Quadratic(qr) => {
                let mut line = math!("#lmax = #v", lmax = lmax.clone(), v = qr.formula());
                if let Ok(v) = eigen.value() {
                    line = line.equals(explain::radical(&v));
                }
                ex.step(prose!(
                    "For a symmetric 2×2 matrix the eigenvalues are the roots of $#l^2 - tr(#M) #l + det(#M)$; the \
                     larger is $(tr(#M) + sqrt(tr(#M)^2 - 4 det(#M)))/2$, the discriminant under the root being \
                     the squared difference of the diagonal entries plus four times the squared off-diagonal one:",
                    l = lambda.clone(),
                    M = m.clone(),
                ))
                .display(line);
                if let Some(root) = &qr.root {
                    ex.detail(prose!(
                        "The discriminant is the square of a polynomial, so its square root is that polynomial's \
                         absolute value:"
                    ))
                    .display(math!("#d = (#r)^2", d = qr.discriminant.clone(), r = root.clone()));
                }
            }
        }
    };
    match (q, answer) {
        (Quantity::LargestEigenvalue(m), QuantityAnswer::LargestEigenvalue { matrix, eigen }) => {
            let name = operand_math(&m.expr).unwrap_or_else(|| letters.fresh(&["M", "A", "K"]));
            eigen_steps(&mut ex, &name, matrix, eigen);
        }
        (Quantity::LargestStep(data), QuantityAnswer::LargestStep { eigen, .. }) => {
            let (x, y) = data_names(data, problem, &mut letters);
            let eta = letters.fresh(&["eta", "alpha", "gamma"]);
            let g = math!("#X #X^T", X = x.clone());
            ex.step(prose!(
                "Gradient descent on $norm(#X #w - #y)^2$ multiplies the error along an eigenvector of $#X^T #X$ with \
                 eigenvalue $#l$ by $1 - 2 #eta #l$ at every step; it converges from every start exactly when every \
                 factor is below 1 in size, that is when $0 < #eta < 1/#lmax$, with $#lmax$ the largest eigenvalue of \
                 $#G$ (the nonzero eigenvalues of $#X^T #X$ and $#X #X^T$ agree).",
                X = x.clone(),
                w = letters.fresh(&["w", "v"]),
                y = y.clone(),
                l = lambda.clone(),
                eta = eta.clone(),
                lmax = lmax.clone(),
                G = g.clone(),
            ));
            let gram = data.x.mul(&data.x.transpose()).expect("shapes");
            eigen_steps(&mut ex, &g, &gram, eigen);
            let step = largest_step(eigen).expect("checked when derived");
            ex.step(prose!(
                "The steps that converge from every start are those below the bound; at the bound itself the error \
                 along the top eigenvector flips sign forever, so the supremum is not attained:"
            ))
            .display(math!("1/#lmax = #s", lmax = lmax.clone(), s = explain::radical(&step)));
        }
        (Quantity::SquaredNorm(g), QuantityAnswer::SquaredNorm(a))
        | (Quantity::TrainingError(g), QuantityAnswer::TrainingError(a)) => {
            ex = explain_limit(g, a, problem);
            let winf = Notation::limit(g, problem).winf();
            let nt = Notation::limit(g, problem);
            if let Value::Matrix(w) = a.value() {
                let (what, line) = if matches!(answer, QuantityAnswer::SquaredNorm(_)) {
                    ("Its squared norm:", math!("norm(#w)^2 = #v", w = winf.clone(), v = squared_norm(&w)))
                } else {
                    (
                        "Its training error:",
                        math!(
                            "norm(#X #w - #y)^2 = #v",
                            X = nt.x.clone(),
                            w = winf.clone(),
                            y = nt.y.clone(),
                            v = training_error(&a.data, &w)
                        ),
                    )
                };
                ex.step(prose!("#w", w = words(what))).display(line);
            } else {
                ex.step(prose!("With no limit, there is no norm or training error of a limit either."));
            }
        }
        (Quantity::Rank(m), QuantityAnswer::Rank { matrix, rank, minor }) => {
            let name = operand_math(&m.expr).unwrap_or_else(|| letters.fresh(&["M", "A", "K"]));
            let shown = m.expr.as_name().is_some_and(|n| problem.shown.iter().any(|(s, _)| s == n));
            if !shown {
                ex.step(prose!("The matrix is")).display(math!(
                    "#M = #v",
                    M = name.clone(),
                    v = explain::poly_matrix(matrix)
                ));
            }
            match minor {
                None if as_rational(matrix).is_some() => {
                    ex.step(prose!(
                        "Exact elimination over the rationals leaves #r nonzero #rows:",
                        r = *rank,
                        rows = plural(*rank, "row", "rows"),
                    ))
                    .display(math!("rank(#M) = #r", M = name.clone(), r = *rank));
                }
                None => {
                    ex.step(prose!("Every entry is zero:")).display(math!("rank(#M) = 0", M = name.clone()));
                }
                Some(mn) if mn.det.is_constant() => {
                    let rows = Math::list(mn.rows.iter().map(|&k| Math::from(k)).collect());
                    let cols = Math::list(mn.cols.iter().map(|&k| Math::from(k)).collect());
                    ex.step(prose!(
                        "The #r×#r minor on rows #rows and columns #cols is a nonzero number, whatever the symbols, \
                         and no larger minor survives elimination over the polynomials: the rank is #r for every \
                         value of the symbols.",
                        r = *rank,
                        rows = rows,
                        cols = cols,
                    ))
                    .display(math!("#d != 0", d = mn.det.clone()));
                }
                Some(mn) => {
                    let rows = Math::list(mn.rows.iter().map(|&k| Math::from(k)).collect());
                    let cols = Math::list(mn.cols.iter().map(|&k| Math::from(k)).collect());
                    ex.step(prose!(
                        "With symbols, the rank is the generic rank #r: fraction-free elimination over the \
                         polynomials leaves #r nonzero pivots, so every larger minor vanishes identically, and the \
                         minor on rows #rows and columns #cols is a nonzero polynomial. The rank is #r wherever it does \
                         not vanish, and smaller where it and every other #r×#r minor do:",
                        r = *rank,
                        rows = rows,
                        cols = cols,
                    ))
                    .display(math!("#d != 0", d = mn.det.clone()));
                }
            }
        }
        _ => unreachable!("the answer matches its query"),
    }
    ex
}

// ---------------------------------------------------------------------------
// Judging keys
// ---------------------------------------------------------------------------

/// Judges a key of a limit or a minimum-norm solution: by meaning, and
/// when the key and the answer disagree on whether a vector exists at all
/// (`diverges`, `oscillates`, `no solution`), saying so in words.
pub fn judge(finding: &super::Finding, key: &Value, ring: &crate::algebra::Ring) -> Result<(), String> {
    let what = |w: &str| match w {
        DIVERGES => "gradient descent with this step diverges, so it has no limit",
        OSCILLATES => "gradient descent with this step oscillates forever, so it has no limit",
        NO_SOLUTION => "the system has no solution, so it has no minimum-norm solution",
        _ => "the answer is a word",
    };
    match (key, &finding.value) {
        (Value::Word(k), Value::Word(v)) if k != v => Err(format!("the key says {k}, but {}", what(v))),
        (Value::Word(k), Value::Matrix(_)) => {
            Err(format!("the key says {k}, but nnkey derives a vector: {}", finding.value.print(ring)))
        }
        (_, Value::Word(v)) if !matches!(key, Value::Word(_)) => {
            Err(format!("the key is {}, but {}: the answer is `{v}`", key.describe(), what(v)))
        }
        _ => crate::model::compare(key, &finding.value, ring),
    }
}

// ---------------------------------------------------------------------------
// The minimum-norm solution
// ---------------------------------------------------------------------------

/// The minimum-norm solution by the Lagrange conditions.
pub fn minimum_norm_answer(m: &MinimumNorm) -> Result<MinimumNormAnswer, Diagnostic> {
    let data = &m.data;
    let x = &data.x_name;
    let (n, d) = (data.n(), data.d());
    symbolic_size(data, m.span)?;
    // Independent rows: the pivots of the transpose's echelon form.
    let (rows, a, b) = if let Some(xq) = as_rational(&data.x) {
        let (_, pivots) = xq.transpose().rref();
        if pivots.len() == n {
            (Rows::Full, data.x.clone(), data.y.clone())
        } else {
            let reduced = match reduce_rows(data, &pivots, &xq) {
                Ok(r) => r,
                Err(none) => return Ok(no_solution(m, &xq, none)),
            };
            let kept = as_poly(&select_rows(&xq, &pivots));
            let targets = reduced.targets.clone();
            (Rows::Reduced(reduced), kept, targets)
        }
    } else {
        if data.x.rank() < n {
            return Err(Diagnostic::error(
                m.span,
                format!("{x} {x}ᵀ is singular for every value of the symbols: {x} lacks full row rank"),
            )
            .with_label("nnkey derives the symbolic minimum-norm solution for a matrix of full row rank")
            .with_hint_at(data.x_span, format!("`{x}` is {n}×{d}"))
            .with_hint("write the matrix with numbers to handle dependent rows"));
        }
        (Rows::Full, data.x.clone(), data.y.clone())
    };
    let sol = lagrange_solve(&a, &b);
    Ok(MinimumNormAnswer {
        data: data.clone(),
        unknown: m.unknown.clone(),
        solution: sol.w,
        multipliers: sol.nu,
        det: sol.det,
        rows,
        no_solution: None,
    })
}

/// The answer for an inconsistent numeric system: the certificate, and the
/// least-squares fit of least norm in place of a solution.
fn no_solution(m: &MinimumNorm, xq: &Matrix<Q>, cert: NoSolution) -> MinimumNormAnswer {
    let p = pseudo_inverse(xq);
    let fit = as_poly(&p.pinv).mul(&m.data.y).expect("shapes");
    MinimumNormAnswer {
        data: m.data.clone(),
        unknown: m.unknown.clone(),
        solution: fit.map(|e| RatFunc::from(e.clone())),
        multipliers: Matrix::zeros(0, 1),
        det: Poly::zero(),
        rows: Rows::Full,
        no_solution: Some(cert),
    }
}

/// Derives `minimum-norm solution of X w = y` by the Lagrange conditions:
/// the typed answer and its derivation.
pub fn derive_minimum_norm(m: &MinimumNorm, problem: &Problem) -> Result<(MinimumNormAnswer, Explanation), Diagnostic> {
    let answer = minimum_norm_answer(m)?;
    let explanation = explain_minimum_norm(&answer, problem);
    Ok((answer, explanation))
}

/// The proof that X v = y has no solution: the certificate u, and the
/// least training error a least-squares fit leaves.
fn explain_no_solution(answer: &MinimumNormAnswer, cert: &NoSolution, problem: &Problem) -> Explanation {
    let data = &answer.data;
    let n = data.n();
    let mut letters = Letters::of(problem);
    let (x, y) = data_names(data, problem, &mut letters);
    letters.take(&answer.unknown);
    let v = Math::name(&answer.unknown);
    let u = letters.fresh(&["u", "z", "r"]);
    let w = letters.fresh(&["w", "p", "s"]);
    let column = |m: &Matrix<Q>| explain::poly_matrix(&as_poly(m));
    let mut ex = Explanation::new();
    let shown = |name: &str| problem.shown.iter().any(|(n, _)| n == name);
    let restate = !(shown(&data.x_name) && shown(&data.y_name));
    let first = ex.step(prose!(
        "Minimize $norm(#v)^2$ subject to $#X #v = #y$#end",
        v = v.clone(),
        X = x.clone(),
        y = y.clone(),
        end = explain::words(if restate { ", with" } else { "." }),
    ));
    if restate {
        first.aligned(data_lines(data, &x, &y));
    }
    let ut = u.clone().sup(Math::name("T"));
    let ux = Matrix::from_vec(1, data.d(), {
        let xq = as_rational(&data.x).expect("numeric");
        (0..data.d()).map(|j| (0..n).fold(Q::zero(), |acc, i| &acc + &(cert.u.get(i, 0) * xq.get(i, j)))).collect()
    });
    ex.step(prose!(
        "$#X$ has rank $#r < #n$, and $#y$ is not in its column space: the vector $#u$ below is orthogonal to every \
         column of $#X$ but not to $#y$:",
        X = x.clone(),
        r = cert.rank,
        n = n,
        y = y.clone(),
        u = u.clone(),
    ))
    .aligned(vec![
        math!("#u = #m", u = u.clone(), m = column(&cert.u)),
        math!("#ut #X = #m", ut = ut.clone(), X = x.clone(), m = column(&ux)),
        math!("#ut #y = #q != 0", ut = ut.clone(), y = y.clone(), q = cert.uy.clone()),
    ]);
    ex.step(prose!(
        "If $#X #v = #y$ held, then $0 = (#ut #X) #v = #ut #y = #q$, a contradiction: the constraint has no \
         solution, so there is no minimum-norm solution.",
        X = x.clone(),
        v = v.clone(),
        y = y.clone(),
        ut = ut.clone(),
        q = cert.uy.clone(),
    ));
    ex.detail(prose!(
        "The certificate is the part of $#y$ orthogonal to the column space of $#X$, so $#ut #y = norm(#u)^2$; it is \
         also what a least-squares fit leaves: the least training error is",
        y = y.clone(),
        X = x.clone(),
        ut = ut.clone(),
        u = u.clone(),
    ))
    .display(math!(
        "min_#w norm(#X #w - #y)^2 = norm(#u)^2 = #q > 0",
        w = w.clone(),
        X = x.clone(),
        y = y.clone(),
        u = u.clone(),
        q = cert.residual.clone()
    ));
    ex
}

fn explain_minimum_norm(answer: &MinimumNormAnswer, problem: &Problem) -> Explanation {
    if let Some(cert) = &answer.no_solution {
        return explain_no_solution(answer, cert, problem);
    }
    let data = &answer.data;
    let (n, d) = (data.n(), data.d());
    let mut letters = Letters::of(problem);
    let (x, y) = data_names(data, problem, &mut letters);
    letters.take(&answer.unknown);
    let v = Math::name(&answer.unknown);
    let mu = letters.fresh(&["mu", "lambda", "alpha"]);
    let nu = letters.fresh(&["nu", "beta", "gamma"]);
    let lagrangian = letters.fresh(&["L", "Lambda", "F"]);
    let z = letters.fresh(&["z", "u", "r"]);
    let c = letters.fresh(&["C", "M", "P"]);
    let set = letters.fresh(&["I", "S", "K"]);
    let g = letters.fresh(&["G", "K", "M"]);
    let i = letters.fresh(&["i", "k", "j"]);
    let mut ex = Explanation::new();
    // Data the problem shows with its question are not repeated.
    let shown = |name: &str| problem.shown.iter().any(|(n, _)| n == name);
    let restate = !(shown(&data.x_name) && shown(&data.y_name));
    let first = ex.step(prose!(
        "Minimize $norm(#v)^2$ subject to $#X #v = #y$: #n #equations in #d unknowns#end",
        v = v.clone(),
        X = x.clone(),
        y = y.clone(),
        n = n,
        d = d,
        equations = plural(n, "equation", "equations"),
        end = explain::words(if restate { ", with" } else { "." }),
    ));
    if restate {
        first.aligned(data_lines(data, &x, &y));
    }
    ex.step(prose!(
        "Lagrange conditions: with multipliers $#mu$ for the #n #constraints, \
         $#L(#v, #mu) = norm(#v)^2 - #mu^T (#X #v - #y)$; at a constrained minimum the gradient in $#v$ vanishes and \
         the constraint holds:",
        mu = mu.clone(),
        n = n,
        constraints = plural(n, "constraint", "constraints"),
        L = lagrangian,
        v = v.clone(),
        X = x.clone(),
        y = y.clone(),
    ))
    .aligned(vec![
        math!("2 #v = #X^T #mu", v = v.clone(), X = x.clone(), mu = mu.clone()),
        math!("#X #v = #y", X = x.clone(), v = v.clone(), y = y.clone()),
    ]);
    ex.step(prose!(
        "So $#v = #X^T #nu$ with $#nu = #mu/2$, and the constraint becomes a #n×#n system for $#nu$:",
        v = v.clone(),
        X = x.clone(),
        nu = nu.clone(),
        mu = mu.clone(),
        n = n,
    ))
    .display(math!("#X #X^T #nu = #y", X = x.clone(), nu = nu.clone(), y = y.clone()));
    // The matrix the system is solved with: X, or its kept rows X_I.
    let (xs, ys) = match &answer.rows {
        Rows::Full => (x.clone(), y.clone()),
        Rows::Reduced(_) => (x.clone().sub(set.clone()), y.clone().sub(set.clone())),
    };
    match &answer.rows {
        Rows::Reduced(red) => {
            let r = red.kept.len();
            let rows = Math::list(red.kept.iter().map(|&k| Math::from(k)).collect());
            ex.step(prose!(
                "$#X$ has rank $#r < #n$: #rowword #rows of $#X$ #are independent and every row is a combination of \
                 #them, $#X = #C #XI$ with",
                X = x.clone(),
                r = r,
                n = n,
                rowword = plural(r, "row", "rows"),
                rows = rows,
                are = plural(r, "is", "are"),
                them = plural(r, "it", "them"),
                C = c.clone(),
                XI = xs.clone(),
            ))
            .display(math!(
                "#C = #v",
                C = c.clone(),
                v = explain::poly_matrix(&as_poly(&red.combination))
            ));
            match &red.condition {
                None => {
                    ex.step(prose!(
                        "$#y = #C #yI$, so the other equations follow from the kept ones, and the constraint is \
                         $#XI #v = #yI$.",
                        y = y.clone(),
                        C = c.clone(),
                        yI = ys.clone(),
                        XI = xs.clone(),
                        v = v.clone(),
                    ));
                }
                Some(off) => {
                    ex.step(prose!(
                        "A solution exists exactly when $#y = #C #yI$; nnkey assumes it, that is:",
                        y = y.clone(),
                        C = c.clone(),
                        yI = ys.clone(),
                    ))
                    .display(math!("#v = 0", v = explain::poly_matrix(off)));
                }
            }
            ex.detail(prose!(
                "The rank is decided exactly, by elimination over the rationals. On the kept rows the Lagrange \
                 conditions read $#XI #XI^T #nu = #yI$ with an invertible #r×#r matrix; $#yI$ is computed as \
                 $(#C^T #C)^-1 #C^T #y$, which equals it whenever $#y = #C #yI$.",
                XI = xs.clone(),
                nu = nu.clone(),
                yI = ys.clone(),
                r = r,
                C = c.clone(),
                y = y.clone(),
            ));
        }
        Rows::Full if !data.x_is_numeric() && is_long(&answer.det) => {
            ex.step(prose!("Assume $#X$ has full row rank, so $#X #X^T$ is invertible:", X = x.clone(),))
                .display(math!("det(#X #X^T) != 0", X = x.clone()));
            ex.detail(prose!("Written out, the determinant is")).display(math!(
                "det(#X #X^T) = #d",
                X = x.clone(),
                d = answer.det.clone()
            ));
        }
        Rows::Full if !data.x_is_numeric() => {
            ex.step(prose!("Assume $#X$ has full row rank, so $#X #X^T$ is invertible:", X = x.clone(),))
                .display(math!("det(#X #X^T) = #d != 0", X = x.clone(), d = answer.det.clone()));
        }
        Rows::Full => {}
    }
    let nui = nu.clone().sub(i.clone());
    let gi = g.clone().sub(i.clone());
    // Symbolic data: students answer in closed form, the expansions are for
    // staff.
    let expansion = is_expansion(&answer.solution) || is_expansion(&answer.multipliers);
    let nu_closed = math!("#nu = (#XI #XI^T)^-1 #yI", nu = nu.clone(), XI = xs.clone(), yI = ys.clone());
    if expansion {
        ex.step(prose!("Solving it:")).display(nu_closed.clone());
        ex.detail(prose!("Written out in the entries of the data:")).display(math!(
            "#nu = #v",
            nu = nu.clone(),
            v = explain::matrix(&answer.multipliers)
        ));
    } else {
        ex.step(prose!("Solving it:")).display(math!(
            "#nu = #v",
            nu = nu.clone(),
            v = explain::matrix(&answer.multipliers)
        ));
    }
    ex.detail(prose!(
        "By Cramer's rule, $#nui = det(#Gi)/det(#G)$, where $#Gi$ is $#G = #XI #XI^T$ with column $#i$ replaced by \
         the right-hand side, every determinant by fraction-free (Bareiss) elimination; each entry of the solution \
         is divided by $det(#G)$ once.",
        nui = nui,
        Gi = gi.clone(),
        G = g.clone(),
        XI = xs.clone(),
        i = i,
    ));
    ex.step(prose!(
        "These conditions are also sufficient: any other solution is $#v + #z$ with $#X #z = 0$, and $#z$ is \
         orthogonal to $#v = #XI^T #nu$, so $norm(#v + #z)^2 = norm(#v)^2 + norm(#z)^2 >= norm(#v)^2$, with equality \
         only at $#z = 0$. The minimum-norm solution is",
        v = v.clone(),
        z = z.clone(),
        X = x.clone(),
        XI = xs.clone(),
        nu = nu.clone(),
    ))
    .display(if expansion {
        math!("#v = #XI^T #nu", v = v.clone(), XI = xs.clone(), nu = nu.clone()).equals(math!(
            "#XI^T (#XI #XI^T)^-1 #yI",
            XI = xs.clone(),
            yI = ys.clone()
        ))
    } else {
        math!("#v = #XI^T #nu", v = v.clone(), XI = xs.clone(), nu = nu.clone())
            .equals(explain::matrix(&answer.solution))
    });
    if expansion {
        ex.closed_form = Some(math!("#XI^T (#XI #XI^T)^-1 #yI", XI = xs.clone(), yI = ys));
        ex.detail(prose!("Written out in the entries of the data, the minimum-norm solution is")).display(math!(
            "#v = #s",
            v = v,
            s = explain::matrix(&answer.solution)
        ));
    }
    ex
}
/// The solution of the Lagrange conditions for A of full row rank.
struct Lagrange {
    /// det(A Aᵀ).
    det: Poly,
    /// ν with (A Aᵀ) ν = b.
    nu: Matrix<RatFunc>,
    /// w = Aᵀ ν.
    w: Matrix<RatFunc>,
}

/// Solves (A Aᵀ) ν = b by Cramer's rule, every determinant by Bareiss
/// elimination over the polynomials, and forms w = Aᵀν with each entry
/// reduced once: a route independent of the adjugate that the limit of
/// gradient descent uses.
fn lagrange_solve(a: &Matrix<Poly>, b: &Matrix<Poly>) -> Lagrange {
    let g = a.mul(&a.transpose()).expect("shapes");
    let n = g.rows();
    let det = g.det().expect("square");
    let nums: Vec<Poly> = (0..n)
        .map(|i| {
            let mut gi = g.clone();
            for r in 0..n {
                gi.set(r, i, b.get(r, 0).clone());
            }
            gi.det().expect("square")
        })
        .collect();
    let nu =
        Matrix::column(nums.iter().map(|p| RatFunc::new(p.clone(), det.clone()).expect("full row rank")).collect());
    let w = Matrix::column(
        (0..a.cols())
            .map(|j| {
                let num = (0..n).fold(Poly::zero(), |acc, i| &acc + &(a.get(i, j) * &nums[i]));
                RatFunc::new(num, det.clone()).expect("full row rank")
            })
            .collect(),
    );
    Lagrange { det, nu, w }
}

fn select_rows<T: crate::algebra::Scalar>(m: &Matrix<T>, rows: &[usize]) -> Matrix<T> {
    let data = rows.iter().flat_map(|&r| m.row(r).to_vec()).collect();
    Matrix::from_vec(rows.len(), m.cols(), data)
}

/// A numeric X with dependent rows: keep the independent rows I, express
/// the rest through them (X = C X_I), and check that y = C y_I: a stated
/// condition when y has symbols, and for numbers either the reduced
/// system or the certificate that there is no solution.
fn reduce_rows(data: &Data, keep: &[usize], xq: &Matrix<Q>) -> Result<Reduced, NoSolution> {
    let n = data.n();
    let r = keep.len();
    let xi = select_rows(xq, keep);
    // C = X X_Iᵀ (X_I X_Iᵀ)⁻¹: row k of X is C[k] · X_I.
    let gi = xi.mul(&xi.transpose()).expect("square");
    let c = xq.mul(&xi.transpose()).and_then(|m| m.mul(&gi.inverse().expect("independent rows"))).expect("shapes");
    // ŷ_I = (CᵀC)⁻¹Cᵀ y, which is y_I whenever y = C y_I.
    let ctc_inv = c.transpose().mul(&c).expect("square").inverse().expect("C has full column rank");
    let lift = ctc_inv.mul(&c.transpose()).expect("shapes");
    let targets = as_poly(&lift).mul(&data.y).expect("shapes");
    let off = data.y.sub(&as_poly(&c).mul(&targets).expect("shapes")).expect("shapes");
    if off.is_zero() {
        return Ok(Reduced { kept: keep.to_vec(), combination: c, targets, condition: None });
    }
    if let Some(u) = as_rational(&off) {
        // y − C ŷ_I is the part of y orthogonal to the column space of C,
        // which is that of X: uᵀX = 0 and uᵀy = ‖u‖² > 0, the least
        // training error.
        let uy =
            (0..n).fold(Q::zero(), |acc, k| &acc + &(u.get(k, 0) * &data.y.get(k, 0).as_constant().expect("numeric")));
        let residual = inner(&u, &u);
        return Err(NoSolution { u, uy, rank: r, residual });
    }
    Ok(Reduced { kept: keep.to_vec(), combination: c, targets, condition: Some(off) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::{Ring, Symbol};

    fn sym(ring: &Ring, name: &str) -> Poly {
        Poly::var(ring.var(&Symbol::plain(name)))
    }

    fn qm(rows: &[&[i64]]) -> Matrix<Q> {
        Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&v| Q::from_int(v)).collect()).collect()).unwrap()
    }

    fn qv(v: &[i64]) -> Vector {
        v.iter().map(|&k| Q::from_int(k)).collect()
    }

    /// The picture's geometry, checked against its definition.
    fn check_geometry(x: &Matrix<Q>, y: &[Q], start: &[Q], step: Option<Q>) -> Geometry {
        let g = geometry(x, y, start, step).expect("a picture");
        let p = pseudo_inverse(x);
        let onto_rows = p.pinv.mul(x).unwrap();
        // Every iterate is the start plus a vector of the row space (X⁺X fixes it).
        for w in &g.iterates {
            let v: Vector = w.iter().zip(start).map(|(a, b)| a - b).collect();
            assert_eq!(times(&onto_rows, &v), v);
        }
        // Each is the previous one moved against the gradient.
        for pair in g.iterates.windows(2) {
            let err: Vector = times(x, &pair[0]).iter().zip(y).map(|(a, b)| a - b).collect();
            let grad = times(&x.transpose(), &err);
            assert_eq!(pair[1], axpy(&-&(&g.step * &Q::from_int(2)), &grad, &pair[0]));
        }
        // The limit fits the data exactly and is in the same affine set.
        assert_eq!(times(x, &g.limit), y);
        let v: Vector = g.limit.iter().zip(start).map(|(a, b)| a - b).collect();
        assert_eq!(times(&onto_rows, &v), v);
        // Every drawn point is the plane point it stands for.
        for w in g.iterates.iter().chain([&g.limit]) {
            assert_eq!(&g.lift(&g.coords(w)), w);
        }
        // The solution set's ends solve X w = y and lie on the box.
        let (xlo, xhi, ylo, yhi) = g.frame.clone();
        if let Some(ends) = &g.solutions {
            assert_ne!(ends[0], ends[1]);
            for e in ends {
                assert_eq!(times(x, &g.lift(e)), y);
                assert!(e.0 == xlo || e.0 == xhi || e.1 == ylo || e.1 == yhi);
                assert!(xlo <= e.0 && e.0 <= xhi && ylo <= e.1 && e.1 <= yhi);
            }
        }
        // The row-space line's ends are the start plus row-space vectors.
        if let Some(ends) = &g.row_line {
            for e in ends {
                let v: Vector = g.lift(e).iter().zip(start).map(|(a, b)| a - b).collect();
                assert_eq!(times(&onto_rows, &v), v);
            }
        }
        g
    }

    #[test]
    fn the_picture_of_one_example_in_two_variables() {
        // X = [1 2], y = 2: the iterates run along (1, 2) to (2/5, 4/5), on
        // the line w₁ + 2 w₂ = 2.
        let g = check_geometry(&qm(&[&[1, 2]]), &qv(&[2]), &qv(&[0, 0]), None);
        assert_eq!(g.limit, vec![Q::new(2, 5), Q::new(4, 5)]);
        assert!(g.solutions.is_some() && g.row_line.is_some());
        // From elsewhere: the limit is the fit closest to the start.
        let g = check_geometry(&qm(&[&[1, 2]]), &qv(&[2]), &qv(&[1, -1]), None);
        let v: Vector = g.limit.iter().zip(qv(&[1, -1])).map(|(a, b)| a - &b).collect();
        assert_eq!(dot(&v, &qv(&[2, -1])), Q::zero());
    }

    #[test]
    fn the_picture_in_three_variables() {
        // Rank 2: the plane through the start spanned by the rows; the
        // solution line meets it only at the limit (−1, 1, 0).
        let x = qm(&[&[1, 2, 3], &[0, 1, 1]]);
        let g = check_geometry(&x, &qv(&[1, 1]), &qv(&[0, 0, 0]), Some(Q::new(1, 20)));
        assert_eq!(g.limit, qv(&[-1, 1, 0]));
        assert!(g.solutions.is_none() && g.row_line.is_none());
        assert_eq!(g.iterates.len(), PICTURE_ITERATES + 1);
        assert_eq!(dot(&g.basis[0], &g.basis[1]), Q::zero());
        // Rank 1: the plane of the row direction and a null direction; the
        // solutions cross it in a line, the iterates run along the row.
        let r = qm(&[&[1, 2, 3], &[2, 4, 6]]);
        let g = check_geometry(&r, &qv(&[1, 2]), &qv(&[0, 0, 0]), None);
        assert_eq!(g.limit, vec![Q::new(1, 14), Q::new(1, 7), Q::new(3, 14)]);
        assert!(g.solutions.is_some() && g.row_line.is_some());
        // Four variables: no picture.
        assert!(geometry(&qm(&[&[1, 0, 0, 1]]), &qv(&[1]), &qv(&[0, 0, 0, 0]), None).is_none());
    }

    #[test]
    fn one_example_by_hand() {
        // X = [a b], y scalar: w = (a y, b y)/(a² + b²).
        let ring = Ring::new();
        let (a, b, y) = (sym(&ring, "a"), sym(&ring, "b"), sym(&ring, "y"));
        let x = Matrix::from_vec(1, 2, vec![a.clone(), b.clone()]);
        let cf = closed_form(&x, &Matrix::column(vec![y.clone()]), &Matrix::zeros(2, 1)).unwrap();
        let den = &(&a * &a) + &(&b * &b);
        assert_eq!(cf.det, den);
        assert_eq!(cf.limit.get(0, 0), &RatFunc::new(&a * &y, den.clone()).unwrap());
        assert_eq!(cf.limit.get(1, 0), &RatFunc::new(&b * &y, den).unwrap());
    }

    /// A small matrix of integers in −3…3 and symbols a, b, c (an entry
    /// code above 6 is a symbol), for cross-checks.
    fn mixed(ring: &Ring, rows: usize, cols: usize, codes: &[u8]) -> Matrix<Poly> {
        let names = ["a", "b", "c"];
        Matrix::from_vec(
            rows,
            cols,
            codes[..rows * cols]
                .iter()
                .map(|&k| if k > 6 { sym(ring, names[(k as usize - 7) % 3]) } else { Poly::from(k as i64 - 3) })
                .collect(),
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// The bracket by inertia decides a step exactly as the
        /// characteristic polynomial does, at the ends of the bracket, at
        /// rational eigenvalues and in between.
        #[test]
        fn inertia_decides_steps_as_the_characteristic_polynomial_does(
            n in 1usize..=4,
            extra in 0usize..=2,
            codes in proptest::collection::vec(-4i64..=4, 24),
        ) {
            let d = n + extra;
            let x = Matrix::from_vec(n, d, codes[..n * d].iter().map(|&k| Q::from_int(k)).collect());
            let g = x.mul(&x.transpose()).unwrap();
            let (gi, den) = IntMatrix::from_rational(&g);
            let exact = exact_spectrum(&g).lambda;
            let Some((lo, hi)) = gi.eigenvalue_bracket() else {
                proptest::prop_assert!(matches!(exact, LambdaMax::Zero));
                return Ok(());
            };
            let b = Bracket { lo: lo.clone(), hi: hi.clone(), gram: gi, den };
            let mut points = vec![lo.clone(), hi.clone(), &(&lo + &hi) / &Q::from_int(2), exact.upper()];
            if let LambdaMax::Rational(q) = &exact {
                points.push(q.clone());
            }
            for t in points.into_iter().filter(|t| !t.is_zero()) {
                proptest::prop_assert_eq!(b.compare(&t), exact.compare_step(&t.inv().unwrap()), "t = {}", t);
            }
        }

        /// The integer and Cauchy–Binet closed forms agree with the
        /// adjugate route they replace, on numeric and mixed data.
        #[test]
        fn closed_forms_agree_with_the_adjugate_route(
            n in 1usize..=3,
            extra in 0usize..=2,
            codes in proptest::collection::vec(0u8..=9, 15),
            ys in proptest::collection::vec(0u8..=9, 3),
            starts in proptest::collection::vec(0u8..=6, 5),
            numeric in proptest::bool::ANY,
        ) {
            let ring = Ring::new();
            let d = n + extra;
            let codes: Vec<u8> = if numeric { codes.iter().map(|k| k % 7).collect() } else { codes };
            let x = mixed(&ring, n, d, &codes);
            let y = mixed(&ring, n, 1, &ys);
            let w0 = mixed(&ring, d, 1, &starts);
            let old = adjugate_closed_form(&x, &y, &w0);
            let new = closed_form(&x, &y, &w0);
            proptest::prop_assert_eq!(old.is_some(), new.is_some());
            if let (Some(old), Some(new)) = (old, new) {
                proptest::prop_assert_eq!(&old.limit, &new.limit);
                proptest::prop_assert_eq!(&old.det, &new.det);
                proptest::prop_assert_eq!(&old.gram, &new.gram);
                if let Some(adj) = &new.adjugate {
                    proptest::prop_assert_eq!(Some(adj), old.adjugate.as_ref());
                }
            }
        }
    }

    #[test]
    fn pseudo_inverse_of_a_rank_one_matrix() {
        // [[1, 2, 3], [2, 4, 6]] = u vᵀ with u = (1, 2), v = (1, 2, 3):
        // X⁺ = v uᵀ/(‖u‖²‖v‖²) = v uᵀ/70.
        let x = Matrix::from_rows(vec![
            vec![Q::from_int(1), Q::from_int(2), Q::from_int(3)],
            vec![Q::from_int(2), Q::from_int(4), Q::from_int(6)],
        ])
        .unwrap();
        let p = pseudo_inverse(&x);
        assert_eq!(p.rank, 1);
        for i in 0..3 {
            for j in 0..2 {
                assert_eq!(p.pinv.get(i, j), &Q::new(((i + 1) * (j + 1)) as i64, 70));
            }
        }
    }

    #[test]
    fn lambda_max_is_exact() {
        let g = |rows: &[&[i64]]| {
            Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&v| Q::from_int(v)).collect()).collect()).unwrap()
        };
        // [[14, 5], [5, 2]]: λ = 8 ± √61.
        let s = spectrum(&g(&[&[14, 5], &[5, 2]]));
        assert_eq!(s.lambda.describe(), "8 + sqrt(61)");
        assert_eq!(crate::render::math::text::inline(&s.lambda.math().unwrap()), "8 + sqrt(61)");
        assert_eq!(s.lambda.compare_step(&Q::new(632, 10000)), Ordering::Less);
        assert_eq!(s.lambda.compare_step(&Q::new(633, 10000)), Ordering::Greater);
        assert_eq!(s.lambda.safe_step_text().as_deref(), Some("0.0632"));
        assert_eq!(s.lambda.safe_step(), Some(Q::new(632, 10000)));
        // [[14, 28], [28, 56]]: eigenvalues 0 and 70.
        let s = spectrum(&g(&[&[14, 28], &[28, 56]]));
        assert_eq!(s.lambda.describe(), "70");
        assert_eq!(s.lambda.compare_step(&Q::new(1, 70)), Ordering::Equal);
        assert_eq!(s.lambda.safe_step_text().as_deref(), Some("0.0142"));
        assert!(matches!(spectrum(&g(&[&[0, 0], &[0, 0]])).lambda, LambdaMax::Zero));
    }

    #[test]
    fn column_subsets_in_order() {
        assert_eq!(
            column_subsets(4, 2, 100),
            vec![vec![0, 1], vec![0, 2], vec![0, 3], vec![1, 2], vec![1, 3], vec![2, 3]]
        );
        assert_eq!(column_subsets(3, 3, 100), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn square_roots_of_polynomials() {
        let ring = Ring::new();
        let (a, b) = (sym(&ring, "a"), sym(&ring, "b"));
        let q = &(&a * &a).scale(&Q::from_int(2)) - &(&b + &Poly::one());
        let root = poly_sqrt(&(&q * &q)).unwrap();
        assert!(root == q || root == -&q);
        assert_eq!(poly_sqrt(&(&(&a * &a) + &(&b * &b))), None);
        assert_eq!(poly_sqrt(&(&a * &a).scale(&Q::from_int(2))), None);
        assert_eq!(poly_sqrt(&Poly::constant(Q::new(9, 4))), Some(Poly::constant(Q::new(3, 2))));
    }

    #[test]
    fn the_two_by_two_lambda_max_simplifies_where_exact() {
        let ring = Ring::new();
        let a = sym(&ring, "a");
        let one = Poly::one();
        let a2 = &a * &a;
        // X = [[1, 0, a], [0, 1, a]]: G = [[1 + a², a²], [a², 1 + a²]], λ_max = 1 + 2a².
        let g = Matrix::from_vec(2, 2, vec![&one + &a2, a2.clone(), a2.clone(), &one + &a2]);
        let q = QuadraticRoot::of(&g);
        let shown = |m: &Math| crate::render::math::text::inline(&crate::render::math::lower::lower(m, &ring));
        assert_eq!(shown(&q.math()), "2 a^2 + 1");
        assert_eq!(shown(&q.formula()), "((2 a^2 + 2) + sqrt(4 a^4))/2");
        // G = diag(a², 1): λ_max = (a² + 1 + |a² - 1|)/2.
        let g = Matrix::from_vec(2, 2, vec![a2.clone(), Poly::zero(), Poly::zero(), one.clone()]);
        assert_eq!(shown(&QuadraticRoot::of(&g).math()), "((a^2 + 1) + |a^2 - 1|)/2");
        // G = [[2 a², 2], [2, 2]]: disc = 4 (a² - 1)² + 16 = 4 (a⁴ - 2a² + 5).
        let g = Matrix::from_vec(
            2,
            2,
            vec![
                a2.scale(&Q::from_int(2)),
                Poly::constant(Q::from_int(2)),
                Poly::constant(Q::from_int(2)),
                Poly::constant(Q::from_int(2)),
            ],
        );
        assert_eq!(shown(&QuadraticRoot::of(&g).math()), "(a^2 + 1) + sqrt(a^4 - 2 a^2 + 5)");
    }
}
