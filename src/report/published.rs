//! Reading a published table back from the warehouse, for the outputs made from it (the Annex A
//! workbook, the issues CSV). A table is read at its current Delta version, so files kept for
//! history (`[warehouse] keep_runs` > 1) are not read twice; a folder that is not a Delta table
//! is read whole, passing over anything whose name starts with `_` or `.`, as hive readers do.

use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::storage::Location;
use crate::Result;

/// Every row of the table (or hive partition of a table) in folder `dir`, in file-name order;
/// `None` when it holds no data files.
pub async fn read_table(warehouse: &Location, dir: &str) -> Result<Option<RecordBatch>> {
    read_table_at(warehouse, dir, None).await
}

/// As [`read_table`], at Delta `version` of the table (its latest when `None`): what a given
/// run published, whatever ran since (a run that failed part-way, a run still publishing).
pub async fn read_table_at(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Option<RecordBatch>> {
    let files = current_files(warehouse, dir, version).await?;
    let mut batches = Vec::new();
    let mut schema = None;
    for f in files {
        let bytes: Bytes = warehouse.get(&warehouse.child(&f)).await?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
        schema.get_or_insert_with(|| builder.schema().clone());
        let reader = builder.build()?;
        for b in reader {
            batches.push(b?);
        }
    }
    match schema {
        Some(schema) => Ok(Some(datafusion::arrow::compute::concat_batches(&schema, &batches)?)),
        None => Ok(None),
    }
}

/// The data files (relative to the warehouse) of the current version of the table in `dir`. A
/// `dir` ending in a hive partition (`as_at=2023-03-31`) is looked up in its parent's table.
async fn current_files(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Vec<String>> {
    let dir = dir.trim_end_matches('/');
    let (root, partition) = match dir.rsplit_once('/') {
        Some((parent, last)) if last.contains('=') => (parent, Some(last)),
        _ => (dir, None),
    };
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
