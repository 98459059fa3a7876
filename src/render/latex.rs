//! LaTeX: a fragment to paste into a course's own document (it needs
//! `amsmath` and `amssymb`), or with `--standalone` a whole `article` that
//! pdflatex compiles as it is. A problem is a `\section*`, its steps an
//! `enumerate`, formulas displays laid out to fit the page: nothing is
//! wider than the text, and nothing is shrunk.

use std::fmt::Write;

use crate::algebra::Ring;
use crate::check::Status;
use crate::derive::{Block, Table};
use crate::language::math::{Inline, Math, Prose};

use super::document::{Document, Level, PartDoc, ProblemDoc, Shown, shown_answer};
use super::layout::{Piece, latex_display};
use super::limits::{LATEX_INLINE_ROWS, LATEX_WIDTH, LISTED};
use super::math::latex::{chars_width, escape_text, latex, width};
use super::math::lower::lower;
use super::{Options, crosscheck_sentence, status_sentence};

/// The packages the output needs.
const PACKAGES: &str = "\\usepackage{amsmath,amssymb,tikz}";

struct Out<'o> {
    text: String,
    ring: &'o Ring,
}

/// Prose as LaTeX text with inline math; a formula too large for a line
/// of text is displayed.
pub fn prose(p: &Prose, ring: &Ring) -> String {
    prose_with(p, ring, true)
}

/// Prose in a table's cell: every formula inline, since a cell holds no
/// display (the table is laid out as items when it is too wide).
fn cell(p: &Prose, ring: &Ring) -> String {
    prose_with(p, ring, false)
}

fn prose_with(p: &Prose, ring: &Ring, displays: bool) -> String {
    let mut out = String::new();
    for i in &p.0 {
        match i {
            Inline::Text(t) => out.push_str(&escape_text(t)),
            Inline::Code(c) => {
                let _ = write!(out, "\\texttt{{{}}}", escape_text(c));
            }
            Inline::Math(m) => {
                let m = lower(m, ring);
                if !displays || (width(&m) <= LATEX_WIDTH && rows(&m) <= LATEX_INLINE_ROWS) {
                    let _ = write!(out, "${}$", latex(&m));
                    continue;
                }
                // Too wide or too tall for a line of text: displayed, and
                // laid out as any display is.
                for piece in latex_display(&m, LATEX_WIDTH) {
                    match piece {
                        Piece::Math(s) => {
                            let _ = write!(out, "\n\\[ {s} \\]\n");
                        }
                        Piece::Note(p) => {
                            let _ = write!(out, "\n\\noindent {}\n", prose(&p, ring));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The rows a formula takes: its tallest matrix's.
fn rows(m: &Math) -> usize {
    match m {
        Math::Matrix(r) => r.len(),
        Math::Relation(first, rest) => rest.iter().map(|(_, x)| rows(x)).fold(rows(first), usize::max),
        Math::Seq(_, items) => items.iter().map(rows).max().unwrap_or(1),
        Math::Fenced(_, x) | Math::Transpose(x) | Math::Neg(x) => rows(x),
        _ => 1,
    }
}

impl Out<'_> {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn display(&mut self, m: &Math, avail: f32) {
        for piece in latex_display(&lower(m, self.ring), avail) {
            match piece {
                Piece::Math(s) => self.push(&format!("\\[ {s} \\]")),
                Piece::Note(p) => {
                    let t = prose(&p, self.ring);
                    self.push(&format!("\\noindent {t}"));
                }
            }
        }
    }

    fn block(&mut self, b: &Block, avail: f32) {
        match b {
            Block::Prose(p) => {
                let t = prose(p, self.ring);
                self.push(&format!("\n{t}"));
            }
            Block::Display(m) => self.display(m, avail),
            Block::Aligned(ms) => {
                for m in ms {
                    self.display(m, avail);
                }
            }
            Block::Table(t) => self.table(t, avail),
            Block::Items(items) => {
                self.push("\\begin{itemize}");
                for p in items {
                    let t = prose(p, self.ring);
                    self.push(&format!("  \\item {t}"));
                }
                self.push("\\end{itemize}");
            }
            Block::Listing { total, items } => {
                for b in items.iter().take(LISTED) {
                    self.block(b, avail);
                }
                let shown = items.len().min(LISTED);
                if *total > shown {
                    self.push(&format!("\n\\ldots{{}} and {} more.", total - shown));
                }
            }
            Block::Figure(f) => {
                let t = super::figure::tikz(f, self.ring);
                self.push(&t);
            }
        }
    }

    fn table(&mut self, t: &Table, avail: f32) {
        let cols = t.header.len().max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
        let ring = self.ring;
        let col_width = |c: usize| {
            t.rows.iter().chain([&t.header]).filter_map(|r| r.get(c)).map(|p| prose_width(p, ring)).fold(0.0, f32::max)
        };
        // Each column's widest cell, and the space tabular puts around it.
        let total: f32 = (0..cols).map(|c| col_width(c) + TABLE_COLUMN_SEP).sum();
        if total > avail {
            self.table_as_items(t, avail);
            return;
        }
        self.push("\\begin{center}");
        self.push(&format!("\\begin{{tabular}}{{{}}}", "c".repeat(cols)));
        if !t.header.is_empty() {
            let cells: Vec<String> = t.header.iter().map(|p| cell(p, self.ring)).collect();
            self.push(&format!("{} \\\\ \\hline", cells.join(" & ")));
        }
        for r in &t.rows {
            let cells: Vec<String> = r.iter().map(|p| cell(p, self.ring)).collect();
            self.push(&format!("{} \\\\", cells.join(" & ")));
        }
        self.push("\\end{tabular}");
        self.push("\\end{center}");
    }

    /// A table too wide for the line, one item per row: its first cell and
    /// its cells of words, then each formula under its column's heading,
    /// displayed (a tuple as a column) so that it can be laid out.
    fn table_as_items(&mut self, t: &Table, avail: f32) {
        self.push("\\begin{itemize}");
        for r in &t.rows {
            let mut item = r.first().map(|p| prose(p, self.ring)).unwrap_or_default();
            let formulas: Vec<(usize, &Math)> = r
                .iter()
                .enumerate()
                .skip(1)
                .filter_map(|(c, p)| match &p.0[..] {
                    [Inline::Math(m)] => Some((c, m)),
                    _ => None,
                })
                .collect();
            for (c, cell) in r.iter().enumerate().skip(1) {
                if !cell.0.is_empty() && !formulas.iter().any(|(k, _)| *k == c) {
                    let _ = write!(item, "; {}", prose(cell, self.ring));
                }
            }
            self.push(&format!("  \\item {item}"));
            for (c, m) in formulas {
                if let Some(h) = t.header.get(c) {
                    let h = prose(h, self.ring);
                    self.push(&format!("\n{h}:"));
                }
                let shown = match m {
                    Math::Seq(crate::language::math::Fence::Paren, items) => Math::column(items.clone()),
                    m => m.clone(),
                };
                self.display(&shown, avail);
            }
        }
        self.push("\\end{itemize}");
    }
}

/// Em-width of the space tabular leaves around a column (2 × 6 pt).
const TABLE_COLUMN_SEP: f32 = 1.2;

/// The width of prose set in a line, in ems.
fn prose_width(p: &Prose, ring: &Ring) -> f32 {
    p.0.iter()
        .map(|i| match i {
            Inline::Text(t) => chars_width(t),
            Inline::Code(c) => 0.53 * c.chars().count() as f32,
            Inline::Math(m) => width(&lower(m, ring)),
        })
        .sum()
}

/// A document as LaTeX.
pub fn document(doc: &Document, opts: &Options) -> String {
    let mut text = String::new();
    if opts.standalone {
        let _ = writeln!(text, "\\documentclass{{article}}");
        let _ = writeln!(text, "{PACKAGES}");
        let _ = writeln!(text, "\\setcounter{{MaxMatrixCols}}{{40}}");
        // Room for a paragraph to stretch rather than run past the margin.
        let _ = writeln!(text, "\\setlength{{\\emergencystretch}}{{2em}}");
        let _ = writeln!(text, "\\title{{{}}}", doc.level.word());
        let _ = writeln!(text, "\\date{{}}");
        let _ = writeln!(text, "\\begin{{document}}");
        let _ = writeln!(text, "\\maketitle");
    } else {
        let _ = writeln!(text, "% Generated by nnkey. Needs {PACKAGES}.");
        let _ = writeln!(text, "\\setcounter{{MaxMatrixCols}}{{40}}");
    }
    for p in &doc.problems {
        let mut out = Out { text: String::new(), ring: &p.report.problem.ring };
        problem(&mut out, doc, p);
        text.push_str(&out.text);
    }
    if opts.standalone {
        let _ = writeln!(text, "\\end{{document}}");
    }
    text
}

fn problem(out: &mut Out, doc: &Document, p: &ProblemDoc) {
    let pr = &p.report.problem;
    let title = pr.title.as_deref().map(|t| format!(": {}", escape_text(t))).unwrap_or_default();
    // Ragged headings: a long title breaks between words, never past the margin.
    out.push(&format!("\n\\section*{{\\raggedright Problem {}{title}}}\\label{{{}}}", escape_text(&pr.id), p.anchor));
    if doc.level == Level::Full {
        let path = escape_text(&p.file.source.path.display().to_string());
        out.push(&format!("{{\\small Source: \\texttt{{{path}}}}}\n"));
    }
    if doc.questions() {
        for para in p.question {
            let t = prose(para, out.ring);
            out.push(&format!("\n{t}"));
        }
        for b in &p.data {
            out.block(b, LATEX_WIDTH + 2.5);
        }
    }
    for part in &p.parts {
        self::part(out, doc, part);
    }
    for a in &p.answers {
        out.push(&format!("\n\\paragraph{{Answer: {}}}", escape_text(&a.name)));
        for para in &a.prose {
            let t = prose(para, out.ring);
            out.push(&format!("{t}\n"));
        }
    }
}

fn part(out: &mut Out, doc: &Document, part: &PartDoc) {
    let label = part.label.as_deref().map(|l| format!("\\textbf{{{l}}} ")).unwrap_or_default();
    let mut opened = false;
    if doc.questions()
        && let Some((first, rest)) = part.question.split_first()
    {
        let t = prose(first, out.ring);
        out.push(&format!("\n\\medskip\\noindent {label}{t}"));
        for para in rest {
            let t = prose(para, out.ring);
            out.push(&format!("\n{t}"));
        }
        opened = true;
    }
    if !opened && !label.is_empty() {
        out.push(&format!("\n\\medskip\\noindent {label}"));
    }
    if !doc.answers() {
        return;
    }
    let Some(f) = part.finding else {
        out.push(&format!("\n\\emph{{No answer for {}: see the error nnkey reports.}}", escape_text(&part.find.name)));
        return;
    };
    if doc.checks() {
        out.push(&format!(
            "\n\\subsubsection*{{{} ({})}}",
            escape_text(&f.finding.name),
            escape_text(super::noun(&f.finding.answer))
        ));
    }
    if !part.steps.is_empty() {
        out.push("\\begin{enumerate}");
        for s in &part.steps {
            let mut first = true;
            for b in &s.blocks {
                match (first, b) {
                    (true, Block::Prose(p)) => {
                        let t = prose(p, out.ring);
                        out.push(&format!("  \\item {t}"));
                    }
                    (true, b) => {
                        out.push("  \\item");
                        out.block(b, LATEX_WIDTH);
                    }
                    (false, b) => out.block(b, LATEX_WIDTH),
                }
                first = false;
            }
        }
        out.push("\\end{enumerate}");
    }
    let avail = LATEX_WIDTH + 2.5;
    match shown_answer(f, out.ring, doc.level) {
        Shown::Formula(m) => {
            if doc.level != Level::Answers && !part.steps.is_empty() {
                out.push("\\noindent Answer:");
            }
            out.display(&m, avail);
        }
        Shown::Fields(fields) => {
            if doc.level != Level::Answers && !part.steps.is_empty() {
                out.push("\\noindent Answer:");
            }
            out.display(&Math::list(fields), avail);
        }
        Shown::Described(why) => {
            out.push(&format!("\n\\noindent ${}$ is {}.", latex(&Math::name(&f.finding.name)), escape_text(&why)));
        }
    }
    if doc.checks() {
        let check = escape_text(&(super::capitalized(&crosscheck_sentence(f)) + "."));
        let status = escape_text(&(super::capitalized(&status_sentence(f)) + "."));
        let mark = if matches!(f.status, Status::Pass) { "" } else { "\\textbf" };
        out.push(&format!("\n{{\\small {check} {mark}{{{status}}}}}"));
    }
}
