//! Numeric cross-checks of linear pieces: the network is evaluated forward
//! in floating point (ndarray) with its own weights, independently of the
//! derivation, and compared with the affine maps it found.
//!
//! - A piece W x + b is compared with forward passes at the point and at
//!   random points near it that have the point's activation pattern
//!   (found numerically), W with central finite differences, and the
//!   gradient with W (transposed for one output).
//! - A kink of one input: each side's piece is compared with forward
//!   passes just beside the point and with one-sided differences.
//! - A kink of several inputs: both neighbouring pieces must take the
//!   network's value at the point, the one-sided derivatives along each
//!   axis must match one-sided finite differences, and some direction v
//!   must show a nonzero second difference h(x+εv) + h(x−εv) − 2h(x),
//!   which an affine function never has.
//! - All pieces of a network of one input: forward passes at random points
//!   inside every interval, beyond the outermost breakpoints, and at each
//!   breakpoint, where one-sided differences must give the two pieces'
//!   slopes.
//!
//! Symbols in the weights get random small integer values. Tolerances are
//! relative to the size of the values: 1e-9 for forward passes, 1e-5 for
//! differences (with steps of about 1e-6).

use ndarray::{Array1, Array2};

use crate::algebra::{Matrix, RatFunc, Ring, Var};
use crate::derive::CrossCheck;
use crate::derive::piece::{self, PieceAnswer, PieceKind};
use crate::derive::pieces::PiecesAnswer;
use crate::model::{Concrete, Layer, PieceQuery, PiecesQuery};

use super::rng::Rng;

/// Tolerance of a forward pass against an affine map, relative to scale.
pub const FORWARD_TOLERANCE: f64 = 1e-9;
/// Tolerance of a finite difference against a slope, relative to scale.
pub const DIFFERENCE_TOLERANCE: f64 = 1e-5;

enum FLayer {
    Dense {
        w: Array2<f64>,
        b: Array1<f64>,
    },
    /// Slope below 0 (1 above); `bends` is false when it is 1.
    Activation {
        alpha: f64,
        bends: bool,
    },
}

/// The network in floating point.
pub(super) struct FNet {
    layers: Vec<FLayer>,
}

impl FNet {
    pub(super) fn new(net: &Concrete, value: &impl Fn(Var) -> f64) -> FNet {
        let layers = net
            .layers
            .iter()
            .map(|l| match l {
                Layer::Dense(d) => {
                    let (r, c) = d.weight.shape();
                    FLayer::Dense {
                        w: Array2::from_shape_fn((r, c), |(i, j)| d.weight.get(i, j).eval_f64(value)),
                        b: Array1::from_iter(d.bias.iter().map(|e| e.eval_f64(value))),
                    }
                }
                Layer::Activation { activation, .. } => FLayer::Activation {
                    alpha: activation.negative_slope().eval_f64(value),
                    bends: activation.has_kink(),
                },
            })
            .collect();
        FNet { layers }
    }

    /// The output at `x`, and the signs of every bending unit's input
    /// (0 when it is within rounding of 0).
    pub(super) fn run(&self, x: &Array1<f64>) -> (Array1<f64>, Vec<i8>) {
        let mut v = x.clone();
        let mut signs = Vec::new();
        for l in &self.layers {
            match l {
                FLayer::Dense { w, b } => v = w.dot(&v) + b,
                FLayer::Activation { alpha, bends } => {
                    let scale = v.iter().fold(1.0f64, |m, z| m.max(z.abs()));
                    for z in v.iter_mut() {
                        if *bends {
                            signs.push(if z.abs() <= 1e-12 * scale {
                                0
                            } else if *z > 0.0 {
                                1
                            } else {
                                -1
                            });
                        }
                        if *z < 0.0 {
                            *z *= alpha;
                        }
                    }
                }
            }
        }
        (v, signs)
    }

    /// Multiplications in one forward pass.
    pub(super) fn cost(&self) -> usize {
        self.layers.iter().map(|l| if let FLayer::Dense { w, .. } = l { w.len() } else { 0 }).sum::<usize>().max(1)
    }

    pub(super) fn eval(&self, x: &Array1<f64>) -> Array1<f64> {
        self.run(x).0
    }
}

fn random_values(ring: &Ring, rng: &mut Rng) -> Vec<f64> {
    (0..ring.len()).map(|_| rng.small()).collect()
}

fn scale_of(a: &Array1<f64>) -> f64 {
    a.iter().fold(1.0f64, |m, v| m.max(v.abs()))
}

/// Largest difference relative to the size of the values.
fn gap(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let scale = scale_of(a).max(scale_of(b));
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// An affine map W x + b in floating point.
struct Affine {
    w: Array2<f64>,
    b: Array1<f64>,
}

fn matrix_f64(m: &Matrix<RatFunc>, value: &impl Fn(Var) -> f64) -> Array2<f64> {
    Array2::from_shape_fn(m.shape(), |(i, j)| m.get(i, j).eval_f64(value))
}

impl Affine {
    fn new(a: &piece::Affine, value: &impl Fn(Var) -> f64) -> Affine {
        Affine { w: matrix_f64(&a.w, value), b: Array1::from_iter(a.b.iter().map(|e| e.eval_f64(value))) }
    }

    fn at(&self, x: &Array1<f64>) -> Array1<f64> {
        self.w.dot(x) + &self.b
    }
}

/// Tallies comparisons: how many, the worst relative difference seen for
/// forward passes and for differences.
#[derive(Default)]
struct Tally {
    trials: usize,
    forward: f64,
    difference: f64,
    notes: Vec<String>,
}

impl Tally {
    fn forward(&mut self, a: &Array1<f64>, b: &Array1<f64>) {
        self.trials += 1;
        self.forward = self.forward.max(gap(a, b));
    }
    fn difference(&mut self, a: &Array1<f64>, b: &Array1<f64>) {
        self.trials += 1;
        self.difference = self.difference.max(gap(a, b));
    }
    fn passed(&self) -> bool {
        self.forward <= FORWARD_TOLERANCE && self.difference <= DIFFERENCE_TOLERANCE && self.notes.is_empty()
    }
    fn detail(&self) -> String {
        let mut d = format!(
            "largest relative difference {:.1e} for forward passes (tolerance {FORWARD_TOLERANCE:.0e}), {:.1e} for \
             finite differences (tolerance {DIFFERENCE_TOLERANCE:.0e})",
            self.forward, self.difference
        );
        for n in &self.notes {
            d.push_str("; ");
            d.push_str(n);
        }
        d
    }
}

fn unit(d: usize, k: usize) -> Array1<f64> {
    Array1::from_shape_fn(d, |i| if i == k { 1.0 } else { 0.0 })
}

fn random_direction(d: usize, rng: &mut Rng) -> Array1<f64> {
    let v = Array1::from_shape_fn(d, |_| rng.unit() * 2.0 - 1.0);
    let n = v.dot(&v).sqrt();
    if n < 1e-3 { unit(d, 0) } else { v / n }
}

/// Cross-checks the piece of a network at a point.
pub fn check_piece(q: &PieceQuery, a: &PieceAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let mut rng = Rng::new(seed);
    let values = random_values(ring, &mut rng);
    let value = |var: Var| values.get(var.index()).copied().unwrap_or(0.0);
    let net = FNet::new(&q.net, &value);
    let d = q.net.input_dim;
    let x0 = Array1::from_iter(q.point.iter().map(|e| e.eval_f64(&value)));
    let size = 1.0 + x0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (h0, pattern) = net.run(&x0);
    let mut t = Tally::default();
    let method;
    if a.point.len() != d {
        return malformed();
    }
    match &a.kind {
        PieceKind::Smooth { region, gradient } => {
            let piece = Affine::new(&region.piece, &value);
            method = "W·x + b against forward passes (ndarray) at the point and at random nearby points with the same \
                  activation pattern; W against central finite differences, and the gradient against W"
                .to_string();
            let w = &region.piece.w;
            let expected = if w.rows() == 1 { w.transpose() } else { w.clone() };
            if *gradient != expected {
                t.notes.push("the gradient is not W (transposed for one output)".into());
            }
            t.forward(&h0, &piece.at(&x0));
            let tied = pattern.contains(&0);
            let mut sampled = 0;
            for _ in 0..8 {
                let u = random_direction(d, &mut rng);
                let mut r = 0.1 * size;
                while r > 1e-9 * size {
                    let p = &x0 + &(&u * r);
                    let (hp, pp) = net.run(&p);
                    // Beside a tie the pattern differs, but every neighbouring
                    // piece is this one; elsewhere stay in the point's region.
                    if (tied && r <= 1e-6 * size) || (!tied && pp == pattern) {
                        t.forward(&hp, &piece.at(&p));
                        sampled += 1;
                        break;
                    }
                    r /= 10.0;
                }
            }
            if sampled == 0 {
                t.notes.push("no nearby point shares the point's activation pattern".into());
            }
            for k in 0..d {
                // A step that stays in the point's region (beside a tie, every
                // neighbouring region has this piece).
                let mut eps = 1e-6 * size;
                while !tied && eps > 1e-10 * size {
                    let e = unit(d, k) * eps;
                    if net.run(&(&x0 + &e)).1 == pattern && net.run(&(&x0 - &e)).1 == pattern {
                        break;
                    }
                    eps /= 10.0;
                }
                let e = unit(d, k) * eps;
                let fd = (net.eval(&(&x0 + &e)) - net.eval(&(&x0 - &e))) / (2.0 * eps);
                t.difference(&fd, &piece.w.column(k).to_owned());
            }
        }
        PieceKind::Kink { left, right } => {
            if d != 1 {
                return malformed();
            }
            method = "each side's piece against forward passes just left and right of the point (ndarray), and its \
                  slope against one-sided finite differences"
                .to_string();
            let (l, r) = (Affine::new(&left.piece, &value), Affine::new(&right.piece, &value));
            t.forward(&h0, &l.at(&x0));
            t.forward(&h0, &r.at(&x0));
            let eps = 1e-7 * size;
            for k in 1..=4 {
                let step = Array1::from_elem(1, eps * k as f64);
                t.forward(&net.eval(&(&x0 - &step)), &l.at(&(&x0 - &step)));
                t.forward(&net.eval(&(&x0 + &step)), &r.at(&(&x0 + &step)));
            }
            let step = Array1::from_elem(1, eps);
            let left_fd = (&h0 - &net.eval(&(&x0 - &step))) / eps;
            let right_fd = (net.eval(&(&x0 + &step)) - &h0) / eps;
            t.difference(&left_fd, &l.w.column(0).to_owned());
            t.difference(&right_fd, &r.w.column(0).to_owned());
        }
        PieceKind::Bent { regions, forward, backward } => {
            method = "both neighbouring pieces against a forward pass at the point; the one-sided derivatives along \
                  each axis against one-sided finite differences (h(x+εe_k) − h(x))/ε and (h(x) − h(x−εe_k))/ε; and \
                  second differences h(x+εv) + h(x−εv) − 2h(x) along random directions v (ndarray): an affine \
                  function has none, so one clearly nonzero shows the kink"
                .to_string();
            for r in regions.iter() {
                t.forward(&h0, &Affine::new(&r.piece, &value).at(&x0));
            }
            // Shaped like the gradient: a column for one output.
            let (fw, bw) = (matrix_f64(forward, &value), matrix_f64(backward, &value));
            let column = |m: &Array2<f64>, k: usize| {
                if m.ncols() == 1 && m.nrows() == d && d > 1 { m.row(k).to_owned() } else { m.column(k).to_owned() }
            };
            if fw.shape() != bw.shape() || !(fw.shape() == [d, 1] || fw.ncols() == d) {
                return malformed();
            }
            let step = 1e-7 * size;
            for k in 0..d {
                let e = unit(d, k) * step;
                let ahead = (net.eval(&(&x0 + &e)) - &h0) / step;
                let behind = (&h0 - &net.eval(&(&x0 - &e))) / step;
                t.difference(&ahead, &column(&fw, k));
                t.difference(&behind, &column(&bw, k));
            }
            let eps = 1e-6 * size;
            let mut largest = 0.0f64;
            for _ in 0..32 {
                let u = random_direction(d, &mut rng) * eps;
                let s = net.eval(&(&x0 + &u)) + net.eval(&(&x0 - &u)) - &h0 * 2.0;
                t.trials += 1;
                let rel = s.iter().fold(0.0f64, |m, v| m.max(v.abs())) / (eps * scale_of(&h0));
                largest = largest.max(rel);
            }
            let passed = largest > 1e-4 && t.passed();
            return CrossCheck {
                unchecked: false,
                method,
                trials: t.trials,
                passed,
                detail: format!(
                    "largest second difference {largest:.1e} times ε·|h| (a kink shows above 1e-4); {}",
                    t.detail()
                ),
            };
        }
    }
    CrossCheck { unchecked: false, method, trials: t.trials, passed: t.passed(), detail: t.detail() }
}

fn malformed() -> CrossCheck {
    CrossCheck {
        unchecked: false,
        method: "no numeric check applies".into(),
        trials: 0,
        passed: false,
        detail: "the answer has an unexpected form (its sizes do not match the network)".into(),
    }
}

/// Cross-checks every piece of a network of one input.
pub fn check_pieces(q: &PiecesQuery, a: &PiecesAnswer, ring: &Ring, seed: u64) -> CrossCheck {
    let mut rng = Rng::new(seed);
    let values = random_values(ring, &mut rng);
    let value = |var: Var| values.get(var.index()).copied().unwrap_or(0.0);
    let net = FNet::new(&q.net, &value);
    let breaks: Vec<f64> = a.breakpoints.iter().map(|t| t.to_f64()).collect();
    let outputs = q.net.output_dim();
    if a.pieces.len() != breaks.len() + 1 || a.pieces.iter().any(|p| p.len() != outputs) {
        return malformed();
    }
    let piece_at = |k: usize, t: f64| -> Array1<f64> {
        Array1::from_iter(a.pieces[k].iter().map(|l| l.slope.to_f64() * t + l.intercept.to_f64()))
    };
    let slope = |k: usize| Array1::from_iter(a.pieces[k].iter().map(|l| l.slope.to_f64()));
    let h = |t: f64| net.eval(&Array1::from_elem(1, t));
    let mut tally = Tally::default();
    let mut thin = 0;
    for k in 0..=breaks.len() {
        let lo = if k == 0 { None } else { Some(breaks[k - 1]) };
        let hi = breaks.get(k).copied();
        let points: Vec<f64> = match (lo, hi) {
            (None, None) => vec![-10.0, -1.0, 0.0, 1.0, 10.0, rng.unit() * 200.0 - 100.0],
            (None, Some(b)) => {
                let s = 1.0 + b.abs();
                vec![b - 0.5 * s, b - 3.0 * s, b - 50.0 * s, b - rng.unit() * 10.0 * s]
            }
            (Some(a), None) => {
                let s = 1.0 + a.abs();
                vec![a + 0.5 * s, a + 3.0 * s, a + 50.0 * s, a + rng.unit() * 10.0 * s]
            }
            (Some(a), Some(b)) => {
                if b - a <= 1e-9 * (1.0 + a.abs().max(b.abs())) {
                    thin += 1;
                    Vec::new()
                } else {
                    (0..3).map(|_| a + (b - a) * (0.05 + 0.9 * rng.unit())).collect()
                }
            }
        };
        for t in points {
            tally.forward(&h(t), &piece_at(k, t));
        }
    }
    for (k, &t) in breaks.iter().enumerate() {
        let ht = h(t);
        tally.forward(&ht, &piece_at(k, t));
        tally.forward(&ht, &piece_at(k + 1, t));
        let mut eps = 1e-6 * (1.0 + t.abs());
        if k > 0 {
            eps = eps.min((t - breaks[k - 1]) / 4.0);
        }
        if let Some(next) = breaks.get(k + 1) {
            eps = eps.min((next - t) / 4.0);
        }
        if eps <= 1e-12 * (1.0 + t.abs()) {
            thin += 1;
            continue;
        }
        let left = (&ht - &h(t - eps)) / eps;
        let right = (h(t + eps) - &ht) / eps;
        tally.difference(&left, &slope(k));
        tally.difference(&right, &slope(k + 1));
        if gap(&slope(k), &slope(k + 1)) <= DIFFERENCE_TOLERANCE {
            tally.notes.push(format!("the slopes on both sides of x = {t} agree: not a breakpoint"));
        }
    }
    let mut detail = tally.detail();
    if thin > 0 {
        detail.push_str(&format!("; {thin} interval(s) too thin to sample in floating point"));
    }
    CrossCheck {
        unchecked: false,
        method: "every piece against forward passes (ndarray) at random points of its interval and at the \
                 breakpoints, and one-sided finite differences at each breakpoint against both pieces' slopes"
            .into(),
        trials: tally.trials,
        passed: tally.passed(),
        detail,
    }
}
