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
use nnkey::derive::logic::{Certificate, Decision, Neuron, decide, small_neuron};
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

#[test]
fn the_xor_proof_is_the_one_a_student_writes() {
    let s = Sandbox::new();
    s.write("q.nnk", GATES);
    let run = s.run(&["solve", "q.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "row 01: w2 + b >= 0",
        "row 10: w1 + b >= 0",
        "sum: w1 + w2 + 2*b >= 0",
        "row 00: b < 0",
        "row 11: w1 + w2 + b < 0",
        "sum: w1 + w2 + 2*b < 0",
        "0 <= w1 + w2 + 2*b < 0",
        "(1/2, 1/2)",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?} in\n{}", run.stdout);
    }
    let latex = s.run(&["solve", "--format", "latex", "q.nnk"]).stdout;
    assert!(latex.contains("w_{1} + w_{2} + 2 b &\\ge 0"), "{latex}");
    let json = s.run(&["solve", "--format", "json", "q.nnk"]).stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let findings = &v["files"][0]["problems"][0]["findings"];
    assert_eq!(findings[0]["value"]["w"][0], "1");
    assert_eq!(findings[0]["value"]["b"], "-2");
    assert_eq!(findings[1]["value"], "impossible");
    assert_eq!(findings[1]["crosscheck"]["passed"], true);
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
