//! The course workflow end to end: shared declarations and includes,
//! `--only`, `bless --dry-run` and `--missing-only`, drawn parameters, and
//! `nnkey variants`.

mod common;

use std::path::Path;

use common::{Sandbox, repo, run_in};

const COMMON: &str = r#"# The network of problems 3.1 and 3.2.
h = network (x: 1) {
  dense [[0.5], [0.5]] + [0, 1]
  relu
  dense [[1, 1]] + 1
}
"#;

const USES: &str = r#"include "common.nnk"
eta = 1/10

problem 3.1 "The piece at 1"
  show h
  find piece = linear piece of h at x = 1
  expect piece = { W: 1, b: 2, gradient: 1 }

problem 3.2 "Every piece"
  show h
  find all = pieces of h
  expect all = { breakpoints: [-2, 0], pieces: [1, x/2 + 2, x + 2] }
  find step = linear piece of h at x = eta
  expect step = { W: 1, b: 2, gradient: 1 }
"#;

#[test]
fn shared_declarations_and_includes_reach_every_problem() {
    let s = Sandbox::new();
    s.write("common.nnk", COMMON);
    s.write("uses.nnk", USES);
    let run = s.run(&["check", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("uses.nnk 3.1 piece ... ok"), "{}", run.stdout);
    assert!(run.stdout.contains("uses.nnk 3.2 step ... ok"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("3 passed, 0 failed, 0 missing"), "{}", run.stdout);
    // The sheet shows the shared network in the first problem that shows
    // it, and refers to it in the next.
    let run = s.run(&["sheet", "uses.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("dense: W1 = [1/2, 1/2], b1 = [0, 1]"), "{}", run.stdout);
    assert!(run.stdout.contains("h is as in problem 3.1."), "{}", run.stdout);
}

#[test]
fn a_file_level_declaration_in_the_same_file_is_shared() {
    let s = Sandbox::new();
    s.write("one.nnk", &format!("{COMMON}\n{}", USES.replace("include \"common.nnk\"\n", "")));
    let run = s.run(&["check", "one.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn an_error_in_an_included_file_is_shown_in_that_file() {
    let s = Sandbox::new();
    s.write("common.nnk", "h = network (x: 1) {\n  dense [[1, 2]]\n  relu\n  dense [[1]]\n}\n");
    s.write("uses.nnk", USES);
    let run = s.run(&["check", "uses.nnk"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("common.nnk:"), "{}", run.stderr);
    assert!(!run.stderr.contains("uses.nnk:2:"), "{}", run.stderr);
}

#[test]
fn include_cycles_are_errors_with_the_chain() {
    let s = Sandbox::new();
    s.write("a.nnk", "include \"b.nnk\"\nproblem a\n  find n = threshold functions of 2 inputs\n  expect n = 14\n");
    s.write("b.nnk", "include \"sub/c.nnk\"\n");
    s.write("sub/c.nnk", "include \"../a.nnk\"\n");
    let run = s.run(&["check", "a.nnk"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("error: include cycle: a.nnk → ./b.nnk → ./sub/c.nnk → ./sub/../a.nnk"),
        "{}",
        run.stderr
    );
    // At the include that closes the cycle, in the file that holds it.
    assert!(run.stderr.contains("--> ./sub/c.nnk:1:9"), "{}", run.stderr);
    assert!(run.stderr.contains("./sub/c.nnk is included here (./b.nnk:1:9)"), "{}", run.stderr);
}

#[test]
fn a_file_including_itself_is_a_cycle() {
    let s = Sandbox::new();
    s.write("a.nnk", "include \"a.nnk\"\nproblem a\n");
    let run = s.run(&["check", "a.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("include cycle"), "{}", run.stderr);
    assert!(run.stderr.contains("a.nnk:1:9"), "{}", run.stderr);
}

#[test]
fn a_missing_include_is_an_error_at_its_span() {
    let s = Sandbox::new();
    s.write("a.nnk", "x = 1\ninclude \"nothere.nnk\"\nproblem a\n");
    let run = s.run(&["check", "a.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: cannot include `nothere.nnk`: no such file"), "{}", run.stderr);
    assert!(run.stderr.contains("--> a.nnk:2:9"), "{}", run.stderr);
}

#[test]
fn an_include_may_not_leave_the_folder_given() {
    let s = Sandbox::new();
    s.write("common.nnk", COMMON);
    s.write("sub/uses.nnk", &USES.replace("\"common.nnk\"", "\"../common.nnk\""));
    // Given the folder `sub`, the include leaves it.
    let run = s.run(&["check", "sub"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("`../common.nnk` is outside"), "{}", run.stderr);
    assert!(run.stderr.contains("sub/uses.nnk:1:9"), "{}", run.stderr);
    // Given the folder above, it stays inside.
    let run = s.run(&["check", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A path that does not exist but would leave is refused for leaving.
    s.write("sub/far.nnk", "include \"../../../../etc/x.nnk\"\n");
    let run = s.run(&["check", "sub/far.nnk"]);
    assert!(run.stderr.contains("is outside"), "{}", run.stderr);
}

#[test]
fn only_runs_one_problem_on_every_command() {
    let s = Sandbox::new();
    s.write("common.nnk", COMMON);
    s.write("uses.nnk", USES);
    let run = s.run(&["check", "uses.nnk", "--only", "3.2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("3.1"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("2 passed, 0 failed, 0 missing"), "{}", run.stdout);
    for cmd in [&["solve", "uses.nnk"][..], &["sheet", "uses.nnk"], &["bless", "uses.nnk"]] {
        let mut args = cmd.to_vec();
        args.extend(["--only", "3.1"]);
        let run = s.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains("3.2"), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn only_with_an_id_no_problem_has_names_the_ids() {
    let s = Sandbox::new();
    s.write("common.nnk", COMMON);
    s.write("uses.nnk", USES);
    for cmd in ["check", "solve", "sheet", "bless"] {
        let run = s.run(&[cmd, ".", "--only", "3.3"]);
        assert_eq!(run.code, 2, "{cmd}: {}", run.stdout);
        assert!(
            run.stderr.contains("error: no problem `3.3`: the problems are `3.1`, `3.2`; did you mean `3.1`?"),
            "{cmd}: {}",
            run.stderr
        );
    }
}

#[test]
fn deny_missing_makes_a_folder_without_problems_an_error() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path("empty")).unwrap();
    assert_eq!(s.run(&["check", "empty"]).code, 0);
    let run = s.run(&["check", "empty", "--deny-missing"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: empty holds no .nnk file"), "{}", run.stderr);
}

const TWO_KEYS: &str = r#"problem q4
  AND = truth table (x1, x2) { 00: 0, 01: 0, 10: 0, 11: 1 }
  find count = threshold functions of 2 inputs
  expect count = 15
  find and = threshold neuron for AND
"#;

#[test]
fn bless_dry_run_prints_a_unified_diff_and_changes_nothing() {
    let s = Sandbox::new();
    s.write("q4.nnk", TWO_KEYS);
    let run = s.run(&["bless", "--dry-run", "q4.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(s.read("q4.nnk"), TWO_KEYS, "a dry run writes nothing");
    let diff = &run.stdout;
    assert!(diff.starts_with("--- a/q4.nnk\n+++ b/q4.nnk\n@@ -1,5 +1,6 @@\n"), "{diff}");
    assert!(diff.contains("\n-  expect count = 15\n+  expect count = 14\n"), "{diff}");
    assert!(
        diff.contains("\n   find and = threshold neuron for AND\n+  expect and = { w: [1, 1], b: -2 }\n"),
        "{diff}"
    );
    assert!(run.stderr.contains("would bless q4.nnk q4 count (was fail)"), "{}", run.stderr);
    // The diff applies: bless itself writes exactly that.
    let run = s.run(&["bless", "q4.nnk"]);
    assert_eq!(run.code, 0);
    let again = s.run(&["bless", "--dry-run", "q4.nnk"]);
    assert_eq!(again.stdout, "", "nothing left to change");
}

#[test]
fn bless_missing_only_never_overwrites_a_failing_key() {
    let s = Sandbox::new();
    s.write("q4.nnk", TWO_KEYS);
    let run = s.run(&["bless", "--missing-only", "q4.nnk"]);
    // The failing key still fails: exit 1, and it says why on stderr.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("q4 count: not written, because --missing-only leaves failing keys"), "{}", run.stderr);
    let text = s.read("q4.nnk");
    assert!(text.contains("expect count = 15"), "{text}");
    assert!(text.contains("expect and = { w: [1, 1], b: -2 }"), "{text}");
}

const DRAWN: &str = r#"problem d1 "A drawn piece"
  draw a = integer in 1..3
  draw c = rational in -1..1 step 1/2
  h = network (x: 1) {
    dense [[a], [a]] + [0, 1]
    relu
    dense [[1, 1]] + c
  }
  draw p = point 1 from 1..3 where not on a kink of h
  find piece = linear piece of h at x = p
  expect piece = { W: 2*a, b: 1 + c, gradient: 2*a }
"#;

#[test]
fn drawn_keys_are_checked_on_every_seeded_draw() {
    let s = Sandbox::new();
    s.write("d.nnk", DRAWN);
    let run = s.run(&["check", "d.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A key right for some draws only fails, naming a draw it fails on.
    s.write("d.nnk", &DRAWN.replace("b: 1 + c", "b: 1"));
    let run = s.run(&["check", "d.nnk"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("with the draw of seed"), "{}", run.stdout);
    assert!(run.stdout.contains("c = "), "{}", run.stdout);
    // bless leaves the keys of a drawn problem to the author.
    let run = s.run(&["bless", "d.nnk"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("its problem draws its values"), "{}", run.stderr);
}

#[test]
fn check_seed_checks_the_one_draw_a_seed_picks() {
    let s = Sandbox::new();
    // A key that holds only when c = 0.
    s.write("d.nnk", &DRAWN.replace("b: 1 + c", "b: 1"));
    let passes: Vec<u64> = (0..40).filter(|k| s.run(&["check", "d.nnk", "--seed", &k.to_string()]).code == 0).collect();
    // c takes one of 5 values; some seeds draw c = 0, most do not.
    assert!(!passes.is_empty() && passes.len() < 40, "{passes:?}");
    // The same seed, the same verdict; a variant id changes the draw.
    let k = passes[0].to_string();
    assert_eq!(s.run(&["check", "d.nnk", "--seed", &k]).code, 0);
    let ids: Vec<i32> =
        (0..20).map(|v| s.run(&["check", "d.nnk", "--seed", &k, "--variant", &v.to_string()]).code).collect();
    assert!(ids.contains(&1), "{ids:?}");
}

#[test]
fn an_unsatisfiable_condition_is_an_error_at_the_condition() {
    let s = Sandbox::new();
    s.write("d.nnk", "problem d\n  draw X = matrix 3x2 from -1..1 where full row rank\n");
    let run = s.run(&["check", "d.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: no draw satisfies `full row rank` in 1000 tries"), "{}", run.stderr);
    assert!(run.stderr.contains("--> d.nnk:2:40"), "{}", run.stderr);
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn variants_are_reproducible_distinct_and_check() {
    let s = Sandbox::new();
    // The drawn problems and one file without draws, which is copied as it is.
    for name in ["q1", "q4", "q6", "q12"] {
        let text = std::fs::read_to_string(repo().join(format!("problems/variants/{name}.nnk"))).unwrap();
        s.write(&format!("bank/variants/{name}.nnk"), &text);
    }
    s.write("bank/ps3/q12.nnk", &std::fs::read_to_string(repo().join("problems/ps3/q12.nnk")).unwrap());
    let problems = s.path("bank");
    let problems = problems.to_str().unwrap();
    let out = |name: &str| s.path(name).to_string_lossy().into_owned();
    // On one thread and on two: the same folders.
    for (name, jobs) in [("a", "1"), ("b", "2")] {
        let run = s.run(&["--jobs", jobs, "variants", problems, "--seed", "7", "--count", "3", "--out", &out(name)]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("variant 3 in"), "{}", run.stdout);
    }
    let (a, b) = (tree(&s.path("a")), tree(&s.path("b")));
    assert_eq!(a, b, "the same seed gives the same folders");
    let v = |k: &str, f: &str| std::fs::read_to_string(s.path("a").join(k).join(f)).unwrap();
    for f in ["variants/q1.nnk", "variants/q12.nnk"] {
        assert!(v("1", f) != v("2", f) && v("2", f) != v("3", f) && v("1", f) != v("3", f), "{f}");
    }
    for k in ["1", "2", "3"] {
        let dir = s.path("a").join(k);
        let text = v(k, "variants/q6.nnk");
        assert!(!text.contains("draw "), "drawn values are written in:\n{text}");
        assert!(text.contains("expect slope = { W: "), "{text}");
        assert!(!text.contains("2*a"), "keys are values:\n{text}");
        // The neuron key left missing in the bank is written in.
        assert!(v(k, "variants/q4.nnk").contains("expect s = { w: "), "{}", v(k, "variants/q4.nnk"));
        // The files without draws are copied as they are.
        assert_eq!(v(k, "ps3/q12.nnk"), std::fs::read_to_string(repo().join("problems/ps3/q12.nnk")).unwrap());
        assert!(v(k, "sheet.md").contains("## Problem v6"), "a sheet");
        assert!(
            v(k, "solutions.md").contains("## Problem v6") && v(k, "solutions.md").contains("\\mathrm{gradient}"),
            "solutions"
        );
        let run = run_in(&dir, &["check", "."]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.trim_end().ends_with("0 failed, 0 missing"), "{}", run.stdout);
    }
}

#[test]
fn variants_follow_a_roster_and_one_student_keeps_their_variant() {
    let s = Sandbox::new();
    s.write("bank/d.nnk", DRAWN);
    s.write("roster.txt", "# section 1\nada\nbob\n\ncy\n");
    let run = s.run(&["variants", "bank", "--seed", "3", "--roster", "roster.txt", "--out", "out"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for id in ["ada", "bob", "cy"] {
        assert!(s.path("out").join(id).join("d.nnk").is_file(), "{id}");
    }
    // A roster of one student gives that student the same variant.
    s.write("one.txt", "bob\n");
    let run = s.run(&["variants", "bank", "--seed", "3", "--roster", "one.txt", "--out", "again"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(s.read("out/bob/d.nnk"), s.read("again/bob/d.nnk"));
    // The drawn values are those `check --seed 3 --variant bob` checks.
    let run = s.run(&["check", "bank/d.nnk", "--seed", "3", "--variant", "bob", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_bad_roster_names_its_line() {
    let s = Sandbox::new();
    s.write("bank/d.nnk", DRAWN);
    s.write("roster.txt", "ada\nbob\nada\n");
    let run = s.run(&["variants", "bank", "--seed", "3", "--roster", "roster.txt", "--out", "out"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("roster.txt:3: `ada` is listed twice"), "{}", run.stderr);
    s.write("roster.txt", "ada\n../evil\n");
    let run = s.run(&["variants", "bank", "--seed", "3", "--roster", "roster.txt", "--out", "out"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("roster.txt:2: `../evil` is not a student id"), "{}", run.stderr);
    assert!(!s.path("evil").exists() && !s.path("out").exists());
}

#[test]
fn variants_of_a_bank_that_does_not_check_are_refused() {
    let s = Sandbox::new();
    s.write("bank/d.nnk", &DRAWN.replace("b: 1 + c", "b: 1"));
    let run = s.run(&["variants", "bank", "--seed", "1", "--count", "5", "--out", "out"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("has failing keys: d1 piece"), "{}", run.stderr);
}

#[test]
fn variants_only_writes_the_files_of_one_problem_and_not_into_the_bank() {
    let s = Sandbox::new();
    s.write("bank/d.nnk", DRAWN);
    s.write("bank/e.nnk", &DRAWN.replace("problem d1", "problem e1"));
    let run = s.run(&["variants", "bank", "--seed", "1", "--count", "1", "--out", "out", "--only", "e1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(s.path("out/1/e.nnk").is_file() && !s.path("out/1/d.nnk").exists());
    let run = s.run(&["variants", "bank", "--seed", "1", "--count", "1", "--out", "out", "--only", "f1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no problem `f1`"), "{}", run.stderr);
    let run = s.run(&["variants", "bank", "--seed", "1", "--count", "1", "--out", "bank/out"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is inside bank"), "{}", run.stderr);
}

#[test]
fn json_places_a_diagnostic_in_the_included_file() {
    let s = Sandbox::new();
    s.write("common.nnk", "\n\nh = kernel 0x2 w\n");
    s.write("uses.nnk", "include \"common.nnk\"\nproblem q\n");
    let run = s.run(&["check", "uses.nnk", "--format", "json"]);
    assert_eq!(run.code, 2);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["file"], "./common.nnk", "{d}");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(12)), "{d}");
}
