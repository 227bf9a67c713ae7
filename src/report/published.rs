//! Reading a published table back from the warehouse, for the outputs made from it (the Annex A
//! workbook, the issues CSV). Only data files count: anything under a folder or file whose name
//! starts with `_` or `.` (a commit log, a run's staging area) is passed over, as hive readers do.

use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::storage::Location;
use crate::Result;

/// Every row of the Parquet files below `dir`, in file-name order; `None` when there are none.
pub async fn read_table(warehouse: &Location, dir: &str) -> Result<Option<RecordBatch>> {
    let mut files: Vec<_> = warehouse
        .list(dir)
        .await?
        .into_iter()
        .filter(|m| {
            let rel = warehouse.relative(&m.location);
            let inside = rel.strip_prefix(dir).unwrap_or(&rel);
            inside.ends_with(".parquet") && !inside.split('/').any(|part| part.starts_with('_') || part.starts_with('.'))
        })
        .collect();
    files.sort_by(|a, b| a.location.cmp(&b.location));
    let mut batches = Vec::new();
    let mut schema = None;
    for f in files {
        let bytes: Bytes = warehouse.get(&f.location).await?;
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
