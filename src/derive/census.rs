//! The census of threshold functions: how many of the 2^(2^n) Boolean
//! functions of n inputs one threshold neuron computes.
//!
//! Deciding every function with the linear program of [`super::logic`]
//! would work but repeats the same problem many times over, so the census
//! uses three exact facts, each of which carries a neuron or a certificate
//! from one function to another (and every carried witness is checked
//! again on the function it lands on):
//!
//! 1. **Threshold functions are unate.** If w_i ≥ 0 the function can only
//!    rise with x_i, if w_i ≤ 0 only fall. A function that rises in x_i
//!    between rows a and a + e_i and falls between c and c + e_i has a
//!    four-row certificate: rows a + e_i and c (output 1) sum to the same
//!    (x, 1) as rows a and c + e_i (output 0).
//! 2. **Negating inputs preserves threshold functions.** g(x) = f(x ⊕ s)
//!    is realized by w_i → −w_i for i in s and b → b + Σ_{i in s} w_i, and
//!    a certificate's rows move with the map. Negating the inputs in which
//!    a unate function falls makes it monotone, so a unate function is
//!    threshold exactly when its monotone partner is; and a monotone
//!    threshold function with k essential inputs (inputs it depends on) is
//!    the partner of exactly 2^k threshold functions (one per subset of
//!    its essential inputs to negate; negating an inessential input
//!    changes nothing).
//! 3. **Permuting inputs preserves threshold functions**, permuting w.
//!
//! So nnkey builds the monotone functions (pairs f0 ≤ f1 of monotone
//! functions of one input fewer), splits them into classes under
//! permutations of the inputs, decides one per class by linear
//! programming, and carries the answer to the rest of its class. For n ≤ 4
//! it then visits every one of the 2^(2^n) functions and decides it by
//! fact 1 or by its monotone partner (fact 2), checking each witness; for
//! n = 5 (2^32 functions) it counts by fact 2 alone.

use std::collections::HashMap;

use smallvec::SmallVec;

use crate::algebra::Q;
use crate::model::logic::row_text;
use crate::model::{Problem, Value};
use crate::{math, prose};

use super::explain::{Block, Explanation, LISTING_CAP, Letters, Math, Table, words};
use super::logic::{Decision, decide};

/// Up to this many inputs, every function is visited.
pub const ENUMERATED_INPUTS: usize = 4;

/// Integer weights, inline for up to 5 inputs.
pub type Weights = SmallVec<[i64; 5]>;

/// A certificate's rows with their multipliers, inline for short ones.
pub type Rows = SmallVec<[(u32, i64); 4]>;

/// A neuron or a certificate with integer entries, on a function of at
/// most 5 inputs (rows are bit positions of a `u32`).
#[derive(Clone, Debug, PartialEq)]
pub enum Witness {
    Neuron {
        w: Weights,
        b: i64,
    },
    /// Rows with output 1 and with output 0, with positive multipliers.
    Certificate {
        ones: Rows,
        zeros: Rows,
    },
}

/// What the census finds.
#[derive(Clone, Debug, PartialEq)]
pub struct Census {
    pub n: usize,
    /// 2^(2^n).
    pub functions: u64,
    pub threshold: u64,
    pub monotone: usize,
    pub monotone_threshold: usize,
    /// Classes of monotone functions under permutations: the linear
    /// programs solved.
    pub classes: usize,
    /// Monotone threshold functions by their number of essential inputs.
    pub by_essential: Vec<u64>,
    /// When every function was visited: how many are not unate.
    pub not_unate: Option<u64>,
    /// When every function was visited: threshold functions by their
    /// number of 1-rows.
    pub by_ones: Option<Vec<u64>>,
    /// When every function was visited: the first functions (at most
    /// [`LISTING_CAP`]) that are not threshold, as bits (row 0 first).
    pub non_threshold: Option<Vec<u32>>,
}

fn rows_of(n: usize) -> usize {
    1 << n
}

/// The rows (as a bit mask) where input i (0 = first, the most
/// significant bit of the row number) is 0.
fn low_rows(n: usize, i: usize) -> u32 {
    // Row bit p is 0 on alternating blocks of 2^p rows.
    const LOW: [u32; 5] = [0x5555_5555, 0x3333_3333, 0x0f0f_0f0f, 0x00ff_00ff, 0x0000_ffff];
    let all = if rows_of(n) == 32 { u32::MAX } else { (1u32 << rows_of(n)) - 1 };
    LOW[n - 1 - i] & all
}

fn output(f: u32, row: usize) -> bool {
    (f >> row) & 1 == 1
}

/// An affine bijection of the cube, σ(x)_i = x_{perm[i]} ⊕ mask_i, acting
/// on functions by g(x) = f(σ(x)).
struct Map {
    perm: Vec<usize>,
    mask: Vec<bool>,
    /// σ on row numbers, and its inverse.
    rows: Vec<usize>,
    inverse: Vec<usize>,
}

impl Map {
    fn new(n: usize, perm: Vec<usize>, mask: Vec<bool>) -> Map {
        let bit = |r: usize, i: usize| (r >> (n - 1 - i)) & 1 == 1;
        let rows: Vec<usize> = (0..rows_of(n))
            .map(|x| (0..n).fold(0, |acc, i| (acc << 1) | usize::from(bit(x, perm[i]) ^ mask[i])))
            .collect();
        let mut inverse = vec![0; rows.len()];
        for (x, &y) in rows.iter().enumerate() {
            inverse[y] = x;
        }
        Map { perm, mask, rows, inverse }
    }

    /// g(x) = f(σ(x)).
    fn apply(&self, f: u32) -> u32 {
        self.rows.iter().enumerate().fold(0, |g, (x, &y)| g | (((f >> y) & 1) << x))
    }

    /// A witness for f carried to g.
    fn carry(&self, w: &Witness) -> Witness {
        match w {
            Witness::Neuron { w, b } => {
                // Σ_i w_i σ(x)_i = Σ_i ±w_i x_{perm[i]} + Σ_{mask_i} w_i.
                let mut w2: Weights = smallvec::smallvec![0; w.len()];
                let mut b2 = *b;
                for (i, &wi) in w.iter().enumerate() {
                    if self.mask[i] {
                        w2[self.perm[i]] -= wi;
                        b2 += wi;
                    } else {
                        w2[self.perm[i]] += wi;
                    }
                }
                Witness::Neuron { w: w2, b: b2 }
            }
            Witness::Certificate { ones, zeros } => {
                // σ⁻¹ is affine, so equal weighted sums stay equal.
                let carry = |rows: &[(u32, i64)]| -> Rows {
                    let mut v: Rows = rows.iter().map(|&(y, m)| (self.inverse[y as usize] as u32, m)).collect();
                    v.sort_unstable();
                    v
                };
                Witness::Certificate { ones: carry(ones), zeros: carry(zeros) }
            }
        }
    }
}

/// Checks a witness on the function with these output bits, exactly.
pub fn check_witness(n: usize, f: u32, witness: &Witness) -> bool {
    let bit = |r: usize, i: usize| (r >> (n - 1 - i)) & 1 == 1;
    match witness {
        Witness::Neuron { w, b } => {
            w.len() == n
                && (0..rows_of(n)).all(|r| {
                    let v: i64 = b + (0..n).filter(|&i| bit(r, i)).map(|i| w[i]).sum::<i64>();
                    (v >= 0) == output(f, r)
                })
        }
        Witness::Certificate { ones, zeros } => {
            // n ≤ 5: the sums of (x, 1) fit in six entries.
            let mut sums = [[0i64; 6], [0i64; 6]];
            let mut used = 0u64;
            for (side, rows, want) in [(0, ones, true), (1, zeros, false)] {
                if rows.is_empty() {
                    return false;
                }
                for &(r, m) in rows {
                    let r = r as usize;
                    if r >= rows_of(n) || used & (1 << r) != 0 || m <= 0 || output(f, r) != want {
                        return false;
                    }
                    used |= 1 << r;
                    for (i, s) in sums[side].iter_mut().enumerate().take(n) {
                        if bit(r, i) {
                            *s += m;
                        }
                    }
                    sums[side][n] += m;
                }
            }
            sums[0] == sums[1]
        }
    }
}

/// The monotone (nondecreasing in every input) functions of n inputs, in
/// increasing order of their bits.
pub fn monotone_functions(n: usize) -> Vec<u32> {
    if n == 0 {
        return vec![0, 1];
    }
    let smaller = monotone_functions(n - 1);
    let half = rows_of(n - 1);
    let mut out = Vec::new();
    // The first input is the high bit of the row number: f0 (x1 = 0) is
    // the low half, f1 the high half, and f0 ≤ f1.
    for &f0 in &smaller {
        for &f1 in &smaller {
            if f0 & !f1 == 0 {
                out.push(f0 | (f1 << half));
            }
        }
    }
    out.sort_unstable();
    out
}

/// The inputs a function depends on.
fn essential(n: usize, f: u32) -> usize {
    (0..n)
        .filter(|&i| {
            let low = low_rows(n, i);
            let shift = 1 << (n - 1 - i);
            (f & low) != ((f >> shift) & low)
        })
        .count()
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn go(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for k in 0..n {
            if !prefix.contains(&k) {
                prefix.push(k);
                go(prefix, n, out);
                prefix.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(&mut Vec::new(), n, &mut out);
    out
}

/// A decision of the linear program as an integer witness.
fn witness_of(n: usize, f: u32) -> Result<Witness, String> {
    let outputs: Vec<bool> = (0..rows_of(n)).map(|r| output(f, r)).collect();
    let int = |q: &Q| q.to_i64().ok_or_else(|| "a witness entry does not fit in 64 bits".to_string());
    Ok(match decide(n, &outputs)? {
        Decision::Separable(neuron) => {
            Witness::Neuron { w: neuron.w.iter().map(int).collect::<Result<_, _>>()?, b: int(&neuron.b)? }
        }
        Decision::Inseparable(cert) => {
            let side = |rows: &[(usize, Q)]| -> Result<Rows, String> {
                rows.iter().map(|(r, m)| Ok((*r as u32, int(m)?))).collect()
            };
            Witness::Certificate { ones: side(&cert.ones)?, zeros: side(&cert.zeros)? }
        }
    })
}

/// Decides every monotone function: one linear program per class under
/// permutations of the inputs, carried to the rest of the class and
/// checked. Returns the witnesses and the number of classes.
fn decide_monotone(n: usize) -> Result<(HashMap<u32, Witness>, usize), String> {
    let monotone = monotone_functions(n);
    let maps: Vec<Map> = permutations(n).into_iter().map(|p| Map::new(n, p, vec![false; n])).collect();
    let mut decided: HashMap<u32, Witness> = HashMap::with_capacity(monotone.len());
    let mut classes = 0;
    for &f in &monotone {
        if decided.contains_key(&f) {
            continue;
        }
        classes += 1;
        let w = witness_of(n, f)?;
        for map in &maps {
            let g = map.apply(f);
            if decided.contains_key(&g) {
                continue;
            }
            let carried = map.carry(&w);
            if !check_witness(n, g, &carried) {
                return Err(format!("a carried witness fails on function {g:#x}"));
            }
            decided.insert(g, carried);
        }
    }
    if decided.len() != monotone.len() {
        return Err("permuting monotone functions left the monotone functions".into());
    }
    Ok((decided, classes))
}

/// Whether a function is unate, by fact 1.
enum Unateness {
    /// The inputs in which it falls, as bits (bit i for input i).
    Unate(usize),
    /// Not unate: the four-row certificate.
    Not(Witness),
}

/// Fact 1: a function that rises and falls with the same input is not a
/// threshold function.
fn unate(n: usize, f: u32) -> Unateness {
    let mut falls = 0;
    for i in 0..n {
        let low = low_rows(n, i);
        let shift = 1 << (n - 1 - i);
        let (lo, hi) = (f & low, (f >> shift) & low);
        let rise_at = hi & !lo; // rows a with f(a) = 0, f(a + e_i) = 1
        let fall_at = lo & !hi; // rows c with f(c) = 1, f(c + e_i) = 0
        match (rise_at, fall_at) {
            (_, 0) => {}
            (0, _) => falls |= 1 << i,
            (r, c) => {
                let (a, c) = (r.trailing_zeros(), c.trailing_zeros());
                let mut ones: Rows = smallvec::smallvec![(a + shift as u32, 1), (c, 1)];
                let mut zeros: Rows = smallvec::smallvec![(a, 1), (c + shift as u32, 1)];
                ones.sort_unstable();
                zeros.sort_unstable();
                return Unateness::Not(Witness::Certificate { ones, zeros });
            }
        }
    }
    Unateness::Unate(falls)
}

/// The census for n inputs, n ≤ 5.
pub fn census(n: usize) -> Result<Census, String> {
    if n > 5 {
        return Err(format!("the census handles up to 5 inputs, not {n}"));
    }
    let functions = 1u64 << rows_of(n);
    let (monotone, classes) = decide_monotone(n)?;
    let mut by_essential = vec![0u64; n + 1];
    let mut monotone_threshold = 0;
    for (&f, w) in &monotone {
        if matches!(w, Witness::Neuron { .. }) {
            monotone_threshold += 1;
            by_essential[essential(n, f)] += 1;
        }
    }
    let threshold: u64 = by_essential.iter().enumerate().map(|(k, &a)| a << k).sum();
    let mut census = Census {
        n,
        functions,
        threshold,
        monotone: monotone.len(),
        monotone_threshold,
        classes,
        by_essential,
        not_unate: None,
        by_ones: None,
        non_threshold: None,
    };
    if n > ENUMERATED_INPUTS {
        return Ok(census);
    }
    // The maps negating each set of inputs, indexed by the set as bits.
    let negations: Vec<Map> =
        (0..1usize << n).map(|s| Map::new(n, (0..n).collect(), (0..n).map(|i| (s >> i) & 1 == 1).collect())).collect();
    let mut not_unate = 0u64;
    let mut by_ones = vec![0u64; rows_of(n) + 1];
    let mut counted = 0u64;
    let mut non_threshold = Vec::new();
    for f in 0..functions {
        let f = f as u32;
        let witness = match unate(n, f) {
            Unateness::Not(cert) => {
                not_unate += 1;
                cert
            }
            Unateness::Unate(falls) => {
                // g(x) = f(x ⊕ s) is monotone, and f(x) = g(x ⊕ s).
                let map = &negations[falls];
                let partner = map.apply(f);
                let w = monotone.get(&partner).ok_or("a unate function's partner is not monotone")?;
                map.carry(w)
            }
        };
        if !check_witness(n, f, &witness) {
            return Err(format!("the witness for function {f:#x} fails"));
        }
        match witness {
            Witness::Neuron { .. } => {
                counted += 1;
                by_ones[f.count_ones() as usize] += 1;
            }
            Witness::Certificate { .. } => {
                if non_threshold.len() < LISTING_CAP {
                    non_threshold.push(f);
                }
            }
        }
    }
    if counted != threshold {
        return Err(format!("visiting every function counts {counted} threshold functions, the formula {threshold}"));
    }
    census.not_unate = Some(not_unate);
    census.by_ones = Some(by_ones);
    census.non_threshold = Some(non_threshold);
    Ok(census)
}

fn bits_text(n: usize, f: u32) -> String {
    (0..rows_of(n)).map(|r| if output(f, r) { '1' } else { '0' }).collect()
}

/// `threshold functions of N inputs`: the census, its count as a value,
/// and the derivation.
pub fn derive(n: usize, problem: &Problem) -> Result<(Census, Value, Explanation), String> {
    let c = census(n)?;
    let rows = rows_of(n);
    let mut letters = Letters::of(problem);
    let x = letters.fresh(&["x", "u", "v"]);
    let w = letters.fresh(&["w", "v", "a"]);
    let b = letters.fresh(&["b", "c", "theta"]);
    let i = letters.fresh(&["i", "j", "l"]);
    let k = letters.fresh(&["k", "m", "r"]);
    let (ra, rc, e) = (letters.fresh(&["a", "p"]), letters.fresh(&["c", "q"]), letters.fresh(&["e", "u"]));
    let f = letters.fresh(&["f", "g", "h"]);
    let (xi, wi) = (x.clone().sub(i.clone()), w.clone().sub(i.clone()));
    let mut ex = Explanation::new();
    let inputs = || words(if n == 1 { "input" } else { "inputs" });
    ex.step(prose!(
        "A Boolean function of #n #inputs is a truth table of #rows #r, so there are",
        n = n,
        inputs = inputs(),
        rows = rows,
        r = words(if rows == 1 { "row" } else { "rows" }),
    ))
    .display(math!("2^(2^#n) = #f", n = n, f = Q::from(c.functions as usize)));
    ex.step(prose!(
        "A threshold function can only rise with $#xi$ when $#wi >= 0$ and only fall when $#wi <= 0$. Negating the \
         inputs in which it falls ($#xi |-> 1 - #xi$, $#wi |-> -#wi$, $#b |-> #b + #wi$) makes it monotone and keeps \
         it a threshold function. So a monotone threshold function with $#k$ essential inputs (the inputs it depends \
         on) stands for $2^#k$ threshold functions, one for each set of its essential inputs to negate.",
        xi = xi.clone(),
        wi = wi.clone(),
        b = b,
        k = k.clone(),
    ));
    ex.detail(prose!(
        "A function that rises from row $#a$ to row $#a + #ei$ and falls from row $#c$ to row $#c + #ei$ is not a \
         threshold function: rows $#a + #ei$ and $#c$ (output 1) have the same sum as rows $#a$ and $#c + #ei$ \
         (output 0), a four-row proof. Permuting the inputs permutes $#w$, and a proof's rows move along.",
        a = ra,
        c = rc,
        ei = e.sub(i),
        w = w,
    ));
    ex.detail(prose!(
        "There are #m monotone functions of #n #inputs (pairs $#f0 <= #f1$ of monotone functions of one input fewer). \
         Permuting the inputs splits them into #cl classes; one function per class was decided exactly by linear \
         programming (as `threshold neuron for` does), and its neuron or proof carried to the rest of its class and \
         checked there: #mt of the #m monotone functions are threshold functions.",
        m = c.monotone,
        n = n,
        inputs = inputs(),
        f0 = f.clone().sub(0),
        f1 = f.sub(1),
        cl = c.classes,
        mt = c.monotone_threshold,
    ));
    let terms: Vec<Math> = c
        .by_essential
        .iter()
        .enumerate()
        .filter(|(_, a)| **a > 0)
        .map(|(e, a)| math!("#a * 2^#e", a = Q::from(*a as usize), e = e))
        .collect();
    let sum = match terms.len() {
        1 => terms.into_iter().next().unwrap_or_else(|| Math::int(0)),
        _ => Math::Sum(terms.into_iter().map(|t| (crate::language::math::Sign::Plus, t)).collect()),
    };
    ex.step(prose!(
        "Counting each monotone threshold function of #n #inputs with $#k$ essential inputs $2^#k$ times (term by \
         term: how many have $#k$ essential inputs, times $2^#k$):",
        k = k.clone(),
        n = n,
        inputs = inputs(),
    ))
    .display(sum.equals(Q::from(c.threshold as usize)));
    if let (Some(not_unate), Some(by_ones)) = (c.not_unate, &c.by_ones) {
        let table = Table {
            header: vec![prose!("rows with output 1"), prose!("threshold functions")],
            rows: by_ones
                .iter()
                .enumerate()
                .map(|(ones, a)| vec![prose!("#o", o = ones), prose!("#a", a = Q::from(*a as usize))])
                .collect(),
        };
        ex.detail(prose!(
            "Checked by visiting all #f functions: #nu are not unate (each with its four-row proof, checked), and \
             every other one took its monotone partner's neuron or proof, carried back and checked on its own rows. \
             The threshold functions counted this way, #t, by their number of rows with output 1:",
            f = Q::from(c.functions as usize),
            nu = Q::from(not_unate as usize),
            t = Q::from(c.threshold as usize),
        ))
        .table(table);
        if let Some(non) = &c.non_threshold
            && !non.is_empty()
        {
            let items = non.iter().map(|&f| Block::Prose(prose!("#f", f = words(bits_text(n, f))))).collect();
            ex.detail(prose!(
                "The functions that are not threshold functions, by their outputs on rows #rows:",
                rows = words((0..rows).map(|r| row_text(n, r)).collect::<Vec<_>>().join(", ")),
            ))
            .listing((c.functions - c.threshold) as usize, items);
        }
    } else {
        ex.detail(prose!(
            "The #f functions are too many to visit one by one; the count follows from the classes above.",
            f = Q::from(c.functions as usize),
        ));
    }
    let value = Value::scalar(Q::from(c.threshold as usize));
    Ok((c, value, ex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotone_functions_are_the_dedekind_numbers() {
        let counts: Vec<usize> = (0..=5).map(|n| monotone_functions(n).len()).collect();
        assert_eq!(counts, vec![2, 3, 6, 20, 168, 7581]);
    }

    #[test]
    fn carried_witnesses_hold() {
        // x1 AND NOT x2 from x1 AND x2 by negating x2.
        let map = Map::new(2, vec![0, 1], vec![false, true]);
        let and = 0b1000;
        let g = map.apply(and);
        assert_eq!(g, 0b0100, "row 10 is the only 1-row");
        let w = map.carry(&Witness::Neuron { w: smallvec::smallvec![1, 1], b: -2 });
        assert!(check_witness(2, g, &w), "{w:?}");
    }

    #[test]
    fn small_counts_are_the_known_ones() {
        for (n, want) in [(0, 2), (1, 4), (2, 14), (3, 104)] {
            assert_eq!(census(n).unwrap().threshold, want, "n = {n}");
        }
    }
}
