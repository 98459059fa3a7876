//! `nnkey grade KEYS... --submissions PATH... [--format F] [--gradebook FILE.csv]`.
//!
//! Exit status: 0 when grading ran, whatever the students scored; 2 when a
//! key file is bad (unreadable, malformed, underivable, or with a finding
//! whose cross-check failed: nothing is graded then), a submission path
//! cannot be read, or an output cannot be written.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::grade;
use crate::render;

/// The arguments of `nnkey grade`.
#[derive(clap::Args, Debug)]
pub struct GradeArgs {
    /// Problem files with the keys, or directories searched for `*.nnk`.
    #[arg(required = true)]
    pub keys: Vec<PathBuf>,
    /// Submissions: text files, CSV form exports, or directories searched
    /// for `*.txt` and `*.csv`.
    #[arg(long, required = true, num_args = 1..)]
    pub submissions: Vec<PathBuf>,
    /// How the report is printed.
    #[arg(long, value_enum, default_value_t = GradeFormat::Text)]
    pub format: GradeFormat,
    /// Also write the gradebook, one row per student and answer, as CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub gradebook: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GradeFormat {
    Text,
    Markdown,
    Json,
}

/// Runs `nnkey grade` and returns the exit status.
pub fn run(args: GradeArgs, err_color: bool, deny_missing: bool, jobs: usize) -> i32 {
    let report = grade::run_with(&args.keys, &args.submissions, jobs);
    super::print_problems(&report.keys, err_color, deny_missing);
    let mut err = std::io::stderr().lock();
    for (path, file, find) in &report.untrusted {
        let _ = writeln!(
            err,
            "{}",
            render::printable(&format!(
                "error: {} {file} {find}: the numeric cross-check disagrees with the derivation; nnkey does not grade against it",
                path.display()
            ))
        );
    }
    if report.keys_bad() {
        let _ = writeln!(err, "error: a key file is bad; nothing was graded");
        return 2;
    }
    for (path, why) in &report.io_errors {
        let _ = writeln!(err, "{}", render::printable(&format!("error: cannot read {}: {why}", path.display())));
    }
    drop(err);
    let text = match args.format {
        GradeFormat::Text => render::grade::text(&report),
        GradeFormat::Markdown => render::grade::markdown(&report),
        GradeFormat::Json => render::grade::json(&report),
    };
    let mut code = if report.io_errors.is_empty() { 0 } else { 2 };
    if let Some(path) = &args.gradebook {
        let written =
            render::grade::gradebook(&report).and_then(|csv| std::fs::write(path, csv).map_err(|e| e.to_string()));
        if let Err(e) = written {
            let _ = writeln!(std::io::stderr(), "error: cannot write {}: {e}", path.display());
            code = 2;
        }
    }
    if super::emit(&text).is_err() {
        code = 2;
    }
    code
}
