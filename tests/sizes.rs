//! Sizes of convolutions with symbolic shapes: keys with floors judged by
//! meaning (right rearrangements pass, wrong keys fail), every derived
//! formula checked on small instances, and queries that need entries
//! refused at the symbol.

mod common;
use common::diagnose;

use nnkey::check::{Status, check_source};
use nnkey::language::SourceFile;

const HEAD: &str = "problem s\n  X = input 3xnxn x\n  W = kernel 8x3xkxk w\n  T = kernel 3x4xkxk t\n";

/// The status of the one key of `find v = QUERY` / `expect v = KEY`; its
/// cross-check must have run and passed.
fn status(query: &str, key: &str) -> Status {
    let text = format!("{HEAD}  find v = {query}\n  expect v = {key}\n");
    let report = check_source(SourceFile::new("s.nnk", text));
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let f = &report.problems[0].findings[0];
    assert!(f.crosscheck.passed && f.crosscheck.trials > 0, "{:?}", f.crosscheck);
    f.status.clone()
}

fn passes(query: &str, key: &str) {
    assert_eq!(status(query, key), Status::Pass, "{query} with {key}");
}

fn fails(query: &str, key: &str) -> String {
    match status(query, key) {
        Status::Fail(why) => why,
        other => panic!("{key} should fail for {query}, got {other:?}"),
    }
}

const SYMBOLIC: &str = "shape conv2d(W, stride: s, padding: p, dilation: d) on X";
const STRIDE_2: &str = "shape conv2d(W, stride: 2, padding: 1) on X";

#[test]
fn equivalent_spellings_of_the_output_size_pass() {
    let out = "floor((n + 2*p - d*(k - 1) - 1)/s) + 1";
    passes(SYMBOLIC, &format!("(8, {out}, {out})"));
    // The whole multiple of the stride moved into the floor.
    let moved = "floor((n + 2*p - d*k + d - 1 + s)/s)";
    passes(SYMBOLIC, &format!("(8, {moved}, {out})"));
    // With a numeric stride, equality is decided on every residue class.
    passes(STRIDE_2, "(8, floor((n - k)/2) + 2, floor((n - k + 2)/2) + 1)");
    passes(STRIDE_2, "(8, ceil((n - k + 3)/2), floor((n - k + 4)/2))");
}

#[test]
fn wrong_output_sizes_fail_with_a_counterexample() {
    // Off by one inside the floor: the classic mistake d*k instead of d*(k - 1) + 1.
    let why = fails(SYMBOLIC, "(8, floor((n + 2*p - d*k)/s) + 1, floor((n + 2*p - d*k)/s) + 1)");
    assert!(why.contains("they differ at"), "{why}");
    // Forgetting the floor's + 1.
    let why = fails(STRIDE_2, "(8, floor((n - k)/2) + 1, floor((n - k)/2) + 2)");
    assert!(why.contains("they differ at"), "{why}");
    // Without the floor, the size is wrong for odd n - k.
    fails(STRIDE_2, "(8, (n - k)/2 + 2, (n - k)/2 + 2)");
    // Wrong channels.
    fails(STRIDE_2, "(3, floor((n - k)/2) + 2, floor((n - k)/2) + 2)");
}

#[test]
fn a_symbolic_stride_is_compared_by_normal_form_and_never_accepted_when_unproved() {
    // -floor(-x) is the ceiling: it equals floor((x + s - 1)/s) for s > 0,
    // which the normal form cannot show; the key must not pass.
    let why = fails(SYMBOLIC, "(8, -floor((-n - 2*p + d*(k - 1) + 1)/s) + 1, floor((n + 2*p - d*(k - 1) - 1)/s) + 1)");
    assert!(why.contains("they differ at") || why.contains("not shown equal"), "{why}");
}

#[test]
fn parameters_and_multiply_adds() {
    passes("parameters conv2d(W) on X", "24*k^2");
    passes("parameters conv2d(W, bias: true) on X", "24*k^2 + 8");
    fails("parameters conv2d(W, bias: true) on X", "24*k^2");
    passes("macs conv2d(W, stride: 2, padding: 1) on X", "24*k^2*(floor((n - k)/2) + 2)^2");
    fails("macs conv2d(W, stride: 2, padding: 1) on X", "24*k^2*((n - k)/2 + 2)^2");
    // A transposed convolution scatters every input entry over out/groups·k² taps.
    passes("macs conv_transpose2d(T, stride: 2) on X", "3*n^2*4*k^2");
    passes("shape conv_transpose2d(T, stride: s, padding: p) on X", "(4, (n - 1)*s - 2*p + k, (n - 1)*s - 2*p + k)");
    fails("shape conv_transpose2d(T, stride: s, padding: p) on X", "(4, n*s - 2*p + k, n*s - 2*p + k)");
}

#[test]
fn groups_divide_the_channels() {
    let text = "problem g\n  X = input 32xnxn x\n  W = kernel 64x8x3x3 w\n  \
                find p = parameters conv2d(W, groups: 4, bias: true) on X\n  expect p = 4672\n  \
                find m = macs conv2d(W, padding: 1, groups: 4) on X\n  expect m = 4608*n^2\n";
    let report = check_source(SourceFile::new("g.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    for f in &report.problems[0].findings {
        assert_eq!(f.status, Status::Pass, "{}", f.finding.name);
        assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    }
}

#[test]
fn numeric_sizes_give_numbers_checked_directly() {
    let text = "problem q\n  X = input 3x32x32 x\n  W = kernel 16x3x3x3 w\n  \
                find m = macs conv2d(W, stride: 2, padding: 1) on X\n  expect m = 16*16*16*27\n";
    let report = check_source(SourceFile::new("q.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let f = &report.problems[0].findings[0];
    assert_eq!(f.status, Status::Pass);
    assert_eq!(f.crosscheck.trials, 1, "{:?}", f.crosscheck);
}

#[test]
fn the_matrix_of_a_symbolic_size_asks_for_a_number_at_the_symbol() {
    insta::assert_snapshot!(
        "matrix_on_a_symbolic_size",
        diagnose(&format!("{HEAD}  find A = matrix conv2d(W) on X\n"))
    );
    insta::assert_snapshot!(
        "equivalence_on_a_symbolic_stride",
        diagnose(
            "problem s\n  X = input 3x5x5 x\n  W = kernel 8x3x2x2 w\n  find e = equivalence conv2d(W, stride: s) on X, conv2d(W) on X\n"
        )
    );
    insta::assert_snapshot!("symbolic_matrix_size", diagnose("problem s\n  M = matrix nx3 m\n"));
    insta::assert_snapshot!(
        "channels_that_differ_as_symbols",
        diagnose("problem s\n  X = input cxnxn x\n  W = kernel 8xmx3x3 w\n  find o = shape conv2d(W) on X\n")
    );
}

#[test]
fn a_declared_number_instantiates_a_size() {
    let text = "problem q\n  n = 4\n  X = input 1xnxn x\n  W = kernel 1x1x2x2 w\n  \
                find A = matrix conv2d(W, stride: 2) on X\n  find s = shape conv2d(W, stride: 2) on X\n  \
                expect s = (1, 2, 2)\n";
    let report = check_source(SourceFile::new("q.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert_eq!(report.problems[0].findings[1].status, Status::Pass);
}

#[test]
fn a_derived_value_printed_as_a_key_passes() {
    // What `bless` would write reads back as a key that holds.
    for query in [
        SYMBOLIC,
        STRIDE_2,
        "macs conv2d(W, stride: 2, padding: 1) on X",
        "macs conv2d(W, stride: s) on X",
        "shape conv_transpose2d(T, stride: s, padding: p, dilation: d) on X",
    ] {
        let report = check_source(SourceFile::new("s.nnk", format!("{HEAD}  find v = {query}\n")));
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        let p = &report.problems[0];
        let printed = p.findings[0].finding.value.print(&p.problem.ring);
        passes(query, &printed);
    }
}
