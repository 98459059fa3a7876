//! Greatest common divisors of multivariate polynomials over Q.
//!
//! The algorithm is the classical recursive one: view both polynomials as
//! polynomials in their most significant variable with coefficients in the
//! remaining ones, split off the contents (gcds of the coefficients,
//! computed recursively), and run a primitive pseudo-remainder sequence on
//! the primitive parts. Taking the primitive part at every step, integer
//! factors included, keeps the coefficients from growing.

use super::poly::Poly;
use super::rational::Q;
use super::ring::Var;

/// The gcd of `a` and `b`, normalized to coprime integer coefficients and a
/// positive leading coefficient. `gcd(0, 0) = 0`.
pub fn gcd(a: &Poly, b: &Poly) -> Poly {
    if a.is_zero() {
        return b.primitive();
    }
    if b.is_zero() {
        return a.primitive();
    }
    if a.is_constant() || b.is_constant() {
        return Poly::one();
    }
    if let Some(q) = a.exact_div(b)
        && !q.is_zero()
    {
        return b.primitive();
    }
    if let Some(q) = b.exact_div(a)
        && !q.is_zero()
    {
        return a.primitive();
    }
    let (va, vb) = (a.vars(), b.vars());
    let v = va[0].min(vb[0]);
    if va[0] != v {
        return gcd(a, &content_in(b, v));
    }
    if vb[0] != v {
        return gcd(&content_in(a, v), b);
    }
    let ca = a.coefficients_in(v);
    let cb = b.coefficients_in(v);
    let (conta, contb) = (gcd_all(&ca), gcd_all(&cb));
    let common = gcd(&conta, &contb);
    let pa = divide_all(&ca, &conta);
    let pb = divide_all(&cb, &contb);
    let g = primitive_prs(pa, pb);
    (&common * &Poly::from_coefficients_in(v, &g)).primitive()
}

/// The gcd of a list of polynomials.
pub fn gcd_all(polys: &[Poly]) -> Poly {
    let mut g = Poly::zero();
    for p in polys {
        g = gcd(&g, p);
        if g.is_one() {
            break;
        }
    }
    g
}

/// The content of `p` as a polynomial in `v`: the gcd of its coefficients.
fn content_in(p: &Poly, v: Var) -> Poly {
    gcd_all(&p.coefficients_in(v))
}

fn divide_all(coeffs: &[Poly], by: &Poly) -> Vec<Poly> {
    coeffs.iter().map(|c| c.exact_div(by).expect("the content divides every coefficient")).collect()
}

fn trim(u: &mut Vec<Poly>) {
    while u.last().is_some_and(Poly::is_zero) {
        u.pop();
    }
}

/// Divides out the content: the gcd of the coefficients as polynomials,
/// and then the rational factor left over, so that the coefficients are
/// coprime integer polynomials. Without the second step integer factors
/// pile up along a remainder sequence and the numbers explode.
fn primitive_univariate(mut u: Vec<Poly>) -> Vec<Poly> {
    trim(&mut u);
    let c = gcd_all(&u);
    let u = if c.is_zero() || c.is_one() { u } else { divide_all(&u, &c) };
    let mut q = Q::zero();
    for p in &u {
        for (_, coeff) in p.terms() {
            q = Q::gcd(&q, coeff);
        }
    }
    match q.inv() {
        Some(inv) if !q.is_one() => u.iter().map(|p| p.scale(&inv)).collect(),
        _ => u,
    }
}

/// Pseudo-remainder of `f` by `g` (coefficient lists, lowest degree first).
fn pseudo_remainder(f: &[Poly], g: &[Poly]) -> Vec<Poly> {
    let dg = g.len() - 1;
    let lcg = &g[dg];
    let mut r = f.to_vec();
    trim(&mut r);
    while !r.is_empty() && r.len() > dg {
        let dr = r.len() - 1;
        let lcr = r[dr].clone();
        for c in r.iter_mut() {
            *c = &*c * lcg;
        }
        for (k, gk) in g.iter().enumerate() {
            let idx = k + dr - dg;
            r[idx] = &r[idx] - &(&lcr * gk);
        }
        trim(&mut r);
    }
    r
}

/// The gcd of two polynomials in one variable over a coefficient ring, by
/// the primitive pseudo-remainder sequence. (The subresultant sequence
/// avoids the content at each step, but on the sizes nnkey meets its exact
/// multivariate divisions cost more than the contents: measured about five
/// times slower on random products of small polynomials.)
fn primitive_prs(f: Vec<Poly>, g: Vec<Poly>) -> Vec<Poly> {
    let (mut f, mut g) = (primitive_univariate(f), primitive_univariate(g));
    if f.len() < g.len() {
        std::mem::swap(&mut f, &mut g);
    }
    loop {
        if g.is_empty() {
            return f;
        }
        let r = pseudo_remainder(&f, &g);
        if r.is_empty() {
            return g;
        }
        if r.len() == 1 {
            return vec![Poly::one()];
        }
        f = g;
        g = primitive_univariate(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(i: u32) -> Poly {
        Poly::var(Var(i))
    }
    fn c(n: i64) -> Poly {
        Poly::from(n)
    }

    #[test]
    fn univariate_gcd() {
        // (x - 1)(x + 2) and (x - 1)(x - 3)
        let x = v(0);
        let a = &(&x - &c(1)) * &(&x + &c(2));
        let b = &(&x - &c(1)) * &(&x - &c(3));
        assert_eq!(gcd(&a, &b), &x - &c(1));
        assert_eq!(gcd(&(&x + &c(2)), &(&x - &c(3))), c(1));
    }

    #[test]
    fn multivariate_gcd_recovers_the_common_factor() {
        let (x, y, z) = (v(0), v(1), v(2));
        let common = &(&(&x * &y) + &z) - &c(2);
        let a = &common * &(&(&x * &x) + &y);
        let b = &common * &(&(&y * &z) - &x);
        assert_eq!(gcd(&a, &b), common);
        // Scaling by rationals does not change the normalized gcd.
        assert_eq!(gcd(&a.scale(&Q::new(3, 7)), &b.scale(&Q::new(-5, 2))), common);
    }

    #[test]
    fn gcd_when_the_main_variable_is_missing_from_one_side() {
        let (x, y) = (v(0), v(1));
        let a = &(&x * &y) + &y; // y (x + 1)
        let b = &(&y * &y) - &y; // y (y - 1)
        assert_eq!(gcd(&a, &b), y);
    }

    #[test]
    fn gcd_with_zero_and_constants() {
        let x = v(0);
        assert_eq!(gcd(&Poly::zero(), &x.scale(&Q::from_int(-4))), x);
        assert_eq!(gcd(&c(6), &x), c(1));
        assert!(gcd(&Poly::zero(), &Poly::zero()).is_zero());
    }
}
