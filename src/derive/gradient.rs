//! Gradient descent on least squares, and the minimum-norm solution of a
//! linear system: the implicit regularization of gradient descent.
//!
//! For f(w) = Σᵢ (yᵢ − wᵀxᵢ)² = ‖X w − y‖² with X of full row rank, gradient
//! descent from w⁽⁰⁾ with a step 0 < η < 1/λ_max(X Xᵀ) converges to
//! w⁽⁰⁾ + Xᵀ(X Xᵀ)⁻¹(y − X w⁽⁰⁾): from 0, the minimum-norm solution of
//! X w = y. [`derive_limit`] proves it step by step and computes the limit
//! fraction-free (the adjugate and the determinant of X Xᵀ are polynomials;
//! each entry is divided once, at the end). For a numeric X the rank is
//! decided exactly, and a rank-deficient X gets the pseudo-inverse limit.
//! [`derive_minimum_norm`] reaches the same vector another way, by the
//! Lagrange conditions of the constrained problem, solving them by Cramer's
//! rule, so that the two can be checked against each other.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::One;

use crate::algebra::print::{self, Notation, latex_name};
use crate::algebra::univariate::{
    RealRoot, Sturm, UPoly, characteristic_polynomial, decimal_parts, decimal_text, largest_root, sqrt_parts,
};
use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring};
use crate::language::{Diagnostic, Span};
use crate::model::Value;
use crate::model::gradient::{Data, GradientLimit, MinimumNorm, StepSize};

use super::{Step, count, labeled};

/// Matrices with more rows or columns than this are described, not printed,
/// in a derivation.
const SHOWN_SIDE: usize = 12;
/// Longest formula (in characters) shown for an intermediate result.
const SHOWN_TEXT: usize = 1500;
/// Most column subsets for which det(X Xᵀ) is shown as a sum of squares.
const SHOWN_MINORS: usize = 20;

// ---------------------------------------------------------------------------
// Exact computations
// ---------------------------------------------------------------------------

/// The closed form of the limit for X of full row rank, fraction-free.
#[derive(Clone, Debug)]
pub struct ClosedForm {
    /// G = X Xᵀ.
    pub gram: Matrix<Poly>,
    /// adj(G), with G adj(G) = det(G) I.
    pub adjugate: Matrix<Poly>,
    /// det(G), nonzero.
    pub det: Poly,
    /// w⁽⁰⁾ + Xᵀ adj(G)(y − X w⁽⁰⁾)/det(G), each entry in lowest terms.
    pub limit: Matrix<RatFunc>,
}

/// `w0 + Xᵀ (X Xᵀ)⁻¹ (y − X w0)` through the adjugate: every intermediate is
/// a polynomial and each entry is reduced once. `None` when det(X Xᵀ) is
/// identically zero (X lacks full row rank).
pub fn closed_form(x: &Matrix<Poly>, y: &Matrix<Poly>, w0: &Matrix<Poly>) -> Option<ClosedForm> {
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
    Some(ClosedForm { gram, adjugate, det, limit })
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

fn value_of(m: &Matrix<Poly>) -> Value {
    Value::Matrix(m.map(|p| RatFunc::from(p.clone())))
}

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
}

/// The spectrum facts of a numeric X Xᵀ: its characteristic polynomial and
/// its largest eigenvalue.
#[derive(Clone, Debug)]
pub struct Spectrum {
    pub chi: UPoly,
    pub lambda: LambdaMax,
}

/// The exact largest eigenvalue of a rational symmetric positive
/// semidefinite matrix.
pub fn spectrum(gram: &Matrix<Q>) -> Spectrum {
    let chi = UPoly::from_coeffs(characteristic_polynomial(gram).expect("X Xᵀ is square"));
    let (_, nonzero) = chi.split_zero_roots();
    if nonzero.degree() == Some(0) {
        return Spectrum { chi, lambda: LambdaMax::Zero };
    }
    let q = nonzero.squarefree();
    if q.degree() == Some(1) {
        let r = -&(&q.coeffs()[0] / &q.coeffs()[1]);
        return Spectrum { chi, lambda: LambdaMax::Rational(r) };
    }
    let Some(mut root) = largest_root(&q) else {
        // A symmetric matrix has only real eigenvalues, so this cannot
        // happen; say so rather than guess.
        return Spectrum { chi, lambda: LambdaMax::Zero };
    };
    if let Some(r) = root.exact() {
        let r = r.clone();
        return Spectrum { chi, lambda: LambdaMax::Rational(r) };
    }
    let width = &root.hi.abs() * &Q::new(1, 10_000_000);
    root.refine(&width);
    if let Some(r) = root.exact() {
        let r = r.clone();
        return Spectrum { chi, lambda: LambdaMax::Rational(r) };
    }
    root.round_outward(6);
    if q.degree() == Some(2) {
        // λ² + p λ + c: λ = −p/2 + √(p²/4 − c).
        let (c, p) = (&q.coeffs()[0], &q.coeffs()[1]);
        let a = -&(p / &Q::from_int(2));
        let disc = &(&(p * p) / &Q::from_int(4)) - c;
        if let Some((b, k)) = sqrt_parts(&disc) {
            if k.is_one() {
                return Spectrum { chi, lambda: LambdaMax::Rational(&a + &b) };
            }
            return Spectrum { chi, lambda: LambdaMax::Surd { a, b, k, root } };
        }
    }
    Spectrum { chi, lambda: LambdaMax::Algebraic(root) }
}

impl LambdaMax {
    /// A rational number at least λ_max, equal only when λ_max is rational.
    pub fn upper(&self) -> Q {
        match self {
            LambdaMax::Zero => Q::zero(),
            LambdaMax::Rational(q) => q.clone(),
            LambdaMax::Surd { root, .. } | LambdaMax::Algebraic(root) => root.hi.clone(),
        }
    }

    /// How η·λ_max compares with 1, exactly.
    pub fn compare_step(&self, eta: &Q) -> Ordering {
        match self {
            LambdaMax::Zero => Ordering::Less,
            LambdaMax::Rational(q) => (eta * q).cmp(&Q::one()),
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

    /// The exact value in both notations.
    pub fn text(&self) -> (String, String) {
        match self {
            LambdaMax::Zero => ("0".into(), "0".into()),
            LambdaMax::Rational(q) => (print::rational(q, Notation::Plain), print::rational(q, Notation::Latex)),
            LambdaMax::Surd { a, b, k, .. } => {
                let coef = |n: Notation| {
                    if b.is_one() {
                        String::new()
                    } else {
                        format!("{}{}", print::rational(b, n), if n == Notation::Plain { "*" } else { " " })
                    }
                };
                let lead =
                    |n: Notation| if a.is_zero() { String::new() } else { format!("{} + ", print::rational(a, n)) };
                (
                    format!("{}{}sqrt({k})", lead(Notation::Plain), coef(Notation::Plain)),
                    format!("{}{}\\sqrt{{{k}}}", lead(Notation::Latex), coef(Notation::Latex)),
                )
            }
            LambdaMax::Algebraic(root) => {
                let (lo, hi) = (short(&root.lo), short(&root.hi));
                (
                    format!("the largest root of {}, in ({lo}, {hi}]", root.poly.display("lambda")),
                    format!("\\text{{the largest root of }} {} \\in ({lo}, {hi}]", upoly_latex(&root.poly, "\\lambda")),
                )
            }
        }
    }

    /// A short decimal step that is provably inside the condition.
    pub fn safe_step(&self) -> Option<String> {
        let upper = self.upper();
        let bound = upper.inv()?;
        let (mut m, e) = decimal_parts(&bound, 3, Ordering::Less);
        let exact = matches!(self, LambdaMax::Rational(_));
        let value = &Q::from_bigints(m.clone(), BigInt::one()) / &Q::from_int(10).pow(e).expect("ten is nonzero");
        if exact && value == bound {
            m -= BigInt::one();
        }
        Some(decimal_text(&m, e))
    }
}

/// A rational as a decimal when it has a short one (as the ends of a
/// rounded isolating interval do), else as a fraction.
fn short(q: &Q) -> String {
    let text = decimal_text(&decimal_parts(q, 12, Ordering::Less).0, decimal_parts(q, 12, Ordering::Less).1);
    if Q::parse(&text).is_ok_and(|back| back == *q) { text } else { q.to_string() }
}

/// A univariate polynomial in LaTeX.
fn upoly_latex(p: &UPoly, var: &str) -> String {
    let plain = p.display("@");
    let mut out = String::new();
    for piece in plain.split(' ') {
        let piece = piece.replace('*', " ");
        let piece = if let Some((base, exp)) = piece.split_once('^') { format!("{base}^{{{exp}}}") } else { piece };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    let out = out.replace('@', var);
    // Fractions a/b as \frac.
    out.split(' ')
        .map(|t| match t.split_once('/') {
            Some((a, b)) => format!("\\frac{{{a}}}{{{b}}}"),
            None => t.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// Names and small printing helpers
// ---------------------------------------------------------------------------

/// The names a derivation uses, in both notations.
struct Names {
    x: String,
    y: String,
    xl: String,
    yl: String,
}

impl Names {
    fn of(data: &Data) -> Names {
        Names {
            x: data.x_name.clone(),
            y: data.y_name.clone(),
            xl: latex_name(&data.x_name),
            yl: latex_name(&data.y_name),
        }
    }
}

fn shown(m: &Matrix<Poly>) -> bool {
    m.rows() <= SHOWN_SIDE && m.cols() <= SHOWN_SIDE
}

/// `NAME = MATRIX` as a step, or a sentence with its size when too large.
fn matrix_step(text: &str, plain: &str, latex: &str, m: &Matrix<Poly>, ring: &Ring) -> Step {
    if shown(m) {
        let (p, l) = labeled(plain, latex, &value_of(m), ring);
        if p.len() <= SHOWN_TEXT * 4 {
            return Step::math(text, p, l);
        }
    }
    Step::text(format!("{text} ({}×{}, too large to show)", m.rows(), m.cols()))
}

fn poly_text(p: &Poly, ring: &Ring) -> (String, String) {
    (p.print(ring, Notation::Plain), p.print(ring, Notation::Latex))
}

/// det(X Xᵀ) by the Cauchy–Binet formula: the sum of the squares of the
/// n×n minors of X, when there are few enough to show and the sum checks.
fn cauchy_binet(x: &Matrix<Poly>, det: &Poly, ring: &Ring) -> Option<(String, String)> {
    let (n, d) = x.shape();
    let subsets = column_subsets(d, n, SHOWN_MINORS + 1);
    if subsets.len() > SHOWN_MINORS || n == d {
        return None;
    }
    let mut sum = Poly::zero();
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    for s in &subsets {
        let cols: Vec<Poly> =
            (0..n).flat_map(|r| s.iter().map(move |&c| (r, c))).map(|(r, c)| x.get(r, c).clone()).collect();
        let minor = Matrix::from_vec(n, n, cols).det().ok()?;
        if minor.is_zero() {
            continue;
        }
        sum = &sum + &minor.pow(2);
        let (p, l) = poly_text(&minor, ring);
        if minor.len() == 1 && minor.terms()[0].1.is_one() {
            plain.push(format!("{p}^2"));
            latex.push(format!("\\left({l}\\right)^{{2}}"));
        } else {
            plain.push(format!("({p})^2"));
            latex.push(format!("\\left({l}\\right)^{{2}}"));
        }
    }
    (sum == *det && !plain.is_empty()).then(|| (plain.join(" + "), latex.join(" + ")))
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
// The limit of gradient descent
// ---------------------------------------------------------------------------

/// What the data says about the rank, decided exactly.
enum Rank {
    /// Full row rank: X Xᵀ is invertible (symbolic: where det ≠ 0).
    Full(ClosedForm),
    /// A numeric X of rank r < n.
    Deficient(PseudoInverse),
}

/// Decides the rank and computes the limit; errors say why nnkey cannot.
fn rank_and_limit(data: &Data, w0: &Matrix<Poly>, span: Span) -> Result<Rank, Diagnostic> {
    let (n, d) = (data.n(), data.d());
    if let Some(xq) = as_rational(&data.x) {
        let pinv = pseudo_inverse(&xq);
        if pinv.rank == n {
            let cf = closed_form(&data.x, &data.y, w0).expect("full row rank");
            return Ok(Rank::Full(cf));
        }
        return Ok(Rank::Deficient(pinv));
    }
    match closed_form(&data.x, &data.y, w0) {
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

/// Derives `limit of gradient descent on least squares(X, y) from W0`.
pub fn derive_limit(g: &GradientLimit, ring: &Ring) -> Result<(Value, Vec<Step>), Diagnostic> {
    let data = &g.data;
    let nm = Names::of(data);
    let (x, xl, y, yl) = (&nm.x, &nm.xl, &nm.y, &nm.yl);
    let (n, d) = (data.n(), data.d());
    let zero_start = g.starts_at_zero();
    let (w0, w0l) = ("w⁽⁰⁾", "w^{(0)}");
    let start_text = match &g.start_name {
        None => "w⁽⁰⁾ = 0".to_string(),
        Some(name) => format!("w⁽⁰⁾ = {name}"),
    };
    let rank = rank_and_limit(data, &g.start, g.span)?;
    let mut steps = Vec::new();

    // 1. The objective.
    steps.push(Step::math(
        format!(
            "The objective is f(w) = Σᵢ (yᵢ − wᵀxᵢ)² = ‖{x} w − {y}‖², with the {} xᵢᵀ as the rows of the {n}×{d} matrix {x} and the targets in {y}:",
            count(n, "example")
        ),
        format!("{x} = {}\n{y} = {}", value_of(&data.x).print(ring, Notation::Plain), value_of(&data.y).print(ring, Notation::Plain)),
        format!("{xl} = {}, \\quad {yl} = {}", value_of(&data.x).print(ring, Notation::Latex), value_of(&data.y).print(ring, Notation::Latex)),
    ));
    if !zero_start && shown(&g.start) {
        let name = g.start_name.clone().unwrap_or_else(|| "w0".into());
        steps.push(matrix_step("Gradient descent starts at", &name, &latex_name(&name), &g.start, ring));
    }
    // 2. The update rule.
    steps.push(Step::math(
        format!("Its gradient is ∇f(w) = 2 {x}ᵀ({x} w − {y}), so gradient descent with a constant step η, started at {start_text}, iterates"),
        format!("w^(t+1) = w^(t) - 2*eta*{x}^T ({x} w^(t) - {y})"),
        format!("w^{{(t+1)}} = w^{{(t)}} - 2 \\eta\\, {xl}^\\top \\left({xl} w^{{(t)}} - {yl}\\right)"),
    ));
    // 3. The invariant.
    steps.push(Step::math(
        format!(
            "Every iterate stays in {w0} + range({x}ᵀ), the start plus the row space of {x}, by induction on t: \
             w⁽⁰⁾ = w⁽⁰⁾ + {x}ᵀ·0, and if w⁽ᵗ⁾ = w⁽⁰⁾ + {x}ᵀa⁽ᵗ⁾ then w⁽ᵗ⁺¹⁾ = w⁽⁰⁾ + {x}ᵀ(a⁽ᵗ⁾ − 2η({x} w⁽ᵗ⁾ − {y})). \
             The set is closed, so a limit of the iterates lies in it too."
        ),
        format!("w^(t) = w^(0) + {x}^T a^(t)"),
        format!("w^{{(t)}} = {w0l} + {xl}^\\top a^{{(t)}}"),
    ));
    match &rank {
        Rank::Full(cf) => full_rank_steps(g, cf, &nm, ring, &mut steps)?,
        Rank::Deficient(p) => deficient_steps(g, p, &nm, ring, &mut steps)?,
    }
    let value = match rank {
        Rank::Full(cf) => Value::Matrix(cf.limit),
        Rank::Deficient(p) => {
            let residual = data.y.sub(&data.x.mul(&g.start).expect("shapes")).expect("shapes");
            let w = g.start.add(&as_poly(&p.pinv).mul(&residual).expect("shapes")).expect("shapes");
            value_of(&w)
        }
    };
    Ok((value, steps))
}

/// The rank, step-size, uniqueness and least-norm steps for X of full row
/// rank, and the computation.
fn full_rank_steps(
    g: &GradientLimit,
    cf: &ClosedForm,
    nm: &Names,
    ring: &Ring,
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    let data = &g.data;
    let (x, xl, y, yl) = (&nm.x, &nm.xl, &nm.y, &nm.yl);
    let (n, d) = (data.n(), data.d());
    let numeric = data.x_is_numeric();
    steps.push(matrix_step(&format!("The Gram matrix of the examples, G = {x} {x}ᵀ:"), "G", "G", &cf.gram, ring));
    let (det_p, det_l) = poly_text(&cf.det, ring);
    if numeric {
        steps.push(Step::math(
            format!("{x} has rank {n} = n (decided exactly), so G is invertible:"),
            format!("det(G) = {det_p}"),
            format!("\\det G = {det_l}"),
        ));
    } else {
        let (p, l) = match cauchy_binet(&data.x, &cf.det, ring) {
            Some((p, l)) if p.len() <= SHOWN_TEXT => (format!("det(G) = {p} != 0"), format!("\\det G = {l} \\neq 0")),
            _ if det_p.len() <= SHOWN_TEXT * 4 => {
                (format!("det(G) = {det_p} != 0"), format!("\\det G = {det_l} \\neq 0"))
            }
            _ => ("det(G) != 0".into(), "\\det G \\neq 0".into()),
        };
        let minors = if n < d {
            format!(
                " By the Cauchy–Binet formula det(G) is the sum of the squares of the {n}×{n} minors of {x}, so over the reals it vanishes exactly where {x} loses full row rank."
            )
        } else {
            String::new()
        };
        steps.push(Step::math(
            format!("Assumption: {x} has full row rank {n}, that is, G = {x} {x}ᵀ is invertible: its determinant must not vanish.{minors} nnkey assumes"),
            p,
            l,
        ));
    }
    step_size_steps(g, &cf.gram, ring, steps)?;
    // Limit solves X w = y.
    steps.push(Step::math(
        format!(
            "A limit solves {x} w = {y}: if w⁽ᵗ⁾ → w∞, letting t → ∞ in the update gives 2η {x}ᵀ({x} w∞ − {y}) = 0, \
             and {x}ᵀ is injective because {x} has full row rank. So the limit fits every example exactly (zero training error)."
        ),
        format!("{x} w_inf = {y}"),
        format!("{xl} w_\\infty = {yl}"),
    ));
    let w0_name = g.start_name.clone().unwrap_or_else(|| "0".into());
    let (formula, formula_l) = if g.starts_at_zero() {
        (
            format!("w_inf = {x}^T ({x} {x}^T)^-1 {y}"),
            format!("w_\\infty = {xl}^\\top \\left({xl} {xl}^\\top\\right)^{{-1}} {yl}"),
        )
    } else {
        let wl = latex_name(&w0_name);
        (
            format!("w_inf = {w0_name} + {x}^T ({x} {x}^T)^-1 ({y} - {x} {w0_name})"),
            format!(
                "w_\\infty = {wl} + {xl}^\\top \\left({xl} {xl}^\\top\\right)^{{-1}} \\left({yl} - {xl} {wl}\\right)"
            ),
        )
    };
    steps.push(Step::math(
        format!(
            "Exactly one point of w⁽⁰⁾ + range({x}ᵀ) solves {x} w = {y}: for w = w⁽⁰⁾ + {x}ᵀa the equation reads G a = {y} − {x} w⁽⁰⁾, \
             and G is invertible. So the iterates can only converge to"
        ),
        formula,
        formula_l,
    ));
    let (closest, norm) = if g.starts_at_zero() {
        (
            "the minimum-norm solution of X w = y (the problem min ‖w‖² subject to X w = y)".to_string(),
            "‖w‖² = ‖w∞‖² + ‖z‖²",
        )
    } else {
        (format!("the solution of X w = y closest to w⁽⁰⁾ = {w0_name}"), "‖w − w⁽⁰⁾‖² = ‖w∞ − w⁽⁰⁾‖² + ‖z‖²")
    };
    steps.push(Step::math(
        format!(
            "It is {closest}: every solution is w = w∞ + z with {x} z = 0, and w∞ − w⁽⁰⁾ = {x}ᵀa is orthogonal to z, \
             since zᵀ{x}ᵀa = ({x} z)ᵀa = 0. By Pythagoras {norm}, smallest exactly when z = 0."
        ),
        if g.starts_at_zero() {
            "||w||^2 = ||w_inf||^2 + ||z||^2".to_string()
        } else {
            "||w - w^(0)||^2 = ||w_inf - w^(0)||^2 + ||z||^2".to_string()
        },
        if g.starts_at_zero() {
            "\\|w\\|^2 = \\|w_\\infty\\|^2 + \\|z\\|^2".to_string()
        } else {
            "\\|w - w^{(0)}\\|^2 = \\|w_\\infty - w^{(0)}\\|^2 + \\|z\\|^2".to_string()
        },
    ));
    let adj_text = "adj(G)";
    if shown(&cf.adjugate) && value_of(&cf.adjugate).print(ring, Notation::Plain).len() <= SHOWN_TEXT {
        steps.push(matrix_step(
            "Computed fraction-free: G⁻¹ = adj(G)/det(G), with the adjugate",
            adj_text,
            "\\operatorname{adj} G",
            &cf.adjugate,
            ring,
        ));
    } else {
        steps.push(Step::text(format!(
            "Computed fraction-free: G⁻¹ = adj(G)/det(G), where the {n}×{n} adjugate adj(G) has polynomial entries (too long to show)."
        )));
    }
    steps.push(Step::text(format!(
        "Each entry of {x}ᵀ adj(G) ({y} − {x} w⁽⁰⁾) is divided by det(G) once and reduced to lowest terms{}.",
        if g.starts_at_zero() { "" } else { ", then added to w⁽⁰⁾" }
    )));
    Ok(())
}

/// The steps for a numeric X of rank r < n: the pseudo-inverse limit.
fn deficient_steps(
    g: &GradientLimit,
    p: &PseudoInverse,
    nm: &Names,
    ring: &Ring,
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    let data = &g.data;
    let (x, xl, y, yl) = (&nm.x, &nm.xl, &nm.y, &nm.yl);
    let n = data.n();
    let r = p.rank;
    let gram = data.x.mul(&data.x.transpose()).expect("shapes");
    steps.push(matrix_step(&format!("The Gram matrix of the examples, G = {x} {x}ᵀ:"), "G", "G", &gram, ring));
    steps.push(Step::text(format!(
        "{x} has rank {r} < n = {n} (decided exactly by elimination over the rationals), so G is singular and (X Xᵀ)⁻¹ does not exist. \
         The limit is given by the pseudo-inverse {x}⁺ instead."
    )));
    step_size_steps(g, &gram, ring, steps)?;
    steps.push(Step::math(
        format!(
            "A limit w∞ satisfies 2η {x}ᵀ({x} w∞ − {y}) = 0 (let t → ∞ in the update): the normal equations, so w∞ minimizes f. \
             Exactly one minimizer lies in w⁽⁰⁾ + range({x}ᵀ): two of them differ by a vector of range({x}ᵀ) that {x}ᵀ{x} sends to 0, \
             hence {x} sends to 0, and range({x}ᵀ) meets the null space of {x} only in 0."
        ),
        format!("{x}^T {x} w_inf = {x}^T {y}"),
        format!("{xl}^\\top {xl} w_\\infty = {xl}^\\top {yl}"),
    ));
    if r > 0 {
        let basis = as_poly(&p.basis);
        steps.push(matrix_step(
            &format!(
                "A basis of the row space: the nonzero rows of the reduced row echelon form of {x}. Writing w∞ = w⁽⁰⁾ + Rᵀc, \
                 the normal equations become BᵀB c = Bᵀ({y} − {x} w⁽⁰⁾) with B = {x} Rᵀ, an invertible {r}×{r} system"
            ),
            "R",
            "R",
            &basis,
            ring,
        ));
    }
    let pinv = as_poly(&p.pinv);
    steps.push(matrix_step(
        &format!("So w∞ = w⁽⁰⁾ + {x}⁺({y} − {x} w⁽⁰⁾) with the pseudo-inverse {x}⁺ = Rᵀ(BᵀB)⁻¹Bᵀ:"),
        &format!("{x}^+"),
        &format!("{xl}^{{+}}"),
        &pinv,
        ring,
    ));
    // Does the limit solve X w = y? Exactly when (I − X X⁺) y = 0.
    let projector = Matrix::<Q>::identity(n)
        .sub(&as_rational(&data.x).expect("numeric").mul(&p.pinv).expect("shapes"))
        .expect("shapes");
    let off = as_poly(&projector).mul(&data.y).expect("shapes");
    if off.is_zero() {
        steps.push(Step::text(format!(
            "Here {y} lies in the column space of {x} ((I − {x}{x}⁺){y} = 0), so the limit solves {x} w = {y} exactly, \
             and it is the solution closest to w⁽⁰⁾: a solution plus a null-space vector z is longer by ‖z‖², by Pythagoras \
             (w∞ − w⁽⁰⁾ lies in the row space, orthogonal to z)."
        )));
    } else if off.entries().iter().all(Poly::is_constant) {
        let residual = off
            .entries()
            .iter()
            .fold(Q::zero(), |acc, p| &acc + &p.as_constant().expect("constant").pow(2).expect("square"));
        steps.push(Step::math(
            format!(
                "Here {y} is not in the column space of {x}: {x} w = {y} has no solution, and the limit is the least-squares fit \
                 closest to w⁽⁰⁾, with the least training error f(w∞) = ‖(I − {x}{x}⁺){y}‖²:"
            ),
            format!("f(w_inf) = {}", print::rational(&residual, Notation::Plain)),
            format!("f(w_\\infty) = {}", print::rational(&residual, Notation::Latex)),
        ));
    } else {
        let v = value_of(&off);
        steps.push(Step::math(
            format!("The limit solves {x} w = {y} exactly when {y} lies in the column space of {x}, that is, when (I − {x}{x}⁺){y} = 0:"),
            format!("{} = 0", v.print(ring, Notation::Plain)),
            format!("{} = 0", v.print(ring, Notation::Latex)),
        ));
    }
    Ok(())
}

/// The step-size condition 0 < η < 1/λ_max(X Xᵀ), with λ_max exact for a
/// numeric X, and the verdict on a step the file gives.
fn step_size_steps(
    g: &GradientLimit,
    gram: &Matrix<Poly>,
    ring: &Ring,
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    let x = &g.data.x_name;
    let n = gram.rows();
    let why = format!(
        "Convergence needs 0 < η < 1/λ_max(G), and holds for every start exactly then: with w* the limit found below, \
         the error e⁽ᵗ⁾ = w⁽ᵗ⁾ − w* lies in the row space and e⁽ᵗ⁺¹⁾ = (I − 2η {x}ᵀ{x}) e⁽ᵗ⁾. On the row space {x}ᵀ{x} has \
         exactly the nonzero eigenvalues λ of G = {x}{x}ᵀ, each factor |1 − 2ηλ| must be below 1, and the largest eigenvalue is the binding one."
    );
    if let Some(gq) = as_rational(gram) {
        let sp = spectrum(&gq);
        let (lp, ll) = sp.lambda.text();
        let chi = sp.chi.display("lambda");
        let chi_t = sp.chi.display("λ");
        let chi_l = upoly_latex(&sp.chi, "\\lambda");
        match &sp.lambda {
            LambdaMax::Zero => {
                steps.push(Step::math(
                    format!("{x} = 0, so the gradient never changes and every step size leaves w⁽⁰⁾ in place."),
                    format!("det(lambda I - G) = {chi}"),
                    format!("\\det(\\lambda I - G) = {chi_l}"),
                ));
                return Ok(());
            }
            LambdaMax::Rational(q) => steps.push(Step::math(
                format!("{why} Here det(λI − G) = {chi_t}, whose largest root is rational:"),
                format!("lambda_max = {lp}, so 0 < eta < {}", print::rational(&q.inv().expect("positive"), Notation::Plain)),
                format!("\\lambda_{{\\max}} = {ll}, \\quad 0 < \\eta < {}", print::rational(&q.inv().expect("positive"), Notation::Latex)),
            )),
            LambdaMax::Surd { root, .. } => steps.push(Step::math(
                format!(
                    "{why} Here det(λI − G) = {chi_t}; its largest root is a quadratic surd, in ({}, {}]:",
                    short(&root.lo),
                    short(&root.hi)
                ),
                format!("lambda_max = {lp}, so 0 < eta < 1/({lp})"),
                format!("\\lambda_{{\\max}} = {ll}, \\quad 0 < \\eta < \\frac{{1}}{{{ll}}}"),
            )),
            LambdaMax::Algebraic(root) => steps.push(Step::math(
                format!(
                    "{why} Here det(λI − G) = {chi_t}; λ_max is its largest root, isolated exactly between two rationals with a Sturm sequence:"
                ),
                format!("{} < lambda_max <= {}, so 0 < eta < 1/lambda_max", short(&root.lo), short(&root.hi)),
                format!("{} < \\lambda_{{\\max}} \\le {}, \\quad 0 < \\eta < 1/\\lambda_{{\\max}}", short(&root.lo), short(&root.hi)),
            )),
        }
        if let Some(safe) = sp.lambda.safe_step() {
            steps.push(Step::text(format!("A safe rational step: any η ≤ {safe} satisfies the condition exactly.")));
        }
        if let Some(step) = &g.step {
            numeric_step_verdict(step, &sp.lambda, &lp, ring, steps)?;
        }
        return Ok(());
    }
    // Symbolic X.
    let g00 = gram.get(0, 0);
    let trace = (0..n).fold(Poly::zero(), |acc, i| &acc + gram.get(i, i));
    let (tp, tl) = poly_text(&trace, ring);
    match n {
        1 => {
            let bound = RatFunc::new(Poly::one(), g00.clone()).expect("nonzero");
            steps.push(Step::math(
                format!("{why} With one example G is 1×1, so λ_max = G[0,0] = ‖x₁‖²:"),
                format!("0 < eta < {}", bound.print(ring, Notation::Plain)),
                format!("0 < \\eta < {}", bound.print(ring, Notation::Latex)),
            ));
        }
        2 => steps.push(Step::math(
            format!("{why} For 2×2 G the largest root of det(λI − G) = λ² − tr(G)λ + det(G) is"),
            "lambda_max = (G[0,0] + G[1,1] + sqrt((G[0,0] - G[1,1])^2 + 4*G[0,1]^2))/2".to_string(),
            "\\lambda_{\\max} = \\frac{G_{00} + G_{11} + \\sqrt{(G_{00} - G_{11})^2 + 4 G_{01}^2}}{2}".to_string(),
        )),
        _ => steps.push(Step::text(format!(
            "{why} Here λ_max is the largest root of det(λI − G) = λ^{n} − e₁λ^{} + e₂λ^{} − …, where e_k is the sum of the principal k×k minors of G.",
            n - 1,
            n - 2
        ))),
    }
    if n > 1 {
        steps.push(Step::math(
            format!("A simpler sufficient condition: λ_max ≤ tr(G) = ‖{x}‖²_F (the eigenvalues are nonnegative and sum to the trace), so any"),
            format!("0 < eta < 1/({tp})"),
            format!("0 < \\eta < \\frac{{1}}{{{tl}}}"),
        ));
    }
    if let Some(step) = &g.step {
        let (sp, sl) = (step.value.print(ring, Notation::Plain), step.value.print(ring, Notation::Latex));
        let cond = if n == 1 {
            format!("({sp})*({})", g00.print(ring, Notation::Plain))
        } else {
            format!("({sp})*lambda_max")
        };
        let cond_l = if n == 1 {
            format!("\\left({sl}\\right) \\left({}\\right)", g00.print(ring, Notation::Latex))
        } else {
            format!("\\left({sl}\\right) \\lambda_{{\\max}}")
        };
        steps.push(Step::math(
            format!("The file's step η = {sp} depends on the symbols; the limit holds where it satisfies the condition, which nnkey assumes:"),
            format!("{cond} < 1"),
            format!("{cond_l} < 1"),
        ));
    }
    Ok(())
}

/// Checks a step given in the file against the exact condition.
fn numeric_step_verdict(
    step: &StepSize,
    lambda: &LambdaMax,
    lp: &str,
    ring: &Ring,
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    let (sp, sl) = (step.value.print(ring, Notation::Plain), step.value.print(ring, Notation::Latex));
    let Some(eta) = step.value.as_constant() else {
        steps.push(Step::math(
            format!("The file's step η = {sp} is symbolic; the limit holds where it satisfies the condition, which nnkey assumes:"),
            format!("({sp})*lambda_max < 1"),
            format!("\\left({sl}\\right) \\lambda_{{\\max}} < 1"),
        ));
        return Ok(());
    };
    match lambda.compare_step(&eta) {
        Ordering::Less => {
            steps.push(Step::text(format!("The file's step η = {eta} satisfies it: η·λ_max < 1, decided exactly.")));
            Ok(())
        }
        verdict => {
            let what = if verdict == Ordering::Equal {
                "η·λ_max = 1: the error along the top eigenvector flips sign forever, so the iterates do not converge"
            } else {
                "η·λ_max > 1: the error along the top eigenvector grows by |1 − 2ηλ_max| > 1 at every step, so the iterates diverge"
            };
            Err(Diagnostic::error(step.span, format!("gradient descent with step {eta} has no limit"))
                .with_label(what)
                .with_hint(format!("the step must satisfy 0 < η < 1/λ_max(X Xᵀ), with λ_max = {lp}"))
                .with_hint(match lambda.safe_step() {
                    Some(s) => format!("any step up to {s} converges"),
                    None => "any positive step converges".into(),
                }))
        }
    }
}

// ---------------------------------------------------------------------------
// The minimum-norm solution
// ---------------------------------------------------------------------------

/// Derives `minimum-norm solution of X w = y` by the Lagrange conditions.
pub fn derive_minimum_norm(m: &MinimumNorm, ring: &Ring) -> Result<(Value, Vec<Step>), Diagnostic> {
    let data = &m.data;
    let nm = Names::of(data);
    let (x, xl, y, yl) = (&nm.x, &nm.xl, &nm.y, &nm.yl);
    let w = &m.unknown;
    let wl = latex_name(w);
    let (n, d) = (data.n(), data.d());
    let mut steps = vec![Step::math(
        format!("Minimize ‖{w}‖² = {w}ᵀ{w} subject to {x} {w} = {y}: {} in {} unknowns.", count(n, "equation"), d),
        format!(
            "{x} = {}\n{y} = {}",
            value_of(&data.x).print(ring, Notation::Plain),
            value_of(&data.y).print(ring, Notation::Plain)
        ),
        format!(
            "{xl} = {}, \\quad {yl} = {}",
            value_of(&data.x).print(ring, Notation::Latex),
            value_of(&data.y).print(ring, Notation::Latex)
        ),
    )];
    steps.push(Step::math(
        format!(
            "Lagrange conditions: with multipliers μ for the {n} constraints, L({w}, μ) = {w}ᵀ{w} − μᵀ({x} {w} − {y}); at a constrained minimum \
             the gradient in {w} vanishes and the constraint holds."
        ),
        format!("2 {w} = {x}^T mu,  {x} {w} = {y}"),
        format!("2 {wl} = {xl}^\\top \\mu, \\quad {xl} {wl} = {yl}"),
    ));
    steps.push(Step::math(
        format!("So {w} = {x}ᵀν with ν = μ/2, and the constraint becomes a {n}×{n} system for ν."),
        format!("({x} {x}^T) nu = {y}"),
        format!("\\left({xl} {xl}^\\top\\right) \\nu = {yl}"),
    ));
    // Independent rows: the pivots of the transpose's echelon form.
    let (kept, a, b) = if let Some(xq) = as_rational(&data.x) {
        let (_, pivots) = xq.transpose().rref();
        if pivots.len() == n {
            (false, data.x.clone(), data.y.clone())
        } else {
            let (a, b) = reduced_rows(data, &pivots, &xq, (x, w, y), ring, &mut steps)?;
            (true, a, b)
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
        (false, data.x.clone(), data.y.clone())
    };
    let sol = lagrange_solve(&a, &b);
    if !kept && !data.x_is_numeric() {
        let (p, l) = poly_text(&sol.det, ring);
        let (p, l) = if p.len() <= SHOWN_TEXT * 4 {
            (format!("det({x} {x}^T) = {p} != 0"), format!("\\det\\left({xl} {xl}^\\top\\right) = {l} \\neq 0"))
        } else {
            (format!("det({x} {x}^T) != 0"), format!("\\det\\left({xl} {xl}^\\top\\right) \\neq 0"))
        };
        steps.push(Step::math(
            format!("Assumption: {x} has full row rank, so {x} {x}ᵀ is invertible; nnkey assumes its determinant does not vanish:"),
            p,
            l,
        ));
    }
    let how = "Cramer's rule solves it: νᵢ = det(Gᵢ)/det(G), where Gᵢ is the matrix G of the system with column i replaced by the right-hand side, \
               every determinant by fraction-free (Bareiss) elimination";
    let nu = Value::Matrix(sol.nu.clone());
    if sol.nu.rows() <= SHOWN_SIDE && nu.print(ring, Notation::Plain).len() <= SHOWN_TEXT {
        let (p, l) = labeled("nu", "\\nu", &nu, ring);
        steps.push(Step::math(format!("{how}:"), p, l));
    } else {
        steps.push(Step::text(format!("{how}.")));
    }
    let value = sol.w;
    steps.push(Step::math(
        format!(
            "These conditions are also sufficient: for any {w}' with {x} {w}' = {y}, {w}' − {w} lies in the null space of {x}, which is orthogonal \
             to {w} = {x}ᵀν, so ‖{w}'‖² = ‖{w}‖² + ‖{w}' − {w}‖² ≥ ‖{w}‖², with equality only at {w}' = {w}. The minimum-norm solution is"
        ),
        format!("{w} = {x}^T nu"),
        format!("{wl} = {xl}^\\top \\nu"),
    ));
    Ok((Value::Matrix(value), steps))
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

/// A numeric X with dependent rows: keep independent rows I, express the
/// rest through them (X = C X_I), check or state that y = C y_I, and solve
/// the kept system; returns the kept rows X_I and the targets ŷ_I.
fn reduced_rows(
    data: &Data,
    keep: &[usize],
    xq: &Matrix<Q>,
    (x, w, y): (&str, &str, &str),
    ring: &Ring,
    steps: &mut Vec<Step>,
) -> Result<(Matrix<Poly>, Matrix<Poly>), Diagnostic> {
    let n = data.n();
    let r = keep.len();
    let rows_text: Vec<String> = keep.iter().map(|k| k.to_string()).collect();
    let xi = select_rows(xq, keep);
    // C = X X_Iᵀ (X_I X_Iᵀ)⁻¹: row k of X is C[k] · X_I.
    let gi = xi.mul(&xi.transpose()).expect("square");
    let c = xq.mul(&xi.transpose()).and_then(|m| m.mul(&gi.inverse().expect("independent rows"))).expect("shapes");
    // ŷ_I = (CᵀC)⁻¹Cᵀ y, which is y_I whenever y = C y_I.
    let ctc_inv = c.transpose().mul(&c).expect("square").inverse().expect("C has full column rank");
    let lift = ctc_inv.mul(&c.transpose()).expect("shapes");
    let yi = as_poly(&lift).mul(&data.y).expect("shapes");
    let off = data.y.sub(&as_poly(&c).mul(&yi).expect("shapes")).expect("shapes");
    steps.push(matrix_step(
        &format!(
            "{x} has rank {r} < {n} (decided exactly): {} {} of {x} {} independent and every row is a combination of {}, {x} = C {x}_I with",
            if r == 1 { "row" } else { "rows" },
            rows_text.join(", "),
            if r == 1 { "is" } else { "are" },
            if r == 1 { "it" } else { "them" }
        ),
        "C",
        "C",
        &as_poly(&c),
        ring,
    ));
    if off.is_zero() {
        steps.push(Step::text(format!(
            "{y} = C {y}_I, so the other equations follow from the kept ones, and the constraint is {x}_I {w} = {y}_I."
        )));
    } else if off.entries().iter().all(Poly::is_constant) {
        let u = off.map(|p| p.as_constant().expect("constant"));
        let uy =
            (0..n).fold(Q::zero(), |acc, k| &acc + &(u.get(k, 0) * &data.y.get(k, 0).as_constant().expect("numeric")));
        let ut: Vec<String> = (0..n).map(|k| u.get(k, 0).to_string()).collect();
        return Err(Diagnostic::error(
            data.y_span,
            format!("{x} {w} = {y} has no solution: {y} is not in the column space of {x}"),
        )
        .with_label(format!("u = [{}] has uᵀ{x} = 0 but uᵀ{y} = {uy}", ut.join(", ")))
        .with_hint_at(data.x_span, format!("`{x}` has rank {r} < {n}"))
        .with_hint("the limit of gradient descent still exists: it is the least-squares fit"));
    } else {
        let v = value_of(&off);
        steps.push(Step::math(
            format!("A solution exists exactly when {y} = C {y}_I; nnkey assumes it, that is:"),
            format!("{} = 0", v.print(ring, Notation::Plain)),
            format!("{} = 0", v.print(ring, Notation::Latex)),
        ));
    }
    steps.push(Step::text(format!(
        "On the kept rows the Lagrange conditions read {x}_I {x}_Iᵀ ν = {y}_I with an invertible {r}×{r} matrix; \
         {y}_I is written as (CᵀC)⁻¹Cᵀ{y}, which equals it whenever {y} = C {y}_I."
    )));
    Ok((as_poly(&xi), yi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::Symbol;

    fn sym(ring: &Ring, name: &str) -> Poly {
        Poly::var(ring.var(&Symbol::plain(name)))
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
        assert_eq!(s.lambda.text().0, "8 + sqrt(61)");
        assert_eq!(s.lambda.compare_step(&Q::new(632, 10000)), Ordering::Less);
        assert_eq!(s.lambda.compare_step(&Q::new(633, 10000)), Ordering::Greater);
        assert_eq!(s.lambda.safe_step().as_deref(), Some("0.0632"));
        // [[14, 28], [28, 56]]: eigenvalues 0 and 70.
        let s = spectrum(&g(&[&[14, 28], &[28, 56]]));
        assert_eq!(s.lambda.text().0, "70");
        assert_eq!(s.lambda.compare_step(&Q::new(1, 70)), Ordering::Equal);
        assert_eq!(s.lambda.safe_step().as_deref(), Some("0.0142"));
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
}
