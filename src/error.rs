//! Library error type. Input problems that a run can survive are not errors: they become rows of
//! the quality issues table (see [`crate::quality`]). These are the failures that stop a run.

use std::path::PathBuf;

/// A failure that stops the run (nothing is published).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    /// The export itself is unusable as it stands (truncated, stale): whoever runs the extract
    /// must act.
    #[error("input: {0}")]
    Input(String),
    #[error("cannot read pipeline file {path}: {source}")]
    PipelineFile { path: PathBuf, source: std::io::Error },
    #[error("pipeline file {path} is not valid: {source}")]
    PipelineToml { path: PathBuf, source: toml::de::Error },
    #[error("storage location {location}: {source}")]
    Store { location: String, source: object_store::Error },
    /// A Delta Lake error, its message cleared of credentials (see [`Error::delta`]).
    #[error("Delta table {table}: {message}")]
    Delta { table: String, message: String },
    #[error("invalid location {0:?}: give a local path or an object-store URL")]
    Location(String),
    #[error("reference data {name}: {message}")]
    Reference { name: String, message: String },
    #[error("SQL {file}: {source}")]
    Sql { file: String, source: datafusion::error::DataFusionError },
    #[error("query engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no input files found at {0}")]
    NoInput(String),
    /// A bug: a panic caught at a run's or a hub LA's boundary.
    #[error("{0}")]
    Internal(String),
    #[error("another run is using the warehouse {warehouse} ({holder}); try again later or pass --wait SECONDS")]
    Locked { warehouse: String, holder: String },
}

/// Result with the library error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an object-store error with the location it concerned, with any credential from
    /// the environment blanked out of its message.
    /// A Delta Lake error on the table in `table`, with any credential in its message blanked.
    pub fn delta(table: impl Into<String>, source: deltalake_core::DeltaTableError) -> Self {
        Error::Delta { table: table.into(), message: crate::storage::scrub_message(&source.to_string()) }
    }

    pub fn store(location: impl Into<String>, source: object_store::Error) -> Self {
        Error::Store { location: location.into(), source: crate::storage::scrub(source) }
    }
}
