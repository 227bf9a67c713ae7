//! Normalise: turns the extracted files into typed Arrow record batches, one per core table.
//!
//! Every cell is typed by [`cells::type_cell`]; every problem becomes a quality issue naming the
//! file, row, column and raw value. Rows without their key or person id are rejected (and
//! recorded); a repeated primary key keeps its first occurrence.

pub mod cells;
mod decode;

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder};

use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::{header_key, ColumnType, TableSpec};
use crate::Result;
use cells::{type_cell, Typed};

const STAGE: &str = "normalise";

/// One core table after normalisation.
#[derive(Debug)]
pub struct CoreTable {
    pub spec: TableSpec,
    pub batch: RecordBatch,
    /// Data rows read from the input files.
    pub rows_in: usize,
}

impl CoreTable {
    pub fn rows_out(&self) -> usize {
        self.batch.num_rows()
    }
}

/// Normalises the files assigned to each table. Tables with no file are produced empty (and the
/// missing file is recorded), so the model always sees every core table.
pub fn normalise(tables: &[TableSpec], files: &[InputFile], codes: &CodeLists, issues: &mut Vec<Issue>) -> Result<Vec<CoreTable>> {
    let mut out = Vec::with_capacity(tables.len());
    for spec in tables {
        let mut builder = TableBuilder::new(spec);
        let mine: Vec<&InputFile> = files.iter().filter(|f| f.table.as_deref() == Some(spec.name.as_str())).collect();
        if mine.is_empty() {
            issues.push(
                Issue::new(Severity::Warning, STAGE, "missing_table", format!("no {} file in the input; the {} table is empty", spec.source, spec.name), Action::Kept)
                    .table(&spec.name),
            );
        }
        for file in mine {
            builder.read_csv(file, codes, issues);
        }
        out.push(builder.finish()?);
    }
    Ok(out)
}

/// Column builders for one core table, filled file by file.
struct TableBuilder<'a> {
    spec: &'a TableSpec,
    columns: Vec<ColumnBuilder>,
    source_file: StringBuilder,
    source_row: Int64Builder,
    /// Primary key → (file, row) of its first occurrence.
    seen: HashMap<String, (String, i64)>,
    rows_in: usize,
}

enum ColumnBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
    Number(Float64Builder),
}

impl ColumnBuilder {
    fn append(&mut self, v: &Typed) {
        match (self, v) {
            (ColumnBuilder::Text(b), Typed::Text(s)) => b.append_value(s),
            (ColumnBuilder::Date(b), Typed::Date(d)) => b.append_value(*d),
            (ColumnBuilder::Number(b), Typed::Number(n)) => b.append_value(*n),
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::Number(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Number(b) => Arc::new(b.finish()),
        }
    }
}

impl<'a> TableBuilder<'a> {
    fn new(spec: &'a TableSpec) -> Self {
        let columns = spec
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnType::Date => ColumnBuilder::Date(Date32Builder::new()),
                ColumnType::Number => ColumnBuilder::Number(Float64Builder::new()),
                _ => ColumnBuilder::Text(StringBuilder::new()),
            })
            .collect();
        TableBuilder { spec, columns, source_file: StringBuilder::new(), source_row: Int64Builder::new(), seen: HashMap::new(), rows_in: 0 }
    }

    /// Reads one CSV file into the builders, recording every problem.
    fn read_csv(&mut self, file: &InputFile, codes: &CodeLists, issues: &mut Vec<Issue>) {
        let table = self.spec.name.clone();
        let at = |i: Issue| i.table(&table).file(&file.path);
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
        // Map each spec column to its position in this file's header.
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        let positions: Vec<Option<usize>> = self.spec.columns.iter().map(|c| keys.iter().position(|k| *k == c.name)).collect();
        for (spec_col, pos) in self.spec.columns.iter().zip(&positions) {
            if pos.is_none() {
                issues.push(at(Issue::new(Severity::Warning, STAGE, "missing_column", format!("column {} is not in the file; its values are null", spec_col.name), Action::SetNull)));
            }
        }
        for (i, key) in keys.iter().enumerate() {
            if self.spec.column_index(key).is_none() {
                issues.push(at(Issue::new(Severity::Info, STAGE, "extra_column", "column is not part of the core table and was not loaded", Action::Kept).column(&header[i], i)));
            }
        }
        let key_idx = self.spec.column_index(&self.spec.primary_key).expect("checked when the schema loads");
        // Rows are numbered as a spreadsheet shows them: the line a record starts on, less the
        // line breaks inside quoted cells of earlier records.
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
            self.rows_in += 1;
            if record.len() != header.len() {
                issues.push(at(Issue::new(
                    Severity::Error,
                    STAGE,
                    "wrong_field_count",
                    format!("row has {} fields but the header has {}; its values cannot be placed in columns", record.len(), header.len()),
                    Action::RowRejected,
                )
                .row(row)));
                continue;
            }
            let mut values = Vec::with_capacity(self.spec.columns.len());
            let mut row_issues = Vec::new();
            let mut rejected = false;
            for (spec_col, pos) in self.spec.columns.iter().zip(&positions) {
                let Some(pos) = *pos else {
                    values.push(Typed::Null);
                    continue;
                };
                let raw = &record[pos];
                let (value, problem) = type_cell(spec_col, raw, codes);
                let here = |i: Issue| at(i).row(row).column(&header[pos], pos).value(raw);
                if let Some(p) = problem {
                    row_issues.push(here(Issue::new(p.severity, STAGE, p.code, p.message, p.action)));
                }
                if spec_col.required && value == Typed::Null {
                    rejected = true;
                    row_issues.push(here(Issue::new(Severity::Error, STAGE, "missing_required", format!("{} is required; the row cannot be used without it", spec_col.name), Action::RowRejected)));
                }
                values.push(value);
            }
            if !rejected {
                if let Typed::Text(key) = &values[key_idx] {
                    if let Some((first_file, first_row)) = self.seen.get(key) {
                        let pos = positions[key_idx].unwrap_or(0);
                        row_issues.push(
                            at(Issue::new(
                                Severity::Warning,
                                STAGE,
                                "duplicate_key",
                                format!("{} repeats the key first seen in {first_file} row {first_row}; the first occurrence is kept", self.spec.primary_key),
                                Action::RowRejected,
                            ))
                            .row(row)
                            .column(&header[pos], pos)
                            .value(&record[pos]),
                        );
                        rejected = true;
                    } else {
                        self.seen.insert(key.clone(), (file.path.clone(), row));
                    }
                }
            }
            issues.extend(row_issues);
            if rejected {
                continue;
            }
            for (b, v) in self.columns.iter_mut().zip(&values) {
                b.append(v);
            }
            self.source_file.append_value(&file.path);
            self.source_row.append_value(row);
        }
    }

    fn finish(mut self) -> Result<CoreTable> {
        let mut arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        arrays.push(Arc::new(self.source_file.finish()));
        arrays.push(Arc::new(self.source_row.finish()));
        let batch = RecordBatch::try_new(self.spec.arrow_schema(), arrays)?;
        Ok(CoreTable { spec: self.spec.clone(), batch, rows_in: self.rows_in })
    }
}

/// Decodes the start of a file for recognition, replacing what cannot be decoded.
pub fn decode_lossy_head(bytes: &[u8]) -> (String, Option<String>) {
    match decode::decode(bytes) {
        Ok(r) => r,
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), None),
    }
}
