//! `input gradient of NET[c] at x = X`, `saliency of NET for class c at
//! x = X` and `gradient sign step of NET[c] at x = X with eps E`, resolved:
//! a network with numeric weights (dense or on images), the combination of
//! its outputs the question is about (or `cross_entropy(NET, y)` and its
//! label, or `softmax(NET, c)` and its class), and a numeric point.

use crate::algebra::{Q, RatFunc};
use crate::language::syntax::{Expr, ExprKind, Ident, QueryKind};
use crate::language::{Diagnostic, Span};

use super::image::{Shape, Staged};
use super::network::{Network, network_named};
use super::selection::network_selected;
use super::value::{Binding, Scope, Value, eval};

/// Which question is asked about the gradient.
#[derive(Clone, Debug, PartialEq)]
pub enum GradientKind {
    /// The gradient image itself.
    Gradient,
    /// Per pixel, the largest absolute gradient over the channels.
    Saliency { class: usize },
    /// x − ε·sign(∇), optionally clipped to `[lo, hi]`.
    SignStep { eps: Q, within: Option<(Q, Q)> },
}

/// A gradient query, resolved.
#[derive(Clone, Debug)]
pub struct GradientQuery {
    /// The network's name and its input's name.
    pub network: String,
    pub input: String,
    /// What is differentiated, as written: `h[0] - h[1]`, `h`.
    pub label: String,
    pub net: Staged,
    /// The coefficient of each output in the differentiated combination;
    /// `None` for a sign step of a whole network, which differentiates the
    /// score of the class predicted at the point.
    pub selection: Option<Vec<Q>>,
    /// The point, flattened row-major.
    pub point: Vec<Q>,
    pub kind: GradientKind,
    /// `cross_entropy(NET, y)`: the label y of the cross-entropy loss of
    /// the network's softmax, which is differentiated instead of a
    /// combination of outputs (`selection` is then `None`).
    pub cross_entropy: Option<usize>,
    /// `softmax(NET, c)`: the class c whose softmax probability is
    /// differentiated (`selection` is then `None`).
    pub probability: Option<usize>,
}

/// `softmax(NET, c)`: the network's expression and the class's.
fn softmax_call(e: &Expr) -> Result<Option<(&Expr, &Expr)>, Diagnostic> {
    let ExprKind::Call(f, args) = &e.kind else { return Ok(None) };
    if f.as_name() != Some("softmax") {
        return Ok(None);
    }
    match args.as_slice() {
        [net, class] if net.name.is_none() && class.name.is_none() => Ok(Some((&net.value, &class.value))),
        _ => Err(Diagnostic::error(e.span, "`softmax` takes a network and a class")
            .with_hint("write `softmax(h, 2)`: the probability softmax(h(x))[2]")),
    }
}

/// `cross_entropy(NET, y)`: the network's expression and the label's.
fn cross_entropy_call(e: &Expr) -> Result<Option<(&Expr, &Expr)>, Diagnostic> {
    let ExprKind::Call(f, args) = &e.kind else { return Ok(None) };
    if f.as_name() != Some("cross_entropy") {
        return Ok(None);
    }
    match args.as_slice() {
        [net, label] if net.name.is_none() && label.name.is_none() => Ok(Some((&net.value, &label.value))),
        _ => Err(Diagnostic::error(e.span, "`cross_entropy` takes a network and a label")
            .with_hint("write `cross_entropy(h, 2)`: the loss −log softmax(h(x))[2]")),
    }
}

/// The label of `cross_entropy(NET, y)`: a class of the network.
fn label(e: &Expr, net: &Network, outputs: usize, scope: &dyn Scope) -> Result<usize, Diagnostic> {
    let c = number(e, scope, "the class")?;
    let k =
        c.to_i64().filter(|k| c.is_integer() && *k >= 0).ok_or_else(|| {
            Diagnostic::error(e.span, "a class is a whole number, 0 or more").with_label(format!("{c}"))
        })? as usize;
    if k >= outputs {
        return Err(Diagnostic::error(e.span, format!("class {k} of `{}` does not exist", net.name))
            .with_label(format!("valid classes are 0 to {}", outputs - 1))
            .with_hint(format!("`{}` has {outputs} outputs, one score per class", net.name)));
    }
    if outputs < 2 {
        return Err(Diagnostic::error(e.span, format!("`{}` has one output: its softmax is 1 everywhere", net.name))
            .with_hint("a cross-entropy needs two classes or more"));
    }
    Ok(k)
}

pub(crate) fn staged<'a>(net: &'a Network, query: &str, span: Span) -> Result<&'a Staged, Diagnostic> {
    let Some(s) = &net.staged else {
        // Symbolic sizes: the dense form's error names the symbol.
        net.require_concrete(query, span)?;
        return Err(Diagnostic::error(span, format!("`{query}` needs a network whose sizes are numbers")));
    };
    if let Some(at) = s.first_symbolic() {
        return Err(Diagnostic::error(span, format!("`{query}` needs a network whose weights are all numbers"))
            .with_hint_at(at, "this layer has an entry that is not a number"));
    }
    Ok(s)
}

pub(crate) fn check_input_name(net: &Network, input: &Ident) -> Result<(), Diagnostic> {
    if input.name == net.input {
        return Ok(());
    }
    Err(Diagnostic::error(input.span, format!("`{}` has no input `{}`", net.name, input.name))
        .with_label(format!("the input is `{}`", net.input))
        .with_hint_at(net.input_span, "declared here")
        .with_hint(format!("write `at {} = …`", net.input)))
}

/// The point's entries, row-major, checked against the input's shape.
pub(crate) fn point(e: &Expr, shape: Shape, net: &Network, scope: &dyn Scope) -> Result<Vec<Q>, Diagnostic> {
    let declared = net.input_span.join(net.dim.span());
    let mismatch = |what: String| {
        Diagnostic::error(e.span, format!("`{}` takes a {} input, but this point is {what}", net.name, shape.text()))
            .with_hint_at(declared, "the input is declared here")
    };
    let entries: Vec<Option<Q>> = match (e.as_name().and_then(|n| scope.binding(n)), shape) {
        (Some(Binding::Tensor(t)), _) => {
            let fits = match shape {
                Shape::Image([c, h, w]) => t.shape == [c, h, w] || (c == 1 && t.shape == [h, w]),
                Shape::Flat(n) => {
                    t.shape.iter().product::<usize>() == n && t.shape.iter().filter(|d| **d > 1).count() <= 1
                }
            };
            if !t.written || !fits {
                let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
                return Err(mismatch(format!("{} of shape {}", t.role.a(), dims.join("x"))));
            }
            t.entries.iter().map(|p| p.as_constant()).collect()
        }
        _ => {
            let v = eval(e, scope)?;
            match (&v, shape) {
                (Value::Scalar(s), _) if shape.len() == 1 => vec![s.as_constant()],
                (Value::Matrix(m), Shape::Image([1, h, w])) if m.rows() == h && m.cols() == w => {
                    m.entries().iter().map(RatFunc::as_constant).collect()
                }
                (Value::Matrix(m), _) if (m.cols() == 1 || m.rows() == 1) && m.entries().len() == shape.len() => {
                    m.entries().iter().map(RatFunc::as_constant).collect()
                }
                (Value::List(items), Shape::Image([c, h, w])) if items.len() == c => {
                    let mut out = Vec::with_capacity(c * h * w);
                    for it in items {
                        match it {
                            Value::Matrix(m) if m.rows() == h && m.cols() == w => {
                                out.extend(m.entries().iter().map(RatFunc::as_constant))
                            }
                            _ => return Err(mismatch(format!("a list whose channels are not {h}x{w} matrices"))),
                        }
                    }
                    out
                }
                (Value::Matrix(m), _) => return Err(mismatch(format!("a {}x{} matrix", m.rows(), m.cols()))),
                (other, _) => return Err(mismatch(other.describe())),
            }
        }
    };
    entries
        .into_iter()
        .map(|r| {
            r.ok_or_else(|| {
                Diagnostic::error(e.span, "the point must be numbers").with_label("has entries that are symbols")
            })
        })
        .collect()
}

/// A pixel range `within [lo, hi]`: two numbers, the low end first.
pub(crate) fn pixel_range(w: &Expr, scope: &dyn Scope) -> Result<(Q, Q), Diagnostic> {
    let v = eval(w, scope)?;
    let ends: Option<Vec<Q>> = match &v {
        Value::Matrix(m) if m.entries().len() == 2 && (m.cols() == 1 || m.rows() == 1) => {
            m.entries().iter().map(|r| r.as_constant()).collect()
        }
        _ => None,
    };
    match ends.as_deref() {
        Some([lo, hi]) if lo <= hi => Ok((lo.clone(), hi.clone())),
        Some(_) => {
            Err(Diagnostic::error(w.span, "the range's low end is above its high end")
                .with_hint("write `within [0, 1]`"))
        }
        None => Err(Diagnostic::error(w.span, "the pixel range is two numbers: `within [0, 1]`")
            .with_label(format!("this is {}", v.describe()))),
    }
}

pub(crate) fn number(e: &Expr, scope: &dyn Scope, what: &str) -> Result<Q, Diagnostic> {
    let v = eval(e, scope)?;
    v.as_scalar().filter(|_| matches!(v, Value::Scalar(_))).and_then(|s| s.as_constant()).ok_or_else(|| {
        Diagnostic::error(e.span, format!("{what} must be a number")).with_label(format!("this is {}", v.describe()))
    })
}

/// Elaborates the three gradient queries.
pub fn elaborate(kind: &QueryKind, span: Span, scope: &dyn Scope) -> Result<GradientQuery, Diagnostic> {
    let (network, input, at, word) = match kind {
        QueryKind::InputGradient { network, input, point } => (network, input, point, "input gradient of"),
        QueryKind::Saliency { network, input, point, .. } => (network, input, point, "saliency of"),
        QueryKind::SignStep { network, input, point, .. } => (network, input, point, "gradient sign step of"),
        _ => unreachable!("only the gradient queries come here"),
    };
    let ce = match kind {
        QueryKind::InputGradient { .. } | QueryKind::SignStep { .. } => cross_entropy_call(network)?,
        _ => None,
    };
    let soft = match kind {
        QueryKind::InputGradient { .. } => softmax_call(network)?,
        _ => None,
    };
    let (net, selection) = match (kind, ce.or(soft)) {
        (_, Some((n, _))) => (network_named(n, scope)?, None),
        (QueryKind::Saliency { .. }, _) => (network_named(network, scope)?, None),
        _ => network_selected(network, scope)?,
    };
    check_input_name(net, input)?;
    let staged = staged(net, word, span)?;
    let outputs = staged.output().len();
    let cross_entropy = match ce {
        Some((_, y)) => Some(label(y, net, outputs, scope)?),
        None => None,
    };
    let probability = match soft {
        Some((_, c)) => Some(label(c, net, outputs, scope)?),
        None => None,
    };
    let mut row = match &selection {
        Some(s) => Some(s.row(net, outputs)?),
        None => None,
    };
    let mut label = match &selection {
        Some(s) => s.text(&net.name),
        None => net.name.clone(),
    };
    if let Some(y) = cross_entropy {
        label = format!("cross_entropy({}, {y})", net.name);
    }
    if let Some(c) = probability {
        label = format!("softmax({}, {c})", net.name);
    }
    let p = point(at, staged.input, net, scope)?;
    let kind = match kind {
        QueryKind::InputGradient { .. } => {
            if cross_entropy.is_none() && probability.is_none() && row.is_none() {
                if outputs != 1 {
                    return Err(Diagnostic::error(
                        network.span,
                        format!("`{}` has {outputs} outputs: the gradient is of one output or a combination", net.name),
                    )
                    .with_label("select an output")
                    .with_hint(format!(
                        "write `{0}[0]`, or a margin such as `{0}[0] - {0}[1]`; the Jacobian of every output is `linear piece of {0} at …`",
                        net.name
                    )));
                }
                row = Some(vec![Q::one()]);
            }
            GradientKind::Gradient
        }
        QueryKind::Saliency { class, .. } => {
            let c = number(class, scope, "the class")?;
            let k = c.to_i64().filter(|k| c.is_integer() && *k >= 0).ok_or_else(|| {
                Diagnostic::error(class.span, "a class is a whole number, 0 or more").with_label(format!("{c}"))
            })? as usize;
            if k >= outputs {
                return Err(Diagnostic::error(class.span, format!("class {k} of `{}` does not exist", net.name))
                    .with_label(format!("valid classes are 0 to {}", outputs - 1))
                    .with_hint(format!("`{}` has {outputs} outputs, one score per class", net.name)));
            }
            let mut r = vec![Q::zero(); outputs];
            r[k] = Q::one();
            row = Some(r);
            label = format!("{}[{k}]", net.name);
            GradientKind::Saliency { class: k }
        }
        QueryKind::SignStep { eps, within, .. } => {
            let e = number(eps, scope, "the step size")?;
            if e.signum() <= 0 {
                return Err(Diagnostic::error(eps.span, "the step size must be positive").with_label(format!("{e}")));
            }
            let within = within.as_ref().map(|w| pixel_range(w, scope)).transpose()?;
            GradientKind::SignStep { eps: e, within }
        }
        _ => unreachable!("only the gradient queries come here"),
    };
    Ok(GradientQuery {
        network: net.name.clone(),
        input: net.input.clone(),
        label,
        net: staged.clone(),
        selection: row,
        point: p,
        kind,
        cross_entropy,
        probability,
    })
}
