//! The globally smallest L∞ perturbation that changes the class of one 8×8
//! image (64 pixels in [0, 1], multiples of 1/16) through a dense network
//! 64 → 32 ReLU → 10 with seeded pseudo-random weights, dyadic rationals
//! k/256 as float32 weights would be (He-like scale), proved minimal by
//! the branch and bound with exactly checked bounds. Target: under 10 s.
//!
//! The weights are random, not trained: such networks are often easier
//! (few units near their kink around the image) or harder than trained
//! ones, so the time says little about a trained network.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::algebra::Q;
use nnkey::derive::perturbation::{
    Affine, Budget, Norm, PerturbationQuery, ReluNet, Target, check_proof, smallest_perturbation,
};
use nnkey::numeric::Rng;

fn layer(rng: &mut Rng, outputs: usize, inputs: usize, scale: i64) -> Affine {
    Affine {
        w: (0..outputs).map(|_| (0..inputs).map(|_| Q::new(rng.int(-scale, scale), 256)).collect()).collect(),
        b: (0..outputs).map(|_| Q::new(rng.int(-16, 16), 256)).collect(),
    }
}

/// The question: network, image and target, from one seed.
pub fn question(seed: u64, norm: Norm) -> PerturbationQuery {
    let mut rng = Rng::new(seed);
    let net = ReluNet { layers: vec![layer(&mut rng, 32, 64, 64), layer(&mut rng, 10, 32, 108)] };
    let x0 = (0..64).map(|_| Q::new(rng.int(0, 16), 16)).collect();
    PerturbationQuery {
        net,
        x0,
        target: Target::AnyOther,
        norm,
        lo: Q::zero(),
        hi: Q::one(),
        budget: Budget::default(),
    }
}

fn bench(c: &mut Criterion) {
    let q = question(2024, Norm::Linf);
    let start = std::time::Instant::now();
    let ans = smallest_perturbation(&q).expect("the search runs");
    let took = start.elapsed();
    check_proof(&q, &ans).expect("the proof checks");
    let best = ans.best.as_ref().expect("some perturbation changes the class");
    eprintln!(
        "perturbation bench: class {} -> {}, least L∞ norm {} (≈ {:.6}), {} nodes, {:?} LPs (float/exact/exact pivoting), {} float pivots, {:?}",
        ans.class,
        best.target,
        best.norm,
        best.norm.to_f64(),
        ans.nodes.len(),
        (ans.stats.float_solves, ans.stats.exact_solves, ans.stats.exact_pivoting),
        ans.stats.float_pivots,
        took
    );
    let mut g = c.benchmark_group("perturbation");
    g.sample_size(10);
    g.bench_function("smallest L∞ perturbation, 64-32-10 ReLU, any other class", |b| {
        b.iter(|| smallest_perturbation(&q).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
