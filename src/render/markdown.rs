//! Markdown for a solutions page: a section per problem, the derivation as
//! a numbered list with display math (`$$ … $$`), the answer, the numeric
//! check and the key's status.

use std::fmt::Write;

use crate::algebra::Notation;
use crate::check::Report;

use super::{crosscheck_sentence, status_sentence};

pub fn report(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        for p in &file.problems {
            let ring = &p.problem.ring;
            let title = p.problem.title.as_deref().map(|t| format!(": {t}")).unwrap_or_default();
            let _ = writeln!(out, "## Problem {}{title}\n", p.problem.id);
            for f in &p.findings {
                let _ = writeln!(out, "### {} ({})\n", f.finding.name, super::noun(&f.finding.answer));
                for (k, step) in f.finding.explanation.steps.iter().map(|s| super::step_parts_in(s, ring)).enumerate() {
                    let _ = writeln!(out, "{}. {}", k + 1, step.0);
                    if let Some(m) = &step.1 {
                        let _ = writeln!(out, "\n   $$\n   {}\n   $$\n", m.1);
                    }
                }
                let name = crate::algebra::print::latex_name(&f.finding.name);
                match super::too_large(&f.finding.value) {
                    Some(summary) => {
                        let _ = writeln!(out, "\n**Answer:** {} is {summary}.\n", f.finding.name);
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "\n**Answer:**\n\n$$\n{name} = {}\n$$\n",
                            f.finding.value.print(ring, Notation::Latex)
                        );
                    }
                }
                let _ = writeln!(out, "*{}.*\n", crosscheck_sentence(f));
                let _ = writeln!(out, "*{}.*\n", super::capitalized(&status_sentence(f)));
            }
            for a in &p.problem.answers {
                let _ = writeln!(out, "### {}\n\n{}\n", a.name, a.text);
            }
        }
    }
    let _ = writeln!(out, "---\n\n{}", super::text::summary_line(report));
    out
}
