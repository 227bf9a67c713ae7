//! Where the model stage's SQL runs and how much memory it may use.
//!
//! The engine is `local` (DataFusion in this process, the default) or `ballista://HOST:PORT` (an
//! Apache Ballista cluster, when csc is built with the `ballista` cargo feature). Either way the
//! same SQL runs over the same core tables; the cluster reads them from the warehouse's object
//! store, so its executors must be able to reach the warehouse (see [`cluster`]).
//!
//! A memory limit puts DataFusion's fair spill pool in front of every query: operators that can
//! spill (sorts, grouped aggregations, sort-merge joins) write to temporary files once their
//! share of the limit is used, so a smaller machine spills rather than being killed; a query that
//! cannot fit even by spilling fails with a "resources exhausted" error naming the limit.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::{Error, Result};

#[cfg(feature = "ballista")]
pub mod cluster;

/// The query engine the model stage runs on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion in this process.
    #[default]
    Local,
    /// An Apache Ballista cluster; `scheduler` is `HOST:PORT` of its scheduler.
    Ballista { scheduler: String },
}

impl FromStr for Engine {
    type Err = Error;

    /// `local` or `ballista://HOST:PORT`.
    fn from_str(s: &str) -> Result<Engine> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("local") {
            return Ok(Engine::Local);
        }
        let bad = || Error::Config(format!("engine {s:?}: give `local` or `ballista://HOST:PORT` (the Ballista scheduler)"));
        let rest = s.strip_prefix("ballista://").ok_or_else(bad)?.trim_end_matches('/');
        host_port(rest).ok_or_else(bad)?;
        Ok(Engine::Ballista { scheduler: rest.to_string() })
    }
}

/// The host and port of `HOST:PORT` (an IPv6 host in brackets), or `None` if either is missing.
pub fn host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port = port.parse::<u16>().ok()?;
    (!host.is_empty()).then(|| (host.to_string(), port))
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Local => f.write_str("local"),
            Engine::Ballista { scheduler } => write!(f, "ballista://{scheduler}"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Engine {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Engine, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How the model stage's DataFusion session is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Where the SQL runs.
    pub engine: Engine,
    /// Memory the queries may hold at once, in bytes; beyond it they spill to temporary files.
    /// `None`: unlimited.
    pub memory_limit: Option<u64>,
    /// Partitions each query is split into (DataFusion's `target_partitions`); `None`: one per
    /// core. `csc hub` gives each of its concurrent runs a share of the cores instead.
    pub partitions: Option<usize>,
    /// Where queries over the memory limit spill (`[run] spill_dir`, `--spill-dir`); `None`: the
    /// system temporary directory (TMPDIR). Spill files hold rows of the identifiable core.
    pub spill_dir: Option<std::path::PathBuf>,
}

/// Parses a size such as `512MiB`, `2GiB`, `1.5GB` or `1000000` (bytes). Binary units (KiB,
/// MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) powers of 1000.
pub fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => return Err(Error::Config(format!("memory size {s:?}: unknown unit {unit:?} (use B, KiB, MiB, GiB, KB, MB or GB)"))),
    };
    let value: f64 = number.parse().map_err(|_| Error::Config(format!("memory size {s:?} is not a number with a unit, e.g. 512MiB")))?;
    let bytes = (value * scale as f64).round();
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(Error::Config(format!("memory size {s:?} is out of range")));
    }
    Ok(bytes as u64)
}

/// The session state every model session starts from: the memory pool and spill directory, and
/// the SQL options the measures rely on.
pub fn base_state(opts: &SessionOptions, config: SessionConfig) -> Result<SessionState> {
    let mut runtime = RuntimeEnvBuilder::new();
    let mut config = config;
    if let Some(n) = opts.partitions {
        config = config.with_target_partitions(n.max(1));
    }
    if let Some(limit) = opts.memory_limit {
        let limit = usize::try_from(limit)
            .map_err(|_| Error::Config(format!("memory limit of {limit} bytes is more than this machine can address")))?;
        // Each sorting partition sets aside this much to merge its spill files; DataFusion's
        // 10 MB default would take a small limit whole before any row is sorted.
        let per_sort = (limit / (8 * config.target_partitions().max(1))).clamp(64 << 10, 10 << 20);
        config = config.with_sort_spill_reservation_bytes(per_sort);
        // Spill files go to the operator's spill directory, else the system temporary directory
        // (TMPDIR), each run's in a fresh folder only its owner can open (0700), and are removed as
        // soon as the operator that wrote them has read them back. They hold identifiable rows.
        let mode = match &opts.spill_dir {
            Some(dir) => {
                private_dir(dir)?;
                DiskManagerMode::Directories(vec![dir.clone()])
            }
            None => DiskManagerMode::OsTmpDirectory,
        };
        runtime = runtime
            .with_memory_pool(Arc::new(FairSpillPool::new(limit)))
            .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(mode));
    }
    Ok(SessionStateBuilder::new().with_config(config).with_runtime_env(Arc::new(runtime.build()?)).with_default_features().build())
}

/// Creates the spill directory if needed, readable by its owner only (0700 on Unix).
fn private_dir(dir: &std::path::Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Io { context: format!("cannot prepare the spill directory {}", dir.display()), source: e };
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

/// Marks a model session whose queries run in this process ([`Engine::Local`]): there the
/// views several measures share are computed once and kept in memory (see
/// [`super::run_measures`]); on a cluster they stay views, planned into each query, so no
/// in-memory table has to travel to the executors.
#[derive(Debug)]
pub struct InProcess;

/// Whether `ctx` was made by [`context`] for [`Engine::Local`].
pub fn in_process(ctx: &SessionContext) -> bool {
    ctx.state().config().get_extension::<InProcess>().is_some()
}

/// A new, empty model session on the chosen engine. The caller registers the tables and the
/// functions (for Ballista, the cluster's executors must know the same functions: see
/// [`cluster`]).
pub async fn context(opts: &SessionOptions) -> Result<SessionContext> {
    match &opts.engine {
        Engine::Local => {
            // DataFusion's own settings may be tuned from the environment (`DATAFUSION_EXECUTION_BATCH_SIZE`, ...).
            let config = SessionConfig::from_env().map_err(|e| Error::Config(format!("DATAFUSION_* environment settings: {e}")))?;
            Ok(SessionContext::new_with_state(base_state(opts, config.with_extension(Arc::new(InProcess)))?))
        }
        #[cfg(feature = "ballista")]
        Engine::Ballista { scheduler } => cluster::connect(scheduler, opts).await,
        #[cfg(not(feature = "ballista"))]
        Engine::Ballista { .. } => Err(Error::Config(format!(
            "engine {}: this csc was built without Ballista support; rebuild it with `cargo build --release --features ballista`",
            opts.engine
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn spill_files_go_to_the_operators_private_folder() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("spill");
        let opts = SessionOptions { memory_limit: Some(64 << 20), spill_dir: Some(spill.clone()), ..Default::default() };
        let state = base_state(&opts, SessionConfig::new()).unwrap();
        assert_eq!(std::fs::metadata(&spill).unwrap().permissions().mode() & 0o777, 0o700, "created private");
        let file = state.runtime_env().disk_manager.create_tmp_file("test").unwrap();
        let path = file.path().expect("a file in a directory").to_path_buf();
        assert!(path.starts_with(&spill), "{} is in the spill folder", path.display());
    }

    #[test]
    fn engines_parse_and_print() {
        assert_eq!("local".parse::<Engine>().unwrap(), Engine::Local);
        let e: Engine = "ballista://10.0.0.5:50050".parse().unwrap();
        assert_eq!(e, Engine::Ballista { scheduler: "10.0.0.5:50050".into() });
        assert_eq!(e.to_string(), "ballista://10.0.0.5:50050");
        for bad in ["ballista://host", "ballista://:50050", "spark://h:1", "ballista://h:99999"] {
            assert!(bad.parse::<Engine>().unwrap_err().to_string().contains("ballista://HOST:PORT"), "{bad}");
        }
    }

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_bytes("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("2 GiB").unwrap(), 2 << 30);
        assert_eq!(parse_bytes("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_bytes("4096").unwrap(), 4096);
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("12 parsecs").unwrap_err().to_string().contains("unknown unit"));
        assert!(parse_bytes("0MiB").is_err());
    }

    #[cfg(not(feature = "ballista"))]
    #[tokio::test]
    async fn ballista_without_the_feature_is_a_clear_error() {
        let opts = SessionOptions { engine: "ballista://localhost:50050".parse().unwrap(), ..Default::default() };
        let err = context(&opts).await.unwrap_err().to_string();
        assert!(err.contains("--features ballista"), "{err}");
    }
}
