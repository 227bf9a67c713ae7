//! Hostile and damaged inputs (issue 17): each class is built here in a temporary folder beside
//! the demo extract (never committed as a large binary) and run through the `csc` binary under
//! `/usr/bin/time -v`. Each run must end cleanly (exit 0, 1 or 2, never a crash or a hang),
//! raise the issue that names the damage, leave no run lock, and peak under 1 GB.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use super::{copy_demo, manifest, temp, TEST_KEY};

/// Peak memory any hostile run may reach.
const MAX_PEAK_KB: u64 = 1 << 20;

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_kb: u64,
}

/// Runs `csc` with `args` under `/usr/bin/time -v`, with extra environment `env`.
fn csc_timed(args: &[&str], env: &[(&str, &str)]) -> Ran {
    timed(&[], args, env)
}

/// As [`csc_timed`], with `csc` started through the command `wrapper` (which ends by running
/// the program and arguments it is given).
fn timed(wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").args(wrapper).arg(env!("CARGO_BIN_EXE_csc")).args(args).env("CSC_PSEUDONYM_KEY", TEST_KEY);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("/usr/bin/time runs (apt-get install time)");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let peak_kb = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .expect("time -v reports the peak");
    Ran { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into_owned(), stderr, peak_kb }
}

/// `csc run` of `input` into `wh` (with `pipeline` when given), checked for a clean end.
fn run(input: &Path, wh: &Path, pipeline: Option<&Path>, env: &[(&str, &str)]) -> Ran {
    run_through(&[], input, wh, pipeline, env)
}

/// As [`run`], with `csc` started through `wrapper` (see [`timed`]).
fn run_through(wrapper: &[&str], input: &Path, wh: &Path, pipeline: Option<&Path>, env: &[(&str, &str)]) -> Ran {
    let mut args = vec![
        "run",
        "--force",
        "--la",
        "852",
        "--input",
        input.to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap(),
        "--as-at",
        "2023-03-31",
    ];
    if let Some(p) = pipeline {
        args.extend(["--pipeline", p.to_str().unwrap()]);
    }
    let ran = timed(wrapper, &args, env);
    assert!(matches!(ran.code, Some(0..=2)), "a clean exit, not a crash: {:?}\n{}", ran.code, ran.stderr);
    assert!(ran.peak_kb < MAX_PEAK_KB, "peak memory {} KB", ran.peak_kb);
    eprintln!("{}: exit {:?}, peak {} KB", input.display(), ran.code, ran.peak_kb);
    assert!(!wh.join("_lock.json").exists(), "the run lock was released");
    ran
}

/// Issue counts by code from the last run's manifest.
fn by_code(wh: &Path) -> BTreeMap<String, u64> {
    let m = manifest(wh);
    m["issues"]["by_code"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

fn assert_raised(codes: &BTreeMap<String, u64>, expected: &[(&str, u64)]) {
    for (code, n) in expected {
        assert_eq!(codes.get(*code).copied().unwrap_or(0), *n, "{code} in {codes:?}");
    }
}

/// The demo's person header (12 columns; the last is nationality).
const PERSON_HEADER: &str = "pers_person_id,pers_forename,pers_surname,pers_sex,pers_gender,pers_ethnicity,pers_dob,pers_expected_dob,pers_death_date,pers_upn_unknown,pers_is_mother,pers_nationality";

/// The demo's contacts header.
const CONTACT_HEADER: &str =
    "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_source_desc,cont_contact_outcome_json";

fn person_row(id: &str) -> String {
    format!("{id},Test,Child,F,F,WBRI,2015-03-04,,,,N,British")
}

#[test]
fn damaged_and_hostile_csvs_are_reported_at_their_cell_and_the_run_publishes() {
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    let put = |name: &str, bytes: &[u8]| std::fs::write(input.join(name), bytes).unwrap();
    put("empty.csv", b"");
    put("bom_only.csv", b"\xEF\xBB\xBF");
    put("header_only.csv", format!("{PERSON_HEADER}\n").as_bytes());
    put("duplicate_header.csv", format!("{PERSON_HEADER},pers_sex\n{},M\n", person_row("H1")).as_bytes());
    let utf16: Vec<u8> = format!("{PERSON_HEADER}\r\n{}\r\n", person_row("U1")).encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    put("utf16_no_bom.csv", &utf16);
    let mut bad_byte = format!("{PERSON_HEADER}\n").into_bytes();
    bad_byte
        .extend_from_slice(b"B1,Caf\xE9,Child,F,F,WBRI,2015-03-04,,,,N,British\nB2,Na\xC3\xAFve,Child,M,M,WBRI,2016-03-04,,,,N,British\n");
    put("one_bad_byte.csv", &bad_byte);
    put("nul.csv", format!("{PERSON_HEADER}\n{}\n{}\n", person_row("N\u{0}1"), person_row("N2")).as_bytes());
    put(
        "stray_quote.csv",
        format!(
            "{PERSON_HEADER}\n{}\n\"S2,Test,Child,F,F,WBRI,2015-03-04,,,,N,British\n{}\n{}\n",
            person_row("S1"),
            person_row("S3"),
            person_row("S4")
        )
        .as_bytes(),
    );
    put("scientific.csv", format!("{PERSON_HEADER}\n{}\n", person_row("1.23457E+11")).as_bytes());
    put("zeros.csv", format!("{PERSON_HEADER}\n{}\n{}\n", person_row("0042"), person_row("42")).as_bytes());
    // Ids other than keys: a contact for person `042` (the person file says `0042`) and one whose
    // person id Excel turned into scientific notation.
    let contact = |id: &str, person: &str| format!("{id},{person},2022-05-01,2A,Schools,Referral to CSC\n");
    put("zeros_contacts.csv", format!("{CONTACT_HEADER}\n{}{}", contact("ZC1", "042"), contact("ZC2", "1.23457E+11")).as_bytes());
    // A runaway cell far over the field limit, and a thousand bad dates over the issue cap.
    put("long_cell.csv", format!("{PERSON_HEADER}\nL1,Test,Child,F,F,WBRI,2015-03-04,,,,N,{}\n", "x".repeat(300_000)).as_bytes());
    let bad_dates: String = (0..1000).map(|i| format!("D{i},Test,Child,F,F,WBRI,31/02/2015,,,,N,British\n")).collect();
    put("bad_dates.csv", format!("{PERSON_HEADER}\n{bad_dates}").as_bytes());
    let pipeline = dir.path().join("p.toml");
    std::fs::write(&pipeline, "[limits]\nmax_field_bytes = 100000\nmax_issues_per_code = 100\n").unwrap();
    let wh = dir.path().join("wh");
    let ran = run(&input, &wh, Some(&pipeline), &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let codes = by_code(&wh);
    assert_raised(
        &codes,
        &[
            ("empty_file", 2),
            ("no_rows", 1),
            ("duplicate_column", 1),
            ("invalid_encoding", 1),
            ("nul_in_id", 1),
            ("stray_quote", 1),
            ("id_scientific_notation", 2),
            ("id_leading_zeros", 2),
            ("field_too_long", 1),
        ],
    );
    assert!(codes["issues_capped"] >= 1, "{codes:?}");
    assert_eq!(codes["invalid_date"], 101, "100 from bad_dates.csv, capped at [limits] max_issues_per_code, and the demo's own one");
    let m = manifest(&wh);
    let utf16_entry = m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == "utf16_no_bom.csv").unwrap();
    assert_eq!(utf16_entry["table"], "ssd:person", "UTF-16 without a byte-order mark is recognised");
    assert_eq!(utf16_entry["rows"], 1);
}

/// A zip holding `parts`, as a workbook's container.
pub(crate) fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The parts of a zip, to rewrite one.
pub(crate) fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

#[test]
fn damaged_and_hostile_workbooks_are_errors_not_crashes() {
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    let template = std::fs::read(Path::new(crate::REPO).join("tests/fixtures/third_party/annex_a_older_template.xlsx")).unwrap();
    std::fs::write(input.join("truncated.xlsx"), &template[..template.len() / 2]).unwrap();
    let book = || ("xl/workbook.xml", b"<workbook><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_vec());
    let sheet = |cells: &str| {
        format!("<worksheet><dimension ref=\"A1\"/><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>").into_bytes()
    };
    // One cell in A1 and one in the grid's last cell: 17 billion cells for calamine to allocate.
    std::fs::write(
        input.join("far_cell.xlsx"),
        zip_of(&[book(), ("xl/worksheets/sheet1.xml", sheet("<c r=\"A1\"/><c r=\"XFD1048576\"/>"))]),
    )
    .unwrap();
    std::fs::write(
        input.join("strings.xlsx"),
        zip_of(&[book(), ("xl/sharedStrings.xml", b"<sst uniqueCount=\"4000000000\"><si><t>a</t></si></sst>".to_vec())]),
    )
    .unwrap();
    // 50 MB of spaces, a few kB compressed: over the 10 MB limit set below.
    std::fs::write(input.join("bomb.xlsx"), zip_of(&[book(), ("xl/worksheets/sheet1.xml", vec![b' '; 50_000_000])])).unwrap();
    // A legacy .xls whose one sheet declares four billion rows (calamine would reserve room
    // for them all).
    let mut biff = vec![0x09, 0x08, 16, 0];
    biff.extend_from_slice(&[0; 16]);
    biff.extend_from_slice(&[0x00, 0x02, 14, 0]);
    biff.extend_from_slice(&[0u32.to_le_bytes(), 4_000_000_000u32.to_le_bytes()].concat());
    biff.extend_from_slice(&[0, 0, 5, 0, 0, 0]);
    let mut ole = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    ole.create_stream("/Workbook").unwrap().write_all(&biff).unwrap();
    ole.flush().unwrap();
    std::fs::write(input.join("dimensions.xls"), ole.into_inner().into_inner()).unwrap();
    // A Word document is not a workbook: unrecognised, not damaged.
    std::fs::write(input.join("letter.docx"), zip_of(&[("word/document.xml", b"<w/>".to_vec())])).unwrap();
    // The template with its first sheet hidden.
    let hidden: Vec<(String, Vec<u8>)> = unzip(&template)
        .into_iter()
        .map(|(name, data)| {
            if name == "xl/workbook.xml" {
                let text = String::from_utf8(data).unwrap().replacen("<sheet ", "<sheet state=\"hidden\" ", 1);
                (name, text.into_bytes())
            } else {
                (name, data)
            }
        })
        .collect();
    let hidden_refs: Vec<(&str, Vec<u8>)> = hidden.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    std::fs::write(input.join("hidden.xlsx"), zip_of(&hidden_refs)).unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(&pipeline, "[limits]\nmax_uncompressed_bytes = 10000000\n").unwrap();
    let wh = dir.path().join("wh");
    let ran = run(&input, &wh, Some(&pipeline), &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let codes = by_code(&wh);
    assert_raised(&codes, &[("unreadable_file", 5), ("hidden_sheet", 1), ("unrecognised_file", 1)]);
    let m = manifest(&wh);
    for f in ["truncated.xlsx", "far_cell.xlsx", "strings.xlsx", "bomb.xlsx", "dimensions.xls"] {
        let entry = m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == f).unwrap();
        assert_eq!(entry["issues"]["error"], 1, "{f}: {entry}");
    }
}

#[test]
fn deep_xml_and_entity_bombs_stop_reading_without_exhausting_the_run() {
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    let deep = format!("<Message><Children><Child>{}", "<a>".repeat(2_000_000));
    std::fs::write(input.join("cin_2023_deep.xml"), deep).unwrap();
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE Message [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\
        <Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2023</Year></CollectionDetails></Header><Children><Child><ChildIdentifiers><LAchildID>&c;</LAchildID></ChildIdentifiers></Child></Children></Message>";
    std::fs::write(input.join("cin_2023_laughs.xml"), laughs).unwrap();
    let wh = dir.path().join("wh");
    let ran = run(&input, &wh, None, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_raised(&by_code(&wh), &[("malformed_xml", 2)]);
}

#[cfg(unix)]
#[test]
fn links_special_files_and_bad_names_in_the_input_folder_are_reported_and_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    std::os::unix::fs::symlink("/etc/passwd", input.join("passwd.csv")).unwrap();
    std::os::unix::fs::symlink(".", input.join("loop")).unwrap();
    assert!(Command::new("mkfifo").arg(input.join("pipe.csv")).status().unwrap().success());
    let contacts = std::fs::read(input.join("ssd_contacts.csv")).unwrap();
    std::fs::write(input.join("bell\u{7}.csv"), &contacts).unwrap();
    std::fs::write(input.join(std::ffi::OsStr::from_bytes(b"latin\xE9.csv")), &contacts).unwrap();
    std::fs::write(input.join("upload.csv#3"), &contacts).unwrap();
    let wh = dir.path().join("wh");
    let ran = run(&input, &wh, None, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_raised(&by_code(&wh), &[("symlink_skipped", 2), ("special_file", 1), ("bad_file_name", 3), ("duplicate_key", 1)]);
    // (The one duplicate key is the demo's own fault: the skipped copies of its contacts added none.)
    let m = manifest(&wh);
    assert_eq!(m["inputs"].as_array().unwrap().len(), 10, "only the demo's ten files were listed as inputs");
}

/// A folder reached a second time without a symbolic link (the input folder bind-mounted inside
/// itself, a loop a walk that follows no links still meets) is reported once and not walked
/// again. The mount is made in a private mount namespace (`unshare -rm`), which nothing outside
/// the test sees and which ends with the run.
#[cfg(target_os = "linux")]
#[test]
fn a_folder_loop_through_a_bind_mount_is_reported_and_skipped() {
    if !Command::new("unshare").args(["-rm", "true"]).status().is_ok_and(|s| s.success()) {
        eprintln!("skipped: this machine cannot make a private mount namespace (unshare -rm)");
        return;
    }
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    std::fs::create_dir(input.join("mirror")).unwrap();
    let wh = dir.path().join("wh");
    let input_text = input.to_str().unwrap();
    let mount = r#"mount --bind "$1" "$1/mirror" && shift && exec "$@""#;
    let ran = run_through(&["unshare", "-rm", "sh", "-c", mount, "sh", input_text], &input, &wh, None, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_raised(&by_code(&wh), &[("folder_loop", 1), ("symlink_skipped", 0), ("duplicate_key", 1)]);
    let m = manifest(&wh);
    assert_eq!(m["inputs"].as_array().unwrap().len(), 10, "the demo's ten files, each listed once");
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[test]
fn a_panicking_reader_fails_its_file_and_a_panicking_run_fails_cleanly() {
    let dir = temp();
    let input = dir.path().join("in");
    copy_demo(&input);
    // The first file's reader panics: that file is an unreadable_file error, the run publishes.
    let wh = dir.path().join("wh");
    let ran = run(&input, &wh, None, &[("CSC_FAILPOINT", "normalise.file:1:panic")]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_raised(&by_code(&wh), &[("unreadable_file", 1)]);
    assert_eq!(manifest(&wh)["status"], "succeeded");
    // A panic outside a reader fails the run: exit 1, a failed manifest, the lock released.
    let ran = run(&input, &wh, None, &[("CSC_FAILPOINT", "normalise.table:panic")]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let m = manifest(&wh);
    assert_eq!(m["status"], "failed");
    assert!(m["error"].as_str().unwrap().contains("internal error"), "{m}");
}

#[cfg_attr(not(feature = "failpoints"), ignore = "needs the failpoints feature (scripts/test.sh builds with it)")]
#[test]
fn a_panic_in_one_hub_la_spares_the_others_and_the_hub_reports_it() {
    let dir = temp();
    let root = dir.path().join("exports");
    for la in ["852", "330"] {
        copy_demo(&root.join(la).join("ssd"));
    }
    let input = format!("{}/{{la}}/ssd", root.display());
    let hub = dir.path().join("hub");
    let ran = csc_timed(
        &["hub", "--input", &input, "--warehouse", hub.to_str().unwrap(), "--as-at", "2023-03-31", "--jobs", "1"],
        &[("CSC_FAILPOINT", "normalise.table:1:panic")],
    );
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("2 local authorities: 1 published, 0 skipped, 1 failed"), "{}", ran.stdout);
    assert!(ran.stdout.contains("internal error"), "{}", ran.stdout);
    for la in ["852", "330"] {
        assert!(!hub.join(la).join("_lock.json").exists(), "{la}'s lock was released");
    }
    assert!(ran.peak_kb < MAX_PEAK_KB);
}
