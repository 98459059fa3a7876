//! The linear regions of a network with numeric weights inside an open box,
//! and which of them the network maps bijectively onto another open box.
//!
//! A region is a cell of the network's activation pattern: an open set on
//! which every unit before an activation keeps one sign, so that the
//! network is one affine map there. Cells are found by splitting the domain
//! layer by layer at the zeros of the pre-activations, depth first, so that
//! memory grows with the depth of the network and not with the number of
//! regions.
//!
//! Two ways, both exact:
//! - **Coordinate by coordinate.** When every dense layer is square and
//!   diagonal, unit i only ever sees coordinate i: the network is a product
//!   of networks of one input, its cells are products of intervals, and a
//!   cell maps onto a box exactly when each interval maps onto its side.
//! - **Polytopes**, for any weights: a cell is `{x : A x < b}`, split by
//!   hyperplanes; whether an open polytope is empty, and whether its image
//!   is exactly a box, are linear feasibility questions answered by the
//!   exact simplex (`algebra::simplex`).
//!
//! Every cell is checked by code independent of the splitting: an exact
//! forward pass at a point inside it must give the cell's affine map.

use crate::algebra::simplex::{Alternative, farkas};
use crate::algebra::{Matrix, Q};
use crate::model::regions::Interval;
use crate::model::{Concrete, Layer};

use super::budget::{MAX_FEASIBILITY_CHECKS, MAX_PIECES, MAX_SPLITTING_UNITS, Work};
use super::explain::LISTING_CAP;

/// Why a region (or a piece of one coordinate) is not mapped bijectively
/// onto the target.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// The piece is constant, with this value: not one to one.
    Constant(Q),
    /// The piece's image is an open interval other than the target's side.
    Image { image: Interval, target: Interval },
    /// The network has a different number of outputs than inputs.
    Shape { inputs: usize, outputs: usize },
    /// The region's map has rank below the dimension: not one to one.
    Rank { rank: usize, dim: usize },
    /// The image reaches outside the target box.
    Outside(Vec<Interval>),
    /// The image does not cover the target box.
    Uncovered(Vec<Interval>),
}

impl Why {
    /// The reason in a sentence, for messages and the JSON witness.
    pub fn text(&self) -> String {
        match self {
            Why::Constant(v) => format!("constant ({v}): not one to one"),
            Why::Image { image, target } => format!("its image is {}, not {}", image.text(), target.text()),
            Why::Shape { inputs, outputs } => {
                format!("the network maps {inputs} inputs to {outputs} outputs: not a bijection")
            }
            Why::Rank { rank, dim } => format!("its map has rank {rank} < {dim}: not one to one"),
            Why::Outside(target) => format!("its image reaches outside {}", boxed(target)),
            Why::Uncovered(target) => format!("its image does not cover {}", boxed(target)),
        }
    }
}

/// A network with rational weights: dense layers as rows, activations by
/// their slope below 0 (every activation has slope 1 above 0).
#[derive(Clone, Debug)]
pub struct Numeric {
    pub input_dim: usize,
    pub layers: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Dense { weight: Vec<Vec<Q>>, bias: Vec<Q> },
    Kink { slope: Q },
}

impl Numeric {
    /// The network's numbers; an error when a weight is symbolic.
    pub fn new(net: &Concrete) -> Result<Numeric, String> {
        let number = |r: &crate::algebra::RatFunc| {
            r.as_constant().ok_or_else(|| "the network has a weight that is not a number".to_string())
        };
        let mut layers = Vec::new();
        for l in &net.layers {
            match l {
                Layer::Dense(d) => {
                    let mut weight = Vec::with_capacity(d.weight.rows());
                    for r in 0..d.weight.rows() {
                        weight.push(d.weight.row(r).iter().map(number).collect::<Result<Vec<_>, _>>()?);
                    }
                    let bias = d.bias.iter().map(number).collect::<Result<Vec<_>, _>>()?;
                    layers.push(Step::Dense { weight, bias });
                }
                Layer::Activation { activation, .. } => {
                    if activation.has_kink() {
                        layers.push(Step::Kink { slope: number(&activation.negative_slope())? });
                    }
                }
            }
        }
        Ok(Numeric { input_dim: net.input_dim, layers })
    }

    /// The networks of one input that the coordinates follow, when every
    /// dense layer is square and diagonal.
    pub fn coordinate_lines(&self) -> Option<Vec<Line>> {
        let d = self.input_dim;
        let mut lines = vec![Line { steps: Vec::new() }; d];
        for l in &self.layers {
            match l {
                Step::Dense { weight, bias } => {
                    if weight.len() != d || weight.iter().any(|r| r.len() != d) {
                        return None;
                    }
                    for (i, row) in weight.iter().enumerate() {
                        if row.iter().enumerate().any(|(j, w)| j != i && !w.is_zero()) {
                            return None;
                        }
                        lines[i].steps.push(LineStep::Affine(row[i].clone(), bias[i].clone()));
                    }
                }
                Step::Kink { slope } => {
                    for line in &mut lines {
                        line.steps.push(LineStep::Kink(slope.clone()));
                    }
                }
            }
        }
        Some(lines)
    }

    /// The exact affine map `M x + c` of the network around a point, each
    /// unit's side decided by its value there. `None` when some unit is
    /// exactly at its kink.
    pub fn affine_at(&self, x: &[Q]) -> Option<(Vec<Vec<Q>>, Vec<Q>)> {
        let d = x.len();
        let mut value = x.to_vec();
        let mut jac: Vec<Vec<Q>> = (0..d).map(|i| unit_row(d, i)).collect();
        for l in &self.layers {
            match l {
                Step::Dense { weight, bias } => {
                    value = weight.iter().zip(bias).map(|(row, b)| &dot(row, &value) + b).collect();
                    jac = weight
                        .iter()
                        .map(|row| (0..d).map(|c| row.iter().zip(&jac).map(|(w, j)| w * &j[c]).sum()).collect())
                        .collect();
                }
                Step::Kink { slope } => {
                    for (v, j) in value.iter_mut().zip(jac.iter_mut()) {
                        // Zero with a zero gradient: zero all around, either
                        // slope gives 0. Zero otherwise: on a kink.
                        if v.is_zero() {
                            if j.iter().all(Q::is_zero) {
                                continue;
                            }
                            return None;
                        }
                        if v.is_negative() {
                            *v = &*v * slope;
                            j.iter_mut().for_each(|e| *e = &*e * slope);
                        }
                    }
                }
            }
        }
        let offset = value.iter().zip(&jac).map(|(v, row)| v - &dot(row, x)).collect();
        Some((jac, offset))
    }
}

fn unit_row(d: usize, i: usize) -> Vec<Q> {
    (0..d).map(|j| if i == j { Q::one() } else { Q::zero() }).collect()
}

fn dot(a: &[Q], b: &[Q]) -> Q {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

// ---------------------------------------------------------------------------
// One coordinate
// ---------------------------------------------------------------------------

/// A network of one input, as a list of steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub steps: Vec<LineStep>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LineStep {
    /// `w x + b`.
    Affine(Q, Q),
    /// Slope below 0; 1 above.
    Kink(Q),
}

/// A linear piece of a network of one input: on the open interval, the
/// output is `slope x + offset`.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub interval: Interval,
    pub slope: Q,
    pub offset: Q,
}

impl Piece {
    /// The image of the interval, an open interval unless the piece is
    /// constant.
    pub fn image(&self) -> Option<Interval> {
        if self.slope.is_zero() {
            return None;
        }
        let at = |x: &Option<Q>| x.as_ref().map(|x| &(&self.slope * x) + &self.offset);
        let (a, b) = (at(&self.interval.lo), at(&self.interval.hi));
        Some(if self.slope.is_negative() { Interval { lo: b, hi: a } } else { Interval { lo: a, hi: b } })
    }

    /// The inverse map `y ↦ (y − offset)/slope` as (slope, offset).
    pub fn inverse(&self) -> Option<(Q, Q)> {
        let s = self.slope.inv()?;
        let o = -&(&self.offset * &s);
        Some((s, o))
    }

    /// Whether the piece maps its interval bijectively onto `target`, and
    /// why not.
    pub fn onto(&self, target: &Interval) -> Result<(), Why> {
        match self.image() {
            None => Err(Why::Constant(self.offset.clone())),
            Some(image) if &image == target => Ok(()),
            Some(image) => Err(Why::Image { image, target: target.clone() }),
        }
    }
}

impl Line {
    /// Every piece of the line in `domain`, left to right, each checked by
    /// [`Line::check`]; `visit` returns false to stop early.
    pub fn pieces(&self, domain: &Interval, visit: &mut dyn FnMut(Piece) -> bool) -> Result<(), String> {
        let integers = self.integer_steps();
        // Depth first; the stack holds at most one pending piece per kink.
        let mut stack = vec![(0usize, Piece { interval: domain.clone(), slope: Q::one(), offset: Q::zero() })];
        while let Some((k, p)) = stack.pop() {
            if k == self.steps.len() {
                self.check_with(&p, integers.as_deref())?;
                if !visit(p) {
                    return Ok(());
                }
                continue;
            }
            self.split(k, p, &mut stack);
        }
        Ok(())
    }

    /// How many pieces the first `steps` steps have in `domain`, or `None`
    /// when more than `cap`. A later step only splits pieces, so this is
    /// at most the count of the whole line.
    pub fn count_pieces(&self, domain: &Interval, steps: usize, cap: u128) -> Option<u128> {
        let steps = steps.min(self.steps.len());
        let mut count = 0u128;
        let mut stack = vec![(0usize, Piece { interval: domain.clone(), slope: Q::one(), offset: Q::zero() })];
        while let Some((k, p)) = stack.pop() {
            if k == steps {
                count += 1;
                if count > cap {
                    return None;
                }
                continue;
            }
            self.split(k, p, &mut stack);
        }
        Some(count)
    }

    /// [`Line::pieces`] within the query's budget of [`MAX_PIECES`]: the
    /// pieces are counted first, on longer and longer prefixes of the line
    /// (cheap, their numbers are short), and the line is refused before a
    /// single piece is checked when they pass what is left of the budget.
    pub fn pieces_within(
        &self,
        domain: &Interval,
        work: &mut Work,
        visit: &mut dyn FnMut(Piece) -> bool,
    ) -> Result<(), String> {
        let left = MAX_PIECES.saturating_sub(work.pieces);
        let mut steps = 2;
        let count = loop {
            let Some(count) = self.count_pieces(domain, steps, left) else {
                return Err(format!(
                    "more than {left} linear pieces in one coordinate (after {steps} of its {} steps): over the \
                     limit of {MAX_PIECES} pieces a query may enumerate, summed over coordinates and instances",
                    self.steps.len()
                ));
            };
            if steps >= self.steps.len() {
                break count;
            }
            steps *= 2;
        };
        work.pieces += count;
        self.pieces(domain, visit)
    }

    /// Applies step `k` to a piece: pushes what it becomes, split in two
    /// (left on top) when a unit changes sign inside.
    fn split(&self, k: usize, mut p: Piece, stack: &mut Vec<(usize, Piece)>) {
        match &self.steps[k] {
            LineStep::Affine(w, b) => {
                p.slope = w * &p.slope;
                p.offset = &(w * &p.offset) + b;
                stack.push((k + 1, p));
            }
            LineStep::Kink(s) => {
                if p.slope.is_zero() {
                    if p.offset.is_negative() {
                        p.offset = &p.offset * s;
                    }
                    stack.push((k + 1, p));
                    return;
                }
                let root = -&(&p.offset / &p.slope);
                let (neg_left, i) = (!p.slope.is_negative(), &p.interval);
                let mut parts = Vec::with_capacity(2);
                if i.lo.as_ref().is_none_or(|lo| lo < &root) && i.hi.as_ref().is_none_or(|hi| &root < hi) {
                    parts.push((Interval { lo: i.lo.clone(), hi: Some(root.clone()) }, neg_left));
                    parts.push((Interval { lo: Some(root), hi: i.hi.clone() }, !neg_left));
                } else {
                    // No zero inside: one side throughout.
                    let below = i.hi.as_ref().is_some_and(|hi| hi <= &root);
                    parts.push((i.clone(), if below { neg_left } else { !neg_left }));
                }
                // Right part first onto the stack, so the left comes out first.
                for (interval, negative) in parts.into_iter().rev() {
                    let (slope, offset) =
                        if negative { (&p.slope * s, &p.offset * s) } else { (p.slope.clone(), p.offset.clone()) };
                    stack.push((k + 1, Piece { interval, slope, offset }));
                }
            }
        }
    }

    /// Checks a piece independently of how it was found: an exact forward
    /// pass at a point inside gives its map, and no unit changes sign
    /// inside its interval.
    pub fn check(&self, p: &Piece) -> Result<(), String> {
        self.check_with(p, self.integer_steps().as_deref())
    }

    /// The steps as integers, when every weight, bias and slope is one (as
    /// in `dense 2 + -1; abs`): then a bounded piece is checked in `i128`
    /// without a single gcd.
    fn integer_steps(&self) -> Option<Vec<IntegerStep>> {
        let int = |q: &Q| q.small_parts().and_then(|(n, d)| (d == 1).then_some(n as i128));
        self.steps
            .iter()
            .map(|s| match s {
                LineStep::Affine(w, b) => Some(IntegerStep::Affine(int(w)?, int(b)?)),
                LineStep::Kink(k) => Some(IntegerStep::Kink(int(k)?)),
            })
            .collect()
    }

    fn check_with(&self, p: &Piece, integers: Option<&[IntegerStep]>) -> Result<(), String> {
        if let Some(outcome) = integers.and_then(|steps| check_in_integers(steps, p)) {
            return outcome;
        }
        let x = p.interval.interior_point();
        // On a bounded piece x is the midpoint, and a unit `value + slope (t − x)`
        // keeps one sign on it exactly when |value| ≥ |slope| · half the width.
        let half = match (&p.interval.lo, &p.interval.hi) {
            (Some(lo), Some(hi)) => Some(&(hi - lo) / &Q::from_int(2)),
            _ => None,
        };
        let (mut value, mut slope) = (x.clone(), Q::one());
        for step in &self.steps {
            match step {
                LineStep::Affine(w, b) => {
                    value = &(w * &value) + b;
                    slope = w * &slope;
                }
                LineStep::Kink(s) => {
                    let changes_sign = !slope.is_zero()
                        && match &half {
                            Some(h) => value.abs() < (&slope * h).abs(),
                            None => p.interval.contains(&(&x - &(&value / &slope))),
                        };
                    if changes_sign {
                        return Err(format!("a unit changes sign inside {}", p.interval.text()));
                    }
                    if value.is_negative() {
                        value = &value * s;
                        slope = &slope * s;
                    }
                }
            }
        }
        let offset = &value - &(&slope * &x);
        if slope != p.slope || offset != p.offset {
            return Err(format!(
                "the forward pass at {x} gives {slope} x + {offset}, the piece says {} x + {}",
                p.slope, p.offset
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum IntegerStep {
    Affine(i128, i128),
    Kink(i128),
}

/// [`Line::check`] in integers over the denominator D of the midpoint of a
/// bounded piece: the point is X/D, half the width H/D, each unit V/D with
/// slope S, and the unit keeps its sign on the piece when |V| ≥ |S·H|.
/// `None` when a number does not fit; the rational check then decides.
fn check_in_integers(steps: &[IntegerStep], p: &Piece) -> Option<Result<(), String>> {
    let (ln, ld) = p.interval.lo.as_ref()?.small_parts()?;
    let (hn, hd) = p.interval.hi.as_ref()?.small_parts()?;
    let (ln, ld, hn, hd) = (ln as i128, ld as i128, hn as i128, hd as i128);
    let d = ld.checked_mul(hd)?.checked_mul(2)?;
    let x = ln.checked_mul(hd)?.checked_add(hn.checked_mul(ld)?)?;
    let h = hn.checked_mul(ld)?.checked_sub(ln.checked_mul(hd)?)?;
    let (mut v, mut s) = (x, 1i128);
    for step in steps {
        match *step {
            IntegerStep::Affine(w, b) => {
                v = w.checked_mul(v)?.checked_add(b.checked_mul(d)?)?;
                s = w.checked_mul(s)?;
            }
            IntegerStep::Kink(k) => {
                if s != 0 && v.checked_abs()? < s.checked_mul(h)?.checked_abs()? {
                    return Some(Err(format!("a unit changes sign inside {}", p.interval.text())));
                }
                if v < 0 {
                    v = v.checked_mul(k)?;
                    s = s.checked_mul(k)?;
                }
            }
        }
    }
    let slope = Q::from_int(i64::try_from(s).ok()?);
    let offset = Q::new(i64::try_from(v.checked_sub(s.checked_mul(x)?)?).ok()?, i64::try_from(d).ok()?);
    Some(if slope == p.slope && offset == p.offset {
        Ok(())
    } else {
        Err(format!("the forward pass gives {slope} x + {offset}, the piece says {} x + {}", p.slope, p.offset))
    })
}

/// The regions of a network that acts coordinate by coordinate: per
/// coordinate, the pieces in its side of the domain that map onto its side
/// of the target.
#[derive(Clone, Debug)]
pub struct Factor {
    /// The identified pieces, at most as many as asked to keep.
    pub identified: Vec<Piece>,
    /// How many pieces are identified, kept or not.
    pub count: u128,
    /// Pieces in all, identified or not.
    pub total: u128,
    /// The first pieces counted out, left to right, with why (at most
    /// [`LISTING_CAP`]).
    pub counted_out: Vec<(Piece, Why)>,
}

impl Factor {
    /// Scans one coordinate, keeping every identified piece (at most
    /// `keep`; the count is always exact).
    pub fn scan(line: &Line, domain: &Interval, target: &Interval, keep: usize) -> Result<Factor, String> {
        Factor::scan_within(line, domain, target, keep, &mut Work::default())
    }

    /// [`Factor::scan`] within the query's budget; see [`Line::pieces_within`].
    pub fn scan_within(
        line: &Line,
        domain: &Interval,
        target: &Interval,
        keep: usize,
        work: &mut Work,
    ) -> Result<Factor, String> {
        let mut f = Factor { identified: Vec::new(), count: 0, total: 0, counted_out: Vec::new() };
        line.pieces_within(domain, work, &mut |p| {
            f.total += 1;
            match p.onto(target) {
                Ok(()) => {
                    f.count += 1;
                    if f.identified.len() < keep {
                        f.identified.push(p);
                    }
                }
                Err(why) if f.counted_out.len() < LISTING_CAP => f.counted_out.push((p, why)),
                Err(_) => {}
            }
            true
        })?;
        Ok(f)
    }
}

impl Factor {
    /// The pieces in `domain` of a network of one input and one output
    /// whose layers may mix their units (a hidden layer of several units,
    /// not a product of lines): its activation cells, listed exactly by
    /// [`super::pieces::cells`], clipped to the domain and each checked
    /// independently by [`check_one_input`]. The pieces must tile the
    /// domain: each starts where the one before it ends.
    pub fn of_network(net: &Concrete, domain: &Interval, target: &Interval, keep: usize) -> Result<Factor, String> {
        if net.input_dim != 1 || net.output_dim() != 1 {
            return Err(format!(
                "the network maps {} inputs to {} outputs; its pieces are listed for one input and one output",
                net.input_dim,
                net.output_dim()
            ));
        }
        let numeric = Numeric::new(net)?;
        let mut f = Factor { identified: Vec::new(), count: 0, total: 0, counted_out: Vec::new() };
        let mut reached = domain.lo.clone();
        for (lo, hi, map) in super::pieces::cells(net)? {
            let lo = match (lo, &domain.lo) {
                (Some(a), Some(b)) => Some(if &a > b { a } else { b.clone() }),
                (a, b) => a.or_else(|| b.clone()),
            };
            let hi = match (hi, &domain.hi) {
                (Some(a), Some(b)) => Some(if &a < b { a } else { b.clone() }),
                (a, b) => a.or_else(|| b.clone()),
            };
            if let (Some(a), Some(b)) = (&lo, &hi)
                && a >= b
            {
                continue;
            }
            if lo != reached {
                return Err("internal check failed: the pieces of the network do not tile the domain".into());
            }
            reached = hi.clone();
            let (slope, offset) = map.into_iter().next().ok_or("internal: a piece without an output")?;
            let p = Piece { interval: Interval { lo, hi }, slope, offset };
            check_one_input(&numeric, &p)?;
            f.total += 1;
            match p.onto(target) {
                Ok(()) => {
                    f.count += 1;
                    if f.identified.len() < keep {
                        f.identified.push(p);
                    }
                }
                Err(why) if f.counted_out.len() < LISTING_CAP => f.counted_out.push((p, why)),
                Err(_) => {}
            }
        }
        if reached != domain.hi {
            return Err("internal check failed: the pieces of the network do not reach the end of the domain".into());
        }
        Ok(f)
    }
}

/// Checks a piece of a network of one input independently of how it was
/// found: an exact forward pass at a point inside carries every unit's
/// value and its slope in the input; on a bounded piece each unit keeps
/// its sign exactly when |value| ≥ |slope| · half the width (the point is
/// the midpoint), on an unbounded one when its zero lies outside; and the
/// output there is the piece's map.
pub fn check_one_input(net: &Numeric, p: &Piece) -> Result<(), String> {
    let x = p.interval.interior_point();
    let half = match (&p.interval.lo, &p.interval.hi) {
        (Some(lo), Some(hi)) => Some(&(hi - lo) / &Q::from_int(2)),
        _ => None,
    };
    let mut units: Vec<(Q, Q)> = vec![(x.clone(), Q::one())];
    for step in &net.layers {
        match step {
            Step::Dense { weight, bias } => {
                units = weight
                    .iter()
                    .zip(bias)
                    .map(|(row, b)| {
                        let v = &row.iter().zip(&units).map(|(w, u)| w * &u.0).sum::<Q>() + b;
                        let s = row.iter().zip(&units).map(|(w, u)| w * &u.1).sum::<Q>();
                        (v, s)
                    })
                    .collect();
            }
            Step::Kink { slope } => {
                for (v, s) in units.iter_mut() {
                    let changes_sign = !s.is_zero()
                        && match &half {
                            Some(h) => v.abs() < (&*s * h).abs(),
                            None => p.interval.contains(&(&x - &(&*v / &*s))),
                        };
                    if changes_sign {
                        return Err(format!("a unit changes sign inside {}", p.interval.text()));
                    }
                    if v.is_negative() {
                        *v = &*v * slope;
                        *s = &*s * slope;
                    }
                }
            }
        }
    }
    let [(value, slope)] = units.as_slice() else {
        return Err("internal: a network of one output has several".into());
    };
    let offset = value - &(slope * &x);
    if slope != &p.slope || offset != p.offset {
        return Err(format!(
            "the forward pass at {x} gives {slope} x + {offset}, the piece says {} x + {}",
            p.slope, p.offset
        ));
    }
    Ok(())
}

/// Visits every product of one identified piece per coordinate, in
/// lexicographic order, until `visit` returns false. Memory: one index per
/// coordinate.
pub fn visit_products(factors: &[&Factor], visit: &mut dyn FnMut(&[&Piece]) -> bool) {
    if factors.iter().any(|f| f.identified.is_empty()) {
        return;
    }
    let d = factors.len();
    let mut index = vec![0usize; d];
    let mut current: Vec<&Piece> = factors.iter().map(|f| &f.identified[0]).collect();
    loop {
        if !visit(&current) {
            return;
        }
        let mut k = d;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            index[k] += 1;
            if index[k] < factors[k].identified.len() {
                current[k] = &factors[k].identified[index[k]];
                break;
            }
            index[k] = 0;
            current[k] = &factors[k].identified[0];
        }
    }
}

// ---------------------------------------------------------------------------
// Polytopes
// ---------------------------------------------------------------------------

/// An open polytope `{x : a·x < b for every (a, b)}` and the network's
/// affine map `M x + c` on it.
#[derive(Clone, Debug)]
pub struct Cell {
    pub constraints: Vec<(Vec<Q>, Q)>,
    pub map: Vec<Vec<Q>>,
    pub offset: Vec<Q>,
}

/// The inverse of a region's map: `x = A y + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Inverse {
    pub matrix: Vec<Vec<Q>>,
    pub offset: Vec<Q>,
}

/// A point of the open polytope, or `None` when it is empty. The polytope
/// `{A x < b}` is nonempty exactly when `A x − s b ≤ −1` has a solution with
/// `s ≥ 0` (scale a point by `1/s`; with `s = 0`, walk far along `x`), a
/// linear feasibility question in nonnegative variables.
pub fn interior_point(constraints: &[(Vec<Q>, Q)], d: usize) -> Result<Option<Vec<Q>>, String> {
    if constraints.is_empty() {
        return Ok(Some(vec![Q::zero(); d]));
    }
    let m = constraints.len();
    // Columns: x⁺ (d), x⁻ (d), s, one slack per row.
    let rows: Vec<Vec<Q>> = constraints
        .iter()
        .enumerate()
        .map(|(k, (a, b))| {
            let mut row = Vec::with_capacity(2 * d + 1 + m);
            row.extend(a.iter().cloned());
            row.extend(a.iter().map(|x| -x));
            row.push(-b);
            row.extend((0..m).map(|j| if j == k { Q::one() } else { Q::zero() }));
            row
        })
        .collect();
    let rhs = vec![Q::from_int(-1); m];
    let Alternative::Solution(z) = farkas(&rows, &rhs) else {
        return Ok(None);
    };
    let x: Vec<Q> = (0..d).map(|i| &z[i] - &z[d + i]).collect();
    let s = &z[2 * d];
    let point: Vec<Q> = if !s.is_zero() {
        x.iter().map(|v| v / s).collect()
    } else {
        // A x ≤ −1: far enough along x every constraint holds.
        let mut far = Q::one();
        for (_, b) in constraints {
            if -b >= far {
                far = &(-b) + &Q::one();
            }
        }
        x.iter().map(|v| v * &far).collect()
    };
    // Checked here, not trusted from the solver.
    if constraints.iter().all(|(a, b)| &dot(a, &point) < b) {
        Ok(Some(point))
    } else {
        Err("the simplex returned a point outside the polytope".into())
    }
}

/// The constraints of an open box.
pub fn box_constraints(sides: &[Interval]) -> Vec<(Vec<Q>, Q)> {
    let d = sides.len();
    let mut out = Vec::new();
    for (i, s) in sides.iter().enumerate() {
        if let Some(lo) = &s.lo {
            out.push((unit_row(d, i).iter().map(|x| -x).collect(), -lo));
        }
        if let Some(hi) = &s.hi {
            out.push((unit_row(d, i), hi.clone()));
        }
    }
    out
}

/// A constraint `a·x < b` scaled so that its first nonzero coefficient is
/// 1 or -1.
pub fn normalized((a, b): &(Vec<Q>, Q)) -> (Vec<Q>, Q) {
    match a.iter().find(|x| !x.is_zero()) {
        None => (a.clone(), b.clone()),
        Some(lead) => {
            let s = lead.abs();
            (a.iter().map(|x| x / &s).collect(), b / &s)
        }
    }
}

/// The constraints of a nonempty open polytope without the redundant ones,
/// each [`normalized`], in the order they first appear. A constraint
/// `a·x < b` is redundant when the others imply it: when no point meets the
/// others with `a·x ≥ b`. The others define an open set, so such a point
/// exists exactly when one exists with `a·x > b` (step from the hyperplane
/// along `a`), an open polytope whose emptiness the exact simplex decides.
/// Dropping redundant constraints one at a time keeps the polytope, so the
/// ones left are each needed.
pub fn irredundant(constraints: &[(Vec<Q>, Q)], d: usize) -> Result<Vec<(Vec<Q>, Q)>, String> {
    let mut kept: Vec<(Vec<Q>, Q)> = Vec::new();
    for c in constraints.iter().map(normalized) {
        if !kept.contains(&c) {
            kept.push(c);
        }
    }
    let mut i = 0;
    while i < kept.len() {
        let (a, b) = &kept[i];
        let redundant = if a.iter().all(Q::is_zero) {
            // 0 < b: true everywhere, or the polytope is empty.
            !b.is_negative() && !b.is_zero()
        } else {
            let mut beyond: Vec<(Vec<Q>, Q)> =
                kept.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c.clone()).collect();
            beyond.push((a.iter().map(|x| -x).collect(), -b));
            interior_point(&beyond, d)?.is_none()
        };
        if redundant {
            kept.remove(i);
        } else {
            i += 1;
        }
    }
    Ok(kept)
}

/// The open box that constraints describe, when each bounds one coordinate.
pub fn as_box(constraints: &[(Vec<Q>, Q)], d: usize) -> Option<Vec<Interval>> {
    let mut sides = vec![Interval { lo: None, hi: None }; d];
    for (a, b) in constraints {
        let mut nonzero = a.iter().enumerate().filter(|(_, x)| !x.is_zero());
        let (i, c) = nonzero.next()?;
        if nonzero.next().is_some() {
            return None;
        }
        let bound = b / c;
        let side = &mut sides[i];
        if c.is_negative() {
            // x_i > b / c
            if side.lo.as_ref().is_none_or(|lo| &bound > lo) {
                side.lo = Some(bound);
            }
        } else if side.hi.as_ref().is_none_or(|hi| &bound < hi) {
            side.hi = Some(bound);
        }
    }
    Some(sides)
}

/// The corners of a bounded open polygon given by irredundant constraints,
/// counterclockwise from the lowest of the leftmost; `None` when it is
/// unbounded. Each corner is where two edges meet, computed exactly; a
/// bounded polygon has as many corners as edges (an unbounded one fewer).
pub fn polygon(constraints: &[(Vec<Q>, Q)]) -> Option<Vec<[Q; 2]>> {
    if constraints.len() < 3 || constraints.iter().any(|c| c.0.len() != 2) {
        return None;
    }
    let mut corners: Vec<[Q; 2]> = Vec::new();
    for (i, (a, b)) in constraints.iter().enumerate() {
        for (c, e) in &constraints[i + 1..] {
            let det = &(&a[0] * &c[1]) - &(&a[1] * &c[0]);
            if det.is_zero() {
                continue;
            }
            let x = &(&(b * &c[1]) - &(&a[1] * e)) / &det;
            let y = &(&(&a[0] * e) - &(b * &c[0])) / &det;
            let p = [x, y];
            let inside = constraints.iter().all(|(g, h)| &(&(&g[0] * &p[0]) + &(&g[1] * &p[1])) <= h);
            if inside && !corners.contains(&p) {
                corners.push(p);
            }
        }
    }
    if corners.len() != constraints.len() {
        return None;
    }
    let n = Q::from_int(corners.len() as i64);
    let centre: Vec<Q> = (0..2).map(|k| &corners.iter().map(|p| p[k].clone()).sum::<Q>() / &n).collect();
    // By angle around the centre: the upper half plane first, then by the
    // sign of the cross product.
    let half = |p: &[Q; 2]| {
        let (dx, dy) = (&p[0] - &centre[0], &p[1] - &centre[1]);
        !(dy.is_negative() || (dy.is_zero() && dx.is_negative()))
    };
    corners.sort_by(|p, q| {
        half(q).cmp(&half(p)).then_with(|| {
            let (px, py) = (&p[0] - &centre[0], &p[1] - &centre[1]);
            let (qx, qy) = (&q[0] - &centre[0], &q[1] - &centre[1]);
            let cross = &(&px * &qy) - &(&py * &qx);
            Q::zero().cmp(&cross)
        })
    });
    let start = (0..corners.len()).min_by(|&i, &j| corners[i].cmp(&corners[j])).unwrap_or(0);
    corners.rotate_left(start);
    Some(corners)
}

/// Called with each cell and a point inside it; an error stops the walk.
pub type CellVisitor<'a> = dyn FnMut(&Cell, &[Q]) -> Result<(), String> + 'a;

/// Every cell of the network in the box `domain`, depth first; at most
/// `limit` cells and, counted in `work`, at most [`MAX_FEASIBILITY_CHECKS`]
/// feasibility checks, beyond which the enumeration stops with an error.
pub fn cells(
    net: &Numeric,
    domain: &[Interval],
    limit: usize,
    work: &mut Work,
    visit: &mut CellVisitor,
) -> Result<usize, String> {
    let d = net.input_dim;
    // Each unit of a kink layer may split every region in two.
    let mut width = d;
    let mut units = 0usize;
    for layer in &net.layers {
        match layer {
            Step::Dense { weight, .. } => width = weight.len(),
            Step::Kink { .. } => units = units.saturating_add(width),
        }
    }
    if units > MAX_SPLITTING_UNITS {
        return Err(format!(
            "{units} activation units that can split a region: over the limit of {MAX_SPLITTING_UNITS} for \
             enumerating regions as polytopes (a region may be split by every one of them)"
        ));
    }
    let start = Cell {
        constraints: box_constraints(domain),
        map: (0..d).map(|i| unit_row(d, i)).collect(),
        offset: vec![Q::zero(); d],
    };
    // Each feasibility test costs its inequalities; a region found costs
    // their square as well (the visitor's irredundant form tests each).
    let mut spend = |n: usize| {
        work.checks = work.checks.saturating_add(n as u64);
        if work.checks > MAX_FEASIBILITY_CHECKS {
            return Err(format!(
                "more than {MAX_FEASIBILITY_CHECKS} inequalities in exact feasibility checks: over the limit of \
                 {MAX_FEASIBILITY_CHECKS} a query may test to enumerate regions as polytopes"
            ));
        }
        Ok(())
    };
    let feasible = |constraints: &[(Vec<Q>, Q)], spend: &mut dyn FnMut(usize) -> Result<(), String>| {
        spend(constraints.len())?;
        interior_point(constraints, d)
    };
    if feasible(&start.constraints, &mut spend)?.is_none() {
        return Ok(0);
    }
    let mut count = 0;
    // (layer, unit within a kink layer, cell)
    let mut stack = vec![(0usize, 0usize, start)];
    while let Some((k, unit, mut cell)) = stack.pop() {
        if k == net.layers.len() {
            count += 1;
            if count > limit {
                return Err(format!("more than {limit} regions: too many to enumerate as polytopes"));
            }
            spend(cell.constraints.len().saturating_mul(cell.constraints.len()))?;
            let point = feasible(&cell.constraints, &mut spend)?.ok_or("a region without points")?;
            check_cell(net, &cell, &point)?;
            visit(&cell, &point)?;
            continue;
        }
        match &net.layers[k] {
            Step::Dense { weight, bias } => {
                let map: Vec<Vec<Q>> = weight
                    .iter()
                    .map(|row| (0..d).map(|c| row.iter().zip(&cell.map).map(|(w, m)| w * &m[c]).sum()).collect())
                    .collect();
                let offset = weight.iter().zip(bias).map(|(row, b)| &dot(row, &cell.offset) + b).collect();
                cell.map = map;
                cell.offset = offset;
                stack.push((k + 1, 0, cell));
            }
            Step::Kink { slope } => {
                if unit == cell.map.len() {
                    stack.push((k + 1, 0, cell));
                    continue;
                }
                let (a, c) = (cell.map[unit].clone(), cell.offset[unit].clone());
                if a.iter().all(Q::is_zero) {
                    if c.is_negative() {
                        cell.offset[unit] = &c * slope;
                    }
                    stack.push((k, unit + 1, cell));
                    continue;
                }
                // Above: −(a·x + c) < 0; below: a·x + c < 0.
                let mut above = cell.clone();
                above.constraints.push((a.iter().map(|x| -x).collect(), c.clone()));
                let mut below = cell;
                below.constraints.push((a.clone(), -&c));
                below.map[unit] = a.iter().map(|x| x * slope).collect();
                below.offset[unit] = &c * slope;
                for next in [above, below] {
                    if feasible(&next.constraints, &mut spend)?.is_some() {
                        stack.push((k, unit + 1, next));
                    }
                }
            }
        }
    }
    Ok(count)
}

/// Checks a cell independently of the splitting: the exact forward pass at
/// a point inside gives the cell's map.
fn check_cell(net: &Numeric, cell: &Cell, point: &[Q]) -> Result<(), String> {
    match net.affine_at(point) {
        Some((m, c)) if m == cell.map && c == cell.offset => Ok(()),
        Some(_) => Err("the forward pass inside a region disagrees with the region's map".into()),
        None => Err("a unit is exactly at its kink inside a region".into()),
    }
}

/// Whether a cell's map takes it bijectively onto the open box `target`:
/// the inverse map as the witness, or why not (the inner result); the
/// outer error is a failure of the exact solver's own check.
pub fn onto(cell: &Cell, target: &[Interval]) -> Result<Result<Inverse, Why>, String> {
    let d = cell.map.first().map_or(0, Vec::len);
    if cell.map.len() != d {
        return Ok(Err(Why::Shape { inputs: d, outputs: cell.map.len() }));
    }
    let m = Matrix::from_rows(cell.map.clone()).expect("rows of equal length");
    let inv = match m.inverse() {
        Ok(inv) => inv,
        Err(_) => return Ok(Err(Why::Rank { rank: m.rank(), dim: d })),
    };
    let inv_rows: Vec<Vec<Q>> = (0..d).map(|r| inv.row(r).to_vec()).collect();
    // x = M⁻¹ (y − c); a·x < b becomes (a M⁻¹)·y < b + a M⁻¹ c.
    let image: Vec<(Vec<Q>, Q)> = cell
        .constraints
        .iter()
        .map(|(a, b)| {
            let row: Vec<Q> = (0..d).map(|j| (0..d).map(|k| &a[k] * &inv_rows[k][j]).sum()).collect();
            let shift = &dot(&row, &cell.offset) + b;
            (row, shift)
        })
        .collect();
    let target_box = box_constraints(target);
    // The image lies in the target: nothing of it beyond a side.
    for (a, b) in &target_box {
        let mut beyond = image.clone();
        beyond.push((a.iter().map(|x| -x).collect(), -b));
        if interior_point(&beyond, d)?.is_some() {
            return Ok(Err(Why::Outside(target.to_vec())));
        }
    }
    // The target lies in the image: no point of it beyond a face.
    for (a, b) in &image {
        if a.iter().all(Q::is_zero) {
            continue;
        }
        let mut beyond = target_box.clone();
        beyond.push((a.iter().map(|x| -x).collect(), -b));
        if interior_point(&beyond, d)?.is_some() {
            return Ok(Err(Why::Uncovered(target.to_vec())));
        }
    }
    let offset = inv_rows.iter().map(|row| -&dot(row, &cell.offset)).collect();
    Ok(Ok(Inverse { matrix: inv_rows, offset }))
}

/// `(0, 1) x (0, 1)`.
pub fn boxed(sides: &[Interval]) -> String {
    sides.iter().map(Interval::text).collect::<Vec<_>>().join(" x ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    fn piece(lo: Q, hi: Q, slope: Q, offset: Q) -> Piece {
        Piece { interval: Interval { lo: Some(lo), hi: Some(hi) }, slope, offset }
    }

    /// The same checks through the integer path (`abs`) and the rational one
    /// (`leaky_relu(1/2)`): a true piece holds, a piece across the kink and
    /// a wrong map do not.
    #[test]
    fn pieces_are_checked_in_integers_and_in_rationals() {
        // |2t - 1|: on (0, 1/2) it is 1 - 2t.
        let tent = Line { steps: vec![LineStep::Affine(q(2, 1), q(-1, 1)), LineStep::Kink(q(-1, 1))] };
        assert!(tent.integer_steps().is_some());
        assert!(tent.check(&piece(q(0, 1), q(1, 2), q(-2, 1), q(1, 1))).is_ok());
        assert!(tent.check(&piece(q(0, 1), q(3, 4), q(-2, 1), q(1, 1))).unwrap_err().contains("changes sign"));
        assert!(tent.check(&piece(q(0, 1), q(1, 2), q(-2, 1), q(1, 2))).unwrap_err().contains("forward pass"));
        // leaky_relu(1/2)(2t - 1): on (0, 1/2) it is t - 1/2.
        let leaky = Line { steps: vec![LineStep::Affine(q(2, 1), q(-1, 1)), LineStep::Kink(q(1, 2))] };
        assert!(leaky.integer_steps().is_none());
        assert!(leaky.check(&piece(q(0, 1), q(1, 2), q(1, 1), q(-1, 2))).is_ok());
        assert!(leaky.check(&piece(q(0, 1), q(3, 4), q(1, 1), q(-1, 2))).unwrap_err().contains("changes sign"));
        assert!(leaky.check(&piece(q(0, 1), q(1, 2), q(1, 1), q(1, 2))).unwrap_err().contains("forward pass"));
        // An unbounded piece takes the rational path.
        let unbounded = Piece { interval: Interval { lo: Some(q(1, 2)), hi: None }, slope: q(2, 1), offset: q(-1, 1) };
        assert!(tent.check(&unbounded).is_ok());
    }
}
