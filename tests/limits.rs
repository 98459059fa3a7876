//! Inputs at the edges never abort nnkey: nesting is limited with an error
//! at the span, long sums are read in loops, and every size a convolution
//! asks for is computed with checked arithmetic and refused above its
//! limit before anything is allocated. Each test fails (by aborting, or by
//! running out of memory) without its limit.

mod common;

use common::Sandbox;
use nnkey::check::{FileReport, Status, check_source};

use nnkey::language::SourceFile;

/// What a check found, taken out of the thread that ran it.
struct Outcome {
    text: String,
    /// Each diagnostic: its message, its span's start, and the text there.
    errors: Vec<(String, usize, String)>,
    rendered: Vec<String>,
    statuses: Vec<Status>,
}

/// Checks `text` in a thread with a 2 MiB stack (a test thread's by
/// default, which `RUST_MIN_STACK` can raise), so that a recursion as deep as the input would show.
fn check_small_stack(text: String) -> Outcome {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let report: FileReport = check_source(SourceFile::new("limits.nnk", text.clone()));
            Outcome {
                errors: report
                    .diagnostics
                    .iter()
                    .map(|d| (d.message.clone(), d.span.start, text[d.span.start..d.span.end].to_string()))
                    .collect(),
                rendered: report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect(),
                statuses: report.problems.iter().flat_map(|p| p.findings.iter().map(|f| f.status.clone())).collect(),
                text,
            }
        })
        .expect("a thread")
        .join()
        .expect("no panic and no overflow")
}

fn errors(report: &Outcome) -> &[String] {
    &report.rendered
}

/// The first error's message, and the text it points at.
fn first_error(report: &Outcome) -> (String, String) {
    let (m, _, at) = report.errors.first().unwrap_or_else(|| panic!("an error; got none"));
    (m.clone(), at.clone())
}

const SHAPE: &str = "problem q1 \"t\"\n  W = kernel 2x2 w\n  X = input 3x3 x\n  find A = shape conv2d(W) on X\n";

fn keyed(key: &str) -> String {
    format!("{SHAPE}  expect A = {key}\n")
}

#[test]
fn deep_parentheses_are_refused_at_the_level_too_deep() {
    let report = check_small_stack(keyed(&format!("{}1{}", "(".repeat(3000), ")".repeat(3000))));
    let (message, at) = first_error(&report);
    assert_eq!(message, "nesting deeper than 64 levels", "{:?}", errors(&report));
    assert_eq!(at, "(");
    let column = report.errors[0].1 - report.text.find("= (").unwrap() - 2;
    assert_eq!(column, 64, "the error points at the 65th bracket");
}

#[test]
fn deep_lists_are_refused() {
    let report = check_small_stack(keyed(&format!("{}1{}", "[".repeat(5000), "]".repeat(5000))));
    assert_eq!(first_error(&report).0, "nesting deeper than 64 levels");
}

#[test]
fn many_minus_signs_and_exponents_are_refused() {
    for key in
        ["-".repeat(20_000) + "1", "- ".repeat(20_000) + "1", "2^".repeat(20_000) + "1", "1/".repeat(20_000) + "1"]
    {
        let report = check_small_stack(keyed(&key));
        assert_eq!(first_error(&report).0, "nesting deeper than 64 levels", "{}", &key[..8]);
    }
}

#[test]
fn nesting_up_to_the_limit_is_read() {
    // 60 brackets around a tuple: deep, but allowed, and the key holds.
    let key = format!("{}(2, 2){}", "(".repeat(60), ")".repeat(60));
    let report = check_small_stack(keyed(&key));
    assert!(errors(&report).is_empty(), "{:?}", errors(&report));
    assert_eq!(report.statuses, vec![Status::Pass]);
    // 60 nested lists: read, evaluated and compared (the key is wrong).
    let report = check_small_stack(keyed(&format!("{}1{}", "[".repeat(60), "]".repeat(60))));
    assert!(errors(&report).is_empty(), "{:?}", errors(&report));
    assert!(matches!(report.statuses[..], [Status::Fail(_)]), "{:?}", report.statuses);
}

#[test]
fn nested_repeats_are_refused() {
    let text = format!(
        "problem q1 \"t\"\n  f = network (x: 1) {{ {} relu {} }}\n",
        "repeat 2 { ".repeat(100),
        "}".repeat(100)
    );
    let report = check_small_stack(text);
    assert_eq!(first_error(&report).0, "nesting deeper than 64 levels", "{:?}", errors(&report));
}

#[test]
fn a_sum_of_many_terms_is_read_and_compared() {
    // A 1x1 kernel on a 1x1 input: the matrix is [[w[0,0]]]; the key says
    // so in 100 001 terms.
    let terms = " + w[0,0] - w[0,0]".repeat(50_000);
    let text = format!(
        "problem q1 \"t\"\n  W = kernel 1x1 w\n  X = input 1x1 x\n  find A = matrix conv2d(W) on X\n  expect A = [[w[0,0]{terms}]]\n"
    );
    let report = check_small_stack(text);
    assert!(errors(&report).is_empty(), "{:?}", errors(&report));
    assert_eq!(report.statuses, vec![Status::Pass]);
    // A wrong long key fails, with no abort.
    let text = format!(
        "problem q1 \"t\"\n  W = kernel 1x1 w\n  X = input 1x1 x\n  find A = matrix conv2d(W) on X\n  expect A = [[w[0,0]{terms} + 1]]\n"
    );
    let report = check_small_stack(text);
    assert!(matches!(report.statuses[..], [Status::Fail(_)]));
}

#[test]
fn long_sums_and_deep_keys_go_through_every_command() {
    let s = Sandbox::new();
    let terms = " + 1".repeat(8000);
    s.write(
        "sum.nnk",
        &format!("problem q1 \"t\"\n  a = 0{terms}\n  W = kernel 1x1 w\n  X = input 1x1 x\n  find A = matrix conv2d(W) on X\n  expect A = [[w[0,0]{}]]\n", " + 0".repeat(8000)),
    );
    for args in [
        &["check", "sum.nnk"][..],
        &["solve", "sum.nnk"],
        &["solve", "sum.nnk", "--format", "latex"],
        &["sheet", "sum.nnk"],
    ] {
        let run = s.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
    }
    s.write("deep.nnk", &keyed(&format!("{}1{}", "(".repeat(3000), ")".repeat(3000))));
    let run = s.run(&["check", "deep.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("nesting deeper than 64 levels"), "{}", run.stderr);
    assert!(run.stderr.contains("deep.nnk:5:"), "{}", run.stderr);
}

fn conv(kernel: &str, input: &str, query: &str) -> String {
    format!("problem q1 \"t\"\n  W = kernel {kernel} w\n  X = input {input} x\n  find A = {query}\n")
}

/// The first error of a check that must be refused, with the span's text.
fn refused(text: String) -> (String, String) {
    let report = check_small_stack(text);
    assert!(report.statuses.is_empty(), "refused before deriving: {:?}", report.statuses);
    first_error(&report)
}

#[test]
fn convolution_matrices_over_the_limit_are_refused_before_they_are_built() {
    for (kernel, input, query) in [
        ("2x2", "3x3", "matrix conv2d(W, padding: 65536) on X"),
        ("2x2", "3x3", "matrix conv_transpose2d(W, stride: 1000000) on X"),
        ("2x2", "3x3", "affine conv_transpose2d(W, stride: 1000000) on X"),
        ("64x64x3x3", "64x128x128", "matrix conv2d(W) on X"),
    ] {
        let (message, at) = refused(conv(kernel, input, query));
        assert!(message.contains("over the matrix limit of 4194304"), "{query}: {message}");
        assert!(message.contains("matrix with up to"), "{message}");
        assert!(at.starts_with(query.split(' ').next().unwrap()), "at the query: {at}");
    }
    let report = check_small_stack(conv("2x2", "3x3", "matrix conv2d(W, padding: 65536) on X"));
    assert!(report.rendered[0].contains("`shape conv2d(…) on X`"), "{}", report.rendered[0]);
}

#[test]
fn shape_queries_compute_sizes_without_tensors() {
    for (kernel, input, query, shape) in [
        ("2x2", "3x3", "shape conv2d(W, padding: 65536) on X", "(131074, 131074)"),
        ("2x2", "3x3", "shape conv2d(W, padding: 4000) on X", "(8002, 8002)"),
        ("2x2", "3x3", "shape conv_transpose2d(W, stride: 1000000) on X", "(2000002, 2000002)"),
        ("2x2", "3x3", "shape conv2d(W, dilation: (1, 16777216), padding: (0, 8388608)) on X", "(2, 3)"),
        ("64x64x3x3", "64x128x128", "shape conv2d(W) on X", "(64, 126, 126)"),
        // Tensors too large to write out are known by their shapes.
        ("1000x1000x3x3", "1000x64x64", "shape conv2d(W, padding: 1) on X", "(1000, 64, 64)"),
        ("3x3", "1100x1100", "shape conv2d(W, stride: 2) on X", "(549, 549)"),
        ("512x256x4x4", "512x40x40", "shape conv_transpose2d(W, stride: 2, padding: 1) on X", "(256, 80, 80)"),
    ] {
        let report = check_small_stack(format!("{}  expect A = {shape}\n", conv(kernel, input, query)));
        assert!(errors(&report).is_empty(), "{query}: {:?}", errors(&report));
        assert_eq!(report.statuses, vec![Status::Pass], "{query}");
    }
}

#[test]
fn huge_tensors_and_counts_name_their_limit() {
    // Only the shape of a tensor over the limit is known: what needs its
    // entries is refused, naming the limit.
    let (message, at) = refused(conv("1000x1000x3x3", "1000x8x8", "matrix conv2d(W) on X"));
    assert_eq!(message, "`W` has 9000000 entries, over the tensor limit of 1048576: only its shape is known");
    assert_eq!(at, "matrix conv2d(W) on X");
    let keyed =
        format!("{}  expect A = (W[0,0,0,0], 6, 6)\n", conv("1000x1000x3x3", "1000x8x8", "shape conv2d(W) on X"));
    let (message, at) = first_error(&check_small_stack(keyed));
    assert_eq!(message, "`W` has 9000000 entries, over the tensor limit of 1048576: only its shape is known");
    assert_eq!(at, "W");
    // A matrix is used by its entries: over the limit it is refused where declared.
    let (message, at) = refused(
        conv("1000x1000x3x3", "1000x8x8", "matrix conv2d(W) on X").replace("kernel 1000x1000x3x3", "matrix 3000x3000"),
    );
    assert_eq!(message, "this tensor has 9000000 entries, over the tensor limit of 1048576");
    assert_eq!(at, "3000x3000");
    let (message, at) = refused(conv("2x2", "1x1100x1100", "matrix conv2d(W) on X"));
    assert_eq!(message, "`X` has 1210000 entries, over the tensor limit of 1048576: only its shape is known");
    assert_eq!(at, "matrix conv2d(W) on X");
    let (message, _) = refused(conv("2x2", "16777216x16777216x2", "shape conv2d(W) on X"));
    assert!(message.contains("over the tensor limit"), "{message}");
    let (message, _) = refused(conv("2x2", "3x3", "shape conv2d(W, stride: 100000000000) on X"));
    assert!(message.contains("above the limit of 16777216"), "{message}");
    let (message, _) = refused(conv("2x2", "3x3", "shape conv2d(W, dilation: 16777216) on X"));
    assert!(message.contains("larger than the padded input"), "{message}");
}

#[test]
fn a_huge_pixel_shuffle_in_a_key_fails_with_a_reason() {
    let text = std::fs::read_to_string(common::repo().join("problems/ps3/q3.nnk"))
        .unwrap()
        .replace("pixel_shuffle(2)", "pixel_shuffle(4611686018427387906)");
    let report = check_small_stack(text);
    assert!(errors(&report).is_empty(), "{:?}", errors(&report));
    let last = report.statuses.last().unwrap();
    assert!(matches!(last, Status::Fail(why) if why.contains("does not fit these output shapes")), "{last:?}");
}

#[test]
fn a_network_width_past_the_size_limit_says_so() {
    let s = Sandbox::new();
    s.write(
        "wide.nnk",
        "problem q1 \"t\"\n  d = 20000000\n  f = network (x: d) { dense 2*I(d) + -1; abs }\n  \
         find r = identified regions of f from (0,1)^d onto (0,1)^d\n",
    );
    let run = s.run(&["check", "wide.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("above the limit of 16777216"), "{}", run.stderr);
}
