//! Integration tests: the `csc` binary end to end on the demo extract, checked against answers
//! worked out by hand from the demo CSVs (see `demo/EXPECTED.md` for the working).

mod annex_a;
mod annex_a_reader;
mod azurite;
#[cfg(feature = "ballista")]
mod ballista;
mod breakdown;
mod cin_xml;
#[cfg(all(feature = "ballista", unix))]
mod cluster;
mod fuzz_corpus;
mod hostile;
mod hub;
mod marts;
mod memory;
mod operations;
mod personal_data;
mod publish;
mod recall;
mod regional;
mod report;
mod slt;
mod ssda903;
mod ssda903_xml;
mod synth;
mod vendor;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root, where the fixtures, SQL, reference data and demo extract live (this
/// package is `crates/csc`).
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

/// The pseudonymisation key the tests run with, as hex (a real run takes it from a secret store).
const TEST_KEY: &str = "696e746567726174696f6e2d74657374206b65792c206e6f742061207365637265740a";

fn csc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csc")).args(args).env("CSC_PSEUDONYM_KEY", TEST_KEY).output().expect("the csc binary runs")
}

/// Runs the hand-made demo (`demo/ssd`, answers worked out in demo/EXPECTED.md) into `out`, for
/// tests that read what it prints.
fn demo_run(out: &Path) -> Output {
    let o = csc(&["demo", "--hand-made", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "csc demo failed: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The hand-made demo's output in `out`: made once per test process by [`demo_run`] (ten seconds
/// of a debug build, which thirty tests would otherwise repeat) and copied, permissions and all,
/// with what it printed in `demo_stdout.txt`.
fn demo(out: &Path) {
    static MADE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let made = MADE.get_or_init(|| {
        // One fixed folder in the build's scratch space, replaced by each test process.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hand-made-demo");
        let _ = std::fs::remove_dir_all(&dir);
        let o = demo_run(&dir);
        std::fs::write(dir.join("demo_stdout.txt"), &o.stdout).unwrap();
        dir
    });
    copy_tree(made, out);
}

/// Copies a folder recursively, keeping each file's and folder's permissions.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
}

async fn query(sql: &str, warehouse: &Path) -> Vec<RecordBatch> {
    let ctx = SessionContext::new();
    let fact = format!("{}/marts/fact_measure/", warehouse.display());
    let opts = ParquetReadOptions::default().table_partition_cols(vec![("financial_year".to_string(), DataType::Utf8)]);
    ctx.register_parquet("fact", &fact, opts).await.unwrap();
    ctx.register_parquet("issues", &format!("{}/quality/issues/", warehouse.display()), ParquetReadOptions::default()).await.unwrap();
    ctx.register_parquet(
        "restricted_issues",
        &format!("{}/restricted/quality/issues/", warehouse.display()),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

/// (numerator, denominator, value) of one measure for one period.
async fn measure(warehouse: &Path, id: &str, period_type: &str, start: &str) -> (i64, Option<i64>, f64) {
    let sql = format!(
        "SELECT numerator, denominator, value FROM fact WHERE measure_id = '{id}' AND period_type = '{period_type}' AND period_start = DATE '{start}'"
    );
    let batches = query(&sql, warehouse).await;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 1, "exactly one row for {id} {period_type} {start}");
    let b = batches.iter().find(|b| b.num_rows() > 0).unwrap();
    let den = b.column(1).as_primitive::<Int64Type>();
    (
        b.column(0).as_primitive::<Int64Type>().value(0),
        den.is_valid(0).then(|| den.value(0)),
        b.column(2).as_primitive::<Float64Type>().value(0),
    )
}

/// Text of row `i` of a string column, whichever string type the reader chose.
fn text(col: &dyn Array, i: usize) -> String {
    let utf8 = datafusion::arrow::compute::cast(col, &DataType::Utf8).unwrap();
    utf8.as_string::<i32>().value(i).to_string()
}

/// The one data file directly in a table folder (or hive partition folder): data files are named
/// by a hash of their bytes, so tests find them rather than name them.
fn data_file(folder: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    assert_eq!(files.len(), 1, "one data file in {}: {files:?}", folder.display());
    files[0].clone()
}

/// The rows of a normalised core table as text (dates ISO, nulls empty), in table order.
fn core_rows(tables: &[csc_pipeline::normalise::CoreTable], name: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let b = &tables.iter().find(|t| t.spec.name == name).unwrap_or_else(|| panic!("no table {name}")).batch;
    (0..b.num_rows())
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    let col = b.column_by_name(c).unwrap_or_else(|| panic!("no column {c}"));
                    if !col.is_valid(row) {
                        return String::new();
                    }
                    match col.data_type() {
                        DataType::Date32 => {
                            csc_pipeline::normalise::cells::from_date32(col.as_primitive::<Date32Type>().value(row)).to_string()
                        }
                        _ => text(col, row),
                    }
                })
                .collect()
        })
        .collect()
}

/// Data files on disk in a table folder (outside `_delta_log/`), relative to it: data files are
/// named by a hash of their bytes, so equal sets mean equal data.
fn files_on_disk(folder: &Path) -> std::collections::BTreeSet<String> {
    fn walk(dir: &Path, base: &Path, out: &mut std::collections::BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().unwrap() != "_delta_log" {
                    walk(&p, base, out);
                }
            } else {
                out.insert(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(folder, folder, &mut out);
    out
}

/// Copies the hand-made demo extract (`demo/ssd`) into `to`.
fn copy_demo(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(Path::new(crate::REPO).join("demo/ssd")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn demo_counts_match_the_hand_worked_answers() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");

    // FY2021-22 (1 Apr 2021 - 31 Mar 2022), counted by hand from the demo CSVs:
    // 34 contacts (C0032's date 31/02/2022 does not exist, so it counts nowhere),
    // 19 referrals (R024 has no person id and is rejected; R018 with the unknown need code N12
    // is kept), 6 S47 enquiries, and 4 children on a plan on 31 March 2022 (P005, P008, P011, P012;
    // P002's plan ended 14 March).
    assert_eq!(measure(&wh, "contacts", "financial_year", "2021-04-01").await.0, 34);
    assert_eq!(measure(&wh, "referrals", "financial_year", "2021-04-01").await.0, 19);
    assert_eq!(measure(&wh, "s47_enquiries", "financial_year", "2021-04-01").await.0, 6);
    assert_eq!(measure(&wh, "cpp_at_date", "financial_year", "2021-04-01").await.0, 4);
    // FY2022-23: 33 contacts (the duplicate C0044 on row 58 is rejected), 18 referrals, 6 S47s,
    // and 3 children on a plan on 31 March 2023 (P008, whose end date 1900-01-01 is a
    // placeholder; P017; P025). P020's plan ends on 31 March itself, so is not open then.
    assert_eq!(measure(&wh, "contacts", "financial_year", "2022-04-01").await.0, 33);
    assert_eq!(measure(&wh, "referrals", "financial_year", "2022-04-01").await.0, 18);
    assert_eq!(measure(&wh, "s47_enquiries", "financial_year", "2022-04-01").await.0, 6);
    assert_eq!(measure(&wh, "cpp_at_date", "financial_year", "2022-04-01").await.0, 3);

    // Months. June 2022: 3 contacts (C0043-C0045; the duplicate is not counted twice).
    assert_eq!(measure(&wh, "contacts", "month", "2022-06-01").await.0, 3);
    // August 2022: C0049 is written 04/08/2022, UK day-first: it is an August contact.
    assert_eq!(measure(&wh, "contacts", "month", "2022-08-01").await.0, 2);
    // January 2022: 4 referrals, 2 S47s; 5 children on plans at 31 Jan 2022 because the
    // siblings' plans start on 31 January itself.
    assert_eq!(measure(&wh, "referrals", "month", "2022-01-01").await.0, 4);
    assert_eq!(measure(&wh, "s47_enquiries", "month", "2022-01-01").await.0, 2);
    assert_eq!(measure(&wh, "cpp_at_date", "month", "2022-01-01").await.0, 5);
    // September 2021: P001's plan ends on 30 September, so only P002 and P005 are on plans.
    assert_eq!(measure(&wh, "cpp_at_date", "month", "2021-09-01").await.0, 2);
}

#[tokio::test]
async fn demo_rates_use_the_previous_mid_year_population() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    // FY2021-22 ends 31 March 2022, so it uses ONS mid-2021: 49,388 children aged 0-17.
    // 19 referrals / 49,388 x 10,000 = 3.8471; 6 S47s -> 1.2149.
    let (n, d, v) = measure(&wh, "referral_rate_per_10k", "financial_year", "2021-04-01").await;
    assert_eq!((n, d), (19, Some(49_388)));
    assert!((v - 3.8471).abs() < 5e-5, "{v}");
    let (_, _, v) = measure(&wh, "s47_rate_per_10k", "financial_year", "2021-04-01").await;
    assert!((v - 1.2149).abs() < 5e-5, "{v}");
    // April 2022 is in FY2022-23, which uses mid-2022: 49,978. 1 referral -> 0.2001 per 10k.
    let (n, d, v) = measure(&wh, "referral_rate_per_10k", "month", "2022-04-01").await;
    assert_eq!((n, d), (1, Some(49_978)));
    assert!((v - 0.2001).abs() < 5e-5, "{v}");
    // January 2022 (FY2021-22): 4 referrals / 49,388 -> 0.8099; 2 S47s -> 0.4050.
    let (_, d, v) = measure(&wh, "referral_rate_per_10k", "month", "2022-01-01").await;
    assert_eq!(d, Some(49_388));
    assert!((v - 0.8099).abs() < 5e-5, "{v}");
    let (_, _, v) = measure(&wh, "s47_rate_per_10k", "month", "2022-01-01").await;
    assert!((v - 0.4050).abs() < 5e-5, "{v}");
}

#[tokio::test]
async fn fact_table_is_hive_partitioned_by_financial_year_with_the_contract_columns() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    for fy in ["2021-22", "2022-23"] {
        let part = data_file(&wh.join(format!("marts/fact_measure/financial_year={fy}")));
        assert!(part.is_file(), "missing {}", part.display());
    }
    let batches = query("SELECT * FROM fact LIMIT 1", &wh).await;
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "measure_id",
            "period_type",
            "period_start",
            "period_end",
            "la_code",
            "numerator",
            "denominator",
            "value",
            "no_data_reason",
            "period_key",
            "financial_year"
        ]
    );
    assert_eq!(schema.field(2).data_type(), &DataType::Date32);
    // Every measure is there for every month and financial year, for LA 852 only; flow
    // measures also have rolling 12-month rows.
    let b = query("SELECT count(DISTINCT la_code), min(la_code), count(DISTINCT measure_id) FROM fact", &wh).await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 1);
    assert_eq!(text(b[0].column(1), 0), "852");
    assert!(b[0].column(2).as_primitive::<Int64Type>().value(0) >= 50);
    let per_type = query(
        "SELECT period_type, count(*) FROM (SELECT DISTINCT measure_id, period_type, period_start, period_end FROM fact) WHERE measure_id = 'referrals' GROUP BY period_type ORDER BY period_type",
        &wh,
    )
    .await;
    let counts: Vec<(String, i64)> = (0..per_type[0].num_rows())
        .map(|i| (text(per_type[0].column(0), i), per_type[0].column(1).as_primitive::<Int64Type>().value(i)))
        .collect();
    // Data from September 2020 (C0001) to the as-at date 31 March 2023: 31 months, 3 financial
    // years, 20 full 12-month windows (ending August 2021 .. March 2023) and a year to date for
    // each month.
    assert_eq!(
        counts,
        [("financial_year".to_string(), 3), ("month".to_string(), 31), ("rolling_12_months".to_string(), 20), ("ytd".to_string(), 31)]
    );
    // One row per measure and period key (years to date share their start, 1 April, so the key
    // of a ytd period is its end).
    let dupes = query("SELECT count(*) FROM (SELECT measure_id, period_key, count(*) n FROM fact GROUP BY 1, 2) WHERE n > 1", &wh).await;
    assert_eq!(dupes[0].column(0).as_primitive::<Int64Type>().value(0), 0, "one row per measure and period");
    // Month periods end on the month's last day.
    let ends = query("SELECT period_end FROM fact WHERE period_type = 'month' AND period_start = DATE '2022-02-01' LIMIT 1", &wh).await;
    assert_eq!(ends[0].column(0).as_primitive::<Date32Type>().value(0), 19_051);
    // 2022-02-28
}

struct ExpectedIssue {
    file: &'static str,
    row: i64,
    letter: &'static str,
    column: &'static str,
    value: &'static str,
    code: &'static str,
    action: &'static str,
}

#[tokio::test]
async fn deliberate_faults_reach_the_issues_table_with_row_and_column() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    let expected = [
        ExpectedIssue {
            file: "ssd_contacts.csv",
            row: 33,
            letter: "C",
            column: "cont_contact_date",
            value: "31/02/2022",
            code: "invalid_date",
            action: "set_null",
        },
        ExpectedIssue {
            file: "ssd_cin_episodes.csv",
            row: 25,
            letter: "B",
            column: "cine_person_id",
            value: "",
            code: "missing_required",
            action: "row_rejected",
        },
        ExpectedIssue {
            file: "ssd_cin_episodes.csv",
            row: 19,
            letter: "D",
            column: "cine_cin_primary_need_code",
            value: "N12",
            code: "unknown_code",
            action: "kept",
        },
        ExpectedIssue {
            file: "ssd_cp_plans.csv",
            row: 5,
            letter: "F",
            column: "cppl_cp_plan_end_date",
            value: "1900-01-01",
            code: "placeholder_date",
            action: "set_null",
        },
        ExpectedIssue {
            file: "ssd_contacts.csv",
            row: 58,
            letter: "A",
            column: "cont_contact_id",
            value: "C0044",
            code: "duplicate_key",
            action: "row_rejected",
        },
        ExpectedIssue {
            file: "ssd_person.csv",
            row: 18,
            letter: "A",
            column: "pers_person_id",
            value: " P017 ",
            code: "id_trimmed",
            action: "kept",
        },
    ];
    for e in &expected {
        let sql = format!(
            "SELECT issue_code, action, column_letter, raw_value FROM restricted_issues WHERE file = '{}' AND row_number = {} AND column_name = '{}'",
            e.file, e.row, e.column
        );
        let b = query(&sql, &wh).await;
        let rows: usize = b.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 1, "one issue at {} row {} {}", e.file, e.row, e.column);
        let b = b.iter().find(|b| b.num_rows() > 0).unwrap();
        let s = |i: usize| text(b.column(i), 0);
        assert_eq!(
            (s(0).as_str(), s(1).as_str(), s(2).as_str(), s(3).as_str()),
            (e.code, e.action, e.letter, e.value),
            "{} row {}",
            e.file,
            e.row
        );
    }
    // Analysts see the same issues, but a raw value only when it is a clean code: neither the
    // padded person id nor the impossible contact date (a date may be a date of birth).
    let b = query("SELECT raw_value FROM issues WHERE file = 'ssd_person.csv' AND row_number = 18", &wh).await;
    assert!(b[0].column(0).is_null(0));
    let b = query("SELECT raw_value, message FROM issues WHERE file = 'ssd_contacts.csv' AND row_number = 33", &wh).await;
    assert!(b[0].column(0).is_null(0));
    assert!(!text(b[0].column(1), 0).contains("31/02"), "the message does not quote the cell");
    // Nothing else in the demo is wrong: no other error-severity issue.
    let b = query("SELECT count(*) FROM issues WHERE severity = 'error'", &wh).await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 2);
    // The early-help codes DfE added in 2022/23 (referral source 5D, closure reason RC9) on
    // records dated before it are kept and noted at their cells (demo/EXPECTED.md); R020's RC9,
    // closed on 29 Apr 2022, is in its year.
    let sql = "SELECT file, row_number, column_letter, raw_value FROM restricted_issues \
               WHERE issue_code = 'code_not_in_record_year' ORDER BY file, row_number";
    let mut found = Vec::new();
    for b in query(sql, &wh).await {
        for i in 0..b.num_rows() {
            found.push((0..4).map(|c| text(b.column(c), i)).collect::<Vec<_>>().join(" "));
        }
    }
    assert_eq!(
        found,
        [
            "ssd_cin_episodes.csv 4 I RC9",
            "ssd_cin_episodes.csv 11 I RC9",
            "ssd_cin_episodes.csv 13 E 5D",
            "ssd_cin_episodes.csv 14 I RC9",
            "ssd_contacts.csv 25 D 5D"
        ]
    );
}

fn manifest(wh: &Path) -> serde_json::Value {
    let latest: serde_json::Value = serde_json::from_slice(&std::fs::read(wh.join("_runs/latest.json")).unwrap()).unwrap();
    let by_id = wh.join(format!("_runs/{}.json", latest["run_id"].as_str().unwrap()));
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(by_id).unwrap()).unwrap();
    assert_eq!(run, latest);
    run
}

#[tokio::test]
async fn manifest_records_inputs_rows_issues_and_stage_times() {
    let dir = temp();
    demo(dir.path());
    let m = manifest(&dir.path().join("warehouse"));
    assert_eq!(m["status"], "succeeded");
    assert_eq!(m["as_at"], "2023-03-31");
    assert_eq!(m["la_code"], "852");
    assert!(m["code_version"].as_str().unwrap().starts_with(env!("CARGO_PKG_VERSION")));
    assert_eq!(m["run_key"].as_str().unwrap().len(), 64);
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 10);
    for input in inputs {
        let path = dir.path().join("input/ssd").join(input["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(input["size_bytes"].as_u64().unwrap(), bytes.len() as u64);
        use sha2::Digest;
        assert_eq!(input["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(&bytes)));
        assert!(input["table"].is_string());
    }
    let tables = m["tables"].as_array().unwrap();
    let contact = tables.iter().find(|t| t["name"] == "contact").unwrap();
    assert_eq!(
        (contact["rows_in"].as_u64(), contact["rows_out"].as_u64(), contact["rows_rejected"].as_u64()),
        (Some(70), Some(69), Some(1))
    );
    let stages: Vec<&str> = m["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["extract", "normalise", "model", "publish"]);
    assert!(m["stages"].as_array().unwrap().iter().all(|s| s["elapsed_ms"].is_u64()));
    assert_eq!(m["issues"]["error"], 2);
    assert_eq!(m["issues"]["by_code"]["invalid_date"], 1);
    assert!(m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o.as_str().unwrap().starts_with("marts/fact_measure/financial_year=2022-23/part-")));
}

#[test]
fn run_with_a_pipeline_file_and_flag_overrides() {
    let dir = temp();
    demo(dir.path());
    let pipeline = dir.path().join("p.toml");
    std::fs::write(&pipeline, "[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh2\"\n[run]\nas_at = 2022-06-15\nmeasures = [\"referral_rate_per_10k\"]\n").unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap(), "--log-format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // JSON logs: one object per line, with a record per stage and no raw values from the data.
    let stderr = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).expect("every log line is JSON")).collect();
    for stage in ["extract", "normalise", "model", "publish"] {
        assert!(lines.iter().any(|l| l["fields"]["stage"] == stage), "no log line for {stage}");
    }
    assert!(!stderr.contains("31/02/2022") && !stderr.contains("Child0"), "logs carry no cell values");
    let m = manifest(&dir.path().join("wh2"));
    assert_eq!(m["as_at"], "2022-06-15");
    assert_eq!(m["measures"]["measure_ids"], serde_json::json!(["referral_rate_per_10k"]));
    // The as-at date caps the last period: June 2022 ends on 15 June.
    let fy = data_file(&dir.path().join("wh2/marts/fact_measure/financial_year=2022-23"));
    assert!(fy.is_file());
    assert!(!dir.path().join("wh2/marts/fact_measure/financial_year=2023-24").exists());

    // A flag beats the file: --as-at moves the run to 31 March 2023. The warehouse already holds
    // tables as at 15 June 2022, so this ad hoc rerun is published beside them, not over them.
    let fact_before = std::fs::read(&fy).unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap(), "--as-at", "2023-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wh2 = dir.path().join("wh2");
    assert_eq!(manifest(&wh2)["as_at"], "2022-06-15", "the nightly tables are untouched");
    assert_eq!(std::fs::read(&fy).unwrap(), fact_before);
    let rerun = wh2.join("restricted/reruns/as_at=2023-03-31");
    assert_eq!(manifest(&rerun)["as_at"], "2023-03-31");
    assert!(data_file(&rerun.join("marts/fact_measure/financial_year=2022-23")).is_file());
    // The Ofsted workbook for that date comes from the rerun's lists.
    let xlsx = dir.path().join("rerun.xlsx");
    let o = csc(&["annex-a", "--as-at", "2023-03-31", "--pipeline", pipeline.to_str().unwrap(), "--out", xlsx.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(xlsx.is_file());
}

#[test]
fn a_failed_run_exits_1_and_leaves_the_published_warehouse_intact() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    let fact = data_file(&wh.join("marts/fact_measure/financial_year=2022-23"));
    let before = std::fs::read(&fact).unwrap();
    // An empty input folder: nothing to read.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = csc(&["run", "--la", "852", "--input", empty.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no input files"));
    assert_eq!(std::fs::read(&fact).unwrap(), before, "the published fact table is untouched");
    assert_eq!(manifest(&wh)["status"], "failed");
    // published.json still names the run whose tables the warehouse holds.
    let published: serde_json::Value = serde_json::from_slice(&std::fs::read(wh.join("_runs/published.json")).unwrap()).unwrap();
    assert_eq!(published["status"], "succeeded");
    assert!(!wh.join("restricted/_staging").read_dir().map(|mut d| d.next().is_some()).unwrap_or(false), "no staged files left behind");
    // Missing configuration is an error with a message, exit 1.
    let o = csc(&["run", "--input", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--la"));
}

#[test]
fn unreadable_and_unrecognised_files_are_reported_not_fatal() {
    let dir = temp();
    demo(dir.path());
    let input: PathBuf = dir.path().join("input/ssd");
    // A file that is no SSD table, and a contacts file saved by Excel as Windows-1252 with a
    // short row.
    std::fs::write(input.join("notes.txt"), "this is not an extract\n").unwrap();
    std::fs::write(input.join("more_contacts.csv"), b"cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code\nC9001,P001,2022-04-02,6\nC9002,P002\nC9003,P003,2022-04-03,caf\xe9\n").unwrap();
    let wh = dir.path().join("wh");
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = manifest(&wh);
    let by_code = &m["issues"]["by_code"];
    assert_eq!(by_code["unrecognised_file"], 1);
    assert_eq!(by_code["wrong_field_count"], 1);
    // The one byte that is not UTF-8 is reported at its cell; the rest of the file stays UTF-8.
    assert_eq!(by_code["invalid_encoding"], 1);
    // April 2022 gains C9001 and C9003 (3 + 2 = 5); the short row C9002 is rejected.
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(measure(&wh, "contacts", "month", "2022-04-01")).0, 5);
}

#[tokio::test]
async fn analyst_tables_are_pseudonymised_and_the_identifiable_core_is_restricted() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    let ctx = SessionContext::new();
    for (name, path) in [
        ("person", "core/person"),
        ("contact", "core/contact"),
        ("cla_placement", "core/cla_placement"),
        ("raw_person", "restricted/core/person"),
    ] {
        ctx.register_parquet(name, &format!("{}/{path}/", wh.display()), ParquetReadOptions::default()).await.unwrap();
    }
    let one = |sql: &'static str| {
        let ctx = ctx.clone();
        async move { ctx.sql(sql).await.unwrap().collect().await.unwrap() }
    };
    // No names, no full dates of birth, no raw person ids in the analyst copy.
    let b = one("SELECT count(pers_forename), count(pers_surname), count(*) FILTER (WHERE date_part('day', pers_dob) <> 1), count(*) FILTER (WHERE pers_person_id LIKE 'P0%') FROM person").await;
    for c in 0..4 {
        assert_eq!(b[0].column(c).as_primitive::<Int64Type>().value(0), 0, "column {c}");
    }
    // Pseudonyms are 32 hex digits and still link a child across tables.
    let b = one("SELECT count(*), count(*) FILTER (WHERE length(c.cont_person_id) = 32) FROM contact c JOIN person p ON p.pers_person_id = c.cont_person_id").await;
    let (joined, hashed) = (b[0].column(0).as_primitive::<Int64Type>().value(0), b[0].column(1).as_primitive::<Int64Type>().value(0));
    assert_eq!(joined, 69, "all 69 loaded contacts link to their child through the pseudonym");
    assert_eq!(hashed, joined);
    // Postcodes keep only the sector.
    let b =
        one("SELECT count(*) FROM cla_placement WHERE clap_cla_placement_postcode IS NOT NULL AND length(clap_cla_placement_postcode) > 6")
            .await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 0);
    // The restricted core keeps what was received.
    let b = one("SELECT count(pers_forename), count(*) FILTER (WHERE pers_person_id LIKE 'P0%') FROM raw_person").await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 36);
    assert_eq!(b[0].column(1).as_primitive::<Int64Type>().value(0), 36);
    assert_eq!(manifest(&wh)["analyst_tables"], "pseudonymised");
    // Annex A lists name children: restricted only.
    assert!(data_file(&wh.join("restricted/annex_a/list_01_contacts/as_at=2023-03-31")).is_file());
    assert!(!wh.join("annex_a").exists());
}

#[test]
fn a_run_without_a_key_refuses_to_publish_unless_the_warehouse_is_declared_identifiable() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let wh = dir.path().join("wh-nokey");
    let o = Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap()])
        .env_remove("CSC_PSEUDONYM_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("CSC_PSEUDONYM_KEY"));
    assert!(!wh.join("core").exists(), "nothing published");
    let pipeline = dir.path().join("restricted.toml");
    std::fs::write(&pipeline, "[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh-id\"\nidentifiable = true\n[run]\nas_at = 2023-03-31\n").unwrap();
    let run = |extra: &[&str], key: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_csc"));
        cmd.args(["run", "--pipeline", pipeline.to_str().unwrap()]).args(extra).env_remove("CSC_PSEUDONYM_KEY");
        if let Some(k) = key {
            cmd.env("CSC_PSEUDONYM_KEY", k);
        }
        cmd.output().unwrap()
    };
    // Declared but not confirmed, or with a key set: refused before anything is written.
    let o = run(&[], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--confirm-identifiable"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["--confirm-identifiable"], Some(TEST_KEY));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refused"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.path().join("wh-id").exists(), "nothing published");
    let o = run(&["--confirm-identifiable"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("identifiable = true (confirmed)"),
        "warned on every run: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(manifest(&dir.path().join("wh-id"))["analyst_tables"], "identifiable");
}

#[test]
fn an_unchanged_run_is_skipped_and_a_forced_rerun_publishes_identical_data() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let wh = dir.path().join("wh");
    let args = ["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"];
    let o = csc(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first = manifest(&wh);
    let fact = data_file(&wh.join("marts/fact_measure/financial_year=2022-23"));
    let core = data_file(&wh.join("core/contact"));
    let issues = data_file(&wh.join("quality/issues"));
    let (fact_bytes, core_bytes, issue_bytes) =
        (std::fs::read(&fact).unwrap(), std::fs::read(&core).unwrap(), std::fs::read(&issues).unwrap());
    // Same inputs, pipeline, as-at date and code: skipped (exit 3), latest.json still the first run.
    let o = csc(&args);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Nothing changed"));
    assert_eq!(manifest(&wh)["run_id"], first["run_id"]);
    let runs: Vec<_> = std::fs::read_dir(wh.join("_runs")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(runs.len(), 4, "two run manifests, latest.json and published.json: {runs:?}");
    // --force reruns; the same key publishes byte-identical tables.
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(csc(&forced).status.success());
    assert_ne!(manifest(&wh)["run_id"], first["run_id"]);
    assert_eq!(manifest(&wh)["run_key"], first["run_key"]);
    assert_eq!(std::fs::read(&fact).unwrap(), fact_bytes);
    assert_eq!(std::fs::read(&core).unwrap(), core_bytes);
    assert_eq!(std::fs::read(&issues).unwrap(), issue_bytes);
    // A changed input is a new key: the run is not skipped.
    std::fs::write(input.join("extra_contacts.csv"), "cont_contact_id,cont_person_id,cont_contact_date\nC9999,P001,2023-03-01\n").unwrap();
    assert_eq!(csc(&args).status.code(), Some(0));
    assert_ne!(manifest(&wh)["run_key"], first["run_key"]);
}

#[test]
fn a_second_run_over_a_locked_warehouse_exits_1_naming_the_holder() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let wh = dir.path().join("wh");
    std::fs::create_dir_all(&wh).unwrap();
    // A lock held by a live process on this machine (pid 1 always exists).
    let host = std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "unknown-host".into());
    let lock = serde_json::json!({"pid": 1, "host": host, "since": chrono_now()});
    std::fs::write(wh.join("_lock.json"), lock.to_string()).unwrap();
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another run is using the warehouse"));
    assert!(!wh.join("core").exists(), "nothing attempted");
    // Once released, the next run goes ahead and releases the lock after itself.
    std::fs::remove_file(wh.join("_lock.json")).unwrap();
    assert!(csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2023-03-31"])
        .status
        .success());
    assert!(!wh.join("_lock.json").exists());
}

fn chrono_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    chrono::DateTime::from_timestamp(secs, 0).unwrap().to_rfc3339()
}

#[test]
fn too_many_data_quality_errors_publish_but_exit_2() {
    // The demo has 2 error-severity issues (the impossible date and the missing person id).
    let dir = temp();
    demo(dir.path());
    let pipeline = dir.path().join("strict.toml");
    // (The freshness check is off: 36 children go a week without a referral.)
    std::fs::write(&pipeline, "[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh\"\n[run]\nas_at = 2023-03-31\nfreshness_tables = []\nmax_error_issues = 1\n").unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 data-quality errors"));
    assert_eq!(manifest(&dir.path().join("wh"))["status"], "succeeded", "the figures were published");
    std::fs::write(&pipeline, std::fs::read_to_string(&pipeline).unwrap().replace("max_error_issues = 1", "max_error_issues = 2")).unwrap();
    assert_eq!(csc(&["run", "--pipeline", pipeline.to_str().unwrap()]).status.code(), Some(0));
    // A usage error is a failure (1), never mistaken for "published with errors" (2).
    assert_eq!(csc(&["run", "--no-such-flag"]).status.code(), Some(1));
}

/// Issue 16's gates on the hand-made extract: a table whose newest record lags the as-at date is
/// an error issue; a table that lost more than a quarter of its rows stops the publish (exit 1)
/// unless `--accept-drop`; an input unchanged for `unchanged_alert_days` exits 4, not 3.
#[tokio::test]
async fn a_stale_truncated_or_stuck_export_is_caught() {
    let dir = temp();
    demo(dir.path());
    let input = dir.path().join("input/ssd");
    let pipeline = dir.path().join("p.toml");
    let write = |run: &str| {
        std::fs::write(&pipeline, format!("[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh\"\nsuperseded_grace_secs = 0\n[run]\nas_at = 2023-03-31\n{run}")).unwrap()
    };
    // (No grace period: the issues folder is read as plain Parquet below.)
    let wh = dir.path().join("wh");
    let run = |extra: &[&str]| csc(&[&["run", "--pipeline", pipeline.to_str().unwrap()], extra].concat());

    // Freshness. As at 31 March 2023 the hand-made extract's newest contact is 20 March (11 days
    // before) and its newest referral or closure 22 March (9 days): both stale; its newest
    // assessment, authorised 29 March, is within the 7 days.
    write("");
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let stale = query("SELECT table_name FROM issues WHERE issue_code = 'table_stale' ORDER BY table_name", &wh).await;
    let stale: Vec<String> = stale
        .iter()
        .flat_map(|b| {
            let names = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8).unwrap();
            (0..b.num_rows()).map(|i| names.as_string::<i32>().value(i).to_string()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(stale, ["contact", "referral"]);
    write("freshness_lag_days = 60\n");
    assert_eq!(run(&[]).status.code(), Some(0));
    assert!(query("SELECT * FROM issues WHERE issue_code = 'table_stale'", &wh).await.iter().all(|b| b.num_rows() == 0));

    // Truncation: 200 more contacts are published, then 100 of them disappear (269 -> 169 rows,
    // 37% fewer): the run stops before publishing anything.
    let contacts = |n: usize| (0..n).map(|i| format!("X{i:04},P001,2023-02-01\n")).collect::<String>();
    std::fs::write(input.join("more_contacts.csv"), format!("cont_contact_id,cont_person_id,cont_contact_date\n{}", contacts(200)))
        .unwrap();
    assert_eq!(run(&[]).status.code(), Some(0));
    let published = manifest(&wh)["run_id"].clone();
    std::fs::write(input.join("more_contacts.csv"), format!("cont_contact_id,cont_person_id,cont_contact_date\n{}", contacts(100)))
        .unwrap();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("contact has 169 rows, down from 269") && err.contains("--accept-drop"), "{err}");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(wh.join("_runs/published.json")).unwrap()).unwrap()["run_id"],
        published,
        "nothing published"
    );
    assert_eq!(run(&["--accept-drop"]).status.code(), Some(0));

    // Stuck: the same input again is skipped (3); with the alert at 0 days, it is reported (4).
    assert_eq!(run(&[]).status.code(), Some(3));
    write("freshness_lag_days = 60\nunchanged_alert_days = 0\n");
    assert_eq!(run(&[]).status.code(), Some(0), "a new pipeline file is a change");
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("export job may be stuck"));
}
