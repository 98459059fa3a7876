//! The census of threshold functions (`threshold functions of N inputs`)
//! and the decision procedure behind it.
//!
//! `census/4` is the query as `nnkey check` runs it: all 65 536 functions
//! of four inputs, each decided with a checked neuron or proof (target:
//! under 2 s). `decide_every_function/4` runs the linear program on every
//! one of them directly, without the symmetries the census uses.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::derive::census::census;
use nnkey::derive::logic::{Decision, decide};

fn bench(c: &mut Criterion) {
    c.bench_function("census/4", |b| b.iter(|| census(4).expect("a census").threshold));
    c.bench_function("census/5", |b| b.iter(|| census(5).expect("a census").threshold));
    let mut group = c.benchmark_group("decide_every_function");
    group.sample_size(10);
    group.bench_function("4", |b| {
        b.iter(|| {
            (0..1u32 << 16)
                .filter(|&f| {
                    let out: Vec<bool> = (0..16).map(|r| (f >> r) & 1 == 1).collect();
                    matches!(decide(4, &out), Ok(Decision::Separable(_)))
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
