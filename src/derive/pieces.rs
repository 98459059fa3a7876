//! Every linear piece of a network of one input, with exact breakpoints.
//!
//! On an interval where no unit changes sign, every layer's values are
//! affine functions of x. The line starts as one interval; a dense layer
//! maps each interval's affine functions linearly; an activation with a
//! kink splits each interval at the points where one of its inputs crosses
//! 0 (exactly: x = −c/s) and applies the slope of the side each unit is on.
//! At the end, adjacent intervals with the same affine map are merged, and
//! continuity is verified exactly at every breakpoint.
//!
//! **Speed.** Each layer's values share one denominator D, so the
//! functions are kept as integer slopes and intercepts over D: a dense
//! layer with weights scaled to integers by their common denominator
//! multiplies integer matrices. The kernel runs in `i128`; if anything
//! would overflow it runs again in `BigInt`. The answer is the same.

use std::cell::Cell;
use std::cmp::Ordering;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, ToPrimitive};

use crate::algebra::int::{ExactInt, Frac};
use crate::algebra::{Matrix, Poly, Q, RatFunc, Symbol};
use crate::model::{Concrete, Layer, PiecesQuery, Problem, Value};
use crate::{math, prose};

use super::explain::{Axis, Figure, LISTING_CAP, Mark, Math, Panel, Point, Role, words};
use super::piece::{code, concat, layer_outputs, plural, unit};
use super::{Block, Explanation, Letters};
use crate::language::math::Sign;

/// Most intervals the enumeration goes through before it stops.
const MAX_INTERVALS: usize = 100_000;
/// Most (interval, unit) values it holds at once, which bounds memory.
const MAX_CELLS: usize = 1 << 22;

/// Why the kernel stopped.
enum Stop {
    /// An `i128` would overflow: run again with big integers.
    Overflow,
    /// Too many intervals, at the layer with this position.
    TooMany(usize),
}

/// A layer in the form the kernel computes with.
enum KLayer<N> {
    /// Weights and bias multiplied by `scale`, their common denominator.
    Dense { w: Vec<N>, b: Vec<N>, rows: usize, cols: usize, scale: N },
    /// An activation with a kink: slope `num/den` below 0 (den > 0), 1 above.
    Kink { num: N, den: N, position: usize },
}

/// A layer with rational entries.
enum QLayer {
    Dense { w: Vec<Q>, b: Vec<Q>, rows: usize, cols: usize },
    Kink { slope: Q, position: usize },
}

/// The layers with numbers for entries; identity-like activations dropped.
fn rational_layers(net: &Concrete) -> Result<Vec<QLayer>, String> {
    let number = |e: &RatFunc| {
        e.as_constant().ok_or_else(|| "the network has symbolic weights; its breakpoints depend on them".to_string())
    };
    let mut out = Vec::new();
    for (position, l) in net.layers.iter().enumerate() {
        match l {
            Layer::Dense(d) => out.push(QLayer::Dense {
                w: d.weight.entries().iter().map(number).collect::<Result<_, _>>()?,
                b: d.bias.iter().map(number).collect::<Result<_, _>>()?,
                rows: d.weight.rows(),
                cols: d.weight.cols(),
            }),
            Layer::Activation { activation, .. } => {
                let slope = number(&activation.negative_slope())?;
                if !slope.is_one() {
                    out.push(QLayer::Kink { slope, position });
                }
            }
        }
    }
    Ok(out)
}

/// Scales rationals by the lcm of their denominators: integers and the
/// scale.
fn to_integers(values: &[&Q]) -> (Vec<BigInt>, BigInt) {
    let l = values.iter().fold(<BigInt as One>::one(), |acc, q| acc.lcm(&q.denom()));
    let ints = values.iter().map(|q| q.numer() * (&l / q.denom())).collect();
    (ints, l)
}

/// The same in the kernel's integers, without going through `BigInt` when
/// the values are small; `None` if they do not fit `N`.
fn scaled<N: ExactInt>(values: &[&Q]) -> Option<(Vec<N>, N)> {
    let small: Option<Vec<(i64, i64)>> = values.iter().map(|q| q.small_parts()).collect();
    if let Some(parts) = small {
        let mut l: Option<i128> = Some(1);
        for &(_, d) in &parts {
            l = l
                .and_then(|l| (l / Integer::gcd(&l, &(d as i128))).checked_mul(d as i128))
                .filter(|v| *v <= i64::MAX as i128);
        }
        if let Some(l) = l {
            // |n·(l/d)| < 2^63·2^63 fits in i128.
            let ints = parts.iter().map(|&(n, d)| N::from_i128(n as i128 * (l / d as i128))).collect();
            return Some((ints, N::from_i128(l)));
        }
    }
    let (ints, l) = to_integers(values);
    Some((ints.iter().map(N::from_bigint).collect::<Option<Vec<N>>>()?, N::from_bigint(&l)?))
}

fn kernel_layers<N: ExactInt>(layers: &[QLayer]) -> Option<Vec<KLayer<N>>> {
    layers
        .iter()
        .map(|l| match l {
            QLayer::Dense { w, b, rows, cols } => {
                let all: Vec<&Q> = w.iter().chain(b).collect();
                let (mut ints, scale) = scaled::<N>(&all)?;
                let bi = ints.split_off(w.len());
                Some(KLayer::Dense { w: ints, b: bi, rows: *rows, cols: *cols, scale })
            }
            QLayer::Kink { slope, position } => Some(KLayer::Kink {
                num: N::from_bigint(&slope.numer())?,
                den: N::from_bigint(&slope.denom())?,
                position: *position,
            }),
        })
        .collect()
}

/// The values of one layer on every interval: unit j on interval i is
/// `(s[i·width + j]·x + c[i·width + j]) / den`. Interval i runs from
/// `breaks[i − 1]` to `breaks[i]` (unbounded at the ends).
struct State<N> {
    width: usize,
    den: N,
    breaks: Vec<Frac<N>>,
    s: Vec<N>,
    c: Vec<N>,
}

impl<N: ExactInt> State<N> {
    fn intervals(&self) -> usize {
        self.breaks.len() + 1
    }
}

/// What one bending activation did, for the derivation.
pub struct LayerTrace {
    /// The activation's position among the network's layers.
    pub position: usize,
    pub width: usize,
    pub intervals_before: usize,
    pub intervals_after: usize,
    /// The first intervals before the split (at most [`LISTING_CAP`]),
    /// with their units' inputs as (slope, intercept).
    pub intervals: Vec<IntervalDetail>,
    /// The first new breakpoints (at most [`LISTING_CAP`]), left to right,
    /// with the units that cross 0 there.
    pub crossings: Vec<(Q, Vec<usize>)>,
}

pub struct IntervalDetail {
    pub lo: Option<Q>,
    pub hi: Option<Q>,
    pub units: Vec<(Q, Q)>,
}

/// An interval (unbounded where an end is `None`) and the output's
/// (slope, intercept) on it.
pub type Interval = (Option<Q>, Option<Q>, Vec<(Q, Q)>);

/// Every piece of the network.
pub struct Pieces {
    /// Increasing; k breakpoints separate k + 1 pieces.
    pub breakpoints: Vec<Q>,
    /// For each piece, (slope, intercept) of every output.
    pub maps: Vec<Vec<(Q, Q)>>,
    pub traces: Vec<LayerTrace>,
    /// The intervals the layers produced, before merging.
    pub intervals: usize,
    /// The output on the first intervals before merging (at most
    /// [`LISTING_CAP`]).
    pub unmerged: Vec<Interval>,
    /// Whether the integers outgrew 128 bits.
    pub big: bool,
}

fn q_of<N: ExactInt>(n: &N, d: &N) -> Q {
    // Values that fit 64 bits are reduced there, without a big gcd.
    let bound = i64::MAX as i128;
    let small = |v: &N| {
        v.cmp_int(&N::from_i128(-bound)) != Ordering::Less && v.cmp_int(&N::from_i128(bound)) != Ordering::Greater
    };
    if small(n)
        && small(d)
        && let (Some(a), Some(b)) = (n.to_bigint().to_i64(), d.to_bigint().to_i64())
    {
        return Q::new(a, b);
    }
    Q::from_bigints(n.to_bigint(), d.to_bigint())
}

fn frac_q<N: ExactInt>(f: &Frac<N>) -> Q {
    q_of(&f.num, &f.den)
}

/// Raw output of the kernel, in its integers.
struct Raw<N> {
    state: State<N>,
    traces: Vec<LayerTrace>,
}

fn dense<N: ExactInt>(st: State<N>, w: &[N], b: &[N], rows: usize, cols: usize, scale: &N) -> Option<State<N>> {
    let n = st.intervals();
    debug_assert!(n * rows <= MAX_CELLS, "checked by the caller");
    let bd: Vec<N> = b.iter().map(|x| x.mul(&st.den)).collect::<Option<_>>()?;
    let mut s = Vec::with_capacity(n * rows);
    let mut c = Vec::with_capacity(n * rows);
    let mut nonzero = Vec::with_capacity(cols);
    for i in 0..n {
        let si = &st.s[i * cols..(i + 1) * cols];
        let ci = &st.c[i * cols..(i + 1) * cols];
        nonzero.clear();
        nonzero.extend((0..cols).filter(|&j| !si[j].is_zero() || !ci[j].is_zero()));
        for r in 0..rows {
            let wr = &w[r * cols..(r + 1) * cols];
            let mut a = N::zero();
            let mut k = bd[r].clone();
            for &j in &nonzero {
                let wj = &wr[j];
                if wj.is_zero() {
                    continue;
                }
                a = wj.mul_add(&si[j], &a)?;
                k = wj.mul_add(&ci[j], &k)?;
            }
            s.push(a);
            c.push(k);
        }
    }
    Some(State { width: rows, den: st.den.mul(scale)?, breaks: st.breaks, s, c })
}

/// Applies a bending activation: splits every interval where a unit
/// crosses 0 and gives each unit the slope of its side.
fn kink<N: ExactInt>(st: State<N>, num: &N, den: &N, position: usize) -> Result<(State<N>, LayerTrace), Stop> {
    let w = st.width;
    let n = st.intervals();
    let mut breaks = Vec::with_capacity(st.breaks.len() + w);
    let mut s = Vec::with_capacity(st.s.len() + w);
    let mut c = Vec::with_capacity(st.c.len() + w);
    let mut roots: Vec<(Frac<N>, usize)> = Vec::new();
    let mut side: Vec<i32> = vec![0; w];
    let mut details = Vec::new();
    let mut crossings: Vec<(Q, Vec<usize>)> = Vec::new();
    let unit_q = |x: &N| q_of(x, &st.den);
    for i in 0..n {
        let lo = if i == 0 { None } else { Some(&st.breaks[i - 1]) };
        let hi = st.breaks.get(i);
        if let Some(l) = lo {
            breaks.push(l.clone());
        }
        roots.clear();
        let (si, ci) = (&st.s[i * w..(i + 1) * w], &st.c[i * w..(i + 1) * w]);
        for (j, ((sj, cj), side_j)) in si.iter().zip(ci).zip(side.iter_mut()).enumerate() {
            if sj.is_zero() {
                *side_j = cj.signum();
                continue;
            }
            // The unit's sign at the ends of the interval (at −∞ and +∞ the
            // sign of the slope decides); the root is computed only when
            // the sign changes strictly inside.
            let at = |e: &Frac<N>| -> Result<i32, Stop> {
                let v = sj.mul(&e.num).and_then(|a| a.add(&cj.mul(&e.den)?));
                v.map(|v| v.signum()).ok_or(Stop::Overflow)
            };
            let left = match lo {
                None => -sj.signum(),
                Some(l) => at(l)?,
            };
            let right = match hi {
                None => sj.signum(),
                Some(h) => at(h)?,
            };
            *side_j = if left == 0 { sj.signum() } else { left };
            if left != 0 && right != 0 && left != right {
                roots.push((cj.neg().and_then(|c| Frac::new(&c, sj)).ok_or(Stop::Overflow)?, j));
            }
        }
        let overflow = Cell::new(false);
        roots.sort_by(|a, b| {
            a.0.compare(&b.0).unwrap_or_else(|| {
                overflow.set(true);
                Ordering::Equal
            })
        });
        if overflow.get() {
            return Err(Stop::Overflow);
        }
        if breaks.len() + roots.len() >= MAX_INTERVALS || (breaks.len() + roots.len() + n) * w > MAX_CELLS {
            return Err(Stop::TooMany(position));
        }
        if i < LISTING_CAP {
            let units = si.iter().zip(ci).map(|(sj, cj)| (unit_q(sj), unit_q(cj))).collect();
            details.push(IntervalDetail { lo: lo.map(frac_q), hi: hi.map(frac_q), units });
        }
        for (r, j) in &roots {
            let x = frac_q(r);
            let full = crossings.len() >= LISTING_CAP;
            match crossings.last_mut() {
                Some(last) if last.0 == x => last.1.push(*j),
                _ if !full => crossings.push((x, vec![*j])),
                _ => break,
            }
        }
        let emit = |side: &[i32], s: &mut Vec<N>, c: &mut Vec<N>| -> Option<()> {
            for ((sj, cj), side_j) in si.iter().zip(ci).zip(side) {
                let factor = match side_j {
                    1 => den,
                    -1 => num,
                    _ => {
                        s.push(N::zero());
                        c.push(N::zero());
                        continue;
                    }
                };
                s.push(sj.mul(factor)?);
                c.push(cj.mul(factor)?);
            }
            Some(())
        };
        emit(&side, &mut s, &mut c).ok_or(Stop::Overflow)?;
        let mut k = 0;
        while k < roots.len() {
            let at = roots[k].0.clone();
            while k < roots.len() && roots[k].0 == at {
                let j = roots[k].1;
                side[j] = st.s[i * w + j].signum();
                k += 1;
            }
            breaks.push(at);
            emit(&side, &mut s, &mut c).ok_or(Stop::Overflow)?;
        }
    }
    let trace = LayerTrace {
        position,
        width: w,
        intervals_before: n,
        intervals_after: breaks.len() + 1,
        intervals: details,
        crossings,
    };
    Ok((State { width: w, den: st.den.mul(den).ok_or(Stop::Overflow)?, breaks, s, c }, trace))
}

fn run<N: ExactInt>(layers: &[KLayer<N>]) -> Result<Raw<N>, Stop> {
    let mut st = State { width: 1, den: N::one(), breaks: Vec::new(), s: vec![N::one()], c: vec![N::zero()] };
    let mut traces = Vec::new();
    for (k, l) in layers.iter().enumerate() {
        st = match l {
            KLayer::Dense { w, b, rows, cols, scale } => {
                if st.intervals() * rows > MAX_CELLS {
                    // The next bending layer's position, for the message.
                    let at = layers[k..].iter().find_map(|l| match l {
                        KLayer::Kink { position, .. } => Some(*position),
                        KLayer::Dense { .. } => None,
                    });
                    return Err(Stop::TooMany(at.unwrap_or(0)));
                }
                dense(st, w, b, *rows, *cols, scale).ok_or(Stop::Overflow)?
            }
            KLayer::Kink { num, den, position } => {
                let (next, trace) = kink(st, num, den, *position)?;
                traces.push(trace);
                next
            }
        };
    }
    Ok(Raw { state: st, traces })
}

/// Merges adjacent intervals with the same map, converts to rationals and
/// verifies continuity.
fn finish<N: ExactInt>(raw: Raw<N>, big: bool) -> Result<Pieces, String> {
    let st = raw.state;
    let w = st.width;
    let n = st.intervals();
    let map_of = |i: usize| -> Vec<(Q, Q)> {
        (0..w).map(|j| (q_of(&st.s[i * w + j], &st.den), q_of(&st.c[i * w + j], &st.den))).collect()
    };
    let unmerged = (0..n.min(LISTING_CAP))
        .map(|i| {
            let lo = if i == 0 { None } else { Some(frac_q(&st.breaks[i - 1])) };
            (lo, st.breaks.get(i).map(frac_q), map_of(i))
        })
        .collect();
    let mut breakpoints = Vec::new();
    let mut maps = vec![map_of(0)];
    let mut kept = 0;
    for i in 1..n {
        let same = st.s[i * w..(i + 1) * w] == st.s[kept * w..(kept + 1) * w]
            && st.c[i * w..(i + 1) * w] == st.c[kept * w..(kept + 1) * w];
        if !same {
            breakpoints.push(frac_q(&st.breaks[i - 1]));
            maps.push(map_of(i));
            kept = i;
        }
    }
    for (k, t) in breakpoints.iter().enumerate() {
        for (l, r) in maps[k].iter().zip(&maps[k + 1]) {
            if &(&l.0 * t) + &l.1 != &(&r.0 * t) + &r.1 {
                return Err(format!(
                    "internal check failed: the pieces on both sides of x = {t} do not meet; nnkey does not trust this result"
                ));
            }
        }
    }
    Ok(Pieces { breakpoints, maps, traces: raw.traces, intervals: n, unmerged, big })
}

/// The kernel's raw output, in the integers it ran in.
enum AnyRaw {
    Small(Raw<i128>),
    Big(Raw<BigInt>),
}

/// Runs the kernel on a network of one input with numeric weights: in
/// `i128`, and again in big integers when that overflows.
fn compute(net: &Concrete) -> Result<AnyRaw, String> {
    if net.input_dim != 1 {
        return Err(format!("the network has {} inputs; pieces are listed for one input", net.input_dim));
    }
    let layers = rational_layers(net)?;
    let too_many = |position: usize| {
        format!(
            "the network has too many linear pieces to list: by layer {} ({}) there are more than {MAX_INTERVALS} \
             intervals (or more than {MAX_CELLS} unit values to hold); nnkey stops rather than list them",
            position + 1,
            activation_word(net, position)
        )
    };
    if let Some(k) = kernel_layers::<i128>(&layers) {
        match run(&k) {
            Ok(raw) => return Ok(AnyRaw::Small(raw)),
            Err(Stop::TooMany(p)) => return Err(too_many(p)),
            Err(Stop::Overflow) => {}
        }
    }
    let k = kernel_layers::<BigInt>(&layers).ok_or("the weights do not convert to integers")?;
    match run(&k) {
        Ok(raw) => Ok(AnyRaw::Big(raw)),
        Err(Stop::TooMany(p)) => Err(too_many(p)),
        Err(Stop::Overflow) => Err("internal: big integers overflowed".into()),
    }
}

/// Every piece of a network of one input with numeric weights.
pub fn pieces(net: &Concrete) -> Result<Pieces, String> {
    match compute(net)? {
        AnyRaw::Small(raw) => finish(raw, false),
        AnyRaw::Big(raw) => finish(raw, true),
    }
}

/// Every activation cell of a network of one input with numeric weights,
/// left to right: the intervals between consecutive points where some
/// unit changes sign, before neighbours with the same map are merged,
/// each with the output's (slope, intercept) on it. These are the regions
/// of the network in the sense of `identified regions`: two neighbouring
/// cells are different regions even when their maps agree.
pub fn cells(net: &Concrete) -> Result<Vec<Interval>, String> {
    match compute(net)? {
        AnyRaw::Small(raw) => Ok(all_intervals(&raw.state)),
        AnyRaw::Big(raw) => Ok(all_intervals(&raw.state)),
    }
}

fn all_intervals<N: ExactInt>(st: &State<N>) -> Vec<Interval> {
    let w = st.width;
    (0..st.intervals())
        .map(|i| {
            let lo = if i == 0 { None } else { Some(frac_q(&st.breaks[i - 1])) };
            let map = (0..w).map(|j| (q_of(&st.s[i * w + j], &st.den), q_of(&st.c[i * w + j], &st.den))).collect();
            (lo, st.breaks.get(i).map(frac_q), map)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------

/// Most pieces whose graph is drawn; beyond, the figure is left out.
const FIGURE_MAX_PIECES: usize = 1024;
/// Most pieces drawn with every breakpoint marked and every piece labelled.
const FIGURE_MARKED: usize = 16;
/// Pieces labelled when there are more than [`FIGURE_MARKED`].
const FIGURE_LABELLED: usize = 6;
/// Most pieces labelled with their formula rather than their number.
const FIGURE_FORMULAS: usize = 4;
/// Most outputs drawn, one graph each.
const FIGURE_MAX_OUTPUTS: usize = 3;

/// Output `j` at `x`, from the piece that contains it (at a breakpoint the
/// pieces on both sides agree: [`pieces`] verifies it).
pub fn value_of(breakpoints: &[Q], maps: &[Vec<(Q, Q)>], j: usize, x: &Q) -> Q {
    let (s, c) = &maps[breakpoints.partition_point(|b| b < x)][j];
    &(s * x) + c
}

/// The graph of output `j` over `[lo, hi]` as exact vertices: the two ends
/// and every breakpoint between them, where the graph bends.
pub fn graph(breakpoints: &[Q], maps: &[Vec<(Q, Q)>], j: usize, lo: &Q, hi: &Q) -> Vec<Point> {
    std::iter::once(lo)
        .chain(breakpoints.iter().filter(|b| lo < *b && *b < hi))
        .chain(std::iter::once(hi))
        .map(|x| (x.clone(), value_of(breakpoints, maps, j, x)))
        .collect()
}

/// `[lo, hi]` with a margin of a third of its width on each side (1 when
/// it is a point), the ends rounded outward to a round step.
pub fn padded(lo: &Q, hi: &Q) -> (Q, Q) {
    let span = hi - lo;
    let margin = if span.is_zero() { Q::one() } else { &span / &Q::from_int(3) };
    let (lo, hi) = (lo - &margin, hi + &margin);
    // Half the power of ten below the width: 3 rounds to steps of 1/2.
    let width = (&hi - &lo).to_f64();
    let e = width.log10().floor();
    if !e.is_finite() || e.abs() > 18.0 {
        return (lo, hi);
    }
    let Some(step) = Q::from_int(10).pow(e as i64).map(|p| &p / &Q::from_int(2)) else {
        return (lo, hi);
    };
    let whole = |n: num_bigint::BigInt| Q::from_bigints(n, BigInt::from(1));
    let down = &whole((&lo / &step).floor()) * &step;
    let up = -&(&whole((&(-&hi) / &step).floor()) * &step);
    (down, up)
}

/// The range of the input drawn for the whole network: every breakpoint,
/// with a margin ([`padded`]); around 0 when there is none.
pub fn window(breakpoints: &[Q]) -> (Q, Q) {
    match (breakpoints.first(), breakpoints.last()) {
        (Some(a), Some(b)) => padded(a, b),
        _ => padded(&Q::zero(), &Q::zero()),
    }
}

/// The range drawn around a point: the point and up to two breakpoints on
/// each side of it, with a margin.
pub fn window_near(breakpoints: &[Q], x0: &Q) -> (Q, Q) {
    let below = breakpoints.partition_point(|b| b < x0);
    let above = breakpoints.partition_point(|b| b <= x0);
    let lo = breakpoints[below.saturating_sub(2)..below].first().unwrap_or(x0);
    let hi = breakpoints[above..(above + 2).min(breakpoints.len())].last().unwrap_or(x0);
    padded(lo, hi)
}

/// The range of the values drawn: the values, with a margin of an eighth
/// of their spread (1 when they are all equal).
pub fn value_range<'a>(values: impl Iterator<Item = &'a Q>) -> (Q, Q) {
    let mut range: Option<(Q, Q)> = None;
    for v in values {
        range = Some(match range {
            None => (v.clone(), v.clone()),
            Some((lo, hi)) => (lo.min(v.clone()), hi.max(v.clone())),
        });
    }
    let (lo, hi) = range.unwrap_or_else(|| (Q::zero(), Q::zero()));
    let span = &hi - &lo;
    let margin = if span.is_zero() { Q::one() } else { &span / &Q::from_int(8) };
    (&lo - &margin, &hi + &margin)
}

/// The graph of the network with its pieces: every breakpoint marked and
/// every piece labelled (its formula, or its number from the left) when
/// there are few; else the graph with its first pieces numbered. `None`
/// for too many pieces or outputs to draw.
fn figure(p: &Pieces, x: &Math, h: &Math) -> Option<Figure> {
    let n = p.maps.len();
    let outputs = p.maps.first().map_or(0, Vec::len);
    if n > FIGURE_MAX_PIECES || outputs == 0 || outputs > FIGURE_MAX_OUTPUTS {
        return None;
    }
    let (lo, hi) = window(&p.breakpoints);
    let roles = [Role::Main, Role::Accent, Role::Second];
    let mut marks = Vec::new();
    let mut ys = Vec::new();
    for (j, role) in roles.iter().enumerate().take(outputs) {
        let points = graph(&p.breakpoints, &p.maps, j, &lo, &hi);
        ys.extend(points.iter().map(|p| p.1.clone()));
        let label = (outputs > 1).then(|| unit(h, j));
        marks.push(Mark::Line { points, role: *role, label });
    }
    let marked = n <= FIGURE_MARKED;
    if marked {
        for b in &p.breakpoints {
            marks.push(Mark::Rule { x: b.clone(), role: Role::Guide, label: None });
        }
        for j in 0..outputs {
            for b in &p.breakpoints {
                marks.push(Mark::Dot {
                    at: (b.clone(), value_of(&p.breakpoints, &p.maps, j, b)),
                    role: Role::Main,
                    label: None,
                });
            }
        }
    }
    // Each label sits at the middle of its piece: it is drawn on a copy of
    // the piece's left half, over the graph.
    let formulas = outputs == 1 && n <= FIGURE_FORMULAS;
    let labelled = if outputs > 1 {
        0
    } else if marked {
        n
    } else {
        FIGURE_LABELLED
    };
    for k in 0..labelled {
        let a = if k == 0 { lo.clone() } else { p.breakpoints[k - 1].clone() };
        let b = p.breakpoints.get(k).cloned().unwrap_or_else(|| hi.clone());
        let mid = &(&a + &b) / &Q::from_int(2);
        let (s, c) = &p.maps[k][0];
        let label = if formulas { line_math(x, s, c) } else { Math::from(k + 1) };
        let at = |t: &Q| (t.clone(), &(s * t) + c);
        marks.push(Mark::Line { points: vec![at(&a), at(&mid)], role: Role::Main, label: Some(label) });
    }
    let (ylo, yhi) = value_range(ys.iter());
    let ticks = if marked && p.breakpoints.len() <= 8 {
        std::iter::once(&lo).chain(&p.breakpoints).chain(std::iter::once(&hi)).cloned().collect()
    } else {
        Vec::new()
    };
    let range = interval(x, &Some(lo.clone()), &Some(hi.clone()));
    let caption = if p.breakpoints.is_empty() {
        prose!("The graph of $#h$ on $#r$: one linear piece, no breakpoint.", h = h.clone(), r = range)
    } else if outputs > 1 {
        prose!(
            "The graph of each of the #m outputs of $#h$ on $#r$: #n linear #pieces, which meet at the breakpoints \
             (marked).",
            m = outputs,
            h = h.clone(),
            r = range,
            n = n,
            pieces = plural(n, "piece")
        )
    } else if formulas {
        prose!(
            "The graph of $#h$ on $#r$: #n linear #pieces, each labelled with its formula, meeting at the \
             breakpoints (marked).",
            h = h.clone(),
            r = range,
            n = n,
            pieces = plural(n, "piece")
        )
    } else if marked {
        prose!(
            "The graph of $#h$ on $#r$: #n linear pieces, numbered from the left, meeting at the breakpoints \
             (marked).",
            h = h.clone(),
            r = range,
            n = n
        )
    } else {
        prose!(
            "The graph of $#h$ on $#r$, with all #n linear pieces; only the first #k are numbered (from the left), and \
             the #b breakpoints are not marked one by one.",
            h = h.clone(),
            r = range,
            n = n,
            k = FIGURE_LABELLED,
            b = p.breakpoints.len()
        )
    };
    let ylabel = if outputs > 1 { h.clone() } else { math!("#h(#x)", h = h.clone(), x = x.clone()) };
    Some(Figure {
        caption,
        panels: vec![Panel {
            title: None,
            x: Axis { label: x.clone(), lo, hi, ticks },
            y: Axis { label: ylabel, lo: ylo, hi: yhi, ticks: Vec::new() },
            marks,
        }],
        shows_answer: false,
    })
}

// ---------------------------------------------------------------------------
// The finding
// ---------------------------------------------------------------------------

/// An affine function of the input, `slope·x + intercept`.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub slope: Q,
    pub intercept: Q,
}

/// Every linear piece of a network of one input.
#[derive(Clone, Debug, PartialEq)]
pub struct PiecesAnswer {
    /// Increasing; k breakpoints separate k + 1 pieces.
    pub breakpoints: Vec<Q>,
    /// For each piece, left to right, the line of every output.
    pub pieces: Vec<Vec<Line>>,
}

impl PiecesAnswer {
    /// The answer as a key states it: `{ breakpoints: [..], pieces: [..] }`,
    /// each piece the network's output as an affine expression in the
    /// input `x` (a row of them for several outputs).
    pub fn value(&self, x: &Poly) -> Value {
        let breakpoints = if self.breakpoints.is_empty() {
            Value::List(Vec::new())
        } else {
            Value::Matrix(Matrix::column(self.breakpoints.iter().map(|t| RatFunc::constant(t.clone())).collect()))
        };
        let rows: Vec<Vec<RatFunc>> =
            self.pieces.iter().map(|m| m.iter().map(|l| RatFunc::from(line(x, l))).collect()).collect();
        let pieces = Value::Matrix(Matrix::from_rows(rows).expect("every piece has one entry per output"));
        Value::record(vec![("breakpoints", breakpoints), ("pieces", pieces)])
    }
}

/// A line as a polynomial in the input.
fn line(x: &Poly, l: &Line) -> Poly {
    affine(x, &l.slope, &l.intercept)
}

/// `s·x + c` as a polynomial in the input.
fn affine(x: &Poly, s: &Q, c: &Q) -> Poly {
    &x.scale(s) + &Poly::constant(c.clone())
}

/// An interval of the line as a formula: `x <= -2`, `-2 <= x <= 0`.
fn interval(x: &Math, lo: &Option<Q>, hi: &Option<Q>) -> Math {
    match (lo, hi) {
        (None, None) => math!("#x in RR", x = x.clone()),
        (None, Some(h)) => math!("#x <= #h", x = x.clone(), h = h),
        (Some(l), None) => math!("#x >= #l", x = x.clone(), l = l),
        (Some(l), Some(h)) => math!("#l <= #x <= #h", l = l, x = x.clone(), h = h),
    }
}

/// `s·x + c` as a formula, written like the polynomial it is (see
/// [`super::piece::exact`]): the term in x first, unless only the
/// constant is positive.
pub fn line_math(x: &Math, s: &Q, c: &Q) -> Math {
    let term = if s.abs().is_one() { x.clone() } else { Math::Product(vec![Math::Number(s.abs()), x.clone()]) };
    let sign = |q: &Q| if q.is_negative() { Sign::Minus } else { Sign::Plus };
    match (s.is_zero(), c.is_zero()) {
        (true, _) => Math::Number(c.clone()),
        (false, true) if s.is_negative() => Math::Neg(Box::new(term)),
        (false, true) => term,
        (false, false) if s.is_negative() && !c.is_negative() => {
            Math::Sum(vec![(Sign::Plus, Math::Number(c.clone())), (Sign::Minus, term)])
        }
        (false, false) => Math::Sum(vec![(sign(s), term), (sign(c), Math::Number(c.abs()))]),
    }
}

/// A vector of affine functions of x as a formula.
fn affine_vector(x: &Math, units: &[(Q, Q)]) -> Math {
    if units.len() == 1 {
        return line_math(x, &units[0].0, &units[0].1);
    }
    Math::column(units.iter().map(|(s, c)| line_math(x, s, c)).collect())
}

/// The name of each bending activation's input, `z_k` (or the input).
fn input_name(outputs: &[Math], x: &Math, position: usize) -> Math {
    if position == 0 { x.clone() } else { outputs[position - 1].clone() }
}

fn activation_word(net: &Concrete, position: usize) -> String {
    match &net.layers[position] {
        Layer::Activation { activation, .. } => match activation.negative_slope().as_constant() {
            Some(a) if activation.word() == "leaky_relu" => format!("leaky_relu({a})"),
            _ => activation.word().to_string(),
        },
        Layer::Dense(_) => "dense".into(),
    }
}

/// The derivation: layer by layer, the splits; then the pieces, the
/// merges and continuity.
pub fn derive(q: &PiecesQuery, problem: &Problem) -> Result<(PiecesAnswer, Value, Explanation), String> {
    let ring = &problem.ring;
    let net = &q.net;
    let p = pieces(net)?;
    let xp = Poly::var(ring.var(&Symbol::plain(&q.input)));
    let mut letters = Letters::of(problem);
    letters.take(&q.input);
    letters.take(&q.network);
    let (z, a) = (letters.fresh(&["z", "u"]), letters.fresh(&["a", "v"]));
    let outputs = layer_outputs(net, &z, &a);
    let (x, h) = (Math::name(&q.input), Math::name(&q.network));
    let hx = math!("#h(#x)", h = h.clone(), x = x.clone());
    let mut ex = Explanation::new();
    ex.step(prose!(
        "On an interval where no unit changes sign, every layer is an affine function of $#x$, so a new piece can \
         only start where the input of a bending activation crosses 0. Start with the whole line and follow the \
         layers, splitting the intervals where a unit crosses 0.",
        x = x.clone()
    ));
    for t in &p.traces {
        let name = input_name(&outputs, &x, t.position);
        let act = match &net.layers[t.position] {
            Layer::Activation { activation, .. } => code(activation.word()),
            Layer::Dense(_) => code("dense"),
        };
        let added = t.intervals_after - t.intervals_before;
        let summary = if added == 0 {
            prose!(
                " on $#z$ (#w #units): no unit changes sign inside an interval, so there are still #n #intervals. \
                 Its inputs on each interval:",
                z = name.clone(),
                w = t.width,
                units = plural(t.width, "unit"),
                n = t.intervals_after,
                intervals = plural(t.intervals_after, "interval")
            )
        } else {
            prose!(
                " on $#z$ (#w #units): #k new #breakpoints, so the line is now cut into #n #intervals. Its inputs \
                 on each interval, and where they cross 0:",
                z = name.clone(),
                w = t.width,
                units = plural(t.width, "unit"),
                k = added,
                breakpoints = plural(added, "breakpoint"),
                n = t.intervals_after,
                intervals = plural(t.intervals_after, "interval")
            )
        };
        let intervals: Vec<Block> = t
            .intervals
            .iter()
            .map(|r| {
                Block::Prose(prose!(
                    "on $#i$: $#z = #v$",
                    i = interval(&x, &r.lo, &r.hi),
                    z = name.clone(),
                    v = affine_vector(&x, &r.units)
                ))
            })
            .collect();
        let step = ex.step(concat(vec![act, summary]));
        step.listing(t.intervals_before, intervals);
        if added > 0 {
            let crossings: Vec<Block> = t
                .crossings
                .iter()
                .map(|(at, units)| {
                    let us = Math::list(units.iter().map(|j| unit(&name, *j)).collect());
                    let verb = if units.len() == 1 { words("crosses") } else { words("cross") };
                    Block::Prose(prose!("$#us$ #verb 0 at $#x = #t$", us = us, verb = verb, x = x.clone(), t = at))
                })
                .collect();
            step.listing(added, crossings);
        }
    }
    if p.traces.is_empty() {
        ex.step(prose!("No layer bends: $#h$ is one affine map on the whole line.", h = h.clone()));
    }
    let item = |lo: &Option<Q>, hi: &Option<Q>, map: &[(Q, Q)]| {
        Block::Prose(prose!(
            "on $#i$: $#hx = #v$",
            i = interval(&x, lo, hi),
            hx = hx.clone(),
            v = affine_vector(&x, map)
        ))
    };
    ex.step(prose!(
        "The output on each of the #n #intervals, composing the layers with each unit's slope fixed:",
        n = p.intervals,
        intervals = plural(p.intervals, "interval")
    ))
    .listing(p.intervals, p.unmerged.iter().map(|(lo, hi, map)| item(lo, hi, map)).collect());
    let merged = p.intervals - p.maps.len();
    if merged > 0 {
        let pieces: Vec<Block> = p
            .maps
            .iter()
            .enumerate()
            .take(LISTING_CAP)
            .map(|(k, map)| {
                let lo = k.checked_sub(1).map(|i| p.breakpoints[i].clone());
                item(&lo, &p.breakpoints.get(k).cloned(), map)
            })
            .collect();
        ex.step(prose!(
            "Neighbouring intervals with the same affine map form one piece: #k #breakpoints removed, #n #pieces \
             left:",
            k = merged,
            breakpoints = plural(merged, "breakpoint"),
            n = p.maps.len(),
            pieces = plural(p.maps.len(), "piece")
        ))
        .listing(p.maps.len(), pieces);
    }
    if !p.breakpoints.is_empty() {
        let checks: Vec<Block> = p
            .breakpoints
            .iter()
            .enumerate()
            .take(LISTING_CAP)
            .map(|(k, t)| {
                let at: Vec<(Q, Q)> = p.maps[k].iter().map(|(s, c)| (Q::zero(), &(s * t) + c)).collect();
                Block::Prose(prose!(
                    "at $#x = #t$: $#l$ and $#r$ both give $#v$",
                    x = x.clone(),
                    t = t,
                    l = affine_vector(&x, &p.maps[k]),
                    r = affine_vector(&x, &p.maps[k + 1]),
                    v = affine_vector(&x, &at)
                ))
            })
            .collect();
        ex.detail(prose!("Continuity, verified exactly at every breakpoint: the pieces on both sides meet."))
            .listing(p.breakpoints.len(), checks);
    }
    let n = p.maps.len();
    let last = if p.breakpoints.is_empty() {
        ex.step(prose!("$#h$ has #n linear #pieces.", h = h.clone(), n = n, pieces = plural(n, "piece")))
    } else {
        let bp = Math::column(p.breakpoints.iter().map(Math::from).collect());
        ex.step(prose!(
            "$#h$ has #n linear #pieces, with breakpoints $#bp$.",
            h = h.clone(),
            n = n,
            pieces = plural(n, "piece"),
            bp = bp
        ))
    };
    if let Some(f) = figure(&p, &x, &h) {
        last.figure(f);
    }
    if p.big {
        ex.detail(prose!("The exact integers outgrew 128 bits; the computation used big integers."));
    }
    let answer = PiecesAnswer {
        breakpoints: p.breakpoints,
        pieces: p
            .maps
            .into_iter()
            .map(|m| m.into_iter().map(|(slope, intercept)| Line { slope, intercept }).collect())
            .collect(),
    };
    let value = answer.value(&xp);
    Ok((answer, value, ex))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;
    use crate::model::network::Dense;

    fn q(n: i64, d: i64) -> RatFunc {
        RatFunc::constant(Q::new(n, d))
    }

    /// The seed's network: W1 = [[1/2], [1/2]], b1 = [0, 1], W2 = all ones,
    /// b2 = 0, W3 = [1, 1], b3 = 1.
    fn seed() -> Concrete {
        let dense = |rows: usize, cols: usize, w: Vec<RatFunc>, b: Vec<RatFunc>, index| {
            Layer::Dense(Dense { weight: Matrix::from_vec(rows, cols, w), bias: b, index, span: Default::default() })
        };
        let relu = || Layer::Activation { activation: Activation::Relu, span: Default::default() };
        Concrete {
            input_dim: 1,
            layers: vec![
                dense(2, 1, vec![q(1, 2), q(1, 2)], vec![q(0, 1), q(1, 1)], 1),
                relu(),
                dense(2, 2, vec![q(1, 1); 4], vec![q(0, 1); 2], 2),
                relu(),
                dense(1, 2, vec![q(1, 1); 2], vec![q(1, 1)], 3),
            ],
        }
    }

    #[test]
    fn the_seed_network_by_hand() {
        // Unit 1 is x/2 (on for x > 0), unit 2 is x/2 + 1 (on for x > -2).
        // For x <= -2 both are off and h = 1; on [-2, 0] only unit 2 is on,
        // the second layer gives x/2 + 1 twice and h = x + 3; for x >= 0
        // both are on, the second layer gives x + 1 twice and h = 2x + 3.
        let p = pieces(&seed()).unwrap();
        assert_eq!(p.breakpoints, vec![Q::from_int(-2), Q::zero()]);
        let as_int = |m: &Vec<(Q, Q)>| (m[0].0.clone(), m[0].1.clone());
        assert_eq!(as_int(&p.maps[0]), (Q::zero(), Q::one()));
        assert_eq!(as_int(&p.maps[1]), (Q::one(), Q::from_int(3)));
        assert_eq!(as_int(&p.maps[2]), (Q::from_int(2), Q::from_int(3)));
        assert!(!p.big);
    }

    #[test]
    fn big_integers_take_over_when_i128_overflows() {
        // Weights with huge denominators: 1/(2^62 + 1) in ten layers.
        let tiny = RatFunc::constant(Q::from_bigints(BigInt::from(1), (BigInt::from(1) << 62) + 1));
        let mut layers = Vec::new();
        for k in 0..10 {
            layers.push(Layer::Dense(Dense {
                weight: Matrix::from_vec(1, 1, vec![tiny.clone()]),
                bias: vec![q(1, 3)],
                index: k + 1,
                span: Default::default(),
            }));
            layers.push(Layer::Activation { activation: Activation::Abs, span: Default::default() });
        }
        let p = pieces(&Concrete { input_dim: 1, layers }).unwrap();
        assert!(p.big);
        // |x/(2^62 + 1) + 1/3| bends once, at x = -(2^62 + 1)/3; the later
        // layers stay positive.
        assert_eq!(p.breakpoints.len(), 1);
        assert_eq!(p.breakpoints[0], -Q::from_bigints((BigInt::from(1) << 62) + 1, BigInt::from(3)));
    }

    /// The network's outputs at x by an exact forward pass, independent of
    /// the pieces.
    fn forward(net: &Concrete, x: &Q) -> Vec<Q> {
        let mut v = vec![x.clone()];
        for l in &net.layers {
            match l {
                Layer::Dense(d) => {
                    v = (0..d.weight.rows())
                        .map(|r| {
                            let row = d.weight.row(r).iter().map(|w| w.as_constant().unwrap());
                            row.zip(&v).fold(d.bias[r].as_constant().unwrap(), |acc, (w, a)| &acc + &(&w * a))
                        })
                        .collect()
                }
                Layer::Activation { activation, .. } => {
                    let alpha = activation.negative_slope().as_constant().unwrap();
                    v = v.into_iter().map(|a| if a.is_negative() { &a * &alpha } else { a }).collect();
                }
            }
        }
        v
    }

    /// `repeat k { dense 2 + -1; abs }`: a sawtooth with 2^k pieces on
    /// [0, 1].
    fn sawtooth(k: usize) -> Concrete {
        let mut layers = Vec::new();
        for i in 0..k {
            layers.push(Layer::Dense(Dense {
                weight: Matrix::from_vec(1, 1, vec![q(2, 1)]),
                bias: vec![q(-1, 1)],
                index: i + 1,
                span: Default::default(),
            }));
            layers.push(Layer::Activation { activation: Activation::Abs, span: Default::default() });
        }
        Concrete { input_dim: 1, layers }
    }

    fn panel(f: &Figure) -> &Panel {
        assert_eq!(f.panels.len(), 1);
        &f.panels[0]
    }

    /// The graph: the first line mark.
    fn graph_line(p: &Panel) -> &Vec<Point> {
        match &p.marks[0] {
            Mark::Line { points, role: Role::Main, label: None } => points,
            m => panic!("the graph first, got {m:?}"),
        }
    }

    /// The lines that carry a piece's label.
    fn labels(p: &Panel) -> Vec<(&Vec<Point>, &Math)> {
        p.marks
            .iter()
            .filter_map(|m| match m {
                Mark::Line { points, label: Some(l), .. } => Some((points, l)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_graph_goes_through_the_network_and_bends_at_the_breakpoints() {
        let net = seed();
        let p = pieces(&net).unwrap();
        let f = figure(&p, &Math::name("x"), &Math::name("h")).unwrap();
        let panel = panel(&f);
        let g = graph_line(panel);
        // Every vertex is on the graph of h, exactly.
        for (x, y) in g {
            assert_eq!(vec![y.clone()], forward(&net, x), "vertex at x = {x}");
        }
        // The vertices are the two ends of the window and the breakpoints,
        // in order, and the window holds every breakpoint with a margin.
        let xs: Vec<Q> = g.iter().map(|v| v.0.clone()).collect();
        assert_eq!(xs[1..xs.len() - 1], p.breakpoints[..]);
        assert!(xs[0] < p.breakpoints[0] && p.breakpoints[1] < xs[3]);
        assert_eq!((&panel.x.lo, &panel.x.hi), (&xs[0], &xs[3]));
        // The graph is not straight through a breakpoint: the slopes on its
        // two sides differ (a kink is where the picture bends).
        let slope = |a: &Point, b: &Point| &(&b.1 - &a.1) / &(&b.0 - &a.0);
        for k in 1..g.len() - 1 {
            assert_ne!(slope(&g[k - 1], &g[k]), slope(&g[k], &g[k + 1]));
        }
        // Each breakpoint is a rule, and a dot on the graph.
        let rules: Vec<&Q> =
            panel.marks.iter().filter_map(|m| if let Mark::Rule { x, .. } = m { Some(x) } else { None }).collect();
        assert_eq!(rules, p.breakpoints.iter().collect::<Vec<_>>());
        let dots: Vec<&Point> =
            panel.marks.iter().filter_map(|m| if let Mark::Dot { at, .. } = m { Some(at) } else { None }).collect();
        assert_eq!(dots.len(), 2);
        for (x, y) in dots {
            assert!(p.breakpoints.contains(x));
            assert_eq!(vec![y.clone()], forward(&net, x));
        }
        // Three pieces, each labelled with its formula; the label's line
        // runs on the graph from the piece's left end to its middle.
        let ls = labels(panel);
        assert_eq!(ls.len(), 3);
        for (k, (points, label)) in ls.iter().enumerate() {
            let (s, c) = &p.maps[k][0];
            assert_eq!(**label, line_math(&Math::name("x"), s, c));
            let (a, m) = (&points[0], &points[1]);
            assert_eq!((&a.0, &m.0), (&xs[k], &(&(&xs[k] + &xs[k + 1]) / &Q::from_int(2))));
            for (x, y) in [a, m] {
                assert_eq!(vec![y.clone()], forward(&net, x));
            }
        }
        // The values fit in the picture.
        assert!(g.iter().all(|(_, y)| &panel.y.lo < y && y < &panel.y.hi));
    }

    #[test]
    fn many_pieces_are_drawn_with_only_the_first_numbered() {
        let net = sawtooth(5);
        let p = pieces(&net).unwrap();
        assert_eq!(p.maps.len(), 32);
        let f = figure(&p, &Math::name("x"), &Math::name("h")).unwrap();
        let panel = panel(&f);
        let g = graph_line(panel);
        assert_eq!(g.len(), p.breakpoints.len() + 2);
        for (x, y) in g {
            assert_eq!(vec![y.clone()], forward(&net, x));
        }
        assert!(!panel.marks.iter().any(|m| matches!(m, Mark::Rule { .. } | Mark::Dot { .. })));
        let ls = labels(panel);
        assert_eq!(ls.len(), FIGURE_LABELLED);
        for (k, (_, label)) in ls.iter().enumerate() {
            assert_eq!(**label, Math::from(k + 1));
        }
        // The caption says that only some are numbered.
        let caption = format!("{:?}", f.caption);
        assert!(caption.contains("only the first"), "{caption}");
    }

    #[test]
    fn a_straight_network_is_one_piece_around_zero() {
        let mut net = sawtooth(1);
        net.layers.pop();
        let p = pieces(&net).unwrap();
        let f = figure(&p, &Math::name("x"), &Math::name("h")).unwrap();
        let g = graph_line(panel(&f));
        assert_eq!(g.len(), 2);
        assert!(g[0].0 < Q::zero() && Q::zero() < g[1].0);
        for (x, y) in g {
            assert_eq!(vec![y.clone()], forward(&net, x));
        }
    }

    #[test]
    fn windows_hold_what_they_must() {
        let b = [Q::from_int(-2), Q::zero(), Q::from_int(5), Q::from_int(7)];
        let (lo, hi) = window(&b);
        assert!(lo < b[0] && b[3] < hi);
        // Near 1: the two breakpoints on each side, and no further ones
        // need to be inside, but those inside are graph vertices.
        let (lo, hi) = window_near(&b, &Q::one());
        assert!(lo < b[0] && b[3] < hi);
        let (lo, hi) = window_near(&b[..1], &Q::from_int(3));
        assert!(lo < b[0] && Q::from_int(3) < hi);
        let (lo, hi) = window_near(&[], &Q::new(1, 3));
        assert!(lo < Q::new(1, 3) && Q::new(1, 3) < hi);
    }
}
