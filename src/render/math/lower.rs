//! Exact values as formulas, in the order a person writes them.
//!
//! Polynomials list their terms by descending degree, a positive term first
//! when there is one (`1 - a`, not `-a + 1`); rational functions clear the
//! numerator's fractions into the denominator (`x/(2 y)`); plain symbols
//! become names, so `eta` prints as η; exponent fractions are cleared
//! (`2^((d + 1)/2)`).

use std::cmp::Ordering;
use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::One;

use crate::algebra::formula::Base;
use crate::algebra::{Formula, Monomial, Poly, Q, RatFunc, Ring, Symbol};
use crate::language::math::{Math, Sign};
use crate::model::Value;

/// Replaces every exact leaf (polynomial, rational function, formula) of a
/// formula by its written form.
pub fn lower(m: &Math, ring: &Ring) -> Math {
    let l = |x: &Math| lower(x, ring);
    let lb = |x: &Math| Box::new(lower(x, ring));
    let lo = |x: &Option<Box<Math>>| x.as_ref().map(|y| Box::new(lower(y, ring)));
    match m {
        Math::Poly(p) => poly(p, ring),
        Math::Ratio(r) => ratfunc(r, ring),
        Math::Formula(f) => formula(f, ring),
        Math::Number(_) | Math::Name(_) | Math::Symbol(_) | Math::Text(_) | Math::Constant(_) => m.clone(),
        Math::Sum(t) => sum(t.iter().map(|(s, x)| (*s, l(x))).collect()),
        Math::Product(f) => product(f.iter().map(l).collect()),
        Math::Entry(b, idx) => Math::Entry(lb(b), idx.iter().map(l).collect()),
        Math::Infix(a, op, b) => Math::Infix(lb(a), *op, lb(b)),
        Math::Neg(a) => negate(l(a)),
        Math::Frac(a, b) => Math::Frac(lb(a), lb(b)),
        Math::Script { base, sub, sup } => Math::Script { base: lb(base), sub: lo(sub), sup: lo(sup) },
        Math::Transpose(a) => Math::Transpose(lb(a)),
        Math::Inverse(a) => Math::Inverse(lb(a)),
        Math::Prime(a) => Math::Prime(lb(a)),
        Math::Apply(f, args) => Math::Apply(f.clone(), args.iter().map(l).collect()),
        Math::Fenced(f, a) => Math::Fenced(*f, lb(a)),
        Math::Seq(f, items) => Math::Seq(*f, items.iter().map(l).collect()),
        Math::Relation(a, rest) => Math::Relation(lb(a), rest.iter().map(|(r, x)| (*r, l(x))).collect()),
        Math::Matrix(rows) => Math::Matrix(rows.iter().map(|r| r.iter().map(l).collect()).collect()),
        Math::BigOp { op, under, over, body } => {
            Math::BigOp { op: *op, under: lo(under), over: lo(over), body: lb(body) }
        }
        Math::Cases(c) => Math::Cases(c.iter().map(|(a, b)| (l(a), l(b))).collect()),
        Math::Record(f) => Math::Record(f.iter().map(|(k, x)| (k.clone(), l(x))).collect()),
    }
}

/// A value of the problem language as a written formula.
pub fn value(v: &Value, ring: &Ring) -> Math {
    lower(&crate::derive::explain::value(v), ring)
}

/// A symbol of the ring: a plain one is a name (so `eta` prints as η).
pub fn symbol(s: &Symbol) -> Math {
    if s.indices.is_empty() { Math::Name(s.name.clone()) } else { Math::Symbol(s.clone()) }
}

/// A number, its sign outside.
pub fn number(q: &Q) -> Math {
    if q.is_negative() { Math::Neg(Box::new(Math::Number(q.abs()))) } else { Math::Number(q.clone()) }
}

fn negate(m: Math) -> Math {
    match m {
        Math::Neg(inner) => *inner,
        Math::Number(q) if q.is_zero() => Math::Number(q),
        m => Math::Neg(Box::new(m)),
    }
}

/// A sum with negated terms folded into their signs.
fn sum(terms: Vec<(Sign, Math)>) -> Math {
    let mut out = Vec::with_capacity(terms.len());
    for (s, t) in terms {
        match t {
            Math::Neg(inner) => out.push((flip(s), *inner)),
            t => out.push((s, t)),
        }
    }
    Math::Sum(out)
}

fn flip(s: Sign) -> Sign {
    match s {
        Sign::Plus => Sign::Minus,
        Sign::Minus => Sign::Plus,
    }
}

/// A product with nested products flattened.
fn product(factors: Vec<Math>) -> Math {
    let mut out = Vec::with_capacity(factors.len());
    for f in factors {
        match f {
            Math::Product(inner) => out.extend(inner),
            f => out.push(f),
        }
    }
    if out.len() == 1 { out.pop().unwrap_or(Math::int(1)) } else { Math::Product(out) }
}

type Factors = Vec<(Arc<Symbol>, u32)>;

fn factors(m: &Monomial, ring: &Ring) -> Factors {
    let mut f: Factors = m.pairs().iter().map(|&(v, e)| (ring.symbol(v), e)).collect();
    f.sort_by(|a, b| a.0.cmp(&b.0));
    f
}

/// Descending degree, then symbol order.
fn cmp_terms(a: &(u32, Factors), b: &(u32, Factors)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| {
        for (x, y) in a.1.iter().zip(&b.1) {
            let o = x.0.cmp(&y.0).then(y.1.cmp(&x.1));
            if o != Ordering::Equal {
                return o;
            }
        }
        b.1.len().cmp(&a.1.len())
    })
}

fn power(base: Math, e: u32) -> Math {
    if e == 1 { base } else { base.sup(Math::int(e as i64)) }
}

/// `c · m` as a signed term: the sign, and the term without it.
fn term(c: &Q, f: &[(Arc<Symbol>, u32)]) -> (Sign, Math) {
    let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
    let a = c.abs();
    let mut parts: Vec<Math> = Vec::with_capacity(f.len() + 1);
    // A fractional coefficient divides the term, as courses write it:
    // `x/2`, `3 x/2`, not `1/2 x`.
    let (numer, denom) = if a.is_integer() || f.is_empty() {
        (a, None)
    } else {
        (Q::from_bigints(a.numer(), BigInt::one()), Some(Q::from_bigints(a.denom(), BigInt::one())))
    };
    if f.is_empty() || !numer.is_one() {
        parts.push(Math::Number(numer));
    }
    parts.extend(f.iter().map(|(s, e)| power(symbol(s), *e)));
    let t = product(parts);
    match denom {
        Some(d) => (sign, Math::Frac(Box::new(t), Box::new(Math::Number(d)))),
        None => (sign, t),
    }
}

/// Signed terms as a formula, a positive term first when there is one.
fn signed_terms(mut terms: Vec<(Sign, Math)>) -> Math {
    if terms.is_empty() {
        return Math::int(0);
    }
    if terms[0].0 == Sign::Minus
        && let Some(k) = terms.iter().position(|t| t.0 == Sign::Plus)
    {
        let t = terms.remove(k);
        terms.insert(0, t);
    }
    if terms.len() == 1 {
        let (s, t) = terms.pop().unwrap_or((Sign::Plus, Math::int(0)));
        return if s == Sign::Minus { Math::Neg(Box::new(t)) } else { t };
    }
    Math::Sum(terms)
}

pub fn poly(p: &Poly, ring: &Ring) -> Math {
    let mut terms: Vec<((u32, Factors), &Q)> =
        p.terms().iter().map(|(m, c)| ((m.degree(), factors(m, ring)), c)).collect();
    terms.sort_by(|a, b| cmp_terms(&a.0, &b.0));
    signed_terms(terms.iter().map(|((_, f), c)| term(c, f)).collect())
}

fn denominators_lcm(p: &Poly) -> BigInt {
    p.terms().iter().fold(BigInt::one(), |acc, (_, c)| acc.lcm(&c.denom()))
}

pub fn ratfunc(r: &RatFunc, ring: &Ring) -> Math {
    if r.is_polynomial() {
        return poly(r.num(), ring);
    }
    // Clear the numerator's fractions into the denominator: x/(2 y) reads
    // better than 1/2 x/y.
    let l = Q::from_bigints(denominators_lcm(r.num()), BigInt::one());
    let (num, den) = (r.num().scale(&l), r.den().scale(&l));
    let negative = num.len() == 1 && num.leading_coeff().is_negative();
    let num = if negative { -&num } else { num };
    let f = Math::Frac(Box::new(poly(&num, ring)), Box::new(poly(&den, ring)));
    if negative { Math::Neg(Box::new(f)) } else { f }
}

/// An exponent with its fractions cleared: `(d + 1)/2`.
fn exponent(e: &Poly, ring: &Ring) -> Math {
    let l = denominators_lcm(e);
    if l.is_one() {
        return poly(e, ring);
    }
    let num = e.scale(&Q::from_bigints(l.clone(), BigInt::one()));
    Math::Frac(Box::new(poly(&num, ring)), Box::new(Math::Number(Q::from_bigints(l, BigInt::one()))))
}

pub fn formula(f: &Formula, ring: &Ring) -> Math {
    let terms = f
        .terms()
        .map(|(c, powers)| {
            let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
            let a = c.abs();
            let mut sorted: Vec<&(Base, Poly)> = powers.iter().collect();
            sorted.sort_by(|x, y| match (x.0, y.0) {
                (Base::Var(a), Base::Var(b)) => ring.cmp_vars(a, b),
                (a, b) => a.cmp(&b),
            });
            let mut parts = Vec::new();
            if powers.is_empty() || !a.is_one() {
                parts.push(Math::Number(a));
            }
            for (b, e) in sorted {
                let base = match b {
                    Base::Prime(p) => Math::Number(Q::from_int(*p as i64)),
                    Base::Var(v) => symbol(&ring.symbol(*v)),
                };
                parts.push(if e.is_one() { base } else { base.sup(exponent(e, ring)) });
            }
            (sign, product(parts))
        })
        .collect();
    signed_terms(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::math::text;

    #[test]
    fn a_positive_term_leads() {
        let ring = Ring::new();
        let a = Poly::var(ring.var(&Symbol::plain("a")));
        let p = &Poly::one() - &a;
        assert_eq!(text::inline(&poly(&p, &ring)), "1 - a");
        let sq = a.pow(2).pow(2);
        assert_eq!(text::inline(&poly(&sq, &ring)), "a^4");
    }
}
