//! JSON, one object per run:
//!
//! ```text
//! {"files": [{"path", "diagnostics": [{"message", "line", "column"}],
//!             "problems": [{"id", "title", "answers": [{"name", "text"}],
//!               "findings": [{"name", "kind", "value", "latex",
//!                 "derivation": [{"text", "math", "latex"}],
//!                 "witness": value or null,
//!                 "crosscheck": {"method", "trials", "passed", "detail"},
//!                 "expect": {"status", "detail"}}]}]}],
//!  "summary": {"passed", "failed", "missing"}}
//! ```
//!
//! A scalar or a formula is a string in nnkey's own syntax (`w[1,1]`, `3/2`,
//! `2^(L*d)`); a matrix is `{"rows", "cols", "entries": [[string]]}`, or,
//! when larger than 4096 entries, `{"rows", "cols", "nonzeros": [[row, col,
//! string]]}`; a record is an object of its fields; a tuple or list is an
//! array; a correspondence `a -> b` is `{"from", "to"}`; `expect.status` is
//! `pass`, `fail`, `missing` or `invalid`.

use serde_json::{Map, Value as Json, json};

use crate::algebra::{Notation, Print, Ring};
use crate::check::{Report, Status};
use crate::model::Value;
use crate::model::value::DENSE_LIMIT;

/// A value as JSON.
pub fn value(v: &Value, ring: &Ring) -> Json {
    let s = |x: &dyn Print| Json::String(x.print(ring, Notation::Plain));
    match v {
        Value::Scalar(x) => s(x),
        Value::Formula(x) => s(x),
        Value::Matrix(m) => json!({
            "rows": m.rows(),
            "cols": m.cols(),
            "entries": (0..m.rows()).map(|r| m.row(r).iter().map(|x| s(x)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        }),
        Value::Sparse(m) if m.rows() * m.cols() <= DENSE_LIMIT => {
            let d = m.to_dense();
            json!({
                "rows": m.rows(),
                "cols": m.cols(),
                "entries": (0..d.rows()).map(|r| d.row(r).iter().map(|x| s(x)).collect::<Vec<_>>()).collect::<Vec<_>>(),
            })
        }
        Value::Sparse(m) => {
            let mut nz = Vec::with_capacity(m.nonzeros());
            for r in 0..m.rows() {
                for (c, p) in m.row(r) {
                    nz.push(json!([r, c, p.print(ring, Notation::Plain)]));
                }
            }
            json!({"rows": m.rows(), "cols": m.cols(), "nonzeros": nz})
        }
        Value::Bool(b) => Json::Bool(*b),
        Value::Word(w) | Value::Text(w) => Json::String(w.clone()),
        Value::List(items) | Value::Tuple(items) => Json::Array(items.iter().map(|x| value(x, ring)).collect()),
        Value::Record(fields) => {
            let mut m = Map::new();
            for (k, x) in fields {
                m.insert(k.clone(), value(x, ring));
            }
            Json::Object(m)
        }
        Value::Maps(a, b) => json!({"from": value(a, ring), "to": value(b, ring)}),
        Value::Call(..) => Json::String(v.print(ring, Notation::Plain)),
    }
}

/// The whole report as pretty-printed JSON.
pub fn report(report: &Report) -> String {
    let files: Vec<Json> = report
        .files
        .iter()
        .map(|file| {
            let diagnostics: Vec<Json> = file
                .diagnostics
                .iter()
                .map(|d| {
                    let (line, column) = file.source.line_col(d.span.start);
                    json!({"message": d.message, "line": line, "column": column})
                })
                .collect();
            let problems: Vec<Json> = file
                .problems
                .iter()
                .map(|p| {
                    let ring = &p.problem.ring;
                    let findings: Vec<Json> = p
                        .findings
                        .iter()
                        .map(|f| {
                            let derivation: Vec<Json> = f
                                .finding
                                .explanation
                                .steps
                                .iter()
                                .map(|s| super::step_parts_in(s, ring))
                                .map(|s| {
                                    json!({
                                        "text": s.0,
                                        "math": s.1.as_ref().map(|m| m.0.clone()),
                                        "latex": s.1.as_ref().map(|m| m.1.clone()),
                                    })
                                })
                                .collect();
                            let detail = match &f.status {
                                Status::Fail(why) => Json::String(why.clone()),
                                _ => Json::Null,
                            };
                            json!({
                                "name": f.finding.name,
                                "kind": super::noun(&f.finding.answer),
                                "value": value(&f.finding.value, ring),
                                "latex": f.finding.value.print(ring, Notation::Latex),
                                "derivation": derivation,
                                "witness": f.finding.witness.as_ref().map(|w| value(w, ring)),
                                "crosscheck": {
                                    "method": f.crosscheck.method,
                                    "trials": f.crosscheck.trials,
                                    "passed": f.crosscheck.passed,
                                    "detail": f.crosscheck.detail,
                                },
                                "expect": {"status": f.status.word(), "detail": detail},
                            })
                        })
                        .collect();
                    let answers: Vec<Json> =
                        p.problem.answers.iter().map(|a| json!({"name": a.name, "text": a.text})).collect();
                    json!({"id": p.problem.id, "title": p.problem.title, "findings": findings, "answers": answers})
                })
                .collect();
            json!({"path": file.source.path.display().to_string(), "diagnostics": diagnostics, "problems": problems})
        })
        .collect();
    let s = report.summary();
    let errors: Vec<Json> =
        report.io_errors.iter().map(|(p, e)| json!({"path": p.display().to_string(), "error": e})).collect();
    let doc = json!({
        "files": files,
        "errors": errors,
        "summary": {"passed": s.passed, "failed": s.failed, "missing": s.missing},
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON values always serialize");
    text.push('\n');
    text
}
