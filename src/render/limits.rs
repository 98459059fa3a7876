//! Every size limit of what nnkey prints or writes, in one place: the
//! documents read them, and so does `bless`, so a key too large to print is
//! also too large to write into a file.

use crate::model::Value;

/// Items of a long listing (output entries, rows, regions) a document shows.
pub const LISTED: usize = 8;

/// Items of a long listing the solutions show: enough to see its pattern
/// (the answer holds every entry; the full key shows [`LISTED`]).
pub const LISTED_FOR_STUDENTS: usize = 4;

/// A matrix with more entries than this is described rather than printed
/// in a document (JSON lists every entry).
pub const SHOWN_ENTRIES: usize = 1_024;

/// An image with more pixels than this is not drawn (each pixel is a
/// shape in the SVG and the TikZ picture).
pub const SHOWN_PIXELS: usize = 4_096;

/// A formula with more leaves than this is described rather than printed.
pub const SHOWN_LEAVES: usize = 4_096;

/// Text output is this wide when it does not go to a terminal.
pub const TEXT_WIDTH: usize = 100;

/// Text output is never narrower than this, whatever the terminal says.
pub const MIN_TEXT_WIDTH: usize = 40;

/// The width a displayed formula may take in LaTeX, in ems of the body
/// font: the text width of `article` at 10pt (345pt) less the indent of a
/// numbered list, with a margin for the estimate.
pub const LATEX_WIDTH: f32 = 29.0;

/// A formula in a sentence with a matrix of more rows than this is set as
/// a display in LaTeX, where it does not push the lines apart.
pub const LATEX_INLINE_ROWS: usize = 4;

/// A matrix with more rows than this is split into blocks of rows in
/// LaTeX, so that no display is taller than a page.
pub const LATEX_ROWS: usize = 24;

/// The longest key `bless` writes into a file, in bytes.
pub const KEY_BYTES: usize = 20_000;

/// Why a value is too large to show, or `None` when it fits.
pub fn too_large(v: &Value) -> Option<String> {
    match v {
        Value::Sparse(m) if m.rows() * m.cols() > SHOWN_ENTRIES => Some(format!(
            "a {}×{} matrix with {} nonzero entries (too large to print; `--format json` lists them all)",
            m.rows(),
            m.cols(),
            m.nonzeros()
        )),
        Value::Matrix(m) if m.rows() * m.cols() > SHOWN_ENTRIES => {
            Some(format!("a {}×{} matrix (too large to print; `--format json` lists every entry)", m.rows(), m.cols()))
        }
        Value::Record(fields) => fields.iter().find_map(|f| too_large(&f.1)),
        Value::List(items) | Value::Tuple(items) => items.iter().find_map(too_large),
        Value::Maps(a, b) => too_large(a).or_else(|| too_large(b)),
        _ => None,
    }
}

/// Whether `bless` may write `key` (a value printed as a key) into a file;
/// why not otherwise.
pub fn key_fits(v: &Value, key: &str) -> Result<(), String> {
    if let Some(why) = too_large(v) {
        return Err(format!("it is {why}"));
    }
    if key.len() > KEY_BYTES {
        return Err(format!(
            "its key would take {} bytes, more than the {KEY_BYTES} nnkey writes into a file",
            key.len()
        ));
    }
    Ok(())
}
