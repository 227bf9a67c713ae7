//! Plausibility and linkage rules: records that type cleanly but cannot be right — an event before
//! the child was born, a plan that ends before it starts, a CP plan with no conference, a visit
//! outside any plan, a record whose child is not in the person table.
//!
//! They run in the model stage, in DataFusion over the identifiable core tables, and each record
//! that breaks a rule becomes an issue naming the file, row and column it came from (the core
//! tables' `_source_file` and `_source_row`). Generic rules are generated from
//! `reference/quality/plausibility.toml` (which columns of each table are events, spans and the
//! child); relational rules are one SQL file each in `sql/quality/`. Every code is in the
//! catalogue, which gives its severity and message.

use std::collections::HashSet;
use std::sync::OnceLock;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;

use super::{catalogue, Action, Issue};
use crate::schema::{SOURCE_FILE, SOURCE_ROW};
use crate::{Error, Result};

/// The relational rules, `(file stem, SQL)`, one per file of `sql/quality/` (listed by build.rs).
pub const RULE_SQL: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/quality_rules.rs"));

/// What the generic rules read in one core table.
#[derive(Debug, Deserialize)]
pub struct TableEvents {
    pub name: String,
    /// The column naming the child.
    pub person: String,
    /// Dates of things that happened.
    #[serde(default)]
    pub events: Vec<String>,
    /// `[start, end]` pairs.
    #[serde(default)]
    pub spans: Vec<[String; 2]>,
    /// The events may rightly fall before the child's birth (pre-birth pre-proceedings), so
    /// `event_before_birth` does not check them.
    #[serde(default)]
    pub before_birth: bool,
}

#[derive(Deserialize)]
struct File {
    table: Vec<TableEvents>,
}

/// The tables the generic rules read (`reference/quality/plausibility.toml`).
pub fn event_tables() -> &'static [TableEvents] {
    static TABLES: OnceLock<Vec<TableEvents>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let text = include_str!("../../reference/quality/plausibility.toml");
        toml::from_str::<File>(text).expect("reference/quality/plausibility.toml is valid (checked by a test)").table
    })
}

/// How the rules are run.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// Flag events dated after the run's as-at date. Only for a nightly run (as at today): an
    /// as-at rerun ignores later events by design.
    pub future_events: bool,
    /// Input files that cannot record a born child as once unborn: CIN census returns, where a
    /// born child has a PersonBirthDate and no ExpectedPersonBirthDate (DfE rule 8525Q). A child
    /// whose person record came from one is not flagged for events less than
    /// [`PRE_BIRTH_DAYS`] before birth.
    pub census_files: Vec<String>,
}

/// How long before a child's birth pre-birth work can start: DfE CIN census rule 8606 (a
/// CINreferralDate at most 280 days, 40 weeks, before PersonBirthDate or
/// ExpectedPersonBirthDate).
pub const PRE_BIRTH_DAYS: u32 = 280;

/// The stage the rules run in.
const STAGE: &str = "model";

/// One generic rule over one table: the records `x` of `table` (joined to their child `p` in the
/// person table, and to `params`) for which `condition` holds, flagged with `code` at `column`.
fn rule_row(code: &'static str, table: &str, person: &str, column: &str, condition: &str) -> String {
    format!(
        "SELECT '{code}' AS code, '{table}' AS table_name, x.{SOURCE_FILE} AS file, x.{SOURCE_ROW} AS row_number, '{column}' AS column_name \
         FROM {table} x LEFT JOIN person p ON p.pers_person_id = x.{person} CROSS JOIN params WHERE {condition}"
    )
}

/// The condition for `event_before_birth` on event column `e`: before the date of birth of a
/// child not recorded as unborn, and for a child from a CIN census return, before pre-birth work
/// could start.
fn before_birth_condition(e: &str, checks: &Checks) -> String {
    let mut condition = format!("x.{e} < p.pers_dob AND p.pers_expected_dob IS NULL");
    if !checks.census_files.is_empty() {
        let census = super::from_files("p.", &checks.census_files);
        condition.push_str(&format!(" AND NOT ({census} AND x.{e} >= p.pers_dob - INTERVAL '{PRE_BIRTH_DAYS} days')"));
    }
    condition
}

/// One generated query: every generic rule over one table, as one `UNION ALL`.
fn generic_sql(t: &TableEvents, checks: &Checks) -> String {
    let (table, person) = (t.name.as_str(), t.person.as_str());
    let mut parts = Vec::new();
    for e in &t.events {
        if !t.before_birth {
            parts.push(rule_row("event_before_birth", table, person, e, &before_birth_condition(e, checks)));
        }
        parts.push(rule_row("age_over_25_at_event", table, person, e, &format!("x.{e} > p.pers_dob + INTERVAL '25 years'")));
        parts.push(rule_row("date_before_1900", table, person, e, &format!("x.{e} < DATE '1900-01-01'")));
        if checks.future_events {
            parts.push(rule_row("event_in_future", table, person, e, &format!("x.{e} > params.as_at")));
        }
    }
    for [start, end] in &t.spans {
        parts.push(rule_row("dates_out_of_order", table, person, end, &format!("x.{end} < x.{start}")));
    }
    let orphan = format!("x.{person} IS NOT NULL AND p.pers_person_id IS NULL AND EXISTS (SELECT 1 FROM person)");
    parts.push(rule_row("person_not_in_person_table", table, person, person, &orphan));
    parts.join("\nUNION ALL\n")
}

/// The person table's own rules: a date of birth before 1900, or (nightly) in the future.
fn person_sql(checks: &Checks) -> String {
    let mut parts = vec![rule_row("date_before_1900", "person", "pers_person_id", "pers_dob", "x.pers_dob < DATE '1900-01-01'")];
    if checks.future_events {
        parts.push(rule_row("dob_in_future", "person", "pers_person_id", "pers_dob", "x.pers_dob > params.as_at"));
    }
    parts.join("\nUNION ALL\n")
}

/// The code a relational rule's SQL file raises (its first line, `-- rule: <code>`).
pub fn rule_code(sql: &str) -> Option<&str> {
    sql.lines().next()?.strip_prefix("-- rule:").map(str::trim)
}

/// The tables or views a relational rule needs beyond the core tables every run has (its
/// `-- requires: a, b` header line): the rule is skipped in a run or build that has none of them,
/// as a table another part of csc adds to the schema.
pub fn required_tables(sql: &str) -> Vec<&str> {
    sql.lines()
        .take_while(|l| l.starts_with("--"))
        .filter_map(|l| l.strip_prefix("-- requires:"))
        .flat_map(|l| l.split(',').map(str::trim).filter(|t| !t.is_empty()))
        .collect()
}

/// Every rule query, `(name for messages, SQL)`, each selecting `code` with the other columns.
fn queries(ctx: &SessionContext, checks: &Checks) -> Result<Vec<(String, String)>> {
    let mut out = vec![("plausibility: person".to_string(), person_sql(checks))];
    for t in event_tables() {
        out.push((format!("plausibility: {}", t.name), generic_sql(t, checks)));
    }
    for (name, sql) in RULE_SQL {
        if required_tables(sql).iter().any(|t| !ctx.table_exist(*t).unwrap_or(false)) {
            continue;
        }
        let code =
            rule_code(sql).ok_or_else(|| Error::Internal(format!("sql/quality/{name}.sql does not start with `-- rule: <code>`")))?;
        let rule = catalogue::rule(code)
            .ok_or_else(|| Error::Internal(format!("sql/quality/{name}.sql raises {code}, which is not in the rule catalogue")))?;
        // A relational rule's file raises one code: its `-- rule:` line.
        out.push((format!("sql/quality/{name}.sql"), format!("SELECT '{}' AS code, r.* FROM ({sql}) r", rule.code)));
    }
    Ok(out)
}

/// A core cell: `_source_file`, `_source_row` and core column.
type Cell = (String, i64, String);

/// The core cells whose value could not be read and was emptied, each reported by its own issue.
fn unreadable_cells(issues: &[Issue]) -> HashSet<Cell> {
    issues
        .iter()
        .filter(|i| i.action == Action::SetNull)
        .filter_map(|i| Some((i.file.clone()?, i.record_row.or(i.row)?, i.core_column.clone()?)))
        .collect()
}

/// The cells of other records a relational rule's flags rest on (its optional `via_file`,
/// `via_row` and `via_column`), one per flagged row.
struct Via {
    file: datafusion::arrow::array::ArrayRef,
    row: datafusion::arrow::array::ArrayRef,
    column: datafusion::arrow::array::ArrayRef,
}

impl Via {
    fn get(&self, i: usize) -> Option<Cell> {
        let (file, row, column) = (
            self.file.as_string::<i32>(),
            self.row.as_primitive::<datafusion::arrow::datatypes::Int64Type>(),
            self.column.as_string::<i32>(),
        );
        (file.is_valid(i) && row.is_valid(i) && column.is_valid(i))
            .then(|| (file.value(i).to_string(), row.value(i), column.value(i).to_string()))
    }
}

fn via_cells(b: &RecordBatch) -> Result<Option<Via>> {
    let (Some(file), Some(row), Some(column)) = (b.column_by_name("via_file"), b.column_by_name("via_row"), b.column_by_name("via_column"))
    else {
        return Ok(None);
    };
    Ok(Some(Via { file: cast(file, &DataType::Utf8)?, row: cast(row, &DataType::Int64)?, column: cast(column, &DataType::Utf8)? }))
}

/// Runs every plausibility and linkage rule over the core tables registered in `ctx` and records
/// one issue per record that breaks one, except where the flag rests on another record's value
/// that could not be read (reported at that value instead). Returns how many it recorded.
pub async fn check(ctx: &SessionContext, checks: &Checks, issues: &mut Vec<Issue>) -> Result<usize> {
    let results: Vec<Vec<RecordBatch>> = futures::stream::iter(
        queries(ctx, checks)?
            .into_iter()
            .map(|(name, sql)| async move { Ok::<_, Error>(crate::model::query_with_schema(ctx, (&name, &sql)).await?.1) }),
    )
    .buffered(crate::model::concurrent_queries(ctx))
    .try_collect()
    .await?;
    let before = issues.len();
    // A CIN census return's reader already reports dates out of order (as end_before_start).
    let already: HashSet<(String, i64)> =
        issues.iter().filter(|i| i.code == "end_before_start").filter_map(|i| Some((i.file.clone()?, i.row?))).collect();
    let unread = unreadable_cells(issues);
    // A record flagged through several others is flagged once.
    let mut flagged: HashSet<(&'static str, String, Option<i64>, String)> = HashSet::new();
    for batches in results {
        for b in batches {
            let via = via_cells(&b)?;
            let text = |name: &str| -> Result<_> {
                Ok(cast(
                    b.column_by_name(name).ok_or_else(|| Error::Internal(format!("a rule query has no {name} column")))?,
                    &DataType::Utf8,
                )?)
            };
            let (codes, file, table, column) = (text("code")?, text("file")?, text("table_name")?, text("column_name")?);
            let rows = cast(b.column_by_name("row_number").expect("every rule selects row_number"), &DataType::Int64)?;
            let (codes, file, table, column, rows) = (
                codes.as_string::<i32>(),
                file.as_string::<i32>(),
                table.as_string::<i32>(),
                column.as_string::<i32>(),
                rows.as_primitive::<datafusion::arrow::datatypes::Int64Type>(),
            );
            for i in 0..b.num_rows() {
                let Some(rule) = catalogue::rule(codes.value(i)) else {
                    return Err(Error::Internal(format!("a plausibility rule raised {}, which is not in the catalogue", codes.value(i))));
                };
                let code = rule.code.as_str();
                if code == "dates_out_of_order"
                    && file.is_valid(i)
                    && rows.is_valid(i)
                    && already.contains(&(file.value(i).to_string(), rows.value(i)))
                {
                    continue;
                }
                if let Some(via) = &via {
                    if via.get(i).is_some_and(|cell| unread.contains(&cell)) {
                        continue;
                    }
                    let at = (code, file.value(i).to_string(), rows.is_valid(i).then(|| rows.value(i)), column.value(i).to_string());
                    if !flagged.insert(at) {
                        continue;
                    }
                }
                let mut issue = Issue::new(rule.severity(), STAGE, code, rule.message.clone(), Action::Kept).table(table.value(i));
                issue.column = Some(column.value(i).to_string());
                if file.is_valid(i) {
                    issue = issue.file(file.value(i));
                }
                if rows.is_valid(i) {
                    issue = issue.row(rows.value(i));
                }
                issues.push(issue);
            }
        }
    }
    Ok(issues.len() - before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_tables_name_real_columns_and_every_rule_code_is_catalogued() {
        let tables = crate::schema::ssd_tables();
        for t in event_tables() {
            let spec = tables.iter().find(|s| s.name == t.name).unwrap_or_else(|| panic!("{} is not a core table", t.name));
            let has = |c: &str| spec.columns.iter().any(|col| col.name == c);
            assert!(has(&t.person), "{}.{}", t.name, t.person);
            for c in t.events.iter().chain(t.spans.iter().flatten()) {
                assert!(has(c), "{}.{c}", t.name);
            }
        }
        for code in [
            "event_before_birth",
            "age_over_25_at_event",
            "date_before_1900",
            "event_in_future",
            "dob_in_future",
            "dates_out_of_order",
            "person_not_in_person_table",
        ] {
            assert!(catalogue::rule(code).is_some(), "{code}");
        }
        for (name, sql) in RULE_SQL {
            let code = rule_code(sql).unwrap_or_else(|| panic!("{name}: no `-- rule:` line"));
            assert!(catalogue::rule(code).is_some(), "{name}: {code}");
        }
        assert!(RULE_SQL.len() >= 10);
    }

    #[tokio::test]
    async fn an_overlap_resting_on_an_end_date_that_could_not_be_read_is_not_flagged() {
        // Child C's plan P1 (line 10) has no end, P2 (line 20) starts inside it: flagged, unless
        // P1's CPPendDate (line 12) was reported unreadable and emptied.
        let ctx = crate::model::test_session();
        let insert = "INSERT INTO cp_plan (cppl_cp_plan_id, cppl_person_id, cppl_cp_plan_start_date, cppl_cp_plan_end_date, _source_file, _source_row) \
                      VALUES ('P1', 'C', DATE '2023-01-01', NULL, 'cin_2024.xml', 10), ('P2', 'C', DATE '2023-06-01', NULL, 'cin_2024.xml', 20)";
        ctx.sql(insert).await.unwrap().collect().await.unwrap();
        let overlaps = |issues: &[Issue]| issues.iter().filter(|i| i.code == "overlapping_episodes").map(|i| i.row).collect::<Vec<_>>();
        let checks = Checks::default();

        let mut issues = Vec::new();
        check(&ctx, &checks, &mut issues).await.unwrap();
        assert_eq!(overlaps(&issues), [Some(20)]);

        let mut unread = Issue::new(super::super::Severity::Error, "normalise", "invalid_date", "m", Action::SetNull)
            .file("cin_2024.xml")
            .row(12)
            .core_column("cppl_cp_plan_end_date");
        unread.record_row = Some(10);
        let mut issues = vec![unread.clone()];
        check(&ctx, &checks, &mut issues).await.unwrap();
        assert_eq!(overlaps(&issues), [], "the flag rests on P1's unreadable end");

        // An unreadable value of another record does not excuse P2.
        unread.record_row = Some(11);
        let mut issues = vec![unread];
        check(&ctx, &checks, &mut issues).await.unwrap();
        assert_eq!(overlaps(&issues), [Some(20)]);
    }

    #[test]
    fn a_rule_names_the_tables_it_needs_in_its_header() {
        let sql = "-- rule: x\n-- requires: cla_care_plan, cla_permanence_plan\n-- text\nSELECT 1 -- requires: not_this";
        assert_eq!(required_tables(sql), ["cla_care_plan", "cla_permanence_plan"]);
        assert!(required_tables("-- rule: x\nSELECT 1").is_empty());
    }
}
