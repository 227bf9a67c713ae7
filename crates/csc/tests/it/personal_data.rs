//! Personal data never reaches analysts by a side door, and nothing csc writes for Excel runs in
//! it: an export with names, dates of birth and formulas typed into the wrong cells.

use std::path::Path;
use std::process::Command;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use super::{copy_demo, csc, manifest, temp, TEST_KEY};

/// Every cell of a published table (all its data files), as text.
async fn cells(folder: &Path) -> Vec<String> {
    let ctx = SessionContext::new();
    let batches = ctx.read_parquet(folder.to_str().unwrap(), ParquetReadOptions::default()).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in &batches {
        for c in b.columns() {
            let utf8 = datafusion::arrow::compute::cast(c, &DataType::Utf8).unwrap();
            out.extend(utf8.as_string::<i32>().iter().flatten().map(str::to_string));
        }
    }
    out
}

/// The demo extract with personal data and formulas where they do not belong: a name in the sex
/// code, a date of birth with a name after it, an impossible date of birth, a formula in the
/// ethnicity code, and free text that starts like a formula.
fn hostile_input(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("input");
    copy_demo(&input);
    let person = input.join("ssd_person.csv");
    let text = std::fs::read_to_string(&person).unwrap();
    let text = text
        .replace(
            "P001,Child01,Demo,F,F,WBRI,2014-03-12,",
            "P001,Child01,Zebedee,Zebedee Smith,F,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\",12/03/2014 Zebedee,",
        )
        .replace("P002,Child02,Demo,M,M,WBRI,2017-08-02,", "P002,Child02,Demo,M,M,@SUM(A1),31/02/2017,");
    assert!(text.contains("Zebedee Smith") && text.contains("31/02/2017"), "the demo's person file changed: update this test");
    std::fs::write(&person, text).unwrap();
    let contacts = input.join("ssd_contacts.csv");
    let text = std::fs::read_to_string(&contacts).unwrap().replacen(",Schools,", ",=cmd|' /C calc'!A0,", 1);
    std::fs::write(&contacts, text).unwrap();
    input
}

fn run(input: &Path, wh: &Path, key: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csc"))
        .args(["run", "--la", "852", "--as-at", "2023-03-31", "--input", input.to_str().unwrap(), "--warehouse", wh.to_str().unwrap()])
        .env("CSC_PSEUDONYM_KEY", key)
        .output()
        .unwrap()
}

/// What the hostile export planted; none of it may reach analysts.
const PERSONAL: [&str; 5] = ["Zebedee", "12/03/2014", "31/02/2017", "HYPERLINK", "@SUM"];

#[tokio::test]
async fn names_dates_of_birth_and_formulas_stay_restricted_and_never_run_in_excel() {
    let dir = temp();
    let input = hostile_input(dir.path());
    let wh = dir.path().join("wh");
    let o = run(&input, &wh, TEST_KEY);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The restricted issues hold the raw values (so the test would see them if they leaked) …
    let restricted = cells(&wh.join("restricted/quality/issues")).await;
    for needle in ["Zebedee Smith", "12/03/2014 Zebedee", "31/02/2017", "=HYPERLINK"] {
        assert!(restricted.iter().any(|c| c.contains(needle)), "{needle} in the restricted issues");
    }
    // … and no analyst table, issue message or manifest does.
    let mut analyst = cells(&wh.join("quality/issues")).await;
    analyst.extend(cells(&wh.join("core/person")).await);
    analyst.extend(cells(&wh.join("core/contact")).await);
    for needle in PERSONAL {
        let leaks: Vec<&String> = analyst.iter().filter(|c| c.contains(needle)).collect();
        assert!(leaks.is_empty(), "{needle} reached analysts: {leaks:?}");
    }
    let outputs = std::fs::read_to_string(wh.join("_runs/latest.json")).unwrap()
        + &String::from_utf8_lossy(&o.stdout)
        + &String::from_utf8_lossy(&o.stderr);
    for needle in PERSONAL {
        assert!(!outputs.contains(needle), "{needle} in the manifest or the log");
    }
    // Provenance is not published to analysts.
    let ctx = SessionContext::new();
    let person =
        ctx.read_parquet(wh.join("core/person").to_str().unwrap(), ParquetReadOptions::default()).await.unwrap().collect().await.unwrap();
    assert!(
        person.iter().all(|b| b.column_by_name("_source_file").unwrap().null_count() == b.num_rows()),
        "no source file names for analysts"
    );

    // Both issues exports neutralise formulas; the restricted one is private.
    for (restricted, name) in [(false, "issues.csv"), (true, "issues_raw.csv")] {
        let out = dir.path().join(name);
        let mut args = vec!["issues", "--warehouse", wh.to_str().unwrap(), "--out", out.to_str().unwrap()];
        if restricted {
            args.push("--restricted");
        }
        let o = csc(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let header = reader.headers().unwrap().clone();
        let row_number = header.iter().position(|h| h == "row_number").unwrap();
        for r in &records {
            for (i, cell) in r.iter().enumerate() {
                let first = cell.trim_start_matches(' ').chars().next();
                let evaluated = first.is_some_and(|c| "=+-@\t\r".contains(c));
                assert!(!evaluated || i == row_number, "{name}: a cell Excel would evaluate: {cell:?}");
            }
        }
        assert_eq!(text.contains("'=HYPERLINK"), restricted, "{name}: the formula is there, neutralised, only with raw values");
        assert_eq!(text.contains("Zebedee"), restricted, "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777 == 0o600, restricted, "{name}");
        }
    }
}

#[test]
fn the_run_key_does_not_depend_on_the_key_and_a_new_key_reruns() {
    let dir = temp();
    let input = dir.path().join("input");
    copy_demo(&input);
    let other_key = "b".repeat(64);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(run(&input, &a, TEST_KEY).status.success());
    assert!(run(&input, &b, &other_key).status.success());
    let run_key = |wh: &Path| manifest(wh)["run_key"].as_str().unwrap().to_string();
    assert_eq!(run_key(&a), run_key(&b), "nothing an analyst reads is computed from the key");
    for wh in [&a, &b] {
        let text = std::fs::read_to_string(wh.join("_runs/latest.json")).unwrap();
        assert!(!text.contains("key_check"), "the key check stays restricted");
        assert!(wh.join("restricted/_runs/key_check.json").is_file());
    }
    // Same inputs and key: skipped. Same inputs, another key: the tables are pseudonymised again.
    assert_eq!(run(&input, &a, TEST_KEY).status.code(), Some(3));
    let o = run(&input, &a, &other_key);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(manifest(&a)["status"], "succeeded");
    // Data files are named by a hash of their bytes: `a` now holds `b`'s pseudonymised person
    // table (beside the superseded one, kept for the grace period).
    let b_file = data_file_of(&b).file_name().unwrap().to_string_lossy().into_owned();
    assert!(super::files_on_disk(&a.join("core/person")).contains(&b_file), "the same key gives the same pseudonyms");
    // A key that is not hex or base64 of 32 bytes is refused.
    let o = run(&input, &dir.path().join("c"), "integration-test key, not a secret");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hex or base64"), "{}", String::from_utf8_lossy(&o.stderr));
}

fn data_file_of(wh: &Path) -> std::path::PathBuf {
    super::data_file(&wh.join("core/person"))
}

/// Every file csc writes that holds children's details — the Annex A workbook (`csc annex-a` and
/// the demo's), the action lists (`csc action-lists` and the demo's), the issues with raw values (`csc issues --restricted`, CSV or
/// xlsx) and `csc check --issues` — is readable by its owner only (0600), also when it replaces
/// a file that was readable by others.
#[cfg(unix)]
#[test]
fn every_file_csc_writes_with_personal_data_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    super::demo(dir.path());
    let wh = dir.path().join("warehouse");
    let out = |name: &str| dir.path().join(name);
    let text = |p: &Path| p.to_str().unwrap().to_string();
    let annex = out("annex_a.xlsx");
    std::fs::write(&annex, b"an older copy").unwrap();
    std::fs::set_permissions(&annex, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lists = out("lists");
    std::fs::create_dir(&lists).unwrap();
    let (w, input) = (text(&wh), text(&dir.path().join("input/ssd")));
    let commands: [Vec<String>; 5] = [
        vec!["annex-a".into(), "--as-at".into(), "2023-03-31".into(), "--warehouse".into(), w.clone(), "--out".into(), text(&annex)],
        vec!["action-lists".into(), "--warehouse".into(), w.clone(), "--out".into(), text(&lists)],
        vec!["issues".into(), "--restricted".into(), "--warehouse".into(), w.clone(), "--out".into(), text(&out("raw.csv"))],
        vec!["issues".into(), "--restricted".into(), "--warehouse".into(), w, "--out".into(), text(&out("raw.xlsx"))],
        vec!["check".into(), "--input".into(), input, "--issues".into(), text(&out("check.csv"))],
    ];
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = csc(&args);
        assert!(o.status.code().is_some_and(|c| c <= 2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let mut private = vec![annex, out("raw.csv"), out("raw.xlsx"), out("check.csv")];
    private.extend(std::fs::read_dir(&lists).unwrap().map(|e| e.unwrap().path()));
    private.extend(std::fs::read_dir(dir.path().join("action_lists")).unwrap().map(|e| e.unwrap().path()));
    private.extend(
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("annex_a_")),
    );
    let written = |folder: &str| private.iter().filter(|p| p.parent().unwrap().ends_with(folder)).count();
    assert!(written("lists") >= 1 && written("action_lists") >= 1, "action lists from csc and from the demo: {private:?}");
    assert_eq!(private.len(), 5 + written("lists") + written("action_lists"), "and the demo's Annex A workbook: {private:?}");
    for p in &private {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", p.display());
    }
}
