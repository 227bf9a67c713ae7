//! Publish: writes Parquet to a run's staging area, then moves it into the live warehouse once
//! every stage has succeeded, so a failed run leaves the published warehouse as it was.
//!
//! Layout: `core/<table>/part-0.parquet`, `marts/fact_measure/financial_year=YYYY-YY/part-0.parquet`
//! (hive partitions), `quality/issues/part-0.parquet`, and the run manifests in `_runs/`.
//! File names are fixed, so identical inputs give identical files.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::storage::Location;
use crate::{Error, Result};

/// Folder of a run's staged outputs, below the warehouse.
pub fn staging_root(run_id: &str) -> String {
    format!("_staging/{run_id}")
}

/// Rows per row group: large enough for efficient scans, small enough that statistics prune.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Encodes a batch as a Parquet file: Snappy compression (read by Power BI, DuckDB, polars and
/// pyarrow alike) and page-level statistics so filters on dates and ids can skip data.
pub fn parquet_bytes(batch: &RecordBatch) -> Result<Bytes> {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("csc-pipeline {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(Bytes::from(buf))
}

/// Writes one table as `<dir>/part-0.parquet` below the warehouse.
pub async fn write_table(warehouse: &Location, dir: &str, batch: &RecordBatch) -> Result<String> {
    let rel = format!("{dir}/part-0.parquet");
    warehouse.put(&warehouse.child(&rel), parquet_bytes(batch)?).await?;
    Ok(rel)
}

/// Writes a table split into hive partitions on a string column (`<dir>/<column>=<value>/`);
/// the column itself is left out of the files, as hive readers expect.
pub async fn write_partitioned(warehouse: &Location, dir: &str, batch: &RecordBatch, column: &str) -> Result<Vec<String>> {
    let idx = batch.schema().index_of(column)?;
    let keys = batch
        .column(idx)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| Error::Config(format!("partition column {column} must be text")))?;
    let values: BTreeSet<&str> = (0..keys.len()).filter(|&i| keys.is_valid(i)).map(|i| keys.value(i)).collect();
    let mut written = Vec::new();
    for value in values {
        let mask = BooleanArray::from((0..keys.len()).map(|i| keys.is_valid(i) && keys.value(i) == value).collect::<Vec<bool>>());
        let part = filter_record_batch(batch, &mask)?;
        let part = part.project(&(0..part.num_columns()).filter(|&i| i != idx).collect::<Vec<_>>())?;
        written.push(write_table(warehouse, &format!("{dir}/{column}={value}"), &part).await?);
    }
    Ok(written)
}

/// Moves a run's staged tables into place. For each table folder, the staged files replace the
/// live ones and live files the run did not produce (e.g. a partition that no longer exists) are
/// removed. Returns the published paths.
pub async fn commit(warehouse: &Location, run_id: &str, table_dirs: &[String]) -> Result<Vec<String>> {
    let staging = staging_root(run_id);
    let mut published = Vec::new();
    for dir in table_dirs {
        let staged_dir = format!("{staging}/{dir}");
        let mut fresh: BTreeMap<String, object_store::path::Path> = BTreeMap::new();
        for meta in warehouse.list(&staged_dir).await? {
            let rel = warehouse.relative(&meta.location);
            let inside = rel.strip_prefix(&format!("{staged_dir}/")).unwrap_or(&rel).to_string();
            fresh.insert(inside, meta.location);
        }
        for (inside, from) in &fresh {
            let to = warehouse.child(&format!("{dir}/{inside}"));
            warehouse.rename(from, &to).await?;
            published.push(format!("{dir}/{inside}"));
        }
        for meta in warehouse.list(dir).await? {
            let rel = warehouse.relative(&meta.location);
            let inside = rel.strip_prefix(&format!("{dir}/")).unwrap_or(&rel);
            if !fresh.contains_key(inside) {
                warehouse.delete(&meta.location).await?;
            }
        }
        warehouse.prune_empty_folders(dir)?;
    }
    warehouse.delete_all(&staging).await?;
    warehouse.prune_empty_folders("_staging")?;
    Ok(published)
}
