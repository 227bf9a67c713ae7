//! The model stage alone, timed: reads the restricted core tables a `csc run` published and runs
//! every measure once, as `csc run` does but without the year-to-date pass (the same files again
//! over other periods), printing one JSON line with the time. Used by
//! `benches/duckdb_side_by_side.py`, which runs the same measure SQL on DuckDB in turn.
//!
//! ```sh
//! cargo bench --features ballista --bench model -- --warehouse WH --la 852 --as-at 2025-03-31 [--export DIR]
//! ```
//! `--export DIR` also writes the tables the measures read besides the core (`params`, the
//! periods, the reference and settings tables) and the measure results, as Parquet, and
//! `queries.json`: the shared views and each measure file's query as the model runs it (a
//! distribution or count-and-percent file inside its shared ending), in execution order. So
//! another engine can run the same SQL over the same inputs and be checked against the results.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Parser;
use csc_pipeline::config::{default_measures, DEFAULT_HISTORY_YEARS};
use csc_pipeline::model::{
    engine::parse_bytes, execution_order, measure_query, run_measures, session_on, Engine, ModelParams, SessionOptions, PERIOD_VIEWS, VIEWS,
};
use csc_pipeline::schema::ssd_tables;
use csc_pipeline::storage::Location;
use datafusion::dataframe::DataFrameWriteOptions;

/// The tables besides the core that the measures read, built in Rust: exported for the other
/// engine, which reads them instead of building them.
const INPUTS: &[&str] = &[
    "params",
    "dim_period",
    "day_period",
    "period_population",
    "ref_population",
    "ref_ethnic_population",
    "ref_annex_a_value",
    "ref_cwd_service",
    "measure_settings",
];

#[derive(Parser)]
struct Args {
    /// Warehouse a `csc run` published (its `restricted/core/` is read).
    #[arg(long)]
    warehouse: String,
    #[arg(long)]
    la: String,
    #[arg(long)]
    as_at: NaiveDate,
    /// Write the model's other inputs and its measure results here as Parquet.
    #[arg(long)]
    export: Option<PathBuf>,
    #[arg(long, default_value = "local")]
    engine: Engine,
    #[arg(long)]
    memory_limit: Option<String>,
    /// Measure ids to run, comma-separated (default: all, as `csc run`).
    #[arg(long, value_delimiter = ',')]
    measures: Vec<String>,
    /// `cargo bench` passes `--bench`; it means nothing here.
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let opts = SessionOptions {
        engine: args.engine,
        memory_limit: args.memory_limit.as_deref().map(parse_bytes).transpose()?,
        ..Default::default()
    };
    let params = ModelParams {
        la_code: args.la.clone(),
        la_name: csc_pipeline::reference::la_name(&args.la).unwrap_or_else(|| format!("LA {}", args.la)),
        as_at: args.as_at,
        history_years: DEFAULT_HISTORY_YEARS,
        settings: Default::default(),
        annex_a_worker_names: true,
        year_to_date: false,
    };
    let warehouse = Location::parse(&args.warehouse, false)?;
    let measures = if args.measures.is_empty() { default_measures() } else { args.measures.clone() };
    let mut issues = Vec::new();
    let started = Instant::now();
    let ctx = session_on(&opts, &warehouse, "restricted/core", ssd_tables(), &params).await?;
    let output = run_measures(&ctx, &params, &measures, &mut issues).await?;
    let elapsed = started.elapsed();
    if let Some(dir) = &args.export {
        for &table in INPUTS.iter().chain(&["measure_results"]) {
            let path = dir.join(format!("{table}.parquet"));
            ctx.table(table)
                .await?
                .write_parquet(path.to_str().expect("UTF-8 path"), DataFrameWriteOptions::new().with_single_file_output(true), None)
                .await?;
        }
        let views: Vec<_> = VIEWS.iter().chain(PERIOD_VIEWS).map(|(name, sql)| serde_json::json!([name, sql])).collect();
        let queries: Vec<_> = execution_order(&measures)?.into_iter().map(|id| serde_json::json!([id, measure_query(id)])).collect();
        std::fs::write(dir.join("queries.json"), serde_json::json!({"inputs": INPUTS, "views": views, "measures": queries}).to_string())?;
    }
    println!(
        "{}",
        serde_json::json!({"engine": opts.engine.to_string(), "model_ms": elapsed.as_secs_f64() * 1000.0, "fact_rows": output.fact.num_rows(), "measure_files": measures.len()})
    );
    Ok(())
}
