//! Least squares and gradient descent: the data of `least squares(X, y)`,
//! the starting point and step of gradient descent, and the linear system
//! of `minimum-norm solution of X w = y`, read and checked with spans.
//!
//! The objective is the problem set's f(w) = Σᵢ (yᵢ − wᵀxᵢ)² = ‖X w − y‖²,
//! with the examples xᵢ as the rows of the n×d matrix X. Shapes are checked
//! here; whether X has full row rank is a question for the derivation.

use crate::algebra::{Matrix, Poly, RatFunc};
use crate::language::syntax::{
    Arg, BinOp, Expr, ExprKind, GradientDescent, GradientQuantity, LeastSquaresSyntax, LinearSystem,
};
use crate::language::{Diagnostic, Span};

use super::value::{Scope, Value, eval};

/// The data of a least-squares problem: X (n×d) and y (n×1).
#[derive(Clone, Debug)]
pub struct Data {
    /// One example per row.
    pub x: Matrix<Poly>,
    /// One target per example, as a column.
    pub y: Matrix<Poly>,
    /// How the file names X and y (`X`, `y`), or `X` and `y` for values
    /// written out.
    pub x_name: String,
    pub y_name: String,
    pub x_span: Span,
    pub y_span: Span,
}

impl Data {
    /// The number of examples n.
    pub fn n(&self) -> usize {
        self.x.rows()
    }

    /// The number of features d.
    pub fn d(&self) -> usize {
        self.x.cols()
    }

    /// Whether X is a matrix of numbers (y may still hold symbols).
    pub fn x_is_numeric(&self) -> bool {
        self.x.entries().iter().all(Poly::is_constant)
    }
}

/// A step size as written, with its exact value.
#[derive(Clone, Debug)]
pub struct StepSize {
    pub value: RatFunc,
    pub span: Span,
}

/// `limit of gradient descent on least squares(X, y) from W0 [with step ETA]`.
#[derive(Clone, Debug)]
pub struct GradientLimit {
    pub data: Data,
    /// The starting point w⁽⁰⁾ (d×1).
    pub start: Matrix<Poly>,
    /// How the file names the start: `None` for the zero vector.
    pub start_name: Option<String>,
    pub start_span: Span,
    pub step: Option<StepSize>,
    pub span: Span,
}

impl GradientLimit {
    pub fn starts_at_zero(&self) -> bool {
        self.start.is_zero()
    }
}

/// `minimum-norm solution of X w = y`.
#[derive(Clone, Debug)]
pub struct MinimumNorm {
    pub data: Data,
    /// The unknown's name, `w`.
    pub unknown: String,
    pub span: Span,
}

/// The name an expression gives an operand in a derivation: a declared name
/// as written, otherwise `fallback`.
fn display_name(e: &Expr, fallback: &str) -> String {
    e.as_name().map_or_else(|| fallback.to_string(), str::to_string)
}

/// Evaluates `e` to a matrix of polynomials; `what` names it in errors.
fn poly_matrix(e: &Expr, scope: &dyn Scope, what: &str) -> Result<Matrix<Poly>, Diagnostic> {
    let v = eval(e, scope)?;
    super::value::dense_budget(&v).map_err(|m| Diagnostic::error(e.span, m))?;
    let m = match &v {
        Value::Matrix(_) | Value::Sparse(_) | Value::Scalar(_) => v.as_matrix(),
        _ => None,
    }
    .ok_or_else(|| {
        Diagnostic::error(e.span, format!("{what} must be a matrix or a vector"))
            .with_label(format!("this is {}", v.describe()))
    })?;
    m.try_map(|r| r.as_poly().cloned().ok_or(())).map_err(|()| {
        Diagnostic::error(e.span, format!("the entries of {what} must be numbers or polynomials"))
            .with_label("a quotient of polynomials is not supported here")
    })
}

/// Reads `least squares(X, y)`: two positional arguments, X a matrix and y
/// a vector with one entry per row of X.
pub fn least_squares(ls: &LeastSquaresSyntax, scope: &dyn Scope) -> Result<Data, Diagnostic> {
    let usage = "write `least squares(X, y)` with the data matrix X (one example per row) and the targets y";
    if let Some(named) = ls.args.iter().find_map(|a: &Arg| a.name.as_ref()) {
        return Err(Diagnostic::error(named.span, "`least squares` takes no named arguments").with_hint(usage));
    }
    let [x_expr, y_expr] = ls.args.iter().map(|a| &a.value).collect::<Vec<_>>()[..] else {
        return Err(Diagnostic::error(ls.span, format!("`least squares` takes 2 arguments, not {}", ls.args.len()))
            .with_hint(usage));
    };
    let x = poly_matrix(x_expr, scope, "the data matrix")?;
    let y = poly_matrix(y_expr, scope, "the targets")?;
    if x.rows() == 0 || x.cols() == 0 {
        return Err(Diagnostic::error(x_expr.span, "the data matrix is empty"));
    }
    let y = if y.rows() == 1 && y.cols() > 1 { y.transpose() } else { y };
    if y.cols() != 1 {
        return Err(Diagnostic::error(y_expr.span, "the targets must be a vector")
            .with_label(format!("this is a {}×{} matrix", y.rows(), y.cols()))
            .with_hint("declare them as `y = vector 2 y` or write `[1, 2]`"));
    }
    if y.rows() != x.rows() {
        return Err(Diagnostic::error(
            y_expr.span,
            format!("{} examples need {} targets, one per row of the data matrix", x.rows(), x.rows()),
        )
        .with_label(format!("{} targets", y.rows()))
        .with_hint_at(x_expr.span, format!("the data matrix is {}×{}", x.rows(), x.cols())));
    }
    Ok(Data {
        x,
        y,
        x_name: display_name(x_expr, "X"),
        y_name: display_name(y_expr, "y"),
        x_span: x_expr.span,
        y_span: y_expr.span,
    })
}

/// Reads `gradient descent on least squares(X, y) from W0 [with step ETA]`.
pub fn gradient_limit(gd: &GradientDescent, span: Span, scope: &dyn Scope) -> Result<GradientLimit, Diagnostic> {
    let data = least_squares(&gd.objective, scope)?;
    let d = data.d();
    let start_value = eval(&gd.start, scope)?;
    let start = if start_value.as_scalar().is_some_and(|s| s.is_zero()) {
        Matrix::zeros(d, 1)
    } else {
        let m = poly_matrix(&gd.start, scope, "the starting point")?;
        let m = if m.rows() == 1 && m.cols() > 1 { m.transpose() } else { m };
        if m.shape() != (d, 1) {
            return Err(Diagnostic::error(
                gd.start.span,
                format!("the starting point must be a vector of length {d}, one entry per feature"),
            )
            .with_label(format!("this is {}", start_value.describe()))
            .with_hint_at(data.x_span, format!("the data matrix has {d} columns"))
            .with_hint("`from 0` starts at the zero vector"));
        }
        m
    };
    let start_name = if start.is_zero() { None } else { Some(display_name(&gd.start, "w0")) };
    let step = match &gd.step {
        None => None,
        Some(e) => Some(step_size(e, scope)?),
    };
    Ok(GradientLimit { data, start, start_name, start_span: gd.start.span, step, span })
}

/// A step size: a positive number or a symbolic expression.
fn step_size(e: &Expr, scope: &dyn Scope) -> Result<StepSize, Diagnostic> {
    let v = eval(e, scope)?;
    let Some(s) = v.as_scalar() else {
        return Err(
            Diagnostic::error(e.span, "the step size must be a number").with_label(format!("this is {}", v.describe()))
        );
    };
    if let Some(q) = s.as_constant()
        && (q.is_zero() || q.is_negative())
    {
        return Err(Diagnostic::error(e.span, "the step size must be positive").with_label(format!("this is {q}")));
    }
    Ok(StepSize { value: s, span: e.span })
}

/// Reads `X w = y`: the unknown is the last factor on the left, a name that
/// nothing in the problem declares.
pub fn minimum_norm(system: &LinearSystem, span: Span, scope: &dyn Scope) -> Result<MinimumNorm, Diagnostic> {
    let shape_hint = "write the constraint as `X w = y`: the matrix, then the unknown";
    let ExprKind::Binary(BinOp::Mul, a, w) = &system.lhs.kind else {
        return Err(Diagnostic::error(system.lhs.span, "expected a matrix times the unknown")
            .with_label(format!("this is {}", system.lhs.describe()))
            .with_hint(shape_hint));
    };
    let Some(unknown) = w.as_name() else {
        return Err(Diagnostic::error(w.span, "the unknown must be a name")
            .with_label(format!("this is {}", w.describe()))
            .with_hint(shape_hint));
    };
    if scope.binding(unknown).is_some() {
        return Err(Diagnostic::error(w.span, format!("`{unknown}` is declared in this problem"))
            .with_label("the unknown must be a fresh name")
            .with_hint("pick a name nothing else uses, e.g. `X v = y`"));
    }
    let args = [Arg { name: None, value: (**a).clone() }, Arg { name: None, value: system.rhs.clone() }];
    let ls = LeastSquaresSyntax { args: args.to_vec(), span: system.span };
    let data = least_squares(&ls, scope)?;
    Ok(MinimumNorm { data, unknown: unknown.to_string(), span })
}

/// A matrix a quantity query names: `X X^T` in `largest eigenvalue of
/// X X^T`, `X` in `rank of X`.
#[derive(Clone, Debug)]
pub struct MatrixOperand {
    pub matrix: Matrix<Poly>,
    /// The expression as written, for the derivation: `X X^T`.
    pub expr: Expr,
    pub span: Span,
}

/// `largest eigenvalue of M`, `largest convergent step for least
/// squares(X, y)`, `squared norm of limit of …`, `training error of limit
/// of …`, `rank of M`.
#[derive(Clone, Debug)]
pub enum Quantity {
    /// λ_max of a symmetric matrix.
    LargestEigenvalue(MatrixOperand),
    /// 1/λ_max(X Xᵀ): every step below it converges from every start.
    LargestStep(Data),
    /// ‖w∞‖².
    SquaredNorm(GradientLimit),
    /// ‖X w∞ − y‖².
    TrainingError(GradientLimit),
    Rank(MatrixOperand),
}

/// Whether a quantity query mentions a name, by `uses` on each expression.
pub fn quantity_uses(q: &GradientQuantity, uses: &dyn Fn(&Expr) -> bool) -> bool {
    let descent = |g: &GradientDescent| {
        g.objective.args.iter().any(|a| uses(&a.value)) || uses(&g.start) || g.step.as_ref().is_some_and(uses)
    };
    match q {
        GradientQuantity::LargestEigenvalue(e) | GradientQuantity::Rank(e) => uses(e),
        GradientQuantity::LargestStep(ls) => ls.args.iter().any(|a| uses(&a.value)),
        GradientQuantity::SquaredNorm(g) | GradientQuantity::TrainingError(g) => descent(g),
    }
}

/// Reads a quantity query.
pub fn quantity(q: &GradientQuantity, span: Span, scope: &dyn Scope) -> Result<Quantity, Diagnostic> {
    Ok(match q {
        GradientQuantity::LargestEigenvalue(e) => {
            let matrix = poly_matrix(e, scope, "the matrix")?;
            let (r, c) = matrix.shape();
            if r != c {
                return Err(Diagnostic::error(e.span, "the largest eigenvalue needs a square matrix")
                    .with_label(format!("this is a {r}×{c} matrix"))
                    .with_hint("ask about `X X^T` or `X^T X`"));
            }
            if matrix != matrix.transpose() {
                return Err(Diagnostic::error(e.span, "the largest eigenvalue is derived for a symmetric matrix")
                    .with_label("this matrix is not symmetric")
                    .with_hint("ask about `X X^T` or `X^T X`"));
            }
            Quantity::LargestEigenvalue(MatrixOperand { matrix, expr: e.clone(), span: e.span })
        }
        GradientQuantity::Rank(e) => {
            let matrix = poly_matrix(e, scope, "the matrix")?;
            Quantity::Rank(MatrixOperand { matrix, expr: e.clone(), span: e.span })
        }
        GradientQuantity::LargestStep(ls) => Quantity::LargestStep(least_squares(ls, scope)?),
        GradientQuantity::SquaredNorm(g) => Quantity::SquaredNorm(gradient_limit(g, span, scope)?),
        GradientQuantity::TrainingError(g) => Quantity::TrainingError(gradient_limit(g, span, scope)?),
    })
}
