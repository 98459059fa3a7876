//! Formulas in every notation: the written form of exact values
//! ([`lower`]), terminal text ([`text`]), LaTeX ([`latex`]) and MathML ([`mathml`]). The printers take lowered formulas (no polynomial leaves
//! left) and share one table of how tightly each construct binds, so they
//! agree on where parentheses go.

pub mod latex;
pub mod lower;
pub mod mathml;
pub mod text;

use crate::language::math::{Math, Sign};

/// How tightly a construct binds: a child that binds more loosely than its
/// place asks for gets parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    List,
    Relation,
    Sum,
    Product,
    /// A fraction written on one line, `a/b`.
    Slash,
    /// A function applied, a script, a transpose.
    Postfix,
    Atom,
}

/// How tightly `m` binds when printed; `stacked` when fractions are
/// stacked (LaTeX, MathML) rather than written `a/b`.
pub fn prec(m: &Math, stacked: bool) -> Prec {
    match m {
        Math::Seq(crate::language::math::Fence::None, _) => Prec::List,
        // On one line cases read `a if c; b if d` and need parentheses
        // inside a larger formula; stacked, the brace delimits them.
        Math::Cases(_) if !stacked => Prec::List,
        Math::Relation(..) => Prec::Relation,
        Math::Sum(_) | Math::Neg(_) => Prec::Sum,
        Math::Product(_) | Math::Infix(..) | Math::BigOp { .. } => Prec::Product,
        Math::Number(q) if q.is_negative() => Prec::Sum,
        Math::Number(q) if !q.is_integer() && !stacked => Prec::Slash,
        Math::Frac(..) if !stacked => Prec::Slash,
        Math::Frac(..) => Prec::Postfix,
        Math::Script { .. } | Math::Transpose(_) | Math::Inverse(_) | Math::Prime(_) | Math::Apply(..) => Prec::Postfix,
        _ => Prec::Atom,
    }
}

/// Whether a factor is printed as numerals (so two in a row need a dot).
pub fn is_numeric(m: &Math) -> bool {
    match m {
        Math::Number(_) => true,
        Math::Frac(a, b) => is_numeric(a) && is_numeric(b),
        Math::Script { base, .. } => is_numeric(base),
        _ => false,
    }
}

/// Whether a formula is a matrix or vector (factors that print as blocks).
pub fn is_block(m: &Math) -> bool {
    matches!(m, Math::Matrix(_))
}

/// The terms of a sum as (sign, term), a lone negation as one term.
pub fn terms(m: &Math) -> Vec<(Sign, &Math)> {
    match m {
        Math::Sum(t) => t.iter().map(|(s, x)| (*s, x)).collect(),
        Math::Neg(x) => vec![(Sign::Minus, x)],
        m => vec![(Sign::Plus, m)],
    }
}
