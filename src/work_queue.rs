//! One work queue for "do this to every item, a few at a time": a fixed number of scoped threads
//! each take the next item in order until none is left, and the results come back in the items'
//! order whatever order they finished in. Used to read input files ([`crate::normalise`]), run
//! many LAs ([`crate::hub`]) and generate every LA (the `csc-synth` crate).
//!
//! Errors are results like any other: `work` returns them and they come back in their item's
//! place. A panic in `work` is not caught here; it reaches the caller once every thread has
//! stopped (callers that must go on past a panicking item catch it inside `work`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The number of cores, or `fallback` when it cannot be told.
pub fn cores(fallback: usize) -> usize {
    std::thread::available_parallelism().map_or(fallback, |n| n.get())
}

/// Applies `work` to every item on at most `workers` threads (at least one), returning the results
/// in the order of `items`.
pub fn map_ordered<T: Sync, R: Send>(items: &[T], workers: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1).min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = work(item);
                // A worker that panicked did so in `work`, never holding the lock.
                results.lock().unwrap_or_else(|poisoned| poisoned.into_inner())[i] = Some(result);
            });
        }
    });
    results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).into_iter().map(|r| r.expect("every item was done")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u64> = (0..40).collect();
        // Early items take longest, so they finish last.
        let out = map_ordered(&items, 4, |&n| {
            std::thread::sleep(Duration::from_millis(40 - n));
            n * 10
        });
        assert_eq!(out, items.iter().map(|n| n * 10).collect::<Vec<_>>());
    }

    #[test]
    fn errors_come_back_in_their_items_place() {
        let items = ["1", "x", "3", "", "5"];
        let out: Vec<Result<u32, String>> = map_ordered(&items, 3, |s| s.parse::<u32>().map_err(|e| format!("{s:?}: {e}")));
        assert_eq!(out[0], Ok(1));
        assert!(out[1].as_ref().is_err_and(|e| e.starts_with("\"x\"")));
        assert_eq!(out[2], Ok(3));
        assert!(out[3].as_ref().is_err_and(|e| e.starts_with("\"\"")));
        assert_eq!(out[4], Ok(5));
    }

    #[test]
    fn no_more_than_the_workers_run_at_once() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let threads = Mutex::new(std::collections::HashSet::new());
        let items: Vec<usize> = (0..24).collect();
        let out = map_ordered(&items, 3, |&n| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            threads.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            n
        });
        assert_eq!(out, items);
        assert!(most.load(Ordering::SeqCst) <= 3, "at most 3 at once, saw {}", most.load(Ordering::SeqCst));
        assert!(threads.lock().unwrap().len() <= 3);
        assert!(most.load(Ordering::SeqCst) >= 2, "the work was spread over several threads");
    }

    #[test]
    fn zero_workers_is_one_and_no_items_is_no_work() {
        assert_eq!(map_ordered(&[1, 2, 3], 0, |n| n + 1), vec![2, 3, 4]);
        assert!(map_ordered(&[] as &[u8], 4, |_| -> u8 { panic!("no item to work on") }).is_empty());
    }

    #[test]
    fn a_panic_reaches_the_caller_after_the_other_items() {
        let done = AtomicUsize::new(0);
        let items: Vec<usize> = (0..10).collect();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            map_ordered(&items, 2, |&n| {
                if n == 3 {
                    panic!("item 3 fails");
                }
                done.fetch_add(1, Ordering::SeqCst);
            })
        }));
        assert!(caught.is_err());
        // The other worker carried on to the end of the queue.
        assert_eq!(done.load(Ordering::SeqCst), 9);
    }
}
