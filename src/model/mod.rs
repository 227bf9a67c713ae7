//! Model: runs the measure SQL in `sql/` with DataFusion over the core tables the normalise stage
//! wrote, for every month and financial year the data covers, and assembles the long fact table.
//!
//! Tables the SQL can use: the core tables (`person`, `contact`, `referral`, ...), `params`
//! (one row: `la_code`, `la_name`, `as_at`, `history_start`), `dim_period` (one row per period),
//! `day_period` (each day up to the as-at date → the periods containing it, for flow measures),
//! `ref_population` and `period_population`, and `m_<measure_id>` for measures declared with
//! `-- depends:`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use datafusion::arrow::array::{Array, ArrayRef, BooleanBuilder, Date32Array, Date32Builder, Int32Builder, RecordBatch, StringBuilder};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::{StreamExt, TryStreamExt};

use crate::calendar::{financial_year_label, financial_year_start};
use crate::normalise::cells::{date32, from_date32};
use crate::quality::{Action, Issue, Severity};
use crate::schema::TableSpec;
use crate::storage::Location;
use crate::{Error, Result};

pub mod annex_a;
pub mod engine;
pub mod udf;

pub use engine::{Engine, SessionOptions};

const STAGE: &str = "model";

/// Internal queries of the model stage.
const DATA_COVERAGE_SQL: (&str, &str) = ("sql/model/data_coverage.sql", include_str!("../../sql/model/data_coverage.sql"));
const PERIOD_POPULATION_SQL: (&str, &str) = ("sql/model/period_population.sql", include_str!("../../sql/model/period_population.sql"));
const POPULATION_GAPS_SQL: (&str, &str) = ("sql/model/population_gaps.sql", include_str!("../../sql/model/population_gaps.sql"));
const FACT_MEASURE_SQL: (&str, &str) = ("sql/model/fact_measure.sql", include_str!("../../sql/model/fact_measure.sql"));

/// Views over the core tables that several measures share (`sql/views/<name>.sql`), registered
/// in this order before the measures run.
pub const VIEWS: &[(&str, &str)] = &[
    ("referral_rereferral", include_str!("../../sql/views/referral_rereferral.sql")),
    ("assessment_duration", include_str!("../../sql/views/assessment_duration.sql")),
    ("icpc_timeliness", include_str!("../../sql/views/icpc_timeliness.sql")),
    ("cla_episode_in_care", include_str!("../../sql/views/cla_episode_in_care.sql")),
    ("cla_spell_start", include_str!("../../sql/views/cla_spell_start.sql")),
    ("annex_a_person", include_str!("../../sql/views/annex_a_person.sql")),
];

/// Every measure: its id and SQL (one file each in `sql/measures/`, named by the id). A file
/// whose header says `-- emits:` produces several measure ids (the bands of a distribution).
pub const MEASURES: &[(&str, &str)] = &[
    ("contacts", include_str!("../../sql/measures/contacts.sql")),
    ("referrals", include_str!("../../sql/measures/referrals.sql")),
    ("referral_rate_per_10k", include_str!("../../sql/measures/referral_rate_per_10k.sql")),
    ("s47_enquiries", include_str!("../../sql/measures/s47_enquiries.sql")),
    ("s47_rate_per_10k", include_str!("../../sql/measures/s47_rate_per_10k.sql")),
    ("cpp_at_date", include_str!("../../sql/measures/cpp_at_date.sql")),
    ("contact_referral_conversion_pct", include_str!("../../sql/measures/contact_referral_conversion_pct.sql")),
    ("rereferral_12m_pct", include_str!("../../sql/measures/rereferral_12m_pct.sql")),
    ("rereferral_12m_child_pct", include_str!("../../sql/measures/rereferral_12m_child_pct.sql")),
    ("referral_nfa_pct", include_str!("../../sql/measures/referral_nfa_pct.sql")),
    ("assessments_completed", include_str!("../../sql/measures/assessments_completed.sql")),
    ("assessments_rate_per_10k", include_str!("../../sql/measures/assessments_rate_per_10k.sql")),
    ("assessments_within_45wd_pct", include_str!("../../sql/measures/assessments_within_45wd_pct.sql")),
    ("assessment_duration_bands", include_str!("../../sql/measures/assessment_duration_bands.sql")),
    ("assessments_median_wd", include_str!("../../sql/measures/assessments_median_wd.sql")),
    ("icpcs", include_str!("../../sql/measures/icpcs.sql")),
    ("icpc_rate_per_10k", include_str!("../../sql/measures/icpc_rate_per_10k.sql")),
    ("s47_to_icpc_pct", include_str!("../../sql/measures/s47_to_icpc_pct.sql")),
    ("icpc_within_15wd_pct", include_str!("../../sql/measures/icpc_within_15wd_pct.sql")),
    ("icpc_duration_bands", include_str!("../../sql/measures/icpc_duration_bands.sql")),
    ("cin_at_date", include_str!("../../sql/measures/cin_at_date.sql")),
    ("cin_rate_per_10k", include_str!("../../sql/measures/cin_rate_per_10k.sql")),
    ("cin_plans_open_duration_pct", include_str!("../../sql/measures/cin_plans_open_duration_pct.sql")),
    ("cpp_rate_per_10k", include_str!("../../sql/measures/cpp_rate_per_10k.sql")),
    ("cpp_duration_bands", include_str!("../../sql/measures/cpp_duration_bands.sql")),
    ("cpp_ended_2y_plus_pct", include_str!("../../sql/measures/cpp_ended_2y_plus_pct.sql")),
    ("cpp_second_or_subsequent_pct", include_str!("../../sql/measures/cpp_second_or_subsequent_pct.sql")),
    ("cla_at_date", include_str!("../../sql/measures/cla_at_date.sql")),
    ("cla_rate_per_10k", include_str!("../../sql/measures/cla_rate_per_10k.sql")),
    ("cla_started", include_str!("../../sql/measures/cla_started.sql")),
    ("cla_ceased", include_str!("../../sql/measures/cla_ceased.sql")),
    ("cla_3plus_placements_pct", include_str!("../../sql/measures/cla_3plus_placements_pct.sql")),
    ("cp_visits_within_wd_pct", include_str!("../../sql/measures/cp_visits_within_wd_pct.sql")),
    ("cp_reviews_on_time_pct", include_str!("../../sql/measures/cp_reviews_on_time_pct.sql")),
    ("cla_missing_pct", include_str!("../../sql/measures/cla_missing_pct.sql")),
    ("cin_plan_visits_within_4w_pct", include_str!("../../sql/measures/cin_plan_visits_within_4w_pct.sql")),
    ("cla_visits_within_timescale_pct", include_str!("../../sql/measures/cla_visits_within_timescale_pct.sql")),
    ("cla_reviews_on_time_pct", include_str!("../../sql/measures/cla_reviews_on_time_pct.sql")),
    ("cla_iha_within_20wd_pct", include_str!("../../sql/measures/cla_iha_within_20wd_pct.sql")),
    ("cla_oc2_health_checks_pct", include_str!("../../sql/measures/cla_oc2_health_checks_pct.sql")),
    ("cla_long_term_stability_pct", include_str!("../../sql/measures/cla_long_term_stability_pct.sql")),
    ("care_leavers_outcomes_pct", include_str!("../../sql/measures/care_leavers_outcomes_pct.sql")),
    ("adoption_timeliness_days", include_str!("../../sql/measures/adoption_timeliness_days.sql")),
    ("caseload_at_date", include_str!("../../sql/measures/caseload_at_date.sql")),
];

/// What the model stage needs to know about the run.
#[derive(Debug, Clone)]
pub struct ModelParams {
    pub la_code: String,
    pub la_name: String,
    pub as_at: NaiveDate,
    pub history_years: u32,
}

/// The model stage's result.
#[derive(Debug)]
pub struct ModelOutput {
    /// The long fact table, one row per measure and period.
    pub fact: RecordBatch,
    /// Number of periods of each type.
    pub months: usize,
    pub financial_years: usize,
}

/// Schema of the published fact table (before partitioning by `financial_year`).
pub fn fact_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("measure_id", DataType::Utf8, false),
        Field::new("period_type", DataType::Utf8, false),
        Field::new("period_start", DataType::Date32, false),
        Field::new("period_end", DataType::Date32, false),
        Field::new("la_code", DataType::Utf8, false),
        Field::new("numerator", DataType::Int64, true),
        Field::new("denominator", DataType::Int64, true),
        Field::new("value", DataType::Float64, true),
        Field::new("period_key", DataType::Utf8, false),
        Field::new("financial_year", DataType::Utf8, false),
    ]))
}

/// A new in-process DataFusion session with the core tables (read back from the Parquet the
/// normalise stage wrote under `core_root`) and the reference tables registered.
pub async fn session(core: &Location, core_root: &str, tables: &[TableSpec], p: &ModelParams) -> Result<SessionContext> {
    session_on(&SessionOptions::default(), core, core_root, tables, p).await
}

/// As [`session`], on the engine and with the memory limit `opts` chooses.
pub async fn session_on(opts: &SessionOptions, core: &Location, core_root: &str, tables: &[TableSpec], p: &ModelParams) -> Result<SessionContext> {
    let ctx = engine::context(opts).await?;
    ctx.register_object_store(&core.root_url, core.store.clone());
    for spec in tables {
        let url = core.folder_url(&format!("{core_root}/{}", spec.name));
        ctx.register_parquet(&spec.name, &url, ParquetReadOptions::default()).await?;
    }
    register_reference(&ctx, p)?;
    Ok(ctx)
}

/// A session whose core tables are empty in-memory tables, for building small known-answer
/// cases with `INSERT INTO` (tests, and checking SQL without a warehouse).
pub fn memory_session(tables: &[TableSpec], p: &ModelParams) -> Result<SessionContext> {
    memory_session_with(SessionConfig::new(), tables, p)
}

/// [`memory_session`] with a session configuration of the caller's.
pub fn memory_session_with(config: SessionConfig, tables: &[TableSpec], p: &ModelParams) -> Result<SessionContext> {
    let ctx = SessionContext::new_with_config(config);
    for spec in tables {
        ctx.register_table(&spec.name, Arc::new(MemTable::try_new(spec.arrow_schema(), vec![vec![]])?))?;
    }
    register_reference(&ctx, p)?;
    Ok(ctx)
}

/// Registers the reference tables, the run parameters and the Rust functions.
fn register_reference(ctx: &SessionContext, p: &ModelParams) -> Result<()> {
    let population = crate::reference::population_batch()?;
    udf::register(ctx, &population);
    ctx.register_batch("ref_population", population)?;
    ctx.register_batch("ref_annex_a_value", crate::reference::annex_a_values_batch()?)?;
    ctx.register_batch("params", params_batch(p)?)?;
    Ok(())
}

/// Runs the measures named in `measures` (and the measures they depend on).
pub async fn run_measures(ctx: &SessionContext, p: &ModelParams, measures: &[String], issues: &mut Vec<Issue>) -> Result<ModelOutput> {
    let first = query(ctx, DATA_COVERAGE_SQL).await?;
    let first_date = first
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<Date32Array>().filter(|a| a.len() > 0 && a.is_valid(0)).map(|a| from_date32(a.value(0))));
    let periods = Periods::new(first_date.unwrap_or(p.as_at), p.as_at);
    ctx.register_batch("dim_period", periods.dim_period()?)?;
    ctx.register_batch("day_period", periods.day_period()?)?;
    let view = ctx.sql(PERIOD_POPULATION_SQL.1).await.map_err(|source| Error::Sql { file: PERIOD_POPULATION_SQL.0.into(), source })?;
    ctx.register_table("period_population", view.into_view())?;
    record_population_gaps(ctx, &p.la_code, issues).await?;
    register_views(ctx).await?;

    let fact = fact_schema();
    let schema = Arc::new(Schema::new(fact.fields()[..8].iter().filter(|f| f.name() != "la_code").cloned().collect::<Vec<_>>()));
    let order = execution_order(measures)?;
    let bar = crate::progress::stage("model", order.len() as u64, "measure files");
    // Measures run in waves: each wave is every measure whose dependencies have run, and its
    // queries run concurrently, so one query's planning overlaps another's execution.
    let mut by_id: HashMap<&str, Vec<RecordBatch>> = HashMap::with_capacity(order.len());
    let mut pending = order.clone();
    while !pending.is_empty() {
        let (wave, rest): (Vec<&str>, Vec<&str>) = pending.iter().copied().partition(|id| depends(measure_sql(id)).iter().all(|d| by_id.contains_key(d)));
        let outputs: Vec<Vec<RecordBatch>> = futures::stream::iter(wave.iter().map(|&id| run_measure(ctx, id, &schema)))
            .buffered(CONCURRENT_QUERIES)
            .try_collect()
            .await?;
        for (&id, conformed) in wave.iter().zip(outputs) {
            let table = MemTable::try_new(schema.clone(), vec![conformed.clone()])?;
            ctx.register_table(format!("m_{id}"), Arc::new(table))?;
            by_id.insert(id, conformed);
            bar.inc();
        }
        pending = rest;
    }
    let mut results = Vec::new();
    for id in &order {
        if measures.iter().any(|m| m == id) {
            results.extend(by_id.remove(id).unwrap_or_default());
        }
    }
    bar.finish();
    let schema = results.first().map(|b| b.schema()).ok_or_else(|| Error::Config("no measures to run".into()))?;
    ctx.register_table("measure_results", Arc::new(MemTable::try_new(schema, vec![results])?))?;
    let rows = query(ctx, FACT_MEASURE_SQL).await?;
    let rows: Vec<RecordBatch> = rows.iter().map(|b| conform(b, &fact)).collect::<Result<_, String>>().map_err(|m| Error::Config(format!("{}: {m}", FACT_MEASURE_SQL.0)))?;
    Ok(ModelOutput { fact: concat_batches(&fact, &rows)?, months: periods.months.len(), financial_years: periods.years.len() })
}

/// Registers the shared views ([`VIEWS`]). In an in-process session each is computed once and
/// kept as an in-memory table with one part per partition, so the measures and Annex A lists
/// that share it (two to eight each) do not compute it again.
async fn register_views(ctx: &SessionContext) -> Result<()> {
    let materialise = engine::in_process(ctx);
    for (name, sql) in VIEWS {
        let file = format!("sql/views/{name}.sql");
        let view = ctx.sql(sql).await.map_err(|source| Error::Sql { file: file.clone(), source })?;
        if materialise {
            let schema: SchemaRef = Arc::new(view.schema().as_arrow().clone());
            let parts = view.collect_partitioned().await.map_err(|source| Error::Sql { file, source })?;
            ctx.register_table(*name, Arc::new(MemTable::try_new(schema, parts)?))?;
        } else {
            ctx.register_table(*name, view.into_view())?;
        }
    }
    Ok(())
}

async fn query(ctx: &SessionContext, file_sql: (&str, &str)) -> Result<Vec<RecordBatch>> {
    Ok(query_with_schema(ctx, file_sql).await?.1)
}

/// Plans and runs one SQL file, naming the file in any error, and logs its time at debug level
/// (`RUST_LOG=csc_pipeline::model=debug` shows where a run's model stage spends its time).
pub(crate) async fn query_with_schema(ctx: &SessionContext, (file, sql): (&str, &str)) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let started = std::time::Instant::now();
    let df = ctx.sql(sql).await.map_err(|source| Error::Sql { file: file.to_string(), source })?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let planned_ms = started.elapsed().as_millis() as u64;
    let batches = df.collect().await.map_err(|source| Error::Sql { file: file.to_string(), source })?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    tracing::debug!(file, planned_ms, elapsed_ms = started.elapsed().as_millis() as u64, rows, "query finished");
    Ok((schema, batches))
}

/// Periods whose population had to come from an earlier mid-year (not yet published) or is
/// missing altogether are recorded, so a rate never silently uses the wrong denominator.
async fn record_population_gaps(ctx: &SessionContext, la_code: &str, issues: &mut Vec<Issue>) -> Result<()> {
    for batch in query(ctx, POPULATION_GAPS_SQL).await? {
        let required = cast(batch.column(0), &DataType::Int64)?;
        let used = cast(batch.column(1), &DataType::Int64)?;
        let required = required.as_any().downcast_ref::<datafusion::arrow::array::Int64Array>().expect("cast to Int64");
        let used = used.as_any().downcast_ref::<datafusion::arrow::array::Int64Array>().expect("cast to Int64");
        for i in 0..batch.num_rows() {
            let issue = if used.is_null(i) {
                Issue::new(
                    Severity::Error,
                    STAGE,
                    "population_missing",
                    format!("no ONS mid-{} (or earlier) 0-17 population for LA {la_code}; rates for these periods are empty", required.value(i)),
                    Action::SetNull,
                )
            } else {
                Issue::new(
                    Severity::Warning,
                    STAGE,
                    "population_substituted",
                    format!("ONS mid-{} population not published; rates use mid-{} instead", required.value(i), used.value(i)),
                    Action::Substituted,
                )
            };
            issues.push(issue.table("ref_population"));
        }
    }
    Ok(())
}

/// Measure queries run at once within a wave.
pub(crate) const CONCURRENT_QUERIES: usize = 8;

/// The SQL of a known measure file.
fn measure_sql(id: &str) -> &'static str {
    MEASURES.iter().find(|(m, _)| *m == id).map(|(_, sql)| *sql).expect("execution_order only returns known measures")
}

/// Runs one measure file and conforms its rows to the measure-result schema.
async fn run_measure(ctx: &SessionContext, id: &str, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let file = format!("sql/measures/{id}.sql");
    let batches = query(ctx, (&file, measure_sql(id))).await?;
    batches.iter().map(|b| conform(b, schema).map_err(|m| Error::Config(format!("{file}: {m}")))).collect()
}

/// Orders the requested measures so that each runs after the measures it depends on
/// (`-- depends: a, b` in its SQL header). Unknown ids are an error.
pub fn execution_order(requested: &[String]) -> Result<Vec<&'static str>> {
    fn visit(id: &str, order: &mut Vec<&'static str>, visiting: &mut HashSet<String>) -> Result<()> {
        let Some((known, sql)) = MEASURES.iter().find(|(m, _)| *m == id) else {
            let all: Vec<&str> = MEASURES.iter().map(|(m, _)| *m).collect();
            return Err(Error::Config(format!("unknown measure {id:?}; known measures: {}", all.join(", "))));
        };
        if order.contains(known) {
            return Ok(());
        }
        if !visiting.insert(id.to_string()) {
            return Err(Error::Config(format!("measure {id} depends on itself")));
        }
        for dep in depends(sql) {
            visit(dep, order, visiting)?;
        }
        order.push(known);
        Ok(())
    }
    let mut order = Vec::new();
    let mut visiting = HashSet::new();
    for id in requested {
        visit(id, &mut order, &mut visiting)?;
    }
    Ok(order)
}

/// Measures named in a SQL file's `-- depends:` header lines.
fn depends(sql: &str) -> Vec<&str> {
    sql.lines()
        .filter_map(|l| l.trim().strip_prefix("-- depends:"))
        .flat_map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .collect()
}

/// Selects and casts a batch's columns, by name, to `schema`.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, String> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let col = batch.column_by_name(field.name()).ok_or_else(|| format!("result has no column {}", field.name()))?;
        arrays.push(cast(col, field.data_type()).map_err(|e| format!("column {}: {e}", field.name()))?);
    }
    RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())
}

fn params_batch(p: &ModelParams) -> Result<RecordBatch> {
    let history_start = p.as_at.checked_sub_months(Months::new(12 * p.history_years)).unwrap_or(p.as_at).with_day(1).unwrap_or(p.as_at);
    let schema = Arc::new(Schema::new(vec![
        Field::new("la_code", DataType::Utf8, false),
        Field::new("la_name", DataType::Utf8, false),
        Field::new("as_at", DataType::Date32, false),
        Field::new("history_start", DataType::Date32, false),
    ]));
    let s = |v: &str| Arc::new(datafusion::arrow::array::StringArray::from(vec![v.to_string()])) as ArrayRef;
    let d = |v: NaiveDate| Arc::new(Date32Array::from(vec![date32(v)])) as ArrayRef;
    Ok(RecordBatch::try_new(schema, vec![s(&p.la_code), s(&p.la_name), d(p.as_at), d(history_start)])?)
}

/// The reporting periods of a run: every calendar month and every financial year (1 April to
/// 31 March) from the first month of data to the as-at date. The period containing the as-at
/// date ends on the as-at date.
#[derive(Debug, Clone, PartialEq)]
pub struct Periods {
    pub as_at: NaiveDate,
    /// First day of each month.
    pub months: Vec<NaiveDate>,
    /// 1 April of each financial year.
    pub years: Vec<NaiveDate>,
    /// First day of the last month of each rolling 12-month period (only windows wholly
    /// inside the data, so a rolling value is never a part-year).
    pub rolling: Vec<NaiveDate>,
}

impl Periods {
    pub fn new(first: NaiveDate, as_at: NaiveDate) -> Periods {
        let first = first.min(as_at);
        let mut months = Vec::new();
        let mut m = first.with_day(1).expect("day 1 exists");
        while m <= as_at {
            months.push(m);
            m = m + Months::new(1);
        }
        let mut years = Vec::new();
        let mut y = financial_year_start(first);
        while y <= as_at {
            years.push(y);
            y = y + Months::new(12);
        }
        let rolling = months.iter().skip(11).copied().collect();
        Periods { as_at, months, years, rolling }
    }

    /// `(period_type, start, end, complete)` for every period; ends are capped at the as-at date.
    pub fn all(&self) -> Vec<(&'static str, NaiveDate, NaiveDate, bool)> {
        let span = |start: NaiveDate, months: u32| {
            let natural = start + Months::new(months) - chrono::Duration::days(1);
            (natural.min(self.as_at), natural <= self.as_at)
        };
        let mut out = Vec::new();
        for &m in &self.months {
            let (end, complete) = span(m, 1);
            out.push(("month", m, end, complete));
        }
        for &y in &self.years {
            let (end, complete) = span(y, 12);
            out.push(("financial_year", y, end, complete));
        }
        for &m in &self.rolling {
            let (end, complete) = span(m, 1);
            out.push(("rolling_12_months", m - Months::new(11), end, complete));
        }
        out
    }

    fn dim_period(&self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("period_type", DataType::Utf8, false),
            Field::new("period_start", DataType::Date32, false),
            Field::new("period_end", DataType::Date32, false),
            Field::new("financial_year", DataType::Utf8, false),
            Field::new("period_label", DataType::Utf8, false),
            Field::new("is_complete", DataType::Boolean, false),
            Field::new("population_year", DataType::Int32, false),
            Field::new("period_key", DataType::Utf8, false),
        ]));
        let (mut kind, mut start, mut end, mut fy, mut label, mut complete, mut pop_year, mut key) = (
            StringBuilder::new(),
            Date32Builder::new(),
            Date32Builder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
            BooleanBuilder::new(),
            Int32Builder::new(),
            StringBuilder::new(),
        );
        for (k, s, e, c) in self.all() {
            // A period belongs to the financial year its last day falls in.
            let fy_start = financial_year_start(e);
            kind.append_value(k);
            start.append_value(date32(s));
            end.append_value(date32(e));
            fy.append_value(financial_year_label(fy_start));
            label.append_value(match k {
                "month" => s.format("%b %Y").to_string(),
                "rolling_12_months" => format!("12 months to {}", e.format("%b %Y")),
                _ => financial_year_label(fy_start),
            });
            complete.append_value(c);
            // DfE: a year ending 31 March Y uses the ONS mid-year estimate for Y-1, i.e. the
            // mid-year in which the financial year starts.
            pop_year.append_value(fy_start.year());
            // One column to join on, for BI tools whose relationships take a single column.
            key.append_value(format!("{k}:{s}"));
        }
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(kind.finish()),
            Arc::new(start.finish()),
            Arc::new(end.finish()),
            Arc::new(fy.finish()),
            Arc::new(label.finish()),
            Arc::new(complete.finish()),
            Arc::new(pop_year.finish()),
            Arc::new(key.finish()),
        ];
        Ok(RecordBatch::try_new(schema, arrays)?)
    }

    fn day_period(&self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("day", DataType::Date32, false),
            Field::new("period_type", DataType::Utf8, false),
            Field::new("period_start", DataType::Date32, false),
        ]));
        let (mut day, mut kind, mut start) = (Date32Builder::new(), StringBuilder::new(), Date32Builder::new());
        for (k, s, e, _) in self.all() {
            let (s32, e32) = (date32(s), date32(e));
            for d in s32..=e32 {
                day.append_value(d);
                kind.append_value(k);
                start.append_value(s32);
            }
        }
        Ok(RecordBatch::try_new(schema, vec![Arc::new(day.finish()), Arc::new(kind.finish()), Arc::new(start.finish())])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_cover_first_month_to_as_at_and_cap_the_last() {
        let p = Periods::new(ymd(2021, 5, 17), ymd(2022, 4, 10));
        assert_eq!(p.months.first(), Some(&ymd(2021, 5, 1)));
        assert_eq!(p.months.len(), 12);
        assert_eq!(p.years, vec![ymd(2021, 4, 1), ymd(2022, 4, 1)]);
        let all = p.all();
        assert!(all.contains(&("month", ymd(2022, 2, 1), ymd(2022, 2, 28), true)));
        assert!(all.contains(&("month", ymd(2022, 4, 1), ymd(2022, 4, 10), false)));
        assert!(all.contains(&("financial_year", ymd(2021, 4, 1), ymd(2022, 3, 31), true)));
        assert!(all.contains(&("financial_year", ymd(2022, 4, 1), ymd(2022, 4, 10), false)));
        // The only full 12-month window: May 2021 to April 2022, capped at the as-at date.
        assert_eq!(p.rolling, vec![ymd(2022, 4, 1)]);
        assert!(all.contains(&("rolling_12_months", ymd(2021, 5, 1), ymd(2022, 4, 10), false)));
    }

    #[test]
    fn financial_years_start_on_1_april() {
        assert_eq!(financial_year_start(ymd(2023, 3, 31)), ymd(2022, 4, 1));
        assert_eq!(financial_year_start(ymd(2023, 4, 1)), ymd(2023, 4, 1));
        assert_eq!(financial_year_label(ymd(2100, 3, 1)), "2099-00");
    }

    #[test]
    fn rates_run_after_their_counts_and_unknown_measures_fail() {
        let order = execution_order(&["referral_rate_per_10k".to_string()]).unwrap();
        assert_eq!(order, vec!["referrals", "referral_rate_per_10k"]);
        assert!(execution_order(&["nope".to_string()]).unwrap_err().to_string().contains("known measures"));
    }

    #[test]
    fn every_sql_file_in_sql_measures_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/measures");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let id = name.trim_end_matches(".sql");
            assert!(MEASURES.iter().any(|(m, _)| *m == id), "{name} is not listed in model::MEASURES");
        }
    }
}
