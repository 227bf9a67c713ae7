//! The run manifest, `<warehouse>/_runs/<run_id>.json`: what a run read, what it produced, how
//! long each stage took and how it ended. It names files and counts rows; it never holds a
//! child's details. It is written and read back as the one struct [`Manifest`], so a field that
//! an older csc did not write reads as its default, and a file that is not a manifest is an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::quality::IssueCounts;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Not finished yet (never written: a manifest is written when the run ends).
    #[default]
    Running,
    /// Its tables are published.
    Succeeded,
    /// It stopped with an error; nothing of it is published.
    Failed,
    /// Nothing changed since the published run, so nothing was done.
    Skipped,
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        })
    }
}

/// One run's record.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Manifest {
    pub run_id: String,
    /// SHA-256 of everything that decides the output: code version, pipeline file, LA, as-at
    /// date, measures and the input files' hashes.
    pub run_key: String,
    pub status: RunStatus,
    pub error: Option<String>,
    /// Who must act on a failed run's error: `input`, `configuration`, `environment` or
    /// `internal` ([`crate::error::Audience`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<crate::error::Audience>,
    pub started_at: String,
    pub finished_at: String,
    pub elapsed_ms: u128,
    pub code_version: String,
    pub la_code: String,
    pub la_name: String,
    pub as_at: String,
    pub input_location: String,
    pub input_format: String,
    /// `pseudonymised`, or `identifiable` when the pipeline file declared a restricted warehouse.
    pub analyst_tables: String,
    pub warehouse: String,
    pub inputs: Vec<InputEntry>,
    pub tables: Vec<TableEntry>,
    /// Blank cells of each key column (`reference/quality/completeness.toml`), which the next run
    /// compares its own with.
    pub blank_shares: Vec<crate::quality::completeness::BlankShare>,
    pub measures: MeasureSummary,
    /// Rows of each Annex A list published for the as-at date.
    pub annex_a: BTreeMap<String, usize>,
    /// What the Annex A workbook's Notes sheet says about blank columns, allocation, codes
    /// outside Ofsted's lists and withdrawn placement types (counts only, no cell values).
    pub annex_a_notes: Vec<String>,
    pub issues: IssueSummary,
    /// Each measure's headline value (latest rolling 12 months, else latest month), which the
    /// next run compares its own with.
    pub headlines: Vec<crate::report::movement::Headline>,
    /// Measures whose headline moved sharply since the previously published run.
    pub moved_sharply: Vec<crate::report::movement::Move>,
    pub stages: Vec<StageEntry>,
    /// Files published by the run, relative to the warehouse.
    pub outputs: Vec<String>,
    /// Delta version of each table the run published, by folder (`core/person`: 4): with Delta
    /// time travel, what this run published can be read back table by table.
    pub delta_versions: BTreeMap<String, u64>,
    /// Runs whose table versions are kept (this run first, then earlier published runs, up to
    /// `[warehouse] keep_runs`); files no retained run references are vacuumed.
    pub retained_runs: Vec<String>,
    /// Superseded runs whose files are kept a while longer (`[warehouse] superseded_grace_secs`),
    /// by run id, with the RFC 3339 time after which a vacuum may delete them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grace_runs: BTreeMap<String, String>,
    /// For a run skipped because nothing changed: days the input has been identical, once that
    /// reaches `[run] unchanged_alert_days` (the run then exits 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_unchanged_days: Option<i64>,
}

/// An input file as received.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct InputEntry {
    pub path: String,
    pub size_bytes: u64,
    pub sha256: String,
    /// What it was recognised as (`ssd:referral`, ...); `null` when it was not recognised.
    pub table: Option<String>,
    /// Data rows read from it (accepted or rejected).
    pub rows: usize,
    /// Data-quality issues raised on it, by severity.
    pub issues: IssueCounts,
}

/// Rows of one core table.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct TableEntry {
    pub name: String,
    pub rows_in: usize,
    pub rows_out: usize,
    pub rows_rejected: usize,
}

/// The fact table produced.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MeasureSummary {
    pub measure_ids: Vec<String>,
    pub rows: usize,
    pub months: usize,
    pub financial_years: usize,
}

/// Issue counts by severity and by issue code.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct IssueSummary {
    pub total: usize,
    #[serde(flatten)]
    pub by_severity: IssueCounts,
    pub by_code: BTreeMap<String, usize>,
}

/// One stage's work.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct StageEntry {
    pub stage: String,
    pub elapsed_ms: u128,
    pub rows_in: usize,
    pub rows_out: usize,
    pub issues: usize,
    /// The process's peak resident memory so far, in MiB, when the stage ended (Linux
    /// `VmHWM`; absent elsewhere). It only grows, so the stage in which it rose is the one that
    /// set the run's peak. In `csc hub` it is the whole process's, all LAs together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_mib: Option<u64>,
}

/// The process's peak resident set size so far, in MiB (`VmHWM` in `/proc/self/status`).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::{Manifest, RunStatus};

    #[test]
    fn a_manifest_reads_back_as_written_and_older_ones_take_defaults() {
        let mut m = Manifest { run_id: "r1".into(), status: RunStatus::Skipped, elapsed_ms: 12, ..Manifest::default() };
        m.delta_versions.insert("core/person".into(), 4);
        let back: Manifest = serde_json::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(
            (back.run_id.as_str(), back.status, back.elapsed_ms, back.delta_versions["core/person"]),
            ("r1", RunStatus::Skipped, 12, 4)
        );
        let old: Manifest = serde_json::from_str(r#"{"run_id": "r0", "status": "succeeded"}"#).unwrap();
        assert_eq!(old.status, RunStatus::Succeeded);
        assert!(old.retained_runs.is_empty() && old.headlines.is_empty());
        assert!(serde_json::from_str::<Manifest>(r#"{"status": "half-done"}"#).is_err(), "an unknown status is an error");
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let mib = super::peak_rss_mib().expect("VmHWM in /proc/self/status");
            assert!(mib > 0 && mib < 1 << 20, "{mib} MiB");
        }
    }
}
