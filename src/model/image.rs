//! Networks on images: the layers `conv2d(K, …) + b`, `max_pool2d(k, …)`,
//! `avg_pool2d(k, …)` and `flatten`, next to `dense` and the activations.
//!
//! Conventions are PyTorch's, without the batch dimension: an image is
//! (channels, rows, columns) and flattens row-major; a pool's stride is
//! its kernel size unless given, and its output size rounds down
//! (`floor((n − k)/s) + 1`). A convolution follows the convolution
//! family's rules ([`super::conv`]). Every layer but `max_pool2d` is an
//! affine map; `max_pool2d` passes on the largest value of each window.

use crate::language::syntax::{Expr, ExprKind};
use crate::language::{Diagnostic, Span};

use super::args::{CallArgs, count_pair};
use super::conv::{Conv, ConvKind, Operand, elaborate_on};
use super::network::{Activation, Dense};
use super::tensor::{Role, Tensor};
use super::value::Scope;

/// Most values one layer of an image network may produce.
pub const MAX_IMAGE_VALUES: usize = 1 << 16;

/// The shape of the values between two layers: a flat vector of n values,
/// or an image (c, h, w).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Flat(usize),
    Image([usize; 3]),
}

impl Shape {
    pub fn len(&self) -> usize {
        match self {
            Shape::Flat(n) => *n,
            Shape::Image([c, h, w]) => c * h * w,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `16`, `1x4x4`.
    pub fn text(&self) -> String {
        match self {
            Shape::Flat(n) => n.to_string(),
            Shape::Image([c, h, w]) => format!("{c}x{h}x{w}"),
        }
    }
}

/// A pooling window: its size and stride, (rows, cols) each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub input: [usize; 3],
    pub output: [usize; 3],
}

impl Pool {
    /// The flat input indices of output `(c, r, col)`'s window, row-major.
    pub fn window(&self, c: usize, r: usize, col: usize) -> impl Iterator<Item = usize> + '_ {
        let [_, h, w] = self.input;
        let (kh, kw) = self.kernel;
        let (r0, c0) = (r * self.stride.0, col * self.stride.1);
        (0..kh).flat_map(move |a| (0..kw).map(move |b| (c * h + r0 + a) * w + c0 + b))
    }

    /// Every window in output order (channel, row, column).
    pub fn windows(&self) -> Vec<Vec<usize>> {
        let [c, oh, ow] = self.output;
        let mut out = Vec::with_capacity(c * oh * ow);
        for ch in 0..c {
            for r in 0..oh {
                for col in 0..ow {
                    out.push(self.window(ch, r, col).collect());
                }
            }
        }
        out
    }
}

/// One layer of a network that may work on images.
#[derive(Clone, Debug)]
pub enum Stage {
    Dense(Dense),
    Activation {
        activation: Activation,
        span: Span,
    },
    /// A convolution with its bias (one entry per output channel).
    Conv {
        conv: Box<Conv>,
        span: Span,
    },
    MaxPool {
        pool: Pool,
        span: Span,
    },
    AvgPool {
        pool: Pool,
        span: Span,
    },
    Flatten {
        span: Span,
    },
}

impl Stage {
    pub fn span(&self) -> Span {
        match self {
            Stage::Dense(d) => d.span,
            Stage::Activation { span, .. }
            | Stage::Conv { span, .. }
            | Stage::MaxPool { span, .. }
            | Stage::AvgPool { span, .. }
            | Stage::Flatten { span } => *span,
        }
    }

    /// The layer in a word or two: `conv2d`, `max_pool2d 2×2`, `dense 10×72`.
    pub fn word(&self) -> String {
        match self {
            Stage::Dense(d) => format!("dense {}×{}", d.weight.rows(), d.weight.cols()),
            Stage::Activation { activation, .. } => activation.word().to_string(),
            Stage::Conv { conv, .. } => {
                let (kh, kw) = conv.kernel_size();
                format!("conv2d {kh}×{kw}")
            }
            Stage::MaxPool { pool, .. } => format!("max_pool2d {}×{}", pool.kernel.0, pool.kernel.1),
            Stage::AvgPool { pool, .. } => format!("avg_pool2d {}×{}", pool.kernel.0, pool.kernel.1),
            Stage::Flatten { .. } => "flatten".to_string(),
        }
    }
}

/// A network that may work on images, with every size a number: the
/// input's shape, and each layer with the shape it produces.
#[derive(Clone, Debug)]
pub struct Staged {
    pub input: Shape,
    pub stages: Vec<(Stage, Shape)>,
}

impl Staged {
    pub fn output(&self) -> Shape {
        self.stages.last().map_or(self.input, |s| s.1)
    }

    /// Whether any layer works on images (a network of dense layers and
    /// activations only is also a [`super::network::Concrete`]).
    pub fn has_image_layers(&self) -> bool {
        self.stages.iter().any(|(s, _)| {
            matches!(s, Stage::Conv { .. } | Stage::MaxPool { .. } | Stage::AvgPool { .. } | Stage::Flatten { .. })
        })
    }

    /// The first layer with an entry that is not a number, if any.
    pub fn first_symbolic(&self) -> Option<Span> {
        self.stages.iter().find_map(|(s, _)| {
            let numeric = match s {
                Stage::Dense(d) => d.weight.entries().iter().chain(&d.bias).all(|e| e.as_constant().is_some()),
                Stage::Activation { activation, .. } => activation.negative_slope().as_constant().is_some(),
                Stage::Conv { conv, .. } => {
                    conv.kernel.entries.iter().all(|e| e.as_constant().is_some())
                        && conv.bias.iter().flatten().all(|e| e.as_constant().is_some())
                }
                _ => true,
            };
            (!numeric).then_some(s.span())
        })
    }
}

/// What the layer before produced, for messages: its span and a phrase.
pub struct Producer<'a> {
    pub span: Span,
    pub phrase: &'a str,
    /// The network's input name when no layer came before.
    pub input: Option<&'a str>,
}

fn needs_image(what: &str, span: Span, shape: Shape, producer: &Producer) -> Diagnostic {
    Diagnostic::error(
        span,
        format!(
            "`{what}` works on an image (channels, rows, columns), but the layer before gives {} values in a vector",
            shape.len()
        ),
    )
    .with_label("needs an image")
    .with_hint_at(producer.span, producer.phrase.to_string())
    .with_hint(
        "declare the input as an image, `network (x: 1x4x4) { … }`, and put `flatten` only before the dense layers",
    )
}

/// Reads an image layer on values of shape `shape`: the stage and the
/// shape it gives.
pub fn stage(
    op: &Expr,
    bias: Option<&Expr>,
    span: Span,
    shape: Shape,
    producer: &Producer,
    scope: &dyn Scope,
) -> Result<(Stage, Shape), Diagnostic> {
    let (name, args): (&str, &[crate::language::syntax::Arg]) = match &op.kind {
        ExprKind::Name(n) => (n.as_str(), &[]),
        ExprKind::Call(callee, args) => (callee.as_name().unwrap_or("?"), args.as_slice()),
        _ => {
            return Err(Diagnostic::error(op.span, "expected a layer").with_label(format!("this is {}", op.describe())));
        }
    };
    if name != "conv2d"
        && let Some(b) = bias
    {
        return Err(Diagnostic::error(b.span, format!("`{name}` takes no bias"))
            .with_hint("only `dense` and `conv2d` layers add a bias"));
    }
    match name {
        "flatten" => {
            if let Some(a) = args.first() {
                return Err(Diagnostic::error(a.value.span, "`flatten` takes no arguments")
                    .with_hint("write `flatten` alone: it reads (channels, rows, columns) row-major"));
            }
            Ok((Stage::Flatten { span }, Shape::Flat(shape.len())))
        }
        "max_pool2d" | "avg_pool2d" => {
            let Shape::Image(input) = shape else {
                return Err(needs_image(name, span, shape, producer));
            };
            let mut call = CallArgs::new(name, op.span, args)?;
            let kernel = match call.positional() {
                [k] => count_pair(k, scope, "the pooling window", 1)?,
                [] => {
                    return Err(Diagnostic::error(op.span, format!("`{name}` needs its window size"))
                        .with_hint(format!("write `{name}(2)` for 2×2 windows")));
                }
                [_, extra, ..] => {
                    return Err(Diagnostic::error(extra.span, "only the window size is positional")
                        .with_hint("name the stride: `stride: 2`"));
                }
            };
            let stride = match call.take("stride") {
                Some(e) => count_pair(e, scope, "the stride", 1)?,
                None => kernel,
            };
            call.finish(&["stride"])?;
            let [c, h, w] = input;
            if kernel.0 > h || kernel.1 > w {
                return Err(Diagnostic::error(
                    op.span,
                    format!("the window ({}x{}) is larger than the image ({h}x{w})", kernel.0, kernel.1),
                )
                .with_label("no window fits")
                .with_hint_at(producer.span, producer.phrase.to_string()));
            }
            let output = [c, (h - kernel.0) / stride.0 + 1, (w - kernel.1) / stride.1 + 1];
            let pool = Pool { kernel, stride, input, output };
            let stage =
                if name == "max_pool2d" { Stage::MaxPool { pool, span } } else { Stage::AvgPool { pool, span } };
            Ok((stage, Shape::Image(output)))
        }
        "conv2d" => {
            let Shape::Image(input) = shape else {
                return Err(needs_image(name, span, shape, producer));
            };
            let name = producer.input.map_or_else(|| "the layer before".to_string(), |n| n.to_string());
            let tensor = Tensor::unwritten(Role::Input, input.to_vec(), "a");
            if let ExprKind::Call(_, args) = &op.kind
                && let Some(a) = args.iter().find(|a| a.name.as_ref().is_some_and(|n| n.name == "bias"))
            {
                return Err(Diagnostic::error(
                    a.value.span,
                    "a conv2d layer's bias is added after it: `conv2d(K) + b`",
                )
                .with_label("not an argument here"));
            }
            // Inside a network the input is the layer before, which has no
            // name of its own: a channel mismatch names that layer.
            let first_layer = producer.input.is_some();
            let mut conv = elaborate_on(op, span, Operand::Produced { name, tensor, span: producer.span }, scope)
                .map_err(|mut d| {
                    if !first_layer && d.message.contains("`the layer before` has") {
                        d.message = d.message.replace("`the layer before` has", "the layer before gives");
                        for h in &mut d.hints {
                            if h.span == Some(producer.span) {
                                h.message = producer.phrase.to_string();
                            }
                        }
                    }
                    d
                })?;
            if conv.kind != ConvKind::Conv2d {
                return Err(Diagnostic::error(op.span, "a network's convolution layers are `conv2d`"));
            }
            if !conv.kernel.written {
                return Err(Diagnostic::error(
                    op.span,
                    format!("the kernel `{}` is too large to write out", conv.kernel_name),
                ));
            }
            let out = conv.output_shape().expect("checked");
            let sizes = conv.sizes().expect("checked");
            if sizes.nonzeros > super::conv::MAX_MATRIX_ENTRIES || out.iter().product::<usize>() > MAX_IMAGE_VALUES {
                return Err(Diagnostic::error(span, format!("this layer gives {}x{}x{} values, over the limit of {MAX_IMAGE_VALUES} values (or {} weights) for a layer", out[0], out[1], out[2], super::conv::MAX_MATRIX_ENTRIES))
                    .with_label("too large"));
            }
            if let Some(b) = bias {
                let v = super::value::eval(b, scope)?;
                let items: Vec<_> = match &v {
                    super::value::Value::Scalar(s) => vec![s.clone(); out[0]],
                    super::value::Value::Matrix(m) if m.cols() == 1 || m.rows() == 1 => m.entries().to_vec(),
                    other => {
                        return Err(Diagnostic::error(b.span, "a bias must be a vector or a number")
                            .with_label(format!("this is {}", other.describe())));
                    }
                };
                if items.len() != out[0] {
                    return Err(Diagnostic::error(
                        b.span,
                        format!(
                            "the bias has {} entries but the convolution has {} output channels",
                            items.len(),
                            out[0]
                        ),
                    )
                    .with_label(format!("{} entries", items.len()))
                    .with_hint_at(
                        op.span,
                        format!(
                            "`{}` has shape {}",
                            conv.kernel_name,
                            conv.kernel.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x")
                        ),
                    )
                    .with_hint(
                        "a convolution's bias has one entry per output channel, or is one number added to every one",
                    ));
                }
                let polys = items
                    .iter()
                    .map(|r| {
                        r.as_poly()
                            .cloned()
                            .ok_or_else(|| Diagnostic::error(b.span, "bias entries must be numbers or polynomials"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                conv.bias = Some(polys);
            }
            Ok((Stage::Conv { conv: Box::new(conv), span }, Shape::Image(out)))
        }
        other => Err(Diagnostic::error(op.span, format!("unknown layer `{other}`"))),
    }
}
