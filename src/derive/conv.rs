//! Convolutions as matrices: the matrix A with Y = A·X for `conv2d` and
//! `conv_transpose2d`, both tensors flattened row-major over (channel, row,
//! column), and a derivation a student can follow: the kernel and the
//! input, the padding, the output size, each output entry as a sum of
//! kernel entries times input entries, and the rule that gives every entry
//! of A (so that a matrix too large to print is still explained).

use crate::algebra::{Poly, Q, RatFunc, Ring, Scalar, SparseBuilder, SparseMatrix};
use crate::language::math::{BigOp, Inline, Sign};
use crate::model::{Conv, ConvKind, Layout, PaddingMode, Problem, Role, Tensor, Value};
use crate::{math, prose};

use super::explain::{Axis, Block, Explanation, Figure, LISTING_CAP, Letters, Mark, Math, Panel, Prose, words};

/// The typed answer of an `affine` query. The matrix A, which can be very
/// large, stays in the finding's value; this holds what the numeric check
/// needs besides it.
#[derive(Clone, Debug, PartialEq)]
pub struct AffineAnswer {
    /// The bias of each output channel (zero without `bias:`); b repeats
    /// each over its channel's entries.
    pub bias: Vec<Poly>,
}

impl AffineAnswer {
    /// The matrix A of an affine finding's value `{ A: …, b: … }`.
    pub fn matrix(value: &Value) -> Option<&SparseMatrix<Poly>> {
        match value.field("A") {
            Some(Value::Sparse(a)) => Some(a),
            _ => None,
        }
    }
}

/// The typed answer of a `shape` query: (channels, rows, columns), even
/// when the key writes a one-channel output as (rows, columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeAnswer {
    pub shape: [usize; 3],
}

/// The index of the padded input that conv2d's output index `out` reads
/// through kernel tap `tap` (along one dimension).
fn reach(out: usize, tap: usize, stride: usize, dilation: usize) -> usize {
    out * stride + tap * dilation
}

/// The input index whose product with kernel tap `tap` lands on output
/// index `out` of a transposed convolution (along one dimension), if any:
/// input index t/s for t = out + p − tap·d a multiple of the stride s,
/// inside the input's `n` entries.
fn landing(out: usize, tap: usize, stride: usize, dilation: usize, pad: usize, n: usize) -> Option<usize> {
    let t = out as i64 + pad as i64 - (tap * dilation) as i64;
    let s = stride as i64;
    (t >= 0 && t % s == 0 && ((t / s) as usize) < n).then(|| (t / s) as usize)
}

/// Every (tap, input index) pair of a transposed convolution that lands on
/// output index `out` along one dimension, by tap. The scan runs over the
/// taps or over the input, whichever is shorter, so that a long kernel on
/// a short input costs the input's length per output.
fn landings(out: usize, k: usize, stride: usize, dilation: usize, pad: usize, n: usize) -> Vec<(usize, usize)> {
    if k <= n {
        return (0..k).filter_map(|a| landing(out, a, stride, dilation, pad, n).map(|i| (a, i))).collect();
    }
    // out + pad − a·d = i·s: for each input index i, the tap a, if any.
    let d = dilation as i64;
    let mut found: Vec<(usize, usize)> = (0..n)
        .filter_map(|i| {
            let u = out as i64 + pad as i64 - (i * stride) as i64;
            (u >= 0 && u % d == 0 && ((u / d) as usize) < k).then(|| ((u / d) as usize, i))
        })
        .collect();
    found.sort_unstable();
    found
}

/// The matrix A with Y = A·X, rows indexed by output (channel, row, col)
/// and columns by input (channel, row, col), both row-major.
pub fn matrix(conv: &Conv) -> SparseMatrix<Poly> {
    matrix_with(conv, Poly::clone)
}

/// [`matrix`] with every nonzero kernel entry mapped by `entry` (the
/// matrix of numbers when every entry is one).
pub fn matrix_with<T: Scalar>(conv: &Conv, entry: impl Fn(&Poly) -> T) -> SparseMatrix<T> {
    let [cin, h, w] = conv.input.input3();
    let [cout, oh, ow] = conv.output_shape().expect("elaboration checked the output shape");
    let (kh, kw) = conv.kernel_size();
    let p = &conv.params;
    let g = p.groups;
    let (in_per, out_per) = (cin / g, cout / g);
    // Room for the nonzeros the size check bounded (each output reads, or
    // for a transposed convolution each input writes, at most one entry per
    // tap of its group), never more than the matrix limit.
    let nonzeros = conv.sizes().map_or(0, |s| s.nonzeros.min(crate::model::conv::MAX_MATRIX_ENTRIES) as usize);
    let mut b = SparseBuilder::with_capacity(cout * oh * ow, cin * h * w, nonzeros);
    match conv.kind {
        ConvKind::Conv2d => {
            // Which input row each (output row, tap row) reads, padding
            // mode included; likewise for columns.
            let rows: Vec<Option<usize>> = (0..oh)
                .flat_map(|r| (0..kh).map(move |a| (r, a)))
                .map(|(r, a)| conv.source(reach(r, a, p.stride.0, p.dilation.0), h, p.padding.top))
                .collect();
            let cols: Vec<Option<usize>> = (0..ow)
                .flat_map(|c| (0..kw).map(move |bb| (c, bb)))
                .map(|(c, bb)| conv.source(reach(c, bb, p.stride.1, p.dilation.1), w, p.padding.left))
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
                                        b.add((i * h + sr) * w + sc, entry(weight));
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
            let sources = landings;
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
                                        b.add((i * h + ir) * w + ic, entry(weight));
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
    let kernel = Tensor {
        role: Role::Kernel,
        shape: vec![cin, out_per, kh, kw],
        entries,
        symbol: None,
        written: true,
        sizes: None,
    };
    let input = Tensor {
        role: Role::Input,
        shape: vec![cout, oh, ow],
        entries: vec![Poly::zero(); cout * oh * ow],
        symbol: None,
        written: true,
        sizes: None,
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

// ---------------------------------------------------------------------------
// Formulas
// ---------------------------------------------------------------------------

/// An integer combination of index letters plus a constant, as a course
/// writes it: `3 r + a - 1`, `2 a + b`, `1 - a`, `0`.
pub(crate) fn affine(terms: &[(i64, &Math)], constant: i64) -> Math {
    let sign = |k: i64| if k < 0 { Sign::Minus } else { Sign::Plus };
    let mut out: Vec<(Sign, Math)> = Vec::new();
    for &(k, x) in terms {
        if k == 0 {
            continue;
        }
        let term = if k.abs() == 1 { x.clone() } else { Math::Product(vec![Math::int(k.abs()), x.clone()]) };
        out.push((sign(k), term));
    }
    if constant != 0 || out.is_empty() {
        out.push((sign(constant), Math::int(constant.abs())));
    }
    signed(out)
}

/// An entry of a named array with computed indices: `X[i, 3 r + a]`.
fn entry(name: &Math, indices: Vec<Math>) -> Math {
    Math::Entry(Box::new(name.clone()), indices)
}

/// `2 × 3 × 3`.
pub(crate) fn dims(shape: &[usize]) -> Math {
    let mut it = shape.iter();
    let first = Math::from(*it.next().unwrap_or(&0));
    it.fold(first, |acc, &d| Math::Infix(Box::new(acc), crate::language::math::InfixOp::Times, Box::new(Math::from(d))))
}

/// A kernel entry as a coefficient: its sign, and its size as a factor
/// (none for ±1). A single term carries its own sign (`-2`, `-w[0]`); a
/// longer polynomial is one factor with a plus sign.
fn coefficient(p: &Poly) -> (Sign, Option<Math>) {
    match p.terms() {
        [(m, c)] => {
            let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
            let size = if c.is_negative() { -p } else { p.clone() };
            (sign, (!m.is_one() || !c.abs().is_one()).then_some(Math::Poly(size)))
        }
        _ => (Sign::Plus, Some(Math::Poly(p.clone()))),
    }
}

/// Signed terms as a formula, a positive term first when there is one
/// (`1 - a`, not `-a + 1`); 0 when there are none.
fn signed(mut terms: Vec<(Sign, Math)>) -> Math {
    if terms.first().is_some_and(|t| t.0 == Sign::Minus)
        && let Some(k) = terms.iter().position(|t| t.0 == Sign::Plus)
    {
        let t = terms.remove(k);
        terms.insert(0, t);
    }
    match terms.len() {
        0 => Math::int(0),
        1 => match terms.remove(0) {
            (Sign::Minus, t) => Math::Neg(Box::new(t)),
            (Sign::Plus, t) => t,
        },
        _ => Math::Sum(terms),
    }
}

/// A sum of kernel entries times input entries, one term per tap, each
/// written kernel entry first (`w[0,0] x[0,1] - 2 x[1,1]`); 0 when there
/// are none.
///
/// `_ring` is unused, as in [`grid`].
pub(crate) fn taps_sum<'a>(taps: impl IntoIterator<Item = (&'a Poly, &'a Poly)>, _ring: &Ring) -> Math {
    let terms = taps
        .into_iter()
        .map(|(weight, input)| {
            let input = Math::Poly(input.clone());
            match coefficient(weight) {
                (sign, None) => (sign, input),
                (sign, Some(w)) => (sign, Math::Product(vec![w, input])),
            }
        })
        .collect();
    signed(terms)
}

/// A matrix of exact entries as a formula.
///
/// `_ring` is unused (the presentation layer writes the entries out); the
/// parameter stays until the callers in `equivalence` drop it.
pub(crate) fn grid(rows: usize, cols: usize, _ring: &Ring, entry: impl Fn(usize, usize) -> Poly) -> Math {
    Math::Matrix((0..rows).map(|r| (0..cols).map(|c| Math::Poly(entry(r, c))).collect()).collect())
}

/// Appends prose to prose.
pub(crate) fn append(p: &mut Prose, more: Prose) {
    for i in more.0 {
        match i {
            Inline::Text(t) => p.push_text(&t),
            other => p.0.push(other),
        }
    }
}

/// Parts joined as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub(crate) fn joined(parts: Vec<Prose>) -> Prose {
    let n = parts.len();
    let mut out = Prose::default();
    for (k, part) in parts.into_iter().enumerate() {
        if k > 0 {
            out.push_text(if k + 1 == n { " and " } else { ", " });
        }
        append(&mut out, part);
    }
    out
}

/// The first pair of candidates that are both free, taken together (so
/// that `r, c` or `a, b` stay a pair); else fresh letters from the first.
pub(crate) fn pair(letters: &mut Letters, pairs: &[(&str, &str)]) -> (Math, Math) {
    for &(x, y) in pairs {
        let mut trial = letters.clone();
        if trial.fresh(&[x]) == Math::name(x) && trial.fresh(&[y]) == Math::name(y) {
            *letters = trial;
            return (Math::name(x), Math::name(y));
        }
    }
    let (x, y) = pairs.first().copied().unwrap_or(("u", "v"));
    (letters.fresh(&[x]), letters.fresh(&[y]))
}

/// The names a convolution's derivation writes with.
struct Names {
    /// The kernel, the input and the output.
    w: Math,
    x: Math,
    y: Math,
    /// Output position (rows, columns) in conv2d, input position in the
    /// transposed convolution.
    r: Math,
    c: Math,
    /// A kernel tap.
    a: Math,
    b: Math,
    /// Output and input channel.
    o: Math,
    i: Math,
}

impl Names {
    /// `reserved` are names the derivation uses for itself (the finding,
    /// `A` and `b` of an affine map).
    fn new(conv: &Conv, letters: &mut Letters, reserved: &[&str]) -> Names {
        for r in reserved {
            letters.take(r);
        }
        let y = letters.fresh(&["Y", "Z", "U"]);
        let (r, c) = pair(letters, &[("r", "c"), ("h", "w"), ("m", "n")]);
        let (a, b) = pair(letters, &[("a", "b"), ("u", "v"), ("alpha", "beta")]);
        let (o, i) = pair(letters, &[("o", "i"), ("p", "q"), ("mu", "nu")]);
        Names { w: Math::name(&conv.kernel_name), x: Math::name(&conv.input_name), y, r, c, a, b, o, i }
    }
}

/// Whether the output is written as a matrix (one channel of a 2-D input).
fn output_is_matrix(conv: &Conv) -> bool {
    conv.input.shape.len() == 2 && conv.out_channels() == 1
}

/// The channel a grouped index reaches: `m floor(o/q) + i` (with groups,
/// channel `o` on one side, `q` to a group, meets the `m` channels of its
/// group on the other, `i` counting within the group); `i` without groups.
fn grouped(conv: &Conv, outer: &Math, q: usize, m: usize, inner: &Math) -> Math {
    if conv.params.groups == 1 {
        return inner.clone();
    }
    let group = if q == 1 {
        outer.clone()
    } else {
        Math::Fenced(
            crate::language::math::Fence::Floor,
            Box::new(Math::Frac(Box::new(outer.clone()), Box::new(q.into()))),
        )
    };
    let first = if m == 1 { group } else { Math::Product(vec![m.into(), group]) };
    if *inner == Math::int(0) { first } else { Math::Sum(vec![(Sign::Plus, first), (Sign::Plus, inner.clone())]) }
}

/// The kernel entry, the input entry and the output entry one tap
/// connects, in the letters of `n`. With `shift`, the padding is
/// subtracted from the spatial index: conv2d's input index then points
/// into the input itself rather than the padded input, and the transposed
/// convolution's output index into the cropped output.
struct Tap {
    kernel: Math,
    input: Math,
    output: Math,
    /// The letters a sum over taps runs over.
    over: Vec<Math>,
}

fn tap(conv: &Conv, n: &Names, input: &Math, shift: bool) -> Tap {
    let p = &conv.params;
    let g = p.groups;
    let (cin, cout) = (conv.in_channels(), conv.out_channels());
    let (in_per, out_per) = (cin / g, cout / g);
    let four = conv.kernel.shape.len() == 4;
    let (top, left) = if shift { (p.padding.top as i64, p.padding.left as i64) } else { (0, 0) };
    let (sh, sw) = (p.stride.0 as i64, p.stride.1 as i64);
    let (dh, dw) = (p.dilation.0 as i64, p.dilation.1 as i64);
    let row = affine(&[(sh, &n.r), (dh, &n.a)], -top);
    let col = affine(&[(sw, &n.c), (dw, &n.b)], -left);
    // Channels: the kernel's own indices, and the channel each reaches.
    // A channel index is a letter, or 0 when there is one channel (or one
    // per group) to run over.
    let letter = |count: usize, x: &Math| if count == 1 { Math::int(0) } else { x.clone() };
    let (kernel_channels, in_ch, out_ch) = match (four, conv.kind, p.layout) {
        (false, _, _) => (vec![], Math::int(0), Math::int(0)),
        (true, ConvKind::Conv2d, _) | (true, ConvKind::ConvTranspose2d, Layout::OutIn) => {
            let (o, i) = (letter(cout, &n.o), letter(in_per, &n.i));
            (vec![o.clone(), i.clone()], grouped(conv, &o, out_per, in_per, &i), o)
        }
        (true, ConvKind::ConvTranspose2d, Layout::InOut) => {
            let (i, o) = (letter(cin, &n.i), letter(out_per, &n.o));
            (vec![i.clone(), o.clone()], i.clone(), grouped(conv, &i, in_per, out_per, &o))
        }
    };
    let kernel = entry(&n.w, kernel_channels.into_iter().chain([n.a.clone(), n.b.clone()]).collect());
    let with_channel = |ch: Math, rc: Vec<Math>, channels: bool| {
        if channels { std::iter::once(ch).chain(rc).collect() } else { rc }
    };
    let input_has = conv.input.shape.len() == 3;
    let output_has = !output_is_matrix(conv);
    // conv2d sums over the input channels of the group and the taps.
    let over: Vec<Math> =
        if four && in_per > 1 { vec![n.i.clone(), n.a.clone(), n.b.clone()] } else { vec![n.a.clone(), n.b.clone()] };
    match conv.kind {
        ConvKind::Conv2d => Tap {
            kernel,
            input: entry(input, with_channel(in_ch, vec![row, col], input_has)),
            output: entry(&n.y, with_channel(out_ch, vec![n.r.clone(), n.c.clone()], output_has)),
            over,
        },
        ConvKind::ConvTranspose2d => Tap {
            kernel,
            input: entry(input, with_channel(in_ch, vec![n.r.clone(), n.c.clone()], input_has)),
            output: entry(&n.y, with_channel(out_ch, vec![row, col], output_has)),
            over,
        },
    }
}

/// The flattened position (channel, row, column) of `k` in `shape`, as the
/// indices of an entry: two for a matrix, three otherwise.
fn position(k: usize, shape: [usize; 3], matrix: bool) -> Vec<Math> {
    let [_, h, w] = shape;
    let (ch, r, c) = (k / (h * w), (k / w) % h, k % w);
    if matrix { vec![Math::from(r), Math::from(c)] } else { vec![Math::from(ch), Math::from(r), Math::from(c)] }
}

// ---------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------

/// "stride 3 and padding 1", with the other parameters when they are not
/// the defaults.
fn parameters(conv: &Conv) -> Prose {
    let p = &conv.params;
    let pair = |x: (usize, usize)| if x.0 == x.1 { Math::from(x.0) } else { Math::tuple(vec![x.0.into(), x.1.into()]) };
    let pad = &p.padding;
    let mut parts = vec![prose!("stride #s", s = pair(p.stride))];
    parts.push(if pad.is_symmetric() {
        prose!("padding #p", p = pair((pad.top, pad.left)))
    } else {
        prose!(
            "padding #t on top, #b at the bottom, #l on the left and #r on the right",
            t = pad.top,
            b = pad.bottom,
            l = pad.left,
            r = pad.right
        )
    });
    if p.padding_mode != PaddingMode::Zeros {
        parts.push(prose!("#m padding", m = words(p.padding_mode.name())));
    }
    if p.dilation != (1, 1) {
        parts.push(prose!("dilation #d", d = pair(p.dilation)));
    }
    if p.groups != 1 {
        parts.push(prose!("#g groups", g = p.groups));
    }
    if p.output_padding != (0, 0) {
        parts.push(prose!("output padding #q", q = pair(p.output_padding)));
    }
    joined(parts)
}

/// The kernel, the input and the operator in a sentence.
fn setting(conv: &Conv) -> Prose {
    let w = Math::name(&conv.kernel_name);
    let ks = dims(&conv.kernel.shape);
    let mut p = match (conv.kernel.shape.len(), conv.kind, conv.params.layout) {
        (2, _, _) => prose!("The kernel $#W$ is $#k$, one input and one output channel; ", W = w, k = ks),
        (_, ConvKind::Conv2d, _) => prose!(
            "The kernel $#W$ is $#k$: (output channels, input channels per group, rows, columns); ",
            W = w,
            k = ks
        ),
        (_, ConvKind::ConvTranspose2d, Layout::OutIn) => prose!(
            "The kernel $#W$ is $#k$: (output channels, input channels per group, rows, columns), as the file states; ",
            W = w,
            k = ks
        ),
        (_, ConvKind::ConvTranspose2d, Layout::InOut) => prose!(
            "The kernel $#W$ is $#k$: (input channels, output channels per group, rows, columns), PyTorch's layout for transposed convolutions; ",
            W = w,
            k = ks
        ),
    };
    let x = Math::name(&conv.input_name);
    let xs = dims(&conv.input.shape);
    append(
        &mut p,
        match conv.kind {
            ConvKind::Conv2d => prose!("the input $#X$ is $#s$. The operator is `conv2d` with ", X = x, s = xs),
            ConvKind::ConvTranspose2d => {
                prose!("the input $#X$ is $#s$. The operator is `conv_transpose2d` with ", X = x, s = xs)
            }
        },
    );
    append(&mut p, parameters(conv));
    p.push_text(".");
    p
}

/// The first step: the setting, with the kernel and the input written out
/// as matrices (one per channel pair, one per input channel).
fn setting_step(ex: &mut Explanation, conv: &Conv, ring: &Ring) {
    // A one-channel kernel's setting only restates the question; the layout
    // of a 4-D kernel is worth a student's attention.
    let step = if conv.kernel.shape.len() == 2 { ex.detail(setting(conv)) } else { ex.step(setting(conv)) };
    let w = Math::name(&conv.kernel_name);
    let [d0, d1, kh, kw] = conv.kernel.kernel4();
    let kernel_slice = |o: usize, i: usize| grid(kh, kw, ring, |r, c| conv.kernel.kernel_at(o, i, r, c).clone());
    if conv.kernel.shape.len() == 2 {
        step.display(w.clone().equals(kernel_slice(0, 0)));
    } else {
        let items = (0..d0 * d1)
            .take(LISTING_CAP)
            .map(|k| {
                let (o, i) = (k / d1, k % d1);
                Block::Display(entry(&w, vec![o.into(), i.into()]).equals(kernel_slice(o, i)))
            })
            .collect();
        step.listing(d0 * d1, items);
    }
    let x = Math::name(&conv.input_name);
    let [cin, h, wd] = conv.input.input3();
    let channel = |ch: usize| grid(h, wd, ring, |r, c| conv.input.entries[(ch * h + r) * wd + c].clone());
    if conv.input.shape.len() == 2 {
        step.display(x.equals(channel(0)));
    } else {
        let items = (0..cin)
            .take(LISTING_CAP)
            .map(|ch| Block::Display(entry(&x, vec![ch.into()]).equals(channel(ch))))
            .collect();
        step.listing(cin, items);
    }
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

/// The name of the padded input: `X_pad`.
fn padded_name(conv: &Conv) -> Math {
    Math::name(&conv.input_name).sub(Math::text("pad"))
}

/// conv2d with padding: what the padding mode puts around the input, and
/// the padded input.
fn padding_step(ex: &mut Explanation, conv: &Conv, ring: &Ring) {
    let pd = &conv.params.padding;
    let [cin, h, w] = conv.input.input3();
    let (ph, pw) = (h + pd.top + pd.bottom, w + pd.left + pd.right);
    let x = Math::name(&conv.input_name);
    let size = dims(&[ph, pw]);
    let xp = padded_name(conv);
    let how = match conv.params.padding_mode {
        PaddingMode::Zeros => prose!("with zeros"),
        PaddingMode::Reflect => prose!("by reflection"),
        PaddingMode::Replicate => prose!("by replication"),
        PaddingMode::Circular => prose!("circularly"),
    };
    let mut text = prose!("Pad $#X$ ", X = x);
    append(&mut text, how);
    append(
        &mut text,
        if conv.input.shape.len() == 2 {
            prose!(" to the $#s$ matrix $#P$", s = size, P = xp.clone())
        } else {
            prose!(" to $#P$, $#s$ per channel", s = size, P = xp.clone())
        },
    );
    append(
        &mut text,
        match conv.params.padding_mode {
            PaddingMode::Zeros => prose!("; the zeros add nothing to the sums below."),
            PaddingMode::Reflect => prose!(
                ": the padding mirrors the input at its edges, the edge itself not repeated, so entries near an edge are read more than once."
            ),
            PaddingMode::Replicate => {
                prose!(": the padding repeats the nearest edge entry, so edge entries are read more than once.")
            }
            PaddingMode::Circular => prose!(
                ": the padding wraps around, copying the entries of the opposite side, so those are read more than once."
            ),
        },
    );
    let step = ex.step(text);
    if conv.input.shape.len() == 2 {
        step.display(xp.equals(grid(ph, pw, ring, padded_channel(conv, 0))));
    } else {
        let items = (0..cin)
            .take(LISTING_CAP)
            .map(|ch| Block::Display(entry(&xp, vec![ch.into()]).equals(grid(ph, pw, ring, padded_channel(conv, ch)))))
            .collect();
        step.listing(cin, items);
    }
}

/// The output size along each dimension: the formula in letters, then
/// with the numbers.
fn size_step(ex: &mut Explanation, conv: &Conv, letters: &mut Letters) {
    let [cout, oh, ow] = conv.output_shape().expect("elaboration checked the output shape");
    let [_, h, w] = conv.input.input3();
    let (kh, kw) = conv.kernel_size();
    let p = &conv.params;
    let n = letters.fresh(&["n"]);
    let pad = letters.fresh(&["p"]);
    let d = letters.fresh(&["d"]);
    let k = letters.fresh(&["k"]);
    let s = letters.fresh(&["s"]);
    let mut text =
        if output_is_matrix(conv) { Prose::default() } else { prose!("The output has #c channels. ", c = cout) };
    let lines = match conv.kind {
        ConvKind::Conv2d => {
            append(
                &mut text,
                prose!(
                    "Along each dimension the output size is $floor((#n + #p1 + #p2 - #d (#k - 1) - 1)/#s) + 1$ for input size $#n$, padding $#p1$ and $#p2$ on the two sides, kernel size $#k$, dilation $#d$ and stride $#s$:",
                    n = n,
                    p1 = pad.clone().sub(1),
                    p2 = pad.sub(2),
                    d = d,
                    k = k,
                    s = s
                ),
            );
            let line = |name: &str, n: usize, before: usize, after: usize, d: usize, k: usize, s: usize, out: usize| {
                math!(
                    "#H = floor((#n + #a + #b - #d (#k - 1) - 1)/#s) + 1 = #o",
                    H = Math::name(name).sub(Math::text("out")),
                    n = n,
                    a = before,
                    b = after,
                    d = d,
                    k = k,
                    s = s,
                    o = out
                )
            };
            vec![
                line("H", h, p.padding.top, p.padding.bottom, p.dilation.0, kh, p.stride.0, oh),
                line("W", w, p.padding.left, p.padding.right, p.dilation.1, kw, p.stride.1, ow),
            ]
        }
        ConvKind::ConvTranspose2d => {
            let q = pad.clone().sub(Math::text("out"));
            append(
                &mut text,
                prose!(
                    "Along each dimension the output size is $#s (#n - 1) - 2 #p + #d (#k - 1) + #q + 1$ for input size $#n$, stride $#s$, padding $#p$ on each side, kernel size $#k$, dilation $#d$ and output padding $#q$:",
                    n = n,
                    p = pad,
                    q = q,
                    d = d,
                    k = k,
                    s = s
                ),
            );
            let line = |name: &str, n: usize, s: usize, pad: usize, d: usize, k: usize, op: usize, out: usize| {
                math!(
                    "#H = #s (#n - 1) - 2 #p + #d (#k - 1) + #q + 1 = #o",
                    H = Math::name(name).sub(Math::text("out")),
                    n = n,
                    s = s,
                    p = pad,
                    d = d,
                    k = k,
                    q = op,
                    o = out
                )
            };
            vec![
                line("H", h, p.stride.0, p.padding.top, p.dilation.0, kh, p.output_padding.0, oh),
                line("W", w, p.stride.1, p.padding.left, p.dilation.1, kw, p.output_padding.1, ow),
            ]
        }
    };
    ex.step(text).aligned(lines);
}

/// The taps of output entry `row` (flattened): each kernel entry with the
/// input entry it meets, in tap order.
fn output_taps(conv: &Conv, row: usize) -> Vec<(&Poly, &Poly)> {
    let [cin, h, w] = conv.input.input3();
    let [cout, oh, ow] = conv.output_shape().expect("checked");
    let p = &conv.params;
    let g = p.groups;
    let (in_per, out_per) = (cin / g, cout / g);
    let (kh, kw) = conv.kernel_size();
    let (o, r, c) = (row / (oh * ow), (row / ow) % oh, row % ow);
    let group = o / out_per;
    let x = |i: usize, sr: usize, sc: usize| &conv.input.entries[(i * h + sr) * w + sc];
    let mut terms = Vec::new();
    fn add<'a>(terms: &mut Vec<(&'a Poly, &'a Poly)>, weight: Option<&'a Poly>, input: &'a Poly) {
        if let Some(weight) = weight.filter(|wt| !wt.is_zero()) {
            terms.push((weight, input));
        }
    }
    match conv.kind {
        ConvKind::Conv2d => {
            for i in group * in_per..(group + 1) * in_per {
                for a in 0..kh {
                    let Some(sr) = conv.source(reach(r, a, p.stride.0, p.dilation.0), h, p.padding.top) else {
                        continue;
                    };
                    for b in 0..kw {
                        let Some(sc) = conv.source(reach(c, b, p.stride.1, p.dilation.1), w, p.padding.left) else {
                            continue;
                        };
                        add(&mut terms, conv.weight(o, i, a, b), x(i, sr, sc));
                    }
                }
            }
        }
        ConvKind::ConvTranspose2d => {
            for i in group * in_per..(group + 1) * in_per {
                for a in 0..kh {
                    let Some(ir) = landing(r, a, p.stride.0, p.dilation.0, p.padding.top, h) else { continue };
                    for b in 0..kw {
                        let Some(ic) = landing(c, b, p.stride.1, p.dilation.1, p.padding.left, w) else { continue };
                        add(&mut terms, conv.weight(o, i, a, b), x(i, ir, ic));
                    }
                }
            }
        }
    }
    terms
}

/// Each output entry as a sum of kernel entries times input entries: the
/// rule in letters, then entry by entry.
fn entries_step(ex: &mut Explanation, conv: &Conv, n: &Names, a: &SparseMatrix<Poly>, ring: &Ring) {
    let [cout, oh, ow] = conv.output_shape().expect("checked");
    let total = cout * oh * ow;
    let padded = conv.kind == ConvKind::Conv2d && !conv.params.padding.is_zero();
    let input = if padded { padded_name(conv) } else { n.x.clone() };
    // conv2d reads the padded input; the transposed convolution's output
    // is cropped by the padding.
    let t = tap(conv, n, &input, conv.kind == ConvKind::ConvTranspose2d);
    let step = match conv.kind {
        ConvKind::Conv2d => {
            let sum = Math::BigOp {
                op: BigOp::Sum,
                under: Some(Box::new(Math::list(t.over.clone()))),
                over: None,
                body: Box::new(Math::Product(vec![t.kernel.clone(), t.input.clone()])),
            };
            let step = ex.step(prose!(
                "Each output entry is the sum of the kernel entries times the input entries under them (cross-correlation: the kernel is not flipped):"
            ));
            step.display(t.output.clone().equals(sum));
            step
        }
        ConvKind::ConvTranspose2d => ex.step(prose!(
            "Input entry $#x$ times kernel entry $#w$ lands on output entry $#y$ (what lands outside the output is cropped by the padding); each output entry is the sum of what lands on it:",
            x = t.input.clone(),
            w = t.kernel.clone(),
            y = t.output.clone()
        )),
    };
    let matrix = output_is_matrix(conv);
    let items = (0..total)
        .take(LISTING_CAP)
        .map(|row| {
            let y = entry(&n.y, position(row, [cout, oh, ow], matrix));
            Block::Display(y.equals(taps_sum(output_taps(conv, row), ring)))
        })
        .collect();
    step.listing(total, items);
    if let Some(figure) = window_figure(conv, n, a) {
        step.figure(figure);
    }
}

/// Flattening, and the rule that gives every entry of the matrix.
fn flatten_step(ex: &mut Explanation, conv: &Conv, n: &Names, a_name: &Math, a: &SparseMatrix<Poly>) {
    let [cin, h, w] = conv.input.input3();
    let inputs = cin * h * w;
    let outputs = a.rows();
    let order = if conv.input.shape.len() == 2 && output_is_matrix(conv) {
        words("row by row")
    } else {
        words("row-major over (channel, row, column)")
    };
    let t = tap(conv, n, &n.x, true);
    let index = |e: &Math| match e {
        Math::Entry(_, idx) if idx.len() > 1 => Math::tuple(idx.clone()),
        Math::Entry(_, idx) => idx.first().cloned().unwrap_or(Math::int(0)),
        other => other.clone(),
    };
    let rule = entry(a_name, vec![index(&t.output), index(&t.input)]).equals(t.kernel.clone());
    let condition = match (conv.kind, conv.params.padding_mode) {
        (ConvKind::ConvTranspose2d, _) => {
            prose!(
                "for every kernel entry whose output index lies inside $#Y$; every other entry of $#A$ is 0.",
                Y = n.y.clone(),
                A = a_name.clone()
            )
        }
        (ConvKind::Conv2d, _) if conv.params.padding.is_zero() => {
            prose!("for every kernel entry; every other entry of $#A$ is 0.", A = a_name.clone())
        }
        (ConvKind::Conv2d, PaddingMode::Zeros) => prose!(
            "for every kernel entry whose input index lies inside $#X$ (the zeros of the padding contribute nothing); every other entry of $#A$ is 0.",
            X = n.x.clone(),
            A = a_name.clone()
        ),
        (ConvKind::Conv2d, mode) => prose!(
            "where an input index outside $#X$ stands for the entry the padding copies there (#how), and kernel entries that meet the same input entry add up; every other entry of $#A$ is 0.",
            X = n.x.clone(),
            A = a_name.clone(),
            how = words(match mode {
                PaddingMode::Reflect => "mirrored at the edge",
                PaddingMode::Replicate => "the nearest edge entry",
                _ => "wrapped around",
            })
        ),
    };
    ex.step(prose!(
        "Flatten $#X$ #order into a column of #n entries, and $#Y$ into one of #m. Indexing the rows of $#A$ by the output entries and its columns by the input entries,",
        X = n.x.clone(),
        order = order,
        n = inputs,
        Y = n.y.clone(),
        m = outputs,
        A = a_name.clone()
    ))
    .display(rule)
    .prose(condition);
    if let Some(figure) = pattern_figure(a_name, a) {
        ex.steps.last_mut().expect("the step above").figure(figure);
    }
    ex.detail(prose!(
        "$#A$ is $#s$ with #k nonzero entries.",
        A = a_name.clone(),
        s = dims(&[a.rows(), a.cols()]),
        k = a.nonzeros()
    ));
}

/// States that the transposed convolution's matrix is the transpose of
/// conv2d's matrix with the same kernel and parameters, after checking it.
fn adjoint_step(ex: &mut Explanation, conv: &Conv, a_name: &Math, a: &SparseMatrix<Poly>) {
    let p = &conv.params;
    if conv.kind != ConvKind::ConvTranspose2d || p.output_padding.0 >= p.stride.0 || p.output_padding.1 >= p.stride.1 {
        return;
    }
    let Some(forward) = adjoint_conv(conv) else { return };
    if matrix(&forward).transpose() != *a {
        return;
    }
    let Some(shape) = conv.output_shape() else { return };
    ex.detail(prose!(
        "Check: $#A$ is exactly the transpose of the matrix of `conv2d` with the same kernel, stride, padding, dilation and groups on a $#s$ input: the transposed convolution is the adjoint of the convolution.",
        A = a_name.clone(),
        s = dims(&shape)
    ));
}

/// The steps shared by the matrix and affine queries.
fn explain_matrix(
    conv: &Conv,
    names: &Names,
    a_name: &Math,
    a: &SparseMatrix<Poly>,
    letters: &mut Letters,
    ring: &Ring,
) -> Explanation {
    let mut ex = Explanation::new();
    setting_step(&mut ex, conv, ring);
    if conv.kind == ConvKind::Conv2d && !conv.params.padding.is_zero() {
        padding_step(&mut ex, conv, ring);
    }
    size_step(&mut ex, conv, letters);
    entries_step(&mut ex, conv, names, a, ring);
    flatten_step(&mut ex, conv, names, a_name, a);
    adjoint_step(&mut ex, conv, a_name, a);
    ex
}

pub fn derive_matrix(conv: &Conv, name: &str, problem: &Problem) -> (Value, Explanation) {
    let a = matrix(conv);
    let mut letters = Letters::of(problem);
    let bias_letter = conv.bias.as_ref().map(|_| letters.fresh(&["b", "beta"]));
    let names = Names::new(conv, &mut letters, &[name]);
    let a_name = Math::name(name);
    let mut ex = explain_matrix(conv, &names, &a_name, &a, &mut letters, &problem.ring);
    if let (Some(bias), Some(b)) = (&conv.bias, bias_letter) {
        ex.step(prose!(
            "The bias $#v$ does not enter $#A$: the layer computes $#Y = #A #X + #b$, where $#b$ repeats each channel's bias over its entries (the query `affine` gives it).",
            v = Math::tuple(bias.iter().map(|b| Math::Poly(b.clone())).collect()),
            A = a_name,
            Y = names.y.clone(),
            X = names.x.clone(),
            b = b
        ));
    }
    (Value::Sparse(a), ex)
}

/// The bias vector: each output channel's bias repeated over its positions.
pub fn bias_vector(conv: &Conv) -> Vec<RatFunc> {
    let [cout, oh, ow] = conv.output_shape().expect("checked");
    let zero = vec![Poly::zero(); cout];
    let bias = conv.bias.as_ref().unwrap_or(&zero);
    (0..cout * oh * ow).map(|k| RatFunc::from(bias[k / (oh * ow)].clone())).collect()
}

pub fn derive_affine(conv: &Conv, name: &str, problem: &Problem) -> (Value, AffineAnswer, Explanation) {
    let a = matrix(conv);
    let mut letters = Letters::of(problem);
    let names = Names::new(conv, &mut letters, &[name, "A", "b"]);
    let (a_name, b_name) = (Math::name("A"), Math::name("b"));
    let mut ex = explain_matrix(conv, &names, &a_name, &a, &mut letters, &problem.ring);
    let equation = math!("#Y = #A #X + #b", Y = names.y.clone(), A = a_name, X = names.x.clone(), b = b_name.clone());
    match &conv.bias {
        Some(bias) => ex.step(prose!(
            "The bias adds each output channel's bias, $#v$, to every entry of that channel: $#e$.",
            v = Math::tuple(bias.iter().map(|b| Math::Poly(b.clone())).collect()),
            e = equation
        )),
        None => ex.step(prose!("There is no bias: $#e$ with $#b = 0$.", e = equation, b = b_name)),
    };
    let b = bias_vector(conv);
    let value = Value::record(vec![("A", Value::Sparse(a)), ("b", Value::Matrix(crate::algebra::Matrix::column(b)))]);
    let bias = conv.bias.clone().unwrap_or_else(|| vec![Poly::zero(); conv.out_channels()]);
    (value, AffineAnswer { bias }, ex)
}

pub fn derive_shape(conv: &Conv, problem: &Problem) -> (Value, ShapeAnswer, Explanation) {
    let [c, h, w] = conv.output_shape().expect("checked");
    let mut letters = Letters::of(problem);
    let mut ex = Explanation::new();
    ex.detail(setting(conv));
    size_step(&mut ex, conv, &mut letters);
    let int = |n: usize| Value::scalar(Q::from(n));
    let value = if output_is_matrix(conv) {
        Value::Tuple(vec![int(h), int(w)])
    } else {
        Value::Tuple(vec![int(c), int(h), int(w)])
    };
    (value, ShapeAnswer { shape: [c, h, w] }, ex)
}

// ---------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------

/// The most nonzero entries the picture of a matrix's pattern draws.
const PATTERN_CAP: usize = 1024;
/// The most rows or columns of an input grid the picture of one output
/// entry's window draws.
const GRID_CAP: usize = 32;

/// A point of a picture drawn like a matrix: column `col` across, row
/// `row` downward (at height −row), in steps of `1/den`.
fn at(col: i64, row: i64, den: i64) -> (Q, Q) {
    (Q::new(col, den), Q::new(-row, den))
}

/// The square of the entry at (`row`, `col`), a little smaller than its
/// cell so that neighbours stay apart.
fn cell(row: i64, col: i64, role: super::explain::Role, label: Option<Math>) -> Mark {
    let (c, r) = (10 * col, 10 * row);
    let points = vec![at(c - 4, r + 4, 10), at(c + 4, r + 4, 10), at(c + 4, r - 4, 10), at(c - 4, r - 4, 10)];
    Mark::Region { points, role, label }
}

/// The rectangle of rows `r0..=r1` and columns `c0..=c1`, cell edges
/// included, as a closed line or a region.
fn block(r0: i64, r1: i64, c0: i64, c1: i64) -> Vec<(Q, Q)> {
    let (t, b, l, r) = (2 * r0 - 1, 2 * r1 + 1, 2 * c0 - 1, 2 * c1 + 1);
    vec![at(l, t, 2), at(r, t, 2), at(r, b, 2), at(l, b, 2), at(l, t, 2)]
}

/// Round ticks from 0 to `n − 1` (indices), at most about six.
fn index_ticks(n: usize) -> Vec<Q> {
    let step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
        .into_iter()
        .find(|s| n.div_ceil(*s) <= 6)
        .unwrap_or(n.max(1));
    (0..n).step_by(step).map(Q::from).collect()
}

/// The axes of a picture drawn like a matrix: columns `c0..c0 + cols`
/// across, rows `r0..r0 + rows` downward, with blank room added so that a
/// cell is about as wide as it is tall in the usual 8 : 5 frame.
fn matrix_axes(r0: i64, rows: usize, c0: i64, cols: usize, labels: (Math, Math)) -> (Axis, Axis) {
    let (rows_n, cols_n) = (rows as i64, cols as i64);
    // Widths in half cells, widened to 8 : 5.
    let (mut w, mut h) = (2 * cols_n, 2 * rows_n);
    if 5 * w < 8 * h {
        w = (8 * h + 4) / 5;
    } else {
        h = (5 * w + 7) / 8;
    }
    let ticks = |lo: i64, n: usize, sign: i64| {
        index_ticks(n).into_iter().map(|t| &(&t + &Q::from(lo)) * &Q::from(sign)).collect()
    };
    let x =
        Axis { label: labels.1, lo: Q::new(2 * c0 - 1, 2), hi: Q::new(2 * c0 - 1 + w, 2), ticks: ticks(c0, cols, 1) };
    let y = Axis {
        label: Math::Neg(Box::new(labels.0)),
        lo: Q::new(-(2 * r0 - 1 + h), 2),
        hi: Q::new(-(2 * r0 - 1), 2),
        ticks: ticks(r0, rows, -1),
    };
    (x, y)
}

/// The nonzero pattern of the matrix: one square per nonzero entry, row r
/// drawn at height −r so that the picture reads like the matrix; none when
/// there are too many entries to draw.
fn pattern_figure(a_name: &Math, a: &SparseMatrix<Poly>) -> Option<Figure> {
    let (rows, cols) = a.shape();
    if a.nonzeros() == 0 || a.nonzeros() > PATTERN_CAP {
        return None;
    }
    let marks = (0..rows)
        .flat_map(|r| a.row(r).map(move |(c, _)| cell(r as i64, c as i64, super::explain::Role::Yes, None)))
        .collect();
    let (x, y) = matrix_axes(0, rows, 0, cols, (Math::text("row"), Math::text("column")));
    Some(Figure {
        caption: prose!(
            "The nonzero entries of the $#s$ matrix $#A$, one square each (#k in all); row $r$ is drawn at height $-r$, so the picture reads like the matrix.",
            s = dims(&[rows, cols]),
            A = a_name.clone(),
            k = a.nonzeros()
        ),
        panels: vec![Panel { title: None, x, y, marks }],
        shows_answer: true,
    })
}

/// The output entry whose window the picture shows: (1, 1) of the first
/// channel, or the last row or column when there is only one.
fn shown_output(conv: &Conv) -> Option<(usize, usize, usize)> {
    let [_, oh, ow] = conv.output_shape()?;
    if oh == 0 || ow == 0 {
        return None;
    }
    let (r, c) = (1.min(oh - 1), 1.min(ow - 1));
    Some((r * ow + c, r, c))
}

/// What output entry `row` of A reads, over each input channel of its group
/// (the first two), as a convolution: conv2d's kernel on the padded input;
/// a transposed convolution's flipped kernel on the input spread out by the
/// stride (zeros between its entries) and padded by d (k − 1) − p. The
/// input entries with a nonzero coefficient in that row are labelled with
/// it, the kernel entries over zeros or padding with their values.
fn window_figure(conv: &Conv, n: &Names, a: &SparseMatrix<Poly>) -> Option<Figure> {
    use super::explain::Role as R;
    let [cin, h, w] = conv.input.input3();
    let shape = conv.output_shape()?;
    let (row, r, c) = shown_output(conv)?;
    let p = &conv.params;
    let (kh, kw) = conv.kernel_size();
    let conv2d = conv.kind == ConvKind::Conv2d;
    let (h_i, w_i) = (h as i64, w as i64);
    let (top, left) = (p.padding.top as i64, p.padding.left as i64);
    let (s0, s1) = if conv2d { (1, 1) } else { (p.stride.0 as i64, p.stride.1 as i64) };
    let (d0, d1) = (p.dilation.0 as i64, p.dilation.1 as i64);
    // The grid drawn, rows r_lo..=r_hi and columns c_lo..=c_hi, input entry
    // (i, j) at (s0 i, s1 j), and where kernel tap (a, b) lies on it.
    let (r_lo, r_hi, c_lo, c_hi) = if conv2d {
        (-top, h_i + p.padding.bottom as i64 - 1, -left, w_i + p.padding.right as i64 - 1)
    } else {
        let (oh, ow) = (shape[1] as i64, shape[2] as i64);
        let (e0, e1) = (d0 * (kh as i64 - 1), d1 * (kw as i64 - 1));
        (top - e0, top - e0 + oh + e0 - 1, left - e1, left - e1 + ow + e1 - 1)
    };
    let tap = |ka: usize, kb: usize| -> (i64, i64) {
        if conv2d {
            (reach(r, ka, p.stride.0, p.dilation.0) as i64 - top, reach(c, kb, p.stride.1, p.dilation.1) as i64 - left)
        } else {
            // The flipped kernel: tap a sits where its input entry would
            // (t = r + p − a d, an input entry's row when it is a
            // multiple of the stride).
            (r as i64 + top - ka as i64 * d0, c as i64 + left - kb as i64 * d1)
        }
    };
    // Whether tap (a, b) is over an input entry rather than padding or an
    // inserted zero.
    let over_input = |ka: usize, kb: usize| {
        let (tr, tc) = tap(ka, kb);
        if conv2d {
            (0..h_i).contains(&tr) && (0..w_i).contains(&tc)
        } else {
            landing(r, ka, p.stride.0, p.dilation.0, p.padding.top, h).is_some()
                && landing(c, kb, p.stride.1, p.dilation.1, p.padding.left, w).is_some()
        }
    };
    let (ph, pw) = ((r_hi - r_lo + 1) as usize, (c_hi - c_lo + 1) as usize);
    let cap = if conv2d { GRID_CAP } else { GRID_CAP / 2 };
    if ph > cap || pw > cap {
        return None;
    }
    // The input channels of output channel 0's group: 0..cin/groups.
    let in_per = cin / p.groups;
    let drawn = in_per.min(2);
    let axis =
        |s: i64, name: &str| if s == 1 { Math::text(name) } else { Math::Product(vec![s.into(), Math::text(name)]) };
    let (x, y) = matrix_axes(r_lo, ph, c_lo, pw, (axis(s0, "row"), axis(s1, "column")));
    // Labels where a cell has room for them: about 40 px in HTML, 1 cm in
    // LaTeX for one panel.
    let span = (&x.hi - &x.lo).max(&y.hi - &y.lo);
    let labelled = span <= Q::from(if drawn == 1 { 9 } else { 5 });
    let label = |m: &Poly| labelled.then(|| Math::Poly(m.clone()));
    let is_input = |gr: i64, gc: i64| {
        gr.rem_euclid(s0) == 0
            && gc.rem_euclid(s1) == 0
            && (0..h_i).contains(&(gr / s0))
            && (0..w_i).contains(&(gc / s1))
    };
    let panels = (0..drawn)
        .map(|i| {
            let mut marks = Vec::new();
            // The grid of cells.
            for k in r_lo..=r_hi + 1 {
                marks.push(Mark::Line {
                    points: vec![at(2 * c_lo - 1, 2 * k - 1, 2), at(2 * c_hi + 1, 2 * k - 1, 2)],
                    role: R::Guide,
                    label: None,
                });
            }
            for k in c_lo..=c_hi + 1 {
                marks.push(Mark::Line {
                    points: vec![at(2 * k - 1, 2 * r_lo - 1, 2), at(2 * k - 1, 2 * r_hi + 1, 2)],
                    role: R::Guide,
                    label: None,
                });
            }
            if conv2d {
                // The padding: bands above and below, then left and right.
                let mut band = |r0: i64, r1: i64, c0: i64, c1: i64| {
                    if r0 <= r1 && c0 <= c1 {
                        let mut points = block(r0, r1, c0, c1);
                        points.pop();
                        marks.push(Mark::Region { points, role: R::No, label: None });
                    }
                };
                band(r_lo, -1, c_lo, c_hi);
                band(h_i, r_hi, c_lo, c_hi);
                band(0, h_i - 1, c_lo, -1);
                band(0, h_i - 1, w_i, c_hi);
            } else {
                // The zeros between and around the input's entries.
                for gr in r_lo..=r_hi {
                    for gc in c_lo..=c_hi {
                        if !is_input(gr, gc) {
                            marks.push(cell(gr, gc, R::No, None));
                        }
                    }
                }
            }
            // The kernel's window, and its taps over padding or zeros.
            let (first, last) = (tap(0, 0), tap(kh - 1, kw - 1));
            marks.push(Mark::Line {
                points: block(first.0.min(last.0), first.0.max(last.0), first.1.min(last.1), first.1.max(last.1)),
                role: R::Accent,
                label: None,
            });
            for ka in 0..kh {
                for kb in 0..kw {
                    let (tr, tc) = tap(ka, kb);
                    let shown = (r_lo..=r_hi).contains(&tr) && (c_lo..=c_hi).contains(&tc);
                    if let Some(weight) = conv.weight(0, i, ka, kb).filter(|_| shown && !over_input(ka, kb)) {
                        marks.push(cell(tr, tc, R::No, label(weight)));
                    }
                }
            }
            // The input entries the output entry reads.
            for (col, coefficient) in a.row(row) {
                let (ch, sr, sc) = (col / (h * w), (col / w) % h, col % w);
                if ch == i {
                    marks.push(cell(s0 * sr as i64, s1 * sc as i64, R::Yes, label(coefficient)));
                }
            }
            let title = (conv.input.shape.len() == 3).then(|| prose!("input channel #i", i = i));
            Panel { title, x: x.clone(), y: y.clone(), marks }
        })
        .collect();
    let y_entry = entry(&n.y, position(row, shape, output_is_matrix(conv)));
    let mut caption = match (conv2d, p.padding.is_zero()) {
        (true, true) => prose!(
            "Output entry $#y$ reads these entries of $#X$ under the kernel's window, each labelled with its coefficient in $#y$.",
            y = y_entry,
            X = n.x.clone()
        ),
        (true, false) => prose!(
            "Output entry $#y$ reads these entries of $#X$: the kernel's window on the padded input (the padding around $#X$), each entry read labelled with its coefficient in $#y$ and each kernel entry over the padding with its value.",
            y = y_entry.clone(),
            X = n.x.clone()
        ),
        (false, _) => prose!(
            "Output entry $#y$ as a convolution: the kernel, flipped, slides over $#X$ spread out by the stride (entry $(i, j)$ drawn at $(#s i, #t j)$, zeros between) with zeros around it; each entry of $#X$ read is labelled with its coefficient in $#y$, each kernel entry over a zero with its value.",
            y = y_entry.clone(),
            X = n.x.clone(),
            s = s0,
            t = s1
        ),
    };
    if drawn < in_per {
        caption.push_text(&format!(" Only the first {drawn} of its {in_per} input channels are drawn."));
    }
    if !labelled {
        caption.push_text(" The cells are too small for labels here.");
    }
    Some(Figure { caption, panels, shows_answer: false })
}

#[cfg(test)]
mod tests {

    #[test]
    fn landings_scanned_over_the_input_are_those_scanned_over_the_taps() {
        for k in 1..9 {
            for n in 1..9 {
                for (s, d, pad) in [(1, 1, 0), (2, 1, 0), (2, 2, 1), (3, 1, 2), (1, 3, 0), (4, 2, 3)] {
                    for out in 0..40 {
                        let by_taps: Vec<(usize, usize)> =
                            (0..k).filter_map(|a| landing(out, a, s, d, pad, n).map(|i| (a, i))).collect();
                        assert_eq!(
                            landings(out, k, s, d, pad, n),
                            by_taps,
                            "k {k} n {n} s {s} d {d} pad {pad} out {out}"
                        );
                    }
                }
            }
        }
    }

    use super::*;
    use crate::algebra::{Print, Ring};
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
        a.row(r).map(|(c, p)| (c, p.print(ring))).collect()
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
    fn index_formulas_read_as_a_course_writes_them() {
        let (r, a) = (Math::name("r"), Math::name("a"));
        let text = |m: &Math| crate::render::math::text::inline(m);
        assert_eq!(text(&affine(&[(3, &r), (1, &a)], -1)), "3 r + a - 1");
        assert_eq!(text(&affine(&[(0, &r), (-1, &a)], 1)), "1 - a");
        assert_eq!(text(&affine(&[(0, &r)], 0)), "0");
        assert_eq!(affine(&[(1, &r)], 0), r);
    }

    #[test]
    fn tap_sums_keep_signs_out_of_products() {
        let ring = Ring::new();
        let w = |i: i64| Poly::var(ring.var(&crate::algebra::Symbol::indexed("w", &[i])));
        let x = Poly::var(ring.var(&crate::algebra::Symbol::indexed("x", &[0])));
        let text = |m: &Math| crate::render::math::text::inline(&crate::render::math::lower::lower(m, &ring));
        let minus = -&Poly::one();
        assert_eq!(text(&taps_sum([(&minus, &x), (&w(1), &x)], &ring)), "w[1] x[0] - x[0]");
        let two = Poly::constant(Q::from_int(-2));
        assert_eq!(text(&taps_sum([(&-&w(0), &x), (&two, &x)], &ring)), "-w[0] x[0] - 2 x[0]");
        // A weight of several terms is one factor, its terms in the usual
        // order (a positive one first).
        let p = &(&Poly::one() - &w(0)) + &w(1).scale(&Q::from_int(2));
        let written = text(&taps_sum([(&p, &x)], &ring));
        assert!(written.starts_with('(') && written.contains("- w[0]") && written.ends_with(") x[0]"), "{written}");
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

    /// The cells a panel draws with `role` (squares 4/5 wide): (row,
    /// column) of each centre (row r at height −r), with its label.
    fn cells(panel: &Panel, role: super::super::explain::Role) -> Vec<((i64, i64), Option<Math>)> {
        panel
            .marks
            .iter()
            .filter_map(|m| match m {
                Mark::Region { points, role: r, label }
                    if *r == role && points.len() == 4 && &points[1].0 - &points[0].0 == Q::new(4, 5) =>
                {
                    let n = Q::from(4usize);
                    let x = &points.iter().fold(Q::zero(), |s, p| &s + &p.0) / &n;
                    let y = &points.iter().fold(Q::zero(), |s, p| &s + &p.1) / &n;
                    let int = |q: &Q| q.to_string().parse::<i64>().expect("a cell centre is an integer");
                    Some(((-int(&y), int(&x)), label.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn convs(ring: &Ring) -> Vec<Conv> {
        vec![
            conv(ConvKind::Conv2d, ring, vec![2, 2], vec![3, 3], |p| {
                p.stride = (3, 3);
                p.padding = Padding::uniform(1, 1);
            }),
            conv(ConvKind::Conv2d, ring, vec![2, 2, 2, 3], vec![2, 5, 6], |p| {
                p.stride = (2, 1);
                p.dilation = (1, 2);
                p.padding = Padding { top: 2, bottom: 0, left: 1, right: 3 };
            }),
            conv(ConvKind::Conv2d, ring, vec![4, 1, 3, 3], vec![2, 4, 4], |p| {
                p.groups = 2;
                p.padding = Padding::uniform(1, 1);
            }),
            conv(ConvKind::Conv2d, ring, vec![1, 3], vec![1, 2], |p| {
                p.padding = Padding { top: 0, bottom: 0, left: 1, right: 1 };
                p.padding_mode = PaddingMode::Reflect;
            }),
            conv(ConvKind::Conv2d, ring, vec![3, 3], vec![4, 4], |p| {
                p.padding = Padding::uniform(2, 1);
                p.padding_mode = PaddingMode::Circular;
            }),
            conv(ConvKind::ConvTranspose2d, ring, vec![2, 2], vec![2, 2], |p| p.stride = (2, 2)),
            conv(ConvKind::ConvTranspose2d, ring, vec![2, 3, 3, 2], vec![2, 3, 4], |p| {
                p.stride = (2, 1);
                p.padding = Padding::uniform(1, 0);
                p.dilation = (1, 2);
            }),
        ]
    }

    #[test]
    fn pattern_has_one_square_per_nonzero_entry_where_it_sits() {
        let ring = Ring::new();
        for c in convs(&ring) {
            let a = matrix(&c);
            let fig = pattern_figure(&Math::name("A"), &a).expect("a small matrix is drawn");
            let squares = cells(&fig.panels[0], super::super::explain::Role::Yes);
            assert_eq!(squares.len(), a.nonzeros());
            let drawn: std::collections::BTreeSet<(i64, i64)> = squares.iter().map(|s| s.0).collect();
            let nonzero: std::collections::BTreeSet<(i64, i64)> =
                (0..a.rows()).flat_map(|r| a.row(r).map(move |(c, _)| (r as i64, c as i64))).collect();
            assert_eq!(drawn, nonzero);
        }
    }

    #[test]
    fn pattern_is_skipped_past_the_cap() {
        let ring = Ring::new();
        let c = conv(ConvKind::Conv2d, &ring, vec![3, 3], vec![12, 14], |p| p.padding = Padding::uniform(1, 1));
        let a = matrix(&c);
        assert!(a.nonzeros() > PATTERN_CAP);
        assert!(pattern_figure(&Math::name("A"), &a).is_none());
    }

    #[test]
    fn window_highlights_exactly_the_inputs_its_row_reads() {
        let ring = Ring::new();
        let mut labelled = 0;
        for c in convs(&ring) {
            let a = matrix(&c);
            let mut letters = Letters::default();
            let names = Names::new(&c, &mut letters, &["A"]);
            let fig = window_figure(&c, &names, &a).expect("a small input is drawn");
            let (row, r, cc) = shown_output(&c).expect("an output entry");
            let [cin, h, w] = c.input.input3();
            assert_eq!(fig.panels.len(), (cin / c.params.groups).min(2));
            // A transposed convolution's input is drawn spread out by the
            // stride.
            let spread = match c.kind {
                ConvKind::Conv2d => (1, 1),
                ConvKind::ConvTranspose2d => (c.params.stride.0 as i64, c.params.stride.1 as i64),
            };
            for (i, panel) in fig.panels.iter().enumerate() {
                let mut yes = cells(panel, super::super::explain::Role::Yes);
                yes.sort_by_key(|y| y.0);
                let mut read: Vec<((i64, i64), Option<Math>)> = a
                    .row(row)
                    .filter(|(col, _)| col / (h * w) == i)
                    .map(|(col, p)| ((((col / w) % h) as i64, (col % w) as i64), Some(Math::Poly(p.clone()))))
                    .map(|((sr, sc), p)| ((spread.0 * sr, spread.1 * sc), p))
                    .collect();
                read.sort_by_key(|y| y.0);
                // The same cells, each labelled with its coefficient when
                // the cells have room for labels.
                let at = |v: &[((i64, i64), Option<Math>)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
                assert_eq!(at(&yes), at(&read), "{:?}", c.params);
                for (y, x) in yes.iter().zip(&read) {
                    assert!(y.1.is_none() || y.1 == x.1, "{:?}", c.params);
                }
                let labels = panel.marks.iter().any(|m| matches!(m, Mark::Region { label: Some(_), .. }));
                labelled += usize::from(labels);
                // Every tap of the window is drawn once: on an input entry
                // it reads, or on the padding (or a zero between entries of
                // a transposed convolution's input) with its weight.
                let p = &c.params;
                let (kh, kw) = c.kernel_size();
                let zeros = cells(panel, super::super::explain::Role::No);
                let mut on_zeros = 0;
                for ka in 0..kh {
                    for kb in 0..kw {
                        let (at, inside) = match c.kind {
                            ConvKind::Conv2d => {
                                let at = (
                                    (r * p.stride.0 + ka * p.dilation.0) as i64 - p.padding.top as i64,
                                    (cc * p.stride.1 + kb * p.dilation.1) as i64 - p.padding.left as i64,
                                );
                                (at, (0..h as i64).contains(&at.0) && (0..w as i64).contains(&at.1))
                            }
                            ConvKind::ConvTranspose2d => {
                                // Input entry (i, j) is drawn at (s i, t j).
                                let at = (
                                    (r + p.padding.top) as i64 - (ka * p.dilation.0) as i64,
                                    (cc + p.padding.left) as i64 - (kb * p.dilation.1) as i64,
                                );
                                let (s, t) = (p.stride.0 as i64, p.stride.1 as i64);
                                let real = at.0 % s == 0
                                    && at.1 % t == 0
                                    && (0..h as i64).contains(&(at.0 / s))
                                    && (0..w as i64).contains(&(at.1 / t))
                                    && at.0 >= 0
                                    && at.1 >= 0;
                                (at, real)
                            }
                        };
                        let weight = c.weight(0, i, ka, kb).map(|x| Math::Poly(x.clone()));
                        if inside && p.padding_mode == PaddingMode::Zeros {
                            assert!(yes.iter().any(|y| y.0 == at), "tap {at:?} reads an input");
                        } else if !inside {
                            assert!(
                                zeros.iter().any(|x| x.0 == at && (!labels || x.1 == weight)),
                                "tap {at:?} on the padding, {:?}",
                                p
                            );
                            on_zeros += 1;
                        }
                    }
                }
                if p.padding_mode == PaddingMode::Zeros {
                    assert_eq!(on_zeros + yes.len(), kh * kw, "{:?}", p);
                }
            }
        }
        assert!(labelled > 0, "small windows carry labels");
    }
}
