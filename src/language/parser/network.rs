//! Networks and the queries about their linear pieces.
//!
//! A network declaration names its input and the input's dimension, then
//! lists its layers in braces, one per line or separated by `;`:
//!
//! ```text
//! h = network (x: 1) {
//!   dense [[0.5], [0.5]] + [0, 1]
//!   relu
//!   dense [[1, 1]] + 1
//! }
//! f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
//! ```
//!
//! The parser only records what is written; the model evaluates weights,
//! knows the activations and checks the shapes.

use nom::Err;

use super::expr::{delimited_list, expr, product};
use super::lex::*;
use super::{DeclarationForm, QueryForm};
use crate::language::syntax::*;

pub(super) const DECLARATIONS: &[DeclarationForm] = &[DeclarationForm { parse: network }];

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "linear piece of NET at x = POINT", parse: linear_piece },
    QueryForm { syntax: "pieces of NET", parse: pieces },
];

/// What a layer may be, for messages.
const LAYER_HELP: &str = "layers are `dense W + b`, `relu`, `abs`, `leaky_relu(0.1)`, `identity`, `repeat N { … }`, and on images `conv2d(K) + b`, `max_pool2d(2)`, `avg_pool2d(2)` and `flatten`";

/// A network: `network (x: 1) { dense [[1, 1]] + [0]; relu }`, or
/// `network (x: d) repeat L { dense 2*I(d) + -1; abs }` (the whole body
/// repeated).
fn network(i: In) -> PResult<Declared> {
    let (rest, _) = keyword(i, "network")?;
    let (rest, (input, dim, image)) = hinted(
        cut(signature(sp(rest))),
        "a network starts with its input and its dimension: `network (x: 1) { … }`, or an image's shape: `(x: 1x4x4)`",
    )?;
    let j = sp(rest);
    let (rest, layers) = if at_keyword(j, "repeat") {
        let (k, r) = repeat(j)?;
        (k, vec![r])
    } else {
        block(j)?
    };
    Ok((rest, Declared::Network(NetworkSyntax { input, dim, image, layers, span: span_from(i, rest) })))
}

/// The input of a network: `(x: 1)`, `(x: d)`, or an image `(x: 1x4x4)`
/// (channels, rows, columns; `4x4` is one channel).
fn signature(i: In) -> PResult<(Ident, Size, Option<Shape>)> {
    let (rest, _) = punct(i, "(")?;
    let (rest, input) = ident(ws(rest))?;
    let (rest, _) = punct(sp(rest), ":")?;
    let start = sp(rest);
    let (mut rest, dim) = size(start)?;
    if let Size::Number(first, _) = dim
        && peek(rest) == Some('x')
    {
        let mut dims = vec![first];
        while peek(rest) == Some('x') {
            let (k, d) = size(take(rest, 1))?;
            let Size::Number(d, _) = d else {
                return failure(take(rest, 1), "a number", Some("an image's shape is numbers: `1x4x4`"));
            };
            dims.push(d);
            rest = k;
        }
        let span = span_from(start, rest);
        if dims.len() > 3 {
            return failure(start, "an image shape", Some("an image is `CxHxW` or `HxW` (one channel)"));
        }
        if dims.len() == 2 {
            dims.insert(0, 1);
        }
        if dims.contains(&0) {
            return failure(start, "sizes of at least 1", Some("an image is `CxHxW` with every size at least 1"));
        }
        let total = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|t| *t <= LARGEST_SIZE);
        let Some(total) = total else {
            return failure(
                start,
                "a smaller image",
                Some(&format!("images above {LARGEST_SIZE} values are not supported")),
            );
        };
        let (rest, _) = punct(ws(rest), ")")?;
        return Ok((rest, (input, Size::Number(total, span), Some(Shape { dims, span }))));
    }
    let (rest, _) = punct(ws(rest), ")")?;
    Ok((rest, (input, dim, None)))
}

/// A size: a number such as `3`, or a symbol such as `d`.
pub(super) fn size(i: In) -> PResult<Size> {
    if peek(i).is_some_and(|c| c.is_ascii_digit()) {
        let n = i.fragment().find(|c: char| !c.is_ascii_digit()).unwrap_or(i.fragment().len());
        let rest = take(i, n);
        return match i.fragment()[..n].parse::<usize>() {
            Ok(v) if v <= LARGEST_SIZE => Ok((rest, Size::Number(v, span_from(i, rest)))),
            _ => failure(i, "a smaller number", Some(&format!("sizes above {LARGEST_SIZE} are not supported"))),
        };
    }
    match ident(i) {
        Ok((rest, id)) => Ok((rest, Size::Symbol(id))),
        Err(_) => fail(i, "a number or a symbol such as `d`"),
    }
}

/// A block of layers: `{ dense W + b; relu }`, one layer per line or
/// separated by `;`.
fn block(i: In) -> PResult<Vec<LayerSyntax>> {
    if peek(i) != Some('{') {
        return failure(i, "`{` or `repeat`", Some("the layers go in braces: `network (x: 1) { dense W + b; relu }`"));
    }
    let open = off(i);
    let unclosed = |at: In<'_>| {
        Err(Err::Failure(PError {
            at: off(at),
            expected: vec!["`}`".into()],
            hint: Some(LAYER_HELP.into()),
            unclosed: Some(open),
            message: None,
        }))
    };
    let mut layers = Vec::new();
    let mut j = ws(take(i, 1));
    loop {
        match peek(j) {
            Some('}') => return Ok((take(j, 1), layers)),
            None => return unclosed(j),
            _ => {}
        }
        let (k, l) = layer(j)?;
        layers.push(l);
        let k = sp(k);
        match peek(k) {
            Some(';') | Some('\n') => j = ws(take(k, 1)),
            Some('}') => j = k,
            None => return unclosed(k),
            _ => {
                return failure(
                    k,
                    "`;`, a line break or `}`",
                    Some("one layer per line, or `;` between layers; a bias that is a sum needs parentheses"),
                );
            }
        }
    }
}

/// One layer: `dense W + b`, `relu`, `leaky_relu(0.1)` or `repeat N { … }`.
fn layer(i: In) -> PResult<LayerSyntax> {
    if at_keyword(i, "dense") {
        return dense(i);
    }
    if at_keyword(i, "repeat") {
        return repeat(i);
    }
    if IMAGE_LAYERS.iter().any(|w| at_keyword(i, w)) {
        return image_layer(i);
    }
    activation(i)
}

/// The layers on images.
const IMAGE_LAYERS: &[&str] = &["conv2d", "max_pool2d", "avg_pool2d", "flatten"];

/// A layer on images: `conv2d(K, stride: 2, padding: 1) + b`,
/// `max_pool2d(2)`, `avg_pool2d(2, stride: 1)` or `flatten`. The call is
/// read as an expression; the model checks its arguments.
fn image_layer(i: In) -> PResult<LayerSyntax> {
    let (rest, op) = cut(product(i, false))?;
    let j = sp(rest);
    let (rest, bias) = match peek(j) {
        Some('+') => {
            let (k, b) = hinted(cut(product(sp(take(j, 1)), false)), "the bias follows `+`: `conv2d(K) + b`")?;
            (k, Some(b))
        }
        Some('-') if !j.fragment().starts_with("->") => {
            let (k, b) = hinted(cut(product(sp(take(j, 1)), false)), "the bias follows `-`: `conv2d(K) - b`")?;
            let span = span_from(j, k);
            (k, Some(Expr { kind: ExprKind::Neg(Box::new(b)), span }))
        }
        _ => (rest, None),
    };
    Ok((rest, LayerSyntax::Image { op, bias, span: span_from(i, rest) }))
}

/// A dense layer: `dense W + b`, `dense W - b` or `dense W`. The weight is
/// a product (`[[1, 2]]`, `2*I(d)`, `W1`); the first `+` or `-` after it
/// starts the bias, so a weight that is a sum is written in parentheses.
fn dense(i: In) -> PResult<LayerSyntax> {
    let (rest, _) = keyword(i, "dense")?;
    let (rest, weight) =
        hinted(cut(product(sp(rest), false)), "a dense layer reads `dense W + b`: `dense [[1, 2]] + [0]`")?;
    let j = sp(rest);
    let (rest, bias) = match peek(j) {
        Some('+') => {
            let (k, b) = hinted(cut(product(sp(take(j, 1)), false)), "the bias follows `+`: `dense W + b`")?;
            (k, Some(b))
        }
        Some('-') if !j.fragment().starts_with("->") => {
            let (k, b) = hinted(cut(product(sp(take(j, 1)), false)), "the bias follows `-`: `dense W - b`")?;
            let span = span_from(j, k);
            (k, Some(Expr { kind: ExprKind::Neg(Box::new(b)), span }))
        }
        _ => (rest, None),
    };
    Ok((rest, LayerSyntax::Dense { weight, bias, span: span_from(i, rest) }))
}

/// `repeat N { … }`: the layers in braces, N times; N is a number or a
/// symbol such as `L`.
fn repeat(i: In) -> PResult<LayerSyntax> {
    let (rest, _) = keyword(i, "repeat")?;
    // A `repeat` inside a `repeat` is one more level of nesting.
    let _level = Nested::enter(i)?;
    let (rest, count) = hinted(cut(size(sp(rest))), "write `repeat 3 { … }` or `repeat L { … }`")?;
    let (rest, layers) = block(sp(rest))?;
    Ok((rest, LayerSyntax::Repeat { count, layers, span: span_from(i, rest) }))
}

/// An activation: `relu`, `abs`, `identity`, `leaky_relu(0.1)`.
fn activation(i: In) -> PResult<LayerSyntax> {
    let Ok((rest, name)) = ident(i) else {
        return failure(i, "a layer", Some(LAYER_HELP));
    };
    let (rest, args) = if peek(rest) == Some('(') {
        cut(delimited_list(take(rest, 1), ')', |i| expr(i, true)))?
    } else {
        (rest, Vec::new())
    };
    // A word followed by more than a separator is not a layer at all, for
    // instance a misspelt `dense`: say so at the word.
    if !matches!(peek(sp(rest)), None | Some(';') | Some('\n') | Some('}')) {
        return failure(i, "a layer", Some(LAYER_HELP));
    }
    Ok((rest, LayerSyntax::Activation { name, args, span: span_from(i, rest) }))
}

/// `linear piece of h at x = 1`, `linear piece of g at x = [1, -2]`; also
/// `linear pieces of h`, which is `pieces of h`.
fn linear_piece(i: In) -> PResult<Query> {
    let (rest, _) = keyword(i, "linear")?;
    let j = sp(rest);
    if at_keyword(j, "pieces") {
        return pieces_of(i, j);
    }
    let (rest, _) =
        hinted(cut(keyword(j, "piece")), "write `linear piece of NET at x = POINT` or `linear pieces of NET`")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), "write `linear piece of NET at x = POINT`")?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    let (rest, _) =
        hinted(cut(keyword(sp(rest), "at")), "give the point: `linear piece of h at x = 1` or `at x = [1, 2]`")?;
    let (rest, input) = hinted(cut(ident(sp(rest))), "name the network's input: `at x = 1`")?;
    let (rest, _) = hinted(cut(punct(sp(rest), "=")), "give the point: `at x = 1`")?;
    let (rest, point) = cut(expr(sp(rest), false))?;
    Ok((rest, Query { kind: QueryKind::LinearPiece { network, input, point }, span: span_from(i, rest) }))
}

/// `pieces of h`: every linear piece of a network with one input.
fn pieces(i: In) -> PResult<Query> {
    if !at_keyword(i, "pieces") {
        return fail(i, "`pieces`");
    }
    pieces_of(i, i)
}

/// The rest of `[linear] pieces of NET`, from `pieces` at `j`.
fn pieces_of<'a>(start: In<'a>, j: In<'a>) -> PResult<'a, Query> {
    let (rest, _) = keyword(j, "pieces")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), "write `pieces of NET`")?;
    let (rest, network) = cut(expr(sp(rest), false))?;
    Ok((rest, Query { kind: QueryKind::Pieces { network }, span: span_from(start, rest) }))
}
