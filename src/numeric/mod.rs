//! The numeric backend: independent floating-point computations (ndarray)
//! that cross-check every exact finding on seeded random instances.
//!
//! **Invariant.** Nothing here calls the derivations: a cross-check
//! recomputes the answer another way (direct convolution, forward passes,
//! iterations) and compares it with the finding's value; its sentence
//! says what was compared, since some compare less than the derivation
//! proves (a recount by sampling can miss a small region). Floating point
//! lives here and nowhere else.
//!
//! **No pass without a trial.** A check that runs no trial does not pass;
//! a check that cannot be made says so (`unchecked`): when the numbers lie
//! beyond floating point, or span more digits than it resolves and the
//! check disagrees (see `range`), the finding is neither passed nor failed
//! by it, and the exact comparison with the key stands alone.

pub mod conv;
pub mod cross_entropy;
pub mod gradient;
pub mod input_gradient;
pub mod logic;
pub mod perturbation;
pub mod pieces;
pub mod range;
pub mod regions;
pub mod risk;
pub mod rng;
pub mod sizes;
pub mod visualization;

use crate::derive::conv::AffineAnswer;
use crate::derive::risk::RiskAnswer;
use crate::derive::{Answer, CrossCheck, Finding, Step};
use crate::model::{Find, Problem, Query, Value};

pub use rng::Rng;

/// Cross-checks one finding. The seed comes from the problem and finding
/// names, so a run is reproducible. Every kind of answer has its check:
/// the match below has no fallback, so a new family cannot forget one.
pub fn crosscheck(problem: &Problem, find: &Find, finding: &Finding) -> CrossCheck {
    crosscheck_with_evidence(problem, find, finding).0
}

/// Cross-checks one finding, and returns what the check measured as steps
/// for the full key (an experiment's table and picture), when it has any.
pub fn crosscheck_with_evidence(problem: &Problem, find: &Find, finding: &Finding) -> (CrossCheck, Vec<Step>) {
    let range = range::of(problem, find, finding);
    if let Some(why) = range.beyond_f64() {
        return (CrossCheck::unchecked("cannot be checked in floating point", why), Vec::new());
    }
    let (c, evidence) = match (&finding.answer, &find.query) {
        (Answer::Risk(a), Query::Risk(q)) => {
            let seed = Rng::seed_from(&format!("{}/{}", problem.id, find.name));
            match a {
                RiskAnswer::Point(p) => risk::check_point(q, p, seed),
                RiskAnswer::Curve(c) => risk::check_curve(c, seed),
                RiskAnswer::Simulated(s) => risk::check_relu(s, seed),
            }
        }
        _ => (by_family(problem, find, finding), Vec::new()),
    };
    (judge_check(c, &range), evidence)
}

/// A check that ran no trial does not pass; one that failed where floating
/// point cannot resolve the numbers is not made.
fn judge_check(c: CrossCheck, range: &range::Range) -> CrossCheck {
    if c.passed && c.trials == 0 {
        return CrossCheck {
            passed: false,
            detail: format!("the check ran no trial, so it cannot pass; {}", c.detail),
            ..c
        };
    }
    if !c.passed
        && !c.unchecked
        && let Some(why) = range.beyond_precision()
    {
        return CrossCheck::unchecked(
            "cannot be checked in floating point",
            format!("{why} (the floating-point check of {} disagreed: {})", c.method, c.detail),
        );
    }
    c
}

/// The family's own check.
fn by_family(problem: &Problem, find: &Find, finding: &Finding) -> CrossCheck {
    let seed = Rng::seed_from(&format!("{}/{}", problem.id, find.name));
    let ring = &problem.ring;
    let q = &find.query;
    let v = &finding.value;
    match &finding.answer {
        Answer::ConvMatrix => match (q, v) {
            (Query::Matrix(c), Value::Sparse(a)) => conv::check_matrix(c, a, None, ring, seed),
            _ => mismatch(finding),
        },
        Answer::ConvAffine(affine) => match (q, AffineAnswer::matrix(v)) {
            (Query::Affine(c), Some(a)) => conv::check_matrix(c, a, Some(&affine.bias), ring, seed),
            _ => mismatch(finding),
        },
        Answer::ConvShape(shape) => match q {
            Query::Shape(c) => conv::check_shape(c, shape, ring, seed),
            _ => mismatch(finding),
        },
        Answer::ConvSizes(answer) => match q {
            Query::Sizes(s) => sizes::check(s, answer),
            _ => mismatch(finding),
        },
        Answer::Equivalence(answer) => match q {
            Query::Equivalence(a, b) => conv::check_equivalence(a, b, answer, ring, seed),
            _ => mismatch(finding),
        },
        Answer::Neuron(a) => match q {
            Query::ThresholdNeuron(n) => logic::check_neuron(n, a, seed),
            _ => mismatch(finding),
        },
        Answer::ThresholdNetwork(a) => match q {
            Query::ThresholdNetwork(n) => logic::check_network(n, a),
            _ => mismatch(finding),
        },
        Answer::Census(c) => match q {
            Query::ThresholdCensus(n) => logic::check_census(*n, c),
            _ => mismatch(finding),
        },
        Answer::Piece(a) => match q {
            Query::LinearPiece(p) => pieces::check_piece(p, a, ring, seed),
            _ => mismatch(finding),
        },
        Answer::Pieces(a) => match q {
            Query::Pieces(p) => pieces::check_pieces(p, a, ring, seed),
            _ => mismatch(finding),
        },
        Answer::InputGradient(a) => match q {
            Query::InputGradient(g) => input_gradient::check(g, a, seed),
            _ => mismatch(finding),
        },
        Answer::CrossEntropy(a) => match q {
            Query::InputGradient(g) => cross_entropy::check(g, a),
            _ => mismatch(finding),
        },
        Answer::Perturbation(a) => perturbation::check_finding(a, seed),
        Answer::Visualization(a) => match q {
            Query::Visualization(v) => visualization::check(v, a),
            _ => mismatch(finding),
        },
        Answer::Limit(a) => match q {
            Query::GradientLimit(g) => gradient::check_limit(g, a, ring, seed),
            _ => mismatch(finding),
        },
        Answer::MinimumNorm(a) => match q {
            Query::MinimumNorm(m) => gradient::check_minimum_norm(m, a, ring, seed),
            _ => mismatch(finding),
        },
        Answer::GradientQuantity(a) => match q {
            Query::GradientQuantity(m) => gradient::check_quantity(m, a, ring, seed),
            _ => mismatch(finding),
        },
        Answer::Regions(a) => match q {
            Query::Regions(r) => regions::check_regions(r, problem, a, seed),
            _ => mismatch(finding),
        },
        Answer::Risk(a) => match (q, a) {
            (Query::Risk(r), RiskAnswer::Point(p)) => risk::check_point(r, p, seed).0,
            (Query::Risk(_), RiskAnswer::Curve(c)) => risk::check_curve(c, seed).0,
            (Query::Risk(_), RiskAnswer::Simulated(s)) => risk::check_relu(s, seed).0,
            _ => mismatch(finding),
        },
    }
}

/// An answer that does not belong to its query: a bug, reported as a
/// failed check rather than a crash.
fn mismatch(finding: &Finding) -> CrossCheck {
    CrossCheck {
        unchecked: false,
        method: format!("no numeric check applies to {}", finding.value.describe()),
        trials: 0,
        passed: false,
        detail: "the finding does not match its query".into(),
    }
}
