//! Declared tensors: kernels, inputs, matrices and vectors, with exact
//! entries.

use crate::algebra::{Matrix, Poly, RatFunc, Ring, Symbol};

use super::value::Value;

/// What a declared tensor is for; it fixes which shapes make sense.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// `kernel KxK` or `kernel OxIxKxK`.
    Kernel,
    /// `input HxW` or `input CxHxW`.
    Input,
    /// `matrix NxM`.
    Matrix,
    /// `vector N`.
    Vector,
}

impl Role {
    pub fn from_word(word: &str) -> Option<Role> {
        match word {
            "kernel" => Some(Role::Kernel),
            "input" => Some(Role::Input),
            "matrix" => Some(Role::Matrix),
            "vector" => Some(Role::Vector),
            _ => None,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Role::Kernel => "kernel",
            Role::Input => "input",
            Role::Matrix => "matrix",
            Role::Vector => "vector",
        }
    }

    /// The noun with its article: "a kernel", "an input".
    pub fn a(self) -> String {
        match self {
            Role::Input => "an input".into(),
            other => format!("a {}", other.noun()),
        }
    }

    /// The numbers of dimensions this role accepts.
    pub fn ranks(self) -> &'static [usize] {
        match self {
            Role::Kernel => &[2, 4],
            Role::Input => &[2, 3],
            Role::Matrix => &[2],
            Role::Vector => &[1],
        }
    }

    /// The error for a shape of `rank` dimensions that this role does not
    /// take: "an input has 2 or 3 dimensions, not 1".
    pub fn wrong_rank(self, rank: usize) -> String {
        let ranks: Vec<String> = self.ranks().iter().map(|r| r.to_string()).collect();
        let dims = if ranks.len() == 1 && self.ranks()[0] == 1 { "dimension" } else { "dimensions" };
        format!("{} has {} {dims}, not {rank}", self.a(), ranks.join(" or "))
    }

    /// How shapes of this role are written, for messages.
    pub fn shape_help(self) -> &'static str {
        match self {
            Role::Kernel => "a kernel is `KxK` (one channel) or `OUTxINxKxK`",
            Role::Input => "an input is `HxW` (one channel) or `CxHxW`",
            Role::Matrix => "a matrix is `ROWSxCOLS`",
            Role::Vector => "a vector is `N`",
        }
    }
}

/// A tensor with exact entries in row-major order.
#[derive(Clone, Debug)]
pub struct Tensor {
    pub role: Role,
    pub shape: Vec<usize>,
    pub entries: Vec<Poly>,
    /// The symbol its entries were generated from, if any.
    pub symbol: Option<String>,
    /// Whether its entries are written out. A symbolic tensor too large to
    /// write out keeps only its shape: questions about sizes are answered,
    /// others refused (see [`Tensor::unwritten`]).
    pub written: bool,
    /// The sizes as declared, when one of them is a symbol (`input 3xnxn
    /// x`): such a tensor has no entries, and `shape` holds 1 for each
    /// symbolic size. Only questions about sizes use it.
    pub sizes: Option<Vec<Dim>>,
}

/// One size of a declared shape: a number, or a symbol, with where it is
/// written.
#[derive(Clone, Debug)]
pub struct Dim {
    pub value: Poly,
    /// As written: `n`, `3`.
    pub text: String,
    pub span: crate::language::Span,
}

/// Every multi-index of `shape` in row-major order.
pub fn multi_indices(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let total: usize = shape.iter().product();
    (0..total).map(move |mut flat| {
        let mut idx = vec![0; shape.len()];
        for k in (0..shape.len()).rev() {
            idx[k] = flat % shape[k];
            flat /= shape[k];
        }
        idx
    })
}

impl Tensor {
    /// A tensor of fresh symbols: `kernel 2x2 w` has entries `w[0,0]` …
    /// `w[1,1]`.
    pub fn symbolic(role: Role, shape: Vec<usize>, symbol: &str, ring: &Ring) -> Tensor {
        let entries = multi_indices(&shape)
            .map(|idx| {
                let idx: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
                Poly::var(ring.var(&Symbol::indexed(symbol, &idx)))
            })
            .collect();
        Tensor { role, shape, entries, symbol: Some(symbol.to_string()), written: true, sizes: None }
    }

    /// A symbolic tensor known by its shape alone, its entries never made:
    /// `kernel 1000x1000x3x3 w` for a question about sizes.
    pub fn unwritten(role: Role, shape: Vec<usize>, symbol: &str) -> Tensor {
        Tensor { role, shape, entries: Vec::new(), symbol: Some(symbol.to_string()), written: false, sizes: None }
    }

    /// A kernel or input with symbolic sizes, known by its shape alone.
    pub fn sized(role: Role, sizes: Vec<Dim>, symbol: &str) -> Tensor {
        let shape =
            sizes.iter().map(|d| d.value.as_constant().and_then(|q| q.to_i64()).unwrap_or(1) as usize).collect();
        Tensor {
            role,
            shape,
            entries: Vec::new(),
            symbol: Some(symbol.to_string()),
            written: false,
            sizes: Some(sizes),
        }
    }

    /// The first symbolic size, if any: where a query that needs numbers
    /// points.
    pub fn symbolic_size(&self) -> Option<&Dim> {
        self.sizes.as_ref()?.iter().find(|d| !d.value.is_constant())
    }

    /// The number of entries its shape has (for an unwritten tensor too).
    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn flat_index(&self, idx: &[usize]) -> usize {
        idx.iter().zip(&self.shape).fold(0, |acc, (&i, &n)| acc * n + i)
    }

    pub fn get(&self, idx: &[usize]) -> &Poly {
        &self.entries[self.flat_index(idx)]
    }

    /// A kernel's shape as (d0, d1, rows, cols); a `KxK` kernel is (1, 1, K, K).
    pub fn kernel4(&self) -> [usize; 4] {
        match self.shape.as_slice() {
            [h, w] => [1, 1, *h, *w],
            [a, b, h, w] => [*a, *b, *h, *w],
            _ => [0; 4],
        }
    }

    /// The kernel entry at (d0, d1, row, col) of [`kernel4`](Self::kernel4).
    pub fn kernel_at(&self, a: usize, b: usize, r: usize, c: usize) -> &Poly {
        let [d0, d1, h, w] = self.kernel4();
        debug_assert!(a < d0 && b < d1 && r < h && c < w);
        &self.entries[((a * d1 + b) * h + r) * w + c]
    }

    /// An input's shape as (channels, rows, cols); `HxW` is one channel.
    pub fn input3(&self) -> [usize; 3] {
        match self.shape.as_slice() {
            [h, w] => [1, *h, *w],
            [c, h, w] => [*c, *h, *w],
            _ => [0; 3],
        }
    }

    /// The tensor as a value: a vector or a matrix; `None` for more
    /// dimensions.
    pub fn to_value(&self) -> Option<Value> {
        let entries: Vec<RatFunc> = self.entries.iter().map(|p| RatFunc::from(p.clone())).collect();
        match self.shape.as_slice() {
            [n] => Some(Value::Matrix(Matrix::from_vec(*n, 1, entries))),
            [r, c] => Some(Value::Matrix(Matrix::from_vec(*r, *c, entries))),
            _ => None,
        }
    }

    /// Whether every entry is a number.
    pub fn is_numeric(&self) -> bool {
        self.entries.iter().all(Poly::is_constant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algebra::Print;

    #[test]
    fn symbolic_entries_follow_row_major_order() {
        let ring = Ring::new();
        let t = Tensor::symbolic(Role::Kernel, vec![4, 1, 1, 1], "c", &ring);
        assert_eq!(t.kernel_at(3, 0, 0, 0).print(&ring), "c[3,0,0,0]");
        let x = Tensor::symbolic(Role::Input, vec![3, 3], "x", &ring);
        assert_eq!(x.get(&[2, 1]).print(&ring), "x[2,1]");
        assert_eq!(x.input3(), [1, 3, 3]);
        let idx: Vec<Vec<usize>> = multi_indices(&[2, 2]).collect();
        assert_eq!(idx, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
    }
}
