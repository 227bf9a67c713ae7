//! Where the model stage keeps the intermediate tables it computes once and reads several times
//! (the shared views, the breakdown events).
//!
//! In a nightly run they are written as Parquet into the run's staging area, which is restricted
//! (they hold identifiable rows) and deleted with it after the publish or by the next run's
//! recovery, and are read back from there: a large LA's views and events are hundreds of MB that
//! would otherwise stay in memory for the whole model stage. A session with no scratch folder
//! (tests, `csc check`) keeps them in memory; a Ballista session leaves them as views.

use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{SchemaRef, UInt64Type};
use datafusion::common::config::TableParquetOptions;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::MemTable;
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext};

use crate::storage::Location;
use crate::{Error, Result};

/// Rows per row group of a scratch file, as the published tables use: small enough that a
/// writer holds little before it flushes.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The folder (a URL on the warehouse's object store) a session writes its scratch tables to.
#[derive(Debug)]
struct Folder(String);

/// Makes `ctx` keep its intermediate tables under `folder` of `warehouse` (a folder of the run's
/// staging area, whose object store the session already reads the core from).
pub fn use_folder(ctx: &SessionContext, warehouse: &Location, folder: &str) {
    let url = warehouse.folder_url(folder);
    ctx.state_ref().write().config_mut().set_extension(Arc::new(Folder(url)));
}

/// Computes `df` once and registers the result as `name`: as a Parquet file in the session's
/// scratch folder when it has one, else in memory; on a cluster `df` stays a view, planned into
/// each query that reads it. `file` names the SQL in errors.
pub async fn materialise(ctx: &SessionContext, name: &str, df: DataFrame, file: &str) -> Result<()> {
    if !super::engine::in_process(ctx) {
        ctx.register_table(name, df.into_view())?;
        return Ok(());
    }
    let started = std::time::Instant::now();
    keep(ctx, name, df, file).await?;
    tracing::debug!(file, elapsed_ms = started.elapsed().as_millis() as u64, "query finished");
    Ok(())
}

/// [`materialise`] in this process: as Parquet in the scratch folder, else in memory.
async fn keep(ctx: &SessionContext, name: &str, df: DataFrame, file: &str) -> Result<()> {
    let sql_error = |source| Error::Sql { file: file.to_string(), source };
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let folder = ctx.state().config().get_extension::<Folder>();
    let Some(Folder(folder)) = folder.as_deref() else {
        let parts = df.collect_partitioned().await.map_err(sql_error)?;
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, parts)?))?;
        return Ok(());
    };
    let url = format!("{folder}{name}.parquet");
    let mut options = TableParquetOptions::default();
    options.global.max_row_group_size = ROW_GROUP_ROWS;
    options.global.compression = Some("snappy".into());
    options.global.allow_single_file_parallelism = false;
    let written =
        df.write_parquet(&url, DataFrameWriteOptions::new().with_single_file_output(true), Some(options)).await.map_err(sql_error)?;
    let rows: u64 =
        written.iter().filter_map(|b| b.column(0).as_primitive_opt::<UInt64Type>()).map(|c| c.values().iter().sum::<u64>()).sum();
    if rows == 0 {
        // No rows may mean no file: an empty table of the same columns.
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
        return Ok(());
    }
    ctx.register_parquet(name, &url, ParquetReadOptions::default().schema(&schema)).await.map_err(sql_error)?;
    Ok(())
}
