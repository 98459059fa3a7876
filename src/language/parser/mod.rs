//! The parser for problem files, written with nom.
//!
//! **Parsing never gives up.** [`parse`] always returns a tree together with
//! every diagnostic it found. A statement that does not parse becomes one
//! diagnostic, and the parser resumes at the next line that starts a
//! statement, so one mistake does not hide the next or cascade.
//!
//! Statements end at the end of their line; inside `(…)`, `[…]` and `{…}`
//! line breaks are free, which is how a matrix key spans several lines.
//! Each construct has one parse function, and its doc comment quotes the
//! syntax it reads.

mod conv;
mod draw;
mod expr;
mod gradient;
mod input_gradient;
mod lex;
mod logic;
mod network;
mod perturbation;
mod regions;
mod risk;
mod submission;
mod visualization;

use nom::Err;
use nom::Parser;
use nom::bytes::complete::take_while1;

use super::diagnostic::{BOM, Diagnostic, QUOTED_TOKEN, Span, closest, escape_controls, shorten};
use super::math::{Prose, parse_prose};
use super::syntax::*;
use expr::expr;
use lex::*;
pub use lex::{LARGEST_SIZE, MAX_NESTING};
pub use submission::{MAX_CSV_ROWS, parse_submission, parse_submission_csv};
// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

/// The end of a statement: the end of the line or of the file.
fn end_of_statement(i: In) -> PResult<()> {
    let j = sp(i);
    match peek(j) {
        None => Ok((j, ())),
        Some('\n') => Ok((take(j, 1), ())),
        _ => failure(j, "the end of the line", None),
    }
}

/// A problem id: `q1`, `3.1`, `ps3.q12a`: letters, digits and `_`, in
/// parts joined by dots.
fn problem_id(i: In) -> PResult<Ident> {
    let part = |j| take_while1::<_, _, PError>(is_ident_char).parse(j);
    let Ok((mut rest, _)) = part(i) else { return fail(i, "a problem id") };
    while peek(rest) == Some('.') {
        match part(take(rest, 1)) {
            Ok((k, _)) => rest = k,
            Err(_) => {
                return failure(take(rest, 1), "the rest of the id after `.`", Some("ids look like `q1` or `3.1`"));
            }
        }
    }
    let name = i.fragment()[..off(rest) - off(i)].to_string();
    if RESERVED.contains(&name.as_str()) {
        return fail(i, "a problem id");
    }
    Ok((rest, Ident { name, span: span_from(i, rest) }))
}

/// A problem header: `problem q1 "Stride-3 convolution"`, `problem 3.1`.
fn problem_header(i: In) -> PResult<Header> {
    let (rest, _) = keyword(i, "problem")?;
    let (rest, id) = hinted(cut(problem_id(sp(rest))), "a problem starts with `problem ID \"title\"`")?;
    let j = sp(rest);
    let (rest, title) = if peek(j) == Some('"') {
        let (k, t) = cut(string(j))?;
        (k, Some(t))
    } else {
        (rest, None)
    };
    Ok((rest, (id, title, span_from(i, rest))))
}

/// An include: `include "common.nnk"`, another file's file-level
/// declarations.
fn include(i: In) -> PResult<Include> {
    let (rest, _) = keyword(i, "include")?;
    let (rest, (path, path_span)) =
        hinted(cut(string(sp(rest))), "an include names a file in quotes: `include \"common.nnk\"`")?;
    Ok((rest, Include { path, path_span, span: span_from(i, rest) }))
}

/// `NAME =` at the start of a declaration, find, expect or answer.
pub(super) fn name_equals(i: In) -> PResult<Ident> {
    let (rest, name) = ident(i)?;
    let j = sp(rest);
    let (rest, _) = punct(j, "=")?;
    Ok((sp(rest), name))
}

/// A declaration form: what follows `NAME =` for one kind of object. A form
/// whose leading keyword is absent fails without consuming input.
pub(super) struct DeclarationForm {
    pub parse: for<'a> fn(In<'a>) -> PResult<'a, Declared>,
}

/// Every declaration form, tried in order before a plain value. A family
/// adds its forms here.
const DECLARATION_FORMS: &[&[DeclarationForm]] = &[
    &[DeclarationForm { parse: tensor_declaration }, DeclarationForm { parse: logic::truth_table }],
    network::DECLARATIONS,
];

/// A declaration: `W = kernel 2x2 w`, `K = kernel [[1, 2], [3, 4]]`,
/// `eta = 1/10`.
fn let_statement(i: In) -> PResult<Let> {
    let (rest, name) = name_equals(i)?;
    for form in DECLARATION_FORMS.iter().flat_map(|f| f.iter()) {
        match (form.parse)(rest) {
            Err(Err::Error(e)) if e.at == off(rest) => continue,
            Err(e) => return Err(e),
            Ok((k, value)) => return Ok((k, Let { name, value, span: span_from(i, k) })),
        }
    }
    let (k, value) = cut(expr(rest, false))?;
    Ok((k, Let { name, value: Declared::Value(value), span: span_from(i, k) }))
}

/// A tensor: `kernel 2x2 w` (fresh symbols w[0,0] … w[1,1]),
/// `kernel [[1, 2], [3, 4]]` or `kernel from "net.safetensors" "conv1.weight"`;
/// likewise `input`, `matrix` and `vector`.
fn tensor_declaration(i: In) -> PResult<Declared> {
    for kind in ["kernel", "input", "matrix", "vector"] {
        let Ok((k, kspan)) = keyword(i, kind) else { continue };
        let kind = Ident { name: kind.to_string(), span: kspan };
        let j = sp(k);
        if let Ok((k, _)) = keyword(j, "from") {
            let (k, file) = hinted(
                cut(string(sp(k))),
                "a tensor from a file names the file in quotes: `matrix from \"mlp.npz\" \"w1\"`",
            )?;
            let j = sp(k);
            let (k, tensor) = if peek(j) == Some('"') {
                let (k, t) = cut(string(j))?;
                (k, Some(t))
            } else {
                (k, None)
            };
            return Ok((k, Declared::File { kind, file, tensor }));
        }
        if let Some(sized) = conv::symbolic_tensor(j, &kind) {
            return Ok(sized);
        }
        if peek(j).is_some_and(|c| c.is_ascii_digit()) {
            let (k, shape) = cut(shape(j))?;
            let (k, symbol) = hinted(
                cut(ident(sp(k))),
                "a symbolic declaration names its entries' symbol: `kernel 2x2 w` gives w[0,0] .. w[1,1]",
            )?;
            return Ok((k, Declared::Symbolic { kind, shape, symbol }));
        }
        let (k, value) = hinted(
            cut(expr(j, false)),
            "write a shape and a symbol (`kernel 2x2 w`) or the entries (`kernel [[1, 2], [3, 4]]`)",
        )?;
        return Ok((k, Declared::Literal { kind, value }));
    }
    fail(i, "a declaration")
}

/// A query form: the syntax it reads, for messages, and its parser. A form
/// whose leading keyword is absent fails without consuming input, so the
/// next form can try.
pub(super) struct QueryForm {
    pub syntax: &'static str,
    pub parse: for<'a> fn(In<'a>) -> PResult<'a, Query>,
}

/// Every query form, tried in order. A family adds its forms here.
const QUERY_FORMS: &[&[QueryForm]] = &[
    conv::QUERIES,
    logic::QUERIES,
    network::QUERIES,
    input_gradient::QUERIES,
    perturbation::QUERIES,
    visualization::QUERIES,
    regions::QUERIES,
    gradient::QUERIES,
    risk::QUERIES,
];

/// A query, after `find NAME =`.
fn query(i: In) -> PResult<Query> {
    for form in QUERY_FORMS.iter().flat_map(|f| f.iter()) {
        match (form.parse)(i) {
            Err(Err::Error(e)) if e.at == off(i) => continue,
            other => return other,
        }
    }
    // The first word of each form, once: `matrix`, `threshold`, `linear`, ...
    let mut leads: Vec<&str> = Vec::new();
    for form in QUERY_FORMS.iter().flat_map(|f| f.iter()) {
        let lead = form.syntax.split(' ').next().unwrap_or(form.syntax);
        if !leads.contains(&lead) {
            leads.push(lead);
        }
    }
    let listed: Vec<String> = leads.iter().map(|l| format!("`{l}`")).collect();
    let mut hint = format!("a query starts with {}", listed.join(", "));
    if let Ok((_, word)) = raw_ident(i)
        && let Some(s) = closest(word.fragment(), &leads)
    {
        hint = format!("did you mean `{s}`? {hint}");
    }
    let e = PError { at: off(i), expected: vec!["a query".into()], hint: Some(hint), unclosed: None, message: None };
    Err(Err::Failure(e))
}

/// A find: `find A = matrix conv2d(W, stride: 3, padding: 1) on X`.
fn find(i: In) -> PResult<Find> {
    let (rest, _) = keyword(i, "find")?;
    let (rest, name) = hinted(cut(name_equals(sp(rest))), "a find reads `find NAME = QUERY`")?;
    let (rest, q) = query(rest)?;
    Ok((rest, Find { name, query: q, span: span_from(i, rest) }))
}

/// An expect: `expect A = [[w[1,1], 0], [0, w[0,0]]]`.
fn expect(i: In) -> PResult<Expect> {
    let (rest, _) = keyword(i, "expect")?;
    let (rest, name) = hinted(cut(name_equals(sp(rest))), "an expect reads `expect NAME = VALUE`")?;
    let (rest, value) = cut(expr(rest, false))?;
    Ok((rest, Expect { name, value, span: span_from(i, rest) }))
}

/// Whether `i` starts `points NAME =` (and not a value named `points`).
fn at_points(i: In) -> bool {
    keyword(i, "points").is_ok_and(|(rest, _)| name_equals(sp(rest)).is_ok())
}

/// What a find is worth when graded: `points A = 2`.
fn points(i: In) -> PResult<Points> {
    let (rest, _) = keyword(i, "points")?;
    let (rest, name) = name_equals(sp(rest))?;
    let (rest, value) = hinted(cut(expr(rest, false)), "points read `points NAME = 2`")?;
    Ok((rest, Points { name, value, span: span_from(i, rest) }))
}

/// An answer: `answer q13 = "prose"`, or `"""…"""` for several lines.
fn answer(i: In) -> PResult<Answer> {
    let (rest, _) = keyword(i, "answer")?;
    let (rest, name) = hinted(cut(name_equals(sp(rest))), "an answer reads `answer NAME = \"text\"`")?;
    let (rest, (text, text_span)) = hinted(cut(string(rest)), "answers are text in quotes")?;
    let prose = prose_of(name_rest_start(i, text_span), text_span, &text);
    Ok((rest, Answer { name, text: dedent(&text), prose, span: span_from(i, rest) }))
}

/// The input at the start of a string literal whose span is known.
fn name_rest_start(i: In, literal: Span) -> In {
    take(i, literal.start - off(i))
}

/// A string literal's text read as prose (math between `$…$`). Errors point
/// into the literal: exactly for `"""…"""` and strings without escapes,
/// at the literal otherwise.
fn prose_of(at: In, literal: Span, text: &str) -> Result<Vec<Prose>, Diagnostic> {
    let raw = &at.fragment()[..literal.len()];
    let quote = if raw.starts_with("\"\"\"") { 3 } else { 1 };
    let inner = &raw[quote..raw.len().saturating_sub(quote).max(quote)];
    let exact = quote == 3 || !inner.contains('\\');
    let source = if exact { inner } else { text };
    parse_prose(source).map_err(|e| {
        let span = if exact {
            let start = literal.start + quote + e.at;
            Span::new(start, start + e.len.max(1))
        } else {
            literal
        };
        Diagnostic::error(span, e.message.clone())
            .with_label("in this math")
            .with_hint("math between `$…$` uses nnkey's notation: `x^2`, `W_1 x + b_1`, `X^T`, `<=`, `lambda`; write `\\$` for a dollar sign")
    })
}

const QUESTION_HELP: &str = "a question reads `question = \"text\"` (the problem's) \
                             or `question NAME = \"text\"` (the part `find NAME` answers)";

/// A question: `question = "text"` for the whole problem, or
/// `question NAME = "text"` for the part that `find NAME` answers;
/// `"""…"""` for several lines, dedented as answers are.
fn question(i: In) -> PResult<QuestionSyntax> {
    let (rest, _) = keyword(i, "question")?;
    let j = sp(rest);
    let (rest, part) = if peek(j) == Some('=') {
        (j, None)
    } else {
        match ident(j) {
            Ok((k, name)) => (sp(k), Some(name)),
            Err(_) => return failure(j, "`=` or the name of a find", Some(QUESTION_HELP)),
        }
    };
    let (rest, _) = hinted(cut(punct(rest, "=")), QUESTION_HELP)?;
    let hint = if part.is_none() {
        "`question` is a reserved word: `question = \"text\"` states the problem's question, \
         and a value needs another name"
    } else {
        "the part of a question is text in quotes: `question NAME = \"text\"`"
    };
    let start = sp(rest);
    let (rest, (text, text_span)) = hinted(cut(string(start)), hint)?;
    let prose = prose_of(start, text_span, &text);
    Ok((rest, QuestionSyntax { part, text: dedent(&text), prose, text_span, span: span_from(i, rest) }))
}

const SHOW_HELP: &str = "`show W, X` lists declared objects to display with the question, in order";

/// A show: `show W, X, h`, the declared objects a student sees with the
/// question, in order. The names stay on the statement's line.
fn show(i: In) -> PResult<Show> {
    let (rest, _) = keyword(i, "show")?;
    let mut j = sp(rest);
    if peek(j) == Some('=') {
        return failure(
            j,
            "the name of a declared object",
            Some("`show` is a reserved word: `show W, X` lists objects to display, and a value needs another name"),
        );
    }
    let mut names = Vec::new();
    loop {
        let (end, name) = hinted(cut(ident(j)), SHOW_HELP)?;
        names.push(name);
        let k = sp(end);
        match peek(k) {
            Some(',') => j = sp(take(k, 1)),
            None | Some('\n') => return Ok((end, Show { names, span: span_from(i, end) })),
            Some(_) => return failure(k, "`,` or the end of the line", Some(SHOW_HELP)),
        }
    }
}

/// Removes the indentation that every non-blank line of a text shares,
/// and the blank lines around it.
fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        if k == 0 {
            out.push(l.trim_start());
        } else {
            out.push(l.get(indent..).unwrap_or(l.trim_start()));
        }
    }
    out.join("\n").trim().to_string()
}

/// A problem header: its id, its title, and the header's span.
type Header = (Ident, Option<(String, Span)>, Span);

enum Parsed {
    Header(Box<Header>),
    Statement(Box<Statement>),
    Include(Include),
}

/// One statement or problem header, with the end of its line.
fn statement(i: In) -> PResult<Parsed> {
    let (rest, parsed) = if at_keyword(i, "problem") {
        let (r, (id, title, span)) = problem_header(i)?;
        (r, Parsed::Header(Box::new((id, title, span))))
    } else if at_keyword(i, "find") {
        let (r, s) = find(i)?;
        (r, Parsed::Statement(Box::new(Statement::Find(s))))
    } else if at_keyword(i, "expect") {
        let (r, s) = expect(i)?;
        (r, Parsed::Statement(Box::new(Statement::Expect(s))))
    } else if at_keyword(i, "answer") {
        let (r, s) = answer(i)?;
        (r, Parsed::Statement(Box::new(Statement::Answer(s))))
    } else if at_keyword(i, "question") {
        let (r, s) = question(i)?;
        (r, Parsed::Statement(Box::new(Statement::Question(s))))
    } else if at_keyword(i, "show") {
        let (r, s) = show(i)?;
        (r, Parsed::Statement(Box::new(Statement::Show(s))))
    } else if at_points(i) {
        let (r, s) = points(i)?;
        (r, Parsed::Statement(Box::new(Statement::Points(s))))
    } else if at_keyword(i, "draw") {
        let (r, s) = draw::draw(i)?;
        (r, Parsed::Statement(Box::new(Statement::Draw(s))))
    } else if at_keyword(i, "include") {
        let (r, s) = include(i)?;
        (r, Parsed::Include(s))
    } else if name_equals(i).is_ok() {
        let (r, s) = let_statement(i)?;
        (r, Parsed::Statement(Box::new(Statement::Let(s))))
    } else if let Ok((after, word)) = raw_ident(i)
        && RESERVED.contains(word.fragment())
        && peek(sp(after)) == Some('=')
    {
        // `on = …`: a reserved word where a name was meant.
        let e = PError {
            at: off(i),
            unclosed: None,
            message: None,
            expected: vec!["a name".to_string()],
            hint: Some(format!(
                "`{}` is a reserved word and cannot name anything; the reserved words are {}",
                word.fragment(),
                RESERVED.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        return Err(Err::Failure(e));
    } else {
        let e = PError {
            at: off(i),
            unclosed: None,
            message: None,
            expected: vec!["a statement".to_string()],
            hint: Some(
                "statements are `problem ID \"title\"`, `NAME = …`, `draw NAME = …`, `find NAME = …`, \
                 `expect NAME = …`, `answer NAME = \"…\"`, `question = \"…\"`, `question NAME = \"…\"`, \
                 `show NAME, …`, `points NAME = …` and `include \"FILE\"`"
                    .to_string(),
            ),
        };
        return Err(Err::Failure(e));
    };
    let (rest, _) = end_of_statement(rest)?;
    Ok((rest, parsed))
}

/// Whether a line (from its first non-blank character) starts a statement:
/// where the parser resumes after an error.
fn starts_statement(i: In) -> bool {
    ["problem", "find", "expect", "answer", "question", "show", "draw", "include"].iter().any(|k| at_keyword(i, k))
        || name_equals(i).is_ok()
        || at_points(i)
}

/// Describes what is at `at` for "found …".
fn found(text: &str, at: usize) -> (String, Span) {
    let rest = &text[at.min(text.len())..];
    match rest.chars().next() {
        None => {
            // Point just after the last thing written, not at an empty last line.
            let end = text.trim_end().len();
            ("the end of the file".into(), Span::new(end, end))
        }
        Some('\n') | Some('\r') => ("the end of the line".into(), Span::new(at, at)),
        Some(c) if is_ident_char(c) => {
            // A number is one token, exponent and all: `1e-999999999`.
            let number = if c.is_ascii_digit() { number_len(rest) } else { 0 };
            let n = number + rest[number..].find(|c: char| !is_ident_char(c)).unwrap_or(rest.len() - number);
            (format!("`{}`", shorten(&rest[..n], QUOTED_TOKEN)), Span::new(at, at + n))
        }
        Some(c) => (format!("`{}`", escape_controls(&c.to_string())), Span::new(at, at + c.len_utf8())),
    }
}

/// The length of the number `text` starts with: digits, a fraction and an
/// exponent.
fn number_len(text: &str) -> usize {
    let b = text.as_bytes();
    let digits = |k: usize| k + b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n = digits(0);
    if b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(u8::is_ascii_digit) {
        n = digits(n + 1);
    }
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(n + 1), Some(b'+' | b'-')));
        if b.get(n + 1 + sign).is_some_and(u8::is_ascii_digit) {
            n = digits(n + 1 + sign);
        }
    }
    n
}

fn list_expected(expected: &[String]) -> String {
    match expected {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The diagnostic for a parse error.
fn diagnose(text: &str, e: PError) -> Diagnostic {
    let (what, span) = found(text, e.at);
    let expected = list_expected(&e.expected);
    let label = if expected.len() <= 40 { format!("expected {expected}") } else { String::new() };
    let mut d = match &e.message {
        Some(m) => Diagnostic::error(span, m.clone()).with_label(format!("expected {expected}")),
        None => Diagnostic::error(span, format!("expected {expected}, found {what}")).with_label(label),
    };
    if let Some(o) = e.unclosed {
        let bracket = text[o..].chars().next().unwrap_or('(');
        d = d.with_hint_at(Span::new(o, o + bracket.len_utf8()), format!("this `{bracket}` is never closed"));
    }
    if let Some(h) = e.hint {
        d = d.with_hint(h);
    }
    d
}

/// Parses a problem file. Always returns the tree, with every diagnostic.
pub fn parse(text: &str) -> (SyntaxFile, Vec<Diagnostic>) {
    parse_at(text, 0)
}

/// Parses a problem file whose spans start at `base` rather than 0: an
/// included file's text is given offsets past those of the file including
/// it, so that a span names one place among a file and its includes.
pub fn parse_at(text: &str, base: usize) -> (SyntaxFile, Vec<Diagnostic>) {
    let mut file = SyntaxFile::default();
    let mut diagnostics = Vec::new();
    let mut i = In::new_extra(text, base);
    if text.starts_with(BOM) {
        i = take(i, BOM.len_utf8());
    }
    let mut orphan_reported = false;
    loop {
        i = ws(i);
        if i.fragment().is_empty() {
            break;
        }
        match statement(i) {
            Ok((rest, Parsed::Header(header))) => {
                let (id, title, span) = *header;
                if let Some(prev) = file.problems.iter().find(|p| p.id.name == id.name) {
                    diagnostics.push(
                        Diagnostic::error(id.span, format!("problem `{}` is defined twice in this file", id.name))
                            .with_label("second definition")
                            .with_hint_at(prev.id.span, "first defined here"),
                    );
                }
                file.problems.push(ProblemSyntax { id, title, span, statements: Vec::new() });
                i = rest;
            }
            Ok((rest, Parsed::Include(inc))) => {
                if file.problems.is_empty() {
                    file.includes.push(inc);
                } else {
                    diagnostics.push(
                        Diagnostic::error(inc.span, "an include inside a problem")
                            .with_label("includes come before the first problem")
                            .with_hint("move `include \"…\"` to the top of the file: its declarations are shared by every problem"),
                    );
                }
                i = rest;
            }
            Ok((rest, Parsed::Statement(s))) => {
                let s = *s;
                match file.problems.last_mut() {
                    Some(p) => p.statements.push(s),
                    // Declarations before the first problem are shared.
                    None if matches!(s, Statement::Let(_)) => file.shared.push(s),
                    None if matches!(s, Statement::Draw(_)) => diagnostics.push(
                        Diagnostic::error(s.span(), "a draw outside of a problem")
                            .with_label("each problem draws its own values")
                            .with_hint("move the draw into the problems that use it, or declare the value here"),
                    ),
                    None if !orphan_reported => {
                        orphan_reported = true;
                        diagnostics.push(
                            Diagnostic::error(s.span(), "statement outside of a problem")
                                .with_label("this belongs to no problem")
                                .with_hint(
                                    "before the first problem, a file holds declarations (`NAME = …`) and \
                                     `include \"FILE\"`; start a problem first: `problem q1 \"title\"`",
                                ),
                        );
                    }
                    None => {}
                }
                i = rest;
            }
            Err(Err::Error(e)) | Err(Err::Failure(e)) => {
                diagnostics.push(diagnose_at(text, base, e));
                i = recover(i);
            }
            Err(Err::Incomplete(_)) => {
                diagnostics.push(Diagnostic::error(Span::new(off(i), base + text.len()), "unexpected end of file"));
                break;
            }
        }
    }
    (file, diagnostics)
}

/// The diagnostic for a parse error in a text whose spans start at `base`.
fn diagnose_at(text: &str, base: usize, mut e: PError) -> Diagnostic {
    e.at -= base;
    e.unclosed = e.unclosed.map(|u| u - base);
    let mut d = diagnose(text, e);
    d.span = Span::new(d.span.start + base, d.span.end + base);
    for h in &mut d.hints {
        h.span = h.span.map(|s| Span::new(s.start + base, s.end + base));
    }
    d
}

/// Skips to the next line that starts a statement.
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

/// Parses a standalone expression, such as a value given on the command
/// line; the whole text must be one expression.
pub fn parse_expr(text: &str) -> Result<Expr, Diagnostic> {
    let i = ws(In::new_extra(text, 0));
    match expr(i, true) {
        Ok((rest, e)) => {
            let rest = ws(rest);
            if rest.fragment().is_empty() {
                Ok(e)
            } else {
                Err(diagnose(
                    text,
                    PError {
                        at: off(rest),
                        expected: vec!["the end of the expression".into()],
                        hint: None,
                        unclosed: None,
                        message: None,
                    },
                ))
            }
        }
        Err(Err::Error(e)) | Err(Err::Failure(e)) => Err(diagnose(text, e)),
        Err(Err::Incomplete(_)) => Err(Diagnostic::error(Span::new(0, text.len()), "incomplete expression")),
    }
}
