//! Formulas as LaTeX math (amsmath and amssymb), and an estimate of how
//! wide each prints, in ems of the body font, for the layout to break what
//! does not fit.
//!
//! Entries are written as a course writes them, `w_{1,1}`; names with
//! trailing digits take them as a subscript (`W1` is `W_{1}`); a name of
//! several letters is upright (`\mathrm{loss}`); a name with an underscore
//! is a letter with a subscript when it looks like one (`n_f`) and an
//! upright name otherwise (`\mathrm{at\_minus1}`).
//!
//! The output never contains `*`, which Markdown would read as emphasis.

use std::fmt::Write;

use super::{Prec, is_block, is_numeric, prec};
use crate::algebra::{Q, Symbol};
use crate::language::math::{BigOp, Constant, Fence, Func, GREEK, InfixOp, Math, OPERATORS, Rel, Sign};

/// A formula as LaTeX math.
pub fn latex(m: &Math) -> String {
    let mut out = String::new();
    write(&mut out, m);
    out
}

/// Operator names LaTeX knows as commands.
const COMMANDS: &[&str] = &["det", "max", "min", "exp", "log", "dim", "sup", "inf", "gcd"];

fn is_greek(n: &str) -> bool {
    GREEK.contains(&n)
}

/// Escapes text for LaTeX's text mode. Control characters other than line
/// breaks and tabs are dropped.
pub fn escape_text(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '#' | '$' | '%' | '&' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '*' => out.push_str("\\textasteriskcentered{}"),
            // TeX reads a carriage return as the end of the line and
            // rejects other control characters: they are dropped.
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push_str(&unicode_text(c)),
        }
    }
    out
}

/// A character outside ASCII as pdflatex can typeset it in text.
fn unicode_text(c: char) -> String {
    if c.is_ascii() {
        return c.to_string();
    }
    let m = match c {
        '×' => "$\\times$",
        '−' => "$-$",
        '–' => "--",
        '—' => "---",
        '·' => "$\\cdot$",
        '…' => "\\ldots{}",
        '≤' => "$\\le$",
        '≥' => "$\\ge$",
        '≠' => "$\\ne$",
        '≈' => "$\\approx$",
        '±' => "$\\pm$",
        '∞' => "$\\infty$",
        '∂' => "$\\partial$",
        '∈' => "$\\in$",
        '√' => "$\\surd$",
        '⌊' => "$\\lfloor$",
        '⌋' => "$\\rfloor$",
        '⌈' => "$\\lceil$",
        '⌉' => "$\\rceil$",
        '⁰' => "$^0$",
        '²' => "$^2$",
        '⁽' => "$^($",
        '⁾' => "$^)$",
        '³' => "$^3$",
        '₀' => "$_0$",
        '₁' => "$_1$",
        '₂' => "$_2$",
        '₃' => "$_3$",
        'ᵀ' => "$^\\top$",
        '→' => "$\\to$",
        '↦' => "$\\mapsto$",
        '∘' => "$\\circ$",
        '‖' => "$\\Vert$",
        '‘' => "`",
        '’' => "'",
        '“' => "``",
        '”' => "''",
        'é' => "\\'e",
        'è' => "\\`e",
        'ö' => "\\\"o",
        'ü' => "\\\"u",
        'ä' => "\\\"a",
        _ => {
            return match super::text::greek_name(c) {
                Some(n) => format!("$\\{n}$"),
                None => "?".into(),
            };
        }
    };
    m.to_string()
}

/// A name in math: Greek as its command, `W1` as `W_{1}`, `n_f` as
/// `n_{f}`, a word upright.
pub fn name(n: &str) -> String {
    if is_greek(n) {
        return format!("\\{n}");
    }
    if let Some((base, sub)) = n.split_once('_') {
        let letter = base.chars().count() == 1 || is_greek(base);
        if letter && !sub.is_empty() && sub.len() <= 3 && sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            let sub = if sub.chars().count() == 1 || sub.chars().all(|c| c.is_ascii_digit()) {
                sub.to_string()
            } else {
                format!("\\mathrm{{{sub}}}")
            };
            return format!("{}_{{{sub}}}", name(base));
        }
        return format!("\\mathrm{{{}}}", n.replace('_', "\\_"));
    }
    let letters = n.trim_end_matches(|c: char| c.is_ascii_digit());
    if !letters.is_empty() && letters.len() < n.len() {
        return format!("{}_{{{}}}", name(letters), &n[letters.len()..]);
    }
    if n.chars().count() == 1 || is_differential(n) {
        return n.to_string();
    }
    if COMMANDS.contains(&n) {
        return format!("\\{n}");
    }
    if !n.is_ascii() {
        // pdflatex stops at a character it has no glyph for: each one is
        // written as its command, the rest upright.
        return n.chars().map(unicode_math).collect();
    }
    format!("\\mathrm{{{n}}}")
}

/// One character of a name in math mode: ASCII upright, a Greek letter or
/// `∂` as its command, anything else as `?` rather than an error of TeX.
fn unicode_math(c: char) -> String {
    match c {
        c if c.is_ascii_alphanumeric() => format!("\\mathrm{{{c}}}"),
        '∂' => "\\partial ".into(),
        '∞' => "\\infty ".into(),
        c => match super::text::greek_name(c) {
            Some(n) => format!("\\{n} "),
            None => "?".into(),
        },
    }
}

/// `dx`, `dh`: a differential, italic like the letters it is made of.
pub fn is_differential(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() == 2 && b[0] == b'd' && b[1].is_ascii_alphabetic()
}

/// An entry symbol: `w_{1,1}`.
pub fn symbol(s: &Symbol) -> String {
    let idx: Vec<String> = s.indices.iter().map(|i| i.to_string()).collect();
    let base = name(&s.name);
    // A name that already has a subscript (`W1`) takes the indices after it.
    match base.strip_suffix('}') {
        Some(open) if base.contains("_{") => format!("{open};{}}}", idx.join(",")),
        _ => format!("{base}_{{{}}}", idx.join(",")),
    }
}

fn number(out: &mut String, q: &Q) {
    if q.is_integer() {
        let _ = write!(out, "{q}");
    } else {
        let sign = if q.is_negative() { "-" } else { "" };
        let a = q.abs();
        let _ = write!(out, "{sign}\\frac{{{}}}{{{}}}", a.numer(), a.denom());
    }
}

pub fn relation(r: Rel) -> &'static str {
    match r {
        Rel::Eq => "=",
        Rel::Ne => "\\neq",
        Rel::Lt => "<",
        Rel::Le => "\\le",
        Rel::Gt => ">",
        Rel::Ge => "\\ge",
        Rel::Approx => "\\approx",
        Rel::To => "\\to",
        Rel::MapsTo => "\\mapsto",
        Rel::In => "\\in",
        Rel::NotIn => "\\notin",
        Rel::Subset => "\\subset",
        Rel::Implies => "\\Rightarrow",
        Rel::Iff => "\\Leftrightarrow",
        Rel::Define => ":=",
    }
}

fn constant(c: Constant) -> &'static str {
    match c {
        Constant::Infinity => "\\infty",
        Constant::Reals => "\\mathbb{R}",
        Constant::Ellipsis => "\\ldots",
        Constant::Nabla => "\\nabla",
        Constant::Partial => "\\partial",
        Constant::EmptySet => "\\emptyset",
    }
}

/// Whether a formula is taller than a line of text, so fences around it
/// should grow.
fn tall(m: &Math) -> bool {
    match m {
        Math::Frac(..) | Math::Matrix(_) | Math::BigOp { .. } | Math::Cases(_) => true,
        Math::Number(q) => !q.is_integer(),
        Math::Sum(t) => t.iter().any(|x| tall(&x.1)),
        Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) => f.iter().any(tall),
        Math::Neg(a) | Math::Transpose(a) | Math::Inverse(a) | Math::Prime(a) | Math::Fenced(_, a) => tall(a),
        Math::Infix(a, _, b) => tall(a) || tall(b),
        Math::Script { base, .. } => tall(base),
        Math::Relation(a, r) => tall(a) || r.iter().any(|x| tall(&x.1)),
        Math::Record(f) => f.iter().any(|x| tall(&x.1)),
        _ => false,
    }
}

pub fn fences(f: Fence, grow: bool) -> (&'static str, &'static str) {
    match (f, grow) {
        (Fence::None, _) => ("", ""),
        (Fence::Paren, false) => ("(", ")"),
        (Fence::Paren, true) => ("\\left(", "\\right)"),
        (Fence::Bracket, false) => ("[", "]"),
        (Fence::Bracket, true) => ("\\left[", "\\right]"),
        (Fence::Brace, false) => ("\\{", "\\}"),
        (Fence::Brace, true) => ("\\left\\{", "\\right\\}"),
        (Fence::Abs, false) => ("\\lvert ", "\\rvert"),
        (Fence::Abs, true) => ("\\left\\lvert ", "\\right\\rvert"),
        (Fence::Norm, false) => ("\\lVert ", "\\rVert"),
        (Fence::Norm, true) => ("\\left\\lVert ", "\\right\\rVert"),
        (Fence::Floor, false) => ("\\lfloor ", "\\rfloor"),
        (Fence::Floor, true) => ("\\left\\lfloor ", "\\right\\rfloor"),
        (Fence::Ceil, false) => ("\\lceil ", "\\rceil"),
        (Fence::Ceil, true) => ("\\left\\lceil ", "\\right\\rceil"),
    }
}

fn child(out: &mut String, m: &Math, at_least: Prec) {
    if prec(m, true) < at_least {
        let grow = tall(m);
        out.push_str(if grow { "\\left(" } else { "(" });
        write(out, m);
        out.push_str(if grow { "\\right)" } else { ")" });
    } else {
        write(out, m);
    }
}

/// Writes a script's contents in braces.
fn braced(out: &mut String, m: &Math) {
    out.push('{');
    write(out, m);
    out.push('}');
}

/// A base for a script: braced when it already ends in a script, so that
/// `{w_{1}}^{2}` is not a double subscript.
fn base(out: &mut String, m: &Math) {
    let scripted = match m {
        Math::Script { .. } | Math::Transpose(_) | Math::Inverse(_) | Math::Symbol(_) => true,
        Math::Name(n) => name(n).contains('_'),
        _ => false,
    };
    if scripted {
        out.push('{');
        child(out, m, Prec::Atom);
        out.push('}');
    } else {
        child(out, m, Prec::Atom);
    }
}

/// A subscript: a word of several letters upright.
fn sub_script(out: &mut String, m: &Math) {
    match m {
        Math::Name(n) if n.chars().count() > 1 && !is_greek(n) && !n.contains('_') => {
            if COMMANDS.contains(&n.as_str()) {
                let _ = write!(out, "{{\\{n}}}");
            } else {
                let _ = write!(out, "{{\\mathrm{{{n}}}}}");
            }
        }
        m => braced(out, m),
    }
}

fn write(out: &mut String, m: &Math) {
    match m {
        Math::Number(q) => number(out, q),
        Math::Name(n) => out.push_str(&name(n)),
        Math::Symbol(s) => out.push_str(&symbol(s)),
        Math::Entry(b, idx) => {
            // A name that has its own subscript (`X_pad`) takes its indices
            // in brackets rather than a second subscript.
            if matches!(b.as_ref(), Math::Script { .. } | Math::Symbol(_))
                || matches!(b.as_ref(), Math::Name(n) if name(n).contains('_'))
            {
                child(out, b, Prec::Postfix);
                out.push('[');
                list_tight(out, idx);
                out.push(']');
            } else {
                base(out, b);
                out.push_str("_{");
                list_tight(out, idx);
                out.push('}');
            }
        }
        Math::Text(t) => {
            let _ = write!(out, "\\text{{{}}}", escape_text(t));
        }
        Math::Constant(c) => out.push_str(constant(*c)),
        Math::Sum(terms) => {
            for (k, (s, t)) in terms.iter().enumerate() {
                match (k, s) {
                    (0, Sign::Plus) => {}
                    (0, Sign::Minus) => out.push('-'),
                    (_, Sign::Plus) => out.push_str(" + "),
                    (_, Sign::Minus) => out.push_str(" - "),
                }
                child(out, t, Prec::Product);
            }
        }
        Math::Product(factors) => {
            for (k, f) in factors.iter().enumerate() {
                if k > 0 {
                    let prev = &factors[k - 1];
                    let dot = is_numeric(f) && (is_numeric(prev) || is_block(prev));
                    out.push_str(if dot { " \\cdot " } else { " " });
                }
                child(out, f, Prec::Postfix);
            }
        }
        Math::Infix(a, op, b) => {
            child(out, a, Prec::Product);
            out.push_str(match op {
                InfixOp::Dot => " \\cdot ",
                InfixOp::Times => " \\times ",
                InfixOp::Compose => " \\circ ",
            });
            child(out, b, Prec::Postfix);
        }
        Math::Neg(a) => {
            out.push('-');
            child(out, a, Prec::Product);
        }
        Math::Frac(a, b) => {
            out.push_str("\\frac");
            braced(out, a);
            braced(out, b);
        }
        Math::Script { base: b, sub, sup } => {
            base(out, b);
            if let Some(s) = sub {
                out.push('_');
                sub_script(out, s);
            }
            if let Some(s) = sup {
                out.push('^');
                braced(out, s);
            }
        }
        Math::Transpose(a) => {
            base(out, a);
            out.push_str("^{\\top}");
        }
        Math::Inverse(a) => {
            base(out, a);
            out.push_str("^{-1}");
        }
        Math::Prime(a) => {
            child(out, a, Prec::Atom);
            out.push('\'');
        }
        Math::Apply(f, args) => {
            let args = match f {
                Func::Sqrt => {
                    out.push_str("\\sqrt{");
                    list(out, args);
                    out.push('}');
                    return;
                }
                Func::Operator(o) => {
                    if COMMANDS.contains(o) {
                        let _ = write!(out, "\\{o}");
                    } else {
                        let _ = write!(out, "\\operatorname{{{o}}}");
                    }
                    &args[..]
                }
                Func::Named(n) if n.is_empty() => {
                    if let Some(first) = args.first() {
                        child(out, first, Prec::Postfix);
                    }
                    args.get(1..).unwrap_or(&[])
                }
                Func::Named(n) => {
                    out.push_str(&name(n));
                    &args[..]
                }
            };
            let grow = args.iter().any(tall);
            out.push_str(if grow { "\\left(" } else { "(" });
            list(out, args);
            out.push_str(if grow { "\\right)" } else { ")" });
        }
        Math::Fenced(f, a) => {
            let (l, r) = fences(*f, tall(a));
            out.push_str(l);
            write(out, a);
            out.push_str(r);
        }
        Math::Seq(f, items) => {
            let (l, r) = fences(*f, items.iter().any(tall));
            out.push_str(l);
            list(out, items);
            out.push_str(r);
        }
        Math::Relation(first, rest) => {
            child(out, first, Prec::Sum);
            for (r, x) in rest {
                let _ = write!(out, " {} ", relation(*r));
                child(out, x, Prec::Sum);
            }
        }
        Math::Matrix(rows) => {
            out.push_str("\\begin{bmatrix} ");
            for (k, r) in rows.iter().enumerate() {
                if k > 0 {
                    out.push_str(" \\\\ ");
                }
                for (j, x) in r.iter().enumerate() {
                    if j > 0 {
                        out.push_str(" & ");
                    }
                    write(out, x);
                }
            }
            out.push_str(" \\end{bmatrix}");
        }
        Math::BigOp { op, under, over, body } => {
            out.push_str(match op {
                BigOp::Sum => "\\sum",
                BigOp::Prod => "\\prod",
                BigOp::Lim => "\\lim",
                BigOp::Max => "\\max",
                BigOp::Min => "\\min",
                BigOp::ArgMin => "\\operatorname*{arg\\,min}",
                BigOp::ArgMax => "\\operatorname*{arg\\,max}",
            });
            if let Some(u) = under {
                out.push('_');
                braced(out, u);
            }
            if let Some(o) = over {
                out.push('^');
                braced(out, o);
            }
            out.push(' ');
            child(out, body, Prec::Product);
        }
        Math::Cases(cases) => {
            out.push_str("\\begin{cases} ");
            for (k, (v, c)) in cases.iter().enumerate() {
                if k > 0 {
                    out.push_str(" \\\\ ");
                }
                write(out, v);
                out.push_str(" & \\text{if } ");
                write(out, c);
            }
            out.push_str(" \\end{cases}");
        }
        Math::Record(fields) => {
            for (k, (n, v)) in fields.iter().enumerate() {
                if k > 0 {
                    out.push_str(",\\quad ");
                }
                out.push_str(&name(n));
                out.push_str(" = ");
                write(out, v);
            }
        }
        Math::Poly(_) | Math::Ratio(_) | Math::Formula(_) => {
            debug_assert!(false, "print lowered formulas only");
            out.push('?');
        }
    }
}

fn list_tight(out: &mut String, items: &[Math]) {
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        write(out, x);
    }
}

fn list(out: &mut String, items: &[Math]) {
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        write(out, x);
    }
}

// ---------------------------------------------------------------------------
// Widths
// ---------------------------------------------------------------------------

/// Space around a binary operator and a relation, in ems (TeX's medium and
/// thick spaces, 4/18 and 5/18 em each side), with the glyph.
const BINARY: f32 = 0.78 + 2.0 * 0.22;
const RELATION: f32 = 0.78 + 2.0 * 0.28;
/// Script size relative to the text size.
const SCRIPT: f32 = 0.7;

pub fn chars_width(s: &str) -> f32 {
    s.chars()
        .map(|c| match c {
            'm' | 'w' | 'M' | 'W' => 0.85,
            'A'..='Z' => 0.72,
            'i' | 'j' | 'l' | 't' | 'f' | 'r' | '1' | '(' | ')' | '[' | ']' | ',' | '.' | ':' => 0.35,
            _ => 0.5,
        })
        .sum()
}

fn name_width(n: &str) -> f32 {
    if is_greek(n) {
        return 0.6;
    }
    if let Some((b, s)) = n.split_once('_') {
        return name_width(b) + SCRIPT * chars_width(s);
    }
    let letters = n.trim_end_matches(|c: char| c.is_ascii_digit());
    if !letters.is_empty() && letters.len() < n.len() {
        return chars_width(letters) + SCRIPT * chars_width(&n[letters.len()..]);
    }
    chars_width(n)
}

fn number_width(q: &Q) -> f32 {
    let sign = if q.is_negative() { 0.78 } else { 0.0 };
    if q.is_integer() {
        return sign + 0.5 * q.abs().to_string().len() as f32;
    }
    let a = q.abs();
    sign + 0.5 * a.numer().to_string().len().max(a.denom().to_string().len()) as f32 * SCRIPT + 0.3
}

/// A relation and the space around it: arrows are wider than `=`.
fn relation_width(r: Rel) -> f32 {
    match r {
        Rel::To | Rel::MapsTo | Rel::Implies | Rel::Iff => RELATION + 0.25,
        _ => RELATION,
    }
}

/// How wide `m` prints in display style, in ems.
pub fn width(m: &Math) -> f32 {
    match m {
        Math::Number(q) => number_width(q),
        Math::Name(n) => name_width(n),
        Math::Symbol(s) => {
            name_width(&s.name)
                + SCRIPT * (s.indices.iter().map(|i| i.to_string().len() as f32 * 0.5 + 0.3).sum::<f32>())
        }
        Math::Entry(b, idx) => width(b) + SCRIPT * (idx.iter().map(width).sum::<f32>() + 0.3 * idx.len() as f32),
        Math::Text(t) => chars_width(t) * 0.95,
        Math::Constant(_) => 1.0,
        Math::Sum(t) => t
            .iter()
            .enumerate()
            .map(|(k, (s, x))| {
                let sign = match (k, s) {
                    (0, Sign::Plus) => 0.0,
                    (0, Sign::Minus) => 0.78,
                    _ => BINARY,
                };
                sign + paren_width(x, Prec::Product)
            })
            .sum(),
        Math::Product(f) => f.iter().map(|x| paren_width(x, Prec::Postfix) + 0.17).sum::<f32>(),
        Math::Infix(a, _, b) => paren_width(a, Prec::Product) + BINARY + paren_width(b, Prec::Postfix),
        Math::Neg(a) => 0.78 + paren_width(a, Prec::Product),
        Math::Frac(a, b) => width(a).max(width(b)) + 0.3,
        Math::Script { base, sub, sup } => {
            paren_width(base, Prec::Atom)
                + SCRIPT * sub.as_ref().map_or(0.0, |s| width(s)).max(sup.as_ref().map_or(0.0, |s| width(s)))
        }
        Math::Transpose(a) | Math::Inverse(a) => paren_width(a, Prec::Atom) + 0.6,
        Math::Prime(a) => paren_width(a, Prec::Atom) + 0.3,
        Math::Apply(f, args) => {
            let head = match f {
                Func::Sqrt => 1.0,
                Func::Operator(o) => chars_width(o) + 0.2,
                Func::Named(n) => name_width(n),
            };
            head + 0.8 + args.iter().map(width).sum::<f32>() + 0.5 * args.len().saturating_sub(1) as f32
        }
        Math::Fenced(_, a) => width(a) + 0.8,
        Math::Seq(f, items) => {
            let fence = if *f == Fence::None { 0.0 } else { 0.8 };
            fence + items.iter().map(width).sum::<f32>() + 0.5 * items.len().saturating_sub(1) as f32
        }
        Math::Relation(a, rest) => {
            paren_width(a, Prec::Sum)
                + rest.iter().map(|(r, x)| relation_width(*r) + paren_width(x, Prec::Sum)).sum::<f32>()
        }
        Math::Matrix(rows) => {
            let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
            let col_widths: f32 =
                (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(width).fold(0.0, f32::max)).sum();
            // \arraycolsep is 5pt on each side of a column; the brackets.
            col_widths + cols as f32 * 1.0 + 0.8
        }
        Math::BigOp { under, over, body, .. } => {
            let limits =
                under.as_ref().map_or(0.0, |u| width(u) * SCRIPT).max(over.as_ref().map_or(0.0, |o| width(o) * SCRIPT));
            limits.max(1.4) + 0.2 + paren_width(body, Prec::Product)
        }
        Math::Cases(c) => 2.0 + c.iter().map(|(v, k)| width(v) + width(k) + 2.0).fold(0.0, f32::max),
        Math::Record(fields) => fields.iter().map(|(n, v)| name_width(n) + RELATION + width(v) + 1.5).sum::<f32>(),
        Math::Poly(_) | Math::Ratio(_) | Math::Formula(_) => 2.0,
    }
}

fn paren_width(m: &Math, at_least: Prec) -> f32 {
    width(m) + if prec(m, true) < at_least { 0.8 } else { 0.0 }
}

/// Whether `name` is one of the operator names set upright.
pub fn is_operator(name: &str) -> bool {
    OPERATORS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::math::parse_math;

    fn l(s: &str) -> String {
        latex(&parse_math(s).unwrap())
    }

    #[test]
    fn writes_textbook_latex() {
        assert_eq!(l("0 < eta < 1/lambda_max"), "0 < \\eta < \\frac{1}{\\lambda_{\\max}}");
        assert_eq!(l("w[1,1] + W1 x"), "w_{1,1} + W_{1} x");
        assert_eq!(l("X^T (X X^T)^-1 y"), "X^{\\top} (X X^{\\top})^{-1} y");
        assert_eq!(l("floor((n - k)/s) + 1"), "\\left\\lfloor \\frac{n - k}{s}\\right\\rfloor + 1");
        assert_eq!(l("norm(w)^2"), "\\lVert w\\rVert^{2}");
        assert_eq!(name("at_minus1"), "\\mathrm{at\\_minus1}");
        assert_eq!(name("n_f"), "n_{f}");
        assert_eq!(name("w_AND"), "w_{\\mathrm{AND}}");
    }

    #[test]
    fn names_outside_ascii_are_written_as_commands() {
        assert_eq!(name("∂s"), "\\partial \\mathrm{s}");
        assert_eq!(name("λx"), "\\lambda \\mathrm{x}");
        assert!(name("s☃").is_ascii());
    }

    #[test]
    fn symbols_of_the_explanations_are_typeset_in_text() {
        for c in "×−–—·…≤≥≈∞∂→∘‖ᵀ⁽⁾⁰²₁λεηδγ".chars() {
            let t = escape_text(&c.to_string());
            assert!(t.is_ascii() && !t.contains('?'), "{c} gives {t}");
        }
        assert_eq!(escape_text("the L∞ norm"), "the L$\\infty$ norm");
    }

    #[test]
    fn widths_grow_with_content() {
        let short = parse_math("x + 1").unwrap();
        let long = parse_math("x + 1 + y + 2 + z + 3").unwrap();
        assert!(width(&long) > 2.0 * width(&short));
    }
}
