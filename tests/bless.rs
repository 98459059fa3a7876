//! `nnkey bless` writes answers into the file and nothing else.

mod common;

use common::{Sandbox, repo};

/// A file with comments, odd spacing and no keys.
const NO_KEYS: &str = concat!(
    "# Convolutions, without keys yet.\n",
    "problem q1 \"Stride 3\"   # trailing comment\n",
    "\tW = kernel 2x2 w\n",
    "  X = input 3x3 x\n",
    "  find A = matrix conv2d(W, stride: 3, padding: 1) on X   # the matrix\n",
    "\n",
    "  find s = shape conv2d(W, stride: 3, padding: 1) on X\n",
    "problem q3 \"Sub-pixel\"\n",
    "  X = input 2x2 x\n",
    "  C = kernel 4x1x1x1 c\n",
    "  T = kernel 1x1x2x2 t\n",
    "  find same = equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X",
);

/// Checks that `blessed` is `original` with whole new lines inserted, and
/// that each run of inserted lines is a key: it starts with `expect`.
fn only_keys_were_added(original: &str, blessed: &str) {
    let old: Vec<&str> = original.split_inclusive('\n').collect();
    let new: Vec<&str> = blessed.split_inclusive('\n').collect();
    let mut i = 0;
    let mut in_insert = false;
    for line in &new {
        // A line that ended the original file gains a line break when a
        // key is appended after it.
        let same = i < old.len() && (old[i] == *line || (i + 1 == old.len() && line.trim_end() == old[i]));
        if same {
            i += 1;
            in_insert = false;
        } else {
            assert!(in_insert || line.trim_start().starts_with("expect "), "unexpected new line {line:?}");
            in_insert = true;
        }
    }
    assert_eq!(i, old.len(), "every original line is still there, in order");
}

#[test]
fn bless_fills_missing_keys_and_then_check_passes() {
    let s = Sandbox::new();
    s.write("q.nnk", NO_KEYS);
    let before = s.run(&["check", "q.nnk"]);
    assert_eq!(before.code, 0);
    assert!(before.stdout.contains("0 passed, 0 failed, 3 missing"), "{}", before.stdout);

    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 key(s) written in 1 file(s)"), "{}", run.stdout);

    let after = s.run(&["check", "q.nnk"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    assert!(after.stdout.contains("3 passed, 0 failed, 0 missing"), "{}", after.stdout);

    // Every original byte is still there, in order, and only keys were added.
    let blessed = s.read("q.nnk");
    only_keys_were_added(NO_KEYS, &blessed);
    assert!(
        blessed.contains(
            "  find A = matrix conv2d(W, stride: 3, padding: 1) on X   # the matrix\n  expect A = [[w[1,1], 0,"
        )
    );
    assert!(blessed.contains("\n  expect s = (2, 2)\n"));
    assert!(blessed.contains("outputs: pixel_shuffle(2)"));
}

#[test]
fn bless_leaves_a_passing_file_byte_for_byte() {
    let s = Sandbox::new();
    let original = std::fs::read_to_string(repo().join("problems/ps3/q1.nnk")).unwrap();
    s.write("q1.nnk", &original);
    let modified_before = std::fs::metadata(s.path("q1.nnk")).unwrap().modified().unwrap();
    let run = s.run(&["bless", "q1.nnk"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("0 key(s) written"));
    assert_eq!(s.read("q1.nnk"), original);
    let modified_after = std::fs::metadata(s.path("q1.nnk")).unwrap().modified().unwrap();
    assert_eq!(modified_before, modified_after, "a passing file is not even rewritten");
}

#[test]
fn bless_replaces_only_the_failing_value() {
    let s = Sandbox::new();
    let text = "problem q1\n  W = kernel 2x2 w\n  X = input 3x3 x\n  find s = shape conv2d(W) on X\n  expect s = (3, 3)   # wrong on purpose\n  find t = shape conv2d(W, padding: 1) on X\n  expect t = (4.0, 4)\n";
    s.write("q.nnk", text);
    assert_eq!(s.run(&["check", "q.nnk"]).code, 1);
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("blessed q.nnk q1 s (was fail)"), "{}", run.stdout);
    // The wrong value is replaced; the comment and the passing key, written
    // with a decimal, are untouched.
    assert_eq!(s.read("q.nnk"), text.replace("expect s = (3, 3)", "expect s = (2, 2)"));
}

#[test]
fn bless_refuses_a_file_with_errors() {
    let s = Sandbox::new();
    let text = "problem q1\n  W = kernel 2x2 w\n  X = input 3x3 x\n  find s = shape conv2d(W) on X\n  find t = shape conv2d(Q) on X\n";
    s.write("q.nnk", text);
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown name `Q`"));
    assert!(run.stderr.contains("not touched: the file has errors"), "{}", run.stderr);
    assert_eq!(s.read("q.nnk"), text);
}

#[test]
fn bless_keeps_crlf_line_endings() {
    let s = Sandbox::new();
    let text = "problem q1\r\n  W = kernel 2x2 w\r\n  X = input 3x3 x\r\n  find A = matrix conv2d(W, stride: 3, padding: 1) on X\r\n  find s = shape conv2d(W) on X\r\n";
    s.write("q.nnk", text);
    assert_eq!(s.run(&["bless", "q.nnk"]).code, 0);
    let blessed = s.read("q.nnk");
    assert!(!blessed.replace("\r\n", "").contains('\n'), "every line break is CRLF:\n{blessed:?}");
    assert!(blessed.starts_with("problem q1\r\n  W = kernel 2x2 w\r\n"));
    assert_eq!(s.run(&["check", "q.nnk"]).code, 0);
}

#[test]
fn blessed_keys_round_trip_through_bless_again() {
    let s = Sandbox::new();
    s.write("q.nnk", NO_KEYS);
    s.run(&["bless", "q.nnk"]);
    let once = s.read("q.nnk");
    let run = s.run(&["bless", "q.nnk"]);
    assert!(run.stdout.contains("0 key(s) written"));
    assert_eq!(s.read("q.nnk"), once);
}

#[test]
fn no_temporary_file_is_left_behind() {
    let s = Sandbox::new();
    s.write("q.nnk", NO_KEYS);
    s.run(&["bless", "q.nnk"]);
    let names: Vec<String> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["q.nnk".to_string()]);
}

#[test]
fn bless_does_not_write_a_key_too_large_to_print() {
    // An affine map of a 32×32 input: 26 508 nonzero weights in a record.
    // The documents describe it instead of printing it, and bless, under
    // the same limits, leaves the file as it was.
    let s = Sandbox::new();
    let text = "problem big\n  W = kernel 3x1x3x3 w\n  X = input 1x32x32 x\n  find F = affine conv2d(W, padding: 1) on X\n  find s = shape conv2d(W, padding: 1) on X\n";
    s.write("q.nnk", text);
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("big F: not written, because it is a 3072×1024 matrix"), "{}", run.stdout);
    assert!(run.stdout.contains("blessed q.nnk big s (was missing)"), "{}", run.stdout);
    let blessed = s.read("q.nnk");
    assert!(blessed.len() < 2 * text.len(), "{} bytes written", blessed.len());
    assert!(!blessed.contains("expect F"));
    // The text key says the same thing the file would not hold.
    let solve = s.run(&["solve", "q.nnk"]);
    assert!(solve.stdout.contains("F is a 3072×1024 matrix with"), "{}", solve.stdout);
}

/// A problem with one missing key (`s`) and one failing key (`t`).
const ONE_WRONG: &str =
    "problem q1\n  W = kernel 2x2 w\n  X = input 3x3 x\n  find s = shape conv2d(W) on X\n  expect s = (3, 3)\n";

#[test]
fn bless_exits_1_when_a_failing_key_cannot_be_written() {
    // A wrong key for a value too large to write: bless leaves it, says so
    // on stderr, and the run does not succeed.
    let s = Sandbox::new();
    let text = "problem big\n  W = kernel 3x1x3x3 w\n  X = input 1x32x32 x\n  find F = affine conv2d(W, padding: 1) on X\n  expect F = {W: [[1]], b: [0]}\n  find s = shape conv2d(W, padding: 1) on X\n";
    s.write("q.nnk", text);
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error: q.nnk: big F: not written, because it is a 3072×1024 matrix"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("blessed q.nnk big s (was missing)"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_symlinked_key_file_is_written_through_and_the_link_stays() {
    let s = Sandbox::new();
    s.write("real/q.nnk", ONE_WRONG);
    std::os::unix::fs::symlink("real/q.nnk", s.path("link.nnk")).unwrap();
    let run = s.run(&["bless", "link.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(std::fs::symlink_metadata(s.path("link.nnk")).unwrap().file_type().is_symlink());
    assert_eq!(s.read("real/q.nnk"), ONE_WRONG.replace("(3, 3)", "(2, 2)"));
    let names: Vec<_> = std::fs::read_dir(s.path("real")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("q.nnk")], "no temporary file is left");
}

#[cfg(unix)]
#[test]
fn bless_refuses_a_read_only_file_and_leaves_it() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    let p = s.write("q.nnk", ONE_WRONG);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("error: cannot write q.nnk: the file is read-only"), "{}", run.stderr);
    assert!(!run.stdout.contains("error"), "errors go to stderr: {}", run.stdout);
    assert_eq!(s.read("q.nnk"), ONE_WRONG);
    assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o444);
}

#[cfg(unix)]
#[test]
fn bless_refuses_a_file_with_several_hard_links() {
    let s = Sandbox::new();
    let p = s.write("q.nnk", ONE_WRONG);
    std::fs::hard_link(&p, s.path("other.nnk")).unwrap();
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the file has 2 hard links"), "{}", run.stderr);
    assert_eq!(s.read("q.nnk"), ONE_WRONG);
    assert_eq!(s.read("other.nnk"), ONE_WRONG);
}

#[cfg(unix)]
#[test]
fn bless_keeps_the_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    for mode in [0o640, 0o755, 0o600] {
        let s = Sandbox::new();
        let p = s.write("q.nnk", ONE_WRONG);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        let run = s.run(&["bless", "q.nnk"]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(s.read("q.nnk"), ONE_WRONG.replace("(3, 3)", "(2, 2)"));
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777, mode);
    }
}

#[test]
fn a_file_edited_since_it_was_read_is_not_overwritten() {
    let s = Sandbox::new();
    let p = s.write("q.nnk", "edited by someone else\n");
    let err = nnkey::bless::replace_file(&p, ONE_WRONG.as_bytes(), b"what bless would write\n").unwrap_err();
    assert!(err.contains("changed since nnkey read it"), "{err}");
    assert_eq!(s.read("q.nnk"), "edited by someone else\n");
    let names: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
}

#[cfg(unix)]
#[test]
fn a_link_planted_beside_the_file_does_not_redirect_the_write() {
    // The temporary name used to be `.NAME.nnkey-PID.tmp`: a link planted
    // there sent the write (and the chmod) to its target.
    let s = Sandbox::new();
    let p = s.write("q.nnk", ONE_WRONG);
    let victim = s.write("victim.txt", "precious\n");
    std::os::unix::fs::symlink(&victim, s.path(&format!(".q.nnk.nnkey-{}.tmp", std::process::id()))).unwrap();
    nnkey::bless::replace_file(&p, ONE_WRONG.as_bytes(), b"new text\n").unwrap();
    assert_eq!(s.read("victim.txt"), "precious\n");
    assert_eq!(s.read("q.nnk"), "new text\n");
}

#[cfg(unix)]
#[test]
fn bless_keeps_the_owner_where_it_may() {
    use std::os::unix::fs::MetadataExt;
    let s = Sandbox::new();
    let p = s.write("q.nnk", ONE_WRONG);
    // Only root may give a file away; elsewhere there is nothing to keep.
    if std::os::unix::fs::chown(&p, Some(4321), Some(4321)).is_err() {
        eprintln!("skipped: cannot change a file's owner here (not root)");
        return;
    }
    let run = s.run(&["bless", "q.nnk"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(s.read("q.nnk"), ONE_WRONG.replace("(3, 3)", "(2, 2)"));
    let meta = std::fs::metadata(&p).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
}
