//! A whole problem bank at once: `check` of 300 files (the files of
//! `problems/ps3`, copied in turn) on 1 and on 2 threads, reported in files
//! per second (criterion's throughput). The report is the same on any
//! number of threads.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnkey::check::{RunOptions, run_with};

const FILES: usize = 300;

fn bank(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ps3 = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/ps3");
    let mut sources: Vec<_> = std::fs::read_dir(&ps3)
        .expect("problems/ps3")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nnk"))
        .collect();
    // The weight files some problems read, where their paths expect them.
    let digits = dir.path().join("digits");
    std::fs::create_dir_all(&digits).expect("a folder");
    for f in std::fs::read_dir(ps3.join("digits")).expect("problems/ps3/digits") {
        let f = f.expect("an entry").path();
        std::fs::copy(&f, digits.join(f.file_name().expect("a name"))).expect("a copy");
    }
    sources.sort();
    for k in 0..FILES {
        let from = &sources[k % sources.len()];
        std::fs::copy(from, dir.path().join(format!("f{k:03}.nnk"))).expect("a copy");
    }
    let paths = vec![dir.path().to_path_buf()];
    let reference = format!("{:?}", run_with(&paths, &RunOptions { jobs: 1, ..RunOptions::default() }).summary());
    let mut g = c.benchmark_group("bank");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FILES as u64));
    for jobs in [1, 2] {
        g.bench_function(format!("check_ps3_x300_jobs_{jobs}"), |b| {
            b.iter(|| {
                let report = run_with(&paths, &RunOptions { jobs, ..RunOptions::default() });
                assert_eq!(format!("{:?}", report.summary()), reference);
                report.files.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bank);
criterion_main!(benches);
