//! Whether two linear operators on the same input are the same operator up
//! to a renaming of kernel symbols and a reordering of output entries.
//!
//! Both operators become matrices A₁ and A₂ whose entries are linear forms
//! in kernel symbols. They are equivalent when a bijection σ of symbols and
//! a permutation π of rows give σ(A₁[i]) = A₂[π(i)] for every row i. The
//! search first tries the reorderings that have names (the identity, the
//! pixel shuffle and its inverse), whose correspondence is then forced row
//! by row; otherwise it matches rows by a renaming-invariant signature and
//! backtracks over the remaining choices. When no correspondence exists it
//! says why; when the search would be too long it says so instead of
//! guessing.

use std::collections::HashMap;

use crate::algebra::print;
use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring, SparseMatrix, Symbol, Var};
use crate::model::{Conv, ConvKind, Problem, Value};
use crate::prose;

use super::conv::{affine, append, dims, grid, joined, matrix, pair, taps_sum};
use super::explain::{Block, Explanation, LISTING_CAP, Letters, Math, Prose, Rel, words};
use super::{Answer, Finding};

/// Steps of the backtracking search before nnkey gives up and says so.
const BUDGET: usize = 2_000_000;

/// The largest matrix (rows × columns) written out densely in the staff
/// derivation: a guard on memory, not on what a reader sees.
const DENSE_GUARD: usize = 1 << 16;

/// The typed answer of an equivalence query.
#[derive(Clone, Debug, PartialEq)]
pub enum EquivalenceAnswer {
    /// Renaming the first operator's kernel symbols by `weights` and
    /// reordering its outputs by `outputs` gives the second operator.
    Equivalent { weights: Vec<(Var, Var)>, outputs: Reordering },
    /// No renaming and reordering do; why.
    Different(Difference),
}

/// Where each output of the first operator goes among the second's.
#[derive(Clone, Debug, PartialEq)]
pub enum Reordering {
    Named(NamedOrder),
    /// Output `k` of the first operator (flattened row-major over its
    /// (channel, row, column) shape `from`) is output `rows[k]` of the
    /// second (shape `to`).
    Table {
        from: [usize; 3],
        to: [usize; 3],
        rows: Vec<usize>,
    },
}

/// Why two operators are not equivalent.
#[derive(Clone, Debug, PartialEq)]
pub enum Difference {
    /// They act on inputs of different shapes.
    InputShapes,
    /// They read inputs with these numbers of entries.
    InputSizes(usize, usize),
    /// They produce these numbers of outputs.
    OutputCounts(usize, usize),
    /// Their matrices use these numbers of kernel symbols.
    SymbolCounts(usize, usize),
    /// Output `output` (flattened, of the first operator's shape `shape`)
    /// is `combination`; `first` outputs of the first operator and `second`
    /// of the second combine the inputs this way, whatever the kernel
    /// symbols are called.
    Unmatched { output: usize, shape: [usize; 3], combination: Poly, first: usize, second: usize },
    /// The outputs read the inputs alike, but no single renaming works.
    NoRenaming,
}

impl Difference {
    /// The reason as the answer's `reason` field states it.
    pub fn sentence(&self, ring: &Ring) -> String {
        match self {
            Difference::InputShapes => "they act on inputs of different shapes".into(),
            Difference::InputSizes(a, b) => format!("they read inputs of different sizes ({a} and {b} entries)"),
            Difference::OutputCounts(a, b) => format!("they produce different numbers of outputs ({a} and {b})"),
            Difference::SymbolCounts(a, b) => format!(
                "they use different numbers of kernel symbols ({a} and {b}), so no renaming matches them"
            ),
            Difference::Unmatched { output, shape, combination, first, second } => {
                let y = print::symbol(&idx_symbol("y1", *shape, *output));
                let outputs = |k: usize| super::count(k, "output");
                format!(
                    "{y} = {}: {} of the first operator and {} of the second combine the inputs this way, \
                     whatever the kernel symbols are called",
                    combination.print(ring),
                    outputs(*first),
                    outputs(*second)
                )
            }
            Difference::NoRenaming => {
                "the outputs read the inputs alike, but no single renaming of the kernel symbols makes every output agree"
                    .into()
            }
        }
    }
}

impl EquivalenceAnswer {
    pub fn is_equivalent(&self) -> bool {
        matches!(self, EquivalenceAnswer::Equivalent { .. })
    }

    /// The answer as a key states it: `{ equivalent: true, weights: […],
    /// outputs: … }` or `{ equivalent: false, reason: "…" }`.
    pub fn to_value(&self, ring: &Ring) -> Value {
        match self {
            EquivalenceAnswer::Equivalent { weights, outputs } => {
                let weights = weights
                    .iter()
                    .map(|&(s, t)| Value::Maps(Box::new(symbol_value(s)), Box::new(symbol_value(t))))
                    .collect();
                let outputs = match outputs {
                    Reordering::Named(order) => order.to_value(),
                    Reordering::Table { from, to, rows } => Value::List(
                        rows.iter()
                            .enumerate()
                            .map(|(i, &j)| Value::Maps(Box::new(index_tuple(*from, i)), Box::new(index_tuple(*to, j))))
                            .collect(),
                    ),
                };
                Value::record(vec![
                    ("equivalent", Value::Bool(true)),
                    ("weights", Value::List(weights)),
                    ("outputs", outputs),
                ])
            }
            EquivalenceAnswer::Different(why) => {
                Value::record(vec![("equivalent", Value::Bool(false)), ("reason", Value::Text(why.sentence(ring)))])
            }
        }
    }
}

/// A correspondence between two operators.
#[derive(Clone, Debug, PartialEq)]
pub struct Correspondence {
    /// (symbol of the first operator, symbol of the second), sorted.
    pub weights: Vec<(Var, Var)>,
    /// Row i of the first matrix is row `rows[i]` of the second.
    pub rows: Vec<usize>,
}

/// A reordering of output entries with a name and a formula.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NamedOrder {
    Identity,
    /// (C·r², H, W) → (C, H·r, W·r).
    PixelShuffle(usize),
    /// (C, H·r, W·r) → (C·r², H, W).
    PixelUnshuffle(usize),
}

impl NamedOrder {
    /// The row map from a (c, h, w) output to another, if the shapes fit.
    pub fn rows(self, from: [usize; 3], to: [usize; 3]) -> Option<Vec<usize>> {
        let [c1, h1, w1] = from;
        let [c2, h2, w2] = to;
        let mut map = vec![0; c1 * h1 * w1];
        match self {
            NamedOrder::Identity => {
                if from != to {
                    return None;
                }
                map.iter_mut().enumerate().for_each(|(k, m)| *m = k);
            }
            NamedOrder::PixelShuffle(r) => {
                // Checked: the factor comes from the key and may be huge.
                let fits = |a: usize, b: usize, k: usize| b.checked_mul(k) == Some(a);
                if r == 0 || !fits(c1, c2, r.checked_mul(r)?) || !fits(h2, h1, r) || !fits(w2, w1, r) {
                    return None;
                }
                for c in 0..c2 {
                    for i in 0..r {
                        for j in 0..r {
                            for h in 0..h1 {
                                for w in 0..w1 {
                                    let src = ((c * r * r + i * r + j) * h1 + h) * w1 + w;
                                    map[src] = (c * h2 + h * r + i) * w2 + w * r + j;
                                }
                            }
                        }
                    }
                }
            }
            NamedOrder::PixelUnshuffle(r) => {
                let inverse = NamedOrder::PixelShuffle(r).rows(to, from)?;
                for (k, &m) in inverse.iter().enumerate() {
                    map[m] = k;
                }
            }
        }
        Some(map)
    }

    pub fn to_value(self) -> Value {
        match self {
            NamedOrder::Identity => Value::Word("identity".into()),
            NamedOrder::PixelShuffle(r) => Value::Call("pixel_shuffle".into(), vec![Value::scalar(Q::from(r))]),
            NamedOrder::PixelUnshuffle(r) => Value::Call("pixel_unshuffle".into(), vec![Value::scalar(Q::from(r))]),
        }
    }

    pub fn from_value(v: &Value) -> Option<NamedOrder> {
        match v {
            Value::Word(w) | Value::Text(w) if w == "identity" => Some(NamedOrder::Identity),
            Value::Call(name, args) => {
                let r = usize::try_from(args.first()?.as_int()?).ok()?;
                match name.as_str() {
                    "pixel_shuffle" if args.len() == 1 => Some(NamedOrder::PixelShuffle(r)),
                    "pixel_unshuffle" if args.len() == 1 => Some(NamedOrder::PixelUnshuffle(r)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The reordering as a formula in the outputs `y1`, `y2` of the two
    /// operators, with index letters (channel, row, column, and the two
    /// offsets within a block); `None` for the identity.
    fn formula(self, y1: &Math, y2: &Math, idx: [&Math; 5]) -> Option<Math> {
        let [c, h, w, i, j] = idx;
        let e = |name: &Math, indices: Vec<Math>| Math::Entry(Box::new(name.clone()), indices);
        let shuffle = |r: usize| -> (Vec<Math>, Vec<Math>) {
            let r = i64::try_from(r).unwrap_or(i64::MAX);
            (
                vec![affine(&[(r.saturating_mul(r), c), (r, i), (1, j)], 0), h.clone(), w.clone()],
                vec![c.clone(), affine(&[(r, h), (1, i)], 0), affine(&[(r, w), (1, j)], 0)],
            )
        };
        match self {
            NamedOrder::Identity => None,
            NamedOrder::PixelShuffle(r) => {
                let (coarse, fine) = shuffle(r);
                Some(e(y2, fine).equals(e(y1, coarse)))
            }
            NamedOrder::PixelUnshuffle(r) => {
                let (coarse, fine) = shuffle(r);
                Some(e(y2, coarse).equals(e(y1, fine)))
            }
        }
    }

    /// The reordering in words, for the explanation: "the pixel shuffle
    /// with factor 2".
    fn phrase(self) -> Prose {
        match self {
            NamedOrder::Identity => prose!("the identity"),
            NamedOrder::PixelShuffle(r) => prose!("the pixel shuffle with factor #r", r = r),
            NamedOrder::PixelUnshuffle(r) => prose!("the pixel unshuffle with factor #r", r = r),
        }
    }

    /// The reordering's name in a diagnostic.
    fn name(self) -> String {
        match self {
            NamedOrder::Identity => "the identity".into(),
            NamedOrder::PixelShuffle(r) => format!("the pixel shuffle with factor {r}"),
            NamedOrder::PixelUnshuffle(r) => format!("the pixel unshuffle with factor {r}"),
        }
    }
}

/// The reorderings worth trying by name for these output shapes.
fn named_orders(from: [usize; 3], to: [usize; 3]) -> Vec<NamedOrder> {
    let mut out = vec![NamedOrder::Identity];
    for r in 2..=8 {
        out.push(NamedOrder::PixelShuffle(r));
        out.push(NamedOrder::PixelUnshuffle(r));
    }
    out.retain(|o| o.rows(from, to).is_some());
    out
}

/// A renaming-invariant summary of a row: per column, the constant and the
/// sorted coefficients of the symbols.
type Signature = Vec<(usize, Q, Vec<Q>)>;

fn signature(a: &SparseMatrix<Poly>, r: usize) -> Result<Signature, String> {
    a.row(r)
        .map(|(c, p)| {
            if !p.is_affine() {
                return Err(format!(
                    "entry ({r}, {c}) is not linear in the kernel symbols, so renaming is not enough to compare"
                ));
            }
            let mut constant = Q::zero();
            let mut coeffs = Vec::new();
            for (m, q) in p.terms() {
                if m.is_one() {
                    constant = q.clone();
                } else {
                    coeffs.push(q.clone());
                }
            }
            coeffs.sort();
            Ok((c, constant, coeffs))
        })
        .collect()
}

fn vars_of(a: &SparseMatrix<Poly>) -> Vec<Var> {
    let mut v: Vec<Var> = a.values().iter().flat_map(|p| p.vars()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Applies a renaming to a row.
fn rename_row(a: &SparseMatrix<Poly>, r: usize, sigma: &HashMap<Var, Var>) -> Option<Vec<(usize, Poly)>> {
    a.row(r)
        .map(|(c, p)| {
            if p.vars().iter().any(|v| !sigma.contains_key(v)) {
                return None;
            }
            Some((c, p.substitute(&|v| sigma.get(&v).map(|&t| Poly::var(t)))))
        })
        .collect()
}

struct Search<'a> {
    a: &'a SparseMatrix<Poly>,
    b: &'a SparseMatrix<Poly>,
    forward: HashMap<Var, Var>,
    backward: HashMap<Var, Var>,
    trail: Vec<Var>,
    used: Vec<bool>,
    rows: Vec<usize>,
    classes: HashMap<Signature, Vec<usize>>,
    signatures: Vec<Signature>,
    by_content: HashMap<Vec<(usize, Poly)>, Vec<usize>>,
    steps: usize,
    gave_up: bool,
}

impl<'a> Search<'a> {
    fn new(a: &'a SparseMatrix<Poly>, b: &'a SparseMatrix<Poly>) -> Result<Search<'a>, String> {
        let signatures = (0..a.rows()).map(|r| signature(a, r)).collect::<Result<Vec<_>, _>>()?;
        let mut classes: HashMap<Signature, Vec<usize>> = HashMap::new();
        let mut by_content: HashMap<Vec<(usize, Poly)>, Vec<usize>> = HashMap::new();
        for r in 0..b.rows() {
            classes.entry(signature(b, r)?).or_default().push(r);
            by_content.entry(b.row(r).map(|(c, p)| (c, p.clone())).collect()).or_default().push(r);
        }
        Ok(Search {
            a,
            b,
            forward: HashMap::new(),
            backward: HashMap::new(),
            trail: Vec::new(),
            used: vec![false; b.rows()],
            rows: vec![usize::MAX; a.rows()],
            classes,
            signatures,
            by_content,
            steps: 0,
            gave_up: false,
        })
    }

    fn bind(&mut self, s: Var, t: Var) -> bool {
        match (self.forward.get(&s), self.backward.get(&t)) {
            (Some(&x), _) => x == t,
            (None, Some(_)) => false,
            (None, None) => {
                self.forward.insert(s, t);
                self.backward.insert(t, s);
                self.trail.push(s);
                true
            }
        }
    }

    fn undo(&mut self, mark: usize) {
        while self.trail.len() > mark {
            let s = self.trail.pop().expect("trail entry");
            if let Some(t) = self.forward.remove(&s) {
                self.backward.remove(&t);
            }
        }
    }

    /// Binds what row `r1` against row `r2` forces; returns the groups of
    /// symbols whose pairing is still open (equal coefficients), or `None`
    /// on a conflict.
    fn unify(&mut self, r1: usize, r2: usize) -> Option<Vec<(Vec<Var>, Vec<Var>)>> {
        let mut open = Vec::new();
        let row2: Vec<(usize, &Poly)> = self.b.row(r2).collect();
        let row1: Vec<(usize, &Poly)> = self.a.row(r1).collect();
        if row1.len() != row2.len() {
            return None;
        }
        for ((c1, p1), (c2, p2)) in row1.into_iter().zip(row2) {
            if c1 != c2 {
                return None;
            }
            let mut groups: HashMap<Q, (Vec<Var>, Vec<Var>)> = HashMap::new();
            for (m, q) in p1.terms() {
                if let [(v, 1)] = m.pairs() {
                    groups.entry(q.clone()).or_default().0.push(*v);
                }
            }
            for (m, q) in p2.terms() {
                if let [(v, 1)] = m.pairs() {
                    groups.entry(q.clone()).or_default().1.push(*v);
                }
            }
            for (_, (mut s1, mut s2)) in groups {
                if s1.len() != s2.len() {
                    return None;
                }
                // Bound symbols must land in this group.
                let mut k = 0;
                while k < s1.len() {
                    if let Some(&t) = self.forward.get(&s1[k]) {
                        let pos = s2.iter().position(|&x| x == t)?;
                        s2.swap_remove(pos);
                        s1.swap_remove(k);
                    } else {
                        k += 1;
                    }
                }
                if s2.iter().any(|t| self.backward.contains_key(t)) {
                    return None;
                }
                match s1.len() {
                    0 => {}
                    1 => {
                        if !self.bind(s1[0], s2[0]) {
                            return None;
                        }
                    }
                    _ => open.push((s1, s2)),
                }
            }
        }
        Some(open)
    }

    /// Matches rows `order[k..]`.
    fn solve(&mut self, order: &[usize], k: usize) -> bool {
        if k == order.len() {
            return true;
        }
        self.steps += 1;
        if self.steps > BUDGET {
            self.gave_up = true;
            return false;
        }
        let r1 = order[k];
        // A row whose symbols are all named already has one possible image.
        if let Some(image) = rename_row(self.a, r1, &self.forward) {
            let Some(candidates) = self.by_content.get(&image) else { return false };
            let Some(&r2) = candidates.iter().find(|&&r| !self.used[r]) else { return false };
            self.assign(r1, r2);
            if self.solve(order, k + 1) {
                return true;
            }
            self.unassign(r1, r2);
            return false;
        }
        let candidates = self.classes.get(&self.signatures[r1]).cloned().unwrap_or_default();
        for r2 in candidates {
            if self.used[r2] {
                continue;
            }
            let mark = self.trail.len();
            if let Some(open) = self.unify(r1, r2) {
                self.assign(r1, r2);
                if self.pair_open(&open, 0, order, k) {
                    return true;
                }
                self.unassign(r1, r2);
            }
            self.undo(mark);
            if self.gave_up {
                return false;
            }
        }
        false
    }

    /// Tries every pairing of the open groups, then the remaining rows.
    fn pair_open(&mut self, open: &[(Vec<Var>, Vec<Var>)], g: usize, order: &[usize], k: usize) -> bool {
        let Some((s1, s2)) = open.get(g) else {
            return self.solve(order, k + 1);
        };
        let s1 = s1.clone();
        let mut s2 = s2.clone();
        permutations(&mut s2, 0, &mut |perm| {
            let mark = self.trail.len();
            if s1.iter().zip(perm).all(|(&a, &b)| self.bind(a, b)) && self.pair_open(open, g + 1, order, k) {
                return true;
            }
            self.undo(mark);
            false
        })
    }

    fn assign(&mut self, r1: usize, r2: usize) {
        self.rows[r1] = r2;
        self.used[r2] = true;
    }

    fn unassign(&mut self, r1: usize, r2: usize) {
        self.rows[r1] = usize::MAX;
        self.used[r2] = false;
    }

    /// Finds the renaming for a fixed row map, if there is one.
    fn with_rows(&mut self, rows: &[usize]) -> bool {
        for (r1, &r2) in rows.iter().enumerate() {
            if self.signatures[r1] != signature(self.b, r2).unwrap_or_default() {
                return false;
            }
            match self.unify(r1, r2) {
                Some(open) if open.is_empty() => {}
                // Equal coefficients left open: fall back to the search.
                _ => return false,
            }
        }
        for (r1, &r2) in rows.iter().enumerate() {
            match rename_row(self.a, r1, &self.forward) {
                Some(image) if image.iter().map(|(c, p)| (*c, p)).eq(self.b.row(r2)) => {}
                _ => return false,
            }
        }
        self.rows = rows.to_vec();
        true
    }

    fn result(&self) -> Correspondence {
        let mut weights: Vec<(Var, Var)> = self.forward.iter().map(|(&s, &t)| (s, t)).collect();
        weights.sort();
        Correspondence { weights, rows: self.rows.clone() }
    }
}

/// Calls `f` on each permutation of `items` until it returns true.
fn permutations<T: Copy>(items: &mut [T], k: usize, f: &mut dyn FnMut(&[T]) -> bool) -> bool {
    if k == items.len() {
        return f(items);
    }
    for i in k..items.len() {
        items.swap(k, i);
        if permutations(items, k + 1, f) {
            items.swap(k, i);
            return true;
        }
        items.swap(k, i);
    }
    false
}

/// A correspondence, and how it was found.
pub struct Found {
    pub correspondence: Correspondence,
    /// The named reordering it uses, if one fits.
    pub named: Option<NamedOrder>,
    /// The named reorderings tried, in order (the last is `named` when
    /// one fits).
    pub tried: Vec<NamedOrder>,
    /// Steps of the backtracking search, when it ran.
    pub search_steps: usize,
}

/// Why two operators are not equivalent, or the correspondence.
pub enum Outcome {
    Equivalent(Found),
    Different(Difference),
}

fn multiset<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> HashMap<T, usize> {
    let mut m = HashMap::new();
    for it in items {
        *m.entry(it).or_insert(0) += 1;
    }
    m
}

/// Decides equivalence of two matrices; `Err` when nnkey cannot decide.
/// `shapes` are the two output shapes (channel, row, column); the inputs
/// are the columns.
pub fn decide(
    a: &SparseMatrix<Poly>,
    b: &SparseMatrix<Poly>,
    shapes: ([usize; 3], [usize; 3]),
    inputs: &[Poly],
) -> Result<Outcome, String> {
    if a.cols() != b.cols() {
        return Ok(Outcome::Different(Difference::InputSizes(a.cols(), b.cols())));
    }
    if a.rows() != b.rows() {
        return Ok(Outcome::Different(Difference::OutputCounts(a.rows(), b.rows())));
    }
    let (va, vb) = (vars_of(a), vars_of(b));
    if va.len() != vb.len() {
        return Ok(Outcome::Different(Difference::SymbolCounts(va.len(), vb.len())));
    }
    let mut search = Search::new(a, b)?;
    // A row signature with no counterpart is a clear reason.
    let sa = multiset(search.signatures.iter().cloned());
    let sb: HashMap<Signature, usize> = search.classes.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    // The first output (in order, so the reason is the same on every run).
    if let Some(r) = (0..a.rows()).find(|&r| sb.get(&search.signatures[r]) != sa.get(&search.signatures[r])) {
        let sig = &search.signatures[r];
        let combination = a.row(r).fold(Poly::zero(), |acc, (c, p)| &acc + &(p * &inputs[c]));
        return Ok(Outcome::Different(Difference::Unmatched {
            output: r,
            shape: shapes.0,
            combination,
            first: sa[sig],
            second: sb.get(sig).copied().unwrap_or(0),
        }));
    }
    let mut tried = Vec::new();
    for order in named_orders(shapes.0, shapes.1) {
        tried.push(order);
        let rows = order.rows(shapes.0, shapes.1).expect("fits");
        let mut trial = Search::new(a, b)?;
        if trial.with_rows(&rows) {
            return Ok(Outcome::Equivalent(Found {
                correspondence: trial.result(),
                named: Some(order),
                tried,
                search_steps: 0,
            }));
        }
    }
    let mut order: Vec<usize> = (0..a.rows()).collect();
    let class_size = |r: &usize| search.classes.get(&search.signatures[*r]).map_or(0, Vec::len);
    order.sort_by_key(|r| (class_size(r), *r));
    if search.solve(&order, 0) {
        return Ok(Outcome::Equivalent(Found {
            correspondence: search.result(),
            named: None,
            tried,
            search_steps: search.steps,
        }));
    }
    if search.gave_up {
        return Err(format!(
            "the search for a correspondence stopped after {BUDGET} steps without an answer; nnkey cannot decide this equivalence"
        ));
    }
    Ok(Outcome::Different(Difference::NoRenaming))
}

fn symbol_value(v: Var) -> Value {
    Value::Scalar(RatFunc::var(v))
}

fn index_tuple(shape: [usize; 3], k: usize) -> Value {
    let [_, h, w] = shape;
    let idx = [k / (h * w), (k / w) % h, k % w];
    Value::Tuple(idx.iter().map(|&i| Value::scalar(Q::from(i))).collect())
}

/// The weight correspondence as index formulas, when every index of the
/// first symbol is an integer affine function of the second's indices:
/// `c[2 a + b, 0, 0, 0] ↦ t[0, 0, a, b]`, with index letters that are not
/// the problem's own.
fn weight_formula(weights: &[(Var, Var)], ring: &Ring, letters: &mut Letters) -> Option<Math> {
    let pairs: Vec<(std::sync::Arc<Symbol>, std::sync::Arc<Symbol>)> =
        weights.iter().map(|&(s, t)| (ring.symbol(s), ring.symbol(t))).collect();
    let (first_s, first_t) = pairs.first()?;
    if pairs.iter().any(|(s, t)| {
        s.name != first_s.name
            || t.name != first_t.name
            || s.indices.len() != first_s.indices.len()
            || t.indices.len() != first_t.indices.len()
    }) {
        return None;
    }
    let varying: Vec<usize> =
        (0..first_t.indices.len()).filter(|&k| pairs.iter().any(|(_, t)| t.indices[k] != first_t.indices[k])).collect();
    let mut trial = letters.clone();
    let names: Vec<Math> = varying.iter().map(|_| trial.fresh(&["a", "b", "c", "d", "e", "f", "u", "v"])).collect();
    let design = Matrix::from_rows(
        pairs
            .iter()
            .map(|(_, t)| {
                let mut row: Vec<Q> = varying.iter().map(|&k| Q::from_int(t.indices[k])).collect();
                row.push(Q::one());
                row
            })
            .collect(),
    )?;
    let mut source_indices = Vec::new();
    for k in 0..first_s.indices.len() {
        let target = Matrix::column(pairs.iter().map(|(s, _)| Q::from_int(s.indices[k])).collect());
        let coeffs = fit(&design, &target)?;
        let ints: Vec<i64> = coeffs.iter().map(Q::to_i64).collect::<Option<_>>()?;
        let terms: Vec<(i64, &Math)> = ints.iter().zip(&names).map(|(&n, x)| (n, x)).collect();
        source_indices.push(affine(&terms, ints[varying.len()]));
    }
    let target: Vec<Math> = (0..first_t.indices.len())
        .map(|k| match varying.iter().position(|&v| v == k) {
            Some(j) => names[j].clone(),
            None => Math::from(first_t.indices[k]),
        })
        .collect();
    *letters = trial;
    let entry = |name: &str, idx: Vec<Math>| Math::Entry(Box::new(Math::name(name)), idx);
    Some(entry(&first_s.name, source_indices).relate(Rel::MapsTo, entry(&first_t.name, target)))
}

/// Integer-exact solution of `design · x = target`, if one exists.
fn fit(design: &Matrix<Q>, target: &Matrix<Q>) -> Option<Vec<Q>> {
    let n = design.cols();
    let mut aug = Matrix::zeros(design.rows(), n + 1);
    for r in 0..design.rows() {
        for c in 0..n {
            aug.set(r, c, design.get(r, c).clone());
        }
        aug.set(r, n, target.get(r, 0).clone());
    }
    let (rref, pivots) = aug.rref();
    if pivots.contains(&n) {
        return None;
    }
    let mut x = vec![Q::zero(); n];
    for (row, &p) in pivots.iter().enumerate() {
        x[p] = rref.get(row, n).clone();
    }
    Some(x)
}

/// An indexed symbol of the ring as a formula (a plain one as a name).
fn symbol_math(ring: &Ring, v: Var) -> Math {
    let s = ring.symbol(v);
    if s.indices.is_empty() { Math::name(&s.name) } else { Math::Symbol(s.as_ref().clone()) }
}

/// Output `k` of an operator with output shape `shape`: `y1[0, 1, 3]`.
fn output_entry(y: &Math, shape: [usize; 3], k: usize) -> Math {
    let [_, h, w] = shape;
    Math::Entry(Box::new(y.clone()), vec![(k / (h * w)).into(), ((k / w) % h).into(), (k % w).into()])
}

/// The letters of an equivalence's derivation.
struct Names {
    y1: Math,
    y2: Math,
    sigma: Math,
    pi: Math,
    k: Math,
}

/// "`conv2d` with kernel $W$ on $X$".
fn operator(c: &Conv) -> Prose {
    let (w, x) = (Math::name(&c.kernel_name), Math::name(&c.input_name));
    match c.kind {
        ConvKind::Conv2d => prose!("`conv2d` with kernel $#W$ on $#X$", W = w, X = x),
        ConvKind::ConvTranspose2d => prose!("`conv_transpose2d` with kernel $#W$ on $#X$", W = w, X = x),
    }
}

/// The two operators, their outputs, and what equivalence means.
fn operators_step(ex: &mut Explanation, ops: [&Conv; 2], shapes: [[usize; 3]; 2], n: &Names) {
    let mut p = prose!("Operator 1, ");
    append(&mut p, operator(ops[0]));
    append(&mut p, prose!(", gives a $#s$ output $#y$; operator 2, ", s = dims(&shapes[0]), y = n.y1.clone()));
    append(&mut p, operator(ops[1]));
    append(&mut p, prose!(", a $#s$ output $#y$.", s = dims(&shapes[1]), y = n.y2.clone()));
    let criterion = prose!(
        "They are the same operator up to naming when a renaming $#s$ of the kernel symbols and a reordering $#p$ of the outputs give $#s(#y1[#k]) = #y2[#p(#k)]$ for every output $#k$ (outputs flattened row-major).",
        s = n.sigma.clone(),
        p = n.pi.clone(),
        y1 = n.y1.clone(),
        y2 = n.y2.clone(),
        k = n.k.clone()
    );
    ex.step(p).prose(criterion);
}

/// The two matrices, for staff: sizes, nonzero entries, and the entries
/// when they fit in memory as dense formulas.
fn matrices_detail(ex: &mut Explanation, ms: [&SparseMatrix<Poly>; 2], letters: &mut Letters, ring: &Ring) {
    let (a1, a2) = pair(letters, &[("A1", "A2"), ("M1", "M2"), ("B1", "B2")]);
    let step = ex.detail(prose!(
        "As matrices on the flattened input: $#A1$ is $#s1$ with #k1 nonzero entries, $#A2$ is $#s2$ with #k2.",
        A1 = a1.clone(),
        s1 = dims(&[ms[0].rows(), ms[0].cols()]),
        k1 = ms[0].nonzeros(),
        A2 = a2.clone(),
        s2 = dims(&[ms[1].rows(), ms[1].cols()]),
        k2 = ms[1].nonzeros()
    ));
    for (name, m) in [(a1, ms[0]), (a2, ms[1])] {
        if m.rows() * m.cols() <= DENSE_GUARD {
            let dense = m.to_dense();
            step.display(name.equals(grid(m.rows(), m.cols(), ring, |r, c| dense.get(r, c).clone())));
        }
    }
}

/// Why the operators differ, as the explanation states it.
/// `first` and `inputs` are the first operator's matrix and input entries.
fn difference_step(
    ex: &mut Explanation,
    why: &Difference,
    (first, inputs): (&SparseMatrix<Poly>, &[Poly]),
    n: &Names,
    ring: &Ring,
) {
    let outputs = |k: usize| words(if k == 1 { "output" } else { "outputs" });
    match why {
        Difference::InputShapes => {
            ex.step(prose!("Not equivalent: they act on inputs of different shapes."));
        }
        Difference::InputSizes(a, b) => {
            ex.step(prose!("Not equivalent: they read inputs of different sizes, #a and #b entries.", a = *a, b = *b));
        }
        Difference::OutputCounts(a, b) => {
            ex.step(prose!("Not equivalent: they produce different numbers of outputs, #a and #b.", a = *a, b = *b));
        }
        Difference::SymbolCounts(a, b) => {
            ex.step(prose!(
                "Not equivalent: they use different numbers of kernel symbols, #a and #b, so no renaming matches them.",
                a = *a,
                b = *b
            ));
        }
        Difference::Unmatched { output, shape, first: n1, second: n2, .. } => {
            let combination = taps_sum(first.row(*output).map(|(c, p)| (p, &inputs[c])), ring);
            ex.step(prose!("Not equivalent: the first operator's output"))
                .display(output_entry(&n.y1, *shape, *output).equals(combination))
                .prose(prose!(
                    "combines the inputs in a way that #n #o1 of the first operator and #m #o2 of the second do, whatever the kernel symbols are called.",
                    n = *n1,
                    o1 = outputs(*n1),
                    m = *n2,
                    o2 = outputs(*n2)
                ));
        }
        Difference::NoRenaming => {
            ex.step(prose!(
                "Not equivalent: the outputs read the inputs alike, but no single renaming of the kernel symbols makes every output agree."
            ));
        }
    }
}

/// The renaming: as a formula when there is one, and pair by pair.
fn renaming_step(ex: &mut Explanation, weights: &[(Var, Var)], ring: &Ring, letters: &mut Letters) {
    let maps: Vec<Math> =
        weights.iter().map(|&(s, t)| symbol_math(ring, s).relate(Rel::MapsTo, symbol_math(ring, t))).collect();
    let step = match weight_formula(weights, ring, letters) {
        Some(f) => ex.step(prose!("Rename the kernel symbols by $#f$, that is:", f = f)),
        None => ex.step(prose!("Rename the kernel symbols:")),
    };
    if maps.len() <= LISTING_CAP {
        step.display(Math::list(maps));
    } else {
        let total = maps.len();
        step.listing(total, maps.into_iter().take(LISTING_CAP).map(Block::Display).collect());
    }
}

/// The reordering, when it has a name.
fn reordering_step(ex: &mut Explanation, order: NamedOrder, n: &Names, letters: &mut Letters) {
    if order == NamedOrder::Identity {
        ex.step(prose!("The outputs keep their order: $#p$ is the identity.", p = n.pi.clone()));
        return;
    }
    let c = letters.fresh(&["c", "k", "m"]);
    let (h, w) = pair(letters, &[("h", "w"), ("r", "s"), ("p", "q")]);
    let (i, j) = pair(letters, &[("i", "j"), ("u", "v"), ("alpha", "beta")]);
    let r = match order {
        NamedOrder::PixelShuffle(r) | NamedOrder::PixelUnshuffle(r) => r,
        NamedOrder::Identity => 1,
    };
    let mut text = prose!("Reorder the outputs by ");
    append(&mut text, order.phrase());
    let rest = prose!(": for $0 <= #i < #r$ and $0 <= #j < #r$,", i = i.clone(), j = j.clone(), r = r);
    append(&mut text, rest);
    let step = ex.step(text);
    if let Some(f) = order.formula(&n.y1, &n.y2, [&c, &h, &w, &i, &j]) {
        step.display(f);
    }
}

/// Output by output: each output of the first operator, renamed, is the
/// output of the second that the reordering names.
fn outputs_step(
    ex: &mut Explanation,
    ms: [&SparseMatrix<Poly>; 2],
    shapes: [[usize; 3]; 2],
    found: &Found,
    inputs: &[Poly],
    n: &Names,
    ring: &Ring,
) {
    let combination = |m: &SparseMatrix<Poly>, r: usize| taps_sum(m.row(r).map(|(c, p)| (p, &inputs[c])), ring);
    let corr = &found.correspondence;
    let items = corr
        .rows
        .iter()
        .enumerate()
        .take(LISTING_CAP)
        .map(|(i, &j)| {
            Block::Display(
                output_entry(&n.y1, shapes[0], i)
                    .equals(combination(ms[0], i))
                    .relate(Rel::MapsTo, combination(ms[1], j))
                    .relate(Rel::Eq, output_entry(&n.y2, shapes[1], j)),
            )
        })
        .collect();
    // The order is kept whenever the correspondence maps each output to
    // the one at its own flattened position, whether or not the identity
    // was found by name (a search may find it when the shapes differ).
    let identity = corr.rows.iter().enumerate().all(|(i, &j)| i == j);
    let text = if identity && shapes[0] == shapes[1] {
        prose!(
            "With this renaming each output of the first operator becomes the output of the second at the same place, so both compute the same outputs in the same order:"
        )
    } else if identity {
        prose!(
            "With this renaming each output of the first operator becomes the output of the second at the same position in row-major order, so both compute the same outputs in the same order, only arranged in different shapes:"
        )
    } else {
        prose!(
            "With this renaming each output of the first operator becomes an output of the second, so both compute the same outputs, in a different order:"
        )
    };
    ex.step(text).listing(corr.rows.len(), items);
}

/// How the correspondence was found, for staff.
fn search_detail(ex: &mut Explanation, found: &Found) {
    let count = found.tried.len();
    let list = joined(found.tried.iter().map(|o| o.phrase()).collect());
    let mut text = match found.named {
        Some(_) => prose!(
            "How nnkey found it: it tries the reorderings that have names first; with the reordering fixed, each output forces the renaming of its kernel symbols, and the renaming is then checked on every output. Reorderings tried, in order: "
        ),
        None if count == 0 => prose!(
            "How nnkey found it: no reordering with a name fits these shapes, so it matched outputs whose coefficients agree up to renaming (per input entry, the constant and the sorted coefficients of the symbols), backtracking over the remaining choices, in #n steps.",
            n = found.search_steps
        ),
        None => prose!(
            "How nnkey found it: no reordering with a name works, so it matched outputs whose coefficients agree up to renaming (per input entry, the constant and the sorted coefficients of the symbols), backtracking over the remaining choices, in #n steps. Reorderings tried first: ",
            n = found.search_steps
        ),
    };
    if count > 0 {
        append(&mut text, list);
        text.push_text(".");
    }
    ex.detail(text);
}

pub fn derive(a: &Conv, b: &Conv, problem: &Problem) -> Result<(Value, EquivalenceAnswer, Explanation), String> {
    let ring = &problem.ring;
    let mut letters = Letters::of(problem);
    let (y1, y2) = pair(&mut letters, &[("y1", "y2"), ("z1", "z2"), ("u1", "u2")]);
    let names = Names {
        y1,
        y2,
        sigma: letters.fresh(&["sigma", "tau"]),
        pi: letters.fresh(&["pi", "rho"]),
        k: letters.fresh(&["k", "l", "m"]),
    };
    let (ma, mb) = (matrix(a), matrix(b));
    let shapes = [a.output_shape().expect("checked"), b.output_shape().expect("checked")];
    let mut ex = Explanation::new();
    operators_step(&mut ex, [a, b], shapes, &names);
    matrices_detail(&mut ex, [&ma, &mb], &mut letters, ring);
    let answer = if a.input.input3() != b.input.input3() {
        EquivalenceAnswer::Different(Difference::InputShapes)
    } else {
        match decide(&ma, &mb, (shapes[0], shapes[1]), &a.input.entries)? {
            Outcome::Different(why) => EquivalenceAnswer::Different(why),
            Outcome::Equivalent(found) => {
                renaming_step(&mut ex, &found.correspondence.weights, ring, &mut letters);
                if let Some(order) = found.named {
                    reordering_step(&mut ex, order, &names, &mut letters);
                }
                outputs_step(&mut ex, [&ma, &mb], shapes, &found, &a.input.entries, &names, ring);
                search_detail(&mut ex, &found);
                let outputs = match found.named {
                    Some(order) => Reordering::Named(order),
                    None => {
                        Reordering::Table { from: shapes[0], to: shapes[1], rows: found.correspondence.rows.clone() }
                    }
                };
                EquivalenceAnswer::Equivalent { weights: found.correspondence.weights, outputs }
            }
        }
    };
    if let EquivalenceAnswer::Different(why) = &answer {
        difference_step(&mut ex, why, (&ma, &a.input.entries), &names, ring);
    }
    Ok((answer.to_value(ring), answer, ex))
}

fn idx_symbol(name: &str, shape: [usize; 3], k: usize) -> Symbol {
    let [_, h, w] = shape;
    Symbol::indexed(name, &[(k / (h * w)) as i64, ((k / w) % h) as i64, (k % w) as i64])
}

/// Reads a key's `weights` list into symbol pairs.
fn key_weights(v: &Value) -> Result<Vec<(Var, Var)>, String> {
    let items = match v {
        Value::List(items) => items.clone(),
        _ => return Err("`weights` must be a list of `symbol -> symbol`".into()),
    };
    let var = |v: &Value| v.as_scalar().and_then(|s| s.as_poly().and_then(Poly::as_var));
    items
        .iter()
        .map(|it| match it {
            Value::Maps(s, t) => match (var(s), var(t)) {
                (Some(s), Some(t)) => Ok((s, t)),
                _ => Err("each weight correspondence must be `symbol -> symbol`".into()),
            },
            _ => Err("each weight correspondence must be `symbol -> symbol`".into()),
        })
        .collect()
}

/// Reads a key's `outputs`: a named reordering or a table of index tuples.
fn key_rows(v: &Value, shapes: ([usize; 3], [usize; 3])) -> Result<Vec<usize>, String> {
    if let Some(order) = NamedOrder::from_value(v) {
        return order
            .rows(shapes.0, shapes.1)
            .ok_or_else(|| format!("{} does not fit these output shapes", order.name()));
    }
    let items = match v {
        Value::List(items) => items,
        _ => {
            return Err(
                "`outputs` must be `pixel_shuffle(r)`, `identity`, or a list of `(c, h, w) -> (c, h, w)`".into()
            );
        }
    };
    let flat = |t: &Value, s: [usize; 3]| -> Option<usize> {
        let idx: Vec<i64> = t.items()?.iter().map(Value::as_int).collect::<Option<_>>()?;
        let [c, h, w] = idx.as_slice() else { return None };
        let ok = (0..s[0] as i64).contains(c) && (0..s[1] as i64).contains(h) && (0..s[2] as i64).contains(w);
        ok.then(|| ((*c as usize * s[1]) + *h as usize) * s[2] + *w as usize)
    };
    let n = shapes.0.iter().product::<usize>();
    let mut rows = vec![usize::MAX; n];
    for it in items {
        let Value::Maps(x, y) = it else {
            return Err("each output correspondence must be `(c, h, w) -> (c, h, w)`".into());
        };
        let (Some(i), Some(j)) = (flat(x, shapes.0), flat(y, shapes.1)) else {
            return Err(format!("output index out of range in {}", it.describe()));
        };
        rows[i] = j;
    }
    if rows.contains(&usize::MAX) {
        return Err("the output table does not cover every output".into());
    }
    Ok(rows)
}

/// Judges a key for an equivalence: `true`/`false`, or a record whose
/// `equivalent`, `weights` and `outputs` are each checked when given. Any
/// valid correspondence passes, whichever nnkey found.
pub fn judge(a: &Conv, b: &Conv, finding: &Finding, key: &Value, ring: &Ring) -> Result<(), String> {
    let derived = match &finding.answer {
        Answer::Equivalence(answer) => answer,
        _ => return Err("the finding is not an equivalence".into()),
    };
    let claimed = match key {
        Value::Bool(x) => *x,
        Value::Record(_) => match key.field("equivalent") {
            Some(Value::Bool(x)) => *x,
            Some(other) => return Err(format!("`equivalent` must be true or false, not {}", other.describe())),
            None => key.field("weights").is_some() || key.field("outputs").is_some(),
        },
        other => return Err(format!("the key is {}; write `true`, `false` or a record", other.describe())),
    };
    if claimed != derived.is_equivalent() {
        return Err(match derived {
            EquivalenceAnswer::Equivalent { .. } => {
                "the key says the operators differ, but nnkey finds a correspondence".to_string()
            }
            // As the `reason` field prints in a key.
            EquivalenceAnswer::Different(why) => {
                format!("the key says the operators are equivalent, but they are not: {:?}", why.sentence(ring))
            }
        });
    }
    if !claimed {
        return Ok(());
    }
    let (ma, mb) = (matrix(a), matrix(b));
    let shapes = (a.output_shape().expect("checked"), b.output_shape().expect("checked"));
    let weights = key.field("weights").map(key_weights).transpose()?;
    let rows = key.field("outputs").map(|v| key_rows(v, shapes)).transpose()?;
    let mut search = Search::new(&ma, &mb)?;
    if let Some(w) = &weights {
        for &(s, t) in w {
            if !search.bind(s, t) {
                let (s, t) = (ring.symbol(s), ring.symbol(t));
                return Err(format!("the renaming is not one-to-one at {s} -> {t}"));
            }
        }
        let needed = vars_of(&ma);
        if let Some(v) = needed.iter().find(|v| !search.forward.contains_key(v)) {
            return Err(format!("the renaming does not say what {} becomes", ring.symbol(*v)));
        }
    }
    match (weights.is_some(), rows) {
        (_, Some(rows)) => {
            if weights.is_none() {
                return if search.with_rows(&rows) {
                    Ok(())
                } else {
                    Err("no renaming makes this output order work".into())
                };
            }
            for (i, &j) in rows.iter().enumerate() {
                let image = rename_row(&ma, i, &search.forward).expect("every symbol is renamed");
                if !image.iter().map(|(c, p)| (*c, p)).eq(mb.row(j)) {
                    return Err(format!(
                        "with this renaming, output {i} of the first operator is not output {j} of the second"
                    ));
                }
            }
            Ok(())
        }
        (true, None) => {
            // The renaming alone must map the rows onto the rows.
            let mut remaining =
                multiset((0..mb.rows()).map(|r| mb.row(r).map(|(c, p)| (c, p.clone())).collect::<Vec<_>>()));
            for i in 0..ma.rows() {
                let image = rename_row(&ma, i, &search.forward).expect("every symbol is renamed");
                match remaining.get_mut(&image) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => {
                        return Err(format!(
                            "with this renaming, output {i} of the first operator matches no output of the second"
                        ));
                    }
                }
            }
            Ok(())
        }
        (false, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_shuffle_moves_channels_into_space() {
        // (4, 1, 1) -> (1, 2, 2): channel 2i + j lands at (i, j).
        let rows = NamedOrder::PixelShuffle(2).rows([4, 1, 1], [1, 2, 2]).unwrap();
        assert_eq!(rows, vec![0, 1, 2, 3]);
        let rows = NamedOrder::PixelShuffle(2).rows([4, 2, 2], [1, 4, 4]).unwrap();
        // y1[1, 0, 1] (flat 5) goes to y2[0, 0, 3] (flat 3).
        assert_eq!(rows[5], 3);
        // y1[2, 1, 0] (flat 10) goes to y2[0, 3, 0] (flat 12).
        assert_eq!(rows[10], 12);
        let back = NamedOrder::PixelUnshuffle(2).rows([1, 4, 4], [4, 2, 2]).unwrap();
        for (k, &m) in rows.iter().enumerate() {
            assert_eq!(back[m], k);
        }
    }

    #[test]
    fn permutations_are_all_visited() {
        let mut items = [1, 2, 3];
        let mut seen = Vec::new();
        permutations(&mut items, 0, &mut |p| {
            seen.push(p.to_vec());
            false
        });
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6);
    }
}
