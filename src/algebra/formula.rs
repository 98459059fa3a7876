//! Exact exponential formulas: `2^(L*d)`, `3*2^d + 1`, `n_f*n_g`.
//!
//! Counts of regions grow like `2^(L*d)`, with the size in the exponent,
//! which no polynomial can hold. A [`Formula`] is a finite sum of terms
//! `c · ∏ base^exponent` with a rational coefficient, bases that are primes
//! or variables, and polynomial exponents. Its form is canonical, so `==` is
//! mathematical equality: `2^(L*d)`, `(2^L)^d`, `4^(L*d/2)` and
//! `2^(L*d - 1) * 2` are one value.
//!
//! Canonical form of a term: factors sorted by base (primes first, then
//! variables by [`Var`]), each base once, no zero exponent; a prime's
//! exponent keeps its constant term in `[0, 1)`, the integer part going into
//! the coefficient (`2^(d+2)` is `4·2^d`). Terms with equal factors are
//! merged and kept sorted, constant last.

use std::cmp::Ordering;
use std::ops::{Add, Mul, Neg, Sub};

use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

use super::poly::Poly;
use super::print::{self, Print};
use super::rational::Q;
use super::ring::{Ring, Var};

/// Trial division stops at this divisor; a cofactor left over is accepted
/// only when it is provably prime (below the square of the limit).
const TRIAL_LIMIT: u64 = 1_000_000;

/// Exact powers larger than this many binary digits are refused rather than
/// computed, so that a key like `2^(10^12)` fails instead of exhausting memory.
pub const MAX_BITS: u64 = 1_000_000;

/// A sum raised to a higher power than this is not expanded.
const MAX_EXPANDED_POWER: i64 = 100;

/// The base of a power: primes sort before variables.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Base {
    Prime(u64),
    Var(Var),
}

/// `coeff · ∏ base^exponent` in canonical form (see the module comment).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Term {
    coeff: Q,
    factors: Vec<(Base, Poly)>,
}

/// A finite sum of products of powers; see the module comment.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Formula {
    /// Nonzero coefficients, distinct factor lists, descending by
    /// [`cmp_factors`], so the constant term is last.
    terms: Vec<Term>,
}

/// A total order on polynomials (any fixed one will do for sorting terms).
fn cmp_poly(a: &Poly, b: &Poly) -> Ordering {
    a.terms().iter().cmp(b.terms().iter())
}

fn cmp_factors(a: &[(Base, Poly)], b: &[(Base, Poly)]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x.0.cmp(&y.0).then_with(|| cmp_poly(&x.1, &y.1));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// `q^e`, refused when the result would exceed [`MAX_BITS`].
fn checked_pow(q: &Q, e: i64) -> Result<Q, String> {
    let bits = q.numer().bits().max(q.denom().bits()).saturating_sub(1);
    if e.unsigned_abs().saturating_mul(bits) > MAX_BITS {
        return Err(format!(
            "{q}^{e} has more than {MAX_BITS} binary digits; nnkey does not compute powers this large"
        ));
    }
    q.pow(e).ok_or_else(|| "zero to a negative power".to_string())
}

fn to_exponent(q: &Q) -> Result<i64, String> {
    q.to_i64().ok_or_else(|| format!("the exponent {q} is too large"))
}

/// The prime factorization of `n ≥ 1` by trial division.
fn factor(n: &BigUint) -> Result<Vec<(u64, u32)>, String> {
    let mut rest = n.clone();
    let mut out = Vec::new();
    let mut p: u64 = 2;
    while p <= TRIAL_LIMIT && BigUint::from(p) * p <= rest {
        let mut k = 0;
        loop {
            let (q, r) = rest.div_rem(&BigUint::from(p));
            if !r.is_zero() {
                break;
            }
            rest = q;
            k += 1;
        }
        if k > 0 {
            out.push((p, k));
        }
        p += if p == 2 { 1 } else { 2 };
    }
    if !rest.is_one() {
        // No divisor up to min(p, √rest) remains, so rest is prime when below p².
        match rest.to_u64() {
            Some(r) if (r as u128) < (p as u128) * (p as u128) => out.push((r, 1)),
            _ => return Err(format!("cannot factor {n}: it has no prime factor up to {TRIAL_LIMIT} to split off")),
        }
    }
    Ok(out)
}

/// Puts a term in canonical form. Fails only when the integer part of a
/// prime's exponent makes the coefficient too large.
fn term(mut coeff: Q, mut factors: Vec<(Base, Poly)>) -> Result<Term, String> {
    factors.sort_by_key(|f| f.0);
    let mut merged: Vec<(Base, Poly)> = Vec::with_capacity(factors.len());
    for (b, e) in factors {
        match merged.last_mut() {
            Some(last) if last.0 == b => last.1 = &last.1 + &e,
            _ => merged.push((b, e)),
        }
    }
    let mut kept = Vec::with_capacity(merged.len());
    for (b, mut e) in merged {
        if let Base::Prime(p) = b {
            let constant = e.terms().last().filter(|t| t.0.is_one()).map_or_else(Q::zero, |t| t.1.clone());
            let k = Q::from_bigints(constant.floor(), BigInt::one());
            if !k.is_zero() {
                coeff = &coeff * &checked_pow(&Q::from_int(p as i64), to_exponent(&k)?)?;
                e = &e - &Poly::constant(k);
            }
        }
        if !e.is_zero() {
            kept.push((b, e));
        }
    }
    Ok(Term { coeff, factors: kept })
}

impl Formula {
    /// The terms: each a coefficient and its powers `base^exponent`, in the
    /// canonical order (constant last).
    pub fn terms(&self) -> impl Iterator<Item = (&Q, &[(Base, Poly)])> {
        self.terms.iter().map(|t| (&t.coeff, t.factors.as_slice()))
    }

    pub fn zero() -> Formula {
        Formula::default()
    }

    pub fn constant(q: Q) -> Formula {
        Formula::from_terms(vec![Term { coeff: q, factors: Vec::new() }])
    }

    /// A variable: a symbolic size such as `d`, or a symbol standing for a count.
    pub fn atom(v: Var) -> Formula {
        Formula::from_terms(vec![Term { coeff: Q::one(), factors: vec![(Base::Var(v), Poly::one())] }])
    }

    pub fn from_poly(p: &Poly) -> Formula {
        let terms = p.terms().iter().map(|(m, c)| Term {
            coeff: c.clone(),
            factors: m.pairs().iter().map(|&(v, e)| (Base::Var(v), Poly::from(e as i64))).collect(),
        });
        Formula::from_terms(terms.collect())
    }

    /// Sorts canonical terms, merging equal factor lists and dropping zeros.
    fn from_terms(mut terms: Vec<Term>) -> Formula {
        terms.sort_by(|a, b| cmp_factors(&b.factors, &a.factors));
        let mut out: Vec<Term> = Vec::with_capacity(terms.len());
        for t in terms {
            match out.last_mut() {
                Some(last) if last.factors == t.factors => last.coeff += &t.coeff,
                _ => out.push(t),
            }
        }
        out.retain(|t| !t.coeff.is_zero());
        Formula { terms: out }
    }

    pub fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn is_single_term(&self) -> bool {
        self.terms.len() == 1
    }

    pub fn as_constant(&self) -> Option<Q> {
        match self.terms.as_slice() {
            [] => Some(Q::zero()),
            [t] if t.factors.is_empty() => Some(t.coeff.clone()),
            _ => None,
        }
    }

    /// The polynomial, when every base is a variable with a constant
    /// nonnegative integer exponent.
    pub fn as_poly(&self) -> Option<Poly> {
        let mut out = Poly::zero();
        for t in &self.terms {
            let mut p = Poly::constant(t.coeff.clone());
            for (b, e) in &t.factors {
                let (Base::Var(v), Some(k)) = (b, e.as_constant().and_then(|k| k.to_i64())) else {
                    return None;
                };
                p = &p * &Poly::var(*v).pow(u32::try_from(k).ok()?);
            }
            out = &out + &p;
        }
        Some(out)
    }

    /// Every variable, as an atom or in an exponent, in increasing order.
    pub fn vars(&self) -> Vec<Var> {
        let mut vs = Vec::new();
        for (b, e) in self.terms.iter().flat_map(|t| &t.factors) {
            if let Base::Var(v) = b {
                vs.push(*v);
            }
            vs.extend(e.vars());
        }
        vs.sort_unstable();
        vs.dedup();
        vs
    }

    /// `self^n`; a negative power only of a single term.
    pub fn pow_int(&self, n: i64) -> Result<Formula, String> {
        if n == 0 {
            return Ok(Formula::constant(Q::one()));
        }
        if let [t] = self.terms.as_slice() {
            let factors = t.factors.iter().map(|(b, e)| (*b, e.scale(&Q::from_int(n)))).collect();
            return Ok(Formula::from_terms(vec![term(checked_pow(&t.coeff, n)?, factors)?]));
        }
        if self.is_zero() {
            return if n > 0 { Ok(Formula::zero()) } else { Err("zero to a negative power".into()) };
        }
        if n < 0 {
            return Err("only a single term has negative powers; a sum is not inverted".into());
        }
        if n > MAX_EXPANDED_POWER {
            return Err(format!("a sum to a power above {MAX_EXPANDED_POWER} is not expanded"));
        }
        let (mut result, mut base, mut n) = (Formula::constant(Q::one()), self.clone(), n);
        while n > 0 {
            if n & 1 == 1 {
                result = &result * &base;
            }
            n >>= 1;
            if n > 0 {
                base = &base * &base;
            }
        }
        Ok(result)
    }

    /// `base^exponent`. A symbolic exponent needs a single term with a
    /// positive coefficient, whose primes then carry the exponent.
    pub fn power(base: &Formula, exponent: &Poly) -> Result<Formula, String> {
        if let Some(k) = exponent.as_constant().filter(Q::is_integer) {
            return base.pow_int(to_exponent(&k)?);
        }
        let t = match base.terms.as_slice() {
            [] => return Err("0 to a symbolic power has no single value: it is 1 at exponent 0 and 0 above".into()),
            [t] => t,
            _ => return Err("only a single term has symbolic powers; a sum to a symbolic power is not expanded".into()),
        };
        if t.coeff.is_negative() {
            return Err(format!(
                "{} to a symbolic power changes sign with the exponent and is not real at fractional ones",
                t.coeff
            ));
        }
        let mut factors: Vec<(Base, Poly)> = t.factors.iter().map(|(b, e)| (*b, e * exponent)).collect();
        for (part, sign) in [(t.coeff.numer(), 1), (t.coeff.denom(), -1)] {
            for (p, k) in factor(part.magnitude())? {
                factors.push((Base::Prime(p), exponent.scale(&Q::from_int(sign * k as i64))));
            }
        }
        Ok(Formula::from_terms(vec![term(Q::one(), factors)?]))
    }

    /// `self / divisor` for a single-term divisor.
    pub fn div(&self, divisor: &Formula) -> Result<Formula, String> {
        let t = match divisor.terms.as_slice() {
            [] => return Err("division by zero".into()),
            [t] => t,
            _ => return Err("only a single term divides a formula; a sum does not".into()),
        };
        let coeff = t.coeff.inv().expect("terms are nonzero");
        let inverse = t.factors.iter().map(|(b, e)| (*b, -e)).collect();
        Ok(self * &Formula::from_terms(vec![term(coeff, inverse)?]))
    }

    /// Replaces the atom `v` by `by`. Where `v` is in an exponent, `by` must
    /// be a polynomial, since exponents are.
    pub fn substitute(&self, v: Var, by: &Formula) -> Result<Formula, String> {
        let in_exponent = self.terms.iter().flat_map(|t| &t.factors).any(|(_, e)| e.vars().contains(&v));
        let by_poly = if in_exponent {
            Some(by.as_poly().ok_or("a variable in an exponent can only be replaced by a polynomial")?)
        } else {
            None
        };
        let mut out = Formula::zero();
        for t in &self.terms {
            let mut kept = Vec::new();
            let mut replaced = Formula::constant(Q::one());
            for (b, e) in &t.factors {
                let e = match &by_poly {
                    Some(p) => e.substitute(&|w| (w == v).then(|| p.clone())),
                    None => e.clone(),
                };
                if *b == Base::Var(v) {
                    replaced = &replaced * &Formula::power(by, &e)?;
                } else {
                    kept.push((*b, e));
                }
            }
            let kept = Formula::from_terms(vec![term(t.coeff.clone(), kept)?]);
            out = &out + &(&kept * &replaced);
        }
        Ok(out)
    }

    /// The exact value with every variable at an integer. A value with an
    /// irrational factor (`2^(1/2)`) is an error.
    pub fn eval(&self, value: &impl Fn(Var) -> Option<i64>) -> Result<Q, String> {
        if self.vars().iter().any(|&v| value(v).is_none()) {
            return Err("a variable of the formula has no value".into());
        }
        let at = |v: Var| value(v).expect("checked above");
        let mut sum = Q::zero();
        'terms: for t in &self.terms {
            let mut product = t.coeff.clone();
            // Fractional powers by prime, so that 2^(1/2)·n^(1/2) at n = 2 is 2.
            let mut roots: Vec<(u64, Q)> = Vec::new();
            for (b, e) in &t.factors {
                let e = e.eval(&|v| Q::from_int(at(v)));
                let base = match b {
                    Base::Prime(p) => *p as i128,
                    Base::Var(v) => at(*v) as i128,
                };
                if e.is_integer() {
                    product = &product * &checked_pow(&Q::from_bigints(base.into(), BigInt::one()), to_exponent(&e)?)?;
                    continue;
                }
                match base.cmp(&0) {
                    Ordering::Less => return Err(format!("{base}^({e}) is not a real number")),
                    Ordering::Equal if e.is_negative() => return Err("zero to a negative power".into()),
                    Ordering::Equal => continue 'terms,
                    Ordering::Greater => {}
                }
                for (p, k) in factor(&BigUint::from(base as u128))? {
                    let e = &e * &Q::from_int(k as i64);
                    match roots.iter_mut().find(|r| r.0 == p) {
                        Some(r) => r.1 += &e,
                        None => roots.push((p, e)),
                    }
                }
            }
            for (p, e) in roots {
                if !e.is_integer() {
                    return Err(format!("the value is irrational: it has the factor {p}^({e})"));
                }
                product = &product * &checked_pow(&Q::from_int(p as i64), to_exponent(&e)?)?;
            }
            sum += &product;
        }
        Ok(sum)
    }
}

impl<'a> Add<&'a Formula> for &'a Formula {
    type Output = Formula;
    fn add(self, other: &Formula) -> Formula {
        Formula::from_terms(self.terms.iter().chain(&other.terms).cloned().collect())
    }
}

impl Neg for &Formula {
    type Output = Formula;
    fn neg(self) -> Formula {
        Formula { terms: self.terms.iter().map(|t| Term { coeff: -&t.coeff, factors: t.factors.clone() }).collect() }
    }
}

impl<'a> Sub<&'a Formula> for &'a Formula {
    type Output = Formula;
    fn sub(self, other: &Formula) -> Formula {
        self + &(-other)
    }
}

impl<'a> Mul<&'a Formula> for &'a Formula {
    type Output = Formula;
    fn mul(self, other: &Formula) -> Formula {
        let mut terms = Vec::with_capacity(self.terms.len() * other.terms.len());
        for a in &self.terms {
            for b in &other.terms {
                let factors = a.factors.iter().chain(&b.factors).cloned().collect();
                // Two canonical prime exponents have constant terms below 1
                // each, so at most one factor p moves into the coefficient.
                terms.push(term(&a.coeff * &b.coeff, factors).expect("a product of canonical terms stays small"));
            }
        }
        Formula::from_terms(terms)
    }
}

/// An exponent: in parentheses unless it is a single symbol or a
/// nonnegative integer, and fractions cleared: `2^(d/2)`, `2^((d + 1)/2)`.
fn exponent_text(e: &Poly, ring: &Ring) -> String {
    let l = print::denominators_lcm(e);
    let num = e.scale(&Q::from_bigints(l.clone(), BigInt::one()));
    let n = num.print(ring);
    if l.is_one() {
        if print::is_atomic(e) { n } else { format!("({n})") }
    } else if num.len() > 1 {
        format!("(({n})/{l})")
    } else {
        format!("({n}/{l})")
    }
}

fn factor_text(b: &Base, e: &Poly, ring: &Ring) -> String {
    let base = match b {
        Base::Prime(p) => p.to_string(),
        Base::Var(v) => print::symbol(&ring.symbol(*v)),
    };
    if e.is_one() {
        return base;
    }
    format!("{base}^{}", exponent_text(e, ring))
}

impl Print for Formula {
    fn print(&self, ring: &Ring) -> String {
        let terms = self.terms.iter().map(|t| {
            if t.factors.is_empty() {
                return (t.coeff.clone(), String::new());
            }
            // Variables print in symbol order, as in polynomials.
            let mut factors: Vec<&(Base, Poly)> = t.factors.iter().collect();
            factors.sort_by(|x, y| match (x.0, y.0) {
                (Base::Var(a), Base::Var(b)) => ring.cmp_vars(a, b),
                (a, b) => a.cmp(&b),
            });
            let a = t.coeff.abs();
            let mut body = if a.is_one() { String::new() } else { print::rational(&a) };
            for (b, e) in factors {
                if !body.is_empty() {
                    body.push('*');
                }
                body.push_str(&factor_text(b, e, ring));
            }
            (Q::from_int(t.coeff.signum() as i64), body)
        });
        print::linear_combination(terms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::Symbol;

    struct Vars {
        ring: Ring,
        l: Var,
        d: Var,
        nf: Var,
        ng: Var,
    }

    fn vars() -> Vars {
        let ring = Ring::new();
        let [l, d, nf, ng] = ["L", "d", "n_f", "n_g"].map(|s| ring.var(&Symbol::plain(s)));
        Vars { ring, l, d, nf, ng }
    }

    fn c(n: i64) -> Formula {
        Formula::constant(Q::from_int(n))
    }

    fn pow(b: &Formula, e: &Poly) -> Formula {
        Formula::power(b, e).unwrap()
    }

    #[test]
    fn integer_parts_of_prime_exponents_move_into_the_coefficient() {
        let v = vars();
        let d = Poly::var(v.d);
        let two_d = pow(&c(2), &d);
        assert_eq!(pow(&c(2), &(&d + &Poly::from(2))), &c(4) * &two_d);
        assert_eq!(pow(&c(2), &(&d - &Poly::from(1))), two_d.div(&c(2)).unwrap());
        assert_eq!(&two_d + &two_d, pow(&c(2), &(&d + &Poly::from(1))));
        assert_eq!(Formula::power(&c(8), &Poly::constant(Q::new(1, 3))).unwrap(), c(2));
        assert_eq!((&two_d - &two_d), Formula::zero());
        // 2^(d + 1/2) keeps 1/2 in the exponent and is not 2^d.
        let half = pow(&c(2), &(&d + &Poly::constant(Q::new(1, 2))));
        assert_ne!(half, two_d);
        assert_eq!(half.pow_int(2).unwrap(), &c(2) * &two_d.pow_int(2).unwrap());
    }

    #[test]
    fn powers_of_powers_and_of_composite_bases() {
        let v = vars();
        let (l, d) = (Poly::var(v.l), Poly::var(v.d));
        let ld = pow(&c(2), &(&l * &d));
        assert_eq!(pow(&pow(&c(2), &l), &d), ld);
        assert_eq!(pow(&c(4), &(&l * &d).scale(&Q::new(1, 2))), ld);
        assert_ne!(pow(&c(2), &(&l + &d)), ld);
        assert_eq!(pow(&c(6), &d), &pow(&c(2), &d) * &pow(&c(3), &d));
        assert_eq!(pow(&Formula::constant(Q::new(1, 2)), &d), pow(&c(2), &-&d));
        let nf = Formula::atom(v.nf);
        assert_eq!(pow(&nf.pow_int(2).unwrap(), &d), pow(&nf, &d.scale(&Q::from_int(2))));
    }

    #[test]
    fn polynomials_convert_both_ways() {
        let v = vars();
        let p = &(&Poly::var(v.nf) * &Poly::var(v.ng)) + &Poly::var(v.d).pow(2).scale(&Q::new(3, 2));
        let f = Formula::from_poly(&p);
        assert_eq!(f.as_poly(), Some(p));
        assert_eq!(&Formula::atom(v.ng) * &Formula::atom(v.nf), &Formula::atom(v.nf) * &Formula::atom(v.ng));
        assert_eq!(pow(&c(2), &Poly::var(v.d)).as_poly(), None);
        assert_eq!(Formula::atom(v.d).div(&Formula::atom(v.d)).unwrap().as_constant(), Some(Q::one()));
        assert_eq!(f.vars(), vec![v.d, v.nf, v.ng]);
        assert_eq!(pow(&Formula::atom(v.nf), &(&Poly::var(v.l) * &Poly::var(v.d))).vars(), vec![v.l, v.d, v.nf]);
    }

    #[test]
    fn bad_powers_say_why() {
        let v = vars();
        let d = Poly::var(v.d);
        assert!(Formula::power(&c(-2), &d).unwrap_err().contains("changes sign"));
        assert!(Formula::power(&c(0), &d).unwrap_err().contains("no single value"));
        assert!(Formula::power(&(&c(1) + &Formula::atom(v.d)), &d).unwrap_err().contains("single term"));
        assert!((&c(1) + &Formula::atom(v.d)).pow_int(-1).is_err());
        assert!(c(0).pow_int(-1).is_err());
        assert!(c(2).div(&(&c(1) + &Formula::atom(v.d))).is_err());
        // 1000003 is a prime above the trial limit, provably prime as the
        // cofactor left; a product of two such primes is refused.
        assert!(Formula::power(&c(1_000_003), &d).is_ok());
        let hard = Formula::power(&c(1_000_003 * 1_000_033), &d).unwrap_err();
        assert!(hard.contains("cannot factor"), "{hard}");
        assert!(Formula::power(&c(2), &(&d + &Poly::from(10_000_000))).unwrap_err().contains("binary digits"));
    }

    #[test]
    fn evaluation_is_exact() {
        let v = vars();
        let (l, d) = (Poly::var(v.l), Poly::var(v.d));
        let at = |pairs: Vec<(Var, i64)>| move |x: Var| pairs.iter().find(|p| p.0 == x).map(|p| p.1);
        let f = pow(&c(2), &(&l * &d));
        assert_eq!(f.eval(&at(vec![(v.l, 4), (v.d, 5)])), Ok(Q::from_int(1 << 20)));
        let big = f.eval(&at(vec![(v.l, 10), (v.d, 10)])).unwrap();
        assert_eq!(big, Q::from_int(2).pow(100).unwrap());
        assert!(f.eval(&at(vec![(v.l, 4)])).is_err());
        assert!(f.eval(&at(vec![(v.l, 1000), (v.d, 2000)])).unwrap_err().contains("binary digits"));
        // n^(1/2) is rational exactly at squares, and 2^(d/2)·n^(1/2) at n = 2·square.
        let root = pow(&Formula::atom(v.nf), &Poly::constant(Q::new(1, 2)));
        assert_eq!(root.eval(&at(vec![(v.nf, 9)])), Ok(Q::from_int(3)));
        assert!(root.eval(&at(vec![(v.nf, 2)])).unwrap_err().contains("irrational"));
        assert!(root.eval(&at(vec![(v.nf, -4)])).unwrap_err().contains("not a real number"));
        let mixed = &pow(&c(2), &d.scale(&Q::new(1, 2))) * &root;
        assert_eq!(mixed.eval(&at(vec![(v.d, 1), (v.nf, 8)])), Ok(Q::from_int(4)));
    }

    #[test]
    fn substitution_reaches_atoms_and_exponents() {
        let v = vars();
        let (l, d) = (Poly::var(v.l), Poly::var(v.d));
        let f = &pow(&c(2), &(&l * &d)) + &Formula::atom(v.d);
        let g = f.substitute(v.d, &c(3)).unwrap();
        assert_eq!(g, &pow(&c(8), &l) + &c(3));
        let h = Formula::atom(v.nf).pow_int(2).unwrap().substitute(v.nf, &pow(&c(2), &d)).unwrap();
        assert_eq!(h, pow(&c(4), &d));
        assert!(f.substitute(v.d, &pow(&c(2), &l)).is_err());
    }

    #[test]
    fn prints_in_the_plain_notation() {
        let v = vars();
        let (l, d) = (Poly::var(v.l), Poly::var(v.d));
        let r = &v.ring;
        let show = |f: &Formula| f.print(r);
        assert_eq!(show(&pow(&c(2), &(&d * &l))), "2^(L*d)");
        assert_eq!(show(&pow(&c(2), &d)), "2^d");
        assert_eq!(show(&(&Formula::atom(v.ng) * &Formula::atom(v.nf))), "n_f*n_g");
        assert_eq!(show(&(&(&c(3) * &pow(&c(2), &d)) + &c(1))), "3*2^d + 1");
        assert_eq!(show(&pow(&c(2), &d.scale(&Q::new(1, 2)))), "2^(d/2)");
        let odd = pow(&c(2), &(&d + &Poly::from(1)).scale(&Q::new(1, 2)));
        assert_eq!(show(&odd), "2^((d + 1)/2)");
        let nf_d = pow(&Formula::atom(v.nf), &d);
        assert_eq!(show(&(-&nf_d)), "-n_f^d");
        assert_eq!(show(&(&c(3) * &pow(&c(2), &d))), "3*2^d");
        assert_eq!(show(&Formula::atom(v.d).div(&Formula::atom(v.l)).unwrap()), "L^(-1)*d");
    }
}
