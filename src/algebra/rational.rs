//! Exact rational numbers.
//!
//! [`Q`] is an arbitrary-precision rational with a fast path: a value whose
//! reduced numerator and denominator fit in an `i64` is stored inline and its
//! arithmetic runs in `i128` without allocating. Only when a result does not
//! fit does it move to a heap-allocated [`BigRational`]. Every value is kept
//! in lowest terms with a positive denominator, and a value that fits inline is
//! always stored inline, so structural equality is numeric equality.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// An exact rational number.
#[derive(Clone)]
pub struct Q(Repr);

#[derive(Clone)]
enum Repr {
    /// Numerator and denominator in lowest terms, denominator > 0, and
    /// neither equal to `i64::MIN` (so negation never overflows).
    Small(i64, i64),
    Big(Box<BigRational>),
}

/// The largest exponent, in size, of a decimal literal such as `1e-300`:
/// the value is read exactly, so `1e-N` has a denominator of N + 1 digits.
pub const MAX_DECIMAL_EXPONENT: i64 = 10_000;

/// Why a string is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError(pub &'static str);

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Binary gcd (Stein): shifts and subtractions only, much cheaper than
/// Euclid's remainders on 128 bits.
macro_rules! binary_gcd {
    ($name:ident, $t:ty) => {
        fn $name(a: $t, b: $t) -> $t {
            if a == 0 || b == 0 {
                return a | b;
            }
            let shift = (a | b).trailing_zeros();
            let (mut a, mut b) = (a >> a.trailing_zeros(), b);
            loop {
                b >>= b.trailing_zeros();
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                b -= a;
                if b == 0 {
                    return a << shift;
                }
            }
        }
    };
}

binary_gcd!(gcd_u64, u64);
binary_gcd!(gcd_u128_wide, u128);

/// The gcd, in 64 bits when both fit.
fn gcd_u128(a: u128, b: u128) -> u128 {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(x), Ok(y)) => gcd_u64(x, y) as u128,
        _ => gcd_u128_wide(a, b),
    }
}

fn fits(v: i128) -> bool {
    v > i64::MIN as i128 && v <= i64::MAX as i128
}

impl Q {
    pub fn zero() -> Q {
        Q(Repr::Small(0, 1))
    }

    pub fn one() -> Q {
        Q(Repr::Small(1, 1))
    }

    pub fn from_int(n: i64) -> Q {
        Q::from_i128(n as i128, 1)
    }

    /// `n / d`; panics when `d` is zero (a caller bug, never user input).
    pub fn new(n: i64, d: i64) -> Q {
        Q::from_i128(n as i128, d as i128)
    }

    fn from_i128(n: i128, d: i128) -> Q {
        assert!(d != 0, "rational with zero denominator");
        let (mut n, mut d) = if d < 0 { (-n, -d) } else { (n, d) };
        // Most values fit in 64 bits, where division is one instruction.
        if fits(n) && fits(d) {
            let (n, d) = (n as i64, d as i64);
            let g = if d == 1 { 1 } else { gcd_u64(n.unsigned_abs(), d as u64) as i64 };
            return Q(Repr::Small(n / g, d / g));
        }
        let g = gcd_u128(n.unsigned_abs(), d as u128) as i128;
        if g > 1 {
            n /= g;
            d /= g;
        }
        if fits(n) && fits(d) {
            Q(Repr::Small(n as i64, d as i64))
        } else {
            Q::from_big(BigRational::new_raw(BigInt::from(n), BigInt::from(d)))
        }
    }

    /// Takes a reduced big rational and stores it inline when it fits.
    fn from_big(r: BigRational) -> Q {
        if let (Some(n), Some(d)) = (r.numer().to_i64(), r.denom().to_i64())
            && n != i64::MIN
            && d != i64::MIN
        {
            return Q(Repr::Small(n, d));
        }
        Q(Repr::Big(Box::new(r)))
    }

    /// An integer, without the gcd that reducing a fraction costs (for
    /// integers of many digits, a binary gcd with 1 takes quadratic time).
    fn integer(n: BigInt) -> Q {
        Q::from_big(BigRational::new_raw(n, BigInt::from(1)))
    }

    pub fn from_bigints(n: BigInt, d: BigInt) -> Q {
        assert!(!d.is_zero(), "rational with zero denominator");
        Q::from_big(BigRational::new(n, d))
    }

    fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Repr::Big(b) => (**b).clone(),
        }
    }

    /// The exact value of a finite binary float: every `f64` (and so every
    /// `f32`, `f16` and `bf16`, which widen to it exactly) is a dyadic
    /// rational `m · 2^e`. `None` for an infinity or NaN.
    pub fn from_f64_exact(x: f64) -> Option<Q> {
        if !x.is_finite() {
            return None;
        }
        if x == 0.0 {
            return Some(Q::zero());
        }
        let bits = x.to_bits();
        let negative = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        // Subnormals have no implicit leading bit and the least exponent.
        let (mut mantissa, mut exponent) =
            if biased == 0 { (fraction, -1074) } else { (fraction | (1u64 << 52), biased - 1075) };
        let zeros = mantissa.trailing_zeros();
        mantissa >>= zeros;
        exponent += zeros as i64;
        let m = if negative { -(mantissa as i64) } else { mantissa as i64 };
        Some(if exponent >= 0 {
            if exponent < 10 { Q::from_int(m << exponent) } else { Q::integer(BigInt::from(m) << exponent as usize) }
        } else if exponent > -63 {
            Q::new(m, 1i64 << -exponent)
        } else {
            Q::from_bigints(BigInt::from(m), BigInt::from(1) << (-exponent) as usize)
        })
    }

    /// Reads a decimal literal exactly: `12`, `0.5`, `-3.25`, `1e-3`, `2.5E2`.
    /// A fraction `3/2` is also accepted.
    pub fn parse(text: &str) -> Result<Q, NumberError> {
        let text = text.trim();
        if let Some((n, d)) = text.split_once('/') {
            let n = Q::parse(n)?;
            let d = Q::parse(d)?;
            if d.is_zero() {
                return Err(NumberError("division by zero"));
            }
            return Ok(&n / &d);
        }
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => {
                let e: i64 = body[i + 1..].parse().map_err(|_| NumberError("expected an integer exponent"))?;
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(NumberError("expected digits"));
        }
        if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(NumberError("expected digits"));
        }
        if exponent.abs() > MAX_DECIMAL_EXPONENT {
            return Err(NumberError("exponent too large"));
        }
        let digits = format!("{int_part}{frac_part}");
        let mut numer: BigInt = digits.parse().unwrap_or_else(|_| BigInt::zero());
        if negative {
            numer = -numer;
        }
        let scale = exponent - frac_part.len() as i64;
        let ten = BigInt::from(10);
        let (n, d) = if scale >= 0 {
            (numer * num_traits::pow(ten, scale as usize), BigInt::one())
        } else {
            (numer, num_traits::pow(ten, (-scale) as usize))
        };
        Ok(Q::from_bigints(n, d))
    }

    pub fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small(0, _))
    }

    pub fn is_one(&self) -> bool {
        matches!(self.0, Repr::Small(1, 1))
    }

    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Small(_, d) => *d == 1,
            Repr::Big(b) => b.is_integer(),
        }
    }

    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Small(n, _) => *n < 0,
            Repr::Big(b) => b.is_negative(),
        }
    }

    pub fn signum(&self) -> i32 {
        match &self.0 {
            Repr::Small(n, _) => n.signum() as i32,
            Repr::Big(b) => {
                if b.is_negative() {
                    -1
                } else {
                    1
                }
            }
        }
    }

    pub fn abs(&self) -> Q {
        if self.is_negative() { -self } else { self.clone() }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub fn to_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Small(n, 1) => Some(*n),
            _ => None,
        }
    }

    /// Numerator and denominator as `i64` when they fit (the inline fast
    /// path), without allocating.
    pub fn small_parts(&self) -> Option<(i64, i64)> {
        match &self.0 {
            Repr::Small(n, d) => Some((*n, *d)),
            Repr::Big(_) => None,
        }
    }

    pub fn numer(&self) -> BigInt {
        match &self.0 {
            Repr::Small(n, _) => BigInt::from(*n),
            Repr::Big(b) => b.numer().clone(),
        }
    }

    pub fn denom(&self) -> BigInt {
        match &self.0 {
            Repr::Small(_, d) => BigInt::from(*d),
            Repr::Big(b) => b.denom().clone(),
        }
    }

    /// The nearest `f64`; for the numeric cross-check only, never the algebra.
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Small(n, d) => *n as f64 / *d as f64,
            Repr::Big(b) => {
                let n = b.numer().to_f64().unwrap_or(f64::NAN);
                let d = b.denom().to_f64().unwrap_or(f64::NAN);
                if n.is_finite() && d.is_finite() {
                    n / d
                } else {
                    // Scale both down together so that huge parts still divide.
                    let shift = b.numer().bits().max(b.denom().bits()).saturating_sub(1000);
                    let n = (b.numer() >> shift).to_f64().unwrap_or(f64::NAN);
                    let d = (b.denom() >> shift).to_f64().unwrap_or(f64::NAN);
                    n / d
                }
            }
        }
    }

    /// The multiplicative inverse; `None` for zero.
    pub fn inv(&self) -> Option<Q> {
        match &self.0 {
            Repr::Small(0, _) => None,
            Repr::Small(n, d) => Some(Q::from_i128(*d as i128, *n as i128)),
            Repr::Big(b) => Some(Q::from_big(b.recip())),
        }
    }

    /// `self^e` for any integer exponent; `None` for `0^e` with `e < 0`.
    pub fn pow(&self, e: i64) -> Option<Q> {
        let base = if e < 0 { self.inv()? } else { self.clone() };
        Some(base.pow_unsigned(e.unsigned_abs()))
    }

    /// `self^e` for any unsigned exponent, by repeated squaring. The
    /// caller bounds the size of the result (see `model::budget`); for
    /// 0, 1 and -1 any exponent is cheap.
    pub fn pow_unsigned(&self, e: u64) -> Q {
        if e == 0 {
            return Q::one();
        }
        if self.is_zero() || self.is_one() {
            return self.clone();
        }
        if (-self).is_one() {
            return if e.is_multiple_of(2) { Q::one() } else { self.clone() };
        }
        let mut result = Q::one();
        let mut base = self.clone();
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                result = &result * &base;
            }
            e >>= 1;
            if e > 0 {
                base = &base * &base;
            }
        }
        result
    }

    /// Largest integer not above the value.
    pub fn floor(&self) -> BigInt {
        let (n, d) = (self.numer(), self.denom());
        n.div_floor(&d)
    }

    /// Greatest common divisor of two rationals: the largest rational `g`
    /// with both `a/g` and `b/g` integers (gcd of numerators over lcm of
    /// denominators). Used to take the content of a polynomial.
    pub fn gcd(a: &Q, b: &Q) -> Q {
        if a.is_zero() {
            return b.abs();
        }
        if b.is_zero() {
            return a.abs();
        }
        if let (Repr::Small(an, ad), Repr::Small(bn, bd)) = (&a.0, &b.0) {
            let n = gcd_u128(an.unsigned_abs() as u128, bn.unsigned_abs() as u128);
            let g = gcd_u128(*ad as u128, *bd as u128);
            let l = (*ad as u128 / g) * *bd as u128;
            if n <= i64::MAX as u128 && l <= i64::MAX as u128 {
                return Q::from_i128(n as i128, l as i128);
            }
        }
        let n = a.numer().gcd(&b.numer());
        let d = a.denom().lcm(&b.denom());
        Q::from_bigints(n, d)
    }
}

impl Default for Q {
    fn default() -> Q {
        Q::zero()
    }
}

impl From<i64> for Q {
    fn from(n: i64) -> Q {
        Q::from_int(n)
    }
}

impl From<i32> for Q {
    fn from(n: i32) -> Q {
        Q::from_int(n as i64)
    }
}

impl From<usize> for Q {
    fn from(n: usize) -> Q {
        Q::from_i128(n as i128, 1)
    }
}

impl PartialEq for Q {
    fn eq(&self, other: &Q) -> bool {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => a == c && b == d,
            (Repr::Big(a), Repr::Big(b)) => a == b,
            // The representation is canonical: a small and a big value differ.
            _ => false,
        }
    }
}

impl Eq for Q {}

impl Hash for Q {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Repr::Small(n, d) => {
                0u8.hash(state);
                n.hash(state);
                d.hash(state);
            }
            Repr::Big(b) => {
                1u8.hash(state);
                b.numer().hash(state);
                b.denom().hash(state);
            }
        }
    }
}

impl Ord for Q {
    fn cmp(&self, other: &Q) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => (*a as i128 * *d as i128).cmp(&(*c as i128 * *b as i128)),
            _ => self.to_big().cmp(&other.to_big()),
        }
    }
}

impl PartialOrd for Q {
    fn partial_cmp(&self, other: &Q) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Q {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(n, 1) => write!(f, "{n}"),
            Repr::Small(n, d) => write!(f, "{n}/{d}"),
            Repr::Big(b) if b.is_integer() => write!(f, "{}", b.numer()),
            Repr::Big(b) => write!(f, "{}/{}", b.numer(), b.denom()),
        }
    }
}

impl fmt::Debug for Q {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl<'a> Add<&'a Q> for &'a Q {
    type Output = Q;
    fn add(self, other: &Q) -> Q {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => {
                if *b == 1 && *d == 1 {
                    return Q::from_i128(*a as i128 + *c as i128, 1);
                }
                if b == d {
                    return Q::from_i128(*a as i128 + *c as i128, *b as i128);
                }
                let (a, b, c, d) = (*a as i128, *b as i128, *c as i128, *d as i128);
                Q::from_i128(a * d + c * b, b * d)
            }
            _ if self.is_integer() && other.is_integer() => Q::integer(self.numer() + other.numer()),
            _ => Q::from_big(self.to_big() + other.to_big()),
        }
    }
}

impl<'a> Sub<&'a Q> for &'a Q {
    type Output = Q;
    fn sub(self, other: &Q) -> Q {
        self + &(-other)
    }
}

impl<'a> Mul<&'a Q> for &'a Q {
    type Output = Q;
    fn mul(self, other: &Q) -> Q {
        match (&self.0, &other.0) {
            (Repr::Small(a, b), Repr::Small(c, d)) => Q::from_i128(*a as i128 * *c as i128, *b as i128 * *d as i128),
            _ if self.is_integer() && other.is_integer() => Q::integer(self.numer() * other.numer()),
            _ => Q::from_big(self.to_big() * other.to_big()),
        }
    }
}

impl<'a> Div<&'a Q> for &'a Q {
    type Output = Q;
    /// Panics on division by zero; callers check [`Q::is_zero`] first.
    // Dividing is multiplying by the inverse.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn div(self, other: &Q) -> Q {
        let inv = other.inv().expect("division by zero rational");
        self * &inv
    }
}

impl Neg for &Q {
    type Output = Q;
    fn neg(self) -> Q {
        match &self.0 {
            Repr::Small(n, d) => Q(Repr::Small(-n, *d)),
            Repr::Big(b) => Q::from_big(-(**b).clone()),
        }
    }
}

impl Neg for Q {
    type Output = Q;
    fn neg(self) -> Q {
        -&self
    }
}

macro_rules! owned_ops {
    ($($trait:ident $method:ident),*) => {$(
        impl $trait<Q> for Q {
            type Output = Q;
            fn $method(self, other: Q) -> Q {
                (&self).$method(&other)
            }
        }
        impl<'a> $trait<&'a Q> for Q {
            type Output = Q;
            fn $method(self, other: &Q) -> Q {
                (&self).$method(other)
            }
        }
    )*};
}

owned_ops!(Add add, Sub sub, Mul mul, Div div);

impl AddAssign<&Q> for Q {
    fn add_assign(&mut self, other: &Q) {
        *self = &*self + other;
    }
}

impl SubAssign<&Q> for Q {
    fn sub_assign(&mut self, other: &Q) {
        *self = &*self - other;
    }
}

impl MulAssign<&Q> for Q {
    fn mul_assign(&mut self, other: &Q) {
        *self = &*self * other;
    }
}

/// A running sum of rationals and products of rationals, kept unreduced
/// over one denominator in `i128` while it fits: a dot product of `n`
/// terms then costs one gcd instead of `2n`. Terms whose denominators
/// divide one another (weights and inputs in hundredths, dyadics) only
/// scale; past `i128` the sum moves to [`Q`] and stays exact.
#[derive(Clone, Debug)]
pub struct QSum(SumRepr);

#[derive(Clone, Debug)]
enum SumRepr {
    /// `num / den`, `den > 0`, not reduced.
    Small(i128, i128),
    Big(Q),
}

impl Default for QSum {
    fn default() -> QSum {
        QSum::new()
    }
}

impl QSum {
    pub fn new() -> QSum {
        QSum(SumRepr::Small(0, 1))
    }

    /// Starts from a value.
    pub fn from_q(q: &Q) -> QSum {
        match &q.0 {
            Repr::Small(n, d) => QSum(SumRepr::Small(*n as i128, *d as i128)),
            Repr::Big(_) => QSum(SumRepr::Big(q.clone())),
        }
    }

    /// `num/den + n/d` unreduced, when it fits in `i128`.
    fn merge(num: i128, den: i128, n: i128, d: i128) -> Option<(i128, i128)> {
        // `b / a` when `a` divides `b` (both positive), in 64 bits when
        // they fit (a 128-bit division is a library call).
        let quotient = |a: i128, b: i128| match (u64::try_from(a), u64::try_from(b)) {
            (Ok(a), Ok(b)) => b.is_multiple_of(a).then(|| (b / a) as i128),
            _ => (b % a == 0).then(|| b / a),
        };
        if num == 0 {
            Some((n, d))
        } else if den == d {
            num.checked_add(n).map(|s| (s, d))
        } else if let Some(f) = quotient(d, den) {
            n.checked_mul(f).and_then(|t| num.checked_add(t)).map(|s| (s, den))
        } else if let Some(f) = quotient(den, d) {
            num.checked_mul(f).and_then(|t| t.checked_add(n)).map(|s| (s, d))
        } else {
            let s = num.checked_mul(d)?.checked_add(n.checked_mul(den)?)?;
            Some((s, den.checked_mul(d)?))
        }
    }

    /// Adds `n / d` (`d > 0`).
    fn add_parts(&mut self, n: i128, d: i128) {
        let SumRepr::Small(num, den) = self.0 else {
            if let SumRepr::Big(q) = &mut self.0 {
                *q = &*q + &Q::from_i128(n, d);
            }
            return;
        };
        if let Some((s, e)) = QSum::merge(num, den, n, d) {
            self.0 = SumRepr::Small(s, e);
            return;
        }
        // Reduce what is there and the term, then try once more.
        let (so_far, term) = (Q::from_i128(num, den), Q::from_i128(n, d));
        if let (Repr::Small(a, b), Repr::Small(c, e)) = (&so_far.0, &term.0)
            && let Some((s, f)) = QSum::merge(*a as i128, *b as i128, *c as i128, *e as i128)
        {
            self.0 = SumRepr::Small(s, f);
            return;
        }
        self.0 = SumRepr::Big(&so_far + &term);
    }

    /// Adds `q`.
    pub fn add(&mut self, q: &Q) {
        match (&q.0, &mut self.0) {
            (Repr::Small(n, d), _) => self.add_parts(*n as i128, *d as i128),
            (Repr::Big(_), SumRepr::Big(s)) => *s = &*s + q,
            (Repr::Big(_), SumRepr::Small(n, d)) => self.0 = SumRepr::Big(&Q::from_i128(*n, *d) + q),
        }
    }

    /// Adds `a · b`.
    pub fn add_product(&mut self, a: &Q, b: &Q) {
        match (&a.0, &b.0) {
            (Repr::Small(0, _), _) | (_, Repr::Small(0, _)) => {}
            (Repr::Small(p, q), Repr::Small(r, s)) => {
                // |p r| < 2¹²⁶ and 0 < q s < 2¹²⁶: both fit.
                self.add_parts(*p as i128 * *r as i128, *q as i128 * *s as i128)
            }
            _ => self.add(&(a * b)),
        }
    }

    /// The sum, in lowest terms.
    pub fn value(&self) -> Q {
        match &self.0 {
            SumRepr::Small(n, d) => Q::from_i128(*n, *d),
            SumRepr::Big(q) => q.clone(),
        }
    }

    pub fn is_zero(&self) -> bool {
        match &self.0 {
            SumRepr::Small(n, _) => *n == 0,
            SumRepr::Big(q) => q.is_zero(),
        }
    }
}

impl std::iter::Sum for Q {
    fn sum<I: Iterator<Item = Q>>(iter: I) -> Q {
        iter.fold(Q::zero(), |acc, x| &acc + &x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Q {
        Q::parse(s).unwrap()
    }

    #[test]
    fn sums_agree_with_term_by_term_arithmetic() {
        // Mixed denominators, a big term, and sums that overflow i128.
        let terms = [q("3/100"), q("-7/10"), q("1/3"), q("5"), q("-2/7"), q("123456789012345678901234567/9")];
        let mut s = QSum::new();
        let mut t = Q::zero();
        for a in &terms {
            for b in &terms {
                s.add_product(a, b);
                t = &t + &(a * b);
                s.add(a);
                t = &t + a;
                assert_eq!(s.value(), t);
            }
        }
        let big = Q::new(i64::MAX - 1, i64::MAX - 2);
        let mut s = QSum::from_q(&big);
        let mut t = big.clone();
        for k in 1..40 {
            let x = Q::new(i64::MAX - k, i64::MAX - 2 * k);
            s.add_product(&x, &big);
            t = &t + &(&x * &big);
        }
        assert_eq!(s.value(), t);
        assert!(QSum::new().is_zero() && QSum::new().value().is_zero());
    }

    #[test]
    fn floats_are_the_dyadic_rationals_they_store() {
        assert_eq!(Q::from_f64_exact(0.5), Some(Q::new(1, 2)));
        assert_eq!(Q::from_f64_exact(-3.25), Some(Q::new(-13, 4)));
        assert_eq!(Q::from_f64_exact(1536.0), Some(Q::from_int(1536)));
        assert_eq!(Q::from_f64_exact(-0.0), Some(Q::zero()));
        // 0.1 is not 1/10: it is the nearest double, 3602879701896397 / 2^55.
        let tenth = Q::from_f64_exact(0.1).unwrap();
        assert_eq!(tenth, Q::from_bigints(3602879701896397i64.into(), BigInt::from(1) << 55usize));
        assert_ne!(tenth, Q::new(1, 10));
        // f32 widens exactly: 0.1f32 is 13421773 / 2^27.
        assert_eq!(Q::from_f64_exact(0.1f32 as f64), Some(Q::new(13421773, 1 << 27)));
        // The extremes: the least subnormal and the largest finite double.
        assert_eq!(Q::from_f64_exact(f64::from_bits(1)), Some(Q::from_bigints(1.into(), BigInt::from(1) << 1074usize)));
        let max = Q::from_f64_exact(f64::MAX).unwrap();
        assert_eq!(max, Q::from_bigints((BigInt::from(1) << 1024usize) - (BigInt::from(1) << 971usize), 1.into()));
        assert_eq!(Q::from_f64_exact(f64::NAN), None);
        assert_eq!(Q::from_f64_exact(f64::NEG_INFINITY), None);
        // Back to floats unchanged, over many magnitudes.
        for k in -50..50 {
            let x = 1.2345678901234567f64 * 2f64.powi(k * 17);
            assert_eq!(Q::from_f64_exact(x).unwrap().to_f64(), x, "{x}");
        }
    }

    #[test]
    fn decimals_are_read_exactly() {
        assert_eq!(q("0.5"), Q::new(1, 2));
        assert_eq!(q("-3.25"), Q::new(-13, 4));
        assert_eq!(q("1e-3"), Q::new(1, 1000));
        assert_eq!(q("2.5E2"), Q::from_int(250));
        assert_eq!(q("0.1") + q("0.2"), q("0.3"));
        assert_eq!(q("3/6"), Q::new(1, 2));
        assert!(Q::parse("1/0").is_err());
        assert!(Q::parse("1.2.3").is_err());
        assert!(Q::parse("").is_err());
        assert!(Q::parse("e5").is_err());
    }

    #[test]
    fn arithmetic_overflows_into_big_values_and_back() {
        let big = Q::from_int(i64::MAX);
        let sum = &big + &big;
        assert_eq!(sum.to_string(), "18446744073709551614");
        let back = &sum - &big;
        assert_eq!(back, big);
        assert!(matches!(back.0, Repr::Small(..)), "a value that fits is stored inline");
        let tiny = Q::new(1, i64::MAX);
        let prod = &tiny * &tiny;
        assert_eq!(&prod * &Q::from_int(i64::MAX), tiny);
    }

    #[test]
    fn min_is_never_stored_inline() {
        let m = Q::from_int(i64::MIN);
        assert_eq!((-&m).to_string(), "9223372036854775808");
        assert_eq!(-(-&m), m);
    }

    #[test]
    fn ordering_and_powers() {
        assert!(Q::new(1, 3) < Q::new(1, 2));
        assert!(Q::new(-1, 2) < Q::zero());
        assert_eq!(Q::new(2, 3).pow(-2), Some(Q::new(9, 4)));
        assert_eq!(Q::zero().pow(-1), None);
        assert_eq!(Q::one().pow(1 << 32), Some(Q::one()));
        assert_eq!(Q::from_int(-1).pow(i64::MIN), Some(Q::one()));
        assert_eq!(Q::from_int(-1).pow((1 << 40) + 1), Some(Q::from_int(-1)));
        assert_eq!(Q::zero().pow(1 << 40), Some(Q::zero()));
        assert_eq!(Q::zero().pow(0), Some(Q::one()));
        assert_eq!(Q::from_int(2).pow(100).unwrap().to_string(), "1267650600228229401496703205376");
    }

    #[test]
    fn gcd_of_rationals() {
        assert_eq!(Q::gcd(&Q::new(1, 2), &Q::new(1, 3)), Q::new(1, 6));
        assert_eq!(Q::gcd(&Q::from_int(4), &Q::from_int(-6)), Q::from_int(2));
        assert_eq!(Q::gcd(&Q::zero(), &Q::new(-3, 4)), Q::new(3, 4));
    }
}
