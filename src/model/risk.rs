//! The test risk of minimum-norm fits: `risk of minimum-norm least
//! squares(n: 10, d: 20, noise: 1/4, signal: 1)`, over a range of one size
//! (`over d from 1 to 60`), and the simulated risk of random ReLU features.
//!
//! The setting (Belkin, Hsu and Xu 2019): n examples x ~ N(0, I_d), targets
//! y = xᵀβ + ε with ε ~ N(0, σ²) and ‖β‖² = r²; `noise` is σ², `signal`
//! is r². The sizes n and d are whole numbers or symbols; σ² and r² are
//! numbers at least 0 or symbols. Everything that can be checked on the
//! query is checked here, with spans.

use crate::algebra::{Poly, RatFunc};
use crate::language::syntax::{Expr, RiskModel, RiskSyntax, SweepSyntax};
use crate::language::{Diagnostic, Span};

use super::args::{CallArgs, LARGEST_COUNT, quoted_list};
use super::value::{Scope, eval};

/// The most points a range (`over d from 1 to 1000`) may have: each is an
/// exact risk in the table and, for a simulation, a set of trials.
pub const MAX_SWEEP_POINTS: usize = 1000;

/// The largest size (n, d or p) a simulated query may ask for: each trial
/// draws and solves an n×d system, and a range of sizes solves one per point.
pub const MAX_SIMULATED_SIZE: usize = 400;

/// Which size a range runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepVar {
    /// The number of examples n (sample-wise).
    N,
    /// The number of features d (model-wise).
    D,
    /// The number of random features p.
    P,
}

impl SweepVar {
    pub fn name(self) -> &'static str {
        match self {
            SweepVar::N => "n",
            SweepVar::D => "d",
            SweepVar::P => "p",
        }
    }
}

/// `over d from 1 to 60`, checked.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub var: SweepVar,
    pub from: usize,
    pub to: usize,
    pub span: Span,
}

impl Sweep {
    pub fn points(&self) -> impl Iterator<Item = usize> {
        self.from..=self.to
    }

    pub fn len(&self) -> usize {
        self.to - self.from + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A risk query, read and checked.
#[derive(Clone, Debug)]
pub struct RiskQuery {
    pub model: RiskModel,
    /// The number of examples n: a whole number or a polynomial.
    pub n: Poly,
    /// The number of features d (the input dimension for random features);
    /// unused (zero) when the range runs over d.
    pub d: Poly,
    /// σ², the noise variance.
    pub noise: RatFunc,
    /// r² = ‖β‖², the signal strength.
    pub signal: RatFunc,
    pub sweep: Option<Sweep>,
    pub span: Span,
}

impl RiskQuery {
    /// n as a number, when it is one.
    pub fn n_value(&self) -> Option<usize> {
        size_value(&self.n)
    }

    /// d as a number, when it is one.
    pub fn d_value(&self) -> Option<usize> {
        size_value(&self.d)
    }

    /// Whether n, d, σ² and r² are all numbers.
    pub fn is_numeric(&self) -> bool {
        self.n.is_constant()
            && self.d.is_constant()
            && self.noise.as_constant().is_some()
            && self.signal.as_constant().is_some()
    }
}

fn size_value(p: &Poly) -> Option<usize> {
    p.as_constant()?.to_i64().and_then(|v| usize::try_from(v).ok())
}

const USAGE: &str = "write `risk of minimum-norm least squares(n: 10, d: 20, noise: 1/4, signal: 1)`: \
                     n examples, d features, the noise variance σ² and the signal ‖β‖² = r²";
const RELU_USAGE: &str = "write `simulated risk of random relu features(n: 20, d: 10, noise: 1/4, signal: 1) \
                          over p from 1 to 60`: n examples of dimension d, p random features";

/// Reads a risk query.
pub fn elaborate(r: &RiskSyntax, span: Span, scope: &dyn Scope) -> Result<RiskQuery, Diagnostic> {
    let (callee, usage, known): (&str, &str, &[&str]) = match r.model {
        RiskModel::MinimumNorm => ("minimum-norm least squares", USAGE, &["n", "d", "noise", "signal"]),
        RiskModel::ReluFeatures => ("random relu features", RELU_USAGE, &["n", "d", "noise", "signal"]),
    };
    let mut args = CallArgs::new(callee, r.model_span, &r.args)?;
    if let Some(p) = args.positional().first() {
        return Err(Diagnostic::error(p.span, format!("`{callee}` takes named arguments only"))
            .with_label("name this argument")
            .with_hint(usage));
    }
    let sweep = match &r.sweep {
        None => None,
        Some(s) => Some(sweep(s, r.model, scope)?),
    };
    let swept = sweep.as_ref().map(|s| s.var);
    let mut size = |name: &str, var: SweepVar| -> Result<Poly, Diagnostic> {
        let given = args.take(name);
        match (given, swept == Some(var)) {
            (Some(e), true) => Err(Diagnostic::error(e.span, format!("`{name}` is the size the range runs over"))
                .with_label("leave this out")
                .with_hint(format!("`over {name} from … to …` gives every value of `{name}`"))),
            (None, true) => Ok(Poly::zero()),
            (Some(e), false) => dimension(e, scope, name),
            (None, false) => Err(Diagnostic::error(r.model_span, format!("`{callee}` needs `{name}`"))
                .with_label(format!("`{name}` is missing"))
                .with_hint(usage)),
        }
    };
    let n = size("n", SweepVar::N)?;
    let d = size("d", SweepVar::D)?;
    let mut variance = |name: &str| -> Result<RatFunc, Diagnostic> {
        match args.take(name) {
            Some(e) => nonnegative(e, scope, name),
            None => Err(Diagnostic::error(r.model_span, format!("`{callee}` needs `{name}`"))
                .with_label(format!("`{name}` is missing"))
                .with_hint(usage)),
        }
    };
    let noise = variance("noise")?;
    let signal = variance("signal")?;
    args.finish(known)?;
    let q = RiskQuery { model: r.model, n, d, noise, signal, sweep, span };
    if r.model == RiskModel::ReluFeatures && q.sweep.is_none() {
        return Err(Diagnostic::error(span, "random features are simulated over a range of feature counts")
            .with_hint("add `over p from 1 to 60`: no exact formula is claimed for a single p"));
    }
    if q.sweep.is_some() && !q.is_numeric() {
        return Err(Diagnostic::error(r.model_span, "a range of sizes needs numbers for the other arguments")
            .with_label("a symbol here")
            .with_hint("give n or d, noise and signal as numbers; a single risk may be symbolic"));
    }
    if r.model == RiskModel::ReluFeatures {
        for (name, v) in [("n", q.n_value()), ("d", q.d_value())] {
            if v.is_some_and(|v| v > MAX_SIMULATED_SIZE) {
                return Err(Diagnostic::error(
                    r.model_span,
                    format!("`{name}` is above the simulation limit of {MAX_SIMULATED_SIZE}"),
                )
                .with_hint("random features are only simulated; choose smaller sizes"));
            }
        }
    }
    Ok(q)
}

/// `over d from 1 to 60`, checked against the model.
fn sweep(s: &SweepSyntax, model: RiskModel, scope: &dyn Scope) -> Result<Sweep, Diagnostic> {
    let var = match (model, s.var.name.as_str()) {
        (RiskModel::MinimumNorm, "n") => SweepVar::N,
        (RiskModel::MinimumNorm, "d") => SweepVar::D,
        (RiskModel::ReluFeatures, "p") => SweepVar::P,
        (m, other) => {
            let allowed: &[&str] = if m == RiskModel::MinimumNorm { &["n", "d"] } else { &["p"] };
            return Err(Diagnostic::error(s.var.span, format!("the range cannot run over `{other}`"))
                .with_label(format!("expected {}", quoted_list(allowed)))
                .with_hint("model-wise: `over d from 1 to 60`; sample-wise: `over n from 1 to 60`; random features: `over p from 1 to 60`"));
        }
    };
    let from = super::args::count(&s.from, scope, "the start of the range", 1)?;
    let to = super::args::count(&s.to, scope, "the end of the range", 1)?;
    if to < from {
        return Err(Diagnostic::error(s.span, format!("the range ends at {to}, before it starts at {from}"))
            .with_label("an empty range"));
    }
    if to - from + 1 > MAX_SWEEP_POINTS {
        return Err(Diagnostic::error(
            s.span,
            format!("this range has {} points, over the limit of {MAX_SWEEP_POINTS}", to - from + 1),
        )
        .with_hint("choose a shorter range"));
    }
    if model == RiskModel::ReluFeatures && to > MAX_SIMULATED_SIZE {
        return Err(Diagnostic::error(
            s.span,
            format!("`p` reaches {to}, above the simulation limit of {MAX_SIMULATED_SIZE}"),
        )
        .with_hint("random features are only simulated; choose a smaller range"));
    }
    Ok(Sweep { var, from, to, span: s.span })
}

/// A size: a whole number at least 1 (at most [`LARGEST_COUNT`]), or a
/// polynomial in symbols.
fn dimension(e: &Expr, scope: &dyn Scope, name: &str) -> Result<Poly, Diagnostic> {
    let v = eval(e, scope)?;
    let Some(s) = v.as_scalar() else {
        return Err(Diagnostic::error(e.span, format!("`{name}` must be a whole number or a symbol"))
            .with_label(format!("this is {}", v.describe())));
    };
    if s.as_constant().is_some() {
        let k = super::args::count(e, scope, &format!("`{name}`"), 1)?;
        debug_assert!(k <= LARGEST_COUNT);
        return Ok(Poly::constant(crate::algebra::Q::from_int(k as i64)));
    }
    s.as_poly().cloned().ok_or_else(|| {
        Diagnostic::error(e.span, format!("`{name}` must be a whole number or a polynomial"))
            .with_label("a quotient is not a size")
    })
}

/// σ² or r²: a number at least 0, or an expression in symbols.
fn nonnegative(e: &Expr, scope: &dyn Scope, name: &str) -> Result<RatFunc, Diagnostic> {
    let v = eval(e, scope)?;
    let Some(s) = v.as_scalar() else {
        return Err(Diagnostic::error(e.span, format!("`{name}` must be a number or a symbol"))
            .with_label(format!("this is {}", v.describe())));
    };
    if let Some(q) = s.as_constant()
        && q.is_negative()
    {
        return Err(Diagnostic::error(
            e.span,
            format!("`{name}` is a variance or a squared norm: it cannot be negative"),
        )
        .with_label(format!("this is {q}")));
    }
    Ok(s)
}
