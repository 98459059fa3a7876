//! Convolution operators as PyTorch defines them.
//!
//! `conv2d` is cross-correlation: for output channel `o` in group `g`,
//! `Y[o, r, c] = Σ W[o, i', a, b] · Xpad[g·I/G + i', r·s + a·d, c·s + b·d]`,
//! with weights laid out (out, in/groups, kh, kw). `conv_transpose2d` is its
//! adjoint: input entry `X[i, r, c]` adds `W[i, o', a, b] · X[i, r, c]` to
//! output `Y[g·O/G + o', r·s − p + a·d, c·s − p + b·d]`, with weights laid out
//! (in, out/groups, kh, kw) unless the file states `layout: oihw`. Shapes
//! and parameters are checked here, once, with spans; the derivation and the
//! numeric check can then trust them.

use crate::algebra::Poly;
use crate::language::syntax::{Applied, Expr, ExprKind};
use crate::language::{Diagnostic, Span};

use super::args::{CallArgs, count, count_pair, word};
use super::tensor::{Role, Tensor};
use super::value::{Binding, Scope, eval};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConvKind {
    Conv2d,
    ConvTranspose2d,
}

impl ConvKind {
    pub fn name(self) -> &'static str {
        match self {
            ConvKind::Conv2d => "conv2d",
            ConvKind::ConvTranspose2d => "conv_transpose2d",
        }
    }
}

/// How `conv2d` fills the padding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PaddingMode {
    Zeros,
    Reflect,
    Replicate,
    Circular,
}

impl PaddingMode {
    pub fn name(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Reflect => "reflect",
            PaddingMode::Replicate => "replicate",
            PaddingMode::Circular => "circular",
        }
    }
}

/// Which kernel dimension is the output channel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Layout {
    /// (out, in/groups, kh, kw): conv2d's layout, and `layout: oihw`.
    OutIn,
    /// (in, out/groups, kh, kw): conv_transpose2d's default layout.
    InOut,
}

/// Padding on each side.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Padding {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

impl Padding {
    pub fn uniform(rows: usize, cols: usize) -> Padding {
        Padding { top: rows, bottom: rows, left: cols, right: cols }
    }

    pub fn is_zero(&self) -> bool {
        *self == Padding::default()
    }

    pub fn is_symmetric(&self) -> bool {
        self.top == self.bottom && self.left == self.right
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConvParams {
    pub stride: (usize, usize),
    pub padding: Padding,
    pub dilation: (usize, usize),
    pub groups: usize,
    pub output_padding: (usize, usize),
    pub padding_mode: PaddingMode,
    pub layout: Layout,
}

impl ConvParams {
    pub fn new(kind: ConvKind) -> ConvParams {
        ConvParams {
            stride: (1, 1),
            padding: Padding::default(),
            dilation: (1, 1),
            groups: 1,
            output_padding: (0, 0),
            padding_mode: PaddingMode::Zeros,
            layout: if kind == ConvKind::Conv2d { Layout::OutIn } else { Layout::InOut },
        }
    }
}

/// A convolution applied to a declared input.
#[derive(Clone, Debug)]
pub struct Conv {
    pub kind: ConvKind,
    pub kernel_name: String,
    pub kernel: Tensor,
    pub input_name: String,
    pub input: Tensor,
    pub params: ConvParams,
    /// One entry per output channel, if the call gives `bias:`.
    pub bias: Option<Vec<Poly>>,
    pub span: Span,
}

impl Conv {
    pub fn in_channels(&self) -> usize {
        self.input.input3()[0]
    }

    pub fn out_channels(&self) -> usize {
        let [d0, d1, _, _] = self.kernel.kernel4();
        match (self.kind, self.params.layout) {
            (ConvKind::Conv2d, _) | (ConvKind::ConvTranspose2d, Layout::OutIn) => d0,
            (ConvKind::ConvTranspose2d, Layout::InOut) => d1 * self.params.groups,
        }
    }

    /// (kh, kw).
    pub fn kernel_size(&self) -> (usize, usize) {
        let [_, _, kh, kw] = self.kernel.kernel4();
        (kh, kw)
    }

    /// The span of the kernel taps, dilation included: d·(k − 1) + 1.
    pub fn kernel_extent(&self) -> (usize, usize) {
        let (kh, kw) = self.kernel_size();
        let (dh, dw) = self.params.dilation;
        (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    }

    /// The output shape (channels, rows, cols); `None` when the kernel does
    /// not fit (conv2d) or the size formula is not positive (transposed).
    pub fn output_shape(&self) -> Option<[usize; 3]> {
        let [_, h, w] = self.input.input3();
        let p = &self.params;
        let (eh, ew) = self.kernel_extent();
        match self.kind {
            ConvKind::Conv2d => {
                let ph = h + p.padding.top + p.padding.bottom;
                let pw = w + p.padding.left + p.padding.right;
                if eh > ph || ew > pw {
                    return None;
                }
                Some([self.out_channels(), (ph - eh) / p.stride.0 + 1, (pw - ew) / p.stride.1 + 1])
            }
            ConvKind::ConvTranspose2d => {
                // (n − 1)·s − 2p + d·(k − 1) + output_padding + 1
                let rows = ((h as i64 - 1) * p.stride.0 as i64) - (p.padding.top + p.padding.bottom) as i64
                    + eh as i64
                    + p.output_padding.0 as i64;
                let cols = ((w as i64 - 1) * p.stride.1 as i64) - (p.padding.left + p.padding.right) as i64
                    + ew as i64
                    + p.output_padding.1 as i64;
                if rows < 1 || cols < 1 {
                    return None;
                }
                Some([self.out_channels(), rows as usize, cols as usize])
            }
        }
    }

    /// The kernel entry that carries input channel `i` into output channel
    /// `o` at tap (a, b); `None` when they lie in different groups.
    pub fn weight(&self, o: usize, i: usize, a: usize, b: usize) -> Option<&Poly> {
        let g = self.params.groups;
        let (in_per, out_per) = (self.in_channels() / g, self.out_channels() / g);
        if i / in_per != o / out_per {
            return None;
        }
        Some(match (self.kind, self.params.layout) {
            (ConvKind::Conv2d, _) | (ConvKind::ConvTranspose2d, Layout::OutIn) => {
                self.kernel.kernel_at(o, i % in_per, a, b)
            }
            (ConvKind::ConvTranspose2d, Layout::InOut) => self.kernel.kernel_at(i, o % out_per, a, b),
        })
    }

    /// The input row (or column) that padded coordinate `q` reads from, in
    /// a dimension of size `n` padded by `before` in front; `None` for a
    /// zero of the padding.
    pub fn source(&self, q: usize, n: usize, before: usize) -> Option<usize> {
        let t = q as i64 - before as i64;
        let n = n as i64;
        let idx = match self.params.padding_mode {
            PaddingMode::Zeros => {
                if t < 0 || t >= n {
                    return None;
                }
                t
            }
            PaddingMode::Reflect => {
                // Mirror without repeating the edge: -1 reads 1, n reads n-2.
                if t < 0 {
                    -t
                } else if t >= n {
                    2 * (n - 1) - t
                } else {
                    t
                }
            }
            PaddingMode::Replicate => t.clamp(0, n - 1),
            PaddingMode::Circular => t.rem_euclid(n),
        };
        Some(idx as usize)
    }
}

/// The most entries, nonzero or not, that the matrix of one convolution may
/// have in a row-by-column bound, and the most numbers its numeric check
/// may hold (the padded input, the output): a `matrix`, `affine` or
/// `equivalence` query over this is refused before anything is built, with
/// `shape` suggested for the size alone. 2^22 exact entries take about a
/// gigabyte.
pub const MAX_MATRIX_ENTRIES: u128 = 1 << 22;

/// The most numbers a `shape` query's numeric check computes directly;
/// beyond it the check recounts the size another way, without tensors.
pub const MAX_DIRECT_SHAPE_ENTRIES: u128 = 1 << 20;

/// The sizes one convolution asks for, computed exactly (no size can wrap).
#[derive(Clone, Copy, Debug)]
pub struct ConvSizes {
    /// Rows of the matrix: the output's entries.
    pub rows: u128,
    /// Columns of the matrix: the input's entries.
    pub cols: u128,
    /// An upper bound on the nonzero entries: each output entry reads at
    /// most `in/groups · kh · kw` inputs (transposed: each input writes as
    /// many outputs).
    pub nonzeros: u128,
    /// The padded input a direct computation reads (conv2d), or the
    /// output it writes (transposed).
    pub work: u128,
}

impl Conv {
    /// Every size this convolution asks for; `None` only when the kernel
    /// does not fit, which [`elaborate`] has already refused.
    pub fn sizes(&self) -> Option<ConvSizes> {
        let [c, h, w] = self.input.input3().map(|d| d as u128);
        let [oc, oh, ow] = self.output_shape()?.map(|d| d as u128);
        let (kh, kw) = self.kernel_size();
        let g = self.params.groups.max(1) as u128;
        let p = &self.params.padding;
        // Saturating: a size past u128 is over every limit anyway.
        let m = |xs: &[u128]| xs.iter().fold(1u128, |a, &x| a.saturating_mul(x));
        let rows = m(&[oc, oh, ow]);
        let cols = m(&[c, h, w]);
        let taps = m(&[kh as u128, kw as u128]);
        let nonzeros = match self.kind {
            ConvKind::Conv2d => m(&[rows, c / g, taps]),
            ConvKind::ConvTranspose2d => m(&[cols, oc / g, taps]),
        };
        let work = match self.kind {
            ConvKind::Conv2d => m(&[c, h + (p.top + p.bottom) as u128, w + (p.left + p.right) as u128]),
            ConvKind::ConvTranspose2d => rows,
        };
        Some(ConvSizes { rows, cols, nonzeros, work })
    }

    /// Refuses a matrix too large to build, at `span`, before anything is
    /// allocated: the error names the limit and the size asked for.
    pub fn check_matrix_size(&self, span: Span) -> Result<(), Diagnostic> {
        for (t, name) in [(&self.kernel, &self.kernel_name), (&self.input, &self.input_name)] {
            if !t.written {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "`{name}` has {} entries, over the tensor limit of {}: only its shape is known",
                        t.size(),
                        super::MAX_TENSOR_ENTRIES
                    ),
                )
                .with_label("needs every entry")
                .with_hint(format!(
                    "ask for its size instead: `shape {}(…) on {}` computes the output shape from the shapes alone",
                    self.kind.name(),
                    self.input_name
                )));
            }
        }
        let Some(s) = self.sizes() else { return Ok(()) };
        let asked = s.nonzeros.max(s.work).max(s.rows).max(s.cols);
        if asked <= MAX_MATRIX_ENTRIES {
            return Ok(());
        }
        Err(Diagnostic::error(
            span,
            format!(
                "this {} asks for a {}x{} matrix with up to {} entries, over the matrix limit of {MAX_MATRIX_ENTRIES}",
                self.kind.name(),
                s.rows,
                s.cols,
                asked
            ),
        )
        .with_label("too large to build")
        .with_hint(format!(
            "ask for its size instead: `shape {}(…) on {}` computes the output shape without building the matrix",
            self.kind.name(),
            self.input_name
        )))
    }
}

const CONV_ARGS: &[&str] = &["stride", "padding", "dilation", "groups", "padding_mode", "bias"];
const TRANSPOSED_ARGS: &[&str] = &["stride", "padding", "output_padding", "dilation", "groups", "layout", "bias"];

pub(super) fn tensor_named<'s>(
    expr: &Expr,
    scope: &'s dyn Scope,
    role: Role,
) -> Result<(String, &'s Tensor), Diagnostic> {
    let Some(name) = expr.as_name() else {
        return Err(Diagnostic::error(
            expr.span,
            format!("expected the name of {} declared in this problem", role.a()),
        )
        .with_label(format!("this is {}", expr.describe())));
    };
    match scope.binding(name) {
        Some(Binding::Tensor(t)) if t.role == role || (role == Role::Input && t.role == Role::Matrix) => {
            Ok((name.to_string(), t))
        }
        Some(Binding::Tensor(t)) => {
            Err(Diagnostic::error(expr.span, format!("`{name}` is {}, not {}", t.role.a(), role.a()))
                .with_hint(format!("declare it as `{name} = {} …`", role.noun())))
        }
        Some(Binding::Object(noun)) => {
            Err(Diagnostic::error(expr.span, format!("`{name}` is a {noun}, not {}", role.a())))
        }
        Some(Binding::Value(_)) => Err(Diagnostic::error(expr.span, format!("`{name}` is a value, not {}", role.a()))),
        Some(Binding::Network(_)) => {
            Err(Diagnostic::error(expr.span, format!("`{name}` is a network, not {}", role.a())))
        }
        None => Err(Diagnostic::error(expr.span, format!("unknown name `{name}`"))
            .with_label("not declared in this problem")
            .with_hint(format!("declare it first, e.g. `{name} = {} 2x2 w`", role.noun()))),
    }
}

/// Reads `conv2d(W, …) on X` or `conv_transpose2d(W, …) on X` and checks it.
pub fn elaborate(applied: &Applied, scope: &dyn Scope) -> Result<Conv, Diagnostic> {
    elaborate_on(&applied.op, applied.span, Operand::Declared(&applied.input), scope)
}

/// What a convolution is applied to: a declared input, or (inside a
/// network) a tensor of a known shape that some layer produces.
pub enum Operand<'a> {
    Declared(&'a Expr),
    /// The name used in messages, the tensor (only its shape is read) and
    /// where it comes from.
    Produced {
        name: String,
        tensor: Tensor,
        span: Span,
    },
}

/// Reads the operator `op` applied to `operand`, spanning `span`, with
/// every rule checked.
pub fn elaborate_on(op: &Expr, span: Span, operand: Operand, scope: &dyn Scope) -> Result<Conv, Diagnostic> {
    let ExprKind::Call(callee, args) = &op.kind else {
        return Err(Diagnostic::error(op.span, "expected an operator call such as `conv2d(W, stride: 2)`")
            .with_label(format!("this is {}", op.describe())));
    };
    let kind = match callee.as_name() {
        Some("conv2d") => ConvKind::Conv2d,
        Some("conv_transpose2d") => ConvKind::ConvTranspose2d,
        other => {
            let mut d = Diagnostic::error(callee.span, format!("unknown operator `{}`", other.unwrap_or("?")))
                .with_label("expected `conv2d` or `conv_transpose2d`");
            if let Some(s) = other.and_then(|o| super::args::closest(o, &["conv2d", "conv_transpose2d"])) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            return Err(d);
        }
    };
    let mut call = CallArgs::new(kind.name(), op.span, args)?;
    let kernel_expr = match call.positional() {
        [k] => *k,
        [] => {
            return Err(Diagnostic::error(op.span, format!("`{}` needs a kernel", kind.name()))
                .with_hint(format!("write `{}(W)` with `W = kernel 2x2 w` declared", kind.name())));
        }
        [_, extra, ..] => {
            return Err(Diagnostic::error(extra.span, "only the kernel is positional")
                .with_hint("name the other arguments: `stride: 2`"));
        }
    };
    let (kernel_name, kernel) = tensor_named(kernel_expr, scope, Role::Kernel)?;
    let (input_name, input, input_span) = match operand {
        Operand::Declared(e) => {
            let (n, t) = tensor_named(e, scope, Role::Input)?;
            (n, t.clone(), e.span)
        }
        Operand::Produced { name, tensor, span } => (name, tensor, span),
    };
    let mut params = ConvParams::new(kind);
    if let Some(e) = call.take("stride") {
        params.stride = count_pair(e, scope, "the stride", 1)?;
    }
    if let Some(e) = call.take("dilation") {
        params.dilation = count_pair(e, scope, "the dilation", 1)?;
    }
    if let Some(e) = call.take("groups") {
        params.groups = count(e, scope, "the number of groups", 1)?;
    }
    let padding_expr = call.take("padding");
    let mut bias_expr = None;
    match kind {
        ConvKind::Conv2d => {
            if let Some(e) = call.take("padding_mode") {
                let w = word(e, "padding mode", &["zeros", "reflect", "replicate", "circular"])?;
                params.padding_mode = match w.as_str() {
                    "reflect" => PaddingMode::Reflect,
                    "replicate" => PaddingMode::Replicate,
                    "circular" => PaddingMode::Circular,
                    _ => PaddingMode::Zeros,
                };
            }
            bias_expr = call.take("bias");
            call.finish(CONV_ARGS)?;
        }
        ConvKind::ConvTranspose2d => {
            if let Some(e) = call.take("output_padding") {
                params.output_padding = count_pair(e, scope, "the output padding", 0)?;
            }
            if let Some(e) = call.take("layout") {
                let w = word(e, "kernel layout", &["iohw", "oihw"])?;
                params.layout = if w == "oihw" { Layout::OutIn } else { Layout::InOut };
            }
            bias_expr = bias_expr.or(call.take("bias"));
            call.finish(TRANSPOSED_ARGS)?;
        }
    }
    let mut conv = Conv { kind, kernel_name, kernel: kernel.clone(), input_name, input, params, bias: None, span };
    if let Some(e) = padding_expr {
        conv.params.padding = padding(e, scope, &conv)?;
    }
    check(&conv, kernel_expr, input_span, padding_expr)?;
    if let Some(e) = bias_expr {
        conv.bias = Some(bias(e, scope, conv.out_channels())?);
    }
    Ok(conv)
}

/// `padding: 1`, `(1, 2)`, `{ top: 1, bottom: 0, left: 1, right: 0 }`,
/// `same` or `valid`.
fn padding(e: &Expr, scope: &dyn Scope, conv: &Conv) -> Result<Padding, Diagnostic> {
    let transposed = conv.kind == ConvKind::ConvTranspose2d;
    match &e.kind {
        ExprKind::Name(w) if w == "valid" => Ok(Padding::default()),
        ExprKind::Name(w) if w == "same" => {
            if transposed {
                return Err(Diagnostic::error(e.span, "`padding: same` is only defined for conv2d"));
            }
            if conv.params.stride != (1, 1) {
                return Err(Diagnostic::error(e.span, "`padding: same` needs stride 1")
                    .with_hint("PyTorch rejects `same` padding with a stride other than 1"));
            }
            // PyTorch puts the odd extra row or column at the bottom/right.
            let (eh, ew) = conv.kernel_extent();
            let (th, tw) = (eh - 1, ew - 1);
            Ok(Padding { top: th / 2, bottom: th - th / 2, left: tw / 2, right: tw - tw / 2 })
        }
        ExprKind::Record(fields) => {
            if transposed {
                return Err(Diagnostic::error(e.span, "conv_transpose2d pads the same on both sides")
                    .with_hint("give one number or (rows, columns)"));
            }
            let mut p = Padding::default();
            for f in fields {
                let n = count(&f.value, scope, "a padding", 0)?;
                match f.name.name.as_str() {
                    "top" => p.top = n,
                    "bottom" => p.bottom = n,
                    "left" => p.left = n,
                    "right" => p.right = n,
                    other => {
                        return Err(Diagnostic::error(f.name.span, format!("unknown side `{other}`"))
                            .with_label("expected `top`, `bottom`, `left` or `right`"));
                    }
                }
            }
            Ok(p)
        }
        _ => {
            let (r, c) = count_pair(e, scope, "the padding", 0)?;
            Ok(Padding::uniform(r, c))
        }
    }
}

fn bias(e: &Expr, scope: &dyn Scope, out_channels: usize) -> Result<Vec<Poly>, Diagnostic> {
    let v = eval(e, scope)?;
    let items = v.items().unwrap_or_else(|| vec![v.clone()]);
    if items.len() != out_channels {
        return Err(Diagnostic::error(e.span, format!("the bias needs one entry per output channel ({out_channels})"))
            .with_label(format!("{} entries", items.len())));
    }
    items
        .iter()
        .map(|it| {
            it.as_scalar()
                .and_then(|s| s.as_poly().cloned())
                .ok_or_else(|| Diagnostic::error(e.span, "bias entries must be numbers or polynomials"))
        })
        .collect()
}

/// Every rule PyTorch enforces, each with the span it is about.
fn check(conv: &Conv, kernel_expr: &Expr, input_span: Span, padding_expr: Option<&Expr>) -> Result<(), Diagnostic> {
    let k = conv.kernel.kernel4();
    let [c, h, w] = conv.input.input3();
    let g = conv.params.groups;
    let name = conv.kind.name();
    let shape = |s: &[usize]| s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x");
    let kshape = shape(&conv.kernel.shape);
    let ishape = shape(&conv.input.shape);
    if c % g != 0 {
        return Err(Diagnostic::error(conv.span, format!("{g} groups do not divide the {c} input channels"))
            .with_hint_at(input_span, format!("`{}` has shape {ishape}", conv.input_name)));
    }
    let (in_dim, out_total) = match (conv.kind, conv.params.layout) {
        (ConvKind::Conv2d, _) | (ConvKind::ConvTranspose2d, Layout::OutIn) => (k[1] * g, k[0]),
        (ConvKind::ConvTranspose2d, Layout::InOut) => (k[0], k[1] * g),
    };
    if in_dim != c {
        let layout = match (conv.kind, conv.params.layout) {
            (ConvKind::Conv2d, _) => "conv2d kernels are (out, in/groups, kh, kw)",
            (_, Layout::OutIn) => "with `layout: oihw` the kernel is (out, in/groups, kh, kw)",
            (_, Layout::InOut) => {
                "conv_transpose2d kernels are (in, out/groups, kh, kw); write `layout: oihw` for (out, in, kh, kw)"
            }
        };
        return Err(Diagnostic::error(
            kernel_expr.span,
            format!("the kernel expects {in_dim} input channels, but `{}` has {c}", conv.input_name),
        )
        .with_label(format!("`{}` has shape {kshape}", conv.kernel_name))
        .with_hint_at(input_span, format!("`{}` has shape {ishape}", conv.input_name))
        .with_hint(layout));
    }
    if out_total % g != 0 {
        return Err(Diagnostic::error(
            kernel_expr.span,
            format!("{g} groups do not divide the {out_total} output channels"),
        )
        .with_label(format!("`{}` has shape {kshape}", conv.kernel_name)));
    }
    let pad_span = padding_expr.map_or(conv.span, |e| e.span);
    let p = &conv.params;
    if conv.kind == ConvKind::ConvTranspose2d {
        let (oh, ow) = p.output_padding;
        if (oh >= p.stride.0 && oh >= p.dilation.0) || (ow >= p.stride.1 && ow >= p.dilation.1) {
            return Err(Diagnostic::error(
                conv.span,
                "the output padding must be smaller than the stride or the dilation",
            )
            .with_hint(format!(
                "output_padding ({oh}, {ow}) with stride ({}, {}) and dilation ({}, {})",
                p.stride.0, p.stride.1, p.dilation.0, p.dilation.1
            )));
        }
    }
    if p.padding_mode != PaddingMode::Zeros && !p.padding.is_zero() {
        let pd = &p.padding;
        let mode = p.padding_mode.name();
        let too_big = match p.padding_mode {
            PaddingMode::Reflect => pd.top >= h || pd.bottom >= h || pd.left >= w || pd.right >= w,
            PaddingMode::Circular => pd.top > h || pd.bottom > h || pd.left > w || pd.right > w,
            _ => false,
        };
        if too_big {
            let limit = if p.padding_mode == PaddingMode::Reflect { "smaller than" } else { "at most" };
            return Err(Diagnostic::error(pad_span, format!("`{mode}` padding must be {limit} the input size"))
                .with_hint_at(input_span, format!("`{}` is {h}x{w}", conv.input_name)));
        }
    }
    if conv.output_shape().is_none() {
        let (eh, ew) = conv.kernel_extent();
        return Err(match conv.kind {
            ConvKind::Conv2d => {
                let ph = h + p.padding.top + p.padding.bottom;
                let pw = w + p.padding.left + p.padding.right;
                Diagnostic::error(
                    conv.span,
                    if p.dilation == (1, 1) {
                        format!("the kernel ({eh}x{ew}) is larger than the padded input ({ph}x{pw})")
                    } else {
                        format!("the kernel ({eh}x{ew} with dilation) is larger than the padded input ({ph}x{pw})")
                    },
                )
                .with_label("no output position fits")
                .with_hint_at(kernel_expr.span, format!("`{}` has shape {kshape}", conv.kernel_name))
            }
            ConvKind::ConvTranspose2d => Diagnostic::error(conv.span, "the padding leaves no output")
                .with_label(format!("(n − 1)·s − 2p + d·(k − 1) + output_padding + 1 is not positive for `{name}`")),
        });
    }
    Ok(())
}
