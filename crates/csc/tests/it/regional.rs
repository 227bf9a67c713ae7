//! `csc hub --regional-warehouse`: every LA's analyst tables stacked under the regional key, with
//! the same lock, skip-when-unchanged and kill-safety as an LA's warehouse.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use csc_pipeline::publish::delta;
use csc_pipeline::storage::Location;
use datafusion::prelude::SessionContext;

use super::publish::rows;
use super::{copy_demo, temp, TEST_KEY};

/// The regional key of these tests: not the LAs' (`TEST_KEY`).
const REGIONAL_KEY: &str = "726567696f6e616c20696e746567726174696f6e2d74657374206b6579212121";

/// The stacked tables, by folder.
const STACKED: [&str; 4] = ["marts/fact_measure", "marts/fact_measure_breakdown", "marts/benchmarks", "marts/dim_la"];

/// `csc hub` over `input` into `hub/<la>` with the regional warehouse `regional`, as at the demo's
/// date, with a failpoint armed if given.
fn hub(dir: &Path, las: &str, failpoint: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_csc"));
    cmd.args(["hub", "--la", las, "--as-at", "2023-03-31", "--jobs", "2"])
        .arg("--input")
        .arg(format!("{}/exports/{{la}}/ssd", dir.display()))
        .arg("--warehouse")
        .arg(dir.join("hub"))
        .arg("--regional-warehouse")
        .arg(dir.join("regional"))
        .env("CSC_PSEUDONYM_KEY", TEST_KEY)
        .env("CSC_REGIONAL_PSEUDONYM_KEY", REGIONAL_KEY)
        .env_remove("CSC_FAILPOINT");
    if let Some(f) = failpoint {
        cmd.env("CSC_FAILPOINT", f);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn published(wh: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(wh.join("_runs/published.json")).unwrap()).unwrap()
}

/// Table folder → Delta version, as the published manifest names them.
fn versions(wh: &Path) -> BTreeMap<String, u64> {
    published(wh)["delta_versions"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

/// The rows of `sql` over a table read by Delta (as `t`, at the version the warehouse's published
/// manifest names), each row as text, sorted.
async fn query(wh: &Path, dir: &str, sql: &str) -> Vec<String> {
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let table = delta::open(&loc, dir, Some(versions(wh)[dir])).await.unwrap().unwrap_or_else(|| panic!("{dir} is a Delta table"));
    let ctx = SessionContext::new();
    ctx.register_table("t", table.table_provider().await.unwrap()).unwrap();
    rows(&ctx.sql(sql).await.unwrap().collect().await.unwrap())
}

/// A table's column names, in its order, quoted for SQL; and the same names sorted (a partition
/// column of the regional copy, `la_code`, comes last there).
async fn columns(wh: &Path, dir: &str) -> (String, Vec<String>) {
    let loc = Location::parse(wh.to_str().unwrap(), false).unwrap();
    let table = delta::open(&loc, dir, None).await.unwrap().unwrap();
    let ctx = SessionContext::new();
    ctx.register_table("t", table.table_provider().await.unwrap()).unwrap();
    let df = ctx.table("t").await.unwrap();
    let names: Vec<String> = df.schema().fields().iter().map(|f| f.name().clone()).collect();
    let list = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let mut sorted = names;
    sorted.sort();
    (list, sorted)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_regional_warehouse_holds_each_las_own_rows_under_its_own_pseudonyms() {
    let dir = temp();
    let d = dir.path();
    for la in ["852", "330"] {
        copy_demo(&d.join("exports").join(la).join("ssd"));
    }
    // Portsmouth's export is missing its files: that LA fails and is left out.
    std::fs::create_dir_all(d.join("exports/851/ssd")).unwrap();

    // Without a regional key of its own the hub refuses to start.
    let o = Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(["hub", "--la", "852", "--input", "x/{la}", "--warehouse"])
        .arg(d.join("hub"))
        .arg("--regional-warehouse")
        .arg(d.join("regional"))
        .env("CSC_PSEUDONYM_KEY", TEST_KEY)
        .env("CSC_REGIONAL_PSEUDONYM_KEY", TEST_KEY)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("CSC_REGIONAL_PSEUDONYM_KEY is the same key as CSC_PSEUDONYM_KEY"), "{}", text(&o));
    assert!(!d.join("hub").exists() && !d.join("regional").exists(), "nothing ran");

    let o = hub(d, "852,330,851", None);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "one LA failed: {out}");
    assert!(out.contains("regional warehouse: 851 left out: its run failed"), "{out}");
    assert!(out.contains("regional warehouse: succeeded, 2 local authorities (330,852)"), "{out}");
    let regional = d.join("regional");
    assert_eq!(published(&regional)["la_code"], "330,852");

    for la in ["852", "330"] {
        let own = d.join("hub").join(la);
        // fact_measure, benchmarks: the LA's rows exactly; dim_la: the LA's own row.
        for (table, filter) in [("marts/fact_measure", ""), ("marts/benchmarks", ""), ("marts/dim_la", " AND is_this_la")] {
            let ((list, names), (_, regional_names)) = (columns(&own, table).await, columns(&regional, table).await);
            assert_eq!(names, regional_names, "{table}: the same columns");
            let mine = query(&own, table, &format!("SELECT {list} FROM t WHERE la_code = '{la}'{filter}")).await;
            assert!(!mine.is_empty(), "{la} {table}");
            let stacked = query(&regional, table, &format!("SELECT {list} FROM t WHERE la_code = '{la}'")).await;
            assert!(stacked == mine, "{la} {table}: {} regional rows, {} of the LA's own", stacked.len(), mine.len());
        }
        // The breakdown: the same rows, but every worker under another pseudonym.
        let table = "marts/fact_measure_breakdown";
        let list = columns(&own, table).await.0;
        let others =
            format!("SELECT {list} FROM t WHERE la_code = '{la}' AND (dimension <> 'worker' OR dimension_value = 'not allocated')");
        let (stacked, mine) = (query(&regional, table, &others).await, query(&own, table, &others).await);
        assert!(!mine.is_empty() && stacked == mine, "{la} breakdown other than workers: {} vs {} rows", stacked.len(), mine.len());
        let workers = format!(
            "SELECT DISTINCT dimension_value FROM t WHERE la_code = '{la}' AND dimension = 'worker' AND dimension_value <> 'not allocated'"
        );
        let (theirs, ours): (BTreeSet<String>, BTreeSet<String>) =
            (query(&own, table, &workers).await.into_iter().collect(), query(&regional, table, &workers).await.into_iter().collect());
        assert!(!theirs.is_empty(), "{la}: the demo has allocated workers");
        assert_eq!(theirs.len(), ours.len(), "one regional pseudonym per worker");
        assert!(theirs.is_disjoint(&ours), "{la}: regional pseudonyms cannot be joined to the LA's");
        let count = "SELECT count(*) FROM t WHERE la_code = '{la}' AND dimension = 'worker'";
        assert_eq!(query(&regional, table, &count.replace("{la}", la)).await, query(&own, table, &count.replace("{la}", la)).await);
    }
    // Partitioned by LA then financial year; the comparison covers both LAs.
    assert!(regional.join("marts/fact_measure/la_code=852").read_dir().unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("financial_year=")));
    let cmp =
        query(&regional, "marts/regional_comparison", "SELECT DISTINCT la_code, la_count FROM t WHERE la_count = 2 AND rank IS NOT NULL")
            .await;
    assert_eq!(cmp, ["330|2", "852|2"]);
    // Nothing restricted: only the key check (as in an LA's warehouse).
    let restricted: Vec<String> =
        std::fs::read_dir(regional.join("restricted")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert_eq!(restricted, ["_runs"]);

    // Nothing changed: the LAs and the regional warehouse are all skipped (exit 3).
    let run_id = published(&regional)["run_id"].clone();
    let o = hub(d, "852,330", None);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("regional warehouse: skipped"), "{}", text(&o));
    assert_eq!(published(&regional)["run_id"], run_id);
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[tokio::test(flavor = "multi_thread")]
async fn a_regional_publish_killed_mid_commit_leaves_the_previous_one_and_the_next_run_recovers() {
    let dir = temp();
    let d = dir.path();
    for la in ["852", "330", "921"] {
        copy_demo(&d.join("exports").join(la).join("ssd"));
    }
    // Every LA published; the regional warehouse then stacks two of them.
    let o = hub(d, "852,330,921", None);
    assert!(o.status.success(), "{}", text(&o));
    let o = hub(d, "852,330", None);
    assert!(o.status.success(), "the LAs are unchanged, the regional warehouse is new: {}", text(&o));
    let regional = d.join("regional");
    let before = published(&regional);
    assert_eq!(before["la_code"], "330,852");
    let stacked = query(&regional, "marts/fact_measure", "SELECT * FROM t").await;

    // Adding Isle of Wight changes only the regional warehouse (the LAs are skipped, so every
    // `publish.commit` is the regional run's): it dies after its second table's commit.
    let o = hub(d, "852,330,921", Some("publish.commit:2:abort"));
    assert_eq!(o.status.code(), None, "killed: {}", text(&o));
    assert_eq!(published(&regional), before, "the published manifest still names the previous run");
    let loc = Location::parse(regional.to_str().unwrap(), false).unwrap();
    let mut moved = 0;
    for (table, v) in versions(&regional) {
        let latest = delta::version(&delta::open(&loc, &table, None).await.unwrap().unwrap());
        moved += usize::from(latest > v);
    }
    assert!(moved >= 1, "the killed run had committed tables");
    assert!(regional.join("restricted/_staging").exists(), "the killed run left its staging area");
    // Read as published, the regional warehouse is exactly the previous publish.
    assert!(query(&regional, "marts/fact_measure", "SELECT * FROM t").await == stacked, "the previous publish's rows");

    // The next run takes the dead run's lock over, undoes it and publishes all three.
    let o = hub(d, "852,330,921", None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("regional warehouse: succeeded, 3 local authorities (330,852,921)"), "{}", text(&o));
    assert!(!regional.join("restricted/_staging").exists(), "the dead run's staging area is gone");
    let list = columns(&d.join("hub/921"), "marts/fact_measure").await.0;
    let own = query(&d.join("hub/921"), "marts/fact_measure", &format!("SELECT {list} FROM t")).await;
    let stacked = query(&regional, "marts/fact_measure", &format!("SELECT {list} FROM t WHERE la_code = '921'")).await;
    assert!(!own.is_empty() && stacked == own, "921: {} regional rows, {} of its own", stacked.len(), own.len());
    for table in STACKED {
        let las = query(&regional, table, "SELECT DISTINCT la_code FROM t").await;
        assert_eq!(las, ["330", "852", "921"], "{table}");
    }
}
