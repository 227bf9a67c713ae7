//! `marts/fact_measure_breakdown` (issue 14) as a run publishes it: each dimension of each
//! broken-down measure adds up to `fact_measure`, every dimension is there for every period with
//! a total, and workers are pseudonymised in the analyst warehouse. The known answers of the SQL
//! itself are in `tests/sql/breakdown/`.

use std::path::Path;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use super::{csc, demo, demo_run, temp};

/// A session over a published warehouse's `fact` and `breakdown` tables.
async fn warehouse_session(warehouse: &Path) -> SessionContext {
    let ctx = SessionContext::new();
    let opts = || ParquetReadOptions::default().table_partition_cols(vec![("financial_year".to_string(), DataType::Utf8)]);
    ctx.register_parquet("fact", &format!("{}/marts/fact_measure/", warehouse.display()), opts()).await.unwrap();
    ctx.register_parquet("breakdown", &format!("{}/marts/fact_measure_breakdown/", warehouse.display()), opts()).await.unwrap();
    ctx
}

async fn count(ctx: &SessionContext, sql: &str) -> i64 {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

/// Checks the totals reconcile; returns the number of breakdown rows.
async fn assert_reconciles(ctx: &SessionContext) -> i64 {
    let rows = count(ctx, "SELECT count(*) FROM breakdown").await;
    assert!(rows > 100, "too few breakdown rows: {rows}");
    // Each dimension of each measure and period adds up to the LA numerator and denominator.
    let mismatched = count(
        ctx,
        "WITH b AS (SELECT measure_id, period_type, period_start, dimension, sum(numerator) AS n, sum(denominator) AS d \
                    FROM breakdown GROUP BY measure_id, period_type, period_start, dimension) \
         SELECT count(*) FROM b JOIN fact f ON f.measure_id = b.measure_id AND f.period_type = b.period_type AND f.period_start = b.period_start \
         WHERE b.n <> f.numerator OR b.d IS DISTINCT FROM f.denominator",
    )
    .await;
    assert_eq!(mismatched, 0, "breakdown groups that do not add up to fact_measure");
    // Every period with a total has every person dimension (none is dropped for being unknown).
    let missing = count(
        ctx,
        "WITH measures AS (SELECT DISTINCT measure_id FROM breakdown), \
              dims (dimension) AS (VALUES ('team'), ('worker'), ('service'), ('age_band'), ('sex'), ('ethnicity'), ('disability')), \
              expected AS (SELECT f.measure_id, f.period_type, f.period_start, d.dimension FROM fact f JOIN measures m ON m.measure_id = f.measure_id \
                           CROSS JOIN dims d WHERE f.period_type IN ('month', 'financial_year') AND (f.numerator > 0 OR f.denominator > 0)) \
         SELECT count(*) FROM expected e WHERE NOT EXISTS (SELECT 1 FROM breakdown b WHERE b.measure_id = e.measure_id \
               AND b.period_type = e.period_type AND b.period_start = e.period_start AND b.dimension = e.dimension)",
    )
    .await;
    assert_eq!(missing, 0, "periods with a total but no rows for a person dimension");
    // Suppression flags 1-5 and nothing else.
    let wrong = count(
        ctx,
        "SELECT count(*) FROM breakdown WHERE suppressed <> ((numerator BETWEEN 1 AND 5) OR coalesce(denominator BETWEEN 1 AND 5, false))",
    )
    .await;
    assert_eq!(wrong, 0);
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_publishes_breakdowns_that_add_up_with_workers_pseudonymised() {
    let dir = temp();
    demo(dir.path());
    let ctx = warehouse_session(&dir.path().join("warehouse")).await;
    assert_reconciles(&ctx).await;
    // The hand-made referrals name workers W01...; analysts see 32-hex pseudonyms instead.
    let workers = count(&ctx, "SELECT count(*) FROM breakdown WHERE dimension = 'worker' AND dimension_value <> 'not allocated'").await;
    assert!(workers > 0, "no allocated workers in the demo breakdown");
    let named = count(
        &ctx,
        "SELECT count(*) FROM breakdown WHERE dimension = 'worker' AND dimension_value <> 'not allocated' \
         AND NOT regexp_like(dimension_value, '^[0-9a-f]{32}$')",
    )
    .await;
    assert_eq!(named, 0, "worker values must be pseudonyms in the analyst warehouse");
    // Referrals by source: the demo's DfE source codes, every one accounted for.
    let sources =
        count(&ctx, "SELECT count(DISTINCT dimension_value) FROM breakdown WHERE measure_id = 'referrals' AND dimension = 'source'").await;
    assert!(sources >= 2, "{sources}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_years_of_synthetic_southampton_reconcile_by_every_dimension() {
    let dir = temp();
    let out = dir.path().join("synth");
    let o = csc(&["synth", "--out", out.to_str().unwrap(), "--la", "852", "--from", "2019-04-01", "--to", "2025-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wh = dir.path().join("warehouse");
    let input = out.join("ssd");
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2025-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ctx = warehouse_session(&wh).await;
    assert_reconciles(&ctx).await;
    // Six financial years of every broken-down measure the extract has data for.
    let years =
        count(&ctx, "SELECT count(DISTINCT period_start) FROM breakdown WHERE period_type = 'financial_year' AND measure_id = 'referrals'")
            .await;
    assert!(years >= 6, "{years} financial years");
}

/// `csc demo` publishes the action lists under `restricted/`, prints their counts by team and
/// writes a workbook per team; `csc action-lists` writes the same workbooks, owner-only, with one
/// sheet per list, dates as dates and rows most overdue first.
#[test]
fn action_lists_are_restricted_and_written_per_team_for_their_owner_only() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = temp();
    let o = demo_run(dir.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Action lists as at 2023-03-31"), "{stdout}");
    let wh = dir.path().join("warehouse");
    assert!(wh.join("restricted/action_lists/cp_visit_overdue/as_at=2023-03-31").is_dir());
    assert!(!wh.join("action_lists").exists(), "nothing identifiable outside restricted/");

    let out = dir.path().join("lists");
    let o = csc(&["action-lists", "--warehouse", wh.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!files.is_empty());
    let mut rows_seen = 0;
    for path in &files {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600, "{}", path.display());
        }
        let mut book: Xlsx<_> = open_workbook(path).unwrap();
        let sheets = book.sheet_names();
        assert_eq!(sheets.len(), csc_pipeline::model::action_lists::LISTS.len());
        for name in sheets {
            let range = book.worksheet_range(&name).unwrap();
            let rows: Vec<&[Data]> = range.rows().collect();
            let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
            assert_eq!(header, ["person_id", "name", "team", "worker", "event", "event_date", "due_date", "days_overdue", "rule"]);
            let overdue: Vec<f64> = rows[1..]
                .iter()
                .filter_map(|r| match r[7] {
                    Data::Float(f) => Some(f),
                    Data::Int(i) => Some(i as f64),
                    _ => None,
                })
                .collect();
            assert!(overdue.windows(2).all(|w| w[0] >= w[1]), "{name}: most overdue first: {overdue:?}");
            for r in &rows[1..] {
                assert!(matches!(r[6], Data::DateTime(_) | Data::Empty), "{name}: due date is a date: {:?}", r[6]);
            }
            rows_seen += rows.len() - 1;
        }
    }
    // The demo's CP plans have no visits recorded: every child on a plan is overdue a visit.
    assert!(rows_seen > 0);
    // A team with nobody on a list is a clear error.
    let o = csc(&["action-lists", "--warehouse", wh.to_str().unwrap(), "--out", out.to_str().unwrap(), "--team", "No Such Team"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("No Such Team"));
}
