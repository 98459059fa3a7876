//! The presentation layer: the only place that knows notations, layout
//! and size limits. It turns a [`Report`] into the four documents (problem
//! sheet, answers, solutions, full key) in every format.
//!
//! - [`document`] decides what each document holds, once for all formats;
//! - [`math`] prints formulas in each notation, [`layout`] breaks the ones
//!   too wide for a line, [`limits`] holds every size limit;
//! - [`data`] shows the objects a question gives;
//! - [`figure`] draws pictures (SVG and TikZ);
//! - one printer per format: [`text`], [`markdown`], [`latex`], [`html`],
//!   [`json`].
//!
//! Nothing here derives or checks.

pub mod data;
pub mod document;
pub mod figure;
pub mod html;
pub mod json;
pub mod latex;
pub mod layout;
pub mod limits;
pub mod markdown;
pub mod math;
pub mod text;

use crate::check::{FindingReport, Report, Status};
use crate::derive::{Answer, Block};
use crate::language::math::{Inline, Prose};

pub use document::{Document, Level};

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Latex,
    Json,
    Html,
}

/// How to print a document.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub format: Format,
    pub level: Level,
    /// A whole document (LaTeX preamble, title) rather than a fragment.
    pub standalone: bool,
    /// ANSI color (text only).
    pub color: bool,
    /// Columns of text output.
    pub width: usize,
}

impl Options {
    pub fn new(format: Format, level: Level) -> Options {
        Options { format, level, standalone: false, color: false, width: limits::TEXT_WIDTH }
    }
}

/// A document of the report in a format.
pub fn render(report: &Report, opts: &Options) -> String {
    if opts.format == Format::Json {
        return json::report(report, opts.level);
    }
    let doc = Document::new(report, opts.level);
    match opts.format {
        Format::Text => text::document(&doc, opts),
        Format::Markdown => markdown::document(&doc, opts),
        Format::Latex => latex::document(&doc, opts),
        Format::Html => html::document(&doc, opts),
        Format::Json => unreachable!("handled above"),
    }
}

/// Text from an input file made safe for a terminal: control characters
/// (escape sequences, bells, carriage returns) are shown escaped, never sent.
pub fn printable(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

/// The noun for a kind of answer.
pub fn noun(a: &Answer) -> &'static str {
    match a {
        Answer::ConvMatrix => "matrix",
        Answer::ConvAffine(_) => "affine map",
        Answer::ConvShape(_) => "shape",
        Answer::Equivalence(_) => "equivalence",
        Answer::Neuron(_) => "threshold neuron",
        Answer::ThresholdNetwork(_) => "network check",
        Answer::Census(_) => "count",
        Answer::Piece(_) => "linear piece",
        Answer::Pieces(_) => "linear pieces",
        Answer::Limit(_) => "limit",
        Answer::MinimumNorm(_) => "minimum-norm solution",
        Answer::Regions(_) => "count",
    }
}

/// Prose as plain text (transitional).
pub fn prose_text(p: &Prose) -> String {
    p.0.iter()
        .map(|i| match i {
            Inline::Text(t) => t.clone(),
            Inline::Code(c) => format!("`{c}`"),
            Inline::Math(m) => math::text::inline(m),
        })
        .collect()
}

/// A step as (text, plain math, latex math) (transitional).
pub fn step_parts(s: &crate::derive::Step) -> (String, Option<(String, String)>) {
    let mut text = String::new();
    let mut plain: Vec<String> = Vec::new();
    let mut latex: Vec<String> = Vec::new();
    fn block(b: &Block, text: &mut String, plain: &mut Vec<String>, latex: &mut Vec<String>) {
        match b {
            Block::Prose(p) => {
                if text.is_empty() {
                    text.push_str(&prose_text(p));
                } else {
                    plain.push(prose_text(p));
                }
            }
            Block::Legacy { plain: p, latex: l } => {
                plain.push(p.clone());
                latex.push(l.clone());
            }
            Block::Display(x) => {
                plain.push(math::text::inline(x));
                latex.push(math::latex::latex(x));
            }
            Block::Aligned(xs) => {
                for x in xs {
                    plain.push(math::text::inline(x));
                    latex.push(math::latex::latex(x));
                }
            }
            Block::Figure(f) => plain.push(prose_text(&f.caption)),
            Block::Items(items) => plain.extend(items.iter().map(|p| format!("- {}", prose_text(p)))),
            Block::Table(t) => {
                plain.push(t.header.iter().map(prose_text).collect::<Vec<_>>().join(" | "));
                for r in &t.rows {
                    plain.push(r.iter().map(prose_text).collect::<Vec<_>>().join(" | "));
                }
            }
            Block::Listing { total, items } => {
                for i in items {
                    block(i, text, plain, latex);
                }
                if *total > items.len() {
                    plain.push(format!("… and {} more", total - items.len()));
                }
            }
        }
    }
    for b in &s.blocks {
        block(b, &mut text, &mut plain, &mut latex);
    }
    let m = (!plain.is_empty()).then(|| (plain.join("\n"), latex.join(" \\\\ ")));
    (text, m)
}

/// A step with every exact value (polynomial, rational function, formula)
/// written out with the problem's names: the printers take lowered
/// formulas (transitional, until the printers lower for themselves).
pub fn lowered_step(s: &crate::derive::Step, ring: &crate::algebra::Ring) -> crate::derive::Step {
    fn prose(p: &Prose, ring: &crate::algebra::Ring) -> Prose {
        Prose(
            p.0.iter()
                .map(|i| match i {
                    Inline::Math(m) => Inline::Math(math::lower::lower(m, ring)),
                    i => i.clone(),
                })
                .collect(),
        )
    }
    fn block(b: &Block, ring: &crate::algebra::Ring) -> Block {
        match b {
            Block::Prose(p) => Block::Prose(prose(p, ring)),
            Block::Display(m) => Block::Display(math::lower::lower(m, ring)),
            Block::Aligned(ms) => Block::Aligned(ms.iter().map(|m| math::lower::lower(m, ring)).collect()),
            Block::Table(t) => Block::Table(crate::derive::Table {
                header: t.header.iter().map(|p| prose(p, ring)).collect(),
                rows: t.rows.iter().map(|r| r.iter().map(|p| prose(p, ring)).collect()).collect(),
            }),
            Block::Items(items) => Block::Items(items.iter().map(|p| prose(p, ring)).collect()),
            Block::Listing { total, items } => {
                Block::Listing { total: *total, items: items.iter().map(|b| block(b, ring)).collect() }
            }
            Block::Figure(_) | Block::Legacy { .. } => b.clone(),
        }
    }
    crate::derive::Step { depth: s.depth, blocks: s.blocks.iter().map(|b| block(b, ring)).collect() }
}

/// [`step_parts`] of a step whose formulas may hold exact values
/// (transitional).
pub fn step_parts_in(s: &crate::derive::Step, ring: &crate::algebra::Ring) -> (String, Option<(String, String)>) {
    step_parts(&lowered_step(s, ring))
}

/// A key's status in a sentence.
pub fn status_sentence(f: &FindingReport) -> String {
    match &f.status {
        Status::Pass => "key: holds".into(),
        Status::Fail(why) => format!("key: FAILS: {why}"),
        Status::Missing => "key: none in the file (`nnkey bless` writes one)".into(),
        Status::Invalid => "key: cannot be read (see the error above)".into(),
    }
}

/// The sentence with its first letter in upper case.
pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The cross-check in a sentence.
pub fn crosscheck_sentence(f: &FindingReport) -> String {
    let c = &f.crosscheck;
    if c.trials == 0 {
        return format!("numeric check: {}", c.method);
    }
    let outcome = if c.passed { "passed" } else { "FAILED" };
    let trials = if c.trials == 1 { "1 trial".to_string() } else { format!("{} trials", c.trials) };
    format!("numeric check {outcome} ({trials}): {}; {}", c.method, c.detail)
}
