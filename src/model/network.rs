//! Networks: an input of some dimension and a stack of layers, each a
//! dense affine map `W x + b` or an activation applied unit by unit.
//!
//! A declaration is checked in two stages. Its structure (which layers are
//! activations, how many arguments they take, what the repeat counts are)
//! is checked when it is declared. Its weights are evaluated and its shapes
//! checked when every size is a number: at once for `network (x: 2) { … }`,
//! and for `network (x: d) repeat L { … }` when a query instantiates d and L
//! ([`Network::instantiate`]). A size may also name a number declared in the
//! problem (`d = 3`).
//!
//! **Conventions.** A dense layer's weight is a matrix with one row per
//! output unit and one column per input value; a scalar weight is a 1×1
//! matrix. A bias is a vector with one entry per row, or a scalar that is
//! added to every unit (`2*I(d) + -1` subtracts 1 from each). Every
//! activation is piecewise linear with one kink at 0: `relu` (slope 0 then
//! 1), `abs` (−1 then 1), `leaky_relu(α)` (α then 1) and `identity` (no kink).

use crate::algebra::{Matrix, Q, RatFunc};
use crate::language::syntax::{Expr, Ident, LayerSyntax, NetworkSyntax, Size};
use crate::language::{Diagnostic, Span};

use super::args::{closest, quoted_list};
use super::image::{Shape, Stage, Staged};
use super::value::{Binding, Scope, Value, eval};

/// Most layers an unrolled network may have.
const MAX_LAYERS: usize = 10_000;
/// Most units a layer may have.
const MAX_WIDTH: usize = 4096;
/// Most weight entries a whole network may have: 2^20, a 1024×1024 layer
/// (about 110 MB of exact entries; 2^24 entries took 1.8 GB).
const MAX_ENTRIES: usize = 1 << 20;
/// Most binary digits of a weight or bias entry (about 1 000 decimal
/// digits): the derivations multiply entries layer by layer, so their work
/// grows with these digits.
pub const MAX_WEIGHT_BITS: u64 = 3_322;

/// The activations nnkey knows, for messages and suggestions.
pub const ACTIVATIONS: &[&str] = &["relu", "abs", "leaky_relu", "identity"];

/// An activation, applied to every unit of the layer before it.
#[derive(Clone, Debug, PartialEq)]
pub enum Activation {
    Relu,
    Abs,
    Identity,
    /// `leaky_relu(α)`: αz for z < 0, z for z ≥ 0.
    LeakyRelu(RatFunc),
}

impl Activation {
    /// The slope for negative inputs; every activation has slope 1 for
    /// positive inputs.
    pub fn negative_slope(&self) -> RatFunc {
        match self {
            Activation::Relu => RatFunc::zero(),
            Activation::Abs => RatFunc::constant(Q::from_int(-1)),
            Activation::Identity => RatFunc::one(),
            Activation::LeakyRelu(a) => a.clone(),
        }
    }

    /// Whether the two slopes differ, so that the activation bends at 0.
    pub fn has_kink(&self) -> bool {
        !self.negative_slope().as_constant().is_some_and(|q| q.is_one())
    }

    pub fn word(&self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Abs => "abs",
            Activation::Identity => "identity",
            Activation::LeakyRelu(_) => "leaky_relu",
        }
    }
}

/// A dense layer `W x + b`.
#[derive(Clone, Debug)]
pub struct Dense {
    /// One row per output unit, one column per input value.
    pub weight: Matrix<RatFunc>,
    pub bias: Vec<RatFunc>,
    /// Which dense layer this is, counting from 1 (W1, b1, …).
    pub index: usize,
    pub span: Span,
}

/// A layer of an instantiated network.
#[derive(Clone, Debug)]
pub enum Layer {
    Dense(Dense),
    Activation { activation: Activation, span: Span },
}

/// A network with every size a number and every weight evaluated: the
/// layers in order, repeats unrolled.
#[derive(Clone, Debug)]
pub struct Concrete {
    pub input_dim: usize,
    pub layers: Vec<Layer>,
}

impl Concrete {
    /// How many values the network outputs.
    pub fn output_dim(&self) -> usize {
        self.layers
            .iter()
            .rev()
            .find_map(|l| match l {
                Layer::Dense(d) => Some(d.weight.rows()),
                Layer::Activation { .. } => None,
            })
            .unwrap_or(self.input_dim)
    }

    /// The first layer with an entry that is not a number, if any.
    pub fn first_symbolic(&self) -> Option<Span> {
        self.layers.iter().find_map(|l| {
            let numeric = match l {
                Layer::Dense(d) => d.weight.entries().iter().chain(&d.bias).all(|e| e.as_constant().is_some()),
                Layer::Activation { activation, .. } => activation.negative_slope().as_constant().is_some(),
            };
            let span = match l {
                Layer::Dense(d) => d.span,
                Layer::Activation { span, .. } => *span,
            };
            (!numeric).then_some(span)
        })
    }

    /// The layers in short: `dense 2×1, relu, dense 1×2`.
    pub fn outline(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut k = 0;
        while k < self.layers.len() {
            // Runs of the same layer read better counted: `(dense 64×64, relu) ×3`.
            let text = |l: &Layer| match l {
                Layer::Dense(d) => format!("dense {}×{}", d.weight.rows(), d.weight.cols()),
                Layer::Activation { activation: Activation::LeakyRelu(a), .. } => match a.as_constant() {
                    Some(q) => format!("leaky_relu({q})"),
                    None => "leaky_relu(α)".to_string(),
                },
                Layer::Activation { activation, .. } => activation.word().to_string(),
            };
            let pair = if k + 1 < self.layers.len() {
                Some(format!("{}, {}", text(&self.layers[k]), text(&self.layers[k + 1])))
            } else {
                None
            };
            let mut times = 1;
            if let Some(p) = &pair {
                while k + 2 * times + 1 < self.layers.len()
                    && format!("{}, {}", text(&self.layers[k + 2 * times]), text(&self.layers[k + 2 * times + 1])) == *p
                {
                    times += 1;
                }
            }
            if times > 1 {
                parts.push(format!("({}) ×{times}", pair.unwrap_or_default()));
                k += 2 * times;
            } else {
                parts.push(text(&self.layers[k]));
                k += 1;
            }
        }
        if parts.is_empty() { "no layers (the identity map)".to_string() } else { parts.join(", ") }
    }
}

/// A declared network.
#[derive(Clone, Debug)]
pub struct Network {
    pub name: String,
    /// The input's name, `x` in `(x: 1)`.
    pub input: String,
    pub input_span: Span,
    /// The input dimension as written (for an image, its c·h·w values).
    pub dim: Size,
    /// The input's shape (c, h, w) when it is an image.
    pub image: Option<Vec<usize>>,
    /// The layers as written, structure checked.
    pub body: Vec<LayerSyntax>,
    pub span: Span,
    /// The instantiated network, when every size is a number and every
    /// layer is dense or an activation.
    pub concrete: Option<Concrete>,
    /// The instantiated network with its shapes, when every size is a
    /// number; the only form of a network with layers on images.
    pub staged: Option<Staged>,
}

impl Network {
    /// The symbolic sizes still to be given (`d`, `L`), each once, with
    /// where it first appears.
    pub fn symbols(&self) -> Vec<(String, Span)> {
        let mut out: Vec<(String, Span)> = Vec::new();
        let mut add = |s: &Size| {
            if let Size::Symbol(id) = s
                && !out.iter().any(|o| o.0 == id.name)
            {
                out.push((id.name.clone(), id.span));
            }
        };
        add(&self.dim);
        fn walk(layers: &[LayerSyntax], add: &mut dyn FnMut(&Size)) {
            for l in layers {
                if let LayerSyntax::Repeat { count, layers, .. } = l {
                    add(count);
                    walk(layers, add);
                }
            }
        }
        walk(&self.body, &mut add);
        out
    }

    /// The instantiated network for a query that needs every size to be a
    /// number; otherwise an error at the first symbolic size.
    pub fn require_concrete(&self, query: &str, query_span: Span) -> Result<&Concrete, Diagnostic> {
        if let Some(c) = &self.concrete {
            return Ok(c);
        }
        if let Some(staged) = &self.staged {
            let first = staged.stages.iter().find(|(s, _)| !matches!(s, Stage::Dense(_) | Stage::Activation { .. }));
            let mut d = Diagnostic::error(
                query_span,
                format!(
                    "`{query}` works on networks of dense layers and activations; `{}` has layers on images",
                    self.name
                ),
            );
            if let Some((s, _)) = first {
                d = d.with_hint_at(s.span(), format!("`{}` here", s.word()));
            }
            return Err(d.with_hint(format!(
                "ask for its gradient at a point instead: `input gradient of {}[0] at {} = X`",
                self.name, self.input
            )));
        }
        let symbols = self.symbols();
        let (name, span) = symbols.first().cloned().unwrap_or_else(|| (String::from("?"), self.span));
        let what = if self.dim.span() == span { "the input dimension" } else { "the repeat count" };
        Err(Diagnostic::error(span, format!("`{query}` needs a number here: {what} `{name}` is a symbol"))
            .with_label("needs a number here")
            .with_hint_at(query_span, format!("`{query}` works on a network whose sizes are all numbers"))
            .with_hint(format!(
                "declare the size as a number (`network ({}: 2) …`), or declare `{name} = 2` in the problem",
                self.input
            )))
    }

    /// Instantiates the network with the symbolic sizes given numbers
    /// (`[("d", 3), ("L", 4)]`): evaluates the weights with those values
    /// bound (so `I(d)` is the 3×3 identity) and checks every shape.
    pub fn instantiate(&self, values: &[(&str, i64)], scope: &dyn Scope) -> Result<Concrete, Diagnostic> {
        let (concrete, staged) = self.instantiate_staged(values, scope)?;
        match concrete {
            Some(c) => Ok(c),
            None => {
                let span = staged
                    .stages
                    .iter()
                    .find(|(s, _)| !matches!(s, Stage::Dense(_) | Stage::Activation { .. }))
                    .map_or(self.span, |(s, _)| s.span());
                Err(Diagnostic::error(span, "this query works on networks of dense layers and activations")
                    .with_label("a layer on images"))
            }
        }
    }

    /// Instantiates the network as [`Network::instantiate`] does, with its
    /// shapes: the dense form too when every layer is dense or an
    /// activation.
    pub fn instantiate_staged(
        &self,
        values: &[(&str, i64)],
        scope: &dyn Scope,
    ) -> Result<(Option<Concrete>, Staged), Diagnostic> {
        let bound =
            Bound { values: values.iter().map(|(k, v)| (k.to_string(), Value::int(*v))).collect(), inner: scope };
        let input_dim = resolve(&self.dim, &bound, "the input dimension", 1)?;
        if input_dim > MAX_WIDTH {
            return Err(Diagnostic::error(
                self.dim.span(),
                format!("inputs of more than {MAX_WIDTH} values are not supported"),
            ));
        }
        let input_shape = match &self.image {
            Some(dims) => Shape::Image([dims[0], dims[1], dims[2]]),
            None => Shape::Flat(input_dim),
        };
        let mut b = Builder {
            scope: &bound,
            layers: Vec::new(),
            stages: Vec::new(),
            shape: input_shape,
            input: &self.input,
            width: input_dim,
            producer: (
                self.input_span.join(self.dim.span()),
                match input_shape {
                    Shape::Image([c, h, w]) => format!("the input `{}` is a {c}x{h}x{w} image", self.input),
                    Shape::Flat(_) => format!("the input `{}` has {input_dim} values", self.input),
                },
            ),
            dense_count: 0,
            entries: 0,
        };
        b.layers(&self.body, None)?;
        let staged = Staged { input: input_shape, stages: b.stages };
        let concrete =
            (!staged.has_image_layers() && self.image.is_none()).then_some(Concrete { input_dim, layers: b.layers });
        Ok((concrete, staged))
    }
}

/// A scope with some names bound to numbers, on top of a problem's scope.
struct Bound<'a> {
    values: Vec<(String, Value)>,
    inner: &'a dyn Scope,
}

impl Scope for Bound<'_> {
    fn ring(&self) -> &crate::algebra::Ring {
        self.inner.ring()
    }
    fn binding(&self, name: &str) -> Option<Binding<'_>> {
        match self.values.iter().find(|v| v.0 == name) {
            Some((_, v)) => Some(Binding::Value(v)),
            None => self.inner.binding(name),
        }
    }
}

/// A size's value: a number, a bound symbol, or a number declared in the
/// problem.
fn resolve(size: &Size, scope: &dyn Scope, what: &str, min: usize) -> Result<usize, Diagnostic> {
    let n = match size {
        Size::Number(n, _) => *n as i64,
        Size::Symbol(id) => match scope.binding(&id.name) {
            Some(Binding::Value(v)) => v.as_int().ok_or_else(|| {
                Diagnostic::error(id.span, format!("{what} must be a whole number")).with_label(format!(
                    "`{}` is {}",
                    id.name,
                    v.describe()
                ))
            })?,
            Some(_) => {
                return Err(Diagnostic::error(id.span, format!("{what} must be a number"))
                    .with_label(format!("`{}` is not a number", id.name)));
            }
            None => {
                return Err(Diagnostic::error(id.span, format!("{what} `{}` is a symbol without a value", id.name))
                    .with_label("needs a number here"));
            }
        },
    };
    let largest = crate::language::parser::LARGEST_SIZE as i64;
    if n < min as i64 {
        return Err(Diagnostic::error(size.span(), format!("{what} must be at least {min}, not {n}"))
            .with_label(format!("{what} {n}")));
    }
    if n > largest {
        return Err(Diagnostic::error(size.span(), format!("{what} is {n}, above the limit of {largest}"))
            .with_label(format!("at most {largest}")));
    }
    Ok(n as usize)
}

/// Unrolls a body into layers, tracking the width between layers.
struct Builder<'a> {
    scope: &'a dyn Scope,
    layers: Vec<Layer>,
    /// Every layer with the shape it gives, image layers included.
    stages: Vec<(Stage, Shape)>,
    shape: Shape,
    /// The network's input name, for messages.
    input: &'a str,
    width: usize,
    /// What produced the current width, for messages: a span and a phrase.
    producer: (Span, String),
    dense_count: usize,
    entries: usize,
}

impl Builder<'_> {
    /// `repetition` is (k, n, span of the repeat) inside the k-th of n
    /// repetitions, for messages.
    fn layers(&mut self, body: &[LayerSyntax], repetition: Option<(usize, usize, Span)>) -> Result<(), Diagnostic> {
        for l in body {
            if self.layers.len() >= MAX_LAYERS {
                return Err(Diagnostic::error(
                    l.span(),
                    format!("networks of more than {MAX_LAYERS} layers are not supported"),
                ));
            }
            match l {
                LayerSyntax::Dense { weight, bias, span } => {
                    if let Shape::Image([c, h, w]) = self.shape {
                        return Err(Diagnostic::error(
                            *span,
                            format!("a dense layer reads a vector, but the layer before gives a {c}x{h}x{w} image"),
                        )
                        .with_label("needs a vector")
                        .with_hint_at(self.producer.0, self.producer.1.clone())
                        .with_hint(
                            "put `flatten` before the dense layer: it reads the image row-major, as PyTorch does",
                        ));
                    }
                    let d = self.dense(weight, bias.as_ref(), *span, repetition)?;
                    self.width = d.weight.rows();
                    self.shape = Shape::Flat(self.width);
                    self.producer = (*span, format!("this layer gives {} values", self.width));
                    self.stages.push((Stage::Dense(d.clone()), self.shape));
                    self.layers.push(Layer::Dense(d));
                }
                LayerSyntax::Activation { name, args, span } => {
                    let activation = activation(name, args, self.scope)?;
                    self.stages.push((Stage::Activation { activation: activation.clone(), span: *span }, self.shape));
                    self.layers.push(Layer::Activation { activation, span: *span });
                }
                LayerSyntax::Image { op, bias, span } => {
                    let producer = super::image::Producer {
                        span: self.producer.0,
                        phrase: &self.producer.1,
                        input: self.stages.is_empty().then_some(self.input),
                    };
                    let (stage, shape) =
                        super::image::stage(op, bias.as_ref(), *span, self.shape, &producer, self.scope)?;
                    self.shape = shape;
                    self.width = shape.len();
                    self.producer = (
                        *span,
                        match shape {
                            Shape::Flat(n) => format!("this layer gives {n} values"),
                            Shape::Image([c, h, w]) => format!("this layer gives a {c}x{h}x{w} image"),
                        },
                    );
                    self.stages.push((stage, shape));
                }
                LayerSyntax::Repeat { count, layers, span } => {
                    let n = resolve(count, self.scope, "the repeat count", 1)?;
                    for k in 0..n {
                        self.layers(layers, Some((k + 1, n, *span)))?;
                        if self.layers.len() >= MAX_LAYERS {
                            return Err(Diagnostic::error(
                                *span,
                                format!("networks of more than {MAX_LAYERS} layers are not supported"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn dense(
        &mut self,
        weight: &Expr,
        bias: Option<&Expr>,
        span: Span,
        repetition: Option<(usize, usize, Span)>,
    ) -> Result<Dense, Diagnostic> {
        let in_repeat = |d: Diagnostic| match repetition {
            Some((k, n, s)) if n > 1 => d.with_hint_at(s, format!("in repetition {k} of {n}")),
            _ => d,
        };
        let w = eval(weight, self.scope)?;
        if let Value::Sparse(m) = &w
            && self.entries.saturating_add(m.rows().saturating_mul(m.cols())) > MAX_ENTRIES
        {
            return Err(Diagnostic::error(
                weight.span,
                format!(
                    "this network has too many weights: this {}×{} weight alone has {} entries",
                    m.rows(),
                    m.cols(),
                    m.rows().saturating_mul(m.cols())
                ),
            )
            .with_hint(format!("nnkey handles networks of up to {MAX_ENTRIES} weights (the limit)")));
        }
        let w = match &w {
            Value::Scalar(_) | Value::Matrix(_) | Value::Sparse(_) => w.as_matrix().expect("a matrix or a scalar"),
            other => {
                return Err(Diagnostic::error(weight.span, "a weight must be a matrix")
                    .with_label(format!("this is {}", other.describe()))
                    .with_hint("write the rows: `dense [[1, 2], [3, 4]] + [0, 0]`"));
            }
        };
        if w.rows() == 0 || w.cols() == 0 {
            return Err(Diagnostic::error(weight.span, "a weight needs at least one row and one column"));
        }
        if w.rows() > MAX_WIDTH {
            return Err(Diagnostic::error(
                weight.span,
                format!("layers of more than {MAX_WIDTH} units are not supported"),
            ));
        }
        if w.cols() != self.width {
            let rows = w.rows();
            let d = Diagnostic::error(
                weight.span,
                format!(
                    "this weight has {} but the layer before gives {} values",
                    plural(w.cols(), "column"),
                    self.width
                ),
            )
            .with_label(format!("{rows}×{} matrix", w.cols()))
            .with_hint_at(self.producer.0, self.producer.1.clone())
            .with_hint(format!(
                "a weight has one row per unit and one column per input value: here {rows}×{}",
                self.width
            ));
            // `dense [1, 1]` meant one unit reading both values.
            let d = if w.cols() == 1 && rows == self.width {
                d.with_hint(format!(
                    "a vector is a column; one unit reading the {rows} values is one row, written in double brackets: `[[…]]`, e.g. `[[{}]]`",
                    vec!["1"; rows.min(4)].join(", ") + if rows > 4 { ", …" } else { "" }
                ))
            } else {
                d
            };
            return Err(in_repeat(d));
        }
        self.entries += w.rows() * w.cols();
        if self.entries > MAX_ENTRIES {
            return Err(Diagnostic::error(weight.span, format!("this network has too many weights: {}", self.entries))
                .with_hint(format!("nnkey handles networks of up to {MAX_ENTRIES} weights (the limit)")));
        }
        number_budget(w.entries(), weight.span)?;
        let rows = w.rows();
        let b = match bias {
            None => vec![RatFunc::zero(); rows],
            Some(e) => {
                let v = eval(e, self.scope)?;
                // A sparse matrix (`I(4096)`) is no bias; it is never made dense.
                if let Value::Matrix(m) = &v
                    && m.rows() * m.cols() <= MAX_WIDTH
                {
                    number_budget(m.entries(), e.span)?;
                }
                match &v {
                    Value::Scalar(s) => vec![s.clone(); rows],
                    Value::Matrix(m) if m.cols() == 1 || m.rows() == 1 => {
                        let items = m.entries().to_vec();
                        if items.len() != rows {
                            let d = Diagnostic::error(
                                e.span,
                                format!(
                                    "the bias has {} but the weight has {}",
                                    plural(items.len(), "entry"),
                                    plural(rows, "row")
                                ),
                            )
                            .with_label(format!("{} entries", items.len()))
                            .with_hint_at(weight.span, format!("{rows}×{} weight", w.cols()))
                            .with_hint(
                                "a bias has one entry per row of the weight, or is one number added to every unit",
                            );
                            return Err(in_repeat(d));
                        }
                        items
                    }
                    other => {
                        return Err(Diagnostic::error(e.span, "a bias must be a vector or a number")
                            .with_label(format!("this is {}", other.describe())));
                    }
                }
            }
        };
        self.dense_count += 1;
        Ok(Dense { weight: w, bias: b, index: self.dense_count, span })
    }
}

/// "1 column", "3 columns"; "1 entry", "2 entries".
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// Checks an activation's name and arity; evaluates `leaky_relu`'s slope.
fn activation(name: &Ident, args: &[Expr], scope: &dyn Scope) -> Result<Activation, Diagnostic> {
    let no_args = |a: Activation| -> Result<Activation, Diagnostic> {
        match args.first() {
            Some(e) => Err(Diagnostic::error(e.span, format!("`{}` takes no arguments", name.name))
                .with_hint(format!("write `{}` alone", name.name))),
            None => Ok(a),
        }
    };
    match name.name.as_str() {
        "relu" => no_args(Activation::Relu),
        "abs" => no_args(Activation::Abs),
        "identity" => no_args(Activation::Identity),
        "leaky_relu" => {
            let [slope] = args else {
                return Err(Diagnostic::error(name.span, "`leaky_relu` takes one slope")
                    .with_hint("write `leaky_relu(0.1)`: 0.1·z below 0, z above"));
            };
            let v = eval(slope, scope)?;
            match v.as_scalar() {
                Some(a) if matches!(v, Value::Scalar(_)) => Ok(Activation::LeakyRelu(a)),
                _ => Err(Diagnostic::error(slope.span, "the slope of `leaky_relu` must be a number")
                    .with_label(format!("this is {}", v.describe()))),
            }
        }
        other => {
            let mut d = Diagnostic::error(name.span, format!("unknown layer `{other}`"))
                .with_label("not an activation")
                .with_hint(format!("activations are {}; dense layers read `dense W + b`", quoted_list(ACTIVATIONS)));
            if let Some(s) = closest(other, &[ACTIVATIONS, &["dense", "repeat"]].concat()) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            Err(d)
        }
    }
}

/// Checks the structure of a body: activation names and arities (their
/// arguments are evaluated only on instantiation), and that repeat counts
/// are at least 1.
fn check_structure(body: &[LayerSyntax], scope: &dyn Scope) -> Result<(), Diagnostic> {
    for l in body {
        match l {
            LayerSyntax::Dense { .. } | LayerSyntax::Image { .. } => {}
            LayerSyntax::Activation { name, args, .. } => {
                if !ACTIVATIONS.contains(&name.name.as_str()) || args.len() != usize::from(name.name == "leaky_relu") {
                    activation(name, args, scope)?;
                }
            }
            LayerSyntax::Repeat { count, layers, .. } => {
                if let Size::Number(n, span) = count
                    && *n == 0
                {
                    return Err(
                        Diagnostic::error(*span, "a repeat count must be at least 1").with_label("repeats nothing")
                    );
                }
                check_structure(layers, scope)?;
            }
        }
    }
    Ok(())
}

/// Whether a size is a number, or names a number declared in the problem.
fn is_known(size: &Size, scope: &dyn Scope) -> bool {
    match size {
        Size::Number(..) => true,
        Size::Symbol(id) => matches!(scope.binding(&id.name), Some(Binding::Value(_))),
    }
}

/// Elaborates `NAME = network (x: …) { … }`: checks the structure, and
/// instantiates the network at once when every size is a number.
pub fn elaborate(name: &Ident, syntax: &NetworkSyntax, scope: &dyn Scope) -> Result<Network, Diagnostic> {
    check_structure(&syntax.layers, scope)?;
    if scope.binding(&syntax.input.name).is_some() {
        return Err(Diagnostic::error(
            syntax.input.span,
            format!("`{}` already names a declaration", syntax.input.name),
        )
        .with_hint("the input's name stands for the input in keys such as `2*x + 3`: choose another name"));
    }
    let mut network = Network {
        name: name.name.clone(),
        input: syntax.input.name.clone(),
        input_span: syntax.input.span,
        dim: syntax.dim.clone(),
        image: syntax.image.as_ref().map(|s| s.dims.clone()),
        body: syntax.layers.clone(),
        span: syntax.span,
        concrete: None,
        staged: None,
    };
    fn all_known(body: &[LayerSyntax], scope: &dyn Scope) -> bool {
        body.iter().all(|l| match l {
            LayerSyntax::Repeat { count, layers, .. } => is_known(count, scope) && all_known(layers, scope),
            _ => true,
        })
    }
    if is_known(&syntax.dim, scope) && all_known(&syntax.layers, scope) {
        let (concrete, staged) = network.instantiate_staged(&[], scope)?;
        network.concrete = concrete;
        network.staged = Some(staged);
    }
    Ok(network)
}

/// The network a query names, with an error that says what is there
/// instead.
pub fn network_named<'s>(expr: &Expr, scope: &'s dyn Scope) -> Result<&'s Network, Diagnostic> {
    let Some(name) = expr.as_name() else {
        return Err(Diagnostic::error(expr.span, "expected the name of a declared network")
            .with_label(format!("this is {}", expr.describe())));
    };
    match scope.binding(name) {
        Some(Binding::Network(n)) => Ok(n),
        Some(Binding::Tensor(t)) => {
            Err(Diagnostic::error(expr.span, format!("`{name}` is a {}, not a network", t.role.noun()))
                .with_hint(format!("declare a network: `{name} = network (x: 1) {{ dense [[1]] + [0]; relu }}`")))
        }
        Some(Binding::Value(_)) => Err(Diagnostic::error(expr.span, format!("`{name}` is a value, not a network"))),
        Some(Binding::Object(noun)) => {
            Err(Diagnostic::error(expr.span, format!("`{name}` is a {noun}, not a network")))
        }
        None => Err(Diagnostic::error(expr.span, format!("unknown name `{name}`"))
            .with_label("not declared in this problem")
            .with_hint(format!("declare it first: `{name} = network (x: 1) {{ … }}`"))),
    }
}

/// `linear piece of NET at x = POINT`, resolved.
#[derive(Clone, Debug)]
pub struct PieceQuery {
    pub network: String,
    pub input: String,
    pub net: Concrete,
    /// The point, one entry per input value.
    pub point: Vec<RatFunc>,
}

/// `pieces of NET`, resolved: a network of one input with numeric weights.
#[derive(Clone, Debug)]
pub struct PiecesQuery {
    pub network: String,
    pub input: String,
    pub net: Concrete,
}

/// Checks that the input is called by the network's name for it.
fn check_input_name(net: &Network, input: &Ident) -> Result<(), Diagnostic> {
    if input.name == net.input {
        return Ok(());
    }
    Err(Diagnostic::error(input.span, format!("`{}` has no input `{}`", net.name, input.name))
        .with_label(format!("the input is `{}`", net.input))
        .with_hint_at(net.input_span, "declared here")
        .with_hint(format!("write `at {} = …`", net.input)))
}

/// Elaborates `linear piece of NET at x = POINT`.
pub fn elaborate_piece(
    network: &Expr,
    input: &Ident,
    point: &Expr,
    query_span: Span,
    scope: &dyn Scope,
) -> Result<PieceQuery, Diagnostic> {
    let (net, selection) = super::selection::network_selected(network, scope)?;
    check_input_name(net, input)?;
    let concrete = net.require_concrete("linear piece of", query_span)?;
    let selected;
    let concrete = match &selection {
        Some(s) => {
            selected = super::selection::apply(net, concrete, s)?;
            &selected
        }
        None => concrete,
    };
    let v = eval(point, scope)?;
    let d = concrete.input_dim;
    let coords: Vec<RatFunc> = match &v {
        Value::Scalar(s) => vec![s.clone()],
        Value::Matrix(m) if m.cols() == 1 || m.rows() == 1 => m.entries().to_vec(),
        other => {
            return Err(Diagnostic::error(point.span, "a point is a number or a vector")
                .with_label(format!("this is {}", other.describe())));
        }
    };
    if coords.len() != d {
        let example = if d == 1 { "`at x = 1`".to_string() } else { format!("a vector of {d} numbers") };
        return Err(Diagnostic::error(
            point.span,
            format!("`{}` takes {} but this point has {}", net.name, plural(d, "input value"), coords.len()),
        )
        .with_label(plural(coords.len(), "value"))
        .with_hint_at(net.input_span.join(net.dim.span()), "the input is declared here")
        .with_hint(format!("give {example}")));
    }
    Ok(PieceQuery { network: net.name.clone(), input: net.input.clone(), net: concrete.clone(), point: coords })
}

/// Elaborates `pieces of NET`: the network must have one input and numeric
/// weights.
pub fn elaborate_pieces(network: &Expr, query_span: Span, scope: &dyn Scope) -> Result<PiecesQuery, Diagnostic> {
    let (net, selection) = super::selection::network_selected(network, scope)?;
    let concrete = net.require_concrete("pieces of", query_span)?;
    let selected;
    let concrete = match &selection {
        Some(s) => {
            selected = super::selection::apply(net, concrete, s)?;
            &selected
        }
        None => concrete,
    };
    if concrete.input_dim != 1 {
        return Err(Diagnostic::error(
            network.span,
            format!(
                "`pieces of` lists the pieces of a network of one input; `{}` has {}",
                net.name, concrete.input_dim
            ),
        )
        .with_label(format!("{} inputs", concrete.input_dim))
        .with_hint_at(net.dim.span(), "declared here")
        .with_hint("ask for the piece at a point instead: `linear piece of NET at x = [1, 2]`"));
    }
    if let Some(span) = concrete.first_symbolic() {
        return Err(Diagnostic::error(network.span, "`pieces of` needs a network whose weights are all numbers")
            .with_label("has symbolic weights")
            .with_hint_at(span, "this layer has an entry that is not a number")
            .with_hint("the breakpoints of a network with symbolic weights depend on the symbols' values"));
    }
    Ok(PiecesQuery { network: net.name.clone(), input: net.input.clone(), net: concrete.clone() })
}

/// Refuses an entry with more than [`MAX_WEIGHT_BITS`] binary digits in a
/// coefficient, before any derivation multiplies it.
fn number_budget(entries: &[RatFunc], span: Span) -> Result<(), Diagnostic> {
    let bits = |q: &Q| q.numer().bits().max(q.denom().bits());
    let largest = entries
        .iter()
        .flat_map(|e| e.num().terms().iter().chain(e.den().terms()))
        .map(|(_, c)| bits(c))
        .max()
        .unwrap_or(0);
    if largest > MAX_WEIGHT_BITS {
        return Err(Diagnostic::error(
            span,
            format!("an entry here has {largest} binary digits, more than the limit of {MAX_WEIGHT_BITS} for a weight or bias"),
        )
        .with_label("too many digits")
        .with_hint("the limits are listed under \"Limits\" in the README"));
    }
    Ok(())
}
