//! Rational functions: quotients of polynomials, kept in lowest terms.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::coprime::certify_coprime;
use super::gcd::gcd;
use super::poly::Poly;
use super::rational::Q;
use super::ring::Var;

/// A quotient `num / den` of polynomials in lowest terms: numerator and
/// denominator are coprime, and the denominator has coprime integer
/// coefficients and a positive leading coefficient. The form is canonical,
/// so equality is structural; a polynomial is a rational function with
/// denominator 1.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct RatFunc {
    num: Poly,
    den: Poly,
}

impl RatFunc {
    /// `num / den` in lowest terms; `None` when `den` is zero.
    pub fn new(num: Poly, den: Poly) -> Option<RatFunc> {
        if den.is_zero() {
            return None;
        }
        if num.is_zero() {
            return Some(RatFunc::zero());
        }
        if let Some(d) = den.as_constant() {
            return Some(RatFunc { num: num.scale(&d.inv()?), den: Poly::one() });
        }
        // Most quotients met in practice are already in lowest terms, and
        // proving that is far cheaper than the multivariate gcd.
        let g = if certify_coprime(&num, &den) { Poly::one() } else { gcd(&num, &den) };
        let (num, den) = if g.is_one() { (num, den) } else { (num.exact_div(&g)?, den.exact_div(&g)?) };
        let c = den.content().inv()?;
        Some(RatFunc { num: num.scale(&c), den: den.scale(&c) })
    }

    pub fn zero() -> RatFunc {
        RatFunc { num: Poly::zero(), den: Poly::one() }
    }

    pub fn one() -> RatFunc {
        RatFunc::from(Poly::one())
    }

    pub fn constant(q: Q) -> RatFunc {
        RatFunc::from(Poly::constant(q))
    }

    pub fn var(v: Var) -> RatFunc {
        RatFunc::from(Poly::var(v))
    }

    pub fn num(&self) -> &Poly {
        &self.num
    }

    pub fn den(&self) -> &Poly {
        &self.den
    }

    pub fn is_zero(&self) -> bool {
        self.num.is_zero()
    }

    pub fn is_polynomial(&self) -> bool {
        self.den.is_one()
    }

    /// The polynomial this is, if its denominator is 1.
    pub fn as_poly(&self) -> Option<&Poly> {
        self.is_polynomial().then_some(&self.num)
    }

    pub fn as_constant(&self) -> Option<Q> {
        if self.is_polynomial() { self.num.as_constant() } else { None }
    }

    pub fn inv(&self) -> Option<RatFunc> {
        RatFunc::new(self.den.clone(), self.num.clone())
    }

    /// `self^e` for any integer `e`; `None` for a negative power of zero.
    /// A constant takes any exponent; the caller bounds the size of the
    /// result (see `model::budget`), so a nonconstant base never has an
    /// exponent beyond `u32`.
    pub fn pow(&self, e: i64) -> Option<RatFunc> {
        let base = if e < 0 { self.inv()? } else { self.clone() };
        let e = e.unsigned_abs();
        if let Some(q) = base.as_constant() {
            return Some(RatFunc::constant(q.pow_unsigned(e)));
        }
        let e = u32::try_from(e).expect("a nonconstant power is bounded by its degree before it is computed");
        let this = &base;
        // Powers of coprime polynomials stay coprime: no gcd needed.
        Some(RatFunc { num: this.num.pow(e), den: this.den.pow(e) })
    }

    pub fn eval(&self, value: &impl Fn(Var) -> Q) -> Option<Q> {
        let d = self.den.eval(value);
        if d.is_zero() { None } else { Some(&self.num.eval(value) / &d) }
    }

    pub fn eval_f64(&self, value: &impl Fn(Var) -> f64) -> f64 {
        self.num.eval_f64(value) / self.den.eval_f64(value)
    }

    pub fn substitute(&self, with: &impl Fn(Var) -> Option<Poly>) -> Option<RatFunc> {
        RatFunc::new(self.num.substitute(with), self.den.substitute(with))
    }

    pub fn vars(&self) -> Vec<Var> {
        let mut vs = self.num.vars();
        vs.extend(self.den.vars());
        vs.sort_unstable();
        vs.dedup();
        vs
    }
}

impl From<Poly> for RatFunc {
    fn from(p: Poly) -> RatFunc {
        RatFunc { num: p, den: Poly::one() }
    }
}

impl From<Q> for RatFunc {
    fn from(q: Q) -> RatFunc {
        RatFunc::constant(q)
    }
}

impl<'a> Add<&'a RatFunc> for &'a RatFunc {
    type Output = RatFunc;
    fn add(self, other: &RatFunc) -> RatFunc {
        if self.den == other.den {
            if self.den.is_one() {
                return RatFunc::from(&self.num + &other.num);
            }
            return RatFunc::new(&self.num + &other.num, self.den.clone()).expect("denominator is nonzero");
        }
        let num = &(&self.num * &other.den) + &(&other.num * &self.den);
        RatFunc::new(num, &self.den * &other.den).expect("denominator is nonzero")
    }
}

impl Neg for &RatFunc {
    type Output = RatFunc;
    fn neg(self) -> RatFunc {
        RatFunc { num: -&self.num, den: self.den.clone() }
    }
}

impl<'a> Sub<&'a RatFunc> for &'a RatFunc {
    type Output = RatFunc;
    fn sub(self, other: &RatFunc) -> RatFunc {
        self + &(-other)
    }
}

impl<'a> Mul<&'a RatFunc> for &'a RatFunc {
    type Output = RatFunc;
    fn mul(self, other: &RatFunc) -> RatFunc {
        if self.den.is_one() && other.den.is_one() {
            return RatFunc::from(&self.num * &other.num);
        }
        RatFunc::new(&self.num * &other.num, &self.den * &other.den).expect("denominator is nonzero")
    }
}

impl<'a> Div<&'a RatFunc> for &'a RatFunc {
    type Output = RatFunc;
    /// Panics on division by zero; callers check [`RatFunc::is_zero`] first.
    // Dividing is multiplying by the inverse.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn div(self, other: &RatFunc) -> RatFunc {
        self * &other.inv().expect("division by zero rational function")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(i: u32) -> Poly {
        Poly::var(Var(i))
    }

    #[test]
    fn lowest_terms() {
        let (x, y) = (v(0), v(1));
        let num = &(&x * &x) - &(&y * &y);
        let den = (&x + &y).scale(&Q::from_int(2));
        let r = RatFunc::new(num, den).unwrap();
        assert_eq!(r.num(), &(&x - &y).scale(&Q::new(1, 2)));
        assert!(r.is_polynomial());
    }

    #[test]
    fn arithmetic_is_exact() {
        let (x, y) = (RatFunc::var(Var(0)), RatFunc::var(Var(1)));
        let one = RatFunc::one();
        // 1/x + 1/y = (x + y)/(x y)
        let s = &(&one / &x) + &(&one / &y);
        let expected = RatFunc::new(&v(0) + &v(1), &v(0) * &v(1)).unwrap();
        assert_eq!(s, expected);
        assert_eq!(&(&s * &x) * &y, RatFunc::from(&v(0) + &v(1)));
        assert_eq!(&s - &s, RatFunc::zero());
        assert_eq!(RatFunc::new(Poly::one(), Poly::zero()), None);
    }

    #[test]
    fn denominator_sign_is_normalized() {
        let x = v(0);
        let a = RatFunc::new(Poly::one(), -&x).unwrap();
        let b = RatFunc::new(-&Poly::one(), x.clone()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.den(), &x);
    }
}
