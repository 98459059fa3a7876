//! nnkey derives exact answer keys for neural-network theory problems,
//! shows the derivation, cross-checks it numerically, and guards the keys
//! written in problem files.
//!
//! The pipeline, stage by stage:
//!
//! 1. [`language::parse`] reads a problem file into a syntax tree with
//!    diagnostics;
//! 2. [`model::elaborate`] resolves names and checks shapes;
//! 3. [`derive::derive`] computes each answer exactly with the
//!    [`algebra`], with its derivation;
//! 4. [`numeric::crosscheck`] recomputes it independently in floating point;
//! 5. [`check::run`] drives all of this over files and judges every key;
//! 6. [`render`] turns the report into documents (problem sheet, answers,
//!    solutions, full key) as text, Markdown, LaTeX or JSON;
//! 7. [`bless`] writes derived keys back into the files, within the same
//!    limits as the documents;
//! 8. [`grade`] grades students' submissions against the derived answers,
//!    judging each as a key is judged, with partial credit and feedback.
//!
//! See `ARCHITECTURE.md` for the code map and the invariants.

pub mod algebra;
pub mod bless;
pub mod check;
pub mod cli;
pub mod derive;
pub mod grade;
pub mod language;
pub mod model;
pub mod numeric;
pub mod render;
pub mod variants;
