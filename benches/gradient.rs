//! The gradient-descent family's performance targets:
//!
//! - `crosscheck_500x2000`: the numeric cross-check of one instance with
//!   n = 500 examples and d = 2000 features (eigendecomposition of X Xᵀ,
//!   gradient descent to convergence, null-space vectors, a divergent step),
//!   target under 2 s;
//! - `closed_form_3x5`: the exact limit Xᵀ(X Xᵀ)⁻¹y for a 3×5 symbolic X,
//!   target under 1 s; `derive_3x5` is the whole derivation around it.

use criterion::{Criterion, criterion_group, criterion_main};
use faer::{MatRef, Side};
use ndarray::{Array1, Array2};
use nnkey::algebra::{Matrix, Poly, Ring, Symbol};
use nnkey::derive::gradient::closed_form;
use nnkey::language::SourceFile;
use nnkey::numeric::Rng;
use nnkey::numeric::gradient::{Instance, check_instance};

fn random_instance(n: usize, d: usize, seed: u64) -> Instance {
    let mut rng = Rng::new(seed);
    Instance {
        x: Array2::from_shape_fn((n, d), |_| rng.unit() * 2.0 - 1.0),
        y: Array1::from_shape_fn(n, |_| rng.unit() * 2.0 - 1.0),
        w0: Array1::zeros(d),
    }
}

/// Xᵀ (X Xᵀ)⁻¹ y in floating point (Cholesky), standing in for the
/// evaluated closed form.
fn minimum_norm(inst: &Instance) -> Array1<f64> {
    let (n, d) = inst.x.dim();
    let x = MatRef::from_row_major_slice(inst.x.as_slice().expect("standard layout"), n, d);
    let gram = x * x.transpose();
    let llt = gram.llt(Side::Lower).expect("positive definite");
    let y = faer::Mat::from_fn(n, 1, |i, _| inst.y[i]);
    let nu = faer::linalg::solvers::Solve::solve(&llt, &y);
    let w = x.transpose() * &nu;
    Array1::from_shape_fn(d, |i| w[(i, 0)])
}

fn crosscheck(c: &mut Criterion) {
    let inst = random_instance(500, 2000, 12);
    let closed = minimum_norm(&inst);
    let mut group = c.benchmark_group("gradient");
    group.sample_size(10);
    group.bench_function("crosscheck_500x2000", |b| {
        b.iter(|| {
            let report = check_instance(&inst, &closed, true, &mut Rng::new(3)).expect("eigendecomposition");
            assert!(report.passed(), "{report:?}");
            report
        })
    });
    group.finish();
}

fn symbolic(c: &mut Criterion) {
    let ring = Ring::new();
    let var = |name: &str, idx: &[i64]| Poly::var(ring.var(&Symbol::indexed(name, idx)));
    let x = Matrix::from_vec(3, 5, (0..15).map(|k| var("x", &[k / 5, k % 5])).collect());
    let y = Matrix::column((0..3).map(|i| var("y", &[i])).collect());
    let w0 = Matrix::zeros(5, 1);
    let mut group = c.benchmark_group("gradient");
    group.sample_size(10);
    group.bench_function("closed_form_3x5", |b| b.iter(|| closed_form(&x, &y, &w0).expect("full row rank")));
    let text = "problem b\n  X = matrix 3x5 x\n  y = vector 3 y\n  \
                find w = limit of gradient descent on least squares(X, y) from 0\n";
    group.bench_function("derive_3x5", |b| {
        b.iter(|| {
            let report = nnkey::check::check_source(SourceFile::new("b.nnk", text));
            assert!(report.diagnostics.is_empty());
            report
        })
    });
    group.finish();
}

criterion_group!(benches, crosscheck, symbolic);
criterion_main!(benches);
