//! The smallest perturbation that changes a ReLU network's class: tiny
//! networks whose answers are derived by hand, the proof checker against
//! tampered proofs, the budget's gap, and random small networks against
//! an enumeration of every activation pattern.

use nnkey::algebra::Q;
use nnkey::algebra::lp::{self, Limits, Lp, Outcome, Sense};
use nnkey::derive::perturbation::{
    Affine, Budget, NodeEnd, Norm, PerturbationQuery, ReluNet, Target, UnitState, check_proof, explain,
    smallest_perturbation,
};
use nnkey::numeric::Rng;
use nnkey::numeric::perturbation::check as numeric_check;

fn q(n: i64) -> Q {
    Q::from_int(n)
}

fn r(n: i64, d: i64) -> Q {
    Q::new(n, d)
}

fn affine(w: &[&[Q]], b: &[Q]) -> Affine {
    Affine { w: w.iter().map(|row| row.to_vec()).collect(), b: b.to_vec() }
}

fn query(net: ReluNet, x0: Vec<Q>, target: Target, norm: Norm) -> PerturbationQuery {
    PerturbationQuery { net, x0, target, norm, lo: q(0), hi: q(1), budget: Budget::default() }
}

/// Network A: h1 = relu(x1 + x2 − 1), h2 = relu(x1 − x2); f0 = h2,
/// f1 = 2 h1 + 1/8.
fn net_a() -> ReluNet {
    ReluNet {
        layers: vec![
            affine(&[&[q(1), q(1)], &[q(1), q(-1)]], &[q(-1), q(0)]),
            affine(&[&[q(0), q(1)], &[q(2), q(0)]], &[q(0), r(1, 8)]),
        ],
    }
}

/// Network B: h1 = relu(x1 − 1/2), h2 = relu(x2 − 1/2); f0 = 1/4,
/// f1 = 2 h1 + 2 h2.
fn net_b() -> ReluNet {
    ReluNet {
        layers: vec![
            affine(&[&[q(1), q(0)], &[q(0), q(1)]], &[r(-1, 2), r(-1, 2)]),
            affine(&[&[q(0), q(0)], &[q(2), q(2)]], &[r(1, 4), q(0)]),
        ],
    }
}

/// Network C: h1 = relu(x1 − x2), h2 = relu(x2 − x1), h3 = relu(x1 + x2 − 1);
/// f0 = 1/4, f1 = 4 h1, f2 = 2 h2 + 2 h3.
fn net_c() -> ReluNet {
    ReluNet {
        layers: vec![
            affine(&[&[q(1), q(-1)], &[q(-1), q(1)], &[q(1), q(1)]], &[q(0), q(0), q(-1)]),
            affine(&[&[q(0), q(0), q(0)], &[q(4), q(0), q(0)], &[q(0), q(2), q(2)]], &[r(1, 4), q(0), q(0)]),
        ],
    }
}

/// Solves, checks the proof and the numeric attack, and returns the answer.
fn solve(query: &PerturbationQuery) -> nnkey::derive::perturbation::PerturbationAnswer {
    let ans = smallest_perturbation(query).expect("the search runs");
    assert!(ans.proved, "the search finishes");
    check_proof(query, &ans).expect("the proof checks");
    let c = numeric_check(query, &ans, 7, 8);
    assert!(c.passed && c.trials > 0, "{c:?}");
    // The explanation's templates are checked as it is built.
    let ex = explain(query, &ans);
    assert!(ex.steps.len() >= 4);
    ans
}

#[test]
fn network_a_moves_both_pixels_by_one_sixteenth() {
    // At x0 = (1/2, 1/4): h = (0, 1/4), f = (1/4, 1/8), class 0. While
    // |δ|∞ < 1/16, x1 + x2 − 1 < 0 so h1 = 0, and class 1 needs
    // x1 − x2 ≤ 1/8, i.e. δ1 − δ2 ≤ −1/8: only δ = (−1/16, 1/16) at norm 1/16.
    let query = query(net_a(), vec![r(1, 2), r(1, 4)], Target::Class(1), Norm::Linf);
    let ans = solve(&query);
    assert_eq!(ans.class, 0);
    let b = ans.best.unwrap();
    assert_eq!(b.norm, r(1, 16));
    assert_eq!(b.delta, vec![r(-1, 16), r(1, 16)]);
    assert_eq!(b.scores, vec![r(1, 8), r(1, 8)]);
    assert_eq!(b.pattern, vec![vec![UnitState::Inactive, UnitState::Active]]);
    // In L1 the same condition costs |δ1| + |δ2| ≥ 1/8 (raising h1 instead
    // needs δ1 + δ2 > 1/4).
    let l1 = PerturbationQuery { norm: Norm::L1, ..query };
    assert_eq!(solve(&l1).best.unwrap().norm, r(1, 8));
}

#[test]
fn network_b_must_switch_both_units_on() {
    // At x0 = (0, 0) the box allows only δ ≥ 0. Class 1 needs
    // 2 relu(δ1 − 1/2) + 2 relu(δ2 − 1/2) ≥ 1/4. In L∞ the left side is
    // largest at δ = (ε, ε), where it is 4ε − 2 once ε ≥ 1/2: ε = 9/16.
    let query = query(net_b(), vec![q(0), q(0)], Target::Class(1), Norm::Linf);
    let ans = solve(&query);
    let b = ans.best.unwrap();
    assert_eq!(b.norm, r(9, 16));
    assert_eq!(b.delta, vec![r(9, 16), r(9, 16)]);
    assert_eq!(b.scores, vec![r(1, 4), r(1, 4)]);
    // In L1 one unit alone is cheaper: 2 (δ1 − 1/2) ≥ 1/4 at δ1 = 5/8,
    // against δ1 + δ2 ≥ 1 + 1/8 with both on.
    let l1 = PerturbationQuery { norm: Norm::L1, ..query };
    assert_eq!(solve(&l1).best.unwrap().norm, r(5, 8));
}

#[test]
fn network_c_any_other_class_ends_at_a_kink() {
    // At x0 = (1/2, 1/2) all three units are at 0 and f = (1/4, 0, 0).
    // Class 1 needs 4 relu(δ1 − δ2) ≥ 1/4: δ1 − δ2 ≥ 1/16, L∞ 1/32 at
    // δ = (1/32, −1/32). Class 2 needs relu(δ2 − δ1) + relu(δ1 + δ2) ≥ 1/8,
    // whose left side is at most 2ε: L∞ 1/16. So 1/32, class 1; there
    // h3 = relu(x1 + x2 − 1) sits exactly at its kink.
    let query = query(net_c(), vec![r(1, 2), r(1, 2)], Target::AnyOther, Norm::Linf);
    let ans = solve(&query);
    let b = ans.best.unwrap();
    assert_eq!((b.norm.clone(), b.target), (r(1, 32), 1));
    assert_eq!(b.delta, vec![r(1, 32), r(-1, 32)]);
    assert_eq!(b.scores, vec![r(1, 4), r(1, 4), q(0)]);
    assert_eq!(b.pattern, vec![vec![UnitState::Active, UnitState::Inactive, UnitState::Kink]]);
    // In L1 both classes need |δ1| + |δ2| ≥ 1/16 (the left side of class 2
    // is at most |δ2 − δ1| + |δ1 + δ2| ≤ 2 (|δ1| + |δ2|)).
    let l1 = PerturbationQuery { norm: Norm::L1, ..query };
    assert_eq!(solve(&l1).best.unwrap().norm, r(1, 16));
}

#[test]
fn an_unreachable_class_is_proved_unreachable() {
    // f1 = −1 everywhere, f0 = h ≥ 0: nothing in the box reaches class 1.
    let net = ReluNet { layers: vec![affine(&[&[q(1), q(1)]], &[q(0)]), affine(&[&[q(1)], &[q(0)]], &[q(0), q(-1)])] };
    let query = query(net, vec![r(1, 2), r(1, 2)], Target::Class(1), Norm::Linf);
    let ans = smallest_perturbation(&query).unwrap();
    assert!(ans.proved && ans.best.is_none());
    check_proof(&query, &ans).unwrap();
}

#[test]
fn the_proof_checker_rejects_tampered_proofs() {
    let query = query(net_b(), vec![q(0), q(0)], Target::Class(1), Norm::Linf);
    let ans = smallest_perturbation(&query).unwrap();
    check_proof(&query, &ans).unwrap();
    // A bound raised above what its multipliers prove.
    let mut bad = ans.clone();
    let i = bad
        .nodes
        .iter()
        .position(|n| matches!(n.end, NodeEnd::Bound { .. } | NodeEnd::Leaf { .. }))
        .expect("a node closed by a bound");
    match &mut bad.nodes[i].end {
        NodeEnd::Bound { bound, .. } | NodeEnd::Leaf { value: bound, .. } => *bound = &*bound + &q(1),
        _ => unreachable!(),
    }
    assert!(check_proof(&query, &bad).is_err());
    // Multipliers changed.
    let mut bad = ans.clone();
    match &mut bad.nodes[i].end {
        NodeEnd::Bound { y, .. } | NodeEnd::Leaf { y, .. } => {
            for v in y.iter_mut() {
                *v = &*v * &q(2);
            }
            y[0] = &y[0] + &r(1, 3);
        }
        _ => unreachable!(),
    }
    assert!(check_proof(&query, &bad).is_err());
    // A claimed optimum that does not reach the class.
    let mut bad = ans.clone();
    let b = bad.best.as_mut().unwrap();
    b.delta = vec![r(1, 2), r(1, 2)];
    b.x = b.delta.clone();
    b.norm = r(1, 2);
    assert!(check_proof(&query, &bad).is_err());
    // A child of a split removed.
    let mut bad = ans.clone();
    if let Some(k) = bad.nodes.iter().rposition(|n| n.parent.is_some()) {
        bad.nodes.truncate(k);
        assert!(check_proof(&query, &bad).is_err());
    }
}

#[test]
fn the_budget_gives_a_gap_not_a_minimum() {
    let mut query = query(net_b(), vec![q(0), q(0)], Target::Class(1), Norm::Linf);
    query.budget.nodes = 1;
    let ans = smallest_perturbation(&query).unwrap();
    assert!(!ans.proved);
    assert!(ans.nodes.iter().any(|n| matches!(n.end, NodeEnd::Open { .. })));
    let lower = ans.lower.clone().expect("a lower bound");
    if let Some(b) = &ans.best {
        assert!(lower <= b.norm);
    }
    assert!(lower <= r(9, 16));
    assert!(check_proof(&query, &ans).is_err(), "an unfinished search is no proof");
    let text = format!("{:?}", explain(&query, &ans));
    assert!(!text.contains("is the minimum"));
}

/// The least norm by brute force: one exact linear program per activation
/// pattern of the hidden layer, built here from the weights alone.
fn by_patterns(query: &PerturbationQuery, class: usize, target: usize) -> Option<Q> {
    let n = query.x0.len();
    let hidden = &query.net.layers[0];
    let out = &query.net.layers[1];
    let h = hidden.b.len();
    let mut best: Option<Q> = None;
    for mask in 0u32..(1 << h) {
        let mut lp = Lp::new(0);
        for x in &query.x0 {
            lp.add_var(Some(&query.lo - x), Some(&query.hi - x), q(0));
        }
        let t = lp.add_var(Some(q(0)), None, q(1));
        for i in 0..n {
            lp.add_row(vec![(i, q(1)), (t, q(-1))], Sense::Le, q(0));
            lp.add_row(vec![(i, q(-1)), (t, q(-1))], Sense::Le, q(0));
        }
        // z_j = w_j · (x0 + δ) + b_j.
        let mut margin = vec![q(0); n];
        let mut constant = &out.b[target] - &out.b[class];
        for j in 0..h {
            let z0: Q = hidden.w[j].iter().zip(&query.x0).map(|(w, x)| w * x).sum::<Q>() + hidden.b[j].clone();
            let row: Vec<(usize, Q)> = (0..n).map(|i| (i, hidden.w[j][i].clone())).collect();
            if mask >> j & 1 == 1 {
                lp.add_row(row, Sense::Ge, -&z0);
                let c = &out.w[target][j] - &out.w[class][j];
                for (m, w) in margin.iter_mut().zip(&hidden.w[j]) {
                    *m += &(&c * w);
                }
                constant += &(&c * &z0);
            } else {
                lp.add_row(row, Sense::Le, -&z0);
            }
        }
        lp.add_row(margin.into_iter().enumerate().collect(), Sense::Ge, -&constant);
        let s = lp::solve(&lp, Limits::default()).unwrap();
        lp::verify(&lp, &s.outcome).unwrap();
        if let Outcome::Optimal { value, .. } = s.outcome
            && best.as_ref().is_none_or(|b| value < *b)
        {
            best = Some(value);
        }
    }
    best
}

#[test]
fn random_small_networks_agree_with_every_pattern_enumerated() {
    let mut rng = Rng::new(11);
    let mut checked = 0;
    for _ in 0..12 {
        let (n, h, m) = (3, 5, 3);
        let mut layer = |o: usize, i: usize| Affine {
            w: (0..o).map(|_| (0..i).map(|_| r(rng.int(-8, 8), 8)).collect()).collect(),
            b: (0..o).map(|_| r(rng.int(-4, 4), 8)).collect(),
        };
        let net = ReluNet { layers: vec![layer(h, n), layer(m, h)] };
        let x0: Vec<Q> = (0..n).map(|_| r(rng.int(0, 8), 8)).collect();
        let query = query(net, x0, Target::AnyOther, Norm::Linf);
        let Ok(ans) = smallest_perturbation(&query) else { continue };
        assert!(ans.proved);
        check_proof(&query, &ans).unwrap();
        let expected = ans.targets.iter().filter_map(|&t| by_patterns(&query, ans.class, t)).min();
        assert_eq!(ans.best.as_ref().map(|b| b.norm.clone()), expected);
        let c = numeric_check(&query, &ans, 3, 6);
        assert!(c.passed || ans.best.is_none() && c.unchecked, "{c:?}");
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} networks had a single class at their point");
}

/// The explanation as a person reads it in a terminal: prose, formulas
/// and table rows, one per line.
fn explanation_text(ex: &nnkey::derive::Explanation) -> String {
    use nnkey::derive::Block;
    use nnkey::render::layout::{prose_text, text_display};
    fn block(b: &Block, out: &mut Vec<String>) {
        match b {
            Block::Prose(p) => out.push(prose_text(p)),
            Block::Display(m) => out.extend(text_display(m, 100)),
            Block::Table(t) => {
                out.push(t.header.iter().map(prose_text).collect::<Vec<_>>().join(" | "));
                for r in &t.rows {
                    out.push(r.iter().map(prose_text).collect::<Vec<_>>().join(" | "));
                }
            }
            Block::Listing { total, items } => {
                out.push(format!("({total} in all)"));
                for i in items {
                    block(i, out);
                }
            }
            other => out.push(format!("{other:?}")),
        }
    }
    let mut out = Vec::new();
    for (k, s) in ex.steps.iter().enumerate() {
        out.push(format!("{}. ({:?})", k + 1, s.depth));
        for b in &s.blocks {
            block(b, &mut out);
        }
    }
    out.join("\n")
}

#[test]
fn the_explanation_of_network_c_reads_well() {
    let query = query(net_c(), vec![r(1, 2), r(1, 2)], Target::AnyOther, Norm::Linf);
    let ans = smallest_perturbation(&query).unwrap();
    insta::assert_snapshot!("perturbation_network_c", explanation_text(&explain(&query, &ans)));
}

/// The least L∞ norm by brute force for a network of any depth: one exact
/// linear program per activation pattern of all hidden units, each layer
/// carried as an affine map of δ built here from the weights alone.
fn by_patterns_deep(query: &PerturbationQuery, class: usize, target: usize) -> Option<Q> {
    let n = query.x0.len();
    let layers = &query.net.layers;
    let hidden: usize = layers[..layers.len() - 1].iter().map(|l| l.b.len()).sum();
    let mut best: Option<Q> = None;
    for mask in 0u64..(1 << hidden) {
        let mut lp = Lp::new(0);
        for x in &query.x0 {
            lp.add_var(Some(&query.lo - x), Some(&query.hi - x), q(0));
        }
        let t = lp.add_var(Some(q(0)), None, q(1));
        for i in 0..n {
            lp.add_row(vec![(i, q(1)), (t, q(-1))], Sense::Le, q(0));
            lp.add_row(vec![(i, q(-1)), (t, q(-1))], Sense::Le, q(0));
        }
        // Each value as (coefficients on δ, constant): the input is x0 + δ.
        let mut a: Vec<(Vec<Q>, Q)> =
            (0..n).map(|i| ((0..n).map(|j| if i == j { q(1) } else { q(0) }).collect(), query.x0[i].clone())).collect();
        let mut unit = 0;
        for (k, layer) in layers.iter().enumerate() {
            let z: Vec<(Vec<Q>, Q)> = layer
                .w
                .iter()
                .zip(&layer.b)
                .map(|(row, b)| {
                    let mut coeffs = vec![q(0); n];
                    let mut c = b.clone();
                    for (w, (ac, a0)) in row.iter().zip(&a) {
                        for (x, y) in coeffs.iter_mut().zip(ac) {
                            *x += &(w * y);
                        }
                        c += &(w * a0);
                    }
                    (coeffs, c)
                })
                .collect();
            if k + 1 == layers.len() {
                let coeffs: Vec<(usize, Q)> = (0..n).map(|i| (i, &z[target].0[i] - &z[class].0[i])).collect();
                lp.add_row(coeffs, Sense::Ge, &z[class].1 - &z[target].1);
                break;
            }
            a = z
                .into_iter()
                .map(|(coeffs, c)| {
                    let on = mask >> unit & 1 == 1;
                    unit += 1;
                    let row: Vec<(usize, Q)> = coeffs.iter().cloned().enumerate().collect();
                    if on {
                        lp.add_row(row, Sense::Ge, -&c);
                        (coeffs, c)
                    } else {
                        lp.add_row(row, Sense::Le, -&c);
                        (vec![q(0); n], q(0))
                    }
                })
                .collect();
        }
        let s = lp::solve(&lp, Limits::default()).unwrap();
        lp::verify(&lp, &s.outcome).unwrap();
        if let Outcome::Optimal { value, .. } = s.outcome
            && best.as_ref().is_none_or(|b| value < *b)
        {
            best = Some(value);
        }
    }
    best
}

#[test]
fn seeded_random_networks_keep_their_minimum_and_proof() {
    // Weights k/256 as in float32 networks, one and two hidden layers: the
    // minimum the search proves equals the least over every activation
    // pattern, and its whole proof tree checks.
    let mut rng = Rng::new(2024);
    let mut checked = 0;
    for case in 0..8 {
        let (n, widths, m): (usize, Vec<usize>, usize) =
            if case % 2 == 0 { (4, vec![8], 3) } else { (3, vec![4, 4], 3) };
        let mut sizes = vec![n];
        sizes.extend(&widths);
        sizes.push(m);
        let layers = sizes
            .windows(2)
            .map(|s| Affine {
                w: (0..s[1]).map(|_| (0..s[0]).map(|_| r(rng.int(-256, 256), 256)).collect()).collect(),
                b: (0..s[1]).map(|_| r(rng.int(-64, 64), 256)).collect(),
            })
            .collect();
        let x0: Vec<Q> = (0..n).map(|_| r(rng.int(0, 16), 16)).collect();
        let query = query(ReluNet { layers }, x0, Target::AnyOther, Norm::Linf);
        let Ok(ans) = smallest_perturbation(&query) else { continue };
        assert!(ans.proved);
        check_proof(&query, &ans).unwrap();
        let expected = ans.targets.iter().filter_map(|&t| by_patterns_deep(&query, ans.class, t)).min();
        assert_eq!(ans.best.as_ref().map(|b| b.norm.clone()), expected, "case {case}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} networks had a single class at their point");
}
