//! `nnkey bless`: writes derived answers into the files, in place.
//!
//! Only `expect` values are written: a failing key's value is replaced, a
//! missing key is added on the line after its `find`. A key that holds is
//! left exactly as written, and so is every other byte of the file. The
//! edits are computed against the original text, so they never shift each
//! other, and the file is replaced atomically (written beside it, then
//! renamed over it). A file with errors is not touched, and neither is a
//! finding whose numeric cross-check failed. A key too large for the
//! documents to print (the presentation layer's limits) is not written
//! either.

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
    /// `"missing"` or `"fail"`: what the key was before.
    pub was: &'static str,
}

/// What bless did to one file.
#[derive(Clone, Debug)]
pub struct Blessed {
    pub path: PathBuf,
    pub written: Vec<Written>,
    /// Why the file (or some key in it) was left alone.
    pub skipped: Vec<String>,
}

/// The edits that bring a file's keys in line with its findings.
pub fn plan(file: &FileReport) -> (Vec<Edit>, Vec<Written>, Vec<String>) {
    let text = &file.source.text;
    let mut edits = Vec::new();
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    for p in &file.problems {
        for f in &p.findings {
            let was = match f.status {
                Status::Missing => "missing",
                Status::Fail(_) => "fail",
                Status::Pass | Status::Invalid => continue,
            };
            if !f.crosscheck.passed {
                skipped.push(format!(
                    "{} {}: not written, because its numeric cross-check failed",
                    p.problem.id, f.finding.name
                ));
                continue;
            }
            let ring = &p.problem.ring;
            let value = &f.finding.value;
            let not_written = |why: String| format!("{} {}: not written, because {why}", p.problem.id, f.finding.name);
            if let Some(why) = limits::too_large(value) {
                skipped.push(not_written(format!("it is {why}")));
                continue;
            }
            match f.key_value_span {
                Some(span) => {
                    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
                    let column = text[line_start..span.start].chars().count();
                    let key = value.to_key(ring, column).replace('\n', line_ending(text, span.start));
                    if let Err(why) = limits::key_fits(value, &key) {
                        skipped.push(not_written(why));
                        continue;
                    }
                    edits.push(Edit { start: span.start, end: span.end, text: key });
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
                        skipped.push(not_written(why));
                        continue;
                    }
                    edits.push(Edit { start: at, end: at, text: format!("{newline}{prefix}{key}") });
                }
            }
            written.push(Written { problem: p.problem.id.clone(), name: f.finding.name.clone(), was });
        }
    }
    (edits, written, skipped)
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

/// Replaces `path`'s contents atomically: a reader sees the old file or the
/// new one, never a mix, and a failure leaves the old one in place.
pub fn write_atomic(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.nnkey-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Blesses every file of a report: files with errors are skipped whole.
pub fn bless(report: &Report) -> (Vec<Blessed>, Vec<(PathBuf, String)>) {
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for file in &report.files {
        let path = file.source.path.clone();
        if file.has_errors() {
            done.push(Blessed { path, written: Vec::new(), skipped: vec!["not touched: the file has errors".into()] });
            continue;
        }
        let (edits, written, skipped) = plan(file);
        if !edits.is_empty() {
            let new_text = apply(&file.source.text, &edits);
            if let Err(e) = write_atomic(&path, &new_text) {
                failures.push((path.clone(), e.to_string()));
                continue;
            }
        }
        done.push(Blessed { path, written, skipped });
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
