//! Univariate polynomials over Q and their real roots, exactly.
//!
//! The gradient-descent family needs the largest eigenvalue of a rational
//! symmetric matrix, which is an algebraic number: the largest root of the
//! characteristic polynomial. This module computes that polynomial
//! ([`characteristic_polynomial`], Faddeev–LeVerrier, over any exact
//! scalar), and isolates its largest real root between two rationals with
//! Sturm sequences ([`largest_root`]), refining the interval as far as asked.
//! Everything is exact: a root is never a float, only a polynomial and an
//! interval that provably holds exactly that root.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

use super::matrix::{Matrix, MatrixError, Scalar};
use super::rational::Q;

/// A polynomial in one variable with rational coefficients, lowest degree
/// first and without trailing zeros (the zero polynomial has none).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct UPoly {
    coeffs: Vec<Q>,
}

impl UPoly {
    pub fn zero() -> UPoly {
        UPoly { coeffs: Vec::new() }
    }

    pub fn constant(c: Q) -> UPoly {
        UPoly::from_coeffs(vec![c])
    }

    /// The variable itself.
    pub fn x() -> UPoly {
        UPoly::from_coeffs(vec![Q::zero(), Q::one()])
    }

    /// `Σ coeffs[k] x^k`.
    pub fn from_coeffs(mut coeffs: Vec<Q>) -> UPoly {
        while coeffs.last().is_some_and(Q::is_zero) {
            coeffs.pop();
        }
        UPoly { coeffs }
    }

    /// The coefficients, lowest degree first.
    pub fn coeffs(&self) -> &[Q] {
        &self.coeffs
    }

    pub fn is_zero(&self) -> bool {
        self.coeffs.is_empty()
    }

    /// The degree; `None` for the zero polynomial.
    pub fn degree(&self) -> Option<usize> {
        self.coeffs.len().checked_sub(1)
    }

    pub fn leading(&self) -> Q {
        self.coeffs.last().cloned().unwrap_or_else(Q::zero)
    }

    /// The value at `x`, by Horner's rule.
    pub fn eval(&self, x: &Q) -> Q {
        let mut acc = Q::zero();
        for c in self.coeffs.iter().rev() {
            acc = &(&acc * x) + c;
        }
        acc
    }

    pub fn derivative(&self) -> UPoly {
        UPoly::from_coeffs(self.coeffs.iter().enumerate().skip(1).map(|(k, c)| c * &Q::from(k)).collect())
    }

    pub fn scale(&self, q: &Q) -> UPoly {
        UPoly::from_coeffs(self.coeffs.iter().map(|c| c * q).collect())
    }

    pub fn add(&self, other: &UPoly) -> UPoly {
        let n = self.coeffs.len().max(other.coeffs.len());
        let zero = Q::zero();
        UPoly::from_coeffs(
            (0..n).map(|k| self.coeffs.get(k).unwrap_or(&zero) + other.coeffs.get(k).unwrap_or(&zero)).collect(),
        )
    }

    pub fn sub(&self, other: &UPoly) -> UPoly {
        self.add(&other.scale(&Q::from_int(-1)))
    }

    pub fn mul(&self, other: &UPoly) -> UPoly {
        if self.is_zero() || other.is_zero() {
            return UPoly::zero();
        }
        let mut out = vec![Q::zero(); self.coeffs.len() + other.coeffs.len() - 1];
        for (i, a) in self.coeffs.iter().enumerate() {
            if a.is_zero() {
                continue;
            }
            for (j, b) in other.coeffs.iter().enumerate() {
                out[i + j] += &(a * b);
            }
        }
        UPoly::from_coeffs(out)
    }

    /// Quotient and remainder of division by a nonzero `divisor`.
    pub fn div_rem(&self, divisor: &UPoly) -> Option<(UPoly, UPoly)> {
        let dd = divisor.degree()?;
        let lead_inv = divisor.leading().inv()?;
        let mut rem = self.coeffs.clone();
        if rem.len() <= dd {
            return Some((UPoly::zero(), self.clone()));
        }
        let mut quot = vec![Q::zero(); rem.len() - dd];
        for k in (0..quot.len()).rev() {
            let c = &rem[k + dd] * &lead_inv;
            if c.is_zero() {
                continue;
            }
            for (j, d) in divisor.coeffs.iter().enumerate() {
                let t = &c * d;
                rem[k + j] -= &t;
            }
            quot[k] = c;
        }
        rem.truncate(dd);
        Some((UPoly::from_coeffs(quot), UPoly::from_coeffs(rem)))
    }

    /// The polynomial divided by its leading coefficient.
    pub fn monic(&self) -> UPoly {
        match self.leading().inv() {
            Some(l) => self.scale(&l),
            None => UPoly::zero(),
        }
    }

    /// The monic gcd (zero only for two zeros).
    pub fn gcd(&self, other: &UPoly) -> UPoly {
        let (mut a, mut b) = (self.clone(), other.clone());
        while !b.is_zero() {
            let r = a.div_rem(&b).expect("b is nonzero").1;
            a = b;
            b = r.monic();
        }
        a.monic()
    }

    /// The product of the distinct irreducible factors: same roots, each
    /// simple.
    pub fn squarefree(&self) -> UPoly {
        if self.degree().unwrap_or(0) == 0 {
            return self.monic();
        }
        let g = self.gcd(&self.derivative());
        self.div_rem(&g).expect("the gcd is nonzero").0.monic()
    }

    /// Splits off the root 0: `self = x^k · rest` with `rest(0) ≠ 0`.
    pub fn split_zero_roots(&self) -> (usize, UPoly) {
        let k = self.coeffs.iter().take_while(|c| c.is_zero()).count();
        (k, UPoly::from_coeffs(self.coeffs[k.min(self.coeffs.len())..].to_vec()))
    }

    /// A rational bound strictly above the absolute value of every root
    /// (Cauchy's bound, 1 + max |a_k / a_n|); `None` for a constant.
    pub fn root_bound(&self) -> Option<Q> {
        let n = self.degree().filter(|&n| n > 0)?;
        let lead = self.coeffs[n].abs();
        let max = self.coeffs[..n].iter().map(|c| &c.abs() / &lead).max().unwrap_or_else(Q::zero);
        Some(&max + &Q::one())
    }

    /// Prints in the variable `var`, highest degree first: `x^2 - 3*x + 1`.
    pub fn display(&self, var: &str) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let terms = self.coeffs.iter().enumerate().rev().map(|(k, c)| {
            let power = match k {
                0 => String::new(),
                1 => var.to_string(),
                _ => format!("{var}^{k}"),
            };
            (c.clone(), power)
        });
        super::print::linear_combination(terms)
    }
}

impl fmt::Display for UPoly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display("x"))
    }
}

/// The coefficients of the characteristic polynomial `det(λI − M)`, lowest
/// degree first (the last is 1), by the Faddeev–LeVerrier recurrence:
/// `N_1 = I`, `c_{n−k} = −tr(M N_k)/k`, `N_{k+1} = M N_k + c_{n−k} I`. It
/// only divides by the integers 1..n, so it works over polynomials too.
pub fn characteristic_polynomial<T: Scalar>(m: &Matrix<T>) -> Result<Vec<T>, MatrixError> {
    if !m.is_square() {
        return Err(MatrixError::NotSquare { rows: m.rows(), cols: m.cols() });
    }
    let n = m.rows();
    let mut coeffs = vec![T::zero(); n + 1];
    coeffs[n] = T::one();
    let mut nk: Matrix<T> = Matrix::identity(n);
    let mut k_as_t = T::zero();
    for k in 1..=n {
        k_as_t = k_as_t.add(&T::one());
        let mn = m.mul(&nk)?;
        let trace = (0..n).fold(T::zero(), |acc, i| acc.add(mn.get(i, i)));
        let c = trace.neg().exact_div(&k_as_t).expect("dividing by a nonzero integer is exact over Q");
        coeffs[n - k] = c.clone();
        if k < n {
            nk = mn;
            for i in 0..n {
                let v = nk.get(i, i).add(&c);
                nk.set(i, i, v);
            }
        }
    }
    Ok(coeffs)
}

/// The Sturm sequence of a squarefree polynomial: `p, p', −rem(p, p'), …`,
/// each term scaled by a positive constant (which keeps every sign).
#[derive(Clone, Debug)]
pub struct Sturm {
    seq: Vec<UPoly>,
}

impl Sturm {
    pub fn new(p: &UPoly) -> Sturm {
        let mut seq = vec![p.clone()];
        let mut next = p.derivative();
        while !next.is_zero() {
            let lead = next.leading().abs();
            next = next.scale(&lead.inv().expect("a nonzero leading coefficient"));
            let prev = seq.last().expect("the sequence starts with p");
            let rem = prev.div_rem(&next).expect("next is nonzero").1;
            seq.push(next);
            next = rem.scale(&Q::from_int(-1));
        }
        Sturm { seq }
    }

    fn changes(signs: impl Iterator<Item = i32>) -> usize {
        let mut last = 0;
        let mut count = 0;
        for s in signs.filter(|&s| s != 0) {
            if last != 0 && s != last {
                count += 1;
            }
            last = s;
        }
        count
    }

    /// Sign changes of the sequence at `x`, zeros dropped.
    pub fn changes_at(&self, x: &Q) -> usize {
        Sturm::changes(self.seq.iter().map(|p| p.eval(x).signum()))
    }

    /// Sign changes at +∞ (the signs of the leading coefficients).
    pub fn changes_at_infinity(&self) -> usize {
        Sturm::changes(self.seq.iter().map(|p| p.leading().signum()))
    }

    /// The number of distinct real roots above `x`. For a squarefree
    /// polynomial, counting with zeros dropped makes this right even when
    /// `x` is a root (just right of a simple root, p and p' agree in sign).
    pub fn roots_above(&self, x: &Q) -> usize {
        self.changes_at(x).saturating_sub(self.changes_at_infinity())
    }
}

/// A real root given exactly: the squarefree polynomial it is a root of and
/// an interval `(lo, hi]` holding no other root of it. When the root is
/// rational and was met, `lo == hi` is the root.
#[derive(Clone, Debug, PartialEq)]
pub struct RealRoot {
    pub poly: UPoly,
    pub lo: Q,
    pub hi: Q,
}

impl RealRoot {
    /// The root itself, when it is known to be rational.
    pub fn exact(&self) -> Option<&Q> {
        (self.lo == self.hi).then_some(&self.hi)
    }

    /// Narrows the interval until `hi − lo ≤ width` (or the root is met).
    pub fn refine(&mut self, width: &Q) {
        let sturm = Sturm::new(&self.poly);
        while self.exact().is_none() && &(&self.hi - &self.lo) > width {
            let mid = &(&self.lo + &self.hi) / &Q::from_int(2);
            if self.poly.eval(&mid).is_zero() {
                self.lo = mid.clone();
                self.hi = mid;
                return;
            }
            // The root is in (lo, mid] when nothing lies above mid except
            // roots above hi, of which there are none by construction.
            if sturm.roots_above(&mid) == sturm.roots_above(&self.hi) {
                self.hi = mid;
            } else {
                self.lo = mid;
            }
        }
        if self.exact().is_none() && self.poly.eval(&self.hi).is_zero() {
            self.lo = self.hi.clone();
        }
    }

    /// Widens the interval to ends with `digits` significant decimal digits
    /// when it still holds only this root, for readable bounds.
    pub fn round_outward(&mut self, digits: u32) {
        if self.exact().is_some() {
            return;
        }
        let (lo, hi) =
            (round_decimal(&self.lo, digits, Ordering::Less), round_decimal(&self.hi, digits, Ordering::Greater));
        let sturm = Sturm::new(&self.poly);
        if sturm.roots_above(&lo) == 1 + sturm.roots_above(&hi) && sturm.roots_above(&hi) == sturm.roots_above(&self.hi)
        {
            self.lo = lo;
            self.hi = hi;
        }
    }
}

/// The largest real root of `p`, isolated by bisection with a Sturm
/// sequence; `None` when `p` has no real root.
pub fn largest_root(p: &UPoly) -> Option<RealRoot> {
    let s = p.squarefree();
    let bound = s.root_bound()?;
    let sturm = Sturm::new(&s);
    let (mut lo, mut hi) = (-&bound, bound);
    if sturm.roots_above(&lo) == 0 {
        return None;
    }
    // Invariant: at least one root above lo, none above hi.
    while sturm.roots_above(&lo) > 1 {
        let mid = &(&lo + &hi) / &Q::from_int(2);
        if sturm.roots_above(&mid) >= 1 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut root = RealRoot { poly: s, lo, hi };
    if root.poly.eval(&root.hi).is_zero() {
        root.lo = root.hi.clone();
    }
    Some(root)
}

/// Writes √q for a positive rational q as `s·√k` with `s` rational and `k`
/// a positive integer freed of the square factors found by trial division
/// (`k = 1` when q is a perfect square). `None` for a negative q.
pub fn sqrt_parts(q: &Q) -> Option<(Q, BigInt)> {
    if q.is_negative() {
        return None;
    }
    if q.is_zero() {
        return Some((Q::zero(), BigInt::one()));
    }
    // √(n/d) = √(n·d)/d.
    let (n, d) = (q.numer(), q.denom());
    let mut rest = &n * &d;
    let mut root = BigInt::one();
    let mut p = BigInt::from(2);
    let limit = BigInt::from(100_000);
    while &p * &p <= rest && p <= limit {
        let square = &p * &p;
        while (&rest % &square).is_zero() {
            rest /= &square;
            root *= &p;
        }
        p += BigInt::one();
    }
    if let Some(r) = integer_sqrt(&rest) {
        root *= r;
        rest = BigInt::one();
    }
    Some((Q::from_bigints(root, d), rest))
}

/// The square root of a perfect square.
fn integer_sqrt(n: &BigInt) -> Option<BigInt> {
    let r = n.sqrt();
    (&r * &r == *n).then_some(r)
}

/// `q` rounded to `digits` significant decimal digits, down (`Less`) or up
/// (`Greater`); zero stays zero.
pub fn round_decimal(q: &Q, digits: u32, direction: Ordering) -> Q {
    let (mantissa, exponent) = decimal_parts(q, digits, direction);
    scaled(&mantissa, exponent)
}

/// `q ≈ mantissa / 10^exponent` with `digits` significant digits, rounded
/// in `direction`.
pub fn decimal_parts(q: &Q, digits: u32, direction: Ordering) -> (BigInt, i64) {
    if q.is_zero() {
        return (BigInt::zero(), 0);
    }
    let low = Q::from_bigints(num_traits::pow(BigInt::from(10), digits as usize - 1), BigInt::one());
    let high = &low * &Q::from_int(10);
    let a = q.abs();
    let mut e: i64 = 0;
    while &a * &Q::from_int(10).pow(e).expect("ten is nonzero") < low {
        e += 1;
    }
    while &a * &Q::from_int(10).pow(e).expect("ten is nonzero") >= high {
        e -= 1;
    }
    let scaled_q = q * &Q::from_int(10).pow(e).expect("ten is nonzero");
    let floor = scaled_q.floor();
    let exact = Q::from_bigints(floor.clone(), BigInt::one()) == scaled_q;
    let m = if direction == Ordering::Greater && !exact { floor + BigInt::one() } else { floor };
    (m, e)
}

fn scaled(mantissa: &BigInt, exponent: i64) -> Q {
    let ten = Q::from_int(10).pow(-exponent).expect("ten is nonzero");
    &Q::from_bigints(mantissa.clone(), BigInt::one()) * &ten
}

/// `mantissa / 10^exponent` written as a decimal: `0.0632`, `15.82`, `1200`.
pub fn decimal_text(mantissa: &BigInt, exponent: i64) -> String {
    let negative = mantissa.is_negative();
    let digits = mantissa.abs().to_string();
    let body = if exponent <= 0 {
        format!("{digits}{}", "0".repeat((-exponent) as usize))
    } else {
        let e = exponent as usize;
        let padded = if digits.len() <= e { format!("{}{digits}", "0".repeat(e - digits.len() + 1)) } else { digits };
        let (int, frac) = padded.split_at(padded.len() - e);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") }
    };
    if negative { format!("-{body}") } else { body }
}

/// `q` as a decimal with `digits` significant digits, rounded in
/// `direction`: exact for the bound it states.
pub fn decimal(q: &Q, digits: u32, direction: Ordering) -> String {
    let (m, e) = decimal_parts(q, digits, direction);
    decimal_text(&m, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(c: &[i64]) -> UPoly {
        UPoly::from_coeffs(c.iter().map(|&x| Q::from_int(x)).collect())
    }

    fn qm(rows: &[&[i64]]) -> Matrix<Q> {
        Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&x| Q::from_int(x)).collect()).collect()).unwrap()
    }

    #[test]
    fn division_and_gcd() {
        // (x − 1)^2 (x + 2) = x^3 − 3x + 2
        let p = up(&[2, -3, 0, 1]);
        let (q, r) = p.div_rem(&up(&[-1, 1])).unwrap();
        assert_eq!(q, up(&[-2, 1, 1]));
        assert!(r.is_zero());
        assert_eq!(p.gcd(&p.derivative()), up(&[-1, 1]));
        assert_eq!(p.squarefree(), up(&[-2, 1, 1]));
        assert_eq!(up(&[0, 0, 3, 1]).split_zero_roots(), (2, up(&[3, 1])));
    }

    #[test]
    fn characteristic_polynomial_by_hand() {
        // [[2, 1], [1, 2]]: λ² − 4λ + 3.
        let c = characteristic_polynomial(&qm(&[&[2, 1], &[1, 2]])).unwrap();
        assert_eq!(UPoly::from_coeffs(c), up(&[3, -4, 1]));
        // A 3×3 with a row swap's worth of zeros: det(λI − M) at λ = 0 is −det M.
        let m = qm(&[&[0, 1, 2], &[3, 4, 5], &[6, 7, 9]]);
        let c = UPoly::from_coeffs(characteristic_polynomial(&m).unwrap());
        assert_eq!(c.eval(&Q::zero()), -&m.det().unwrap());
        assert_eq!(c.coeffs()[2], Q::from_int(-13));
    }

    #[test]
    fn largest_root_irrational_and_rational() {
        // x² − 16x + 3 has roots 8 ± √61; the largest is ≈ 15.81025.
        let mut r = largest_root(&up(&[3, -16, 1])).unwrap();
        assert!(r.exact().is_none());
        r.refine(&Q::new(1, 1_000_000));
        assert!(r.lo < Q::new(1581025, 100000) && Q::new(1581024, 100000) < r.hi);
        r.round_outward(6);
        assert_eq!((r.lo.clone(), r.hi.clone()), (Q::new(158102, 10000), Q::new(158103, 10000)));
        // x(x − 70): bisection from ±71 never lands on 70, but the
        // interval holds it.
        let mut r = largest_root(&up(&[0, -70, 1])).unwrap();
        r.refine(&Q::new(1, 1000));
        assert!(r.lo < Q::from_int(70) && Q::from_int(70) <= r.hi && &r.hi - &r.lo <= Q::new(1, 1000));
        // (x − 1)(x + 1) isolated in (0, 2]: the first midpoint is the root.
        let mut r = largest_root(&up(&[-1, 0, 1])).unwrap();
        r.refine(&Q::new(1, 1000));
        assert_eq!(r.exact(), Some(&Q::one()));
        // No real roots.
        assert!(largest_root(&up(&[1, 0, 1])).is_none());
    }

    #[test]
    fn square_roots_split_off_squares() {
        assert_eq!(sqrt_parts(&Q::from_int(244)), Some((Q::from_int(2), BigInt::from(61))));
        assert_eq!(sqrt_parts(&Q::new(9, 4)), Some((Q::new(3, 2), BigInt::one())));
        assert_eq!(sqrt_parts(&Q::new(1, 2)), Some((Q::new(1, 2), BigInt::from(2))));
        assert_eq!(sqrt_parts(&Q::from_int(-1)), None);
    }

    #[test]
    fn decimals_round_the_way_asked() {
        let q = Q::new(1, 15);
        assert_eq!(decimal(&q, 3, Ordering::Less), "0.0666");
        assert_eq!(decimal(&q, 3, Ordering::Greater), "0.0667");
        assert_eq!(decimal(&Q::from_int(1200), 2, Ordering::Less), "1200");
        assert_eq!(decimal(&Q::new(-5, 2), 3, Ordering::Less), "-2.5");
        assert_eq!(round_decimal(&Q::new(1, 3), 2, Ordering::Greater), Q::new(34, 100));
    }
}
