//! Opening a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) from its bytes and reading cells as text
//! the core typing understands.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, CellErrorType, Data, ExcelDateTime, ExcelDateTimeType, Range, Reader, Sheets};
use chrono::NaiveDate;

use super::headers::HEADER_SEARCH_ROWS;

pub type Book<'a> = Sheets<Cursor<&'a [u8]>>;

/// Whether the bytes start like a workbook: a zip container (.xlsx, .xlsm, .xlsb, .ods) or an
/// OLE compound file (.xls). Cheap; decides whether opening is worth trying.
pub fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Opens a workbook held in memory.
pub fn open(bytes: &[u8]) -> Result<Book<'_>, String> {
    open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| format!("not a readable workbook: {e}"))
}

/// The text of the first rows of a sheet (header candidates), reading no further than needed
/// where the format allows.
pub fn top_rows(book: &mut Book, sheet: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Sheets::Xlsx(x) = book {
        let mut cells = x.worksheet_cells_reader(sheet).map_err(|e| e.to_string())?;
        while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            if r >= HEADER_SEARCH_ROWS {
                break;
            }
            if rows.len() <= r {
                rows.resize_with(r + 1, Vec::new);
            }
            let row = &mut rows[r];
            if row.len() <= c {
                row.resize(c + 1, String::new());
            }
            row[c] = match Data::from(cell.get_value().clone()) {
                Data::Empty => String::new(),
                other => other.to_string(),
            };
        }
        return Ok(rows);
    }
    let range = book.worksheet_range(sheet).map_err(|e| e.to_string())?;
    Ok(header_rows(&range))
}

/// The first rows of a sheet's range as text, indexed from column A and row 1.
pub fn header_rows(range: &Range<Data>) -> Vec<Vec<String>> {
    let Some((r0, c0)) = range.start() else { return Vec::new() };
    let mut out: Vec<Vec<String>> = vec![Vec::new(); r0 as usize];
    for row in range.rows().take(HEADER_SEARCH_ROWS.saturating_sub(r0 as usize)) {
        let mut text = vec![String::new(); c0 as usize];
        text.extend(row.iter().map(|d| match d {
            Data::Empty => String::new(),
            other => other.to_string(),
        }));
        out.push(text);
    }
    out
}

/// A cell read as text, or why it has no usable value.
#[derive(Debug, PartialEq)]
pub enum CellText {
    Blank,
    Text(String),
    /// A number in a date column without a date format: read as an Excel serial date.
    SerialDate(String),
    /// An Excel error value other than `#N/A` (`#REF!`, `#DIV/0!` …).
    Error(String),
}

/// Reads one cell. Dates (Excel date cells, and plain numbers in date columns) come out as ISO
/// text; whole numbers without `.0`; `#N/A` as blank.
pub fn cell_text(d: &Data, date_column: bool) -> CellText {
    match d {
        Data::Empty => CellText::Blank,
        Data::String(s) if s.trim().is_empty() => CellText::Blank,
        Data::String(s) => CellText::Text(s.clone()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellText::Text(s.clone()),
        Data::Bool(b) => CellText::Text(if *b { "Y" } else { "N" }.into()),
        Data::Error(CellErrorType::NA) => CellText::Blank,
        Data::Error(e) => CellText::Error(e.to_string()),
        Data::DateTime(dt) if date_column => match excel_date(dt) {
            Some(d) => CellText::Text(d.to_string()),
            None => CellText::Text(number(dt.as_f64())),
        },
        Data::DateTime(dt) => CellText::Text(number(dt.as_f64())),
        Data::Float(f) if date_column => serial(*f),
        Data::Int(i) if date_column => serial(*i as f64),
        Data::Float(f) => CellText::Text(number(*f)),
        Data::Int(i) => CellText::Text(i.to_string()),
    }
}

fn serial(f: f64) -> CellText {
    match excel_date(&ExcelDateTime::new(f, ExcelDateTimeType::DateTime, false)) {
        Some(d) => CellText::SerialDate(d.to_string()),
        None => CellText::Text(number(f)),
    }
}

/// The calendar date of an Excel date value (1900 or 1904 system), if it is one: serials from 1
/// (1 January 1900) to 2958465 (31 December 9999).
pub fn excel_date(dt: &ExcelDateTime) -> Option<NaiveDate> {
    if !(1.0..2958466.0).contains(&dt.as_f64()) {
        return None;
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
}

/// A number as a spreadsheet shows it: whole numbers without a decimal point.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_text() {
        assert_eq!(cell_text(&Data::Float(9212044.0), false), CellText::Text("9212044".into()));
        assert_eq!(cell_text(&Data::Float(6.5), false), CellText::Text("6.5".into()));
        // 44090 is 16 September 2020 in the 1900 date system.
        assert_eq!(cell_text(&Data::Float(44090.0), true), CellText::SerialDate("2020-09-16".into()));
        let dt = ExcelDateTime::new(44090.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(dt), true), CellText::Text("2020-09-16".into()));
        assert_eq!(cell_text(&Data::Error(CellErrorType::NA), false), CellText::Blank);
        assert_eq!(cell_text(&Data::Error(CellErrorType::Ref), false), CellText::Error("#REF!".into()));
        assert_eq!(cell_text(&Data::String("  ".into()), false), CellText::Blank);
        assert_eq!(
            cell_text(&Data::String("05/04/22".into()), true),
            CellText::Text("05/04/22".into()),
            "text dates are typed, and rejected if ambiguous, by the core rules"
        );
    }
}
