//! What each document holds, decided once for every format.
//!
//! | level | for | holds |
//! |---|---|---|
//! | sheet | students | titles, questions, the data they show; no answers |
//! | answers | graders | each answer alone |
//! | solutions | students after the deadline | question, the steps a student needs, the answer |
//! | full | staff | everything: every step, the numeric cross-check, the key's status |
//!
//! The printers walk a [`Document`] and never choose content themselves.

use crate::check::{FileReport, FindingReport, ProblemReport, Report};
use crate::derive::{Block, Depth, Step};
use crate::language::math::{Math, Prose};
use crate::model::{Answer as ProseAnswer, Find};

use super::data;

/// Which document to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Sheet,
    Answers,
    Solutions,
    Full,
}

impl Level {
    /// Whether a step belongs in this document.
    pub fn shows(self, depth: Depth) -> bool {
        match self {
            Level::Sheet | Level::Answers => false,
            Level::Solutions => depth == Depth::Solution,
            Level::Full => true,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Sheet => "Problems",
            Level::Answers => "Answers",
            Level::Solutions => "Solutions",
            Level::Full => "Answer key",
        }
    }
}

/// A whole document: its problems in order.
pub struct Document<'a> {
    pub level: Level,
    pub report: &'a Report,
    pub problems: Vec<ProblemDoc<'a>>,
}

/// One problem as the document shows it.
pub struct ProblemDoc<'a> {
    pub file: &'a FileReport,
    pub report: &'a ProblemReport,
    /// `q6`, for links: `#q6`.
    pub anchor: String,
    pub question: &'a [Prose],
    /// The shown data.
    pub data: Vec<Block>,
    pub parts: Vec<PartDoc<'a>>,
    /// Prose answers (not on the sheet).
    pub answers: Vec<&'a ProseAnswer>,
}

/// One find: its part of the question, and what the document says of it.
pub struct PartDoc<'a> {
    pub find: &'a Find,
    /// `(a)`, `(b)`… when the problem has several finds.
    pub label: Option<String>,
    /// `q6-piece`.
    pub anchor: String,
    pub question: &'a [Prose],
    /// The derived finding, when there is one and the document shows answers.
    pub finding: Option<&'a FindingReport>,
    /// The steps this document shows, in order.
    pub steps: Vec<&'a Step>,
}

impl<'a> Document<'a> {
    pub fn new(report: &'a Report, level: Level) -> Document<'a> {
        let mut problems = Vec::new();
        for file in &report.files {
            for p in &file.problems {
                problems.push(problem(file, p, level));
            }
        }
        Document { level, report, problems }
    }

    /// Whether the document shows derived answers.
    pub fn answers(&self) -> bool {
        self.level != Level::Sheet
    }

    /// Whether the document shows the question.
    pub fn questions(&self) -> bool {
        self.level != Level::Answers
    }

    /// Whether the document says how each answer was checked.
    pub fn checks(&self) -> bool {
        self.level == Level::Full
    }
}

fn problem<'a>(file: &'a FileReport, p: &'a ProblemReport, level: Level) -> ProblemDoc<'a> {
    let several = p.problem.finds.len() > 1;
    let parts = p
        .problem
        .finds
        .iter()
        .enumerate()
        .map(|(k, find)| {
            let finding =
                if level == Level::Sheet { None } else { p.findings.iter().find(|f| f.finding.name == find.name) };
            let steps = finding
                .map(|f| f.finding.explanation.steps.iter().filter(|s| level.shows(s.depth)).collect())
                .unwrap_or_default();
            PartDoc {
                find,
                label: several.then(|| format!("({})", part_letter(k))),
                anchor: format!("{}-{}", anchor(&p.problem.id), anchor(&find.name)),
                question: find.question.as_ref().map_or(&[][..], |q| &q.prose[..]),
                finding,
                steps,
            }
        })
        .collect();
    ProblemDoc {
        file,
        report: p,
        anchor: anchor(&p.problem.id),
        question: p.problem.question.as_ref().map_or(&[][..], |q| &q.prose[..]),
        data: if level == Level::Answers { Vec::new() } else { data::shown(&p.problem) },
        parts,
        answers: if level == Level::Sheet { Vec::new() } else { p.problem.answers.iter().collect() },
    }
}

/// `a`, `b`, … `z`, `aa`, ….
fn part_letter(k: usize) -> String {
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    if k < 26 {
        (letters[k] as char).to_string()
    } else {
        format!("{}{}", part_letter(k / 26 - 1), part_letter(k % 26))
    }
}

/// A name as a link anchor: letters, digits and `-`.
pub fn anchor(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The formula `name = value` a document prints for a finding, or the
/// sentence that stands for a value too large to print.
pub enum Shown {
    Formula(Math),
    /// A record: one formula per field.
    Fields(Vec<Math>),
    Described(String),
}

/// The answer of a finding as a document of `level` shows it: for
/// students, the closed form in the question's terms when the derivation
/// gives one; for staff, the exact value.
pub fn shown_answer(f: &FindingReport, ring: &crate::algebra::Ring, level: Level) -> Shown {
    let name = Math::name(&f.finding.name);
    if level != Level::Full
        && let Some(form) = &f.finding.explanation.closed_form
    {
        return Shown::Formula(name.equals(form.clone()));
    }
    let v = &f.finding.value;
    if let Some(why) = super::limits::too_large(v) {
        return Shown::Described(why);
    }
    match super::math::lower::value(v, ring) {
        Math::Record(fields) => {
            let mut lines = Vec::new();
            for (k, x) in fields {
                match x {
                    // A record inside the answer (a one-sided piece): its
                    // fields subscripted with its name, `W_left = 1`.
                    Math::Record(inner) => {
                        for (k2, y) in inner {
                            lines.push(Math::name(k2).sub(Math::Text(k.clone())).equals(y));
                        }
                    }
                    x => lines.push(Math::name(k).equals(x)),
                }
            }
            Shown::Fields(lines)
        }
        m => Shown::Formula(name.equals(m)),
    }
}
