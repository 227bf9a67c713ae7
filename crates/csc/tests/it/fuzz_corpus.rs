//! Replays the fuzz targets' committed seed corpora (`fuzz/corpus/<target>/`) on stable: every
//! input, including each crash the fuzzers found (kept as a regression case), must be read
//! without a panic. The fuzzers themselves run with `scripts/fuzz.sh` (nightly, cargo-fuzz).

use std::path::Path;

use csc_pipeline::fuzzing;
use csc_pipeline::quality::Issue;

type Target = fn(&[u8]) -> Vec<Issue>;

/// Whether a reader panicked: normalise turns a reader's panic into this file-level issue (so a
/// run goes on), which the fuzzing here must count as the crash it is.
fn reader_panicked(issues: &[Issue]) -> bool {
    issues.iter().any(|i| i.code == "unreadable_file" && i.message.starts_with("the reader stopped with an internal error"))
}

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
    let root = Path::new(crate::REPO).join("fuzz/corpus");
    for (target, read) in TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target} has a seed corpus");
        for path in inputs {
            let bytes = std::fs::read(&path).unwrap();
            let issues = read(&bytes);
            assert!(!reader_panicked(&issues), "{}: the reader panicked", path.display());
            // The seeds are real exports: each reads, and a reader that reports the file
            // unreadable says so with an issue rather than silently.
            if path.file_name().unwrap().to_string_lossy().starts_with("seed_") && *target != "toml_config" {
                assert!(
                    !issues.iter().any(|i| i.code == "unreadable_file"),
                    "{}: {:?}",
                    path.display(),
                    issues.iter().filter(|i| i.code == "unreadable_file").collect::<Vec<_>>()
                );
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
            assert!(!reader_panicked(&read(bytes)));
        }
    }
}

/// Mutation fuzzing on stable, for machines without the nightly toolchain: each target's seeds
/// mutated at random (seeded, so a failure reproduces) for `CSC_FUZZ_SECS` seconds per target
/// (`CSC_FUZZ_TARGETS` to choose targets). Not coverage-guided like `scripts/fuzz.sh`; a panic
/// fails the test after writing the input that caused it to `CSC_FUZZ_OUT` (default the system
/// temporary folder), to be added to `fuzz/corpus/<target>/` as a regression case.
#[test]
#[ignore = "runs for CSC_FUZZ_SECS per target; `cargo test --test it fuzz_corpus -- --ignored`"]
fn seeds_mutated_at_random_are_read_without_a_panic() {
    use rand::{Rng, SeedableRng};
    let seconds: u64 = std::env::var("CSC_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let only = std::env::var("CSC_FUZZ_TARGETS").ok();
    let out = std::env::var("CSC_FUZZ_OUT").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let root = Path::new(crate::REPO).join("fuzz/corpus");
    let tokens: &[&[u8]] = &[
        b"\"",
        b"\0",
        b"\xFF\xFE",
        b"\xEF\xBB\xBF",
        b"\xE9",
        b",",
        b"\n",
        b"\r\n",
        b"<",
        b">",
        b"&",
        b"&amp;",
        b"&#0;",
        b"</",
        b"<a>",
        b"1.23457E+11",
        b"00",
        b"=",
        b"XFD1048576",
        b"9999999999",
        b"#3",
        b"[",
        b"]]",
        b"\"\"\"",
    ];
    for (target, read) in TARGETS {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|t| t == *target)) {
            continue;
        }
        let seeds: Vec<Vec<u8>> =
            std::fs::read_dir(root.join(target)).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        let mut runs = 0u64;
        while std::time::Instant::now() < deadline {
            let mut input = seeds[rng.random_range(0..seeds.len())].clone();
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..=input.len());
                match rng.random_range(0..6) {
                    0 if !input.is_empty() => {
                        let i = at.min(input.len() - 1);
                        input[i] ^= 1 << rng.random_range(0..8);
                    }
                    1 => input.splice(at..at, tokens[rng.random_range(0..tokens.len())].iter().copied()).for_each(drop),
                    2 => {
                        let end = (at + rng.random_range(0..64)).min(input.len());
                        input.drain(at..end);
                    }
                    3 => {
                        let end = (at + rng.random_range(0..256)).min(input.len());
                        let copy = input[at..end].repeat(rng.random_range(1..50));
                        input.splice(at..at, copy).for_each(drop);
                    }
                    4 => input.truncate(at),
                    _ => input.insert(at, rng.random()),
                }
            }
            runs += 1;
            let started = std::time::Instant::now();
            let failure = match std::panic::catch_unwind(|| read(&input)) {
                Err(_) => Some("panicked"),
                Ok(issues) if reader_panicked(&issues) => Some("made its reader panic"),
                Ok(_) if started.elapsed() > std::time::Duration::from_secs(10) => Some("took over 10 s"),
                Ok(_) => None,
            };
            if let Some(what) = failure {
                let path = out.join(format!("csc-fuzz-{target}-{runs}"));
                std::fs::write(&path, &input).unwrap();
                panic!("{target}: input {runs} {what}; it is saved at {}", path.display());
            }
        }
        eprintln!("{target}: {runs} mutated inputs in {seconds} s, no panic");
    }
}
