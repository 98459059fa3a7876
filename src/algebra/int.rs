//! Exact integers for hot loops: `i128` that reports overflow instead of
//! wrapping, and `BigInt` that never overflows.
//!
//! An algorithm written over [`ExactInt`] runs first with `i128`, which
//! needs no allocation; if any step would overflow it returns `None`, and
//! the caller runs it again with `BigInt`. The answer is the same either
//! way, only the speed differs.

use std::cmp::Ordering;
use std::fmt::Debug;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

/// An exact integer whose operations fail (with `None`) instead of
/// overflowing.
pub trait ExactInt: Clone + Eq + Debug {
    fn zero() -> Self;
    fn one() -> Self;
    fn from_bigint(b: &BigInt) -> Option<Self>;
    fn from_i128(v: i128) -> Self;
    fn to_bigint(&self) -> BigInt;
    fn is_zero(&self) -> bool;
    /// −1, 0 or 1.
    fn signum(&self) -> i32;
    fn add(&self, other: &Self) -> Option<Self>;
    fn mul(&self, other: &Self) -> Option<Self>;
    fn neg(&self) -> Option<Self>;
    /// `acc + self·other`.
    fn mul_add(&self, other: &Self, acc: &Self) -> Option<Self> {
        acc.add(&self.mul(other)?)
    }
    /// The nonnegative gcd; `gcd(0, 0) = 0`.
    fn gcd(&self, other: &Self) -> Option<Self>;
    /// `self / other` for a division known to be exact.
    fn div_exact(&self, other: &Self) -> Self;
    fn cmp_int(&self, other: &Self) -> Ordering;
}

fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl ExactInt for i128 {
    fn zero() -> i128 {
        0
    }
    fn one() -> i128 {
        1
    }
    fn from_bigint(b: &BigInt) -> Option<i128> {
        b.to_i128()
    }
    fn from_i128(v: i128) -> i128 {
        v
    }
    fn to_bigint(&self) -> BigInt {
        BigInt::from(*self)
    }
    fn is_zero(&self) -> bool {
        *self == 0
    }
    fn signum(&self) -> i32 {
        i128::signum(*self) as i32
    }
    #[inline]
    fn add(&self, other: &i128) -> Option<i128> {
        self.checked_add(*other)
    }
    #[inline]
    fn mul(&self, other: &i128) -> Option<i128> {
        self.checked_mul(*other)
    }
    fn neg(&self) -> Option<i128> {
        self.checked_neg()
    }
    #[inline]
    fn mul_add(&self, other: &i128, acc: &i128) -> Option<i128> {
        acc.checked_add(self.checked_mul(*other)?)
    }
    fn gcd(&self, other: &i128) -> Option<i128> {
        i128::try_from(gcd_u128(self.unsigned_abs(), other.unsigned_abs())).ok()
    }
    fn div_exact(&self, other: &i128) -> i128 {
        self / other
    }
    fn cmp_int(&self, other: &i128) -> Ordering {
        self.cmp(other)
    }
}

impl ExactInt for BigInt {
    fn zero() -> BigInt {
        BigInt::from(0)
    }
    fn one() -> BigInt {
        BigInt::from(1)
    }
    fn from_bigint(b: &BigInt) -> Option<BigInt> {
        Some(b.clone())
    }
    fn from_i128(v: i128) -> BigInt {
        BigInt::from(v)
    }
    fn to_bigint(&self) -> BigInt {
        self.clone()
    }
    fn is_zero(&self) -> bool {
        Zero::is_zero(self)
    }
    fn signum(&self) -> i32 {
        if Signed::is_negative(self) {
            -1
        } else if Zero::is_zero(self) {
            0
        } else {
            1
        }
    }
    fn add(&self, other: &BigInt) -> Option<BigInt> {
        Some(self + other)
    }
    fn mul(&self, other: &BigInt) -> Option<BigInt> {
        Some(self * other)
    }
    fn neg(&self) -> Option<BigInt> {
        Some(-self)
    }
    fn gcd(&self, other: &BigInt) -> Option<BigInt> {
        Some(Integer::gcd(self, other))
    }
    fn div_exact(&self, other: &BigInt) -> BigInt {
        self / other
    }
    fn cmp_int(&self, other: &BigInt) -> Ordering {
        self.cmp(other)
    }
}

/// A fraction `num / den` of exact integers with `den > 0`, in lowest
/// terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frac<N> {
    pub num: N,
    pub den: N,
}

impl<N: ExactInt> Frac<N> {
    /// `num / den` reduced, for `den ≠ 0`; `None` on overflow.
    pub fn new(num: &N, den: &N) -> Option<Frac<N>> {
        let (num, den) = if den.signum() < 0 { (num.neg()?, den.neg()?) } else { (num.clone(), den.clone()) };
        let g = num.gcd(&den)?;
        if g.is_zero() || g == N::one() {
            return Some(Frac { num, den });
        }
        Some(Frac { num: num.div_exact(&g), den: den.div_exact(&g) })
    }

    /// Compares two fractions exactly; `None` on overflow.
    pub fn compare(&self, other: &Frac<N>) -> Option<Ordering> {
        if self.den == other.den {
            return Some(self.num.cmp_int(&other.num));
        }
        Some(self.num.mul(&other.den)?.cmp_int(&other.num.mul(&self.den)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i128_reports_overflow_and_bigint_does_not() {
        let big = i128::MAX / 2 + 1;
        assert_eq!(ExactInt::mul(&big, &2), None);
        assert_eq!(ExactInt::add(&big, &big), None);
        let b = BigInt::from(big);
        assert_eq!(ExactInt::mul(&b, &BigInt::from(2)), Some(BigInt::from(big) * 2));
        assert_eq!(ExactInt::gcd(&i128::MIN, &i128::MIN), None);
        assert_eq!(ExactInt::gcd(&12i128, &-18), Some(6));
    }

    #[test]
    fn fractions_reduce_and_compare() {
        let a = Frac::new(&6i128, &-4).unwrap();
        assert_eq!(a, Frac { num: -3, den: 2 });
        let b = Frac::new(&-1i128, &1).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert_eq!(b.compare(&Frac::new(&-2i128, &2).unwrap()), Some(Ordering::Equal));
        let huge = Frac { num: i128::MAX, den: 3 };
        assert_eq!(huge.compare(&Frac { num: i128::MAX, den: 7 }), None);
    }
}
