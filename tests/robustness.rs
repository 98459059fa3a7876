//! No input makes nnkey panic: the shipped problem files, damaged at random
//! (characters deleted, inserted or swapped), still yield a report, and every
//! diagnostic points inside the text.

use nnkey::check::check_source;
use nnkey::language::SourceFile;
use proptest::prelude::*;

fn shipped() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/ps3");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nnk"))
        .collect();
    paths.sort();
    for p in paths {
        files.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
    }
    files
}

#[derive(Clone, Debug)]
enum Damage {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: &'static str },
    Swap { at: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    // No digits are inserted: a damaged size such as 2x2 -> 2x29999 would
    // ask for a legitimately huge derivation, which is not a robustness bug.
    let pieces = prop::sample::select(vec![
        "(", ")", "[", "]", "{", "}", ",", ":", "=", "-", "+", "*", "/", "^", "\n", " ", "#", "\"", "x", "on", "->",
        "é", "_", ";", ".",
    ]);
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..6).prop_map(|(i, len)| Damage::Delete { at: i.index(1 << 20), len }),
        (any::<prop::sample::Index>(), pieces).prop_map(|(i, text)| Damage::Insert { at: i.index(1 << 20), text }),
        any::<prop::sample::Index>().prop_map(|i| Damage::Swap { at: i.index(1 << 20) }),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    match *d {
        Damage::Delete { at, len } => {
            let at = at % chars.len();
            out.drain(at..(at + len).min(chars.len()));
        }
        Damage::Insert { at, text } => {
            let at = at % (chars.len() + 1);
            out.splice(at..at, text.chars());
        }
        Damage::Swap { at } => {
            let at = at % (chars.len() - 1);
            out.swap(at, at + 1);
        }
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn damaged_files_never_panic(file in any::<prop::sample::Index>(), damages in prop::collection::vec(damage(), 1..4)) {
        let files = shipped();
        let (path, text) = &files[file.index(files.len())];
        let mut damaged = text.clone();
        for d in &damages {
            damaged = apply(&damaged, d);
        }
        let report = check_source(SourceFile::new(path, damaged.clone()));
        for d in &report.diagnostics {
            prop_assert!(d.span.start <= d.span.end && d.span.end <= damaged.len(), "{:?} outside the text", d);
            let rendered = d.render(&report.source, false);
            prop_assert!(rendered.starts_with("error"));
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = nnkey::numeric::Rng::new(7);
    let alphabet: Vec<char> = "problem find expect answer kernel input matrix vector network truth table threshold \
        = ( ) [ ] { } , : ; -> + - * / ^ # \" \n 0 1 2 x w 2x2 on at of from é"
        .chars()
        .collect();
    for _ in 0..300 {
        let len = rng.int(0, 200) as usize;
        let text: String = (0..len).map(|_| alphabet[rng.int(0, alphabet.len() as i64 - 1) as usize]).collect();
        let report = check_source(SourceFile::new("noise.nnk", text.clone()));
        for d in &report.diagnostics {
            assert!(d.span.end <= text.len());
            let _ = d.render(&report.source, false);
        }
    }
}

/// The rendered diagnostics of a file.
fn rendered(text: &str) -> String {
    let report = check_source(SourceFile::new("q.nnk", text));
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect()
}

#[test]
fn a_huge_token_is_quoted_once_and_cut() {
    let token = "a".repeat(1 << 20);
    for text in [
        format!("problem q1 \"t\"\n  W = kernel 2x{token}\n"),
        format!("problem q1 \"t\"\n  W = kernel 2x2 w\n  {token} w\n"),
        format!("problem q1 \"t\"\n  W = kernel 2x2 w\n  find s = shape conv2d({token}) on W\n"),
        format!("problem q1 \"t\" {token}\n"),
    ] {
        let out = rendered(&text);
        assert!(!out.is_empty(), "no diagnostic for {}", &text[..60]);
        assert!(out.len() < 4096, "{} bytes of diagnostics:\n{}", out.len(), &out[..out.len().min(2000)]);
    }
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let text = "\u{feff}problem q1 \"t\"\n  W = kernel 2x2 w\n  X = input 3x3 x\n  \
                find s = shape conv2d(W) on X\n  expect s = (2, 2)\n";
    let report = check_source(SourceFile::new("q.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert_eq!(report.problems.len(), 1);
    // Columns on the first line count from after the mark.
    let out = rendered("\u{feff}problem q1 \"t\" junk\n");
    assert!(out.contains("--> q.nnk:1:16\n"), "{out}");
    assert!(out.contains("1 | problem q1 \"t\" junk\n  |                ^^^^"), "{out}");
}

#[test]
fn an_exponent_beyond_the_limit_is_named() {
    for (number, exponent) in
        [("1e-999999999", "-999999999"), ("2.5E+123456", "+123456"), ("1e99999999999999999999", "99999999999999999999")]
    {
        let out = rendered(&format!("problem q1 \"t\"\n  x = input [[1, {number}]]\n"));
        assert!(out.contains(&format!("found `{number}`")), "{out}");
        assert!(out.contains(&format!("the exponent {exponent} is beyond the limit of ±10000")), "{out}");
    }
    // Within the limit, a number is read exactly.
    let report = check_source(SourceFile::new("q.nnk", "problem q1 \"t\"\n  x = input [[1e-300, 1e300]]\n"));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn a_huge_stride_names_its_size_and_the_limit() {
    let head = "problem q1 \"t\"\n  W = kernel 2x2 w\n  X = input 3x3 x\n";
    let out = rendered(&format!("{head}  find s = shape conv2d(W, stride: 100000000000000000000000) on X\n"));
    assert!(out.contains("the stride is 100000000000000000000000, above the limit of 16777216"), "{out}");
    let out = rendered(&format!("{head}  find s = shape conv2d(W, padding: 10^100) on X\n"));
    assert!(out.contains("is a number of 101 digits, above the limit of 16777216"), "{out}");
    let out = rendered(&format!("{head}  find s = shape conv2d(W, stride: 3/2) on X\n"));
    assert!(out.contains("the stride must be a whole number"), "{out}");
}
