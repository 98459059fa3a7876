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
use num_traits::One;

use crate::algebra::int::{ExactInt, Frac};
use crate::algebra::print::{self, Notation};
use crate::algebra::{Matrix, Poly, Q, RatFunc, Ring, Symbol};
use crate::model::{Concrete, Layer, PiecesQuery, Value};

use super::Step;

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

/// Interval tables are shown in the derivation up to this many rows.
const SHOWN_ROWS: usize = 12;
/// …and up to this many units per row.
const SHOWN_UNITS: usize = 4;

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
    /// For a small network: each interval before the split, its units'
    /// pre-activations as (slope, intercept), and the crossings inside.
    pub detail: Option<Vec<IntervalDetail>>,
}

pub struct IntervalDetail {
    pub lo: Option<Q>,
    pub hi: Option<Q>,
    pub units: Vec<(Q, Q)>,
    /// Where units cross 0 inside the interval, left to right.
    pub crossings: Vec<(Q, Vec<usize>)>,
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
    /// For a small network, the output on every interval before merging.
    pub unmerged: Option<Vec<Interval>>,
    /// Whether the integers outgrew 128 bits.
    pub big: bool,
}

fn q_of<N: ExactInt>(n: &N, d: &N) -> Q {
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
fn kink<N: ExactInt>(
    st: State<N>,
    num: &N,
    den: &N,
    position: usize,
    detail: bool,
) -> Result<(State<N>, LayerTrace), Stop> {
    let w = st.width;
    let n = st.intervals();
    let mut breaks = Vec::with_capacity(st.breaks.len() + w);
    let mut s = Vec::with_capacity(st.s.len() + w);
    let mut c = Vec::with_capacity(st.c.len() + w);
    let mut roots: Vec<(Frac<N>, usize)> = Vec::new();
    let mut side: Vec<i32> = vec![0; w];
    let mut details = detail.then(Vec::new);
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
        if let Some(d) = details.as_mut() {
            let units = si.iter().zip(ci).map(|(sj, cj)| (unit_q(sj), unit_q(cj))).collect();
            let mut crossings: Vec<(Q, Vec<usize>)> = Vec::new();
            for (r, j) in &roots {
                let x = frac_q(r);
                match crossings.last_mut() {
                    Some(last) if last.0 == x => last.1.push(*j),
                    _ => crossings.push((x, vec![*j])),
                }
            }
            d.push(IntervalDetail { lo: lo.map(frac_q), hi: hi.map(frac_q), units, crossings });
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
    let trace =
        LayerTrace { position, width: w, intervals_before: n, intervals_after: breaks.len() + 1, detail: details };
    Ok((State { width: w, den: st.den.mul(den).ok_or(Stop::Overflow)?, breaks, s, c }, trace))
}

fn run<N: ExactInt>(layers: &[KLayer<N>], detail_width: usize) -> Result<Raw<N>, Stop> {
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
                let detail = st.intervals() <= SHOWN_ROWS && st.width <= detail_width;
                let (next, trace) = kink(st, num, den, *position, detail)?;
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
    let unmerged = (n <= SHOWN_ROWS).then(|| {
        (0..n)
            .map(|i| {
                let lo = if i == 0 { None } else { Some(frac_q(&st.breaks[i - 1])) };
                (lo, st.breaks.get(i).map(frac_q), map_of(i))
            })
            .collect()
    });
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

/// Every piece of a network of one input with numeric weights.
pub fn pieces(net: &Concrete) -> Result<Pieces, String> {
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
        match run(&k, SHOWN_UNITS) {
            Ok(raw) => return finish(raw, false),
            Err(Stop::TooMany(p)) => return Err(too_many(p)),
            Err(Stop::Overflow) => {}
        }
    }
    let k = kernel_layers::<BigInt>(&layers).ok_or("the weights do not convert to integers")?;
    match run(&k, SHOWN_UNITS) {
        Ok(raw) => finish(raw, true),
        Err(Stop::TooMany(p)) => Err(too_many(p)),
        Err(Stop::Overflow) => Err("internal: big integers overflowed".into()),
    }
}

// ---------------------------------------------------------------------------
// The finding
// ---------------------------------------------------------------------------

/// `s·x + c` as a polynomial in the input.
fn affine(x: &Poly, s: &Q, c: &Q) -> Poly {
    &x.scale(s) + &Poly::constant(c.clone())
}

fn interval_text(lo: &Option<Q>, hi: &Option<Q>, notation: Notation) -> String {
    let show = |q: &Q| print::rational(q, notation);
    match notation {
        Notation::Plain => match (lo, hi) {
            (None, None) => "all x".into(),
            (None, Some(h)) => format!("x <= {}", show(h)),
            (Some(l), None) => format!("x >= {}", show(l)),
            (Some(l), Some(h)) => format!("{} <= x <= {}", show(l), show(h)),
        },
        Notation::Latex => match (lo, hi) {
            (None, None) => "x \\in \\mathbb{R}".into(),
            (None, Some(h)) => format!("x \\le {}", show(h)),
            (Some(l), None) => format!("x \\ge {}", show(l)),
            (Some(l), Some(h)) => format!("{} \\le x \\le {}", show(l), show(h)),
        },
    }
}

/// A vector of affine functions of x as a value.
fn affine_vector(x: &Poly, units: &[(Q, Q)]) -> Value {
    let entries: Vec<RatFunc> = units.iter().map(|(s, c)| RatFunc::from(affine(x, s, c))).collect();
    if entries.len() == 1 { Value::Scalar(entries[0].clone()) } else { Value::Matrix(Matrix::column(entries)) }
}

/// The finding's value: `{ breakpoints: [..], pieces: [..] }`, each piece
/// the network's output as an affine expression in the input (a row of
/// them for several outputs).
pub fn value(p: &Pieces, x: &Poly) -> Value {
    let breakpoints = if p.breakpoints.is_empty() {
        Value::List(Vec::new())
    } else {
        Value::Matrix(Matrix::column(p.breakpoints.iter().map(|t| RatFunc::constant(t.clone())).collect()))
    };
    let rows: Vec<Vec<RatFunc>> =
        p.maps.iter().map(|m| m.iter().map(|(s, c)| RatFunc::from(affine(x, s, c))).collect()).collect();
    let pieces = Value::Matrix(Matrix::from_rows(rows).expect("every piece has one entry per output"));
    Value::record(vec![("breakpoints", breakpoints), ("pieces", pieces)])
}

/// Names the layers for the derivation: `z1` after the first dense layer,
/// `a1` after the activation on it.
fn pre_activation_name(net: &Concrete, position: usize) -> (String, String) {
    let k = net.layers[..position].iter().filter(|l| matches!(l, Layer::Dense(_))).count();
    let previous_is_dense = position > 0 && matches!(net.layers[position - 1], Layer::Dense(_));
    match (k, previous_is_dense) {
        (0, _) => ("x".into(), "x".into()),
        (k, true) => (format!("z{k}"), format!("z^{{({k})}}")),
        (k, false) => (format!("a{k}"), format!("a^{{({k})}}")),
    }
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

fn count(n: usize, noun: &str) -> String {
    super::count(n, noun)
}

/// The derivation: layer by layer, the splits; then the pieces, the
/// merges and continuity.
pub fn derive(q: &PiecesQuery, ring: &Ring) -> Result<(Value, Vec<Step>), String> {
    let net = &q.net;
    let p = pieces(net)?;
    let x = Poly::var(ring.var(&Symbol::plain(&q.input)));
    let xs = &q.input;
    let m = net.output_dim();
    let mut steps = vec![Step::text(format!(
        "{} maps one input {xs} to {} through {}. On an interval where no unit changes sign, every layer's \
         values are affine functions of {xs}; a new piece can only start where an input of a bending \
         activation crosses 0. Start with the whole line and follow the layers, splitting intervals exactly \
         (rational arithmetic) where a unit crosses 0.",
        q.network,
        count(m, "output"),
        net.outline()
    ))];
    for t in &p.traces {
        let (name, lname) = pre_activation_name(net, t.position);
        let act = activation_word(net, t.position);
        let added = t.intervals_after - t.intervals_before;
        let summary = if added == 0 {
            format!(
                "{act} on {name} ({}): no unit changes sign inside an interval; still {}.",
                count(t.width, "unit"),
                count(t.intervals_after, "interval")
            )
        } else {
            format!(
                "{act} on {name} ({}): {}, so the line is now cut into {}.",
                count(t.width, "unit"),
                count(added, "new breakpoint"),
                count(t.intervals_after, "interval")
            )
        };
        match &t.detail {
            Some(rows) => {
                let mut plain = Vec::new();
                let mut latex = Vec::new();
                for r in rows {
                    let v = affine_vector(&x, &r.units);
                    let mut line = format!(
                        "on {}: {name} = {}",
                        interval_text(&r.lo, &r.hi, Notation::Plain),
                        v.print(ring, Notation::Plain)
                    );
                    let mut lline = format!(
                        "{} &: \\; {lname} = {}",
                        interval_text(&r.lo, &r.hi, Notation::Latex),
                        v.print(ring, Notation::Latex)
                    );
                    if r.crossings.is_empty() {
                        line.push_str(", no sign change inside");
                        lline.push_str(",\\ \\text{no sign change inside}");
                    } else {
                        let cs: Vec<String> = r
                            .crossings
                            .iter()
                            .map(|(t, units)| {
                                let us: Vec<String> = units.iter().map(|u| format!("{name}[{u}]")).collect();
                                format!("{} = 0 at {xs} = {}", us.join(", "), t)
                            })
                            .collect();
                        let lcs: Vec<String> = r
                            .crossings
                            .iter()
                            .map(|(t, units)| {
                                let us: Vec<String> = units.iter().map(|u| format!("{lname}_{{{u}}}")).collect();
                                format!(
                                    "{} = 0 \\text{{ at }} {} = {}",
                                    us.join(", "),
                                    print::latex_name(xs),
                                    print::rational(t, Notation::Latex)
                                )
                            })
                            .collect();
                        line.push_str(&format!("; {}", cs.join("; ")));
                        lline.push_str(&format!(";\\ {}", lcs.join(";\\ ")));
                    }
                    plain.push(line);
                    latex.push(lline);
                }
                steps.push(Step::math(
                    format!("{summary} Its inputs on each interval, and where they cross 0:"),
                    plain.join("\n"),
                    format!("\\begin{{aligned}} {} \\end{{aligned}}", latex.join(" \\\\ ")),
                ));
            }
            None => steps.push(Step::text(summary)),
        }
    }
    if p.traces.is_empty() {
        steps.push(Step::text("No layer bends: the network is one affine map on the whole line."));
    }
    let hname = &q.network;
    match &p.unmerged {
        Some(rows) => {
            let plain: Vec<String> = rows
                .iter()
                .map(|(lo, hi, map)| {
                    format!(
                        "on {}: {hname} = {}",
                        interval_text(lo, hi, Notation::Plain),
                        affine_vector(&x, map).print(ring, Notation::Plain)
                    )
                })
                .collect();
            let latex: Vec<String> = rows
                .iter()
                .map(|(lo, hi, map)| {
                    format!(
                        "{} &: \\; {} = {}",
                        interval_text(lo, hi, Notation::Latex),
                        print::latex_name(hname),
                        affine_vector(&x, map).print(ring, Notation::Latex)
                    )
                })
                .collect();
            steps.push(Step::math(
                "The output on each interval, composing the layers with each unit's slope fixed:",
                plain.join("\n"),
                format!("\\begin{{aligned}} {} \\end{{aligned}}", latex.join(" \\\\ ")),
            ));
        }
        None => steps.push(Step::text(format!(
            "The output is an affine function of {xs} on each of the {} intervals.",
            p.intervals
        ))),
    }
    let merged = p.intervals - p.maps.len();
    steps.push(Step::text(if merged == 0 {
        "No two neighbouring intervals have the same affine map, so each is its own piece.".to_string()
    } else {
        format!(
            "Neighbouring intervals with the same affine map form one piece: {} removed, {} left.",
            count(merged, "breakpoint"),
            count(p.maps.len(), "piece")
        )
    }));
    if !p.breakpoints.is_empty() {
        let shown = p.breakpoints.len().min(SHOWN_ROWS);
        let mut plain = Vec::new();
        let mut latex = Vec::new();
        for (k, t) in p.breakpoints.iter().take(shown).enumerate() {
            let left = affine_vector(&x, &p.maps[k]);
            let right = affine_vector(&x, &p.maps[k + 1]);
            let at: Vec<(Q, Q)> = p.maps[k].iter().map(|(s, c)| (Q::zero(), &(s * t) + c)).collect();
            let v = affine_vector(&x, &at);
            plain.push(format!(
                "at {xs} = {t}: {} and {} both give {}",
                left.print(ring, Notation::Plain),
                right.print(ring, Notation::Plain),
                v.print(ring, Notation::Plain)
            ));
            latex.push(format!(
                "{} = {} &: \\; {} \\text{{ and }} {} \\text{{ both give }} {}",
                print::latex_name(xs),
                print::rational(t, Notation::Latex),
                left.print(ring, Notation::Latex),
                right.print(ring, Notation::Latex),
                v.print(ring, Notation::Latex)
            ));
        }
        let rest = if p.breakpoints.len() > shown {
            format!(" (shown for the first {shown} of {})", p.breakpoints.len())
        } else {
            String::new()
        };
        steps.push(Step::math(
            format!("Continuity, verified exactly at every breakpoint{rest}: the pieces on both sides meet."),
            plain.join("\n"),
            format!("\\begin{{aligned}} {} \\end{{aligned}}", latex.join(" \\\\ ")),
        ));
    }
    let bp: Vec<String> = p.breakpoints.iter().take(SHOWN_ROWS).map(|t| t.to_string()).collect();
    let more = if p.breakpoints.len() > SHOWN_ROWS { ", ..." } else { "" };
    steps.push(Step::text(format!(
        "{hname} has {}{}.{}",
        count(p.maps.len(), "linear piece"),
        if p.breakpoints.is_empty() { String::new() } else { format!(" with breakpoints {}{more}", bp.join(", ")) },
        if p.big { " (The exact integers outgrew 128 bits; the computation used big integers.)" } else { "" }
    )));
    Ok((value(&p, &x), steps))
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
}
