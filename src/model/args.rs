//! Reading the arguments of a call such as `conv2d(W, stride: 2)`: the
//! positional ones, the named ones, and errors for names nobody asked for.

pub use crate::language::diagnostic::closest;
use crate::language::syntax::{Arg, Expr, Ident};
use crate::language::{Diagnostic, Span};

use super::value::{Scope, Value, eval};

/// The arguments of one call, consumed by name.
pub struct CallArgs<'a> {
    pub callee: &'a str,
    pub span: Span,
    positional: Vec<&'a Expr>,
    named: Vec<(&'a Ident, &'a Expr, bool)>,
}

impl<'a> CallArgs<'a> {
    pub fn new(callee: &'a str, span: Span, args: &'a [Arg]) -> Result<CallArgs<'a>, Diagnostic> {
        let mut positional = Vec::new();
        let mut named: Vec<(&Ident, &Expr, bool)> = Vec::new();
        for a in args {
            match &a.name {
                None if !named.is_empty() => {
                    return Err(Diagnostic::error(a.value.span, "positional argument after a named one")
                        .with_hint("write the kernel first: `conv2d(W, stride: 2)`"));
                }
                None => positional.push(&a.value),
                Some(n) => {
                    if let Some(prev) = named.iter().find(|p| p.0.name == n.name) {
                        return Err(Diagnostic::error(n.span, format!("`{}` is given twice", n.name))
                            .with_hint_at(prev.0.span, "first given here"));
                    }
                    named.push((n, &a.value, false));
                }
            }
        }
        Ok(CallArgs { callee, span, positional, named })
    }

    pub fn positional(&self) -> &[&'a Expr] {
        &self.positional
    }

    /// The named argument `name`, marking it as used.
    pub fn take(&mut self, name: &str) -> Option<&'a Expr> {
        let slot = self.named.iter_mut().find(|p| p.0.name == name)?;
        slot.2 = true;
        Some(slot.1)
    }

    /// Reports the first named argument that nothing took, with the closest
    /// known name as a suggestion.
    pub fn finish(&self, known: &[&str]) -> Result<(), Diagnostic> {
        if let Some((name, _, _)) = self.named.iter().find(|p| !p.2) {
            let mut d = Diagnostic::error(name.span, format!("`{}` takes no argument `{}`", self.callee, name.name))
                .with_label("unknown argument");
            if let Some(s) = closest(&name.name, known) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            return Err(d.with_hint(format!("`{}` takes {}", self.callee, quoted_list(known))));
        }
        Ok(())
    }
}

/// `a`, `b` and `c`, each in backquotes.
pub fn quoted_list(words: &[&str]) -> String {
    let q: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `a`, `b` or `c`, each in backquotes.
pub fn quoted_alternatives(words: &[&str]) -> String {
    let q: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The largest count an argument (a stride, a padding, a dilation, a
/// factor) may have: the largest size a problem may state.
pub const LARGEST_COUNT: usize = crate::language::parser::LARGEST_SIZE;

/// A nonnegative integer argument, at least `min` and at most
/// [`LARGEST_COUNT`].
pub fn count(expr: &Expr, scope: &dyn Scope, what: &str, min: usize) -> Result<usize, Diagnostic> {
    let v = eval(expr, scope)?;
    match v.as_rational() {
        Some(q) if q.is_integer() => match q.to_i64() {
            Some(n) if n >= min as i64 && n <= LARGEST_COUNT as i64 => Ok(n as usize),
            Some(n) if n < min as i64 => {
                Err(Diagnostic::error(expr.span, format!("{what} must be at least {min}, not {n}"))
                    .with_label(format!("must be at least {min}")))
            }
            _ if q.is_negative() => {
                Err(Diagnostic::error(expr.span, format!("{what} must be at least {min}, not {}", magnitude(&q)))
                    .with_label(format!("must be at least {min}")))
            }
            _ => Err(Diagnostic::error(
                expr.span,
                format!("{what} is {}, above the limit of {LARGEST_COUNT}", magnitude(&q)),
            )
            .with_label(format!("at most {LARGEST_COUNT}"))),
        },
        _ => Err(Diagnostic::error(expr.span, format!("{what} must be a whole number"))
            .with_label(format!("this is {}", v.describe()))),
    }
}

/// An integer as a message states it: in full when short, else by its
/// number of digits.
fn magnitude(q: &crate::algebra::Q) -> String {
    let s = q.to_string();
    let digits = s.trim_start_matches('-').len();
    if digits <= 24 { s } else { format!("a number of {digits} digits") }
}

/// A pair of counts: `2` means `(2, 2)`; `(2, 1)` is rows then columns.
pub fn count_pair(expr: &Expr, scope: &dyn Scope, what: &str, min: usize) -> Result<(usize, usize), Diagnostic> {
    use crate::language::syntax::ExprKind;
    match &expr.kind {
        ExprKind::Tuple(items) | ExprKind::List(items) => match items.as_slice() {
            [a, b] => Ok((count(a, scope, what, min)?, count(b, scope, what, min)?)),
            _ => Err(Diagnostic::error(expr.span, format!("{what} takes one number or a pair (rows, columns)"))
                .with_label(format!("{} values", items.len()))),
        },
        _ => {
            let n = count(expr, scope, what, min)?;
            Ok((n, n))
        }
    }
}

/// A word argument such as `padding_mode: reflect` (also accepted in quotes).
pub fn word(expr: &Expr, what: &str, known: &[&str]) -> Result<String, Diagnostic> {
    use crate::language::syntax::ExprKind;
    let w = match &expr.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Str(s) => s.clone(),
        _ => {
            return Err(Diagnostic::error(expr.span, format!("{what} must be {}", quoted_alternatives(known)))
                .with_label(format!("this is {}", expr.describe())));
        }
    };
    if known.contains(&w.as_str()) {
        return Ok(w);
    }
    let mut d = Diagnostic::error(expr.span, format!("unknown {what} `{w}`"))
        .with_label(format!("expected {}", quoted_alternatives(known)));
    if let Some(s) = closest(&w, known) {
        d = d.with_hint(format!("did you mean `{s}`?"));
    }
    Err(d)
}

/// Evaluates an argument to a value.
pub fn value(expr: &Expr, scope: &dyn Scope) -> Result<Value, Diagnostic> {
    eval(expr, scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        let known = ["stride", "padding", "dilation", "groups"];
        assert_eq!(closest("strides", &known), Some("stride"));
        assert_eq!(closest("paddng", &known), Some("padding"));
        assert_eq!(closest("bias", &known), None);
    }
}
