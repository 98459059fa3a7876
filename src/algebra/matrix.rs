//! Dense matrices over exact scalars.
//!
//! The elimination algorithms are fraction-free where that matters: the
//! determinant, the adjugate and the rank use Bareiss elimination, whose
//! every division is exact, so over polynomials they never leave the
//! polynomial ring. Solving over a field uses ordinary Gauss-Jordan.

use std::fmt;

use super::poly::Poly;
use super::ratfunc::RatFunc;
use super::rational::Q;

/// An exact scalar of an integral domain.
pub trait Scalar: Clone + PartialEq + fmt::Debug {
    fn zero() -> Self;
    fn one() -> Self;
    fn is_zero(&self) -> bool;
    fn add(&self, other: &Self) -> Self;
    fn sub(&self, other: &Self) -> Self;
    fn mul(&self, other: &Self) -> Self;
    fn neg(&self) -> Self;
    /// `self / divisor` when it is exact, which Bareiss guarantees.
    fn exact_div(&self, divisor: &Self) -> Option<Self>;
}

/// A scalar of a field: every nonzero element has an inverse.
pub trait Field: Scalar {
    fn inv(&self) -> Option<Self>;
}

macro_rules! scalar_impl {
    ($t:ty, $div:expr) => {
        impl Scalar for $t {
            fn zero() -> Self {
                <$t>::zero()
            }
            fn one() -> Self {
                <$t>::one()
            }
            fn is_zero(&self) -> bool {
                <$t>::is_zero(self)
            }
            fn add(&self, other: &Self) -> Self {
                self + other
            }
            fn sub(&self, other: &Self) -> Self {
                self - other
            }
            fn mul(&self, other: &Self) -> Self {
                self * other
            }
            fn neg(&self) -> Self {
                -self
            }
            fn exact_div(&self, divisor: &Self) -> Option<Self> {
                $div(self, divisor)
            }
        }
    };
}

scalar_impl!(Q, |a: &Q, b: &Q| if b.is_zero() { None } else { Some(a / b) });
scalar_impl!(Poly, |a: &Poly, b: &Poly| a.exact_div(b));
scalar_impl!(RatFunc, |a: &RatFunc, b: &RatFunc| if b.is_zero() { None } else { Some(a / b) });

impl Field for Q {
    fn inv(&self) -> Option<Q> {
        Q::inv(self)
    }
}

impl Field for RatFunc {
    fn inv(&self) -> Option<RatFunc> {
        RatFunc::inv(self)
    }
}

/// Why a matrix operation has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatrixError {
    /// The shapes do not fit, e.g. a 2×3 times a 2×3.
    Shape { op: &'static str, left: (usize, usize), right: (usize, usize) },
    /// A square matrix was needed.
    NotSquare { rows: usize, cols: usize },
    /// The matrix has no inverse.
    Singular,
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatrixError::Shape { op, left, right } => {
                write!(f, "cannot {op} a {}×{} matrix and a {}×{} matrix", left.0, left.1, right.0, right.1)
            }
            MatrixError::NotSquare { rows, cols } => {
                write!(f, "a square matrix is needed, this one is {rows}×{cols}")
            }
            MatrixError::Singular => write!(f, "the matrix is singular"),
        }
    }
}

/// A dense `rows × cols` matrix stored row by row.
#[derive(Clone, PartialEq, Debug)]
pub struct Matrix<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T: Scalar> Matrix<T> {
    pub fn zeros(rows: usize, cols: usize) -> Matrix<T> {
        Matrix { rows, cols, data: vec![T::zero(); rows * cols] }
    }

    pub fn identity(n: usize) -> Matrix<T> {
        let mut m = Matrix::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = T::one();
        }
        m
    }

    /// Builds a matrix from its entries in row-major order.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Matrix<T> {
        assert_eq!(data.len(), rows * cols, "matrix data does not fit its shape");
        Matrix { rows, cols, data }
    }

    /// Builds a matrix from rows of equal length; `None` if they differ.
    pub fn from_rows(rows: Vec<Vec<T>>) -> Option<Matrix<T>> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        let n = rows.len();
        Some(Matrix { rows: n, cols, data: rows.into_iter().flatten().collect() })
    }

    /// A column vector.
    pub fn column(entries: Vec<T>) -> Matrix<T> {
        let n = entries.len();
        Matrix { rows: n, cols: 1, data: entries }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    pub fn is_square(&self) -> bool {
        self.rows == self.cols
    }

    pub fn get(&self, r: usize, c: usize) -> &T {
        &self.data[r * self.cols + c]
    }

    pub fn set(&mut self, r: usize, c: usize, value: T) {
        self.data[r * self.cols + c] = value;
    }

    pub fn row(&self, r: usize) -> &[T] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    pub fn entries(&self) -> &[T] {
        &self.data
    }

    pub fn into_entries(self) -> Vec<T> {
        self.data
    }

    pub fn map<U: Scalar>(&self, f: impl Fn(&T) -> U) -> Matrix<U> {
        Matrix { rows: self.rows, cols: self.cols, data: self.data.iter().map(f).collect() }
    }

    pub fn try_map<U: Scalar, E>(&self, f: impl Fn(&T) -> Result<U, E>) -> Result<Matrix<U>, E> {
        let data = self.data.iter().map(f).collect::<Result<Vec<U>, E>>()?;
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    pub fn transpose(&self) -> Matrix<T> {
        let mut data = Vec::with_capacity(self.data.len());
        for c in 0..self.cols {
            for r in 0..self.rows {
                data.push(self.get(r, c).clone());
            }
        }
        Matrix { rows: self.cols, cols: self.rows, data }
    }

    pub fn add(&self, other: &Matrix<T>) -> Result<Matrix<T>, MatrixError> {
        self.zip(other, "add", T::add)
    }

    pub fn sub(&self, other: &Matrix<T>) -> Result<Matrix<T>, MatrixError> {
        self.zip(other, "subtract", T::sub)
    }

    fn zip(&self, other: &Matrix<T>, op: &'static str, f: impl Fn(&T, &T) -> T) -> Result<Matrix<T>, MatrixError> {
        if self.shape() != other.shape() {
            return Err(MatrixError::Shape { op, left: self.shape(), right: other.shape() });
        }
        let data = self.data.iter().zip(&other.data).map(|(a, b)| f(a, b)).collect();
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    pub fn scale(&self, s: &T) -> Matrix<T> {
        self.map(|x| x.mul(s))
    }

    pub fn neg(&self) -> Matrix<T> {
        self.map(T::neg)
    }

    pub fn mul(&self, other: &Matrix<T>) -> Result<Matrix<T>, MatrixError> {
        if self.cols != other.rows {
            return Err(MatrixError::Shape { op: "multiply", left: self.shape(), right: other.shape() });
        }
        let mut out: Matrix<T> = Matrix::zeros(self.rows, other.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let a = self.get(i, k);
                if a.is_zero() {
                    continue;
                }
                for j in 0..other.cols {
                    let b = other.get(k, j);
                    if !b.is_zero() {
                        let idx = i * other.cols + j;
                        out.data[idx] = out.data[idx].add(&a.mul(b));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The determinant, by Bareiss fraction-free elimination.
    pub fn det(&self) -> Result<T, MatrixError> {
        if !self.is_square() {
            return Err(MatrixError::NotSquare { rows: self.rows, cols: self.cols });
        }
        let n = self.rows;
        if n == 0 {
            return Ok(T::one());
        }
        let mut a = self.clone();
        let mut sign_flip = false;
        let mut prev = T::one();
        for k in 0..n {
            let Some(p) = (k..n).find(|&r| !a.get(r, k).is_zero()) else {
                return Ok(T::zero());
            };
            if p != k {
                a.swap_rows(p, k);
                sign_flip = !sign_flip;
            }
            for i in k + 1..n {
                for j in k + 1..n {
                    let v = a.get(i, j).mul(a.get(k, k)).sub(&a.get(i, k).mul(a.get(k, j)));
                    let v = v.exact_div(&prev).expect("Bareiss division is exact");
                    a.set(i, j, v);
                }
                a.set(i, k, T::zero());
            }
            prev = a.get(k, k).clone();
        }
        let d = a.get(n - 1, n - 1).clone();
        Ok(if sign_flip { d.neg() } else { d })
    }

    /// The rank, by fraction-free elimination (over the fraction field).
    pub fn rank(&self) -> usize {
        let mut a = self.clone();
        let mut prev = T::one();
        let mut rank = 0;
        for c in 0..a.cols {
            if rank == a.rows {
                break;
            }
            let Some(p) = (rank..a.rows).find(|&r| !a.get(r, c).is_zero()) else {
                continue;
            };
            a.swap_rows(p, rank);
            for i in rank + 1..a.rows {
                for j in c + 1..a.cols {
                    let v = a.get(i, j).mul(a.get(rank, c)).sub(&a.get(i, c).mul(a.get(rank, j)));
                    let v = v.exact_div(&prev).expect("Bareiss division is exact");
                    a.set(i, j, v);
                }
                a.set(i, c, T::zero());
            }
            prev = a.get(rank, c).clone();
            rank += 1;
        }
        rank
    }

    /// The adjugate (transposed cofactor matrix), with `A adj(A) = det(A) I`.
    ///
    /// For a nonsingular matrix this runs fraction-free Gauss-Jordan
    /// elimination on `[A | I]`, which ends at `[d I | adj(A)]` up to the sign
    /// of the row swaps; for a singular one it falls back to cofactors.
    pub fn adjugate(&self) -> Result<Matrix<T>, MatrixError> {
        if !self.is_square() {
            return Err(MatrixError::NotSquare { rows: self.rows, cols: self.cols });
        }
        let n = self.rows;
        if n == 0 {
            return Ok(Matrix::zeros(0, 0));
        }
        if n == 1 {
            return Ok(Matrix::identity(1));
        }
        match self.fraction_free_inverse() {
            Some((adj, _)) => Ok(adj),
            None => Ok(self.cofactor_adjugate()),
        }
    }

    /// Fraction-free Gauss-Jordan on `[A | I]`: returns `(adj(A), det(A))`
    /// for a nonsingular `A`, `None` for a singular one.
    fn fraction_free_inverse(&self) -> Option<(Matrix<T>, T)> {
        let n = self.rows;
        let w = 2 * n;
        let mut a = Matrix::zeros(n, w);
        for i in 0..n {
            for j in 0..n {
                a.set(i, j, self.get(i, j).clone());
            }
            a.set(i, n + i, T::one());
        }
        let mut prev = T::one();
        let mut sign_flip = false;
        for k in 0..n {
            let p = (k..n).find(|&r| !a.get(r, k).is_zero())?;
            if p != k {
                a.swap_rows(p, k);
                sign_flip = !sign_flip;
            }
            let pivot = a.get(k, k).clone();
            for i in 0..n {
                if i == k {
                    continue;
                }
                let factor = a.get(i, k).clone();
                for j in 0..w {
                    if j == k {
                        continue;
                    }
                    let v = a.get(i, j).mul(&pivot).sub(&factor.mul(a.get(k, j)));
                    a.set(i, j, v.exact_div(&prev).expect("Bareiss division is exact"));
                }
                a.set(i, k, T::zero());
            }
            prev = pivot;
        }
        // Now a = [d I | d A^-1] where d is the last pivot: the determinant
        // up to the sign of the row swaps. The right half is d A^-1; with
        // the true determinant det = ±d, adj(A) = det A^-1 = ±(right half).
        let mut adj = Matrix::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                let v = a.get(i, n + j).clone();
                adj.set(i, j, if sign_flip { v.neg() } else { v });
            }
        }
        let det = if sign_flip { prev.neg() } else { prev };
        Some((adj, det))
    }

    fn cofactor_adjugate(&self) -> Matrix<T> {
        let n = self.rows;
        let mut adj = Matrix::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                let minor = self.minor(i, j).det().expect("minor is square");
                let cof = if (i + j) % 2 == 0 { minor } else { minor.neg() };
                adj.set(j, i, cof);
            }
        }
        adj
    }

    /// The matrix without row `r` and column `c`.
    pub fn minor(&self, r: usize, c: usize) -> Matrix<T> {
        let mut data = Vec::with_capacity((self.rows - 1) * (self.cols - 1));
        for i in (0..self.rows).filter(|&i| i != r) {
            for j in (0..self.cols).filter(|&j| j != c) {
                data.push(self.get(i, j).clone());
            }
        }
        Matrix { rows: self.rows - 1, cols: self.cols - 1, data }
    }

    pub fn swap_rows(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        for j in 0..self.cols {
            self.data.swap(a * self.cols + j, b * self.cols + j);
        }
    }

    pub fn is_zero(&self) -> bool {
        self.data.iter().all(T::is_zero)
    }
}

impl<T: Field> Matrix<T> {
    /// The inverse of a square matrix.
    pub fn inverse(&self) -> Result<Matrix<T>, MatrixError> {
        if !self.is_square() {
            return Err(MatrixError::NotSquare { rows: self.rows, cols: self.cols });
        }
        let n = self.rows;
        let mut aug = Matrix::zeros(n, 2 * n);
        for i in 0..n {
            for j in 0..n {
                aug.set(i, j, self.get(i, j).clone());
            }
            aug.set(i, n + i, T::one());
        }
        let (r, pivots) = aug.rref();
        if pivots.len() < n || pivots[n - 1] != n - 1 {
            return Err(MatrixError::Singular);
        }
        let mut inv = Matrix::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                inv.set(i, j, r.get(i, n + j).clone());
            }
        }
        Ok(inv)
    }

    /// Solves `self · x = b` for a nonsingular square `self`.
    pub fn solve(&self, b: &Matrix<T>) -> Result<Matrix<T>, MatrixError> {
        if !self.is_square() {
            return Err(MatrixError::NotSquare { rows: self.rows, cols: self.cols });
        }
        if b.rows != self.rows {
            return Err(MatrixError::Shape { op: "solve", left: self.shape(), right: b.shape() });
        }
        let n = self.rows;
        let mut aug = Matrix::zeros(n, n + b.cols);
        for i in 0..n {
            for j in 0..n {
                aug.set(i, j, self.get(i, j).clone());
            }
            for j in 0..b.cols {
                aug.set(i, n + j, b.get(i, j).clone());
            }
        }
        let (r, pivots) = aug.rref();
        if pivots.len() < n || pivots[n - 1] != n - 1 {
            return Err(MatrixError::Singular);
        }
        let mut x = Matrix::zeros(n, b.cols);
        for i in 0..n {
            for j in 0..b.cols {
                x.set(i, j, r.get(i, n + j).clone());
            }
        }
        Ok(x)
    }

    /// The reduced row echelon form and the pivot columns.
    pub fn rref(&self) -> (Matrix<T>, Vec<usize>) {
        let mut a = self.clone();
        let mut pivots = Vec::new();
        let mut row = 0;
        for c in 0..a.cols {
            if row == a.rows {
                break;
            }
            let Some(p) = (row..a.rows).find(|&r| !a.get(r, c).is_zero()) else {
                continue;
            };
            a.swap_rows(p, row);
            let inv = a.get(row, c).inv().expect("pivot is nonzero");
            for j in c..a.cols {
                let v = a.get(row, j).mul(&inv);
                a.set(row, j, v);
            }
            for i in 0..a.rows {
                if i == row || a.get(i, c).is_zero() {
                    continue;
                }
                let factor = a.get(i, c).clone();
                for j in c..a.cols {
                    let v = a.get(i, j).sub(&factor.mul(a.get(row, j)));
                    a.set(i, j, v);
                }
            }
            pivots.push(c);
            row += 1;
        }
        (a, pivots)
    }

    /// A basis of the null space `{x : self · x = 0}`, as columns.
    pub fn nullspace(&self) -> Vec<Matrix<T>> {
        let (r, pivots) = self.rref();
        let free: Vec<usize> = (0..self.cols).filter(|c| !pivots.contains(c)).collect();
        free.iter()
            .map(|&f| {
                let mut v = vec![T::zero(); self.cols];
                v[f] = T::one();
                for (i, &p) in pivots.iter().enumerate() {
                    v[p] = r.get(i, f).neg();
                }
                Matrix::column(v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::ring::Var;

    fn qm(rows: &[&[i64]]) -> Matrix<Q> {
        Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&x| Q::from_int(x)).collect()).collect()).unwrap()
    }

    #[test]
    fn determinant_needs_a_row_swap() {
        let m = qm(&[&[0, 1, 2], &[3, 4, 5], &[6, 7, 9]]);
        // 0*(36-35) - 1*(27-30) + 2*(21-24) = 3 - 6 = -3
        assert_eq!(m.det().unwrap(), Q::from_int(-3));
        assert_eq!(qm(&[&[1, 2], &[2, 4]]).det().unwrap(), Q::zero());
    }

    #[test]
    fn adjugate_times_matrix_is_determinant() {
        let m = qm(&[&[0, 1, 2], &[3, 4, 5], &[6, 7, 9]]);
        let adj = m.adjugate().unwrap();
        let d = m.det().unwrap();
        assert_eq!(m.mul(&adj).unwrap(), Matrix::<Q>::identity(3).scale(&d));
        // Singular: the cofactor path.
        let s = qm(&[&[1, 2, 3], &[2, 4, 6], &[1, 0, 1]]);
        let adj = s.adjugate().unwrap();
        assert!(s.mul(&adj).unwrap().is_zero());
        assert!(!adj.is_zero());
    }

    #[test]
    fn symbolic_determinant_stays_polynomial() {
        let v = |i| Poly::var(Var(i));
        let m = Matrix::from_rows(vec![vec![v(0), v(1)], vec![v(2), v(3)]]).unwrap();
        let det = m.det().unwrap();
        assert_eq!(det, &(&v(0) * &v(3)) - &(&v(1) * &v(2)));
        let adj = m.adjugate().unwrap();
        assert_eq!(adj, Matrix::from_rows(vec![vec![v(3), -&v(1)], vec![-&v(2), v(0)]]).unwrap());
    }

    #[test]
    fn rank_inverse_solve_nullspace() {
        assert_eq!(qm(&[&[1, 2, 3], &[2, 4, 6]]).rank(), 1);
        assert_eq!(qm(&[&[1, 2], &[3, 4]]).rank(), 2);
        let m = qm(&[&[2, 1], &[1, 1]]);
        assert_eq!(m.mul(&m.inverse().unwrap()).unwrap(), Matrix::identity(2));
        let b = qm(&[&[3], &[2]]);
        assert_eq!(m.solve(&b).unwrap(), qm(&[&[1], &[1]]));
        assert_eq!(qm(&[&[1, 1], &[1, 1]]).inverse(), Err(MatrixError::Singular));
        let k = qm(&[&[1, 2, 3]]);
        for v in k.nullspace() {
            assert!(k.mul(&v).unwrap().is_zero());
        }
        assert_eq!(k.nullspace().len(), 2);
    }

    #[test]
    fn shape_errors() {
        let a = qm(&[&[1, 2, 3], &[4, 5, 6]]);
        assert!(matches!(a.mul(&a), Err(MatrixError::Shape { .. })));
        assert!(matches!(a.det(), Err(MatrixError::NotSquare { .. })));
    }
}
