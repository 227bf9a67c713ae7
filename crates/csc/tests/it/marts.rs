//! The BI marts: benchmarks against DfE's published figures, RAG against pipeline-file targets,
//! and the star-schema dimensions, checked on the demo warehouse against figures DfE publishes
//! and docs/definitions.md §4 works out, and against hand-worked demo answers.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use super::{csc, demo, manifest, temp, text};

const MARTS: [&str; 5] = ["dim_measure", "dim_period", "dim_la", "benchmarks", "measure_rag"];

/// Runs `sql` over the marts of the warehouse (tables named as the folders).
async fn marts(wh: &Path, sql: &str) -> Vec<RecordBatch> {
    let ctx = SessionContext::new();
    for m in MARTS {
        ctx.register_parquet(m, &format!("{}/marts/{m}/", wh.display()), ParquetReadOptions::default()).await.unwrap();
    }
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    batches.into_iter().filter(|b| b.num_rows() > 0).collect()
}

/// One float of the first row; `None` when null.
fn float(b: &[RecordBatch], col: usize) -> Option<f64> {
    let a = b[0].column(col).as_primitive::<Float64Type>();
    a.is_valid(0).then(|| a.value(0))
}

fn int(b: &[RecordBatch], col: usize) -> Option<i64> {
    let a = b[0].column(col).as_primitive::<Int64Type>();
    a.is_valid(0).then(|| a.value(0))
}

fn round1(v: Option<f64>) -> f64 {
    (v.expect("a value") * 10.0).round() / 10.0
}

/// (published, sn_mean, sn_count, sn_suppressed, region, england) of one measure and year.
async fn benchmark(wh: &Path, id: &str, year: &str) -> (Option<f64>, Option<f64>, i64, i64, Option<f64>, Option<f64>) {
    let sql = format!(
        "SELECT published_value, sn_mean, sn_count, sn_suppressed, region_value, england_value FROM benchmarks WHERE measure_id = '{id}' AND financial_year = '{year}'"
    );
    let b = marts(wh, &sql).await;
    assert_eq!(b.iter().map(|b| b.num_rows()).sum::<usize>(), 1, "one benchmark row for {id} {year}");
    (float(&b, 0), float(&b, 1), int(&b, 2).unwrap(), int(&b, 3).unwrap(), float(&b, 4), float(&b, 5))
}

#[tokio::test]
async fn benchmarks_reproduce_dfe_published_rates_and_the_neighbour_means() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");

    // England, 2020/21, recomputed from DfE's published counts and the ONS mid-2020 population
    // 11,787,794 (docs/definitions.md §4.1), matching the rates DfE itself publishes:
    // CIN 388,490 / 11,787,794 x 10,000 = 329.57 -> 329.6; CP plans 50,010 -> 42.43 -> 42.4.
    assert_eq!(round1(benchmark(&wh, "cin_rate_per_10k", "2020-21").await.5), 329.6);
    assert_eq!(round1(benchmark(&wh, "cpp_rate_per_10k", "2020-21").await.5), 42.4);
    // S47 enquiries 198,790 -> 168.6 per 10k (§4.1).
    assert_eq!(round1(benchmark(&wh, "s47_rate_per_10k", "2020-21").await.5), 168.6);

    // Southampton 2020/21 beside its ten 2021 statistical neighbours (§4.4, §4.5): S47 rate SN
    // mean 263.3, referral rate 656.1, re-referral % 21.8 (mean of the published percentages),
    // CIN rate 427.5, CP plan rate 66.7; Southampton's own referral rate 4,092 / 49,737 x 10,000
    // = 822.7 and S47 rate 1,655 / 49,737 x 10,000 = 332.8; South East re-referrals 27.7 %.
    let (published, sn, count, suppressed, _, _) = benchmark(&wh, "s47_rate_per_10k", "2020-21").await;
    assert_eq!((round1(published), round1(sn), count, suppressed), (332.8, 263.3, 10, 0));
    let (published, sn, ..) = benchmark(&wh, "referral_rate_per_10k", "2020-21").await;
    assert_eq!((round1(published), round1(sn)), (822.7, 656.1));
    let (published, sn, _, _, region, england) = benchmark(&wh, "rereferral_12m_pct", "2020-21").await;
    assert_eq!((round1(published), round1(sn), round1(region), round1(england)), (28.0, 21.8, 27.7, 22.7));
    assert_eq!(round1(benchmark(&wh, "cin_rate_per_10k", "2020-21").await.1), 427.5);
    assert_eq!(round1(benchmark(&wh, "cpp_rate_per_10k", "2020-21").await.1), 66.7);
    // ICPCs within 15 working days: Southampton (29 + 353) / 531 = 71.9 %; the SN mean 82.7 %
    // is over the 9 neighbours with data, the tenth's figures being suppressed (§4.4).
    let (published, sn, count, suppressed, ..) = benchmark(&wh, "icpc_within_15wd_pct", "2020-21").await;
    assert_eq!((round1(published), round1(sn), count, suppressed), (71.9, 82.7, 9, 1));

    // A suppressed published figure: Southampton's CP plans open 2 years or more at 31 March
    // 2021 is `c` in D5, so it is null, flagged, carries the code and is not ranked.
    let b = marts(&wh, "SELECT published_value, published_suppressed, published_code, national_rank FROM benchmarks WHERE measure_id = 'cpp_duration_2y_plus_pct' AND financial_year = '2020-21'").await;
    assert!(b[0].column(0).is_null(0));
    assert!(b[0].column(1).as_boolean().value(0));
    assert_eq!(text(b[0].column(2), 0), "c");
    assert!(b[0].column(3).is_null(0));

    // The LA's own computed value sits beside the published one: the demo's 19 referrals in
    // 2021-22 (demo/EXPECTED.md) against DfE's 3,640 for Southampton.
    let b = marts(&wh, "SELECT la_value, published_value, national_rank, national_ranked, national_quartile FROM benchmarks WHERE measure_id = 'referrals' AND financial_year = '2021-22'").await;
    assert_eq!((float(&b, 0), float(&b, 1)), (Some(19.0), Some(3640.0)));
    let (rank, ranked, quartile) = (int(&b, 2).unwrap(), int(&b, 3).unwrap(), int(&b, 4).unwrap());
    assert!(rank >= 1 && rank <= ranked && ranked > 140, "rank {rank} of {ranked}");
    assert_eq!(quartile, (4 * rank + ranked - 1) / ranked, "quartile = ceil(4 x rank / ranked)");
    // Every year DfE published (2013 to 2025) is there for every mapped measure.
    let b = marts(&wh, "SELECT count(DISTINCT measure_id), count(DISTINCT financial_year), count(*) FROM benchmarks").await;
    // Workforce rows (a 30 September census) sit in the financial year containing it, so the years
    // run to 2025-26.
    assert_eq!((int(&b, 0), int(&b, 1)), (Some(91), Some(14)));

    // Placement stability and care leavers, Southampton as published (docs/definitions.md §4.2):
    // 3+ placements in 2023-24 18 % (90 of 489), same carer 2+ years 61 % (116 of 191);
    // care leavers 2024-25 in education, employment or training 60 % (17-18) and 55 % (19-21),
    // in suitable accommodation 84 % and 80 %.
    for (id, year, want) in [
        ("cla_3plus_placements_pct", "2023-24", 18.0),
        ("cla_long_term_stability_pct", "2023-24", 61.0),
        ("care_leavers_17_18_eet_pct", "2024-25", 60.0),
        ("care_leavers_19_21_eet_pct", "2024-25", 55.0),
        ("care_leavers_17_18_suitable_accommodation_pct", "2024-25", 84.0),
        ("care_leavers_19_21_suitable_accommodation_pct", "2024-25", 80.0),
    ] {
        assert_eq!(benchmark(&wh, id, year).await.0, Some(want), "{id} {year}");
    }
    // England 3+ placements 2023-24: 11 % (§4.2).
    assert_eq!(benchmark(&wh, "cla_3plus_placements_pct", "2023-24").await.5, Some(11.0));
}

#[tokio::test]
async fn benchmarks_reproduce_the_c3_health_placement_social_worker_school_and_workforce_tables() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    // (measure, year, Southampton as published, England as published), read from the DfE files in
    // reference/dfe/ by hand.
    for (id, year, southampton, england) in [
        // C3, factors at the end of assessment, 2023-24: episodes with a factor 2,783 / 506,370;
        // domestic abuse concerning a parent 896 / 160,600.
        ("af_episodes", "2023-24", 2783.0, 506370.0),
        ("af_domestic_abuse_parent", "2023-24", 896.0, 160600.0),
        // OC2 health outcomes 2024-25 (%): annual health assessment 88 / 90, teeth checked 90 / 81,
        // immunisations 81 / 84, development assessments (under 5s) 92 / 88; SDQ average score
        // 16.3 / 14.9 and cause for concern 47 / 42 (% of scores received).
        ("cla_oc2_health_assessment_pct", "2024-25", 88.0, 90.0),
        ("cla_oc2_dental_check_pct", "2024-25", 90.0, 81.0),
        ("cla_oc2_immunisations_pct", "2024-25", 81.0, 84.0),
        ("cla_oc2_development_check_pct", "2024-25", 92.0, 88.0),
        ("cla_sdq_average_score", "2024-25", 16.3, 14.9),
        ("cla_sdq_cause_for_concern_pct", "2024-25", 47.0, 42.0),
        // 3 or more social workers during 2023-24: 72 of 488 = 15 % / 27 %.
        ("cla_3plus_social_workers_pct", "2023-24", 15.0, 27.0),
        // School moves during 2023-24: any 18 % / 11 %, mid-year 12 % / 8 %.
        ("cla_school_moves_pct", "2023-24", 18.0, 11.0),
        ("cla_school_moves_midyear_pct", "2023-24", 12.0, 8.0),
        // Workforce at 30 September 2025 (DfE time_period 2025, financial year 2025-26): agency
        // rate 8 / 13, turnover 7.4 / 11.8, vacancy rate 3.8 / 14.2, caseload per FTE 14.3 / 15.2.
        ("agency_workers_pct", "2025-26", 8.0, 13.0),
        ("workforce_turnover_rate_pct", "2025-26", 7.4, 11.8),
        ("workforce_vacancy_rate_pct", "2025-26", 3.8, 14.2),
        ("caseload_per_worker_avg", "2025-26", 14.3, 15.2),
    ] {
        let (published, _, _, _, _, eng) = benchmark(&wh, id, year).await;
        assert_eq!((published, eng), (Some(southampton), Some(england)), "{id} {year}");
    }
    // New placements in 2024-25 more than 20 miles from home (inside + outside the LA) and outside
    // the LA (less + more than 20 miles), from the counts: Southampton (0 + 73) / 591 = 12.4 % and
    // (153 + 73) / 591 = 38.2 %; England (4,310 + 14,560) / 90,930 = 20.8 % and
    // (18,220 + 14,560) / 90,930 = 36.0 %.
    let (published, _, _, _, _, england) = benchmark(&wh, "cla_new_placements_20_miles_plus_pct", "2024-25").await;
    assert_eq!((round1(published), round1(england)), (12.4, 20.8));
    let (published, _, _, _, _, england) = benchmark(&wh, "cla_new_placements_outside_la_pct", "2024-25").await;
    assert_eq!((round1(published), round1(england)), (38.2, 36.0));
    // A suppressed C3 count: Southampton's FGM factor in 2023-24 is `c`.
    let b = marts(&wh, "SELECT published_value, published_code, sn_model FROM benchmarks WHERE measure_id = 'af_female_genital_mutilation' AND financial_year = '2023-24'").await;
    assert!(b[0].column(0).is_null(0));
    assert_eq!(text(b[0].column(1), 0), "c");
    // Every row names the statistical-neighbour grouping its neighbour mean used.
    assert_eq!(text(b[0].column(2), 0), "2021");
    let b = marts(&wh, "SELECT count(*) FROM benchmarks WHERE sn_model IS NULL").await;
    assert_eq!(int(&b, 0), Some(0));
}

#[test]
fn rag_follows_the_pipeline_file_targets_and_the_sn_model_is_selectable() {
    let dir = temp();
    demo(dir.path());
    let pipeline = dir.path().join("p.toml");
    // Hand-worked from the demo (demo/EXPECTED.md): referrals 19 in 2021-22 and 18 in 2022-23;
    // S47 enquiries 6 in 2021-22; contacts 3 in April 2022.
    // referrals, target 18.5 low, tolerance 1: 19 is worse by 0.5 -> Amber; 18 -> Green.
    // s47_enquiries, target 7 high, tolerance 0.5: 6 is worse by 1 -> Red.
    // contacts (months only), target 3 low: exactly on target -> Green.
    std::fs::write(
        &pipeline,
        "[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[warehouse]\nlocation = \"wh\"\n[run]\nas_at = 2023-03-31\n\
         [benchmarks]\nsn_model = \"2025\"\n\
         [targets.referrals]\ntarget = 18.5\ngood = \"low\"\namber_tolerance = 1.0\nperiods = [\"financial_year\"]\n\
         [targets.s47_enquiries]\ntarget = 7\ngood = \"high\"\namber_tolerance = 0.5\n\
         [targets.contacts]\ntarget = 3\ngood = \"low\"\nperiods = [\"month\"]\n",
    )
    .unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wh = dir.path().join("wh");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rag = |id: &str, period_type: &str, start: &str| {
        let sql = format!(
            "SELECT rag FROM measure_rag WHERE measure_id = '{id}' AND period_type = '{period_type}' AND period_start = DATE '{start}'"
        );
        let b = rt.block_on(marts(&wh, &sql));
        text(b[0].column(0), 0)
    };
    assert_eq!(rag("referrals", "financial_year", "2021-04-01"), "Amber");
    assert_eq!(rag("referrals", "financial_year", "2022-04-01"), "Green");
    assert_eq!(rag("s47_enquiries", "financial_year", "2021-04-01"), "Red");
    assert_eq!(rag("contacts", "month", "2022-04-01"), "Green");
    // Only the listed period types are rated; unlisted measures have no rows.
    let b = rt.block_on(marts(&wh, "SELECT count(*) FILTER (WHERE measure_id = 'referrals' AND period_type <> 'financial_year'), count(*) FILTER (WHERE measure_id NOT IN ('referrals', 's47_enquiries', 'contacts')) FROM measure_rag"));
    assert_eq!((int(&b, 0), int(&b, 1)), (Some(0), Some(0)));
    // The 2025 model: Southampton's closest neighbour is Coventry (331), then Derby (831).
    let b = rt.block_on(marts(&wh, "SELECT la_code, sn_model FROM dim_la WHERE sn_rank_to_this_la IN (1, 2) ORDER BY sn_rank_to_this_la"));
    assert_eq!((text(b[0].column(0), 0), text(b[0].column(0), 1), text(b[0].column(1), 0)), ("331".into(), "831".into(), "2025".into()));
    let b = rt.block_on(marts(&wh, "SELECT DISTINCT sn_model FROM benchmarks"));
    assert_eq!(text(b[0].column(0), 0), "2025");
    assert!(manifest(&wh)["outputs"].as_array().unwrap().iter().any(|o| o.as_str().unwrap().starts_with("marts/measure_rag/part-")));

    // A target for a measure that does not exist stops the run before anything is read.
    std::fs::write(
        &pipeline,
        "[la]\ncode = \"852\"\n[input]\nlocation = \"input/ssd\"\n[targets.rereferals]\ntarget = 23\ngood = \"low\"\n",
    )
    .unwrap();
    let o = csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rereferals"));
}

#[tokio::test]
async fn star_schema_dimensions_use_types_power_bi_reads() {
    let dir = temp();
    demo(dir.path());
    let wh = dir.path().join("warehouse");
    // Plain Utf8 strings (no views, no dictionaries), Date32 dates, Int64 and Float64 numbers.
    for m in MARTS {
        let file = std::fs::File::open(crate::data_file(&wh.join(format!("marts/{m}")))).unwrap();
        let schema = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().schema().clone();
        for f in schema.fields() {
            assert!(
                matches!(f.data_type(), DataType::Utf8 | DataType::Date32 | DataType::Int64 | DataType::Float64 | DataType::Boolean),
                "{m}.{} is {}",
                f.name(),
                f.data_type()
            );
        }
    }
    // dim_period: the demo's 31 months, 3 financial years, 20 rolling windows and the 31 months'
    // years to date (crates/csc/tests/it/main.rs); one row per period key.
    let b = marts(&wh, "SELECT count(*), count(*) FILTER (WHERE NOT is_complete), count(DISTINCT period_key) FROM dim_period").await;
    assert_eq!((int(&b, 0), int(&b, 1), int(&b, 2)), (Some(85), Some(0), Some(85)));
    let b =
        marts(&wh, "SELECT label, period_start, period_key FROM dim_period WHERE period_type = 'ytd' AND period_end = DATE '2022-06-30'")
            .await;
    assert_eq!(
        (text(b[0].column(0), 0), b[0].column(1).as_primitive::<Date32Type>().value(0), text(b[0].column(2), 0)),
        ("Year to date, Jun 2022".into(), 19083, "ytd:2022-06-30".into())
    );
    let b =
        marts(&wh, "SELECT label, financial_year FROM dim_period WHERE period_type = 'month' AND period_start = DATE '2022-02-01'").await;
    assert_eq!((text(b[0].column(0), 0), text(b[0].column(1), 0)), ("Feb 2022".into(), "2021-22".into()));
    // dim_measure: every measure id once, its definition from the SQL header.
    let b = marts(&wh, "SELECT count(*), count(DISTINCT measure_id) FROM dim_measure").await;
    assert_eq!(int(&b, 0), int(&b, 1));
    let b = marts(&wh, "SELECT unit, good, source_sql, definition FROM dim_measure WHERE measure_id = 'rereferral_12m_pct'").await;
    assert_eq!(
        (text(b[0].column(0), 0), text(b[0].column(1), 0), text(b[0].column(2), 0)),
        ("percent".into(), "low".into(), "sql/measures/rereferral_12m_pct.sql".into())
    );
    assert!(text(b[0].column(3), 0).contains("Definition"));
    // dim_la: Southampton, with its ten 2021 neighbours, Portsmouth closest.
    let b = marts(&wh, "SELECT la_gss_code, la_name, region_name, statistical_neighbours FROM dim_la WHERE is_this_la").await;
    assert_eq!(text(b[0].column(0), 0), "E06000045");
    assert_eq!(text(b[0].column(1), 0), "Southampton");
    assert_eq!(text(b[0].column(2), 0), "South East");
    assert_eq!(text(b[0].column(3), 0), "851,373,874,879,831,801,331,861,810,355");
    let b = marts(&wh, "SELECT count(*) FROM dim_la WHERE sn_rank_to_this_la IS NOT NULL").await;
    assert_eq!(int(&b, 0), Some(10));
    // Ofsted's latest ILACS judgements (LA inspection outcomes as at 31 March 2025): Southampton
    // inspected 5 June 2023, Good with Outstanding leadership; Portsmouth, its closest neighbour,
    // 15 May 2023, Good with Outstanding help and protection and care leavers Requiring
    // improvement; South East LAs: 4 Outstanding, 10 Good, 5 Requires improvement.
    let b = marts(
        &wh,
        "SELECT CAST(ilacs_inspection_date AS VARCHAR), ilacs_overall_effectiveness, ilacs_leaders, ilacs_help_and_protection, \
         ilacs_children_in_care, ilacs_care_leavers FROM dim_la WHERE is_this_la OR sn_rank_to_this_la = 1 ORDER BY sn_rank_to_this_la NULLS FIRST",
    )
    .await;
    let row = |r: usize| (0..6).map(|c| text(b[0].column(c), r)).collect::<Vec<_>>();
    assert_eq!(row(0), ["2023-06-05", "Good", "Outstanding", "Good", "Good", "Good"]);
    assert_eq!(row(1), ["2023-05-15", "Good", "Good", "Outstanding", "Good", "Requires improvement to be good"]);
    let b = marts(
        &wh,
        "SELECT count(*) FILTER (WHERE ilacs_overall_effectiveness = 'Outstanding'), count(*) FILTER (WHERE ilacs_overall_effectiveness = 'Good'), \
         count(*) FILTER (WHERE ilacs_overall_effectiveness = 'Requires improvement to be good') FROM dim_la WHERE region_name = 'South East'",
    )
    .await;
    assert_eq!((int(&b, 0), int(&b, 1), int(&b, 2)), (Some(4), Some(10), Some(5)));
    // Without targets the RAG table is published empty, with its columns.
    let b = marts(&wh, "SELECT count(*) FROM measure_rag").await;
    assert_eq!(int(&b, 0), Some(0));
}
