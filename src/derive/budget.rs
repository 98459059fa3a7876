//! How much work a derivation may ask for.
//!
//! Every limit is checked before the work starts when its size can be
//! estimated, or counted as the work goes and refused as soon as it is
//! passed, with an error at the query's span that names the limit and the
//! size asked for:
//!
//! - identified regions by coordinates: at most [`MAX_PIECES`] linear
//!   pieces summed over the coordinates scanned and the instances of a
//!   symbolic query (`repeat 40` of `|2x − 1|` has 2^40 per coordinate);
//! - identified regions as polytopes (a network that mixes coordinates):
//!   at most [`MAX_SPLITTING_UNITS`] activation units, checked first, and
//!   at most [`MAX_FEASIBILITY_CHECKS`] inequalities tested by exact
//!   feasibility checks, counted as the cells are split and visited;
//! - a symbolic data matrix X for the minimum-norm solution (solved by
//!   Cramer's rule over the polynomials): at most [`MAX_SYMBOLIC_ROWS`]
//!   rows, and at most [`MAX_SYMBOLIC_WORK`] estimated term operations:
//!   det(X Xᵀ) has about C(d, n)·(n!)² terms (Cauchy–Binet: one square of
//!   an n×n minor per choice of n columns) and each of the d entries of the
//!   answer is reduced by a polynomial gcd with it, about the square of its
//!   terms;
//! - a symbolic data matrix X for the limit of gradient descent (the
//!   Cauchy–Binet closed form, no gcd when coprimality is proved by
//!   specialization): at most [`MAX_CLOSED_FORM_ROWS`] rows and at most
//!   [`MAX_CLOSED_FORM_WORK`] estimated term operations, d·v·T with T the
//!   terms of det(X Xᵀ) and v the symbols: each of the d entries is proved
//!   in lowest terms by specializing every symbol in turn.

/// The work one query has done so far, against the limits above.
#[derive(Clone, Debug, Default)]
pub struct Work {
    /// Linear pieces enumerated (or counted to be enumerated).
    pub pieces: u128,
    /// Feasibility checks made.
    pub checks: u64,
}

/// Most linear pieces the coordinate enumeration visits in one query,
/// summed over coordinates and instances: twice the 2^20 pieces of the
/// tent map iterated 20 times (`d = 1, L = 20`), which is allowed.
pub const MAX_PIECES: u128 = 1 << 21;

/// Most activation units (summed over the kink layers) of a network whose
/// regions are enumerated as polytopes, checked before the enumeration:
/// each unit adds an inequality to every region it splits, and the cost of
/// each feasibility check grows with them.
pub const MAX_SPLITTING_UNITS: usize = 16;

/// Most inequalities the exact feasibility checks (linear programs) of the
/// polytope enumeration may test in one query: each check counts the
/// inequalities of its region, and each region found counts their square
/// (its irredundant form tests each one).
pub const MAX_FEASIBILITY_CHECKS: u64 = 400_000;

/// Most rows (examples) of a data matrix with symbols: with 4 rows the
/// exact gcds behind the closed form already take minutes.
pub const MAX_SYMBOLIC_ROWS: usize = 3;

/// Most estimated term operations for the closed form of a symbolic data
/// matrix: d·T² with T = C(d, n)·(n!)² the terms of det(X Xᵀ). A 3×7 X is
/// 11 113 200, a 2×22 X 18 783 072, a 1×271 X 19 902 511.
pub const MAX_SYMBOLIC_WORK: u128 = 20_000_000;

/// Most rows of a symbolic data matrix for the limit of gradient descent.
pub const MAX_CLOSED_FORM_ROWS: usize = 5;

/// Most estimated term operations of the Cauchy–Binet closed form, d·v·T
/// (see the module documentation): a 4×6 X is 1 451 520, a 5×6 X
/// 18 144 000, a 3×20 X 51 710 400 (refused).
pub const MAX_CLOSED_FORM_WORK: u128 = 20_000_000;

/// The estimated work of the Cauchy–Binet closed form for an n×d matrix of
/// distinct symbols: d entries, each specialized in the n·d + n symbols of
/// X and y, over the T terms of det(X Xᵀ).
pub fn closed_form_work(n: usize, d: usize) -> u128 {
    let vars = (n * d + n) as u128;
    gram_det_terms(n, d).saturating_mul(vars).saturating_mul(d as u128)
}

/// The estimated terms of det(X Xᵀ) for an n×d matrix of distinct
/// symbols, C(d, n)·(n!)², saturating.
pub fn gram_det_terms(n: usize, d: usize) -> u128 {
    if n > d {
        return 0;
    }
    let mut choose: u128 = 1;
    for i in 0..n as u128 {
        choose = choose.saturating_mul(d as u128 - i) / (i + 1);
    }
    let fact = (1..=n as u128).fold(1u128, |a, k| a.saturating_mul(k));
    choose.saturating_mul(fact.saturating_mul(fact))
}

// ---------------------------------------------------------------------------
// Time budget and progress
// ---------------------------------------------------------------------------

use std::cell::RefCell;
use std::time::{Duration, Instant};

/// The time budget of one derivation unless `--budget` says otherwise.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(60);

/// Most rows of a numeric data matrix for the exact limit of gradient
/// descent: Bareiss elimination on X Xᵀ costs about n³ operations on
/// numbers of up to n times the digits of an entry (100 rows: under half a
/// second; 200 rows: several seconds).
pub const MAX_NUMERIC_ROWS: usize = 200;

/// What a long derivation reports while it works: a stage and how far.
#[derive(Clone, Debug)]
pub struct Progress {
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

/// A derivation that passed its time budget: where it was.
#[derive(Clone, Debug)]
pub struct OverBudget {
    pub progress: Progress,
    pub budget: Duration,
}

impl OverBudget {
    /// The message of the error a query reports, naming what grew and what
    /// the user can do.
    pub fn message(&self, what: &str) -> String {
        let p = &self.progress;
        format!(
            "the exact derivation of {what} passed its time budget of {} s while {} ({} of {} done)",
            seconds(self.budget),
            p.stage,
            p.done,
            p.total
        )
    }

    pub const HINT: &'static str =
        "ask about a smaller instance, write the data with numbers, or give more time with `--budget SECONDS`";
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 && s.fract() == 0.0 { format!("{}", s as u64) } else { format!("{s}") }
}

/// What is called with the progress of a derivation.
pub type ProgressHook = Box<dyn FnMut(&Progress)>;

/// The budget and progress hook of the derivations on this thread.
struct Meter {
    budget: Duration,
    deadline: Option<Instant>,
    hook: Option<ProgressHook>,
    last_report: Option<Instant>,
}

thread_local! {
    static METER: RefCell<Meter> =
        RefCell::new(Meter { budget: DEFAULT_TIME_BUDGET, deadline: None, hook: None, last_report: None });
}

/// Sets the time budget of each derivation on this thread.
pub fn set_time_budget(budget: Duration) {
    METER.with(|m| m.borrow_mut().budget = budget);
}

/// The time budget of each derivation on this thread.
pub fn time_budget() -> Duration {
    METER.with(|m| m.borrow().budget)
}

/// Sets (or clears) the progress hook of this thread: called at most ten
/// times a second while a derivation reports progress, and once with
/// `done == total` at its end.
pub fn set_progress_hook(hook: Option<ProgressHook>) {
    METER.with(|m| m.borrow_mut().hook = hook);
}

/// Starts the clock of one derivation.
pub fn start() {
    METER.with(|m| {
        let mut m = m.borrow_mut();
        m.deadline = Some(Instant::now() + m.budget);
        m.last_report = None;
    });
}

/// Reports progress, and refuses once the derivation is past its budget.
pub fn tick(stage: &'static str, done: u64, total: u64) -> Result<(), OverBudget> {
    METER.with(|m| {
        let mut m = m.borrow_mut();
        let now = Instant::now();
        let progress = Progress { stage, done, total };
        if m.deadline.is_some_and(|d| now > d) {
            return Err(OverBudget { progress, budget: m.budget });
        }
        let due = m.last_report.is_none_or(|t| now.duration_since(t) >= Duration::from_millis(100));
        if due || done == total {
            m.last_report = Some(now);
            if let Some(hook) = m.hook.as_mut() {
                hook(&progress);
            }
        }
        Ok(())
    })
}
