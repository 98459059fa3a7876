//! Explanations: what a derivation says, as structure rather than text.
//!
//! A derivation explains itself in numbered steps. A step is prose with
//! inline formulas, displayed formulas (relation chains, aligned lines),
//! tables and lists, all built from the same exact values the answer is
//! made of. Nothing here chooses a notation, a layout or a size limit: the
//! presentation layer (`render`) does, once, for every format.
//!
//! Formulas and prose are written in nnkey's math notation
//! ([`crate::language::math`]) with `#name` holes for values:
//!
//! ```ignore
//! step.display(math!("#z = #W #x + #b", z = z.clone(), W = w, x = x, b = b));
//! ex.step(prose!("Pad the input with zeros, to #rows × #cols.", rows = 5, cols = 5));
//! ```
//!
//! Letters a derivation introduces (an iteration index, a coefficient)
//! come from [`Letters`], which avoids the problem's own names.

use std::collections::HashSet;

pub use crate::language::math::{Fill, Inline, Math, Prose, Rel, words};

use crate::algebra::{Matrix, Poly, Q, RatFunc};
use crate::language::math::{Fence, Func, Sign};
use crate::model::image::Shape;
use crate::model::{Problem, Value};

/// A value as a formula, its exact entries kept as they are (the
/// presentation layer writes them out).
pub fn value(v: &Value) -> Math {
    match v {
        Value::Scalar(r) => Math::Ratio(r.clone()),
        Value::Formula(f) => Math::Formula(f.clone()),
        Value::Floor(f) => floor_math(f),
        Value::Matrix(m) => matrix(m),
        Value::Sparse(s) => poly_matrix(&s.to_dense()),
        Value::Bool(b) => Math::Text(b.to_string()),
        Value::Word(w) => Math::Text(w.clone()),
        Value::Text(t) => Math::Text(t.clone()),
        Value::List(items) => Math::Seq(Fence::Bracket, items.iter().map(value).collect()),
        Value::Tuple(items) => Math::Seq(Fence::Paren, items.iter().map(value).collect()),
        Value::Record(fields) => Math::Record(fields.iter().map(|(k, x)| (k.clone(), value(x))).collect()),
        Value::Maps(a, b) => Math::Relation(Box::new(value(a)), vec![(Rel::MapsTo, value(b))]),
        Value::Call(..) if crate::model::value::radical_of(v).is_some() => {
            radical(&crate::model::value::radical_of(v).expect("a radical"))
        }
        Value::Call(name, args) => Math::Apply(Func::Named(name.clone()), args.iter().map(value).collect()),
    }
}

/// r₀ + r₁·√D or r₀ + r₁·|p| as a formula.
pub fn radical(r: &crate::algebra::Radical) -> Math {
    use crate::algebra::radical::Atom;
    let Some((r0, r1, atom)) = r.parts() else {
        if let crate::algebra::Radical::Rational(q) = r {
            return Math::Ratio(q.clone());
        }
        unreachable!()
    };
    let a = match atom {
        Atom::Sqrt(d) => Math::Apply(Func::Sqrt, vec![Math::Poly(d.clone())]),
        Atom::Abs(p) => Math::Fenced(Fence::Abs, Box::new(Math::Poly(p.clone()))),
    };
    let (sign, c) = if r1.num().leading_coeff().is_negative() { (Sign::Minus, -r1) } else { (Sign::Plus, r1.clone()) };
    let term = if c == RatFunc::one() { a } else { Math::Product(vec![Math::Ratio(c), a]) };
    if r0.is_zero() {
        return if sign == Sign::Minus { Math::Neg(Box::new(term)) } else { term };
    }
    // A polynomial rational part is written term by term, so that the sum
    // needs no parentheses: a^2 + 1 + |a|.
    let mut items: Vec<(Sign, Math)> = match r0.as_poly() {
        Some(p) => p
            .terms()
            .iter()
            .map(|(m, c)| {
                let t = Poly::term(m.clone(), c.abs());
                (if c.is_negative() { Sign::Minus } else { Sign::Plus }, Math::Poly(t))
            })
            .collect(),
        None => vec![(Sign::Plus, Math::Ratio(r0.clone()))],
    };
    items.push((sign, term));
    Math::Sum(items)
}

/// A polynomial with floors as a formula: `⌊(n + 2p − k)/s⌋ + 1`.
pub fn floor_math(f: &crate::algebra::FloorPoly) -> Math {
    use crate::language::math::Sign;
    let atom = |a: &crate::algebra::floor::Atom| {
        Math::Fenced(
            Fence::Floor,
            Box::new(Math::Frac(Box::new(Math::Poly(a.num.clone())), Box::new(Math::Poly(a.den.clone())))),
        )
    };
    let mut terms: Vec<(Sign, Math)> = Vec::new();
    let mut keys: Vec<_> = f.terms().collect();
    keys.sort_by_key(|(k, _)| k.is_empty());
    for (k, c) in keys {
        let mut factors: Vec<Math> = k
            .iter()
            .map(|(a, e)| {
                if *e == 1 {
                    atom(a)
                } else {
                    Math::Script { base: Box::new(atom(a)), sub: None, sup: Some(Box::new(Math::from(*e as usize))) }
                }
            })
            .collect();
        if k.is_empty() {
            // The polynomial part term by term, each with its sign.
            for (m, q) in c.terms() {
                let sign = if q.is_negative() { Sign::Minus } else { Sign::Plus };
                terms.push((sign, Math::Poly(Poly::term(m.clone(), q.abs()))));
            }
            continue;
        }
        let negative = c.as_constant().is_some_and(|q| q.is_negative());
        let c = if negative { -c } else { c.clone() };
        if !c.is_one() {
            let coefficient =
                if c.len() > 1 { Math::Fenced(Fence::Paren, Box::new(Math::Poly(c))) } else { Math::Poly(c) };
            factors.insert(0, coefficient);
        }
        let term = if factors.len() == 1 { factors.pop().expect("one factor") } else { Math::Product(factors) };
        terms.push((if negative { Sign::Minus } else { Sign::Plus }, term));
    }
    match terms.len() {
        0 => Math::int(0),
        1 if terms[0].0 == Sign::Plus => terms.pop().expect("one term").1,
        _ => Math::Sum(terms),
    }
}

/// A matrix of rational functions as a formula (a column vector too).
pub fn matrix(m: &Matrix<RatFunc>) -> Math {
    Math::Matrix((0..m.rows()).map(|r| m.row(r).iter().map(|x| Math::Ratio(x.clone())).collect()).collect())
}

/// A matrix of polynomials as a formula.
pub fn poly_matrix(m: &Matrix<Poly>) -> Math {
    Math::Matrix((0..m.rows()).map(|r| m.row(r).iter().map(|x| Math::Poly(x.clone())).collect()).collect())
}

/// A formula from nnkey's math notation with `#name` holes:
/// `math!("#X^T #y", X = x, y = y)`.
#[macro_export]
macro_rules! math {
    ($t:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::language::math::template($t, &[$((stringify!($k), $crate::language::math::Fill::from($v))),*])
    };
}

/// Prose with `$…$` formulas and `#name` holes:
/// `prose!("Dense layer #k: $#z = #W #a + #b$.", k = 2, …)`.
#[macro_export]
macro_rules! prose {
    ($t:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::language::math::prose_template($t, &[$((stringify!($k), $crate::language::math::Fill::from($v))),*])
    };
}

/// How far into the derivation a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// A step a student needs: shown in the solutions and the full key.
    Solution,
    /// A step for staff (how nnkey computed or double-checked something):
    /// shown in the full key only.
    Detail,
}

/// One part of a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Prose(Prose),
    /// One displayed formula (a relation chain reads `a = b = c`).
    Display(Math),
    /// Several displayed formulas, aligned at their first relation.
    Aligned(Vec<Math>),
    Table(Table),
    /// A bulleted list.
    Items(Vec<Prose>),
    /// The first items of a long enumeration (one per output entry, row,
    /// unit or region): `total` says how many there are in all. A document
    /// shows as many of `items` as its limits allow and says how many more.
    Listing {
        total: usize,
        items: Vec<Block>,
    },
    /// A picture, drawn by the presentation layer (SVG in HTML, TikZ in
    /// LaTeX) where a person would rather look than read.
    Figure(Figure),
}

/// A picture: one or more panels side by side (a domain next to the box
/// it maps onto), each a plane in the problem's own coordinates, exact:
/// what is drawn and what each mark means, never how (sizes, colors, ticks
/// and fonts are the presentation layer's).
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What the picture shows, in a sentence: its caption, and the text a
    /// screen reader says for it.
    pub caption: Prose,
    pub panels: Vec<Panel>,
    /// Whether the picture draws the answer itself (a matrix's nonzero
    /// pattern) rather than the reasoning: the solutions leave it out where
    /// they print the answer in full.
    pub shows_answer: bool,
}

/// The closed interval `[lo, hi]`, which a formula's `[a, b]` would read
/// as a vector.
pub fn closed_interval(lo: &Q, hi: &Q) -> Math {
    Math::Seq(crate::language::math::Fence::Bracket, vec![Math::from(lo), Math::from(hi)])
}

/// Most panels a picture of images has: beyond, only the first channels.
const PICTURED_PANELS: usize = 3;

impl Figure {
    /// Images side by side, each channel its own panel, with the shade
    /// each is drawn in; `None` for a flat vector, which is no picture.
    pub fn images(shape: Shape, caption: &str, images: &[(&str, &[Q], Shade)]) -> Option<Figure> {
        let Shape::Image([c, h, w]) = shape else { return None };
        let mut panels = Vec::new();
        for (title, entries, shade) in images {
            for k in 0..c {
                let rows = (0..h).map(|r| entries[(k * h + r) * w..(k * h + r + 1) * w].to_vec()).collect();
                let title = if c > 1 { format!("{title}, channel {k}") } else { title.to_string() };
                panels.push(Panel::image(Prose::text(title), rows, shade.clone()));
            }
        }
        panels.truncate(PICTURED_PANELS);
        Some(Figure { caption: Prose::text(caption), panels, shows_answer: false })
    }
}

/// One plane of a figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// A few words over the panel ("the domain", "the target"), if any.
    pub title: Option<Prose>,
    pub x: Axis,
    pub y: Axis,
    pub marks: Vec<Mark>,
}

/// An axis: its label and the exact range shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub label: Math,
    pub lo: crate::algebra::Q,
    pub hi: crate::algebra::Q,
    /// Exact values to mark on the axis; empty to let the presentation
    /// layer choose round ones.
    pub ticks: Vec<crate::algebra::Q>,
}

/// A point of the plane.
pub type Point = (crate::algebra::Q, crate::algebra::Q);

/// One thing drawn, with what it means.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A polygonal line (a graph, a path of iterates).
    Line { points: Vec<Point>, role: Role, label: Option<Math> },
    /// A filled region (a polygon, an interval drawn as a band).
    Region { points: Vec<Point>, role: Role, label: Option<Math> },
    /// A point, with its label.
    Dot { at: Point, role: Role, label: Option<Math> },
    /// An arrow from one point to another (a gradient, a step).
    Arrow { from: Point, to: Point, role: Role, label: Option<Math> },
    /// A vertical line across the picture (a breakpoint).
    Rule { x: crate::algebra::Q, role: Role, label: Option<Math> },
    /// An image, one shade per pixel, row 0 at the top. It fills its panel,
    /// whose axes count its columns (x) and rows (y); see [`Panel::image`].
    Cells { rows: Vec<Vec<crate::algebra::Q>>, shade: Shade },
}

/// How the values of [`Mark::Cells`] map to shades.
#[derive(Clone, Debug, PartialEq)]
pub enum Shade {
    /// From `lo` (lightest) to `hi` (darkest): pixel values, a saliency map.
    Range { lo: crate::algebra::Q, hi: crate::algebra::Q },
    /// Centred on 0, from `-max` (lightest) through 0 (half) to `max`
    /// (darkest): a gradient, a perturbation.
    Signed { max: crate::algebra::Q },
}

impl Shade {
    /// The range of the values themselves.
    pub fn range_of<'a>(values: impl IntoIterator<Item = &'a crate::algebra::Q>) -> Shade {
        let mut it = values.into_iter();
        let first = it.next().cloned().unwrap_or_else(crate::algebra::Q::zero);
        let (lo, hi) = it.fold((first.clone(), first), |(lo, hi), v| {
            (if *v < lo { v.clone() } else { lo }, if *v > hi { v.clone() } else { hi })
        });
        Shade::Range { lo, hi }
    }

    /// Centred on 0 and as wide as the largest absolute value.
    pub fn signed_of<'a>(values: impl IntoIterator<Item = &'a crate::algebra::Q>) -> Shade {
        let max = values.into_iter().map(|v| v.abs()).max().unwrap_or_else(crate::algebra::Q::zero);
        Shade::Signed { max }
    }
}

impl Panel {
    /// A panel that shows one channel of an image, `rows` of equal length.
    pub fn image(title: Prose, rows: Vec<Vec<crate::algebra::Q>>, shade: Shade) -> Panel {
        let h = rows.len();
        let w = rows.first().map_or(0, Vec::len);
        let axis = |label: &str, n: usize| Axis {
            label: Math::Text(label.into()),
            lo: crate::algebra::Q::zero(),
            hi: crate::algebra::Q::from_int(n as i64),
            ticks: vec![],
        };
        Panel { title: Some(title), x: axis("column", w), y: axis("row", h), marks: vec![Mark::Cells { rows, shade }] }
    }

    /// The image this panel shows, if it shows one.
    pub fn cells(&self) -> Option<(&[Vec<crate::algebra::Q>], &Shade)> {
        self.marks.iter().find_map(|m| match m {
            Mark::Cells { rows, shade } => Some((rows.as_slice(), shade)),
            _ => None,
        })
    }
}

/// What a mark means; the presentation layer gives each its look, legible
/// in grayscale print too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The function itself, or the main object.
    Main,
    /// A secondary object: a tangent line, one side's piece.
    Accent,
    /// A second secondary object (the other side at a kink).
    Second,
    /// Counted, true, positive class, identified region.
    Yes,
    /// Not counted, false, negative class.
    No,
    /// A target or reference set (the box regions map onto, a solution set).
    Target,
    /// Marks that show the structure behind the picture (kinks, grid lines).
    Guide,
}

/// The most items a derivation builds for a [`Block::Listing`]; documents
/// show at most this many, usually fewer.
pub const LISTING_CAP: usize = 32;

/// A table: a header row and rows of cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub header: Vec<Prose>,
    pub rows: Vec<Vec<Prose>>,
}

/// One numbered step of a derivation.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub depth: Depth,
    pub blocks: Vec<Block>,
}

impl Step {
    pub fn new(depth: Depth, prose: Prose) -> Step {
        Step { depth, blocks: vec![Block::Prose(prose)] }
    }

    pub fn display(&mut self, m: Math) -> &mut Step {
        self.blocks.push(Block::Display(m));
        self
    }

    pub fn aligned(&mut self, lines: Vec<Math>) -> &mut Step {
        self.blocks.push(Block::Aligned(lines));
        self
    }

    pub fn prose(&mut self, p: Prose) -> &mut Step {
        self.blocks.push(Block::Prose(p));
        self
    }

    pub fn table(&mut self, t: Table) -> &mut Step {
        self.blocks.push(Block::Table(t));
        self
    }

    pub fn items(&mut self, items: Vec<Prose>) -> &mut Step {
        self.blocks.push(Block::Items(items));
        self
    }

    pub fn figure(&mut self, f: Figure) -> &mut Step {
        self.blocks.push(Block::Figure(f));
        self
    }

    /// A long enumeration: `items` are its first blocks (at most
    /// [`LISTING_CAP`]), `total` how many there are.
    pub fn listing(&mut self, total: usize, items: Vec<Block>) -> &mut Step {
        self.blocks.push(Block::Listing { total, items });
        self
    }
}

/// A derivation's explanation: its steps in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    pub steps: Vec<Step>,
    /// The answer as a student writes it, in the question's own terms
    /// (`X^T (X X^T)^-1 y`), when its exact value is an expansion no one
    /// would write by hand: documents for students show this form, the full
    /// key shows both.
    pub closed_form: Option<Math>,
}

impl Explanation {
    pub fn new() -> Explanation {
        Explanation::default()
    }

    /// Adds a step a student needs, and returns it for more blocks.
    pub fn step(&mut self, prose: Prose) -> &mut Step {
        self.push(Step::new(Depth::Solution, prose))
    }

    /// Adds a step for staff only, and returns it for more blocks.
    pub fn detail(&mut self, prose: Prose) -> &mut Step {
        self.push(Step::new(Depth::Detail, prose))
    }

    pub fn push(&mut self, step: Step) -> &mut Step {
        self.steps.push(step);
        let last = self.steps.len() - 1;
        &mut self.steps[last]
    }
}

impl From<Vec<Step>> for Explanation {
    fn from(steps: Vec<Step>) -> Explanation {
        Explanation { steps, closed_form: None }
    }
}

/// The letters a derivation may introduce without colliding with the
/// problem's own names.
#[derive(Clone, Debug, Default)]
pub struct Letters {
    taken: HashSet<String>,
}

impl Letters {
    /// The names a problem already uses: its declared objects and the
    /// symbols of its entries.
    pub fn of(problem: &Problem) -> Letters {
        let mut taken: HashSet<String> = problem.objects.iter().map(|o| o.name.clone()).collect();
        for v in 0..problem.ring.len() {
            taken.insert(problem.ring.symbol(crate::algebra::Var(v as u32)).name.clone());
        }
        Letters { taken }
    }

    /// Names the derivation itself uses (an object's own name, say), which
    /// later letters must avoid too.
    pub fn take(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// The first candidate that is free, else the first with the smallest
    /// number appended that makes it free; it is taken from then on.
    pub fn fresh(&mut self, candidates: &[&str]) -> Math {
        let chosen =
            candidates.iter().find(|c| !self.taken.contains(**c)).map(|c| c.to_string()).unwrap_or_else(|| {
                let first = candidates.first().copied().unwrap_or("u");
                (1..).map(|k| format!("{first}{k}")).find(|c| !self.taken.contains(c)).unwrap_or_default()
            });
        self.taken.insert(chosen.clone());
        Math::Name(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_letters_avoid_taken_names() {
        let mut l = Letters::default();
        l.take("t");
        assert_eq!(l.fresh(&["t", "k"]), Math::name("k"));
        assert_eq!(l.fresh(&["t", "k"]), Math::name("t1"));
    }

    #[test]
    fn templates_fill_holes() {
        let m = crate::math!("#a + 1", a = Math::name("z"));
        assert_eq!(crate::render::math::text::inline(&m), "z + 1");
        let p = crate::prose!("Layer #k has $#n$ units.", k = 2, n = 3);
        assert_eq!(p.0.len(), 5);
    }
}
