//! The risk of minimum-norm least squares: exact values through the whole
//! pipeline, the symbolic pieces and their limit, the curves, and the
//! experiment that checks them.

use std::path::PathBuf;

use nnkey::algebra::Q;
use nnkey::check;
use nnkey::derive::risk::{Regime, curve, exact_risk, regime};
use nnkey::model::risk::SweepVar;
use nnkey::numeric::risk::{Stats, judged, simulate_curve, simulate_relu};

fn write(dir: &std::path::Path, text: &str) -> PathBuf {
    let p = dir.join("r.nnk");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn keys_hold_and_the_experiment_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        r#"problem r "risk"
  find a = risk of minimum-norm least squares(n: 10, d: 5, noise: 1, signal: 1)
  expect a = 5/4
  find b = risk of minimum-norm least squares(n: 10, d: 20, noise: 1/4, signal: 1)
  expect b = 7/9
  find c = risk of minimum-norm least squares(n: 10, d: 10, noise: 1, signal: 1)
  expect c = infinite
  find s = risk of minimum-norm least squares(n: n, d: d, noise: s2, signal: r2)
  expect s = { under: s2 d/(n - d - 1), band: infinite, over: r2 (1 - n/d) + s2 n/(d - n - 1), limit_under: s2 gamma/(1 - gamma), limit_over: r2 (1 - 1/gamma) + s2/(gamma - 1) }
  find z = risk of minimum-norm least squares(n: 10, d: 10, noise: 0, signal: 1)
  expect z = 0
  find m = risk of minimum-norm least squares(n: 10, d: 3, noise: s, signal: t)
  expect m = s/2
"#,
    );
    let report = check::run(&[p]);
    assert!(report.files[0].diagnostics.is_empty(), "{:?}", report.files[0].diagnostics);
    let findings = &report.files[0].problems[0].findings;
    assert_eq!(findings.len(), 6);
    for f in findings {
        assert_eq!(f.status, check::Status::Pass, "{}: {:?}", f.finding.name, f.status);
    }
    // At numbers outside the band the experiment judges and passes; in the
    // band it reports and does not pass.
    let by = |n: &str| findings.iter().find(|f| f.finding.name == n).unwrap();
    assert!(by("a").crosscheck.passed && by("a").crosscheck.trials > 0);
    assert!(by("b").crosscheck.passed);
    assert!(!by("c").crosscheck.passed && by("c").crosscheck.unchecked);
    assert!(by("c").crosscheck.detail.contains("infinite expected risk"), "{}", by("c").crosscheck.detail);
    assert!(by("s").crosscheck.passed, "{}", by("s").crosscheck.detail);
    // Numbers for the sizes and symbols for the variances: simulated at
    // values of the symbols.
    assert!(by("m").crosscheck.passed, "{}", by("m").crosscheck.detail);
}

#[test]
fn a_wrong_key_fails() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "problem r \"risk\"\n  find a = risk of minimum-norm least squares(n: 10, d: 5, noise: 1, signal: 1)\n  expect a = 5/6\n",
    );
    let report = check::run(&[p]);
    assert!(matches!(report.files[0].problems[0].findings[0].status, check::Status::Fail(_)));
}

#[test]
fn errors_name_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("risk of minimum-norm least squares(n: 10, d: 5, noise: 1)", "needs `signal`"),
        ("risk of minimum-norm least squares(n: 10, d: 5, noise: -1, signal: 1)", "cannot be negative"),
        ("risk of minimum-norm least squares(n: 0, d: 5, noise: 1, signal: 1)", "at least 1"),
        ("risk of minimum-norm least squares(n: 10, d: 5, noise: 1, signal: 1, sigal: 2)", "did you mean `signal`"),
        ("risk of minimum-norm least squares(n: 10, noise: 1, signal: 1) over d from 1 to 5000", "limit of 1000"),
        ("risk of minimum-norm least squares(n: 10, d: 4, noise: 1, signal: 1) over d from 1 to 50", "leave this out"),
        ("risk of minimum-norm least squares(n: 10, noise: 1, signal: 1) over q from 1 to 5", "cannot run over `q`"),
        ("simulated risk of random relu features(n: 10, d: 4, noise: 1, signal: 1)", "over a range"),
        (
            "simulated risk of random relu features(n: 10, d: 4, noise: 1, signal: 1) over p from 1 to 900",
            "simulation limit",
        ),
        ("risk of minimum-norm least squares(n: n, noise: 1, signal: 1) over d from 1 to 5", "needs numbers"),
    ];
    for (query, message) in cases {
        let p = write(dir.path(), &format!("problem r \"risk\"\n  find a = {query}\n"));
        let report = check::run(&[p]);
        let text: Vec<String> = report.files[0].diagnostics.iter().map(|d| format!("{d:?}")).collect();
        assert!(text.iter().any(|t| t.contains(message)), "{query}: {text:?}");
    }
}

/// The exact risk lies in the 99.9% interval of the simulation at every
/// point where the interval is valid (outside the band and its
/// heavy-tailed neighbours), model-wise and sample-wise, and the
/// simulated mean in the band is far above every finite exact value.
#[test]
fn exact_risk_lies_in_the_simulated_intervals() {
    let (noise, signal) = (Q::new(1, 2), Q::one());
    for (var, fixed) in [(SweepVar::D, 10usize), (SweepVar::N, 10usize)] {
        let c = curve(var, fixed, 1..=24, &noise, &signal);
        let stats: Vec<Stats> = simulate_curve(var, fixed, (1, 24), 0.5, 1.0, 500, 7);
        let mut judged_points = 0;
        let mut largest_finite: f64 = 0.0;
        for ((k, r), s) in c.points.iter().zip(&stats) {
            let (n, d) = c.sizes(*k);
            assert_eq!(s.trials, 500);
            if let Some(r) = r {
                largest_finite = largest_finite.max(r.to_f64());
            }
            if let Some(r) = r.as_ref().filter(|_| judged(n, d, false)) {
                judged_points += 1;
                assert!(s.covers(r.to_f64()), "{var:?} at {k}: exact {r} not in {:?}", s.interval());
            }
        }
        assert_eq!(judged_points, 24 - 7);
        let at_threshold = &stats[fixed - 1];
        assert_eq!(regime(fixed, fixed), Regime::Band);
        assert!(at_threshold.max > largest_finite, "{:?}", at_threshold);
    }
    assert_eq!(exact_risk(10, 10, &noise, &signal), None);
}

#[test]
fn random_relu_features_peak_at_the_threshold() {
    let stats = simulate_relu(16, 8, (4, 40), 0.25, 1.0, 20, 3);
    let (peak, _) =
        stats.iter().enumerate().fold((0, f64::MIN), |b, (i, s)| if s.mean > b.1 { (i, s.mean) } else { b });
    assert!((4 + peak).abs_diff(16) <= 1, "peak at p = {}", 4 + peak);
    assert!(stats.iter().all(|s| s.trials == 20));
}
