//! The class visualization checked by running gradient ascent in floating
//! point: from the starting image, steps of η (with 2λη = 1/20) along
//! the gradient of f(x) = s(x) − λ‖x‖², the gradient of s by central
//! finite differences of a float forward pass, each step clipped to the
//! range when one is given, until the image stops moving. The ascent
//! must end within [`IMAGE_TOLERANCE`] of the exact image, and a float
//! forward pass at the exact image must give its score.

use ndarray::{Array2, Array3, Array4};

use crate::derive::CrossCheck;
use crate::derive::visualization::VisualizationAnswer;
use crate::model::Activation;
use crate::model::image::{Pool, Shape, Stage};
use crate::model::visualization::VisualizationQuery;

/// The ascent must end within 1e-6 · (1 + the largest |value| of the exact
/// image) of it.
pub const IMAGE_TOLERANCE: f64 = 1e-6;
/// 2λη: the fraction of the way to a region's maximizer one step goes.
const STEP_FRACTION: f64 = 1.0 / 20.0;
/// Most ascent steps.
pub const MAX_STEPS: usize = 4_000;
/// Most multiply-adds the ascent may take (about a second): beyond it
/// the check is not made, and says so.
pub const MAX_WORK: f64 = 5e9;
/// The steps at the end of the ascent that are measured.
pub const TAIL: usize = 1_000;
/// The ascent has stopped when no value moves more than this.
const STOPPED: f64 = 1e-13;

/// One layer in floating point, its weights converted once.
enum Layer {
    Dense(Array2<f64>, Vec<f64>),
    Act(f64),
    Conv(Box<crate::model::conv::Conv>, Array4<f64>, Vec<f64>, [usize; 3]),
    Pool(Pool, bool),
    Flatten,
}

fn f(q: &crate::algebra::Q) -> f64 {
    q.to_f64()
}

fn constant(r: &crate::algebra::RatFunc) -> f64 {
    r.as_constant().map_or(f64::NAN, |q| f(&q))
}

fn layers(q: &VisualizationQuery) -> Vec<Layer> {
    let mut out = Vec::new();
    let mut shape = q.net.input;
    for (stage, next) in &q.net.stages {
        out.push(match stage {
            Stage::Dense(d) => {
                let w = &d.weight;
                let a = Array2::from_shape_fn((w.rows(), w.cols()), |(r, c)| constant(&w.row(r)[c]));
                Layer::Dense(a, d.bias.iter().map(constant).collect())
            }
            Stage::Activation { activation, .. } => Layer::Act(match activation {
                Activation::Relu => 0.0,
                Activation::Abs => -1.0,
                Activation::Identity => 1.0,
                Activation::LeakyRelu(s) => constant(s),
            }),
            Stage::Conv { conv, .. } => {
                let Shape::Image(dims) = shape else { unreachable!("a conv reads an image") };
                let k = super::conv::kernel_values(conv, &|_| f64::NAN);
                let bias = match &conv.bias {
                    Some(b) => b.iter().map(|p| p.as_constant().map_or(f64::NAN, |q| f(&q))).collect(),
                    None => Vec::new(),
                };
                Layer::Conv(conv.clone(), k, bias, dims)
            }
            Stage::MaxPool { pool, .. } => Layer::Pool(*pool, true),
            Stage::AvgPool { pool, .. } => Layer::Pool(*pool, false),
            Stage::Flatten { .. } => Layer::Flatten,
        });
        shape = *next;
    }
    out
}

/// Multiply-adds of one forward pass, roughly.
fn work(net: &[Layer]) -> f64 {
    net.iter()
        .map(|l| match l {
            Layer::Dense(a, _) => a.len() as f64,
            Layer::Conv(conv, k, _, _) => {
                let [_, oh, ow] = conv.output_shape().unwrap_or([0, 0, 0]);
                (oh * ow) as f64 * k.len() as f64
            }
            Layer::Pool(pool, _) => pool.windows().iter().map(Vec::len).sum::<usize>() as f64,
            Layer::Act(_) | Layer::Flatten => 0.0,
        })
        .sum()
}

fn forward(net: &[Layer], x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    for layer in net {
        v = match layer {
            Layer::Dense(a, b) => a
                .rows()
                .into_iter()
                .zip(b)
                .map(|(row, bi)| bi + row.iter().zip(&v).map(|(w, x)| w * x).sum::<f64>())
                .collect(),
            Layer::Act(slope) => v.iter().map(|&z| if z < 0.0 { slope * z } else { z }).collect(),
            Layer::Conv(conv, k, bias, [c, h, w]) => {
                let x3 = Array3::from_shape_vec((*c, *h, *w), v.clone()).expect("the shape");
                let y = super::conv::apply(conv, k, &x3);
                let (oc, oh, ow) = y.dim();
                let mut out: Vec<f64> = y.iter().copied().collect();
                if !bias.is_empty() {
                    for o in 0..oc {
                        for e in &mut out[o * oh * ow..(o + 1) * oh * ow] {
                            *e += bias[o];
                        }
                    }
                }
                out
            }
            Layer::Pool(pool, max) => pool
                .windows()
                .iter()
                .map(|w| {
                    if *max {
                        w.iter().map(|&i| v[i]).fold(f64::NEG_INFINITY, f64::max)
                    } else {
                        w.iter().map(|&i| v[i]).sum::<f64>() / w.len() as f64
                    }
                })
                .collect(),
            Layer::Flatten => v,
        };
    }
    v
}

fn score(net: &[Layer], c: &[f64], x: &[f64]) -> f64 {
    forward(net, x).iter().zip(c).map(|(y, w)| y * w).sum()
}

/// Central finite differences of s at x.
fn differences(net: &[Layer], c: &[f64], x: &[f64]) -> Vec<f64> {
    let h = 1e-7 * (1.0 + x.iter().fold(0.0f64, |m, v| m.max(v.abs())));
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|i| {
            xp[i] = x[i] + h;
            let up = score(net, c, &xp);
            xp[i] = x[i] - h;
            let down = score(net, c, &xp);
            xp[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// What the float ascent did.
pub struct Ascent {
    /// The steps taken (fewer than [`MAX_STEPS`] when the image stopped
    /// moving).
    pub steps: usize,
    pub stopped: bool,
    /// Over the last [`TAIL`] steps (or after it stopped): the closest and
    /// the furthest the image came to `target`, in the largest absolute
    /// difference of a value.
    pub closest: f64,
    pub furthest: f64,
    /// The longest step, |η (∇f)| in one value, over the whole ascent.
    pub longest_step: f64,
}

/// Gradient ascent on f from the starting image, measured against
/// `target`.
pub fn ascend(q: &VisualizationQuery, target: &[f64]) -> Ascent {
    let net = layers(q);
    let c: Vec<f64> = q.selection.iter().map(f).collect();
    let lambda = f(&q.lambda);
    let eta = STEP_FRACTION / (2.0 * lambda);
    let range = q.within.as_ref().map(|(lo, hi)| (f(lo), f(hi)));
    let mut x: Vec<f64> = q.start.iter().map(f).collect();
    let distance = |x: &[f64]| x.iter().zip(target).fold(0.0f64, |m, (u, v)| m.max((u - v).abs()));
    let mut a = Ascent { steps: 0, stopped: false, closest: f64::INFINITY, furthest: 0.0, longest_step: 0.0 };
    for step in 1..=MAX_STEPS {
        let g = differences(&net, &c, &x);
        let mut moved = 0.0f64;
        for (xi, gi) in x.iter_mut().zip(&g) {
            let mut y = *xi + eta * (gi - 2.0 * lambda * *xi);
            a.longest_step = a.longest_step.max((y - *xi).abs());
            if let Some((lo, hi)) = range {
                y = y.clamp(lo, hi);
            }
            moved = moved.max((y - *xi).abs());
            *xi = y;
        }
        a.steps = step;
        let d = distance(&x);
        if moved < STOPPED {
            a.stopped = true;
            a.closest = d;
            a.furthest = d;
            return a;
        }
        if step + TAIL > MAX_STEPS {
            a.closest = a.closest.min(d);
            a.furthest = a.furthest.max(d);
        }
    }
    a
}

/// Checks a class visualization by gradient ascent in floating point.
///
/// A fixed step cannot settle on a maximum that lies on a kink: the image
/// creeps up to it from one side and is thrown back by a step from the
/// other. So the ascent passes when, over its last [`TAIL`] steps, it
/// comes within [`IMAGE_TOLERANCE`] of the exact image and never strays
/// further from it than two of its longest steps; an ascent that settles
/// or circles anywhere else fails.
pub fn check(q: &VisualizationQuery, a: &VisualizationAnswer) -> CrossCheck {
    let exact: Vec<f64> = a.image.iter().map(f).collect();
    let scale = 1.0 + exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let per_step = 2.0 * q.start.len() as f64 * work(&layers(q));
    if per_step * MAX_STEPS as f64 > MAX_WORK {
        return CrossCheck::unchecked(
            "gradient ascent in floating point from the starting image",
            format!(
                "not made: {MAX_STEPS} steps with the gradient by central differences would take about {:.1e} multiply-adds, above the limit of {MAX_WORK:.0e}",
                per_step * MAX_STEPS as f64
            ),
        );
    }
    let run = ascend(q, &exact);
    let net = layers(q);
    let c: Vec<f64> = q.selection.iter().map(f).collect();
    let s = score(&net, &c, &exact);
    let score_gap = (s - f(&a.score)).abs() / (1.0 + f(&a.score).abs());
    let method = format!(
        "gradient ascent in floating point from the starting image (2λη = 1/20, the gradient by central differences, at most {MAX_STEPS} steps), against the exact image; a float forward pass at the image against its score"
    );
    let closest = run.closest / scale;
    let bound = 2.0 * run.longest_step;
    let how = if run.stopped {
        format!("stopped after {} steps", run.steps)
    } else {
        format!("was still moving after {} steps (it circles a kink)", run.steps)
    };
    let (passed, detail) = if closest > IMAGE_TOLERANCE {
        (
            false,
            format!(
                "the ascent {how}, and over its last steps came no closer than {closest:.3e} to the exact image (tolerance {IMAGE_TOLERANCE:e} relative to 1 + the largest value of the image): gradient ascent converges elsewhere"
            ),
        )
    } else if !run.stopped && run.furthest > bound {
        (
            false,
            format!(
                "the ascent {how}: it comes within {closest:.1e} of the exact image but strays {:.3e} from it, more than two of its longest steps ({bound:.3e})",
                run.furthest
            ),
        )
    } else if score_gap > super::input_gradient::FORWARD_TOLERANCE {
        (false, format!("the ascent reaches the image, but the score there differs by {score_gap:.3e}"))
    } else {
        let stray = if run.stopped { String::new() } else { format!(", never further than {:.1e}", run.furthest) };
        (
            true,
            format!(
                "the ascent {how}, within {closest:.1e} of the exact image (relative){stray}; the score agrees within {score_gap:.1e}"
            ),
        )
    };
    CrossCheck { method, trials: run.steps, passed, unchecked: false, detail }
}
