//! Cross-check of identified regions, in floating point, independent of the
//! enumeration:
//! - a recount: random points of the domain through a forward pass, their
//!   distinct activation patterns collected; each pattern is one convex
//!   region, so there are at most as many as the regions derived (sampling
//!   may miss a small region, never invent one). For one input and few
//!   regions, a grid is swept for pattern changes, each bisected to its
//!   kink; when the grid finds every region derived, the pieces it judges
//!   mapped onto the target (by the images of their ends) must be as many
//!   as derived.
//! - random points of each listed region, pushed through the network, land
//!   in the target box; random points of the target, pulled back through
//!   each region's inverse map, land in that region and are carried back
//!   onto themselves.

use ndarray::Array1;

use super::pieces::FNet;
use super::rng::Rng;
use crate::derive::CrossCheck;
use crate::derive::regions::{RegionShape, RegionsAnswer};
use crate::model::Problem;
use crate::model::regions::{Interval, RegionsQuery, sizes_text};

/// Points tried per region, each way.
const POINTS: usize = 4;
/// Slack for a point on the edge of a box, relative to the bound.
const EDGE: f64 = 1e-9;
/// Largest relative difference accepted between a point of the target and
/// its image after the round trip.
const ROUND_TRIP: f64 = 1e-9;

/// A region in floating point.
enum Shape {
    Box(Vec<(f64, f64)>),
    /// Rows `a·x < b`.
    Polytope(Vec<(Vec<f64>, f64)>),
}

impl Shape {
    fn contains(&self, x: &Array1<f64>) -> bool {
        match self {
            Shape::Box(sides) => sides.iter().zip(x).all(|(&(lo, hi), &v)| inside(lo, hi, v)),
            Shape::Polytope(rows) => rows.iter().all(|(a, b)| {
                let s: f64 = a.iter().zip(x).map(|(p, q)| p * q).sum();
                s < b + EDGE * b.abs().max(1.0)
            }),
        }
    }
}

fn inside(lo: f64, hi: f64, v: f64) -> bool {
    v > lo - EDGE * lo.abs().max(1.0) && v < hi + EDGE * hi.abs().max(1.0)
}

/// A random point well inside an open interval (possibly infinite).
fn sample(lo: f64, hi: f64, rng: &mut Rng) -> f64 {
    let u = 0.05 + 0.9 * rng.unit();
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => lo + u * (hi - lo),
        (true, false) => lo + 10.0 * u,
        (false, true) => hi - 10.0 * u,
        (false, false) => 20.0 * u - 10.0,
    }
}

fn end(e: &Option<crate::algebra::Q>, infinite: f64) -> f64 {
    e.as_ref().map_or(infinite, |q| q.to_f64())
}

fn rows(m: &[Vec<crate::algebra::Q>]) -> Vec<Vec<f64>> {
    m.iter().map(|r| r.iter().map(|q| q.to_f64()).collect()).collect()
}

fn shape(s: &RegionShape) -> Shape {
    match s {
        RegionShape::Box(sides) => Shape::Box(sides.iter().map(ends).collect()),
        RegionShape::Polytope(p) => Shape::Polytope(
            p.constraints.iter().map(|(a, b)| (a.iter().map(|q| q.to_f64()).collect(), b.to_f64())).collect(),
        ),
    }
}

/// Work (multiplications of forward passes) spent sampling one instance.
const WORK: usize = 20_000_000;

/// Runs the check on every instance: the regions the answer lists, and an
/// independent recount by sampling.
pub fn check_regions(q: &RegionsQuery, problem: &Problem, answer: &RegionsAnswer, seed: u64) -> CrossCheck {
    let mut rng = Rng::new(seed);
    let method = "a recount in floating point: random points of the domain (a window of it on infinite sides) \
                  through the network, their distinct activation patterns at most the regions derived; for one \
                  input with few regions, a grid swept for kinks, and when it finds every region, as many of them \
                  mapped onto the target as derived; and points of each listed region must land in the target, \
                  points of the target pulled back through each inverse map in the region and back onto themselves"
        .to_string();
    let fail =
        |detail: String| CrossCheck { unchecked: false, method: method.clone(), trials: 0, passed: false, detail };
    let instances = &answer.instances;
    if instances.is_empty() {
        return fail("the finding lists no instances".into());
    }
    let (mut trials, mut worst, mut problems, mut listed, mut regions_checked) = (0, 0.0f64, Vec::new(), 0, 0);
    let (mut sampled, mut patterns, mut derived, mut gridded) = (0usize, 0usize, 0u128, 0usize);
    let per_instance = (SAMPLE_BUDGET / instances.len()).clamp(64, SAMPLES);
    for inst in instances {
        let Ok(instance) = q.instance(inst.sizes.clone(), problem) else {
            return fail("an instance that does not build".into());
        };
        listed += 1;
        let net = FNet::new(&instance.net, &|_| 0.0);
        let target: Vec<(f64, f64)> = instance.target.iter().map(ends).collect();
        // The recount.
        let e = &inst.enumeration;
        let samples = per_instance.min(WORK / net.cost()).max(16);
        let r = recount(&net, &inst.domain, &inst.target, samples, &mut rng);
        trials += r.samples;
        sampled += r.samples;
        patterns += r.patterns;
        derived = derived.saturating_add(e.total);
        let at = if inst.sizes.is_empty() { String::new() } else { format!(" at {}", sizes_text(&inst.sizes)) };
        if r.patterns as u128 > e.total {
            problems.push(format!(
                "sampling finds {} distinct activation patterns{at}, more than the {} regions derived",
                r.patterns, e.total
            ));
        }
        if let Some((pieces, onto)) = r.grid.filter(|_| e.total <= GRID_REGIONS) {
            trials += GRID;
            gridded += 1;
            if pieces as u128 > e.total {
                problems.push(format!("a grid finds {pieces} pieces{at}, more than the {} regions derived", e.total));
            } else if pieces as u128 == e.total && onto as u128 != e.identified {
                problems.push(format!(
                    "a grid finds all {pieces} pieces{at}, {onto} of them mapped onto the target, not {}",
                    e.identified
                ));
            }
        }
        for (k, r) in e.regions.iter().enumerate() {
            let region = shape(&r.shape);
            let inv_a = rows(&r.inverse.matrix);
            let inv_b: Vec<f64> = r.inverse.offset.iter().map(|q| q.to_f64()).collect();
            regions_checked += 1;
            // Forward: points of the region.
            for x in points_of(&region, &instance.domain, &mut rng) {
                trials += 1;
                let y = net.eval(&x);
                if !y.iter().zip(&target).all(|(&v, &(lo, hi))| inside(lo, hi, v)) {
                    problems.push(format!("a point of region {} lands outside the target", k + 1));
                }
            }
            // Back: points of the target through the inverse map.
            for _ in 0..POINTS {
                trials += 1;
                let y = Array1::from_iter(target.iter().map(|&(lo, hi)| sample(lo, hi, &mut rng)));
                let x = Array1::from_iter(
                    inv_a.iter().zip(&inv_b).map(|(row, b)| row.iter().zip(&y).map(|(p, q)| p * q).sum::<f64>() + b),
                );
                if !region.contains(&x) {
                    problems.push(format!("a point pulled back through region {}'s inverse misses the region", k + 1));
                }
                let back = net.eval(&x);
                let scale = y.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                let gap = back.iter().zip(&y).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale;
                worst = worst.max(gap);
            }
        }
    }
    problems.dedup();
    let instances_text = if listed == 1 { "instance" } else { "instances" };
    let mut detail = format!(
        "{sampled} random points of {listed} {instances_text} show {patterns} distinct activation patterns against \
         {derived} regions derived"
    );
    if gridded > 0 {
        detail.push_str(&format!(
            "; {gridded} {} recounted on a grid",
            if gridded == 1 { "instance" } else { "instances" }
        ));
    }
    detail.push_str(&format!(
        "; {regions_checked} listed regions (the first {} of each) with largest relative round-trip difference \
         {worst:.1e} (tolerance {ROUND_TRIP:.0e})",
        crate::derive::regions::LISTED
    ));
    for p in problems.iter().take(3) {
        detail.push_str("; ");
        detail.push_str(p);
    }
    let passed = problems.is_empty() && worst <= ROUND_TRIP && trials > 0;
    CrossCheck { unchecked: false, method, trials, passed, detail }
}

fn ends(i: &Interval) -> (f64, f64) {
    (end(&i.lo, f64::NEG_INFINITY), end(&i.hi, f64::INFINITY))
}

/// Random points of a region: uniform in a box region; for a polytope,
/// points of the domain (clipped to [-10, 10]) that fall inside it.
fn points_of(region: &Shape, domain: &[Interval], rng: &mut Rng) -> Vec<Array1<f64>> {
    match region {
        Shape::Box(sides) => {
            (0..POINTS).map(|_| Array1::from_iter(sides.iter().map(|&(lo, hi)| sample(lo, hi, rng)))).collect()
        }
        Shape::Polytope(_) => {
            let sides: Vec<(f64, f64)> =
                domain.iter().map(ends).map(|(lo, hi)| (lo.max(-10.0), hi.min(10.0))).collect();
            let mut found = Vec::new();
            for _ in 0..400 {
                let x = Array1::from_iter(sides.iter().map(|&(lo, hi)| lo + rng.unit() * (hi - lo)));
                if region.contains(&x) {
                    found.push(x);
                    if found.len() == POINTS {
                        break;
                    }
                }
            }
            found
        }
    }
}

/// Random points per instance whose activation patterns are collected.
pub const SAMPLES: usize = 4096;
/// Most samples over all instances, so that many instances stay cheap.
const SAMPLE_BUDGET: usize = 50_000;
/// Grid points of a one-input domain swept for its pieces.
pub const GRID: usize = 2048;
/// One-input instances with at most this many regions are recounted on a
/// grid, identified regions included.
pub const GRID_REGIONS: u128 = 256;
/// Half-width of the window sampled on an infinite side of the domain.
const WINDOW: f64 = 10.0;

/// What sampling found in one instance.
struct Recount {
    /// Distinct activation patterns among the samples.
    patterns: usize,
    samples: usize,
    /// For one input on a grid: the pieces found, and how many of them are
    /// mapped onto the target.
    grid: Option<(usize, usize)>,
}

/// The part of the domain sampled: all of it when bounded, a window of
/// width `2 WINDOW` on an infinite side.
fn window(domain: &[Interval]) -> Vec<(f64, f64)> {
    domain
        .iter()
        .map(ends)
        .map(|(lo, hi)| match (lo.is_finite(), hi.is_finite()) {
            (true, true) => (lo, hi),
            (true, false) => (lo, lo + 2.0 * WINDOW),
            (false, true) => (hi - 2.0 * WINDOW, hi),
            (false, false) => (-WINDOW, WINDOW),
        })
        .collect()
}

/// Recounts the regions of a network on a domain without the derivation:
/// random points of the domain (a window of it on infinite sides) through
/// a floating-point forward pass, their activation patterns collected (a
/// pattern is one convex region, so the distinct patterns are at most the
/// regions); for one input, a grid swept for pattern changes, each change
/// bisected to its kink, and each piece between kinks judged onto the
/// target by the images of its ends.
fn recount(net: &FNet, domain: &[Interval], target: &[Interval], samples: usize, rng: &mut Rng) -> Recount {
    let sides = window(domain);
    let mut patterns = std::collections::HashSet::new();
    for _ in 0..samples {
        let x = Array1::from_iter(sides.iter().map(|&(lo, hi)| lo + rng.unit() * (hi - lo)));
        patterns.insert(net.run(&x).1);
    }
    let grid = (domain.len() == 1).then(|| grid_pieces(net, &domain[0], &sides[0], target));
    Recount { patterns: patterns.len(), samples, grid }
}

/// The pieces of a one-input network on a grid, and how many are mapped
/// onto the target (which must then have one coordinate).
fn grid_pieces(net: &FNet, domain: &Interval, side: &(f64, f64), target: &[Interval]) -> (usize, usize) {
    let (lo, hi) = *side;
    let at = |t: f64| net.run(&Array1::from_elem(1, t));
    let step = (hi - lo) / GRID as f64;
    let points: Vec<f64> = (0..GRID).map(|k| lo + (k as f64 + 0.5) * step).collect();
    // Kinks between neighbouring grid points with different patterns.
    let mut kinks = Vec::new();
    for w in points.windows(2) {
        let (mut a, mut b) = (w[0], w[1]);
        let pa = at(a).1;
        if at(b).1 == pa {
            continue;
        }
        for _ in 0..80 {
            let m = 0.5 * (a + b);
            if at(m).1 == pa { a = m } else { b = m }
        }
        kinks.push(0.5 * (a + b));
    }
    let (dlo, dhi) = ends(domain);
    let mut bounds = vec![dlo];
    bounds.extend(&kinks);
    bounds.push(dhi);
    let onto = if target.len() == 1 && net.eval(&Array1::from_elem(1, 0.0)).len() == 1 {
        let (tlo, thi) = ends(&target[0]);
        bounds
            .windows(2)
            .filter(|w| {
                // The piece's affine map from two points inside it.
                let (a, b) = (w[0].max(lo), w[1].min(hi));
                let (p, q) = (a + 0.25 * (b - a), a + 0.75 * (b - a));
                let (fp, fq) = (at(p).0[0], at(q).0[0]);
                let slope = (fq - fp) / (q - p);
                let scale = fp.abs().max(fq.abs()).max(1.0);
                if slope.abs() <= 1e-9 * scale / (q - p).abs().max(1e-300) {
                    return false;
                }
                let image = |t: f64| if t.is_infinite() { t * slope.signum() } else { fp + slope * (t - p) };
                let (u, v) = (image(w[0]), image(w[1]));
                let (ilo, ihi) = (u.min(v), u.max(v));
                let close = |x: f64, y: f64| {
                    x == y || (x.is_finite() && y.is_finite() && (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1.0))
                };
                close(ilo, tlo) && close(ihi, thi)
            })
            .count()
    } else {
        0
    };
    (bounds.len() - 1, onto)
}
