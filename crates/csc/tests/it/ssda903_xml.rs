//! The SSDA903 return in its XML form: a hand-made 2023/24 return
//! (`tests/fixtures/ssda903_xml/ssda903_2023-24.xml`, three children) read into the core tables
//! with known counts, the same return written as the CSV files giving identical core tables, a
//! deprivation-of-liberty file, and placement distances derived from the postcodes.

use std::path::Path;

use csc_pipeline::extract::{FileKind, InputFile};
use csc_pipeline::normalise::{normalise, recognise, CoreTable};
use csc_pipeline::quality::Issue;
use csc_pipeline::reference::CodeLists;
use csc_pipeline::schema::{ssd_tables, SOURCE_FILE, SOURCE_ROW};

const XML_NAME: &str = "ssda903_2023-24.xml";

fn xml_fixture() -> String {
    std::fs::read_to_string(Path::new(crate::REPO).join("tests/fixtures/ssda903_xml").join(XML_NAME)).unwrap()
}

/// The same return as DfE's CSV files.
const CSV_FORM: &[(&str, &str)] = &[
    ("header.csv", "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1001,1,15/06/2012,WBRI,A123456789012,,\n1002,2,03/02/2005,BAFR,UN2,,\n1003,1,20/08/2021,MWBC,B123456789012,,\n"),
    (
        "episodes.csv",
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,PL_DISTANCE\n\
         1001,01/04/2022,S,C2,N1,U1,PR1,01/09/2023,X1,CARPL,SO14 7LY,PO1 1AA,XXXXXXX,\n\
         1001,01/09/2023,P,C2,N1,U3,PR1,,,,SO14 7LY,SO14 7ZZ,XXXXXXX,\n\
         1002,10/01/2023,S,V2,N4,K2,PR4,02/02/2024,E8,,,EH1 1AA,SC123456,400.5\n\
         1003,01/12/2022,S,C2,N1,U1,PR1,15/11/2023,X1,APPRR,SO17 1BJ,SO17 1BJ,XXXXXXX,\n\
         1003,15/11/2023,P,E1,N1,A4,PR1,20/03/2024,E11,,SO17 1BJ,SO14 0AA,XXXXXXX,\n",
    ),
    ("reviews.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\n1001,15/06/2012,10/05/2023,PN1\n1001,15/06/2012,31/02/2024,PN1\n1002,03/02/2005,20/04/2023,PN6\n1003,20/08/2021,15/06/2023,PN0\n"),
    ("uasc.csv", "CHILD,SEX,DOB,DUC\n1002,2,03/02/2005,03/02/2023\n"),
    (
        "oc2.csv",
        "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n\
         1001,15/06/2012,14,,0,1,1,1,1,0,,\n1003,20/08/2021,,,0,1,0,0,1,0,,\n",
    ),
    ("oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n1002,03/02/2005,YES,F2,S\n"),
    ("ad1.csv", "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n1003,20/08/2021,01/05/2023,01/08/2023,0,2,MF,L0\n"),
    ("placed_for_adoption.csv", "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n1003,20/08/2021,01/05/2023,,\n"),
    ("prev_perm.csv", "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\n1001,15/06/2012,Z1,,\n"),
    ("missing.csv", "CHILD,DOB,MISSING,MIS_START,MIS_END\n1001,15/06/2012,M,02/06/2023,03/06/2023\n1002,03/02/2005,A,01/07/2023,\n"),
];

fn input(bytes: Vec<u8>, name: &str) -> InputFile {
    let bytes = bytes::Bytes::from(bytes);
    let kind = recognise(&bytes, ssd_tables());
    InputFile::in_memory(name, bytes, kind)
}

fn read(files: Vec<InputFile>) -> (Vec<CoreTable>, Vec<Issue>) {
    let mut issues = Vec::new();
    let out = normalise(ssd_tables(), &files, CodeLists::builtin(), &mut issues).unwrap();
    (out.tables, issues)
}

fn count(tables: &[CoreTable], name: &str) -> usize {
    tables.iter().find(|t| t.spec.name == name).unwrap().batch.num_rows()
}

/// Every core table's rows as text, without the lineage columns, sorted.
fn contents(tables: &[CoreTable]) -> Vec<(String, Vec<Vec<String>>)> {
    tables
        .iter()
        .map(|t| {
            let columns: Vec<&str> =
                t.spec.columns.iter().map(|c| c.name.as_str()).filter(|c| *c != SOURCE_FILE && *c != SOURCE_ROW).collect();
            let mut rows = super::core_rows(tables, &t.spec.name, &columns);
            rows.sort();
            (t.spec.name.clone(), rows)
        })
        .collect()
}

/// The line of the fixture the first occurrence of `needle` is on.
fn line_of(text: &str, needle: &str) -> i64 {
    text.lines().position(|l| l.contains(needle)).unwrap() as i64 + 1
}

#[test]
fn a_hand_made_xml_return_gives_its_known_counts() {
    let text = xml_fixture();
    let file = input(text.clone().into_bytes(), XML_NAME);
    assert_eq!(file.kind, Some(FileKind::Ssda903Xml));
    let (tables, issues) = read(vec![file]);
    // Three children; episodes 2 + 1 + 2; reviews 2 + 1 + 1; missing 1 + 1.
    assert_eq!(count(&tables, "person"), 3);
    assert_eq!(count(&tables, "cla_episode"), 5);
    assert_eq!(count(&tables, "cla_review"), 4);
    assert_eq!(count(&tables, "missing"), 2);
    // OC2: 1001 has all four checks, 1003 a health assessment and a development check.
    assert_eq!(count(&tables, "cla_health"), 6);
    // OC3 only for 1002 (IN_TOUCH); AD1 only for 1003 (DATE_INT).
    assert_eq!(count(&tables, "care_leaver"), 1);
    assert_eq!(count(&tables, "permanence"), 1);
    // UASC only for 1002: `<UASC />` (1001) and `<UASC>0</UASC>` (1003) are not UASC.
    assert_eq!(
        super::core_rows(&tables, "immigration_status", &["immi_person_id", "immi_immigration_status_end_date"]),
        vec![vec!["1002".to_string(), "2023-02-03".to_string()]]
    );
    // Placements: a new one at each RNE other than L: 2 + 1 + 2.
    assert_eq!(count(&tables, "cla_placement"), 5);
    // The review dated 31/02/2024 is reported at its record's line and element path.
    let bad = issues.iter().find(|i| i.code == "invalid_date").expect("31 February is reported");
    assert_eq!(
        (bad.file.as_deref(), bad.row, bad.column.as_deref(), bad.value.as_deref()),
        (Some(XML_NAME), Some(line_of(&text, "31/02/2024") - 1), Some("HEADER/AREVIEW/REVIEW"), Some("31/02/2024"))
    );
    assert_eq!(bad.column_letter, None, "an XML element has no spreadsheet column letter");
    // An element the form does not have is reported once, where it is.
    let unknown: Vec<&Issue> = issues.iter().filter(|i| i.code == "unknown_element").collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!((unknown[0].row, unknown[0].column.as_deref()), (Some(line_of(&text, "<NOTES>")), Some("HEADER/NOTES")));
    // The year from the file name; PERMANENCE recognised and not loaded.
    assert!(issues.iter().any(|i| i.code == "collection_year" && i.message.contains("2024")));
    assert!(issues.iter().any(|i| i.code == "not_loaded" && i.message.contains("PREV_PERM")));
}

#[test]
fn the_same_return_as_csv_files_gives_identical_core_tables() {
    let (from_xml, _) = read(vec![input(xml_fixture().into_bytes(), XML_NAME)]);
    let csv: Vec<InputFile> = CSV_FORM.iter().map(|(n, t)| input(t.as_bytes().to_vec(), &format!("2023-24/{n}"))).collect();
    assert!(csv.iter().all(|f| matches!(f.kind, Some(FileKind::Ssda903 { .. }))), "every CSV is recognised");
    let (from_csv, _) = read(csv);
    let (x, c) = (contents(&from_xml), contents(&from_csv));
    for ((name, xr), (_, cr)) in x.iter().zip(&c) {
        assert_eq!(xr, cr, "{name} differs between the XML and CSV forms");
    }
    assert!(x.iter().map(|(_, r)| r.len()).sum::<usize>() >= 27, "the comparison is over the loaded rows");
}

#[test]
fn placement_distances_come_from_the_return_or_the_postcodes() {
    let (tables, _) = read(vec![input(xml_fixture().into_bytes(), XML_NAME)]);
    let mut got =
        super::core_rows(&tables, "cla_placement", &["clap_person_id", "clap_cla_placement_start_date", "clap_cla_placement_distance"]);
    got.sort();
    let e = |a: &str, b: &str, c: &str| vec![a.to_string(), b.to_string(), c.to_string()];
    // Worked by hand from reference/postcodes/sectors.csv: SO14 7 → PO1 1 is 15.7 miles (see
    // the unit test in src/reference/postcodes.rs); SO14 7 → SO14 7 and SO17 1 → SO17 1 are 0;
    // SO17 1 (442115, 114235) → SO14 0 (442711, 112824): sqrt(596² + 1411²) = 1531.7 m = 0.95
    // miles, 1.0 to one decimal place. 1002's return gives 400.5 (and has no home postcode).
    assert_eq!(
        got,
        vec![
            e("1001", "2022-04-01", "15.7"),
            e("1001", "2023-09-01", "0.0"),
            e("1002", "2023-01-10", "400.5"),
            e("1003", "2022-12-01", "0.0"),
            e("1003", "2023-11-15", "1.0"),
        ]
    );
}

#[test]
fn a_deprivation_of_liberty_file_reaches_its_core_table() {
    let dolo =
        "CHILD,DOB,DOLO_START,DOLO_END\n1001,15/06/2012,01/10/2026,\n1001,15/06/2012,01/10/2026,\n1002,03/02/2005,2026-05-01,31/13/2026\n";
    let file = input(dolo.as_bytes().to_vec(), "2026-27/DoLo.csv");
    assert_eq!(file.kind, Some(FileKind::Ssda903 { file: "dolo".into() }));
    let (tables, issues) = read(vec![file]);
    let mut got =
        super::core_rows(&tables, "deprivation_of_liberty", &["dolo_dol_id", "dolo_person_id", "dolo_start_date", "dolo_end_date"]);
    got.sort();
    let key = |child: &str, start: &str| csc_pipeline::normalise::ssda903::key(child, "dolo", &[start]);
    let mut want = vec![
        vec![key("1001", "2026-10-01"), "1001".into(), "2026-10-01".into(), String::new()],
        vec![key("1002", "2026-05-01"), "1002".into(), "2026-05-01".into(), String::new()],
    ];
    want.sort();
    assert_eq!(got, want);
    // The repeated order is one record; the impossible end date is reported at its cell (D4).
    assert!(issues.iter().any(|i| i.code == "duplicate_key" && i.row == Some(3)));
    let bad = issues.iter().find(|i| i.code == "invalid_date").unwrap();
    assert_eq!((bad.row, bad.column_letter.as_deref()), (Some(4), Some("D")));
}

/// Rows of two columns of a reference CSV.
type Pairs = Vec<(String, String)>;

/// The element names of the XML form, from the reference data: (block, parent) and, per block,
/// its elements.
fn xml_structure() -> (Pairs, Pairs) {
    let read = |name: &str| {
        let path = Path::new(crate::REPO).join("reference/formats/ssda903").join(name);
        let mut r = csv::Reader::from_path(path).unwrap();
        r.records().map(|r| r.unwrap()).map(|r| (r.get(0).unwrap().to_string(), r.get(1).unwrap().to_string())).collect::<Vec<_>>()
    };
    (read("xml_blocks.csv"), read("xml_elements.csv"))
}

/// Checks one XML return against the form's structure: root EXPSSDA903 holding only CHILDs, each
/// a HEADER first then EPISODEs; every block at its parent and every leaf in its block. Returns
/// the number of children.
fn check_structure(xml: &str) -> usize {
    use quick_xml::events::Event;
    let (blocks, elements) = xml_structure();
    let is_block = |name: &str, parent: &str| blocks.iter().any(|(b, p)| b == name && p == parent);
    let is_leaf = |name: &str, block: &str| elements.iter().any(|(b, e)| b == block && e == name);
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let (mut children, mut first_in_child) = (0, false);
    loop {
        let (name, empty) = match reader.read_event().unwrap() {
            Event::Start(e) => (e.local_name().as_ref().to_string(), false),
            Event::Empty(e) => (e.local_name().as_ref().to_string(), true),
            Event::End(_) => {
                path.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let parent = path.last().cloned().unwrap_or_default();
        match path.len() {
            0 => assert_eq!(name, "EXPSSDA903"),
            1 => {
                assert_eq!(name, "CHILD");
                children += 1;
                first_in_child = true;
            }
            2 => {
                assert!(is_block(&name, "CHILD"), "{name} in CHILD");
                assert_eq!(first_in_child, name == "HEADER", "HEADER comes first, once");
                first_in_child = false;
            }
            3 if parent == "HEADER" => assert!(is_leaf(&name, "HEADER") || is_block(&name, "HEADER"), "{name} in HEADER"),
            _ => assert!(is_leaf(&name, &parent), "{name} in {parent}"),
        }
        if !empty {
            path.push(name);
        }
    }
    children
}

#[test]
fn generated_xml_returns_follow_the_form_and_read_as_the_csv_returns_do() {
    let dir = super::temp();
    let out = dir.path().join("synth");
    let o = super::csc(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--la",
        "852",
        "--from",
        "2022-04-01",
        "--to",
        "2024-03-31",
        "--formats",
        "ssd,ssda903,ssda903-xml",
    ]);
    assert!(o.status.success(), "csc synth failed: {}", String::from_utf8_lossy(&o.stderr));
    let mut xml_inputs = Vec::new();
    let mut csv_inputs = Vec::new();
    for year in [2023, 2024] {
        let name = format!("ssda903_{year}.xml");
        let text = std::fs::read_to_string(out.join("ssda903_xml").join(&name)).unwrap();
        let children = check_structure(&text);
        let header_rows = std::fs::read_to_string(out.join(format!("ssda903/{year}/header.csv"))).unwrap().lines().count() - 1;
        assert_eq!(children, header_rows, "{year}: one CHILD per header.csv row");
        assert!(children > 50, "{year}: {children} children");
        xml_inputs.push(input(text.into_bytes(), &name));
        for e in std::fs::read_dir(out.join(format!("ssda903/{year}"))).unwrap() {
            let path = e.unwrap().path();
            let rel = format!("{year}/{}", path.file_name().unwrap().to_str().unwrap());
            csv_inputs.push(input(std::fs::read(&path).unwrap(), &rel));
        }
    }
    assert!(xml_inputs.iter().all(|f| f.kind == Some(FileKind::Ssda903Xml)));
    csv_inputs.sort_by(|a, b| a.path.cmp(&b.path));
    let (from_xml, _) = read(xml_inputs);
    let (from_csv, _) = read(csv_inputs);
    let (x, c) = (contents(&from_xml), contents(&from_csv));
    for ((name, xr), (_, cr)) in x.iter().zip(&c) {
        assert_eq!(xr, cr, "{name} differs between the generated XML and CSV returns");
    }
    assert!(count(&from_xml, "cla_episode") > 50 && count(&from_xml, "cla_review") > 50);
}
