//! The board table: per area, one row per indicator with the last 13 months, the year to date,
//! the last two full financial years, the target and RAG, and the DfE comparators. The HTML,
//! PDF and xlsx packs all render this one structure, so they show the same numbers.

use chrono::{Datelike, Months, NaiveDate};

use super::data::{Benchmark, Fact, MeasureInfo, PackData};
use super::settings::{PackSettings, DATA_QUALITY_AREA};
use crate::calendar::{financial_year_label, financial_year_start};

/// Months of trend a row shows.
pub const MONTHS: u32 = 13;

/// One cell of a figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number that may be shown.
    Value(f64),
    /// A small number (1 to 5), or a figure built on one, hidden behind the marker.
    Suppressed,
    /// No value, with the reason code (`source_table_missing`, `empty_denominator`, ...).
    NoData(String),
    /// The period is not in the published data (before the data starts).
    Absent,
}

impl Cell {
    /// The value, when it may be shown.
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(*v),
            _ => None,
        }
    }
}

/// A column of the board: a month, the year to date or a financial year.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub period_type: &'static str,
    pub start: NaiveDate,
}

/// One indicator's row.
#[derive(Debug, Clone)]
pub struct Row {
    pub measure_id: String,
    pub info: MeasureInfo,
    /// One cell per [`Board::columns`].
    pub cells: Vec<Cell>,
    pub target: Option<f64>,
    /// RAG of the latest rated period: the year to date, else the latest month.
    pub rag: Option<String>,
    /// The latest year DfE published comparators for.
    pub benchmark: Option<Benchmark>,
    /// Why the row has no figure at all, in words, when it has none.
    pub no_data: Option<String>,
}

/// One area of the pack.
#[derive(Debug, Clone)]
pub struct AreaView {
    pub id: String,
    pub title: String,
    pub rows: Vec<Row>,
    /// The worst RAG of its rows.
    pub rag: Option<String>,
    pub analysis: String,
    pub next_steps: String,
}

/// The whole board.
#[derive(Debug, Clone)]
pub struct Board {
    pub columns: Vec<Column>,
    pub areas: Vec<AreaView>,
    /// Months shown (the first [`MONTHS`] columns may be fewer when the data is shorter).
    pub months: usize,
}

/// The reason code in words, for people.
pub fn reason_text(reason: &str, info: Option<&MeasureInfo>, data: &PackData) -> String {
    match reason {
        "source_table_missing" => {
            let missing: Vec<&str> = info
                .map(|i| {
                    i.source_tables.iter().filter(|t| data.table_rows.get(*t).copied().unwrap_or(0) == 0).map(String::as_str).collect()
                })
                .unwrap_or_default();
            if missing.is_empty() {
                "no data: a table it needs was not in the export".into()
            } else {
                format!("no data: the export had no {} records", missing.join(" or "))
            }
        }
        "empty_denominator" => "no data: nothing to measure in the period (empty denominator)".into(),
        "population_missing" => "no data: no ONS population for the period".into(),
        "suppressed" => "hidden: a small number".into(),
        _ => "no data: the value could not be computed".into(),
    }
}

/// Whether a figure must be hidden: a count from 1 to 5, or a figure whose numerator or
/// denominator is one (a rate's denominator is a population, never small).
pub fn is_small(unit: &str, f: &Fact) -> bool {
    let small = |n: Option<i64>| n.is_some_and(|n| (1..=5).contains(&n));
    match unit {
        "count" => f.value.is_some_and(|v| (1.0..=5.0).contains(&v)) || small(f.numerator),
        _ => small(f.numerator) || small(f.denominator),
    }
}

/// The cell for one fact.
fn cell(fact: Option<&Fact>, unit: &str, suppress: bool) -> Cell {
    match fact {
        None => Cell::Absent,
        Some(f) => match (f.value, &f.no_data_reason) {
            (_, Some(reason)) => Cell::NoData(reason.clone()),
            (None, None) => Cell::NoData("not_computable".into()),
            (Some(_), None) if suppress && is_small(unit, f) => Cell::Suppressed,
            (Some(v), None) => Cell::Value(v),
        },
    }
}

/// The board's columns as at `as_at`: the last 13 months (ending with the month holding the
/// as-at date), the financial year to date, and the two financial years before it.
pub fn columns(as_at: NaiveDate) -> Vec<Column> {
    let this_month = as_at.with_day(1).expect("day 1 exists");
    let mut cols: Vec<Column> = (0..MONTHS)
        .rev()
        .map(|back| this_month - Months::new(back))
        .map(|m| Column { label: m.format("%b %y").to_string(), period_type: "month", start: m })
        .collect();
    let fy = financial_year_start(as_at);
    let ytd_label = if (fy + Months::new(12)).pred_opt() == Some(as_at) {
        financial_year_label(fy)
    } else {
        format!("{} to date", financial_year_label(fy))
    };
    cols.push(Column { label: ytd_label, period_type: "financial_year", start: fy });
    for back in 1..=2 {
        let start = fy - Months::new(12 * back);
        cols.push(Column { label: financial_year_label(start), period_type: "financial_year", start });
    }
    cols
}

/// Builds the board from a published run.
pub fn build(data: &PackData, settings: &PackSettings) -> Board {
    let columns = columns(data.as_at);
    let suppress = settings.marker.is_some();
    let month = data.as_at.format("%Y-%m").to_string();
    let last_year = last_complete_year(data.as_at);
    let areas = settings
        .areas
        .iter()
        .map(|area| {
            let rows: Vec<Row> = area.measures.iter().map(|id| row(data, id, &columns, suppress, &last_year)).collect();
            let rag = worst_rag(rows.iter().filter_map(|r| r.rag.as_deref()));
            let (analysis, next_steps) =
                settings.commentary.for_area(&area.id, &month).map(|(a, n)| (a.to_string(), n.to_string())).unwrap_or_default();
            AreaView { id: area.id.clone(), title: area.title.clone(), rows, rag, analysis, next_steps }
        })
        .collect::<Vec<_>>();
    let areas = areas.into_iter().filter(|a| !a.rows.is_empty() || a.id == DATA_QUALITY_AREA).collect();
    Board { months: MONTHS as usize, columns, areas }
}

/// The last financial year whose comparators a pack as at `as_at` may show: the last complete
/// one. A rerun as at 2023 compares with 2022-23, not with figures DfE published since.
fn last_complete_year(as_at: NaiveDate) -> String {
    let fy = financial_year_start(as_at);
    let complete = if (fy + Months::new(12)).pred_opt() == Some(as_at) { fy } else { fy - Months::new(12) };
    financial_year_label(complete)
}

fn row(data: &PackData, id: &str, columns: &[Column], suppress: bool, last_year: &str) -> Row {
    let info = data.measures.get(id).cloned().unwrap_or_else(|| MeasureInfo { name: id.to_string(), ..MeasureInfo::default() });
    let key = |c: &Column| (id.to_string(), c.period_type.to_string(), c.start);
    let cells: Vec<Cell> = columns.iter().map(|c| cell(data.facts.get(&key(c)), &info.unit, suppress)).collect();
    // The RAG shown is the year to date's when the target rates years, else the latest month's.
    let ytd = &columns[MONTHS as usize];
    let latest_month = &columns[MONTHS as usize - 1];
    let rated = data.rag.get(&key(ytd)).or_else(|| data.rag.get(&key(latest_month)));
    let target = rated.map(|r| r.target).or_else(|| data.rag.iter().find(|((m, _, _), _)| m == id).map(|(_, r)| r.target));
    let rag = rated
        .and_then(|r| r.rag.clone())
        .filter(|_| cells[MONTHS as usize].value().is_some() || cells[MONTHS as usize - 1].value().is_some());
    let benchmark = data
        .benchmarks
        .get(id)
        .and_then(|years| {
            years.iter().rev().filter(|b| b.financial_year.as_str() <= last_year).find(|b| b.england_value.is_some() || b.sn_mean.is_some())
        })
        .cloned();
    let no_data = if cells.iter().all(|c| matches!(c, Cell::NoData(_) | Cell::Absent)) {
        let reason = cells.iter().find_map(|c| if let Cell::NoData(r) = c { Some(r.as_str()) } else { None }).unwrap_or("not_computable");
        Some(reason_text(reason, Some(&info), data))
    } else {
        None
    };
    Row { measure_id: id.to_string(), info, cells, target, rag, benchmark, no_data }
}

/// Red over Amber over Green.
fn worst_rag<'a>(rags: impl Iterator<Item = &'a str>) -> Option<String> {
    let rank = |r: &str| match r {
        "Red" => 3,
        "Amber" => 2,
        "Green" => 1,
        _ => 0,
    };
    rags.max_by_key(|r| rank(r)).map(str::to_string)
}

/// A figure for people, in its unit: `23.4%`, `1,234`, `344.2`.
pub fn format_value(unit: &str, v: f64) -> String {
    match unit {
        "percent" => format!("{v:.1}%"),
        "count" => thousands(v.round() as i64),
        "rate_per_10k" => format!("{v:.1}"),
        _ => format!("{v:.1}"),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(n: Option<i64>, d: Option<i64>, v: Option<f64>) -> Fact {
        Fact { period_end: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(), numerator: n, denominator: d, value: v, no_data_reason: None }
    }

    #[test]
    fn small_numbers_and_figures_built_on_them_are_suppressed() {
        assert_eq!(cell(Some(&fact(Some(5), None, Some(5.0))), "count", true), Cell::Suppressed);
        assert_eq!(cell(Some(&fact(Some(6), None, Some(6.0))), "count", true), Cell::Value(6.0));
        assert_eq!(cell(Some(&fact(Some(0), None, Some(0.0))), "count", true), Cell::Value(0.0), "a true zero is shown");
        assert_eq!(cell(Some(&fact(Some(3), Some(40), Some(7.5))), "percent", true), Cell::Suppressed, "numerator 3");
        assert_eq!(cell(Some(&fact(Some(2), Some(4), Some(50.0))), "percent", true), Cell::Suppressed, "denominator 4");
        assert_eq!(cell(Some(&fact(Some(40), Some(40), Some(100.0))), "percent", true), Cell::Value(100.0));
        assert_eq!(cell(Some(&fact(Some(3), Some(50_000), Some(0.6))), "rate_per_10k", true), Cell::Suppressed);
        assert_eq!(cell(Some(&fact(Some(3), None, Some(3.0))), "count", false), Cell::Value(3.0), "unsuppressed pack");
    }

    #[test]
    fn no_data_is_never_a_number() {
        let mut f = fact(None, None, None);
        f.no_data_reason = Some("source_table_missing".into());
        assert_eq!(cell(Some(&f), "percent", true), Cell::NoData("source_table_missing".into()));
        assert_eq!(cell(Some(&fact(Some(0), Some(0), None)), "percent", true), Cell::NoData("not_computable".into()));
        assert_eq!(cell(None, "percent", true), Cell::Absent);
    }

    #[test]
    fn columns_are_13_months_the_year_to_date_and_two_years() {
        let cols = columns(NaiveDate::from_ymd_opt(2025, 3, 31).unwrap());
        assert_eq!(cols.len(), 16);
        assert_eq!((cols[0].label.as_str(), cols[12].label.as_str()), ("Mar 24", "Mar 25"));
        assert_eq!((cols[13].label.as_str(), cols[14].label.as_str(), cols[15].label.as_str()), ("2024-25", "2023-24", "2022-23"));
        let cols = columns(NaiveDate::from_ymd_opt(2024, 11, 15).unwrap());
        assert_eq!(cols[13].label, "2024-25 to date");
    }

    #[test]
    fn comparators_are_from_the_last_complete_year_at_the_as_at_date() {
        assert_eq!(last_complete_year(NaiveDate::from_ymd_opt(2023, 3, 31).unwrap()), "2022-23");
        assert_eq!(last_complete_year(NaiveDate::from_ymd_opt(2023, 3, 30).unwrap()), "2021-22");
    }

    #[test]
    fn values_are_formatted_in_their_unit() {
        assert_eq!(format_value("percent", 23.44), "23.4%");
        assert_eq!(format_value("count", 1234567.0), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
    }
}
