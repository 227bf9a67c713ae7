//! The pack's Annex A analysis: what inspectors look at in the first days of an inspection, as
//! aggregates only (no child-level row leaves the restricted area). Counts and rates per list,
//! and the cross-tabs of `sql/report/*.sql` (age by sex, ethnicity, sources, repeat referrals,
//! overlaps between lists, visit recency, placements, care leavers' accommodation and activity).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Datelike;
use datafusion::arrow::array::{Array, AsArray, Date32Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::prelude::SessionContext;

use super::data::PackData;
use crate::normalise::cells::date32;
use crate::Result;

/// The analysis queries (`sql/report/`).
const QUERIES: &[(&str, &str)] = &[
    ("age_sex", include_str!("../../../sql/report/age_sex.sql")),
    ("ethnicity", include_str!("../../../sql/report/ethnicity.sql")),
    ("list_01_sources", include_str!("../../../sql/report/list_01_sources.sql")),
    ("list_03_sources", include_str!("../../../sql/report/list_03_sources.sql")),
    ("list_03_repeat", include_str!("../../../sql/report/list_03_repeat.sql")),
    ("list_07_last_visit", include_str!("../../../sql/report/list_07_last_visit.sql")),
    ("list_08_last_visit", include_str!("../../../sql/report/list_08_last_visit.sql")),
    ("list_08_placement_type", include_str!("../../../sql/report/list_08_placement_type.sql")),
    ("list_08_placements", include_str!("../../../sql/report/list_08_placements.sql")),
    ("list_09_accommodation", include_str!("../../../sql/report/list_09_accommodation.sql")),
    ("list_09_activity", include_str!("../../../sql/report/list_09_activity.sql")),
    ("overlap", include_str!("../../../sql/report/overlap.sql")),
];

/// Ofsted's names of lists 1 to 10, with the core table each list is drawn from: a list with no
/// rows whose table had none in the export is no data, not zero.
pub const LIST_TITLES: &[(&str, &str, &str)] = &[
    ("list_01", "List 1: contacts", "contact"),
    ("list_02", "List 2: early help", "early_help_episode"),
    ("list_03", "List 3: referrals", "referral"),
    ("list_04", "List 4: assessments", "assessment"),
    ("list_05", "List 5: section 47 enquiries and ICPCs", "s47_enquiry"),
    ("list_06", "List 6: children in need", "referral"),
    ("list_07", "List 7: child protection", "cp_plan"),
    ("list_08", "List 8: children in care", "cla_episode"),
    ("list_09", "List 9: care leavers", "care_leaver"),
    ("list_10", "List 10: adoption", "permanence"),
];

/// One list's size.
#[derive(Debug, Clone)]
pub struct ListSummary {
    pub list: String,
    pub title: String,
    /// The core table it is drawn from, when the export had no rows in it.
    pub missing_table: Option<String>,
    /// Rows (events) in the list; `None` when the list was not published.
    pub rows: Option<i64>,
    pub children: Option<i64>,
}

/// A cross-tab of counts.
#[derive(Debug, Clone, Default)]
pub struct Crosstab {
    /// The list it is about, or `all` for a table over several lists.
    pub list: String,
    pub title: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// (row, column) → count.
    pub cells: BTreeMap<(usize, usize), i64>,
}

/// The whole Annex A analysis.
#[derive(Debug, Clone, Default)]
pub struct AnnexAnalysis {
    /// ONS mid-year 0-17 population the rates use (the mid-year the financial year starts in).
    pub population: Option<i64>,
    pub population_year: i32,
    pub lists: Vec<ListSummary>,
    pub tables: Vec<Crosstab>,
}

/// The short name (`list_03`) of a published list folder (`list_03_referrals`).
fn short(name: &str) -> &str {
    name.get(..7).unwrap_or(name)
}

/// Computes the analysis from the published lists.
pub async fn analyse(data: &PackData) -> Result<AnnexAnalysis> {
    let ctx = SessionContext::new();
    let mut present = Vec::new();
    for (name, batch) in &data.lists {
        ctx.register_batch(short(name), batch.clone())?;
        present.push(short(name).to_string());
    }
    // An absent list reads as empty, so a query over several lists still runs.
    for (list, _, _) in LIST_TITLES {
        if !present.iter().any(|p| p == list) {
            let schema = Arc::new(Schema::new(vec![Field::new("Child Unique ID", DataType::Utf8, true)]));
            ctx.register_batch(*list, RecordBatch::new_empty(schema))?;
        }
    }
    let schema = Arc::new(Schema::new(vec![Field::new("as_at", DataType::Date32, false)]));
    ctx.register_batch("pack_params", RecordBatch::try_new(schema, vec![Arc::new(Date32Array::from(vec![date32(data.as_at)]))])?)?;

    let mut lists = Vec::new();
    for (list, title, table) in LIST_TITLES {
        let (rows, children) = if present.iter().any(|p| p == list) {
            let sql = format!("SELECT count(*) AS r, count(DISTINCT \"Child Unique ID\") AS c FROM {list}");
            let b = run(&ctx, &sql, "list size").await?;
            let get = |i: usize| {
                b.first()
                    .filter(|b| b.num_rows() > 0)
                    .and_then(|b| cast(b.column(i), &DataType::Int64).ok())
                    .map(|a| a.as_primitive::<Int64Type>().value(0))
            };
            (get(0), get(1))
        } else {
            (None, None)
        };
        let missing_table = (data.table_rows.get(*table).copied().unwrap_or(0) == 0).then(|| table.to_string());
        lists.push(ListSummary { list: list.to_string(), title: title.to_string(), missing_table, rows, children });
    }
    // Cross-tabs are of lists with rows: an empty list's table would say nothing.
    let present: Vec<String> = lists.iter().filter(|l| l.rows.unwrap_or(0) > 0).map(|l| l.list.clone()).collect();

    let mut tables = Vec::new();
    for (file, sql) in QUERIES {
        let title = header(sql, "title").unwrap_or_else(|| file.to_string());
        let targets: Vec<String> = match header(sql, "for") {
            Some(for_lists) => for_lists.split(',').map(|l| l.trim().to_string()).filter(|l| present.contains(l)).collect(),
            None => {
                let reads = header(sql, "lists").unwrap_or_default();
                if !present.iter().any(|p| reads.contains(p.as_str())) {
                    continue;
                }
                vec![String::new()]
            }
        };
        for list in targets {
            let text = sql.replace("{list}", &list);
            let batches = run(&ctx, &text, &format!("sql/report/{file}.sql")).await?;
            let about =
                if list.is_empty() { file.get(..7).filter(|p| p.starts_with("list_")).unwrap_or("all").to_string() } else { list.clone() };
            tables.push(crosstab(&about, &title, &batches)?);
        }
    }
    let population_year = crate::calendar::financial_year_start(data.as_at).year();
    let population = population(&data.la_code, population_year)?;
    Ok(AnnexAnalysis { population, population_year, lists, tables })
}

/// A `-- key: value` line of a query's header.
fn header(sql: &str, key: &str) -> Option<String> {
    sql.lines()
        .take_while(|l| l.starts_with("--"))
        .find_map(|l| l.trim_start_matches("--").trim().strip_prefix(&format!("{key}:")).map(|v| v.trim().to_string()))
}

async fn run(ctx: &SessionContext, sql: &str, file: &str) -> Result<Vec<RecordBatch>> {
    let df = ctx.sql(sql).await.map_err(|source| crate::Error::Sql { file: file.to_string(), source })?;
    df.collect().await.map_err(|source| crate::Error::Sql { file: file.to_string(), source })
}

/// Folds `row_label, row_order, column_label, children` rows into a cross-tab.
fn crosstab(list: &str, title: &str, batches: &[RecordBatch]) -> Result<Crosstab> {
    let mut rows: Vec<(i64, String)> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut raw: Vec<(String, String, i64)> = Vec::new();
    for b in batches {
        let text = |n: &str| -> Result<StringArray> {
            Ok(cast(
                b.column_by_name(n).ok_or_else(|| crate::Error::Internal(format!("report query {title:?} has no column {n}")))?,
                &DataType::Utf8,
            )?
            .as_string::<i32>()
            .clone())
        };
        let int = |n: &str| -> Result<datafusion::arrow::array::Int64Array> {
            Ok(cast(
                b.column_by_name(n).ok_or_else(|| crate::Error::Internal(format!("report query {title:?} has no column {n}")))?,
                &DataType::Int64,
            )?
            .as_primitive::<Int64Type>()
            .clone())
        };
        let (r, o, c, n) = (text("row_label")?, int("row_order")?, text("column_label")?, int("children")?);
        for i in 0..b.num_rows() {
            let label = if r.is_null(i) { "Not recorded".to_string() } else { r.value(i).to_string() };
            if !rows.iter().any(|(_, l)| *l == label) {
                rows.push((if o.is_null(i) { 0 } else { o.value(i) }, label.clone()));
            }
            let col = c.value(i).to_string();
            if !columns.contains(&col) {
                columns.push(col.clone());
            }
            raw.push((label, col, if n.is_null(i) { 0 } else { n.value(i) }));
        }
    }
    rows.sort();
    columns.sort();
    let rows: Vec<String> = rows.into_iter().map(|(_, l)| l).collect();
    let cells = raw
        .into_iter()
        .map(|(r, c, n)| ((rows.iter().position(|x| *x == r).unwrap_or(0), columns.iter().position(|x| *x == c).unwrap_or(0)), n))
        .collect();
    Ok(Crosstab { list: list.to_string(), title: title.to_string(), rows, columns, cells })
}

/// The ONS mid-year 0-17 population of the LA for `year`, else the latest earlier year.
fn population(la_code: &str, year: i32) -> Result<Option<i64>> {
    let b = crate::reference::population_batch()?;
    let (years, levels, codes, pops) = (
        cast(b.column_by_name("year").expect("population has year"), &DataType::Int64)?,
        b.column_by_name("geographic_level").expect("population has geographic_level").as_string::<i32>().clone(),
        b.column_by_name("la_code").expect("population has la_code").as_string::<i32>().clone(),
        cast(b.column_by_name("population_0_17").expect("population has population_0_17"), &DataType::Int64)?,
    );
    let (years, pops) = (years.as_primitive::<Int64Type>(), pops.as_primitive::<Int64Type>());
    Ok((0..b.num_rows())
        .filter(|&i| levels.value(i) == "Local authority" && codes.value(i) == la_code && years.value(i) <= year as i64)
        .max_by_key(|&i| years.value(i))
        .map(|i| pops.value(i)))
}
