//! The regional publish: a run of its own over the regional warehouse, with an LA's machinery
//! (run lock, recovery, staging, one Delta commit per table, the manifest switch, vacuum and
//! retention), publishing the stacked tables ([`super::stack`]) beside the comparison mart
//! ([`COMPARISON`]); and the hub summary's lines and exit status for it.

use std::collections::BTreeSet;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::prelude::{SessionConfig, SessionContext};
use sha2::{Digest, Sha256};
use tracing::{info, info_span, warn, Instrument};

use super::stack::{la_input, stacked, LaInput, TABLES};
use super::RegionalConfig;
use crate::config::RunConfig;
use crate::hub::LaOutcome;
use crate::lock::RunLock;
use crate::manifest::{InputEntry, Manifest, MeasureSummary, RunStatus, TableEntry};
use crate::marts::{MartSpec, Ty};
use crate::publish::vacuum::{grace_runs, published_manifest, recover, retained_runs};
use crate::publish::{commit, CommitInfo, Staging};
use crate::run::{finish, last_success_with_key, stage_done, Ended, ExitStatus, RunOptions, RunOutcome};
use crate::storage::Location;
use crate::{Error, Result};

/// The regional comparison mart.
pub const COMPARISON: MartSpec = MartSpec {
    name: "regional_comparison",
    about: "every hub LA's value of every measure and period beside the region's mean, median and standard deviation, with its rank and z-score",
    sql: Some(include_str!("../../sql/regional/regional_comparison.sql")),
    columns: &[
        ("measure_id", Ty::Text, "measure id"),
        ("period_type", Ty::Text, "period type"),
        ("period_start", Ty::Date, "first day"),
        ("period_end", Ty::Date, "last day"),
        ("period_key", Ty::Text, "as in fact_measure"),
        ("numerator", Ty::Int, "the LA's numerator"),
        ("denominator", Ty::Int, "the LA's denominator"),
        ("value", Ty::Float, "the LA's value, as in its fact_measure; null when it has no data"),
        ("no_data_reason", Ty::Text, "why there is no value, as in fact_measure"),
        ("suppressed", Ty::Bool, "numerator or denominator is 1-5: hide the value in anything shown outside the hub"),
        ("rank", Ty::Int, "rank of the LA's value among the hub's LAs with a value, 1 = lowest value (read with `good`); null without a value"),
        ("la_count", Ty::Int, "LAs with a value for the measure and period"),
        ("regional_mean", Ty::Float, "unweighted mean of those LAs' values"),
        ("regional_median", Ty::Float, "their median"),
        ("regional_sd", Ty::Float, "their population standard deviation"),
        ("z_score", Ty::Float, "(value - regional_mean) / regional_sd; null without a value or when regional_sd is 0"),
        ("good", Ty::Text, "direction of good, as in dim_measure"),
        ("la_code", Ty::Text, "DfE LA code (partition)"),
        ("financial_year", Ty::Text, "financial year the period ends in (partition)"),
    ],
};

/// How the regional pass ended: the LAs it stacked, those it left out and why, and its run.
#[derive(Debug)]
pub struct RegionalOutcome {
    pub warehouse: String,
    pub included: Vec<String>,
    /// LA code and why it is not in the regional warehouse.
    pub left_out: Vec<(String, String)>,
    pub outcome: Result<RunOutcome>,
}

/// Stacks the published analyst tables of every LA in `las` whose run did not fail and publishes
/// them to the regional warehouse, holding its lock. Each LA's failure, or missing published run,
/// leaves that LA out; the regional run fails when no LA is left.
pub async fn publish(cfg: &RegionalConfig, las: &[LaOutcome], opts: &RunOptions) -> RegionalOutcome {
    let mut inputs = Vec::new();
    let mut left_out = Vec::new();
    for r in las {
        match (&r.outcome, &r.config) {
            (Ok(_), Some(c)) => match la_input(&r.la_code, c).await {
                Ok(input) => inputs.push(input),
                Err(why) => left_out.push((r.la_code.clone(), why)),
            },
            _ => left_out.push((r.la_code.clone(), "its run failed".into())),
        }
    }
    // In code order, whatever order the hub ran them in: the same LAs make the same run key.
    inputs.sort_by(|a, b| a.la_code.cmp(&b.la_code));
    left_out.sort();
    for (la, why) in &left_out {
        warn!(la = %la, "left out of the regional warehouse: {why}");
    }
    let included = inputs.iter().map(|i| i.la_code.clone()).collect();
    // The hub's pipeline file is every LA's: its storage and retention settings are the region's.
    let settings = las.iter().find_map(|r| r.config.as_ref());
    let outcome = match settings {
        Some(settings) if !inputs.is_empty() => run(cfg, settings, &inputs, opts).instrument(info_span!("regional")).await,
        _ => Err(Error::Input("no local authority has a published run to stack: the regional warehouse is left as it was".into())),
    };
    RegionalOutcome { warehouse: cfg.warehouse.clone(), included, left_out, outcome }
}

/// The regional run, as [`crate::run::run`] is an LA's: lock, stages, manifest, release.
async fn run(cfg: &RegionalConfig, settings: &RunConfig, inputs: &[LaInput], opts: &RunOptions) -> Result<RunOutcome> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let as_at: BTreeSet<&str> = inputs.iter().map(|i| i.published.as_at.as_str()).collect();
    let mut manifest = Manifest {
        started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        code_version: crate::code_version(),
        la_code: inputs.iter().map(|i| i.la_code.as_str()).collect::<Vec<_>>().join(","),
        la_name: format!("regional warehouse of {} local authorities", inputs.len()),
        as_at: as_at.into_iter().collect::<Vec<_>>().join(","),
        input_location: "the LAs' published analyst tables".into(),
        input_format: "warehouse".into(),
        analyst_tables: "pseudonymised (regional key)".into(),
        warehouse: cfg.warehouse.clone(),
        run_id: format!("{}-pending", started.format("%Y%m%dT%H%M%SZ")),
        ..Manifest::default()
    };
    let warehouse = Location::open(&cfg.warehouse, true, &settings.storage)?;
    manifest.warehouse = warehouse.display.clone();
    let lock = RunLock::acquire(&warehouse, opts.wait_for_lock).await?;
    let key_check = cfg.pseudonymiser.key_check().to_string();
    let work = stages(cfg, settings, inputs, opts, &warehouse, &mut manifest, started, &lock, &key_check);
    let result = match futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work)).await {
        Ok(result) => result,
        Err(panic) => Err(Error::Internal(crate::run::panic_message(&panic))),
    };
    manifest.finished_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    manifest.elapsed_ms = clock.elapsed().as_millis();
    let outcome = finish(result, manifest, &warehouse, key_check).await;
    if let Err(e) = lock.release().await {
        warn!(error = %e, "could not release the regional warehouse's run lock; the next run will take it over");
    }
    outcome
}

/// Undoes a regional run that died, skips when the LAs' published runs are those already
/// stacked, else stacks, compares, stages and commits.
#[allow(clippy::too_many_arguments)]
async fn stages(
    cfg: &RegionalConfig,
    settings: &RunConfig,
    inputs: &[LaInput],
    opts: &RunOptions,
    warehouse: &Location,
    manifest: &mut Manifest,
    started: chrono::DateTime<chrono::Utc>,
    lock: &RunLock,
    key_check: &str,
) -> Result<Ended> {
    recover(warehouse).await?;
    let published = published_manifest(warehouse).await?;
    manifest.run_key = run_key(inputs);
    manifest.run_id = format!("{}-{}", started.format("%Y%m%dT%H%M%SZ"), &manifest.run_key[..8]);
    manifest.inputs = inputs
        .iter()
        .map(|i| InputEntry {
            path: format!("{}/_runs/published.json", i.warehouse.display),
            size_bytes: i.size,
            sha256: i.sha256.clone(),
            table: Some(format!("published run {} of LA {}", i.published.run_id, i.la_code)),
            rows: i.published.measures.rows,
            ..Default::default()
        })
        .collect();
    if !opts.force {
        if let Some((previous, _)) = last_success_with_key(warehouse, published.as_ref(), &manifest.run_key, key_check).await? {
            manifest.error = Some(format!("same run key as run {previous}: nothing to do"));
            return Ok(Ended::Skipped);
        }
    }
    let t = Instant::now();
    let mut tables: Vec<(&str, &[&str], RecordBatch)> = Vec::new();
    for (dir, partition_by) in TABLES {
        tables.push((dir, partition_by, stacked(cfg, inputs, dir).await?));
    }
    let fact = tables[0].2.clone();
    let comparison = comparison(&fact).await?;
    let mut staging = Staging::begin(warehouse, &manifest.run_id).await?;
    for (dir, partition_by, batch) in &tables {
        staging.partitioned_by(warehouse, dir, batch, partition_by).await?;
    }
    staging.partitioned_by(warehouse, &format!("marts/{}", COMPARISON.name), &comparison, &["la_code", "financial_year"]).await?;
    let info = CommitInfo { run_id: manifest.run_id.clone(), run_key: manifest.run_key.clone(), as_at: manifest.as_at.clone() };
    // A run whose lease ran out (another run took the warehouse over) must not publish.
    lock.ensure_held()?;
    manifest.delta_versions = commit(warehouse, &staging, &info).await?;
    manifest.outputs = staging.files();
    manifest.tables = tables
        .iter()
        .map(|(dir, _, b)| (dir.to_string(), b.num_rows()))
        .chain([(format!("marts/{}", COMPARISON.name), comparison.num_rows())])
        .map(|(name, rows)| TableEntry { name, rows_in: rows, rows_out: rows, rows_rejected: 0 })
        .collect();
    manifest.measures = MeasureSummary { rows: fact.num_rows(), ..Default::default() };
    manifest.retained_runs = retained_runs(&manifest.run_id, published.as_ref(), settings.keep_runs);
    manifest.grace_runs = grace_runs(published.as_ref(), &manifest.retained_runs, chrono::Utc::now(), settings.superseded_grace);
    let rows_in: usize = inputs.iter().map(|i| i.published.measures.rows).sum();
    stage_done(manifest, "regional", t, rows_in, manifest.outputs.len(), &[], 0);
    info!(local_authorities = inputs.len(), fact_rows = fact.num_rows(), "regional warehouse staged and committed");
    Ok(Ended::Published(fact))
}

/// SHA-256 over what decides the regional tables: the code version and, per LA, its published
/// run and the versions of the tables stacked. (The regional key is not in it, for the reason
/// an LA's key is not: a changed key is noticed through the key check in `restricted/`.)
fn run_key(inputs: &[LaInput]) -> String {
    let mut h = Sha256::new();
    for part in [crate::code_version().as_str(), "regional"] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for i in inputs {
        for part in [i.la_code.as_str(), &i.published.run_id, &i.published.run_key] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for (dir, _) in TABLES {
            h.update(format!("{dir}={}", i.published.delta_versions[dir]).as_bytes());
            h.update([0]);
        }
    }
    hex::encode(h.finalize())
}

/// The comparison mart over the stacked fact table, in one partition so that its averages sum
/// in the same order every run.
pub async fn comparison(fact: &RecordBatch) -> Result<RecordBatch> {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    ctx.register_batch("regional_fact", fact.clone())?;
    ctx.register_batch("dim_measure", crate::marts::dim_measure::dim_measure_batch()?)?;
    let file = "sql/regional/regional_comparison.sql";
    let (_, batches) = crate::model::query_with_schema(&ctx, (file, COMPARISON.sql.unwrap_or_default())).await?;
    let schema = COMPARISON.schema();
    let out = batches
        .iter()
        .map(|b| crate::model::conform(b, &schema).map_err(|m| Error::Internal(format!("{file}: {m}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(concat_batches(&schema, &out)?)
}

/// The regional pass's lines of the hub summary: the LAs left out and why, then how it ended.
pub fn summary(out: &mut impl std::io::Write, r: &RegionalOutcome) -> std::io::Result<()> {
    for (la, why) in &r.left_out {
        writeln!(out, "regional warehouse: {la} left out: {why}")?;
    }
    match &r.outcome {
        Ok(o) => writeln!(
            out,
            "regional warehouse: {}, {} local authorities ({}), {} measure rows, {}",
            o.manifest.status,
            r.included.len(),
            r.included.join(","),
            o.manifest.measures.rows,
            o.warehouse
        ),
        Err(e) => writeln!(out, "regional warehouse: failed, nothing new published to {}: {e}", r.warehouse),
    }
}

/// The hub's exit status with its regional pass: failed when the regional pass failed (nothing
/// new published there); published when it published while every LA was unchanged; else the
/// LAs' status (`las`, [`crate::hub::exit_status`]).
pub fn exit_status(las: ExitStatus, r: &RegionalOutcome) -> ExitStatus {
    match &r.outcome {
        Err(_) => ExitStatus::Failed,
        Ok(o) if o.manifest.status == RunStatus::Succeeded && matches!(las, ExitStatus::Unchanged | ExitStatus::Stuck) => {
            ExitStatus::Published
        }
        Ok(_) => las,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};

    /// Three LAs' values 10, 20 and 60 of one measure and period, and one LA without a value:
    /// mean 30, median 20, population sd sqrt(((10-30)² + (20-30)² + (60-30)²) / 3) = sqrt(1400/3)
    /// = 21.602..., so z = -20/21.602 = -0.9258 for the first LA; ranks 1, 2, 3 from the lowest.
    #[tokio::test]
    async fn the_comparison_has_hand_worked_answers() {
        let schema = crate::model::fact_schema();
        let n = 4;
        let text = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let date = Arc::new(datafusion::arrow::array::Date32Array::from(vec![19448; n])) as ArrayRef;
        let end = Arc::new(datafusion::arrow::array::Date32Array::from(vec![19812; n])) as ArrayRef;
        let fact = RecordBatch::try_new(
            schema,
            vec![
                text(&["rereferral_12m_pct"; 4]),
                text(&["financial_year"; 4]),
                date,
                end,
                text(&["330", "852", "921", "851"]),
                Arc::new(Int64Array::from(vec![Some(3), Some(40), Some(120), None])),
                Arc::new(Int64Array::from(vec![Some(30), Some(200), Some(200), None])),
                Arc::new(Float64Array::from(vec![Some(10.0), Some(20.0), Some(60.0), None])),
                Arc::new(StringArray::from(vec![None, None, None, Some("source_table_missing")])),
                text(&["financial_year:2023-04-01"; 4]),
                text(&["2023-24"; 4]),
            ],
        )
        .unwrap();
        let out = comparison(&fact).await.unwrap();
        assert_eq!(out.num_rows(), 4);
        let col = |name: &str| out.column_by_name(name).unwrap().clone();
        let codes: Vec<String> = (0..4).map(|i| col("la_code").as_string::<i32>().value(i).to_string()).collect();
        assert_eq!(codes, ["330", "851", "852", "921"], "ordered by LA within the measure and period");
        let f = |name: &str, i: usize| {
            let c = col(name);
            let c = c.as_any().downcast_ref::<Float64Array>().unwrap();
            c.is_valid(i).then(|| c.value(i))
        };
        let int = |name: &str, i: usize| {
            let c = col(name);
            let c = c.as_any().downcast_ref::<Int64Array>().unwrap();
            c.is_valid(i).then(|| c.value(i))
        };
        let sd = (1400.0f64 / 3.0).sqrt();
        assert_eq!((f("regional_mean", 0), f("regional_median", 0)), (Some(30.0), Some(20.0)));
        assert!((f("regional_sd", 0).unwrap() - sd).abs() < 1e-9);
        assert!((f("z_score", 0).unwrap() - (-20.0 / sd)).abs() < 1e-9);
        assert!((f("z_score", 3).unwrap() - (30.0 / sd)).abs() < 1e-9);
        assert_eq!([int("rank", 0), int("rank", 1), int("rank", 2), int("rank", 3)], [Some(1), None, Some(2), Some(3)]);
        assert_eq!(int("la_count", 1), Some(3));
        assert_eq!((f("value", 1), f("z_score", 1)), (None, None), "no data: no value, rank or z-score");
        let suppressed = col("suppressed");
        let suppressed = suppressed.as_boolean();
        assert_eq!((0..4).map(|i| suppressed.value(i)).collect::<Vec<_>>(), [true, false, false, false], "a numerator of 3 is suppressed");
        assert_eq!(col("good").as_string::<i32>().value(0), "low");
    }
}
