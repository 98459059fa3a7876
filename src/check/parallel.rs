//! Work over many items on several threads, with results in item order.
//!
//! `check`, `solve`, `variants` and `grade` all take items (files,
//! variants, students) one at a time from a shared counter, so a slow item
//! does not hold up the others, and put each result in its item's slot:
//! the output is the same bytes on any number of threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::derive;

/// The stack of a worker thread: as deep as the main thread's, so a file
/// nested to the limits reads the same on any number of threads.
const WORKER_STACK: usize = 8 << 20;

/// `work(state, i)` for every `i < n`, on up to `jobs` threads, each with
/// its own `state` from `init` (a cache, say), in order of `i`. The time
/// budget of the calling thread applies on every worker.
pub fn map<S, T: Send>(
    n: usize,
    jobs: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    map_until(n, jobs, init, work, |_| false).into_iter().map(|t| t.expect("no item stops the run")).collect()
}

/// As [`map`], but once an item's result satisfies `stops`, items after
/// it are not started (items already running finish): the results are
/// those a sequential run that stops at the first such item would have,
/// and `None` after it.
pub fn map_until<S, T: Send>(
    n: usize,
    jobs: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize) -> T + Sync,
    stops: impl Fn(&T) -> bool + Sync,
) -> Vec<Option<T>> {
    let jobs = jobs.max(1).min(n);
    let mut results: Vec<Option<T>> = Vec::with_capacity(n);
    if jobs <= 1 {
        let mut state = init();
        for i in 0..n {
            let t = work(&mut state, i);
            let stop = stops(&t);
            results.push(Some(t));
            if stop {
                break;
            }
        }
        results.resize_with(n, || None);
        return results;
    }
    let next = AtomicUsize::new(0);
    // The first item (in order) that stopped the run, or `n`.
    let stopped_at = AtomicUsize::new(n);
    let stopping = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let budget = derive::budget::time_budget();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let worker = || {
                derive::budget::set_time_budget(budget);
                let mut state = init();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || (stopping.load(Ordering::Relaxed) && i > stopped_at.load(Ordering::Relaxed)) {
                        break;
                    }
                    let t = work(&mut state, i);
                    if stops(&t) {
                        stopped_at.fetch_min(i, Ordering::Relaxed);
                        stopping.store(true, Ordering::Relaxed);
                    }
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
                }
            };
            std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, worker)
                .expect("a worker thread starts");
        }
    });
    let last = stopped_at.into_inner();
    for (i, slot) in slots.into_iter().enumerate() {
        let t = slot.into_inner().unwrap_or_else(|e| e.into_inner());
        results.push(if i <= last { t } else { None });
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_item_order_on_any_number_of_threads() {
        let squares: Vec<usize> = (0..200).map(|i| i * i).collect();
        for jobs in [0, 1, 2, 3, 8, 500] {
            assert_eq!(map(200, jobs, || (), |_, i| i * i), squares, "jobs {jobs}");
        }
    }

    #[test]
    fn each_worker_keeps_its_own_state() {
        // A per-worker counter: each worker's first item sees 1.
        let seen = map(
            50,
            4,
            || 0usize,
            |count, _| {
                *count += 1;
                *count
            },
        );
        assert_eq!(seen.len(), 50);
        let workers = seen.iter().filter(|&&c| c == 1).count();
        assert!((1..=4).contains(&workers), "{workers} workers started");
        // With one worker, its count is the item's position.
        assert_eq!(
            map(
                50,
                1,
                || 0usize,
                |count, _| {
                    *count += 1;
                    *count
                }
            ),
            (1..=50).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_stopping_item_ends_the_run_where_a_sequential_run_would() {
        for jobs in [1, 2, 4] {
            let out = map_until(100, jobs, || (), |_, i| i, |&i| i == 10 || i == 40);
            assert_eq!(out[..=10].iter().map(|t| t.unwrap()).collect::<Vec<_>>(), (0..=10).collect::<Vec<_>>());
            assert!(out[11..].iter().all(Option::is_none), "jobs {jobs}");
        }
    }
}
