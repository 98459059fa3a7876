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
//!
//! A document says each thing once, as a textbook does: data shown in an
//! earlier problem is referred to ("h is as in problem q6"), a step does not
//! restate the question's data, and in the solutions a run of steps already
//! shown word for word in an earlier part is referred to ("Steps 2–5 are
//! those of q12 (a)"). The full key keeps every step of every part.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::check::{FileReport, FindingReport, ProblemReport, Report};
use crate::derive::{Block, Depth, Step};
use crate::language::math::{Inline, Math, Prose};
use crate::model::{Answer as ProseAnswer, Find};

use super::data;
use super::limits::LISTED_FOR_STUDENTS;
use crate::algebra::Ring;

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
    /// The steps this document shows, in order (a step may be a reference
    /// to steps shown earlier).
    pub steps: Vec<Cow<'a, Step>>,
}

impl<'a> Document<'a> {
    pub fn new(report: &'a Report, level: Level) -> Document<'a> {
        let mut problems = Vec::new();
        let mut said = Said::default();
        for file in &report.files {
            for p in &file.problems {
                problems.push(problem(file, p, level, &mut said));
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

/// What the document has shown so far, to refer to rather than repeat.
#[derive(Default)]
struct Said<'a> {
    /// Each shown object's name and blocks, with the problem that shows it.
    data: Vec<(&'a str, Vec<Block>, &'a str)>,
    /// Each step shown in full: the step, where ("q12 (a)"), its number there.
    steps: Vec<(&'a Step, String, usize)>,
}

fn problem<'a>(file: &'a FileReport, p: &'a ProblemReport, level: Level, said: &mut Said<'a>) -> ProblemDoc<'a> {
    let id = p.problem.id.as_str();
    let shown = if level == Level::Answers { Vec::new() } else { data::shown(&p.problem) };
    let ring = &p.problem.ring;
    let own_data: HashSet<String> = shown
        .iter()
        .flat_map(|(_, blocks)| blocks)
        .filter_map(|b| match b {
            Block::Display(m) => Some(display_text(m, ring)),
            _ => None,
        })
        .collect();
    let mut data = Vec::new();
    for (name, blocks) in shown {
        // A single formula is repeated; a network or a table is referred to.
        let large = blocks.len() > 1 || matches!(blocks[..], [Block::Table(_)] | [Block::Items(_)]);
        match said.data.iter().find(|(n, b, _)| large && *n == name && *b == blocks) {
            Some((_, _, first)) => data.push(Block::Prose(crate::prose!(
                "$#name$ is as in problem #first.",
                name = Math::name(name),
                first = crate::language::math::words(*first)
            ))),
            None => {
                data.extend(blocks.iter().cloned());
                said.data.push((name, blocks, id));
            }
        }
    }
    let several = p.problem.finds.len() > 1;
    let mut parts = Vec::new();
    for (k, find) in p.problem.finds.iter().enumerate() {
        let finding =
            if level == Level::Sheet { None } else { p.findings.iter().find(|f| f.finding.name == find.name) };
        let label = several.then(|| format!("({})", part_letter(k)));
        let own: Vec<Cow<'a, Step>> = finding
            .map(|f| {
                f.finding
                    .explanation
                    .steps
                    .iter()
                    .filter(|s| level.shows(s.depth))
                    .map(|s| as_shown(s, &own_data, ring, level, printed(f, ring)))
                    .collect()
            })
            .unwrap_or_default();
        let place = match &label {
            Some(l) => format!("{id} {l}"),
            None => id.to_string(),
        };
        let steps = if level == Level::Solutions { refer_back(own, &place, id, said) } else { own };
        parts.push(PartDoc {
            find,
            label,
            anchor: format!("{}-{}", anchor(id), anchor(&find.name)),
            question: find.question.as_ref().map_or(&[][..], |q| &q.prose[..]),
            finding,
            steps,
        });
    }
    ProblemDoc {
        file,
        report: p,
        anchor: anchor(id),
        question: p.problem.question.as_ref().map_or(&[][..], |q| &q.prose[..]),
        data,
        parts,
        answers: if level == Level::Sheet { Vec::new() } else { p.problem.answers.iter().collect() },
    }
}

/// Whether a document prints the finding's answer in full rather than
/// describing it.
fn printed(f: &FindingReport, ring: &Ring) -> bool {
    !matches!(shown_answer(f, ring, Level::Solutions), Shown::Described(_))
}

/// A step as a document of `level` shows it: without the displays that
/// restate the question's data (`W = …` when the problem shows W), and in
/// the solutions with long listings cut to their first few items and
/// without a picture of an answer printed in full; the step itself when
/// nothing changes.
fn as_shown<'a>(step: &'a Step, data: &HashSet<String>, ring: &Ring, level: Level, printed: bool) -> Cow<'a, Step> {
    let redundant = |f: &crate::derive::explain::Figure| level == Level::Solutions && printed && f.shows_answer;
    let restates = |m: &Math| data.contains(&display_text(m, ring));
    // A listing of the question's data, every item shown there.
    let restated = |items: &[Block], total: usize| {
        items.len() == total && items.iter().all(|b| matches!(b, Block::Display(m) if restates(m)))
    };
    let changes = |b: &Block| match b {
        Block::Display(m) => restates(m),
        Block::Aligned(lines) => lines.iter().any(restates),
        Block::Listing { items, total } => {
            restated(items, *total) || (level == Level::Solutions && items.len() > LISTED_FOR_STUDENTS)
        }
        Block::Figure(f) => redundant(f),
        _ => false,
    };
    if !step.blocks.iter().skip(1).any(changes) {
        return Cow::Borrowed(step);
    }
    let mut blocks = vec![step.blocks[0].clone()];
    for b in &step.blocks[1..] {
        match b {
            Block::Display(m) if restates(m) => {}
            Block::Figure(f) if redundant(f) => {}
            Block::Aligned(lines) => {
                let kept: Vec<Math> = lines.iter().filter(|m| !restates(m)).cloned().collect();
                if !kept.is_empty() {
                    blocks.push(Block::Aligned(kept));
                }
            }
            Block::Listing { total, items } if restated(items, *total) => {}
            Block::Listing { total, items } if changes(b) => {
                blocks.push(Block::Listing { total: *total, items: items[..LISTED_FOR_STUDENTS].to_vec() })
            }
            b => blocks.push(b.clone()),
        }
    }
    Cow::Owned(Step { depth: step.depth, blocks })
}

/// A formula as it reads, to tell when two are the same whatever their
/// structure.
fn display_text(m: &Math, ring: &Ring) -> String {
    super::math::text::inline(&super::math::lower::lower(m, ring))
}

/// The steps of one part with each run of steps shown word for word in an
/// earlier part replaced by one step that refers to them.
fn refer_back<'a>(steps: Vec<Cow<'a, Step>>, place: &str, id: &str, said: &mut Said<'a>) -> Vec<Cow<'a, Step>> {
    // Where each step was shown before, if it was.
    let earlier: Vec<Option<(String, usize)>> = steps
        .iter()
        .map(|s| said.steps.iter().find(|(t, at, _)| at != place && **t == **s).map(|(_, at, n)| (at.clone(), *n)))
        .collect();
    let mut out: Vec<Cow<'a, Step>> = Vec::new();
    let mut k = 0;
    while k < steps.len() {
        let Some((at, _)) = &earlier[k] else {
            if let Cow::Borrowed(s) = &steps[k] {
                said.steps.push((s, place.to_string(), out.len() + 1));
            }
            out.push(steps[k].clone());
            k += 1;
            continue;
        };
        // The run of consecutive steps shown before in the same part.
        let mut end = k + 1;
        while end < steps.len() && earlier[end].as_ref().is_some_and(|(a, _)| a == at) {
            end += 1;
        }
        let numbers: Vec<usize> = earlier[k..end].iter().filter_map(|e| e.as_ref().map(|(_, n)| *n)).collect();
        if numbers.len() == 1 && is_short(&steps[k]) {
            // A one-line step is shorter said again than referred to.
            out.push(steps[k].clone());
        } else {
            let depth = steps[k].depth;
            out.push(Cow::Owned(Step::new(depth, reference(&numbers, at, id))));
        }
        k = end;
    }
    out
}

/// Whether a step is one short sentence, shorter said again than
/// referred to.
fn is_short(step: &Step) -> bool {
    match &step.blocks[..] {
        [Block::Prose(p)] => {
            let len: usize =
                p.0.iter()
                    .map(|i| match i {
                        Inline::Text(t) | Inline::Code(t) => t.chars().count(),
                        Inline::Math(_) => 4,
                    })
                    .sum();
            len < 100
        }
        _ => false,
    }
}

/// "Steps 2–5 are those of (a).", "Step 3 is that of q12 (a)."
fn reference(numbers: &[usize], at: &str, id: &str) -> Prose {
    let consecutive = numbers.windows(2).all(|w| w[1] == w[0] + 1);
    let list = match numbers {
        [n] => n.to_string(),
        [a, .., b] if consecutive => format!("{a}–{b}"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(|n| n.to_string()).collect();
            format!("{} and {last}", rest.join(", "))
        }
        [] => String::new(),
    };
    // Within the problem, the part's letter is enough.
    let at = at.strip_prefix(id).map(str::trim_start).filter(|r| r.starts_with('(')).unwrap_or(at);
    let text = if numbers.len() == 1 {
        format!("Step {list} is that of {at}.")
    } else {
        format!("Steps {list} are those of {at}.")
    };
    Prose::text(&text)
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
