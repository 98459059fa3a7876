//! The sizes of a convolution whose shapes and arguments may be symbols:
//! `input 3xnxn x`, `kernel 10x3xkxk w`, `conv2d(W, stride: s, padding: p)`.
//!
//! A kernel or input with a symbolic size has no entries; the queries
//! about sizes (`shape`, `parameters`, `macs`) work on it, and a query that
//! needs entries (`matrix`, `affine`, `equivalence`) says "needs a number
//! here" at the symbol, as the networks do. The symbols stay symbols until
//! [`SizeConv::instantiate`] gives them numbers: the numeric check builds
//! every small instance that way and computes it directly. PyTorch's rules
//! that cannot be decided with symbols become conditions the derivation
//! states.

use crate::algebra::{FloorPoly, Poly, Print, Q, RatFunc, Symbol, Var};
use crate::language::syntax::{Applied, Expr, ExprKind, Ident, Size};
use crate::language::{Diagnostic, Span};

use super::ObjectKind;
use super::args::{CallArgs, LARGEST_COUNT, word};
use super::conv::{Conv, ConvKind, ConvParams, Layout, Padding, tensor_named};
use super::tensor::{Dim, Role, Tensor};
use super::value::{Binding, Scope, Value, eval};

/// What a size query asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SizeWhat {
    /// The output shape.
    Shape,
    /// Weights plus biases.
    Parameters,
    /// Multiply-adds of one pass.
    Macs,
}

impl SizeWhat {
    pub fn word(self) -> &'static str {
        match self {
            SizeWhat::Shape => "shape",
            SizeWhat::Parameters => "parameters",
            SizeWhat::Macs => "macs",
        }
    }
}

/// A symbol among the sizes, where it first appears, and the least value
/// its uses allow (1 for a size, a stride, a dilation or the groups; 0 for
/// a padding).
#[derive(Clone, Debug)]
pub struct SizeSymbol {
    pub var: Var,
    pub name: String,
    pub span: Span,
    pub least: i64,
}

/// A convolution's sizes, each a polynomial in the symbols (a number when
/// it has none).
#[derive(Clone, Debug)]
pub struct SizeConv {
    pub kind: ConvKind,
    pub kernel_name: String,
    pub input_name: String,
    /// (channels, rows, cols); a 2-D input has one channel.
    pub input: [Poly; 3],
    /// 2 or 3.
    pub input_rank: usize,
    /// As [`Tensor::kernel4`]: a 2-D kernel is (1, 1, kh, kw).
    pub kernel: [Poly; 4],
    pub kernel_rank: usize,
    pub stride: [Poly; 2],
    pub dilation: [Poly; 2],
    /// Per axis (rows, columns): the padding before and after.
    pub padding: [[Poly; 2]; 2],
    pub output_padding: [Poly; 2],
    pub groups: Poly,
    pub layout: Layout,
    pub bias: bool,
    pub symbols: Vec<SizeSymbol>,
    pub span: Span,
}

/// A `shape`, `parameters` or `macs` query.
#[derive(Clone, Debug)]
pub struct SizeQuery {
    pub what: SizeWhat,
    pub conv: SizeConv,
}

fn constant(n: i64) -> Poly {
    Poly::constant(Q::from_int(n))
}

fn int_of(p: &Poly) -> Option<i64> {
    p.as_constant().filter(Q::is_integer).and_then(|q| q.to_i64())
}

fn integer_coefficients(p: &Poly) -> bool {
    p.terms().iter().all(|(_, q)| q.is_integer())
}

impl SizeConv {
    pub fn in_channels(&self) -> &Poly {
        &self.input[0]
    }

    /// Output channels: the kernel's first dimension, or its second times
    /// the groups for a transposed kernel (in, out/groups, kh, kw).
    pub fn out_channels(&self) -> Poly {
        match (self.kind, self.layout) {
            (ConvKind::ConvTranspose2d, Layout::InOut) => &self.kernel[1] * &self.groups,
            _ => self.kernel[0].clone(),
        }
    }

    /// Input channels one output channel reads (conv2d), or output channels
    /// one input channel writes (transposed): `in/groups` or `out/groups`.
    pub fn per_group(&self) -> Poly {
        match (self.kind, self.layout) {
            (ConvKind::Conv2d, _) => self.kernel[1].clone(),
            (ConvKind::ConvTranspose2d, Layout::InOut) => self.kernel[1].clone(),
            (ConvKind::ConvTranspose2d, Layout::OutIn) => {
                exact_quotient(&self.kernel[0], &self.groups).expect("elaboration checked that the groups divide")
            }
        }
    }

    /// The quantity under the floor (conv2d) or the output size minus one
    /// (transposed) along `axis`: conv2d's `n + p₁ + p₂ − d(k − 1) − 1`,
    /// which must be at least 0 for the kernel to fit.
    pub fn room(&self, axis: usize) -> Poly {
        let n = &self.input[axis + 1];
        let k = &self.kernel[axis + 2];
        let (s, d) = (&self.stride[axis], &self.dilation[axis]);
        let [before, after] = &self.padding[axis];
        let reach = d * &(k - &constant(1));
        match self.kind {
            ConvKind::Conv2d => &(&(&(n + before) + after) - &reach) - &constant(1),
            ConvKind::ConvTranspose2d => {
                let grown = s * &(n - &constant(1));
                &(&(&(&grown - before) - after) + &reach) + &self.output_padding[axis]
            }
        }
    }

    /// The output size along `axis` (0 rows, 1 columns).
    pub fn out_size(&self, axis: usize) -> FloorPoly {
        let one = FloorPoly::from_poly(constant(1));
        match self.kind {
            ConvKind::Conv2d => {
                let q = RatFunc::new(self.room(axis), self.stride[axis].clone()).expect("the stride is not zero");
                FloorPoly::floor(&q).add(&one)
            }
            ConvKind::ConvTranspose2d => FloorPoly::from_poly(self.room(axis)).add(&one),
        }
    }

    /// Whether the output is written as `(rows, cols)`: a 2-D input with
    /// one output channel.
    pub fn output_is_matrix(&self) -> bool {
        self.input_rank == 2 && self.out_channels().is_one()
    }

    /// Weights: the product of the kernel's dimensions.
    pub fn weights(&self) -> Poly {
        self.kernel.iter().fold(constant(1), |acc, d| &acc * d)
    }

    pub fn parameters(&self) -> Poly {
        if self.bias { &self.weights() + &self.out_channels() } else { self.weights() }
    }

    /// Multiply-adds of one pass. conv2d: every output entry sums
    /// `in/groups · kh · kw` products (taps over padding included).
    /// Transposed: every input entry is multiplied by `out/groups · kh · kw`
    /// weights and scattered (taps cropped by the padding included).
    pub fn macs(&self) -> FloorPoly {
        let taps = &(&self.per_group() * &self.kernel[2]) * &self.kernel[3];
        match self.kind {
            ConvKind::Conv2d => {
                FloorPoly::from_poly(&self.out_channels() * &taps).mul(&self.out_size(0)).mul(&self.out_size(1))
            }
            ConvKind::ConvTranspose2d => {
                FloorPoly::from_poly(&(&(&self.input[0] * &self.input[1]) * &self.input[2]) * &taps)
            }
        }
    }

    /// The conditions under which the formulas hold, each `(poly, strict)`
    /// meaning `poly ≥ 0` (or `> 0`), that are not already known from the
    /// numbers: the kernel fits (conv2d), the output is not empty and the
    /// output padding is below the stride or the dilation (transposed).
    pub fn conditions(&self) -> Vec<Condition> {
        let mut out = Vec::new();
        for axis in 0..2 {
            let room = self.room(axis);
            if int_of(&room).is_none() {
                out.push(Condition::NonNegative(room));
            }
            if self.kind == ConvKind::ConvTranspose2d {
                let op = &self.output_padding[axis];
                let known = [&self.stride[axis], &self.dilation[axis]]
                    .iter()
                    .any(|b| matches!((int_of(op), int_of(b)), (Some(o), Some(b)) if o < b));
                if !op.is_zero() && !known {
                    out.push(Condition::OutputPadding(axis));
                }
            }
        }
        out
    }

    /// Every polynomial size, to evaluate at an instance.
    fn all(&self) -> Vec<&Poly> {
        let mut v: Vec<&Poly> = self.input.iter().chain(&self.kernel).collect();
        v.extend(self.stride.iter().chain(&self.dilation).chain(&self.output_padding));
        v.extend(self.padding.iter().flatten());
        v.push(&self.groups);
        v
    }

    /// The numeric convolution at integer values of the symbols, checked by
    /// PyTorch's rules; `Err` says which rule the instance breaks.
    pub fn instantiate(&self, value: &impl Fn(Var) -> Q) -> Result<Conv, String> {
        let at = |p: &Poly, least: i64| -> Result<usize, String> {
            let q = p.eval(value);
            match q.to_i64() {
                Some(n) if q.is_integer() && n >= least && n <= LARGEST_COUNT as i64 => Ok(n as usize),
                _ => Err(format!("a size is {q}")),
            }
        };
        let input: Vec<usize> = self.input.iter().map(|p| at(p, 1)).collect::<Result<_, _>>()?;
        let kernel: Vec<usize> = self.kernel.iter().map(|p| at(p, 1)).collect::<Result<_, _>>()?;
        let pair =
            |ps: &[Poly; 2], least| -> Result<(usize, usize), String> { Ok((at(&ps[0], least)?, at(&ps[1], least)?)) };
        let mut params = ConvParams::new(self.kind);
        params.stride = pair(&self.stride, 1)?;
        params.dilation = pair(&self.dilation, 1)?;
        params.output_padding = pair(&self.output_padding, 0)?;
        params.groups = at(&self.groups, 1)?;
        params.layout = self.layout;
        params.padding = Padding {
            top: at(&self.padding[0][0], 0)?,
            bottom: at(&self.padding[0][1], 0)?,
            left: at(&self.padding[1][0], 0)?,
            right: at(&self.padding[1][1], 0)?,
        };
        let input_shape = if self.input_rank == 2 { input[1..].to_vec() } else { input.clone() };
        let kernel_shape = if self.kernel_rank == 2 { kernel[2..].to_vec() } else { kernel.clone() };
        if self.input_rank == 2 && input[0] != 1 || self.kernel_rank == 2 && (kernel[0] != 1 || kernel[1] != 1) {
            return Err("a 2-D tensor has one channel".into());
        }
        let conv = Conv {
            kind: self.kind,
            kernel_name: self.kernel_name.clone(),
            kernel: Tensor::unwritten(Role::Kernel, kernel_shape, "w"),
            input_name: self.input_name.clone(),
            input: Tensor::unwritten(Role::Input, input_shape, "x"),
            params,
            bias: None,
            span: self.span,
        };
        let g = conv.params.groups;
        let (in_dim, out_total) = match (self.kind, self.layout) {
            (ConvKind::ConvTranspose2d, Layout::InOut) => (kernel[0], kernel[1] * g),
            _ => (kernel[1] * g, kernel[0]),
        };
        if !input[0].is_multiple_of(g) || out_total % g != 0 {
            return Err(format!("{g} groups do not divide the channels"));
        }
        if in_dim != input[0] {
            return Err(format!("the kernel expects {in_dim} input channels, the input has {}", input[0]));
        }
        let p = &conv.params;
        if self.kind == ConvKind::ConvTranspose2d {
            let (oh, ow) = p.output_padding;
            if (oh >= p.stride.0 && oh >= p.dilation.0) || (ow >= p.stride.1 && ow >= p.dilation.1) {
                return Err("the output padding is not smaller than the stride or the dilation".into());
            }
        }
        if conv.output_shape().is_none() {
            return Err(match self.kind {
                ConvKind::Conv2d => "the kernel is larger than the padded input".into(),
                ConvKind::ConvTranspose2d => "the padding leaves no output".into(),
            });
        }
        Ok(conv)
    }

    /// The convolution when every size is a number.
    pub fn numeric(&self) -> bool {
        self.symbols.is_empty() && self.all().iter().all(|p| p.is_constant())
    }
}

/// A condition the formulas need, stated by the derivation.
#[derive(Clone, Debug)]
pub enum Condition {
    /// `poly ≥ 0`: conv2d's kernel fits, or the transposed output is not empty.
    NonNegative(Poly),
    /// The output padding along this axis is smaller than the stride or the
    /// dilation.
    OutputPadding(usize),
}

/// `a / b` when it is a polynomial with integer coefficients.
pub fn exact_quotient(a: &Poly, b: &Poly) -> Option<Poly> {
    let q = if let Some(c) = b.as_constant() { a.scale(&c.inv()?) } else { a.exact_div(b)? };
    integer_coefficients(&q).then_some(q)
}

/// `input 3xnxn x`, `kernel 10x3xkxk w`: a kernel or input known by its
/// shape, whose sizes are numbers, numbers declared in the problem, or
/// symbols.
pub fn declare(
    kind: &Ident,
    sizes: &[Size],
    span: Span,
    symbol: &Ident,
    problem: &super::Problem,
) -> Result<ObjectKind, Diagnostic> {
    let role = Role::from_word(&kind.name)
        .ok_or_else(|| Diagnostic::error(kind.span, format!("unknown kind `{}`", kind.name)))?;
    if !matches!(role, Role::Kernel | Role::Input) {
        let first = sizes.iter().find(|s| matches!(s, Size::Symbol(_))).map_or(span, Size::span);
        return Err(Diagnostic::error(first, format!("{}'s sizes must be numbers", role.a()))
            .with_label("needs a number here")
            .with_hint("only kernels and inputs may have symbolic sizes, for the questions about sizes"));
    }
    if !role.ranks().contains(&sizes.len()) {
        return Err(Diagnostic::error(span, role.wrong_rank(sizes.len())).with_hint(role.shape_help()));
    }
    if problem.object(&symbol.name).is_some() {
        return Err(Diagnostic::error(symbol.span, format!("`{}` already names a declaration", symbol.name))
            .with_hint("the entries' symbol must differ from declared names, e.g. `X = input 3xnxn x`"));
    }
    let mut dims = Vec::new();
    for s in sizes {
        let (value, text) = match s {
            Size::Number(0, at) => return Err(Diagnostic::error(*at, "every dimension must be at least 1")),
            Size::Number(n, _) => (constant(*n as i64), n.to_string()),
            Size::Symbol(id) => {
                if id.name == symbol.name {
                    return Err(Diagnostic::error(id.span, format!("`{}` names both a size and the entries", id.name))
                        .with_hint_at(symbol.span, "the entries' symbol")
                        .with_hint("give the size another name, e.g. `input 3xnxn x`"));
                }
                (size_symbol(id, problem)?, id.name.clone())
            }
        };
        dims.push(Dim { value, text, span: s.span() });
    }
    if dims.iter().all(|d| d.value.is_constant()) {
        // Every name was a declared number: an ordinary tensor.
        let shape: Vec<usize> = dims.iter().map(|d| int_of(&d.value).unwrap_or(1) as usize).collect();
        let total = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        return Ok(ObjectKind::Tensor(match total {
            Some(t) if t <= super::MAX_TENSOR_ENTRIES => Tensor::symbolic(role, shape, &symbol.name, &problem.ring),
            Some(t) if t <= super::MAX_SHAPED_ENTRIES => Tensor::unwritten(role, shape, &symbol.name),
            _ => {
                return Err(Diagnostic::error(span, "this tensor has too many entries")
                    .with_hint(format!("at most {} entries", super::MAX_SHAPED_ENTRIES)));
            }
        }));
    }
    Ok(ObjectKind::Tensor(Tensor::sized(role, dims, &symbol.name)))
}

/// A size written as a name: a number declared in the problem, or a symbol.
fn size_symbol(id: &Ident, scope: &dyn Scope) -> Result<Poly, Diagnostic> {
    match scope.binding(&id.name) {
        Some(Binding::Value(v)) => match v.as_rational().filter(Q::is_integer).and_then(|q| q.to_i64()) {
            Some(n) if (1..=LARGEST_COUNT as i64).contains(&n) => Ok(constant(n)),
            _ => Err(Diagnostic::error(id.span, format!("`{}` is {}, not a size", id.name, v.describe()))
                .with_label("a size is a whole number of at least 1")),
        },
        Some(_) => Err(Diagnostic::error(id.span, format!("`{}` is declared as an object, not a size", id.name))),
        None => Ok(Poly::var(scope.ring().var(&Symbol::plain(&id.name)))),
    }
}

/// The kernel and input names of `OP(W, …) on X`, when they are declared
/// tensors.
fn operands<'s>(applied: &Applied, scope: &'s dyn Scope) -> Vec<(&'s Tensor, Span)> {
    let mut out = Vec::new();
    if let ExprKind::Call(_, args) = &applied.op.kind
        && let Some(k) = args.iter().find(|a| a.name.is_none())
        && let Some(name) = k.value.as_name()
        && let Some(Binding::Tensor(t)) = scope.binding(name)
    {
        out.push((t, k.value.span));
    }
    if let Some(name) = applied.input.as_name()
        && let Some(Binding::Tensor(t)) = scope.binding(name)
    {
        out.push((t, applied.input.span));
    }
    out
}

/// The arguments that are sizes.
const SIZE_ARGUMENTS: &[&str] = &["stride", "padding", "dilation", "groups", "output_padding"];

/// The first size argument whose value has a symbol (`padding: same` and
/// `valid` are words, not symbols).
fn symbolic_argument<'e>(applied: &'e Applied, scope: &dyn Scope) -> Option<&'e Expr> {
    let ExprKind::Call(_, args) = &applied.op.kind else { return None };
    let sizes = args.iter().filter(|a| a.name.as_ref().is_some_and(|n| SIZE_ARGUMENTS.contains(&n.name.as_str())));
    sizes.map(|a| &a.value).filter(|e| !matches!(&e.kind, ExprKind::Name(w) if w == "same" || w == "valid")).find(|e| {
        let items = match &e.kind {
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().collect(),
            ExprKind::Record(fields) => fields.iter().map(|f| &f.value).collect(),
            _ => vec![*e],
        };
        items
            .iter()
            .any(|x| matches!(eval(x, scope), Ok(Value::Scalar(r)) if !r.is_polynomial() || r.as_constant().is_none()))
    })
}

/// Whether a convolution has a symbolic size, in its tensors or arguments.
pub fn is_symbolic(applied: &Applied, scope: &dyn Scope) -> bool {
    operands(applied, scope).iter().any(|(t, _)| t.symbolic_size().is_some())
        || symbolic_argument(applied, scope).is_some()
}

/// The error of a query that needs every entry (`matrix`, `affine`,
/// `equivalence`) on a convolution with a symbolic size.
pub fn refuse_symbolic(applied: &Applied, query: &str, query_span: Span, scope: &dyn Scope) -> Result<(), Diagnostic> {
    let hint = "`shape`, `parameters` and `macs` work with symbolic sizes";
    for (t, _) in operands(applied, scope) {
        if let Some(d) = t.symbolic_size() {
            return Err(Diagnostic::error(
                d.span,
                format!("`{query}` needs a number here: the size `{}` is a symbol", d.text),
            )
            .with_label("needs a number here")
            .with_hint_at(query_span, format!("`{query}` needs every entry, so every size must be a number"))
            .with_hint(format!(
                "{hint}; for `{query}`, declare the size as a number (`{} = 4`) before the tensor",
                d.text
            )));
        }
    }
    if let Some(e) = symbolic_argument(applied, scope) {
        return Err(Diagnostic::error(e.span, format!("`{query}` needs a number here"))
            .with_label("needs a number here")
            .with_hint_at(query_span, format!("`{query}` needs every entry, so every size must be a number"))
            .with_hint(hint));
    }
    Ok(())
}

/// Reads a size query's convolution. With every size a number, the
/// convolution is elaborated as usual (every PyTorch rule checked with its
/// span); with symbols, the rules that can be decided are checked and the
/// others become the derivation's conditions.
pub fn elaborate(applied: &Applied, what: SizeWhat, scope: &dyn Scope) -> Result<SizeQuery, Diagnostic> {
    let op = &applied.op;
    let ExprKind::Call(callee, args) = &op.kind else {
        return Err(Diagnostic::error(op.span, "expected an operator call such as `conv2d(W, stride: 2)`")
            .with_label(format!("this is {}", op.describe())));
    };
    let bias_word = args.iter().find(|a| a.name.as_ref().is_some_and(|n| n.name == "bias")).and_then(|a| {
        match eval(&a.value, scope) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        }
    });
    if !is_symbolic(applied, scope) && bias_word.is_none() {
        let conv = super::conv::elaborate(applied, scope)?;
        return Ok(SizeQuery { what, conv: from_conv(&conv) });
    }
    let kind = match callee.as_name() {
        Some("conv2d") => ConvKind::Conv2d,
        Some("conv_transpose2d") => ConvKind::ConvTranspose2d,
        // The ordinary elaboration says what is wrong.
        _ => return Err(super::conv::elaborate(applied, scope).err().unwrap_or_else(|| unreachable_error(op.span))),
    };
    let mut call = CallArgs::new(kind.name(), op.span, args)?;
    let kernel_expr = match call.positional() {
        [k] => *k,
        _ => return Err(super::conv::elaborate(applied, scope).err().unwrap_or_else(|| unreachable_error(op.span))),
    };
    let (kernel_name, kernel) = tensor_named(kernel_expr, scope, Role::Kernel)?;
    let (input_name, input) = tensor_named(&applied.input, scope, Role::Input)?;
    let mut symbols: Vec<SizeSymbol> = Vec::new();
    let dims = |t: &Tensor| -> Vec<Poly> {
        match &t.sizes {
            Some(s) => s.iter().map(|d| d.value.clone()).collect(),
            None => t.shape.iter().map(|&d| constant(d as i64)).collect(),
        }
    };
    let (idims, kdims) = (dims(input), dims(kernel));
    let one = constant(1);
    let input3 = match idims.as_slice() {
        [h, w] => [one.clone(), h.clone(), w.clone()],
        [c, h, w] => [c.clone(), h.clone(), w.clone()],
        _ => unreachable!("an input has 2 or 3 dimensions"),
    };
    let kernel4 = match kdims.as_slice() {
        [h, w] => [one.clone(), one.clone(), h.clone(), w.clone()],
        [a, b, h, w] => [a.clone(), b.clone(), h.clone(), w.clone()],
        _ => unreachable!("a kernel has 2 or 4 dimensions"),
    };
    for t in [kernel, input] {
        for d in t.sizes.iter().flatten() {
            note(&mut symbols, &d.value, d.span, 1, scope);
        }
    }
    let mut sc = SizeConv {
        kind,
        kernel_name,
        input_name: input_name.clone(),
        input: input3,
        input_rank: idims.len(),
        kernel: kernel4,
        kernel_rank: kdims.len(),
        stride: [one.clone(), one.clone()],
        dilation: [one.clone(), one.clone()],
        padding: [[Poly::zero(), Poly::zero()], [Poly::zero(), Poly::zero()]],
        output_padding: [Poly::zero(), Poly::zero()],
        groups: one.clone(),
        layout: if kind == ConvKind::Conv2d { Layout::OutIn } else { Layout::InOut },
        bias: false,
        symbols: Vec::new(),
        span: applied.span,
    };
    if let Some(e) = call.take("stride") {
        sc.stride = size_pair(e, scope, "the stride", 1, &mut symbols)?;
    }
    if let Some(e) = call.take("dilation") {
        sc.dilation = size_pair(e, scope, "the dilation", 1, &mut symbols)?;
    }
    if let Some(e) = call.take("groups") {
        sc.groups = size(e, scope, "the number of groups", 1, &mut symbols)?;
    }
    if let Some(e) = call.take("padding") {
        sc.padding = padding(e, scope, kind, &mut symbols)?;
    }
    if let Some(e) = call.take("bias") {
        sc.bias = match eval(e, scope)? {
            Value::Bool(b) => b,
            v => {
                let n = v.items().map_or(1, |i| i.len());
                let out = sc.out_channels();
                if int_of(&out) != Some(n as i64) {
                    return Err(Diagnostic::error(e.span, "the bias needs one entry per output channel")
                        .with_label(format!("{n} entries"))
                        .with_hint("with a symbolic number of channels, write `bias: true`"));
                }
                true
            }
        };
    }
    match kind {
        ConvKind::Conv2d => {
            if let Some(e) = call.take("padding_mode") {
                // The padding mode changes the values, never the sizes.
                word(e, "padding mode", &["zeros", "reflect", "replicate", "circular"])?;
            }
            call.finish(&["stride", "padding", "dilation", "groups", "padding_mode", "bias"])?;
        }
        ConvKind::ConvTranspose2d => {
            if let Some(e) = call.take("output_padding") {
                sc.output_padding = size_pair(e, scope, "the output padding", 0, &mut symbols)?;
            }
            if let Some(e) = call.take("layout") {
                let w = word(e, "kernel layout", &["iohw", "oihw"])?;
                sc.layout = if w == "oihw" { Layout::OutIn } else { Layout::InOut };
            }
            call.finish(&["stride", "padding", "output_padding", "dilation", "groups", "layout", "bias"])?;
        }
    }
    sc.symbols = symbols;
    check_channels(&sc, kernel_expr, &applied.input, scope)?;
    if sc.numeric() {
        sc.instantiate(&|_| Q::zero()).map_err(|why| Diagnostic::error(applied.span, why))?;
    }
    Ok(SizeQuery { what, conv: sc })
}

fn unreachable_error(span: Span) -> Diagnostic {
    Diagnostic::error(span, "expected `conv2d(W, …)` or `conv_transpose2d(W, …)`")
}

/// Records the symbols of `p` with the least value this use allows.
fn note(symbols: &mut Vec<SizeSymbol>, p: &Poly, span: Span, least: i64, scope: &dyn Scope) {
    let plain = p.as_var();
    for v in p.vars() {
        let least = if plain == Some(v) { least } else { 0 };
        match symbols.iter_mut().find(|s| s.var == v) {
            Some(s) => s.least = s.least.max(least),
            None => symbols.push(SizeSymbol { var: v, name: scope.ring().symbol(v).to_string(), span, least }),
        }
    }
}

/// A size argument: a whole number of at least `min`, or a polynomial in
/// symbols with integer coefficients (`s`, `2*s`, `k - 1`).
fn size(e: &Expr, scope: &dyn Scope, what: &str, min: i64, symbols: &mut Vec<SizeSymbol>) -> Result<Poly, Diagnostic> {
    let v = eval(e, scope)?;
    let p = v.as_scalar().and_then(|s| s.as_poly().cloned()).filter(integer_coefficients);
    match p {
        Some(p) if p.is_constant() => {
            let n = super::args::count(e, scope, what, min as usize)?;
            Ok(constant(n as i64))
        }
        Some(p) => {
            note(symbols, &p, e.span, min, scope);
            Ok(p)
        }
        None => Err(Diagnostic::error(e.span, format!("{what} must be a whole number or a size symbol"))
            .with_label(format!("this is {}", v.describe()))),
    }
}

fn size_pair(
    e: &Expr,
    scope: &dyn Scope,
    what: &str,
    min: i64,
    symbols: &mut Vec<SizeSymbol>,
) -> Result<[Poly; 2], Diagnostic> {
    match &e.kind {
        ExprKind::Tuple(items) | ExprKind::List(items) => match items.as_slice() {
            [a, b] => Ok([size(a, scope, what, min, symbols)?, size(b, scope, what, min, symbols)?]),
            _ => Err(Diagnostic::error(e.span, format!("{what} takes one size or a pair (rows, columns)"))
                .with_label(format!("{} values", items.len()))),
        },
        _ => {
            let s = size(e, scope, what, min, symbols)?;
            Ok([s.clone(), s])
        }
    }
}

/// `padding: p`, `(p, q)`, `{ top: …, … }` (conv2d) or `valid`.
fn padding(
    e: &Expr,
    scope: &dyn Scope,
    kind: ConvKind,
    symbols: &mut Vec<SizeSymbol>,
) -> Result<[[Poly; 2]; 2], Diagnostic> {
    match &e.kind {
        ExprKind::Name(w) if w == "valid" => Ok(Default::default()),
        ExprKind::Name(w) if w == "same" => Err(Diagnostic::error(e.span, "`padding: same` needs numeric sizes")
            .with_hint(
                "with symbolic sizes, write the padding: `padding: (k - 1)/2` is not a whole number in general",
            )),
        ExprKind::Record(fields) if kind == ConvKind::Conv2d => {
            let mut p: [[Poly; 2]; 2] = Default::default();
            for f in fields {
                let n = size(&f.value, scope, "a padding", 0, symbols)?;
                match f.name.name.as_str() {
                    "top" => p[0][0] = n,
                    "bottom" => p[0][1] = n,
                    "left" => p[1][0] = n,
                    "right" => p[1][1] = n,
                    other => {
                        return Err(Diagnostic::error(f.name.span, format!("unknown side `{other}`"))
                            .with_label("expected `top`, `bottom`, `left` or `right`"));
                    }
                }
            }
            Ok(p)
        }
        ExprKind::Record(_) => Err(Diagnostic::error(e.span, "conv_transpose2d pads the same on both sides")
            .with_hint("give one size or (rows, columns)")),
        _ => {
            let [r, c] = size_pair(e, scope, "the padding", 0, symbols)?;
            Ok([[r.clone(), r], [c.clone(), c]])
        }
    }
}

/// The channel rules, decided on the polynomials: the kernel's input
/// channels equal the input's, and the groups divide the output channels.
fn check_channels(sc: &SizeConv, kernel_expr: &Expr, input_expr: &Expr, scope: &dyn Scope) -> Result<(), Diagnostic> {
    let ring = scope.ring();
    let g = &sc.groups;
    let (in_dim, out_total) = match (sc.kind, sc.layout) {
        (ConvKind::ConvTranspose2d, Layout::InOut) => (sc.kernel[0].clone(), &sc.kernel[1] * g),
        _ => (&sc.kernel[1] * g, sc.kernel[0].clone()),
    };
    if in_dim != sc.input[0] {
        return Err(Diagnostic::error(
            kernel_expr.span,
            format!(
                "the kernel expects {} input channels, but `{}` has {}",
                in_dim.print(ring),
                sc.input_name,
                sc.input[0].print(ring)
            ),
        )
        .with_label("the channels must agree for every value of the symbols")
        .with_hint_at(input_expr.span, format!("`{}` is the input", sc.input_name))
        .with_hint(match (sc.kind, sc.layout) {
            (ConvKind::Conv2d, _) => "conv2d kernels are (out, in/groups, kh, kw)",
            (_, Layout::OutIn) => "with `layout: oihw` the kernel is (out, in/groups, kh, kw)",
            (_, Layout::InOut) => "conv_transpose2d kernels are (in, out/groups, kh, kw)",
        }));
    }
    if exact_quotient(&out_total, g).is_none() {
        return Err(Diagnostic::error(
            kernel_expr.span,
            format!("the groups ({}) do not divide the {} output channels", g.print(ring), out_total.print(ring)),
        )
        .with_label("must divide for every value of the symbols"));
    }
    Ok(())
}

/// The sizes of a convolution whose sizes are all numbers.
pub fn from_conv(c: &Conv) -> SizeConv {
    let n = |x: usize| constant(x as i64);
    let [ci, h, w] = c.input.input3();
    let [a, b, kh, kw] = c.kernel.kernel4();
    let p = &c.params;
    SizeConv {
        kind: c.kind,
        kernel_name: c.kernel_name.clone(),
        input_name: c.input_name.clone(),
        input: [n(ci), n(h), n(w)],
        input_rank: c.input.shape.len(),
        kernel: [n(a), n(b), n(kh), n(kw)],
        kernel_rank: c.kernel.shape.len(),
        stride: [n(p.stride.0), n(p.stride.1)],
        dilation: [n(p.dilation.0), n(p.dilation.1)],
        padding: [[n(p.padding.top), n(p.padding.bottom)], [n(p.padding.left), n(p.padding.right)]],
        output_padding: [n(p.output_padding.0), n(p.output_padding.1)],
        groups: n(p.groups),
        layout: p.layout,
        bias: c.bias.is_some(),
        symbols: Vec::new(),
        span: c.span,
    }
}
