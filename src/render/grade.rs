//! Grading reports: a report per student as text, Markdown or JSON, and
//! the gradebook as CSV.
//!
//! Points are exact fractions in the grading; they are printed as
//! decimals, exact when two decimals suffice (`0.5`, `1.25`) and rounded
//! to two decimals otherwise (`5/6` prints `0.83`). JSON gives the exact
//! fraction beside the decimal.
//!
//! The JSON object: `{"students": [{"student", "files", "points", "max",
//! "grades": [{"problem", "name", "points", "points_exact", "max",
//! "verdict", "answer", "at", "feedback": [{"kind", "text"}]}],
//! "unmatched": [{"problem", "name", "at", "text"}], "diagnostics":
//! [{"at", "message"}]}], "diagnostics": [{"at", "message"}]}`, where `at`
//! is `FILE:LINE:COLUMN`.

use serde::Serialize;

use crate::algebra::Q;
use crate::grade::{GivenPiece, Grade, GradeReport, Mistake, Note, Part, Side, Step, StudentReport, Verdict};
use crate::language::{Diagnostic, SourceFile, Span};

use super::markdown;

/// Points as a decimal: exact to two decimals, else rounded half up.
pub fn points(q: &Q) -> String {
    let hundred = Q::from_int(100);
    let scaled = q * &hundred;
    let h = (&scaled + &Q::new(1, 2)).floor();
    let negative = h < 0.into();
    let h = if negative { -h } else { h };
    let whole = &h / 100;
    let frac: num_bigint::BigInt = &h % 100;
    let sign = if negative { "-" } else { "" };
    let frac = format!("{frac:0>2}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac}") }
}

/// A piece of a feedback sentence: words, or nnkey syntax (a value, a
/// name), which each format marks as code.
enum Piece {
    Words(String),
    Code(String),
}

fn w(s: impl Into<String>) -> Piece {
    Piece::Words(s.into())
}

fn c(s: impl Into<String>) -> Piece {
    Piece::Code(s.into())
}

fn part_name(p: &Part) -> String {
    let mut out = String::new();
    for step in p {
        match step {
            Step::Field(f) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(f);
            }
            Step::Item(k) => out.push_str(&format!("[{k}]")),
        }
    }
    out
}

/// "Your matrix" (`whole`) or "`left.W`" as the subject of a sentence.
fn subject(p: &Part, whole: &str) -> Vec<Piece> {
    if p.is_empty() { vec![w(whole)] } else { vec![c(part_name(p))] }
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Left => "left",
        Side::Right => "right",
    }
}

fn bit(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

/// What a mistake says.
fn mistake(m: &Mistake) -> Vec<Piece> {
    match m {
        Mistake::Transpose => {
            vec![w("Your matrix is the transpose of the right one: its rows are the columns of the answer. \
             Each row of the answer belongs to one output entry and each column to one input entry.")]
        }
        Mistake::FlippedKernel => {
            vec![w("Your matrix is that of the kernel flipped in both directions: a convolution in the \
             textbook sense. Deep learning frameworks compute a cross-correlation: the kernel slides \
             over the input as it is, unflipped.")]
        }
        Mistake::MissingPadding => {
            vec![w("Your matrix is that of the same layer without its padding: surround the input with \
             the padding's zeros first, then slide the kernel over the padded input.")]
        }
        Mistake::NeuronRow { table, row, assignment, sum, wanted } => vec![
            w("Your neuron is wrong on row "),
            c(row.clone()),
            w(" of "),
            c(table.clone()),
            w(format!(
                " ({assignment}): w·x + b = {sum}, so it outputs {}, but the table says {}.",
                bit(!wanted),
                bit(*wanted)
            )),
        ],
        Mistake::RemovableBreakpoint { at, piece } => vec![
            w("The pieces on both sides of your breakpoint at "),
            c(at.clone()),
            w(" are the same, "),
            c(piece.clone()),
            w(": the function does not bend there, so it is not a breakpoint, and leaving it out changes nothing. \
               It costs no points."),
        ],
        Mistake::OneSidedAsDerivative { side: s, value } => vec![
            w("Your gradient "),
            c(value.clone()),
            w(format!(
                " is the derivative from the {} only: the slopes on the two sides of this kink differ, \
                 so the network has no derivative here; the answer says ",
                side(*s)
            )),
            c("gradient: undefined"),
            w(" and gives both one-sided pieces."),
        ],
        Mistake::WrongOneSided { side: s, given, right } => vec![
            w(format!("Your slope on the {} of the kink, ", side(*s))),
            c(given.clone()),
            w(format!(", is the slope on the other side; on the {} it is ", side(*s))),
            c(right.clone()),
            w("."),
        ],
        Mistake::GramInverse { matrix } => vec![
            w("Your answer inverts "),
            c(format!("{matrix}^T {matrix}")),
            w(format!(
                ", which is singular here: {matrix} has more columns than rows, so its columns are dependent. \
                 It is "
            )),
            c(format!("{matrix} {matrix}^T")),
            w(" that is invertible, and the minimum-norm solution is "),
            c(format!("{matrix}^T ({matrix} {matrix}^T)^-1 y")),
            w("."),
        ],
    }
}

/// What a note says.
fn note(n: &Note) -> Vec<Piece> {
    match n {
        Note::Unreadable(d) => vec![w(format!("Your answer cannot be read: {}.", d.message.trim_end_matches('.')))],
        Note::Mistake(m) => mistake(m),
        Note::Differs { part, given, right } => {
            let mut v =
                if part.is_empty() { vec![w("You wrote ")] } else { vec![c(part_name(part)), w(": you wrote ")] };
            v.extend([c(given.clone()), w("; it is "), c(right.clone()), w(".")]);
            v
        }
        Note::Missing { part } => vec![w("Your answer has no "), c(part_name(part)), w(".")],
        Note::Extra { part } => {
            vec![w("Your answer has a part "), c(part_name(part)), w(" that the answer does not have.")]
        }
        Note::Shape { part, given, right } => {
            let mut v = subject(part, "Your matrix");
            v.push(w(format!(" is {}×{}; the answer is {}×{}.", given.0, given.1, right.0, right.1)));
            v
        }
        Note::Length { part, given, right } => {
            let mut v = subject(part, "Your list");
            v.push(w(format!(" has {given} items; the answer has {right}.")));
            v
        }
        Note::Entries { part, wrong, of, first, given, right } => {
            let mut v = vec![w(format!("{wrong} of the {of} entries that count are wrong"))];
            if !part.is_empty() {
                v.extend([w(" in "), c(part_name(part))]);
            }
            v.extend([
                w(format!("; the first, entry ({}, {}), is ", first.0, first.1)),
                c(given.clone()),
                w(" and should be "),
                c(right.clone()),
                w("."),
            ]);
            v
        }
        Note::MissingBreakpoint { at } => {
            vec![w("The function has a breakpoint at "), c(at.clone()), w(" that your answer lacks.")]
        }
        Note::ExtraBreakpoint { at } => {
            vec![w("Your breakpoint at "), c(at.clone()), w(" is not a breakpoint of the function.")]
        }
        Note::WrongPiece { from, to, given, right } => {
            let mut v = match (from, to) {
                (Some(a), Some(b)) => vec![w("Between "), c(a.clone()), w(" and "), c(b.clone())],
                (None, Some(b)) => vec![w("Left of "), c(b.clone())],
                (Some(a), None) => vec![w("Right of "), c(a.clone())],
                (None, None) => vec![w("Everywhere")],
            };
            v.extend([w(" the function is "), c(right.clone())]);
            match given {
                Some(GivenPiece { piece, interval: None }) => v.extend([w("; you wrote "), c(piece.clone()), w(".")]),
                Some(GivenPiece { piece, interval: Some(own) }) => {
                    v.extend([w("; your piece there is "), c(piece.clone())]);
                    match own {
                        (Some(a), Some(b)) => v.extend([w(", between "), c(a.clone()), w(" and "), c(b.clone())]),
                        (None, Some(b)) => v.extend([w(", left of "), c(b.clone())]),
                        (Some(a), None) => v.extend([w(", right of "), c(a.clone())]),
                        (None, None) => v.push(w(", everywhere")),
                    }
                    v.push(w("."));
                }
                None => v.push(w("; your answer has no piece over exactly this interval.")),
            }
            v
        }
        Note::NotImpossible { neuron } => {
            vec![w("You say no threshold neuron computes the table, but "), c(neuron.clone()), w(" does.")]
        }
        // The comparison speaks of the key it judges, which here is the
        // student's answer.
        Note::Judged(why) => {
            let why = why.replace("the key's", "your answer's").replace("the key", "your answer");
            let mut first = why.chars();
            let why = first.next().map_or_else(String::new, |c| c.to_uppercase().chain(first).collect());
            vec![w(format!("{}.", why.trim_end_matches('.')))]
        }
        Note::Duplicate => vec![w("You answered this more than once; the first answer is graded.")],
    }
}

fn kind(n: &Note) -> &'static str {
    match n {
        Note::Unreadable(_) => "unreadable",
        Note::Mistake(m) => match m {
            Mistake::Transpose => "transpose",
            Mistake::FlippedKernel => "flipped kernel",
            Mistake::MissingPadding => "missing padding",
            Mistake::NeuronRow { .. } => "neuron row",
            Mistake::RemovableBreakpoint { .. } => "removable breakpoint",
            Mistake::OneSidedAsDerivative { .. } => "one-sided derivative",
            Mistake::WrongOneSided { .. } => "wrong one-sided derivative",
            Mistake::GramInverse { .. } => "inverse of the wrong Gram matrix",
        },
        Note::Differs { .. } => "differs",
        Note::Missing { .. } => "missing part",
        Note::Extra { .. } => "extra part",
        Note::Shape { .. } => "shape",
        Note::Length { .. } => "length",
        Note::Entries { .. } => "entries",
        Note::MissingBreakpoint { .. } => "missing breakpoint",
        Note::ExtraBreakpoint { .. } => "extra breakpoint",
        Note::WrongPiece { .. } => "wrong piece",
        Note::NotImpossible { .. } => "a neuron exists",
        Note::Judged(_) => "comparison",
        Note::Duplicate => "duplicate",
    }
}

fn plain(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Words(s) => s.clone(),
            Piece::Code(s) => format!("`{s}`"),
        })
        .collect()
}

fn markdown_of(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Words(s) => markdown::escape(s),
            Piece::Code(s) => markdown::code(s),
        })
        .collect()
}

/// A note's sentence as plain text, values between backquotes.
pub fn feedback(n: &Note) -> String {
    plain(&note(n))
}

/// The student's answer as written, on one line, cut to 200 characters.
fn written(report: &GradeReport, g: &Grade) -> Option<String> {
    let (file, span) = g.answer?;
    let src = report.submissions.get(file)?;
    let one: String = src.slice(span).split_whitespace().collect::<Vec<_>>().join(" ");
    Some(crate::language::diagnostic::shorten(&one, 200))
}

fn location(src: &SourceFile, span: Span) -> String {
    let (l, col) = src.line_col(span.start);
    format!("{}:{l}:{col}", src.path.display())
}

fn files_of(report: &GradeReport, s: &StudentReport) -> Vec<String> {
    s.files.iter().filter_map(|&f| report.submissions.get(f)).map(|f| f.path.display().to_string()).collect()
}

fn unmatched_pieces(u: &crate::grade::Unmatched) -> Vec<Piece> {
    if u.problem_known {
        vec![
            w("Problem "),
            c(u.problem.clone()),
            w(" asks for no "),
            c(u.name.clone()),
            w("; this answer is not graded."),
        ]
    } else {
        vec![w("The keys have no problem "), c(u.problem.clone()), w("; this answer is not graded.")]
    }
}

fn diagnostic_text(report: &GradeReport, file: usize, d: &Diagnostic) -> String {
    match report.submissions.get(file) {
        Some(src) => d.render(src, false),
        None => d.message.clone(),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!("{by}{l}") }).collect::<Vec<_>>().join("\n")
}

/// The report as text: per student, the total, then each answer with its
/// points and feedback.
pub fn text(report: &GradeReport) -> String {
    let mut out = String::new();
    for s in &report.students {
        out.push_str(&format!("{}: {} of {} points\n", s.student, points(&s.points()), points(&s.max())));
        for f in files_of(report, s) {
            out.push_str(&format!("  from {f}\n"));
        }
        for g in &s.grades {
            out.push_str(&format!(
                "  {} {}: {} of {}, {}\n",
                g.problem,
                g.name,
                points(&g.points),
                points(&g.max),
                g.verdict.word()
            ));
            if let Some(a) = written(report, g)
                && g.verdict != Verdict::Correct
            {
                out.push_str(&format!("    your answer: {a}\n"));
            }
            for n in &g.notes {
                out.push_str(&format!("    - {}\n", feedback(n)));
                if let (Note::Unreadable(d), Some((file, _))) = (n, g.answer) {
                    out.push_str(&indent(&diagnostic_text(report, file, d), "      "));
                    out.push('\n');
                }
            }
        }
        for u in &s.unmatched {
            out.push_str(&format!("  note: {} ({})\n", plain(&unmatched_pieces(u)), at_of(report, u.at)));
        }
        for (file, d) in &s.diagnostics {
            out.push_str(&indent(&diagnostic_text(report, *file, d), "  "));
            out.push('\n');
        }
        out.push('\n');
    }
    for (file, d) in &report.diagnostics {
        out.push_str(&diagnostic_text(report, *file, d));
        out.push('\n');
    }
    super::printable(&out)
}

fn at_of(report: &GradeReport, at: (usize, Span)) -> String {
    report.submissions.get(at.0).map_or_else(String::new, |src| location(src, at.1))
}

/// The report as Markdown: a section per student with a table of points,
/// then the feedback on each answer that is not right.
pub fn markdown(report: &GradeReport) -> String {
    let mut out = String::new();
    for s in &report.students {
        out.push_str(&format!(
            "## {} — {} of {} points\n\n",
            markdown::escape(&s.student),
            points(&s.points()),
            points(&s.max())
        ));
        let files: Vec<String> = files_of(report, s).iter().map(|f| markdown::code(f)).collect();
        if !files.is_empty() {
            out.push_str(&format!("From {}.\n\n", files.join(", ")));
        }
        out.push_str("| problem | answer | points | verdict |\n|---|---|---:|---|\n");
        for g in &s.grades {
            out.push_str(&format!(
                "| {} | {} | {} / {} | {} |\n",
                markdown::escape(&g.problem),
                markdown::escape(&g.name),
                points(&g.points),
                points(&g.max),
                g.verdict.word()
            ));
        }
        out.push('\n');
        // The table says which finds have no answer; a section is for feedback.
        for g in s.grades.iter().filter(|g| !g.notes.is_empty()) {
            out.push_str(&format!(
                "### {} {} — {} of {} ({})\n\n",
                markdown::escape(&g.problem),
                markdown::escape(&g.name),
                points(&g.points),
                points(&g.max),
                g.verdict.word()
            ));
            if let Some(a) = written(report, g) {
                out.push_str(&format!("Your answer: {}\n\n", markdown::code(&a)));
            }
            for n in &g.notes {
                out.push_str(&format!("- {}\n", markdown_of(&note(n))));
                if let (Note::Unreadable(d), Some((file, _))) = (n, g.answer) {
                    out.push('\n');
                    out.push_str(&fenced(&diagnostic_text(report, file, d), "  "));
                }
            }
            out.push('\n');
        }
        for u in &s.unmatched {
            out.push_str(&format!(
                "- {} ({})\n",
                markdown_of(&unmatched_pieces(u)),
                markdown::code(&at_of(report, u.at))
            ));
        }
        if !s.unmatched.is_empty() {
            out.push('\n');
        }
        for (file, d) in &s.diagnostics {
            out.push_str(&fenced(&diagnostic_text(report, *file, d), ""));
            out.push('\n');
        }
    }
    if !report.diagnostics.is_empty() {
        out.push_str("## Submissions that could not be read\n\n");
        for (file, d) in &report.diagnostics {
            out.push_str(&fenced(&diagnostic_text(report, *file, d), ""));
            out.push('\n');
        }
    }
    out
}

/// A code block of text, indented by `by`, its fence longer than any run
/// of backquotes inside so that no quoted line can close it.
fn fenced(text: &str, by: &str) -> String {
    let text = super::printable(text.trim_end());
    let run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((run + 1).max(3));
    format!("{by}{fence}text\n{}\n{by}{fence}\n", indent(&text, by))
}

#[derive(Serialize)]
struct JsonReport {
    students: Vec<JsonStudent>,
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
struct JsonStudent {
    student: String,
    files: Vec<String>,
    points: f64,
    max: f64,
    grades: Vec<JsonGrade>,
    unmatched: Vec<JsonUnmatched>,
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
struct JsonGrade {
    problem: String,
    name: String,
    points: f64,
    points_exact: String,
    max: f64,
    verdict: &'static str,
    answer: Option<String>,
    at: Option<String>,
    feedback: Vec<JsonNote>,
}

#[derive(Serialize)]
struct JsonNote {
    kind: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
}

#[derive(Serialize)]
struct JsonUnmatched {
    problem: String,
    name: String,
    at: String,
    text: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    at: String,
    message: String,
}

fn number(q: &Q) -> f64 {
    points(q).parse().unwrap_or(0.0)
}

fn json_diagnostic(report: &GradeReport, file: usize, d: &Diagnostic) -> JsonDiagnostic {
    JsonDiagnostic { at: at_of(report, (file, d.span)), message: d.message.clone() }
}

/// The report as one JSON object (its fields are listed at the top of
/// this module).
pub fn json(report: &GradeReport) -> String {
    let students = report
        .students
        .iter()
        .map(|s| JsonStudent {
            student: s.student.clone(),
            files: files_of(report, s),
            points: number(&s.points()),
            max: number(&s.max()),
            grades: s
                .grades
                .iter()
                .map(|g| JsonGrade {
                    problem: g.problem.clone(),
                    name: g.name.clone(),
                    points: number(&g.points),
                    points_exact: g.points.to_string(),
                    max: number(&g.max),
                    verdict: g.verdict.word(),
                    answer: written(report, g),
                    at: g.answer.map(|a| at_of(report, a)),
                    feedback: g
                        .notes
                        .iter()
                        .map(|n| JsonNote {
                            kind: kind(n),
                            text: feedback(n),
                            at: match (n, g.answer) {
                                (Note::Unreadable(d), Some((file, _))) => Some(at_of(report, (file, d.span))),
                                _ => None,
                            },
                        })
                        .collect(),
                })
                .collect(),
            unmatched: s
                .unmatched
                .iter()
                .map(|u| JsonUnmatched {
                    problem: u.problem.clone(),
                    name: u.name.clone(),
                    at: at_of(report, u.at),
                    text: plain(&unmatched_pieces(u)),
                })
                .collect(),
            diagnostics: s.diagnostics.iter().map(|(f, d)| json_diagnostic(report, *f, d)).collect(),
        })
        .collect();
    let diagnostics = report.diagnostics.iter().map(|(f, d)| json_diagnostic(report, *f, d)).collect();
    let mut s = serde_json::to_string_pretty(&JsonReport { students, diagnostics }).unwrap_or_default();
    s.push('\n');
    s
}

/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a
/// tab or a carriage return first) gets a leading `'`, so that a student
/// named `=HYPERLINK(…)` stays text.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

/// The gradebook: a header, then one row per student and find with the
/// columns `student,problem,name,points,max,verdict`, quoted as RFC 4180
/// says where a cell needs it.
pub fn gradebook(report: &GradeReport) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |row: [&str; 6]| w.write_record(row).map_err(|e| e.to_string());
    write(["student", "problem", "name", "points", "max", "verdict"])?;
    for s in &report.students {
        for g in &s.grades {
            let (student, problem, name) = (cell(&s.student), cell(&g.problem), cell(&g.name));
            write([&student, &problem, &name, &points(&g.points), &points(&g.max), g.verdict.word()])?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::points;
    use crate::algebra::Q;

    #[test]
    fn points_print_as_short_decimals() {
        assert_eq!(points(&Q::from_int(2)), "2");
        assert_eq!(points(&Q::new(1, 2)), "0.5");
        assert_eq!(points(&Q::new(5, 4)), "1.25");
        assert_eq!(points(&Q::new(5, 6)), "0.83");
        assert_eq!(points(&Q::new(5, 3)), "1.67");
        assert_eq!(points(&Q::zero()), "0");
    }
}
