//! The LaTeX documents compile with pdflatex and fit the page: no overfull
//! box wider than 5 pt at `article`'s default geometry, for `problems/`
//! and for the layout fixtures, at every level. The solutions are at most
//! 60% of the pages of the full key.
//!
//! Needs Debian's `pdflatex` (texlive-latex-recommended), which `.ci/run`
//! installs; without it these tests say they were skipped, and why.

use std::path::{Path, PathBuf};
use std::process::Command;

use nnkey::check;
use nnkey::render::{self, Format, Level, Options};

fn pdflatex() -> Option<PathBuf> {
    let out = Command::new("pdflatex").arg("--version").output().ok()?;
    out.status.success().then(|| PathBuf::from("pdflatex"))
}

/// What pdflatex said of a document: pages and overfull boxes.
struct Compiled {
    pages: usize,
    /// Each overfull box: how many points too wide (or high), and the log line.
    overfull: Vec<(f64, String)>,
}

fn compile(dir: &Path, name: &str, tex: &str) -> Compiled {
    let file = dir.join(format!("{name}.tex"));
    std::fs::write(&file, tex).expect("write the document");
    let out = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", &format!("{name}.tex")])
        .current_dir(dir)
        .output()
        .expect("pdflatex runs");
    let log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
    assert!(out.status.success(), "{name} does not compile:\n{}", &log[log.len().saturating_sub(3000)..]);
    let pages = log
        .lines()
        .find_map(|l| l.strip_prefix("Output written on ").and_then(|r| r.split('(').nth(1)))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("pdflatex reports the pages");
    let overfull = log
        .lines()
        .filter(|l| l.starts_with("Overfull"))
        .map(|l| {
            let pt = l.split('(').nth(1).and_then(|r| r.split("pt").next()).and_then(|n| n.parse().ok()).unwrap_or(0.0);
            (pt, l.to_string())
        })
        .collect();
    Compiled { pages, overfull }
}

fn document(report: &check::Report, level: Level) -> String {
    let mut opts = Options::new(Format::Latex, level);
    opts.standalone = true;
    render::render(report, &opts)
}

#[test]
fn latex_documents_compile_and_fit_the_page() {
    if pdflatex().is_none() {
        eprintln!("skipped: pdflatex is not installed (Debian: apt-get install texlive-latex-recommended)");
        return;
    }
    let dir = tempfile::tempdir().expect("a folder");
    let sets: [(&str, Vec<PathBuf>); 2] =
        [("problems", vec![PathBuf::from("problems")]), ("fixtures", vec![PathBuf::from("tests/fixtures")])];
    for (set, paths) in &sets {
        let mut pages = Vec::new();
        // Derived once, written at each level.
        let (loaded, solved) = (check::load(paths), check::run(paths));
        assert!(!solved.has_errors());
        for (level, word) in [
            (Level::Sheet, "sheet"),
            (Level::Answers, "answers"),
            (Level::Solutions, "solutions"),
            (Level::Full, "full"),
        ] {
            let name = format!("{set}-{word}");
            let report = if level == Level::Sheet { &loaded } else { &solved };
            let c = compile(dir.path(), &name, &document(report, level));
            let wide: Vec<&(f64, String)> = c.overfull.iter().filter(|(pt, _)| *pt > 5.0).collect();
            assert!(wide.is_empty(), "{name}: {} overfull boxes wider than 5 pt: {wide:#?}", wide.len());
            pages.push((level, c.pages));
        }
        if *set == "problems" {
            // The solutions leave out what only staff read (the numeric
            // checks, the keys' status, each layer's arithmetic, the
            // expansions and step-size derivations of q12, pictures of an
            // answer printed in full): at most 60% of the full key's pages.
            let solutions = pages.iter().find(|p| p.0 == Level::Solutions).map(|p| p.1).unwrap_or(0);
            let full = pages.iter().find(|p| p.0 == Level::Full).map(|p| p.1).unwrap_or(1);
            assert!(
                solutions as f64 <= 0.6 * full as f64,
                "the solutions take {solutions} pages, more than 60% of the full key's {full}"
            );
        }
    }
}
