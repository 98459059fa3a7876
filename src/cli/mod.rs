//! The command line: `nnkey sheet|solve|check|bless PATH...` and
//! `nnkey grade KEYS... --submissions PATH...` (in `grade.rs`, with its
//! exit status).
//!
//! Exit status: 0 when every key holds (missing keys allowed), 1 when a
//! key fails (for `bless`: a failing key it could not write), 2 when an
//! input is bad (unreadable, malformed, or asking for something nnkey
//! cannot derive) or an output cannot be written (a full disk; `bless`
//! refusing or failing to replace a file). A closed pipe ends output
//! quietly. A directory holding no `.nnk` file is a warning, and an error
//! (exit 2) with `--deny-missing`.

mod grade;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::bless;
use crate::check::{self, Report};
use crate::render::{self, Format, Level, Options};

#[derive(Parser, Debug)]
#[command(name = "nnkey", version, about = "Exact, verified answer keys for neural-network theory problems")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Make a directory that holds no `.nnk` file an error (exit 2), not a
    /// warning.
    #[arg(long, global = true)]
    pub deny_missing: bool,

    /// Run only the problem with this id (`q1`, `3.1`); an id that no
    /// problem has is an error naming the ids there are.
    #[arg(long, global = true, value_name = "ID")]
    pub only: Option<String>,

    /// Seconds each derivation may take before it stops with an error that
    /// says how far it got (default 60).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_budget)]
    pub budget: Option<std::time::Duration>,

    /// Files checked at once (default: one per core); the output is the
    /// same, in the same order, on any number.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

/// The number of files derived at once: `--jobs`, else one per core.
fn jobs(flag: Option<u16>) -> usize {
    flag.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn parse_budget(text: &str) -> Result<std::time::Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 1e6 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err("a number of seconds above 0 and at most 1000000".into()),
    }
}

/// Shows the progress of long derivations on stderr, one line rewritten in
/// place, when stderr is a terminal (never in piped or redirected output).
fn show_progress() {
    if !std::io::stderr().is_terminal() {
        return;
    }
    crate::derive::budget::set_progress_hook(Some(Box::new(|p: &crate::derive::budget::Progress| {
        let mut err = std::io::stderr().lock();
        if p.done >= p.total {
            let _ = write!(err, "\r\x1b[2K");
        } else {
            let _ = write!(err, "\r\x1b[2K{}: {}/{}", p.stage, p.done, p.total);
        }
        let _ = err.flush();
    })));
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the problems only: titles, questions and the data they give.
    Sheet {
        /// Problem files, or directories searched for `*.nnk`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        output: Output,
    },
    /// Derive every answer and print it: the answers alone, the solutions,
    /// or the full key with derivations, cross-checks and key status.
    Solve {
        /// Problem files, or directories searched for `*.nnk`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// How much to print.
        #[arg(long, value_enum, default_value_t = LevelArg::Full)]
        level: LevelArg,
        #[command(flatten)]
        output: Output,
    },
    /// Check every `expect` against the derived answer.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `text` prints one line per key; the other formats print the full key.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Check problems with drawn parameters on the draw this seed picks
        /// (with `--variant`, a variant's), not on the 8 seeded draws.
        #[arg(long)]
        seed: Option<u64>,
        /// The variant id of `--seed`'s draw: `1`, `2`, … or a student id.
        #[arg(long, requires = "seed", value_name = "ID")]
        variant: Option<String>,
    },
    /// Write derived answers into missing or failing `expect`s, in place.
    Bless {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print what would change as a unified diff; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write missing keys only; a failing key is left as written.
        #[arg(long)]
        missing_only: bool,
    },
    /// Write one folder per variant (or per student of a roster): the
    /// problem files with drawn values written in and every key blessed,
    /// the sheet and the solutions.
    Variants {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The seed: the same seed and variant id give the same values.
        #[arg(long)]
        seed: u64,
        /// How many variants, with ids 1, 2, …
        #[arg(long, conflicts_with = "roster", required_unless_present = "roster")]
        count: Option<usize>,
        /// A file of student ids, one per line; a variant per student.
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
        /// Where the folders go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Grade students' submissions against the derived answers.
    Grade(grade::GradeArgs),
}

/// How a document is printed.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Output {
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// A complete document (a LaTeX file with its preamble and title)
    /// rather than a fragment to paste into one.
    #[arg(long)]
    pub standalone: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Text,
    Markdown,
    Latex,
    Json,
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Latex => Format::Latex,
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LevelArg {
    /// Each answer alone: a grader's list.
    Answers,
    /// The question, the steps a student needs, and the answer.
    Solutions,
    /// Everything: every step, the numeric cross-check, the key's status.
    Full,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Answers => Level::Answers,
            LevelArg::Solutions => Level::Solutions,
            LevelArg::Full => Level::Full,
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

/// Prints the report's diagnostics, unreadable files, skipped entries and
/// empty paths to stderr.
fn print_problems(report: &Report, color: bool, deny_missing: bool) {
    let mut err = std::io::stderr().lock();
    for (path, why) in &report.io_errors {
        let _ = writeln!(err, "{}", render::printable(&format!("error: cannot read {}: {why}", path.display())));
    }
    for (path, why) in &report.skipped {
        let _ = writeln!(err, "note: skipped {}: {why}", path.display());
    }
    let level = if deny_missing { "error" } else { "warning" };
    for path in &report.empty {
        let _ = writeln!(err, "{level}: {} holds no .nnk file", path.display());
    }
    for file in &report.files {
        for d in &file.diagnostics {
            let _ = write!(err, "{}", file.render_diagnostic(d, color));
            let _ = writeln!(err);
        }
    }
}

/// Writes to stdout. A closed pipe is not an error; any other write error
/// is reported and is exit status 2 (`Err`).
fn emit(text: &str) -> Result<(), ()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
            Err(())
        }
        _ => Ok(()),
    }
}

/// The exit status after printing: 2 when the output could not be
/// written, or when `--deny-missing` finds a path without problem files.
fn finish(code: i32, printed: Result<(), ()>, report: &Report, deny_missing: bool) -> i32 {
    if printed.is_err() || (deny_missing && !report.empty.is_empty()) { 2 } else { code }
}

/// The options of a document: the format, the level, and for text the
/// terminal's width (100 columns when the output is not a terminal).
fn options(output: Output, level: Level, color: bool) -> Options {
    let mut o = Options::new(output.format.into(), level);
    o.standalone = output.standalone;
    o.color = color;
    if std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        o.width = (w as usize).max(render::limits::MIN_TEXT_WIDTH);
    }
    o
}

/// With `--only ID`: whether no problem has the id, said on stderr with
/// the ids there are.
fn only_unmatched(report: &Report, only: &Option<String>) -> bool {
    let Some(id) = only else { return false };
    if report.ran_any() {
        return false;
    }
    let ids = report.ids();
    let listed = if ids.is_empty() {
        "the files hold no problem".to_string()
    } else {
        let shown: Vec<String> = ids.iter().take(40).map(|i| format!("`{i}`")).collect();
        let more = if ids.len() > 40 { format!(" and {} more", ids.len() - 40) } else { String::new() };
        format!("the problems are {}{more}", shown.join(", "))
    };
    let mut hint = String::new();
    if let Some(s) = crate::language::diagnostic::closest(id, &ids) {
        hint = format!("; did you mean `{s}`?");
    }
    let _ = writeln!(std::io::stderr(), "{}", render::printable(&format!("error: no problem `{id}`: {listed}{hint}")));
    true
}

/// Runs the command line and returns the exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let out_color = use_color(cli.color, std::io::stdout().is_terminal());
    let err_color = use_color(cli.color, std::io::stderr().is_terminal());
    let deny = cli.deny_missing;
    if let Some(b) = cli.budget {
        crate::derive::budget::set_time_budget(b);
    }
    show_progress();
    let only = cli.only.clone();
    let run_options = check::RunOptions { only: only.clone(), seed: None, jobs: jobs(cli.jobs) };
    match cli.command {
        Command::Sheet { paths, output } => {
            let report = check::load_with(&paths, &run_options);
            print_problems(&report, err_color, deny);
            if only_unmatched(&report, &only) {
                return 2;
            }
            let printed = emit(&render::render(&report, &options(output, Level::Sheet, out_color)));
            finish(if report.has_errors() { 2 } else { 0 }, printed, &report, deny)
        }
        Command::Solve { paths, level, output } => {
            let report = check::run_with(&paths, &run_options);
            print_problems(&report, err_color, deny);
            if only_unmatched(&report, &only) {
                return 2;
            }
            let printed = emit(&render::render(&report, &options(output, level.into(), out_color)));
            finish(if report.has_errors() { 2 } else { 0 }, printed, &report, deny)
        }
        Command::Check { paths, format, seed, variant } => {
            let seed = seed.map(|s| crate::model::DrawSeed::new(s, variant.unwrap_or_default()));
            let report = check::run_with(&paths, &check::RunOptions { seed, ..run_options });
            print_problems(&report, err_color, deny);
            if only_unmatched(&report, &only) {
                return 2;
            }
            let text = match format {
                FormatArg::Text => render::text::check_summary(&report, out_color),
                other => render::render(&report, &Options::new(other.into(), Level::Full)),
            };
            let printed = emit(&text);
            finish(report.exit_code(), printed, &report, deny)
        }
        Command::Grade(args) => grade::run(args, err_color, deny, jobs(cli.jobs)),
        Command::Bless { paths, dry_run, missing_only } => {
            let report = check::run_with(&paths, &run_options);
            print_problems(&report, err_color, deny);
            if only_unmatched(&report, &only) {
                return 2;
            }
            let mode = bless::Mode { missing_only, all: false };
            let mut diff = String::new();
            let (done, failures) = bless::bless_with(&report, mode, dry_run.then_some(&mut diff));
            if dry_run {
                // The diff alone on stdout, ready for `patch`; what would be
                // written, on stderr.
                let mut notes = String::new();
                for b in &done {
                    for w in &b.written {
                        notes.push_str(&format!(
                            "would bless {} {} {} (was {})\n",
                            b.path.display(),
                            w.problem,
                            w.name,
                            w.was
                        ));
                    }
                    for s in b.skipped.iter().chain(&b.unwritten) {
                        notes.push_str(&format!("note: {}: {s}\n", b.path.display()));
                    }
                }
                let _ = std::io::stderr().lock().write_all(render::printable(&notes).as_bytes());
                let printed = emit(&render::printable(&diff));
                let code = if report.has_errors() { 2 } else { 0 };
                return finish(code, printed, &report, deny);
            }
            let mut text = String::new();
            let mut err = String::new();
            let mut count = 0;
            let mut files = 0;
            let mut still_failing = false;
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
                for s in &b.unwritten {
                    still_failing = true;
                    err.push_str(&format!("error: {}: {s}\n", b.path.display()));
                }
            }
            for (path, e) in &failures {
                err.push_str(&format!("error: cannot write {}: {e}\n", path.display()));
            }
            text.push_str(&format!("{count} key(s) written in {files} file(s)\n"));
            let _ = std::io::stderr().lock().write_all(render::printable(&err).as_bytes());
            // Paths, names and old keys come from the files: escaped.
            let printed = emit(&render::printable(&text));
            let code = if report.has_errors() || !failures.is_empty() {
                2
            } else if still_failing {
                1
            } else {
                0
            };
            finish(code, printed, &report, deny)
        }
        Command::Variants { paths, seed, count, roster, out } => {
            let ids = match (count, roster) {
                (Some(n), _) => crate::variants::numbered(n),
                (None, Some(file)) => crate::variants::read_roster(&file),
                (None, None) => Err("give --count N or --roster FILE".to_string()),
            };
            let ids = match ids {
                Ok(ids) => ids,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "{}", render::printable(&format!("error: {e}")));
                    return 2;
                }
            };
            let options = crate::variants::Options { seed, ids, out, only: only.clone(), jobs: jobs(cli.jobs) };
            match crate::variants::write(&paths, &options) {
                Ok(written) => {
                    let mut text = String::new();
                    for v in &written {
                        text.push_str(&format!("variant {} in {} ({} keys)\n", v.id, v.dir.display(), v.keys));
                    }
                    if emit(&render::printable(&text)).is_err() { 2 } else { 0 }
                }
                Err(failure) => {
                    let mut err = std::io::stderr().lock();
                    if let Some(report) = &failure.report {
                        print_problems(report, err_color, false);
                    }
                    let _ = writeln!(err, "{}", render::printable(&format!("error: {}", failure.message)));
                    2
                }
            }
        }
    }
}
