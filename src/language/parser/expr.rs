//! Expressions: numbers, names, arithmetic, indexing, calls, lists,
//! tuples, records and correspondences.

use nom::Err;

use super::lex::*;
use crate::language::syntax::*;
// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/// An expression; line breaks are whitespace only where `nl` is set (inside
/// brackets).
pub(super) fn expr(i: In, nl: bool) -> PResult<Expr> {
    maps(i, nl)
}

/// A correspondence: `c[0,0,0,0] -> t[0,0,0,0]`.
pub(super) fn maps(i: In, nl: bool) -> PResult<Expr> {
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
pub(super) fn sum(i: In, nl: bool) -> PResult<Expr> {
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
pub(super) fn starts_factor(i: In) -> bool {
    match peek(i) {
        Some(c) if c.is_ascii_digit() || c == '(' || c == '[' => true,
        Some(c) if is_ident_start(c) => ident(i).is_ok(),
        _ => false,
    }
}

/// A product: `a * b / c`, or factors side by side, `2 x`.
pub(super) fn product(i: In, nl: bool) -> PResult<Expr> {
    let (mut rest, mut acc) = unary(i, nl)?;
    // `a / b / c` is a fraction within a fraction: each `/` is one more
    // level of nesting, held to the end of the product.
    let mut fractions = Vec::new();
    loop {
        let j = skip(rest, nl);
        let (k, op, rhs) = match peek(j) {
            Some('*') => {
                let (k, r) = cut(unary(skip(take(j, 1), nl), nl))?;
                (k, BinOp::Mul, r)
            }
            Some('/') => {
                fractions.push(Nested::enter(j)?);
                let (k, r) = cut(unary(skip(take(j, 1), nl), nl))?;
                (k, BinOp::Div, r)
            }
            _ => {
                // Juxtaposition never reaches across a line break.
                let j = sp(rest);
                // Without a space only a bracket juxtaposes: `(x + 1)(x - 1)`.
                let tight = j.location_offset() == rest.location_offset();
                if (tight && !matches!(peek(j), Some('(') | Some('['))) || !starts_factor(j) {
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
pub(super) fn unary(i: In, nl: bool) -> PResult<Expr> {
    // Every nested construct passes through here: brackets (through
    // `expr`), minus signs and exponents.
    let _level = Nested::enter(i)?;
    if peek(i) == Some('-') && !i.fragment().starts_with("->") {
        let (rest, inner) = cut(unary(skip(take(i, 1), nl), nl))?;
        let span = span_from(i, rest);
        return Ok((rest, Expr { kind: ExprKind::Neg(Box::new(inner)), span }));
    }
    power(i, nl)
}

/// A power: `x^2`, `2^(L*d)`, `X^T`, `A^-1`.
pub(super) fn power(i: In, nl: bool) -> PResult<Expr> {
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
pub(super) fn postfix(i: In) -> PResult<Expr> {
    let (rest, e) = primary(i)?;
    // Only a name is indexed or called; `(a + b)(c)` is a product.
    if !matches!(e.kind, ExprKind::Name(_)) {
        return Ok((rest, e));
    }
    match peek(rest) {
        Some('[') => {
            let (k, items) = cut(delimited_list(take(rest, 1), ']', |i| expr(i, true)))?;
            Ok((k, Expr { kind: ExprKind::Index(Box::new(e), items), span: span_from(i, k) }))
        }
        Some('(') => {
            let (k, args) = cut(delimited_list(take(rest, 1), ')', argument))?;
            Ok((k, Expr { kind: ExprKind::Call(Box::new(e), args), span: span_from(i, k) }))
        }
        _ => Ok((rest, e)),
    }
}

/// A call argument: `W` or `stride: 2`.
pub(super) fn argument(i: In) -> PResult<Arg> {
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
pub(super) fn delimited_list<'a, T>(
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
pub(super) fn primary(i: In) -> PResult<Expr> {
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
            // `no solution` is one word of the value syntax, the answer to
            // an inconsistent linear system.
            Ok((rest, id)) if id.name == "no" && at_keyword(sp(rest), "solution") => {
                let (rest, _) = keyword(sp(rest), "solution")?;
                Ok((rest, Expr { kind: ExprKind::Name("no solution".into()), span: span_from(i, rest) }))
            }
            Ok((rest, id)) => Ok((rest, Expr { kind: ExprKind::Name(id.name), span: id.span })),
            Err(_) => fail(i, "an expression"),
        },
        _ => fail(i, "an expression"),
    }
}

/// A record: `{ W: 2, b: 3 }`; fields are separated by commas or line
/// breaks.
pub(super) fn record(i: In) -> PResult<Expr> {
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
            return failure(j, "a field name not used before in this record", Some("each field appears once"));
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
