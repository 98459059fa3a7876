//! Printers: one module per output format, each documenting its format.
//! They only read a [`Report`]; nothing here derives or checks.

pub mod json;
pub mod latex;
pub mod markdown;
pub mod text;

use crate::check::{FindingReport, Report, Status};
use crate::derive::{Answer, Block};
use crate::language::math::{Inline, Prose};

/// The noun for a kind of answer.
pub fn noun(a: &Answer) -> &'static str {
    match a {
        Answer::ConvMatrix => "matrix",
        Answer::ConvAffine => "affine map",
        Answer::ConvShape => "shape",
        Answer::Equivalence => "equivalence",
        Answer::Neuron => "threshold neuron",
        Answer::ThresholdNetwork => "network check",
        Answer::Census => "count",
        Answer::Piece(_) => "linear piece",
        Answer::Pieces(_) => "linear pieces",
        Answer::Limit => "limit",
        Answer::MinimumNorm => "minimum-norm solution",
        Answer::Regions => "count",
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

/// The output formats of `solve` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Latex,
    Json,
}

/// Renders a full report (derivations included) in a format.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::report(report, color),
        Format::Markdown => markdown::report(report),
        Format::Latex => latex::report(report),
        Format::Json => json::report(report),
    }
}

/// Matrices with more nonzero entries than this are summarized by the
/// text, Markdown and LaTeX printers; JSON lists every entry.
pub const SHOWN_NONZEROS: usize = 20_000;

/// A sentence standing in for a value too large to read, if it is one.
pub fn too_large(v: &crate::model::Value) -> Option<String> {
    match v {
        crate::model::Value::Sparse(m) if m.nonzeros() > SHOWN_NONZEROS => Some(format!(
            "a {}×{} matrix with {} nonzero entries (too many to print; `--format json` lists them all)",
            m.rows(),
            m.cols(),
            m.nonzeros()
        )),
        crate::model::Value::Record(fields) => fields.iter().find_map(|f| too_large(&f.1)),
        _ => None,
    }
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
pub mod math;
