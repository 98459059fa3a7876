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

use nom::IResult;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::satisfy;
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{Err, Parser};
use nom_locate::LocatedSpan;

use crate::algebra::Q;

use super::diagnostic::{Diagnostic, Span};
use super::syntax::*;

type In<'a> = LocatedSpan<&'a str>;
type PResult<'a, T> = IResult<In<'a>, T, PError>;

/// Words that end an expression: they separate the parts of a query.
const RESERVED: &[&str] =
    &["on", "at", "for", "of", "from", "onto", "to", "with", "problem", "find", "expect", "answer"];

/// A parse error: where, what would have been right there, and advice.
#[derive(Clone, Debug, PartialEq)]
pub struct PError {
    pub at: usize,
    pub expected: Vec<String>,
    pub hint: Option<String>,
    /// An opening bracket left unclosed, pointed at in the report.
    pub unclosed: Option<usize>,
}

impl<'a> ParseError<In<'a>> for PError {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> PError {
        PError { at: off(input), expected: Vec::new(), hint: None, unclosed: None }
    }

    fn append(_input: In<'a>, _kind: ErrorKind, other: PError) -> PError {
        other
    }

    /// Of two alternatives, the one that got further is the better report;
    /// at the same place, both expectations are worth listing.
    fn or(self, other: PError) -> PError {
        match self.at.cmp(&other.at) {
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Equal => {
                let mut merged = self;
                for e in other.expected {
                    if !merged.expected.contains(&e) {
                        merged.expected.push(e);
                    }
                }
                merged.hint = merged.hint.or(other.hint);
                merged.unclosed = merged.unclosed.or(other.unclosed);
                merged
            }
        }
    }
}

fn off(i: In) -> usize {
    i.location_offset()
}

fn span_from(start: In, end: In) -> Span {
    Span::new(off(start), off(end))
}

/// An error at `i`: `label` was expected there.
fn fail<'a, T>(i: In<'a>, label: &str) -> PResult<'a, T> {
    Err(Err::Error(PError { at: off(i), expected: vec![label.to_string()], hint: None, unclosed: None }))
}

/// The same, but committed: alternatives are not tried.
fn failure<'a, T>(i: In<'a>, label: &str, hint: Option<&str>) -> PResult<'a, T> {
    Err(Err::Failure(PError {
        at: off(i),
        expected: vec![label.to_string()],
        hint: hint.map(str::to_string),
        unclosed: None,
    }))
}

/// Commits to the parse: an error inside is reported, not backtracked.
fn cut<'a, T>(r: PResult<'a, T>) -> PResult<'a, T> {
    r.map_err(|e| match e {
        Err::Error(e) => Err::Failure(e),
        other => other,
    })
}

/// Adds `hint` to an error.
fn hinted<'a, T>(r: PResult<'a, T>, hint: &str) -> PResult<'a, T> {
    let add = |mut e: PError| {
        e.hint.get_or_insert_with(|| hint.to_string());
        e
    };
    r.map_err(|e| match e {
        Err::Error(e) => Err::Error(add(e)),
        Err::Failure(e) => Err::Failure(add(e)),
        other => other,
    })
}

// ---------------------------------------------------------------------------
// Whitespace and tokens
// ---------------------------------------------------------------------------

/// Skips spaces, tabs and comments, but not line breaks.
fn sp(i: In) -> In {
    let mut i = i;
    loop {
        let s = i.fragment();
        let n = s.len() - s.trim_start_matches([' ', '\t', '\r']).len();
        if n > 0 {
            i = take(i, n);
            continue;
        }
        if s.starts_with('#') {
            let n = s.find('\n').unwrap_or(s.len());
            i = take(i, n);
            continue;
        }
        return i;
    }
}

/// Skips spaces, tabs, comments and line breaks.
fn ws(i: In) -> In {
    let mut i = i;
    loop {
        let j = sp(i);
        if j.fragment().starts_with('\n') {
            i = take(j, 1);
        } else {
            return j;
        }
    }
}

/// Skips whitespace, crossing line breaks only where `nl` says so.
fn skip(i: In, nl: bool) -> In {
    if nl { ws(i) } else { sp(i) }
}

/// Advances `n` bytes.
fn take(i: In, n: usize) -> In {
    let r: IResult<In, In, PError> = nom::bytes::complete::take(n).parse(i);
    r.map(|(rest, _)| rest).unwrap_or(i)
}

fn peek(i: In) -> Option<char> {
    i.fragment().chars().next()
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A punctuation token such as `=` or `->`.
fn punct<'a>(i: In<'a>, p: &'static str) -> PResult<'a, Span> {
    match tag::<_, _, PError>(p).parse(i) {
        Ok((rest, t)) => Ok((rest, span_from(t, rest))),
        Err(_) => fail(i, &format!("`{p}`")),
    }
}

fn raw_ident(i: In) -> PResult<In> {
    recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(i)
}

/// An identifier that is not a reserved word: `W`, `x1`, `n_f`.
fn ident(i: In) -> PResult<Ident> {
    match raw_ident(i) {
        Ok((rest, t)) if !RESERVED.contains(t.fragment()) => {
            Ok((rest, Ident { name: t.fragment().to_string(), span: span_from(i, rest) }))
        }
        _ => fail(i, "a name"),
    }
}

/// A keyword: the exact word, not the start of a longer name.
fn keyword<'a>(i: In<'a>, word: &'static str) -> PResult<'a, Span> {
    match raw_ident(i) {
        Ok((rest, t)) if *t.fragment() == word => Ok((rest, span_from(i, rest))),
        _ => fail(i, &format!("`{word}`")),
    }
}

/// Whether the next word is `word`.
fn at_keyword(i: In, word: &'static str) -> bool {
    keyword(i, word).is_ok()
}

/// A number: `12`, `0.5`, `1e-3`, read exactly.
fn number(i: In) -> PResult<Expr> {
    let digits = |i| take_while1::<_, _, PError>(|c: char| c.is_ascii_digit()).parse(i);
    let exponent = (
        satisfy(|c| c == 'e' || c == 'E'),
        opt(satisfy(|c| c == '+' || c == '-')),
        take_while1(|c: char| c.is_ascii_digit()),
    );
    let fraction = (tag("."), take_while1(|c: char| c.is_ascii_digit()));
    let r: PResult<In> = recognize((digits, opt(fraction), opt(exponent))).parse(i);
    let (rest, t) = match r {
        Ok(ok) => ok,
        Err(_) => return fail(i, "a number"),
    };
    match Q::parse(t.fragment()) {
        Ok(q) => Ok((rest, Expr { kind: ExprKind::Number(q), span: span_from(i, rest) })),
        Err(e) => failure(i, "a number", Some(e.0)),
    }
}

/// A string: `"text"` (may span lines; `\"`, `\\` and `\n` escape) or
/// `"""text"""`.
fn string(i: In) -> PResult<(String, Span)> {
    if let Ok((rest, _)) = tag::<_, _, PError>("\"\"\"").parse(i) {
        let s = rest.fragment();
        return match s.find("\"\"\"") {
            Some(n) => {
                let text = s[..n].to_string();
                let end = take(rest, n + 3);
                Ok((end, (text, span_from(i, end))))
            }
            None => failure(take(rest, s.len()), "`\"\"\"` to close the text", None),
        };
    }
    if peek(i) != Some('"') {
        return fail(i, "a string");
    }
    let s = &i.fragment()[1..];
    let mut text = String::new();
    let mut chars = s.char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => {
                let end = take(i, k + 2);
                return Ok((end, (text, span_from(i, end))));
            }
            '\\' => match chars.next() {
                Some((_, 'n')) => text.push('\n'),
                Some((_, c @ ('"' | '\\'))) => text.push(c),
                Some((j, _)) => {
                    return failure(take(i, j + 1), "`\\\"`, `\\\\` or `\\n`", Some("a backslash starts an escape"));
                }
                None => break,
            },
            c => text.push(c),
        }
    }
    failure(take(i, i.fragment().len()), "`\"` to close the string", None)
}

/// A shape: `2x2`, `4x1x1x1`, `3x64x64`, or a length `5`.
fn shape(i: In) -> PResult<Shape> {
    let mut dims = Vec::new();
    let mut j = i;
    loop {
        let r: PResult<In> = take_while1(|c: char| c.is_ascii_digit()).parse(j);
        let (rest, d) = match r {
            Ok(ok) => ok,
            Err(_) if dims.is_empty() => return fail(j, "a shape like `2x2`"),
            Err(_) => return failure(j, "a number", Some("shapes look like `2x2`, `3x64x64` or `4x1x1x1`")),
        };
        match d.fragment().parse::<usize>() {
            Ok(n) if n <= 1 << 24 => dims.push(n),
            _ => return failure(j, "a smaller size", Some("sizes above 16777216 are not supported")),
        }
        j = rest;
        match peek(j) {
            Some('x') | Some('×') => j = take(j, peek(j).map_or(1, char::len_utf8)),
            Some(c) if is_ident_char(c) => {
                return failure(
                    j,
                    "`x` or the end of the shape",
                    Some("shapes look like `2x2`, `3x64x64` or `4x1x1x1`"),
                );
            }
            _ => break,
        }
    }
    Ok((j, Shape { dims, span: span_from(i, j) }))
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/// An expression; line breaks are whitespace only where `nl` is set (inside
/// brackets).
pub(crate) fn expr(i: In, nl: bool) -> PResult<Expr> {
    maps(i, nl)
}

/// A correspondence: `c[0,0,0,0] -> t[0,0,0,0]`.
fn maps(i: In, nl: bool) -> PResult<Expr> {
    let (rest, left) = sum(i, nl)?;
    let j = skip(rest, nl);
    if let Ok((k, _)) = punct(j, "->") {
        let (k, right) = cut(sum(skip(k, nl), nl))?;
        let span = left.span.join(right.span);
        return Ok((k, Expr { kind: ExprKind::Maps(Box::new(left), Box::new(right)), span }));
    }
    Ok((rest, left))
}

/// A sum: `a + b - c`.
fn sum(i: In, nl: bool) -> PResult<Expr> {
    let (mut rest, mut acc) = product(i, nl)?;
    loop {
        let j = skip(rest, nl);
        let op = match peek(j) {
            Some('+') => BinOp::Add,
            Some('-') if !j.fragment().starts_with("->") => BinOp::Sub,
            _ => return Ok((rest, acc)),
        };
        let (k, rhs) = cut(product(skip(take(j, 1), nl), nl))?;
        let span = acc.span.join(rhs.span);
        acc = Expr { kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)), span };
        rest = k;
    }
}

/// Whether a factor can follow by juxtaposition (`2 x`, `X^T (X X^T)^-1 y`):
/// on the same line, a name that is not reserved, a number or a bracket.
fn starts_factor(i: In) -> bool {
    match peek(i) {
        Some(c) if c.is_ascii_digit() || c == '(' || c == '[' => true,
        Some(c) if is_ident_start(c) => ident(i).is_ok(),
        _ => false,
    }
}

/// A product: `a * b / c`, or factors side by side, `2 x`.
fn product(i: In, nl: bool) -> PResult<Expr> {
    let (mut rest, mut acc) = unary(i, nl)?;
    loop {
        let j = skip(rest, nl);
        let (k, op, rhs) = match peek(j) {
            Some('*') => {
                let (k, r) = cut(unary(skip(take(j, 1), nl), nl))?;
                (k, BinOp::Mul, r)
            }
            Some('/') => {
                let (k, r) = cut(unary(skip(take(j, 1), nl), nl))?;
                (k, BinOp::Div, r)
            }
            _ => {
                // Juxtaposition never reaches across a line break.
                let j = sp(rest);
                if j.location_offset() == rest.location_offset() || !starts_factor(j) {
                    return Ok((rest, acc));
                }
                let (k, r) = power(j, nl)?;
                (k, BinOp::Mul, r)
            }
        };
        let span = acc.span.join(rhs.span);
        acc = Expr { kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)), span };
        rest = k;
    }
}

/// A negation: `-x`.
fn unary(i: In, nl: bool) -> PResult<Expr> {
    if peek(i) == Some('-') && !i.fragment().starts_with("->") {
        let (rest, inner) = cut(unary(skip(take(i, 1), nl), nl))?;
        let span = span_from(i, rest);
        return Ok((rest, Expr { kind: ExprKind::Neg(Box::new(inner)), span }));
    }
    power(i, nl)
}

/// A power: `x^2`, `2^(L*d)`, `X^T`, `A^-1`.
fn power(i: In, nl: bool) -> PResult<Expr> {
    let (rest, base) = postfix(i)?;
    let j = sp(rest);
    if peek(j) == Some('^') {
        let (k, exp) = cut(unary(sp(take(j, 1)), nl))?;
        let span = base.span.join(exp.span);
        return Ok((k, Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)), span }));
    }
    Ok((rest, base))
}

/// Indexing and calls, written without a space: `w[1,1]`, `conv2d(W)`.
fn postfix(i: In) -> PResult<Expr> {
    let (mut rest, mut e) = primary(i)?;
    loop {
        match peek(rest) {
            Some('[') => {
                let (k, items) = cut(delimited_list(take(rest, 1), ']', |i| expr(i, true)))?;
                let span = span_from(i, k);
                e = Expr { kind: ExprKind::Index(Box::new(e), items), span };
                rest = k;
            }
            Some('(') => {
                let (k, args) = cut(delimited_list(take(rest, 1), ')', argument))?;
                let span = span_from(i, k);
                e = Expr { kind: ExprKind::Call(Box::new(e), args), span };
                rest = k;
            }
            _ => return Ok((rest, e)),
        }
    }
}

/// A call argument: `W` or `stride: 2`.
fn argument(i: In) -> PResult<Arg> {
    if let Ok((rest, name)) = ident(i) {
        let j = sp(rest);
        if peek(j) == Some(':') {
            let (k, value) = cut(expr(ws(take(j, 1)), true))?;
            return Ok((k, Arg { name: Some(name), value }));
        }
    }
    let (rest, value) = expr(i, true)?;
    Ok((rest, Arg { name: None, value }))
}

/// Items separated by commas up to `close` (the opening bracket is already
/// read); line breaks are free and a trailing comma is allowed.
fn delimited_list<'a, T>(
    i: In<'a>,
    close: char,
    mut item: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut items = Vec::new();
    let mut j = ws(i);
    loop {
        if peek(j) == Some(close) {
            return Ok((take(j, 1), items));
        }
        let (k, it) = match item(j) {
            Ok(ok) => ok,
            Err(Err::Error(e)) if e.at == off(j) => {
                let mut e = e;
                e.expected.push(format!("`{close}`"));
                return Err(Err::Failure(e));
            }
            Err(e) => return Err(e),
        };
        items.push(it);
        j = ws(k);
        match peek(j) {
            Some(',') => j = ws(take(j, 1)),
            Some(c) if c == close => {}
            _ => {
                let r: PResult<Vec<T>> = failure(j, &format!("`,` or `{close}`"), None);
                return r.map_err(|e| {
                    e.map(|mut e| {
                        if j.fragment().is_empty() {
                            e.unclosed = Some(off(i).saturating_sub(1));
                        }
                        e
                    })
                });
            }
        }
    }
}

/// A primary expression: a number, a name, a string, `(…)`, `[…]` or `{…}`.
fn primary(i: In) -> PResult<Expr> {
    match peek(i) {
        Some(c) if c.is_ascii_digit() => number(i),
        Some('"') => {
            let (rest, (text, span)) = string(i)?;
            Ok((rest, Expr { kind: ExprKind::Str(text), span }))
        }
        Some('(') => {
            let (rest, mut items) = cut(delimited_list(take(i, 1), ')', |i| expr(i, true)))?;
            let span = span_from(i, rest);
            if items.len() == 1 {
                let mut inner = items.pop().expect("one item");
                inner.span = span;
                return Ok((rest, inner));
            }
            if items.is_empty() {
                return failure(take(i, 1), "an expression", None);
            }
            Ok((rest, Expr { kind: ExprKind::Tuple(items), span }))
        }
        Some('[') => {
            let (rest, items) = cut(delimited_list(take(i, 1), ']', |i| expr(i, true)))?;
            Ok((rest, Expr { kind: ExprKind::List(items), span: span_from(i, rest) }))
        }
        Some('{') => record(i),
        Some(c) if is_ident_start(c) => match ident(i) {
            Ok((rest, id)) => Ok((rest, Expr { kind: ExprKind::Name(id.name), span: id.span })),
            Err(_) => fail(i, "an expression"),
        },
        _ => fail(i, "an expression"),
    }
}

/// A record: `{ W: 2, b: 3 }`; fields are separated by commas or line
/// breaks.
fn record(i: In) -> PResult<Expr> {
    let mut fields: Vec<Field> = Vec::new();
    let mut j = ws(take(i, 1));
    loop {
        if peek(j) == Some('}') {
            let rest = take(j, 1);
            return Ok((rest, Expr { kind: ExprKind::Record(fields), span: span_from(i, rest) }));
        }
        let (k, name) = match ident(j) {
            Ok(ok) => ok,
            Err(_) => return failure(j, "a field name or `}`", Some("records look like `{ W: 2, b: 3 }`")),
        };
        let k = sp(k);
        if peek(k) != Some(':') {
            return failure(k, "`:`", Some("records look like `{ W: 2, b: 3 }`"));
        }
        let (k, value) = cut(expr(sp(take(k, 1)), false))?;
        if fields.iter().any(|f| f.name.name == name.name) {
            return failure(j, "a field name not used before in this record", None);
        }
        fields.push(Field { name, value });
        let after = sp(k);
        match peek(after) {
            Some(',') => j = ws(take(after, 1)),
            Some('\n') => j = ws(after),
            Some('}') => j = after,
            _ => return failure(after, "`,`, a line break or `}`", None),
        }
    }
}

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

/// A problem header: `problem q1 "Stride-3 convolution"`.
fn problem_header(i: In) -> PResult<Header> {
    let (rest, _) = keyword(i, "problem")?;
    let (rest, id) = hinted(cut(ident(sp(rest))), "a problem starts with `problem ID \"title\"`")?;
    let j = sp(rest);
    let (rest, title) = if peek(j) == Some('"') {
        let (k, t) = cut(string(j))?;
        (k, Some(t))
    } else {
        (rest, None)
    };
    Ok((rest, (id, title, span_from(i, rest))))
}

/// `NAME =` at the start of a declaration, find, expect or answer.
fn name_equals(i: In) -> PResult<Ident> {
    let (rest, name) = ident(i)?;
    let j = sp(rest);
    let (rest, _) = punct(j, "=")?;
    Ok((sp(rest), name))
}

/// A declaration: `W = kernel 2x2 w`, `K = kernel [[1, 2], [3, 4]]`,
/// `eta = 1/10`.
fn let_statement(i: In) -> PResult<Let> {
    let (rest, name) = name_equals(i)?;
    let value_start = rest;
    for kind in ["kernel", "input", "matrix", "vector"] {
        if let Ok((k, kspan)) = keyword(value_start, kind) {
            let kind = Ident { name: kind.to_string(), span: kspan };
            let j = sp(k);
            if peek(j).is_some_and(|c| c.is_ascii_digit()) {
                let (k, shape) = cut(shape(j))?;
                let k2 = sp(k);
                let (k, symbol) = hinted(
                    cut(ident(k2)),
                    "a symbolic declaration names its entries' symbol: `kernel 2x2 w` gives w[0,0] .. w[1,1]",
                )?;
                let decl = Declared::Symbolic { kind, shape, symbol };
                return Ok((k, Let { name, value: decl, span: span_from(i, k) }));
            }
            let (k, value) = hinted(
                cut(expr(j, false)),
                "write a shape and a symbol (`kernel 2x2 w`) or the entries (`kernel [[1, 2], [3, 4]]`)",
            )?;
            let decl = Declared::Literal { kind, value };
            return Ok((k, Let { name, value: decl, span: span_from(i, k) }));
        }
    }
    let (k, value) = cut(expr(value_start, false))?;
    Ok((k, Let { name, value: Declared::Value(value), span: span_from(i, k) }))
}

/// `OP on X`.
fn applied(i: In) -> PResult<Applied> {
    let (rest, op) = cut(expr(i, false))?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(keyword(j, "on")), "an operator is applied to an input: `conv2d(W) on X`")?;
    let (rest, input) = cut(expr(sp(rest), false))?;
    Ok((rest, Applied { op, input, span: span_from(i, rest) }))
}

const QUERIES: &str = "a query: `matrix OP on X`, `affine OP on X`, `shape OP on X` or `equivalence OP on X, OP on X`";

/// A query, after `find NAME =`.
fn query(i: In) -> PResult<Query> {
    if let Ok((rest, _)) = keyword(i, "matrix") {
        let (rest, a) = applied(sp(rest))?;
        return Ok((rest, Query { kind: QueryKind::Matrix(a), span: span_from(i, rest) }));
    }
    if let Ok((rest, _)) = keyword(i, "affine") {
        let (rest, a) = applied(sp(rest))?;
        return Ok((rest, Query { kind: QueryKind::Affine(a), span: span_from(i, rest) }));
    }
    if let Ok((rest, _)) = keyword(i, "shape") {
        let (rest, a) = applied(sp(rest))?;
        return Ok((rest, Query { kind: QueryKind::Shape(a), span: span_from(i, rest) }));
    }
    if let Ok((rest, _)) = keyword(i, "equivalence") {
        let (rest, a) = applied(sp(rest))?;
        let j = sp(rest);
        let (rest, _) = hinted(cut(punct(j, ",")), "`equivalence OP on X, OP on X` compares two operators")?;
        let (rest, b) = applied(sp(rest))?;
        return Ok((rest, Query { kind: QueryKind::Equivalence(a, b), span: span_from(i, rest) }));
    }
    failure(i, QUERIES, None)
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

/// An answer: `answer q13 = "prose"`, or `"""…"""` for several lines.
fn answer(i: In) -> PResult<Answer> {
    let (rest, _) = keyword(i, "answer")?;
    let (rest, name) = hinted(cut(name_equals(sp(rest))), "an answer reads `answer NAME = \"text\"`")?;
    let (rest, (text, _)) = hinted(cut(string(rest)), "answers are text in quotes")?;
    Ok((rest, Answer { name, text: dedent(&text), span: span_from(i, rest) }))
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
    } else if name_equals(i).is_ok() {
        let (r, s) = let_statement(i)?;
        (r, Parsed::Statement(Box::new(Statement::Let(s))))
    } else {
        let e = PError {
            at: off(i),
            unclosed: None,
            expected: vec!["a statement".to_string()],
            hint: Some(
                "statements are `problem ID \"title\"`, `NAME = …`, `find NAME = …`, `expect NAME = …` \
                 and `answer NAME = \"…\"`"
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
    ["problem", "find", "expect", "answer"].iter().any(|k| at_keyword(i, k)) || name_equals(i).is_ok()
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
            let n = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
            (format!("`{}`", &rest[..n]), Span::new(at, at + n))
        }
        Some(c) => (format!("`{c}`"), Span::new(at, at + c.len_utf8())),
    }
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
    let mut d = Diagnostic::error(span, format!("expected {expected}, found {what}")).with_label(label);
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
    let mut file = SyntaxFile::default();
    let mut diagnostics = Vec::new();
    let mut i = In::new(text);
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
            Ok((rest, Parsed::Statement(s))) => {
                let s = *s;
                match file.problems.last_mut() {
                    Some(p) => p.statements.push(s),
                    None if !orphan_reported => {
                        orphan_reported = true;
                        diagnostics.push(
                            Diagnostic::error(s.span(), "statement outside of a problem")
                                .with_label("this belongs to no problem")
                                .with_hint("start a problem first: `problem q1 \"title\"`"),
                        );
                    }
                    None => {}
                }
                i = rest;
            }
            Err(Err::Error(e)) | Err(Err::Failure(e)) => {
                diagnostics.push(diagnose(text, e));
                i = recover(i);
            }
            Err(Err::Incomplete(_)) => {
                diagnostics.push(Diagnostic::error(Span::new(off(i), text.len()), "unexpected end of file"));
                break;
            }
        }
    }
    (file, diagnostics)
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
    let i = ws(In::new(text));
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
                    },
                ))
            }
        }
        Err(Err::Error(e)) | Err(Err::Failure(e)) => Err(diagnose(text, e)),
        Err(Err::Incomplete(_)) => Err(Diagnostic::error(Span::new(0, text.len()), "incomplete expression")),
    }
}
