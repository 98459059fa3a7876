//! Values: what a finding derives and what a key states.
//!
//! An expression in a problem file evaluates to a [`Value`] in the problem's
//! ring: scalars are exact rational functions, lists of scalars are column
//! vectors, lists of lists are matrices, and matrix expressions such as
//! `X^T (X X^T)^-1 y` are computed exactly. A power with a symbolic
//! exponent, such as `2^(L*d)`, is a [`Formula`]. Two values are compared by
//! meaning ([`compare`]): `0.5` equals `1/2`, polynomials are compared
//! expanded, `(2^L)^d` equals `2^(L*d)`, a record's fields in any order.

use std::fmt::Write;

use num_traits::ToPrimitive;

use crate::algebra::intmat::{rational_inverse, rational_product, rational_solve};
use crate::algebra::print::{self, Print};
use crate::algebra::radical::Atom;
use crate::algebra::{
    FloorPoly, Formula, Matrix, Poly, Q, Radical, RatFunc, Ring, SparseBuilder, SparseMatrix, Symbol,
};
use crate::language::Diagnostic;
use crate::language::syntax::{BinOp, Expr, ExprKind};

use super::budget::{
    DENSE_IDENTITY, MAX_DENSE_ENTRIES, MAX_DET_PRODUCTS, MAX_IDENTITY, MAX_MATRIX_POWER_BITS, MAX_POWER_BITS,
    MAX_POWER_DEGREE, MAX_POWER_TERMS,
};
use super::network::Network;
use super::tensor::Tensor;

/// A value of the problem language.
#[derive(Clone, Debug)]
pub enum Value {
    /// An exact scalar: a rational function of the problem's symbols.
    Scalar(RatFunc),
    /// An exact formula with symbolic exponents, such as `2^(L*d)`; never
    /// a plain polynomial, which is a scalar.
    Formula(Formula),
    /// A polynomial with floors of quotients, such as a convolution's
    /// output size `floor((n + 2*p - k)/s) + 1`; never a plain polynomial.
    Floor(FloorPoly),
    /// A dense matrix; a column vector is an n×1 matrix.
    Matrix(Matrix<RatFunc>),
    /// A sparse matrix of polynomials, as convolutions produce.
    Sparse(SparseMatrix<Poly>),
    Bool(bool),
    /// A word with a fixed meaning, such as `impossible`.
    Word(String),
    Text(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// Named fields in the order written.
    Record(Vec<(String, Value)>),
    /// A correspondence `a -> b`.
    Maps(Box<Value>, Box<Value>),
    /// A named construction that a family interprets, e.g. `pixel_shuffle(2)`.
    Call(String, Vec<Value>),
}

/// Words that evaluate to themselves rather than to a symbol.
pub const WORDS: &[&str] =
    &["impossible", "undefined", "none", "identity", "infinite", "diverges", "oscillates", "no solution"];

/// What names mean while evaluating: the ring and the declared objects.
pub trait Scope {
    fn ring(&self) -> &Ring;
    fn binding(&self, name: &str) -> Option<Binding<'_>>;
    /// Whether an undeclared `name` may stand for a symbol (`a`, or the
    /// family `w` of `w[0,1]`). Declarations may introduce symbols; a key
    /// may only use the ones its problem has, so that a misspelt name is an
    /// error rather than a new symbol.
    fn knows_symbol(&self, _name: &str) -> bool {
        true
    }
    /// The names a misspelt one may have meant.
    fn known_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// Why a name that is not known here cannot be used, when the scope
    /// knows better than a guess (a finding derived after the key).
    fn why_unknown(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The error for a name that is neither declared nor a symbol of the
/// problem, with the nearest known name.
fn unknown_name(span: crate::language::Span, name: &str, env: &dyn Scope) -> Diagnostic {
    let known = env.known_names();
    let words: Vec<&str> = known.iter().map(String::as_str).collect();
    let d = Diagnostic::error(span, format!("unknown name `{name}`"))
        .with_label("not declared in this problem, not a finding before this key, and no symbol of its data");
    if let Some(why) = env.why_unknown(name) {
        return d.with_hint(why);
    }
    match crate::language::diagnostic::closest(name, &words) {
        Some(near) => d.with_hint(format!("did you mean `{near}`?")),
        None => d.with_hint("a key may use the problem's declarations, its symbols and the findings before it"),
    }
}

/// A scope with no declared names, for values that stand alone.
pub struct Bare<'a>(pub &'a Ring);

impl Scope for Bare<'_> {
    fn ring(&self) -> &Ring {
        self.0
    }
    fn binding(&self, _name: &str) -> Option<Binding<'_>> {
        None
    }
}

/// What a declared name stands for.
pub enum Binding<'a> {
    Tensor(&'a Tensor),
    Value(&'a Value),
    /// A declared object that is not a value, such as a truth table: its
    /// noun, for messages.
    Object(&'static str),
    Network(&'a Network),
}

type EvalResult = Result<Value, Diagnostic>;

impl Value {
    pub fn scalar(q: Q) -> Value {
        Value::Scalar(RatFunc::constant(q))
    }

    pub fn int(n: i64) -> Value {
        Value::scalar(Q::from_int(n))
    }

    pub fn record(fields: Vec<(&str, Value)>) -> Value {
        Value::Record(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// A field of a record.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Record(fields) => fields.iter().find(|f| f.0 == name).map(|f| &f.1),
            _ => None,
        }
    }

    /// The scalar, also from a 1×1 matrix.
    pub fn as_scalar(&self) -> Option<RatFunc> {
        match self {
            Value::Scalar(s) => Some(s.clone()),
            Value::Matrix(m) if m.shape() == (1, 1) => Some(m.get(0, 0).clone()),
            _ => None,
        }
    }

    /// The rational number, if the value is a constant scalar.
    pub fn as_rational(&self) -> Option<Q> {
        self.as_scalar()?.as_constant()
    }

    /// The integer, if the value is one.
    pub fn as_int(&self) -> Option<i64> {
        self.as_rational()?.to_i64()
    }

    /// A formula as a value; one that is a polynomial becomes a scalar, so
    /// that `2^(d/2) * 2^(d/2)` is the same value as `2^d` and `4^(1/2)`
    /// is `2`.
    pub fn formula(f: Formula) -> Value {
        match f.as_poly() {
            Some(p) => Value::Scalar(RatFunc::from(p)),
            None => Value::Formula(f),
        }
    }

    /// A polynomial with floors as a value; one without floors is a scalar.
    pub fn floor(f: FloorPoly) -> Value {
        match f.as_poly() {
            Some(p) => Value::Scalar(RatFunc::from(p)),
            None => Value::Floor(f),
        }
    }

    /// The value as a polynomial with floors: one, or a polynomial scalar.
    pub fn as_floor(&self) -> Option<FloorPoly> {
        match self {
            Value::Floor(f) => Some(f.clone()),
            _ => self.as_scalar()?.as_poly().cloned().map(FloorPoly::from_poly),
        }
    }

    /// The value as a formula: a formula, or a polynomial scalar.
    pub fn as_formula(&self) -> Option<Formula> {
        match self {
            Value::Formula(f) => Some(f.clone()),
            _ => self.as_scalar()?.as_poly().map(Formula::from_poly),
        }
    }

    /// The items of a vector-like value: a list, a tuple or a column.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v.clone()),
            Value::Matrix(m) if m.cols() == 1 => {
                Some((0..m.rows()).map(|r| Value::Scalar(m.get(r, 0).clone())).collect())
            }
            _ => None,
        }
    }

    /// The value as a dense matrix, if it is a matrix or a scalar (1×1).
    pub fn as_matrix(&self) -> Option<Matrix<RatFunc>> {
        match self {
            Value::Matrix(m) => Some(m.clone()),
            Value::Sparse(s) => Some(s.to_dense().map(|p| RatFunc::from(p.clone()))),
            Value::Scalar(s) => Some(Matrix::from_vec(1, 1, vec![s.clone()])),
            _ => None,
        }
    }

    /// A short description for messages: "a 4×9 matrix", "a record".
    pub fn describe(&self) -> String {
        match self {
            Value::Scalar(_) => "a scalar".into(),
            Value::Formula(_) => "a formula".into(),
            Value::Floor(_) => "a formula with floors".into(),
            Value::Matrix(m) if m.cols() == 1 => format!("a vector of length {}", m.rows()),
            Value::Matrix(m) => format!("a {}×{} matrix", m.rows(), m.cols()),
            Value::Sparse(m) => format!("a {}×{} matrix", m.rows(), m.cols()),
            Value::Bool(_) => "a truth value".into(),
            Value::Word(w) => format!("the word `{w}`"),
            Value::Text(_) => "a text".into(),
            Value::List(_) => "a list".into(),
            Value::Tuple(_) => "a tuple".into(),
            Value::Record(_) => "a record".into(),
            Value::Maps(..) => "a correspondence".into(),
            Value::Call(name, _) if name == RADICAL => "a number with a square root or an absolute value".into(),
            Value::Call(name, _) => format!("`{name}(…)`"),
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// Evaluates an expression of the problem language.
pub fn eval(expr: &Expr, env: &dyn Scope) -> EvalResult {
    let err = |msg: String| Diagnostic::error(expr.span, msg);
    match &expr.kind {
        ExprKind::Number(q) => Ok(Value::scalar(q.clone())),
        ExprKind::Str(s) => Ok(Value::Text(s.clone())),
        ExprKind::Name(name) => {
            if let Some(b) = env.binding(name) {
                return binding_value(b, expr);
            }
            match name.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                w if WORDS.contains(&w) => Ok(Value::Word(w.to_string())),
                _ if !env.knows_symbol(name) => Err(unknown_name(expr.span, name, env)),
                _ => Ok(Value::Scalar(RatFunc::var(env.ring().var(&Symbol::plain(name))))),
            }
        }
        ExprKind::Index(base, indices) => eval_index(expr, base, indices, env),
        ExprKind::Neg(inner) => negate(eval(inner, env)?).map_err(err),
        ExprKind::Binary(op, a, b) => {
            if *op == BinOp::Pow {
                return eval_power(expr, a, b, env);
            }
            // `a + b + c + …` is a chain down the left side, as long as the
            // sum: walk it in a loop, not by recursion.
            let mut chain = vec![expr];
            let mut first = a.as_ref();
            while let ExprKind::Binary(op, a, _) = &first.kind
                && *op != BinOp::Pow
            {
                chain.push(first);
                first = a;
            }
            if chain.len() >= 2 && chain.iter().all(|l| matches!(l.kind, ExprKind::Binary(BinOp::Mul, ..))) {
                return eval_product(first, &chain, env);
            }
            let mut acc = eval(first, env)?;
            for link in chain.into_iter().rev() {
                let ExprKind::Binary(op, _, b) = &link.kind else { continue };
                acc = arithmetic(*op, acc, eval(b, env)?).map_err(|m| Diagnostic::error(link.span, m))?;
            }
            Ok(acc)
        }
        ExprKind::Call(callee, args) => eval_call(expr, callee, args, env),
        ExprKind::List(items) => {
            let values = items.iter().map(|e| eval(e, env)).collect::<Result<Vec<_>, _>>()?;
            list_value(values, items).map_err(|(i, msg)| Diagnostic::error(items[i].span, msg))
        }
        ExprKind::Tuple(items) => Ok(Value::Tuple(items.iter().map(|e| eval(e, env)).collect::<Result<_, _>>()?)),
        ExprKind::Record(fields) => Ok(Value::Record(
            fields
                .iter()
                .map(|f| Ok((f.name.name.clone(), eval(&f.value, env)?)))
                .collect::<Result<_, Diagnostic>>()?,
        )),
        ExprKind::Maps(a, b) => Ok(Value::Maps(Box::new(eval(a, env)?), Box::new(eval(b, env)?))),
    }
}

/// A product of three or more factors, `first * …` with the links of
/// `chain` (outermost first). Matrix multiplication is associative, so a
/// product of dense matrices whose shapes fit is multiplied in the
/// cheapest order (`Xᵀ (X Xᵀ)⁻¹ y` is two matrix-vector products, not a
/// matrix-matrix one), and the inverse of a matrix of numbers that meets a
/// few columns on its right is never formed: `A⁻¹ B` is a fraction-free
/// solve. Anything else goes left to right, with each error at its link.
fn eval_product(first: &Expr, chain: &[&Expr], env: &dyn Scope) -> EvalResult {
    let mut exprs = vec![first];
    for link in chain.iter().rev() {
        let ExprKind::Binary(_, _, b) = &link.kind else { continue };
        exprs.push(b);
    }
    let factors = exprs.iter().map(|e| factor(e, env)).collect::<Result<Vec<_>, _>>()?;
    let shapes: Option<Vec<(usize, usize)>> = factors.iter().map(Factor::shape).collect();
    if let Some(shapes) = shapes.filter(|s| s.windows(2).all(|w| w[0].1 == w[1].0)) {
        let order = chain_order(&shapes);
        let mut slots: Vec<Option<Factor>> = factors.into_iter().map(Some).collect();
        let links: Vec<&Expr> = chain.iter().rev().copied().collect();
        return multiply_in_order(&mut slots, &order, (0, shapes.len() - 1), &links, env)?.value(env);
    }
    let mut factors = factors.into_iter();
    let mut acc = factors.next().expect("the first factor").value(env)?;
    for (link, f) in chain.iter().rev().zip(factors) {
        acc = arithmetic(BinOp::Mul, acc, f.value(env)?).map_err(|m| Diagnostic::error(link.span, m))?;
    }
    Ok(acc)
}

/// A factor of a product: a value, or `A^-1` for a square matrix of numbers
/// A, kept unformed until it is known what it multiplies.
enum Factor<'e> {
    Value(Value),
    Inverse(Matrix<Q>, &'e Expr),
}

/// Most columns a right-hand side may have to be solved for rather than
/// multiplied by a formed inverse.
const MAX_SOLVED_COLUMNS: usize = 4;

fn factor<'e>(e: &'e Expr, env: &dyn Scope) -> Result<Factor<'e>, Diagnostic> {
    if let ExprKind::Binary(BinOp::Pow, base, exp) = &e.kind
        && is_minus_one(exp)
        && let Value::Matrix(m) = eval(base, env)?
        && m.is_square()
        && let Some(q) = constant_matrix(&m)
    {
        return Ok(Factor::Inverse(q, e));
    }
    Ok(Factor::Value(eval(e, env)?))
}

/// Whether an exponent is written `-1`.
fn is_minus_one(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(q) => (-q).is_one(),
        ExprKind::Neg(inner) => matches!(&inner.kind, ExprKind::Number(q) if q.is_one()),
        _ => false,
    }
}

impl Factor<'_> {
    fn shape(&self) -> Option<(usize, usize)> {
        match self {
            Factor::Value(Value::Matrix(m)) => Some(m.shape()),
            Factor::Inverse(m, _) => Some(m.shape()),
            Factor::Value(_) => None,
        }
    }

    /// The value, forming an inverse the usual way (with its errors).
    fn value(self, env: &dyn Scope) -> EvalResult {
        match self {
            Factor::Value(v) => Ok(v),
            Factor::Inverse(_, e) => eval(e, env),
        }
    }
}

/// The split of each sub-chain `i..=j` in the cheapest order of a matrix
/// chain product (counted in scalar multiplications), by the classic
/// dynamic programme: `split[i][j] = k` multiplies `i..=k` by `k+1..=j`.
fn chain_order(shapes: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let n = shapes.len();
    let mut cost = vec![vec![0u128; n]; n];
    let mut split = vec![vec![0usize; n]; n];
    for len in 2..=n {
        for i in 0..=n - len {
            let j = i + len - 1;
            cost[i][j] = u128::MAX;
            for k in i..j {
                let c = cost[i][k]
                    .saturating_add(cost[k + 1][j])
                    .saturating_add(shapes[i].0 as u128 * shapes[k].1 as u128 * shapes[j].1 as u128);
                if c < cost[i][j] {
                    cost[i][j] = c;
                    split[i][j] = k;
                }
            }
        }
    }
    split
}

fn multiply_in_order<'e>(
    slots: &mut [Option<Factor<'e>>],
    split: &[Vec<usize>],
    (i, j): (usize, usize),
    links: &[&Expr],
    env: &dyn Scope,
) -> Result<Factor<'e>, Diagnostic> {
    if i == j {
        return Ok(slots[i].take().expect("each factor is used once"));
    }
    let k = split[i][j];
    let left = multiply_in_order(slots, split, (i, k), links, env)?;
    let right = multiply_in_order(slots, split, (k + 1, j), links, env)?;
    if let (Factor::Inverse(a, _), Factor::Value(Value::Matrix(b))) = (&left, &right)
        && b.cols() <= MAX_SOLVED_COLUMNS
        && let Some(bq) = constant_matrix(b)
        && let Some(x) = rational_solve(a, &bq)
    {
        return Ok(Factor::Value(Value::Matrix(from_constants(&x))));
    }
    // The shapes fit, so only a budget can refuse: at the link that joins.
    let product =
        arithmetic(BinOp::Mul, left.value(env)?, right.value(env)?).map_err(|m| Diagnostic::error(links[k].span, m))?;
    Ok(Factor::Value(product))
}

fn binding_value(b: Binding, expr: &Expr) -> EvalResult {
    match b {
        Binding::Value(v) => Ok(v.clone()),
        Binding::Object(noun) => Err(Diagnostic::error(
            expr.span,
            format!("`{}` is a {noun}, which cannot be used in an expression", expr.as_name().unwrap_or("this")),
        )),
        Binding::Network(n) => Err(Diagnostic::error(expr.span, format!("`{}` is a network and has no value", n.name))
            .with_label("not a number, vector or matrix")
            .with_hint(format!("ask about it in a query: `find p = linear piece of {} at {} = 1`", n.name, n.input))),
        Binding::Tensor(t) if !t.written => Err(unwritten(expr, t)),
        Binding::Tensor(t) => t.to_value().ok_or_else(|| {
            Diagnostic::error(
                expr.span,
                format!("a {}-dimensional {} cannot be used in an expression", t.shape.len(), t.role.noun()),
            )
            .with_label("only scalars, vectors and matrices can")
        }),
    }
}

/// A list of scalars is a column vector; a list of equally long vectors is
/// a matrix with those rows; anything else stays a list.
fn list_value(values: Vec<Value>, items: &[Expr]) -> Result<Value, (usize, String)> {
    if values.is_empty() {
        return Ok(Value::List(values));
    }
    if values.iter().all(|v| matches!(v, Value::Scalar(_))) {
        let entries = values.into_iter().map(|v| v.as_scalar().expect("a scalar")).collect();
        return Ok(Value::Matrix(Matrix::column(entries)));
    }
    let is_row = |v: &Value| matches!(v, Value::Matrix(m) if m.cols() == 1);
    if values.iter().all(is_row) && items.iter().all(|e| matches!(e.kind, ExprKind::List(_))) {
        let width = match &values[0] {
            Value::Matrix(m) => m.rows(),
            _ => 0,
        };
        let mut rows = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            let Value::Matrix(m) = v else { unreachable!("checked above") };
            if m.rows() != width {
                return Err((i, format!("this row has {} entries, the first row has {width}", m.rows())));
            }
            rows.push(m.into_entries());
        }
        return Ok(Value::Matrix(Matrix::from_rows(rows).expect("rows of equal length")));
    }
    Ok(Value::List(values))
}

fn index_of(e: &Expr, env: &dyn Scope) -> Result<i64, Diagnostic> {
    eval(e, env)?
        .as_int()
        .ok_or_else(|| Diagnostic::error(e.span, "an index must be an integer").with_label("not an integer"))
}

/// `w[1,1]` is a symbol; `X[0,1]` is an entry of a declared `X`.
fn eval_index(expr: &Expr, base: &Expr, indices: &[Expr], env: &dyn Scope) -> EvalResult {
    let ExprKind::Name(name) = &base.kind else {
        return Err(Diagnostic::error(base.span, "only names can be indexed").with_hint("symbols are written `w[0,1]`"));
    };
    let idx = indices.iter().map(|e| index_of(e, env)).collect::<Result<Vec<_>, _>>()?;
    if let Some(b) = env.binding(name) {
        let Binding::Tensor(t) = b else {
            return Err(Diagnostic::error(base.span, format!("`{name}` is not a tensor and cannot be indexed")));
        };
        if !t.written {
            return Err(unwritten(base, t));
        }
        if idx.len() != t.shape.len() || idx.iter().zip(&t.shape).any(|(&i, &n)| i < 0 || i as usize >= n) {
            let shape: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
            return Err(Diagnostic::error(expr.span, format!("index out of range for `{name}`"))
                .with_label(format!("`{name}` has shape {}", shape.join("x"))));
        }
        let idx: Vec<usize> = idx.iter().map(|&i| i as usize).collect();
        return Ok(Value::Scalar(RatFunc::from(t.get(&idx).clone())));
    }
    if !env.knows_symbol(name) {
        return Err(unknown_name(base.span, name, env));
    }
    Ok(Value::Scalar(RatFunc::var(env.ring().var(&Symbol::indexed(name, &idx)))))
}

fn negate(v: Value) -> Result<Value, String> {
    if let Value::Call(..) = &v
        && let Some(r) = radical_of(&v)
    {
        return Ok(radical_value(r.neg()));
    }
    match v {
        Value::Scalar(s) => Ok(Value::Scalar(-&s)),
        Value::Formula(f) => Ok(Value::Formula(-&f)),
        Value::Floor(f) => Ok(Value::Floor(f.neg())),
        Value::Matrix(m) => Ok(Value::Matrix(m.neg())),
        Value::Sparse(m) => Ok(Value::Sparse(m.map(|p| -p))),
        other => Err(format!("cannot negate {}", other.describe())),
    }
}

/// `+`, `-`, `*` and `/` on scalars and matrices.
pub fn arithmetic(op: BinOp, x: Value, y: Value) -> Result<Value, String> {
    use Value::{Matrix as M, Scalar as S};
    if let (BinOp::Mul, S(s), Value::Sparse(m)) | (BinOp::Mul, Value::Sparse(m), S(s)) = (op, &x, &y)
        && let Some(p) = s.as_poly()
    {
        return Ok(Value::Sparse(m.map(|e| e * p)));
    }
    dense_budget(&x)?;
    dense_budget(&y)?;
    let x = if let Value::Sparse(s) = &x { M(s.to_dense().map(|p| RatFunc::from(p.clone()))) } else { x };
    let y = if let Value::Sparse(s) = &y { M(s.to_dense().map(|p| RatFunc::from(p.clone()))) } else { y };
    let word = match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        BinOp::Div => "divide",
        BinOp::Pow => "raise",
    };
    if matches!(x, Value::Formula(_)) || matches!(y, Value::Formula(_)) {
        return formula_arithmetic(op, word, &x, &y);
    }
    if (matches!(x, Value::Call(..)) || matches!(y, Value::Call(..)))
        && let (Some(a), Some(b)) = (radical_of(&x), radical_of(&y))
    {
        let r = match op {
            BinOp::Add => a.add(&b),
            BinOp::Sub => a.sub(&b),
            BinOp::Mul => a.mul(&b),
            BinOp::Div => a.div(&b),
            BinOp::Pow => unreachable!("powers are evaluated by eval_power"),
        };
        return r.map(radical_value).map_err(|e| e.to_string());
    }
    if matches!(x, Value::Floor(_)) || matches!(y, Value::Floor(_)) {
        return floor_arithmetic(op, word, &x, &y);
    }
    match (op, x, y) {
        (BinOp::Add, S(a), S(b)) => Ok(S(&a + &b)),
        (BinOp::Sub, S(a), S(b)) => Ok(S(&a - &b)),
        (BinOp::Mul, S(a), S(b)) => Ok(S(&a * &b)),
        (BinOp::Div, S(a), S(b)) => {
            if b.is_zero() {
                Err("division by zero".into())
            } else {
                Ok(S(&a / &b))
            }
        }
        (BinOp::Add, M(a), M(b)) => a.add(&b).map(M).map_err(|e| e.to_string()),
        (BinOp::Sub, M(a), M(b)) => a.sub(&b).map(M).map_err(|e| e.to_string()),
        (BinOp::Mul, M(a), M(b)) => match (constant_matrix(&a), constant_matrix(&b)) {
            (Some(qa), Some(qb)) if a.cols() == b.rows() => Ok(M(from_constants(&rational_product(&qa, &qb)))),
            _ => a.mul(&b).map(M).map_err(|e| e.to_string()),
        },
        (BinOp::Mul, S(s), M(m)) | (BinOp::Mul, M(m), S(s)) => Ok(M(m.scale(&s))),
        (BinOp::Div, M(m), S(s)) => match s.inv() {
            Some(inv) => Ok(M(m.scale(&inv))),
            None => Err("division by zero".into()),
        },
        (_, x, y) => Err(format!("cannot {word} {} and {}", x.describe(), y.describe())),
    }
}

/// `+`, `-`, `*` and `/` where one side is a formula and the other a
/// formula or a polynomial.
fn formula_arithmetic(op: BinOp, word: &str, x: &Value, y: &Value) -> Result<Value, String> {
    let as_formula = |v: &Value| match v {
        Value::Scalar(s) if !s.is_polynomial() => {
            Err(format!("cannot {word} a formula and a fraction with symbols in its denominator"))
        }
        _ => v.as_formula().ok_or_else(|| format!("cannot {word} {} and {}", x.describe(), y.describe())),
    };
    let (a, b) = (as_formula(x)?, as_formula(y)?);
    let f = match op {
        BinOp::Add => &a + &b,
        BinOp::Sub => &a - &b,
        BinOp::Mul => &a * &b,
        BinOp::Div => a.div(&b)?,
        BinOp::Pow => unreachable!("powers are evaluated by eval_power"),
    };
    Ok(Value::formula(f))
}

/// `+`, `-`, `*` and `/` where one side has floors and the other is a
/// polynomial or has floors; division only by a nonzero number.
fn floor_arithmetic(op: BinOp, word: &str, x: &Value, y: &Value) -> Result<Value, String> {
    let as_floor =
        |v: &Value| v.as_floor().ok_or_else(|| format!("cannot {word} {} and {}", x.describe(), y.describe()));
    let (a, b) = (as_floor(x)?, as_floor(y)?);
    let f = match op {
        BinOp::Add => a.add(&b),
        BinOp::Sub => a.sub(&b),
        BinOp::Mul => a.mul(&b),
        BinOp::Div => match b.as_poly().and_then(|p| p.as_constant()).and_then(|q| q.inv()) {
            Some(inv) => a.scale(&inv),
            None => return Err("an expression with floors can only be divided by a nonzero number".into()),
        },
        BinOp::Pow => unreachable!("powers are evaluated by eval_power"),
    };
    Ok(Value::floor(f))
}

/// `floor(x)` of a quotient of polynomials; `ceil(x)` is `-floor(-x)`.
fn floor_call(name: &str, values: &[Value]) -> Result<Value, String> {
    let [v] = values else {
        return Err(format!("`{name}` takes one argument"));
    };
    let r = match v {
        Value::Scalar(r) => r.clone(),
        Value::Floor(f) => match f.as_poly() {
            Some(p) => RatFunc::from(p),
            None => {
                return Err(format!(
                    "nnkey takes `{name}` of a quotient of polynomials, not of an expression that has floors"
                ));
            }
        },
        other => return Err(format!("`{name}` needs a number or a polynomial, not {}", other.describe())),
    };
    Ok(Value::floor(match name {
        "ceil" => FloorPoly::floor(&-&r).neg(),
        _ => FloorPoly::floor(&r),
    }))
}

/// `x^2`, `X^T`, `A^-1`, `2^(L*d)`.
fn eval_power(expr: &Expr, base: &Expr, exp: &Expr, env: &dyn Scope) -> EvalResult {
    let b = eval(base, env)?;
    let err = |msg: String| Diagnostic::error(expr.span, msg);
    if exp.as_name() == Some("T") && env.binding("T").is_none() {
        if let Value::Sparse(s) = &b {
            return Ok(Value::Sparse(s.transpose()));
        }
        return match b.as_matrix() {
            Some(m) => Ok(Value::Matrix(m.transpose())),
            None => Err(err(format!("cannot transpose {}", b.describe()))),
        };
    }
    let e = eval(exp, env)?;
    let Some(n) = e.as_rational().filter(Q::is_integer) else {
        return symbolic_power(expr, base, exp, b, &e);
    };
    let Some(n) = n.to_i64() else {
        // Only 0, 1 and -1 have powers this large that nnkey computes.
        return match b.as_rational() {
            Some(q) if q.is_zero() && n.is_negative() => Err(err("zero to a negative power".into())),
            Some(q) if q.is_zero() || q.is_one() => Ok(Value::scalar(q)),
            Some(q) if (-&q).is_one() => Ok(Value::scalar(if n.numer() % 2 == 0.into() { Q::one() } else { q })),
            _ => Err(err(format!(
                "the exponent {n} is too large: the power would have more than {MAX_POWER_BITS} binary digits"
            ))
            .with_label(format!("limit: {MAX_POWER_BITS} binary digits"))),
        };
    };
    match b {
        Value::Formula(f) => f.pow_int(n).map(Value::formula).map_err(err),
        Value::Floor(f) if (0..=64).contains(&n) => Ok(Value::floor(f.pow(n as u32))),
        Value::Floor(_) => Err(err("an expression with floors takes powers from 0 to 64 only".into())),
        Value::Scalar(s) => {
            if n < 0 && s.is_zero() {
                return Err(err("zero to a negative power".into()));
            }
            power_budget(std::slice::from_ref(&s), 1, n.unsigned_abs()).map_err(|m| budget_error(expr, m))?;
            match s.pow(n) {
                Some(p) => Ok(Value::Scalar(p)),
                None => Err(err("zero to a negative power".into())),
            }
        }
        other => {
            dense_budget(&other).map_err(err)?;
            let Some(m) = other.as_matrix() else {
                return Err(err(format!("cannot raise {} to a power", other.describe())));
            };
            if !m.is_square() {
                return Err(err(format!("only a square matrix has powers; this one is {}×{}", m.rows(), m.cols())));
            }
            let base = if n < 0 {
                det_budget(&m).map_err(|m| budget_error(expr, m))?;
                inverse_within_budget(&m).map_err(|_| {
                    err("the matrix is singular: it has no inverse".into())
                        .with_hint("its determinant is zero for every value of its symbols")
                })?
            } else {
                m
            };
            matrix_power(&base, n.unsigned_abs()).map(Value::Matrix).map_err(|m| budget_error(expr, m))
        }
    }
}

/// A power refused by a limit of [`super::budget`]: the message names the
/// limit and the size asked for.
fn budget_error(expr: &Expr, message: String) -> Diagnostic {
    Diagnostic::error(expr.span, message)
        .with_label("too large to compute")
        .with_hint("the limits on powers are listed under \"Limits\" in the README")
}

fn bits(q: &Q) -> u64 {
    q.numer().bits().max(q.denom().bits())
}

/// Checks, before computing it, that the `n`-th power of a `k`×`k` matrix
/// with these entries (a scalar when `k` is 1) stays within the limits of
/// [`super::budget`]. Powers 0 and 1 cost nothing.
fn power_budget(entries: &[RatFunc], k: usize, n: u64) -> Result<(), String> {
    if n <= 1 {
        return Ok(());
    }
    let polys = || entries.iter().flat_map(|e| [e.num(), e.den()]);
    let degree = polys().map(|p| u64::from(p.total_degree())).max().unwrap_or(0);
    if degree == 0 {
        if k > 1 {
            // Numeric matrices are bounded product by product.
            return Ok(());
        }
        // A number: the digits of the result are n times those of the base.
        let q = entries[0].as_constant().unwrap_or_else(Q::zero);
        let size = (n as f64 * log2_magnitude(&q)).ceil() as u64;
        if size > MAX_POWER_BITS {
            return Err(format!(
                "{q}^{n} would have about {size} binary digits, more than the limit of {MAX_POWER_BITS}"
            ));
        }
        return Ok(());
    }
    let result_degree = n.saturating_mul(degree);
    if result_degree > MAX_POWER_DEGREE {
        return Err(format!(
            "this power would have degree {result_degree}, more than the limit of {MAX_POWER_DEGREE} \
             for a power of a polynomial"
        ));
    }
    // Terms: at most one per monomial of the result's degree in its
    // symbols, and at most as many as the expansion has products.
    let mut vars: Vec<_> = entries.iter().flat_map(RatFunc::vars).collect();
    vars.sort_unstable();
    vars.dedup();
    let by_degree = (result_degree + 1).saturating_pow(u32::try_from(vars.len()).unwrap_or(u32::MAX));
    let t = polys().map(|p| p.len() as u64).max().unwrap_or(1).max(1);
    let by_products = if k == 1 {
        binomial(n + t - 1, t - 1)
    } else {
        (k as u64).saturating_mul(t).saturating_pow(u32::try_from(n).unwrap_or(u32::MAX))
    };
    let terms = by_degree.min(by_products);
    if terms > MAX_POWER_TERMS {
        return Err(format!(
            "this power would have up to {terms} terms, more than the limit of {MAX_POWER_TERMS} \
             for a power of a polynomial"
        ));
    }
    let coefficient = polys().flat_map(|p| p.terms().iter().map(|(_, c)| bits(c))).max().unwrap_or(0);
    let size = n.saturating_mul(coefficient + 64 - (k as u64 * t).leading_zeros() as u64);
    if size > MAX_POWER_BITS {
        return Err(format!(
            "the coefficients of this power would have about {size} binary digits, more than the limit of \
             {MAX_POWER_BITS}"
        ));
    }
    Ok(())
}

/// `log2` of the larger of a rational's numerator and denominator: the
/// binary digits its powers grow by per factor.
fn log2_magnitude(q: &Q) -> f64 {
    let top = q.numer().magnitude().max(q.denom().magnitude()).clone();
    let b = top.bits();
    if b <= 1 {
        return 0.0;
    }
    // The leading 53 bits give the fraction; the rest only shift it.
    let shift = b.saturating_sub(53);
    let lead = (&top >> shift).to_f64().unwrap_or(f64::MAX);
    lead.log2() + shift as f64
}

/// `C(n, k)`, saturating.
fn binomial(n: u64, k: u64) -> u64 {
    let k = k.min(n - k);
    let mut c: u64 = 1;
    for i in 0..k {
        c = match c.checked_mul(n - i) {
            Some(x) => x / (i + 1),
            None => return u64::MAX,
        };
    }
    c
}

/// `m^n` by repeated squaring, within the limits of [`super::budget`]:
/// the degree and terms are bounded before the first product, the digits
/// of a numeric matrix before each.
fn matrix_power(m: &Matrix<RatFunc>, n: u64) -> Result<Matrix<RatFunc>, String> {
    power_budget(m.entries(), m.rows(), n)?;
    let k = m.rows() as u64;
    let log_k = 64 - k.leading_zeros() as u64;
    let size = |a: &Matrix<RatFunc>| -> u64 {
        a.entries()
            .iter()
            .map(|e| e.num().terms().iter().chain(e.den().terms()).map(|(_, c)| bits(c)).max().unwrap_or(0))
            .max()
            .unwrap_or(0)
    };
    let product = |a: &Matrix<RatFunc>, b: &Matrix<RatFunc>| -> Result<Matrix<RatFunc>, String> {
        let estimate = 2 * (size(a) + size(b)) + log_k;
        if estimate > MAX_MATRIX_POWER_BITS {
            return Err(format!(
                "the entries of this matrix power would have about {estimate} binary digits, more than the limit \
                 of {MAX_MATRIX_POWER_BITS}"
            ));
        }
        Ok(a.mul(b).expect("square"))
    };
    let (mut result, mut base, mut n) = (Matrix::identity(m.rows()), m.clone(), n);
    let mut first = true;
    while n > 0 {
        if n & 1 == 1 {
            result = if first { base.clone() } else { product(&result, &base)? };
            first = false;
        }
        n >>= 1;
        if n > 0 {
            base = product(&base, &base)?;
        }
    }
    Ok(result)
}

/// A sparse matrix is computed densely only up to
/// [`MAX_DENSE_ENTRIES`] entries.
pub(crate) fn dense_budget(v: &Value) -> Result<(), String> {
    if let Value::Sparse(s) = v {
        let entries = s.rows().saturating_mul(s.cols());
        if entries > MAX_DENSE_ENTRIES {
            return Err(format!(
                "this {}×{} sparse matrix has {entries} entries, more than the limit of {MAX_DENSE_ENTRIES} \
                 for a matrix computed densely",
                s.rows(),
                s.cols()
            ));
        }
    }
    Ok(())
}

/// A power whose exponent is a polynomial but not an integer: `2^(L*d)`,
/// `(2^L)^d`, `x^(1/2)`.
fn symbolic_power(expr: &Expr, base: &Expr, exp: &Expr, b: Value, e: &Value) -> EvalResult {
    let Some(exponent) = (match e {
        Value::Scalar(s) => s.as_poly().cloned(),
        _ => None,
    }) else {
        return Err(Diagnostic::error(exp.span, "an exponent must be an integer or a polynomial here")
            .with_label("not a polynomial")
            .with_hint("powers are integers (`x^2`, `A^-1`), polynomials (`2^(L*d)`) or `T` for the transpose"));
    };
    let base = match b {
        Value::Formula(f) => f,
        Value::Scalar(s) => match s.as_poly() {
            Some(p) => Formula::from_poly(p),
            None => {
                return Err(Diagnostic::error(base.span, "a power with a symbolic exponent needs a polynomial base")
                    .with_label("a fraction with symbols in its denominator"));
            }
        },
        other => {
            return Err(Diagnostic::error(expr.span, format!("{} has only integer powers", other.describe()))
                .with_label("the exponent is not an integer"));
        }
    };
    Formula::power(&base, &exponent).map(Value::formula).map_err(|msg| Diagnostic::error(expr.span, msg))
}

/// The matrix of numbers a matrix of constant entries is.
fn constant_matrix(m: &Matrix<RatFunc>) -> Option<Matrix<Q>> {
    m.try_map(|r| r.as_constant().ok_or(())).ok()
}

fn from_constants(m: &Matrix<Q>) -> Matrix<RatFunc> {
    m.map(|q| RatFunc::constant(q.clone()))
}

/// The inverse of a square matrix. A matrix of polynomials is inverted
/// fraction-free, as its adjugate over its determinant with one reduction
/// per entry: for symbolic matrices this is orders of magnitude faster than
/// elimination over rational functions (a 3×3 Gram matrix of a symbolic 3×5
/// matrix: well under a second instead of minutes).
/// Refuses the determinant (or inverse) of a matrix with symbols whose
/// expansion could pass [`MAX_DET_PRODUCTS`] products of terms: the
/// determinant is multilinear in the rows, so it expands into at most the
/// product over rows of each row's number of terms.
fn det_budget(m: &Matrix<RatFunc>) -> Result<(), String> {
    if constant_matrix(m).is_some() {
        return Ok(());
    }
    let terms = |e: &RatFunc| (e.num().len() as u128).max(1) * (e.den().len() as u128).max(1);
    let mut products: u128 = 1;
    for r in 0..m.rows() {
        let row: u128 = (0..m.cols()).map(|c| terms(m.get(r, c))).sum();
        products = products.saturating_mul(row.max(1));
    }
    if products > MAX_DET_PRODUCTS as u128 {
        let products = if products == u128::MAX { "more than 10^38".to_string() } else { products.to_string() };
        return Err(format!(
            "the determinant of this {}×{} matrix with symbols could expand into {products} products of terms, more \
             than the limit of {MAX_DET_PRODUCTS}",
            m.rows(),
            m.cols()
        ));
    }
    Ok(())
}

fn inverse(m: &Matrix<RatFunc>) -> Result<Matrix<RatFunc>, String> {
    det_budget(m)?;
    inverse_within_budget(m).map_err(|e| e.to_string())
}

fn inverse_within_budget(m: &Matrix<RatFunc>) -> Result<Matrix<RatFunc>, crate::algebra::MatrixError> {
    if let Some(q) = constant_matrix(m)
        && m.is_square()
    {
        // Numbers: fraction-free in integers, one reduction per entry.
        return rational_inverse(&q).map(|inv| from_constants(&inv)).ok_or(crate::algebra::MatrixError::Singular);
    }
    let Ok(p) = m.try_map(|r| r.as_poly().cloned().ok_or(())) else {
        return m.inverse();
    };
    let det = p.det()?;
    if det.is_zero() {
        return Err(crate::algebra::MatrixError::Singular);
    }
    let adj = p.adjugate()?;
    Ok(adj.map(|a| RatFunc::new(a.clone(), det.clone()).expect("the determinant is nonzero")))
}

fn eval_call(expr: &Expr, callee: &Expr, args: &[crate::language::syntax::Arg], env: &dyn Scope) -> EvalResult {
    let Some(name) = callee.as_name() else {
        return Err(Diagnostic::error(callee.span, "only names can be called"));
    };
    if let Some(named) = args.iter().find_map(|a| a.name.as_ref()) {
        return Err(Diagnostic::error(named.span, format!("`{name}(…)` takes no named arguments here")));
    }
    let values = args.iter().map(|a| eval(&a.value, env)).collect::<Result<Vec<_>, _>>()?;
    let err = |msg: String| Diagnostic::error(expr.span, msg);
    let one_matrix = || -> Result<Matrix<RatFunc>, Diagnostic> {
        values.iter().try_for_each(dense_budget).map_err(err)?;
        match values.as_slice() {
            [v] => v.as_matrix().ok_or_else(|| err(format!("`{name}` needs a matrix, not {}", v.describe()))),
            _ => Err(err(format!("`{name}` takes one matrix"))),
        }
    };
    match name {
        "I" => match values.as_slice() {
            [v] => match v.as_int() {
                Some(n) if (0..=DENSE_IDENTITY as i64).contains(&n) => Ok(Value::Matrix(Matrix::identity(n as usize))),
                Some(n) if (0..=MAX_IDENTITY as i64).contains(&n) => Ok(Value::Sparse(sparse_identity(n as usize))),
                _ => Err(err(format!("`I(n)` needs a size n between 0 and the limit of {MAX_IDENTITY}"))),
            },
            _ => Err(err("`I(n)` takes one size".into())),
        },
        "transpose" => match values.as_slice() {
            [Value::Sparse(s)] => Ok(Value::Sparse(s.transpose())),
            _ => Ok(Value::Matrix(one_matrix()?.transpose())),
        },
        "inverse" => inverse(&one_matrix()?).map(Value::Matrix).map_err(err),
        "det" => {
            let m = one_matrix()?;
            det_budget(&m).map_err(err)?;
            m.det().map(Value::Scalar).map_err(|e| err(e.to_string()))
        }
        "sparse" => sparse_literal(&values).map_err(err),
        "sqrt" | "abs" => match values.as_slice() {
            [Value::Scalar(x)] => {
                let r = if name == "sqrt" { Radical::sqrt(x) } else { Radical::abs(x) };
                r.map(radical_value).map_err(|e| err(e.to_string()))
            }
            _ => Err(err(format!("`{name}` takes one number or polynomial"))),
        },
        "floor" | "ceil" => floor_call(name, &values).map_err(err),
        _ => Ok(Value::Call(name.to_string(), values)),
    }
}

/// The `n`×`n` identity, sparse.
fn sparse_identity(n: usize) -> SparseMatrix<Poly> {
    let mut b = SparseBuilder::with_capacity(n, n, n);
    for r in 0..n {
        b.add(r, Poly::one());
        b.finish_row();
    }
    b.finish()
}

/// `sparse(ROWS, COLS, [(r, c) -> value, …])`: a large matrix by its
/// nonzero entries.
fn sparse_literal(values: &[Value]) -> Result<Value, String> {
    let usage = "write `sparse(ROWS, COLS, [(r, c) -> value, …])`";
    let [rows, cols, entries] = values else {
        return Err(usage.into());
    };
    let (Some(rows), Some(cols)) = (rows.as_int(), cols.as_int()) else {
        return Err(usage.into());
    };
    if rows < 0 || cols < 0 || cols > u32::MAX as i64 {
        return Err("the shape of a sparse matrix must be nonnegative".into());
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let items = match entries {
        Value::List(items) => items.clone(),
        _ => return Err(usage.into()),
    };
    let mut triples = Vec::with_capacity(items.len());
    for it in items {
        let Value::Maps(at, v) = it else { return Err(usage.into()) };
        let pos = at.items().ok_or(usage)?;
        let [r, c] = pos.as_slice() else { return Err(usage.into()) };
        let (Some(r), Some(c)) = (r.as_int(), c.as_int()) else { return Err(usage.into()) };
        if r < 0 || c < 0 || r as usize >= rows || c as usize >= cols {
            return Err(format!("entry ({r}, {c}) is outside the {rows}×{cols} matrix"));
        }
        let s = v.as_scalar().ok_or(usage)?;
        let p = s.as_poly().cloned().ok_or("sparse entries must be polynomials")?;
        triples.push((r as usize, c as usize, p));
    }
    triples.sort_by_key(|t| (t.0, t.1));
    let mut b = SparseBuilder::with_capacity(rows, cols, triples.len());
    let mut it = triples.into_iter().peekable();
    for r in 0..rows {
        while let Some((_, c, p)) = it.next_if(|t| t.0 == r) {
            b.add(c, p);
        }
        b.finish_row();
    }
    Ok(Value::Sparse(b.finish()))
}

// ---------------------------------------------------------------------------
// Comparison by meaning
// ---------------------------------------------------------------------------

/// Compares a key (`expected`) with a derived value by meaning. On a
/// mismatch, says where they first differ.
pub fn compare(expected: &Value, derived: &Value, ring: &Ring) -> Result<(), String> {
    let show = |v: &Value| v.print(ring);
    if (matches!(expected, Value::Formula(_)) || matches!(derived, Value::Formula(_)))
        && let (Some(x), Some(y)) = (expected.as_formula(), derived.as_formula())
    {
        return if x == y {
            Ok(())
        } else {
            Err(format!("the key says {}, nnkey derives {}", show(expected), show(derived)))
        };
    }
    if (matches!(expected, Value::Floor(_)) || matches!(derived, Value::Floor(_)))
        && let (Some(x), Some(y)) = (expected.as_floor(), derived.as_floor())
    {
        return compare_floors(&x, &y, ring)
            .map_err(|why| format!("the key says {}, nnkey derives {}: {why}", show(expected), show(derived)));
    }
    if let (Some(x), Some(y)) = (expected.as_scalar(), derived.as_scalar())
        && (matches!(expected, Value::Scalar(_)) || matches!(derived, Value::Scalar(_)))
    {
        return if x == y {
            Ok(())
        } else {
            Err(format!("the key says {}, nnkey derives {}", show(expected), show(derived)))
        };
    }
    match (expected, derived) {
        (Value::Matrix(_) | Value::Sparse(_), Value::Matrix(_) | Value::Sparse(_)) => {
            compare_matrices(expected, derived, ring)
        }
        (Value::Record(a), Value::Record(b)) => {
            for (k, _) in b {
                if !a.iter().any(|f| &f.0 == k) {
                    return Err(format!("the key has no field `{k}`"));
                }
            }
            for (k, v) in a {
                let Some(w) = derived.field(k) else {
                    return Err(format!("nnkey derives no field `{k}`"));
                };
                compare(v, w, ring).map_err(|e| format!("in `{k}`: {e}"))?;
            }
            Ok(())
        }
        (Value::Bool(a), Value::Bool(b)) if a == b => Ok(()),
        (Value::Word(a), Value::Word(b)) if a == b => Ok(()),
        (Value::Text(a), Value::Text(b)) if a.trim() == b.trim() => Ok(()),
        (Value::Maps(a, b), Value::Maps(c, d)) => {
            compare(a, c, ring)?;
            compare(b, d, ring)
        }
        (Value::Call(f, a), Value::Call(g, b)) if f == g && a.len() == b.len() => {
            for (x, y) in a.iter().zip(b) {
                compare(x, y, ring)?;
            }
            Ok(())
        }
        _ => {
            if let (Some(a), Some(b)) = (expected.items(), derived.items()) {
                if a.len() != b.len() {
                    return Err(format!("the key has {} items, nnkey derives {}", a.len(), b.len()));
                }
                for (k, (x, y)) in a.iter().zip(&b).enumerate() {
                    compare(x, y, ring).map_err(|e| format!("item {k}: {e}"))?;
                }
                return Ok(());
            }
            Err(format!("the key is {}, nnkey derives {}: {}", expected.describe(), derived.describe(), show(derived)))
        }
    }
}

/// Compares two expressions with floors for every integer value of their
/// symbols ([`FloorPoly::decide_eq`]): an exact decision when every divisor
/// is a number; with a symbolic divisor, by normal form, and a key that is
/// neither shown equal nor shown different fails, saying so.
fn compare_floors(key: &FloorPoly, derived: &FloorPoly, ring: &Ring) -> Result<(), String> {
    use crate::algebra::floor::Decision;
    match key.decide_eq(derived) {
        Decision::Equal => Ok(()),
        Decision::Differ(point) => {
            let at = |v: crate::algebra::Var| point.iter().find(|(w, _)| *w == v).map_or_else(Q::zero, |x| x.1.clone());
            let values: Vec<String> = point.iter().map(|(v, q)| format!("{} = {q}", ring.symbol(*v))).collect();
            let shown = |f: &FloorPoly| f.eval(&at).map_or_else(|| "undefined".to_string(), |q| q.to_string());
            Err(format!(
                "they differ at {}, where the key gives {} and nnkey {}",
                values.join(", "),
                shown(key),
                shown(derived)
            ))
        }
        Decision::Undecided(why) => Err(format!("not shown equal: {why}")),
    }
}

fn entry(v: &Value, r: usize, c: usize) -> RatFunc {
    match v {
        Value::Matrix(m) => m.get(r, c).clone(),
        Value::Sparse(s) => s.get(r, c).map_or_else(RatFunc::zero, |p| RatFunc::from(p.clone())),
        _ => RatFunc::zero(),
    }
}

fn shape_of(v: &Value) -> (usize, usize) {
    match v {
        Value::Matrix(m) => m.shape(),
        Value::Sparse(s) => s.shape(),
        _ => (1, 1),
    }
}

fn compare_matrices(expected: &Value, derived: &Value, ring: &Ring) -> Result<(), String> {
    let (a, b) = (shape_of(expected), shape_of(derived));
    if a != b {
        return Err(format!("the key is {}×{}, nnkey derives {}×{}", a.0, a.1, b.0, b.1));
    }
    for r in 0..a.0 {
        // Sparse against sparse needs no dense walk.
        if let (Value::Sparse(x), Value::Sparse(y)) = (expected, derived)
            && x.row(r).eq(y.row(r))
        {
            continue;
        }
        for c in 0..a.1 {
            let (x, y) = (entry(expected, r, c), entry(derived, r, c));
            if x != y {
                return Err(format!(
                    "entry ({r}, {c}): the key says {}, nnkey derives {}",
                    x.print(ring),
                    y.print(ring)
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------

/// Dense matrices up to this many entries print in full; larger ones print
/// by their nonzero entries.
pub const DENSE_LIMIT: usize = 4096;

impl Value {
    /// Prints on one line in nnkey's own notation, readable back.
    pub fn print(&self, ring: &Ring) -> String {
        let list = |items: &[Value]| items.iter().map(|v| v.print(ring)).collect::<Vec<_>>().join(", ");
        match self {
            Value::Scalar(s) => s.print(ring),
            Value::Formula(f) => f.print(ring),
            Value::Floor(f) => f.print(ring),
            Value::Matrix(m) => m.print(ring),
            Value::Sparse(s) => {
                if s.rows() * s.cols() <= DENSE_LIMIT {
                    print::matrix_with(&s.to_dense(), |p| p.print(ring))
                } else {
                    sparse_text(s, ring)
                }
            }
            Value::Bool(b) => b.to_string(),
            Value::Word(w) => w.clone(),
            Value::Text(t) => format!("{t:?}"),
            Value::List(items) => format!("[{}]", list(items)),
            Value::Tuple(items) => format!("({})", list(items)),
            Value::Record(fields) => {
                let inner: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", v.print(ring))).collect();
                format!("{{ {} }}", inner.join(", "))
            }
            Value::Maps(a, b) => format!("{} -> {}", a.print(ring), b.print(ring)),
            Value::Call(..) if radical_of(self).is_some() => radical_text(&radical_of(self).expect("a radical"), ring),
            Value::Call(name, args) => format!("{name}({})", list(args)),
        }
    }

    /// Prints as a key to write after `expect NAME = ` at column `column`:
    /// readable back, with a matrix one row per line and a long record one
    /// field per line.
    pub fn to_key(&self, ring: &Ring, column: usize) -> String {
        let one_line = self.print(ring);
        match self {
            Value::Matrix(m) if m.cols() > 1 && m.rows() > 1 => {
                let rows: Vec<String> = (0..m.rows())
                    .map(|r| {
                        let items: Vec<String> = m.row(r).iter().map(|x| x.print(ring)).collect();
                        format!("[{}]", items.join(", "))
                    })
                    .collect();
                format!("[{}]", rows.join(&format!(",\n{}", " ".repeat(column + 1))))
            }
            Value::Sparse(s) if s.rows() * s.cols() <= DENSE_LIMIT => {
                Value::Matrix(s.to_dense().map(|p| RatFunc::from(p.clone()))).to_key(ring, column)
            }
            Value::Record(fields) if one_line.len() + column > 90 || one_line.contains('\n') => {
                let indent = " ".repeat(column + 2);
                let mut out = String::from("{\n");
                for (k, (name, v)) in fields.iter().enumerate() {
                    let at = column + 2 + name.len() + 2;
                    let value = match v {
                        // A long column vector in a record is written as a
                        // list, as many entries to a line as fit.
                        Value::Matrix(m) if m.cols() == 1 && v.print(ring).len() + at > 90 => {
                            let items: Vec<String> = (0..m.rows()).map(|r| m.get(r, 0).print(ring)).collect();
                            wrapped(&items, at)
                        }
                        _ => v.to_key(ring, at),
                    };
                    let comma = if k + 1 < fields.len() { "," } else { "" };
                    let _ = writeln!(out, "{indent}{name}: {value}{comma}");
                }
                out.push_str(&" ".repeat(column));
                out.push('}');
                out
            }
            Value::List(items) if one_line.len() + column > 90 => {
                let items: Vec<String> = items.iter().map(|it| it.print(ring)).collect();
                wrapped(&items, column)
            }
            _ => one_line,
        }
    }
}

/// Items of a list after `[` at `column`, as many to a line as fit in 90
/// columns, the next lines aligned under the first item.
fn wrapped(items: &[String], column: usize) -> String {
    let pad = " ".repeat(column + 1);
    let mut lines = vec![String::new()];
    for (k, text) in items.iter().enumerate() {
        let piece = if k + 1 < items.len() { format!("{text},") } else { text.clone() };
        let line = lines.last_mut().expect("a line");
        if !line.is_empty() && line.len() + piece.len() + column + 2 > 90 {
            lines.push(piece);
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    format!("[{}]", lines.join(&format!("\n{pad}")))
}

/// A large sparse matrix by its nonzero entries, as `sparse(…)` reads it.
fn sparse_text(s: &SparseMatrix<Poly>, ring: &Ring) -> String {
    let mut items = Vec::with_capacity(s.nonzeros());
    for r in 0..s.rows() {
        for (c, p) in s.row(r) {
            items.push(format!("({r}, {c}) -> {}", p.print(ring)));
        }
    }
    format!("sparse({}, {}, [{}])", s.rows(), s.cols(), items.join(", "))
}

/// The error for a use of a tensor known by its shape alone.
fn unwritten(expr: &Expr, t: &Tensor) -> Diagnostic {
    Diagnostic::error(
        expr.span,
        format!(
            "`{}` has {} entries, over the tensor limit of {}: only its shape is known",
            expr.as_name().unwrap_or("this tensor"),
            t.size(),
            super::MAX_TENSOR_ENTRIES
        ),
    )
    .with_label("needs its entries")
    .with_hint("only `shape` queries can use a tensor this large; declare a smaller one")
}

// ---------------------------------------------------------------------------
// Values with one square root or absolute value
// ---------------------------------------------------------------------------

/// The name under which a value r₀ + r₁·A with an atom A = `sqrt(D)` or
/// `abs(p)` is kept: `radical(r₀, r₁, sqrt(D))`, printed `r₀ + r₁*sqrt(D)`.
pub const RADICAL: &str = "radical";

/// A radical (or a rational function) as a value: a scalar when the atom
/// cancelled.
pub fn radical_value(r: Radical) -> Value {
    match r {
        Radical::Rational(q) => Value::Scalar(q),
        Radical::Surd { rational, coefficient, atom } => Value::Call(
            RADICAL.into(),
            vec![
                Value::Scalar(rational),
                Value::Scalar(coefficient),
                Value::Call(atom.function().into(), vec![Value::Scalar(RatFunc::from(atom.argument().clone()))]),
            ],
        ),
    }
}

/// The radical a value is: a scalar, or `radical(r₀, r₁, sqrt(D))`.
pub fn radical_of(v: &Value) -> Option<Radical> {
    match v {
        Value::Scalar(q) => Some(Radical::Rational(q.clone())),
        Value::Call(name, args) if name == RADICAL => {
            let [Value::Scalar(r0), Value::Scalar(r1), Value::Call(f, inner)] = args.as_slice() else {
                return None;
            };
            let [Value::Scalar(arg)] = inner.as_slice() else { return None };
            let p = arg.as_poly()?.clone();
            let atom = match f.as_str() {
                "sqrt" => Atom::Sqrt(p),
                "abs" => Atom::Abs(p),
                _ => return None,
            };
            Some(Radical::Surd { rational: r0.clone(), coefficient: r1.clone(), atom })
        }
        _ => None,
    }
}

/// `r₀ + r₁*sqrt(D)` in the value syntax, readable back.
fn radical_text(r: &Radical, ring: &Ring) -> String {
    let Some((r0, r1, atom)) = r.parts() else {
        if let Radical::Rational(q) = r {
            return q.print(ring);
        }
        unreachable!()
    };
    let atom_text = format!("{}({})", atom.function(), atom.argument().print(ring));
    let negative = r1.num().leading_coeff().is_negative();
    let c = if negative { -r1 } else { r1.clone() };
    let coefficient = if c == RatFunc::one() {
        atom_text
    } else if c.is_polynomial() && c.num().len() == 1 {
        format!("{}*{atom_text}", c.print(ring))
    } else {
        format!("({})*{atom_text}", c.print(ring))
    };
    if r0.is_zero() {
        return if negative { format!("-{coefficient}") } else { coefficient };
    }
    format!("{} {} {coefficient}", r0.print(ring), if negative { "-" } else { "+" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::parse_expr;

    fn eval_str(text: &str, ring: &Ring) -> Value {
        let e = parse_expr(text).unwrap();
        eval(&e, &Bare(ring)).unwrap()
    }

    #[test]
    fn keys_compare_by_meaning() {
        let ring = Ring::new();
        let a = eval_str("[[0.5, w[1,1]], [(x + 1)^2, 2/4]]", &ring);
        let b = eval_str("[[1/2, w[1,1]], [x^2 + 2*x + 1, 0.5]]", &ring);
        assert!(compare(&a, &b, &ring).is_ok());
        let c = eval_str("[[1/2, w[1,0]], [x^2 + 2*x + 1, 0.5]]", &ring);
        let err = compare(&c, &b, &ring).unwrap_err();
        assert_eq!(err, "entry (0, 1): the key says w[1,0], nnkey derives w[1,1]");
    }

    #[test]
    fn matrix_expressions_evaluate_exactly() {
        let ring = Ring::new();
        // X = [a b], y scalar: X^T (X X^T)^-1 y = (a y, b y)/(a^2 + b^2).
        let v = eval_str("[[a, b]]^T ([[a, b]] [[a, b]]^T)^-1 y", &ring);
        let w = eval_str("[a*y/(a^2 + b^2), b*y/(a^2 + b^2)]", &ring);
        assert!(compare(&v, &w, &ring).is_ok(), "{}", v.print(&ring));
    }

    #[test]
    fn records_compare_field_by_field_in_any_order() {
        let ring = Ring::new();
        let a = eval_str("{ W: 2, b: 3, gradient: 2 }", &ring);
        let b = eval_str("{ gradient: 2.0, W: 2, b: 3 }", &ring);
        assert!(compare(&a, &b, &ring).is_ok());
        let c = eval_str("{ W: 2, b: 4, gradient: 2 }", &ring);
        assert!(compare(&c, &b, &ring).unwrap_err().contains("`b`"));
    }

    #[test]
    fn keys_print_back_to_the_same_value() {
        let ring = Ring::new();
        let a = eval_str("[[w[1,1], 0, -1/2], [0, 2*w[0,0] - x, 0]]", &ring);
        let text = a.to_key(&ring, 13);
        assert_eq!(text, "[[w[1,1], 0, -1/2],\n              [0, 2*w[0,0] - x, 0]]");
        let back = eval_str(&text, &ring);
        assert!(compare(&a, &back, &ring).is_ok());
    }

    #[test]
    fn sparse_literals_read_back() {
        let ring = Ring::new();
        let s = eval_str("sparse(100, 100, [(0, 1) -> w, (99, 99) -> 2])", &ring);
        let Value::Sparse(m) = &s else { panic!("sparse") };
        assert_eq!(m.nonzeros(), 2);
        let text = s.print(&ring);
        let back = eval_str(&text, &ring);
        assert!(compare(&s, &back, &ring).is_ok());
    }
}
