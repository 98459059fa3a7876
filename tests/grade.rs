//! Grading: submissions with known mistakes get the expected points,
//! partial credit and feedback; the reports are pinned as snapshots and
//! the gradebook reads back as CSV.

mod common;

use common::{Sandbox, repo, run_in};
use nnkey::grade::{self, Grade, GradeReport, Verdict};
use nnkey::render::grade::{feedback, gradebook, points};

/// The keys of the grading folder.
fn keys() -> String {
    std::fs::read_to_string(repo().join("tests/grade/keys/course.nnk")).expect("the keys")
}

/// Grades one text submission against the keys of `tests/grade/keys`.
fn grade_text(submission: &str) -> GradeReport {
    let sb = Sandbox::new();
    let k = sb.write("keys/course.nnk", &keys());
    let s = sb.write("sub/student.txt", submission);
    let report = grade::run(&[k], &[s]);
    assert!(!report.keys_bad());
    report
}

/// The grade of `problem name` for the only student.
fn grade_of<'a>(report: &'a GradeReport, problem: &str, name: &str) -> &'a Grade {
    assert_eq!(report.students.len(), 1);
    report.students[0]
        .grades
        .iter()
        .find(|g| g.problem == problem && g.name == name)
        .unwrap_or_else(|| panic!("no grade for {problem} {name}"))
}

/// Points, maximum, verdict and every feedback sentence of one answer.
fn outcome(report: &GradeReport, problem: &str, name: &str) -> (String, String, Verdict, Vec<String>) {
    let g = grade_of(report, problem, name);
    (points(&g.points), points(&g.max), g.verdict, g.notes.iter().map(feedback).collect())
}

fn sentences(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

const RIGHT_Q1: &str = "[[w[1,1], 0, 0, 0, 0, 0, 0, 0, 0],
       [0, 0, w[1,0], 0, 0, 0, 0, 0, 0],
       [0, 0, 0, 0, 0, 0, w[0,1], 0, 0],
       [0, 0, 0, 0, 0, 0, 0, 0, w[0,0]]]";

#[test]
fn a_right_answer_earns_its_points_and_any_valid_neuron_passes() {
    let r = grade_text(&format!("problem q1\n  A = {RIGHT_Q1}\nproblem q4\n  and = {{ w: [3, 2], b: -4.5 }}\n"));
    assert_eq!(outcome(&r, "q1", "A"), ("2".into(), "2".into(), Verdict::Correct, vec![]));
    assert_eq!(outcome(&r, "q4", "and"), ("1".into(), "1".into(), Verdict::Correct, vec![]));
    let (pts, max, verdict, notes) = outcome(&r, "q12", "w");
    assert_eq!((pts.as_str(), max.as_str(), verdict), ("0", "2", Verdict::NoAnswer));
    assert!(notes.is_empty());
    assert_eq!(points(&r.students[0].points()), "3");
    assert_eq!(points(&r.students[0].max()), "13");
}

#[test]
fn the_transpose_of_the_right_matrix_is_named() {
    let r = grade_text(
        "problem q1\n  A = [[w[1,1], 0, 0, 0], [0, 0, 0, 0], [0, w[1,0], 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],\n       \
         [0, 0, 0, 0], [0, 0, w[0,1], 0], [0, 0, 0, 0], [0, 0, 0, w[0,0]]]\n",
    );
    assert_eq!(
        outcome(&r, "q1", "A"),
        (
            "0".into(),
            "2".into(),
            Verdict::Wrong,
            sentences(&["Your matrix is the transpose of the right one: its rows are the columns of the answer. \
                         Each row of the answer belongs to one output entry and each column to one input entry."])
        )
    );
}

#[test]
fn a_flipped_kernel_is_named_convolution_instead_of_cross_correlation() {
    let r = grade_text(
        "problem conv\n  A = [[w[1,1], w[1,0], 0, w[0,1], w[0,0], 0, 0, 0, 0],\n       \
         [0, w[1,1], w[1,0], 0, w[0,1], w[0,0], 0, 0, 0],\n       \
         [0, 0, 0, w[1,1], w[1,0], 0, w[0,1], w[0,0], 0],\n       \
         [0, 0, 0, 0, w[1,1], w[1,0], 0, w[0,1], w[0,0]]]\n",
    );
    assert_eq!(
        outcome(&r, "conv", "A"),
        (
            "0".into(),
            "2".into(),
            Verdict::Wrong,
            sentences(&["Your matrix is that of the kernel flipped in both directions: a convolution in the \
                         textbook sense. Deep learning frameworks compute a cross-correlation: the kernel slides \
                         over the input as it is, unflipped."])
        )
    );
}

#[test]
fn a_missing_padding_is_named() {
    let r = grade_text("problem q1\n  A = [[w[0,0], w[0,1], 0, w[1,0], w[1,1], 0, 0, 0, 0]]\n");
    assert_eq!(
        outcome(&r, "q1", "A"),
        (
            "0".into(),
            "2".into(),
            Verdict::Wrong,
            sentences(&["Your matrix is that of the same layer without its padding: surround the input with the \
                         padding's zeros first, then slide the kernel over the padded input."])
        )
    );
}

#[test]
fn a_neuron_is_told_the_first_row_it_gets_wrong() {
    let r = grade_text("problem q4\n  and = { w: [1, 1], b: -1 }\n");
    assert_eq!(
        outcome(&r, "q4", "and"),
        (
            "0".into(),
            "1".into(),
            Verdict::Wrong,
            sentences(&["Your neuron is wrong on row `01` of `AND` (x1 = 0, x2 = 1): w·x + b = 0, so it outputs 1, \
                         but the table says 0."])
        )
    );
    let r = grade_text("problem q4\n  and = impossible\n");
    assert_eq!(
        outcome(&r, "q4", "and").3,
        sentences(&["You say no threshold neuron computes the table, but `{ w: [1, 1], b: -2 }` does."])
    );
}

#[test]
fn a_removable_breakpoint_costs_nothing_and_is_named() {
    let r = grade_text("problem pieces\n  all = { breakpoints: [-2, 0, 1], pieces: [1, x + 3, 2*x + 3, 2*x + 3] }\n");
    assert_eq!(
        outcome(&r, "pieces", "all"),
        (
            "2".into(),
            "2".into(),
            Verdict::Correct,
            sentences(&["The pieces on both sides of your breakpoint at `1` are the same, `2*x + 3`: the function \
                         does not bend there, so it is not a breakpoint, and leaving it out changes nothing. It \
                         costs no points."])
        )
    );
}

#[test]
fn pieces_earn_credit_per_breakpoint_and_piece() {
    // Two breakpoints and three pieces are five shares of 2 points; the
    // last piece is wrong: 4/5 of 2.
    let r = grade_text("problem pieces\n  all = { breakpoints: [-2, 0], pieces: [1, x + 3, 2*x + 2] }\n");
    assert_eq!(
        outcome(&r, "pieces", "all"),
        (
            "1.6".into(),
            "2".into(),
            Verdict::Partial,
            sentences(&["Right of `0` the function is `2*x + 3`; you wrote `2*x + 2`."])
        )
    );
}

#[test]
fn the_wrong_one_sided_derivative_at_a_kink_is_named() {
    // Three fields of 3 points: `gradient` right (1), `left` half right
    // (W wrong: 1/2), `right` right (1): 5/6 of 3.
    let r =
        grade_text("problem kink0\n  piece = { gradient: undefined, left: { W: 2, b: 3 }, right: { W: 2, b: 3 } }\n");
    assert_eq!(
        outcome(&r, "kink0", "piece"),
        (
            "2.5".into(),
            "3".into(),
            Verdict::Partial,
            sentences(&[
                "Your slope on the left of the kink, `2`, is the slope on the other side; on the left it is `1`."
            ])
        )
    );
    let r = grade_text("problem kink0\n  piece = { gradient: 1, left: { W: 1, b: 3 }, right: { W: 2, b: 3 } }\n");
    assert_eq!(
        outcome(&r, "kink0", "piece"),
        (
            "2".into(),
            "3".into(),
            Verdict::Partial,
            sentences(&[
                "Your gradient `1` is the derivative from the left only: the slopes on the two sides of this \
                         kink differ, so the network has no derivative here; the answer says `gradient: undefined` \
                         and gives both one-sided pieces."
            ])
        )
    );
}

#[test]
fn the_inverse_of_the_wrong_gram_matrix_is_named() {
    let r = grade_text("problem q12\n  w = (X^T X)^-1 X^T y\n");
    assert_eq!(
        outcome(&r, "q12", "w"),
        (
            "0".into(),
            "2".into(),
            Verdict::Wrong,
            sentences(&["Your answer inverts `X^T X`, which is singular here: X has more columns than rows, so its \
                         columns are dependent. It is `X X^T` that is invertible, and the minimum-norm solution is \
                         `X^T (X X^T)^-1 y`."])
        )
    );
    let r = grade_text("problem q12\n  w = inverse(transpose(X) X) X^T y\n");
    assert_eq!(outcome(&r, "q12", "w").0, "0");
    assert!(outcome(&r, "q12", "w").3[0].starts_with("Your answer inverts `X^T X`"));
}

#[test]
fn matrix_entries_earn_credit_over_the_entries_that_count() {
    // 16 nonzero entries; one is wrong: 15/16 of 2 = 1.875.
    let r = grade_text(
        "problem conv\n  A = [[w[0,0], w[0,1], 0, w[1,0], w[1,1], 0, 0, 0, 0],\n       \
         [0, w[0,0], w[0,1], 0, w[1,0], w[1,1], 0, 0, 0],\n       \
         [0, 0, 0, w[0,0], w[0,1], 0, w[1,0], w[1,1], 0],\n       \
         [0, 0, 0, 0, w[0,0], w[0,1], 0, w[1,0], w[0,1]]]\n",
    );
    let g = grade_of(&r, "conv", "A");
    assert_eq!(g.points.to_string(), "15/8");
    assert_eq!(
        outcome(&r, "conv", "A"),
        (
            "1.88".into(),
            "2".into(),
            Verdict::Partial,
            sentences(&[
                "1 of the 16 entries that count are wrong; the first, entry (3, 8), is `w[0,1]` and should be `w[1,1]`."
            ])
        )
    );
}

#[test]
fn an_unreadable_answer_loses_only_itself_with_its_place() {
    let r = grade_text(&format!(
        "problem q1\n  size = (2, 2]\n  A = {RIGHT_Q1}\nproblem q4\n  and = {{ w: [1, 1], b: }}\n"
    ));
    let (pts, _, verdict, notes) = outcome(&r, "q1", "size");
    assert_eq!((pts.as_str(), verdict), ("0", Verdict::Unreadable));
    assert_eq!(notes, sentences(&["Your answer cannot be read: expected `,` or `)`, found `]`."]));
    let g = grade_of(&r, "q1", "size");
    let src = &r.submissions[g.answer.unwrap().0];
    let nnkey::grade::Note::Unreadable(d) = &g.notes[0] else { panic!("unreadable") };
    assert_eq!(src.line_col(d.span.start), (2, 15));
    assert_eq!(outcome(&r, "q1", "A").0, "2");
    assert_eq!(outcome(&r, "q4", "and").2, Verdict::Unreadable);
}

#[test]
fn points_come_from_the_problem_file() {
    let sb = Sandbox::new();
    let k = sb.write(
        "k.nnk",
        "problem p\n  AND = truth table (x1, x2) { 00: 0, 01: 0, 10: 0, 11: 1 }\n  find and = threshold neuron for AND\n  points and = 5/2\n",
    );
    let s = sb.write("ada.txt", "problem p\n  and = { w: [1, 1], b: -2 }\n");
    let r = grade::run(&[k], &[s]);
    assert_eq!(r.students[0].student, "ada");
    assert_eq!(points(&r.students[0].grades[0].points), "2.5");

    let bad = sb.write(
        "bad.nnk",
        "problem p\n  AND = truth table (x1, x2) { 00: 0, 01: 0, 10: 0, 11: 1 }\n  find and = threshold neuron for AND\n  points and = -1\n  points nad = 1\n",
    );
    let run = sb.run(&["check", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("points must be a number of at least 0"), "{}", run.stderr);
    assert!(run.stderr.contains("no `find nad` in problem `p`"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `and`?"), "{}", run.stderr);
}

#[test]
fn a_value_named_points_is_still_a_declaration() {
    let sb = Sandbox::new();
    let k = sb.write(
        "k.nnk",
        "problem p\n  points = 3\n  X = matrix [[points, 1]]\n  find n = minimum-norm solution of X v = [1]\n",
    );
    let run = sb.run(&["check", k.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_bad_key_file_grades_nothing_and_exits_2() {
    let sb = Sandbox::new();
    sb.write("keys/k.nnk", "problem p\n  find x = matrix conv2d(W) on X\n");
    sb.write("subs/ada.txt", "problem p\n  x = 1\n");
    let run = sb.run(&["grade", "keys", "--submissions", "subs", "--gradebook", "book.csv"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("a key file is bad; nothing was graded"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(!sb.path("book.csv").exists());
}

#[test]
fn a_missing_submission_path_is_an_error() {
    let sb = Sandbox::new();
    sb.write("keys/k.nnk", &keys());
    let run = sb.run(&["grade", "keys", "--submissions", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read nowhere"), "{}", run.stderr);
}

/// Runs `nnkey grade` on the grading folder from the repository root.
fn grade_folder(extra: &[&str]) -> common::Run {
    let mut args = vec!["grade", "tests/grade/keys", "--submissions", "tests/grade/submissions"];
    args.extend_from_slice(extra);
    run_in(&repo(), &args)
}

#[test]
fn the_folder_report_as_text() {
    let run = grade_folder(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("grade_report.txt", run.stdout);
}

#[test]
fn grading_on_several_threads_prints_the_same_bytes_as_on_one() {
    for format in ["text", "json"] {
        let run = |jobs| {
            let args = ["--jobs", jobs, "grade", "tests/grade/keys", "--submissions", "tests/grade/submissions"];
            run_in(&repo(), &[&args[..], &["--format", format]].concat())
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(one.code, 0, "{}", one.stderr);
        assert_eq!((one.code, &one.stdout, &one.stderr), (two.code, &two.stdout, &two.stderr), "{format}");
        assert!(one.stdout.contains("ada") && one.stdout.contains("bob"), "several students: {}", one.stdout);
    }
}

#[test]
fn the_folder_report_as_markdown() {
    let run = grade_folder(&["--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("grade_report.md", run.stdout);
}

#[test]
fn the_folder_report_as_json() {
    let run = grade_folder(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let students = v["students"].as_array().unwrap();
    let names: Vec<&str> = students.iter().map(|s| s["student"].as_str().unwrap()).collect();
    assert_eq!(names, ["ada", "bob", "carol", "dee", "eve, the second"]);
    assert_eq!(students[1]["grades"][0]["feedback"][0]["kind"], "transpose");
    insta::assert_snapshot!("grade_report.json", run.stdout);
}

#[test]
fn the_gradebook_reads_back_as_csv() {
    let sb = Sandbox::new();
    let book = sb.path("book.csv");
    let run = grade_folder(&["--gradebook", book.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_path(&book).expect("a CSV file");
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, ["student", "problem", "name", "points", "max", "verdict"]);
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.expect("a row").iter().map(str::to_string).collect()).collect();
    // Five students, seven finds each.
    assert_eq!(rows.len(), 35);
    assert!(rows.iter().all(|r| r.len() == 6));
    let row = |s: &str, p: &str, n: &str| rows.iter().find(|r| r[0] == s && r[1] == p && r[2] == n).unwrap().clone();
    assert_eq!(row("bob", "kink0", "piece")[3..], ["2.5", "3", "partial"]);
    assert_eq!(row("bob", "q1", "size")[3..], ["0", "1", "no answer"]);
    assert_eq!(row("eve, the second", "q4", "and")[3..], ["0", "1", "unreadable"]);
    assert_eq!(row("ada", "pieces", "all")[3..], ["2", "2", "correct"]);
    // The file as written quotes the name with a comma.
    assert!(std::fs::read_to_string(&book).unwrap().contains("\"eve, the second\",q4,and,0,1,unreadable"));
    // The same as the library writes it.
    let report = grade::run(&[repo().join("tests/grade/keys")], &[repo().join("tests/grade/submissions")]);
    assert_eq!(gradebook(&report).unwrap().lines().count(), 36);
}

#[test]
fn a_student_name_a_spreadsheet_would_run_stays_text_in_the_gradebook() {
    let sb = Sandbox::new();
    sb.write("keys/k.nnk", &keys());
    sb.write(
        "subs/form.csv",
        "student,problem,name,answer\n\"=HYPERLINK(\"\"x\"\")\",q4,and,\"{ w: [1, 1], b: -2 }\"\n",
    );
    let run = sb.run(&["grade", "keys", "--submissions", "subs", "--gradebook", "book.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_path(sb.path("book.csv")).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "'=HYPERLINK(\"x\")");
}

#[test]
fn a_repeated_answer_is_graded_once_and_an_unknown_one_is_noted() {
    let r = grade_text("problem q4\n  and = { w: [1, 1], b: -2 }\n  and = impossible\nproblem q9\n  n = 3\n");
    let (pts, _, verdict, notes) = outcome(&r, "q4", "and");
    assert_eq!((pts.as_str(), verdict), ("1", Verdict::Correct));
    assert_eq!(notes, sentences(&["You answered this more than once; the first answer is graded."]));
    let u = &r.students[0].unmatched;
    assert_eq!(u.len(), 1);
    assert_eq!((u[0].problem.as_str(), u[0].name.as_str(), u[0].problem_known), ("q9", "n", false));
}

#[test]
fn a_network_check_says_what_is_wrong_in_terms_of_the_answer() {
    let sb = Sandbox::new();
    let k = sb.write(
        "k.nnk",
        "problem n\n  XOR = truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }\n  \
         find ok = threshold network {\n      step [[1, 1], [1, 1]] + [-1, -2]\n      step [[1, -1]] + [-1]\n    } on XOR\n  \
         find bad = threshold network {\n      step [[1, 1], [1, 1]] + [-1, -2]\n      step [[1, 1]] + [-1]\n    } on XOR\n",
    );
    let s = sb.write("ada.txt", "problem n\n  ok = false\n  bad = true\n");
    let r = grade::run(&[k], &[s]);
    assert!(!r.keys_bad());
    assert_eq!(
        outcome(&r, "n", "ok").3,
        sentences(&["Your answer says the network does not compute `XOR`, but it does on every row."])
    );
    assert_eq!(
        outcome(&r, "n", "bad").3,
        sentences(&["The network is wrong on row 11 (x1 = 1, x2 = 1): it outputs 1, but `XOR` says 0."])
    );
}

mod damaged {
    use super::*;
    use nnkey::language::{parse_submission, parse_submission_csv};
    use proptest::prelude::*;

    const TEXT: &str = include_str!("grade/submissions/bob.txt");
    const CSV: &str = include_str!("grade/submissions/forms.csv");

    /// `text` with the bytes `at..at + len` replaced by `with`, on char
    /// boundaries.
    fn splice(text: &str, at: usize, len: usize, with: &str) -> String {
        let fix = |mut k: usize| {
            k = k.min(text.len());
            while !text.is_char_boundary(k) {
                k -= 1;
            }
            k
        };
        let (a, b) = (fix(at), fix(at + len));
        format!("{}{}{}", &text[..a], with, &text[b..])
    }

    fn pieces() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "",
            "\"",
            "\"\"",
            ",",
            "\n",
            "\r\n",
            "[",
            "]",
            "{",
            "}",
            "problem",
            "=",
            "é",
            "\u{feff}",
            "x^-1",
            "student \"z\"",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// A damaged submission parses without a panic, and every
        /// diagnostic points into the text.
        #[test]
        fn damaged_submissions_parse_with_diagnostics_in_the_text(at in 0usize..700, len in 0usize..12, with in pieces()) {
            let text = splice(TEXT, at, len, &with);
            let (sub, diagnostics) = parse_submission(&text);
            for d in diagnostics.iter().chain(sub.answers.iter().filter_map(|a| a.value.as_ref().err())) {
                prop_assert!(d.span.end <= text.len(), "{d:?}");
            }
            let csv = splice(CSV, at, len, &with);
            let (subs, diagnostics) = parse_submission_csv(&csv);
            for d in diagnostics.iter().chain(subs.iter().flat_map(|s| s.answers.iter().filter_map(|a| a.value.as_ref().err()))) {
                prop_assert!(d.span.end <= csv.len(), "{d:?}");
            }
            for a in subs.iter().flat_map(|s| &s.answers) {
                prop_assert!(csv.is_char_boundary(a.value_span.start) && a.value_span.end <= csv.len());
            }
        }
    }

    /// Damaged submissions are graded without a panic: every find gets a
    /// grade between 0 and its points.
    #[test]
    fn damaged_submissions_are_graded() {
        let sb = Sandbox::new();
        let k = sb.write("keys/course.nnk", &keys());
        let mut subs = Vec::new();
        for (n, (at, with)) in
            [(40, "]"), (120, "\"\""), (200, "{"), (300, "^-1"), (10, "\n"), (333, "X^T X")].iter().enumerate()
        {
            subs.push(sb.write(&format!("subs/s{n}.txt"), &splice(TEXT, *at, 3, with)));
            subs.push(sb.write(&format!("subs/c{n}.csv"), &splice(CSV, *at, 3, with)));
        }
        let r = grade::run(&[k], &[sb.path("subs")]);
        assert!(!r.keys_bad());
        assert!(!r.students.is_empty());
        for s in &r.students {
            for g in &s.grades {
                assert!(g.points >= nnkey::algebra::Q::zero() && g.points <= g.max, "{g:?}");
            }
        }
        assert!(gradebook(&r).is_ok());
        let _ = nnkey::render::grade::text(&r);
        let _ = nnkey::render::grade::markdown(&r);
        let _ = nnkey::render::grade::json(&r);
    }
}

#[test]
fn a_large_sparse_convolution_matrix_is_graded_without_writing_it_out() {
    let sb = Sandbox::new();
    let k = sb.write(
        "k.nnk",
        "problem big\n  W = kernel 16x3x3x3 w\n  X = input 3x16x16 x\n  find A = matrix conv2d(W, padding: 1) on X\n",
    );
    let s = sb.write("ada.txt", "problem big\n  A = sparse(4096, 768, [(0, 0) -> 1])\n");
    let r = grade::run(&[k], &[s]);
    // By hand: each (output, input) channel pair has (3*16 - 2)^2 = 2116
    // taps inside the padded image, so 16*3*2116 = 101568 nonzeros; the
    // answer's one entry sits where w[0,0,1,1] does.
    assert_eq!(
        outcome(&r, "big", "A"),
        (
            "0".into(),
            "1".into(),
            Verdict::Wrong,
            sentences(&[
                "101568 of the 101568 entries that count are wrong; the first, entry (0, 0), is `1` and should be `w[0,0,1,1]`."
            ])
        )
    );
}
