//! Cross-check of identified regions, in floating point: random points of
//! each listed region, pushed through the network, land in the target box;
//! random points of the target, pulled back through each region's inverse
//! map, land in that region and are carried back onto themselves.

use ndarray::Array1;

use super::pieces::FNet;
use super::rng::Rng;
use crate::derive::CrossCheck;
use crate::derive::regions::{InstanceCount, RegionShape, RegionsAnswer};
use crate::model::Problem;
use crate::model::regions::{Interval, RegionsQuery};

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

/// Runs the check on the regions the answer lists for every instance.
pub fn check_regions(q: &RegionsQuery, problem: &Problem, answer: &RegionsAnswer, seed: u64) -> CrossCheck {
    let mut rng = Rng::new(seed);
    let method = "points of each listed region pushed through the network in floating point must land in the \
                  target box; points of the target pulled back through each inverse map must land in the region and \
                  map back to themselves"
        .to_string();
    let fail = |detail: String| CrossCheck { method: method.clone(), trials: 0, passed: false, detail };
    let instances = &answer.instances;
    if instances.is_empty() {
        return fail("the finding lists no instances".into());
    }
    let (mut trials, mut worst, mut problems, mut listed, mut regions_checked) = (0, 0.0f64, Vec::new(), 0, 0);
    for inst in instances {
        let Ok(instance) = q.instance(inst.sizes.clone(), problem) else {
            return fail("an instance that does not build".into());
        };
        listed += 1;
        let net = FNet::new(&instance.net, &|_| 0.0);
        let target: Vec<(f64, f64)> = instance.target.iter().map(ends).collect();
        for (k, r) in inst.enumeration.regions.iter().enumerate() {
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
    let mut detail = format!(
        "{regions_checked} regions of {listed} {} (the first {} of each); largest relative round-trip difference \
         {worst:.1e} (tolerance {ROUND_TRIP:.0e})",
        if listed == 1 { "instance" } else { "instances" },
        crate::derive::regions::LISTED
    );
    for p in problems.iter().take(3) {
        detail.push_str("; ");
        detail.push_str(p);
    }
    if regions_checked == 0 && nothing_to_list(instances) {
        let method = "none needed: no region is identified, so there is no region to sample".to_string();
        return CrossCheck { method, trials: 0, passed: true, detail };
    }
    let passed = problems.is_empty() && worst <= ROUND_TRIP && regions_checked > 0;
    CrossCheck { method, trials, passed, detail }
}

/// When no instance identifies a region, there is nothing to sample.
fn nothing_to_list(instances: &[InstanceCount]) -> bool {
    instances.iter().all(|i| i.enumeration.identified == 0)
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
