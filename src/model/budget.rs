//! How much work evaluating a key or an argument may ask for.
//!
//! Every limit here is checked **before** the work starts, from an estimate
//! of the result's size, and refused with an error that names the limit and
//! the size asked for (at the span of the expression that asked):
//!
//! - a power of a number may have at most [`MAX_POWER_BITS`] binary digits
//!   (`3^1000000000` would have 1 584 962 501): the estimate is the
//!   exponent times the digits of the base, exact up to one digit per
//!   multiplication;
//! - a power of a polynomial (or of a matrix with symbols) may have total
//!   degree at most [`MAX_POWER_DEGREE`] and at most [`MAX_POWER_TERMS`]
//!   terms per entry, estimated from the degree and the number of symbols
//!   and from the number of products the expansion adds up;
//! - a power of a numeric matrix is computed by repeated squaring, each
//!   product refused when its entries could pass [`MAX_MATRIX_POWER_BITS`]
//!   (each product of a matrix power reduces every entry by a gcd, which
//!   grows with the square of its digits, so the bound is lower than a
//!   number's);
//! - exponents are exact integers of any size: `1^4294967296` is 1, and an
//!   exponent beyond 64 bits is refused by the size of the result unless
//!   the base is 0, 1 or -1;
//! - the determinant or inverse of a matrix with symbols may expand into at
//!   most [`MAX_DET_PRODUCTS`] products of terms;
//! - a dense matrix built while evaluating (`I(n)`, a sparse matrix in
//!   arithmetic) has at most [`MAX_DENSE_ENTRIES`] entries; `I(n)` above
//!   [`DENSE_IDENTITY`] is kept sparse (`I(4096)` is 4 096 entries, not 16
//!   million).

/// Most binary digits of a number computed by a power (about 301 030
/// decimal digits); the same bound as symbolic powers
/// ([`crate::algebra::formula::MAX_BITS`]).
pub const MAX_POWER_BITS: u64 = crate::algebra::formula::MAX_BITS;

/// Most binary digits of an entry of a numeric matrix power (about 39 000
/// decimal digits): a refused power stops within a second.
pub const MAX_MATRIX_POWER_BITS: u64 = 1 << 17;

/// Most products of terms the expansion of a determinant (or an inverse)
/// of a matrix with symbols may ask for: `(X X^T)^-1` for a symbolic 4×6
/// `X` is 331 776, for 5×6 24 300 000.
pub const MAX_DET_PRODUCTS: u64 = 1 << 22;

/// Highest total degree of a polynomial computed by a power.
pub const MAX_POWER_DEGREE: u64 = 1_000;

/// Most terms of a polynomial computed by a power.
pub const MAX_POWER_TERMS: u64 = 10_000;

/// Most entries of a dense matrix built while evaluating an expression.
pub const MAX_DENSE_ENTRIES: usize = 1 << 20;

/// `I(n)` is dense up to this size and sparse above it.
pub const DENSE_IDENTITY: usize = 64;

/// Largest `n` of `I(n)`: a sparse identity of this size is cheap, and no
/// network or box is wider.
pub const MAX_IDENTITY: usize = 1 << 20;
