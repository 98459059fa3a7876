//! Runs the real `nnkey` binary in a temporary folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder holding problem files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("folders");
        }
        std::fs::write(&p, text).expect("write a problem file");
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read a problem file")
    }

    /// Runs `nnkey ARGS` inside the sandbox, without color.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }
}

/// Runs `nnkey ARGS` in `dir`, with `NO_COLOR` set.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_nnkey"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the nnkey binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The repository's root, where `problems/` lives.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks a file given as text through the library; panics on diagnostics.
pub fn check(text: &str) -> nnkey::check::FileReport {
    let report = nnkey::check::check_source(nnkey::language::SourceFile::new("test.nnk", text));
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    report
}

/// The finding named `name`, with its problem; its cross-check must pass.
pub fn passing_finding<'a>(
    report: &'a nnkey::check::FileReport,
    name: &str,
) -> (&'a nnkey::check::ProblemReport, &'a nnkey::check::FindingReport) {
    let (p, f) = report
        .problems
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .find(|(_, f)| f.finding.name == name)
        .unwrap_or_else(|| panic!("no finding {name}"));
    assert!(f.crosscheck.passed, "{name}: {:?}", f.crosscheck);
    (p, f)
}

/// Every diagnostic of a file, rendered (the file must have some).
pub fn diagnose(text: &str) -> String {
    let report = nnkey::check::check_source(nnkey::language::SourceFile::new("bad.nnk", text));
    assert!(!report.diagnostics.is_empty(), "expected diagnostics for:\n{text}");
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect::<Vec<_>>().join("\n")
}
