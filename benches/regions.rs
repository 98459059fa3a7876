//! Identified regions of L absolute-value layers |2x - 1| on (0,1)^d with
//! L·d = 20: about a million regions (2^20 = 1 048 576), each enumerated and
//! checked exactly. Target: under 2 s, and memory that does not grow with
//! the number of regions (the peak heap is printed).
//!
//! - `d = 1, L = 20`: one input; the 2^20 pieces of the tent map's 20th
//!   iterate are found depth first and each is checked by an exact forward
//!   pass, none kept.
//! - `d = 2, L = 10` and `d = 4, L = 5`: 2^10 or 2^5 pieces per coordinate,
//!   each checked, then every one of the 2^20 product regions visited with
//!   its inverse map built.
//! - the query as a user runs it (`d = 2, L = 10`): count, list the first
//!   regions, cross-check.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::check::check_source;
use nnkey::derive::cells::{self, Factor, Numeric};
use nnkey::derive::regions::product_region;
use nnkey::language::{SourceFile, parse};
use nnkey::model::elaborate;
use nnkey::model::regions::Interval;

mod common;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

fn problem(d: usize, l: usize) -> String {
    format!(
        "problem bench\n  f = network (x: {d}) repeat {l} {{ dense 2*I({d}) + -1; abs }}\n  \
         find n = identified regions of f from (0,1)^{d} onto (0,1)^{d}\n"
    )
}

/// The coordinate lines of the instance.
fn lines(d: usize, l: usize) -> Vec<cells::Line> {
    let (syntax, diagnostics) = parse(&problem(d, l));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let (problem, errors) = elaborate(&syntax.problems[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let Some(nnkey::model::Binding::Network(net)) = nnkey::model::Scope::binding(&problem, "f") else {
        panic!("a network")
    };
    Numeric::new(net.concrete.as_ref().expect("numeric sizes")).unwrap().coordinate_lines().expect("diagonal")
}

fn unit() -> Interval {
    Interval { lo: Some(0.into()), hi: Some(1.into()) }
}

/// Enumerates and checks every region; returns how many were visited.
fn every_region(lines: &[cells::Line]) -> u64 {
    let one = unit();
    if lines.len() == 1 {
        let mut n = 0u64;
        lines[0]
            .pieces(&one, &mut |p| {
                n += u64::from(p.onto(&one).is_ok());
                true
            })
            .unwrap();
        return n;
    }
    // Identical coordinates: one scan, kept whole for the products.
    let factor = Factor::scan(&lines[0], &one, &one, usize::MAX).unwrap();
    let factors: Vec<&Factor> = vec![&factor; lines.len()];
    let mut n = 0u64;
    cells::visit_products(&factors, &mut |pieces| {
        let region = product_region(pieces);
        n += u64::from(!region.inverse.offset.is_empty());
        true
    });
    n
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("regions");
    group.sample_size(10);
    for (d, l) in [(1, 20), (2, 10), (4, 5)] {
        let lines = lines(d, l);
        let (n, peak) = common::peak_of(|| every_region(&lines));
        assert_eq!(n, 1 << 20);
        println!("regions d = {d}, L = {l}: {n} regions, peak heap {:.2} MiB", common::mib(peak));
        group.bench_function(format!("enumerate and check 2^20 regions, d = {d}, L = {l}"), |b| {
            b.iter(|| every_region(&lines))
        });
    }
    let text = problem(2, 10);
    let (report, peak) = common::peak_of(|| check_source(SourceFile::new("bench.nnk", text.clone())));
    let f = &report.problems[0].findings[0];
    assert!(f.crosscheck.passed, "{:?}", f.crosscheck);
    println!("regions query d = 2, L = 10: peak heap {:.2} MiB", common::mib(peak));
    group.bench_function("the query, d = 2, L = 10", |b| {
        b.iter(|| check_source(SourceFile::new("bench.nnk", text.clone())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
