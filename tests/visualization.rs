//! The class visualization query: values derived by hand, keys that fail,
//! the cycle and limit errors, and the errors at their spans as snapshots.

mod common;
use common::diagnose;

use common::{check, passing_finding};
use nnkey::check::{FileReport, Status};

fn derived(report: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    f.finding.value.print(&p.problem.ring)
}

macro_rules! case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), diagnose($text));
        }
    };
}

/// s = h[0] = relu(a + d) + relu(b - c - 5/2) on a 2x2 image.
const TINY: &str = "  X0 = input [[1, 3], [0, 1]]
  h = network (x: 1x2x2) {
    flatten
    dense [[1, 0, 0, 1], [0, 1, -1, 0]] + [0, -5/2]
    relu
    dense [[1, 1], [1, -1]] + [0, 0]
  }
";

/// s(t) = -2|t - 1|: its two pieces' maximizers lie in each other's piece.
const V: &str = "  g = network (t: 1) { dense [[1]] + [-1]; abs; dense [[-2]] + [0] }\n";

#[test]
fn two_jumps_reach_the_maximizer_of_a_region() {
    let text = format!(
        "problem q\n{TINY}  find a = class visualization of h for class 0 with l2 1/2 from x = X0\n  \
         find b = class visualization of h[0] with l2 1/2 from x = X0, within [0, 1/2]\n  \
         find c = class visualization of h[0] - h[1] with l2 1 from x = X0\n"
    );
    let r = check(&text);
    assert_eq!(derived(&r, "a"), "{ image: [[1, 0], [0, 1]], score: 2, objective: 1 }");
    assert_eq!(derived(&r, "b"), "{ image: [[1/2, 0], [0, 1/2]], score: 1, objective: 3/4 }");
    // h0 - h1 = 2 relu(b - c - 5/2): at X0 it is on with gradient (0, 2, -2, 0),
    // whose maximizer (0, 1, -1, 0) (2 lambda = 2) has b - c - 5/2 = -1/2, off:
    // there the gradient is 0 and the maximizer is 0, in the same region.
    assert_eq!(derived(&r, "c"), "{ image: [[0, 0], [0, 0]], score: 0, objective: 0 }");
}

#[test]
fn a_maximum_on_a_kink_is_proved_on_both_sides() {
    // s(t) = -|t - 1|, lambda = 1/2: from 3 to -1 to the kink at 1, where f
    // rises from the left (f' = 1 - t = 0) and falls to the right (f' = -2).
    let text = "problem q\n  g = network (t: 1) { dense [[1]] + [-1]; abs; dense [[-1]] + [0] }\n  \
                find k = class visualization of g with l2 1/2 from t = 3\n";
    let r = check(text);
    assert_eq!(derived(&r, "k"), "{ image: 1, score: 0, objective: -1/2 }");
}

#[test]
fn a_wrong_key_fails() {
    let text = format!(
        "problem q\n{TINY}  find a = class visualization of h for class 0 with l2 1/2 from x = X0\n  \
         expect a = {{ image: [[1, 0], [0, 1]], score: 2, objective: 3/2 }}\n  \
         find b = class visualization of h for class 0 with l2 1/2 from x = X0, within [0, 1/2]\n  \
         expect b = {{ image: [[1/2, 1/2], [0, 1/2]], score: 1, objective: 3/4 }}\n"
    );
    let r = check(&text);
    let findings: Vec<_> = r.problems.iter().flat_map(|p| &p.findings).collect();
    assert_eq!(findings.len(), 2);
    for f in findings {
        assert!(matches!(f.status, Status::Fail(_)), "{}: {:?}", f.finding.name, f.status);
    }
}

/// s(t) = relu(t + 1000) + Σ_{k<n} relu(t - k - 1/2) with lambda = 1/2:
/// from t = 1 each jump goes from t = m to m + 1, one region at a time.
fn staircase(units: usize) -> String {
    let rows = vec!["[1]"; units + 1].join(", ");
    let mut bias = vec!["1000".to_string()];
    bias.extend((0..units).map(|k| format!("-{}/2", 2 * k + 1)));
    let ones = vec!["1"; units + 1].join(", ");
    format!(
        "problem q\n  g = network (t: 1) {{ dense [{rows}] + [{}]; relu; dense [[{ones}]] + [0] }}\n  \
         find v = class visualization of g with l2 1/2 from t = 1\n",
        bias.join(", ")
    )
}

#[test]
fn a_staircase_within_the_limit_is_climbed() {
    // 10 jumps: t = 1 to 2, ..., 10 to 11, where no unit is left to switch on.
    let r = check(&staircase(10));
    let (_, f) = passing_finding(&r, "v");
    let value = derived(&r, "v");
    assert!(value.starts_with("{ image: 11,"), "{value}");
    match &f.finding.answer {
        nnkey::derive::Answer::Visualization(a) => assert_eq!(a.jumps.len(), 10),
        other => panic!("{other:?}"),
    }
}

case!(jumping_past_the_limit, &staircase(70));
case!(jumping_in_a_cycle, &format!("problem q\n{V}  find v = class visualization of g with l2 1/2 from t = 3\n"));
case!(starting_on_a_kink, &format!("problem q\n{V}  find v = class visualization of g with l2 1/2 from t = 1\n"));
case!(
    visualization_without_l2,
    &format!("problem q\n{TINY}  find v = class visualization of h for class 0 with 1/2 from x = X0\n")
);
case!(
    visualization_without_a_start,
    &format!("problem q\n{TINY}  find v = class visualization of h for class 0 with l2 1/2 at x = X0\n")
);
case!(
    visualization_with_a_penalty_of_zero,
    &format!("problem q\n{TINY}  find v = class visualization of h for class 0 with l2 0 from x = X0\n")
);
case!(
    visualization_of_a_class_that_does_not_exist,
    &format!("problem q\n{TINY}  find v = class visualization of h for class 2 with l2 1 from x = X0\n")
);
case!(
    visualization_of_every_output,
    &format!("problem q\n{TINY}  find v = class visualization of h with l2 1 from x = X0\n")
);
case!(
    visualization_with_a_reversed_range,
    &format!("problem q\n{TINY}  find v = class visualization of h[0] with l2 1 from x = X0, within [1, 0]\n")
);
