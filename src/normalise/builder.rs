//! Building one core table from raw cells, whatever the input format.
//!
//! Every reader (SSD CSV, CIN census XML, SSDA903, Annex A workbooks, vendor CSVs) hands rows to
//! a [`TableBuilder`] as raw text cells placed against the table's columns, with where each came
//! from. The builder types every cell with [`type_cell`], records every problem as an issue
//! naming file, sheet, row, column and raw value, and rejects rows missing a required value.
//! Duplicate keys are resolved later, across files, by [`merge`].
//!
//! A builder given a [`Spill`] types its rows a record batch at a time: each full batch is
//! written to a temporary file and only its key columns ([`key_columns`]: what [`merge`] and the
//! leading-zeros check need) stay in memory; the rows are read back a batch at a time when the
//! table is staged ([`Merged::batches`]).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, BooleanArray, Date32Builder, Float64Builder, Int64Array, Int64Builder, RecordBatch, StringArray,
    StringBuilder,
};
use datafusion::arrow::array::{ArrayAccessor, AsArray, TypedDictionaryArray};
use datafusion::arrow::compute::{cast, concat_batches, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;

use super::cells::{type_cell, Typed};
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::{ColumnSpec, ColumnType, TableSpec, SOURCE_FILE, SOURCE_ROW};
use crate::{Error, Result};

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

/// A folder of temporary Arrow IPC files, one per table part, that spilling builders write their
/// typed rows to. The files hold identifiable rows; the folder is removed when the last handle
/// to it (the parts keep one) is dropped.
#[derive(Debug, Clone)]
pub struct Spill {
    dir: Arc<tempfile::TempDir>,
    next: Arc<AtomicUsize>,
    /// Rows a spilling builder types before writing them out as one record batch.
    batch_rows: usize,
}

impl Spill {
    /// A new folder in `parent` (the system temporary directory when `None`).
    pub fn new(parent: Option<&Path>) -> Result<Spill> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let dir = tempfile::Builder::new()
            .prefix("csc-normalise-")
            .tempdir_in(&parent)
            .map_err(|source| Error::Io { context: format!("creating a spill folder in {}", parent.display()), source })?;
        Ok(Spill { dir: Arc::new(dir), next: Arc::new(AtomicUsize::new(0)), batch_rows: 64 * 1024 })
    }

    /// A spill folder writing batches of `rows` rows (tests: several batches from a few rows).
    #[cfg(test)]
    pub fn with_batch_rows(rows: usize) -> Spill {
        Spill { batch_rows: rows, ..Spill::new(None).unwrap() }
    }

    fn new_file(&self) -> PathBuf {
        self.dir.path().join(format!("part-{}.arrow", self.next.fetch_add(1, Ordering::Relaxed)))
    }
}

/// The columns of a core table's Arrow schema that stay in memory when its rows are spilled:
/// the primary key and every other id column (for [`merge`] and the leading-zeros check), and the
/// source file and row (for the issues they raise).
pub fn key_columns(spec: &TableSpec) -> Vec<usize> {
    let n = spec.columns.len();
    let ids = spec.columns.iter().enumerate().filter(|(_, c)| c.kind == ColumnType::Id || c.name == spec.primary_key).map(|(i, _)| i);
    ids.chain([n, n + 1]).collect()
}

/// The [`key_columns`] of a table's rows, copied out of `batch` (so the rest of it can be freed)
/// with the source file dictionary-encoded: one file name per file, not per row.
pub fn keys_of(spec: &TableSpec, batch: &RecordBatch) -> Result<RecordBatch> {
    let key_columns = key_columns(spec);
    let schema = key_schema(spec)?;
    let columns = key_columns
        .iter()
        .zip(schema.fields())
        .map(|(&i, field)| cast(batch.column(i), field.data_type()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let keys = RecordBatch::try_new(schema.clone(), columns)?;
    Ok(concat_batches(&schema, [&keys])?)
}

/// The schema of [`keys_of`].
fn key_schema(spec: &TableSpec) -> Result<SchemaRef> {
    let schema = spec.arrow_schema().project(&key_columns(spec))?;
    let fields = schema.fields().iter().map(|f| match f.name() == SOURCE_FILE {
        true => Arc::new(Field::new(SOURCE_FILE, DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)), true)),
        false => f.clone(),
    });
    Ok(Arc::new(Schema::new(fields.collect::<Vec<_>>())))
}

/// The source file of each row of [`keys_of`]'s batch.
pub struct SourceFiles<'a>(TypedDictionaryArray<'a, Int32Type, StringArray>);

impl<'a> SourceFiles<'a> {
    pub fn of(keys: &'a RecordBatch) -> Self {
        let column = keys.column_by_name(SOURCE_FILE).expect("the key columns hold the source file");
        let dict = column.as_dictionary::<Int32Type>().downcast_dict::<StringArray>().expect("source files are text");
        SourceFiles(dict)
    }

    pub fn value(&self, row: usize) -> &'a str {
        self.0.value(row)
    }
}

/// A spilling builder's file, opened at its first batch, and the key columns of the rows written.
struct Spilling {
    spill: Spill,
    path: PathBuf,
    writer: Option<StreamWriter<BufWriter<File>>>,
    keys: Vec<RecordBatch>,
    /// The first error writing the file: reported when the part is finished.
    error: Option<Error>,
}

impl Spilling {
    fn write(&mut self, batch: &RecordBatch, spec: &TableSpec) -> Result<()> {
        let io = |path: &Path| {
            let context = format!("writing typed rows to the spill file {}", path.display());
            move |source: std::io::Error| Error::Io { context, source }
        };
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(io(&self.path))?;
            self.writer = Some(StreamWriter::try_new(BufWriter::new(file), &batch.schema())?);
        }
        self.writer.as_mut().expect("opened above").write(batch).map_err(|e| match e {
            datafusion::arrow::error::ArrowError::IoError(_, source) => io(&self.path)(source),
            e => e.into(),
        })?;
        self.keys.push(keys_of(spec, batch)?);
        Ok(())
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
    /// Where full batches go, when the builder spills.
    spilling: Option<Spilling>,
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
            spilling: None,
        }
    }

    /// A builder that writes each full batch of rows to a file in `spill`, keeping only their
    /// [`key_columns`] in memory.
    pub fn spilling(spec: &'a TableSpec, spill: &Spill) -> Self {
        let spilling = Spilling { spill: spill.clone(), path: spill.new_file(), writer: None, keys: Vec::new(), error: None };
        TableBuilder { spilling: Some(spilling), ..TableBuilder::new(spec) }
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
        if self.spilling.as_ref().is_some_and(|s| self.source_row.len() >= s.spill.batch_rows) {
            self.spill_batch();
        }
        true
    }

    /// Writes the rows built so far to the spill file; an error is kept for [`Self::finish`].
    fn spill_batch(&mut self) {
        let batch = self.take_batch();
        let spec = self.spec;
        let spilling = self.spilling.as_mut().expect("only a spilling builder spills");
        if spilling.error.is_none() {
            if let Err(e) = batch.and_then(|b| spilling.write(&b, spec)) {
                spilling.error = Some(e);
            }
        }
    }

    /// The rows built so far, as a record batch; the builders start again empty.
    fn take_batch(&mut self) -> Result<RecordBatch> {
        let mut arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        arrays.push(Arc::new(self.source_file.finish()));
        arrays.push(Arc::new(self.source_row.finish()));
        Ok(RecordBatch::try_new(self.spec.arrow_schema(), arrays)?)
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

    /// The rows built, in the core table's Arrow schema (when spilling: the last batch is written
    /// out, the file closed, and the part holds the key columns of all its rows).
    pub fn finish(mut self) -> Result<TablePart> {
        let mut batch = self.take_batch()?;
        let mut spilled = None;
        if let Some(mut s) = self.spilling.take() {
            match s.error.take() {
                Some(e) => return Err(e),
                None => s.write(&batch, self.spec)?,
            }
            let mut writer = s.writer.take().expect("opened by the write above");
            writer.finish()?;
            let context = format!("writing typed rows to the spill file {}", s.path.display());
            writer.into_inner()?.flush().map_err(|source| Error::Io { context, source })?;
            batch = concat_batches(&key_schema(self.spec)?, &s.keys)?;
            spilled = Some(Spilled { path: s.path, _spill: s.spill });
        }
        Ok(TablePart { table: self.spec.name.clone(), batch, rows_in: self.rows_in, headers: self.headers, spilled })
    }
}

/// A part's rows in a spill file (which lives as long as its folder's handle).
#[derive(Debug)]
struct Spilled {
    path: PathBuf,
    _spill: Spill,
}

/// The rows one input file contributed to one core table.
#[derive(Debug)]
pub struct TablePart {
    pub table: String,
    /// The rows, or for a part whose rows were spilled, their [`keys_of`] alone.
    pub batch: RecordBatch,
    pub rows_in: usize,
    headers: Headers,
    spilled: Option<Spilled>,
}

impl TablePart {
    /// Whether the part's rows are in a spill file (its `batch` holds their key columns alone).
    pub fn is_spilled(&self) -> bool {
        self.spilled.is_some()
    }

    /// The part's rows, all columns, a batch at a time (one batch when held in memory).
    fn batches(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + '_>> {
        let Some(s) = &self.spilled else { return Ok(Box::new(std::iter::once(Ok(self.batch.clone())))) };
        let context = format!("reading typed rows back from the spill file {}", s.path.display());
        let file = File::open(&s.path).map_err(|source| Error::Io { context, source })?;
        let reader = StreamReader::try_new(BufReader::new(file), None)?;
        Ok(Box::new(reader.map(|b| b.map_err(Error::from))))
    }
}

/// One core table's rows once its parts are joined and repeated keys resolved ([`merge`]).
#[derive(Debug)]
pub enum Merged {
    /// Every part was in memory: the rows kept, and the [`keys_of`] them (built once, to resolve
    /// repeated keys).
    Held { batch: RecordBatch, keys: RecordBatch },
    /// Some part was spilled: each part with the rows of it kept, and the [`keys_of`] the rows
    /// kept, in order.
    Spilled { parts: Vec<(TablePart, BooleanArray)>, keys: RecordBatch },
}

impl Merged {
    /// The [`keys_of`] the rows kept.
    pub fn keys(&self) -> &RecordBatch {
        match self {
            Merged::Held { keys, .. } | Merged::Spilled { keys, .. } => keys,
        }
    }

    pub fn num_rows(&self) -> usize {
        match self {
            Merged::Held { batch, .. } => batch.num_rows(),
            Merged::Spilled { keys, .. } => keys.num_rows(),
        }
    }

    /// The rows kept, all columns, in order, a batch at a time (one batch when held).
    pub fn batches(&self) -> impl Iterator<Item = Result<RecordBatch>> + '_ {
        let (held, parts) = match self {
            Merged::Held { batch, .. } => (Some(Ok(batch.clone())), &[][..]),
            Merged::Spilled { parts, .. } => (None, &parts[..]),
        };
        let spilled = parts.iter().flat_map(|(part, keep)| {
            let mut offset = 0;
            let batches: Box<dyn Iterator<Item = Result<RecordBatch>> + '_> = match part.batches() {
                Ok(b) => b,
                Err(e) => Box::new(std::iter::once(Err(e))),
            };
            batches.map(move |b| -> Result<RecordBatch> {
                let b = b?;
                let keep = keep.slice(offset, b.num_rows());
                offset += b.num_rows();
                if keep.true_count() == b.num_rows() {
                    Ok(b)
                } else {
                    Ok(filter_record_batch(&b, &keep)?)
                }
            })
        });
        held.into_iter().chain(spilled)
    }

    /// The rows kept, all columns, in one batch.
    pub fn into_batch(self, spec: &TableSpec) -> Result<RecordBatch> {
        match self {
            Merged::Held { batch, .. } => Ok(batch),
            spilled => Ok(concat_batches(&spec.arrow_schema(), &spilled.batches().collect::<Result<Vec<_>>>()?)?),
        }
    }
}

/// Joins the parts of one table in input order and resolves repeated primary keys: the first
/// occurrence (by file, then row) is kept and every later one is recorded and left out. Returns
/// the rows, how many rows the files held, and how each file headed each column. Parts in memory
/// are joined into one batch; when any part was spilled, only the key columns are joined, and
/// the rows are left where they are with which of them are kept.
pub fn merge(spec: &TableSpec, parts: Vec<TablePart>, issues: &mut Vec<Issue>) -> Result<(Merged, usize, Headers)> {
    let rows_in = parts.iter().map(|p| p.rows_in).sum();
    let mut headers = Headers::default();
    for p in &parts {
        headers.extend(&p.headers);
    }
    if !parts.iter().any(TablePart::is_spilled) {
        let batch = concat_batches(&spec.arrow_schema(), parts.iter().map(|p| &p.batch))?;
        let keys = keys_of(spec, &batch)?;
        let keep = first_of_each_key(spec, &keys, &headers, issues);
        if keep.iter().all(|k| *k) {
            return Ok((Merged::Held { batch, keys }, rows_in, headers));
        }
        let keep = BooleanArray::from(keep);
        let (batch, keys) = (filter_record_batch(&batch, &keep)?, filter_record_batch(&keys, &keep)?);
        return Ok((Merged::Held { batch, keys }, rows_in, headers));
    }
    let part_keys = parts.iter().map(|p| if p.is_spilled() { Ok(p.batch.clone()) } else { keys_of(spec, &p.batch) });
    let keys = concat_batches(&key_schema(spec)?, &part_keys.collect::<Result<Vec<_>>>()?)?;
    let keep = BooleanArray::from(first_of_each_key(spec, &keys, &headers, issues));
    let keys = if keep.true_count() == keys.num_rows() { keys } else { filter_record_batch(&keys, &keep)? };
    let mut offset = 0;
    let mut kept = Vec::with_capacity(parts.len());
    for mut part in parts {
        let n = part.batch.num_rows();
        if part.is_spilled() {
            // Its key columns are in `keys` now.
            part.batch = RecordBatch::new_empty(part.batch.schema());
        }
        kept.push((part, keep.slice(offset, n)));
        offset += n;
    }
    Ok((Merged::Spilled { parts: kept, keys }, rows_in, headers))
}

/// Which rows of `batch` (the [`keys_of`] a table's rows in input order) hold the first occurrence
/// of their primary key; each later one is recorded.
fn first_of_each_key(spec: &TableSpec, batch: &RecordBatch, headers: &Headers, issues: &mut Vec<Issue>) -> Vec<bool> {
    let column = |name: &str| batch.column_by_name(name).expect("the key columns are kept");
    let key_idx = spec.column_index(&spec.primary_key).expect("checked when the schema loads");
    let keys = column(&spec.primary_key).as_any().downcast_ref::<StringArray>().expect("primary keys are text");
    let files = SourceFiles::of(batch);
    let rows = column(SOURCE_ROW).as_any().downcast_ref::<Int64Array>().expect("source_row is an integer");
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
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ssd_tables;

    /// A contact row: contact id, person id, date.
    type Row = (&'static str, &'static str, &'static str);

    /// Contact rows of three files as (contact id, person id, date): repeated keys within a file
    /// and across files, a row rejected for a missing key, a bad date, and ids padded with zeros.
    fn files() -> Vec<(&'static str, Vec<Row>)> {
        let mut first: Vec<Row> = vec![("1", "42", "2024-01-02"), ("2", "0042", "not a date"), ("", "7", "2024-01-03")];
        first.extend([("3", "7", "2024-02-01"), ("1", "43", "2024-02-02"), ("4", "007", "2024-02-03"), ("5", "8", "2024-02-04")]);
        let second = vec![("6", "8", "2024-03-01"), ("3", "9", "2024-03-02"), ("7", "0042", "2024-03-03")];
        let third = vec![("8", "10", "2024-04-01"), ("5", "11", "2024-04-02")];
        vec![("a.csv", first), ("b.csv", second), ("c.csv", third)]
    }

    /// The parts of [`files`], typed by builders made with `new`, merged; then the leading-zeros
    /// check. The rows kept (all columns), the part batches held, and every issue.
    fn build(new: impl Fn(&'static TableSpec) -> TableBuilder<'static>) -> (RecordBatch, Vec<usize>, Vec<Issue>) {
        let spec = ssd_tables().iter().find(|t| t.name == "contact").unwrap();
        let codes = CodeLists::builtin();
        let mut issues = Vec::new();
        let mut parts = Vec::new();
        for (file, rows) in files() {
            let mut b = new(spec);
            for (i, (contact, person, date)) in rows.iter().enumerate() {
                let header = |name| spec.columns.iter().position(|c| c.name == name).unwrap();
                let cells: Vec<Option<SourceCell>> = spec
                    .columns
                    .iter()
                    .map(|c| match c.name.as_str() {
                        "cont_contact_id" => {
                            Some(SourceCell { raw: contact, header: "cont_contact_id", position: Some(header("cont_contact_id")) })
                        }
                        "cont_person_id" => {
                            Some(SourceCell { raw: person, header: "cont_person_id", position: Some(header("cont_person_id")) })
                        }
                        "cont_contact_date" => {
                            Some(SourceCell { raw: date, header: "cont_contact_date", position: Some(header("cont_contact_date")) })
                        }
                        _ => None,
                    })
                    .collect();
                b.push_row(&Origin { file, sheet: None, row: i as i64 + 2 }, &cells, codes, &mut issues);
            }
            parts.push(b.finish().unwrap());
        }
        let held: Vec<usize> = parts.iter().map(|p| p.batch.num_columns()).collect();
        let (rows, rows_in, headers) = merge(spec, parts, &mut issues).unwrap();
        assert_eq!(rows_in, 12);
        super::super::id_zeros::report(&[(spec, rows.keys())], &[headers], &mut issues);
        (rows.into_batch(spec).unwrap(), held, issues)
    }

    #[test]
    fn spilled_rows_merge_and_raise_the_same_issues_as_held_ones() {
        let (held_rows, held_columns, held_issues) = build(TableBuilder::new);
        // Two rows a batch: every file's rows go to its spill file in several batches.
        let spill = Spill::with_batch_rows(2);
        let (spilled_rows, spilled_columns, spilled_issues) = build(|spec| TableBuilder::spilling(spec, &spill));
        assert_eq!(held_rows.num_rows(), 8, "12 rows, one without a key, three repeating a key");
        assert_eq!(spilled_rows, held_rows, "the same rows in the same order");
        let codes: Vec<&str> = held_issues.iter().map(|i| i.code).collect();
        assert!(
            codes.contains(&"duplicate_key") && codes.contains(&"id_leading_zeros") && codes.contains(&"missing_required"),
            "{codes:?}"
        );
        assert_eq!(spilled_issues, held_issues, "the same issues, in the same order");
        // What stays in memory of a spilled part: the two id columns, the source file and row.
        let spec = ssd_tables().iter().find(|t| t.name == "contact").unwrap();
        assert_eq!(held_columns, vec![spec.columns.len() + 2; 3]);
        assert_eq!(spilled_columns, vec![4; 3]);
        let files = std::fs::read_dir(spill.dir.path()).unwrap().count();
        assert_eq!(files, 3, "one spill file per part");
    }
}
