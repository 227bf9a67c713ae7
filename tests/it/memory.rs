//! `csc run --memory-limit`: the model stage under DataFusion's fair spill pool. A workable limit
//! gives the same figures as an unlimited run; a limit no query can live within fails the run
//! cleanly (exit 1, nothing published) instead of the process being killed.

use std::path::Path;

use datafusion::arrow::util::pretty::pretty_format_batches;

use super::{csc, demo, query, temp};

/// Every row of a warehouse's fact table, in a fixed order, one line per row (values rounded to
/// 1e-9 so that engines summing in a different order still compare equal).
pub async fn fact_rows(warehouse: &Path) -> Vec<String> {
    let sql = "SELECT measure_id, period_type, period_start, period_end, la_code, numerator, denominator, round(value, 9) AS value, financial_year \
               FROM fact ORDER BY measure_id, period_type, period_start, period_end";
    let batches = query(sql, warehouse).await;
    let text = pretty_format_batches(&batches).unwrap().to_string();
    text.lines().map(str::to_string).collect()
}

/// Asserts two fact tables hold the same rows, naming the first that differs.
pub fn assert_same_rows(expected: &[String], actual: &[String], what: &str) {
    assert!(expected.len() > 100, "the reference run produced too few fact rows to compare ({})", expected.len());
    if let Some(i) = (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i)) {
        panic!("{what}: fact row {i} differs\n expected {:?}\n   actual {:?}\n({} rows expected, {} actual)", expected.get(i), actual.get(i), expected.len(), actual.len());
    }
}

#[tokio::test]
async fn a_run_under_a_tight_memory_limit_gives_the_same_figures() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let run = |wh: &str, extra: &[&str]| {
        let wh = dir.path().join(wh);
        let mut args = vec!["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"];
        args.extend_from_slice(extra);
        (csc(&args), wh)
    };
    let (o, unlimited) = run("wh-unlimited", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (o, limited) = run("wh-limited", &["--memory-limit", "16MiB"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_rows(&fact_rows(&unlimited).await, &fact_rows(&limited).await, "16 MiB limit against unlimited");

    // The limit is really in force: 64 KiB cannot hold even one batch being aggregated, so the
    // run fails with DataFusion's resources-exhausted error, and nothing is published.
    let (o, starved) = run("wh-starved", &["--memory-limit", "64KiB"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Resources exhausted"), "{stderr}");
    assert!(!starved.join("marts").exists(), "nothing published");

    // The pipeline file says the same as the flag; a size without a unit it knows is refused.
    let pipeline = dir.path().join("p.toml");
    std::fs::write(&pipeline, format!("[la]\ncode = \"852\"\n[input]\nlocation = {:?}\n[warehouse]\nlocation = \"wh-file\"\n[run]\nas_at = 2023-03-31\nmemory_limit = \"64KiB\"\n", input.display().to_string())).unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("Resources exhausted"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap(), "--memory-limit", "16 furlongs"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown unit"));
}
