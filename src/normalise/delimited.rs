//! Reading delimited text exports (CSV) row by row, as every CSV-based format needs: decoding,
//! the header row, and rows numbered as a spreadsheet shows them. Problems with the file or a
//! row are recorded here: undecodable bytes (at their cell), no header or no data rows,
//! repeated column headers, cells and rows over `[limits]`, a stray quote that swallowed the
//! rows after it, and a wrong number of fields. Blank rows are passed over.

use std::borrow::Cow;

use csv::{ByteRecord, StringRecord};

use super::decode::{decode_cell, prepare};
use crate::extract::InputFile;
use crate::limits::IssueCap;
use crate::quality::{Action, Issue, Severity};

const STAGE: &str = "normalise";

/// Reads `file` as CSV. `on_header` receives the header row and returns what the rows need to
/// be placed (e.g. column positions), or `None` to stop; `on_row` then receives that, the
/// header, and each non-blank data row with its spreadsheet row number (header = 1).
/// `table` names the core table in the issues raised here, when one is known.
pub fn read_rows<T>(
    file: &InputFile,
    table: Option<&str>,
    issues: &mut Vec<Issue>,
    on_header: impl FnOnce(&[String], &mut Vec<Issue>) -> Option<T>,
    mut on_row: impl FnMut(&T, &[String], i64, &StringRecord, &mut Vec<Issue>),
) {
    let limits = file.limits;
    let at = |i: Issue| {
        let i = i.file(&file.path);
        match table {
            Some(t) => i.table(t),
            None => i,
        }
    };
    let prepared = prepare(&file.bytes);
    if let Some(note) = prepared.note {
        issues.push(at(Issue::new(Severity::Info, STAGE, "encoding", note, Action::Kept)));
    }
    let mut cap = IssueCap::new(limits, issues.len());
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&prepared.bytes[..]);
    let mut record = ByteRecord::new();
    let header: Vec<String> = match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .enumerate()
            .map(|(i, raw)| cell_text(raw, 1, i, &format!("column {}", i + 1), limits.max_field_bytes, issues, &at).into_owned())
            .collect(),
        Ok(false) => {
            issues.push(at(Issue::new(Severity::Error, STAGE, "unreadable_file", "no header row", Action::FileSkipped)));
            return;
        }
        Err(e) => {
            issues.push(at(Issue::new(
                Severity::Error,
                STAGE,
                "unreadable_file",
                format!("the header row cannot be read: {e}"),
                Action::FileSkipped,
            )));
            return;
        }
    };
    report_duplicate_headers(&header, issues, &at);
    let Some(placing) = on_header(&header, issues) else { return };
    // Rows are numbered as a spreadsheet shows them: the line a record starts on, less the line
    // breaks inside quoted cells of earlier records.
    let mut embedded_breaks: u64 = 0;
    let mut data_rows = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let row = e.position().map(|p| p.line() as i64 - embedded_breaks as i64).unwrap_or(0);
                issues.push(at(Issue::new(Severity::Error, STAGE, "unreadable_row", e.to_string(), Action::RowRejected).row(row)));
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = line.saturating_sub(embedded_breaks) as i64;
        let breaks = record.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64).sum::<u64>();
        embedded_breaks += breaks;
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue; // a blank row carries no data
        }
        data_rows += 1;
        if record.as_slice().len() > limits.max_line_bytes {
            let message = format!(
                "the row is {} bytes long, more than [limits] max_line_bytes = {}; it was not loaded",
                record.as_slice().len(),
                limits.max_line_bytes
            );
            issues.push(at(Issue::new(Severity::Error, STAGE, "row_too_long", message, Action::RowRejected).row(row)));
            cap.apply(issues);
            continue;
        }
        if let Some((column, swallowed, lines)) = stray_quote(&record, header.len()) {
            let (first, last) = (row + 1, row + lines as i64);
            let message = format!(
                "a quote opened in this cell is not closed until row {last}: {swallowed} rows between rows {first} and {last} were read as part of this cell; the row and those rows were not loaded"
            );
            let name = header.get(column).map(String::as_str).unwrap_or_default();
            issues.push(at(Issue::new(Severity::Error, STAGE, "stray_quote", message, Action::RowRejected).row(row).column(name, column)));
            cap.apply(issues);
            continue;
        }
        if record.len() != header.len() {
            let message =
                format!("row has {} fields but the header has {}; its values cannot be placed in columns", record.len(), header.len());
            issues.push(at(Issue::new(Severity::Error, STAGE, "wrong_field_count", message, Action::RowRejected).row(row)));
            cap.apply(issues);
            continue;
        }
        let cells: Vec<Cow<str>> =
            record.iter().enumerate().map(|(i, raw)| cell_text(raw, row, i, &header[i], limits.max_field_bytes, issues, &at)).collect();
        let text = StringRecord::from(cells);
        on_row(&placing, &header, row, &text, issues);
        cap.apply(issues);
    }
    if data_rows == 0 {
        issues.push(at(Issue::new(Severity::Warning, STAGE, "no_rows", "the file has a header row but no data rows", Action::Kept)));
    }
    cap.finish(issues, &file.path);
}

/// One cell as text: over-long cells are reported and read as blank, cells that are not UTF-8
/// are reported and read as Windows-1252.
fn cell_text<'r>(
    raw: &'r [u8],
    row: i64,
    column: usize,
    header: &str,
    max: usize,
    issues: &mut Vec<Issue>,
    at: &impl Fn(Issue) -> Issue,
) -> Cow<'r, str> {
    if raw.len() > max {
        let message = format!("the cell is {} bytes long, more than [limits] max_field_bytes = {max}; it was read as blank", raw.len());
        issues.push(at(Issue::new(Severity::Error, STAGE, "field_too_long", message, Action::SetNull).row(row).column(header, column)));
        return Cow::Borrowed("");
    }
    let (text, invalid) = decode_cell(raw);
    if invalid {
        let message = "the cell's bytes are not valid UTF-8; it was read as Windows-1252";
        issues.push(at(Issue::new(Severity::Warning, STAGE, "invalid_encoding", message, Action::Kept)
            .row(row)
            .column(header, column)
            .value(&text)));
    }
    text
}

/// Records each header that repeats an earlier one (compared without case, spaces or
/// punctuation): readers take the first column of a name, so the later one is not loaded.
fn report_duplicate_headers(header: &[String], issues: &mut Vec<Issue>, at: &impl Fn(Issue) -> Issue) {
    let key = |h: &str| h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let k = key(h);
        if k.is_empty() {
            continue;
        }
        if let Some(&first) = seen.get(&k) {
            let message = format!(
                "the header repeats column {}'s name; only the first column of that name is read, this one was not loaded",
                crate::schema::column_letter(first)
            );
            issues.push(at(Issue::new(Severity::Error, STAGE, "duplicate_column", message, Action::Kept).row(1).column(h, i)));
        } else {
            seen.insert(k, i);
        }
    }
}

/// A cell that holds line breaks followed by whole rows' worth of fields: a quote opened and
/// not closed where it should have been swallowed the rows after it. Returns the cell's column
/// how many rows it swallowed, and over how many lines after its own they run.
fn stray_quote(record: &ByteRecord, columns: usize) -> Option<(usize, usize, usize)> {
    if columns < 2 {
        return None;
    }
    record.iter().enumerate().find_map(|(i, field)| {
        let looks_like_row = |line: &[u8]| line.iter().filter(|&&b| b == b',').count() + 1 >= columns;
        let lines: Vec<&[u8]> = field.split(|&b| b == b'\n').skip(1).collect();
        let swallowed = lines.iter().filter(|l| looks_like_row(l)).count();
        let last = lines.iter().rposition(|l| looks_like_row(l)).map_or(0, |p| p + 1);
        (swallowed > 0).then_some((i, swallowed, last))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn read(csv: &[u8]) -> (Vec<(i64, Vec<String>)>, Vec<Issue>) {
        let file = InputFile::in_memory("t.csv", Bytes::copy_from_slice(csv), None);
        let mut rows = Vec::new();
        let mut issues = Vec::new();
        read_rows(
            &file,
            None,
            &mut issues,
            |_, _| Some(()),
            |_, _, row, rec, _| rows.push((row, rec.iter().map(str::to_string).collect())),
        );
        (rows, issues)
    }

    fn codes(issues: &[Issue]) -> Vec<&str> {
        issues.iter().map(|i| i.code).collect()
    }

    #[test]
    fn a_bad_byte_is_reported_at_its_cell_and_the_rest_stays_utf8() {
        let (rows, issues) = read(b"id,name\n1,caf\xC3\xA9\n2,na\xC3\xAFve\n3,X\n4,\xE9t\xE9\n");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].1[1], "na\u{ef}ve", "UTF-8 cells are read as UTF-8");
        assert_eq!(rows[3].1[1], "\u{e9}t\u{e9}", "the bad cell is read as Windows-1252");
        assert_eq!(codes(&issues), ["invalid_encoding"]);
        assert_eq!((issues[0].row, issues[0].column_letter.as_deref()), (Some(5), Some("B")));
    }

    #[test]
    fn duplicate_headers_header_only_files_and_stray_quotes_are_reported() {
        let (_, issues) = read(b"id,Name,name\n");
        assert_eq!(codes(&issues), ["duplicate_column", "no_rows"]);
        assert_eq!(issues[0].column_letter.as_deref(), Some("C"));
        let (rows, issues) = read(b"id,a,b\n1,\"x,y\n2,p,q\n3,r,s\n4,t,u\n");
        assert!(rows.is_empty(), "{rows:?}");
        let stray = issues.iter().find(|i| i.code == "stray_quote").expect("the stray quote is reported");
        assert_eq!(stray.row, Some(2));
        assert!(stray.message.contains("3 rows between rows 3 and 5"), "{}", stray.message);
        let (rows, issues) = read(b"id,note\n1,\"two\nlines\"\n2,x\n");
        assert_eq!((rows.len(), issues.len()), (2, 0), "a quoted cell with a line break is fine: {issues:?}");
        assert_eq!(rows[1].0, 3, "numbered as a spreadsheet shows it");
    }

    #[test]
    fn cells_and_rows_over_the_limits_are_reported_not_loaded() {
        let limits = crate::limits::Limits { max_field_bytes: 8, max_line_bytes: 20, ..Default::default() };
        let mut file =
            InputFile::in_memory("t.csv", Bytes::from_static(b"id,x\n1,123456789\n2,ok\n3,aaaaaaaa,bbbbbbbbbbbbbbbbbbbbb\n"), None);
        file.limits = limits;
        let mut rows = Vec::new();
        let mut issues = Vec::new();
        read_rows(
            &file,
            None,
            &mut issues,
            |_, _| Some(()),
            |_, _, row, rec, _| rows.push((row, rec.iter().map(str::to_string).collect::<Vec<_>>())),
        );
        assert_eq!(codes(&issues), ["field_too_long", "row_too_long"]);
        assert_eq!(rows, [(2, vec!["1".to_string(), String::new()]), (3, vec!["2".to_string(), "ok".to_string()])]);
    }
}
