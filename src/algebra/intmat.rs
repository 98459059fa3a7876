//! Dense integer matrices and the fraction-free algorithms that keep exact
//! linear algebra over Q in the integers.
//!
//! Gaussian elimination over Q reduces a fraction at every step, and those
//! gcds dominate once the numbers have hundreds of digits. Here a rational
//! matrix is scaled to integers once ([`IntMatrix::from_rational`]) and
//! every algorithm divides only where the division is exact:
//!
//! - [`IntMatrix::solve`]: Bareiss elimination on `[A | b]` and
//!   fraction-free back substitution, giving `x = det(A)·A⁻¹b` in integers
//!   (Cramer's rule says it is integral);
//! - [`IntMatrix::adjugate`]: fraction-free Gauss–Jordan on `[A | I]`;
//! - [`IntMatrix::is_positive_definite`]: Sylvester's criterion, every
//!   leading principal minor positive, the minors being the Bareiss pivots;
//! - [`IntMatrix::rank_mod`]: the rank modulo a prime, a lower bound of the
//!   rank over Q (a minor that is nonzero mod p is nonzero), so rank n mod
//!   p proves full row rank without any rational arithmetic.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::matrix::Matrix;
use super::rational::Q;

/// The Mersenne prime 2⁶¹ − 1, the modulus of [`IntMatrix::rank_mod`]'s
/// default use.
pub const MERSENNE_61: u64 = (1 << 61) - 1;

/// A dense `rows × cols` integer matrix stored row by row.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IntMatrix {
    rows: usize,
    cols: usize,
    data: Vec<BigInt>,
}

impl IntMatrix {
    pub fn zeros(rows: usize, cols: usize) -> IntMatrix {
        IntMatrix { rows, cols, data: vec![BigInt::zero(); rows * cols] }
    }

    pub fn from_vec(rows: usize, cols: usize, data: Vec<BigInt>) -> IntMatrix {
        assert_eq!(data.len(), rows * cols, "the entries fill the shape");
        IntMatrix { rows, cols, data }
    }

    /// `(A, s)` with `m = A/s`, `s > 0` the least common denominator.
    pub fn from_rational(m: &Matrix<Q>) -> (IntMatrix, BigInt) {
        let den = m.entries().iter().fold(BigInt::one(), |acc, q| acc.lcm(&q.denom()));
        let data = m.entries().iter().map(|q| q.numer() * (&den / q.denom())).collect();
        (IntMatrix { rows: m.rows(), cols: m.cols(), data }, den)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn get(&self, r: usize, c: usize) -> &BigInt {
        &self.data[r * self.cols + c]
    }

    pub fn entries(&self) -> &[BigInt] {
        &self.data
    }

    /// The rational matrix `self/den`.
    pub fn to_rational(&self, den: &BigInt) -> Matrix<Q> {
        let data = self.data.iter().map(|v| Q::from_bigints(v.clone(), den.clone())).collect();
        Matrix::from_vec(self.rows, self.cols, data)
    }

    /// `A Aᵀ`, computed in machine integers while they fit.
    pub fn gram(&self) -> IntMatrix {
        let (n, d) = (self.rows, self.cols);
        let small: Option<Vec<i64>> = self.data.iter().map(|v| v.to_i64()).collect();
        let mut out = IntMatrix::zeros(n, n);
        for i in 0..n {
            for j in i..n {
                let v = match &small {
                    Some(s) => {
                        let (a, b) = (&s[i * d..(i + 1) * d], &s[j * d..(j + 1) * d]);
                        let mut acc: i128 = 0;
                        let mut ok = true;
                        for (x, y) in a.iter().zip(b) {
                            match acc.checked_add(*x as i128 * *y as i128) {
                                Some(v) => acc = v,
                                None => {
                                    ok = false;
                                    break;
                                }
                            }
                        }
                        if ok { BigInt::from(acc) } else { self.row_dot(i, j) }
                    }
                    None => self.row_dot(i, j),
                };
                out.data[i * n + j] = v.clone();
                out.data[j * n + i] = v;
            }
        }
        out
    }

    fn row_dot(&self, i: usize, j: usize) -> BigInt {
        let d = self.cols;
        self.data[i * d..(i + 1) * d].iter().zip(&self.data[j * d..(j + 1) * d]).map(|(a, b)| a * b).sum()
    }

    /// `Aᵀ v`.
    pub fn transpose_times(&self, v: &[BigInt]) -> Vec<BigInt> {
        let mut out = vec![BigInt::zero(); self.cols];
        for (r, vr) in v.iter().enumerate().take(self.rows) {
            if vr.is_zero() {
                continue;
            }
            for (c, o) in out.iter_mut().enumerate() {
                let a = &self.data[r * self.cols + c];
                if !a.is_zero() {
                    *o += a * vr;
                }
            }
        }
        out
    }

    /// `A v`.
    pub fn times(&self, v: &[BigInt]) -> Vec<BigInt> {
        (0..self.rows)
            .map(|r| self.data[r * self.cols..(r + 1) * self.cols].iter().zip(v).map(|(a, b)| a * b).sum())
            .collect()
    }

    /// The rank modulo the prime `p` (below 2⁶³): at most the rank over Q,
    /// equal to it for all but finitely many primes.
    pub fn rank_mod(&self, p: u64) -> usize {
        let pb = BigInt::from(p);
        let mut a: Vec<u64> = self.data.iter().map(|v| v.mod_floor(&pb).to_u64().expect("reduced below p")).collect();
        let (n, d) = (self.rows, self.cols);
        let mulmod = |x: u64, y: u64| ((x as u128 * y as u128) % p as u128) as u64;
        let mut rank = 0;
        for c in 0..d {
            if rank == n {
                break;
            }
            let Some(piv) = (rank..n).find(|&r| a[r * d + c] != 0) else {
                continue;
            };
            for j in 0..d {
                a.swap(piv * d + j, rank * d + j);
            }
            let inv = pow_mod(a[rank * d + c], p - 2, p);
            for r in rank + 1..n {
                let f = mulmod(a[r * d + c], inv);
                if f == 0 {
                    continue;
                }
                for j in c..d {
                    let sub = mulmod(f, a[rank * d + j]);
                    let v = a[r * d + j];
                    a[r * d + j] = if v >= sub { v - sub } else { v + p - sub };
                }
            }
            rank += 1;
        }
        rank
    }

    /// Solves `A x = det(A)·b` for a square `A` by Bareiss elimination:
    /// `Some((det(A), x))` with `x = adj(A) b` in integers, `None` when `A`
    /// is singular.
    pub fn solve(&self, b: &[BigInt]) -> Option<(BigInt, Vec<BigInt>)> {
        let n = self.rows;
        assert_eq!(n, self.cols, "a square matrix");
        assert_eq!(b.len(), n, "one right-hand side entry per row");
        if n == 0 {
            return Some((BigInt::one(), Vec::new()));
        }
        let w = n + 1;
        let mut a: Vec<BigInt> = Vec::with_capacity(n * w);
        for (row, rhs) in self.data.chunks(n).zip(b) {
            a.extend(row.iter().cloned());
            a.push(rhs.clone());
        }
        let (prev, negate) = eliminate(&mut a, n, w, true)?;
        // Upper triangular U with rhs c: U x = d c, d = U[n-1][n-1] (±det).
        let d = prev.clone();
        let mut x = vec![BigInt::zero(); n];
        for i in (0..n).rev() {
            let mut s = &d * &a[i * w + n];
            for j in i + 1..n {
                s -= &a[i * w + j] * &x[j];
            }
            x[i] = s / &a[i * w + i];
        }
        let det = if negate { -d.clone() } else { d.clone() };
        // x solves A x = d b; with the true determinant det = ±d, adj(A) b = ±x.
        if negate {
            x.iter_mut().for_each(|v| *v = -&*v);
        }
        Some((det, x))
    }

    /// `(adj(A), det(A))` of a nonsingular square `A`, by fraction-free
    /// Gauss–Jordan elimination on `[A | I]`; `None` when `A` is singular.
    pub fn adjugate(&self) -> Option<(IntMatrix, BigInt)> {
        let n = self.rows;
        assert_eq!(n, self.cols, "a square matrix");
        let w = 2 * n;
        let mut a = vec![BigInt::zero(); n * w];
        for r in 0..n {
            for c in 0..n {
                a[r * w + c] = self.data[r * n + c].clone();
            }
            a[r * w + n + r] = BigInt::one();
        }
        let mut prev = BigInt::one();
        let mut negate = false;
        for k in 0..n {
            let p = (k..n).find(|&r| !a[r * w + k].is_zero())?;
            if p != k {
                for j in 0..w {
                    a.swap(p * w + j, k * w + j);
                }
                negate = !negate;
            }
            let pivot_row: Vec<BigInt> = a[k * w..(k + 1) * w].to_vec();
            let pivot = &pivot_row[k];
            for i in (0..n).filter(|&i| i != k) {
                let row = &mut a[i * w..(i + 1) * w];
                let factor = row[k].clone();
                for j in (0..w).filter(|&j| j != k) {
                    let mut v = &row[j] * pivot;
                    if !factor.is_zero() && !pivot_row[j].is_zero() {
                        v -= &factor * &pivot_row[j];
                    }
                    row[j] = if prev.is_one() { v } else { v / &prev };
                }
                row[k] = BigInt::zero();
            }
            prev = pivot.clone();
        }
        let mut adj = IntMatrix::zeros(n, n);
        for r in 0..n {
            for c in 0..n {
                let v = a[r * w + n + c].clone();
                adj.data[r * n + c] = if negate { -v } else { v };
            }
        }
        Some((adj, if negate { -prev } else { prev }))
    }

    /// Whether a symmetric matrix is positive definite, by Sylvester's
    /// criterion: every leading principal minor is positive. The minors are
    /// the pivots of Bareiss elimination without row exchanges, which stops
    /// at the first that is not positive.
    pub fn is_positive_definite(&self) -> bool {
        let n = self.rows;
        assert_eq!(n, self.cols, "a square matrix");
        let mut a = self.data.clone();
        eliminate(&mut a, n, n, false).is_some()
    }

    /// The determinant, by Bareiss elimination with row exchanges.
    pub fn det(&self) -> BigInt {
        let n = self.rows;
        assert_eq!(n, self.cols, "a square matrix");
        let mut a = self.data.clone();
        match eliminate(&mut a, n, n, true) {
            Some((last, true)) => -last,
            Some((last, false)) => last,
            None => BigInt::zero(),
        }
    }
}

/// Fraction-free (Bareiss) forward elimination, in place, of the `n` rows
/// of `a`, each `w ≥ n` entries long: after step k the column k is 0 below
/// the diagonal and the pivot of step k is the leading (k+1)-minor (up to
/// the sign of the row exchanges). With `exchange`, a zero pivot is
/// replaced by a row below (none left: the matrix is singular, `None`);
/// without, the elimination stops at the first pivot that is not positive
/// (Sylvester's criterion, `None`). Returns the last pivot and whether the
/// rows were exchanged an odd number of times.
fn eliminate(a: &mut [BigInt], n: usize, w: usize, exchange: bool) -> Option<(BigInt, bool)> {
    let mut prev = BigInt::one();
    let mut negate = false;
    for k in 0..n {
        if exchange {
            let p = (k..n).find(|&r| !a[r * w + k].is_zero())?;
            if p != k {
                for j in 0..w {
                    a.swap(p * w + j, k * w + j);
                }
                negate = !negate;
            }
        } else if !a[k * w + k].is_positive() {
            return None;
        }
        let (top, rest) = a.split_at_mut((k + 1) * w);
        let pivot_row = &top[k * w..];
        let pivot = &pivot_row[k];
        for i in 0..n - k - 1 {
            let row = &mut rest[i * w..(i + 1) * w];
            let factor = row[k].clone();
            for j in k + 1..w {
                let mut v = &row[j] * pivot;
                if !factor.is_zero() && !pivot_row[j].is_zero() {
                    v -= &factor * &pivot_row[j];
                }
                row[j] = if prev.is_one() { v } else { v / &prev };
            }
            row[k] = BigInt::zero();
        }
        prev = a[k * w + k].clone();
    }
    Some((prev, negate))
}

/// `a b` for rational matrices with the shapes of a product, in integers:
/// with a = Aᵢ/α and b = Bᵢ/β, the product is Aᵢ Bᵢ/(αβ), one reduction per
/// entry instead of one per addition.
pub fn rational_product(a: &Matrix<Q>, b: &Matrix<Q>) -> Matrix<Q> {
    assert_eq!(a.cols(), b.rows(), "the shapes of a product");
    let (ai, alpha) = IntMatrix::from_rational(a);
    let (bi, beta) = IntMatrix::from_rational(b);
    let (n, k, m) = (a.rows(), a.cols(), b.cols());
    let den = &alpha * &beta;
    let mut data = Vec::with_capacity(n * m);
    for r in 0..n {
        for c in 0..m {
            let mut acc = BigInt::zero();
            for t in 0..k {
                let (x, y) = (ai.get(r, t), bi.get(t, c));
                if !x.is_zero() && !y.is_zero() {
                    acc += x * y;
                }
            }
            data.push(Q::from_bigints(acc, den.clone()));
        }
    }
    Matrix::from_vec(n, m, data)
}

/// The inverse of a rational square matrix, fraction-free: with m = A/s,
/// m⁻¹ = s·adj(A)/det(A). `None` when it is singular.
pub fn rational_inverse(m: &Matrix<Q>) -> Option<Matrix<Q>> {
    let (a, s) = IntMatrix::from_rational(m);
    let (adj, det) = a.adjugate()?;
    let data = adj.data.into_iter().map(|v| Q::from_bigints(v * &s, det.clone())).collect();
    Some(Matrix::from_vec(m.rows(), m.cols(), data))
}

/// `m⁻¹ b` for a rational square `m`, one fraction-free solve per column of
/// `b`: with m = A/s and b = B/t, m⁻¹b = s·adj(A)B/(det(A)·t). `None` when
/// `m` is singular.
pub fn rational_solve(m: &Matrix<Q>, b: &Matrix<Q>) -> Option<Matrix<Q>> {
    assert_eq!(m.cols(), b.rows(), "the shapes of a product");
    let (a, s) = IntMatrix::from_rational(m);
    let (bi, t) = IntMatrix::from_rational(b);
    let (n, k) = (b.rows(), b.cols());
    let mut data = vec![Q::zero(); n * k];
    for c in 0..k {
        let column: Vec<BigInt> = (0..n).map(|r| bi.get(r, c).clone()).collect();
        let (det, x) = a.solve(&column)?;
        let den = &det * &t;
        for (r, v) in x.into_iter().enumerate() {
            data[r * k + c] = Q::from_bigints(v * &s, den.clone());
        }
    }
    Some(Matrix::from_vec(n, k, data))
}

/// How many power-iteration steps [`IntMatrix::eigenvalue_bracket`] takes at
/// most before it certifies what it has.
const POWER_STEPS: usize = 4000;

/// Relative widths tried, in turn, for the upper end of an eigenvalue
/// bracket: 10⁻⁶, 10⁻³ and 1 of the lower end.
const BRACKET_WIDTHS: [i64; 3] = [1_000_000, 1_000, 1];

impl IntMatrix {
    /// For a symmetric positive semidefinite integer matrix G ≠ 0, rationals
    /// `lo ≤ λ_max(G) < hi`, proved exactly:
    ///
    /// - `lo` is the Rayleigh quotient vᵀGv/vᵀv of an integer vector v,
    ///   at most λ_max for every v ≠ 0; v comes from power iteration in
    ///   fixed-point integer arithmetic, so it is close to a top
    ///   eigenvector and `lo` close to λ_max (the estimate needs no proof,
    ///   only the quotient does);
    /// - `hi` is `lo` widened by 10⁻⁶ (then 10⁻³, then 1) and rounded up to
    ///   a short decimal, accepted when hi·I − G is positive definite
    ///   ([`IntMatrix::is_positive_definite`]): then every eigenvalue is
    ///   below it.
    ///
    /// `None` for G = 0 or when no width was certified.
    pub fn eigenvalue_bracket(&self) -> Option<(Q, Q)> {
        let n = self.rows;
        let v = self.power_vector()?;
        let gv = self.times(&v);
        let num: BigInt = v.iter().zip(&gv).map(|(a, b)| a * b).sum();
        let den: BigInt = v.iter().map(|a| a * a).sum();
        if !num.is_positive() || den.is_zero() {
            return None;
        }
        let lo = Q::from_bigints(num, den);
        for width in BRACKET_WIDTHS {
            let wide = &lo * &(&Q::one() + &Q::new(1, width));
            let hi = round_up(&wide, 8);
            if self.shifted_is_positive_definite(&hi) {
                return Some((lo, hi));
            }
        }
        let _ = n;
        None
    }

    /// Whether t·I − A is positive definite, for a symmetric A.
    pub fn shifted_is_positive_definite(&self, t: &Q) -> bool {
        self.shifted(t).is_positive_definite()
    }

    /// Whether t·I − A is singular.
    pub fn shifted_is_singular(&self, t: &Q) -> bool {
        self.shifted(t).det().is_zero()
    }

    /// q·(t·I − A) as an integer matrix, with t = p/q in lowest terms.
    fn shifted(&self, t: &Q) -> IntMatrix {
        let n = self.rows;
        let (p, q) = (t.numer(), t.denom());
        let mut out = IntMatrix::zeros(n, n);
        for r in 0..n {
            for c in 0..n {
                let v = -(&self.data[r * n + c] * &q);
                out.data[r * n + c] = if r == c { v + &p } else { v };
            }
        }
        out
    }

    /// A vector close to a top eigenvector of a symmetric positive
    /// semidefinite matrix, by power iteration in i128 fixed point (the
    /// matrix rounded to 40-bit entries, the vector kept near 2⁵⁰), from a
    /// fixed start with every entry distinct. `None` for the zero matrix.
    fn power_vector(&self) -> Option<Vec<BigInt>> {
        let n = self.rows;
        let top = self.data.iter().map(|v| v.bits()).max().unwrap_or(0);
        if top == 0 {
            return None;
        }
        let shift = top.saturating_sub(40);
        let a: Vec<i128> = self.data.iter().map(|v| (v >> shift).to_i128().unwrap_or(0)).collect();
        let mut v: Vec<i128> = (0..n).map(|i| (1i128 << 50) - (i as i128 * 7919) % 65_521).collect();
        for _ in 0..POWER_STEPS {
            let mut next: Vec<i128> =
                (0..n).map(|r| a[r * n..(r + 1) * n].iter().zip(&v).map(|(x, y)| x * y).sum()).collect();
            let big = next.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
            if big == 0 {
                break;
            }
            let bits = 128 - big.leading_zeros();
            if bits > 50 {
                let s = bits - 50;
                next.iter_mut().for_each(|x| *x >>= s);
            }
            if next == v {
                break;
            }
            v = next;
        }
        Some(v.into_iter().map(BigInt::from).collect())
    }
}

/// The least decimal with `digits` significant digits at least `q > 0`.
fn round_up(q: &Q, digits: u32) -> Q {
    let (m, e) = super::univariate::decimal_parts(q, digits, std::cmp::Ordering::Greater);
    &Q::from_bigints(m, BigInt::one()) / &Q::from_int(10).pow(e).expect("ten is nonzero")
}

/// `b^e mod p`.
pub fn pow_mod(mut b: u64, mut e: u64, p: u64) -> u64 {
    let mut acc: u64 = 1 % p;
    b %= p;
    while e > 0 {
        if e & 1 == 1 {
            acc = ((acc as u128 * b as u128) % p as u128) as u64;
        }
        b = ((b as u128 * b as u128) % p as u128) as u64;
        e >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn qm(rows: usize, cols: usize, v: &[i64]) -> Matrix<Q> {
        Matrix::from_vec(rows, cols, v.iter().map(|&k| Q::from_int(k)).collect())
    }

    fn im(rows: usize, cols: usize, v: &[i64]) -> IntMatrix {
        IntMatrix::from_vec(rows, cols, v.iter().map(|&k| BigInt::from(k)).collect())
    }

    #[test]
    fn solving_a_small_system() {
        // [[2, 1], [1, 3]] x = 5 (1, 2): det 5, A⁻¹(1, 2) = (1/5, 3/5).
        let a = im(2, 2, &[2, 1, 1, 3]);
        let (det, x) = a.solve(&[BigInt::from(1), BigInt::from(2)]).unwrap();
        assert_eq!(det, BigInt::from(5));
        assert_eq!(x, vec![BigInt::from(1), BigInt::from(3)]);
        // A row exchange flips the sign of the pivot, not of the answer.
        let a = im(2, 2, &[0, 1, 1, 0]);
        let (det, x) = a.solve(&[BigInt::from(3), BigInt::from(4)]).unwrap();
        assert_eq!(det, BigInt::from(-1));
        assert_eq!(x, vec![BigInt::from(-4), BigInt::from(-3)]);
        assert!(im(2, 2, &[1, 2, 2, 4]).solve(&[BigInt::from(1), BigInt::from(1)]).is_none());
    }

    #[test]
    fn positive_definite_by_leading_minors() {
        assert!(im(2, 2, &[2, -1, -1, 2]).is_positive_definite());
        assert!(!im(2, 2, &[1, 2, 2, 1]).is_positive_definite());
        assert!(!im(2, 2, &[1, 1, 1, 1]).is_positive_definite());
        assert!(!im(2, 2, &[0, 0, 0, 1]).is_positive_definite());
    }

    #[test]
    fn rank_mod_a_prime() {
        assert_eq!(im(2, 3, &[1, 2, 3, 2, 4, 6]).rank_mod(MERSENNE_61), 1);
        assert_eq!(im(2, 3, &[1, 2, 3, 0, 1, 1]).rank_mod(MERSENNE_61), 2);
        // 7 ≡ 0 mod 7: the rank mod p can only drop.
        assert_eq!(im(2, 2, &[7, 0, 0, 1]).rank_mod(7), 1);
    }

    fn small_matrix(max: usize) -> impl Strategy<Value = (usize, usize, Vec<i64>)> {
        (1..=max, 1..=max).prop_flat_map(|(r, c)| (Just(r), Just(c), prop::collection::vec(-9i64..=9, r * c)))
    }

    #[test]
    fn eigenvalue_brackets_are_certified() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let g = im(2, 2, &[2, 1, 1, 2]);
        let (lo, hi) = g.eigenvalue_bracket().unwrap();
        assert!(lo <= Q::from_int(3) && Q::from_int(3) < hi, "{lo} {hi}");
        assert!(&hi - &lo < Q::new(1, 10_000));
        // [[14, 5], [5, 2]]: 8 + √61 ≈ 15.8102.
        let (lo, hi) = im(2, 2, &[14, 5, 5, 2]).eigenvalue_bracket().unwrap();
        assert!(lo < Q::new(158103, 10000) && Q::new(158102, 10000) < hi, "{lo} {hi}");
        assert!(IntMatrix::zeros(3, 3).eigenvalue_bracket().is_none());
        // t I − G at t = 3 is singular, not positive definite.
        assert!(g.shifted_is_singular(&Q::from_int(3)) && !g.shifted_is_positive_definite(&Q::from_int(3)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The integer algorithms agree with the rational ones they replace.
        #[test]
        fn agrees_with_rational_elimination((r, c, v) in small_matrix(6), b in prop::collection::vec(-9i64..=9, 6)) {
            let q = qm(r, c, &v);
            let a = im(r, c, &v);
            prop_assert_eq!(a.rank_mod(MERSENNE_61), q.rank());
            if r == c {
                let det = q.det().unwrap();
                prop_assert_eq!(Q::from_bigints(a.det(), BigInt::one()), det.clone());
                let rhs: Vec<BigInt> = b[..r].iter().map(|&k| BigInt::from(k)).collect();
                match a.solve(&rhs) {
                    None => prop_assert!(det.is_zero()),
                    Some((d, x)) => {
                        prop_assert_eq!(Q::from_bigints(d.clone(), BigInt::one()), det.clone());
                        let bq = Matrix::column(b[..r].iter().map(|&k| Q::from_int(k)).collect());
                        let sol = q.solve(&bq).unwrap();
                        for (i, xi) in x.iter().enumerate() {
                            prop_assert_eq!(Q::from_bigints(xi.clone(), d.clone()), sol.get(i, 0).clone());
                        }
                        let (adj, d2) = a.adjugate().unwrap();
                        prop_assert_eq!(&d2, &d);
                        prop_assert_eq!(adj.to_rational(&BigInt::one()), q.adjugate().unwrap());
                    }
                }
                let sym = q.mul(&q.transpose()).unwrap();
                let (g, _) = IntMatrix::from_rational(&sym);
                let pd = (1..=r).all(|k| {
                    let lead = Matrix::from_vec(k, k, (0..k * k).map(|t| sym.get(t / k, t % k).clone()).collect());
                    lead.det().unwrap().signum() > 0
                });
                prop_assert_eq!(g.is_positive_definite(), pd);
            }
            if r == c {
                prop_assert_eq!(rational_inverse(&q), q.inverse().ok());
                let bq = Matrix::from_vec(r, 2, (0..2 * r).map(|t| Q::new(b[t % 6], 1 + t as i64)).collect());
                prop_assert_eq!(rational_solve(&q, &bq), q.inverse().ok().map(|inv| inv.mul(&bq).unwrap()));
            }
            let qt = q.transpose();
            prop_assert_eq!(rational_product(&q, &qt), q.mul(&qt).unwrap());
            let (g, s) = IntMatrix::from_rational(&q);
            prop_assert_eq!(g.gram().to_rational(&(&s * &s)), q.mul(&q.transpose()).unwrap());
        }
    }
}
