//! Library error type. Input problems that a run can survive are not errors: they become rows of
//! the quality issues table (see [`crate::quality`]). These are the failures that stop a run.
//!
//! Each error is named by who must act ([`Audience`]): whoever runs the export (input), whoever
//! wrote the pipeline file or command line (configuration), whoever runs the machine, its storage
//! and cluster (environment), or csc's maintainers (internal: a bug). Every message ends by saying
//! what to do. A failed run exits 1 whoever must act; the audience is the message's first word and
//! the manifest's `error_kind`.

use std::path::PathBuf;

use datafusion::error::DataFusionError;

/// Who must act on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// The export is unusable as it stands: whoever runs the case-management system's extract.
    Input,
    /// The pipeline file, a mapping, the command line or the environment variables csc reads.
    Configuration,
    /// Storage, the cluster, permissions, a missing tool, or a warehouse in the wrong state.
    Environment,
    /// A bug in csc.
    Internal,
}

impl Audience {
    /// The word the manifest and the scheduler see (`input`, `configuration`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Input => "input",
            Audience::Configuration => "configuration",
            Audience::Environment => "environment",
            Audience::Internal => "internal",
        }
    }
}

/// What the message of a bug asks for.
const REPORT_IT: &str = "this is a bug in csc: please report it with this message and the run manifest (`_runs/latest.json`)";

/// A failure that stops the run (nothing is published).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file, a mapping file, a flag or an environment variable csc reads is wrong:
    /// whoever configured the run must act. The message names the setting and the fix.
    #[error("configuration: {0}")]
    Config(String),
    /// The export itself is unusable as it stands (truncated, stale, changing while read):
    /// whoever runs the extract must act.
    #[error("input: {0}")]
    Input(String),
    /// The machine, its storage or cluster, a tool csc starts, or a warehouse that does not hold
    /// what was asked: whoever operates csc must act. The message says how.
    #[error("environment: {0}")]
    Environment(String),
    /// A bug in csc: a broken invariant or a caught panic. The message asks for a report.
    #[error("internal error ({REPORT_IT}): {0}")]
    Internal(String),
    #[error("configuration: cannot read pipeline file {path}: {source}; check the path given to --pipeline")]
    PipelineFile { path: PathBuf, source: std::io::Error },
    #[error(
        "configuration: pipeline file {path} is not valid: {source}; fix the line named (pipelines/southampton.toml is a worked example)"
    )]
    PipelineToml { path: PathBuf, source: toml::de::Error },
    #[error("environment: storage location {location}: {source}; check that the location exists, is reachable and that csc's credentials may use it")]
    Store { location: String, source: object_store::Error },
    /// A Delta Lake error, its message cleared of credentials (see [`Error::delta`]).
    #[error("environment: Delta table {table}: {message}; check the store, and see docs/operating.md (crash behaviour) if the table was damaged")]
    Delta { table: String, message: String },
    #[error("configuration: invalid location {0:?}: give a local path or an object-store URL")]
    Location(String),
    /// Reference data compiled into csc is inconsistent: a bug.
    #[error("internal error ({REPORT_IT}): reference data {name}: {message}")]
    Reference { name: String, message: String },
    /// A query of csc's own SQL failed: a bug, unless the machine ran out of memory or disk.
    #[error("{who}SQL {file}: {source}{todo}", who = audience_prefix(source), todo = advice(source))]
    Sql { file: String, source: DataFusionError },
    #[error("{who}query engine: {0}{todo}", who = audience_prefix(.0), todo = advice(.0))]
    DataFusion(#[from] DataFusionError),
    #[error("internal error ({REPORT_IT}): parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("internal error ({REPORT_IT}): arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("environment: {context}: {source}; check the path, the free space and csc's permissions")]
    Io { context: String, source: std::io::Error },
    #[error("internal error ({REPORT_IT}): json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("input: no input files found at {0}; check that the export ran and wrote its files there")]
    NoInput(String),
    #[error("environment: another run is using the warehouse {warehouse} ({holder}); try again later or pass --wait SECONDS")]
    Locked { warehouse: String, holder: String },
}

/// Result with the library error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether a query engine error is the machine's (memory, disk, an external store or cluster)
/// rather than a bug in csc's SQL.
fn engine_is_environment(e: &DataFusionError) -> bool {
    match e {
        DataFusionError::ResourcesExhausted(_) | DataFusionError::IoError(_) | DataFusionError::ObjectStore(_) => true,
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => engine_is_environment(inner),
        DataFusionError::Shared(inner) => engine_is_environment(inner),
        DataFusionError::External(inner) => inner.downcast_ref::<DataFusionError>().is_some_and(engine_is_environment),
        _ => false,
    }
}

fn audience_prefix(e: &DataFusionError) -> String {
    if engine_is_environment(e) {
        "environment: ".into()
    } else {
        format!("internal error ({REPORT_IT}): ")
    }
}

fn advice(e: &DataFusionError) -> &'static str {
    if engine_is_environment(e) {
        "; give the model stage more memory or disk (--memory-limit, --spill-dir) or check the store"
    } else {
        ""
    }
}

impl Error {
    /// A Delta Lake error on the table in `table`, with any credential in its message blanked.
    pub fn delta(table: impl Into<String>, source: deltalake_core::DeltaTableError) -> Self {
        Error::Delta { table: table.into(), message: crate::storage::scrub_message(&source.to_string()) }
    }

    /// Wraps an object-store error with the location it concerned, with any credential from
    /// the environment blanked out of its message.
    pub fn store(location: impl Into<String>, source: object_store::Error) -> Self {
        Error::Store { location: location.into(), source: crate::storage::scrub(source) }
    }

    /// Who must act on this error.
    pub fn audience(&self) -> Audience {
        match self {
            Error::Config(_) | Error::PipelineFile { .. } | Error::PipelineToml { .. } | Error::Location(_) => Audience::Configuration,
            Error::Input(_) | Error::NoInput(_) => Audience::Input,
            Error::Environment(_) | Error::Store { .. } | Error::Delta { .. } | Error::Io { .. } | Error::Locked { .. } => {
                Audience::Environment
            }
            Error::Sql { source, .. } | Error::DataFusion(source) if engine_is_environment(source) => Audience::Environment,
            Error::Internal(_)
            | Error::Reference { .. }
            | Error::Sql { .. }
            | Error::DataFusion(_)
            | Error::Parquet(_)
            | Error::Arrow(_) => Audience::Internal,
            Error::Json(_) => Audience::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Audience, Error};
    use datafusion::error::DataFusionError;

    #[test]
    fn every_message_names_who_must_act_first() {
        let cases = [
            (Error::Config("[run] measures is empty".into()), Audience::Configuration),
            (Error::Input("the contacts export lost rows".into()), Audience::Input),
            (Error::Environment("the lock is foreign".into()), Audience::Environment),
            (Error::Internal("a broken invariant".into()), Audience::Internal),
            (Error::NoInput("/data/in".into()), Audience::Input),
            (Error::DataFusion(DataFusionError::ResourcesExhausted("sort".into())), Audience::Environment),
            (Error::Sql { file: "sql/x.sql".into(), source: DataFusionError::Plan("no column y".into()) }, Audience::Internal),
        ];
        for (e, audience) in cases {
            assert_eq!(e.audience(), audience, "{e}");
            assert!(e.to_string().starts_with(audience.as_str()), "{e}");
        }
        assert!(Error::Internal("x".into()).to_string().contains("please report it"));
        let oom = Error::DataFusion(DataFusionError::ResourcesExhausted("sort".into())).to_string();
        assert!(oom.contains("--memory-limit"), "{oom}");
    }
}
