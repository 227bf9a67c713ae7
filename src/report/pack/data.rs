//! Reading what a pack shows from the *published* warehouse: the table versions that
//! `_runs/published.json` names, never a later run's that has not published (or failed). A pack
//! is made from published tables only, so the pack, the Annex A workbook and Power BI agree.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};

use crate::normalise::cells::from_date32;
use crate::report::published::read_table_at;
use crate::storage::Location;
use crate::{Error, Result};

/// A measure as `marts/dim_measure` describes it.
#[derive(Debug, Clone, Default)]
pub struct MeasureInfo {
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub good: String,
    pub source_sql: String,
    pub source_tables: Vec<String>,
    /// `flow` or `snapshot`.
    pub basis: String,
}

/// One row of `marts/fact_measure`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub period_end: NaiveDate,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub value: Option<f64>,
    pub no_data_reason: Option<String>,
}

/// One year of a measure's comparators (`marts/benchmarks`).
#[derive(Debug, Clone, Default)]
pub struct Benchmark {
    pub financial_year: String,
    pub sn_mean: Option<f64>,
    pub region_value: Option<f64>,
    pub england_value: Option<f64>,
    pub national_rank: Option<i64>,
    pub national_ranked: Option<i64>,
    pub national_quartile: Option<i64>,
    pub region_name: Option<String>,
}

/// A measure's target and RAG in one period (`marts/measure_rag`).
#[derive(Debug, Clone)]
pub struct Rated {
    pub target: f64,
    pub rag: Option<String>,
}

/// A published run's data-quality totals, for the trend.
#[derive(Debug, Clone)]
pub struct RunPoint {
    pub run_id: String,
    pub as_at: String,
    pub finished_at: String,
    pub errors: u64,
    pub warnings: u64,
    pub total: u64,
}

/// Key of a fact or RAG row: (measure id, period type, period start), or the period end for
/// year to date (`ytd`), whose periods all start on 1 April ([`key_date`]).
pub type PeriodKey = (String, String, NaiveDate);

/// The date of a period's [`PeriodKey`]: its start, or its end for year to date.
pub fn key_date(period_type: &str, start: NaiveDate, end: NaiveDate) -> NaiveDate {
    if period_type == "ytd" {
        end
    } else {
        start
    }
}

/// Everything a pack shows, read from one published run.
#[derive(Debug, Default)]
pub struct PackData {
    pub la_code: String,
    pub la_name: String,
    pub as_at: NaiveDate,
    pub run_id: String,
    pub finished_at: String,
    pub measures: BTreeMap<String, MeasureInfo>,
    pub facts: HashMap<PeriodKey, Fact>,
    pub benchmarks: HashMap<String, Vec<Benchmark>>,
    pub rag: HashMap<PeriodKey, Rated>,
    /// Rows each core table received (`tables` of the manifest).
    pub table_rows: BTreeMap<String, u64>,
    /// The analyst issues table (`quality/issues`): no cell values, pseudonymised.
    pub issues: Option<RecordBatch>,
    /// Published runs, oldest first (the last is this one).
    pub runs: Vec<RunPoint>,
    /// Measures that moved sharply since the run before (`moved_sharply` of the manifest).
    pub moved: Vec<crate::report::movement::Move>,
    /// The Annex A lists as at the as-at date (restricted; the pack shows aggregates only).
    pub lists: Vec<(String, RecordBatch)>,
}

/// Reads the warehouse's published run. With `as_at`, the ad hoc rerun as at that date
/// (`reruns/as_at=DATE/`) when the nightly tables are as at another date.
pub async fn read(root: &Location, as_at: Option<NaiveDate>) -> Result<(Location, PackData)> {
    let warehouse = match as_at {
        Some(d) => {
            let nightly = crate::publish::vacuum::published_manifest(root).await?;
            if nightly.as_ref().is_some_and(|m| m.as_at == d.to_string()) {
                root.clone()
            } else {
                root.sub(&crate::run::rerun_folder(d))
            }
        }
        None => root.clone(),
    };
    let manifest = crate::publish::vacuum::published_manifest(&warehouse).await?.ok_or_else(|| {
        Error::Environment(format!(
            "{} has no published run (_runs/published.json): run `csc run` first{}",
            warehouse.display,
            as_at.map(|d| format!(", with --as-at {d}")).unwrap_or_default()
        ))
    })?;
    let as_at = NaiveDate::parse_from_str(&manifest.as_at, "%Y-%m-%d")
        .map_err(|_| Error::Environment(format!("{}: _runs/published.json has no valid as_at", warehouse.display)))?;
    let versions = manifest.delta_versions.clone();
    let table = |dir: &'static str| {
        let warehouse = &warehouse;
        let version = versions.get(dir).copied();
        async move { read_table_at(warehouse, dir, version).await }
    };
    let mut data = PackData {
        la_code: manifest.la_code.clone(),
        la_name: manifest.la_name.clone(),
        as_at,
        run_id: manifest.run_id.clone(),
        finished_at: manifest.finished_at.clone(),
        ..PackData::default()
    };
    data.table_rows = manifest.tables.iter().map(|t| (t.name.clone(), t.rows_out as u64)).collect();
    data.moved = manifest.moved_sharply.clone();
    if let Some(b) = table("marts/dim_measure").await? {
        read_measures(&b, &mut data.measures)?;
    }
    if let Some(b) = table("marts/fact_measure").await? {
        read_facts(&b, &mut data.facts)?;
    }
    if let Some(b) = table("marts/benchmarks").await? {
        read_benchmarks(&b, &mut data.benchmarks)?;
    }
    if let Some(b) = table("marts/measure_rag").await? {
        read_rag(&b, &mut data.rag)?;
    }
    data.issues = table("quality/issues").await?;
    data.runs = run_history(&warehouse).await;
    for (name, _) in crate::model::annex_a::LISTS {
        let dir = format!("{}/annex_a/{name}", crate::run::RESTRICTED);
        let version = versions.get(&dir).copied();
        if let Some(b) = read_table_at(&warehouse, &format!("{dir}/as_at={as_at}"), version).await? {
            data.lists.push((name.to_string(), b));
        }
    }
    Ok((warehouse, data))
}

/// The last published runs' issue totals, oldest first, from their manifests.
async fn run_history(warehouse: &Location) -> Vec<RunPoint> {
    const RUNS: usize = 8;
    let Ok(listed) = warehouse.list("_runs").await else { return Vec::new() };
    let mut names: Vec<String> = listed
        .into_iter()
        .map(|m| warehouse.relative(&m.location))
        .filter(|p| p.ends_with(".json") && !p.ends_with("/published.json") && !p.ends_with("/latest.json"))
        .collect();
    names.sort();
    let mut points = Vec::new();
    for name in names.iter().rev() {
        let Ok(bytes) = warehouse.get(&warehouse.child(name)).await else { continue };
        // The chart of earlier runs skips a manifest it cannot read rather than fail the pack.
        let Ok(m) = serde_json::from_slice::<crate::manifest::Manifest>(&bytes) else { continue };
        if m.status != crate::manifest::RunStatus::Succeeded {
            continue;
        }
        let issues = &m.issues;
        points.push(RunPoint {
            errors: issues.by_severity.error as u64,
            warnings: issues.by_severity.warning as u64,
            total: issues.total as u64,
            run_id: m.run_id,
            as_at: m.as_at,
            finished_at: m.finished_at,
        });
        if points.len() == RUNS {
            break;
        }
    }
    points.reverse();
    points
}

/// A column of `batch` cast to `ty`; a missing column is an error naming the table.
fn column(batch: &RecordBatch, table: &str, name: &str, ty: &DataType) -> Result<datafusion::arrow::array::ArrayRef> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| Error::Environment(format!("published {table} has no column {name}: rerun `csc run` with this version of csc")))?;
    Ok(cast(col, ty)?)
}

fn opt_f64(a: &datafusion::arrow::array::ArrayRef, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.as_primitive::<Float64Type>().value(i))
}

fn opt_i64(a: &datafusion::arrow::array::ArrayRef, i: usize) -> Option<i64> {
    a.is_valid(i).then(|| a.as_primitive::<Int64Type>().value(i))
}

fn opt_text(a: &datafusion::arrow::array::ArrayRef, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.as_string::<i32>().value(i).to_string())
}

fn read_measures(b: &RecordBatch, out: &mut BTreeMap<String, MeasureInfo>) -> Result<()> {
    let t = |n: &str| column(b, "marts/dim_measure", n, &DataType::Utf8);
    let (id, name, def, unit, good, sql) =
        (t("measure_id")?, t("measure_name")?, t("definition")?, t("unit")?, t("good")?, t("source_sql")?);
    let tables = t("source_tables").ok();
    let basis = t("basis").ok();
    for i in 0..b.num_rows() {
        let s = |a: &datafusion::arrow::array::ArrayRef| opt_text(a, i).unwrap_or_default();
        let source_tables = tables
            .as_ref()
            .map(|a| s(a).split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let basis = basis.as_ref().map(s).unwrap_or_default();
        out.insert(
            s(&id),
            MeasureInfo { name: s(&name), definition: s(&def), unit: s(&unit), good: s(&good), source_sql: s(&sql), source_tables, basis },
        );
    }
    Ok(())
}

fn read_facts(b: &RecordBatch, out: &mut HashMap<PeriodKey, Fact>) -> Result<()> {
    let t = "marts/fact_measure";
    let (id, ty, start, end) = (
        column(b, t, "measure_id", &DataType::Utf8)?,
        column(b, t, "period_type", &DataType::Utf8)?,
        column(b, t, "period_start", &DataType::Date32)?,
        column(b, t, "period_end", &DataType::Date32)?,
    );
    let (num, den, value, reason) = (
        column(b, t, "numerator", &DataType::Int64)?,
        column(b, t, "denominator", &DataType::Int64)?,
        column(b, t, "value", &DataType::Float64)?,
        column(b, t, "no_data_reason", &DataType::Utf8)?,
    );
    for i in 0..b.num_rows() {
        let (kind, period_end) = (ty.as_string::<i32>().value(i), from_date32(end.as_primitive::<Date32Type>().value(i)));
        let key = (
            id.as_string::<i32>().value(i).to_string(),
            kind.to_string(),
            key_date(kind, from_date32(start.as_primitive::<Date32Type>().value(i)), period_end),
        );
        let fact = Fact {
            period_end,
            numerator: opt_i64(&num, i),
            denominator: opt_i64(&den, i),
            value: opt_f64(&value, i),
            no_data_reason: opt_text(&reason, i),
        };
        out.insert(key, fact);
    }
    Ok(())
}

fn read_benchmarks(b: &RecordBatch, out: &mut HashMap<String, Vec<Benchmark>>) -> Result<()> {
    let t = "marts/benchmarks";
    let f = |n: &str| column(b, t, n, &DataType::Float64);
    let i = |n: &str| column(b, t, n, &DataType::Int64);
    let s = |n: &str| column(b, t, n, &DataType::Utf8);
    let (id, year, sn, region, england, region_name) =
        (s("measure_id")?, s("financial_year")?, f("sn_mean")?, f("region_value")?, f("england_value")?, s("region_name")?);
    let (rank, ranked, quartile) = (i("national_rank")?, i("national_ranked")?, i("national_quartile")?);
    for r in 0..b.num_rows() {
        let bench = Benchmark {
            financial_year: opt_text(&year, r).unwrap_or_default(),
            sn_mean: opt_f64(&sn, r),
            region_value: opt_f64(&region, r),
            england_value: opt_f64(&england, r),
            national_rank: opt_i64(&rank, r),
            national_ranked: opt_i64(&ranked, r),
            national_quartile: opt_i64(&quartile, r),
            region_name: opt_text(&region_name, r),
        };
        out.entry(opt_text(&id, r).unwrap_or_default()).or_default().push(bench);
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.financial_year.cmp(&b.financial_year));
    }
    Ok(())
}

fn read_rag(b: &RecordBatch, out: &mut HashMap<PeriodKey, Rated>) -> Result<()> {
    let t = "marts/measure_rag";
    let (id, ty, start, end) = (
        column(b, t, "measure_id", &DataType::Utf8)?,
        column(b, t, "period_type", &DataType::Utf8)?,
        column(b, t, "period_start", &DataType::Date32)?,
        column(b, t, "period_end", &DataType::Date32)?,
    );
    let (target, rag) = (column(b, t, "target", &DataType::Float64)?, column(b, t, "rag", &DataType::Utf8)?);
    for i in 0..b.num_rows() {
        let Some(target) = opt_f64(&target, i) else { continue };
        let kind = ty.as_string::<i32>().value(i);
        let key = (
            id.as_string::<i32>().value(i).to_string(),
            kind.to_string(),
            key_date(
                kind,
                from_date32(start.as_primitive::<Date32Type>().value(i)),
                from_date32(end.as_primitive::<Date32Type>().value(i)),
            ),
        );
        out.insert(key, Rated { target, rag: opt_text(&rag, i) });
    }
    Ok(())
}
