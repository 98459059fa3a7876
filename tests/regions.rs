//! Identified regions: counts worked out by hand, formulas in d and L,
//! compositions, regions counted out with the reason, keys by meaning, and
//! the errors of the query.

mod common;

use common::{Sandbox, check, passing_finding};
use nnkey::algebra::Notation;
use nnkey::check::{FileReport, Status, check_source};
use nnkey::derive::cells::{Line, LineStep, Numeric, Piece};
use nnkey::derive::regions::{Method, enumerate};
use nnkey::language::SourceFile;
use nnkey::model::Value;
use nnkey::model::regions::Interval;

use nnkey::algebra::Q;

fn errors(text: &str) -> Vec<String> {
    let report = check_source(SourceFile::new("test.nnk", text));
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect()
}

/// The finding `name`: its value printed, its derivation as text, its
/// witness; the cross-check must pass.
fn finding(report: &FileReport, name: &str) -> (String, String, Option<Value>) {
    let (p, f) = passing_finding(report, name);
    assert!(f.crosscheck.trials > 0 || f.finding.value.as_int() == Some(0), "{name}: nothing sampled");
    let steps: Vec<String> = f
        .finding
        .explanation
        .steps
        .iter()
        .map(nnkey::render::step_parts)
        .map(|s| format!("{} {}", s.0, s.1.as_ref().map_or("", |m| m.0.as_str())))
        .collect();
    (f.finding.value.print(&p.problem.ring, Notation::Plain), steps.join("\n"), f.finding.witness.clone())
}

fn statuses(report: &FileReport) -> Vec<Status> {
    report.problems.iter().flat_map(|p| p.findings.iter().map(|f| f.status.clone())).collect()
}

fn open(lo: i64, hi: i64) -> Interval {
    Interval { lo: Some(Q::from_int(lo)), hi: Some(Q::from_int(hi)) }
}

#[test]
fn tent_map_iterates_have_two_to_the_l_pieces() {
    // t -> |2t - 1| on (0,1), L times: the tent map's L-th iterate has
    // 2^L pieces, each carried onto (0,1) (slopes ±2^L).
    for l in 1..=8u32 {
        let text = format!(
            "problem t \"tent\"\n  f = network (x: 1) repeat {l} {{ dense 2 + -1; abs }}\n  \
             find n = identified regions of f from (0,1) onto (0,1)\n"
        );
        let report = check(&text);
        let (value, _, _) = finding(&report, "n");
        assert_eq!(value, (1u64 << l).to_string(), "L = {l}");
    }
    // The pieces themselves, for L = 2: breakpoints at 1/4, 1/2, 3/4.
    let line = Line { steps: vec![LineStep::Affine(Q::from_int(2), Q::from_int(-1)), LineStep::Kink(Q::from_int(-1))] };
    let twice = Line { steps: [line.steps.clone(), line.steps.clone()].concat() };
    let mut pieces: Vec<Piece> = Vec::new();
    twice
        .pieces(&open(0, 1), &mut |p| {
            pieces.push(p);
            true
        })
        .unwrap();
    let ends: Vec<String> = pieces.iter().map(|p| p.interval.text()).collect();
    assert_eq!(ends, ["(0, 1/4)", "(1/4, 1/2)", "(1/2, 3/4)", "(3/4, 1)"]);
    let slopes: Vec<String> = pieces.iter().map(|p| p.slope.to_string()).collect();
    assert_eq!(slopes, ["-4", "4", "-4", "4"]);
}

#[test]
fn the_seed_formulas_hold_and_wrong_ones_fail() {
    let text = "problem q \"L layers\"
  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find n = identified regions of f from (0,1)^d onto (0,1)^d
  expect n = (2^L)^d
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "2^(L*d)");
    assert!(steps.contains("d = 3, L = 4: 4096"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);
    for wrong in ["2^(L+d)", "2^d", "4^(L*d)", "2^(L*d) + 1"] {
        let report = check(&text.replace("(2^L)^d", wrong));
        assert!(matches!(&statuses(&report)[0], Status::Fail(_)), "{wrong} should fail");
    }
    for same in ["2^(d*L)", "4^(L*d/2)", "2^(L*d - 1) * 2"] {
        let report = check(&text.replace("(2^L)^d", same));
        assert_eq!(statuses(&report), [Status::Pass], "{same} should hold");
    }
}

#[test]
fn two_dimensional_cases_by_hand() {
    // Coordinate 1: |2t - 1| has two pieces, both onto (0,1). Coordinate 2:
    // |3t - 1| has (0, 1/3) onto (0,1) but (1/3, 1) onto (0, 2). So 2 * 1.
    let text = "problem p \"uneven\"
  f = network (x: 2) { dense [[2, 0], [0, 3]] + [-1, -1]; abs }
  find n = identified regions of f from (0,1)^2 onto (0,1)^2
  expect n = 2
";
    let report = check(text);
    let (value, steps, witness) = finding(&report, "n");
    assert_eq!(value, "2");
    assert!(steps.contains("Counted out: coordinate 2: (1/3, 1): its image is (0, 2), not (0, 1)"), "{steps}");
    assert!(steps.contains("(0, 1/2) x (0, 1/3)"), "{steps}");
    let w = witness.unwrap();
    let Some(Value::List(instances)) = w.field("instances") else { panic!("instances") };
    assert_eq!(instances[0].field("regions in the domain").and_then(Value::as_int), Some(4));

    // A rotation: y = (|x1 + x2|, |x1 - x2|) takes each of the four cones
    // between the lines x1 = ±x2 one to one onto the open quadrant.
    let text = "problem r \"rotated\"
  f = network (x: 2) { dense [[1, 1], [1, -1]]; abs }
  find n = identified regions of f onto (0, inf)^2
  expect n = 4
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "4");
    assert!(steps.contains("polytope"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);

    // A region mapped by a singular map is counted out: (|x1 + x2|, |x1 + x2|)
    // is not one to one anywhere.
    let text = "problem s \"singular\"
  f = network (x: 2) { dense [[1, 1], [1, 1]]; abs }
  find n = identified regions of f onto (0, inf)^2
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "0");
    assert!(steps.contains("rank 1 < 2: not one to one"), "{steps}");
}

#[test]
fn regions_not_mapped_onto_the_target_are_counted_out_with_the_reason() {
    // relu on R: (-inf, 0) is sent to 0, (0, inf) onto (0, inf).
    let text = "problem r \"relu\"
  f = network (x: 1) { relu }
  find n = identified regions of f onto (0, inf)
  find m = identified regions of f onto (0, 1)
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "1");
    assert!(steps.contains("Counted out: (-inf, 0): constant (0): not one to one"), "{steps}");
    let (value, steps, _) = finding(&report, "m");
    assert_eq!(value, "0");
    assert!(steps.contains("(0, inf): its image is (0, inf), not (0, 1)"), "{steps}");
}

#[test]
fn both_methods_agree_on_coordinatewise_networks() {
    // The polytope method knows nothing of coordinates; on a diagonal
    // network it must find the same regions as the product of pieces.
    let text = "problem q \"x\"
  f = network (x: 2) repeat 2 { dense [[2, 0], [0, 2]] + [-1, -1]; abs }
  g = network (x: 2) { dense [[3, 0], [0, -2]] + [-1, 1]; leaky_relu(1/2); dense [[1, 0], [0, 1]] + [0, -1]; abs }
";
    let (file, _) = nnkey::language::parse(text);
    let (problem, diagnostics) = nnkey::model::elaborate(&file.problems[0]);
    assert!(diagnostics.is_empty());
    for name in ["f", "g"] {
        let Some(nnkey::model::Binding::Network(net)) = nnkey::model::Scope::binding(&problem, name) else {
            panic!("network")
        };
        let concrete = net.concrete.as_ref().unwrap();
        let numeric = Numeric::new(concrete).unwrap();
        let lines = numeric.coordinate_lines().unwrap();
        for target in [vec![open(0, 1), open(0, 1)], vec![open(-1, 1), open(0, 3)]] {
            let domain = vec![open(-2, 2), open(-1, 3)];
            let by_coordinates = nnkey::derive::regions::by_coordinates(&lines, &domain, &target, usize::MAX).unwrap();
            let by_polytopes = nnkey::derive::regions::by_polytopes(&numeric, &domain, &target, usize::MAX).unwrap();
            assert_eq!(by_coordinates.method, Method::Coordinates);
            assert_eq!(by_polytopes.method, Method::Polytopes);
            assert_eq!(by_coordinates.total, by_polytopes.total, "{name}");
            assert_eq!(by_coordinates.identified, by_polytopes.identified, "{name}");
            let inverses = |e: &nnkey::derive::regions::Enumeration| {
                let mut v: Vec<String> = e.regions.iter().map(|r| format!("{:?}", r.inverse)).collect();
                v.sort();
                v
            };
            assert_eq!(inverses(&by_coordinates), inverses(&by_polytopes), "{name}");
        }
        // And the general entry point picks the coordinate method.
        let e = enumerate(concrete, &[open(0, 1), open(0, 1)], &[open(0, 1), open(0, 1)], 4).unwrap();
        assert_eq!(e.method, Method::Coordinates);
    }
}

#[test]
fn compositions_multiply_and_keys_may_state_the_rule() {
    let text = "problem c \"compose\"
  g = network (x: d) { dense 2*I(d) + -1; abs }
  f = network (x: d) repeat 2 { dense 2*I(d) + -1; abs }
  find n = identified regions of f ∘ g from (0,1)^d onto (0,1)^d
  expect n = n_g * n_f
";
    let report = check(text);
    let (value, steps, witness) = finding(&report, "n");
    assert_eq!(value, "n_f*n_g");
    assert!(steps.contains("n_f = 2^(2*d)") && steps.contains("n_g = 2^d"), "{steps}");
    assert!(steps.contains("d = 3: n_g = 8, n_f = 64, composition 512"), "{steps}");
    let ring = &report.problems[0].problem.ring;
    assert_eq!(witness.unwrap().field("count").unwrap().print(ring, Notation::Plain), "2^(3*d)");
    assert_eq!(statuses(&report), [Status::Pass]);
    // The count for these networks may be stated too; a wrong rule fails.
    for (key, holds) in [("8^d", true), ("2^(3*d)", true), ("n_f + n_g", false), ("n_f^2", false), ("4^d", false)] {
        let report = check(&text.replace("n_g * n_f", key));
        assert_eq!(statuses(&report)[0] == Status::Pass, holds, "{key}");
    }
    // `after` reads the same as ∘.
    let report = check(&text.replace("f ∘ g", "f after g"));
    assert_eq!(statuses(&report), [Status::Pass]);
}

#[test]
fn the_rule_is_refused_when_the_inner_network_leaves_part_of_its_domain() {
    // On (0, 2), |2t - 1| takes (1/2, 2) onto (0, 3), not onto (0, 1).
    let text = "problem c \"compose\"
  g = network (x: 1) { dense 2 + -1; abs }
  f = network (x: 1) { dense 2 + -1; abs }
  find n = identified regions of f ∘ g from (0, 2) onto (0, 1)
";
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("needs every region of the inner network `g` mapped onto (0, 1)"), "{}", e[0]);
    assert!(e[0].contains("test.nnk:4:"), "{}", e[0]);
}

#[test]
fn no_formula_is_guessed() {
    // |3t - 1| leaves (1/3, 1) not onto (0,1): repeating it does not give a
    // power, and nnkey says so with the counts it did find.
    let text = "problem q \"x\"
  f = network (x: d) repeat L { dense 3*I(d) + -1; abs }
  find n = identified regions of f from (0,1)^d onto (0,1)^d
";
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("cannot derive a formula"), "{}", e[0]);
    assert!(e[0].contains("exact counts of the instances: d = 1, L = 1: 1;"), "{}", e[0]);
    // A weight that uses d as a number: the coordinates need not agree.
    let e = errors(&text.replace("3*I(d)", "d*I(d)"));
    assert!(e[0].contains("uses `d` other than as the size of I(d)"), "{}", e[0]);
}

#[test]
fn bad_queries_get_errors_with_spans() {
    let base = "problem q \"x\"\n  f = network (x: 2) { dense [[2, 0], [0, 2]] + -1; abs }\n";
    let cases = [
        ("  find n = identified regions of f from [0,1]^2 onto (0,1)^2\n", "regions and their images are open sets"),
        ("  find n = identified regions of f from (0,1]^2 onto (0,1)^2\n", "not `(0, 1]`"),
        ("  find n = identified regions of g onto (0,1)^2\n", "unknown name `g`"),
        (
            "  find n = identified regions of f onto (0,1)^3\n",
            "this box has 3 coordinates but the network's output has 2",
        ),
        ("  find n = identified regions of f onto (1,0)^2\n", "this interval is empty"),
        ("  find n = identified regions of f onto (0,1)^k\n", "`k` is not a size of the networks in this query"),
        ("  find n = identified regions of f from (0,1)^2\n", "expected `onto`"),
        ("  find n = identified regions of f onto (inf, 1)^2\n", "`inf` cannot end an interval on this side"),
    ];
    for (line, message) in cases {
        let e = errors(&format!("{base}{line}"));
        assert!(!e.is_empty(), "{line}");
        assert!(e[0].contains(message), "{line}: {}", e[0]);
        assert!(e[0].contains("test.nnk:3:"), "{line}: {}", e[0]);
    }
}

#[test]
fn the_binary_checks_and_blesses_the_regions_problems() {
    let sandbox = Sandbox::new();
    let text = "problem q \"L layers\"
  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find n = identified regions of f from (0,1)^d onto (0,1)^d
";
    sandbox.write("r.nnk", text);
    let run = sandbox.run(&["bless", "r.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sandbox.read("r.nnk"), format!("{text}  expect n = 2^(L*d)\n"));
    let run = sandbox.run(&["check", "r.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let run = sandbox.run(&["solve", "--format", "json", "r.nnk"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let f = &json["files"][0]["problems"][0]["findings"][0];
    assert_eq!(f["value"], "2^(L*d)");
    assert_eq!(f["witness"]["instances"][0]["count"], "2");
    assert!(f["crosscheck"]["passed"].as_bool().unwrap());
}

#[test]
fn the_numeric_check_catches_a_wrong_inverse() {
    let text = "problem p \"one layer\"
  f = network (x: 2) { dense [[2, 0], [0, 2]] + [-1, -1]; abs }
  find n = identified regions of f from (0,1)^2 onto (0,1)^2
";
    let report = check(text);
    let p = &report.problems[0];
    let mut finding = p.findings[0].finding.clone();
    let passed = nnkey::numeric::crosscheck(&p.problem, &p.problem.finds[0], &finding);
    assert!(passed.passed, "{passed:?}");
    // Region 1 is (0, 1/2)^2 with inverse x = (1 - y)/2; swap in x = (1 + y)/2.
    let Some(Value::Record(fields)) = finding.witness.as_mut() else { panic!("a witness") };
    let instances = &mut fields.iter_mut().find(|f| f.0 == "instances").unwrap().1;
    let Value::List(list) = instances else { panic!("instances") };
    let Value::Record(inst) = &mut list[0] else { panic!("an instance") };
    let Value::List(regions) = &mut inst.iter_mut().find(|f| f.0 == "regions").unwrap().1 else { panic!("regions") };
    let good = regions[3].field("inverse").unwrap().clone();
    let Value::Record(r0) = &mut regions[0] else { panic!("a region") };
    r0.iter_mut().find(|f| f.0 == "inverse").unwrap().1 = good;
    let failed = nnkey::numeric::crosscheck(&p.problem, &p.problem.finds[0], &finding);
    assert!(!failed.passed, "{failed:?}");
    assert!(failed.detail.contains("misses the region"), "{}", failed.detail);
}

#[test]
fn a_network_may_run_several_times_between_the_same_boxes() {
    // The tent |2t - 1| three times on (0,1): 2 * 2 * 2 regions, the rule n_g^3.
    let text = "problem c \"thrice\"
  g = network (x: 1) { dense 2 + -1; abs }
  find n = identified regions of g ∘ g ∘ g from (0,1) onto (0,1)
  expect n = n_g^3
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "n_g^3");
    assert!(steps.contains("n_g = 2, composition 8"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);
    assert_eq!(statuses(&check(&text.replace("n_g^3", "8"))), [Status::Pass]);
    assert!(matches!(statuses(&check(&text.replace("n_g^3", "n_g^2")))[0], Status::Fail(_)));

    // The same network between different boxes would make n_r two counts.
    let text = "problem c \"twice\"
  r = network (x: 2) { dense [[1, 1], [1, -1]]; abs }
  find n = identified regions of r ∘ r onto (0, inf)^2
";
    let e = errors(text);
    assert!(e[0].contains("`r` runs twice, from all of R^n onto (0, inf)^2 and from (0, inf)^2"), "{}", e[0]);

    // A component that mixes coordinates is counted as polytopes, and its
    // count still enters the rule: 4 cones of R^2, then a scaling.
    let text = "problem c \"mixed\"
  r = network (x: 2) { dense [[1, 1], [1, -1]]; abs }
  s = network (x: 2) { dense [[2, 0], [0, 1]] }
  find n = identified regions of s ∘ r onto (0, inf)^2
  expect n = 4
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "n_r*n_s");
    assert!(steps.contains("n_r = 4") && steps.contains("n_s = 1"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);
}

#[test]
fn a_unit_that_is_zero_on_a_whole_region_is_at_no_kink() {
    // The first unit is 0 everywhere; the regions are split by x1 + x2 only,
    // and neither map is one to one.
    let text = "problem z \"zero unit\"
  f = network (x: 2) { dense [[0, 0], [1, 1]]; relu; dense [[1, 0], [1, 1]]; abs }
  find n = identified regions of f onto (0, inf)^2
  expect n = 0
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "0");
    assert!(steps.contains("has 2 regions in"), "{steps}");
    assert!(steps.contains("rank 0 < 2") && steps.contains("rank 1 < 2"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);
}
