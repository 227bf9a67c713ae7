//! Logging set-up: human-readable lines on a terminal, JSON lines for schedulers
//! (`--log-format json`). Logs go to standard error so standard output stays free for results.
//!
//! Quiet by default: one line per stage and the warnings, then the command's summary on standard
//! output. Per-cell data-quality issues go to the issues table and are counted in the summary;
//! table commits and the model's steps are debug lines (`-v`). `-q` keeps warnings and errors
//! only. `RUST_LOG` overrides all of this.

use tracing_subscriber::EnvFilter;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How much the log says, from the `-q` and `-v` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: warnings and errors only, no progress bars.
    Quiet,
    /// The default: stage lines, warnings and errors.
    Normal,
    /// `-v`: also csc's debug lines (each table committed, each model step's time, each issue).
    Verbose,
    /// `-vv`: also the libraries' debug lines and csc's trace lines.
    Trace,
}

impl Verbosity {
    /// The verbosity of `-q` (`quiet`) and of `-v` given `verbose` times.
    pub fn of_flags(quiet: bool, verbose: u8) -> Self {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            _ => Verbosity::Trace,
        }
    }

    /// The log filter, in `RUST_LOG` syntax. The Delta Lake libraries log every snapshot and scan
    /// at info, so they are held to warnings unless `-vv` asks for everything.
    pub fn filter(self) -> &'static str {
        match self {
            Verbosity::Quiet => "warn,deltalake_core=error,buoyant_kernel=error",
            Verbosity::Normal => "info,deltalake_core=warn,buoyant_kernel=warn",
            Verbosity::Verbose => "info,csc=debug,csc_pipeline=debug,deltalake_core=warn,buoyant_kernel=warn",
            Verbosity::Trace => "debug,csc=trace,csc_pipeline=trace",
        }
    }
}

/// Installs the global subscriber. Safe to call once per process.
pub fn init(format: LogFormat, verbosity: Verbosity) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(verbosity.filter()));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    drop(result);
}

#[cfg(test)]
mod tests {
    use super::Verbosity;

    #[test]
    fn flags_give_a_verbosity_and_each_verbosity_a_valid_filter() {
        assert_eq!(Verbosity::of_flags(false, 0), Verbosity::Normal);
        assert_eq!(Verbosity::of_flags(true, 0), Verbosity::Quiet);
        assert_eq!(Verbosity::of_flags(false, 1), Verbosity::Verbose);
        assert_eq!(Verbosity::of_flags(false, 3), Verbosity::Trace);
        for v in [Verbosity::Quiet, Verbosity::Normal, Verbosity::Verbose, Verbosity::Trace] {
            assert!(tracing_subscriber::EnvFilter::try_new(v.filter()).is_ok(), "{v:?}");
        }
    }
}
