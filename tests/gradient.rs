//! The gradient-descent family: the closed form against exact solves,
//! gradient descent run for real, rank deficiency, step sizes, and the
//! errors a problem file can make.

mod common;

use common::{Sandbox, check, passing_finding, repo, run_in};
use ndarray::{Array1, Array2};
use nnkey::algebra::{Matrix, Poly, Q, RatFunc, Ring, Symbol, Var};
use nnkey::derive::gradient::{Fit, LambdaForm, LambdaMax, RankCase, Rows, closed_form, pseudo_inverse};
use nnkey::derive::{Answer, Depth};
use nnkey::numeric::Rng;
use nnkey::numeric::gradient::{Instance, check_instance, descend, gram_eigen};
use proptest::prelude::*;

const Q12: &str = r#"problem q12 "Minimum norm"
  X = matrix 2x3 x
  y = vector 2 y
  find w = limit of gradient descent on least squares(X, y) from 0
  expect w = X^T (X X^T)^-1 y
"#;

fn symbolic(ring: &Ring, name: &str, rows: usize, cols: usize) -> Matrix<Poly> {
    Matrix::from_vec(
        rows,
        cols,
        (0..rows * cols)
            .map(|k| Poly::var(ring.var(&Symbol::indexed(name, &[(k / cols) as i64, (k % cols) as i64]))))
            .collect(),
    )
}

fn rational_matrix(rows: usize, cols: usize, entries: &[i64]) -> Matrix<Q> {
    Matrix::from_vec(rows, cols, entries.iter().map(|&v| Q::from_int(v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The symbolic closed form for a 2×3 X, evaluated at random integers,
    /// equals Xᵀ ν with (X Xᵀ) ν = y solved exactly over the rationals.
    #[test]
    fn closed_form_matches_exact_solves(xs in proptest::collection::vec(-5i64..=5, 6), ys in proptest::collection::vec(-5i64..=5, 2)) {
        let ring = Ring::new();
        let x = symbolic(&ring, "x", 2, 3);
        let y = symbolic(&ring, "y", 2, 1);
        let cf = closed_form(&x, &y, &Matrix::zeros(3, 1)).expect("full row rank generically");
        let xq = rational_matrix(2, 3, &xs);
        let yq = rational_matrix(2, 1, &ys);
        let gram = xq.mul(&xq.transpose()).unwrap();
        prop_assume!(!gram.det().unwrap().is_zero());
        let exact = xq.transpose().mul(&gram.solve(&yq).unwrap()).unwrap();
        let value = |v: Var| {
            let s = ring.symbol(v);
            let k = (s.indices[0] * if s.name == "x" { 3 } else { 1 } + s.indices[1]) as usize;
            Q::from_int(if s.name == "x" { xs[k] } else { ys[k] })
        };
        for i in 0..3 {
            prop_assert_eq!(cf.limit.get(i, 0).eval(&value).unwrap(), exact.get(i, 0).clone());
        }
    }

    /// The pseudo-inverse solves the normal equations and lies in the row
    /// space, for any rank.
    #[test]
    fn pseudo_inverse_gives_the_least_norm_least_squares_point(
        xs in proptest::collection::vec(-3i64..=3, 8),
        ys in proptest::collection::vec(-3i64..=3, 2),
    ) {
        let x = rational_matrix(2, 4, &xs);
        let y = rational_matrix(2, 1, &ys);
        let p = pseudo_inverse(&x);
        let w = p.pinv.mul(&y).unwrap();
        // Normal equations Xᵀ X w = Xᵀ y.
        let xt = x.transpose();
        prop_assert_eq!(xt.mul(&x).unwrap().mul(&w).unwrap(), xt.mul(&y).unwrap());
        // w is orthogonal to the null space.
        for z in x.nullspace() {
            let dot = (0..4).fold(Q::zero(), |acc, i| &acc + &(w.get(i, 0) * z.get(i, 0)));
            prop_assert!(dot.is_zero());
        }
        prop_assert_eq!(p.rank, x.rank());
    }

    /// Gradient descent, run in floating point, converges to the exact
    /// minimum-norm solution of random consistent systems.
    #[test]
    fn gradient_descent_converges_to_the_exact_solution(xs in proptest::collection::vec(-4i64..=4, 8), ys in proptest::collection::vec(-4i64..=4, 2)) {
        let xq = rational_matrix(2, 4, &xs);
        let gram = xq.mul(&xq.transpose()).unwrap();
        prop_assume!(!gram.det().unwrap().is_zero());
        let yq = rational_matrix(2, 1, &ys);
        let exact = xq.transpose().mul(&gram.solve(&yq).unwrap()).unwrap();
        let inst = Instance {
            x: Array2::from_shape_vec((2, 4), xs.iter().map(|&v| v as f64).collect()).unwrap(),
            y: Array1::from(ys.iter().map(|&v| v as f64).collect::<Vec<_>>()),
            w0: Array1::zeros(4),
        };
        let eig = gram_eigen(&inst.x).unwrap();
        let eta = 1.0 / (eig.max() + eig.min_positive().unwrap());
        let run = descend(&inst, &inst.w0, eta, 1_000_000);
        prop_assert!(run.converged);
        for i in 0..4 {
            prop_assert!((run.w[i] - exact.get(i, 0).to_f64()).abs() < 1e-8 * (1.0 + exact.get(i, 0).to_f64().abs()));
        }
        let closed = Array1::from((0..4).map(|i| exact.get(i, 0).to_f64()).collect::<Vec<_>>());
        let report = check_instance(&inst, &closed, true, &mut Rng::new(7)).unwrap();
        prop_assert!(report.passed(), "{:?}", report);
    }
}

#[test]
fn one_example_closed_form_by_hand() {
    // X = [a b], y: (a y, b y)/(a² + b²).
    let ring = Ring::new();
    let p = |n: &str| Poly::var(ring.var(&Symbol::plain(n)));
    let (a, b, y) = (p("a"), p("b"), p("y"));
    let cf = closed_form(
        &Matrix::from_vec(1, 2, vec![a.clone(), b.clone()]),
        &Matrix::column(vec![y.clone()]),
        &Matrix::zeros(2, 1),
    )
    .unwrap();
    let den = &(&a * &a) + &(&b * &b);
    assert_eq!(cf.limit.get(0, 0), &RatFunc::new(&a * &y, den.clone()).unwrap());
    assert_eq!(cf.limit.get(1, 0), &RatFunc::new(&b * &y, den).unwrap());
}

#[test]
fn the_shipped_gradient_problems_pass_and_prose_answers_render() {
    let run = run_in(&repo(), &["check", "problems/ps3/q12.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("q12 w ... ok"));
    assert!(run.stdout.contains("q12 shortest ... ok"));
    let md = run_in(
        &repo(),
        &["solve", "--format", "markdown", "problems/ps3/q13.nnk", "problems/ps3/q14.nnk", "problems/ps3/q15.nnk"],
    );
    assert_eq!(md.code, 0, "{}", md.stderr);
    for id in ["q13", "q14", "q15"] {
        assert!(md.stdout.contains(&format!("### Answer: {id}")), "{}", md.stdout);
    }
    assert!(md.stdout.contains("interpolat"));
}

#[test]
fn a_wrong_key_fails() {
    let s = Sandbox::new();
    s.write("q12.nnk", &Q12.replace("X^T (X X^T)^-1 y", "X^T y"));
    let run = s.run(&["check", "q12.nnk"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("q12 w ... FAILED"));
    assert!(run.stdout.contains("q12.nnk:5:3"), "{}", run.stdout);
}

#[test]
fn the_derivation_is_a_proof_with_the_step_condition() {
    let s = Sandbox::new();
    s.write("q12.nnk", Q12);
    let run = s.run(&["solve", "q12.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Prose wraps at the width; read it as one line.
    let out = &run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "∇ f(w) = 2 X^T (X w - y)",
        "w^(t + 1) = w^(t) - 2 η X^T (X w^(t) - y)",
        "by induction on t",
        "Cauchy–Binet",
        "det(G) = (x[0,0] x[1,1] - x[0,1] x[1,0])^2 + ",
        "0 < η < 1/λ_max(G)",
        "λ_max = (T + sqrt(D))/2",
        "T = tr(G) = x[0,0]^2 + ",
        "D = (tr(G))^2 - 4 det(G)",
        "Pythagoras",
        "Numeric check passed (3 trials)",
        "diverged",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn rank_deficient_numeric_data_get_the_pseudo_inverse_limit() {
    let s = Sandbox::new();
    s.write(
        "r.nnk",
        "problem r\n  X = matrix [[1, 1], [1, 1]]\n  y = vector [0, 2]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  expect w = [1/2, 1/2]\n",
    );
    let run = s.run(&["solve", "r.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("X has rank 1 < 2"), "{}", run.stdout);
    assert!(run.stdout.contains("f(w_∞) = ‖(I - X X^+) y‖^2 = 2"), "{}", run.stdout);
    assert!(run.stdout.contains("λ_max = 4"), "{}", run.stdout);
    assert!(run.stdout.contains("Key: holds."), "{}", run.stdout);
}

#[test]
fn an_inconsistent_system_has_no_minimum_norm_solution() {
    let s = Sandbox::new();
    s.write(
        "r.nnk",
        "problem r\n  X = matrix [[1, 1], [1, 1]]\n  y = vector [0, 2]\n  find m = minimum-norm solution of X v = y\n",
    );
    // The answer is the word, with its certificate, and nothing is an error.
    let run = s.run(&["solve", "r.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("m = no solution"), "{}", run.stdout);
    assert!(run.stdout.contains("u = [-1, 1]"), "{}", run.stdout);
}

#[test]
fn a_step_above_the_condition_is_answered_and_says_why() {
    let s = Sandbox::new();
    let text = "problem s\n  X = matrix [[1, 2, 3], [0, 1, 1]]\n  y = vector [1, 1]\n  \
                find w = limit of gradient descent on least squares(X, y) from 0 with step 1/10\n";
    s.write("s.nnk", text);
    let run = s.run(&["solve", "s.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("w = diverges"), "{}", run.stdout);
    assert!(run.stdout.contains("8 + sqrt(61)"), "{}", run.stdout);
    // Just inside converges, and the boundary of a rational λ_max oscillates.
    s.write("s.nnk", &text.replace("1/10", "0.0632"));
    assert_eq!(s.run(&["check", "s.nnk"]).code, 0);
    s.write(
        "t.nnk",
        "problem t\n  X = matrix [[1, 2, 3], [2, 4, 6]]\n  y = vector [1, 2]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0 with step 1/70\n  expect w = oscillates\n",
    );
    let run = s.run(&["solve", "t.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("flips sign"), "{}", run.stdout);
}

#[test]
fn symbolic_data_of_deficient_rank_are_refused_with_the_reason() {
    let s = Sandbox::new();
    s.write(
        "d.nnk",
        "problem d\n  X = matrix [[a, b], [2*a, 2*b]]\n  y = vector 2 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n",
    );
    let run = s.run(&["check", "d.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("linearly dependent for every value of its symbols"), "{}", run.stderr);
    assert!(run.stderr.contains("rank 1 < 2"), "{}", run.stderr);
}

#[test]
fn malformed_queries_say_what_was_expected() {
    let s = Sandbox::new();
    let cases: &[(&str, &str)] = &[
        ("find w = limit of gradient descent on least squares(X, y)", "gradient descent needs a starting point"),
        ("find w = limit of descent on least squares(X, y) from 0", "expected `gradient`"),
        ("find w = minimum-norm solution of X = y", "expected a matrix times the unknown"),
        ("find w = minimum-norm solution of X y = y", "`y` is declared in this problem"),
        ("find w = limit of gradient descent on least squares(X) from 0", "takes 2 arguments"),
        ("find w = limit of gradient descent on least squares(X, [1, 2, 3]) from 0", "2 examples need 2 targets"),
        ("find w = limit of gradient descent on least squares(X, y) from [1, 2]", "vector of length 3"),
        ("find w = limit of gradient descent on least squares(X, y) from 0 with step -1", "must be positive"),
    ];
    for (line, message) in cases {
        s.write("e.nnk", &format!("problem e\n  X = matrix 2x3 x\n  y = vector 2 y\n  {line}\n"));
        let run = s.run(&["check", "e.nnk"]);
        assert_eq!(run.code, 2, "{line}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{line}: {}", run.stderr);
        assert!(run.stderr.contains("e.nnk:4:"), "{line}: {}", run.stderr);
    }
}

#[test]
fn json_reports_the_limit_and_its_crosscheck() {
    let s = Sandbox::new();
    s.write("q12.nnk", Q12);
    let run = s.run(&["solve", "--format", "json", "q12.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let f = &v["files"][0]["problems"][0]["findings"][0];
    assert_eq!(f["kind"], "limit");
    assert_eq!(f["value"]["rows"], 3);
    assert_eq!(f["value"]["cols"], 1);
    assert_eq!(f["crosscheck"]["passed"], true);
    assert_eq!(f["expect"]["status"], "pass");
}

/// The derivation's steps as plain text, formulas included.
fn derivation_text(report: &nnkey::check::FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    f.finding
        .explanation
        .steps
        .iter()
        .map(|s| {
            let (text, math) = nnkey::render::step_parts(s, &p.problem.ring);
            format!("{text}\n{}", math.map(|m| m.0).unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn derivation_letters_avoid_the_problems_own_names() {
    // `t` names the targets and `a` is a symbol: the iteration index and
    // the row-space coefficient must be other letters.
    let report = check(
        "problem q\n  X = matrix [[a, b]]\n  t = vector [y]\n  \
         find w = limit of gradient descent on least squares(X, t) from 0\n  \
         expect w = [a*y/(a^2 + b^2), b*y/(a^2 + b^2)]\n",
    );
    let text = derivation_text(&report, "w");
    for needle in [
        "f(w) = ‖X w - t‖^2",
        "w^(k + 1) = w^(k) - 2 η X^T (X w^(k) - t)",
        "by induction on k",
        "X^T c^(k)",
        "λ_max = a^2 + b^2",
        "0 < η < 1/(a^2 + b^2)",
        "w_∞ = X^T G^-1 t = [a y/(a^2 + b^2), b y/(a^2 + b^2)]",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains("w^(t"), "{text}");
    assert!(!text.contains("a^(k)"), "{text}");

    // `t` and `a` as symbols of the data, and `w` as a symbol too: the
    // iterate is another letter as well.
    let report = check(
        "problem q\n  X = matrix [[1, 0, a], [0, 1, w]]\n  y = vector [t, 1]\n  \
         find lim = limit of gradient descent on least squares(X, y) from 0\n",
    );
    let text = derivation_text(&report, "lim");
    assert!(text.contains("v^(k + 1) = v^(k) - 2 η X^T (X v^(k) - y)"), "{text}");
    assert!(text.contains("X^T c^(k)"), "{text}");
    assert!(!text.contains("w^("), "{text}");
}

#[test]
fn the_two_by_two_lambda_max_is_a_formula_in_the_data() {
    let report = check(
        "problem q\n  X = matrix [[1, 0, a], [0, 1, a]]\n  y = vector 2 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n",
    );
    let text = derivation_text(&report, "w");
    // The trace and the discriminant are polynomials in a; the root of the
    // discriminant 4 a^4 is exact, so λ_max is a polynomial.
    assert!(text.contains("2 a^2 + 2) + sqrt(4 a^4))/2 = 2 a^2 + 1"), "{text}");
    assert!(text.contains("0 < η < 1/(2 a^2 + 2)"), "{text}");
    let (_, f) = passing_finding(&report, "w");
    let Answer::Limit(a) = &f.finding.answer else { panic!("not a limit: {:?}", f.finding.answer) };
    let LambdaForm::Quadratic(q) = &a.step.lambda_max else { panic!("{:?}", a.step.lambda_max) };
    assert!(q.root.is_some());
}

#[test]
fn typed_answers_carry_what_checks_and_pictures_need() {
    let report = check(&std::fs::read_to_string(repo().join("problems/ps3/q12.nnk")).unwrap());
    // From u: the start, the limit, full rank, a symbolic 2×2 λ_max.
    let (_, f) = passing_finding(&report, "from_u");
    let Answer::Limit(a) = &f.finding.answer else { panic!("not a limit") };
    assert_eq!(a.start.shape(), (3, 1));
    assert!(!a.start.is_zero());
    assert_eq!(a.limit.shape(), (3, 1));
    assert_eq!(a.data.x_name, "X");
    assert!(matches!(a.rank, RankCase::Full { .. }));
    assert!(matches!(a.step.lambda_max, LambdaForm::Quadratic(_)));
    // Numbers: the exact surd 8 + sqrt(61), the step 1/20 checked, a safe step.
    let (_, f) = report
        .problems
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .find(|(p, f)| p.problem.id == "q12b" && f.finding.name == "w")
        .unwrap();
    let Answer::Limit(a) = &f.finding.answer else { panic!("not a limit") };
    let LambdaForm::Exact(sp) = &a.step.lambda_max else { panic!("{:?}", a.step.lambda_max) };
    assert!(matches!(sp.lambda, LambdaMax::Surd { .. }));
    assert_eq!(a.step.safe_step, Some(Q::new(632, 10000)));
    assert_eq!(a.step.step.as_ref().and_then(|s| s.as_constant()), Some(Q::new(1, 20)));
    // The repeated example: the pseudo-inverse limit, which fits exactly.
    let (_, f) = report
        .problems
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .find(|(p, f)| p.problem.id == "q12b" && f.finding.name == "repeated")
        .unwrap();
    let Answer::Limit(a) = &f.finding.answer else { panic!("not a limit") };
    let RankCase::PseudoInverse { pinv, fit } = &a.rank else { panic!("{:?}", a.rank) };
    assert_eq!(pinv.rank, 1);
    assert!(matches!(fit, Fit::Exact));
    assert_eq!(a.null_space().map(|z| z.len()), Some(2));
    // The minimum-norm solution on dependent rows keeps one of them.
    let (_, f) = report
        .problems
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .find(|(p, f)| p.problem.id == "q12b" && f.finding.name == "repeated_shortest")
        .unwrap();
    let Answer::MinimumNorm(m) = &f.finding.answer else { panic!("not a minimum-norm solution") };
    let Rows::Reduced(r) = &m.rows else { panic!("{:?}", m.rows) };
    assert_eq!(r.kept, vec![0]);
    assert!(r.condition.is_none());
    assert_eq!(m.solution.shape(), (3, 1));
}

#[test]
fn computation_notes_are_details_and_the_proof_is_the_solution() {
    let report = check(Q12);
    let (p, f) = passing_finding(&report, "w");
    let parts: Vec<(Depth, String)> = f
        .finding
        .explanation
        .steps
        .iter()
        .map(|s| (s.depth, nnkey::render::step_parts(s, &p.problem.ring).0))
        .collect();
    let depth_of = |needle: &str| {
        parts.iter().find(|(_, t)| t.contains(needle)).unwrap_or_else(|| panic!("no step {needle:?}: {parts:?}")).0
    };
    assert_eq!(depth_of("Cauchy–Binet"), Depth::Detail);
    assert_eq!(depth_of("fraction-free"), Depth::Detail);
    assert_eq!(depth_of("by induction"), Depth::Solution);
    assert_eq!(depth_of("The step size"), Depth::Solution);
    assert_eq!(depth_of("Pythagoras"), Depth::Solution);
    let solution = parts.iter().filter(|(d, _)| *d == Depth::Solution).count();
    assert!(solution <= 8, "{parts:?}");
}

#[test]
fn symbolic_minimum_norm_and_an_algebraic_lambda_max_are_explained() {
    // Three examples: λ_max is the largest root of a cubic, isolated exactly.
    let report = check(
        "problem q\n  X = matrix [[1, 2, 0, 1], [0, 1, 1, 3], [2, 0, 1, 1]]\n  y = vector [1, 0, 2]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  \
         find m = minimum-norm solution of X v = y\n",
    );
    let text = derivation_text(&report, "w");
    assert!(text.contains("< λ_max ≤"), "{text}");
    assert!(text.contains("det(λ I - G) = λ^3"), "{text}");
    let text = derivation_text(&report, "m");
    assert!(text.contains("2 v = X^T μ"), "{text}");
    assert!(text.contains("v = X^T ν = ["), "{text}");
    // Symbolic data: the assumption and the multipliers.
    let report =
        check(&Q12.replace("  expect w =", "  find shortest = minimum-norm solution of X v = y\n  expect w ="));
    let text = derivation_text(&report, "shortest");
    assert!(text.contains("det(X X^T) = "), "{text}");
    assert!(text.contains("≠ 0"), "{text}");
    // One example with a symbolic step: the condition is stated, not decided.
    let report = check(
        "problem q\n  X = matrix [[a, b]]\n  y = vector [1]\n  \
         find w = limit of gradient descent on least squares(X, y) from [1, 1] with step eta\n",
    );
    let text = derivation_text(&report, "w");
    assert!(text.contains("where the step η satisfies"), "{text}");
    assert!(text.contains("η (a^2 + b^2) < 1"), "{text}");
    assert!(text.contains("‖w_∞ + z - w^(0)‖^2 = ‖w_∞ - w^(0)‖^2 + ‖z‖^2"), "{text}");
    // Dependent rows with symbolic targets: the consistency condition.
    let report = check(
        "problem q\n  X = matrix [[1, 1], [2, 2]]\n  y = vector 2 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  \
         find m = minimum-norm solution of X v = y\n",
    );
    let text = derivation_text(&report, "w");
    assert!(text.contains("(I - X X^+) y = 0"), "{text}");
    let text = derivation_text(&report, "m");
    assert!(text.contains("X = C X_I"), "{text}");
}

#[test]
fn three_symbolic_examples_and_a_zero_matrix_are_explained() {
    // Three examples with symbols: λ_max is the largest root of a cubic,
    // bounded by the trace; a, b and c are taken, so the coefficient is p.
    let report = check(
        "problem q\n  X = matrix [[a, 0, 1], [0, b, 1], [1, 1, c]]\n  y = vector 3 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n",
    );
    let text = derivation_text(&report, "w");
    assert!(text.contains("a polynomial of degree 3"), "{text}");
    assert!(text.contains("0 < η < 1/(a^2 + b^2 + c^2 + 4)"), "{text}");
    assert!(text.contains("X^T p^(t)"), "{text}");
    // X = 0: every step leaves the start in place, and the limit is the
    // start, with the whole of ‖y‖² as training error.
    let report = check(
        "problem z\n  X = matrix [[0, 0]]\n  y = vector [1]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  expect w = [0, 0]\n",
    );
    let text = derivation_text(&report, "w");
    assert!(text.contains("every step size leaves w^(0) in place"), "{text}");
    assert!(text.contains("‖(I - X X^+) y‖^2 = 1"), "{text}");
}
