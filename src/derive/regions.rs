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

use num_bigint::BigInt;

use crate::algebra::{Formula, Notation, Poly, Print, Q, Ring, Symbol, Var};
use crate::language::Diagnostic;
use crate::language::syntax::{Expr, ExprKind, LayerSyntax, Size};
use crate::model::regions::{Instance, Interval, OpenBox, RegionsQuery, SizeSymbol, Sizes, sizes_text};
use crate::model::{Concrete, Layer, Network, Problem, Value, compare};

use super::Step;
use super::cells::{self, Factor, Inverse, Numeric, Piece};

/// Regions listed one by one, per instance; beyond this only counted.
pub const LISTED: usize = 64;
/// Most cells the polytope enumeration visits.
const CELL_LIMIT: usize = 100_000;

/// One region and its inverse map.
#[derive(Clone, Debug)]
pub struct Region {
    pub shape: RegionShape,
    pub inverse: Inverse,
}

#[derive(Clone, Debug)]
pub enum RegionShape {
    /// A product of open intervals.
    Box(Vec<Interval>),
    /// `{x : A x < b}`.
    Polytope(Vec<(Vec<Q>, Q)>),
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
    /// The first identified regions, in order.
    pub regions: Vec<Region>,
    /// The first regions counted out, with why.
    pub counted_out: Vec<(String, String)>,
    pub method: Method,
    /// Per coordinate, the identified pieces (coordinate method only).
    pub factors: Option<Vec<Factor>>,
}

/// Enumerates the regions of `net` in `domain` and decides which it maps
/// bijectively onto `target`; lists at most `keep` of them.
pub fn enumerate(net: &Concrete, domain: &[Interval], target: &[Interval], keep: usize) -> Result<Enumeration, String> {
    let numeric = Numeric::new(net)?;
    if domain.len() != net.input_dim {
        return Err(format!("the domain has {} coordinates, the network {} inputs", domain.len(), net.input_dim));
    }
    if target.len() != net.output_dim() {
        return Err(format!("the target has {} coordinates, the network {} outputs", target.len(), net.output_dim()));
    }
    match numeric.coordinate_lines() {
        Some(lines) => by_coordinates(&lines, domain, target, keep),
        None => by_polytopes(&numeric, domain, target, keep),
    }
}

/// The coordinate method; see the module `cells`.
pub fn by_coordinates(
    lines: &[cells::Line],
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
) -> Result<Enumeration, String> {
    // Coordinates that follow the same line between the same sides share
    // one scan.
    let mut factors: Vec<Factor> = Vec::with_capacity(lines.len());
    for i in 0..lines.len() {
        let same = (0..i).find(|&j| lines[j] == lines[i] && domain[j] == domain[i] && target[j] == target[i]);
        let f = match same {
            Some(j) => factors[j].clone(),
            None => Factor::scan(&lines[i], &domain[i], &target[i], keep)?,
        };
        factors.push(f);
    }
    let too_many = || "more than 2^127 regions".to_string();
    let identified = factors.iter().try_fold(1u128, |a, f| a.checked_mul(f.count)).ok_or_else(too_many)?;
    let total = factors.iter().try_fold(1u128, |a, f| a.checked_mul(f.total)).ok_or_else(too_many)?;
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
            if counted_out.len() < cells::SHOWN {
                let place = if lines.len() == 1 { String::new() } else { format!("coordinate {}: ", i + 1) };
                counted_out.push((format!("{place}{}", p.interval.text()), why.clone()));
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
    }
}

/// The polytope method; see the module `cells`.
pub fn by_polytopes(
    net: &Numeric,
    domain: &[Interval],
    target: &[Interval],
    keep: usize,
) -> Result<Enumeration, String> {
    let mut e = Enumeration {
        identified: 0,
        total: 0,
        regions: Vec::new(),
        counted_out: Vec::new(),
        method: Method::Polytopes,
        factors: None,
    };
    cells::cells(net, domain, CELL_LIMIT, &mut |cell, point| {
        e.total += 1;
        match cells::onto(cell, target)? {
            Ok(inverse) => {
                e.identified += 1;
                if e.regions.len() < keep {
                    e.regions.push(Region { shape: RegionShape::Polytope(cell.constraints.clone()), inverse });
                }
            }
            Err(why) if e.counted_out.len() < cells::SHOWN => {
                let at: Vec<String> = point.iter().map(Q::to_string).collect();
                e.counted_out.push((format!("the region around ({})", at.join(", ")), why));
            }
            Err(_) => {}
        }
        Ok(())
    })?;
    Ok(e)
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

/// Derives the count: the value (a number, a formula, or the composition
/// rule), the derivation, and the witness.
pub fn derive(q: &RegionsQuery, problem: &Problem) -> Result<(Value, Vec<Step>, Option<Value>), Diagnostic> {
    let ring = &problem.ring;
    let at = |e: String| Diagnostic::error(q.span, e);
    let instances: Vec<Instance> = q.grid().into_iter().map(|s| q.instance(s, problem)).collect::<Result<_, _>>()?;
    let mut steps = Vec::new();
    let mut rows = Vec::new();
    let mut enumerations = Vec::new();
    for inst in &instances {
        let e = enumerate(&inst.net, &inst.domain, &inst.target, LISTED)
            .map_err(|e| at(if inst.sizes.is_empty() { e } else { format!("at {}: {e}", sizes_text(&inst.sizes)) }))?;
        enumerations.push(e);
    }
    if q.networks.len() > 1 {
        return compose(q, problem, &instances, &enumerations);
    }
    let net = &q.networks[0];
    if q.symbols.is_empty() {
        let e = &enumerations[0];
        steps.extend(listing_steps(net, &instances[0], e, q));
        let value = count_value(e.identified);
        let witness = Value::record(vec![
            ("count", value.clone()),
            ("instances", Value::List(vec![instance_value(&instances[0], e)])),
        ]);
        return Ok((value, steps, Some(witness)));
    }
    // Symbolic sizes: a formula with its proof, checked on every instance.
    let (from, to) = q.sides(0);
    let formula = match formula_between(net, from, to, &q.symbols, problem) {
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
    steps.extend(formula.steps.clone());
    for (inst, e) in instances.iter().zip(&enumerations) {
        let expected = formula.value.eval(&|v| lookup(ring, &inst.sizes, v)).map_err(at)?;
        if expected != big(e.identified) {
            return Err(at(format!(
                "the formula {} gives {expected} at {}, but enumeration counts {}: nnkey will not give it",
                formula.value.print(ring, Notation::Plain),
                sizes_text(&inst.sizes),
                e.identified
            )));
        }
        rows.push((inst, e));
    }
    steps.push(instance_table(&rows, "the formula"));
    let value = Value::formula(formula.value.clone());
    let witness = Value::record(vec![
        ("count", value.clone()),
        ("instances", Value::List(rows.iter().map(|(i, e)| instance_value(i, e)).collect())),
    ]);
    Ok((value, steps, Some(witness)))
}

fn lookup(ring: &Ring, sizes: &Sizes, v: Var) -> Option<i64> {
    let name = ring.symbol(v).to_string();
    sizes.iter().find(|s| s.0 == name).map(|s| s.1)
}

/// A formula for one network, with the steps of its proof.
struct Derived {
    value: Formula,
    steps: Vec<Step>,
}

/// Whether an expression mentions a name other than as the size in `I(…)`.
fn mentions(e: &Expr, name: &str, inside_identity: bool) -> bool {
    match &e.kind {
        ExprKind::Name(n) => n == name && !inside_identity,
        ExprKind::Number(_) | ExprKind::Str(_) => false,
        ExprKind::Neg(a) => mentions(a, name, false),
        ExprKind::Binary(_, a, b) | ExprKind::Maps(a, b) => mentions(a, name, false) || mentions(b, name, false),
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
            LayerSyntax::Activation { .. } => {}
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

/// The formula for one network between two boxes, with the steps of its
/// proof, or why nnkey cannot prove one. `symbols` are the query's free
/// sizes.
fn formula_between(
    net: &Network,
    domain: Option<&OpenBox>,
    target: &OpenBox,
    symbols: &[SizeSymbol],
    problem: &Problem,
) -> Result<Derived, String> {
    let ring = &problem.ring;
    let own: Vec<&SizeSymbol> = symbols.iter().filter(|s| net.symbols().iter().any(|(n, _)| *n == s.name)).collect();
    if own.is_empty() {
        // Every size a number: the count is what enumeration finds.
        let c = net.instantiate(&[], problem).map_err(|e| e.message)?;
        let none = Vec::new();
        let from = crate::model::regions::coordinates(domain, c.input_dim, &none, problem).map_err(|e| e.message)?;
        let to = target.coordinates(&none, problem).map_err(|e| e.message)?;
        let e = enumerate(&c, &from, &to, 0)?;
        let value = Formula::constant(big(e.identified));
        let step = Step::text(format!("`{}` has numeric sizes: enumeration counts {}.", net.name, e.identified));
        return Ok(Derived { value, steps: vec![step] });
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
    let mut steps = Vec::new();
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
            let w = one.layers.iter().filter(|l| matches!(l, Layer::Dense(_))).count();
            steps.push(Step::text(format!(
                "Every weight of `{}` is a number times I({d}) and every bias a number ({w} dense {} in the {}), \
                 so unit i of every layer sees only coordinate i, with the same numbers for every i. The network is \
                 the product of {d} copies of one network h of one input, and a region of it is a product \
                 R₁ × … × R_{d} of regions of h.",
                net.name,
                if w == 1 { "layer" } else { "layers" },
                if repeat.is_some() { "repeated block" } else { "network" }
            )));
            steps.push(Step::text(format!(
                "On a product region the map is diagonal, a product of maps of one input, so it takes R₁ × … × R_{d} \
                 bijectively onto {}^{d} exactly when each Rᵢ goes bijectively onto {}. Hence the count is the count \
                 of h to the power {d}.",
                tside.text(),
                tside.text()
            )));
            (vec![lines[0].clone()], vec![dside], vec![tside])
        }
        None => {
            let ones: Vec<(&str, i64)> = repeat.map(|l| (l, 1)).into_iter().collect();
            let one = net.instantiate(&ones, problem).map_err(|e| e.message)?;
            let numeric = Numeric::new(&one)?;
            let lines = numeric.coordinate_lines().ok_or_else(|| {
                format!("the block of `{}` mixes coordinates, so its regions are not products", net.name)
            })?;
            let dside = crate::model::regions::coordinates(domain, one.input_dim, &Vec::new(), problem)
                .map_err(|e| e.message)?;
            let tside = target.coordinates(&Vec::new(), problem).map_err(|e| e.message)?;
            if lines.len() > 1 {
                steps.push(Step::text(format!(
                    "Every dense layer of `{}` is diagonal, so each coordinate runs through its own network of one \
                     input; a region is a product of one region per coordinate, mapped onto the target box exactly \
                     when each side is.",
                    net.name
                )));
            }
            (lines, dside, tside)
        }
    };
    // The count per coordinate: of the whole network, or of one block.
    let mut per_coordinate: Vec<u128> = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let f = Factor::scan(line, &domain_sides[k], &target_sides[k], LISTED)?;
        let n = f.count;
        let what = if repeat.is_some() { "one block" } else { "the network" };
        let place = if lines.len() > 1 { format!(" on coordinate {}", k + 1) } else { String::new() };
        let listed: Vec<String> = f
            .identified
            .iter()
            .map(|p| format!("{} ↦ {}", p.interval.text(), affine_text(&p.slope, &p.offset)))
            .collect();
        steps.push(Step::text(format!(
            "On {}, {what}{place} has {} of its {} pieces mapped bijectively onto {}: {}.",
            domain_sides[k].text(),
            n,
            f.total,
            target_sides[k].text(),
            if listed.is_empty() { "none".to_string() } else { listed.join(", ") }
        )));
        if let Some(l) = repeat {
            if domain_sides[k] != target_sides[k] {
                return Err(format!(
                    "the block maps {} onto {}, a different interval, so repeating it does not compose region by \
                     region",
                    domain_sides[k].text(),
                    target_sides[k].text()
                ));
            }
            if n != f.total {
                let why = f.counted_out.first().map(|(p, w)| format!(": {} is not ({w})", p.interval.text()));
                return Err(format!(
                    "one block leaves pieces of {} that it does not map onto it{}, so the count of {l} blocks need \
                     not be a power",
                    domain_sides[k].text(),
                    why.unwrap_or_default()
                ));
            }
            steps.push(Step::text(format!(
                "Composition: the block's {n} pieces cover {} up to finitely many points and each is mapped \
                 bijectively onto it. So each region of the first j blocks (mapped onto {} bijectively) splits into \
                 exactly {n} regions of j + 1 blocks, the preimages of the block's pieces, each again mapped onto \
                 {}; by induction on j, {l} blocks have {n}^{l} regions.",
                domain_sides[k].text(),
                domain_sides[k].text(),
                domain_sides[k].text()
            )));
        }
        per_coordinate.push(n);
    }
    // Assemble: n^(L*d), n^d, (∏ nᵢ)^L or ∏ nᵢ.
    let var = |name: &str| Poly::var(ring.var(&Symbol::plain(name)));
    let mut exponent = Poly::one();
    if let Some(l) = repeat {
        exponent = &exponent * &var(l);
    }
    if let Some(d) = &dim {
        exponent = &exponent * &var(d);
    }
    let base = per_coordinate.iter().try_fold(1u128, |a, &n| a.checked_mul(n)).ok_or("more than 2^127 regions")?;
    let value = if exponent.is_one() { Formula::constant(big(base)) } else { power(base, &exponent)? };
    steps.push(super::Step::math(
        "Hence the number of identified regions is",
        value.print(ring, Notation::Plain),
        value.print(ring, Notation::Latex),
    ));
    Ok(Derived { value, steps })
}

/// `2 x - 1`, `-2 x + 1`, `1/2 x`.
fn affine_text(slope: &Q, offset: &Q) -> String {
    let mut s = if slope.is_one() {
        "x".to_string()
    } else if (-slope).is_one() {
        "-x".to_string()
    } else {
        format!("{slope} x")
    };
    if !offset.is_zero() {
        if offset.is_negative() {
            s.push_str(&format!(" - {}", -offset));
        } else {
            s.push_str(&format!(" + {offset}"));
        }
    }
    s
}

/// A composition `f ∘ g`: the rule n_f · n_g, checked on every instance.
fn compose(
    q: &RegionsQuery,
    problem: &Problem,
    instances: &[Instance],
    enumerations: &[Enumeration],
) -> Result<(Value, Vec<Step>, Option<Value>), Diagnostic> {
    let ring = &problem.ring;
    let at = |e: String| Diagnostic::error(q.span, e);
    let names: Vec<&str> = q.networks.iter().map(|n| n.name.as_str()).collect();
    let rule = names.iter().fold(Formula::constant(Q::one()), |acc, n| &acc * &Formula::atom(atom(n, ring)));
    let shown = |f: &Formula| f.print(ring, Notation::Plain);
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
    let counts: Vec<String> = first
        .iter()
        .map(|&(n, k)| {
            let (from, to) = q.sides(k);
            let from = from.map_or("all of R^n", |b| b.text.as_str());
            format!("n_{n} for the regions `{n}` identifies from {from} onto {}", to.text)
        })
        .collect();
    let mut steps = vec![Step::text(format!("{} runs `{inner}` first. Write {}.", q.name(), counts.join(", and ")))];
    steps.push(Step::text(format!(
        "The rule: if every inner network maps each of its regions bijectively onto {m}, and those regions cover \
         its domain up to a set without volume, then a region of the composition is a region R of the inner \
         network followed by a region S of the outer one, pulled back through the bijection R → {m}. Each such \
         pair gives exactly one region, mapped bijectively onto the target, and there are no others. So the \
         counts multiply.",
        m = q.middle().text
    )));
    let mut table = Vec::new();
    for (inst, e) in instances.iter().zip(enumerations) {
        let mut product = 1u128;
        let mut parts = Vec::new();
        for (k, (name, net, from, to)) in inst.parts.iter().enumerate() {
            let part = enumerate(net, from, to, 0).map_err(|e| at(format!("`{name}`: {e}")))?;
            let inner = k + 1 < inst.parts.len();
            if inner && part.identified != part.total {
                let why = part.counted_out.first().map(|(r, w)| format!(" ({r}: {w})")).unwrap_or_default();
                return Err(at(format!(
                    "the rule n_f · n_g needs every region of the inner network `{name}` mapped onto {}, but {} of its \
                     {} regions are not{why}{}; the composition identifies {}",
                    q.middle().text,
                    part.total - part.identified,
                    part.total,
                    if inst.sizes.is_empty() { String::new() } else { format!(" at {}", sizes_text(&inst.sizes)) },
                    e.identified
                )));
            }
            product = product.saturating_mul(part.identified);
            if !parts.iter().any(|p: &(String, u128)| p.0 == format!("n_{name}")) {
                parts.push((format!("n_{name}"), part.identified));
            }
        }
        if product != e.identified {
            return Err(at(format!(
                "the composition identifies {} regions but the product of the counts is {product}{}",
                e.identified,
                if inst.sizes.is_empty() { String::new() } else { format!(" at {}", sizes_text(&inst.sizes)) }
            )));
        }
        table.push((inst, e, parts));
    }
    // The counts of the parts as formulas, where nnkey can prove them.
    let mut instantiated = Some(Formula::constant(Q::one()));
    let mut fields: Vec<(String, Value)> = vec![("rule".into(), Value::formula(rule.clone()))];
    for &(name, k) in &first {
        let net = &q.networks[q.networks.len() - 1 - k];
        let runs = names.iter().filter(|n| **n == name).count() as i64;
        let (from, to) = q.sides(k);
        match formula_between(net, from, to, &q.symbols, problem) {
            Ok(d) => {
                steps.push(Step::math(
                    format!("For `{name}` alone:"),
                    format!("n_{name} = {}", shown(&d.value)),
                    format!("n_{{{name}}} = {}", d.value.print(ring, Notation::Latex)),
                ));
                fields.push((format!("n_{name}"), Value::formula(d.value.clone())));
                let each = d.value.pow_int(runs).map_err(at)?;
                instantiated = instantiated.map(|f| &f * &each);
            }
            Err(why) => {
                steps.push(Step::text(format!("For `{name}` alone nnkey has no formula: {why}.")));
                instantiated = None;
            }
        }
    }
    if let Some(total) = &instantiated {
        steps.push(Step::math(
            "Together:",
            format!("{} = {}", shown(&rule), shown(total)),
            format!("{} = {}", rule.print(ring, Notation::Latex), total.print(ring, Notation::Latex)),
        ));
        fields.push(("count".into(), Value::formula(total.clone())));
    }
    let lines: Vec<String> = table
        .iter()
        .map(|(inst, e, parts)| {
            let p: Vec<String> = parts.iter().map(|(n, c)| format!("{n} = {c}")).collect();
            let at = if inst.sizes.is_empty() { String::new() } else { format!("{}: ", sizes_text(&inst.sizes)) };
            format!("{at}{}, composition {}", p.join(", "), e.identified)
        })
        .collect();
    steps.push(Step::text(format!(
        "Checked by exact enumeration of each network and of the composition on {}: {}.",
        super::count(table.len(), "instance"),
        lines.join("; ")
    )));
    fields.push((
        "instances".into(),
        Value::List(
            table
                .iter()
                .map(|(inst, e, parts)| {
                    let mut v = instance_value(inst, e);
                    if let Value::Record(f) = &mut v {
                        for (n, c) in parts {
                            f.push((n.clone(), count_value(*c)));
                        }
                    }
                    v
                })
                .collect(),
        ),
    ));
    let value = Value::formula(rule);
    Ok((value, steps, Some(Value::Record(fields))))
}

// ---------------------------------------------------------------------------
// Presentation
// ---------------------------------------------------------------------------

/// The steps for a network with numeric sizes: what was enumerated, the
/// regions and their inverses, what was counted out.
fn listing_steps(net: &Network, inst: &Instance, e: &Enumeration, q: &RegionsQuery) -> Vec<Step> {
    let mut steps = Vec::new();
    let how = match e.method {
        Method::Coordinates => {
            "Every dense layer is diagonal, so each coordinate runs through its own network of one input; the \
             regions are products of one piece per coordinate, and a product is mapped onto the target box exactly \
             when each side is."
        }
        Method::Polytopes => {
            "The regions are the cells of the activation pattern: the domain split, layer by layer, where a unit \
             changes sign; each cell is a polytope on which the network is one affine map. A cell counts when that \
             map is invertible and takes the cell exactly onto the target box (decided by exact linear programs)."
        }
    };
    steps.push(Step::text(how));
    steps.push(Step::text(format!(
        "`{}` has {} in {}; {} mapped bijectively onto {}.",
        net.name,
        super::count(e.total as usize, "region"),
        q.domain.as_ref().map_or_else(|| cells::boxed(&inst.domain), |b| b.text.clone()),
        if e.identified == 1 { "1 is".to_string() } else { format!("{} are", e.identified) },
        q.onto.text
    )));
    for (k, r) in e.regions.iter().enumerate() {
        steps.push(Step::math(
            format!("Region {}: {}, with inverse", k + 1, shape_text(&r.shape)),
            inverse_text(&r.inverse, Notation::Plain),
            inverse_text(&r.inverse, Notation::Latex),
        ));
    }
    if (e.regions.len() as u128) < e.identified {
        steps.push(Step::text(format!("… and {} more.", e.identified - e.regions.len() as u128)));
    }
    for (r, why) in &e.counted_out {
        steps.push(Step::text(format!("Counted out: {r}: {why}.")));
    }
    steps
}

fn shape_text(s: &RegionShape) -> String {
    match s {
        RegionShape::Box(sides) => cells::boxed(sides),
        RegionShape::Polytope(constraints) => {
            let rows: Vec<String> = constraints
                .iter()
                .map(|(a, b)| {
                    let terms: Vec<(Q, String)> =
                        a.iter().enumerate().map(|(i, q)| (q.clone(), format!("x{}", i + 1))).collect();
                    format!("{} < {b}", crate::algebra::print::linear_combination(terms, Notation::Plain))
                })
                .collect();
            format!("{{{}}}", rows.join(", "))
        }
    }
}

/// `x1 = -1/2*y1 + 1/2, x2 = …` in either notation.
fn inverse_text(inv: &Inverse, notation: Notation) -> String {
    let name = |v: &str, i: usize| match notation {
        Notation::Plain => format!("{v}{i}"),
        Notation::Latex => format!("{v}_{{{i}}}"),
    };
    let rows: Vec<String> = inv
        .matrix
        .iter()
        .zip(&inv.offset)
        .enumerate()
        .map(|(i, (row, b))| {
            let mut terms: Vec<(Q, String)> =
                row.iter().enumerate().map(|(j, q)| (q.clone(), name("y", j + 1))).collect();
            terms.push((b.clone(), String::new()));
            format!("{} = {}", name("x", i + 1), crate::algebra::print::linear_combination(terms, notation))
        })
        .collect();
    rows.join(if notation == Notation::Plain { ", " } else { ",\\quad " })
}

/// The table of instances checked.
fn instance_table(rows: &[(&Instance, &Enumeration)], against: &str) -> Step {
    let lines: Vec<String> = rows.iter().map(|(i, e)| format!("{}: {}", sizes_text(&i.sizes), e.identified)).collect();
    Step::text(format!(
        "Checked against exact enumeration of the regions on {}, each agreeing with {against}: {}.",
        super::count(rows.len(), "instance"),
        lines.join("; ")
    ))
}

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
        RegionShape::Polytope(c) => {
            let a: Vec<Vec<Q>> = c.iter().map(|x| x.0.clone()).collect();
            let b: Vec<Q> = c.iter().map(|x| x.1.clone()).collect();
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

fn instance_value(inst: &Instance, e: &Enumeration) -> Value {
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
                    .map(|(r, why)| {
                        Value::record(vec![("region", Value::Text(r.clone())), ("why", Value::Text(why.clone()))])
                    })
                    .collect(),
            ),
        ));
    }
    Value::Record(fields)
}

/// Judges a key: a count compared by meaning; for a composition, a key in
/// the atoms n_f, n_g is compared with the rule, any other key with the
/// count the rule gives for these networks.
pub fn judge(finding: &super::Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let total = finding.witness.as_ref().filter(|w| w.field("rule").is_some()).and_then(|w| w.field("count"));
    match (finding.value.as_formula(), total) {
        (Some(rule), Some(total)) => {
            let atoms = rule.vars();
            let in_atoms = key.as_formula().is_some_and(|k| k.vars().iter().any(|v| atoms.contains(v)));
            compare(key, if in_atoms { &finding.value } else { total }, ring)
        }
        _ => compare(key, &finding.value, ring),
    }
}
