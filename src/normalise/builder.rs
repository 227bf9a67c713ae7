//! Building one core table from raw cells, whatever the input format.
//!
//! Every reader (SSD CSV, CIN census XML, SSDA903, Annex A workbooks, vendor CSVs) hands rows to
//! a [`TableBuilder`] as raw text cells placed against the table's columns, with where each came
//! from. The builder types every cell with [`type_cell`], records every problem as an issue
//! naming file, sheet, row, column and raw value, and rejects rows missing a required value.
//! Duplicate keys are resolved later, across files, by [`merge`].

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Builder, Float64Builder, Int64Array, Int64Builder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::compute::{concat_batches, filter_record_batch};

use super::cells::{type_cell, Typed};
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::{ColumnSpec, ColumnType, TableSpec};
use crate::Result;

const STAGE: &str = "normalise";

/// A key for a record whose source has none (CIN census modules, SSDA903 episodes): `prefix`,
/// a dash and 20 hex digits of SHA-256 over the child id, the record type and what identifies
/// the record within the child (its start date, ...). The same record re-submitted in any year
/// has the same key. Analyst tables hash every id column again under the pseudonymisation key.
pub fn derived_key(prefix: &str, child: &str, record: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(child.as_bytes());
    for p in std::iter::once(record).chain(parts.iter().copied()) {
        h.update([0x1f]);
        h.update(p.as_bytes());
    }
    format!("{prefix}-{}", &hex::encode_upper(h.finalize())[..20])
}

/// Where a row came from: the file, the worksheet (workbooks only) and the row as a
/// spreadsheet numbers it (for XML, the line the record starts on).
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a str,
    pub sheet: Option<&'a str>,
    pub row: i64,
}

/// One raw cell as received, with its original header and its position in the source row
/// (zero-based; `None` where the format has no column positions, such as XML elements).
#[derive(Debug, Clone, Copy)]
pub struct SourceCell<'a> {
    pub raw: &'a str,
    pub header: &'a str,
    pub position: Option<usize>,
}

impl<'a> Origin<'a> {
    /// An issue located at this row (and at `cell`, with its raw value, when given).
    pub fn issue(&self, table: &str, cell: Option<&SourceCell>, i: Issue) -> Issue {
        let mut i = i.table(table).file(self.file).row(self.row);
        if let Some(sheet) = self.sheet {
            i = i.sheet(sheet);
        }
        if let Some(c) = cell {
            i = match c.position {
                Some(p) => i.column(c.header, p),
                None => i.column_named(c.header),
            }
            .value(c.raw);
        }
        i
    }
}

/// Column builders for one core table.
pub struct TableBuilder<'a> {
    spec: &'a TableSpec,
    columns: Vec<ColumnBuilder>,
    source_file: StringBuilder,
    source_row: Int64Builder,
    headers: Headers,
    rows_in: usize,
    /// The column naming the child, whose value every issue of its row carries.
    person: Option<usize>,
}

/// How each column was headed in each input file (its header and position), for the issues
/// raised once a table's rows are merged (repeated keys, ids that differ by leading zeros).
#[derive(Debug, Clone, Default)]
pub struct Headers(HashMap<String, Vec<Option<Heading>>>);

/// A column's header in one file, and its position there (see [`SourceCell`]).
type Heading = (String, Option<usize>);

impl Headers {
    /// Notes the headers of an accepted row's cells that this file has not shown yet.
    fn note(&mut self, file: &str, cells: &[Option<SourceCell>]) {
        if !self.0.contains_key(file) {
            self.0.insert(file.to_string(), vec![None; cells.len()]);
        }
        let seen = self.0.get_mut(file).expect("inserted above");
        for (slot, cell) in seen.iter_mut().zip(cells) {
            if let (None, Some(c)) = (&slot, cell) {
                *slot = Some((c.header.to_string(), c.position));
            }
        }
    }

    fn extend(&mut self, other: &Headers) {
        for (file, seen) in &other.0 {
            self.0.entry(file.clone()).or_insert_with(|| seen.clone());
        }
    }

    /// The cell holding `raw` in `column` (by spec position) of `file`, under the header that
    /// file gave it, or under the core column's name where the file showed none.
    pub fn cell<'a>(&'a self, file: &str, column: usize, core_name: &'a str, raw: &'a str) -> SourceCell<'a> {
        match self.0.get(file).and_then(|seen| seen.get(column)).and_then(Option::as_ref) {
            Some((header, position)) => SourceCell { raw, header, position: *position },
            None => SourceCell { raw, header: core_name, position: None },
        }
    }
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
    pub fn new(spec: &'a TableSpec) -> Self {
        let columns = spec
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnType::Date => ColumnBuilder::Date(Date32Builder::new()),
                ColumnType::Number => ColumnBuilder::Number(Float64Builder::new()),
                _ => ColumnBuilder::Text(StringBuilder::new()),
            })
            .collect();
        TableBuilder {
            spec,
            columns,
            source_file: StringBuilder::new(),
            source_row: Int64Builder::new(),
            headers: Headers::default(),
            rows_in: 0,
            person: crate::quality::people::person_column(spec).and_then(|c| spec.column_index(c)),
        }
    }

    pub fn spec(&self) -> &TableSpec {
        self.spec
    }

    /// Rows offered so far (accepted or rejected).
    pub fn rows_in(&self) -> usize {
        self.rows_in
    }

    /// Types and appends one row. `cells` has one entry per spec column, in spec order (`None`
    /// where the source has no such column). Returns whether the row was accepted.
    pub fn push_row(&mut self, at: &Origin, cells: &[Option<SourceCell>], codes: &CodeLists, issues: &mut Vec<Issue>) -> bool {
        debug_assert_eq!(cells.len(), self.spec.columns.len());
        self.rows_in += 1;
        let first_issue = issues.len();
        let table = self.spec.name.as_str();
        let mut values = Vec::with_capacity(cells.len());
        let mut rejected = false;
        for (spec_col, cell) in self.spec.columns.iter().zip(cells) {
            let Some(cell) = cell else {
                if spec_col.required {
                    rejected = true;
                    issues.push(at.issue(
                        table,
                        None,
                        Issue::new(
                            Severity::Error,
                            STAGE,
                            "missing_required",
                            format!("{} is required but the source has no such field; the row cannot be used", spec_col.name),
                            Action::RowRejected,
                        ),
                    ));
                }
                values.push(Typed::Null);
                continue;
            };
            let value = self.typed(at, spec_col, cell, codes, issues);
            if spec_col.required && value == Typed::Null {
                rejected = true;
                let why = format!("{} is required; the row cannot be used without it", spec_col.name);
                issues.push(
                    at.issue(table, Some(cell), Issue::new(Severity::Error, STAGE, "missing_required", why, Action::RowRejected))
                        .core_column(&spec_col.name),
                );
            }
            values.push(value);
        }
        self.name_child(&values, &mut issues[first_issue..]);
        if rejected {
            return false;
        }
        self.headers.note(at.file, cells);
        for (b, v) in self.columns.iter_mut().zip(&values) {
            b.append(v);
        }
        self.source_file.append_value(at.file);
        self.source_row.append_value(at.row);
        true
    }

    /// Types one row as [`Self::push_row`] would, reporting each cell's problem, without
    /// appending it: for a row the reader sets aside (an SSDA903 row superseded by a later
    /// return's) whose cells are still to be checked.
    pub fn check_row(&self, at: &Origin, cells: &[Option<SourceCell>], codes: &CodeLists, issues: &mut Vec<Issue>) {
        debug_assert_eq!(cells.len(), self.spec.columns.len());
        let first_issue = issues.len();
        let values: Vec<Typed> = self
            .spec
            .columns
            .iter()
            .zip(cells)
            .map(|(spec_col, cell)| cell.as_ref().map_or(Typed::Null, |cell| self.typed(at, spec_col, cell, codes, issues)))
            .collect();
        self.name_child(&values, &mut issues[first_issue..]);
    }

    /// One cell typed as `spec_col`, its problem (if any) reported at it.
    fn typed(&self, at: &Origin, spec_col: &ColumnSpec, cell: &SourceCell, codes: &CodeLists, issues: &mut Vec<Issue>) -> Typed {
        let (value, problem) = type_cell(spec_col, cell.raw, codes);
        if let Some(p) = problem {
            let issue = Issue::new(p.severity, STAGE, p.code, p.message, p.action);
            issues.push(at.issue(&self.spec.name, Some(cell), issue).core_column(&spec_col.name));
        }
        value
    }

    /// Every problem of a row names its child, when the row names one.
    fn name_child(&self, values: &[Typed], issues: &mut [Issue]) {
        if let Some(Typed::Text(id)) = self.person.map(|i| &values[i]) {
            for issue in issues {
                issue.person_id.get_or_insert_with(|| id.clone());
            }
        }
    }

    /// The rows built so far, in the core table's Arrow schema.
    pub fn finish(mut self) -> Result<TablePart> {
        let mut arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        arrays.push(Arc::new(self.source_file.finish()));
        arrays.push(Arc::new(self.source_row.finish()));
        let batch = RecordBatch::try_new(self.spec.arrow_schema(), arrays)?;
        Ok(TablePart { table: self.spec.name.clone(), batch, rows_in: self.rows_in, headers: self.headers })
    }
}

/// The rows one input file contributed to one core table.
#[derive(Debug)]
pub struct TablePart {
    pub table: String,
    pub batch: RecordBatch,
    pub rows_in: usize,
    headers: Headers,
}

/// Joins the parts of one table in input order and resolves repeated primary keys: the first
/// occurrence (by file, then row) is kept and every later one is recorded and left out. Returns
/// the rows, how many rows the files held, and how each file headed each column.
pub fn merge(spec: &TableSpec, parts: Vec<TablePart>, issues: &mut Vec<Issue>) -> Result<(RecordBatch, usize, Headers)> {
    let schema = spec.arrow_schema();
    let rows_in = parts.iter().map(|p| p.rows_in).sum();
    let mut headers = Headers::default();
    for p in &parts {
        headers.extend(&p.headers);
    }
    let batch = concat_batches(&schema, parts.iter().map(|p| &p.batch))?;
    let key_idx = spec.column_index(&spec.primary_key).expect("checked when the schema loads");
    let keys = batch.column(key_idx).as_any().downcast_ref::<StringArray>().expect("primary keys are text");
    let files = batch.column(spec.columns.len()).as_any().downcast_ref::<StringArray>().expect("source_file is text");
    let rows = batch.column(spec.columns.len() + 1).as_any().downcast_ref::<Int64Array>().expect("source_row is an integer");
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    let mut keep = Vec::with_capacity(keys.len());
    for i in 0..keys.len() {
        if keys.is_null(i) {
            keep.push(true);
            continue;
        }
        match first.get(keys.value(i)) {
            None => {
                first.insert(keys.value(i), i);
                keep.push(true);
            }
            Some(&f) => {
                keep.push(false);
                let at = Origin { file: files.value(i), sheet: None, row: rows.value(i) };
                let cell = headers.cell(files.value(i), key_idx, &spec.primary_key, keys.value(i));
                let message = format!(
                    "{} repeats the key first seen in {} row {}; the first occurrence is kept",
                    spec.primary_key,
                    files.value(f),
                    rows.value(f)
                );
                issues.push(
                    at.issue(&spec.name, Some(&cell), Issue::new(Severity::Warning, STAGE, "duplicate_key", message, Action::RowRejected))
                        .core_column(&spec.primary_key),
                );
            }
        }
    }
    if keep.iter().all(|k| *k) {
        return Ok((batch, rows_in, headers));
    }
    let batch = filter_record_batch(&batch, &BooleanArray::from(keep))?;
    Ok((batch, rows_in, headers))
}
