#![no_main]
//! Fuzz target: csc_pipeline::fuzzing::ssda903 (see that module for what it reads).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    csc_pipeline::fuzzing::ssda903(data);
});
