//! Tokens, whitespace and parse errors: the pieces every parse function
//! is built from.

use nom::IResult;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::satisfy;
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{Err, Parser};
use nom_locate::LocatedSpan;

use crate::algebra::Q;
use crate::algebra::rational::MAX_DECIMAL_EXPONENT;

use crate::language::diagnostic::{Span, shorten};
use crate::language::syntax::{Expr, ExprKind, Ident, Shape};

/// The input: the text and, as `extra`, the offset its first byte has in
/// the spans (0 for a file of its own; an included file's text is given
/// offsets past the including file's, so that every span of a file and its
/// includes names one place).
pub(super) type In<'a> = LocatedSpan<&'a str, usize>;
pub(super) type PResult<'a, T> = IResult<In<'a>, T, PError>;

/// Words that end an expression (they separate the parts of a query) or
/// start a statement; none of them can name anything.
pub(super) const RESERVED: &[&str] = &[
    "on", "at", "for", "of", "from", "onto", "to", "with", "where", "problem", "find", "expect", "answer", "question",
    "show", "draw", "include",
];

/// A parse error: where, what would have been right there, and advice.
#[derive(Clone, Debug, PartialEq)]
pub struct PError {
    pub at: usize,
    pub expected: Vec<String>,
    pub hint: Option<String>,
    /// An opening bracket left unclosed, pointed at in the report.
    pub unclosed: Option<usize>,
    /// A message that replaces "expected …, found …", for errors that are
    /// not about a missing token (a nesting limit).
    pub message: Option<String>,
}

impl<'a> ParseError<In<'a>> for PError {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> PError {
        PError { at: off(input), expected: Vec::new(), hint: None, unclosed: None, message: None }
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
                merged.message = merged.message.or(other.message);
                merged
            }
        }
    }
}

pub(super) fn off(i: In) -> usize {
    i.location_offset() + i.extra
}

pub(super) fn span_from(start: In, end: In) -> Span {
    Span::new(off(start), off(end))
}

/// An error at `i`: `label` was expected there.
pub(super) fn fail<'a, T>(i: In<'a>, label: &str) -> PResult<'a, T> {
    Err(Err::Error(PError { at: off(i), expected: vec![label.to_string()], hint: None, unclosed: None, message: None }))
}

/// The same, but committed: alternatives are not tried.
pub(super) fn failure<'a, T>(i: In<'a>, label: &str, hint: Option<&str>) -> PResult<'a, T> {
    Err(Err::Failure(PError {
        at: off(i),
        expected: vec![label.to_string()],
        hint: hint.map(str::to_string),
        unclosed: None,
        message: None,
    }))
}

/// Commits to the parse: an error inside is reported, not backtracked.
pub(super) fn cut<'a, T>(r: PResult<'a, T>) -> PResult<'a, T> {
    r.map_err(|e| match e {
        Err::Error(e) => Err::Failure(e),
        other => other,
    })
}

/// Marks an error as caused by the delimiter at `at` never being closed.
pub(super) fn unclosed<T>(r: PResult<T>, at: usize) -> PResult<T> {
    r.map_err(|e| {
        e.map(|mut e| {
            e.unclosed = Some(at);
            e
        })
    })
}

/// Adds `hint` to an error.
pub(super) fn hinted<'a, T>(r: PResult<'a, T>, hint: &str) -> PResult<'a, T> {
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
// Nesting
// ---------------------------------------------------------------------------

/// How deeply expressions may nest: each bracket, unary minus, exponent,
/// `/` in a chain of fractions and `repeat` inside a `repeat` is one level.
/// Deeper input is refused with an error at the construct that goes too
/// deep, so that no input can overflow the parser's stack (or the stacks of
/// the passes that later walk the tree). 64 is the limit of the math
/// notation too ([`crate::language::math`]); a key rarely nests 5 deep,
/// and the deepest accepted input parses, evaluates and prints within a
/// 2 MiB thread stack even in an unoptimized build.
pub const MAX_NESTING: usize = 64;

/// The largest size or count a problem may state: a dimension of a shape,
/// a stride, a padding, a network's width.
pub const LARGEST_SIZE: usize = 1 << 24;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One level of nesting, held while a nested construct is parsed.
pub(super) struct Nested(());

impl Nested {
    /// Enters one level at `i`, or fails there when that is one too many.
    pub(super) fn enter(i: In) -> Result<Nested, Err<PError>> {
        let depth = NESTING.with(|n| n.get());
        if depth >= MAX_NESTING {
            return Err(Err::Failure(PError {
                at: off(i),
                expected: vec![format!("an expression nested at most {MAX_NESTING} levels deep")],
                hint: Some(format!(
                    "brackets, unary minus signs and exponents nest; nnkey reads at most {MAX_NESTING} levels \
                     (the nesting limit)"
                )),
                unclosed: None,
                message: Some(format!("nesting deeper than {MAX_NESTING} levels")),
            }));
        }
        NESTING.with(|n| n.set(depth + 1));
        Ok(Nested(()))
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

// ---------------------------------------------------------------------------
// Whitespace and tokens
// ---------------------------------------------------------------------------

/// Skips spaces, tabs and comments, but not line breaks.
pub(super) fn sp(i: In) -> In {
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
pub(super) fn ws(i: In) -> In {
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
pub(super) fn skip(i: In, nl: bool) -> In {
    if nl { ws(i) } else { sp(i) }
}

/// Advances `n` bytes.
/// Skips `n` bytes (not characters: callers measure with `str::len` and
/// `str::find`). Never splits a character: `n` is rounded up to a boundary.
pub(super) fn take(i: In, n: usize) -> In {
    let s = i.fragment();
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n += 1;
    }
    nom::Input::take_from(&i, n)
}

pub(super) fn peek(i: In) -> Option<char> {
    i.fragment().chars().next()
}

pub(super) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(super) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A punctuation token such as `=` or `->`.
pub(super) fn punct<'a>(i: In<'a>, p: &'static str) -> PResult<'a, Span> {
    match tag::<_, _, PError>(p).parse(i) {
        Ok((rest, t)) => Ok((rest, span_from(t, rest))),
        Err(_) => fail(i, &format!("`{p}`")),
    }
}

pub(super) fn raw_ident(i: In) -> PResult<In> {
    recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(i)
}

/// An identifier that is not a reserved word: `W`, `x1`, `n_f`.
pub(super) fn ident(i: In) -> PResult<Ident> {
    match raw_ident(i) {
        Ok((rest, t)) if !RESERVED.contains(t.fragment()) => {
            Ok((rest, Ident { name: t.fragment().to_string(), span: span_from(i, rest) }))
        }
        Ok((_, t)) => Err(Err::Error(PError {
            at: off(i),
            expected: vec!["a name".to_string()],
            hint: Some(format!(
                "`{}` is a reserved word and cannot name anything; the reserved words are {}",
                t.fragment(),
                RESERVED.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
            )),
            unclosed: None,
            message: None,
        })),
        _ => fail(i, "a name"),
    }
}

/// A keyword: the exact word, not the start of a longer name.
pub(super) fn keyword<'a>(i: In<'a>, word: &'static str) -> PResult<'a, Span> {
    match raw_ident(i) {
        Ok((rest, t)) if *t.fragment() == word => Ok((rest, span_from(i, rest))),
        _ => fail(i, &format!("`{word}`")),
    }
}

/// Whether the next word is `word`.
pub(super) fn at_keyword(i: In, word: &'static str) -> bool {
    keyword(i, word).is_ok()
}

/// A number: `12`, `0.5`, `1e-3`, read exactly.
pub(super) fn number(i: In) -> PResult<Expr> {
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
    // Numbers are exact, so an exponent is limited before anything is built.
    if let Some(k) = t.fragment().find(['e', 'E']) {
        let exponent = &t.fragment()[k + 1..];
        let digits = exponent.trim_start_matches(['+', '-']).trim_start_matches('0');
        if digits.len() > 18 || digits.parse::<i64>().is_ok_and(|e| e > MAX_DECIMAL_EXPONENT) {
            let hint = format!(
                "the exponent {} is beyond the limit of ±{MAX_DECIMAL_EXPONENT}: numbers are read exactly, \
                 so `1e-N` has N + 1 digits",
                shorten(exponent, 24)
            );
            return failure(
                i,
                &format!("a number with an exponent of at most {MAX_DECIMAL_EXPONENT} in size"),
                Some(hint.as_str()),
            );
        }
    }
    match Q::parse(t.fragment()) {
        Ok(q) => Ok((rest, Expr { kind: ExprKind::Number(q), span: span_from(i, rest) })),
        Err(e) => failure(i, "a number", Some(e.0)),
    }
}

/// A string: `"text"` (may span lines; `\"`, `\\` and `\n` escape) or
/// `"""text"""`.
pub(super) fn string(i: In) -> PResult<(String, Span)> {
    if let Ok((rest, _)) = tag::<_, _, PError>("\"\"\"").parse(i) {
        let s = rest.fragment();
        return match s.find("\"\"\"") {
            Some(n) => {
                let text = s[..n].to_string();
                let end = take(rest, n + 3);
                Ok((end, (text, span_from(i, end))))
            }
            None => unclosed(failure(take(rest, s.len()), "`\"\"\"` to close the text", None), off(i)),
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
    unclosed(failure(take(i, i.fragment().len()), "`\"` to close the string", None), off(i))
}

/// A shape: `2x2`, `4x1x1x1`, `3x64x64`, or a length `5`.
pub(super) fn shape(i: In) -> PResult<Shape> {
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
            Ok(n) if n <= LARGEST_SIZE => dims.push(n),
            _ => return failure(j, "a smaller size", Some(&format!("sizes above {LARGEST_SIZE} are not supported"))),
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
