//! Properties of linear pieces on random small networks, checked against
//! an exact forward pass written here in rationals:
//!
//! - the piece at a point satisfies W·x + b = h(x) at the point and at
//!   nearby points with the same activation pattern;
//! - the pieces of a network of one input partition the line (increasing
//!   breakpoints), agree with h inside every interval, meet at every
//!   breakpoint, and neighbours differ;
//! - the piece at a point and the list of pieces agree: a breakpoint is
//!   exactly where `linear piece` finds a kink, with the neighbouring
//!   pieces on its sides.
//!
//! The runs are seeded, so a failure reproduces.

use nnkey::algebra::{Q, RatFunc, Symbol};
use nnkey::check::check_source;
use nnkey::language::SourceFile;
use nnkey::model::Value;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Activations by index: slope below 0 (1 above) and how it is written.
const ACTS: &[(i64, i64, &str)] =
    &[(0, 1, "relu"), (-1, 1, "abs"), (1, 2, "leaky_relu(1/2)"), (-1, 3, "leaky_relu(-1/3)"), (1, 1, "identity")];

/// Weights (rows), bias, and the activation after the layer, if any.
type Dense = (Vec<Vec<Q>>, Vec<Q>, Option<usize>);

/// A random network: input dimension, then its layers; the last layer has
/// no activation.
#[derive(Clone, Debug)]
struct Net {
    input: usize,
    layers: Vec<Dense>,
}

impl Net {
    fn text(&self) -> String {
        let mut t = format!("  h = network (x: {}) {{\n", self.input);
        for (w, b, act) in &self.layers {
            let rows: Vec<String> =
                w.iter().map(|r| format!("[{}]", r.iter().map(Q::to_string).collect::<Vec<_>>().join(", "))).collect();
            let bias: Vec<String> = b.iter().map(Q::to_string).collect();
            t += &format!("    dense [{}] + [{}]\n", rows.join(", "), bias.join(", "));
            if let Some(a) = act {
                t += &format!("    {}\n", ACTS[*a].2);
            }
        }
        t + "  }\n"
    }

    /// The exact output, and every bending unit's input sign.
    fn forward(&self, x: &[Q]) -> (Vec<Q>, Vec<i32>) {
        let mut v = x.to_vec();
        let mut signs = Vec::new();
        for (w, b, act) in &self.layers {
            v = w
                .iter()
                .zip(b)
                .map(|(row, bi)| row.iter().zip(&v).fold(bi.clone(), |acc, (a, y)| &acc + &(a * y)))
                .collect();
            if let Some(a) = act {
                let (n, d, _) = ACTS[*a];
                let slope = Q::new(n, d);
                for z in v.iter_mut() {
                    if !slope.is_one() {
                        signs.push(z.signum());
                    }
                    if z.is_negative() {
                        *z = &*z * &slope;
                    }
                }
            }
        }
        (v, signs)
    }
}

fn small() -> impl Strategy<Value = Q> {
    (-4i64..=4).prop_map(|k| Q::new(k, 2))
}

/// A random network; with `homogeneous` every bias is 0, so every unit is
/// at its kink at the origin.
fn network(input: usize, homogeneous: bool) -> impl Strategy<Value = Net> {
    let hidden = prop::collection::vec((1usize..=3, 0usize..ACTS.len()), 1..=3);
    (hidden, 1usize..=2).prop_flat_map(move |(hidden, outputs)| {
        let mut shapes = Vec::new();
        let mut width = input;
        for &(w, _) in &hidden {
            shapes.push((w, width));
            width = w;
        }
        shapes.push((outputs, width));
        let acts: Vec<Option<usize>> = hidden.iter().map(|h| Some(h.1)).chain(std::iter::once(None)).collect();
        let layers: Vec<_> = shapes
            .iter()
            .map(|&(r, c)| {
                (prop::collection::vec(prop::collection::vec(small(), c), r), prop::collection::vec(small(), r))
            })
            .collect();
        layers.prop_map(move |ls| Net {
            input,
            layers: ls
                .into_iter()
                .zip(&acts)
                .map(|((w, b), a)| {
                    let b = if homogeneous { vec![Q::zero(); b.len()] } else { b };
                    (w, b, *a)
                })
                .collect(),
        })
    })
}

/// Runs a problem and returns each finding's value (all must derive and
/// pass their numeric cross-check) with a way to evaluate polynomials.
struct Run {
    values: Vec<Value>,
    ring: nnkey::algebra::Ring,
}

fn run(net: &Net, finds: &str) -> Run {
    let text = format!("problem p\n{}{finds}", net.text());
    let mut report = check_source(SourceFile::new("p.nnk", text));
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let p = report.problems.remove(0);
    for f in &p.findings {
        assert!(f.crosscheck.passed, "{}: {:?}", f.finding.name, f.crosscheck);
    }
    Run { values: p.findings.into_iter().map(|f| f.finding.value).collect(), ring: p.problem.ring }
}

impl Run {
    fn show(&self, v: &Value) -> String {
        v.print(&self.ring)
    }

    /// Evaluates an affine expression in x at t.
    fn at(&self, e: &RatFunc, t: &Q) -> Q {
        let x = self.ring.lookup(&Symbol::plain("x"));
        e.eval(&|v| if Some(v) == x { t.clone() } else { Q::zero() }).expect("a polynomial")
    }
}

fn entries(v: &Value) -> Vec<Q> {
    match v {
        Value::List(items) if items.is_empty() => Vec::new(),
        other => {
            other.as_matrix().expect("a matrix").entries().iter().map(|e| e.as_constant().expect("a number")).collect()
        }
    }
}

/// W and b of a `{ W, b, … }` record.
fn affine(v: &Value) -> (Vec<Vec<Q>>, Vec<Q>) {
    let w = v.field("W").and_then(Value::as_matrix).expect("W");
    let b = entries(v.field("b").expect("b"));
    let rows = (0..w.rows()).map(|r| w.row(r).iter().map(|e| e.as_constant().expect("a number")).collect()).collect();
    (rows, b)
}

fn apply(w: &[Vec<Q>], b: &[Q], x: &[Q]) -> Vec<Q> {
    w.iter().zip(b).map(|(row, bi)| row.iter().zip(x).fold(bi.clone(), |acc, (a, y)| &acc + &(a * y))).collect()
}

fn config() -> Config {
    Config { cases: 48, rng_seed: RngSeed::Fixed(20240607), failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pieces_partition_the_line_and_match_the_network(net in network(1, false)) {
        let r = run(&net, "  find all = pieces of h\n");
        let v = &r.values[0];
        let breaks = entries(v.field("breakpoints").expect("breakpoints"));
        let pieces = v.field("pieces").and_then(Value::as_matrix).expect("pieces");
        prop_assert_eq!(pieces.rows(), breaks.len() + 1, "{}", r.show(v));
        prop_assert!(breaks.windows(2).all(|w| w[0] < w[1]), "breakpoints increase: {}", r.show(v));
        let piece = |k: usize, t: &Q| -> Vec<Q> { pieces.row(k).iter().map(|e| r.at(e, t)).collect() };
        // Points inside every interval, and beyond the outermost ones.
        let mut probes: Vec<(usize, Q)> = Vec::new();
        match (breaks.first(), breaks.last()) {
            (Some(first), Some(last)) => {
                probes.push((0, first - &Q::one()));
                probes.push((breaks.len(), last + &Q::one()));
                for (k, w) in breaks.windows(2).enumerate() {
                    probes.push((k + 1, &(&w[0] + &w[1]) / &Q::from_int(2)));
                    probes.push((k + 1, &(&(&w[0] * &Q::from_int(3)) + &w[1]) / &Q::from_int(4)));
                }
            }
            _ => probes.extend([(0, Q::from_int(-7)), (0, Q::zero()), (0, Q::new(13, 3))]),
        }
        for (k, t) in &probes {
            prop_assert_eq!(net.forward(std::slice::from_ref(t)).0, piece(*k, t), "at {} in {}", t, r.show(v));
        }
        for (k, t) in breaks.iter().enumerate() {
            let h = net.forward(std::slice::from_ref(t)).0;
            prop_assert_eq!(&h, &piece(k, t), "continuity at {}", t);
            prop_assert_eq!(&h, &piece(k + 1, t), "continuity at {}", t);
            prop_assert_ne!(pieces.row(k), pieces.row(k + 1), "neighbours at {} are merged", t);
        }
    }

    #[test]
    fn the_piece_at_a_point_agrees_with_the_pieces(net in network(1, false), k in -12i64..=12) {
        let r = run(&net, "  find all = pieces of h\n");
        let all = &r.values[0];
        let breaks = entries(all.field("breakpoints").expect("breakpoints"));
        let pieces = all.field("pieces").and_then(Value::as_matrix).expect("pieces");
        let slope_and_intercept = |k: usize| -> (Vec<Q>, Vec<Q>) {
            let c: Vec<Q> = pieces.row(k).iter().map(|e| r.at(e, &Q::zero())).collect();
            let s: Vec<Q> = pieces.row(k).iter().zip(&c).map(|(e, c0)| &r.at(e, &Q::one()) - c0).collect();
            (s, c)
        };
        let column = |w: Vec<Vec<Q>>| -> Vec<Q> { w.into_iter().map(|row| row[0].clone()).collect() };
        // A random point, and the first breakpoints, where a kink must be.
        let points: Vec<Q> = std::iter::once(Q::new(k, 4)).chain(breaks.iter().take(4).cloned()).collect();
        let finds: String = points.iter().enumerate().map(|(i, t)| format!("  find p{i} = linear piece of h at x = {t}\n")).collect();
        let pr = run(&net, &finds);
        for (point, p) in points.iter().zip(&pr.values) {
            match breaks.iter().position(|b| b == point) {
                Some(at) => {
                    prop_assert!(matches!(p.field("gradient"), Some(Value::Word(w)) if w == "undefined"), "{}", pr.show(p));
                    let (lw, lb) = affine(p.field("left").expect("left"));
                    let (rw, rb) = affine(p.field("right").expect("right"));
                    prop_assert_eq!((column(lw), lb), slope_and_intercept(at));
                    prop_assert_eq!((column(rw), rb), slope_and_intercept(at + 1));
                }
                None => {
                    let (w, b) = affine(p);
                    let h = net.forward(std::slice::from_ref(point)).0;
                    prop_assert_eq!(apply(&w, &b, std::slice::from_ref(point)), h, "W x + b = h(x): {}", pr.show(p));
                    let k = breaks.iter().filter(|b| *b < point).count();
                    prop_assert_eq!((column(w), b), slope_and_intercept(k));
                }
            }
        }
    }

    #[test]
    fn the_piece_is_exact_in_two_dimensions(net in network(2, false), a in -4i64..=4, b in -4i64..=4) {
        let x0 = vec![Q::new(a, 2), Q::new(b, 2)];
        let r = run(&net, &format!("  find p = linear piece of h at x = [{}, {}]\n", x0[0], x0[1]));
        let p = &r.values[0];
        let (h0, pattern) = net.forward(&x0);
        let tiny = Q::new(1, 1_000_000);
        let step = |v: &[i64; 2], s: &Q| -> Vec<Q> {
            vec![&x0[0] + &(s * &Q::from_int(v[0])), &x0[1] + &(s * &Q::from_int(v[1]))]
        };
        let dirs = [[1, 0], [0, 1], [1, 1], [1, -1], [1, 2], [2, -1], [3, 1], [1, -3]];
        if p.field("W").is_some() {
            let (w, bias) = affine(p);
            prop_assert_eq!(apply(&w, &bias, &x0), h0, "W x + b = h(x): {}", r.show(p));
            for v in &dirs {
                for s in [tiny.clone(), -&tiny] {
                    let x = step(v, &s);
                    let (h, pat) = net.forward(&x);
                    // Beside a tie every neighbouring piece is this one.
                    if pat == pattern || pattern.contains(&0) {
                        prop_assert_eq!(apply(&w, &bias, &x), h, "near the point: {}", r.show(p));
                    }
                }
            }
        } else {
            prop_assert!(pattern.contains(&0), "a kink needs a unit at 0: {}", r.show(p));
            // Not affine near the point: some direction bends.
            let bends = dirs.iter().any(|v| {
                let up = net.forward(&step(v, &tiny)).0;
                let down = net.forward(&step(v, &-&tiny)).0;
                up.iter().zip(&down).zip(&h0).any(|((u, d), h)| (u + d) != (h * &Q::from_int(2)))
            });
            prop_assert!(bends, "no direction shows the kink: {}", r.show(p));
        }
    }

    #[test]
    fn homogeneous_networks_at_the_origin(net in network(2, true)) {
        // With no biases the network is positively homogeneous, so it is
        // differentiable at 0 exactly when it is linear everywhere. Compare
        // with 520 directions around the circle.
        let r = run(&net, "  find p = linear piece of h at x = [0, 0]\n");
        let p = &r.values[0];
        let f = |v: &[Q]| net.forward(v).0;
        let (e1, e2) = (f(&[Q::one(), Q::zero()]), f(&[Q::zero(), Q::one()]));
        let dirs = (-65i64..=64).flat_map(|k| [[k, 64], [64, k], [-k, -64], [-64, -k]]);
        let linear = dirs.into_iter().all(|[a, b]| {
            let (a, b) = (Q::from_int(a), Q::from_int(b));
            let lin: Vec<Q> = e1.iter().zip(&e2).map(|(x, y)| &(&a * x) + &(&b * y)).collect();
            f(&[a, b]) == lin
        });
        match p.field("W") {
            Some(_) => {
                prop_assert!(linear, "nnkey finds a gradient but the network bends: {}", r.show(p));
                let (w, b) = affine(p);
                prop_assert!(b.iter().all(Q::is_zero));
                let cols: Vec<Vec<Q>> = (0..2).map(|k| w.iter().map(|row| row[k].clone()).collect()).collect();
                prop_assert_eq!(&cols[0], &e1);
                prop_assert_eq!(&cols[1], &e2);
            }
            None => prop_assert!(!linear, "nnkey finds a kink but the network is linear: {}", r.show(p)),
        }
    }
}
