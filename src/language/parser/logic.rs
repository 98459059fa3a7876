//! Truth tables and the threshold queries: `truth table (…) { … }`,
//! `threshold neuron for T`, `threshold network { … } on T` and
//! `threshold functions of N inputs`.

use nom::Err;
use nom::Parser;
use nom::bytes::complete::take_while1;

use super::expr::{delimited_list, expr};
use super::lex::*;
use super::{QueryForm, starts_statement};
use crate::language::syntax::*;

pub(super) const QUERIES: &[QueryForm] = &[
    QueryForm { syntax: "threshold neuron for TABLE", parse: neuron },
    QueryForm { syntax: "threshold network { step W + b … } on TABLE", parse: network },
    QueryForm { syntax: "threshold functions of N inputs", parse: census },
];

const TABLE_HELP: &str = "a truth table reads `truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }`";
const ROW_HELP: &str = "a row lists the inputs' values in order, then the output: `01: 1` is x1 = 0, x2 = 1";
const LAYER_HELP: &str = "a layer is an activation and an affine map: `step [[1, 1], [1, 1]] + [-1, -2]` \
                          or `relu [[1, 1]] + [0]`";

/// `threshold WORD` at the start of a query: fails without consuming input
/// when the words are not there, so that the next form can try.
fn threshold_then<'a>(i: In<'a>, word: &'static str) -> PResult<'a, In<'a>> {
    let (rest, _) = keyword(i, "threshold")?;
    match keyword(sp(rest), word) {
        Ok((rest, _)) => Ok((rest, rest)),
        Err(_) => fail(i, &format!("`threshold {word}`")),
    }
}

/// The name of a declared truth table, after `for` or `on`.
fn table_name(i: In) -> PResult<Ident> {
    hinted(cut(ident(sp(i))), "name a truth table declared in this problem, e.g. `xor = truth table (x1, x2) { … }`")
}

/// `threshold neuron for xor`: a neuron for the table, or a proof that
/// none exists.
fn neuron(i: In) -> PResult<Query> {
    let (rest, _) = threshold_then(i, "neuron")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "for")), "the query reads `threshold neuron for TABLE`")?;
    let (rest, table) = table_name(rest)?;
    Ok((rest, Query { kind: QueryKind::ThresholdNeuron(table), span: span_from(i, rest) }))
}

/// `threshold network { step [[1, 1], [1, 1]] + [-1, -2]; step [[1, -2]] + [-1] } on xor`:
/// whether the network computes the table.
fn network(i: In) -> PResult<Query> {
    let (rest, _) = threshold_then(i, "network")?;
    let (rest, net) = network_block(sp(rest))?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "on")), "the query reads `threshold network { … } on TABLE`")?;
    let (rest, table) = table_name(rest)?;
    Ok((rest, Query { kind: QueryKind::ThresholdNetwork(net, table), span: span_from(i, rest) }))
}

/// `{ step W + b; relu W + b … }`: layers separated by `;` or line breaks.
fn network_block(i: In) -> PResult<ThresholdNetworkSyntax> {
    let (mut j, _) = hinted(cut(punct(i, "{")), LAYER_HELP)?;
    let mut layers = Vec::new();
    loop {
        j = ws(j);
        if let Ok((rest, _)) = punct(j, "}") {
            return Ok((rest, ThresholdNetworkSyntax { layers, span: span_from(i, rest) }));
        }
        if j.fragment().is_empty() || starts_statement(j) {
            return unclosed(j, i, "a layer or `}`");
        }
        let (rest, layer) = layer(j)?;
        layers.push(layer);
        j = sp(rest);
        match peek(j) {
            Some(';') => j = take(j, 1),
            Some('\n') | Some('}') => {}
            None => return unclosed(j, i, "`}`"),
            _ => return failure(j, "`;`, a line break or `}`", Some(LAYER_HELP)),
        }
    }
}

/// A committed error at the end of the text, pointing at the bracket that
/// `open` left unclosed.
fn unclosed<'a, T>(at: In<'a>, open: In<'a>, expected: &str) -> PResult<'a, T> {
    Err(Err::Failure(PError {
        at: off(at),
        expected: vec![expected.to_string()],
        hint: None,
        unclosed: Some(off(open)),
        message: None,
    }))
}

/// `step [[1, 1], [1, 1]] + [-1, -2]`: the weights and the bias are the two
/// sides of the last top-level `+` (or `-`).
fn layer(i: In) -> PResult<ThresholdLayerSyntax> {
    let (rest, activation) = hinted(cut(ident(i)), LAYER_HELP)?;
    let (rest, affine) = hinted(cut(expr(sp(rest), false)), LAYER_HELP)?;
    let (weights, bias) = match affine.kind {
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), ..) => {
            let mut affine = affine;
            match std::mem::replace(&mut affine.kind, ExprKind::Str(String::new())) {
                ExprKind::Binary(_, w, b) if op == BinOp::Add => (*w, Some(*b)),
                ExprKind::Binary(_, w, b) => {
                    let span = b.span;
                    (*w, Some(Expr { kind: ExprKind::Neg(b), span }))
                }
                kind => {
                    affine.kind = kind;
                    (affine, None)
                }
            }
        }
        _ => (affine, None),
    };
    Ok((rest, ThresholdLayerSyntax { activation, weights, bias, span: span_from(i, rest) }))
}

/// `threshold functions of 4 inputs`: how many of the 2^(2^4) Boolean
/// functions a single threshold neuron computes.
fn census(i: In) -> PResult<Query> {
    let Ok((rest, _)) = keyword(i, "threshold") else {
        return fail(i, "`threshold`");
    };
    let j = sp(rest);
    let Ok((rest, _)) = keyword(j, "functions") else {
        return failure(
            j,
            "`neuron`, `network` or `functions`",
            Some(
                "threshold queries are `threshold neuron for TABLE`, `threshold network { … } on TABLE` \
                 and `threshold functions of N inputs`",
            ),
        );
    };
    let help = "the query reads `threshold functions of N inputs`, e.g. `threshold functions of 4 inputs`";
    let (rest, _) = hinted(cut(keyword(sp(rest), "of")), help)?;
    let j = sp(rest);
    let digits: PResult<In> = take_while1(|c: char| c.is_ascii_digit()).parse(j);
    let (rest, n) = match digits {
        Ok(ok) => ok,
        Err(_) => return failure(j, "a number of inputs", Some(help)),
    };
    let span = span_from(j, rest);
    let inputs = match n.fragment().parse::<usize>() {
        Ok(k) if k <= 64 => k,
        _ => {
            return failure(
                j,
                "a smaller number of inputs",
                Some("nnkey counts threshold functions of up to 5 inputs"),
            );
        }
    };
    let k = sp(rest);
    let rest = match keyword(k, "inputs").or_else(|_| keyword(k, "input")) {
        Ok((rest, _)) => rest,
        Err(_) => return failure(k, "`inputs`", Some(help)),
    };
    Ok((rest, Query { kind: QueryKind::ThresholdCensus { inputs, span }, span: span_from(i, rest) }))
}

/// A truth table: `truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }`.
/// Rows are separated by commas or line breaks and may come in any order;
/// `_: 0` gives the output of every row not listed.
pub(super) fn truth_table(i: In) -> PResult<Declared> {
    let (rest, _) = keyword(i, "truth")?;
    let (rest, _) = hinted(cut(keyword(sp(rest), "table")), TABLE_HELP)?;
    let j = sp(rest);
    let (rest, _) = hinted(cut(punct(j, "(")), "name the inputs first: `truth table (x1, x2) { … }`")?;
    let (rest, inputs) = hinted(cut(delimited_list(rest, ')', ident)), TABLE_HELP)?;
    let inputs_span = span_from(j, rest);
    let open = sp(rest);
    let (mut k, _) = hinted(cut(punct(open, "{")), TABLE_HELP)?;
    let mut rows = Vec::new();
    loop {
        k = ws(k);
        if let Ok((rest, _)) = punct(k, "}") {
            let table = TruthTableSyntax { inputs, inputs_span, rows, span: span_from(i, rest) };
            return Ok((rest, Declared::TruthTable(table)));
        }
        if k.fragment().is_empty() || starts_statement(k) {
            return unclosed(k, open, "a row or `}`");
        }
        let (rest, row) = row(k)?;
        rows.push(row);
        k = sp(rest);
        match peek(k) {
            Some(',') => k = take(k, 1),
            Some('\n') | Some('}') => {}
            None => return unclosed(k, open, "`}`"),
            _ => return failure(k, "`,`, a line break or `}`", Some(ROW_HELP)),
        }
    }
}

/// One row: `01: 1`, or `_: 0` for every row not listed.
fn row(i: In) -> PResult<RowSyntax> {
    let is_default = peek(i) == Some('_') && !take(i, 1).fragment().starts_with(is_ident_char);
    let (rest, bits) = if is_default {
        (take(i, 1), None)
    } else {
        let digits: PResult<In> = take_while1(|c: char| c.is_ascii_digit()).parse(i);
        match digits {
            Ok((rest, d)) => {
                if let Some(bad) = d.fragment().find(|c| c != '0' && c != '1') {
                    return failure(take(i, bad), "the digit 0 or 1", Some(ROW_HELP));
                }
                (rest, Some(d.fragment().to_string()))
            }
            Err(_) => return failure(i, "a row such as `01: 1`, `_: 0` or `}`", Some(ROW_HELP)),
        }
    };
    let bits_span = span_from(i, rest);
    let (rest, _) = hinted(cut(punct(sp(rest), ":")), ROW_HELP)?;
    let (rest, output) = hinted(cut(expr(sp(rest), false)), "an output is 0 or 1")?;
    Ok((rest, RowSyntax { bits, bits_span, output }))
}
