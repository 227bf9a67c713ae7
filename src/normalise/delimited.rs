//! Reading delimited text exports (CSV) row by row, as every CSV-based format needs: decoding,
//! the header row, and rows numbered as a spreadsheet shows them. Problems with the file or a
//! row (undecodable bytes, no header, malformed quoting, a wrong number of fields) are recorded
//! here; blank rows are passed over.

use csv::StringRecord;

use super::decode;
use crate::extract::InputFile;
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
    let at = |i: Issue| {
        let i = i.file(&file.path);
        match table {
            Some(t) => i.table(t),
            None => i,
        }
    };
    let text = match decode::decode(&file.bytes) {
        Ok((text, note)) => {
            if let Some(note) = note {
                issues.push(at(Issue::new(Severity::Info, STAGE, "encoding", note, Action::Kept)));
            }
            text
        }
        Err(why) => {
            issues.push(at(Issue::new(Severity::Error, STAGE, "unreadable_file", why, Action::FileSkipped)));
            return;
        }
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_string).collect(),
        _ => {
            issues.push(at(Issue::new(Severity::Error, STAGE, "unreadable_file", "no header row", Action::FileSkipped)));
            return;
        }
    };
    let Some(placing) = on_header(&header, issues) else { return };
    // Rows are numbered as a spreadsheet shows them: the line a record starts on, less the line
    // breaks inside quoted cells of earlier records.
    let mut embedded_breaks: u64 = 0;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map(|p| p.line() as i64 - embedded_breaks as i64).unwrap_or(0);
                issues.push(at(Issue::new(Severity::Error, STAGE, "unreadable_row", e.to_string(), Action::RowRejected).row(row)));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = (line - embedded_breaks) as i64;
        embedded_breaks += record.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank row carries no data
        }
        if record.len() != header.len() {
            let message = format!("row has {} fields but the header has {}; its values cannot be placed in columns", record.len(), header.len());
            issues.push(at(Issue::new(Severity::Error, STAGE, "wrong_field_count", message, Action::RowRejected).row(row)));
            continue;
        }
        on_row(&placing, &header, row, &record, issues);
    }
}
