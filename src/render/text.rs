//! Plain text for a terminal: the documents, wrapped to the terminal's
//! width (formulas and matrices keep their lines), and `check`'s one line
//! per key. Color only when asked to.
//!
//! **Invariant.** Nothing from a problem file reaches the terminal raw:
//! every line of a document passes through [`Out::segments`] and every
//! line of `check` through [`line`], which escape control characters
//! (see [`super::printable`]) before any color is added.

use std::fmt::Write;

use crate::algebra::Ring;
use crate::check::{Report, Status};
use crate::derive::{Block, Table};
use crate::language::math::{Math, Prose};

use super::document::{Document, Level, PartDoc, ProblemDoc, Shown, shown_answer};
use super::layout::{prose_text, text_display, wrap};
use super::limits::LISTED;
use super::math::lower::lower;
use super::{Options, crosscheck_sentence, printable, status_sentence};

fn paint(color: bool, code: &str, text: &str) -> String {
    if color && !code.is_empty() { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

/// A line of segments, each escaped and then painted in its color code
/// (`""` for none).
fn line(color: bool, segments: &[(&str, &str)]) -> String {
    segments.iter().map(|(code, text)| paint(color, code, &printable(text))).collect()
}

/// Lines of a document, each pushed with its indent.
struct Out<'o> {
    text: String,
    width: usize,
    color: bool,
    ring: &'o Ring,
}

impl Out<'_> {
    fn line(&mut self, indent: usize, s: &str) {
        self.segments(indent, &[("", s)]);
    }

    /// A line in one color.
    fn painted(&mut self, indent: usize, code: &str, s: &str) {
        self.segments(indent, &[(code, s)]);
    }

    /// The one place a document's text is written: escaped, then painted.
    fn segments(&mut self, indent: usize, segments: &[(&str, &str)]) {
        let _ = writeln!(self.text, "{}{}", " ".repeat(indent), line(self.color, segments));
    }

    fn blank(&mut self) {
        if !self.text.ends_with("\n\n") && !self.text.is_empty() {
            self.text.push('\n');
        }
    }

    /// Prose wrapped, the first line after `lead`.
    fn prose(&mut self, indent: usize, lead: &str, p: &Prose) {
        let text = printable(&prose_text(&lower_prose(p, self.ring)));
        let avail = self.width.saturating_sub(indent + lead.chars().count()).max(20);
        for (k, l) in wrap(&text, avail).iter().enumerate() {
            if k == 0 {
                self.line(indent, &format!("{lead}{l}"));
            } else {
                self.line(indent + lead.chars().count(), l);
            }
        }
    }

    fn display(&mut self, indent: usize, m: &Math) {
        let m = lower(m, self.ring);
        for l in text_display(&m, self.width.saturating_sub(indent).max(20)) {
            self.line(indent, &l);
        }
    }

    fn block(&mut self, indent: usize, b: &Block) {
        match b {
            Block::Prose(p) => self.prose(indent, "", p),
            Block::Display(m) => self.display(indent + 3, m),
            Block::Aligned(ms) => {
                for m in ms {
                    self.display(indent + 3, m);
                }
            }
            Block::Table(t) => self.table(indent + 3, t),
            Block::Items(items) => {
                for p in items {
                    self.prose(indent + 1, "- ", p);
                }
            }
            Block::Listing { total, items } => {
                for b in items.iter().take(LISTED) {
                    self.block(indent, b);
                }
                let shown = items.len().min(LISTED);
                if *total > shown {
                    self.line(indent + 3, &format!("… and {} more", total - shown));
                }
            }
            // Pictures are drawn in HTML and LaTeX; text gives the caption.
            Block::Figure(f) => self.prose(indent + 3, "Picture: ", &f.caption),
        }
    }

    fn table(&mut self, indent: usize, t: &Table) {
        let cell = |p: &Prose| printable(&prose_text(&lower_prose(p, self.ring)));
        let rows: Vec<Vec<String>> = std::iter::once(t.header.iter().map(cell).collect())
            .chain(t.rows.iter().map(|r| r.iter().map(cell).collect()))
            .collect();
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        if widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1) + indent > self.width {
            // Too wide for the line: one wrapped paragraph per row, its first
            // cell, then each other cell after its column's heading.
            for r in &rows[usize::from(!t.header.is_empty())..] {
                let mut line = r.first().cloned().unwrap_or_default();
                let mut first = true;
                for (c, cell) in r.iter().enumerate().skip(1).filter(|(_, s)| !s.is_empty()) {
                    line.push_str(if first { ": " } else { "; " });
                    first = false;
                    if let Some(h) = rows[0].get(c).filter(|_| !t.header.is_empty()) {
                        line.push_str(h);
                        line.push(' ');
                    }
                    line.push_str(cell);
                }
                for (k, l) in wrap(&line, self.width.saturating_sub(indent + 2).max(20)).iter().enumerate() {
                    self.line(indent + if k == 0 { 0 } else { 2 }, l);
                }
            }
            return;
        }
        for (k, r) in rows.iter().enumerate() {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(c, s)| format!("{s}{}", " ".repeat(widths[c].saturating_sub(s.chars().count()))))
                .collect();
            self.line(indent, cells.join("  ").trim_end());
            if k == 0 && !t.header.is_empty() {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                self.line(indent, &rule.join("  "));
            }
        }
    }
}

/// Prose with its formulas lowered (exact values written out).
pub fn lower_prose(p: &Prose, ring: &Ring) -> Prose {
    Prose(
        p.0.iter()
            .map(|i| match i {
                crate::language::math::Inline::Math(m) => crate::language::math::Inline::Math(lower(m, ring)),
                other => other.clone(),
            })
            .collect(),
    )
}

/// A document as text.
pub fn document(doc: &Document, opts: &Options) -> String {
    let mut text = String::new();
    for p in &doc.problems {
        let mut out = Out { text: String::new(), width: opts.width, color: opts.color, ring: &p.report.problem.ring };
        problem(&mut out, doc, p);
        text.push_str(&out.text);
        text.push('\n');
    }
    if doc.level == Level::Full {
        let _ = writeln!(text, "{}", summary_line(doc.report));
    }
    text
}

fn problem(out: &mut Out, doc: &Document, p: &ProblemDoc) {
    let pr = &p.report.problem;
    let title = pr.title.as_deref().map(|t| format!(": {t}")).unwrap_or_default();
    let mut heading = format!("Problem {}{title}", pr.id);
    if doc.checks() {
        heading.push_str(&format!(" ({})", p.file.source.path.display()));
    }
    for (k, l) in wrap(&printable(&heading), out.width).iter().enumerate() {
        out.painted(if k == 0 { 0 } else { 2 }, "1", l);
    }
    if doc.questions() {
        for para in p.question {
            out.blank();
            out.prose(2, "", para);
        }
        for b in &p.data {
            out.blank();
            out.block(2, b);
        }
    }
    for part in &p.parts {
        out.blank();
        self::part(out, doc, part);
    }
    for a in &p.answers {
        out.blank();
        out.painted(2, "1", &format!("Answer {}", a.name));
        for para in &a.prose {
            out.prose(4, "", para);
        }
    }
}

fn part(out: &mut Out, doc: &Document, part: &PartDoc) {
    let label = part.label.clone().map(|l| format!("{l} ")).unwrap_or_default();
    if doc.questions() {
        match part.question.split_first() {
            Some((first, rest)) => {
                out.prose(2, &label, first);
                for para in rest {
                    out.prose(2 + label.chars().count(), "", para);
                }
            }
            None if !label.is_empty() && doc.level == Level::Sheet => out.line(2, label.trim_end()),
            None => {}
        }
    }
    if !doc.answers() {
        return;
    }
    let Some(f) = part.finding else {
        out.line(2, &format!("{label}{}: no answer (see the error above)", part.find.name));
        return;
    };
    if doc.checks() {
        let heading = format!("find {}", f.finding.name);
        out.segments(2, &[("1", &heading), ("", &format!(" ({})", super::noun(&f.finding.answer)))]);
    }
    for (k, s) in part.steps.iter().enumerate() {
        let lead = format!("{}. ", k + 1);
        match s.blocks.split_first() {
            Some((Block::Prose(p), rest)) => {
                out.prose(4, &lead, p);
                for b in rest {
                    out.block(4 + lead.len(), b);
                }
            }
            _ => {
                out.line(4, lead.trim_end());
                for b in &s.blocks {
                    out.block(4 + lead.len(), b);
                }
            }
        }
    }
    let ring = out.ring;
    let lead = if doc.level == Level::Answers { format!("  {label}") } else { "  ".to_string() };
    match shown_answer(f, ring, doc.level) {
        Shown::Described(why) => out.line(0, &format!("{lead}{} is {why}", f.finding.name)),
        // A closed form, for students: as a formula.
        Shown::Formula(m) if doc.level != Level::Full && f.finding.explanation.closed_form.is_some() => {
            let lines = text_display(&lower(&m, ring), out.width.saturating_sub(lead.chars().count()).max(20));
            for (k, l) in lines.iter().enumerate() {
                out.painted(lead.chars().count(), if k == 0 { "1" } else { "" }, l);
            }
        }
        _ => {
            // The answer in nnkey's own syntax, ready to paste as a key.
            let head = format!("{lead}{} = ", f.finding.name);
            let key = f.finding.value.to_key(ring, head.chars().count());
            out.segments(0, &[("1", &head), ("", &key)]);
        }
    }
    if doc.checks() {
        out.prose(4, "", &Prose::text(super::capitalized(&crosscheck_sentence(f)) + "."));
        let code = match f.status {
            Status::Pass => "32",
            Status::Fail(_) | Status::Invalid => "31",
            Status::Missing => "33",
        };
        let status = super::capitalized(&status_sentence(f)) + ".";
        out.painted(4, code, &status);
    }
}

/// `N passed, M failed, K missing`, and `, E errors` when a file or a
/// find ended in an error (the diagnostics above say which).
pub fn summary_line(report: &Report) -> String {
    let s = report.summary();
    let errors =
        report.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.is_error()).count() + report.io_errors.len();
    let mut line = format!("{} passed, {} failed, {} missing", s.passed, s.failed, s.missing);
    match errors {
        0 => {}
        1 => line.push_str(", 1 error"),
        n => line.push_str(&format!(", {n} errors")),
    }
    line
}

/// One line per key, then the failures in detail, then the summary line.
pub fn check_summary(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let mut failures = Vec::new();
    for file in &report.files {
        let path = printable(&file.source.path.display().to_string());
        for p in &file.problems {
            for f in &p.findings {
                let (word, code) = match &f.status {
                    Status::Pass => ("ok", "32"),
                    Status::Fail(_) => ("FAILED", "31"),
                    Status::Invalid => ("INVALID", "31"),
                    Status::Missing => ("missing", "33"),
                };
                let head = format!("{path} {} {} ... ", p.problem.id, f.finding.name);
                let note = f.key_check.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
                let _ = writeln!(out, "{}", line(color, &[("", &head), (code, word), ("", &note)]));
                if let Status::Fail(why) = &f.status {
                    let at = f.key_span.map(|s| {
                        let (l, c) = file.source.line_col(s.start);
                        format!("{path}:{l}:{c}")
                    });
                    failures.push((at.unwrap_or_else(|| path.clone()), p, f, why.clone()));
                }
            }
        }
    }
    if !failures.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for (at, p, f, why) in failures {
            let _ = writeln!(out, "\n  {}", printable(&format!("{} {} ({at})", p.problem.id, f.finding.name)));
            let _ = writeln!(out, "    {}", printable(&why));
            let lead = "    derived: ";
            match super::limits::too_large(&f.finding.value) {
                Some(why) => {
                    let _ = writeln!(out, "{lead}{}", printable(&why));
                }
                None => {
                    let key = f.finding.value.to_key(&p.problem.ring, lead.len());
                    let _ = writeln!(out, "{lead}{}", printable(&key));
                }
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}
