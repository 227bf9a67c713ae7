//! `csc`: the csc-pipeline command line.
//!
//! `main` only parses arguments and hands each command to one function. Errors are printed once,
//! here. Exit codes are for schedulers: 0 the run published, 2 it failed and nothing new was
//! published (the previous warehouse is untouched).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use csc_pipeline::config::{Overrides, RunConfig};
use csc_pipeline::extract::InputFormat;
use csc_pipeline::logging::{self, LogFormat};
use csc_pipeline::run::{run, RunOutcome};
use csc_pipeline::{demo, report_summary};

#[derive(Parser)]
#[command(name = "csc", version = csc_pipeline_version(), about = "Children's social care data pipeline: exports in, Ofsted and DfE measures out, as a Parquet warehouse")]
struct Cli {
    /// Log format: text for people, json (one object per line) for schedulers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline: extract, normalise, model and publish.
    Run {
        /// Pipeline file (pipelines/*.toml); the flags below override it.
        #[arg(long)]
        pipeline: Option<PathBuf>,
        /// Input folder or object-store URL holding the exports.
        #[arg(long)]
        input: Option<String>,
        /// Input format.
        #[arg(long, value_enum)]
        format: Option<InputFormat>,
        /// DfE local authority code, e.g. 852 for Southampton.
        #[arg(long)]
        la: Option<String>,
        /// Warehouse folder or object-store URL to publish to (default ./warehouse).
        #[arg(long)]
        warehouse: Option<String>,
        /// Compute everything as at this date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_at: Option<NaiveDate>,
    },
    /// Run the whole pipeline on the built-in demo data (no set-up needed).
    Demo {
        /// Folder for the demo input and warehouse.
        #[arg(long, default_value = "csc-demo")]
        out: PathBuf,
    },
    /// Write the data dictionary (every measure and published column) as Markdown.
    Docs {
        /// Folder to write data_dictionary.md to.
        #[arg(long, default_value = "docs")]
        out: PathBuf,
    },
}

const fn csc_pipeline_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run { pipeline, input, format, la, warehouse, as_at } => {
                let flags = Overrides { pipeline, input, format, la, warehouse, as_at };
                cmd_run(flags).await
            }
            Command::Demo { out } => cmd_demo(out).await,
            Command::Docs { out } => cmd_docs(out),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("csc: error: {e:#}");
    ExitCode::from(2)
}

async fn cmd_run(flags: Overrides) -> anyhow::Result<()> {
    let cfg = RunConfig::resolve(&flags, chrono::Local::now().date_naive())?;
    let outcome = run(&cfg).await?;
    print_outcome(&outcome);
    Ok(())
}

async fn cmd_demo(out: PathBuf) -> anyhow::Result<()> {
    let cfg = demo::prepare(&out)?;
    let outcome = run(&cfg).await?;
    print_outcome(&outcome);
    println!();
    println!("Demo input (hand-made SSD extract, 36 invented children): {}", cfg.input);
    println!("Open the fact table in DuckDB:");
    println!("  SELECT * FROM read_parquet('{}/marts/fact_measure/*/*.parquet', hive_partitioning = true);", outcome.warehouse);
    Ok(())
}

fn cmd_docs(out: PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(&out)?;
    let path = out.join("data_dictionary.md");
    std::fs::write(&path, csc_pipeline::docs::data_dictionary())?;
    println!("{}", path.display());
    Ok(())
}

fn print_outcome(outcome: &RunOutcome) {
    // A closed pipe (e.g. `csc demo | head`) is a normal ending, not an error worth reporting.
    let _ = report_summary(&mut std::io::stdout().lock(), outcome);
}
