//! Reading a published table back from the warehouse, for the outputs made from it (the Annex A
//! workbook, the issues CSV, the performance pack). A table is read at the Delta version
//! `_runs/published.json` names (of the rerun folder, for `reruns/as_at=…/` tables), so a run
//! that is publishing, or died part-way, is never half seen, and files kept for history or for the
//! grace period are not read twice; a folder that is not a Delta table is read whole, passing over
//! anything whose name starts with `_` or `.`, as hive readers do.

use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::storage::Location;
use crate::Result;

/// Every row of the table (or hive partition of a table) in folder `dir`, as published, in
/// file-name order; `None` when it holds no data files.
pub async fn read_table(warehouse: &Location, dir: &str) -> Result<Option<RecordBatch>> {
    // An ad hoc rerun's tables are published by the rerun folder's own manifest.
    let (base, rel) = match dir.strip_prefix("reruns/").and_then(|r| r.split_once('/')) {
        Some((as_at, rel)) => (warehouse.sub(&format!("reruns/{as_at}")), rel),
        None => (warehouse.clone(), dir),
    };
    let version = published_version(&base, rel).await?;
    read_table_at(&base, rel, version).await
}

/// The Delta version of the table holding `dir` that the published manifest names; `None` (read
/// the latest) when nothing is published or the manifest predates the table.
async fn published_version(warehouse: &Location, dir: &str) -> Result<Option<u64>> {
    let Some(manifest) = crate::publish::vacuum::published_manifest(warehouse).await? else { return Ok(None) };
    let root = table_root(dir.trim_end_matches('/')).0;
    Ok(manifest.delta_versions.get(root).copied())
}

/// A folder split into its table and, when it ends in a hive partition (`as_at=2023-03-31`), that
/// partition.
fn table_root(dir: &str) -> (&str, Option<&str>) {
    match dir.rsplit_once('/') {
        Some((parent, last)) if last.contains('=') => (parent, Some(last)),
        _ => (dir, None),
    }
}

/// As [`read_table`], at Delta `version` of the table (its latest when `None`): what a given
/// run published, whatever ran since (a run that failed part-way, a run still publishing).
pub async fn read_table_at(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Option<RecordBatch>> {
    read_files(warehouse, dir, version, false).await
}

/// As [`read_table_at`], with the hive partition columns the data files leave out
/// (`financial_year=2022-23/`) appended as text, in the order the folders nest: the rows as
/// Delta readers show them.
pub async fn read_table_with_partitions_at(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Option<RecordBatch>> {
    read_files(warehouse, dir, version, true).await
}

async fn read_files(warehouse: &Location, dir: &str, version: Option<u64>, partitions: bool) -> Result<Option<RecordBatch>> {
    let files = current_files(warehouse, dir, version).await?;
    let mut batches = Vec::new();
    let mut schema = None;
    for f in files {
        let bytes: Bytes = warehouse.get(&warehouse.child(&f)).await?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
        let hive: Vec<(&str, &str)> = match partitions {
            true => f.strip_prefix(dir.trim_end_matches('/')).unwrap_or(&f).split('/').filter_map(|part| part.split_once('=')).collect(),
            false => Vec::new(),
        };
        for b in reader {
            let b = with_partition_columns(b?, &hive)?;
            schema.get_or_insert_with(|| b.schema());
            batches.push(b);
        }
    }
    match schema {
        Some(schema) => Ok(Some(datafusion::arrow::compute::concat_batches(&schema, &batches)?)),
        None => Ok(None),
    }
}

/// A batch with a text column appended for each hive partition (`column`, `value`) of its file.
fn with_partition_columns(batch: RecordBatch, hive: &[(&str, &str)]) -> Result<RecordBatch> {
    if hive.is_empty() {
        return Ok(batch);
    }
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (column, value) in hive {
        fields.push(Field::new(*column, DataType::Utf8, false));
        columns.push(Arc::new(StringArray::from(vec![*value; batch.num_rows()])));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

/// The data files (relative to the warehouse) of the current version of the table in `dir`. A
/// `dir` ending in a hive partition (`as_at=2023-03-31`) is looked up in its parent's table.
async fn current_files(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Vec<String>> {
    let dir = dir.trim_end_matches('/');
    let (root, partition) = table_root(dir);
    if let Some(table) = crate::publish::delta::open(warehouse, root, version).await? {
        let mut files: Vec<String> = crate::publish::delta::files(&table, root)?
            .into_iter()
            .filter(|f| partition.is_none_or(|p| f.starts_with(&format!("{p}/"))))
            .map(|f| format!("{root}/{f}"))
            .collect();
        files.sort();
        return Ok(files);
    }
    let mut files: Vec<String> = warehouse
        .list(dir)
        .await?
        .into_iter()
        .map(|m| warehouse.relative(&m.location))
        .filter(|rel| {
            let inside = rel.strip_prefix(dir).unwrap_or(rel);
            inside.ends_with(".parquet") && !inside.split('/').any(|part| part.starts_with('_') || part.starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}
