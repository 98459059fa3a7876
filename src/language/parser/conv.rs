//! Queries about convolution operators: `matrix`, `affine`, `shape` and
//! `equivalence`.

use super::QueryForm;
use super::expr::expr;
use super::lex::*;
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "matrix OP on X", parse: matrix },
    QueryForm { syntax: "affine OP on X", parse: affine },
    QueryForm { syntax: "shape OP on X", parse: shape_query },
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

/// `equivalence conv2d(C) on X, conv_transpose2d(T, stride: 2) on X`.
fn equivalence(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "equivalence")?;
    let (rest, a) = applied(sp(rest))?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(punct(j, ",")), "`equivalence OP on X, OP on X` compares two operators")?;
    let (rest, b) = applied(sp(rest))?;
    Ok((rest, Query { kind: QueryKind::Equivalence(a, b), span: span_from(i, rest) }))
}
