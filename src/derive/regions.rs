//! Identified regions: the input regions a network maps bijectively onto
//! an output box, counted exactly, with a formula in the symbolic sizes
//! (`2^(L*d)`) when the network's structure allows a proof, and the rule
//! for compositions (`n_f * n_g`).
//!
//! **What is counted.** The regions are the cells of the network's
//! activation pattern inside the domain (open sets on which the network is
//! one affine map, see `cells`); a region counts when the network maps it
//! bijectively onto the target box. Counting is exact enumeration on a
//! network whose sizes are numbers. A formula for symbolic sizes comes
//! from two facts, each shown as a step of the proof and each checked
//! against enumeration on instances:
//! - a network that acts on each coordinate alone with the same numbers is
//!   the d-fold product of a network of one input, and a product region is
//!   mapped onto a product box exactly when each side is: the count is the
//!   one-input count to the power d;
//! - if g maps each of its n_g regions of M bijectively onto M, and those
//!   regions cover M, then f ∘ g has n_f · n_g regions (each region of g
//!   carries a copy of f's), so a block repeated L times has n^L.
//!
//! **Order.** Regions are listed by a point inside each (the midpoint of a
//! box, the average of a polygon's corners), compared coordinate by
//! coordinate: in one input, left to right. Polytopes are written without
//! redundant inequalities, and a polytope whose inequalities each bound one
//! coordinate is written as the box it is.

use num_bigint::BigInt;

use crate::algebra::{Formula, Poly, Print, Q, Ring, Symbol, Var};
use crate::language::Diagnostic;
use crate::language::math::{Constant, InfixOp, Inline, Sign};
use crate::language::syntax::{Expr, ExprKind, LayerSyntax, Size};
use crate::model::regions::{Instance, Interval, OpenBox, RegionsQuery, SizeSymbol, Sizes, sizes_text};
use crate::model::{Concrete, Network, Problem, Value, compare};
use crate::{math, prose};

use super::budget::Work;
use super::cells::{self, Factor, Inverse, Numeric, Piece, Why};
use super::explain::{
    Axis, Block, Explanation, Figure, LISTING_CAP, Letters, Mark, Math, Panel, Prose, Rel, Role, Step, Table, words,
};
use super::plane::rectangle;

/// Identified regions kept per instance, in order, for the numeric check
/// and the JSON witness; beyond this they are only counted.
pub const LISTED: usize = 64;
/// Most cells the polytope enumeration visits.
const CELL_LIMIT: usize = 100_000;

/// One region and its inverse map.
#[derive(Clone, Debug)]
pub struct Region {
    pub shape: RegionShape,
    pub inverse: Inverse,
    /// A point inside: the midpoint of a box, the average of a polygon's
    /// corners, else a point the exact simplex found. Regions are listed in
    /// the order of these points; a picture can put the region's label
    /// there.
    pub inside: Vec<Q>,
}

/// The shape of a region.
#[derive(Clone, Debug, PartialEq)]
pub enum RegionShape {
    /// A product of open intervals, one per coordinate.
    Box(Vec<Interval>),
    /// An open polytope that is not a box.
    Polytope(Polytope),
}

/// An open polytope `{x : a·x < b for every (a, b)}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Polytope {
    /// The inequalities, none implied by the others, each scaled so that
    /// its first nonzero coefficient is 1 or -1.
    pub constraints: Vec<(Vec<Q>, Q)>,
    /// For a bounded polygon (two inputs), its corners counterclockwise
    /// from the lowest of the leftmost.
    pub vertices: Option<Vec<[Q; 2]>>,
}

/// A region, or a piece of one coordinate, that is not identified.
#[derive(Clone, Debug)]
pub struct CountedOut {
    pub place: Place,
    pub why: Why,
}

/// What is counted out.
#[derive(Clone, Debug)]
pub enum Place {
    /// A piece of one coordinate (the coordinate method): which coordinate
    /// (counting from 0; none when there is one), and its interval.
    Piece { coordinate: Option<usize>, interval: Interval },
    /// A region of the domain (the polytope method).
    Region { shape: RegionShape, inside: Vec<Q> },
}

impl Place {
    /// `coordinate 2: (1/3, 1)`, `(0, 1/2) x (1/2, 1)` for a box, `the region
    /// around (1/2, 1)` for any other polytope, for messages and the JSON
    /// witness.
    pub fn text(&self) -> String {
        match self {
            Place::Piece { coordinate: None, interval } => interval.text(),
            Place::Piece { coordinate: Some(i), interval } => format!("coordinate {}: {}", i + 1, interval.text()),
            Place::Region { shape: RegionShape::Box(sides), .. } => cells::boxed(sides),
            Place::Region { inside, .. } => {
                let at: Vec<String> = inside.iter().map(Q::to_string).collect();
                format!("the region around ({})", at.join(", "))
            }
        }
    }
}

/// How a count was found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Coordinates,
    Polytopes,
}

/// The exact enumeration of one network with numeric sizes.
#[derive(Clone, Debug)]
pub struct Enumeration {
    pub identified: u128,
    /// Regions in the domain, identified or not.
    pub total: u128,
    /// The first identified regions, in order (at most as many as asked).
    pub regions: Vec<Region>,
    /// The first regions (or pieces) counted out, in order, with why (at
    /// most [`LISTING_CAP`]).
    pub counted_out: Vec<CountedOut>,
    pub method: Method,
    /// Per coordinate, its pieces (coordinate method only).
    pub factors: Option<Vec<Factor>>,
}

impl Enumeration {
    /// How many regions, or pieces of coordinates, are counted out in all.
    pub fn counted_out_total(&self) -> u128 {
        match &self.factors {
            Some(fs) => fs.iter().map(|f| f.total - f.count).sum(),
            None => self.total - self.identified,
        }
    }
}

/// The count: a number, or a formula in the symbolic sizes.
#[derive(Clone, Debug)]
pub enum Count {
    Number(u128),
    Formula(Formula),
}

impl Count {
    pub fn value(&self) -> Value {
        match self {
            Count::Number(n) => count_value(*n),
            Count::Formula(f) => Value::formula(f.clone()),
        }
    }
}

/// The rule of a composition: the product of the atoms `n_f`, and each
/// network's count where nnkey proves a formula for it.
#[derive(Clone, Debug)]
pub struct Rule {
    pub formula: Formula,
    /// By network name (`f` for `n_f`), in the order the networks run.
    pub counts: Vec<(String, Formula)>,
}

/// The query at one choice of the symbolic sizes, enumerated.
#[derive(Clone, Debug)]
pub struct InstanceCount {
    pub sizes: Sizes,
    pub domain: Vec<Interval>,
    pub target: Vec<Interval>,
    pub enumeration: Enumeration,
    /// For a composition, each network's count here (by name, in the order
    /// they run, each once).
    pub parts: Vec<(String, u128)>,
}

/// The typed answer: the count, the rule of a composition, and the
/// instances enumerated with their regions.
#[derive(Clone, Debug)]
pub struct RegionsAnswer {
    /// The count for these networks: a number, a formula in the sizes; for
    /// a composition, the rule instantiated (none when a network has no
    /// formula).
    pub count: Option<Count>,
    /// For a composition, the rule the key states.
    pub rule: Option<Rule>,
    pub instances: Vec<InstanceCount>,
}

impl RegionsAnswer {
    /// The answer as a value, for the JSON output: `count`, `instances`
    /// (each with `sizes`, `count`, `regions in the domain`, `regions` with
    /// each `region` and its `inverse` `{ A, b }`, `counted out`), and for a
    /// composition `rule` and `n_f`, ….
    pub fn witness_value(&self) -> Value {
        let mut fields: Vec<(String, Value)> = Vec::new();
        if let Some(rule) = &self.rule {
            fields.push(("rule".into(), Value::formula(rule.formula.clone())));
            for (name, f) in &rule.counts {
                fields.push((format!("n_{name}"), Value::formula(f.clone())));
            }
        }
        if let Some(c) = &self.count {
            fields.push(("count".into(), c.value()));
        }
        fields.push(("instances".into(), Value::List(self.instances.iter().map(instance_value).collect())));
        Value::Record(fields)
    }
}

/// Enumerates the regions of `net` in `domain` and decides which it maps
/// bijectively onto `target`; keeps the first `keep` of them in order.
pub fn enumerate(net: &Concrete, domain: &[Interval], target: &[Interval], keep: usize) -> Result<Enumeration, String> {
    enumerate_within(net, domain, target, keep, &mut Work::default())
}

/// [`enumerate`] within the work `work` has left; see [`super::budget`].
pub fn enumerate_within(
    net: &Concrete,
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
    work: &mut Work,
) -> Result<Enumeration, String> {
    let numeric = Numeric::new(net)?;
    if domain.len() != net.input_dim {
        return Err(format!("the domain has {} coordinates, the network {} inputs", domain.len(), net.input_dim));
    }
    if target.len() != net.output_dim() {
        return Err(format!("the target has {} coordinates, the network {} outputs", target.len(), net.output_dim()));
    }
    match numeric.coordinate_lines() {
        Some(lines) => coordinates_within(&lines, domain, target, keep, work),
        None => polytopes_within(&numeric, domain, target, keep, work),
    }
}

/// The coordinate method; see the module `cells`.
pub fn by_coordinates(
    lines: &[cells::Line],
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
) -> Result<Enumeration, String> {
    coordinates_within(lines, domain, target, keep, &mut Work::default())
}

fn coordinates_within(
    lines: &[cells::Line],
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
    work: &mut Work,
) -> Result<Enumeration, String> {
    // Coordinates that follow the same line between the same sides share
    // one scan.
    let mut factors: Vec<Factor> = Vec::with_capacity(lines.len());
    for i in 0..lines.len() {
        let same = (0..i).find(|&j| lines[j] == lines[i] && domain[j] == domain[i] && target[j] == target[i]);
        let f = match same {
            Some(j) => factors[j].clone(),
            None => Factor::scan_within(&lines[i], &domain[i], &target[i], keep, work)?,
        };
        factors.push(f);
    }
    let too_many = || "more than 2^127 regions".to_string();
    let identified = factors.iter().try_fold(1u128, |a, f| a.checked_mul(f.count)).ok_or_else(too_many)?;
    let total = factors.iter().try_fold(1u128, |a, f| a.checked_mul(f.total)).ok_or_else(too_many)?;
    // Pieces come left to right, and products in lexicographic order: the
    // order of their midpoints.
    let mut regions = Vec::new();
    let refs: Vec<&Factor> = factors.iter().collect();
    cells::visit_products(&refs, &mut |pieces| {
        if regions.len() >= keep {
            return false;
        }
        regions.push(product_region(pieces));
        true
    });
    let mut counted_out = Vec::new();
    for (i, f) in factors.iter().enumerate() {
        for (p, why) in &f.counted_out {
            if counted_out.len() < LISTING_CAP {
                let coordinate = (lines.len() > 1).then_some(i);
                counted_out.push(CountedOut {
                    place: Place::Piece { coordinate, interval: p.interval.clone() },
                    why: why.clone(),
                });
            }
        }
    }
    Ok(Enumeration { identified, total, regions, counted_out, method: Method::Coordinates, factors: Some(factors) })
}

/// A product of pieces as a box region with its diagonal inverse map.
pub fn product_region(pieces: &[&Piece]) -> Region {
    let d = pieces.len();
    let mut matrix = vec![vec![Q::zero(); d]; d];
    let mut offset = Vec::with_capacity(d);
    for (i, p) in pieces.iter().enumerate() {
        let (s, o) = p.inverse().expect("identified pieces are not constant");
        matrix[i][i] = s;
        offset.push(o);
    }
    Region {
        shape: RegionShape::Box(pieces.iter().map(|p| p.interval.clone()).collect()),
        inverse: Inverse { matrix, offset },
        inside: pieces.iter().map(|p| p.interval.interior_point()).collect(),
    }
}

/// The polytope method; see the module `cells`. The regions kept are the
/// first in the order of their points inside, not of the enumeration.
pub fn by_polytopes(
    net: &Numeric,
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
) -> Result<Enumeration, String> {
    polytopes_within(net, domain, target, keep, &mut Work::default())
}

fn polytopes_within(
    net: &Numeric,
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
    work: &mut Work,
) -> Result<Enumeration, String> {
    let d = net.input_dim;
    let mut e = Enumeration {
        identified: 0,
        total: 0,
        regions: Vec::new(),
        counted_out: Vec::new(),
        method: Method::Polytopes,
        factors: None,
    };
    cells::cells(net, domain, CELL_LIMIT, work, &mut |cell, _| {
        e.total += 1;
        match cells::onto(cell, target)? {
            Ok(inverse) => {
                e.identified += 1;
                if keep > 0 {
                    let (shape, inside) = shape_of(&cell.constraints, d)?;
                    insert_in_order(&mut e.regions, Region { shape, inverse, inside }, |r| &r.inside, keep);
                }
            }
            Err(why) => {
                // Counting only: the first one found is enough to say why.
                let cap = if keep > 0 { LISTING_CAP } else { 1 };
                if keep > 0 || e.counted_out.is_empty() {
                    let (shape, inside) = shape_of(&cell.constraints, d)?;
                    let c = CountedOut { place: Place::Region { shape, inside }, why };
                    insert_in_order(&mut e.counted_out, c, place_key, cap);
                }
            }
        }
        Ok(())
    })?;
    Ok(e)
}

fn place_key(c: &CountedOut) -> &[Q] {
    match &c.place {
        Place::Region { inside, .. } => inside,
        Place::Piece { .. } => &[],
    }
}

/// Inserts `item` into a list sorted by `key`, keeping the first `cap`.
fn insert_in_order<T>(list: &mut Vec<T>, item: T, key: impl Fn(&T) -> &[Q], cap: usize) {
    let at = list.partition_point(|x| key(x) <= key(&item));
    if at < cap {
        list.insert(at, item);
        list.truncate(cap);
    }
}

/// A cell as a reader sees it: without redundant inequalities, as a box
/// when each inequality bounds one coordinate, with its corners when it is
/// a bounded polygon; and a point inside.
pub fn shape_of(constraints: &[(Vec<Q>, Q)], d: usize) -> Result<(RegionShape, Vec<Q>), String> {
    let kept = cells::irredundant(constraints, d)?;
    if let Some(sides) = cells::as_box(&kept, d) {
        let inside = sides.iter().map(Interval::interior_point).collect();
        return Ok((RegionShape::Box(sides), inside));
    }
    let vertices = if d == 2 { cells::polygon(&kept) } else { None };
    let inside = match &vertices {
        Some(v) => {
            let n = Q::from_int(v.len() as i64);
            (0..2).map(|k| &v.iter().map(|p| p[k].clone()).sum::<Q>() / &n).collect()
        }
        None => cells::interior_point(&kept, d)?.ok_or("a region without points")?,
    };
    Ok((RegionShape::Polytope(Polytope { constraints: kept, vertices }), inside))
}

// ---------------------------------------------------------------------------
// The query
// ---------------------------------------------------------------------------

/// The atom `n_f` that stands for a network's count in a composition rule.
fn atom(name: &str, ring: &Ring) -> Var {
    ring.var(&Symbol::plain(&format!("n_{name}")))
}

fn big(n: u128) -> Q {
    Q::from_bigints(BigInt::from(n), BigInt::from(1))
}

fn count_value(n: u128) -> Value {
    Value::scalar(big(n))
}

/// `n^e` as a formula: 0 and 1 stay constants.
fn power(n: u128, exponent: &Poly) -> Result<Formula, String> {
    if n <= 1 {
        return Ok(Formula::constant(big(n)));
    }
    Formula::power(&Formula::constant(big(n)), exponent)
}

/// The names an explanation uses: the input's, and letters of its own that
/// avoid every name of the problem.
struct Names {
    /// The input, `x` (its coordinates `x_1`, `x_2`, … when there are
    /// several).
    input: String,
    /// The output, in the inverse maps `x = A y + b`.
    output: Math,
    /// Regions `R_1`, `R_2`, ….
    region: Math,
    /// The network of one input a coordinate runs through, and its input.
    line: Math,
    line_input: Math,
    /// A coordinate index and an induction index.
    index: Math,
    step: Math,
}

impl Names {
    fn new(q: &RegionsQuery, problem: &Problem) -> Names {
        let mut letters = Letters::of(problem);
        for s in &q.symbols {
            letters.take(&s.name);
        }
        for n in &q.networks {
            letters.take(&n.name);
            letters.take(&n.input);
        }
        letters.take("n");
        let input = q.networks.last().map_or_else(|| "x".to_string(), |n| n.input.clone());
        Names {
            input,
            output: letters.fresh(&["y", "u", "v"]),
            region: letters.fresh(&["R", "S"]),
            line: letters.fresh(&["h", "phi"]),
            line_input: letters.fresh(&["t", "s"]),
            index: letters.fresh(&["i", "k"]),
            step: letters.fresh(&["j", "m"]),
        }
    }

    /// `x` for one coordinate, `x_1, …, x_d` for several.
    fn inputs(&self, d: usize) -> Vec<Math> {
        coordinates(Math::name(&self.input), d)
    }

    fn outputs(&self, d: usize) -> Vec<Math> {
        coordinates(self.output.clone(), d)
    }
}

fn coordinates(name: Math, d: usize) -> Vec<Math> {
    if d == 1 { vec![name] } else { (1..=d).map(|i| name.clone().sub(i)).collect() }
}

/// Derives the count: the value (a number, a formula, or the composition
/// rule), the explanation, and the typed answer.
pub fn derive(q: &RegionsQuery, problem: &Problem) -> Result<(Value, Explanation, RegionsAnswer), Diagnostic> {
    let ring = &problem.ring;
    let at = |e: String| Diagnostic::error(q.span, e);
    let instances: Vec<Instance> = q.grid().into_iter().map(|s| q.instance(s, problem)).collect::<Result<_, _>>()?;
    let mut enumerations = Vec::new();
    // One budget for every instance of the query.
    let mut work = Work::default();
    for inst in &instances {
        let e = enumerate_within(&inst.net, &inst.domain, &inst.target, LISTED, &mut work).map_err(|e| {
            if inst.sizes.is_empty() {
                return at(e);
            }
            at(format!("at {}: {e}", sizes_text(&inst.sizes))).with_hint(
                "a formula in the sizes is checked by enumerating instances; a size written as a number is the \
                 same in every instance, and a symbol takes small values",
            )
        })?;
        enumerations.push(e);
    }
    let names = Names::new(q, problem);
    if q.networks.len() > 1 {
        return compose(q, problem, &instances, enumerations, &names);
    }
    let net = &q.networks[0];
    let mut ex = Explanation::new();
    if q.symbols.is_empty() {
        let e = enumerations.into_iter().next().expect("one instance without symbols");
        listing_steps(&mut ex, net, &instances[0], &e, q, &names);
        let value = count_value(e.identified);
        let answer = RegionsAnswer {
            count: Some(Count::Number(e.identified)),
            rule: None,
            instances: vec![instance_count(&instances[0], e, Vec::new())],
        };
        return Ok((value, ex, answer));
    }
    // Symbolic sizes: a formula with its proof, checked on every instance.
    let (from, to) = q.sides(0);
    let formula = match formula_between(net, from, to, &q.symbols, problem, &names) {
        Ok(f) => f,
        Err(why) => {
            let counts: Vec<String> = instances
                .iter()
                .zip(&enumerations)
                .map(|(i, e)| format!("{}: {}", sizes_text(&i.sizes), e.identified))
                .collect();
            return Err(at(format!("nnkey cannot derive a formula for the count: {why}"))
                .with_hint(format!("exact counts of the instances: {}", counts.join("; "))));
        }
    };
    ex.steps.extend(formula.steps.clone());
    for (inst, e) in instances.iter().zip(&enumerations) {
        let expected = formula.value.eval(&|v| lookup(ring, &inst.sizes, v)).map_err(at)?;
        if expected != big(e.identified) {
            return Err(at(format!(
                "the formula {} gives {expected} at {}, but enumeration counts {}: nnkey will not give it",
                formula.value.print(ring),
                sizes_text(&inst.sizes),
                e.identified
            )));
        }
    }
    let figures = pictures(q, &instances, &enumerations, names.inputs(1).remove(0), &names, &[net.name.as_str()]);
    if !figures.is_empty() {
        let step = ex.step(prose!("The regions of small instances, drawn exactly:"));
        for fig in figures {
            step.figure(fig);
        }
    }
    instance_table(&mut ex, q, &instances, &enumerations);
    let value = Value::formula(formula.value.clone());
    let answer = RegionsAnswer {
        count: Some(Count::Formula(formula.value)),
        rule: None,
        instances: instances.iter().zip(enumerations).map(|(i, e)| instance_count(i, e, Vec::new())).collect(),
    };
    Ok((value, ex, answer))
}

fn instance_count(inst: &Instance, enumeration: Enumeration, parts: Vec<(String, u128)>) -> InstanceCount {
    InstanceCount {
        sizes: inst.sizes.clone(),
        domain: inst.domain.clone(),
        target: inst.target.clone(),
        enumeration,
        parts,
    }
}

fn lookup(ring: &Ring, sizes: &Sizes, v: Var) -> Option<i64> {
    let name = ring.symbol(v).to_string();
    sizes.iter().find(|s| s.0 == name).map(|s| s.1)
}

/// A count `base^(product of sizes)`, as a course writes it.
#[derive(Clone, Debug, PartialEq)]
struct Power {
    base: Q,
    /// The names whose product is the exponent; none for a number.
    exponent: Vec<String>,
}

impl Power {
    fn math(&self) -> Math {
        if self.exponent.is_empty() || self.base.is_zero() || self.base.is_one() {
            Math::Number(self.base.clone())
        } else {
            Math::Number(self.base.clone()).sup(names_product(&self.exponent))
        }
    }
}

fn names_product(names: &[String]) -> Math {
    match names {
        [one] => Math::name(one),
        many => Math::Product(many.iter().map(Math::name).collect()),
    }
}

/// A formula for one network, with the steps of its proof.
struct Derived {
    value: Formula,
    power: Power,
    steps: Vec<Step>,
}
/// Whether an expression mentions a name other than as the size in `I(…)`.
fn mentions(e: &Expr, name: &str, inside_identity: bool) -> bool {
    match &e.kind {
        ExprKind::Name(n) => n == name && !inside_identity,
        ExprKind::Number(_) | ExprKind::Str(_) => false,
        ExprKind::Neg(a) => mentions(a, name, false),
        ExprKind::Binary(..) => {
            // A chain `a + b + …` is walked down its left side in a loop.
            let mut left = e;
            while let ExprKind::Binary(_, a, b) = &left.kind {
                if mentions(b, name, false) {
                    return true;
                }
                left = a;
            }
            mentions(left, name, false)
        }
        ExprKind::Maps(a, b) => mentions(a, name, false) || mentions(b, name, false),
        ExprKind::Index(a, items) => mentions(a, name, false) || items.iter().any(|i| mentions(i, name, false)),
        ExprKind::Call(f, args) => {
            let identity = f.as_name() == Some("I") && args.len() == 1;
            args.iter().any(|a| mentions(&a.value, name, identity))
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().any(|i| mentions(i, name, false)),
        ExprKind::Record(fields) => fields.iter().any(|f| mentions(&f.value, name, false)),
    }
}

/// Whether any weight or bias of the body mentions a size other than as
/// the n of `I(n)`.
fn weights_mention(body: &[LayerSyntax], names: &[&str]) -> Option<String> {
    for l in body {
        match l {
            LayerSyntax::Dense { weight, bias, .. } => {
                for n in names {
                    if mentions(weight, n, false) || bias.as_ref().is_some_and(|b| mentions(b, n, false)) {
                        return Some(n.to_string());
                    }
                }
            }
            LayerSyntax::Repeat { layers, .. } => {
                if let Some(n) = weights_mention(layers, names) {
                    return Some(n);
                }
            }
            LayerSyntax::Activation { .. } | LayerSyntax::Image { .. } => {}
        }
    }
    None
}

/// The single box side of `(a, b)^d`, if the box is that.
fn single_side(b: &OpenBox, dim: &str) -> Option<Interval> {
    match b.factors.as_slice() {
        [(i, Some(Size::Symbol(id)))] if id.name == dim => Some(i.clone()),
        _ => None,
    }
}

/// What one coordinate of a network runs through: a line of scalar
/// steps (every dense layer diagonal), or a whole network of one input and
/// one output whose hidden layers mix their units.
enum Coordinate {
    Line(cells::Line),
    Block(Concrete),
}

/// The formula for one network between two boxes, with the steps of its
/// proof, or why nnkey cannot prove one. `symbols` are the query's free
/// sizes.
fn formula_between(
    net: &Network,
    domain: Option<&OpenBox>,
    target: &OpenBox,
    symbols: &[SizeSymbol],
    problem: &Problem,
    names: &Names,
) -> Result<Derived, String> {
    let ring = &problem.ring;
    let f = Math::name(&net.name);
    let own: Vec<&SizeSymbol> = symbols.iter().filter(|s| net.symbols().iter().any(|(n, _)| *n == s.name)).collect();
    if own.is_empty() {
        // Every size a number: the count is what enumeration finds.
        let c = net.instantiate(&[], problem).map_err(|e| e.message)?;
        let none = Vec::new();
        let from = crate::model::regions::coordinates(domain, c.input_dim, &none, problem).map_err(|e| e.message)?;
        let to = target.coordinates(&none, problem).map_err(|e| e.message)?;
        let e = enumerate(&c, &from, &to, 0)?;
        let value = Formula::constant(big(e.identified));
        let step = Step::new(
            super::Depth::Solution,
            prose!(
                "$#f$ has numeric sizes: enumerating its regions finds #n mapped bijectively onto $#T$.",
                f = f,
                n = Math::Number(big(e.identified)),
                T = open_box(target)
            ),
        );
        return Ok(Derived {
            value,
            power: Power { base: big(e.identified), exponent: Vec::new() },
            steps: vec![step],
        });
    }
    let dim = own.iter().find(|s| s.is_dimension).map(|s| s.name.clone());
    let repeats: Vec<&str> = own.iter().filter(|s| !s.is_dimension).map(|s| s.name.as_str()).collect();
    // The shape of the body: all of it one `repeat L { … }`, or no
    // symbolic repeat at all.
    let (repeat, block): (Option<&str>, &[LayerSyntax]) = match (repeats.as_slice(), net.body.as_slice()) {
        ([], body) => (None, body),
        ([l], [LayerSyntax::Repeat { count: Size::Symbol(id), layers, .. }]) if id.name == *l => {
            (Some(*l), layers.as_slice())
        }
        _ => {
            return Err(format!(
                "`{}` is not one `repeat` of a block: nnkey proves formulas for `network (x: d) repeat L {{ … }}` \
                 and for networks without a symbolic repeat",
                net.name
            ));
        }
    };
    if let Some(n) = weights_mention(block, &repeats) {
        return Err(format!("a weight of `{}` depends on the repeat count `{n}`", net.name));
    }
    let mut ex = Explanation::new();
    let i = names.index.clone();
    // Per coordinate: the one-input line and its sides.
    let (lines, domain_sides, target_sides) = match &dim {
        Some(d) => {
            if let Some(n) = weights_mention(block, &[d.as_str()]) {
                return Err(format!(
                    "a weight of `{}` uses `{n}` other than as the size of I({n}), so its layers need not act on each \
                     coordinate alone with the same numbers",
                    net.name
                ));
            }
            let mut ones = vec![(d.as_str(), 1)];
            ones.extend(repeat.map(|l| (l, 1)));
            let one = net.instantiate(&ones, problem).map_err(|e| e.message)?;
            let numeric = Numeric::new(&one)?;
            let lines = numeric.coordinate_lines().ok_or("the network is not coordinate-wise at d = 1")?;
            let whole = Interval { lo: None, hi: None };
            let dside = match domain {
                None => whole,
                Some(b) => single_side(b, d).ok_or_else(|| format!("the domain is not of the form (a, b)^{d}"))?,
            };
            let tside = single_side(target, d).ok_or_else(|| format!("the target is not of the form (a, b)^{d}"))?;
            let dm = Math::name(d);
            let r = names.region.clone();
            let product = Math::Infix(
                Box::new(Math::Infix(
                    Box::new(r.clone().sub(1)),
                    InfixOp::Times,
                    Box::new(Math::Constant(Constant::Ellipsis)),
                )),
                InfixOp::Times,
                Box::new(r.clone().sub(dm.clone())),
            );
            ex.step(prose!(
                "Every weight of $#f$ is a number times $#I$ and every bias a number, so unit $#i$ of every layer \
                 sees only $#xi$, with the same numbers for every $#i$: $#f$ acts on each coordinate alone, by one \
                 network of one input. A region of $#f$ is a product $#P$ of regions of that network.",
                f = f.clone(),
                I = Math::apply("I", vec![dm.clone()]),
                i = i.clone(),
                xi = Math::name(&names.input).sub(i.clone()),
                P = product.clone()
            ));
            ex.step(prose!(
                "On such a product $#f$ acts coordinate by coordinate, so it maps $#P$ bijectively onto $#T$ exactly \
                 when each $#Ri$ goes bijectively onto $#S$. So the count is the count of one coordinate to the \
                 power $#d$.",
                f = f.clone(),
                P = product,
                T = open_box(target),
                Ri = r.sub(i.clone()),
                S = interval(&tside),
                d = dm
            ));
            (vec![Coordinate::Line(lines[0].clone())], vec![dside], vec![tside])
        }
        None => {
            let ones: Vec<(&str, i64)> = repeat.map(|l| (l, 1)).into_iter().collect();
            let one = net.instantiate(&ones, problem).map_err(|e| e.message)?;
            let numeric = Numeric::new(&one)?;
            let dside = crate::model::regions::coordinates(domain, one.input_dim, &Vec::new(), problem)
                .map_err(|e| e.message)?;
            let tside = target.coordinates(&Vec::new(), problem).map_err(|e| e.message)?;
            match numeric.coordinate_lines() {
                None => {
                    if one.input_dim != 1 || one.output_dim() != 1 {
                        return Err(format!(
                            "the block of `{}` mixes its {} coordinates, so its regions are not products of \
                             intervals",
                            net.name, one.input_dim
                        ));
                    }
                    // One input and one output, with hidden units: the block
                    // is a function of one variable whose pieces are listed
                    // exactly.
                    ex.step(prose!(
                        "$#f$ has one input and one output, so one block is a function of one variable, piecewise \
                         linear: its pieces are the intervals between the points where some unit of the block \
                         changes sign, found exactly.",
                        f = f.clone()
                    ));
                    (vec![Coordinate::Block(one)], dside, tside)
                }
                Some(lines) => {
                    if lines.len() > 1 {
                        ex.step(prose!(
                            "Every dense layer of $#f$ is diagonal, so each coordinate runs through its own network \
                             of one input; a region is a product of one region per coordinate, mapped onto $#T$ \
                             exactly when each side is.",
                            f = f.clone(),
                            T = open_box(target)
                        ));
                    }
                    (lines.into_iter().map(Coordinate::Line).collect(), dside, tside)
                }
            }
        }
    };
    // The count per coordinate: of the whole network, or of one block.
    let mut per_coordinate: Vec<u128> = Vec::new();
    let t = names.line_input.clone();
    for (k, line) in lines.iter().enumerate() {
        let f_scan = match line {
            Coordinate::Line(line) => Factor::scan(line, &domain_sides[k], &target_sides[k], LISTING_CAP)?,
            Coordinate::Block(block) => Factor::of_network(block, &domain_sides[k], &target_sides[k], LISTING_CAP)?,
        };
        let n = f_scan.count;
        let h = if lines.len() > 1 { names.line.clone().sub(k + 1) } else { names.line.clone() };
        let (ds, ts) = (interval(&domain_sides[k]), interval(&target_sides[k]));
        let what = match (repeat.is_some(), dim.is_some(), lines.len() > 1) {
            (true, true, _) => prose!("Let $#h$ be one block on one coordinate.", h = h.clone()),
            (true, false, false) => prose!("Let $#h$ be one block of $#f$.", h = h.clone(), f = f.clone()),
            (true, false, true) => prose!("Let $#h$ be one block on coordinate #k.", h = h.clone(), k = k + 1),
            // Without a symbolic repeat the dimension is symbolic.
            (false, _, _) => prose!("Let $#h$ be the network on one coordinate.", h = h.clone()),
        };
        let sentence = join_all(vec![
            what,
            prose!(" On $#D$, $#h$ has ", D = ds.clone(), h = h.clone()),
            counted(f_scan.total, "piece", "pieces"),
            prose!("; "),
            how_many(n, f_scan.total),
            prose!(" mapped bijectively onto $#S$:", S = ts.clone()),
        ]);
        let items: Vec<Block> = f_scan
            .identified
            .iter()
            .map(|p| {
                let map = linear(vec![(p.slope.clone(), t.clone())], &p.offset);
                Block::Prose(prose!(
                    "$#I$: $#h(#t) = #m$",
                    I = interval(&p.interval),
                    h = h.clone(),
                    t = t.clone(),
                    m = map
                ))
            })
            .collect();
        let step = ex.step(sentence);
        if n > 0 {
            step.listing(listing_total(n), items);
        }
        if !f_scan.counted_out.is_empty() {
            let items = f_scan
                .counted_out
                .iter()
                .map(|(p, why)| {
                    Block::Prose(join_all(vec![
                        prose!("$#I$: ", I = interval(&p.interval)),
                        why_prose(why, &h),
                        prose!("."),
                    ]))
                })
                .collect();
            step.prose(prose!("Counted out:")).listing(listing_total(f_scan.total - n), items);
        }
        if let Some(l) = repeat {
            if domain_sides[k] != target_sides[k] {
                return Err(format!(
                    "the domain {} and the target {} differ, so one block's target is not the next block's domain: \
                     repeating it does not compose region by region",
                    domain_sides[k].text(),
                    target_sides[k].text()
                ));
            }
            if n != f_scan.total {
                let bad = f_scan.total - n;
                let target = domain_sides[k].text();
                let (place, why) = f_scan.counted_out.first().map_or((String::new(), String::new()), |(p, w)| {
                    let why = match w {
                        Why::Constant(v) => format!("it is constant ({v})"),
                        Why::Image { image, .. } => format!("its image is {}", image.text()),
                        other => other.text(),
                    };
                    (p.interval.text(), why)
                });
                let total = f_scan.total;
                let which = match (bad, total) {
                    (1, _) => {
                        format!("the piece of one block on {place} is not mapped bijectively onto {target}: {why}")
                    }
                    (2, 2) => format!(
                        "neither piece of one block is mapped bijectively onto {target}; the first: on {place} {why}"
                    ),
                    _ if bad == total => format!(
                        "none of the {total} pieces of one block is mapped bijectively onto {target}; the first: on \
                         {place} {why}"
                    ),
                    _ => format!(
                        "{bad} of the {total} pieces of one block are not mapped bijectively onto {target}; the \
                         first: on {place} {why}"
                    ),
                };
                return Err(format!(
                    "{which}. The proof by induction needs every piece of the block mapped onto {}, so the count of \
                     {l} blocks need not be a power",
                    domain_sides[k].text()
                ));
            }
            let j = names.step.clone();
            let nj = Math::Number(big(n)).sup(j.clone());
            ex.step(prose!(
                "The #n pieces of $#h$ cover $#D$ up to finitely many points, and each is mapped bijectively onto \
                 $#D$, so every point of $#D$ has exactly #n preimages under $#h$. Claim: the first $#j$ blocks have \
                 exactly $#nj$ regions, each mapped bijectively onto $#D$, and they cover $#D$ up to finitely many \
                 points. For $#j = 1$ these are the pieces of $#h$. If the claim holds for $#j$, take one of those \
                 regions, $#R$. The points of $#R$ that the first $#j$ blocks send into one piece of $#h$ form a \
                 region of the first $#j1$ blocks (no unit changes sign there), carried bijectively onto that piece \
                 and then by $#h$ onto $#D$; the points sent onto a kink of $#h$ are finitely many. So $#R$ splits \
                 into exactly #n regions of $#j1$ blocks, each mapped bijectively onto $#D$; every region of $#j1$ \
                 blocks lies in one region of $#j$ blocks, so these are all of them: $#nj #n = #nj1$. By induction \
                 $#L$ blocks have $#nL$ regions, and every point of $#D$ has exactly $#nL$ preimages.",
                n = Math::Number(big(n)),
                h = h.clone(),
                D = ds,
                j = j.clone(),
                j1 = math!("#j + 1", j = j.clone()),
                R = names.region.clone(),
                nj = nj,
                nj1 = Math::Number(big(n)).sup(math!("#j + 1", j = j.clone())),
                L = Math::name(l),
                nL = Power { base: big(n), exponent: vec![l.to_string()] }.math()
            ));
        }
        per_coordinate.push(n);
    }
    // Assemble: n^(L*d), n^d, (∏ nᵢ)^L or ∏ nᵢ.
    let var = |name: &str| Poly::var(ring.var(&Symbol::plain(name)));
    let mut exponent = Poly::one();
    let mut exponent_names: Vec<String> = Vec::new();
    if let Some(l) = repeat {
        exponent = &exponent * &var(l);
        exponent_names.push(l.to_string());
    }
    if let Some(d) = &dim {
        exponent = &exponent * &var(d);
        exponent_names.push(d.clone());
    }
    let base = per_coordinate.iter().try_fold(1u128, |a, &n| a.checked_mul(n)).ok_or("more than 2^127 regions")?;
    let value = if exponent.is_one() { Formula::constant(big(base)) } else { power(base, &exponent)? };
    let total = Power { base: big(base), exponent: exponent_names.clone() };
    // The steps of the count: (n^L)^d = n^(L d) with both sizes.
    let shown = match (repeat, &dim) {
        (Some(l), Some(d)) if base > 1 => {
            let inner = Power { base: big(base), exponent: vec![l.to_string()] }.math();
            inner.sup(Math::name(d)).equals(total.math())
        }
        _ => total.math(),
    };
    ex.step(prose!("Hence the number of identified regions is")).display(shown);
    Ok(Derived { value, power: total, steps: ex.steps })
}

/// "1 piece", "3 pieces".
fn counted(n: u128, one: &str, many: &str) -> Prose {
    prose!("#n #w", n = Math::Number(big(n)), w = words(if n == 1 { one } else { many }))
}

/// "both are", "1 is", "none is", "all 4 are", "2 are" (of `total`).
fn how_many(n: u128, total: u128) -> Prose {
    match (n, total) {
        (0, 1) => prose!("it is not"),
        (1, 1) => prose!("it is"),
        (0, _) => prose!("none is"),
        (2, 2) => prose!("both are"),
        (n, t) if n == t => prose!("all #n are", n = Math::Number(big(n))),
        (n, _) => prose!("#n #v", n = Math::Number(big(n)), v = words(if n == 1 { "is" } else { "are" })),
    }
}

/// A composition `f ∘ g`: the rule n_f · n_g, checked on every instance.
fn compose(
    q: &RegionsQuery,
    problem: &Problem,
    instances: &[Instance],
    enumerations: Vec<Enumeration>,
    names_: &Names,
) -> Result<(Value, Explanation, RegionsAnswer), Diagnostic> {
    let ring = &problem.ring;
    let at = |e: String| Diagnostic::error(q.span, e);
    let names: Vec<&str> = q.networks.iter().map(|n| n.name.as_str()).collect();
    let rule = names.iter().fold(Formula::constant(Q::one()), |acc, n| &acc * &Formula::atom(atom(n, ring)));
    let inner = names.last().expect("a composition has networks");
    // In the order they run; a network that runs twice must do so between
    // the same boxes, or n_f would stand for two counts.
    let mut first: Vec<(&str, usize)> = Vec::new();
    for (k, n) in names.iter().rev().enumerate() {
        let text = |k: usize| {
            let (from, to) = q.sides(k);
            (from.map_or("all of R^n".to_string(), |b| b.text.clone()), to.text.clone())
        };
        match first.iter().find(|f| f.0 == *n) {
            None => first.push((n, k)),
            Some(&(_, j)) if text(j) == text(k) => {}
            Some(&(_, j)) => {
                let ((a, b), (c, d)) = (text(j), text(k));
                return Err(at(format!(
                    "`{n}` runs twice, from {a} onto {b} and from {c} onto {d}, so n_{n} would stand for two counts"
                ))
                .with_hint(format!("declare the second copy under another name: `{n}2 = network …`")));
            }
        }
    }
    let n_of = |name: &str| Math::name("n").sub(Math::name(name));
    let runs = |name: &str| names.iter().filter(|n| **n == name).count();
    let composition = names
        .iter()
        .map(|n| Math::name(*n))
        .reduce(|a, b| Math::Infix(Box::new(a), InfixOp::Compose, Box::new(b)))
        .expect("a composition has networks");
    let mut ex = Explanation::new();
    let defined: Vec<Prose> = first
        .iter()
        .map(|&(n, k)| {
            let (from, to) = q.sides(k);
            let net = &q.networks[q.networks.len() - 1 - k];
            prose!(
                "$#c$ for the regions $#g$ identifies from $#D$ onto $#T$",
                c = n_of(n),
                g = Math::name(n),
                D = domain_math(from, net),
                T = open_box(to)
            )
        })
        .collect();
    ex.step(prose!("$#c$ runs $#g$ first. Write", c = composition.clone(), g = Math::name(*inner))).items(defined);
    ex.step(prose!(
        "If every inner network maps each of its regions bijectively onto $#M$, and those regions cover its domain \
         up to a set without volume, then a region of the composition is a region $#R$ of the inner network \
         followed by a region $#S$ of the outer one, pulled back through the bijection from $#R$ onto $#M$. Each such \
         pair gives exactly one region, mapped bijectively onto the target, and there are no others. So the counts \
         multiply.",
        M = open_box(q.middle()),
        R = names_.region.clone(),
        S = Math::Prime(Box::new(names_.region.clone()))
    ));
    let mut table = Vec::new();
    for (inst, e) in instances.iter().zip(enumerations) {
        let mut product = 1u128;
        let mut parts: Vec<(String, u128)> = Vec::new();
        for (k, (name, net, from, to)) in inst.parts.iter().enumerate() {
            let part = enumerate(net, from, to, 0).map_err(|e| at(format!("`{name}`: {e}")))?;
            let inner = k + 1 < inst.parts.len();
            if inner && part.identified != part.total {
                let why = part
                    .counted_out
                    .first()
                    .map(|c| format!(" ({}: {})", c.place.text(), c.why.text()))
                    .unwrap_or_default();
                let left = part.total - part.identified;
                return Err(at(format!(
                    "the rule {} needs every region of the inner network `{name}` mapped onto {}, but {left} of \
                     its {} regions {} not{why}{}; the composition identifies {}",
                    names.iter().map(|n| format!("n_{n}")).collect::<Vec<_>>().join(" · "),
                    q.middle().text,
                    part.total,
                    if left == 1 { "is" } else { "are" },
                    if inst.sizes.is_empty() { String::new() } else { format!(" at {}", sizes_text(&inst.sizes)) },
                    e.identified
                )));
            }
            product = product.saturating_mul(part.identified);
            if !parts.iter().any(|p| &p.0 == name) {
                parts.push((name.clone(), part.identified));
            }
        }
        if product != e.identified {
            return Err(at(format!(
                "the composition identifies {} regions but the product of the counts is {product}{}",
                e.identified,
                if inst.sizes.is_empty() { String::new() } else { format!(" at {}", sizes_text(&inst.sizes)) }
            )));
        }
        table.push(instance_count(inst, e, parts));
    }
    // The counts of the parts as formulas, where nnkey can prove them.
    let mut instantiated = Some(Formula::constant(Q::one()));
    let mut counts: Vec<(String, Formula)> = Vec::new();
    let mut powers: Vec<(Power, usize)> = Vec::new();
    for &(name, k) in &first {
        let net = &q.networks[q.networks.len() - 1 - k];
        let (from, to) = q.sides(k);
        match formula_between(net, from, to, &q.symbols, problem, names_) {
            Ok(d) => {
                ex.step(prose!("For $#g$ alone:", g = Math::name(name))).display(n_of(name).equals(d.power.math()));
                counts.push((name.to_string(), d.value.clone()));
                let each = d.value.pow_int(runs(name) as i64).map_err(at)?;
                instantiated = instantiated.map(|f| &f * &each);
                powers.push((d.power, runs(name)));
            }
            Err(why) => {
                ex.detail(join(prose!("For $#g$ alone nnkey has no formula: ", g = Math::name(name)), message(&why)));
                instantiated = None;
            }
        }
    }
    if instantiated.is_some() {
        // n_f n_g, each to the number of times it runs, outermost first.
        let mut seen: Vec<&str> = Vec::new();
        let mut atoms = Vec::new();
        for n in &names {
            if !seen.contains(n) {
                seen.push(n);
                atoms.push(raised(n_of(n), runs(n)));
            }
        }
        let by_name: Vec<Math> = seen
            .iter()
            .filter_map(|n| first.iter().position(|f| f.0 == *n))
            .map(|k| raised(powers[k].0.math(), powers[k].1))
            .collect();
        let together = product_math(by_name);
        let grouped = product_math(group_powers(&powers).iter().map(Power::math).collect());
        let mut chain = product_math(atoms).equals(together.clone());
        if grouped != together {
            chain = chain.equals(grouped);
        }
        ex.step(prose!("Together:")).display(chain);
    }
    let enumerations: Vec<Enumeration> = table.iter().map(|i| i.enumeration.clone()).collect();
    let figures = pictures(q, instances, &enumerations, Math::name(&names_.input), names_, &names);
    if !figures.is_empty() {
        let step = ex.step(prose!("The regions of $#c$ for small instances, drawn exactly:", c = composition.clone()));
        for fig in figures {
            step.figure(fig);
        }
    }
    let header: Vec<Prose> = q
        .symbols
        .iter()
        .map(|s| cell(Math::name(&s.name)))
        .chain(first.iter().map(|f| cell(n_of(f.0))))
        .chain(std::iter::once(cell(composition)))
        .collect();
    let rows: Vec<Vec<Prose>> = table
        .iter()
        .map(|i| {
            i.sizes
                .iter()
                .map(|s| cell(Math::from(s.1)))
                .chain(i.parts.iter().map(|p| cell(Math::Number(big(p.1)))))
                .chain(std::iter::once(cell(Math::Number(big(i.enumeration.identified)))))
                .collect()
        })
        .collect();
    ex.detail(join_all(vec![
        prose!("Checked by exact enumeration of each network and of the composition on "),
        counted(table.len() as u128, "instance", "instances"),
        prose!(":"),
    ]))
    .table(Table { header, rows });
    // The rule, and the count it gives for these networks when every
    // network's count is known: `{ rule: n_m^3, count: 8 }`.
    let value = match &instantiated {
        Some(count) => {
            Value::record(vec![("rule", Value::formula(rule.clone())), ("count", Value::formula(count.clone()))])
        }
        None => Value::formula(rule.clone()),
    };
    let answer = RegionsAnswer {
        count: instantiated.map(Count::Formula),
        rule: Some(Rule { formula: rule, counts }),
        instances: table,
    };
    Ok((value, ex, answer))
}

/// `m`, or `m^k` when it runs k > 1 times.
fn raised(m: Math, k: usize) -> Math {
    if k == 1 { m } else { m.sup(k) }
}

fn product_math(mut factors: Vec<Math>) -> Math {
    if factors.len() == 1 { factors.pop().unwrap_or(Math::int(1)) } else { Math::Product(factors) }
}

/// Powers with the same exponent multiplied together: `4^d 2^d = 8^d`;
/// numbers multiplied into one.
fn group_powers(powers: &[(Power, usize)]) -> Vec<Power> {
    let mut out: Vec<Power> = Vec::new();
    for (p, runs) in powers {
        let base = p.base.pow(*runs as i64).unwrap_or_else(|| p.base.clone());
        let exponent = if base.is_zero() || base.is_one() { Vec::new() } else { p.exponent.clone() };
        match out.iter_mut().find(|o| o.exponent == exponent) {
            Some(o) => o.base = &o.base * &base,
            None => out.push(Power { base, exponent }),
        }
    }
    // A factor 1 changes nothing, unless it is all there is.
    if out.len() > 1 {
        out.retain(|p| !(p.exponent.is_empty() && p.base.is_one()));
    }
    if out.iter().any(|p| p.base.is_zero()) {
        return vec![Power { base: Q::zero(), exponent: Vec::new() }];
    }
    out
}

// ---------------------------------------------------------------------------
// Presentation
// ---------------------------------------------------------------------------

/// The steps for a network with numeric sizes: how its regions are found,
/// how many there are, the identified ones with their inverse maps, and
/// the ones counted out with why.
fn listing_steps(
    ex: &mut Explanation,
    net: &Network,
    inst: &Instance,
    e: &Enumeration,
    q: &RegionsQuery,
    names: &Names,
) {
    let f = Math::name(&net.name);
    let d = inst.domain.len();
    let (xs, ys) = (names.inputs(d), names.outputs(d));
    let domain = domain_math(q.domain.as_ref(), net);
    let target = open_box(&q.onto);
    match e.method {
        Method::Coordinates if d == 1 => ex.step(prose!(
            "$#f$ has one input: its regions in $#D$ are the intervals between its kinks, on each of which it is \
             affine, and a region counts when $#f$ maps it bijectively onto $#T$.",
            f = f.clone(),
            D = domain.clone(),
            T = target.clone()
        )),
        Method::Coordinates => ex.step(prose!(
            "Every dense layer of $#f$ is diagonal, so unit $#i$ of every layer sees only $#xi$: each coordinate runs \
             through its own network of one input. A region of $#f$ is a product of one piece per coordinate, and it \
             is mapped bijectively onto $#T$ exactly when each piece is mapped onto its side.",
            f = f.clone(),
            i = names.index.clone(),
            xi = Math::name(&names.input).sub(names.index.clone()),
            T = target.clone()
        )),
        Method::Polytopes => ex.step(prose!(
            "The regions of $#f$ are the cells of its activation pattern: the domain cut, layer by layer, where a unit \
             changes sign. On each cell $#f$ is one affine map; a cell counts when that map is invertible and takes \
             the cell exactly onto $#T$.",
            f = f.clone(),
            T = target.clone()
        )),
    };
    let counts = join_all(vec![
        prose!("$#f$ has ", f = f.clone()),
        counted(e.total, "region", "regions"),
        prose!(" in $#D$; ", D = domain),
        how_many(e.identified, e.total),
        prose!(" mapped bijectively onto $#T$.", T = target.clone()),
    ]);
    let step = ex.step(counts);
    let naming = Naming {
        network: f.clone(),
        value: Math::apply(net.name.clone(), xs.clone()),
        inputs: xs.clone(),
        outputs: ys.clone(),
        region: Some(names.region.clone()),
        sizes: Vec::new(),
    };
    // The listing's regions, drawn; nothing when the enumeration cannot be
    // drawn again (it was, just before).
    if let Ok(Some(dr)) = drawing(&inst.net, &inst.domain, &inst.target, e.total) {
        step.figure(figure(&dr, &naming));
    }
    if let Some(factors) = e.factors.as_ref().filter(|fs| fs.len() > 1) {
        // Per coordinate, the pieces mapped onto its side; their product.
        let per: Vec<(Q, usize)> = factors.iter().fold(Vec::new(), |mut acc: Vec<(Q, usize)>, f| {
            match acc.last_mut() {
                Some((n, k)) if *n == big(f.count) => *k += 1,
                _ => acc.push((big(f.count), 1)),
            }
            acc
        });
        let product = per
            .into_iter()
            .map(|(n, k)| raised(Math::Number(n), k))
            .reduce(|a, b| Math::Infix(Box::new(a), InfixOp::Dot, Box::new(b)))
            .unwrap_or(Math::int(1));
        step.prose(prose!("Coordinate by coordinate, the pieces mapped onto their side multiply:"))
            .display(product.equals(Math::Number(big(e.identified))));
    }
    if e.identified > 0 {
        let intro = if d == 1 {
            prose!("The regions mapped onto $#T$, left to right, with their inverse maps:", T = target.clone())
        } else {
            prose!(
                "The regions mapped onto $#T$, in the order of a point inside each ($#a$ first, then $#b$), with their \
                 inverse maps:",
                T = target.clone(),
                a = xs[0].clone(),
                b = xs[1].clone()
            )
        };
        let items = e
            .regions
            .iter()
            .take(LISTING_CAP)
            .enumerate()
            .map(|(k, r)| Block::Prose(region_item(names.region.clone().sub(k + 1), r, &xs, &ys)))
            .collect();
        ex.step(intro).listing(listing_total(e.identified), items);
    }
    let out = e.counted_out_total();
    if out > 0 {
        let intro = match e.method {
            Method::Coordinates if d > 1 => prose!("Pieces counted out, coordinate by coordinate:"),
            _ => prose!("Regions counted out:"),
        };
        let items = e.counted_out.iter().map(|c| Block::Prose(counted_out_item(c, &f, &xs))).collect();
        ex.step(intro).listing(listing_total(out), items);
    }
    let how = match e.method {
        Method::Coordinates if d == 1 => prose!(
            "Each piece is found by following the kinks of the network left to right, and checked by an exact \
             forward pass at a point inside it."
        ),
        Method::Coordinates => prose!(
            "Each piece is found by following the kinks of the coordinate's network left to right, and checked by an \
             exact forward pass at a point inside it; the count is the product of the per-coordinate counts."
        ),
        Method::Polytopes => prose!(
            "Each cell is an open polytope, found depth first; whether a cell is empty, and whether its image is \
             exactly the target box, are decided by exact linear programs over the rationals, and each cell's map is \
             checked by an exact forward pass at a point inside it. Redundant inequalities (implied by the others, \
             also decided by exact linear programs) are left out."
        ),
    };
    ex.detail(how);
}

/// `R_1 = (0, 1/2) × (0, 1/2)`, with the inverse `x_1 = 1/2 - 1/2 y_1, …`.
fn region_item(name: Math, r: &Region, xs: &[Math], ys: &[Math]) -> Prose {
    let inverse = inverse_math(&r.inverse, xs, ys);
    match &r.shape {
        RegionShape::Box(sides) => {
            prose!("$#R = #S$, with inverse $#I$.", R = name, S = region_box(sides), I = inverse)
        }
        RegionShape::Polytope(p) => {
            join_all(vec![prose!("$#R$: ", R = name), inequalities(p, xs), prose!("; inverse $#I$.", I = inverse)])
        }
    }
}

fn counted_out_item(c: &CountedOut, f: &Math, xs: &[Math]) -> Prose {
    let place = match &c.place {
        Place::Piece { coordinate: None, interval: i } => prose!("$#I$: ", I = interval(i)),
        Place::Piece { coordinate: Some(k), interval: i } => {
            prose!("coordinate #k: $#I$: ", k = k + 1, I = interval(i))
        }
        Place::Region { shape: RegionShape::Box(sides), .. } => prose!("$#S$: ", S = region_box(sides)),
        Place::Region { shape: RegionShape::Polytope(p), .. } => join(inequalities(p, xs), prose!(": ")),
    };
    join_all(vec![place, why_prose(&c.why, f), prose!(".")])
}

/// `x_1 + x_2 > 0 and x_1 - x_2 < 0`.
fn inequalities(p: &Polytope, xs: &[Math]) -> Prose {
    let mut out = Prose::default();
    let n = p.constraints.len();
    for (k, (a, b)) in p.constraints.iter().enumerate() {
        if k > 0 {
            out.push_text(if k + 1 == n { " and " } else { ", " });
        }
        out.push_math(inequality(a, b, xs));
    }
    out
}

/// Why a region or piece is not identified, as a clause.
fn why_prose(w: &Why, f: &Math) -> Prose {
    match w {
        Why::Constant(v) => prose!("constant, equal to $#v$: not one to one", v = Math::Number(v.clone())),
        Why::Image { image, target } => {
            prose!("its image is $#I$, not $#T$", I = interval(image), T = interval(target))
        }
        Why::Shape { inputs, outputs } => join_all(vec![
            prose!("$#f$ maps ", f = f.clone()),
            counted(*inputs as u128, "input", "inputs"),
            prose!(" to "),
            counted(*outputs as u128, "output", "outputs"),
            prose!(": not a bijection"),
        ]),
        Why::Rank { rank, dim } => prose!("its map has rank $#r < #d$: not one to one", r = *rank, d = *dim),
        Why::Outside(t) => prose!("its image reaches outside $#T$", T = sides_math(t)),
        Why::Uncovered(t) => prose!("its image does not cover $#T$", T = sides_math(t)),
    }
}

/// The table of instances checked against the formula.
fn instance_table(ex: &mut Explanation, q: &RegionsQuery, instances: &[Instance], enumerations: &[Enumeration]) {
    let header: Vec<Prose> = q
        .symbols
        .iter()
        .map(|s| cell(Math::name(&s.name)))
        .chain(std::iter::once(prose!("identified regions")))
        .collect();
    let rows = instances
        .iter()
        .zip(enumerations)
        .map(|(i, e)| {
            i.sizes
                .iter()
                .map(|s| cell(Math::from(s.1)))
                .chain(std::iter::once(cell(Math::Number(big(e.identified)))))
                .collect()
        })
        .collect();
    ex.detail(join_all(vec![
        prose!("Checked against exact enumeration of the regions on "),
        counted(instances.len() as u128, "instance", "instances"),
        prose!(", each agreeing with the formula:"),
    ]))
    .table(Table { header, rows });
}

// ---------------------------------------------------------------------------
// Formulas
// ---------------------------------------------------------------------------

fn listing_total(n: u128) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn cell(m: Math) -> Prose {
    let mut p = Prose::default();
    p.push_math(m);
    p
}

fn join(a: Prose, b: Prose) -> Prose {
    join_all(vec![a, b])
}

fn join_all(parts: Vec<Prose>) -> Prose {
    let mut out = Prose::default();
    for p in parts {
        for i in p.0 {
            match i {
                Inline::Text(t) => out.push_text(&t),
                other => out.0.push(other),
            }
        }
    }
    out
}

/// A message of nnkey's (backquotes mark its syntax) as prose.
fn message(text: &str) -> Prose {
    let mut p = Prose::default();
    for (k, part) in text.split('`').enumerate() {
        if k % 2 == 1 {
            p.0.push(Inline::Code(part.to_string()));
        } else {
            p.push_text(part);
        }
    }
    p
}

fn end(e: &Option<Q>, upper: bool) -> Math {
    match e {
        Some(q) => Math::Number(q.clone()),
        None if upper => Math::Constant(Constant::Infinity),
        None => Math::Neg(Box::new(Math::Constant(Constant::Infinity))),
    }
}

/// `(0, 1/2)`, `(-inf, 0)`.
fn interval(i: &Interval) -> Math {
    Math::tuple(vec![end(&i.lo, false), end(&i.hi, true)])
}

fn times(factors: Vec<Math>) -> Math {
    factors
        .into_iter()
        .reduce(|a, b| Math::Infix(Box::new(a), InfixOp::Times, Box::new(b)))
        .unwrap_or(Math::Constant(Constant::Reals).sup(0))
}

/// A region's box, side by side: `(0, 1/2) × (1/2, 1)`.
fn region_box(sides: &[Interval]) -> Math {
    times(sides.iter().map(interval).collect())
}

/// A box of an instance, equal neighbours as a power: `(0, 1)^2`.
fn sides_math(sides: &[Interval]) -> Math {
    let mut groups: Vec<(&Interval, usize)> = Vec::new();
    for s in sides {
        match groups.last_mut() {
            Some((g, k)) if *g == s => *k += 1,
            _ => groups.push((s, 1)),
        }
    }
    times(groups.into_iter().map(|(i, k)| raised(interval(i), k)).collect())
}

fn size_math(s: &Size) -> Math {
    match s {
        Size::Number(n, _) => Math::from(*n),
        Size::Symbol(id) => Math::name(&id.name),
    }
}

/// A box of the query as written: `(0, 1)^d`, `(0, 1) × (-1, 1)`.
fn open_box(b: &OpenBox) -> Math {
    times(
        b.factors
            .iter()
            .map(|(i, p)| match p {
                None => interval(i),
                Some(s) => interval(i).sup(size_math(s)),
            })
            .collect(),
    )
}

/// The query's domain, or all of `RR^d` for the network's input.
fn domain_math(b: Option<&OpenBox>, net: &Network) -> Math {
    match b {
        Some(b) => open_box(b),
        None => match &net.dim {
            Size::Number(1, _) => Math::Constant(Constant::Reals),
            d => Math::Constant(Constant::Reals).sup(size_math(d)),
        },
    }
}

/// `c_1 v_1 + … + c`, the way a course writes it: no zero terms, no
/// coefficient 1, a positive term first when there is one.
fn linear(terms: Vec<(Q, Math)>, constant: &Q) -> Math {
    let mut out: Vec<(Sign, Math)> = Vec::new();
    let sign = |q: &Q| if q.is_negative() { Sign::Minus } else { Sign::Plus };
    for (c, v) in terms {
        if c.is_zero() {
            continue;
        }
        let a = c.abs();
        out.push((sign(&c), if a.is_one() { v } else { Math::Product(vec![Math::Number(a), v]) }));
    }
    if !constant.is_zero() {
        out.push((sign(constant), Math::Number(constant.abs())));
    }
    if out.first().is_some_and(|t| t.0 == Sign::Minus)
        && let Some(k) = out.iter().position(|t| t.0 == Sign::Plus)
    {
        let t = out.remove(k);
        out.insert(0, t);
    }
    match out.len() {
        0 => Math::int(0),
        1 => match out.pop() {
            Some((Sign::Minus, t)) => Math::Neg(Box::new(t)),
            Some((_, t)) => t,
            None => Math::int(0),
        },
        _ => Math::Sum(out),
    }
}

/// `a·x < b` with its first coefficient positive: `x_1 > 1/2` rather than
/// `-x_1 < -1/2`.
fn inequality(a: &[Q], b: &Q, xs: &[Math]) -> Math {
    let flip = a.iter().find(|c| !c.is_zero()).is_some_and(Q::is_negative);
    let (a, b, rel): (Vec<Q>, Q, Rel) =
        if flip { (a.iter().map(|c| -c).collect(), -b, Rel::Gt) } else { (a.to_vec(), b.clone(), Rel::Lt) };
    linear(a.into_iter().zip(xs.iter().cloned()).collect(), &Q::zero()).relate(rel, Math::Number(b))
}

/// `x_1 = 1/2 - 1/2 y_1, x_2 = …`: the inverse map coordinate by coordinate.
fn inverse_math(inv: &Inverse, xs: &[Math], ys: &[Math]) -> Math {
    Math::list(
        inv.matrix
            .iter()
            .zip(&inv.offset)
            .zip(xs)
            .map(|((row, b), x)| x.clone().equals(linear(row.iter().cloned().zip(ys.iter().cloned()).collect(), b)))
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------

/// Most regions a picture draws; beyond, it draws the first ones and says
/// so.
pub const DRAWN: usize = 64;
/// Most identified regions named in a picture (as `R_1`, … of the listing).
const NAMED: usize = 8;
/// Most exact ticks an axis takes; beyond, the presentation layer picks
/// round ones.
const TICKS: usize = 9;

/// A region as a picture draws it.
#[derive(Clone, Debug, PartialEq)]
pub enum DrawnShape {
    /// One input: the interval `(a, b)` and the network's values at its
    /// ends (its graph on the region is the segment between them).
    Interval { ends: (Q, Q), values: (Q, Q) },
    /// Two inputs: the polygon's corners, counterclockwise.
    Polygon(Vec<(Q, Q)>),
}

/// One region drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    pub shape: DrawnShape,
    /// Whether the network maps it bijectively onto the target.
    pub identified: bool,
    /// The point the listing orders regions by.
    pub inside: Vec<Q>,
}

/// The regions of one instance in one or two inputs, exact, as a picture
/// draws them.
#[derive(Clone, Debug)]
pub struct Drawing {
    /// The part of the domain drawn, per coordinate: all of it, unless the
    /// picture is capped and the regions are products (then a corner box
    /// that holds the first pieces of each coordinate).
    pub window: Vec<(Q, Q)>,
    /// In the order of the listing (of their points inside).
    pub regions: Vec<Drawn>,
    /// Regions in the whole domain.
    pub total: u128,
    pub domain: Vec<(Q, Q)>,
    pub target: Vec<(Q, Q)>,
}

impl Drawing {
    /// Whether some regions of the domain are left out.
    pub fn capped(&self) -> bool {
        (self.regions.len() as u128) < self.total
    }
}

fn bounded(sides: &[Interval]) -> Option<Vec<(Q, Q)>> {
    sides.iter().map(|i| Some((i.lo.clone()?, i.hi.clone()?))).collect()
}

/// The regions of `net` in `domain` (one or two inputs, a bounded box) for
/// a picture, each marked identified or not, at most [`DRAWN`]; `None`
/// when there is no picture to draw (more inputs, outputs other than
/// inputs, an unbounded box). `total` is the enumeration's count of
/// regions in the domain.
pub fn drawing(
    net: &Concrete,
    domain: &[Interval],
    target: &[Interval],
    total: u128,
) -> Result<Option<Drawing>, String> {
    let d = net.input_dim;
    if !(d == 1 || d == 2) || net.output_dim() != d || domain.len() != d || target.len() != d {
        return Ok(None);
    }
    let (Some(window), Some(target_box)) = (bounded(domain), bounded(target)) else {
        return Ok(None);
    };
    let numeric = Numeric::new(net)?;
    let mut out = Drawing { domain: window.clone(), window, regions: Vec::new(), total, target: target_box };
    draw(&numeric, numeric.coordinate_lines().as_deref(), domain, target, &mut out)?;
    Ok(Some(out))
}

/// The regions of a drawing, by the coordinate method when there are
/// `lines`, else by the polytope method (as in [`enumerate`]).
fn draw(
    numeric: &Numeric,
    lines: Option<&[cells::Line]>,
    domain: &[Interval],
    target: &[Interval],
    out: &mut Drawing,
) -> Result<(), String> {
    let d = numeric.input_dim;
    match lines {
        Some(lines) => {
            // Per coordinate its first pieces, left to right.
            let mut pieces: Vec<Vec<Piece>> = Vec::with_capacity(d);
            for (line, side) in lines.iter().zip(domain) {
                let mut ps = Vec::new();
                line.pieces(side, &mut |p| {
                    ps.push(p);
                    ps.len() <= DRAWN
                })?;
                pieces.push(ps);
            }
            // How many of each: all when they fit, else a corner of the
            // domain with at most DRAWN products.
            let n: Vec<usize> = pieces.iter().map(Vec::len).collect();
            let keep: Vec<usize> = match n.as_slice() {
                [a] => vec![(*a).min(DRAWN)],
                [a, b] if a * b <= DRAWN => vec![*a, *b],
                [a, _] if *a <= 8 => vec![*a, DRAWN / a],
                [_, b] if *b <= 8 => vec![DRAWN / b, *b],
                _ => vec![8, 8],
            };
            for (k, ps) in pieces.iter_mut().enumerate() {
                if keep[k] < ps.len() {
                    ps.truncate(keep[k]);
                    let hi = ps.last().and_then(|p| p.interval.hi.clone()).ok_or("a piece without a right end")?;
                    out.window[k].1 = hi;
                }
            }
            let onto: Vec<Vec<bool>> =
                pieces.iter().zip(target).map(|(ps, t)| ps.iter().map(|p| p.onto(t).is_ok()).collect()).collect();
            let ends = |p: &Piece| -> Result<(Q, Q), String> {
                match (&p.interval.lo, &p.interval.hi) {
                    (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
                    _ => Err("an unbounded piece in a bounded domain".into()),
                }
            };
            if d == 1 {
                for (p, yes) in pieces[0].iter().zip(&onto[0]) {
                    let (a, b) = ends(p)?;
                    let at = |x: &Q| &(&p.slope * x) + &p.offset;
                    let values = (at(&a), at(&b));
                    out.regions.push(Drawn {
                        inside: vec![p.interval.interior_point()],
                        shape: DrawnShape::Interval { ends: (a, b), values },
                        identified: *yes,
                    });
                }
            } else {
                // Products in lexicographic order: the order of their
                // midpoints.
                for (p, yes_p) in pieces[0].iter().zip(&onto[0]) {
                    for (q, yes_q) in pieces[1].iter().zip(&onto[1]) {
                        let ((a1, b1), (a2, b2)) = (ends(p)?, ends(q)?);
                        out.regions.push(Drawn {
                            inside: vec![p.interval.interior_point(), q.interval.interior_point()],
                            shape: DrawnShape::Polygon(vec![
                                (a1.clone(), a2.clone()),
                                (b1.clone(), a2),
                                (b1, b2.clone()),
                                (a1, b2),
                            ]),
                            identified: *yes_p && *yes_q,
                        });
                    }
                }
            }
        }
        None => {
            let mut regions: Vec<Drawn> = Vec::new();
            cells::cells(numeric, domain, CELL_LIMIT, &mut Work::default(), &mut |cell, _| {
                let identified = cells::onto(cell, target)?.is_ok();
                let (shape, inside) = shape_of(&cell.constraints, d)?;
                let shape = match (shape, d) {
                    (RegionShape::Box(sides), 1) => {
                        let (a, b) = bounded(&sides).and_then(|s| s.into_iter().next()).ok_or("an unbounded cell")?;
                        let at = |x: &Q| &(&cell.map[0][0] * x) + &cell.offset[0];
                        let values = (at(&a), at(&b));
                        DrawnShape::Interval { ends: (a, b), values }
                    }
                    (RegionShape::Box(sides), _) => {
                        let s = bounded(&sides).ok_or("an unbounded cell")?;
                        let ((a1, b1), (a2, b2)) = (s[0].clone(), s[1].clone());
                        DrawnShape::Polygon(vec![
                            (a1.clone(), a2.clone()),
                            (b1.clone(), a2),
                            (b1, b2.clone()),
                            (a1, b2),
                        ])
                    }
                    (RegionShape::Polytope(p), _) => {
                        let v = p.vertices.ok_or("a cell that is not a bounded polygon")?;
                        DrawnShape::Polygon(v.into_iter().map(|[x, y]| (x, y)).collect())
                    }
                };
                insert_in_order(&mut regions, Drawn { shape, identified, inside }, |r| &r.inside, DRAWN);
                Ok(())
            })?;
            out.regions = regions;
        }
    }
    Ok(())
}

/// The exact values for an axis's ticks, when few enough.
fn exact_ticks(mut values: Vec<Q>) -> Vec<Q> {
    values.sort();
    values.dedup();
    if values.len() <= TICKS { values } else { Vec::new() }
}

/// How a picture names what it draws.
struct Naming {
    /// The network (`f`, `f ∘ g`) and its value at the input (`f(x)`,
    /// `f(g(x))`).
    network: Math,
    value: Math,
    inputs: Vec<Math>,
    outputs: Vec<Math>,
    /// The regions' letter, when the identified ones are named as in the
    /// listing.
    region: Option<Math>,
    /// The sizes of the instance drawn, none when they are numbers.
    sizes: Sizes,
}

/// `For d = 1 and L = 2, t`, or `T` (the sentence's start capitalized).
fn for_sizes(sizes: &Sizes, rest: Prose) -> Prose {
    if sizes.is_empty() {
        return rest;
    }
    let mut parts = vec![prose!("For ")];
    for (k, (name, v)) in sizes.iter().enumerate() {
        if k > 0 {
            let mut sep = Prose::default();
            sep.push_text(if k + 1 == sizes.len() { " and " } else { ", " });
            parts.push(sep);
        }
        parts.push(prose!("$#s$", s = Math::name(name).equals(Math::from(*v))));
    }
    parts.push(prose!(", "));
    parts.push(rest);
    join_all(parts)
}

/// The picture of a drawing: in one input the network's graph over the
/// band of the target, the domain cut at its kinks; in two, the regions
/// next to the target box.
fn figure(dr: &Drawing, naming: &Naming) -> Figure {
    let as_box = |s: &[(Q, Q)]| {
        sides_math(&s.iter().map(|(a, b)| Interval { lo: Some(a.clone()), hi: Some(b.clone()) }).collect::<Vec<_>>())
    };
    let (domain, window, target) = (as_box(&dr.domain), as_box(&dr.window), as_box(&dr.target));
    let corner = dr.window != dr.domain;
    let drawn = dr.regions.len() as u128;
    let yes = dr.regions.iter().filter(|r| r.identified).count() as u128;
    // The identified regions named as in the listing, when it shows them.
    let named = !dr.capped() && yes as usize <= NAMED;
    let mut labels = (1..).map(|k: usize| naming.region.as_ref().filter(|_| named).map(|r| r.clone().sub(k)));
    let f = naming.network.clone();
    let first = prose!("the first #n of its #t regions", n = Math::Number(big(drawn)), t = Math::Number(big(dr.total)));
    let shaded = match (yes, drawn) {
        (1, 1) => prose!("it is mapped bijectively onto the target and shaded"),
        (y, n) if y == n => prose!("all are mapped bijectively onto the target and shaded"),
        (0, _) => prose!("none is mapped bijectively onto the target"),
        _ => join_all(vec![
            prose!("the "),
            counted(yes, "region", "regions"),
            prose!(" mapped bijectively onto the target are shaded, the others dashed"),
        ]),
    };
    if let [(lo, hi)] = dr.window.as_slice() {
        let t = &dr.target[0];
        let mut marks = Vec::new();
        let mut xs = vec![lo.clone(), hi.clone()];
        let (mut ylo, mut yhi) = t.clone();
        let mut graph: Vec<(Q, Q)> = Vec::new();
        for r in &dr.regions {
            let DrawnShape::Interval { ends: (a, b), values: (va, vb) } = &r.shape else { continue };
            let role = if r.identified { Role::Yes } else { Role::No };
            // No names: the graph crosses an identified band at its centre,
            // where a name would go; the ticks give the intervals instead.
            marks.push(Mark::Region { points: rectangle(&(a.clone(), b.clone()), t), role, label: None });
            xs.extend([a.clone(), b.clone()]);
            for p in [(a.clone(), va.clone()), (b.clone(), vb.clone())] {
                ylo = ylo.min(p.1.clone());
                yhi = yhi.max(p.1.clone());
                if graph.last() != Some(&p) {
                    graph.push(p);
                }
            }
        }
        marks.push(Mark::Region { points: rectangle(&(lo.clone(), hi.clone()), t), role: Role::Target, label: None });
        marks.push(Mark::Line { points: graph, role: Role::Main, label: Some(f.clone()) });
        let yticks = exact_ticks(vec![ylo.clone(), yhi.clone(), t.0.clone(), t.1.clone()]);
        let what = if corner {
            join_all(vec![
                prose!(
                    "the graph of $#f$ on $#W$, the part of $#D$ that holds ",
                    f = f.clone(),
                    W = window,
                    D = domain
                ),
                first,
                prose!(", over the band of the target $#T$. The regions", T = target),
            ])
        } else {
            join_all(vec![
                prose!(
                    "the graph of $#f$ on $#D$ over the band of the target $#T$. Its ",
                    f = f.clone(),
                    D = domain,
                    T = target
                ),
                counted(dr.total, "region", "regions"),
            ])
        };
        let caption = join_all(vec![
            what,
            prose!(" are the intervals between its kinks; "),
            shaded,
            if yes > 0 {
                prose!(". On an identified region the graph crosses the band corner to corner.")
            } else {
                prose!(".")
            },
        ]);
        let panel = Panel {
            title: None,
            x: Axis { label: naming.inputs[0].clone(), lo: lo.clone(), hi: hi.clone(), ticks: exact_ticks(xs) },
            y: Axis { label: naming.value.clone(), lo: ylo, hi: yhi, ticks: yticks },
            marks,
        };
        return Figure {
            caption: capitalized(for_sizes(&naming.sizes, caption)),
            panels: vec![panel],
            shows_answer: false,
        };
    }
    let mut marks = Vec::new();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for r in &dr.regions {
        let DrawnShape::Polygon(points) = &r.shape else { continue };
        let role = if r.identified { Role::Yes } else { Role::No };
        let label = if r.identified { labels.next().flatten() } else { None };
        xs.extend(points.iter().map(|p| p.0.clone()));
        ys.extend(points.iter().map(|p| p.1.clone()));
        marks.push(Mark::Region { points: points.clone(), role, label });
    }
    let w = &dr.window;
    let domain_panel = Panel {
        title: Some(prose!("the domain")),
        x: Axis { label: naming.inputs[0].clone(), lo: w[0].0.clone(), hi: w[0].1.clone(), ticks: exact_ticks(xs) },
        y: Axis { label: naming.inputs[1].clone(), lo: w[1].0.clone(), hi: w[1].1.clone(), ticks: exact_ticks(ys) },
        marks,
    };
    // The target box with a margin around it.
    let margin = |(a, b): &(Q, Q)| {
        let m = &(b - a) / &Q::from_int(8);
        (a - &m, b + &m)
    };
    let t = &dr.target;
    let (tx, ty) = (margin(&t[0]), margin(&t[1]));
    let target_panel = Panel {
        title: Some(prose!("the target")),
        x: Axis { label: naming.outputs[0].clone(), lo: tx.0, hi: tx.1, ticks: vec![t[0].0.clone(), t[0].1.clone()] },
        y: Axis { label: naming.outputs[1].clone(), lo: ty.0, hi: ty.1, ticks: vec![t[1].0.clone(), t[1].1.clone()] },
        marks: vec![Mark::Region { points: rectangle(&t[0], &t[1]), role: Role::Target, label: None }],
    };
    let what = match (dr.capped(), corner) {
        (false, _) => join_all(vec![
            prose!("the domain $#D$ of $#f$ cut into its ", D = domain, f = f),
            counted(dr.total, "region", "regions"),
        ]),
        (true, true) => join_all(vec![
            prose!("the part $#W$ of the domain $#D$ of $#f$, which holds ", W = window, D = domain, f = f),
            first,
        ]),
        (true, false) => join_all(vec![prose!(
            "the first #n of the #t regions of $#f$ in $#D$, in the order of the listing",
            n = Math::Number(big(drawn)),
            t = Math::Number(big(dr.total)),
            f = f,
            D = domain
        )]),
    };
    let caption =
        join_all(vec![what, prose!(" (left), next to the target $#T$ (right): ", T = target), shaded, prose!(".")]);
    Figure {
        caption: capitalized(for_sizes(&naming.sizes, caption)),
        panels: vec![domain_panel, target_panel],
        shows_answer: false,
    }
}

/// The pictures of a query with symbolic sizes: its instances with
/// dimensions 1 and 2 and repeats 2 (a repeat of 1 would not show the
/// regions multiply), among those enumerated. `chain` names the networks,
/// outermost first.
fn pictures(
    q: &RegionsQuery,
    instances: &[Instance],
    enumerations: &[Enumeration],
    x: Math,
    names: &Names,
    chain: &[&str],
) -> Vec<Figure> {
    let small = |sizes: &Sizes| {
        sizes.iter().all(|(name, v)| {
            let dimension = q.symbols.iter().any(|s| &s.name == name && s.is_dimension);
            if dimension { *v <= 2 } else { *v == 2 }
        })
    };
    let network = chain
        .iter()
        .map(|n| Math::name(*n))
        .reduce(|a, b| Math::Infix(Box::new(a), InfixOp::Compose, Box::new(b)))
        .unwrap_or_else(|| Math::name("f"));
    let mut out = Vec::new();
    for (inst, e) in instances.iter().zip(enumerations) {
        if q.symbols.is_empty() || !small(&inst.sizes) {
            continue;
        }
        let d = inst.domain.len();
        let inputs = coordinates(x.clone(), d);
        // f(g(x)), innermost first.
        let value = chain.iter().rev().fold(inputs.clone(), |args, n| vec![Math::apply(*n, args)]).remove(0);
        let naming = Naming {
            network: network.clone(),
            value,
            inputs,
            outputs: names.outputs(d),
            region: None,
            sizes: inst.sizes.clone(),
        };
        if let Ok(Some(dr)) = drawing(&inst.net, &inst.domain, &inst.target, e.total) {
            out.push(figure(&dr, &naming));
        }
    }
    out
}

/// The prose with its first letter a capital.
fn capitalized(mut p: Prose) -> Prose {
    if let Some(Inline::Text(t)) = p.0.first_mut() {
        let mut c = t.chars();
        if let Some(first) = c.next() {
            *t = first.to_uppercase().chain(c).collect();
        }
    }
    p
}

// ---------------------------------------------------------------------------
// Values, for the JSON witness
// ---------------------------------------------------------------------------

fn end_value(e: &Option<Q>, negative: bool) -> Value {
    match e {
        Some(q) => Value::scalar(q.clone()),
        None => Value::Word(if negative { "-inf" } else { "inf" }.into()),
    }
}

fn matrix_value(rows: &[Vec<Q>]) -> Value {
    let cols = rows.first().map_or(0, Vec::len);
    let entries = rows.iter().flatten().map(|q| crate::algebra::RatFunc::constant(q.clone())).collect();
    Value::Matrix(crate::algebra::Matrix::from_vec(rows.len(), cols, entries))
}

fn vector_value(v: &[Q]) -> Value {
    Value::Matrix(crate::algebra::Matrix::column(
        v.iter().map(|q| crate::algebra::RatFunc::constant(q.clone())).collect(),
    ))
}

/// A region as a value: a box is a list of intervals `(lo, hi)`; a
/// polytope is `{ A, b }` for `A x < b`.
pub fn region_value(r: &Region) -> Value {
    let shape = match &r.shape {
        RegionShape::Box(sides) => Value::List(
            sides.iter().map(|s| Value::Tuple(vec![end_value(&s.lo, true), end_value(&s.hi, false)])).collect(),
        ),
        RegionShape::Polytope(p) => {
            let a: Vec<Vec<Q>> = p.constraints.iter().map(|x| x.0.clone()).collect();
            let b: Vec<Q> = p.constraints.iter().map(|x| x.1.clone()).collect();
            Value::record(vec![("A", matrix_value(&a)), ("b", vector_value(&b))])
        }
    };
    Value::record(vec![
        ("region", shape),
        (
            "inverse",
            Value::record(vec![("A", matrix_value(&r.inverse.matrix)), ("b", vector_value(&r.inverse.offset))]),
        ),
    ])
}

fn instance_value(inst: &InstanceCount) -> Value {
    let e = &inst.enumeration;
    let sizes = Value::Record(inst.sizes.iter().map(|(k, v)| (k.clone(), Value::int(*v))).collect());
    let mut fields = vec![
        ("sizes".to_string(), sizes),
        ("count".to_string(), count_value(e.identified)),
        ("regions in the domain".to_string(), count_value(e.total)),
    ];
    // The first regions (all of them when there are at most LISTED).
    fields.push(("regions".into(), Value::List(e.regions.iter().map(region_value).collect())));
    if !e.counted_out.is_empty() {
        fields.push((
            "counted out".into(),
            Value::List(
                e.counted_out
                    .iter()
                    .map(|c| {
                        Value::record(vec![("region", Value::Text(c.place.text())), ("why", Value::Text(c.why.text()))])
                    })
                    .collect(),
            ),
        ));
    }
    for (n, c) in &inst.parts {
        fields.push((format!("n_{n}"), count_value(*c)));
    }
    Value::Record(fields)
}

/// Judges a key: a count compared by meaning. For a composition the
/// answer is `{ rule, count }` (the rule alone when a network's count is
/// unknown): a record key is compared field by field, a key in the atoms
/// n_f, n_g with the rule, and any other key with the count the rule gives
/// for these networks.
pub fn judge(finding: &super::Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let super::Answer::Regions(a) = &finding.answer else {
        return compare(key, &finding.value, ring);
    };
    let Some(rule) = &a.rule else {
        return compare(key, &finding.value, ring);
    };
    if matches!(key, Value::Record(_)) {
        return compare(key, &finding.value, ring);
    }
    let atoms = rule.formula.vars();
    let in_atoms = key.as_formula().is_some_and(|k| k.vars().iter().any(|v| atoms.contains(v)));
    match (&a.count, in_atoms) {
        (Some(count), false) => compare(key, &count.value(), ring),
        _ => compare(key, &Value::formula(rule.formula.clone()), ring),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::Depth;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    fn open(lo: Q, hi: Q) -> Interval {
        Interval { lo: Some(lo), hi: Some(hi) }
    }

    fn unit(d: usize) -> Vec<Interval> {
        vec![open(q(0, 1), q(1, 1)); d]
    }

    /// The network `name` of a problem written out.
    fn network(text: &str, name: &str) -> Concrete {
        let (file, _) = crate::language::parse(text);
        let (problem, diagnostics) = crate::model::elaborate(&file.problems[0]);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Some(crate::model::Binding::Network(net)) = crate::model::Scope::binding(&problem, name) else {
            panic!("no network {name}")
        };
        net.concrete.clone().expect("numeric sizes")
    }

    fn one_input(body: &str) -> Concrete {
        network(&format!("problem p \"p\"\n  f = network (x: 1) {body}\n"), "f")
    }

    fn two_inputs(body: &str) -> Concrete {
        network(&format!("problem p \"p\"\n  f = network (x: 2) {body}\n"), "f")
    }

    /// The drawing with the enumeration's own count of regions.
    fn drawn(net: &Concrete, domain: &[Interval], target: &[Interval]) -> (Drawing, Enumeration) {
        let e = enumerate(net, domain, target, usize::MAX).unwrap();
        let dr = drawing(net, domain, target, e.total).unwrap().expect("a picture");
        (dr, e)
    }

    /// The network's value at a point, by an exact forward pass.
    fn value(numeric: &Numeric, x: &[Q]) -> Vec<Q> {
        let mut v = x.to_vec();
        for l in &numeric.layers {
            match l {
                cells::Step::Dense { weight, bias } => {
                    v = weight
                        .iter()
                        .zip(bias)
                        .map(|(row, b)| &row.iter().zip(&v).map(|(w, x)| w * x).sum::<Q>() + b)
                        .collect();
                }
                cells::Step::Kink { slope } => {
                    v = v.into_iter().map(|y| if y.is_negative() { &y * slope } else { y }).collect();
                }
            }
        }
        v
    }

    fn slope_at(numeric: &Numeric, x: &Q) -> Q {
        numeric.affine_at(std::slice::from_ref(x)).expect("an affine map").0[0][0].clone()
    }

    /// Whether a point is strictly inside a convex counterclockwise polygon.
    fn strictly_inside(p: &[Q], points: &[(Q, Q)]) -> bool {
        (0..points.len()).all(|k| {
            let (a, b) = (&points[k], &points[(k + 1) % points.len()]);
            let cross = &(&(&b.0 - &a.0) * &(&p[1] - &a.1)) - &(&(&b.1 - &a.1) * &(&p[0] - &a.0));
            cross > Q::zero()
        })
    }

    /// In one input: the intervals tile the window left to right, meeting at
    /// the exact kinks (the slope changes there), their lengths add up to
    /// the window's, the graph's ends are the network's exact values, and a
    /// region is identified exactly when its affine image is the target.
    fn check_one_input(net: &Concrete, dr: &Drawing) {
        let numeric = Numeric::new(net).unwrap();
        let (lo, hi) = &dr.window[0];
        let (tlo, thi) = &dr.target[0];
        let mut at = lo.clone();
        let mut length = Q::zero();
        let mut slopes = Vec::new();
        for r in &dr.regions {
            let DrawnShape::Interval { ends: (a, b), values: (va, vb) } = &r.shape else { panic!("an interval") };
            assert_eq!(a, &at, "the intervals meet");
            assert!(a < b);
            length = &length + &(b - a);
            at = b.clone();
            assert_eq!(&value(&numeric, std::slice::from_ref(a))[0], va);
            assert_eq!(&value(&numeric, std::slice::from_ref(b))[0], vb);
            let slope = slope_at(&numeric, &r.inside[0]);
            assert_eq!(&(vb - va), &(&slope * &(b - a)), "the network is affine on the region");
            let image = if va < vb { (va, vb) } else { (vb, va) };
            assert_eq!(r.identified, !slope.is_zero() && image == (tlo, thi), "{:?}", r.shape);
            slopes.push(slope);
        }
        assert_eq!(&at, hi);
        assert_eq!(&length, &(hi - lo), "the regions tile the window");
        // Each interior end is a kink: the slope changes there.
        assert!(slopes.windows(2).all(|w| w[0] != w[1]), "{slopes:?}");
    }

    /// In two inputs: positive areas adding up to the window's, each
    /// region's point inside it and in no other, and a region identified
    /// exactly when its affine map is invertible and takes its corners onto
    /// the target's corners.
    fn check_two_inputs(net: &Concrete, dr: &Drawing) {
        let numeric = Numeric::new(net).unwrap();
        let w = &dr.window;
        let mut area = Q::zero();
        for (k, r) in dr.regions.iter().enumerate() {
            let DrawnShape::Polygon(points) = &r.shape else { panic!("a polygon") };
            let a = crate::derive::plane::twice_area(points);
            assert!(a > Q::zero(), "counterclockwise with an area");
            area = &area + &a;
            assert!(strictly_inside(&r.inside, points));
            for (j, other) in dr.regions.iter().enumerate() {
                let DrawnShape::Polygon(o) = &other.shape else { panic!("a polygon") };
                assert_eq!(strictly_inside(&r.inside, o), j == k, "regions {j} and {k} overlap");
            }
            let (m, _) = numeric.affine_at(&r.inside).unwrap();
            let det = &(&m[0][0] * &m[1][1]) - &(&m[0][1] * &m[1][0]);
            let mut images: Vec<(Q, Q)> = points
                .iter()
                .map(|(x, y)| {
                    let v = value(&numeric, &[x.clone(), y.clone()]);
                    (v[0].clone(), v[1].clone())
                })
                .collect();
            images.sort();
            let mut corners = rectangle(&dr.target[0], &dr.target[1]);
            corners.sort();
            assert_eq!(r.identified, !det.is_zero() && images == corners, "{:?}", r.shape);
        }
        let window = &(&w[0].1 - &w[0].0) * &(&w[1].1 - &w[1].0);
        assert_eq!(area, &window * &Q::from_int(2), "the regions tile the window");
    }

    /// The shapes the enumeration identifies, as the corners a picture
    /// draws.
    fn identified_corners(e: &Enumeration) -> Vec<Vec<(Q, Q)>> {
        e.regions
            .iter()
            .map(|r| match &r.shape {
                RegionShape::Box(s) => {
                    let s = bounded(s).unwrap();
                    rectangle(&s[0], &s[1])
                }
                RegionShape::Polytope(p) => p.vertices.clone().unwrap().into_iter().map(|[x, y]| (x, y)).collect(),
            })
            .collect()
    }

    fn yes_corners(dr: &Drawing) -> Vec<Vec<(Q, Q)>> {
        dr.regions
            .iter()
            .filter(|r| r.identified)
            .map(|r| match &r.shape {
                DrawnShape::Polygon(p) => p.clone(),
                DrawnShape::Interval { .. } => panic!("a polygon"),
            })
            .collect()
    }

    #[test]
    fn one_input_regions_meet_at_the_kinks() {
        // The tent map three times: 8 pieces, all onto (0, 1).
        let tent = one_input("repeat 3 { dense 2 + -1; abs }");
        let (dr, e) = drawn(&tent, &unit(1), &unit(1));
        assert!(!dr.capped());
        assert_eq!(dr.regions.len() as u128, e.total);
        assert_eq!(dr.regions.iter().filter(|r| r.identified).count() as u128, e.identified);
        check_one_input(&tent, &dr);
        // |3x - 1|: onto (0, 1) left of 1/3 only; and a leaky kink.
        for body in ["{ dense 3 + -1; abs }", "{ dense 2 + -1; leaky_relu(1/2); dense 2 + 0; abs }"] {
            let net = one_input(body);
            let (dr, e) = drawn(&net, &unit(1), &unit(1));
            assert_eq!(dr.regions.iter().filter(|r| r.identified).count() as u128, e.identified, "{body}");
            assert!(dr.regions.iter().any(|r| !r.identified), "{body}");
            check_one_input(&net, &dr);
        }
    }

    #[test]
    fn two_input_regions_tile_the_domain_and_are_shaded_when_identified() {
        let cases = [
            // Coordinate by coordinate, some pieces counted out.
            ("{ dense [[2, 0], [0, 3]] + [-1, -1]; abs }", unit(2)),
            ("repeat 2 { dense [[2, 0], [0, 2]] + [-1, -1]; abs }", unit(2)),
            // Triangles, none onto the target.
            ("{ dense [[1, 1], [1, -1]] + [-1, 0]; abs }", vec![open(q(0, 1), q(2, 1)), open(q(0, 1), q(1, 1))]),
        ];
        for (body, target) in cases {
            let net = two_inputs(body);
            let (dr, e) = drawn(&net, &unit(2), &target);
            assert!(!dr.capped(), "{body}");
            check_two_inputs(&net, &dr);
            // Shaded exactly where the enumeration identifies a region, in
            // the listing's order.
            assert_eq!(yes_corners(&dr), identified_corners(&e), "{body}");
        }
        // The polytope method draws the same regions as the coordinate
        // method on a diagonal network.
        let net = two_inputs("{ dense [[2, 0], [0, 3]] + [-1, -1]; abs }");
        let numeric = Numeric::new(&net).unwrap();
        let (by_lines, _) = drawn(&net, &unit(2), &unit(2));
        let mut by_cells = Drawing { regions: Vec::new(), ..by_lines.clone() };
        draw(&numeric, None, &unit(2), &unit(2), &mut by_cells).unwrap();
        let corners = |dr: &Drawing| {
            let mut v: Vec<(Vec<(Q, Q)>, bool)> = dr
                .regions
                .iter()
                .map(|r| match &r.shape {
                    DrawnShape::Polygon(p) => (p.clone(), r.identified),
                    DrawnShape::Interval { .. } => panic!("a polygon"),
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(corners(&by_lines), corners(&by_cells));
        check_two_inputs(&net, &by_cells);
    }

    #[test]
    fn many_regions_are_capped_to_a_tiled_corner() {
        // 2^7 pieces: the first 64, which end at 1/2.
        let tent = one_input("repeat 7 { dense 2 + -1; abs }");
        let (dr, e) = drawn(&tent, &unit(1), &unit(1));
        assert_eq!(e.total, 128);
        assert!(dr.capped());
        assert_eq!(dr.regions.len(), DRAWN);
        assert_eq!(dr.window, [(q(0, 1), q(1, 2))]);
        check_one_input(&tent, &dr);
        // 16 x 16 squares: the corner of 8 x 8.
        let net = two_inputs("repeat 4 { dense [[2, 0], [0, 2]] + [-1, -1]; abs }");
        let (dr, _) = drawn(&net, &unit(2), &unit(2));
        assert_eq!(dr.regions.len(), DRAWN);
        assert_eq!(dr.window, [(q(0, 1), q(1, 2)), (q(0, 1), q(1, 2))]);
        check_two_inputs(&net, &dr);
        let fig = figure(
            &dr,
            &Naming {
                network: Math::name("f"),
                value: Math::name("f"),
                inputs: coordinates(Math::name("x"), 2),
                outputs: coordinates(Math::name("y"), 2),
                region: Some(Math::name("R")),
                sizes: Vec::new(),
            },
        );
        let caption = crate::render::layout::prose_text(&crate::render::text::lower_prose(
            &fig.caption,
            &crate::algebra::Ring::new(),
        ));
        assert!(caption.contains("the first 64 of its 256 regions"), "{caption}");
        // Capped: no names, which would not match the listing.
        assert!(fig.panels[0].marks.iter().all(|m| !matches!(m, Mark::Region { label: Some(_), .. })));
    }

    /// The figures of a problem's solution steps, with their captions as text.
    fn figures(text: &str) -> (Vec<(Figure, String)>, RegionsAnswer) {
        let report = crate::check::check_source(crate::language::SourceFile::new("t.nnk", text));
        let p = &report.problems[0];
        let f = &p.findings[0].finding;
        let mut out = Vec::new();
        for s in &f.explanation.steps {
            for b in &s.blocks {
                if let Block::Figure(fig) = b {
                    assert_eq!(s.depth, Depth::Solution);
                    let caption = crate::render::layout::prose_text(&crate::render::text::lower_prose(
                        &fig.caption,
                        &p.problem.ring,
                    ));
                    out.push((fig.clone(), caption));
                }
            }
        }
        let super::super::Answer::Regions(a) = &f.answer else { panic!("a regions answer") };
        (out, a.clone())
    }

    fn graph(fig: &Figure) -> &[(Q, Q)] {
        fig.panels[0]
            .marks
            .iter()
            .find_map(|m| match m {
                Mark::Line { points, role: Role::Main, .. } => Some(points.as_slice()),
                _ => None,
            })
            .expect("a graph")
    }

    #[test]
    fn symbolic_sizes_draw_small_instances() {
        let text = "problem q \"L layers\"
  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }
  find n = identified regions of f from (0,1)^d onto (0,1)^d
";
        let (figs, _) = figures(text);
        assert_eq!(figs.len(), 2);
        assert!(figs[0].1.starts_with("For d = 1 and L = 2, the graph of f on (0, 1)"), "{}", figs[0].1);
        assert!(figs[1].1.starts_with("For d = 2 and L = 2, the domain (0, 1)^2 of f cut into its 16 regions"));
        // The graph of the tent map twice: through its exact values at the
        // kinks, where 2x - 1 or 2|2x - 1| - 1 vanishes.
        let tent = |x: &Q| (&(&Q::from_int(2) * &(&(&Q::from_int(2) * x) - &Q::one()).abs()) - &Q::one()).abs();
        let points = graph(&figs[0].0);
        let xs: Vec<Q> = points.iter().map(|p| p.0.clone()).collect();
        assert_eq!(xs, [q(0, 1), q(1, 4), q(1, 2), q(3, 4), q(1, 1)]);
        assert!(points.iter().all(|(x, y)| &tent(x) == y));
        // The target: the box itself, in the second panel.
        let Mark::Region { points, role: Role::Target, .. } = &figs[1].0.panels[1].marks[0] else {
            panic!("the target")
        };
        assert_eq!(points, &rectangle(&(q(0, 1), q(1, 1)), &(q(0, 1), q(1, 1))));
        // A composition: the regions of f ∘ g, named so.
        let text = "problem c \"compose\"
  g = network (x: d) { dense 2*I(d) + -1; abs }
  f = network (x: d) repeat 2 { dense 2*I(d) + -1; abs }
  find n = identified regions of f ∘ g from (0,1)^d onto (0,1)^d
";
        let (figs, answer) = figures(text);
        assert_eq!(figs.len(), 2);
        assert!(figs[0].1.contains("the graph of f ∘ g on (0, 1)") && figs[0].1.contains("Its 8 regions"));
        assert_eq!(graph(&figs[0].0).len(), 9);
        let at_two = answer.instances.iter().find(|i| i.sizes == [("d".to_string(), 2)]).unwrap();
        let yes = figs[1].0.panels[0].marks.iter().filter(|m| matches!(m, Mark::Region { role: Role::Yes, .. }));
        assert_eq!(yes.count() as u128, at_two.enumeration.identified);
    }

    #[test]
    fn numeric_sizes_name_the_listed_regions() {
        let text = "problem p \"uneven\"
  f = network (x: 2) { dense [[2, 0], [0, 3]] + [-1, -1]; abs }
  find n = identified regions of f from (0,1)^2 onto (0,1)^2
";
        let (figs, answer) = figures(text);
        assert_eq!(figs.len(), 1);
        let e = &answer.instances[0].enumeration;
        let named: Vec<(Math, Vec<(Q, Q)>)> = figs[0].0.panels[0]
            .marks
            .iter()
            .filter_map(|m| match m {
                Mark::Region { points, role: Role::Yes, label: Some(l) } => Some((l.clone(), points.clone())),
                _ => None,
            })
            .collect();
        // R_k is the k-th region of the listing.
        let listed: Vec<(Math, Vec<(Q, Q)>)> =
            identified_corners(e).into_iter().enumerate().map(|(k, c)| (Math::name("R").sub(k + 1), c)).collect();
        assert_eq!(named, listed);
        assert!(figs[0].1.contains("the 2 regions mapped bijectively onto the target are shaded, the others dashed"));
    }
}
