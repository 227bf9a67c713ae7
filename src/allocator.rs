//! How the process allocator treats freed memory. glibc's malloc keeps memory a query has freed
//! for reuse (per-thread arenas, and a trim threshold that grows with the largest block freed),
//! so a run's resident size stays near the highest it has been rather than what it holds. Under
//! a memory limit that matters more than speed: there the allocator is told to hand freed memory
//! back to the system. Measured on synthetic Hampshire (BENCHMARKS.md, "England, the South East
//! and one LA ... (session 10)"): with `--memory-limit 450MiB` the peak fell from 987 to 697 MiB;
//! one LA without a limit ran 17-30 % slower with the same settings, so they are not the default.

/// Tells glibc's malloc to return freed memory to the system: trim the heap once 128 KiB at its
/// top is free (instead of a threshold that grows to the largest block freed so far) and use at
/// most two arenas for threads that have none yet. Has no effect on other allocators or
/// platforms. Safe to call more than once.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets glibc's tuning parameters; it is safe to call at any time
        // from any thread, and an unsupported parameter returns 0 without effect.
        let set = unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 10) == 1 && libc::mallopt(libc::M_ARENA_MAX, 2) == 1 };
        tracing::debug!(set, "allocator told to return freed memory (memory limit)");
    }
}
