//! JSON, one object per run. The wire format is the structs below
//! ([`Run`] and what it holds), serialized with serde:
//!
//! ```text
//! {"files": [{"path", "diagnostics": [{"message", "line", "column", "file"}],
//!             "problems": [{"id", "title", "question",
//!               "drawn": [{"name", "value"}],
//!               "answers": [{"name", "text"}],
//!               "findings": [{"name", "kind", "question", "value", "latex",
//!                 "derivation": [{"depth", "text", "math", "latex"}],
//!                 "witness",
//!                 "crosscheck": {"method", "trials", "passed", "detail"},
//!                 "expect": {"status", "detail"}}]}]}],
//!  "errors": [{"path", "error"}],
//!  "summary": {"passed", "failed", "missing"}}
//! ```
//!
//! - `question` is the problem's question as written (math between `$…$`
//!   in nnkey's notation), and on a finding its part; `null` when the file
//!   has none.
//! - A scalar or a formula is a string in nnkey's own syntax (`w[1,1]`,
//!   `3/2`, `2^(L*d)`); a matrix is `{"rows", "cols", "entries":
//!   [[string]]}`, or, when larger than 4096 entries, `{"rows", "cols",
//!   "nonzeros": [[row, col, string]]}`; a record is an object of its
//!   fields; a tuple or list is an array; a correspondence `a -> b` is
//!   `{"from", "to"}`; `true`/`false` are booleans; words are strings.
//! - `latex` is the value in LaTeX, `null` when it is too large to print.
//! - `derivation` lists the steps the level shows (`depth` is `solution`
//!   or `detail`): `text` is the step's prose, `math` its formulas in plain
//!   notation, one per line, and `latex` the same formulas in LaTeX.
//! - `expect.status` is `pass`, `fail`, `missing` or `invalid`.
//! - `crosscheck.unchecked` is present, and `true`, only when the check
//!   could not be made (numbers beyond floating point); `passed` is then
//!   `false` but the finding is not failed for it.
//! - A diagnostic's `file` is present when its place is in an included
//!   file: that file's path (`line` and `column` are in it).
//! - `drawn` lists a problem's drawn parameters as declarations (`"value":
//!   "matrix [[1, 0], [2, 1]]"`), present only when it draws.
//! - With `nnkey sheet`, findings carry no `value` (it is `null`), no
//!   derivation and no check.
//!
//! Values are streamed into the output as they serialize, so a matrix with
//! a million entries costs no tree of a million strings.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::algebra::{Print, Ring};
use crate::check::{FileReport, FindingReport, ProblemReport, Report, Status};
use crate::derive::{Block, Depth, Step};
use crate::model::Value;
use crate::model::value::DENSE_LIMIT;

use super::Level;
use super::layout::prose_text;
use super::math::latex::latex;
use super::math::lower::lower;
use super::math::text::inline;
use super::text::lower_prose;

/// The whole run.
#[derive(Serialize)]
pub struct Run<'a> {
    pub files: Vec<File<'a>>,
    pub errors: Vec<IoError>,
    pub summary: Summary,
}

#[derive(Serialize)]
pub struct IoError {
    pub path: String,
    pub error: String,
}

#[derive(Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub missing: usize,
}

#[derive(Serialize)]
pub struct File<'a> {
    pub path: String,
    pub diagnostics: Vec<Diagnostic>,
    pub problems: Vec<Problem<'a>>,
}

#[derive(Serialize)]
pub struct Diagnostic {
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// The included file the place is in; absent for the file itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Serialize)]
pub struct Problem<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub question: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drawn: Vec<DrawnParameter<'a>>,
    pub answers: Vec<ProseAnswer<'a>>,
    pub findings: Vec<Finding<'a>>,
}

/// A drawn parameter: its name and the declaration of the value drawn.
#[derive(Serialize)]
pub struct DrawnParameter<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

#[derive(Serialize)]
pub struct ProseAnswer<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct Finding<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub question: Option<&'a str>,
    pub value: Option<ValueJson<'a>>,
    pub latex: Option<String>,
    pub derivation: Vec<StepJson>,
    pub witness: Option<WitnessJson<'a>>,
    pub crosscheck: Option<CrossCheck<'a>>,
    pub expect: Option<Expect>,
}

#[derive(Serialize)]
pub struct StepJson {
    pub depth: &'static str,
    pub text: String,
    pub math: Option<String>,
    pub latex: Option<String>,
}

#[derive(Serialize)]
pub struct CrossCheck<'a> {
    pub method: &'a str,
    pub trials: usize,
    pub passed: bool,
    /// Present (true) only when the check could not be made.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unchecked: bool,
    pub detail: &'a str,
}

#[derive(Serialize)]
pub struct Expect {
    pub status: &'static str,
    pub detail: Option<String>,
}

/// A value with the ring that names its symbols, serialized as described
/// in the module documentation.
pub struct ValueJson<'a> {
    pub value: &'a Value,
    pub ring: &'a Ring,
}

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ring = self.ring;
        match self.value {
            Value::Scalar(x) => s.serialize_str(&x.print(ring)),
            Value::Formula(x) => s.serialize_str(&x.print(ring)),
            Value::Floor(x) => s.serialize_str(&x.print(ring)),
            Value::Matrix(m) => {
                let mut map = s.serialize_map(Some(3))?;
                map.serialize_entry("rows", &m.rows())?;
                map.serialize_entry("cols", &m.cols())?;
                let rows: Vec<Vec<String>> =
                    (0..m.rows()).map(|r| m.row(r).iter().map(|x| x.print(ring)).collect()).collect();
                map.serialize_entry("entries", &rows)?;
                map.end()
            }
            Value::Sparse(m) if m.rows() * m.cols() <= DENSE_LIMIT => {
                let d = m.to_dense();
                let mut map = s.serialize_map(Some(3))?;
                map.serialize_entry("rows", &m.rows())?;
                map.serialize_entry("cols", &m.cols())?;
                let rows: Vec<Vec<String>> =
                    (0..d.rows()).map(|r| d.row(r).iter().map(|x| x.print(ring)).collect()).collect();
                map.serialize_entry("entries", &rows)?;
                map.end()
            }
            Value::Sparse(m) => {
                let mut map = s.serialize_map(Some(3))?;
                map.serialize_entry("rows", &m.rows())?;
                map.serialize_entry("cols", &m.cols())?;
                map.serialize_entry("nonzeros", &Nonzeros { m, ring })?;
                map.end()
            }
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Word(w) | Value::Text(w) => s.serialize_str(w),
            Value::List(items) | Value::Tuple(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for x in items {
                    seq.serialize_element(&ValueJson { value: x, ring })?;
                }
                seq.end()
            }
            Value::Record(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, x) in fields {
                    map.serialize_entry(k, &ValueJson { value: x, ring })?;
                }
                map.end()
            }
            Value::Maps(a, b) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("from", &ValueJson { value: a, ring })?;
                map.serialize_entry("to", &ValueJson { value: b, ring })?;
                map.end()
            }
            Value::Call(..) => s.serialize_str(&self.value.print(ring)),
        }
    }
}

/// A witness, made for the output.
pub struct WitnessJson<'a> {
    pub value: Value,
    pub ring: &'a Ring,
}

impl Serialize for WitnessJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ValueJson { value: &self.value, ring: self.ring }.serialize(s)
    }
}

/// The nonzero entries of a sparse matrix, `[row, col, "entry"]`, each
/// printed as it is written out.
struct Nonzeros<'a> {
    m: &'a crate::algebra::SparseMatrix<crate::algebra::Poly>,
    ring: &'a Ring,
}

impl Serialize for Nonzeros<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.m.nonzeros()))?;
        for r in 0..self.m.rows() {
            for (c, p) in self.m.row(r) {
                seq.serialize_element(&(r, c, p.print(self.ring)))?;
            }
        }
        seq.end()
    }
}

/// A step: its prose as text, its formulas in plain notation and LaTeX.
fn step(s: &Step, ring: &Ring) -> StepJson {
    let mut text = Vec::new();
    let mut math = Vec::new();
    let mut tex = Vec::new();
    fn walk(b: &Block, ring: &Ring, text: &mut Vec<String>, math: &mut Vec<String>, tex: &mut Vec<String>) {
        match b {
            Block::Prose(p) => text.push(prose_text(&lower_prose(p, ring))),
            Block::Display(m) => {
                let m = lower(m, ring);
                math.push(inline(&m));
                tex.push(latex(&m));
            }
            Block::Aligned(ms) => {
                for m in ms {
                    walk(&Block::Display(m.clone()), ring, text, math, tex);
                }
            }
            Block::Table(t) => {
                for r in std::iter::once(&t.header).chain(&t.rows) {
                    text.push(r.iter().map(|p| prose_text(&lower_prose(p, ring))).collect::<Vec<_>>().join(" | "));
                }
            }
            Block::Items(items) => {
                text.extend(items.iter().map(|p| format!("- {}", prose_text(&lower_prose(p, ring)))))
            }
            Block::Listing { total, items } => {
                for i in items {
                    walk(i, ring, text, math, tex);
                }
                if *total > items.len() {
                    text.push(format!("… and {} more", total - items.len()));
                }
            }
            Block::Figure(f) => text.push(prose_text(&lower_prose(&f.caption, ring))),
        }
    }
    for b in &s.blocks {
        walk(b, ring, &mut text, &mut math, &mut tex);
    }
    StepJson {
        depth: match s.depth {
            Depth::Solution => "solution",
            Depth::Detail => "detail",
        },
        text: text.join("\n"),
        math: (!math.is_empty()).then(|| math.join("\n")),
        latex: (!tex.is_empty()).then(|| tex.join(" \\\\ ")),
    }
}

fn finding<'a>(
    p: &'a ProblemReport,
    find: &'a crate::model::Find,
    f: Option<&'a FindingReport>,
    level: Level,
) -> Finding<'a> {
    let ring = &p.problem.ring;
    let question = find.question.as_ref().map(|q| q.text.as_str());
    let Some(f) = f.filter(|_| level != Level::Sheet) else {
        return Finding {
            name: &find.name,
            kind: f.map_or("", |f| super::noun(&f.finding.answer)),
            question,
            value: None,
            latex: None,
            derivation: Vec::new(),
            witness: None,
            crosscheck: None,
            expect: None,
        };
    };
    let value = &f.finding.value;
    let latex_value = super::limits::too_large(value).is_none().then(|| latex(&super::math::lower::value(value, ring)));
    let derivation = match level {
        Level::Answers | Level::Sheet => Vec::new(),
        _ => f.finding.explanation.steps.iter().filter(|s| level.shows(s.depth)).map(|s| step(s, ring)).collect(),
    };
    Finding {
        name: &f.finding.name,
        kind: super::noun(&f.finding.answer),
        question,
        value: Some(ValueJson { value, ring }),
        latex: latex_value,
        derivation,
        witness: f.finding.answer.witness().map(|value| WitnessJson { value, ring }),
        crosscheck: Some(CrossCheck {
            method: &f.crosscheck.method,
            trials: f.crosscheck.trials,
            passed: f.crosscheck.passed,
            unchecked: f.crosscheck.unchecked,
            detail: &f.crosscheck.detail,
        }),
        expect: Some(Expect {
            status: f.status.word(),
            detail: match &f.status {
                Status::Fail(why) => Some(why.clone()),
                _ => f.key_check.clone(),
            },
        }),
    }
}

fn file(file: &FileReport, level: Level) -> File<'_> {
    File {
        path: file.source.path.display().to_string(),
        diagnostics: file
            .diagnostics
            .iter()
            .map(|d| {
                let (source, base) = file.source_of(d.span.start);
                let (line, column) = source.line_col(d.span.start - base);
                let other = (base > 0).then(|| source.path.display().to_string());
                Diagnostic { message: d.message.clone(), line, column, file: other }
            })
            .collect(),
        problems: file
            .problems
            .iter()
            .map(|p| Problem {
                id: &p.problem.id,
                title: p.problem.title.as_deref(),
                question: p.problem.question.as_ref().map(|q| q.text.as_str()),
                drawn: p
                    .problem
                    .drawn
                    .iter()
                    .map(|d| DrawnParameter { name: &d.name, value: &d.declaration })
                    .collect(),
                answers: if level == Level::Sheet {
                    Vec::new()
                } else {
                    p.problem.answers.iter().map(|a| ProseAnswer { name: &a.name, text: &a.text }).collect()
                },
                findings: p
                    .problem
                    .finds
                    .iter()
                    .filter_map(|find| {
                        let f = p.findings.iter().find(|f| f.finding.name == find.name);
                        // A find whose derivation failed is reported as a diagnostic.
                        (level == Level::Sheet || f.is_some()).then(|| finding(p, find, f, level))
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The whole report as JSON on one line (compact: a matrix of a million
/// entries stays a few megabytes).
pub fn report(report: &Report, level: Level) -> String {
    let s = report.summary();
    let run = Run {
        files: report.files.iter().map(|f| file(f, level)).collect(),
        errors: report
            .io_errors
            .iter()
            .map(|(p, e)| IoError { path: p.display().to_string(), error: e.clone() })
            .collect(),
        summary: Summary { passed: s.passed, failed: s.failed, missing: s.missing },
    };
    let mut text = serde_json::to_string(&run).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
