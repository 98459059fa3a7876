//! Printing exact values in nnkey's own syntax: the notation problem files
//! use, so anything printed can be read back: `w[1,1]`, `3/2*x - 1`,
//! `a*y/(a^2 + b^2)`, `[[1, 0], [0, 1]]`. Documents typeset values through
//! the presentation layer (`render`), never through these strings.

use std::cmp::Ordering;
use std::fmt::Write;
use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::One;

use super::matrix::{Matrix, Scalar};
use super::poly::{Monomial, Poly};
use super::ratfunc::RatFunc;
use super::rational::Q;
use super::ring::{Ring, Symbol};

/// A monomial's factors: symbols with their exponents.
type Factors = Vec<(Arc<Symbol>, u32)>;

/// Values that print given the ring that names their variables.
pub trait Print {
    fn print(&self, ring: &Ring) -> String;
}

pub fn symbol(sym: &Symbol) -> String {
    sym.to_string()
}

pub fn rational(q: &Q) -> String {
    q.to_string()
}

impl Print for Q {
    fn print(&self, _ring: &Ring) -> String {
        rational(self)
    }
}

/// A monomial's factors in printing order.
fn factors(m: &Monomial, ring: &Ring) -> Factors {
    let mut f: Factors = m.pairs().iter().map(|&(v, e)| (ring.symbol(v), e)).collect();
    f.sort_by(|a, b| a.0.cmp(&b.0));
    f
}

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

fn monomial(f: &[(Arc<Symbol>, u32)]) -> String {
    let mut out = String::new();
    for (i, (s, e)) in f.iter().enumerate() {
        if i > 0 {
            out.push('*');
        }
        out.push_str(&symbol(s));
        if *e > 1 {
            let _ = write!(out, "^{e}");
        }
    }
    out
}

impl Print for Poly {
    fn print(&self, ring: &Ring) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        // One symbol with coefficient ±1 (every entry of a convolution
        // matrix): written directly.
        if let [(m, c)] = self.terms()
            && let [(v, 1)] = m.pairs()
            && c.abs().is_one()
        {
            let mut out = String::with_capacity(16);
            if c.is_negative() {
                out.push('-');
            }
            ring.symbol(*v).write_to(&mut out);
            return out;
        }
        let mut terms: Vec<((u32, Factors), Q)> =
            self.terms().iter().map(|(m, c)| ((m.degree(), factors(m, ring)), c.clone())).collect();
        terms.sort_by(|a, b| cmp_terms(&a.0, &b.0));
        linear_combination(terms.into_iter().map(|((_, f), c)| (c, monomial(&f))))
    }
}

/// A signed sum `c1·t1 + c2·t2 − …` in the given order: `2*w1 - w2 + b`,
/// `x^2 - 3*x + 1`. An empty term is a constant; a coefficient of one is
/// not written and zero terms are left out; nothing at all is `0`.
pub fn linear_combination(terms: impl IntoIterator<Item = (Q, String)>) -> String {
    let mut out = String::new();
    for (c, t) in terms {
        if c.is_zero() {
            continue;
        }
        let negative = c.is_negative();
        if out.is_empty() {
            if negative {
                out.push('-');
            }
        } else {
            out.push_str(if negative { " - " } else { " + " });
        }
        let a = c.abs();
        if t.is_empty() {
            out.push_str(&rational(&a));
        } else {
            if !a.is_one() {
                out.push_str(&rational(&a));
                out.push('*');
            }
            out.push_str(&t);
        }
    }
    if out.is_empty() { "0".into() } else { out }
}

/// Whether a printed polynomial needs parentheses as a factor or divisor.
pub(super) fn is_atomic(p: &Poly) -> bool {
    match p.terms() {
        [(m, c)] => {
            (m.is_one() && c.is_integer() && !c.is_negative())
                || (c.is_one() && m.pairs().len() == 1 && m.pairs()[0].1 == 1)
        }
        _ => false,
    }
}

pub(super) fn denominators_lcm(p: &Poly) -> BigInt {
    p.terms().iter().fold(BigInt::one(), |acc, (_, c)| acc.lcm(&c.denom()))
}

impl Print for RatFunc {
    fn print(&self, ring: &Ring) -> String {
        if self.is_polynomial() {
            return self.num().print(ring);
        }
        // Clear the numerator's fractions into the denominator: x/(2*y)
        // reads better than 1/2*x/y.
        let l = Q::from_bigints(denominators_lcm(self.num()), BigInt::one());
        let (num, den) = (self.num().scale(&l), self.den().scale(&l));
        let single_term = num.len() == 1;
        let (sign, num) = if single_term && num.leading_coeff().is_negative() { ("-", -&num) } else { ("", num) };
        let n = num.print(ring);
        let n = if single_term { n } else { format!("({n})") };
        let d = den.print(ring);
        let d = if is_atomic(&den) { d } else { format!("({d})") };
        format!("{sign}{n}/{d}")
    }
}

impl<T: Scalar + Print> Print for Matrix<T> {
    fn print(&self, ring: &Ring) -> String {
        matrix_with(self, |x| x.print(ring))
    }
}

/// Prints a matrix with `entry` for each entry. A column vector prints as a
/// flat list, which is how problem files write one.
pub fn matrix_with<T: Scalar>(m: &Matrix<T>, entry: impl Fn(&T) -> String) -> String {
    if m.cols() == 1 && m.rows() > 0 {
        let items: Vec<String> = (0..m.rows()).map(|r| entry(m.get(r, 0))).collect();
        return format!("[{}]", items.join(", "));
    }
    let rows: Vec<String> = (0..m.rows())
        .map(|r| {
            let items: Vec<String> = m.row(r).iter().map(&entry).collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_print_in_the_plain_notation() {
        let ring = Ring::new();
        let w = Poly::var(ring.var(&Symbol::indexed("w", &[1, 1])));
        let x = Poly::var(ring.var(&Symbol::indexed("x", &[0, 0])));
        let p = &(&(&x * &w).scale(&Q::from_int(-1)) + &Poly::from(2)) + &w.pow(2).scale(&Q::new(3, 2));
        assert_eq!(p.print(&ring), "3/2*w[1,1]^2 - w[1,1]*x[0,0] + 2");
    }

    #[test]
    fn rational_functions_print_with_the_fraction_cleared() {
        let ring = Ring::new();
        let a = Poly::var(ring.var(&Symbol::plain("a")));
        let b = Poly::var(ring.var(&Symbol::plain("b")));
        let y = Poly::var(ring.var(&Symbol::plain("y")));
        let r = RatFunc::new(&a * &y, &(&a * &a) + &(&b * &b)).unwrap();
        assert_eq!(r.print(&ring), "a*y/(a^2 + b^2)");
        let half = RatFunc::new(a.scale(&Q::new(-1, 2)), b.clone()).unwrap();
        assert_eq!(half.print(&ring), "-a/(2*b)");
    }
}
