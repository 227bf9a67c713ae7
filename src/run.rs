//! One pipeline run: extract → normalise → model → publish ([`stages`], one function each, in
//! its own tracing span), with a manifest written whether the run succeeds or fails.

mod stages;

pub(crate) use stages::Ended;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use crate::config::{Privacy, RunConfig};
use crate::extract::InputFile;
use crate::lock::RunLock;
use crate::manifest::{IssueSummary, Manifest, RunStatus, StageEntry};
use crate::model::ModelParams;
use crate::publish::vacuum::{after_publish, kept_runs, published_manifest, recover, recover_below};
use crate::quality::{Issue, IssueCounts};
use crate::schema::TableSpec;
use crate::storage::Location;
use crate::{Error, Result};

/// Folder of the warehouse that holds identifiable data (core tables as received, Annex A lists,
/// issues with raw values). Grant it to case-level staff only; analysts get the rest.
pub const RESTRICTED: &str = "restricted";

/// What a finished run hands back to its caller.
#[derive(Debug)]
pub struct RunOutcome {
    pub manifest: Manifest,
    /// The fact table as published.
    pub fact: RecordBatch,
    /// Where the warehouse is, as resolved.
    pub warehouse: String,
}

/// How a run behaves towards earlier and concurrent runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run even when the inputs, pipeline file, as-at date and code are those of the last
    /// successful run.
    pub force: bool,
    /// Wait this long for another run over the same warehouse to finish, instead of stopping.
    pub wait_for_lock: Option<std::time::Duration>,
    /// The as-at date was asked for on the command line (an ad hoc rerun, e.g. for Ofsted).
    pub explicit_as_at: bool,
    /// Publish even when a core table lost more than `[run] max_row_drop` of its rows.
    pub accept_drop: bool,
}

/// Folder, below the warehouse, of ad hoc reruns as at another date:
/// `restricted/reruns/as_at=YYYY-MM-DD/` holds a complete warehouse of its own, so an Ofsted
/// rerun never replaces the nightly tables. It is inside `restricted/` as a whole (its own
/// `restricted/` holds the identifiable core and lists), so the one permission on `restricted/`
/// covers every identifiable byte.
pub fn rerun_folder(as_at: chrono::NaiveDate) -> String {
    format!("{RERUNS}/as_at={as_at}")
}

/// Folder of every ad hoc rerun's warehouse ([`rerun_folder`]).
const RERUNS: &str = "restricted/reruns";

/// Where a run records, inside `restricted/`, the key check of the key its analyst tables were
/// pseudonymised with ([`crate::pseudonymise::Pseudonymiser::key_check`]).
const KEY_CHECK: &str = "restricted/_runs/key_check.json";

/// The process exit status of a run, for schedulers (docs/operating.md, exit codes). The codes
/// are stable: schedulers test them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: published.
    Published,
    /// 1: failed (or a usage error); nothing new was published.
    Failed,
    /// 2: published, with more error-severity issues than `[run] max_error_issues` allows.
    TooManyErrors,
    /// 3: nothing changed since the published run, so nothing was done.
    Unchanged,
    /// 4: nothing changed, and the input has been identical for `[run] unchanged_alert_days`:
    /// the export may be stuck.
    Stuck,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Published => 0,
            ExitStatus::Failed => 1,
            ExitStatus::TooManyErrors => 2,
            ExitStatus::Unchanged => 3,
            ExitStatus::Stuck => 4,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// The exit status `csc run` gives a finished run (a failed run is an error, [`ExitStatus::Failed`]).
pub fn exit_status(cfg: &RunConfig, outcome: &RunOutcome) -> ExitStatus {
    let m = &outcome.manifest;
    match (m.status, cfg.max_error_issues) {
        (RunStatus::Skipped, _) if m.input_unchanged_days.is_some() => ExitStatus::Stuck,
        (RunStatus::Skipped, _) => ExitStatus::Unchanged,
        (_, Some(max)) if m.issues.by_severity.error > max => ExitStatus::TooManyErrors,
        _ => ExitStatus::Published,
    }
}

/// Runs the pipeline once, holding the warehouse's run lock. When nothing changed since the last
/// successful run (same run key) the run stops after extract and publishes nothing (status
/// `skipped`). On failure nothing is published, a manifest with status `failed` is still written
/// (when the warehouse is reachable), and the error is returned.
pub async fn run(cfg: &RunConfig, opts: &RunOptions) -> Result<RunOutcome> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let mut manifest = Manifest {
        started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        code_version: crate::code_version(),
        la_code: cfg.la_code.clone(),
        la_name: cfg.la_name.clone(),
        as_at: cfg.as_at.to_string(),
        input_location: cfg.input.clone(),
        input_format: format!("{:?}", cfg.format).to_lowercase(),
        analyst_tables: match cfg.privacy {
            Privacy::Pseudonymised(_) => "pseudonymised".into(),
            Privacy::Identifiable => "identifiable".into(),
        },
        warehouse: cfg.warehouse.clone(),
        run_id: format!("{}-pending", started.format("%Y%m%dT%H%M%SZ")),
        ..Manifest::default()
    };
    if matches!(cfg.privacy, Privacy::Identifiable) {
        warn!("[warehouse] identifiable = true (confirmed): analyst tables carry children's names, dates of birth and ids; only case-level staff may open this warehouse");
    }
    if cfg.session.memory_limit.is_some() {
        crate::allocator::return_freed_memory();
    }
    let root = Location::open(&cfg.warehouse, true, &cfg.storage)?;
    let lock = RunLock::acquire(&root, opts.wait_for_lock).await?;
    // Ad hoc reruns that died: undone while this run holds the lock, whatever date it runs as
    // at (this run's own warehouse is undone first thing in its stages, and may fail the run).
    if let Err(e) = recover_below(&root, RERUNS).await {
        warn!(error = %e, "could not undo an ad hoc rerun that did not finish; the next run will try again");
    }
    // A rerun as at a date other than the published one goes to its own folder. An unreadable
    // published manifest stops the run here, and the lock is released.
    let warehouse = match published_as_at(&root).await {
        Ok(Some(published)) if opts.explicit_as_at && published != cfg.as_at.to_string() => {
            let sub = root.sub(&rerun_folder(cfg.as_at));
            info!(as_at = %cfg.as_at, published_as_at = %published, folder = %sub.display, "ad hoc rerun: publishing beside the nightly tables, not over them");
            sub
        }
        Ok(_) => root.clone(),
        Err(e) => {
            if let Err(release) = lock.release().await {
                warn!(error = %release, "could not release the run lock; the next run will take it over");
            }
            return Err(e);
        }
    };
    manifest.warehouse = warehouse.display.clone();
    // A panic anywhere in the stages is this run's failure: it is caught here so that the
    // failed manifest is written and the lock released like any other failure.
    let result =
        match futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(stages(cfg, opts, &warehouse, &mut manifest, started, &lock)))
            .await
        {
            Ok(result) => result,
            Err(panic) => Err(Error::Internal(panic_message(&panic))),
        };
    manifest.finished_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    manifest.elapsed_ms = clock.elapsed().as_millis();
    let outcome = finish(result, manifest, &warehouse, key_check(cfg)).await;
    if let Err(e) = lock.release().await {
        warn!(error = %e, "could not release the run lock; the next run will take it over");
    }
    outcome
}

/// What a caught panic says, for the failed manifest and the log ([`Error::Internal`] adds that
/// it is a bug to report): its message when it is text (csc's own panics name no cell values),
/// else a fixed phrase.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
    format!("panic: {}", text.unwrap_or_else(|| "no message".into()))
}

/// Records how the run ended: the manifest, the log line and the outcome.
pub(crate) async fn finish(
    result: Result<stages::Ended>,
    mut manifest: Manifest,
    warehouse: &Location,
    key_check: String,
) -> Result<RunOutcome> {
    match result {
        Ok(stages::Ended::Skipped) => {
            manifest.status = RunStatus::Skipped;
            // The skipped run is recorded, but latest.json keeps pointing at the run whose
            // outputs are published.
            let json = serde_json::to_vec_pretty(&manifest)?;
            warehouse.put(&warehouse.child(&format!("_runs/{}.json", manifest.run_id)), json.into()).await?;
            info!(run_id = %manifest.run_id, "nothing changed since the last successful run: skipped (use --force to run anyway)");
            let fact = RecordBatch::new_empty(crate::model::fact_schema());
            Ok(RunOutcome { manifest, fact, warehouse: warehouse.display.clone() })
        }
        Ok(stages::Ended::Published(fact)) => {
            manifest.status = RunStatus::Succeeded;
            write_manifest(warehouse, &manifest, true).await?;
            // After the manifest: a run that dies in between leaves the previous check, so the
            // next run sees a changed key and runs again (never the other way round).
            let check = serde_json::json!({ "run_id": manifest.run_id, "key_check": key_check });
            warehouse.put(&warehouse.child(KEY_CHECK), bytes::Bytes::from(check.to_string())).await?;
            // Published: the files no retained run needs go, so plain Parquet readers of each
            // folder see exactly the new data. A failure here leaves extra files that the next
            // run removes; it does not undo the publish.
            match after_publish(warehouse, &manifest.run_id, &kept_runs(&manifest, chrono::Utc::now()), &manifest).await {
                Ok(deleted) => debug!(files_deleted = deleted, "superseded files vacuumed"),
                Err(e) => warn!(error = %e, "could not vacuum superseded files; the next run will"),
            }
            info!(run_id = %manifest.run_id, elapsed_ms = manifest.elapsed_ms as u64, issues = manifest.issues.total, "run succeeded");
            Ok(RunOutcome { manifest, fact, warehouse: warehouse.display.clone() })
        }
        Err(e) => {
            manifest.status = RunStatus::Failed;
            manifest.error = Some(e.to_string());
            manifest.error_kind = Some(e.audience());
            // Best effort: whatever the failed run committed or staged is undone and the failure
            // recorded; neither may hide the original error.
            if let Err(cleanup) = recover(warehouse).await {
                warn!(error = %cleanup, "could not undo the failed run's changes; the next run will");
            }
            if let Err(write) = write_manifest(warehouse, &manifest, false).await {
                warn!(error = %write, "could not write the failed run's manifest");
            }
            Err(e)
        }
    }
}

/// Undoes what a run that died left behind, reads the published run once and runs the stages
/// ([`stages::all`]).
async fn stages(
    cfg: &RunConfig,
    opts: &RunOptions,
    warehouse: &Location,
    manifest: &mut Manifest,
    started: chrono::DateTime<chrono::Utc>,
    lock: &RunLock,
) -> Result<stages::Ended> {
    // A run that died (killed, machine lost) may have left staged files or half its commits:
    // undo them first, so the warehouse is the published one again whatever this run does.
    recover(warehouse).await?;
    // The run that is live now: read once, it decides skipping, the drop gate, the sharp moves
    // and the runs whose files are kept.
    let published = published_manifest(warehouse).await?;
    let run = stages::Run { cfg, opts, warehouse, published: published.as_ref(), lock };
    stages::all(&run, manifest, started).await
}

/// Runs CPU-bound work (normalise keeps every core busy for seconds) so that, on a
/// multi-threaded runtime, the other tasks of this worker thread move to another one meanwhile:
/// the queries of another LA's run in `csc hub`, the object-store requests of this one.
pub(crate) fn cpu_bound<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// The session the BI marts are built in: their own, in this process, with one partition. The
/// marts are small joins of the fact table with reference data; one partition makes their
/// averages sum in the same order every run, so two runs with the same key publish identical
/// bytes. On a cluster this also keeps every DfE reference table out of the plans shipped to the
/// executors, which costs more than the query and overflows the cluster's message limits.
async fn marts_session(model: &SessionContext, tables: &[TableSpec], params: &ModelParams) -> Result<SessionContext> {
    let config = datafusion::prelude::SessionConfig::new().with_target_partitions(1);
    let local = crate::model::memory_session_with(config, tables, params)?;
    // The run's periods, and the year-to-date periods of fact_measure's ytd rows.
    for name in ["dim_period", "ytd_period"] {
        let periods = model.table(name).await?;
        let schema = Arc::new(periods.schema().as_arrow().clone());
        let batches = periods.collect().await?;
        local.register_table(name, Arc::new(MemTable::try_new(schema, vec![batches])?))?;
    }
    Ok(local)
}

/// Records the run's headline measures and those that moved sharply since the published run
/// (`published`), warning about each (measure ids and aggregate values only).
fn record_movement(manifest: &mut Manifest, fact: &RecordBatch, published: Option<&Manifest>) -> Result<()> {
    use crate::report::movement::{headlines, sharp_moves};
    manifest.headlines = headlines(fact);
    // A published manifest from before headlines were recorded has none to compare with.
    if let Some(previous) = published.map(|m| &m.headlines).filter(|h| !h.is_empty()) {
        manifest.moved_sharply = sharp_moves(previous, &manifest.headlines, &crate::marts::dim_measure::units()?);
        for m in &manifest.moved_sharply {
            warn!(measure_id = %m.measure_id, "measure moved sharply since the last published run: {m}");
        }
    }
    Ok(())
}

/// Records a stage's figures in the manifest and logs them.
pub(crate) fn stage_done(
    manifest: &mut Manifest,
    stage: &str,
    started: Instant,
    rows_in: usize,
    rows_out: usize,
    issues: &[Issue],
    bytes: u64,
) {
    let elapsed_ms = started.elapsed().as_millis();
    let counts = IssueCounts::of(issues);
    let peak_rss_mib = crate::manifest::peak_rss_mib();
    info!(
        stage,
        rows_in,
        rows_out,
        issues = issues.len(),
        errors = counts.error,
        warnings = counts.warning,
        bytes,
        elapsed_ms = elapsed_ms as u64,
        peak_rss_mib,
        "stage finished"
    );
    manifest.stages.push(StageEntry { stage: stage.to_string(), elapsed_ms, rows_in, rows_out, issues: issues.len(), peak_rss_mib });
}

fn issue_summary(issues: &[Issue]) -> IssueSummary {
    let mut by_code = BTreeMap::new();
    for i in issues {
        *by_code.entry(i.code.to_string()).or_insert(0) += 1;
    }
    IssueSummary { total: issues.len(), by_severity: IssueCounts::of(issues), by_code }
}

/// SHA-256 over everything that decides a run's output. The pseudonymisation key is not in it:
/// every manifest shows the run key to analysts, and a value computed from the key would let them
/// test guesses of it offline. Only the privacy mode is; a changed key is noticed through the key
/// check kept in `restricted/` ([`key_check`]).
fn run_key(cfg: &RunConfig, files: &[InputFile]) -> String {
    let mut h = Sha256::new();
    let mode = match &cfg.privacy {
        Privacy::Pseudonymised(_) => "pseudonymised",
        Privacy::Identifiable => "identifiable",
    };
    for part in [
        crate::code_version().as_str(),
        cfg.pipeline_text.as_str(),
        cfg.la_code.as_str(),
        &cfg.as_at.to_string(),
        &cfg.measures.join(","),
        mode,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for m in &cfg.mappings {
        h.update(m.text.as_bytes());
        h.update([0]);
    }
    for f in files {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.sha256.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The value that tells whether the analyst tables were made with this run's key: the
/// pseudonymiser's key check, or `identifiable`.
fn key_check(cfg: &RunConfig) -> String {
    match &cfg.privacy {
        Privacy::Pseudonymised(p) => p.key_check().to_string(),
        Privacy::Identifiable => "identifiable".to_string(),
    }
}

/// The as-at date of the tables published at a warehouse's root, if any.
async fn published_as_at(warehouse: &Location) -> Result<Option<String>> {
    Ok(published_manifest(warehouse).await?.map(|m| m.as_at))
}

/// The id and manifest of the published run (`published`), when its run key is `key` and its
/// analyst tables were made with the key whose check is `check` (recorded in `restricted/`; a
/// missing or unreadable check means the key may have changed, so the run goes ahead).
pub(crate) async fn last_success_with_key<'a>(
    warehouse: &Location,
    published: Option<&'a Manifest>,
    key: &str,
    check: &str,
) -> Result<Option<(String, &'a Manifest)>> {
    let Some(published) = published else { return Ok(None) };
    let recorded: Option<serde_json::Value> = match warehouse.get(&warehouse.child(KEY_CHECK)).await {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(_) => None,
    };
    let same_key = recorded.is_some_and(|r| r["key_check"] == check && r["run_id"] == published.run_id.as_str());
    Ok((published.run_key == key && same_key).then(|| (published.run_id.clone(), published)))
}

/// Writes a run's manifest as `_runs/<run_id>.json` and `_runs/latest.json` (the last run,
/// whatever its status), and, when its tables were published, `_runs/published.json` — so a
/// failed run never hides which run's tables the warehouse holds.
async fn write_manifest(warehouse: &Location, manifest: &Manifest, published: bool) -> Result<()> {
    let json = bytes::Bytes::from(serde_json::to_vec_pretty(manifest)?);
    warehouse.put(&warehouse.child(&format!("_runs/{}.json", manifest.run_id)), json.clone()).await?;
    if published {
        warehouse.put(&warehouse.child("_runs/published.json"), json.clone()).await?;
    }
    warehouse.put(&warehouse.child("_runs/latest.json"), json).await
}
