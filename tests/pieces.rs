//! Networks and their linear pieces: hand-computed cases through the
//! library, and the binary's keys, errors and formats.

mod common;

use common::{Sandbox, check, passing_finding};
use nnkey::algebra::Q;
use nnkey::check::{FileReport, Status, check_source};
use nnkey::language::{SourceFile, parse};
use nnkey::model::{Binding, Layer, Scope, Value, elaborate};

const SEED: &str = "  h = network (x: 1) {
    dense [[0.5], [0.5]] + [0, 1]
    relu
    dense [[1, 1], [1, 1]] + [0, 0]
    relu
    dense [[1, 1]] + 1
  }
";

/// The value of the only finding named `name`, printed, with its
/// cross-check required to pass.
fn derived(report: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    f.finding.value.print(&p.problem.ring)
}

/// The first diagnostic of a file, rendered.
fn first_error(text: &str) -> String {
    let report = check_source(SourceFile::new("test.nnk", text));
    let d = report.diagnostics.first().expect("a diagnostic");
    d.render(&report.source, false)
}

#[test]
fn the_seed_network_at_its_three_points() {
    let text = format!(
        "problem q\n{SEED}  find a = linear piece of h at x = 1\n  find b = linear piece of h at x = -1\n  \
         find c = linear piece of h at x = -0.5\n"
    );
    let r = check(&text);
    assert_eq!(derived(&r, "a"), "{ W: 2, b: 3, gradient: 2 }");
    assert_eq!(derived(&r, "b"), "{ W: 1, b: 3, gradient: 1 }");
    assert_eq!(derived(&r, "c"), "{ W: 1, b: 3, gradient: 1 }");
}

#[test]
fn kinks_of_the_seed_network_have_one_sided_pieces() {
    let text = format!(
        "problem q\n{SEED}  find k0 = linear piece of h at x = 0\n  find k2 = linear piece of h at x = -2\n  \
         find all = pieces of h\n"
    );
    let r = check(&text);
    assert_eq!(derived(&r, "k0"), "{ gradient: undefined, left: { W: 1, b: 3 }, right: { W: 2, b: 3 } }");
    assert_eq!(derived(&r, "k2"), "{ gradient: undefined, left: { W: 0, b: 1 }, right: { W: 1, b: 3 } }");
    assert_eq!(derived(&r, "all"), "{ breakpoints: [-2, 0], pieces: [1, x + 3, 2*x + 3] }");
}

#[test]
fn a_tie_whose_sides_agree_is_differentiable() {
    // relu(x) - relu(-x) = x: the unit pair is at 0 at x = 0, but the
    // pieces on both sides are the same line.
    let text = "problem q\n  f = network (x: 1) { dense [[1], [-1]] + [0, 0]; relu; dense [[1, -1]] + 0 }\n  \
                find p = linear piece of f at x = 0\n  find all = pieces of f\n";
    let r = check(text);
    assert_eq!(derived(&r, "p"), "{ W: 1, b: 0, gradient: 1 }");
    assert_eq!(derived(&r, "all"), "{ breakpoints: [], pieces: [x] }");
}

#[test]
fn abs_leaky_relu_and_identity_by_hand() {
    // abs(2x - 1) twice: the tent map iterated, 4 pieces of slope ±4.
    // leaky_relu(1/10) of (x, -x), summed: -9x/10 for x < 0, 9x/10 after.
    let text = "problem q
  t = network (x: 1) repeat 2 { dense 2 + -1; abs }
  find tent = pieces of t
  l = network (x: 1) { dense [[1], [-1]] + [0, 0]; leaky_relu(0.1); dense [[1, 1]] }
  find leaky = pieces of l
  i = network (x: 1) { identity; dense [[2]] - 1 }
  find line = linear piece of i at x = 5
";
    let r = check(text);
    assert_eq!(derived(&r, "tent"), "{ breakpoints: [1/4, 1/2, 3/4], pieces: [-4*x + 1, 4*x - 1, -4*x + 3, 4*x - 3] }");
    assert_eq!(derived(&r, "leaky"), "{ breakpoints: [0], pieces: [-9/10*x, 9/10*x] }");
    assert_eq!(derived(&r, "line"), "{ W: 2, b: -1, gradient: 2 }");
}

#[test]
fn several_inputs_and_outputs_give_a_jacobian() {
    // z1 = (x0, x1, x0 - x1) = (1, 2, -1): the third unit is off. The
    // outputs are a0 + a1 + 1 = x0 + x1 + 1 and a1 + 2 a2 - 1 = x1 - 1.
    let text = "problem q
  g = network (x: 2) {
    dense [[1, 0], [0, 1], [1, -1]] + [0, 0, 0]
    relu
    dense [[1, 1, 0], [0, 1, 2]] + [1, -1]
  }
  find p = linear piece of g at x = [1, 2]
  s = network (x: 2) { dense [[1, 2]] + [1]; relu }
  find q = linear piece of s at x = [1, 1]
";
    let r = check(text);
    assert_eq!(derived(&r, "p"), "{ W: [[1, 1], [0, 1]], b: [1, -1], gradient: [[1, 1], [0, 1]] }");
    // One output: the gradient is W transposed, a column.
    assert_eq!(derived(&r, "q"), "{ W: [[1, 2]], b: 1, gradient: [1, 2] }");
}

#[test]
fn kinks_with_several_inputs_are_decided_exactly() {
    let text = "problem q
  g = network (x: 2) { dense [[1, -1], [-1, 1]] + [0, 0]; relu; dense [[1, 1]] }
  find bent = linear piece of g at x = [1, 1]
  c = network (x: 2) { dense [[1, -1], [-1, 1]] + [0, 0]; relu; dense [[1, -1]] }
  find straight = linear piece of c at x = [1, 1]
  a = network (x: 2) { abs; dense [[1, 1]] }
  find corner = linear piece of a at x = [0, 0]
";
    let r = check(text);
    // relu(x0 - x1) + relu(x1 - x0) = |x0 - x1| bends along x0 = x1.
    // Stepping along +e0 or +e1 it grows at rate 1; stepping back along
    // either it grows too, so the backward quotients (h(x) - h(x - t e_k))/t
    // are -1.
    assert_eq!(derived(&r, "bent"), "{ gradient: undefined, forward: [1, 1], backward: [-1, -1] }");
    // relu(x0 - x1) - relu(x1 - x0) = x0 - x1: the bends cancel.
    assert_eq!(derived(&r, "straight"), "{ W: [[1, -1]], b: 0, gradient: [1, -1] }");
    // |x0| + |x1| at 0: slope 1 ahead and -1 behind along both axes.
    assert_eq!(derived(&r, "corner"), "{ gradient: undefined, forward: [1, 1], backward: [-1, -1] }");
}

#[test]
fn symbolic_weights_are_followed_when_the_signs_are_known() {
    let text = "problem q
  s = network (x: 1) { dense [[1], [1]] + [0, -1]; relu; dense [[a, b]] + c }
  find p = linear piece of s at x = 3
";
    let r = check(text);
    // Both units are on at x = 3: a x + b (x - 1) + c.
    assert_eq!(derived(&r, "p"), "{ W: a + b, b: -b + c, gradient: a + b }");
}

#[test]
fn unknown_signs_are_errors_not_guesses() {
    let text = "problem q
  s = network (x: 1) { dense [[1], [1]] + [0, -1]; relu; dense [[a, b]] + c }
  find k = linear piece of s at x = 0
  u = network (x: 1) { dense [[a]] + 1; relu }
  find v = linear piece of u at x = 2
";
    let report = check_source(SourceFile::new("test.nnk", text));
    let messages: Vec<&str> = report.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("one-sided derivatives are 0 (left) and a (right)"), "{}", messages[0]);
    assert!(messages[1].contains("`2*a + 1`, depends on the symbols"), "{}", messages[1]);
}

#[test]
fn symbolic_sizes_instantiate_for_later_queries() {
    let text = "problem q\n  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }\n";
    let (syntax, diagnostics) = parse(text);
    assert!(diagnostics.is_empty());
    let (problem, errors) = elaborate(&syntax.problems[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let Some(Binding::Network(f)) = problem.binding("f") else { panic!("a network") };
    assert!(f.concrete.is_none());
    let names: Vec<String> = f.symbols().into_iter().map(|s| s.0).collect();
    assert_eq!(names, vec!["d", "L"]);
    let c = f.instantiate(&[("d", 3), ("L", 2)], &problem).expect("an instance");
    assert_eq!(c.input_dim, 3);
    assert_eq!(c.layers.len(), 4);
    let Layer::Dense(first) = &c.layers[0] else { panic!("dense first") };
    assert_eq!(first.weight.shape(), (3, 3));
    assert_eq!(first.weight.get(1, 1).as_constant(), Some(Q::from_int(2)));
    assert_eq!(first.weight.get(0, 1).as_constant(), Some(Q::zero()));
    // The scalar bias is added to every unit.
    assert!(first.bias.iter().all(|b| b.as_constant() == Some(Q::from_int(-1))));
    assert_eq!(c.outline(), "(dense 3×3, abs) ×2");
}

#[test]
fn sizes_may_name_numbers_declared_in_the_problem() {
    let text = "problem q
  d = 1
  L = 3
  t = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find all = pieces of t
";
    let r = check(text);
    let v = derived(&r, "all");
    assert!(v.starts_with("{ breakpoints: [1/8, 1/4, 3/8, 1/2, 5/8, 3/4, 7/8]"), "{v}");
}

#[test]
fn a_shape_mismatch_names_both_layers() {
    let text = "problem e
  h = network (x: 1) {
    dense [[0.5], [0.5]] + [0, 1]
    relu
    dense [[1, 1, 1]] + 1
  }
";
    assert_eq!(
        first_error(text),
        "error: this weight has 3 columns but the layer before gives 2 values
 --> test.nnk:5:11
  |
5 |     dense [[1, 1, 1]] + 1
  |           ^^^^^^^^^^^ 1×3 matrix
  |
3 |     dense [[0.5], [0.5]] + [0, 1]
  |     ----------------------------- this layer gives 2 values
  |
  = hint: a weight has one row per unit and one column per input value: here 1×2
"
    );
}

#[test]
fn a_mismatch_inside_a_repeat_says_which_repetition() {
    let text = "problem e\n  h = network (x: 2) repeat 2 { dense [[1, 0], [0, 1], [1, 1]] + 0; relu }\n";
    let e = first_error(text);
    assert!(e.contains("this weight has 2 columns but the layer before gives 3 values"), "{e}");
    assert!(e.contains("in repetition 2 of 2"), "{e}");
}

#[test]
fn bias_and_input_mismatches_are_errors() {
    let e = first_error("problem e\n  g = network (x: 2) { dense [[1, 2]] + [0, 1] }\n");
    assert!(e.starts_with("error: the bias has 2 entries but the weight has 1 row"), "{e}");
    let e = first_error("problem e\n  g = network (x: 2) { dense [[1, 2, 3]] }\n");
    assert!(e.contains("this weight has 3 columns but the layer before gives 2 values"), "{e}");
    assert!(e.contains("the input `x` has 2 values"), "{e}");
}

#[test]
fn an_unknown_activation_suggests_the_nearest() {
    let e = first_error(
        "problem e\n  h = network (x: 1) { dense [[1]] + 0; rleu }\n  find p = linear piece of h at x = 1\n",
    );
    assert!(e.starts_with("error: unknown layer `rleu`"), "{e}");
    assert!(e.contains("did you mean `relu`?"), "{e}");
    // The find on the broken network is not reported a second time.
    let report = check_source(SourceFile::new(
        "t.nnk",
        "problem e\n  h = network (x: 1) { dense [[1]] + 0; rleu }\n  find p = linear piece of h at x = 1\n",
    ));
    assert_eq!(report.diagnostics.len(), 1);
}

#[test]
fn activations_check_their_arguments() {
    let e = first_error("problem e\n  h = network (x: 1) { relu(2) }\n");
    assert!(e.contains("`relu` takes no arguments"), "{e}");
    let e = first_error("problem e\n  h = network (x: 1) { leaky_relu }\n");
    assert!(e.contains("`leaky_relu` takes one slope"), "{e}");
}

#[test]
fn symbolic_sizes_need_a_number_for_pieces() {
    let text = "problem e
  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find p = linear piece of f at x = 1
";
    let e = first_error(text);
    assert!(e.starts_with("error: `linear piece of` needs a number here: the input dimension `d` is a symbol"), "{e}");
    assert!(e.contains("test.nnk:2:19"), "{e}");
    let text = "problem e\n  f = network (x: 1) repeat L { dense 2 + -1; abs }\n  find p = pieces of f\n";
    let e = first_error(text);
    assert!(e.contains("the repeat count `L` is a symbol"), "{e}");
}

#[test]
fn pieces_need_one_input_and_numeric_weights() {
    let e = first_error("problem e\n  g = network (x: 2) { dense [[1, 2]] + [1]; relu }\n  find p = pieces of g\n");
    assert!(e.contains("`pieces of` lists the pieces of a network of one input; `g` has 2"), "{e}");
    let e = first_error("problem e\n  g = network (x: 1) { dense [[a]] + [1]; relu }\n  find p = pieces of g\n");
    assert!(e.contains("needs a network whose weights are all numbers"), "{e}");
    assert!(e.contains("this layer has an entry that is not a number"), "{e}");
}

#[test]
fn points_and_inputs_are_checked() {
    let net = "problem e\n  g = network (x: 2) { dense [[1, 2]] + [1]; relu }\n";
    let e = first_error(&format!("{net}  find q = linear piece of g at y = [1, 2]\n"));
    assert!(e.contains("`g` has no input `y`"), "{e}");
    let e = first_error(&format!("{net}  find q = linear piece of g at x = 1\n"));
    assert!(e.contains("`g` takes 2 input values but this point has 1"), "{e}");
    let e = first_error("problem e\n  W = matrix 2x2 w\n  find q = linear piece of W at x = 1\n");
    assert!(e.contains("`W` is a matrix, not a network"), "{e}");
}

#[test]
fn a_network_is_not_a_value() {
    let e = first_error(&format!("problem e\n{SEED}  find p = linear piece of h at x = 1\n  expect p = h\n"));
    assert!(e.contains("`h` is a network and has no value"), "{e}");
}

#[test]
fn an_unclosed_network_points_at_its_brace() {
    let e = first_error("problem e\n  h = network (x: 1) {\n    dense [[1]] + 0\n    relu\n");
    assert!(e.contains("expected `}`"), "{e}");
    assert!(e.contains("this `{` is never closed"), "{e}");
    let e = first_error("problem e\n  h = network (x: 1) { dnese [[1]] + 0 }\n");
    assert!(e.starts_with("error: expected a layer, found `dnese`"), "{e}");
    let e = first_error("problem e\n  h = network x: 1 { relu }\n");
    assert!(e.contains("expected `(`"), "{e}");
}

#[test]
fn a_gradient_key_at_a_kink_fails_and_says_why() {
    let s = Sandbox::new();
    s.write(
        "k.nnk",
        &format!(
            "problem k\n{SEED}  find p = linear piece of h at x = 0\n  expect p = {{ W: 2, b: 3, gradient: 2 }}\n"
        ),
    );
    let run = s.run(&["check", "k.nnk"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("the network is not differentiable at this point"), "{}", run.stdout);
    let s2 = Sandbox::new();
    s2.write(
        "k.nnk",
        &format!("problem k\n{SEED}  find p = linear piece of h at x = 1\n  expect p = {{ gradient: undefined }}\n"),
    );
    let run = s2.run(&["check", "k.nnk"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("the network is differentiable at this point"), "{}", run.stdout);
}

#[test]
fn keys_are_read_by_meaning() {
    let s = Sandbox::new();
    let text = format!(
        "problem k\n{SEED}  find p = linear piece of h at x = -1\n  expect p = {{ gradient: 1.0, b: 6/2, W: [[1]] }}\n  \
         find all = pieces of h\n  expect all = {{ pieces: [1, 3 + x, x*2 + 3], breakpoints: [-2.0, 0] }}\n"
    );
    s.write("k.nnk", &text);
    let run = s.run(&["check", "k.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 passed, 0 failed, 0 missing"), "{}", run.stdout);
}

#[test]
fn bless_writes_keys_that_then_hold() {
    let s = Sandbox::new();
    let text = format!(
        "problem k\n{SEED}  find p = linear piece of h at x = 0\n  find all = pieces of h\n  \
         t = network (x: 1) repeat 3 {{ dense 2 + -1; abs }}\n  find tent = pieces of t\n"
    );
    s.write("k.nnk", &text);
    let run = s.run(&["bless", "k.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blessed = s.read("k.nnk");
    assert!(
        blessed.contains("expect p = { gradient: undefined, left: { W: 1, b: 3 }, right: { W: 2, b: 3 } }"),
        "{blessed}"
    );
    let run = s.run(&["check", "k.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 passed, 0 failed, 0 missing"), "{}", run.stdout);
}

#[test]
fn json_gives_the_piece_as_an_object() {
    let s = Sandbox::new();
    s.write("k.nnk", &format!("problem k\n{SEED}  find p = linear piece of h at x = 1\n  find all = pieces of h\n"));
    let run = s.run(&["solve", "--format", "json", "k.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let f = &v["files"][0]["problems"][0]["findings"];
    assert_eq!(f[0]["kind"], "linear piece");
    assert_eq!(f[0]["value"]["W"], "2");
    assert_eq!(f[0]["value"]["b"], "3");
    assert_eq!(f[0]["value"]["gradient"], "2");
    assert_eq!(f[0]["crosscheck"]["passed"], true);
    assert_eq!(f[1]["kind"], "linear pieces");
    assert_eq!(f[1]["value"]["breakpoints"]["entries"], serde_json::json!([["-2"], ["0"]]));
    assert_eq!(f[1]["value"]["pieces"]["entries"][2][0], "2*x + 3");
}

#[test]
fn latex_of_a_derivation_is_balanced() {
    let s = Sandbox::new();
    s.write(
        "k.nnk",
        &format!(
            "problem k\n{SEED}  find p = linear piece of h at x = 0\n  find all = pieces of h\n  \
             g = network (x: 2) {{ dense [[1, -1], [-1, 1]] + [0, 0]; leaky_relu(0.5); dense [[1, 2]] }}\n  \
             find q = linear piece of g at x = [1, 1]\n  find r = linear piece of g at x = [2, 1]\n"
        ),
    );
    let run = s.run(&["solve", "--format", "latex", "k.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tex = run.stdout;
    assert_eq!(tex.matches("\\begin{").count(), tex.matches("\\end{").count());
    let opened = tex.matches('{').count() - tex.matches("\\{").count();
    let closed = tex.matches('}').count() - tex.matches("\\}").count();
    assert_eq!(opened, closed);
    assert!(tex.contains("\\text{undefined}"), "{tex}");
    // Everything outside ASCII was turned into LaTeX commands.
    assert!(tex.is_ascii(), "{}", tex.chars().filter(|c| !c.is_ascii()).collect::<String>());
}

#[test]
fn large_networks_summarize_their_derivation() {
    // 3 hidden layers of 20 units: the derivation counts, it does not list.
    let mut text = String::from("problem big\n  h = network (x: 1) {\n");
    let row = |k: usize, n: usize| -> String {
        let items: Vec<String> = (0..n).map(|j| format!("{}", ((k * 7 + j * 3) % 11) as i64 - 5)).collect();
        format!("[{}]", items.join(", "))
    };
    let rows = |n: usize, m: usize, salt: usize| -> String {
        let r: Vec<String> = (0..n).map(|k| row(k + salt, m)).collect();
        format!("[{}]", r.join(", "))
    };
    text += &format!("    dense {} + {}\n    relu\n", rows(20, 1, 0), row(1, 20));
    text += &format!("    dense {} + {}\n    relu\n", rows(20, 20, 3), row(2, 20));
    text += &format!("    dense {} + {}\n    relu\n", rows(20, 20, 5), row(3, 20));
    text += &format!(
        "    dense {} + [1]\n  }}\n  find all = pieces of h\n  find p = linear piece of h at x = 1/3\n",
        rows(1, 20, 9)
    );
    let r = check(&text);
    let f = &r.problems[0].findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    assert!(
        f.finding
            .explanation
            .steps
            .iter()
            .map(|s| nnkey::render::step_parts(s, &r.problems[0].problem.ring))
            .any(|s| s.0.contains("cut into"))
    );
    let p = &r.problems[0].findings[1];
    assert!(p.crosscheck.passed, "{:?}", p.crosscheck);
    assert!(matches!(p.status, Status::Missing));
    let Value::Record(fields) = &p.finding.value else { panic!("a record") };
    assert!(!fields.is_empty());
}

#[test]
fn too_many_pieces_is_an_error_not_a_hang() {
    // The tent map iterated 20 times has 2^20 pieces.
    let text = "problem e\n  t = network (x: 1) repeat 20 { dense 2 + -1; abs }\n  find all = pieces of t\n";
    let e = first_error(text);
    assert!(e.contains("too many linear pieces to list"), "{e}");
}

#[test]
fn weights_may_be_declared_matrices_and_vectors() {
    let text = "problem q
  W1 = matrix [[0.5], [0.5]]
  b1 = vector [0, 1]
  h = network (x: 1) { dense W1 + b1; relu; dense [[1, 1], [1, 1]]; relu; dense [[1, 1]] + 1 }
  find all = pieces of h
";
    let r = check(text);
    assert_eq!(derived(&r, "all"), "{ breakpoints: [-2, 0], pieces: [1, x + 3, 2*x + 3] }");
}

#[test]
fn the_numeric_check_catches_wrong_pieces() {
    use nnkey::algebra::{Matrix, RatFunc};
    use nnkey::derive::Answer;
    use nnkey::derive::piece::{Affine, PieceAnswer, PieceKind, Region};
    use nnkey::derive::pieces::{Line, PiecesAnswer};
    use nnkey::model::Query;
    use nnkey::numeric::pieces::{check_piece, check_pieces};
    let text = format!("problem q\n{SEED}  find p = linear piece of h at x = 1\n  find all = pieces of h\n");
    let r = check(&text);
    let pr = &r.problems[0];
    let (Query::LinearPiece(p), Query::Pieces(all)) = (&pr.problem.finds[0].query, &pr.problem.finds[1].query) else {
        panic!("the two queries")
    };
    let ring = &pr.problem.ring;
    let Answer::Piece(right) = &pr.findings[0].finding.answer else { panic!("a piece") };
    assert!(check_piece(p, right, ring, 1).passed);
    let n = |k: i64| RatFunc::constant(Q::from_int(k));
    let scalar = |k: i64| Matrix::from_vec(1, 1, vec![n(k)]);
    let region = |w: i64, b: i64| Region {
        toward: Vec::new(),
        units: Vec::new(),
        piece: Affine { w: scalar(w), b: vec![n(b)] },
    };
    let with = |kind: PieceKind| PieceAnswer { kind, ..right.clone() };
    let smooth = |w: i64, b: i64, g: i64| with(PieceKind::Smooth { region: region(w, b), gradient: scalar(g) });
    assert!(check_piece(p, &smooth(2, 3, 2), ring, 1).passed);
    assert!(!check_piece(p, &smooth(2, 4, 2), ring, 1).passed);
    assert!(!check_piece(p, &smooth(1, 4, 1), ring, 1).passed);
    assert!(!check_piece(p, &smooth(2, 3, 1), ring, 1).passed, "the gradient is W");
    // A kink claimed where the network is smooth, and the wrong sides.
    let bent = with(PieceKind::Bent {
        regions: Box::new([region(2, 3), region(2, 3)]),
        forward: scalar(2),
        backward: scalar(2),
    });
    assert!(!check_piece(p, &bent, ring, 1).passed);
    let kink = with(PieceKind::Kink { left: Box::new(region(1, 3)), right: Box::new(region(2, 3)) });
    assert!(!check_piece(p, &kink, ring, 1).passed);
    let Answer::Pieces(good) = &pr.findings[1].finding.answer else { panic!("pieces") };
    assert!(check_pieces(all, good, ring, 1).passed);
    let pieces = |breakpoints: &[i64], lines: &[(i64, i64)]| PiecesAnswer {
        breakpoints: breakpoints.iter().map(|&t| Q::from_int(t)).collect(),
        pieces: lines.iter().map(|&(s, c)| vec![Line { slope: Q::from_int(s), intercept: Q::from_int(c) }]).collect(),
    };
    assert!(check_pieces(all, &pieces(&[-2, 0], &[(0, 1), (1, 3), (2, 3)]), ring, 1).passed);
    for (breakpoints, lines) in [
        (vec![-2, 1], vec![(0, 1), (1, 3), (2, 3)]),
        (vec![0], vec![(1, 3), (2, 3)]),
        (vec![-2, -1, 0], vec![(0, 1), (1, 3), (1, 3), (2, 3)]),
        (vec![-2, 0], vec![(0, 1), (1, 3), (2, 4)]),
        (vec![-2, 0], vec![(0, 1), (1, 3)]),
    ] {
        assert!(!check_pieces(all, &pieces(&breakpoints, &lines), ring, 1).passed, "{breakpoints:?} {lines:?}");
    }
}

/// Every line of a finding's derivation, prose and formulas, as text.
fn derivation_text(report: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    let mut out = String::new();
    for s in &f.finding.explanation.steps {
        let (text, math) = nnkey::render::step_parts(s, &p.problem.ring);
        out += &text;
        out.push('\n');
        if let Some((plain, _)) = math {
            out += &plain;
            out.push('\n');
        }
    }
    out
}

#[test]
fn derivation_letters_avoid_the_problems_own_names() {
    // The problem uses a, b and z itself: the layers are named with other
    // letters (u for pre-activations, v for activations, beta for biases).
    let text = "problem q
  s = network (x: 1) { dense [[1], [1]] + [0, -1]; relu; dense [[a, z]] + b }
  find p = linear piece of s at x = 3
  t = network (x: 1) { dense [[1], [-1]] + [0, 1]; relu; dense [[1, 2]] + 0 }
  find all = pieces of t
";
    let r = check(text);
    let p = derivation_text(&r, "p");
    assert!(p.contains("u_1 = W_1 x + β_1"), "{p}");
    assert!(p.contains("v_1 = relu(u_1)"), "{p}");
    assert!(!p.contains("z_1") && !p.contains("a_1"), "{p}");
    let all = derivation_text(&r, "all");
    assert!(all.contains("on u_1"), "{all}");
    assert!(!all.contains("z_1"), "{all}");
}

#[test]
fn kinks_show_one_sided_derivatives() {
    let text = format!("problem q\n{SEED}  find k0 = linear piece of h at x = 0\n  find all = pieces of h\n");
    let r = check(&text);
    let k0 = derivation_text(&r, "k0");
    assert!(k0.contains("h'(0^-) = 1, h'(0^+) = 2"), "{k0}");
    assert!(k0.contains("W = 1, b = 3, h(x) = x + 3"), "{k0}");
    assert!(k0.contains("z_1[0] off (slope 0)") || k0.contains("(z_1)[0] off (slope 0)"), "{k0}");
    let all = derivation_text(&r, "all");
    assert!(all.contains("x ≤ -2: h(x) = 1"), "{all}");
    assert!(all.contains("h has 3 linear pieces, with breakpoints [-2, 0]"), "{all}");
}

#[test]
fn every_way_of_deciding_a_kink_is_explained() {
    use nnkey::derive::piece::PieceKind;
    use nnkey::derive::{Answer, Depth};
    let text = "problem q
  sw = network (x: 2) { dense [[1, -1], [1, 1]]; relu; dense [[1, -1]]; relu; dense [[1]] }
  find sweep = linear piece of sw at x = [0, 0]
  o = network (x: 3) { dense [[1, -1, 0], [1, 1, 1]]; relu; dense [[1, -1]]; relu; dense [[1]] }
  find orthants = linear piece of o at x = [0, 0, 0]
  fl = network (x: 2) { dense [[0, 0]] + 0; relu; dense [[1]] + [1] }
  find flat = linear piece of fl at x = [1, 1]
  l = network (x: 1) { abs; dense [[1], [2]] + [0, -1]; leaky_relu(alpha); dense [[1, 1]] }
  find leaky = linear piece of l at x = 0.25
  big = network (x: 1) repeat 4 { dense [[1099511627777/1099511627776]] + [-1/3]; abs }
  find big = pieces of big
";
    let r = check(text);
    let sweep = derivation_text(&r, "sweep");
    assert!(sweep.contains("Sweeping the directions around it"), "{sweep}");
    assert!(derivation_text(&r, "orthants").contains("different orthants"));
    assert!(derivation_text(&r, "flat").contains("constantly 0 near the point"));
    assert!(derivation_text(&r, "leaky").contains("scaled (slope α)"));
    assert!(derivation_text(&r, "big").contains("outgrew 128 bits"));
    let (_, f) = passing_finding(&r, "sweep");
    let Answer::Piece(a) = &f.finding.answer else { panic!("a piece") };
    // The sweep keeps its cones; how nnkey found the kink is for staff.
    assert!(!a.cones.is_empty());
    assert!(matches!(a.kind, PieceKind::Bent { .. }));
    assert_eq!(a.pattern[0].signs, vec![0, 0]);
    // The sweep is staff detail, as is each layer's arithmetic; the table
    // of the forward pass is a student's step.
    let depth_of = |words: &str| {
        let steps = &f.finding.explanation.steps;
        steps.iter().find(|s| format!("{:?}", s.blocks).contains(words)).map(|s| s.depth)
    };
    assert_eq!(depth_of("Sweeping the directions"), Some(Depth::Detail));
    assert_eq!(depth_of("Dense layer"), Some(Depth::Detail));
    assert_eq!(depth_of("Table"), Some(Depth::Solution));
}

#[test]
fn the_typed_answers_carry_the_regions_and_the_pieces() {
    use nnkey::derive::piece::PieceKind;
    use nnkey::derive::{Answer, Depth};
    let text = format!("problem q\n{SEED}  find k0 = linear piece of h at x = 0\n  find all = pieces of h\n");
    let r = check(&text);
    let (_, f) = passing_finding(&r, "k0");
    let Answer::Piece(a) = &f.finding.answer else { panic!("a piece") };
    assert_eq!(a.point, vec![nnkey::algebra::RatFunc::zero()]);
    let PieceKind::Kink { left, right } = &a.kind else { panic!("a kink") };
    // Left of 0 the first unit is off, right of it on; the second is on.
    assert_eq!(left.units[0].sides, vec![-1, 1]);
    assert_eq!(right.units[0].sides, vec![1, 1]);
    assert_eq!(left.toward, vec![vec![nnkey::algebra::RatFunc::constant(Q::from_int(-1))]]);
    let (_, f) = passing_finding(&r, "all");
    let Answer::Pieces(p) = &f.finding.answer else { panic!("pieces") };
    assert_eq!(p.breakpoints, vec![Q::from_int(-2), Q::zero()]);
    let slopes: Vec<Q> = p.pieces.iter().map(|l| l[0].slope.clone()).collect();
    assert_eq!(slopes, vec![Q::zero(), Q::one(), Q::from_int(2)]);
    // Continuity is checked for staff; the student sees the pieces.
    let details: Vec<_> = f.finding.explanation.steps.iter().filter(|s| s.depth == Depth::Detail).collect();
    assert_eq!(details.len(), 1);
}

#[test]
fn numbers_beyond_floating_point_are_not_checked_and_not_failed() {
    // A bias of 10^19 swamps the slopes in every forward pass; 10^1000 is
    // beyond f64 altogether. The keys are right: they pass, and the check
    // says it cannot be made instead of failing them.
    let text = "problem a \"bias\"
  h = network (x: 1) { dense [[1], [1]] + [0, 10000000000000000000]; relu; dense [[1, 1]] + 1 }
  find p = linear piece of h at x = 1
  expect p = { W: 2, b: 10000000000000000001, gradient: 2 }

problem b \"huge\"
  h = network (x: 1) { dense [[1], [1]] + [0, 10^1000]; relu; dense [[1, 1]] + 1 }
  find p = linear piece of h at x = 1
  expect p = { W: 2, b: 10^1000 + 1, gradient: 2 }
";
    let report = common::check(text);
    for (p, reach) in report.problems.iter().zip(["10^19", "10^1000"]) {
        let f = &p.findings[0];
        assert_eq!(f.status, nnkey::check::Status::Pass, "{}: {:?}", p.problem.id, f.crosscheck);
        assert!(f.crosscheck.unchecked && !f.crosscheck.passed, "{:?}", f.crosscheck);
        assert!(f.crosscheck.method.contains("cannot be checked in floating point"), "{:?}", f.crosscheck);
        assert!(f.crosscheck.detail.contains(reach), "{:?}", f.crosscheck);
        let sentence = nnkey::render::crosscheck_sentence(f);
        assert!(sentence.starts_with("numeric check not made: cannot be checked in floating point"), "{sentence}");
    }
    // A wrong key with the same numbers still fails: the exact comparison
    // stands alone.
    let report = common::check(&text.replace("b: 10000000000000000001", "b: 10000000000000000002"));
    assert!(matches!(report.problems[0].findings[0].status, nnkey::check::Status::Fail(_)));
}

fn statuses(report: &FileReport) -> Vec<Status> {
    report.problems.iter().flat_map(|p| p.findings.iter().map(|f| f.status.clone())).collect()
}

#[test]
fn a_kink_of_several_inputs_gives_the_one_sided_derivatives_along_the_axes() {
    // By hand, g(x) = relu(relu(x0 - x1) - relu(x0 + x1)) + 2 relu(relu(x0 - x1) + relu(x0 + x1)) at 0:
    // along +e0 the first layer gives (t, t), the second (0, 2t): 4t, so 4;
    // along -e0 everything is off: 0. Along +e1: (0, t), then (-t, t): 2t,
    // so 2; along -e1: (t, 0), then (t, t): 3t, and (g(0) - 3t)/t = -3.
    // Along +e0 the second layer's first unit stays exactly 0 (t - t): the
    // step runs along its kink surface, and its slope does not matter.
    let text = "problem q
  g = network (x: 2) {
    dense [[1, -1], [1, 1]] + [0, 0]
    relu
    dense [[1, -1], [1, 1]] + [0, 0]
    relu
    dense [[1, 2]]
  }
  find p = linear piece of g at x = [0, 0]
  a = network (x: 2) { abs; dense [[1, 1], [1, -1]] }
  find two = linear piece of a at x = [0, 0]
";
    let r = check(text);
    assert_eq!(derived(&r, "p"), "{ gradient: undefined, forward: [4, 2], backward: [0, -3] }");
    // Several outputs: (|x0| + |x1|, |x0| - |x1|); column k is the axis k.
    assert_eq!(
        derived(&r, "two"),
        "{ gradient: undefined, forward: [[1, 1], [1, -1]], backward: [[-1, -1], [-1, 1]] }"
    );
    let (p, f) = passing_finding(&r, "p");
    let steps: String = f
        .finding
        .explanation
        .steps
        .iter()
        .map(|s| nnkey::render::step_parts(s, &p.problem.ring).0)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(steps.contains("The one-sided derivatives along the coordinate axes still exist"), "{steps}");
    assert!(f.crosscheck.method.contains("one-sided finite differences"), "{}", f.crosscheck.method);
}

#[test]
fn keys_at_a_kink_of_several_inputs_state_the_one_sided_derivatives() {
    let base = "problem q
  g = network (x: 2) { dense [[1, -1], [-1, 1]] + [0, 0]; relu; dense [[1, 1]] }
  find bent = linear piece of g at x = [1, 1]
  expect bent = KEY
";
    let status = |key: &str| statuses(&check(&base.replace("KEY", key))).remove(0);
    assert_eq!(status("{ gradient: undefined, forward: [1, 1], backward: [-1, -1] }"), Status::Pass);
    assert_eq!(status("{ backward: [-1, -1], gradient: undefined, forward: [2/2, 1] }"), Status::Pass);
    // The key of old, without the one-sided derivatives, fails and says
    // what is missing.
    let Status::Fail(why) = status("{ gradient: undefined }") else { panic!("a key without `forward` passed") };
    assert!(why.contains("the key has no field `forward`"), "{why}");
    assert!(why.contains("forward: [1, 1], backward: [-1, -1]"), "{why}");
    for wrong in [
        "{ gradient: undefined, forward: [1, 1], backward: [1, 1] }",
        "{ gradient: undefined, forward: [1, -1], backward: [-1, -1] }",
        "{ gradient: undefined, forward: [1, 1] }",
        "{ gradient: [1, 1], forward: [1, 1], backward: [-1, -1] }",
    ] {
        assert!(matches!(status(wrong), Status::Fail(_)), "{wrong} passed");
    }
}

#[test]
fn the_numeric_check_catches_wrong_one_sided_derivatives() {
    use nnkey::algebra::{Matrix, RatFunc};
    use nnkey::derive::Answer;
    use nnkey::derive::piece::PieceKind;
    use nnkey::model::Query;
    use nnkey::numeric::pieces::check_piece;
    let r =
        check("problem q\n  a = network (x: 2) { abs; dense [[1, 1]] }\n  find p = linear piece of a at x = [0, 0]\n");
    let pr = &r.problems[0];
    let Query::LinearPiece(q) = &pr.problem.finds[0].query else { panic!("a piece query") };
    let ring = &pr.problem.ring;
    let Answer::Piece(right) = &pr.findings[0].finding.answer else { panic!("a piece") };
    assert!(check_piece(q, right, ring, 1).passed);
    let column =
        |a: i64, b: i64| Matrix::column(vec![RatFunc::constant(Q::from_int(a)), RatFunc::constant(Q::from_int(b))]);
    let PieceKind::Bent { regions, .. } = &right.kind else { panic!("a kink") };
    for (forward, backward) in
        [(column(1, 1), column(1, 1)), (column(1, 0), column(-1, -1)), (column(-1, -1), column(1, 1))]
    {
        let mut wrong = right.clone();
        wrong.kind = PieceKind::Bent { regions: regions.clone(), forward, backward };
        assert!(!check_piece(q, &wrong, ring, 1).passed);
    }
}
