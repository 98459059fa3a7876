//! The input gradient of a softmax cross-entropy: exact scores and class
//! gradients, decimals judged within their tolerance, kinks, the sign
//! step that raises the loss, errors at their spans, and a numeric check
//! that fails on a wrong gradient.

mod common;
use common::diagnose;

use common::{check, passing_finding};
use nnkey::check::{FileReport, Status};
use nnkey::derive::Answer;
use nnkey::derive::cross_entropy::CrossEntropyOutcome;
use nnkey::model::Query;

/// s = (-1, 1, 2) at X = (1, 2); class gradients (1, -1), (0, 1), (1, 0).
const NET: &str = "problem q
  h = network (x: 2) {
    dense [[1, 0], [0, 1], [1, -1]] + [0, 0, 0]
    relu
    dense [[1, -1, 2], [0, 1, 1], [1, 0, -1]] + [0, -1, 1]
  }
";

fn with(finds: &str) -> String {
    format!("{NET}{finds}")
}

fn status<'a>(r: &'a FileReport, name: &str) -> &'a Status {
    &r.problems.iter().flat_map(|p| &p.findings).find(|f| f.finding.name == name).expect("the find").status
}

fn fails(r: &FileReport, name: &str) -> String {
    match status(r, name) {
        Status::Fail(why) => why.clone(),
        s => panic!("{name}: expected a failing key, got {s:?}"),
    }
}

fn derived(r: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(r, name);
    f.finding.value.print(&p.problem.ring)
}

#[test]
fn exact_parts_and_decimals_are_derived_and_judged() {
    // ∇L = p0 (∇s0 − ∇s1) + p2 (∇s2 − ∇s1) = p0 (1, −2) + p2 (1, −1) for
    // y = 1, with p = softmax(−1, 1, 2) = (0.0351190, 0.2594965, 0.7053845):
    // (0.7405035, −0.7756225); L = log(e^−1 + e + e^2) − 1 = 1.3490122.
    let r = check(&with(
        "  find g = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect g = { scores: [-1, 1, 2], gradients: [[1, -1], [0, 1], [1, 0]],
    approx: { probabilities: [0.035119, 0.259496, 0.705385], loss: 1.349012, gradient: [0.740503, -0.775622] } }
  find four = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect four = { approx: { loss: 1.3490, gradient: [0.7405, -0.7756] } }
  find exact = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect exact = { gradients: [[1, -1], [0, 1], [1, 0]] }
  find bad_class = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect bad_class = { gradients: [[1, -1], [0, 1], [0, 1]] }
  find bad_scores = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect bad_scores = { scores: [-1, 1, 3], gradients: [[1, -1], [0, 1], [1, 0]] }
  find coarse = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect coarse = { approx: { gradient: [0.74, -0.78] } }
  find wrong_loss = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect wrong_loss = { gradients: [[1, -1], [0, 1], [1, 0]], approx: { loss: 0.349012 } }
  find no_gradient = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect no_gradient = { scores: [-1, 1, 2], approx: { loss: 1.349012 } }
  find extra = input gradient of cross_entropy(h, 1) at x = [1, 2]
  expect extra = { gradient: [0.740503, -0.775622] }
",
    ));
    for ok in ["g", "four", "exact"] {
        assert_eq!(status(&r, ok), &Status::Pass, "{ok}");
    }
    insta::assert_snapshot!(
        "cross_entropy_wrong_keys",
        ["bad_class", "bad_scores", "coarse", "wrong_loss", "no_gradient", "extra"]
            .iter()
            .map(|n| format!("{n}: {}", fails(&r, n)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        derived(&r, "g"),
        "{ scores: [-1, 1, 2], gradients: [[1, -1], [0, 1], [1, 0]], approx: { probabilities: [0.035119, 0.259496, 0.705385], loss: 1.34901, gradient: [0.740504, -0.775623] } }"
    );
}

#[test]
fn the_numeric_check_fails_on_a_wrong_gradient() {
    let r = check(&with("  find g = input gradient of cross_entropy(h, 2) at x = [1, 2]\n"));
    let (p, f) = passing_finding(&r, "g");
    let Answer::CrossEntropy(a) = &f.finding.answer else { panic!("a cross-entropy answer") };
    let Query::InputGradient(q) = &p.problem.finds[0].query else { panic!("a gradient query") };
    assert!(nnkey::numeric::cross_entropy::check(q, a).passed);
    let mut wrong = (**a).clone();
    // −p1 + 10⁻³ in place of −p1.
    wrong.approx.gradient[0] =
        wrong.approx.gradient[0].add(&nnkey::algebra::exp::Interval::point(nnkey::algebra::Q::new(1, 1000)));
    let c = nnkey::numeric::cross_entropy::check(q, &wrong);
    assert!(!c.passed, "{c:?}");
    let mut wrong = (**a).clone();
    wrong.scores[2] = nnkey::algebra::Q::from_int(3);
    assert!(!nnkey::numeric::cross_entropy::check(q, &wrong).passed);
}

/// s = (u, 0, −u) with u = relu(x1 − x2), at its kink at (1, 1).
const KINK: &str = "problem k
  h = network (x: 2) {
    dense [[1, -1]] + [0]
    relu
    dense [[1], [0], [-1]] + [0, 0, 0]
  }
";

#[test]
fn at_a_kink_the_gradient_is_undefined_only_when_the_bounds_prove_it() {
    // y = 0, s = (0, 0, 0), p = (1/3, 1/3, 1/3). Where u is on, ∇L =
    // p1 (∇s1 − ∇s0) + p2 (∇s2 − ∇s0) = (1/3)(−1, 1) + (1/3)(−2, 2) = (−1, 1);
    // where it is off, 0: no gradient.
    let r = check(&format!(
        "{KINK}  find g = input gradient of cross_entropy(h, 0) at x = [1, 1]\n  expect g = {{ gradient: undefined }}\n  \
         find s = gradient sign step of cross_entropy(h, 0) at x = [1, 1] with eps 1/2\n  expect s = undefined\n"
    ));
    assert_eq!(status(&r, "g"), &Status::Pass);
    assert_eq!(status(&r, "s"), &Status::Pass);
    let (_, f) = passing_finding(&r, "g");
    let Answer::CrossEntropy(a) = &f.finding.answer else { panic!("a cross-entropy answer") };
    let CrossEntropyOutcome::Kink { regions, .. } = &a.outcome else { panic!("a kink") };
    let mids: Vec<Vec<f64>> = regions.iter().map(|r| r.gradient.iter().map(|b| b.mid().to_f64()).collect()).collect();
    assert!(mids.iter().any(|g| (g[0] + 1.0).abs() < 1e-12 && (g[1] - 1.0).abs() < 1e-12), "{mids:?}");
    assert!(mids.iter().any(|g| g[0].abs() < 1e-12 && g[1].abs() < 1e-12), "{mids:?}");

    // y = 1: where u is on, ∇L = p0 (1, −1) + p2 (−1, 1) = 0 since p0 = p2,
    // and 0 where it is off. The bounds cannot show this is 0: an error.
    insta::assert_snapshot!(
        "cross_entropy_kink_undecided",
        diagnose(&format!("{KINK}  find g = input gradient of cross_entropy(h, 1) at x = [1, 1]\n"))
    );
}

#[test]
fn a_tie_no_score_reads_is_no_kink_of_the_loss() {
    // Unit 0 is at 0 at (1, 1) but its outgoing weights are 0:
    // s = (v, 2v, 0) with v = relu(x1) = 1, gradients (1, 0), (2, 0), (0, 0).
    let r = check(
        "problem t
  h = network (x: 2) {
    dense [[1, -1], [1, 0]] + [0, 0]
    relu
    dense [[0, 1], [0, 2], [0, 0]] + [0, 0, 0]
  }
  find g = input gradient of cross_entropy(h, 2) at x = [1, 1]
  expect g = { scores: [1, 2, 0], gradients: [[1, 0], [2, 0], [0, 0]] }
",
    );
    assert_eq!(status(&r, "g"), &Status::Pass);
    let (_, f) = passing_finding(&r, "g");
    let Answer::CrossEntropy(a) = &f.finding.answer else { panic!("a cross-entropy answer") };
    assert!(matches!(a.outcome, CrossEntropyOutcome::Smooth { combinations: 2, .. }));
}

#[test]
fn the_sign_step_raises_the_loss() {
    // y = 2: ∇L = (−p1, p1 − p0), signs (−1, 1) (the second from the
    // bounds, p1 > p0); x' = (1/4, 11/4) with ε = 3/4, scores
    // (−5/2, 7/4, 5/4). y = 1: ∇L = p0 (1, −2) + p2 (1, −1), signs (1, −1)
    // from the differences alone; ε = 1/2 gives (3/2, 3/2), clipped to
    // (1, 1): a = (1, 1, 0), s = (0, 0, 2).
    let r = check(&with(
        "  find a = gradient sign step of cross_entropy(h, 2) at x = [1, 2] with eps 3/4
  expect a = { image: [1/4, 11/4], scores: [-5/2, 7/4, 5/4], class: 1, flipped: true }
  find b = gradient sign step of cross_entropy(h, 1) at x = [1, 2] with eps 1/2, within [0, 1]
  expect b = { image: [1, 1], scores: [0, 0, 2], class: 2, flipped: false }
  find c = gradient sign step of cross_entropy(h, 1) at x = [1, 2] with eps 1/2, within [0, 1]
  expect c = { image: [0, 1], scores: [-1, 0, 1], class: 2, flipped: false }
",
    ));
    assert_eq!(status(&r, "a"), &Status::Pass);
    assert_eq!(status(&r, "b"), &Status::Pass);
    assert!(fails(&r, "c").contains("image"), "{}", fails(&r, "c"));
}

macro_rules! case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), diagnose(&with($text)));
        }
    };
}

case!(cross_entropy_needs_a_label, "  find g = input gradient of cross_entropy(h) at x = [1, 2]\n");
case!(cross_entropy_label_out_of_range, "  find g = input gradient of cross_entropy(h, 3) at x = [1, 2]\n");
case!(cross_entropy_label_not_whole, "  find g = input gradient of cross_entropy(h, 1/2) at x = [1, 2]\n");
case!(cross_entropy_of_an_output, "  find g = input gradient of cross_entropy(h[0], 1) at x = [1, 2]\n");
case!(cross_entropy_has_no_saliency, "  find g = saliency of cross_entropy(h, 1) for class 0 at x = [1, 2]\n");

#[test]
fn cross_entropy_of_one_output() {
    insta::assert_snapshot!(diagnose(
        "problem q\n  h = network (x: 2) { dense [[1, 1]] + [0] }\n  find g = input gradient of cross_entropy(h, 0) at x = [1, 2]\n"
    ));
}

#[test]
fn cross_entropy_beyond_the_exp_bounds() {
    // Scores 20000 and 0: exp(−20000) is past MAX_EXP_ARGUMENT.
    insta::assert_snapshot!(diagnose(
        "problem q\n  h = network (x: 1) { dense [[20000], [0]] + [0, 0] }\n  find g = input gradient of cross_entropy(h, 0) at x = [1]\n"
    ));
}

#[test]
fn the_gradient_of_one_probability() {
    // ∇p2 = p2 p0 (∇s2 − ∇s0) + p2 p1 (∇s2 − ∇s1) = p2 p0 (0, 1) + p2 p1 (1, −1)
    // = (p2 p1, p2 (p0 − p1)) = (0.1830448, −0.1582724).
    let r = check(&with(
        "  find p = input gradient of softmax(h, 2) at x = [1, 2]
  expect p = { gradients: [[1, -1], [0, 1], [1, 0]], approx: { probabilities: [0.035119, 0.259496, 0.705385], gradient: [0.183045, -0.158272] } }
  find bad = input gradient of softmax(h, 2) at x = [1, 2]
  expect bad = { approx: { gradient: [0.1830, 0.1583] } }
  find loss = input gradient of softmax(h, 2) at x = [1, 2]
  expect loss = { gradients: [[1, -1], [0, 1], [1, 0]], approx: { loss: 0.349012 } }
",
    ));
    assert_eq!(status(&r, "p"), &Status::Pass);
    assert!(fails(&r, "bad").contains("entry 1"), "{}", fails(&r, "bad"));
    assert!(fails(&r, "loss").contains("probability"), "{}", fails(&r, "loss"));
    assert_eq!(
        derived(&r, "p"),
        "{ scores: [-1, 1, 2], gradients: [[1, -1], [0, 1], [1, 0]], approx: { probabilities: [0.035119, 0.259496, 0.705385], gradient: [0.183045, -0.158272] } }"
    );
}
