//! Logging set-up: human-readable lines on a terminal, JSON lines for schedulers
//! (`--log-format json`). `RUST_LOG` refines the level (default `info`). Logs go to standard
//! error so standard output stays free for results.

use tracing_subscriber::EnvFilter;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. Safe to call once per process.
pub fn init(format: LogFormat) {
    // The Delta Lake libraries log every snapshot and scan at info; their warnings are enough.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,deltalake_core=warn,buoyant_kernel=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    drop(result);
}
