//! Action lists: the children who are overdue a visit, review, health check, assessment, ICPC,
//! return interview or contact, as at the run's date, for case-level staff only
//! (`restricted/action_lists/<list>/as_at=DATE/`; `csc action-lists` writes them per team).
//!
//! One SQL file per list in `sql/action_lists/` (columns and rules: its README). They read the
//! model's shared views (`annex_a_person` for the allocation, `cla_episode_in_care`), so they run
//! after [`super::run_measures`], and `action_list_settings` (the LA's local timescales).

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::{col, SessionContext};

use crate::quality::{Action, Issue, Severity};
use crate::{Error, Result};

/// Every list: its id (the folder it is published to) and SQL.
pub const LISTS: &[(&str, &str)] = &[
    ("cp_visit_overdue", include_str!("../../sql/action_lists/cp_visit_overdue.sql")),
    ("cin_visit_overdue", include_str!("../../sql/action_lists/cin_visit_overdue.sql")),
    ("cla_visit_overdue", include_str!("../../sql/action_lists/cla_visit_overdue.sql")),
    ("cp_review_overdue", include_str!("../../sql/action_lists/cp_review_overdue.sql")),
    ("cla_review_overdue", include_str!("../../sql/action_lists/cla_review_overdue.sql")),
    ("health_check_overdue", include_str!("../../sql/action_lists/health_check_overdue.sql")),
    ("assessment_open_45wd", include_str!("../../sql/action_lists/assessment_open_45wd.sql")),
    ("s47_no_icpc_15wd", include_str!("../../sql/action_lists/s47_no_icpc_15wd.sql")),
    ("cp_plan_18_months", include_str!("../../sql/action_lists/cp_plan_18_months.sql")),
    ("missing_no_rhi", include_str!("../../sql/action_lists/missing_no_rhi.sql")),
    ("care_leaver_not_in_touch", include_str!("../../sql/action_lists/care_leaver_not_in_touch.sql")),
];

/// Default local timescale for CIN visits, in working days.
pub const DEFAULT_CIN_VISIT_WORKING_DAYS: u32 = 20;

/// The LA's local timescales (`[action_lists]` in the pipeline file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionListSettings {
    /// Children on a CIN plan are visited at least every this many working days.
    #[serde(default = "default_cin_visit")]
    pub cin_visit_working_days: u32,
}

fn default_cin_visit() -> u32 {
    DEFAULT_CIN_VISIT_WORKING_DAYS
}

impl Default for ActionListSettings {
    fn default() -> Self {
        ActionListSettings { cin_visit_working_days: DEFAULT_CIN_VISIT_WORKING_DAYS }
    }
}

/// One action list as at the run's date, most overdue first.
#[derive(Debug, Clone)]
pub struct ActionList {
    pub name: &'static str,
    pub batch: RecordBatch,
}

/// Columns of every action list.
pub fn list_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("la_code", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("team", DataType::Utf8, false),
        Field::new("worker", DataType::Utf8, false),
        Field::new("list", DataType::Utf8, false),
        Field::new("event", DataType::Utf8, false),
        Field::new("event_date", DataType::Date32, true),
        Field::new("due_date", DataType::Date32, true),
        Field::new("days_overdue", DataType::Int64, true),
        Field::new("rule", DataType::Utf8, false),
    ]))
}

/// Core tables a list's `-- sources:` header names.
pub fn sources(sql: &str) -> Vec<&str> {
    sql.lines()
        .filter_map(|l| l.trim().strip_prefix("-- sources:"))
        .flat_map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .collect()
}

/// Runs every list; rows sorted by days overdue (most first), then person id. A list whose
/// source tables include one with no rows is published empty with an
/// `action_list_source_missing` issue: no recorded visits is not every child overdue.
pub async fn run(ctx: &SessionContext, settings: &ActionListSettings, issues: &mut Vec<Issue>) -> Result<Vec<ActionList>> {
    let schema = Arc::new(Schema::new(vec![Field::new("cin_visit_wd", DataType::Int64, false)]));
    let row = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![i64::from(settings.cin_visit_working_days)]))])?;
    ctx.deregister_table("action_list_settings")?;
    ctx.register_batch("action_list_settings", row)?;
    let out = list_schema();
    let mut lists = Vec::with_capacity(LISTS.len());
    let mut named: Vec<&str> = LISTS.iter().flat_map(|(_, sql)| sources(sql)).collect();
    named.sort_unstable();
    named.dedup();
    let mut empty = Vec::new();
    for table in named {
        // Table names come from the SQL headers, checked against the core schema by a unit test.
        if super::query(ctx, ("action list sources", &format!("SELECT 1 FROM {table} LIMIT 1"))).await?.iter().all(|b| b.num_rows() == 0) {
            empty.push(table);
        }
    }
    for &(name, sql) in LISTS {
        let missing: Vec<&str> = sources(sql).into_iter().filter(|t| empty.contains(t)).collect();
        if !missing.is_empty() {
            issues.push(
                Issue::new(
                    Severity::Warning,
                    "model",
                    "action_list_source_missing",
                    format!("action list {name} is published empty: the export has no rows in {}", missing.join(", ")),
                    Action::SetNull,
                )
                .table(missing[0]),
            );
            lists.push(ActionList { name, batch: RecordBatch::new_empty(out.clone()) });
            continue;
        }
        let file = format!("sql/action_lists/{name}.sql");
        let sql_err = |source| Error::Sql { file: file.clone(), source };
        let df = ctx.sql(sql).await.map_err(sql_err)?;
        let df = df.sort(vec![col("days_overdue").sort(false, false), col("person_id").sort(true, false)]).map_err(sql_err)?;
        let batches = df.collect().await.map_err(sql_err)?;
        let conformed: Vec<RecordBatch> = batches
            .iter()
            .map(|b| super::conform(b, &out))
            .collect::<Result<_, String>>()
            .map_err(|m| Error::Internal(format!("{file}: {m}")))?;
        lists.push(ActionList { name, batch: concat_batches(&out, &conformed)? });
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_file_is_compiled_in_and_names_itself() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/action_lists");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".sql").map(str::to_string))
            .collect();
        files.sort();
        let mut known: Vec<String> = LISTS.iter().map(|(n, _)| n.to_string()).collect();
        known.sort();
        assert_eq!(files, known);
        let core: Vec<&str> = crate::schema::ssd_tables().iter().map(|t| t.name.as_str()).collect();
        for (name, sql) in LISTS {
            assert!(sql.starts_with(&format!("-- list: {name} | ")), "{name}: header");
            assert!(!sources(sql).is_empty(), "{name}: -- sources:");
            for t in sources(sql) {
                assert!(core.contains(&t), "{name}: unknown source table {t}");
            }
            assert!(sql.contains(&format!("'{name}' AS list")), "{name}: list column");
        }
    }

    #[test]
    fn the_cin_timescale_defaults_to_20_working_days() {
        let s: ActionListSettings = toml::from_str("").unwrap();
        assert_eq!(s.cin_visit_working_days, 20);
        let s: ActionListSettings = toml::from_str("cin_visit_working_days = 15").unwrap();
        assert_eq!(s.cin_visit_working_days, 15);
    }
}
