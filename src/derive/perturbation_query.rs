//! `smallest perturbation of NET at x = X to class t in linf`: the query
//! around the exact search of [`super::perturbation`].
//!
//! **The pixel box.** With `within [lo, hi]` every entry of `x + δ` stays
//! in `[lo, hi]`. Without it (as for the gradient sign step, which clips
//! only when asked) every input is allowed. The search needs a box, so it
//! runs in `[min x − R, max x + R]`, which holds every `δ` with
//! `‖δ‖∞ ≤ R`, hence every `δ` with `‖δ‖ ≤ R` in either norm
//! (`‖δ‖∞ ≤ ‖δ‖₁`). If the least norm in that box is `ε ≤ R`, no smaller
//! perturbation exists anywhere: it would have norm below `ε ≤ R` and lie
//! in the box. Otherwise `R` grows (to the found norm, or doubles when
//! nothing was found), up to [`MAX_RADIUS`].
//!
//! **The answer.** A proved minimum is the record `{ delta, norm, class,
//! scores }`: the perturbation, its norm, the class it reaches and the
//! scores at `x + δ`. The search's node budget may run out first: then
//! the answer is `{ best, lower, gap }` — the best perturbation found (a
//! record as above, or `none`), a proved lower bound on the least norm,
//! and the difference — and is never called the minimum. When no input of
//! the box reaches a target class the answer is `none`.
//!
//! **Judging a key.** The minimizing `δ` need not be unique, so a key is
//! not compared with nnkey's `δ`. A key's `norm` must equal the proved
//! minimum exactly. A key's `delta` is checked feasible by an exact
//! forward pass: its norm is the minimum, `x + δ` is in the box, and its
//! `class` (nnkey's when the key gives none) scores at least as much as
//! the point's class there; the key's `scores` are those at the key's own
//! `x + δ`. Without a `delta`, the key's `class` and `scores` must be
//! nnkey's.

use crate::algebra::radical::Atom;
use crate::algebra::{Q, Radical};
use crate::model::image::Shape;
use crate::model::perturbation::{self as m, PerturbationProblem};
use crate::model::value::{radical_of, radical_value};
use crate::model::{Problem, Value};

use super::explain::{Depth, Explanation, Figure, Math, Shade, Step, closed_interval, words};
use super::input_gradient::image_value;
use super::perturbation::{
    self as search, Affine, Budget, Norm, PerturbationAnswer, PerturbationQuery, ReluNet, Target, UnitState, forward,
};
use crate::prose;

/// The largest `R` tried when no pixel box is given: past it the query is
/// an error naming it.
pub const MAX_RADIUS: i64 = 1 << 20;

/// What the answer says.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The search finished: `best` is the minimum (or nothing reaches a
    /// target, when there is no `best`).
    Proved,
    /// The node budget ran out: a best perturbation and a lower bound.
    Gap,
}

/// The typed answer.
#[derive(Clone, Debug)]
pub struct PerturbationFinding {
    /// The question as the search saw it, with the box it ran in.
    pub query: PerturbationQuery,
    pub answer: PerturbationAnswer,
    /// Without `within`: the `R` whose box `[min x − R, max x + R]` the
    /// search ran in.
    pub radius: Option<Q>,
    pub shape: Shape,
    pub status: Status,
    /// The proved lower bound on the least norm anywhere allowed.
    pub lower: Option<Q>,
}

fn relu_net(layers: &[m::Affine]) -> ReluNet {
    ReluNet { layers: layers.iter().map(|l| Affine { w: l.w.clone(), b: l.b.clone() }).collect() }
}

/// The norm whose search value is `v`: `v`, or `√v` for L2 (an exact
/// square root, `sqrt(2)/4` for `v = 1/8`).
fn norm_value(norm: Norm, v: &Q) -> Value {
    radical_value(norm.value(v))
}

/// The search value (`‖δ‖`, or `‖δ‖₂²` for L2) of a key's norm: `None`
/// when the key's value is not a nonnegative number of that form.
fn key_objective(norm: Norm, v: &Value) -> Option<Q> {
    let r = radical_of(v)?;
    match (norm, r.parts()) {
        (Norm::L2, Some((r0, r1, Atom::Sqrt(d)))) if r0.is_zero() => {
            let (c, k) = (r1.as_constant()?, d.as_constant()?);
            (c.signum() > 0 && k.signum() > 0).then(|| &(&c * &c) * &k)
        }
        (_, None) => {
            let Radical::Rational(q) = &r else { return None };
            let q = q.as_constant()?;
            match norm {
                Norm::L2 if !q.is_negative() => Some(&q * &q),
                Norm::L2 => None,
                _ => Some(q),
            }
        }
        _ => None,
    }
}

/// The record of one perturbation: `{ delta, norm, class, scores }`.
fn record(shape: Shape, norm: Norm, b: &search::Optimum) -> Value {
    Value::record(vec![
        ("delta", image_value(shape, &b.delta)),
        ("norm", norm_value(norm, &b.norm)),
        ("class", Value::int(b.target as i64)),
        ("scores", image_value(Shape::Flat(b.scores.len()), &b.scores)),
    ])
}

/// Runs the search; see the module documentation for the box.
pub fn derive(
    p: &PerturbationProblem,
    _problem: &Problem,
) -> Result<(PerturbationFinding, Value, Explanation), String> {
    derive_with_budget(p, Budget::default())
}

/// [`derive`] with the search's node and pivot budget given.
pub fn derive_with_budget(
    p: &PerturbationProblem,
    budget: Budget,
) -> Result<(PerturbationFinding, Value, Explanation), String> {
    let net = relu_net(&p.layers);
    let target = match p.target {
        m::Target::Class(t) => Target::Class(t),
        m::Target::AnyOther => Target::AnyOther,
    };
    let norm = match p.norm {
        m::Norm::Linf => Norm::Linf,
        m::Norm::L1 => Norm::L1,
        m::Norm::L2 => Norm::L2,
    };
    let base = |lo: Q, hi: Q| PerturbationQuery { net: net.clone(), x0: p.point.clone(), target, norm, lo, hi, budget };
    let (query, answer, radius) = match &p.within {
        Some((lo, hi)) => {
            let q = base(lo.clone(), hi.clone());
            let a = search::smallest_perturbation(&q).map_err(|e| e.to_string())?;
            (q, a, None)
        }
        None => {
            let min = p.point.iter().min().cloned().unwrap_or_else(Q::zero);
            let max = p.point.iter().max().cloned().unwrap_or_else(Q::zero);
            let mut r = Q::one();
            loop {
                let q = base(&min - &r, &max + &r);
                let a = search::smallest_perturbation(&q).map_err(|e| e.to_string())?;
                let found = a.best.as_ref().map(|b| b.norm.clone());
                let fits = found.as_ref().is_some_and(|n| *n <= norm.objective_of_radius(&r));
                if fits || !a.proved {
                    break (q, a, Some(r));
                }
                // Grow the box: to hold the norm found, or twice as wide.
                let mut next = &r + &r;
                while let Some(n) = &found
                    && norm.objective_of_radius(&next) < *n
                {
                    next = &next + &next;
                }
                if next > Q::from_int(MAX_RADIUS) {
                    return Err(format!(
                        "no perturbation of norm at most {MAX_RADIUS} reaches a target class: with no pixel range the search widens its box up to that limit (give `within [lo, hi]` to search a box)"
                    ));
                }
                r = next;
            }
        }
    };
    // The proof re-checked from scratch: the tree covers every pattern,
    // each certificate against its program rebuilt, the optimum by an
    // exact forward pass.
    if answer.proved {
        search::check_proof(&query, &answer).map_err(|e| format!("the search's proof does not check: {e}"))?;
    }
    // Without a box, the search's bound holds everywhere up to R.
    let lower = match (&answer.lower, &radius) {
        (Some(l), Some(r)) if *l > norm.objective_of_radius(r) => Some(norm.objective_of_radius(r)),
        (l, _) => l.clone(),
    };
    let status = if answer.proved { Status::Proved } else { Status::Gap };
    let value = match (&answer.best, &status) {
        (Some(b), Status::Proved) => record(p.shape, norm, b),
        (None, Status::Proved) => Value::Word("none".into()),
        (best, Status::Gap) => {
            let l = lower.clone().unwrap_or_else(Q::zero);
            let (best_v, gap) = match best {
                Some(b) => {
                    let gap = norm.value(&b.norm).sub(&norm.value(&l)).map(radical_value).unwrap_or_else(|_| {
                        // Two square roots of different radicands: the
                        // difference is written out.
                        Value::Text(format!("sqrt({}) - sqrt({})", b.norm, l))
                    });
                    (record(p.shape, norm, b), gap)
                }
                None => (Value::Word("none".into()), Value::Word("infinite".into())),
            };
            Value::record(vec![("best", best_v), ("lower", norm_value(norm, &l)), ("gap", gap)])
        }
    };
    let mut ex = search::explain_with(&query, &answer, &|v| image_math(p.shape, v));
    framing(&mut ex, p, &query, &answer, radius.as_ref());
    picture(&mut ex, p, &answer);
    let finding = PerturbationFinding { query, answer, radius, shape: p.shape, status, lower };
    Ok((finding, value, ex))
}

/// The point, the perturbation and the perturbed input as images, when
/// the input is one.
fn picture(ex: &mut Explanation, p: &PerturbationProblem, ans: &PerturbationAnswer) {
    let Some(b) = &ans.best else { return };
    let moved: Vec<Q> = p.point.iter().zip(&b.delta).map(|(x, d)| x + d).collect();
    let shade = Shade::range_of(p.point.iter().chain(&moved));
    let figure = Figure::images(
        p.shape,
        "The point, the perturbation and the perturbed input. The point and the perturbed input share one scale (darker is larger); the perturbation's middle shade is 0, darker raises a value and lighter lowers it.",
        &[
            ("the point x", &p.point, shade.clone()),
            ("δ", &b.delta, Shade::signed_of(&b.delta)),
            ("x + δ", &moved, shade),
        ],
    );
    if let Some(f) = figure {
        ex.step(prose!("The perturbation as an image:")).figure(f);
    }
}

/// Entries in the input's shape: a column, or a matrix for one channel.
fn image_math(shape: Shape, entries: &[Q]) -> Math {
    match shape {
        Shape::Image([1, h, w]) => {
            Math::Matrix((0..h).map(|r| (0..w).map(|c| Math::from(&entries[r * w + c])).collect()).collect())
        }
        _ => Math::column(entries.iter().map(Math::from).collect()),
    }
}

/// The hidden units counted on in a pattern (those at the kink too).
fn on(s: &UnitState) -> bool {
    *s != UnitState::Inactive
}

/// The affine map of the network on one activation pattern: `A x + c`.
pub fn piece(net: &ReluNet, pattern: &[Vec<UnitState>]) -> (Vec<Vec<Q>>, Vec<Q>) {
    let n = net.inputs();
    let mut a: Vec<Vec<Q>> =
        (0..n).map(|i| (0..n).map(|j| if i == j { Q::one() } else { Q::zero() }).collect()).collect();
    let mut c: Vec<Q> = vec![Q::zero(); n];
    for (k, layer) in net.layers.iter().enumerate() {
        let mut na = Vec::with_capacity(layer.w.len());
        let mut nc = Vec::with_capacity(layer.w.len());
        for (j, (row, b)) in layer.w.iter().zip(&layer.b).enumerate() {
            let keep = k + 1 == net.layers.len() || on(&pattern[k][j]);
            if !keep {
                na.push(vec![Q::zero(); n]);
                nc.push(Q::zero());
                continue;
            }
            let r: Vec<Q> = (0..n).map(|i| row.iter().zip(&a).map(|(w, ar)| w * &ar[i]).sum()).collect();
            na.push(r);
            nc.push(row.iter().zip(&c).map(|(w, v)| w * v).sum::<Q>() + b.clone());
        }
        a = na;
        c = nc;
    }
    (a, c)
}

/// The steps the search's own explanation leaves to the query: the box
/// when none is given, and the optimum's piece with the bound it gives.
fn framing(
    ex: &mut Explanation,
    p: &PerturbationProblem,
    q: &PerturbationQuery,
    ans: &PerturbationAnswer,
    radius: Option<&Q>,
) {
    if let Some(r) = radius {
        let s = Step::new(
            Depth::Solution,
            prose!(
                "No pixel range is given, so every input is allowed. The search runs in the box $#range$, which holds every perturbation of norm at most $R = #r$; a perturbation smaller than the one found there would lie in the box too, so the box changes nothing.",
                range = closed_interval(&q.lo, &q.hi),
                r = r
            ),
        );
        ex.steps.insert(1, s);
    }
    let Some(b) = &ans.best else { return };
    let (a, c) = piece(&q.net, &b.pattern);
    let (t, k) = (b.target, ans.class);
    let g: Vec<Q> = a[t].iter().zip(&a[k]).map(|(x, y)| x - y).collect();
    let m: Q = g.iter().zip(&q.x0).map(|(x, y)| x * y).sum::<Q>() + &c[t] - &c[k];
    if q.norm == Norm::L2 {
        return l2_framing(ex, p, ans, b, &g, &m);
    }
    let dual = match q.norm {
        Norm::Linf => g.iter().map(Q::abs).sum::<Q>(),
        _ => g.iter().map(Q::abs).max().unwrap_or_else(Q::zero),
    };
    let (norm_name, dual_name) = match q.norm {
        Norm::Linf => ("L∞", "‖g‖₁"),
        _ => ("L1", "‖g‖∞"),
    };
    let mut s = Step::new(
        Depth::Solution,
        prose!(
            "On the optimum's activation pattern (units at the kink counted on) every layer is linear, so the margin is affine in $delta$: $f_#t(x_0 + delta) - f_#k(x_0 + delta) = m + g^T delta$ with $m = #m$ and $g = #g$.",
            t = t as i64,
            k = k as i64,
            m = &m,
            g = image_math(p.shape, &g)
        ),
    );
    if dual.is_zero() {
        s.prose(prose!("Here $g = 0$: on this piece the margin does not depend on $delta$."));
    } else {
        let bound = if m.is_negative() { -&m / &dual } else { Q::zero() };
        s.prose(prose!(
            "Reaching the class needs $g^T delta >= #mm$. Hölder's inequality bounds $g^T delta$ by #dn = #d times the #nn norm of $delta$, so on this piece every such $delta$ has norm at least #bd.",
            mm = -&m,
            dn = words(dual_name),
            nn = words(norm_name),
            d = &dual,
            bd = &bound
        ));
        if bound == b.norm {
            s.prose(prose!(
                "The optimum meets this bound: on its piece neither the units' sign conditions nor the pixel box bind."
            ));
        } else {
            s.prose(prose!(
                "The optimum's norm #v is larger: on its piece some unit's sign condition or the pixel box binds. The exact least norm on the piece is a linear program (minimize the norm subject to the box, each hidden unit keeping its sign, and the margin at least 0); its optimum #v is proved by dual multipliers checked in exact arithmetic.",
                v = &b.norm
            ));
        }
    }
    insert_piece_step(ex, s);
}

/// Puts the piece's step before the proof of minimality: after the
/// pattern table.
fn insert_piece_step(ex: &mut Explanation, s: Step) {
    let at = ex.steps.iter().position(|st| st.depth == Depth::Detail).map_or(ex.steps.len(), |i| i + 1);
    ex.steps.insert(at, s);
}

/// The piece's step for L2: on the optimum's piece the margin is
/// `m + gᵀδ`, and Cauchy–Schwarz gives `‖δ‖₂ ≥ −m / ‖g‖₂` (a square root).
fn l2_framing(
    ex: &mut Explanation,
    p: &PerturbationProblem,
    ans: &PerturbationAnswer,
    b: &search::Optimum,
    g: &[Q],
    m: &Q,
) {
    let (t, k) = (b.target, ans.class);
    let mut s = Step::new(
        Depth::Solution,
        prose!(
            "On the optimum's activation pattern (units at the kink counted on) every layer is linear, so the margin is affine in $delta$: $f_#t(x_0 + delta) - f_#k(x_0 + delta) = m + g^T delta$ with $m = #m$ and $g = #g$.",
            t = t as i64,
            k = k as i64,
            m = m,
            g = image_math(p.shape, g)
        ),
    );
    let gg: Q = g.iter().map(|v| v * v).sum();
    if gg.is_zero() {
        s.prose(prose!("Here $g = 0$: on this piece the margin does not depend on $delta$."));
    } else {
        // The bound's square m² / ‖g‖₂² (0 when the margin is already met).
        let bound_sq = if m.is_negative() { &(m * m) / &gg } else { Q::zero() };
        s.prose(prose!(
            "Reaching the class needs $g^T delta >= #mm$. The Cauchy–Schwarz inequality bounds $g^T delta$ by $#ng$ times the L2 norm of $delta$, so on this piece every such $delta$ has norm at least $#bd$, reached by the multiple of $g$ of that length (the projection onto the half-space).",
            mm = -m,
            ng = super::perturbation::norm_math(Norm::L2, &gg),
            bd = super::perturbation::norm_math(Norm::L2, &bound_sq)
        ));
        if bound_sq == b.norm {
            s.prose(prose!(
                "The optimum meets this bound: on its piece neither the units' sign conditions nor the pixel box bind."
            ));
        } else {
            s.prose(prose!(
                "The optimum's norm $#v$ is larger: on its piece some unit's sign condition or the pixel box binds. The exact least norm on the piece is a convex quadratic program (minimize $norm(delta)^2$ subject to the box, each hidden unit keeping its sign, and the margin at least 0), whose optimum is the projection of $x_0$ onto a face of the piece; its value #w is proved by KKT multipliers checked in exact arithmetic.",
                v = super::perturbation::norm_math(Norm::L2, &b.norm),
                w = &b.norm
            ));
        }
    }
    insert_piece_step(ex, s);
}

/// Judges a key; see the module documentation.
pub fn judge(f: &PerturbationFinding, derived: &Value, key: &Value, ring: &crate::algebra::Ring) -> Result<(), String> {
    let (Status::Proved, Some(best)) = (&f.status, &f.answer.best) else {
        if f.status == Status::Gap && key.field("norm").is_some() {
            return Err(
                "the key states a minimum, but nnkey's search stopped at its node budget: it proves only a lower bound and a best perturbation found".into(),
            );
        }
        return crate::model::compare(key, derived, ring);
    };
    let Value::Record(fields) = key else {
        return Err(format!(
            "the key is {}, but the answer is a record {{ delta, norm, class, scores }}",
            key.describe()
        ));
    };
    if let Some((k, _)) = fields.iter().find(|(k, _)| !["delta", "norm", "class", "scores"].contains(&k.as_str())) {
        return Err(format!("the key has a field `{k}`; the answer's fields are delta, norm, class and scores"));
    }
    let number = |v: &Value, what: &str| {
        v.as_scalar().and_then(|s| s.as_constant()).ok_or_else(|| format!("the key's {what} is not a number"))
    };
    let Some(kv) = key.field("norm") else {
        return Err("the key has no `norm`: the minimum is what a key must state".into());
    };
    let norm = f.query.norm;
    let shown = |v: &Q| norm_value(norm, v).print(ring);
    let Some(kn) = key_objective(norm, kv) else {
        return Err(match norm {
            Norm::L2 => format!(
                "the key's norm is {}, not a nonnegative number or square root such as sqrt(1/8)",
                kv.print(ring)
            ),
            _ => "the key's norm is not a number".into(),
        });
    };
    if kn != best.norm {
        return Err(format!("the key's norm is {}, the proved minimum is {}", kv.print(ring), shown(&best.norm)));
    }
    let class = match key.field("class") {
        None => best.target,
        Some(v) => {
            let c = number(v, "class")?;
            let k = c.to_i64().filter(|k| c.is_integer() && *k >= 0).map(|k| k as usize);
            match k {
                Some(k) if f.answer.targets.contains(&k) => k,
                _ => return Err(format!("the key's class {c} is not a class the question asks to reach")),
            }
        }
    };
    let q = &f.query;
    let Some(kd) = key.field("delta") else {
        if class != best.target {
            return Err(format!(
                "the key's class is {class}, nnkey's minimum reaches class {}; give the key's `delta` to have another minimum checked",
                best.target
            ));
        }
        if let Some(s) = key.field("scores") {
            crate::model::compare(s, derived.field("scores").expect("scores"), ring)
                .map_err(|e| format!("in `scores`: {e}"))?;
        }
        return Ok(());
    };
    let delta = flat(kd, q.x0.len()).ok_or_else(|| {
        format!("the key's delta is {}, not {} numbers in the input's shape", kd.describe(), q.x0.len())
    })?;
    let n = q.norm.of(&delta);
    if n != best.norm {
        return Err(format!("the key's delta has norm {}, the minimum is {}", shown(&n), shown(&best.norm)));
    }
    let x: Vec<Q> = q.x0.iter().zip(&delta).map(|(a, d)| a + d).collect();
    if f.radius.is_none() && x.iter().any(|v| *v < q.lo || *v > q.hi) {
        return Err(format!("x + delta leaves the pixel range [{}, {}]", q.lo, q.hi));
    }
    let scores = forward(&q.net, &x).scores;
    if scores[class] < scores[f.answer.class] {
        return Err(format!(
            "at x + delta class {class} scores {} and the point's class {} scores {}: the key's delta does not reach class {class}",
            scores[class], f.answer.class, scores[f.answer.class]
        ));
    }
    if let Some(s) = key.field("scores") {
        let v = image_value(Shape::Flat(scores.len()), &scores);
        crate::model::compare(s, &v, ring).map_err(|e| format!("in `scores` (at the key's x + delta): {e}"))?;
    }
    Ok(())
}

/// The entries of a value that is an input-shaped array of `n` numbers.
fn flat(v: &Value, n: usize) -> Option<Vec<Q>> {
    let out: Vec<Q> = match v {
        Value::Scalar(s) => vec![s.as_constant()?],
        Value::Matrix(mm) => mm.entries().iter().map(|e| e.as_constant()).collect::<Option<_>>()?,
        Value::List(items) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(flat(it, usize::MAX)?);
            }
            out
        }
        _ => return None,
    };
    (n == usize::MAX || out.len() == n).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    #[test]
    fn the_piece_of_a_pattern_drops_the_units_that_are_off() {
        // u1 = relu(x1 + x2), u2 = relu(x1 − x2); f = (u1 + 2 u2 + 1).
        let net = ReluNet {
            layers: vec![
                Affine { w: vec![vec![q(1), q(1)], vec![q(1), q(-1)]], b: vec![q(0), q(0)] },
                Affine { w: vec![vec![q(1), q(2)]], b: vec![q(1)] },
            ],
        };
        let on_off = vec![vec![UnitState::Active, UnitState::Inactive]];
        assert_eq!(piece(&net, &on_off), (vec![vec![q(1), q(1)]], vec![q(1)]));
        // A unit at its kink counts as on: 3 x1 − x2 + 1.
        let kink = vec![vec![UnitState::Active, UnitState::Kink]];
        assert_eq!(piece(&net, &kink), (vec![vec![q(3), q(-1)]], vec![q(1)]));
    }

    #[test]
    fn a_key_delta_is_read_in_any_of_the_input_shapes() {
        let col = Value::Matrix(crate::algebra::Matrix::from_vec(
            2,
            1,
            vec![crate::algebra::RatFunc::constant(q(1)), crate::algebra::RatFunc::constant(q(-1))],
        ));
        assert_eq!(flat(&col, 2), Some(vec![q(1), q(-1)]));
        assert_eq!(flat(&col, 3), None);
        assert_eq!(flat(&Value::int(2), 1), Some(vec![q(2)]));
        assert_eq!(flat(&Value::Word("none".into()), 1), None);
    }
}
