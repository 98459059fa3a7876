//! Identified regions: counts worked out by hand, formulas in d and L,
//! compositions, regions counted out with the reason, keys by meaning, and
//! the errors of the query.

mod common;

use common::{Sandbox, check, passing_finding};
use nnkey::algebra::Print;
use nnkey::check::{FileReport, Status, check_source};
use nnkey::derive::cells::{Line, LineStep, Numeric, Piece, irredundant};
use nnkey::derive::regions::{Method, Place, RegionShape, RegionsAnswer, enumerate};
use nnkey::derive::{Answer, Depth};
use nnkey::language::SourceFile;
use nnkey::model::Value;
use nnkey::model::regions::Interval;

use nnkey::algebra::Q;

fn errors(text: &str) -> Vec<String> {
    let report = check_source(SourceFile::new("test.nnk", text));
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect()
}

/// The finding `name`: its value printed, its derivation as text (staff-only
/// steps marked `[detail]`), its typed answer; the cross-check must pass.
fn finding(report: &FileReport, name: &str) -> (String, String, RegionsAnswer) {
    let (p, f) = passing_finding(report, name);
    assert!(f.crosscheck.trials > 0 || f.finding.value.as_int() == Some(0), "{name}: nothing sampled");
    let steps: Vec<String> = f
        .finding
        .explanation
        .steps
        .iter()
        .map(|s| {
            let mark = if s.depth == Depth::Detail { "[detail] " } else { "" };
            let (text, math) = nnkey::render::step_parts(s, &p.problem.ring);
            format!("{mark}{text} {}", math.as_ref().map_or("", |m| m.0.as_str()))
        })
        .collect();
    let Answer::Regions(answer) = &f.finding.answer else { panic!("{name}: not a regions answer") };
    (f.finding.value.print(&p.problem.ring), steps.join("\n"), answer.clone())
}

fn statuses(report: &FileReport) -> Vec<Status> {
    report.problems.iter().flat_map(|p| p.findings.iter().map(|f| f.status.clone())).collect()
}

fn open(lo: i64, hi: i64) -> Interval {
    Interval { lo: Some(Q::from_int(lo)), hi: Some(Q::from_int(hi)) }
}

/// `(lo/2, hi/2)`.
fn half(lo: i64, hi: i64) -> Interval {
    Interval { lo: Some(Q::new(lo, 2)), hi: Some(Q::new(hi, 2)) }
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
    assert!(steps.contains("(2^L)^d = 2^(L d)"), "{steps}");
    // The instances are a table in a staff-only step.
    assert!(steps.contains("[detail] Checked against exact enumeration of the regions on 12 instances"), "{steps}");
    assert!(steps.contains("d | L | identified regions") && steps.contains("3 | 4 | 4096"), "{steps}");
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
    let (value, steps, answer) = finding(&report, "n");
    assert_eq!(value, "2");
    assert!(steps.contains("coordinate 2: (1/3, 1): its image is (0, 2), not (0, 1)."), "{steps}");
    assert!(steps.contains("2 · 1 = 2"), "{steps}");
    assert!(
        steps.contains("R_1 = (0, 1/2) × (0, 1/3), with inverse x_1 = 1/2 - 1/2 y_1, x_2 = 1/3 - 1/3 y_2."),
        "{steps}"
    );
    assert_eq!(answer.instances[0].enumeration.total, 4);
    let w = answer.witness_value();
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
    // Each cone by its two sides only, in the order of a point inside.
    assert!(steps.contains("R_1: x_1 + x_2 < 0 and x_1 - x_2 < 0; inverse"), "{steps}");
    assert!(steps.contains("R_4: x_1 + x_2 > 0 and x_1 - x_2 > 0; inverse"), "{steps}");
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
    assert!(steps.contains("Regions counted out: (-∞, 0): constant, equal to 0: not one to one."), "{steps}");
    assert!(steps.contains("R_1 = (0, ∞), with inverse x = y."), "{steps}");
    let (value, steps, _) = finding(&report, "m");
    assert_eq!(value, "0");
    assert!(steps.contains("none is mapped bijectively onto (0, 1)"), "{steps}");
    assert!(steps.contains("(0, ∞): its image is (0, ∞), not (0, 1)."), "{steps}");
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
    let (value, steps, answer) = finding(&report, "n");
    // The answer states the rule and the count it gives here.
    assert_eq!(value, "{ rule: n_f*n_g, count: 2^(3*d) }");
    assert!(steps.contains("n_f = 4^d") && steps.contains("n_g = 2^d"), "{steps}");
    assert!(steps.contains("n_f n_g = 4^d·2^d = 8^d"), "{steps}");
    assert!(steps.contains("[detail] Checked by exact enumeration of each network and of the composition"), "{steps}");
    assert!(steps.contains("d | n_g | n_f | f ∘ g") && steps.contains("3 | 8 | 64 | 512"), "{steps}");
    let ring = &report.problems[0].problem.ring;
    assert_eq!(answer.witness_value().field("count").unwrap().print(ring), "2^(3*d)");
    let rule = answer.rule.as_ref().unwrap();
    let counts: Vec<String> = rule.counts.iter().map(|(n, f)| format!("{n}: {}", f.print(ring))).collect();
    assert_eq!(counts, ["g: 2^d", "f: 2^(2*d)"]);
    assert_eq!(statuses(&report), [Status::Pass]);
    // The count for these networks may be stated too; a wrong rule fails.
    // A record key states both, and each field is checked; a record key
    // without the count fails like any record key without a field.
    for (key, holds) in [
        ("8^d", true),
        ("2^(3*d)", true),
        ("n_f + n_g", false),
        ("n_f^2", false),
        ("4^d", false),
        ("{ rule: n_f * n_g, count: 8^d }", true),
        ("{ count: (2^d)^3, rule: n_g n_f }", true),
        ("{ rule: n_f * n_g, count: 4^d }", false),
        ("{ rule: n_f + n_g, count: 8^d }", false),
        ("{ rule: n_f * n_g }", false),
    ] {
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
    assert!(e[0].contains("but 1 of its 2 regions is not ((1/2, 2): its image is (0, 3), not (0, 1))"), "{}", e[0]);
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
    let Answer::Regions(answer) = &mut finding.answer else { panic!("a regions answer") };
    let regions = &mut answer.instances[0].enumeration.regions;
    assert_eq!(regions[0].shape, RegionShape::Box(vec![half(0, 1), half(0, 1)]));
    assert_eq!(regions[3].shape, RegionShape::Box(vec![half(1, 2), half(1, 2)]));
    regions[0].inverse = regions[3].inverse.clone();
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
    assert_eq!(value, "{ rule: n_g^3, count: 8 }");
    assert!(steps.contains("n_g^3 = 2^3 = 8"), "{steps}");
    assert!(steps.contains("n_g | g ∘ g ∘ g\n2 | 8"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass]);
    assert_eq!(statuses(&check(&text.replace("n_g^3", "8"))), [Status::Pass]);
    assert_eq!(statuses(&check(&text.replace("n_g^3", "{ rule: n_g^3, count: 8 }"))), [Status::Pass]);
    assert!(matches!(statuses(&check(&text.replace("n_g^3", "{ rule: n_g^3, count: 6 }")))[0], Status::Fail(_)));
    assert!(matches!(statuses(&check(&text.replace("n_g^3", "9")))[0], Status::Fail(_)));
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
    assert_eq!(value, "{ rule: n_r*n_s, count: 4 }");
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

#[test]
fn regions_of_one_input_are_intervals_left_to_right() {
    // Two units per layer mix nothing but are not square, so the polytope
    // method finds the cells; in one input they read as intervals, left to
    // right, whatever order the enumeration met them in.
    let text = "problem t \"tent\"
  f = network (x: 1) repeat 2 { dense [[2], [-2]] + [-1, 1]; relu; dense [[1, 1]] }
  find n = identified regions of f from (0, 1) onto (0, 1)
  g = network (x: 1) { dense [[1], [2]] + [0, -1]; relu; dense [[1, -1]] + 0; abs }
  find m = identified regions of g from (-1, 2) onto (0, 1)
";
    let report = check(text);
    let (value, steps, answer) = finding(&report, "n");
    assert_eq!(value, "4");
    let e = &answer.instances[0].enumeration;
    assert_eq!(e.method, Method::Polytopes);
    let shown: Vec<String> = e
        .regions
        .iter()
        .map(|r| match &r.shape {
            RegionShape::Box(sides) => sides[0].text(),
            other => panic!("not an interval: {other:?}"),
        })
        .collect();
    assert_eq!(shown, ["(0, 1/4)", "(1/4, 1/2)", "(1/2, 3/4)", "(3/4, 1)"]);
    assert!(steps.contains("left to right"), "{steps}");
    let at = |s: &str| steps.find(s).unwrap_or_else(|| panic!("{s} in {steps}"));
    assert!(at("R_1 = (0, 1/4)") < at("R_2 = (1/4, 1/2)"));
    assert!(at("R_3 = (1/2, 3/4)") < at("R_4 = (3/4, 1)"));
    assert!(!steps.contains(" < 0,") && !steps.contains("x < 1"), "{steps}");

    // Counted out with the reason, in order too; grammar for one of four.
    let (value, steps, _) = finding(&report, "m");
    assert_eq!(value, "1");
    assert!(steps.contains("g has 4 regions in (-1, 2); 1 is mapped bijectively onto (0, 1)."), "{steps}");
    assert!(steps.contains("R_1 = (1, 2), with inverse x = y + 1."), "{steps}");
    assert!(
        steps.contains(
            "Regions counted out: (-1, 0): its map has rank 0 < 1: not one to one.\n\
             (0, 1/2): its image does not cover (0, 1).\n(1/2, 1): its image does not cover (0, 1)."
        ),
        "{steps}"
    );
}

#[test]
fn polytopes_lose_their_redundant_inequalities_and_know_their_corners() {
    // On (-1, 1)^2 the lines x1 = ±x2 cut the square into four triangles:
    // each keeps one side of the square and the two lines; the other three
    // sides of the square are implied.
    let text = "problem r \"rotated\"
  f = network (x: 2) { dense [[1, 1], [1, -1]]; abs }
  find n = identified regions of f from (-1, 1)^2 onto (0, 1)^2
";
    let report = check(text);
    let (value, steps, answer) = finding(&report, "n");
    assert_eq!(value, "0");
    assert!(
        steps.contains("x_1 > -1, x_1 + x_2 < 0 and x_1 - x_2 < 0: its image reaches outside (0, 1)^2."),
        "{steps}"
    );
    let out = &answer.instances[0].enumeration.counted_out;
    assert_eq!(out.len(), 4);
    let q = |n: i64| Q::from_int(n);
    let Place::Region { shape: RegionShape::Polytope(p), inside } = &out[0].place else { panic!("{:?}", out[0]) };
    assert_eq!(p.constraints.len(), 3);
    assert_eq!(p.vertices, Some(vec![[q(-1), q(-1)], [q(0), q(0)], [q(-1), q(1)]]));
    assert_eq!(inside, &vec![Q::new(-2, 3), q(0)]);
    // Ordered by the point inside: left, bottom, top, right.
    let insides: Vec<Vec<Q>> = out
        .iter()
        .map(|c| match &c.place {
            Place::Region { inside, .. } => inside.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut sorted = insides.clone();
    sorted.sort();
    assert_eq!(insides, sorted);

    // Redundancy on its own: x < 1 is implied by x < 1/2.
    let kept = irredundant(&[(vec![q(1)], q(1)), (vec![q(-2)], q(0)), (vec![q(2)], q(1))], 1).unwrap();
    assert_eq!(kept, [(vec![q(-1)], q(0)), (vec![q(1)], Q::new(1, 2))]);
}

#[test]
fn derivation_letters_avoid_the_problem_names() {
    // The input is called y and the problem declares R, h and i: the
    // outputs, regions, one-input network and index take other letters.
    let text = "problem c \"collisions\"
  R = 3
  h = 2
  i = 1
  f = network (y: 2) { dense [[2, 0], [0, 2]] + [-1, -1]; abs }
  find n = identified regions of f from (0,1)^2 onto (0,1)^2
  g = network (y: d) repeat L { dense 2*I(d) + -1; abs }
  find m = identified regions of g from (0,1)^d onto (0,1)^d
";
    let report = check(text);
    let (_, steps, _) = finding(&report, "n");
    assert!(
        steps.contains("S_1 = (0, 1/2) × (0, 1/2), with inverse y_1 = 1/2 - 1/2 u_1, y_2 = 1/2 - 1/2 u_2."),
        "{steps}"
    );
    assert!(steps.contains("unit k of every layer sees only y_k"), "{steps}");
    let (_, steps, _) = finding(&report, "m");
    assert!(steps.contains("φ(t) = 1 - 2 t") && steps.contains("S_1 × … × S_d"), "{steps}");
    assert!(!steps.contains(" h(") && !steps.contains("R_"), "{steps}");
}

#[test]
fn a_part_without_a_formula_still_gives_the_rule() {
    // `d*I(d)` scales each coordinate by d: no formula for f, but the rule
    // holds since g maps all of its regions onto the cube.
    let text = "problem c \"compose\"
  g = network (x: d) { dense 2*I(d) + -1; abs }
  f = network (x: d) { dense d*I(d) + -1; abs }
  find n = identified regions of f ∘ g from (0,1)^d onto (0,1)^d
  expect n = n_f * n_g
";
    let report = check(text);
    let (value, steps, answer) = finding(&report, "n");
    assert_eq!(value, "n_f*n_g");
    assert!(steps.contains("[detail] For f alone nnkey has no formula: a weight of `f` uses `d`"), "{steps}");
    assert!(!steps.contains("Together"), "{steps}");
    assert!(answer.count.is_none());
    assert_eq!(statuses(&report), [Status::Pass]);
    let ring = &report.problems[0].problem.ring;
    assert!(answer.witness_value().field("count").is_none());
    assert_eq!(answer.witness_value().field("n_g").unwrap().print(ring), "2^d");
}

#[test]
fn a_network_with_more_outputs_than_inputs_identifies_nothing() {
    let text = "problem s \"not square\"
  f = network (x: 1) { dense [[1], [2]] + [0, -1]; relu }
  find n = identified regions of f onto (0, 1)^2
  expect n = 0
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "0");
    assert!(steps.contains("(-∞, 0): f maps 1 input to 2 outputs: not a bijection."), "{steps}");
    assert!(steps.contains("f has 3 regions in ℝ; none is mapped"), "{steps}");
}

#[test]
fn a_repeat_count_alone_may_be_symbolic() {
    // Two coordinates with numbers, L symbolic: each coordinate's block has
    // 2 pieces, so 2 · 2 per block and 4^L in all; one input: 2^L.
    let text = "problem q \"L layers, two inputs\"
  f = network (x: 2) repeat L { dense [[2, 0], [0, 2]] + [-1, -1]; abs }
  find n = identified regions of f from (0,1)^2 onto (0,1)^2
  expect n = 4^L
  g = network (x: 1) repeat L { dense 2 + -1; abs }
  find m = identified regions of g from (0,1) onto (0,1)
  expect m = 2^L
";
    let report = check(text);
    let (value, steps, _) = finding(&report, "n");
    assert_eq!(value, "2^(2*L)");
    assert!(steps.contains("Every dense layer of f is diagonal"), "{steps}");
    assert!(steps.contains("Let h_2 be one block on coordinate 2."), "{steps}");
    assert!(steps.contains("Hence the number of identified regions is 4^L"), "{steps}");
    assert!(steps.contains("L | identified regions") && steps.contains("4 | 256"), "{steps}");
    let (value, steps, _) = finding(&report, "m");
    assert_eq!(value, "2^L");
    assert!(steps.contains("Let h be one block of g. On (0, 1), h has 2 pieces; both are mapped"), "{steps}");
    assert_eq!(statuses(&report), [Status::Pass, Status::Pass]);
}

/// The numeric check of the finding `n` of `text` with its answer changed.
fn recheck(text: &str, change: impl Fn(&mut RegionsAnswer)) -> nnkey::derive::CrossCheck {
    let report = check(text);
    let p = &report.problems[0];
    let mut finding = p.findings[0].finding.clone();
    let Answer::Regions(answer) = &mut finding.answer else { panic!("a regions answer") };
    change(answer);
    nnkey::numeric::crosscheck(&p.problem, &p.problem.finds[0], &finding)
}

#[test]
fn the_numeric_check_recounts_and_catches_a_wrong_count_or_a_missing_region() {
    // The tent map twice on (0,1): 4 pieces, each onto (0,1).
    let tent = "problem t \"tent\"
  f = network (x: 1) repeat 2 { dense 2 + -1; abs }
  find n = identified regions of f from (0,1) onto (0,1)
";
    let right = recheck(tent, |_| {});
    assert!(right.passed && right.trials > 0, "{right:?}");
    assert!(right.detail.contains("show 4 distinct activation patterns against 4 regions derived"), "{}", right.detail);
    // A region missing from the count and the list.
    let missing = recheck(tent, |a| {
        let e = &mut a.instances[0].enumeration;
        e.total = 3;
        e.identified = 3;
        e.regions.pop();
    });
    assert!(!missing.passed, "{missing:?}");
    assert!(
        missing.detail.contains("4 distinct activation patterns, more than the 3 regions derived"),
        "{}",
        missing.detail
    );
    // The right regions, but a wrong count of those mapped onto the target.
    for wrong in [3, 2, 0] {
        let c = recheck(tent, |a| a.instances[0].enumeration.identified = wrong);
        assert!(!c.passed, "{wrong}: {c:?}");
        assert!(
            c.detail.contains(&format!("a grid finds all 4 pieces, 4 of them mapped onto the target, not {wrong}")),
            "{}",
            c.detail
        );
    }
    // Two inputs, polytopes: the four cones of (|x1 + x2|, |x1 - x2|).
    let cones = "problem r \"rotated\"
  f = network (x: 2) { dense [[1, 1], [1, -1]]; abs }
  find n = identified regions of f onto (0, inf)^2
";
    assert!(recheck(cones, |_| {}).passed);
    let missing = recheck(cones, |a| {
        let e = &mut a.instances[0].enumeration;
        e.total = 3;
        e.identified = 3;
        e.regions.remove(1);
    });
    assert!(!missing.passed && missing.detail.contains("more than the 3 regions derived"), "{missing:?}");
    // Symbolic sizes: every instance is recounted.
    let powers = "problem q \"L layers\"
  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find n = identified regions of f from (0,1)^d onto (0,1)^d
";
    assert!(recheck(powers, |_| {}).passed);
    let c = recheck(powers, |a| a.instances[0].enumeration.total -= 1);
    assert!(!c.passed, "{c:?}");
}

#[test]
fn no_region_check_passes_without_a_trial() {
    // Nothing identified: the recount still runs, and checks that none is.
    let text = "problem r \"relu\"
  f = network (x: 1) { relu }
  find m = identified regions of f onto (0, 1)
";
    let c = recheck(text, |_| {});
    assert!(c.passed && c.trials > 0, "{c:?}");
    let c = recheck(text, |a| a.instances[0].enumeration.identified = 1);
    assert!(!c.passed, "{c:?}");
    // No instance at all: nothing ran, so it does not pass.
    let c = recheck(text, |a| a.instances.clear());
    assert!(!c.passed && c.trials == 0, "{c:?}");
}

#[test]
fn every_shipped_check_that_passes_ran_trials() {
    let report = nnkey::check::run(&[common::repo().join("problems")]);
    let mut seen = 0;
    for file in &report.files {
        for p in &file.problems {
            for f in &p.findings {
                seen += 1;
                assert!(
                    !f.crosscheck.passed || f.crosscheck.trials > 0,
                    "{} {}: {:?}",
                    p.problem.id,
                    f.finding.name,
                    f.crosscheck
                );
                // An infinite expected risk has no mean to compare: its
                // experiment reports the simulated growth and judges nothing.
                let infinite = matches!(&f.finding.value, nnkey::model::Value::Word(w) if w == "infinite");
                assert!(
                    f.crosscheck.passed || (infinite && f.crosscheck.unchecked),
                    "{} {}: {:?}",
                    p.problem.id,
                    f.finding.name,
                    f.crosscheck
                );
            }
        }
    }
    assert!(seen > 20);
}

/// The block of a network `repeat L { … }` of one input.
fn repeated(block: &str) -> String {
    format!(
        "problem q \"x\"\n  f = network (x: 1) repeat L {{ {block} }}\n  \
         find n = identified regions of f from (0,1) onto (0,1)\n"
    )
}

#[test]
fn a_repeated_block_of_one_input_with_hidden_units_gets_a_formula() {
    // Each block maps (0,1) onto itself piece by piece; worked out by hand:
    // two averaged |2t - 1| units (pieces (0,1/2), (1/2,1)); 3 relu(t) -
    // 9/2 relu(t - 1/3) (pieces (0,1/3) rising, (1/3,1) falling); the
    // zigzag 3t, 2 - 3t, 3t - 2 on thirds; the tent 2t, 2 - 2t from two
    // ReLU units.
    let cases = [
        ("dense [[2], [2]] + [-1, -1]; abs; dense [[1/2, 1/2]]", "2^L", "3^L", 2),
        ("dense [[1], [1]] + [0, -1/3]; relu; dense [[3, -9/2]]", "2^L", "2^(L+1)", 2),
        ("dense [[1], [1], [1]] + [0, -1/3, -2/3]; relu; dense [[3, -6, 6]]", "3^L", "2^L", 3),
        ("dense [[1], [1]] + [0, -0.5]; relu; dense [[2, -4]]", "2^L", "4^L", 2),
    ];
    for (block, right, wrong, n) in cases {
        let text = repeated(block);
        let report = check(&format!("{text}  expect n = {right}\n"));
        let (value, steps, answer) = finding(&report, "n");
        assert_eq!(value, right, "{block}");
        assert_eq!(statuses(&report), [Status::Pass], "{block}");
        assert!(steps.contains("one block is a function of one variable"), "{steps}");
        assert!(steps.contains(&format!("every point of (0, 1) has exactly {n} preimages")), "{steps}");
        assert!(steps.contains("By induction L blocks have"), "{steps}");
        // The formula agrees with enumeration on every instance L = 1..4.
        let counts: Vec<u128> = answer.instances.iter().map(|i| i.enumeration.identified).collect();
        assert_eq!(counts, (1..=4).map(|l| (n as u128).pow(l)).collect::<Vec<_>>(), "{block}");
        let report = check(&format!("{text}  expect n = {wrong}\n"));
        assert!(matches!(statuses(&report)[0], Status::Fail(_)), "{block}: {wrong} must fail");
    }
}

#[test]
fn a_block_with_a_piece_not_onto_the_interval_is_refused_naming_the_piece() {
    // 3 relu(t) - 3 relu(t - 1/3) is 3t on (0, 1/3) but 1 on (1/3, 1).
    let e = errors(&repeated("dense [[1], [1]] + [0, -1/3]; relu; dense [[3, -3]]"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("the piece of one block on (1/3, 1) is not mapped bijectively onto (0, 1): it is constant (1)"),
        "{}",
        e[0]
    );
    assert!(e[0].contains("exact counts of the instances: L = 1: 1; L = 2: 1; L = 3: 1; L = 4: 1"), "{}", e[0]);
    // 2 relu(t) - 3 relu(t - 1/2) falls from 1 to 1/2 on (1/2, 1).
    let e = errors(&repeated("dense [[1], [1]] + [0, -1/2]; relu; dense [[2, -3]]"));
    assert!(e[0].contains("on (1/2, 1) is not mapped bijectively onto (0, 1): its image is (1/2, 1)"), "{}", e[0]);
    // Two of three pieces fail; the first is named.
    let e = errors(&repeated("dense [[1], [1], [1]] + [0, -1/3, -2/3]; relu; dense [[3, -3, 1]]"));
    assert!(
        e[0].contains("2 of the 3 pieces of one block are not mapped bijectively onto (0, 1); the first: on (1/3, 2/3) it is constant (1)"),
        "{}",
        e[0]
    );
    // A unit whose output weight is 0 still splits the block into two
    // regions, (0, 1/2) and (1/2, 1), neither onto (0, 1), although the
    // merged function t is: the count is 0, not 1^L.
    let e = errors(&repeated("dense [[1], [1]] + [0, -1/2]; relu; dense [[1, 0]]"));
    assert!(
        e[0].contains(
            "neither piece of one block is mapped bijectively onto (0, 1); the first: on (0, 1/2) its image is (0, 1/2)"
        ),
        "{}",
        e[0]
    );
    assert!(e[0].contains("L = 1: 0; L = 2: 0; L = 3: 0; L = 4: 0"), "{}", e[0]);
    // A block between different intervals does not compose.
    let e =
        errors(&repeated("dense [[1], [1]] + [0, -0.5]; relu; dense [[2, -4]]").replace("from (0,1)", "from (0,2)"));
    assert!(e[0].contains("the domain (0, 2) and the target (0, 1) differ"), "{}", e[0]);
    // Several coordinates that mix are still not products.
    let e = errors(
        "problem q \"x\"\n  f = network (x: 2) repeat L { dense [[1, 1], [1, -1]] + [0, 0]; abs }\n  \
         find n = identified regions of f from (0,1)^2 onto (0,1)^2\n",
    );
    assert!(e[0].contains("the block of `f` mixes its 2 coordinates"), "{}", e[0]);
}

#[test]
fn a_repeated_block_on_another_interval() {
    // 2 relu(t + 1) - 4 relu(t) - 1 on (-1, 1): 2t + 1 on (-1, 0) and
    // 1 - 2t on (0, 1), both onto (-1, 1).
    let text = "problem q \"x\"
  f = network (x: 1) repeat L { dense [[1], [1]] + [1, 0]; relu; dense [[2, -4]] + [-1] }
  find n = identified regions of f from (-1,1) onto (-1,1)
  expect n = 2^L
";
    let report = check(text);
    let (value, _, _) = finding(&report, "n");
    assert_eq!(value, "2^L");
    assert_eq!(statuses(&report), [Status::Pass]);
}
