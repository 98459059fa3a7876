//! Polynomials in integer symbols and floors of quotients, such as the
//! output size of a convolution, `floor((n + 2*p - d*(k - 1) - 1)/s) + 1`.
//!
//! A [`FloorPoly`] is a polynomial whose "variables" are the problem's
//! symbols and floor atoms `floor(N/D)`, with polynomial coefficients.
//! Every symbol that appears inside a floor stands for an **integer** (a
//! size, a stride); the identities used below hold for all integers.
//!
//! Unlike the rest of the algebra, this form is not canonical: `floor(n/2) +
//! floor((n + 1)/2)` equals `n`. Atoms are normalized (integer numerators,
//! whole multiples of the divisor moved out, common factors cancelled), so
//! structural equality is sound, and [`FloorPoly::decide_eq`] decides
//! equality exactly when every divisor is a number: on each residue class of
//! the symbols modulo the least common multiple L of the divisors, every
//! atom is a polynomial (`floor(N/d) = (N - ρ)/d` with `ρ = N(r) mod d`
//! fixed, since an integer polynomial satisfies `N(v + L t) ≡ N(v) mod d`),
//! and two polynomials agree on a residue class, an infinite lattice, only
//! when they are the same polynomial. With a symbolic divisor, only the
//! normal forms are compared, and a search for a counterexample on small
//! integers runs; when neither settles it, the answer is "undecided".

use std::cmp::Ordering;
use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

use super::poly::Poly;
use super::print::Print;
use super::ratfunc::RatFunc;
use super::rational::Q;
use super::ring::{Ring, Var};

/// `floor(num/den)`: `num` and `den` have integer coefficients with no
/// common integer factor, `den` has a positive leading coefficient, and no
/// term of `num` is a whole multiple of a monomial `den`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Atom {
    pub num: Poly,
    pub den: Poly,
}

fn cmp_poly(a: &Poly, b: &Poly) -> Ordering {
    a.terms().cmp(b.terms())
}

impl Ord for Atom {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_poly(&self.den, &other.den).then_with(|| cmp_poly(&self.num, &other.num))
    }
}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Atom {
    /// The divisor when it is a number.
    pub fn numeric_divisor(&self) -> Option<BigInt> {
        self.den.as_constant().map(|q| q.numer())
    }

    /// Its value at integer values of the symbols; `None` where the divisor
    /// is zero.
    pub fn eval(&self, value: &impl Fn(Var) -> Q) -> Option<Q> {
        let d = self.den.eval(value);
        if d.is_zero() {
            return None;
        }
        let n = self.num.eval(value);
        Some(Q::from_bigints((&n / &d).floor(), BigInt::one()))
    }

    pub fn vars(&self) -> Vec<Var> {
        let mut v = self.num.vars();
        v.extend(self.den.vars());
        v.sort();
        v.dedup();
        v
    }

    pub fn print(&self, ring: &Ring) -> String {
        let wrap = |p: &Poly| {
            let s = p.print(ring);
            if p.len() > 1 || s.starts_with('-') || s.contains('/') || s.contains('*') { format!("({s})") } else { s }
        };
        format!("floor({}/{})", wrap(&self.num), wrap(&self.den))
    }
}

/// A product of atoms with exponents, sorted.
pub type AtomMonomial = Vec<(Atom, u32)>;

/// A polynomial in the symbols and floor atoms: each product of atoms with
/// its polynomial coefficient; the empty product is the polynomial part.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FloorPoly {
    terms: BTreeMap<AtomMonomial, Poly>,
}

/// What [`FloorPoly::decide_eq`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Equal for every integer value of the symbols.
    Equal,
    /// They differ at these values of the symbols.
    Differ(Vec<(Var, Q)>),
    /// Neither proved equal nor shown to differ, and why.
    Undecided(String),
}

/// The most residue classes the exact comparison checks (L^k for k
/// symbols inside floors with divisors of least common multiple L).
pub const MAX_RESIDUE_CLASSES: u64 = 1 << 16;

fn lcm_of_denominators(p: &Poly) -> BigInt {
    p.terms().iter().fold(BigInt::one(), |acc, (_, q)| acc.lcm(&q.denom()))
}

fn int_content(p: &Poly) -> BigInt {
    p.terms().iter().fold(BigInt::zero(), |acc, (_, q)| acc.gcd(&q.numer()))
}

fn qi(n: BigInt) -> Q {
    Q::from_bigints(n, BigInt::one())
}

impl FloorPoly {
    pub fn zero() -> FloorPoly {
        FloorPoly::default()
    }

    pub fn from_poly(p: Poly) -> FloorPoly {
        let mut f = FloorPoly::zero();
        f.add_term(Vec::new(), p);
        f
    }

    fn add_term(&mut self, key: AtomMonomial, coeff: Poly) {
        if coeff.is_zero() {
            return;
        }
        let sum = match self.terms.remove(&key) {
            Some(c) => &c + &coeff,
            None => coeff,
        };
        if !sum.is_zero() {
            self.terms.insert(key, sum);
        }
    }

    /// `floor(r)` for a quotient of polynomials, normalized: the whole
    /// multiples of the divisor come out as a polynomial.
    pub fn floor(r: &RatFunc) -> FloorPoly {
        let (num, den) = (r.num(), r.den());
        // Integer coefficients on both sides.
        let l = qi(lcm_of_denominators(num).lcm(&lcm_of_denominators(den)));
        let (mut num, mut den) = (num.scale(&l), den.scale(&l));
        if den.leading_coeff().is_negative() {
            num = -num;
            den = -den;
        }
        let mut whole = Poly::zero();
        // Move out the terms that are whole multiples of a monomial divisor.
        if den.len() == 1 {
            let (dm, dc) = den.terms()[0].clone();
            let dc = dc.numer();
            let mut rest = Vec::new();
            for (m, c) in num.terms() {
                let c = c.numer();
                match m.div(&dm) {
                    Some(quot) => {
                        // Truncated division: the remainder keeps the
                        // coefficient's sign, so `floor((n - k)/2)` stays as
                        // written; any fixed choice is a normal form.
                        let (q, r) = c.div_rem(&dc);
                        if !q.is_zero() {
                            whole = &whole + &Poly::term(quot, qi(q));
                        }
                        if !r.is_zero() {
                            rest.push((m.clone(), qi(r)));
                        }
                    }
                    None => rest.push((m.clone(), qi(c))),
                }
            }
            num = Poly::from_terms(rest);
        }
        if num.is_zero() {
            return FloorPoly::from_poly(whole);
        }
        if let (Some(a), Some(b)) = (num.as_constant(), den.as_constant()) {
            return FloorPoly::from_poly(&whole + &Poly::constant(qi((&a / &b).floor())));
        }
        let g = int_content(&num).gcd(&int_content(&den));
        if !g.is_one() {
            let inv = Q::from_bigints(BigInt::one(), g);
            num = num.scale(&inv);
            den = den.scale(&inv);
        }
        if den.is_one() {
            return FloorPoly::from_poly(&whole + &num);
        }
        let mut f = FloorPoly::from_poly(whole);
        f.add_term(vec![(Atom { num, den }, 1)], Poly::one());
        f
    }

    pub fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }

    /// The plain polynomial, when there is no floor left.
    pub fn as_poly(&self) -> Option<Poly> {
        match self.terms.len() {
            0 => Some(Poly::zero()),
            1 => self.terms.get(&Vec::new()).cloned(),
            _ => None,
        }
    }

    pub fn terms(&self) -> impl Iterator<Item = (&AtomMonomial, &Poly)> {
        self.terms.iter()
    }

    pub fn atoms(&self) -> Vec<&Atom> {
        let mut a: Vec<&Atom> = self.terms.keys().flat_map(|k| k.iter().map(|(a, _)| a)).collect();
        a.sort();
        a.dedup();
        a
    }

    pub fn add(&self, other: &FloorPoly) -> FloorPoly {
        let mut f = self.clone();
        for (k, c) in &other.terms {
            f.add_term(k.clone(), c.clone());
        }
        f
    }

    pub fn neg(&self) -> FloorPoly {
        FloorPoly { terms: self.terms.iter().map(|(k, c)| (k.clone(), -c)).collect() }
    }

    pub fn sub(&self, other: &FloorPoly) -> FloorPoly {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &FloorPoly) -> FloorPoly {
        let mut f = FloorPoly::zero();
        for (ka, ca) in &self.terms {
            for (kb, cb) in &other.terms {
                let mut key: BTreeMap<Atom, u32> = BTreeMap::new();
                for (a, e) in ka.iter().chain(kb) {
                    *key.entry(a.clone()).or_insert(0) += e;
                }
                f.add_term(key.into_iter().collect(), ca * cb);
            }
        }
        f
    }

    pub fn scale(&self, q: &Q) -> FloorPoly {
        self.mul(&FloorPoly::from_poly(Poly::constant(q.clone())))
    }

    pub fn pow(&self, e: u32) -> FloorPoly {
        (0..e).fold(FloorPoly::from_poly(Poly::one()), |acc, _| acc.mul(self))
    }

    /// The symbols it mentions, inside floors or not.
    pub fn vars(&self) -> Vec<Var> {
        let mut v = Vec::new();
        for (k, c) in &self.terms {
            v.extend(c.vars());
            for (a, _) in k {
                v.extend(a.vars());
            }
        }
        v.sort();
        v.dedup();
        v
    }

    /// Its value at integer values of the symbols; `None` where a divisor
    /// is zero.
    pub fn eval(&self, value: &impl Fn(Var) -> Q) -> Option<Q> {
        let mut total = Q::zero();
        for (k, c) in &self.terms {
            let mut t = c.eval(value);
            for (a, e) in k {
                t = &t * &a.eval(value)?.pow_unsigned(*e as u64);
            }
            total = &total + &t;
        }
        Some(total)
    }

    /// Replaces every atom by a polynomial (its value on one residue class).
    fn on_class(&self, atom_value: &impl Fn(&Atom) -> Poly, sub: &impl Fn(Var) -> Option<Poly>) -> Poly {
        let mut total = Poly::zero();
        for (k, c) in &self.terms {
            let mut t = c.substitute(sub);
            for (a, e) in k {
                t = &t * &atom_value(a).pow(*e);
            }
            total = &total + &t;
        }
        total
    }

    /// Decides whether `self` and `other` are equal for every integer value
    /// of the symbols (see the module documentation).
    pub fn decide_eq(&self, other: &FloorPoly) -> Decision {
        let diff = self.sub(other);
        if diff.is_zero() {
            return Decision::Equal;
        }
        let atoms = diff.atoms();
        let divisors: Option<Vec<BigInt>> = atoms.iter().map(|a| a.numeric_divisor()).collect();
        let Some(divisors) = divisors else {
            return match search_counterexample(self, other) {
                Some(point) => Decision::Differ(point),
                None => Decision::Undecided(
                    "with a symbolic divisor, floors are compared by their normal form: these differ in form, \
                     and agree on every small instance tried, so nnkey cannot decide whether they are equal"
                        .into(),
                ),
            };
        };
        if atoms.is_empty() {
            // A nonzero polynomial: find where it is nonzero.
            return match search_counterexample(self, other) {
                Some(point) => Decision::Differ(point),
                None => Decision::Undecided("a nonzero polynomial vanished on every point tried".into()),
            };
        }
        let l = divisors.iter().fold(BigInt::one(), |acc, d| acc.lcm(d));
        let mut inner: Vec<Var> = atoms.iter().flat_map(|a| a.num.vars()).collect();
        inner.sort();
        inner.dedup();
        let classes = l.to_u64().and_then(|l| l.checked_pow(inner.len() as u32));
        let Some(classes) = classes.filter(|&c| c <= MAX_RESIDUE_CLASSES) else {
            return Decision::Undecided(format!(
                "the floors have divisors of least common multiple {l} in {} symbols, more than the limit of \
                 {MAX_RESIDUE_CLASSES} residue classes",
                inner.len()
            ));
        };
        let lq = qi(l.clone());
        let lu = l.to_u64().unwrap_or(1);
        for class in 0..classes {
            // The residue of each symbol in this class.
            let mut rest = class;
            let residues: Vec<(Var, Q)> = inner
                .iter()
                .map(|&v| {
                    let r = rest % lu;
                    rest /= lu;
                    (v, Q::from(r as usize))
                })
                .collect();
            let residue = |v: Var| residues.iter().find(|(w, _)| *w == v).map(|(_, q)| q.clone());
            // v = r + L v on this class.
            let sub = |v: Var| residue(v).map(|r| &Poly::constant(r) + &Poly::var(v).scale(&lq));
            let atom_value = |a: &Atom| {
                let d = a.den.as_constant().expect("numeric divisors");
                let at_r = a.num.eval(&|v| residue(v).unwrap_or_else(Q::zero));
                let rho = qi(at_r.numer().mod_floor(&d.numer()));
                let n = a.num.substitute(&sub);
                (&n - &Poly::constant(rho)).scale(&d.inv().expect("nonzero"))
            };
            let p = diff.on_class(&atom_value, &sub);
            if !p.is_zero() {
                // A point of the class where the polynomial is nonzero: one
                // exists with every coordinate at most its degree.
                // Coordinates r + L t with t ≥ 1 (and t ≥ 1 for the other
                // symbols) keep every symbol at least 1, as sizes are.
                let vars = p.vars();
                let deg = p.total_degree() as u64 + 1;
                let mut point: Vec<(Var, Q)> = Vec::new();
                let count = deg.checked_pow(vars.len() as u32).unwrap_or(u64::MAX).min(1 << 16);
                // A nonzero polynomial is nonzero somewhere on a grid of
                // deg + 1 values per variable.
                for idx in 0..count {
                    let mut rest = idx;
                    let t: Vec<(Var, Q)> = vars
                        .iter()
                        .map(|&v| {
                            let x = rest % deg + 1;
                            rest /= deg;
                            (v, Q::from(x as usize))
                        })
                        .collect();
                    let at = |v: Var| t.iter().find(|(w, _)| *w == v).map_or_else(Q::one, |x| x.1.clone());
                    if !p.eval(&at).is_zero() {
                        point = diff
                            .vars()
                            .into_iter()
                            .map(|v| {
                                let tv = at(v);
                                let r = residue(v);
                                (
                                    v,
                                    match r {
                                        Some(r) => &r + &(&lq * &tv),
                                        None => tv,
                                    },
                                )
                            })
                            .collect();
                        break;
                    }
                }
                return Decision::Differ(point);
            }
        }
        Decision::Equal
    }

    /// In nnkey's own syntax: `floor((n + 2*p - k)/s) + 1`.
    pub fn print(&self, ring: &Ring) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut keys: Vec<&AtomMonomial> = self.terms.keys().collect();
        // Floors first, the polynomial part last.
        keys.sort_by_key(|k| k.is_empty());
        for k in keys {
            let c = &self.terms[k];
            let atoms: Vec<String> =
                k.iter().map(|(a, e)| if *e == 1 { a.print(ring) } else { format!("{}^{e}", a.print(ring)) }).collect();
            let atoms = atoms.join("*");
            let part = if k.is_empty() {
                c.print(ring)
            } else if c.is_one() {
                atoms
            } else if c.as_constant().is_some_and(|q| q == -Q::one()) {
                format!("-{atoms}")
            } else if c.len() == 1 && !c.print(ring).contains('/') {
                format!("{}*{atoms}", c.print(ring))
            } else {
                format!("({})*{atoms}", c.print(ring))
            };
            parts.push(part);
        }
        if parts.is_empty() {
            return "0".into();
        }
        let mut out = parts[0].clone();
        for p in &parts[1..] {
            match p.strip_prefix('-') {
                Some(rest) => {
                    out.push_str(" - ");
                    out.push_str(rest);
                }
                None => {
                    out.push_str(" + ");
                    out.push_str(p);
                }
            }
        }
        out
    }
}

/// Small positive points (each symbol from 1 to 8) where the two differ.
fn search_counterexample(a: &FloorPoly, b: &FloorPoly) -> Option<Vec<(Var, Q)>> {
    let mut vars = a.vars();
    vars.extend(b.vars());
    vars.sort();
    vars.dedup();
    let values: Vec<i64> = (1..=8).collect();
    let n = values.len() as u64;
    let count = n.checked_pow(vars.len() as u32).unwrap_or(u64::MAX).min(200_000);
    for idx in 0..count {
        let mut rest = idx;
        let point: Vec<(Var, Q)> = vars
            .iter()
            .map(|&v| {
                let x = values[(rest % n) as usize];
                rest /= n;
                (v, Q::from_int(x))
            })
            .collect();
        let at = |v: Var| point.iter().find(|(w, _)| *w == v).map_or_else(Q::zero, |x| x.1.clone());
        if let (Some(x), Some(y)) = (a.eval(&at), b.eval(&at))
            && x != y
        {
            return Some(point);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::Symbol;

    fn setup() -> (Ring, Poly, Poly, Poly, Poly) {
        let ring = Ring::new();
        let v = |s: &str| Poly::var(ring.var(&Symbol::plain(s)));
        let (n, k, p, s) = (v("n"), v("k"), v("p"), v("s"));
        (ring, n, k, p, s)
    }

    fn fl(num: &Poly, den: &Poly) -> FloorPoly {
        FloorPoly::floor(&RatFunc::new(num.clone(), den.clone()).unwrap())
    }

    fn c(x: i64) -> Poly {
        Poly::constant(Q::from_int(x))
    }

    #[test]
    fn whole_multiples_come_out_of_a_floor() {
        let (ring, n, _k, _p, s) = setup();
        // floor((n + 2s)/s) = floor(n/s) + 2
        let a = fl(&(&n + &s.scale(&Q::from_int(2))), &s);
        assert_eq!(a.print(&ring), "floor(n/s) + 2");
        // floor((2n + 3)/2) = n + 1 + floor(1/2) = n + 1
        let b = fl(&(&n.scale(&Q::from_int(2)) + &c(3)), &c(2));
        assert_eq!(b.print(&ring), "n + 1");
        // floor((n + 1)/2 + 1/2) = floor((n + 2)/2) = floor(n/2) + 1
        let h = fl(&(&n + &c(2)), &c(2));
        assert_eq!(h.print(&ring), "floor(n/2) + 1");
    }

    #[test]
    fn equal_floors_with_numeric_divisors_are_decided() {
        let (_ring, n, k, p, _s) = setup();
        // floor(n/2) + floor((n + 1)/2) = n
        let lhs = fl(&n, &c(2)).add(&fl(&(&n + &c(1)), &c(2)));
        assert_eq!(lhs.decide_eq(&FloorPoly::from_poly(n.clone())), Decision::Equal);
        // floor((n + 2p - k)/2) + 1 = floor((n + 2p - k + 2)/2)
        let base = &(&n + &p.scale(&Q::from_int(2))) - &k;
        let x = fl(&base, &c(2)).add(&FloorPoly::from_poly(c(1)));
        let y = fl(&(&base + &c(2)), &c(2));
        assert_eq!(x.decide_eq(&y), Decision::Equal);
        // floor((n - k)/2) is not floor((n - k + 1)/2)
        let z = fl(&(&base + &c(1)), &c(2)).add(&FloorPoly::from_poly(c(1)));
        match x.decide_eq(&z) {
            Decision::Differ(point) => {
                let at = |v: Var| point.iter().find(|(w, _)| *w == v).map_or_else(Q::zero, |x| x.1.clone());
                assert_ne!(x.eval(&at), z.eval(&at));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn products_of_floors_are_decided_per_residue_class() {
        let (_ring, n, _k, _p, _s) = setup();
        let h = fl(&n, &c(2));
        // floor(n/2)^2 vs floor(n/2)*floor(n/2): equal; vs (n/2)^2: not.
        assert_eq!(h.pow(2).decide_eq(&h.mul(&h)), Decision::Equal);
        let half = FloorPoly::from_poly(n.scale(&Q::new(1, 2)));
        assert!(matches!(h.pow(2).decide_eq(&half.pow(2)), Decision::Differ(_)));
    }

    #[test]
    fn symbolic_divisors_compare_by_normal_form_or_counterexample() {
        let (_ring, n, k, _p, s) = setup();
        let a = fl(&(&n - &k), &s).add(&FloorPoly::from_poly(c(1)));
        let b = fl(&(&(&n - &k) + &s), &s);
        assert_eq!(a.decide_eq(&b), Decision::Equal);
        let wrong = fl(&(&n - &k), &s);
        assert!(matches!(a.decide_eq(&wrong), Decision::Differ(_)));
        // -floor(-n/s) is the ceiling: equal to floor((n + s - 1)/s) for
        // s > 0 only, so nnkey may not claim equality.
        let ceil = fl(&(-&n), &s).neg();
        let other = fl(&(&(&n + &s) - &c(1)), &s);
        assert!(!matches!(ceil.decide_eq(&other), Decision::Equal));
    }
}
