//! Exact linear feasibility: the simplex method over the rationals, with
//! Farkas's alternative as its answer.
//!
//! [`farkas`] decides whether `A z = c` has a solution with `z ≥ 0`. By
//! Farkas's lemma exactly one of two things holds: such a `z` exists, or some
//! `y` has `yᵀA ≤ 0` in every column and `yᵀc > 0` (which rules every
//! `z ≥ 0` out, since then `0 < yᵀc = yᵀA z ≤ 0`). The answer is whichever
//! holds, in exact rationals. Both are cheap to check, and callers check
//! them with their own code rather than trusting this one.
//!
//! The method is phase one of the simplex method. Artificial variables `a`
//! make `A z + a = c` feasible at `z = 0` (after flipping the rows whose
//! `c` is negative), and the simplex drives `Σ a` down. If it reaches 0 the
//! basic solution is a `z`; otherwise the simplex multipliers `y = c_B B⁻¹`
//! of the optimal basis are the certificate: optimality says every column
//! of `A` has a nonnegative reduced cost, `−yᵀA_j ≥ 0`, and `yᵀc` is the
//! optimal value, which is positive. The entering column is the one with
//! the most negative reduced cost for the first pivots, then Bland's rule
//! (the lowest column with a negative reduced cost enters; ties in the ratio
//! test always go to the lowest basic variable), which rules out cycling, so
//! the method always ends. A basic
//! solution has at most one nonzero entry per row of `A`, which keeps
//! certificates built from it short.

use super::rational::Q;

/// The answer of [`farkas`].
#[derive(Clone, Debug, PartialEq)]
pub enum Alternative {
    /// A `z ≥ 0` with `A z = c`, one entry per column of `A`.
    Solution(Vec<Q>),
    /// A `y` with `yᵀA ≤ 0` and `yᵀc > 0`, one entry per row of `A`.
    Certificate(Vec<Q>),
}

/// Decides whether `A z = c` has a solution `z ≥ 0`; see the module
/// documentation. `a` lists the rows of `A`, all of the same length, one
/// per entry of `c`.
pub fn farkas(a: &[Vec<Q>], c: &[Q]) -> Alternative {
    assert_eq!(a.len(), c.len(), "one right-hand side per row");
    let k = a.first().map_or(0, Vec::len);
    assert!(a.iter().all(|r| r.len() == k), "rows of equal length");
    integer_farkas(a, c).unwrap_or_else(|| rational_farkas(a, c))
}

/// The simplex method on a tableau of rationals.
fn rational_farkas(a: &[Vec<Q>], c: &[Q]) -> Alternative {
    let m = a.len();
    let k = a.first().map_or(0, Vec::len);
    // Columns: z (k of them), the artificials (m), then the right-hand side.
    let width = k + m + 1;
    let rhs = k + m;
    let mut signs = Vec::with_capacity(m);
    let mut t: Vec<Vec<Q>> = Vec::with_capacity(m);
    for (i, (row, ci)) in a.iter().zip(c).enumerate() {
        let flip = ci.is_negative();
        signs.push(if flip { -1 } else { 1 });
        let mut r = Vec::with_capacity(width);
        r.extend(row.iter().map(|x| if flip { -x } else { x.clone() }));
        r.extend((0..m).map(|j| if j == i { Q::one() } else { Q::zero() }));
        r.push(if flip { -ci } else { ci.clone() });
        t.push(r);
    }
    let mut basis: Vec<usize> = (k..k + m).collect();
    // Reduced costs of phase one with the artificials basic (cost 1 each):
    // d_j = cost_j − Σ_i t[i][j]; the last entry is minus the objective.
    let mut d = vec![Q::zero(); width];
    for (j, dj) in d.iter_mut().enumerate() {
        if j < k || j == rhs {
            *dj = -t.iter().map(|r| r[j].clone()).sum::<Q>();
        }
    }
    let mut pivots = 0;
    while let Some(enter) = entering(k, pivots, |j| d[j].is_negative(), |a, b| d[a] < d[b]) {
        pivots += 1;
        // The objective is bounded below by 0, so a column that would lower
        // it always has a positive entry to pivot on.
        let mut leave: Option<(usize, Q)> = None;
        for (i, row) in t.iter().enumerate() {
            if row[enter].signum() <= 0 {
                continue;
            }
            let ratio = &row[rhs] / &row[enter];
            let better = match &leave {
                None => true,
                Some((l, best)) => ratio < *best || (ratio == *best && basis[i] < basis[*l]),
            };
            if better {
                leave = Some((i, ratio));
            }
        }
        let (r, _) = leave.expect("phase one is bounded below, so some row limits the step");
        pivot(&mut t, &mut d, r, enter);
        basis[r] = enter;
    }
    if d[rhs].is_zero() {
        let mut z = vec![Q::zero(); k];
        for (i, &b) in basis.iter().enumerate() {
            if b < k {
                z[b] = t[i][rhs].clone();
            }
        }
        Alternative::Solution(z)
    } else {
        // The artificial column of row i has cost 1, so its reduced cost is
        // 1 − y_i; undo the row flips.
        let y = (0..m)
            .map(|i| {
                let yi = &Q::one() - &d[k + i];
                if signs[i] < 0 { -yi } else { yi }
            })
            .collect();
        Alternative::Certificate(y)
    }
}

/// Pivots taken by Dantzig's rule, per column of the tableau, before
/// Bland's rule takes over.
const DANTZIG_PIVOTS_PER_COLUMN: usize = 2;

/// The column to enter the basis, if any has a negative reduced cost: the
/// most negative one (Dantzig's rule, few pivots in practice) for a while,
/// then the first one (Bland's rule, which cannot cycle), so the method
/// always ends. Ties go to the lowest column.
fn entering(
    k: usize,
    pivots: usize,
    negative: impl Fn(usize) -> bool,
    less: impl Fn(usize, usize) -> bool,
) -> Option<usize> {
    let mut candidates = (0..k).filter(|&j| negative(j));
    if pivots >= DANTZIG_PIVOTS_PER_COLUMN * k {
        return candidates.next();
    }
    candidates.reduce(|best, j| if less(j, best) { j } else { best })
}

/// Pivots the tableau on entry (r, j): row r is scaled so that the entry is
/// 1, and column j is cleared from every other row and from the costs.
fn pivot(t: &mut [Vec<Q>], d: &mut [Q], r: usize, j: usize) {
    let inv = t[r][j].inv().expect("pivots are positive");
    for x in t[r].iter_mut() {
        if !x.is_zero() {
            *x = &*x * &inv;
        }
    }
    let row = t[r].clone();
    let support: Vec<usize> = (0..row.len()).filter(|&c| !row[c].is_zero()).collect();
    let eliminate = |target: &mut [Q]| {
        let f = target[j].clone();
        if f.is_zero() {
            return;
        }
        for &c in &support {
            target[c] = &target[c] - &(&f * &row[c]);
        }
    };
    for (i, other) in t.iter_mut().enumerate() {
        if i != r {
            eliminate(other);
        }
    }
    eliminate(d);
}

/// The same method on an integer tableau, when `A` and `c` have (not too
/// large) integer entries: `None` otherwise, or when an intermediate value
/// would overflow `i64` (the caller then uses rationals).
///
/// The tableau is kept fraction-free, as in Bareiss's elimination: the
/// true tableau is `t / den` and the true reduced costs `d / den`, with
/// `den > 0` the previous pivot. Pivoting on `p = t[r][j]` keeps row `r`,
/// replaces every other row `i` by `(p·t[i] − t[i][j]·t[r]) / den` (an
/// exact division: the entries are minors of the original matrix) and sets
/// `den = p`. No gcd is ever taken, which makes it several times faster
/// than the rational tableau on the small 0/±1 systems nnkey solves.
fn integer_farkas(a: &[Vec<Q>], c: &[Q]) -> Option<Alternative> {
    let m = a.len();
    let k = a.first().map_or(0, Vec::len);
    let width = k + m + 1;
    let rhs = k + m;
    // Entries up to 2^31 in size keep the first products within i64.
    let int = |q: &Q| q.to_i64().filter(|v| v.unsigned_abs() < 1 << 31);
    let mut signs = Vec::with_capacity(m);
    let mut t: Vec<Vec<i64>> = Vec::with_capacity(m);
    for (i, (row, ci)) in a.iter().zip(c).enumerate() {
        let ci = int(ci)?;
        let s = if ci < 0 { -1 } else { 1 };
        signs.push(s);
        let mut r = Vec::with_capacity(width);
        for x in row {
            r.push(s * int(x)?);
        }
        r.extend((0..m).map(|j| i64::from(j == i)));
        r.push(s * ci);
        t.push(r);
    }
    let mut basis: Vec<usize> = (k..k + m).collect();
    let mut d = vec![0i64; width];
    for (j, dj) in d.iter_mut().enumerate() {
        if j < k || j == rhs {
            *dj = t.iter().try_fold(0i64, |acc, r| acc.checked_sub(r[j]))?;
        }
    }
    let mut den: i64 = 1;
    let mut pivots = 0;
    while let Some(enter) = entering(k, pivots, |j| d[j] < 0, |a, b| d[a] < d[b]) {
        pivots += 1;
        // Ratio test: t[i][rhs] / t[i][enter] over t[i][enter] > 0, compared
        // by cross-multiplying (den cancels).
        let mut leave: Option<usize> = None;
        for i in 0..m {
            if t[i][enter] <= 0 {
                continue;
            }
            let better = match leave {
                None => true,
                Some(l) => {
                    let lhs = t[i][rhs].checked_mul(t[l][enter])?;
                    let rhs_ = t[l][rhs].checked_mul(t[i][enter])?;
                    lhs < rhs_ || (lhs == rhs_ && basis[i] < basis[l])
                }
            };
            if better {
                leave = Some(i);
            }
        }
        let r = leave.expect("phase one is bounded below, so some row limits the step");
        let p = t[r][enter];
        let row = t[r].clone();
        let update = |target: &mut [i64]| -> Option<()> {
            let f = target[enter];
            for (x, &y) in target.iter_mut().zip(&row) {
                let v = p.checked_mul(*x)?.checked_sub(f.checked_mul(y)?)?;
                if den != 1 {
                    if v % den != 0 {
                        return None;
                    }
                    *x = v / den;
                } else {
                    *x = v;
                }
            }
            Some(())
        };
        for (i, target) in t.iter_mut().enumerate() {
            if i != r {
                update(target)?;
            }
        }
        update(&mut d)?;
        den = p;
        basis[r] = enter;
    }
    let q = |v: i64| Q::new(v, den);
    if d[rhs] == 0 {
        let mut z = vec![Q::zero(); k];
        for (i, &b) in basis.iter().enumerate() {
            if b < k {
                z[b] = q(t[i][rhs]);
            }
        }
        Some(Alternative::Solution(z))
    } else {
        let mut y = Vec::with_capacity(m);
        for i in 0..m {
            let yi = &Q::one() - &q(d[k + i]);
            y.push(if signs[i] < 0 { -yi } else { yi });
        }
        Some(Alternative::Certificate(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    fn rows(r: &[&[i64]]) -> Vec<Vec<Q>> {
        r.iter().map(|row| row.iter().map(|&x| q(x)).collect()).collect()
    }

    /// Checks whichever alternative came back.
    fn check(a: &[Vec<Q>], c: &[Q], alt: &Alternative) {
        match alt {
            Alternative::Solution(z) => {
                assert!(z.iter().all(|x| !x.is_negative()));
                for (row, ci) in a.iter().zip(c) {
                    let s: Q = row.iter().zip(z).map(|(x, y)| x * y).sum();
                    assert_eq!(&s, ci);
                }
            }
            Alternative::Certificate(y) => {
                for j in 0..a[0].len() {
                    let s: Q = a.iter().zip(y).map(|(row, yi)| &row[j] * yi).sum();
                    assert!(s.signum() <= 0, "column {j} has yᵀA_j = {s}");
                }
                let s: Q = c.iter().zip(y).map(|(x, yi)| x * yi).sum();
                assert!(s.signum() > 0);
            }
        }
    }

    #[test]
    fn a_feasible_system_gives_a_solution() {
        // z1 + z2 = 2, z1 − z2 = 0: z = (1, 1).
        let a = rows(&[&[1, 1], &[1, -1]]);
        let c = vec![q(2), q(0)];
        let alt = farkas(&a, &c);
        assert_eq!(alt, Alternative::Solution(vec![q(1), q(1)]));
    }

    #[test]
    fn an_infeasible_system_gives_a_certificate() {
        // z1 + z2 = −1 has no nonnegative solution: y = −1 shows it.
        let a = rows(&[&[1, 1]]);
        let c = vec![q(-1)];
        let alt = farkas(&a, &c);
        check(&a, &c, &alt);
        assert!(matches!(alt, Alternative::Certificate(_)));
    }

    #[test]
    fn degenerate_systems_terminate() {
        // Many zero right-hand sides: the classic ground for cycling.
        let a = rows(&[&[1, -1, 1, 0, -1], &[0, 1, -1, 1, 0], &[1, 0, 0, 1, -1], &[1, 1, 1, 1, 1]]);
        let c = vec![q(0), q(0), q(0), q(1)];
        let alt = farkas(&a, &c);
        check(&a, &c, &alt);
        let c = vec![q(0), q(0), q(0), q(-1)];
        let alt = farkas(&a, &c);
        check(&a, &c, &alt);
        assert!(matches!(alt, Alternative::Certificate(_)));
    }

    #[test]
    fn random_small_systems_agree_with_their_answers() {
        // A fixed pseudo-random walk through small integer systems.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 7) as i64 - 3
        };
        for _ in 0..300 {
            let (m, k) = (1 + (next().unsigned_abs() as usize % 4), 1 + (next().unsigned_abs() as usize % 6));
            let a: Vec<Vec<Q>> = (0..m).map(|_| (0..k).map(|_| q(next())).collect()).collect();
            let c: Vec<Q> = (0..m).map(|_| q(next())).collect();
            let (fast, slow) = (farkas(&a, &c), rational_farkas(&a, &c));
            check(&a, &c, &fast);
            check(&a, &c, &slow);
            // Both follow the same pivoting rule from the same start, so
            // they pivot alike and end with the same answer.
            assert_eq!(fast, slow);
        }
    }

    #[test]
    fn fractional_systems_use_rationals() {
        // 1/2 z1 + z2 = 3/4 has no integer tableau; z = (3/2, 0) or similar.
        let a = vec![vec![Q::new(1, 2), q(1)]];
        let c = vec![Q::new(3, 4)];
        assert!(integer_farkas(&a, &c).is_none());
        let alt = farkas(&a, &c);
        check(&a, &c, &alt);
        assert!(matches!(alt, Alternative::Solution(_)));
    }
}
