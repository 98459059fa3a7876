//! The data of a question as a student sees it: the objects a problem
//! `show`s (kernels, inputs, matrices, values, truth tables, networks), as
//! explanation blocks any format can print.

use crate::derive::explain::{self, Block, Table};
use crate::language::math::{Fence, Func, Math, Prose, Rel};
use crate::language::syntax::{BinOp, Expr, ExprKind, LayerSyntax, Size};
use crate::model::logic::{TruthTable, input_bit};
use crate::model::network::{Activation, Layer, Network};
use crate::model::{Object, ObjectKind, Problem, Tensor};

use super::limits::SHOWN_ENTRIES;

/// The problem's `show`n objects, in order, each with the blocks that
/// show it.
pub fn shown(problem: &Problem) -> Vec<(&str, Vec<Block>)> {
    problem.shown.iter().filter_map(|(name, _)| problem.object(name)).map(|o| (o.name.as_str(), object(o))).collect()
}

fn object(o: &Object) -> Vec<Block> {
    let name = Math::name(&o.name);
    match &o.kind {
        ObjectKind::Tensor(t) => tensor(name, t),
        ObjectKind::Value(v) => match super::limits::too_large(v) {
            // `M = I(30000)`: described, never written out.
            Some(why) => {
                let mut p = Prose::default();
                p.push_math(name);
                p.push_text(&format!(" is {why}."));
                vec![Block::Prose(p)]
            }
            None => vec![Block::Display(name.equals(explain::value(v)))],
        },
        ObjectKind::Table(t) => vec![table(&o.name, t)],
        ObjectKind::Network(n) => network(n),
    }
}

fn tensor(name: Math, t: &Tensor) -> Vec<Block> {
    let total: usize = t.shape.iter().product();
    if total > SHOWN_ENTRIES || !t.written {
        let shape: Vec<String> = match &t.sizes {
            Some(sizes) => sizes.iter().map(|d| d.text.clone()).collect(),
            None => t.shape.iter().map(|d| d.to_string()).collect(),
        };
        let mut p = Prose::default();
        p.push_math(name);
        p.push_text(&format!(" is a {} {}", shape.join("×"), t.role.noun()));
        if let Some(s) = &t.symbol {
            p.push_text(" of symbols ");
            p.0.push(crate::language::math::Inline::Code(format!("{s}[…]")));
        }
        p.push_text(".");
        return vec![Block::Prose(p)];
    }
    let slice = |start: usize, rows: usize, cols: usize| -> Math {
        Math::Matrix(
            (0..rows)
                .map(|r| (0..cols).map(|c| Math::Poly(t.entries[start + r * cols + c].clone())).collect())
                .collect(),
        )
    };
    match t.shape[..] {
        [n] => vec![Block::Display(name.equals(slice(0, n, 1)))],
        [r, c] => vec![Block::Display(name.equals(slice(0, r, c)))],
        [ch, r, c] => (0..ch)
            .map(|k| {
                Block::Display(Math::Entry(Box::new(name.clone()), vec![Math::int(k as i64)]).equals(slice(
                    k * r * c,
                    r,
                    c,
                )))
            })
            .collect(),
        [o, i, r, c] if r * c == 1 => {
            // One-by-one kernels read best as a list of their weights.
            let items = (0..o * i).map(|k| Math::Poly(t.entries[k].clone())).collect();
            vec![Block::Display(name.equals(Math::Seq(Fence::Paren, items)))]
        }
        [o, i, r, c] => (0..o * i)
            .map(|k| {
                let idx = vec![Math::int((k / i) as i64), Math::int((k % i) as i64)];
                Block::Display(Math::Entry(Box::new(name.clone()), idx).equals(slice(k * r * c, r, c)))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn table(name: &str, t: &TruthTable) -> Block {
    let n = t.inputs.len();
    let mut header: Vec<Prose> = t.inputs.iter().map(|i| math_prose(Math::name(i))).collect();
    header.push(math_prose(Math::Apply(Func::Named(name.to_string()), t.inputs.iter().map(Math::name).collect())));
    let rows = (0..t.outputs.len())
        .map(|r| {
            let mut cells: Vec<Prose> =
                (0..n).map(|i| Prose::text(if input_bit(n, r, i) { "1" } else { "0" })).collect();
            cells.push(Prose::text(if t.outputs[r] { "1" } else { "0" }));
            cells
        })
        .collect();
    Block::Table(Table { header, rows })
}

fn math_prose(m: Math) -> Prose {
    let mut p = Prose::default();
    p.push_math(m);
    p
}

/// A network: its layers, each dense layer with its weight and bias.
fn network(n: &Network) -> Vec<Block> {
    let x = Math::name(&n.input);
    let dim = match &n.dim {
        Size::Number(d, _) => Math::int(*d as i64),
        Size::Symbol(id) => Math::name(&id.name),
    };
    let mut intro = Prose::default();
    intro.push_math(Math::name(&n.name));
    intro.push_text(" takes ");
    intro.push_math(x.relate(Rel::In, Math::Constant(crate::language::math::Constant::Reals).sup(dim)));
    intro.push_text(" through these layers, in order:");
    let mut blocks = vec![Block::Prose(intro)];
    let mut items = Vec::new();
    match &n.concrete {
        Some(c) => {
            let mut k = 0;
            for l in &c.layers {
                match l {
                    Layer::Dense(d) => {
                        k += 1;
                        let mut p = Prose::text("dense: ");
                        p.push_math(Math::name(format!("W{k}")).equals(explain::matrix(&d.weight)));
                        p.push_text(", ");
                        let bias = crate::algebra::Matrix::column(d.bias.clone());
                        p.push_math(Math::name(format!("b{k}")).equals(explain::matrix(&bias)));
                        items.push(p);
                    }
                    Layer::Activation { activation, .. } => items.push(activation_prose(activation)),
                }
            }
        }
        None => items.extend(n.body.iter().map(layer_syntax)),
    }
    blocks.push(Block::Items(items));
    blocks
}

fn activation_prose(a: &Activation) -> Prose {
    match a {
        Activation::LeakyRelu(alpha) => {
            let mut p = Prose::text("leaky ReLU with slope ");
            p.push_math(Math::Ratio(alpha.clone()));
            p.push_text(" below 0");
            p
        }
        Activation::Relu => Prose::text("ReLU, applied to each unit"),
        Activation::Abs => Prose::text("absolute value, applied to each unit"),
        Activation::Identity => Prose::text("identity"),
    }
}

/// A layer as written, for networks whose sizes are symbols.
fn layer_syntax(l: &LayerSyntax) -> Prose {
    match l {
        LayerSyntax::Dense { weight, bias, .. } => {
            let mut p = Prose::text("dense: ");
            let wx = Math::Product(vec![expr(weight), Math::name("x")]);
            let m = match bias {
                Some(b) => Math::Sum(vec![
                    (crate::language::math::Sign::Plus, wx),
                    (crate::language::math::Sign::Plus, expr(b)),
                ]),
                None => wx,
            };
            p.push_math(m);
            p
        }
        LayerSyntax::Activation { name, args, .. } => match name.name.as_str() {
            "relu" => Prose::text("ReLU, applied to each unit"),
            "abs" => Prose::text("absolute value, applied to each unit"),
            "identity" => Prose::text("identity"),
            other => {
                let mut p = Prose::default();
                p.push_math(Math::apply(other, args.iter().map(expr).collect()));
                p
            }
        },
        LayerSyntax::Image { op, bias, .. } => {
            let mut p = Prose::default();
            p.push_math(match bias {
                Some(b) => Math::Sum(vec![
                    (crate::language::math::Sign::Plus, expr(op)),
                    (crate::language::math::Sign::Plus, expr(b)),
                ]),
                None => expr(op),
            });
            p
        }
        LayerSyntax::Repeat { count, layers, .. } => {
            let mut p = Prose::text("repeated ");
            p.push_math(match count {
                Size::Number(n, _) => Math::int(*n as i64),
                Size::Symbol(id) => Math::name(&id.name),
            });
            p.push_text(" times: ");
            for (k, inner) in layers.iter().enumerate() {
                if k > 0 {
                    p.push_text("; then ");
                }
                p.0.extend(layer_syntax(inner).0);
            }
            p
        }
    }
}

/// A chain of sums (`a + b - c`) or of products (`a b c`) as one formula
/// with every term, read in a loop: the chain is as deep as it is long.
fn chain(e: &Expr, op: BinOp) -> Math {
    use crate::language::math::Sign;
    let sum = op != BinOp::Mul;
    let joins = |o: BinOp| if sum { matches!(o, BinOp::Add | BinOp::Sub) } else { o == BinOp::Mul };
    let mut rights = Vec::new();
    let mut first = e;
    while let ExprKind::Binary(o, a, b) = &first.kind
        && joins(*o)
    {
        rights.push((*o, b.as_ref()));
        first = a;
    }
    let terms = std::iter::once((BinOp::Add, first)).chain(rights.into_iter().rev());
    if sum {
        Math::Sum(terms.map(|(o, t)| (if o == BinOp::Sub { Sign::Minus } else { Sign::Plus }, expr(t))).collect())
    } else {
        Math::Product(terms.map(|(_, t)| expr(t)).collect())
    }
}

/// An expression of the problem language as a formula, as written.
pub fn expr(e: &Expr) -> Math {
    match &e.kind {
        ExprKind::Number(q) => Math::Number(q.clone()),
        ExprKind::Name(n) => Math::name(n),
        ExprKind::Str(s) => Math::Text(s.clone()),
        ExprKind::Neg(a) => Math::Neg(Box::new(expr(a))),
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), ..) => chain(e, *op),
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (expr(a), expr(b));
            match op {
                BinOp::Add => {
                    Math::Sum(vec![(crate::language::math::Sign::Plus, a), (crate::language::math::Sign::Plus, b)])
                }
                BinOp::Sub => {
                    Math::Sum(vec![(crate::language::math::Sign::Plus, a), (crate::language::math::Sign::Minus, b)])
                }
                BinOp::Mul => Math::Product(vec![a, b]),
                // -1/3 reads as minus a third, not as a quotient of (-1).
                BinOp::Div => match a {
                    Math::Neg(x) => Math::Neg(Box::new(Math::Frac(x, Box::new(b)))),
                    Math::Number(q) if q.signum() < 0 => {
                        Math::Neg(Box::new(Math::Frac(Box::new(Math::Number(-q)), Box::new(b))))
                    }
                    a => Math::Frac(Box::new(a), Box::new(b)),
                },
                BinOp::Pow => match &b {
                    Math::Name(t) if t == "T" => Math::Transpose(Box::new(a)),
                    Math::Neg(x) if matches!(x.as_ref(), Math::Number(q) if q.is_one()) => Math::Inverse(Box::new(a)),
                    _ => a.sup(b),
                },
            }
        }
        ExprKind::Index(base, idx) => {
            let ints: Option<Vec<i64>> = idx
                .iter()
                .map(|i| match &i.kind {
                    ExprKind::Number(q) => q.to_i64(),
                    _ => None,
                })
                .collect();
            match (&base.kind, ints) {
                (ExprKind::Name(n), Some(ints)) => Math::Symbol(crate::algebra::Symbol::indexed(n, &ints)),
                _ => Math::Entry(Box::new(expr(base)), idx.iter().map(expr).collect()),
            }
        }
        ExprKind::Call(f, args) => {
            // A named argument keeps its name: `max_pool2d(2, stride: 1)`.
            let args: Vec<Math> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => Math::Product(vec![Math::Text(format!("{}:", n.name)), expr(&a.value)]),
                    None => expr(&a.value),
                })
                .collect();
            match &f.kind {
                ExprKind::Name(n) if n == "I" && args.len() == 1 => Math::name("I").sub(args[0].clone()),
                ExprKind::Name(n) => Math::apply(n.clone(), args),
                _ => Math::Apply(Func::Named(String::new()), std::iter::once(expr(f)).chain(args).collect()),
            }
        }
        ExprKind::List(items) => {
            let inner: Vec<Math> = items.iter().map(expr).collect();
            let rows: Option<Vec<Vec<Math>>> = inner
                .iter()
                .map(|i| match i {
                    Math::Matrix(r) if r.iter().all(|x| x.len() == 1) => Some(r.iter().map(|x| x[0].clone()).collect()),
                    _ => None,
                })
                .collect();
            match rows {
                Some(rows) if !rows.is_empty() => Math::Matrix(rows),
                _ => Math::column(inner),
            }
        }
        ExprKind::Tuple(items) => Math::Seq(Fence::Paren, items.iter().map(expr).collect()),
        ExprKind::Record(fields) => {
            Math::Record(fields.iter().map(|f| (f.name.name.clone(), expr(&f.value))).collect())
        }
        ExprKind::Maps(a, b) => Math::Relation(Box::new(expr(a)), vec![(Rel::MapsTo, expr(b))]),
    }
}
