//! The logic family: truth tables, threshold neurons with their proofs,
//! networks of threshold units, and the census of threshold functions.
//!
//! Every neuron and every certificate is re-checked here by code written
//! for the tests alone, so a bug in nnkey's own checks cannot hide a wrong
//! answer.

mod common;

use common::Sandbox;
use nnkey::algebra::Q;
use nnkey::derive::census::census;
use nnkey::derive::explain::LISTING_CAP;
use nnkey::derive::logic::{Certificate, Decision, Neuron, NeuronAnswer, decide, small_neuron};
use nnkey::derive::{Answer, Block, Depth, Step};
use proptest::prelude::*;

/// Input i of row r, the first input being the most significant bit.
fn bit(n: usize, r: usize, i: usize) -> i64 {
    ((r >> (n - 1 - i)) & 1) as i64
}

fn outputs(n: usize, f: u64) -> Vec<bool> {
    (0..1 << n).map(|r| (f >> r) & 1 == 1).collect()
}

/// The neuron outputs 1 exactly on the 1-rows.
fn realizes(neuron: &Neuron, n: usize, out: &[bool]) -> bool {
    out.iter().enumerate().all(|(r, &o)| {
        let z = (0..n).fold(neuron.b.clone(), |acc, i| &acc + &(&neuron.w[i] * &Q::from_int(bit(n, r, i))));
        z.is_negative() != o
    })
}

/// Positive multipliers, rows of the right outputs, used once, and equal
/// weighted sums of (x, 1) on both sides.
fn proves(cert: &Certificate, n: usize, out: &[bool]) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut sums = [vec![Q::zero(); n + 1], vec![Q::zero(); n + 1]];
    for (side, rows, want) in [(0, &cert.ones, true), (1, &cert.zeros, false)] {
        if rows.is_empty() {
            return false;
        }
        for (r, m) in rows {
            if !seen.insert(*r) || out[*r] != want || m.signum() <= 0 {
                return false;
            }
            for (i, s) in sums[side].iter_mut().enumerate().take(n) {
                *s = &*s + &(m * &Q::from_int(bit(n, *r, i)));
            }
            sums[side][n] = &sums[side][n] + m;
        }
    }
    sums[0] == sums[1]
}

/// Decides and re-checks; true when separable.
fn decided(n: usize, out: &[bool]) -> bool {
    match decide(n, out).expect("a decision") {
        Decision::Separable(neuron) => {
            assert!(realizes(&neuron, n, out), "neuron {neuron:?} is wrong for {out:?}");
            true
        }
        Decision::Inseparable(cert) => {
            assert!(proves(&cert, n, out), "certificate {cert:?} is wrong for {out:?}");
            false
        }
    }
}

#[test]
fn all_sixteen_two_input_functions_are_classified() {
    // Outputs on rows 00, 01, 10, 11 as bits 0..3: 0b0110 is XOR, 0b1001 XNOR.
    for f in 0..16u64 {
        let out = outputs(2, f);
        let separable = decided(2, &out);
        assert_eq!(separable, f != 0b0110 && f != 0b1001, "function {f:04b}");
        if separable {
            let (small, _) = small_neuron(2, &out);
            let small = small.expect("two-input neurons need weights of size 1 at most");
            assert!(realizes(&small, 2, &out));
            assert!(small.w.iter().chain([&small.b]).all(|x| x.is_integer() && x.abs() <= Q::from_int(2)));
        }
    }
}

#[test]
fn census_counts_are_the_known_ones() {
    // OEIS A000609: threshold functions of n inputs.
    for (n, want) in [(0, 2), (1, 4), (2, 14), (3, 104), (4, 1882), (5, 94572)] {
        let c = census(n).expect("a census");
        assert_eq!(c.threshold, want, "n = {n}");
        assert_eq!(c.functions, 1u64 << (1 << n));
    }
    // Dedekind numbers for the monotone functions, and the unate ones.
    assert_eq!(census(4).unwrap().monotone, 168);
    assert_eq!(census(4).unwrap().not_unate, Some(65536 - 2170));
}

#[test]
fn every_function_of_three_inputs_decided_directly_agrees_with_the_census() {
    let mut count = 0;
    for f in 0..256u64 {
        if decided(3, &outputs(3, f)) {
            count += 1;
        }
    }
    assert_eq!(count, census(3).unwrap().threshold);
}

#[test]
fn every_function_of_four_inputs_decided_directly_agrees_with_the_census() {
    let count = (0..1u64 << 16).filter(|&f| decided(4, &outputs(4, f))).count() as u64;
    assert_eq!(count, 1882);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn integer_neurons_induce_separable_tables(
        n in 1usize..=6,
        w in proptest::collection::vec(-5i64..=5, 6),
        b in -12i64..=12,
    ) {
        let out: Vec<bool> =
            (0..1usize << n).map(|r| (0..n).map(|i| w[i] * bit(n, r, i)).sum::<i64>() + b >= 0).collect();
        prop_assert!(decided(n, &out));
        let (small, _) = small_neuron(n, &out);
        if let Some(small) = small {
            prop_assert!(realizes(&small, n, &out));
            let size = w[..n].iter().map(|x| x.abs()).max().unwrap_or(0);
            prop_assert!(small.w.iter().all(|x| x.abs() <= Q::from_int(size)), "no larger than the generator");
        }
    }

    #[test]
    fn random_tables_come_with_a_checked_answer(n in 1usize..=5, f in any::<u64>()) {
        let out = outputs(n, f);
        decided(n, &out);
    }
}

// ---------------------------------------------------------------------------
// The binary: keys, networks, diagnostics
// ---------------------------------------------------------------------------

const GATES: &str = r#"problem q4 "AND, OR, XOR"
  AND = truth table (x1, x2) { 00: 0, 01: 0, 10: 0, 11: 1 }
  XOR = truth table (x1, x2) {
    11: 0, 00: 0
    10: 1
    01: 1
  }
  find and = threshold neuron for AND
  expect and = { w: [1, 1], b: -1.5 }
  find xor = threshold neuron for XOR
  expect xor = impossible
"#;

#[test]
fn keys_are_judged_by_what_the_neuron_does() {
    let s = Sandbox::new();
    s.write("q.nnk", GATES);
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 passed, 0 failed"), "{}", run.stdout);
}

#[test]
fn a_wrong_neuron_fails_naming_its_first_wrong_row() {
    let s = Sandbox::new();
    s.write("q.nnk", &GATES.replace("b: -1.5", "b: -0.5"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "the key's neuron is wrong on row 01 (x1 = 0, x2 = 1): w·x + b = 1 - 1/2 = 1/2 >= 0 gives 1, but `AND` says 0"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("q.nnk:9:3"), "{}", run.stdout);
    // On the threshold counts as firing: with b = -1, row 01 gives exactly 0.
    s.write("q.nnk", &GATES.replace("b: -1.5", "b: -1"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("wrong on row 01 (x1 = 0, x2 = 1): w·x + b = 1 - 1 = 0 >= 0 gives 1"),
        "{}",
        run.stdout
    );
}

#[test]
fn impossible_holds_only_when_it_is() {
    let s = Sandbox::new();
    s.write("q.nnk", &GATES.replace("expect and = { w: [1, 1], b: -1.5 }", "expect and = impossible"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("the key says no threshold neuron realizes `AND`, but { w: [1, 1], b: -2 } does"),
        "{}",
        run.stdout
    );
    s.write("q.nnk", &GATES.replace("expect xor = impossible", "expect xor = { w: [1, 1], b: -1 }"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("wrong on row 11 (x1 = 1, x2 = 1)"), "{}", run.stdout);
}

/// A step's displayed formulas (and table cells) as text, one per line.
fn shown(step: &Step) -> Vec<String> {
    nnkey::render::step_parts(step, &nnkey::algebra::Ring::new())
        .1
        .map(|m| m.0.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The displayed formulas of a finding's steps of one depth.
fn displayed(f: &nnkey::check::FindingReport, depth: Depth) -> Vec<String> {
    f.finding.explanation.steps.iter().filter(|s| s.depth == depth).flat_map(shown).collect()
}

/// The sentences of a finding's steps of one depth.
fn sentences(f: &nnkey::check::FindingReport, depth: Depth) -> Vec<String> {
    f.finding
        .explanation
        .steps
        .iter()
        .filter(|s| s.depth == depth)
        .map(|s| nnkey::render::step_parts(s, &nnkey::algebra::Ring::new()).0)
        .collect()
}

#[test]
fn the_xor_proof_is_the_one_a_student_writes() {
    let report = common::check(GATES);
    let (_, xor) = common::passing_finding(&report, "xor");
    let solution = displayed(xor, Depth::Solution);
    for line in [
        "w_2 + b ≥ 0",
        "w_1 + b ≥ 0",
        "w_1 + w_2 + 2 b ≥ 0",
        "b < 0",
        "w_1 + w_2 + b < 0",
        "w_1 + w_2 + 2 b < 0",
        "0 ≤ w_1 + w_2 + 2 b < 0",
    ] {
        assert!(solution.iter().any(|l| l == line), "missing {line:?} in {solution:#?}");
    }
    let said = sentences(xor, Depth::Solution).join("\n");
    assert!(said.contains("Rows 01 and 10 of XOR have output 1"), "{said}");
    assert!(said.contains("Rows 00 and 11 of XOR have output 0"), "{said}");
    // The geometry and the certificate's check are for staff.
    let detail = sentences(xor, Depth::Detail).join("\n");
    assert!(detail.contains("the point (1/2, 1/2) is the average"), "{detail}");
    assert!(detail.contains("Farkas's lemma"), "{detail}");
    assert!(!said.contains("Farkas"), "{said}");
    // The typed answer knows the proof's rows, its sum and the crossing point.
    let Answer::Neuron(NeuronAnswer::Impossible(proof)) = &xor.finding.answer else {
        panic!("XOR is impossible: {:?}", xor.finding.answer)
    };
    assert_eq!(proof.segments(), Some(([1, 2], [0, 3])), "the diagonals 01–10 and 00–11");
    assert_eq!(proof.point, vec![Q::new(1, 2), Q::new(1, 2)]);
    assert_eq!(proof.combination.w, vec![Q::one(), Q::one()]);
    assert_eq!(proof.combination.b, Q::from_int(2));
    let latex = nnkey::render::step_parts(&xor.finding.explanation.steps[1], &nnkey::algebra::Ring::new())
        .1
        .expect("formulas")
        .1;
    assert!(latex.contains("\\ge 0"), "{latex}");

    let (_, and) = common::passing_finding(&report, "and");
    assert!(matches!(&and.finding.answer, Answer::Neuron(NeuronAnswer::Realized { w, b })
            if *w == vec![Q::one(), Q::one()] && *b == Q::from_int(-2)));
    let solution = displayed(and, Depth::Solution);
    for line in ["w = (1, 1), b = -2", "x1 | x2 | w^T x + b | step(w^T x + b) | AND", "1 | 1 | 1 + 1 - 2 = 0 | 1 | 1"] {
        assert!(solution.iter().any(|l| l == line), "missing {line:?} in {solution:#?}");
    }
    let detail = sentences(and, Depth::Detail).join("\n");
    assert!(detail.contains("linear programming") && detail.contains("Integer weights were tried by size"), "{detail}");

    let s = Sandbox::new();
    s.write("q.nnk", GATES);
    let json = s.run(&["solve", "--format", "json", "q.nnk"]).stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let findings = &v["files"][0]["problems"][0]["findings"];
    assert_eq!(findings[0]["value"]["w"][0], "1");
    assert_eq!(findings[0]["value"]["b"], "-2");
    assert_eq!(findings[1]["value"], "impossible");
    assert_eq!(findings[1]["crosscheck"]["passed"], true);
}

#[test]
fn derivation_letters_avoid_the_problems_names() {
    // Inputs named a and b lend their names to the weights, and the bias
    // cannot be b; a kernel of symbols w takes the letter w.
    let report = common::check(
        "problem p\n  K = kernel 2x2 w\n  T = truth table (a, b) { 00: 0, 01: 1, 10: 1, 11: 0 }\n  \
         find t = threshold neuron for T\n",
    );
    let (_, t) = common::passing_finding(&report, "t");
    let solution = displayed(t, Depth::Solution);
    assert!(solution.iter().any(|l| l == "v_a + v_b + 2 c ≥ 0"), "{solution:#?}");
    // An input named h1 would read like a hidden layer h_1.
    let report = common::check(
        "problem p\n  T = truth table (h1, h2) { 00: 0, 01: 1, 10: 1, 11: 0 }\n  \
         find n = threshold network { step [[1, 1], [1, 1]] + [-1, -2]; step [[1, -1]] + [-1] } on T\n",
    );
    let (_, n) = common::passing_finding(&report, "n");
    let solution = displayed(n, Depth::Solution);
    assert!(solution.iter().any(|l| l == "h1 | h2 | a_1 | W_2 a_1 + b_2 | a_2 | T"), "{solution:#?}");
}

#[test]
fn wrong_networks_list_their_wrong_rows() {
    let report =
        common::check(&NETWORK.replace("+ [-1] }", "+ [0] }").replace("expect net = true", "expect net = false"));
    let (_, net) = common::passing_finding(&report, "net");
    let Answer::ThresholdNetwork(answer) = &net.finding.answer else { panic!("a network check") };
    assert_eq!((answer.realizes, answer.first_wrong, answer.wrong_rows), (false, Some((0, true)), 1));
    let last = net.finding.explanation.steps.last().expect("steps");
    let (said, rows) = nnkey::render::step_parts(last, &nnkey::algebra::Ring::new());
    assert!(said.contains("differs from XOR on 1 of the 4 rows"), "{said}");
    let rows = rows.expect("the rows").0;
    assert!(rows.contains("row 00: the network outputs 1, XOR says 0"), "{rows}");
}

#[test]
fn the_census_explains_its_idea_and_leaves_the_counting_to_staff() {
    let report = common::check("problem p\n  find c = threshold functions of 3 inputs\n");
    let (_, c) = common::passing_finding(&report, "c");
    let Answer::Census(census) = &c.finding.answer else { panic!("a census") };
    assert_eq!((census.n, census.threshold), (3, 104));
    let solution = displayed(c, Depth::Solution);
    assert!(solution.iter().any(|l| l == "2 · 2^0 + 3 · 2^1 + 6 · 2^2 + 9 · 2^3 = 104"), "{solution:#?}");
    let steps = &c.finding.explanation.steps;
    assert!(steps.iter().filter(|s| s.depth == Depth::Solution).count() <= 3);
    // 152 functions are not threshold functions: the listing has at most
    // LISTING_CAP of them and says how many there are.
    let listing = steps.iter().flat_map(|s| &s.blocks).find_map(|b| match b {
        Block::Listing { total, items } => Some((*total, items.len())),
        _ => None,
    });
    assert_eq!(listing, Some((152, LISTING_CAP)));
}

#[test]
fn bless_writes_keys_that_read_back() {
    let s = Sandbox::new();
    let text = GATES.replace("  expect and = { w: [1, 1], b: -1.5 }\n", "").replace("  expect xor = impossible\n", "");
    s.write("q.nnk", &text);
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blessed = s.read("q.nnk");
    assert!(blessed.contains("expect and = { w: [1, 1], b: -2 }"), "{blessed}");
    assert!(blessed.contains("expect xor = impossible"), "{blessed}");
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

const NETWORK: &str = r#"problem q5 "XOR in two layers"
  XOR = truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }
  find net = threshold network { step [[1, 1], [1, 1]] + [-1, -2]; step [[1, -2]] + [-1] } on XOR
  expect net = true
"#;

#[test]
fn networks_are_checked_row_by_row() {
    let s = Sandbox::new();
    s.write("q.nnk", NETWORK);
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // With output bias 0, row 00 reaches step(0) = 1: wrong under the ≥ 0 convention.
    s.write("q.nnk", &NETWORK.replace("+ [-1] }", "+ [0] }"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("the network is wrong on row 00 (x1 = 0, x2 = 0): it outputs 1, but `XOR` says 0"),
        "{}",
        run.stdout
    );
}

/// Runs a one-table problem and returns stderr.
fn table_error(table: &str) -> String {
    let s = Sandbox::new();
    s.write("t.nnk", &format!("problem p\n  T = truth table (x1, x2) {table}\n  find n = threshold neuron for T\n"));
    let run = s.run(&["check", "t.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.matches("error:").count(), 1, "one error, no cascade:\n{}", run.stderr);
    run.stderr
}

#[test]
fn a_missing_row_is_an_error() {
    let e = table_error("{ 00: 0, 01: 1, 10: 1 }");
    assert!(e.contains("error: row 11 is missing from the truth table"), "{e}");
    assert!(e.contains("t.nnk:2:7"), "{e}");
    assert!(e.contains("2 inputs need all 4 rows"), "{e}");
}

#[test]
fn a_repeated_row_is_an_error() {
    let e = table_error("{ 00: 0, 01: 1, 10: 1, 01: 0, 11: 1 }");
    assert!(e.contains("error: row 01 is given twice"), "{e}");
    assert!(e.contains("t.nnk:2:51"), "{e}");
    assert!(e.contains("first given here"), "{e}");
}

#[test]
fn a_row_of_the_wrong_width_is_an_error() {
    let e = table_error("{ 00: 0, 011: 1, 10: 1, 11: 0 }");
    assert!(e.contains("error: this row has 3 bits, but the table has 2 inputs"), "{e}");
    assert!(e.contains("t.nnk:2:37"), "{e}");
    assert!(e.contains("^^^ expected 2 bits, one for each of x1, x2"), "{e}");
}

#[test]
fn an_output_other_than_0_or_1_is_an_error() {
    let e = table_error("{ 00: 0, 01: 2, 10: 1, 11: 0 }");
    assert!(e.contains("error: an output must be 0 or 1"), "{e}");
    assert!(e.contains("t.nnk:2:41"), "{e}");
    assert!(e.contains("^ this is 2"), "{e}");
    let e = table_error("{ 00: 0, 02: 1, 10: 1, 11: 0 }");
    assert!(e.contains("error: expected the digit 0 or 1, found `2`"), "{e}");
    assert!(e.contains("t.nnk:2:38"), "{e}");
}

#[test]
fn an_unclosed_table_points_at_its_brace() {
    let e = table_error("{ 00: 0, 01: 1");
    assert!(e.contains("this `{` is never closed"), "{e}");
}

#[test]
fn ten_inputs_with_a_default_row() {
    // At least 9 of 10 inputs on: a threshold function; the rows with 9 or
    // 10 ones are listed and the rest default to 0.
    let n = 10;
    let mut rows = Vec::new();
    for r in 0..1usize << n {
        if r.count_ones() >= 9 {
            rows.push(format!("{r:010b}: 1"));
        }
    }
    let inputs: Vec<String> = (1..=n).map(|i| format!("x{i}")).collect();
    let text = format!(
        "problem p\n  T = truth table ({}) {{\n    {}\n    _: 0\n  }}\n  find n = threshold neuron for T\n  \
         expect n = {{ w: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], b: -9 }}\n",
        inputs.join(", "),
        rows.join("\n    ")
    );
    let s = Sandbox::new();
    s.write("t.nnk", &text);
    let run = s.run(&["check", "t.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The check of every row is a table of the first rows and their total.
    let report = common::check(&text);
    let (_, f) = common::passing_finding(&report, "n");
    let table = f.finding.explanation.steps.iter().find(|s| s.blocks.iter().any(|b| matches!(b, Block::Table(_))));
    let table = table.expect("a table of rows");
    let rows = table.blocks.iter().find_map(|b| if let Block::Table(t) = b { Some(t.rows.len()) } else { None });
    assert_eq!(rows, Some(LISTING_CAP));
    assert!(shown(table).iter().any(|l| l.contains("first 32 of the 1024 rows")), "{:?}", shown(table));
}

#[test]
fn parity_of_five_inputs_is_impossible_with_a_checked_proof() {
    let f = (0..32u64).filter(|r| r.count_ones() % 2 == 1).fold(0, |f, r| f | (1 << r));
    assert!(!decided(5, &outputs(5, f)));
}

/// Runs a problem with one declared XOR table and returns stderr.
fn query_error(find: &str) -> String {
    let s = Sandbox::new();
    s.write("q.nnk", &format!("problem p\n  XOR = truth table (x1, x2) {{ 00: 0, 01: 1, 10: 1, 11: 0 }}\n  {find}\n"));
    let run = s.run(&["check", "q.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    run.stderr
}

#[test]
fn queries_name_what_is_wrong() {
    let e = query_error("find n = threshold neuron for XR");
    assert!(e.contains("unknown truth table `XR`") && e.contains("did you mean `XOR`?"), "{e}");
    let e = query_error("find n = threshold nueron for XOR");
    assert!(e.contains("expected `neuron`, `network` or `functions`, found `nueron`"), "{e}");
    let e = query_error("find n = threshold functions of 6 inputs");
    assert!(e.contains("nnkey counts threshold functions of at most 5 inputs"), "{e}");
    let e = query_error("find n = threshold network { step [[1, 1, 1]] + [0] } on XOR");
    assert!(e.contains("this layer reads the 2 inputs of `XOR`, so each row of its weights needs 2 entries"), "{e}");
    let e = query_error("find n = threshold network { step [[1, 1], [1, 1]] + [0, 0]; relu [[1, 1]] + [0] } on XOR");
    assert!(e.contains("the last layer must be a single threshold unit"), "{e}");
    let e = query_error("find n = threshold network { stp [[1, 1]] + [0] } on XOR");
    assert!(e.contains("unknown activation `stp`") && e.contains("did you mean `step`?"), "{e}");
}

/// A problem with one table given by its outputs (row 0 first), and a find.
fn table_problem(n: usize, out: &[bool], find: &str) -> String {
    let inputs: Vec<String> = (1..=n).map(|i| format!("x{i}")).collect();
    let rows: Vec<String> = (0..1usize << n)
        .map(|r| format!("{}: {}", (0..n).map(|i| bit(n, r, i).to_string()).collect::<String>(), u8::from(out[r])))
        .collect();
    format!("problem p\n  T = truth table ({}) {{\n    {}\n  }}\n  {find}\n", inputs.join(", "), rows.join("\n    "))
}

#[test]
fn large_weights_and_constant_tables_are_explained() {
    // Six inputs whose smallest integer weights exceed what is searched
    // one by one: the exact solution is rounded.
    let candidates: [(&[i64], i64); 3] =
        [(&[5, 4, 3, 2, 1, 1], -8), (&[7, 5, 3, 2, 1, 1], -10), (&[8, 6, 4, 3, 2, 1], -12)];
    let out = candidates
        .iter()
        .map(|(w, b)| {
            (0..64usize).map(|r| (0..6).map(|i| w[i] * bit(6, r, i)).sum::<i64>() + b >= 0).collect::<Vec<_>>()
        })
        .find(|out| matches!(small_neuron(6, out), (None, size) if size >= 1))
        .expect("a table with large weights");
    let report = common::check(&table_problem(6, &out, "find t = threshold neuron for T"));
    let (_, t) = common::passing_finding(&report, "t");
    let detail = sentences(t, Depth::Detail).join("\n");
    assert!(detail.contains("No integer weights with every |w_i| ≤"), "{detail}");
    // A constant table needs no weights.
    let report = common::check("problem p\n  T = truth table (x1, x2) { _: 1 }\n  find t = threshold neuron for T\n");
    let (_, t) = common::passing_finding(&report, "t");
    assert!(sentences(t, Depth::Detail).join("\n").contains("The output is constant"));
    assert!(
        displayed(t, Depth::Solution).iter().any(|l| l == "w = (0, 0), b = 0"),
        "{:?}",
        displayed(t, Depth::Solution)
    );
}

#[test]
fn censuses_of_every_size_explain_themselves() {
    for (n, first) in [
        (0, "A Boolean function of 0 inputs is a truth table of 1 row"),
        (1, "A Boolean function of 1 input is a truth table of 2 rows"),
        (5, "A Boolean function of 5 inputs is a truth table of 32 rows"),
    ] {
        let report = common::check(&format!("problem p\n  find c = threshold functions of {n} inputs\n"));
        let (_, c) = common::passing_finding(&report, "c");
        let said = sentences(c, Depth::Solution).join("\n");
        assert!(said.contains(first), "{said}");
        if n == 5 {
            assert!(sentences(c, Depth::Detail).join("\n").contains("too many to visit"));
        }
    }
}
