//! Properties of convolution matrices over random parameters: the symbolic
//! matrix agrees with direct numeric convolution, the transposed
//! convolution is the transpose of the convolution, and no combination of
//! parameters (valid or not) makes nnkey panic or accept what PyTorch
//! rejects.

use nnkey::check::{FileReport, check_source};
use nnkey::language::SourceFile;
use nnkey::model::Value;
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Params {
    groups: usize,
    in_per: usize,
    out_per: usize,
    k: (usize, usize),
    input: (usize, usize),
    stride: (usize, usize),
    dilation: (usize, usize),
    /// top, bottom, left, right
    pad: (usize, usize, usize, usize),
    mode: &'static str,
    output_padding: (usize, usize),
    numeric_kernel: bool,
}

fn params() -> impl Strategy<Value = Params> {
    (
        (1usize..=2, 1usize..=2, 1usize..=2),
        ((1usize..=3, 1usize..=3), (1usize..=6, 1usize..=6)),
        ((1usize..=3, 1usize..=3), (1usize..=2, 1usize..=2)),
        (0usize..=2, 0usize..=2, 0usize..=2, 0usize..=2),
        prop::sample::select(vec!["zeros", "reflect", "replicate", "circular"]),
        (0usize..=2, 0usize..=2),
        any::<bool>(),
    )
        .prop_map(
            |((groups, in_per, out_per), (k, input), (stride, dilation), pad, mode, output_padding, numeric_kernel)| {
                Params {
                    groups,
                    in_per,
                    out_per,
                    k,
                    input,
                    stride,
                    dilation,
                    pad,
                    mode,
                    output_padding,
                    numeric_kernel,
                }
            },
        )
}

fn kernel_decl(p: &Params, d0: usize, d1: usize) -> String {
    if !p.numeric_kernel {
        return format!("W = kernel {d0}x{d1}x{}x{} w", p.k.0, p.k.1);
    }
    // Small integers from a fixed pattern, nonzero and not all equal.
    let mut n = 0;
    let mut block = |rows: usize, cols: usize| {
        let rows: Vec<String> = (0..rows)
            .map(|_| {
                let r: Vec<String> = (0..cols)
                    .map(|_| {
                        n += 1;
                        (((n * 7) % 9) as i64 - 4).to_string()
                    })
                    .collect();
                format!("[{}]", r.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    };
    let outer: Vec<String> =
        (0..d0).map(|_| format!("[{}]", (0..d1).map(|_| block(p.k.0, p.k.1)).collect::<Vec<_>>().join(", "))).collect();
    format!("W = kernel [{}]", outer.join(", "))
}

fn run(text: &str) -> FileReport {
    check_source(SourceFile::new("prop.nnk", text))
}

fn matrix_of(report: &FileReport, name: &str) -> nnkey::algebra::SparseMatrix<nnkey::algebra::Poly> {
    let f = report.problems[0].findings.iter().find(|f| f.finding.name == name).expect("the finding");
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    // Every step prints (a formula the printer cannot write fails here).
    f.finding
        .explanation
        .steps
        .iter()
        .for_each(|s| drop(nnkey::render::step_parts(s, &report.problems[0].problem.ring)));
    match &f.finding.value {
        Value::Sparse(a) => a.clone(),
        other => panic!("a matrix, not {other:?}"),
    }
}

/// PyTorch's rules for conv2d, as an independent oracle.
fn conv2d_is_valid(p: &Params) -> bool {
    let (h, w) = p.input;
    let (t, b, l, r) = p.pad;
    let fits = h + t + b > p.dilation.0 * (p.k.0 - 1) && w + l + r > p.dilation.1 * (p.k.1 - 1);
    let mode_ok = match p.mode {
        "reflect" => t < h && b < h && l < w && r < w,
        "circular" => t <= h && b <= h && l <= w && r <= w,
        _ => true,
    };
    fits && mode_ok
}

fn transposed_is_valid(p: &Params) -> bool {
    let (h, w) = p.input;
    let (op_h, op_w) = p.output_padding;
    let pads_ok = op_h < p.stride.0.max(p.dilation.0) && op_w < p.stride.1.max(p.dilation.1);
    let size = |n: usize, s: usize, pad: usize, d: usize, k: usize, op: usize| {
        (n as i64 - 1) * s as i64 - 2 * pad as i64 + (d * (k - 1)) as i64 + op as i64 + 1
    };
    pads_ok
        && size(h, p.stride.0, p.pad.0, p.dilation.0, p.k.0, op_h) >= 1
        && size(w, p.stride.1, p.pad.2, p.dilation.1, p.k.1, op_w) >= 1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn conv2d_matrix_matches_direct_convolution(p in params()) {
        let cin = p.in_per * p.groups;
        let cout = p.out_per * p.groups;
        let (t, b, l, r) = p.pad;
        let text = format!(
            "problem p\n  {}\n  X = input {cin}x{}x{} x\n  find A = matrix conv2d(W, stride: ({}, {}), dilation: ({}, {}), groups: {}, padding: {{ top: {t}, bottom: {b}, left: {l}, right: {r} }}, padding_mode: {}) on X\n",
            kernel_decl(&p, cout, p.in_per), p.input.0, p.input.1, p.stride.0, p.stride.1, p.dilation.0, p.dilation.1, p.groups, p.mode
        );
        let report = run(&text);
        prop_assert_eq!(report.diagnostics.is_empty(), conv2d_is_valid(&p), "{}\n{:?}", text, report.diagnostics);
        if conv2d_is_valid(&p) {
            let a = matrix_of(&report, "A");
            prop_assert_eq!(a.cols(), cin * p.input.0 * p.input.1);
        }
    }

    #[test]
    fn conv_transpose2d_matrix_matches_direct_convolution(p in params()) {
        let cin = p.in_per * p.groups;
        let text = format!(
            "problem p\n  {}\n  X = input {cin}x{}x{} x\n  find A = matrix conv_transpose2d(W, stride: ({}, {}), dilation: ({}, {}), groups: {}, padding: ({}, {}), output_padding: ({}, {})) on X\n",
            kernel_decl(&p, cin, p.out_per), p.input.0, p.input.1, p.stride.0, p.stride.1, p.dilation.0, p.dilation.1, p.groups, p.pad.0, p.pad.2, p.output_padding.0, p.output_padding.1
        );
        let report = run(&text);
        prop_assert_eq!(report.diagnostics.is_empty(), transposed_is_valid(&p), "{}\n{:?}", text, report.diagnostics);
        if transposed_is_valid(&p) {
            matrix_of(&report, "A");
        }
    }

    #[test]
    fn transposed_convolution_is_the_transpose_of_convolution(p in params()) {
        let cin = p.in_per * p.groups;
        let cout = p.out_per * p.groups;
        let (h, w) = p.input;
        let (ph, pw) = (p.pad.0, p.pad.2);
        let out = |n: usize, pad: usize, d: usize, k: usize, s: usize| (n + 2 * pad).checked_sub(d * (k - 1) + 1).map(|t| t / s + 1);
        let (Some(oh), Some(ow)) = (out(h, ph, p.dilation.0, p.k.0, p.stride.0), out(w, pw, p.dilation.1, p.k.1, p.stride.1)) else {
            return Ok(());
        };
        // The output padding that brings the transposed output back to h x w.
        let op_h = h + 2 * ph - ((oh - 1) * p.stride.0 + p.dilation.0 * (p.k.0 - 1) + 1);
        let op_w = w + 2 * pw - ((ow - 1) * p.stride.1 + p.dilation.1 * (p.k.1 - 1) + 1);
        let args = format!("stride: ({}, {}), dilation: ({}, {}), groups: {}, padding: ({ph}, {pw})", p.stride.0, p.stride.1, p.dilation.0, p.dilation.1, p.groups);
        let text = format!(
            "problem p\n  {}\n  X = input {cin}x{h}x{w} x\n  Y = input {cout}x{oh}x{ow} y\n  find A = matrix conv2d(W, {args}) on X\n  find B = matrix conv_transpose2d(W, {args}, output_padding: ({op_h}, {op_w})) on Y\n",
            kernel_decl(&p, cout, p.in_per)
        );
        let report = run(&text);
        prop_assert!(report.diagnostics.is_empty(), "{}\n{:?}", text, report.diagnostics);
        let a = matrix_of(&report, "A");
        let b = matrix_of(&report, "B");
        prop_assert_eq!(b, a.transpose());
    }
}

#[test]
fn a_wrong_matrix_fails_the_numeric_check() {
    // The cross-check must be able to fail: corrupt one entry of a derived
    // matrix and check it against direct convolution.
    use nnkey::algebra::{Poly, SparseBuilder};
    let report = run("problem p\n  W = kernel 2x2 w\n  X = input 3x3 x\n  find A = matrix conv2d(W) on X\n");
    let a = matrix_of(&report, "A");
    let mut b = SparseBuilder::new(a.rows(), a.cols());
    for r in 0..a.rows() {
        for (c, v) in a.row(r) {
            let v = if (r, c) == (2, 4) { v + &Poly::from(1) } else { v.clone() };
            b.add(c, v);
        }
        b.finish_row();
    }
    let wrong = b.finish();
    let problem = &report.problems[0].problem;
    let nnkey::model::Query::Matrix(conv) = &problem.finds[0].query else { panic!("a matrix query") };
    let check = nnkey::numeric::conv::check_matrix(conv, &wrong, None, &problem.ring, 1);
    assert!(!check.passed, "{check:?}");
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

use nnkey::derive::{Block, Depth, Explanation, explain::LISTING_CAP};
use nnkey::language::math::{Inline, Math};

/// The finding, with the report whose problem's ring writes its values.
fn finding(text: &str, name: &str) -> (nnkey::derive::Finding, FileReport) {
    let report = run(text);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let f = report.problems[0].findings.iter().find(|f| f.finding.name == name).expect("the finding");
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    (f.finding.clone(), report)
}

/// Every formula of the explanation: inline, displayed and listed.
fn formulas(ex: &Explanation) -> Vec<Math> {
    fn block(b: &Block, out: &mut Vec<Math>) {
        match b {
            Block::Prose(p) => out.extend(p.0.iter().filter_map(|i| match i {
                Inline::Math(m) => Some(m.clone()),
                _ => None,
            })),
            Block::Display(m) => out.push(m.clone()),
            Block::Aligned(ms) => out.extend(ms.iter().cloned()),
            Block::Listing { items, .. } => items.iter().for_each(|i| block(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    ex.steps.iter().flat_map(|s| &s.blocks).for_each(|b| block(b, &mut out));
    out
}

/// Every name in the formulas, arrays' own names (`W` in `W[a, b]`) left out.
fn letters(ex: &Explanation) -> Vec<String> {
    fn walk(m: &Math, out: &mut Vec<String>) {
        match m {
            Math::Name(n) => out.push(n.clone()),
            Math::Entry(_, idx) => idx.iter().for_each(|x| walk(x, out)),
            Math::Sum(t) => t.iter().for_each(|x| walk(&x.1, out)),
            Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) => f.iter().for_each(|x| walk(x, out)),
            Math::Relation(a, rest) => {
                walk(a, out);
                rest.iter().for_each(|x| walk(&x.1, out));
            }
            Math::Fenced(_, a) | Math::Neg(a) => walk(a, out),
            Math::Frac(a, b) | Math::Infix(a, _, b) => {
                walk(a, out);
                walk(b, out);
            }
            Math::BigOp { under, body, .. } => {
                under.iter().for_each(|x| walk(x, out));
                walk(body, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    formulas(ex).iter().for_each(|m| walk(m, &mut out));
    out
}

fn texts(ex: &Explanation, report: &FileReport, depth: Depth) -> Vec<String> {
    ex.steps
        .iter()
        .filter(|s| s.depth == depth)
        .map(|s| nnkey::render::step_parts(s, &report.problems[0].problem.ring).0)
        .collect()
}

#[test]
fn the_derivation_names_the_finding_and_the_input_as_the_problem_does() {
    let (f, report) = finding(
        "problem p\n  K = kernel 2x2 k\n  Z = input 2x2 z\n  find B = matrix conv_transpose2d(K, stride: 2) on Z\n",
        "B",
    );
    let names = letters(&f.explanation);
    for own in ["B", "Z"] {
        assert!(names.iter().any(|n| n == own), "{own} missing from {names:?}");
    }
    for other in ["A", "X"] {
        assert!(!names.iter().any(|n| n == other), "{other} in {names:?}");
    }
    // The entry rule of the matrix, in general: B[(2 r + a, 2 c + b), (r, c)] = K[a, b].
    let rule = nnkey::language::math::parse_math("B[(2 r + a, 2 c + b), (r, c)] = K[a, b]").unwrap();
    assert!(formulas(&f.explanation).contains(&rule), "{:?}", formulas(&f.explanation));
    // Sizes and the adjoint check are for staff.
    let detail = texts(&f.explanation, &report, Depth::Detail);
    assert!(detail.iter().any(|t| t.contains("nonzero entries")), "{detail:?}");
    assert!(detail.iter().any(|t| t.contains("transpose")), "{detail:?}");
    assert!(!texts(&f.explanation, &report, Depth::Solution).iter().any(|t| t.contains("nonzero")));
}

#[test]
fn index_letters_avoid_the_problems_symbols() {
    // Kernel symbols a, input symbols r: the general formulas use other letters.
    let (f, _) = finding(
        "problem p\n  W = kernel 2x2 a\n  X = input 3x3 r\n  find A = matrix conv2d(W, padding: 1) on X\n",
        "A",
    );
    let names = letters(&f.explanation);
    assert!(!names.iter().any(|n| n == "a" || n == "r"), "{names:?}");
    assert!(names.iter().any(|n| n == "u") && names.iter().any(|n| n == "v"), "{names:?}");
}

#[test]
fn padding_is_described_by_its_mode() {
    let text = |mode: &str| {
        let (f, report) = finding(
            &format!(
                "problem p\n  W = kernel 1x3 w\n  X = input 2x3 x\n  find A = matrix conv2d(W, padding: (0, 1), padding_mode: {mode}) on X\n"
            ),
            "A",
        );
        texts(&f.explanation, &report, Depth::Solution).join("\n")
    };
    assert!(text("zeros").contains("the zeros add nothing"));
    for (mode, word) in [("reflect", "reflection"), ("replicate", "replication"), ("circular", "circularly")] {
        let t = text(mode);
        assert!(t.contains(word), "{mode}: {t}");
        assert!(!t.contains("zeros add nothing"), "{mode}: {t}");
    }
}

#[test]
fn output_entries_are_listed_up_to_the_cap() {
    let (f, _) = finding("problem p\n  W = kernel 2x2 w\n  X = input 9x9 x\n  find A = matrix conv2d(W) on X\n", "A");
    let listing = f
        .explanation
        .steps
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::Listing { total, items } if *total == 64 => Some(items.len()),
            _ => None,
        })
        .expect("a listing of the 64 output entries");
    assert_eq!(listing, LISTING_CAP.min(64));
}
