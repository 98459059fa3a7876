//! Students' submissions: answers written in the language's value syntax,
//! as a text file or as the rows of a CSV form export.
//!
//! A text submission reads
//!
//! ```text
//! student "ada"            # optional; the file's name otherwise
//! problem q1
//!   A = [[w[1,1], 0, 0, 0], …]
//! problem q4
//!   and = { w: [1, 1], b: -2 }
//! ```
//!
//! and a CSV has a header row naming the columns `student`, `problem`,
//! `name` and `answer` (in any order; other columns are ignored), then one
//! answer per row. Values are read by the expression parser that reads
//! keys, so a student writes what an `expect` would say.
//!
//! **Parsing never gives up.** An answer that does not parse keeps its
//! diagnostic in place of its value, so it alone is lost; the parser
//! resumes at the next line that starts a statement.

use nom::Err;

use super::expr::expr;
use super::lex::*;
use super::{diagnose, end_of_statement, name_equals};
use crate::language::diagnostic::{BOM, Diagnostic, Span};
use crate::language::syntax::{Expr, Ident, SubmissionSyntax, SubmittedAnswer};

/// The most rows a CSV submission may hold (a form export of a large
/// course holds a few tens of thousands); more is an error that names
/// this limit.
pub const MAX_CSV_ROWS: usize = 1 << 20;

const STATEMENTS: &str = "a submission holds `student \"NAME\"`, `problem ID` and answers `NAME = VALUE`";

/// A problem id as a submission names it: letters, digits, `_` and `.`
/// (`q1`, `3.1`).
fn problem_id(i: In) -> PResult<Ident> {
    let s = i.fragment();
    let n = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(s.len());
    if n == 0 {
        return fail(i, "a problem id");
    }
    let rest = take(i, n);
    Ok((rest, Ident { name: s[..n].to_string(), span: span_from(i, rest) }))
}

/// `student "ada"`: who the submission is from.
fn student(i: In) -> PResult<(String, Span)> {
    let (rest, _) = keyword(i, "student")?;
    let (rest, (name, span)) = hinted(cut(string(sp(rest))), "a submission names its student `student \"ada\"`")?;
    let (rest, _) = end_of_statement(rest)?;
    Ok((rest, (name, span)))
}

/// `problem q1`: the answers below are to problem `q1`.
fn problem(i: In) -> PResult<Ident> {
    let (rest, _) = keyword(i, "problem")?;
    let (rest, id) = hinted(cut(problem_id(sp(rest))), "answers to a problem follow `problem ID`")?;
    let (rest, _) = end_of_statement(rest)?;
    Ok((rest, id))
}

/// `NAME = VALUE` after `NAME =`: the value and the end of its line.
fn value(i: In) -> PResult<Expr> {
    let (rest, v) = cut(expr(i, false))?;
    let (rest, _) = end_of_statement(rest)?;
    Ok((rest, v))
}

fn at_student(i: In) -> bool {
    keyword(i, "student").is_ok_and(|(rest, _)| peek(sp(rest)) == Some('"'))
}

fn starts_statement(i: In) -> bool {
    at_keyword(i, "problem") || at_student(i) || name_equals(i).is_ok()
}

/// Skips to the next line that starts a statement; returns where, and
/// where the skipped text ends (before that line's break).
fn recover(i: In) -> In {
    let mut j = i;
    loop {
        let s = j.fragment();
        match s.find('\n') {
            None => return take(j, s.len()),
            Some(n) => j = take(j, n + 1),
        }
        let k = sp(j);
        if k.fragment().is_empty() || starts_statement(k) {
            return j;
        }
    }
}

/// Parses a text submission. Always returns what it read: the diagnostics
/// of unparsable answers sit in those answers; the list holds the others
/// (a statement that is not one, an answer before any `problem`).
pub fn parse_submission(text: &str) -> (SubmissionSyntax, Vec<Diagnostic>) {
    let mut sub = SubmissionSyntax::default();
    let mut diagnostics = Vec::new();
    let mut current: Option<Ident> = None;
    let mut i = In::new_extra(text, 0);
    if text.starts_with(BOM) {
        i = take(i, BOM.len_utf8());
    }
    loop {
        i = ws(i);
        if i.fragment().is_empty() {
            break;
        }
        let outcome: Result<In, PError> = if at_student(i) {
            student(i).map_err(unwrap).map(|(rest, (name, span))| {
                match &sub.student {
                    Some((_, first)) => diagnostics.push(
                        Diagnostic::error(span, "the submission names its student twice")
                            .with_hint_at(*first, "first named here"),
                    ),
                    None => sub.student = Some((name, span)),
                }
                rest
            })
        } else if at_keyword(i, "problem") {
            problem(i).map_err(unwrap).map(|(rest, id)| {
                current = Some(id);
                rest
            })
        } else if let Ok((rest, name)) = name_equals(i) {
            let (end, value, value_span) = match value(rest) {
                Ok((end, v)) => {
                    let at = v.span;
                    (end, Ok(v), at)
                }
                Err(e) => {
                    let d = diagnose(text, unwrap(e));
                    let end = recover(rest);
                    let written = text[off(rest)..off(end)].trim_end();
                    (end, Err(d), Span::new(off(rest), off(rest) + written.len()))
                }
            };
            let span = span_from(i, end);
            match &current {
                Some(p) => sub.answers.push(SubmittedAnswer { problem: p.clone(), name, value, value_span, span }),
                None => diagnostics.push(
                    Diagnostic::error(name.span, "an answer before any `problem`")
                        .with_label("which problem does this answer?")
                        .with_hint("write `problem ID` on a line before the answers to that problem"),
                ),
            }
            Ok(end)
        } else {
            Err(PError {
                at: off(i),
                expected: vec!["an answer `NAME = VALUE`".into()],
                hint: Some(STATEMENTS.into()),
                unclosed: None,
                message: None,
            })
        };
        match outcome {
            Ok(rest) => i = rest,
            Err(e) => {
                diagnostics.push(diagnose(text, e));
                i = recover(i);
            }
        }
    }
    (sub, diagnostics)
}

fn unwrap(e: Err<PError>) -> PError {
    match e {
        Err::Error(e) | Err::Failure(e) => e,
        Err::Incomplete(_) => PError { at: 0, expected: vec![], hint: None, unclosed: None, message: None },
    }
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// The four columns a CSV submission needs.
const COLUMNS: [&str; 4] = ["student", "problem", "name", "answer"];

/// A cell's place in the file: the bytes of its text (inside the quotes
/// for a quoted cell), and whether it holds an escaped quote `""`, which
/// makes its text differ from the file's bytes.
#[derive(Clone, Copy, Debug)]
struct Cell {
    start: usize,
    end: usize,
    escaped: bool,
}

/// The cells of the record that starts at byte `start`, as RFC 4180 lays
/// them out: the csv crate reads the values, this finds where they are.
fn cells_at(text: &str, start: usize) -> Vec<Cell> {
    let b = text.as_bytes();
    let mut cells = Vec::new();
    let mut pos = start;
    loop {
        let cell = if b.get(pos) == Some(&b'"') {
            let inner = pos + 1;
            let mut k = inner;
            let mut escaped = false;
            loop {
                match b.get(k) {
                    None => break,
                    Some(b'"') if b.get(k + 1) == Some(&b'"') => {
                        escaped = true;
                        k += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => k += 1,
                }
            }
            let end = k;
            // Past the closing quote, to the separator.
            pos = (k + 1).min(b.len());
            while pos < b.len() && !matches!(b[pos], b',' | b'\n' | b'\r') {
                pos += 1;
            }
            Cell { start: inner, end, escaped }
        } else {
            let s = pos;
            while pos < b.len() && !matches!(b[pos], b',' | b'\n' | b'\r') {
                pos += 1;
            }
            Cell { start: s, end: pos, escaped: false }
        };
        cells.push(cell);
        if b.get(pos) == Some(&b',') {
            pos += 1;
        } else {
            return cells;
        }
    }
}

/// An expression written in the file at `cell`, its spans in the file.
fn value_in(text: &str, cell: Cell) -> Result<Expr, Diagnostic> {
    let span = Span::new(cell.start, cell.end);
    if cell.escaped {
        return Err(Diagnostic::error(span, "an answer cell holds a doubled quote `\"\"`")
            .with_label("nnkey reads answers without quotes")
            .with_hint("a value has no quotes: write `{ w: [1, 1], b: -2 }`"));
    }
    let within = &text[..cell.end];
    let i = ws(take(In::new_extra(within, 0), cell.start));
    let at_end = |rest: In| ws(rest).fragment().is_empty();
    match expr(i, true) {
        Ok((rest, e)) if at_end(rest) => Ok(e),
        Ok((rest, _)) => Err(cell_diagnostic(
            within,
            PError {
                at: off(ws(rest)),
                expected: vec!["the end of the answer".into()],
                hint: None,
                unclosed: None,
                message: None,
            },
        )),
        Err(e) => Err(cell_diagnostic(within, unwrap(e))),
    }
}

/// A parse error inside a cell: the end of the text is the end of the
/// answer, not of the file.
fn cell_diagnostic(within: &str, e: PError) -> Diagnostic {
    let mut d = diagnose(within, e);
    d.message = d.message.replace("the end of the file", "the end of the answer");
    d
}

/// A name written in a cell: an identifier, with its span in the file.
fn name_in(text: &str, cell: Cell, what: &str, id: bool) -> Result<Ident, Diagnostic> {
    let raw = &text[cell.start..cell.end];
    let trimmed = raw.trim();
    let lead = raw.len() - raw.trim_start().len();
    let span = Span::new(cell.start + lead, cell.start + lead + trimmed.len());
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || (id && c == '.');
    if trimmed.is_empty() || cell.escaped || !trimmed.chars().all(ok) {
        let wanted = if id { "a problem id such as `q1`" } else { "the name of a find such as `A`" };
        return Err(Diagnostic::error(span, format!("the {what} cell is not {wanted}"))
            .with_label(format!("expected {wanted}")));
    }
    Ok(Ident { name: trimmed.to_string(), span })
}

/// Parses a CSV submission: one [`SubmissionSyntax`] per student, in the
/// order they first appear. A row that cannot be read loses that answer
/// only; its diagnostic sits in the answer when the row says whose answer
/// it is, and in the list otherwise (with a bad header, which loses all).
pub fn parse_submission_csv(text: &str) -> (Vec<SubmissionSyntax>, Vec<Diagnostic>) {
    let mut subs: Vec<SubmissionSyntax> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header_span = Span::new(0, text.find('\n').unwrap_or(text.len()));
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            diagnostics.push(Diagnostic::error(header_span, format!("not a CSV file: {e}")));
            return (subs, diagnostics);
        }
        None => {
            diagnostics.push(
                Diagnostic::error(header_span, "an empty CSV file")
                    .with_hint("a CSV submission starts with the header `student,problem,name,answer`"),
            );
            return (subs, diagnostics);
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim_start_matches(BOM).trim().to_ascii_lowercase()).collect();
    let mut column = [0usize; 4];
    for (k, want) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == want) {
            Some(c) => column[k] = c,
            None => {
                diagnostics.push(
                    Diagnostic::error(header_span, format!("the CSV header has no column `{want}`"))
                        .with_label("the header row")
                        .with_hint("a CSV submission has the columns `student,problem,name,answer`"),
                );
                return (subs, diagnostics);
            }
        }
    }
    // Each student's place in `subs`.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (row, record) in records.enumerate() {
        if row >= MAX_CSV_ROWS {
            diagnostics.push(Diagnostic::error(
                Span::new(text.len(), text.len()),
                format!("more than {MAX_CSV_ROWS} rows, the limit of a CSV submission (MAX_CSV_ROWS)"),
            ));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at = e.position().map_or(text.len(), |p| p.byte() as usize).min(text.len());
                diagnostics.push(Diagnostic::error(Span::new(at, at), format!("this CSV row cannot be read: {e}")));
                continue;
            }
        };
        // The record's position may point at the line break before it
        // (after a `\r` of CRLF) or at blank lines the reader skipped.
        let mut start = record.position().map_or(0, |p| p.byte() as usize).min(text.len());
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let cells = cells_at(text, start);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| cells.get(column[k]).copied();
        let (Some(s), Some(p), Some(n), Some(a)) = (cell(0), cell(1), cell(2), cell(3)) else {
            let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
            diagnostics.push(
                Diagnostic::error(
                    Span::new(start, end),
                    format!("this row has {} cells, the header {}", record.len(), names.len()),
                )
                .with_hint("each row gives `student,problem,name,answer`"),
            );
            continue;
        };
        let student = record.get(column[0]).unwrap_or("").trim().to_string();
        if student.is_empty() {
            diagnostics
                .push(Diagnostic::error(Span::new(s.start, s.end), "a row without a student").with_label("empty"));
            continue;
        }
        let (problem, name) = match (name_in(text, p, "problem", true), name_in(text, n, "name", false)) {
            (Ok(p), Ok(n)) => (p, n),
            (Err(d), _) | (_, Err(d)) => {
                diagnostics.push(d);
                continue;
            }
        };
        if record.get(column[3]).unwrap_or("").trim().is_empty() {
            // An empty answer cell is no answer.
            continue;
        }
        let value = value_in(text, a);
        let k = match index.get(&student) {
            Some(&k) => k,
            None => {
                index.insert(student.clone(), subs.len());
                subs.push(SubmissionSyntax {
                    student: Some((student, Span::new(s.start, s.end))),
                    answers: Vec::new(),
                });
                subs.len() - 1
            }
        };
        let span = Span::new(start, a.end);
        let value_span = Span::new(a.start, a.end);
        subs[k].answers.push(SubmittedAnswer { problem, name, value, value_span, span });
    }
    (subs, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::SourceFile;

    fn at(text: &str, d: &Diagnostic) -> (usize, usize) {
        SourceFile::new("s", text).line_col(d.span.start)
    }

    #[test]
    fn a_text_submission_reads_student_problems_and_answers() {
        let text =
            "student \"ada\"\nproblem q1\n  A = [[1, 0],\n       [0, 1]]\nproblem q4\n  and = { w: [1, 1], b: -2 }\n";
        let (s, d) = parse_submission(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.student.as_ref().map(|x| x.0.as_str()), Some("ada"));
        let names: Vec<(&str, &str)> =
            s.answers.iter().map(|a| (a.problem.name.as_str(), a.name.name.as_str())).collect();
        assert_eq!(names, [("q1", "A"), ("q4", "and")]);
        assert!(s.answers.iter().all(|a| a.value.is_ok()));
    }

    #[test]
    fn an_unparsable_answer_loses_only_itself() {
        let text = "problem q1\n  A = [[1, 0], [0, 1\n  B = 3\n  C = 2 +\nproblem q2\n  D = 1\n";
        let (s, d) = parse_submission(text);
        assert!(d.is_empty(), "{d:?}");
        let got: Vec<(&str, bool)> = s.answers.iter().map(|a| (a.name.name.as_str(), a.value.is_ok())).collect();
        assert_eq!(got, [("A", false), ("B", true), ("C", false), ("D", true)]);
        let c = s.answers[2].value.as_ref().unwrap_err();
        assert_eq!(at(text, c), (4, 10));
    }

    #[test]
    fn an_answer_before_any_problem_is_reported() {
        let (s, d) = parse_submission("A = 1\nproblem q1\nB = 2\n");
        assert_eq!(s.answers.len(), 1);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("before any `problem`"));
    }

    #[test]
    fn a_csv_reads_quoted_multi_line_cells_with_spans_in_the_file() {
        let text = "timestamp,student,problem,name,answer\n\
                    1,ada,q1,A,\"[[1, 0],\n [0, 1]]\"\n\
                    2,bob,q1,A,[1 2\n\
                    3,ada,q4,and,\"{ w: [1, 1], b: -2 }\"\n";
        let (subs, d) = parse_submission_csv(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].answers.len(), 2);
        assert!(subs[0].answers.iter().all(|a| a.value.is_ok()));
        let bad = subs[1].answers[0].value.as_ref().unwrap_err();
        // `[1 2` on line 4: the error is at the `2`, column 16.
        assert_eq!(at(text, bad), (4, 16));
        assert_eq!(
            subs[1].answers[0].name.span,
            Span::new(text.find("A,[1 2").unwrap(), text.find("A,[1 2").unwrap() + 1)
        );
    }

    #[test]
    fn a_csv_with_a_byte_order_mark_and_crlf_line_ends_reads() {
        let text = "\u{feff}Student,Problem,Name,Answer\r\nada,q1,A,\"[1,\r\n 2]\"\r\nada,q2,B,[3 4\r\n";
        let (subs, d) = parse_submission_csv(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(subs.len(), 1);
        assert!(subs[0].answers[0].value.is_ok());
        let bad = subs[0].answers[1].value.as_ref().unwrap_err();
        // `3 4` is a product; the list is never closed.
        assert_eq!(at(text, bad), (4, 14));
    }

    #[test]
    fn a_csv_without_the_answer_column_is_an_error() {
        let (subs, d) = parse_submission_csv("student,problem,name\nada,q1,A\n");
        assert!(subs.is_empty());
        assert!(d[0].message.contains("no column `answer`"), "{}", d[0].message);
    }
}
