//! The numeric backend: independent floating-point computations (ndarray)
//! that cross-check every exact finding on seeded random instances.
//!
//! **Invariant.** Nothing here calls the derivations: a cross-check
//! recomputes the answer another way (direct convolution, forward passes,
//! iterations) and compares it with the finding's value, so the two can
//! only agree by being right. Floating point lives here and nowhere else.

pub mod conv;
pub mod gradient;
pub mod logic;
pub mod pieces;
pub mod regions;
pub mod rng;

use crate::derive::{CrossCheck, Finding};
use crate::model::{Find, Problem, Query, Value};

pub use rng::Rng;

/// Cross-checks one finding. The seed comes from the problem and finding
/// names, so a run is reproducible.
pub fn crosscheck(problem: &Problem, find: &Find, finding: &Finding) -> CrossCheck {
    let seed = Rng::seed_from(&format!("{}/{}", problem.id, find.name));
    let ring = &problem.ring;
    match (&find.query, &finding.value) {
        (Query::Matrix(c), Value::Sparse(a)) => conv::check_matrix(c, a, None, ring, seed),
        (Query::Affine(c), v) => match v.field("A") {
            Some(Value::Sparse(a)) => {
                let zero = vec![crate::algebra::Poly::zero(); c.out_channels()];
                conv::check_matrix(c, a, Some(c.bias.as_deref().unwrap_or(&zero)), ring, seed)
            }
            _ => unexpected(finding),
        },
        (Query::Shape(c), v) => conv::check_shape(c, v, ring, seed),
        (Query::Equivalence(a, b), v) => conv::check_equivalence(a, b, v, ring, seed),
        (Query::ThresholdNeuron(q), v) => logic::check_neuron(q, v, seed),
        (Query::ThresholdNetwork(q), v) => logic::check_network(q, v),
        (Query::ThresholdCensus(n), v) => logic::check_census(*n, v),
        (Query::LinearPiece(q), v) => pieces::check_piece(q, v, ring, seed),
        (Query::Pieces(q), v) => pieces::check_pieces(q, v, ring, seed),
        (Query::GradientLimit(g), v) => gradient::check_limit(g, v, ring, seed),
        (Query::MinimumNorm(m), v) => gradient::check_minimum_norm(m, v, ring, seed),
        (Query::Regions(q), _) => regions::check_regions(q, problem, finding, seed),
        _ => unexpected(finding),
    }
}

fn unexpected(finding: &Finding) -> CrossCheck {
    CrossCheck {
        method: format!("no numeric check applies to {}", finding.value.describe()),
        trials: 0,
        passed: false,
        detail: "the finding has an unexpected form".into(),
    }
}
