//! csc-pipeline: the nightly data pipeline for an English local authority's children's social
//! care records.
//!
//! The modules follow the data flow: [`extract`] finds and reads the exports, [`normalise`] types
//! them into the canonical core tables (recording every rejected cell in [`quality`]), [`model`]
//! runs the measure SQL in `sql/` with DataFusion, and [`publish`] writes the warehouse. [`run`]
//! ties the stages together; [`config`], [`reference`], [`schema`] and [`storage`] support them.

pub mod allocator;
pub mod calendar;
pub mod config;
pub mod demo;
pub mod docs;
pub mod error;
pub mod export;
pub mod extract;
pub mod failpoint;
pub mod fuzzing;
pub mod hub;
pub mod limits;
pub mod listing;
pub mod lock;
pub mod logging;
pub mod manifest;
pub mod marts;
pub mod model;
pub mod normalise;
pub mod progress;
pub mod pseudonymise;
pub mod publish;
pub mod quality;
pub mod reference;
pub mod regional;
pub mod report;
pub mod run;
pub mod schema;
pub mod storage;
pub mod work_queue;

pub use error::{Error, Result};

/// The version recorded in every run manifest: the crate version plus the git commit it was
/// built from, when the build could see one.
pub fn code_version() -> String {
    match option_env!("CSC_GIT_COMMIT") {
        Some(commit) if !commit.is_empty() => format!("{}+{}", env!("CARGO_PKG_VERSION"), commit),
        _ => env!("CARGO_PKG_VERSION").to_string(),
    }
}
