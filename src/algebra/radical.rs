//! Values with one square root or one absolute value: `r₀ + r₁·A` with
//! r₀, r₁ rational functions and A an atom `sqrt(D)` or `abs(p)`, as the
//! largest eigenvalue of a 2×2 matrix needs (`8 + sqrt(61)`,
//! `a^2 + abs(a) + 1`).
//!
//! **Canonical form.** An atom is normalized so that equal atoms are equal
//! as data: `sqrt(D)` has the square part of D's content taken out and D is
//! no square of a polynomial (that would be an absolute value); `abs(p)`
//! has p primitive with a positive leading coefficient and p of no visible
//! constant sign (a square, or a sum of even powers with positive
//! coefficients, is itself). A value with r₁ = 0 is a plain rational
//! function, never a radical. With the atom fixed, r₀ + r₁·A = s₀ + s₁·A
//! implies r₀ = s₀ and r₁ = s₁ whenever A is not itself a rational
//! function, so comparing the parts is exact; an atom the normalization
//! cannot see through (a polynomial of constant sign that is not visibly
//! so, say) can only make equal values compare unequal, never the reverse.

use std::fmt;

use num_bigint::BigInt;
use num_traits::One;

use super::univariate::sqrt_parts;
use super::{Monomial, Poly, Q, RatFunc};

/// The irrational part of a radical value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Atom {
    /// √D, D a polynomial that is not a square, its content squarefree.
    Sqrt(Poly),
    /// |p|, p primitive with a positive leading coefficient.
    Abs(Poly),
}

impl Atom {
    /// The atom's square, a polynomial.
    pub fn square(&self) -> Poly {
        match self {
            Atom::Sqrt(d) => d.clone(),
            Atom::Abs(p) => p * p,
        }
    }

    /// Its name in the value syntax.
    pub fn function(&self) -> &'static str {
        match self {
            Atom::Sqrt(_) => "sqrt",
            Atom::Abs(_) => "abs",
        }
    }

    /// What is under the function.
    pub fn argument(&self) -> &Poly {
        match self {
            Atom::Sqrt(p) | Atom::Abs(p) => p,
        }
    }

    pub fn eval_f64(&self, value: &impl Fn(super::Var) -> f64) -> f64 {
        match self {
            Atom::Sqrt(d) => d.eval_f64(value).sqrt(),
            Atom::Abs(p) => p.eval_f64(value).abs(),
        }
    }
}

/// r₀ + r₁·A, or a plain rational function when the atom cancels.
#[derive(Clone, Debug, PartialEq)]
pub enum Radical {
    Rational(RatFunc),
    Surd { rational: RatFunc, coefficient: RatFunc, atom: Atom },
}

/// Why an operation on radicals has no value here.
#[derive(Clone, Debug, PartialEq)]
pub struct RadicalError(pub String);

impl fmt::Display for RadicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(m: impl Into<String>) -> Result<T, RadicalError> {
    Err(RadicalError(m.into()))
}

/// The square root of a polynomial that is a perfect square, by matching
/// leading terms (lexicographic order): `None` when it is not one (or,
/// rarely, when more terms than a generous bound would be needed).
pub fn poly_sqrt(p: &Poly) -> Option<Poly> {
    if p.is_zero() {
        return Some(Poly::zero());
    }
    fn term_sqrt(m: &Monomial, c: &Q) -> Option<(Monomial, Q)> {
        let (s, k) = sqrt_parts(c)?;
        if !k.is_one() || m.pairs().iter().any(|&(_, e)| e % 2 != 0) {
            return None;
        }
        Some((Monomial::from_pairs(m.pairs().iter().map(|&(v, e)| (v, e / 2))), s))
    }
    let half = p.total_degree() / 2;
    let (lm, lc) = p.leading()?;
    let (m0, c0) = term_sqrt(lm, lc)?;
    let mut root = Poly::term(m0.clone(), c0.clone());
    let mut rest = p - &(&root * &root);
    let twice = &c0 * &Q::from_int(2);
    let mut budget = 4 * p.len() + 16;
    while let Some((m, c)) = rest.leading() {
        let m = m.div(&m0)?;
        if m.degree() > half || budget == 0 {
            return None;
        }
        budget -= 1;
        let t = Poly::term(m, c / &twice);
        rest = &rest - &(&(&root * &t).scale(&Q::from_int(2)) + &(&t * &t));
        root = &root + &t;
    }
    Some(root)
}

/// Whether a polynomial is nonnegative for every real value of its symbols
/// because every term is: a positive coefficient times even powers.
pub fn obviously_nonnegative(p: &Poly) -> bool {
    p.terms().iter().all(|(m, c)| !c.is_negative() && m.pairs().iter().all(|&(_, e)| e % 2 == 0))
}

/// Whether a polynomial is visibly of one sign: `Some(true)` for ≥ 0,
/// `Some(false)` for ≤ 0 (a sum of even powers with coefficients of one
/// sign, or ± a square).
fn visible_sign(p: &Poly) -> Option<bool> {
    if obviously_nonnegative(p) || poly_sqrt(p).is_some() {
        Some(true)
    } else if obviously_nonnegative(&-p) || poly_sqrt(&-p).is_some() {
        Some(false)
    } else {
        None
    }
}

fn constant(q: Q) -> RatFunc {
    RatFunc::constant(q)
}

impl Radical {
    /// √x for a rational function x that is a polynomial; a constant must
    /// be nonnegative.
    pub fn sqrt(x: &RatFunc) -> Result<Radical, RadicalError> {
        let Some(d) = x.as_poly() else {
            return err("`sqrt` is taken of a number or a polynomial, not of a fraction with symbols below the line");
        };
        if let Some(q) = d.as_constant() {
            if q.is_zero() {
                return Ok(Radical::Rational(RatFunc::zero()));
            }
            let Some((s, k)) = sqrt_parts(&q) else {
                return err(format!("the square root of the negative number {q} is not real"));
            };
            if k.is_one() {
                return Ok(Radical::Rational(constant(s)));
            }
            let atom = Atom::Sqrt(Poly::constant(Q::from_bigints(k, BigInt::one())));
            return Ok(Radical::Surd { rational: RatFunc::zero(), coefficient: constant(s), atom });
        }
        if let Some(q) = poly_sqrt(d) {
            return Radical::abs(&RatFunc::from(q));
        }
        // √(c·D') = s·√(k·D') with c = s²·k, k squarefree.
        let c = d.content();
        if c.is_negative() {
            // The content carries the sign of the leading coefficient.
            let (s, k) = sqrt_parts(&-&c).expect("positive");
            let rest = d.scale(&(&c.inv().expect("nonzero") * &Q::from_bigints(-k, BigInt::one())));
            return Ok(Radical::Surd { rational: RatFunc::zero(), coefficient: constant(s), atom: Atom::Sqrt(rest) });
        }
        let (s, k) = sqrt_parts(&c).expect("positive");
        let rest = d.scale(&(&c.inv().expect("nonzero") * &Q::from_bigints(k, BigInt::one())));
        Ok(Radical::Surd { rational: RatFunc::zero(), coefficient: constant(s), atom: Atom::Sqrt(rest) })
    }

    /// |x| for a rational function x that is a polynomial.
    pub fn abs(x: &RatFunc) -> Result<Radical, RadicalError> {
        let Some(p) = x.as_poly() else {
            return err("`abs` is taken of a number or a polynomial, not of a fraction with symbols below the line");
        };
        if let Some(q) = p.as_constant() {
            return Ok(Radical::Rational(constant(q.abs())));
        }
        match visible_sign(p) {
            Some(true) => return Ok(Radical::Rational(x.clone())),
            Some(false) => return Ok(Radical::Rational(-x)),
            None => {}
        }
        // |c·p'| = |c|·|p'| with p' primitive, its leading coefficient positive.
        let c = p.content();
        let atom = Atom::Abs(p.primitive());
        Ok(Radical::Surd { rational: RatFunc::zero(), coefficient: constant(c.abs()), atom })
    }

    /// The parts (r₀, r₁, A); `None` for a rational function.
    pub fn parts(&self) -> Option<(&RatFunc, &RatFunc, &Atom)> {
        match self {
            Radical::Rational(_) => None,
            Radical::Surd { rational, coefficient, atom } => Some((rational, coefficient, atom)),
        }
    }

    fn make(rational: RatFunc, coefficient: RatFunc, atom: &Atom) -> Radical {
        if coefficient.is_zero() {
            Radical::Rational(rational)
        } else {
            Radical::Surd { rational, coefficient, atom: atom.clone() }
        }
    }

    /// (r₀, r₁) over a common atom with `other`, or an error when both have
    /// atoms and they differ.
    fn align<'a>(
        &'a self,
        other: &'a Radical,
    ) -> Result<(RatFunc, RatFunc, RatFunc, RatFunc, Option<&'a Atom>), RadicalError> {
        fn split(r: &Radical) -> (RatFunc, RatFunc, Option<&Atom>) {
            match r {
                Radical::Rational(q) => (q.clone(), RatFunc::zero(), None),
                Radical::Surd { rational, coefficient, atom } => (rational.clone(), coefficient.clone(), Some(atom)),
            }
        }
        let (a0, a1, x) = split(self);
        let (b0, b1, y) = split(other);
        match (x, y) {
            (Some(x), Some(y)) if x != y => err(format!(
                "nnkey computes with one square root or absolute value at a time, and these are {}({}) and {}({})",
                x.function(),
                x.argument().len(),
                y.function(),
                y.argument().len()
            )),
            (x, y) => Ok((a0, a1, b0, b1, x.or(y))),
        }
    }

    pub fn add(&self, other: &Radical) -> Result<Radical, RadicalError> {
        let (a0, a1, b0, b1, atom) = self.align(other)?;
        Ok(match atom {
            Some(t) => Radical::make(&a0 + &b0, &a1 + &b1, t),
            None => Radical::Rational(&a0 + &b0),
        })
    }

    pub fn neg(&self) -> Radical {
        match self {
            Radical::Rational(q) => Radical::Rational(-q),
            Radical::Surd { rational, coefficient, atom } => {
                Radical::Surd { rational: -rational, coefficient: -coefficient, atom: atom.clone() }
            }
        }
    }

    pub fn sub(&self, other: &Radical) -> Result<Radical, RadicalError> {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Radical) -> Result<Radical, RadicalError> {
        let (a0, a1, b0, b1, atom) = self.align(other)?;
        let Some(t) = atom else {
            return Ok(Radical::Rational(&a0 * &b0));
        };
        // (a₀ + a₁A)(b₀ + b₁A) = a₀b₀ + a₁b₁A² + (a₀b₁ + a₁b₀)A.
        let sq = RatFunc::from(t.square());
        Ok(Radical::make(&(&a0 * &b0) + &(&(&a1 * &b1) * &sq), &(&a0 * &b1) + &(&a1 * &b0), t))
    }

    /// The conjugate r₀ − r₁A and the norm r₀² − r₁²A², a rational function.
    fn conjugate_norm(&self) -> (Radical, RatFunc) {
        match self {
            Radical::Rational(q) => (Radical::Rational(RatFunc::one()), q.clone()),
            Radical::Surd { rational, coefficient, atom } => {
                let conj = Radical::make(rational.clone(), -coefficient, atom);
                let sq = RatFunc::from(atom.square());
                let norm = &(rational * rational) - &(&(coefficient * coefficient) * &sq);
                (conj, norm)
            }
        }
    }

    pub fn div(&self, other: &Radical) -> Result<Radical, RadicalError> {
        let (conj, norm) = other.conjugate_norm();
        let Some(inv) = norm.inv() else {
            return err("division by zero");
        };
        let num = self.mul(&conj)?;
        Ok(match num {
            Radical::Rational(q) => Radical::Rational(&q * &inv),
            Radical::Surd { rational, coefficient, atom } => {
                Radical::make(&rational * &inv, &coefficient * &inv, &atom)
            }
        })
    }

    pub fn eval_f64(&self, value: &impl Fn(super::Var) -> f64) -> f64 {
        match self {
            Radical::Rational(q) => q.eval_f64(value),
            Radical::Surd { rational, coefficient, atom } => {
                rational.eval_f64(value) + coefficient.eval_f64(value) * atom.eval_f64(value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::{Ring, Symbol};

    fn q(n: i64) -> RatFunc {
        RatFunc::constant(Q::from_int(n))
    }

    #[test]
    fn square_roots_of_numbers_take_out_square_factors() {
        // √244 = 2√61; √16 = 4.
        let r = Radical::sqrt(&q(244)).unwrap();
        assert_eq!(r, Radical::sqrt(&q(61)).unwrap().mul(&Radical::Rational(q(2))).unwrap());
        assert_eq!(Radical::sqrt(&q(16)).unwrap(), Radical::Rational(q(4)));
        assert!(Radical::sqrt(&q(-1)).is_err());
        // (8 + √61)(8 − √61) = 3.
        let s = Radical::sqrt(&q(61)).unwrap();
        let a = Radical::Rational(q(8)).add(&s).unwrap();
        let b = Radical::Rational(q(8)).sub(&s).unwrap();
        assert_eq!(a.mul(&b).unwrap(), Radical::Rational(q(3)));
        // 1/(8 + √61) = (8 − √61)/3.
        let inv = Radical::Rational(q(1)).div(&a).unwrap();
        assert_eq!(inv, b.div(&Radical::Rational(q(3))).unwrap());
    }

    #[test]
    fn absolute_values_are_normalized() {
        let ring = Ring::new();
        let a = RatFunc::var(ring.var(&Symbol::plain("a")));
        // |−2a| = 2|a|, |a²| = a², √(4a²) = 2|a|, |a|² = a².
        let abs_a = Radical::abs(&a).unwrap();
        assert_eq!(Radical::abs(&(&a * &q(-2))).unwrap(), abs_a.mul(&Radical::Rational(q(2))).unwrap());
        assert_eq!(Radical::abs(&(&a * &a)).unwrap(), Radical::Rational(&a * &a));
        assert_eq!(Radical::sqrt(&(&(&a * &a) * &q(4))).unwrap(), abs_a.mul(&Radical::Rational(q(2))).unwrap());
        assert_eq!(abs_a.mul(&abs_a).unwrap(), Radical::Rational(&a * &a));
        // a² + |a| + 1 differs from a² + a + 1 and from a² − |a| + 1.
        let one = Radical::Rational(q(1));
        let sq = Radical::Rational(&a * &a);
        let lam = sq.add(&abs_a).unwrap().add(&one).unwrap();
        assert_ne!(lam, Radical::Rational(&(&(&a * &a) + &a) + &q(1)));
        assert_ne!(lam, sq.sub(&abs_a).unwrap().add(&one).unwrap());
        // Two different atoms are refused rather than guessed.
        let b = RatFunc::var(ring.var(&Symbol::plain("b")));
        assert!(abs_a.add(&Radical::abs(&b).unwrap()).is_err());
    }
}
