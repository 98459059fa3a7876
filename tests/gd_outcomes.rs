//! Gradient descent with a step at or above 1/λ_max (`diverges`,
//! `oscillates`, or a limit after all), inconsistent systems (`no
//! solution`), and the quantities behind the step condition: λ_max, the
//! largest convergent step, ‖w∞‖², the training error and the rank.

mod common;

use common::{Sandbox, repo, run_in};
use nnkey::algebra::{Matrix, Q};
use nnkey::derive::gradient::{Witness, dynamics};

/// One problem on X = [[1, 1, 0], [0, 0, 1]], y = (2, 1): λ_max(X Xᵀ) = 2,
/// the limit from 0 is (1, 1, 1), and the error starts at −(1, 1, 0) −
/// (0, 0, 1), along the eigenvalues 2 and 1 of XᵀX.
fn steps(step: &str, key: &str) -> String {
    format!(
        "problem p\n  X = matrix [[1, 1, 0], [0, 0, 1]]\n  y = vector [2, 1]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0 with step {step}\n{key}"
    )
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn q(n: i64) -> Q {
    Q::from_int(n)
}

fn qm(rows: &[&[i64]]) -> Matrix<Q> {
    Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&v| q(v)).collect()).collect()).unwrap()
}

#[test]
fn the_shipped_outcome_problems_pass() {
    let run = run_in(&repo(), &["check", "problems/ps3/q12_outcomes.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for line in [
        "gd1 big ... ok",
        "gd1 half ... ok",
        "gd1 lucky ... ok",
        "gd2 w ... ok",
        "gd3 s ... ok",
        "gd4 lam ... ok",
        "gd5 lam ... ok",
        "gd5 bound ... ok",
        "gd6 lam ... ok",
        "gd6 bound ... ok",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?} in\n{}", run.stdout);
    }
}

#[test]
fn a_step_above_the_bound_diverges_with_an_eigenvector() {
    let s = Sandbox::new();
    s.write("p.nnk", &steps("3/4", "  expect w = diverges\n"));
    let run = s.run(&["solve", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = one_line(&run.stdout);
    for needle in [
        "e^(t + 1) = (I - 2 η X^T X) e^(t)",
        "λ_max = 2",
        "3/4 λ_max > 1",
        "z = [1, 1, 0]",
        "X^T X z = [2, 2, 0] = 2 z",
        "z^T e^(0) = -2",
        "1 - 2 η 2 = -2",
        "diverges",
        "Numeric check passed",
        "Key: holds.",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn a_vector_key_on_a_diverging_problem_fails_and_says_why() {
    let s = Sandbox::new();
    s.write("p.nnk", &steps("3/4", "  expect w = [1, 1, 1]\n"));
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("p w ... FAILED"), "{}", run.stdout);
    let out = one_line(&run.stdout);
    assert!(out.contains("gradient descent with this step diverges, so it has no limit"), "{out}");
    // The other word is wrong too.
    s.write("p.nnk", &steps("3/4", "  expect w = oscillates\n"));
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(one_line(&run.stdout).contains("the key says oscillates, but gradient descent with this step diverges"));
    // And a word on a converging problem.
    s.write("p.nnk", &steps("1/4", "  expect w = diverges\n"));
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(one_line(&run.stdout).contains("the key says diverges, but nnkey derives a vector: [1, 1, 1]"));
}

#[test]
fn a_step_of_exactly_one_over_lambda_max_oscillates_between_two_points() {
    let s = Sandbox::new();
    s.write("p.nnk", &steps("1/2", "  expect w = oscillates\n"));
    let run = s.run(&["solve", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = one_line(&run.stdout);
    for needle in ["1/2 λ_max = 1", "1 - 2 η 2 = -1", "flips sign forever", "z)) z = [-1, -1, 0]", "Key: holds."] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    // The numeric check ran gradient descent and saw the two-cycle.
    assert!(out.contains("consecutive iterates differ by 1.000000000 × 2‖c‖"), "{out}");
}

#[test]
fn a_large_step_converges_when_the_error_misses_the_top_eigenvector() {
    let s = Sandbox::new();
    let text = "problem p\n  X = matrix [[1, 1, 0], [0, 0, 1]]\n  t = vector [0, 1]\n  \
                find w = limit of gradient descent on least squares(X, t) from 0 with step 3/4\n  \
                expect w = [0, 0, 1]\n";
    s.write("p.nnk", text);
    let run = s.run(&["solve", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = one_line(&run.stdout);
    for needle in ["does not satisfy it", "Yet from this start the iterates converge", "μ(λ) = λ - 1", "Key: holds."]
    {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    // From another start the same step diverges.
    s.write("p.nnk", &text.replace("t = vector [0, 1]", "t = vector [1, 1]").replace("[0, 0, 1]\n", "diverges\n"));
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn an_irrational_top_eigenvalue_is_certified_by_a_rayleigh_quotient() {
    let s = Sandbox::new();
    s.write(
        "s.nnk",
        "problem s\n  X = matrix [[1, 2, 3], [0, 1, 1]]\n  y = vector [1, 1]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0 with step 1/10\n  expect w = diverges\n",
    );
    let run = s.run(&["solve", "s.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = one_line(&run.stdout);
    for needle in ["λ_max = 8 + sqrt(61)", "z = [1, 3, 4]", "= 205/13 > 10", "Key: holds."] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn the_dynamics_are_decided_on_the_starting_error() {
    let x = qm(&[&[1, 1, 0], &[0, 0, 1]]);
    let e = |v: &[i64]| Matrix::column(v.iter().map(|&k| q(k)).collect());
    // η = 1/2: the part along (1, 1, 0) flips; c is that part.
    let d = dynamics(&x, &e(&[-1, -1, -1]), &Q::new(1, 2), &q(2)).unwrap();
    let Witness::Eigenvector { v, lambda, cycle, .. } = &d.witness else { panic!("{:?}", d.witness) };
    assert_eq!((v.clone(), lambda.clone()), (e(&[1, 1, 0]), q(2)));
    assert_eq!(cycle, &e(&[-1, -1, 0]));
    // No part along the top eigenvector: every root below 1/η.
    let d = dynamics(&x, &e(&[0, 0, -1]), &Q::new(3, 4), &Q::new(4, 3)).unwrap();
    assert!(matches!(d.witness, Witness::Roots));
    // A zero error converges whatever the step.
    let d = dynamics(&x, &e(&[0, 0, 0]), &q(5), &Q::new(1, 5)).unwrap();
    assert!(matches!(d.witness, Witness::Roots));
}

#[test]
fn an_inconsistent_system_has_no_solution_with_a_certificate() {
    let s = Sandbox::new();
    let text = "problem r\n  X = matrix [[1, 1], [1, 1]]\n  y = vector [0, 2]\n  \
                find m = minimum-norm solution of X v = y\n  expect m = no solution\n";
    s.write("r.nnk", text);
    let run = s.run(&["solve", "r.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = one_line(&run.stdout);
    for needle in ["u = [-1, 1]", "u^T X = [[0, 0]]", "u^T y = 2 ≠ 0", "a contradiction", "= 2 > 0", "Key: holds."] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    s.write("r.nnk", &text.replace("no solution", "[1/2, 1/2]"));
    let run = s.run(&["check", "r.nnk"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(one_line(&run.stdout).contains("the system has no solution"), "{}", run.stdout);
}

#[test]
fn bless_writes_the_answer_words_and_check_reads_them_back() {
    let s = Sandbox::new();
    let text = "problem p\n  X = matrix [[1, 1, 0], [0, 0, 1]]\n  y = vector [2, 1]\n  \
                find big = limit of gradient descent on least squares(X, y) from 0 with step 3/4\n  \
                find half = limit of gradient descent on least squares(X, y) from 0 with step 1/2\n  \
                R = matrix [[1, 2, 3], [2, 4, 6]]\n  z = vector [1, 1]\n  \
                find s = minimum-norm solution of R v = z\n";
    s.write("p.nnk", text);
    let run = s.run(&["bless", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blessed = s.read("p.nnk");
    for key in ["expect big = diverges", "expect half = oscillates", "expect s = no solution"] {
        assert!(blessed.contains(key), "missing {key:?} in\n{blessed}");
    }
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_large_step_with_symbolic_targets_says_the_outcome_depends_on_them() {
    let s = Sandbox::new();
    s.write(
        "p.nnk",
        "problem p\n  X = matrix [[1, 1, 0], [0, 0, 1]]\n  y = vector 2 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0 with step 3/4\n",
    );
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(one_line(&run.stderr).contains("depends on the symbols"), "{}", run.stderr);
    assert!(run.stderr.contains("p.nnk:4:"), "{}", run.stderr);
}

#[test]
fn lambda_max_keys_are_exact_and_wrong_ones_fail() {
    let s = Sandbox::new();
    let text = "problem p\n  X = matrix [[1, 0, a], [0, 1, a]]\n  Z = matrix [[1, a, 0], [0, 1, a]]\n  \
                find l = largest eigenvalue of X X^T\n  expect l = 2*a^2 + 1\n  \
                find m = largest eigenvalue of Z Z^T\n  expect m = a^2 + abs(a) + 1\n  \
                find n = largest eigenvalue of Z Z^T\n  expect n = a^2 + abs(-2*a)/2 + 1\n";
    s.write("p.nnk", text);
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for (right, wrong) in [
        ("expect l = 2*a^2 + 1", "expect l = 2*a^2 + 2"),
        ("expect m = a^2 + abs(a) + 1", "expect m = a^2 + a + 1"),
        ("expect m = a^2 + abs(a) + 1", "expect m = a^2 - abs(a) + 1"),
        ("expect m = a^2 + abs(a) + 1", "expect m = a^2 + 2*abs(a) + 1"),
    ] {
        s.write("p.nnk", &text.replace(right, wrong));
        let run = s.run(&["check", "p.nnk"]);
        assert_eq!(run.code, 1, "{wrong} passed:\n{}", run.stdout);
    }
}

#[test]
fn bless_writes_radical_keys_that_read_back() {
    let s = Sandbox::new();
    s.write(
        "p.nnk",
        "problem p\n  X = matrix [[1, a, 0], [0, 1, a]]\n  Y = matrix [[1, 2, 3], [0, 1, 1]]\n  y = vector [1, 1]\n  \
         find m = largest eigenvalue of X X^T\n  find b = largest convergent step for least squares(X, y)\n  \
         find l = largest eigenvalue of Y Y^T\n  find s = largest convergent step for least squares(Y, y)\n",
    );
    let run = s.run(&["bless", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blessed = s.read("p.nnk");
    assert!(blessed.contains("expect l = 8 + sqrt(61)"), "{blessed}");
    assert!(blessed.contains("abs(a)"), "{blessed}");
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn rank_norm_and_training_error_are_checked() {
    let s = Sandbox::new();
    let text = "problem p\n  R = matrix [[1, 2, 3], [2, 4, 6]]\n  z = vector [1, 1]\n  \
                find r = rank of R\n  expect r = 1\n  \
                find e = training error of limit of gradient descent on least squares(R, z) from 0\n  expect e = 1/5\n  \
                find n = squared norm of limit of gradient descent on least squares(R, z) from 0\n  expect n = 9/350\n";
    s.write("p.nnk", text);
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for (right, wrong) in
        [("expect r = 1", "expect r = 2"), ("expect e = 1/5", "expect e = 0"), ("expect n = 9/350", "expect n = 1/14")]
    {
        s.write("p.nnk", &text.replace(right, wrong));
        assert_eq!(s.run(&["check", "p.nnk"]).code, 1, "{wrong} passed");
    }
    // A symbolic rank is the generic rank with its minor.
    s.write("q.nnk", "problem q\n  X = matrix [[a, 1], [1, a]]\n  find r = rank of X\n  expect r = 2\n");
    let run = s.run(&["solve", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(one_line(&run.stdout).contains("a^2 - 1 ≠ 0"), "{}", run.stdout);
}
