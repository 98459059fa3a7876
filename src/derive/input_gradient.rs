//! The gradient of a network's output (or a combination of outputs) with
//! respect to its input at a point, exactly; the saliency map and the
//! gradient sign step built on it.
//!
//! Every layer is affine (dense, conv2d, avg_pool2d, flatten) or piecewise
//! linear (the activations; max_pool2d passes on the largest value of each
//! window). A forward pass at the point fixes the activation pattern:
//! which units are on, which position wins each pooling window. Off the
//! kinks the network is linear near the point with that pattern, and the
//! gradient of `s = cᵀ h` is `cᵀ` carried back through the layers: the
//! transposed weights, the slopes, each window's gradient sent to its
//! winner.
//!
//! **Kinks.** A unit exactly at 0 or a window whose largest value is
//! shared is a tie. Near the point only the tied units may change state,
//! so every neighbouring region's gradient is among those of the
//! combinations of the tied units' sides. When every combination gives the
//! same gradient of `s`, `s` is differentiable with it (the combination is
//! all that matters: a tie that `s` does not read, or whose sides agree for
//! `s`, is no kink of `s`). Otherwise nnkey walks from the point along
//! directions v: when every tied unit moves strictly off its kink along v
//! (and every shared maximum is broken), the points x + t·v for small t > 0
//! and the directions near v lie inside one region, whose gradient is then
//! the gradient there. Two such regions with different gradients prove that
//! `s` has no gradient at the point. If the directions tried find only one,
//! nnkey says it cannot decide.

use std::collections::HashMap;

use crate::algebra::{Q, QSum, RatFunc};
use crate::language::math::{Constant, Fence, Math, Prose};
use crate::model::image::{Shape, Stage, Staged};
use crate::model::input_gradient::{GradientKind, GradientQuery};
use crate::model::{Activation, Problem, Value};

use super::explain::{Block, Explanation, Figure, Shade, Step, Table};

/// Most combinations of the tied units' sides that are compared.
pub const MAX_COMBINATIONS: usize = 4096;
/// Most directions tried from a kink.
const MAX_DIRECTIONS: usize = 96;

/// One layer as exact arithmetic.
#[derive(Clone, Debug)]
enum Op {
    /// y = A x + b, A by rows of (column, weight).
    Affine { rows: Vec<Vec<(usize, Q)>>, bias: Vec<Q>, inputs: usize },
    /// Slope `neg` below 0 and 1 above.
    Act { neg: Q },
    /// The largest value of each window (flat input indices).
    MaxPool { windows: Vec<Vec<usize>>, inputs: usize },
    /// Flatten: the values unchanged.
    Same,
}

/// The network as exact operations, one per layer.
#[derive(Clone, Debug)]
pub struct Compiled {
    ops: Vec<Op>,
    input: usize,
    /// How many values each layer gives.
    widths: Vec<usize>,
}

fn constant(r: &RatFunc) -> Result<Q, String> {
    r.as_constant().ok_or_else(|| "the network has a weight that is not a number".to_string())
}

impl Compiled {
    pub fn new(net: &Staged) -> Result<Compiled, String> {
        let mut ops = Vec::with_capacity(net.stages.len());
        let mut inputs = net.input.len();
        for (stage, shape) in &net.stages {
            let op = match stage {
                Stage::Dense(d) => {
                    let w = &d.weight;
                    let mut rows = Vec::with_capacity(w.rows());
                    for r in 0..w.rows() {
                        let mut row = Vec::new();
                        for (c, x) in w.row(r).iter().enumerate() {
                            let q = constant(x)?;
                            if !q.is_zero() {
                                row.push((c, q));
                            }
                        }
                        rows.push(row);
                    }
                    let bias = d.bias.iter().map(constant).collect::<Result<_, _>>()?;
                    Op::Affine { rows, bias, inputs }
                }
                Stage::Activation { activation, .. } => Op::Act { neg: constant(&activation.negative_slope())? },
                Stage::Conv { conv, .. } => {
                    // The kernel's entries as numbers once, then the matrix
                    // over them (no polynomial per entry).
                    if conv.kernel.entries.iter().any(|e| e.as_constant().is_none()) {
                        return Err("a kernel entry is not a number".into());
                    }
                    let a = super::conv::matrix_with(conv, |p| p.as_constant().expect("checked a number"));
                    let rows: Vec<Vec<(usize, Q)>> =
                        (0..a.rows()).map(|r| a.row(r).map(|(c, q)| (c, q.clone())).collect()).collect();
                    let [oc, oh, ow] = conv.output_shape().expect("checked when declared");
                    let mut bias = Vec::with_capacity(oc * oh * ow);
                    for o in 0..oc {
                        let b = match &conv.bias {
                            Some(b) => b[o].as_constant().ok_or("a bias entry is not a number")?,
                            None => Q::zero(),
                        };
                        bias.extend(std::iter::repeat_n(b, oh * ow));
                    }
                    Op::Affine { rows, bias, inputs }
                }
                Stage::AvgPool { pool, .. } => {
                    let weight = Q::new(1, (pool.kernel.0 * pool.kernel.1) as i64);
                    let rows: Vec<Vec<(usize, Q)>> = pool
                        .windows()
                        .into_iter()
                        .map(|w| {
                            let mut w: Vec<(usize, Q)> = w.into_iter().map(|i| (i, weight.clone())).collect();
                            w.sort_by_key(|e| e.0);
                            w
                        })
                        .collect();
                    let n = rows.len();
                    Op::Affine { rows, bias: vec![Q::zero(); n], inputs }
                }
                Stage::MaxPool { pool, .. } => Op::MaxPool { windows: pool.windows(), inputs },
                Stage::Flatten { .. } => Op::Same,
            };
            ops.push(op);
            inputs = shape.len();
        }
        Ok(Compiled { ops, input: net.input.len(), widths: net.stages.iter().map(|s| s.1.len()).collect() })
    }

    /// The values after every layer, the input first.
    pub fn forward(&self, x: &[Q]) -> Vec<Vec<Q>> {
        let mut values = Vec::with_capacity(self.ops.len() + 1);
        values.push(x.to_vec());
        for op in &self.ops {
            let z = values.last().expect("the input");
            let next = match op {
                Op::Affine { rows, bias, .. } => rows
                    .iter()
                    .zip(bias)
                    .map(|(row, b)| {
                        let mut s = QSum::from_q(b);
                        for (c, w) in row {
                            s.add_product(w, &z[*c]);
                        }
                        s.value()
                    })
                    .collect(),
                Op::Act { neg } => z.iter().map(|v| if v.is_negative() { neg * v } else { v.clone() }).collect(),
                Op::MaxPool { windows, .. } => {
                    windows.iter().map(|w| w.iter().map(|&i| &z[i]).max().expect("a window").clone()).collect()
                }
                Op::Same => z.clone(),
            };
            values.push(next);
        }
        values
    }
}

/// A tie at the point: a unit at its kink, or a window whose largest
/// value is shared.
#[derive(Clone, Debug, PartialEq)]
pub struct Tie {
    /// The layer (0-based among the network's layers) and the unit or
    /// window in it.
    pub layer: usize,
    pub unit: usize,
    /// For a window, the flat input indices that share the maximum; empty
    /// for a unit at its kink (whose sides are below and above 0).
    pub positions: Vec<usize>,
}

impl Tie {
    fn options(&self) -> usize {
        if self.positions.is_empty() { 2 } else { self.positions.len() }
    }
}

/// The activation pattern at the point.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Per layer: for an activation, each unit's state (−1 below 0, 0 at
    /// the kink, 1 above); for a max pool, the winning input index of each
    /// window (the first of a shared maximum); empty otherwise.
    pub states: Vec<Vec<i64>>,
    pub ties: Vec<Tie>,
    /// (layer, unit) → index in `ties`.
    tie_at: HashMap<(usize, usize), usize>,
}

/// The pattern at the point. A value that is constant near the point
/// whatever the tied units do (a dead ReLU unit, a convolution reading
/// only padding or dead units) cannot change sides, so a unit at 0 that
/// reads a constant, or a shared maximum of constants, is no tie.
pub fn pattern(c: &Compiled, values: &[Vec<Q>]) -> Pattern {
    let mut states = Vec::with_capacity(c.ops.len());
    let mut ties = Vec::new();
    let mut tie_at = HashMap::new();
    let mut constant = vec![false; c.input];
    for (k, op) in c.ops.iter().enumerate() {
        let z = &values[k];
        let (s, next): (Vec<i64>, Vec<bool>) = match op {
            Op::Affine { rows, .. } => {
                (Vec::new(), rows.iter().map(|row| row.iter().all(|(i, _)| constant[*i])).collect())
            }
            Op::Act { neg } => {
                let kink = !neg.is_one();
                z.iter()
                    .enumerate()
                    .map(|(u, v)| {
                        let s = v.signum() as i64;
                        if s == 0 && kink && !constant[u] {
                            tie_at.insert((k, u), ties.len());
                            ties.push(Tie { layer: k, unit: u, positions: Vec::new() });
                        }
                        (s, constant[u] || (s < 0 && neg.is_zero()))
                    })
                    .unzip()
            }
            Op::MaxPool { windows, .. } => windows
                .iter()
                .enumerate()
                .map(|(u, w)| {
                    let m = w.iter().map(|&i| &z[i]).max().expect("a window");
                    let best: Vec<usize> = w.iter().copied().filter(|&i| &z[i] == m).collect();
                    let fixed = best.iter().all(|&i| constant[i]);
                    if best.len() > 1 && !fixed {
                        tie_at.insert((k, u), ties.len());
                        ties.push(Tie { layer: k, unit: u, positions: best.clone() });
                    }
                    (best[0] as i64, fixed)
                })
                .unzip(),
            Op::Same => (Vec::new(), constant.clone()),
        };
        states.push(s);
        constant = next;
    }
    Pattern { states, ties, tie_at }
}

impl Compiled {
    /// cᵀ carried back to the input through the pattern, each tie taking
    /// the side `choice` gives it (1 above 0 or 0 below, for a unit; the
    /// index among the shared positions, for a window). Also returns the
    /// gradient with respect to every layer's input, when `keep`.
    pub(crate) fn backward(&self, p: &Pattern, choice: &[usize], seed: &[Q], keep: bool) -> (Vec<Q>, Vec<Vec<Q>>) {
        self.backward_from(self.ops.len(), p, choice, seed, keep)
    }

    /// As [`Compiled::backward`], from the input of layer `upto` (its
    /// values' gradient is `seed`) down to the network's input.
    pub fn backward_from(
        &self,
        upto: usize,
        p: &Pattern,
        choice: &[usize],
        seed: &[Q],
        keep: bool,
    ) -> (Vec<Q>, Vec<Vec<Q>>) {
        let mut g = seed.to_vec();
        let mut kept = Vec::new();
        for (k, op) in self.ops.iter().enumerate().take(upto).rev() {
            if keep {
                kept.push(g.clone());
            }
            g = match op {
                Op::Affine { rows, inputs, .. } => {
                    let mut out = vec![QSum::new(); *inputs];
                    for (row, gi) in rows.iter().zip(&g) {
                        if gi.is_zero() {
                            continue;
                        }
                        for (c, w) in row {
                            out[*c].add_product(w, gi);
                        }
                    }
                    out.iter().map(QSum::value).collect()
                }
                Op::Act { neg } => g
                    .iter()
                    .enumerate()
                    .map(|(u, gi)| {
                        let above = match p.states[k][u] {
                            1 => true,
                            -1 => false,
                            _ => p.tie_at.get(&(k, u)).is_none_or(|&t| choice[t] == 1),
                        };
                        if above { gi.clone() } else { neg * gi }
                    })
                    .collect(),
                Op::MaxPool { inputs, .. } => {
                    let mut out = vec![QSum::new(); *inputs];
                    for (u, gi) in g.iter().enumerate() {
                        let winner = match p.tie_at.get(&(k, u)) {
                            Some(&t) => p.ties[t].positions[choice[t]],
                            None => p.states[k][u] as usize,
                        };
                        out[winner].add(gi);
                    }
                    out.iter().map(QSum::value).collect()
                }
                Op::Same => g,
            };
        }
        kept.reverse();
        (g, kept)
    }

    /// Whether the combination `Σ coefficient · value` of the inputs of
    /// layer `k` has zero gradient with respect to the network's input,
    /// with the ties before layer `k` on the sides `choice` gives them.
    fn constant_near(&self, k: usize, combination: &[(usize, Q)], p: &Pattern, choice: &[usize]) -> bool {
        let width = match k {
            0 => self.input,
            _ => self.widths[k - 1],
        };
        let mut seed = vec![Q::zero(); width];
        for (i, c) in combination {
            seed[*i] = &seed[*i] + c;
        }
        self.backward_from(k, p, choice, &seed, false).0.iter().all(Q::is_zero)
    }

    /// The side each tie takes along direction `v` from the point, or
    /// `None` when some tie stays on its kink to first order along `v`.
    pub(crate) fn sides_along(&self, p: &Pattern, values: &[Vec<Q>], v: &[Q]) -> Option<Vec<usize>> {
        let mut choice = vec![0; p.ties.len()];
        let mut dz = v.to_vec();
        for (k, op) in self.ops.iter().enumerate() {
            dz = match op {
                Op::Affine { rows, .. } => rows
                    .iter()
                    .map(|row| {
                        let mut s = QSum::new();
                        for (c, w) in row {
                            s.add_product(w, &dz[*c]);
                        }
                        s.value()
                    })
                    .collect(),
                Op::Act { neg } => {
                    let mut out = Vec::with_capacity(dz.len());
                    for (u, d) in dz.iter().enumerate() {
                        let above = match p.states[k][u] {
                            1 => true,
                            -1 => false,
                            _ => match p.tie_at.get(&(k, u)) {
                                None => true,
                                Some(&t) => {
                                    if d.is_zero() {
                                        // Still on the kink to first order: the
                                        // direction decides nothing unless the
                                        // unit is constant near the point (then
                                        // its side changes no gradient).
                                        if !self.constant_near(k, &[(u, Q::one())], p, &choice) {
                                            return None;
                                        }
                                    }
                                    choice[t] = usize::from(!d.is_negative());
                                    !d.is_negative()
                                }
                            },
                        };
                        out.push(if above { d.clone() } else { neg * d });
                    }
                    out
                }
                Op::MaxPool { windows, .. } => {
                    let mut out = Vec::with_capacity(windows.len());
                    for (u, _) in windows.iter().enumerate() {
                        match p.tie_at.get(&(k, u)) {
                            None => out.push(dz[p.states[k][u] as usize].clone()),
                            Some(&t) => {
                                let pos = &p.ties[t].positions;
                                let best = pos.iter().map(|&i| &dz[i]).max().expect("a tie");
                                let at: Vec<usize> = (0..pos.len()).filter(|&j| &dz[pos[j]] == best).collect();
                                // Positions still equal to first order must be
                                // the same function near the point.
                                for &j in &at[1..] {
                                    let diff = [(pos[at[0]], Q::one()), (pos[j], -Q::one())];
                                    if !self.constant_near(k, &diff, p, &choice) {
                                        return None;
                                    }
                                }
                                choice[t] = at[0];
                                out.push(best.clone());
                            }
                        }
                    }
                    out
                }
                Op::Same => dz,
            };
        }
        let _ = values;
        Some(choice)
    }
}

/// A region next to the point: a direction into it and the gradient there.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub direction: Vec<Q>,
    pub gradient: Vec<Q>,
}

/// Whether the selection is differentiable at the point.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The gradient; `combinations` of the ties' sides were compared when
    /// the point is on kinks (0 otherwise).
    Smooth { gradient: Vec<Q>, combinations: usize },
    /// Two regions touching the point with different gradients.
    Kink { regions: [Region; 2] },
}

/// What the gradient sign step gives.
#[derive(Clone, Debug, PartialEq)]
pub struct SignStepAnswer {
    /// The coefficients of the outputs whose combination is stepped down.
    pub selection: Vec<Q>,
    /// −1, 0 or 1 per input value.
    pub signs: Vec<i64>,
    pub image: Vec<Q>,
    pub scores_before: Vec<Q>,
    pub scores_after: Vec<Q>,
    pub classes_before: Vec<usize>,
    pub classes_after: Vec<usize>,
    pub flipped: bool,
}

/// The typed answer of the three gradient queries.
#[derive(Clone, Debug)]
pub struct GradientAnswer {
    pub kind: GradientKind,
    pub shape: Shape,
    pub outcome: Outcome,
    /// The network's outputs at the point.
    pub scores: Vec<Q>,
    pub saliency: Option<Vec<Q>>,
    pub step: Option<SignStepAnswer>,
}

/// The classes with the largest score.
pub fn argmax(scores: &[Q]) -> Vec<usize> {
    let Some(m) = scores.iter().max() else { return Vec::new() };
    (0..scores.len()).filter(|&i| &scores[i] == m).collect()
}

/// A small deterministic generator for the directions tried at a kink.
fn directions(d: usize) -> Vec<Vec<Q>> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = Vec::new();
    for _ in 0..24 {
        out.push((0..d).map(|_| Q::from_int((next() % 15) as i64 - 7)).collect());
    }
    for i in 0..d {
        if out.len() + 2 > MAX_DIRECTIONS {
            break;
        }
        for s in [1, -1] {
            let mut v = vec![Q::zero(); d];
            v[i] = Q::from_int(s);
            out.push(v);
        }
    }
    out
}

/// Decides whether `seed`ᵀ h is differentiable at the point, and its
/// gradient or two regions whose gradients differ.
pub fn decide(c: &Compiled, values: &[Vec<Q>], p: &Pattern, seed: &[Q]) -> Result<Outcome, String> {
    let first = vec![0; p.ties.len()];
    let (g0, _) = c.backward(p, &first, seed, false);
    if p.ties.is_empty() {
        return Ok(Outcome::Smooth { gradient: g0, combinations: 0 });
    }
    let total = p.ties.iter().try_fold(1usize, |a, t| a.checked_mul(t.options())).filter(|&n| n <= MAX_COMBINATIONS);
    if let Some(total) = total {
        let mut choice = first.clone();
        let mut same = true;
        for _ in 1..total {
            // The next combination, odometer order.
            for (t, tie) in p.ties.iter().enumerate() {
                choice[t] += 1;
                if choice[t] < tie.options() {
                    break;
                }
                choice[t] = 0;
            }
            if c.backward(p, &choice, seed, false).0 != g0 {
                same = false;
                break;
            }
        }
        if same {
            return Ok(Outcome::Smooth { gradient: g0, combinations: total });
        }
    }
    let mut found: Option<Region> = None;
    let mut tried = 0;
    for v in directions(c.input) {
        let Some(choice) = c.sides_along(p, values, &v) else { continue };
        tried += 1;
        let (g, _) = c.backward(p, &choice, seed, false);
        match &found {
            None => found = Some(Region { direction: v, gradient: g }),
            Some(r) if r.gradient != g => {
                return Ok(Outcome::Kink { regions: [r.clone(), Region { direction: v, gradient: g }] });
            }
            Some(_) => {}
        }
    }
    let why = match total {
        Some(n) => format!("the {n} combinations of the sides of its {} ties give different gradients", p.ties.len()),
        None => format!("its {} ties have more than {MAX_COMBINATIONS} combinations of sides", p.ties.len()),
    };
    Err(format!(
        "cannot decide whether the gradient exists at this point: {why}, but the {tried} directions tried from the point all lead into regions with one gradient"
    ))
}

/// The gradient image as a value: a matrix for one channel, a list of
/// matrices for several, a column for a vector.
pub fn image_value(shape: Shape, entries: &[Q]) -> Value {
    let q = |x: &Q| RatFunc::constant(x.clone());
    match shape {
        Shape::Flat(1) => Value::Scalar(q(&entries[0])),
        Shape::Flat(n) => Value::Matrix(crate::algebra::Matrix::from_vec(n, 1, entries.iter().map(q).collect())),
        Shape::Image([c, h, w]) => {
            let channel = |k: usize| {
                Value::Matrix(crate::algebra::Matrix::from_vec(
                    h,
                    w,
                    entries[k * h * w..(k + 1) * h * w].iter().map(q).collect(),
                ))
            };
            if c == 1 { channel(0) } else { Value::List((0..c).map(channel).collect()) }
        }
    }
}

pub fn image_math(shape: Shape, entries: &[Q]) -> Math {
    let num = |x: &Q| Math::Number(x.clone());
    match shape {
        Shape::Flat(n) => Math::Matrix((0..n).map(|i| vec![num(&entries[i])]).collect()),
        Shape::Image([c, h, w]) => {
            let channel = |k: usize| {
                Math::Matrix((0..h).map(|r| (0..w).map(|col| num(&entries[(k * h + r) * w + col])).collect()).collect())
            };
            if c == 1 { channel(0) } else { Math::Seq(Fence::Bracket, (0..c).map(channel).collect()) }
        }
    }
}

/// Where a sign step lands, shown in `step`: the stepped image, a picture
/// of the change, the scores there and whether the class flipped; the
/// answer's record.
pub(crate) fn step_landing(
    step: &mut Step,
    shape: Shape,
    point: &[Q],
    image: &[Q],
    scores_after: &[Q],
    before: &[usize],
    after: &[usize],
) -> Value {
    let flipped = before != after;
    step.display(Math::name("x'").equals(image_math(shape, image)));
    let moved: Vec<Q> = image.iter().zip(point).map(|(a, b)| a - b).collect();
    let both = Shade::range_of(point.iter().chain(image));
    if let Some(f) = Figure::images(
        shape,
        "The point, the change the step makes (middle shade 0) and the stepped image.",
        &[
            ("the point x", point, both.clone()),
            ("the change x' − x", &moved, Shade::signed_of(&moved)),
            ("the step x'", image, both),
        ],
    ) {
        step.figure(f);
    }
    let classes = |c: &[usize]| c.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" = ");
    step.prose(with_math(
        "The network's scores there are ",
        image_math(Shape::Flat(scores_after.len()), scores_after),
        &format!(
            ": the largest is class {}, against class {} at the point, so the class {}.",
            classes(after),
            classes(before),
            if flipped { "flips" } else { "does not flip" }
        ),
    ));
    Value::record(vec![
        ("image", image_value(shape, image)),
        ("scores", image_value(Shape::Flat(scores_after.len()), scores_after)),
        ("class", classes_value(after)),
        ("flipped", Value::Bool(flipped)),
    ])
}

pub(crate) fn classes_value(classes: &[usize]) -> Value {
    match classes {
        [one] => Value::int(*one as i64),
        many => Value::List(many.iter().map(|k| Value::int(*k as i64)).collect()),
    }
}

pub(crate) fn text(t: impl Into<String>) -> Prose {
    Prose::text(t)
}

pub(crate) fn with_math(t: &str, m: Math, after: &str) -> Prose {
    let mut p = Prose::text(t);
    p.push_math(m);
    p.push_text(after);
    p
}

/// Where a flat index lies in a shape, as a tuple `(c, r, col)` or `i`.
fn position(shape: Shape, i: usize) -> String {
    match shape {
        Shape::Flat(_) => format!("{i}"),
        Shape::Image([_, h, w]) => format!("({}, {}, {})", i / (h * w), (i / w) % h, i % w),
    }
}

/// Shows at most this many values of a layer inline.
const SHOWN_VALUES: usize = 32;

pub(crate) fn summary(q: &GradientQuery, k: usize, c: &Compiled, values: &[Vec<Q>], p: &Pattern) -> Prose {
    let (stage, shape) = &q.net.stages[k];
    let input_shape = if k == 0 { q.net.input } else { q.net.stages[k - 1].1 };
    match (stage, &c.ops[k]) {
        (Stage::Activation { activation, .. }, Op::Act { .. }) => {
            let s = &p.states[k];
            let (neg, zero, pos) = (
                s.iter().filter(|&&x| x < 0).count(),
                s.iter().filter(|&&x| x == 0).count(),
                s.iter().filter(|&&x| x > 0).count(),
            );
            if matches!(activation, Activation::Identity) {
                return text("every unit passes through");
            }
            let (below, above) = match activation {
                Activation::Relu => ("off", "on"),
                _ => ("below 0", "above 0"),
            };
            let mut t = format!("{pos} {above}, {neg} {below}");
            if zero > 0 {
                t.push_str(&format!(", {zero} at the kink"));
            }
            text(t)
        }
        (Stage::MaxPool { .. }, Op::MaxPool { windows, .. }) => {
            let ties = p.ties.iter().filter(|t| t.layer == k).count();
            if windows.len() <= 8 {
                let wins: Vec<String> = p.states[k]
                    .iter()
                    .enumerate()
                    .map(|(u, &i)| match p.tie_at.get(&(k, u)) {
                        Some(&t) => format!(
                            "tie {}",
                            p.ties[t]
                                .positions
                                .iter()
                                .map(|&j| position(input_shape, j))
                                .collect::<Vec<_>>()
                                .join(" = ")
                        ),
                        None => position(input_shape, i as usize),
                    })
                    .collect();
                text(format!("winners {}", wins.join(", ")))
            } else if ties > 0 {
                text(format!("{} windows, {ties} with a shared maximum", windows.len()))
            } else {
                text(format!("{} windows, each with one winner", windows.len()))
            }
        }
        _ => {
            let v = &values[k + 1];
            if v.len() <= SHOWN_VALUES {
                let mut pr = Prose::default();
                pr.push_math(image_math(*shape, v));
                pr
            } else {
                text(format!("{} values", v.len()))
            }
        }
    }
}

/// Derives the answer to a gradient query.
pub fn derive(q: &GradientQuery, _problem: &Problem) -> Result<(GradientAnswer, Value, Explanation), String> {
    let c = Compiled::new(&q.net)?;
    let values = c.forward(&q.point);
    let p = pattern(&c, &values);
    let scores = values.last().expect("the output").clone();
    let classes_before = argmax(&scores);
    let (selection, label) = match &q.selection {
        Some(s) => (s.clone(), q.label.clone()),
        None => {
            let [k] = classes_before.as_slice() else {
                return Err(format!(
                    "the classes {} tie for the largest score at the point, so the predicted class's score is not one output: name the score to step on, `{}[{}]`",
                    classes_before.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" and "),
                    q.network,
                    classes_before[0]
                ));
            };
            let mut s = vec![Q::zero(); scores.len()];
            s[*k] = Q::one();
            (s, format!("{}[{k}]", q.network))
        }
    };
    let outcome = decide(&c, &values, &p, &selection)?;
    let shape = q.net.input;
    let mut ex = Explanation::new();

    // The forward pass and the pattern.
    let mut table = Table { header: vec![text("layer"), text("gives"), text("at the point")], rows: Vec::new() };
    for (k, (stage, out)) in q.net.stages.iter().enumerate() {
        table.rows.push(vec![text(stage.word()), text(out.text()), summary(q, k, &c, &values, &p)]);
    }
    let s = Math::name("s");
    let step = ex.step(with_math(
        "The question is about ",
        s.clone().equals(Math::text(label.clone())),
        &format!(
            ", a linear combination of the outputs of `{}`. A forward pass at the point, exactly, gives every layer's values and the activation pattern: which units are on and which position wins each pooling window.",
            q.network
        ),
    ));
    step.table(table);
    step.prose(with_math("The scores at the point are ", image_math(Shape::Flat(scores.len()), &scores), "."));

    // The backward pass.
    let smooth_gradient = match &outcome {
        Outcome::Smooth { gradient, combinations } => {
            let step = ex.step(text(
                "Near the point the pattern does not change, so every layer is linear there: the gradient is the selection's coefficients carried back layer by layer, through the transposed weights of each dense and convolution layer, multiplied by each unit's slope, and for a max pool sent to the window's winner (an average pool shares it equally over its window).",
            ));
            let first = vec![0; p.ties.len()];
            let (_, kept) = c.backward(&p, &first, &selection, true);
            let mut items = Vec::new();
            for (k, g) in kept.iter().enumerate() {
                if g.len() <= SHOWN_VALUES {
                    let out_shape = q.net.stages[k].1;
                    items.push(Block::Prose(with_math(
                        &format!("after layer {} ({}): ", k + 1, q.net.stages[k].0.word()),
                        Math::Frac(
                            Box::new(Math::Product(vec![Math::Constant(Constant::Partial), Math::name("s")])),
                            Box::new(Math::Product(vec![
                                Math::Constant(Constant::Partial),
                                Math::name(format!("a{}", k + 1)),
                            ])),
                        )
                        .equals(image_math(out_shape, g)),
                        "",
                    )));
                }
            }
            step.display(Math::apply("grad", vec![s.clone()]).equals(image_math(shape, gradient)));
            if let Some(f) = Figure::images(
                shape,
                "The point and the gradient of s there. Darker pixels of the gradient raise s, lighter ones lower it; the middle shade is 0.",
                &[
                    ("the point x", &q.point, Shade::range_of(&q.point)),
                    ("the gradient of s", gradient, Shade::signed_of(gradient)),
                ],
            ) {
                step.figure(f);
            }
            if !items.is_empty() {
                ex.detail(text("Layer by layer, the coefficients carried back:")).listing(items.len(), items);
            }
            if *combinations > 0 {
                ex.step(text(format!(
                    "The point is on {} kink{}: a unit at 0 or a window whose largest value is shared. Near the point only those may change, and all {combinations} combinations of their sides give this same gradient of s, so s is differentiable here.",
                    p.ties.len(),
                    if p.ties.len() == 1 { "" } else { "s" }
                )));
            }
            Some(gradient.clone())
        }
        Outcome::Kink { regions } => {
            let step = ex.step(text(format!(
                "The point is on {} kink{} that s reads: a unit at 0 or a window whose largest value is shared. Moving from the point along a direction that takes every tied unit strictly off its kink enters one region; two such directions reach regions where s has different gradients, so s has no gradient at the point.",
                p.ties.len(),
                if p.ties.len() == 1 { "" } else { "s" }
            )));
            for (k, r) in regions.iter().enumerate() {
                step.prose(with_math(
                    &format!("Region {}, entered along ", k + 1),
                    Math::name("v").equals(image_math(shape, &r.direction)),
                    ":",
                ));
                step.display(Math::apply("grad", vec![s.clone()]).equals(image_math(shape, &r.gradient)));
            }
            None
        }
    };

    let mut answer = GradientAnswer {
        kind: q.kind.clone(),
        shape,
        outcome: outcome.clone(),
        scores: scores.clone(),
        saliency: None,
        step: None,
    };
    let undefined = Value::Word("undefined".into());
    let value = match &q.kind {
        GradientKind::Gradient => match &smooth_gradient {
            Some(g) => Value::record(vec![("gradient", image_value(shape, g))]),
            None => Value::record(vec![("gradient", undefined)]),
        },
        GradientKind::Saliency { .. } => match &smooth_gradient {
            None => undefined,
            Some(g) => {
                let (ch, plane) = match shape {
                    Shape::Image([c, h, w]) => (c, Shape::Image([1, h, w])),
                    Shape::Flat(n) => (1, Shape::Flat(n)),
                };
                let n = plane.len();
                let sal: Vec<Q> =
                    (0..n).map(|i| (0..ch).map(|k| g[k * n + i].abs()).max().expect("a channel")).collect();
                let step = ex.step(with_math(
                    "The saliency of each pixel is the largest absolute value of the gradient over the channels: ",
                    Math::name("M").equals(image_math(plane, &sal)),
                    ".",
                ));
                let first_channel = &q.point[..plane.len()];
                if let Some(f) = Figure::images(
                    plane,
                    "The point and its saliency map: the darker a pixel of the map, the more a small change of it moves s.",
                    &[
                        (
                            if ch > 1 { "the point, channel 0" } else { "the point x" },
                            first_channel,
                            Shade::range_of(first_channel),
                        ),
                        (
                            "the saliency M",
                            &sal,
                            Shade::Range { lo: Q::zero(), hi: sal.iter().max().cloned().unwrap_or_else(Q::zero) },
                        ),
                    ],
                ) {
                    step.figure(f);
                }
                answer.saliency = Some(sal.clone());
                image_value(plane, &sal)
            }
        },
        GradientKind::SignStep { eps, within } => match &smooth_gradient {
            None => undefined,
            Some(g) => {
                let signs: Vec<i64> = g.iter().map(|x| x.signum() as i64).collect();
                let image: Vec<Q> = q
                    .point
                    .iter()
                    .zip(&signs)
                    .map(|(x, s)| {
                        let y = x - &(eps * &Q::from_int(*s));
                        match within {
                            Some((lo, hi)) => y.clamp(lo.clone(), hi.clone()),
                            None => y,
                        }
                    })
                    .collect();
                let after = c.forward(&image);
                let scores_after = after.last().expect("the output").clone();
                let classes_after = argmax(&scores_after);
                let flipped = classes_after != classes_before;
                let sign_q: Vec<Q> = signs.iter().map(|s| Q::from_int(*s)).collect();
                let step = ex.step(with_math(
                    "The step moves every input value by ε against the sign of the gradient (sign 0 where the gradient is 0), which decreases s fastest among steps of size ε in every coordinate: ",
                    Math::name("x'").equals(Math::Sum(vec![
                        (crate::language::math::Sign::Plus, Math::name("x")),
                        (
                            crate::language::math::Sign::Minus,
                            Math::Product(vec![Math::Number(eps.clone()), image_math(shape, &sign_q)]),
                        ),
                    ])),
                    match within {
                        Some(_) => ", each value then clipped to the pixel range.",
                        None => ".",
                    },
                ));
                let v = step_landing(step, shape, &q.point, &image, &scores_after, &classes_before, &classes_after);
                answer.step = Some(SignStepAnswer {
                    selection: selection.clone(),
                    signs,
                    image,
                    scores_before: scores.clone(),
                    scores_after,
                    classes_before: classes_before.clone(),
                    classes_after,
                    flipped,
                });
                v
            }
        },
    };
    Ok((answer, value, ex))
}
