//! The model stage on an Apache Ballista cluster (cargo feature `ballista`).
//!
//! Ballista sends each query's logical plan to its scheduler, which plans it into stages that
//! its executors run. Three things must therefore be known on every side, not only in csc:
//! - **csc's SQL functions** (`working_days`, `age_at`, ...): the scheduler decodes plans and the
//!   executors run them with the function registry of the session state they were started with,
//!   so they must be started from [`cluster_state`] — [`LoopbackCluster`] does that for one
//!   machine. A stock Ballista executor does not know these functions and fails on the first
//!   measure that calls one.
//! - **in-memory tables** (`params`, `dim_period`, the reference tables, earlier measures'
//!   results): Ballista cannot serialise DataFusion's `MemTable`, so [`MemTableCodec`] ships
//!   their rows with the plan as Arrow IPC. They are small (the largest, `day_period`, is one row
//!   per day and period).
//! - **the core tables**: Parquet on the warehouse's object store, read by the executors
//!   themselves, so executors on other hosts need the same store (on loopback a local path is
//!   that store).

use std::sync::Arc;

use ballista::extension::SessionStateExt;
use ballista::prelude::SessionConfigExt;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::BallistaLogicalExtensionCodec;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::session_state::SessionState;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::logical_plan::LogicalExtensionCodec;

use super::{base_state, SessionOptions};
use crate::{Error, Result};

/// Largest gRPC message between client, scheduler and executors.
const GRPC_MAX_MESSAGE_BYTES: usize = 512 << 20;

/// Marks a table provider encoded by [`MemTableCodec`] (the bytes that follow are an Arrow IPC
/// stream), so it is never confused with one of Ballista's own encodings.
const MEMTABLE_TAG: &[u8] = b"csc-memtable-ipc\0";

/// Ballista's logical codec, plus in-memory tables: a `MemTable` travels as its schema and rows
/// in Arrow IPC and is rebuilt as a `MemTable` by the scheduler.
#[derive(Debug, Default)]
pub struct MemTableCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for MemTableCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> DfResult<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> DfResult<Arc<dyn TableProvider>> {
        let Some(ipc) = buf.strip_prefix(MEMTABLE_TAG) else {
            return self.inner.try_decode_table_provider(buf, table_ref, schema, ctx);
        };
        let reader = StreamReader::try_new(ipc, None)?;
        let ipc_schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(MemTable::try_new(ipc_schema, vec![batches])?))
    }

    fn try_encode_table_provider(&self, table_ref: &TableReference, node: Arc<dyn TableProvider>, buf: &mut Vec<u8>) -> DfResult<()> {
        let Some(table) = node.downcast_ref::<MemTable>() else {
            return self.inner.try_encode_table_provider(table_ref, node, buf);
        };
        buf.extend_from_slice(MEMTABLE_TAG);
        let mut writer = StreamWriter::try_new(&mut *buf, &table.schema())?;
        for partition in &table.batches {
            let batches = partition.try_read().map_err(|_| {
                DataFusionError::Execution(format!("in-memory table {table_ref} is being written to while a query is planned"))
            })?;
            for batch in batches.iter() {
                writer.write(batch)?;
            }
        }
        writer.finish()?;
        Ok(())
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> DfResult<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> DfResult<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<AggregateUDF>> {
        self.inner.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// Session state for the cluster's scheduler and executors, and the base of a client session:
/// Ballista's configuration, [`MemTableCodec`], the memory limit and csc's SQL functions.
pub fn cluster_state(opts: &SessionOptions) -> Result<SessionState> {
    // Ballista's default of 16 partitions per stage suits big clusters; the model's tables are
    // small, and every partition is a task the scheduler hands out, so use one per core.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Ballista 55's adaptive planner re-plans one of the measures (cp_visits_within_wd_pct)
    // without end, adding a stage every poll; the static distributed planner runs it.
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(cores)
        .with_ballista_adaptive_query_planner(false)
        // Plans carry the in-memory tables; the benchmarks mart's (every DfE table) are larger
        // than gRPC's 16 MiB default message.
        .with_ballista_grpc_client_max_message_size(GRPC_MAX_MESSAGE_BYTES)
        .with_ballista_logical_extension_codec(Arc::new(MemTableCodec::default()));
    let ctx = SessionContext::new_with_state(base_state(opts, config)?);
    crate::model::udf::register(&ctx, &crate::reference::population_batch()?);
    Ok(ctx.state())
}

/// A client session whose queries run on the Ballista scheduler at `scheduler` (`HOST:PORT`).
pub async fn connect(scheduler: &str, opts: &SessionOptions) -> Result<SessionContext> {
    let state = cluster_state(opts)?.upgrade_for_ballista(format!("http://{scheduler}"))?;
    Ok(SessionContext::new_with_state(state))
}

/// A Ballista scheduler and one executor in this process, on loopback ports chosen by the
/// system, both knowing csc's functions. They run on the current tokio runtime until it shuts
/// down. For tests, and for a single machine that wants the cluster's stage-by-stage execution.
#[derive(Debug, Clone)]
pub struct LoopbackCluster {
    /// The engine URL to pass as `--engine`: `ballista://localhost:PORT`.
    pub engine_url: String,
}

impl LoopbackCluster {
    /// Starts the scheduler, waits until it answers, then starts an executor with `vcores`
    /// task slots that registers with it.
    pub async fn start(opts: &SessionOptions, vcores: usize) -> Result<LoopbackCluster> {
        let state = cluster_state(opts)?;
        let ballista = |e: ballista_core::error::BallistaError| Error::Environment(format!("starting the Ballista cluster: {e}"));
        let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state).await.map_err(ballista)?;
        let url = format!("http://localhost:{}", addr.port());
        let mut attempts = 0;
        let scheduler = loop {
            match SchedulerGrpcClient::connect(url.clone()).await {
                // Task definitions carry the plans, in-memory tables included.
                Ok(client) => {
                    break client.max_decoding_message_size(GRPC_MAX_MESSAGE_BYTES).max_encoding_message_size(GRPC_MAX_MESSAGE_BYTES)
                }
                Err(e) if attempts >= 100 => {
                    return Err(Error::Environment(format!("the Ballista scheduler at {url} did not answer: {e}")))
                }
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        ballista_executor::new_standalone_executor_from_state(scheduler, vcores.max(1), &state).await.map_err(ballista)?;
        Ok(LoopbackCluster { engine_url: format!("ballista://localhost:{}", addr.port()) })
    }
}
