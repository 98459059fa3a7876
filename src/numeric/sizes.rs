//! The sizes of a convolution recomputed on every small instance: each
//! symbol takes every whole value in a small range, PyTorch's rules decide
//! which instances exist, and each instance is computed directly (the
//! output shape by running the numeric convolution on zeros, the
//! parameters by counting the kernel's and the bias's entries, the
//! multiply-adds by multiplying the bounds of the direct loops), then
//! compared with the derived formula evaluated there, exactly.

use ndarray::{Array3, Array4};

use crate::algebra::{Q, Var};
use crate::derive::CrossCheck;
use crate::derive::sizes::SizesAnswer;
use crate::model::sizes::{SizeQuery, SizeWhat};
use crate::model::{Conv, ConvKind};

use super::conv::apply;

/// The most instances one check computes.
pub const MAX_INSTANCES: u64 = 4096;
/// The largest value a symbol takes in the check.
pub const LARGEST_VALUE: i64 = 12;
/// The most numbers one instance's direct convolution may hold; a larger
/// instance has its shape recounted from its taps instead.
const DIRECT_ENTRIES: u128 = 1 << 12;
/// The shape of an instance, by direct numeric convolution on zeros (or
/// recounted from its taps when too large to run).
fn direct_shape(conv: &Conv) -> Option<[usize; 3]> {
    let small = conv.sizes().is_some_and(|s| s.work.max(s.rows).max(s.cols) <= DIRECT_ENTRIES);
    if !small {
        return super::conv::recount_shape(conv);
    }
    let [a, b, kh, kw] = conv.kernel.kernel4();
    let [c, h, w] = conv.input.input3();
    let y = apply(conv, &Array4::zeros((a, b, kh, kw)), &Array3::zeros((c, h, w)));
    Some([y.shape()[0], y.shape()[1], y.shape()[2]])
}

/// The products of the direct loops: the outer loop runs over the outputs
/// of the direct run (conv2d) or over the inputs (transposed), the inner
/// over the channels of a group and the kernel's taps. Their bounds come
/// from the instance itself, not from the derived formula.
fn loop_products(conv: &Conv, shape: [usize; 3]) -> u128 {
    let [kh, kw] = [conv.kernel.kernel4()[2], conv.kernel.kernel4()[3]];
    let g = conv.params.groups;
    let [cin, h, w] = conv.input.input3();
    let (outer, inner_channels) = match conv.kind {
        ConvKind::Conv2d => (shape[0] * shape[1] * shape[2], cin / g),
        ConvKind::ConvTranspose2d => (cin * h * w, shape[0] / g),
    };
    outer as u128 * inner_channels as u128 * kh as u128 * kw as u128
}

/// What one instance gives, computed directly.
fn direct(what: SizeWhat, conv: &Conv, bias: bool) -> Option<Vec<Q>> {
    let shape = direct_shape(conv)?;
    let q = |n: u128| Q::from_bigints(n.into(), 1.into());
    Some(match what {
        SizeWhat::Shape => shape.iter().map(|&n| q(n as u128)).collect(),
        SizeWhat::Parameters => {
            let weights: u128 = conv.kernel.shape.iter().map(|&d| d as u128).product();
            vec![q(weights + if bias { shape[0] as u128 } else { 0 })]
        }
        SizeWhat::Macs => vec![q(loop_products(conv, shape))],
    })
}

/// Checks the derived quantities on every small instance.
pub fn check(query: &SizeQuery, answer: &SizesAnswer) -> CrossCheck {
    let c = &query.conv;
    let symbols = &c.symbols;
    // The largest upper end that keeps the number of instances in bounds.
    let mut top = LARGEST_VALUE;
    let count = |top: i64| -> u64 {
        symbols
            .iter()
            .map(|s| (top - s.least + 1).max(1) as u64)
            .try_fold(1u64, |a, n| a.checked_mul(n))
            .unwrap_or(u64::MAX)
    };
    while top > 2 && count(top) > MAX_INSTANCES {
        top -= 1;
    }
    let total = count(top);
    let what = match answer.what {
        SizeWhat::Shape => "the output shape of the direct numeric convolution (ndarray) on zeros",
        SizeWhat::Parameters => "the entries of the kernel and the bias counted",
        SizeWhat::Macs => "the bounds of the direct convolution's loops multiplied",
    };
    let range = if symbols.is_empty() {
        "the sizes as given".to_string()
    } else {
        let names: Vec<String> = symbols.iter().map(|s| format!("{} from {} to {top}", s.name, s.least)).collect();
        format!("every instance with {}", names.join(", "))
    };
    let method = format!("the formula evaluated exactly against {what}, on {range}");
    if total > MAX_INSTANCES {
        return CrossCheck::unchecked(
            method,
            format!("{} symbols give more than {MAX_INSTANCES} instances even from 1 to 2", symbols.len()),
        );
    }
    let mut valid = 0usize;
    for idx in 0..total {
        let mut rest = idx;
        let point: Vec<(Var, Q)> = symbols
            .iter()
            .map(|s| {
                let n = (top - s.least + 1).max(1) as u64;
                let v = s.least + (rest % n) as i64;
                rest /= n;
                (s.var, Q::from_int(v))
            })
            .collect();
        let at = |v: Var| point.iter().find(|(w, _)| *w == v).map_or_else(Q::zero, |x| x.1.clone());
        let Ok(conv) = c.instantiate(&at) else { continue };
        let Some(direct) = direct(answer.what, &conv, c.bias) else { continue };
        valid += 1;
        let derived: Vec<Option<Q>> = answer.quantities.iter().map(|f| f.eval(&at)).collect();
        if derived.iter().zip(&direct).any(|(d, x)| d.as_ref() != Some(x)) || derived.len() != direct.len() {
            let values: Vec<String> = symbols.iter().map(|s| format!("{} = {}", s.name, at(s.var))).collect();
            let show = |v: Vec<String>| v.join(", ");
            return CrossCheck {
                method,
                trials: valid,
                passed: false,
                unchecked: false,
                detail: format!(
                    "at {}: the formula gives ({}), the direct computation ({})",
                    values.join(", "),
                    show(derived.iter().map(|d| d.as_ref().map_or("undefined".into(), Q::to_string)).collect()),
                    show(direct.iter().map(Q::to_string).collect())
                ),
            };
        }
    }
    CrossCheck {
        method,
        trials: valid,
        passed: valid > 0,
        unchecked: false,
        detail: if valid == 0 {
            format!("none of the {total} instances is a convolution PyTorch accepts")
        } else {
            format!("{valid} of {total} instances are convolutions PyTorch accepts; the formula agrees on each")
        },
    }
}
