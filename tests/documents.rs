//! What people read: every document of every file in `problems/` (and the
//! layout fixtures) pinned as golden snapshots, and checked for what a
//! reader needs: the sheet has every question and no answer, Markdown is
//! CommonMark with no stray emphasis, the solutions carry no tool talk.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nnkey::check::{self, Report};
use nnkey::render::{self, Format, Level, Options};

/// Every problem file under `dir`, in a stable order.
fn files(dir: &str) -> Vec<PathBuf> {
    let (files, errors) = check::collect_files(&[PathBuf::from(dir)]);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!files.is_empty(), "no problem files under {dir}");
    files
}

fn all_files() -> Vec<PathBuf> {
    let mut v = files("problems");
    v.extend(files("tests/fixtures"));
    v
}

/// Every file of `problems/` derived once, for the tests that read them
/// all (deriving is the slow part).
fn solved_problems() -> &'static Report {
    static SOLVED: OnceLock<Report> = OnceLock::new();
    SOLVED.get_or_init(|| check::run(&[PathBuf::from("problems")]))
}

fn render(report: &Report, format: Format, level: Level) -> String {
    render::render(report, &Options::new(format, level))
}

/// Floating-point measurements in cross-check sentences vary in their last
/// digits between machines; the snapshot keeps their place, not their value.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // d.de±d or d.dde±dd: a number in scientific notation.
        let start = i;
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > start && j + 1 < bytes.len() && bytes[j] == b'.' {
            let mut k = j + 1;
            while k < bytes.len() && bytes[k].is_ascii_digit() {
                k += 1;
            }
            if k < bytes.len() && bytes[k] == b'e' {
                let mut m = k + 1;
                if m < bytes.len() && bytes[m] == b'-' {
                    m += 1;
                }
                let e0 = m;
                while m < bytes.len() && bytes[m].is_ascii_digit() {
                    m += 1;
                }
                if m > e0 {
                    out.push_str("[float]");
                    i = m;
                    continue;
                }
            }
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn snapshot_name(path: &Path, what: &str) -> String {
    let stem = path.with_extension("").display().to_string().replace(['/', '\\'], "__");
    format!("{stem}__{what}")
}

const FORMATS: [(Format, &str); 5] = [
    (Format::Text, "txt"),
    (Format::Markdown, "md"),
    (Format::Latex, "tex"),
    (Format::Html, "html"),
    (Format::Json, "json"),
];

#[test]
fn every_document_of_every_file_is_pinned() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for path in all_files() {
            let sheet = check::load(std::slice::from_ref(&path));
            let solved = check::run(std::slice::from_ref(&path));
            assert!(!solved.has_errors(), "{} has errors", path.display());
            for (format, ext) in FORMATS {
                insta::assert_snapshot!(
                    snapshot_name(&path, &format!("sheet.{ext}")),
                    render(&sheet, format, Level::Sheet)
                );
                for (level, word) in
                    [(Level::Answers, "answers"), (Level::Solutions, "solutions"), (Level::Full, "full")]
                {
                    let text = redact(&render(&solved, format, level));
                    insta::assert_snapshot!(snapshot_name(&path, &format!("{word}.{ext}")), text);
                }
            }
        }
    });
}

#[test]
fn the_sheet_has_every_question_and_no_answer() {
    let report = check::load(&[PathBuf::from("problems")]);
    let sheet = render(&report, Format::Text, Level::Sheet);
    let mut questions = 0;
    for file in &report.files {
        for p in &file.problems {
            let q = p.problem.question.as_ref().unwrap_or_else(|| panic!("{} states no question", p.problem.id));
            questions += 1;
            // The first words of the question appear on the sheet.
            let first: String =
                render::layout::prose_text(&q.prose[0]).split(' ').take(4).collect::<Vec<_>>().join(" ");
            assert!(sheet.contains(&first), "{}: {first:?} is not on the sheet", p.problem.id);
            for f in &p.problem.finds {
                if let Some(part) = &f.question {
                    let first: String =
                        render::layout::prose_text(&part.prose[0]).split(' ').take(4).collect::<Vec<_>>().join(" ");
                    assert!(sheet.contains(&first), "{} {}: {first:?} is not on the sheet", p.problem.id, f.name);
                }
            }
        }
    }
    assert!(questions >= 16);
    // No answer: neither the keys nor the prose answers.
    let solved = solved_problems();
    for file in &solved.files {
        for p in &file.problems {
            for a in &p.problem.answers {
                assert!(!sheet.contains(&a.text[..a.text.len().min(40)]), "the sheet shows answer {}", a.name);
            }
        }
    }
    for forbidden in ["Numeric check", "Key:", "(linear piece)", " = { W:", "pixel_shuffle(", "= impossible"] {
        assert!(!sheet.contains(forbidden), "the sheet contains {forbidden:?}");
    }
}

#[test]
fn solutions_have_no_tool_talk() {
    let report = solved_problems();
    for format in [Format::Text, Format::Markdown, Format::Latex] {
        let text = render(report, format, Level::Solutions);
        // What a reader sees: LaTeX comments are not printed.
        let text: String = text.lines().filter(|l| !l.starts_with('%')).collect::<Vec<_>>().join("\n");
        for forbidden in ["umeric check", "Key: ", "key: ", "nnkey", "ndarray", "cross-check", "passed, "] {
            assert!(!text.contains(forbidden), "{format:?} solutions contain {forbidden:?}");
        }
    }
}

#[test]
fn markdown_is_commonmark_with_math_and_no_stray_emphasis() {
    use pulldown_cmark::{Event, Options as Md, Parser, Tag};
    let solved = check::run(&all_files());
    let sheet = check::load(&all_files());
    for (report, level) in
        [(&sheet, Level::Sheet), (&solved, Level::Answers), (&solved, Level::Solutions), (&solved, Level::Full)]
    {
        let md = render(report, Format::Markdown, level);
        let mut math = 0;
        for event in Parser::new_ext(&md, Md::ENABLE_MATH | Md::ENABLE_TABLES) {
            match event {
                Event::Start(
                    Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. },
                ) => {
                    panic!("{level:?}: markup that nnkey did not write: {event:?}")
                }
                Event::Html(h) | Event::InlineHtml(h) => panic!("{level:?}: HTML in the Markdown: {h}"),
                Event::Text(t) => assert!(!t.contains('$'), "{level:?}: a `$` outside math: {t:?}"),
                Event::InlineMath(m) | Event::DisplayMath(m) => {
                    math += 1;
                    assert!(!m.contains('*'), "{level:?}: `*` in math: {m}");
                }
                _ => {}
            }
        }
        assert!(math > 10, "{level:?}: only {math} formulas");
    }
}

#[test]
fn text_wraps_to_the_width_outside_matrices() {
    let report = solved_problems();
    for level in [Level::Solutions, Level::Full] {
        let text = render(report, Format::Text, level);
        for line in text.lines() {
            let n = line.chars().count();
            // Aligned matrices and formulas that cannot break keep their lines.
            // A record's field that holds a vector or matrix (`image: [[…`,
            // `scores: […`) is one too.
            let formula = line.trim_start().starts_with('[')
                || line.contains("= [")
                || line.contains(" = ")
                || line.contains(": [");
            // A number does not break: a line of one number (or a record's
            // field holding one) stays whole.
            let content = line.trim();
            let content = content.split_once(": ").map_or(content, |(_, v)| v);
            let number = content.trim_start_matches('[').trim_end_matches([',', ']', '}']);
            let number = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '/' || c == '-');
            assert!(n <= 100 || formula || number, "{level:?}: a line of {n} columns: {line}");
        }
    }
}

/// A document says each thing once: a network shown in an earlier problem
/// is referred to, and in the solutions a run of steps already shown word
/// for word is referred to; the full key keeps every step.
#[test]
fn documents_refer_back_instead_of_repeating() {
    let report = check::run(&[PathBuf::from("problems/ps3")]);
    let sheet = render(&report, Format::Text, Level::Sheet);
    let q7 = &sheet[sheet.find("Problem q7").expect("q7 is on the sheet")..];
    let q7 = &q7[..q7.find("Problem q8").expect("q8 follows")];
    assert!(q7.contains("h is as in problem pieces."), "{q7}");
    assert!(!q7.contains("dense: W1"), "the network is shown again:\n{q7}");

    let solutions = render(&report, Format::Text, Level::Solutions);
    let full = render(&report, Format::Text, Level::Full);
    // q12 (c) starts from u but argues as (a) does from its second step on.
    let part_c = &solutions[solutions.find("(c) Where does gradient descent converge").expect("q12 (c)")..];
    let part_c = &part_c[..part_c.find("from_u =").expect("its answer")];
    assert!(part_c.contains("Steps 2–5 are those of (a)."), "{part_c}");
    assert!(!part_c.contains("by induction"), "{part_c}");
    assert!(!full.contains("are those of"), "the full key keeps every step");
    let full_c = &full[full.find("(c) Where does gradient descent converge").expect("q12 (c)")..];
    assert!(full_c[..full_c.find("from_u =").unwrap()].contains("by induction"));
    // A step does not restate the data its question shows: q1's kernel is
    // written once, in the question.
    let q1 = &solutions[solutions.find("Problem q1:").expect("q1")..];
    let q1 = &q1[..q1.find("Problem q2:").expect("q2 follows")];
    assert_eq!(q1.matches("W = [[w[0,0], w[0,1]],").count(), 1, "{q1}");
    // A reference names steps that exist where it points.
    for line in solutions.lines().filter(|l| l.contains("are those of")) {
        assert!(line.contains(" of (") || line.contains(" of q") || line.contains(" of kink"), "{line}");
    }
}
