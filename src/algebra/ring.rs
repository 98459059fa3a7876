//! Symbols and the polynomial ring that knows them.
//!
//! A [`Symbol`] is a name with optional integer indices: `a`, `w[0,1]`,
//! `c[3,0,0,0]`. Polynomials do not carry symbols around; they refer to them
//! by [`Var`], a small index handed out by the [`Ring`] that a problem's values
//! live in. The ring only grows, so a polynomial built early stays valid as
//! later symbols are added, and comparing variables is comparing integers.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

/// A symbol: a name and zero or more integer indices.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Symbol {
    pub name: String,
    pub indices: Vec<i64>,
}

impl Symbol {
    pub fn plain(name: &str) -> Symbol {
        Symbol { name: name.to_string(), indices: Vec::new() }
    }

    pub fn indexed(name: &str, indices: &[i64]) -> Symbol {
        Symbol { name: name.to_string(), indices: indices.to_vec() }
    }
}

/// Symbols sort by name, then by indices, so `w[0,1]` comes before `w[1,0]`
/// and `w[1,0]` before `x[0,0]`; printing uses this order.
impl Ord for Symbol {
    fn cmp(&self, other: &Symbol) -> Ordering {
        self.name.cmp(&other.name).then_with(|| self.indices.cmp(&other.indices))
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Symbol) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Symbol {
    /// Appends the symbol as written, `w[1,0]`: the fast path of printing,
    /// which the JSON of a large matrix takes once per entry.
    pub fn write_to(&self, out: &mut String) {
        out.push_str(&self.name);
        if !self.indices.is_empty() {
            out.push('[');
            let mut buf = itoa::Buffer::new();
            for (i, index) in self.indices.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(buf.format(*index));
            }
            out.push(']');
        }
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(self.name.len() + 4 * self.indices.len() + 2);
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// A variable of a [`Ring`]: the position of its symbol in the ring.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Var(pub u32);

impl Var {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The ring Q[symbols] of one problem: it hands out a [`Var`] per symbol and
/// names them back for printing.
///
/// Interning goes through a shared reference (the table sits behind a lock)
/// because symbols appear while values are being built and compared, long
/// after the problem was elaborated: a key may name a symbol the problem
/// never declared, and that is a legitimate (if wrong) answer. The lock
/// lets threads share a problem (grading students on every core); the
/// arithmetic never touches it, only naming and printing do.
#[derive(Default)]
pub struct Ring {
    table: RwLock<Table>,
}

#[derive(Default, Clone)]
struct Table {
    symbols: Vec<Arc<Symbol>>,
    index: HashMap<Arc<Symbol>, Var>,
}

impl Ring {
    pub fn new() -> Ring {
        Ring::default()
    }

    /// The variable of `symbol`, adding it to the ring if it is new.
    pub fn var(&self, symbol: &Symbol) -> Var {
        if let Some(&v) = self.read().index.get(symbol) {
            return v;
        }
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        // Another thread may have added it in between.
        if let Some(&v) = table.index.get(symbol) {
            return v;
        }
        let v = Var(table.symbols.len() as u32);
        let rc = Arc::new(symbol.clone());
        table.symbols.push(rc.clone());
        table.index.insert(rc, v);
        v
    }

    /// The variable of `symbol` if the ring has it.
    pub fn lookup(&self, symbol: &Symbol) -> Option<Var> {
        self.read().index.get(symbol).copied()
    }

    /// The symbol behind `var`. Panics for a variable of another ring.
    pub fn symbol(&self, var: Var) -> Arc<Symbol> {
        self.read().symbols[var.index()].clone()
    }

    /// How many variables the ring has.
    pub fn len(&self) -> usize {
        self.read().symbols.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Compares two variables by their symbols (the printing order).
    pub fn cmp_vars(&self, a: Var, b: Var) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        let table = self.read();
        table.symbols[a.index()].cmp(&table.symbols[b.index()])
    }
}

impl Ring {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        // A lock poisoned by a panic elsewhere still holds every symbol
        // interned before it: reading on is safe.
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clone for Ring {
    fn clone(&self) -> Ring {
        Ring { table: RwLock::new(self.read().clone()) }
    }
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ring({} symbols)", self.len())
    }
}
