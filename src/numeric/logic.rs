//! Threshold neurons and networks recomputed in floating point with
//! ndarray, and the census recounted by listing the functions of integer
//! neurons.
//!
//! Nothing here uses the linear program or the proofs of the derivation:
//! a neuron is evaluated on the table's rows as a matrix product, an
//! impossibility is tested by searching integer neurons directly, and the
//! census is recounted from the functions that small integer weights
//! produce. Values within 1e-9 of the threshold count as on it (the
//! neurons nnkey derives have integer weights, so their values are exact
//! in `f64`).

use std::collections::HashSet;

use ndarray::{Array1, Array2};

use crate::derive::CrossCheck;
use crate::derive::census::Census;
use crate::derive::logic::{NetworkAnswer, NeuronAnswer};
use crate::model::logic::{Activation, NetworkQuery, NeuronQuery, TruthTable, input_bit};

use super::rng::Rng;

/// Distance to the threshold within which a value counts as on it.
const TOLERANCE: f64 = 1e-9;

/// Row evaluations an impossibility search may spend.
const SEARCH_BUDGET: usize = 1_000_000;

/// The table's inputs as a rows × n matrix of 0s and 1s.
fn inputs(table: &TruthTable) -> Array2<f64> {
    let n = table.n();
    Array2::from_shape_fn((table.rows(), n), |(r, i)| if input_bit(n, r, i) { 1.0 } else { 0.0 })
}

fn step(z: f64) -> bool {
    z >= -TOLERANCE
}

/// Checks a neuron finding: evaluates it on every row; for an
/// impossibility, searches integer neurons for one that realizes the table.
pub fn check_neuron(q: &NeuronQuery, answer: &NeuronAnswer, seed: u64) -> CrossCheck {
    let table = &q.table;
    let x = inputs(table);
    let (w, b) = match answer {
        NeuronAnswer::Impossible(_) => return search_neurons(table, &x, seed),
        NeuronAnswer::Realized { w, b } => (w.iter().map(|q| q.to_f64()).collect::<Vec<f64>>(), b.to_f64()),
    };
    if w.len() != table.n() {
        return CrossCheck {
            unchecked: false,
            method: "evaluation of the neuron on the table".into(),
            trials: 0,
            passed: false,
            detail: format!("the neuron has {} weights for {} inputs", w.len(), table.n()),
        };
    }
    let z = x.dot(&Array1::from(w)) + b;
    let wrong = z.iter().zip(&table.outputs).position(|(&zi, &out)| step(zi) != out);
    CrossCheck {
        unchecked: false,
        method: format!("w·x + b evaluated in floating point (ndarray) on all {} rows", table.rows()),
        trials: table.rows(),
        passed: wrong.is_none(),
        detail: match wrong {
            None => "every row gives the table's output".into(),
            Some(r) => format!("row {} gives {} against the table's {}", table.row_text(r), z[r], table.outputs[r]),
        },
    }
}

/// Searches integer weight vectors, each with the bias that works if any
/// does (the lowest 1-row on the threshold), for a neuron realizing the
/// table: all vectors with |w_i| ≤ k for the largest k the budget allows,
/// or random ones in [−3, 3]ⁿ when not even k = 1 fits.
fn search_neurons(table: &TruthTable, x: &Array2<f64>, seed: u64) -> CrossCheck {
    let n = table.n();
    let rows = table.rows();
    let fits = |k: usize| (2 * k + 1).checked_pow(n as u32).is_some_and(|c| c * rows <= SEARCH_BUDGET);
    let k = (1..=3).rev().find(|&k| fits(k));
    let vectors: Vec<Vec<f64>> = match k {
        Some(k) => {
            let k = k as i64;
            let count = (2 * k + 1).pow(n as u32) as usize;
            (0..count)
                .map(|mut c| {
                    (0..n)
                        .map(|_| {
                            let v = (c % (2 * k as usize + 1)) as i64 - k;
                            c /= 2 * k as usize + 1;
                            v as f64
                        })
                        .collect()
                })
                .collect()
        }
        None => {
            let mut rng = Rng::new(seed);
            (0..(SEARCH_BUDGET / rows).max(1)).map(|_| (0..n).map(|_| rng.int(-3, 3) as f64).collect()).collect()
        }
    };
    let mut found = None;
    for w in &vectors {
        let z = x.dot(&Array1::from(w.clone()));
        let low_one = z.iter().zip(&table.outputs).filter(|p| *p.1).map(|p| *p.0).fold(f64::INFINITY, f64::min);
        let high_zero = z.iter().zip(&table.outputs).filter(|p| !*p.1).map(|p| *p.0).fold(f64::NEG_INFINITY, f64::max);
        if low_one > high_zero + 0.5 {
            found = Some((w.clone(), -low_one));
            break;
        }
    }
    let method = match k {
        Some(k) => {
            format!("search of all {} integer weight vectors with |w_i| ≤ {k}, each with its best bias", vectors.len())
        }
        None => {
            format!("search of {} random integer weight vectors in [-3, 3], each with its best bias", vectors.len())
        }
    };
    CrossCheck {
        unchecked: false,
        method,
        trials: vectors.len(),
        passed: found.is_none(),
        detail: match found {
            None => "none of them realizes the table".into(),
            Some((w, b)) => format!("w = {w:?}, b = {b} realizes the table"),
        },
    }
}

/// Checks a network finding with a floating-point forward pass on all rows.
pub fn check_network(q: &NetworkQuery, answer: &NetworkAnswer) -> CrossCheck {
    let table = &q.table;
    let mut h = inputs(table);
    for layer in &q.network.layers {
        let w = Array2::from_shape_fn((layer.units(), h.ncols()), |(u, i)| layer.weights[u][i].to_f64());
        let b = Array1::from(layer.bias.iter().map(|x| x.to_f64()).collect::<Vec<_>>());
        let z = h.dot(&w.t()) + &b;
        h = z.mapv(|zi| match layer.activation {
            Activation::Step => f64::from(u8::from(step(zi))),
            Activation::Relu => zi.max(0.0),
        });
    }
    let outputs: Vec<bool> = h.column(0).iter().map(|&v| v > 0.5).collect();
    let realizes = outputs == table.outputs;
    let derived = answer.realizes;
    CrossCheck {
        unchecked: false,
        method: format!("forward pass in floating point (ndarray) on all {} rows", table.rows()),
        trials: table.rows(),
        passed: realizes == derived,
        detail: if realizes {
            "the network's outputs equal the table's".into()
        } else {
            let r = outputs.iter().zip(&table.outputs).position(|(a, b)| a != b).unwrap_or(0);
            format!("the network differs from the table first on row {}", table.row_text(r))
        },
    }
}

/// Recounts the threshold functions of n inputs: every function that an
/// integer neuron with weights in 0..=n+1 computes (one per cut of its
/// sorted row values), with every set of inputs negated (x_i → 1 − x_i,
/// which turns any neuron's negative weights positive).
pub fn check_census(n: usize, census: &Census) -> CrossCheck {
    let rows = 1usize << n;
    let k = n as i64 + 1;
    let mut positive: HashSet<u32> = HashSet::new();
    let mut w = vec![0i64; n];
    loop {
        let mut values: Vec<(i64, usize)> =
            (0..rows).map(|r| ((0..n).filter(|&i| input_bit(n, r, i)).map(|i| w[i]).sum(), r)).collect();
        values.sort_unstable();
        // Output 1 on the rows at or above each cut, from all to none.
        let mut f: u32 = values.iter().fold(0, |f, &(_, r)| f | (1 << r));
        positive.insert(f);
        for (j, &(v, r)) in values.iter().enumerate() {
            f &= !(1 << r);
            if values.get(j + 1).is_none_or(|next| next.0 != v) {
                positive.insert(f);
            }
        }
        let mut i = 0;
        while i < n && w[i] == k {
            w[i] = 0;
            i += 1;
        }
        if i == n {
            break;
        }
        w[i] += 1;
    }
    let mut all: HashSet<u32> = HashSet::with_capacity(positive.len() << n);
    for &f in &positive {
        for mask in 0..rows {
            // g(x) = f(x ⊕ mask): row x of g is row x ⊕ mask of f.
            let g = (0..rows).fold(0u32, |g, x| g | (((f >> (x ^ mask)) & 1) << x));
            all.insert(g);
        }
    }
    let count = all.len() as u64;
    CrossCheck {
        unchecked: false,
        method: format!(
            "distinct functions of integer neurons with weights in [{}, {}] and every bias, listed directly",
            -k, k
        ),
        trials: ((k + 1) as usize).pow(n as u32),
        passed: census.n == n && census.threshold == count,
        detail: format!("{count} distinct functions"),
    }
}
