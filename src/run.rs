//! One pipeline run: extract → normalise → model → publish, each in its own tracing span, with a
//! manifest written whether the run succeeds or fails.

use std::collections::BTreeMap;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use sha2::{Digest, Sha256};
use tracing::{info, info_span, warn, Instrument};

use crate::config::{Privacy, RunConfig};
use crate::pseudonymise::redact_issues;
use crate::extract::{extract, InputFile};
use crate::lock::RunLock;
use crate::manifest::{InputEntry, IssueSummary, Manifest, MeasureSummary, StageEntry, TableEntry};
use crate::model::annex_a::run_lists;
use crate::model::{run_measures, session, ModelParams};
use crate::normalise::normalise;
use crate::publish::{commit, staging_root, write_partitioned, write_table};
use crate::quality::{issues_batch, Issue, IssueCounts, Severity};
use crate::reference::CodeLists;
use crate::schema::ssd_tables;
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
}

/// Folder, below the warehouse, of ad hoc reruns as at another date: `reruns/as_at=YYYY-MM-DD/`
/// holds a complete warehouse of its own, so an Ofsted rerun never replaces the nightly tables.
pub fn rerun_folder(as_at: chrono::NaiveDate) -> String {
    format!("reruns/as_at={as_at}")
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
    let root = Location::parse(&cfg.warehouse, true)?;
    let lock = RunLock::acquire(&root, opts.wait_for_lock).await?;
    // A rerun as at a date other than the published one goes to its own folder.
    let warehouse = match published_as_at(&root).await {
        Some(published) if opts.explicit_as_at && published != cfg.as_at.to_string() => {
            let sub = root.sub(&rerun_folder(cfg.as_at));
            info!(as_at = %cfg.as_at, published_as_at = %published, folder = %sub.display, "ad hoc rerun: publishing beside the nightly tables, not over them");
            sub
        }
        _ => root.clone(),
    };
    manifest.warehouse = warehouse.display.clone();
    let result = stages(cfg, opts, &warehouse, &mut manifest, started).await;
    manifest.finished_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    manifest.elapsed_ms = clock.elapsed().as_millis();
    let outcome = finish(result, manifest, &warehouse).await;
    if let Err(e) = lock.release().await {
        warn!(error = %e, "could not release the run lock; the next run will take it over");
    }
    outcome
}

/// Records how the run ended: the manifest, the log line and the outcome.
async fn finish(result: Result<Option<RecordBatch>>, mut manifest: Manifest, warehouse: &Location) -> Result<RunOutcome> {
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
            info!(run_id = %manifest.run_id, elapsed_ms = manifest.elapsed_ms as u64, issues = manifest.issues.total, "run succeeded");
            Ok(RunOutcome { manifest, fact, warehouse: warehouse.display.clone() })
        }
        Err(e) => {
            manifest.status = "failed".into();
            manifest.error = Some(e.to_string());
            // Best effort: the staged files of a failed run are removed and the failure recorded;
            // neither may hide the original error.
            if let Err(cleanup) = warehouse.delete_all(&staging_root(&manifest.run_id)).await {
                warn!(error = %cleanup, "could not remove the failed run's staged files");
            }
            if let Err(write) = write_manifest(warehouse, &manifest, false).await {
                warn!(error = %write, "could not write the failed run's manifest");
            }
            Err(e)
        }
    }
}

/// The four stages. `None` when the run was skipped because nothing changed.
async fn stages(cfg: &RunConfig, opts: &RunOptions, warehouse: &Location, manifest: &mut Manifest, started: chrono::DateTime<chrono::Utc>) -> Result<Option<RecordBatch>> {
    let tables = ssd_tables();
    let codes = CodeLists::builtin();
    let mut issues: Vec<Issue> = Vec::new();

    // Extract
    let t = Instant::now();
    let input = Location::parse(&cfg.input, false)?;
    let files = extract(&input, tables, &mut issues).instrument(info_span!("extract", input = %input.display)).await?;
    let bytes: u64 = files.iter().map(|f| f.size).sum();
    manifest.inputs = files.iter().map(|f| InputEntry { path: f.path.clone(), size_bytes: f.size, sha256: f.sha256.clone(), table: f.table.clone() }).collect();
    manifest.run_key = run_key(cfg, &files);
    manifest.run_id = format!("{}-{}", started.format("%Y%m%dT%H%M%SZ"), &manifest.run_key[..8]);
    stage_done(manifest, "extract", t, files.len(), files.iter().filter(|f| f.table.is_some()).count(), &issues, bytes);
    if !opts.force {
        if let Some(previous) = last_success_with_key(warehouse, &manifest.run_key).await {
            manifest.error = Some(format!("same run key as run {previous}: nothing to do"));
            return Ok(None);
        }
    }

    // Normalise
    let t = Instant::now();
    let before = issues.len();
    let core = {
        let _span = info_span!("normalise").entered();
        normalise(tables, &files, codes, &mut issues)?
    };
    for i in &issues[before..] {
        if i.severity == Severity::Error {
            warn!(stage = "normalise", "{}", i.log_line());
        }
    }
    drop(files);
    let rows_in: usize = core.iter().map(|c| c.rows_in).sum();
    let rows_out: usize = core.iter().map(|c| c.rows_out()).sum();
    manifest.tables = core
        .iter()
        .map(|c| TableEntry { name: c.spec.name.clone(), rows_in: c.rows_in, rows_out: c.rows_out(), rows_rejected: c.rows_in - c.rows_out() })
        .collect();
    // The identifiable core goes to the restricted area (the model reads it from there); analysts
    // get the pseudonymised copy in core/.
    let staging = staging_root(&manifest.run_id);
    let mut table_dirs = Vec::new();
    for c in &core {
        let restricted = format!("{RESTRICTED}/core/{}", c.spec.name);
        write_table(warehouse, &format!("{staging}/{restricted}"), &c.batch).await?;
        table_dirs.push(restricted);
        let analyst = format!("core/{}", c.spec.name);
        let batch = match &cfg.privacy {
            Privacy::Pseudonymised(p) => p.table(&c.spec, &c.batch)?,
            Privacy::Identifiable => c.batch.clone(),
        };
        write_table(warehouse, &format!("{staging}/{analyst}"), &batch).await?;
        table_dirs.push(analyst);
    }
    drop(core);
    stage_done(manifest, "normalise", t, rows_in, rows_out, &issues[before..], 0);

    // Model
    let t = Instant::now();
    let before = issues.len();
    let params = ModelParams { la_code: cfg.la_code.clone(), la_name: cfg.la_name.clone(), as_at: cfg.as_at, history_years: cfg.history_years };
    // BI marts (issue 5): `marts` is built here, in the model's session, after the measures.
    let (model, lists, marts) = async {
        let ctx = session(warehouse, &format!("{staging}/{RESTRICTED}/core"), tables, &params).await?;
        let model = run_measures(&ctx, &params, &cfg.measures, &mut issues).await?;
        let lists = run_lists(&ctx, &mut issues).await?;
        let marts = crate::marts::build(&ctx, &model.fact, cfg.sn_model, &cfg.targets).await?;
        Ok::<_, Error>((model, lists, marts))
    }
    .instrument(info_span!("model", as_at = %cfg.as_at))
    .await?;
    manifest.measures = MeasureSummary { measure_ids: cfg.measures.clone(), rows: model.fact.num_rows(), months: model.months, financial_years: model.financial_years };
    manifest.annex_a = lists.iter().map(|l| (l.name.to_string(), l.batch.num_rows())).collect();
    stage_done(manifest, "model", t, rows_out, model.fact.num_rows(), &issues[before..], 0);

    // Publish
    let t = Instant::now();
    let publish = async {
        write_partitioned(warehouse, &format!("{staging}/marts/fact_measure"), &model.fact, "financial_year").await?;
        table_dirs.push("marts/fact_measure".to_string());
        // BI marts (issue 5): dim_measure, dim_period, dim_la, benchmarks, measure_rag.
        for mart in &marts {
            let dir = format!("marts/{}", mart.name);
            write_table(warehouse, &format!("{staging}/{dir}"), &mart.batch).await?;
            table_dirs.push(dir);
        }
        // Annex A lists name children, so they are restricted. Each as-at date is its own
        // partition, so an Ofsted rerun never replaces the nightly lists.
        for list in &lists {
            let dir = format!("{RESTRICTED}/annex_a/{}/as_at={}", list.name, cfg.as_at);
            write_table(warehouse, &format!("{staging}/{dir}"), &list.batch).await?;
            table_dirs.push(dir);
        }
        write_table(warehouse, &format!("{staging}/{RESTRICTED}/quality/issues"), &issues_batch(&manifest.run_key, &issues)?).await?;
        table_dirs.push(format!("{RESTRICTED}/quality/issues"));
        let analyst_issues = match &cfg.privacy {
            Privacy::Pseudonymised(p) => redact_issues(&issues, p.worker_names),
            Privacy::Identifiable => issues.clone(),
        };
        write_table(warehouse, &format!("{staging}/quality/issues"), &issues_batch(&manifest.run_key, &analyst_issues)?).await?;
        table_dirs.push("quality/issues".to_string());
        commit(warehouse, &manifest.run_id, &table_dirs).await
    }
    .instrument(info_span!("publish", warehouse = %warehouse.display))
    .await?;
    manifest.outputs = publish;
    manifest.issues = issue_summary(&issues);
    stage_done(manifest, "publish", t, model.fact.num_rows(), manifest.outputs.len(), &[], 0);
    Ok(Some(model.fact))
}

/// Records a stage's figures in the manifest and logs them.
fn stage_done(manifest: &mut Manifest, stage: &str, started: Instant, rows_in: usize, rows_out: usize, issues: &[Issue], bytes: u64) {
    let elapsed_ms = started.elapsed().as_millis();
    let counts = IssueCounts::of(issues);
    info!(stage, rows_in, rows_out, issues = issues.len(), errors = counts.error, warnings = counts.warning, bytes, elapsed_ms = elapsed_ms as u64, "stage finished");
    manifest.stages.push(StageEntry { stage: stage.to_string(), elapsed_ms, rows_in, rows_out, issues: issues.len() });
}

fn issue_summary(issues: &[Issue]) -> IssueSummary {
    let mut by_code = BTreeMap::new();
    for i in issues {
        *by_code.entry(i.code.to_string()).or_insert(0) += 1;
    }
    IssueSummary { total: issues.len(), by_severity: IssueCounts::of(issues), by_code }
}

/// SHA-256 over everything that decides a run's output. The pseudonymisation key enters only as
/// a keyed fingerprint, so a new key means a new run without the key being recorded anywhere.
fn run_key(cfg: &RunConfig, files: &[InputFile]) -> String {
    let mut h = Sha256::new();
    let key_fingerprint = match &cfg.privacy {
        Privacy::Pseudonymised(p) => p.pseudonym("csc run key"),
        Privacy::Identifiable => "identifiable".to_string(),
    };
    for part in [crate::code_version().as_str(), cfg.pipeline_text.as_str(), cfg.la_code.as_str(), &cfg.as_at.to_string(), &cfg.measures.join(","), &key_fingerprint] {
        h.update(part.as_bytes());
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

/// The manifest of the run whose tables are published (`_runs/published.json`), if any.
async fn published_manifest(warehouse: &Location) -> Option<serde_json::Value> {
    let bytes = warehouse.get(&warehouse.child("_runs/published.json")).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The as-at date of the tables published at a warehouse's root, if any.
async fn published_as_at(warehouse: &Location) -> Option<String> {
    published_manifest(warehouse).await?["as_at"].as_str().map(str::to_string)
}

/// The id of the run whose tables are published, when its run key is `key`.
async fn last_success_with_key(warehouse: &Location, key: &str) -> Option<String> {
    let published = published_manifest(warehouse).await?;
    (published["run_key"] == key).then(|| published["run_id"].as_str().unwrap_or_default().to_string())
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
