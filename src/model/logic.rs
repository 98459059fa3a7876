//! Truth tables and networks of threshold units.
//!
//! A [`TruthTable`] lists one output bit for each of the 2ⁿ combinations of
//! its n named inputs. Rows are numbered with the first input as the most
//! significant bit, so row r of a two-input table is `00`, `01`, `10`, `11`
//! for r = 0, 1, 2, 3, the order a student writes them in. The file may
//! list rows in any order; elaboration checks that every row is there
//! exactly once, has one bit per input, and outputs 0 or 1.
//!
//! A threshold unit outputs `step(w·x + b)`, where `step(z)` is 1 when
//! `z ≥ 0` and 0 when `z < 0` (the problem set's convention). A
//! [`ThresholdNetwork`] stacks layers of such units, or of ReLUs, and ends
//! in a single threshold unit, so that it computes a truth table.

use crate::algebra::Q;
use crate::language::syntax::{Expr, Ident, ThresholdLayerSyntax, ThresholdNetworkSyntax, TruthTableSyntax};
use crate::language::{Diagnostic, Span};

use super::args::closest;
use super::value::{Value, eval};
use super::{ObjectKind, Problem};

/// The most inputs a truth table may have: 65536 rows.
pub const MAX_INPUTS: usize = 16;

/// The most inputs `threshold functions of N inputs` counts for.
pub const MAX_CENSUS_INPUTS: usize = 5;

/// A Boolean function of named inputs, by its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TruthTable {
    pub inputs: Vec<String>,
    /// The output of row r, for r in 0..2ⁿ.
    pub outputs: Vec<bool>,
}

/// Bit i (0-based, the first input is 0) of row r of an n-input table.
pub fn input_bit(n: usize, row: usize, i: usize) -> bool {
    (row >> (n - 1 - i)) & 1 == 1
}

/// Row r of an n-input table written as its bits, `01`.
pub fn row_text(n: usize, row: usize) -> String {
    (0..n).map(|i| if input_bit(n, row, i) { '1' } else { '0' }).collect()
}

impl TruthTable {
    /// A table from its outputs, in row order; `outputs` has 2ⁿ entries.
    pub fn new(inputs: Vec<String>, outputs: Vec<bool>) -> TruthTable {
        assert_eq!(outputs.len(), 1 << inputs.len(), "one output per row");
        TruthTable { inputs, outputs }
    }

    /// The table of `f` on inputs named x1 … xn.
    pub fn from_fn(n: usize, f: impl Fn(usize) -> bool) -> TruthTable {
        TruthTable::new((1..=n).map(|i| format!("x{i}")).collect(), (0..1usize << n).map(f).collect())
    }

    /// The number of inputs.
    pub fn n(&self) -> usize {
        self.inputs.len()
    }

    /// The number of rows, 2ⁿ.
    pub fn rows(&self) -> usize {
        self.outputs.len()
    }

    /// The inputs of row r as 0/1 values.
    pub fn row_values(&self, row: usize) -> Vec<u8> {
        (0..self.n()).map(|i| u8::from(input_bit(self.n(), row, i))).collect()
    }

    pub fn row_text(&self, row: usize) -> String {
        row_text(self.n(), row)
    }

    /// `x1 = 0, x2 = 1` for row 01.
    pub fn row_assignment(&self, row: usize) -> String {
        let vals = self.row_values(row);
        self.inputs.iter().zip(vals).map(|(name, v)| format!("{name} = {v}")).collect::<Vec<_>>().join(", ")
    }

    /// How many rows output 1.
    pub fn ones(&self) -> usize {
        self.outputs.iter().filter(|&&o| o).count()
    }
}

/// "1 unit", "2 units", "3 entries".
pub fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// Reads and checks a `truth table (…) { … }` declaration.
pub fn table(syntax: &TruthTableSyntax, problem: &Problem) -> Result<TruthTable, Diagnostic> {
    let n = syntax.inputs.len();
    if n == 0 {
        return Err(Diagnostic::error(syntax.inputs_span, "a truth table needs at least one input")
            .with_hint("name the inputs: `truth table (x1, x2) { … }`"));
    }
    for (k, input) in syntax.inputs.iter().enumerate() {
        if let Some(first) = syntax.inputs[..k].iter().find(|p| p.name == input.name) {
            return Err(Diagnostic::error(input.span, format!("the input `{}` is named twice", input.name))
                .with_label("second time")
                .with_hint_at(first.span, "first named here"));
        }
    }
    if n > MAX_INPUTS {
        return Err(Diagnostic::error(syntax.inputs_span, format!("a truth table of {n} inputs has 2^{n} rows"))
            .with_label(format!("{n} inputs"))
            .with_hint(format!("nnkey handles truth tables of up to {MAX_INPUTS} inputs ({} rows)", 1 << MAX_INPUTS)));
    }
    let names: Vec<&str> = syntax.inputs.iter().map(|i| i.name.as_str()).collect();
    let mut outputs: Vec<Option<(bool, Span)>> = vec![None; 1 << n];
    let mut default: Option<(bool, Span)> = None;
    for row in &syntax.rows {
        let out = output_bit(&row.output, problem)?;
        let Some(bits) = &row.bits else {
            if let Some((_, first)) = default {
                return Err(Diagnostic::error(row.bits_span, "the default row `_` is given twice")
                    .with_hint_at(first, "first given here"));
            }
            default = Some((out, row.bits_span));
            continue;
        };
        if bits.len() != n {
            return Err(Diagnostic::error(
                row.bits_span,
                format!("this row has {} bits, but the table has {n} inputs", bits.len()),
            )
            .with_label(format!("expected {n} bits, one for each of {}", names.join(", ")))
            .with_hint("a row lists the inputs' values in order, then the output: `01: 1`"));
        }
        let r = bits.bytes().fold(0usize, |acc, b| acc * 2 + usize::from(b == b'1'));
        if let Some((_, first)) = outputs[r] {
            return Err(Diagnostic::error(row.bits_span, format!("row {bits} is given twice"))
                .with_label("second time")
                .with_hint_at(first, "first given here"));
        }
        outputs[r] = Some((out, row.bits_span));
    }
    let missing: Vec<usize> = (0..1 << n).filter(|&r| outputs[r].is_none()).collect();
    if !missing.is_empty() && default.is_none() {
        let shown: Vec<String> = missing.iter().take(4).map(|&r| row_text(n, r)).collect();
        let what = match missing.len() {
            1 => format!("row {} is missing", shown[0]),
            k if k <= 4 => format!("rows {} are missing", shown.join(", ")),
            k => format!("{k} rows are missing, the first {}", shown.join(", ")),
        };
        return Err(Diagnostic::error(syntax.span, format!("{what} from the truth table"))
            .with_label(format!("{} inputs need all {} rows", n, 1 << n))
            .with_hint("list every row, or give `_: 0` (or `_: 1`) for the rows not listed"));
    }
    let fill = default.map(|d| d.0);
    let outputs = outputs.into_iter().map(|o| o.map(|o| o.0).or(fill).expect("checked above")).collect();
    Ok(TruthTable::new(syntax.inputs.iter().map(|i| i.name.clone()).collect(), outputs))
}

/// A row's output: 0, 1, `false` or `true`.
fn output_bit(e: &Expr, problem: &Problem) -> Result<bool, Diagnostic> {
    let v = eval(e, problem)?;
    match &v {
        Value::Bool(b) => return Ok(*b),
        _ => {
            if let Some(q) = v.as_rational() {
                if q.is_zero() {
                    return Ok(false);
                }
                if q.is_one() {
                    return Ok(true);
                }
            }
        }
    }
    let shown = match v.as_rational() {
        Some(q) => q.to_string(),
        None => v.describe(),
    };
    Err(Diagnostic::error(e.span, "an output must be 0 or 1")
        .with_label(format!("this is {shown}"))
        .with_hint("a truth table's outputs are bits"))
}

/// The truth table a name refers to.
pub fn table_named(name: &Ident, problem: &Problem) -> Result<TruthTable, Diagnostic> {
    match problem.object(&name.name).map(|o| &o.kind) {
        Some(ObjectKind::Table(t)) => Ok(t.clone()),
        Some(_) => Err(Diagnostic::error(name.span, format!("`{}` is not a truth table", name.name))
            .with_hint(format!("declare it as `{} = truth table (x1, x2) {{ … }}`", name.name))),
        None => {
            let tables: Vec<&str> = problem
                .objects
                .iter()
                .filter(|o| matches!(o.kind, ObjectKind::Table(_)))
                .map(|o| o.name.as_str())
                .collect();
            let mut d = Diagnostic::error(name.span, format!("unknown truth table `{}`", name.name))
                .with_label("not declared in this problem");
            if let Some(s) = closest(&name.name, &tables) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            } else {
                d = d.with_hint(format!("declare it first: `{} = truth table (x1, x2) {{ … }}`", name.name));
            }
            Err(d)
        }
    }
}

// ---------------------------------------------------------------------------
// Networks of threshold units
// ---------------------------------------------------------------------------

/// What a layer applies to its affine map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// 1 if z ≥ 0, else 0: a threshold unit.
    Step,
    /// max(0, z).
    Relu,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::Step => "step",
            Activation::Relu => "relu",
        }
    }

    pub fn apply(self, z: &Q) -> Q {
        match self {
            Activation::Step => {
                if z.is_negative() {
                    Q::zero()
                } else {
                    Q::one()
                }
            }
            Activation::Relu => {
                if z.is_negative() {
                    Q::zero()
                } else {
                    z.clone()
                }
            }
        }
    }
}

/// `activation(W x + b)`, with W given by its rows (one per unit).
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub activation: Activation,
    pub weights: Vec<Vec<Q>>,
    pub bias: Vec<Q>,
}

impl Layer {
    pub fn units(&self) -> usize {
        self.weights.len()
    }

    /// The pre-activations W x + b.
    pub fn affine(&self, x: &[Q]) -> Vec<Q> {
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(row, b)| row.iter().zip(x).fold(b.clone(), |acc, (w, xi)| &acc + &(w * xi)))
            .collect()
    }
}

/// Layers applied in order; the last is one threshold unit.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdNetwork {
    pub layers: Vec<Layer>,
}

impl ThresholdNetwork {
    /// Every layer's pre-activations and outputs on input `x`, exactly.
    pub fn trace(&self, x: &[Q]) -> Vec<(Vec<Q>, Vec<Q>)> {
        let mut current = x.to_vec();
        let mut out = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let z = layer.affine(&current);
            let a: Vec<Q> = z.iter().map(|zi| layer.activation.apply(zi)).collect();
            current = a.clone();
            out.push((z, a));
        }
        out
    }

    /// The network's output bit on input `x`.
    pub fn output(&self, x: &[Q]) -> bool {
        self.trace(x).last().is_some_and(|(_, a)| a.first().is_some_and(Q::is_one))
    }
}

/// A query about a table: `threshold neuron for TABLE`.
#[derive(Clone, Debug)]
pub struct NeuronQuery {
    pub table_name: String,
    pub table: TruthTable,
}

/// `threshold network { … } on TABLE`.
#[derive(Clone, Debug)]
pub struct NetworkQuery {
    pub network: ThresholdNetwork,
    pub table_name: String,
    pub table: TruthTable,
}

pub fn neuron_query(name: &Ident, problem: &Problem) -> Result<NeuronQuery, Diagnostic> {
    Ok(NeuronQuery { table_name: name.name.clone(), table: table_named(name, problem)? })
}

pub fn network_query(
    net: &ThresholdNetworkSyntax,
    name: &Ident,
    problem: &Problem,
) -> Result<NetworkQuery, Diagnostic> {
    let table = table_named(name, problem)?;
    let network = network(net, table.n(), &name.name, problem)?;
    Ok(NetworkQuery { network, table_name: name.name.clone(), table })
}

/// `threshold functions of N inputs`, for N up to [`MAX_CENSUS_INPUTS`].
pub fn census_query(inputs: usize, span: Span) -> Result<usize, Diagnostic> {
    if inputs > MAX_CENSUS_INPUTS {
        return Err(Diagnostic::error(
            span,
            format!("nnkey counts threshold functions of at most {MAX_CENSUS_INPUTS} inputs"),
        )
        .with_label(format!("{inputs} inputs"))
        .with_hint(format!(
            "there are 2^(2^{inputs}) Boolean functions of {inputs} inputs, too many to decide one by one"
        )));
    }
    Ok(inputs)
}

/// Reads and checks a network for a table with `inputs` inputs.
fn network(
    syntax: &ThresholdNetworkSyntax,
    inputs: usize,
    table: &str,
    problem: &Problem,
) -> Result<ThresholdNetwork, Diagnostic> {
    if syntax.layers.is_empty() {
        return Err(Diagnostic::error(syntax.span, "a network needs at least one layer")
            .with_hint("end with one threshold unit: `{ step [[1, 1]] + [-2] }`"));
    }
    let mut layers: Vec<Layer> = Vec::with_capacity(syntax.layers.len());
    let mut width = inputs;
    for (k, l) in syntax.layers.iter().enumerate() {
        let layer = layer(l, width, k == 0, table, problem)?;
        width = layer.units();
        layers.push(layer);
    }
    let last = syntax.layers.last().expect("at least one layer");
    let out = layers.last().expect("at least one layer");
    if out.activation != Activation::Step || out.units() != 1 {
        return Err(Diagnostic::error(last.span, "the last layer must be a single threshold unit")
            .with_label(format!("this layer has {} {}", count(out.units(), "unit"), out.activation.name()))
            .with_hint("the output is compared with the table's 0/1 outputs: end with `step [[…]] + [b]`"));
    }
    Ok(ThresholdNetwork { layers })
}

/// One layer taking `width` inputs.
fn layer(
    l: &ThresholdLayerSyntax,
    width: usize,
    first: bool,
    table: &str,
    problem: &Problem,
) -> Result<Layer, Diagnostic> {
    let activation = match l.activation.name.as_str() {
        "step" => Activation::Step,
        "relu" => Activation::Relu,
        other => {
            let mut d = Diagnostic::error(l.activation.span, format!("unknown activation `{other}`"))
                .with_label("expected `step` or `relu`");
            if let Some(s) = closest(other, &["step", "relu"]) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            return Err(d.with_hint("`step` is a threshold unit (1 if W x + b ≥ 0, else 0)"));
        }
    };
    let source =
        if first { format!("the {width} inputs of `{table}`") } else { format!("the {width} units before it") };
    let rows = weight_rows(&l.weights, width, problem)?;
    if let Some(bad) = rows.iter().find(|r| r.len() != width) {
        return Err(Diagnostic::error(
            l.weights.span,
            format!("this layer reads {source}, so each row of its weights needs {width} entries"),
        )
        .with_label(format!("a row with {} entries", bad.len()))
        .with_hint("the weights have one row per unit and one column per input of the layer"));
    }
    let units = rows.len();
    let bias = match &l.bias {
        None => vec![Q::zero(); units],
        Some(e) => {
            let v = eval(e, problem)?;
            let items = match v.as_rational() {
                Some(q) => vec![q],
                None => v
                    .items()
                    .and_then(|it| it.iter().map(Value::as_rational).collect::<Option<Vec<_>>>())
                    .ok_or_else(|| {
                        Diagnostic::error(e.span, "a bias is a number or a list of numbers")
                            .with_label(format!("this is {}", v.describe()))
                    })?,
            };
            if items.len() != units {
                return Err(Diagnostic::error(
                    e.span,
                    format!("the layer has {}, so its bias needs {}", count(units, "unit"), count(units, "entry")),
                )
                .with_label(format!("{} given", items.len())));
            }
            items
        }
    };
    Ok(Layer { activation, weights: rows, bias })
}

/// The rows of a weight matrix. A flat list `[1, -2]` is one unit's row
/// when the layer has that many inputs (a column of several units each
/// reading one input is written `[[1], [-2]]`).
fn weight_rows(e: &Expr, width: usize, problem: &Problem) -> Result<Vec<Vec<Q>>, Diagnostic> {
    let v = eval(e, problem)?;
    let not_numbers = || {
        Diagnostic::error(e.span, "weights must be a matrix of numbers")
            .with_label(format!("this is {}", v.describe()))
            .with_hint("write one row per unit: `[[1, 1], [1, 1]]`")
    };
    super::value::dense_budget(&v).map_err(|m| Diagnostic::error(e.span, m))?;
    let m = match &v {
        Value::Matrix(m) => m.clone(),
        _ => match v.as_matrix() {
            Some(m) => m,
            None => return Err(not_numbers()),
        },
    };
    let mut rows = Vec::with_capacity(m.rows());
    for r in 0..m.rows() {
        let row: Option<Vec<Q>> = m.row(r).iter().map(|x| x.as_constant()).collect();
        rows.push(row.ok_or_else(not_numbers)?);
    }
    let flat = matches!(&e.kind, crate::language::syntax::ExprKind::List(items)
        if items.iter().all(|it| !matches!(it.kind, crate::language::syntax::ExprKind::List(_))));
    if flat && width != 1 && rows.len() == width && rows.iter().all(|r| r.len() == 1) {
        return Ok(vec![rows.into_iter().map(|r| r[0].clone()).collect()]);
    }
    Ok(rows)
}
