//! `csc action-lists`: the published action lists (`restricted/action_lists/<list>/as_at=DATE/`)
//! as one workbook per team, which is what a team manager opens on Monday morning: one sheet per
//! list with that team's children, most overdue first, dates as real dates, every text cell
//! written as text (never a formula). Each file names children, so it is created readable by its
//! owner only (mode 0600).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::published::read_table;
use crate::model::action_lists::LISTS;
use crate::normalise::cells::from_date32;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// Reads every action list published for `as_at` (nightly, or an ad hoc rerun's). A list that
/// is missing is an error naming the run that would publish it.
pub async fn read_lists(warehouse: &Location, as_at: NaiveDate) -> Result<Vec<(&'static str, RecordBatch)>> {
    let mut out = Vec::with_capacity(LISTS.len());
    for (name, _) in LISTS {
        let dir = format!("{RESTRICTED}/action_lists/{name}/as_at={as_at}");
        let batch = match read_table(warehouse, &dir).await? {
            Some(b) => Some(b),
            None => read_table(warehouse, &format!("{}/{dir}", crate::run::rerun_folder(as_at))).await?,
        };
        let batch = batch.ok_or_else(|| {
            Error::Environment(format!(
                "no action list {name} as at {as_at} in {}: run `csc run --as-at {as_at}` over this warehouse first",
                warehouse.display
            ))
        })?;
        out.push((*name, batch));
    }
    Ok(out)
}

/// The as-at date of the published run (`_runs/published.json`).
pub async fn published_as_at(warehouse: &Location) -> Result<NaiveDate> {
    let manifest = crate::publish::vacuum::published_manifest(warehouse)
        .await?
        .ok_or_else(|| Error::Environment(format!("nothing is published in {}: run `csc run` first", warehouse.display)))?;
    NaiveDate::parse_from_str(&manifest.as_at, "%Y-%m-%d").map_err(|_| {
        Error::Environment(format!(
            "{}/_runs/published.json has no valid as-at date: restore it from the newest succeeded `_runs/<run_id>.json`",
            warehouse.display
        ))
    })
}

/// Rows per team and list: `team → list → rows`, teams and lists in name order.
pub fn counts_by_team(lists: &[(&str, RecordBatch)]) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (name, batch) in lists {
        for team in teams_of(batch) {
            *out.entry(team).or_default().entry(name.to_string()).or_default() += 1;
        }
    }
    out
}

/// The team of each row.
fn teams_of(batch: &RecordBatch) -> Vec<String> {
    let Some(col) = batch.column_by_name("team").and_then(|c| cast(c, &DataType::Utf8).ok()) else { return Vec::new() };
    let col = col.as_string::<i32>();
    (0..col.len()).map(|i| if col.is_null(i) { "not allocated".to_string() } else { col.value(i).to_string() }).collect()
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

/// Writes `action_lists_<team>_<as_at>.xlsx` into `out` for every team (or only `team`), each
/// with one sheet per list holding that team's rows; returns (team, file, rows) per workbook.
pub fn write_team_workbooks(
    lists: &[(&str, RecordBatch)],
    as_at: NaiveDate,
    out: &Path,
    team: Option<&str>,
) -> Result<Vec<(String, PathBuf, usize)>> {
    std::fs::create_dir_all(out).map_err(|source| Error::Io { context: format!("cannot create {}", out.display()), source })?;
    let counts = counts_by_team(lists);
    let teams: Vec<&String> = counts.keys().filter(|t| team.is_none_or(|wanted| wanted == t.as_str())).collect();
    if let Some(wanted) = team {
        if teams.is_empty() {
            return Err(Error::Config(format!(
                "no child of team {wanted:?} is on an action list as at {as_at} (teams with rows: {})",
                counts.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut written = Vec::new();
    for t in teams {
        let path = out.join(format!("action_lists_{}_{as_at}.xlsx", file_stem(t)));
        let mut rows = 0;
        let mut book = Workbook::new();
        let when =
            ExcelDateTime::from_ymd(as_at.year() as u16, as_at.month() as u8, as_at.day() as u8).map_err(|e| xlsx_error(&path, e))?;
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
        for (name, batch) in lists {
            let keep = BooleanArray::from(teams_of(batch).iter().map(|x| x == t).collect::<Vec<bool>>());
            let part = filter_record_batch(batch, &keep)?;
            rows += part.num_rows();
            write_sheet(&mut book, name, &part).map_err(|e| xlsx_error(&path, e))?;
        }
        let bytes = book.save_to_buffer().map_err(|e| xlsx_error(&path, e))?;
        write_owner_only(&path, &bytes)?;
        written.push((t.clone(), path, rows));
    }
    Ok(written)
}

fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Environment(format!("writing {}: {e}", path.display()))
}

/// One list's sheet: headers, then its rows as they are (already most overdue first). The
/// `la_code` and `list` columns are the same on every row of a sheet and left out.
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

/// Writes `bytes` to `path`, created (or truncated) readable and writable by its owner only.
fn write_owner_only(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |source| Error::Io { context: format!("cannot write {}", path.display()), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode when opened: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
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
