//! The exact algebra nnkey computes with: rationals, sparse multivariate
//! polynomials and rational functions over Q, exponential formulas such as
//! `2^(L*d)` (`formula`), dense and sparse matrices over them, exact linear
//! feasibility (`simplex`), exact linear programming with certificates
//! (`lp`), and their printing.
//!
//! **Invariants.** No floating point: `f64` appears only in the `eval_f64`
//! helpers that the numeric cross-check calls, and in `lp`, whose
//! floating-point simplex only guesses a basis that is then solved and
//! checked exactly (no float reaches an answer). Every value is in a canonical
//! form, so `==` is mathematical equality. The algebra knows nothing of files,
//! spans or problems; a [`Ring`] names the variables.

pub mod coprime;
pub mod exp;
pub mod floor;
pub mod formula;
pub mod gcd;
pub mod int;
pub mod intmat;
pub mod lp;
pub mod matrix;
pub mod poly;
pub mod print;
pub mod qp;
pub mod radical;
pub mod ratfunc;
pub mod rational;
pub mod ring;
pub mod simplex;
pub mod sparse;
pub mod univariate;

pub use floor::FloorPoly;
pub use formula::Formula;
pub use gcd::gcd;
pub use intmat::IntMatrix;
pub use matrix::{Field, Matrix, MatrixError, Scalar};
pub use poly::{Monomial, Poly};
pub use print::Print;
pub use radical::Radical;
pub use ratfunc::RatFunc;
pub use rational::{Q, QSum};
pub use ring::{Ring, Symbol, Var};
pub use sparse::{SparseBuilder, SparseMatrix};
pub use univariate::UPoly;
