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
pub mod grade;
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
use crate::language::math::Prose;

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
    crate::language::diagnostic::escape_controls(s)
}

/// The noun for a kind of answer.
pub fn noun(a: &Answer) -> &'static str {
    match a {
        Answer::ConvMatrix => "matrix",
        Answer::ConvAffine(_) => "affine map",
        Answer::ConvShape(_) => "shape",
        Answer::ConvSizes(a) => match a.what {
            crate::model::sizes::SizeWhat::Shape => "shape",
            crate::model::sizes::SizeWhat::Parameters => "number of parameters",
            crate::model::sizes::SizeWhat::Macs => "number of multiply-adds",
        },
        Answer::Equivalence(_) => "equivalence",
        Answer::Neuron(_) => "threshold neuron",
        Answer::ThresholdNetwork(_) => "network check",
        Answer::Census(_) => "count",
        Answer::Piece(_) => "linear piece",
        Answer::Pieces(_) => "linear pieces",
        Answer::Visualization(_) => "class visualization",
        Answer::InputGradient(a) => match a.kind {
            crate::model::input_gradient::GradientKind::Gradient => "input gradient",
            crate::model::input_gradient::GradientKind::Saliency { .. } => "saliency map",
            crate::model::input_gradient::GradientKind::SignStep { .. } => "gradient sign step",
        },
        Answer::CrossEntropy(a) => match (&a.step, a.probability) {
            (Some(_), _) => "gradient sign step on the cross-entropy",
            (None, true) => "softmax probability input gradient",
            (None, false) => "cross-entropy input gradient",
        },
        Answer::Perturbation(_) => "smallest perturbation",
        Answer::Limit(_) => "limit",
        Answer::MinimumNorm(_) => "minimum-norm solution",
        Answer::GradientQuantity(q) => match **q {
            crate::derive::gradient::QuantityAnswer::LargestEigenvalue { .. } => "largest eigenvalue",
            crate::derive::gradient::QuantityAnswer::LargestStep { .. } => "largest convergent step",
            crate::derive::gradient::QuantityAnswer::SquaredNorm(_) => "squared norm",
            crate::derive::gradient::QuantityAnswer::TrainingError(_) => "training error",
            crate::derive::gradient::QuantityAnswer::Rank { .. } => "rank",
        },
        Answer::Regions(_) => "count",
        Answer::Risk(crate::derive::risk::RiskAnswer::Point(_)) => "risk",
        Answer::Risk(crate::derive::risk::RiskAnswer::Curve(_)) => "risk curve",
        Answer::Risk(crate::derive::risk::RiskAnswer::Simulated(_)) => "simulated risk curve",
    }
}

/// A step as text: its prose, and its formulas in plain notation (one per
/// line) and in LaTeX, each exact value written out with the problem's
/// names. For tests and tools that look inside a derivation.
pub fn step_parts(s: &crate::derive::Step, ring: &crate::algebra::Ring) -> (String, Option<(String, String)>) {
    let mut text = String::new();
    let mut plain: Vec<String> = Vec::new();
    let mut latex: Vec<String> = Vec::new();
    fn block(
        b: &Block,
        ring: &crate::algebra::Ring,
        text: &mut String,
        plain: &mut Vec<String>,
        latex: &mut Vec<String>,
    ) {
        let prose = |p: &Prose| layout::prose_text(&text::lower_prose(p, ring));
        let formula = |m: &crate::language::math::Math, plain: &mut Vec<String>, latex: &mut Vec<String>| {
            let m = math::lower::lower(m, ring);
            plain.push(math::text::inline(&m));
            latex.push(math::latex::latex(&m));
        };
        match b {
            Block::Prose(p) => {
                if text.is_empty() {
                    text.push_str(&prose(p));
                } else {
                    plain.push(prose(p));
                }
            }
            Block::Display(x) => formula(x, plain, latex),
            Block::Aligned(xs) => xs.iter().for_each(|x| formula(x, plain, latex)),
            Block::Items(items) => plain.extend(items.iter().map(|p| format!("- {}", prose(p)))),
            Block::Figure(f) => plain.push(prose(&f.caption)),
            Block::Table(t) => {
                plain.push(t.header.iter().map(prose).collect::<Vec<_>>().join(" | "));
                for r in &t.rows {
                    plain.push(r.iter().map(prose).collect::<Vec<_>>().join(" | "));
                }
            }
            Block::Listing { total, items } => {
                for i in items {
                    block(i, ring, text, plain, latex);
                }
                if *total > items.len() {
                    plain.push(format!("… and {} more", total - items.len()));
                }
            }
        }
    }
    for b in &s.blocks {
        block(b, ring, &mut text, &mut plain, &mut latex);
    }
    let m = (!plain.is_empty()).then(|| (plain.join("\n"), latex.join(" \\\\ ")));
    (text, m)
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
    if c.unchecked {
        return format!("numeric check not made: {}; {}", c.method, c.detail);
    }
    if c.trials == 0 {
        return format!("numeric check: {}", c.method);
    }
    let outcome = if c.passed { "passed" } else { "FAILED" };
    let trials = if c.trials == 1 { "1 trial".to_string() } else { format!("{} trials", c.trials) };
    format!("numeric check {outcome} ({trials}): {}; {}", c.method, c.detail)
}
