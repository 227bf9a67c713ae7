//! The Ofsted Annex A workbook: a "Notes" sheet first ([`super::annex_a_notes`]), then lists 1–11
//! as sheets `List 1` … `List 11`, in Ofsted's column order and headers (the header set in force
//! on the as-at date, [`super::annex_a_headers`]), with lettered values as published and real
//! Excel dates (dd/mm/yyyy). List columns whose name starts with `_` (`_allocation_source`) are
//! for the Notes, not sheet columns.
//!
//! The workbook is made from the Annex A tables a run published for that as-at date
//! (`restricted/annex_a/<list>/as_at=DATE/`), so the workbook and the Parquet lists come from
//! the same SQL and always agree.

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::annex_a_headers;
use super::annex_a_notes::{self, ExtractFacts, HIDDEN_PREFIX};
use super::published::read_table;
use crate::model::annex_a::LISTS;
use crate::normalise::cells::from_date32;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// The name of the first sheet, which explains the lists.
pub const NOTES_SHEET: &str = "Notes";

/// The sheet name Ofsted's template uses for a list (`list_03_referrals` → `List 3`).
pub fn sheet_name(list: &str) -> String {
    let number = list.strip_prefix("list_").and_then(|r| r.get(..2)).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    format!("List {number}")
}

/// What the published run for `as_at` recorded about its input: the extract it read and each
/// core table's rows (by SSD table name), from its manifest (`_runs/published.json`, of the
/// nightly run or of the ad hoc rerun for that date). Empty when there is none; an unreadable
/// manifest is an error.
pub async fn read_extract_facts(warehouse: &Location, as_at: NaiveDate) -> Result<ExtractFacts> {
    let mut manifest = crate::publish::vacuum::published_manifest(warehouse).await?;
    if manifest.as_ref().is_none_or(|m| m.as_at != as_at.to_string()) {
        manifest = crate::publish::vacuum::published_manifest(&warehouse.sub(&crate::run::rerun_folder(as_at))).await?;
    }
    let Some(m) = manifest else { return Ok(ExtractFacts::default()) };
    let rows = m.tables.iter().map(|t| (t.name.clone(), t.rows_out as u64));
    let source = format!("{} ({}), read by run {}", m.input_location, m.input_format, m.run_id);
    Ok(ExtractFacts::of_run(source, rows))
}

/// Reads every Annex A list published for `as_at`, by the nightly run or by an ad hoc rerun
/// (`reruns/as_at=DATE/`). A missing list is an error naming the run that would produce it.
pub async fn read_lists(warehouse: &Location, as_at: NaiveDate) -> Result<Vec<(&'static str, RecordBatch)>> {
    let mut out = Vec::with_capacity(LISTS.len());
    for (name, _) in LISTS {
        let dir = format!("{RESTRICTED}/annex_a/{name}/as_at={as_at}");
        let batch = match read_table(warehouse, &dir).await? {
            Some(b) => Some(b),
            None => read_table(warehouse, &format!("{}/{dir}", crate::run::rerun_folder(as_at))).await?,
        };
        let Some(batch) = batch else {
            return Err(Error::Environment(format!(
                "no Annex A {name} as at {as_at} in {}: run `csc run --as-at {as_at}` over this warehouse first",
                warehouse.display
            )));
        };
        out.push((*name, batch));
    }
    Ok(out)
}

/// A cell written in place of a list's value, as hand-kept or exported workbooks hold them
/// (`csc synth --formats annex-a --messiness` uses this to put Annex A faults in).
#[derive(Debug, Clone, PartialEq)]
pub enum CellOverride {
    /// Text instead of the value (a date typed as text, a header or lettered value spelt
    /// differently).
    Text(String),
    /// A plain number (a date as an Excel serial number without a date format).
    Number(f64),
    /// An empty cell.
    Blank,
}

/// Cells to write differently: by list (its index in the lists given), row as Excel numbers it
/// (the header is row 1) and column (0 is column A).
pub type Overrides = std::collections::BTreeMap<(usize, u32, u16), CellOverride>;

/// What the Notes sheet says about a workbook besides its lists.
#[derive(Debug, Clone)]
pub struct WorkbookInfo {
    pub as_at: NaiveDate,
    pub facts: ExtractFacts,
}

/// Writes the workbook to `path`, readable by its owner only (mode 0600).
pub fn write_workbook(lists: &[(&str, RecordBatch)], path: &std::path::Path, info: &WorkbookInfo) -> Result<()> {
    write_workbook_with(lists, path, info, &Overrides::new(), None)
}

/// A list without the columns that are not workbook columns (`_allocation_source`).
pub fn sheet_columns(batch: &RecordBatch) -> Result<RecordBatch> {
    let keep: Vec<usize> =
        batch.schema().fields().iter().enumerate().filter(|(_, f)| !f.name().starts_with(HIDDEN_PREFIX)).map(|(i, _)| i).collect();
    Ok(batch.project(&keep)?)
}

/// Writes the workbook to `path`, with the cells in `overrides` written as given. With `created`,
/// the workbook says it was created then (midnight) instead of now, so the same lists give the
/// same bytes.
pub fn write_workbook_with(
    lists: &[(&str, RecordBatch)],
    path: &std::path::Path,
    info: &WorkbookInfo,
    overrides: &Overrides,
    created: Option<NaiveDate>,
) -> Result<()> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Environment(format!("writing {}: {e}", path.display()));
    let mut book = Workbook::new();
    if let Some(d) = created {
        let when = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xlsx)?;
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
    }
    let header = Format::new().set_bold().set_text_wrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let (set_name, set) = annex_a_headers::set_for(&annex_a_headers::builtin(), info.as_at);
    write_notes(&mut book, &annex_a_notes::notes(lists, info.as_at, &info.facts, &set_name), &header).map_err(xlsx)?;
    for (l, (name, batch)) in lists.iter().enumerate() {
        let batch = &sheet_columns(batch)?;
        let number = name.strip_prefix("list_").and_then(|r| r.get(..2)).and_then(|n| n.parse::<u8>().ok()).unwrap_or(0);
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(name)).map_err(xlsx)?;
        for (c, field) in batch.schema().fields().iter().enumerate() {
            let text = match overrides.get(&(l, 1, c as u16)) {
                Some(CellOverride::Text(t)) => t.as_str(),
                _ => annex_a_headers::header(&set, number, field.name()),
            };
            sheet.write_string_with_format(0, c as u16, text, &header).map_err(xlsx)?;
        }
        for (c, column) in batch.columns().iter().enumerate() {
            let col = c as u16;
            for r in 0..batch.num_rows() {
                let row = r as u32 + 1;
                if let Some(cell) = overrides.get(&(l, row + 1, col)) {
                    match cell {
                        CellOverride::Text(t) => sheet.write_string(row, col, t).map_err(xlsx)?,
                        CellOverride::Number(n) => sheet.write_number(row, col, *n).map_err(xlsx)?,
                        CellOverride::Blank => sheet,
                    };
                    continue;
                }
                if column.is_null(r) {
                    continue;
                }
                match column.data_type() {
                    DataType::Date32 => {
                        let d = from_date32(column.as_primitive::<Date32Type>().value(r));
                        if !(1900..=9999).contains(&d.year()) {
                            // Outside Excel's dates (a year before 1900, flagged date_before_1900):
                            // written as text, so the record is there to correct.
                            sheet.write_string(row, col, d.format("%d/%m/%Y").to_string()).map_err(xlsx)?;
                            continue;
                        }
                        let when = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xlsx)?;
                        sheet.write_date_with_format(row, col, &when, &date).map_err(xlsx)?;
                    }
                    DataType::Int32 => {
                        sheet.write_number(row, col, column.as_primitive::<Int32Type>().value(r) as f64).map_err(xlsx)?;
                    }
                    DataType::Int64 => {
                        sheet.write_number(row, col, column.as_primitive::<Int64Type>().value(r) as f64).map_err(xlsx)?;
                    }
                    DataType::Float64 => {
                        sheet.write_number(row, col, column.as_primitive::<Float64Type>().value(r)).map_err(xlsx)?;
                    }
                    _ => {
                        let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)?;
                        sheet.write_string(row, col, text.as_string::<i32>().value(r)).map_err(xlsx)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        sheet.autofit();
    }
    // The lists name children: the file is readable by its owner only (mode 0600).
    let bytes = book.save_to_buffer().map_err(xlsx)?;
    crate::export::write_file(path, &bytes, true)
}

/// The Notes sheet: one note a row, under Section, List, Column and Note headers.
fn write_notes(book: &mut Workbook, notes: &[annex_a_notes::Note], header: &Format) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(NOTES_SHEET)?;
    for (c, h) in ["Section", "List", "Column", "Note"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
    }
    for (r, n) in notes.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, n.section)?;
        sheet.write_string(row, 1, &n.list)?;
        sheet.write_string(row, 2, &n.column)?;
        sheet.write_string(row, 3, &n.note)?;
    }
    sheet.set_column_width(0, 26)?;
    sheet.set_column_width(1, 8)?;
    sheet.set_column_width(2, 48)?;
    sheet.set_column_width(3, 120)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_follow_the_template() {
        assert_eq!(sheet_name("list_01_contacts"), "List 1");
        assert_eq!(sheet_name("list_11_adopters"), "List 11");
    }
}
