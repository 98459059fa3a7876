//! No input makes nnkey panic: the shipped problem files, damaged at random
//! (characters deleted, inserted or swapped), still yield a report, and every
//! diagnostic points inside the text.

use nnkey::check::check_source;
use nnkey::language::SourceFile;
use proptest::prelude::*;

fn shipped() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/ps3");
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
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
