//! The Annex A workbook reader: the LIIA sample workbook (older template, deliberately messy; see
//! tests/fixtures/third_party/README.md) read into the core tables with every known fault reported
//! where it is, and the pipeline's own `csc annex-a` workbook read back into the same lists.

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use csc_pipeline::extract::{FileKind, InputFile};
use csc_pipeline::normalise::{normalise, recognise, CoreTable};
use csc_pipeline::quality::{Issue, Severity};
use csc_pipeline::reference::CodeLists;
use csc_pipeline::schema::ssd_tables;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type};

const WORKBOOK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/third_party/annex_a_older_template.xlsx");

fn input(path: &Path, name: &str) -> InputFile {
    let bytes = bytes::Bytes::from(std::fs::read(path).unwrap());
    let kind = recognise(&bytes, ssd_tables());
    InputFile::in_memory(name, bytes, kind)
}

fn read(file: InputFile) -> (Vec<CoreTable>, Vec<Issue>) {
    let mut issues = Vec::new();
    let out = normalise(ssd_tables(), &[file], CodeLists::builtin(), &mut issues).unwrap();
    (out.tables, issues)
}

fn table<'a>(tables: &'a [CoreTable], name: &str) -> &'a CoreTable {
    tables.iter().find(|t| t.spec.name == name).unwrap()
}

/// The value of `column` in the row whose primary key is `key`, as text (dates ISO).
fn cell(tables: &[CoreTable], name: &str, key: &str, column: &str) -> Option<String> {
    let t = table(tables, name);
    let b = &t.batch;
    let keys = b.column_by_name(&t.spec.primary_key).unwrap().as_string::<i32>();
    let row = (0..b.num_rows()).find(|&i| keys.value(i) == key).unwrap_or_else(|| panic!("no {name} row {key}"));
    let col = b.column_by_name(column).unwrap_or_else(|| panic!("no column {column}"));
    if !col.is_valid(row) {
        return None;
    }
    Some(match col.data_type() {
        DataType::Date32 => csc_pipeline::normalise::cells::from_date32(col.as_primitive::<Date32Type>().value(row)).to_string(),
        _ => datafusion::arrow::compute::cast(col, &DataType::Utf8).unwrap().as_string::<i32>().value(row).to_string(),
    })
}

/// The one issue with this code at sheet/row/column letter.
fn issue_at<'a>(issues: &'a [Issue], code: &str, sheet: &str, row: i64, letter: &str) -> &'a Issue {
    let found: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.code == code && i.sheet.as_deref() == Some(sheet) && i.row == Some(row) && i.column_letter.as_deref() == Some(letter))
        .collect();
    assert_eq!(found.len(), 1, "{code} at {sheet} {letter}{row}: {found:#?}");
    found[0]
}

#[test]
fn the_liia_sample_workbook_is_recognised_by_headers_and_its_faults_are_located() {
    let file = input(Path::new(WORKBOOK), "annex_a_older_template.xlsx");
    assert_eq!(file.kind, Some(FileKind::AnnexA { lists: (1..=11).collect() }), "every list is found by its header row");
    let (tables, issues) = read(file);
    assert!(issues.iter().all(|i| i.file.as_deref() == Some("annex_a_older_template.xlsx") || i.code == "missing_table"));

    // Lettered values in other spellings are read as codes, the raw value beside the code.
    let female = issue_at(&issues, "annex_a_value_recoded", "List 1", 2, "B");
    assert_eq!(female.value.as_deref(), Some("Female"));
    assert_eq!(female.column.as_deref(), Some("Gender"));
    assert!(female.message.contains("b) Female"));
    let nobt = issue_at(&issues, "annex_a_value_recoded", "List 1", 4, "C");
    assert_eq!(nobt.value.as_deref(), Some("s) NOBT"));
    assert_eq!(issue_at(&issues, "annex_a_value_recoded", "List 3", 2, "H").value.as_deref(), Some("No"));
    assert_eq!(issue_at(&issues, "annex_a_value_recoded", "List 7", 2, "H").value.as_deref(), Some("Physical abuse"));
    // Values that are not Annex A values are never guessed.
    let need = issue_at(&issues, "unknown_code", "List 6", 2, "H");
    assert_eq!(need.value.as_deref(), Some("PSRMEM - Support with memory and cognition"));
    assert_eq!(need.table.as_deref(), Some("referral"));
    for row in 2..=6 {
        let flag = issue_at(&issues, "invalid_flag", "List 4", row, "J");
        assert_eq!(flag.value.as_deref(), Some("CS Assessment Updated"));
        assert_eq!(flag.severity, Severity::Error);
    }
    // Derived columns are named once per sheet; the older List 9 lacks four columns.
    assert_eq!(issue_at(&issues, "annex_a_not_loaded", "List 1", 1, "E").column.as_deref(), Some("Age"));
    let missing: Vec<&str> =
        issues.iter().filter(|i| i.code == "missing_column" && i.sheet.as_deref() == Some("List 9")).map(|i| i.message.as_str()).collect();
    assert_eq!(missing.len(), 4, "{missing:?}");
    assert!(issues.iter().any(|i| i.code == "annex_a_not_loaded" && i.sheet.as_deref() == Some("List 11") && i.message.contains("5 rows")));
    assert!(
        !issues.iter().any(|i| i.code == "extra_column"),
        "header variants are all recognised: {:?}",
        issues.iter().filter(|i| i.code == "extra_column").collect::<Vec<_>>()
    );

    // Clean values come through typed: Excel dates, codes, flags.
    assert_eq!(table(&tables, "contact").rows_out(), 5);
    let contact = "9212044/2020-09-16/6";
    assert_eq!(cell(&tables, "contact", contact, "cont_contact_date").as_deref(), Some("2020-09-16"));
    assert_eq!(cell(&tables, "contact", contact, "cont_contact_source_code").as_deref(), Some("6"));
    assert_eq!(cell(&tables, "person", "9212044", "pers_sex").as_deref(), Some("F"));
    assert_eq!(cell(&tables, "person", "9212044", "pers_dob").as_deref(), Some("2015-01-25"));
    assert_eq!(cell(&tables, "person", "6217392", "pers_ethnicity").as_deref(), Some("NOBT"));
    assert_eq!(cell(&tables, "person", "11973218", "pers_dob"), None, "a blank date of birth is null");
    // Child 6537810 is on Lists 3 and 5: one person row.
    assert_eq!(cell(&tables, "person", "6537810", "pers_dob").as_deref(), Some("2004-07-18"));
    assert_eq!(table(&tables, "referral").rows_out(), 6 + 5, "List 3 referrals and List 6 CIN episodes");
    let referral = "6537810/2020-09-16";
    assert_eq!(cell(&tables, "referral", referral, "cine_referral_nfa").as_deref(), Some("N"));
    assert_eq!(cell(&tables, "referral", referral, "cine_referral_source_code").as_deref(), Some("8"));
    let worker = cell(&tables, "referral", referral, "cine_referral_worker_id").unwrap();
    assert_eq!(
        cell(&tables, "professional", &worker, "prof_professional_name").as_deref(),
        Some("Dustin Hazlett"),
        "the non-breaking space is a space"
    );
    assert_eq!(cell(&tables, "referral", "12598894/2010-06-09", "cine_referral_team"), None, "#N/A is no value");
    assert_eq!(cell(&tables, "referral", "8140425/2006-11-23", "cine_cin_primary_need_code").as_deref(), Some("N1"));
    assert_eq!(cell(&tables, "assessment", "10692868/2019-05-16", "cina_assessment_auth_date").as_deref(), Some("2021-02-08"));
    assert_eq!(cell(&tables, "assessment", "10692868/2019-05-16", "cina_assessment_child_seen").as_deref(), Some("Y"));
    assert_eq!(cell(&tables, "s47_enquiry", "11641472/2020-09-16", "s47e_s47_nfa").as_deref(), Some("N"));
    assert_eq!(cell(&tables, "icpc", "11641472/2020-09-16", "icpc_icpc_outcome_cp_flag").as_deref(), Some("Y"));
    assert_eq!(table(&tables, "icpc").rows_out(), 3, "S47s without an ICPC date or outcome have no ICPC");
    assert_eq!(cell(&tables, "disability", "11641472", "disa_disability_code").as_deref(), Some("DISABLED"));
    assert_eq!(cell(&tables, "cp_plan", "10721552/2020-11-23", "cppl_cp_plan_initial_category").as_deref(), Some("PHY"));
    let episode = "1761444/2009-08-06";
    assert_eq!(cell(&tables, "cla_episode", episode, "clae_cla_primary_need_code").as_deref(), Some("N1"));
    assert_eq!(cell(&tables, "legal_status", "1761444/2010-07-12/E1", "lega_legal_status").as_deref(), Some("E1"));
    assert_eq!(cell(&tables, "cla_placement", "1761444/2009-11-02", "clap_cla_placement_type").as_deref(), Some("U6"));
    assert_eq!(cell(&tables, "cla_placement", "1761444/2009-11-02", "clap_cla_placement_provider").as_deref(), Some("PR4"));
    assert_eq!(
        cell(&tables, "cla_placement", "1373595/2009-11-02", "clap_cla_placement_postcode").as_deref(),
        Some("nope"),
        "kept as received"
    );
    assert_eq!(cell(&tables, "cla_episode", "3623204/2008-10-22", "clae_cla_episode_ceased_reason").as_deref(), Some("E47"));
    assert_eq!(cell(&tables, "care_leaver", "7961370", "clea_care_leaver_in_touch").as_deref(), Some("YES"));
    // Ofsted's value for accommodation is read back to its OC3 letter.
    assert_eq!(cell(&tables, "care_leaver", "7961370", "clea_care_leaver_accommodation").as_deref(), Some("Y"));
    assert_eq!(cell(&tables, "permanence", "13782635/2014-09-17", "perm_decision_reversed_reason").as_deref(), Some("RD2"));
    assert_eq!(cell(&tables, "permanence", "13782635/2014-09-17", "perm_permanence_order_type").as_deref(), Some("Adoption"));
}

/// Text of every cell of a sheet, header first.
fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::DateTime(d) => {
                        let (y, m, day, ..) = d.to_ymd_hms_milli();
                        format!("{y:04}-{m:02}-{day:02}")
                    }
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_pipelines_own_annex_a_workbook_reads_back_into_the_same_lists() {
    let dir = super::temp();
    super::demo(dir.path());
    let wh = dir.path().join("warehouse");
    let first = dir.path().join("in/annex_a.xlsx");
    std::fs::create_dir_all(first.parent().unwrap()).unwrap();
    let o = super::csc(&["annex-a", "--as-at", "2023-03-31", "--warehouse", wh.to_str().unwrap(), "--out", first.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The workbook alone, through the whole pipeline, and out again as a workbook.
    let wh2 = dir.path().join("wh2");
    let o = super::csc(&[
        "run",
        "--input",
        first.parent().unwrap().to_str().unwrap(),
        "--la",
        "852",
        "--as-at",
        "2023-03-31",
        "--warehouse",
        wh2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let second = dir.path().join("back.xlsx");
    let o = super::csc(&["annex-a", "--as-at", "2023-03-31", "--warehouse", wh2.to_str().unwrap(), "--out", second.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Columns the pipeline works out from records a list does not carry (12-month counters,
    // case status, allocations from involvements, the S47 outcome once the S47 has ended) cannot
    // survive the trip; every other column must come back exactly.
    let derived: &[(&str, &[&str])] = &[
        ("List 3", &["Number of Referrals in Last 12 Months"]),
        (
            "List 5",
            &[
                "Was an Initial Child Protection Conference deemed unnecessary?",
                "Number of Section 47 Enquiries in the last 12 months",
                "Number of ICPCs in the last 12 months",
            ],
        ),
        ("List 6", &["Case Status"]),
        (
            "List 7",
            &[
                "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
                "Number of Previous Child Protection Plans",
                "Allocated Team",
                "Allocated Worker",
            ],
        ),
        (
            "List 8",
            &[
                "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
                "Number of Placements in the Last 12 months",
                "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
                "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
                "Was the child offered a Return Interview after their last missing episode (Y/N)?",
                "Did the child accept a Return Interview after their last missing episode (Y/N)?",
                "Allocated Team",
                "Allocated Worker",
            ],
        ),
        ("List 10", &["Date the Child Entered Care"]),
    ];
    let mut compared = 0;
    for n in 1..=11 {
        let name = format!("List {n}");
        let (a, b) = (sheet(&first, &name), sheet(&second, &name));
        assert_eq!(a[0], b[0], "{name} headers");
        assert_eq!(a.len(), b.len(), "{name} rows");
        let skip = derived.iter().find(|(s, _)| *s == name).map(|(_, c)| *c).unwrap_or(&[]);
        for (r, (x, y)) in a.iter().zip(&b).enumerate().skip(1) {
            for (c, header) in a[0].iter().enumerate() {
                if skip.contains(&header.as_str()) {
                    continue;
                }
                assert_eq!(x.get(c), y.get(c), "{name} row {} column {header:?}", r + 1);
                compared += 1;
            }
        }
    }
    assert!(compared > 500, "the demo lists hold data ({compared} cells compared)");
}

#[test]
fn dates_title_rows_blank_rows_repeats_and_conflicts_in_a_workbook_an_la_might_send() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = super::temp();
    let path = dir.path().join("return.xlsx");
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let day = |y, m, d| ExcelDateTime::from_ymd(y, m, d).unwrap();
    // List 1 on a sheet named for the month, with a title above the header (header on row 3).
    let s = book.add_worksheet().set_name("Contacts Sept").unwrap();
    s.write_string(0, 0, "Annex A: contacts in the six months to 31 March 2022").unwrap();
    for (c, h) in ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact", "Contact Source"]
        .iter()
        .enumerate()
    {
        s.write_string(2, c as u16, *h).unwrap();
    }
    // Row 4: a dd/mm/yyyy text date; row 5: ISO text and a bare serial number (44656 = 5 April 2022);
    // row 6 blank; row 7: a two-digit year, never guessed; row 8 repeats row 4; row 9 has no child.
    s.write_string(3, 0, "C1").unwrap();
    s.write_string(3, 1, "a) Male").unwrap();
    s.write_string(3, 2, "a) WBRI").unwrap();
    s.write_date_with_format(3, 3, day(2015, 4, 5), &date).unwrap();
    s.write_number(3, 4, 6.0).unwrap();
    s.write_string(3, 5, "05/04/2022").unwrap();
    s.write_string(3, 6, "q) 6: Police").unwrap();
    s.write_string(4, 0, "C2").unwrap();
    s.write_string(4, 1, "b) Female").unwrap();
    s.write_string(4, 3, "2016-01-02").unwrap();
    s.write_number(4, 5, 44656.0).unwrap();
    s.write_string(4, 6, "a) 1A: Individual").unwrap();
    s.write_string(6, 0, "C3").unwrap();
    s.write_string(6, 3, "05/04/22").unwrap();
    s.write_date_with_format(6, 5, day(2022, 4, 6), &date).unwrap();
    s.write_string(6, 6, "b) 1B: Individual").unwrap();
    for (c, v) in ["C1", "a) Male", "a) WBRI"].iter().enumerate() {
        s.write_string(7, c as u16, *v).unwrap();
    }
    s.write_date_with_format(7, 3, day(2015, 4, 5), &date).unwrap();
    s.write_string(7, 5, "05/04/2022").unwrap();
    s.write_string(7, 6, "q) 6: Police").unwrap();
    s.write_string(8, 1, "a) Male").unwrap();
    s.write_date_with_format(8, 5, day(2022, 4, 7), &date).unwrap();
    // List 3 where C1 is recorded as female: the first value is kept and the clash reported.
    let r = book.add_worksheet().set_name("Refs").unwrap();
    for (c, h) in ["Child Unique ID", "Gender", "Date of referral", "Referral Source", "Referral NFA?"].iter().enumerate() {
        r.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["C1", "b) Female"].iter().enumerate() {
        r.write_string(1, c as u16, *v).unwrap();
    }
    r.write_date_with_format(1, 2, day(2022, 4, 5), &date).unwrap();
    r.write_string(1, 3, "q) 6: Police").unwrap();
    r.write_string(1, 4, "b) No").unwrap();
    book.save(&path).unwrap();

    let file = input(&path, "return.xlsx");
    assert_eq!(file.kind, Some(FileKind::AnnexA { lists: vec![1, 3] }));
    let (tables, issues) = read(file);
    assert_eq!(cell(&tables, "contact", "C1/2022-04-05/6", "cont_contact_date").as_deref(), Some("2022-04-05"), "dd/mm/yyyy text");
    assert_eq!(cell(&tables, "contact", "C2/2022-04-05/1A", "cont_contact_date").as_deref(), Some("2022-04-05"), "an Excel serial number");
    assert_eq!(cell(&tables, "person", "C1", "pers_dob").as_deref(), Some("2015-04-05"), "an Excel date");
    assert_eq!(cell(&tables, "person", "C2", "pers_dob").as_deref(), Some("2016-01-02"), "ISO text");
    assert_eq!(cell(&tables, "person", "C3", "pers_dob"), None);
    assert_eq!(issue_at(&issues, "excel_serial_date", "Contacts Sept", 5, "F").severity, Severity::Info);
    assert_eq!(issue_at(&issues, "invalid_date", "Contacts Sept", 7, "D").value.as_deref(), Some("05/04/22"));
    assert_eq!(issue_at(&issues, "duplicate_key", "Contacts Sept", 8, "A").table.as_deref(), Some("contact"));
    assert_eq!(issue_at(&issues, "missing_required", "Contacts Sept", 9, "A").severity, Severity::Error);
    assert!(!issues.iter().any(|i| i.row == Some(6)), "a blank row is no issue");
    assert_eq!(table(&tables, "contact").rows_out(), 3);
    let clash = issue_at(&issues, "annex_a_conflict", "Refs", 2, "B");
    assert_eq!(clash.value.as_deref(), Some("b) Female"));
    assert!(clash.message.contains("Contacts Sept row 4"), "{}", clash.message);
    assert_eq!(cell(&tables, "person", "C1", "pers_sex").as_deref(), Some("M"));
    assert_eq!(cell(&tables, "referral", "C1/2022-04-05", "cine_referral_nfa").as_deref(), Some("N"));
}

#[test]
fn csc_check_reports_an_export_without_running_the_pipeline() {
    let dir = super::temp();
    let csv = dir.path().join("issues.csv");
    let o = super::csc(&["check", "--input", WORKBOOK, "--issues", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "the sample has error-severity issues: {}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("annex_a_older_template.xlsx: annex_a:lists 1,2,3,4,5,6,7,8,9,10,11"), "{out}");
    assert!(out.contains("invalid_flag"), "{out}");
    let issues = std::fs::read_to_string(&csv).unwrap();
    assert!(issues.lines().any(|l| l.contains("List 4,2,") && l.contains(",J,CS Assessment Updated,invalid_flag")), "{issues}");
    assert!(!dir.path().join("warehouse").exists(), "nothing is published");
}

#[test]
fn every_fault_injected_into_a_synthetic_workbook_is_reported_where_it_is() {
    // `csc synth --formats annex-a` writes the workbook the pipeline would publish for the
    // simulated children, with the faults hand-kept workbooks have, each listed by sheet, row and
    // column in _faults.csv.
    let dir = super::temp();
    let o = super::csc(&["synth", "--la", "852", "--formats", "annex-a", "--messiness", "high", "--out", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let folder = dir.path().join("annex_a");
    let book = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "xlsx")).unwrap();
    let csv = dir.path().join("issues.csv");
    let o = super::csc(&["check", "--input", book.to_str().unwrap(), "--issues", csv.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c <= 2), "{}", String::from_utf8_lossy(&o.stderr));
    let mut found: std::collections::HashMap<(String, String, String), Vec<(String, String)>> = Default::default();
    for r in csv::Reader::from_path(&csv).unwrap().deserialize::<std::collections::HashMap<String, String>>() {
        let r = r.unwrap();
        found
            .entry((r["sheet"].clone(), r["row_number"].clone(), r["column_letter"].clone()))
            .or_default()
            .push((r["issue_code"].clone(), r["severity"].clone()));
    }
    let mut faults = std::collections::HashSet::new();
    let mut expected = 0;
    for f in csv::Reader::from_path(folder.join("_faults.csv")).unwrap().deserialize::<std::collections::HashMap<String, String>>() {
        let f = f.unwrap();
        let at = (f["sheet"].clone(), f["row"].clone(), f["column_letter"].clone());
        if !f["expected_issue"].is_empty() {
            expected += 1;
            let codes = found.get(&at).cloned().unwrap_or_default();
            assert!(codes.iter().any(|(c, _)| *c == f["expected_issue"]), "{} at {at:?}: found {codes:?}", f["expected_issue"]);
        }
        faults.insert(at);
    }
    assert!(expected > 0, "the generator injected faults with an expected issue");
    for (at, codes) in &found {
        for (code, severity) in codes {
            assert!(severity != "error" || faults.contains(at), "{code} at {at:?} is no injected fault");
        }
    }
}

/// Hidden and very hidden sheets are each reported (`hidden_sheet`, naming the sheet) and not
/// read; with `[input] hidden_sheets = true` they are reported and read like any other.
#[test]
fn hidden_and_very_hidden_sheets_are_reported_and_read_only_when_configured() {
    use csc_pipeline::quality::Action;
    let template = std::fs::read(WORKBOOK).unwrap();
    // Every sheet hidden, alternately hidden and very hidden.
    let parts: Vec<(String, Vec<u8>)> = super::hostile::unzip(&template)
        .into_iter()
        .map(|(name, data)| {
            if name != "xl/workbook.xml" {
                return (name, data);
            }
            let text = String::from_utf8(data).unwrap();
            let mut out = String::new();
            for (i, part) in text.split("<sheet ").enumerate() {
                if i > 0 {
                    out.push_str(if i % 2 == 1 { "<sheet state=\"hidden\" " } else { "<sheet state=\"veryHidden\" " });
                }
                out.push_str(part);
            }
            (name, out.into_bytes())
        })
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let hidden = bytes::Bytes::from(super::hostile::zip_of(&refs));
    let rows = |tables: &[CoreTable]| tables.iter().map(CoreTable::rows_out).sum::<usize>();
    let (visible_tables, _) = read(input(Path::new(WORKBOOK), "book.xlsx"));
    assert!(rows(&visible_tables) > 0);
    let sheets = calamine::open_workbook_from_rs::<Xlsx<_>, _>(std::io::Cursor::new(template.clone())).unwrap().sheet_names().len();

    for load in [false, true] {
        let mut file = InputFile::in_memory("hidden.xlsx", hidden.clone(), Some(FileKind::AnnexA { lists: Vec::new() }));
        file.limits.load_hidden_sheets = load;
        let (tables, issues) = read(file);
        let reported: Vec<&Issue> = issues.iter().filter(|i| i.code == "hidden_sheet").collect();
        assert_eq!(reported.len(), sheets, "one issue per sheet: {reported:#?}");
        assert!(reported.iter().all(|i| i.sheet.is_some() && i.file.as_deref() == Some("hidden.xlsx")));
        assert_eq!(reported.iter().filter(|i| i.message.contains("very hidden")).count(), sheets / 2);
        let action = if load { Action::Kept } else { Action::FileSkipped };
        assert!(reported.iter().all(|i| i.action == action));
        assert_eq!(rows(&tables), if load { rows(&visible_tables) } else { 0 }, "load = {load}");
    }
}
