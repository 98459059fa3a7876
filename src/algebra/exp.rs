//! Proved rational bounds on `exp` and `log`, for answers that need them
//! (the softmax of exact scores): every result is an interval `[lo, hi]`
//! of rationals that contains the real value, so a sign or a comparison
//! read off an interval that excludes 0 is exact.
//!
//! `exp(t)` for t ≤ 0 is `exp(t/2^m)^(2^m)` with |t/2^m| ≤ 1/2, where the
//! Taylor series alternates and its remainder after `TERMS` terms is below
//! 2^-(TERMS+1)/(TERMS+1)!; `log(x)` for x ≥ 1 is `k log 2 + 2 atanh(u)`
//! with u = (y − 1)/(y + 1) ≤ 1/3 for x = 2^k y, a series of positive terms
//! whose tail is bounded by a geometric one. Every end is rounded outward
//! to [`BITS`] significant bits so that the numbers stay short.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::One;

use super::Q;
use super::univariate::{decimal_parts, decimal_text};

/// Significant bits kept at each end of an interval.
pub const BITS: u64 = 100;
/// Largest |t| whose `exp(t)` is bounded; beyond, the caller reports the limit.
pub const MAX_EXP_ARGUMENT: i64 = 10_000;
/// Taylor terms of `exp` on [−1/2, 1/2].
const TERMS: i64 = 30;
/// Terms of the `atanh` series.
const LOG_TERMS: i64 = 40;

/// A closed interval of rationals holding a real number.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    pub lo: Q,
    pub hi: Q,
}

fn two_pow(e: i64) -> Q {
    Q::from_int(2).pow(e).expect("two is nonzero")
}

/// `q` rounded to [`BITS`] significant bits, up or down.
fn round(q: &Q, up: bool) -> Q {
    if q.is_zero() {
        return Q::zero();
    }
    let (n, d) = (q.numer(), q.denom());
    let e = BITS as i64 - (n.bits() as i64 - d.bits() as i64);
    let scaled = q * &two_pow(e);
    let f = scaled.floor();
    let exact = Q::from_bigints(f.clone(), BigInt::one()) == scaled;
    let m = if up && !exact { f + BigInt::one() } else { f };
    &Q::from_bigints(m, BigInt::one()) / &two_pow(e)
}

impl Interval {
    pub fn point(q: Q) -> Interval {
        Interval { lo: q.clone(), hi: q }
    }

    fn rounded(lo: Q, hi: Q) -> Interval {
        Interval { lo: round(&lo, false), hi: round(&hi, true) }
    }

    pub fn add(&self, o: &Interval) -> Interval {
        Interval::rounded(&self.lo + &o.lo, &self.hi + &o.hi)
    }

    pub fn sub(&self, o: &Interval) -> Interval {
        Interval::rounded(&self.lo - &o.hi, &self.hi - &o.lo)
    }

    pub fn mul(&self, o: &Interval) -> Interval {
        let p = [&self.lo * &o.lo, &self.lo * &o.hi, &self.hi * &o.lo, &self.hi * &o.hi];
        let lo = p.iter().min().expect("four products").clone();
        let hi = p.iter().max().expect("four products").clone();
        Interval::rounded(lo, hi)
    }

    /// `self / o` for an interval `o` of positive numbers.
    pub fn div_positive(&self, o: &Interval) -> Interval {
        assert!(o.lo.signum() > 0, "a divisor interval of positive numbers");
        let inv = Interval { lo: o.hi.inv().expect("positive"), hi: o.lo.inv().expect("positive") };
        self.mul(&inv)
    }

    /// −1, 1 when the interval lies on one side of 0; 0 when it is {0};
    /// `None` when it holds 0 and other numbers.
    pub fn sign(&self) -> Option<i64> {
        if self.lo.signum() > 0 {
            Some(1)
        } else if self.hi.signum() < 0 {
            Some(-1)
        } else if self.lo.is_zero() && self.hi.is_zero() {
            Some(0)
        } else {
            None
        }
    }

    pub fn mid(&self) -> Q {
        &(&self.lo + &self.hi) / &Q::from_int(2)
    }

    /// The middle of the interval as a decimal with `digits` significant
    /// digits, rounded to the nearer: `0.244728`.
    pub fn decimal(&self, digits: u32) -> String {
        decimal(&self.mid(), digits)
    }

    /// Whether some number of the interval is within `tolerance` of `q`.
    pub fn near(&self, q: &Q, tolerance: &Q) -> bool {
        &(&self.lo - tolerance) <= q && q <= &(&self.hi + tolerance)
    }
}

/// `q` as a decimal with `digits` significant digits, rounded to the nearer.
pub fn decimal(q: &Q, digits: u32) -> String {
    let (m0, e0) = decimal_parts(q, digits, Ordering::Less);
    let (m1, e1) = decimal_parts(q, digits, Ordering::Greater);
    let value = |m: &BigInt, e: i64| &Q::from_bigints(m.clone(), BigInt::one()) / &Q::from_int(10).pow(e).expect("ten");
    let (d0, d1) = ((q - &value(&m0, e0)).abs(), (&value(&m1, e1) - q).abs());
    if d0 <= d1 { decimal_text(&m0, e0) } else { decimal_text(&m1, e1) }
}

fn factorial(n: i64) -> BigInt {
    (1..=n).fold(BigInt::one(), |a, k| a * BigInt::from(k))
}

/// Σ_{k ≤ TERMS} r^k / k!, exactly.
fn taylor(r: &Q) -> Q {
    let mut sum = Q::one();
    let mut term = Q::one();
    for k in 1..=TERMS {
        term = &(&term * r) / &Q::from_int(k);
        sum = &sum + &term;
    }
    sum
}

/// Bounds on `exp(t)`; `None` when |t| > [`MAX_EXP_ARGUMENT`].
pub fn exp(t: &Q) -> Option<Interval> {
    if t.abs() > Q::from_int(MAX_EXP_ARGUMENT) {
        return None;
    }
    if t.is_zero() {
        return Some(Interval::point(Q::one()));
    }
    if t.signum() > 0 {
        let e = exp(&-t)?;
        return Some(Interval::rounded(e.hi.inv()?, e.lo.inv()?));
    }
    let half = Q::new(1, 2);
    let mut m = 0;
    while &t.abs() / &two_pow(m) > half {
        m += 1;
    }
    let r = t / &two_pow(m);
    let (r_lo, r_hi) = (round(&r, false), round(&r, true));
    // Remainder after TERMS terms for |r| ≤ 1/2.
    let tail =
        &Q::one() / &Q::from_bigints(factorial(TERMS + 1) * BigInt::from(2).pow((TERMS + 1) as u32), BigInt::one());
    let mut e = Interval::rounded(&taylor(&r_lo) - &tail, &taylor(&r_hi) + &tail);
    for _ in 0..m {
        e = Interval::rounded(&e.lo * &e.lo, &e.hi * &e.hi);
    }
    Some(e)
}

/// 2 atanh(u) = log((1 + u)/(1 − u)) for 0 ≤ u ≤ 1/3, bounded.
fn log_series(u: &Q) -> Interval {
    let u2 = u * u;
    let mut power = u.clone();
    let mut sum = Q::zero();
    for j in 0..LOG_TERMS {
        sum = &sum + &(&power / &Q::from_int(2 * j + 1));
        power = &power * &u2;
    }
    // The rest is at most power/(2·LOG_TERMS + 1) · 1/(1 − u²) ≤ power · 9/8.
    let tail = &(&power * &Q::new(9, 8)) / &Q::from_int(2 * LOG_TERMS + 1);
    let two = Q::from_int(2);
    Interval::rounded(&two * &sum, &two * &(&sum + &tail))
}

/// Bounds on `log(x)` for a rational x ≥ 1.
fn log_of(x: &Q) -> Interval {
    let ln2 = log_series(&Q::new(1, 3));
    let mut k = 0i64;
    while x / &two_pow(k + 1) >= Q::one() {
        k += 1;
    }
    let y = x / &two_pow(k);
    let u = &(&y - &Q::one()) / &(&y + &Q::one());
    let kk = Interval::point(Q::from_int(k));
    kk.mul(&ln2).add(&log_series(&u))
}

/// Bounds on `log(x)` for an interval of numbers x ≥ 1.
pub fn log(x: &Interval) -> Option<Interval> {
    if x.lo < Q::one() {
        return None;
    }
    Some(Interval { lo: log_of(&x.lo).lo, hi: log_of(&x.hi).hi })
}

/// Bounds on log Σ_j exp(s_j) and on every softmax probability
/// exp(s_k) / Σ_j exp(s_j), from the scores shifted by their largest
/// (so that the sum is at least 1); `None` when a shifted score is beyond
/// [`MAX_EXP_ARGUMENT`].
pub fn softmax(s: &[Q]) -> Option<(Interval, Vec<Interval>)> {
    let top = s.iter().max()?.clone();
    let e: Vec<Interval> = s.iter().map(|x| exp(&(x - &top))).collect::<Option<_>>()?;
    let z = e.iter().skip(1).fold(e[0].clone(), |a, b| a.add(b));
    let p = e.iter().map(|x| x.div_positive(&z)).collect();
    let lse = log(&z)?.add(&Interval::point(top));
    Some((lse, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(i: &Interval, x: f64) {
        assert!(i.lo.to_f64() <= x * (1.0 + 1e-15) + 1e-300 && x <= i.hi.to_f64() * (1.0 + 1e-15), "{x} in {i:?}");
        let width = (&i.hi - &i.lo).to_f64();
        assert!(width <= 1e-25 * (1.0 + x.abs()), "{x}: width {width}");
    }

    #[test]
    fn exp_and_log_hold_their_values() {
        for (n, d) in [(0, 1), (1, 1), (-1, 1), (3, 2), (-7, 3), (25, 1), (-40, 1), (1, 1000)] {
            let t = Q::new(n, d);
            holds(&exp(&t).expect("small"), (n as f64 / d as f64).exp());
        }
        for (n, d) in [(1, 1), (2, 1), (3, 2), (10, 1), (1000, 7)] {
            let x = Interval::point(Q::new(n, d));
            holds(&log(&x).expect("at least 1"), (n as f64 / d as f64).ln());
        }
        assert!(exp(&Q::from_int(MAX_EXP_ARGUMENT + 1)).is_none());
        assert!(log(&Interval::point(Q::new(1, 2))).is_none());
    }

    #[test]
    fn e_is_bracketed_tightly() {
        let e = exp(&Q::one()).expect("small");
        // e = 2.718281828459045235360287471352662497757...
        let lo = Q::parse("2.71828182845904523536028747135266249").expect("a decimal");
        let hi = Q::parse("2.71828182845904523536028747135266250").expect("a decimal");
        assert!(e.lo <= hi && e.hi >= lo && e.lo > Q::parse("2.7182818284590452353602874713").expect("d"));
        assert_eq!(e.decimal(6), "2.71828");
        assert_eq!(decimal(&Q::new(-1, 3), 3), "-0.333");
        assert_eq!(decimal(&Q::new(2, 3), 3), "0.667");
    }

    #[test]
    fn softmax_sums_to_one_and_signs_are_read_off() {
        let (lse, p) = softmax(&[Q::from_int(1), Q::from_int(2), Q::from_int(0)]).expect("small");
        let f = [1f64.exp(), 2f64.exp(), 1.0];
        let z: f64 = f.iter().sum();
        holds(&lse, z.ln());
        for (pi, fi) in p.iter().zip(f) {
            holds(pi, fi / z);
            assert_eq!(pi.sign(), Some(1));
        }
        assert_eq!(p[0].sub(&Interval::point(Q::new(1, 4))).sign(), Some(-1));
        assert_eq!(Interval { lo: Q::from_int(-1), hi: Q::one() }.sign(), None);
    }
}
