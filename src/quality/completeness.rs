//! Completeness: the share of each key column that is blank, per table and run
//! (`reference/quality/completeness.toml` names the key columns). A column blank on every row
//! (`key_column_blank`) is an export that has stopped filling it; a share that jumped since the
//! last published run (`blank_share_rose`) is a recording or extract change. Each run's shares are
//! kept in its manifest, which the next run compares against, and published as
//! `quality/completeness/` with one partition per as-at date: the trend across runs.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};

use super::freshness::{Gates, MIN_ROWS_FOR_DROP};
use super::{catalogue, Action, Issue, Severity};
use crate::Result;

/// One key column's blank cells in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlankShare {
    pub table: String,
    pub column: String,
    /// Rows of the core table.
    pub rows: usize,
    /// Rows on which the column is blank.
    pub blank: usize,
}

impl BlankShare {
    /// The blank share, 0 to 1.
    pub fn share(&self) -> f64 {
        self.blank as f64 / self.rows as f64
    }
}

#[derive(Deserialize)]
struct File {
    key_columns: BTreeMap<String, Vec<String>>,
}

/// The key columns of each core table (`reference/quality/completeness.toml`).
pub fn key_columns() -> &'static BTreeMap<String, Vec<String>> {
    static KEYS: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let text = include_str!("../../reference/quality/completeness.toml");
        toml::from_str::<File>(text).expect("reference/quality/completeness.toml is valid (checked by a test)").key_columns
    })
}

/// The blank share of every key column of every core table registered in `ctx` that has rows.
/// A column a CIN census return does not carry (a team) is measured over the rows from the run's
/// other files only (`census_files` are the returns), and not at all when every row came from a
/// return: the census never fills it, so its blanks say nothing about the export.
pub async fn measure(ctx: &SessionContext, census_files: &[String]) -> Result<Vec<BlankShare>> {
    let census = (!census_files.is_empty()).then(|| super::from_files("", census_files));
    let mut out = Vec::new();
    for (table, columns) in key_columns() {
        if !ctx.table_exist(table.as_str()).unwrap_or(false) {
            continue;
        }
        // Per column: the rows it is measured over and those it fills.
        let counts: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| match &census {
                Some(census) if !crate::normalise::cin_xml::carries(table, c) => format!(
                    "count(CASE WHEN {census} THEN NULL ELSE 1 END) AS rows_{i}, count(CASE WHEN {census} THEN NULL ELSE {c} END) AS filled_{i}"
                ),
                _ => format!("count(*) AS rows_{i}, count({c}) AS filled_{i}"),
            })
            .collect();
        let sql = format!("SELECT count(*), {} FROM {table}", counts.join(", "));
        let file = format!("completeness: {table}");
        let (_, batches) = crate::model::query_with_schema(ctx, (&file, &sql)).await?;
        let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else { continue };
        let value = |i: usize| -> Result<usize> {
            let v = cast(b.column(i), &DataType::Int64)?;
            Ok(v.as_primitive::<Int64Type>().value(0) as usize)
        };
        let rows = value(0)?;
        if rows == 0 {
            continue; // not in the export: missing_table says so
        }
        for (i, column) in columns.iter().enumerate() {
            let (rows, filled) = (value(2 * i + 1)?, value(2 * i + 2)?);
            if rows > 0 {
                out.push(BlankShare { table: table.clone(), column: column.clone(), rows, blank: rows - filled });
            }
        }
    }
    Ok(out)
}

/// Shares by table and column.
fn by_column(shares: &[BlankShare]) -> BTreeMap<(String, String), &BlankShare> {
    shares.iter().map(|s| ((s.table.clone(), s.column.clone()), s)).collect()
}

/// Records `key_column_blank` for each key column blank on every row, and `blank_share_rose` for
/// each whose share rose by more than `[run] max_blank_rise` since the published run (both runs
/// with at least [`MIN_ROWS_FOR_DROP`] rows).
pub fn check(now: &[BlankShare], published: &[BlankShare], gates: &Gates, issues: &mut Vec<Issue>) {
    let before = by_column(published);
    for s in now {
        let located = |issue: Issue| issue.table(&s.table).column_named(&s.column);
        if s.blank == s.rows {
            let rule = catalogue::rule("key_column_blank").expect("catalogued");
            let message = format!("{} Blank on all {} rows.", rule.message, s.rows);
            issues.push(located(Issue::new(Severity::Error, "model", "key_column_blank", message, Action::Kept)));
            continue;
        }
        let Some(was) = before.get(&(s.table.clone(), s.column.clone())) else { continue };
        if s.rows >= MIN_ROWS_FOR_DROP && was.rows >= MIN_ROWS_FOR_DROP && s.share() - was.share() > gates.max_blank_rise {
            let rule = catalogue::rule("blank_share_rose").expect("catalogued");
            let message = format!(
                "{} Blank on {:.0}% of rows, up from {:.0}% at the last published run.",
                rule.message,
                100.0 * s.share(),
                100.0 * was.share()
            );
            issues.push(located(Issue::new(Severity::Warning, "model", "blank_share_rose", message, Action::Kept)));
        }
    }
}

/// The run's shares as the `quality/completeness` table: table, column, rows, blank rows and blank
/// share. Blank counts of 1 to 5 (and their share) are suppressed. The trend is the table's
/// partitions, one per as-at date; the comparison with the last published run is
/// [`check`]'s `blank_share_rose` issue.
pub fn batch(now: &[BlankShare]) -> Result<RecordBatch> {
    let small = |s: &BlankShare| (1..=5).contains(&s.blank);
    let shown = |s: &BlankShare| (!small(s)).then(|| s.share());
    let schema = Schema::new(vec![
        Field::new("table_name", DataType::Utf8, false),
        Field::new("column_name", DataType::Utf8, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("blank_rows", DataType::Int64, true),
        Field::new("blank_share", DataType::Float64, true),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(now.iter().map(|s| s.table.as_str()))),
        Arc::new(StringArray::from_iter_values(now.iter().map(|s| s.column.as_str()))),
        Arc::new(Int64Array::from_iter_values(now.iter().map(|s| s.rows as i64))),
        Arc::new(now.iter().map(|s| (!small(s)).then_some(s.blank as i64)).collect::<Int64Array>()),
        Arc::new(now.iter().map(shown).collect::<Float64Array>()),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(table: &str, column: &str, rows: usize, blank: usize) -> BlankShare {
        BlankShare { table: table.into(), column: column.into(), rows, blank }
    }

    #[test]
    fn key_columns_are_real_columns() {
        let tables = crate::schema::ssd_tables();
        for (table, columns) in key_columns() {
            let spec = tables.iter().find(|t| &t.name == table).unwrap_or_else(|| panic!("{table} is not a core table"));
            for c in columns {
                assert!(spec.column_index(c).is_some(), "{table}.{c}");
            }
        }
    }

    #[test]
    fn an_all_blank_column_and_a_rise_past_the_threshold_are_flagged() {
        let published = [
            share("referral", "a", 200, 20),
            share("referral", "b", 200, 20),
            share("referral", "c", 50, 0),
            share("referral", "d", 200, 0),
        ];
        // a: 10% -> 20%: ten points, not more; b: 10% -> 21%: flagged; c: under 100 rows before;
        // d: blank on every row (no share compared); e: new.
        let now = [
            share("referral", "a", 200, 40),
            share("referral", "b", 200, 42),
            share("referral", "c", 200, 150),
            share("referral", "d", 200, 200),
            share("referral", "e", 200, 100),
        ];
        let mut issues = Vec::new();
        check(&now, &published, &Gates::default(), &mut issues);
        let got: Vec<(&str, &str)> = issues.iter().map(|i| (i.code, i.column.as_deref().unwrap())).collect();
        assert_eq!(got, [("blank_share_rose", "b"), ("key_column_blank", "d")]);
        assert!(issues[0].message.ends_with("Blank on 21% of rows, up from 10% at the last published run."), "{}", issues[0].message);
        // Without a published run only the all-blank column is flagged.
        let mut first = Vec::new();
        check(&now, &[], &Gates::default(), &mut first);
        assert_eq!(first.len(), 1);
    }

    #[tokio::test]
    async fn a_column_the_census_does_not_carry_is_measured_over_the_other_files_only() {
        let ctx = crate::model::test_session();
        let of = |shares: &[BlankShare], column: &str| {
            shares.iter().find(|s| s.table == "referral" && s.column == column).map(|s| (s.rows, s.blank))
        };
        let census = ["cin_2024.xml".to_string()];
        // Three census referrals, no team and one with no source: the team is not measured, so
        // not reported blank.
        let insert = |rows: &str| {
            format!(
            "INSERT INTO referral (cine_referral_id, cine_person_id, cine_referral_date, cine_referral_source_code, cine_referral_team, _source_file) VALUES {rows}"
        )
        };
        let rows =
            "('R1', 'C1', DATE '2023-05-01', '1A', NULL, 'cin_2024.xml'), ('R2', 'C2', DATE '2023-05-02', NULL, NULL, 'cin_2024.xml'), \
                    ('R3', 'C3', DATE '2023-05-03', '1A', NULL, 'cin_2024.xml')";
        ctx.sql(&insert(rows)).await.unwrap().collect().await.unwrap();
        let shares = measure(&ctx, &census).await.unwrap();
        assert_eq!((of(&shares, "cine_referral_team"), of(&shares, "cine_referral_source_code")), (None, Some((3, 1))));
        // And two from an SSD file, one with a team: the team is measured over those two.
        let rows = "('R4', 'C4', DATE '2023-05-04', '1A', 'T1', 'ssd_cin_episodes.csv'), ('R5', 'C5', DATE '2023-05-05', '1A', NULL, 'ssd_cin_episodes.csv')";
        ctx.sql(&insert(rows)).await.unwrap().collect().await.unwrap();
        let shares = measure(&ctx, &census).await.unwrap();
        assert_eq!(of(&shares, "cine_referral_team"), Some((2, 1)), "the SSD file's rows only");
        assert_eq!(of(&shares, "cine_referral_source_code"), Some((5, 1)), "the census carries the source");
        // Read as an SSD extract throughout, every row counts.
        assert_eq!(of(&measure(&ctx, &[]).await.unwrap(), "cine_referral_team"), Some((5, 4)));
    }

    #[test]
    fn the_table_suppresses_one_to_five_blank_rows() {
        use datafusion::arrow::array::Array;
        let b = batch(&[share("t", "a", 100, 3), share("t", "b", 100, 6), share("t", "c", 100, 0)]).unwrap();
        let blank = b.column(3).as_primitive::<Int64Type>();
        assert_eq!((blank.is_null(0), blank.value(1), blank.value(2)), (true, 6, 0));
        let share = b.column(4).as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        assert!(share.is_null(0) && (share.value(1) - 0.06).abs() < 1e-12 && share.value(2) == 0.0);
    }
}
