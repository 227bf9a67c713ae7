//! `csc demo`: the whole pipeline on built-in demo data, with no set-up.
//!
//! The demo data is a small hand-made SSD extract for Southampton (LA 852) — 36 invented
//! children, April 2021 to March 2023 — with a few deliberate faults so the quality issues table
//! has something to show. `demo/EXPECTED.md` works out its measures by hand.

use std::path::Path;

use chrono::NaiveDate;

use crate::config::{default_measures, Privacy, RunConfig, DEFAULT_HISTORY_YEARS};
use crate::pseudonymise::Pseudonymiser;
use crate::extract::InputFormat;
use crate::{Error, Result};

/// The demo extract, compiled into the binary.
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

/// The demo's fixed as-at date (the end of its data), so the demo gives the same output every day.
pub fn demo_as_at() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 3, 31).expect("valid date")
}

/// Writes the demo extract to `<out>/input/ssd/` and returns the configuration of a run over it
/// publishing to `<out>/warehouse/`.
pub fn prepare(out: &Path) -> Result<RunConfig> {
    let input = out.join("input").join("ssd");
    std::fs::create_dir_all(&input).map_err(|source| Error::Io { context: format!("cannot create {}", input.display()), source })?;
    for (name, text) in DEMO_FILES {
        let path = input.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Io { context: format!("cannot write {}", path.display()), source })?;
    }
    Ok(RunConfig {
        la_code: "852".into(),
        la_name: "Southampton".into(),
        input: input.display().to_string(),
        format: InputFormat::Ssd,
        warehouse: out.join("warehouse").display().to_string(),
        as_at: demo_as_at(),
        measures: default_measures(),
        history_years: DEFAULT_HISTORY_YEARS,
        max_error_issues: None,
        pipeline_text: String::new(),
        privacy: Privacy::Pseudonymised(Pseudonymiser::new(DEMO_KEY, false)?),
        sn_model: Default::default(),
        targets: Default::default(),
    })
}
