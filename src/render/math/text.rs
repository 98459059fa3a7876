//! Formulas as terminal text: nnkey's own syntax for values (`w[1,1]`,
//! `[[1, 2], [3, 4]]`, `x^2`, `X^T`), Greek letters and relations in
//! Unicode (η, λ, ≤, ≠, ↦), fences as their glyphs (⌊x⌋, ‖w‖).

use std::fmt::Write;

use super::{Prec, is_block, is_numeric, prec};
use crate::language::math::{BigOp, Constant, Fence, Func, GREEK, InfixOp, Math, Rel, Sign};

/// A formula on one line.
pub fn inline(m: &Math) -> String {
    let mut out = String::new();
    write(&mut out, m);
    out
}

/// The Greek letters in the order of [`GREEK`]'s names.
const LETTERS: &str = "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ";

/// A Greek letter for its name.
pub fn greek(name: &str) -> Option<char> {
    GREEK.iter().position(|g| *g == name).and_then(|k| LETTERS.chars().nth(k))
}

/// The name of a Greek letter.
pub fn greek_name(c: char) -> Option<&'static str> {
    LETTERS.chars().position(|l| l == c).map(|k| GREEK[k])
}

pub fn name(n: &str) -> String {
    match greek(n) {
        Some(c) => c.to_string(),
        None => n.to_string(),
    }
}

pub fn relation(r: Rel) -> &'static str {
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
        Rel::Define => ":=",
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

fn big_op(op: BigOp) -> &'static str {
    match op {
        BigOp::Sum => "Σ",
        BigOp::Prod => "Π",
        BigOp::Lim => "lim",
        BigOp::Max => "max",
        BigOp::Min => "min",
        BigOp::ArgMin => "argmin",
        BigOp::ArgMax => "argmax",
    }
}

/// `m`, in parentheses when it binds more loosely than `at_least`.
fn child(out: &mut String, m: &Math, at_least: Prec) {
    if prec(m, false) < at_least {
        out.push('(');
        write(out, m);
        out.push(')');
    } else {
        write(out, m);
    }
}

/// A script: bare when it is one name or number, else in parentheses.
fn script(out: &mut String, m: &Math) {
    let simple = match m {
        Math::Number(q) => q.is_integer() && !q.is_negative(),
        Math::Name(_) | Math::Symbol(_) | Math::Constant(_) | Math::Fenced(..) => true,
        Math::Text(t) => !t.contains(' '),
        _ => false,
    };
    if simple {
        write(out, m);
    } else {
        out.push('(');
        write(out, m);
        out.push(')');
    }
}

fn write(out: &mut String, m: &Math) {
    match m {
        Math::Number(q) => {
            let _ = write!(out, "{q}");
        }
        Math::Name(n) => out.push_str(&name(n)),
        Math::Symbol(s) => {
            let _ = write!(out, "{s}");
        }
        Math::Entry(b, idx) => {
            child(out, b, Prec::Postfix);
            out.push('[');
            // Computed indices read apart: `X_pad[3 r + a, 3 c + b]`.
            let sep = if idx.iter().all(|i| matches!(i, Math::Number(_) | Math::Name(_))) { "," } else { ", " };
            for (k, i) in idx.iter().enumerate() {
                if k > 0 {
                    out.push_str(sep);
                }
                write(out, i);
            }
            out.push(']');
        }
        Math::Text(t) => out.push_str(t),
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
                if k > 0 && matches!(factors[k - 1], Math::Constant(Constant::Partial)) {
                    // ∂s: the differential's sign is written against its name.
                    child(out, f, Prec::Postfix);
                    continue;
                }
                if k > 0 {
                    let prev = &factors[k - 1];
                    let dot = (is_numeric(prev) && is_numeric(f))
                        || (is_block(prev) && (is_block(f) || is_numeric(f)))
                        || (is_numeric(prev) && is_block(f));
                    out.push_str(if dot { "·" } else { " " });
                }
                // A leading numeric fraction reads as a coefficient: 1/2 x.
                let need = if k == 0 && is_numeric(f) { Prec::Slash } else { Prec::Postfix };
                child(out, f, need);
            }
        }
        Math::Infix(a, op, b) => {
            child(out, a, Prec::Product);
            out.push_str(match op {
                InfixOp::Dot => " · ",
                InfixOp::Times => " × ",
                InfixOp::Compose => " ∘ ",
            });
            child(out, b, Prec::Slash);
        }
        Math::Neg(a) => {
            out.push('-');
            child(out, a, Prec::Product);
        }
        Math::Frac(a, b) => {
            child(out, a, Prec::Product);
            out.push('/');
            // ∂s/∂a2 reads as one quotient of differentials, without parentheses.
            match &**b {
                Math::Product(f) if matches!(f.as_slice(), [Math::Constant(Constant::Partial), _]) => {
                    out.push('∂');
                    child(out, &f[1], Prec::Postfix);
                }
                _ => child(out, b, Prec::Postfix),
            }
        }
        Math::Script { base, sub, sup } => {
            child(out, base, Prec::Atom);
            if let Some(s) = sub {
                out.push('_');
                script(out, s);
            }
            if let Some(s) = sup {
                out.push('^');
                script(out, s);
            }
        }
        Math::Transpose(a) => {
            child(out, a, Prec::Atom);
            out.push_str("^T");
        }
        Math::Inverse(a) => {
            child(out, a, Prec::Atom);
            out.push_str("^-1");
        }
        Math::Prime(a) => {
            child(out, a, Prec::Atom);
            out.push('\'');
        }
        Math::Apply(f, args) => {
            let args = match f {
                Func::Sqrt => {
                    out.push_str("sqrt");
                    &args[..]
                }
                Func::Operator(o) => {
                    out.push_str(o);
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
            out.push('(');
            list(out, args);
            out.push(')');
        }
        Math::Fenced(f, a) => {
            let (l, r) = fences(*f);
            out.push_str(l);
            write(out, a);
            out.push_str(r);
        }
        Math::Seq(f, items) => {
            let (l, r) = fences(*f);
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
            if rows.iter().all(|r| r.len() == 1) && !rows.is_empty() {
                out.push('[');
                list(out, &rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>());
                out.push(']');
            } else {
                out.push('[');
                for (k, r) in rows.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push('[');
                    list(out, r);
                    out.push(']');
                }
                out.push(']');
            }
        }
        Math::BigOp { op, under, over, body } => {
            out.push_str(big_op(*op));
            if let Some(u) = under {
                out.push('_');
                script(out, u);
            }
            if let Some(o) = over {
                out.push('^');
                script(out, o);
            }
            out.push(' ');
            child(out, body, Prec::Product);
        }
        Math::Cases(cases) => {
            for (k, (v, c)) in cases.iter().enumerate() {
                if k > 0 {
                    out.push_str("; ");
                }
                write(out, v);
                out.push_str(" if ");
                write(out, c);
            }
        }
        Math::Record(fields) => {
            out.push_str("{ ");
            for (k, (n, v)) in fields.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{n}: ");
                write(out, v);
            }
            out.push_str(" }");
        }
        Math::Poly(_) | Math::Ratio(_) | Math::Formula(_) => {
            debug_assert!(false, "print lowered formulas only");
            out.push('?');
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::math::parse_math;

    fn t(s: &str) -> String {
        inline(&parse_math(s).unwrap())
    }

    #[test]
    fn a_quotient_of_differentials_reads_without_parentheses() {
        let d = |n: &str| Math::Product(vec![Math::Constant(Constant::Partial), Math::name(n)]);
        assert_eq!(inline(&Math::Frac(Box::new(d("s")), Box::new(d("a2")))), "∂s/∂a2");
    }

    #[test]
    fn reads_like_the_notation_with_unicode_glyphs() {
        assert_eq!(t("0 < eta < 1/lambda_max"), "0 < η < 1/λ_max");
        assert_eq!(t("w^((t+1)) = w^((t)) - 2 eta X^T (X w^((t)) - y)"), "w^(t + 1) = w^(t) - 2 η X^T (X w^(t) - y)");
        assert_eq!(t("floor((n + 2 p - k)/s) + 1"), "⌊(n + 2 p - k)/s⌋ + 1");
        assert_eq!(t("norm(w)^2 <= x"), "‖w‖^2 ≤ x");
        assert_eq!(t("[[1, 2], [3, 4]] [1, 2]"), "[[1, 2], [3, 4]]·[1, 2]");
        assert_eq!(t("(X X^T)^-1"), "(X X^T)^-1");
    }
}
