//! `nnkey bless`: writes derived answers into the files, in place.
//!
//! Only `expect` values are written: a failing key's value is replaced, a
//! missing key is added on the line after its `find`. A key that holds is
//! left exactly as written, and so is every other byte of the file. The
//! edits are computed against the original text, so they never shift each
//! other. A file with errors is not touched, and neither is a finding whose
//! numeric cross-check failed. A key too large for the documents to print
//! (the presentation layer's limits) is not written either.
//!
//! **Replacing a file** ([`replace_file`]). The new text goes to a
//! temporary file created with `O_EXCL` under a random name in the same
//! directory (so no planted file or link can take the write), which gets
//! the old file's permissions (and owner and group, where the user may set
//! them) and is renamed over it: a reader sees the old file or the new one,
//! never a mix. A key file that is a symbolic link is written through: its
//! target is replaced and the link stays. nnkey refuses, and leaves the
//! file as it was, when the file is read-only (no write permission bit, or
//! not writable by the user), when it has several hard links (a rename
//! would leave the other names with the old text), and when its bytes
//! changed since nnkey read them (an edit made while bless ran is kept,
//! not overwritten; run bless again). Extended attributes and ACLs are not
//! copied.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::check::{FileReport, Report, Status};
use crate::render::limits;

/// Replace `start..end` of the original text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What bless did to one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub problem: String,
    pub name: String,
    /// `"missing"`, `"fail"` or (rewriting every key) `"pass"`: what the
    /// key was before.
    pub was: &'static str,
}

/// What bless did to one file.
#[derive(Clone, Debug)]
pub struct Blessed {
    pub path: PathBuf,
    pub written: Vec<Written>,
    /// Missing keys left missing, with why: notes.
    pub skipped: Vec<String>,
    /// Failing keys left failing (or a file left alone), with why: the run
    /// does not succeed.
    pub unwritten: Vec<String>,
}

/// The edits that bring a file's keys in line with its findings, and the
/// keys it leaves as they are.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub edits: Vec<Edit>,
    pub written: Vec<Written>,
    /// Missing keys not written, with why.
    pub skipped: Vec<String>,
    /// Failing keys not written, with why: they still fail.
    pub unwritten: Vec<String>,
}

/// Which keys bless writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// Only missing keys: a failing key is left as written (and fails).
    pub missing_only: bool,
    /// Every key of a problem with drawn parameters, a holding one too,
    /// written as the derived value, and drawn problems' missing keys
    /// written (for variants, whose keys become plain values).
    pub all: bool,
}

/// The edits that bring a file's keys in line with its findings.
pub fn plan(file: &FileReport) -> Plan {
    plan_with(file, Mode::default())
}

/// The edits that bring a file's keys in line with its findings, in a mode.
pub fn plan_with(file: &FileReport, mode: Mode) -> Plan {
    let text = &file.source.text;
    let mut plan = Plan::default();
    for p in &file.problems {
        for f in &p.findings {
            let was = match f.status {
                Status::Missing => "missing",
                Status::Fail(_) => "fail",
                Status::Pass if mode.all && !p.problem.drawn.is_empty() => "pass",
                Status::Pass | Status::Invalid => continue,
            };
            let mut not_written = |why: String| {
                let line = format!("{} {}: not written, because {why}", p.problem.id, f.finding.name);
                if was == "fail" { plan.unwritten.push(line) } else { plan.skipped.push(line) }
            };
            if was == "fail" && mode.missing_only {
                not_written("--missing-only leaves failing keys as they are".into());
                continue;
            }
            if !p.problem.drawn.is_empty() && !mode.all {
                not_written(
                    "its problem draws its values: its keys are written by hand, as expressions in the drawn names"
                        .into(),
                );
                continue;
            }
            if !f.crosscheck.not_failed() {
                not_written("its numeric cross-check failed".into());
                continue;
            }
            let ring = &p.problem.ring;
            let value = &f.finding.value;
            if let Some(why) = limits::too_large(value) {
                not_written(format!("it is {why}"));
                continue;
            }
            match f.key_value_span {
                Some(span) => {
                    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
                    let column = text[line_start..span.start].chars().count();
                    let key = value.to_key(ring, column).replace('\n', line_ending(text, span.start));
                    if let Err(why) = limits::key_fits(value, &key) {
                        not_written(why);
                        continue;
                    }
                    plan.edits.push(Edit { start: span.start, end: span.end, text: key });
                }
                None => {
                    let stmt = f.find_span;
                    let line_start = text[..stmt.start].rfind('\n').map_or(0, |i| i + 1);
                    let indent: String =
                        text[line_start..stmt.start].chars().take_while(|c| c.is_whitespace()).collect();
                    let line_end = text[stmt.end..].find('\n').map_or(text.len(), |i| stmt.end + i);
                    // Keep a `\r` of a CRLF line ending where it is.
                    let at = if text[..line_end].ends_with('\r') { line_end - 1 } else { line_end };
                    let prefix = format!("{indent}expect {} = ", f.finding.name);
                    let newline = line_ending(text, stmt.end);
                    let key = value.to_key(ring, prefix.chars().count()).replace('\n', newline);
                    if let Err(why) = limits::key_fits(value, &key) {
                        not_written(why);
                        continue;
                    }
                    plan.edits.push(Edit { start: at, end: at, text: format!("{newline}{prefix}{key}") });
                }
            }
            plan.written.push(Written { problem: p.problem.id.clone(), name: f.finding.name.clone(), was });
        }
    }
    plan
}

/// The line ending to write at `offset`: that of the line holding it, or
/// for a last line without one, the ending most of the file's lines have.
fn line_ending(text: &str, offset: usize) -> &'static str {
    let crlf = |line: &str| if line.ends_with('\r') { "\r\n" } else { "\n" };
    match text[offset..].find('\n') {
        Some(n) => crlf(&text[..offset + n]),
        None => {
            let crlfs = text.matches("\r\n").count();
            if crlfs * 2 > text.matches('\n').count() { "\r\n" } else { "\n" }
        }
    }
}

/// Applies edits made against `text`'s original offsets.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for e in sorted {
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Replaces the contents of the file at `path`, which nnkey read as
/// `original`, with `contents` (see the module documentation): through a
/// symbolic link, atomically, keeping permissions, and refusing with a
/// reason (leaving the file as it was) when the file is read-only, has
/// several hard links, or no longer holds `original`.
///
/// The last comparison happens just before the rename; an edit saved in
/// the instant between the two is the one case this cannot see.
pub fn replace_file(path: &Path, original: &[u8], contents: &[u8]) -> Result<(), String> {
    // A symbolic link is written through: its target is the file.
    let target = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let meta = std::fs::metadata(&target).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.permissions().readonly() {
        return Err("the file is read-only; nnkey does not write over it (make it writable to bless it)".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(format!(
                "the file has {} hard links; replacing it would leave the other names with the old text, \
                 so nnkey does not write it",
                meta.nlink()
            ));
        }
    }
    // The user must be able to write the file itself, not only its folder.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| format!("the file is not writable ({e}); nnkey does not write over it"))?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // O_EXCL, a random name, mode 0600 until the permissions are copied;
    // removed on every early return.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".nnkey-tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(contents).and_then(|_| tmp.as_file().sync_all()).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The owner and group where the user may set them (root may; others
        // may keep their own and choose among their groups), before the
        // mode, since a change of owner may clear set-id bits.
        let f = tmp.as_file();
        if std::os::unix::fs::fchown(f, Some(meta.uid()), Some(meta.gid())).is_err() {
            let _ = std::os::unix::fs::fchown(f, None, Some(meta.gid()));
        }
    }
    tmp.as_file().set_permissions(meta.permissions()).map_err(|e| e.to_string())?;
    // Last: the file must still hold what nnkey read.
    let now = std::fs::read(&target).map_err(|e| e.to_string())?;
    if now != original {
        return Err("the file changed since nnkey read it (an edit while bless ran?); \
                    nothing was written, so the edit is kept: run bless again"
            .into());
    }
    tmp.persist(&target).map_err(|e| e.error.to_string())?;
    // Make the rename itself durable, where the platform allows it.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Blesses every file of a report: files with errors are skipped whole.
/// Returns what was done to each file and the files that could not be
/// written, with why.
pub fn bless(report: &Report) -> (Vec<Blessed>, Vec<(PathBuf, String)>) {
    bless_with(report, Mode::default(), None)
}

/// A unified diff (three lines of context) from `old` to `new`, headed
/// `a/PATH` and `b/PATH` as git writes it; empty when nothing changes.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Blesses the files of a report in a mode. With `dry_run`, nothing is
/// written: the diff of each file that would change is appended to it.
pub fn bless_with(
    report: &Report,
    mode: Mode,
    mut dry_run: Option<&mut String>,
) -> (Vec<Blessed>, Vec<(PathBuf, String)>) {
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for file in &report.files {
        let path = file.source.path.clone();
        if file.has_errors() {
            done.push(Blessed {
                path,
                written: Vec::new(),
                skipped: Vec::new(),
                unwritten: vec!["not touched: the file has errors".into()],
            });
            continue;
        }
        let Plan { edits, written, skipped, unwritten } = plan_with(file, mode);
        if let Some(out) = dry_run.as_deref_mut() {
            let new_text = apply(&file.source.text, &edits);
            out.push_str(&unified_diff(&path, &file.source.text, &new_text));
        } else if !edits.is_empty() {
            let new_text = apply(&file.source.text, &edits);
            if let Err(e) = replace_file(&path, file.source.text.as_bytes(), new_text.as_bytes()) {
                failures.push((path.clone(), e));
                continue;
            }
        }
        done.push(Blessed { path, written, skipped, unwritten });
    }
    (done, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_use_original_offsets() {
        let text = "abcdef";
        let edits = vec![
            Edit { start: 4, end: 5, text: "XYZ".into() },
            Edit { start: 1, end: 2, text: "".into() },
            Edit { start: 6, end: 6, text: "!".into() },
        ];
        assert_eq!(apply(text, &edits), "acdXYZf!");
    }
}
