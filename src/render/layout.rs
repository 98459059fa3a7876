//! Laying out displayed formulas that do not fit on a line.
//!
//! A formula that fits is printed as it is. One that does not is broken the
//! way a textbook breaks it: a chain of relations one relation per line; a
//! long sum over several lines, continuation lines starting with their
//! sign; a matrix too wide in blocks of columns (and too tall, in blocks of
//! rows); a vector of long entries entry by entry, a denominator they share
//! written once. Nothing is ever shrunk.

use crate::language::math::{Fence, Inline, Math, Prose, Rel, Sign};

use super::limits::LATEX_ROWS;
use super::math::latex::{self, latex, width};
use super::math::text;

/// A piece of a laid-out display: a formula on its own, or a short note
/// that introduces the next one ("Columns 0 to 7 of A:").
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// LaTeX math for a display (may be an `aligned` environment).
    Math(String),
    Note(Prose),
}

/// Em-width of a continuation line's indent in an `aligned` block.
const INDENT: f32 = 2.0;

/// Lays out a display in LaTeX within `avail` ems.
pub fn latex_display(m: &Math, avail: f32) -> Vec<Piece> {
    if width(m) <= avail && !too_tall(m) {
        return vec![Piece::Math(latex(m))];
    }
    match m {
        Math::Relation(first, rest) => relation(first, rest, avail),
        Math::Seq(Fence::None, items) => items.iter().flat_map(|x| latex_display(x, avail)).collect(),
        Math::Matrix(rows) => matrix(None, rows, avail),
        Math::Sum(_) => vec![Piece::Math(aligned(&sum_lines(None, m, avail)))],
        _ => vec![Piece::Math(latex(m))],
    }
}

fn too_tall(m: &Math) -> bool {
    match m {
        Math::Matrix(rows) => rows.len() > LATEX_ROWS,
        Math::Relation(a, rest) => too_tall(a) || rest.iter().any(|r| too_tall(&r.1)),
        _ => false,
    }
}

fn aligned(lines: &[String]) -> String {
    if lines.len() == 1 {
        return lines[0].replace('&', "");
    }
    format!("\\begin{{aligned}} {} \\end{{aligned}}", lines.join(" \\\\ "))
}

/// `lhs = r1 = r2 …` broken one relation per line, a side that is still too
/// wide broken further: a sum at its terms, a fraction into numerator and
/// denominator, and a part that cannot break (inside a root, say) named by
/// a letter and written out after the formula ("where D = …").
fn relation(first: &Math, rest: &[(Rel, Math)], avail: f32) -> Vec<Piece> {
    // A matrix that ends the chain is laid out on its own, after the chain.
    if let Some((Rel::Eq, Math::Matrix(rows))) = rest.last() {
        let whole = Math::Relation(Box::new(first.clone()), rest.to_vec());
        if width(&whole) > avail || too_tall(&whole) {
            let mut pieces = if rest.len() > 1 { relation(first, &rest[..rest.len() - 1], avail) } else { Vec::new() };
            pieces.extend(matrix(Some(first), rows, avail));
            return pieces;
        }
    }
    let lhs_w = width(first);
    let room = avail - lhs_w - 1.5;
    let mut used = Vec::new();
    names(first, &mut used);
    rest.iter().for_each(|r| names(&r.1, &mut used));
    let mut defs: Vec<(Math, Math)> = Vec::new();
    let mut pieces = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for (k, (rel, rhs)) in rest.iter().enumerate() {
        let lead = if k == 0 { latex(first) } else { String::new() };
        let head = format!("{lead} &{}", latex::relation(*rel));
        let mut rhs = rhs.clone();
        loop {
            if width(&rhs) <= room && !too_tall(&rhs) {
                lines.push(format!("{head} {}", latex(&rhs)));
                break;
            }
            let terms_fit = |m: &Math| super::math::terms(m).iter().all(|(_, t)| width(t) <= room - INDENT);
            match &rhs {
                Math::Sum(_) | Math::Neg(_) if terms_fit(&rhs) => {
                    lines.extend(sum_lines(Some(&head), &rhs, room));
                    break;
                }
                Math::Frac(num, den) if terms_fit(num) && terms_fit(den) => {
                    let num_lines = sum_lines(Some(&format!("{head} \\Bigl(")), num, room - 1.0);
                    lines.extend(close_last(num_lines, "\\Bigr)"));
                    let den_lines = sum_lines(Some("&\\qquad \\Big/ \\Bigl("), den, room - 3.0);
                    lines.extend(close_last(den_lines, "\\Bigr)"));
                    break;
                }
                // A list too wide for the line: its items packed into
                // lines, the fence's halves on the first and the last.
                Math::Seq(fence, items) if items.len() > 1 && items.iter().all(|x| width(x) + 1.0 <= room - INDENT) => {
                    let (open, close) = latex::fences(*fence, false);
                    let mut line = format!("{head} {open}");
                    let mut used_w = 0.5;
                    for (k, item) in items.iter().enumerate() {
                        let w = width(item) + 0.5;
                        if used_w + w > room && used_w > 0.5 {
                            lines.push(line);
                            line = "&\\quad".to_string();
                            used_w = INDENT;
                        }
                        let sep = if k + 1 == items.len() { close } else { "," };
                        line.push_str(&format!(" {}{sep}", latex(item)));
                        used_w += w;
                    }
                    lines.push(line);
                    break;
                }
                _ => {}
            }
            match widest_part(&rhs) {
                Some(part) => {
                    let letter = fresh_letter(&used);
                    used.push(letter.clone());
                    let name = Math::name(letter);
                    rhs = replace(&rhs, &part, &name);
                    defs.push((name, part));
                }
                None => {
                    lines.push(format!("{head} {}", latex(&rhs)));
                    break;
                }
            }
        }
    }
    flush(&mut pieces, &mut lines);
    for (name, part) in defs {
        let mut note = Prose::text("where ");
        note.push_math(name.clone());
        note.push_text(":");
        pieces.push(Piece::Note(note));
        pieces.extend(latex_display(&name.equals(part), avail));
    }
    pieces
}

/// A letter no name of the formula uses, for a part written out apart.
fn fresh_letter(used: &[String]) -> String {
    ["D", "Q", "P", "S", "T", "U", "V"]
        .into_iter()
        .map(String::from)
        .chain((1..).map(|k| format!("D{k}")))
        .find(|c| !used.contains(c))
        .unwrap_or_else(|| "D".into())
}

/// The widest sum strictly inside `m` worth naming apart, if any: one
/// inside a function's argument (a root) first, since nothing breaks
/// there, else the widest anywhere.
fn widest_part(m: &Math) -> Option<Math> {
    fn walk(m: &Math, top: bool, inside: bool, best: &mut [Option<(f32, Math)>; 2]) {
        if !top && matches!(m, Math::Sum(_)) {
            let w = width(m);
            let slot = if inside { 0 } else { 1 };
            if w > 6.0 && best[slot].as_ref().is_none_or(|b| w > b.0) {
                best[slot] = Some((w, m.clone()));
            }
        }
        let into = inside || matches!(m, Math::Apply(..));
        for c in children(m) {
            walk(c, false, into, best);
        }
    }
    let mut best = [None, None];
    walk(m, true, false, &mut best);
    let [inside, anywhere] = best;
    inside.or(anywhere).map(|b| b.1)
}

/// The direct parts of a formula.
fn children(m: &Math) -> Vec<&Math> {
    match m {
        Math::Sum(t) => t.iter().map(|x| &x.1).collect(),
        Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) => f.iter().collect(),
        Math::Entry(b, f) => std::iter::once(b.as_ref()).chain(f.iter()).collect(),
        Math::Infix(a, _, b) | Math::Frac(a, b) => vec![a, b],
        Math::Neg(a) | Math::Transpose(a) | Math::Inverse(a) | Math::Prime(a) | Math::Fenced(_, a) => vec![a],
        Math::Script { base, sub, sup } => std::iter::once(base.as_ref())
            .chain(sub.iter().map(|x| x.as_ref()))
            .chain(sup.iter().map(|x| x.as_ref()))
            .collect(),
        Math::Relation(a, r) => std::iter::once(a.as_ref()).chain(r.iter().map(|x| &x.1)).collect(),
        Math::Matrix(rows) => rows.iter().flatten().collect(),
        Math::BigOp { under, over, body, .. } => std::iter::once(body.as_ref())
            .chain(under.iter().map(|x| x.as_ref()))
            .chain(over.iter().map(|x| x.as_ref()))
            .collect(),
        Math::Cases(c) => c.iter().flat_map(|(a, b)| [a, b]).collect(),
        Math::Record(f) => f.iter().map(|x| &x.1).collect(),
        _ => Vec::new(),
    }
}

/// `m` with every occurrence of `part` replaced by `by` (a part in
/// parentheses loses them: the name needs none).
fn replace(m: &Math, part: &Math, by: &Math) -> Math {
    if m == part {
        return by.clone();
    }
    let r = |x: &Math| replace(x, part, by);
    let rb = |x: &Math| Box::new(replace(x, part, by));
    let ro = |x: &Option<Box<Math>>| x.as_ref().map(|y| Box::new(replace(y, part, by)));
    match m {
        Math::Fenced(crate::language::math::Fence::Paren, a) if a.as_ref() == part => by.clone(),
        Math::Sum(t) => Math::Sum(t.iter().map(|(s, x)| (*s, r(x))).collect()),
        Math::Product(f) => Math::Product(f.iter().map(r).collect()),
        Math::Seq(k, f) => Math::Seq(*k, f.iter().map(r).collect()),
        Math::Apply(k, f) => Math::Apply(k.clone(), f.iter().map(r).collect()),
        Math::Entry(b, f) => Math::Entry(rb(b), f.iter().map(r).collect()),
        Math::Infix(a, op, b) => Math::Infix(rb(a), *op, rb(b)),
        Math::Frac(a, b) => Math::Frac(rb(a), rb(b)),
        Math::Neg(a) => Math::Neg(rb(a)),
        Math::Transpose(a) => Math::Transpose(rb(a)),
        Math::Inverse(a) => Math::Inverse(rb(a)),
        Math::Prime(a) => Math::Prime(rb(a)),
        Math::Fenced(k, a) => Math::Fenced(*k, rb(a)),
        Math::Script { base, sub, sup } => Math::Script { base: rb(base), sub: ro(sub), sup: ro(sup) },
        Math::Relation(a, rest) => Math::Relation(rb(a), rest.iter().map(|(k, x)| (*k, r(x))).collect()),
        Math::Matrix(rows) => Math::Matrix(rows.iter().map(|row| row.iter().map(r).collect()).collect()),
        Math::BigOp { op, under, over, body } => {
            Math::BigOp { op: *op, under: ro(under), over: ro(over), body: rb(body) }
        }
        Math::Cases(c) => Math::Cases(c.iter().map(|(a, b)| (r(a), r(b))).collect()),
        Math::Record(f) => Math::Record(f.iter().map(|(k, x)| (k.clone(), r(x))).collect()),
        m => m.clone(),
    }
}

fn close_last(mut lines: Vec<String>, close: &str) -> Vec<String> {
    if let Some(l) = lines.last_mut() {
        l.push(' ');
        l.push_str(close);
    }
    lines
}

fn flush(pieces: &mut Vec<Piece>, lines: &mut Vec<String>) {
    if !lines.is_empty() {
        pieces.push(Piece::Math(aligned(lines)));
        lines.clear();
    }
}

/// The terms of a sum packed into lines of at most `avail` ems; the first
/// line starts with `lead` (which holds the alignment point), the others
/// with `&\quad` and their sign.
fn sum_lines(lead: Option<&str>, m: &Math, avail: f32) -> Vec<String> {
    let terms: Vec<(Sign, &Math)> = match m {
        Math::Sum(t) => t.iter().map(|(s, x)| (*s, x)).collect(),
        Math::Neg(x) => vec![(Sign::Minus, x.as_ref())],
        m => vec![(Sign::Plus, m)],
    };
    let mut lines = Vec::new();
    let mut current = lead.map(|l| format!("{l} ")).unwrap_or_else(|| "&".into());
    let mut used = 0.0;
    let mut empty = true;
    for (k, (sign, t)) in terms.iter().enumerate() {
        let tw = width(t) + 1.2;
        let sign_tex = match (k, sign) {
            (0, Sign::Plus) => "",
            (0, Sign::Minus) => "-",
            (_, Sign::Plus) => "+ ",
            (_, Sign::Minus) => "- ",
        };
        if !empty && used + tw > avail - INDENT {
            lines.push(current);
            current = "&\\quad ".to_string();
            used = 0.0;
        }
        let needs_paren = matches!(t, Math::Sum(_) | Math::Neg(_) | Math::Relation(..));
        let term = if needs_paren { format!("\\left({}\\right)", latex(t)) } else { latex(t) };
        current.push_str(sign_tex);
        current.push_str(&term);
        current.push(' ');
        used += tw;
        empty = false;
    }
    lines.push(current.trim_end().to_string());
    lines
}

/// A matrix too large for a line: entry by entry when its entries are long
/// (a vector of fractions), in blocks of columns and rows otherwise.
fn matrix(lhs: Option<&Math>, rows: &[Vec<Math>], avail: f32) -> Vec<Piece> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    if cols == 0 {
        return vec![Piece::Math(latex(&Math::Matrix(rows.to_vec())))];
    }
    let col_w: Vec<f32> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(width).fold(0.0, f32::max) + 1.0).collect();
    let widest = col_w.iter().cloned().fold(0.0, f32::max);
    let lhs_w = lhs.map_or(0.0, |l| width(l) + 1.5);
    // Entries so long that even two columns do not fit: write them one by one.
    if widest * cols.min(2) as f32 > avail - lhs_w - 1.0 && rows.len() * cols <= 64 {
        return entry_by_entry(lhs, rows, avail);
    }
    let mut pieces = Vec::new();
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut used = 0.0;
    for (c, w) in col_w.iter().enumerate() {
        if c > start && used + w > avail - 1.0 - lhs_w.min(4.0) {
            blocks.push((start, c));
            start = c;
            used = 0.0;
        }
        used += w;
    }
    blocks.push((start, cols));
    let row_blocks: Vec<(usize, usize)> =
        (0..rows.len()).step_by(LATEX_ROWS).map(|r| (r, (r + LATEX_ROWS).min(rows.len()))).collect();
    let single = blocks.len() == 1 && row_blocks.len() == 1;
    for &(r0, r1) in &row_blocks {
        for &(c0, c1) in &blocks {
            let block =
                Math::Matrix(rows[r0..r1].iter().map(|r| r[c0.min(r.len())..c1.min(r.len())].to_vec()).collect());
            if single {
                let m = match lhs {
                    Some(l) => l.clone().equals(block),
                    None => block,
                };
                pieces.push(Piece::Math(latex(&m)));
                continue;
            }
            let mut note = Prose::default();
            let mut part = Vec::new();
            if row_blocks.len() > 1 {
                part.push(format!("rows {r0} to {}", r1 - 1));
            }
            if blocks.len() > 1 {
                part.push(format!("columns {c0} to {}", c1 - 1));
            }
            let what = part.join(", ");
            let mut what = super::capitalized(&what);
            match lhs {
                Some(l) => {
                    what.push_str(" of ");
                    note.push_text(&what);
                    note.push_math(l.clone());
                    note.push_text(":");
                }
                None => {
                    what.push(':');
                    note.push_text(&what);
                }
            }
            pieces.push(Piece::Note(note));
            pieces.push(Piece::Math(latex(&block)));
        }
    }
    pieces
}

/// The names and symbols a formula uses, so that a letter chosen for the
/// layout does not clash with them.
fn names(m: &Math, out: &mut Vec<String>) {
    match m {
        Math::Name(n) => out.push(n.clone()),
        Math::Symbol(s) => out.push(s.name.clone()),
        Math::Sum(t) => t.iter().for_each(|x| names(&x.1, out)),
        Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) => f.iter().for_each(|x| names(x, out)),
        Math::Entry(b, f) => {
            names(b, out);
            f.iter().for_each(|x| names(x, out));
        }
        Math::Infix(a, _, b) | Math::Frac(a, b) => {
            names(a, out);
            names(b, out);
        }
        Math::Neg(a) | Math::Transpose(a) | Math::Inverse(a) | Math::Prime(a) | Math::Fenced(_, a) => names(a, out),
        Math::Script { base, sub, sup } => {
            names(base, out);
            sub.iter().chain(sup.iter()).for_each(|x| names(x, out));
        }
        Math::Relation(a, r) => {
            names(a, out);
            r.iter().for_each(|x| names(&x.1, out));
        }
        Math::Matrix(rows) => rows.iter().flatten().for_each(|x| names(x, out)),
        Math::BigOp { under, over, body, .. } => {
            names(body, out);
            under.iter().chain(over.iter()).for_each(|x| names(x, out));
        }
        Math::Cases(c) => c.iter().for_each(|(a, b)| {
            names(a, out);
            names(b, out);
        }),
        Math::Record(f) => f.iter().for_each(|x| names(&x.1, out)),
        _ => {}
    }
}

/// Entry k of `lhs`: `w_{k}` (a vector) or `A_{r,c}`.
fn entry_name(lhs: Option<&Math>, r: usize, c: usize, vector: bool) -> Math {
    let idx = if vector { vec![Math::int(r as i64)] } else { vec![Math::int(r as i64), Math::int(c as i64)] };
    match lhs {
        Some(Math::Name(n)) => Math::Entry(Box::new(Math::Name(n.clone())), idx),
        Some(l) => Math::Entry(Box::new(l.clone().paren()), idx),
        None => Math::Entry(Box::new(Math::text("entry")), idx),
    }
}

fn entry_by_entry(lhs: Option<&Math>, rows: &[Vec<Math>], avail: f32) -> Vec<Piece> {
    let vector = rows.iter().all(|r| r.len() == 1);
    let entries: Vec<(usize, usize, &Math)> =
        rows.iter().enumerate().flat_map(|(r, row)| row.iter().enumerate().map(move |(c, x)| (r, c, x))).collect();
    // A denominator every entry shares, when long, is written once.
    let shared = match entries.first() {
        Some((_, _, Math::Frac(_, d))) if entries.len() > 1 => {
            let d = d.as_ref();
            entries.iter().all(|e| matches!(e.2, Math::Frac(_, d2) if d2.as_ref() == d)).then_some(d)
        }
        _ => None,
    };
    let mut pieces = Vec::new();
    let mut used = Vec::new();
    if let Some(l) = lhs {
        names(l, &mut used);
    }
    entries.iter().for_each(|e| names(e.2, &mut used));
    let letter = ["D", "Q", "N", "Delta"].into_iter().find(|c| !used.iter().any(|u| u == c)).map(Math::name);
    let (shared, letter) = match (shared, letter) {
        (Some(d), Some(l)) if width(d) > 6.0 => (Some(d), l),
        _ => (None, Math::name("D")),
    };
    if let Some(d) = shared {
        let mut note = Prose::default();
        note.push_text("Every entry has the same denominator ");
        note.push_math(letter.clone());
        note.push_text(":");
        pieces.push(Piece::Note(note));
        pieces.extend(latex_display(&letter.clone().equals(d.clone()), avail));
    }
    for (r, c, x) in entries {
        let name = entry_name(lhs, r, c, vector);
        let value = match (shared, x) {
            (Some(_), Math::Frac(n, _)) => Math::Frac(n.clone(), Box::new(letter.clone())),
            _ => x.clone(),
        };
        pieces.extend(latex_display(&name.equals(value), avail));
    }
    pieces
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

/// Lays out a display as lines of terminal text within `avail` columns:
/// matrices with their rows aligned, long sums and vectors wrapped.
pub fn text_display(m: &Math, avail: usize) -> Vec<String> {
    let one = text::inline(m);
    if one.chars().count() <= avail && !has_matrix(m) {
        return vec![one];
    }
    match m {
        Math::Relation(first, rest) => {
            let mut lines: Vec<String> = Vec::new();
            let lead = text::inline(first);
            let pad = lead.chars().count() + 1;
            let mut used = Vec::new();
            names(m, &mut used);
            let mut defs: Vec<(Math, Math)> = Vec::new();
            for (k, (rel, rhs)) in rest.iter().enumerate() {
                let head = if k == 0 {
                    format!("{lead} {} ", text::relation(*rel))
                } else {
                    format!("{}{} ", " ".repeat(pad), text::relation(*rel))
                };
                let room = avail.saturating_sub(head.chars().count()).max(20);
                // A part that cannot wrap (inside a root, a fraction) is
                // named and written out after the formula.
                let mut rhs = rhs.clone();
                while text_width(&rhs) > room
                    && !breaks_in_text(&rhs, room)
                    && let Some(part) = widest_part(&rhs)
                {
                    let letter = fresh_letter(&used);
                    used.push(letter.clone());
                    let name = Math::name(letter);
                    rhs = replace(&rhs, &part, &name);
                    defs.push((name, part));
                }
                let body = text_display(&rhs, room);
                let indent = " ".repeat(head.chars().count());
                for (j, l) in body.iter().enumerate() {
                    lines.push(if j == 0 { format!("{head}{l}") } else { format!("{indent}{l}") });
                }
            }
            for (name, part) in defs {
                lines.push(format!("where {}:", text::inline(&name)));
                lines.extend(text_display(&name.equals(part), avail).into_iter().map(|l| format!("  {l}")));
            }
            lines
        }
        Math::Matrix(rows) => text_matrix(rows, avail),
        Math::Sum(_) | Math::Neg(_) => wrap_sum(m, avail),
        Math::Frac(num, den) => {
            // A long fraction: the numerator, then the denominator, each
            // wrapped at its terms.
            let mut lines: Vec<String> = Vec::new();
            let n = wrap_sum(num, avail.saturating_sub(2).max(20));
            let d = wrap_sum(den, avail.saturating_sub(4).max(20));
            let (nl, dl) = (n.len(), d.len());
            for (k, l) in n.into_iter().enumerate() {
                let open = if k == 0 { "(" } else { " " };
                let close = if k + 1 == nl { ")" } else { "" };
                lines.push(format!("{open}{l}{close}"));
            }
            for (k, l) in d.into_iter().enumerate() {
                let open = if k == 0 { "/ (" } else { "   " };
                let close = if k + 1 == dl { ")" } else { "" };
                lines.push(format!("{open}{l}{close}"));
            }
            lines
        }
        Math::Seq(Fence::None, items) => items.iter().flat_map(|x| text_display(x, avail)).collect(),
        _ => vec![one],
    }
}

fn text_width(m: &Math) -> usize {
    text::inline(m).chars().count()
}

/// Whether a formula too wide for `room` columns breaks into lines that
/// fit: a sum at its terms, a fraction at its numerator's and
/// denominator's terms, a matrix at its rows.
fn breaks_in_text(m: &Math, room: usize) -> bool {
    let terms_fit = |x: &Math| super::math::terms(x).iter().all(|(_, t)| text_width(t) + 4 <= room);
    match m {
        Math::Sum(_) | Math::Neg(_) => terms_fit(m),
        Math::Frac(n, d) => terms_fit(n) && terms_fit(d),
        Math::Matrix(_) => true,
        _ => false,
    }
}

fn has_matrix(m: &Math) -> bool {
    match m {
        Math::Matrix(rows) => rows.len() > 1 && rows.iter().any(|r| r.len() > 1),
        Math::Relation(a, rest) => has_matrix(a) || rest.iter().any(|r| has_matrix(&r.1)),
        _ => false,
    }
}

/// A matrix with aligned columns, one row per line; a vector of long
/// entries one entry per line.
fn text_matrix(rows: &[Vec<Math>], avail: usize) -> Vec<String> {
    let vector = rows.iter().all(|r| r.len() == 1);
    if vector {
        let items: Vec<String> = rows.iter().map(|r| text::inline(&r[0])).collect();
        let one = format!("[{}]", items.join(", "));
        if one.chars().count() <= avail {
            return vec![one];
        }
        let mut lines = Vec::new();
        for (k, r) in rows.iter().enumerate() {
            let open = if k == 0 { "[" } else { " " };
            let close = if k + 1 == rows.len() { "]" } else { "," };
            let body = text_display(&r[0], avail.saturating_sub(2).max(20));
            let n = body.len();
            for (j, l) in body.into_iter().enumerate() {
                let lead = if j == 0 { open } else { " " };
                let tail = if j + 1 == n { close } else { "" };
                lines.push(format!("{lead}{l}{tail}"));
            }
        }
        return lines;
    }
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(text::inline).collect()).collect();
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| cells.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    cells
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let open = if k == 0 { "[[" } else { " [" };
            let close = if k + 1 == cells.len() { "]]" } else { "]," };
            let body: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(c, s)| {
                    let pad = widths[c].saturating_sub(s.chars().count());
                    if c + 1 == r.len() {
                        format!("{}{s}", " ".repeat(pad))
                    } else {
                        format!("{}{s},", " ".repeat(pad))
                    }
                })
                .collect();
            format!("{open}{}{close}", body.join(" "))
        })
        .collect()
}

/// A sum wrapped at its terms, continuation lines indented.
fn wrap_sum(m: &Math, avail: usize) -> Vec<String> {
    let terms: Vec<(Sign, &Math)> = match m {
        Math::Sum(t) => t.iter().map(|(s, x)| (*s, x)).collect(),
        Math::Neg(x) => vec![(Sign::Minus, x.as_ref())],
        m => vec![(Sign::Plus, m)],
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    for (k, (s, t)) in terms.iter().enumerate() {
        let body =
            if matches!(t, Math::Sum(_) | Math::Neg(_)) { format!("({})", text::inline(t)) } else { text::inline(t) };
        let piece = match (k, s) {
            (0, Sign::Plus) => body,
            (0, Sign::Minus) => format!("-{body}"),
            (_, Sign::Plus) => format!("+ {body}"),
            (_, Sign::Minus) => format!("- {body}"),
        };
        if !current.is_empty() && current.chars().count() + 1 + piece.chars().count() > avail {
            lines.push(current);
            current = format!("  {piece}");
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&piece);
        }
    }
    lines.push(current);
    lines
}

/// Wraps prose text (already printed) to `width` columns, breaking at
/// spaces; a word longer than a line stays whole.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Prose as one line of terminal text.
pub fn prose_text(p: &Prose) -> String {
    let mut out = String::new();
    for i in &p.0 {
        match i {
            Inline::Text(t) => out.push_str(t),
            Inline::Code(c) => {
                out.push('`');
                out.push_str(c);
                out.push('`');
            }
            Inline::Math(m) => out.push_str(&text::inline(m)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::math::parse_math;

    #[test]
    fn short_formulas_stay_on_one_line() {
        let m = parse_math("a = b + c").unwrap();
        assert_eq!(latex_display(&m, 30.0), vec![Piece::Math("a = b + c".into())]);
    }

    #[test]
    fn long_sums_break_into_aligned_lines() {
        let terms: Vec<String> = (0..40).map(|k| format!("x_{k}")).collect();
        let m = parse_math(&format!("y = {}", terms.join(" + "))).unwrap();
        let pieces = latex_display(&m, 20.0);
        let [Piece::Math(s)] = &pieces[..] else { panic!("{pieces:?}") };
        assert!(s.starts_with("\\begin{aligned}"), "{s}");
        assert!(s.matches("\\\\").count() >= 3, "{s}");
    }

    #[test]
    fn wide_matrices_split_into_column_blocks() {
        let row: Vec<String> = (0..30).map(|k| format!("w[0,{k}]")).collect();
        let m = parse_math(&format!("A = [[{}], [{}]]", row.join(", "), row.join(", "))).unwrap();
        let pieces = latex_display(&m, 29.0);
        assert!(pieces.iter().filter(|p| matches!(p, Piece::Note(_))).count() >= 2, "{pieces:?}");
        for p in &pieces {
            if let Piece::Math(s) = p {
                assert!(width(&parse_math("1").unwrap()) < 29.0, "{s}");
            }
        }
    }

    #[test]
    fn text_matrices_align_their_columns() {
        let m = parse_math("A = [[1, 10], [100, 2]]").unwrap();
        assert_eq!(text_display(&m, 80), vec!["A = [[  1, 10],", "     [100,  2]]"]);
    }

    #[test]
    fn text_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), vec!["aa bb", "cc dd"]);
    }
}
