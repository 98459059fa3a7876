//! Algebraic laws of the exact core, over random values.

use nnkey::algebra::{Matrix, Monomial, Poly, Q, RatFunc, Var, gcd};
use proptest::prelude::*;

fn rational() -> impl Strategy<Value = Q> {
    (-20i64..=20, 1i64..=6).prop_map(|(n, d)| Q::new(n, d))
}

/// A polynomial in three variables with up to four terms of degree ≤ 2.
fn poly() -> impl Strategy<Value = Poly> {
    prop::collection::vec((rational(), 0u32..=2, 0u32..=2, 0u32..=1), 0..=4).prop_map(|terms| {
        Poly::from_terms(
            terms
                .into_iter()
                .map(|(q, a, b, c)| (Monomial::from_pairs([(Var(0), a), (Var(1), b), (Var(2), c)]), q))
                .collect(),
        )
    })
}

fn nonzero_poly() -> impl Strategy<Value = Poly> {
    poly().prop_filter("nonzero", |p| !p.is_zero())
}

/// The determinant by cofactor expansion, independent of Bareiss.
fn laplace(m: &Matrix<Poly>) -> Poly {
    if m.rows() == 1 {
        return m.get(0, 0).clone();
    }
    (0..m.cols()).fold(Poly::zero(), |acc, j| {
        let term = m.get(0, j) * &laplace(&m.minor(0, j));
        if j % 2 == 0 { &acc + &term } else { &acc - &term }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn rationals_print_and_parse_back(q in rational(), r in rational()) {
        let s = &q * &r;
        prop_assert_eq!(Q::parse(&s.to_string()).unwrap(), s);
        prop_assert_eq!(&(&q + &r) - &r, q.clone());
        if !r.is_zero() {
            prop_assert_eq!(&(&q / &r) * &r, q);
        }
    }

    #[test]
    fn ring_laws(a in poly(), b in poly(), c in poly()) {
        prop_assert_eq!(&a * &b, &b * &a);
        prop_assert_eq!(&(&a + &b) * &c, &(&a * &c) + &(&b * &c));
        prop_assert_eq!(&(&a * &b) * &c, &a * &(&b * &c));
        prop_assert_eq!(&(&a - &b) + &b, a);
    }

    #[test]
    fn exact_division_undoes_multiplication(a in poly(), b in nonzero_poly()) {
        prop_assert_eq!((&a * &b).exact_div(&b), Some(a));
    }

    #[test]
    fn gcd_divides_both_and_finds_common_factors(a in nonzero_poly(), b in nonzero_poly(), c in nonzero_poly()) {
        let (x, y) = (&a * &c, &b * &c);
        let g = gcd(&x, &y);
        prop_assert!(x.exact_div(&g).is_some(), "gcd {:?} does not divide {:?}", g, x);
        prop_assert!(y.exact_div(&g).is_some());
        prop_assert!(g.exact_div(&c.primitive()).is_some(), "gcd {:?} misses the common factor {:?}", g, c);
    }

    #[test]
    fn rational_functions_are_canonical(a in nonzero_poly(), b in nonzero_poly(), c in nonzero_poly()) {
        let r = RatFunc::new(a.clone(), b.clone()).unwrap();
        let s = RatFunc::new(&a * &c, &b * &c).unwrap();
        prop_assert_eq!(&r, &s);
        let inv = r.inv().unwrap();
        prop_assert_eq!(&r * &inv, RatFunc::one());
        prop_assert_eq!(&(&r + &s) - &s, r);
    }

    #[test]
    fn bareiss_determinant_and_adjugate(entries in prop::collection::vec(poly(), 9)) {
        let m = Matrix::from_vec(3, 3, entries);
        let d = m.det().unwrap();
        prop_assert_eq!(&d, &laplace(&m));
        let adj = m.adjugate().unwrap();
        prop_assert_eq!(m.mul(&adj).unwrap(), Matrix::<Poly>::identity(3).scale(&d));
    }

    #[test]
    fn rank_inverse_and_solve_over_q(entries in prop::collection::vec(-3i64..=3, 16)) {
        let m = Matrix::from_vec(4, 4, entries.iter().map(|&e| Q::from_int(e)).collect());
        let det = m.det().unwrap();
        prop_assert_eq!(m.rank() == 4, !det.is_zero());
        if let Ok(inv) = m.inverse() {
            prop_assert_eq!(m.mul(&inv).unwrap(), Matrix::identity(4));
        }
        let null = m.nullspace();
        prop_assert_eq!(null.len(), 4 - m.rank());
        for v in null {
            prop_assert!(m.mul(&v).unwrap().is_zero());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// A proof of coprimality (by specializations modulo a prime) is never
    /// given for polynomials with a common factor, and agrees with the gcd.
    #[test]
    fn coprimality_proofs_agree_with_the_gcd(a in nonzero_poly(), b in nonzero_poly(), f in nonzero_poly()) {
        use nnkey::algebra::coprime::certify_coprime;
        if certify_coprime(&a, &b) {
            prop_assert!(gcd(&a, &b).is_constant());
        }
        if !f.is_constant() {
            prop_assert!(!certify_coprime(&(&a * &f), &(&b * &f)));
        }
    }
}
