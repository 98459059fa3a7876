//! Sparse multivariate polynomials over Q.
//!
//! A [`Poly`] is a list of terms (monomial, nonzero coefficient) sorted by a
//! lexicographic monomial order, leading term first. The representation is
//! canonical, so two polynomials are equal exactly when their term lists are.
//! A [`Monomial`] is a sorted list of (variable, positive exponent) pairs;
//! most monomials in nnkey have one or two variables and live inline.

use std::cmp::Ordering;
use std::ops::{Add, Mul, Neg, Sub};

use smallvec::SmallVec;

use super::rational::Q;
use super::ring::Var;

/// A product of variables with positive exponents, sorted by variable.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct Monomial(SmallVec<[(Var, u32); 2]>);

impl Monomial {
    pub fn one() -> Monomial {
        Monomial(SmallVec::new())
    }

    pub fn var(v: Var) -> Monomial {
        Monomial::var_pow(v, 1)
    }

    pub fn var_pow(v: Var, e: u32) -> Monomial {
        if e == 0 {
            return Monomial::one();
        }
        let mut m = SmallVec::new();
        m.push((v, e));
        Monomial(m)
    }

    /// Builds a monomial from (variable, exponent) pairs in any order;
    /// repeated variables add up and zero exponents vanish.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Var, u32)>) -> Monomial {
        let mut m: SmallVec<[(Var, u32); 2]> = pairs.into_iter().filter(|p| p.1 > 0).collect();
        m.sort_unstable_by_key(|p| p.0);
        let mut out: SmallVec<[(Var, u32); 2]> = SmallVec::new();
        for (v, e) in m {
            match out.last_mut() {
                Some(last) if last.0 == v => last.1 += e,
                _ => out.push((v, e)),
            }
        }
        Monomial(out)
    }

    pub fn is_one(&self) -> bool {
        self.0.is_empty()
    }

    pub fn pairs(&self) -> &[(Var, u32)] {
        &self.0
    }

    pub fn degree(&self) -> u32 {
        self.0.iter().map(|p| p.1).sum()
    }

    pub fn exponent(&self, v: Var) -> u32 {
        self.0.iter().find(|p| p.0 == v).map_or(0, |p| p.1)
    }

    pub fn mul(&self, other: &Monomial) -> Monomial {
        if self.is_one() {
            return other.clone();
        }
        if other.is_one() {
            return self.clone();
        }
        let (a, b) = (&self.0, &other.0);
        let mut out = SmallVec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                Ordering::Equal => {
                    out.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Monomial(out)
    }

    /// `self / other` when `other` divides `self`.
    pub fn div(&self, other: &Monomial) -> Option<Monomial> {
        let mut out = SmallVec::new();
        let mut j = 0;
        for &(v, e) in &self.0 {
            if j < other.0.len() && other.0[j].0 < v {
                return None;
            }
            if j < other.0.len() && other.0[j].0 == v {
                let f = other.0[j].1;
                j += 1;
                match e.cmp(&f) {
                    Ordering::Less => return None,
                    Ordering::Equal => {}
                    Ordering::Greater => out.push((v, e - f)),
                }
            } else {
                out.push((v, e));
            }
        }
        if j < other.0.len() {
            return None;
        }
        Some(Monomial(out))
    }

    /// The monomial without variable `v`, and the exponent `v` had.
    pub fn split_off(&self, v: Var) -> (u32, Monomial) {
        let e = self.exponent(v);
        (e, Monomial(self.0.iter().copied().filter(|p| p.0 != v).collect()))
    }
}

/// Lexicographic order: the variable with the smallest index is the most
/// significant. It is a monomial order (compatible with multiplication),
/// which division and gcd rely on.
impl Ord for Monomial {
    fn cmp(&self, other: &Monomial) -> Ordering {
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            if a.0 != b.0 {
                return if a.0 < b.0 { Ordering::Greater } else { Ordering::Less };
            }
            if a.1 != b.1 {
                return a.1.cmp(&b.1);
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for Monomial {
    fn partial_cmp(&self, other: &Monomial) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A polynomial with rational coefficients in the variables of a ring.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct Poly {
    /// Descending by monomial; every coefficient nonzero.
    terms: Vec<(Monomial, Q)>,
}

impl Poly {
    pub fn zero() -> Poly {
        Poly { terms: Vec::new() }
    }

    pub fn one() -> Poly {
        Poly::constant(Q::one())
    }

    pub fn constant(q: Q) -> Poly {
        Poly::term(Monomial::one(), q)
    }

    pub fn var(v: Var) -> Poly {
        Poly::term(Monomial::var(v), Q::one())
    }

    pub fn term(m: Monomial, q: Q) -> Poly {
        if q.is_zero() { Poly::zero() } else { Poly { terms: vec![(m, q)] } }
    }

    /// Builds a polynomial from terms in any order, adding up repeated
    /// monomials and dropping zeros.
    pub fn from_terms(mut terms: Vec<(Monomial, Q)>) -> Poly {
        terms.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        let mut out: Vec<(Monomial, Q)> = Vec::with_capacity(terms.len());
        for (m, q) in terms {
            match out.last_mut() {
                Some(last) if last.0 == m => last.1 += &q,
                _ => out.push((m, q)),
            }
        }
        out.retain(|t| !t.1.is_zero());
        Poly { terms: out }
    }

    pub fn terms(&self) -> &[(Monomial, Q)] {
        &self.terms
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn is_one(&self) -> bool {
        self.terms.len() == 1 && self.terms[0].0.is_one() && self.terms[0].1.is_one()
    }

    pub fn is_constant(&self) -> bool {
        self.terms.is_empty() || (self.terms.len() == 1 && self.terms[0].0.is_one())
    }

    /// The value of a constant polynomial.
    pub fn as_constant(&self) -> Option<Q> {
        match self.terms.as_slice() {
            [] => Some(Q::zero()),
            [(m, q)] if m.is_one() => Some(q.clone()),
            _ => None,
        }
    }

    /// The single variable this polynomial is, if it is exactly one variable.
    pub fn as_var(&self) -> Option<Var> {
        match self.terms.as_slice() {
            [(m, q)] if q.is_one() && m.pairs().len() == 1 && m.pairs()[0].1 == 1 => Some(m.pairs()[0].0),
            _ => None,
        }
    }

    /// The leading term in the lexicographic order.
    pub fn leading(&self) -> Option<&(Monomial, Q)> {
        self.terms.first()
    }

    /// The leading coefficient (zero for the zero polynomial).
    pub fn leading_coeff(&self) -> Q {
        self.terms.first().map_or(Q::zero(), |t| t.1.clone())
    }

    pub fn total_degree(&self) -> u32 {
        self.terms.iter().map(|t| t.0.degree()).max().unwrap_or(0)
    }

    pub fn degree_in(&self, v: Var) -> u32 {
        self.terms.iter().map(|t| t.0.exponent(v)).max().unwrap_or(0)
    }

    /// The variables that occur, in increasing order.
    pub fn vars(&self) -> Vec<Var> {
        let mut vs: Vec<Var> = self.terms.iter().flat_map(|t| t.0.pairs().iter().map(|p| p.0)).collect();
        vs.sort_unstable();
        vs.dedup();
        vs
    }

    /// Whether every term has degree at most one.
    pub fn is_affine(&self) -> bool {
        self.terms.iter().all(|t| t.0.degree() <= 1)
    }

    pub fn scale(&self, q: &Q) -> Poly {
        if q.is_zero() {
            return Poly::zero();
        }
        Poly { terms: self.terms.iter().map(|(m, c)| (m.clone(), c * q)).collect() }
    }

    /// Multiplies by one term. The order is preserved, so no sorting.
    pub fn mul_term(&self, m: &Monomial, q: &Q) -> Poly {
        if q.is_zero() {
            return Poly::zero();
        }
        Poly { terms: self.terms.iter().map(|(n, c)| (n.mul(m), c * q)).collect() }
    }

    pub fn pow(&self, e: u32) -> Poly {
        let mut result = Poly::one();
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

    /// `self / divisor` when the division is exact, by repeatedly cancelling
    /// the leading term; `None` when a remainder is left.
    pub fn exact_div(&self, divisor: &Poly) -> Option<Poly> {
        let (lm, lc) = divisor.leading()?;
        if divisor.terms.len() == 1 {
            let terms: Option<Vec<_>> = self.terms.iter().map(|(m, c)| Some((m.div(lm)?, c / lc))).collect();
            return Some(Poly { terms: terms? });
        }
        let mut rest = self.clone();
        let mut quotient = Vec::new();
        while let Some((m, c)) = rest.leading() {
            let qm = m.div(lm)?;
            let qc = c / lc;
            rest = &rest - &divisor.mul_term(&qm, &qc);
            quotient.push((qm, qc));
        }
        Some(Poly { terms: quotient })
    }

    /// Evaluates with every variable replaced by a rational.
    pub fn eval(&self, value: &impl Fn(Var) -> Q) -> Q {
        let mut sum = Q::zero();
        for (m, c) in &self.terms {
            let mut t = c.clone();
            for &(v, e) in m.pairs() {
                t = &t * &value(v).pow(e as i64).expect("nonnegative power");
            }
            sum += &t;
        }
        sum
    }

    /// Evaluates in floating point; for the numeric cross-check only.
    pub fn eval_f64(&self, value: &impl Fn(Var) -> f64) -> f64 {
        self.terms
            .iter()
            .map(|(m, c)| m.pairs().iter().fold(c.to_f64(), |acc, &(v, e)| acc * value(v).powi(e as i32)))
            .sum()
    }

    /// Replaces the variables for which `with` gives a polynomial.
    pub fn substitute(&self, with: &impl Fn(Var) -> Option<Poly>) -> Poly {
        let mut out = Poly::zero();
        for (m, c) in &self.terms {
            let mut t = Poly::constant(c.clone());
            let mut kept = Vec::new();
            for &(v, e) in m.pairs() {
                match with(v) {
                    Some(p) => t = &t * &p.pow(e),
                    None => kept.push((v, e)),
                }
            }
            out = &out + &t.mul_term(&Monomial::from_pairs(kept), &Q::one());
        }
        out
    }

    /// The coefficients of `self` as a polynomial in `v`: entry `k` is the
    /// coefficient of `v^k`, a polynomial free of `v`.
    pub fn coefficients_in(&self, v: Var) -> Vec<Poly> {
        let mut buckets: Vec<Vec<(Monomial, Q)>> = vec![Vec::new(); self.degree_in(v) as usize + 1];
        for (m, c) in &self.terms {
            let (e, rest) = m.split_off(v);
            buckets[e as usize].push((rest, c.clone()));
        }
        buckets.into_iter().map(Poly::from_terms).collect()
    }

    /// Rebuilds `sum coeffs[k] * v^k`.
    pub fn from_coefficients_in(v: Var, coeffs: &[Poly]) -> Poly {
        let mut terms = Vec::new();
        for (k, c) in coeffs.iter().enumerate() {
            let vk = Monomial::var_pow(v, k as u32);
            for (m, q) in &c.terms {
                terms.push((m.mul(&vk), q.clone()));
            }
        }
        Poly::from_terms(terms)
    }

    /// The gcd of the coefficients, carrying the sign of the leading one,
    /// so that `self / content` has coprime integer coefficients and a
    /// positive leading coefficient.
    pub fn content(&self) -> Q {
        let mut g = Q::zero();
        for (_, c) in &self.terms {
            g = Q::gcd(&g, c);
        }
        if self.leading_coeff().is_negative() { -g } else { g }
    }

    /// `self` divided by its [`content`](Poly::content).
    pub fn primitive(&self) -> Poly {
        if self.is_zero() {
            return Poly::zero();
        }
        let c = self.content();
        self.scale(&c.inv().expect("content of a nonzero polynomial is nonzero"))
    }
}

impl From<Q> for Poly {
    fn from(q: Q) -> Poly {
        Poly::constant(q)
    }
}

impl From<i64> for Poly {
    fn from(n: i64) -> Poly {
        Poly::constant(Q::from_int(n))
    }
}

impl<'a> Add<&'a Poly> for &'a Poly {
    type Output = Poly;
    fn add(self, other: &Poly) -> Poly {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let (a, b) = (&self.terms, &other.terms);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                Ordering::Greater => {
                    out.push(a[i].clone());
                    i += 1;
                }
                Ordering::Less => {
                    out.push(b[j].clone());
                    j += 1;
                }
                Ordering::Equal => {
                    let c = &a[i].1 + &b[j].1;
                    if !c.is_zero() {
                        out.push((a[i].0.clone(), c));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Poly { terms: out }
    }
}

impl Neg for &Poly {
    type Output = Poly;
    fn neg(self) -> Poly {
        Poly { terms: self.terms.iter().map(|(m, c)| (m.clone(), -c)).collect() }
    }
}

impl<'a> Sub<&'a Poly> for &'a Poly {
    type Output = Poly;
    fn sub(self, other: &Poly) -> Poly {
        self + &(-other)
    }
}

impl<'a> Mul<&'a Poly> for &'a Poly {
    type Output = Poly;
    fn mul(self, other: &Poly) -> Poly {
        if self.is_zero() || other.is_zero() {
            return Poly::zero();
        }
        if other.terms.len() == 1 {
            return self.mul_term(&other.terms[0].0, &other.terms[0].1);
        }
        if self.terms.len() == 1 {
            return other.mul_term(&self.terms[0].0, &self.terms[0].1);
        }
        let mut terms = Vec::with_capacity(self.terms.len() * other.terms.len());
        for (m, c) in &self.terms {
            for (n, d) in &other.terms {
                terms.push((m.mul(n), c * d));
            }
        }
        Poly::from_terms(terms)
    }
}

macro_rules! owned_poly_ops {
    ($($trait:ident $method:ident),*) => {$(
        impl $trait<Poly> for Poly {
            type Output = Poly;
            fn $method(self, other: Poly) -> Poly {
                (&self).$method(&other)
            }
        }
    )*};
}

owned_poly_ops!(Add add, Sub sub, Mul mul);

impl Neg for Poly {
    type Output = Poly;
    fn neg(self) -> Poly {
        -&self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Poly {
        Poly::var(Var(0))
    }
    fn y() -> Poly {
        Poly::var(Var(1))
    }
    fn c(n: i64) -> Poly {
        Poly::from(n)
    }

    #[test]
    fn expansion_is_canonical() {
        let a = (&x() + &y()).pow(2);
        let b = &(&(&x() * &x()) + &(&c(2) * &(&x() * &y()))) + &(&y() * &y());
        assert_eq!(a, b);
        assert_eq!(&a - &b, Poly::zero());
        assert_eq!((&x() - &x()).len(), 0);
    }

    #[test]
    fn leading_term_is_lexicographic() {
        // x > y^5 in lex order with x the first variable.
        let p = &x() + &y().pow(5);
        assert_eq!(p.leading().unwrap().0, Monomial::var(Var(0)));
    }

    #[test]
    fn exact_division() {
        let a = &x() + &y();
        let b = &x() - &y();
        let prod = &a * &b;
        assert_eq!(prod.exact_div(&a), Some(b.clone()));
        assert_eq!(prod.exact_div(&b), Some(a.clone()));
        assert_eq!((&prod + &c(1)).exact_div(&a), None);
        assert_eq!(x().exact_div(&y()), None);
    }

    #[test]
    fn evaluation_and_substitution() {
        let p = &(&x() * &y()) + &c(3);
        let v = |var: Var| if var == Var(0) { Q::from_int(2) } else { Q::new(1, 2) };
        assert_eq!(p.eval(&v), Q::from_int(4));
        let s = p.substitute(&|var| (var == Var(1)).then(|| &x() + &c(1)));
        assert_eq!(s, &(&(&x() * &x()) + &x()) + &c(3));
    }

    #[test]
    fn coefficients_round_trip() {
        let p = &(&(&x() * &x()) * &y()) + &(&y() + &c(7));
        let coeffs = p.coefficients_in(Var(0));
        assert_eq!(coeffs.len(), 3);
        assert_eq!(coeffs[1], Poly::zero());
        assert_eq!(Poly::from_coefficients_in(Var(0), &coeffs), p);
    }

    #[test]
    fn content_and_primitive_part() {
        let p = &x().scale(&Q::new(-1, 2)) + &c(3).scale(&Q::new(1, 3));
        // -x/2 + 1: content -1/2, primitive part x - 2.
        assert_eq!(p.content(), Q::new(-1, 2));
        assert_eq!(p.primitive(), &x() - &c(2));
    }
}
