//! The exact input gradient of one class score of a small convolutional
//! network on a 1×28×28 image: conv2d with 8 channels, 3×3, padding 1 →
//! ReLU → max_pool2d(2) → flatten → dense to 10 scores, weights with two
//! decimals from a seeded generator. Target: median under 50 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::derive::derive;
use nnkey::language::parse;
use nnkey::model::elaborate;
use nnkey::numeric::Rng;

/// A decimal with two digits, `k/100`, written exactly: `-0.37`.
fn decimal(k: i64) -> String {
    let sign = if k < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", k.abs() / 100, k.abs() % 100)
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// The problem text.
pub fn problem(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let kernel = list((0..8).map(|_| {
        let k = list((0..3).map(|_| list((0..3).map(|_| decimal(rng.int(-50, 50))))));
        format!("[{k}]")
    }));
    let conv_bias = list((0..8).map(|_| decimal(rng.int(-10, 10))));
    let image = list((0..28).map(|_| list((0..28).map(|_| decimal(rng.int(0, 100))))));
    let dense = list((0..10).map(|_| list((0..8 * 14 * 14).map(|_| decimal(rng.int(-5, 5))))));
    let dense_bias = list((0..10).map(|_| decimal(rng.int(-10, 10))));
    format!(
        "problem bench\n  K = kernel {kernel}\n  X = input {image}\n  h = network (x: 1x28x28) {{\n    conv2d(K, padding: 1) + {conv_bias}\n    relu\n    max_pool2d(2)\n    flatten\n    dense {dense} + {dense_bias}\n  }}\n  find g = input gradient of h[3] at x = X\n"
    )
}

fn bench(c: &mut Criterion) {
    let text = problem(7);
    let (syntax, diagnostics) = parse(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let (problem, errors) = elaborate(&syntax.problems[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let find = &problem.finds[0];
    let finding = derive(&problem, find).expect("the gradient derives");
    assert!(finding.value.field("gradient").is_some_and(|g| g.as_matrix().is_some()), "a gradient image");
    c.bench_function("input gradient of a conv(8, 3x3) relu max_pool(2) dense(10) network on 1x28x28", |b| {
        b.iter(|| derive(&problem, find).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
