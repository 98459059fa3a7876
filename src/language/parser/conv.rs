//! Queries about convolution operators: `matrix`, `affine`, `shape`,
//! `parameters`, `macs` and `equivalence`; and the shapes with symbolic
//! sizes their kernels and inputs may have (`input 3xnxn x`).

use super::QueryForm;
use super::expr::expr;
use super::lex::*;
use crate::language::Span;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "matrix OP on X", parse: matrix },
    QueryForm { syntax: "affine OP on X", parse: affine },
    QueryForm { syntax: "shape OP on X", parse: shape_query },
    QueryForm { syntax: "parameters OP on X", parse: parameters },
    QueryForm { syntax: "macs OP on X", parse: macs },
    QueryForm { syntax: "equivalence OP on X, OP on X", parse: equivalence },
];

/// `OP on X`: an operator applied to a declared input.
fn applied(i: In) -> PResult<Applied> {
    let (rest, op) = cut(expr(i, false))?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(keyword(j, "on")), "an operator is applied to an input: `conv2d(W) on X`")?;
    let j = sp(rest);
    let (rest, name) = hinted(cut(ident(j)), "an operator is applied to a declared input: `conv2d(W) on X`")?;
    let input = Expr { kind: ExprKind::Name(name.name), span: name.span };
    Ok((rest, Applied { op, input, span: span_from(i, rest) }))
}

/// `KEYWORD OP on X`.
fn single<'a>(i: In<'a>, word: &'static str, kind: fn(Applied) -> QueryKind) -> PResult<'a, Query> {
    let (rest, _) = keyword(i, word)?;
    let (rest, a) = applied(sp(rest))?;
    Ok((rest, Query { kind: kind(a), span: span_from(i, rest) }))
}

/// `matrix conv2d(W, stride: 3, padding: 1) on X`: the matrix A of Y = A X.
fn matrix(i: In) -> PResult<Query> {
    single(i, "matrix", QueryKind::Matrix)
}

/// `affine conv2d(W, bias: b) on X`: A and b of Y = A X + b.
fn affine(i: In) -> PResult<Query> {
    single(i, "affine", QueryKind::Affine)
}

/// `shape conv_transpose2d(W, stride: 2) on X`: the output shape.
fn shape_query(i: In) -> PResult<Query> {
    single(i, "shape", QueryKind::Shape)
}

/// `parameters conv2d(W, bias: true) on X`: how many weights and biases.
fn parameters(i: In) -> PResult<Query> {
    single(i, "parameters", QueryKind::Parameters)
}

/// `macs conv2d(W, stride: 2) on X`: how many multiply-adds one pass takes.
fn macs(i: In) -> PResult<Query> {
    single(i, "macs", QueryKind::Macs)
}

/// A shape whose sizes may be names: `3xnxn`, `10x3xkxk`, `kxk`. A lowercase
/// `x` separates sizes, so a size's name has none (`×` separates too).
fn sized_shape(i: In) -> PResult<(Vec<Size>, Span)> {
    let help = Some("shapes look like `3xnxn` or `10x3xkxk`; a size is a number or a name without `x`");
    let mut dims = Vec::new();
    let mut j = i;
    loop {
        let s = j.fragment();
        let len = match peek(j) {
            Some(c) if c.is_ascii_digit() => s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                s.find(|c: char| !is_ident_char(c) || c == 'x').unwrap_or(s.len())
            }
            _ if dims.is_empty() => return fail(j, "a shape like `3xnxn`"),
            _ => return failure(j, "a size", help),
        };
        if len == 0 {
            return failure(j, "a size", help);
        }
        let rest = take(j, len);
        let word = &s[..len];
        let span = span_from(j, rest);
        if word.as_bytes()[0].is_ascii_digit() {
            match word.parse::<usize>() {
                Ok(n) if n <= LARGEST_SIZE => dims.push(Size::Number(n, span)),
                _ => {
                    return failure(
                        j,
                        "a smaller size",
                        Some(&format!("sizes above {LARGEST_SIZE} are not supported")),
                    );
                }
            }
        } else {
            dims.push(Size::Symbol(Ident { name: word.to_string(), span }));
        }
        j = rest;
        match peek(j) {
            Some('x') | Some('×') => j = take(j, peek(j).map_or(1, char::len_utf8)),
            Some(c) if is_ident_char(c) => return failure(j, "`x` or the end of the shape", help),
            _ => break,
        }
    }
    Ok((j, (dims, span_from(i, j))))
}

/// `kernel 10x3xkxk w`, `input 3xnxn x`: a tensor with a symbolic size,
/// known by its shape alone. `None` when the shape has no name in it (the
/// ordinary declaration reads it) or this is not such a declaration.
pub(super) fn symbolic_tensor<'a>(i: In<'a>, kind: &Ident) -> Option<(In<'a>, Declared)> {
    let (rest, (sizes, span)) = sized_shape(i).ok()?;
    if !sizes.iter().any(|s| matches!(s, Size::Symbol(_))) {
        return None;
    }
    let (rest, symbol) = ident(sp(rest)).ok()?;
    Some((rest, Declared::Sized { kind: kind.clone(), sizes, span, symbol }))
}

/// `equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X`.
fn equivalence(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "equivalence")?;
    let (rest, a) = applied(sp(rest))?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(punct(j, ",")), "`equivalence OP on X, OP on X` compares two operators")?;
    let (rest, b) = applied(sp(rest))?;
    Ok((rest, Query { kind: QueryKind::Equivalence(a, b), span: span_from(i, rest) }))
}
