//! Threshold neurons: a neuron `step(w·x + b)` for a truth table, or an
//! exact proof that none exists; and whether a network of threshold units
//! computes a table.
//!
//! **The decision.** A neuron realizes a table when `w·x + b ≥ 0` on every
//! row with output 1 and `w·x + b < 0` on every row with output 0. Because
//! the table is finite, this strict system has a solution exactly when
//!
//! ```text
//!     w·x + b ≥ 0 on the 1-rows,    w·x + b ≤ −1 on the 0-rows        (S)
//! ```
//!
//! has one: a solution of (S) is one of the strict system, and a solution
//! of the strict system divided by δ = min over 0-rows of −(w·x + b) > 0
//! (a minimum over finitely many positive numbers) solves (S). Farkas's
//! lemma says (S) has no solution exactly when there are multipliers
//! λ ≥ 0 on the 1-rows and μ ≥ 0 on the 0-rows, not all zero, with
//!
//! ```text
//!     Σ λ_r (x_r, 1) = Σ μ_r (x_r, 1)                                   (C)
//! ```
//!
//! (then Σ λ_r (w·x_r + b) ≥ 0 while the same number Σ μ_r (w·x_r + b) is
//! < 0). nnkey asks [`farkas`] whether (C), normalized by Σ μ = 1, has a
//! nonnegative solution: a solution is the certificate, and otherwise the
//! Farkas vector of (C) is a neuron (see [`decide`]). Either answer is then
//! checked by [`check_neuron`] or [`check_certificate`], which only
//! evaluate the inequalities and share nothing with the solver.
//!
//! **What is shown.** A neuron shown to a student should have small
//! integer weights, so when the table is separable nnkey searches integer
//! weight vectors by increasing size ([`small_neuron`]); when that search
//! would be too long it rounds rescaled copies of the exact solution
//! ([`rounded_neuron`]), and keeps the exact solution scaled to integers
//! only when no rounding works. A proof should be short, so when the table
//! rises with some input in one place and falls with it in another, the
//! four rows that show it ([`four_row_certificate`]) are shown instead of
//! the solver's certificate. Whatever is shown is checked again first.
//!
//! **How it is explained.** A student's solution is the neuron and its
//! table checked row by row, or the proof a student writes: the rows with
//! output 1 add up to `w1 + w2 + 2b ≥ 0`, the rows with output 0 to
//! `w1 + w2 + 2b < 0`. How nnkey decided and checked (the linear program,
//! the search, the certificate's check) is detail for staff. The typed
//! answer ([`NeuronAnswer`]) carries the neuron, or the proof's rows, their
//! combination and common point, for the numeric check and for pictures.

use crate::algebra::print;
use crate::algebra::simplex::{Alternative, farkas};
use crate::algebra::{Q, Ring, Var};
use crate::language::math::Sign;
use crate::model::logic::{Activation, NetworkQuery, NeuronQuery, TruthTable, input_bit, row_text};
use crate::model::{Problem, Value};

use super::explain::{
    self, Axis, Block, Explanation, LISTING_CAP, Letters, Mark, Math, Panel, Point, Rel, Role, Table, words,
};
use super::plane::{self, rectangle, twice_area};
use super::{Answer, Finding, count};
use crate::{math, prose};

/// A threshold neuron: output 1 when `w·x + b ≥ 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron {
    pub w: Vec<Q>,
    pub b: Q,
}

/// Positive multipliers on rows with output 1 (`ones`) and with output 0
/// (`zeros`) whose weighted sums of `(x, 1)` agree: proof that no neuron
/// realizes the table. Rows are listed in increasing order.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    pub ones: Vec<(usize, Q)>,
    pub zeros: Vec<(usize, Q)>,
}

/// What [`decide`] finds.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Separable(Neuron),
    Inseparable(Certificate),
}

/// What `threshold neuron for TABLE` finds: the typed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum NeuronAnswer {
    /// A neuron with integer weights that realizes the table, checked on
    /// every row; its decision boundary is the hyperplane `w·x + b = 0`.
    Realized { w: Vec<Q>, b: Q },
    /// No neuron realizes the table: the proof that is shown, checked.
    Impossible(Impossibility),
}

/// The proof that no neuron realizes a table, as the derivation shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Impossibility {
    /// The rows the proof adds up, with their multipliers.
    pub certificate: Certificate,
    /// What both sides add up to: `Σ λ_r (w·x_r + b)` over the 1-rows,
    /// which equals `Σ μ_r (w·x_r + b)` over the 0-rows, as coefficients
    /// of the weights and of the bias (`w1 + w2 + 2b` for XOR).
    pub combination: Neuron,
    /// The common point of the two sides: the weighted average of the
    /// proof's 1-rows, which is also that of its 0-rows (`combination.w`
    /// divided by `combination.b`; (1/2, 1/2) for XOR).
    pub point: Vec<Q>,
}

impl Impossibility {
    /// The proof of a checked certificate on an n-input table.
    pub fn new(certificate: Certificate, n: usize) -> Impossibility {
        let mut w = vec![Q::zero(); n];
        let mut b = Q::zero();
        for (row, m) in &certificate.ones {
            for (i, s) in w.iter_mut().enumerate() {
                if input_bit(n, *row, i) {
                    *s = &*s + m;
                }
            }
            b = &b + m;
        }
        let point = if b.is_zero() { vec![Q::zero(); n] } else { w.iter().map(|s| s / &b).collect() };
        Impossibility { certificate, combination: Neuron { w, b }, point }
    }

    /// For a proof with two rows on each side, the two segments that cross
    /// at [`Impossibility::point`]: the rows with output 1 and the rows with
    /// output 0 (XOR's two diagonals, rows 01–10 and 00–11).
    pub fn segments(&self) -> Option<([usize; 2], [usize; 2])> {
        match (self.certificate.ones.as_slice(), self.certificate.zeros.as_slice()) {
            ([a, b], [c, d]) => Some(([a.0, b.0], [c.0, d.0])),
            _ => None,
        }
    }
}

/// What `threshold network { … } on TABLE` finds: the typed answer.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkAnswer {
    /// Whether the network's output equals the table's on every row.
    pub realizes: bool,
    /// The first row (in row order) where it does not, and the network's
    /// output there.
    pub first_wrong: Option<(usize, bool)>,
    /// How many rows it gets wrong.
    pub wrong_rows: usize,
}

/// Where a neuron disagrees with a table.
#[derive(Clone, Debug, PartialEq)]
pub struct WrongRow {
    pub row: usize,
    /// `w·x + b` on that row.
    pub value: Q,
}

pub fn neuron_value(neuron: &Neuron, n: usize, row: usize) -> Q {
    (0..n).filter(|&i| input_bit(n, row, i)).fold(neuron.b.clone(), |acc, i| &acc + &neuron.w[i])
}

/// Checks a neuron on every row, in row order; the first wrong row if any
/// (row 0 when the neuron does not have n weights).
pub fn check_neuron(neuron: &Neuron, n: usize, outputs: &[bool]) -> Result<(), WrongRow> {
    if neuron.w.len() != n {
        return Err(WrongRow { row: 0, value: Q::zero() });
    }
    for (row, &out) in outputs.iter().enumerate() {
        let value = neuron_value(neuron, n, row);
        if value.is_negative() == out {
            return Err(WrongRow { row, value });
        }
    }
    Ok(())
}

/// Checks a certificate: positive multipliers on distinct rows of the
/// right outputs, at least one row, and equal weighted sums of `(x, 1)`.
pub fn check_certificate(cert: &Certificate, n: usize, outputs: &[bool]) -> Result<(), String> {
    let mut sums = [vec![Q::zero(); n + 1], vec![Q::zero(); n + 1]];
    let mut seen = vec![false; outputs.len()];
    for (side, rows, want) in [(0, &cert.ones, true), (1, &cert.zeros, false)] {
        if rows.is_empty() {
            return Err("a certificate needs rows of both outputs".into());
        }
        for (row, m) in rows {
            if *row >= outputs.len() || seen[*row] {
                return Err(format!("row {row} is out of range or used twice"));
            }
            seen[*row] = true;
            if outputs[*row] != want {
                return Err(format!("row {} does not have output {}", row_text(n, *row), u8::from(want)));
            }
            if m.signum() <= 0 {
                return Err(format!("the multiplier of row {} is not positive", row_text(n, *row)));
            }
            for (i, s) in sums[side].iter_mut().enumerate().take(n) {
                if input_bit(n, *row, i) {
                    *s = &*s + m;
                }
            }
            sums[side][n] = &sums[side][n] + m;
        }
    }
    if sums[0] != sums[1] {
        return Err("the weighted sums of the rows differ".into());
    }
    Ok(())
}

/// Divides a vector by the rational gcd of its entries: integers without
/// a common factor, same signs.
fn integral(v: &[Q]) -> Vec<Q> {
    let g = v.iter().fold(Q::zero(), |g, x| Q::gcd(&g, x));
    if g.is_zero() { v.to_vec() } else { v.iter().map(|x| x / &g).collect() }
}

/// Decides whether a threshold neuron realizes the table with these
/// outputs (row order, 2ⁿ rows), exactly; the answer has integer entries
/// and has been checked. An error means a check failed, which would be a
/// bug in nnkey, and is reported rather than shown.
pub fn decide(n: usize, outputs: &[bool]) -> Result<Decision, String> {
    // The system (C) of the module documentation, one column per row r:
    // (x_r, 1, 0) for a 1-row (λ_r), (−x_r, −1, 1) for a 0-row (μ_r);
    // right-hand side (0, …, 0, 0, 1).
    let mut a: Vec<Vec<Q>> = vec![Vec::with_capacity(outputs.len()); n + 2];
    for (row, &out) in outputs.iter().enumerate() {
        let s = if out { 1 } else { -1 };
        for (i, eq) in a.iter_mut().enumerate().take(n) {
            eq.push(Q::from_int(if input_bit(n, row, i) { s } else { 0 }));
        }
        a[n].push(Q::from_int(s));
        a[n + 1].push(Q::from_int(if out { 0 } else { 1 }));
    }
    let mut c = vec![Q::zero(); n + 2];
    c[n + 1] = Q::one();
    match farkas(&a, &c) {
        Alternative::Solution(z) => {
            let z = integral(&z);
            let pick = |want: bool| -> Vec<(usize, Q)> {
                z.iter()
                    .enumerate()
                    .filter(|(r, m)| outputs[*r] == want && !m.is_zero())
                    .map(|(r, m)| (r, m.clone()))
                    .collect()
            };
            let cert = Certificate { ones: pick(true), zeros: pick(false) };
            check_certificate(&cert, n, outputs).map_err(|e| format!("the certificate nnkey found is wrong: {e}"))?;
            Ok(Decision::Inseparable(cert))
        }
        Alternative::Certificate(y) => {
            // yᵀA ≤ 0 and yᵀc = y_{n+1} > 0: with (u, β) = y[..=n], every
            // 1-row has u·x + β ≤ 0 and every 0-row u·x + β ≥ y_{n+1} > 0,
            // so w = −u, b = −β is a neuron.
            let v: Vec<Q> = y[..=n].iter().map(|x| -x).collect();
            let v = integral(&v);
            let neuron = Neuron { w: v[..n].to_vec(), b: v[n].clone() };
            if let Err(wrong) = check_neuron(&neuron, n, outputs) {
                return Err(format!("the neuron nnkey found is wrong on row {}", row_text(n, wrong.row)));
            }
            Ok(Decision::Separable(neuron))
        }
    }
}

/// The shortest kind of certificate, when the table has one: if it rises
/// with input i somewhere (row a to a + e_i goes 0 → 1) and falls with it
/// elsewhere (row c to c + e_i goes 1 → 0), then rows a + e_i and c
/// (output 1) sum to the same (x, 1) as rows a and c + e_i (output 0). No
/// certificate has fewer rows: a vertex of the cube is never an average of
/// other vertices.
pub fn four_row_certificate(n: usize, outputs: &[bool]) -> Option<Certificate> {
    for i in 0..n {
        let step = 1usize << (n - 1 - i);
        let lows = (0..outputs.len()).filter(|r| r & step == 0);
        let rise = lows.clone().find(|&a| !outputs[a] && outputs[a + step]);
        let fall = lows.clone().find(|&c| outputs[c] && !outputs[c + step]);
        if let (Some(a), Some(c)) = (rise, fall) {
            let mut ones = vec![(a + step, Q::one()), (c, Q::one())];
            let mut zeros = vec![(a, Q::one()), (c + step, Q::one())];
            ones.sort();
            zeros.sort();
            return Some(Certificate { ones, zeros });
        }
    }
    None
}

/// Row evaluations the search for small integer weights may spend.
const SEARCH_BUDGET: usize = 2_000_000;

/// The neuron with the smallest integer weights that realizes the table,
/// searched by the largest |w_i| (then the sum of |w_i|), with the bias
/// that puts the lowest 1-row exactly on the threshold; `None` when the
/// search would exceed its budget before finding one. Returns the size
/// searched up to as well.
pub fn small_neuron(n: usize, outputs: &[bool]) -> (Option<Neuron>, i64) {
    let rows = outputs.len();
    let mut spent = 0usize;
    let mut size = 0i64;
    loop {
        let count = (2 * size + 1).checked_pow(n as u32).unwrap_or(i64::MAX) as usize;
        if count.saturating_mul(rows).saturating_add(spent) > SEARCH_BUDGET {
            return (None, (size - 1).max(0));
        }
        spent += count * rows;
        let mut candidates: Vec<Vec<i64>> = Vec::new();
        let mut w = vec![-size; n];
        loop {
            if w.iter().any(|x| x.abs() == size) || n == 0 {
                candidates.push(w.clone());
            }
            // Next vector in [-size, size]^n, odometer order.
            let mut k = 0;
            while k < n && w[k] == size {
                w[k] = -size;
                k += 1;
            }
            if k == n {
                break;
            }
            w[k] += 1;
        }
        // Fewest and smallest weights first; positive before negative.
        candidates.sort_by_key(|w| {
            let l1: i64 = w.iter().map(|x| x.abs()).sum();
            let negatives = w.iter().filter(|&&x| x < 0).count();
            (l1, negatives, w.iter().map(|&x| (-x.abs(), x < 0)).collect::<Vec<_>>())
        });
        for w in &candidates {
            let Some(b) = integer_bias(w, n, outputs) else { continue };
            let neuron = Neuron { w: w.iter().map(|&x| Q::from_int(x)).collect(), b: Q::from_int(b) };
            return (Some(neuron), size);
        }
        if n == 0 {
            return (None, 0);
        }
        size += 1;
    }
}

/// The bias that makes integer weights `w` realize the table, if one does:
/// it puts the smallest weighted sum of a 1-row exactly at the threshold,
/// so every 1-row is `≥ 0` and, when the 0-rows all sum lower, every 0-row
/// is `< 0`.
fn integer_bias(w: &[i64], n: usize, outputs: &[bool]) -> Option<i64> {
    let mut low_one: Option<i64> = None;
    let mut high_zero: Option<i64> = None;
    for (row, &out) in outputs.iter().enumerate() {
        let v: i64 = (0..n).filter(|&i| input_bit(n, row, i)).map(|i| w[i]).sum();
        if out {
            low_one = Some(low_one.map_or(v, |m| m.min(v)));
        } else {
            high_zero = Some(high_zero.map_or(v, |m| m.max(v)));
        }
    }
    match (low_one, high_zero) {
        (Some(lo), Some(hi)) if lo > hi => Some(-lo),
        (Some(lo), None) => Some(-lo),
        (None, Some(hi)) => Some(-hi - 1),
        _ => None,
    }
}

/// The largest weight a rounded neuron is tried with.
const ROUNDING_LIMIT: i64 = 64;

/// The exact neuron rescaled so that its largest |w_i| is k and rounded to
/// integers, for the smallest k up to [`ROUNDING_LIMIT`] whose rounding
/// (with its best bias) still realizes the table, and that k. Only tried
/// when the exhaustive search of [`small_neuron`] is too long.
pub fn rounded_neuron(exact: &Neuron, n: usize, outputs: &[bool]) -> Option<(Neuron, i64)> {
    let largest = exact.w.iter().map(Q::abs).max()?;
    if largest.is_zero() {
        return None;
    }
    let half = Q::new(1, 2);
    for k in 1..=ROUNDING_LIMIT {
        let scale = &Q::from_int(k) / &largest;
        // |round(x·k/largest)| ≤ k, so the weights are small integers.
        let w: Vec<i64> = exact
            .w
            .iter()
            .map(|x| Q::from_bigints((&(x * &scale) + &half).floor(), 1.into()).to_i64())
            .collect::<Option<_>>()?;
        let Some(b) = integer_bias(&w, n, outputs) else { continue };
        let neuron = Neuron { w: w.into_iter().map(Q::from_int).collect(), b: Q::from_int(b) };
        if check_neuron(&neuron, n, outputs).is_ok() {
            return Some((neuron, k));
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Names and formulas of the explanations
// ---------------------------------------------------------------------------

/// Every name a problem uses: its objects, its symbols, and the inputs of
/// the table at hand.
fn problem_names(problem: &Problem, table: &TruthTable) -> Vec<String> {
    let mut names: Vec<String> = problem.objects.iter().map(|o| o.name.clone()).collect();
    names.extend((0..problem.ring.len()).map(|v| problem.ring.symbol(Var(v as u32)).name.clone()));
    names.extend(table.inputs.iter().cloned());
    names
}

/// The letters a derivation about a table may introduce: the problem's
/// names and the table's inputs are taken.
fn table_letters(problem: &Problem, table: &TruthTable) -> Letters {
    let mut letters = Letters::of(problem);
    for input in &table.inputs {
        letters.take(input);
    }
    letters
}

/// A letter that will carry numeric subscripts: a candidate none of whose
/// subscripted forms is a name already (an input `h1` prints like `h_1`).
fn indexed(letters: &mut Letters, names: &[String], candidates: &[&str]) -> Math {
    let clashes = |c: &str| {
        names.iter().any(|n| n.strip_prefix(c).is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())))
    };
    let free: Vec<&str> = candidates.iter().copied().filter(|c| !clashes(c)).collect();
    letters.fresh(if free.is_empty() { candidates } else { &free })
}

/// The subscripts of the weights: the inputs' own numbers when they are
/// numbered with one prefix (`x1`, `x2` give `w_1`, `w_2`), else the
/// inputs' names (`a`, `b` give `w_a`, `w_b`).
fn subscripts(inputs: &[String]) -> Vec<Math> {
    let split = |s: &str| {
        let stem = s.trim_end_matches(|c: char| c.is_ascii_digit());
        (stem.to_string(), s[stem.len()..].to_string())
    };
    let stem = inputs.first().map(|i| split(i).0).unwrap_or_default();
    let numbers: Option<Vec<i64>> = inputs
        .iter()
        .map(|i| {
            let (s, digits) = split(i);
            (s == stem && !stem.is_empty() && !digits.starts_with('0')).then(|| digits.parse::<i64>().ok()).flatten()
        })
        .collect();
    match numbers {
        Some(numbers) => numbers.into_iter().map(Math::int).collect(),
        None => inputs.iter().map(Math::name).collect(),
    }
}

/// The names a neuron's explanation uses: the weights `w_i`, the bias,
/// the input vector.
struct NeuronNames {
    w: Math,
    b: Math,
    x: Math,
    /// An index, for `w_i`.
    i: Math,
    subscripts: Vec<Math>,
}

impl NeuronNames {
    fn new(problem: &Problem, table: &TruthTable) -> NeuronNames {
        let names = problem_names(problem, table);
        let mut letters = table_letters(problem, table);
        let w = indexed(&mut letters, &names, &["w", "v", "u"]);
        let b = letters.fresh(&["b", "c", "theta"]);
        let x = letters.fresh(&["x", "z", "y"]);
        let i = letters.fresh(&["i", "j", "k"]);
        NeuronNames { w, b, x, i, subscripts: subscripts(&table.inputs) }
    }

    fn weight(&self, i: usize) -> Math {
        self.w.clone().sub(self.subscripts[i].clone())
    }

    /// `(w_1, …, w_n)`.
    fn weights(&self) -> Math {
        Math::tuple((0..self.subscripts.len()).map(|i| self.weight(i)).collect())
    }

    /// `w^T x + b`.
    fn form(&self) -> Math {
        math!("#w^T #x + #b", w = self.w.clone(), x = self.x.clone(), b = self.b.clone())
    }

    /// `c_1 w_1 + … + c_n w_n + c_b b`, without its zero terms.
    fn linear_form(&self, coeffs: &[Q], cb: &Q) -> Math {
        let terms = coeffs.iter().enumerate().map(|(i, c)| (c.clone(), self.weight(i)));
        signed(terms.chain(std::iter::once((cb.clone(), self.b.clone()))).filter(|(c, _)| !c.is_zero()).collect())
    }

    /// `w·x_r + b` on a row, as a form in the weights and the bias.
    fn row_form(&self, n: usize, row: usize) -> Math {
        let coeffs: Vec<Q> = (0..n).map(|i| if input_bit(n, row, i) { Q::one() } else { Q::zero() }).collect();
        self.linear_form(&coeffs, &Q::one())
    }
}

/// Terms with their coefficients as a sum, as a person writes it:
/// `w_1 - 2 w_2 + b`.
fn signed(terms: Vec<(Q, Math)>) -> Math {
    let mut out: Vec<(Sign, Math)> = terms
        .into_iter()
        .map(|(c, x)| {
            let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
            let a = c.abs();
            (sign, if a.is_one() { x } else { Math::Product(vec![Math::Number(a), x]) })
        })
        .collect();
    match out.len() {
        0 => Math::int(0),
        1 if out[0].0 == Sign::Plus => out.remove(0).1,
        _ => Math::Sum(out),
    }
}

/// A sum of numbers as written: `1 + 1 - 2`.
fn number_sum(terms: &[Q]) -> Math {
    match terms {
        [one] => Math::Number(one.clone()),
        _ => Math::Sum(
            terms
                .iter()
                .map(|t| (if t.is_negative() { Sign::Minus } else { Sign::Plus }, Math::Number(t.abs())))
                .collect(),
        ),
    }
}

/// A vector of numbers as a tuple `(1, -2)`.
fn numbers(v: &[Q]) -> Math {
    Math::tuple(v.iter().map(|x| Math::Number(x.clone())).collect())
}

/// The relation a row needs: `≥ 0` for output 1, `< 0` for output 0.
fn relation(one: bool) -> Rel {
    if one { Rel::Ge } else { Rel::Lt }
}

/// A bit as a number.
fn bit(b: bool) -> Math {
    Math::int(i64::from(b))
}

/// "Row 01", "Rows 01 and 10", "Rows 00, 01 and 11" (in lower case unless
/// `capital`).
fn rows_phrase(rows: &[usize], n: usize, capital: bool) -> String {
    let names: Vec<String> = rows.iter().map(|&r| row_text(n, r)).collect();
    let word = match (names.len(), capital) {
        (1, true) => "Row",
        (1, false) => "row",
        (_, true) => "Rows",
        (_, false) => "rows",
    };
    match names.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{word} {} and {last}", init.join(", ")),
        _ => format!("{word} {}", names.join("")),
    }
}

/// The inputs of a table as formulas, for a table's header.
fn input_header(table: &TruthTable) -> Vec<explain::Prose> {
    table.inputs.iter().map(|i| prose!("$#x$", x = Math::name(i))).collect()
}

/// The inputs of a row, one cell per input.
fn input_cells(table: &TruthTable, row: usize) -> Vec<explain::Prose> {
    table.row_values(row).into_iter().map(|v| prose!("$#v$", v = Math::int(i64::from(v)))).collect()
}

/// Says how many rows a table has when it shows only the first ones.
fn rows_shown(shown: usize, total: usize) -> Option<explain::Prose> {
    (shown < total)
        .then(|| prose!("The table shows the first #k of the #n rows; every row was computed.", k = shown, n = total))
}

// ---------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------

/// The range both axes of a picture of two inputs show: the unit square
/// with a margin, so that points on its sides stay visible.
fn square_range() -> (Q, Q) {
    (Q::new(-1, 4), Q::new(5, 4))
}

/// An axis of the square, named after an input.
fn square_axis(input: &str) -> Axis {
    let (lo, hi) = square_range();
    Axis { label: Math::name(input), lo, hi, ticks: vec![Q::zero(), Q::new(1, 2), Q::one()] }
}

/// Row r of a two-input table as a point of the plane.
fn row_point(row: usize) -> Point {
    let bit = |i| if input_bit(2, row, i) { Q::one() } else { Q::zero() };
    (bit(0), bit(1))
}

/// `w·p + b` at a point of the plane.
fn affine_at(w: &[Q], b: &Q, p: &Point) -> Q {
    &(&(&w[0] * &p.0) + &(&w[1] * &p.1)) + b
}

/// The box `[lo, hi]²`, counterclockwise.
fn square(lo: &Q, hi: &Q) -> Vec<Point> {
    rectangle(&(lo.clone(), hi.clone()), &(lo.clone(), hi.clone()))
}

/// The part of the line `w·x + b = 0` inside the box `[lo, hi]²`, as its
/// two ends (the lower x first, then the lower y); `None` when the line
/// misses the box, only touches a corner, or `w = 0`.
fn clip_line(w: &[Q], b: &Q, lo: &Q, hi: &Q) -> Option<(Point, Point)> {
    let [p, q] = plane::clip_line((&w[0], &w[1]), &-b, (lo, hi), (lo, hi))?;
    Some((p, q))
}

/// The part of a convex polygon where `w·x + b ≥ 0`, its vertices in the
/// same order; `None` when it has no area.
fn clip_polygon(poly: &[Point], w: &[Q], b: &Q) -> Option<Vec<Point>> {
    let mut out: Vec<Point> = Vec::new();
    for k in 0..poly.len() {
        let (p, q) = (&poly[k], &poly[(k + 1) % poly.len()]);
        let (vp, vq) = (affine_at(w, b, p), affine_at(w, b, q));
        if !vp.is_negative() {
            out.push(p.clone());
        }
        if (vp.signum() > 0 && vq.is_negative()) || (vp.is_negative() && vq.signum() > 0) {
            // Where the value crosses 0 along p → q.
            let t = &vp / &(&vp - &vq);
            out.push((&p.0 + &(&t * &(&q.0 - &p.0)), &p.1 + &(&t * &(&q.1 - &p.1))));
        }
    }
    out.dedup();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    (!twice_area(&out).is_zero()).then_some(out)
}

/// The part of the box `[lo, hi]²` where `w·x + b ≥ 0`.
fn half_plane(w: &[Q], b: &Q, lo: &Q, hi: &Q) -> Option<Vec<Point>> {
    clip_polygon(&square(lo, hi), w, b)
}

/// The cells the lines `w·x + b = 0` cut the box `[lo, hi]²` into.
fn cells(lines: &[(&[Q], &Q)], lo: &Q, hi: &Q) -> Vec<Vec<Point>> {
    let mut cells = vec![square(lo, hi)];
    for (w, b) in lines {
        let (nw, nb): (Vec<Q>, Q) = (w.iter().map(|x| -x).collect(), -*b);
        cells = cells.iter().flat_map(|c| [clip_polygon(c, w, b), clip_polygon(c, &nw, &nb)]).flatten().collect();
    }
    cells
}

/// The average of a polygon's vertices: inside a convex polygon with area.
fn vertex_mean(poly: &[Point]) -> Point {
    let n = Q::from_int(poly.len() as i64);
    let sum = poly.iter().fold((Q::zero(), Q::zero()), |(x, y), p| (&x + &p.0, &y + &p.1));
    (&sum.0 / &n, &sum.1 / &n)
}

/// `x_1 + x_2 - 2`: an affine form in the inputs, as written.
fn affine_form(w: &[Q], b: &Q, inputs: &[String]) -> Math {
    let mut terms: Vec<(Sign, Math)> = w
        .iter()
        .zip(inputs)
        .filter(|(c, _)| !c.is_zero())
        .map(|(c, x)| {
            let sign = if c.is_negative() { Sign::Minus } else { Sign::Plus };
            let a = c.abs();
            (sign, if a.is_one() { Math::name(x) } else { Math::Product(vec![Math::Number(a), Math::name(x)]) })
        })
        .collect();
    if !b.is_zero() || terms.is_empty() {
        terms.push((if b.is_negative() { Sign::Minus } else { Sign::Plus }, Math::Number(b.abs())));
    }
    match terms.len() {
        1 if terms[0].0 == Sign::Plus => terms.remove(0).1,
        _ => Math::Sum(terms),
    }
}

/// The four rows of a two-input table as dots, by output, each labelled
/// with its output.
fn row_dots(outputs: &[bool]) -> Vec<Mark> {
    (0..4)
        .map(|row| Mark::Dot {
            at: row_point(row),
            role: if outputs[row] { Role::Yes } else { Role::No },
            label: Some(bit(outputs[row])),
        })
        .collect()
}

/// The picture of a neuron on two inputs: the four rows by output, the
/// decision line `w·x + b = 0` clipped to the square, and the half-plane
/// where the neuron outputs 1.
fn neuron_figure(neuron: &Neuron, table: &TruthTable, t: &Math) -> Option<explain::Figure> {
    if table.n() != 2 {
        return None;
    }
    let (lo, hi) = square_range();
    let (w, b) = (&neuron.w, &neuron.b);
    let mut marks = Vec::new();
    if let Some(region) = half_plane(w, b, &lo, &hi) {
        marks.push(Mark::Region { points: region, role: Role::Yes, label: None });
    }
    let form = affine_form(w, b, &table.inputs);
    let line = clip_line(w, b, &lo, &hi);
    if let Some((p, q)) = &line {
        marks.push(Mark::Line {
            points: vec![p.clone(), q.clone()],
            role: Role::Main,
            label: Some(form.clone().equals(Math::int(0))),
        });
    }
    marks.extend(row_dots(&table.outputs));
    let caption = if line.is_some() {
        prose!(
            "The four rows of $#T$ as points, each labelled with its output, and the neuron's decision line \
             $#f = 0$; the neuron outputs 1 on the marked side, where $#f >= 0$, and on the line itself.",
            T = t.clone(),
            f = form,
        )
    } else {
        prose!(
            "The four rows of $#T$ as points, each labelled with its output; the weights are 0, so the neuron \
             outputs #o everywhere#marked.",
            T = t.clone(),
            o = bit(!b.is_negative()),
            marked = words(if b.is_negative() { "" } else { " (the marked square)" }),
        )
    };
    let panel = Panel { title: None, x: square_axis(&table.inputs[0]), y: square_axis(&table.inputs[1]), marks };
    Some(explain::Figure { caption, panels: vec![panel], shows_answer: false })
}

/// The picture of an impossibility proof on two inputs: the four rows by
/// output, the segment joining the proof's two rows with output 1, the
/// one joining its two rows with output 0, and the point where they cross.
fn proof_figure(proof: &Impossibility, table: &TruthTable, t: &Math) -> Option<explain::Figure> {
    if table.n() != 2 {
        return None;
    }
    let (ones, zeros) = proof.segments()?;
    let segment = |rows: [usize; 2], role| Mark::Line { points: rows.map(row_point).to_vec(), role, label: None };
    let p = (proof.point[0].clone(), proof.point[1].clone());
    let mut marks = vec![segment(ones, Role::Yes), segment(zeros, Role::No)];
    marks.extend(row_dots(&table.outputs));
    marks.push(Mark::Dot { at: p, role: Role::Main, label: Some(numbers(&proof.point)) });
    let caption = prose!(
        "The four rows of $#T$ as points, each labelled with its output: the segment joining #ones (output 1) and \
         the segment joining #zeros (output 0) cross at $#p$, so no line has both rows with output 1 on one side \
         and both rows with output 0 on the other.",
        T = t.clone(),
        ones = words(rows_phrase(&ones, 2, false)),
        zeros = words(rows_phrase(&zeros, 2, false)),
        p = numbers(&proof.point),
    );
    let panel = Panel { title: None, x: square_axis(&table.inputs[0]), y: square_axis(&table.inputs[1]), marks };
    Some(explain::Figure { caption, panels: vec![panel], shows_answer: false })
}

/// The most hidden units whose lines a network's picture draws.
const FIGURE_UNITS: usize = 6;

/// The picture of a network on two inputs: the lines where its first
/// layer's units switch (threshold) or bend (ReLU), and the four rows by
/// the table's output; with the lines' equations.
fn network_figure(q: &NetworkQuery) -> Option<(explain::Figure, Vec<Math>)> {
    let (table, net) = (&q.table, &q.network);
    let first = net.layers.first()?;
    if table.n() != 2 || net.layers.len() < 2 || first.units() > FIGURE_UNITS {
        return None;
    }
    let (lo, hi) = square_range();
    let mut marks = Vec::new();
    let mut forms = Vec::new();
    for (w, b) in first.weights.iter().zip(&first.bias) {
        if w.len() != 2 {
            return None;
        }
        if let Some((p, q)) = clip_line(w, b, &lo, &hi) {
            let form = affine_form(w, b, &table.inputs).equals(Math::int(0));
            forms.push(form.clone());
            marks.push(Mark::Line { points: vec![p, q], role: Role::Accent, label: Some(form) });
        }
    }
    if forms.is_empty() {
        return None;
    }
    // With threshold units first, the output is constant on each cell the
    // lines cut the square into: mark the cells where it is 1.
    let mut marked = false;
    if first.activation == Activation::Step {
        let lines: Vec<(&[Q], &Q)> = first.weights.iter().map(Vec::as_slice).zip(&first.bias).collect();
        for cell in cells(&lines, &lo, &hi) {
            let (x, y) = vertex_mean(&cell);
            if net.output(&[x, y]) {
                marked = true;
                marks.insert(0, Mark::Region { points: cell, role: Role::Yes, label: None });
            }
        }
    }
    marks.extend(row_dots(&table.outputs));
    let t = Math::name(&q.table_name);
    let what = match first.activation {
        Activation::Step => "switch",
        Activation::Relu => "bend",
    };
    let caption = prose!(
        "The four rows of $#T$ as points, each labelled with its output, and the lines where the first layer's \
         units #what: $#fs$#marked.",
        T = t,
        what = words(what),
        fs = Math::list(forms.clone()),
        marked = words(if marked { "; the network outputs 1 in the marked region, off the lines" } else { "" }),
    );
    let panel = Panel { title: None, x: square_axis(&table.inputs[0]), y: square_axis(&table.inputs[1]), marks };
    Some((explain::Figure { caption, panels: vec![panel], shows_answer: false }, forms))
}

// ---------------------------------------------------------------------------
// The proof of impossibility
// ---------------------------------------------------------------------------

/// The short proof a student writes that no neuron realizes the table.
fn proof_steps(ex: &mut Explanation, proof: &Impossibility, table: &TruthTable, t: &Math, names: &NeuronNames) {
    let n = table.n();
    let f = names.form();
    ex.step(prose!(
        "Suppose weights $#w = #ws$ and a bias $#b$ made the neuron compute $#T$: then $#f >= 0$ on every row \
         with output 1 and $#f < 0$ on every row with output 0.",
        w = names.w.clone(),
        ws = names.weights(),
        b = names.b.clone(),
        T = t.clone(),
        f = f.clone(),
    ));
    let sum = names.linear_form(&proof.combination.w, &proof.combination.b);
    for (rows, one) in [(&proof.certificate.ones, true), (&proof.certificate.zeros, false)] {
        let which: Vec<usize> = rows.iter().map(|r| r.0).collect();
        let all_once = rows.iter().all(|(_, m)| m.is_one());
        let step = ex.step(prose!(
            "#Rows of $#T$ #have output #o:",
            Rows = words(rows_phrase(&which, n, true)),
            T = t.clone(),
            have = words(if rows.len() == 1 { "has" } else { "have" }),
            o = bit(one),
        ));
        step.aligned(rows.iter().map(|(r, _)| names.row_form(n, *r).relate(relation(one), Math::int(0))).collect());
        let adding = match (all_once, one) {
            (true, true) => prose!("Adding them:"),
            (true, false) => prose!("Adding them (a sum of negative numbers is negative):"),
            (false, _) => prose!(
                "Adding them with the multipliers #ms (positive multiples keep each inequality):",
                ms = Math::list(rows.iter().map(|(_, m)| Math::Number(m.clone())).collect()),
            ),
        };
        step.prose(adding).display(sum.clone().relate(relation(one), Math::int(0)));
    }
    ex.step(prose!(
        "The same $#s$ cannot be both at least 0 and below 0: no threshold neuron computes $#T$.",
        s = sum.clone(),
        T = t.clone(),
    ))
    .display(Math::int(0).relate(Rel::Le, sum).relate(Rel::Lt, Math::int(0)));
    let all_once = proof.certificate.ones.iter().chain(&proof.certificate.zeros).all(|(_, m)| m.is_one());
    let avg = words(if all_once { "the average" } else { "a weighted average" });
    let geometry = prose!(
        "Geometrically, dividing by #m: the point $#p$ is #avg of the rows with output 1 and #avg of the rows \
         with output 0, so no #plane $#f = 0$ has the rows with output 1 on or above it and those with output 0 \
         strictly below it.",
        m = proof.combination.b.clone(),
        p = numbers(&proof.point),
        avg = avg,
        plane = words(if n == 2 { "line" } else { "hyperplane" }),
        f = f.clone(),
    );
    if let Some(fig) = proof_figure(proof, table, t) {
        ex.step(prose!(
            "In the plane of the inputs: the sum $#s$ is #m times the value of $#f$ at $#x = #p$, where the segment \
             joining the rows with output 1 crosses the segment joining the rows with output 0. The rows with output 1 \
             make it at least 0 and those with output 0 below 0, so no line separates them.",
            s = names.linear_form(&proof.combination.w, &proof.combination.b),
            m = proof.combination.b.clone(),
            f = f.clone(),
            x = names.x.clone(),
            p = numbers(&proof.point),
        ))
        .figure(fig);
    }
    ex.detail(geometry);
    ex.detail(prose!(
        "Checked exactly: every multiplier is positive, each row has the output its side needs, and the two weighted \
         sums of $(#x, 1)$ agree entry by entry. (Farkas's lemma guarantees such multipliers whenever no neuron \
         exists; nnkey finds them by exact linear programming over the rationals, and shows four rows, the fewest \
         possible, when the table rises with one input in one place and falls with it in another.)",
        x = names.x.clone(),
    ));
}

/// The table of a neuron checked on every row: the inputs, `w·x + b`, the
/// neuron's output and the table's.
fn check_table(neuron: &Neuron, table: &TruthTable, t: &Math, names: &NeuronNames) -> Table {
    let n = table.n();
    let f = names.form();
    let mut header = input_header(table);
    header.push(prose!("$#f$", f = f.clone()));
    header.push(prose!("$step(#f)$", f = f));
    header.push(prose!("$#T$", T = t.clone()));
    let rows = (0..table.rows().min(LISTING_CAP))
        .map(|row| {
            let mut terms: Vec<Q> = (0..n).filter(|&i| input_bit(n, row, i)).map(|i| neuron.w[i].clone()).collect();
            terms.push(neuron.b.clone());
            let value = neuron_value(neuron, n, row);
            let shown = if terms.len() > 1 {
                number_sum(&terms).equals(Math::Number(value.clone()))
            } else {
                number_sum(&terms)
            };
            let mut cells = input_cells(table, row);
            cells.push(prose!("$#v$", v = shown));
            cells.push(prose!("$#o$", o = bit(!value.is_negative())));
            cells.push(prose!("$#o$", o = bit(table.outputs[row])));
            cells
        })
        .collect();
    Table { header, rows }
}

/// `{ w: [1, 1], b: -2 }`.
pub fn neuron_value_record(neuron: &Neuron) -> Value {
    Value::record(vec![
        ("w", Value::List(neuron.w.iter().map(|x| Value::scalar(x.clone())).collect())),
        ("b", Value::scalar(neuron.b.clone())),
    ])
}

/// `threshold neuron for TABLE`: a neuron with small integer weights, or
/// `impossible` with the proof.
pub fn derive_neuron(q: &NeuronQuery, problem: &Problem) -> Result<(NeuronAnswer, Value, Explanation), String> {
    let table = &q.table;
    let n = table.n();
    let t = Math::name(&q.table_name);
    let names = NeuronNames::new(problem, table);
    let f = names.form();
    let mut ex = Explanation::new();
    match decide(n, &table.outputs)? {
        Decision::Inseparable(cert) => {
            // Show the shortest proof there is, checked like the other.
            let cert = four_row_certificate(n, &table.outputs)
                .filter(|short| check_certificate(short, n, &table.outputs).is_ok())
                .unwrap_or(cert);
            let proof = Impossibility::new(cert, n);
            proof_steps(&mut ex, &proof, table, &t, &names);
            Ok((NeuronAnswer::Impossible(proof), Value::Word("impossible".into()), ex))
        }
        Decision::Separable(exact) => {
            ex.detail(prose!(
                "Because the table is finite, a neuron exists exactly when one exists with $#f >= 0$ on the rows with \
                 output 1 and $#f <= -1$ on the rows with output 0 (divide any neuron by its smallest gap below 0). \
                 Solved exactly by linear programming over the rationals, this system is feasible.",
                f = f.clone(),
            ));
            let (small, size) = small_neuron(n, &table.outputs);
            let wi = names.w.clone().sub(names.i.clone());
            let neuron = match small {
                Some(s) if size == 0 => {
                    ex.detail(prose!(
                        "The output is constant, so no weights are needed, only a bias of the right sign."
                    ));
                    s
                }
                Some(s) => {
                    ex.detail(prose!(
                        "Integer weights were tried by size (the largest $abs(#wi)$ first, then the sum of the \
                         $abs(#wi)$); the first that works has every $abs(#wi) <= #k$. Its bias is the largest $#b$ that \
                         keeps every row with output 0 below 0, which puts the lowest row with output 1 exactly on \
                         the threshold.",
                        wi = wi.clone(),
                        k = size,
                        b = names.b.clone(),
                    ));
                    s
                }
                None => {
                    let tried = if size == 0 {
                        prose!("With #n inputs there are too many integer weight vectors to try one by one.", n = n)
                    } else {
                        prose!(
                            "No integer weights with every $abs(#wi) <= #k$ work, and larger ones are too many to try \
                             one by one.",
                            wi = wi.clone(),
                            k = size,
                        )
                    };
                    let step = ex.detail(tried);
                    match rounded_neuron(&exact, n, &table.outputs) {
                        Some((r, scale)) => {
                            step.prose(prose!(
                                "The exact solution, rescaled so that its largest weight is #k and rounded to \
                                 integers, still works (with its best bias).",
                                k = scale,
                            ));
                            r
                        }
                        None => {
                            step.prose(prose!(
                                "The exact solution is taken, scaled to integers without a common factor."
                            ));
                            exact
                        }
                    }
                }
            };
            if let Err(wrong) = check_neuron(&neuron, n, &table.outputs) {
                return Err(format!("the neuron nnkey found is wrong on row {}", row_text(n, wrong.row)));
            }
            ex.step(prose!("Take these weights and bias:")).display(math!(
                "#w = #wv, #b = #bv",
                w = names.w.clone(),
                wv = numbers(&neuron.w),
                b = names.b.clone(),
                bv = Math::Number(neuron.b.clone()),
            ));
            let step = ex.step(prose!("Row by row, $#f >= 0$ exactly where $#T$ outputs 1:", f = f, T = t.clone(),));
            step.table(check_table(&neuron, table, &t, &names));
            if let Some(p) = rows_shown(table.rows().min(LISTING_CAP), table.rows()) {
                step.prose(p);
            }
            if let Some(fig) = neuron_figure(&neuron, table, &t) {
                let form = affine_form(&neuron.w, &neuron.b, &table.inputs);
                let say = if neuron.w.iter().all(Q::is_zero) {
                    prose!(
                        "The weights are 0, so the neuron outputs #o on every input.",
                        o = bit(!neuron.b.is_negative()),
                    )
                } else {
                    prose!(
                        "In the plane of the inputs, the rows with output 1 lie on the line $#f = 0$ or on its side \
                         where $#f >= 0$, and the rows with output 0 strictly on the other side.",
                        f = form,
                    )
                };
                ex.step(say).figure(fig);
            }
            let value = neuron_value_record(&neuron);
            Ok((NeuronAnswer::Realized { w: neuron.w, b: neuron.b }, value, ex))
        }
    }
}

/// `1 + 1 - 2`, for the diagnostics.
fn sum_text(terms: &[Q]) -> String {
    let mut out = String::new();
    for t in terms {
        let a = print::rational(&t.abs());
        if out.is_empty() {
            out = if t.is_negative() { format!("-{a}") } else { a };
        } else {
            out.push_str(if t.is_negative() { " - " } else { " + " });
            out.push_str(&a);
        }
    }
    out
}

/// Judges a key for `threshold neuron for TABLE`: `impossible` holds when
/// nnkey proved it; `{ w: […], b: … }` holds when that neuron realizes the
/// table, whatever nnkey found.
pub fn judge_neuron(q: &NeuronQuery, finding: &Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let table = &q.table;
    let n = table.n();
    let name = &q.table_name;
    let derived_impossible = matches!(&finding.answer, Answer::Neuron(NeuronAnswer::Impossible(_)));
    match key {
        Value::Word(w) if w == "impossible" => {
            if derived_impossible {
                return Ok(());
            }
            let shown = finding.value.print(ring);
            Err(format!("the key says no threshold neuron realizes `{name}`, but {shown} does"))
        }
        Value::Record(fields) => {
            if let Some((k, _)) = fields.iter().find(|(k, _)| k != "w" && k != "b") {
                return Err(format!("a neuron key has the fields `w` and `b`, not `{k}`"));
            }
            let (Some(w), Some(b)) = (key.field("w"), key.field("b")) else {
                return Err("a neuron key needs both `w` and `b`: `{ w: [1, 1], b: -2 }`".into());
            };
            let weights: Vec<Q> = match w.items() {
                Some(items) => items
                    .iter()
                    .map(Value::as_rational)
                    .collect::<Option<Vec<_>>>()
                    .ok_or("the weights `w` must be numbers")?,
                None => match w.as_rational() {
                    Some(x) => vec![x],
                    None => return Err("the weights `w` must be a list of numbers".into()),
                },
            };
            if weights.len() != n {
                return Err(format!(
                    "the key gives {}, but `{name}` has {} ({})",
                    count(weights.len(), "weight"),
                    count(n, "input"),
                    table.inputs.join(", ")
                ));
            }
            let b = b.as_rational().ok_or("the bias `b` must be a number")?;
            let neuron = Neuron { w: weights, b };
            match check_neuron(&neuron, n, &table.outputs) {
                Ok(()) => Ok(()),
                Err(wrong) => {
                    let out = !wrong.value.is_negative();
                    let mut terms: Vec<Q> =
                        (0..n).filter(|&i| input_bit(n, wrong.row, i)).map(|i| neuron.w[i].clone()).collect();
                    terms.push(neuron.b.clone());
                    let sum = sum_text(&terms);
                    let shown = if terms.len() > 1 { format!("{sum} = {}", wrong.value) } else { sum };
                    Err(format!(
                        "the key's neuron is wrong on row {} ({}): w·x + b = {shown} {} 0 gives {}, but `{name}` says {}",
                        table.row_text(wrong.row),
                        table.row_assignment(wrong.row),
                        if out { ">=" } else { "<" },
                        u8::from(out),
                        u8::from(!out)
                    ))
                }
            }
        }
        other => {
            Err(format!("the key is {}; a neuron key is `{{ w: [1, 1], b: -2 }}` or `impossible`", other.describe()))
        }
    }
}

// ---------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------

/// A matrix of numbers as a formula.
fn number_matrix(rows: &[Vec<Q>]) -> Math {
    Math::Matrix(rows.iter().map(|r| r.iter().map(|x| Math::Number(x.clone())).collect()).collect())
}

/// A layer's values: a number for one unit, a tuple for several.
fn layer_values(v: &[Q]) -> Math {
    match v {
        [one] => Math::Number(one.clone()),
        _ => numbers(v),
    }
}

/// `threshold network { … } on TABLE`: whether the network computes the
/// table, with every layer's values on every row.
pub fn derive_network(q: &NetworkQuery, problem: &Problem) -> (NetworkAnswer, Value, Explanation) {
    let table = &q.table;
    let net = &q.network;
    let t = Math::name(&q.table_name);
    let names = problem_names(problem, table);
    let mut letters = table_letters(problem, table);
    let x = letters.fresh(&["x", "u", "v"]);
    let h = indexed(&mut letters, &names, &["h", "a", "g"]);
    let wl = indexed(&mut letters, &names, &["W", "V", "U"]);
    let bl = indexed(&mut letters, &names, &["b", "c", "d"]);
    let z = letters.fresh(&["z", "s"]);
    let mut ex = Explanation::new();
    let inputs = Math::tuple(table.inputs.iter().map(Math::name).collect());
    let intro = if net.layers.iter().any(|l| l.activation == Activation::Relu) {
        prose!(
            "The network reads the inputs $#x = #xs$ of $#T$; $step(#z)$ is 1 when $#z >= 0$ and 0 when $#z < 0$, \
             and $relu(#z) = max(0, #z)$.",
            x = x.clone(),
            xs = inputs,
            T = t.clone(),
            z = z,
        )
    } else {
        prose!(
            "The network reads the inputs $#x = #xs$ of $#T$; $step(#z)$ is 1 when $#z >= 0$ and 0 when $#z < 0$.",
            x = x.clone(),
            xs = inputs,
            T = t.clone(),
            z = z,
        )
    };
    ex.step(intro);
    // h_k, and the formula of layer k's units: W_k h_(k-1) + b_k.
    let hk = |k: usize| if k == 0 { x.clone() } else { h.clone().sub(k) };
    let affine = |k: usize| math!("#W #h + #b", W = wl.clone().sub(k), h = hk(k - 1), b = bl.clone().sub(k));
    for (k, layer) in net.layers.iter().enumerate().map(|(k, l)| (k + 1, l)) {
        let kind = match (layer.activation, layer.units()) {
            (Activation::Step, 1) => "threshold unit",
            (Activation::Step, _) => "threshold units",
            (Activation::Relu, 1) => "ReLU unit",
            (Activation::Relu, _) => "ReLU units",
        };
        let bias = Math::column(layer.bias.iter().map(|x| Math::Number(x.clone())).collect());
        ex.step(prose!(
            "Layer #k, #u #kind: $#h = #act$, with",
            k = k,
            u = layer.units(),
            kind = words(kind),
            h = hk(k),
            act = Math::apply(layer.activation.name(), vec![affine(k)]),
        ))
        .display(math!(
            "#W = #Wv, #b = #bv",
            W = wl.clone().sub(k),
            Wv = number_matrix(&layer.weights),
            b = bl.clone().sub(k),
            bv = bias,
        ));
    }
    let last = net.layers.len();
    let mut header = input_header(table);
    header.extend((1..last).map(|k| prose!("$#h$", h = hk(k))));
    header.push(prose!("$#z$", z = affine(last)));
    header.push(prose!("$#h$", h = hk(last)));
    header.push(prose!("$#T$", T = t.clone()));
    let mut rows = Vec::new();
    let mut wrong = Vec::new();
    for row in 0..table.rows() {
        let xv: Vec<Q> = table.row_values(row).iter().map(|&v| Q::from_int(v as i64)).collect();
        let trace = net.trace(&xv);
        let out = trace.last().is_some_and(|(_, a)| a.first().is_some_and(Q::is_one));
        let want = table.outputs[row];
        if out != want {
            wrong.push((row, out));
        }
        if rows.len() < LISTING_CAP {
            let mut cells = input_cells(table, row);
            cells.extend(trace[..trace.len() - 1].iter().map(|(_, a)| prose!("$#v$", v = layer_values(a))));
            let z = trace.last().map(|(z, _)| z[0].clone()).unwrap_or_else(Q::zero);
            cells.push(prose!("$#v$", v = Math::Number(z)));
            cells.push(prose!("$#o$", o = bit(out)));
            cells.push(prose!("$#o$", o = bit(want)));
            rows.push(cells);
        }
    }
    let step = ex.step(prose!("Row by row, exactly:"));
    step.table(Table { header, rows });
    if let Some(p) = rows_shown(table.rows().min(LISTING_CAP), table.rows()) {
        step.prose(p);
    }
    if let Some((fig, forms)) = network_figure(q) {
        let say = match net.layers[0].activation {
            Activation::Step => prose!(
                "In the plane of the inputs, the first layer's units switch on the lines $#fs$: each outputs 1 on \
                 one side of its line (and on the line) and 0 on the other, and the layers above read only which \
                 sides a row is on.",
                fs = Math::list(forms),
            ),
            Activation::Relu => prose!(
                "In the plane of the inputs, the first layer's units bend on the lines $#fs$: each is 0 on one side \
                 of its line and grows linearly on the other.",
                fs = Math::list(forms),
            ),
        };
        ex.step(say).figure(fig);
    }
    let realizes = wrong.is_empty();
    if realizes {
        ex.step(prose!("The output equals $#T$ on every row: the network computes $#T$.", T = t.clone()));
    } else {
        let items = wrong
            .iter()
            .take(LISTING_CAP)
            .map(|&(row, out)| {
                Block::Prose(prose!(
                    "row #r: the network outputs #o, $#T$ says #t",
                    r = words(row_text(table.n(), row)),
                    o = bit(out),
                    T = t.clone(),
                    t = bit(!out),
                ))
            })
            .collect();
        ex.step(prose!(
            "The output differs from $#T$ on #k of the #n rows, so the network does not compute $#T$:",
            T = t.clone(),
            k = wrong.len(),
            n = table.rows(),
        ))
        .listing(wrong.len(), items);
    }
    let answer = NetworkAnswer { realizes, first_wrong: wrong.first().copied(), wrong_rows: wrong.len() };
    (answer, Value::Bool(realizes), ex)
}

/// Judges a key for `threshold network { … } on TABLE`: `true` or `false`;
/// a wrong `true` names the first row the network gets wrong.
pub fn judge_network(q: &NetworkQuery, finding: &Finding, key: &Value) -> Result<(), String> {
    let Value::Bool(claimed) = key else {
        return Err(format!("the key is {}; write `true` (the network computes the table) or `false`", key.describe()));
    };
    let Answer::ThresholdNetwork(answer) = &finding.answer else {
        return Err("the finding is not a network check".into());
    };
    if *claimed == answer.realizes {
        return Ok(());
    }
    let name = &q.table_name;
    match answer.first_wrong {
        Some((row, out)) => Err(format!(
            "the network is wrong on row {} ({}): it outputs {}, but `{name}` says {}",
            q.table.row_text(row),
            q.table.row_assignment(row),
            u8::from(out),
            u8::from(!out)
        )),
        None => Err(format!("the key says the network does not compute `{name}`, but it does on every row")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(bits: &str) -> Vec<bool> {
        bits.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn and_gets_small_integer_weights() {
        let (neuron, size) = small_neuron(2, &table("0001"));
        assert_eq!(size, 1);
        assert_eq!(neuron, Some(Neuron { w: vec![Q::one(), Q::one()], b: Q::from_int(-2) }));
        let (neuron, _) = small_neuron(2, &table("0111"));
        assert_eq!(neuron, Some(Neuron { w: vec![Q::one(), Q::one()], b: Q::from_int(-1) }));
    }

    #[test]
    fn xor_gets_the_four_row_certificate() {
        let Decision::Inseparable(cert) = decide(2, &table("0110")).unwrap() else { panic!("xor is inseparable") };
        assert_eq!(cert.ones, vec![(1, Q::one()), (2, Q::one())]);
        assert_eq!(cert.zeros, vec![(0, Q::one()), (3, Q::one())]);
    }

    #[test]
    fn four_rows_prove_parity_of_any_width() {
        for n in 2..=6 {
            let parity: Vec<bool> = (0..1usize << n).map(|r| r.count_ones() % 2 == 1).collect();
            let cert = four_row_certificate(n, &parity).expect("parity is not unate");
            assert_eq!(check_certificate(&cert, n, &parity), Ok(()));
            assert!(matches!(decide(n, &parity), Ok(Decision::Inseparable(_))));
        }
        assert_eq!(four_row_certificate(2, &table("0001")), None, "AND is monotone");
    }

    fn names(inputs: &[&str]) -> NeuronNames {
        let inputs: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        NeuronNames {
            w: Math::name("w"),
            b: Math::name("b"),
            x: Math::name("x"),
            i: Math::name("i"),
            subscripts: subscripts(&inputs),
        }
    }

    #[test]
    fn forms_print_like_a_student_writes_them() {
        let text = |m: &Math| crate::render::math::text::inline(m);
        let c = [Q::one(), Q::from_int(-2), Q::zero()];
        let n = names(&["x1", "x2", "x3"]);
        assert_eq!(text(&n.linear_form(&c, &Q::from_int(2))), "w_1 - 2 w_2 + 2 b");
        let zero = [Q::zero(), Q::zero(), Q::zero()];
        assert_eq!(text(&n.linear_form(&zero, &Q::zero())), "0");
        assert_eq!(text(&n.linear_form(&zero, &Q::from_int(-1))), "-b");
        assert_eq!(text(&n.row_form(3, 0b101)), "w_1 + w_3 + b");
        assert_eq!(text(&number_sum(&[Q::one(), Q::one(), Q::from_int(-2)])), "1 + 1 - 2");
        assert_eq!(text(&number_sum(&[Q::from_int(-2)])), "-2");
        // Inputs named otherwise lend their names to the weights.
        let n = names(&["a", "b"]);
        assert_eq!(text(&n.linear_form(&[Q::one(), Q::one()], &Q::zero())), "w_a + w_b");
        let n = names(&["x1", "y2"]);
        assert_eq!(text(&n.weights()), "(w_x1, w_y2)");
        assert_eq!(text(&n.form()), "w^T x + b");
    }

    #[test]
    fn proofs_know_their_crossing_segments() {
        let xor = table("0110");
        let Decision::Inseparable(cert) = decide(2, &xor).unwrap() else { panic!("xor is inseparable") };
        let proof = Impossibility::new(cert, 2);
        assert_eq!(proof.combination, Neuron { w: vec![Q::one(), Q::one()], b: Q::from_int(2) });
        assert_eq!(proof.point, vec![Q::new(1, 2), Q::new(1, 2)]);
        assert_eq!(proof.segments(), Some(([1, 2], [0, 3])));
    }

    #[test]
    fn a_proof_with_multipliers_shows_them() {
        // XOR's certificate doubled: still a proof, with multipliers 2.
        let xor = TruthTable::from_fn(2, |r| r == 1 || r == 2);
        let two = Q::from_int(2);
        let cert = Certificate {
            ones: vec![(1, two.clone()), (2, two.clone())],
            zeros: vec![(0, two.clone()), (3, two.clone())],
        };
        assert_eq!(check_certificate(&cert, 2, &xor.outputs), Ok(()));
        let proof = Impossibility::new(cert, 2);
        assert_eq!(proof.point, vec![Q::new(1, 2), Q::new(1, 2)]);
        let mut ex = Explanation::new();
        proof_steps(&mut ex, &proof, &xor, &Math::name("XOR"), &names(&["x1", "x2"]));
        let parts: Vec<_> =
            ex.steps.iter().map(|s| crate::render::step_parts(s, &crate::algebra::Ring::new())).collect();
        let ones = parts[1].1.as_ref().expect("the rows with output 1").0.clone();
        assert!(ones.contains("Adding them with the multipliers 2, 2"), "{ones}");
        assert!(ones.contains("2 w_1 + 2 w_2 + 4 b ≥ 0"), "{ones}");
        assert!(parts[4].0.contains("the sum 2 w_1 + 2 w_2 + 4 b is 4 times"), "{}", parts[4].0);
        assert!(parts[5].0.contains("dividing by 4: the point (1/2, 1/2) is a weighted average"), "{}", parts[5].0);
        assert_eq!(ex.steps.iter().map(|s| s.depth).collect::<Vec<_>>(), {
            use crate::derive::Depth::{Detail, Solution};
            vec![Solution, Solution, Solution, Solution, Solution, Detail, Detail]
        });
    }

    /// The marks of a figure's only panel.
    fn marks(fig: &explain::Figure) -> &[Mark] {
        assert_eq!(fig.panels.len(), 1);
        &fig.panels[0].marks
    }

    /// Whether a point lies in the box `[lo, hi]²` and on its boundary.
    fn on_box_boundary(p: &Point, lo: &Q, hi: &Q) -> bool {
        let inside = |v: &Q| v >= lo && v <= hi;
        inside(&p.0) && inside(&p.1) && (&p.0 == lo || &p.0 == hi || &p.1 == lo || &p.1 == hi)
    }

    #[test]
    fn decision_lines_are_clipped_exactly() {
        let (lo, hi) = square_range();
        let q = |a, b| Q::new(a, b);
        // A vertical line, a line through a corner, a steep one with a
        // fractional bias, a line that only touches a corner, one outside.
        let cases: Vec<(Vec<Q>, Q, bool)> = vec![
            (vec![q(1, 1), q(0, 1)], q(-1, 2), true),
            (vec![q(1, 1), q(-1, 1)], q(0, 1), true),
            (vec![q(3, 1), q(-1, 1)], q(1, 3), true),
            (vec![q(1, 1), q(1, 1)], q(-5, 2), false),
            (vec![q(1, 1), q(1, 1)], q(-4, 1), false),
        ];
        for (w, b, crosses) in cases {
            let line = clip_line(&w, &b, &lo, &hi);
            assert_eq!(line.is_some(), crosses, "{w:?} {b}");
            if let Some((p, r)) = line {
                assert_ne!(p, r);
                for e in [&p, &r] {
                    assert!(affine_at(&w, &b, e).is_zero(), "{e:?} is not on the line");
                    assert!(on_box_boundary(e, &lo, &hi), "{e:?} is not on the box");
                }
            }
        }
        assert_eq!(clip_line(&[Q::zero(), Q::zero()], &Q::one(), &lo, &hi), None);
    }

    #[test]
    fn every_separable_function_of_two_bits_gets_its_line() {
        let (lo, hi) = square_range();
        for f in 0..16usize {
            let outputs: Vec<bool> = (0..4).map(|r| f >> (3 - r) & 1 == 1).collect();
            let Ok(Decision::Separable(_)) = decide(2, &outputs) else { continue };
            let (Some(neuron), _) = small_neuron(2, &outputs) else { panic!("no small neuron for {f:04b}") };
            let table = TruthTable::from_fn(2, |r| outputs[r]);
            let fig = neuron_figure(&neuron, &table, &Math::name("f")).expect("two inputs have a picture");
            let (w, b) = (&neuron.w, &neuron.b);
            let mut lines = 0;
            for m in marks(&fig) {
                match m {
                    Mark::Line { points, role, .. } => {
                        lines += 1;
                        assert_eq!(*role, Role::Main);
                        assert_eq!(points.len(), 2);
                        for e in points {
                            assert!(affine_at(w, b, e).is_zero(), "{f:04b}: {e:?} is off the line");
                            assert!(on_box_boundary(e, &lo, &hi), "{f:04b}: {e:?} is off the box");
                        }
                    }
                    Mark::Dot { at, role, label } => {
                        let row = (0..4).find(|&r| row_point(r) == *at).expect("a dot is a row");
                        let value = affine_at(w, b, at);
                        assert_eq!(*role == Role::Yes, outputs[row], "{f:04b}: row {row}");
                        assert_eq!(*role == Role::Yes, !value.is_negative(), "{f:04b}: row {row} on the wrong side");
                        assert_eq!(label, &Some(bit(outputs[row])));
                    }
                    Mark::Region { points, role, .. } => {
                        assert_eq!(*role, Role::Yes);
                        assert!(!twice_area(points).is_zero());
                        for v in points {
                            assert!(!affine_at(w, b, v).is_negative(), "{f:04b}: the region has {v:?}");
                            assert!(v.0 >= lo && v.0 <= hi && v.1 >= lo && v.1 <= hi);
                        }
                    }
                    other => panic!("unexpected mark {other:?}"),
                }
            }
            let constant = w.iter().all(Q::is_zero);
            assert_eq!(lines, usize::from(!constant), "{f:04b}");
        }
    }

    /// Where the segments p–q and r–s cross, with both parameters.
    fn crossing(p: &Point, q: &Point, r: &Point, s: &Point) -> Option<(Point, Q, Q)> {
        // p + t (q - p) = r + u (s - r), by Cramer's rule.
        let (dx, dy) = (&q.0 - &p.0, &q.1 - &p.1);
        let (ex, ey) = (&s.0 - &r.0, &s.1 - &r.1);
        let (fx, fy) = (&r.0 - &p.0, &r.1 - &p.1);
        let det = &(&ex * &dy) - &(&dx * &ey);
        if det.is_zero() {
            return None;
        }
        let t = &(&(&ex * &fy) - &(&fx * &ey)) / &det;
        let u = &(&(&dx * &fy) - &(&fx * &dy)) / &det;
        let at = (&p.0 + &(&t * &dx), &p.1 + &(&t * &dy));
        assert_eq!(at, (&r.0 + &(&u * &ex), &r.1 + &(&u * &ey)));
        Some((at, t, u))
    }

    #[test]
    fn xor_segments_cross_at_the_proofs_point() {
        for bits in ["0110", "1001"] {
            let outputs = table(bits);
            let xor = TruthTable::from_fn(2, |r| outputs[r]);
            let Decision::Inseparable(cert) = decide(2, &outputs).unwrap() else { panic!("{bits} is inseparable") };
            let proof = Impossibility::new(cert, 2);
            let fig = proof_figure(&proof, &xor, &Math::name("XOR")).expect("two inputs have a picture");
            let segment = |want: Role| -> Vec<Point> {
                let found = marks(&fig).iter().find_map(|m| match m {
                    Mark::Line { points, role, .. } if *role == want => Some(points.clone()),
                    _ => None,
                });
                found.expect("both segments are drawn")
            };
            let (yes, no) = (segment(Role::Yes), segment(Role::No));
            for (seg, out) in [(&yes, true), (&no, false)] {
                assert_eq!(seg.len(), 2);
                for e in seg {
                    let row = (0..4).find(|&r| row_point(r) == *e).expect("a segment joins rows");
                    assert_eq!(outputs[row], out, "{bits}: row {row}");
                }
            }
            let (at, t, u) = crossing(&yes[0], &yes[1], &no[0], &no[1]).expect("the diagonals are not parallel");
            let half = Q::new(1, 2);
            assert_eq!(at, (half.clone(), half.clone()), "{bits}");
            assert_eq!((t, u), (half.clone(), half.clone()), "{bits}: both midpoints");
            assert_eq!(vec![at.0.clone(), at.1.clone()], proof.point);
            let dot = marks(&fig).iter().any(|m| matches!(m, Mark::Dot { at: p, role: Role::Main, .. } if *p == at));
            assert!(dot, "the crossing is marked");
            for m in marks(&fig) {
                if let Mark::Dot { at, role: role @ (Role::Yes | Role::No), .. } = m {
                    let row = (0..4).find(|&r| row_point(r) == *at).expect("a dot is a row");
                    assert_eq!(*role == Role::Yes, outputs[row]);
                }
            }
        }
    }

    #[test]
    fn the_proof_step_with_the_picture_is_a_solution_step() {
        let xor = TruthTable::from_fn(2, |r| r == 1 || r == 2);
        let Decision::Inseparable(cert) = decide(2, &xor.outputs).unwrap() else { panic!("xor is inseparable") };
        let proof = Impossibility::new(cert, 2);
        let mut ex = Explanation::new();
        proof_steps(&mut ex, &proof, &xor, &Math::name("XOR"), &names(&["x1", "x2"]));
        let with_figure: Vec<_> =
            ex.steps.iter().filter(|s| s.blocks.iter().any(|b| matches!(b, Block::Figure(_)))).collect();
        assert_eq!(with_figure.len(), 1);
        assert_eq!(with_figure[0].depth, crate::derive::Depth::Solution);
        // Three inputs: no picture, and the geometry stays a detail.
        let parity = TruthTable::from_fn(3, |r| r.count_ones() % 2 == 1);
        let cert = four_row_certificate(3, &parity.outputs).unwrap();
        let proof = Impossibility::new(cert, 3);
        let mut ex = Explanation::new();
        proof_steps(&mut ex, &proof, &parity, &Math::name("P"), &names(&["x1", "x2", "x3"]));
        assert!(ex.steps.iter().all(|s| s.blocks.iter().all(|b| !matches!(b, Block::Figure(_)))));
        assert_eq!(ex.steps.iter().filter(|s| s.depth == crate::derive::Depth::Detail).count(), 2);
    }

    fn layer(activation: Activation, weights: &[[i64; 2]], bias: &[i64]) -> crate::model::logic::Layer {
        crate::model::logic::Layer {
            activation,
            weights: weights.iter().map(|r| r.iter().map(|&x| Q::from_int(x)).collect()).collect(),
            bias: bias.iter().map(|&x| Q::from_int(x)).collect(),
        }
    }

    #[test]
    fn network_pictures_show_the_first_layer_and_where_it_outputs_one() {
        use crate::model::logic::ThresholdNetwork;
        let xor = TruthTable::from_fn(2, |r| r == 1 || r == 2);
        let (lo, hi) = square_range();
        for first in [Activation::Step, Activation::Relu] {
            let bias: &[i64] = if first == Activation::Step { &[-1, -2] } else { &[0, -1] };
            let out: &[[i64; 2]] = if first == Activation::Step { &[[1, -1]] } else { &[[1, -2]] };
            let net = ThresholdNetwork {
                layers: vec![layer(first, &[[1, 1], [1, 1]], bias), layer(Activation::Step, out, &[-1])],
            };
            let q = NetworkQuery { network: net.clone(), table_name: "XOR".into(), table: xor.clone() };
            let (fig, _) = network_figure(&q).expect("two inputs have a picture");
            let lines: Vec<&Vec<Point>> = marks(&fig)
                .iter()
                .filter_map(|m| match m {
                    Mark::Line { points, role: Role::Accent, .. } => Some(points),
                    _ => None,
                })
                .collect();
            assert_eq!(lines.len(), 2);
            for (points, (w, b)) in lines.iter().zip(net.layers[0].weights.iter().zip(&net.layers[0].bias)) {
                for e in points.iter() {
                    assert!(affine_at(w, b, e).is_zero());
                    assert!(on_box_boundary(e, &lo, &hi));
                }
            }
            let regions: Vec<&Vec<Point>> = marks(&fig)
                .iter()
                .filter_map(|m| match m {
                    Mark::Region { points, role: Role::Yes, .. } => Some(points),
                    _ => None,
                })
                .collect();
            if first == Activation::Relu {
                // ReLU units do not cut the plane into cells of one output.
                assert!(regions.is_empty());
                continue;
            }
            // The band 1 <= x1 + x2 < 2 of the square, and nothing else.
            assert_eq!(regions.len(), 1);
            for v in regions[0] {
                let s = &v.0 + &v.1;
                assert!(s >= Q::one() && s <= Q::from_int(2), "{v:?}");
                assert!(net.output(&[v.0.clone(), v.1.clone()]) || s == Q::from_int(2));
            }
            let (x, y) = vertex_mean(regions[0]);
            assert!(net.output(&[x, y]));
            // The rest of the square, cut the same way, outputs 0 inside.
            let w: Vec<(&[Q], &Q)> = net.layers[0].weights.iter().map(Vec::as_slice).zip(&net.layers[0].bias).collect();
            let all = cells(&w, &lo, &hi);
            assert_eq!(all.len(), 3);
            let total = all.iter().fold(Q::zero(), |a, c| &a + &twice_area(c));
            assert_eq!(total, twice_area(&square(&lo, &hi)), "the cells tile the square");
        }
        // Three inputs: no picture.
        let parity = TruthTable::from_fn(3, |r| r.count_ones() % 2 == 1);
        let net = ThresholdNetwork {
            layers: vec![
                crate::model::logic::Layer {
                    activation: Activation::Step,
                    weights: vec![vec![Q::one(); 3]],
                    bias: vec![Q::from_int(-1)],
                },
                layer(Activation::Step, &[[1, 0]], &[-1]),
            ],
        };
        let q = NetworkQuery { network: net, table_name: "P".into(), table: parity };
        assert!(network_figure(&q).is_none());
    }

    #[test]
    fn wrong_certificates_are_rejected() {
        let xor = table("0110");
        let good = Certificate { ones: vec![(1, Q::one()), (2, Q::one())], zeros: vec![(0, Q::one()), (3, Q::one())] };
        assert!(check_certificate(&good, 2, &xor).is_ok());
        let unbalanced = Certificate { ones: vec![(1, Q::from_int(2)), (2, Q::one())], ..good.clone() };
        assert!(check_certificate(&unbalanced, 2, &xor).is_err());
        let wrong_side = Certificate { ones: vec![(0, Q::one()), (2, Q::one())], ..good.clone() };
        assert!(check_certificate(&wrong_side, 2, &xor).is_err());
        let negative = Certificate { zeros: vec![(0, Q::from_int(-1)), (3, Q::one())], ..good.clone() };
        assert!(check_certificate(&negative, 2, &xor).is_err());
        // AND has no certificate: the same multipliers do not fit its outputs.
        assert!(check_certificate(&good, 2, &table("0001")).is_err());
    }
}
