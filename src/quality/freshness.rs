//! Freshness and truncation: an export that has silently stopped updating, or arrived with a
//! table cut short, types cleanly and would publish wrong figures with exit 0.
//!
//! - [`stale_tables`]: the newest record of each table named in `[run] freshness_tables` must be
//!   within `[run] freshness_lag_days` of the as-at date, else an error-severity `table_stale`
//!   issue names the table.
//! - [`row_drops`]: a core table with fewer rows than the last published run by more than
//!   `[run] max_row_drop` stops the publish (unless `--accept-drop`).
//! - [`unchanged_days`]: how long the input has been identical, for a run skipped because nothing
//!   changed (exit 4 past `[run] unchanged_alert_days`).

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Date32Type;
use datafusion::prelude::SessionContext;

use super::plausibility::event_tables;
use super::{catalogue, Action, Issue};
use crate::manifest::Manifest;
use crate::{Error, Result};

/// The run's thresholds for a stale, truncated or stuck export (`[run]` in the pipeline file).
#[derive(Debug, Clone, PartialEq)]
pub struct Gates {
    /// Largest share of a core table's rows that may disappear since the last published run
    /// before the publish stops (default 0.25). Tables that had fewer than [`MIN_ROWS_FOR_DROP`]
    /// rows are not checked.
    pub max_row_drop: f64,
    /// Tables whose newest record must be recent (default contact, referral, assessment: every
    /// LA records these daily).
    pub freshness_tables: Vec<String>,
    /// Days the newest record of a freshness table may lag the as-at date (default 7).
    pub freshness_lag_days: u32,
    /// Days of identical input after which a skipped run exits 4 (default 3).
    pub unchanged_alert_days: u32,
    /// Largest rise, as a share of the rows, in a key column's blank share since the last
    /// published run before a `blank_share_rose` warning (default 0.10: ten points).
    pub max_blank_rise: f64,
}

/// Tables smaller than this are not checked for a drop: a few rows come and go.
pub const MIN_ROWS_FOR_DROP: usize = 100;

impl Default for Gates {
    fn default() -> Self {
        Gates {
            max_row_drop: 0.25,
            freshness_tables: ["contact", "referral", "assessment"].map(String::from).to_vec(),
            freshness_lag_days: 7,
            unchanged_alert_days: 3,
            max_blank_rise: 0.10,
        }
    }
}

impl Gates {
    /// Checks the settings: a share between 0 and 1, and freshness tables the rules know the
    /// event dates of.
    pub fn validate(&self) -> Result<()> {
        if !(self.max_row_drop > 0.0 && self.max_row_drop <= 1.0) {
            return Err(Error::Config(
                "[run] max_row_drop must be a share above 0 and at most 1 (0.25 = a quarter of a table's rows)".into(),
            ));
        }
        if !(self.max_blank_rise > 0.0 && self.max_blank_rise <= 1.0) {
            return Err(Error::Config(
                "[run] max_blank_rise must be a share above 0 and at most 1 (0.10 = ten more blank cells in every hundred rows)".into(),
            ));
        }
        for t in &self.freshness_tables {
            if !event_tables().iter().any(|e| &e.name == t && !e.events.is_empty()) {
                let known: Vec<&str> = event_tables().iter().filter(|e| !e.events.is_empty()).map(|e| e.name.as_str()).collect();
                return Err(Error::Config(format!(
                    "[run] freshness_tables: {t} is not a table with event dates (one of {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Records a `table_stale` error for each freshness table that has rows but whose newest record
/// (on or before the as-at date) is more than the lag older than the as-at date. Returns the
/// tables found stale.
pub async fn stale_tables(ctx: &SessionContext, gates: &Gates, as_at: NaiveDate, issues: &mut Vec<Issue>) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    for table in &gates.freshness_tables {
        let Some(t) = event_tables().iter().find(|e| &e.name == table) else { continue };
        let dates = t.events.iter().map(|e| format!("SELECT {e} AS d FROM {table}")).collect::<Vec<_>>().join(" UNION ALL ");
        let sql = format!(
            "SELECT (SELECT count(*) FROM {table}) AS n, max(d) AS newest FROM ({dates}) CROSS JOIN params WHERE d <= params.as_at"
        );
        let file = format!("freshness: {table}");
        let (_, batches) = crate::model::query_with_schema(ctx, (&file, &sql)).await?;
        let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else { continue };
        let rows = datafusion::arrow::compute::cast(b.column(0), &datafusion::arrow::datatypes::DataType::Int64)?;
        if rows.as_primitive::<datafusion::arrow::datatypes::Int64Type>().value(0) == 0 {
            continue; // not in the export: reported as missing_table
        }
        let newest = b.column(1).as_primitive::<Date32Type>();
        let lag = if newest.is_valid(0) { newest.value_as_date(0).map(|d| (as_at - d).num_days()) } else { None };
        if lag.is_none_or(|days| days > i64::from(gates.freshness_lag_days)) {
            let rule = catalogue::rule("table_stale").expect("catalogued");
            let how_old = lag.map(|d| format!("{d} days")).unwrap_or_else(|| "no record on or before the as-at date".into());
            issues.push(
                Issue::new(
                    rule.severity(),
                    "model",
                    "table_stale",
                    format!(
                        "{} Newest record: {how_old} before the as-at date (allowed: {} days).",
                        rule.message, gates.freshness_lag_days
                    ),
                    Action::Kept,
                )
                .table(table),
            );
            stale.push(table.clone());
        }
    }
    Ok(stale)
}

/// A core table whose row count fell too far since the last published run.
#[derive(Debug, Clone, PartialEq)]
pub struct RowDrop {
    pub table: String,
    pub before: usize,
    pub now: usize,
}

impl std::fmt::Display for RowDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = 100.0 * (self.before - self.now) as f64 / self.before as f64;
        write!(f, "{} has {} rows, down from {} ({share:.0}% fewer)", self.table, self.now, self.before)
    }
}

/// The tables of `now` (name, rows) that lost more than the allowed share of the rows the
/// published manifest recorded for them.
pub fn row_drops(published: &Manifest, now: &[(String, usize)], gates: &Gates) -> Vec<RowDrop> {
    let before: std::collections::HashMap<&str, usize> = published.tables.iter().map(|t| (t.name.as_str(), t.rows_out)).collect();
    now.iter()
        .filter_map(|(name, rows)| {
            let was = *before.get(name.as_str())?;
            (was >= MIN_ROWS_FOR_DROP && (*rows as f64) < was as f64 * (1.0 - gates.max_row_drop)).then(|| RowDrop {
                table: name.clone(),
                before: was,
                now: *rows,
            })
        })
        .collect()
}

/// Whole days from the published run's start to `today`, when a run was skipped because its
/// input is identical to the published run's and that has lasted at least the alert threshold.
pub fn unchanged_days(published: &Manifest, today: NaiveDate, gates: &Gates) -> Option<i64> {
    let since = chrono::DateTime::parse_from_rfc3339(&published.started_at).ok()?.date_naive();
    let days = (today - since).num_days();
    (days >= i64::from(gates.unchanged_alert_days)).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_that_lost_more_than_the_share_is_a_drop_and_small_tables_are_not_checked() {
        let published: Manifest = serde_json::from_value(serde_json::json!({"tables": [
            {"name": "contact", "rows_out": 1000}, {"name": "referral", "rows_out": 400},
            {"name": "icpc", "rows_out": 50}, {"name": "cp_plan", "rows_out": 100}
        ]}))
        .unwrap();
        let now = [
            ("contact".to_string(), 750),
            ("referral".to_string(), 299),
            ("icpc".to_string(), 0),
            ("cp_plan".to_string(), 74),
            ("person".to_string(), 5),
        ];
        let drops = row_drops(&published, &now, &Gates::default());
        // contact: exactly a quarter fewer is allowed; referral: 299 < 300 is not; icpc had
        // under 100 rows; cp_plan 74 < 75; person is new.
        assert_eq!(drops.iter().map(|d| d.table.as_str()).collect::<Vec<_>>(), ["referral", "cp_plan"]);
        assert_eq!(drops[0].to_string(), "referral has 299 rows, down from 400 (25% fewer)");
    }

    #[test]
    fn unchanged_input_is_reported_from_the_alert_threshold() {
        let published: Manifest = serde_json::from_value(serde_json::json!({"started_at": "2026-12-01T02:30:00Z"})).unwrap();
        let gates = Gates::default();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(unchanged_days(&published, day(3), &gates), None);
        assert_eq!(unchanged_days(&published, day(4), &gates), Some(3));
        assert_eq!(unchanged_days(&Manifest::default(), day(4), &gates), None);
    }

    #[test]
    fn settings_are_checked() {
        assert!(Gates::default().validate().is_ok());
        assert!(Gates { max_row_drop: 0.0, ..Gates::default() }.validate().is_err());
        assert!(Gates { max_row_drop: 1.5, ..Gates::default() }.validate().is_err());
        assert!(Gates { max_blank_rise: 0.0, ..Gates::default() }.validate().is_err());
        let err = Gates { freshness_tables: vec!["professional".into()], ..Gates::default() }.validate().unwrap_err();
        assert!(err.to_string().contains("professional"), "{err}");
    }
}
