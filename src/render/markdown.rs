//! Markdown (CommonMark, with math between `$…$` and `$$…$$` as GitHub,
//! GitLab and pulldown-cmark read it): a section per problem, steps as a
//! numbered list, formulas as display math. Prose is escaped, so nothing in
//! a problem file turns into emphasis, links or HTML.

use std::fmt::Write;

use crate::algebra::Ring;
use crate::derive::{Block, Table};
use crate::language::math::{Inline, Math, Prose};

use super::document::{Document, Level, PartDoc, ProblemDoc, Shown, shown_answer};
use super::layout::{Piece, latex_display};
use super::limits::{LATEX_WIDTH, LISTED};
use super::math::latex::latex;
use super::math::lower::lower;
use super::{Options, crosscheck_sentence, status_sentence};

/// Text escaped for Markdown: every ASCII punctuation that could start
/// markup gets a backslash, and `<`, `>`, `&` become entities.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '#' | '|' | '$' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Inline code: backquotes long enough not to close early. A code span
/// shows its text as it is, so control characters are written escaped.
pub fn code(c: &str) -> String {
    let c = &super::printable(&c.replace(['\n', '\t'], " "));
    let run = c.split(|ch| ch != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(run + 1);
    let pad = if c.starts_with('`') || c.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{c}{pad}{fence}")
}

/// Prose as Markdown with inline math.
pub fn prose(p: &Prose, ring: &Ring) -> String {
    let mut out = String::new();
    for i in &p.0 {
        match i {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(c) => out.push_str(&code(c)),
            Inline::Math(m) => {
                let _ = write!(out, "${}$", latex(&lower(m, ring)).trim());
            }
        }
    }
    out
}

struct Out<'o> {
    text: String,
    ring: &'o Ring,
}

impl Out<'_> {
    /// A paragraph-level line, indented to sit inside a list item.
    fn line(&mut self, indent: usize, s: &str) {
        let _ = writeln!(self.text, "{}{s}", " ".repeat(indent));
    }

    fn blank(&mut self) {
        if !self.text.ends_with("\n\n") && !self.text.is_empty() {
            self.text.push('\n');
        }
    }

    fn display(&mut self, indent: usize, m: &Math) {
        for piece in latex_display(&lower(m, self.ring), LATEX_WIDTH) {
            self.blank();
            match piece {
                Piece::Math(s) => {
                    self.line(indent, "$$");
                    self.line(indent, &s);
                    self.line(indent, "$$");
                }
                Piece::Note(p) => {
                    let t = prose(&p, self.ring);
                    self.line(indent, &t);
                }
            }
            self.blank();
        }
    }

    fn block(&mut self, indent: usize, b: &Block) {
        match b {
            Block::Prose(p) => {
                self.blank();
                let t = prose(p, self.ring);
                self.line(indent, &t);
                self.blank();
            }
            Block::Display(m) => self.display(indent, m),
            Block::Aligned(ms) => {
                for m in ms {
                    self.display(indent, m);
                }
            }
            Block::Table(t) => self.table(indent, t),
            Block::Items(items) => {
                self.blank();
                for p in items {
                    let t = prose(p, self.ring);
                    self.line(indent, &format!("- {t}"));
                }
                self.blank();
            }
            Block::Listing { total, items } => {
                for b in items.iter().take(LISTED) {
                    self.block(indent, b);
                }
                let shown = items.len().min(LISTED);
                if *total > shown {
                    self.blank();
                    self.line(indent, &format!("… and {} more.", total - shown));
                    self.blank();
                }
            }
            // Pictures are drawn in HTML and LaTeX; Markdown gives the caption.
            Block::Figure(f) => {
                self.blank();
                let t = prose(&f.caption, self.ring);
                self.line(indent, &format!("Picture: {t}"));
                self.blank();
            }
        }
    }

    fn table(&mut self, indent: usize, t: &Table) {
        self.blank();
        let cols = t.header.len().max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
        let header: Vec<String> = if t.header.is_empty() {
            vec![" ".to_string(); cols]
        } else {
            t.header.iter().map(|p| prose(p, self.ring)).collect()
        };
        self.line(indent, &format!("| {} |", header.join(" | ")));
        self.line(indent, &format!("|{}", "---|".repeat(cols)));
        for r in &t.rows {
            let cells: Vec<String> = r.iter().map(|p| prose(p, self.ring)).collect();
            self.line(indent, &format!("| {} |", cells.join(" | ")));
        }
        self.blank();
    }
}

/// A document as Markdown.
pub fn document(doc: &Document, opts: &Options) -> String {
    let mut text = String::new();
    if opts.standalone {
        let _ = writeln!(text, "# {}\n", doc.level.word());
    }
    for p in &doc.problems {
        let mut out = Out { text: String::new(), ring: &p.report.problem.ring };
        problem(&mut out, doc, p);
        text.push_str(&out.text);
        if !text.ends_with("\n\n") {
            text.push('\n');
        }
    }
    if doc.level == Level::Full {
        let _ = writeln!(text, "---\n\n{}", super::text::summary_line(doc.report));
    }
    text
}

fn problem(out: &mut Out, doc: &Document, p: &ProblemDoc) {
    let pr = &p.report.problem;
    let title = pr.title.as_deref().map(|t| format!(": {}", escape(t))).unwrap_or_default();
    out.line(0, &format!("## Problem {}{title}", escape(&pr.id)));
    out.blank();
    if doc.level == Level::Full {
        out.line(0, &format!("Source: {}", code(&p.file.source.path.display().to_string())));
        out.blank();
    }
    if doc.questions() {
        for para in p.question {
            let t = prose(para, out.ring);
            out.line(0, &t);
            out.blank();
        }
        for b in &p.data {
            out.block(0, b);
        }
    }
    for part in &p.parts {
        self::part(out, doc, part);
    }
    for a in &p.answers {
        out.blank();
        out.line(0, &format!("### Answer: {}", escape(&a.name)));
        out.blank();
        for para in &a.prose {
            let t = prose(para, out.ring);
            out.line(0, &t);
            out.blank();
        }
    }
}

fn part(out: &mut Out, doc: &Document, part: &PartDoc) {
    let label = part.label.clone().map(|l| format!("{} ", escape(&l))).unwrap_or_default();
    if doc.checks() || part.label.is_some() {
        let what = match part.finding {
            Some(f) if doc.checks() => format!(" ({})", super::noun(&f.finding.answer)),
            _ => String::new(),
        };
        out.blank();
        out.line(0, &format!("### {label}{}{what}", escape(&part.find.name)));
        out.blank();
    }
    if doc.questions() {
        for para in part.question {
            let t = prose(para, out.ring);
            out.line(0, &t);
            out.blank();
        }
    }
    if !doc.answers() {
        return;
    }
    let Some(f) = part.finding else {
        out.line(0, &format!("No answer for {}: see the error nnkey reports.", code(&part.find.name)));
        out.blank();
        return;
    };
    for (k, s) in part.steps.iter().enumerate() {
        let lead = format!("{}. ", k + 1);
        let indent = lead.len();
        let mut first = true;
        for b in &s.blocks {
            match (first, b) {
                (true, Block::Prose(p)) => {
                    out.blank();
                    let t = prose(p, out.ring);
                    out.line(0, &format!("{lead}{t}"));
                }
                (true, b) => {
                    out.blank();
                    out.line(0, lead.trim_end());
                    out.block(indent, b);
                }
                (false, b) => out.block(indent, b),
            }
            first = false;
        }
    }
    out.blank();
    match shown_answer(f, out.ring, doc.level) {
        Shown::Formula(m) => out.display(0, &m),
        Shown::Fields(fields) => out.display(0, &Math::list(fields)),
        Shown::Described(why) => {
            out.line(0, &format!("${}$ is {}.", latex(&Math::name(&f.finding.name)), escape(&why)));
            out.blank();
        }
    }
    if doc.checks() {
        out.line(0, &escape(&(super::capitalized(&crosscheck_sentence(f)) + ".")));
        out.blank();
        out.line(0, &escape(&(super::capitalized(&status_sentence(f)) + ".")));
        out.blank();
    }
}
