//! `csc demo`: the whole pipeline on invented children, with no set-up.
//!
//! By default the demo generates a synthetic Southampton (LA 852) with `csc synth` — financial
//! years 2023-24 and 2024-25, calibrated to DfE's published figures, with the few faults real
//! exports have (`csc_synth::demo` prepares it) — runs the pipeline over it and writes the Ofsted
//! Annex A workbook as at the end of the data. `--hand-made` runs the small hand-made extract in
//! `demo/ssd/` instead (36 invented children, April 2021 to March 2023, six deliberate faults), whose
//! measures `demo/EXPECTED.md` works out by hand and the tests check.

use std::path::Path;

use chrono::NaiveDate;

use crate::config::{default_measures, Privacy, RunConfig, DEFAULT_HISTORY_YEARS};
use crate::extract::InputFormat;
use crate::pseudonymise::Pseudonymiser;
use crate::{Error, Result};

/// The hand-made demo extract, compiled into the binary.
pub const DEMO_FILES: &[(&str, &str)] = &[
    ("ssd_person.csv", include_str!("../demo/ssd/ssd_person.csv")),
    ("ssd_contacts.csv", include_str!("../demo/ssd/ssd_contacts.csv")),
    ("ssd_cin_episodes.csv", include_str!("../demo/ssd/ssd_cin_episodes.csv")),
    ("ssd_cin_assessments.csv", include_str!("../demo/ssd/ssd_cin_assessments.csv")),
    ("ssd_s47_enquiry.csv", include_str!("../demo/ssd/ssd_s47_enquiry.csv")),
    ("ssd_initial_cp_conference.csv", include_str!("../demo/ssd/ssd_initial_cp_conference.csv")),
    ("ssd_cp_plans.csv", include_str!("../demo/ssd/ssd_cp_plans.csv")),
    ("ssd_cin_plans.csv", include_str!("../demo/ssd/ssd_cin_plans.csv")),
    ("ssd_cla_episodes.csv", include_str!("../demo/ssd/ssd_cla_episodes.csv")),
    ("ssd_cla_placement.csv", include_str!("../demo/ssd/ssd_cla_placement.csv")),
];

/// The demo's pseudonymisation key. Not a secret: the demo children are invented, and a fixed
/// key keeps the demo's output the same on every machine. Real runs take theirs from
/// `CSC_PSEUDONYM_KEY`.
const DEMO_KEY: &[u8] = b"csc-demo-key: invented children only, not a secret";

/// The hand-made demo's fixed as-at date (the end of its data), so the demo gives the same
/// output every day.
pub fn demo_as_at() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 3, 31).expect("valid date")
}

/// Writes the hand-made demo extract to `<out>/input/ssd/` and returns the configuration of a run
/// over it publishing to `<out>/warehouse/`.
pub fn prepare(out: &Path) -> Result<RunConfig> {
    let input = out.join("input").join("ssd");
    std::fs::create_dir_all(&input).map_err(|source| Error::Io { context: format!("cannot create {}", input.display()), source })?;
    // A synthetic demo's files left in the same folder would be read too.
    clear_csv_files(&input)?;
    for (name, text) in DEMO_FILES {
        let path = input.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Io { context: format!("cannot write {}", path.display()), source })?;
    }
    let mut cfg = run_config(&input, out, demo_as_at())?;
    // 36 children: a week with no referral or assessment is normal at this size, so the
    // freshness check (made for a whole LA's daily flow) is off; the synthetic demo keeps it.
    cfg.gates.freshness_tables.clear();
    Ok(cfg)
}

/// Where the demo writes the performance pack.
pub fn report_dir(out: &Path) -> std::path::PathBuf {
    out.join("reports")
}

/// Where the demo writes the Annex A workbook.
pub fn annex_a_path(out: &Path, as_at: NaiveDate) -> std::path::PathBuf {
    out.join(format!("annex_a_{as_at}.xlsx"))
}

/// Removes the CSV files an earlier demo left in `dir` (the hand-made and synthetic extracts
/// share the folder).
pub fn clear_csv_files(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv") {
            std::fs::remove_file(&path).map_err(|source| Error::Io { context: format!("cannot remove {}", path.display()), source })?;
        }
    }
    Ok(())
}

/// A run of the demo extract in `input` (hand-made or synthetic) publishing to `<out>/warehouse/` as at `as_at`.
pub fn run_config(input: &Path, out: &Path, as_at: NaiveDate) -> Result<RunConfig> {
    Ok(RunConfig {
        la_code: "852".into(),
        la_name: "Southampton".into(),
        input: input.display().to_string(),
        format: InputFormat::Ssd,
        warehouse: out.join("warehouse").display().to_string(),
        as_at,
        measures: default_measures(),
        history_years: DEFAULT_HISTORY_YEARS,
        max_error_issues: None,
        gates: Default::default(),
        pipeline_text: String::new(),
        privacy: Privacy::Pseudonymised(Pseudonymiser::new(DEMO_KEY, false)?),
        keep_runs: crate::config::DEFAULT_KEEP_RUNS,
        superseded_grace: std::time::Duration::from_secs(crate::config::DEFAULT_SUPERSEDED_GRACE_SECS),
        sn_model: Default::default(),
        targets: Default::default(),
        storage: Default::default(),
        session: Default::default(),
        mappings: crate::normalise::vendor::builtin(crate::schema::ssd_tables()),
        report: None,
        limits: Default::default(),
        action_lists: Default::default(),
        measure_settings: Default::default(),
        annex_a: Default::default(),
    })
}
