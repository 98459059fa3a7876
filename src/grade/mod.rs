//! Grading students' submissions against the derived answers.
//!
//! The keys are checked first ([`check::run`]): a student's answer is
//! judged against what nnkey derives, by the same code that judges an
//! `expect` ([`derive::judge`]), so an answer earns full points exactly when
//! it would pass as a key (any valid neuron, any valid correspondence, `0.5`
//! for `1/2`). An answer that fails earns partial credit per part
//! ([`credit`]) and feedback that names a common mistake where one explains
//! it ([`mistakes`]).
//!
//! **Invariant.** Nothing here formats prose: a grade's feedback is a list
//! of [`Note`]s holding values printed in nnkey's own syntax, and
//! `render::grade` says them in words.

pub mod credit;
pub mod mistakes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::algebra::Q;
use crate::check::{self, FindingReport, Report};
use crate::derive::{self, Verdict as KeyVerdict};
use crate::language::syntax::{Expr, SubmissionSyntax};
use crate::language::{Diagnostic, SourceFile, Span, parse_submission, parse_submission_csv};
use crate::model::{Find, Problem, Query, eval};

/// A step into a part of an answer: a record's field or a list's item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Item(usize),
}

/// Where in an answer: empty for the whole answer.
pub type Part = Vec<Step>;

/// Which side of a kink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// A common mistake that explains a wrong answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Mistake {
    /// The answer is the transpose of the right matrix.
    Transpose,
    /// The answer is the matrix of the kernel flipped in both spatial
    /// directions: a convolution in the textbook sense, where frameworks
    /// cross-correlate.
    FlippedKernel,
    /// The answer is the matrix of the same layer without its padding.
    MissingPadding,
    /// The neuron gets a row of the truth table wrong: the first such row,
    /// its inputs, `w·x + b` there, and the output the table wants.
    NeuronRow { table: String, row: String, assignment: String, sum: String, wanted: bool },
    /// A breakpoint where the pieces on both sides agree: not a
    /// breakpoint at all. The function is unchanged by it.
    RemovableBreakpoint { at: String, piece: String },
    /// At a kink, a one-sided derivative given as the derivative.
    OneSidedAsDerivative { side: Side, value: String },
    /// At a kink, the slope of the other side given for one side.
    WrongOneSided { side: Side, given: String, right: String },
    /// `(PᵀP)⁻¹` where `PᵀP` is singular and `P Pᵀ` is not: the answer
    /// inverts the wrong Gram matrix.
    GramInverse { matrix: String },
}

/// One thing feedback says about an answer. Values are in nnkey's syntax.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// The answer could not be read or evaluated: the diagnostic, in the
    /// submission file.
    Unreadable(Diagnostic),
    /// A common mistake explains the answer.
    Mistake(Mistake),
    /// A part has another value.
    Differs { part: Part, given: String, right: String },
    /// A part of the right answer that the answer lacks.
    Missing { part: Part },
    /// A part the right answer does not have.
    Extra { part: Part },
    /// A matrix of another shape (rows, columns).
    Shape { part: Part, given: (usize, usize), right: (usize, usize) },
    /// A list of another length.
    Length { part: Part, given: usize, right: usize },
    /// Entries of a matrix that differ: how many of the entries that count,
    /// and the first, (row, column) with both values.
    Entries { part: Part, wrong: usize, of: usize, first: (usize, usize), given: String, right: String },
    /// A breakpoint of the function that the answer lacks.
    MissingBreakpoint { at: String },
    /// A breakpoint where the function has none (and the pieces differ).
    ExtraBreakpoint { at: String },
    /// The piece between two breakpoints (`None`: unbounded) is wrong:
    /// the answer's piece there, and its own interval when that differs
    /// (`None` when the answer's breakpoints cannot be placed).
    WrongPiece { from: Option<String>, to: Option<String>, given: Option<GivenPiece>, right: String },
    /// The answer says no neuron exists, but this one does.
    NotImpossible { neuron: String },
    /// The comparison's own words, for answers the notes above do not
    /// cover (an equivalence, a count of regions).
    Judged(String),
    /// The same answer is given again; the first one is graded.
    Duplicate,
}

/// The answer's piece inside an interval of the function: its value and,
/// when its breakpoints are not the function's, its own interval.
#[derive(Clone, Debug, PartialEq)]
pub struct GivenPiece {
    pub piece: String,
    pub interval: Option<(Option<String>, Option<String>)>,
}

/// How an answer fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    Partial,
    Wrong,
    /// No answer was submitted.
    NoAnswer,
    /// The answer could not be read.
    Unreadable,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Partial => "partial",
            Verdict::Wrong => "wrong",
            Verdict::NoAnswer => "no answer",
            Verdict::Unreadable => "unreadable",
        }
    }
}

/// One find graded for one student.
#[derive(Clone, Debug)]
pub struct Grade {
    pub problem: String,
    pub name: String,
    pub points: Q,
    pub max: Q,
    pub verdict: Verdict,
    /// The answer as the student wrote it, and where (an index into
    /// [`GradeReport::submissions`]).
    pub answer: Option<(usize, Span)>,
    pub notes: Vec<Note>,
}

/// An answer to a problem or find the keys do not have.
#[derive(Clone, Debug)]
pub struct Unmatched {
    pub problem: String,
    pub name: String,
    pub at: (usize, Span),
    /// Whether the problem exists (and the find does not).
    pub problem_known: bool,
}

/// Everything about one student.
#[derive(Clone, Debug)]
pub struct StudentReport {
    pub student: String,
    /// The submission files this student's answers come from.
    pub files: Vec<usize>,
    /// One grade per find of the keys, in the keys' order.
    pub grades: Vec<Grade>,
    pub unmatched: Vec<Unmatched>,
    /// Diagnostics of the student's files that belong to no answer.
    pub diagnostics: Vec<(usize, Diagnostic)>,
}

impl StudentReport {
    pub fn points(&self) -> Q {
        self.grades.iter().fold(Q::zero(), |acc, g| &acc + &g.points)
    }

    pub fn max(&self) -> Q {
        self.grades.iter().fold(Q::zero(), |acc, g| &acc + &g.max)
    }
}

/// A grading run.
#[derive(Debug, Default)]
pub struct GradeReport {
    /// The keys, checked.
    pub keys: Report,
    /// Findings whose numeric cross-check failed: nnkey does not grade
    /// against an answer it does not trust. (file, problem, find)
    pub untrusted: Vec<(PathBuf, String, String)>,
    /// The submission files read.
    pub submissions: Vec<SourceFile>,
    /// Submission paths that could not be read, with why.
    pub io_errors: Vec<(PathBuf, String)>,
    /// Diagnostics of submission files that name no student (a CSV with a
    /// bad header or rows without a student).
    pub diagnostics: Vec<(usize, Diagnostic)>,
    pub students: Vec<StudentReport>,
}

impl GradeReport {
    /// Whether a key file is bad: unreadable, malformed, underivable, or
    /// with a finding nnkey does not trust. Nothing is graded then.
    pub fn keys_bad(&self) -> bool {
        self.keys.has_errors() || !self.untrusted.is_empty()
    }

    /// 2 when a key file is bad, else 0: grading ran.
    pub fn exit_code(&self) -> i32 {
        if self.keys_bad() { 2 } else { 0 }
    }
}

/// Submission files in a directory: `*.txt` (text) and `*.csv`.
fn is_submission(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "txt" || e == "csv")
}

/// The submission files under `paths`: files as given, directories
/// searched recursively for `*.txt` and `*.csv` in natural order (symbolic
/// links inside them are not followed).
fn collect(paths: &[PathBuf], errors: &mut Vec<(PathBuf, String)>) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<(PathBuf, String)>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return errors.push((dir.to_path_buf(), e.to_string())),
        };
        let mut items: Vec<(PathBuf, std::fs::FileType)> =
            entries.filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?)))).collect();
        items.sort_by(|a, b| check::natural_order(&a.0.to_string_lossy(), &b.0.to_string_lossy()));
        for (p, ft) in items {
            if ft.is_dir() {
                walk(&p, out, errors);
            } else if ft.is_file() && is_submission(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut out, errors),
            Ok(_) => out.push(p.clone()),
            Err(e) => errors.push((p.clone(), e.to_string())),
        }
    }
    out
}

/// Grades every submission under `submissions` against the keys under
/// `keys`.
pub fn run(keys: &[PathBuf], submissions: &[PathBuf]) -> GradeReport {
    run_with(keys, submissions, 1)
}

/// As [`run`], checking the key files and grading the students on `jobs`
/// threads; the report is the same as one thread's.
pub fn run_with(keys: &[PathBuf], submissions: &[PathBuf], jobs: usize) -> GradeReport {
    let keys = check::run_with(keys, &check::RunOptions { jobs, ..check::RunOptions::default() });
    let mut report = GradeReport { keys, ..GradeReport::default() };
    for file in &report.keys.files {
        for p in &file.problems {
            for f in p.findings.iter().filter(|f| !f.crosscheck.not_failed()) {
                report.untrusted.push((file.source.path.clone(), p.problem.id.clone(), f.finding.name.clone()));
            }
        }
    }
    if report.keys_bad() {
        return report;
    }
    let mut io_errors = Vec::new();
    let paths = collect(submissions, &mut io_errors);
    let mut parsed: Vec<(usize, SubmissionSyntax)> = Vec::new();
    for path in paths {
        let text = match check::read_limited(&path).and_then(|b| String::from_utf8(b).map_err(|e| e.to_string())) {
            Ok(t) => t,
            Err(e) => {
                io_errors.push((path, e));
                continue;
            }
        };
        let index = report.submissions.len();
        report.submissions.push(SourceFile::new(&path, text));
        let text = &report.submissions[index].text;
        if path.extension().is_some_and(|e| e == "csv") {
            let (subs, diagnostics) = parse_submission_csv(text);
            report.diagnostics.extend(diagnostics.into_iter().map(|d| (index, d)));
            parsed.extend(subs.into_iter().map(|s| (index, s)));
        } else {
            let (mut sub, diagnostics) = parse_submission(text);
            if sub.student.is_none() {
                let stem = path.file_stem().map_or_else(|| "unnamed".into(), |s| s.to_string_lossy().into_owned());
                sub.student = Some((stem, Span::new(0, 0)));
            }
            parsed.push((index, sub));
            // A text file's stray diagnostics go to its student (below).
            report.diagnostics.extend(diagnostics.into_iter().map(|d| (index, d)));
        }
    }
    report.io_errors = io_errors;
    report.students = grade_all(&report.keys, &report.submissions, parsed, &mut report.diagnostics, jobs);
    report
}

/// A student's answers gathered from every file, in order.
struct Gathered {
    student: String,
    files: Vec<usize>,
    answers: Vec<(usize, crate::language::syntax::SubmittedAnswer)>,
}

fn grade_all(
    keys: &Report,
    sources: &[SourceFile],
    parsed: Vec<(usize, SubmissionSyntax)>,
    loose: &mut Vec<(usize, Diagnostic)>,
    jobs: usize,
) -> Vec<StudentReport> {
    let mut gathered: Vec<Gathered> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (file, sub) in parsed {
        let student = sub.student.map(|s| s.0).unwrap_or_default();
        let k = *index.entry(student.clone()).or_insert_with(|| {
            gathered.push(Gathered { student, files: Vec::new(), answers: Vec::new() });
            gathered.len() - 1
        });
        let g = &mut gathered[k];
        if !g.files.contains(&file) {
            g.files.push(file);
        }
        g.answers.extend(sub.answers.into_iter().map(|a| (file, a)));
    }
    // Diagnostics of a text file go to the one student it holds; those of
    // a CSV stay with the run.
    let mut by_file: HashMap<usize, Vec<(usize, Diagnostic)>> = HashMap::new();
    for (file, d) in std::mem::take(loose) {
        if sources[file].path.extension().is_some_and(|e| e == "csv") {
            loose.push((file, d));
        } else {
            by_file.entry(file).or_default().push((file, d));
        }
    }
    let diagnostics: Vec<Vec<(usize, Diagnostic)>> =
        gathered.iter().map(|g| g.files.iter().flat_map(|f| by_file.remove(f).unwrap_or_default()).collect()).collect();
    // Each thread keeps its own memo: a judgement does not depend on who
    // made it first, so the report is the same on any number of threads.
    check::parallel::map(gathered.len(), jobs, Memo::new, |memo, k| {
        grade_student(keys, sources, &gathered[k], diagnostics[k].clone(), memo)
    })
}

/// Judgements of answers already seen, by find (key file, problem,
/// finding) and the answer's text with its spacing collapsed: many
/// students write the same answer, and it is judged once.
type Memo = HashMap<MemoKey, (Q, Vec<Note>)>;
type MemoKey = (usize, usize, usize, String);

fn grade_student(
    keys: &Report,
    sources: &[SourceFile],
    g: &Gathered,
    diagnostics: Vec<(usize, Diagnostic)>,
    memo: &mut Memo,
) -> StudentReport {
    let mut grades = Vec::new();
    let mut used = vec![false; g.answers.len()];
    for (fi, file) in keys.files.iter().enumerate() {
        for (pi, p) in file.problems.iter().enumerate() {
            for (ri, fr) in p.findings.iter().enumerate() {
                let Some(find) = p.problem.find(&fr.finding.name) else { continue };
                let matching: Vec<usize> = (0..g.answers.len())
                    .filter(|&k| {
                        let a = &g.answers[k].1;
                        !used[k] && a.problem.name == p.problem.id && a.name.name == find.name
                    })
                    .collect();
                for &k in &matching {
                    used[k] = true;
                }
                // The first answer is graded; a repeat is noted.
                let first = matching.first().copied();
                let mut grade = match first {
                    None => Grade {
                        problem: p.problem.id.clone(),
                        name: find.name.clone(),
                        points: Q::zero(),
                        max: find.points.0.clone(),
                        verdict: Verdict::NoAnswer,
                        answer: None,
                        notes: Vec::new(),
                    },
                    Some(k) => {
                        let (file, a) = &g.answers[k];
                        let text = sources[*file].slice(a.value_span).split_whitespace().collect::<Vec<_>>().join(" ");
                        let at = (*file, a.value_span);
                        grade_one(&p.problem, find, fr, &a.value, at, memo.entry((fi, pi, ri, text)))
                    }
                };
                if matching.len() > 1 {
                    grade.notes.push(Note::Duplicate);
                }
                grades.push(grade);
            }
        }
    }
    let mut unmatched = Vec::new();
    for (k, (file, a)) in g.answers.iter().enumerate() {
        if used[k] {
            continue;
        }
        let problem_known = keys.files.iter().any(|f| f.problems.iter().any(|p| p.problem.id == a.problem.name));
        unmatched.push(Unmatched {
            problem: a.problem.name.clone(),
            name: a.name.name.clone(),
            at: (*file, a.name.span),
            problem_known,
        });
    }
    StudentReport { student: g.student.clone(), files: g.files.clone(), grades, unmatched, diagnostics }
}

/// Grades one answer to one find.
fn grade_one(
    problem: &Problem,
    find: &Find,
    fr: &FindingReport,
    value: &Result<Expr, Diagnostic>,
    at: (usize, Span),
    seen: std::collections::hash_map::Entry<'_, MemoKey, (Q, Vec<Note>)>,
) -> Grade {
    use std::collections::hash_map::Entry;
    let max = find.points.0.clone();
    let (fraction, notes, verdict) = match (value, seen) {
        (Err(d), _) => (Q::zero(), vec![Note::Unreadable(d.clone())], Some(Verdict::Unreadable)),
        (Ok(_), Entry::Occupied(o)) => {
            let (f, n) = o.get().clone();
            (f, n, None)
        }
        (Ok(expr), Entry::Vacant(v)) => {
            let (f, n) = judge(problem, find, fr, expr);
            // A diagnostic points into this student's file: not shared.
            if !n.iter().any(|n| matches!(n, Note::Unreadable(_))) {
                v.insert((f.clone(), n.clone()));
            }
            (f, n, None)
        }
    };
    let verdict = verdict.unwrap_or(if fraction.is_one() {
        Verdict::Correct
    } else if fraction.is_zero() {
        Verdict::Wrong
    } else {
        Verdict::Partial
    });
    Grade {
        problem: problem.id.clone(),
        name: find.name.clone(),
        points: &max * &fraction,
        max,
        verdict,
        answer: Some(at),
        notes,
    }
}

/// The share of the points an answer earns (0 to 1) and what to say
/// about it.
pub fn judge(problem: &Problem, find: &Find, fr: &FindingReport, expr: &Expr) -> (Q, Vec<Note>) {
    let given = match eval(expr, problem) {
        Ok(v) => v,
        Err(d) => {
            return match mistakes::gram_inverse(expr, problem) {
                Some(m) => (Q::zero(), vec![Note::Mistake(m)]),
                None => (Q::zero(), vec![Note::Unreadable(d)]),
            };
        }
    };
    let finding = &fr.finding;
    let why = match derive::judge(problem, find, finding, &given) {
        KeyVerdict::Pass => return (Q::one(), Vec::new()),
        KeyVerdict::Fail(why) => why,
    };
    let ring = &problem.ring;
    let right = &finding.value;
    match &find.query {
        Query::ThresholdNeuron(q) => {
            (Q::zero(), vec![mistakes::neuron(q, finding, &given, ring).unwrap_or(Note::Judged(why))])
        }
        Query::ThresholdNetwork(_) | Query::Equivalence(..) => (Q::zero(), vec![Note::Judged(why)]),
        Query::Pieces(_) => credit::pieces(&given, right, ring).unwrap_or_else(|| credit::parts(&given, right, ring)),
        Query::LinearPiece(_) => {
            let named = mistakes::one_sided(&given, right, ring);
            let (share, mut notes) = credit::parts(&given, right, ring);
            // A named mistake replaces the plain difference it explains.
            notes.retain(|n| !named.iter().any(|(part, _)| matches!(n, Note::Differs { part: p, .. } if p == part)));
            let mut all: Vec<Note> = named.into_iter().map(|(_, m)| Note::Mistake(m)).collect();
            all.extend(notes);
            (share, all)
        }
        Query::Matrix(conv) => match mistakes::conv_matrix(conv, &given, right, ring) {
            Some(m) => (Q::zero(), vec![Note::Mistake(m)]),
            None => credit::parts(&given, right, ring),
        },
        _ => match mistakes::transpose(&given, right, ring) {
            Some(m) => (Q::zero(), vec![Note::Mistake(m)]),
            None => credit::parts(&given, right, ring),
        },
    }
}
