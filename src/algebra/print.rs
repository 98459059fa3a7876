//! Printing exact values in nnkey's own syntax and in LaTeX.
//!
//! The plain notation is the one problem files use, so anything printed can
//! be read back: `w[1,1]`, `3/2*x - 1`, `a*y/(a^2 + b^2)`, `[[1, 0], [0, 1]]`.
//! The LaTeX notation follows the problem set's: `w_{(1,1)}`, `\frac{3}{2}`,
//! matrices as `bmatrix`.

use std::cmp::Ordering;
use std::fmt::Write;
use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::One;

use super::matrix::{Matrix, Scalar};
use super::poly::{Monomial, Poly};
use super::ratfunc::RatFunc;
use super::rational::Q;
use super::ring::{Ring, Symbol};

/// A monomial's factors: symbols with their exponents.
type Factors = Vec<(Rc<Symbol>, u32)>;

/// Which notation to print in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Notation {
    /// nnkey's own syntax, readable back by the parser.
    Plain,
    /// LaTeX math mode (amsmath for matrices).
    Latex,
}

/// Values that print given the ring that names their variables.
pub trait Print {
    fn print(&self, ring: &Ring, notation: Notation) -> String;
}

const GREEK: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Phi", "Psi", "Omega",
];

/// A name in LaTeX: `alpha` is `\alpha`, `x1` is `x_{1}`, `n_f` is `n_{f}`,
/// a longer word is upright.
pub fn latex_name(name: &str) -> String {
    if let Some((base, sub)) = name.split_once('_')
        && !base.is_empty()
        && !sub.is_empty()
    {
        return format!("{}_{{{}}}", latex_name(base), latex_name(sub));
    }
    if GREEK.contains(&name) {
        return format!("\\{name}");
    }
    let letters = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if letters.len() < name.len() && !letters.is_empty() {
        return format!("{}_{{{}}}", latex_name(letters), &name[letters.len()..]);
    }
    if name.chars().count() == 1 { name.to_string() } else { format!("\\mathrm{{{name}}}") }
}

/// Escapes text for LaTeX's text mode. Math characters (Greek letters,
/// ×, ≤, ‖, superscripts …) become inline math, consecutive ones sharing
/// one `$…$` and consecutive superscripts or subscripts one `^{…}`/`_{…}`.
pub fn latex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut math = String::new();
    // The script being collected: '^' or '_', and its contents.
    let mut script: Option<(char, String)> = None;
    let flush_script = |math: &mut String, script: &mut Option<(char, String)>| {
        if let Some((kind, inner)) = script.take() {
            math.push(kind);
            math.push('{');
            math.push_str(&inner);
            math.push('}');
        }
    };
    for c in text.chars() {
        if let Some(m) = unicode_math(c) {
            let (kind, inner) = match m.as_bytes().first() {
                Some(b'^') | Some(b'_') => (m.chars().next(), &m[2..m.len() - 1]),
                _ => (None, m),
            };
            match kind {
                Some(k) => {
                    if script.as_ref().is_some_and(|s| s.0 != k) {
                        flush_script(&mut math, &mut script);
                    }
                    script.get_or_insert_with(|| (k, String::new())).1.push_str(inner);
                }
                None => {
                    flush_script(&mut math, &mut script);
                    if !math.is_empty() && inner.starts_with('\\') {
                        math.push(' ');
                    }
                    math.push_str(inner);
                }
            }
            continue;
        }
        flush_script(&mut math, &mut script);
        if !math.is_empty() {
            out.push('$');
            out.push_str(&math);
            out.push('$');
            math.clear();
        }
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
            c => out.push(c),
        }
    }
    flush_script(&mut math, &mut script);
    if !math.is_empty() {
        out.push('$');
        out.push_str(&math);
        out.push('$');
    }
    out
}

/// Math symbols that derivation texts use, as LaTeX math, so that the
/// LaTeX output compiles with pdflatex as well as with Unicode engines.
fn unicode_math(c: char) -> Option<&'static str> {
    Some(match c {
        '×' => "\\times",
        '−' | '–' => "-",
        '·' => "\\cdot",
        '…' => "\\ldots",
        '⌊' => "\\lfloor",
        '⌋' => "\\rfloor",
        '⌈' => "\\lceil",
        '⌉' => "\\rceil",
        '‖' => "\\|",
        '≤' => "\\le",
        '≥' => "\\ge",
        '≠' => "\\ne",
        '≈' => "\\approx",
        '→' => "\\to",
        '↦' => "\\mapsto",
        '∈' => "\\in",
        '∇' => "\\nabla",
        '∑' | 'Σ' => "\\Sigma",
        '∞' => "\\infty",
        '⊥' => "\\perp",
        '√' => "\\surd",
        '∘' => "\\circ",
        'ᵀ' => "^{T}",
        '⁺' => "^{+}",
        '⁻' => "^{-}",
        '⁽' => "^{(}",
        '⁾' => "^{)}",
        'ᵗ' => "^{t}",
        '⁰' => "^{0}",
        '¹' => "^{1}",
        '²' => "^{2}",
        '³' => "^{3}",
        'ᵢ' => "_{i}",
        '₀' => "_{0}",
        '₁' => "_{1}",
        '₂' => "_{2}",
        '₃' => "_{3}",
        'α' => "\\alpha",
        'β' => "\\beta",
        'γ' => "\\gamma",
        'δ' => "\\delta",
        'ε' => "\\varepsilon",
        'η' => "\\eta",
        'θ' => "\\theta",
        'λ' => "\\lambda",
        'μ' => "\\mu",
        'ν' => "\\nu",
        'π' => "\\pi",
        'σ' => "\\sigma",
        'φ' => "\\varphi",
        'ψ' => "\\psi",
        'ω' => "\\omega",
        _ => return None,
    })
}

pub fn symbol(sym: &Symbol, notation: Notation) -> String {
    match notation {
        Notation::Plain => sym.to_string(),
        Notation::Latex => {
            let base = latex_name(&sym.name);
            if sym.indices.is_empty() {
                return base;
            }
            let idx: Vec<String> = sym.indices.iter().map(|i| i.to_string()).collect();
            let idx = format!("({})", idx.join(","));
            // `n_{f}` with indices becomes `n_{f,(0)}`.
            match base.strip_suffix('}') {
                Some(open) if base.contains("_{") => format!("{open},{idx}}}"),
                _ => format!("{base}_{{{idx}}}"),
            }
        }
    }
}

pub fn rational(q: &Q, notation: Notation) -> String {
    match notation {
        Notation::Plain => q.to_string(),
        Notation::Latex => {
            if q.is_integer() {
                q.to_string()
            } else {
                let sign = if q.is_negative() { "-" } else { "" };
                let a = q.abs();
                format!("{sign}\\frac{{{}}}{{{}}}", a.numer(), a.denom())
            }
        }
    }
}

impl Print for Q {
    fn print(&self, _ring: &Ring, notation: Notation) -> String {
        rational(self, notation)
    }
}

/// A monomial's factors in printing order.
fn factors(m: &Monomial, ring: &Ring) -> Factors {
    let mut f: Factors = m.pairs().iter().map(|&(v, e)| (ring.symbol(v), e)).collect();
    f.sort_by(|a, b| a.0.cmp(&b.0));
    f
}

fn cmp_terms(a: &(u32, Factors), b: &(u32, Factors)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| {
        for (x, y) in a.1.iter().zip(&b.1) {
            let o = x.0.cmp(&y.0).then(y.1.cmp(&x.1));
            if o != Ordering::Equal {
                return o;
            }
        }
        b.1.len().cmp(&a.1.len())
    })
}

fn monomial(f: &[(Rc<Symbol>, u32)], notation: Notation) -> String {
    let mut out = String::new();
    for (i, (s, e)) in f.iter().enumerate() {
        match notation {
            Notation::Plain => {
                if i > 0 {
                    out.push('*');
                }
                out.push_str(&symbol(s, notation));
                if *e > 1 {
                    let _ = write!(out, "^{e}");
                }
            }
            Notation::Latex => {
                if i > 0 {
                    out.push(' ');
                }
                let base = symbol(s, notation);
                if *e > 1 {
                    if base.contains('_') {
                        let _ = write!(out, "{{{base}}}^{{{e}}}");
                    } else {
                        let _ = write!(out, "{base}^{{{e}}}");
                    }
                } else {
                    out.push_str(&base);
                }
            }
        }
    }
    out
}

impl Print for Poly {
    fn print(&self, ring: &Ring, notation: Notation) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        // One symbol with coefficient ±1 (every entry of a convolution
        // matrix): written directly.
        if notation == Notation::Plain
            && let [(m, c)] = self.terms()
            && let [(v, 1)] = m.pairs()
            && c.abs().is_one()
        {
            let mut out = String::with_capacity(16);
            if c.is_negative() {
                out.push('-');
            }
            ring.symbol(*v).write_to(&mut out);
            return out;
        }
        let mut terms: Vec<((u32, Factors), Q)> =
            self.terms().iter().map(|(m, c)| ((m.degree(), factors(m, ring)), c.clone())).collect();
        terms.sort_by(|a, b| cmp_terms(&a.0, &b.0));
        linear_combination(terms.into_iter().map(|((_, f), c)| (c, monomial(&f, notation))), notation)
    }
}

/// A signed sum `c1·t1 + c2·t2 − …` in the given order: `2*w1 - w2 + b`,
/// `x^2 - 3*x + 1`. An empty term is a constant; a coefficient of one is
/// not written and zero terms are left out; nothing at all is `0`.
pub fn linear_combination(terms: impl IntoIterator<Item = (Q, String)>, notation: Notation) -> String {
    let mut out = String::new();
    for (c, t) in terms {
        if c.is_zero() {
            continue;
        }
        let negative = c.is_negative();
        if out.is_empty() {
            if negative {
                out.push('-');
            }
        } else {
            out.push_str(if negative { " - " } else { " + " });
        }
        let a = c.abs();
        if t.is_empty() {
            out.push_str(&rational(&a, notation));
        } else {
            if !a.is_one() {
                out.push_str(&rational(&a, notation));
                out.push(if notation == Notation::Plain { '*' } else { ' ' });
            }
            out.push_str(&t);
        }
    }
    if out.is_empty() { "0".into() } else { out }
}

/// Whether a printed polynomial needs parentheses as a factor or divisor.
pub(super) fn is_atomic(p: &Poly) -> bool {
    match p.terms() {
        [(m, c)] => {
            (m.is_one() && c.is_integer() && !c.is_negative())
                || (c.is_one() && m.pairs().len() == 1 && m.pairs()[0].1 == 1)
        }
        _ => false,
    }
}

pub(super) fn denominators_lcm(p: &Poly) -> BigInt {
    p.terms().iter().fold(BigInt::one(), |acc, (_, c)| acc.lcm(&c.denom()))
}

impl Print for RatFunc {
    fn print(&self, ring: &Ring, notation: Notation) -> String {
        if self.is_polynomial() {
            return self.num().print(ring, notation);
        }
        // Clear the numerator's fractions into the denominator: x/(2*y)
        // reads better than 1/2*x/y.
        let l = Q::from_bigints(denominators_lcm(self.num()), BigInt::one());
        let (num, den) = (self.num().scale(&l), self.den().scale(&l));
        let single_term = num.len() == 1;
        let (sign, num) = if single_term && num.leading_coeff().is_negative() { ("-", -&num) } else { ("", num) };
        match notation {
            Notation::Plain => {
                let n = num.print(ring, notation);
                let n = if single_term { n } else { format!("({n})") };
                let d = den.print(ring, notation);
                let d = if is_atomic(&den) { d } else { format!("({d})") };
                format!("{sign}{n}/{d}")
            }
            Notation::Latex => {
                format!("{sign}\\frac{{{}}}{{{}}}", num.print(ring, notation), den.print(ring, notation))
            }
        }
    }
}

impl<T: Scalar + Print> Print for Matrix<T> {
    fn print(&self, ring: &Ring, notation: Notation) -> String {
        matrix_with(self, notation, |x| x.print(ring, notation))
    }
}

/// Prints a matrix with `entry` for each entry. A column vector prints as a
/// flat list in the plain notation, which is how problem files write one.
pub fn matrix_with<T: Scalar>(m: &Matrix<T>, notation: Notation, entry: impl Fn(&T) -> String) -> String {
    match notation {
        Notation::Plain => {
            if m.cols() == 1 && m.rows() > 0 {
                let items: Vec<String> = (0..m.rows()).map(|r| entry(m.get(r, 0))).collect();
                return format!("[{}]", items.join(", "));
            }
            let rows: Vec<String> = (0..m.rows())
                .map(|r| {
                    let items: Vec<String> = m.row(r).iter().map(&entry).collect();
                    format!("[{}]", items.join(", "))
                })
                .collect();
            format!("[{}]", rows.join(", "))
        }
        Notation::Latex => {
            let rows: Vec<String> =
                (0..m.rows()).map(|r| m.row(r).iter().map(&entry).collect::<Vec<_>>().join(" & ")).collect();
            format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", rows.join(" \\\\ "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_print_in_both_notations() {
        let ring = Ring::new();
        let w = Poly::var(ring.var(&Symbol::indexed("w", &[1, 1])));
        let x = Poly::var(ring.var(&Symbol::indexed("x", &[0, 0])));
        let p = &(&(&x * &w).scale(&Q::from_int(-1)) + &Poly::from(2)) + &w.pow(2).scale(&Q::new(3, 2));
        assert_eq!(p.print(&ring, Notation::Plain), "3/2*w[1,1]^2 - w[1,1]*x[0,0] + 2");
        assert_eq!(p.print(&ring, Notation::Latex), "\\frac{3}{2} {w_{(1,1)}}^{2} - w_{(1,1)} x_{(0,0)} + 2");
    }

    #[test]
    fn rational_functions_print_with_the_fraction_cleared() {
        let ring = Ring::new();
        let a = Poly::var(ring.var(&Symbol::plain("a")));
        let b = Poly::var(ring.var(&Symbol::plain("b")));
        let y = Poly::var(ring.var(&Symbol::plain("y")));
        let r = RatFunc::new(&a * &y, &(&a * &a) + &(&b * &b)).unwrap();
        assert_eq!(r.print(&ring, Notation::Plain), "a*y/(a^2 + b^2)");
        assert_eq!(r.print(&ring, Notation::Latex), "\\frac{a y}{a^{2} + b^{2}}");
        let half = RatFunc::new(a.scale(&Q::new(-1, 2)), b.clone()).unwrap();
        assert_eq!(half.print(&ring, Notation::Plain), "-a/(2*b)");
    }

    #[test]
    fn text_with_math_characters_escapes_for_pdflatex() {
        assert_eq!(latex_escape("3×3, 50% & w_1"), "3$\\times$3, 50\\% \\& w\\_1");
        assert_eq!(latex_escape("w⁽ᵗ⁾ → ‖Xw‖²"), "w$^{(t)}$ $\\to$ $\\|$Xw$\\|^{2}$");
        assert_eq!(latex_escape("λᵢ ≤ 1/ηᵀ"), "$\\lambda_{i}$ $\\le$ 1/$\\eta^{T}$");
    }

    #[test]
    fn names_in_latex() {
        assert_eq!(latex_name("alpha"), "\\alpha");
        assert_eq!(latex_name("x1"), "x_{1}");
        assert_eq!(latex_name("n_f"), "n_{f}");
        assert_eq!(latex_name("relu"), "\\mathrm{relu}");
        assert_eq!(symbol(&Symbol::indexed("c", &[3, 0, 0, 0]), Notation::Latex), "c_{(3,0,0,0)}");
    }
}
