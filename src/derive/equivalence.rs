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

use crate::algebra::print::{self, Notation};
use crate::algebra::{Matrix, Poly, Print, Q, RatFunc, Ring, SparseMatrix, Symbol, Var};
use crate::model::{Conv, Value};

use super::conv::matrix;
use super::{Finding, Step};

/// Steps of the backtracking search before nnkey gives up and says so.
const BUDGET: usize = 2_000_000;

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
                if r == 0 || c1 != c2 * r * r || h2 != h1 * r || w2 != w1 * r {
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

    /// The reordering as a formula.
    fn formula(self) -> (String, String) {
        match self {
            NamedOrder::Identity => ("y2[k] = y1[k]".into(), "y^{(2)}_{k} = y^{(1)}_{k}".into()),
            NamedOrder::PixelShuffle(r) => (
                format!("y2[c, {r}*h + i, {r}*w + j] = y1[{}*c + {r}*i + j, h, w] for 0 <= i, j < {r}", r * r),
                format!(
                    "y^{{(2)}}_{{(c,\\,{r}h+i,\\,{r}w+j)}} = y^{{(1)}}_{{({}c+{r}i+j,\\,h,\\,w)}},\\quad 0 \\le i, j < {r}",
                    r * r
                ),
            ),
            NamedOrder::PixelUnshuffle(r) => (
                format!("y2[{}*c + {r}*i + j, h, w] = y1[c, {r}*h + i, {r}*w + j] for 0 <= i, j < {r}", r * r),
                format!(
                    "y^{{(2)}}_{{({}c+{r}i+j,\\,h,\\,w)}} = y^{{(1)}}_{{(c,\\,{r}h+i,\\,{r}w+j)}},\\quad 0 \\le i, j < {r}",
                    r * r
                ),
            ),
        }
    }

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

/// Why two operators are not equivalent, or the correspondence.
pub enum Outcome {
    Equivalent(Correspondence, Option<NamedOrder>),
    Different(String),
}

fn multiset<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> HashMap<T, usize> {
    let mut m = HashMap::new();
    for it in items {
        *m.entry(it).or_insert(0) += 1;
    }
    m
}

/// Decides equivalence of two matrices; `Err` when nnkey cannot decide.
/// `inputs` names the input entries (the columns), for the reasons given.
pub fn decide(
    a: &SparseMatrix<Poly>,
    b: &SparseMatrix<Poly>,
    shapes: ([usize; 3], [usize; 3]),
    inputs: &[Poly],
    ring: &Ring,
) -> Result<Outcome, String> {
    if a.cols() != b.cols() {
        return Ok(Outcome::Different(format!(
            "they read inputs of different sizes ({} and {} entries)",
            a.cols(),
            b.cols()
        )));
    }
    if a.rows() != b.rows() {
        return Ok(Outcome::Different(format!(
            "they produce different numbers of outputs ({} and {})",
            a.rows(),
            b.rows()
        )));
    }
    let (va, vb) = (vars_of(a), vars_of(b));
    if va.len() != vb.len() {
        return Ok(Outcome::Different(format!(
            "they use different numbers of kernel symbols ({} and {}), so no renaming matches them",
            va.len(),
            vb.len()
        )));
    }
    let mut search = Search::new(a, b)?;
    // A row signature with no counterpart is a clear reason.
    let sa = multiset(search.signatures.iter().cloned());
    let sb: HashMap<Signature, usize> = search.classes.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    // The first output (in order, so the reason is the same on every run).
    if let Some(r) = (0..a.rows()).find(|&r| sb.get(&search.signatures[r]) != sa.get(&search.signatures[r])) {
        let sig = &search.signatures[r];
        let n = &sa[sig];
        let m = sb.get(sig).copied().unwrap_or(0);
        let sum = a.row(r).fold(Poly::zero(), |acc, (c, p)| &acc + &(p * &inputs[c]));
        let y = print::symbol(&idx_symbol("y1", shapes.0, r), Notation::Plain);
        let outputs = |k: usize| super::count(k, "output");
        return Ok(Outcome::Different(format!(
            "{y} = {}: {} of the first operator and {} of the second combine the inputs this way, \
             whatever the kernel symbols are called",
            sum.print(ring, Notation::Plain),
            outputs(*n),
            outputs(m)
        )));
    }
    for order in named_orders(shapes.0, shapes.1) {
        let rows = order.rows(shapes.0, shapes.1).expect("fits");
        let mut trial = Search::new(a, b)?;
        if trial.with_rows(&rows) {
            return Ok(Outcome::Equivalent(trial.result(), Some(order)));
        }
    }
    let mut order: Vec<usize> = (0..a.rows()).collect();
    let class_size = |r: &usize| search.classes.get(&search.signatures[*r]).map_or(0, Vec::len);
    order.sort_by_key(|r| (class_size(r), *r));
    if search.solve(&order, 0) {
        return Ok(Outcome::Equivalent(search.result(), None));
    }
    if search.gave_up {
        return Err(format!(
            "the search for a correspondence stopped after {BUDGET} steps without an answer; nnkey cannot decide this equivalence"
        ));
    }
    Ok(Outcome::Different(
        "the outputs read the inputs alike, but no single renaming of the kernel symbols makes every output agree"
            .into(),
    ))
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
/// `c[2*a + b,0,0,0] -> t[0,0,a,b]`.
fn weight_formula(weights: &[(Var, Var)], ring: &Ring) -> Option<String> {
    let pairs: Vec<(std::rc::Rc<Symbol>, std::rc::Rc<Symbol>)> =
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
    let names = ["a", "b", "c", "d", "e", "f"];
    let names: Vec<&str> = names.iter().copied().filter(|n| *n != first_s.name && *n != first_t.name).collect();
    if varying.len() > names.len() {
        return None;
    }
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
        let mut terms = Vec::new();
        for (j, q) in coeffs.iter().enumerate() {
            if q.is_zero() {
                continue;
            }
            let n = q.to_i64()?;
            let term = if j == varying.len() {
                n.to_string()
            } else if n == 1 {
                names[j].to_string()
            } else {
                format!("{n}*{}", names[j])
            };
            terms.push(term);
        }
        source_indices.push(if terms.is_empty() { "0".into() } else { terms.join(" + ") });
    }
    let target: Vec<String> = (0..first_t.indices.len())
        .map(|k| match varying.iter().position(|&v| v == k) {
            Some(j) => names[j].to_string(),
            None => first_t.indices[k].to_string(),
        })
        .collect();
    Some(format!("{}[{}] -> {}[{}]", first_s.name, source_indices.join(","), first_t.name, target.join(",")))
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

pub fn derive(a: &Conv, b: &Conv, ring: &Ring) -> Result<(Value, Vec<Step>), String> {
    let (ma, mb) = (matrix(a), matrix(b));
    let (sa, sb) = (a.output_shape().expect("checked"), b.output_shape().expect("checked"));
    let mut steps = Vec::new();
    let describe = |c: &Conv, m: &SparseMatrix<Poly>, s: [usize; 3], k: usize| {
        format!(
            "Operator {k}: {} with kernel {} on {} gives a {}×{}×{} output; its matrix is {}×{}.",
            c.kind.name(),
            c.kernel_name,
            c.input_name,
            s[0],
            s[1],
            s[2],
            m.rows(),
            m.cols()
        )
    };
    steps.push(Step::text(describe(a, &ma, sa, 1)));
    steps.push(Step::text(describe(b, &mb, sb, 2)));
    if ma.rows() * ma.cols() <= 4096 {
        for (k, m) in [(1, &ma), (2, &mb)] {
            let v = Value::Sparse(m.clone());
            let (pl, lx) = super::labeled(&format!("A{k}"), &format!("A_{{{k}}}"), &v, ring);
            steps.push(Step::math(format!("The matrix of operator {k}:"), pl, lx));
        }
    }
    if a.input.input3() != b.input.input3() {
        let why = "they act on inputs of different shapes".to_string();
        steps.push(Step::text(format!("Not equivalent: {why}.")));
        return Ok((Value::record(vec![("equivalent", Value::Bool(false)), ("reason", Value::Text(why))]), steps));
    }
    steps.push(Step::text(
        "They are the same operator up to naming when a renaming σ of kernel symbols and a reordering π of \
         outputs give σ(row i of A1) = row π(i) of A2 for every output i.",
    ));
    match decide(&ma, &mb, (sa, sb), &a.input.entries, ring)? {
        Outcome::Different(why) => {
            steps.push(Step::text(format!("Not equivalent: {why}.")));
            Ok((Value::record(vec![("equivalent", Value::Bool(false)), ("reason", Value::Text(why))]), steps))
        }
        Outcome::Equivalent(corr, named) => {
            let weights: Vec<Value> = corr
                .weights
                .iter()
                .map(|&(s, t)| Value::Maps(Box::new(symbol_value(s)), Box::new(symbol_value(t))))
                .collect();
            let weights_value = Value::List(weights);
            let (plain, latex) =
                (weights_value.print(ring, Notation::Plain), weights_value.print(ring, Notation::Latex));
            let text = match weight_formula(&corr.weights, ring) {
                Some(f) => format!("Rename the kernel symbols: {f}, that is:"),
                None => "Rename the kernel symbols:".to_string(),
            };
            steps.push(Step::math(text, plain, latex));
            let outputs = match named {
                Some(order) => {
                    let (plain, latex) = order.formula();
                    steps.push(Step::math(format!("Reorder the outputs by {}:", order.name()), plain, latex));
                    order.to_value()
                }
                None => Value::List(
                    corr.rows
                        .iter()
                        .enumerate()
                        .map(|(i, &j)| Value::Maps(Box::new(index_tuple(sa, i)), Box::new(index_tuple(sb, j))))
                        .collect(),
                ),
            };
            let table: Vec<String> = corr
                .rows
                .iter()
                .enumerate()
                .take(16)
                .map(|(i, &j)| {
                    format!(
                        "{} = {}",
                        print::symbol(&idx_symbol("y2", sb, j), Notation::Plain),
                        print::symbol(&idx_symbol("y1", sa, i), Notation::Plain)
                    )
                })
                .collect();
            let table_latex: Vec<String> = corr
                .rows
                .iter()
                .enumerate()
                .take(16)
                .map(|(i, &j)| format!("{} &= {}", latex_output(2, sb, j), latex_output(1, sa, i)))
                .collect();
            let more = if corr.rows.len() > 16 { format!(" (first 16 of {})", corr.rows.len()) } else { String::new() };
            steps.push(Step::math(
                format!("Output by output{more}:"),
                table.join("\n"),
                format!("\\begin{{aligned}} {} \\end{{aligned}}", table_latex.join(" \\\\ ")),
            ));
            steps.push(Step::text(
                "With this renaming every row of A1 equals the corresponding row of A2 exactly, so both \
                 operators give the same outputs, in a different order.",
            ));
            let value = Value::record(vec![
                ("equivalent", Value::Bool(true)),
                ("weights", weights_value),
                ("outputs", outputs),
            ]);
            Ok((value, steps))
        }
    }
}

/// Output `k` of operator `op` in LaTeX: `y^{(2)}_{(0,1,3)}`.
fn latex_output(op: usize, shape: [usize; 3], k: usize) -> String {
    let [_, h, w] = shape;
    format!("y^{{({op})}}_{{({},{},{})}}", k / (h * w), (k / w) % h, k % w)
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
    let derived = matches!(finding.value.field("equivalent"), Some(Value::Bool(true)));
    let claimed = match key {
        Value::Bool(x) => *x,
        Value::Record(_) => match key.field("equivalent") {
            Some(Value::Bool(x)) => *x,
            Some(other) => return Err(format!("`equivalent` must be true or false, not {}", other.describe())),
            None => key.field("weights").is_some() || key.field("outputs").is_some(),
        },
        other => return Err(format!("the key is {}; write `true`, `false` or a record", other.describe())),
    };
    if claimed != derived {
        let why = finding.value.field("reason").map(|r| r.print(ring, Notation::Plain)).unwrap_or_default();
        return Err(if derived {
            "the key says the operators differ, but nnkey finds a correspondence".to_string()
        } else {
            format!("the key says the operators are equivalent, but they are not: {why}")
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
