//! All linear pieces of a network of one input with four hidden ReLU layers
//! of width 64 (weights with two decimals, scaled like He initialization),
//! computed exactly. Target: under 50 ms.

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

fn matrix(rng: &mut Rng, rows: usize, cols: usize, scale: i64) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|_| {
            let items: Vec<String> = (0..cols).map(|_| decimal(rng.int(-scale, scale))).collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

fn vector(rng: &mut Rng, n: usize, scale: i64) -> String {
    let items: Vec<String> = (0..n).map(|_| decimal(rng.int(-scale, scale))).collect();
    format!("[{}]", items.join(", "))
}

/// The problem text: `hidden` ReLU layers of `width` units.
pub fn problem(width: usize, hidden: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut text = String::from("problem bench\n  h = network (x: 1) {\n");
    text += &format!("    dense {} + {}\n    relu\n", matrix(&mut rng, width, 1, 100), vector(&mut rng, width, 100));
    for _ in 1..hidden {
        text +=
            &format!("    dense {} + {}\n    relu\n", matrix(&mut rng, width, width, 30), vector(&mut rng, width, 30));
    }
    text += &format!("    dense {} + {}\n  }}\n", matrix(&mut rng, 1, width, 30), vector(&mut rng, 1, 30));
    text += "  find all = pieces of h\n";
    text
}

fn bench(c: &mut Criterion) {
    let text = problem(64, 4, 7);
    let (syntax, diagnostics) = parse(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let (problem, errors) = elaborate(&syntax.problems[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let find = &problem.finds[0];
    let finding = derive(&problem, find).expect("the pieces derive");
    let n = finding.value.field("breakpoints").and_then(|b| b.items()).map_or(0, |b| b.len());
    eprintln!("pieces bench: {} pieces", n + 1);
    c.bench_function("pieces of a 1-64-64-64-64-1 ReLU network", |b| b.iter(|| derive(&problem, find).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
