//! Replays the fuzz targets' committed seed corpora (`fuzz/corpus/<target>/`) on stable: every
//! input, including each crash the fuzzers found (kept as a regression case), must be read
//! without a panic. The fuzzers themselves run with `scripts/fuzz.sh` (nightly, cargo-fuzz).

use std::path::Path;

use csc_pipeline::fuzzing;
use csc_pipeline::quality::Issue;

type Target = fn(&[u8]) -> Vec<Issue>;

const TARGETS: &[(&str, Target)] = &[
    ("ssd_csv", fuzzing::ssd_csv),
    ("vendor_csv", fuzzing::vendor_csv),
    ("cin_xml", fuzzing::cin_xml),
    ("ssda903", fuzzing::ssda903),
    ("annex_a", fuzzing::annex_a),
    ("toml_config", fuzzing::toml_config),
];

#[test]
fn every_committed_fuzz_input_is_read_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, read) in TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target} has a seed corpus");
        for path in inputs {
            let bytes = std::fs::read(&path).unwrap();
            let issues = read(&bytes);
            // The seeds are real exports: each reads, and a reader that reports the file
            // unreadable says so with an issue rather than silently.
            if path.file_name().unwrap().to_string_lossy().starts_with("seed_") && *target != "toml_config" {
                assert!(!issues.iter().any(|i| i.code == "unreadable_file"), "{}: {:?}", path.display(), issues.iter().filter(|i| i.code == "unreadable_file").collect::<Vec<_>>());
            }
        }
    }
}

#[test]
fn the_fuzz_entry_points_survive_hostile_bytes() {
    // A few inputs of each class the fuzzers start from, so the entry points are exercised
    // even where no corpus file is.
    let deep = format!("<Message><Children><Child>{}", "<a>".repeat(10_000));
    for (_, read) in TARGETS {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\0\0\0\0", b"PK\x03\x04garbage", deep.as_bytes(), b"a,b\n\"unclosed,x\n1,2\n"] {
            read(bytes);
        }
    }
}
