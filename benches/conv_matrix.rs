//! The symbolic matrix of a realistic convolution layer, derived and
//! cross-checked: conv2d with 3 input and 16 output channels on a 64×64
//! input, 3×3 kernel, stride 1, padding 1 — a 65 536 × 12 288 matrix with
//! about 1.7 million nonzero entries.
//!
//! Targets: under 1 s and under 1 GiB of peak memory for derive plus
//! cross-check. The peak is measured by a counting allocator and printed
//! before the timings.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::check::check_source;
use nnkey::derive::derive;
use nnkey::language::{SourceFile, parse};
use nnkey::model::elaborate;
use nnkey::numeric::crosscheck;

mod common;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const LAYER: &str = r#"problem layer "A 3-to-16-channel 3x3 convolution on a 64x64 image"
  W = kernel 16x3x3x3 w
  X = input 3x64x64 x
  find A = matrix conv2d(W, stride: 1, padding: 1) on X
"#;

fn bench(c: &mut Criterion) {
    let (syntax, diagnostics) = parse(LAYER);
    assert!(diagnostics.is_empty());
    let (problem, errors) = elaborate(&syntax.problems[0]);
    assert!(errors.is_empty());
    let find = &problem.finds[0];

    // One full run through the pipeline, for the memory figure.
    let (report, peak) = common::peak_of(|| check_source(SourceFile::new("layer.nnk", LAYER)));
    let finding = &report.problems[0].findings[0];
    assert!(finding.crosscheck.passed, "{:?}", finding.crosscheck);
    if let nnkey::model::Value::Sparse(a) = &finding.finding.value {
        println!("conv_matrix: {}x{} with {} nonzero entries", a.rows(), a.cols(), a.nonzeros());
    }
    println!("conv_matrix: peak heap for derive + cross-check: {:.1} MiB", common::mib(peak));
    drop(report);

    let mut group = c.benchmark_group("conv_matrix");
    group.sample_size(10);
    group.bench_function("derive", |b| b.iter(|| derive(&problem, find).expect("derives")));
    group.bench_function("derive_and_crosscheck", |b| {
        b.iter(|| {
            let finding = derive(&problem, find).expect("derives");
            let check = crosscheck(&problem, find, &finding);
            assert!(check.passed);
            check
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
