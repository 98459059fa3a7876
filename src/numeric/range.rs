//! Whether a finding's numbers fit floating point: the largest and the
//! smallest nonzero magnitude among the numbers of the problem (networks,
//! declared values and tensors), the query (a point) and the finding (its
//! value and witness), as powers of two.
//!
//! A cross-check computes in `f64`: numbers beyond its range become
//! infinite or zero, and numbers that span more binary digits than its 53
//! cannot be compared at the tolerances the checks use (a bias of 10^19
//! swamps a slope of 2 in every forward pass). Such a finding is not
//! failed for it: its check says it cannot be made in floating point, and
//! the exact comparison with the key stands alone.

use crate::algebra::{Poly, Q, RatFunc};
use crate::derive::Finding;
use crate::model::{Find, Layer, ObjectKind, Problem, Query, Value};

/// Beyond 2^±RANGE_BITS a number is not checked at all: its square, or its
/// product with another such number, leaves the range of `f64` (2^±1022).
pub const RANGE_BITS: f64 = 500.0;
/// When a check disagrees and the numbers span more than this many binary
/// digits (about 10^12), or reach beyond 2^±PRECISION_LIMIT_BITS, the
/// disagreement is put down to floating point: the check says it cannot be
/// made, rather than fail a finding that may be right.
pub const SPREAD_BITS: f64 = 40.0;
pub const PRECISION_LIMIT_BITS: f64 = 100.0;

/// The magnitudes seen, as base-2 logarithms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Of the largest number, and of the smallest nonzero one; `None`
    /// when every number is zero.
    pub bits: Option<(f64, f64)>,
}

impl Range {
    /// A sentence when a number lies beyond what the checks can represent.
    pub fn beyond_f64(&self) -> Option<String> {
        let (hi, lo) = self.bits?;
        if hi > RANGE_BITS {
            Some(format!("its numbers reach about 10^{:.0}, beyond floating point (f64)", hi * LOG10_2))
        } else if lo < -RANGE_BITS {
            Some(format!("its numbers go down to about 10^{:.0}, beyond floating point (f64)", lo * LOG10_2))
        } else {
            None
        }
    }

    /// A sentence when the numbers span more than floating point resolves
    /// at the checks' tolerances.
    pub fn beyond_precision(&self) -> Option<String> {
        let (hi, lo) = self.bits?;
        if hi - lo > SPREAD_BITS || hi > PRECISION_LIMIT_BITS || lo < -PRECISION_LIMIT_BITS {
            Some(format!(
                "its numbers span about 10^{:.0} to 10^{:.0}, more digits than floating point (f64) resolves",
                lo * LOG10_2,
                hi * LOG10_2
            ))
        } else {
            None
        }
    }

    fn add(&mut self, q: &Q) {
        if let Some(b) = log2(q) {
            self.bits = Some(match self.bits {
                None => (b, b),
                Some((hi, lo)) => (hi.max(b), lo.min(b)),
            });
        }
    }

    fn poly(&mut self, p: &Poly) {
        for (_, q) in p.terms() {
            self.add(q);
        }
    }

    fn ratfunc(&mut self, r: &RatFunc) {
        self.poly(r.num());
        self.poly(r.den());
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Scalar(r) => self.ratfunc(r),
            Value::Matrix(m) => m.entries().iter().for_each(|r| self.ratfunc(r)),
            Value::Sparse(s) => s.values().iter().for_each(|p| self.poly(p)),
            Value::List(vs) | Value::Tuple(vs) | Value::Call(_, vs) => vs.iter().for_each(|v| self.value(v)),
            Value::Record(fields) => fields.iter().for_each(|(_, v)| self.value(v)),
            Value::Maps(a, b) => {
                self.value(a);
                self.value(b);
            }
            Value::Formula(_) | Value::Floor(_) | Value::Bool(_) | Value::Word(_) | Value::Text(_) => {}
        }
    }
}

const LOG10_2: f64 = std::f64::consts::LOG10_2;

/// `log2 |q|`, `None` for zero; exact enough for any size of number.
fn log2(q: &Q) -> Option<f64> {
    if q.is_zero() {
        return None;
    }
    let f = q.to_f64().abs();
    if f.is_normal() {
        return Some(f.log2());
    }
    Some(q.numer().bits() as f64 - q.denom().bits() as f64)
}

/// The range of every number the finding's check will meet.
pub fn of(problem: &Problem, find: &Find, finding: &Finding) -> Range {
    let mut r = Range { bits: None };
    for o in &problem.objects {
        match &o.kind {
            ObjectKind::Value(v) => r.value(v),
            ObjectKind::Tensor(t) => t.entries.iter().for_each(|p| r.poly(p)),
            ObjectKind::Network(n) => {
                for l in n.concrete.iter().flat_map(|c| &c.layers) {
                    if let Layer::Dense(d) = l {
                        d.weight.entries().iter().chain(&d.bias).for_each(|e| r.ratfunc(e));
                    }
                }
            }
            ObjectKind::Table(_) => {}
        }
    }
    if let Query::LinearPiece(p) = &find.query {
        p.point.iter().for_each(|e| r.ratfunc(e));
    }
    r.value(&finding.value);
    if let Some(w) = finding.answer.witness() {
        r.value(&w);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_of_any_size() {
        let mut r = Range { bits: None };
        assert_eq!(r.beyond_f64(), None);
        r.add(&Q::from_int(3));
        r.add(&Q::new(1, 4));
        assert_eq!(r.bits, Some((3f64.log2(), -2.0)));
        assert_eq!(r.beyond_precision(), None);
        r.add(&Q::parse("10000000000000000000").unwrap());
        assert!(r.beyond_f64().is_none());
        assert!(r.beyond_precision().unwrap().contains("10^-1 to 10^19"), "{:?}", r.beyond_precision());
        let huge = Q::parse(&format!("1{}", "0".repeat(1000))).unwrap();
        r.add(&huge);
        assert!(r.beyond_f64().unwrap().contains("10^1000"), "{:?}", r.beyond_f64());
        let mut tiny = Range { bits: None };
        tiny.add(&huge.inv().unwrap());
        assert!(tiny.beyond_f64().unwrap().contains("10^-1000"), "{:?}", tiny.beyond_f64());
    }
}
