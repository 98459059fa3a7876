//! Exponential formulas through the algebra and the value layer: canonical
//! equality, exact evaluation against direct integer arithmetic, keys
//! compared by meaning, printing that parses back, and errors that say why.

use nnkey::algebra::{Formula, Poly, Print, Q, Ring, Symbol, Var};
use nnkey::language::parse_expr;
use nnkey::model::value::{Bare, Value, compare, eval};
use proptest::prelude::*;

fn value(text: &str, ring: &Ring) -> Value {
    eval(&parse_expr(text).unwrap(), &Bare(ring)).unwrap_or_else(|d| panic!("{text}: {}", d.message))
}

fn formula(text: &str, ring: &Ring) -> Formula {
    value(text, ring).as_formula().unwrap_or_else(|| panic!("{text} is not a formula"))
}

fn error(text: &str, ring: &Ring) -> String {
    match eval(&parse_expr(text).unwrap(), &Bare(ring)) {
        Ok(v) => panic!("{text} evaluated to {}", v.print(ring)),
        Err(d) => d.message,
    }
}

fn var(ring: &Ring, name: &str) -> Var {
    ring.var(&Symbol::plain(name))
}

/// Values of named variables, as `Formula::eval` wants them.
fn at<'a>(ring: &'a Ring, values: &'a [(&'a str, i64)]) -> impl Fn(Var) -> Option<i64> + 'a {
    move |v| values.iter().find(|(n, _)| ring.lookup(&Symbol::plain(n)) == Some(v)).map(|p| p.1)
}

#[test]
fn one_count_written_many_ways_is_one_formula() {
    let ring = Ring::new();
    let key = formula("2^(L*d)", &ring);
    for text in ["2^(d*L)", "(2^L)^d", "(2^d)^L", "4^(L*d/2)", "2^(L*d - 1) * 2", "2^(L*d + 3) / 8", "(1/2)^(-L*d)"] {
        assert_eq!(formula(text, &ring), key, "{text}");
    }
    assert_ne!(formula("2^(L+d)", &ring), key);
    assert_ne!(formula("2^(L*d + 1)", &ring), key);
    assert_ne!(formula("3^(L*d)", &ring), key);
    assert_eq!(formula("n_f*n_g", &ring), formula("n_g*n_f", &ring));
    assert_eq!(formula("2^d + 2^d", &ring), formula("2^(d+1)", &ring));
    assert_eq!(formula("2^d + 3^d + x + 2^d", &ring), formula("x + 3^d + 2^(d+1)", &ring));
    assert_eq!(formula("2^d * 3^d", &ring), formula("6^d", &ring));
    assert_eq!(formula("(2^d + 1)^2", &ring), formula("4^d + 2^(d+1) + 1", &ring));
    assert_eq!(formula("2^(d/2) * 2^(d/2)", &ring), formula("2^d", &ring));
}

#[test]
fn a_polynomial_result_is_a_scalar_again() {
    let ring = Ring::new();
    assert!(matches!(value("2^(L*d)", &ring), Value::Formula(_)));
    assert!(matches!(value("2^d - 2^d + x", &ring), Value::Scalar(_)));
    assert_eq!(value("4^(1/2)", &ring).as_int(), Some(2));
    assert_eq!(value("(2^d)^0", &ring).as_int(), Some(1));
    assert_eq!(value("2^d / 2^(d - 3)", &ring).as_int(), Some(8));
}

#[test]
fn evaluation_is_exact_for_large_powers() {
    let ring = Ring::new();
    let f = formula("2^(L*d)", &ring);
    assert_eq!(f.eval(&at(&ring, &[("L", 4), ("d", 5)])), Ok(Q::from_int(1 << 20)));
    let g = formula("2^(L*d*k)", &ring);
    assert_eq!(g.eval(&at(&ring, &[("L", 4), ("d", 5), ("k", 3)])), Ok(Q::from_int(1 << 60)));
    let h = formula("3*2^(L*d) - 1", &ring);
    let expected = &(&Q::from_int(3) * &Q::from_int(2).pow(200).unwrap()) - &Q::one();
    assert_eq!(h.eval(&at(&ring, &[("L", 10), ("d", 20)])), Ok(expected));
    let huge = f.eval(&at(&ring, &[("L", 10_000), ("d", 10_000)])).unwrap_err();
    assert!(huge.contains("binary digits"), "{huge}");
    assert!(f.eval(&at(&ring, &[("L", 4)])).unwrap_err().contains("no value"));
}

#[test]
fn keys_compare_by_meaning() {
    let ring = Ring::new();
    let derived = value("2^(L*d)", &ring);
    assert_eq!(compare(&value("(2^L)^d", &ring), &derived, &ring), Ok(()));
    assert_eq!(
        compare(&value("2^(L+d)", &ring), &derived, &ring),
        Err("the key says 2^(L + d), nnkey derives 2^(L*d)".to_string())
    );
    let product = value("n_f*n_g", &ring);
    assert_eq!(compare(&value("n_g n_f", &ring), &product, &ring), Ok(()));
    // A formula against a polynomial scalar, both ways round.
    let x = Value::Formula(formula("x", &ring));
    assert_eq!(compare(&x, &value("x", &ring), &ring), Ok(()));
    assert_eq!(compare(&value("x + 1", &ring), &x, &ring), Err("the key says x + 1, nnkey derives x".into()));
    assert_eq!(
        compare(&value("x + 1", &ring), &value("2^d*x - 2^d", &ring), &ring),
        Err("the key says x + 1, nnkey derives 2^d*x - 2^d".into())
    );
    assert!(compare(&value("[1, 2]", &ring), &derived, &ring).unwrap_err().contains("a formula"));
}

#[test]
fn formulas_print_in_the_plain_notation_and_as_json() {
    let ring = Ring::new();
    let show = |text: &str| value(text, &ring).print(&ring);
    assert_eq!(show("2^(d*L)"), "2^(L*d)");
    assert_eq!(show("2^d*3 + 1"), "3*2^d + 1");
    assert_eq!(show("8^(d/6)"), "2^(d/2)");
    assert_eq!(value("(2^L)^d + n", &ring).to_key(&ring, 12), "n + 2^(L*d)");
    let v = value("(2^L)^d", &ring);
    let json = serde_json::to_value(nnkey::render::json::ValueJson { value: &v, ring: &ring }).unwrap();
    assert_eq!(json, serde_json::json!("2^(L*d)"));
}

#[test]
fn bad_powers_are_errors_that_say_why() {
    let ring = Ring::new();
    assert!(error("(-2)^d", &ring).contains("changes sign"));
    assert!(error("0^d", &ring).contains("no single value"));
    assert!(error("(2^d + 1)^d", &ring).contains("single term"));
    assert!(error("2^d / (d + 1)", &ring).contains("single term"));
    assert!(error("(1/x)^d", &ring).contains("polynomial base"));
    assert!(error("2^d + 1/x", &ring).contains("denominator"));
    assert!(error("2^(1/x)", &ring).contains("integer or a polynomial"));
    assert!(error("[[1, 2], [3, 4]]^d", &ring).contains("only integer powers"));
    assert!(error("2^(d + 10000000)", &ring).contains("binary digits"));
    let root = formula("x^(1/2)", &ring);
    assert_eq!(root.eval(&at(&ring, &[("x", 49)])), Ok(Q::from_int(7)));
    assert!(root.eval(&at(&ring, &[("x", 2)])).unwrap_err().contains("irrational"));
}

/// One term `c · 2^(a·L + b·d + k·L·d + m) · 3^(a3·L + m3) · n^(q·d + r)`.
type TermSpec = ((i64, i64), (i64, i64, i64, i64), (i64, i64), (i64, i64));

fn term_spec() -> impl Strategy<Value = TermSpec> {
    ((-5i64..=5, 1i64..=3), (-2i64..=2, -2i64..=2, -1i64..=1, -3i64..=3), (-1i64..=1, -2i64..=2), (0i64..=1, 0i64..=2))
}

fn term_text(((cn, cd), (a, b, k, m), (a3, m3), (q, r)): &TermSpec) -> String {
    format!("({cn}/{cd})*2^(({a})*L + ({b})*d + ({k})*L*d + ({m}))*3^(({a3})*L + ({m3}))*n^(({q})*d + ({r}))")
}

/// The term's value by direct integer arithmetic, independent of `Formula`.
fn term_value(((cn, cd), (a, b, k, m), (a3, m3), (q, r)): &TermSpec, l: i64, d: i64, n: i64) -> Q {
    let p2 = Q::from_int(2).pow(a * l + b * d + k * l * d + m).unwrap();
    let p3 = Q::from_int(3).pow(a3 * l + m3).unwrap();
    let pn = Q::from_int(n).pow(q * d + r).unwrap();
    &(&(&Q::new(*cn, *cd) * &p2) * &p3) * &pn
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn evaluation_agrees_with_integer_arithmetic(
        terms in prop::collection::vec(term_spec(), 1..=3),
        l in 0i64..=4, d in 0i64..=4, n in -3i64..=3,
    ) {
        let ring = Ring::new();
        let text: Vec<String> = terms.iter().map(term_text).collect();
        let f = formula(&text.join(" + "), &ring);
        let expected: Q = terms.iter().map(|t| term_value(t, l, d, n)).sum();
        prop_assert_eq!(f.eval(&at(&ring, &[("L", l), ("d", d), ("n", n)])), Ok(expected));
    }

    #[test]
    fn printing_parses_back_to_the_same_formula(terms in prop::collection::vec(term_spec(), 1..=3), half in 0i64..=1) {
        let ring = Ring::new();
        let text: Vec<String> = terms.iter().map(term_text).collect();
        // A half in an exponent exercises fractional exponents too.
        let f = &formula(&text.join(" - "), &ring) * &formula(&format!("2^(({half})*d/2)"), &ring);
        let printed = f.print(&ring);
        prop_assert_eq!(formula(&printed, &ring), f, "{}", printed);
    }

    #[test]
    fn operations_agree_with_evaluation(
        x in prop::collection::vec(term_spec(), 1..=3),
        y in term_spec(),
        l in 0i64..=3, d in 0i64..=3, n in 1i64..=3,
    ) {
        let ring = Ring::new();
        let fx = formula(&x.iter().map(term_text).collect::<Vec<_>>().join(" + "), &ring);
        let fy = formula(&term_text(&y), &ring);
        let values = [("L", l), ("d", d), ("n", n)];
        let ev = |f: &Formula| f.eval(&at(&ring, &values)).unwrap();
        prop_assert_eq!(ev(&(&fx + &fy)), &ev(&fx) + &ev(&fy));
        prop_assert_eq!(ev(&(&fx - &fy)), &ev(&fx) - &ev(&fy));
        prop_assert_eq!(ev(&(&fx * &fy)), &ev(&fx) * &ev(&fy));
        prop_assert_eq!(&fx * &fy, &fy * &fx);
        prop_assert_eq!(&fx + &fy, &fy + &fx);
        prop_assert_eq!(&(&fx + &fy) - &fy, fx.clone());
        if !fy.is_zero() {
            prop_assert_eq!(ev(&fx.div(&fy).unwrap()), &ev(&fx) / &ev(&fy));
            prop_assert_eq!((&fx * &fy).div(&fy).unwrap(), fx.clone());
        }
        prop_assert_eq!(ev(&fx.pow_int(2).unwrap()), ev(&fx).pow(2).unwrap());
        // Substituting a value for d agrees with evaluating at it.
        let fixed = fx.substitute(ring.lookup(&Symbol::plain("d")).unwrap(), &Formula::constant(Q::from_int(d))).unwrap();
        prop_assert_eq!(ev(&fixed), ev(&fx));
        prop_assert!(!fixed.vars().contains(&ring.lookup(&Symbol::plain("d")).unwrap()));
    }

    #[test]
    fn symbolic_powers_of_powers_multiply_exponents(a in 1i64..=3, b in -2i64..=2, c in 1i64..=12) {
        let ring = Ring::new();
        let (l, d) = (Poly::var(var(&ring, "L")), Poly::var(var(&ring, "d")));
        let base = Formula::constant(Q::from_int(c));
        let inner = Formula::power(&base, &(&l.scale(&Q::from_int(a)) + &Poly::from(b))).unwrap();
        let nested = Formula::power(&inner, &d).unwrap();
        let direct = Formula::power(&base, &(&(&l * &d).scale(&Q::from_int(a)) + &d.scale(&Q::from_int(b)))).unwrap();
        prop_assert_eq!(nested, direct);
    }
}
