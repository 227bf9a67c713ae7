//! The synthetic demo LA for `csc demo`: a synthetic Southampton (LA 852), financial years
//! 2023-24 and 2024-25, with the few faults real exports have, run as the hand-made demo is
//! (`csc_pipeline::demo`).

use std::path::Path;

use chrono::NaiveDate;
use csc_pipeline::config::RunConfig;
use csc_pipeline::Result;

/// The synthetic demo's window: financial years 2023-24 and 2024-25, enough for every rolling
/// measure and Annex A look-back and quick in a debug build (`csc synth` defaults to six years).
pub fn window() -> (NaiveDate, NaiveDate) {
    (NaiveDate::from_ymd_opt(2023, 4, 1).expect("valid date"), NaiveDate::from_ymd_opt(2025, 3, 31).expect("valid date"))
}

/// Seed of the synthetic demo, fixed so it gives the same children on every machine.
pub const SYNTHETIC_SEED: u64 = 1;

/// Generates the synthetic demo LA into `<out>/input/` (the SSD extract in `<out>/input/ssd/`)
/// and returns the configuration of a run over it publishing to `<out>/warehouse/`, with what
/// the generation produced.
pub fn prepare(out: &Path) -> Result<(RunConfig, crate::SynthOutcome)> {
    let (from, to) = window();
    let input = out.join("input");
    csc_pipeline::demo::clear_csv_files(&input.join("ssd"))?;
    let synth = crate::SynthConfig {
        la: "852".into(),
        from,
        to,
        seed: SYNTHETIC_SEED,
        out: input.clone(),
        formats: vec![crate::Format::Ssd],
        messiness: crate::Messiness::Low,
        annex_a_as_at: None,
    };
    let outcome = crate::generate(&synth)?;
    Ok((csc_pipeline::demo::run_config(&input.join("ssd"), out, to)?, outcome))
}
