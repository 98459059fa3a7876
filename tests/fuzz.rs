//! A seeded mutation fuzzer with two targets, over the shipped problem
//! files damaged at random:
//!
//! - the whole pipeline: each damaged file is run through the real `nnkey`
//!   binary in its own process, so that an abort (a stack overflow, a
//!   failed allocation), a panic or a hang shows up as what it is; every
//!   run must end within `TIME_LIMIT` with exit status 0, 1 or 2;
//! - the parser and elaboration, in process and hundreds of times faster:
//!   every damaged file must parse and elaborate to a report or to
//!   diagnostics with a span inside the file, without a panic, within
//!   `PARSE_LIMIT`.
//!
//! `cargo test` runs a short, fixed series of each (the same inputs every
//! time). For a longer run, with a seed of your choosing (both targets
//! share the time given):
//!
//! ```sh
//! NNKEY_FUZZ_SECS=900 NNKEY_FUZZ_SEED=42 cargo test --release --test fuzz -- --nocapture --test-threads 1
//! ```
//!
//! An input that fails is saved under `target/fuzz-failures/` and named in
//! the failure message; it becomes a regression test in
//! `tests/fuzz-regressions/`, which every `cargo test` runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nnkey::numeric::Rng;

/// No input may keep nnkey busy longer than this: 20 s for the release
/// build; a debug build (what a plain `cargo test` runs) is ten to twenty
/// times slower at exact arithmetic, so it gets more.
const TIME_LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 150 } else { 20 });

/// Runs in the short series `cargo test` makes.
const SHORT_RUNS: usize = 24;

/// Parser runs in the short series `cargo test` makes.
const SHORT_PARSES: usize = 2000;

/// No damaged file may keep the parser and elaboration busy longer.
const PARSE_LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 30 } else { 5 });

/// Pieces spliced into the files: the language's punctuation and words,
/// and the extreme values an adversary would try.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "-",
    "+",
    "*",
    "/",
    "^",
    "\n",
    " ",
    "#",
    "\"",
    "x",
    "on",
    "->",
    "é",
    "_",
    ";",
    ".",
    "0",
    "1",
    "9",
    "0.5",
    "-1",
    "1/3",
    "\u{1b}[2J",
    "\r",
    "\u{feff}",
    "((((((((",
    "))))))))",
    "99999999999999999999",
    "^1000000000",
    "e-999999999",
    "^-7",
    "repeat 40 ",
    "dilation: 16777216, ",
    "padding: 65536, ",
    "stride: 1000000, ",
    "I(4096)",
    "x1000000",
];

fn shipped() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = ["problems/ps3", "problems/variants"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "nnk"))
        .collect();
    paths.sort();
    let name = |p: &Path| {
        let dir = p.parent().and_then(|d| d.file_name()).unwrap().to_string_lossy().into_owned();
        format!("{dir}-{}", p.file_name().unwrap().to_string_lossy())
    };
    paths.into_iter().map(|p| (name(&p), read(&p))).collect()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn pick(rng: &mut Rng, n: usize) -> usize {
    rng.int(0, n as i64 - 1) as usize
}

/// Numbers put in place of a number of the file: the sizes, strides,
/// exponents and weights an adversary would try.
const NUMBERS: &[&str] =
    &["0", "1", "2", "3", "7", "64", "1000", "65536", "16777216", "4294967296", "1000000000", "99999999999999999999"];

/// One to three damages: a span deleted, a piece inserted, a line
/// repeated, a line of another file spliced in, or a number replaced.
fn mutate(rng: &mut Rng, text: &str, others: &[(String, String)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.int(1, 3) {
        let at = pick(rng, chars.len() + 1);
        match rng.int(0, 4) {
            0 => {
                let end = (at + rng.int(1, 8) as usize).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let piece = PIECES[pick(rng, PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
            2 => {
                let lines: Vec<String> = chars.iter().collect::<String>().lines().map(String::from).collect();
                if lines.is_empty() {
                    continue;
                }
                let line = &lines[pick(rng, lines.len())];
                let start = chars.iter().take(at).filter(|c| **c == '\n').count();
                let mut out = lines.clone();
                out.insert(start.min(out.len()), line.clone());
                chars = out.join("\n").chars().collect();
            }
            3 => {
                let (_, other) = &others[pick(rng, others.len())];
                let lines: Vec<&str> = other.lines().collect();
                let line = format!("{}\n", lines[pick(rng, lines.len())]);
                chars.splice(at..at, line.chars());
            }
            _ => {
                // The number nearest after `at`, whole.
                let Some(start) = (at..chars.len()).find(|&k| chars[k].is_ascii_digit()) else { continue };
                let start = (0..=start).rev().take_while(|&k| chars[k].is_ascii_digit()).last().unwrap_or(start);
                let end = (start..chars.len()).find(|&k| !chars[k].is_ascii_digit()).unwrap_or(chars.len());
                let number = NUMBERS[pick(rng, NUMBERS.len())];
                chars.splice(start..end, number.chars());
            }
        }
    }
    chars.into_iter().collect()
}

/// How one run ended, when it ended badly.
fn run_nnkey(file: &Path) -> Result<(), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nnkey"))
        .args(["solve", "--level", "full"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start nnkey: {e}"))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return match status.code() {
                Some(0..=2) => Ok(()),
                Some(code) => Err(format!("exit status {code}")),
                None => Err(format!("killed by a signal ({status})")),
            };
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s", TIME_LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn mutated_files_end_cleanly_in_their_own_process() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("NNKEY_FUZZ_SEED").unwrap_or(1);
    let budget = env("NNKEY_FUZZ_SECS").map(Duration::from_secs);
    let files = shipped();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let mut runs = 0;
    let mut failures = Vec::new();
    while match budget {
        Some(b) => start.elapsed() < b,
        None => runs < SHORT_RUNS,
    } {
        let (name, text) = &files[pick(&mut rng, files.len())];
        let damaged = mutate(&mut rng, text, &files);
        let path = dir.path().join(name);
        std::fs::write(&path, &damaged).unwrap();
        if let Err(why) = run_nnkey(&path) {
            let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            std::fs::create_dir_all(&keep).unwrap();
            let saved = keep.join(format!("seed{seed}-run{runs}-{name}"));
            std::fs::write(&saved, &damaged).unwrap();
            failures.push(format!("{why}: {}", saved.display()));
        }
        runs += 1;
    }
    eprintln!("fuzz: {runs} runs from seed {seed} in {:.1} s", start.elapsed().as_secs_f64());
    assert!(runs > 0, "no run was made");
    assert!(failures.is_empty(), "{} of {runs} runs ended badly:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn mutated_files_parse_and_elaborate_without_a_panic() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("NNKEY_FUZZ_SEED").unwrap_or(1);
    let budget = env("NNKEY_FUZZ_SECS").map(Duration::from_secs);
    let files = shipped();
    let mut rng = Rng::new(seed ^ 0x5eed);
    let start = Instant::now();
    let mut runs = 0;
    let mut failures = Vec::new();
    // A panic is reported by the check below, not printed once per input.
    std::panic::set_hook(Box::new(|_| {}));
    while match budget {
        Some(b) => start.elapsed() < b,
        None => runs < SHORT_PARSES,
    } {
        let (name, text) = &files[pick(&mut rng, files.len())];
        let damaged = mutate(&mut rng, text, &files);
        let began = Instant::now();
        let source = nnkey::language::SourceFile::new(name, damaged.clone());
        let outcome = std::panic::catch_unwind(|| {
            let report = nnkey::check::load_source(source);
            // Every diagnostic points inside the file, and prints.
            report.diagnostics.iter().all(|d| {
                let printed = d.render(&report.source, false);
                d.span.end <= damaged.len() && !printed.is_empty()
            })
        });
        let why = match outcome {
            Err(_) => Some("a panic".to_string()),
            Ok(false) => Some("a diagnostic points past the end of the file".to_string()),
            Ok(true) if began.elapsed() > PARSE_LIMIT => {
                Some(format!("{:.1} s to parse", began.elapsed().as_secs_f64()))
            }
            Ok(true) => None,
        };
        if let Some(why) = why {
            let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            std::fs::create_dir_all(&keep).unwrap();
            let saved = keep.join(format!("parse-seed{seed}-run{runs}-{name}"));
            std::fs::write(&saved, &damaged).unwrap();
            failures.push(format!("{why}: {}", saved.display()));
        }
        runs += 1;
    }
    let _ = std::panic::take_hook();
    eprintln!("fuzz (parser): {runs} runs from seed {seed} in {:.1} s", start.elapsed().as_secs_f64());
    assert!(runs > 0, "no run was made");
    assert!(failures.is_empty(), "{} of {runs} runs ended badly:\n{}", failures.len(), failures.join("\n"));
}

/// Every input the fuzzer ever found a fault with still ends cleanly.
#[test]
fn inputs_the_fuzzer_found_end_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty());
    for p in paths {
        if let Err(why) = run_nnkey(&p) {
            panic!("{}: {why}", p.display());
        }
    }
}
