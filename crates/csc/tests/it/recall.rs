//! Recall and precision of the data-quality rules (issue 16 §6), measured on synthetic LAs with
//! faults put in by `csc synth --messiness high`, each listed in the fault manifest with the issue
//! the pipeline should raise. A test per input format checks that
//! - every injected fault with an expected issue is reported with that code where it was put: its
//!   file, row (as Excel numbers it) and column, or for a fault in a whole table, its table and
//!   column (recall 100 %), and
//! - every error or warning the run raised is at an injected fault (precision 100 %),
//!
//! and prints, per fault kind, how many were injected and reported where they are, and the false
//! alarms (the figures in BENCHMARKS.md, "Data-quality recall and precision").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{csc, temp};

/// One fault of a manifest.
#[derive(Debug)]
struct Fault {
    file: String,
    /// None for a fault in a whole table.
    row: Option<String>,
    column: String,
    kind: String,
    expected: String,
}

/// One issue a run or check raised.
#[derive(Debug)]
struct Reported {
    severity: String,
    table: String,
    file: String,
    row: String,
    column: String,
    code: String,
}

fn records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes()).deserialize().map(Result::unwrap).collect()
}

/// A CSV extract's fault manifest, SSD or SSDA903 (`file,row,column,kind,expected_issue`).
fn manifest_faults(path: &Path) -> Vec<Fault> {
    records(path)
        .into_iter()
        .map(|r| Fault {
            file: r["file"].clone(),
            row: Some(r["row"].clone()).filter(|s| !s.is_empty()),
            column: r["column"].clone(),
            kind: r["kind"].clone(),
            expected: r["expected_issue"].clone(),
        })
        .collect()
}

/// The issues of a `csc issues --out` or `csc check --issues` CSV.
fn reported(path: &Path) -> Vec<Reported> {
    records(path)
        .into_iter()
        .map(|r| Reported {
            severity: r["severity"].clone(),
            table: r.get("table_name").cloned().unwrap_or_default(),
            file: r["file"].clone(),
            row: r["row_number"].clone(),
            column: r["column_name"].clone(),
            code: r["issue_code"].clone(),
        })
        .collect()
}

/// Where a fault or issue is: `(file, row, column)` for a cell, `(table, "", column)` for a
/// whole table.
type At = (String, String, String);

/// How a run's errors and warnings that are at no injected fault are judged.
struct Allowed<'a> {
    /// `(code, table)` warnings every run over the input format raises that concern no record
    /// (a table the format never carries).
    tables: &'a [(&'a str, &'a str)],
    /// Whether an issue is at a record the simulated casework leaves wrong on purpose (the
    /// recording gaps the seeds describe), checked against the record as written.
    casework: &'a dyn Fn(&Reported) -> bool,
}

/// Compares the faults with the issues, prints the table of figures and asserts recall and
/// precision of 100 %. `table_of` names the core table a file's rows go to (for faults in a whole
/// table).
fn score(format: &str, faults: &[Fault], issues: &[Reported], table_of: impl Fn(&str) -> String, allowed: Allowed) {
    let issue_at = |i: &Reported| -> At {
        if i.row.is_empty() && i.file.is_empty() {
            (i.table.clone(), String::new(), i.column.clone())
        } else {
            (i.file.clone(), i.row.clone(), i.column.clone())
        }
    };
    let fault_at = |f: &Fault| -> At {
        match &f.row {
            Some(row) => (f.file.clone(), row.clone(), f.column.clone()),
            None => (table_of(&f.file), String::new(), f.column.clone()),
        }
    };
    let mut found: BTreeMap<At, BTreeSet<&str>> = BTreeMap::new();
    for i in issues {
        found.entry(issue_at(i)).or_default().insert(i.code.as_str());
    }
    // Per kind: (expected issue, injected, reported where it is).
    let mut kinds: BTreeMap<&str, (&str, usize, usize)> = BTreeMap::new();
    let mut missed = Vec::new();
    for f in faults {
        let k = kinds.entry(f.kind.as_str()).or_insert((f.expected.as_str(), 0, 0));
        k.1 += 1;
        if f.expected.is_empty() || found.get(&fault_at(f)).is_some_and(|codes| codes.contains(f.expected.as_str())) {
            k.2 += 1;
        } else {
            missed.push(f);
        }
    }
    let faulted: BTreeSet<At> = faults.iter().map(fault_at).collect();
    let unexplained: Vec<&Reported> = issues
        .iter()
        .filter(|i| i.severity == "error" || i.severity == "warning")
        .filter(|i| !faulted.contains(&issue_at(i)))
        .filter(|i| !allowed.tables.iter().any(|(code, table)| i.code == *code && i.table == *table))
        .collect();
    let (casework, false_alarms): (Vec<&Reported>, Vec<&Reported>) = unexplained.into_iter().partition(|i| (allowed.casework)(i));
    let mut findings: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &casework {
        *findings.entry(i.code.as_str()).or_default() += 1;
    }
    let mut alarms: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &false_alarms {
        *alarms.entry(i.code.as_str()).or_default() += 1;
    }
    println!("\n{format}: fault kind | expected issue | injected | reported at the right place");
    for (kind, (expected, injected, hit)) in &kinds {
        if expected.is_empty() {
            println!("{format} | {kind} | none (read as meant, no issue expected) | {injected} | n/a");
        } else {
            println!("{format} | {kind} | {expected} | {injected} | {hit}");
        }
    }
    let expected_faults = faults.iter().filter(|f| !f.expected.is_empty()).count();
    let checked_issues = issues.iter().filter(|i| i.severity == "error" || i.severity == "warning").count();
    println!(
        "{format}: recall {}/{expected_faults}, false alarms {} of {checked_issues} errors and warnings {alarms:?}, \
         records the simulated casework leaves wrong {findings:?}",
        expected_faults - missed.len(),
        false_alarms.len()
    );
    assert!(missed.is_empty(), "{format}: faults not reported where they are: {missed:#?}");
    assert!(false_alarms.is_empty(), "{format}: issues at no injected fault: {false_alarms:#?}");
    assert!(expected_faults > 0, "{format}: no fault with an expected issue was injected");
}

/// The core table an SSD file's rows go to.
fn ssd_table(file: &str) -> String {
    let source = file.trim_end_matches(".csv");
    csc_pipeline::schema::ssd_tables().iter().find(|t| t.source == source).map(|t| t.name.clone()).unwrap_or_default()
}

/// An SSD extract of a small LA (Rutland, one year) with high messiness, run as the night
/// before's clean extract and then tonight's, which has cell, row, plausibility and linkage faults
/// and whole tables stale, cut short or with a key column blank.
#[test]
fn ssd_faults_are_all_reported_where_they_are_and_nothing_clean_is_flagged() {
    let dir = temp();
    let out = dir.path().join("synth");
    let o = csc(&["synth", "--la", "857", "--from", "2023-04-01", "--to", "2024-03-31", "--messiness", "high", "--seed", "3", "--out"]
        .into_iter()
        .chain([out.to_str().unwrap()])
        .collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let faults = manifest_faults(&out.join("ssd/_faults.csv"));
    let kinds: BTreeSet<&str> = faults.iter().map(|f| f.kind.as_str()).collect();
    for k in [
        "padded_id",
        "uk_date",
        "impossible_date",
        "placeholder_date",
        "unknown_code",
        "duplicate_row",
        "blank_person_id",
        "year_before_1900",
        "event_before_birth",
        "end_before_start",
        "unknown_person",
        "stale_table",
        "blank_column",
        "blank_share",
        "dropped_rows",
    ] {
        assert!(kinds.contains(k), "no {k} fault in {kinds:?}");
    }

    let wh = dir.path().join("warehouse");
    let run = |input: &str, extra: &[&str]| {
        let input = out.join(input);
        let mut args = vec!["run", "--la", "857", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap()];
        args.extend_from_slice(&["--as-at", "2024-03-31"]);
        args.extend_from_slice(extra);
        csc(&args)
    };
    let o = run("ssd_previous", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Tonight's extract lost half the CIN visits: the publish stops until the drop is accepted.
    let o = run("ssd", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cin_visit has"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run("ssd", &["--accept-drop"]);
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 2), "{}", String::from_utf8_lossy(&o.stderr));
    let issues = dir.path().join("issues.csv");
    let o = csc(&["issues", "--warehouse", wh.to_str().unwrap(), "--out", issues.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Half the synthetic care plans record no permanence plan (the seeds' "not recorded for 50%"):
    // flagged, they must be plans whose every permanence key is blank.
    let plans = records(&out.join("ssd/ssd_cla_care_plan.csv"));
    let no_permanence_plan = |i: &Reported| {
        if i.code != "permanence_plan_missing" || i.file != "ssd_cla_care_plan.csv" {
            return false;
        }
        let Some(plan) = i.row.parse::<usize>().ok().and_then(|r| plans.get(r.wrapping_sub(2))) else { return false };
        let keys: BTreeMap<String, String> = serde_json::from_str(&plan["lacp_cla_care_plan_json"]).unwrap();
        keys.values().all(String::is_empty)
    };
    let allowed = Allowed {
        // The deprivation of liberty table comes only from SSDA903 DoLo files, which no SSD extract has.
        tables: &[("missing_table", "deprivation_of_liberty")],
        casework: &no_permanence_plan,
    };
    score("SSD", &faults, &reported(&issues), ssd_table, allowed);

    // No messiness, no faults, no manifest and no night-before extract.
    let clean = dir.path().join("clean");
    let o = csc(&["synth", "--la", "857", "--from", "2023-04-01", "--to", "2024-03-31", "--out", clean.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!clean.join("ssd/_faults.csv").exists() && !clean.join("ssd_previous").exists());
}

/// An Ofsted Annex A workbook of Southampton with high messiness (`csc synth --formats annex-a`),
/// read by `csc check`: every cell fault the workbook carries is reported at its sheet, row and
/// column letter, and nothing else is. The workbook's own fault kinds are described in
/// `crates/csc-synth/src/write_annex_a.rs`.
#[test]
fn annex_a_faults_are_all_reported_where_they_are_and_nothing_clean_is_flagged() {
    let dir = temp();
    let o = csc(&["synth", "--la", "852", "--formats", "annex-a", "--messiness", "high", "--out", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let folder = dir.path().join("annex_a");
    let faults: Vec<Fault> = records(&folder.join("_faults.csv"))
        .into_iter()
        .map(|r| Fault {
            file: r["sheet"].clone(),
            row: Some(r["row"].clone()),
            column: r["column_letter"].clone(),
            kind: r["kind"].clone(),
            expected: r["expected_issue"].clone(),
        })
        .collect();
    let book = folder.join("annex_a_2025-03-31.xlsx");
    let csv = dir.path().join("issues.csv");
    let o = csc(&["check", "--input", book.to_str().unwrap(), "--issues", csv.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c <= 2), "{}", String::from_utf8_lossy(&o.stderr));
    // Located by sheet, row and column letter, as the manifest locates a fault.
    let issues: Vec<Reported> = records(&csv)
        .into_iter()
        .map(|r| Reported {
            severity: r["severity"].clone(),
            table: r["table_name"].clone(),
            file: r["sheet"].clone(),
            row: r["row_number"].clone(),
            column: r["column_letter"].clone(),
            code: r["issue_code"].clone(),
        })
        .collect();
    // Annex A has no list these core tables are read from.
    let not_in_annex_a: Vec<(&str, &str)> =
        ["mother", "assessment_factor", "cin_plan", "pre_proceedings", "missing", "deprivation_of_liberty"]
            .map(|t| ("missing_table", t))
            .to_vec();
    let allowed = Allowed { tables: &not_in_annex_a, casework: &|_| false };
    score("Annex A", &faults, &issues, |_| String::new(), allowed);
}

/// SSDA903 returns of Southampton for two collection years with high messiness (`csc synth
/// --formats ssda903`), run through the pipeline: every cell fault (an impossible date, a code
/// outside its list, a required cell left blank; see `crates/csc-synth/src/write_903.rs`), in
/// either year's return, is reported at its file, row and column header, and no error or warning
/// is at a record without one.
#[test]
fn ssda903_faults_are_all_reported_where_they_are_and_nothing_clean_is_flagged() {
    ssda903_recall("SSDA903", "ssda903", "ssda903");
}

/// The same in the XML form (`csc synth --formats ssda903-xml`, the same fault kinds through the
/// same injector): every fault is reported at its file, the line its record starts on and the
/// element's path (`HEADER/AREVIEW/REVIEW`), and nothing else is.
#[test]
fn ssda903_xml_faults_are_all_reported_where_they_are_and_nothing_clean_is_flagged() {
    ssda903_recall("SSDA903 XML", "ssda903-xml", "ssda903_xml");
}

/// Synthesises the SSDA903 returns in `format` into `folder`, runs them and scores the issues.
fn ssda903_recall(name: &str, format: &str, folder: &str) {
    let dir = temp();
    let out = dir.path().join("synth");
    let synth = ["synth", "--la", "852", "--from", "2022-04-01", "--to", "2024-03-31", "--formats", format, "--seed", "3"];
    let o = csc(&synth.into_iter().chain(["--messiness", "high", "--out", out.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let faults = manifest_faults(&out.join(folder).join("_faults.csv"));
    let kinds: BTreeSet<&str> = faults.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["blank_required", "impossible_date", "unknown_code"]));
    // Header rows of the earlier return, which the later one supersedes, are faulted too.
    assert!(faults.iter().any(|f| f.column.ends_with("ETHNIC") && f.file.contains("2023")), "no header fault in the 2023 return");

    let wh = dir.path().join("warehouse");
    let input = out.join(folder);
    let o = csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2024-03-31"]);
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 2), "{}", String::from_utf8_lossy(&o.stderr));
    let issues = dir.path().join("issues.csv");
    let o = csc(&["issues", "--warehouse", wh.to_str().unwrap(), "--out", issues.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Tables an SSDA903 return does not carry are reported missing, and the action lists drawn
    // from them without a source: warnings about no record.
    let not_in_903 = [
        "contact",
        "referral",
        "assessment",
        "assessment_factor",
        "s47_enquiry",
        "icpc",
        "cp_plan",
        "cin_plan",
        "pre_proceedings",
        "cp_visit",
        "cp_review",
        "cin_visit",
        "cla_visit",
        "cla_care_plan",
        "involvement",
        "professional",
        "disability",
        "early_help_episode",
        "mother",
        "deprivation_of_liberty",
    ];
    let tables: Vec<(&str, &str)> = not_in_903.iter().flat_map(|t| [("missing_table", *t), ("action_list_source_missing", *t)]).collect();
    let allowed = Allowed { tables: &tables, casework: &|_| false };
    score(name, &faults, &reported(&issues), |_| String::new(), allowed);

    // No messiness, no faults and no manifest.
    let clean = dir.path().join("clean");
    let o = csc(&synth.into_iter().chain(["--out", clean.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!clean.join(folder).join("_faults.csv").exists());
}

/// CIN census XML of Southampton for two collection years with high messiness (`csc synth
/// --formats cin`), run through the pipeline: every element fault in the latest year's file (a
/// code outside its list, an impossible date, a required element left out or empty; see
/// `crates/csc-synth/src/write_cin.rs`) is reported at its file, line and element path, and no error or
/// warning is at a record without one. The same returns without faults raise no error or warning
/// about a record.
#[test]
fn cin_xml_faults_are_all_reported_where_they_are_and_nothing_clean_is_flagged() {
    let dir = temp();
    let out = dir.path().join("synth");
    let synth = ["synth", "--la", "852", "--from", "2022-04-01", "--to", "2024-03-31", "--formats", "cin", "--seed", "3"];
    let o = csc(&synth.into_iter().chain(["--messiness", "high", "--out", out.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let faults = manifest_faults(&out.join("cin/_faults.csv"));
    let kinds: BTreeSet<(&str, &str)> = faults.iter().map(|f| (f.kind.as_str(), f.column.rsplit('/').next().unwrap_or_default())).collect();
    for k in [
        ("blank_required", "ReferralSource"),
        ("empty_required", "ReferralSource"),
        ("empty_required", "LatestCategoryOfAbuse"),
        ("impossible_date", "CINPlanEndDate"),
        ("impossible_date", "CPPendDate"),
        ("unknown_code", "ReferralSource"),
        ("unknown_code", "LatestCategoryOfAbuse"),
    ] {
        assert!(kinds.contains(&k), "no {k:?} fault in {kinds:?}");
    }

    let run = |input: &Path, wh: &Path, issues: &Path| {
        let o =
            csc(&["run", "--la", "852", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap(), "--as-at", "2024-03-31"]);
        assert!(o.status.code().is_some_and(|c| c == 0 || c == 2), "{}", String::from_utf8_lossy(&o.stderr));
        let o = csc(&["issues", "--warehouse", wh.to_str().unwrap(), "--out", issues.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let issues = dir.path().join("issues.csv");
    run(&out.join("cin"), &dir.path().join("warehouse"), &issues);
    // Tables the census does not carry are reported missing, and the action lists drawn from
    // them without a source. It records no teams either, so the team columns are not measured.
    let not_in_cin = [
        "contact",
        "assessment_factor",
        "pre_proceedings",
        "cp_visit",
        "cin_visit",
        "cla_episode",
        "cla_placement",
        "legal_status",
        "immigration_status",
        "missing",
        "cla_visit",
        "cla_review",
        "cla_health",
        "cla_care_plan",
        "care_leaver",
        "permanence",
        "involvement",
        "professional",
        "early_help_episode",
        "mother",
        "deprivation_of_liberty",
    ];
    let tables: Vec<(&str, &str)> = not_in_cin.iter().flat_map(|t| [("missing_table", *t), ("action_list_source_missing", *t)]).collect();
    let allowed = Allowed { tables: &tables, casework: &|_| false };
    score("CIN census", &faults, &reported(&issues), |_| String::new(), allowed);

    // No messiness, no faults and no manifest; run, the returns raise no error or warning about a
    // record.
    let clean = dir.path().join("clean");
    let o = csc(&synth.into_iter().chain(["--out", clean.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!clean.join("cin/_faults.csv").exists());
    let clean_issues = dir.path().join("clean_issues.csv");
    run(&clean.join("cin"), &dir.path().join("clean_warehouse"), &clean_issues);
    let flagged: Vec<Reported> = reported(&clean_issues)
        .into_iter()
        .filter(|i| i.severity == "error" || i.severity == "warning")
        .filter(|i| !tables.iter().any(|(code, table)| i.code == *code && i.table == *table))
        .collect();
    let records = records_read(&dir.path().join("clean_warehouse"));
    println!("CIN census: clean returns, {} errors and warnings about a record of {records} records read", flagged.len());
    assert!(records > 0);
    assert!(flagged.is_empty(), "the clean returns raised: {flagged:#?}");
}

/// Rows the latest run over warehouse `wh` loaded into the core tables (its manifest's tables).
fn records_read(wh: &Path) -> usize {
    let text = std::fs::read_to_string(wh.join("_runs/latest.json")).unwrap_or_else(|e| panic!("{}: {e}", wh.display()));
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["tables"].as_array().unwrap().iter().filter_map(|t| t["rows_out"].as_u64()).sum::<u64>() as usize
}
