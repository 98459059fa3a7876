//! Running problem files: parse, elaborate, derive, cross-check, and judge
//! every key, into a [`Report`] that the printers render.
//!
//! **Invariants.** A file with a syntax error is reported and not derived
//! (fixing the syntax first avoids a cascade of follow-on errors). A key is
//! judged by meaning. A finding whose numeric cross-check fails is a failed
//! finding, whatever its key says.

pub mod data;
pub mod include;
pub mod parallel;

use std::path::{Path, PathBuf};

use crate::derive::{self, CrossCheck, Finding, Verdict};
use crate::language::syntax::{Expr, ProblemSyntax, Statement};
use crate::language::{Diagnostic, Hint, SourceFile, Span, parse};
use crate::model::{self, DrawSeed, Problem, Scope, eval};
use crate::numeric;

pub use include::Included;

/// How many seeded draws `check` verifies a problem with drawn parameters
/// on (seeds 0 to 7, variant id empty).
pub const DRAW_CHECKS: u64 = 8;

/// Which problems to run, and on which draws.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Only the problem with this id (`--only q1`).
    pub only: Option<String>,
    /// The one draw to check problems with drawn parameters on; the
    /// [`DRAW_CHECKS`] seeded draws when absent.
    pub seed: Option<DrawSeed>,
    /// Files derived at once (0 or 1: one after the other).
    pub jobs: usize,
}

pub mod points;

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
    /// How a key that was not expanded was judged, with the bound on the
    /// chance that a wrong key passed ([`points`]); `None` when the key was
    /// expanded and compared by meaning.
    pub key_check: Option<String>,
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
    /// The files it includes, whose spans start past its own.
    pub included: Vec<Included>,
    /// Every problem id of the file, run or not.
    pub ids: Vec<String>,
    /// The weight files its declarations read.
    pub data: Vec<PathBuf>,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The file a span is in (this one or an included one) and the offset
    /// its text starts at.
    pub fn source_of(&self, offset: usize) -> (&SourceFile, usize) {
        if offset <= self.source.text.len() {
            return (&self.source, 0);
        }
        self.included
            .iter()
            .find(|i| (i.base..=i.base + i.source.text.len()).contains(&offset))
            .map_or((&self.source, 0), |i| (&i.source, i.base))
    }

    /// Renders a diagnostic against the file its span is in; a hint that
    /// points into another file names its place in words.
    pub fn render_diagnostic(&self, d: &Diagnostic, color: bool) -> String {
        let (source, base) = self.source_of(d.span.start);
        let mut d = d.clone();
        d.span = Span::new(d.span.start - base, d.span.end.saturating_sub(base));
        for h in &mut d.hints {
            let Some(s) = h.span else { continue };
            let (other, other_base) = self.source_of(s.start);
            if std::ptr::eq(other, source) {
                h.span = Some(Span::new(s.start - base, s.end.saturating_sub(base)));
            } else {
                let (line, col) = other.line_col(s.start - other_base);
                *h = Hint { message: format!("{} ({}:{line}:{col})", h.message, other.path.display()), span: None };
            }
        }
        d.render(source, color)
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
    /// Every problem id of the files read, run or not, in order.
    pub fn ids(&self) -> Vec<&str> {
        self.files.iter().flat_map(|f| f.ids.iter().map(String::as_str)).collect()
    }

    /// Whether some problem was run.
    pub fn ran_any(&self) -> bool {
        self.files.iter().any(|f| !f.problems.is_empty())
    }

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
    /// For each file, the folder its includes must stay inside: the
    /// directory given on the command line, or a file's own folder.
    pub roots: Vec<PathBuf>,
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
        let root = if std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            p.clone()
        } else {
            p.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        c.roots.resize(c.files.len(), root);
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
                c.roots.remove(i);
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
    run_with(paths, &RunOptions::default())
}

/// Runs the files under `paths` with options: one problem, one draw, and
/// `jobs` threads, one file at a time each. The report is the same as a
/// sequential run's, in the same order: files are taken in order and
/// their reports put back in their places.
pub fn run_with(paths: &[PathBuf], options: &RunOptions) -> Report {
    over_files(paths, options, true)
}

/// Reads every file under `paths` without deriving anything: enough for a
/// problem sheet.
pub fn load(paths: &[PathBuf]) -> Report {
    load_with(paths, &RunOptions::default())
}

/// Reads the files under `paths` with options, deriving nothing.
pub fn load_with(paths: &[PathBuf], options: &RunOptions) -> Report {
    over_files(paths, options, false)
}

fn over_files(paths: &[PathBuf], options: &RunOptions, derive: bool) -> Report {
    let Collected { files, errors: mut io_errors, skipped, empty, roots } = collect(paths);
    let mut report = Report { skipped, empty, ..Report::default() };
    let jobs = options.jobs.max(1);
    let one = |k: usize| -> Result<FileReport, String> {
        let bytes = read_limited(&files[k])?;
        let text = String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({})", e.utf8_error()))?;
        Ok(run_source(SourceFile::new(&files[k], text), &roots[k], options, derive))
    };
    let outcomes = parallel::map(files.len(), jobs, || (), |_, k| one(k));
    for (path, outcome) in files.into_iter().zip(outcomes) {
        match outcome {
            Ok(file) => report.files.push(file),
            Err(e) => io_errors.push((path, e)),
        }
    }
    report.io_errors = io_errors;
    report
}

/// Reads a file of at most [`MAX_FILE_BYTES`].
pub fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than the limit of {} bytes (MAX_FILE_BYTES) for a problem file", MAX_FILE_BYTES));
    }
    Ok(bytes)
}

/// Parses, elaborates, derives, cross-checks and judges one file; its
/// includes are read relative to it, inside its own folder.
pub fn check_source(source: SourceFile) -> FileReport {
    let root = source.path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    run_source(source, &root, &RunOptions::default(), true)
}

/// Parses and elaborates one file; derives nothing.
pub fn load_source(source: SourceFile) -> FileReport {
    let root = source.path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    run_source(source, &root, &RunOptions::default(), false)
}

/// Runs one file whose includes must stay inside `root`.
pub fn run_source(source: SourceFile, root: &Path, options: &RunOptions, derive: bool) -> FileReport {
    let (syntax, mut diagnostics) = parse(&source.text);
    let (mut shared, included, mut errs) = if syntax.includes.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        include::resolve(&source, &syntax, root)
    };
    diagnostics.append(&mut errs);
    shared.extend(syntax.shared.iter().cloned());
    let ids = syntax.problems.iter().map(|p| p.id.name.clone()).collect();
    let (files, data) = data::read(&source.path, source.text.len(), &syntax, &shared, &included, root);
    let mut problems = Vec::new();
    if diagnostics.is_empty() {
        if syntax.problems.is_empty() && !shared.is_empty() {
            // A file of shared declarations only: elaborated once so that
            // its mistakes are reported where it is checked.
            let empty = ProblemSyntax {
                id: crate::language::syntax::Ident { name: String::new(), span: Span::default() },
                title: None,
                span: Span::default(),
                statements: Vec::new(),
            };
            diagnostics.extend(model::elaborate_in(&empty, &shared, &DrawSeed::default(), &files).1);
        }
        for p in &syntax.problems {
            if options.only.as_ref().is_some_and(|only| *only != p.id.name) {
                continue;
            }
            problems.push(run_problem(p, &shared, &files, options, derive, &mut diagnostics));
        }
    }
    // A shared declaration is elaborated in every problem: its error once.
    if !shared.is_empty() {
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| seen.insert((d.span, d.message.clone())));
    }
    FileReport { source, diagnostics, problems, included, ids, data }
}

/// Whether a problem draws any of its values.
pub fn draws(p: &ProblemSyntax) -> bool {
    p.statements.iter().any(|s| matches!(s, Statement::Draw(_)))
}

/// Elaborates, derives and judges one problem: with drawn parameters, on
/// every draw `options` asks for, the report showing the first and a key
/// failing on another draw failing with that draw named.
fn run_problem(
    p: &ProblemSyntax,
    shared: &[Statement],
    files: &model::DataFiles,
    options: &RunOptions,
    derive: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> ProblemReport {
    let seeds: Vec<DrawSeed> = match (&options.seed, draws(p)) {
        (Some(seed), _) => vec![seed.clone()],
        (None, true) => (0..DRAW_CHECKS).map(|k| DrawSeed::new(k, "")).collect(),
        (None, false) => vec![DrawSeed::default()],
    };
    let (problem, mut errs) = model::elaborate_in(p, shared, &seeds[0], files);
    let failed = !errs.is_empty();
    diagnostics.append(&mut errs);
    if !derive {
        return ProblemReport { problem, findings: Vec::new() };
    }
    let mut findings: Vec<FindingReport> = Vec::new();
    for f in &problem.finds {
        if let Some(r) = check_find(&problem, f, &findings, diagnostics) {
            findings.push(r);
        }
    }
    if failed || !draws(p) {
        return ProblemReport { problem, findings };
    }
    // A key that fails names the draw it fails on.
    let values = drawn_text(&problem);
    for f in &mut findings {
        if let Status::Fail(why) = &f.status {
            f.status = Status::Fail(format!("with the draw of seed {} ({values}): {why}", seeds[0].seed));
        }
    }
    for seed in &seeds[1..] {
        let (other, errs) = model::elaborate_in(p, shared, seed, files);
        let values = drawn_text(&other);
        if let Some(d) = errs.into_iter().next() {
            diagnostics.push(d.with_hint(format!("with the draw of seed {}: {values}", seed.seed)));
            break;
        }
        let mut errs = Vec::new();
        let mut done: Vec<FindingReport> = Vec::new();
        for f in &other.finds {
            // A key that already fails is not evaluated again: one draw
            // that fails it is enough, and a costly key costs once.
            let Some(first) = findings.iter().find(|x| x.finding.name == f.name) else { continue };
            if !matches!(first.status, Status::Pass | Status::Missing) {
                continue;
            }
            let Some(r) = check_find(&other, f, &done, &mut errs) else { continue };
            let Some(first) = findings.iter_mut().find(|x| x.finding.name == f.name) else { continue };
            if let (Status::Fail(why), Status::Pass) = (&r.status, &first.status) {
                first.status = Status::Fail(format!("with the draw of seed {} ({values}): {why}", seed.seed));
            }
            done.push(r);
        }
        if let Some(d) = errs.into_iter().next() {
            diagnostics.push(d.with_hint(format!("with the draw of seed {}: {values}", seed.seed)));
            break;
        }
    }
    ProblemReport { problem, findings }
}

/// The drawn values of a problem as declarations: `a = 3, X = matrix […]`.
pub fn drawn_text(p: &Problem) -> String {
    p.drawn.iter().map(|d| format!("{} = {}", d.name, d.declaration)).collect::<Vec<_>>().join(", ")
}

/// The scope a key is read in: the problem's declarations, then the
/// findings derived before it (`expect T = transpose(C)`), and only the
/// symbols the problem has, so that a misspelt name is an error.
struct KeyScope<'a> {
    problem: &'a Problem,
    earlier: &'a [FindingReport],
    /// The names of the problem's symbols and symbol families (`a`, `w` of
    /// `w[0,1]`), made once.
    symbols: std::cell::OnceCell<std::collections::HashSet<String>>,
}

impl<'a> KeyScope<'a> {
    fn new(problem: &'a Problem, earlier: &'a [FindingReport]) -> KeyScope<'a> {
        KeyScope { problem, earlier, symbols: std::cell::OnceCell::new() }
    }

    fn symbols(&self) -> &std::collections::HashSet<String> {
        self.symbols.get_or_init(|| {
            let ring = &self.problem.ring;
            let mut names: std::collections::HashSet<String> =
                (0..ring.len()).map(|v| ring.symbol(crate::algebra::Var(v as u32)).name.clone()).collect();
            // A tensor known by its shape alone has no symbols made.
            for o in &self.problem.objects {
                if let model::ObjectKind::Tensor(t) = &o.kind
                    && let Some(s) = &t.symbol
                {
                    names.insert(s.clone());
                }
            }
            names
        })
    }

    /// Whether the key names a finding before it.
    fn names_a_finding(&self, key: &Expr) -> bool {
        key_names(key).iter().any(|n| self.binding(n).is_some() && self.problem.binding(n).is_none())
    }
}

impl model::Scope for KeyScope<'_> {
    fn ring(&self) -> &crate::algebra::Ring {
        &self.problem.ring
    }

    fn binding(&self, name: &str) -> Option<model::Binding<'_>> {
        self.problem.binding(name).or_else(|| {
            // A symbol of the problem keeps its meaning when a finding has
            // its name.
            if self.problem.ring.lookup(&crate::algebra::Symbol::plain(name)).is_some() {
                return None;
            }
            self.earlier.iter().find(|f| f.finding.name == name).map(|f| model::Binding::Value(&f.finding.value))
        })
    }

    fn knows_symbol(&self, name: &str) -> bool {
        self.symbols().contains(name)
    }

    fn why_unknown(&self, name: &str) -> Option<String> {
        self.problem
            .finds
            .iter()
            .any(|f| f.name == name)
            .then(|| format!("`{name}` is not found before this key: a key may use only the findings before it"))
    }

    fn known_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.problem.objects.iter().map(|o| o.name.clone()).collect();
        names.extend(self.earlier.iter().map(|f| f.finding.name.clone()));
        names.extend(self.symbols().iter().cloned());
        names.sort();
        names
    }
}

/// The names an expression uses (bare, or indexed like `w[0,1]`), found
/// without recursion: a key may be a sum of thousands of terms.
fn key_names(e: &Expr) -> Vec<&str> {
    use crate::language::syntax::ExprKind;
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(n) => out.push(n.as_str()),
            ExprKind::Index(b, idx) => {
                stack.push(b);
                stack.extend(idx);
            }
            ExprKind::Neg(x) => stack.push(x),
            ExprKind::Binary(_, a, b) | ExprKind::Maps(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::Call(f, args) => {
                stack.push(f);
                stack.extend(args.iter().map(|a| &a.value));
            }
            ExprKind::List(xs) | ExprKind::Tuple(xs) => stack.extend(xs),
            ExprKind::Record(fields) => stack.extend(fields.iter().map(|f| &f.value)),
            ExprKind::Number(_) | ExprKind::Str(_) => {}
        }
    }
    out
}

fn check_find(
    problem: &Problem,
    find: &model::Find,
    earlier: &[FindingReport],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<FindingReport> {
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
    let mut key_check = None;
    let scope = KeyScope::new(problem, earlier);
    let at_points = match (&find.expect, &finding.value) {
        (Some(key), model::Value::Matrix(m)) if points::worth_it(&finding) && !scope.names_a_finding(&key.value) => {
            points::judge(problem, &key.value, m)
        }
        _ => points::Outcome::Expand,
    };
    let status = match (&find.expect, at_points) {
        (_, points::Outcome::Pass(note)) => {
            key_check = Some(note);
            Status::Pass
        }
        (_, points::Outcome::Fail(why)) => Status::Fail(why),
        (None, _) => Status::Missing,
        (Some(key), points::Outcome::Expand) => match eval(&key.value, &scope) {
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
        key_check,
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
