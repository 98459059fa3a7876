//! Judging a key with symbols at random points, without expanding it.
//!
//! A key such as `X^T (X X^T)^-1 y` for a symbolic 4×6 `X` is a rational
//! function whose expansion costs far more than the derivation. Two
//! rational functions K and V are equal exactly when the numerator F of
//! K − V is the zero polynomial, and a nonzero F of total degree D vanishes
//! at a point drawn uniformly from Sᵐ with probability at most D/|S|
//! (Schwartz–Zippel). So the key is evaluated exactly, over Q, at points
//! whose coordinates are drawn from S = {0, …, 2⁶¹ − 2} (every symbol of
//! the problem replaced by its coordinate before the key is evaluated, so
//! the evaluation never sees a symbol), and compared with the derived value
//! at the same points; each agreement multiplies the chance that a wrong key
//! passed by at most D/|S|, and points are drawn until that product is below
//! [`MAX_ERROR_EXPONENT`]. D is bounded from the key's expression
//! ([`degree_bound`]) and the derived value's degrees, never from an
//! expansion.
//!
//! Only keys that are costly to expand are judged this way (see
//! [`worth_it`]); a cheap one is expanded and compared by meaning as
//! always, and so is any key whose degree cannot be bounded.

use std::collections::HashMap;

use crate::algebra::{Matrix, Q, RatFunc, Ring, Var};
use crate::derive::{Answer, Finding};
use crate::language::syntax::{BinOp, Expr, ExprKind};
use crate::model::{Binding, Problem, Scope, Value, eval};

/// The size of the set S each coordinate is drawn from: 2⁶¹ − 1.
const SET_SIZE: u64 = (1 << 61) - 1;

/// The probability that a wrong key passes is made smaller than
/// 10^−MAX_ERROR_EXPONENT.
pub const MAX_ERROR_EXPONENT: u32 = 30;

/// Most points drawn, counting points where the key or the derived value is
/// undefined (a denominator vanishes there); past it the key is expanded.
const MAX_POINTS: usize = 24;

/// Fewest terms (summed over the numerators and denominators of the derived
/// value) for which judging at points pays; smaller answers are expanded.
pub const MIN_TERMS: usize = 400;

/// What judging at points found.
pub enum Outcome {
    /// The key agreed at every point; the note states the bound.
    Pass(String),
    /// The key differs from the derived value at a point: certainly wrong.
    Fail(String),
    /// Not judged this way (no degree bound, too many undefined points):
    /// expand the key instead.
    Expand,
}

/// Whether a finding's key is worth judging at points: a gradient-descent
/// limit or minimum-norm solution with symbols and a long exact form.
pub fn worth_it(finding: &Finding) -> bool {
    let family = matches!(finding.answer, Answer::Limit(_) | Answer::MinimumNorm(_));
    let Value::Matrix(m) = &finding.value else { return false };
    let terms: usize = m.entries().iter().map(|e| e.num().len() + e.den().len()).sum();
    family && terms >= MIN_TERMS && m.entries().iter().any(|e| !e.vars().is_empty())
}

/// Judges `key` against the derived matrix `derived` at random points.
pub fn judge(problem: &Problem, key: &Expr, derived: &Matrix<RatFunc>) -> Outcome {
    let Some(kb) = degree_bound(key, problem) else {
        return Outcome::Expand;
    };
    if (kb.rows, kb.cols) != derived.shape() && !(kb.scalar && derived.shape() == (1, 1)) {
        return Outcome::Expand;
    }
    let (vn, vm) = derived
        .entries()
        .iter()
        .fold((0u64, 0u64), |(n, m), e| (n.max(e.num().total_degree() as u64), m.max(e.den().total_degree() as u64)));
    // K − V = (pK qV − pV qK)/(qK qV).
    let degree = (kb.num + vm).max(vn + kb.den).max(1);
    if degree >= SET_SIZE / 1024 {
        return Outcome::Expand;
    }
    // Each agreement multiplies the chance of a wrong pass by at most
    // degree/|S|: log10 of its reciprocal per point.
    let per_point = (SET_SIZE as f64 / degree as f64).log10();
    let needed = (MAX_ERROR_EXPONENT as f64 / per_point).floor() as usize + 1;
    let mut agreed = 0;
    for round in 0..MAX_POINTS as u64 {
        if agreed == needed {
            break;
        }
        let point = Point { seed: round };
        let at = AtPoint::new(problem, &point);
        let Ok(value) = eval(key, &at) else { continue };
        let Some(k) = value.as_matrix() else { return Outcome::Expand };
        if k.shape() != derived.shape() {
            return Outcome::Expand;
        }
        let mut defined = true;
        for (i, (ke, ve)) in k.entries().iter().zip(derived.entries()).enumerate() {
            let (Some(kq), Some(vq)) = (point.eval(ke), point.eval(ve)) else {
                defined = false;
                break;
            };
            if kq != vq {
                let ring = &problem.ring;
                return Outcome::Fail(format!(
                    "the key differs from the derived value: at the point {}, entry {} of the key is {kq} and of the \
                     derived value {vq}",
                    point.describe(ring, derived),
                    i + 1
                ));
            }
        }
        if defined {
            agreed += 1;
        }
    }
    if agreed < needed {
        return Outcome::Expand;
    }
    let exponent = (per_point * agreed as f64).floor() as u64;
    Outcome::Pass(format!(
        "judged at {agreed} random points, Schwartz–Zippel with degree ≤ {degree}: a wrong key passes with \
         probability below 1e-{exponent}"
    ))
}

/// A random point: each symbol's coordinate is a hash of its index and the
/// round, in 0..SET_SIZE (deterministic, so runs are reproducible).
struct Point {
    seed: u64,
}

impl Point {
    fn coordinate(&self, v: Var) -> Q {
        let mut z = self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (v.0 as u64).wrapping_add(0x2545_f491_4f6c_dd1d);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Q::from_int((z % SET_SIZE) as i64)
    }

    /// A rational function's value here; `None` where its denominator
    /// vanishes.
    fn eval(&self, r: &RatFunc) -> Option<Q> {
        let value = |v: Var| self.coordinate(v);
        let den = r.den().eval(&value);
        if den.is_zero() {
            return None;
        }
        Some(&r.num().eval(&value) / &den)
    }

    /// The first few coordinates, for a failure message.
    fn describe(&self, ring: &Ring, derived: &Matrix<RatFunc>) -> String {
        let mut vars: Vec<Var> = derived.entries().iter().flat_map(|e| e.vars()).collect();
        vars.sort();
        vars.dedup();
        let shown: Vec<String> =
            vars.iter().take(3).map(|&v| format!("{} = {}", ring.symbol(v), self.coordinate(v))).collect();
        let more = if vars.len() > 3 { ", …" } else { "" };
        format!("{}{more}", shown.join(", "))
    }
}

/// The problem with every symbol of its scalar and matrix objects replaced
/// by the point's coordinate.
struct AtPoint<'a> {
    problem: &'a Problem,
    values: HashMap<String, Value>,
}

impl<'a> AtPoint<'a> {
    fn new(problem: &'a Problem, point: &Point) -> AtPoint<'a> {
        let mut values = HashMap::new();
        for object in &problem.objects {
            let name = object.name.as_str();
            let sub = |r: &RatFunc| point.eval(r).map(RatFunc::constant);
            let value = match problem.binding(name) {
                Some(Binding::Value(v)) => Some(v.clone()),
                Some(Binding::Tensor(t)) => t.to_value(),
                _ => None,
            };
            let v = match &value {
                Some(Value::Scalar(r)) => sub(r).map(Value::Scalar),
                Some(Value::Matrix(m)) => m
                    .entries()
                    .iter()
                    .map(sub)
                    .collect::<Option<Vec<_>>>()
                    .map(|e| Value::Matrix(Matrix::from_vec(m.rows(), m.cols(), e))),
                _ => None,
            };
            if let Some(v) = v {
                values.insert(name.to_string(), v);
            }
        }
        AtPoint { problem, values }
    }
}

impl Scope for AtPoint<'_> {
    fn ring(&self) -> &Ring {
        &self.problem.ring
    }

    fn binding(&self, name: &str) -> Option<Binding<'_>> {
        match self.values.get(name) {
            Some(v) => Some(Binding::Value(v)),
            None => self.problem.binding(name),
        }
    }
}

/// Bounds on a value's entries: every entry is p/q with deg p ≤ `num` and
/// deg q ≤ `den` (total degrees), and its shape.
#[derive(Clone, Copy, Debug)]
struct Bound {
    rows: usize,
    cols: usize,
    scalar: bool,
    num: u64,
    den: u64,
}

/// Most a degree bound may grow to before the key is expanded instead.
const MAX_DEGREE: u64 = 1 << 40;

/// A bound on the degrees of the value `expr` evaluates to, computed from
/// the expression: the degrees of the objects it names and the rules of
/// each operation (a sum of k products of entries with bounds (a, b) has
/// numerator degree ≤ a + (k − 1) b and denominator degree ≤ k b; the
/// inverse of an n×n matrix is its adjugate over its determinant once the
/// entries share a denominator). `None` for an expression outside these
/// rules.
fn degree_bound(expr: &Expr, scope: &dyn Scope) -> Option<Bound> {
    let b = match &expr.kind {
        ExprKind::Number(_) => Bound { rows: 1, cols: 1, scalar: true, num: 0, den: 0 },
        ExprKind::Name(_) | ExprKind::Index(..) | ExprKind::List(_) => measure(&eval(expr, scope).ok()?)?,
        ExprKind::Neg(inner) => degree_bound(inner, scope)?,
        ExprKind::Binary(BinOp::Pow, base, exp) => {
            let b = degree_bound(base, scope)?;
            if exp.as_name() == Some("T") && scope.binding("T").is_none() {
                return Some(Bound { rows: b.cols, cols: b.rows, ..b });
            }
            let e = eval(exp, scope).ok()?.as_int()?;
            power(b, e)?
        }
        ExprKind::Binary(op, l, r) => {
            let (a, b) = (degree_bound(l, scope)?, degree_bound(r, scope)?);
            match op {
                BinOp::Add | BinOp::Sub => {
                    if !a.scalar && !b.scalar && (a.rows, a.cols) != (b.rows, b.cols) {
                        return None;
                    }
                    let shape = if a.scalar { b } else { a };
                    Bound { num: (a.num + b.den).max(b.num + a.den), den: a.den + b.den, ..shape }
                }
                BinOp::Mul => {
                    if a.scalar || b.scalar {
                        let shape = if a.scalar { b } else { a };
                        Bound { num: a.num + b.num, den: a.den + b.den, ..shape }
                    } else {
                        if a.cols != b.rows {
                            return None;
                        }
                        let k = a.cols as u64;
                        let (p, q) = (a.num + b.num, a.den + b.den);
                        Bound {
                            rows: a.rows,
                            cols: b.cols,
                            scalar: false,
                            num: p + k.saturating_sub(1) * q,
                            den: k * q,
                        }
                    }
                }
                BinOp::Div if b.scalar => Bound { num: a.num + b.den, den: a.den + b.num, ..a },
                _ => return None,
            }
        }
        ExprKind::Call(callee, args) if callee.as_name() == Some("transpose") && args.len() == 1 => {
            let b = degree_bound(&args[0].value, scope)?;
            Bound { rows: b.cols, cols: b.rows, ..b }
        }
        _ => return None,
    };
    (b.num <= MAX_DEGREE && b.den <= MAX_DEGREE).then_some(b)
}

/// The degrees of an evaluated value.
fn measure(v: &Value) -> Option<Bound> {
    let (m, scalar) = match v {
        Value::Scalar(s) => (Matrix::from_vec(1, 1, vec![s.clone()]), true),
        Value::Matrix(m) => (m.clone(), false),
        _ => return None,
    };
    let (num, den) = m
        .entries()
        .iter()
        .fold((0u64, 0u64), |(n, d), e| (n.max(e.num().total_degree() as u64), d.max(e.den().total_degree() as u64)));
    Some(Bound { rows: m.rows(), cols: m.cols(), scalar, num, den })
}

/// The bound of an integer power: repeated products, and for a negative
/// power the inverse first.
fn power(b: Bound, e: i64) -> Option<Bound> {
    if e.unsigned_abs() > 64 {
        return None;
    }
    let base = if e < 0 { inverse(b)? } else { b };
    if e == 0 {
        return Some(Bound { num: 0, den: 0, ..b });
    }
    let mut acc = base;
    for _ in 1..e.unsigned_abs() {
        acc = if base.scalar {
            Bound { num: acc.num + base.num, den: acc.den + base.den, ..acc }
        } else {
            let k = base.rows as u64;
            let (p, q) = (acc.num + base.num, acc.den + base.den);
            Bound { num: p + k.saturating_sub(1) * q, den: k * q, ..acc }
        };
        if acc.num > MAX_DEGREE || acc.den > MAX_DEGREE {
            return None;
        }
    }
    Some(acc)
}

/// The inverse of a scalar or an n×n matrix: with L the product of the n²
/// denominators (degree ≤ n²·den), the entries of L·A are polynomials of
/// degree ≤ E = num + (n² − 1)·den, and A⁻¹ = L·adj(L·A)/det(L·A).
fn inverse(b: Bound) -> Option<Bound> {
    if b.scalar {
        return Some(Bound { num: b.den, den: b.num, ..b });
    }
    if b.rows != b.cols {
        return None;
    }
    let n = b.rows as u64;
    let cleared = n * n * b.den;
    let e = b.num + cleared.saturating_sub(b.den);
    Some(Bound { num: cleared + n.saturating_sub(1) * e, den: n * e, ..b })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::SourceFile;

    fn report(text: &str) -> crate::check::FileReport {
        crate::check::check_source(SourceFile::new("p.nnk", text.to_string()))
    }

    const DATA: &str = "problem s\n  X = matrix 3x5 x\n  y = vector 3 y\n  \
                        find w = limit of gradient descent on least squares(X, y) from 0\n";

    #[test]
    fn a_right_key_passes_at_points_with_its_bound_stated() {
        let r = report(&format!("{DATA}  expect w = X^T (X X^T)^-1 y\n"));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let f = &r.problems[0].findings[0];
        assert_eq!(f.status, crate::check::Status::Pass);
        let note = f.key_check.as_deref().expect("judged at points");
        assert!(note.contains("random points") && note.contains("below 1e-"), "{note}");
        let exponent: u32 = note.rsplit("1e-").next().unwrap().parse().unwrap();
        assert!(exponent >= MAX_ERROR_EXPONENT, "{note}");
    }

    #[test]
    fn a_wrong_key_fails_at_a_point() {
        // The inverse on the wrong side of Xᵀ's partner: Xᵀ (X Xᵀ)⁻¹ (2 y).
        let r = report(&format!("{DATA}  expect w = X^T (X X^T)^-1 (2 y)\n"));
        let f = &r.problems[0].findings[0];
        match &f.status {
            crate::check::Status::Fail(why) => assert!(why.contains("at the point"), "{why}"),
            s => panic!("{s:?}"),
        }
        // Off by a constant in one entry.
        let r = report(&format!("{DATA}  expect w = X^T (X X^T)^-1 y + [0, 0, 0, 0, 1]\n"));
        assert!(matches!(r.problems[0].findings[0].status, crate::check::Status::Fail(_)));
    }

    /// At points and by expansion, the same verdict on right and wrong keys
    /// (judged directly, below the size where `check` would use points).
    #[test]
    fn points_and_expansion_agree() {
        let text = "problem s\n  X = matrix 2x3 x\n  y = vector 2 y\n  u = vector 3 u\n  \
                    find w = limit of gradient descent on least squares(X, y) from u\n";
        let r = report(text);
        let problem = &r.problems[0].problem;
        let derived = match &r.problems[0].findings[0].finding.value {
            Value::Matrix(m) => m.clone(),
            v => panic!("{v:?}"),
        };
        for (key, right) in [
            ("u + X^T (X X^T)^-1 (y - X u)", true),
            ("u + X^T (X X^T)^-1 y - X^T (X X^T)^-1 X u", true),
            ("u + transpose(X) (X X^T)^-1 (y - X u)", true),
            ("X^T (X X^T)^-1 (y - X u)", false),
            ("u + X^T (X X^T)^-1 (y - X u) / 2", false),
            ("u + X^T (X X^T)^-2 (y - X u)", false),
            ("u + X^T (X X^T + [[1, 0], [0, 0]])^-1 (y - X u)", false),
        ] {
            let expr = crate::language::parse_expr(key).unwrap();
            let expanded = eval(&expr, problem).unwrap();
            let by_meaning = crate::model::compare(&expanded, &Value::Matrix(derived.clone()), &problem.ring).is_ok();
            assert_eq!(by_meaning, right, "{key}");
            match judge(problem, &expr, &derived) {
                Outcome::Pass(note) => assert!(right, "{key}: {note}"),
                Outcome::Fail(why) => assert!(!right, "{key}: {why}"),
                Outcome::Expand => panic!("{key}: not judged at points"),
            }
        }
    }

    #[test]
    fn degree_bounds_cover_the_expansion() {
        // The expanded key's degrees are within the bound.
        let r = report(DATA);
        let problem = &r.problems[0].problem;
        let key = crate::language::parse_expr("X^T (X X^T)^-1 y").unwrap();
        let b = degree_bound(&key, problem).unwrap();
        let v = eval(&key, problem).unwrap();
        let m = measure(&v).unwrap();
        assert!(m.num <= b.num && m.den <= b.den, "{m:?} {b:?}");
        assert_eq!((b.rows, b.cols), (5, 1));
    }
}
