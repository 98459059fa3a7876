//! Selecting outputs of a network: `h[0]`, a margin `h[0] - h[1]`, or any
//! linear combination with exact coefficients (`2*h[1] + h[3]`, `h[0]/2`).
//!
//! A selection is the network followed by one more linear map, a row of
//! coefficients, so every query that accepts a network accepts a
//! selection: the queries see a network with one output, and whether it is
//! differentiable at a point is decided for that output alone.

use crate::algebra::{Matrix, Q, RatFunc};
use crate::language::syntax::{BinOp, Expr, ExprKind};
use crate::language::{Diagnostic, Span};

use super::network::{Concrete, Dense, Layer, Network, network_named};
use super::value::{Binding, Scope, eval};

/// One output named in a selection: `h[2]`, with its coefficient.
#[derive(Clone, Debug)]
pub struct Term {
    pub output: usize,
    pub coefficient: Q,
    /// The span of `h[2]`.
    pub span: Span,
}

/// A linear combination of a network's outputs, as written.
#[derive(Clone, Debug)]
pub struct Selection {
    pub terms: Vec<Term>,
    pub span: Span,
}

impl Selection {
    /// The coefficient of each of `outputs` outputs (repeated outputs
    /// added), or an error at the first index out of range, naming the
    /// valid range.
    pub fn row(&self, net: &Network, outputs: usize) -> Result<Vec<Q>, Diagnostic> {
        let mut row = vec![Q::zero(); outputs];
        for t in &self.terms {
            if t.output >= outputs {
                let range = if outputs == 1 {
                    format!("`{}` has 1 output, `{}[0]`", net.name, net.name)
                } else {
                    format!(
                        "`{}` has {outputs} outputs, `{}[0]` to `{}[{}]`",
                        net.name,
                        net.name,
                        net.name,
                        outputs - 1
                    )
                };
                return Err(Diagnostic::error(t.span, format!("output {} of `{}` does not exist", t.output, net.name))
                    .with_label(format!("valid outputs are 0 to {}", outputs - 1))
                    .with_hint(range));
            }
            row[t.output] = &row[t.output] + &t.coefficient;
        }
        Ok(row)
    }

    /// The selection in nnkey's syntax, `h[0] - h[1]`, for messages and
    /// derivations.
    pub fn text(&self, network: &str) -> String {
        let mut s = String::new();
        for (k, t) in self.terms.iter().enumerate() {
            let c = &t.coefficient;
            let (neg, a) = (c.is_negative(), c.abs());
            match (k, neg) {
                (0, true) => s.push('-'),
                (0, false) => {}
                (_, true) => s.push_str(" - "),
                (_, false) => s.push_str(" + "),
            }
            if !a.is_one() {
                s.push_str(&format!("{a}*"));
            }
            s.push_str(&format!("{network}[{}]", t.output));
        }
        s
    }
}

/// The network an expression names, and the selection it makes, if any:
/// `h` selects nothing (every output), `h[0]` or `h[0] - h[1]` one
/// combination. Every term must name the same network.
pub fn network_selected<'s>(expr: &Expr, scope: &'s dyn Scope) -> Result<(&'s Network, Option<Selection>), Diagnostic> {
    if expr.as_name().is_some() {
        return Ok((network_named(expr, scope)?, None));
    }
    let mut terms = Vec::new();
    let mut net: Option<(&'s Network, Span)> = None;
    collect(expr, Q::one(), scope, &mut terms, &mut net)?;
    let Some((n, _)) = net else {
        return Err(not_a_selection(expr));
    };
    Ok((n, Some(Selection { terms, span: expr.span })))
}

fn not_a_selection(expr: &Expr) -> Diagnostic {
    Diagnostic::error(expr.span, "expected a network, one of its outputs or a combination of them")
        .with_label(format!("this is {}", expr.describe()))
        .with_hint(
            "write `h`, `h[0]`, or a combination with number coefficients such as `h[0] - h[1]` or `2*h[1] + h[3]`",
        )
}

/// An exact number in a coefficient, or `None` when `e` is not one.
fn number(e: &Expr, scope: &dyn Scope) -> Option<Q> {
    if mentions_network(e, scope) {
        return None;
    }
    eval(e, scope).ok()?.as_scalar()?.as_constant()
}

fn mentions_network(e: &Expr, scope: &dyn Scope) -> bool {
    match &e.kind {
        ExprKind::Name(n) => matches!(scope.binding(n), Some(Binding::Network(_))),
        ExprKind::Neg(a) => mentions_network(a, scope),
        ExprKind::Binary(_, a, b) => mentions_network(a, scope) || mentions_network(b, scope),
        ExprKind::Index(a, _) => mentions_network(a, scope),
        _ => false,
    }
}

fn collect<'s>(
    e: &Expr,
    sign: Q,
    scope: &'s dyn Scope,
    terms: &mut Vec<Term>,
    net: &mut Option<(&'s Network, Span)>,
) -> Result<(), Diagnostic> {
    match &e.kind {
        ExprKind::Index(base, idx) if base.as_name().is_some() => {
            let n = network_named(base, scope)?;
            if let Some((first, span)) = net
                && first.name != n.name
            {
                return Err(Diagnostic::error(base.span, "a combination selects outputs of one network")
                    .with_label(format!("`{}` is another network", n.name))
                    .with_hint_at(*span, format!("`{}` here", first.name)));
            }
            if net.is_none() {
                *net = Some((n, base.span));
            }
            let [i] = idx.as_slice() else {
                return Err(Diagnostic::error(e.span, "an output is selected by one index: `h[0]`")
                    .with_label(format!("{} indices", idx.len())));
            };
            let k = number(i, scope).and_then(|q| if q.is_integer() { q.to_i64() } else { None });
            match k {
                Some(k) if k >= 0 => {
                    terms.push(Term { output: k as usize, coefficient: sign, span: e.span });
                    Ok(())
                }
                _ => Err(Diagnostic::error(i.span, "an output index is a whole number, 0 or more")
                    .with_label(format!("this is {}", i.describe()))),
            }
        }
        ExprKind::Name(name) if matches!(scope.binding(name), Some(Binding::Network(_))) => {
            Err(Diagnostic::error(e.span, format!("a combination names outputs: `{name}[0]`, not `{name}`"))
                .with_label("a whole network")
                .with_hint(format!("write `{name}[0] - {name}[1]` for the difference of two outputs")))
        }
        ExprKind::Neg(a) => collect(a, -sign, scope, terms, net),
        ExprKind::Binary(BinOp::Add, a, b) => {
            collect(a, sign.clone(), scope, terms, net)?;
            collect(b, sign, scope, terms, net)
        }
        ExprKind::Binary(BinOp::Sub, a, b) => {
            collect(a, sign.clone(), scope, terms, net)?;
            collect(b, -sign, scope, terms, net)
        }
        ExprKind::Binary(BinOp::Mul, a, b) => {
            if let Some(c) = number(a, scope) {
                collect(b, &sign * &c, scope, terms, net)
            } else if let Some(c) = number(b, scope) {
                collect(a, &sign * &c, scope, terms, net)
            } else {
                Err(Diagnostic::error(e.span, "a coefficient of a combination must be a number")
                    .with_hint("outputs are combined linearly: `2*h[1] + h[3]`"))
            }
        }
        ExprKind::Binary(BinOp::Div, a, b) => match number(b, scope) {
            Some(c) if !c.is_zero() => collect(a, &sign / &c, scope, terms, net),
            Some(_) => Err(Diagnostic::error(b.span, "division by zero").with_label("this is 0")),
            None => Err(Diagnostic::error(b.span, "a combination is divided only by a number")
                .with_label(format!("this is {}", b.describe()))),
        },
        _ => Err(not_a_selection(e)),
    }
}

/// The network followed by the selection: one more dense layer, one row of
/// coefficients and no bias, at the selection's span.
pub fn apply(net: &Network, concrete: &Concrete, selection: &Selection) -> Result<Concrete, Diagnostic> {
    let row = selection.row(net, concrete.output_dim())?;
    let weight = Matrix::from_vec(1, row.len(), row.into_iter().map(RatFunc::constant).collect());
    let index = concrete.layers.iter().filter(|l| matches!(l, Layer::Dense(_))).count() + 1;
    let mut out = concrete.clone();
    out.layers.push(Layer::Dense(Dense { weight, bias: vec![RatFunc::zero()], index, span: selection.span }));
    Ok(out)
}
