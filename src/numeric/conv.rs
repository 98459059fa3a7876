//! Direct numeric convolution with ndarray, written independently of the
//! symbolic construction: the input is padded into a new array (separably,
//! rows then columns, as PyTorch pads), the convolution slides over it, and
//! the transposed convolution scatters into a full-size buffer that is then
//! cropped. Cross-checks compare these with the derived matrices.

use ndarray::{Array3, Array4, s};

use crate::algebra::{Poly, Ring, SparseMatrix, Var};
use crate::derive::CrossCheck;
use crate::derive::conv::ShapeAnswer;
use crate::derive::equivalence::{Difference, EquivalenceAnswer, NamedOrder, Reordering};
use crate::model::{Conv, ConvKind, Layout, Padding, PaddingMode};

use super::rng::Rng;

/// Pads one axis of `x` (axis 1 = rows, 2 = columns).
fn pad_axis(x: &Array3<f64>, axis: usize, before: usize, after: usize, mode: PaddingMode) -> Array3<f64> {
    let n = x.shape()[axis];
    let mut shape = [x.shape()[0], x.shape()[1], x.shape()[2]];
    shape[axis] = n + before + after;
    let mut out = Array3::zeros(shape);
    for q in 0..n + before + after {
        // Where padded index q copies from, or None for a zero.
        let src: Option<usize> = if q >= before && q < before + n {
            Some(q - before)
        } else {
            let outside_left = q < before;
            let k = if outside_left { before - q } else { q - (before + n - 1) };
            match mode {
                PaddingMode::Zeros => None,
                PaddingMode::Reflect => Some(if outside_left { k } else { n - 1 - k }),
                PaddingMode::Replicate => Some(if outside_left { 0 } else { n - 1 }),
                PaddingMode::Circular => Some(if outside_left { n - k } else { k - 1 }),
            }
        };
        if let Some(src) = src {
            if axis == 1 {
                out.slice_mut(s![.., q, ..]).assign(&x.slice(s![.., src, ..]));
            } else {
                out.slice_mut(s![.., .., q]).assign(&x.slice(s![.., .., src]));
            }
        }
    }
    out
}

/// Pads the input as conv2d does.
pub fn pad(x: &Array3<f64>, p: Padding, mode: PaddingMode) -> Array3<f64> {
    let rows = pad_axis(x, 1, p.top, p.bottom, mode);
    pad_axis(&rows, 2, p.left, p.right, mode)
}

/// Cross-correlation of an already padded input with weights
/// (out, in/groups, kh, kw).
pub fn conv2d(
    w: &Array4<f64>,
    x: &Array3<f64>,
    stride: (usize, usize),
    dilation: (usize, usize),
    groups: usize,
) -> Array3<f64> {
    let (cout, in_per, kh, kw) = w.dim();
    let (_, h, wd) = x.dim();
    let oh = (h - dilation.0 * (kh - 1) - 1) / stride.0 + 1;
    let ow = (wd - dilation.1 * (kw - 1) - 1) / stride.1 + 1;
    let out_per = cout / groups;
    // Flat slices: indexing ndarray element by element costs a bounds and
    // stride computation per access, most of the cross-check's time.
    let (w, x) = (w.as_standard_layout(), x.as_standard_layout());
    let (ws, xs) = (w.as_slice().expect("standard layout"), x.as_slice().expect("standard layout"));
    let mut y = vec![0.0; cout * oh * ow];
    for o in 0..cout {
        let g = o / out_per;
        for r in 0..oh {
            for c in 0..ow {
                let mut acc = 0.0;
                for ip in 0..in_per {
                    let i = g * in_per + ip;
                    for a in 0..kh {
                        let wrow = &ws[((o * in_per + ip) * kh + a) * kw..][..kw];
                        let xrow = &xs[(i * h + r * stride.0 + a * dilation.0) * wd..][..wd];
                        for (b, wv) in wrow.iter().enumerate() {
                            acc += wv * xrow[c * stride.1 + b * dilation.1];
                        }
                    }
                }
                y[(o * oh + r) * ow + c] = acc;
            }
        }
    }
    Array3::from_shape_vec((cout, oh, ow), y).expect("the output's shape")
}

/// Transposed convolution with weights (in, out/groups, kh, kw): every
/// input entry scatters its multiple of the kernel into a full buffer, which
/// is cropped by the padding at the end.
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose2d(
    w: &Array4<f64>,
    x: &Array3<f64>,
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
    groups: usize,
    output_padding: (usize, usize),
) -> Array3<f64> {
    let (cin, out_per, kh, kw) = w.dim();
    let (_, h, wd) = x.dim();
    let full_h = (h - 1) * stride.0 + dilation.0 * (kh - 1) + 1 + output_padding.0;
    let full_w = (wd - 1) * stride.1 + dilation.1 * (kw - 1) + 1 + output_padding.1;
    let in_per = cin / groups;
    let (w, x) = (w.as_standard_layout(), x.as_standard_layout());
    let (ws, xs) = (w.as_slice().expect("standard layout"), x.as_slice().expect("standard layout"));
    let mut buf = vec![0.0; out_per * groups * full_h * full_w];
    for i in 0..cin {
        let g = i / in_per;
        for r in 0..h {
            for c in 0..wd {
                let v = xs[(i * h + r) * wd + c];
                for op in 0..out_per {
                    let o = g * out_per + op;
                    for a in 0..kh {
                        let wrow = &ws[((i * out_per + op) * kh + a) * kw..][..kw];
                        let frow = &mut buf[(o * full_h + r * stride.0 + a * dilation.0) * full_w..][..full_w];
                        for (b, wv) in wrow.iter().enumerate() {
                            frow[c * stride.1 + b * dilation.1] += wv * v;
                        }
                    }
                }
            }
        }
    }
    let full = Array3::from_shape_vec((out_per * groups, full_h, full_w), buf).expect("the buffer's shape");
    full.slice(s![.., padding.0..full_h - padding.0, padding.1..full_w - padding.1]).to_owned()
}

/// The kernel as numbers, with each symbol replaced by its value.
pub fn kernel_values(conv: &Conv, value: &impl Fn(Var) -> f64) -> Array4<f64> {
    let [a, b, h, w] = conv.kernel.kernel4();
    let data: Vec<f64> = conv.kernel.entries.iter().map(|p| p.eval_f64(value)).collect();
    Array4::from_shape_vec((a, b, h, w), data).expect("kernel entries fit the kernel shape")
}

/// Applies the convolution numerically.
pub fn apply(conv: &Conv, kernel: &Array4<f64>, x: &Array3<f64>) -> Array3<f64> {
    let p = &conv.params;
    match conv.kind {
        ConvKind::Conv2d => {
            let padded = pad(x, p.padding, p.padding_mode);
            conv2d(kernel, &padded, p.stride, p.dilation, p.groups)
        }
        ConvKind::ConvTranspose2d => {
            let w = match p.layout {
                Layout::InOut => kernel.clone(),
                Layout::OutIn => out_in_to_in_out(kernel, x.dim().0, p.groups),
            };
            conv_transpose2d(&w, x, p.stride, (p.padding.top, p.padding.left), p.dilation, p.groups, p.output_padding)
        }
    }
}

/// Re-lays (out, in/groups, kh, kw) weights as (in, out/groups, kh, kw).
fn out_in_to_in_out(k: &Array4<f64>, cin: usize, groups: usize) -> Array4<f64> {
    let (cout, in_per, kh, kw) = k.dim();
    let out_per = cout / groups;
    let mut w = Array4::zeros((cin, out_per, kh, kw));
    for o in 0..cout {
        let g = o / out_per;
        for ip in 0..in_per {
            w.slice_mut(s![g * in_per + ip, o % out_per, .., ..]).assign(&k.slice(s![o, ip, .., ..]));
        }
    }
    w
}

/// `A·x` with A's symbols replaced by their values.
pub fn sparse_times(a: &SparseMatrix<Poly>, value: &impl Fn(Var) -> f64, x: &[f64]) -> Vec<f64> {
    (0..a.rows()).map(|r| a.row(r).map(|(c, p)| p.eval_f64(value) * x[c]).sum()).collect()
}

fn random_input(conv: &Conv, rng: &mut Rng) -> Array3<f64> {
    let [c, h, w] = conv.input.input3();
    Array3::from_shape_simple_fn((c, h, w), || rng.small())
}

fn random_values(ring: &Ring, rng: &mut Rng) -> Vec<f64> {
    (0..ring.len()).map(|_| rng.small()).collect()
}

/// Largest difference, relative to the size of the values.
fn discrepancy(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().chain(b).fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// Tolerance on the relative difference. The random values are small
/// integers, so exact agreement is expected; the tolerance only absorbs
/// rounding of non-integer kernel entries such as 0.1.
pub const TOLERANCE: f64 = 1e-9;

/// Compares the matrix with direct convolution; with `bias` (the derived
/// bias of each output channel), A·x + b with the direct convolution plus
/// the bias the query states.
pub fn check_matrix(conv: &Conv, a: &SparseMatrix<Poly>, bias: Option<&[Poly]>, ring: &Ring, seed: u64) -> CrossCheck {
    let zero = vec![Poly::zero(); conv.out_channels()];
    let stated: Option<&[Poly]> = bias.map(|_| conv.bias.as_deref().unwrap_or(&zero));
    let trials = 3;
    let mut rng = Rng::new(seed);
    let mut worst = 0.0f64;
    for _ in 0..trials {
        let values = random_values(ring, &mut rng);
        let value = |v: Var| values.get(v.index()).copied().unwrap_or(0.0);
        let x = random_input(conv, &mut rng);
        let kernel = kernel_values(conv, &value);
        let mut direct = apply(conv, &kernel, &x);
        if let Some(b) = stated {
            for (o, mut channel) in direct.outer_iter_mut().enumerate() {
                let bo = b[o].eval_f64(&value);
                channel.mapv_inplace(|v| v + bo);
            }
        }
        let flat: Vec<f64> = x.iter().copied().collect();
        let mut via_matrix = sparse_times(a, &value, &flat);
        if let Some(b) = bias {
            let per = via_matrix.len() / b.len().max(1);
            for (k, y) in via_matrix.iter_mut().enumerate() {
                *y += b[k / per].eval_f64(&value);
            }
        }
        let direct: Vec<f64> = direct.iter().copied().collect();
        if direct.len() != via_matrix.len() {
            return CrossCheck {
                unchecked: false,
                method: method(conv, bias.is_some()),
                trials,
                passed: false,
                detail: format!("direct convolution gives {} outputs, the matrix {}", direct.len(), via_matrix.len()),
            };
        }
        worst = worst.max(discrepancy(&direct, &via_matrix));
    }
    CrossCheck {
        unchecked: false,
        method: method(conv, bias.is_some()),
        trials,
        passed: worst <= TOLERANCE,
        detail: format!("largest relative difference {worst:.1e} (tolerance {TOLERANCE:.0e})"),
    }
}

fn method(conv: &Conv, bias: bool) -> String {
    let b = if bias { " + b" } else { "" };
    format!("A·x{b} against direct numeric {} (ndarray) on random small-integer kernels and inputs", conv.kind.name())
}

/// Compares a derived output shape with the shape direct convolution gives.
pub fn check_shape(conv: &Conv, shape: &ShapeAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let large = conv
        .sizes()
        .is_none_or(|s| s.work.max(s.rows).max(s.cols).max(s.nonzeros) > crate::model::conv::MAX_DIRECT_SHAPE_ENTRIES);
    if large {
        let direct = recount_shape(conv);
        return CrossCheck {
            method: format!(
                "output shape of {} recounted from its first and last taps in exact integers (too large to compute directly)",
                conv.kind.name()
            ),
            trials: 1,
            passed: direct == Some(shape.shape),
            detail: match direct {
                Some([c, h, w]) => format!("the recount gives shape ({c}, {h}, {w})"),
                None => "the recount finds no output".into(),
            },
            unchecked: false,
        };
    }
    let mut rng = Rng::new(seed);
    let values = random_values(ring, &mut rng);
    let kernel = kernel_values(conv, &|v: Var| values.get(v.index()).copied().unwrap_or(0.0));
    let y = apply(conv, &kernel, &random_input(conv, &mut rng));
    let direct = [y.shape()[0], y.shape()[1], y.shape()[2]];
    CrossCheck {
        unchecked: false,
        method: format!("output shape of direct numeric {} (ndarray)", conv.kind.name()),
        trials: 1,
        passed: direct == shape.shape,
        detail: format!("direct convolution gives shape {:?}", direct),
    }
}

/// The output shape counted from where taps land, in i128 (nothing wraps):
/// conv2d has one output per window start `r·s` whose last tap
/// `r·s + d·(k − 1)` stays in the padded input; a transposed convolution
/// writes from index 0 − p to (n − 1)·s + d·(k − 1) − p, cropped by p on
/// the far side too, plus the output padding.
pub(crate) fn recount_shape(conv: &Conv) -> Option<[usize; 3]> {
    let [_, h, w] = conv.input.input3().map(|d| d as i128);
    let [_, _, kh, kw] = conv.kernel.kernel4().map(|d| d as i128);
    let p = &conv.params;
    let (sh, sw) = (p.stride.0 as i128, p.stride.1 as i128);
    let (dh, dw) = (p.dilation.0 as i128, p.dilation.1 as i128);
    let (top, bottom, left, right) =
        (p.padding.top as i128, p.padding.bottom as i128, p.padding.left as i128, p.padding.right as i128);
    let count = |n: i128, k: i128, s: i128, d: i128, before: i128, after: i128, extra: i128| -> Option<usize> {
        let last_tap = d * (k - 1);
        let n = match conv.kind {
            ConvKind::Conv2d => {
                let room = n + before + after - 1 - last_tap;
                if room < 0 { 0 } else { room / s + 1 }
            }
            ConvKind::ConvTranspose2d => {
                let (first, last) = (-before, (n - 1) * s + last_tap - before);
                last - first + 1 - before - after + extra
            }
        };
        usize::try_from(n).ok().filter(|&n| n > 0)
    };
    let rows = count(h, kh, sh, dh, top, bottom, p.output_padding.0 as i128)?;
    let cols = count(w, kw, sw, dw, left, right, p.output_padding.1 as i128)?;
    Some([conv.out_channels(), rows, cols])
}

/// PyTorch's pixel shuffle: (C·r², H, W) → (C, H·r, W·r),
/// `out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]`.
pub fn pixel_shuffle(x: &Array3<f64>, r: usize) -> Option<Array3<f64>> {
    let (cr2, h, w) = x.dim();
    let r2 = r.checked_mul(r)?;
    if r == 0 || cr2 % r2 != 0 {
        return None;
    }
    let c = cr2 / r2;
    let mut out = Array3::zeros((c, h.checked_mul(r)?, w.checked_mul(r)?));
    for ((ch, hh, ww), v) in x.indexed_iter() {
        let (oc, i, j) = (ch / (r * r), (ch % (r * r)) / r, ch % r);
        out[[oc, hh * r + i, ww * r + j]] = *v;
    }
    Some(out)
}

/// PyTorch's pixel unshuffle, the inverse of [`pixel_shuffle`].
pub fn pixel_unshuffle(x: &Array3<f64>, r: usize) -> Option<Array3<f64>> {
    let (c, hr, wr) = x.dim();
    if r == 0 || hr % r != 0 || wr % r != 0 {
        return None;
    }
    let mut out = Array3::zeros((c.checked_mul(r.checked_mul(r)?)?, hr / r, wr / r));
    for ((ch, hh, ww), v) in x.indexed_iter() {
        out[[ch * r * r + (hh % r) * r + ww % r, hh / r, ww / r]] = *v;
    }
    Some(out)
}

/// Checks a claimed equivalence: random weights for the first operator,
/// carried to the second by the renaming; both applied directly to the
/// same random input; the first output reordered as claimed must equal the
/// second.
pub fn check_equivalence(a: &Conv, b: &Conv, answer: &EquivalenceAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let EquivalenceAnswer::Equivalent { weights, outputs } = answer else {
        let EquivalenceAnswer::Different(why) = answer else { unreachable!("two kinds of answer") };
        return check_difference(a, b, why, ring, seed);
    };
    let trials = 3;
    let mut rng = Rng::new(seed);
    let mut worst = 0.0f64;
    for _ in 0..trials {
        let mut values = random_values(ring, &mut rng);
        for &(s, t) in weights {
            values[t.index()] = values[s.index()];
        }
        let value_of = |v: Var| values.get(v.index()).copied().unwrap_or(0.0);
        let x = random_input(a, &mut rng);
        let y1 = apply(a, &kernel_values(a, &value_of), &x);
        let y2 = apply(b, &kernel_values(b, &value_of), &x);
        let reordered = match outputs {
            Reordering::Named(NamedOrder::Identity) => Some(y1.clone()),
            Reordering::Named(NamedOrder::PixelShuffle(r)) => pixel_shuffle(&y1, *r),
            Reordering::Named(NamedOrder::PixelUnshuffle(r)) => pixel_unshuffle(&y1, *r),
            Reordering::Table { from, to, rows } => {
                let fits = y1.dim() == (from[0], from[1], from[2]) && rows.len() == y1.len();
                fits.then(|| {
                    let mut out = Array3::zeros((to[0], to[1], to[2]));
                    let flat: Vec<f64> = y1.iter().copied().collect();
                    for (k, &j) in rows.iter().enumerate() {
                        if let Some(slot) = out.as_slice_mut().and_then(|s| s.get_mut(j)) {
                            *slot = flat[k];
                        }
                    }
                    out
                })
            }
        };
        let Some(reordered) = reordered.filter(|r| r.dim() == y2.dim()) else {
            return CrossCheck {
                unchecked: false,
                method: "direct numeric convolutions, outputs reordered as claimed".into(),
                trials,
                passed: false,
                detail: "the claimed reordering does not fit the output shapes".into(),
            };
        };
        let r: Vec<f64> = reordered.iter().copied().collect();
        let d: Vec<f64> = y2.iter().copied().collect();
        worst = worst.max(discrepancy(&r, &d));
    }
    CrossCheck {
        unchecked: false,
        method: format!(
            "{} and {} applied directly (ndarray) to random inputs with renamed random weights; first output reordered as claimed",
            a.kind.name(),
            b.kind.name()
        ),
        trials,
        passed: worst <= TOLERANCE,
        detail: format!("largest relative difference {worst:.1e} (tolerance {TOLERANCE:.0e})"),
    }
}

/// Most kernel symbols perturbed one at a time to count those an operator
/// uses.
pub const PERTURBED_SYMBOLS: usize = 256;
/// Random inputs (and shared weight values) tried for a counterexample.
const DIFFERENCE_TRIALS: usize = 3;

/// Confirms a non-equivalence numerically, independently of the search:
/// the stated shapes and counts are measured on the operators run
/// directly, and a counterexample is sought that no renaming and
/// reordering can undo: with every kernel symbol set to one shared value
/// (which makes any renaming irrelevant), the two operators' outputs on
/// the same random input must be equal as multisets (sorted) if the
/// operators were equivalent; sorted outputs that differ prove they are
/// not. A reason that is contradicted fails; a difference that no such
/// sample shows is reported as not confirmed, never as passed.
pub fn check_difference(a: &Conv, b: &Conv, why: &Difference, ring: &Ring, seed: u64) -> CrossCheck {
    let mut rng = Rng::new(seed);
    let (ia, ib) = (a.input.input3(), b.input.input3());
    let result = |method: String, trials: usize, passed: bool, detail: String| CrossCheck {
        unchecked: false,
        method,
        trials,
        passed,
        detail,
    };
    let ones = |_: Var| 1.0;
    let sizes_method = "the operators run directly (ndarray) on random inputs, their input and output sizes measured";
    match why {
        Difference::InputShapes => {
            let (xa, xb) = (random_input(a, &mut rng), random_input(b, &mut rng));
            let passed = xa.dim() != xb.dim();
            let detail = format!("input shapes {:?} and {:?}", xa.dim(), xb.dim());
            return result(sizes_method.into(), 1, passed, detail);
        }
        Difference::InputSizes(n1, n2) => {
            let (xa, xb) = (random_input(a, &mut rng), random_input(b, &mut rng));
            let passed = xa.len() == *n1 && xb.len() == *n2 && n1 != n2;
            let detail = format!("inputs of {} and {} entries (stated {n1} and {n2})", xa.len(), xb.len());
            return result(sizes_method.into(), 1, passed, detail);
        }
        Difference::OutputCounts(n1, n2) => {
            let ya = apply(a, &kernel_values(a, &ones), &random_input(a, &mut rng));
            let yb = apply(b, &kernel_values(b, &ones), &random_input(b, &mut rng));
            let passed = ya.len() == *n1 && yb.len() == *n2 && n1 != n2;
            let detail = format!("{} and {} outputs (stated {n1} and {n2})", ya.len(), yb.len());
            return result(sizes_method.into(), 1, passed, detail);
        }
        Difference::SymbolCounts(n1, n2) => {
            if ring.len() > PERTURBED_SYMBOLS {
                return CrossCheck::unchecked(
                    "the count of kernel symbols each operator uses is not measured numerically",
                    format!("{} symbols, more than the {PERTURBED_SYMBOLS} perturbed one at a time", ring.len()),
                );
            }
            // A symbol is used when changing it alone changes the output
            // on a random input.
            let base = random_values(ring, &mut rng);
            let (xa, xb) = (random_input(a, &mut rng), random_input(b, &mut rng));
            let run = |c: &Conv, x: &Array3<f64>, v: &[f64]| -> Vec<f64> {
                apply(c, &kernel_values(c, &|s: Var| v.get(s.index()).copied().unwrap_or(0.0)), x)
                    .iter()
                    .copied()
                    .collect()
            };
            let (ya, yb) = (run(a, &xa, &base), run(b, &xb, &base));
            let (mut used_a, mut used_b) = (0, 0);
            for k in 0..ring.len() {
                let mut v = base.clone();
                v[k] += 1.0;
                used_a += usize::from(run(a, &xa, &v) != ya);
                used_b += usize::from(run(b, &xb, &v) != yb);
            }
            let passed = used_a == *n1 && used_b == *n2 && n1 != n2;
            return result(
                "each kernel symbol changed alone, the operators run directly (ndarray) on random inputs: the symbols \
                 that change an output are counted"
                    .into(),
                ring.len(),
                passed,
                format!("{used_a} and {used_b} symbols change the outputs (stated {n1} and {n2})"),
            );
        }
        Difference::Unmatched { .. } | Difference::NoRenaming => {}
    }
    // A counterexample: sorted outputs under one shared weight value.
    let method = "both operators run directly (ndarray) on the same random input with every kernel symbol set to \
                  one shared value, so that no renaming matters: their outputs, sorted, must differ"
        .to_string();
    if ia != ib {
        return result(method, 0, false, "the inputs differ in shape, against the stated reason".into());
    }
    let mut widest = 0.0f64;
    for t in 0..DIFFERENCE_TRIALS {
        let c = if t == 0 { 1.0 } else { rng.small() };
        let x = random_input(a, &mut rng);
        let shared = |_: Var| c;
        let sorted = |conv: &Conv| {
            let mut y: Vec<f64> = apply(conv, &kernel_values(conv, &shared), &x).iter().copied().collect();
            y.sort_by(f64::total_cmp);
            y
        };
        let (ya, yb) = (sorted(a), sorted(b));
        let gap = if ya.len() == yb.len() { discrepancy(&ya, &yb) } else { f64::INFINITY };
        widest = widest.max(gap);
        if gap > TOLERANCE {
            return result(
                method,
                t + 1,
                true,
                format!(
                    "a counterexample: with every symbol {c} the sorted outputs differ by {gap:.1e} (relative; \
                     tolerance {TOLERANCE:.0e})"
                ),
            );
        }
    }
    CrossCheck::unchecked(
        method,
        format!(
            "no counterexample in {DIFFERENCE_TRIALS} trials (sorted outputs agree to {widest:.1e}): the difference is \
             in how the symbols are shared, which only the exact search sees"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    #[test]
    fn padding_modes_match_pytorch() {
        let x = Array::from_shape_vec((1, 1, 3), vec![1.0, 2.0, 3.0]).unwrap();
        let p = Padding { top: 0, bottom: 0, left: 2, right: 2 };
        let row = |m| pad(&x, p, m).iter().copied().collect::<Vec<f64>>();
        assert_eq!(row(PaddingMode::Zeros), vec![0., 0., 1., 2., 3., 0., 0.]);
        assert_eq!(row(PaddingMode::Reflect), vec![3., 2., 1., 2., 3., 2., 1.]);
        assert_eq!(row(PaddingMode::Replicate), vec![1., 1., 1., 2., 3., 3., 3.]);
        assert_eq!(row(PaddingMode::Circular), vec![2., 3., 1., 2., 3., 1., 2.]);
    }

    #[test]
    fn transposed_convolution_upsamples() {
        // 1x1 input of value 2 with a 2x2 kernel and stride 2: the output
        // is the kernel times 2.
        let x = Array::from_shape_vec((1, 1, 1), vec![2.0]).unwrap();
        let w = Array::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let y = conv_transpose2d(&w, &x, (2, 2), (0, 0), (1, 1), 1, (0, 0));
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn pixel_shuffle_round_trips() {
        let x = Array::from_shape_fn((8, 2, 3), |(c, h, w)| (c * 100 + h * 10 + w) as f64);
        let y = pixel_shuffle(&x, 2).unwrap();
        assert_eq!(y.dim(), (2, 4, 6));
        assert_eq!(y[[1, 3, 5]], x[[4 + 2 + 1, 1, 2]]);
        assert_eq!(pixel_unshuffle(&y, 2).unwrap(), x);
    }
}
