//! Equivalence of operators: found correspondences, keys judged by meaning,
//! and reasons when operators differ.

mod common;

use common::Sandbox;
use nnkey::check::{Status, check_source};
use nnkey::language::SourceFile;
use nnkey::model::Value;

const HEAD: &str = "problem q3\n  X = input 2x2 x\n  C = kernel 4x1x1x1 c\n  T = kernel 1x1x2x2 t\n  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X\n";

fn status(key: &str) -> Status {
    let report = check_source(SourceFile::new("q3.nnk", format!("{HEAD}  expect same = {key}\n")));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report.problems[0].findings[0].status.clone()
}

#[test]
fn the_sub_pixel_identity_is_found_as_a_pixel_shuffle() {
    let report = check_source(SourceFile::new("q3.nnk", HEAD));
    let f = &report.problems[0].findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    assert!(matches!(f.finding.value.field("equivalent"), Some(Value::Bool(true))));
    let outputs = f
        .finding
        .value
        .field("outputs")
        .unwrap()
        .print(&report.problems[0].problem.ring, nnkey::algebra::Notation::Plain);
    assert_eq!(outputs, "pixel_shuffle(2)");
    let text: Vec<String> = f.finding.explanation.steps.iter().map(|s| nnkey::render::step_parts(s).0).collect();
    assert!(text.iter().any(|t| t.contains("c[2*a + b,0,0,0] -> t[0,0,a,b]")), "{text:?}");
}

#[test]
fn any_valid_correspondence_passes() {
    assert_eq!(status("true"), Status::Pass);
    assert_eq!(status("{ equivalent: true }"), Status::Pass);
    // Renaming only: nnkey must find the reordering itself.
    assert_eq!(
        status(
            "{ weights: [c[0,0,0,0] -> t[0,0,0,0], c[1,0,0,0] -> t[0,0,0,1], c[2,0,0,0] -> t[0,0,1,0], c[3,0,0,0] -> t[0,0,1,1]] }"
        ),
        Status::Pass
    );
    // Another valid renaming, with the matching table of outputs: channel 1
    // goes to (0, 1) and channel 2 to (1, 0) the other way round.
    let weights =
        "[c[0,0,0,0] -> t[0,0,0,0], c[1,0,0,0] -> t[0,0,1,0], c[2,0,0,0] -> t[0,0,0,1], c[3,0,0,0] -> t[0,0,1,1]]";
    let mut table = Vec::new();
    for k in 0..4 {
        let (a, b) = [(0, 0), (1, 0), (0, 1), (1, 1)][k];
        for h in 0..2 {
            for w in 0..2 {
                table.push(format!("({k}, {h}, {w}) -> (0, {}, {})", 2 * h + a, 2 * w + b));
            }
        }
    }
    assert_eq!(status(&format!("{{ weights: {weights}, outputs: [{}] }}", table.join(", "))), Status::Pass);
    assert_eq!(status(&format!("{{ weights: {weights} }}")), Status::Pass);
}

#[test]
fn wrong_correspondences_fail() {
    let Status::Fail(why) = status("false") else { panic!("must fail") };
    assert!(why.contains("nnkey finds a correspondence"), "{why}");
    // The renaming swaps two symbols but keeps the pixel shuffle.
    let weights =
        "[c[0,0,0,0] -> t[0,0,0,0], c[1,0,0,0] -> t[0,0,1,0], c[2,0,0,0] -> t[0,0,0,1], c[3,0,0,0] -> t[0,0,1,1]]";
    let Status::Fail(why) = status(&format!("{{ weights: {weights}, outputs: pixel_shuffle(2) }}")) else {
        panic!("must fail")
    };
    assert!(why.contains("is not output"), "{why}");
    // Not one-to-one.
    let Status::Fail(why) = status("{ weights: [c[0,0,0,0] -> t[0,0,0,0], c[1,0,0,0] -> t[0,0,0,0]] }") else {
        panic!("must fail")
    };
    assert!(why.contains("not one-to-one"), "{why}");
}

#[test]
fn different_operators_are_explained() {
    let text = "problem p\n  X = input 3x3 x\n  W = kernel 2x2 w\n  V = kernel 2x2 v\n  find a = equivalence conv2d(W) on X, conv2d(V, padding: 1) on X\n  find b = equivalence conv2d(W) on X, conv2d(V, stride: 2, padding: 1) on X\n  find c = equivalence conv2d(W) on X, conv2d(V) on X\n";
    let report = check_source(SourceFile::new("p.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let reason = |k: usize| {
        let v = &report.problems[0].findings[k].finding.value;
        assert!(matches!(v.field("equivalent"), Some(Value::Bool(false))), "{v:?}");
        v.field("reason").unwrap().print(&report.problems[0].problem.ring, nnkey::algebra::Notation::Plain)
    };
    assert!(reason(0).contains("different numbers of outputs (4 and 16)"), "{}", reason(0));
    assert!(reason(1).contains("y1[0,0,0] = w[0,0]*x[0,0] + w[0,1]*x[0,1] + w[1,0]*x[1,0] + w[1,1]*x[1,1]: 1 output of the first operator and 0 outputs of the second"), "{}", reason(1));
    // The same operator with renamed symbols is equivalent, with the identity order.
    let v = &report.problems[0].findings[2].finding.value;
    assert!(matches!(v.field("equivalent"), Some(Value::Bool(true))));
}

#[test]
fn a_key_claiming_equivalence_of_different_operators_fails_with_the_reason() {
    let s = Sandbox::new();
    s.write("p.nnk", "problem p\n  X = input 3x3 x\n  W = kernel 2x2 w\n  V = kernel 2x2 v\n  find a = equivalence conv2d(W) on X, conv2d(V, padding: 1) on X\n  expect a = true\n");
    let run = s.run(&["check", "p.nnk"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("they produce different numbers of outputs"), "{}", run.stdout);
}
