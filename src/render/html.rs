//! HTML: one self-contained file (no script, no font or style fetched from
//! anywhere), formulas as MathML Core, pictures as inline SVG. With
//! `--standalone` a whole page with a table of contents, a light and a dark
//! scheme and a layout that reads on a phone; without, a fragment to embed
//! in a course page. Every problem and finding has an anchor (`#q6`,
//! `#q6-piece`); long derivations fold in `<details>` in the full key.

use std::cell::Cell;
use std::fmt::Write;

use crate::algebra::Ring;
use crate::check::Status;
use crate::derive::{Block, Table};
use crate::language::math::{Inline, Math, Prose};

use super::document::{Document, Level, PartDoc, ProblemDoc, Shown, shown_answer};
use super::limits::LISTED;
use super::math::lower::lower;
use super::math::mathml::{escape, mathml};
use super::{Options, crosscheck_sentence, status_sentence};

/// Derivations with more steps than this are folded in the full key.
const FOLDED_STEPS: usize = 4;

const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#1c1c21;--bg:#fdfdfc;--muted:#5d5d69;--rule:#d8d8df;--accent:#2451a6;--bad:#a4161a;--good:#1d6b35}
@media (prefers-color-scheme:dark){:root{--fg:#e7e7ec;--bg:#17171b;--muted:#a3a3b0;--rule:#3b3b45;--accent:#92b1ff;--bad:#ff8a8f;--good:#7ad39a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,nav,main{max-width:48rem;margin:0 auto;padding:0 1rem}
header h1{margin:1.5rem 0 .5rem}
nav{border-bottom:1px solid var(--rule);padding-bottom:.75rem}
nav ol{margin:.25rem 0;padding-left:1.25rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
section.problem{border-top:1px solid var(--rule);margin-top:2rem}
h2{font-size:1.35rem;margin:1.25rem 0 .5rem}
h3{font-size:1.1rem;margin:1.25rem 0 .4rem}
.display,.answer{overflow-x:auto;overflow-y:hidden;padding:.15rem 0}
math[display="block"]{margin:.4rem 0}
.answer{border-left:3px solid var(--accent);padding-left:.75rem;margin:.75rem 0}
ol.steps>li{margin:.5rem 0}
figure{margin:1rem 0;overflow-x:auto}
figure svg{max-width:100%;height:auto;color:var(--fg)}
figcaption{color:var(--muted);font-size:.92em}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border-bottom:1px solid var(--rule);padding:.15rem .7rem;text-align:center}
code{font-size:.92em}
.check,.source{color:var(--muted);font-size:.92em}
.status.pass{color:var(--good)}.status.fail{color:var(--bad)}
details>summary{cursor:pointer;color:var(--muted)}
@media print{nav{display:none}details>summary{display:none}}
"#;

struct Out<'o> {
    text: String,
    ring: &'o Ring,
    /// Numbers the pictures of the page, for unique ids.
    figures: &'o Cell<usize>,
}

/// Prose as HTML with inline MathML.
fn prose(p: &Prose, ring: &Ring) -> String {
    let mut out = String::new();
    for i in &p.0 {
        match i {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(c) => {
                let _ = write!(out, "<code>{}</code>", escape(c));
            }
            Inline::Math(m) => out.push_str(&mathml(&lower(m, ring), false)),
        }
    }
    out
}

impl Out<'_> {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    fn display(&mut self, m: &Math, class: &str) {
        let m = mathml(&lower(m, self.ring), true);
        self.push(&format!("<div class=\"{class}\">{m}</div>"));
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Prose(p) => {
                let t = prose(p, self.ring);
                self.push(&format!("<p>{t}</p>"));
            }
            Block::Display(m) => self.display(m, "display"),
            Block::Aligned(ms) => {
                for m in ms {
                    self.display(m, "display");
                }
            }
            Block::Table(t) => self.table(t),
            Block::Items(items) => {
                self.push("<ul>");
                for p in items {
                    let t = prose(p, self.ring);
                    self.push(&format!("<li>{t}</li>"));
                }
                self.push("</ul>");
            }
            Block::Listing { total, items } => {
                for b in items.iter().take(LISTED) {
                    self.block(b);
                }
                let shown = items.len().min(LISTED);
                if *total > shown {
                    self.push(&format!("<p>… and {} more.</p>", total - shown));
                }
            }
            Block::Figure(f) => {
                let k = self.figures.get() + 1;
                self.figures.set(k);
                let svg = super::figure::svg(f, self.ring, &format!("fig{k}"));
                let caption = prose(&f.caption, self.ring);
                self.push(&format!("<figure>{svg}<figcaption>{caption}</figcaption></figure>"));
            }
        }
    }

    fn table(&mut self, t: &Table) {
        self.push("<table>");
        if !t.header.is_empty() {
            let cells: Vec<String> =
                t.header.iter().map(|p| format!("<th scope=\"col\">{}</th>", prose(p, self.ring))).collect();
            self.push(&format!("<thead><tr>{}</tr></thead>", cells.join("")));
        }
        self.push("<tbody>");
        for r in &t.rows {
            let cells: Vec<String> = r.iter().map(|p| format!("<td>{}</td>", prose(p, self.ring))).collect();
            self.push(&format!("<tr>{}</tr>", cells.join("")));
        }
        self.push("</tbody></table>");
    }
}

fn title(p: &ProblemDoc) -> String {
    let pr = &p.report.problem;
    let t = pr.title.as_deref().map(|t| format!(": {}", escape(t))).unwrap_or_default();
    format!("Problem {}{t}", escape(&pr.id))
}

fn part_title(part: &PartDoc) -> String {
    let label = part.label.as_deref().map(|l| format!("{l} ")).unwrap_or_default();
    format!("{label}{}", escape(&part.find.name))
}

/// A document as HTML.
pub fn document(doc: &Document, opts: &Options) -> String {
    let figures = Cell::new(0);
    let mut body = String::new();
    for p in &doc.problems {
        let mut out = Out { text: String::new(), ring: &p.report.problem.ring, figures: &figures };
        problem(&mut out, doc, p);
        body.push_str(&out.text);
    }
    if !opts.standalone {
        return format!("<div class=\"nnkey\">\n{body}</div>\n");
    }
    let mut page = String::new();
    let word = doc.level.word();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"nnkey\">\n<title>{word}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<header><h1>{word}</h1></header>\n"
    );
    page.push_str("<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    for p in &doc.problems {
        let _ = write!(page, "<li><a href=\"#{}\">{}</a>", p.anchor, title(p));
        if p.parts.len() > 1 {
            page.push_str("<ol>");
            for part in &p.parts {
                let _ = write!(page, "<li><a href=\"#{}\">{}</a></li>", part.anchor, part_title(part));
            }
            page.push_str("</ol>");
        }
        page.push_str("</li>\n");
    }
    page.push_str("</ol>\n</nav>\n<main>\n");
    page.push_str(&body);
    if doc.level == Level::Full {
        let _ = writeln!(page, "<p class=\"check\">{}</p>", escape(&super::text::summary_line(doc.report)));
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

fn problem(out: &mut Out, doc: &Document, p: &ProblemDoc) {
    out.push(&format!("<section class=\"problem\" id=\"{}\" aria-labelledby=\"{}-h\">", p.anchor, p.anchor));
    out.push(&format!("<h2 id=\"{}-h\">{}</h2>", p.anchor, title(p)));
    if doc.level == Level::Full {
        let path = escape(&p.file.source.path.display().to_string());
        out.push(&format!("<p class=\"source\">Source: <code>{path}</code></p>"));
    }
    if doc.questions() {
        for para in p.question {
            let t = prose(para, out.ring);
            out.push(&format!("<p>{t}</p>"));
        }
        for b in &p.data {
            out.block(b);
        }
    }
    for part in &p.parts {
        self::part(out, doc, part);
    }
    for a in &p.answers {
        out.push(&format!("<h3>Answer: {}</h3>", escape(&a.name)));
        for para in &a.prose {
            let t = prose(para, out.ring);
            out.push(&format!("<p>{t}</p>"));
        }
    }
    out.push("</section>");
}

fn part(out: &mut Out, doc: &Document, part: &PartDoc) {
    out.push(&format!("<section class=\"part\" id=\"{}\">", part.anchor));
    if part.label.is_some() || doc.checks() {
        let what = match part.finding {
            Some(f) if doc.checks() => format!(" <span class=\"check\">({})</span>", super::noun(&f.finding.answer)),
            _ => String::new(),
        };
        out.push(&format!("<h3>{}{what}</h3>", part_title(part)));
    }
    if doc.questions() {
        for para in part.question {
            let t = prose(para, out.ring);
            out.push(&format!("<p>{t}</p>"));
        }
    }
    if doc.answers() {
        match part.finding {
            None => out.push(&format!(
                "<p>No answer for <code>{}</code>: see the error nnkey reports.</p>",
                escape(&part.find.name)
            )),
            Some(f) => {
                if !part.steps.is_empty() {
                    let fold = doc.level == Level::Full && part.steps.len() > FOLDED_STEPS;
                    if fold {
                        out.push(&format!("<details><summary>Derivation, {} steps</summary>", part.steps.len()));
                    }
                    out.push("<ol class=\"steps\">");
                    for s in &part.steps {
                        out.push("<li>");
                        for b in &s.blocks {
                            out.block(b);
                        }
                        out.push("</li>");
                    }
                    out.push("</ol>");
                    if fold {
                        out.push("</details>");
                    }
                }
                match shown_answer(f, out.ring, doc.level) {
                    Shown::Formula(m) => out.display(&m, "answer"),
                    Shown::Fields(fields) => out.display(&Math::list(fields), "answer"),
                    Shown::Described(why) => {
                        let name = mathml(&Math::name(&f.finding.name), false);
                        out.push(&format!("<p class=\"answer\">{name} is {}.</p>", escape(&why)));
                    }
                }
                if doc.checks() {
                    let check = escape(&(super::capitalized(&crosscheck_sentence(f)) + "."));
                    out.push(&format!("<p class=\"check\">{check}</p>"));
                    let class = match f.status {
                        Status::Pass => "pass",
                        Status::Missing => "missing",
                        Status::Fail(_) | Status::Invalid => "fail",
                    };
                    let status = escape(&(super::capitalized(&status_sentence(f)) + "."));
                    out.push(&format!("<p class=\"status {class}\">{status}</p>"));
                }
            }
        }
    }
    out.push("</section>");
}
