//! The `nnkey` binary end to end: exit codes, output formats, and the
//! shipped problem set.

mod common;

use common::{Sandbox, repo, run_in};

const Q1: &str = r#"problem q1 "Stride-3 convolution"
  W = kernel 2x2 w
  X = input 3x3 x
  find A = matrix conv2d(W, stride: 3, padding: 1) on X
  expect A = [[w[1,1], 0, 0, 0, 0, 0, 0, 0, 0],
              [0, 0, w[1,0], 0, 0, 0, 0, 0, 0],
              [0, 0, 0, 0, 0, 0, w[0,1], 0, 0],
              [0, 0, 0, 0, 0, 0, 0, 0, w[0,0]]]
"#;

#[test]
fn shipped_problems_all_pass() {
    let run = run_in(&repo(), &["check", "problems/"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let last = run.stdout.lines().last().unwrap();
    assert!(last.ends_with("0 failed, 1 missing"), "{last}");
    assert!(!last.starts_with("0 passed"), "{last}");
    // The one missing key is in the variants (a neuron for a drawn table),
    // left for `nnkey variants` to write; every key of ps3 is there.
    assert!(run.stdout.contains("problems/variants/q4.nnk v4 s ... missing"), "{}", run.stdout);
    assert!(
        run.stdout.lines().filter(|l| l.contains("problems/ps3/")).all(|l| l.ends_with("... ok")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("problems/ps3/q20.nnk"), "{}", run.stdout);
}

#[test]
fn a_wrong_key_fails_with_exit_1_and_says_where() {
    let s = Sandbox::new();
    s.write("q1.nnk", &Q1.replace("[0, 0, w[1,0], 0,", "[0, 0, w[0,1], 0,"));
    let run = s.run(&["check", "q1.nnk"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("q1 A ... FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("entry (1, 2): the key says w[0,1], nnkey derives w[1,0]"), "{}", run.stdout);
    assert!(run.stdout.contains("q1.nnk:5:3"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("0 passed, 1 failed, 0 missing"));
}

#[test]
fn keys_are_compared_by_meaning() {
    let s = Sandbox::new();
    let text = Q1.replace("w[1,1], 0, 0, 0, 0, 0, 0, 0, 0]", "w[1,1] + 0.5 - 1/2, 0*x, 0, 0, 0, 0, 0, 0, 0]");
    s.write("q1.nnk", &text);
    let run = s.run(&["check", "q1.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_syntax_error_exits_2_with_a_rustc_style_diagnostic() {
    let s = Sandbox::new();
    s.write("bad.nnk", "problem q1\n  W = kernel 2xw\n");
    let run = s.run(&["check", "bad.nnk"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: expected a number, found `w`\n \
         --> bad.nnk:2:16\n  \
         |\n\
         2 |   W = kernel 2xw\n  \
         |                ^ expected a number\n  \
         |\n  \
         = hint: shapes look like `2x2`, `3x64x64` or `4x1x1x1`\n\n"
    );
}

#[test]
fn missing_keys_pass_with_exit_0_and_are_counted() {
    let s = Sandbox::new();
    let text: String = Q1.lines().take(4).collect::<Vec<_>>().join("\n");
    s.write("q1.nnk", &text);
    let run = s.run(&["check", "q1.nnk"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("q1 A ... missing"));
    assert!(run.stdout.trim_end().ends_with("0 passed, 0 failed, 1 missing"));
}

#[test]
fn directories_are_searched_for_nnk_files_only() {
    let s = Sandbox::new();
    s.write("set/a/q1.nnk", Q1);
    s.write("set/notes.txt", "not a problem file");
    let run = s.run(&["check", "set"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 passed"));
}

#[test]
fn a_missing_path_is_bad_input() {
    let s = Sandbox::new();
    let run = s.run(&["check", "nowhere.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read nowhere.nnk"), "{}", run.stderr);
}

#[test]
fn json_output_follows_the_contract() {
    let s = Sandbox::new();
    s.write("q1.nnk", Q1);
    let run = s.run(&["solve", "--format", "json", "q1.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let f = &v["files"][0]["problems"][0]["findings"][0];
    assert_eq!(f["name"], "A");
    assert_eq!(f["kind"], "matrix");
    assert_eq!(f["value"]["rows"], 4);
    assert_eq!(f["value"]["cols"], 9);
    assert_eq!(f["value"]["entries"][1][2], "w[1,0]");
    assert_eq!(f["crosscheck"]["passed"], true);
    assert_eq!(f["crosscheck"]["trials"], 3);
    assert_eq!(f["expect"]["status"], "pass");
    assert!(f["derivation"].as_array().unwrap().len() >= 4);
    assert!(f["latex"].as_str().unwrap().starts_with("\\begin{bmatrix}"));
    assert_eq!(v["summary"]["passed"], 1);
    assert_eq!(v["files"][0]["problems"][0]["id"], "q1");
}

#[test]
fn latex_output_is_balanced_and_uses_bmatrix() {
    let run = run_in(&repo(), &["solve", "--format", "latex", "problems/ps3/q3.nnk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tex = run.stdout;
    assert!(tex.contains("\\begin{bmatrix}"));
    assert_eq!(tex.matches("\\begin{").count(), tex.matches("\\end{").count());
    let mut depth = 0i64;
    let mut prev = ' ';
    for c in tex.chars() {
        if prev != '\\' {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        assert!(depth >= 0, "unbalanced braces");
        prev = if prev == '\\' && c == '\\' { ' ' } else { c };
    }
    assert_eq!(depth, 0);
    assert_eq!(tex.matches("\\[").count(), tex.matches("\\]").count());
    // 16-column matrices need amsmath's column limit raised.
    assert!(tex.contains("\\setcounter{MaxMatrixCols}"));
}

#[test]
fn markdown_output_has_sections_and_display_math() {
    let run = run_in(&repo(), &["solve", "--format", "markdown", "problems/ps3/q1.nnk"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("## Problem q1"));
    assert!(run.stdout.contains("$$\nA = \\begin{bmatrix}"));
}

#[test]
fn color_only_when_asked() {
    let s = Sandbox::new();
    s.write("q1.nnk", Q1);
    let plain = s.run(&["check", "q1.nnk"]);
    assert!(!plain.stdout.contains('\x1b'));
    let colored = s.run(&["--color", "always", "check", "q1.nnk"]);
    assert!(colored.stdout.contains("\x1b[32mok"));
}

#[test]
fn the_same_file_named_twice_is_checked_once() {
    let s = Sandbox::new();
    s.write("q1.nnk", Q1);
    let run = s.run(&["check", "q1.nnk", "./q1.nnk", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.trim_end().ends_with("1 passed, 0 failed, 0 missing"), "{}", run.stdout);
}

#[test]
fn a_directory_without_problem_files_is_a_warning_or_with_deny_missing_an_error() {
    let s = Sandbox::new();
    s.write("empty/notes.txt", "no problems here");
    let run = s.run(&["check", "empty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning: empty holds no .nnk file"), "{}", run.stderr);
    let run = s.run(&["--deny-missing", "check", "empty"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: empty holds no .nnk file"), "{}", run.stderr);
    let run = s.run(&["solve", "empty", "--deny-missing"]);
    assert_eq!(run.code, 2);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_ends_and_each_file_is_checked_once() {
    let s = Sandbox::new();
    s.write("set/a/q1.nnk", Q1);
    std::os::unix::fs::symlink(".", s.path("set/a/s")).unwrap();
    std::os::unix::fs::symlink("..", s.path("set/a/up")).unwrap();
    std::os::unix::fs::symlink("a", s.path("set/b")).unwrap();
    let run = s.run(&["check", "set"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.trim_end().ends_with("1 passed, 0 failed, 0 missing"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_directory_walk_does_not_follow_links_out_of_the_tree() {
    let s = Sandbox::new();
    s.write("set/q1.nnk", Q1);
    // Outside the tree: a file whose key fails.
    s.write("outside/bad.nnk", &Q1.replace("[0, 0, w[1,0], 0,", "[0, 0, w[0,1], 0,"));
    std::os::unix::fs::symlink("../outside", s.path("set/out")).unwrap();
    std::os::unix::fs::symlink("../outside/bad.nnk", s.path("set/bad.nnk")).unwrap();
    let run = s.run(&["check", "set"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.trim_end().ends_with("1 passed, 0 failed, 0 missing"), "{}", run.stdout);
    assert!(run.stderr.contains("note: skipped set/out: a symbolic link out of"), "{}", run.stderr);
    assert!(run.stderr.contains("note: skipped set/bad.nnk: a symbolic link out of"), "{}", run.stderr);
    // Named on the command line, a link is followed.
    assert_eq!(s.run(&["check", "set/bad.nnk"]).code, 1);
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_directory_is_skipped_with_a_note() {
    let s = Sandbox::new();
    s.write("set/q1.nnk", Q1);
    let made = std::process::Command::new("mkfifo").arg(s.path("set/pipe.nnk")).status();
    if !made.is_ok_and(|st| st.success()) {
        eprintln!("skipped: no working `mkfifo` on this machine");
        return;
    }
    // Without the skip, reading the FIFO blocks forever: nothing writes it.
    let run = s.run(&["check", "set"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("note: skipped set/pipe.nnk: a FIFO, not a problem file"), "{}", run.stderr);
    assert!(run.stdout.contains("1 passed"), "{}", run.stdout);
}

#[test]
fn an_endless_file_is_refused_at_the_size_limit() {
    if !std::path::Path::new("/dev/zero").exists() {
        eprintln!("skipped: no /dev/zero");
        return;
    }
    let s = Sandbox::new();
    let run = s.run(&["check", "/dev/zero"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("larger than the limit of 8388608 bytes (MAX_FILE_BYTES)"), "{}", run.stderr);
}

#[test]
fn a_full_disk_on_stdout_exits_2() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full");
        return;
    };
    let s = Sandbox::new();
    s.write("q1.nnk", Q1);
    for args in [&["check", "q1.nnk"][..], &["solve", "q1.nnk"], &["sheet", "q1.nnk"], &["bless", "q1.nnk"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nnkey"))
            .args(args)
            .current_dir(s.dir.path())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("error: cannot write output"), "{args:?}: {stderr}");
    }
}

/// A problem file someone sent: escape sequences, a bell and a carriage
/// return in its title, question, answer and key.
const HOSTILE: &str = "problem q1 \"Evil \x1b[2J title\x07\"\n  \
    question = \"Prose \x1b]0;pwned\x07 here\rX\"\n  \
    W = kernel 2x2 w\n  X = input 3x3 x\n  \
    find size = shape conv2d(W, stride: 1) on X\n  \
    expect size = (2, 3)\n  \
    answer why = \"because \x1b[31mred\u{9b}\"\n";

/// No control character but line breaks and the colors nnkey itself adds.
fn no_raw_controls(out: &str) {
    let stripped = out.replace("\x1b[0m", "").replace("\x1b[1m", "").replace("\x1b[31m", "").replace("\x1b[32m", "");
    let stripped = stripped.replace("\x1b[33m", "").replace("\x1b[1;31m", "").replace("\x1b[1;34m", "");
    assert!(!stripped.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
}

#[test]
fn control_characters_from_a_file_are_escaped_in_text_output() {
    let s = Sandbox::new();
    s.write("evil.nnk", HOSTILE);
    let solve = s.run(&["solve", "evil.nnk"]);
    no_raw_controls(&solve.stdout);
    assert!(solve.stdout.contains("Problem q1: Evil \\x1b[2J title\\x07"), "{}", solve.stdout);
    assert!(solve.stdout.contains("Prose \\x1b]0;pwned\\x07 here\\rX"), "{}", solve.stdout);
    assert!(solve.stdout.contains("because \\x1b[31mred\\u{9b}"), "{}", solve.stdout);
    let colored = s.run(&["solve", "--color", "always", "evil.nnk"]);
    no_raw_controls(&colored.stdout);
    assert!(colored.stdout.contains("\x1b[1mProblem q1: Evil \\x1b[2J title\\x07"), "{}", colored.stdout);
    for level in ["answers", "solutions"] {
        no_raw_controls(&s.run(&["solve", "--level", level, "evil.nnk"]).stdout);
    }
    no_raw_controls(&s.run(&["sheet", "evil.nnk"]).stdout);
    // A file name with an escape in it, in check's lines and failures.
    let name = "ev\x1bil.nnk";
    s.write(name, HOSTILE);
    let check = s.run(&["check", "--color", "always", name]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    no_raw_controls(&check.stdout);
    assert!(check.stdout.contains("ev\\x1bil.nnk q1 size ... "), "{}", check.stdout);
    assert!(check.stdout.contains("(ev\\x1bil.nnk:6:3)"), "{}", check.stdout);
    // Diagnostics quote the line and the token escaped.
    s.write("bad.nnk", "problem q1 \"t\"\n  W = kernel 2x2 \x1b[2J\n");
    let bad = s.run(&["check", "bad.nnk"]);
    assert_eq!(bad.code, 2);
    no_raw_controls(&bad.stderr);
    assert!(bad.stderr.contains("found `\\x1b`"), "{}", bad.stderr);
    assert!(bad.stderr.contains("2 |   W = kernel 2x2 \\x1b[2J\n"), "{}", bad.stderr);
}

#[test]
fn documents_drop_or_escape_control_characters() {
    let s = Sandbox::new();
    s.write("evil.nnk", HOSTILE);
    let latex = s.run(&["solve", "--format", "latex", "evil.nnk"]).stdout;
    assert!(!latex.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{latex:?}");
    assert!(latex.contains("Problem q1: Evil [2J title}"), "{latex}");
    let html = s.run(&["solve", "--format", "html", "evil.nnk"]).stdout;
    assert!(!html.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{html:?}");
    let markdown = s.run(&["solve", "--format", "markdown", "evil.nnk"]).stdout;
    assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'), "{markdown:?}");
    let name = "ev\x1bil.nnk";
    s.write(name, HOSTILE);
    let markdown = s.run(&["solve", "--format", "markdown", name]).stdout;
    assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'), "{markdown:?}");
}

#[test]
fn bless_writes_each_key_with_the_line_ending_of_its_place() {
    let s = Sandbox::new();
    // Mostly LF, with CRLF lines: a key takes the ending of the `find` it
    // follows, not one chosen for the whole file.
    let text = "problem q1\n  W = kernel 2x2 w\r\n  X = input 3x3 x\n  \
                find A = matrix conv2d(W, stride: 3, padding: 1) on X\n  \
                find s = shape conv2d(W) on X\r\n";
    s.write("q.nnk", text);
    assert_eq!(s.run(&["bless", "q.nnk"]).code, 0);
    let blessed = s.read("q.nnk");
    let a = blessed.find("  expect A").unwrap();
    let a_end = blessed[a..].find("  find s").unwrap() + a;
    assert!(!blessed[a..a_end].contains('\r'), "the key after an LF line is LF:\n{blessed:?}");
    assert!(
        blessed.contains("on X\r\n  expect s = (1, 1)\r\n") || blessed.ends_with("on X\r\n  expect s = (2, 2)\r\n"),
    );
    assert!(blessed.starts_with("problem q1\n  W = kernel 2x2 w\r\n"), "{blessed:?}");
    assert_eq!(s.run(&["check", "q.nnk"]).code, 0);
    // A file of CRLF lines only gets CRLF keys.
    s.write("crlf.nnk", &text.replace("\r\n", "\n").replace('\n', "\r\n"));
    assert_eq!(s.run(&["bless", "crlf.nnk"]).code, 0);
    let blessed = s.read("crlf.nnk");
    assert!(blessed.contains("expect A"), "{blessed:?}");
    assert!(!blessed.replace("\r\n", "").contains('\n'), "{blessed:?}");
}

#[test]
fn a_derivation_past_its_time_budget_stops_with_an_error_that_says_how_far_it_got() {
    let s = Sandbox::new();
    s.write(
        "big.nnk",
        "problem p\n  X = matrix 5x6 x\n  y = vector 5 y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n",
    );
    let started = std::time::Instant::now();
    let run = s.run(&["--budget", "0.2", "check", "big.nnk"]);
    let took = started.elapsed();
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("passed its time budget of 0.2 s while"), "{}", run.stderr);
    assert!(run.stderr.contains("--budget SECONDS") && run.stderr.contains("smaller instance"), "{}", run.stderr);
    // Within the budget plus one step of the work (and the start-up).
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    // Piped stderr shows no progress line.
    assert!(!run.stderr.contains('\r'), "{:?}", run.stderr);
    let bad = s.run(&["--budget", "0", "check", "big.nnk"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("a number of seconds above 0"), "{}", bad.stderr);
}

#[test]
fn many_files_on_several_threads_print_the_same_bytes_as_on_one() {
    let s = Sandbox::new();
    // Files of every kind of work, quick and slow, twice over.
    let ps3 = repo().join("problems/ps3");
    let names: Vec<_> =
        ["q1", "q3", "q5", "q6", "q12", "q18", "q19", "pieces"].iter().map(|n| ps3.join(format!("{n}.nnk"))).collect();
    for copy in 0..2 {
        for p in &names {
            let text = std::fs::read_to_string(p).unwrap();
            s.write(&format!("bank/c{copy}-{}", p.file_name().unwrap().to_str().unwrap()), &text);
        }
    }
    // A file with an error and one with a failing key, among the others.
    s.write("bank/c1-zz-broken.nnk", "problem p\n  find w = limit of\n");
    s.write("bank/c2-q1.nnk", &Q1.replace("[0, 0, w[1,0], 0,", "[0, 0, w[0,1], 0,"));
    for args in [&["check", "bank"][..], &["solve", "--format", "json", "bank"], &["solve", "bank"]] {
        let one = s.run(&[&["--jobs", "1"][..], args].concat());
        let two = s.run(&[&["--jobs", "2"][..], args].concat());
        assert_eq!(one.code, two.code, "{args:?}");
        assert_eq!(one.stdout, two.stdout, "{args:?}");
        assert_eq!(one.stderr, two.stderr, "{args:?}");
        assert!(!one.stdout.is_empty());
    }
}
