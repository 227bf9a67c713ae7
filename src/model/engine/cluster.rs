//! The model stage on an Apache Ballista cluster (cargo feature `ballista`).
//!
//! Ballista sends each query's logical plan to its scheduler, which plans it into stages that
//! its executors run. Three things must therefore be known on every side, not only in csc:
//! - **csc's SQL functions** (`working_days`, `age_at`, ...): the scheduler decodes plans and the
//!   executors run them with the function registry of the session state they were started with,
//!   so they must be started from [`cluster_state`]: `csc cluster scheduler` and `csc cluster
//!   executor` ([`Scheduler`], [`Executor`]) do that on any machine, [`LoopbackCluster`] in one
//!   process. A stock Ballista executor does not know these functions and fails on the first
//!   measure that calls one.
//! - **in-memory tables** (`params`, `dim_period`, the reference tables, earlier measures'
//!   results): Ballista cannot serialise DataFusion's `MemTable`, so [`MemTableCodec`] ships
//!   their rows with the plan as Arrow IPC. They are small (the largest, `day_period`, is one row
//!   per day and period).
//! - **the core tables**: Parquet on the warehouse's object store, read by the executors
//!   themselves, so executors on other hosts need the same store: a cloud store they build from
//!   their own environment ([`EnvObjectStores`]), or the same local path (on loopback).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ballista::extension::SessionStateExt;
use ballista::prelude::SessionConfigExt;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::BallistaLogicalExtensionCodec;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_executor::health::ExecutorHealth;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use object_store::ObjectStore;
use tokio::task::JoinHandle;
use url::Url;

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

/// The object stores of the cluster's scheduler and executors: the local file system, and each
/// cloud store (`az://`, `abfss://`, `s3://`, `gs://`) built on first use from this machine's
/// environment, as `csc run` builds the warehouse's (credentials from the environment only,
/// default retries). A client registers the warehouse's store in its own session only, and that
/// registration does not travel with the plans.
#[derive(Debug, Default)]
pub struct EnvObjectStores {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for EnvObjectStores {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        let root = format!("{}://{}/", url.scheme(), &url[url::Position::BeforeHost..url::Position::AfterPort]);
        let location = crate::storage::Location::cloud(&root, &crate::storage::StorageOptions::default(), std::env::vars())
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.known.register_store(url, location.store.clone());
        Ok(location.store)
    }
}

/// Session state for the cluster's scheduler and executors, and the base of a client session:
/// Ballista's configuration, [`MemTableCodec`], the memory limit, csc's SQL functions and
/// [`EnvObjectStores`].
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
    let state = base_state(opts, config)?;
    let runtime = RuntimeEnvBuilder::from_runtime_env(state.runtime_env()).with_object_store_registry(Arc::new(EnvObjectStores::default()));
    let ctx = SessionContext::new_with_state(SessionStateBuilder::new_from_existing(state).with_runtime_env(runtime.build_arc()?).build());
    crate::model::udf::register(&ctx, &crate::reference::population_batch()?);
    Ok(ctx.state())
}

/// A client session whose queries run on the Ballista scheduler at `scheduler` (`HOST:PORT`).
pub async fn connect(scheduler: &str, opts: &SessionOptions) -> Result<SessionContext> {
    let state = cluster_state(opts)?.upgrade_for_ballista(format!("http://{scheduler}"))?;
    Ok(SessionContext::new_with_state(state))
}

/// A Ballista scheduler serving in this process (`csc cluster scheduler`, or
/// [`LoopbackCluster`]). Jobs are pull-scheduled: executors ask it for tasks, so it never
/// connects to them.
#[derive(Debug)]
pub struct Scheduler {
    /// The address it listens on.
    pub addr: SocketAddr,
    serving: JoinHandle<Result<()>>,
}

impl Scheduler {
    /// Binds `bind` (port 0: one the system chooses) and serves a scheduler that decodes plans
    /// with `state`'s codec and functions (from [`cluster_state`]). It is ready when this returns.
    pub async fn start(state: &SessionState, bind: SocketAddr) -> Result<Scheduler> {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| Error::Environment(format!("cannot bind the scheduler to {bind}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Environment(format!("the scheduler's address on {bind}: {e}")))?;
        let config = SchedulerConfig::default()
            .with_hostname(addr.ip().to_string())
            .with_port(addr.port())
            .with_scheduler_policy(TaskSchedulingPolicy::PullStaged)
            .with_grpc_server_max_decoding_message_size(GRPC_MAX_MESSAGE_BYTES as u32)
            .with_grpc_server_max_encoding_message_size(GRPC_MAX_MESSAGE_BYTES as u32)
            .with_grpc_client_max_message_size(GRPC_MAX_MESSAGE_BYTES as u32);
        let config = SchedulerConfig {
            override_logical_codec: Some(state.config().ballista_logical_extension_codec()),
            override_physical_codec: Some(state.config().ballista_physical_extension_codec()),
            ..config
        };
        // Every job's session is csc's state: its functions, codec and settings.
        let (session_state, session_config) = (state.clone(), state.config().clone());
        let cluster = BallistaCluster::new_memory(
            config.scheduler_id.clone(),
            Arc::new(move |_: SessionConfig| Ok(session_state.clone())),
            Arc::new(move || session_config.clone()),
        );
        let server = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config)).await.map_err(ballista)?;
        let serving = tokio::spawn(async move { start_grpc_service_with_listener(listener, server).await.map_err(ballista) });
        Ok(Scheduler { addr, serving })
    }

    /// Serves until SIGTERM or Ctrl-C (then returns `Ok`), or until the server fails.
    pub async fn run_until_stopped(self) -> Result<()> {
        let served = tokio::select! {
            served = self.serving => served,
            _ = stop_signal() => {
                tracing::info!(addr = %self.addr, "Ballista scheduler stopping");
                return Ok(());
            }
        };
        served.map_err(|e| Error::Environment(format!("the Ballista scheduler stopped: {e}")))?
    }
}

/// How a `csc cluster executor` joins a cluster.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// `HOST:PORT` of the scheduler.
    pub scheduler: String,
    /// Where its Arrow Flight service (shuffle data and results) listens.
    pub bind: SocketAddr,
    /// The host name or address the client and the other executors reach it by; `None`: the
    /// address the scheduler sees it connect from.
    pub advertise_host: Option<String>,
    /// Where it keeps shuffle files (they hold intermediate rows, child-level included); `None`:
    /// a new folder under the system temporary directory.
    pub work_dir: Option<PathBuf>,
    /// Tasks it runs at once; 0: one per core.
    pub vcores: usize,
    /// Memory its tasks may hold before they spill, in bytes, shared between its task slots;
    /// `None`: 70 % of the machine's (or its cgroup's) memory.
    pub memory_limit: Option<u64>,
}

/// A Ballista executor running in this process (`csc cluster executor`, or [`LoopbackCluster`])
/// that knows csc's functions and [`MemTableCodec`].
pub struct Executor {
    health: ExecutorHealth,
    running: JoinHandle<Result<()>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").field("registered", &self.health.is_ready()).finish_non_exhaustive()
    }
}

impl Executor {
    /// Starts an executor that polls the scheduler for tasks (retrying until the scheduler
    /// answers). It stops on SIGTERM or Ctrl-C, telling the scheduler and finishing its
    /// running tasks first.
    pub fn start(state: &SessionState, opts: &ExecutorOptions) -> Result<Executor> {
        let (scheduler_host, scheduler_port) =
            super::host_port(&opts.scheduler).ok_or_else(|| Error::Config(format!("scheduler {:?}: give HOST:PORT", opts.scheduler)))?;
        let bind_host = match opts.bind.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        // Shuffle files hold child-level rows: the folder is its owner's only (0700), and one made
        // here is removed when the executor stops.
        let (work_dir, temporary) = match &opts.work_dir {
            Some(dir) => {
                super::private_dir(dir)?;
                (dir.clone(), None)
            }
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("csc-executor-")
                    .tempdir()
                    .map_err(|source| Error::Io { context: "cannot create the executor's work directory".into(), source })?;
                (dir.path().to_path_buf(), Some(dir))
            }
        };
        let work_dir =
            work_dir.to_str().ok_or_else(|| Error::Config(format!("work directory {} is not UTF-8", work_dir.display())))?.to_string();
        let config = state.config().clone();
        let spill_dir = work_dir.clone();
        let stores: Arc<dyn ObjectStoreRegistry> = Arc::new(EnvObjectStores::default());
        let health = ExecutorHealth::new();
        let process = ExecutorProcessConfig {
            bind_host,
            external_host: opts.advertise_host.clone(),
            port: opts.bind.port(),
            scheduler_host,
            scheduler_port,
            // Non-zero: retry until the scheduler answers, so executors may start first.
            scheduler_connect_timeout_seconds: 1,
            vcores: opts.vcores,
            task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
            work_dir: Some(work_dir),
            // Every 10 minutes remove the shuffle files of jobs over an hour old, and all of them
            // when the executor stops (the scheduler has each job's removed 5 minutes after it
            // ends).
            job_data_ttl_seconds: 3600,
            job_data_clean_up_interval_seconds: 600,
            grpc_max_decoding_message_size: GRPC_MAX_MESSAGE_BYTES as u32,
            grpc_max_encoding_message_size: GRPC_MAX_MESSAGE_BYTES as u32,
            memory_pool_size: opts.memory_limit,
            // Each task's runtime: spill files in the work directory, the cloud stores built from
            // this machine's environment (the memory pool is Ballista's, per task slot).
            override_runtime_producer: Some(Arc::new(move |_: &SessionConfig| {
                RuntimeEnvBuilder::new().with_temp_file_path(&spill_dir).with_object_store_registry(stores.clone()).build_arc()
            })),
            override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(state))),
            override_config_producer: Some(Arc::new(move || config.clone())),
            override_logical_codec: Some(state.config().ballista_logical_extension_codec()),
            override_physical_codec: Some(state.config().ballista_physical_extension_codec()),
            health: health.clone(),
            ..ExecutorProcessConfig::default()
        };
        let running = tokio::spawn(async move {
            let stopped = start_executor_process(Arc::new(process)).await.map_err(ballista);
            drop(temporary);
            stopped
        });
        Ok(Executor { health, running })
    }

    /// Waits until the scheduler has registered this executor (its first poll for work was
    /// answered), for at most `timeout`; fails if the executor stopped first.
    pub async fn registered(&mut self, timeout: Duration) -> Result<()> {
        let started = std::time::Instant::now();
        while !self.health.is_ready() {
            if self.running.is_finished() {
                return match (&mut self.running).await {
                    Ok(Err(e)) => Err(e),
                    Ok(Ok(())) => Err(Error::Environment("the Ballista executor stopped before it registered".into())),
                    Err(e) => Err(Error::Environment(format!("the Ballista executor stopped before it registered: {e}"))),
                };
            }
            if started.elapsed() > timeout {
                return Err(Error::Environment(format!("the Ballista executor did not register within {} s", timeout.as_secs())));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Runs until the executor stops (SIGTERM or Ctrl-C).
    pub async fn run_until_stopped(self) -> Result<()> {
        self.running.await.map_err(|e| Error::Environment(format!("the Ballista executor stopped: {e}")))?
    }
}

/// SIGTERM (systemd's stop) or Ctrl-C, whichever comes first.
async fn stop_signal() {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = ballista_executor::terminate::sig_term() => {}
    }
}

fn ballista(e: ballista_core::error::BallistaError) -> Error {
    Error::Environment(format!("Ballista: {e}"))
}

/// A Ballista scheduler and one executor in this process, on loopback ports, both knowing csc's
/// functions: [`Scheduler`] and [`Executor`] composed. They run on the current tokio runtime
/// until it shuts down. For tests, and for a single machine that wants the cluster's
/// stage-by-stage execution.
#[derive(Debug, Clone)]
pub struct LoopbackCluster {
    /// The engine URL to pass as `--engine`: `ballista://127.0.0.1:PORT`.
    pub engine_url: String,
}

impl LoopbackCluster {
    /// Starts the scheduler, then an executor with `vcores` task slots, and returns once the
    /// executor has registered.
    pub async fn start(opts: &SessionOptions, vcores: usize) -> Result<LoopbackCluster> {
        let state = cluster_state(opts)?;
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let scheduler = Scheduler::start(&state, loopback).await?;
        // The executor advertises its port when it registers, before it binds it: ask the system
        // for a free one.
        let flight = std::net::TcpListener::bind(loopback)
            .and_then(|l| l.local_addr())
            .map_err(|e| Error::Environment(format!("no free loopback port for the executor: {e}")))?;
        let executor = ExecutorOptions {
            scheduler: scheduler.addr.to_string(),
            bind: flight,
            advertise_host: Some(Ipv4Addr::LOCALHOST.to_string()),
            work_dir: None,
            vcores: vcores.max(1),
            memory_limit: opts.memory_limit,
        };
        Executor::start(&state, &executor)?.registered(Duration::from_secs(30)).await?;
        Ok(LoopbackCluster { engine_url: format!("ballista://{}", scheduler.addr) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_stores_are_built_once_from_the_environment_and_other_schemes_refused() {
        let stores = EnvObjectStores::default();
        assert!(stores.get_store(&Url::parse("file:///").unwrap()).is_ok(), "the local file system is known");
        let bucket = Url::parse("s3://warehouse-bucket/csc/restricted/core/person/part-0.parquet").unwrap();
        let first = stores.get_store(&bucket).expect("an S3 store from the environment");
        let again = stores.get_store(&Url::parse("s3://warehouse-bucket/").unwrap()).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "built once per bucket");
        let other = stores.get_store(&Url::parse("s3://other-bucket/").unwrap()).unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "each bucket its own store");
        let err = stores.get_store(&Url::parse("ftp://files.example/").unwrap()).unwrap_err().to_string();
        assert!(err.contains("not a supported object-store URL"), "{err}");
    }
}
