//! The double-descent family's performance targets:
//!
//! - `simulated_sweep_n100_d1_200`: the experiment over the model-wise
//!   range d = 1, …, 200 at n = 100, with 20 trials per point (each a
//!   minimum-norm least-squares solve by faer), target under 2 s;
//! - `exact_sweep_n100_d1_200`: the exact risk over the same range, its
//!   peak and the runs where one more parameter hurts, target under 1 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::algebra::Q;
use nnkey::derive::risk::curve;
use nnkey::model::risk::SweepVar;
use nnkey::numeric::risk::simulate_curve;

fn simulated(c: &mut Criterion) {
    let mut g = c.benchmark_group("double_descent");
    g.sample_size(10);
    g.bench_function("simulated_sweep_n100_d1_200", |b| {
        b.iter(|| simulate_curve(SweepVar::D, 100, (1, 200), 0.25, 1.0, 20, 7))
    });
    g.finish();
}

fn exact(c: &mut Criterion) {
    let (noise, signal) = (Q::new(1, 4), Q::one());
    c.bench_function("exact_sweep_n100_d1_200", |b| b.iter(|| curve(SweepVar::D, 100, 1..=200, &noise, &signal)));
}

criterion_group!(benches, simulated, exact);
criterion_main!(benches);
