//! Tensors from the frameworks' files: NumPy `.npy` and `.npz`, and
//! `.safetensors` (what PyTorch users export).
//!
//! Every float is a dyadic rational, and it is read as exactly that
//! rational ([`Q::from_f64_exact`]): `0.1f32` is 13421773/2^27, not 1/10,
//! so the answers are exact for the model the file holds. Integers and
//! booleans are read as they are. An infinity or NaN is an error naming the
//! tensor and the entry.
//!
//! The bytes come from the check layer, which finds the file (relative to
//! the problem file, inside the folder given on the command line) and
//! bounds its size; here they are only decoded.

use std::collections::HashMap;
use std::sync::Arc;

use crate::algebra::{Poly, Q};
use crate::language::diagnostic::closest;
use crate::language::{Diagnostic, Span};

use super::MAX_TENSOR_ENTRIES;
use super::tensor::{Role, Tensor};

/// The most bytes a weight file may have.
pub const MAX_WEIGHT_FILE_BYTES: u64 = 64 << 20;

/// The bytes of the data files a problem's declarations name, by the span
/// of the path in the declaration, or why the file could not be read.
#[derive(Clone, Debug, Default)]
pub struct DataFiles {
    files: HashMap<Span, Result<Arc<Vec<u8>>, String>>,
}

impl DataFiles {
    pub fn insert(&mut self, at: Span, bytes: Result<Arc<Vec<u8>>, String>) {
        self.files.insert(at, bytes);
    }

    /// The file named at `at`; `None` when nothing was read for it (a
    /// problem elaborated without its files).
    pub fn get(&self, at: Span) -> Option<&Result<Arc<Vec<u8>>, String>> {
        self.files.get(&at)
    }
}

/// The kinds of file read, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Npy,
    Npz,
    Safetensors,
}

impl Format {
    pub fn of(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "npy" => Some(Format::Npy),
            "npz" => Some(Format::Npz),
            "safetensors" => Some(Format::Safetensors),
            _ => None,
        }
    }
}

/// A tensor read from a file: its shape (row-major) and exact entries.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTensor {
    pub shape: Vec<usize>,
    pub values: Vec<Q>,
}

/// Why a tensor could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadError {
    /// The file is not what its extension says, or is damaged.
    Malformed(String),
    /// No tensor of that name; the names there are.
    Missing { asked: String, names: Vec<String> },
    /// The file holds several tensors and the declaration names none.
    Unnamed { names: Vec<String> },
    /// A `.npy` file holds one unnamed array.
    NamedInNpy,
    /// An element type nnkey does not read.
    Unsupported { tensor: String, dtype: String },
    /// An entry that is not a finite number.
    NotFinite { tensor: String, index: Vec<usize> },
    /// More entries than a declared tensor may have.
    TooLarge { tensor: String, entries: u128, limit: usize },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Malformed(why) => write!(f, "{why}"),
            ReadError::Missing { asked, .. } => write!(f, "the file holds no tensor `{asked}`"),
            ReadError::Unnamed { names } => {
                write!(f, "the file holds {} tensors; name the one to read", names.len())
            }
            ReadError::NamedInNpy => write!(f, "a .npy file holds one unnamed array"),
            ReadError::Unsupported { tensor, dtype } => {
                write!(f, "`{tensor}` has element type {dtype}, which nnkey does not read")
            }
            ReadError::NotFinite { tensor, index } => {
                write!(f, "`{tensor}` has an entry that is not a finite number, at {index:?}")
            }
            ReadError::TooLarge { tensor, entries, limit } => {
                write!(f, "`{tensor}` has {entries} entries, over the tensor limit of {limit}")
            }
        }
    }
}

/// The tensor a declaration `KIND from "FILE" ["TENSOR"]` reads, with its
/// errors at the file's or the tensor's name.
pub fn declare(
    role: Role,
    file: &(String, Span),
    tensor: Option<&(String, Span)>,
    files: &DataFiles,
) -> Result<Tensor, Diagnostic> {
    let (path, at) = file;
    let format = Format::of(path).ok_or_else(|| {
        Diagnostic::error(*at, format!("nnkey does not know the kind of file `{path}`"))
            .with_hint("weights are read from NumPy `.npy` and `.npz` files and from `.safetensors` files")
    })?;
    let bytes = match files.get(*at) {
        Some(Ok(bytes)) => bytes,
        Some(Err(why)) => return Err(Diagnostic::error(*at, format!("cannot read `{path}`: {why}"))),
        None => {
            return Err(Diagnostic::error(*at, format!("`{path}` was not read"))
                .with_hint("a problem that reads weight files is checked from its file, with `nnkey check`"));
        }
    };
    let name = tensor.map(|t| t.0.as_str());
    let stored = read(bytes, format, name, MAX_TENSOR_ENTRIES).map_err(|e| {
        let place = tensor.map_or(*at, |t| t.1);
        let d = Diagnostic::error(place, format!("`{path}`: {e}"));
        match e {
            ReadError::Missing { asked, names } => {
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                match closest(&asked, &known) {
                    Some(near) => d.with_hint(format!("did you mean `{near}`? it holds {}", listed(&known))),
                    None => d.with_hint(format!("it holds {}", listed(&known))),
                }
            }
            ReadError::Unnamed { names } => {
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                d.with_hint(format!("it holds {}; write the name after the file: `\"{}\"`", listed(&known), known[0]))
            }
            ReadError::NamedInNpy => {
                d.with_hint("leave out the tensor's name, or save several arrays with `numpy.savez`")
            }
            _ => d,
        }
    })?;
    if !role.ranks().contains(&stored.shape.len()) {
        let shape: Vec<String> = stored.shape.iter().map(|d| d.to_string()).collect();
        let place = tensor.map_or(*at, |t| t.1);
        return Err(Diagnostic::error(place, role.wrong_rank(stored.shape.len()))
            .with_label(format!("the tensor in the file has shape {}", shape.join("x")))
            .with_hint(role.shape_help()));
    }
    if stored.shape.contains(&0) {
        return Err(Diagnostic::error(tensor.map_or(*at, |t| t.1), "the tensor in the file is empty"));
    }
    let entries = stored.values.into_iter().map(Poly::constant).collect();
    Ok(Tensor { role, shape: stored.shape, entries, symbol: None, written: true, sizes: None })
}

/// `a`, `a and b`, `a, b and 3 more` for a hint.
fn listed(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    match (names.len(), shown.split_last()) {
        (0, _) | (_, None) => "no tensor".to_string(),
        (1, _) => shown[0].clone(),
        (n, Some((last, rest))) if n == shown.len() => format!("{} and {last}", rest.join(", ")),
        (n, _) => format!("{} and {} more", shown.join(", "), n - shown.len()),
    }
}

/// Reads the tensor `name` (or the file's only tensor) from `bytes`, with
/// at most `limit` entries.
pub fn read(bytes: &[u8], format: Format, name: Option<&str>, limit: usize) -> Result<StoredTensor, ReadError> {
    match format {
        Format::Npy => {
            if name.is_some() {
                return Err(ReadError::NamedInNpy);
            }
            npy(bytes, "the array", limit)
        }
        Format::Npz => npz(bytes, name, limit),
        Format::Safetensors => safetensors(bytes, name, limit),
    }
}

/// The one tensor to read among `names`.
fn pick(names: Vec<String>, name: Option<&str>) -> Result<String, ReadError> {
    if names.is_empty() {
        return Err(ReadError::Malformed("the file holds no tensor".to_string()));
    }
    match name {
        Some(asked) if names.iter().any(|n| n == asked) => Ok(asked.to_string()),
        Some(asked) => Err(ReadError::Missing { asked: asked.to_string(), names }),
        None if names.len() == 1 => Ok(names.into_iter().next().unwrap_or_default()),
        None => Err(ReadError::Unnamed { names }),
    }
}

fn entries_of(tensor: &str, shape: &[usize], limit: usize) -> Result<usize, ReadError> {
    let total = shape.iter().try_fold(1u128, |a, &d| a.checked_mul(d as u128)).unwrap_or(u128::MAX);
    if total > limit as u128 {
        return Err(ReadError::TooLarge { tensor: tensor.to_string(), entries: total, limit });
    }
    Ok(total as usize)
}

/// The multi-index of entry `flat` of `shape`, for messages.
fn index_of(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = flat % shape[k].max(1);
        flat /= shape[k].max(1);
    }
    idx
}

fn exact(tensor: &str, shape: &[usize], floats: impl Iterator<Item = f64>) -> Result<Vec<Q>, ReadError> {
    floats
        .enumerate()
        .map(|(k, x)| {
            Q::from_f64_exact(x)
                .ok_or_else(|| ReadError::NotFinite { tensor: tensor.to_string(), index: index_of(k, shape) })
        })
        .collect()
}

fn npy(bytes: &[u8], tensor: &str, limit: usize) -> Result<StoredTensor, ReadError> {
    use npyz::{DType, TypeChar};
    let file = npyz::NpyFile::new(bytes).map_err(|e| ReadError::Malformed(format!("not a .npy array: {e}")))?;
    let shape: Vec<usize> = file.shape().iter().map(|&d| usize::try_from(d).unwrap_or(usize::MAX)).collect();
    let total = entries_of(tensor, &shape, limit)?;
    let unsupported = |dtype: String| ReadError::Unsupported { tensor: tensor.to_string(), dtype };
    let DType::Plain(ty) = file.dtype() else { return Err(unsupported(file.dtype().descr())) };
    if file.order() == npyz::Order::Fortran {
        return Err(ReadError::Malformed(format!(
            "{tensor} is stored column-major (fortran_order); save it with numpy.ascontiguousarray"
        )));
    }
    let damaged = |e: std::io::Error| ReadError::Malformed(format!("{tensor} is damaged: {e}"));
    let values = match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 8) => exact(tensor, &shape, file.into_vec::<f64>().map_err(damaged)?.into_iter())?,
        (TypeChar::Float, 4) => {
            exact(tensor, &shape, file.into_vec::<f32>().map_err(damaged)?.into_iter().map(f64::from))?
        }
        (TypeChar::Float, 2) => exact(
            tensor,
            &shape,
            file.into_vec::<half::f16>().map_err(damaged)?.into_iter().map(|h| f64::from(h.to_f32())),
        )?,
        (TypeChar::Int, _) => file.into_vec::<i64>().map_err(damaged)?.into_iter().map(Q::from_int).collect(),
        (TypeChar::Uint, 8) => {
            file.into_vec::<u64>().map_err(damaged)?.into_iter().map(|u| Q::from_bigints(u.into(), 1.into())).collect()
        }
        (TypeChar::Uint, _) => {
            file.into_vec::<u32>().map_err(damaged)?.into_iter().map(|u| Q::from_int(u.into())).collect()
        }
        (TypeChar::Bool, _) => {
            file.into_vec::<bool>().map_err(damaged)?.into_iter().map(|b| Q::from_int(b.into())).collect()
        }
        _ => return Err(unsupported(ty.to_string())),
    };
    if values.len() != total {
        return Err(ReadError::Malformed(format!("{tensor} holds {} entries, its shape says {total}", values.len())));
    }
    Ok(StoredTensor { shape, values })
}

fn npz(bytes: &[u8], name: Option<&str>, limit: usize) -> Result<StoredTensor, ReadError> {
    use std::io::Read;
    let malformed = |e: zip::result::ZipError| ReadError::Malformed(format!("not a .npz archive: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(malformed)?;
    // `numpy.savez` stores `w.npy` for the array `w`.
    let mut names: Vec<String> = Vec::new();
    for f in archive.file_names() {
        let f = f.map_err(malformed)?;
        if let Some(name) = f.strip_suffix(".npy") {
            names.push(name.to_string());
        }
    }
    names.sort();
    let chosen = pick(names, name)?;
    let mut member = archive.by_name(&format!("{chosen}.npy")).map_err(malformed)?;
    // The archive says how large the member is; it may lie, so the read is
    // bounded too.
    let max = crate::model::weights::MAX_WEIGHT_FILE_BYTES;
    if member.size() > max {
        return Err(ReadError::Malformed(format!(
            "`{chosen}` unpacks to {} bytes, over the limit of {max} bytes (MAX_WEIGHT_FILE_BYTES)",
            member.size()
        )));
    }
    let mut inner = Vec::new();
    (&mut member)
        .take(max + 1)
        .read_to_end(&mut inner)
        .map_err(|e| ReadError::Malformed(format!("`{chosen}` cannot be unpacked: {e}")))?;
    if inner.len() as u64 > max {
        return Err(ReadError::Malformed(format!(
            "`{chosen}` unpacks to more than {max} bytes (MAX_WEIGHT_FILE_BYTES)"
        )));
    }
    npy(&inner, &format!("`{chosen}`"), limit)
}

fn safetensors(bytes: &[u8], name: Option<&str>, limit: usize) -> Result<StoredTensor, ReadError> {
    use safetensors::Dtype;
    let file = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| ReadError::Malformed(format!("not a .safetensors file: {e}")))?;
    let mut names: Vec<String> = file.names().into_iter().map(str::to_string).collect();
    names.sort();
    let chosen = pick(names, name)?;
    let view = file.tensor(&chosen).map_err(|e| ReadError::Malformed(format!("`{chosen}`: {e}")))?;
    let shape = view.shape().to_vec();
    entries_of(&chosen, &shape, limit)?;
    let data = view.data();
    fn words<const N: usize>(data: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        data.chunks_exact(N).map(|c| c.try_into().unwrap_or([0; N]))
    }
    // safetensors stores little-endian, row-major.
    let values = match view.dtype() {
        Dtype::F64 => exact(&chosen, &shape, words::<8>(data).map(f64::from_le_bytes))?,
        Dtype::F32 => exact(&chosen, &shape, words::<4>(data).map(|w| f64::from(f32::from_le_bytes(w))))?,
        Dtype::F16 => {
            exact(&chosen, &shape, words::<2>(data).map(|w| f64::from(half::f16::from_le_bytes(w).to_f32())))?
        }
        Dtype::BF16 => {
            exact(&chosen, &shape, words::<2>(data).map(|w| f64::from(half::bf16::from_le_bytes(w).to_f32())))?
        }
        Dtype::I64 => words::<8>(data).map(|w| Q::from_int(i64::from_le_bytes(w))).collect(),
        Dtype::I32 => words::<4>(data).map(|w| Q::from_int(i32::from_le_bytes(w).into())).collect(),
        Dtype::I16 => words::<2>(data).map(|w| Q::from_int(i16::from_le_bytes(w).into())).collect(),
        Dtype::I8 => data.iter().map(|&b| Q::from_int((b as i8).into())).collect(),
        Dtype::U8 => data.iter().map(|&b| Q::from_int(b.into())).collect(),
        Dtype::BOOL => data.iter().map(|&b| Q::from_int((b != 0).into())).collect(),
        other => return Err(ReadError::Unsupported { tensor: chosen, dtype: format!("{other:?}") }),
    };
    Ok(StoredTensor { shape, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.npy` file of little-endian f32 written by hand, as NumPy writes
    /// it (format 1.0: magic, version, header length, header padded to a
    /// multiple of 64 bytes and ended by a newline).
    pub(crate) fn npy_f32(shape: &[usize], values: &[f32]) -> Vec<u8> {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
        let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    #[test]
    fn an_npy_array_is_read_exactly() {
        let bytes = npy_f32(&[2, 3], &[0.5, -1.0, 0.1, 3.0, 0.0, 1e-3]);
        let t = read(&bytes, Format::Npy, None, 100).unwrap();
        assert_eq!(t.shape, vec![2, 3]);
        assert_eq!(t.values[0], Q::new(1, 2));
        assert_eq!(t.values[2], Q::new(13421773, 1 << 27), "0.1f32 exactly");
        assert_eq!(t.values[2].to_f64() as f32, 0.1f32);
        assert_eq!(read(&bytes, Format::Npy, Some("w"), 100), Err(ReadError::NamedInNpy));
        assert!(matches!(read(&bytes, Format::Npy, None, 5), Err(ReadError::TooLarge { entries: 6, limit: 5, .. })));
        let nan = npy_f32(&[3], &[1.0, 2.0, f32::NAN]);
        assert_eq!(
            read(&nan, Format::Npy, None, 100),
            Err(ReadError::NotFinite { tensor: "the array".into(), index: vec![2] })
        );
        assert!(matches!(read(&bytes[..20], Format::Npy, None, 100), Err(ReadError::Malformed(_))));
    }

    #[test]
    fn safetensors_are_read_by_name() {
        use safetensors::{Dtype, tensor::TensorView};
        let w: Vec<u8> = [0.25f32, -2.0, 0.1, 7.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [1i64, -3].iter().flat_map(|v| v.to_le_bytes()).collect();
        let half: Vec<u8> = [half::bf16::from_f32(0.1)].iter().flat_map(|v| v.to_le_bytes()).collect();
        let views = vec![
            ("fc.weight", TensorView::new(Dtype::F32, vec![2, 2], &w).unwrap()),
            ("fc.bias", TensorView::new(Dtype::I64, vec![2], &b).unwrap()),
            ("h", TensorView::new(Dtype::BF16, vec![1], &half).unwrap()),
        ];
        let bytes = safetensors::serialize(views, None).unwrap();
        let t = read(&bytes, Format::Safetensors, Some("fc.weight"), 100).unwrap();
        assert_eq!(t.shape, vec![2, 2]);
        assert_eq!(t.values, vec![Q::new(1, 4), Q::from_int(-2), Q::new(13421773, 1 << 27), Q::from_int(7)]);
        let t = read(&bytes, Format::Safetensors, Some("fc.bias"), 100).unwrap();
        assert_eq!(t.values, vec![Q::from_int(1), Q::from_int(-3)]);
        // bf16 keeps 8 bits of mantissa: 0.1 is 205/2048.
        assert_eq!(read(&bytes, Format::Safetensors, Some("h"), 100).unwrap().values, vec![Q::new(205, 2048)]);
        match read(&bytes, Format::Safetensors, Some("fc.weights"), 100) {
            Err(ReadError::Missing { asked, names }) => {
                assert_eq!(asked, "fc.weights");
                assert_eq!(names, vec!["fc.bias", "fc.weight", "h"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(&bytes, Format::Safetensors, None, 100), Err(ReadError::Unnamed { .. })));
    }

    #[test]
    fn npz_archives_are_read_stored_or_deflated() {
        use std::io::Write;
        for method in [zip::CompressionMethod::Stored, zip::CompressionMethod::Deflated] {
            let mut out = std::io::Cursor::new(Vec::new());
            let mut z = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            z.start_file("w1.npy", options).unwrap();
            z.write_all(&npy_f32(&[2], &[1.5, -0.75])).unwrap();
            z.start_file("b1.npy", options).unwrap();
            z.write_all(&npy_f32(&[1], &[3.0])).unwrap();
            z.finish().unwrap();
            let bytes = out.into_inner();
            let t = read(&bytes, Format::Npz, Some("w1"), 100).unwrap();
            assert_eq!(t.values, vec![Q::new(3, 2), Q::new(-3, 4)], "{method:?}");
            assert!(matches!(read(&bytes, Format::Npz, None, 100), Err(ReadError::Unnamed { .. })));
            assert!(matches!(read(&bytes, Format::Npz, Some("w2"), 100), Err(ReadError::Missing { .. })));
        }
    }
}
