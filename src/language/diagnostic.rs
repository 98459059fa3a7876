//! Source files, spans and diagnostics, rendered the way rustc renders them.
//!
//! A [`Diagnostic`] is a severity, a message, a primary span with a label,
//! and hints (a hint may carry its own span). Code that finds a problem but
//! does not know where it is returns a plain error; the caller that knows
//! the span turns it into a diagnostic. Only the command line prints them.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The most characters of a source line a diagnostic quotes; a longer line
/// is cut around the span, with `…` where it was cut.
pub const QUOTED_LINE: usize = 100;
/// Of those, how many are kept before the span when a line is cut.
pub const QUOTED_BEFORE: usize = 30;
/// The most characters of a token quoted between backquotes in a message.
pub const QUOTED_TOKEN: usize = 40;
/// The most characters of a message, label or hint.
pub const MESSAGE: usize = 1000;

/// Text from an input file made safe for a terminal, as ripgrep and git
/// show it: control characters are written escaped (`\r`, `\x1b`,
/// `\u{9b}`), never sent, so that an escape sequence, a bell or a carriage
/// return in a problem file cannot act on the terminal. Line breaks and
/// tabs are kept. The result contains no control character other than
/// those two, and escaping it again changes nothing.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if is_unsafe(c) && (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `s` cut to at most `max` characters, ending in `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let keep = s.char_indices().nth(max.saturating_sub(1)).map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..keep])
        }
    }
}

/// A message made safe to print: control characters escaped, each token
/// quoted between backquotes cut to [`QUOTED_TOKEN`] characters, the whole
/// cut to [`MESSAGE`].
pub fn printable_message(s: &str) -> String {
    let s = escape_controls(s);
    let cut: Vec<String> = s
        .split('`')
        .enumerate()
        .map(|(k, part)| if k % 2 == 1 { shorten(part, QUOTED_TOKEN) } else { part.to_string() })
        .collect();
    shorten(&cut.join("`"), MESSAGE)
}

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

/// A UTF-8 byte order mark, which some editors write at the start of a file.
pub const BOM: char = '\u{feff}';

/// A problem file's path and text. A byte order mark at the start stays in
/// the text (so that the file is written back with it) but is no part of
/// the first line: columns are counted after it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl AsRef<Path>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let first = if text.starts_with(BOM) { BOM.len_utf8() } else { 0 };
        let line_starts = std::iter::once(first).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { path: path.as_ref().to_path_buf(), text, line_starts }
    }

    /// The 0-based line that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset).max(self.line_starts[0]);
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
        let message = printable_message(&self.message);
        let path = escape_controls(&file.path.display().to_string());
        let _ = writeln!(out, "{}{}", paint.bold(tone, word), paint.bold("", &format!(": {message}")));
        let _ = writeln!(out, "{pad}{} {path}:{line}:{col}", paint.bold(BLUE, "-->"));
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
                let message = printable_message(&h.message);
                let _ = writeln!(out, "{pad} {} {}", paint.bold(BLUE, "="), paint.bold("", "hint:") + " " + &message);
            }
        }
        out
    }
}

/// How a character of a source line is shown: tabs as four spaces,
/// control characters escaped.
fn shown(c: char) -> String {
    match c {
        '\t' => "    ".to_string(),
        c => {
            let mut s = String::new();
            push_escaped(&mut s, c);
            s
        }
    }
}

/// The part of a source line a diagnostic quotes, as shown: the text,
/// then how many columns come before the span and how many it covers.
/// A line longer than [`QUOTED_LINE`] is cut around the span's start.
fn quoted(text: &str, start: usize, end: usize) -> (String, usize, usize) {
    let cells: Vec<(usize, String)> = text.char_indices().map(|(i, c)| (i, shown(c))).collect();
    let s = cells.iter().position(|(i, _)| *i >= start).unwrap_or(cells.len());
    let e = cells.iter().position(|(i, _)| *i >= end).unwrap_or(cells.len()).max(s);
    let width = |r: &[(usize, String)]| r.iter().map(|(_, c)| c.chars().count()).sum::<usize>();
    let (mut from, mut to) = (0, cells.len());
    if width(&cells) > QUOTED_LINE {
        from = s;
        let mut w = 0;
        while from > 0 && w + cells[from - 1].1.chars().count() <= QUOTED_BEFORE {
            from -= 1;
            w += cells[from].1.chars().count();
        }
        to = from;
        let mut w = 0;
        while to < cells.len() && (to == from || w + cells[to].1.chars().count() <= QUOTED_LINE) {
            w += cells[to].1.chars().count();
            to += 1;
        }
    }
    let mut line = String::new();
    if from > 0 {
        line.push('…');
    }
    let lead = line.chars().count();
    let before = lead + width(&cells[from..s.clamp(from, to)]);
    let marked = width(&cells[s.clamp(from, to)..e.clamp(from, to)]);
    for (_, c) in &cells[from..to] {
        line.push_str(c);
    }
    if to < cells.len() {
        line.push('…');
    }
    // A span cut off at the right still shows one mark under the `…`.
    (line, before, marked.max(1))
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
    let (quoted, before, marked) = quoted(text, start, end);
    let _ = writeln!(out, "{:>width$} {} {}", paint.bold(BLUE, &line.to_string()), paint.bold(BLUE, "|"), quoted);
    let marks: String = std::iter::repeat_n(mark, marked).collect();
    let label = if label.is_empty() { String::new() } else { format!(" {}", printable_message(label)) };
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

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape_controls("a\x1b[2Jb\r\x07\u{9b}\tc\n"), "a\\x1b[2Jb\\r\\x07\\u{9b}\tc\n");
        assert_eq!(escape_controls(&escape_controls("\x1b")), "\\x1b");
        let file = SourceFile::new("q\x1b.nnk", "x = \x1b[2J\n");
        let d = Diagnostic::error(Span::new(4, 5), "found `\x1b`").with_label("no \x07").with_hint("\r");
        let text = d.render(&file, false);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(text.contains("1 | x = \\x1b[2J\n"), "{text}");
        // The underline still sits under the escaped character.
        assert!(text.contains("  |     ^^^^ no \\x07\n"), "{text}");
    }

    #[test]
    fn long_lines_and_tokens_are_cut() {
        let token = "a".repeat(1 << 20);
        let src = format!("x = 1 + {token} + 2\n");
        let file = SourceFile::new("q.nnk", src.clone());
        let d = Diagnostic::error(Span::new(8, 8 + token.len()), format!("unknown name `{token}`")).with_label("here");
        let text = d.render(&file, false);
        assert!(text.len() < 1000, "{} bytes", text.len());
        assert!(text.contains(&format!("unknown name `{}…`", "a".repeat(QUOTED_TOKEN - 1))), "{text}");
        // Cut at the right; the underline starts under the token.
        assert!(text.contains(&format!("1 | x = 1 + {}…\n", "a".repeat(QUOTED_LINE - 8))), "{text}");
        assert!(text.contains(&format!("  |         {} here", "^".repeat(QUOTED_LINE - 8))), "{text}");
        // A span far into a long line: cut on both sides, underline aligned.
        let src = format!("x = {token} + y\n");
        let file = SourceFile::new("q.nnk", src.clone());
        let at = src.find('y').unwrap();
        let text = Diagnostic::error(Span::new(at, at + 1), "unknown name `y`").render(&file, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[3].starts_with("1 | …aaa") && lines[3].ends_with(" + y"), "{text}");
        let column = |l: &str, c: char| l.chars().position(|x| x == c);
        assert_eq!(column(lines[4], '^'), column(lines[3], 'y'));
    }
}
