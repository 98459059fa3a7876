//! `include "common.nnk"`: another file's file-level declarations.
//!
//! An included path is relative to the file that includes it and must lie
//! inside the folder given on the command line (for a file given there, its
//! folder). Included files may include others; a file reached twice is read
//! once, and a cycle is an error at the include that closes it, with the
//! chain. Each included text is parsed with spans past those of the files
//! before it ([`crate::language::parse_at`]), so every span names one place
//! and a diagnostic is printed against the file it is in
//! ([`super::FileReport::render_diagnostic`]).

use std::path::{Path, PathBuf};

use crate::language::syntax::{Include, Statement, SyntaxFile};
use crate::language::{Diagnostic, SourceFile, parse_at};

use super::read_limited;

/// How deep includes may nest.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// How many files one problem file may include, directly or not.
pub const MAX_INCLUDED_FILES: usize = 64;

/// An included file and the offset its spans start at.
#[derive(Clone, Debug)]
pub struct Included {
    pub base: usize,
    pub source: SourceFile,
}

/// The included declarations of a file (those of its includes, in order,
/// each file's own includes first), the files read, and what went wrong.
pub fn resolve(
    source: &SourceFile,
    syntax: &SyntaxFile,
    root: &Path,
) -> (Vec<Statement>, Vec<Included>, Vec<Diagnostic>) {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let me = std::fs::canonicalize(&source.path).unwrap_or_else(|_| source.path.clone());
    let mut r = Resolver {
        root,
        next_base: source.text.len() + 1,
        files: Vec::new(),
        seen: vec![me.clone()],
        shared: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut stack = vec![(me, source.path.clone(), None)];
    r.includes(&source.path, &syntax.includes, &mut stack);
    (r.shared, r.files, r.diagnostics)
}

struct Resolver {
    root: PathBuf,
    next_base: usize,
    files: Vec<Included>,
    /// Canonical paths already read (the including file first).
    seen: Vec<PathBuf>,
    shared: Vec<Statement>,
    diagnostics: Vec<Diagnostic>,
}

/// One file on the way down: its canonical path, its path as shown, and
/// the include that brought it.
type Frame = (PathBuf, PathBuf, Option<Include>);

impl Resolver {
    fn includes(&mut self, from: &Path, includes: &[Include], stack: &mut Vec<Frame>) {
        for inc in includes {
            self.include(from, inc, stack);
        }
    }

    /// An error at the include, with the chain of includes that led to it.
    fn error(&mut self, inc: &Include, message: String, label: &str, stack: &[Frame]) {
        let mut d = Diagnostic::error(inc.path_span, message).with_label(label);
        for (_, path, by) in stack.iter().rev() {
            if let Some(by) = by {
                d = d.with_hint_at(by.path_span, format!("{} is included here", path.display()));
            }
        }
        self.diagnostics.push(d);
    }

    fn include(&mut self, from: &Path, inc: &Include, stack: &mut Vec<Frame>) {
        let dir = from.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = dir.join(&inc.path);
        let canonical = match inside(&self.root, dir, &inc.path) {
            Ok((_, c)) => c,
            Err(Outside::Outside(why)) => {
                return self.error(inc, why, "included files stay inside the folder given on the command line", stack);
            }
            Err(Outside::Unreadable(why)) => {
                return self.error(
                    inc,
                    format!("cannot include `{}`: {why}", inc.path),
                    &format!("looked for {}", path.display()),
                    stack,
                );
            }
        };
        if let Some(k) = stack.iter().position(|(c, _, _)| *c == canonical) {
            let mut chain: Vec<String> = stack[k..].iter().map(|(_, p, _)| p.display().to_string()).collect();
            chain.push(path.display().to_string());
            return self.error(
                inc,
                format!("include cycle: {}", chain.join(" → ")),
                "this include closes the cycle",
                stack,
            );
        }
        // Included already by another way: its declarations are in.
        if self.seen.contains(&canonical) {
            return;
        }
        if stack.len() > MAX_INCLUDE_DEPTH {
            return self.error(
                inc,
                format!("includes nest more than {MAX_INCLUDE_DEPTH} deep (MAX_INCLUDE_DEPTH)"),
                "one include too many",
                stack,
            );
        }
        if self.files.len() >= MAX_INCLUDED_FILES {
            return self.error(
                inc,
                format!("a file may include at most {MAX_INCLUDED_FILES} files (MAX_INCLUDED_FILES)"),
                "one include too many",
                stack,
            );
        }
        let text = match read_limited(&path)
            .and_then(|b| String::from_utf8(b).map_err(|e| format!("not UTF-8 text ({})", e.utf8_error())))
        {
            Ok(t) => t,
            Err(e) => return self.error(inc, format!("cannot include `{}`: {e}", inc.path), "cannot be read", stack),
        };
        self.seen.push(canonical.clone());
        let base = self.next_base;
        self.next_base += text.len() + 1;
        let (syntax, diagnostics) = parse_at(&text, base);
        let failed = !diagnostics.is_empty();
        self.diagnostics.extend(diagnostics);
        self.files.push(Included { base, source: SourceFile::new(&path, text) });
        if failed {
            return;
        }
        stack.push((canonical, path.clone(), Some(inc.clone())));
        self.includes(&path, &syntax.includes, stack);
        stack.pop();
        self.shared.extend(syntax.shared);
    }
}

/// Why a path named in a file cannot be used.
#[derive(Clone, Debug)]
pub enum Outside {
    /// It leaves the folder given on the command line.
    Outside(String),
    /// It does not exist or cannot be resolved.
    Unreadable(String),
}

impl std::fmt::Display for Outside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outside::Outside(why) | Outside::Unreadable(why) => f.write_str(why),
        }
    }
}

/// The path `written` in a file in `dir` (as it is shown, and canonical),
/// when it lies inside `root`: by its words (`../../x`, whether or not it
/// exists) and after following links.
pub fn inside(root: &Path, dir: &Path, written: &str) -> Result<(PathBuf, PathBuf), Outside> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let outside = || Outside::Outside(format!("`{written}` is outside {}", root.display()));
    let path = dir.join(written);
    let lexical = std::fs::canonicalize(dir).map(|d| normalize(&d.join(written)));
    if lexical.is_ok_and(|l| !l.starts_with(&root)) {
        return Err(outside());
    }
    let canonical = std::fs::canonicalize(&path).map_err(|e| {
        Outside::Unreadable(if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".to_string()
        } else {
            e.to_string()
        })
    })?;
    if !canonical.starts_with(&root) {
        return Err(outside());
    }
    Ok((path, canonical))
}

/// A path with `.` and `..` taken out by their words (no file system
/// access: a path that does not exist yet is normalized too).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
