//! Reading a published table back from the warehouse, for the outputs made from it (the Annex A
//! workbook, the issues CSV, the performance pack). A table is read at the Delta version
//! `_runs/published.json` names (of the rerun folder, for `reruns/as_at=…/` tables), so a run
//! that is publishing, or died part-way, is never half seen, and files kept for history or for the
//! grace period are not read twice; a folder that is not a Delta table is read whole, passing over
//! anything whose name starts with `_` or `.`, as hive readers do.

use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
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
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
        let hive: Vec<(&str, &str)> = match partitions {
            true => f.strip_prefix(dir.trim_end_matches('/')).unwrap_or(&f).split('/').filter_map(|part| part.split_once('=')).collect(),
            false => Vec::new(),
        };
        // From the file's schema, not its first batch: a file with no rows is still the table.
        schema.get_or_insert_with(|| with_partition_fields(builder.schema(), &hive));
        for b in builder.build()? {
            batches.push(with_partition_columns(b?, &hive)?);
        }
    }
    match schema {
        Some(schema) => Ok(Some(datafusion::arrow::compute::concat_batches(&schema, &batches)?)),
        None => Ok(None),
    }
}

/// A schema with a text field appended for each hive partition (`column`, `value`) of a file.
fn with_partition_fields(schema: &SchemaRef, hive: &[(&str, &str)]) -> SchemaRef {
    if hive.is_empty() {
        return schema.clone();
    }
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend(hive.iter().map(|(column, _)| Field::new(*column, DataType::Utf8, false)));
    Arc::new(Schema::new(fields))
}

/// A batch with a text column appended for each hive partition (`column`, `value`) of its file.
fn with_partition_columns(batch: RecordBatch, hive: &[(&str, &str)]) -> Result<RecordBatch> {
    if hive.is_empty() {
        return Ok(batch);
    }
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.extend(hive.iter().map(|(_, value)| Arc::new(StringArray::from(vec![*value; batch.num_rows()])) as ArrayRef));
    Ok(RecordBatch::try_new(with_partition_fields(&batch.schema(), hive), columns)?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_without_rows_is_an_empty_table_and_partitions_come_back_as_columns() {
        let dir = tempfile::tempdir().unwrap();
        let wh = Location::parse(dir.path().to_str().unwrap(), false).unwrap();
        let ids = |v: Vec<&str>| RecordBatch::try_from_iter([("id", Arc::new(StringArray::from(v)) as ArrayRef)]).unwrap();
        let put = |path: &str, batch: RecordBatch| {
            let wh = wh.clone();
            let path = path.to_string();
            async move { wh.put(&wh.child(&path), crate::publish::parquet_bytes(&batch).unwrap()).await.unwrap() }
        };
        put("empty/as_at=2023-03-31/part-a.parquet", ids(vec![])).await;
        let empty = read_table_at(&wh, "empty/as_at=2023-03-31", None).await.unwrap().expect("a table with no rows");
        assert_eq!((empty.num_rows(), empty.num_columns()), (0, 1));
        put("t/la_code=852/financial_year=2022-23/part-b.parquet", ids(vec!["x", "y"])).await;
        put("t/la_code=330/financial_year=2023-24/part-c.parquet", ids(vec!["z"])).await;
        let t = read_table_with_partitions_at(&wh, "t", None).await.unwrap().unwrap();
        let names: Vec<String> = t.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, ["id", "la_code", "financial_year"]);
        let col = |i: usize| {
            (0..t.num_rows()).map(|r| t.column(i).as_any().downcast_ref::<StringArray>().unwrap().value(r).to_string()).collect::<Vec<_>>()
        };
        assert_eq!(col(0), ["z", "x", "y"], "files in path order");
        assert_eq!(col(1), ["330", "852", "852"]);
        assert_eq!(col(2), ["2023-24", "2022-23", "2022-23"]);
        assert_eq!(read_table_at(&wh, "t", None).await.unwrap().unwrap().num_columns(), 1, "without partitions, as the files hold it");
    }
}
