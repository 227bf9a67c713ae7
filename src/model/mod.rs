//! Model: runs the measure SQL in `sql/` with DataFusion over the core tables the normalise stage
//! wrote, for every month and financial year the data covers, and assembles the long fact table.
//!
//! Tables the SQL can use: the core tables (`person`, `contact`, `referral`, ...), `params`
//! (one row: `la_code`, `la_name`, `as_at`, `history_start`, `annex_a_worker_names`), `dim_period` (one row per period),
//! `day_period` (each day up to the as-at date → the periods containing it, for flow measures),
//! `ytd_period` (the year-to-date periods, for `fact_measure` and the marts only; see [`run_ytd`]),
//! `ref_population` and `period_population`, `ref_cwd_service` and `measure_settings` (the `[measure_settings]`), and `m_<measure_id>` for measures declared with
//! `-- depends:`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Date32Array, Date32Builder, Int32Builder, RecordBatch, StringArray, StringBuilder,
    UInt32Array,
};
use datafusion::arrow::compute::{cast, concat_batches, take_record_batch};
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

pub mod action_lists;
pub mod annex_a;
pub mod breakdown;
pub mod engine;
pub mod scratch;
pub mod settings;
pub mod udf;

pub use engine::{Engine, SessionOptions};

const STAGE: &str = "model";

/// Internal queries of the model stage.
const DATA_COVERAGE_SQL: (&str, &str) = ("sql/model/data_coverage.sql", include_str!("../../sql/model/data_coverage.sql"));
const PERIOD_POPULATION_SQL: (&str, &str) = ("sql/model/period_population.sql", include_str!("../../sql/model/period_population.sql"));
const POPULATION_GAPS_SQL: (&str, &str) = ("sql/model/population_gaps.sql", include_str!("../../sql/model/population_gaps.sql"));
const FACT_MEASURE_SQL: (&str, &str) = ("sql/model/fact_measure.sql", include_str!("../../sql/model/fact_measure.sql"));
/// How a distribution file's rows become the shares of its bands ([`measure_query`]).
const DISTRIBUTION_SQL: &str = include_str!("../../sql/model/distribution.sql");
/// How a count-and-percent file's rows become its count and its percent ([`measure_query`]).
const COUNT_AND_PERCENT_SQL: &str = include_str!("../../sql/model/count_and_percent.sql");

/// Views over the core tables that several measures share (`sql/views/<name>.sql`), registered
/// in this order before the measures run.
pub const VIEWS: &[(&str, &str)] = &[
    ("referral_rereferral", include_str!("../../sql/views/referral_rereferral.sql")),
    ("assessment_duration", include_str!("../../sql/views/assessment_duration.sql")),
    ("icpc_timeliness", include_str!("../../sql/views/icpc_timeliness.sql")),
    ("assessment_factor_code", include_str!("../../sql/views/assessment_factor_code.sql")),
    ("care_proceedings", include_str!("../../sql/views/care_proceedings.sql")),
    ("cla_episode_in_care", include_str!("../../sql/views/cla_episode_in_care.sql")),
    ("cla_spell_start", include_str!("../../sql/views/cla_spell_start.sql")),
    ("cla_permanence_plan", include_str!("../../sql/views/cla_permanence_plan.sql")),
    ("annex_a_worker", include_str!("../../sql/views/annex_a_worker.sql")),
    ("annex_a_person", include_str!("../../sql/views/annex_a_person.sql")),
    ("annex_a_involvement", include_str!("../../sql/views/annex_a_involvement.sql")),
];

/// Views over the core tables at each period end (`dim_period`) that several snapshot measures
/// share (`sql/views/<name>.sql`), registered after [`VIEWS`] with the run's periods. The
/// year-to-date pass ([`run_ytd`]) swaps the periods but keeps these, so only files it does not
/// rerun may read them (a unit test checks).
pub const PERIOD_VIEWS: &[(&str, &str)] = &[
    ("cin_plan_last_seen", include_str!("../../sql/views/cin_plan_last_seen.sql")),
    ("cp_plan_last_seen", include_str!("../../sql/views/cp_plan_last_seen.sql")),
    ("cla_last_seen", include_str!("../../sql/views/cla_last_seen.sql")),
];

/// Every measure file, by id: its id and SQL (`sql/measures/<id>.sql`; build.rs lists the
/// folder). Each file's header says what it publishes (`-- publishes:`), what it needs
/// (`-- sources:`, `-- depends:`) and how it is defined: see `sql/measures/README.md`.
pub const MEASURES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/measures.rs"));

/// What the model stage needs to know about the run.
#[derive(Debug, Clone)]
pub struct ModelParams {
    pub la_code: String,
    pub la_name: String,
    pub as_at: NaiveDate,
    pub history_years: u32,
    /// The council's local definitions (`[measure_settings]`).
    pub settings: settings::MeasureSettings,
    /// Whether the Annex A lists show workers by name (`[annex_a] worker_names`), else by id.
    pub annex_a_worker_names: bool,
    /// Whether flow measures also get their year-to-date series ([`run_ytd`]). Runs always
    /// set it; the DuckDB side-by-side bench clears it, so both engines run the same queries.
    pub year_to_date: bool,
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
        Field::new("no_data_reason", DataType::Utf8, true),
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
pub async fn session_on(
    opts: &SessionOptions,
    core: &Location,
    core_root: &str,
    tables: &[TableSpec],
    p: &ModelParams,
) -> Result<SessionContext> {
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

/// An empty in-memory session over the SSD tables for Southampton as at 31 March 2024, one year
/// of history: what the unit tests of the rules insert their rows into.
#[cfg(test)]
pub(crate) fn test_session() -> SessionContext {
    let params = ModelParams {
        la_code: "852".into(),
        la_name: "Southampton".into(),
        as_at: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
        history_years: 1,
        settings: Default::default(),
        annex_a_worker_names: true,
        year_to_date: true,
    };
    memory_session(crate::schema::ssd_tables(), &params).unwrap()
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
    ctx.register_batch("ref_ethnic_population", crate::reference::ethnic_population_batch()?)?;
    ctx.register_batch("ref_annex_a_value", crate::reference::annex_a_values_batch()?)?;
    ctx.register_batch("params", params_batch(p)?)?;
    ctx.register_batch("ref_cwd_service", p.settings.cwd_services_batch()?)?;
    ctx.register_batch("measure_settings", p.settings.settings_batch()?)?;
    Ok(())
}

/// Runs the measures named in `measures` (and the measures they depend on).
pub async fn run_measures(ctx: &SessionContext, p: &ModelParams, measures: &[String], issues: &mut Vec<Issue>) -> Result<ModelOutput> {
    let first = query(ctx, DATA_COVERAGE_SQL).await?;
    let first_date = first.first().and_then(|b| {
        b.column(0).as_any().downcast_ref::<Date32Array>().filter(|a| !a.is_empty() && a.is_valid(0)).map(|a| from_date32(a.value(0)))
    });
    let periods = Periods::new(first_date.unwrap_or(p.as_at), p.as_at);
    register_periods(ctx, &periods.rows()).await?;
    record_population_gaps(ctx, &p.la_code, issues).await?;
    register_views(ctx).await?;
    register(ctx, PERIOD_VIEWS).await?;

    let fact = fact_schema();
    let schema = Arc::new(Schema::new(fact.fields()[..8].iter().filter(|f| f.name() != "la_code").cloned().collect::<Vec<_>>()));
    let order = execution_order(measures)?;
    let bar = crate::progress::stage("model", order.len() as u64, "measure files");
    let by_id = run_waves(ctx, &order, &schema, Some(&bar)).await?;
    let mut results = Vec::new();
    for id in &order {
        if measures.iter().any(|m| m == id) {
            results.extend(by_id.get(id).cloned().unwrap_or_default());
        }
    }
    bar.finish();
    // Without the year-to-date series, no file is rerun, but `run_ytd` still registers
    // `ytd_period`, which `fact_measure.sql` reads.
    let ytd_requested: &[String] = if p.year_to_date { measures } else { &[] };
    results.extend(run_ytd(ctx, &periods, &order, ytd_requested, &schema, &by_id).await?);
    let schema = results.first().map(|b| b.schema()).ok_or_else(|| Error::Internal("no measures to run".into()))?;
    ctx.register_table("measure_results", Arc::new(MemTable::try_new(schema, vec![results])?))?;
    let empty = empty_tables(ctx, &order).await?;
    ctx.register_batch("measure_source_missing", source_missing_batch(&order, &empty)?)?;
    ctx.register_batch("measure_unit", measure_unit_batch()?)?;
    let rows = query(ctx, FACT_MEASURE_SQL).await?;
    let rows: Vec<RecordBatch> = rows
        .iter()
        .map(|b| conform(b, &fact))
        .collect::<Result<_, String>>()
        .map_err(|m| Error::Internal(format!("{}: {m}", FACT_MEASURE_SQL.0)))?;
    Ok(ModelOutput { fact: concat_batches(&fact, &rows)?, months: periods.months.len(), financial_years: periods.years.len() })
}

/// Runs the measure files of `order` (each after those it depends on) and registers each
/// result as `m_<file id>` for the files that depend on it. Measures run in waves: each wave is
/// every measure whose dependencies have run, and its queries run concurrently, so one query's
/// planning overlaps another's execution.
async fn run_waves(
    ctx: &SessionContext,
    order: &[&'static str],
    schema: &SchemaRef,
    bar: Option<&crate::progress::Stage>,
) -> Result<HashMap<&'static str, Vec<RecordBatch>>> {
    let mut by_id: HashMap<&'static str, Vec<RecordBatch>> = HashMap::with_capacity(order.len());
    let mut pending = order.to_vec();
    while !pending.is_empty() {
        let (wave, rest): (Vec<&'static str>, Vec<&'static str>) =
            pending.iter().copied().partition(|id| depends(measure_sql(id)).iter().all(|d| by_id.contains_key(d)));
        let outputs: Vec<Vec<RecordBatch>> = futures::stream::iter(wave.iter().map(|&id| run_measure(ctx, id, schema)))
            .buffered(concurrent_queries(ctx))
            .try_collect()
            .await?;
        for (&id, conformed) in wave.iter().zip(outputs) {
            register_result(ctx, id, schema, &conformed)?;
            by_id.insert(id, conformed);
            if let Some(bar) = bar {
                bar.inc();
            }
        }
        pending = rest;
    }
    Ok(by_id)
}

/// Registers (or replaces) a measure file's result as `m_<id>`.
fn register_result(ctx: &SessionContext, id: &str, schema: &SchemaRef, rows: &[RecordBatch]) -> Result<()> {
    let name = format!("m_{id}");
    ctx.deregister_table(name.as_str())?;
    ctx.register_table(name, Arc::new(MemTable::try_new(schema.clone(), vec![rows.to_vec()])?))?;
    Ok(())
}

/// The measure ids that get a year-to-date series: flow counts and flow rates per 10,000
/// (`unit` count or rate_per_10k, [`crate::docs::id_basis`] flow) of the requested files, by file.
pub fn ytd_measures(order: &[&'static str], requested: &[String]) -> Vec<(&'static str, Vec<String>)> {
    order
        .iter()
        .filter(|f| requested.iter().any(|r| r == *f))
        .map(|&f| {
            let doc = crate::docs::measure_doc(f, measure_sql(f));
            let ids = doc
                .publishes
                .iter()
                .filter(|p| matches!(p.unit.as_str(), "count" | "rate_per_10k") && crate::docs::id_basis(f, &p.id) == "flow")
                .map(|p| p.id.clone())
                .collect::<Vec<_>>();
            (f, ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect()
}

/// Year to date (`period_type = 'ytd'`): for each month, the flow counts and rates per 10,000
/// from 1 April of its financial year to the month's end, as councils report them (docs/
/// definitions.md §1.4 P15). The measure files run again, unchanged, over the year-to-date
/// periods: `dim_period`, `day_period` and `period_population` are swapped for ones holding only
/// those periods, each under a period type of its own (its period key), so every measure's join
/// on (period_type, period_start) stays one-to-one; the rows come back as `ytd`. A year-to-date
/// value is therefore the measure's own definition over the window (a child starting care twice
/// counts once, as in the financial year), never a sum of months, and on 31 March it equals the
/// financial year's. The run's periods and `m_` results are restored afterwards, and
/// `ytd_period` is registered for `fact_measure` and the marts.
async fn run_ytd(
    ctx: &SessionContext,
    periods: &Periods,
    order: &[&'static str],
    requested: &[String],
    schema: &SchemaRef,
    main: &HashMap<&'static str, Vec<RecordBatch>>,
) -> Result<Vec<RecordBatch>> {
    ctx.deregister_table("ytd_period")?;
    ctx.register_batch("ytd_period", period_batch(&periods.ytd_rows(false))?)?;
    let wanted = ytd_measures(order, requested);
    if wanted.is_empty() || periods.months.is_empty() {
        return Ok(Vec::new());
    }
    let files: Vec<String> = wanted.iter().map(|(f, _)| f.to_string()).collect();
    let ids: HashSet<String> = wanted.into_iter().flat_map(|(_, ids)| ids).collect();
    register_periods(ctx, &periods.ytd_rows(true)).await?;
    let ytd_order = execution_order(&files)?;
    let outcome = run_waves(ctx, &ytd_order, schema, None).await;
    register_periods(ctx, &periods.rows()).await?;
    for (id, rows) in main {
        register_result(ctx, id, schema, rows)?;
    }
    let mut out = Vec::new();
    for (_, batches) in outcome? {
        for b in batches {
            let keep: Vec<usize> = (0..b.num_rows()).filter(|&i| ids.contains(b.column(0).as_string::<i32>().value(i))).collect();
            if keep.is_empty() {
                continue;
            }
            let taken = take_record_batch(&b, &UInt32Array::from_iter_values(keep.iter().map(|&i| i as u32)))?;
            let mut columns = taken.columns().to_vec();
            columns[1] = Arc::new(StringArray::from(vec!["ytd"; taken.num_rows()]));
            out.push(RecordBatch::try_new(schema.clone(), columns)?);
        }
    }
    Ok(out)
}

/// Registers (or replaces) `dim_period`, `day_period` and `period_population` for `rows`.
async fn register_periods(ctx: &SessionContext, rows: &[PeriodRow]) -> Result<()> {
    for name in ["dim_period", "day_period", "period_population"] {
        ctx.deregister_table(name)?;
    }
    ctx.register_batch("dim_period", period_batch(rows)?)?;
    ctx.register_batch("day_period", day_batch(rows)?)?;
    let view = ctx.sql(PERIOD_POPULATION_SQL.1).await.map_err(|source| Error::Sql { file: PERIOD_POPULATION_SQL.0.into(), source })?;
    ctx.register_table("period_population", view.into_view())?;
    Ok(())
}

/// Registers the shared views ([`VIEWS`]). In an in-process session each is computed once and
/// kept ([`scratch::materialise`]: in the run's staging area, or in memory), so the measures,
/// Annex A lists and relational quality rules that share it (two to eight each) do not compute it
/// again. [`run_measures`] registers them; call it only for a session that runs no measures.
pub async fn register_views(ctx: &SessionContext) -> Result<()> {
    register(ctx, VIEWS).await
}

/// Registers `views` in order, each computed once and kept ([`scratch::materialise`]) in an
/// in-process session.
async fn register(ctx: &SessionContext, views: &[(&str, &str)]) -> Result<()> {
    for (name, sql) in views {
        let file = format!("sql/views/{name}.sql");
        let view = ctx.sql(sql).await.map_err(|source| Error::Sql { file: file.clone(), source })?;
        scratch::materialise(ctx, name, view, &file).await?;
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
    if std::env::var("CSC_EXPLAIN_ANALYZE").is_ok_and(|f| !f.is_empty() && file.contains(f.as_str())) {
        explain_analyze(file, df.clone()).await?;
    }
    let batches = df.collect().await.map_err(|source| Error::Sql { file: file.to_string(), source })?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    tracing::debug!(file, planned_ms, elapsed_ms = started.elapsed().as_millis() as u64, rows, "query finished");
    Ok((schema, batches))
}

/// Runs `df` once more under `EXPLAIN ANALYZE` and prints its physical plan with each operator's
/// rows and time to standard error: how a maintainer finds where one file's time goes
/// (`CSC_EXPLAIN_ANALYZE=<part of the file's path>`). The plan names tables and columns, never
/// cell values.
async fn explain_analyze(file: &str, df: datafusion::dataframe::DataFrame) -> Result<()> {
    let sql_error = |source| Error::Sql { file: file.to_string(), source };
    let plan = df.explain(false, true).map_err(sql_error)?.collect().await.map_err(sql_error)?;
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&plan)?;
    eprintln!("EXPLAIN ANALYZE {file}\n{text}");
    Ok(())
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
                    format!(
                        "no ONS mid-{} (or earlier) 0-17 population for LA {la_code}; rates for these periods are empty",
                        required.value(i)
                    ),
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

/// The core tables, among those the measures in `order` name as `-- sources:`, that hold no
/// rows (one query for all of them).
async fn empty_tables(ctx: &SessionContext, order: &[&str]) -> Result<HashSet<String>> {
    let mut named: Vec<String> = order.iter().flat_map(|id| crate::docs::measure_doc(id, measure_sql(id)).sources).collect();
    named.sort();
    named.dedup();
    if named.is_empty() {
        return Ok(HashSet::new());
    }
    // Table names come from the SQL headers, checked against the core schema by a unit test.
    let sql = named
        .iter()
        .map(|t| format!("SELECT '{t}' AS table_name FROM (SELECT 1 FROM {t} LIMIT 1) x"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let present: HashSet<String> = query(ctx, ("sources present (model)", &sql))
        .await?
        .iter()
        .flat_map(|b| {
            let col = cast(b.column(0), &DataType::Utf8).expect("names are text");
            let col = col.as_any().downcast_ref::<datafusion::arrow::array::StringArray>().expect("cast to Utf8").clone();
            (0..col.len()).map(move |i| col.value(i).to_string())
        })
        .collect();
    Ok(named.into_iter().filter(|t| !present.contains(t)).collect())
}

/// `measure_source_missing(measure_id, tables)`: every measure id that cannot be computed
/// because a table it needs, directly or through the measures it depends on, has no rows.
fn source_missing_batch(order: &[&str], empty: &HashSet<String>) -> Result<RecordBatch> {
    let mut missing: HashMap<&str, Vec<String>> = HashMap::new();
    let (mut ids, mut tables) = (StringBuilder::new(), StringBuilder::new());
    // `order` puts every measure after the measures it depends on.
    for &file in order {
        let doc = crate::docs::measure_doc(file, measure_sql(file));
        let mut gone: Vec<String> = doc.sources.iter().filter(|t| empty.contains(*t)).cloned().collect();
        for dep in &doc.depends {
            gone.extend(missing.get(dep.as_str()).cloned().unwrap_or_default());
        }
        gone.sort();
        gone.dedup();
        if !gone.is_empty() {
            for id in &doc.emits {
                ids.append_value(id);
                tables.append_value(gone.join(", "));
            }
            missing.insert(file, gone);
        }
    }
    let schema = Arc::new(Schema::new(vec![Field::new("measure_id", DataType::Utf8, false), Field::new("tables", DataType::Utf8, false)]));
    Ok(RecordBatch::try_new(schema, vec![Arc::new(ids.finish()), Arc::new(tables.finish())])?)
}

/// `measure_unit(measure_id, unit)`, from the measure headers.
fn measure_unit_batch() -> Result<RecordBatch> {
    let (mut ids, mut units) = (StringBuilder::new(), StringBuilder::new());
    for (p, _) in crate::docs::published_measures() {
        ids.append_value(&p.id);
        units.append_value(&p.unit);
    }
    let schema = Arc::new(Schema::new(vec![Field::new("measure_id", DataType::Utf8, false), Field::new("unit", DataType::Utf8, false)]));
    Ok(RecordBatch::try_new(schema, vec![Arc::new(ids.finish()), Arc::new(units.finish())])?)
}

/// How many of a session's queries run at once (a wave of measures, the Annex A lists, the
/// plausibility rules): eight, so one query's planning overlaps another's execution; one under a
/// memory limit, so each query has the whole pool instead of starving beside seven others whose
/// hash tables cannot spill.
pub(crate) fn concurrent_queries(ctx: &SessionContext) -> usize {
    use datafusion::execution::memory_pool::MemoryLimit;
    match ctx.runtime_env().memory_pool.memory_limit() {
        MemoryLimit::Finite(_) => 1,
        _ => 8,
    }
}

/// The SQL of a known measure file.
fn measure_sql(id: &str) -> &'static str {
    MEASURES.iter().find(|(m, _)| *m == id).map(|(_, sql)| *sql).expect("execution_order only returns known measures")
}

/// Runs one measure file and conforms its rows to the measure-result schema.
async fn run_measure(ctx: &SessionContext, id: &str, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let file = format!("sql/measures/{id}.sql");
    let batches = query(ctx, (&file, &measure_query(id))).await?;
    batches.iter().map(|b| conform(b, schema).map_err(|m| Error::Internal(format!("{file}: {m}")))).collect()
}

/// The query a measure file runs as: its SQL; for a distribution file (`-- distribution:`), its
/// rows (each member of the cohort with the id of their band) counted into the share of every
/// band it publishes by `sql/model/distribution.sql`; for a count-and-percent file (`-- percent
/// of:`), its rows (numerator and denominator of each period) published as its count and its
/// percent by `sql/model/count_and_percent.sql`.
pub fn measure_query(id: &str) -> String {
    let sql = measure_sql(id);
    let doc = crate::docs::measure_doc(id, sql);
    let values = |row: &dyn Fn(&crate::docs::Published) -> String| doc.publishes.iter().map(row).collect::<Vec<_>>().join(", ");
    if doc.distribution.is_some() {
        let bands = values(&|p| format!("('{}')", p.id));
        format!("WITH members AS (\n{sql}\n),\nbands (measure_id) AS (VALUES {bands}),\n{DISTRIBUTION_SQL}")
    } else if doc.percent_of.is_some() {
        let ids = values(&|p| format!("('{}', '{}')", p.id, p.unit));
        format!("WITH counts AS (\n{sql}\n),\nids (measure_id, unit) AS (VALUES {ids})\n{COUNT_AND_PERCENT_SQL}")
    } else {
        sql.to_string()
    }
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
            return Err(Error::Internal(format!("measure {id} depends on itself")));
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
pub(crate) fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, String> {
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
        Field::new("annex_a_worker_names", DataType::Boolean, false),
    ]));
    let s = |v: &str| Arc::new(datafusion::arrow::array::StringArray::from(vec![v.to_string()])) as ArrayRef;
    let d = |v: NaiveDate| Arc::new(Date32Array::from(vec![date32(v)])) as ArrayRef;
    Ok(RecordBatch::try_new(
        schema,
        vec![
            s(&p.la_code),
            s(&p.la_name),
            d(p.as_at),
            d(history_start),
            Arc::new(datafusion::arrow::array::BooleanArray::from(vec![p.annex_a_worker_names])),
        ],
    )?)
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

    /// Every period as the model's tables hold it (`dim_period`, `day_period`).
    fn rows(&self) -> Vec<PeriodRow> {
        self.all()
            .into_iter()
            .map(|(k, s, e, complete)| PeriodRow {
                kind: k.to_string(),
                start: s,
                end: e,
                complete,
                key: format!("{k}:{s}"),
                label: match k {
                    "month" => s.format("%b %Y").to_string(),
                    "rolling_12_months" => format!("12 months to {}", e.format("%b %Y")),
                    _ => financial_year_label(financial_year_start(e)),
                },
            })
            .collect()
    }

    /// Year-to-date periods, one per month: 1 April of the month's financial year to the month's
    /// end (capped at the as-at date). Published with period type `ytd` and key `ytd:<end>`;
    /// `internal` gives each its key as its period type, for [`run_ytd`].
    fn ytd_rows(&self, internal: bool) -> Vec<PeriodRow> {
        self.all()
            .into_iter()
            .filter(|(k, ..)| *k == "month")
            .map(|(_, s, e, complete)| {
                let key = format!("ytd:{e}");
                PeriodRow {
                    kind: if internal { key.clone() } else { "ytd".to_string() },
                    start: financial_year_start(s),
                    end: e,
                    complete,
                    key,
                    label: format!("Year to date, {}", e.format("%b %Y")),
                }
            })
            .collect()
    }
}

/// One reporting period: its type, first and last day, whether it is over, its one-column key
/// and its label.
#[derive(Debug, Clone, PartialEq)]
struct PeriodRow {
    kind: String,
    start: NaiveDate,
    end: NaiveDate,
    complete: bool,
    key: String,
    label: String,
}

/// `dim_period` of `rows`.
fn period_batch(rows: &[PeriodRow]) -> Result<RecordBatch> {
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
    for r in rows {
        // A period belongs to the financial year its last day falls in.
        let fy_start = financial_year_start(r.end);
        kind.append_value(&r.kind);
        start.append_value(date32(r.start));
        end.append_value(date32(r.end));
        fy.append_value(financial_year_label(fy_start));
        label.append_value(&r.label);
        complete.append_value(r.complete);
        // DfE: a year ending 31 March Y uses the ONS mid-year estimate for Y-1, i.e. the
        // mid-year in which the financial year starts.
        pop_year.append_value(fy_start.year());
        // One column to join on, for BI tools whose relationships take a single column.
        key.append_value(&r.key);
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

/// `day_period` of `rows`: each day of each period, with the period's type and start.
fn day_batch(rows: &[PeriodRow]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("day", DataType::Date32, false),
        Field::new("period_type", DataType::Utf8, false),
        Field::new("period_start", DataType::Date32, false),
    ]));
    let (mut day, mut kind, mut start) = (Date32Builder::new(), StringBuilder::new(), Date32Builder::new());
    for r in rows {
        let (s32, e32) = (date32(r.start), date32(r.end));
        for d in s32..=e32 {
            day.append_value(d);
            kind.append_value(&r.kind);
            start.append_value(s32);
        }
    }
    Ok(RecordBatch::try_new(schema, vec![Arc::new(day.finish()), Arc::new(kind.finish()), Arc::new(start.finish())])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The year-to-date pass reruns the flow files (and what they depend on) over other periods
    /// while [`PERIOD_VIEWS`] keep the run's: none of those files may read one.
    #[test]
    fn no_file_the_year_to_date_pass_reruns_reads_a_period_view() {
        let all: Vec<String> = MEASURES.iter().map(|(id, _)| id.to_string()).collect();
        let order = execution_order(&all).unwrap();
        let ytd: Vec<String> = ytd_measures(&order, &all).into_iter().map(|(f, _)| f.to_string()).collect();
        let rerun = execution_order(&ytd).unwrap();
        assert!(!rerun.is_empty());
        for (view, _) in PERIOD_VIEWS {
            assert!(MEASURES.iter().any(|(_, sql)| sql.contains(view)), "no measure reads {view}");
            for file in &rerun {
                assert!(!measure_sql(file).contains(view), "{file} is rerun year to date but reads the period view {view}");
            }
        }
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
    fn year_to_date_runs_from_1_april_to_each_month_end() {
        let p = Periods::new(ymd(2022, 3, 17), ymd(2022, 5, 10));
        let ytd: Vec<(String, NaiveDate, NaiveDate, String)> =
            p.ytd_rows(false).into_iter().map(|r| (r.kind, r.start, r.end, r.key)).collect();
        assert_eq!(
            ytd,
            vec![
                ("ytd".into(), ymd(2021, 4, 1), ymd(2022, 3, 31), "ytd:2022-03-31".into()),
                ("ytd".into(), ymd(2022, 4, 1), ymd(2022, 4, 30), "ytd:2022-04-30".into()),
                ("ytd".into(), ymd(2022, 4, 1), ymd(2022, 5, 10), "ytd:2022-05-10".into()),
            ]
        );
        assert!(p.ytd_rows(true).iter().all(|r| r.kind == r.key));
        let order = execution_order(&["referral_rate_per_10k".to_string(), "referral_nfa_pct".to_string()]).unwrap();
        let wanted = ytd_measures(&order, &["referral_rate_per_10k".to_string(), "referral_nfa_pct".to_string()]);
        assert_eq!(wanted, vec![("referral_rate_per_10k", vec!["referral_rate_per_10k".to_string()])]);
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
}
