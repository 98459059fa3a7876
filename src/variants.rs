//! `nnkey variants`: one folder per variant of a problem bank.
//!
//! For each variant id (`1`, `2`, … or a student id from a roster) the
//! problem files are copied under `OUT/ID/`, at their paths relative to the
//! folder given (a file given by itself: its folder), with every `draw`
//! replaced by the declaration of the value drawn for that seed and id
//! (`draw a = integer in -3..3` becomes `a = 2`) and every key written as
//! the derived value, as `bless` writes it. Files they include are copied
//! as they are. Then the folder is checked (every key must hold) and its
//! problem sheet and solutions are written as `sheet.md` and
//! `solutions.md`. The same seed and id give the same folder on every
//! machine (see [`crate::model::draw`] for the generator).

use std::path::{Path, PathBuf};

use crate::bless::{self, Edit, Mode};
use crate::check::{self, Collected, Report, RunOptions};
use crate::language::SourceFile;
use crate::model::DrawSeed;
use crate::render::{self, Format, Level};

/// The most variants one run writes.
pub const MAX_VARIANTS: usize = 10_000;
/// The longest id a roster may give.
pub const MAX_ID_CHARS: usize = 64;

/// What to write.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub ids: Vec<String>,
    pub out: PathBuf,
    /// Only this problem (`--only`).
    pub only: Option<String>,
    /// Variants written at once (0 or 1: one after the other).
    pub jobs: usize,
}

/// One variant written.
#[derive(Clone, Debug)]
pub struct Written {
    pub id: String,
    pub dir: PathBuf,
    /// How many keys its files hold.
    pub keys: usize,
}

/// Why the variants could not be written, with the report that says more
/// (its diagnostics) when there is one.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub report: Option<Report>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), report: None }
    }
}

/// The ids `1` to `n`.
pub fn numbered(n: usize) -> Result<Vec<String>, String> {
    if n == 0 || n > MAX_VARIANTS {
        return Err(format!("--count is 1 to {MAX_VARIANTS} (MAX_VARIANTS), not {n}"));
    }
    Ok((1..=n).map(|k| k.to_string()).collect())
}

/// Whether an id can name a folder: letters, digits, `.`, `_`, `-`, not
/// starting with `.`, at most [`MAX_ID_CHARS`].
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The student ids of a roster: one per line; blank lines and lines
/// starting with `#` are skipped. A bad or repeated id is an error naming
/// its line.
pub fn read_roster(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_roster(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// The ids of a roster's text; errors start with the line number.
pub fn parse_roster(text: &str) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let id = line.trim().trim_start_matches('\u{feff}');
        if id.is_empty() || id.starts_with('#') {
            continue;
        }
        if !valid_id(id) {
            return Err(format!(
                "{}: `{id}` is not a student id: ids are letters, digits, `.`, `_` and `-`, at most {MAX_ID_CHARS}, \
                 not starting with `.`",
                k + 1
            ));
        }
        if ids.iter().any(|i| i == id) {
            return Err(format!("{}: `{id}` is listed twice", k + 1));
        }
        ids.push(id.to_string());
    }
    if ids.is_empty() {
        return Err("1: the roster lists no student".into());
    }
    if ids.len() > MAX_VARIANTS {
        return Err(format!("1: the roster lists more than {MAX_VARIANTS} students (MAX_VARIANTS)"));
    }
    Ok(ids)
}

/// A file to copy: where it is, where it goes under a variant's folder,
/// and the folder its includes stay in.
struct Input {
    path: PathBuf,
    relative: PathBuf,
    root: PathBuf,
}

fn inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let Collected { files, errors, roots, empty, .. } = check::collect(paths);
    if let Some((p, e)) = errors.first() {
        return Err(Failure::new(format!("cannot read {}: {e}", p.display())));
    }
    if files.is_empty() {
        let what = empty.first().map_or_else(|| "the paths given".to_string(), |p| p.display().to_string());
        return Err(Failure::new(format!("{what} holds no .nnk file")));
    }
    let mut out: Vec<Input> = Vec::new();
    for (path, root) in files.into_iter().zip(roots) {
        let relative = path
            .strip_prefix(&root)
            .map_or_else(|_| PathBuf::from(path.file_name().unwrap_or_default()), Path::to_path_buf);
        if out.iter().any(|i| i.relative == relative) {
            return Err(Failure::new(format!(
                "two files would be written as {}: give one folder, or files with different names",
                relative.display()
            )));
        }
        out.push(Input { path, relative, root });
    }
    Ok(out)
}

/// Writes every variant; stops at the first that cannot be written.
pub fn write(paths: &[PathBuf], options: &Options) -> Result<Vec<Written>, Failure> {
    let inputs = inputs(paths)?;
    // The output may not lie inside a folder it reads: a second run would
    // read the first one's variants.
    std::fs::create_dir_all(&options.out)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", options.out.display())))?;
    let out = std::fs::canonicalize(&options.out).unwrap_or_else(|_| options.out.clone());
    for p in paths.iter().filter(|p| p.is_dir()) {
        if std::fs::canonicalize(p).is_ok_and(|p| out.starts_with(p)) {
            return Err(Failure::new(format!(
                "the output folder {} is inside {}, which holds the problems: write it elsewhere",
                options.out.display(),
                p.display()
            )));
        }
    }
    if let Some(id) = options.ids.iter().find(|id| !valid_id(id)) {
        return Err(Failure::new(format!("`{id}` cannot name a folder")));
    }
    // On several threads, as one after the other: the first failure (in
    // the order of the ids) is the one reported.
    let ids = &options.ids;
    let written = check::parallel::map_until(
        ids.len(),
        options.jobs,
        || (),
        |_, k| variant(&inputs, &ids[k], options),
        Result::is_err,
    );
    written.into_iter().map_while(|w| w).collect()
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))
}

fn put(path: &Path, text: impl AsRef<[u8]>) -> Result<(), Failure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))
}

fn variant(inputs: &[Input], id: &str, options: &Options) -> Result<Written, Failure> {
    let dir = options.out.join(id);
    // With `--only`, the files that hold the problem, whole (so that no
    // other problem of them keeps its draws).
    let run = RunOptions { only: None, seed: Some(DrawSeed::new(options.seed, id)), jobs: 1 };
    let mut copied: Vec<PathBuf> = inputs.iter().map(|i| i.relative.clone()).collect();
    let mut wrote_any = false;
    for input in inputs {
        let source = SourceFile::new(&input.path, read(&input.path)?);
        if let Some(only) = &options.only {
            let (syntax, _) = crate::language::parse(&source.text);
            if !syntax.problems.iter().any(|p| &p.id.name == only) {
                continue;
            }
        }
        wrote_any = true;
        let file = check::run_source(source, &input.root, &run, true);
        if file.has_errors()
            || file
                .problems
                .iter()
                .flat_map(|p| &p.findings)
                .any(|f| matches!(f.status, check::Status::Fail(_) | check::Status::Invalid))
        {
            let failing: Vec<String> = file
                .problems
                .iter()
                .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
                .filter_map(|(p, f)| match &f.status {
                    check::Status::Fail(why) => Some(format!("{} {}: {why}", p.problem.id, f.finding.name)),
                    _ => None,
                })
                .collect();
            let message = format!(
                "variant {id}: {} {}",
                input.path.display(),
                if failing.is_empty() {
                    "has errors".to_string()
                } else {
                    format!("has failing keys: {}", failing.join("; "))
                }
            );
            let report = Report { files: vec![file], ..Report::default() };
            return Err(Failure { message, report: Some(report) });
        }
        // Draws written as declarations, keys as derived values.
        let mut edits: Vec<Edit> = Vec::new();
        for p in &file.problems {
            for d in &p.problem.drawn {
                edits.push(Edit {
                    start: d.span.start,
                    end: d.span.end,
                    text: format!("{} = {}", d.name, d.declaration),
                });
            }
        }
        let plan = bless::plan_with(&file, Mode { missing_only: false, all: true });
        if let Some(why) = plan.unwritten.first().or(plan.skipped.first()) {
            return Err(Failure::new(format!("variant {id}: {}: {why}", input.path.display())));
        }
        edits.extend(plan.edits);
        put(&dir.join(&input.relative), bless::apply(&file.source.text, &edits))?;
        // Included files that are not inputs themselves, as they are.
        for inc in &file.included {
            let Ok(relative) = inc.source.path.strip_prefix(&input.root).map(Path::to_path_buf) else { continue };
            let relative = crate::check::include::normalize(&relative);
            if !copied.contains(&relative) {
                put(&dir.join(&relative), &inc.source.text)?;
                copied.push(relative);
            }
        }
        // The weight files it reads, as they are.
        for data in &file.data {
            let Ok(relative) = data.strip_prefix(&input.root).map(crate::check::include::normalize) else { continue };
            if !copied.contains(&relative) {
                let bytes =
                    std::fs::read(data).map_err(|e| Failure::new(format!("cannot read {}: {e}", data.display())))?;
                put(&dir.join(&relative), bytes)?;
                copied.push(relative);
            }
        }
    }
    if !wrote_any {
        return Err(Failure::new(format!("no problem `{}` in the files given", options.only.as_deref().unwrap_or(""))));
    }
    // The variant checked as a user would check it, then its documents.
    let folder = [dir.clone()];
    let checked = check::run_with(&folder, &RunOptions { only: options.only.clone(), seed: None, jobs: 1 });
    if checked.exit_code() != 0 {
        return Err(Failure { message: format!("variant {id} does not check"), report: Some(checked) });
    }
    let keys = checked.summary().passed;
    let loaded = check::load_with(&folder, &RunOptions { only: options.only.clone(), seed: None, jobs: 1 });
    let markdown = |report: &Report, level| render::render(report, &render::Options::new(Format::Markdown, level));
    put(&dir.join("sheet.md"), markdown(&loaded, Level::Sheet))?;
    put(&dir.join("solutions.md"), markdown(&checked, Level::Solutions))?;
    Ok(Written { id: id.to_string(), dir, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosters_name_the_bad_line() {
        assert_eq!(parse_roster("ada\n\n# a comment\nbob\n").unwrap(), vec!["ada", "bob"]);
        assert!(parse_roster("ada\nada\n").unwrap_err().starts_with("2: `ada` is listed twice"));
        assert!(parse_roster("ada\n../x\n").unwrap_err().starts_with("2: `../x` is not a student id"));
        assert!(parse_roster("\n\n").is_err());
        assert!(!valid_id(".hidden") && !valid_id("a/b") && valid_id("s-12.b_3"));
    }
}
