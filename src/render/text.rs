//! Plain text for a terminal: the full derivations (`solve`) or a one line
//! per key summary (`check`), colored only when asked to.

use std::fmt::Write;

use crate::check::{Report, Status};

use super::{crosscheck_sentence, status_sentence};

fn paint(color: bool, code: &str, text: &str) -> String {
    if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}

/// Every problem with its findings, derivations, checks and keys.
pub fn report(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for file in &report.files {
        for p in &file.problems {
            let title = p.problem.title.as_deref().map(|t| format!(": {t}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{} ({})",
                paint(color, "1", &format!("problem {}{title}", p.problem.id)),
                file.source.path.display()
            );
            for f in &p.findings {
                let _ = writeln!(
                    out,
                    "\n  {} ({})",
                    paint(color, "1", &format!("find {}", f.finding.name)),
                    super::noun(&f.finding.answer)
                );
                for (k, step) in
                    f.finding.explanation.steps.iter().map(|s| super::step_parts_in(s, &p.problem.ring)).enumerate()
                {
                    let _ = writeln!(out, "{}", indent(&format!("{}. {}", k + 1, step.0), "    "));
                    if let Some(m) = &step.1 {
                        let _ = writeln!(out, "{}", indent(&m.0, "         "));
                    }
                }
                let lead = format!("    {} = ", f.finding.name);
                let value = super::too_large(&f.finding.value)
                    .unwrap_or_else(|| f.finding.value.to_key(&p.problem.ring, lead.chars().count()));
                let _ = writeln!(out, "{}{value}", paint(color, "1", &lead));
                let _ = writeln!(out, "    {}", crosscheck_sentence(f));
                let key = status_sentence(f);
                let code = match f.status {
                    Status::Pass => "32",
                    Status::Fail(_) | Status::Invalid => "31",
                    Status::Missing => "33",
                };
                let _ = writeln!(out, "    {}", paint(color, code, &key));
            }
            for a in &p.problem.answers {
                let _ = writeln!(out, "\n  {}", paint(color, "1", &format!("answer {}", a.name)));
                let _ = writeln!(out, "{}", indent(&a.text, "    "));
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// `N passed, M failed, K missing`.
pub fn summary_line(report: &Report) -> String {
    let s = report.summary();
    format!("{} passed, {} failed, {} missing", s.passed, s.failed, s.missing)
}

/// One line per key, then the failures in detail, then the summary line.
pub fn check_summary(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let mut failures = Vec::new();
    for file in &report.files {
        for p in &file.problems {
            for f in &p.findings {
                let (word, code) = match &f.status {
                    Status::Pass => ("ok", "32"),
                    Status::Fail(_) => ("FAILED", "31"),
                    Status::Invalid => ("INVALID", "31"),
                    Status::Missing => ("missing", "33"),
                };
                let _ = writeln!(
                    out,
                    "{} {} {} ... {}",
                    file.source.path.display(),
                    p.problem.id,
                    f.finding.name,
                    paint(color, code, word)
                );
                if let Status::Fail(why) = &f.status {
                    let at = f.key_span.map(|s| {
                        let (l, c) = file.source.line_col(s.start);
                        format!("{}:{l}:{c}", file.source.path.display())
                    });
                    failures.push((
                        at.unwrap_or_else(|| file.source.path.display().to_string()),
                        p.problem.id.clone(),
                        f.finding.name.clone(),
                        why.clone(),
                        f.finding.value.clone(),
                        p,
                    ));
                }
            }
        }
    }
    if !failures.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for (at, id, name, why, value, p) in failures {
            let _ = writeln!(out, "\n  {id} {name} ({at})\n    {why}");
            let lead = "    derived: ";
            let shown = value.to_key(&p.problem.ring, lead.len());
            if shown.len() <= 4000 {
                let _ = writeln!(out, "{lead}{shown}");
            } else {
                let _ = writeln!(out, "{lead}{} (too large to show here; `nnkey solve` prints it)", value.describe());
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}
