//! The four stages of a run, one function each, with typed inputs and outputs: [`extract`]
//! lists and hashes the input files, [`unchanged`] decides whether there is anything to do,
//! [`normalise`] types every cell into the core tables and stages them, [`model`] computes the
//! measures, lists and marts, and [`publish`] stages and commits them. Each records its figures in
//! the manifest; [`all`] runs them in order.

use std::collections::HashMap;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use tracing::{debug, info_span, warn, Instrument};

use super::{
    cpu_bound, issue_summary, key_check, last_success_with_key, marts_session, record_movement, run_key, stage_done, RunOptions, RESTRICTED,
};
use crate::config::{Privacy, RunConfig};
use crate::extract::{extract_with, InputFile};
use crate::lock::RunLock;
use crate::manifest::{InputEntry, Manifest, MeasureSummary, TableEntry};
use crate::model::action_lists::ActionList;
use crate::model::annex_a::{run_lists, AnnexAList};
use crate::model::{run_measures, session_on, ModelOutput, ModelParams};
use crate::pseudonymise::redact_issues;
use crate::publish::vacuum::{grace_runs, retained_runs};
use crate::publish::{commit, CommitInfo, ParquetFile, Staging};
use crate::quality::{issues_batch, Issue, IssueCounts, Severity};
use crate::reference::CodeLists;
use crate::schema::ssd_tables;
use crate::storage::Location;
use crate::{Error, Result};

/// What every stage reads: the run's configuration and options, the warehouse (or rerun folder)
/// it publishes to, the run published there now, read once, and the run lock.
pub(super) struct Run<'a> {
    pub cfg: &'a RunConfig,
    pub opts: &'a RunOptions,
    pub warehouse: &'a Location,
    pub published: Option<&'a Manifest>,
    pub lock: &'a RunLock,
}

/// How the stages ended.
pub(crate) enum Ended {
    /// Nothing changed since the published run: nothing was done.
    Skipped,
    /// Published; the fact table as published.
    Published(RecordBatch),
}

/// What the model stage computed, for the publish stage.
pub(super) struct Modelled {
    pub model: ModelOutput,
    pub breakdown: RecordBatch,
    pub lists: Vec<AnnexAList>,
    pub actions: Vec<ActionList>,
    pub marts: Vec<crate::marts::Mart>,
}

/// Runs the stages in order; issues gathered by each are published by the last.
pub(super) async fn all(run: &Run<'_>, manifest: &mut Manifest, started: chrono::DateTime<chrono::Utc>) -> Result<Ended> {
    let mut issues: Vec<Issue> = Vec::new();
    let files = extract(run, manifest, started, &mut issues).await?;
    if !run.opts.force && unchanged(run, manifest).await? {
        return Ok(Ended::Skipped);
    }
    let staging = normalise(run, files, manifest, &mut issues).await?;
    let modelled = model(run, &staging, manifest, &mut issues).await?;
    Ok(Ended::Published(publish(run, staging, modelled, manifest, &issues).await?))
}

/// Extract: lists, reads and hashes the input files and recognises each by its content; sets the
/// run key and id.
pub(super) async fn extract(
    run: &Run<'_>,
    manifest: &mut Manifest,
    started: chrono::DateTime<chrono::Utc>,
    issues: &mut Vec<Issue>,
) -> Result<Vec<InputFile>> {
    let cfg = run.cfg;
    let tables = ssd_tables();
    let t = Instant::now();
    let input = Location::open(&cfg.input, false, &cfg.storage)?;
    crate::normalise::vendor::use_mappings(cfg.mappings.clone());
    crate::pseudonymise::use_reader_key(match &cfg.privacy {
        Privacy::Pseudonymised(p) => Some(p),
        Privacy::Identifiable => None,
    });
    let files =
        extract_with(&input, tables, cfg.format, cfg.limits, issues).instrument(info_span!("extract", input = %input.display)).await?;
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
    stage_done(manifest, "extract", t, files.len(), files.iter().filter(|f| f.kind.is_some()).count(), issues, bytes);
    Ok(files)
}

/// Whether the run has nothing to do: the published run has the same run key and was made with
/// the same pseudonymisation key. Records why in the manifest, and how long the input has been
/// unchanged when that is long enough to alert.
pub(super) async fn unchanged(run: &Run<'_>, manifest: &mut Manifest) -> Result<bool> {
    if let Some((previous, live)) = last_success_with_key(run.warehouse, run.published, &manifest.run_key, &key_check(run.cfg)).await? {
        manifest.error = Some(format!("same run key as run {previous}: nothing to do"));
        manifest.input_unchanged_days = crate::quality::freshness::unchanged_days(live, chrono::Local::now().date_naive(), &run.cfg.gates);
        if let Some(days) = manifest.input_unchanged_days {
            warn!(days, "the input has not changed for {days} days: the export job may be stuck");
        }
        return Ok(true);
    }
    Ok(false)
}

/// Normalise: types every cell of every file into the core tables (issues for what cannot be
/// used), stops on a table that lost too many rows, and stages the core tables: identifiable under
/// `restricted/core/`, pseudonymised under `core/`. Under a memory limit the typed rows are
/// spilled a batch at a time (to the spill folder) and staged from there a batch at a time.
pub(super) async fn normalise(run: &Run<'_>, files: Vec<InputFile>, manifest: &mut Manifest, issues: &mut Vec<Issue>) -> Result<Staging> {
    let (cfg, warehouse) = (run.cfg, run.warehouse);
    let (tables, codes) = (ssd_tables(), CodeLists::builtin());
    let t = Instant::now();
    let before = issues.len();
    let spill = match cfg.session.memory_limit {
        Some(_) => Some(crate::normalise::Spill::new(cfg.session.spill_dir.as_deref())?),
        None => None,
    };
    let core = {
        let _span = info_span!("normalise").entered();
        let normalised = cpu_bound(|| crate::normalise::normalise_spilling(tables, &files, codes, issues, spill.as_ref()))?;
        let mut by_file: HashMap<&str, IssueCounts> = HashMap::new();
        for i in issues.iter() {
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
    if let Some(published) = run.published {
        let now: Vec<(String, usize)> = manifest.tables.iter().map(|t| (t.name.clone(), t.rows_out)).collect();
        let drops = crate::quality::freshness::row_drops(published, &now, &cfg.gates);
        if !drops.is_empty() {
            let list = drops.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ");
            if !run.opts.accept_drop {
                return Err(Error::Input(format!(
                    "{list} since the last published run: the export looks truncated, so nothing was published. Check the extract; if the drop is real, run again with --accept-drop"
                )));
            }
            warn!(tables = %list, "tables lost rows since the last published run; publishing anyway (--accept-drop)");
            for d in &drops {
                let rule = crate::quality::rule("table_rows_dropped").expect("catalogued");
                let message = format!("{} {d}.", rule.message);
                issues.push(
                    Issue::new(Severity::Warning, "normalise", "table_rows_dropped", message, crate::quality::Action::Kept).table(&d.table),
                );
            }
        }
    }
    // The identifiable core goes to the restricted area (the model reads it from there); analysts
    // get the pseudonymised copy in core/. Each table is freed once both copies are staged.
    let mut staging = Staging::begin(warehouse, &manifest.run_id).await?;
    for c in core {
        let (restricted, analysts) = cpu_bound(|| -> Result<_> {
            let (mut restricted, mut analysts) = (None, None);
            let mut write = |batch: RecordBatch| -> Result<()> {
                let pseudonymised = match &cfg.privacy {
                    Privacy::Pseudonymised(p) => p.table(&c.spec, &batch)?,
                    Privacy::Identifiable => batch.clone(),
                };
                for (file, batch) in [(&mut restricted, batch), (&mut analysts, pseudonymised)] {
                    if file.is_none() {
                        *file = Some(ParquetFile::new(batch.schema())?);
                    }
                    file.as_mut().expect("opened above").write(&batch)?;
                }
                Ok(())
            };
            let mut empty = true;
            for batch in c.rows.batches() {
                write(batch?)?;
                empty = false;
            }
            if empty {
                write(RecordBatch::new_empty(c.spec.arrow_schema()))?;
            }
            Ok((restricted.expect("written above"), analysts.expect("written above")))
        })?;
        staging.table_file(warehouse, &format!("{RESTRICTED}/core/{}", c.spec.name), restricted).await?;
        staging.table_file(warehouse, &format!("core/{}", c.spec.name), analysts).await?;
        crate::failpoint::hit("normalise.table");
    }
    drop(spill);
    stage_done(manifest, "normalise", t, rows_in, rows_out, &issues[before..], 0);
    Ok(staging)
}

/// Model: the measures, breakdowns, Annex A and action lists, plausibility and freshness checks
/// and the BI marts, over the staged core; records the headlines and sharp moves.
pub(super) async fn model(run: &Run<'_>, staging: &Staging, manifest: &mut Manifest, issues: &mut Vec<Issue>) -> Result<Modelled> {
    let (cfg, warehouse) = (run.cfg, run.warehouse);
    let tables = ssd_tables();
    let t = Instant::now();
    let rows_out: usize = manifest.tables.iter().map(|t| t.rows_out).sum();
    let before = issues.len();
    let params = ModelParams {
        la_code: cfg.la_code.clone(),
        la_name: cfg.la_name.clone(),
        as_at: cfg.as_at,
        history_years: cfg.history_years,
        settings: cfg.measure_settings.clone(),
        annex_a_worker_names: cfg.annex_a.worker_names,
        year_to_date: true,
    };
    // BI marts (issue 5): `marts` is built here, in the model's session, after the measures.
    let (model, breakdown, lists, actions, marts, blank_shares) = async {
        let step = Instant::now();
        let ctx = session_on(&cfg.session, warehouse, &staging.folder(&format!("{RESTRICTED}/core")), tables, &params).await?;
        // The shared views and breakdown events go to the (restricted) staging area, not memory.
        crate::model::scratch::use_folder(&ctx, warehouse, &staging.folder(&format!("{RESTRICTED}/work")));
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "model session ready");
        let step = Instant::now();
        let model = run_measures(&ctx, &params, &cfg.measures, issues).await?;
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
        let lists = run_lists(&ctx, issues).await?;
        // Issue 14: children overdue a visit, review, health check ... (restricted).
        let actions = crate::model::action_lists::run(&ctx, &cfg.action_lists, issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "Annex A lists built");
        let step = Instant::now();
        // Records that typed cleanly but cannot be right. Events after the as-at date are only
        // implausible on a nightly run: an as-at rerun ignores them by design.
        // A child in a CIN census return may have pre-birth work and no expected date of birth.
        let census = crate::extract::FileKind::CinCensus.describe();
        let census_files = manifest.inputs.iter().filter(|f| f.table.as_ref() == Some(&census)).map(|f| f.path.clone()).collect();
        let checks = crate::quality::plausibility::Checks { future_events: cfg.as_at >= chrono::Local::now().date_naive(), census_files };
        let flagged = crate::quality::plausibility::check(&ctx, &checks, issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, flagged, "plausibility and linkage rules checked");
        for table in crate::quality::freshness::stale_tables(&ctx, &cfg.gates, cfg.as_at, issues).await? {
            warn!(table = %table, "the table's newest record is older than [run] freshness_lag_days allows: the export may have stopped updating it");
        }
        let blank_shares = crate::quality::completeness::measure(&ctx, &checks.census_files).await?;
        let previous = run.published.map(|m| m.blank_shares.as_slice()).unwrap_or_default();
        crate::quality::completeness::check(&blank_shares, previous, &cfg.gates, issues);
        // Each issue on a child's record names the child and the team that must correct it.
        crate::quality::people::attach(&ctx, issues).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "data-quality rules done");
        let step = Instant::now();
        let marts = crate::marts::build(&marts_session(&ctx, tables, &params).await?, &model.fact, cfg.sn_model, &cfg.targets).await?;
        debug!(elapsed_ms = step.elapsed().as_millis() as u64, "marts built");
        Ok::<_, Error>((model, breakdown, lists, actions, marts, blank_shares))
    }
    .instrument(info_span!("model", as_at = %cfg.as_at))
    .await?;
    manifest.measures = MeasureSummary {
        measure_ids: cfg.measures.clone(),
        rows: model.fact.num_rows(),
        months: model.months,
        financial_years: model.financial_years,
    };
    manifest.blank_shares = blank_shares.clone();
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
    record_movement(manifest, &model.fact, run.published)?;
    Ok(Modelled { model, breakdown, lists, actions, marts })
}

/// Publish: stages the fact table, breakdowns, marts, lists and issues beside the core, then
/// commits every table; the manifest written after it makes the run the published one. Returns
/// the fact table as published.
pub(super) async fn publish(
    run: &Run<'_>,
    mut staging: Staging,
    modelled: Modelled,
    manifest: &mut Manifest,
    issues: &[Issue],
) -> Result<RecordBatch> {
    let (cfg, warehouse, lock) = (run.cfg, run.warehouse, run.lock);
    let Modelled { model, breakdown, lists, actions, marts } = modelled;
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
        // Key columns' blank shares, one partition per as-at date: the trend across runs. Only
        // this run's shares, so what a run publishes depends on its input alone (a recovered run
        // publishes what a clean run over the same input does).
        let completeness = crate::quality::completeness::batch(&manifest.blank_shares)?;
        staging.partition(warehouse, "quality/completeness", &completeness, "as_at", &cfg.as_at.to_string()).await?;
        staging.table(warehouse, &format!("{RESTRICTED}/quality/issues"), &issues_batch(&manifest.run_key, issues)?).await?;
        let analyst_issues = match &cfg.privacy {
            Privacy::Pseudonymised(p) => redact_issues(issues, p),
            Privacy::Identifiable => issues.to_vec(),
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
    manifest.retained_runs = retained_runs(&manifest.run_id, run.published, cfg.keep_runs);
    manifest.grace_runs = grace_runs(run.published, &manifest.retained_runs, chrono::Utc::now(), cfg.superseded_grace);
    manifest.issues = issue_summary(issues);
    stage_done(manifest, "publish", t, model.fact.num_rows(), manifest.outputs.len(), &[], 0);
    Ok(model.fact)
}
