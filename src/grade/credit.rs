//! Partial credit: the share of an answer's points that its right parts
//! earn.
//!
//! - A record: each field of the right answer is an equal share (a field
//!   that is itself a record splits its share again); a field the answer
//!   adds counts as one more share, earned by nobody.
//! - A matrix or vector of the right shape: the share of its entries that
//!   are right, counting only entries that are nonzero in the right answer
//!   or in the answer (so a sparse matrix is not mostly right for its
//!   zeros). Another shape earns nothing.
//! - A list or tuple of the right length: each item an equal share.
//! - The pieces of a function: each breakpoint and each piece an equal
//!   share ([`pieces`]).
//! - Anything else is right or wrong as a whole.
//!
//! Each part is compared by meaning with [`compare`], the comparison that
//! judges keys.

use crate::algebra::print::Print;
use crate::algebra::{Q, RatFunc, Ring};
use crate::model::{Value, compare};

use std::collections::{BTreeMap, BTreeSet};

use super::mistakes::shape;
use super::{GivenPiece, Mistake, Note, Part, Step};

fn share(right: usize, of: usize) -> Q {
    if of == 0 { Q::one() } else { Q::new(right as i64, of as i64) }
}

fn is_matrix(v: &Value) -> bool {
    matches!(v, Value::Matrix(_) | Value::Sparse(_))
}

/// The share of `given` that is right against `right`, and the notes that
/// say where it is not.
pub fn parts(given: &Value, right: &Value, ring: &Ring) -> (Q, Vec<Note>) {
    let mut notes = Vec::new();
    let q = part(given, right, ring, &mut Vec::new(), &mut notes);
    (q, notes)
}

fn part(given: &Value, right: &Value, ring: &Ring, at: &mut Part, notes: &mut Vec<Note>) -> Q {
    if compare(given, right, ring).is_ok() {
        return Q::one();
    }
    match (given, right) {
        (Value::Record(g), Value::Record(r)) => {
            let extra: Vec<&String> = g.iter().map(|f| &f.0).filter(|k| right.field(k).is_none()).collect();
            let total = r.len() + extra.len();
            let mut sum = Q::zero();
            for (k, v) in r {
                at.push(Step::Field(k.clone()));
                match given.field(k) {
                    Some(w) => sum = &sum + &part(w, v, ring, at, notes),
                    None => notes.push(Note::Missing { part: at.clone() }),
                }
                at.pop();
            }
            for k in extra {
                at.push(Step::Field(k.clone()));
                notes.push(Note::Extra { part: at.clone() });
                at.pop();
            }
            &sum / &Q::from_int(total.max(1) as i64)
        }
        (g, r) if is_matrix(g) && is_matrix(r) => entries(g, r, ring, at, notes),
        _ => match (given.items(), right.items()) {
            (Some(g), Some(r)) if !is_matrix(given) || !is_matrix(right) => {
                if g.len() != r.len() {
                    notes.push(Note::Length { part: at.clone(), given: g.len(), right: r.len() });
                    return Q::zero();
                }
                let mut sum = Q::zero();
                for (k, (x, y)) in g.iter().zip(&r).enumerate() {
                    at.push(Step::Item(k));
                    sum = &sum + &part(x, y, ring, at, notes);
                    at.pop();
                }
                &sum / &Q::from_int(r.len().max(1) as i64)
            }
            _ => {
                notes.push(Note::Differs { part: at.clone(), given: given.print(ring), right: right.print(ring) });
                Q::zero()
            }
        },
    }
}

/// The entries of a matrix that may be nonzero, by position: every entry
/// of a dense matrix, the stored ones of a sparse matrix (which may be far
/// too large to write out).
fn stored(v: &Value) -> Option<BTreeMap<(usize, usize), RatFunc>> {
    let mut out = BTreeMap::new();
    match v {
        Value::Matrix(m) => {
            for r in 0..m.rows() {
                for (c, x) in m.row(r).iter().enumerate() {
                    out.insert((r, c), x.clone());
                }
            }
        }
        Value::Sparse(s) => {
            for r in 0..s.rows() {
                for (c, p) in s.row(r) {
                    out.insert((r, c), RatFunc::from(p.clone()));
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Entry by entry, over the entries nonzero in either matrix.
fn entries(given: &Value, right: &Value, ring: &Ring, at: &mut Part, notes: &mut Vec<Note>) -> Q {
    let (Some(gs), Some(rs)) = (shape(given), shape(right)) else {
        notes.push(Note::Differs { part: at.clone(), given: given.print(ring), right: right.print(ring) });
        return Q::zero();
    };
    if gs != rs {
        notes.push(Note::Shape { part: at.clone(), given: gs, right: rs });
        return Q::zero();
    }
    let (Some(g), Some(r)) = (stored(given), stored(right)) else { return Q::zero() };
    let zero = RatFunc::zero();
    let positions: BTreeSet<(usize, usize)> = g.keys().chain(r.keys()).copied().collect();
    let (mut counted, mut wrong) = (0usize, 0usize);
    let mut first: Option<((usize, usize), RatFunc, RatFunc)> = None;
    for at_ in positions {
        let (x, y) = (g.get(&at_).unwrap_or(&zero), r.get(&at_).unwrap_or(&zero));
        if x.is_zero() && y.is_zero() {
            continue;
        }
        counted += 1;
        if x != y {
            wrong += 1;
            first.get_or_insert_with(|| (at_, x.clone(), y.clone()));
        }
    }
    if let Some((first, x, y)) = first {
        notes.push(Note::Entries {
            part: at.clone(),
            wrong,
            of: counted,
            first,
            given: x.print(ring),
            right: y.print(ring),
        });
    }
    share(counted - wrong, counted)
}

/// The rows of a matrix-like value (one per piece), or the items of a list.
fn rows(v: &Value) -> Option<Vec<Vec<RatFunc>>> {
    match v {
        Value::List(items) if items.is_empty() => Some(Vec::new()),
        _ => {
            let m = v.as_matrix()?;
            Some((0..m.rows()).map(|r| m.row(r).to_vec()).collect())
        }
    }
}

fn breakpoints(v: &Value) -> Option<Vec<RatFunc>> {
    let r = rows(v)?;
    if r.iter().all(|row| row.len() == 1) { Some(r.into_iter().map(|mut row| row.remove(0)).collect()) } else { None }
}

fn print_row(row: &[RatFunc], ring: &Ring) -> String {
    match row {
        [one] => one.print(ring),
        _ => Value::Matrix(crate::algebra::Matrix::from_rows(vec![row.to_vec()]).expect("one row")).print(ring),
    }
}

/// Which piece of the answer (its breakpoints `b`) holds the middle of
/// `interval` (a point 1 past a bound when the other is unbounded), when
/// every breakpoint is a number.
fn covering(b: &[RatFunc], interval: &(Option<RatFunc>, Option<RatFunc>)) -> Option<usize> {
    let q = |x: &Option<RatFunc>| match x {
        None => Some(None),
        Some(x) => x.as_constant().map(Some),
    };
    let (lo, hi) = (q(&interval.0)?, q(&interval.1)?);
    let mid = match (lo, hi) {
        (Some(a), Some(b)) => &(&a + &b) / &Q::from_int(2),
        (Some(a), None) => &a + &Q::one(),
        (None, Some(b)) => &b - &Q::one(),
        (None, None) => Q::zero(),
    };
    let points = b.iter().map(RatFunc::as_constant).collect::<Option<Vec<Q>>>()?;
    // The piece after the last breakpoint at or before the middle.
    Some(points.iter().filter(|p| **p <= mid).count())
}

/// The pieces of a function, `{ breakpoints: […], pieces: […] }`: each
/// right breakpoint and each right piece an equal share. First, a
/// breakpoint of the answer where the pieces on both sides agree is
/// removed (the function is the same without it) and named. A piece is
/// right when the answer has the same piece between the same breakpoints.
/// `None` when the answer does not have this form.
pub fn pieces(given: &Value, right: &Value, ring: &Ring) -> Option<(Q, Vec<Note>)> {
    let (Some(gb), Some(gp)) = (given.field("breakpoints"), given.field("pieces")) else { return None };
    let (Some(mut gb), Some(mut gp)) = (breakpoints(gb), rows(gp)) else { return None };
    let rb = breakpoints(right.field("breakpoints")?)?;
    let rp = rows(right.field("pieces")?)?;
    if gp.len() != gb.len() + 1 {
        return None;
    }
    let mut notes = Vec::new();
    let mut k = 1;
    while k < gp.len() {
        if gp[k] == gp[k - 1] {
            notes.push(Note::Mistake(Mistake::RemovableBreakpoint {
                at: gb[k - 1].print(ring),
                piece: print_row(&gp[k], ring),
            }));
            gb.remove(k - 1);
            gp.remove(k);
        } else {
            k += 1;
        }
    }
    let mut right_parts = 0;
    for b in &rb {
        if gb.contains(b) {
            right_parts += 1;
        } else {
            notes.push(Note::MissingBreakpoint { at: b.print(ring) });
        }
    }
    for b in &gb {
        if !rb.contains(b) {
            notes.push(Note::ExtraBreakpoint { at: b.print(ring) });
        }
    }
    // The interval of piece k of a list of breakpoints.
    let bounds = |b: &[RatFunc], k: usize| (k.checked_sub(1).map(|j| b[j].clone()), b.get(k).cloned());
    let show = |b: &Option<RatFunc>| b.as_ref().map(|x| x.print(ring));
    for (k, piece) in rp.iter().enumerate() {
        let interval = bounds(&rb, k);
        if let Some(j) = (0..gp.len()).find(|&j| bounds(&gb, j) == interval)
            && gp[j] == *piece
        {
            right_parts += 1;
            continue;
        }
        let given = covering(&gb, &interval).map(|j| {
            let own = bounds(&gb, j);
            GivenPiece {
                piece: print_row(&gp[j], ring),
                interval: (own != interval).then(|| (show(&own.0), show(&own.1))),
            }
        });
        notes.push(Note::WrongPiece {
            from: show(&interval.0),
            to: show(&interval.1),
            given,
            right: print_row(piece, ring),
        });
    }
    Some((share(right_parts, rb.len() + rp.len()), notes))
}
