//! `identified regions of NET from BOX onto BOX`: which networks, composed
//! how, between which open boxes, with which sizes left symbolic.
//!
//! A box is a product of open intervals (`(0,1)^d`, `(0,1) x (-1,1)`,
//! `R^2`); regions and their images are open, so that "maps R bijectively
//! onto O" compares open sets exactly and the kinks between regions belong
//! to no region.

use crate::algebra::Q;
use crate::language::syntax::{Bound, BoxSyntax, Expr, ExprKind, Ident, RegionsSyntax, Size};
use crate::language::{Diagnostic, Span};

use super::network::{Concrete, Network, network_named};
use super::value::{Binding, Scope, eval};

/// An open interval; `None` is an infinite end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    pub lo: Option<Q>,
    pub hi: Option<Q>,
}

impl Interval {
    pub fn contains(&self, x: &Q) -> bool {
        self.lo.as_ref().is_none_or(|lo| lo < x) && self.hi.as_ref().is_none_or(|hi| x < hi)
    }

    /// A point inside: the midpoint, or one step in from the finite end.
    pub fn interior_point(&self) -> Q {
        match (&self.lo, &self.hi) {
            (Some(lo), Some(hi)) => &(lo + hi) / &Q::from_int(2),
            (Some(lo), None) => lo + &Q::one(),
            (None, Some(hi)) => hi - &Q::one(),
            (None, None) => Q::zero(),
        }
    }

    /// `(0, 1/2)`, `(-inf, 0)`.
    pub fn text(&self) -> String {
        let end = |e: &Option<Q>, inf: &str| e.as_ref().map_or(inf.to_string(), |q| q.to_string());
        format!("({}, {})", end(&self.lo, "-inf"), end(&self.hi, "inf"))
    }
}

/// An open box written in a query, with its powers still possibly symbolic.
#[derive(Clone, Debug)]
pub struct OpenBox {
    pub factors: Vec<(Interval, Option<Size>)>,
    pub span: Span,
    /// As written, for messages: `(0,1)^d`.
    pub text: String,
}

impl OpenBox {
    /// The intervals of each coordinate, with the symbolic sizes given
    /// numbers.
    pub fn coordinates(&self, values: &[(String, i64)], scope: &dyn Scope) -> Result<Vec<Interval>, Diagnostic> {
        let mut out = Vec::new();
        for (interval, power) in &self.factors {
            let n = match power {
                None => 1,
                Some(Size::Number(n, _)) => *n as i64,
                Some(Size::Symbol(id)) => match values.iter().find(|v| v.0 == id.name) {
                    Some((_, v)) => *v,
                    None => declared_number(id, scope)?,
                },
            };
            if !(1..=4096).contains(&n) {
                return Err(Diagnostic::error(self.span, format!("a box of {n} coordinates is not supported"))
                    .with_label("between 1 and 4096 coordinates"));
            }
            out.extend(std::iter::repeat_n(interval.clone(), n as usize));
        }
        Ok(out)
    }

    /// The symbols among the powers.
    fn symbols(&self) -> impl Iterator<Item = &Ident> {
        self.factors.iter().filter_map(|(_, p)| match p {
            Some(Size::Symbol(id)) => Some(id),
            _ => None,
        })
    }
}

/// The whole real line, d times: the default domain.
pub fn whole_space(span: Span) -> OpenBox {
    OpenBox { factors: vec![(Interval { lo: None, hi: None }, None)], span, text: "R^n".into() }
}

/// A symbolic size of the query: a network's input dimension or a repeat
/// count, with where it first appears.
#[derive(Clone, Debug)]
pub struct SizeSymbol {
    pub name: String,
    pub span: Span,
    /// Whether it is an input dimension (`d`) rather than a repeat count (`L`).
    pub is_dimension: bool,
}

/// `identified regions of NET from BOX onto BOX`, resolved.
#[derive(Clone, Debug)]
pub struct RegionsQuery {
    /// The networks, outermost first: `f ∘ g` is `[f, g]`, and g runs first.
    pub networks: Vec<Network>,
    /// All of R^d when the query says no `from`.
    pub domain: Option<OpenBox>,
    pub onto: OpenBox,
    /// Where each inner network maps onto the next one's domain; `onto`
    /// when absent.
    pub through: Option<OpenBox>,
    /// The sizes left symbolic, in order of appearance.
    pub symbols: Vec<SizeSymbol>,
    pub span: Span,
}

impl RegionsQuery {
    /// `f ∘ g`, or `f`.
    pub fn name(&self) -> String {
        self.networks.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(" ∘ ")
    }

    /// The box between the inner networks.
    pub fn middle(&self) -> &OpenBox {
        self.through.as_ref().unwrap_or(&self.onto)
    }

    /// The domain and the target of the k-th network in the order they run
    /// (innermost first): the query's domain for the first, its target for
    /// the last, the middle box between them.
    pub fn sides(&self, k: usize) -> (Option<&OpenBox>, &OpenBox) {
        let from = if k == 0 { self.domain.as_ref() } else { Some(self.middle()) };
        let to = if k + 1 == self.networks.len() { &self.onto } else { self.middle() };
        (from, to)
    }
}

fn declared_number(id: &Ident, scope: &dyn Scope) -> Result<i64, Diagnostic> {
    match scope.binding(&id.name) {
        Some(Binding::Value(v)) => v.as_int().ok_or_else(|| {
            Diagnostic::error(id.span, format!("`{}` must be a whole number", id.name)).with_label(format!(
                "`{}` is {}",
                id.name,
                v.describe()
            ))
        }),
        _ => Err(Diagnostic::error(id.span, format!("`{}` is not a size of the networks in this query", id.name))
            .with_label("unknown size")
            .with_hint(
                "a box's power is a number, a declared number, or the input dimension of the network: `(0,1)^d`",
            )),
    }
}

/// Evaluates one end of an interval to an exact rational.
fn bound(b: &Bound, scope: &dyn Scope, upper: bool) -> Result<Option<Q>, Diagnostic> {
    match b {
        Bound::Infinite { negative, span } => {
            if *negative != upper {
                Ok(None)
            } else {
                let (wrote, want) = if upper { ("-inf", "inf") } else { ("inf", "-inf") };
                Err(Diagnostic::error(*span, format!("`{wrote}` cannot end an interval on this side"))
                    .with_hint(format!("write `{want}`")))
            }
        }
        Bound::Finite(e) => {
            let v = eval(e, scope)?;
            v.as_rational().map(Some).ok_or_else(|| {
                Diagnostic::error(e.span, "an end of an interval must be a number")
                    .with_label(format!("this is {}", v.describe()))
            })
        }
    }
}

fn open_box(b: &BoxSyntax, scope: &dyn Scope) -> Result<OpenBox, Diagnostic> {
    let mut factors = Vec::new();
    for f in &b.factors {
        let interval = Interval { lo: bound(&f.lower, scope, false)?, hi: bound(&f.upper, scope, true)? };
        if let (Some(lo), Some(hi)) = (&interval.lo, &interval.hi)
            && lo >= hi
        {
            return Err(Diagnostic::error(f.span, "this interval is empty")
                .with_label(format!("{lo} is not below {hi}"))
                .with_hint("an open interval (a, b) needs a < b"));
        }
        factors.push((interval, f.power.clone()));
    }
    let text = factors
        .iter()
        .map(|(i, p): &(Interval, Option<Size>)| match p {
            None => i.text(),
            Some(Size::Number(n, _)) => format!("{}^{n}", i.text()),
            Some(Size::Symbol(id)) => format!("{}^{}", i.text(), id.name),
        })
        .collect::<Vec<_>>()
        .join(" x ");
    Ok(OpenBox { factors, span: b.span, text })
}

/// Elaborates the query: the networks exist, the boxes are well formed, and
/// every symbolic power of a box is a size of the networks.
pub fn elaborate(q: &RegionsSyntax, span: Span, scope: &dyn Scope) -> Result<RegionsQuery, Diagnostic> {
    let mut networks = Vec::new();
    for id in &q.networks {
        let e = Expr { kind: ExprKind::Name(id.name.clone()), span: id.span };
        networks.push(network_named(&e, scope)?.clone());
    }
    let mut symbols: Vec<SizeSymbol> = Vec::new();
    for net in &networks {
        let dim = match &net.dim {
            Size::Symbol(id) => Some(id.name.clone()),
            Size::Number(..) => None,
        };
        for (name, at) in net.symbols() {
            if scope.binding(&name).is_some() || symbols.iter().any(|s| s.name == name) {
                continue;
            }
            symbols.push(SizeSymbol { is_dimension: dim.as_deref() == Some(name.as_str()), name, span: at });
        }
    }
    let domain = q.domain.as_ref().map(|b| open_box(b, scope)).transpose()?;
    let onto = open_box(&q.onto, scope)?;
    let through = q.through.as_ref().map(|b| open_box(b, scope)).transpose()?;
    if through.is_some() && networks.len() < 2 {
        return Err(Diagnostic::error(q.through.as_ref().map_or(span, |b| b.span), "`through` needs a composition")
            .with_hint("it names the box between two networks: `identified regions of f ∘ g … through (0,1)^d`"));
    }
    for b in [&domain, &Some(onto.clone()), &through].into_iter().flatten() {
        for id in b.symbols() {
            let known = symbols.iter().any(|s| s.name == id.name && s.is_dimension);
            if !known {
                declared_number(id, scope).map_err(|d| {
                    if symbols.iter().any(|s| s.name == id.name) {
                        Diagnostic::error(id.span, format!("`{}` is a repeat count, not a dimension", id.name))
                            .with_hint("a box's power is the input dimension of the network")
                    } else {
                        d
                    }
                })?;
            }
        }
    }
    Ok(RegionsQuery { networks, domain, onto, through, symbols, span })
}

/// Values of the symbolic sizes, by name.
pub type Sizes = Vec<(String, i64)>;

/// The input dimensions and repeat counts a formula is checked on.
const DIMENSIONS: [i64; 3] = [1, 2, 3];
const REPEATS: [i64; 4] = [1, 2, 3, 4];

/// `d = 2, L = 3`.
pub fn sizes_text(sizes: &Sizes) -> String {
    sizes.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
}

/// The query at numeric sizes: the networks put together, its boxes.
#[derive(Clone, Debug)]
pub struct Instance {
    pub sizes: Sizes,
    /// The composition as one network.
    pub net: Concrete,
    /// Each network of the composition on its own, innermost first, with
    /// its domain and target.
    pub parts: Vec<(String, Concrete, Vec<Interval>, Vec<Interval>)>,
    pub domain: Vec<Interval>,
    pub target: Vec<Interval>,
}

/// A box of the query at an instance; no box is all of R^n.
pub fn coordinates(
    b: Option<&OpenBox>,
    n: usize,
    sizes: &Sizes,
    scope: &dyn Scope,
) -> Result<Vec<Interval>, Diagnostic> {
    match b {
        Some(b) => b.coordinates(sizes, scope),
        None => Ok(vec![Interval { lo: None, hi: None }; n]),
    }
}

impl RegionsQuery {
    /// Every combination of instance values for the symbols: dimensions
    /// 1 to 3, repeat counts 1 to 4; one empty combination when there are
    /// no symbols.
    pub fn grid(&self) -> Vec<Sizes> {
        let mut out: Vec<Sizes> = vec![Vec::new()];
        for s in &self.symbols {
            let values: &[i64] = if s.is_dimension { &DIMENSIONS } else { &REPEATS };
            out = out
                .into_iter()
                .flat_map(|base| {
                    values.iter().map(move |&v| {
                        let mut b = base.clone();
                        b.push((s.name.clone(), v));
                        b
                    })
                })
                .collect();
        }
        out
    }

    /// The query at the given sizes, with every shape checked.
    pub fn instance(&self, sizes: Sizes, scope: &dyn Scope) -> Result<Instance, Diagnostic> {
        let bound: Vec<(&str, i64)> = sizes.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let at = if sizes.is_empty() { String::new() } else { format!(" (at {})", sizes_text(&sizes)) };
        let mut parts = Vec::new();
        // Innermost first: the order the networks run in.
        for net in self.networks.iter().rev() {
            parts.push((net.name.clone(), net.instantiate(&bound, scope)?));
        }
        for w in parts.windows(2) {
            let (inner, outer) = (&w[0], &w[1]);
            if inner.1.output_dim() != outer.1.input_dim {
                return Err(Diagnostic::error(
                    self.span,
                    format!(
                        "`{}` gives {} values but `{}` takes {}{at}",
                        inner.0,
                        inner.1.output_dim(),
                        outer.0,
                        outer.1.input_dim
                    ),
                )
                .with_label("these cannot be composed"));
            }
        }
        let input_dim = parts[0].1.input_dim;
        let mut sides = Vec::with_capacity(parts.len());
        for (k, (_, c)) in parts.iter().enumerate() {
            let (from, to) = self.sides(k);
            sides.push((coordinates(from, c.input_dim, &sizes, scope)?, to.coordinates(&sizes, scope)?));
        }
        let (domain, target) = (sides[0].0.clone(), sides[sides.len() - 1].1.clone());
        let layers = parts.iter().flat_map(|p| p.1.layers.iter().cloned()).collect();
        let net = Concrete { input_dim, layers };
        let check = |b: &[Interval], n: usize, what: &str, span: Span| -> Result<(), Diagnostic> {
            if b.len() == n {
                return Ok(());
            }
            Err(Diagnostic::error(span, format!("this box has {} coordinates but {what} has {n}{at}", b.len()))
                .with_label(format!("{} coordinates", b.len())))
        };
        check(&domain, net.input_dim, "the network's input", self.domain.as_ref().map_or(self.span, |b| b.span))?;
        check(&target, net.output_dim(), "the network's output", self.onto.span)?;
        let through = self.through.as_ref().map_or(self.onto.span, |b| b.span);
        for ((name, c), (_, to)) in parts.iter().zip(&sides).take(parts.len() - 1) {
            check(to, c.output_dim(), &format!("the output of `{name}`"), through)?;
        }
        let parts = parts.into_iter().zip(sides).map(|((name, c), (from, to))| (name, c, from, to)).collect();
        Ok(Instance { sizes, net, parts, domain, target })
    }
}
