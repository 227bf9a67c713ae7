//! Run configuration: the pipeline file (`pipelines/*.toml`) merged with command-line flags.
//! Flags win over the file; with no file, the flags and these defaults describe the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::extract::InputFormat;
use crate::marts::{SnModel, Target};
use crate::pseudonymise::{decode_key, Pseudonymiser, KEY_VAR, MIN_KEY_BYTES};
use crate::report::pack::settings::{line_of, ReportSection};
use crate::report::pack::PackSettings;
use crate::{Error, Result};

/// The measures a run computes when the pipeline file does not list them: all of them.
pub fn default_measures() -> Vec<String> {
    crate::model::MEASURES.iter().map(|(id, _)| id.to_string()).collect()
}

/// Published runs whose files a warehouse keeps when the pipeline file does not say.
pub const DEFAULT_KEEP_RUNS: usize = 1;

/// Seconds a superseded run's files stay after the next publish (`[warehouse] superseded_grace_secs`).
pub const DEFAULT_SUPERSEDED_GRACE_SECS: u64 = 3600;

/// Years of history before the as-at date that periods are produced for (the SSD extracts six).
pub const DEFAULT_HISTORY_YEARS: u32 = 6;

/// A pipeline file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    #[serde(default)]
    pub la: LaSection,
    #[serde(default)]
    pub input: InputSection,
    #[serde(default)]
    pub warehouse: WarehouseSection,
    #[serde(default)]
    pub run: RunSection,
    #[serde(default)]
    pub benchmarks: BenchmarksSection,
    /// Targets for RAG ratings, by measure id: `[targets.rereferral_12m_pct]`.
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
    /// How object-store requests are retried (credentials never go here: see [`crate::storage`]).
    #[serde(default)]
    pub storage: crate::storage::StorageOptions,
    /// Caps on what one input file may make a run hold or record.
    #[serde(default)]
    pub limits: crate::limits::Limits,
    /// The performance pack (`csc report`), written after every run when the section is present.
    pub report: Option<ReportSection>,
    /// Local timescales of the action lists (`[action_lists] cin_visit_working_days = 20`).
    #[serde(default)]
    pub action_lists: crate::model::action_lists::ActionListSettings,
    /// Local definitions of the council's own measures (`[measure_settings]
    /// disabled_children_services = [...]`).
    #[serde(default)]
    pub measure_settings: crate::model::settings::MeasureSettings,
    /// How the Annex A lists show workers (`[annex_a] worker_names = false` for ids).
    #[serde(default)]
    pub annex_a: crate::model::annex_a::AnnexASettings,
    /// What `csc hub` does beyond the LAs' own runs (`[hub] regional_warehouse`); `csc run` ignores it.
    #[serde(default)]
    pub hub: HubSection,
}

/// `[hub]`: settings of `csc hub` as a whole.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// Local folder (relative to the pipeline file) or object-store URL of the regional
    /// warehouse: every LA's analyst tables stacked, under the regional pseudonymisation key
    /// (`--regional-warehouse` overrides it).
    pub regional_warehouse: Option<String>,
}

/// `[benchmarks]`: how the LA is compared with others (`marts/benchmarks`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarksSection {
    /// Statistical-neighbour grouping: `"2021"` (default) or `"2025"`.
    pub sn_model: Option<SnModel>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaSection {
    /// DfE three-digit LA code, e.g. "852".
    pub code: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    /// Local folder (relative to the pipeline file) or object-store URL.
    pub location: Option<String>,
    pub format: Option<InputFormat>,
    /// Load hidden and very-hidden worksheets of workbooks (they are reported either way).
    #[serde(default)]
    pub hidden_sheets: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseSection {
    /// Local folder (relative to the pipeline file) or object-store URL.
    pub location: Option<String>,
    /// Declares the whole warehouse restricted and identifiable: analyst tables are published
    /// without pseudonymisation. Only for a warehouse that only case-level staff can open; each
    /// run must also be given `--confirm-identifiable`, and no key may be set.
    #[serde(default)]
    pub identifiable: bool,
    /// Keep workers' names in analyst tables.
    #[serde(default)]
    pub worker_names: bool,
    /// Published runs whose files are kept for Delta time travel (default 1: only the current
    /// files stay, so plain Parquet readers of a folder always see exactly the current data).
    pub keep_runs: Option<usize>,
    /// Seconds a superseded run's files stay after a new run publishes, so that a query that
    /// started before the publish can finish (default 3600).
    pub superseded_grace_secs: Option<u64>,
}

/// How analyst-facing tables treat personal data.
#[derive(Debug, Clone)]
pub enum Privacy {
    /// Person ids hashed with the key from `CSC_PSEUDONYM_KEY`, names removed, dates of birth
    /// cut to the month, postcodes to the sector.
    Pseudonymised(Pseudonymiser),
    /// The pipeline file declared a restricted, identifiable warehouse.
    Identifiable,
}

impl Privacy {
    /// Resolves the privacy mode. With a key (`CSC_PSEUDONYM_KEY`, hex or base64, see
    /// [`decode_key`]) analyst tables are pseudonymised. An identifiable warehouse must be declared
    /// in the pipeline file *and* confirmed on the command line (`--confirm-identifiable`), and is
    /// refused while a key is set: a key says pseudonymised tables are wanted, so a declaration
    /// left over in a pipeline file must not silently publish names.
    pub fn resolve(identifiable: bool, confirmed: bool, worker_names: bool, key: Option<&[u8]>) -> Result<Privacy> {
        let key = key.filter(|k| !k.iter().all(u8::is_ascii_whitespace));
        match (identifiable, key) {
            (true, Some(_)) => Err(Error::Config(format!(
                "[warehouse] identifiable = true while {KEY_VAR} is set: refused. For pseudonymised analyst tables remove \
                 identifiable from the pipeline file; for a warehouse only case-level staff can open, unset {KEY_VAR} and \
                 run with --confirm-identifiable"
            ))),
            (true, None) if !confirmed => Err(Error::Config(
                "[warehouse] identifiable = true publishes children's names, dates of birth and ids to every table: \
                 confirm it with --confirm-identifiable on the command line (only for a warehouse that only case-level \
                 staff can open), or set CSC_PSEUDONYM_KEY and remove identifiable for pseudonymised analyst tables"
                    .into(),
            )),
            (true, None) => Ok(Privacy::Identifiable),
            (false, Some(k)) => Ok(Privacy::Pseudonymised(Pseudonymiser::new(&decode_key(k)?, worker_names)?)),
            (false, None) => Err(Error::Config(format!(
                "{KEY_VAR} is not set, so analyst tables cannot be pseudonymised: set it from your secret store \
                 (at least {MIN_KEY_BYTES} random bytes as hex or base64, e.g. `openssl rand -hex 32`, the same every night \
                 so pseudonyms stay stable), or declare [warehouse] identifiable = true in the pipeline file and run with \
                 --confirm-identifiable for a restricted warehouse"
            ))),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// Fixed as-at date (`as_at = 2023-11-15`); normally left out so the nightly run uses today.
    pub as_at: Option<toml::value::Datetime>,
    /// Measure ids to compute, in any order.
    pub measures: Option<Vec<String>>,
    pub history_years: Option<u32>,
    /// Publish, but exit with code 2, when the run has more error-severity data-quality issues
    /// than this (so a scheduler can alert on a bad export without losing the night's figures).
    pub max_error_issues: Option<usize>,
    /// Where the model stage's SQL runs: `"local"` (default) or `"ballista://HOST:PORT"`.
    pub engine: Option<crate::model::Engine>,
    /// Memory the model stage's queries may hold before spilling to temporary files, e.g.
    /// `"512MiB"`; unlimited when left out.
    pub memory_limit: Option<String>,
    /// Folder (relative to the pipeline file) the model stage and normalise spill to under a
    /// memory limit; the spill files hold identifiable rows. Default: the system temporary
    /// directory.
    pub spill_dir: Option<String>,
    /// Stop the publish when a core table lost more than this share of its rows since the last
    /// published run (default 0.25); `csc run --accept-drop` publishes anyway.
    pub max_row_drop: Option<f64>,
    /// Tables whose newest record must be within `freshness_lag_days` of the as-at date.
    pub freshness_tables: Option<Vec<String>>,
    pub freshness_lag_days: Option<u32>,
    /// Days of identical input after which a skipped run exits 4 (default 3).
    pub unchanged_alert_days: Option<u32>,
    /// Rise in a key column's blank share since the last published run that raises
    /// `blank_share_rose` (default 0.10).
    pub max_blank_rise: Option<f64>,
}

/// Flags given on the command line; each overrides the pipeline file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub pipeline: Option<PathBuf>,
    pub input: Option<String>,
    pub format: Option<InputFormat>,
    pub la: Option<String>,
    pub warehouse: Option<String>,
    pub as_at: Option<NaiveDate>,
    /// The pseudonymisation key as given (hex or base64), read from `CSC_PSEUDONYM_KEY` by the
    /// caller; never a flag or a file, so it cannot end up in shell history or the repository.
    pub pseudonym_key: Option<Vec<u8>>,
    /// `--confirm-identifiable`: the operator confirms that `[warehouse] identifiable = true` is
    /// meant (analyst tables with names).
    pub confirm_identifiable: bool,
    /// `--spill-dir`: where the model stage's queries spill to disk (rows of children's records).
    pub spill_dir: Option<PathBuf>,
    /// `--engine`: where the model stage's SQL runs.
    pub engine: Option<crate::model::Engine>,
    /// `--memory-limit`, e.g. `512MiB`.
    pub memory_limit: Option<String>,
}

/// Everything a run needs, resolved.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub la_code: String,
    pub la_name: String,
    pub input: String,
    pub format: InputFormat,
    pub warehouse: String,
    pub as_at: NaiveDate,
    pub measures: Vec<String>,
    pub history_years: u32,
    /// Error-severity issues above which `csc run` exits 2 (after publishing).
    pub max_error_issues: Option<usize>,
    /// Thresholds for a stale, truncated or stuck export.
    pub gates: crate::quality::freshness::Gates,
    /// The pipeline file's text, hashed into the run key.
    pub pipeline_text: String,
    /// How analyst tables treat personal data.
    pub privacy: Privacy,
    /// Published runs whose files are kept (`[warehouse] keep_runs`, at least 1).
    pub keep_runs: usize,
    /// How long a superseded run's files stay (`[warehouse] superseded_grace_secs`).
    pub superseded_grace: std::time::Duration,
    /// Statistical-neighbour grouping the benchmarks use.
    pub sn_model: SnModel,
    /// Targets for RAG ratings, by measure id.
    pub targets: BTreeMap<String, Target>,
    /// How object-store requests are retried.
    pub storage: crate::storage::StorageOptions,
    /// The model stage's engine and memory limit.
    pub session: crate::model::SessionOptions,
    /// Mappings for case-management exports: the built-in ones and the `mappings` folder beside
    /// the pipeline file.
    pub mappings: Vec<crate::normalise::vendor::Mapping>,
    /// The performance pack written after the run publishes (`[report]`); none without the
    /// section.
    pub report: Option<PackSettings>,
    /// Caps on input files (`[limits]`, and `[input] hidden_sheets`).
    pub limits: crate::limits::Limits,
    /// Local timescales of the action lists (`[action_lists]`).
    pub action_lists: crate::model::action_lists::ActionListSettings,
    /// Local definitions of the council's own measures.
    pub measure_settings: crate::model::settings::MeasureSettings,
    /// How the Annex A lists show workers (`[annex_a]`).
    pub annex_a: crate::model::annex_a::AnnexASettings,
}

/// Reads and parses a pipeline file; also returns its text and its folder.
fn read_pipeline_file(path: &Path) -> Result<(PipelineFile, String, Option<PathBuf>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::PipelineFile { path: path.to_path_buf(), source })?;
    crate::storage::refuse_secrets_in_pipeline(&text)?;
    let file: PipelineFile = toml::from_str(&text).map_err(|source| Error::PipelineToml { path: path.to_path_buf(), source })?;
    Ok((file, text, path.parent().map(Path::to_path_buf)))
}

/// A location from a pipeline file: local paths are relative to the file's folder.
fn relative_to(base: Option<&Path>, location: String) -> String {
    match base {
        Some(dir) if !location.contains("://") && Path::new(&location).is_relative() => dir.join(&location).display().to_string(),
        _ => location,
    }
}

/// The measure ids a run of `measures` (measure file ids) publishes.
pub fn computed_ids(measures: &[String]) -> std::collections::BTreeSet<String> {
    crate::docs::measure_docs().into_iter().filter(|d| measures.contains(&d.id)).flat_map(|d| d.emits).collect()
}

/// Every target must rate a measure the run computes: a target on another would silently give
/// no RAG. The error names the line of its `[targets.<id>]` table.
fn check_targets_are_computed(
    path: &Path,
    text: &str,
    targets: &BTreeMap<String, Target>,
    computed: &std::collections::BTreeSet<String>,
) -> Result<()> {
    let Some(id) = targets.keys().find(|id| !computed.contains(*id)) else { return Ok(()) };
    let line = text.find(&format!("[targets.{id}]")).map(|o| format!(" line {}", line_of(text, o))).unwrap_or_default();
    Err(Error::Config(format!(
        "{}{line}: [targets.{id}] rates a measure this run does not compute: add its file to [run] measures (or leave [run] measures out to compute every measure), or remove the target",
        path.display()
    )))
}

/// The performance-pack settings and the warehouse of a pipeline file (`csc report`): its
/// `[report]` section, or the default areas over the measures it computes.
pub fn report_settings(path: &Path) -> Result<(PackSettings, String)> {
    let (file, text, base) = read_pipeline_file(path)?;
    let measures = file.run.measures.clone().unwrap_or_else(default_measures);
    let computed = computed_ids(&measures);
    let settings = PackSettings::resolve(&file.report.clone().unwrap_or_default(), path, &text, &computed)?;
    let warehouse = file.warehouse.location.map(|l| relative_to(base.as_deref(), l)).unwrap_or_else(|| "warehouse".into());
    Ok((settings, warehouse))
}

/// The regional warehouse a hub's pipeline file names (`[hub] regional_warehouse`), local paths
/// relative to the file.
pub fn regional_warehouse_of(path: &Path) -> Result<Option<String>> {
    let (file, _, base) = read_pipeline_file(path)?;
    Ok(file.hub.regional_warehouse.map(|l| relative_to(base.as_deref(), l)))
}

/// The warehouse location a pipeline file names (default `./warehouse`).
pub fn warehouse_of(path: &Path) -> Result<String> {
    let (file, _, base) = read_pipeline_file(path)?;
    Ok(file.warehouse.location.map(|l| relative_to(base.as_deref(), l)).unwrap_or_else(|| "warehouse".into()))
}

impl RunConfig {
    /// Resolves the configuration from an optional pipeline file and the flags. `today` is the
    /// default as-at date.
    pub fn resolve(flags: &Overrides, today: NaiveDate) -> Result<RunConfig> {
        let (file, text, base) = match &flags.pipeline {
            Some(path) => read_pipeline_file(path)?,
            None => (PipelineFile::default(), String::new(), None),
        };
        let relative_to_file = |loc: String| relative_to(base.as_deref(), loc);
        let la_code = flags.la.clone().or(file.la.code.clone()).ok_or_else(|| {
            Error::Config("no local authority: give --la CODE (the DfE code, e.g. 852) or [la] code in the pipeline file".into())
        })?;
        // The file's name belongs to the file's code: `--la` naming another LA (as `csc hub`
        // does for each of its LAs) takes that LA's DfE name.
        let file_name = file.la.name.filter(|_| file.la.code.as_deref().is_none_or(|c| c == la_code));
        let la_name = file_name.or_else(|| crate::reference::la_name(&la_code)).unwrap_or_else(|| format!("LA {la_code}"));
        let input = flags
            .input
            .clone()
            .or_else(|| file.input.location.map(&relative_to_file))
            .ok_or_else(|| Error::Config("no input: give --input PATH|URL or [input] location in the pipeline file".into()))?;
        let privacy = Privacy::resolve(
            file.warehouse.identifiable,
            flags.confirm_identifiable,
            file.warehouse.worker_names,
            flags.pseudonym_key.as_deref(),
        )?;
        let warehouse =
            flags.warehouse.clone().or_else(|| file.warehouse.location.map(&relative_to_file)).unwrap_or_else(|| "warehouse".into());
        let file_as_at = match file.run.as_at {
            Some(dt) => Some(toml_date(&dt).ok_or_else(|| Error::Config(format!("[run] as_at = {dt} is not a date")))?),
            None => None,
        };
        let measures = file.run.measures.unwrap_or_else(default_measures);
        if measures.is_empty() {
            return Err(Error::Config("[run] measures is empty".into()));
        }
        // Validated here, before anything is read: a misspelt id fails at once, not after extract.
        crate::model::execution_order(&measures).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("[run] measures: {m}")),
            other => other,
        })?;
        crate::marts::validate_targets(&file.targets)?;
        let computed = computed_ids(&measures);
        if let Some(path) = &flags.pipeline {
            check_targets_are_computed(path, &text, &file.targets, &computed)?;
        }
        let report = match (&flags.pipeline, &file.report) {
            (Some(path), Some(section)) => Some(PackSettings::resolve(section, path, &text, &computed)?),
            _ => None,
        };
        let defaults = crate::quality::freshness::Gates::default();
        let gates = crate::quality::freshness::Gates {
            max_row_drop: file.run.max_row_drop.unwrap_or(defaults.max_row_drop),
            freshness_tables: file.run.freshness_tables.clone().unwrap_or(defaults.freshness_tables),
            freshness_lag_days: file.run.freshness_lag_days.unwrap_or(defaults.freshness_lag_days),
            unchanged_alert_days: file.run.unchanged_alert_days.unwrap_or(defaults.unchanged_alert_days),
            max_blank_rise: file.run.max_blank_rise.unwrap_or(defaults.max_blank_rise),
        };
        gates.validate()?;
        let keep_runs = file.warehouse.keep_runs.unwrap_or(DEFAULT_KEEP_RUNS);
        if keep_runs == 0 {
            return Err(Error::Config("[warehouse] keep_runs must be at least 1 (the published run)".into()));
        }
        file.storage.validate()?;
        file.limits.validate()?;
        file.measure_settings.validate()?;
        let limits = crate::limits::Limits { load_hidden_sheets: file.input.hidden_sheets, ..file.limits };
        crate::storage::refuse_secrets_in_location(&input)?;
        crate::storage::refuse_secrets_in_location(&warehouse)?;
        let memory_limit =
            flags.memory_limit.as_deref().or(file.run.memory_limit.as_deref()).map(crate::model::engine::parse_bytes).transpose()?;
        let spill_dir = flags.spill_dir.clone().or_else(|| file.run.spill_dir.clone().map(|d| PathBuf::from(relative_to_file(d))));
        let session = crate::model::SessionOptions {
            engine: flags.engine.clone().or(file.run.engine).unwrap_or_default(),
            memory_limit,
            partitions: None,
            spill_dir,
        };
        Ok(RunConfig {
            la_code,
            la_name,
            input,
            format: flags.format.or(file.input.format).unwrap_or(InputFormat::Auto),
            warehouse,
            as_at: flags.as_at.or(file_as_at).unwrap_or(today),
            measures,
            history_years: file.run.history_years.unwrap_or(DEFAULT_HISTORY_YEARS),
            max_error_issues: file.run.max_error_issues,
            gates,
            pipeline_text: text,
            privacy,
            keep_runs,
            superseded_grace: std::time::Duration::from_secs(file.warehouse.superseded_grace_secs.unwrap_or(DEFAULT_SUPERSEDED_GRACE_SECS)),
            sn_model: file.benchmarks.sn_model.unwrap_or_default(),
            targets: file.targets,
            storage: file.storage,
            session,
            mappings: crate::normalise::vendor::load_dir(
                base.as_deref().map(|b| b.join("mappings")).as_deref(),
                crate::schema::ssd_tables(),
            )?,
            report,
            limits,
            // One CIN visit timescale for the action list and the measure that bands at it.
            measure_settings: crate::model::settings::MeasureSettings {
                cin_visit_working_days: file.action_lists.cin_visit_working_days,
                ..file.measure_settings
            },
            action_lists: file.action_lists,
            annex_a: file.annex_a,
        })
    }
}

fn toml_date(dt: &toml::value::Datetime) -> Option<NaiveDate> {
    match (dt.date, dt.time) {
        (Some(d), None) => NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 32 bytes as hex, as a real key is given.
    const KEY: &[u8] = b"756e69742d74657374206b65792c206c6f6e6720656e6f7567682c2079657321";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
    }

    #[test]
    fn an_identifiable_warehouse_needs_confirmation_and_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n[warehouse]\nidentifiable = true\n").unwrap();
        let flags = Overrides { pipeline: Some(file), ..Default::default() };
        let err = RunConfig::resolve(&flags, today()).unwrap_err().to_string();
        assert!(err.contains("--confirm-identifiable"), "{err}");
        let confirmed = Overrides { confirm_identifiable: true, ..flags.clone() };
        assert!(matches!(RunConfig::resolve(&confirmed, today()).unwrap().privacy, Privacy::Identifiable));
        let with_key = Overrides { pseudonym_key: Some(KEY.to_vec()), ..confirmed };
        let err = RunConfig::resolve(&with_key, today()).unwrap_err().to_string();
        assert!(err.contains("refused") && !err.contains("756e69"), "a key and identifiable together are refused: {err}");
    }

    #[test]
    fn the_key_must_be_hex_or_base64_of_32_bytes() {
        let flags = |key: &[u8]| Overrides {
            la: Some("852".into()),
            input: Some("x".into()),
            pseudonym_key: Some(key.to_vec()),
            ..Default::default()
        };
        assert!(matches!(RunConfig::resolve(&flags(KEY), today()).unwrap().privacy, Privacy::Pseudonymised(_)));
        let mut with_newline = KEY.to_vec();
        with_newline.push(b'\n');
        assert!(RunConfig::resolve(&flags(&with_newline), today()).is_ok(), "a trailing newline is trimmed");
        for bad in [&b"unit-test key, long enough"[..], b"abcd", b"dGVzdA=="] {
            let err = RunConfig::resolve(&flags(bad), today()).unwrap_err().to_string();
            assert!(err.contains("CSC_PSEUDONYM_KEY") && err.contains("hex or base64"), "{err}");
        }
    }

    #[test]
    fn the_cin_visit_timescale_of_the_action_lists_is_the_one_the_measures_band_at() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        let base = "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n";
        std::fs::write(&file, base).unwrap();
        let flags = Overrides { pipeline: Some(file.clone()), pseudonym_key: Some(KEY.to_vec()), ..Default::default() };
        let cfg = RunConfig::resolve(&flags, today()).unwrap();
        assert_eq!((cfg.action_lists.cin_visit_working_days, cfg.measure_settings.cin_visit_working_days), (20, 20));
        std::fs::write(&file, format!("{base}[action_lists]\ncin_visit_working_days = 15\n")).unwrap();
        let cfg = RunConfig::resolve(&flags, today()).unwrap();
        assert_eq!((cfg.action_lists.cin_visit_working_days, cfg.measure_settings.cin_visit_working_days), (15, 15));
    }

    #[test]
    fn flags_override_the_file_and_paths_are_relative_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n[run]\nas_at = 2023-03-31\n").unwrap();
        let flags = Overrides { pipeline: Some(file.clone()), pseudonym_key: Some(KEY.to_vec()), ..Default::default() };
        let cfg = RunConfig::resolve(&flags, today()).unwrap();
        assert_eq!(cfg.la_name, "Southampton");
        assert_eq!(cfg.input, dir.path().join("in").display().to_string());
        assert_eq!(cfg.as_at, NaiveDate::from_ymd_opt(2023, 3, 31).unwrap());
        assert_eq!(cfg.measures, default_measures());

        let flags = Overrides {
            pipeline: Some(file),
            la: Some("851".into()),
            as_at: Some(today()),
            pseudonym_key: Some(KEY.to_vec()),
            ..Default::default()
        };
        let cfg = RunConfig::resolve(&flags, today()).unwrap();
        assert_eq!((cfg.la_code.as_str(), cfg.as_at), ("851", today()));
    }

    #[test]
    fn without_a_file_the_la_and_input_must_be_given_and_as_at_is_today() {
        let err = RunConfig::resolve(&Overrides::default(), today()).unwrap_err();
        assert!(err.to_string().contains("--la"));
        let flags = Overrides { la: Some("852".into()), input: Some("x".into()), ..Default::default() };
        let err = RunConfig::resolve(&flags, today()).unwrap_err();
        assert!(err.to_string().contains("CSC_PSEUDONYM_KEY"), "no key, no identifiable declaration: refused");
        let flags = Overrides { pseudonym_key: Some(KEY.to_vec()), ..flags };
        let cfg = RunConfig::resolve(&flags, today()).unwrap();
        assert!(matches!(cfg.privacy, Privacy::Pseudonymised(_)));
        assert_eq!((cfg.as_at, cfg.warehouse.as_str()), (today(), "warehouse"));
    }

    #[test]
    fn the_southampton_pipeline_file_sets_targets_and_the_sn_model() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/southampton.toml");
        let cfg = RunConfig::resolve(&Overrides { pipeline: Some(file), pseudonym_key: Some(KEY.to_vec()), ..Default::default() }, today())
            .unwrap();
        assert_eq!(cfg.sn_model, SnModel::Groupings2021);
        let t = &cfg.targets["rereferral_12m_pct"];
        assert_eq!((t.target, t.good, t.amber_tolerance), (23.0, crate::marts::Good::Low, 2.0));
        // Issue 15: the shipped file computes every measure, and its report areas resolved.
        assert_eq!(cfg.measures, default_measures());
        assert!(cfg.report.is_some());
        assert!(cfg.measure_settings.disabled_children_services.iter().any(|s| s == "Children with Disabilities"));
    }

    #[test]
    fn a_target_naming_a_measure_the_run_does_not_compute_is_an_error_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        let text = "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n[run]\nmeasures = [\"contacts\"]\n\n[targets.contacts]\ntarget = 1.0\ngood = \"high\"\n\n[targets.referrals]\ntarget = 1.0\ngood = \"high\"\n";
        std::fs::write(&file, text).unwrap();
        let err = RunConfig::resolve(&Overrides { pipeline: Some(file), pseudonym_key: Some(KEY.to_vec()), ..Default::default() }, today())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 12") && err.contains("[targets.referrals]"), "{err}");
    }

    #[test]
    fn keep_runs_defaults_to_one_and_must_be_at_least_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        let resolve = |text: &str| {
            std::fs::write(&file, text).unwrap();
            RunConfig::resolve(
                &Overrides { pipeline: Some(file.clone()), pseudonym_key: Some(KEY.to_vec()), ..Default::default() },
                today(),
            )
        };
        let base = "[la]\ncode = \"852\"\n[input]\nlocation = \"in\"\n";
        assert_eq!(resolve(base).unwrap().keep_runs, 1);
        assert_eq!(resolve(&format!("{base}[warehouse]\nkeep_runs = 7\n")).unwrap().keep_runs, 7);
        assert!(resolve(&format!("{base}[warehouse]\nkeep_runs = 0\n")).unwrap_err().to_string().contains("keep_runs"));
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "[la]\ncoed = \"852\"\n").unwrap();
        let flags = Overrides { pipeline: Some(file), ..Default::default() };
        assert!(matches!(RunConfig::resolve(&flags, today()), Err(Error::PipelineToml { .. })));
    }

    #[test]
    fn a_hub_file_names_its_regional_warehouse_relative_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hub.toml");
        std::fs::write(&file, "[hub]\nregional_warehouse = \"regional\"\n").unwrap();
        assert_eq!(regional_warehouse_of(&file).unwrap(), Some(dir.path().join("regional").display().to_string()));
        let flags = Overrides {
            pipeline: Some(file.clone()),
            la: Some("852".into()),
            input: Some("in".into()),
            pseudonym_key: Some(KEY.to_vec()),
            ..Default::default()
        };
        assert!(RunConfig::resolve(&flags, today()).is_ok(), "each LA's run reads the same file");
        std::fs::write(&file, "[hub]\nregional_warehouse = \"az://hub/regional\"\n").unwrap();
        assert_eq!(regional_warehouse_of(&file).unwrap().as_deref(), Some("az://hub/regional"));
        std::fs::write(&file, "[hub]\nregional = \"x\"\n").unwrap();
        assert!(regional_warehouse_of(&file).is_err(), "a misspelt key is an error");
        std::fs::write(&file, "[run]\nhistory_years = 2\n").unwrap();
        assert_eq!(regional_warehouse_of(&file).unwrap(), None);
    }
}
