#![no_main]
//! Fuzz target: csc_pipeline::fuzzing::cin_xml (see that module for what it reads).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    csc_pipeline::fuzzing::cin_xml(data);
});
