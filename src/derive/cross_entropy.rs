//! The input gradient of the cross-entropy of a network's softmax,
//! `input gradient of cross_entropy(h, y) at x = X`, and the gradient sign
//! step on it.
//!
//! L = −log p_y with p = softmax(s) and s = h(x), so ∂L/∂s_k = p_k − [k = y]
//! and, on the point's linear piece, ∇L = Σ_k (p_k − [k = y]) ∇s_k =
//! Σ_{k ≠ y} p_k (∇s_k − ∇s_y). The scores and every class's gradient ∇s_k
//! are exact rationals (the backward pass of `input_gradient`); the p_k are
//! not rational, so the answer states them in closed form,
//! p_k = exp(s_k) / Σ_j exp(s_j), and as decimals from proved rational
//! bounds on exp and log (`algebra::exp`), marked as rounded.
//!
//! **Kinks.** When every class's score is differentiable at the point, so
//! is L. When some is not, two regions next to the point (found as for one
//! score) give L gradients Σ_k a_k g_k^A and Σ_k a_k g_k^B; when the bounds
//! prove an entry of their difference nonzero, L has no gradient there;
//! otherwise nnkey says it cannot decide.
//!
//! `input gradient of softmax(h, c) at x = X` is the same with the
//! probability p_c in place of L: ∂p_c/∂s_k = p_c ([k = c] − p_k), so
//! ∇p_c = Σ_{k ≠ c} p_c p_k (∇s_c − ∇s_k).
//!
//! **The sign step** raises the loss: x' = x + ε·sign(∇L), the fast
//! gradient sign method, which pushes away from the label y. The sign of entry i of ∇L is decided exactly when the
//! differences (∇s_k − ∇s_y)_i, k ≠ y, share a sign (p_k > 0), and from the
//! bounds otherwise; an entry whose bounds hold 0 is an error naming it.

use crate::algebra::Q;
use crate::algebra::exp::{self, Interval};
use crate::language::math::{Fence, Func, Math, Rel, Sign};
use crate::model::Value;
use crate::model::image::Shape;
use crate::model::input_gradient::{GradientKind, GradientQuery};

use super::explain::{Block, Explanation, Table};
use super::input_gradient::{
    Compiled, Outcome, SignStepAnswer, argmax, decide, image_math, image_value, pattern, step_landing, summary, text,
    with_math,
};

/// Significant digits of the decimals an answer states.
pub const DIGITS: u32 = 6;
/// A key's decimal passes when it is within this of the value, relative to
/// 1 + |value|: 10⁻⁴.
pub fn tolerance() -> Q {
    Q::new(1, 10_000)
}

/// The bounds of the non-rational quantities.
#[derive(Clone, Debug)]
pub struct Approx {
    pub probabilities: Vec<Interval>,
    /// The loss; `None` for a probability's gradient.
    pub loss: Option<Interval>,
    pub gradient: Vec<Interval>,
}

/// A region next to a kink: a direction into it and every class's gradient
/// there.
#[derive(Clone, Debug)]
pub struct ClassRegion {
    pub direction: Vec<Q>,
    pub gradients: Vec<Vec<Q>>,
    /// The bounds of ∇L there.
    pub gradient: Vec<Interval>,
}

#[derive(Clone, Debug)]
pub enum CrossEntropyOutcome {
    /// Every class's gradient, exact; `combinations` of ties compared.
    Smooth { gradients: Vec<Vec<Q>>, combinations: usize },
    /// Two regions whose L gradients differ at input value `entry`.
    Kink { regions: Box<[ClassRegion; 2]>, entry: usize },
}

/// The typed answer.
#[derive(Clone, Debug)]
pub struct CrossEntropyAnswer {
    /// The label y, or the class c of `softmax(NET, c)`.
    pub label: usize,
    /// The gradient of p_c rather than of the loss.
    pub probability: bool,
    pub shape: Shape,
    pub scores: Vec<Q>,
    pub approx: Approx,
    pub outcome: CrossEntropyOutcome,
    pub step: Option<SignStepAnswer>,
}

fn approx_math(shape: Shape, v: &[Interval]) -> Math {
    let d = |i: &Interval| decimal_math(&i.decimal(DIGITS));
    match shape {
        Shape::Flat(n) => Math::Matrix((0..n).map(|i| vec![d(&v[i])]).collect()),
        Shape::Image([c, h, w]) => {
            let channel = |k: usize| {
                Math::Matrix((0..h).map(|r| (0..w).map(|col| d(&v[(k * h + r) * w + col])).collect()).collect())
            };
            if c == 1 { channel(0) } else { Math::Seq(Fence::Bracket, (0..c).map(channel).collect()) }
        }
    }
}

/// Decimals as a value: each a word of digits, which a key reads back as
/// a number; a list of rows for one channel, of channels for several.
fn approx_value(shape: Shape, v: &[Interval]) -> Value {
    let d = |i: &Interval| Value::Word(i.decimal(DIGITS));
    match shape {
        Shape::Flat(1) => d(&v[0]),
        Shape::Flat(n) => Value::List((0..n).map(|i| d(&v[i])).collect()),
        Shape::Image([c, h, w]) => {
            let channel = |k: usize| {
                Value::List(
                    (0..h).map(|r| Value::List((0..w).map(|col| d(&v[(k * h + r) * w + col])).collect())).collect(),
                )
            };
            if c == 1 { channel(0) } else { Value::List((0..c).map(channel).collect()) }
        }
    }
}

/// Σ_(k ≠ y) w_k (g_k − g_y), bounded: with w = p, Σ_k (p_k − [k = y]) g_k.
fn combine(p: &[Interval], y: usize, gradients: &[Vec<Q>], n: usize) -> Vec<Interval> {
    (0..n)
        .map(|i| {
            let mut acc = Interval::point(Q::zero());
            for (k, g) in gradients.iter().enumerate() {
                let d = &g[i] - &gradients[y][i];
                if k == y || d.is_zero() {
                    continue;
                }
                acc = acc.add(&p[k].mul(&Interval::point(d)));
            }
            acc
        })
        .collect()
}

/// A decimal's digits, its sign outside.
fn decimal_math(d: &str) -> Math {
    match d.strip_prefix('-') {
        Some(rest) => Math::Neg(Box::new(Math::Text(rest.to_string()))),
        None => Math::Text(d.to_string()),
    }
}

fn exp_of(q: &Q) -> Math {
    Math::Apply(Func::Operator("exp"), vec![Math::Number(q.clone())])
}

fn sum_of_exps(s: &[Q]) -> Math {
    Math::Sum(s.iter().map(|x| (Sign::Plus, exp_of(x))).collect())
}

fn approx(lhs: Math, rhs: Math) -> Math {
    Math::Relation(Box::new(lhs), vec![(Rel::Approx, rhs)])
}

fn sub(name: &str, k: usize) -> Math {
    Math::name(name).sub(Math::int(k as i64))
}

/// Derives the cross-entropy gradient, or its sign step.
pub fn derive(q: &GradientQuery) -> Result<(CrossEntropyAnswer, Value, Explanation), String> {
    let (y, probability) = match (q.cross_entropy, q.probability) {
        (Some(y), _) => (y, false),
        (None, Some(c)) => (c, true),
        (None, None) => unreachable!("a cross-entropy or softmax query"),
    };
    let c = Compiled::new(&q.net)?;
    let values = c.forward(&q.point);
    let p = pattern(&c, &values);
    let scores = values.last().expect("the output").clone();
    let n = q.point.len();
    let classes = scores.len();
    let shape = q.net.input;
    let Some((lse, probabilities)) = exp::softmax(&scores) else {
        return Err(format!(
            "a score differs from the largest by more than {}, beyond the bounds nnkey proves on exp",
            exp::MAX_EXP_ARGUMENT
        ));
    };
    let loss = lse.sub(&Interval::point(scores[y].clone()));
    // The weights w_k of Σ_(k ≠ y) w_k (∇s_k − ∇s_y): p_k for the loss,
    // −p_c p_k for the probability p_c.
    let weights: Vec<Interval> = if probability {
        let zero = Interval::point(Q::zero());
        probabilities.iter().map(|pk| zero.sub(&probabilities[y].mul(pk))).collect()
    } else {
        probabilities.clone()
    };
    let what = if probability { "the probability" } else { "the cross-entropy" };
    let name = if probability { sub("p", y) } else { Math::name("L") };

    // Every class's gradient, or two regions where L's differ.
    let mut gradients = Vec::with_capacity(classes);
    let mut combinations = 0;
    let mut kinked = None;
    for k in 0..classes {
        let mut seed = vec![Q::zero(); classes];
        seed[k] = Q::one();
        match decide(&c, &values, &p, &seed)? {
            Outcome::Smooth { gradient, combinations: m } => {
                gradients.push(gradient);
                combinations = combinations.max(m);
            }
            Outcome::Kink { regions } => {
                kinked = Some((k, regions));
                break;
            }
        }
    }
    let outcome = match kinked {
        None => CrossEntropyOutcome::Smooth { gradients, combinations },
        Some((k, regions)) => {
            let region = |dir: &[Q]| -> Option<ClassRegion> {
                let choice = c.sides_along(&p, &values, dir)?;
                let gradients: Vec<Vec<Q>> = (0..classes)
                    .map(|j| {
                        let mut seed = vec![Q::zero(); classes];
                        seed[j] = Q::one();
                        c.backward(&p, &choice, &seed, false).0
                    })
                    .collect();
                let gradient = combine(&weights, y, &gradients, n);
                Some(ClassRegion { direction: dir.to_vec(), gradients, gradient })
            };
            let (Some(a), Some(b)) = (region(&regions[0].direction), region(&regions[1].direction)) else {
                return Err(format!(
                    "cannot decide whether {what} has a gradient here: the score of class {k} has none, and the regions found for it could not be entered"
                ));
            };
            let entry = (0..n).find(|&i| matches!(a.gradient[i].sub(&b.gradient[i]).sign(), Some(1 | -1)));
            let Some(entry) = entry else {
                return Err(format!(
                    "cannot decide whether {what} has a gradient here: the score of class {k} has none, and its gradients in two regions next to the point may be equal (the bounds on exp do not show them apart)"
                ));
            };
            CrossEntropyOutcome::Kink { regions: Box::new([a, b]), entry }
        }
    };

    let mut ex = Explanation::new();
    let s = Math::name("s");
    let mut table = Table { header: vec![text("layer"), text("gives"), text("at the point")], rows: Vec::new() };
    for (k, (stage, out)) in q.net.stages.iter().enumerate() {
        table.rows.push(vec![text(stage.word()), text(out.text()), summary(q, k, &c, &values, &p)]);
    }
    let yy = Math::int(y as i64);
    let step = ex.step(if probability {
        crate::prose!(
            "The question is about $p_#y$, where $p = softmax(s)$ is the softmax of the scores $s = #h(x)$: $p_k = exp(s_k) / sum_j exp(s_j)$. A forward pass at the point, exactly, gives every layer's values and the activation pattern.",
            y = yy.clone(),
            h = Math::name(&q.network),
        )
    } else {
        crate::prose!(
            "The loss is $L = -log p_#y$, where $p = softmax(s)$ is the softmax of the scores $s = #h(x)$: $p_k = exp(s_k) / sum_j exp(s_j)$. A forward pass at the point, exactly, gives every layer's values and the activation pattern.",
            y = yy.clone(),
            h = Math::name(&q.network),
        )
    });
    step.table(table);
    step.prose(with_math(
        "The scores at the point are ",
        s.clone().equals(image_math(Shape::Flat(classes), &scores)),
        ".",
    ));

    let grad = |m: Math| Math::apply("grad", vec![m]);
    let mut answer = CrossEntropyAnswer {
        label: y,
        probability,
        shape,
        scores: scores.clone(),
        approx: Approx {
            probabilities: probabilities.clone(),
            loss: (!probability).then(|| loss.clone()),
            gradient: Vec::new(),
        },
        outcome: outcome.clone(),
        step: None,
    };
    match &outcome {
        CrossEntropyOutcome::Smooth { gradients, combinations } => {
            let step = ex.step(text(
                "Near the point the pattern does not change, so every score is linear there; its gradient is the score's coefficient carried back through the layers, exactly, as for one score:",
            ));
            let items: Vec<Block> = gradients
                .iter()
                .enumerate()
                .map(|(k, g)| Block::Prose(with_math("", grad(sub("s", k)).equals(image_math(shape, g)), "")))
                .collect();
            step.listing(items.len(), items);
            if *combinations > 0 {
                step.prose(text(format!(
                    "The point is on a kink, but all {combinations} combinations of the tied units' sides give these same gradients of every score."
                )));
            }
            let terms: Vec<(Sign, Math)> = (0..classes)
                .filter(|&k| k != y)
                .map(|k| {
                    if probability {
                        let d: Vec<Q> = gradients[y].iter().zip(&gradients[k]).map(|(a, b)| a - b).collect();
                        (Sign::Plus, Math::Product(vec![sub("p", y), sub("p", k), image_math(shape, &d)]))
                    } else {
                        let d: Vec<Q> = gradients[k].iter().zip(&gradients[y]).map(|(a, b)| a - b).collect();
                        (Sign::Plus, Math::Product(vec![sub("p", k), image_math(shape, &d)]))
                    }
                })
                .collect();
            let step = ex.step(if probability {
                crate::prose!(
                    "The derivative of $p_#y$ with respect to $s_k$ is $p_#y ([k = #y] - p_k)$, so $grad p_#y = sum_(k != #y) p_#y p_k (grad s_#y - grad s_k)$:",
                    y = yy.clone(),
                )
            } else {
                crate::prose!(
                    "The derivative of $L$ with respect to the scores is $p_k - [k = #y]$, so $grad L = sum_k (p_k - [k = #y]) grad s_k$, which is $sum_(k != #y) p_k (grad s_k - grad s_#y)$ since the probabilities sum to 1:",
                    y = yy.clone(),
                )
            });
            step.display(grad(name.clone()).equals(Math::Sum(terms)));
            for k in 0..classes {
                step.display(
                    sub("p", k).equals(Math::Frac(Box::new(exp_of(&scores[k])), Box::new(sum_of_exps(&scores)))),
                );
            }
            if !probability {
                step.display(Math::name("L").equals(Math::Sum(vec![
                    (Sign::Plus, Math::Apply(Func::Operator("log"), vec![sum_of_exps(&scores)])),
                    (Sign::Minus, Math::Number(scores[y].clone())),
                ])));
            }
            let gradient = combine(&weights, y, gradients, n);
            let step = ex.step(text(format!(
                "Numerically (≈: exp is not rational, so these decimals are rounded to {DIGITS} significant digits; they come from proved rational bounds on exp and log, not from floating point):"
            )));
            step.display(approx(Math::name("p"), approx_math(Shape::Flat(classes), &probabilities)));
            if !probability {
                step.display(approx(Math::name("L"), decimal_math(&loss.decimal(DIGITS))));
            }
            step.display(approx(grad(name.clone()), approx_math(shape, &gradient)));
            answer.approx.gradient = gradient;
        }
        CrossEntropyOutcome::Kink { regions, entry } => {
            let step = ex.step(crate::prose!(
                "The point is on a kink of a score. Moving from the point along a direction that takes every tied unit strictly off its kink enters one region; in two such regions the gradient of $#f$ differs at input value #i (the bounds on exp prove the difference nonzero), so $#f$ has no gradient at the point.",
                f = name.clone(),
                i = Math::int(*entry as i64),
            ));
            for (r, reg) in regions.iter().enumerate() {
                step.prose(with_math(
                    &format!("Region {}, entered along ", r + 1),
                    Math::name("v").equals(image_math(shape, &reg.direction)),
                    ":",
                ));
                let items: Vec<Block> = reg
                    .gradients
                    .iter()
                    .enumerate()
                    .map(|(k, g)| Block::Prose(with_math("", grad(sub("s", k)).equals(image_math(shape, g)), "")))
                    .collect();
                step.listing(items.len(), items);
                step.display(approx(grad(name.clone()), approx_math(shape, &reg.gradient)));
            }
        }
    }

    let undefined = Value::Word("undefined".into());
    let value = match (&q.kind, &outcome) {
        (GradientKind::Gradient, CrossEntropyOutcome::Smooth { gradients, .. }) => Value::record(vec![
            ("scores", image_value(Shape::Flat(classes), &scores)),
            ("gradients", Value::List(gradients.iter().map(|g| image_value(shape, g)).collect())),
            ("approx", {
                let mut fields = vec![("probabilities", approx_value(Shape::Flat(classes), &probabilities))];
                if !probability {
                    fields.push(("loss", Value::Word(loss.decimal(DIGITS))));
                }
                fields.push(("gradient", approx_value(shape, &answer.approx.gradient)));
                Value::record(fields)
            }),
        ]),
        (GradientKind::Gradient, CrossEntropyOutcome::Kink { .. }) => Value::record(vec![("gradient", undefined)]),
        (GradientKind::SignStep { .. }, CrossEntropyOutcome::Kink { .. }) => undefined,
        (GradientKind::SignStep { eps, within }, CrossEntropyOutcome::Smooth { gradients, .. }) => {
            let signs = signs(gradients, y, &answer.approx.gradient)?;
            let image: Vec<Q> = q
                .point
                .iter()
                .zip(&signs)
                .map(|(x, s)| {
                    let v = x + &(eps * &Q::from_int(*s));
                    match within {
                        Some((lo, hi)) => v.clamp(lo.clone(), hi.clone()),
                        None => v,
                    }
                })
                .collect();
            let scores_after = c.forward(&image).pop().expect("the output");
            let (before, after) = (argmax(&scores), argmax(&scores_after));
            let flipped = before != after;
            let sign_q: Vec<Q> = signs.iter().map(|s| Q::from_int(*s)).collect();
            let mut pr = crate::prose!(
                "Entry $i$ of $grad L$ is $sum_(k != #y) p_k (grad s_k - grad s_#y)_i$ with every $p_k > 0$, so its sign is exact when the differences share a sign, and read off the proved bounds otherwise. The step moves every input value by $epsilon$ along the sign, which raises the loss (the fast gradient sign method on the label's loss)",
                y = yy.clone(),
            );
            pr.push_text(if within.is_some() { ", then clips it to the pixel range:" } else { ":" });
            let step = ex.step(pr);
            step.display(Math::name("sign").equals(image_math(shape, &sign_q)));
            let v = step_landing(step, shape, &q.point, &image, &scores_after, &before, &after);
            answer.step = Some(SignStepAnswer {
                selection: Vec::new(),
                signs,
                image,
                scores_before: scores.clone(),
                scores_after,
                classes_before: before,
                classes_after: after,
                flipped,
            });
            v
        }
        (GradientKind::Saliency { .. }, _) => unreachable!("no saliency of a cross-entropy"),
    };
    Ok((answer, value, ex))
}

/// The sign of every entry of ∇L, exactly: from the differences when they
/// share a sign, else from the bounds; an error names an entry neither
/// decides.
fn signs(gradients: &[Vec<Q>], y: usize, bounds: &[Interval]) -> Result<Vec<i64>, String> {
    (0..bounds.len())
        .map(|i| {
            let d: Vec<i32> =
                (0..gradients.len()).filter(|&k| k != y).map(|k| (&gradients[k][i] - &gradients[y][i]).signum()).collect();
            if d.iter().all(|&s| s >= 0) {
                return Ok(i64::from(d.iter().any(|&s| s > 0)));
            }
            if d.iter().all(|&s| s <= 0) {
                return Ok(-1);
            }
            bounds[i].sign().filter(|&s| s != 0).ok_or_else(|| {
                format!(
                    "the sign of entry {i} of the cross-entropy's gradient is not decided: its terms have both signs and the bounds on exp hold 0"
                )
            })
        })
        .collect()
}

/// The numbers of a key's value, flattened row-major.
fn numbers(v: &Value) -> Option<Vec<Q>> {
    match v {
        Value::Scalar(s) => Some(vec![s.as_constant()?]),
        Value::Word(w) => Some(vec![Q::parse(w).ok()?]),
        Value::Matrix(m) => m.entries().iter().map(|e| e.as_constant()).collect(),
        Value::List(items) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(numbers(it)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn near_all(key: &Value, bounds: &[Interval], what: &str) -> Result<(), String> {
    let k = numbers(key).ok_or_else(|| format!("the key's `{what}` is not numbers"))?;
    if k.len() != bounds.len() {
        return Err(format!("the key's `{what}` has {} numbers, nnkey derives {}", k.len(), bounds.len()));
    }
    let tol = tolerance();
    for (i, (x, b)) in k.iter().zip(bounds).enumerate() {
        let t = &tol * &(&Q::one() + &b.mid().abs());
        if !b.near(x, &t) {
            let at = if bounds.len() == 1 { String::new() } else { format!(" entry {i}") };
            return Err(format!(
                "in `approx`, `{what}`{at}: the key says {}, nnkey derives ≈ {} (a key's decimal must be within 1e-4 · (1 + |value|))",
                exp::decimal(x, 12),
                b.decimal(DIGITS)
            ));
        }
    }
    Ok(())
}

/// Judges a key: `scores` and `gradients` exactly, `approx` within the
/// tolerance; the key must state the gradient in one of the two forms.
pub fn judge(a: &CrossEntropyAnswer, derived: &Value, key: &Value, ring: &crate::algebra::Ring) -> Result<(), String> {
    if a.step.is_some() || !matches!(a.outcome, CrossEntropyOutcome::Smooth { .. }) {
        return crate::model::compare(key, derived, ring);
    }
    let Value::Record(fields) = key else {
        return Err(format!(
            "the key is {}, but the answer is a record {{ scores, gradients, approx: {{ probabilities, loss, gradient }} }}",
            key.describe()
        ));
    };
    if let Some((k, _)) = fields.iter().find(|(k, _)| !["scores", "gradients", "approx"].contains(&k.as_str())) {
        return Err(format!("the key has a field `{k}`; the answer's fields are scores, gradients and approx"));
    }
    // Exact, entry by entry in order: the scores, then each class's
    // gradient in the input's row-major order.
    for f in ["scores", "gradients"] {
        let Some(v) = key.field(f) else { continue };
        let k = numbers(v).ok_or_else(|| format!("the key's `{f}` is not numbers"))?;
        let d = numbers(derived.field(f).expect("derived")).expect("numbers");
        if k.len() != d.len() {
            return Err(format!("the key's `{f}` has {} numbers, nnkey derives {}", k.len(), d.len()));
        }
        if let Some(i) = (0..k.len()).find(|&i| k[i] != d[i]) {
            let n = a.scores.len();
            let at = if f == "scores" {
                format!("class {i}")
            } else {
                format!("class {}, entry {}", i / (d.len() / n), i % (d.len() / n))
            };
            return Err(format!("in `{f}`, {at}: the key says {}, nnkey derives {}", k[i], d[i]));
        }
    }
    let mut states_gradient = key.field("gradients").is_some();
    if let Some(ap) = key.field("approx") {
        let Value::Record(inner) = ap else {
            return Err("the key's `approx` is not a record { probabilities, loss, gradient }".into());
        };
        for (k, v) in inner {
            match k.as_str() {
                "probabilities" => near_all(v, &a.approx.probabilities, k)?,
                "loss" => match &a.approx.loss {
                    Some(l) => near_all(v, std::slice::from_ref(l), k)?,
                    None => {
                        return Err(
                            "the key's `approx` has a `loss`, but the answer is a probability's gradient".into()
                        );
                    }
                },
                "gradient" => {
                    near_all(v, &a.approx.gradient, k)?;
                    states_gradient = true;
                }
                _ => {
                    return Err(format!(
                        "the key's `approx` has a field `{k}`; its fields are probabilities, loss and gradient"
                    ));
                }
            }
        }
    }
    if !states_gradient {
        return Err("the key states no gradient: give `gradients` (exact, per class) or `approx: { gradient }`".into());
    }
    Ok(())
}
