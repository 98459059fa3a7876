//! Equivalence of operators: found correspondences, keys judged by meaning,
//! and reasons when operators differ.

mod common;

use common::Sandbox;
use nnkey::check::{FileReport, Status, check_source};
use nnkey::derive::equivalence::{Difference, EquivalenceAnswer, NamedOrder, Reordering};
use nnkey::derive::{Answer, Block, Depth, Explanation};
use nnkey::language::SourceFile;
use nnkey::language::math::{Inline, Math, parse_math};
use nnkey::model::Value;

const HEAD: &str = "problem q3\n  X = input 2x2 x\n  C = kernel 4x1x1x1 c\n  T = kernel 1x1x2x2 t\n  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X\n";

fn status(key: &str) -> Status {
    let report = check_source(SourceFile::new("q3.nnk", format!("{HEAD}  expect same = {key}\n")));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report.problems[0].findings[0].status.clone()
}

#[test]
fn the_sub_pixel_identity_is_found_as_a_pixel_shuffle() {
    let report = report(HEAD);
    let f = &report.problems[0].findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    assert!(matches!(f.finding.value.field("equivalent"), Some(Value::Bool(true))));
    let outputs = f.finding.value.field("outputs").unwrap().print(&report.problems[0].problem.ring);
    assert_eq!(outputs, "pixel_shuffle(2)");
    let formula = parse_math("c[2 a + b, 0, 0, 0] |-> t[0, 0, a, b]").unwrap();
    assert!(inline_math(&f.finding.explanation).contains(&formula), "{:?}", f.finding.explanation);
    let Answer::Equivalence(EquivalenceAnswer::Equivalent { weights, outputs }) = &f.finding.answer else {
        panic!("a typed equivalence: {:?}", f.finding.answer)
    };
    assert_eq!(weights.len(), 4);
    assert_eq!(*outputs, Reordering::Named(NamedOrder::PixelShuffle(2)));
    // The search is for staff; the student's steps say what to rename and reorder.
    let steps = &f.finding.explanation.steps;
    let text = |d: Depth| -> Vec<String> {
        steps
            .iter()
            .filter(|s| s.depth == d)
            .map(|s| nnkey::render::step_parts(s, &report.problems[0].problem.ring).0)
            .collect()
    };
    assert!(text(Depth::Detail).iter().any(|t| t.contains("How nnkey found it")), "{:?}", text(Depth::Detail));
    assert!(text(Depth::Solution).iter().any(|t| t.contains("in a different order")), "{:?}", text(Depth::Solution));
}

/// Every formula inline in the explanation's prose.
fn inline_math(ex: &Explanation) -> Vec<Math> {
    let mut out = Vec::new();
    for step in &ex.steps {
        for block in &step.blocks {
            if let Block::Prose(p) = block {
                out.extend(p.0.iter().filter_map(|i| match i {
                    Inline::Math(m) => Some(m.clone()),
                    _ => None,
                }));
            }
        }
    }
    out
}

/// Every name a formula of the explanation uses.
fn names(ex: &Explanation) -> Vec<String> {
    fn walk(m: &Math, out: &mut Vec<String>) {
        match m {
            Math::Name(n) => out.push(n.clone()),
            // An array's own name (`a` in `a[2 c + d, 0, 0, 0]`) is not a letter.
            Math::Entry(_, idx) => idx.iter().for_each(|x| walk(x, out)),
            Math::Sum(t) => t.iter().for_each(|x| walk(&x.1, out)),
            Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) => f.iter().for_each(|x| walk(x, out)),
            Math::Relation(a, rest) => {
                walk(a, out);
                rest.iter().for_each(|x| walk(&x.1, out));
            }
            Math::Script { base, .. } => walk(base, out),
            Math::Matrix(rows) => rows.iter().flatten().for_each(|x| walk(x, out)),
            Math::BigOp { under, body, .. } => {
                under.iter().for_each(|x| walk(x, out));
                walk(body, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for step in &ex.steps {
        for block in &step.blocks {
            match block {
                Block::Prose(p) => p.0.iter().for_each(|i| {
                    if let Inline::Math(m) = i {
                        walk(m, &mut out)
                    }
                }),
                Block::Display(m) => walk(m, &mut out),
                Block::Listing { items, .. } => items.iter().for_each(|b| {
                    if let Block::Display(m) = b {
                        walk(m, &mut out)
                    }
                }),
                _ => {}
            }
        }
    }
    out
}

fn report(text: &str) -> FileReport {
    let report = check_source(SourceFile::new("p.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    // Every step prints (a formula the printer cannot write fails here).
    for f in &report.problems[0].findings {
        f.finding
            .explanation
            .steps
            .iter()
            .for_each(|s| drop(nnkey::render::step_parts(s, &report.problems[0].problem.ring)));
    }
    report
}

#[test]
fn the_weight_formula_avoids_the_problems_own_letters() {
    // Kernel symbols named a and b: the formula's index letters must be others.
    let r = report(
        "problem q\n  X = input 2x2 x\n  C = kernel 4x1x1x1 a\n  T = kernel 1x1x2x2 b\n  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2, layout: oihw) on X\n",
    );
    let f = &r.problems[0].findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    let formula = parse_math("a[2 c + d, 0, 0, 0] |-> b[0, 0, c, d]").unwrap();
    assert!(inline_math(&f.finding.explanation).contains(&formula), "{:?}", inline_math(&f.finding.explanation));
    let used = names(&f.finding.explanation);
    assert!(!used.iter().any(|n| n == "a" || n == "b" || n == "x"), "{used:?}");
}

#[test]
fn an_identity_correspondence_keeps_the_order() {
    let r = report(
        "problem p\n  X = input 3x3 x\n  W = kernel 2x2 w\n  V = kernel 2x2 v\n  find same = equivalence conv2d(W) on X, conv2d(V) on X\n",
    );
    let f = &r.problems[0].findings[0];
    let Answer::Equivalence(EquivalenceAnswer::Equivalent { outputs, .. }) = &f.finding.answer else {
        panic!("equivalent: {:?}", f.finding.answer)
    };
    assert_eq!(*outputs, Reordering::Named(NamedOrder::Identity));
    let text: Vec<String> = f
        .finding
        .explanation
        .steps
        .iter()
        .map(|s| nnkey::render::step_parts(s, &r.problems[0].problem.ring).0)
        .collect();
    assert!(!text.iter().any(|t| t.contains("different order")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("in the same order")), "{text:?}");
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
    let report = report(
        "problem p\n  X = input 3x3 x\n  W = kernel 2x2 w\n  V = kernel 2x2 v\n  find a = equivalence conv2d(W) on X, conv2d(V, padding: 1) on X\n  find b = equivalence conv2d(W) on X, conv2d(V, stride: 2, padding: 1) on X\n  find c = equivalence conv2d(W) on X, conv2d(V) on X\n",
    );
    let reason = |k: usize| {
        let f = &report.problems[0].findings[k].finding;
        assert!(matches!(f.answer, Answer::Equivalence(EquivalenceAnswer::Different(_))), "{:?}", f.answer);
        let v = &f.value;
        assert!(matches!(v.field("equivalent"), Some(Value::Bool(false))), "{v:?}");
        v.field("reason").unwrap().print(&report.problems[0].problem.ring)
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

#[test]
fn a_reordering_without_a_name_is_found_by_search_and_checked() {
    let r = report(
        "problem s\n  X = input 1x4 x\n  C = kernel 2x1x1x1 c\n  T = kernel 1x1x1x2 t\n  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: (1, 2), layout: oihw) on X\n",
    );
    let p = &r.problems[0];
    let f = &p.findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    let Answer::Equivalence(EquivalenceAnswer::Equivalent { weights, outputs }) = &f.finding.answer else {
        panic!("equivalent: {:?}", f.finding.answer)
    };
    // Channel k at column j goes to column 2 j + k.
    let Reordering::Table { from, to, rows } = outputs else { panic!("a table: {outputs:?}") };
    assert_eq!((*from, *to), ([2, 1, 4], [1, 1, 8]));
    assert_eq!(rows, &vec![0, 2, 4, 6, 1, 3, 5, 7]);
    let detail: Vec<String> = f
        .finding
        .explanation
        .steps
        .iter()
        .filter(|s| s.depth == Depth::Detail)
        .map(|s| nnkey::render::step_parts(s, &p.problem.ring).0)
        .collect();
    assert!(detail.iter().any(|t| t.contains("backtracking")), "{detail:?}");
    // The numeric check fails a wrong table.
    let nnkey::model::Query::Equivalence(a, b) = &p.problem.finds[0].query else { panic!("an equivalence") };
    let mut wrong = rows.clone();
    wrong.swap(0, 1);
    let claim = EquivalenceAnswer::Equivalent {
        weights: weights.clone(),
        outputs: Reordering::Table { from: *from, to: *to, rows: wrong },
    };
    let check = nnkey::numeric::conv::check_equivalence(a, b, &claim, &p.problem.ring, 1);
    assert!(!check.passed, "{check:?}");
}

#[test]
fn a_non_equivalence_is_confirmed_numerically_and_a_wrong_one_is_not() {
    // a: 4 and 16 outputs; b: the second operator skips a pattern (a
    // counterexample under shared weights); c: a different symbol count
    // (a 2×2 kernel, and a 1×1 kernel at stride 2: 4 outputs each).
    let r = report(
        "problem p\n  X = input 3x3 x\n  W = kernel 2x2 w\n  V = kernel 2x2 v\n  K = kernel 1x1 k\n  \
         find a = equivalence conv2d(W) on X, conv2d(V, padding: 1) on X\n  \
         find b = equivalence conv2d(W) on X, conv2d(V, stride: 2, padding: 1) on X\n  \
         find c = equivalence conv2d(W) on X, conv2d(K, stride: 2) on X\n  \
         find same = equivalence conv2d(W) on X, conv2d(V) on X\n",
    );
    let p = &r.problems[0];
    for f in &p.findings[..2] {
        let c = &f.crosscheck;
        assert!(c.passed && c.trials > 0, "{}: {c:?}", f.finding.name);
    }
    assert!(
        p.findings[0].crosscheck.detail.contains("4 and 16 outputs (stated 4 and 16)"),
        "{:?}",
        p.findings[0].crosscheck
    );
    assert!(p.findings[1].crosscheck.detail.contains("a counterexample"), "{:?}", p.findings[1].crosscheck);
    let ring = &p.problem.ring;
    let query = |k: usize| {
        let nnkey::model::Query::Equivalence(a, b) = &p.problem.finds[k].query else { panic!("an equivalence") };
        (a.clone(), b.clone())
    };
    // Wrong reasons fail: counts the operators do not have.
    let (a, b) = query(0);
    let wrong = EquivalenceAnswer::Different(Difference::OutputCounts(4, 9));
    assert!(!nnkey::numeric::conv::check_equivalence(&a, &b, &wrong, ring, 1).passed);
    let wrong = EquivalenceAnswer::Different(Difference::InputSizes(9, 4));
    assert!(!nnkey::numeric::conv::check_equivalence(&a, &b, &wrong, ring, 1).passed);
    // Equivalent operators declared different: no counterexample exists, so
    // the check never passes (it says it found none).
    let (a, b) = query(3);
    for why in [Difference::NoRenaming, Difference::OutputCounts(4, 4), Difference::SymbolCounts(4, 5)] {
        let claim = EquivalenceAnswer::Different(why.clone());
        let c = nnkey::numeric::conv::check_equivalence(&a, &b, &claim, ring, 1);
        assert!(!c.passed, "{why:?}: {c:?}");
    }
    let c =
        nnkey::numeric::conv::check_equivalence(&a, &b, &EquivalenceAnswer::Different(Difference::NoRenaming), ring, 1);
    assert!(c.unchecked && c.detail.contains("no counterexample"), "{c:?}");
    // Different symbol counts are counted by perturbing each symbol.
    let f = &p.findings[2];
    let Answer::Equivalence(EquivalenceAnswer::Different(Difference::SymbolCounts(4, 1))) = &f.finding.answer else {
        panic!("{:?}", f.finding.answer)
    };
    assert!(f.crosscheck.passed && f.crosscheck.detail.contains("4 and 1 symbols"), "{:?}", f.crosscheck);
    let (a, b) = query(2);
    let wrong = EquivalenceAnswer::Different(Difference::SymbolCounts(4, 2));
    assert!(!nnkey::numeric::conv::check_equivalence(&a, &b, &wrong, ring, 1).passed);
}
