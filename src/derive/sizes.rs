//! The sizes of a convolution as exact formulas: the output shape (with a
//! floor for conv2d), the number of parameters and of multiply-adds, in
//! the problem's symbols, with the conditions under which they hold.
//!
//! conv2d: a window starts at `0, s, 2s, …` and fits while its last tap,
//! `d(k − 1)` further, stays inside the padded input of `n + p₁ + p₂`
//! entries, so there are `⌊(n + p₁ + p₂ − d(k − 1) − 1)/s⌋ + 1` windows.
//! conv_transpose2d: input entry `r` and tap `a` land at `r s + a d`, from
//! 0 to `(n − 1)s + d(k − 1)`; the padding crops `p` at each end and the
//! output padding adds rows at the end. Multiply-adds count every product a
//! dense implementation computes: conv2d `out · H_out · W_out · (in/groups)
//! · kh · kw` (taps over the padding included), conv_transpose2d, which
//! scatters each input entry, `in · H · W · (out/groups) · kh · kw` (taps
//! cropped by the padding included).

use crate::algebra::{FloorPoly, Poly, Q};
use crate::language::math::{Fence, Sign};
use crate::model::sizes::{Condition, SizeConv, SizeQuery, SizeWhat};
use crate::model::{ConvKind, Problem, Value};
use crate::{math, prose};

use super::explain::{Explanation, Math, floor_math};

/// A size query's answer: the quantities the value is made of, for the
/// numeric check (the shape's channels, rows and columns; the parameters;
/// the multiply-adds).
#[derive(Clone, Debug)]
pub struct SizesAnswer {
    pub what: SizeWhat,
    pub quantities: Vec<FloorPoly>,
}

/// A size as a factor: in parentheses when it is a sum.
fn factor(p: &Poly) -> Math {
    if p.len() > 1 { Math::Fenced(Fence::Paren, Box::new(Math::Poly(p.clone()))) } else { Math::Poly(p.clone()) }
}

fn times(items: Vec<Math>) -> Math {
    let mut it = items.into_iter();
    let first = it.next().unwrap_or(Math::int(1));
    it.fold(first, |acc, m| math!("#a * #b", a = acc, b = m))
}

fn one() -> Poly {
    Poly::constant(Q::one())
}

/// `n + p₁ + p₂ − d(k − 1) − 1` as written, before it is simplified; `2 p`
/// when both sides pad the same.
fn room_terms(c: &SizeConv, axis: usize) -> Vec<(Sign, Math)> {
    let n = &c.input[axis + 1];
    let k = &c.kernel[axis + 2];
    let (s, d) = (&c.stride[axis], &c.dilation[axis]);
    let [before, after] = &c.padding[axis];
    let mut terms: Vec<(Sign, Math)> = Vec::new();
    let pads = |terms: &mut Vec<(Sign, Math)>, sign: Sign| {
        if before.is_constant() && after.is_constant() {
            let both = before + after;
            if !both.is_zero() {
                terms.push((sign, Math::Poly(both)));
            }
        } else if before == after {
            if !before.is_zero() {
                terms.push((sign, Math::Product(vec![Math::int(2), factor(before)])));
            }
        } else {
            for p in [before, after] {
                if !p.is_zero() {
                    terms.push((sign, factor(p)));
                }
            }
        }
    };
    let reach = || {
        let km1 = Math::Fenced(Fence::Paren, Box::new(Math::Poly(k - &one())));
        if d.is_one() { Math::Poly(k - &one()) } else { Math::Product(vec![factor(d), km1]) }
    };
    match c.kind {
        ConvKind::Conv2d => {
            terms.push((Sign::Plus, Math::Poly(n.clone())));
            pads(&mut terms, Sign::Plus);
            terms.push((Sign::Minus, reach()));
            terms.push((Sign::Minus, Math::int(1)));
        }
        ConvKind::ConvTranspose2d => {
            let nm1 = Math::Fenced(Fence::Paren, Box::new(Math::Poly(n - &one())));
            terms.push((
                Sign::Plus,
                if s.is_one() { Math::Poly(n - &one()) } else { Math::Product(vec![factor(s), nm1]) },
            ));
            pads(&mut terms, Sign::Minus);
            terms.push((Sign::Plus, reach()));
            let op = &c.output_padding[axis];
            if !op.is_zero() {
                terms.push((Sign::Plus, factor(op)));
            }
        }
    }
    terms
}

/// The output size along an axis, as written and then simplified.
fn size_line(c: &SizeConv, axis: usize, name: &str) -> Math {
    let lhs = Math::name(name).sub(Math::text("out"));
    let room = Math::Sum(room_terms(c, axis));
    let written = match c.kind {
        ConvKind::Conv2d => {
            // With stride 1 the quotient is a whole number: no floor.
            if c.stride[axis].is_one() {
                let mut terms = room_terms(c, axis);
                terms.push((Sign::Plus, Math::int(1)));
                Math::Sum(terms)
            } else {
                let q = Math::Frac(Box::new(room), Box::new(Math::Poly(c.stride[axis].clone())));
                Math::Sum(vec![(Sign::Plus, Math::Fenced(Fence::Floor, Box::new(q))), (Sign::Plus, Math::int(1))])
            }
        }
        ConvKind::ConvTranspose2d => {
            let mut terms = room_terms(c, axis);
            terms.push((Sign::Plus, Math::int(1)));
            Math::Sum(terms)
        }
    };
    lhs.equals(written).relate(crate::language::math::Rel::Eq, floor_math(&c.out_size(axis)))
}

/// How the output size is counted, then the two dimensions.
fn shape_steps(ex: &mut Explanation, c: &SizeConv) {
    match c.kind {
        ConvKind::Conv2d => ex.step(prose!(
            "Along each dimension, with input size $n$, padding $p_1$ and $p_2$ on the two sides, kernel size $k$, dilation $d$ and stride $s$: the padded input has $n + p_1 + p_2$ entries, and a window with dilation spans $d (k - 1) + 1$ of them. Windows start at $0, s, 2 s, ...$; the one starting at $j s$ fits when $j s + d (k - 1) <= n + p_1 + p_2 - 1$, that is when $j <= (n + p_1 + p_2 - d (k - 1) - 1)/s$. Counting $j = 0, 1, 2, ...$ gives $floor((n + p_1 + p_2 - d (k - 1) - 1)/s) + 1$ windows:"
        )),
        ConvKind::ConvTranspose2d => ex.step(prose!(
            "Along each dimension, with input size $n$, stride $s$, padding $p$, kernel size $k$, dilation $d$ and output padding $q$: input entry $r$ (from 0 to $n - 1$) times kernel tap $a$ (from 0 to $k - 1$) lands at position $r s + a d$, so the positions run from 0 to $(n - 1) s + d (k - 1)$. The padding crops $p$ positions at each end and the output padding adds $q$ at the far end: $s (n - 1) - 2 p + d (k - 1) + q + 1$ entries:"
        )),
    }
    .aligned(vec![size_line(c, 0, "H"), size_line(c, 1, "W")]);
}

/// The conditions the formulas need, when the numbers do not settle them.
fn conditions_step(ex: &mut Explanation, c: &SizeConv) {
    let conditions = c.conditions();
    if conditions.is_empty() {
        return;
    }
    let mut lines = Vec::new();
    let mut padding_rule = false;
    let mut shown: Vec<&Poly> = Vec::new();
    for cond in &conditions {
        match cond {
            Condition::NonNegative(p) if shown.contains(&p) => {}
            Condition::NonNegative(p) => {
                shown.push(p);
                lines.push(Math::Relation(
                    Box::new(Math::Poly(p.clone())),
                    vec![(crate::language::math::Rel::Ge, Math::int(0))],
                ))
            }
            Condition::OutputPadding(_) => padding_rule = true,
        }
    }
    let text = match c.kind {
        ConvKind::Conv2d => prose!(
            "The formula holds when the kernel fits in the padded input, that is when at least one window fits; PyTorch rejects the other sizes:"
        ),
        ConvKind::ConvTranspose2d => {
            prose!("The formula holds when the output is not empty; PyTorch rejects the other sizes:")
        }
    };
    let step = ex.step(text);
    if !lines.is_empty() {
        step.aligned(lines);
    }
    if padding_rule {
        step.prose(prose!("and the output padding must be smaller than the stride or the dilation."));
    }
}

fn channels_step(ex: &mut Explanation, c: &SizeConv) {
    if c.output_is_matrix() {
        return;
    }
    let out = c.out_channels();
    let text = match (c.kind, c.groups.is_one()) {
        (ConvKind::Conv2d, _) => prose!(
            "The output has $#c$ channels, one per filter of the kernel (its first dimension).",
            c = Math::Poly(out)
        ),
        (ConvKind::ConvTranspose2d, true) => prose!(
            "The output has $#c$ channels, the kernel's second dimension (the kernel is laid out (in, out/groups, kh, kw) unless it says `oihw`).",
            c = Math::Poly(out)
        ),
        (ConvKind::ConvTranspose2d, false) => prose!(
            "The output has $#c$ channels: the kernel's output channels per group times the groups.",
            c = Math::Poly(out)
        ),
    };
    ex.step(text);
}

fn kernel_product(c: &SizeConv) -> Math {
    times(c.kernel.iter().map(factor).collect())
}

/// Derives a `shape`, `parameters` or `macs` query.
pub fn derive(q: &SizeQuery, name: &str, _problem: &Problem) -> (Value, SizesAnswer, Explanation) {
    let c = &q.conv;
    let mut ex = Explanation::new();
    let (value, quantities) = match q.what {
        SizeWhat::Shape => {
            channels_step(&mut ex, c);
            shape_steps(&mut ex, c);
            conditions_step(&mut ex, c);
            let (h, w) = (c.out_size(0), c.out_size(1));
            let out = FloorPoly::from_poly(c.out_channels());
            let value = if c.output_is_matrix() {
                Value::Tuple(vec![Value::floor(h.clone()), Value::floor(w.clone())])
            } else {
                Value::Tuple(vec![Value::floor(out.clone()), Value::floor(h.clone()), Value::floor(w.clone())])
            };
            (value, vec![out, h, w])
        }
        SizeWhat::Parameters => {
            let weights = c.weights();
            let lhs = Math::name("weights");
            ex.step(prose!("Each entry of the kernel is one weight; its shape gives their number:")).display(
                lhs.equals(kernel_product(c)).relate(crate::language::math::Rel::Eq, Math::Poly(weights.clone())),
            );
            let total = c.parameters();
            if c.bias {
                ex.step(prose!(
                    "The bias adds one parameter per output channel, $#c$ of them, so there are #p parameters in all.",
                    c = Math::Poly(c.out_channels()),
                    p = Math::Poly(total.clone())
                ));
            } else {
                ex.step(prose!("There is no bias (the call gives none), so the weights are all the parameters."));
            }
            let f = FloorPoly::from_poly(total);
            (Value::floor(f.clone()), vec![f])
        }
        SizeWhat::Macs => {
            let m = c.macs();
            match c.kind {
                ConvKind::Conv2d => {
                    channels_step(&mut ex, c);
                    shape_steps(&mut ex, c);
                    conditions_step(&mut ex, c);
                    let taps = times(vec![factor(&c.per_group()), factor(&c.kernel[2]), factor(&c.kernel[3])]);
                    ex.step(prose!(
                        "Each output entry is a sum of one product per input channel of its group and per kernel tap, $#t$ multiply-adds (taps over the padding counted, as a dense implementation computes them); there are $#c * H_out * W_out$ output entries:",
                        t = taps.clone(),
                        c = factor(&c.out_channels())
                    ))
                    .display(
                        Math::name(name)
                            .equals(times(vec![
                                factor(&c.out_channels()),
                                Math::name("H").sub(Math::text("out")),
                                Math::name("W").sub(Math::text("out")),
                                taps,
                            ]))
                            .relate(crate::language::math::Rel::Eq, floor_math(&m)),
                    );
                }
                ConvKind::ConvTranspose2d => {
                    let taps = times(vec![factor(&c.per_group()), factor(&c.kernel[2]), factor(&c.kernel[3])]);
                    ex.step(prose!(
                        "A transposed convolution scatters: each input entry is multiplied by one kernel entry per output channel of its group and per tap, $#t$ multiply-adds, and added to the output (products that land in the cropped padding counted, as a dense implementation computes them). The input has $#i$ entries:",
                        t = taps.clone(),
                        i = times(c.input.iter().map(factor).collect())
                    ))
                    .display(
                        Math::name(name)
                            .equals(times(c.input.iter().map(factor).chain([taps]).collect()))
                            .relate(crate::language::math::Rel::Eq, floor_math(&m)),
                    );
                }
            }
            (Value::floor(m.clone()), vec![m])
        }
    };
    if !c.symbols.is_empty() {
        ex.detail(prose!(
            "Every symbol stands for a whole number (a size, a stride or a dilation at least 1, a padding at least 0); a key with floors is compared with this answer for every whole value of its symbols."
        ));
    }
    (value, SizesAnswer { what: q.what, quantities }, ex)
}
