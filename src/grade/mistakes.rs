//! Common mistakes, each recognized by recomputing what the mistake would
//! give and comparing it with the answer by meaning.

use crate::algebra::{Q, Ring};
use crate::derive::Finding;
use crate::derive::conv::matrix as conv_matrix_of;
use crate::derive::logic::{Neuron, check_neuron};
use crate::language::syntax::{BinOp, Expr, ExprKind};
use crate::model::logic::NeuronQuery;
use crate::model::{Conv, Padding, Problem, Value, compare, eval};

use super::{Mistake, Note, Part, Side, Step};

/// The answer is the transpose of the right matrix (and is not the right
/// matrix: a symmetric one is simply right).
pub fn transpose(given: &Value, right: &Value, ring: &Ring) -> Option<Mistake> {
    let (g, r) = (shape(given)?, shape(right)?);
    if r == (1, 1) || g != (r.1, r.0) {
        return None;
    }
    // A sparse matrix stays sparse: a convolution's may be far too large
    // to write out.
    let t = match right {
        Value::Sparse(s) => Value::Sparse(s.transpose()),
        Value::Matrix(m) => Value::Matrix(m.transpose()),
        _ => return None,
    };
    (compare(given, &t, ring).is_ok() && compare(given, right, ring).is_err()).then_some(Mistake::Transpose)
}

/// The shape of a matrix, dense or sparse.
pub fn shape(v: &Value) -> Option<(usize, usize)> {
    match v {
        Value::Matrix(m) => Some(m.shape()),
        Value::Sparse(s) => Some(s.shape()),
        _ => None,
    }
}

/// The kernel flipped in its two spatial directions.
fn flipped(conv: &Conv) -> Conv {
    let mut c = conv.clone();
    let [a, b, h, w] = c.kernel.kernel4();
    let old = &conv.kernel.entries;
    for o in 0..a * b {
        for r in 0..h {
            for s in 0..w {
                c.kernel.entries[(o * h + r) * w + s] = old[(o * h + (h - 1 - r)) * w + (w - 1 - s)].clone();
            }
        }
    }
    c
}

/// A convolution matrix: the transpose, the matrix of the flipped kernel
/// (textbook convolution for the frameworks' cross-correlation), or the
/// matrix without the layer's padding.
pub fn conv_matrix(conv: &Conv, given: &Value, right: &Value, ring: &Ring) -> Option<Mistake> {
    if let Some(m) = transpose(given, right, ring) {
        return Some(m);
    }
    // Each variant is built only when the answer has its shape.
    let given_shape = shape(given)?;
    let inputs: usize = conv.input.shape.iter().product();
    let fits = |c: &Conv| c.output_shape().is_some_and(|[o, h, w]| (o * h * w, inputs) == given_shape);
    let is = |c: &Conv| fits(c) && compare(given, &Value::Sparse(conv_matrix_of(c)), ring).is_ok();
    if fits(conv) {
        let f = flipped(conv);
        if f.kernel.entries != conv.kernel.entries && is(&f) {
            return Some(Mistake::FlippedKernel);
        }
    }
    if !conv.params.padding.is_zero() {
        let mut c = conv.clone();
        c.params.padding = Padding::default();
        if is(&c) {
            return Some(Mistake::MissingPadding);
        }
    }
    None
}

/// A neuron `{ w: […], b: … }` that gets a row of the table wrong: the
/// first such row. An answer of `impossible` where a neuron exists: the
/// neuron.
pub fn neuron(q: &NeuronQuery, finding: &Finding, given: &Value, ring: &Ring) -> Option<Note> {
    if matches!(given, Value::Word(w) if w == "impossible") {
        return Some(Note::NotImpossible { neuron: finding.value.print(ring) });
    }
    let w = given.field("w")?;
    let b = given.field("b")?.as_rational()?;
    let w: Vec<Q> = match w.items() {
        Some(items) => items.iter().map(Value::as_rational).collect::<Option<_>>()?,
        None => vec![w.as_rational()?],
    };
    let n = q.table.n();
    if w.len() != n {
        return None;
    }
    let wrong = check_neuron(&Neuron { w, b }, n, &q.table.outputs).err()?;
    Some(Note::Mistake(Mistake::NeuronRow {
        table: q.table_name.clone(),
        row: q.table.row_text(wrong.row),
        assignment: q.table.row_assignment(wrong.row),
        sum: wrong.value.to_string(),
        wanted: q.table.outputs[wrong.row],
    }))
}

/// At a kink (nnkey derives `gradient: undefined` with the pieces on the
/// `left` and `right`): a one-sided slope given as the gradient, or the
/// other side's slope given for one side. Each with the part it explains.
pub fn one_sided(given: &Value, right: &Value, ring: &Ring) -> Vec<(Part, Mistake)> {
    let mut found = Vec::new();
    let undefined = matches!(right.field("gradient"), Some(Value::Word(w)) if w == "undefined");
    let slope = |v: &Value, side: &str| v.field(side).and_then(|s| s.field("W")).cloned();
    let (Some(left), Some(rright)) = (slope(right, "left"), slope(right, "right")) else { return found };
    if !undefined || compare(&left, &rright, ring).is_ok() {
        return found;
    }
    let same = |a: &Value, b: &Value| compare(a, b, ring).is_ok();
    if let Some(g) = given.field("gradient").filter(|g| !matches!(g, Value::Word(_))) {
        let side = if same(g, &left) {
            Some(Side::Left)
        } else if same(g, &rright) {
            Some(Side::Right)
        } else {
            None
        };
        if let Some(side) = side {
            found.push((
                vec![Step::Field("gradient".into())],
                Mistake::OneSidedAsDerivative { side, value: g.print(ring) },
            ));
        }
    }
    for (side, name, own, other) in [(Side::Left, "left", &left, &rright), (Side::Right, "right", &rright, &left)] {
        if let Some(g) = slope(given, name)
            && same(&g, other)
            && !same(&g, own)
        {
            found.push((
                vec![Step::Field(name.into()), Step::Field("W".into())],
                Mistake::WrongOneSided { side, given: g.print(ring), right: own.print(ring) },
            ));
        }
    }
    found
}

/// The largest `P` (in entries) whose Gram matrices [`gram_inverse`]
/// compares: a determinant of symbols grows fast with the size, and the
/// data matrices of such problems are small.
pub const MAX_GRAM_ENTRIES: usize = 64;

/// `(PᵀP)⁻¹` (or `inverse(PᵀP)`) in an answer, where `PᵀP` is singular
/// and `P Pᵀ` is invertible: `P` as written. Only a declared `P` of at
/// most [`MAX_GRAM_ENTRIES`] entries is tried.
pub fn gram_inverse(expr: &Expr, problem: &Problem) -> Option<Mistake> {
    let inverted: Option<&Expr> = match &expr.kind {
        ExprKind::Binary(BinOp::Pow, base, exp) if is_minus_one(exp) => Some(base),
        ExprKind::Call(callee, args) if callee.as_name() == Some("inverse") && args.len() == 1 => Some(&args[0].value),
        _ => None,
    };
    if let Some(inner) = inverted
        && let Some(p) = gram_factor(inner)
        && let Ok(pv) = eval(p, problem)
        && let Some(m) = pv.as_matrix()
        && m.rows() < m.cols()
        && m.rows() * m.cols() <= MAX_GRAM_ENTRIES
        && let (Ok(small), Ok(big)) = (m.mul(&m.transpose()), m.transpose().mul(&m))
        && small.det().is_ok_and(|d| !d.is_zero())
        && big.det().is_ok_and(|d| d.is_zero())
    {
        return Some(Mistake::GramInverse { matrix: source_name(p) });
    }
    children(expr).into_iter().find_map(|e| gram_inverse(e, problem))
}

fn is_minus_one(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Neg(inner) => matches!(&inner.kind, ExprKind::Number(q) if q.is_one()),
        ExprKind::Number(q) => (-q).is_one(),
        _ => false,
    }
}

/// `P` in `P^T P` or `transpose(P) P`, `P` a declared name.
fn gram_factor(e: &Expr) -> Option<&Expr> {
    let ExprKind::Binary(BinOp::Mul, a, b) = &e.kind else { return None };
    let p = match &a.kind {
        ExprKind::Binary(BinOp::Pow, p, t) if t.as_name() == Some("T") => p,
        ExprKind::Call(callee, args) if callee.as_name() == Some("transpose") && args.len() == 1 => &args[0].value,
        _ => return None,
    };
    (p.as_name().is_some() && p.as_name() == b.as_name()).then_some(p)
}

/// The name `P` stands for.
fn source_name(p: &Expr) -> String {
    p.as_name().unwrap_or("P").to_string()
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Neg(a) => vec![a],
        ExprKind::Binary(_, a, b) | ExprKind::Maps(a, b) => vec![a, b],
        ExprKind::Index(a, items) => std::iter::once(a.as_ref()).chain(items).collect(),
        ExprKind::Call(a, args) => std::iter::once(a.as_ref()).chain(args.iter().map(|x| &x.value)).collect(),
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().collect(),
        ExprKind::Record(fields) => fields.iter().map(|f| &f.value).collect(),
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Str(_) => Vec::new(),
    }
}
