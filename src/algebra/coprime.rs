//! A fast, exact proof that two multivariate polynomials are coprime.
//!
//! Reducing a rational function to lowest terms needs the gcd of numerator
//! and denominator, and the multivariate gcd is expensive for the large
//! entries of, say, the inverse of a symbolic Gram matrix. Yet most of those
//! gcds are 1, and that can be proved cheaply by specialization:
//!
//! > Let `g = gcd(a, b)`. If `g` is not constant it has positive degree in
//! > some variable `v` of `b`. Fix every other variable at a point where the
//! > leading coefficient of `b` in `v` does not vanish. Since that leading
//! > coefficient is `lc_v(g) · lc_v(b/g)`, neither factor vanishes there, so
//! > the specialization of `g` keeps its degree in `v` and divides the
//! > specializations of `a` and `b`. Hence, if for every variable `v` of `b`
//! > some such point makes the univariate gcd of the specializations
//! > constant, `g` is constant.
//!
//! [`certify_coprime`] searches for such points. It answers `true` only with
//! that proof in hand; `false` means "not proved", and the caller falls back
//! to the full gcd.

use super::poly::Poly;
use super::rational::Q;
use super::ring::Var;
use super::univariate::UPoly;

/// Points tried per variable before giving up.
const ATTEMPTS: u64 = 3;

/// A small nonzero integer for variable `u`, determined by the attempt and
/// the variable being kept (SplitMix64 of the three), in −31..=31.
fn point_value(attempt: u64, kept: Var, u: Var) -> Q {
    let mut z =
        attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add((kept.0 as u64) << 32).wrapping_add(u.0 as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let v = (z % 62) as i64 - 31;
    Q::from_int(if v >= 0 { v + 1 } else { v })
}

/// The univariate polynomial in `v` left when every other variable takes
/// its value.
fn specialize(p: &Poly, v: Var, value: &impl Fn(Var) -> Q) -> UPoly {
    UPoly::from_coeffs(p.coefficients_in(v).iter().map(|c| c.eval(value)).collect())
}

/// Whether `a` and `b` are provably coprime (their gcd is a constant).
/// `false` means the proof was not found, not that they share a factor.
pub fn certify_coprime(a: &Poly, b: &Poly) -> bool {
    if a.is_zero() || b.is_zero() {
        return (a.is_constant() && !a.is_zero()) || (b.is_constant() && !b.is_zero());
    }
    if a.is_constant() || b.is_constant() {
        return true;
    }
    'vars: for v in b.vars() {
        let coeffs = b.coefficients_in(v);
        let lead = coeffs.last().expect("v occurs in b");
        for attempt in 0..ATTEMPTS {
            let value = |u: Var| point_value(attempt, v, u);
            if lead.eval(&value).is_zero() {
                continue;
            }
            let bu = UPoly::from_coeffs(coeffs.iter().map(|c| c.eval(&value)).collect());
            let au = specialize(a, v, &value);
            if !au.is_zero() && au.gcd(&bu).degree() == Some(0) {
                continue 'vars;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::gcd::gcd;

    fn v(i: u32) -> Poly {
        Poly::var(Var(i))
    }

    #[test]
    fn coprime_pairs_are_proved() {
        let (a, b, y) = (v(0), v(1), v(2));
        // a y / (a² + b²): coprime.
        let den = &(&a * &a) + &(&b * &b);
        assert!(certify_coprime(&(&a * &y), &den));
        assert!(certify_coprime(&Poly::from(3), &den));
    }

    #[test]
    fn common_factors_are_never_certified() {
        let (a, b, c) = (v(0), v(1), v(2));
        let f = &(&a * &b) + &c;
        let p = &f * &(&a + &Poly::from(1));
        let q = &f * &(&b - &c);
        assert!(!certify_coprime(&p, &q));
        assert!(!gcd(&p, &q).is_constant());
        // A factor in a variable that only the denominator's leading
        // coefficient involves.
        let p = &a * &(&b + &c);
        let q = &(&a * &a) * &c;
        assert!(!certify_coprime(&p, &q));
        assert!(!certify_coprime(&Poly::zero(), &q));
    }
}
