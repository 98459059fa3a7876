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

use crate::algebra::print::{self, Notation};
use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring, Symbol};
use crate::model::{Concrete, Layer, PieceQuery, Value, compare};

use super::{Finding, Step};

/// Vectors are shown entry by entry up to this many units.
const SHOWN_UNITS: usize = 16;
/// Largest input dimension for the orthant comparison (2^d walks).
const MAX_ORTHANT_DIM: usize = 6;
/// Most cones the sweep around a point of two inputs goes through.
const MAX_CONES: usize = 100_000;

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
                let mut tied = Vec::new();
                let mut flat = Vec::new();
                for (j, z) in values.iter().enumerate() {
                    let Some(zq) = z.as_constant() else {
                        if !bends {
                            slopes.push(int(1));
                            signs.push(0);
                            continue;
                        }
                        return Err(format!(
                            "the sign of {input}[{j}] at the point, `{}`, depends on the symbols: nnkey cannot \
                             tell which side of the kink the unit is on",
                            z.print(ring, Notation::Plain)
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
                    tied,
                    flat,
                    m: m.clone(),
                    c: c.clone(),
                });
            }
        }
    }
    Ok(Walk { layers })
}

/// Names of each layer's output, in both notations: `z1` after the first
/// dense layer, `a1` after the activation on it (`a1'` after a second one).
pub fn layer_names(net: &Concrete) -> (Vec<String>, Vec<String>) {
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    let mut dense = 0;
    let mut primes = 0;
    for l in &net.layers {
        match l {
            Layer::Dense(_) => {
                dense += 1;
                primes = 0;
                plain.push(format!("z{dense}"));
                latex.push(format!("z^{{({dense})}}"));
            }
            Layer::Activation { .. } => {
                let p = "'".repeat(primes);
                plain.push(format!("a{dense}{p}"));
                latex.push(format!("a^{{({dense})}}{}", if primes > 0 { format!("{{{p}}}") } else { String::new() }));
                primes += 1;
            }
        }
    }
    (plain, latex)
}

/// The name of each layer's input: the network's input, then the outputs
/// of the layers before.
pub fn input_labels(net: &Concrete, input: &str) -> Vec<String> {
    let (names, _) = layer_names(net);
    std::iter::once(input.to_string()).chain(names).take(net.layers.len()).collect()
}

/// A vector as a value: a scalar for one entry.
fn vector(entries: &[RatFunc]) -> Value {
    if entries.len() == 1 { Value::Scalar(entries[0].clone()) } else { Value::Matrix(Matrix::column(entries.to_vec())) }
}

/// A matrix as a value: a scalar when 1×1.
fn matrix(m: &Matrix<RatFunc>) -> Value {
    if m.shape() == (1, 1) { Value::Scalar(m.get(0, 0).clone()) } else { Value::Matrix(m.clone()) }
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

/// `m x + c` as a vector of affine expressions in the input.
fn as_map(m: &Matrix<RatFunc>, c: &[RatFunc], xs: &[Poly]) -> Value {
    let xs: Vec<RatFunc> = xs.iter().map(|p| RatFunc::from(p.clone())).collect();
    let entries: Vec<RatFunc> = (0..m.rows()).map(|r| &dot(m.row(r), &xs) + &c[r]).collect();
    vector(&entries)
}

/// The record of a piece: `{ W, b }`, with the gradient when asked.
fn piece_value(w: &Matrix<RatFunc>, b: &[RatFunc], gradient: bool) -> Value {
    let mut fields = vec![("W", matrix(w)), ("b", vector(b))];
    if gradient {
        let g = if w.rows() == 1 { matrix(&w.transpose()) } else { matrix(w) };
        fields.push(("gradient", g));
    }
    Value::record(fields)
}

/// What the analysis finds at the point.
enum Outcome {
    /// One affine map on a neighbourhood (perhaps across a boundary whose
    /// pieces agree; the note says so).
    Smooth { walk: Walk, note: Option<String> },
    /// One input, a kink: the pieces on the left and on the right.
    Kink1 { left: Walk, right: Walk },
    /// Several inputs, not differentiable: two neighbouring pieces that
    /// differ, and why.
    KinkN { a: Walk, b: Walk, why: String },
}

fn e(d: usize, k: usize, sign: i64) -> Vec<RatFunc> {
    (0..d).map(|i| if i == k { int(sign) } else { zero() }).collect()
}

fn units_text(units: &[usize], name: &str) -> String {
    let items: Vec<String> = units.iter().map(|j| format!("{name}[{j}]")).collect();
    items.join(", ")
}

/// Decides what the network does around the point.
fn analyse(net: &Concrete, inputs: &[String], x0: &[RatFunc], base: Walk, ring: &Ring) -> Result<Outcome, String> {
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
            let note = format!(
                "{tied_text} {} exactly 0 at the point, but the pieces on the left and on the right are the same \
                 affine map, so the network is differentiable here.",
                if ties.len() == 1 { "is" } else { "are" }
            );
            return Ok(Outcome::Smooth { walk: right, note: Some(note) });
        }
        if wl.entries().iter().zip(wr.entries()).any(|(a, b)| (a - b).as_constant().is_none()) {
            let show = |m: &Matrix<RatFunc>| matrix(m).print(ring, Notation::Plain);
            return Err(format!(
                "{tied_text} is 0 at the point, so it may be a kink: the one-sided derivatives are {} (left) and {} \
                 (right), which agree only for some values of the symbols",
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
        let note = format!(
            "{tied_text} {} exactly 0 at the point, but constantly 0 nearby (the gradient of each is 0), so no \
             boundary passes through the point.",
            if ties.len() == 1 { "is" } else { "are" }
        );
        return Ok(Outcome::Smooth { walk: w, note: Some(note) });
    };
    if ties.iter().all(|t| t.0 <= first) {
        return single_layer(net, inputs, x0, &base, ring, first, &tied_text);
    }
    if d == 2 {
        return sweep(net, inputs, x0, &base, &tied_text, ring);
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
    let Some(k) = (0..n).find(|&k| sectors[k].2 != sectors[(k + 1) % n].2) else {
        let dirs: Vec<Vec<RatFunc>> = (0..2).map(|k| e(2, k, 1)).collect();
        let w = walk(net, inputs, x0, &dirs, ring)?;
        let note = format!(
            "{tied_text} are exactly 0 at the point, so boundaries pass through it, but sweeping all directions \
             around it ({} cones) finds the same linear part in every one: the network is differentiable here.",
            n
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
    let edge = &sectors[k].1;
    let why = format!(
        "{tied_text} are 0, in several layers; sweeping the directions around the point, the linear part changes \
         across the direction [{}, {}]",
        edge[0], edge[1]
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
    tied_text: &str,
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
        let note = format!(
            "{tied_text} {} exactly 0 at the point, so boundaries pass through it, but the bends cancel in the \
             output: every neighbouring region has the same affine map, and the network is differentiable here.",
            if layer.tied.len() == 1 { "is" } else { "are" }
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
    let plane: Vec<String> = normal.iter().map(|q| q.to_string()).collect();
    let why = format!(
        "{tied_text} {} exactly 0 at the point; the units of the hyperplane with normal [{}] through it bend the \
         output, and the bends do not cancel, so the regions on its two sides have different linear parts",
        if layer.tied.len() == 1 { "is" } else { "are" },
        plane.join(", ")
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
                let why = format!(
                    "{tied_text} are 0 at the point, in several layers; two neighbouring regions (found by \
                     stepping off the point along different orthants) have different linear parts"
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

struct Printer<'a> {
    ring: &'a Ring,
    xs: Vec<Poly>,
    names: Vec<String>,
    lnames: Vec<String>,
    input: String,
}

impl Printer<'_> {
    fn plain(&self, v: &Value) -> String {
        v.print(self.ring, Notation::Plain)
    }
    fn latex(&self, v: &Value) -> String {
        v.print(self.ring, Notation::Latex)
    }
    fn input_of(&self, position: usize) -> (String, String) {
        if position == 0 {
            (self.input.clone(), print::latex_name(&self.input))
        } else {
            (self.names[position - 1].clone(), self.lnames[position - 1].clone())
        }
    }
}

/// How a unit of this sign behaves, for the text.
fn slope_word(alpha: &RatFunc, ring: &Ring) -> String {
    match alpha.as_constant() {
        Some(a) if a.is_zero() => "off (slope 0)".into(),
        Some(a) if a == Q::from_int(-1) => "flipped (slope -1)".into(),
        _ => format!("scaled (slope {})", alpha.print(ring, Notation::Plain)),
    }
}

/// The layer-by-layer steps of a walk; maps are shown when `maps` is set.
fn layer_steps(net: &Concrete, w: &Walk, x0: &[RatFunc], p: &Printer, maps: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let d = net.input_dim;
    let small_input = d <= 4;
    for (position, (layer, wl)) in net.layers.iter().zip(&w.layers).enumerate() {
        let (name, lname) = (&p.names[position], &p.lnames[position]);
        let (inp, linp) = p.input_of(position);
        let width = wl.values.len();
        let shown = width <= SHOWN_UNITS;
        let map_text = |plain: &mut String, latex: &mut String| {
            if maps && shown && small_input {
                let v = as_map(&wl.m, &wl.c, &p.xs);
                plain.push_str(&format!("\nnear the point, as a map of {}: {name} = {}", p.input, p.plain(&v)));
                latex.push_str(&format!(" \\quad \\text{{near the point: }} {lname} = {}", p.latex(&v)));
            }
        };
        match layer {
            Layer::Dense(dl) => {
                let k = dl.index;
                let text = format!("Dense layer {k}: {name} = W{k} {inp} + b{k}, {}.", super::count(width, "unit"));
                if shown {
                    let v = vector(&wl.values);
                    let before = if position == 0 { vector(x0) } else { vector(&w.layers[position - 1].values) };
                    let (wv, bv) = (matrix(&dl.weight), vector(&dl.bias));
                    let (mut plain, mut latex) = if dl.weight.rows() * dl.weight.cols() <= SHOWN_UNITS {
                        (
                            format!(
                                "{name} = {}·{} + {} = {}",
                                weight_text(&dl.weight, p),
                                factor(&p.plain(&before)),
                                p.plain(&bv),
                                p.plain(&v)
                            ),
                            format!(
                                "{lname} = W^{{({k})}} {linp} + b^{{({k})}} = {} {} + {} = {}",
                                p.latex(&wv),
                                latex_factor(&p.latex(&before)),
                                p.latex(&bv),
                                p.latex(&v)
                            ),
                        )
                    } else {
                        (
                            format!("{name} = {}", p.plain(&v)),
                            format!("{lname} = W^{{({k})}} {linp} + b^{{({k})}} = {}", p.latex(&v)),
                        )
                    };
                    if maps {
                        map_text(&mut plain, &mut latex);
                    }
                    steps.push(Step::math(text, plain, latex));
                } else {
                    steps.push(Step::text(text));
                }
            }
            Layer::Activation { activation, .. } => {
                let slopes = wl.slopes.as_deref().unwrap_or(&[]);
                let word = activation.word();
                if !activation.has_kink() {
                    steps.push(Step::text(format!("{word} on {inp}: every unit passes unchanged (slope 1).")));
                    continue;
                }
                let alpha = activation.negative_slope();
                let pos: Vec<usize> = (0..width).filter(|&j| wl.signs[j] > 0).collect();
                let neg: Vec<usize> = (0..width).filter(|&j| wl.signs[j] < 0).collect();
                let at0: Vec<usize> = (0..width).filter(|&j| wl.signs[j] == 0).collect();
                let mut parts = Vec::new();
                let list =
                    |units: &[usize]| if shown { units_text(units, &inp) } else { super::count(units.len(), "unit") };
                if !pos.is_empty() {
                    parts.push(format!("{} > 0: on (slope 1)", list(&pos)));
                }
                if !neg.is_empty() {
                    parts.push(format!("{} < 0: {}", list(&neg), slope_word(&alpha, p.ring)));
                }
                if !at0.is_empty() {
                    parts.push(format!("{} = 0: at the kink", list(&at0)));
                }
                let text = format!("{word} on {inp}: {}.", parts.join("; "));
                if shown {
                    let v = vector(&wl.values);
                    let (mut plain, mut latex) = if at0.is_empty() {
                        let pattern = vector(slopes);
                        (
                            format!("slopes {} (the activation pattern), {name} = {}", p.plain(&pattern), p.plain(&v)),
                            format!("\\text{{slopes }} {},\\quad {lname} = {}", p.latex(&pattern), p.latex(&v)),
                        )
                    } else {
                        (format!("{name} = {}", p.plain(&v)), format!("{lname} = {}", p.latex(&v)))
                    };
                    if at0.is_empty() {
                        map_text(&mut plain, &mut latex);
                    }
                    steps.push(Step::math(text, plain, latex));
                } else {
                    steps.push(Step::text(text));
                }
            }
        }
    }
    steps
}

fn point_text(x0: &[RatFunc], p: &Printer) -> (String, String) {
    let v = vector(x0);
    (p.plain(&v), p.latex(&v))
}

/// A value as a factor: `(-1)` rather than `-1` after `W·`.
fn factor(t: &str) -> String {
    if t.starts_with('[') || t.chars().all(|c| c.is_ascii_digit()) { t.to_string() } else { format!("({t})") }
}

/// The same in LaTeX: `\left(-2\right)`.
fn latex_factor(t: &str) -> String {
    if t.starts_with("\\begin") || t.chars().all(|c| c.is_ascii_digit()) {
        t.to_string()
    } else {
        format!("\\left({t}\\right)")
    }
}

/// A weight in the plain notation, always as rows: `[[1/2], [1/2]]` (a
/// bare list would read as a vector).
fn weight_text(w: &Matrix<RatFunc>, p: &Printer) -> String {
    let rows: Vec<String> = (0..w.rows())
        .map(|r| {
            let items: Vec<String> = w.row(r).iter().map(|e| e.print(p.ring, Notation::Plain)).collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

/// The conclusion for one affine piece: W, b, the check, the gradient.
fn piece_steps(net: &Concrete, w: &Walk, x0: &[RatFunc], hname: &str, p: &Printer) -> Vec<Step> {
    let (wm, b) = (w.w(net), w.b(net));
    let out = vector(&w.layers.last().map_or_else(|| x0.to_vec(), |l| l.values.clone()));
    let (xt, xl) = point_text(x0, p);
    let xf = factor(&xt);
    let lh = print::latex_name(hname);
    let (wv, bv) = (matrix(&wm), vector(&b));
    let mut steps = vec![Step::math(
        format!(
            "Composing the layers with each unit's slope fixed gives one affine map on the region: W is the \
             product of the weights and the slopes, b collects the biases. Check at the point: W·{xf} + b = {}, \
             which is {hname}({xt}).",
            p.plain(&out)
        ),
        format!("W = {}, b = {}", p.plain(&wv), p.plain(&bv)),
        format!(
            "W = {},\\quad b = {},\\quad W {} + b = {} = {lh}({xl})",
            p.latex(&wv),
            p.latex(&bv),
            latex_factor(&xl),
            p.latex(&out)
        ),
    )];
    let (gtext, gp, gl) = if wm.rows() == 1 && wm.cols() == 1 {
        (
            format!("The derivative is the slope of the piece: d{hname}/d{} = W.", p.input),
            format!("d{hname}/d{} = {}", p.input, p.plain(&wv)),
            format!("\\frac{{d{lh}}}{{d{}}} = {}", print::latex_name(&p.input), p.latex(&wv)),
        )
    } else if wm.rows() == 1 {
        let g = matrix(&wm.transpose());
        (
            format!("The gradient of {hname} is W transposed, a column: gradient = Wᵀ."),
            format!("gradient = {}", p.plain(&g)),
            format!("\\nabla {lh} = W^{{T}} = {}", p.latex(&g)),
        )
    } else {
        (
            "With several outputs the derivative is the Jacobian, which is W.".to_string(),
            format!("J = {}", p.plain(&wv)),
            format!("J = W = {}", p.latex(&wv)),
        )
    };
    steps.push(Step::math(gtext, gp, gl));
    steps
}

/// Which way each tied unit goes on one side, for the text.
fn side_text(net: &Concrete, w: &Walk, p: &Printer) -> String {
    let mut parts = Vec::new();
    for (position, (layer, wl)) in net.layers.iter().zip(&w.layers).enumerate() {
        if !wl.tied.is_empty()
            && let (Layer::Activation { activation, .. }, Some(slopes)) = (layer, &wl.slopes)
        {
            let (inp, _) = p.input_of(position);
            for (j, _) in &wl.tied {
                if wl.flat.contains(j) {
                    parts.push(format!("{inp}[{j}] stays 0 (its slope does not matter)"));
                    continue;
                }
                let s = &slopes[*j];
                let on = s.as_constant().is_some_and(|q| q.is_one());
                let how =
                    if on { "on (slope 1)".to_string() } else { slope_word(&activation.negative_slope(), p.ring) };
                parts.push(format!("{inp}[{j}] {how}"));
            }
        }
    }
    parts.join(", ")
}

/// Derives the piece at the point.
pub fn derive(q: &PieceQuery, ring: &Ring) -> Result<(Value, Vec<Step>), String> {
    let net = &q.net;
    let (names, lnames) = layer_names(net);
    let p = Printer { ring, xs: input_polys(q, ring), names: names.clone(), lnames, input: q.input.clone() };
    let inputs = input_labels(net, &q.input);
    let base = walk(net, &inputs, &q.point, &[], ring)?;
    let (xt, _) = point_text(&q.point, &p);
    let hname = &q.network;
    let mut steps = vec![Step::text(format!(
        "{hname} maps {} ∈ R^{} to R^{} through {}. Follow {} = {xt} layer by layer: on the region that \
         contains the point every unit keeps its sign, so each activation multiplies each unit by a fixed slope.",
        q.input,
        net.input_dim,
        net.output_dim(),
        net.outline(),
        q.input
    ))];
    let outcome = analyse(net, &inputs, &q.point, base.clone(), ring)?;
    match outcome {
        Outcome::Smooth { walk: w, note } => {
            let clean = note.is_none();
            steps.extend(layer_steps(net, if clean { &w } else { &base }, &q.point, &p, clean));
            if let Some(n) = note {
                steps.push(Step::text(n));
            }
            steps.extend(piece_steps(net, &w, &q.point, hname, &p));
            Ok((piece_value(&w.w(net), &w.b(net), true), steps))
        }
        Outcome::Kink1 { left, right } => {
            steps.extend(layer_steps(net, &base, &q.point, &p, false));
            let x = &q.input;
            let side = |w: &Walk, which: &str, dir: &str| -> Step {
                let (wm, b) = (matrix(&w.w(net)), vector(&w.b(net)));
                let map = as_map(&w.w(net), &w.b(net), &p.xs);
                Step::math(
                    format!(
                        "Just {which} the point ({x} = {xt} {dir} a small step): {}. The piece there:",
                        side_text(net, w, &p)
                    ),
                    format!("W = {}, b = {}: {hname} = {}", p.plain(&wm), p.plain(&b), p.plain(&map)),
                    format!(
                        "W = {},\\quad b = {},\\quad {} = {}",
                        p.latex(&wm),
                        p.latex(&b),
                        print::latex_name(hname),
                        p.latex(&map)
                    ),
                )
            };
            steps.push(Step::text(format!(
                "A unit at exactly 0 sits on its kink: the point is on a boundary between regions. On each \
                 side the unit takes the sign of its slope in {x} (units further on are decided the same way)."
            )));
            steps.push(side(&left, "left of", "minus"));
            steps.push(side(&right, "right of", "plus"));
            let (wl, wr) = (matrix(&left.w(net)), matrix(&right.w(net)));
            let lh = print::latex_name(hname);
            let lx = print::latex_name(x);
            steps.push(Step::math(
                format!(
                    "The one-sided derivatives differ, so {hname} is not differentiable at {x} = {xt}: it has no \
                     gradient there (gradient: undefined). Both pieces pass through the point."
                ),
                format!("{hname}'({xt}-) = {}, {hname}'({xt}+) = {}", p.plain(&wl), p.plain(&wr)),
                format!(
                    "{lh}'({xt}^-) = {},\\quad {lh}'({xt}^+) = {}\\quad (\\text{{at }} {lx} = {xt})",
                    p.latex(&wl),
                    p.latex(&wr)
                ),
            ));
            let value = Value::record(vec![
                ("gradient", Value::Word("undefined".into())),
                ("left", piece_value(&left.w(net), &left.b(net), false)),
                ("right", piece_value(&right.w(net), &right.b(net), false)),
            ]);
            Ok((value, steps))
        }
        Outcome::KinkN { a, b, why } => {
            steps.extend(layer_steps(net, &base, &q.point, &p, false));
            let (wa, wb) = (matrix(&a.w(net)), matrix(&b.w(net)));
            steps.push(Step::math(
                format!(
                    "At the point, {why}. Two regions that touch the point have these linear parts; a gradient at \
                     the point would have to equal both, so {hname} is not differentiable there (gradient: undefined)."
                ),
                format!("W = {} on one side, W = {} on the other", p.plain(&wa), p.plain(&wb)),
                format!("W = {} \\quad\\text{{and}}\\quad W = {}", p.latex(&wa), p.latex(&wb)),
            ));
            Ok((Value::record(vec![("gradient", Value::Word("undefined".into()))]), steps))
        }
    }
}

/// Judges a key: a kink and a gradient are told apart before the fields
/// are compared, so the message says what is wrong.
pub fn judge(finding: &Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let undefined = |v: Option<&Value>| matches!(v, Some(Value::Word(w)) if w == "undefined");
    let derived = undefined(finding.value.field("gradient"));
    let stated = key.field("gradient");
    if derived && stated.is_some() && !undefined(stated) {
        return Err(format!(
            "the network is not differentiable at this point (a unit is at its kink and the pieces around it \
             differ), so it has no gradient; nnkey derives {}",
            finding.value.print(ring, Notation::Plain)
        ));
    }
    if !derived && undefined(stated) {
        return Err(format!(
            "the network is differentiable at this point; nnkey derives {}",
            finding.value.print(ring, Notation::Plain)
        ));
    }
    compare(key, &finding.value, ring)
}
