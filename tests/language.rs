//! The problem language: what parses, what it means, and that printed keys
//! read back to the same value.

use nnkey::algebra::Ring;
use nnkey::language::{parse, parse_expr};
use nnkey::model::value::{Bare, compare, eval};
use nnkey::model::{ObjectKind, Query, Value, elaborate};
use proptest::prelude::*;

fn value(text: &str, ring: &Ring) -> Value {
    eval(&parse_expr(text).unwrap_or_else(|d| panic!("{text}: {}", d.message)), &Bare(ring)).unwrap()
}

fn same(a: &str, b: &str) -> bool {
    let ring = Ring::new();
    compare(&value(a, &ring), &value(b, &ring), &ring).is_ok()
}

#[test]
fn precedence_and_associativity() {
    assert!(same("2^3^2", "512"));
    assert!(same("-2^2", "-4"));
    assert!(same("2^-1", "0.5"));
    assert!(same("8/2/2", "2"));
    assert!(same("1 - 2 - 3", "-4"));
    assert!(same("a b / c", "(a*b)/c"));
    assert!(same("2 x y", "2*x*y"));
    assert!(same("(x + 1)(x - 1)", "x^2 - 1"));
    assert!(same("1e3 + 2.5e-1", "4001/4"));
    assert!(!same("w[0,1]", "w[1,0]"));
}

#[test]
fn matrices_vectors_and_transposes() {
    assert!(same("[[1, 2], [3, 4]]^T", "[[1, 3], [2, 4]]"));
    assert!(same("[[1, 2], [3, 4]] [1, 1]", "[3, 7]"));
    assert!(same("[[2, 0], [0, 4]]^-1", "[[1/2, 0], [0, 1/4]]"));
    assert!(same("I(2) * 3", "[[3, 0], [0, 3]]"));
    assert!(same("det([[a, b], [c, d]])", "a d - b c"));
    assert!(same("[[a]]", "a"), "a 1x1 matrix is its entry");
}

#[test]
fn the_design_examples_parse_and_elaborate() {
    let text = r#"
# Q1: a strided, padded convolution written as a matrix.
problem q1 "Stride-3 convolution with zero padding 1"
  W = kernel 2x2 w            # symbolic entries w[0,0] .. w[1,1]
  X = input 3x3 x             # symbolic entries x[0,0] .. x[2,2]
  find A = matrix conv2d(W, stride: 3, padding: 1) on X

problem q3 "Sub-pixel convolution is a transposed convolution"
  X = input 2x2 x
  C = kernel 4x1x1x1 c
  T = kernel 1x1x2x2 t
  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X
"#;
    let (tree, diagnostics) = parse(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(tree.problems.len(), 2);
    let (q1, errors) = elaborate(&tree.problems[0]);
    assert!(errors.is_empty());
    assert!(matches!(q1.object("W").unwrap().kind, ObjectKind::Tensor(ref t) if t.shape == vec![2, 2]));
    let Query::Matrix(conv) = &q1.finds[0].query else { panic!("a matrix query") };
    assert_eq!(conv.params.stride, (3, 3));
    assert_eq!(conv.output_shape(), Some([1, 2, 2]));
}

#[test]
fn numeric_kernels_and_decimals_are_exact() {
    let (tree, d) = parse("problem p\n  K = kernel [[0.5, 0.25], [1e-1, -2]]\n");
    assert!(d.is_empty());
    let (p, errors) = elaborate(&tree.problems[0]);
    assert!(errors.is_empty());
    let ObjectKind::Tensor(t) = &p.object("K").unwrap().kind else { panic!("a tensor") };
    let printed: Vec<String> = t.entries.iter().map(|e| nnkey::algebra::Print::print(e, &p.ring)).collect();
    assert_eq!(printed, vec!["1/2", "1/4", "1/10", "-2"]);
}

#[test]
fn answers_keep_their_prose() {
    let (tree, d) = parse("problem p\n  answer q13 = \"\"\"\n      First line.\n        Indented.\n  \"\"\"\n");
    assert!(d.is_empty(), "{d:?}");
    let (p, _) = elaborate(&tree.problems[0]);
    assert_eq!(p.answers[0].text, "First line.\n  Indented.");
}

fn expr_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-9i64..=9).prop_map(|n| n.to_string()),
        (1i64..=9, 2i64..=9).prop_map(|(n, d)| format!("{n}/{d}")),
        prop::sample::select(vec!["a", "b", "w[0,1]", "x[2,2]"]).prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) * ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) - ({b})")),
            (inner.clone(), 0u32..=2).prop_map(|(a, e)| format!("({a})^{e}")),
            (inner.clone(), prop::sample::select(vec!["a", "b + 1", "w[0,1]^2 + 1"]))
                .prop_map(|(a, d)| format!("({a}) / ({d})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    /// What nnkey prints as a key reads back to the same value.
    #[test]
    fn printed_values_read_back(entries in prop::collection::vec(expr_text(), 4)) {
        let ring = Ring::new();
        let text = format!("[[{}, {}], [{}, {}]]", entries[0], entries[1], entries[2], entries[3]);
        let v = value(&text, &ring);
        for column in [0, 13] {
            let key = v.to_key(&ring, column);
            let back = value(&key, &ring);
            prop_assert!(compare(&v, &back, &ring).is_ok(), "{} printed as {}", text, key);
        }
    }
}

#[test]
fn recovery_steps_over_characters_of_any_width() {
    // Recovery skips by bytes; a multi-byte character at the point of an
    // error must still be stepped over, and the next statement parsed.
    let text = "é\nproblem q \"t\"\nü ß = 1\nx = 2\n";
    let (file, diagnostics) = parse(text);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    assert_eq!(&text[diagnostics[0].span.start..diagnostics[0].span.end], "é");
    assert_eq!(&text[diagnostics[1].span.start..diagnostics[1].span.end], "ü");
    assert_eq!(file.problems.len(), 1);
    assert_eq!(file.problems[0].statements.len(), 1);
}

#[test]
fn questions_parts_and_shown_objects() {
    let text = r#"problem q "t"
  question = """
      A kernel $W$ slides over an input $X$.
        Both are read row by row.
  """
  W = kernel 2x2 w
  X = input 3x3 x
  question A = "Write the layer as a matrix."
  find A = matrix conv2d(W) on X
  find size = shape conv2d(W) on X
  question size = "Give the output's shape."
  show X, W
"#;
    let (tree, d) = parse(text);
    assert!(d.is_empty(), "{d:?}");
    let (p, errors) = elaborate(&tree.problems[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let q = p.question.as_ref().expect("the problem's question");
    assert_eq!(q.text, "A kernel $W$ slides over an input $X$.\n  Both are read row by row.");
    let literal = &text[q.span.start..q.span.end];
    assert!(literal.starts_with("\"\"\"") && literal.ends_with("\"\"\""), "{literal}");
    // A part before its find and a part after it.
    let a = p.find("A").unwrap().question.as_ref().expect("the part of A");
    assert_eq!(a.text, "Write the layer as a matrix.");
    assert_eq!(&text[a.span.start..a.span.end], "\"Write the layer as a matrix.\"");
    assert_eq!(p.find("size").unwrap().question.as_ref().unwrap().text, "Give the output's shape.");
    // Shown in the order written, each with its name's span.
    let shown: Vec<&str> = p.shown.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(shown, ["X", "W"]);
    for (name, span) in &p.shown {
        assert_eq!(&text[span.start..span.end], name);
    }
    // `question` is no longer a value.
    assert!(p.object("question").is_none());
}

#[test]
fn question_statements_keep_their_spans() {
    use nnkey::language::syntax::Statement;
    let text = "problem q\n  question A = \"part\"\n  show W, X\n";
    let (tree, d) = parse(text);
    assert!(d.is_empty(), "{d:?}");
    let [Statement::Question(q), Statement::Show(s)] = tree.problems[0].statements.as_slice() else {
        panic!("a question and a show: {:?}", tree.problems[0].statements)
    };
    let part = q.part.as_ref().unwrap();
    assert_eq!(&text[part.span.start..part.span.end], "A");
    assert_eq!(&text[q.text_span.start..q.text_span.end], "\"part\"");
    assert_eq!(&text[q.span.start..q.span.end], "question A = \"part\"");
    assert_eq!(&text[s.span.start..s.span.end], "show W, X");
    let names: Vec<&str> = s.names.iter().map(|n| &text[n.span.start..n.span.end]).collect();
    assert_eq!(names, ["W", "X"]);
}

#[test]
fn recovery_resumes_at_question_and_show() {
    // A broken statement is skipped up to the next statement, and the new
    // statements count as statements.
    let text = "problem q\n  W = kernel 2xw\n    more\n  question = \"Q?\"\n  + 1\n  show W\n";
    let (tree, d) = parse(text);
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(tree.problems[0].statements.len(), 2);
}

#[test]
fn file_level_declarations_includes_draws_and_dotted_ids_parse() {
    let text = "include \"common.nnk\"\nh = 2\n\nproblem 3.1 \"t\"\n  draw a = integer in -3..3 where nonzero and distinct\n  \
                draw p = point 1 from {-1/2, 1/2} where not on a kink of g, nonzero\n\nproblem ps3.q12a\n";
    let (file, errors) = parse(text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(file.includes.len(), 1);
    assert_eq!(file.includes[0].path, "common.nnk");
    assert_eq!(&text[file.includes[0].path_span.start..file.includes[0].path_span.end], "\"common.nnk\"");
    assert_eq!(file.shared.len(), 1);
    let ids: Vec<&str> = file.problems.iter().map(|p| p.id.name.as_str()).collect();
    assert_eq!(ids, ["3.1", "ps3.q12a"]);
    let draws: Vec<(String, Vec<String>)> = file.problems[0]
        .statements
        .iter()
        .filter_map(|s| match s {
            nnkey::language::syntax::Statement::Draw(d) => {
                Some((d.name.name.clone(), d.conditions.iter().map(|c| c.words.clone()).collect()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(draws[0], ("a".to_string(), vec!["nonzero".to_string(), "distinct".to_string()]));
    assert_eq!(draws[1], ("p".to_string(), vec!["not on a kink of".to_string(), "nonzero".to_string()]));
}

#[test]
fn spans_of_a_text_parsed_at_an_offset_are_shifted() {
    let (file, _) = nnkey::language::parse_at("problem q1\n  W = kernel 2x2 w\n", 1000);
    assert_eq!(file.problems[0].id.span, nnkey::language::Span::new(1008, 1010));
    let (_, errors) = nnkey::language::parse_at("problem q1\n  W = kernel 2xw\n", 1000);
    assert_eq!(errors[0].span, nnkey::language::Span::new(1026, 1027));
}

/// A key may name a finding before it: the adjoint question, "the
/// transposed convolution's matrix is the transpose of the convolution's".
#[test]
fn keys_may_name_earlier_findings() {
    use nnkey::check::{Status, check_source};
    let text = "problem q1 \"t\"
  W = kernel 2x2 w
  X = input 3x3 x
  Y = input 2x2 y
  find A = matrix conv2d(W) on X
  find T = matrix conv_transpose2d(W) on Y
  expect T = transpose(A)
  find U = matrix conv_transpose2d(W) on Y
  expect U = A
";
    let report = check_source(nnkey::language::SourceFile::new("k.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let statuses: Vec<(&str, &Status)> =
        report.problems[0].findings.iter().map(|f| (f.finding.name.as_str(), &f.status)).collect();
    assert_eq!(statuses[1], ("T", &Status::Pass));
    // A is 4×9 and U is 9×4: the key names A, and fails on its shape.
    assert!(matches!(statuses[2].1, Status::Fail(_)), "{statuses:?}");
}
