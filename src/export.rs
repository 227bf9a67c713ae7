//! Files csc writes for people to open: issues lists, action lists, the Annex A workbook.
//!
//! Two rules hold for every one of them:
//! - **Personal data is private on disk.** A file that holds children's details (the restricted
//!   issues, the Annex A workbook, action lists) is created with mode 0600 ([`create_private`],
//!   [`write_private`]), so only the account that ran csc can read it until someone shares it
//!   deliberately.
//! - **Nothing in it runs in Excel.** Excel evaluates a CSV cell that starts with `=`, `+`, `-`,
//!   `@`, a tab or a line break (and their full-width forms) as a formula: a case note reading
//!   `=HYPERLINK("http://…","click")` would become a live link. [`neutralise_cell`] prefixes such
//!   a text cell with `'` so it is shown as typed; numbers stay numbers. The xlsx export
//!   ([`xlsx_bytes`]) writes every text cell as a text cell, which Excel never evaluates.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::{Error, Result};

/// Creates (or truncates) a file readable and writable by its owner only (mode 0600 on Unix).
/// A file that already existed with wider permissions is narrowed to 0600 too.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // The mode applies only when the file is created: narrow an existing one.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Writes `bytes` to a new private file (mode 0600; see [`create_private`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes `bytes` to `path`, private (mode 0600) when `personal`, else with the default mode.
pub fn write_file(path: &Path, bytes: &[u8], personal: bool) -> Result<()> {
    let io = |e: std::io::Error| Error::Io { context: format!("cannot write {}", path.display()), source: e };
    if personal {
        write_private(path, bytes).map_err(io)
    } else {
        std::fs::write(path, bytes).map_err(io)
    }
}

/// Characters that make Excel (and LibreOffice, Google Sheets) treat a cell as a formula or
/// command when they start it: ASCII and full-width `=`, `+`, `-`, `@`, and tab, CR and LF.
const FORMULA_STARTS: [char; 11] = ['=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

/// A text cell as it may safely go into a CSV: unchanged unless a spreadsheet would evaluate it,
/// in which case it is prefixed with `'` (shown as typed, never run). A cell that is a plain
/// number (`-5`, `+3.25`, `-1e3`) is left alone: it is read as that number, which runs nothing.
pub fn neutralise_cell(text: &str) -> Cow<'_, str> {
    let first = text.trim_start_matches(' ').chars().next();
    match first {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_plain_number(text) => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A decimal number with an optional sign, fraction and exponent, nothing else.
fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((i, f)) => (digits(i) || i.is_empty()) && (digits(f) || (f.is_empty() && digits(i))),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

/// Whether a column's cells are numbers (written unquoted and never neutralised).
fn is_numeric(data_type: &DataType) -> bool {
    data_type.is_numeric()
}

/// Cell text of every row of a batch, with `None` for nulls.
fn cells(batch: &RecordBatch) -> Result<Vec<Vec<Option<String>>>> {
    let options = FormatOptions::default();
    let formatters: Vec<ArrayFormatter> =
        batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<std::result::Result<_, _>>()?;
    Ok((0..batch.num_rows())
        .map(|r| formatters.iter().zip(batch.columns()).map(|(f, c)| c.is_valid(r).then(|| f.value(r).to_string())).collect())
        .collect())
}

/// A batch as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads accented
/// names correctly), a header row, text cells neutralised ([`neutralise_cell`]), numbers as
/// numbers, nulls empty.
pub fn csv_bytes(batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let schema = batch.schema();
        writer.write_record(schema.fields().iter().map(|f| neutralise_cell(f.name()).into_owned())).map_err(csv_error)?;
        let numeric: Vec<bool> = schema.fields().iter().map(|f| is_numeric(f.data_type())).collect();
        for row in cells(batch)? {
            let record = row.iter().zip(&numeric).map(|(cell, &numeric)| match cell {
                None => String::new(),
                Some(v) if numeric => v.clone(),
                Some(v) => neutralise_cell(v).into_owned(),
            });
            writer.write_record(record).map_err(csv_error)?;
        }
        writer.flush().map_err(|e| Error::Io { context: "cannot write CSV".into(), source: e })?;
    }
    Ok(out)
}

fn csv_error(e: csv::Error) -> Error {
    Error::Environment(format!("cannot write CSV: {e}"))
}

/// Longest text an xlsx cell holds (Excel's limit); longer text is cut, with `…` at the end.
const XLSX_MAX_CELL_CHARS: usize = 32_767;

/// A batch as a one-sheet xlsx workbook: a bold header row frozen at the top with a filter,
/// numbers as number cells, everything else as text cells (which Excel shows as typed and never
/// evaluates, whatever they start with).
pub fn xlsx_bytes(batch: &RecordBatch, sheet_name: &str) -> Result<Vec<u8>> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Environment(format!("cannot write the workbook: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(xlsx)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let schema = batch.schema();
    for (c, field) in schema.fields().iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, field.name(), &bold).map_err(xlsx)?;
    }
    let numeric: Vec<bool> = schema.fields().iter().map(|f| is_numeric(f.data_type())).collect();
    for (r, row) in cells(batch)?.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.into_iter().enumerate() {
            let Some(text) = cell else { continue };
            match text.parse::<f64>() {
                Ok(n) if numeric[c] && n.is_finite() => sheet.write_number(r, c as u16, n).map_err(xlsx)?,
                _ => sheet.write_string(r, c as u16, cut(&text)).map_err(xlsx)?,
            };
        }
    }
    if batch.num_columns() > 0 {
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        sheet.autofilter(0, 0, batch.num_rows() as u32, batch.num_columns() as u16 - 1).map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
}

fn cut(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(XLSX_MAX_CELL_CHARS - 1) {
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
        None => Cow::Borrowed(text),
    }
}

/// Writes a batch for people as CSV, or as an xlsx workbook when `path` ends in `.xlsx`;
/// private (mode 0600) when `personal`.
pub fn write_table(batch: &RecordBatch, path: &Path, sheet_name: &str, personal: bool) -> Result<()> {
    let xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes = if xlsx { xlsx_bytes(batch, sheet_name)? } else { csv_bytes(batch)? };
    write_file(path, &bytes, personal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn cells_excel_would_evaluate_are_neutralised() {
        for bad in [
            "=1+1",
            "+44 20 7946 0958",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "\n=1",
            "＝1+1",
            "＋1",
            "－1",
            "＠x",
            "  =cmd|' /C calc'!A0",
            "=HYPERLINK(\"http://x\",\"y\")",
        ] {
            let out = neutralise_cell(bad);
            assert_eq!(out, format!("'{bad}"), "{bad:?}");
        }
        for fine in ["Alice", "2024-03-31", "N1", "", "a=b", "'already", "O'Brien", "-5", "+3.25", "-1e3", "-.5", "12"] {
            assert_eq!(neutralise_cell(fine), fine, "{fine:?}");
        }
        assert!(!is_plain_number("-"));
        assert!(!is_plain_number("-1-1"));
        assert!(!is_plain_number("+1e"));
    }

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("text", Arc::new(StringArray::from(vec![Some("=1+1"), Some("Smith, \"Jo\""), None])) as ArrayRef),
            ("row_number", Arc::new(Int64Array::from(vec![Some(-3), Some(7), None])) as ArrayRef),
            ("rate", Arc::new(Float64Array::from(vec![Some(-0.5), Some(2.0), Some(1e20)])) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn csv_neutralises_text_and_keeps_numbers() {
        let text = String::from_utf8(csv_bytes(&batch()).unwrap()).unwrap();
        assert_eq!(text, "\u{feff}text,row_number,rate\n'=1+1,-3,-0.5\n\"Smith, \"\"Jo\"\"\",7,2.0\n,,1e20\n");
    }

    #[test]
    fn xlsx_holds_text_cells_and_numbers() {
        let bytes = xlsx_bytes(&batch(), "issues").unwrap();
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("issues").unwrap();
        assert_eq!(range.get_value((1, 0)), Some(&calamine::Data::String("=1+1".into())), "a text cell, not a formula");
        assert_eq!(range.get_value((1, 1)), Some(&calamine::Data::Float(-3.0)));
        assert_eq!(range.get_value((2, 2)), Some(&calamine::Data::Float(2.0)));
        assert!(book.worksheet_formula("issues").unwrap().used_cells().all(|(_, _, f)| f.is_empty()), "no formulas");
    }

    #[cfg(unix)]
    #[test]
    fn personal_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_table(&batch(), &path, "list", true).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "narrowed");
        let fresh = dir.path().join("new.xlsx");
        write_table(&batch(), &fresh, "list", true).unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(std::fs::read(&fresh).unwrap().starts_with(b"PK"), "an xlsx by its extension");
    }
}
