//! The smallest perturbation that changes a ReLU network's class: tiny
//! networks whose answers are derived by hand, the proof checker against
//! tampered proofs, the budget's gap, and random small networks against
//! an enumeration of every activation pattern.

use nnkey::algebra::Q;
use nnkey::algebra::lp::{self, Limits, Lp, Outcome, Sense};
use nnkey::algebra::qp::{self, Qp, QpLimits, QpOutcome};
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

/// The rows of one activation pattern (`mask`, a bit per hidden unit) on
/// the first n variables δ: each unit's sign, and the target reaching the
/// class.
fn pattern_rows(lp: &mut Lp, query: &PerturbationQuery, class: usize, target: usize, mask: u64) {
    let n = query.x0.len();
    let layers = &query.net.layers;
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
        pattern_rows(&mut lp, query, class, target, mask);
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

// ---------------------------------------------------------------------------
// L2: the least squared norm, by exact quadratic programs.

/// The least squared L2 norm by brute force: one exact quadratic program
/// (minimize Σ δᵢ² over the pattern's polytope) per activation pattern of
/// every hidden layer, built here from the weights alone.
fn by_patterns_l2(query: &PerturbationQuery, class: usize, target: usize) -> Option<Q> {
    let n = query.x0.len();
    let layers = &query.net.layers;
    let hidden: usize = layers[..layers.len() - 1].iter().map(|l| l.b.len()).sum();
    let mut best: Option<Q> = None;
    for mask in 0u64..(1 << hidden) {
        let mut lp = Lp::new(0);
        for x in &query.x0 {
            lp.add_var(Some(&query.lo - x), Some(&query.hi - x), q(0));
        }
        pattern_rows(&mut lp, query, class, target, mask);
        let program = Qp { lp, weights: vec![q(1); n] };
        let out = qp::solve(&program, QpLimits::default()).unwrap();
        qp::verify(&program, &out).unwrap();
        if let QpOutcome::Optimal { value, .. } = out
            && best.as_ref().is_none_or(|b| value < *b)
        {
            best = Some(value);
        }
    }
    best
}

#[test]
fn l2_network_b_projects_onto_the_diagonal_piece() {
    // Network B at 0: class 1 needs 2 relu(x1 − 1/2) + 2 relu(x2 − 1/2) ≥ 1/4.
    // One unit on: x1 ≥ 5/8, squared norm 25/64. Both on: x1 + x2 ≥ 9/8,
    // the projection (9/16, 9/16) with squared norm 81/128 > 25/64. So
    // δ = (5/8, 0) (or (0, 5/8)), ‖δ‖₂ = 5/8.
    let query = query(net_b(), vec![q(0), q(0)], Target::Class(1), Norm::L2);
    let ans = solve(&query);
    let b = ans.best.as_ref().unwrap();
    assert_eq!(b.norm, r(25, 64));
    assert!(b.delta == vec![r(5, 8), q(0)] || b.delta == vec![q(0), r(5, 8)], "{:?}", b.delta);
}

#[test]
fn l2_network_a_needs_a_square_root() {
    // Network A at (1/2, 1/4): f1 − f0 = 2 relu(x1 + x2 − 1) + 1/8 −
    // relu(x1 − x2). With h2 on and h1 off the margin is x2 − x1 + 1/8 ≥ 0:
    // the projection onto x2 − x1 ≥ 1/8 from (1/2, 1/4) moves by
    // (1/8)/√2 along (−1, 1): δ = (−1/16, 1/16), squared norm 1/128.
    let query = query(net_a(), vec![r(1, 2), r(1, 4)], Target::Class(1), Norm::L2);
    let ans = solve(&query);
    let b = ans.best.as_ref().unwrap();
    assert_eq!(b.norm, r(1, 128));
    assert_eq!(b.delta, vec![r(-1, 16), r(1, 16)]);
}

#[test]
fn l2_proofs_reject_tampering() {
    let query = query(net_c(), vec![r(3, 4), r(1, 4)], Target::AnyOther, Norm::L2);
    let ans = solve(&query);
    let i = ans
        .nodes
        .iter()
        .position(|n| matches!(n.end, NodeEnd::Bound { .. } | NodeEnd::Leaf { .. }))
        .expect("a node closed by a bound");
    let mut bad = ans.clone();
    match &mut bad.nodes[i].end {
        NodeEnd::Bound { y, .. } | NodeEnd::Leaf { y, .. } => {
            for v in y.iter_mut() {
                *v = &*v * &r(1, 2);
            }
        }
        _ => unreachable!(),
    }
    assert!(check_proof(&query, &bad).is_err());
    // A cut below the optimum's norm (its square is what counts).
    let mut bad = ans.clone();
    if let Some(k) = bad.nodes.iter().position(|n| n.radius.is_some()) {
        let v = bad.best.as_ref().unwrap().norm.clone();
        bad.nodes[k].radius = Some(v.clone() * r(1, 2));
        if v < q(1) {
            assert!(check_proof(&query, &bad).is_err());
        }
    }
    // A misstated optimum norm.
    let mut bad = ans.clone();
    let b = bad.best.as_mut().unwrap();
    b.norm = &b.norm * &r(1, 2);
    assert!(check_proof(&query, &bad).is_err());
}

#[test]
fn seeded_random_networks_keep_their_l2_minimum_and_proof() {
    // One and two hidden layers, weights k/16: the squared minimum the
    // search proves equals the least over every activation pattern, each
    // pattern's quadratic program solved and verified exactly.
    let mut rng = Rng::new(77);
    let mut checked = 0;
    for case in 0..8 {
        let (n, widths, m): (usize, Vec<usize>, usize) =
            if case % 2 == 0 { (3, vec![5], 3) } else { (2, vec![3, 3], 3) };
        let mut sizes = vec![n];
        sizes.extend(&widths);
        sizes.push(m);
        let layers = sizes
            .windows(2)
            .map(|s| Affine {
                w: (0..s[1]).map(|_| (0..s[0]).map(|_| r(rng.int(-16, 16), 16)).collect()).collect(),
                b: (0..s[1]).map(|_| r(rng.int(-8, 8), 16)).collect(),
            })
            .collect();
        let x0: Vec<Q> = (0..n).map(|_| r(rng.int(0, 8), 8)).collect();
        let query = query(ReluNet { layers }, x0, Target::AnyOther, Norm::L2);
        let Ok(ans) = smallest_perturbation(&query) else { continue };
        assert!(ans.proved);
        check_proof(&query, &ans).unwrap();
        let expected = ans.targets.iter().filter_map(|&t| by_patterns_l2(&query, ans.class, t)).min();
        assert_eq!(ans.best.as_ref().map(|b| b.norm.clone()), expected, "case {case}");
        let c = numeric_check(&query, &ans, 5, 6);
        assert!(c.passed || ans.best.is_none() && c.unchecked, "{c:?}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} networks had a single class at their point");
}

#[test]
fn the_qp_verifier_rejects_a_wrong_certificate() {
    // min x² + y² with x + 2y ≥ 5: the projection (1, 2), value 5, y = 2.
    let mut lp = Lp::new(2);
    lp.add_row(vec![(0, q(1)), (1, q(2))], Sense::Ge, q(5));
    let program = Qp { lp, weights: vec![q(1), q(1)] };
    let out = qp::solve(&program, QpLimits::default()).unwrap();
    let QpOutcome::Optimal { x, value, y, .. } = out.clone() else { panic!("optimal") };
    assert_eq!((x.clone(), value.clone(), y.clone()), (vec![q(1), q(2)], q(5), vec![q(2)]));
    qp::verify(&program, &out).unwrap();
    // Any y ≥ 0 proves a bound (weak duality), only y = 2 proves 5.
    assert_eq!(qp::dual_bound(&program, &[q(1)]), Some(q(5) - r(5, 4)));
    let wrong = QpOutcome::Optimal { x: x.clone(), value: value.clone(), y: vec![q(3)], active: vec![] };
    assert!(qp::verify(&program, &wrong).is_err());
    let off = QpOutcome::Optimal { x: vec![q(5), q(0)], value: q(25), y, active: vec![] };
    assert!(qp::verify(&program, &off).is_err());
    assert!(qp::verify(&program, &QpOutcome::Infeasible { y: vec![q(1)] }).is_err());
}

// ---------------------------------------------------------------------------
// The query `smallest perturbation of NET at x = X to … in NORM`.

mod common;

use nnkey::check::{Status, check_source};
use nnkey::language::SourceFile;

/// Network of problems/ps3/q21.nnk: u1 = relu(x1 − 1/2), u2 = relu(x2 − 1/4),
/// u3 = relu(1/8 − x1); scores (1/2, 2 u1 + u2, 4 u3), at X = (1/4, 1/4).
const Q21: &str = "problem q
  h = network (x: 2) {
    dense [[1, 0], [0, 1], [-1, 0]] + [-1/2, -1/4, 1/8]
    relu
    dense [[0, 0, 0], [2, 1, 0], [0, 0, 4]] + [1/2, 0, 0]
  }
  X = vector [1/4, 1/4]
";

/// The status of each find of `Q21` followed by `finds`.
fn statuses(finds: &str) -> Vec<(String, Status)> {
    let r = common::check(&format!("{Q21}{finds}"));
    r.problems[0]
        .findings
        .iter()
        .map(|f| {
            assert!(f.crosscheck.passed, "{}: {:?}", f.finding.name, f.crosscheck);
            (f.finding.name.clone(), f.status.clone())
        })
        .collect()
}

fn fails(finds: &str, why: &str) {
    let s = statuses(finds);
    match &s[0].1 {
        Status::Fail(w) => assert!(w.contains(why), "{w}"),
        other => panic!("expected a failing key, got {other:?}"),
    }
}

#[test]
fn keys_of_the_query_hold_for_any_minimizer() {
    // The L1 minimum 1/2 is reached at (0, 1/2) and at (1/2, 0): a key may
    // give either, and its scores are those at its own point.
    let s = statuses(
        "  find a = smallest perturbation of h at x = X to class 1 in l1, within [0, 1]
  expect a = { delta: [0, 1/2], norm: 1/2, class: 1, scores: [1/2, 1/2, 0] }
  find b = smallest perturbation of h at x = X to class 1 in l1, within [0, 1]
  expect b = { delta: [1/2, 0], norm: 1/2, class: 1, scores: [1/2, 1/2, 0] }
  find c = smallest perturbation of h at x = X to any other class in linf
  expect c = { delta: [-1/4, 1/4], norm: 1/4, class: 2 }
  find d = smallest perturbation of h at x = X to class 1 in linf, within [0, 1]
  expect d = { norm: 1/3, class: 1 }
  find e = smallest perturbation of h at x = X to class 1 in linf, within [0, 1/2]
  expect e = none
",
    );
    for (name, st) in s {
        assert_eq!(st, Status::Pass, "{name}");
    }
}

#[test]
fn wrong_keys_of_the_query_fail() {
    let find = "  find a = smallest perturbation of h at x = X to class 1 in l1, within [0, 1]\n";
    // A norm that is not the minimum.
    fails(&format!("{find}  expect a = {{ norm: 1/3, class: 1 }}\n"), "the proved minimum is 1/2");
    // A δ of the right norm that does not reach the class.
    fails(&format!("{find}  expect a = {{ delta: [1/4, 1/4], norm: 1/2, class: 1 }}\n"), "does not reach class 1");
    // A δ whose norm is not the key's.
    fails(&format!("{find}  expect a = {{ delta: [1/2, 1/2], norm: 1/2, class: 1 }}\n"), "has norm 1");
    // Scores that are not those at the key's point.
    fails(
        &format!("{find}  expect a = {{ delta: [1/2, 0], norm: 1/2, class: 1, scores: [1/2, 1/4, 0] }}\n"),
        "in `scores`",
    );
    // A class the question does not ask for, a missing norm, a stray field.
    fails(&format!("{find}  expect a = {{ norm: 1/2, class: 2 }}\n"), "not a class the question asks");
    fails(&format!("{find}  expect a = {{ class: 1 }}\n"), "no `norm`");
    fails(&format!("{find}  expect a = {{ norm: 1/2, class: 1, lower: 0 }}\n"), "a field `lower`");
    fails(&format!("{find}  expect a = none\n"), "the answer is a record");
}

#[test]
fn l2_keys_state_the_norm_as_a_square_root() {
    // Class 1 by hand (problems/ps3/q21.nnk): with both u1 and u2 on,
    // 2 δ1 + δ2 ≥ 1, projected: δ = (2/5, 1/5), ‖δ‖₂ = 1/√5.
    let s = statuses(
        "  find a = smallest perturbation of h at x = X to class 1 in l2, within [0, 1]
  expect a = { delta: [2/5, 1/5], norm: sqrt(1/5), class: 1, scores: [1/2, 1/2, 0] }
  find b = smallest perturbation of h at x = X to class 1 in l2, within [0, 1]
  expect b = { norm: sqrt(5)/5, class: 1 }
  find c = smallest perturbation of h at x = X to any other class in l2
  expect c = { delta: [-1/4, 0], norm: 1/4, class: 2, scores: [1/2, 0, 1/2] }
",
    );
    for (name, st) in s {
        assert_eq!(st, Status::Pass, "{name}");
    }
    let find = "  find a = smallest perturbation of h at x = X to class 1 in l2, within [0, 1]\n";
    // The L1 and L∞ minima are not the L2 one.
    fails(&format!("{find}  expect a = {{ norm: 1/2, class: 1 }}\n"), "the proved minimum is");
    fails(&format!("{find}  expect a = {{ norm: sqrt(1/4), class: 1 }}\n"), "the proved minimum");
    // The right norm with a δ of another norm, and with a δ that misses.
    fails(&format!("{find}  expect a = {{ delta: [1/2, 0], norm: sqrt(1/5), class: 1 }}\n"), "has norm 1/2");
    fails(
        &format!("{find}  expect a = {{ delta: [1/5, 2/5], norm: sqrt(1/5), class: 1 }}\n"),
        "does not reach class 1",
    );
    fails(&format!("{find}  expect a = {{ norm: -sqrt(1/5), class: 1 }}\n"), "not a nonnegative number");
}

#[test]
fn past_the_node_budget_the_answer_is_a_gap_not_a_minimum() {
    use nnkey::derive::perturbation_query::{Status as Found, derive_with_budget, judge};
    use nnkey::model::Query;
    let report = common::check(&format!(
        "{Q21}  find a = smallest perturbation of h at x = X to any other class in linf, within [0, 1]\n"
    ));
    let p = &report.problems[0];
    let Query::Perturbation(pq) = &p.problem.finds[0].query else { panic!("a perturbation query") };
    let budget = Budget { nodes: 1, ..Budget::default() };
    let (f, v, ex) = derive_with_budget(pq, budget).expect("the search runs");
    assert_eq!(f.status, Found::Gap);
    let printed = v.print(&p.problem.ring);
    assert!(printed.contains("lower:") && printed.contains("gap:") && !printed.starts_with("{ delta"), "{printed}");
    // A key stating the minimum cannot hold against an unfinished search.
    let key = nnkey::model::Value::record(vec![("norm", nnkey::model::Value::scalar(r(1, 4)))]);
    let why = judge(&f, &v, &key, &p.problem.ring).unwrap_err();
    assert!(why.contains("node budget"), "{why}");
    assert!(!explanation_text(&ex).contains("is the minimum"));
}

#[test]
fn past_the_node_budget_an_l2_answer_is_a_gap_too() {
    use nnkey::derive::perturbation_query::{Status as Found, derive_with_budget, judge};
    use nnkey::model::Query;
    let report = common::check(&format!(
        "{Q21}  find a = smallest perturbation of h at x = X to any other class in l2, within [0, 1]\n"
    ));
    let p = &report.problems[0];
    let Query::Perturbation(pq) = &p.problem.finds[0].query else { panic!("a perturbation query") };
    let (f, v, ex) = derive_with_budget(pq, Budget { nodes: 1, ..Budget::default() }).expect("the search runs");
    assert_eq!(f.status, Found::Gap);
    let printed = v.print(&p.problem.ring);
    assert!(printed.contains("lower:") && printed.contains("gap:"), "{printed}");
    // The proved lower bound on ‖δ‖₂² is at most the true 1/16.
    assert!(f.lower.as_ref().is_some_and(|l| *l <= r(1, 16)), "{:?}", f.lower);
    let key = nnkey::model::Value::record(vec![("norm", nnkey::model::Value::scalar(r(1, 4)))]);
    assert!(judge(&f, &v, &key, &p.problem.ring).unwrap_err().contains("node budget"));
    assert!(!explanation_text(&ex).contains("is the minimum"));
}

#[test]
fn the_query_without_a_pixel_range_widens_its_box() {
    // With no range, class 2 needs x1 ≤ 0 whatever the box: 1/4 at R = 1.
    // A point far from the origin needs a wider box than [x − 1, x + 1].
    let s = statuses(
        "  find a = smallest perturbation of h at x = X to any other class in l1
  expect a = { delta: [-1/4, 0], norm: 1/4, class: 2, scores: [1/2, 0, 1/2] }
  g = network (x: 1) { dense [[1]] + [0]; relu; dense [[0], [1]] + [3, 0] }
  find b = smallest perturbation of g at x = 0 to class 1 in linf
  expect b = { delta: 3, norm: 3, class: 1, scores: [3, 3] }
",
    );
    for (name, st) in s {
        assert_eq!(st, Status::Pass, "{name}");
    }
}

/// Every diagnostic of `Q21` followed by `finds`, rendered.
fn diagnose(finds: &str) -> String {
    let report = check_source(SourceFile::new("bad.nnk", format!("{Q21}{finds}")));
    assert!(!report.diagnostics.is_empty(), "expected diagnostics for:\n{finds}");
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect::<Vec<_>>().join("\n")
}

#[test]
fn bad_perturbation_queries_are_errors_at_their_spans() {
    let cases = [
        ("unknown_norm", "  find a = smallest perturbation of h at x = X to class 1 in l3\n"),
        ("no_norm", "  find a = smallest perturbation of h at x = X to class 1\n"),
        ("no_class", "  find a = smallest perturbation of h at x = X in linf\n"),
        ("class_out_of_range", "  find a = smallest perturbation of h at x = X to class 3 in linf\n"),
        ("point_outside_range", "  find a = smallest perturbation of h at x = X to class 1 in linf, within [1/2, 1]\n"),
        ("empty_range", "  find a = smallest perturbation of h at x = X to class 1 in linf, within [1, 0]\n"),
        (
            "abs_layer",
            "  g = network (x: 2) { dense [[1, 0], [0, 1]] + [0, 0]; abs; dense [[1, 1], [1, -1]] + [0, 0] }\n  \
             find a = smallest perturbation of g at x = X to class 1 in linf\n",
        ),
        (
            "ends_in_relu",
            "  g = network (x: 2) { dense [[1, 0], [0, 1]] + [0, 0]; relu }\n  \
             find a = smallest perturbation of g at x = X to class 1 in linf\n",
        ),
        (
            "max_pool",
            "  K = input [[0, 1], [1, 0]]\n  g = network (x: 1x2x2) { max_pool2d(2); flatten; dense [[1], [2]] + [0, 0] }\n  \
             find a = smallest perturbation of g at x = K to class 1 in linf\n",
        ),
    ];
    let mut out = String::new();
    for (name, finds) in cases {
        out.push_str(&format!("--- {name}\n{}\n", diagnose(finds)));
    }
    insta::assert_snapshot!("perturbation_query_errors", out);
}
