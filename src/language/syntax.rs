//! The syntax tree of a problem file, every node with its span.
//!
//! The tree says what was written, not what it means: names are not
//! resolved and shapes are not checked here; the model does that.

use crate::algebra::Q;

use super::diagnostic::{Diagnostic, Span};
use super::math::Prose;

/// A parsed problem file: its file-level statements (declarations before
/// the first problem, shared by every problem of the file), the files it
/// includes, and its problems in order.
#[derive(Clone, Debug, Default)]
pub struct SyntaxFile {
    /// Declarations before the first problem: visible to every problem.
    pub shared: Vec<Statement>,
    /// `include "common.nnk"` before the first problem.
    pub includes: Vec<Include>,
    pub problems: Vec<ProblemSyntax>,
}

/// `include "common.nnk"`: another file's file-level declarations.
#[derive(Clone, Debug)]
pub struct Include {
    /// The path as written, relative to the including file.
    pub path: String,
    /// The string literal, quotes included.
    pub path_span: Span,
    pub span: Span,
}

/// A name as written, with its place.
#[derive(Clone, PartialEq, Debug)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `problem q1 "Title"` and the statements under it.
#[derive(Clone, Debug)]
pub struct ProblemSyntax {
    pub id: Ident,
    pub title: Option<(String, Span)>,
    /// The header line.
    pub span: Span,
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug)]
pub enum Statement {
    Let(Let),
    Find(Find),
    Expect(Expect),
    Answer(Answer),
    Question(QuestionSyntax),
    Show(Show),
    Points(Points),
    Draw(DrawSyntax),
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Let(s) => s.span,
            Statement::Find(s) => s.span,
            Statement::Expect(s) => s.span,
            Statement::Answer(s) => s.span,
            Statement::Question(s) => s.span,
            Statement::Show(s) => s.span,
            Statement::Points(s) => s.span,
            Statement::Draw(s) => s.span,
        }
    }
}

/// `NAME = DECLARATION`: `W = kernel 2x2 w`, `eta = 1/10`.
#[derive(Clone, Debug)]
pub struct Let {
    pub name: Ident,
    pub value: Declared,
    pub span: Span,
}

/// `draw NAME = WHAT [where CONDITION, …]`: a parameter drawn at random
/// (reproducibly, from a seed) instead of written out.
#[derive(Clone, Debug)]
pub struct DrawSyntax {
    pub name: Ident,
    pub what: Drawn,
    pub conditions: Vec<ConditionSyntax>,
    pub span: Span,
}

/// What a draw draws.
#[derive(Clone, Debug)]
pub enum Drawn {
    /// `integer in -3..3`.
    Integer { range: RangeSyntax },
    /// `rational in -1..1 step 1/4`: the multiples of the step in the range.
    Rational { range: RangeSyntax, step: Expr },
    /// `matrix 2x3 from -2..2`, `kernel 1x1x2x2 from {-2, -1, 1, 2}`,
    /// `vector 3 from …`, `input 3x3 from …`, `point 2 from …`: a tensor
    /// (a point is a number or a vector) whose entries are drawn from a set.
    Tensor { kind: Ident, shape: Shape, from: PoolSyntax },
    /// `truth table (x1, x2)`: the outputs drawn, one bit per row.
    Table { inputs: Vec<Ident>, span: Span },
}

/// Where entries come from: an integer range or a list of numbers.
#[derive(Clone, Debug)]
pub enum PoolSyntax {
    Range(RangeSyntax),
    Set(Vec<Expr>, Span),
}

/// `-3..3`: the integers from one end to the other, both included.
#[derive(Clone, Debug)]
pub struct RangeSyntax {
    pub low: Expr,
    pub high: Expr,
    pub span: Span,
}

/// A condition on a draw: `nonzero`, `distinct`, `full row rank`,
/// `not on a kink of h`, `linearly separable`, `not linearly separable`.
#[derive(Clone, Debug)]
pub struct ConditionSyntax {
    /// The words as written, single-spaced: `full row rank`.
    pub words: String,
    /// The network after `of` in `not on a kink of h`.
    pub network: Option<Ident>,
    pub span: Span,
}

/// The right-hand side of a declaration.
#[derive(Clone, Debug)]
pub enum Declared {
    /// `KIND SHAPE SYMBOL`: a tensor of fresh symbols, `kernel 2x2 w`.
    Symbolic { kind: Ident, shape: Shape, symbol: Ident },
    /// `KIND SIZES SYMBOL` with a size that is a name, `input 3xnxn x`: a
    /// kernel or input known by its shape alone.
    Sized { kind: Ident, sizes: Vec<Size>, span: Span, symbol: Ident },
    /// `KIND VALUE`: a tensor written out, `kernel [[1, 2], [3, 4]]`.
    Literal { kind: Ident, value: Expr },
    /// `KIND from "FILE" ["TENSOR"]`: a tensor read from a weight file,
    /// `matrix from "mlp.safetensors" "fc1.weight"`.
    File { kind: Ident, file: (String, Span), tensor: Option<(String, Span)> },
    /// A plain value: `eta = 1/10`.
    Value(Expr),
    /// `truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }`.
    TruthTable(TruthTableSyntax),
    /// `network (x: 1) { dense W + b; relu; … }`.
    Network(NetworkSyntax),
}

/// A network as written: its input, its size, and its layers.
#[derive(Clone, Debug)]
pub struct NetworkSyntax {
    /// The input's name, `x` in `(x: 1)`.
    pub input: Ident,
    /// The input's dimension: a number, or a symbol such as `d`; for an
    /// image, its number of values (c·h·w).
    pub dim: Size,
    /// The input's shape when it is an image: `(x: 1x4x4)` is (c, h, w).
    pub image: Option<Shape>,
    pub layers: Vec<LayerSyntax>,
    pub span: Span,
}

/// A size that may be a symbol: `2`, `d`, `L`.
#[derive(Clone, PartialEq, Debug)]
pub enum Size {
    Number(usize, Span),
    Symbol(Ident),
}

impl Size {
    pub fn span(&self) -> Span {
        match self {
            Size::Number(_, s) => *s,
            Size::Symbol(id) => id.span,
        }
    }
}

/// One layer of a network body.
#[derive(Clone, Debug)]
pub enum LayerSyntax {
    /// `dense W + b`, `dense W - b` or `dense W` (no bias).
    Dense { weight: Expr, bias: Option<Expr>, span: Span },
    /// `relu`, `abs`, `identity`, `leaky_relu(0.1)`: a name and its
    /// arguments; the model knows which names are activations.
    Activation { name: Ident, args: Vec<Expr>, span: Span },
    /// `repeat N { … }`.
    Repeat { count: Size, layers: Vec<LayerSyntax>, span: Span },
    /// A layer on images: `conv2d(K, stride: 2) + b`, `max_pool2d(2)`,
    /// `avg_pool2d(2, stride: 1)`, `flatten`. `op` is the call (or the name
    /// alone); only `conv2d` takes a bias.
    Image { op: Expr, bias: Option<Expr>, span: Span },
}

impl LayerSyntax {
    pub fn span(&self) -> Span {
        match self {
            LayerSyntax::Dense { span, .. }
            | LayerSyntax::Activation { span, .. }
            | LayerSyntax::Repeat { span, .. }
            | LayerSyntax::Image { span, .. } => *span,
        }
    }
}

/// A shape such as `3x64x64`.
#[derive(Clone, PartialEq, Debug)]
pub struct Shape {
    pub dims: Vec<usize>,
    pub span: Span,
}

/// `find NAME = QUERY`.
#[derive(Clone, Debug)]
pub struct Find {
    pub name: Ident,
    pub query: Query,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Query {
    pub kind: QueryKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum QueryKind {
    /// `matrix OP on X`: the matrix A with Y = A X.
    Matrix(Applied),
    /// `affine OP on X`: the matrix and the bias, Y = A X + b.
    Affine(Applied),
    /// `shape OP on X`: the output shape.
    Shape(Applied),
    /// `parameters OP on X`: the number of weights and biases.
    Parameters(Applied),
    /// `macs OP on X`: the number of multiply-adds.
    Macs(Applied),
    /// `equivalence OP on X, OP on X`.
    Equivalence(Applied, Applied),
    /// `threshold neuron for TABLE`.
    ThresholdNeuron(Ident),
    /// `threshold network { step W + b; … } on TABLE`.
    ThresholdNetwork(ThresholdNetworkSyntax, Ident),
    /// `threshold functions of N inputs`: how many there are.
    ThresholdCensus { inputs: usize, span: Span },
    /// `linear piece of NET at x = POINT`.
    LinearPiece { network: Expr, input: Ident, point: Expr },
    /// `pieces of NET`: every linear piece of a network of one input.
    Pieces { network: Expr },
    /// `input gradient of NET[c] at x = X`.
    InputGradient { network: Expr, input: Ident, point: Expr },
    /// `saliency of NET for class c at x = X`.
    Saliency { network: Expr, class: Expr, input: Ident, point: Expr },
    /// `gradient sign step of NET[c] at x = X with eps E [within [lo, hi]]`.
    SignStep { network: Expr, input: Ident, point: Expr, eps: Expr, within: Option<Expr> },
    /// `smallest perturbation of NET at x = X to class t in linf [,
    /// within [lo, hi]]`.
    Perturbation(PerturbationSyntax),
    /// `class visualization of NET [for class c] with l2 LAMBDA from x = X
    /// [, within [lo, hi]]`.
    Visualization(Box<VisualizationSyntax>),
    /// `limit of gradient descent on least squares(X, y) from W0`.
    GradientLimit(GradientDescent),
    /// `minimum-norm solution of X w = y`.
    MinimumNorm(LinearSystem),
    /// `largest eigenvalue of M`, `rank of M`, `largest convergent step
    /// for least squares(X, y)`, `squared norm of limit of …`, `training
    /// error of limit of …`.
    GradientQuantity(GradientQuantity),
    /// `identified regions of NET from BOX onto BOX`.
    Regions(RegionsSyntax),
    /// `risk of minimum-norm least squares(n: 10, d: 20, noise: 1/4,
    /// signal: 1)`, optionally `over d from 1 to 40`; `simulated risk of
    /// random relu features(…) over p from 1 to 80`.
    Risk(RiskSyntax),
}

/// `smallest perturbation of NET at x = X to TARGET in NORM [, within
/// [lo, hi]]`.
#[derive(Clone, Debug)]
pub struct PerturbationSyntax {
    pub network: Expr,
    pub input: Ident,
    pub point: Expr,
    pub target: PerturbationTarget,
    /// `linf`, `l1` or `l2`, as written.
    pub norm: Ident,
    pub within: Option<Expr>,
}

/// The class a perturbation must reach.
#[derive(Clone, Debug)]
pub enum PerturbationTarget {
    /// `to class t`.
    Class(Expr),
    /// `to any other class`, with its span.
    AnyOther(Span),
}

/// `class visualization of NET [for class c] with l2 LAMBDA from x = X
/// [, within [lo, hi]]`.
#[derive(Clone, Debug)]
pub struct VisualizationSyntax {
    /// The network, or a combination of its outputs (`h[1] - h[0]`).
    pub network: Expr,
    pub class: Option<Expr>,
    pub lambda: Expr,
    pub input: Ident,
    pub point: Expr,
    pub within: Option<Expr>,
}

/// Which model a risk query is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RiskModel {
    /// The minimum-norm least-squares fit on isotropic Gaussian features.
    MinimumNorm,
    /// The minimum-norm fit on random ReLU features (simulated only).
    ReluFeatures,
}

/// `risk of MODEL(ARGS) [over VAR from A to B]`.
#[derive(Clone, Debug)]
pub struct RiskSyntax {
    pub model: RiskModel,
    pub args: Vec<Arg>,
    /// The model and its arguments, `minimum-norm least squares(…)`.
    pub model_span: Span,
    pub sweep: Option<SweepSyntax>,
}

/// `over d from 1 to 40`: one argument run over a range of whole numbers.
#[derive(Clone, Debug)]
pub struct SweepSyntax {
    pub var: Ident,
    pub from: Expr,
    pub to: Expr,
    pub span: Span,
}

/// `identified regions of f ∘ g from (0,1)^d onto (0,1)^d through (0,1)^d`.
#[derive(Clone, Debug)]
pub struct RegionsSyntax {
    /// The networks as written, outermost first: `f ∘ g` is `[f, g]`.
    pub networks: Vec<Ident>,
    /// `from BOX`; all of R^d when absent.
    pub domain: Option<BoxSyntax>,
    pub onto: BoxSyntax,
    /// `through BOX`: where each inner network must map onto its outer
    /// one's domain; the target box when absent.
    pub through: Option<BoxSyntax>,
}

/// An open box: `(0,1)^d`, `(0,1) x (-1,1)`, `R^2`, `(0, inf)^d`.
#[derive(Clone, Debug)]
pub struct BoxSyntax {
    pub factors: Vec<BoxFactor>,
    pub span: Span,
}

/// One factor of a box: an open interval, raised to a number of
/// coordinates (`^d`, `^2`; once when absent).
#[derive(Clone, Debug)]
pub struct BoxFactor {
    pub lower: Bound,
    pub upper: Bound,
    pub power: Option<Size>,
    pub span: Span,
}

/// An end of an open interval: a number, or `-inf` / `inf`.
#[derive(Clone, Debug)]
pub enum Bound {
    Finite(Expr),
    Infinite { negative: bool, span: Span },
}

/// `OP on X`: an operator applied to a declared input.
#[derive(Clone, Debug)]
pub struct Applied {
    pub op: Expr,
    pub input: Expr,
    pub span: Span,
}

/// `least squares(X, y)`: the objective Σᵢ (yᵢ − wᵀxᵢ)², with its
/// arguments as written.
#[derive(Clone, Debug)]
pub struct LeastSquaresSyntax {
    pub args: Vec<Arg>,
    pub span: Span,
}

/// `gradient descent on OBJECTIVE from W0 [with step ETA]`.
#[derive(Clone, Debug)]
pub struct GradientDescent {
    pub objective: LeastSquaresSyntax,
    pub start: Expr,
    pub step: Option<Expr>,
}

/// A number that least squares and gradient descent are asked about.
#[derive(Clone, Debug)]
pub enum GradientQuantity {
    /// `largest eigenvalue of M`.
    LargestEigenvalue(Expr),
    /// `largest convergent step for least squares(X, y)`.
    LargestStep(LeastSquaresSyntax),
    /// `squared norm of limit of gradient descent on …`.
    SquaredNorm(GradientDescent),
    /// `training error of limit of gradient descent on …`.
    TrainingError(GradientDescent),
    /// `rank of M`.
    Rank(Expr),
}

/// `X w = y`: a linear system, the unknown named on the left.
#[derive(Clone, Debug)]
pub struct LinearSystem {
    pub lhs: Expr,
    pub rhs: Expr,
    pub span: Span,
}

/// `expect NAME = VALUE`.
#[derive(Clone, Debug)]
pub struct Expect {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `answer NAME = "prose"`.
#[derive(Clone, Debug)]
pub struct Answer {
    pub name: Ident,
    pub text: String,
    /// The text read as prose with inline math, or why it cannot be.
    pub prose: Result<Vec<Prose>, Diagnostic>,
    pub span: Span,
}

/// `question = "text"`, the problem's question, or `question NAME = "text"`,
/// the part of it that `find NAME` answers. The text is dedented as an
/// answer's is.
#[derive(Clone, Debug)]
pub struct QuestionSyntax {
    /// The find this part belongs to; `None` for the problem's question.
    pub part: Option<Ident>,
    pub text: String,
    /// The text read as prose with inline math, or why it cannot be.
    pub prose: Result<Vec<Prose>, Diagnostic>,
    /// The string literal, quotes included.
    pub text_span: Span,
    /// The whole statement.
    pub span: Span,
}

/// `show W, X, h`: declared objects shown with the question, in order.
#[derive(Clone, Debug)]
pub struct Show {
    pub names: Vec<Ident>,
    pub span: Span,
}

/// An expression with its place.
#[derive(PartialEq, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Cloning walks a chain `((a + b) + c) + …` down its left side in a loop:
/// the chain is as deep as the sum is long.
impl Clone for Expr {
    fn clone(&self) -> Expr {
        let mut links = Vec::new();
        let mut first = self;
        while let ExprKind::Binary(op, a, b) = &first.kind {
            links.push((*op, first.span, b));
            first = a;
        }
        let mut acc = Expr { kind: first.kind.clone(), span: first.span };
        for (op, span, b) in links.into_iter().rev() {
            acc = Expr { kind: ExprKind::Binary(op, Box::new(acc), b.clone()), span };
        }
        acc
    }
}

/// Dropping is a loop, not a recursion: a sum of many terms is a chain as
/// deep as it is long (`((a + b) + c) + …`), and dropping it recursively
/// could overflow the stack. Brackets nest at most
/// [`MAX_NESTING`](crate::language::parser::MAX_NESTING) deep, so only the
/// chains of binary operators, minus signs and correspondences are taken
/// apart here.
impl Drop for Expr {
    fn drop(&mut self) {
        fn detach(kind: &mut ExprKind, out: &mut Vec<Expr>) {
            let leaf = || Expr { kind: ExprKind::Str(String::new()), span: Span::default() };
            match kind {
                ExprKind::Neg(a) => out.push(std::mem::replace(&mut **a, leaf())),
                ExprKind::Binary(_, a, b) | ExprKind::Maps(a, b) => {
                    out.push(std::mem::replace(&mut **a, leaf()));
                    out.push(std::mem::replace(&mut **b, leaf()));
                }
                _ => {}
            }
        }
        if !matches!(self.kind, ExprKind::Neg(_) | ExprKind::Binary(..) | ExprKind::Maps(..)) {
            return;
        }
        let mut pending = Vec::new();
        detach(&mut self.kind, &mut pending);
        while let Some(mut e) = pending.pop() {
            detach(&mut e.kind, &mut pending);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Clone, PartialEq, Debug)]
pub enum ExprKind {
    /// `12`, `0.5`, `1e-3`: read exactly.
    Number(Q),
    /// `w`, `X`, `impossible`.
    Name(String),
    /// `"text"`.
    Str(String),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a + b`, `a b` (a product), `X^T`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `w[1,1]`.
    Index(Box<Expr>, Vec<Expr>),
    /// `conv2d(W, stride: 2)`.
    Call(Box<Expr>, Vec<Arg>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `(a, b)`.
    Tuple(Vec<Expr>),
    /// `{ W: 2, b: 3 }`.
    Record(Vec<Field>),
    /// `a -> b`.
    Maps(Box<Expr>, Box<Expr>),
}

/// A call argument, positional or named.
#[derive(Clone, PartialEq, Debug)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

/// A record field `name: value`.
#[derive(Clone, PartialEq, Debug)]
pub struct Field {
    pub name: Ident,
    pub value: Expr,
}

impl Expr {
    /// The name, if the expression is a bare name.
    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }

    /// A short description for error messages: "a list", "the name `W`".
    pub fn describe(&self) -> String {
        match &self.kind {
            ExprKind::Number(q) => format!("the number {q}"),
            ExprKind::Name(n) => format!("the name `{n}`"),
            ExprKind::Str(_) => "a string".into(),
            ExprKind::Neg(_) | ExprKind::Binary(..) => "an arithmetic expression".into(),
            ExprKind::Index(..) => "an indexed name".into(),
            ExprKind::Call(..) => "a call".into(),
            ExprKind::List(_) => "a list".into(),
            ExprKind::Tuple(_) => "a tuple".into(),
            ExprKind::Record(_) => "a record".into(),
            ExprKind::Maps(..) => "a correspondence `a -> b`".into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Logic: truth tables and networks of threshold units
// ---------------------------------------------------------------------------

/// `truth table (x1, x2) { 00: 0, 01: 1, 10: 1, 11: 0 }`.
#[derive(Clone, Debug)]
pub struct TruthTableSyntax {
    pub inputs: Vec<Ident>,
    /// The parenthesized input list.
    pub inputs_span: Span,
    pub rows: Vec<RowSyntax>,
    pub span: Span,
}

/// One row, `01: 1`, or the default row `_: 0` for every row not listed.
#[derive(Clone, Debug)]
pub struct RowSyntax {
    /// The input bits as written, `None` for `_`.
    pub bits: Option<String>,
    pub bits_span: Span,
    pub output: Expr,
}

/// `{ step W + b; relu W + b; … }`: layers in order, input first.
#[derive(Clone, Debug)]
pub struct ThresholdNetworkSyntax {
    pub layers: Vec<ThresholdLayerSyntax>,
    pub span: Span,
}

/// `step [[1, 1], [1, 1]] + [-1, -2]`: an activation and an affine map.
#[derive(Clone, Debug)]
pub struct ThresholdLayerSyntax {
    pub activation: Ident,
    pub weights: Expr,
    /// What follows the top-level `+` (a `- c` is kept as `-c`).
    pub bias: Option<Expr>,
    pub span: Span,
}

// ---------------------------------------------------------------------------
// Grading: points and students' submissions
// ---------------------------------------------------------------------------

/// `points NAME = 2`: what `find NAME` is worth when graded.
#[derive(Clone, Debug)]
pub struct Points {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// One student's submission as written: who, and their answers by problem.
#[derive(Clone, Debug, Default)]
pub struct SubmissionSyntax {
    /// `student "ada"`, or the CSV's `student` cell; `None` when the file
    /// does not say (its name stands in).
    pub student: Option<(String, Span)>,
    pub answers: Vec<SubmittedAnswer>,
}

/// `NAME = VALUE` under `problem ID`. An answer that does not parse keeps
/// its diagnostic in place of the value, so only it is lost.
#[derive(Clone, Debug)]
pub struct SubmittedAnswer {
    pub problem: Ident,
    pub name: Ident,
    pub value: Result<Expr, Diagnostic>,
    /// The value as written (also when it does not parse).
    pub value_span: Span,
    pub span: Span,
}
