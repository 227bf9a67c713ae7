//! One pipeline run: extract → normalise → model → publish, each in its own tracing span, with a
//! manifest written whether the run succeeds or fails.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};
use tracing::{debug, info, info_span, warn, Instrument};

use crate::config::{Privacy, RunConfig};
use crate::extract::{extract_with, InputFile};
use crate::lock::RunLock;
use crate::manifest::{InputEntry, IssueSummary, Manifest, MeasureSummary, StageEntry, TableEntry};
use crate::model::annex_a::run_lists;
use crate::model::{run_measures, session_on, ModelParams};
use crate::normalise::normalise;
use crate::pseudonymise::redact_issues;
use crate::publish::vacuum::{after_publish, grace_runs, kept_runs, published_manifest, recover, retained_runs};
use crate::publish::{commit, CommitInfo, Staging};
use crate::quality::{issues_batch, Issue, IssueCounts, Severity};
use crate::reference::CodeLists;
use crate::schema::{ssd_tables, TableSpec};
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
    format!("{RESTRICTED}/reruns/as_at={as_at}")
}

/// Where a run records, inside `restricted/`, the key check of the key its analyst tables were
/// pseudonymised with ([`crate::pseudonymise::Pseudonymiser::key_check`]).
const KEY_CHECK: &str = "restricted/_runs/key_check.json";

/// The process exit status `csc run` gives a finished run: 4 when it was skipped and the input
/// has been identical for `[run] unchanged_alert_days` (the export may be stuck), 3 when it was
/// skipped (nothing changed), 2 when it published more error-severity issues than `[run] max_error_issues`
/// allows, else 0. (A failed run is an error, exit status 1.)
pub fn exit_status(cfg: &RunConfig, outcome: &RunOutcome) -> u8 {
    let errors = outcome.manifest.issues.by_severity.error;
    match cfg.max_error_issues {
        _ if outcome.manifest.status == "skipped" && outcome.manifest.input_unchanged_days.is_some() => 4,
        _ if outcome.manifest.status == "skipped" => 3,
        Some(max) if errors > max => 2,
        _ => 0,
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
    let root = Location::open(&cfg.warehouse, true, &cfg.storage)?;
    let lock = RunLock::acquire(&root, opts.wait_for_lock).await?;
    // A rerun as at a date other than the published one goes to its own folder.
    let warehouse = match published_as_at(&root).await? {
        Some(published) if opts.explicit_as_at && published != cfg.as_at.to_string() => {
            let sub = root.sub(&rerun_folder(cfg.as_at));
            info!(as_at = %cfg.as_at, published_as_at = %published, folder = %sub.display, "ad hoc rerun: publishing beside the nightly tables, not over them");
            sub
        }
        _ => root.clone(),
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
async fn finish(
    result: Result<Option<RecordBatch>>,
    mut manifest: Manifest,
    warehouse: &Location,
    key_check: String,
) -> Result<RunOutcome> {
    match result {
        Ok(None) => {
            manifest.status = "skipped".into();
            // The skipped run is recorded, but latest.json keeps pointing at the run whose
            // outputs are published.
            let json = serde_json::to_vec_pretty(&manifest)?;
            warehouse.put(&warehouse.child(&format!("_runs/{}.json", manifest.run_id)), json.into()).await?;
            info!(run_id = %manifest.run_id, "nothing changed since the last successful run: skipped (use --force to run anyway)");
            let fact = RecordBatch::new_empty(crate::model::fact_schema());
            Ok(RunOutcome { manifest, fact, warehouse: warehouse.display.clone() })
        }
        Ok(Some(fact)) => {
            manifest.status = "succeeded".into();
            write_manifest(warehouse, &manifest, true).await?;
            // After the manifest: a run that dies in between leaves the previous check, so the
            // next run sees a changed key and runs again (never the other way round).
            let check = serde_json::json!({ "run_id": manifest.run_id, "key_check": key_check });
            warehouse.put(&warehouse.child(KEY_CHECK), bytes::Bytes::from(check.to_string())).await?;
            // Published: the files no retained run needs go, so plain Parquet readers of each
            // folder see exactly the new data. A failure here leaves extra files that the next
            // run removes; it does not undo the publish.
            let json = serde_json::to_value(&manifest)?;
            match after_publish(warehouse, &manifest.run_id, &kept_runs(&json, chrono::Utc::now()), &json).await {
                Ok(deleted) => debug!(files_deleted = deleted, "superseded files vacuumed"),
                Err(e) => warn!(error = %e, "could not vacuum superseded files; the next run will"),
            }
            info!(run_id = %manifest.run_id, elapsed_ms = manifest.elapsed_ms as u64, issues = manifest.issues.total, "run succeeded");
            Ok(RunOutcome { manifest, fact, warehouse: warehouse.display.clone() })
        }
        Err(e) => {
            manifest.status = "failed".into();
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

/// The four stages. `None` when the run was skipped because nothing changed.
async fn stages(
    cfg: &RunConfig,
    opts: &RunOptions,
    warehouse: &Location,
    manifest: &mut Manifest,
    started: chrono::DateTime<chrono::Utc>,
    lock: &RunLock,
) -> Result<Option<RecordBatch>> {
    // A run that died (killed, machine lost) may have left staged files or half its commits:
    // undo them first, so the warehouse is the published one again whatever this run does.
    recover(warehouse).await?;
    // The run that is live now: read once, it decides skipping, the drop gate, the sharp moves
    // and the runs whose files are kept.
    let published = published_manifest(warehouse).await?;
    let tables = ssd_tables();
    let codes = CodeLists::builtin();
    let mut issues: Vec<Issue> = Vec::new();

    // Extract
    let t = Instant::now();
    let input = Location::open(&cfg.input, false, &cfg.storage)?;
    crate::normalise::vendor::use_mappings(cfg.mappings.clone());
    crate::pseudonymise::use_reader_key(match &cfg.privacy {
        Privacy::Pseudonymised(p) => Some(p),
        Privacy::Identifiable => None,
    });
    let files =
        extract_with(&input, tables, cfg.format, cfg.limits, &mut issues).instrument(info_span!("extract", input = %input.display)).await?;
    let bytes: u64 = files.iter().map(|f| f.size).sum();
    manifest.inputs = files
        .iter()
        .map(|f| InputEntry {
            path: f.path.clone(),
            size_bytes: f.size,
            sha256: f.sha256.clone(),
            table: f.kind.as_ref().map(|k| k.describe()),
            rows: 0,
            issues: IssueCounts::default(),
        })
        .collect();
    manifest.run_key = run_key(cfg, &files);
    manifest.run_id = format!("{}-{}", started.format("%Y%m%dT%H%M%SZ"), &manifest.run_key[..8]);
    stage_done(manifest, "extract", t, files.len(), files.iter().filter(|f| f.kind.is_some()).count(), &issues, bytes);
    if !opts.force {
        if let Some((previous, live)) = last_success_with_key(warehouse, published.as_ref(), &manifest.run_key, &key_check(cfg)).await? {
            manifest.error = Some(format!("same run key as run {previous}: nothing to do"));
            manifest.input_unchanged_days = crate::quality::freshness::unchanged_days(live, chrono::Local::now().date_naive(), &cfg.gates);
            if let Some(days) = manifest.input_unchanged_days {
                warn!(days, "the input has not changed for {days} days: the export job may be stuck");
            }
            return Ok(None);
        }
    }

    // Normalise
    let t = Instant::now();
    let before = issues.len();
    let core = {
        let _span = info_span!("normalise").entered();
        let normalised = cpu_bound(|| normalise(tables, &files, codes, &mut issues))?;
        let mut by_file: HashMap<&str, IssueCounts> = HashMap::new();
        for i in &issues {
            if let Some(file) = &i.file {
                by_file.entry(file.as_str()).or_default().count(i.severity);
            }
        }
        for (entry, rows) in manifest.inputs.iter_mut().zip(&normalised.rows_by_file) {
            entry.rows = *rows;
            entry.issues = by_file.remove(entry.path.as_str()).unwrap_or_default();
        }
        normalised.tables
    };
    // Each issue is a row of the issues table and counted in the summary; one log line per bad
    // cell would bury the summary, so they are logged at debug level only.
    for i in &issues[before..] {
        if i.severity == Severity::Error {
            debug!(stage = "normalise", "{}", i.log_line());
        }
    }
    drop(files);
    let rows_in: usize = core.iter().map(|c| c.rows_in).sum();
    let rows_out: usize = core.iter().map(|c| c.rows_out()).sum();
    manifest.tables = core
        .iter()
        .map(|c| TableEntry {
            name: c.spec.name.clone(),
            rows_in: c.rows_in,
            rows_out: c.rows_out(),
            rows_rejected: c.rows_in - c.rows_out(),
        })
        .collect();
    // A table that lost a large share of its rows since the last publish is the usual sign of a
    // truncated export: stop before anything is staged, unless told to go on.
    if let Some(published) = &published {
        let now: Vec<(String, usize)> = manifest.tables.iter().map(|t| (t.name.clone(), t.rows_out)).collect();
        let drops = crate::quality::freshness::row_drops(published, &now, &cfg.gates);
        if !drops.is_empty() {
            let list = drops.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ");
            if !opts.accept_drop {
                return Err(Error::Input(format!(
                    "{list} since the last published run: the export looks truncated, so nothing was published. Check the extract; if the drop is real, run again with --accept-drop"
                )));
            }
            warn!(tables = %list, "tables lost rows since the last published run; publishing anyway (--accept-drop)");
        }
    }
    // The identifiable core goes to the restricted area (the model reads it from there); analysts
    // get the pseudonymised copy in core/.
    let mut staging = Staging::begin(warehouse, &manifest.run_id).await?;
    for c in &core {
        staging.table(warehouse, &format!("{RESTRICTED}/core/{}", c.spec.name), &c.batch).await?;
        let batch = match &cfg.privacy {
            Privacy::Pseudonymised(p) => p.table(&c.spec, &c.batch)?,
            Privacy::Identifiable => c.batch.clone(),
        };
        staging.table(warehouse, &format!("core/{}", c.spec.name), &batch).await?;
        crate::failpoint::hit("normalise.table");
    }
    drop(core);
    stage_done(manifest, "normalise", t, rows_in, rows_out, &issues[before..], 0);

    // Model
    let t = Instant::now();
    let before = issues.len();
    let params = ModelParams {
        la_code: cfg.la_code.clone(),
        la_name: cfg.la_name.clone(),
        as_at: cfg.as_at,
        history_years: cfg.history_years,
        settings: cfg.measure_settings.clone(),
    };
    // BI marts (issue 5): `marts` is built here, in the model's session, after the measures.
    let (model, breakdown, lists, actions, marts) = async {
        let step = Instant::now();
        let ctx = session_on(&cfg.session, warehouse, &staging.folder(&format!("{RESTRICTED}/core")), tables, &params).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "model session ready");
        let step = Instant::now();
        let model = run_measures(&ctx, &params, &cfg.measures, &mut issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "measures and fact table built");
        let step = Instant::now();
        let breakdown = crate::model::breakdown::run(&ctx, &crate::model::breakdown::computed_ids(&model.fact)).await?;
        let names = match &cfg.privacy {
            Privacy::Pseudonymised(p) if !p.worker_names => HashMap::new(),
            _ => crate::model::breakdown::worker_names(&ctx).await?,
        };
        let breakdown = crate::model::breakdown::protect_workers(&breakdown, &cfg.privacy, &names)?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, rows = breakdown.num_rows(), "breakdowns built");
        let step = Instant::now();
        let lists = run_lists(&ctx, &mut issues).await?;
        // Issue 14: children overdue a visit, review, health check ... (restricted).
        let actions = crate::model::action_lists::run(&ctx, &cfg.action_lists, &mut issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "Annex A lists built");
        let step = Instant::now();
        // Records that typed cleanly but cannot be right. Events after the as-at date are only
        // implausible on a nightly run: an as-at rerun ignores them by design.
        let checks = crate::quality::plausibility::Checks { future_events: cfg.as_at >= chrono::Local::now().date_naive() };
        let flagged = crate::quality::plausibility::check(&ctx, checks, &mut issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, flagged, "plausibility and linkage rules checked");
        for table in crate::quality::freshness::stale_tables(&ctx, &cfg.gates, cfg.as_at, &mut issues).await? {
            warn!(table = %table, "the table's newest record is older than [run] freshness_lag_days allows: the export may have stopped updating it");
        }
        let step = Instant::now();
        let marts = crate::marts::build(&marts_session(&ctx, tables, &params).await?, &model.fact, cfg.sn_model, &cfg.targets).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "marts built");
        Ok::<_, Error>((model, breakdown, lists, actions, marts))
    }
    .instrument(info_span!("model", as_at = %cfg.as_at))
    .await?;
    manifest.measures = MeasureSummary {
        measure_ids: cfg.measures.clone(),
        rows: model.fact.num_rows(),
        months: model.months,
        financial_years: model.financial_years,
    };
    manifest.annex_a = lists.iter().map(|l| (l.name.to_string(), l.batch.num_rows())).collect();
    manifest.annex_a_notes = {
        let facts = crate::report::annex_a_notes::ExtractFacts::of_run(
            cfg.input.clone(),
            manifest.tables.iter().map(|t| (t.name.clone(), t.rows_out as u64)),
        );
        let named: Vec<(&str, datafusion::arrow::array::RecordBatch)> = lists.iter().map(|l| (l.name, l.batch.clone())).collect();
        let (set, _) = crate::report::annex_a_headers::set_for(&crate::report::annex_a_headers::builtin(), cfg.as_at);
        crate::report::annex_a_notes::summary_lines(&crate::report::annex_a_notes::notes(&named, cfg.as_at, &facts, &set))
    };
    stage_done(manifest, "model", t, rows_out, model.fact.num_rows(), &issues[before..], 0);
    record_movement(manifest, &model.fact, published.as_ref())?;

    // Publish
    let t = Instant::now();
    let publish = async {
        staging.partitioned(warehouse, "marts/fact_measure", &model.fact, "financial_year").await?;
        // Issue 14: every broken-down measure by team, worker, age band, ... (workers protected above).
        staging.partitioned(warehouse, "marts/fact_measure_breakdown", &breakdown, "financial_year").await?;
        // BI marts (issue 5): dim_measure, dim_period, dim_la, benchmarks, measure_rag.
        for mart in &marts {
            staging.table(warehouse, &format!("marts/{}", mart.name), &mart.batch).await?;
        }
        // Annex A lists name children, so they are restricted. Each as-at date is its own
        // partition, so an Ofsted rerun never replaces the nightly lists.
        for list in &lists {
            staging
                .partition(warehouse, &format!("{RESTRICTED}/annex_a/{}", list.name), &list.batch, "as_at", &cfg.as_at.to_string())
                .await?;
        }
        // Action lists name children: restricted, one partition per as-at date like Annex A.
        for list in &actions {
            staging
                .partition(warehouse, &format!("{RESTRICTED}/action_lists/{}", list.name), &list.batch, "as_at", &cfg.as_at.to_string())
                .await?;
        }
        staging.table(warehouse, &format!("{RESTRICTED}/quality/issues"), &issues_batch(&manifest.run_key, &issues)?).await?;
        let analyst_issues = match &cfg.privacy {
            Privacy::Pseudonymised(p) => redact_issues(&issues, p.worker_names),
            Privacy::Identifiable => issues.clone(),
        };
        staging.table(warehouse, "quality/issues", &issues_batch(&manifest.run_key, &analyst_issues)?).await?;
        // Every table is staged: commit them one by one. Until the manifest below names the new
        // versions, the published run is still the previous one.
        let info = CommitInfo { run_id: manifest.run_id.clone(), run_key: manifest.run_key.clone(), as_at: cfg.as_at.to_string() };
        // A run whose lease ran out (another run took the warehouse over) must not publish.
        lock.ensure_held()?;
        let versions = commit(warehouse, &staging, &info).await?;
        Ok::<_, Error>((staging.files(), versions))
    }
    .instrument(info_span!("publish", warehouse = %warehouse.display))
    .await?;
    let (outputs, versions) = publish;
    manifest.outputs = outputs;
    manifest.delta_versions = versions;
    manifest.retained_runs = retained_runs(&manifest.run_id, published.as_ref(), cfg.keep_runs);
    manifest.grace_runs = grace_runs(published.as_ref(), &manifest.retained_runs, chrono::Utc::now(), cfg.superseded_grace);
    manifest.issues = issue_summary(&issues);
    stage_done(manifest, "publish", t, model.fact.num_rows(), manifest.outputs.len(), &[], 0);
    Ok(Some(model.fact))
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
    let periods = model.table("dim_period").await?;
    let schema = Arc::new(periods.schema().as_arrow().clone());
    let batches = periods.collect().await?;
    local.register_table("dim_period", Arc::new(MemTable::try_new(schema, vec![batches])?))?;
    Ok(local)
}

/// Records the run's headline measures and those that moved sharply since the published run
/// (`published`), warning about each (measure ids and aggregate values only).
fn record_movement(manifest: &mut Manifest, fact: &RecordBatch, published: Option<&serde_json::Value>) -> Result<()> {
    use crate::report::movement::{headlines, sharp_moves, Headline};
    manifest.headlines = headlines(fact);
    let previous: Option<Vec<Headline>> = published.and_then(|m| serde_json::from_value(m["headlines"].clone()).ok());
    if let Some(previous) = previous {
        manifest.moved_sharply = sharp_moves(&previous, &manifest.headlines, &crate::marts::dim_measure::units()?);
        for m in &manifest.moved_sharply {
            warn!(measure_id = %m.measure_id, "measure moved sharply since the last published run: {m}");
        }
    }
    Ok(())
}

/// Records a stage's figures in the manifest and logs them.
fn stage_done(manifest: &mut Manifest, stage: &str, started: Instant, rows_in: usize, rows_out: usize, issues: &[Issue], bytes: u64) {
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
    Ok(published_manifest(warehouse).await?.and_then(|m| m["as_at"].as_str().map(str::to_string)))
}

/// The id and manifest of the published run (`published`), when its run key is `key` and its
/// analyst tables were made with the key whose check is `check` (recorded in `restricted/`; a
/// missing or unreadable check means the key may have changed, so the run goes ahead).
async fn last_success_with_key<'a>(
    warehouse: &Location,
    published: Option<&'a serde_json::Value>,
    key: &str,
    check: &str,
) -> Result<Option<(String, &'a serde_json::Value)>> {
    let Some(published) = published else { return Ok(None) };
    let recorded: Option<serde_json::Value> = match warehouse.get(&warehouse.child(KEY_CHECK)).await {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(_) => None,
    };
    let same_key = recorded.is_some_and(|r| r["key_check"] == check && r["run_id"] == published["run_id"]);
    Ok((published["run_key"] == key && same_key).then(|| (published["run_id"].as_str().unwrap_or_default().to_string(), published)))
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
