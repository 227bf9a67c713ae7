//! `marts/fact_measure_breakdown`: measures by team, worker, service, age band, sex, ethnicity,
//! disability and the measure's own dimensions (source, CP category, placement type and
//! provider, legal status).
//!
//! Aggregated once and pivoted (`sql/breakdown/README.md`): each `sql/breakdown/events/*.sql`
//! file emits one row per counted event and period for a family of measures, the files are
//! stacked into `breakdown_events`, and `sql/breakdown/fact_measure_breakdown.sql` joins the
//! events to the child and the allocation once, unpivots them to one row per dimension and sums
//! in one `GROUP BY`. Runs in the model's session after [`super::run_measures`] (it reads
//! `dim_period`, `day_period`, the shared views and `measure_unit`), on either engine.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;

use crate::config::Privacy;
use crate::{Error, Result};

/// The event files, by name: each emits the measure ids its `-- breakdown:` header lists.
pub const EVENTS: &[(&str, &str)] = &[
    ("front_door", include_str!("../../sql/breakdown/events/front_door.sql")),
    ("assessments", include_str!("../../sql/breakdown/events/assessments.sql")),
    ("s47_icpc", include_str!("../../sql/breakdown/events/s47_icpc.sql")),
    ("snapshots", include_str!("../../sql/breakdown/events/snapshots.sql")),
    ("cla_flow", include_str!("../../sql/breakdown/events/cla_flow.sql")),
    ("workforce", include_str!("../../sql/breakdown/events/workforce.sql")),
];

const PIVOT_SQL: (&str, &str) =
    ("sql/breakdown/fact_measure_breakdown.sql", include_str!("../../sql/breakdown/fact_measure_breakdown.sql"));

/// Values of the team and worker dimensions that are not a team or worker.
pub const NOT_ALLOCATED: &str = "not allocated";

/// Schema of the published breakdown table (before partitioning by `financial_year`).
pub fn breakdown_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("measure_id", DataType::Utf8, false),
        Field::new("period_type", DataType::Utf8, false),
        Field::new("period_start", DataType::Date32, false),
        Field::new("period_end", DataType::Date32, false),
        Field::new("la_code", DataType::Utf8, false),
        Field::new("dimension", DataType::Utf8, false),
        Field::new("dimension_value", DataType::Utf8, false),
        Field::new("numerator", DataType::Int64, true),
        Field::new("denominator", DataType::Int64, true),
        Field::new("value", DataType::Float64, true),
        Field::new("suppressed", DataType::Boolean, false),
        Field::new("period_key", DataType::Utf8, false),
        Field::new("financial_year", DataType::Utf8, false),
    ]))
}

/// Measure ids an event file emits (its `-- breakdown:` header).
pub fn emitted(sql: &str) -> Vec<&str> {
    sql.lines()
        .filter_map(|l| l.trim().strip_prefix("-- breakdown:"))
        .flat_map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .collect()
}

/// The measure ids of a fact table that were computed: those with a row whose source tables
/// were present (`no_data_reason` is not `source_table_missing`).
pub fn computed_ids(fact: &RecordBatch) -> Vec<String> {
    let (Some(ids), Some(reasons)) = (fact.column_by_name("measure_id"), fact.column_by_name("no_data_reason")) else {
        return Vec::new();
    };
    let (ids, reasons) = (ids.as_string::<i32>(), reasons.as_string::<i32>());
    let mut out: Vec<String> = (0..fact.num_rows())
        .filter(|&i| !(reasons.is_valid(i) && reasons.value(i) == "source_table_missing"))
        .map(|i| ids.value(i).to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every measure id that has a breakdown.
pub fn broken_down() -> Vec<&'static str> {
    EVENTS.iter().flat_map(|(_, sql)| emitted(sql)).collect()
}

/// The breakdown of the measures the run computed (`published`: the ids in its fact table) whose
/// source tables were not missing. Worker values are staff ids; see [`protect_workers`].
pub async fn run(ctx: &SessionContext, published: &[String]) -> Result<RecordBatch> {
    let schema = breakdown_schema();
    let mut parts = Vec::new();
    for (name, sql) in EVENTS {
        let ids: Vec<&str> = emitted(sql).into_iter().filter(|id| published.iter().any(|p| p == id)).collect();
        if ids.is_empty() {
            continue;
        }
        let file = format!("sql/breakdown/events/{name}.sql");
        let view = ctx.sql(sql).await.map_err(|source| Error::Sql { file, source })?;
        let table = format!("breakdown_events_{name}");
        ctx.register_table(table.as_str(), view.into_view())?;
        // Ids come from the SQL headers, never from input data.
        let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
        parts.push(format!("SELECT * FROM {table} WHERE measure_id IN ({list})"));
    }
    if parts.is_empty() {
        return Ok(RecordBatch::new_empty(schema));
    }
    let union = parts.join(" UNION ALL ");
    let events = ctx.sql(&union).await.map_err(|source| Error::Sql { file: "sql/breakdown/events (stacked)".into(), source })?;
    // Read twice by the pivot (allocation dates and the events): computed once.
    super::scratch::materialise(ctx, "breakdown_events", events, "sql/breakdown/events (stacked)").await?;
    let rows = super::query(ctx, PIVOT_SQL).await?;
    // Nothing after the pivot reads the events: free them (millions of rows for a large LA)
    // before the lists, rules and marts run in the same session.
    ctx.deregister_table("breakdown_events")?;
    for (name, _) in EVENTS {
        ctx.deregister_table(format!("breakdown_events_{name}").as_str())?;
    }
    let rows: Vec<RecordBatch> = rows
        .iter()
        .map(|b| super::conform(b, &schema))
        .collect::<Result<_, String>>()
        .map_err(|m| Error::Internal(format!("{}: {m}", PIVOT_SQL.0)))?;
    Ok(concat_batches(&schema, &rows)?)
}

/// The analyst version of a breakdown: workers' staff ids become their pseudonyms (the same as
/// `prof_professional_id` in the pseudonymised core), or their names when the pipeline file
/// allows names (`names`: staff id → name); `not allocated` stays as it is.
pub fn protect_workers(batch: &RecordBatch, privacy: &Privacy, names: &HashMap<String, String>) -> Result<RecordBatch> {
    let dims = batch.column_by_name("dimension").map(|c| c.as_string::<i32>().clone());
    let values = batch.column_by_name("dimension_value").map(|c| c.as_string::<i32>().clone());
    let (Some(dims), Some(values)) = (dims, values) else {
        return Err(Error::Internal("breakdown has no dimension columns".into()));
    };
    let out: StringArray = (0..batch.num_rows())
        .map(|i| {
            let v = values.value(i);
            if dims.value(i) != "worker" || v == NOT_ALLOCATED {
                return Some(v.to_string());
            }
            Some(match privacy {
                Privacy::Pseudonymised(p) if !p.worker_names => p.pseudonym(v),
                _ => names.get(v).cloned().unwrap_or_else(|| v.to_string()),
            })
        })
        .collect();
    let idx = batch.schema().index_of("dimension_value")?;
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[idx] = Arc::new(out);
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Staff id → name, from the professional table, for [`protect_workers`].
pub async fn worker_names(ctx: &SessionContext) -> Result<HashMap<String, String>> {
    let sql = "SELECT CAST(prof_professional_id AS VARCHAR) AS id, CAST(prof_professional_name AS VARCHAR) AS name FROM professional \
               WHERE prof_professional_id IS NOT NULL AND prof_professional_name IS NOT NULL";
    let mut names = HashMap::new();
    for b in super::query(ctx, ("worker names (breakdown)", sql)).await? {
        let (ids, ns) = (cast(b.column(0), &DataType::Utf8)?, cast(b.column(1), &DataType::Utf8)?);
        let (ids, ns) = (ids.as_string::<i32>(), ns.as_string::<i32>());
        for i in 0..b.num_rows() {
            names.insert(ids.value(i).to_string(), ns.value(i).to_string());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_file_names_known_measures_once() {
        let ids = broken_down();
        let mut seen = std::collections::HashSet::new();
        let published: Vec<String> = crate::docs::published_measures().into_iter().map(|(p, _)| p.id).collect();
        for id in &ids {
            assert!(seen.insert(*id), "{id} broken down by two event files");
            assert!(published.iter().any(|p| p == id), "{id} is not a published measure id");
        }
        assert!(ids.len() >= 14, "{ids:?}");
    }
}
