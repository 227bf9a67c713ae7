//! Publish: every warehouse table is a Delta Lake table, replaced atomically by one commit per run.
//!
//! A run stages each table's Parquet files under `restricted/_staging/<run_id>/<table>/` (the model reads
//! the core tables from there), and only when every stage has succeeded [`commit`]s them: per
//! table, the staged files move into the table's folder (hive partitions as before) and one Delta
//! commit replaces the table's contents, recording the run id, run key and as-at date in its
//! commitInfo. The run then records each table's new Delta version in its manifest and
//! [`vacuum`](vacuum::vacuum)s the files no retained run needs, so a plain Parquet reader of a folder
//! sees exactly the current data. A run that dies part-way is undone by the next one
//! ([`vacuum::recover`]).
//!
//! Crash tests arm [`failpoint`]s here: `publish.file` (after each data file is staged, during
//! normalise and publish), `publish.commit` (after each table's commit, before the next) and
//! `publish.vacuum` (after each table is vacuumed); `normalise.table` is in [`crate::run`].
//!
//! Data files are named after a hash of their bytes (`part-<sha256 prefix>.parquet`): identical
//! data gives the identical file, so a rerun with the same run key changes no data file, and a new
//! file can never overwrite a live one.

pub mod delta;
pub mod vacuum;

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use sha2::{Digest, Sha256};

use crate::storage::Location;
use crate::{failpoint, Error, Result};

pub use delta::{commit, CommitInfo};

/// Folder, below the warehouse, of every run's staging area. It is inside `restricted/`: a
/// staging area holds the identifiable core while a run is running, and after a run that died
/// until the next run cleans up.
pub const STAGING: &str = "restricted/_staging";

/// Folder of a run's staged outputs, below the warehouse.
pub fn staging_root(run_id: &str) -> String {
    format!("{STAGING}/{run_id}")
}

/// Rows per row group: large enough for efficient scans, small enough that statistics prune.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Encodes a batch as a Parquet file: Snappy compression (read by Power BI, DuckDB, polars and
/// pyarrow alike) and page-level statistics so filters on dates and ids can skip data.
pub fn parquet_bytes(batch: &RecordBatch) -> Result<Bytes> {
    let mut file = ParquetFile::new(batch.schema())?;
    file.write(batch)?;
    file.close()
}

/// A Parquet file being encoded in memory a record batch at a time, as [`parquet_bytes`] encodes
/// one batch.
pub struct ParquetFile {
    writer: ArrowWriter<Vec<u8>>,
    schema: SchemaRef,
    rows: usize,
}

impl ParquetFile {
    pub fn new(schema: SchemaRef) -> Result<ParquetFile> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("csc-pipeline {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetFile { writer: ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))?, schema, rows: 0 })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer.write(batch)?;
        self.rows += batch.num_rows();
        Ok(())
    }

    /// The file's bytes, footer written.
    fn close(self) -> Result<Bytes> {
        Ok(Bytes::from(self.writer.into_inner()?))
    }
}

/// Name of a data file: a hash of its bytes, so identical data gives the identical name.
fn data_file_name(bytes: &[u8]) -> String {
    format!("part-{}.parquet", &hex::encode(Sha256::digest(bytes))[..24])
}

/// One data file staged for a table.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// Path inside the table's folder (`financial_year=2022-23/part-….parquet`).
    pub path: String,
    /// Hive partition values, by partition column.
    pub partition_values: BTreeMap<String, String>,
    pub size: u64,
    pub rows: usize,
}

/// A table staged for publishing: what its next Delta version will hold.
#[derive(Debug, Clone)]
pub struct StagedTable {
    /// The table's schema, partition columns included (last).
    pub schema: SchemaRef,
    /// Hive partition columns (string-typed).
    pub partition_by: Vec<String>,
    /// Replace only this partition (`column`, `value`), keeping the table's other partitions;
    /// `None` replaces the whole table.
    pub replace_partition: Option<(String, String)>,
    pub files: Vec<StagedFile>,
}

/// The tables a run has staged, by folder below the warehouse (`core/person`,
/// `marts/fact_measure`, …), in staging order.
#[derive(Debug)]
pub struct Staging {
    run_id: String,
    tables: BTreeMap<String, StagedTable>,
    order: Vec<String>,
}

impl Staging {
    /// Opens a run's staging area. A marker object (`<STAGING>/<run_id>/_run.json`) stays until
    /// the run has finished publishing and vacuuming, so the next run knows to clean up after a
    /// run that died, even once its staged files have moved into the tables (object stores have
    /// no empty folders to find).
    pub async fn begin(warehouse: &Location, run_id: &str) -> Result<Staging> {
        let marker = serde_json::json!({ "run_id": run_id, "pid": std::process::id() });
        warehouse.put(&warehouse.child(&format!("{}/_run.json", staging_root(run_id))), Bytes::from(marker.to_string())).await?;
        Ok(Staging { run_id: run_id.to_string(), tables: BTreeMap::new(), order: Vec::new() })
    }

    /// Folder (below the warehouse) of the staged copy of a table.
    pub fn folder(&self, dir: &str) -> String {
        format!("{}/{dir}", staging_root(&self.run_id))
    }

    /// The staged tables, in the order they were staged.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &StagedTable)> {
        self.order.iter().map(|d| (d.as_str(), &self.tables[d]))
    }

    /// Every data file staged, relative to the warehouse.
    pub fn files(&self) -> Vec<String> {
        self.tables().flat_map(|(dir, t)| t.files.iter().map(move |f| format!("{dir}/{}", f.path))).collect()
    }

    /// Stages a table as one file: it replaces the table's whole contents.
    pub async fn table(&mut self, warehouse: &Location, dir: &str, batch: &RecordBatch) -> Result<()> {
        self.declare(dir, batch.schema(), Vec::new(), None)?;
        self.file(warehouse, dir, batch, BTreeMap::new()).await
    }

    /// As [`Staging::table`], for a table written a batch at a time into `file`.
    pub async fn table_file(&mut self, warehouse: &Location, dir: &str, file: ParquetFile) -> Result<()> {
        self.declare(dir, file.schema.clone(), Vec::new(), None)?;
        let rows = file.rows;
        self.put(warehouse, dir, file.close()?, rows, BTreeMap::new()).await
    }

    /// Stages a table split into hive partitions on a string column (`<column>=<value>/`); the
    /// column itself is left out of the files, as hive readers expect. Replaces the whole table.
    pub async fn partitioned(&mut self, warehouse: &Location, dir: &str, batch: &RecordBatch, column: &str) -> Result<()> {
        self.partitioned_by(warehouse, dir, batch, &[column]).await
    }

    /// As [`Staging::partitioned`], nested on several string columns in order
    /// (`la_code=852/financial_year=2022-23/`). Rows with a null in any of them are left out.
    pub async fn partitioned_by(&mut self, warehouse: &Location, dir: &str, batch: &RecordBatch, columns: &[&str]) -> Result<()> {
        let mut idx = Vec::with_capacity(columns.len());
        let mut keys = Vec::with_capacity(columns.len());
        for column in columns {
            let i = batch.schema().index_of(column)?;
            let array = batch
                .column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| Error::Internal(format!("partition column {column} must be text")))?
                .clone();
            idx.push(i);
            keys.push(array);
        }
        self.declare(dir, partition_last(&batch.schema(), columns), columns.iter().map(|c| c.to_string()).collect(), None)?;
        let key_of = |row: usize| -> Option<Vec<&str>> { keys.iter().map(|k| k.is_valid(row).then(|| k.value(row))).collect() };
        let values: BTreeSet<Vec<&str>> = (0..batch.num_rows()).filter_map(key_of).collect();
        for value in values {
            let mask = BooleanArray::from((0..batch.num_rows()).map(|i| key_of(i).as_ref() == Some(&value)).collect::<Vec<bool>>());
            let part = filter_record_batch(batch, &mask)?;
            let part = part.project(&(0..part.num_columns()).filter(|i| !idx.contains(i)).collect::<Vec<_>>())?;
            let partition_values = columns.iter().zip(&value).map(|(c, v)| (c.to_string(), v.to_string())).collect();
            self.file(warehouse, dir, &part, partition_values).await?;
        }
        Ok(())
    }

    /// Stages one hive partition (`<column>=<value>/`) of a table; the table's other partitions
    /// are kept (an Ofsted list as at one date sits beside the lists as at other dates).
    pub async fn partition(&mut self, warehouse: &Location, dir: &str, batch: &RecordBatch, column: &str, value: &str) -> Result<()> {
        let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new(column, DataType::Utf8, false));
        self.declare(
            dir,
            std::sync::Arc::new(Schema::new(fields)),
            vec![column.to_string()],
            Some((column.to_string(), value.to_string())),
        )?;
        self.file(warehouse, dir, batch, BTreeMap::from([(column.to_string(), value.to_string())])).await
    }

    fn declare(
        &mut self,
        dir: &str,
        schema: SchemaRef,
        partition_by: Vec<String>,
        replace_partition: Option<(String, String)>,
    ) -> Result<()> {
        if self.tables.contains_key(dir) {
            return Err(Error::Internal(format!("table {dir} staged twice in one run")));
        }
        self.tables.insert(dir.to_string(), StagedTable { schema, partition_by, replace_partition, files: Vec::new() });
        self.order.push(dir.to_string());
        Ok(())
    }

    /// Writes one data file of a declared table into its staged folder.
    async fn file(
        &mut self,
        warehouse: &Location,
        dir: &str,
        batch: &RecordBatch,
        partition_values: BTreeMap<String, String>,
    ) -> Result<()> {
        self.put(warehouse, dir, parquet_bytes(batch)?, batch.num_rows(), partition_values).await
    }

    /// Puts one encoded data file of a declared table into its staged folder.
    async fn put(
        &mut self,
        warehouse: &Location,
        dir: &str,
        bytes: Bytes,
        rows: usize,
        partition_values: BTreeMap<String, String>,
    ) -> Result<()> {
        // Nested in the declared order of the partition columns.
        let declared = &self.tables.get(dir).expect("declared before its files").partition_by;
        let folder: String = declared.iter().filter_map(|k| partition_values.get(k).map(|v| format!("{k}={v}/"))).collect();
        let path = format!("{folder}{}", data_file_name(&bytes));
        let size = bytes.len() as u64;
        warehouse.put(&warehouse.child(&format!("{}/{path}", self.folder(dir))), bytes).await?;
        failpoint::hit("publish.file");
        let table = self.tables.get_mut(dir).expect("declared before its files");
        table.files.push(StagedFile { path, partition_values, size, rows });
        Ok(())
    }
}

/// The schema with the partition columns moved to the end, in order, as Delta and hive readers
/// present it.
fn partition_last(schema: &Schema, columns: &[&str]) -> SchemaRef {
    let mut fields: Vec<Field> =
        schema.fields().iter().filter(|f| !columns.contains(&f.name().as_str())).map(|f| f.as_ref().clone()).collect();
    for column in columns {
        if let Ok(f) = schema.field_with_name(column) {
            fields.push(f.clone());
        }
    }
    std::sync::Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::vacuum::{after_publish, recover};
    use datafusion::arrow::array::ArrayRef;
    use object_store::memory::InMemory;
    use std::sync::Arc;

    /// A warehouse in an in-memory object store: nothing may assume a local path.
    fn memory_warehouse() -> Location {
        Location {
            store: Arc::new(InMemory::new()),
            root_url: url::Url::parse("memory:///").unwrap(),
            prefix: object_store::path::Path::from("wh"),
            display: "memory:///wh".into(),
        }
    }

    fn batch(ids: &[&str], years: &[&str]) -> RecordBatch {
        let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        RecordBatch::try_from_iter([("id", col(ids)), ("financial_year", col(years))]).unwrap()
    }

    fn info(run_id: &str) -> CommitInfo {
        CommitInfo { run_id: run_id.into(), run_key: format!("key-{run_id}"), as_at: "2024-03-31".into() }
    }

    /// Stages and commits tables `t` (partitioned) and `u`, as a run does, and returns the manifest
    /// it would publish.
    async fn publish(wh: &Location, run_id: &str, data: &RecordBatch, tables: &[&str]) -> crate::manifest::Manifest {
        let mut staging = Staging::begin(wh, run_id).await.unwrap();
        if tables.contains(&"t") {
            staging.partitioned(wh, "t", data, "financial_year").await.unwrap();
        }
        if tables.contains(&"u") {
            staging.table(wh, "u", data).await.unwrap();
        }
        let versions = commit(wh, &staging, &info(run_id)).await.unwrap();
        crate::manifest::Manifest {
            run_id: run_id.into(),
            run_key: format!("key-{run_id}"),
            as_at: "2024-03-31".into(),
            delta_versions: versions,
            retained_runs: vec![run_id.into()],
            ..Default::default()
        }
    }

    async fn data_files(wh: &Location, dir: &str) -> BTreeSet<String> {
        wh.list(dir)
            .await
            .unwrap()
            .iter()
            .map(|m| wh.relative(&m.location))
            .filter(|p| !p.contains("/_delta_log/"))
            .map(|p| p[dir.len() + 1..].to_string())
            .collect()
    }

    #[tokio::test]
    async fn runs_commit_vacuum_and_recover_on_an_object_store() {
        let wh = memory_warehouse();
        let first = publish(&wh, "r1", &batch(&["a", "b"], &["2022-23", "2023-24"]), &["t", "u"]).await;
        wh.put(&wh.child("_runs/published.json"), Bytes::from(serde_json::to_vec(&first).unwrap())).await.unwrap();
        after_publish(&wh, "r1", &["r1".into()], &first).await.unwrap();
        assert_eq!(first.delta_versions, BTreeMap::from([("t".to_string(), 0), ("u".to_string(), 0)]));
        let t1 = delta::files(&delta::open(&wh, "t", None).await.unwrap().unwrap(), "t").unwrap();
        assert_eq!(t1.len(), 2);
        assert!(t1.iter().all(|f| f.starts_with("financial_year=")));

        // A second run replaces both tables; the vacuum leaves exactly its files.
        let second = publish(&wh, "r2", &batch(&["a", "c"], &["2023-24", "2023-24"]), &["t", "u"]).await;
        wh.put(&wh.child("_runs/published.json"), Bytes::from(serde_json::to_vec(&second).unwrap())).await.unwrap();
        after_publish(&wh, "r2", &["r2".into()], &second).await.unwrap();
        let t2 = delta::files(&delta::open(&wh, "t", None).await.unwrap().unwrap(), "t").unwrap();
        assert_eq!(t2.len(), 1);
        assert_eq!(data_files(&wh, "t").await, t2);
        assert!(wh.list(STAGING).await.unwrap().is_empty());

        // A third run dies after committing `t` only: the next run restores `t` and removes the
        // dead run's files and staging area.
        publish(&wh, "r3", &batch(&["z"], &["2024-25"]), &["t"]).await;
        assert_ne!(delta::files(&delta::open(&wh, "t", None).await.unwrap().unwrap(), "t").unwrap(), t2);
        recover(&wh).await.unwrap();
        let table = delta::open(&wh, "t", None).await.unwrap().unwrap();
        assert_eq!(delta::version(&table), 3, "the dead run's commit, then the restore");
        assert_eq!(delta::files(&table, "t").unwrap(), t2);
        assert_eq!(data_files(&wh, "t").await, t2);
        assert!(wh.list(STAGING).await.unwrap().is_empty());
    }

    #[test]
    fn data_files_are_named_by_their_bytes() {
        assert_eq!(data_file_name(b"abc"), data_file_name(b"abc"));
        assert_ne!(data_file_name(b"abc"), data_file_name(b"abd"));
        assert!(data_file_name(b"abc").starts_with("part-") && data_file_name(b"abc").ends_with(".parquet"));
    }
}
