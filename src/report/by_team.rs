//! One workbook per team from tables that name a `team` on every row: the action lists (children
//! a team's workers must see) and the data-quality issues (records a team's workers must
//! correct). Each sheet holds that team's rows, dates as real dates, every text cell written as
//! text (never a formula). The files name children, so each is readable by its owner only
//! (mode 0600, [`crate::export::write_private`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::normalise::cells::from_date32;
use crate::quality::people::NOT_ALLOCATED;
use crate::{Error, Result};

/// Rows per team and sheet: `team → sheet → rows`, teams and sheets in name order.
pub fn counts(sheets: &[(&str, RecordBatch)]) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (name, batch) in sheets {
        for team in teams_of(batch) {
            *out.entry(team).or_default().entry(name.to_string()).or_default() += 1;
        }
    }
    out
}

/// The team of each row (`not allocated` where it is empty).
fn teams_of(batch: &RecordBatch) -> Vec<String> {
    let Some(col) = batch.column_by_name("team").and_then(|c| cast(c, &DataType::Utf8).ok()) else { return Vec::new() };
    let col = col.as_string::<i32>();
    (0..col.len()).map(|i| if col.is_null(i) { NOT_ALLOCATED.to_string() } else { col.value(i).to_string() }).collect()
}

/// A team name as a file name: letters, digits, `-` and `_` kept, anything else `_`.
pub fn file_stem(team: &str) -> String {
    let stem: String = team.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if stem.is_empty() {
        "team".into()
    } else {
        stem
    }
}

/// Writes `<prefix>_<team>_<as_at>.xlsx` into `out` for every team with rows (or only `team`),
/// each with one sheet per named table holding that team's rows; returns (team, file, rows) per
/// workbook.
pub fn write_workbooks(
    prefix: &str,
    sheets: &[(&str, RecordBatch)],
    as_at: NaiveDate,
    out: &Path,
    team: Option<&str>,
) -> Result<Vec<(String, PathBuf, usize)>> {
    std::fs::create_dir_all(out).map_err(|source| Error::Io { context: format!("cannot create {}", out.display()), source })?;
    let counts = counts(sheets);
    let teams: Vec<&String> = counts.keys().filter(|t| team.is_none_or(|wanted| wanted == t.as_str())).collect();
    if let Some(wanted) = team {
        if teams.is_empty() {
            return Err(Error::Config(format!(
                "team {wanted:?} has no rows in the {} as at {as_at} (teams with rows: {})",
                prefix.replace('_', " "),
                counts.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut written = Vec::new();
    for t in teams {
        let path = out.join(format!("{prefix}_{}_{as_at}.xlsx", file_stem(t)));
        let mut rows = 0;
        let mut book = Workbook::new();
        let when =
            ExcelDateTime::from_ymd(as_at.year() as u16, as_at.month() as u8, as_at.day() as u8).map_err(|e| xlsx_error(&path, e))?;
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
        for (name, batch) in sheets {
            let keep = BooleanArray::from(teams_of(batch).iter().map(|x| x == t).collect::<Vec<bool>>());
            let part = filter_record_batch(batch, &keep)?;
            rows += part.num_rows();
            write_sheet(&mut book, name, &part).map_err(|e| xlsx_error(&path, e))?;
        }
        let bytes = book.save_to_buffer().map_err(|e| xlsx_error(&path, e))?;
        crate::export::write_file(&path, &bytes, true)?;
        written.push((t.clone(), path, rows));
    }
    Ok(written)
}

fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Environment(format!("writing {}: {e}", path.display()))
}

/// One sheet: headers, then its rows in the order given. The `la_code` and `list` columns are the
/// same on every row of an action list's sheet and left out.
fn write_sheet(book: &mut Workbook, name: &str, batch: &RecordBatch) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    // Sheet names are at most 31 characters; list ids are shorter.
    sheet.set_name(name)?;
    let columns: Vec<usize> =
        (0..batch.num_columns()).filter(|&i| !matches!(batch.schema().field(i).name().as_str(), "la_code" | "list")).collect();
    for (c, &i) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, batch.schema().field(i).name(), &header)?;
    }
    for (c, &i) in columns.iter().enumerate() {
        let column = batch.column(i);
        let col = c as u16;
        for r in 0..batch.num_rows() {
            let row = r as u32 + 1;
            if column.is_null(r) {
                continue;
            }
            match column.data_type() {
                DataType::Date32 => {
                    let d = from_date32(column.as_primitive::<Date32Type>().value(r));
                    let when = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_date_with_format(row, col, &when, &date)?;
                }
                DataType::Int64 => {
                    sheet.write_number(row, col, column.as_primitive::<Int64Type>().value(r) as f64)?;
                }
                // Text is always written as a string cell: a name starting with `=` stays text.
                _ => {
                    let text = cast(column, &DataType::Utf8).map_err(|e| rust_xlsxwriter::XlsxError::ParameterError(e.to_string()))?;
                    sheet.write_string(row, col, text.as_string::<i32>().value(r))?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, batch.num_rows() as u32, columns.len().saturating_sub(1) as u16)?;
    sheet.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_become_safe_file_names() {
        assert_eq!(file_stem("Team A / North"), "Team_A___North");
        assert_eq!(file_stem("../etc"), "___etc");
        assert_eq!(file_stem(""), "team");
    }
}
