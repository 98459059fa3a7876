//! Source files, spans and diagnostics, rendered the way rustc renders them.
//!
//! A [`Diagnostic`] is a severity, a message, a primary span with a label,
//! and hints (a hint may carry its own span). Code that finds a problem but
//! does not know where it is returns a plain error; the caller that knows
//! the span turns it into a diagnostic. Only the command line prints them.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A byte range in one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end: end.max(start) }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A problem file's path and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl AsRef<Path>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { path: path.as_ref().to_path_buf(), text, line_starts }
    }

    /// The 0-based line that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let col = self.text[self.line_starts[line]..offset].chars().count();
        (line + 1, col + 1)
    }

    /// The text of 0-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line];
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line]
    }

    /// The nearest char boundary at or before `offset`, within the text.
    fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.clamp(span.start)..self.clamp(span.end)]
    }
}

/// The known word nearest to `word`, if it is near enough to be a typo.
pub fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known.iter().map(|k| (edit_distance(word, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 3)).min().map(|p| p.1)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Severity {
    Error,
    Warning,
}

/// A hint: advice, optionally pointing at its own place in the file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hint {
    pub message: String,
    pub span: Option<Span>,
}

/// A message about a place in a problem file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Printed under the underline; defaults to nothing.
    pub label: String,
    pub hints: Vec<Hint>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), span, label: String::new(), hints: Vec::new() }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(Hint { message: hint.into(), span: None });
        self
    }

    pub fn with_hint_at(mut self, span: Span, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(Hint { message: hint.into(), span: Some(span) });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as rustc does: message, location, the source
    /// line with the span underlined, then the hints.
    pub fn render(&self, file: &SourceFile, color: bool) -> String {
        let paint = Paint { on: color };
        let (line, col) = file.line_col(self.span.start);
        let mut lines = vec![line];
        for h in &self.hints {
            if let Some(s) = h.span {
                lines.push(file.line_col(s.start).0);
            }
        }
        let width = lines.iter().max().copied().unwrap_or(1).to_string().len();
        let pad = " ".repeat(width);
        let (word, tone) = match self.severity {
            Severity::Error => ("error", RED),
            Severity::Warning => ("warning", YELLOW),
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}{}", paint.bold(tone, word), paint.bold("", &format!(": {}", self.message)));
        let _ = writeln!(out, "{pad}{} {}:{line}:{col}", paint.bold(BLUE, "-->"), file.path.display());
        let _ = writeln!(out, "{pad} {}", paint.bold(BLUE, "|"));
        snippet(&mut out, file, self.span, '^', tone, &self.label, width, paint);
        for h in &self.hints {
            if let Some(s) = h.span {
                let _ = writeln!(out, "{pad} {}", paint.bold(BLUE, "|"));
                snippet(&mut out, file, s, '-', BLUE, &h.message, width, paint);
            }
        }
        let unspanned: Vec<&Hint> = self.hints.iter().filter(|h| h.span.is_none()).collect();
        if !unspanned.is_empty() {
            let _ = writeln!(out, "{pad} {}", paint.bold(BLUE, "|"));
            for h in unspanned {
                let _ = writeln!(out, "{pad} {} {}", paint.bold(BLUE, "="), paint.bold("", "hint:") + " " + &h.message);
            }
        }
        out
    }
}

/// Expands tabs so that the underline lines up with the text.
fn expand_tabs(s: &str) -> String {
    s.replace('\t', "    ")
}

#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    file: &SourceFile,
    span: Span,
    mark: char,
    tone: &str,
    label: &str,
    width: usize,
    paint: Paint,
) {
    let (line, _) = file.line_col(span.start);
    let text = file.line_text(line - 1);
    let line_start = file.line_start(line - 1);
    let start = span.start.saturating_sub(line_start).min(text.len());
    let end = if file.line_of(span.end.max(span.start)) == line - 1 {
        span.end.saturating_sub(line_start).min(text.len())
    } else {
        text.len()
    };
    let before = expand_tabs(text.get(..start).unwrap_or(text)).chars().count();
    let marked = expand_tabs(text.get(start..end.max(start)).unwrap_or("")).chars().count().max(1);
    let _ = writeln!(
        out,
        "{:>width$} {} {}",
        paint.bold(BLUE, &line.to_string()),
        paint.bold(BLUE, "|"),
        expand_tabs(text)
    );
    let marks: String = std::iter::repeat_n(mark, marked).collect();
    let label = if label.is_empty() { String::new() } else { format!(" {label}") };
    let _ = writeln!(
        out,
        "{} {} {}{}",
        " ".repeat(width),
        paint.bold(BLUE, "|"),
        " ".repeat(before),
        paint.bold(tone, &(marks + &label))
    );
}

const RED: &str = "31";
const YELLOW: &str = "33";
const BLUE: &str = "34";

#[derive(Clone, Copy)]
struct Paint {
    on: bool,
}

impl Paint {
    /// Bold text in a colour (`""` for the default colour).
    fn bold(&self, tone: &str, text: &str) -> String {
        if !self.on || text.is_empty() {
            return text.to_string();
        }
        if tone.is_empty() { format!("\x1b[1m{text}\x1b[0m") } else { format!("\x1b[1;{tone}m{text}\x1b[0m") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let file = SourceFile::new("q.nnk", "problem q1\n  W = kernel 2xw\n");
        let d = Diagnostic::error(Span::new(26, 27), "expected a number, found `w`")
            .with_label("expected a number")
            .with_hint("kernel shapes look like `2x2` or `4x1x1x1`");
        let text = d.render(&file, false);
        assert_eq!(
            text,
            "error: expected a number, found `w`\n \
             --> q.nnk:2:16\n  \
             |\n\
             2 |   W = kernel 2xw\n  \
             |                ^ expected a number\n  \
             |\n  \
             = hint: kernel shapes look like `2x2` or `4x1x1x1`\n"
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        let file = SourceFile::new("q.nnk", "é = 1\n\tx\n");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(2), (1, 2));
        assert_eq!(file.line_col(7), (2, 1));
        assert_eq!(file.line_col(8), (2, 2));
        assert_eq!(file.line_col(1000), (3, 1));
    }
}
