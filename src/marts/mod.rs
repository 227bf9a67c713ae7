//! Marts for BI, built after the measures: the star schema's dimensions (`dim_measure`,
//! `dim_period`, `dim_la`), the DfE `benchmarks` and the `measure_rag` ratings against the
//! pipeline file's targets. Published under `<warehouse>/marts/<name>/part-0.parquet`.
//!
//! The SQL is in `sql/marts/` (one file per table, its header states definitions and sources);
//! Rust loads the DfE reference tables ([`published`], [`neighbours`]), the targets
//! ([`targets`]) and the measure catalogue ([`dim_measure`]), and fixes each table's column
//! types to the ones Power BI reads well (Date32, Int64, Float64, Boolean, plain Utf8).

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;

use crate::{Error, Result};

pub mod dim_measure;
pub mod inspections;
pub mod neighbours;
pub mod published;
pub mod targets;

pub use targets::{validate as validate_targets, Good, SnModel, Target};

/// Published column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Text,
    Date,
    Int,
    Float,
    Bool,
}

impl Ty {
    /// The Arrow type written to Parquet.
    pub fn data_type(self) -> DataType {
        match self {
            Ty::Text => DataType::Utf8,
            Ty::Date => DataType::Date32,
            Ty::Int => DataType::Int64,
            Ty::Float => DataType::Float64,
            Ty::Bool => DataType::Boolean,
        }
    }
}

/// One published mart: its folder name below `marts/`, what it is, the SQL that builds it (none
/// for `dim_measure`, built from the measure catalogue) and its columns with their meanings.
#[derive(Debug)]
pub struct MartSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub sql: Option<&'static str>,
    pub columns: &'static [(&'static str, Ty, &'static str)],
}

impl MartSpec {
    /// Path of the SQL file, for error messages and the data dictionary.
    pub fn sql_file(&self) -> Option<String> {
        self.sql.map(|_| format!("sql/marts/{}.sql", self.name))
    }

    /// The published schema; every column nullable.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.columns.iter().map(|(n, t, _)| Field::new(*n, t.data_type(), true)).collect::<Vec<_>>()))
    }
}

/// `ref_published`: DfE published values by measure id (a view the benchmarks read).
pub(crate) const REF_PUBLISHED_SQL: (&str, &str) = ("sql/marts/ref_published.sql", include_str!("../../sql/marts/ref_published.sql"));

/// Every mart, in publishing order.
pub const MARTS: &[MartSpec] = &[
    MartSpec {
        name: "dim_measure",
        about: "one row per measure id: its plain-English name, unit, direction of good, definition and the core tables it needs, all from the measure SQL header",
        sql: None,
        columns: &[
            ("measure_id", Ty::Text, "measure id, as in `fact_measure`"),
            ("measure_name", Ty::Text, "plain-English name (`-- publishes:` line of the SQL header)"),
            ("definition", Ty::Text, "definition, numerator, denominator, time basis and source from the SQL header"),
            ("unit", Ty::Text, "`count`, `percent` (0-100), `rate_per_10k`, `days` or `average`"),
            ("good", Ty::Text, "direction of good: `high`, `low`, or `neutral` for volumes"),
            ("source_sql", Ty::Text, "the SQL file that computes it"),
            ("source_tables", Ty::Text, "core tables it needs, comma-separated (`-- sources:`); without rows in one of them it is published as no data"),
            ("basis", Ty::Text, "`flow` (events in the period: a month's count or rate is not comparable with a year's) or `snapshot` (taken on the period's last day)"),
            ("sort_order", Ty::Int, "catalogue order"),
        ],
    },
    MartSpec {
        name: "dim_period",
        about: "one row per reporting period of the run; join to `fact_measure` on `period_key` (or on (`period_type`, `period_start`, `period_end`))",
        sql: Some(include_str!("../../sql/marts/dim_period.sql")),
        columns: &[
            ("period_key", Ty::Text, "`period_type:period_start`, e.g. `month:2022-04-01`, or `ytd:period_end` for year to date: the one-column key Power BI relates on"),
            ("period_type", Ty::Text, "`month`, `financial_year`, `rolling_12_months` or `ytd` (1 April to each month end)"),
            ("period_start", Ty::Date, "first day"),
            ("period_end", Ty::Date, "last day (the as-at date for the period containing it)"),
            ("financial_year", Ty::Text, "financial year the period ends in, `2022-23`"),
            ("label", Ty::Text, "`Apr 2022`, `2022-23`, `12 months to Mar 2023` or `Year to date, Jun 2022`"),
            ("is_complete", Ty::Bool, "false for the period the as-at date cuts short"),
            ("population_year", Ty::Int, "ONS mid-year whose population rates use"),
        ],
    },
    MartSpec {
        name: "dim_la",
        about: "one row per English local authority in DfE's population table, with its statistical neighbours in the run's SN model",
        sql: Some(include_str!("../../sql/marts/dim_la.sql")),
        columns: &[
            ("la_code", Ty::Text, "DfE three-digit code"),
            ("la_gss_code", Ty::Text, "ONS GSS code, `E06000045`"),
            ("la_name", Ty::Text, "name"),
            ("region_name", Ty::Text, "English region"),
            ("sn_model", Ty::Text, "statistical-neighbour model: `2021` or `2025`"),
            ("statistical_neighbours", Ty::Text, "this LA's ten neighbours' codes, closest first, comma-separated"),
            ("is_this_la", Ty::Bool, "the LA of the run"),
            ("sn_rank_to_this_la", Ty::Int, "1-10 when this row is one of the run LA's neighbours (1 = closest), else null"),
            ("sn_closeness_to_this_la", Ty::Text, "DfE's closeness wording for that neighbour"),
            ("ilacs_inspection_date", Ty::Date, "first day of the LA's latest ILACS inspection judged by 31 March 2025 (Ofsted, reference/ofsted/)"),
            ("ilacs_publication_date", Ty::Date, "date its report was published"),
            ("ilacs_overall_effectiveness", Ty::Text, "overall effectiveness: `Outstanding`, `Good`, `Requires improvement to be good` or `Inadequate`"),
            ("ilacs_leaders", Ty::Text, "the impact of leaders on social work practice with children and families"),
            ("ilacs_help_and_protection", Ty::Text, "the experiences and progress of children who need help and protection"),
            ("ilacs_children_in_care", Ty::Text, "the experiences and progress of children in care"),
            ("ilacs_care_leavers", Ty::Text, "the experiences and progress of care leavers; null for inspections before 1 January 2023, when Ofsted introduced it"),
        ],
    },
    MartSpec {
        name: "benchmarks",
        about: "for every measure with a DfE published equivalent and every published year: the LA's computed and published values beside its statistical neighbours, region and England, and its national rank",
        sql: Some(include_str!("../../sql/marts/benchmarks.sql")),
        columns: &[
            ("measure_id", Ty::Text, "measure id"),
            ("financial_year", Ty::Text, "`2020-21` (DfE `time_period` 2021: the year ending 31 March 2021)"),
            ("period_start", Ty::Date, "1 April"),
            ("period_end", Ty::Date, "31 March (snapshot measures are taken on it)"),
            ("la_code", Ty::Text, "the run's LA"),
            ("la_value", Ty::Float, "the run's own computed value for that financial year (complete years only)"),
            ("la_numerator", Ty::Int, "its numerator"),
            ("la_denominator", Ty::Int, "its denominator"),
            ("published_value", Ty::Float, "DfE's figure for the LA (rates recomputed from the published count and population)"),
            ("published_numerator", Ty::Int, "published count behind it"),
            ("published_denominator", Ty::Int, "published denominator, or the ONS population for rates"),
            ("published_suppressed", Ty::Bool, "DfE suppressed or did not publish the LA's figure"),
            ("published_code", Ty::Text, "DfE's code when suppressed: `c`, `x`, `z`, `u`, `low`"),
            ("difference", Ty::Float, "la_value - published_value"),
            ("sn_model", Ty::Text, "statistical-neighbour model used"),
            ("sn_mean", Ty::Float, "unweighted mean of the neighbours' values (as DfE and LAIT compute it)"),
            ("sn_median", Ty::Float, "median of the neighbours' values"),
            ("sn_count", Ty::Int, "neighbours with a value"),
            ("sn_suppressed", Ty::Int, "neighbours without one (suppressed, not published or not in the table), excluded"),
            ("region_name", Ty::Text, "the LA's region"),
            ("region_value", Ty::Float, "the region's value"),
            ("england_value", Ty::Float, "England's value"),
            ("national_rank", Ty::Int, "rank of the LA's published value among LAs with a value, 1 = lowest value"),
            ("national_ranked", Ty::Int, "LAs ranked"),
            ("national_quartile", Ty::Int, "1 = lowest quarter of values ... 4 = highest"),
            ("national_suppressed", Ty::Int, "LAs excluded from the ranking as suppressed or not published"),
            ("unit", Ty::Text, "unit, as in dim_measure"),
            ("good", Ty::Text, "direction of good, as in dim_measure"),
        ],
    },
    MartSpec {
        name: "measure_rag",
        about: "Red/Amber/Green rating of every period of every measure with a target in the pipeline file (`[targets.<measure_id>]`)",
        sql: Some(include_str!("../../sql/marts/measure_rag.sql")),
        columns: &[
            ("measure_id", Ty::Text, "measure id"),
            ("period_type", Ty::Text, "period type"),
            ("period_start", Ty::Date, "first day"),
            ("period_end", Ty::Date, "last day"),
            ("financial_year", Ty::Text, "financial year the period ends in"),
            ("la_code", Ty::Text, "DfE local-authority code"),
            ("value", Ty::Float, "the measure's value, as in fact_measure"),
            ("target", Ty::Float, "target from the pipeline file"),
            ("good", Ty::Text, "`low` or `high`: the direction the target treats as good"),
            ("amber_tolerance", Ty::Float, "how far worse than target is still Amber"),
            ("rag", Ty::Text, "`Green` (target met), `Amber` (worse by no more than the tolerance), `Red`; null when there is no value"),
        ],
    },
];

/// One built mart.
#[derive(Debug)]
pub struct Mart {
    pub name: &'static str,
    pub batch: RecordBatch,
}

/// Registers the marts' reference tables in a session that already has the model's
/// `ref_population` and `params`: `ref_dfe_cell`, `ref_statistical_neighbour`, `ref_ilacs`, `ref_target`,
/// `marts_params(sn_model)`, `ref_measure_unit` and the view `ref_published`.
pub async fn register_reference(ctx: &SessionContext, sn_model: SnModel, targets: &BTreeMap<String, Target>) -> Result<()> {
    let (cells, ref_published) = published_reference().await?;
    ctx.register_batch("ref_dfe_cell", cells.clone())?;
    ctx.register_batch("ref_published", ref_published.clone())?;
    ctx.register_batch("ref_statistical_neighbour", neighbours::neighbours_batch()?)?;
    ctx.register_batch("ref_ilacs", inspections::ilacs_batch()?)?;
    ctx.register_batch("ref_target", targets::targets_batch(targets)?)?;
    ctx.register_batch("dim_measure", dim_measure::dim_measure_batch()?)?;
    let schema = Arc::new(Schema::new(vec![Field::new("sn_model", DataType::Utf8, false)]));
    ctx.register_batch(
        "marts_params",
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec![sn_model.as_str()])) as ArrayRef])?,
    )?;
    Ok(())
}

/// `ref_dfe_cell` and `ref_published` (`sql/marts/ref_published.sql` over it and
/// `ref_population`), computed once per process: they depend only on the reference data compiled
/// into csc, never on the run, and the benchmarks read `ref_published` six times (computing it
/// inside every run was half of one LA's model stage).
async fn published_reference() -> Result<&'static (RecordBatch, RecordBatch)> {
    static CACHE: tokio::sync::OnceCell<(RecordBatch, RecordBatch)> = tokio::sync::OnceCell::const_new();
    CACHE
        .get_or_try_init(|| async {
            let cells = published::dfe_cells_batch()?;
            let ctx = SessionContext::new_with_config(datafusion::prelude::SessionConfig::new().with_target_partitions(1));
            ctx.register_batch("ref_dfe_cell", cells.clone())?;
            ctx.register_batch("ref_population", crate::reference::population_batch()?)?;
            let (schema, batches) = crate::model::query_with_schema(&ctx, REF_PUBLISHED_SQL).await?;
            Ok((cells, concat_batches(&schema, &batches)?))
        })
        .await
}

/// Builds every mart. `ctx` is the model stage's session (it has `params`, `dim_period` and
/// `ref_population`); `fact` is the fact table as published.
pub async fn build(ctx: &SessionContext, fact: &RecordBatch, sn_model: SnModel, targets: &BTreeMap<String, Target>) -> Result<Vec<Mart>> {
    register_reference(ctx, sn_model, targets).await?;
    ctx.register_batch("fact_measure", fact.clone())?;
    let mut marts = Vec::with_capacity(MARTS.len());
    for spec in MARTS {
        let batch = match spec.sql {
            None => ctx.table("dim_measure").await?.collect().await?,
            Some(sql) => {
                let file = spec.sql_file().unwrap_or_default();
                crate::model::query_with_schema(ctx, (&file, sql)).await?.1
            }
        };
        marts.push(Mart { name: spec.name, batch: conform(spec, &batch)? });
    }
    Ok(marts)
}

/// Selects each column of `spec` by name and casts it to its published type (the model's
/// [`crate::model::conform`]).
fn conform(spec: &MartSpec, batches: &[RecordBatch]) -> Result<RecordBatch> {
    let schema = spec.schema();
    let out = batches
        .iter()
        .map(|b| crate::model::conform(b, &schema).map_err(|m| Error::Internal(format!("sql/marts/{}.sql: {m}", spec.name))))
        .collect::<Result<Vec<_>>>()?;
    Ok(concat_batches(&schema, &out)?)
}
