//! Convolutions as matrices: the matrix A with Y = A·X for `conv2d` and
//! `conv_transpose2d`, both tensors flattened row-major over (channel, row,
//! column), and a derivation a student can follow.

use crate::algebra::print::{self, Notation};
use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring, SparseBuilder, SparseMatrix, Symbol};
use crate::model::{Conv, ConvKind, Layout, PaddingMode, Role, Tensor, Value};

use super::{Step, count, labeled};

/// Output entries shown one by one in a derivation; the rest are summarized.
const SHOWN_ENTRIES: usize = 16;
/// Largest padded input shown in full in a derivation.
const SHOWN_SIDE: usize = 12;

/// The matrix A with Y = A·X, rows indexed by output (channel, row, col)
/// and columns by input (channel, row, col), both row-major.
pub fn matrix(conv: &Conv) -> SparseMatrix<Poly> {
    let [cin, h, w] = conv.input.input3();
    let [cout, oh, ow] = conv.output_shape().expect("elaboration checked the output shape");
    let (kh, kw) = conv.kernel_size();
    let p = &conv.params;
    let g = p.groups;
    let (in_per, out_per) = (cin / g, cout / g);
    let taps_per_row = in_per * kh * kw;
    let mut b = SparseBuilder::with_capacity(cout * oh * ow, cin * h * w, cout * oh * ow * taps_per_row);
    match conv.kind {
        ConvKind::Conv2d => {
            // Which input row each (output row, tap row) reads, padding
            // mode included; likewise for columns.
            let rows: Vec<Option<usize>> = (0..oh)
                .flat_map(|r| (0..kh).map(move |a| (r, a)))
                .map(|(r, a)| conv.source(r * p.stride.0 + a * p.dilation.0, h, p.padding.top))
                .collect();
            let cols: Vec<Option<usize>> = (0..ow)
                .flat_map(|c| (0..kw).map(move |bb| (c, bb)))
                .map(|(c, bb)| conv.source(c * p.stride.1 + bb * p.dilation.1, w, p.padding.left))
                .collect();
            for o in 0..cout {
                let group = o / out_per;
                for r in 0..oh {
                    for c in 0..ow {
                        for i in group * in_per..(group + 1) * in_per {
                            for a in 0..kh {
                                let Some(sr) = rows[r * kh + a] else { continue };
                                for bb in 0..kw {
                                    let Some(sc) = cols[c * kw + bb] else { continue };
                                    let weight = conv.weight(o, i, a, bb).expect("same group");
                                    if !weight.is_zero() {
                                        b.add((i * h + sr) * w + sc, weight.clone());
                                    }
                                }
                            }
                        }
                        b.finish_row();
                    }
                }
            }
        }
        ConvKind::ConvTranspose2d => {
            // Output row r collects input row t/s for every tap a with
            // t = r + p − a·d divisible by the stride.
            let sources = |r: usize, k: usize, s: usize, d: usize, pad: usize, n: usize| -> Vec<(usize, usize)> {
                (0..k)
                    .filter_map(|a| {
                        let t = r as i64 + pad as i64 - (a * d) as i64;
                        (t >= 0 && t % s as i64 == 0 && ((t / s as i64) as usize) < n)
                            .then(|| (a, (t / s as i64) as usize))
                    })
                    .collect()
            };
            for o in 0..cout {
                let group = o / out_per;
                for r in 0..oh {
                    let row_taps = sources(r, kh, p.stride.0, p.dilation.0, p.padding.top, h);
                    for c in 0..ow {
                        let col_taps = sources(c, kw, p.stride.1, p.dilation.1, p.padding.left, w);
                        for i in group * in_per..(group + 1) * in_per {
                            for &(a, ir) in &row_taps {
                                for &(bb, ic) in &col_taps {
                                    let weight = conv.weight(o, i, a, bb).expect("same group");
                                    if !weight.is_zero() {
                                        b.add((i * h + ir) * w + ic, weight.clone());
                                    }
                                }
                            }
                        }
                        b.finish_row();
                    }
                }
            }
        }
    }
    b.finish()
}

/// The name of output entry (o, r, c): `y[r,c]` for a single channel
/// written as a matrix, `y[o,r,c]` otherwise.
pub fn output_symbol(conv: &Conv, o: usize, r: usize, c: usize) -> Symbol {
    if conv.input.shape.len() == 2 && conv.out_channels() == 1 {
        Symbol::indexed("y", &[r as i64, c as i64])
    } else {
        Symbol::indexed("y", &[o as i64, r as i64, c as i64])
    }
}

fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}

fn poly_matrix(rows: usize, cols: usize, entry: impl Fn(usize, usize) -> Poly) -> Value {
    Value::Matrix(Matrix::from_vec(
        rows,
        cols,
        (0..rows * cols).map(|k| RatFunc::from(entry(k / cols, k % cols))).collect(),
    ))
}

fn describe_kernel(conv: &Conv) -> String {
    let k = &conv.kernel;
    let shape = shape_text(&k.shape);
    if k.shape.len() == 2 {
        return format!("The kernel {} is {shape}: one input and one output channel", conv.kernel_name);
    }
    let layout = match (conv.kind, conv.params.layout) {
        (ConvKind::Conv2d, _) => "(out, in/groups, rows, cols)",
        (ConvKind::ConvTranspose2d, Layout::OutIn) => "(out, in/groups, rows, cols), as the file states",
        (ConvKind::ConvTranspose2d, Layout::InOut) => {
            "(in, out/groups, rows, cols), PyTorch's layout for transposed convolutions"
        }
    };
    format!("The kernel {} is {shape}, read as {layout}", conv.kernel_name)
}

fn parameters_text(conv: &Conv) -> String {
    let p = &conv.params;
    let pair = |x: (usize, usize)| if x.0 == x.1 { x.0.to_string() } else { format!("({}, {})", x.0, x.1) };
    let pad = &p.padding;
    let padding = if pad.is_symmetric() {
        pair((pad.top, pad.left))
    } else {
        format!("(top {}, bottom {}, left {}, right {})", pad.top, pad.bottom, pad.left, pad.right)
    };
    let mut parts = vec![format!("stride {}", pair(p.stride)), format!("padding {padding}")];
    if p.padding_mode != PaddingMode::Zeros {
        parts.push(format!("{} padding", p.padding_mode.name()));
    }
    if p.dilation != (1, 1) {
        parts.push(format!("dilation {}", pair(p.dilation)));
    }
    if p.groups != 1 {
        parts.push(format!("{} groups", p.groups));
    }
    if p.output_padding != (0, 0) {
        parts.push(format!("output padding {}", pair(p.output_padding)));
    }
    parts.join(", ")
}

/// The size formula of one dimension, in both notations.
fn size_step(conv: &Conv, rows: bool) -> (String, String) {
    let [_, h, w] = conv.input.input3();
    let [_, oh, ow] = conv.output_shape().expect("checked");
    let p = &conv.params;
    let (n, before, after, s, d, k, op, out, name) = if rows {
        let (kh, _) = conv.kernel_size();
        (h, p.padding.top, p.padding.bottom, p.stride.0, p.dilation.0, kh, p.output_padding.0, oh, "H")
    } else {
        let (_, kw) = conv.kernel_size();
        (w, p.padding.left, p.padding.right, p.stride.1, p.dilation.1, kw, p.output_padding.1, ow, "W")
    };
    match conv.kind {
        ConvKind::Conv2d => (
            format!("{name}_out = floor(({n} + {before} + {after} - {d}*({k} - 1) - 1)/{s}) + 1 = {out}"),
            format!(
                "{name}_{{\\text{{out}}}} = \\left\\lfloor \\frac{{{n} + {before} + {after} - {d} \\cdot ({k} - 1) - 1}}{{{s}}} \\right\\rfloor + 1 = {out}"
            ),
        ),
        ConvKind::ConvTranspose2d => (
            format!("{name}_out = ({n} - 1)*{s} - 2*{before} + {d}*({k} - 1) + {op} + 1 = {out}"),
            format!(
                "{name}_{{\\text{{out}}}} = ({n} - 1) \\cdot {s} - 2 \\cdot {before} + {d} \\cdot ({k} - 1) + {op} + 1 = {out}"
            ),
        ),
    }
}

/// Both size formulas, rows then columns, in both notations.
fn sizes(conv: &Conv) -> (String, String) {
    let (rp, rl) = size_step(conv, true);
    let (cp, cl) = size_step(conv, false);
    let latex = format!(
        "\\begin{{aligned}} {} \\\\ {} \\end{{aligned}}",
        rl.replacen(" = ", " &= ", 1),
        cl.replacen(" = ", " &= ", 1)
    );
    (format!("{rp}\n{cp}"), latex)
}

/// The padded input of channel `ch`, entry by entry.
fn padded_channel(conv: &Conv, ch: usize) -> impl Fn(usize, usize) -> Poly + '_ {
    let [_, h, w] = conv.input.input3();
    move |r, c| {
        let p = &conv.params.padding;
        match (conv.source(r, h, p.top), conv.source(c, w, p.left)) {
            (Some(sr), Some(sc)) => conv.input.entries[(ch * h + sr) * w + sc].clone(),
            _ => Poly::zero(),
        }
    }
}

/// The derivation steps shared by the matrix and affine queries.
fn steps(conv: &Conv, a: &SparseMatrix<Poly>, ring: &Ring) -> Vec<Step> {
    let [cin, h, w] = conv.input.input3();
    let [cout, oh, ow] = conv.output_shape().expect("checked");
    let mut steps = Vec::new();
    let op = conv.kind.name();
    steps.push(Step::text(format!(
        "{}. The input {} is {}. The operator is {op} with {}.",
        describe_kernel(conv),
        conv.input_name,
        shape_text(&conv.input.shape),
        parameters_text(conv)
    )));
    if conv.kernel.shape.len() == 2 && conv.kernel.len() <= 64 {
        let [_, _, kh, kw] = conv.kernel.kernel4();
        let k = poly_matrix(kh, kw, |r, c| conv.kernel.kernel_at(0, 0, r, c).clone());
        let name = &conv.kernel_name;
        let (pl, lx) = labeled(name, &print::latex_name(name), &k, ring);
        steps.push(Step::math("The kernel:", pl, lx));
    }
    if conv.kind == ConvKind::Conv2d && !conv.params.padding.is_zero() {
        let pd = &conv.params.padding;
        let (ph, pw) = (h + pd.top + pd.bottom, w + pd.left + pd.right);
        let how = match conv.params.padding_mode {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Reflect => "the input reflected at its edges (the edge itself not repeated)",
            PaddingMode::Replicate => "copies of the nearest edge entry",
            PaddingMode::Circular => "the input wrapped around",
        };
        let text = format!("Pad the input with {how}, to {ph}×{pw} per channel.");
        if ph <= SHOWN_SIDE && pw <= SHOWN_SIDE && cin <= 2 {
            for ch in 0..cin {
                let padded = poly_matrix(ph, pw, padded_channel(conv, ch));
                let label = if cin == 1 { "X_pad".to_string() } else { format!("X_pad[{ch}]") };
                let llabel = if cin == 1 { "X_{\\text{pad}}".to_string() } else { format!("X_{{\\text{{pad}},{ch}}}") };
                let t = if ch == 0 { text.clone() } else { format!("Channel {ch} padded:") };
                let (pl, lx) = labeled(&label, &llabel, &padded, ring);
                steps.push(Step::math(t, pl, lx));
            }
        } else {
            steps.push(Step::text(text));
        }
    }
    let formula = match conv.kind {
        ConvKind::Conv2d => "⌊(n + padding − d·(k − 1) − 1)/s⌋ + 1",
        ConvKind::ConvTranspose2d => "(n − 1)·s − 2p + d·(k − 1) + output_padding + 1",
    };
    let (plain, latex) = sizes(conv);
    steps.push(Step::math(
        format!("Output size per dimension: {formula}. The output has {} of {oh}×{ow}.", count(cout, "channel")),
        plain,
        latex,
    ));
    let explain = match conv.kind {
        ConvKind::Conv2d => {
            "Each output entry is the sum of the kernel entries times the input entries under them \
             (cross-correlation: the kernel is not flipped); padding zeros drop out."
        }
        ConvKind::ConvTranspose2d => {
            "Each input entry x scatters x times the kernel onto the output, starting at \
             (row·s − p, col·s − p) and stepping by the dilation; an output entry is the sum of what lands on it."
        }
    };
    let total = a.rows();
    let shown = total.min(SHOWN_ENTRIES);
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    for row in 0..shown {
        let (o, r, c) = (row / (oh * ow), (row / ow) % oh, row % ow);
        let sum = a.row(row).fold(Poly::zero(), |acc, (col, weight)| &acc + &(weight * &conv.input.entries[col]));
        let y = output_symbol(conv, o, r, c);
        plain.push(format!("{} = {}", print::symbol(&y, Notation::Plain), sum.print(ring, Notation::Plain)));
        latex.push(format!("{} &= {}", print::symbol(&y, Notation::Latex), sum.print(ring, Notation::Latex)));
    }
    let rest = if total > shown {
        format!(" ({} more entries follow the same pattern)", total - shown)
    } else {
        String::new()
    };
    steps.push(Step::math(
        format!("{explain}{rest}"),
        plain.join("\n"),
        format!("\\begin{{aligned}} {} \\end{{aligned}}", latex.join(" \\\\ ")),
    ));
    if conv.kind == ConvKind::ConvTranspose2d
        && let Some(step) = adjoint_step(conv, a)
    {
        steps.push(step);
    }
    let inputs = cin * h * w;
    steps.push(Step::text(format!(
        "Flatten X row-major over (channel, row, column) into a column of {inputs} entries, and Y into {total}. \
         Row k of A holds, for output entry k, the coefficient of every input entry: A is {total}×{inputs} with {} nonzero entries.",
        a.nonzeros()
    )));
    steps
}

/// States that the transposed convolution's matrix is the transpose of
/// conv2d's matrix with the same kernel and parameters, after checking it.
fn adjoint_step(conv: &Conv, a: &SparseMatrix<Poly>) -> Option<Step> {
    let p = &conv.params;
    if p.output_padding.0 >= p.stride.0 || p.output_padding.1 >= p.stride.1 {
        return None;
    }
    let forward = adjoint_conv(conv)?;
    let transposed_forward = matrix(&forward).transpose();
    if transposed_forward != *a {
        return None;
    }
    let [c, oh, ow] = conv.output_shape()?;
    Some(Step::text(format!(
        "Check: A is exactly the transpose of the matrix of conv2d with the same kernel, stride, padding, \
         dilation and groups on a {c}×{oh}×{ow} input: the transposed convolution is the adjoint of the convolution."
    )))
}

/// The conv2d whose matrix is the transpose of `conv`'s (a transposed
/// convolution): it maps the transposed convolution's output shape back to
/// its input shape with the same weights.
pub fn adjoint_conv(conv: &Conv) -> Option<Conv> {
    if conv.kind != ConvKind::ConvTranspose2d {
        return None;
    }
    let [cin, h, w] = conv.input.input3();
    let [cout, oh, ow] = conv.output_shape()?;
    let g = conv.params.groups;
    let (kh, kw) = conv.kernel_size();
    let out_per = cout / g;
    // conv2d weights (out = cin, in/groups = out_per, kh, kw).
    let mut entries = Vec::with_capacity(cin * out_per * kh * kw);
    for i in 0..cin {
        let group = i / (cin / g);
        for op in 0..out_per {
            for a in 0..kh {
                for b in 0..kw {
                    entries.push(conv.weight(group * out_per + op, i, a, b)?.clone());
                }
            }
        }
    }
    let kernel = Tensor { role: Role::Kernel, shape: vec![cin, out_per, kh, kw], entries, symbol: None };
    let input = Tensor {
        role: Role::Input,
        shape: vec![cout, oh, ow],
        entries: vec![Poly::zero(); cout * oh * ow],
        symbol: None,
    };
    let mut params = conv.params.clone();
    params.output_padding = (0, 0);
    params.layout = Layout::OutIn;
    let forward = Conv {
        kind: ConvKind::Conv2d,
        kernel_name: conv.kernel_name.clone(),
        kernel,
        input_name: "Y".into(),
        input,
        params,
        bias: None,
        span: conv.span,
    };
    (forward.output_shape()? == [cin, h, w]).then_some(forward)
}

pub fn derive_matrix(conv: &Conv, ring: &Ring) -> (Value, Vec<Step>) {
    let a = matrix(conv);
    let mut steps = steps(conv, &a, ring);
    if let Some(bias) = &conv.bias {
        let text: Vec<String> = bias.iter().map(|b| b.print(ring, Notation::Plain)).collect();
        steps.push(Step::text(format!(
            "The bias ({}) does not enter A: the layer computes Y = A X + b (ask for `affine` to get b).",
            text.join(", ")
        )));
    }
    (Value::Sparse(a), steps)
}

/// The bias vector: each output channel's bias repeated over its positions.
pub fn bias_vector(conv: &Conv) -> Vec<RatFunc> {
    let [cout, oh, ow] = conv.output_shape().expect("checked");
    let zero = vec![Poly::zero(); cout];
    let bias = conv.bias.as_ref().unwrap_or(&zero);
    (0..cout * oh * ow).map(|k| RatFunc::from(bias[k / (oh * ow)].clone())).collect()
}

pub fn derive_affine(conv: &Conv, ring: &Ring) -> (Value, Vec<Step>) {
    let a = matrix(conv);
    let mut steps = steps(conv, &a, ring);
    let b = bias_vector(conv);
    steps.push(Step::text(match &conv.bias {
        Some(_) => "The bias adds each output channel's bias to every entry of that channel: Y = A X + b.",
        None => "There is no bias: b = 0.",
    }));
    let value = Value::record(vec![("A", Value::Sparse(a)), ("b", Value::Matrix(Matrix::column(b)))]);
    (value, steps)
}

pub fn derive_shape(conv: &Conv) -> (Value, Vec<Step>) {
    let [c, h, w] = conv.output_shape().expect("checked");
    let steps = vec![
        Step::text(format!(
            "{}. The operator is {} with {}.",
            describe_kernel(conv),
            conv.kind.name(),
            parameters_text(conv)
        )),
        {
            let (plain, latex) = sizes(conv);
            Step::math(format!("The output has {}; per dimension:", count(c, "channel")), plain, latex)
        },
    ];
    let int = |n: usize| Value::scalar(Q::from(n));
    let value = if conv.input.shape.len() == 2 && c == 1 {
        Value::Tuple(vec![int(h), int(w)])
    } else {
        Value::Tuple(vec![int(c), int(h), int(w)])
    };
    (value, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConvParams, Padding};

    fn conv(
        kind: ConvKind,
        ring: &Ring,
        kshape: Vec<usize>,
        ishape: Vec<usize>,
        f: impl FnOnce(&mut ConvParams),
    ) -> Conv {
        let mut params = ConvParams::new(kind);
        f(&mut params);
        Conv {
            kind,
            kernel_name: "W".into(),
            kernel: Tensor::symbolic(Role::Kernel, kshape, "w", ring),
            input_name: "X".into(),
            input: Tensor::symbolic(Role::Input, ishape, "x", ring),
            params,
            bias: None,
            span: Default::default(),
        }
    }

    fn row_text(a: &SparseMatrix<Poly>, r: usize, ring: &Ring) -> Vec<(usize, String)> {
        a.row(r).map(|(c, p)| (c, p.print(ring, Notation::Plain))).collect()
    }

    #[test]
    fn strided_padded_convolution_by_hand() {
        // 2x2 kernel, 3x3 input, stride 3, padding 1: the padded input is
        // 5x5 and the output 2x2; each output sees one real input entry.
        let ring = Ring::new();
        let c = conv(ConvKind::Conv2d, &ring, vec![2, 2], vec![3, 3], |p| {
            p.stride = (3, 3);
            p.padding = Padding::uniform(1, 1);
        });
        let a = matrix(&c);
        assert_eq!(a.shape(), (4, 9));
        assert_eq!(row_text(&a, 0, &ring), vec![(0, "w[1,1]".to_string())]);
        assert_eq!(row_text(&a, 1, &ring), vec![(2, "w[1,0]".to_string())]);
        assert_eq!(row_text(&a, 2, &ring), vec![(6, "w[0,1]".to_string())]);
        assert_eq!(row_text(&a, 3, &ring), vec![(8, "w[0,0]".to_string())]);
    }

    #[test]
    fn transposed_convolution_by_hand() {
        // Stride 2, no padding, 2x2 kernel on 2x2 input: output 4x4 and
        // y[2r + a, 2c + b] = w[a,b] x[r,c].
        let ring = Ring::new();
        let c = conv(ConvKind::ConvTranspose2d, &ring, vec![2, 2], vec![2, 2], |p| p.stride = (2, 2));
        let a = matrix(&c);
        assert_eq!(a.shape(), (16, 4));
        for r in 0..2 {
            for cc in 0..2 {
                for ka in 0..2 {
                    for kb in 0..2 {
                        let row = (2 * r + ka) * 4 + 2 * cc + kb;
                        assert_eq!(row_text(&a, row, &ring), vec![(r * 2 + cc, format!("w[{ka},{kb}]"))]);
                    }
                }
            }
        }
    }

    #[test]
    fn reflect_padding_sums_repeated_taps() {
        // A 1x3 kernel on a 1x2 input with reflect padding 1 along columns:
        // padded row is [x1, x0, x1, x0]; the output has 2 entries.
        let ring = Ring::new();
        let c = conv(ConvKind::Conv2d, &ring, vec![1, 3], vec![1, 2], |p| {
            p.padding = Padding { top: 0, bottom: 0, left: 1, right: 1 };
            p.padding_mode = PaddingMode::Reflect;
        });
        let a = matrix(&c);
        assert_eq!(row_text(&a, 0, &ring), vec![(0, "w[0,1]".into()), (1, "w[0,0] + w[0,2]".into())]);
        assert_eq!(row_text(&a, 1, &ring), vec![(0, "w[0,0] + w[0,2]".into()), (1, "w[0,1]".into())]);
    }

    #[test]
    fn transposed_matrix_is_the_adjoint() {
        let ring = Ring::new();
        let c = conv(ConvKind::ConvTranspose2d, &ring, vec![2, 3, 3, 2], vec![2, 3, 4], |p| {
            p.stride = (2, 1);
            p.padding = Padding::uniform(1, 0);
            p.dilation = (1, 2);
        });
        let forward = adjoint_conv(&c).expect("an adjoint");
        assert_eq!(matrix(&forward).transpose(), matrix(&c));
    }
}
