//! nnkey's math notation: formulas as trees, and the parser that reads them.
//!
//! Course staff write math between `$…$` in question and answer prose, and
//! derivations write their formulas in the same notation (with `#name`
//! holes for values). The notation is plain ASCII, close to the language's
//! own expressions, and says what a formula *is*, never how it looks:
//!
//! ```text
//! f(w) = sum_i (y_i - w^T x_i)^2 = norm(X w - y)^2      x_(i+1), w^((t)), A^-1
//! floor((n + 2 p - k)/s) + 1     [[1, 2], [3, 4]]     lim_(t -> inf) w^((t))
//! ```
//!
//! The presentation layer prints a [`Math`] in every notation (terminal
//! text, LaTeX, MathML); nothing here knows any of them.
//!
//! Grammar, loosest first: a list `a, b` of relation chains `a = b <= c` of
//! sums `a + b - c` of products (`2 x` side by side, `a * b` an explicit
//! dot, `a times b`, `f circ g`, `a / b` a fraction) of signed factors, each
//! an atom with scripts (`_i`, `^2`, `^T`, `^-1`), primes, entries (`w[1,1]`)
//! and arguments (`f(x)`).

use crate::algebra::{Formula, Poly, Q, RatFunc, Symbol};

/// A formula.
#[derive(Clone, Debug, PartialEq)]
pub enum Math {
    /// An exact number.
    Number(Q),
    /// A name: `x`, `W1` (printed W₁), `eta` (η), a problem's object name.
    Name(String),
    /// An entry symbol of the problem, `w[1,1]`.
    Symbol(Symbol),
    /// An entry with computed indices, `c[2 a + b, 0]`.
    Entry(Box<Math>, Vec<Math>),
    /// Upright words inside a formula.
    Text(String),
    Constant(Constant),
    /// Signed terms; the first term's sign is its own.
    Sum(Vec<(Sign, Math)>),
    /// Factors side by side: `2 x`, `W x`.
    Product(Vec<Math>),
    /// `a · b`, `a × b`, `f ∘ g`.
    Infix(Box<Math>, InfixOp, Box<Math>),
    Neg(Box<Math>),
    Frac(Box<Math>, Box<Math>),
    /// A base with a subscript, a superscript, or both.
    Script {
        base: Box<Math>,
        sub: Option<Box<Math>>,
        sup: Option<Box<Math>>,
    },
    Transpose(Box<Math>),
    Inverse(Box<Math>),
    Prime(Box<Math>),
    /// A function applied to arguments: `f(x)`, `det(G)`, `floor(x)`.
    Apply(Func, Vec<Math>),
    /// One formula in a fence: `(a + b)`, `|x|`, `‖x‖`, `⌊x⌋`.
    Fenced(Fence, Box<Math>),
    /// Items in a fence, separated by commas: `(a, b)`, `{a, b}`; with
    /// [`Fence::None`], a bare list `a = 1, b = 2`.
    Seq(Fence, Vec<Math>),
    /// `a = b ≤ c`.
    Relation(Box<Math>, Vec<(Rel, Math)>),
    /// Rows of entries; a column vector has one entry per row.
    Matrix(Vec<Vec<Math>>),
    /// `sum_(i=1)^n body`, `lim_(t -> inf) body`.
    BigOp {
        op: BigOp,
        under: Option<Box<Math>>,
        over: Option<Box<Math>>,
        body: Box<Math>,
    },
    /// Values by case: `value if condition`.
    Cases(Vec<(Math, Math)>),
    /// Named fields: `{ W: 2, b: 3 }`.
    Record(Vec<(String, Math)>),
    /// Exact values of the algebra, printed with the problem's names.
    Poly(Poly),
    Ratio(RatFunc),
    Formula(Formula),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant {
    Infinity,
    Reals,
    Ellipsis,
    Nabla,
    Partial,
    EmptySet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfixOp {
    Dot,
    Times,
    Compose,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Approx,
    To,
    MapsTo,
    In,
    NotIn,
    Subset,
    Implies,
    Iff,
    Define,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fence {
    None,
    Paren,
    Bracket,
    Brace,
    Abs,
    Norm,
    Floor,
    Ceil,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BigOp {
    Sum,
    Prod,
    Lim,
    Max,
    Min,
    ArgMin,
    ArgMax,
}

/// A function name: one the notation knows (printed its own way) or any
/// other (printed as the name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    /// An operator name set upright: `det`, `tr`, `max`, `relu`, ….
    Operator(&'static str),
    /// A function of the problem or the derivation: `f`, `h`, `g`.
    Named(String),
}

/// Operator names printed upright.
pub const OPERATORS: &[&str] = &[
    "det", "tr", "adj", "rank", "range", "span", "max", "min", "exp", "log", "relu", "step", "sign", "diag", "argmin",
    "argmax", "dim", "null", "sup", "inf", "gcd", "lcm", "mod",
];

/// Functions that are fences: `floor(x)` is ⌊x⌋.
const FENCE_FUNCTIONS: &[(&str, Fence)] =
    &[("floor", Fence::Floor), ("ceil", Fence::Ceil), ("abs", Fence::Abs), ("norm", Fence::Norm)];

/// Names of Greek letters, printed as the letter.
pub const GREEK: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Phi", "Psi", "Omega",
];

// ---------------------------------------------------------------------------
// Building formulas in code
// ---------------------------------------------------------------------------

impl Math {
    pub fn name(name: impl Into<String>) -> Math {
        Math::Name(name.into())
    }

    pub fn int(n: i64) -> Math {
        Math::Number(Q::from_int(n))
    }

    pub fn text(t: impl Into<String>) -> Math {
        Math::Text(t.into())
    }

    /// `self = other`.
    pub fn equals(self, other: impl Into<Math>) -> Math {
        self.relate(Rel::Eq, other)
    }

    /// Extends a relation chain (or starts one).
    pub fn relate(self, rel: Rel, other: impl Into<Math>) -> Math {
        match self {
            Math::Relation(first, mut rest) => {
                rest.push((rel, other.into()));
                Math::Relation(first, rest)
            }
            m => Math::Relation(Box::new(m), vec![(rel, other.into())]),
        }
    }

    /// `self` with a subscript; named after the script, not subtraction.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, sub: impl Into<Math>) -> Math {
        match self {
            Math::Script { base, sub: None, sup } => Math::Script { base, sub: Some(Box::new(sub.into())), sup },
            m => Math::Script { base: Box::new(m), sub: Some(Box::new(sub.into())), sup: None },
        }
    }

    pub fn sup(self, sup: impl Into<Math>) -> Math {
        match self {
            Math::Script { base, sub, sup: None } => Math::Script { base, sub, sup: Some(Box::new(sup.into())) },
            m => Math::Script { base: Box::new(m), sub: None, sup: Some(Box::new(sup.into())) },
        }
    }

    pub fn apply(f: impl Into<String>, args: Vec<Math>) -> Math {
        let f = f.into();
        match OPERATORS.iter().find(|o| **o == f) {
            Some(op) => Math::Apply(Func::Operator(op), args),
            None => Math::Apply(Func::Named(f), args),
        }
    }

    /// A column vector.
    pub fn column(items: Vec<Math>) -> Math {
        Math::Matrix(items.into_iter().map(|x| vec![x]).collect())
    }

    /// A tuple `(a, b, …)`.
    pub fn tuple(items: Vec<Math>) -> Math {
        Math::Seq(Fence::Paren, items)
    }

    /// Items side by side with commas and no fence.
    pub fn list(items: Vec<Math>) -> Math {
        Math::Seq(Fence::None, items)
    }

    pub fn paren(self) -> Math {
        Math::Fenced(Fence::Paren, Box::new(self))
    }

    /// How many leaves the formula has, counting matrix entries: a measure
    /// of size that the presentation layer limits.
    pub fn size(&self) -> usize {
        match self {
            Math::Number(_)
            | Math::Name(_)
            | Math::Symbol(_)
            | Math::Text(_)
            | Math::Constant(_)
            | Math::Poly(_)
            | Math::Ratio(_)
            | Math::Formula(_) => 1,
            Math::Sum(t) => t.iter().map(|x| x.1.size()).sum(),
            Math::Product(f) | Math::Seq(_, f) | Math::Apply(_, f) | Math::Entry(_, f) => {
                f.iter().map(Math::size).sum::<usize>() + 1
            }
            Math::Infix(a, _, b) | Math::Frac(a, b) => a.size() + b.size(),
            Math::Neg(a) | Math::Transpose(a) | Math::Inverse(a) | Math::Prime(a) | Math::Fenced(_, a) => a.size(),
            Math::Script { base, sub, sup } => {
                base.size() + sub.as_ref().map_or(0, |s| s.size()) + sup.as_ref().map_or(0, |s| s.size())
            }
            Math::Relation(a, rest) => a.size() + rest.iter().map(|r| r.1.size()).sum::<usize>(),
            Math::Matrix(rows) => rows.iter().flatten().map(Math::size).sum(),
            Math::BigOp { under, over, body, .. } => {
                body.size() + under.as_ref().map_or(0, |s| s.size()) + over.as_ref().map_or(0, |s| s.size())
            }
            Math::Cases(c) => c.iter().map(|(a, b)| a.size() + b.size()).sum(),
            Math::Record(f) => f.iter().map(|x| x.1.size()).sum(),
        }
    }
}

impl From<Q> for Math {
    fn from(q: Q) -> Math {
        Math::Number(q)
    }
}

impl From<&Q> for Math {
    fn from(q: &Q) -> Math {
        Math::Number(q.clone())
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Math {
            fn from(n: $t) -> Math {
                Math::Number(Q::from_int(n as i64))
            }
        }
    )*};
}
from_integer!(i32, i64, u32, usize);

impl From<Poly> for Math {
    fn from(p: Poly) -> Math {
        Math::Poly(p)
    }
}

impl From<&Poly> for Math {
    fn from(p: &Poly) -> Math {
        Math::Poly(p.clone())
    }
}

impl From<RatFunc> for Math {
    fn from(r: RatFunc) -> Math {
        Math::Ratio(r)
    }
}

impl From<&RatFunc> for Math {
    fn from(r: &RatFunc) -> Math {
        Math::Ratio(r.clone())
    }
}

impl From<Formula> for Math {
    fn from(f: Formula) -> Math {
        Math::Formula(f)
    }
}

impl From<Symbol> for Math {
    fn from(s: Symbol) -> Math {
        Math::Symbol(s)
    }
}

// ---------------------------------------------------------------------------
// Prose: text with inline math
// ---------------------------------------------------------------------------

/// A piece of prose.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Math(Math),
    /// nnkey syntax, set in a monospace font.
    Code(String),
}

/// A sentence or paragraph: text, inline math and code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prose(pub Vec<Inline>);

impl Prose {
    pub fn text(t: impl Into<String>) -> Prose {
        Prose(vec![Inline::Text(t.into())])
    }

    pub fn push_text(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Inline::Text(s)) => s.push_str(t),
            _ => self.0.push(Inline::Text(t.to_string())),
        }
    }

    pub fn push_math(&mut self, m: Math) {
        self.0.push(Inline::Math(m));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A value to put in a template's `#name` hole: a formula, or text (which
/// in a formula is upright).
#[derive(Clone, Debug)]
pub enum Fill {
    Math(Math),
    Text(String),
}

impl<T: Into<Math>> From<T> for Fill {
    fn from(m: T) -> Fill {
        Fill::Math(m.into())
    }
}

/// Text for a hole: `Fill::from(text("…"))`.
pub struct Words(pub String);

impl From<Words> for Fill {
    fn from(w: Words) -> Fill {
        Fill::Text(w.0)
    }
}

/// Marks a string as words for a template hole.
pub fn words(t: impl Into<String>) -> Words {
    Words(t.into())
}

/// A syntax error in math or prose: where (a byte offset into the text
/// parsed) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MathError {
    pub at: usize,
    pub len: usize,
    pub message: String,
}

/// Parses prose as course staff write it: paragraphs separated by blank
/// lines, inline math between `$…$`, code between backquotes, `\$` for a
/// dollar sign.
pub fn parse_prose(text: &str) -> Result<Vec<Prose>, MathError> {
    let mut paragraphs = Vec::new();
    let mut at = 0;
    for block in split_paragraphs(text) {
        let start = block.as_ptr() as usize - text.as_ptr() as usize;
        at = at.max(start);
        let p = prose_with(block, &[]).map_err(|e| MathError { at: e.at + start, ..e })?;
        if !p.is_empty() {
            paragraphs.push(p);
        }
    }
    Ok(paragraphs)
}

/// The paragraphs of a text: runs of lines separated by blank lines.
fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push(&text[s..end]);
            }
        } else {
            if start.is_none() {
                start = Some(pos + line.len() - line.trim_start().len());
            }
            end = pos + line.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push(&text[s..end]);
    }
    out
}

/// Prose with `#name` holes: in text a hole is its fill (a formula inline,
/// or words); in `$…$` it is a formula. For derivations.
pub fn prose_template(template: &str, fills: &[(&str, Fill)]) -> Prose {
    match prose_with(template, fills) {
        Ok(p) => p,
        Err(e) => {
            debug_assert!(false, "bad prose template {template:?}: {} at {}", e.message, e.at);
            Prose::text(template)
        }
    }
}

/// A formula from a template with `#name` holes. For derivations, whose
/// templates are part of the program: a malformed one is a bug, caught by
/// the tests in debug builds and shown as its text in release.
pub fn template(template: &str, fills: &[(&str, Fill)]) -> Math {
    match parse_with(template, fills) {
        Ok(m) => m,
        Err(e) => {
            debug_assert!(false, "bad math template {template:?}: {} at {}", e.message, e.at);
            Math::Text(template.to_string())
        }
    }
}

/// Parses one formula written by a person: no holes.
pub fn parse_math(text: &str) -> Result<Math, MathError> {
    parse_with(text, &[])
}

fn prose_with(text: &str, fills: &[(&str, Fill)]) -> Result<Prose, MathError> {
    let mut out = Prose::default();
    let mut buf = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    // Lines of a paragraph join with one space.
    let flush = |out: &mut Prose, buf: &mut String| {
        if !buf.is_empty() {
            let lines: Vec<&str> = buf.split('\n').collect();
            let last = lines.len() - 1;
            let joined = lines
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let l = if k > 0 { l.trim_start() } else { l };
                    if k < last { l.trim_end() } else { l }
                })
                .collect::<Vec<_>>()
                .join(" ");
            out.push_text(&joined);
            buf.clear();
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'$') => {
                buf.push('$');
                i += 2;
            }
            b'$' => {
                let end = text[i + 1..].find('$').map(|k| i + 1 + k).ok_or(MathError {
                    at: i,
                    len: 1,
                    message: "this `$` opens math that is never closed with another `$`".into(),
                })?;
                let m = parse_with(&text[i + 1..end], fills).map_err(|e| MathError { at: e.at + i + 1, ..e })?;
                flush(&mut out, &mut buf);
                out.push_math(m);
                i = end + 1;
            }
            b'`' => {
                let end = text[i + 1..].find('`').map(|k| i + 1 + k).ok_or(MathError {
                    at: i,
                    len: 1,
                    message: "this backquote opens code that is never closed".into(),
                })?;
                flush(&mut out, &mut buf);
                out.0.push(Inline::Code(text[i + 1..end].to_string()));
                i = end + 1;
            }
            b'#' if !fills.is_empty() => {
                let (name, next) = word_at(text, i + 1);
                let fill = lookup(fills, name).ok_or(MathError {
                    at: i,
                    len: name.len() + 1,
                    message: format!("no value for the hole `#{name}`"),
                })?;
                flush(&mut out, &mut buf);
                match fill {
                    Fill::Math(m) => out.push_math(m.clone()),
                    Fill::Text(t) => out.push_text(t),
                }
                i = next;
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                buf.push(c);
                i += c.len_utf8();
            }
        }
    }
    flush(&mut out, &mut buf);
    Ok(out)
}

fn word_at(text: &str, at: usize) -> (&str, usize) {
    let rest = &text[at.min(text.len())..];
    let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    (&rest[..n], at + n)
}

fn lookup<'a>(fills: &'a [(&str, Fill)], name: &str) -> Option<&'a Fill> {
    fills.iter().find(|f| f.0 == name).map(|f| &f.1)
}

// ---------------------------------------------------------------------------
// The formula parser
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(Q),
    Word(String),
    Str(String),
    Hole(String),
    /// Punctuation and operators, longest match: `<=`, `|->`, `(`, `^`, ….
    Op(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    at: usize,
    len: usize,
    /// Whitespace came right before it.
    spaced: bool,
}

const OPS: &[&str] = &[
    "<=>", "|->", "...", "<=", ">=", "!=", "->", "=>", "~~", ":=", "(", ")", "[", "]", "{", "}", ",", "+", "-", "*",
    "/", "^", "_", "=", "<", ">", "'", ":", "|", ";",
];

fn tokenize(text: &str) -> Result<Vec<Token>, MathError> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = false;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            spaced = true;
            i += c.len_utf8();
            continue;
        }
        let (tok, len) = if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            number(rest).ok_or(MathError { at: i, len: 1, message: "expected a number".into() })?
        } else if c.is_ascii_alphabetic() {
            let n = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            (Tok::Word(rest[..n].to_string()), n)
        } else if c == '"' {
            let end = rest[1..].find('"').ok_or(MathError {
                at: i,
                len: 1,
                message: "this `\"` opens text that is never closed".into(),
            })?;
            (Tok::Str(rest[1..1 + end].to_string()), end + 2)
        } else if c == '#' {
            let (name, next) = word_at(text, i + 1);
            if name.is_empty() {
                return Err(MathError { at: i, len: 1, message: "`#` is not math notation".into() });
            }
            (Tok::Hole(name.to_string()), next - i)
        } else if let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) {
            (Tok::Op(op), op.len())
        } else {
            return Err(MathError {
                at: i,
                len: c.len_utf8(),
                message: format!("`{c}` is not math notation; write formulas in ASCII (e.g. `<=`, `lambda`, `x^T`)"),
            });
        };
        out.push(Token { tok, at: i, len, spaced });
        spaced = false;
        i += len;
    }
    Ok(out)
}

/// A decimal number at the start of `s`: `3`, `0.25`, `1e-3`.
fn number(s: &str) -> Option<(Tok, usize)> {
    let b = s.as_bytes();
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        n += 1;
    }
    if n < b.len() && b[n] == b'.' && b.get(n + 1).is_some_and(|d| d.is_ascii_digit()) {
        n += 1;
        while n < b.len() && b[n].is_ascii_digit() {
            n += 1;
        }
    }
    let mantissa_end = n;
    if n < b.len() && (b[n] == b'e' || b[n] == b'E') {
        let mut k = n + 1;
        if k < b.len() && (b[k] == b'-' || b[k] == b'+') {
            k += 1;
        }
        let digits = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > digits && !b.get(k).is_some_and(|c| c.is_ascii_alphabetic()) {
            n = k;
        }
    }
    let _ = mantissa_end;
    let q = Q::parse(&s[..n]).ok()?;
    Some((Tok::Num(q), n))
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    end: usize,
    fills: &'a [(&'a str, Fill)],
}

type PResult<T> = Result<T, MathError>;

fn parse_with(text: &str, fills: &[(&str, Fill)]) -> Result<Math, MathError> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err(MathError { at: 0, len: text.len().max(1), message: "expected a formula, found nothing".into() });
    }
    let mut p = Parser { toks, pos: 0, end: text.len(), fills };
    let m = p.list()?;
    match p.peek() {
        None => Ok(m),
        Some(t) => Err(p.error_at(t, "an operator or the end of the formula")),
    }
}

/// Nesting deeper than this is refused, so that no input overflows the stack.
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek()?.tok {
            Tok::Op(o) => Some(o),
            _ => None,
        }
    }

    fn peek_word(&self) -> Option<&str> {
        match &self.peek()?.tok {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Whether the next token touches the previous one (no space between).
    fn adjacent(&self) -> bool {
        self.peek().is_some_and(|t| !t.spaced)
    }

    fn error_at(&self, t: &Token, expected: &str) -> MathError {
        let found = match &t.tok {
            Tok::Num(q) => format!("`{q}`"),
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Hole(h) => format!("`#{h}`"),
            Tok::Op(o) => format!("`{o}`"),
        };
        MathError { at: t.at, len: t.len, message: format!("expected {expected}, found {found}") }
    }

    fn error(&self, expected: &str) -> MathError {
        match self.peek() {
            Some(t) => self.error_at(t, expected),
            None => MathError { at: self.end, len: 0, message: format!("expected {expected}, found the end") },
        }
    }

    fn expect_op(&mut self, op: &str, opened: Option<&Token>) -> PResult<()> {
        if self.eat_op(op) {
            return Ok(());
        }
        let mut e = self.error(&format!("`{op}`"));
        if let Some(o) = opened {
            e.message.push_str(&format!(" (to close the `{}` at column {})", tok_text(o), o.at + 1));
        }
        Err(e)
    }

    fn guard(&self, depth: usize) -> PResult<()> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("a formula nested at most {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    /// `a, b, c` at the top level.
    fn list(&mut self) -> PResult<Math> {
        let first = self.relation(0)?;
        if self.peek_op() != Some(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            items.push(self.relation(0)?);
        }
        Ok(Math::Seq(Fence::None, items))
    }

    fn rel_op(&self) -> Option<Rel> {
        let t = self.peek()?;
        Some(match &t.tok {
            Tok::Op(o) => match *o {
                "=" => Rel::Eq,
                "!=" => Rel::Ne,
                "<" => Rel::Lt,
                "<=" => Rel::Le,
                ">" => Rel::Gt,
                ">=" => Rel::Ge,
                "~~" => Rel::Approx,
                "->" => Rel::To,
                "|->" => Rel::MapsTo,
                "=>" => Rel::Implies,
                "<=>" => Rel::Iff,
                ":=" => Rel::Define,
                _ => return None,
            },
            Tok::Word(w) => match w.as_str() {
                "in" => Rel::In,
                "notin" => Rel::NotIn,
                "subset" => Rel::Subset,
                _ => return None,
            },
            _ => return None,
        })
    }

    fn relation(&mut self, depth: usize) -> PResult<Math> {
        let first = self.sum(depth)?;
        let mut rest = Vec::new();
        while let Some(r) = self.rel_op() {
            self.pos += 1;
            rest.push((r, self.sum(depth)?));
        }
        Ok(if rest.is_empty() { first } else { Math::Relation(Box::new(first), rest) })
    }

    fn sum(&mut self, depth: usize) -> PResult<Math> {
        let mut terms = Vec::new();
        let first_sign = if self.eat_op("-") { Sign::Minus } else { Sign::Plus };
        terms.push((first_sign, self.product(depth)?));
        loop {
            let sign = match self.peek_op() {
                Some("+") => Sign::Plus,
                Some("-") => Sign::Minus,
                _ => break,
            };
            self.pos += 1;
            terms.push((sign, self.product(depth)?));
        }
        Ok(match terms.len() {
            1 if first_sign == Sign::Plus => terms.pop().map(|t| t.1).unwrap_or(Math::int(0)),
            1 => Math::Neg(Box::new(terms.pop().map(|t| t.1).unwrap_or(Math::int(0)))),
            _ => Math::Sum(terms),
        })
    }

    /// Whether the next token can start a factor written side by side.
    fn starts_factor(&self) -> bool {
        let Some(t) = self.peek() else { return false };
        match &t.tok {
            Tok::Num(_) | Tok::Str(_) | Tok::Hole(_) => true,
            Tok::Word(w) => !matches!(w.as_str(), "in" | "notin" | "subset" | "times" | "circ" | "if"),
            Tok::Op(o) => matches!(*o, "(" | "[" | "{" | "..."),
        }
    }

    fn product(&mut self, depth: usize) -> PResult<Math> {
        let mut acc = self.fraction(depth)?;
        loop {
            let op = match (self.peek_op(), self.peek_word()) {
                (Some("*"), _) => Some(InfixOp::Dot),
                (_, Some("times")) => Some(InfixOp::Times),
                (_, Some("circ")) => Some(InfixOp::Compose),
                _ => None,
            };
            if let Some(op) = op {
                self.pos += 1;
                let rhs = self.fraction(depth)?;
                acc = Math::Infix(Box::new(acc), op, Box::new(rhs));
            } else if self.starts_factor() {
                let rhs = self.fraction(depth)?;
                acc = match acc {
                    Math::Product(mut f) => {
                        f.push(rhs);
                        Math::Product(f)
                    }
                    a => Math::Product(vec![a, rhs]),
                };
            } else {
                return Ok(acc);
            }
        }
    }

    /// `a / b`, binding tighter than factors side by side: `1/2 x` is (1/2)·x.
    fn fraction(&mut self, depth: usize) -> PResult<Math> {
        let mut acc = self.signed(depth)?;
        while self.eat_op("/") {
            let den = self.signed(depth)?;
            acc = Math::Frac(Box::new(unparen(acc)), Box::new(unparen(den)));
        }
        Ok(acc)
    }

    fn signed(&mut self, depth: usize) -> PResult<Math> {
        self.guard(depth)?;
        if self.eat_op("-") {
            return Ok(Math::Neg(Box::new(self.signed(depth + 1)?)));
        }
        self.postfix(depth)
    }

    fn postfix(&mut self, depth: usize) -> PResult<Math> {
        let mut base = self.atom(depth)?;
        loop {
            if self.peek_op() == Some("_") {
                self.pos += 1;
                let s = self.script(depth)?;
                base = base.sub(s);
            } else if self.peek_op() == Some("^") {
                self.pos += 1;
                if self.peek_word() == Some("T") {
                    self.pos += 1;
                    base = Math::Transpose(Box::new(base));
                } else if self.peek_op() == Some("-")
                    && matches!(self.toks.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Num(q)) if q.is_one())
                {
                    self.pos += 2;
                    base = Math::Inverse(Box::new(base));
                } else {
                    let s = self.script(depth)?;
                    base = base.sup(s);
                }
            } else if self.peek_op() == Some("'") {
                self.pos += 1;
                base = Math::Prime(Box::new(base));
            } else if self.peek_op() == Some("[") && self.adjacent() && is_nameish(&base) {
                base = self.entry(base, depth)?;
            } else if self.peek_op() == Some("(") && self.adjacent() && is_function_name(&base) {
                let opened = self.peek().cloned();
                self.pos += 1;
                let args = self.items(")", depth + 1, opened.as_ref())?;
                base = apply(base, args);
            } else {
                return Ok(base);
            }
        }
    }

    /// A script after `_` or `^`: one atom (a name, a number, a signed
    /// number), or a parenthesized group whose parentheses are not shown.
    fn script(&mut self, depth: usize) -> PResult<Math> {
        if self.peek_op() == Some("(") {
            let opened = self.peek().cloned();
            self.pos += 1;
            let inner = self.list_in(depth + 1)?;
            self.expect_op(")", opened.as_ref())?;
            return Ok(inner);
        }
        if self.eat_op("-") {
            return Ok(Math::Neg(Box::new(self.script_atom(depth)?)));
        }
        self.script_atom(depth)
    }

    fn script_atom(&mut self, depth: usize) -> PResult<Math> {
        let t = self.peek().cloned().ok_or_else(|| self.error("a subscript or superscript"))?;
        match &t.tok {
            Tok::Num(q) => {
                self.pos += 1;
                Ok(Math::Number(q.clone()))
            }
            Tok::Word(w) => {
                self.pos += 1;
                Ok(word_math(w))
            }
            Tok::Hole(_) | Tok::Str(_) => self.atom(depth),
            Tok::Op("*") => {
                self.pos += 1;
                Ok(Math::Text("*".into()))
            }
            _ => Err(self.error_at(&t, "a subscript or superscript")),
        }
    }

    /// `w[1,1]`: an entry of a named array; `c[2 a + b, 0]` with computed
    /// indices.
    fn entry(&mut self, base: Math, depth: usize) -> PResult<Math> {
        let opened = self.peek().cloned();
        self.pos += 1;
        let items = self.items("]", depth + 1, opened.as_ref())?;
        let ints: Option<Vec<i64>> = items
            .iter()
            .map(|i| match i {
                Math::Number(q) if q.is_integer() => q.to_i64(),
                Math::Neg(x) => match x.as_ref() {
                    Math::Number(q) if q.is_integer() => q.to_i64().map(|v| -v),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        match (base, ints) {
            (Math::Name(n), Some(idx)) if !idx.is_empty() => Ok(Math::Symbol(Symbol::indexed(&n, &idx))),
            (b, _) => Ok(Math::Entry(Box::new(b), items)),
        }
    }

    /// Items up to a closing bracket, separated by commas.
    fn items(&mut self, close: &str, depth: usize, opened: Option<&Token>) -> PResult<Vec<Math>> {
        let mut items = Vec::new();
        if self.eat_op(close) {
            return Ok(items);
        }
        loop {
            items.push(self.relation(depth)?);
            if self.eat_op(",") {
                continue;
            }
            self.expect_op(close, opened)?;
            return Ok(items);
        }
    }

    fn list_in(&mut self, depth: usize) -> PResult<Math> {
        self.guard(depth)?;
        let first = self.relation(depth)?;
        if self.peek_op() != Some(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            items.push(self.relation(depth)?);
        }
        Ok(Math::Seq(Fence::None, items))
    }

    fn atom(&mut self, depth: usize) -> PResult<Math> {
        self.guard(depth)?;
        let t = self.peek().cloned().ok_or_else(|| self.error("a formula"))?;
        match &t.tok {
            Tok::Num(q) => {
                self.pos += 1;
                Ok(Math::Number(q.clone()))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Math::Text(s.clone()))
            }
            Tok::Hole(h) => {
                self.pos += 1;
                match lookup(self.fills, h) {
                    Some(Fill::Math(m)) => Ok(m.clone()),
                    Some(Fill::Text(s)) => Ok(Math::Text(s.clone())),
                    None => Err(MathError { at: t.at, len: t.len, message: format!("no value for the hole `#{h}`") }),
                }
            }
            Tok::Word(w) => {
                self.pos += 1;
                self.word(w.clone(), depth)
            }
            Tok::Op("(") => {
                self.pos += 1;
                let items = self.items(")", depth + 1, Some(&t))?;
                Ok(match items.len() {
                    1 => Math::Fenced(Fence::Paren, Box::new(items.into_iter().next().unwrap_or(Math::int(0)))),
                    _ => Math::Seq(Fence::Paren, items),
                })
            }
            Tok::Op("[") => {
                self.pos += 1;
                let items = self.items("]", depth + 1, Some(&t))?;
                Ok(bracket_list(items))
            }
            Tok::Op("{") => {
                self.pos += 1;
                let items = self.items("}", depth + 1, Some(&t))?;
                Ok(Math::Seq(Fence::Brace, items))
            }
            Tok::Op("...") => {
                self.pos += 1;
                Ok(Math::Constant(Constant::Ellipsis))
            }
            _ => Err(self.error_at(&t, "a number, a name or a bracket")),
        }
    }

    /// A word: a constant, a big operator, a fence function, or a name.
    fn word(&mut self, w: String, depth: usize) -> PResult<Math> {
        let big = match w.as_str() {
            "sum" => Some(BigOp::Sum),
            "prod" => Some(BigOp::Prod),
            "lim" => Some(BigOp::Lim),
            "max" | "min" | "argmin" | "argmax" if self.peek_op() == Some("_") => Some(match w.as_str() {
                "max" => BigOp::Max,
                "min" => BigOp::Min,
                "argmin" => BigOp::ArgMin,
                _ => BigOp::ArgMax,
            }),
            _ => None,
        };
        if let Some(op) = big {
            let mut under = None;
            let mut over = None;
            loop {
                if self.eat_op("_") {
                    under = Some(Box::new(self.script(depth)?));
                } else if self.eat_op("^") {
                    over = Some(Box::new(self.script(depth)?));
                } else {
                    break;
                }
            }
            let body = self.product(depth + 1)?;
            return Ok(Math::BigOp { op, under, over, body: Box::new(body) });
        }
        Ok(word_math(&w))
    }
}

fn tok_text(t: &Token) -> String {
    match &t.tok {
        Tok::Op(o) => o.to_string(),
        Tok::Word(w) => w.clone(),
        _ => "bracket".into(),
    }
}

/// A word on its own: a constant or a name.
fn word_math(w: &str) -> Math {
    match w {
        "inf" => Math::Constant(Constant::Infinity),
        "RR" => Math::Constant(Constant::Reals),
        "nabla" => Math::Constant(Constant::Nabla),
        "partial" => Math::Constant(Constant::Partial),
        "emptyset" => Math::Constant(Constant::EmptySet),
        _ => Math::Name(w.to_string()),
    }
}

fn is_nameish(m: &Math) -> bool {
    matches!(m, Math::Name(_))
}

fn is_function_name(m: &Math) -> bool {
    match m {
        Math::Name(_) => true,
        Math::Script { base, .. } | Math::Prime(base) => is_function_name(base),
        _ => false,
    }
}

/// `f(x)`: a fence function, the square root, an operator or a name.
fn apply(f: Math, args: Vec<Math>) -> Math {
    if let Math::Name(n) = &f {
        if let Some((_, fence)) = FENCE_FUNCTIONS.iter().find(|x| x.0 == n) {
            let inner = if args.len() == 1 {
                args.into_iter().next().unwrap_or(Math::int(0))
            } else {
                Math::Seq(Fence::None, args)
            };
            return Math::Fenced(*fence, Box::new(inner));
        }
        if n == "sqrt" {
            return Math::Apply(Func::Sqrt, args);
        }
        return Math::apply(n.clone(), args);
    }
    // `h'(x)`, `f_1(x)`: a decorated name applied.
    Math::Apply(Func::Named(String::new()), std::iter::once(f).chain(args).collect())
}

/// `[a, b]` is a column vector; `[[1, 2], [3, 4]]` a matrix by rows.
fn bracket_list(items: Vec<Math>) -> Math {
    let rows: Option<Vec<Vec<Math>>> = items
        .iter()
        .map(|i| match i {
            Math::Matrix(r) if r.iter().all(|x| x.len() == 1) => Some(r.iter().map(|x| x[0].clone()).collect()),
            _ => None,
        })
        .collect();
    match rows {
        Some(rows) if !rows.is_empty() && rows.iter().all(|r| r.len() == rows[0].len()) => Math::Matrix(rows),
        _ => Math::column(items),
    }
}

/// Parentheses that only group, around a fraction's part, are dropped.
fn unparen(m: Math) -> Math {
    match m {
        Math::Fenced(Fence::Paren, inner) => *inner,
        m => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Math {
        parse_math(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn products_sums_and_scripts() {
        assert_eq!(
            p("2 x + b"),
            Math::Sum(vec![
                (Sign::Plus, Math::Product(vec![Math::int(2), Math::name("x")])),
                (Sign::Plus, Math::name("b"))
            ])
        );
        assert_eq!(p("X^T"), Math::Transpose(Box::new(Math::name("X"))));
        assert_eq!(p("A^-1"), Math::Inverse(Box::new(Math::name("A"))));
        assert_eq!(p("x_(i+1)"), Math::name("x").sub(p("i + 1")));
        assert_eq!(p("w^((t))"), Math::name("w").sup(Math::Fenced(Fence::Paren, Box::new(Math::name("t")))));
        assert_eq!(p("w[1,0]"), Math::Symbol(Symbol::indexed("w", &[1, 0])));
    }

    #[test]
    fn fractions_bind_tighter_than_side_by_side() {
        assert_eq!(
            p("1/2 x"),
            Math::Product(vec![Math::Frac(Box::new(Math::int(1)), Box::new(Math::int(2))), Math::name("x")])
        );
        assert_eq!(p("(a + b)/c"), Math::Frac(Box::new(p("a + b")), Box::new(Math::name("c"))));
    }

    #[test]
    fn functions_fences_and_big_operators() {
        assert_eq!(p("floor(x)"), Math::Fenced(Fence::Floor, Box::new(Math::name("x"))));
        assert_eq!(p("det(G)"), Math::Apply(Func::Operator("det"), vec![Math::name("G")]));
        assert_eq!(p("h(x)"), Math::Apply(Func::Named("h".into()), vec![Math::name("x")]));
        assert!(matches!(p("sum_(i=1)^n x_i"), Math::BigOp { op: BigOp::Sum, .. }));
        assert!(matches!(p("max_(x in S) f(x)"), Math::BigOp { op: BigOp::Max, .. }));
        assert!(matches!(p("max(a, b)"), Math::Apply(Func::Operator("max"), _)));
        // A space before the parenthesis makes a product, not an application.
        assert!(matches!(p("h (x + 1)"), Math::Product(_)));
    }

    #[test]
    fn relations_chain_and_lists_split() {
        assert!(matches!(p("0 < eta < 1/lambda_max"), Math::Relation(_, ref r) if r.len() == 2));
        assert!(matches!(p("a = 1, b = 2"), Math::Seq(Fence::None, ref v) if v.len() == 2));
        assert_eq!(
            p("[[1, 2], [3, 4]]"),
            Math::Matrix(vec![vec![Math::int(1), Math::int(2)], vec![Math::int(3), Math::int(4)]])
        );
        assert_eq!(p("[1, 2]"), Math::column(vec![Math::int(1), Math::int(2)]));
    }

    #[test]
    fn holes_take_their_fills() {
        let m = template("#X w", &[("X", Math::name("Data").into())]);
        assert_eq!(m, Math::Product(vec![Math::name("Data"), Math::name("w")]));
        let s = prose_template("with #n examples and $#X^T$", &[("n", 3.into()), ("X", Math::name("X").into())]);
        assert_eq!(s.0.len(), 4);
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = parse_math("a + ").unwrap_err();
        assert_eq!(e.at, 4);
        assert!(e.message.contains("expected"), "{}", e.message);
        let e = parse_math("f(x").unwrap_err();
        assert!(e.message.contains("to close"), "{}", e.message);
        let e = parse_math("a ≤ b").unwrap_err();
        assert!(e.message.contains("not math notation"), "{}", e.message);
        assert!(parse_math(&"(".repeat(200)).is_err());
    }

    #[test]
    fn prose_splits_text_math_and_code() {
        let ps = parse_prose("Give $W$ and `b`.\n\nThen \\$5.").unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0].0,
            vec![
                Inline::Text("Give ".into()),
                Inline::Math(Math::name("W")),
                Inline::Text(" and ".into()),
                Inline::Code("b".into()),
                Inline::Text(".".into())
            ]
        );
        assert_eq!(ps[1].0, vec![Inline::Text("Then $5.".into())]);
        let e = parse_prose("one $x").unwrap_err();
        assert_eq!(e.at, 4);
    }
}
