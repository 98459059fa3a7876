//! Drawn parameters: `draw a = integer in -3..3 where nonzero`.
//!
//! A draw is reproducible: the same seed, variant and problem give the same
//! values on every machine and every later version of nnkey. **The
//! generator is part of the file format**; changing anything below that
//! alters a drawn value is a breaking change, and `tests::pinned_draws`
//! fails when it happens.
//!
//! **Generator, version 1.**
//!
//! - Each drawn name has its own stream, so that adding a draw to a
//!   problem does not change the others. The stream's state starts at
//!   `seed · 0x9E3779B97F4A7C15 (mod 2^64) XOR fnv1a64(key)`, where `key`
//!   is the UTF-8 bytes of `nnkey-draw-1`, a zero byte, the variant id (`1`,
//!   `2`, … for `--count`, the student id for `--roster`, empty for `check`),
//!   a zero byte, the problem id, a zero byte and the drawn name. FNV-1a 64
//!   starts from 0xcbf29ce484222325 and, per byte, XORs it in and multiplies
//!   by 0x100000001b3.
//! - Numbers come from SplitMix64 (Steele, Lea and Flood, 2014): the state
//!   grows by 0x9E3779B97F4A7C15, and the output is the state mixed by
//!   `z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
//!   z *= 0x94D049BB133111EB; z ^= z >> 31`.
//! - A choice among `n` values takes outputs `x` until `x ≥ 2^64 mod n` and
//!   returns `x mod n`: the accepted outputs are a multiple of `n` in number,
//!   so no value is more likely than another (no modulo bias).
//! - A tensor's entries are drawn in row-major order; a truth table's
//!   outputs row by row (row `00…0` first), each the choice among 2; a
//!   rational in `a..b step s` is `a + k·s` with `k` chosen among
//!   `floor((b − a)/s) + 1` values.
//! - A draw that misses a condition is drawn again from the same stream, at
//!   most [`MAX_DRAW_TRIES`] times.

use crate::algebra::simplex::{Alternative, farkas};
use crate::algebra::{Matrix, Poly, Q, RatFunc};
use crate::language::diagnostic::closest;
use crate::language::syntax::{ConditionSyntax, DrawSyntax, Drawn, Expr, PoolSyntax, RangeSyntax};
use crate::language::{Diagnostic, Span};

use super::logic::{TruthTable, input_bit, row_text};
use super::network::{Activation, Layer};
use super::{ObjectKind, Problem, Role, Tensor, Value, eval};

/// The version of the generator described above.
pub const GENERATOR_VERSION: u32 = 1;
/// How many times a draw is tried before a condition that no draw meets
/// is reported.
pub const MAX_DRAW_TRIES: usize = 1000;
/// The most entries a drawn tensor may have.
pub const MAX_DRAWN_ENTRIES: usize = 4096;
/// The most values a range or a rational's steps may offer.
pub const MAX_POOL: u64 = 1 << 32;
/// The most inputs a drawn truth table may have (64 rows).
pub const MAX_DRAWN_TABLE_INPUTS: usize = 6;
/// The most weights a network may have for `not on a kink of NET`: each
/// try runs an exact forward pass.
pub const MAX_KINK_CHECK_WEIGHTS: usize = 1 << 16;
/// The largest size of a range's ends.
pub const MAX_DRAWN_MAGNITUDE: i64 = 1_000_000_000;

/// Which draw to make: the seed and the variant's id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrawSeed {
    pub seed: u64,
    /// `1`, `2`, … for numbered variants, a student id for a roster, empty
    /// for the draws `check` makes.
    pub variant: String,
}

impl DrawSeed {
    pub fn new(seed: u64, variant: impl Into<String>) -> DrawSeed {
        DrawSeed { seed, variant: variant.into() }
    }
}

/// SplitMix64 (see the module documentation).
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    pub fn new(state: u64) -> SplitMix64 {
        SplitMix64 { state }
    }

    /// The stream of one drawn name.
    pub fn stream(seed: &DrawSeed, problem: &str, name: &str) -> SplitMix64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let key = [
            b"nnkey-draw-1".as_slice(),
            &[0],
            seed.variant.as_bytes(),
            &[0],
            problem.as_bytes(),
            &[0],
            name.as_bytes(),
        ];
        for b in key.iter().flat_map(|p| p.iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        SplitMix64::new(seed.seed.wrapping_mul(GOLDEN) ^ h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A choice among `n > 0` values, without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= threshold {
                return x % n;
            }
        }
    }
}

/// A drawn object and the declaration that writes it out
/// (`matrix [[1, 2], [0, 1]]`), for variants and messages.
#[derive(Clone, Debug)]
pub struct DrawnValue {
    pub name: String,
    /// The whole `draw` statement.
    pub span: Span,
    /// What follows `NAME =` in a declaration of the same object.
    pub declaration: String,
}

/// The values a pool offers: `lo + k·step` for `k` in `0..count`, or a set.
enum Pool {
    Steps { low: Q, step: Q, count: u64 },
    Set(Vec<Q>),
}

impl Pool {
    fn pick(&self, rng: &mut SplitMix64) -> Q {
        match self {
            Pool::Steps { low, step, count } => {
                let k = rng.below(*count);
                low + &(step * &Q::from_int(k as i64))
            }
            Pool::Set(items) => items[rng.below(items.len() as u64) as usize].clone(),
        }
    }
}

fn number(e: &Expr, problem: &Problem) -> Result<Q, Diagnostic> {
    eval(e, problem)?
        .as_rational()
        .ok_or_else(|| Diagnostic::error(e.span, "expected a number").with_label("a draw's bounds are numbers"))
}

fn range_pool(r: &RangeSyntax, step: Option<&Expr>, problem: &Problem) -> Result<Pool, Diagnostic> {
    let (low, high) = (number(&r.low, problem)?, number(&r.high, problem)?);
    let bound = Q::from_int(MAX_DRAWN_MAGNITUDE);
    for (q, e) in [(&low, &r.low), (&high, &r.high)] {
        if q.abs() > bound {
            return Err(Diagnostic::error(e.span, format!("a range's ends are at most {MAX_DRAWN_MAGNITUDE} in size")));
        }
    }
    if low > high {
        return Err(Diagnostic::error(r.span, format!("the range {low}..{high} is empty"))
            .with_hint("write the smaller end first: `-3..3`"));
    }
    let step_q = match step {
        Some(s) => {
            let q = number(s, problem)?;
            if q <= Q::zero() {
                return Err(Diagnostic::error(s.span, "the step must be positive"));
            }
            q
        }
        None => {
            for (q, e) in [(&low, &r.low), (&high, &r.high)] {
                if !q.is_integer() {
                    return Err(Diagnostic::error(e.span, format!("`{q}` is not an integer")).with_hint(
                        "an integer range has integer ends; for fractions write `rational in -1..1 step 1/4`",
                    ));
                }
            }
            Q::from_int(1)
        }
    };
    let steps = (&(&high - &low) / &step_q).floor();
    let count = u64::try_from(steps).ok().and_then(|c| c.checked_add(1)).filter(|c| *c <= MAX_POOL);
    let Some(count) = count else {
        return Err(Diagnostic::error(r.span, format!("this range offers more than {MAX_POOL} values (MAX_POOL)")));
    };
    Ok(Pool::Steps { low, step: step_q, count })
}

fn pool_of(p: &PoolSyntax, problem: &Problem) -> Result<Pool, Diagnostic> {
    match p {
        PoolSyntax::Range(r) => range_pool(r, None, problem),
        PoolSyntax::Set(items, span) => {
            if items.is_empty() {
                return Err(Diagnostic::error(*span, "an empty set offers nothing to draw"));
            }
            Ok(Pool::Set(items.iter().map(|e| number(e, problem)).collect::<Result<_, _>>()?))
        }
    }
}

/// The conditions a draw may state.
#[derive(Clone, Debug)]
enum Condition {
    Nonzero,
    Distinct,
    FullRowRank,
    FullColumnRank,
    NotOnKink(Vec<Layer>),
    Separable(bool),
}

const CONDITIONS: &[&str] = &[
    "nonzero",
    "distinct",
    "full row rank",
    "full column rank",
    "not on a kink of",
    "linearly separable",
    "not linearly separable",
];

/// What kind of thing a draw makes, for checking its conditions.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Scalar,
    Entries,
    Matrix,
    Point(usize),
    Table,
}

fn condition(c: &ConditionSyntax, shape: Shape, problem: &Problem) -> Result<Condition, Diagnostic> {
    let words = c.words.as_str();
    let wrong = |what: &str| {
        Diagnostic::error(c.span, format!("`{words}` does not apply to {what}"))
            .with_hint("`nonzero` and `distinct` apply to numbers and tensors, `full row rank` and `full column rank` to matrices, `not on a kink of NET` to points, `linearly separable` to truth tables")
    };
    let what = match shape {
        Shape::Scalar => "a number",
        Shape::Entries => "this tensor",
        Shape::Matrix => "a matrix",
        Shape::Point(_) => "a point",
        Shape::Table => "a truth table",
    };
    Ok(match words {
        "nonzero" if shape != Shape::Table => Condition::Nonzero,
        "distinct" if shape != Shape::Table => Condition::Distinct,
        "full row rank" if shape == Shape::Matrix => Condition::FullRowRank,
        "full column rank" if shape == Shape::Matrix => Condition::FullColumnRank,
        "linearly separable" if shape == Shape::Table => Condition::Separable(true),
        "not linearly separable" if shape == Shape::Table => Condition::Separable(false),
        "not on a kink of" => {
            let Shape::Point(dim) = shape else { return Err(wrong(what)) };
            let net = c.network.as_ref().expect("the parser reads the network after `of`");
            let network = super::network::network_named(
                &Expr { kind: crate::language::syntax::ExprKind::Name(net.name.clone()), span: net.span },
                problem,
            )?;
            let concrete = network.require_concrete("not on a kink of", c.span)?;
            if let Some(span) = concrete.first_symbolic() {
                return Err(Diagnostic::error(net.span, format!("`{}` has weights that are not numbers", net.name))
                    .with_hint_at(span, "this layer")
                    .with_hint("a point is kept off the kinks of a network with numeric weights"));
            }
            let weights: usize = concrete
                .layers
                .iter()
                .map(|l| match l {
                    Layer::Dense(d) => d.weight.rows() * (d.weight.cols() + 1),
                    Layer::Activation { .. } => 0,
                })
                .sum();
            if weights > MAX_KINK_CHECK_WEIGHTS {
                return Err(Diagnostic::error(
                    c.span,
                    format!(
                        "`{}` has {weights} weights; a point is kept off the kinks of networks of at most \
                         {MAX_KINK_CHECK_WEIGHTS} (MAX_KINK_CHECK_WEIGHTS)",
                        net.name
                    ),
                ));
            }
            if concrete.input_dim != dim {
                return Err(Diagnostic::error(
                    c.span,
                    format!("`{}` takes {} inputs, the point has {dim}", net.name, concrete.input_dim),
                ));
            }
            Condition::NotOnKink(concrete.layers.clone())
        }
        w if CONDITIONS.contains(&w) => return Err(wrong(what)),
        w => {
            let mut d = Diagnostic::error(c.span, format!("unknown condition `{w}`"));
            if let Some(s) = closest(w, CONDITIONS) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            return Err(d.with_hint(format!("conditions are {}", super::args::quoted_list(CONDITIONS))));
        }
    })
}

/// What a draw made: numbers (row-major) or a table's outputs.
enum Made {
    Numbers(Vec<Q>),
    Outputs(Vec<bool>),
}

fn holds(c: &Condition, made: &Made, dims: &[usize]) -> bool {
    match (c, made) {
        (Condition::Nonzero, Made::Numbers(v)) => v.iter().all(|q| !q.is_zero()),
        (Condition::Distinct, Made::Numbers(v)) => v.iter().enumerate().all(|(k, q)| !v[..k].contains(q)),
        (Condition::FullRowRank | Condition::FullColumnRank, Made::Numbers(v)) => {
            let (r, c2) = (dims[0], dims[1]);
            let rank = Matrix::from_vec(r, c2, v.clone()).rank();
            if matches!(c, Condition::FullRowRank) { rank == r } else { rank == c2 }
        }
        (Condition::NotOnKink(layers), Made::Numbers(v)) => !on_kink(layers, v),
        (Condition::Separable(want), Made::Outputs(o)) => separable(o) == *want,
        _ => false,
    }
}

/// Whether some unit of the network sits exactly at its kink at `x`
/// (an exact forward pass; the weights are numbers).
fn on_kink(layers: &[Layer], x: &[Q]) -> bool {
    let mut v: Vec<Q> = x.to_vec();
    for l in layers {
        match l {
            Layer::Dense(d) => {
                let num = |e: &RatFunc| e.as_constant().unwrap_or_else(Q::zero);
                v = (0..d.weight.rows())
                    .map(|r| {
                        let mut s = num(&d.bias[r]);
                        for (c, xc) in v.iter().enumerate() {
                            s = &s + &(&num(d.weight.get(r, c)) * xc);
                        }
                        s
                    })
                    .collect();
            }
            Layer::Activation { activation, .. } => {
                if activation.has_kink() && v.iter().any(Q::is_zero) {
                    return true;
                }
                let slope = activation.negative_slope().as_constant().unwrap_or_else(Q::zero);
                if *activation != Activation::Identity {
                    v = v.into_iter().map(|z| if z.is_negative() { &slope * &z } else { z }).collect();
                }
            }
        }
    }
    false
}

/// Whether one threshold neuron computes the table: an exact linear
/// program, `w·x + b ≥ 1` on the rows that output 1 and `≤ −1` on the
/// others (a strict separation scaled to a margin), written as
/// `A z = 1, z ≥ 0` with `w = w⁺ − w⁻`, `b = b⁺ − b⁻` and a slack per row.
fn separable(outputs: &[bool]) -> bool {
    let rows = outputs.len();
    let n = rows.trailing_zeros() as usize;
    let cols = 2 * (n + 1) + rows;
    let a: Vec<Vec<Q>> = (0..rows)
        .map(|r| {
            let sign = if outputs[r] { Q::from_int(1) } else { Q::from_int(-1) };
            let mut row = vec![Q::zero(); cols];
            for i in 0..=n {
                let x = if i == n || input_bit(n, r, i) { sign.clone() } else { Q::zero() };
                row[2 * i] = x.clone();
                row[2 * i + 1] = -&x;
            }
            row[2 * (n + 1) + r] = Q::from_int(-1);
            row
        })
        .collect();
    matches!(farkas(&a, &vec![Q::from_int(1); rows]), Alternative::Solution(_))
}

/// Draws the object of `draw NAME = …` for the given seed.
pub fn draw(d: &DrawSyntax, seed: &DrawSeed, problem: &Problem) -> Result<(ObjectKind, DrawnValue), Diagnostic> {
    let mut rng = SplitMix64::stream(seed, &problem.id, &d.name.name);
    // What to draw: a pool per entry and the entries' count, or a table.
    let (shape, dims, pool, role): (Shape, Vec<usize>, Option<Pool>, Option<Role>) = match &d.what {
        Drawn::Integer { range } => (Shape::Scalar, vec![], Some(range_pool(range, None, problem)?), None),
        Drawn::Rational { range, step } => (Shape::Scalar, vec![], Some(range_pool(range, Some(step), problem)?), None),
        Drawn::Tensor { kind, shape, from } => {
            let dims = shape.dims.clone();
            if dims.contains(&0) {
                return Err(Diagnostic::error(shape.span, "every dimension must be at least 1"));
            }
            let total = dims.iter().try_fold(1usize, |a, &x| a.checked_mul(x));
            if total.is_none_or(|t| t > MAX_DRAWN_ENTRIES) {
                return Err(Diagnostic::error(
                    shape.span,
                    format!("a drawn tensor has at most {MAX_DRAWN_ENTRIES} entries (MAX_DRAWN_ENTRIES)"),
                ));
            }
            let (s, role) = if kind.name == "point" {
                if dims.len() != 1 {
                    return Err(Diagnostic::error(shape.span, "a point has one dimension: `point 2`"));
                }
                (Shape::Point(dims[0]), None)
            } else {
                let role = Role::from_word(&kind.name).expect("the parser reads tensor kinds only");
                if !role.ranks().contains(&dims.len()) {
                    return Err(Diagnostic::error(shape.span, role.wrong_rank(dims.len())).with_hint(role.shape_help()));
                }
                (if dims.len() == 2 && kind.name == "matrix" { Shape::Matrix } else { Shape::Entries }, Some(role))
            };
            (s, dims, Some(pool_of(from, problem)?), role)
        }
        Drawn::Table { inputs, span } => {
            if inputs.is_empty() || inputs.len() > MAX_DRAWN_TABLE_INPUTS {
                return Err(Diagnostic::error(
                    *span,
                    format!("a drawn truth table has 1 to {MAX_DRAWN_TABLE_INPUTS} inputs (MAX_DRAWN_TABLE_INPUTS)"),
                ));
            }
            for (k, input) in inputs.iter().enumerate() {
                if let Some(first) = inputs[..k].iter().find(|p| p.name == input.name) {
                    return Err(Diagnostic::error(input.span, format!("the input `{}` is named twice", input.name))
                        .with_hint_at(first.span, "first named here"));
                }
            }
            (Shape::Table, vec![inputs.len()], None, None)
        }
    };
    let conditions: Vec<(Condition, &ConditionSyntax)> =
        d.conditions.iter().map(|c| Ok((condition(c, shape, problem)?, c))).collect::<Result<_, Diagnostic>>()?;
    let mut misses = vec![0usize; conditions.len()];
    for _ in 0..MAX_DRAW_TRIES {
        let made = match &pool {
            Some(p) => Made::Numbers((0..dims.iter().product::<usize>()).map(|_| p.pick(&mut rng)).collect()),
            None => Made::Outputs((0..1usize << dims[0]).map(|_| rng.below(2) == 1).collect()),
        };
        match conditions.iter().position(|(c, _)| !holds(c, &made, &dims)) {
            Some(k) => misses[k] += 1,
            None => return Ok(made_object(d, shape, &dims, role, made)),
        }
    }
    let k = (0..misses.len()).max_by_key(|&k| misses[k]).unwrap_or(0);
    let c = conditions[k].1;
    let words = match &c.network {
        Some(net) => format!("{} {}", c.words, net.name),
        None => c.words.clone(),
    };
    Err(Diagnostic::error(c.span, format!("no draw satisfies `{words}` in {MAX_DRAW_TRIES} tries"))
        .with_label("never met")
        .with_hint(format!("the limit is MAX_DRAW_TRIES = {MAX_DRAW_TRIES}: widen the range or drop the condition")))
}

fn nested(values: &[Q], dims: &[usize]) -> String {
    match dims {
        [] | [_] => format!("[{}]", values.iter().map(Q::to_string).collect::<Vec<_>>().join(", ")),
        [first, rest @ ..] => {
            let size = values.len() / first;
            let parts: Vec<String> = values.chunks(size.max(1)).map(|c| nested(c, rest)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn made_object(
    d: &DrawSyntax,
    shape: Shape,
    dims: &[usize],
    role: Option<Role>,
    made: Made,
) -> (ObjectKind, DrawnValue) {
    let (kind, declaration) = match (made, &d.what) {
        (Made::Outputs(outputs), Drawn::Table { inputs, .. }) => {
            let n = inputs.len();
            let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
            let rows: Vec<String> =
                (0..outputs.len()).map(|r| format!("{}: {}", row_text(n, r), u8::from(outputs[r]))).collect();
            let text = format!("truth table ({}) {{ {} }}", names.join(", "), rows.join(", "));
            (ObjectKind::Table(TruthTable { inputs: names, outputs }), text)
        }
        (Made::Numbers(v), _) => match (shape, role) {
            (Shape::Scalar, _) | (Shape::Point(1), _) => {
                (ObjectKind::Value(Value::scalar(v[0].clone())), v[0].to_string())
            }
            (Shape::Point(_), _) => {
                let m = Matrix::column(v.iter().cloned().map(RatFunc::constant).collect());
                (ObjectKind::Value(Value::Matrix(m)), nested(&v, dims))
            }
            (_, Some(role)) => {
                let word = match &d.what {
                    Drawn::Tensor { kind, .. } => kind.name.clone(),
                    _ => String::new(),
                };
                let text = format!("{word} {}", nested(&v, dims));
                let entries = v.into_iter().map(Poly::constant).collect();
                (
                    ObjectKind::Tensor(Tensor {
                        role,
                        shape: dims.to_vec(),
                        entries,
                        symbol: None,
                        written: true,
                        sizes: None,
                    }),
                    text,
                )
            }
            _ => unreachable!("a tensor draw has a role"),
        },
        (Made::Outputs(_), _) => unreachable!("only tables draw outputs"),
    };
    (kind, DrawnValue { name: d.name.name.clone(), span: d.span, declaration })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator is part of the file format: these numbers must never
    /// change (see the module documentation).
    #[test]
    fn pinned_draws() {
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut s = SplitMix64::stream(&DrawSeed::new(7, "1"), "q1", "K");
        let picks: Vec<u64> = (0..12).map(|_| s.below(7)).collect();
        assert_eq!(picks, PINNED_PICKS);
        let mut s = SplitMix64::stream(&DrawSeed::new(7, "ada"), "3.1", "X");
        let picks: Vec<u64> = (0..6).map(|_| s.below(1 << 40)).collect();
        assert_eq!(picks, PINNED_WIDE);
    }

    /// Whole draws of a fixed problem, as declarations: the pools, the
    /// row-major order and the conditions' retries are pinned with the
    /// generator.
    #[test]
    fn pinned_declarations() {
        let text = "problem 3.1\n  draw a = integer in -3..3 where nonzero\n  \
                    draw r = rational in -1..1 step 1/4\n  draw K = kernel 1x1x2x2 from {-2, -1, 1, 2}\n  \
                    draw X = matrix 2x3 from -2..2 where full row rank\n  draw p = point 2 from 0..5 where distinct\n  \
                    draw T = truth table (x1, x2, x3) where not linearly separable\n";
        let (file, errors) = crate::language::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let drawn = |seed: u64, variant: &str| -> Vec<String> {
            let (p, errors) =
                super::super::elaborate_in(&file.problems[0], &[], &DrawSeed::new(seed, variant), &Default::default());
            assert!(errors.is_empty(), "{errors:?}");
            p.drawn.iter().map(|d| format!("{} = {}", d.name, d.declaration)).collect()
        };
        assert_eq!(drawn(7, "ada"), PINNED_DECLARATIONS);
        assert_eq!(drawn(7, "ada"), drawn(7, "ada"));
        assert_ne!(drawn(7, "ada"), drawn(7, "bob"));
        assert_ne!(drawn(7, "ada"), drawn(8, "ada"));
    }

    const PINNED_DECLARATIONS: [&str; 6] = [
        "a = 2",
        "r = 0",
        "K = kernel [[[[-1, 1], [2, -2]]]]",
        "X = matrix [[0, 0, -2], [-2, -2, -1]]",
        "p = [4, 3]",
        "T = truth table (x1, x2, x3) { 000: 1, 001: 0, 010: 1, 011: 0, 100: 1, 101: 1, 110: 0, 111: 1 }",
    ];

    const PINNED_PICKS: [u64; 12] = [5, 2, 0, 4, 2, 3, 3, 3, 3, 5, 2, 1];
    const PINNED_WIDE: [u64; 6] = [87428218293, 631407057669, 551094591387, 26789523751, 868618045801, 966000051449];

    #[test]
    fn choices_are_unbiased_and_cover_the_range() {
        let mut g = SplitMix64::new(42);
        let mut counts = [0usize; 5];
        for _ in 0..50_000 {
            counts[g.below(5) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        // The rejection threshold: 2^64 mod 3 = 1, so output 0 is rejected.
        assert_eq!(3u64.wrapping_neg() % 3, 1);
    }

    #[test]
    fn separability_is_decided_exactly() {
        let and = [false, false, false, true];
        let xor = [false, true, true, false];
        assert!(separable(&and));
        assert!(!separable(&xor));
        assert!(separable(&[true, true]));
        assert!(!separable(&[false, true, true, false, true, false, false, true]));
    }
}
