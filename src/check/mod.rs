//! Running problem files: parse, elaborate, derive, cross-check, and judge
//! every key, into a [`Report`] that the printers render.
//!
//! **Invariants.** A file with a syntax error is reported and not derived
//! (fixing the syntax first avoids a cascade of follow-on errors). A key is
//! judged by meaning. A finding whose numeric cross-check fails is a failed
//! finding, whatever its key says.

use std::path::{Path, PathBuf};

use crate::derive::{self, CrossCheck, Finding, Verdict};
use crate::language::{Diagnostic, SourceFile, Span, parse};
use crate::model::{self, Problem, eval};
use crate::numeric;

/// Whether a key holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Pass,
    /// The key does not hold (or the cross-check failed): why.
    Fail(String),
    /// The find has no key.
    Missing,
    /// The key could not be read; a diagnostic says why.
    Invalid,
}

impl Status {
    pub fn word(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail(_) => "fail",
            Status::Missing => "missing",
            Status::Invalid => "invalid",
        }
    }
}

/// One find, derived, cross-checked and judged.
#[derive(Debug)]
pub struct FindingReport {
    pub finding: Finding,
    pub crosscheck: CrossCheck,
    pub status: Status,
    /// The `find` statement.
    pub find_span: Span,
    /// The `expect` statement, if any.
    pub key_span: Option<Span>,
    /// The value of the `expect`, which `bless` rewrites.
    pub key_value_span: Option<Span>,
}

#[derive(Debug)]
pub struct ProblemReport {
    pub problem: Problem,
    pub findings: Vec<FindingReport>,
}

/// Everything about one file.
#[derive(Debug)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    pub problems: Vec<ProblemReport>,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Counts of keys by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub missing: usize,
}

/// A whole run over several files.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Files that could not be read, with why.
    pub io_errors: Vec<(PathBuf, String)>,
    /// Entries a directory search skipped on purpose, with why.
    pub skipped: Vec<(PathBuf, String)>,
    /// Path arguments that hold no `.nnk` file.
    pub empty: Vec<PathBuf>,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in self.all_findings() {
            match f.status {
                Status::Pass => s.passed += 1,
                Status::Fail(_) | Status::Invalid => s.failed += 1,
                Status::Missing => s.missing += 1,
            }
        }
        s
    }

    pub fn all_findings(&self) -> impl Iterator<Item = &FindingReport> {
        self.files.iter().flat_map(|f| f.problems.iter().flat_map(|p| p.findings.iter()))
    }

    /// True when some input is bad: unreadable, malformed, or underivable.
    pub fn has_errors(&self) -> bool {
        !self.io_errors.is_empty() || self.files.iter().any(FileReport::has_errors)
    }

    /// The exit status: 2 for bad input, 1 when a key fails, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.has_errors() {
            2
        } else if self.summary().failed > 0 {
            1
        } else {
            0
        }
    }
}

/// The largest problem file nnkey reads, in bytes (8 MiB; the shipped
/// files are a few kilobytes). A larger file, or a device such as
/// `/dev/zero` named as a path, is an error that names this limit rather
/// than a read that never ends.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The problem files under `paths`, and what was found on the way.
#[derive(Debug, Default)]
pub struct Collected {
    /// The files to read, each once (a file reached by two paths keeps the
    /// first), in the order of `paths`, directories in natural order.
    pub files: Vec<PathBuf>,
    /// Paths that could not be searched or read: bad input.
    pub errors: Vec<(PathBuf, String)>,
    /// Entries skipped on purpose, with why: notes, not errors.
    pub skipped: Vec<(PathBuf, String)>,
    /// Path arguments (directories) that hold no `.nnk` file.
    pub empty: Vec<PathBuf>,
}

/// The problem files under `paths`: files as given, directories searched
/// recursively for `*.nnk`, in natural order (`q2` before `q10`).
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let c = collect(paths);
    (c.files, c.errors)
}

/// The problem files under `paths`, like [`collect_files`], with the notes.
///
/// A path given on the command line is followed wherever it points, and a
/// file named there is read whatever it is (a pipe from `<(...)` included;
/// reading stops at [`MAX_FILE_BYTES`]). Inside a directory the walk
/// follows a symbolic link only when its target lies inside the directory
/// given, and enters each directory once, so a link out of the tree is
/// skipped and a loop (`a/s -> .`) ends. A FIFO, socket or device named
/// `*.nnk` inside a directory is skipped with a note: reading it could
/// block forever or never end.
pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut c = Collected::default();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        let before = c.files.len();
        match std::fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                c.errors.push((p.clone(), "no such file or directory".into()));
                continue;
            }
            Err(e) => {
                c.errors.push((p.clone(), e.to_string()));
                continue;
            }
            Ok(meta) if meta.is_dir() => {
                let root = match std::fs::canonicalize(p) {
                    Ok(r) => r,
                    Err(e) => {
                        c.errors.push((p.clone(), e.to_string()));
                        continue;
                    }
                };
                let mut dirs = std::collections::HashSet::new();
                dirs.insert(root.clone());
                walk(p, &root, &mut dirs, &mut c);
            }
            Ok(_) => c.files.push(p.clone()),
        }
        let found = c.files.len() > before;
        // Keep the first path to each file: a file is checked (and
        // blessed) once however many ways it is reached.
        let mut i = before;
        while i < c.files.len() {
            let key = std::fs::canonicalize(&c.files[i]).unwrap_or_else(|_| c.files[i].clone());
            if seen.insert(key) {
                i += 1;
            } else {
                c.files.remove(i);
            }
        }
        if !found && std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            c.empty.push(p.clone());
        }
    }
    c
}

fn is_nnk(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "nnk")
}

/// What kind of thing a non-regular, non-directory entry is.
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// Searches `dir` (inside the canonical `root`) for `*.nnk` files;
/// `dirs` holds the canonical directories already entered.
fn walk(dir: &Path, root: &Path, dirs: &mut std::collections::HashSet<PathBuf>, c: &mut Collected) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            c.errors.push((dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut paths: Vec<(PathBuf, std::fs::FileType)> =
        entries.filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?)))).collect();
    paths.sort_by(|a, b| natural_order(&a.0.to_string_lossy(), &b.0.to_string_lossy()));
    for (p, ft) in paths {
        // What the entry is, a symbolic link followed only into the tree.
        let (meta, canonical) = if ft.is_symlink() {
            let target = match std::fs::canonicalize(&p).and_then(|t| Ok((std::fs::metadata(&t)?, t))) {
                Ok(t) => t,
                Err(e) => {
                    if is_nnk(&p) {
                        c.errors.push((p, format!("a broken symbolic link ({e})")));
                    }
                    continue;
                }
            };
            if !target.1.starts_with(root) {
                if is_nnk(&p) || target.0.is_dir() {
                    let what = format!("a symbolic link out of {} (to {})", root.display(), target.1.display());
                    c.skipped.push((p, what));
                }
                continue;
            }
            (target.0.file_type(), Some(target.1))
        } else {
            (ft, None)
        };
        if meta.is_dir() {
            let canonical = match canonical.map_or_else(|| std::fs::canonicalize(&p), Ok) {
                Ok(d) => d,
                Err(e) => {
                    c.errors.push((p, e.to_string()));
                    continue;
                }
            };
            // A directory entered already (through a link): a loop or a
            // second way in; its files are listed once.
            if dirs.insert(canonical) {
                walk(&p, root, dirs, c);
            }
        } else if is_nnk(&p) {
            if meta.is_file() {
                c.files.push(p);
            } else {
                c.skipped.push((p, format!("{}, not a problem file", special_kind(&meta))));
            }
        }
    }
}

/// Orders names as people number them: `q2` before `q10`.
pub fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let m = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (p, q) = (&x[..n], &y[..m]);
                // Compare digit runs by value: strip leading zeros, then
                // the longer is larger, then digit by digit.
                let strip = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count().min(s.len() - 1) };
                let (p2, q2) = (&p[strip(p)..], &q[strip(q)..]);
                let o = p2.len().cmp(&q2.len()).then(p2.cmp(q2)).then(n.cmp(&m));
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// Runs every file under `paths`: derives, cross-checks and judges.
pub fn run(paths: &[PathBuf]) -> Report {
    over_files(paths, check_source)
}

/// Reads every file under `paths` without deriving anything: enough for a
/// problem sheet.
pub fn load(paths: &[PathBuf]) -> Report {
    over_files(paths, load_source)
}

fn over_files(paths: &[PathBuf], each: fn(SourceFile) -> FileReport) -> Report {
    let Collected { files, errors: mut io_errors, skipped, empty } = collect(paths);
    let mut report = Report { skipped, empty, ..Report::default() };
    for path in files {
        match read_limited(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => report.files.push(each(SourceFile::new(&path, text))),
                Err(e) => io_errors.push((path, format!("not UTF-8 text ({})", e.utf8_error()))),
            },
            Err(e) => io_errors.push((path, e)),
        }
    }
    report.io_errors = io_errors;
    report
}

/// Reads a file of at most [`MAX_FILE_BYTES`].
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than the limit of {} bytes (MAX_FILE_BYTES) for a problem file", MAX_FILE_BYTES));
    }
    Ok(bytes)
}

/// Parses, elaborates, derives, cross-checks and judges one file.
pub fn check_source(source: SourceFile) -> FileReport {
    elaborate_source(source, true)
}

/// Parses and elaborates one file; derives nothing.
pub fn load_source(source: SourceFile) -> FileReport {
    elaborate_source(source, false)
}

fn elaborate_source(source: SourceFile, derive: bool) -> FileReport {
    let (syntax, mut diagnostics) = parse(&source.text);
    let mut problems = Vec::new();
    if diagnostics.is_empty() {
        for p in &syntax.problems {
            let (problem, mut errs) = model::elaborate(p);
            diagnostics.append(&mut errs);
            let findings = if derive {
                problem.finds.iter().filter_map(|f| check_find(&problem, f, &mut diagnostics)).collect()
            } else {
                Vec::new()
            };
            problems.push(ProblemReport { problem, findings });
        }
    }
    FileReport { source, diagnostics, problems }
}

fn check_find(problem: &Problem, find: &model::Find, diagnostics: &mut Vec<Diagnostic>) -> Option<FindingReport> {
    let mut finding = match derive::derive(problem, find) {
        Ok(f) => f,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    let (crosscheck, evidence) = numeric::crosscheck_with_evidence(problem, find, &finding);
    // What the check measured (an experiment's table and picture) is part
    // of the full key.
    finding.explanation.steps.extend(evidence);
    let status = match &find.expect {
        None => Status::Missing,
        Some(key) => match eval(&key.value, problem) {
            Err(d) => {
                diagnostics.push(d);
                Status::Invalid
            }
            Ok(expected) => match derive::judge(problem, find, &finding, &expected) {
                Verdict::Pass => Status::Pass,
                Verdict::Fail(why) => Status::Fail(why),
            },
        },
    };
    let status = if crosscheck.not_failed() {
        status
    } else {
        Status::Fail(format!(
            "the numeric cross-check disagrees with the derivation ({}): nnkey does not trust this result",
            crosscheck.detail
        ))
    };
    Some(FindingReport {
        finding,
        crosscheck,
        status,
        find_span: find.statement_span,
        key_span: find.expect.as_ref().map(|k| k.span),
        key_value_span: find.expect.as_ref().map(|k| k.value.span),
    })
}

#[cfg(test)]
mod tests {
    use super::natural_order;
    use std::cmp::Ordering;

    #[test]
    fn numbers_in_names_sort_by_value() {
        assert_eq!(natural_order("q2.nnk", "q10.nnk"), Ordering::Less);
        assert_eq!(natural_order("q10.nnk", "q9b.nnk"), Ordering::Greater);
        assert_eq!(natural_order("q12a", "q12b"), Ordering::Less);
        assert_eq!(natural_order("pieces", "q1"), Ordering::Less);
        assert_eq!(natural_order("a007", "a7"), Ordering::Greater);
    }
}
