//! The problem language: source files, the nom parser, the syntax tree and
//! diagnostics.
//!
//! **Invariant.** Parsing never fails: [`parse`] returns the tree together
//! with all its diagnostics, and every diagnostic names its span.

pub mod diagnostic;
pub mod math;
pub mod parser;
pub mod syntax;

pub use diagnostic::{Diagnostic, Hint, Severity, SourceFile, Span};
pub use parser::{parse, parse_at, parse_expr, parse_submission, parse_submission_csv};
