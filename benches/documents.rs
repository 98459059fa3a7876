//! Printing documents of a large finding: the matrix of conv2d with 3 input
//! and 16 output channels on a 16×16 input (4096 × 768, 110 592 nonzero
//! entries), as the full key in text and as JSON, which lists every entry.
//!
//! Targets: every format under 20 ms end to end (derive, cross-check,
//! print), and JSON no slower than twice the text (the text describes the
//! matrix; JSON writes all of it, streamed). Each format is measured end
//! to end and printing alone.

use criterion::{Criterion, criterion_group, criterion_main};
use nnkey::check::{Report, check_source};
use nnkey::language::SourceFile;
use nnkey::render::{Format, Level, Options, render};

const LAYER: &str = r#"problem layer "A 3-to-16-channel 3x3 convolution on a 16x16 image"
  W = kernel 16x3x3x3 w
  X = input 3x16x16 x
  find A = matrix conv2d(W, padding: 1) on X
"#;

fn report() -> Report {
    Report { files: vec![check_source(SourceFile::new("layer.nnk", LAYER))], ..Report::default() }
}

fn bench(c: &mut Criterion) {
    let solved = report();
    assert!(!solved.has_errors());
    let mut g = c.benchmark_group("documents");
    g.sample_size(20);
    for (format, name) in [
        (Format::Text, "text"),
        (Format::Json, "json"),
        (Format::Latex, "latex"),
        (Format::Html, "html"),
        (Format::Markdown, "markdown"),
    ] {
        let opts = Options::new(format, Level::Full);
        g.bench_function(format!("print_{name}"), |b| b.iter(|| render(&solved, &opts).len()));
        g.bench_function(format!("end_to_end_{name}"), |b| b.iter(|| render(&report(), &opts).len()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
