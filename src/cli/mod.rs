//! The command line: `nnkey solve|check|bless PATH...`.
//!
//! Exit status: 0 when every key holds (missing keys allowed), 1 when a
//! key fails, 2 when an input is bad (unreadable, malformed, or asking for
//! something nnkey cannot derive). A closed pipe ends output quietly.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{self, Report, bless};
use crate::render::{self, Format};

#[derive(Parser, Debug)]
#[command(name = "nnkey", version, about = "Exact, verified answer keys for neural-network theory problems")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Derive every answer and print it with its derivation.
    Solve {
        /// Problem files, or directories searched for `*.nnk`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
    /// Check every `expect` against the derived answer.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `text` prints one line per key; the other formats print the full report.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
    /// Write derived answers into missing or failing `expect`s, in place.
    Bless {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Text,
    Markdown,
    Latex,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Latex => Format::Latex,
            FormatArg::Json => Format::Json,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Prints the report's diagnostics and unreadable files to stderr.
fn print_problems(report: &Report, color: bool) {
    let mut err = std::io::stderr().lock();
    for (path, why) in &report.io_errors {
        let _ = writeln!(err, "error: cannot read {}: {why}", path.display());
    }
    for file in &report.files {
        for d in &file.diagnostics {
            let _ = write!(err, "{}", d.render(&file.source, color));
            let _ = writeln!(err);
        }
    }
}

/// Writes to stdout; a closed pipe is not an error.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write output: {e}");
    }
}

/// Runs the command line and returns the exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let out_color = use_color(cli.color, std::io::stdout().is_terminal());
    let err_color = use_color(cli.color, std::io::stderr().is_terminal());
    match cli.command {
        Command::Solve { paths, format } => {
            let report = check::run(&paths);
            print_problems(&report, err_color);
            emit(&render::render(&report, format.into(), out_color));
            if report.has_errors() { 2 } else { 0 }
        }
        Command::Check { paths, format } => {
            let report = check::run(&paths);
            print_problems(&report, err_color);
            let text = match format {
                FormatArg::Text => render::text::check_summary(&report, out_color),
                other => render::render(&report, other.into(), out_color),
            };
            emit(&text);
            report.exit_code()
        }
        Command::Bless { paths } => {
            let report = check::run(&paths);
            print_problems(&report, err_color);
            let (done, failures) = bless::bless(&report);
            let mut text = String::new();
            let mut count = 0;
            let mut files = 0;
            for b in &done {
                if !b.written.is_empty() {
                    files += 1;
                }
                for w in &b.written {
                    count += 1;
                    text.push_str(&format!("blessed {} {} {} (was {})\n", b.path.display(), w.problem, w.name, w.was));
                }
                for s in &b.skipped {
                    text.push_str(&format!("skipped {}: {s}\n", b.path.display()));
                }
            }
            for (path, e) in &failures {
                text.push_str(&format!("error: cannot write {}: {e}\n", path.display()));
            }
            text.push_str(&format!("{count} key(s) written in {files} file(s)\n"));
            emit(&text);
            if report.has_errors() || !failures.is_empty() { 2 } else { 0 }
        }
    }
}
