//! The gradient-descent family's performance targets:
//!
//! - `crosscheck_500x2000`: the numeric cross-check of one instance with
//!   n = 500 examples and d = 2000 features (eigendecomposition of X Xᵀ,
//!   gradient descent to convergence, null-space vectors, a divergent step),
//!   target under 2 s;
//! - `closed_form_3x5`: the exact limit Xᵀ(X Xᵀ)⁻¹y for a 3×5 symbolic X;
//!   `derive_3x5` is the whole derivation around it;
//! - `check_symbolic_NxD`: `nnkey check` of one file (parse, derive with
//!   the explanation, cross-check, judge the key `X^T (X X^T)^-1 y` at
//!   random points) for a symbolic X: targets 3×5 under 30 ms, 4×5 under
//!   1 s, 4×6 under 5 s;
//! - `check_integer_NxD`: the same for an integer X with entries in −9…9
//!   (seeded), the key expanded exactly, λ_max certified: targets 20×40
//!   under 50 ms, 100×200 under 2 s.

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

/// A file asking for the limit on a symbolic n×d X, with the textbook key.
fn symbolic_file(n: usize, d: usize) -> String {
    format!(
        "problem s\n  X = matrix {n}x{d} x\n  y = vector {n} y\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  expect w = X^T (X X^T)^-1 y\n"
    )
}

/// The same for an integer X and y with entries in −9…9, seeded.
fn integer_file(n: usize, d: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut entry = || ((rng.unit() * 19.0).floor() as i64 - 9).to_string();
    let rows: Vec<String> =
        (0..n).map(|_| format!("[{}]", (0..d).map(|_| entry()).collect::<Vec<_>>().join(", "))).collect();
    let y: Vec<String> = (0..n).map(|_| entry()).collect();
    format!(
        "problem i\n  X = matrix [{}]\n  y = vector [{}]\n  \
         find w = limit of gradient descent on least squares(X, y) from 0\n  expect w = X^T (X X^T)^-1 y\n",
        rows.join(",\n    "),
        y.join(", ")
    )
}

fn check_file(text: &str) {
    let report = nnkey::check::check_source(SourceFile::new("b.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let f = &report.problems[0].findings[0];
    assert_eq!(f.status, nnkey::check::Status::Pass);
}

fn at_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("gradient");
    group.sample_size(10);
    for (n, d) in [(3, 5), (4, 5), (4, 6)] {
        let text = symbolic_file(n, d);
        group.bench_function(format!("check_symbolic_{n}x{d}"), |b| b.iter(|| check_file(&text)));
    }
    for (n, d) in [(20, 40), (100, 200)] {
        let text = integer_file(n, d, 7);
        group.bench_function(format!("check_integer_{n}x{d}"), |b| b.iter(|| check_file(&text)));
    }
    group.finish();
}

criterion_group!(benches, crosscheck, symbolic, at_scale);
criterion_main!(benches);
