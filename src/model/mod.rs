//! What a problem talks about: declared tensors and values, the queries to
//! answer, and the keys written for them, with names resolved and shapes
//! checked.
//!
//! **Invariant.** A [`Problem`] that elaborated without errors is
//! well-formed: every query's operands exist and fit together, so the
//! derivations never meet a malformed problem. Errors name their spans.

pub mod args;
pub mod budget;
pub mod conv;
pub mod draw;
pub mod gradient;
pub mod image;
pub mod input_gradient;
pub mod logic;
pub mod network;
pub mod perturbation;
pub mod regions;
pub mod risk;
pub mod selection;
pub mod sizes;
pub mod tensor;
pub mod value;
pub mod visualization;
pub mod weights;

use crate::algebra::Ring;
use crate::language::diagnostic::closest;
use crate::language::math::Prose;
use crate::language::syntax::{self, Declared, Expr, ProblemSyntax, QueryKind, Statement};
use crate::language::{Diagnostic, Span};
pub use weights::DataFiles;

pub use conv::{Conv, ConvKind, ConvParams, Layout, Padding, PaddingMode};
pub use draw::{DrawSeed, DrawnValue};
pub use gradient::{GradientLimit, MinimumNorm};
pub use network::{Activation, Concrete, Layer, Network, PieceQuery, PiecesQuery};
pub use tensor::{Role, Tensor};
pub use value::{Binding, Scope, Value, compare, eval};

/// A declared name.
#[derive(Clone, Debug)]
pub struct Object {
    pub name: String,
    pub span: Span,
    pub kind: ObjectKind,
}

#[derive(Clone, Debug)]
pub enum ObjectKind {
    Tensor(Tensor),
    Value(Value),
    Table(logic::TruthTable),
    Network(Network),
}

/// A query, resolved.
#[derive(Clone, Debug)]
pub enum Query {
    /// The matrix A with Y = A X.
    Matrix(Conv),
    /// The matrix and the bias: Y = A X + b.
    Affine(Conv),
    /// The output shape.
    Shape(Conv),
    /// The output shape, the parameters or the multiply-adds of a
    /// convolution whose sizes may be symbols.
    Sizes(Box<sizes::SizeQuery>),
    /// Whether two operators agree up to renaming and reordering.
    Equivalence(Box<Conv>, Box<Conv>),
    /// A threshold neuron for a truth table, or a proof that none exists.
    ThresholdNeuron(Box<logic::NeuronQuery>),
    /// Whether a network of threshold units computes a truth table.
    ThresholdNetwork(Box<logic::NetworkQuery>),
    /// How many Boolean functions of this many inputs are threshold functions.
    ThresholdCensus(usize),
    /// The affine piece of a network at a point.
    LinearPiece(Box<PieceQuery>),
    /// Every affine piece of a network of one input.
    Pieces(Box<PiecesQuery>),
    /// The gradient of a network's output with respect to its input at a
    /// point, the saliency map, or the gradient sign step.
    InputGradient(Box<input_gradient::GradientQuery>),
    /// The least perturbation of a point that changes a ReLU network's
    /// class, proved minimal.
    Perturbation(Box<perturbation::PerturbationProblem>),
    /// The image gradient ascent on a penalized class score reaches.
    Visualization(Box<visualization::VisualizationQuery>),
    /// Where gradient descent on least squares converges.
    GradientLimit(Box<GradientLimit>),
    /// The least-norm solution of a linear system.
    MinimumNorm(Box<MinimumNorm>),
    /// λ_max, the largest convergent step, ‖w∞‖², the training error, a rank.
    GradientQuantity(Box<gradient::Quantity>),
    /// The input regions a network maps bijectively onto an output box.
    Regions(Box<regions::RegionsQuery>),
    /// The expected test risk of a minimum-norm fit, at one size or over a
    /// range; or the simulated risk of random features.
    Risk(Box<risk::RiskQuery>),
}

/// `find NAME = QUERY`, with its key if the file has one.
#[derive(Clone, Debug)]
pub struct Find {
    pub name: String,
    /// The name after `find`.
    pub span: Span,
    pub query: Query,
    pub query_span: Span,
    /// The whole `find` statement.
    pub statement_span: Span,
    pub expect: Option<Key>,
    /// `question NAME = "…"`: the part of the problem's question this
    /// find answers.
    pub question: Option<Question>,
    /// `points NAME = 2`: what the find is worth when graded (1 unless
    /// the file says), and where the file says it.
    pub points: (crate::algebra::Q, Option<Span>),
}

/// `expect NAME = VALUE`: the value as written (it is evaluated when
/// checked) and where the statement is.
#[derive(Clone, Debug)]
pub struct Key {
    pub value: Expr,
    pub span: Span,
}

/// The text of `question = "…"` or `question NAME = "…"`, dedented, and
/// the span of its string literal (quotes included).
#[derive(Clone, Debug)]
pub struct Question {
    pub text: String,
    /// The text as paragraphs of prose with inline math.
    pub prose: Vec<Prose>,
    pub span: Span,
}

impl Question {
    /// The question of a statement; a math error in it is reported and the
    /// text kept as it is.
    fn of(q: &syntax::QuestionSyntax, diagnostics: &mut Vec<Diagnostic>) -> Question {
        let prose = q.prose.clone().unwrap_or_else(|d| {
            diagnostics.push(d);
            vec![Prose::text(q.text.clone())]
        });
        Question { text: q.text.clone(), prose, span: q.text_span }
    }
}

/// `answer NAME = "prose"`.
#[derive(Clone, Debug)]
pub struct Answer {
    pub name: String,
    pub text: String,
    /// The text as paragraphs of prose with inline math.
    pub prose: Vec<Prose>,
    pub span: Span,
}

/// One problem of a file, elaborated.
#[derive(Debug)]
pub struct Problem {
    pub id: String,
    pub title: Option<String>,
    pub span: Span,
    pub ring: Ring,
    pub objects: Vec<Object>,
    pub finds: Vec<Find>,
    pub answers: Vec<Answer>,
    /// `question = "…"`: what the problem asks, as a student reads it.
    pub question: Option<Question>,
    /// `show W, X`: declared objects to display with the question, in
    /// order, each with the span of its name in the `show` statement.
    pub shown: Vec<(String, Span)>,
    /// The values drawn for `draw NAME = …`, in order.
    pub drawn: Vec<DrawnValue>,
}

impl Problem {
    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.name == name)
    }

    pub fn find(&self, name: &str) -> Option<&Find> {
        self.finds.iter().find(|f| f.name == name)
    }
}

impl Scope for Problem {
    fn ring(&self) -> &Ring {
        &self.ring
    }

    fn binding(&self, name: &str) -> Option<Binding<'_>> {
        self.object(name).map(|o| match &o.kind {
            ObjectKind::Tensor(t) => Binding::Tensor(t),
            ObjectKind::Value(v) => Binding::Value(v),
            ObjectKind::Table(_) => Binding::Object("truth table"),
            ObjectKind::Network(n) => Binding::Network(n),
        })
    }
}

/// Elaborates a parsed problem. Statements that fail are reported and left
/// out; the rest of the problem is still elaborated.
pub fn elaborate(syntax: &ProblemSyntax) -> (Problem, Vec<Diagnostic>) {
    elaborate_in(syntax, &[], &DrawSeed::default(), &DataFiles::default())
}

/// Elaborates a parsed problem with the file-level declarations `shared`
/// (its file's and its includes', declared first, visible to the problem),
/// the draws `seed` picks and the weight files its declarations name.
pub fn elaborate_in(
    syntax: &ProblemSyntax,
    shared: &[Statement],
    seed: &DrawSeed,
    files: &DataFiles,
) -> (Problem, Vec<Diagnostic>) {
    let mut problem = Problem {
        id: syntax.id.name.clone(),
        title: syntax.title.as_ref().map(|t| t.0.clone()),
        span: syntax.span,
        ring: Ring::new(),
        objects: Vec::new(),
        finds: Vec::new(),
        answers: Vec::new(),
        question: None,
        shown: Vec::new(),
        drawn: Vec::new(),
    };
    let mut diagnostics = Vec::new();
    // Names whose declaration failed: a query that names one is not
    // reported again, the declaration's error already says what is wrong.
    let mut failed: Vec<&str> = Vec::new();
    // Declarations first, so that a find may come before what it names;
    // the file's shared ones before the problem's own.
    for s in shared.iter().chain(&syntax.statements) {
        let name = match s {
            Statement::Let(l) => &l.name,
            Statement::Draw(d) => &d.name,
            _ => continue,
        };
        if let Some(prev) = problem.object(&name.name) {
            diagnostics.push(
                Diagnostic::error(name.span, format!("`{}` is declared twice", name.name))
                    .with_label("second declaration")
                    .with_hint_at(prev.span, "first declared here"),
            );
            continue;
        }
        let made = match s {
            Statement::Let(l) => declare(l, &problem, files),
            Statement::Draw(d) => draw::draw(d, seed, &problem).map(|(kind, value)| {
                problem.drawn.push(value);
                kind
            }),
            _ => continue,
        };
        match made {
            Ok(kind) => problem.objects.push(Object { name: name.name.clone(), span: name.span, kind }),
            Err(d) => {
                failed.push(&name.name);
                diagnostics.push(d);
            }
        }
    }
    for s in &syntax.statements {
        match s {
            Statement::Find(f) => {
                if let Some(prev) = problem.find(&f.name.name) {
                    diagnostics.push(
                        Diagnostic::error(f.name.span, format!("`{}` is found twice", f.name.name))
                            .with_hint_at(prev.span, "first found here"),
                    );
                    continue;
                }
                match query(&f.query, &problem) {
                    Ok(q) => problem.finds.push(Find {
                        name: f.name.name.clone(),
                        span: f.name.span,
                        query: q,
                        query_span: f.query.span,
                        statement_span: f.span,
                        expect: None,
                        question: None,
                        points: (crate::algebra::Q::one(), None),
                    }),
                    Err(_) if mentions(&f.query, &failed) => {}
                    Err(d) => diagnostics.push(d),
                }
            }
            Statement::Answer(a) => {
                let prose = a.prose.clone().unwrap_or_else(|d| {
                    diagnostics.push(d);
                    vec![Prose::text(a.text.clone())]
                });
                problem.answers.push(Answer { name: a.name.name.clone(), text: a.text.clone(), prose, span: a.span })
            }
            Statement::Let(_)
            | Statement::Draw(_)
            | Statement::Expect(_)
            | Statement::Question(_)
            | Statement::Show(_)
            | Statement::Points(_) => {}
        }
    }
    // Keys and questions after the finds, so either may come before its find.
    let mut question_span: Option<Span> = None;
    for s in &syntax.statements {
        match s {
            Statement::Expect(e) => attach_key(e, syntax, &mut problem, &mut diagnostics),
            Statement::Points(p) => attach_points(p, syntax, &mut problem, &mut diagnostics),
            Statement::Question(q) if q.part.is_some() => attach_part(q, syntax, &mut problem, &mut diagnostics),
            Statement::Question(q) => match question_span {
                Some(first) => diagnostics.push(
                    Diagnostic::error(q.span, format!("problem `{}` has two questions", problem.id))
                        .with_label("second question")
                        .with_hint_at(first, "the first question is here")
                        .with_hint("give each find its own part with `question NAME = \"…\"`"),
                ),
                None => {
                    question_span = Some(q.span);
                    problem.question = Some(Question::of(q, &mut diagnostics));
                }
            },
            Statement::Show(show) => {
                for name in &show.names {
                    show_object(name, &failed, &mut problem, &mut diagnostics);
                }
            }
            Statement::Let(_) | Statement::Draw(_) | Statement::Find(_) | Statement::Answer(_) => {}
        }
    }
    (problem, diagnostics)
}

/// `question NAME = "…"`: the part of the question that `find NAME` answers.
fn attach_part(
    q: &syntax::QuestionSyntax,
    syntax: &ProblemSyntax,
    problem: &mut Problem,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(part) = &q.part else { return };
    let name = &part.name;
    let known: Vec<String> = problem.finds.iter().map(|f| f.name.clone()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let found_in_syntax = syntax.statements.iter().any(|s| matches!(s, Statement::Find(f) if &f.name.name == name));
    let id = problem.id.clone();
    match problem.finds.iter_mut().find(|f| &f.name == name) {
        Some(f) if f.question.is_some() => {
            let first = f.question.as_ref().map_or(q.text_span, |k| k.span);
            diagnostics.push(
                Diagnostic::error(part.span, format!("`{name}` has two questions"))
                    .with_label("second question")
                    .with_hint_at(first, "the first question is here"),
            );
        }
        Some(f) => f.question = Some(Question::of(q, diagnostics)),
        // The find itself failed and was reported: one error is enough.
        None if found_in_syntax => {}
        None => {
            let mut d = Diagnostic::error(part.span, format!("no `find {name}` in problem `{id}`"))
                .with_label("the part of a question needs a find of the same name");
            if let Some(s) = closest(name, &known) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            } else if !known.is_empty() {
                d = d.with_hint(format!("this problem finds {}", args::quoted_list(&known)));
            } else {
                d = d.with_hint("the problem's own question reads `question = \"…\"`");
            }
            diagnostics.push(d);
        }
    }
}

/// One name of `show W, X`: a declared object, shown once.
fn show_object(name: &syntax::Ident, failed: &[&str], problem: &mut Problem, diagnostics: &mut Vec<Diagnostic>) {
    let n = &name.name;
    if let Some((_, first)) = problem.shown.iter().find(|(s, _)| s == n) {
        diagnostics.push(
            Diagnostic::error(name.span, format!("`{n}` is shown twice"))
                .with_label("second time")
                .with_hint_at(*first, "first shown here"),
        );
        return;
    }
    if problem.object(n).is_some() {
        problem.shown.push((n.clone(), name.span));
        return;
    }
    // The declaration failed and was reported: one error is enough.
    if failed.contains(&n.as_str()) {
        return;
    }
    let id = problem.id.clone();
    let mut d = Diagnostic::error(name.span, format!("no object `{n}` in problem `{id}`"))
        .with_label("`show` lists declared objects");
    let known: Vec<&str> = problem.objects.iter().map(|o| o.name.as_str()).collect();
    if problem.find(n).is_some() {
        d = d.with_hint(format!(
            "`{n}` is a find: `show` lists what the question gives (kernels, inputs, networks, …), \
             not what it asks for"
        ));
    } else if let Some(s) = closest(n, &known) {
        d = d.with_hint(format!("did you mean `{s}`?"));
    } else if !known.is_empty() {
        d = d.with_hint(format!("this problem declares {}", args::quoted_list(&known)));
    }
    diagnostics.push(d);
}

/// Whether a query names one of `names`.
fn mentions(q: &syntax::Query, names: &[&str]) -> bool {
    fn in_expr(e: &Expr, names: &[&str]) -> bool {
        use syntax::ExprKind as K;
        match &e.kind {
            K::Name(n) => names.contains(&n.as_str()),
            K::Number(_) | K::Str(_) => false,
            K::Neg(a) => in_expr(a, names),
            K::Binary(..) => {
                // A chain `a + b + …` is walked down its left side in a loop.
                let mut left = e;
                while let K::Binary(_, a, b) = &left.kind {
                    if in_expr(b, names) {
                        return true;
                    }
                    left = a;
                }
                in_expr(left, names)
            }
            K::Maps(a, b) => in_expr(a, names) || in_expr(b, names),
            K::Index(a, items) => in_expr(a, names) || items.iter().any(|i| in_expr(i, names)),
            K::Call(a, args) => in_expr(a, names) || args.iter().any(|x| in_expr(&x.value, names)),
            K::List(items) | K::Tuple(items) => items.iter().any(|i| in_expr(i, names)),
            K::Record(fields) => fields.iter().any(|f| in_expr(&f.value, names)),
        }
    }
    let applied = |a: &syntax::Applied| in_expr(&a.op, names) || in_expr(&a.input, names);
    match &q.kind {
        QueryKind::Matrix(a)
        | QueryKind::Affine(a)
        | QueryKind::Shape(a)
        | QueryKind::Parameters(a)
        | QueryKind::Macs(a) => applied(a),
        QueryKind::Equivalence(a, b) => applied(a) || applied(b),
        QueryKind::LinearPiece { network, point, .. } => in_expr(network, names) || in_expr(point, names),
        QueryKind::Pieces { network } => in_expr(network, names),
        QueryKind::InputGradient { network, point, .. } => in_expr(network, names) || in_expr(point, names),
        QueryKind::Saliency { network, class, point, .. } => {
            in_expr(network, names) || in_expr(class, names) || in_expr(point, names)
        }
        QueryKind::SignStep { network, point, eps, within, .. } => {
            in_expr(network, names)
                || in_expr(point, names)
                || in_expr(eps, names)
                || within.as_ref().is_some_and(|w| in_expr(w, names))
        }
        QueryKind::Perturbation(p) => {
            in_expr(&p.network, names)
                || in_expr(&p.point, names)
                || matches!(&p.target, syntax::PerturbationTarget::Class(c) if in_expr(c, names))
                || p.within.as_ref().is_some_and(|w| in_expr(w, names))
        }
        QueryKind::Visualization(v) => {
            in_expr(&v.network, names)
                || v.class.as_ref().is_some_and(|c| in_expr(c, names))
                || in_expr(&v.lambda, names)
                || in_expr(&v.point, names)
                || v.within.as_ref().is_some_and(|w| in_expr(w, names))
        }
        QueryKind::ThresholdNeuron(t) | QueryKind::ThresholdNetwork(_, t) => names.contains(&t.name.as_str()),
        QueryKind::ThresholdCensus { .. } => false,
        QueryKind::GradientLimit(g) => {
            g.objective.args.iter().any(|a| in_expr(&a.value, names))
                || in_expr(&g.start, names)
                || g.step.as_ref().is_some_and(|s| in_expr(s, names))
        }
        QueryKind::MinimumNorm(s) => in_expr(&s.lhs, names) || in_expr(&s.rhs, names),
        QueryKind::GradientQuantity(q) => gradient::quantity_uses(q, &|e| in_expr(e, names)),
        QueryKind::Regions(r) => r.networks.iter().any(|n| names.contains(&n.name.as_str())),
        QueryKind::Risk(r) => {
            r.args.iter().any(|a| in_expr(&a.value, names))
                || r.sweep.as_ref().is_some_and(|s| in_expr(&s.from, names) || in_expr(&s.to, names))
        }
    }
}

fn attach_key(e: &syntax::Expect, syntax: &ProblemSyntax, problem: &mut Problem, diagnostics: &mut Vec<Diagnostic>) {
    let name = &e.name.name;
    let known: Vec<String> = problem.finds.iter().map(|f| f.name.clone()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let found_in_syntax = syntax.statements.iter().any(|s| matches!(s, Statement::Find(f) if &f.name.name == name));
    let id = problem.id.clone();
    match problem.finds.iter_mut().find(|f| &f.name == name) {
        Some(f) if f.expect.is_some() => {
            let first = f.expect.as_ref().map_or(e.span, |k| k.span);
            diagnostics.push(
                Diagnostic::error(e.name.span, format!("`{name}` has two keys"))
                    .with_hint_at(first, "the first key is here"),
            );
        }
        Some(f) => f.expect = Some(Key { value: e.value.clone(), span: e.span }),
        // The find itself failed and was reported: one error is enough.
        None if found_in_syntax => {}
        None => {
            let mut d = Diagnostic::error(e.name.span, format!("no `find {name}` in problem `{id}`"))
                .with_label("a key needs a find of the same name");
            if let Some(s) = closest(name, &known) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            } else if !known.is_empty() {
                d = d.with_hint(format!("this problem finds {}", args::quoted_list(&known)));
            }
            diagnostics.push(d);
        }
    }
}

/// `points NAME = 2`: a nonnegative number, once per find.
fn attach_points(p: &syntax::Points, syntax: &ProblemSyntax, problem: &mut Problem, diagnostics: &mut Vec<Diagnostic>) {
    let name = &p.name.name;
    let value = match eval(&p.value, problem) {
        Ok(v) => v,
        Err(d) => return diagnostics.push(d),
    };
    let Some(q) = value.as_rational().filter(|q| !q.is_negative()) else {
        return diagnostics.push(
            Diagnostic::error(p.value.span, format!("points must be a number of at least 0, not {}", value.describe()))
                .with_hint("write `points NAME = 2` or `points NAME = 1/2`"),
        );
    };
    let found_in_syntax = syntax.statements.iter().any(|s| matches!(s, Statement::Find(f) if &f.name.name == name));
    let known: Vec<String> = problem.finds.iter().map(|f| f.name.clone()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let id = problem.id.clone();
    match problem.finds.iter_mut().find(|f| &f.name == name) {
        Some(f) => match f.points.1 {
            Some(first) => diagnostics.push(
                Diagnostic::error(p.name.span, format!("`{name}` has points twice"))
                    .with_hint_at(first, "first given here"),
            ),
            None => f.points = (q, Some(p.span)),
        },
        None if found_in_syntax => {}
        None => {
            let mut d = Diagnostic::error(p.name.span, format!("no `find {name}` in problem `{id}`"))
                .with_label("points are given to a find of the same name");
            if let Some(s) = closest(name, &known) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            diagnostics.push(d);
        }
    }
}

/// The most entries a symbolic tensor (`kernel 64x64x3x3 w`) may have:
/// each is an exact symbol, made when the tensor is declared. 2^20 holds a
/// 64x128x128 input.
pub const MAX_TENSOR_ENTRIES: usize = 1 << 20;

/// The most entries a kernel or input known by its shape alone may have
/// (over [`MAX_TENSOR_ENTRIES`] only `shape` queries can use it): 2^48,
/// so that every size computed from it fits in 64 bits.
pub const MAX_SHAPED_ENTRIES: usize = 1 << 48;

/// The object a declaration makes.
fn declare(l: &syntax::Let, problem: &Problem, files: &DataFiles) -> Result<ObjectKind, Diagnostic> {
    match &l.value {
        Declared::Value(e) => Ok(ObjectKind::Value(eval(e, problem)?)),
        Declared::TruthTable(t) => Ok(ObjectKind::Table(logic::table(t, problem)?)),
        Declared::Network(n) => Ok(ObjectKind::Network(network::elaborate(&l.name, n, problem)?)),
        Declared::Symbolic { kind, shape, symbol } => {
            let role = role_of(kind)?;
            if !role.ranks().contains(&shape.dims.len()) {
                return Err(
                    Diagnostic::error(shape.span, role.wrong_rank(shape.dims.len())).with_hint(role.shape_help())
                );
            }
            if shape.dims.contains(&0) {
                return Err(Diagnostic::error(shape.span, "every dimension must be at least 1"));
            }
            let total = shape.dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            // A kernel or an input too large to write out keeps its shape, for
            // the questions about sizes; anything else needs its entries.
            let sized_only = matches!(role, Role::Kernel | Role::Input)
                && total.is_some_and(|t| t > MAX_TENSOR_ENTRIES && t <= MAX_SHAPED_ENTRIES);
            if total.is_none_or(|t| t > MAX_TENSOR_ENTRIES) && !sized_only {
                let asked = shape.dims.iter().map(|&d| d as u128).try_fold(1u128, |a, d| a.checked_mul(d));
                let asked = asked.map_or_else(|| "more than 2^128".to_string(), |t| t.to_string());
                return Err(Diagnostic::error(
                    shape.span,
                    format!("this tensor has {asked} entries, over the tensor limit of {MAX_TENSOR_ENTRIES}"),
                )
                .with_hint("each entry of a declared tensor is an exact symbol; declare a smaller tensor"));
            }
            if problem.object(&symbol.name).is_some() {
                return Err(Diagnostic::error(symbol.span, format!("`{}` already names a declaration", symbol.name))
                    .with_hint("the entries' symbol must differ from declared names, e.g. `X = input 3x3 x`"));
            }
            if sized_only {
                return Ok(ObjectKind::Tensor(Tensor::unwritten(role, shape.dims.clone(), &symbol.name)));
            }
            Ok(ObjectKind::Tensor(Tensor::symbolic(role, shape.dims.clone(), &symbol.name, &problem.ring)))
        }
        Declared::File { kind, file, tensor } => {
            let role = role_of(kind)?;
            let t = weights::declare(role, file, tensor.as_ref(), files)?;
            Ok(ObjectKind::Tensor(t))
        }
        Declared::Sized { kind, sizes, span, symbol } => sizes::declare(kind, sizes, *span, symbol, problem),
        Declared::Literal { kind, value } => {
            let role = role_of(kind)?;
            let (shape, entries) = literal(value, problem)?;
            if !role.ranks().contains(&shape.len()) {
                return Err(Diagnostic::error(value.span, role.wrong_rank(shape.len())).with_hint(role.shape_help()));
            }
            Ok(ObjectKind::Tensor(Tensor { role, shape, entries, symbol: None, written: true, sizes: None }))
        }
    }
}

fn role_of(kind: &syntax::Ident) -> Result<Role, Diagnostic> {
    Role::from_word(&kind.name).ok_or_else(|| Diagnostic::error(kind.span, format!("unknown kind `{}`", kind.name)))
}

/// The shape and entries of nested lists such as `[[1, 2], [3, 4]]`.
fn literal(e: &Expr, scope: &dyn Scope) -> Result<(Vec<usize>, Vec<crate::algebra::Poly>), Diagnostic> {
    use syntax::ExprKind;
    match &e.kind {
        ExprKind::List(items) => {
            if items.is_empty() {
                return Err(Diagnostic::error(e.span, "an empty list has no shape"));
            }
            let mut shape = None;
            let mut entries = Vec::new();
            for it in items {
                let (s, mut en) = literal(it, scope)?;
                match &shape {
                    None => shape = Some(s),
                    Some(first) if *first != s => {
                        return Err(Diagnostic::error(it.span, "the items of a tensor must all have the same shape")
                            .with_label(format!("this has shape {:?}, the first item {:?}", s, first)));
                    }
                    Some(_) => {}
                }
                entries.append(&mut en);
            }
            let mut s = vec![items.len()];
            s.extend(shape.unwrap_or_default());
            Ok((s, entries))
        }
        _ => {
            let v = eval(e, scope)?;
            let p = v.as_scalar().and_then(|s| s.as_poly().cloned()).ok_or_else(|| {
                Diagnostic::error(e.span, "tensor entries must be numbers or polynomials")
                    .with_label(format!("this is {}", v.describe()))
            })?;
            Ok((Vec::new(), vec![p]))
        }
    }
}

/// The query a find asks.
fn query(q: &syntax::Query, problem: &Problem) -> Result<Query, Diagnostic> {
    match &q.kind {
        QueryKind::Matrix(a) => {
            sizes::refuse_symbolic(a, "matrix", q.span, problem)?;
            let c = conv::elaborate(a, problem)?;
            c.check_matrix_size(q.span)?;
            Ok(Query::Matrix(c))
        }
        QueryKind::Affine(a) => {
            sizes::refuse_symbolic(a, "affine", q.span, problem)?;
            let c = conv::elaborate(a, problem)?;
            c.check_matrix_size(q.span)?;
            Ok(Query::Affine(c))
        }
        QueryKind::Shape(a) if sizes::is_symbolic(a, problem) => {
            Ok(Query::Sizes(Box::new(sizes::elaborate(a, sizes::SizeWhat::Shape, problem)?)))
        }
        QueryKind::Shape(a) => Ok(Query::Shape(conv::elaborate(a, problem)?)),
        QueryKind::Parameters(a) => {
            Ok(Query::Sizes(Box::new(sizes::elaborate(a, sizes::SizeWhat::Parameters, problem)?)))
        }
        QueryKind::Macs(a) => Ok(Query::Sizes(Box::new(sizes::elaborate(a, sizes::SizeWhat::Macs, problem)?))),
        QueryKind::Equivalence(a, b) => {
            sizes::refuse_symbolic(a, "equivalence", q.span, problem)?;
            sizes::refuse_symbolic(b, "equivalence", q.span, problem)?;
            let (x, y) = (conv::elaborate(a, problem)?, conv::elaborate(b, problem)?);
            x.check_matrix_size(q.span)?;
            y.check_matrix_size(q.span)?;
            Ok(Query::Equivalence(Box::new(x), Box::new(y)))
        }
        QueryKind::ThresholdNeuron(t) => Ok(Query::ThresholdNeuron(Box::new(logic::neuron_query(t, problem)?))),
        QueryKind::ThresholdNetwork(net, t) => {
            Ok(Query::ThresholdNetwork(Box::new(logic::network_query(net, t, problem)?)))
        }
        QueryKind::ThresholdCensus { inputs, span } => Ok(Query::ThresholdCensus(logic::census_query(*inputs, *span)?)),
        QueryKind::LinearPiece { network, input, point } => {
            Ok(Query::LinearPiece(Box::new(network::elaborate_piece(network, input, point, q.span, problem)?)))
        }
        QueryKind::Pieces { network } => {
            Ok(Query::Pieces(Box::new(network::elaborate_pieces(network, q.span, problem)?)))
        }
        QueryKind::InputGradient { .. } | QueryKind::Saliency { .. } | QueryKind::SignStep { .. } => {
            Ok(Query::InputGradient(Box::new(input_gradient::elaborate(&q.kind, q.span, problem)?)))
        }
        QueryKind::Perturbation(p) => Ok(Query::Perturbation(Box::new(perturbation::elaborate(p, q.span, problem)?))),
        QueryKind::Visualization(v) => {
            Ok(Query::Visualization(Box::new(visualization::elaborate(v, q.span, problem)?)))
        }
        QueryKind::GradientLimit(g) => {
            Ok(Query::GradientLimit(Box::new(gradient::gradient_limit(g, q.span, problem)?)))
        }
        QueryKind::MinimumNorm(s) => Ok(Query::MinimumNorm(Box::new(gradient::minimum_norm(s, q.span, problem)?))),
        QueryKind::GradientQuantity(g) => {
            Ok(Query::GradientQuantity(Box::new(gradient::quantity(g, q.span, problem)?)))
        }
        QueryKind::Regions(r) => Ok(Query::Regions(Box::new(regions::elaborate(r, q.span, problem)?))),
        QueryKind::Risk(r) => Ok(Query::Risk(Box::new(risk::elaborate(r, q.span, problem)?))),
    }
}
