//! Sparse matrices in compressed-row form.
//!
//! Convolution matrices are almost all zeros (a 64×64 three-channel image
//! gives a 65 536 × 12 288 matrix with 1.7 million nonzeros), so they are
//! built and kept row by row, storing only the nonzero entries.

use super::matrix::{Matrix, Scalar};

/// A `rows × cols` matrix storing only its nonzero entries, row by row, each
/// row's entries in increasing column order.
#[derive(Clone, PartialEq, Debug)]
pub struct SparseMatrix<T> {
    rows: usize,
    cols: usize,
    /// `row_start[r]..row_start[r + 1]` indexes row `r` in `col` and `val`.
    row_start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<T>,
}

/// Builds a [`SparseMatrix`] one row at a time.
pub struct SparseBuilder<T> {
    matrix: SparseMatrix<T>,
    row: Vec<(u32, T)>,
}

impl<T: Scalar> SparseBuilder<T> {
    pub fn new(rows: usize, cols: usize) -> SparseBuilder<T> {
        SparseBuilder::with_capacity(rows, cols, 0)
    }

    pub fn with_capacity(rows: usize, cols: usize, nonzeros: usize) -> SparseBuilder<T> {
        assert!(cols <= u32::MAX as usize, "too many columns for a sparse matrix");
        let mut row_start = Vec::with_capacity(rows + 1);
        row_start.push(0);
        SparseBuilder {
            matrix: SparseMatrix {
                rows,
                cols,
                row_start,
                col: Vec::with_capacity(nonzeros),
                val: Vec::with_capacity(nonzeros),
            },
            row: Vec::new(),
        }
    }

    /// Adds `value` at column `c` of the current row; entries at the same
    /// column add up.
    pub fn add(&mut self, c: usize, value: T) {
        debug_assert!(c < self.matrix.cols);
        self.row.push((c as u32, value));
    }

    /// Closes the current row.
    pub fn finish_row(&mut self) {
        // Most rows arrive sorted already; stability keeps the sum order fixed.
        if !self.row.windows(2).all(|w| w[0].0 < w[1].0) {
            self.row.sort_by_key(|e| e.0);
        }
        let mut last: Option<u32> = None;
        for (c, v) in self.row.drain(..) {
            if last == Some(c) {
                let slot = self.matrix.val.last_mut().expect("a previous entry");
                *slot = slot.add(&v);
            } else {
                self.matrix.col.push(c);
                self.matrix.val.push(v);
                last = Some(c);
            }
        }
        // Drop entries that cancelled to zero.
        let start = *self.matrix.row_start.last().expect("row_start is never empty");
        let mut keep = start;
        for i in start..self.matrix.col.len() {
            if !self.matrix.val[i].is_zero() {
                self.matrix.col.swap(keep, i);
                self.matrix.val.swap(keep, i);
                keep += 1;
            }
        }
        self.matrix.col.truncate(keep);
        self.matrix.val.truncate(keep);
        self.matrix.row_start.push(keep);
    }

    pub fn finish(mut self) -> SparseMatrix<T> {
        if !self.row.is_empty() {
            self.finish_row();
        }
        assert_eq!(self.matrix.row_start.len(), self.matrix.rows + 1, "every row must be finished");
        self.matrix
    }
}

impl<T: Scalar> SparseMatrix<T> {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The number of stored (nonzero) entries.
    pub fn nonzeros(&self) -> usize {
        self.val.len()
    }

    /// The nonzero entries of row `r` as (column, value).
    pub fn row(&self, r: usize) -> impl ExactSizeIterator<Item = (usize, &T)> + '_ {
        let range = self.row_start[r]..self.row_start[r + 1];
        self.col[range.clone()].iter().map(|&c| c as usize).zip(&self.val[range])
    }

    pub fn get(&self, r: usize, c: usize) -> Option<&T> {
        let range = self.row_start[r]..self.row_start[r + 1];
        let cols = &self.col[range.clone()];
        cols.binary_search(&(c as u32)).ok().map(|i| &self.val[range.start + i])
    }

    pub fn to_dense(&self) -> Matrix<T> {
        let mut m = Matrix::zeros(self.rows, self.cols);
        for r in 0..self.rows {
            for (c, v) in self.row(r) {
                m.set(r, c, v.clone());
            }
        }
        m
    }

    pub fn from_dense(m: &Matrix<T>) -> SparseMatrix<T> {
        let mut b = SparseBuilder::new(m.rows(), m.cols());
        for r in 0..m.rows() {
            for (c, v) in m.row(r).iter().enumerate() {
                if !v.is_zero() {
                    b.add(c, v.clone());
                }
            }
            b.finish_row();
        }
        b.finish()
    }

    pub fn transpose(&self) -> SparseMatrix<T> {
        let mut buckets: Vec<Vec<(u32, T)>> = vec![Vec::new(); self.cols];
        for r in 0..self.rows {
            for (c, v) in self.row(r) {
                buckets[c].push((r as u32, v.clone()));
            }
        }
        let mut b = SparseBuilder::with_capacity(self.cols, self.rows, self.nonzeros());
        for bucket in buckets {
            for (r, v) in bucket {
                b.add(r as usize, v);
            }
            b.finish_row();
        }
        b.finish()
    }

    pub fn map<U: Scalar>(&self, f: impl Fn(&T) -> U) -> SparseMatrix<U> {
        let mut b = SparseBuilder::with_capacity(self.rows, self.cols, self.nonzeros());
        for r in 0..self.rows {
            for (c, v) in self.row(r) {
                b.add(c, f(v));
            }
            b.finish_row();
        }
        b.finish()
    }

    /// Every stored value, row by row.
    pub fn values(&self) -> &[T] {
        &self.val
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::rational::Q;

    #[test]
    fn builder_sorts_sums_and_drops_zeros() {
        let mut b = SparseBuilder::new(2, 4);
        b.add(3, Q::from_int(1));
        b.add(1, Q::from_int(2));
        b.add(3, Q::from_int(4));
        b.finish_row();
        b.add(0, Q::from_int(1));
        b.add(0, Q::from_int(-1));
        b.add(2, Q::from_int(7));
        b.finish_row();
        let m = b.finish();
        assert_eq!(m.nonzeros(), 3);
        assert_eq!(m.get(0, 3), Some(&Q::from_int(5)));
        assert_eq!(m.get(1, 0), None);
        assert_eq!(m.row(1).collect::<Vec<_>>(), vec![(2, &Q::from_int(7))]);
        assert_eq!(SparseMatrix::from_dense(&m.to_dense()), m);
        assert_eq!(m.transpose().transpose(), m);
        assert_eq!(m.transpose().to_dense(), m.to_dense().transpose());
    }
}
