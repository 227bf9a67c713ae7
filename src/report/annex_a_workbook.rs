//! The Ofsted Annex A workbook: lists 1–11 as sheets `List 1` … `List 11`, in Ofsted's column
//! order and headers, with lettered values as published and real Excel dates (dd/mm/yyyy).
//!
//! The workbook is made from the Annex A tables a run published for that as-at date
//! (`restricted/annex_a/<list>/as_at=DATE/`), so the workbook and the Parquet lists come from
//! the same SQL and always agree.

use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, RecordBatch, RecordBatchReader};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type, Int64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::model::annex_a::LISTS;
use crate::normalise::cells::from_date32;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// The sheet name Ofsted's template uses for a list (`list_03_referrals` → `List 3`).
pub fn sheet_name(list: &str) -> String {
    let number = list.strip_prefix("list_").and_then(|r| r.get(..2)).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    format!("List {number}")
}

/// Reads every Annex A list published for `as_at`, by the nightly run or by an ad hoc rerun
/// (`reruns/as_at=DATE/`). A missing list is an error naming the run that would produce it.
pub async fn read_lists(warehouse: &Location, as_at: NaiveDate) -> Result<Vec<(&'static str, RecordBatch)>> {
    let mut out = Vec::with_capacity(LISTS.len());
    for (name, _) in LISTS {
        let dir = format!("{RESTRICTED}/annex_a/{name}/as_at={as_at}");
        let mut files = warehouse.list(&dir).await?;
        if files.is_empty() {
            files = warehouse.list(&format!("{}/{dir}", crate::run::rerun_folder(as_at))).await?;
        }
        if files.is_empty() {
            return Err(Error::Config(format!(
                "no Annex A {name} as at {as_at} in {}: run `csc run --as-at {as_at}` over this warehouse first",
                warehouse.display
            )));
        }
        let mut batches = Vec::new();
        let mut schema = None;
        for f in files {
            let bytes: Bytes = warehouse.get(&f.location).await?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
            schema.get_or_insert_with(|| reader.schema());
            for b in reader {
                batches.push(b?);
            }
        }
        let schema = schema.expect("at least one file was read");
        out.push((*name, datafusion::arrow::compute::concat_batches(&schema, &batches)?));
    }
    Ok(out)
}

/// Writes the workbook to `path`.
pub fn write_workbook(lists: &[(&str, RecordBatch)], path: &std::path::Path) -> Result<()> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Config(format!("writing {}: {e}", path.display()));
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_text_wrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (name, batch) in lists {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(name)).map_err(xlsx)?;
        for (c, field) in batch.schema().fields().iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, field.name(), &header).map_err(xlsx)?;
        }
        for (c, column) in batch.columns().iter().enumerate() {
            let col = c as u16;
            for r in 0..batch.num_rows() {
                if column.is_null(r) {
                    continue;
                }
                let row = r as u32 + 1;
                match column.data_type() {
                    DataType::Date32 => {
                        let d = from_date32(column.as_primitive::<Date32Type>().value(r));
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
    book.save(path).map_err(xlsx)
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
