//! Delta Lake commits over the warehouse's own object store (local disk, Azure, S3 or GCS alike):
//! one commit per table per run, replacing the table's contents with the run's staged files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use deltalake_core::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitProperties, TableReference};
use deltalake_core::kernel::{Action, Add, MetadataExt, StructType};
use deltalake_core::logstore::{default_logstore, LogStoreRef, StorageConfig};
use deltalake_core::operations::create::CreateBuilder;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use deltalake_core::{DeltaTable, DeltaTableError};
use futures::{StreamExt, TryStreamExt};
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::json;
use tracing::debug;
use url::Url;

use super::{StagedTable, Staging};
use crate::storage::Location;
use crate::{failpoint, Error, Result};

/// Keys this pipeline adds to each commit's `commitInfo`.
pub const RUN_ID_KEY: &str = "cscRunId";
pub const RUN_KEY_KEY: &str = "cscRunKey";
pub const AS_AT_KEY: &str = "cscAsAt";

/// Who made a commit: recorded in the commitInfo of every table the run commits, so Delta
/// history answers "which run published this version".
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub run_id: String,
    pub run_key: String,
    pub as_at: String,
}

impl CommitInfo {
    pub(crate) fn properties(&self) -> CommitProperties {
        CommitProperties::default().with_metadata([
            (RUN_ID_KEY.to_string(), json!(self.run_id)),
            (RUN_KEY_KEY.to_string(), json!(self.run_key)),
            (AS_AT_KEY.to_string(), json!(self.as_at)),
        ])
    }
}

fn delta_err(table: &str) -> impl FnOnce(DeltaTableError) -> Error + '_ {
    move |source| Error::delta(table, source)
}

/// The Delta log store of the table in folder `dir` below the warehouse, over the warehouse's
/// own object store (no store is created from the URL, so credentials and retries are the run's).
pub fn log_store(warehouse: &Location, dir: &str) -> Result<LogStoreRef> {
    let url = Url::parse(&warehouse.folder_url(dir)).map_err(|_| Error::Location(warehouse.folder_url(dir)))?;
    let prefixed: Arc<dyn ObjectStore> = Arc::new(PrefixStore::new(warehouse.store.clone(), warehouse.child(dir)));
    Ok(default_logstore(prefixed, warehouse.store.clone(), &url, &StorageConfig::default()))
}

/// Opens the Delta table in folder `dir` at `version` (the latest when `None`); `None` when the
/// folder holds no Delta table yet.
pub async fn open(warehouse: &Location, dir: &str, version: Option<u64>) -> Result<Option<DeltaTable>> {
    let store = log_store(warehouse, dir)?;
    if !store.is_delta_table_location().await.map_err(delta_err(dir))? {
        return Ok(None);
    }
    let mut table = DeltaTable::new(store);
    match version {
        Some(v) => table.load_version(v as _).await,
        None => table.load().await,
    }
    .map_err(delta_err(dir))?;
    Ok(Some(table))
}

/// The data files (paths inside the table's folder) of a loaded table version.
pub fn files(table: &DeltaTable, dir: &str) -> Result<BTreeSet<String>> {
    let state = table.snapshot().map_err(delta_err(dir))?;
    Ok(state.log_data().iter().map(|f| f.path().into_owned()).collect())
}

/// The version of a loaded table.
pub fn version(table: &DeltaTable) -> u64 {
    table.version().unwrap_or_default()
}

/// Commits every staged table, one Delta commit each, and returns the new version of each table
/// by folder. Staged files move into the table folders first; a table whose data did not change
/// still gets a commit, so each run appears in every table's history.
pub async fn commit(warehouse: &Location, staging: &Staging, info: &CommitInfo) -> Result<BTreeMap<String, u64>> {
    // Each table is its own Delta log, so their commits are independent: several run at once
    // (a commit is mostly waiting on the store). Until the manifest names the new versions, the
    // published run is still the previous one, whichever tables have committed.
    futures::stream::iter(staging.tables().map(|(dir, table)| async move {
        let version = commit_table(warehouse, staging, dir, table, info).await?;
        debug!(table = dir, version, files = table.files.len(), "table committed");
        failpoint::hit("publish.commit");
        Ok::<_, Error>((dir.to_string(), version))
    }))
    .buffer_unordered(CONCURRENT_COMMITS)
    .try_collect()
    .await
}

/// Tables committed at once.
const CONCURRENT_COMMITS: usize = 8;

async fn commit_table(warehouse: &Location, staging: &Staging, dir: &str, staged: &StagedTable, info: &CommitInfo) -> Result<u64> {
    let existing = open(warehouse, dir, None).await?;
    let live = match &existing {
        Some(t) => files(t, dir)?,
        None => BTreeSet::new(),
    };
    // Move the staged files into the table's folder. A file already there has the same name, so
    // the same bytes (names are content hashes): the staged copy is dropped.
    for f in &staged.files {
        let from = warehouse.child(&format!("{}/{}", staging.folder(dir), f.path));
        let to = warehouse.child(&format!("{dir}/{}", f.path));
        if warehouse.store.head(&to).await.is_ok() {
            warehouse.delete(&from).await?;
        } else {
            warehouse.rename(&from, &to).await?;
        }
    }
    let now = chrono::Utc::now().timestamp_millis();
    let adds: Vec<Action> = staged
        .files
        .iter()
        .filter(|f| !live.contains(&f.path))
        .map(|f| {
            Action::Add(Add {
                path: f.path.clone(),
                partition_values: f.partition_values.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect::<HashMap<_, _>>(),
                size: f.size as i64,
                modification_time: now,
                data_change: true,
                stats: Some(json!({ "numRecords": f.rows }).to_string()),
                ..Default::default()
            })
        })
        .collect();
    let schema: StructType = staged.schema.as_ref().try_into_kernel().map_err(|e| Error::delta(dir, e.into()))?;
    let Some(table) = existing else {
        let created = CreateBuilder::new()
            .with_log_store(log_store(warehouse, dir)?)
            .with_table_name(dir.rsplit('/').next().unwrap_or(dir))
            .with_columns(schema.fields().cloned())
            .with_partition_columns(staged.partition_by.clone())
            .with_actions(adds)
            .with_commit_properties(info.properties())
            .await
            .map_err(delta_err(dir))?;
        return Ok(version(&created));
    };

    let state = table.snapshot().map_err(delta_err(dir))?;
    let new_paths: BTreeSet<&str> = staged.files.iter().map(|f| f.path.as_str()).collect();
    let in_scope = |values: &HashMap<String, Option<String>>| match &staged.replace_partition {
        Some((column, value)) => values.get(column).and_then(|v| v.as_deref()) == Some(value.as_str()),
        None => true,
    };
    let mut actions: Vec<Action> = Vec::new();
    if *state.schema() != schema {
        actions.push(Action::Metadata(state.metadata().clone().with_schema(&schema).map_err(|e| Error::delta(dir, e.into()))?));
    }
    for f in state.log_data().iter() {
        if !new_paths.contains(f.path().as_ref()) && in_scope(&f.partition_values_map()) {
            actions.push(Action::Remove(f.remove_action(true)));
        }
    }
    actions.extend(adds);
    let predicate = staged.replace_partition.as_ref().map(|(c, v)| format!("{c} = '{v}'"));
    let operation = DeltaOperation::Write {
        mode: SaveMode::Overwrite,
        partition_by: Some(staged.partition_by.clone()).filter(|p| !p.is_empty()),
        predicate,
    };
    let done = CommitBuilder::from(info.properties())
        .with_actions(actions)
        .build(Some(state as &dyn TableReference), table.log_store(), operation)
        .await
        .map_err(delta_err(dir))?;
    Ok(done.version() as u64)
}
