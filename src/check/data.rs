//! The weight files a file's declarations read (`matrix from "mlp.npz"
//! "w1"`): found relative to the file that names them, inside the folder
//! given on the command line (as includes are), each read once and bounded
//! by [`MAX_WEIGHT_FILE_BYTES`]. Decoding is the model's
//! ([`crate::model::weights`]); here are only paths and bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::language::syntax::{Declared, Statement, SyntaxFile};
use crate::model::DataFiles;
use crate::model::weights::MAX_WEIGHT_FILE_BYTES;

use super::include::{Included, inside};

/// The bytes of every weight file named in `syntax` (and in the shared
/// declarations of its includes), and the files read.
pub fn read(
    source_path: &Path,
    source_len: usize,
    syntax: &SyntaxFile,
    shared: &[Statement],
    included: &[Included],
    root: &Path,
) -> (DataFiles, Vec<PathBuf>) {
    let mut files = DataFiles::default();
    let mut read: Vec<PathBuf> = Vec::new();
    let mut cache: HashMap<PathBuf, Result<Arc<Vec<u8>>, String>> = HashMap::new();
    let statements = shared.iter().chain(syntax.problems.iter().flat_map(|p| &p.statements));
    for s in statements {
        let Statement::Let(l) = s else { continue };
        let Declared::File { file: (path, at), .. } = &l.value else { continue };
        // The file whose text holds the declaration: its folder is where
        // the path starts.
        let holder = if at.start <= source_len {
            source_path
        } else {
            included.iter().rev().find(|inc| inc.base <= at.start).map_or(source_path, |inc| inc.source.path.as_path())
        };
        let dir = holder.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let bytes = match inside(root, dir, path) {
            Err(why) => Err(why.to_string()),
            Ok((shown, canonical)) => cache
                .entry(canonical)
                .or_insert_with(|| {
                    let bytes = bounded(&shown);
                    if bytes.is_ok() {
                        read.push(shown);
                    }
                    bytes
                })
                .clone(),
        };
        files.insert(*at, bytes);
    }
    (files, read)
}

fn bounded(path: &Path) -> Result<Arc<Vec<u8>>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_WEIGHT_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_WEIGHT_FILE_BYTES {
        return Err(format!(
            "larger than the limit of {MAX_WEIGHT_FILE_BYTES} bytes (MAX_WEIGHT_FILE_BYTES) for a weight file"
        ));
    }
    Ok(Arc::new(bytes))
}
