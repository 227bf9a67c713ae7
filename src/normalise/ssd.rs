//! Standard Safeguarding Dataset extract CSVs: one file per `ssd_*` table, columns named as the
//! SSD names them (matched without regard to case, spacing or a byte-order mark). Codes whose DfE
//! list changed between collection years are checked against the list of their record's year
//! ([`super::code_years`]).

use super::builder::{Origin, SourceCell};
use super::delimited::read_rows;
use super::Sink;
use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::{header_key, table_for_header, TableSpec};

const STAGE: &str = "normalise";

/// The SSD table a CSV header row belongs to, if any.
pub fn recognise<'a>(header: &[String], tables: &'a [TableSpec]) -> Option<&'a TableSpec> {
    table_for_header(tables, header)
}

/// Reads one SSD table file into the sink.
pub fn read(file: &InputFile, table: &str, sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) {
    let builder = sink.table(table);
    let spec = builder.spec().clone();
    read_rows(
        file,
        Some(table),
        issues,
        |h, issues| {
            let keys: Vec<String> = h.iter().map(|c| header_key(c)).collect();
            let positions: Vec<Option<usize>> = spec.columns.iter().map(|c| keys.iter().position(|k| *k == c.name)).collect();
            let at = |i: Issue| i.table(table).file(&file.path);
            for (spec_col, pos) in spec.columns.iter().zip(&positions) {
                if pos.is_none() {
                    issues.push(at(Issue::new(
                        Severity::Warning,
                        STAGE,
                        "missing_column",
                        format!("column {} is not in the file; its values are null", spec_col.name),
                        Action::SetNull,
                    )));
                }
            }
            for (i, key) in keys.iter().enumerate() {
                if spec.column_index(key).is_none() {
                    issues.push(at(Issue::new(
                        Severity::Info,
                        STAGE,
                        "extra_column",
                        "column is not part of the core table and was not loaded",
                        Action::Kept,
                    )
                    .column(&h[i], i)));
                }
            }
            Some(positions)
        },
        |positions, header, row, record, issues| {
            let cells: Vec<Option<SourceCell>> =
                positions.iter().map(|p| p.map(|p| SourceCell { raw: &record[p], header: &header[p], position: Some(p) })).collect();
            let at = Origin { file: &file.path, sheet: None, row };
            if builder.push_row(&at, &cells, codes, issues) {
                super::code_years::check(&spec, &cells, &at, codes, issues);
            }
        },
    );
}
