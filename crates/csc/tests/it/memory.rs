//! `--memory-limit`: the model stage under DataFusion's fair spill pool. Under a tight limit the
//! measures give the same figures as without one; a limit no query can live within fails the run
//! cleanly (exit 1, nothing published) instead of the process being killed.

use std::path::Path;

use csc_pipeline::config::DEFAULT_HISTORY_YEARS;
use csc_pipeline::model::{run_measures, session_on, ModelParams, SessionOptions};
use csc_pipeline::schema::ssd_tables;
use csc_pipeline::storage::Location;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;

use super::{csc, demo, temp};

/// Every measure of the demo extract (whose core tables `csc demo` published under `out`), run
/// by the model stage with `opts`: the fact table, one line per row in a fixed order, values
/// rounded to 1e-9 so that engines summing in a different order still compare equal.
pub async fn demo_fact_rows(out: &Path, opts: &SessionOptions) -> Vec<String> {
    let params = ModelParams {
        la_code: "852".into(),
        la_name: "Southampton".into(),
        as_at: csc_pipeline::demo::demo_as_at(),
        history_years: DEFAULT_HISTORY_YEARS,
        settings: Default::default(),
        annex_a_worker_names: true,
        year_to_date: true,
    };
    let warehouse = Location::parse(out.join("warehouse").to_str().unwrap(), false).unwrap();
    let ctx = session_on(opts, &warehouse, "restricted/core", ssd_tables(), &params).await.unwrap();
    let measures = csc_pipeline::config::default_measures();
    let fact = run_measures(&ctx, &params, &measures, &mut Vec::new()).await.unwrap().fact;
    rows(fact).await
}

/// As [`demo_fact_rows`], then the breakdown of every measure (`marts/fact_measure_breakdown`
/// before workers are pseudonymised): (fact rows, breakdown rows).
pub async fn demo_model_rows(out: &Path, opts: &SessionOptions) -> (Vec<String>, Vec<String>) {
    use csc_pipeline::model::breakdown;
    let params = ModelParams {
        la_code: "852".into(),
        la_name: "Southampton".into(),
        as_at: csc_pipeline::demo::demo_as_at(),
        history_years: DEFAULT_HISTORY_YEARS,
        settings: Default::default(),
        annex_a_worker_names: true,
        year_to_date: true,
    };
    let warehouse = Location::parse(out.join("warehouse").to_str().unwrap(), false).unwrap();
    let ctx = session_on(opts, &warehouse, "restricted/core", ssd_tables(), &params).await.unwrap();
    let fact = run_measures(&ctx, &params, &csc_pipeline::config::default_measures(), &mut Vec::new()).await.unwrap().fact;
    let rows_of_breakdown = breakdown::run(&ctx, &breakdown::computed_ids(&fact)).await.unwrap();
    let table = SessionContext::new();
    table.register_batch("b", rows_of_breakdown).unwrap();
    let sql = "SELECT measure_id, period_type, period_start, period_end, la_code, dimension, dimension_value, numerator, denominator, \
               round(value, 9) AS value, suppressed, financial_year FROM b \
               ORDER BY measure_id, period_type, period_start, dimension, dimension_value";
    let batches = table.sql(sql).await.unwrap().collect().await.unwrap();
    let lines = pretty_format_batches(&batches).unwrap().to_string().lines().map(str::to_string).collect();
    (rows(fact).await, lines)
}

async fn rows(fact: RecordBatch) -> Vec<String> {
    let ctx = SessionContext::new();
    ctx.register_batch("fact", fact).unwrap();
    let sql = "SELECT measure_id, period_type, period_start, period_end, la_code, numerator, denominator, round(value, 9) AS value, financial_year \
               FROM fact ORDER BY measure_id, period_type, period_start, period_end";
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string().lines().map(str::to_string).collect()
}

/// Asserts two fact tables hold the same rows, naming the first that differs.
pub fn assert_same_rows(expected: &[String], actual: &[String], what: &str) {
    assert!(expected.len() > 100, "the reference run produced too few fact rows to compare ({})", expected.len());
    if let Some(i) = (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i)) {
        panic!(
            "{what}: fact row {i} differs\n expected {:?}\n   actual {:?}\n({} rows expected, {} actual)",
            expected.get(i),
            actual.get(i),
            expected.len(),
            actual.len()
        );
    }
}

#[tokio::test]
async fn the_measures_under_a_tight_memory_limit_give_the_same_figures() {
    let dir = temp();
    demo(dir.path());
    let unlimited = demo_fact_rows(dir.path(), &SessionOptions::default()).await;
    let limited = demo_fact_rows(dir.path(), &SessionOptions { memory_limit: Some(16 << 20), ..Default::default() }).await;
    assert_same_rows(&unlimited, &limited, "16 MiB limit against unlimited");
}

#[test]
fn a_limit_no_query_fits_in_fails_the_run_cleanly() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    // 64 KiB cannot hold even one batch being aggregated: DataFusion's resources-exhausted error,
    // exit 1, and nothing published.
    let starved = dir.path().join("wh-starved");
    let o = csc(&[
        "run",
        "--la",
        "852",
        "--input",
        input.to_str().unwrap(),
        "--warehouse",
        starved.to_str().unwrap(),
        "--as-at",
        "2023-03-31",
        "--memory-limit",
        "64KiB",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Resources exhausted"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!starved.join("marts").exists(), "nothing published");

    // The pipeline file says the same as the flag; a size in a unit csc does not know is refused.
    let pipeline = dir.path().join("p.toml");
    let text = format!("[la]\ncode = \"852\"\n[input]\nlocation = {:?}\n[warehouse]\nlocation = \"wh-file\"\n[run]\nas_at = 2023-03-31\nmemory_limit = \"64KiB\"\n", input.display().to_string());
    std::fs::write(&pipeline, text).unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Resources exhausted"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap(), "--memory-limit", "16 furlongs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown unit"));
}
