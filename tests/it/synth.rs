//! `csc synth`: the synthetic local authority is deterministic, calibrated to DfE's published
//! figures, readable by the pipeline, and its injected faults are all caught.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use super::{csc, measure, query, temp, text};

fn synth(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["synth", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = csc(&args);
    assert!(o.status.success(), "csc synth failed: {}\n{}", String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&o.stdout));
    o
}

/// Every file below `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let dir = temp();
    let year = ["--from", "2023-04-01", "--to", "2024-03-31", "--messiness", "low"];
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    synth(&a, &[&year[..], &["--seed", "7"]].concat());
    synth(&b, &[&year[..], &["--seed", "7"]].concat());
    synth(&c, &[&year[..], &["--seed", "8"]].concat());
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    assert!(fa.len() >= 11, "{:?}", fa.iter().map(|f| &f.0).collect::<Vec<_>>());
    for name in ["ssd/ssd_person.csv", "ssd/ssd_contacts.csv", "ssd/ssd_cin_episodes.csv", "ssd/ssd_cp_plans.csv", "ssd/ssd_cla_episodes.csv", "calibration_report.csv"] {
        assert!(fa.iter().any(|(n, _)| n == name), "{name} not written");
    }
    assert!(fa == fb, "same seed, different bytes");
    assert!(fa != fc, "a different seed should give different children");
}

#[tokio::test]
async fn southampton_calibrates_and_the_pipeline_reproduces_its_referrals() {
    let dir = temp();
    let out = dir.path().join("synth");
    let started = Instant::now();
    let o = synth(&out, &["--la", "852", "--from", "2019-04-01", "--to", "2025-03-31", "--report"]);
    let elapsed = started.elapsed();
    // Measured at about 1.5 s in the debug build; the issue asks for well under 20 s.
    assert!(elapsed.as_secs() < 20, "generation took {elapsed:?}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("0 outside"), "{stdout}");
    // The CSV report: every measure for each of the six years, all within tolerance.
    let report = std::fs::read_to_string(out.join("calibration_report.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(report.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let years: BTreeSet<&str> = rows.iter().map(|r| r.get(2).unwrap()).collect();
    assert_eq!(years.into_iter().collect::<Vec<_>>(), ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]);
    for measure in ["referrals", "re-referrals within 12 months %", "S47 enquiries", "ICPCs", "ICPCs within 15 working days of S47 start %", "CIN episodes open at 31 March", "CP plans at 31 March", "CP plans that are a second or subsequent plan %", "children looked after at 31 March", "contacts"] {
        assert_eq!(rows.iter().filter(|r| r.get(1) == Some(measure)).count(), 6, "{measure}");
    }
    assert!(rows.iter().all(|r| r.get(9) == Some("true")), "{report}");
    // CLA is published from 2021: the 2019-20 target is carried back and the report says so.
    assert!(rows.iter().any(|r| r.get(1) == Some("children looked after at 31 March") && r.get(2) == Some("2019-20") && r.get(5) == Some("extrapolated")));

    // The pipeline reads the extract and its published referrals match DfE's for 2023-24.
    let wh = dir.path().join("warehouse");
    let input = out.join("ssd");
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2025-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (referrals, _, _) = measure(&wh, "referrals", "financial_year", "2023-04-01").await;
    assert!((referrals as f64 - 3094.0).abs() <= 0.05 * 3094.0, "referrals 2023-24: {referrals}");
    // A clean extract has no error-severity issue.
    let b = query("SELECT count(*) FROM issues WHERE severity = 'error'", &wh).await;
    assert_eq!(text(b[0].column(0), 0), "0");

    // The pipeline's own measures recover every calibration target, each year, within the
    // generator's tolerance (counts +-5 %, percentages +-2 points): the measure SQL and the
    // generator agree on the DfE definitions.
    let fact = query("SELECT measure_id, CAST(period_start AS VARCHAR), numerator, value FROM fact WHERE period_type = 'financial_year'", &wh).await;
    let mut published = std::collections::BTreeMap::new();
    for b in &fact {
        for i in 0..b.num_rows() {
            published.insert((text(b.column(0), i), text(b.column(1), i)), text(b.column(3), i).parse::<f64>().unwrap_or(f64::NAN));
        }
    }
    let pairs = [
        ("referrals", "referrals"),
        ("re-referrals within 12 months %", "rereferral_12m_pct"),
        ("S47 enquiries", "s47_enquiries"),
        ("ICPCs", "icpcs"),
        ("ICPCs within 15 working days of S47 start %", "icpc_within_15wd_pct"),
        ("CIN episodes open at 31 March", "cin_at_date"),
        ("CP plans at 31 March", "cpp_at_date"),
        ("CP plans at 31 March: 3 months or less %", "cpp_duration_3m_or_less_pct"),
        ("CP plans at 31 March: 2 years or more %", "cpp_duration_2y_plus_pct"),
        ("CP plans that are a second or subsequent plan %", "cpp_second_or_subsequent_pct"),
        ("children looked after at 31 March", "cla_at_date"),
        ("children starting to be looked after", "cla_started"),
    ];
    let mut checked = 0;
    for r in &rows {
        let Some((_, id)) = pairs.iter().find(|(m, _)| Some(*m) == r.get(1)) else { continue };
        let year = r.get(2).unwrap();
        let start = format!("{}-04-01", &year[..4]);
        let target: f64 = r.get(4).unwrap().parse().unwrap();
        let got = published.get(&(id.to_string(), start.clone())).copied().unwrap_or_else(|| panic!("no {id} for {start}"));
        let ok = if r.get(3) == Some("percent") { (got - target).abs() <= 2.0 } else { (got - target).abs() <= 0.05 * target.max(1.0) };
        assert!(ok, "{id} {year}: pipeline {got}, DfE target {target}");
        checked += 1;
    }
    assert_eq!(checked, pairs.len() * 6);
}

#[tokio::test]
async fn every_injected_fault_is_in_the_quality_table() {
    let dir = temp();
    let out = dir.path().join("synth");
    synth(&out, &["--from", "2023-04-01", "--to", "2024-03-31", "--messiness", "high", "--seed", "3"]);
    let manifest = std::fs::read_to_string(out.join("ssd/_faults.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(manifest.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["file", "row", "column", "kind", "expected_issue"]);
    let faults: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(faults.len() > 100, "high messiness injects many faults: {}", faults.len());
    let kinds: BTreeSet<&str> = faults.iter().map(|f| f.get(3).unwrap()).collect();
    for k in ["padded_id", "uk_date", "impossible_date", "placeholder_date", "unknown_code", "duplicate_row", "blank_person_id"] {
        assert!(kinds.contains(k), "no {k} fault in {kinds:?}");
    }

    let wh = dir.path().join("warehouse");
    let input = out.join("ssd");
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2024-03-31"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let batches = query("SELECT file, row_number, column_name, issue_code FROM issues WHERE row_number IS NOT NULL", &wh).await;
    let mut issues: BTreeSet<(String, i64, String, String)> = BTreeSet::new();
    for b in &batches {
        for i in 0..b.num_rows() {
            let row: i64 = text(b.column(1), i).parse().unwrap();
            issues.insert((text(b.column(0), i), row, text(b.column(2), i), text(b.column(3), i)));
        }
    }
    let mut checked = 0;
    for f in &faults {
        let expected = f.get(4).unwrap();
        if expected.is_empty() {
            continue; // read correctly without comment (valid dd/mm/yyyy, byte-order mark)
        }
        let key = (f.get(0).unwrap().to_string(), f.get(1).unwrap().parse::<i64>().unwrap(), f.get(2).unwrap().to_string(), expected.to_string());
        assert!(issues.contains(&key), "fault {f:?} is not in the quality table");
        checked += 1;
    }
    assert!(checked > 100, "{checked}");

    // No messiness, no faults and no manifest.
    let clean = dir.path().join("clean");
    synth(&clean, &["--from", "2023-04-01", "--to", "2024-03-31"]);
    assert!(!clean.join("ssd/_faults.csv").exists());
}

#[test]
fn formats_and_scopes_not_built_yet_are_refused_clearly() {
    let dir = temp();
    let out = dir.path().to_str().unwrap();
    for args in [vec!["synth", "--out", out, "--formats", "ssd,cin"], vec!["synth", "--out", out, "--la", "all"], vec!["synth", "--out", out, "--formats", "annex-a"]] {
        let o = csc(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("not implemented yet"), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let o = csc(&["synth", "--out", out, "--la", "999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("999"));
}
