//! Printers: one module per output format, each documenting its format.
//! They only read a [`Report`]; nothing here derives or checks.

pub mod json;
pub mod latex;
pub mod markdown;
pub mod text;

use crate::check::{FindingReport, Report, Status};

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

/// A key's status in a sentence.
pub fn status_sentence(f: &FindingReport) -> String {
    match &f.status {
        Status::Pass => "the key holds".into(),
        Status::Fail(why) => format!("the key fails: {why}"),
        Status::Missing => "no key in the file (`nnkey bless` writes one)".into(),
        Status::Invalid => "the key cannot be read (see the error above)".into(),
    }
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
