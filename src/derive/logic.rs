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

use crate::algebra::print::{self, Notation};
use crate::algebra::simplex::{Alternative, farkas};
use crate::algebra::{Matrix, Q, RatFunc, Ring};
use crate::model::Value;
use crate::model::logic::{Activation, NetworkQuery, NeuronQuery, ThresholdNetwork, TruthTable, input_bit, row_text};

use super::{Finding, Step, count};

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

/// Where a neuron disagrees with a table.
#[derive(Clone, Debug, PartialEq)]
pub struct WrongRow {
    pub row: usize,
    /// `w·x + b` on that row.
    pub value: Q,
}

/// `w·x + b` on row `row` of an n-input table.
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
// Printing inequalities
// ---------------------------------------------------------------------------

/// `2*w1 - w2 + b` (plain) or `2w_{1} - w_{2} + b` (LaTeX): the linear form
/// with these coefficients on w1 … wn and on b.
fn linear_form(coeffs: &[Q], cb: &Q, notation: Notation) -> String {
    let names = (1..=coeffs.len()).map(|i| match notation {
        Notation::Plain => format!("w{i}"),
        Notation::Latex => format!("w_{{{i}}}"),
    });
    let terms = coeffs.iter().cloned().zip(names).chain(std::iter::once((cb.clone(), "b".to_string())));
    print::linear_combination(terms, notation)
}

/// A sum of numbers as written: `1 + 1 - 2`.
fn sum_text(terms: &[Q], notation: Notation) -> String {
    let mut out = String::new();
    for t in terms {
        let a = print::rational(&t.abs(), notation);
        if out.is_empty() {
            out = if t.is_negative() { format!("-{a}") } else { a };
        } else {
            out.push_str(if t.is_negative() { " - " } else { " + " });
            out.push_str(&a);
        }
    }
    out
}

fn q_list(v: &[Q], notation: Notation) -> String {
    let items: Vec<String> = v.iter().map(|x| print::rational(x, notation)).collect();
    format!("({})", items.join(", "))
}

/// The relation a row needs: `>=` / `\ge` for output 1, `<` for output 0.
fn relation(one: bool, notation: Notation) -> &'static str {
    match (one, notation) {
        (true, Notation::Plain) => ">=",
        (true, Notation::Latex) => "\\ge",
        (false, _) => "<",
    }
}

/// The lines adding up one side of a certificate, in both notations, and
/// the coefficients of the sum.
fn side_lines(rows: &[(usize, Q)], n: usize, one: bool) -> (Vec<String>, Vec<String>, Vec<Q>, Q) {
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    let mut sum = vec![Q::zero(); n];
    let mut sum_b = Q::zero();
    for (row, m) in rows {
        let coeffs: Vec<Q> = (0..n).map(|i| if input_bit(n, *row, i) { m.clone() } else { Q::zero() }).collect();
        for (s, c) in sum.iter_mut().zip(&coeffs) {
            *s = &*s + c;
        }
        sum_b = &sum_b + m;
        let bits = row_text(n, *row);
        let (pl, lx) = if m.is_one() {
            (format!("row {bits}:"), format!("\\text{{row }}{bits}"))
        } else {
            (format!("row {bits}, times {m}:"), format!("{m} \\times \\text{{row }}{bits}"))
        };
        plain.push(format!("{pl} {} {} 0", linear_form(&coeffs, m, Notation::Plain), relation(one, Notation::Plain)));
        latex.push(format!(
            "{lx}: && {} &{} 0",
            linear_form(&coeffs, m, Notation::Latex),
            relation(one, Notation::Latex)
        ));
    }
    plain.push(format!("sum: {} {} 0", linear_form(&sum, &sum_b, Notation::Plain), relation(one, Notation::Plain)));
    latex.push(format!(
        "\\text{{sum}}: && {} &{} 0",
        linear_form(&sum, &sum_b, Notation::Latex),
        relation(one, Notation::Latex)
    ));
    (plain, latex, sum, sum_b)
}

fn aligned(lines: &[String]) -> String {
    format!("\\begin{{aligned}} {} \\end{{aligned}}", lines.join(" \\\\ "))
}

fn rows_phrase(rows: &[(usize, Q)], n: usize) -> String {
    let names: Vec<String> = rows.iter().map(|(r, _)| row_text(n, *r)).collect();
    match names.as_slice() {
        [one] => format!("row {one}"),
        [init @ .., last] => format!("rows {} and {last}", init.join(", ")),
        [] => "no rows".into(),
    }
}

/// The short proof a student writes that no neuron realizes the table.
pub fn proof_steps(cert: &Certificate, table: &TruthTable, name: &str) -> Vec<Step> {
    let n = table.n();
    let ws: Vec<String> = (1..=n).map(|i| format!("w{i}")).collect();
    let mut steps = vec![Step::text(format!(
        "Suppose a neuron with weights w = ({}) and bias b realized `{name}`: every row with output 1 would \
         give w·x + b ≥ 0, and every row with output 0 would give w·x + b < 0.",
        ws.join(", ")
    ))];
    let all_once = |rows: &[(usize, Q)]| rows.iter().all(|(_, m)| m.is_one());
    let (p1, l1, sum, sum_b) = side_lines(&cert.ones, n, true);
    let how = |rows: &[(usize, Q)]| if all_once(rows) { "adding them" } else { "adding them with these multipliers" };
    steps.push(Step::math(
        format!("The {} of `{name}` output 1; {}:", rows_phrase(&cert.ones, n), how(&cert.ones)),
        p1.join("\n"),
        format!("\\begin{{aligned}} {} \\end{{aligned}}", l1.join(" \\\\ ")),
    ));
    let (p0, l0, _, _) = side_lines(&cert.zeros, n, false);
    steps.push(Step::math(
        format!(
            "The {} output 0; {} ({}):",
            rows_phrase(&cert.zeros, n),
            how(&cert.zeros),
            if all_once(&cert.zeros) {
                "a sum of negative numbers is negative"
            } else {
                "positive multiples of negative numbers are negative, and so is their sum"
            }
        ),
        p0.join("\n"),
        format!("\\begin{{aligned}} {} \\end{{aligned}}", l0.join(" \\\\ ")),
    ));
    let form_plain = linear_form(&sum, &sum_b, Notation::Plain);
    let form_latex = linear_form(&sum, &sum_b, Notation::Latex);
    steps.push(Step::math(
        format!(
            "Both sums are the same expression, which cannot be both ≥ 0 and < 0. So no threshold neuron \
             realizes `{name}`."
        ),
        format!("0 <= {form_plain} < 0"),
        format!("0 \\le {form_latex} < 0"),
    ));
    // The common point of the two convex hulls.
    let point: Vec<Q> = sum.iter().map(|s| s / &sum_b).collect();
    let avg = if all_once(&cert.ones) && all_once(&cert.zeros) { "an average" } else { "a weighted average" };
    steps.push(Step::math(
        format!(
            "Geometrically: dividing by {sum_b}, the same point is {avg} of rows with output 1 and {avg} of rows with \
             output 0, so no hyperplane w·x + b = 0 can have the 1-rows on or above it and the 0-rows strictly below it."
        ),
        q_list(&point, Notation::Plain),
        q_list(&point, Notation::Latex),
    ));
    steps.push(Step::text(
        "Checked exactly: every multiplier is positive, each row has the output its side needs, and the two weighted \
         sums of (x, 1) agree entry by entry. (Farkas's lemma guarantees such multipliers whenever no neuron exists; \
         nnkey finds them by exact linear programming over the rationals, and shows four rows, the fewest possible, \
         when the table rises with one input in one place and falls with it in another.)",
    ));
    steps
}

/// The rows of a table checked against a neuron, in both notations.
fn check_lines(neuron: &Neuron, table: &TruthTable) -> (String, String) {
    let n = table.n();
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    for row in 0..table.rows().min(SHOWN_ROWS) {
        let mut terms: Vec<Q> = (0..n).filter(|&i| input_bit(n, row, i)).map(|i| neuron.w[i].clone()).collect();
        terms.push(neuron.b.clone());
        let value = neuron_value(neuron, n, row);
        let out = !value.is_negative();
        let bits = row_text(n, row);
        let shown = |notation| {
            let s = sum_text(&terms, notation);
            if terms.len() > 1 { format!("{s} = {}", print::rational(&value, notation)) } else { s }
        };
        let rel = |notation| relation(out, notation);
        plain.push(format!("row {bits}: {} {} 0 -> {}", shown(Notation::Plain), rel(Notation::Plain), u8::from(out)));
        latex.push(format!(
            "\\text{{row }}{bits}: && {} &{} 0 \\;\\Rightarrow\\; {}",
            shown(Notation::Latex),
            rel(Notation::Latex),
            u8::from(out)
        ));
    }
    (plain.join("\n"), aligned(&latex))
}

/// Rows shown one by one in a derivation.
const SHOWN_ROWS: usize = 16;

fn table_summary(table: &TruthTable, name: &str) -> String {
    let ones = table.ones();
    format!(
        "A threshold neuron outputs 1 exactly when w·x + b ≥ 0 and 0 when w·x + b < 0. The table `{name}` has inputs ({}) \
         and {} rows: {} with output 1 and {} with output 0.",
        table.inputs.join(", "),
        table.rows(),
        ones,
        table.rows() - ones
    )
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
pub fn derive_neuron(q: &NeuronQuery) -> Result<(Value, Vec<Step>), String> {
    let table = &q.table;
    let n = table.n();
    let name = &q.table_name;
    let mut steps = vec![Step::text(table_summary(table, name))];
    match decide(n, &table.outputs)? {
        Decision::Inseparable(cert) => {
            // Show the shortest proof there is, checked like the other.
            let cert = four_row_certificate(n, &table.outputs)
                .filter(|short| check_certificate(short, n, &table.outputs).is_ok())
                .unwrap_or(cert);
            steps.extend(proof_steps(&cert, table, name));
            Ok((Value::Word("impossible".into()), steps))
        }
        Decision::Separable(exact) => {
            steps.push(Step::text(
                "Because the table is finite, a neuron exists exactly when one exists with w·x + b ≥ 0 on the 1-rows \
                 and w·x + b ≤ −1 on the 0-rows (divide any neuron by its smallest gap below 0). Solved exactly by \
                 linear programming over the rationals, this system is feasible.",
            ));
            let (small, size) = small_neuron(n, &table.outputs);
            let neuron = match small {
                Some(s) => {
                    let how = if size == 0 {
                        "The output is constant, so no weights are needed: w = 0, with a bias of the right sign."
                            .to_string()
                    } else {
                        format!(
                            "Trying integer weights by size (the largest |w_i| first, then the sum of the |w_i|), the \
                             first that works has every |w_i| ≤ {size}. Its bias is the largest b that keeps every \
                             0-row below 0, which puts the lowest 1-row exactly on the threshold."
                        )
                    };
                    steps.push(Step::math(
                        how,
                        format!("w = {}, b = {}", q_list(&s.w, Notation::Plain), s.b),
                        format!(
                            "w = {},\\quad b = {}",
                            q_list(&s.w, Notation::Latex),
                            print::rational(&s.b, Notation::Latex)
                        ),
                    ));
                    s
                }
                None => {
                    let tried = if size == 0 {
                        format!("With {n} inputs there are too many integer weight vectors to try one by one.")
                    } else {
                        format!(
                            "No integer weights with every |w_i| ≤ {size} work, and larger ones are too many to try \
                             one by one."
                        )
                    };
                    let (neuron, how) = match rounded_neuron(&exact, n, &table.outputs) {
                        Some((r, scale)) => (
                            r,
                            format!(
                                "{tried} The exact solution, rescaled so that its largest weight is {scale} and \
                                 rounded to integers, still works (with its best bias):"
                            ),
                        ),
                        None => {
                            (exact, format!("{tried} The exact solution, scaled to integers without a common factor:"))
                        }
                    };
                    steps.push(Step::math(
                        how,
                        format!("w = {}, b = {}", q_list(&neuron.w, Notation::Plain), neuron.b),
                        format!(
                            "w = {},\\quad b = {}",
                            q_list(&neuron.w, Notation::Latex),
                            print::rational(&neuron.b, Notation::Latex)
                        ),
                    ));
                    neuron
                }
            };
            if let Err(wrong) = check_neuron(&neuron, n, &table.outputs) {
                return Err(format!("the neuron nnkey found is wrong on row {}", row_text(n, wrong.row)));
            }
            let (plain, latex) = check_lines(&neuron, table);
            let more = if table.rows() > SHOWN_ROWS {
                format!(" (the first {SHOWN_ROWS} of {} rows; all were checked)", table.rows())
            } else {
                String::new()
            };
            steps.push(Step::math(
                format!("Checked exactly on every row{more}: w·x + b, and the output it gives."),
                plain,
                latex,
            ));
            Ok((neuron_value_record(&neuron), steps))
        }
    }
}

/// Judges a key for `threshold neuron for TABLE`: `impossible` holds when
/// nnkey proved it; `{ w: […], b: … }` holds when that neuron realizes the
/// table, whatever nnkey found.
pub fn judge_neuron(q: &NeuronQuery, finding: &Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let table = &q.table;
    let n = table.n();
    let name = &q.table_name;
    let derived_impossible = matches!(&finding.value, Value::Word(w) if w == "impossible");
    match key {
        Value::Word(w) if w == "impossible" => {
            if derived_impossible {
                return Ok(());
            }
            let shown = finding.value.print(ring, Notation::Plain);
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
                    let sum = sum_text(&terms, Notation::Plain);
                    let shown = if terms.len() > 1 { format!("{sum} = {}", wrong.value) } else { sum };
                    Err(format!(
                        "the key's neuron is wrong on row {} ({}): w·x + b = {shown} {} 0 gives {}, but `{name}` says {}",
                        table.row_text(wrong.row),
                        table.row_assignment(wrong.row),
                        relation(out, Notation::Plain),
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

fn matrix_value(rows: &[Vec<Q>]) -> Value {
    let m = Matrix::from_rows(rows.iter().map(|r| r.iter().map(|x| RatFunc::constant(x.clone())).collect()).collect())
        .expect("rows of equal length");
    Value::Matrix(m)
}

/// The first row on which the network disagrees with the table, with
/// its output.
pub fn first_wrong_row(net: &ThresholdNetwork, table: &TruthTable) -> Option<(usize, bool)> {
    (0..table.rows()).find_map(|row| {
        let x: Vec<Q> = table.row_values(row).iter().map(|&v| Q::from_int(v as i64)).collect();
        let out = net.output(&x);
        (out != table.outputs[row]).then_some((row, out))
    })
}

/// `threshold network { … } on TABLE`: whether the network computes the
/// table, with every layer's values on every row.
pub fn derive_network(q: &NetworkQuery, ring: &Ring) -> (Value, Vec<Step>) {
    let table = &q.table;
    let name = &q.table_name;
    let net = &q.network;
    let mut steps = vec![Step::text(format!(
        "The network has {} on the {} ({}) of `{name}`; `step` gives 1 when its argument is ≥ 0 and 0 when it is \
         < 0, `relu` gives max(0, z).",
        count(net.layers.len(), "layer"),
        count(table.n(), "input"),
        table.inputs.join(", ")
    ))];
    for (k, layer) in net.layers.iter().enumerate() {
        let w = matrix_value(&layer.weights);
        let b = Value::Matrix(Matrix::column(layer.bias.iter().map(|x| RatFunc::constant(x.clone())).collect()));
        let act = layer.activation.name();
        let k1 = k + 1;
        let units = match layer.activation {
            Activation::Step => count(layer.units(), "threshold unit"),
            Activation::Relu => count(layer.units(), "ReLU unit"),
        };
        let input = if k == 0 { " (h0 = x)".to_string() } else { String::new() };
        steps.push(Step::math(
            format!("Layer {k1}: {units}, h{k1} = {act}(W{k1} h{k} + b{k1}){input}:"),
            format!("W{k1} = {}, b{k1} = {}", w.print(ring, Notation::Plain), b.print(ring, Notation::Plain)),
            format!(
                "W_{{{k1}}} = {},\\quad b_{{{k1}}} = {}",
                w.print(ring, Notation::Latex),
                b.print(ring, Notation::Latex)
            ),
        ));
    }
    let mut plain = Vec::new();
    let mut latex = Vec::new();
    let mut wrong = Vec::new();
    for row in 0..table.rows() {
        let x: Vec<Q> = table.row_values(row).iter().map(|&v| Q::from_int(v as i64)).collect();
        let trace = net.trace(&x);
        let out = trace.last().is_some_and(|(_, a)| a.first().is_some_and(Q::is_one));
        let want = table.outputs[row];
        if out != want {
            wrong.push(row);
        }
        if row < SHOWN_ROWS {
            let hidden: Vec<String> =
                trace[..trace.len() - 1].iter().map(|(_, a)| q_list(a, Notation::Plain)).collect();
            let hidden_latex: Vec<String> =
                trace[..trace.len() - 1].iter().map(|(_, a)| q_list(a, Notation::Latex)).collect();
            let z = &trace.last().expect("a layer").0[0];
            let mark = if out == want { "" } else { "  <- wrong" };
            let bits = row_text(table.n(), row);
            let via = if hidden.is_empty() { String::new() } else { format!(" -> {}", hidden.join(" -> ")) };
            let via_latex =
                if hidden.is_empty() { String::new() } else { format!(" \\to {}", hidden_latex.join(" \\to ")) };
            plain.push(format!("row {bits}{via} -> step({z}) = {} (table: {}){mark}", u8::from(out), u8::from(want)));
            latex.push(format!(
                "\\text{{row }}{bits}{via_latex} &\\to \\operatorname{{step}}({}) = {} & &(\\text{{table: }}{}){}",
                print::rational(z, Notation::Latex),
                u8::from(out),
                u8::from(want),
                if out == want { "" } else { "\\ \\text{wrong}" }
            ));
        }
    }
    let more = if table.rows() > SHOWN_ROWS {
        format!(" (the first {SHOWN_ROWS} of {} rows; all were computed)", table.rows())
    } else {
        String::new()
    };
    steps.push(Step::math(
        format!("Row by row, exactly, the hidden layers' values and the output unit{more}:"),
        plain.join("\n"),
        aligned(&latex),
    ));
    let realizes = wrong.is_empty();
    steps.push(Step::text(if realizes {
        format!("The network's output equals `{name}` on every row: it computes `{name}`.")
    } else {
        let rows: Vec<String> = wrong.iter().take(8).map(|&r| row_text(table.n(), r)).collect();
        let more = if wrong.len() > rows.len() { ", …" } else { "" };
        format!("The network differs from `{name}` on {}: {}{more}.", count(wrong.len(), "row"), rows.join(", "))
    }));
    (Value::Bool(realizes), steps)
}

/// Judges a key for `threshold network { … } on TABLE`: `true` or `false`;
/// a wrong `true` names the first row the network gets wrong.
pub fn judge_network(q: &NetworkQuery, finding: &Finding, key: &Value) -> Result<(), String> {
    let Value::Bool(claimed) = key else {
        return Err(format!("the key is {}; write `true` (the network computes the table) or `false`", key.describe()));
    };
    let derived = matches!(finding.value, Value::Bool(true));
    if *claimed == derived {
        return Ok(());
    }
    let name = &q.table_name;
    match first_wrong_row(&q.network, &q.table) {
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

    #[test]
    fn forms_print_like_a_student_writes_them() {
        let c = [Q::one(), Q::from_int(-2), Q::zero()];
        assert_eq!(linear_form(&c, &Q::from_int(2), Notation::Plain), "w1 - 2*w2 + 2*b");
        assert_eq!(linear_form(&c, &Q::from_int(2), Notation::Latex), "w_{1} - 2 w_{2} + 2 b");
        assert_eq!(linear_form(&[Q::zero()], &Q::zero(), Notation::Plain), "0");
        assert_eq!(sum_text(&[Q::one(), Q::one(), Q::from_int(-2)], Notation::Plain), "1 + 1 - 2");
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
