//! Exact geometry in the plane, for the pictures derivations draw: boxes,
//! lines clipped to a box, areas. Every coordinate is a rational, so a
//! picture's marks satisfy their equations exactly (and tests can say so).

use crate::algebra::Q;

use super::explain::Point;

/// The rectangle `x.0 ≤ p ≤ x.1`, `y.0 ≤ q ≤ y.1` as a polygon,
/// counterclockwise from its lower left corner.
pub fn rectangle(x: &(Q, Q), y: &(Q, Q)) -> Vec<Point> {
    vec![(x.0.clone(), y.0.clone()), (x.1.clone(), y.0.clone()), (x.1.clone(), y.1.clone()), (x.0.clone(), y.1.clone())]
}

/// Twice the signed area of a polygon (the shoelace formula): positive
/// when its vertices run counterclockwise.
pub fn twice_area(points: &[Point]) -> Q {
    (0..points.len()).fold(Q::zero(), |acc, k| {
        let (p, q) = (&points[k], &points[(k + 1) % points.len()]);
        &acc + &(&(&p.0 * &q.1) - &(&q.0 * &p.1))
    })
}

/// The part of the line `a.0 p + a.1 q = c` inside the rectangle `x × y`,
/// as its two ends on the rectangle's sides (the lower `p` first, then the
/// lower `q`); `None` when the line misses the rectangle, only touches a
/// corner, or `a = 0`.
pub fn clip_line(a: (&Q, &Q), c: &Q, x: (&Q, &Q), y: (&Q, &Q)) -> Option<[Point; 2]> {
    let mut ends: Vec<Point> = Vec::new();
    if !a.1.is_zero() {
        for p in [x.0, x.1] {
            let q = &(c - &(a.0 * p)) / a.1;
            if y.0 <= &q && &q <= y.1 {
                ends.push((p.clone(), q));
            }
        }
    }
    if !a.0.is_zero() {
        for q in [y.0, y.1] {
            let p = &(c - &(a.1 * q)) / a.0;
            if x.0 <= &p && &p <= x.1 {
                ends.push((p, q.clone()));
            }
        }
    }
    ends.sort();
    ends.dedup();
    match &ends[..] {
        [first, .., last] => Some([first.clone(), last.clone()]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    #[test]
    fn lines_are_clipped_to_the_box_exactly() {
        let (lo, hi) = (q(0, 1), q(1, 1));
        let unit = (&lo, &hi);
        // p + q = 1/2 meets the left and the bottom side.
        let ends = clip_line((&q(1, 1), &q(1, 1)), &q(1, 2), unit, unit).unwrap();
        assert_eq!(ends, [(q(0, 1), q(1, 2)), (q(1, 2), q(0, 1))]);
        // A horizontal line runs from side to side.
        let ends = clip_line((&q(0, 1), &q(2, 1)), &q(1, 1), unit, unit).unwrap();
        assert_eq!(ends, [(q(0, 1), q(1, 2)), (q(1, 1), q(1, 2))]);
        // Through a corner only, outside, or no line at all.
        assert_eq!(clip_line((&q(1, 1), &q(1, 1)), &q(2, 1), unit, unit), None);
        assert_eq!(clip_line((&q(1, 1), &q(0, 1)), &q(3, 1), unit, unit), None);
        assert_eq!(clip_line((&q(0, 1), &q(0, 1)), &q(0, 1), unit, unit), None);
    }

    #[test]
    fn areas_are_signed_by_orientation() {
        let r = rectangle(&(q(0, 1), q(2, 1)), &(q(0, 1), q(1, 2)));
        assert_eq!(twice_area(&r), q(2, 1));
        let reversed: Vec<Point> = r.iter().rev().cloned().collect();
        assert_eq!(twice_area(&reversed), q(-2, 1));
    }
}
