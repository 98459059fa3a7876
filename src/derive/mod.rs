//! Derivations: one module per family of problems. Each turns a query into
//! a [`Finding`]: the exact value, the derivation as steps a student can
//! follow, and how to judge a key against it.
//!
//! **Invariant.** A finding is exact and complete, or the query is an error
//! that says why; nothing here guesses or rounds.

pub mod cells;
pub mod census;
pub mod conv;
pub mod equivalence;
pub mod explain;
pub mod gradient;
pub mod logic;
pub mod piece;
pub mod pieces;
pub mod regions;

use crate::algebra::{Notation, Ring};
use crate::language::Diagnostic;
use crate::model::{Find, Problem, Query, Value, compare};

pub use explain::{Block, Depth, Explanation, Letters, Step, Table};

/// The outcome of a numeric cross-check.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossCheck {
    /// What was compared with what, in a sentence.
    pub method: String,
    pub trials: usize,
    pub passed: bool,
    /// The measured agreement, e.g. the largest difference seen.
    pub detail: String,
}

/// What kind of answer a finding is, one per query form; the typed
/// details each family's numeric check and pictures need.
#[derive(Clone, Debug)]
pub enum Answer {
    ConvMatrix,
    ConvAffine(conv::AffineAnswer),
    ConvShape(conv::ShapeAnswer),
    Equivalence(equivalence::EquivalenceAnswer),
    Neuron(logic::NeuronAnswer),
    ThresholdNetwork(logic::NetworkAnswer),
    Census(census::Census),
    Piece(piece::PieceAnswer),
    Pieces(pieces::PiecesAnswer),
    Limit(Box<gradient::LimitAnswer>),
    MinimumNorm(Box<gradient::MinimumNormAnswer>),
    Regions(regions::RegionsAnswer),
}

/// What a query derives.
#[derive(Clone, Debug)]
pub struct Finding {
    pub name: String,
    pub answer: Answer,
    /// The answer as a key states it.
    pub value: Value,
    pub explanation: Explanation,
    /// What backs the value up beyond the derivation, for the numeric
    /// cross-check and the JSON output: the identified regions and their
    /// inverse maps, the counts of instances.
    pub witness: Option<Value>,
}

/// Whether a key holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail(String),
}

/// Derives the answer to one find.
pub fn derive(problem: &Problem, find: &Find) -> Result<Finding, Diagnostic> {
    let at = |e: String| Diagnostic::error(find.query_span, e);
    let (answer, value, derivation) = match &find.query {
        Query::Matrix(c) => {
            let d = conv::derive_matrix(c, &find.name, problem);
            (Answer::ConvMatrix, d.0, d.1.steps)
        }
        Query::Affine(c) => {
            let d = conv::derive_affine(c, &find.name, problem);
            (Answer::ConvAffine(d.1), d.0, d.2.steps)
        }
        Query::Shape(c) => {
            let d = conv::derive_shape(c, problem);
            (Answer::ConvShape(d.1), d.0, d.2.steps)
        }
        Query::Equivalence(a, b) => {
            let d = equivalence::derive(a, b, problem).map_err(at)?;
            (Answer::Equivalence(d.1), d.0, d.2.steps)
        }
        Query::ThresholdNeuron(q) => {
            let d = logic::derive_neuron(q, problem).map_err(at)?;
            (Answer::Neuron(d.0), d.1, d.2.steps)
        }
        Query::ThresholdNetwork(q) => {
            let d = logic::derive_network(q, problem);
            (Answer::ThresholdNetwork(d.0), d.1, d.2.steps)
        }
        Query::ThresholdCensus(n) => {
            let d = census::derive(*n, problem).map_err(at)?;
            (Answer::Census(d.0), d.1, d.2.steps)
        }
        Query::LinearPiece(q) => {
            let d = piece::derive(q, problem).map_err(at)?;
            (Answer::Piece(d.0), d.1, d.2.steps)
        }
        Query::Pieces(q) => {
            let d = pieces::derive(q, problem).map_err(at)?;
            (Answer::Pieces(d.0), d.1, d.2.steps)
        }
        Query::GradientLimit(g) => {
            let (a, ex) = gradient::derive_limit(g, problem)?;
            let v = a.value();
            (Answer::Limit(Box::new(a)), v, ex.steps)
        }
        Query::MinimumNorm(m) => {
            let (a, ex) = gradient::derive_minimum_norm(m, problem)?;
            let v = a.value();
            (Answer::MinimumNorm(Box::new(a)), v, ex.steps)
        }
        Query::Regions(q) => {
            let (value, explanation, answer) = regions::derive(q, problem)?;
            // Until the JSON printer reads the typed answer.
            let witness = Some(answer.witness_value());
            return Ok(Finding {
                name: find.name.clone(),
                answer: Answer::Regions(answer),
                value,
                explanation,
                witness,
            });
        }
    };
    Ok(Finding { name: find.name.clone(), answer, value, explanation: derivation.into(), witness: None })
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
        _ => compare(key, &finding.value, &problem.ring),
    };
    match verdict {
        Ok(()) => Verdict::Pass,
        Err(why) => Verdict::Fail(why),
    }
}

/// `NAME = VALUE` in both notations, the plain one laid out over several
/// lines for a matrix.
pub fn labeled(plain_name: &str, latex_name: &str, value: &Value, ring: &Ring) -> (String, String) {
    let lead = format!("{plain_name} = ");
    (
        format!("{lead}{}", value.to_key(ring, lead.chars().count())),
        format!("{latex_name} = {}", value.print(ring, Notation::Latex)),
    )
}

/// "1 channel", "4 channels".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
