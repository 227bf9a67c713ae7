#![no_main]
//! Fuzz target: csc_pipeline::fuzzing::ssd_csv (see that module for what it reads).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    csc_pipeline::fuzzing::ssd_csv(data);
});
