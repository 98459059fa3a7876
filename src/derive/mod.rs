//! Derivations: one module per family of problems. Each turns a query into
//! a [`Finding`]: the exact value, the derivation as steps a student can
//! follow, and how to judge a key against it.
//!
//! **Invariant.** A finding is exact and complete, or the query is an error
//! that says why; nothing here guesses or rounds.

pub mod budget;
pub mod cells;
pub mod census;
pub mod conv;
pub mod cross_entropy;
pub mod equivalence;
pub mod explain;
pub mod gradient;
pub mod input_gradient;
pub mod logic;
pub mod perturbation;
pub mod perturbation_query;
pub mod piece;
pub mod pieces;
pub mod plane;
pub mod regions;
pub mod risk;
pub mod sizes;
pub mod visualization;

use crate::language::Diagnostic;
use crate::model::{Find, Problem, Query, Value, compare};

pub use explain::{Block, Depth, Explanation, Letters, Step, Table};

/// The outcome of a numeric cross-check.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossCheck {
    /// What was compared with what, in a sentence.
    pub method: String,
    pub trials: usize,
    /// The check ran at least one trial and agreed with the derivation.
    pub passed: bool,
    /// The check could not be made, e.g. because the numbers lie beyond
    /// what floating point represents or resolves: neither passed nor
    /// failed, and said so (`passed` is false).
    pub unchecked: bool,
    /// The measured agreement, e.g. the largest difference seen.
    pub detail: String,
}

impl CrossCheck {
    /// A check that could not be made, and why.
    pub fn unchecked(method: impl Into<String>, detail: impl Into<String>) -> CrossCheck {
        CrossCheck { method: method.into(), trials: 0, passed: false, unchecked: true, detail: detail.into() }
    }

    /// Whether the finding may be trusted as far as this check goes: it
    /// passed, or it could not be made (which the output says).
    pub fn not_failed(&self) -> bool {
        self.passed || self.unchecked
    }
}

/// What kind of answer a finding is, one per query form; the typed
/// details each family's numeric check and pictures need.
#[derive(Clone, Debug)]
pub enum Answer {
    ConvMatrix,
    ConvAffine(conv::AffineAnswer),
    ConvShape(conv::ShapeAnswer),
    ConvSizes(sizes::SizesAnswer),
    Equivalence(equivalence::EquivalenceAnswer),
    Neuron(logic::NeuronAnswer),
    ThresholdNetwork(logic::NetworkAnswer),
    Census(census::Census),
    Piece(piece::PieceAnswer),
    Pieces(pieces::PiecesAnswer),
    InputGradient(Box<input_gradient::GradientAnswer>),
    CrossEntropy(Box<cross_entropy::CrossEntropyAnswer>),
    Perturbation(Box<perturbation_query::PerturbationFinding>),
    Visualization(Box<visualization::VisualizationAnswer>),
    Limit(Box<gradient::LimitAnswer>),
    MinimumNorm(Box<gradient::MinimumNormAnswer>),
    GradientQuantity(Box<gradient::QuantityAnswer>),
    Regions(regions::RegionsAnswer),
    Risk(risk::RiskAnswer),
}

/// What a query derives.
#[derive(Clone, Debug)]
pub struct Finding {
    pub name: String,
    pub answer: Answer,
    /// The answer as a key states it.
    pub value: Value,
    pub explanation: Explanation,
}

/// Whether a key holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail(String),
}

/// Derives the answer to one find. Each family returns its typed answer,
/// the value keys are compared with, and the explanation.
pub fn derive(problem: &Problem, find: &Find) -> Result<Finding, Diagnostic> {
    let at = |e: String| Diagnostic::error(find.query_span, e);
    let (answer, value, explanation) = match &find.query {
        Query::Matrix(c) => {
            let (v, ex) = conv::derive_matrix(c, &find.name, problem);
            (Answer::ConvMatrix, v, ex)
        }
        Query::Affine(c) => {
            let (v, a, ex) = conv::derive_affine(c, &find.name, problem);
            (Answer::ConvAffine(a), v, ex)
        }
        Query::Shape(c) => {
            let (v, a, ex) = conv::derive_shape(c, problem);
            (Answer::ConvShape(a), v, ex)
        }
        Query::Sizes(q) => {
            let (v, a, ex) = sizes::derive(q, &find.name, problem);
            (Answer::ConvSizes(a), v, ex)
        }
        Query::Equivalence(a, b) => {
            let (v, e, ex) = equivalence::derive(a, b, problem).map_err(at)?;
            (Answer::Equivalence(e), v, ex)
        }
        Query::ThresholdNeuron(q) => {
            let (a, v, ex) = logic::derive_neuron(q, problem).map_err(at)?;
            (Answer::Neuron(a), v, ex)
        }
        Query::ThresholdNetwork(q) => {
            let (a, v, ex) = logic::derive_network(q, problem);
            (Answer::ThresholdNetwork(a), v, ex)
        }
        Query::ThresholdCensus(n) => {
            let (a, v, ex) = census::derive(*n, problem).map_err(at)?;
            (Answer::Census(a), v, ex)
        }
        Query::LinearPiece(q) => {
            let (a, v, ex) = piece::derive(q, problem).map_err(at)?;
            (Answer::Piece(a), v, ex)
        }
        Query::Pieces(q) => {
            let (a, v, ex) = pieces::derive(q, problem).map_err(at)?;
            (Answer::Pieces(a), v, ex)
        }
        Query::InputGradient(q) if q.cross_entropy.is_some() || q.probability.is_some() => {
            let (a, v, ex) = cross_entropy::derive(q).map_err(at)?;
            (Answer::CrossEntropy(Box::new(a)), v, ex)
        }
        Query::InputGradient(q) => {
            let (a, v, ex) = input_gradient::derive(q, problem).map_err(at)?;
            (Answer::InputGradient(Box::new(a)), v, ex)
        }
        Query::Perturbation(q) => {
            let (a, v, ex) = perturbation_query::derive(q, problem).map_err(at)?;
            (Answer::Perturbation(Box::new(a)), v, ex)
        }
        Query::Visualization(q) => {
            let (a, v, ex) = visualization::derive(q).map_err(at)?;
            (Answer::Visualization(Box::new(a)), v, ex)
        }
        Query::GradientLimit(g) => {
            let (a, ex) = gradient::derive_limit(g, problem)?;
            let v = a.value();
            (Answer::Limit(Box::new(a)), v, ex)
        }
        Query::MinimumNorm(m) => {
            let (a, ex) = gradient::derive_minimum_norm(m, problem)?;
            let v = a.value();
            (Answer::MinimumNorm(Box::new(a)), v, ex)
        }
        Query::GradientQuantity(q) => {
            let (a, ex) = gradient::derive_quantity(q, find.query_span, problem)?;
            let v = a.value();
            (Answer::GradientQuantity(Box::new(a)), v, ex)
        }
        Query::Regions(q) => {
            let (v, ex, a) = regions::derive(q, problem)?;
            (Answer::Regions(a), v, ex)
        }
        Query::Risk(q) => {
            let (a, v, ex) = risk::derive(q, problem)?;
            (Answer::Risk(a), v, ex)
        }
    };
    Ok(Finding { name: find.name.clone(), answer, value, explanation })
}

impl Answer {
    /// What backs the value up beyond the derivation, as a value for the
    /// JSON output: the identified regions with their inverse maps, the
    /// counts of instances.
    pub fn witness(&self) -> Option<Value> {
        match self {
            Answer::Regions(r) => Some(r.witness_value()),
            _ => None,
        }
    }
}

/// Judges a key against a finding, by meaning. Most answers are compared
/// as values; a family whose answers are not unique (any valid
/// correspondence, any valid neuron) judges the key itself.
pub fn judge(problem: &Problem, find: &Find, finding: &Finding, key: &Value) -> Verdict {
    let verdict = match &find.query {
        Query::Equivalence(a, b) => equivalence::judge(a, b, finding, key, &problem.ring),
        Query::ThresholdNeuron(q) => logic::judge_neuron(q, finding, key, &problem.ring),
        Query::ThresholdNetwork(q) => logic::judge_network(q, finding, key),
        Query::LinearPiece(_) => piece::judge(finding, key, &problem.ring),
        Query::Regions(_) => regions::judge(finding, key, &problem.ring),
        Query::InputGradient(_) => match &finding.answer {
            Answer::CrossEntropy(a) => cross_entropy::judge(a, &finding.value, key, &problem.ring),
            _ => compare(key, &finding.value, &problem.ring),
        },
        Query::Perturbation(_) => match &finding.answer {
            Answer::Perturbation(f) => perturbation_query::judge(f, &finding.value, key, &problem.ring),
            _ => compare(key, &finding.value, &problem.ring),
        },
        Query::GradientLimit(_) | Query::MinimumNorm(_) | Query::GradientQuantity(_) => {
            gradient::judge(finding, key, &problem.ring)
        }
        _ => compare(key, &finding.value, &problem.ring),
    };
    match verdict {
        Ok(()) => Verdict::Pass,
        Err(why) => Verdict::Fail(why),
    }
}

/// "1 channel", "4 channels".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
