//! Class visualization: the image that gradient ascent on a penalized
//! class score reaches, exactly, for a piecewise linear network.
//!
//! The objective is f(x) = s(x) − λ‖x‖², with s a combination of the
//! network's outputs, over all images or over a box `[lo, hi]` per value.
//! On a region where s(x) = wᵀx + b, f is strictly concave and separable,
//! so its largest value over the box is at x = clamp(w/(2λ)), coordinate
//! by coordinate.
//!
//! **Region jumping.** From the starting image take its region's gradient
//! w (the exact input gradient), jump to that region's maximizer
//! x = clamp(w/(2λ)), and repeat from the region of x until x is the
//! maximizer of every region next to it. Each jump lands on an image
//! reached before only in a cycle, which is an error; so is running past
//! [`MAX_JUMPS`].
//!
//! **The local maximum, proved.** At the image x a jump lands on:
//! - when s is affine near x (no kink of s there), x is a local maximum
//!   of f exactly when x = clamp(∇s(x)/(2λ)) (the conditions of
//!   Karush–Kuhn–Tucker for the box, sufficient as f is concave there);
//! - when x is on a kink of s, every combination of the tied units' sides
//!   is a candidate region next to x, and within it the tied units'
//!   pre-activations are affine, so near x the region is x plus a
//!   polyhedral cone. f is concave on each, and x is its largest value
//!   there when the gradient of f on that region is a nonnegative
//!   combination of the outward normals of the walls through x (the tied
//!   units' and the box's), decided by the exact simplex. When this holds
//!   for every combination, x is a local maximum of f; when it fails for
//!   one, nnkey does not claim a maximum (that combination may be no real
//!   region) and says so.

use crate::algebra::Q;
use crate::algebra::simplex::{Alternative, farkas};
use crate::language::math::{Math, Prose};
use crate::model::Value;
use crate::model::image::Shape;
use crate::model::visualization::VisualizationQuery;

use super::explain::{Explanation, Figure, Shade, Table};
use super::input_gradient::{Compiled, MAX_COMBINATIONS, Outcome, Pattern, decide, image_math, image_value, pattern};

/// Most jumps from region to region before nnkey gives up.
pub const MAX_JUMPS: usize = 64;
/// Images with at most this many values are shown at every jump.
const SHOWN_VALUES: usize = 16;

/// One jump: the gradient of s on the region of `from`, and that region's
/// maximizer `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct Jump {
    pub from: Vec<Q>,
    pub gradient: Vec<Q>,
    pub to: Vec<Q>,
}

/// How the image was proved a local maximum.
#[derive(Clone, Debug, PartialEq)]
pub enum Proof {
    /// s is affine near the image (with `combinations` of the sides of its
    /// ties compared when it lies on kinks s does not read).
    Affine { combinations: usize },
    /// The image lies on a kink of s: every one of `combinations` regions
    /// next to it has its largest value of f there.
    Kink { ties: usize, combinations: usize },
}

/// The typed answer of a class visualization.
#[derive(Clone, Debug)]
pub struct VisualizationAnswer {
    pub shape: Shape,
    pub image: Vec<Q>,
    /// s at the image, and f = s − λ‖x‖² there.
    pub score: Q,
    pub objective: Q,
    pub jumps: Vec<Jump>,
    pub proof: Proof,
}

fn clamp(x: Q, within: &Option<(Q, Q)>) -> Q {
    match within {
        Some((lo, hi)) => x.clamp(lo.clone(), hi.clone()),
        None => x,
    }
}

/// The maximizer of wᵀx − λ‖x‖² over the box: clamp(w/(2λ)).
fn maximizer(w: &[Q], lambda: &Q, within: &Option<(Q, Q)>) -> Vec<Q> {
    let two_lambda = lambda * &Q::from_int(2);
    w.iter().map(|g| clamp(g / &two_lambda, within)).collect()
}

/// The outward normals of the box's walls through `x`.
fn box_normals(x: &[Q], within: &Option<(Q, Q)>) -> Vec<Vec<Q>> {
    let mut out = Vec::new();
    let Some((lo, hi)) = within else { return out };
    for (i, v) in x.iter().enumerate() {
        for (bound, sign) in [(hi, 1), (lo, -1)] {
            if v == bound {
                let mut n = vec![Q::zero(); x.len()];
                n[i] = Q::from_int(sign);
                out.push(n);
            }
        }
    }
    out
}

/// Whether `r` is a nonnegative combination of `normals` (exactly, by the
/// simplex, and the combination checked here).
fn in_cone(r: &[Q], normals: &[Vec<Q>]) -> bool {
    if normals.is_empty() {
        return r.iter().all(Q::is_zero);
    }
    let rows: Vec<Vec<Q>> = (0..r.len()).map(|i| normals.iter().map(|n| n[i].clone()).collect()).collect();
    match farkas(&rows, r) {
        Alternative::Solution(z) => {
            z.iter().all(|v| !v.is_negative())
                && (0..r.len()).all(|i| {
                    let mut s = Q::zero();
                    for (zj, n) in z.iter().zip(normals) {
                        s = &s + &(zj * &n[i]);
                    }
                    s == r[i]
                })
        }
        Alternative::Certificate(_) => false,
    }
}

/// Every combination of the ties' sides, odometer order, or `None` past
/// [`MAX_COMBINATIONS`].
fn combinations(p: &Pattern) -> Option<Vec<Vec<usize>>> {
    let options: Vec<usize> =
        p.ties.iter().map(|t| if t.positions.is_empty() { 2 } else { t.positions.len() }).collect();
    let total = options.iter().try_fold(1usize, |a, &o| a.checked_mul(o)).filter(|&n| n <= MAX_COMBINATIONS)?;
    let mut out = Vec::with_capacity(total);
    let mut choice = vec![0; options.len()];
    for _ in 0..total {
        out.push(choice.clone());
        for (t, o) in options.iter().enumerate() {
            choice[t] += 1;
            if choice[t] < *o {
                break;
            }
            choice[t] = 0;
        }
    }
    Some(out)
}

/// The outward normals of the walls the ties put through the point, on
/// the sides `choice` gives them: a unit above its kink keeps its
/// pre-activation z ≥ 0 (normal −∇z), one below keeps z ≤ 0 (normal ∇z);
/// a window's chosen winner stays at least every other tied position.
fn tie_normals(c: &Compiled, values: &[Vec<Q>], p: &Pattern, choice: &[usize]) -> Vec<Vec<Q>> {
    let mut out = Vec::new();
    for (t, tie) in p.ties.iter().enumerate() {
        let width = values[tie.layer].len();
        let seeds: Vec<(Vec<(usize, Q)>, bool)> = if tie.positions.is_empty() {
            vec![(vec![(tie.unit, Q::one())], choice[t] == 1)]
        } else {
            let w = tie.positions[choice[t]];
            tie.positions.iter().filter(|&&o| o != w).map(|&o| (vec![(w, Q::one()), (o, -Q::one())], true)).collect()
        };
        for (combination, at_least) in seeds {
            let mut seed = vec![Q::zero(); width];
            for (i, v) in combination {
                seed[i] = &seed[i] + &v;
            }
            let (g, _) = c.backward_from(tie.layer, p, choice, &seed, false);
            out.push(if at_least { g.iter().map(|x| -x).collect() } else { g });
        }
    }
    out
}

/// What the test of a landing image finds.
enum Landing {
    /// A proved local maximum.
    Maximum(Proof),
    /// Not a maximum: continue from the region with this gradient.
    Continue(Vec<Q>),
}

fn test(c: &Compiled, q: &VisualizationQuery, x: &[Q]) -> Result<Landing, String> {
    let values = c.forward(x);
    let p = pattern(c, &values);
    let two_lambda = &q.lambda * &Q::from_int(2);
    let boxed = box_normals(x, &q.within);
    match decide(c, &values, &p, &q.selection)? {
        Outcome::Smooth { gradient, combinations } => {
            if maximizer(&gradient, &q.lambda, &q.within) == x {
                Ok(Landing::Maximum(Proof::Affine { combinations }))
            } else {
                Ok(Landing::Continue(gradient))
            }
        }
        Outcome::Kink { .. } => {
            let Some(all) = combinations(&p) else {
                return Err(format!(
                    "an image region jumping reaches lies on {} ties of the network, whose sides have more than {MAX_COMBINATIONS} combinations: nnkey cannot prove it a local maximum nor choose the next region",
                    p.ties.len()
                ));
            };
            for choice in &all {
                let (g, _) = c.backward_from(usize::MAX, &p, choice, &q.selection, false);
                let r: Vec<Q> = g.iter().zip(x).map(|(gi, xi)| gi - &(&two_lambda * xi)).collect();
                let mut normals = tie_normals(c, &values, &p, choice);
                normals.extend(boxed.iter().cloned());
                if !in_cone(&r, &normals) {
                    return Err(format!(
                        "region jumping reaches an image on a kink of s ({} ties) that it cannot prove a local maximum: on the sides ({}) of the ties, the gradient of the objective is not held back by the walls through the image, and the next region cannot be chosen there",
                        p.ties.len(),
                        choice.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            Ok(Landing::Maximum(Proof::Kink { ties: p.ties.len(), combinations: all.len() }))
        }
    }
}

fn text(t: impl Into<String>) -> Prose {
    Prose::text(t)
}

fn with_math(t: &str, m: Math, after: &str) -> Prose {
    let mut p = Prose::text(t);
    p.push_math(m);
    p.push_text(after);
    p
}

/// Derives a class visualization.
pub fn derive(q: &VisualizationQuery) -> Result<(VisualizationAnswer, Value, Explanation), String> {
    let c = Compiled::new(&q.net)?;
    let values = c.forward(&q.start);
    let p = pattern(&c, &values);
    let mut gradient = match decide(&c, &values, &p, &q.selection)? {
        Outcome::Smooth { gradient, .. } => gradient,
        Outcome::Kink { .. } => {
            return Err(format!(
                "the starting image lies on a kink of {}, where regions with different gradients meet, so it has no one region to start from: start from an image inside a region",
                q.label
            ));
        }
    };
    let mut from = q.start.clone();
    let mut jumps: Vec<Jump> = Vec::new();
    let (image, proof) = loop {
        if jumps.len() == MAX_JUMPS {
            return Err(format!("region jumping did not reach a local maximum in {MAX_JUMPS} jumps (MAX_JUMPS)"));
        }
        let to = maximizer(&gradient, &q.lambda, &q.within);
        if let Some(k) = jumps.iter().position(|j| j.to == to) {
            return Err(format!(
                "region jumping runs in a cycle: jump {} lands on the image jump {} reached, and no image of the cycle is the maximizer of its own region, so region jumping finds no maximum from this start (gradient ascent may still settle on a boundary between these regions, where region jumping never lands)",
                jumps.len() + 1,
                k + 1
            ));
        }
        jumps.push(Jump { from: from.clone(), gradient: gradient.clone(), to: to.clone() });
        match test(&c, q, &to)? {
            Landing::Maximum(proof) => break (to, proof),
            Landing::Continue(g) => {
                from = to;
                gradient = g;
            }
        }
    };
    let outputs = c.forward(&image).pop().expect("the output");
    let score: Q = outputs.iter().zip(&q.selection).map(|(y, s)| y * s).sum();
    let norm: Q = image.iter().map(|v| v * v).sum();
    let objective = &score - &(&q.lambda * &norm);

    let shape = q.net.input;
    let mut ex = Explanation::new();
    let s = Math::name("s");
    let range = match &q.within {
        Some((lo, hi)) => format!(" with every value of the image in [{lo}, {hi}]"),
        None => String::new(),
    };
    ex.step(text(format!(
            "The image maximizes f(x) = s(x) − λ‖x‖² with s = {} and λ = {}{range}. The network is piecewise linear: on each region of its activation pattern, s(x) = wᵀx + b with w the region's input gradient, so f is concave there and separable in the values of x, and its largest value is at x = w/(2λ), each value clipped to the range when one is given.",
        q.label, q.lambda
    )));
    let step = ex.step(text(format!(
        "Region jumping: from the starting image, take the gradient w of s on its region (exactly, as the input gradient), jump to that region's maximizer, and repeat from the region the jump lands in, until the image is the maximizer of every region next to it. It took {} jump{}.",
        jumps.len(),
        if jumps.len() == 1 { "" } else { "s" }
    )));
    let mut table = Table {
        header: vec![text("jump"), text("values changed"), text("score s there"), text("f there")],
        rows: Vec::new(),
    };
    for (k, j) in jumps.iter().enumerate() {
        let out = c.forward(&j.to).pop().expect("the output");
        let sj: Q = out.iter().zip(&q.selection).map(|(y, s)| y * s).sum();
        let nj: Q = j.to.iter().map(|v| v * v).sum();
        let fj = &sj - &(&q.lambda * &nj);
        let changed = j.from.iter().zip(&j.to).filter(|(a, b)| a != b).count();
        let mut score_cell = Prose::default();
        score_cell.push_math(Math::Number(sj));
        let mut f_cell = Prose::default();
        f_cell.push_math(Math::Number(fj));
        table.rows.push(vec![text(format!("{}", k + 1)), text(format!("{changed}")), score_cell, f_cell]);
    }
    step.table(table);
    if shape.len() <= SHOWN_VALUES {
        for (k, j) in jumps.iter().enumerate() {
            step.prose(with_math(
                &format!("Jump {}: the gradient ", k + 1),
                Math::name("w").equals(image_math(shape, &j.gradient)),
                "",
            ));
            step.display(Math::name(format!("x{}", k + 1)).equals(image_math(shape, &j.to)));
        }
    }
    let why = match &proof {
        Proof::Affine { combinations: 0 } if q.within.is_none() => "No unit is at its kink there, so s is affine near the image with the gradient of its region, and the image is that region's maximizer: the gradient of f is 0 there, and f is concave there. So the image is a local maximum of f.".to_string(),
        Proof::Affine { combinations: 0 } => "No unit is at its kink there, so s is affine near the image with the gradient of its region, and the image is that region's maximizer: the gradient of f is 0 in every value strictly inside the range, and points out of the range at every value on its edge (the conditions of Karush, Kuhn and Tucker, sufficient because f is concave there). So the image is a local maximum of f.".to_string(),
        Proof::Affine { combinations } => format!(
            "The image lies on kinks that s does not read: all {combinations} combinations of the tied units' sides give one gradient of s, so s is affine near the image, and the image is the maximizer of that piece (the conditions of Karush, Kuhn and Tucker, sufficient because f is concave there). So it is a local maximum of f."
        ),
        Proof::Kink { ties, combinations } => format!(
            "The image lies on a kink of s ({ties} tie{}): the regions next to it have different gradients. For each of the {combinations} combinations of the tied units' sides, near the image that region is the image plus a cone bounded by the tied units' walls (and the range's), f is concave on it, and the gradient of f there is a nonnegative combination of the walls' outward normals (found by the exact simplex and checked): f is largest at the image on every region around it, so the image is a local maximum of f. The gradient of s does not exist there; the maximum sits on the boundary.",
            if *ties == 1 { "" } else { "s" }
        ),
    };
    let step = ex.step(text(why));
    let best = Math::Script { base: Box::new(Math::name("x")), sub: Some(Box::new(Math::name("max"))), sup: None };
    step.display(best.clone().equals(image_math(shape, &image)));
    let mut there = with_math("There ", s.equals(Math::Number(score.clone())), " and the objective is ");
    there.push_math(Math::apply("f", vec![best]).equals(Math::Number(objective.clone())));
    there.push_text(".");
    step.prose(there);
    let shade = Shade::range_of(q.start.iter().chain(&image));
    if let Some(f) = Figure::images(
        shape,
        "The starting image and the image reached, on one scale: darker pixels are larger.",
        &[("the start", &q.start, shade.clone()), ("the image reached", &image, shade)],
    ) {
        step.figure(f);
    }
    ex.step(text(
        "This is the image region jumping reaches from the starting image: a local maximum of f, where gradient ascent with small steps comes to rest (or, on a kink, which it circles ever closer as the step shrinks). Gradient ascent with a small step η moves, on a region, a fraction 2λη of the way to that region's maximizer at each step, so it can only come to rest where no small move raises f; which such image it reaches depends on its path, and region jumping may follow another.",
    ));
    ex.detail(text(
        "That gradient ascent from the starting image ends at this image is not proved here: the numeric check below runs it with float steps and measures where it ends.",
    ));
    let value = Value::record(vec![
        ("image", image_value(shape, &image)),
        ("score", Value::Scalar(crate::algebra::RatFunc::constant(score.clone()))),
        ("objective", Value::Scalar(crate::algebra::RatFunc::constant(objective.clone()))),
    ]);
    Ok((VisualizationAnswer { shape, image, score, objective, jumps, proof }, value, ex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cone_test_checks_its_combination() {
        let n = vec![vec![Q::one(), Q::zero()], vec![Q::zero(), -Q::one()]];
        assert!(in_cone(&[Q::from_int(2), Q::from_int(-3)], &n));
        assert!(!in_cone(&[Q::from_int(-1), Q::zero()], &n));
        assert!(in_cone(&[Q::zero(), Q::zero()], &[]));
        assert!(!in_cone(&[Q::one()], &[]));
    }

    #[test]
    fn the_maximizer_is_clipped() {
        let w = [Q::from_int(3), Q::from_int(-3), Q::new(1, 2)];
        let lo_hi = Some((Q::zero(), Q::one()));
        assert_eq!(maximizer(&w, &Q::new(1, 2), &lo_hi), vec![Q::one(), Q::zero(), Q::new(1, 2)]);
        assert_eq!(maximizer(&w, &Q::one(), &None), vec![Q::new(3, 2), Q::new(-3, 2), Q::new(1, 4)]);
    }
}
