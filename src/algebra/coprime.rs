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
//!
//! The specializations are computed modulo the prime p = 2⁶¹ − 1, which
//! keeps the argument: scale a and b to primitive integer polynomials; by
//! Gauss's lemma g may be taken in Z[x] with b = g·h there, and if the
//! specialized leading coefficient of b in v is nonzero mod p, so is that
//! of g, so g mod p keeps its degree in v and divides both specializations
//! mod p. Each coefficient is then one machine word, and every symbol's
//! specialization reuses one product per term (the value of the whole
//! monomial, divided by the power of the symbol kept).

use std::collections::HashMap;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::ToPrimitive;

use super::intmat::{MERSENNE_61, pow_mod};
use super::poly::Poly;
use super::rational::Q;
use super::ring::Var;

/// Points tried per variable before giving up.
const ATTEMPTS: u64 = 3;

/// Whether `a` and `b` are provably coprime (their gcd is a constant).
/// `false` means the proof was not found, not that they share a factor.
pub fn certify_coprime(a: &Poly, b: &Poly) -> bool {
    if a.is_zero() || b.is_zero() {
        return (a.is_constant() && !a.is_zero()) || (b.is_constant() && !b.is_zero());
    }
    if a.is_constant() || b.is_constant() {
        return true;
    }
    let mut open = b.vars();
    for attempt in 0..ATTEMPTS {
        let mut values: HashMap<Var, (u64, u64)> = HashMap::new();
        let mut value = |u: Var| {
            *values.entry(u).or_insert_with(|| {
                let x = mod_point(attempt, u);
                (x, pow_mod(x, P - 2, P))
            })
        };
        let (Some(ta), Some(tb)) = (terms_mod(a, &mut value), terms_mod(b, &mut value)) else {
            continue;
        };
        open.retain(|&v| {
            let inv = value(v).1;
            let (Some(bu), au) =
                (specialize_mod(&tb, v, inv, b.degree_in(v)), specialize_mod(&ta, v, inv, a.degree_in(v)))
            else {
                return true;
            };
            let Some(au) = au.filter(|p| p.iter().any(|&c| c != 0)) else {
                return true;
            };
            gcd_degree_mod(au, bu) > 0
        });
        if open.is_empty() {
            return true;
        }
    }
    false
}

const P: u64 = MERSENNE_61;

/// A nonzero value mod p for variable `u` in this attempt.
fn mod_point(attempt: u64, u: Var) -> u64 {
    let mut z = (attempt + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (u.0 as u64).wrapping_mul(0xd6e8_feb8_6659_fd93);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z % (P - 1) + 1
}

fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

/// A rational mod p; `None` when its denominator is divisible by p.
fn q_mod(q: &Q) -> Option<u64> {
    let pb = BigInt::from(P);
    let (n, d) = match q.small_parts() {
        Some((n, d)) => (n.rem_euclid(P as i64) as u64, d.rem_euclid(P as i64) as u64),
        None => {
            (q.numer().mod_floor(&pb).to_u64().expect("reduced"), q.denom().mod_floor(&pb).to_u64().expect("reduced"))
        }
    };
    (d != 0).then(|| mul(n, pow_mod(d, P - 2, P)))
}

/// A term mod p: the coefficient times the value of the whole monomial,
/// and the monomial's (variable, exponent) pairs.
type TermMod<'a> = (u64, &'a [(Var, u32)]);

/// Each term of `p` mod p.
fn terms_mod<'a>(p: &'a Poly, value: &mut impl FnMut(Var) -> (u64, u64)) -> Option<Vec<TermMod<'a>>> {
    p.terms()
        .iter()
        .map(|(m, c)| {
            let mut t = q_mod(c)?;
            for &(v, e) in m.pairs() {
                t = mul(t, pow_mod(value(v).0, e as u64, P));
            }
            Some((t, m.pairs()))
        })
        .collect()
}

/// The univariate polynomial in `v` (coefficients mod p, lowest first) left
/// when every other variable takes its value; `None` when its leading
/// coefficient (of `v^degree`) vanishes there.
fn specialize_mod(terms: &[TermMod], v: Var, inv: u64, degree: u32) -> Option<Vec<u64>> {
    let mut out = vec![0u64; degree as usize + 1];
    for (t, pairs) in terms {
        let e = pairs.iter().find(|(u, _)| *u == v).map_or(0, |&(_, e)| e);
        let c = if e == 0 { *t } else { mul(*t, pow_mod(inv, e as u64, P)) };
        let slot = &mut out[e as usize];
        *slot = (*slot + c) % P;
    }
    (out[degree as usize] != 0).then_some(out)
}

/// The degree of the gcd of two univariate polynomials mod p.
fn gcd_degree_mod(mut a: Vec<u64>, mut b: Vec<u64>) -> usize {
    let trim = |p: &mut Vec<u64>| {
        while p.last() == Some(&0) {
            p.pop();
        }
    };
    trim(&mut a);
    trim(&mut b);
    while !b.is_empty() {
        // a mod b.
        let inv = pow_mod(*b.last().expect("nonzero"), P - 2, P);
        while a.len() >= b.len() {
            let f = mul(*a.last().expect("long enough"), inv);
            let shift = a.len() - b.len();
            for (i, &c) in b.iter().enumerate() {
                let s = mul(f, c);
                a[shift + i] = (a[shift + i] + P - s) % P;
            }
            trim(&mut a);
            if a.is_empty() {
                break;
            }
        }
        std::mem::swap(&mut a, &mut b);
    }
    a.len().saturating_sub(1)
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
