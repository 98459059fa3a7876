//! Formulas as MathML Core, which current browsers render natively: no
//! script, no fonts to fetch. Names, entries and operators follow the
//! LaTeX printer (`w` with subscript `1,1`, `W1` as W₁, words upright).

use std::fmt::Write;

use super::{Prec, is_block, is_numeric, prec};
use crate::algebra::{Q, Symbol};
use crate::language::math::{BigOp, Constant, Fence, Func, GREEK, InfixOp, Math, Rel, Sign};

/// A formula as a `<math>` element; `block` for a display.
pub fn mathml(m: &Math, block: bool) -> String {
    let mut out = String::new();
    out.push_str(if block { "<math display=\"block\">" } else { "<math>" });
    write(&mut out, m);
    out.push_str("</math>");
    out
}

/// Escapes text for XML content and attributes.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

fn mi(out: &mut String, t: &str) {
    let _ = write!(out, "<mi>{}</mi>", escape(t));
}

fn mo(out: &mut String, t: &str) {
    let _ = write!(out, "<mo>{}</mo>", escape(t));
}

/// A fence character, which stretches with what it encloses.
fn fence_mo(out: &mut String, t: &str) {
    let _ = write!(out, "<mo stretchy=\"true\">{}</mo>", escape(t));
}

fn mn(out: &mut String, t: &str) {
    let _ = write!(out, "<mn>{t}</mn>");
}

fn greek(n: &str) -> Option<char> {
    super::text::greek(n)
}

/// A name: Greek as its letter, `W1` as W with subscript 1, `n_f` as n
/// with subscript f.
fn name(out: &mut String, n: &str) {
    if let Some(c) = greek(n) {
        return mi(out, &c.to_string());
    }
    if let Some((base, sub)) = n.split_once('_')
        && (base.chars().count() == 1 || GREEK.contains(&base))
        && !sub.is_empty()
        && sub.len() <= 3
        && sub.chars().all(|c| c.is_ascii_alphanumeric())
    {
        out.push_str("<msub>");
        name(out, base);
        if sub.chars().all(|c| c.is_ascii_digit()) {
            mn(out, sub)
        } else {
            mi(out, sub)
        }
        out.push_str("</msub>");
        return;
    }
    if super::latex::is_differential(n) {
        mi(out, "d");
        mi(out, &n[1..]);
        return;
    }
    let letters = n.trim_end_matches(|c: char| c.is_ascii_digit());
    if !letters.is_empty() && letters.len() < n.len() && !n.contains('_') {
        out.push_str("<msub>");
        name(out, letters);
        mn(out, &n[letters.len()..]);
        out.push_str("</msub>");
        return;
    }
    mi(out, n);
}

fn symbol(out: &mut String, s: &Symbol) {
    out.push_str("<msub>");
    name(out, &s.name);
    out.push_str("<mrow>");
    for (k, i) in s.indices.iter().enumerate() {
        if k > 0 {
            mo(out, ",");
        }
        if *i < 0 {
            mo(out, "−");
        }
        mn(out, &i.unsigned_abs().to_string());
    }
    out.push_str("</mrow></msub>");
}

fn number(out: &mut String, q: &Q) {
    if q.is_negative() {
        out.push_str("<mrow>");
        mo(out, "−");
        number(out, &q.abs());
        out.push_str("</mrow>");
    } else if q.is_integer() {
        mn(out, &q.to_string());
    } else {
        let _ = write!(out, "<mfrac><mn>{}</mn><mn>{}</mn></mfrac>", q.numer(), q.denom());
    }
}

fn relation(r: Rel) -> &'static str {
    match r {
        Rel::Eq => "=",
        Rel::Ne => "≠",
        Rel::Lt => "<",
        Rel::Le => "≤",
        Rel::Gt => ">",
        Rel::Ge => "≥",
        Rel::Approx => "≈",
        Rel::To => "→",
        Rel::MapsTo => "↦",
        Rel::In => "∈",
        Rel::NotIn => "∉",
        Rel::Subset => "⊂",
        Rel::Implies => "⇒",
        Rel::Iff => "⇔",
        Rel::Define => "≔",
    }
}

fn constant(c: Constant) -> &'static str {
    match c {
        Constant::Infinity => "∞",
        Constant::Reals => "ℝ",
        Constant::Ellipsis => "…",
        Constant::Nabla => "∇",
        Constant::Partial => "∂",
        Constant::EmptySet => "∅",
    }
}

fn fences(f: Fence) -> (&'static str, &'static str) {
    match f {
        Fence::None => ("", ""),
        Fence::Paren => ("(", ")"),
        Fence::Bracket => ("[", "]"),
        Fence::Brace => ("{", "}"),
        Fence::Abs => ("|", "|"),
        Fence::Norm => ("‖", "‖"),
        Fence::Floor => ("⌊", "⌋"),
        Fence::Ceil => ("⌈", "⌉"),
    }
}

fn child(out: &mut String, m: &Math, at_least: Prec) {
    if prec(m, true) < at_least {
        out.push_str("<mrow>");
        fence_mo(out, "(");
        write(out, m);
        fence_mo(out, ")");
        out.push_str("</mrow>");
    } else {
        write(out, m);
    }
}

/// One element: several children are wrapped in an `<mrow>`.
fn row(out: &mut String, m: &Math) {
    out.push_str("<mrow>");
    write(out, m);
    out.push_str("</mrow>");
}

fn list(out: &mut String, items: &[Math]) {
    for (k, x) in items.iter().enumerate() {
        if k > 0 {
            mo(out, ",");
        }
        write(out, x);
    }
}

fn write(out: &mut String, m: &Math) {
    match m {
        Math::Number(q) => number(out, q),
        Math::Name(n) => name(out, n),
        Math::Symbol(s) => symbol(out, s),
        Math::Entry(b, idx) => {
            out.push_str("<msub>");
            out.push_str("<mrow>");
            child(out, b, Prec::Atom);
            out.push_str("</mrow><mrow>");
            list(out, idx);
            out.push_str("</mrow></msub>");
        }
        Math::Text(t) => {
            let _ = write!(out, "<mtext>{}</mtext>", escape(t));
        }
        Math::Constant(c) => mi(out, constant(*c)),
        Math::Sum(terms) => {
            out.push_str("<mrow>");
            for (k, (s, t)) in terms.iter().enumerate() {
                match (k, s) {
                    (0, Sign::Plus) => {}
                    (0, Sign::Minus) => mo(out, "−"),
                    (_, Sign::Plus) => mo(out, "+"),
                    (_, Sign::Minus) => mo(out, "−"),
                }
                child(out, t, Prec::Product);
            }
            out.push_str("</mrow>");
        }
        Math::Product(factors) => {
            out.push_str("<mrow>");
            for (k, f) in factors.iter().enumerate() {
                if k > 0 {
                    let prev = &factors[k - 1];
                    if is_numeric(f) && (is_numeric(prev) || is_block(prev)) {
                        mo(out, "·");
                    } else {
                        // Invisible times: the factors multiply.
                        out.push_str("<mo>&#x2062;</mo>");
                    }
                }
                child(out, f, Prec::Postfix);
            }
            out.push_str("</mrow>");
        }
        Math::Infix(a, op, b) => {
            out.push_str("<mrow>");
            child(out, a, Prec::Product);
            mo(
                out,
                match op {
                    InfixOp::Dot => "·",
                    InfixOp::Times => "×",
                    InfixOp::Compose => "∘",
                },
            );
            child(out, b, Prec::Postfix);
            out.push_str("</mrow>");
        }
        Math::Neg(a) => {
            out.push_str("<mrow>");
            mo(out, "−");
            child(out, a, Prec::Product);
            out.push_str("</mrow>");
        }
        Math::Frac(a, b) => {
            out.push_str("<mfrac>");
            row(out, a);
            row(out, b);
            out.push_str("</mfrac>");
        }
        Math::Script { base, sub, sup } => {
            let tag = match (sub, sup) {
                (Some(_), Some(_)) => "msubsup",
                (Some(_), None) => "msub",
                _ => "msup",
            };
            let _ = write!(out, "<{tag}><mrow>");
            child(out, base, Prec::Atom);
            out.push_str("</mrow>");
            if let Some(s) = sub {
                match s.as_ref() {
                    Math::Name(n) if n.chars().count() > 1 && greek(n).is_none() => mi(out, n),
                    s => row(out, s),
                }
            }
            if let Some(s) = sup {
                row(out, s);
            }
            let _ = write!(out, "</{tag}>");
        }
        Math::Transpose(a) => {
            out.push_str("<msup><mrow>");
            child(out, a, Prec::Atom);
            out.push_str("</mrow><mi>⊤</mi></msup>");
        }
        Math::Inverse(a) => {
            out.push_str("<msup><mrow>");
            child(out, a, Prec::Atom);
            out.push_str("</mrow><mrow><mo>−</mo><mn>1</mn></mrow></msup>");
        }
        Math::Prime(a) => {
            out.push_str("<msup><mrow>");
            child(out, a, Prec::Atom);
            out.push_str("</mrow><mo>′</mo></msup>");
        }
        Math::Apply(f, args) => {
            out.push_str("<mrow>");
            let args = match f {
                Func::Sqrt => {
                    out.push_str("<msqrt>");
                    list(out, args);
                    out.push_str("</msqrt></mrow>");
                    return;
                }
                Func::Operator(o) => {
                    mi(out, o);
                    &args[..]
                }
                Func::Named(n) if n.is_empty() => {
                    if let Some(first) = args.first() {
                        child(out, first, Prec::Postfix);
                    }
                    args.get(1..).unwrap_or(&[])
                }
                Func::Named(n) => {
                    name(out, n);
                    &args[..]
                }
            };
            out.push_str("<mo>&#x2061;</mo>");
            fence_mo(out, "(");
            list(out, args);
            fence_mo(out, ")");
            out.push_str("</mrow>");
        }
        Math::Fenced(f, a) => {
            let (l, r) = fences(*f);
            out.push_str("<mrow>");
            fence_mo(out, l);
            write(out, a);
            fence_mo(out, r);
            out.push_str("</mrow>");
        }
        Math::Seq(f, items) => {
            let (l, r) = fences(*f);
            out.push_str("<mrow>");
            if !l.is_empty() {
                fence_mo(out, l);
            }
            list(out, items);
            if !r.is_empty() {
                fence_mo(out, r);
            }
            out.push_str("</mrow>");
        }
        Math::Relation(first, rest) => {
            out.push_str("<mrow>");
            child(out, first, Prec::Sum);
            for (r, x) in rest {
                mo(out, relation(*r));
                child(out, x, Prec::Sum);
            }
            out.push_str("</mrow>");
        }
        Math::Matrix(rows) => {
            out.push_str("<mrow>");
            fence_mo(out, "[");
            out.push_str("<mtable>");
            for r in rows {
                out.push_str("<mtr>");
                for x in r {
                    out.push_str("<mtd>");
                    write(out, x);
                    out.push_str("</mtd>");
                }
                out.push_str("</mtr>");
            }
            out.push_str("</mtable>");
            fence_mo(out, "]");
            out.push_str("</mrow>");
        }
        Math::BigOp { op, under, over, body } => {
            let symbol = match op {
                BigOp::Sum => "∑",
                BigOp::Prod => "∏",
                BigOp::Lim => "lim",
                BigOp::Max => "max",
                BigOp::Min => "min",
                BigOp::ArgMin => "argmin",
                BigOp::ArgMax => "argmax",
            };
            out.push_str("<mrow>");
            match (under, over) {
                (Some(u), Some(o)) => {
                    out.push_str("<munderover>");
                    mo(out, symbol);
                    row(out, u);
                    row(out, o);
                    out.push_str("</munderover>");
                }
                (Some(u), None) => {
                    out.push_str("<munder>");
                    mo(out, symbol);
                    row(out, u);
                    out.push_str("</munder>");
                }
                _ => mo(out, symbol),
            }
            child(out, body, Prec::Product);
            out.push_str("</mrow>");
        }
        Math::Cases(cases) => {
            out.push_str("<mrow>");
            fence_mo(out, "{");
            out.push_str("<mtable>");
            for (v, c) in cases {
                out.push_str("<mtr><mtd>");
                write(out, v);
                out.push_str("</mtd><mtd><mtext>if&#xA0;</mtext>");
                write(out, c);
                out.push_str("</mtd></mtr>");
            }
            out.push_str("</mtable></mrow>");
        }
        Math::Record(fields) => {
            out.push_str("<mrow>");
            for (k, (n, v)) in fields.iter().enumerate() {
                if k > 0 {
                    mo(out, ",");
                }
                name(out, n);
                mo(out, "=");
                write(out, v);
            }
            out.push_str("</mrow>");
        }
        Math::Poly(_) | Math::Ratio(_) | Math::Formula(_) => {
            debug_assert!(false, "print lowered formulas only");
            mi(out, "?");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::math::parse_math;

    #[test]
    fn fractions_scripts_and_fences() {
        let m = mathml(&parse_math("floor((n - k)/s) + 1").unwrap(), false);
        assert!(m.starts_with("<math>") && m.ends_with("</math>"), "{m}");
        assert!(m.contains("<mfrac>") && m.contains("⌊"), "{m}");
        let m = mathml(&parse_math("w[1,0] + x_i^2").unwrap(), true);
        assert!(m.contains("<msub><mi>w</mi><mrow><mn>1</mn><mo>,</mo><mn>0</mn></mrow></msub>"), "{m}");
        assert!(m.contains("<msubsup>"), "{m}");
        assert!(mathml(&Math::Text("a < b & c".into()), false).contains("a &lt; b &amp; c"));
    }
}
