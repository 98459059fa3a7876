//! The affine piece of a network at a point: W and b with h(x) = W x + b on
//! the region that contains the point, the gradient, the activation
//! pattern, and what happens at a kink.
//!
//! Following the point through the layers, every unit of a bending
//! activation has a sign; on the region around the point each unit keeps
//! it, so the activation multiplies the unit by a fixed slope and the
//! whole network is one affine map there: W is the product of the weights
//! and the slopes, b collects the biases. Symbolic weights are followed as
//! long as every sign that matters is a number; otherwise the derivation
//! is an error that names the unit.
//!
//! **Kinks.** When a bending unit is exactly 0 at the point, the point
//! lies on a boundary between regions. The pieces around it are found by
//! perturbing the point lexicographically ([`walk`] with directions): a
//! tied unit takes the sign of its derivative along the first direction in
//! which that derivative is not 0, and a unit whose derivative is 0 along
//! all of them is constantly 0 nearby, so its slope does not matter.
//! Whether the network is differentiable is then decided exactly:
//!
//! - one input: the directions −1 and +1 give the pieces on the left and
//!   on the right; it is differentiable when they agree;
//! - every tied unit in one layer (any number of inputs): near the point
//!   the network is a linear map plus Σ C_H |n_H·(x − x₀)| over the
//!   hyperplanes H of the tied units, and it is differentiable exactly when
//!   every C_H is 0 (the functions |n_H·v| of distinct hyperplanes are
//!   independent modulo linear maps);
//! - two inputs, ties in several layers: a sweep of the directions around
//!   the point splits the circle into cones of single regions;
//! - more inputs, ties in several layers: the 2^d lexicographic orthants
//!   are compared (d ≤ 6); two that differ prove a kink, and if all agree
//!   nnkey says it cannot decide.

use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring, Symbol};
use crate::language::math::{Fence, Sign, Words};
use crate::model::{Activation, Concrete, Layer, PieceQuery, Problem, Value, compare};
use crate::{math, prose};

use super::cells::{Numeric, cells, irredundant, polygon};
use super::explain::{Axis, Figure, Inline, LISTING_CAP, Mark, Math, Panel, Point, Prose, Role, words};
use super::{Answer, Block, Explanation, Finding, Letters, Table};
use super::{pieces, plane};
use crate::model::regions::Interval;

/// Largest input dimension for the orthant comparison (2^d walks).
const MAX_ORTHANT_DIM: usize = 6;
/// Most cones the sweep around a point of two inputs goes through.
const MAX_CONES: usize = 100_000;

// ---------------------------------------------------------------------------
// The typed answer
// ---------------------------------------------------------------------------

/// An affine map x ↦ W x + b (W has one row per output, one column per
/// input).
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    pub w: Matrix<RatFunc>,
    pub b: Vec<RatFunc>,
}

/// The signs of one bending activation's units at the point: 1 above its
/// kink, -1 below, 0 exactly at it.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSigns {
    /// The activation's position among the network's layers.
    pub position: usize,
    pub signs: Vec<i32>,
}

/// One bending activation on a region: what its units receive there, as
/// an affine map of the input (each unit's row and offset: the region is
/// where every unit keeps its side), and the slope each unit applies.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionUnits {
    pub position: usize,
    pub inputs: Affine,
    pub slopes: Vec<RatFunc>,
    /// The side of its kink each unit is on in the region (1 or -1), or 0
    /// for a unit that stays 0 there.
    pub sides: Vec<i32>,
}

/// A region of the input that touches the point, where the network is
/// one affine map.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// How to step from the point into the region: x₀ + ε v₁ + ε² v₂ + …
    /// for small ε > 0, with the directions v₁, v₂, … in order. Empty for
    /// the region that contains the point itself.
    pub toward: Vec<Vec<RatFunc>>,
    pub units: Vec<RegionUnits>,
    pub piece: Affine,
}

/// A cone of directions around a point of two inputs, from one edge
/// direction to the next counterclockwise, on which the network is one
/// linear map of the step (rows: outputs).
#[derive(Clone, Debug, PartialEq)]
pub struct Cone {
    pub from: [Q; 2],
    pub to: [Q; 2],
    pub linear: Matrix<Q>,
}

/// What the network does around the point.
#[derive(Clone, Debug, PartialEq)]
pub enum PieceKind {
    /// One affine map on a neighbourhood of the point (perhaps across a
    /// boundary whose pieces agree), and its gradient: Wᵀ for one output,
    /// the Jacobian W for several.
    Smooth { region: Region, gradient: Matrix<RatFunc> },
    /// One input, a kink: the pieces on the left and on the right.
    Kink { left: Box<Region>, right: Box<Region> },
    /// Several inputs, not differentiable: two regions that touch the
    /// point and have different linear parts, and the one-sided
    /// derivatives along the coordinate axes. Column k of `forward` is
    /// lim_{t→0+} (h(x₀ + t e_k) − h(x₀))/t and of `backward`
    /// lim_{t→0+} (h(x₀) − h(x₀ − t e_k))/t, each the column k of the
    /// linear part of the region entered along +e_k or −e_k; both are
    /// shaped like the gradient (a column of d entries for one output, the
    /// m × d Jacobian for several).
    Bent { regions: Box<[Region; 2]>, forward: Matrix<RatFunc>, backward: Matrix<RatFunc> },
}

/// The affine piece of a network at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct PieceAnswer {
    pub point: Vec<RatFunc>,
    /// The activation pattern at the point, one entry per bending
    /// activation.
    pub pattern: Vec<LayerSigns>,
    pub kind: PieceKind,
    /// For two inputs with kinks in several layers: every cone of
    /// directions around the point with its linear map (empty otherwise).
    pub cones: Vec<Cone>,
}

impl PieceAnswer {
    pub fn differentiable(&self) -> bool {
        matches!(self.kind, PieceKind::Smooth { .. })
    }

    /// The answer as a key states it: `{ W, b, gradient }`, `{ gradient:
    /// undefined, left: { W, b }, right: { W, b } }` or `{ gradient:
    /// undefined, forward: …, backward: … }`.
    pub fn value(&self) -> Value {
        let undefined = || ("gradient", Value::Word("undefined".into()));
        match &self.kind {
            PieceKind::Smooth { region, gradient } => Value::record(vec![
                ("W", matrix(&region.piece.w)),
                ("b", vector(&region.piece.b)),
                ("gradient", matrix(gradient)),
            ]),
            PieceKind::Kink { left, right } => Value::record(vec![
                undefined(),
                ("left", Value::record(vec![("W", matrix(&left.piece.w)), ("b", vector(&left.piece.b))])),
                ("right", Value::record(vec![("W", matrix(&right.piece.w)), ("b", vector(&right.piece.b))])),
            ]),
            PieceKind::Bent { forward, backward, .. } => {
                Value::record(vec![undefined(), ("forward", matrix(forward)), ("backward", matrix(backward))])
            }
        }
    }
}

fn zero() -> RatFunc {
    RatFunc::zero()
}

fn int(n: i64) -> RatFunc {
    RatFunc::constant(Q::from_int(n))
}

/// One layer of a walk: the values at the point after it, and for an
/// activation the slope each unit takes.
#[derive(Clone, Debug)]
pub struct WalkLayer {
    pub values: Vec<RatFunc>,
    /// For an activation: each unit's slope, and each unit's sign at the
    /// point (0 for a bending unit exactly at its kink).
    pub slopes: Option<Vec<RatFunc>>,
    pub signs: Vec<i32>,
    /// For an activation: the side each unit takes in the region walked
    /// (a tied unit's from the directions; 0 for one that stays 0).
    pub sides: Vec<i32>,
    /// Bending units exactly at 0, with the gradient of their input there
    /// (a row of the map before the activation).
    pub tied: Vec<(usize, Vec<RatFunc>)>,
    /// Tied units whose input has derivative 0 along every direction given:
    /// constantly 0 near the point, so their slope does not matter.
    pub flat: Vec<usize>,
    /// The layer's values near the point as a map of the input: m x + c.
    pub m: Matrix<RatFunc>,
    pub c: Vec<RatFunc>,
}

/// The network followed through one region around the point.
#[derive(Clone, Debug)]
pub struct Walk {
    pub layers: Vec<WalkLayer>,
    /// The directions that decided the tied units.
    pub dirs: Vec<Vec<RatFunc>>,
}

impl Walk {
    /// The output map, W x + b.
    pub fn w(&self, net: &Concrete) -> Matrix<RatFunc> {
        self.layers.last().map_or_else(|| Matrix::identity(net.input_dim), |l| l.m.clone())
    }

    pub fn b(&self, net: &Concrete) -> Vec<RatFunc> {
        self.layers.last().map_or_else(|| vec![zero(); net.input_dim], |l| l.c.clone())
    }

    /// Every bending unit at 0: (layer position, unit, gradient row).
    fn ties(&self) -> Vec<(usize, usize, &Vec<RatFunc>)> {
        self.layers.iter().enumerate().flat_map(|(p, l)| l.tied.iter().map(move |(j, row)| (p, *j, row))).collect()
    }
}

fn dot(a: &[RatFunc], b: &[RatFunc]) -> RatFunc {
    a.iter().zip(b).fold(zero(), |acc, (x, y)| &acc + &(x * y))
}

fn mat_vec(m: &Matrix<RatFunc>, v: &[RatFunc]) -> Vec<RatFunc> {
    (0..m.rows()).map(|r| dot(m.row(r), v)).collect()
}

/// Follows the point through the network. At a bending unit exactly at 0,
/// the sign comes from the directions in order; with no directions the
/// unit is recorded as tied and given slope 1 (the values at the point do
/// not depend on it).
///
/// `inputs[p]` names the input of layer p, for messages.
pub fn walk(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    dirs: &[Vec<RatFunc>],
    ring: &Ring,
) -> Result<Walk, String> {
    let d = net.input_dim;
    let mut m: Matrix<RatFunc> = Matrix::identity(d);
    let mut c = vec![zero(); d];
    let mut values = x0.to_vec();
    let mut layers = Vec::with_capacity(net.layers.len());
    for (position, layer) in net.layers.iter().enumerate() {
        match layer {
            Layer::Dense(dl) => {
                m = dl.weight.mul(&m).map_err(|e| e.to_string())?;
                c = mat_vec(&dl.weight, &c).iter().zip(&dl.bias).map(|(a, b)| a + b).collect();
                values = mat_vec(&dl.weight, &values).iter().zip(&dl.bias).map(|(a, b)| a + b).collect();
                layers.push(WalkLayer {
                    values: values.clone(),
                    slopes: None,
                    signs: Vec::new(),
                    sides: Vec::new(),
                    tied: Vec::new(),
                    flat: Vec::new(),
                    m: m.clone(),
                    c: c.clone(),
                });
            }
            Layer::Activation { activation, .. } => {
                let input = &inputs[position];
                let alpha = activation.negative_slope();
                let bends = activation.has_kink();
                let mut slopes = Vec::with_capacity(values.len());
                let mut signs = Vec::with_capacity(values.len());
                let mut sides = Vec::with_capacity(values.len());
                let mut tied = Vec::new();
                let mut flat = Vec::new();
                for (j, z) in values.iter().enumerate() {
                    let Some(zq) = z.as_constant() else {
                        if !bends {
                            slopes.push(int(1));
                            signs.push(0);
                            sides.push(0);
                            continue;
                        }
                        return Err(format!(
                            "the sign of {input}[{j}] at the point, `{}`, depends on the symbols: nnkey cannot \
                             tell which side of the kink the unit is on",
                            z.print(ring)
                        ));
                    };
                    let mut sign = zq.signum();
                    if zq.is_zero() && bends {
                        let row = m.row(j).to_vec();
                        for v in dirs {
                            let g = dot(&row, v);
                            let Some(gq) = g.as_constant() else {
                                return Err(format!(
                                    "{input}[{j}] is 0 at the point and its slope there depends on the symbols: \
                                     nnkey cannot tell which side of the kink each neighbouring region is on"
                                ));
                            };
                            if !gq.is_zero() {
                                sign = gq.signum();
                                break;
                            }
                        }
                        if sign == 0 && !dirs.is_empty() {
                            flat.push(j);
                        }
                        tied.push((j, row));
                    }
                    signs.push(if zq.is_zero() { 0 } else { sign });
                    sides.push(sign);
                    slopes.push(if sign < 0 { alpha.clone() } else { int(1) });
                }
                for (j, s) in slopes.iter().enumerate() {
                    if !s.as_constant().is_some_and(|q| q.is_one()) {
                        values[j] = &values[j] * s;
                        c[j] = &c[j] * s;
                        for k in 0..d {
                            let e = m.get(j, k) * s;
                            m.set(j, k, e);
                        }
                    }
                }
                layers.push(WalkLayer {
                    values: values.clone(),
                    slopes: Some(slopes),
                    signs,
                    sides,
                    tied,
                    flat,
                    m: m.clone(),
                    c: c.clone(),
                });
            }
        }
    }
    Ok(Walk { layers, dirs: dirs.to_vec() })
}

/// Names of each layer's output for messages: `z1` after the first dense
/// layer, `a1` after the activation on it (`a1'` after a second one).
fn layer_labels(net: &Concrete) -> Vec<String> {
    let mut out = Vec::new();
    let mut dense = 0;
    let mut primes = 0;
    for l in &net.layers {
        match l {
            Layer::Dense(_) => {
                dense += 1;
                primes = 0;
                out.push(format!("z{dense}"));
            }
            Layer::Activation { .. } => {
                out.push(format!("a{dense}{}", "'".repeat(primes)));
                primes += 1;
            }
        }
    }
    out
}

/// The name of each layer's input, for messages: the network's input,
/// then the outputs of the layers before.
pub fn input_labels(net: &Concrete, input: &str) -> Vec<String> {
    std::iter::once(input.to_string()).chain(layer_labels(net)).take(net.layers.len()).collect()
}

/// Names of each layer's output in the derivation: `z_k` after the k-th
/// dense layer, `a_k` after the activation on it (`a_k'` after a second
/// one), with the letters `z` and `a` chosen by the caller.
pub fn layer_outputs(net: &Concrete, z: &Math, a: &Math) -> Vec<Math> {
    let mut out = Vec::new();
    let mut dense = 0;
    let mut primes = 0;
    for l in &net.layers {
        match l {
            Layer::Dense(_) => {
                dense += 1;
                primes = 0;
                out.push(z.clone().sub(dense));
            }
            Layer::Activation { .. } => {
                let mut name = a.clone().sub(dense);
                for _ in 0..primes {
                    name = Math::Prime(Box::new(name));
                }
                out.push(name);
                primes += 1;
            }
        }
    }
    out
}

/// A vector as a value: a scalar for one entry.
fn vector(entries: &[RatFunc]) -> Value {
    if entries.len() == 1 { Value::Scalar(entries[0].clone()) } else { Value::Matrix(Matrix::column(entries.to_vec())) }
}

/// A matrix as a value: a scalar when 1×1.
fn matrix(m: &Matrix<RatFunc>) -> Value {
    if m.shape() == (1, 1) { Value::Scalar(m.get(0, 0).clone()) } else { Value::Matrix(m.clone()) }
}

/// An exact value as a formula.
///
/// Stopgap: the transitional printers (`render::step_parts`) cannot print
/// exact leaves (`Math::Ratio`, `Math::Poly`: they need the problem's ring
/// to name the symbols), so the value is written out here as numbers,
/// names, sums and products, in the order the presentation layer uses
/// (descending degree, a positive term first). Once every printer lowers
/// exact leaves itself, this is `Math::Ratio(r.clone())`.
pub fn exact(r: &RatFunc, ring: &Ring) -> Math {
    if r.is_polynomial() {
        poly_math(r.num(), ring)
    } else {
        Math::Frac(Box::new(poly_math(r.num(), ring)), Box::new(poly_math(r.den(), ring)))
    }
}

/// A polynomial written out (see [`exact`]).
fn poly_math(p: &Poly, ring: &Ring) -> Math {
    type Factors = Vec<(std::sync::Arc<Symbol>, u32)>;
    let mut terms: Vec<(u32, Factors, &Q)> = p
        .terms()
        .iter()
        .map(|(m, c)| (m.degree(), m.pairs().iter().map(|&(v, e)| (ring.symbol(v), e)).collect(), c))
        .collect();
    terms.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut signed: Vec<(Sign, Math)> = terms
        .iter()
        .map(|(_, factors, c)| {
            let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
            let a = c.abs();
            let mut parts = Vec::with_capacity(factors.len() + 1);
            if factors.is_empty() || !a.is_one() {
                parts.push(Math::Number(a));
            }
            for (s, e) in factors {
                let base = if s.indices.is_empty() { Math::Name(s.name.clone()) } else { Math::Symbol((**s).clone()) };
                parts.push(if *e == 1 { base } else { base.sup(Math::from(*e)) });
            }
            let term = if parts.len() == 1 { parts.remove(0) } else { Math::Product(parts) };
            (sign, term)
        })
        .collect();
    if signed.first().is_some_and(|t| t.0 == Sign::Minus)
        && let Some(k) = signed.iter().position(|t| t.0 == Sign::Plus)
    {
        let t = signed.remove(k);
        signed.insert(0, t);
    }
    match signed.len() {
        0 => Math::int(0),
        1 => match signed.remove(0) {
            (Sign::Minus, t) => Math::Neg(Box::new(t)),
            (Sign::Plus, t) => t,
        },
        _ => Math::Sum(signed),
    }
}

/// A vector as a formula: a scalar for one entry, else a column.
pub fn vector_math(entries: &[RatFunc], ring: &Ring) -> Math {
    if entries.len() == 1 {
        exact(&entries[0], ring)
    } else {
        Math::column(entries.iter().map(|e| exact(e, ring)).collect())
    }
}

/// A matrix as a formula: a scalar when 1×1.
pub fn matrix_math(m: &Matrix<RatFunc>, ring: &Ring) -> Math {
    if m.shape() == (1, 1) {
        return exact(m.get(0, 0), ring);
    }
    Math::Matrix((0..m.rows()).map(|r| m.row(r).iter().map(|e| exact(e, ring)).collect()).collect())
}

/// A unit of a layer: `z_1[3]`.
pub fn unit(layer: &Math, j: usize) -> Math {
    Math::Entry(Box::new(layer.clone()), vec![Math::from(j)])
}

/// The input as polynomials: `x` for one input, `x[0]`, `x[1]`, … otherwise.
fn input_polys(q: &PieceQuery, ring: &Ring) -> Vec<Poly> {
    let d = q.net.input_dim;
    if d == 1 {
        vec![Poly::var(ring.var(&Symbol::plain(&q.input)))]
    } else {
        (0..d).map(|k| Poly::var(ring.var(&Symbol::indexed(&q.input, &[k as i64])))).collect()
    }
}

/// `m x + c` as affine expressions in the input, one per row.
fn as_map(m: &Matrix<RatFunc>, c: &[RatFunc], xs: &[Poly]) -> Vec<RatFunc> {
    let xs: Vec<RatFunc> = xs.iter().map(|p| RatFunc::from(p.clone())).collect();
    (0..m.rows()).map(|r| &dot(m.row(r), &xs) + &c[r]).collect()
}

/// What the analysis finds at the point.
enum Outcome {
    /// One affine map on a neighbourhood (perhaps across a boundary whose
    /// pieces agree; the note says why).
    Smooth { walk: Walk, note: Option<Prose> },
    /// One input, a kink: the pieces on the left and on the right.
    Kink1 { left: Walk, right: Walk },
    /// Several inputs, not differentiable: two neighbouring pieces that
    /// differ, and how they were found.
    KinkN { a: Walk, b: Walk, why: Prose },
}

fn e(d: usize, k: usize, sign: i64) -> Vec<RatFunc> {
    (0..d).map(|i| if i == k { int(sign) } else { zero() }).collect()
}

/// A vector of exact numbers as a column.
fn q_column(v: &[Q]) -> Math {
    Math::column(v.iter().map(Math::from).collect())
}

/// Decides what the network does around the point.
fn analyse(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    base: Walk,
    ring: &Ring,
    cones: &mut Vec<Cone>,
) -> Result<Outcome, String> {
    let d = net.input_dim;
    let ties = base.ties();
    if ties.is_empty() {
        return Ok(Outcome::Smooth { walk: base, note: None });
    }
    let tied_text: Vec<String> = ties.iter().map(|(p, j, _)| format!("{}[{j}]", inputs[*p])).collect();
    let tied_text = tied_text.join(", ");
    if d == 1 {
        let left = walk(net, inputs, x0, &[vec![int(-1)]], ring)?;
        let right = walk(net, inputs, x0, &[vec![int(1)]], ring)?;
        let (wl, wr) = (left.w(net), right.w(net));
        if wl == wr {
            let note = prose!(
                "The point is on the #kinks of #n #units, but the pieces on its left and on its right are the same affine \
                 map, so the network is differentiable here.",
                n = ties.len(),
                units = plural(ties.len(), "unit"),
                kinks = plural(ties.len(), "kink")
            );
            return Ok(Outcome::Smooth { walk: right, note: Some(note) });
        }
        if wl.entries().iter().zip(wr.entries()).any(|(a, b)| (a - b).as_constant().is_none()) {
            let show = |m: &Matrix<RatFunc>| matrix(m).print(ring);
            return Err(format!(
                "{tied_text} {} 0 at the point, so it may be a kink: the one-sided derivatives are {} (left) and {} \
                 (right), which agree only for some values of the symbols",
                if ties.len() == 1 { "is" } else { "are" },
                show(&wl),
                show(&wr)
            ));
        }
        return Ok(Outcome::Kink1 { left, right });
    }
    // Several inputs. Ties whose input has gradient 0 are constantly 0 near
    // the point (as long as nothing before them bends there) and harmless.
    let genuine: Vec<&(usize, usize, &Vec<RatFunc>)> =
        ties.iter().filter(|(_, _, row)| row.iter().any(|g| !g.is_zero())).collect();
    let Some(first) = genuine.first().map(|t| t.0) else {
        let dirs: Vec<Vec<RatFunc>> = (0..d).map(|k| e(d, k, 1)).collect();
        let w = walk(net, inputs, x0, &dirs, ring)?;
        let note = prose!(
            "The units at their kinks are constantly 0 near the point (their gradients are 0), so no boundary \
             passes through it."
        );
        return Ok(Outcome::Smooth { walk: w, note: Some(note) });
    };
    if ties.iter().all(|t| t.0 <= first) {
        return single_layer(net, inputs, x0, &base, ring, first);
    }
    if d == 2 {
        return sweep(net, inputs, x0, &base, &tied_text, ring, cones);
    }
    orthants(net, inputs, x0, &tied_text, ring)
}

/// A direction in the plane, exactly.
type Dir = [Q; 2];

fn cross(a: &Dir, b: &Dir) -> Q {
    &(&a[0] * &b[1]) - &(&a[1] * &b[0])
}

fn dot2(r: &[Q], v: &Dir) -> Q {
    &(&r[0] * &v[0]) + &(&r[1] * &v[1])
}

/// Two inputs, ties in several layers: sweeps the directions around the
/// point. Near the point the network is x₀ ↦ h(x₀) plus a positively
/// homogeneous piecewise linear map of the step v; the circle of
/// directions starts as the four quadrants (each narrower than π), and
/// every tied unit splits a sector where its input changes sign inside it
/// (at the direction (r·w)u − (r·u)w between the sector's edges u and w).
/// Each final sector is a cone of one region; the network is
/// differentiable exactly when they all have the same linear part.
fn sweep(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    base: &Walk,
    tied_text: &str,
    ring: &Ring,
    cones: &mut Vec<Cone>,
) -> Result<Outcome, String> {
    let number = |e: &RatFunc| {
        e.as_constant()
            .ok_or_else(|| "the weights are symbolic: nnkey cannot sweep the directions around the point".to_string())
    };
    let one = Q::one;
    let axes: [Dir; 4] = [[one(), Q::zero()], [Q::zero(), one()], [-one(), Q::zero()], [Q::zero(), -one()]];
    // (first edge, last edge, rows of the local linear map)
    let identity = vec![vec![one(), Q::zero()], vec![Q::zero(), one()]];
    let mut sectors: Vec<(Dir, Dir, Vec<Vec<Q>>)> =
        (0..4).map(|k| (axes[k].clone(), axes[(k + 1) % 4].clone(), identity.clone())).collect();
    for (position, layer) in net.layers.iter().enumerate() {
        match layer {
            Layer::Dense(dl) => {
                let w: Vec<Vec<Q>> = (0..dl.weight.rows())
                    .map(|r| dl.weight.row(r).iter().map(number).collect::<Result<_, _>>())
                    .collect::<Result<_, _>>()?;
                for s in sectors.iter_mut() {
                    s.2 = w
                        .iter()
                        .map(|row| {
                            (0..2)
                                .map(|k| row.iter().zip(&s.2).fold(Q::zero(), |acc, (a, r)| &acc + &(a * &r[k])))
                                .collect()
                        })
                        .collect();
                }
            }
            Layer::Activation { activation, .. } => {
                if !activation.has_kink() {
                    continue;
                }
                let alpha = number(&activation.negative_slope())?;
                let z: Vec<Q> = if position == 0 { x0.to_vec() } else { base.layers[position - 1].values.clone() }
                    .iter()
                    .map(number)
                    .collect::<Result<_, _>>()?;
                let mut next = Vec::with_capacity(sectors.len());
                for (u, w, rows) in sectors {
                    let mut rays: Vec<Dir> = Vec::new();
                    for (j, zj) in z.iter().enumerate() {
                        if !zj.is_zero() {
                            continue;
                        }
                        let (a, b) = (dot2(&rows[j], &u), dot2(&rows[j], &w));
                        if a.signum() * b.signum() < 0 {
                            let sign = Q::from_int(b.signum() as i64);
                            let v: Dir =
                                [&sign * &(&(&b * &u[0]) - &(&a * &w[0])), &sign * &(&(&b * &u[1]) - &(&a * &w[1]))];
                            if !rays.iter().any(|r| cross(r, &v).is_zero()) {
                                rays.push(v);
                            }
                        }
                    }
                    rays.sort_by(|a, b| Q::zero().cmp(&cross(a, b)));
                    let edges: Vec<Dir> = std::iter::once(u).chain(rays).chain(std::iter::once(w)).collect();
                    for pair in edges.windows(2) {
                        let mid: Dir = [&pair[0][0] + &pair[1][0], &pair[0][1] + &pair[1][1]];
                        let slopes: Vec<Q> = z
                            .iter()
                            .enumerate()
                            .map(|(j, zj)| {
                                let sign = if zj.is_zero() { dot2(&rows[j], &mid).signum() } else { zj.signum() };
                                if sign < 0 { alpha.clone() } else { Q::one() }
                            })
                            .collect();
                        let scaled = rows.iter().zip(&slopes).map(|(r, s)| r.iter().map(|e| e * s).collect()).collect();
                        next.push((pair[0].clone(), pair[1].clone(), scaled));
                    }
                }
                if next.len() > MAX_CONES {
                    return Err(format!(
                        "{tied_text} are 0 at the point; sweeping the directions around it splits them into more \
                         than {MAX_CONES} cones, and nnkey stops"
                    ));
                }
                sectors = next;
            }
        }
    }
    let n = sectors.len();
    cones.extend(sectors.iter().filter_map(|(from, to, rows)| {
        Some(Cone { from: from.clone(), to: to.clone(), linear: Matrix::from_rows(rows.clone())? })
    }));
    let Some(k) = (0..n).find(|&k| sectors[k].2 != sectors[(k + 1) % n].2) else {
        let dirs: Vec<Vec<RatFunc>> = (0..2).map(|k| e(2, k, 1)).collect();
        let w = walk(net, inputs, x0, &dirs, ring)?;
        let note = prose!(
            "The point is on the kinks of units in several layers, so boundaries pass through it, but sweeping all \
             directions around it (#n cones) finds the same linear part in every one: the network is \
             differentiable here.",
            n = n
        );
        return Ok(Outcome::Smooth { walk: w, note: Some(note) });
    };
    let direction = |s: &(Dir, Dir, Vec<Vec<Q>>)| -> Vec<RatFunc> {
        vec![RatFunc::constant(&s.0[0] + &s.1[0]), RatFunc::constant(&s.0[1] + &s.1[1])]
    };
    let mut dirs_a = vec![direction(&sectors[k])];
    let mut dirs_b = vec![direction(&sectors[(k + 1) % n])];
    for j in 0..2 {
        dirs_a.push(e(2, j, 1));
        dirs_b.push(e(2, j, 1));
    }
    let a = walk(net, inputs, x0, &dirs_a, ring)?;
    let b = walk(net, inputs, x0, &dirs_b, ring)?;
    if a.w(net) == b.w(net) {
        return Err("internal check failed: two neighbouring cones were found to differ but their pieces agree".into());
    }
    let why = prose!(
        "The point is on the kinks of units in several layers. Sweeping the directions around it, the linear part \
         changes across the direction $#v$.",
        v = q_column(&sectors[k].1)
    );
    Ok(Outcome::KinkN { a, b, why })
}

/// Every tied unit with a nonzero gradient sits in the activation at
/// `position`: the network near x₀ is a linear map plus
/// Σ_j k_j D_j |a_j·v| with k_j = (1 − α_j)/2 and D_j the downstream
/// column of unit j; grouping parallel a_j = λ_j n_H, it is linear exactly
/// when every C_H = Σ k_j |λ_j| D_j vanishes.
fn single_layer(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    base: &Walk,
    ring: &Ring,
    position: usize,
) -> Result<Outcome, String> {
    let d = net.input_dim;
    let layer = &base.layers[position];
    let Layer::Activation { activation, .. } = &net.layers[position] else {
        return Err("internal: a tie outside an activation".into());
    };
    let alpha = activation
        .negative_slope()
        .as_constant()
        .ok_or("a unit is at the kink of an activation whose slope is a symbol: differentiability depends on it")?;
    let k = &(&Q::one() - &alpha) / &Q::from_int(2);
    // Downstream: from this activation's output to the network's output,
    // every later unit keeps its sign.
    let width = layer.values.len();
    let mut down: Matrix<RatFunc> = Matrix::identity(width);
    for (p, l) in net.layers.iter().enumerate().skip(position + 1) {
        match l {
            Layer::Dense(dl) => down = dl.weight.mul(&down).map_err(|e| e.to_string())?,
            Layer::Activation { .. } => {
                let slopes = base.layers[p].slopes.as_ref().ok_or("internal: an activation without slopes")?;
                for (j, s) in slopes.iter().enumerate() {
                    for c in 0..down.cols() {
                        let v = down.get(j, c) * s;
                        down.set(j, c, v);
                    }
                }
            }
        }
    }
    // Hyperplanes: normals scaled so that their first nonzero entry is 1.
    let mut planes: Vec<(Vec<Q>, Vec<RatFunc>)> = Vec::new();
    for (j, row) in &layer.tied {
        let row: Vec<Q> = row
            .iter()
            .map(|g| g.as_constant().ok_or("the gradient of a unit at its kink depends on the symbols"))
            .collect::<Result<_, _>>()?;
        let Some(lead) = row.iter().find(|g| !g.is_zero()).cloned() else { continue };
        let normal: Vec<Q> = row.iter().map(|g| g / &lead).collect();
        let weight = &k * &lead.abs();
        let contribution: Vec<RatFunc> =
            (0..down.rows()).map(|r| down.get(r, *j) * &RatFunc::constant(weight.clone())).collect();
        match planes.iter_mut().find(|p| p.0 == normal) {
            Some(p) => p.1 = p.1.iter().zip(&contribution).map(|(a, b)| a + b).collect(),
            None => planes.push((normal, contribution)),
        }
    }
    let Some(bent) = planes.iter().position(|p| p.1.iter().any(|c| !c.is_zero())) else {
        let dirs: Vec<Vec<RatFunc>> = (0..d).map(|k| e(d, k, 1)).collect();
        let w = walk(net, inputs, x0, &dirs, ring)?;
        let note = prose!(
            "The point is on the #kinks of #n #units, so boundaries pass through it, but the bends cancel in the output: \
             every neighbouring region has the same affine map, and the network is differentiable here.",
            n = layer.tied.len(),
            units = plural(layer.tied.len(), "unit"),
            kinks = plural(layer.tied.len(), "kink")
        );
        return Ok(Outcome::Smooth { walk: w, note: Some(note) });
    };
    if planes[bent].1.iter().any(|c| c.as_constant().is_none()) {
        return Err("whether the network bends at the point depends on the symbols".into());
    }
    // A direction inside the bent hyperplane that leaves every other tied
    // hyperplane: v(t) = Σ t^r b_r over a basis of the hyperplane, for the
    // first t = 1, 2, … at which no other normal is orthogonal to it (each
    // rules out at most d − 2 values of t).
    let normal = &planes[bent].0;
    let lead = normal.iter().position(|g| !g.is_zero()).ok_or("internal: a zero normal")?;
    let basis: Vec<Vec<Q>> = (0..d)
        .filter(|&i| i != lead)
        .map(|i| {
            (0..d)
                .map(|r| {
                    if r == i {
                        Q::one()
                    } else if r == lead {
                        -&normal[i]
                    } else {
                        Q::zero()
                    }
                })
                .collect()
        })
        .collect();
    let others: Vec<&Vec<Q>> = planes.iter().enumerate().filter(|(i, _)| *i != bent).map(|(_, p)| &p.0).collect();
    let tries = (d.saturating_sub(2)) * others.len() + 1;
    let mut v0 = None;
    for t in 1..=tries as i64 {
        let mut v = vec![Q::zero(); d];
        let mut power = Q::one();
        for b in &basis {
            for (vi, bi) in v.iter_mut().zip(b) {
                *vi = &*vi + &(&power * bi);
            }
            power = &power * &Q::from_int(t);
        }
        let qdot = |a: &[Q], b: &[Q]| a.iter().zip(b).fold(Q::zero(), |acc, (x, y)| &acc + &(x * y));
        if others.iter().all(|o| !qdot(o, &v).is_zero()) {
            v0 = Some(v);
            break;
        }
    }
    let v0: Vec<RatFunc> =
        v0.ok_or("internal: no direction inside the hyperplane")?.into_iter().map(RatFunc::constant).collect();
    let n: Vec<RatFunc> = normal.iter().cloned().map(RatFunc::constant).collect();
    let minus_n: Vec<RatFunc> = n.iter().map(|g| -g).collect();
    let mut dirs_a = vec![v0.clone(), n];
    let mut dirs_b = vec![v0, minus_n];
    for k in 0..d {
        dirs_a.push(e(d, k, 1));
        dirs_b.push(e(d, k, 1));
    }
    let a = walk(net, inputs, x0, &dirs_a, ring)?;
    let b = walk(net, inputs, x0, &dirs_b, ring)?;
    if a.w(net) == b.w(net) {
        return Err("internal check failed: the pieces across a bent hyperplane agree".into());
    }
    let why = prose!(
        "The point is on the #kinks of #n #units, all in one layer. The units whose input vanishes on the hyperplane \
         through the point with normal $#v$ bend the output, and their bends do not cancel, so the regions on its \
         two sides have different linear parts.",
        n = layer.tied.len(),
        units = plural(layer.tied.len(), "unit"),
        kinks = plural(layer.tied.len(), "kink"),
        v = q_column(normal)
    );
    Ok(Outcome::KinkN { a, b, why })
}

/// Ties in several layers: compare the pieces of the 2^d lexicographic
/// orthants around the point. Two that differ prove a kink; if all agree,
/// nnkey cannot decide and says so.
fn orthants(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    tied_text: &str,
    ring: &Ring,
) -> Result<Outcome, String> {
    let d = net.input_dim;
    if d > MAX_ORTHANT_DIM {
        return Err(format!(
            "{tied_text} are 0 at the point, in several layers; nnkey decides differentiability there by \
             comparing the 2^d neighbouring orthants, for at most {MAX_ORTHANT_DIM} inputs"
        ));
    }
    let mut first: Option<Walk> = None;
    for signs in 0..(1usize << d) {
        let dirs: Vec<Vec<RatFunc>> = (0..d).map(|k| e(d, k, if signs >> k & 1 == 1 { -1 } else { 1 })).collect();
        let w = walk(net, inputs, x0, &dirs, ring)?;
        match &first {
            None => first = Some(w),
            Some(f) if f.w(net) != w.w(net) => {
                let why = prose!(
                    "The point is on the kinks of units in several layers. Stepping off it into different \
                     orthants reaches two neighbouring regions with different linear parts."
                );
                return Ok(Outcome::KinkN { a: f.clone(), b: w, why });
            }
            Some(_) => {}
        }
    }
    Err(format!(
        "{tied_text} are 0 at the point, in several layers. The regions in all 2^{d} orthants around it have the \
         same affine map, but a thinner region could still differ: nnkey cannot decide whether the network is \
         differentiable here"
    ))
}

// ---------------------------------------------------------------------------
// The derivation
// ---------------------------------------------------------------------------

/// The names the derivation writes with.
struct Names<'a> {
    ring: &'a Ring,
    /// The network's input and the network.
    x: Math,
    h: Math,
    /// Each layer's output: `z_k`, `a_k`.
    outputs: Vec<Math>,
    /// The letters of the layers' weights and biases: `W_k`, `b_k`.
    w: Math,
    b: Math,
    /// The input as polynomials, for the maps of x.
    xs: Vec<Poly>,
}

impl Names<'_> {
    fn input_of(&self, position: usize) -> Math {
        if position == 0 { self.x.clone() } else { self.outputs[position - 1].clone() }
    }
}

/// The noun for a count: "unit", "units".
pub fn plural(n: usize, noun: &str) -> Words {
    words(if n == 1 { noun.to_string() } else { format!("{noun}s") })
}

/// Pieces of prose one after the other.
pub fn concat(parts: Vec<Prose>) -> Prose {
    let mut out = Prose::default();
    for i in parts.into_iter().flat_map(|p| p.0) {
        match i {
            Inline::Text(t) => out.push_text(&t),
            other => out.0.push(other),
        }
    }
    out
}

/// Prose parts joined by a separator.
fn join(parts: Vec<Prose>, sep: &str) -> Prose {
    let mut out = Vec::with_capacity(2 * parts.len());
    for (k, p) in parts.into_iter().enumerate() {
        if k > 0 {
            out.push(Prose::text(sep));
        }
        out.push(p);
    }
    concat(out)
}

/// An activation's name as it is written in a network: `relu`.
pub fn code(word: &str) -> Prose {
    Prose(vec![Inline::Code(word.to_string())])
}

/// An activation applied to a layer: `relu(z_1)`, `|z_1|`.
fn activation_of(activation: &Activation, z: Math) -> Math {
    match activation {
        Activation::Relu => Math::apply("relu", vec![z]),
        Activation::Abs => Math::Fenced(Fence::Abs, Box::new(z)),
        Activation::Identity => z,
        Activation::LeakyRelu(_) => Math::apply("leaky_relu", vec![z]),
    }
}

/// How a unit below its kink behaves.
pub fn slope_words(alpha: &RatFunc, ring: &Ring) -> Prose {
    match alpha.as_constant() {
        Some(a) if a.is_zero() => prose!("off (slope $0$)"),
        Some(a) if a == Q::from_int(-1) => prose!("flipped (slope $-1$)"),
        _ => prose!("scaled (slope $#a$)", a = exact(alpha, ring)),
    }
}

/// A vector as a tuple, the way a table row writes it.
fn tuple_math(entries: &[RatFunc], ring: &Ring) -> Math {
    match entries {
        [one] => exact(one, ring),
        _ => Math::tuple(entries.iter().map(|e| exact(e, ring)).collect()),
    }
}

/// How the units of an activation layer went at the point, in a few
/// words: "2 on", "1 off, 1 at the kink".
fn unit_tally(activation: &Activation, signs: &[i32], ring: &Ring) -> Prose {
    if !activation.has_kink() {
        return prose!("unchanged");
    }
    let count = |f: &dyn Fn(i32) -> bool| signs.iter().filter(|s| f(**s)).count();
    let (pos, neg, at0) = (count(&|s| s > 0), count(&|s| s < 0), count(&|s| s == 0));
    let mut parts = Vec::new();
    if pos > 0 {
        parts.push(prose!("#n on", n = pos));
    }
    if neg > 0 {
        parts.push(concat(vec![prose!("#n ", n = neg), slope_words(&activation.negative_slope(), ring)]));
    }
    if at0 > 0 {
        parts.push(prose!("#n at the kink", n = at0));
    }
    join(parts, ", ")
}

/// The forward pass of a walk as a student writes it: one table, a row per
/// layer, with each layer's value at the point (and, when `maps` is set,
/// as a map of the input near it). The arithmetic of each layer follows as
/// staff detail.
fn layer_steps(ex: &mut Explanation, net: &Concrete, w: &Walk, x0: &[RatFunc], n: &Names, maps: bool) {
    let p = tuple_math(x0, n.ring);
    let mut header = vec![prose!("layer"), prose!("at $#x = #p$", x = n.x.clone(), p = p.clone())];
    if maps {
        header.push(prose!("near $#x = #p$", x = n.x.clone(), p = p));
    }
    header.push(prose!("units"));
    let mut rows = Vec::new();
    for (position, (layer, wl)) in net.layers.iter().zip(&w.layers).enumerate() {
        let (out, inp) = (n.outputs[position].clone(), n.input_of(position));
        let (formula, units) = match layer {
            Layer::Dense(dl) => (
                math!(
                    "#z = #Wk #a + #bk",
                    z = out,
                    Wk = n.w.clone().sub(dl.index),
                    a = inp,
                    bk = n.b.clone().sub(dl.index)
                ),
                Prose::default(),
            ),
            Layer::Activation { activation, .. } => {
                (out.equals(activation_of(activation, inp)), unit_tally(activation, &wl.signs, n.ring))
            }
        };
        let mut row = vec![prose!("$#f$", f = formula), prose!("$#v$", v = tuple_math(&wl.values, n.ring))];
        if maps {
            row.push(prose!("$#m$", m = tuple_math(&as_map(&wl.m, &wl.c, &n.xs), n.ring)));
        }
        row.push(units);
        rows.push(row);
    }
    // The table completes the step that says what is followed.
    match ex.steps.last_mut() {
        Some(step) if step.depth == super::Depth::Solution => {
            step.table(Table { header, rows });
        }
        _ => {
            ex.step(prose!("Layer by layer:")).table(Table { header, rows });
        }
    }
    layer_details(ex, net, w, x0, n, maps);
}

/// Each layer's arithmetic at the point, for staff: the weights, the
/// vector they act on and the result; each layer also as a map of the
/// input near the point when `maps` is set.
fn layer_details(ex: &mut Explanation, net: &Concrete, w: &Walk, x0: &[RatFunc], n: &Names, maps: bool) {
    for (position, (layer, wl)) in net.layers.iter().zip(&w.layers).enumerate() {
        let out = n.outputs[position].clone();
        let inp = n.input_of(position);
        let width = wl.values.len();
        let map_line = || out.clone().equals(vector_math(&as_map(&wl.m, &wl.c, &n.xs), n.ring));
        match layer {
            Layer::Dense(dl) => {
                let k = dl.index;
                let before = if position == 0 { x0 } else { &w.layers[position - 1].values[..] };
                let chain = math!(
                    "#z = #Wk #a + #bk = #W #v + #b = #zv",
                    z = out.clone(),
                    Wk = n.w.clone().sub(k),
                    a = inp,
                    bk = n.b.clone().sub(k),
                    W = matrix_math(&dl.weight, n.ring),
                    v = vector_math(before, n.ring),
                    b = vector_math(&dl.bias, n.ring),
                    zv = vector_math(&wl.values, n.ring)
                );
                if maps {
                    ex.detail(prose!(
                        "Dense layer #k, with #n #units, at the point and as a map of $#x$ near it:",
                        k = k,
                        n = width,
                        units = plural(width, "unit"),
                        x = n.x.clone()
                    ))
                    .aligned(vec![chain, map_line()]);
                } else {
                    ex.detail(prose!(
                        "Dense layer #k, with #n #units:",
                        k = k,
                        n = width,
                        units = plural(width, "unit")
                    ))
                    .display(chain);
                }
            }
            Layer::Activation { activation, .. } => {
                let act = code(activation.word());
                if !activation.has_kink() {
                    ex.detail(concat(vec![act, prose!(" on $#z$: every unit passes unchanged (slope $1$).", z = inp)]));
                    continue;
                }
                let tally = |f: &dyn Fn(i32) -> bool| wl.signs.iter().filter(|s| f(**s)).count();
                let (pos, neg, at0) = (tally(&|s| s > 0), tally(&|s| s < 0), tally(&|s| s == 0));
                let mut parts = Vec::new();
                if pos > 0 {
                    parts.push(prose!("#n #units positive, on (slope $1$)", n = pos, units = plural(pos, "unit")));
                }
                if neg > 0 {
                    parts.push(concat(vec![
                        prose!("#n #units negative, ", n = neg, units = plural(neg, "unit")),
                        slope_words(&activation.negative_slope(), n.ring),
                    ]));
                }
                if at0 > 0 {
                    parts.push(prose!(
                        "#n #units exactly at the kink (value $0$)",
                        n = at0,
                        units = plural(at0, "unit")
                    ));
                }
                let head =
                    concat(vec![act, prose!(" on $#z$: ", z = inp.clone()), join(parts, "; "), Prose::text(".")]);
                let value = math!(
                    "#a = #f = #v",
                    a = out.clone(),
                    f = activation_of(activation, inp),
                    v = vector_math(&wl.values, n.ring)
                );
                if maps && at0 == 0 {
                    ex.detail(head).aligned(vec![value, map_line()]);
                } else {
                    ex.detail(head).display(value);
                }
            }
        }
    }
}

/// The conclusion for one affine piece: W, b, the check, the gradient.
fn piece_steps(ex: &mut Explanation, net: &Concrete, w: &Walk, x0: &[RatFunc], n: &Names, jacobian: Math) {
    let (wm, b) = (w.w(net), w.b(net));
    let out = w.layers.last().map_or_else(|| x0.to_vec(), |l| l.values.clone());
    let (wv, bv, x0v) = (matrix_math(&wm, n.ring), vector_math(&b, n.ring), vector_math(x0, n.ring));
    ex.step(prose!(
        "Composing the layers, with each unit's slope fixed, gives one affine map on the region, \
         $#h(#x) = W #x + b$: $W$ is the product of the weights and the slopes, and $b$ collects the biases. \
         Check at the point:",
        h = n.h.clone(),
        x = n.x.clone()
    ))
    .aligned(vec![
        math!("W = #w", w = wv.clone()),
        math!("b = #b", b = bv.clone()),
        math!(
            "#w #p + #b = #out = #h(#p)",
            w = wv.clone(),
            p = x0v.clone(),
            b = bv,
            out = vector_math(&out, n.ring),
            h = n.h.clone()
        ),
    ]);
    if wm.rows() == 1 && wm.cols() == 1 {
        ex.step(prose!("The derivative is the slope of the piece:")).display(math!(
            "#h'(#p) = W = #w",
            h = n.h.clone(),
            p = x0v,
            w = wv
        ));
    } else if wm.rows() == 1 {
        ex.step(prose!("The gradient of $#h$ is $W$ transposed, a column:", h = n.h.clone())).display(math!(
            "nabla #h(#p) = W^T = #g",
            h = n.h.clone(),
            p = x0v,
            g = matrix_math(&wm.transpose(), n.ring)
        ));
    } else {
        ex.step(prose!("With several outputs the derivative is the Jacobian, which is $W$:")).display(math!(
            "#J(#p) = W = #w",
            J = jacobian,
            p = x0v,
            w = wv
        ));
    }
}

/// How each tied unit goes on one side of the point: a listing.
fn side_items(net: &Concrete, w: &Walk, n: &Names) -> (usize, Vec<Block>) {
    let mut total = 0;
    let mut items = Vec::new();
    for (position, (layer, wl)) in net.layers.iter().zip(&w.layers).enumerate() {
        let (Layer::Activation { activation, .. }, Some(slopes)) = (layer, &wl.slopes) else { continue };
        let inp = n.input_of(position);
        for (j, _) in &wl.tied {
            total += 1;
            if items.len() >= LISTING_CAP {
                continue;
            }
            let u = unit(&inp, *j);
            let p = if wl.flat.contains(j) {
                prose!("$#u$ stays 0 (its slope does not matter)", u = u)
            } else if slopes[*j].as_constant().is_some_and(|q| q.is_one()) {
                prose!("$#u$ on (slope $1$)", u = u)
            } else {
                concat(vec![prose!("$#u$ ", u = u), slope_words(&activation.negative_slope(), n.ring)])
            };
            items.push(Block::Prose(p));
        }
    }
    (total, items)
}

/// A region from a walk into it.
fn region(net: &Concrete, w: &Walk) -> Region {
    let d = net.input_dim;
    let units = net
        .layers
        .iter()
        .enumerate()
        .filter_map(|(p, l)| match l {
            Layer::Activation { activation, .. } if activation.has_kink() => {
                let inputs = if p == 0 {
                    Affine { w: Matrix::identity(d), b: vec![zero(); d] }
                } else {
                    Affine { w: w.layers[p - 1].m.clone(), b: w.layers[p - 1].c.clone() }
                };
                let wl = &w.layers[p];
                Some(RegionUnits {
                    position: p,
                    inputs,
                    slopes: wl.slopes.clone().unwrap_or_default(),
                    sides: wl.sides.clone(),
                })
            }
            _ => None,
        })
        .collect();
    Region { toward: w.dirs.clone(), units, piece: Affine { w: w.w(net), b: w.b(net) } }
}

/// The activation pattern at the point.
fn pattern(net: &Concrete, base: &Walk) -> Vec<LayerSigns> {
    net.layers
        .iter()
        .enumerate()
        .filter_map(|(p, l)| match l {
            Layer::Activation { activation, .. } if activation.has_kink() => {
                Some(LayerSigns { position: p, signs: base.layers[p].signs.clone() })
            }
            _ => None,
        })
        .collect()
}

/// The one-sided derivatives along the coordinate axes at a point of
/// several inputs, as m × d matrices (column k for the axis k): forward
/// from the region entered along +e_k, backward from the one entered along
/// −e_k.
///
/// Along the ray x₀ + t v (t > 0 small) every unit's input is affine in t:
/// a unit at its kink takes the sign of its slope along v, and a unit
/// whose slope along v is 0 stays exactly 0 on the ray, so its own slope
/// changes the linear part W of the region the walk enters but not W v,
/// nor the slope along v of any later unit. Walking with v first (the
/// axes after it only settle those units) gives h(x₀ + t v) = h(x₀) + t W v
/// on the ray: the derivative along +e_k is W e_k, column k of W, and the
/// backward derivative −(W' (−e_k)) is column k of the W' entered along
/// −e_k.
fn axis_derivatives(
    net: &Concrete,
    inputs: &[String],
    x0: &[RatFunc],
    ring: &Ring,
) -> Result<(Matrix<RatFunc>, Matrix<RatFunc>), String> {
    let d = net.input_dim;
    let m = net.output_dim();
    let mut forward: Matrix<RatFunc> = Matrix::zeros(m, d);
    let mut backward: Matrix<RatFunc> = Matrix::zeros(m, d);
    for k in 0..d {
        for (sign, out) in [(1, &mut forward), (-1, &mut backward)] {
            let mut dirs = vec![e(d, k, sign)];
            dirs.extend((0..d).map(|i| e(d, i, 1)));
            let w = walk(net, inputs, x0, &dirs, ring)?.w(net);
            for r in 0..m {
                out.set(r, k, w.get(r, k).clone());
            }
        }
    }
    Ok((forward, backward))
}

/// The step that gives the one-sided derivatives along the axes.
/// `p` and `t` are letters free in the problem: the point and the step.
fn axis_steps(
    ex: &mut Explanation,
    forward: &Matrix<RatFunc>,
    backward: &Matrix<RatFunc>,
    n: &Names,
    (p, point, t): (Math, Math, Math),
) {
    let h = n.h.clone();
    let x0 = p.clone();
    let rows: Vec<Vec<Prose>> = (0..forward.cols())
        .map(|k| {
            let column = |m: &Matrix<RatFunc>| {
                let entries: Vec<RatFunc> = (0..m.rows()).map(|r| m.get(r, k).clone()).collect();
                vector_math(&entries, n.ring)
            };
            vec![
                prose!("$#xk$", xk = exact(&RatFunc::from(n.xs[k].clone()), n.ring)),
                prose!("$#f$", f = column(forward)),
                prose!("$#b$", b = column(backward)),
            ]
        })
        .collect();
    let differ = (0..forward.cols()).filter(|&k| (0..forward.rows()).any(|r| forward.get(r, k) != backward.get(r, k)));
    let differ: Vec<Math> = differ.map(|k| exact(&RatFunc::from(n.xs[k].clone()), n.ring)).collect();
    let step = ex.step(prose!(
        "The one-sided derivatives along the coordinate axes still exist. Stepping from the point $#x0$ along $e_k$ \
         (or $-e_k$) enters one region: a unit at its kink takes the sign of its slope along the step, and a unit \
         whose slope along it is 0 stays 0 on the whole step, whatever its slope. So $#h(#x0 + #t e_k) = #h(#x0) + \
         #t W e_k$ for small $#t > 0$, with that region's $W$: the forward derivative, the limit of $(#h(#x0 + #t \
         e_k) - #h(#x0))/#t$ as $#t$ decreases to 0, is column $k$ of the $W$ entered along $e_k$, and the backward \
         derivative, the limit of $(#h(#x0) - #h(#x0 - #t e_k))/#t$, is column $k$ of the $W$ entered along $-e_k$ \
         (here $#x0 = #point$):",
        x0 = x0,
        h = h,
        t = t,
        point = point
    ));
    step.table(Table { header: vec![prose!("along"), prose!("forward"), prose!("backward")], rows });
    if !differ.is_empty() {
        let list = Math::Seq(Fence::None, differ);
        step.prose(prose!(
            "They differ along $#l$: there the network bends as the input passes through the point.",
            l = list
        ));
    }
}

/// Derives the piece at the point.
pub fn derive(q: &PieceQuery, problem: &Problem) -> Result<(PieceAnswer, Value, Explanation), String> {
    let ring = &problem.ring;
    let net = &q.net;
    let mut letters = Letters::of(problem);
    letters.take(&q.input);
    letters.take(&q.network);
    let (z, a) = (letters.fresh(&["z", "u"]), letters.fresh(&["a", "v"]));
    let n = Names {
        ring,
        x: Math::name(&q.input),
        h: Math::name(&q.network),
        outputs: layer_outputs(net, &z, &a),
        w: letters.fresh(&["W", "V"]),
        b: letters.fresh(&["b", "beta"]),
        xs: input_polys(q, ring),
    };
    let inputs = input_labels(net, &q.input);
    let base = walk(net, &inputs, &q.point, &[], ring)?;
    let x0 = vector_math(&q.point, n.ring);
    let mut cones = Vec::new();
    let outcome = analyse(net, &inputs, &q.point, base.clone(), ring, &mut cones)?;
    let mut ex = Explanation::new();
    ex.step(prose!(
        "Follow $#x = #p$ through $#h$. On the region that contains the point every unit keeps its \
         sign, so each activation multiplies each unit by a fixed slope, and every layer is an affine map of $#x$ \
         there. Layer by layer:",
        x = n.x.clone(),
        p = x0.clone(),
        h = n.h.clone()
    ));
    let kind =
        match outcome {
            Outcome::Smooth { walk: w, note } => {
                let clean = note.is_none();
                layer_steps(&mut ex, net, if clean { &w } else { &base }, &q.point, &n, clean);
                if let Some(note) = note {
                    ex.step(note);
                }
                piece_steps(&mut ex, net, &w, &q.point, &n, letters.fresh(&["J"]).sub(n.h.clone()));
                let wm = w.w(net);
                let gradient = if wm.rows() == 1 { wm.transpose() } else { wm };
                PieceKind::Smooth { region: region(net, &w), gradient }
            }
            Outcome::Kink1 { left, right } => {
                layer_steps(&mut ex, net, &base, &q.point, &n, false);
                ex.step(prose!(
                    "A unit exactly at 0 sits on its kink, so the point is on a boundary between pieces. On each side \
                 of the point such a unit takes the sign of its slope in $#x$ (units further on are decided the \
                 same way).",
                    x = n.x.clone()
                ));
                for (w, left_side) in [(&left, true), (&right, false)] {
                    let head = if left_side {
                        prose!("Just left of the point, $#x < #p$:", x = n.x.clone(), p = x0.clone())
                    } else {
                        prose!("Just right of the point, $#x > #p$:", x = n.x.clone(), p = x0.clone())
                    };
                    let (total, items) = side_items(net, w, &n);
                    let map = vector_math(&as_map(&w.w(net), &w.b(net), &n.xs), n.ring);
                    ex.step(head).listing(total, items).display(math!(
                        "W = #w, b = #b, #h(#x) = #map",
                        w = matrix_math(&w.w(net), n.ring),
                        b = vector_math(&w.b(net), n.ring),
                        h = n.h.clone(),
                        x = n.x.clone(),
                        map = map
                    ));
                }
                ex.step(prose!(
                    "The one-sided derivatives differ, so $#h$ is not differentiable at $#x = #p$: it has no gradient \
                 there (gradient: undefined). Both pieces pass through the point.",
                    h = n.h.clone(),
                    x = n.x.clone(),
                    p = x0.clone()
                ))
                .display(math!(
                    "#h'(#l) = #wl, #h'(#r) = #wr",
                    h = n.h.clone(),
                    l = x0.clone().sup(Math::text("-")),
                    wl = matrix_math(&left.w(net), n.ring),
                    r = x0.clone().sup(Math::text("+")),
                    wr = matrix_math(&right.w(net), n.ring)
                ));
                PieceKind::Kink { left: Box::new(region(net, &left)), right: Box::new(region(net, &right)) }
            }
            Outcome::KinkN { a, b, why } => {
                layer_steps(&mut ex, net, &base, &q.point, &n, false);
                ex.detail(why);
                ex.step(prose!(
                "Two regions that touch the point have different linear parts, so no gradient matches both: $#h$ is \
                 not differentiable at $#x = #p$ (gradient: undefined).",
                h = n.h.clone(),
                x = n.x.clone(),
                p = x0.clone()
            ))
            .display(math!("#a != #b", a = matrix_math(&a.w(net), n.ring), b = matrix_math(&b.w(net), n.ring)));
                let (forward, backward) = axis_derivatives(net, &inputs, &q.point, ring)?;
                let letters_for_axes = (letters.fresh(&["p", "q"]), x0.clone(), letters.fresh(&["t", "s"]));
                axis_steps(&mut ex, &forward, &backward, &n, letters_for_axes);
                let shaped = |m: Matrix<RatFunc>| if m.rows() == 1 { m.transpose() } else { m };
                PieceKind::Bent {
                    regions: Box::new([region(net, &a), region(net, &b)]),
                    forward: shaped(forward),
                    backward: shaped(backward),
                }
            }
        };
    if let Some(f) = figure(q, &kind, &n) {
        attach(&mut ex, f);
    }
    let answer = PieceAnswer { point: q.point.clone(), pattern: pattern(net, &base), kind, cones };
    let value = answer.value();
    Ok((answer, value, ex))
}

// ---------------------------------------------------------------------------
// The picture
// ---------------------------------------------------------------------------

/// Most breakpoints marked one by one in the graph around a point.
const FIGURE_RULES: usize = 16;
/// Most regions drawn around a point of two inputs.
const FIGURE_REGIONS: usize = 48;

/// Adds a figure to the last step a student sees (a new step if the last
/// is for staff).
fn attach(ex: &mut Explanation, f: Figure) {
    match ex.steps.last_mut() {
        Some(step) if step.depth == super::Depth::Solution => {
            step.figure(f);
        }
        _ => {
            ex.step(Prose::text("The picture:")).figure(f);
        }
    }
}

/// The picture of the piece: for one input, the graph around the point
/// with the piece's line (the lines of both sides at a kink); for two, the
/// regions around the point with the gradient. `None` for more inputs, for
/// symbolic weights or points, and for too much to draw.
fn figure(q: &PieceQuery, kind: &PieceKind, n: &Names) -> Option<Figure> {
    match q.net.input_dim {
        1 => figure_line(q, kind, n),
        2 => figure_plane(q, kind, n),
        _ => None,
    }
}

/// The numbers of a one-input, one-output affine map: (slope, intercept).
fn slope_intercept(a: &Affine) -> Option<(Q, Q)> {
    if a.w.shape() != (1, 1) {
        return None;
    }
    Some((a.w.get(0, 0).as_constant()?, a.b[0].as_constant()?))
}

/// One input: the graph of the network around the point (its breakpoints
/// from [`pieces::pieces`]), the point, and the line of its piece across
/// the picture, or at a kink the lines of the pieces on its two sides.
fn figure_line(q: &PieceQuery, kind: &PieceKind, n: &Names) -> Option<Figure> {
    let x0 = q.point.first()?.as_constant()?;
    let lines: Vec<(Role, (Q, Q))> = match kind {
        PieceKind::Smooth { region, .. } => vec![(Role::Accent, slope_intercept(&region.piece)?)],
        PieceKind::Kink { left, right } => {
            vec![(Role::Accent, slope_intercept(&left.piece)?), (Role::Second, slope_intercept(&right.piece)?)]
        }
        PieceKind::Bent { .. } => return None,
    };
    let p = pieces::pieces(&q.net).ok()?;
    let (lo, hi) = pieces::window_near(&p.breakpoints, &x0);
    let graph = pieces::graph(&p.breakpoints, &p.maps, 0, &lo, &hi);
    let y0 = pieces::value_of(&p.breakpoints, &p.maps, 0, &x0);
    let (ylo, yhi) = pieces::value_range(graph.iter().map(|v| &v.1));
    let inside: Vec<&Q> = p.breakpoints.iter().filter(|b| &lo < *b && *b < &hi).collect();
    let mut marks = vec![Mark::Line { points: graph, role: Role::Main, label: None }];
    if inside.len() <= FIGURE_RULES {
        marks.extend(inside.iter().map(|b| Mark::Rule { x: (*b).clone(), role: Role::Guide, label: None }));
    }
    let formulas: Vec<Math> = lines.iter().map(|(_, (s, c))| pieces::line_math(&n.x, s, c)).collect();
    for ((role, (s, c)), f) in lines.iter().zip(&formulas) {
        // y = s x + c is the line -s x + y = c.
        let [a, b] = plane::clip_line((&-s, &Q::one()), c, (&lo, &hi), (&ylo, &yhi))?;
        marks.push(Mark::Line { points: vec![a, b], role: *role, label: Some(f.clone()) });
    }
    let at = Math::Seq(Fence::Paren, vec![Math::from(&x0), Math::from(&y0)]);
    marks.push(Mark::Dot { at: (x0.clone(), y0), role: Role::Main, label: Some(at.clone()) });
    let mut ticks: Vec<Q> = [&lo, &x0, &hi].into_iter().chain(inside.iter().copied()).cloned().collect();
    ticks.sort();
    ticks.dedup();
    if ticks.len() > 8 {
        ticks.clear();
    }
    let range = math!("#a <= #x <= #b", a = &lo, x = n.x.clone(), b = &hi);
    let caption = match &formulas[..] {
        [one] => prose!(
            "The graph of $#h$ on $#r$ with its breakpoints (marked), the point $#p$, and the line $#f$ of the piece \
             that contains it: on that piece the line and the graph coincide.",
            h = n.h.clone(),
            r = range,
            p = at,
            f = one.clone()
        ),
        [l, r] => prose!(
            "The graph of $#h$ on $#r$ with its breakpoints (marked), and the point $#p$ at a kink: the lines of the \
             pieces on its left, $#l$, and on its right, $#rt$, cross there with different slopes.",
            h = n.h.clone(),
            r = range,
            p = at,
            l = l.clone(),
            rt = r.clone()
        ),
        _ => return None,
    };
    Some(Figure {
        caption,
        panels: vec![Panel {
            title: None,
            x: Axis { label: n.x.clone(), lo, hi, ticks },
            y: Axis { label: math!("#h(#x)", h = n.h.clone(), x = n.x.clone()), lo: ylo, hi: yhi, ticks: Vec::new() },
            marks,
        }],
        shows_answer: false,
    })
}

/// A region drawn around a point of two inputs: its corners, whether its
/// closure holds the point, and the network's map on it.
struct PlaneRegion {
    corners: Vec<Point>,
    touches: bool,
    map: Vec<Vec<Q>>,
    offset: Vec<Q>,
}

/// The regions of the network in the square of half-width `r` around
/// `x0`; `Ok(None)` when there are more than [`FIGURE_REGIONS`].
fn plane_regions(net: &Numeric, x0: &[Q], r: &Q) -> Result<Option<Vec<PlaneRegion>>, String> {
    let domain: Vec<Interval> = x0.iter().map(|c| Interval { lo: Some(c - r), hi: Some(c + r) }).collect();
    let mut out = Vec::new();
    let too_many = std::cell::Cell::new(false);
    let walked = cells(net, &domain, FIGURE_REGIONS + 1, &mut super::budget::Work::default(), &mut |cell, _| {
        if out.len() == FIGURE_REGIONS {
            too_many.set(true);
            return Err("too many regions to draw".into());
        }
        let sides = irredundant(&cell.constraints, 2)?;
        let corners = polygon(&sides).ok_or("a region in a square without corners")?;
        let touches = cell.constraints.iter().all(|(a, b)| &(&(&a[0] * &x0[0]) + &(&a[1] * &x0[1])) <= b);
        out.push(PlaneRegion {
            corners: corners.into_iter().map(|[x, y]| (x, y)).collect(),
            touches,
            map: cell.map.clone(),
            offset: cell.offset.clone(),
        });
        Ok(())
    });
    match walked {
        Ok(_) => Ok(Some(out)),
        Err(_) if too_many.get() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Two inputs: the regions in a square around the point (half-width 1,
/// halved while there are too many to draw, doubled while the point's
/// region fills it), the point's region (or the regions that touch it)
/// shaded, the point, and the gradient from it.
fn figure_plane(q: &PieceQuery, kind: &PieceKind, n: &Names) -> Option<Figure> {
    let x0: Vec<Q> = q.point.iter().map(RatFunc::as_constant).collect::<Option<_>>()?;
    let net = Numeric::new(&q.net).ok()?;
    let mut r = Q::one();
    let mut found: Option<(Q, Vec<PlaneRegion>)> = None;
    let mut halved = 0;
    for _ in 0..8 {
        match plane_regions(&net, &x0, &r).ok()? {
            None if found.is_some() => break,
            None if halved < 4 => {
                halved += 1;
                r = &r / &Q::from_int(2);
            }
            None => return None,
            Some(regions) => {
                let single = regions.len() == 1;
                found = Some((r.clone(), regions));
                if !single || halved > 0 {
                    break;
                }
                r = &r * &Q::from_int(2);
            }
        }
    }
    let (r, regions) = found?;
    // Every region that touches the point has the derived map where the
    // network is smooth there: a picture that disagrees is not drawn.
    if let PieceKind::Smooth { region, .. } = kind {
        let w: Option<Vec<Vec<Q>>> = (0..region.piece.w.rows())
            .map(|i| region.piece.w.row(i).iter().map(RatFunc::as_constant).collect())
            .collect();
        let b: Option<Vec<Q>> = region.piece.b.iter().map(RatFunc::as_constant).collect();
        if regions.iter().any(|g| g.touches && (Some(&g.map) != w.as_ref() || Some(&g.offset) != b.as_ref())) {
            return None;
        }
    }
    let mut marks: Vec<Mark> = regions
        .iter()
        .map(|g| Mark::Region {
            points: g.corners.clone(),
            role: if g.touches { Role::Yes } else { Role::No },
            label: None,
        })
        .collect();
    let touching = regions.iter().filter(|g| g.touches).count();
    let p = Math::Seq(Fence::Paren, x0.iter().map(Math::from).collect());
    let at: Point = (x0[0].clone(), x0[1].clone());
    marks.push(Mark::Dot { at: at.clone(), role: Role::Main, label: Some(p.clone()) });
    let gradient: Option<Vec<Q>> = match kind {
        PieceKind::Smooth { gradient, .. } if gradient.shape() == (2, 1) => {
            Some(vec![gradient.get(0, 0).as_constant()?, gradient.get(1, 0).as_constant()?])
        }
        _ => None,
    };
    // The arrow keeps inside the square: scaled down when longer than
    // three quarters of the half-width in a coordinate.
    let mut scale = Q::one();
    if let Some(g) = gradient.as_ref().filter(|g| g.iter().any(|e| !e.is_zero())) {
        let longest = g.iter().map(Q::abs).max()?;
        let room = &(&r * &Q::from_int(3)) / &Q::from_int(4);
        if longest > room {
            scale = &room / &longest;
        }
        let to = (&at.0 + &(&scale * &g[0]), &at.1 + &(&scale * &g[1]));
        marks.push(Mark::Arrow { from: at, to, role: Role::Accent, label: Some(math!("nabla #h", h = n.h.clone())) });
    }
    let side = &r * &Q::from_int(2);
    let shaded = if touching == 1 {
        prose!("the region that contains the point is shaded")
    } else {
        prose!("the point is on their boundary, and the #k regions that touch it are shaded", k = touching)
    };
    let arrow = match (&gradient, kind) {
        (Some(g), _) if g.iter().all(Q::is_zero) => prose!(" The gradient there is $0$."),
        (Some(g), _) => {
            let g = Math::column(g.iter().map(Math::from).collect());
            if scale.is_one() {
                prose!(" The arrow from the point is the gradient $#g$.", g = g)
            } else {
                prose!(" The arrow from the point is the gradient $#g$, drawn at #t of its length.", g = g, t = scale)
            }
        }
        (None, PieceKind::Smooth { .. }) => Prose::default(),
        (None, _) => prose!(" Their affine maps differ: there is no gradient at the point."),
    };
    let caption = concat(vec![
        prose!(
            "The linear regions of $#h$ in the square of side #s centred at the point $#p$ (#m #regions): ",
            h = n.h.clone(),
            s = side,
            p = p,
            m = regions.len(),
            regions = plural(regions.len(), "region")
        ),
        shaded,
        Prose::text("."),
        arrow,
    ]);
    let axis = |k: usize| Axis {
        label: unit(&n.x, k),
        lo: &x0[k] - &r,
        hi: &x0[k] + &r,
        ticks: vec![&x0[k] - &r, x0[k].clone(), &x0[k] + &r],
    };
    Some(Figure { caption, panels: vec![Panel { title: None, x: axis(0), y: axis(1), marks }], shows_answer: false })
}

/// Judges a key: a kink and a gradient are told apart before the fields
/// are compared, so the message says what is wrong.
pub fn judge(finding: &Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let undefined = |v: Option<&Value>| matches!(v, Some(Value::Word(w)) if w == "undefined");
    let derived = matches!(&finding.answer, Answer::Piece(a) if !a.differentiable());
    let stated = key.field("gradient");
    if derived && stated.is_some() && !undefined(stated) {
        return Err(format!(
            "the network is not differentiable at this point (a unit is at its kink and the pieces around it \
             differ), so it has no gradient; nnkey derives {}",
            finding.value.print(ring)
        ));
    }
    if !derived && undefined(stated) {
        return Err(format!(
            "the network is differentiable at this point; nnkey derives {}",
            finding.value.print(ring)
        ));
    }
    let bent = matches!(&finding.answer, Answer::Piece(a) if matches!(a.kind, PieceKind::Bent { .. }));
    if bent
        && undefined(stated)
        && let Some(missing) = ["forward", "backward"].into_iter().find(|f| key.field(f).is_none())
    {
        return Err(format!(
            "the key has no field `{missing}`: at a kink with several inputs the answer also gives the one-sided \
             derivatives along the axes; nnkey derives {}",
            finding.value.print(ring)
        ));
    }
    compare(key, &finding.value, ring)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_source;
    use crate::language::SourceFile;

    /// The figure of the finding `name`, which must be in a step a student
    /// sees; `None` when it has none.
    fn figure_of(text: &str, name: &str) -> Option<Figure> {
        let report = check_source(SourceFile::new("test.nnk", text));
        assert!(!report.has_errors(), "{:?}", report.diagnostics);
        let f = report
            .problems
            .iter()
            .flat_map(|p| &p.findings)
            .find(|f| f.finding.name == name)
            .unwrap_or_else(|| panic!("no finding {name}"));
        let mut found = None;
        for step in &f.finding.explanation.steps {
            for b in &step.blocks {
                if let Block::Figure(fig) = b {
                    assert_eq!(step.depth, super::super::Depth::Solution);
                    assert!(found.is_none(), "one figure");
                    found = Some(fig.clone());
                }
            }
        }
        found
    }

    fn qs(s: &str) -> Q {
        Q::parse(s).unwrap()
    }

    /// A dense-relu-…-dense network, evaluated exactly by hand: layers of
    /// (weights, bias), relu between them.
    fn forward(layers: &[(&[&[&str]], &[&str])], x: &[Q]) -> Q {
        let mut v = x.to_vec();
        for (k, (w, b)) in layers.iter().enumerate() {
            if k > 0 {
                v = v.into_iter().map(|a| if a.is_negative() { Q::zero() } else { a }).collect();
            }
            v = w
                .iter()
                .zip(b.iter())
                .map(|(row, bi)| row.iter().zip(&v).fold(qs(bi), |acc, (wi, a)| &acc + &(&qs(wi) * a)))
                .collect();
        }
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    /// The network of problem set 3, questions 6 to 8.
    const SEED: &[(&[&[&str]], &[&str])] =
        &[(&[&["0.5"], &["0.5"]], &["0", "1"]), (&[&["1", "1"], &["1", "1"]], &["0", "0"]), (&[&["1", "1"]], &["1"])];
    const SEED_TEXT: &str = "problem q
  h = network (x: 1) {
    dense [[0.5], [0.5]] + [0, 1]
    relu
    dense [[1, 1], [1, 1]] + [0, 0]
    relu
    dense [[1, 1]] + 1
  }
";

    fn h(x: &Q) -> Q {
        forward(SEED, std::slice::from_ref(x))
    }

    /// Small enough that no breakpoint of the networks tested lies within
    /// it of the points tested.
    fn eps() -> Q {
        Q::new(1, 1000)
    }

    fn slope(a: &Point, b: &Point) -> Q {
        &(&b.1 - &a.1) / &(&b.0 - &a.0)
    }

    fn on_line(a: &Point, b: &Point, p: &Point) -> bool {
        &(&slope(a, b) * &(&p.0 - &a.0)) + &a.1 == p.1
    }

    fn lines(p: &Panel, role: Role) -> Vec<&Vec<Point>> {
        p.marks
            .iter()
            .filter_map(|m| match m {
                Mark::Line { points, role: r, .. } if *r == role => Some(points),
                _ => None,
            })
            .collect()
    }

    fn dots(p: &Panel) -> Vec<&Point> {
        p.marks.iter().filter_map(|m| if let Mark::Dot { at, .. } = m { Some(at) } else { None }).collect()
    }

    /// The graph, the rules and the point of a figure of the seed at x0.
    fn check_graph<'a>(f: &'a Figure, x0: &Q) -> &'a Panel {
        assert_eq!(f.panels.len(), 1);
        let p = &f.panels[0];
        let graph = lines(p, Role::Main);
        assert_eq!(graph.len(), 1);
        for (x, y) in graph[0] {
            assert_eq!(*y, h(x), "graph vertex at x = {x}");
        }
        assert!(p.x.lo < *x0 && *x0 < p.x.hi);
        // Both breakpoints of the seed are near every point tested: they
        // are rules, and vertices of the graph.
        let rules: Vec<&Q> =
            p.marks.iter().filter_map(|m| if let Mark::Rule { x, .. } = m { Some(x) } else { None }).collect();
        let (m2, zero) = (Q::from_int(-2), Q::zero());
        assert_eq!(rules, vec![&m2, &zero]);
        for b in rules {
            assert!(graph[0].iter().any(|v| &v.0 == b));
        }
        assert_eq!(dots(p), vec![&(x0.clone(), h(x0))]);
        p
    }

    #[test]
    fn the_pieces_line_passes_through_the_point_with_its_slope() {
        for (x0, text) in [("1", "1"), ("-1", "-1"), ("-1/2", "-0.5")] {
            let x0 = qs(x0);
            let f = figure_of(&format!("{SEED_TEXT}  find p = linear piece of h at x = {text}\n"), "p").unwrap();
            let p = check_graph(&f, &x0);
            let accent = lines(p, Role::Accent);
            assert_eq!(accent.len(), 1);
            assert!(lines(p, Role::Second).is_empty());
            let (a, b) = (&accent[0][0], &accent[0][1]);
            // The slope of h at x0, from the network itself.
            let e = eps();
            let derivative = &(&h(&(&x0 + &e)) - &h(&(&x0 - &e))) / &(&e * &Q::from_int(2));
            assert_eq!(slope(a, b), derivative);
            assert!(on_line(a, b, &(x0.clone(), h(&x0))));
            // Inside the picture.
            for (x, y) in [a, b] {
                assert!(&p.x.lo <= x && x <= &p.x.hi && &p.y.lo <= y && y <= &p.y.hi);
            }
        }
    }

    #[test]
    fn at_a_kink_the_two_lines_have_the_one_sided_slopes() {
        for x0 in ["0", "-2"] {
            let x0 = qs(x0);
            let f = figure_of(&format!("{SEED_TEXT}  find k = linear piece of h at x = {x0}\n"), "k").unwrap();
            let p = check_graph(&f, &x0);
            let (left, right) = (lines(p, Role::Accent), lines(p, Role::Second));
            assert_eq!((left.len(), right.len()), (1, 1));
            let e = eps();
            let y0 = h(&x0);
            let from_left = &(&y0 - &h(&(&x0 - &e))) / &e;
            let from_right = &(&h(&(&x0 + &e)) - &y0) / &e;
            assert_ne!(from_left, from_right);
            assert_eq!(slope(&left[0][0], &left[0][1]), from_left);
            assert_eq!(slope(&right[0][0], &right[0][1]), from_right);
            for l in [left[0], right[0]] {
                assert!(on_line(&l[0], &l[1], &(x0.clone(), y0.clone())));
            }
        }
    }

    /// Where p is against a counterclockwise convex polygon: 1 inside, 0
    /// on its boundary, -1 outside.
    fn locate(ps: &[Point], p: &Point) -> i32 {
        let sides: Vec<i32> = (0..ps.len())
            .map(|i| {
                let (a, b) = (&ps[i], &ps[(i + 1) % ps.len()]);
                (&(&(&b.0 - &a.0) * &(&p.1 - &a.1)) - &(&(&b.1 - &a.1) * &(&p.0 - &a.0))).signum()
            })
            .collect();
        if sides.iter().any(|s| *s < 0) {
            -1
        } else if sides.iter().all(|s| *s > 0) {
            1
        } else {
            0
        }
    }

    /// The regions of a figure of two inputs: they tile the square centred
    /// at the point, and are shaded exactly when the point is in their
    /// closure.
    fn check_regions<'a>(f: &'a Figure, x0: &Point) -> Vec<(&'a Vec<Point>, Role)> {
        let p = &f.panels[0];
        let regions: Vec<(&Vec<Point>, Role)> = p
            .marks
            .iter()
            .filter_map(|m| if let Mark::Region { points, role, .. } = m { Some((points, *role)) } else { None })
            .collect();
        assert!(!regions.is_empty());
        let side = &p.x.hi - &p.x.lo;
        assert_eq!(side, &p.y.hi - &p.y.lo);
        let two = Q::from_int(2);
        assert_eq!((&(&p.x.lo + &p.x.hi) / &two, &(&p.y.lo + &p.y.hi) / &two), x0.clone());
        let total = regions.iter().fold(Q::zero(), |acc, (ps, _)| {
            let a = plane::twice_area(ps);
            assert!(!a.is_negative() && !a.is_zero(), "counterclockwise, not flat");
            for (x, y) in ps.iter() {
                assert!(&p.x.lo <= x && x <= &p.x.hi && &p.y.lo <= y && y <= &p.y.hi);
            }
            &acc + &a
        });
        assert_eq!(total, &(&side * &side) * &two, "the regions tile the square");
        for (ps, role) in &regions {
            assert_eq!(*role == Role::Yes, locate(ps, x0) >= 0);
        }
        regions
    }

    #[test]
    fn the_points_region_holds_it_and_the_arrow_is_the_gradient() {
        let deep: &[(&[&[&str]], &[&str])] = &[
            (&[&["1", "2"], &["2", "-1"], &["1", "1"], &["3", "-2"]], &["0", "1", "-1", "2"]),
            (&[&["1", "-1", "1", "0"], &["2", "1", "-1", "1"]], &["0", "1"]),
            (&[&["1", "1"]], &["0"]),
        ];
        let text = "problem q
  w = network (x: 2) {
    dense [[1, 2], [2, -1], [1, 1], [3, -2]] + [0, 1, -1, 2]
    relu
    dense [[1, -1, 1, 0], [2, 1, -1, 1]] + [0, 1]
    relu
    dense [[1, 1]] + 0
  }
  find p = linear piece of w at x = [1, 1]
";
        let f = figure_of(text, "p").unwrap();
        let x0 = (Q::one(), Q::one());
        let regions = check_regions(&f, &x0);
        assert!(regions.len() > 2);
        let yes: Vec<_> = regions.iter().filter(|r| r.1 == Role::Yes).collect();
        assert_eq!(yes.len(), 1);
        assert_eq!(locate(yes[0].0, &x0), 1, "the point is inside its region");
        // The gradient, from the network: difference quotients.
        let e = eps();
        let w = |x: &Q, y: &Q| forward(deep, &[x.clone(), y.clone()]);
        let g0 = &(&w(&(&x0.0 + &e), &x0.1) - &w(&x0.0, &x0.1)) / &e;
        let g1 = &(&w(&x0.0, &(&x0.1 + &e)) - &w(&x0.0, &x0.1)) / &e;
        assert!(!(g0.is_zero() && g1.is_zero()));
        let arrows: Vec<(&Point, &Point)> = f.panels[0]
            .marks
            .iter()
            .filter_map(|m| if let Mark::Arrow { from, to, .. } = m { Some((from, to)) } else { None })
            .collect();
        assert_eq!(arrows.len(), 1);
        let (from, to) = arrows[0];
        assert_eq!(*from, x0);
        let (d0, d1) = (&to.0 - &from.0, &to.1 - &from.1);
        // Along the gradient: parallel, same direction.
        assert_eq!(&d0 * &g1, &d1 * &g0);
        assert!(!(&(&d0 * &g0) + &(&d1 * &g1)).is_negative());
        assert_eq!(dots(&f.panels[0]), vec![&x0]);
    }

    #[test]
    fn at_a_corner_every_touching_region_is_shaded_and_there_is_no_arrow() {
        let text = "problem q
  a = network (x: 2) { abs; dense [[1, 1]] }
  find corner = linear piece of a at x = [0, 0]
";
        let f = figure_of(text, "corner").unwrap();
        let x0 = (Q::zero(), Q::zero());
        let regions = check_regions(&f, &x0);
        assert_eq!(regions.len(), 4);
        assert!(regions.iter().all(|r| r.1 == Role::Yes && locate(r.0, &x0) == 0));
        assert!(!f.panels[0].marks.iter().any(|m| matches!(m, Mark::Arrow { .. })));
    }

    #[test]
    fn no_figure_for_three_inputs_or_symbolic_weights() {
        let text = "problem q
  g = network (x: 3) { dense [[1, 1, 1]] + 0; relu }
  find p = linear piece of g at x = [1, 1, 1]
  s = network (x: 1) { dense [[1], [1]] + [0, -1]; relu; dense [[a, b]] + c }
  find q = linear piece of s at x = 3
";
        assert!(figure_of(text, "p").is_none());
        assert!(figure_of(text, "q").is_none());
    }
}
