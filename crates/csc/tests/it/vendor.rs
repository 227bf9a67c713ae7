//! Case-management exports read through a mapping file: the built-in worked example
//! (pipelines/mappings/casefile_contacts.toml) on an invented export, and a mapping loaded at run
//! time from the pipeline folder.

use csc_pipeline::extract::{FileKind, InputFile};
use csc_pipeline::normalise::{normalise, recognise, CoreTable};
use csc_pipeline::reference::CodeLists;
use csc_pipeline::schema::ssd_tables;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type};

/// An export as Casefile writes it: one row per contact, the child repeated, referral columns
/// filled when the contact became a referral. Row 5 carries faults: an unmapped sex code, an
/// impossible date of birth, an ethnicity and a contact route the mapping does not know.
const EXPORT: &str = "\
Contact Ref,Client No,Gender,Birth Date,Ethnic Origin,Contact Received,Contact Route,Referral Ref,Referral Date,Referral Outcome,Need Category,Team
CT-1001,C-501,2,14/03/2015,White - British,03/04/2022,POLICE,,,,,
CT-1002,C-501,2,14/03/2015,White - British,20/05/2022,School,RF-77,21/05/2022,Single assessment,Abuse/neglect,Duty East
CT-1003,C-502,1,01/11/2012,Asian - Pakistani,07/06/2022,GP,RF-78,08/06/2022,No further action,Not stated,Duty West
CT-1004,C-503,3,31/02/2019,Martian,10/06/2022,CARRIER PIGEON,,,,,
CT-1005,C-502,1,01/11/2012,Asian - Pakistani,2022-06-08,HEALTH VISITOR,,,,,
";

fn cell(tables: &[CoreTable], name: &str, key: &str, column: &str) -> Option<String> {
    let t = tables.iter().find(|t| t.spec.name == name).unwrap();
    let b = &t.batch;
    let keys = b.column_by_name(&t.spec.primary_key).unwrap().as_string::<i32>();
    let row = (0..b.num_rows()).find(|&i| keys.value(i) == key).unwrap_or_else(|| panic!("no {name} row {key}"));
    let col = b.column_by_name(column).unwrap();
    col.is_valid(row).then(|| match col.data_type() {
        DataType::Date32 => csc_pipeline::normalise::cells::from_date32(col.as_primitive::<Date32Type>().value(row)).to_string(),
        _ => datafusion::arrow::compute::cast(col, &DataType::Utf8).unwrap().as_string::<i32>().value(row).to_string(),
    })
}

#[test]
fn the_worked_example_export_is_recognised_mapped_and_typed() {
    let bytes = bytes::Bytes::from_static(EXPORT.as_bytes());
    let kind = recognise(&bytes, ssd_tables());
    assert_eq!(kind, Some(FileKind::Vendor { mapping: "casefile_contacts".into() }));
    let file = InputFile::in_memory("casefile.csv", bytes, kind);
    let mut issues = Vec::new();
    let tables = normalise(ssd_tables(), &[file], CodeLists::builtin(), &mut issues).unwrap().tables;
    let rows = |name: &str| tables.iter().find(|t| t.spec.name == name).unwrap().rows_out();
    assert_eq!((rows("contact"), rows("person"), rows("referral")), (5, 3, 2));
    // Values translated by the mapping.
    assert_eq!(cell(&tables, "contact", "CT-1001", "cont_contact_source_code").as_deref(), Some("6"));
    assert_eq!(cell(&tables, "contact", "CT-1002", "cont_contact_source_code").as_deref(), Some("2A"), "aliases ignore case");
    assert_eq!(cell(&tables, "contact", "CT-1002", "cont_contact_source_desc").as_deref(), Some("School"));
    assert_eq!(cell(&tables, "contact", "CT-1005", "cont_contact_date").as_deref(), Some("2022-06-08"));
    assert_eq!(cell(&tables, "person", "C-501", "pers_sex").as_deref(), Some("F"));
    assert_eq!(cell(&tables, "person", "C-501", "pers_ethnicity").as_deref(), Some("WBRI"));
    assert_eq!(cell(&tables, "person", "C-501", "pers_dob").as_deref(), Some("2015-03-14"));
    assert_eq!(cell(&tables, "referral", "RF-77", "cine_referral_nfa").as_deref(), Some("N"));
    assert_eq!(cell(&tables, "referral", "RF-77", "cine_cin_primary_need_code").as_deref(), Some("N1"));
    assert_eq!(cell(&tables, "referral", "RF-78", "cine_referral_nfa").as_deref(), Some("Y"));
    assert_eq!(cell(&tables, "referral", "RF-78", "cine_referral_team").as_deref(), Some("Duty West"));
    assert!(!issues.iter().any(|i| i.code == "duplicate_key"), "the child repeating on every contact is by design");
    // Row 5's faults, each at its column.
    let at = |code: &str, letter: &str| {
        issues
            .iter()
            .find(|i| i.code == code && i.row == Some(5) && i.column_letter.as_deref() == Some(letter))
            .unwrap_or_else(|| panic!("no {code} at {letter}5: {issues:#?}"))
    };
    assert_eq!(at("unknown_code", "C").value.as_deref(), Some("3"));
    assert_eq!(at("invalid_date", "D").value.as_deref(), Some("31/02/2019"));
    assert_eq!(at("unknown_code", "E").value.as_deref(), Some("Martian"));
    assert_eq!(at("unknown_code", "G").value.as_deref(), Some("CARRIER PIGEON"));
    assert_eq!(cell(&tables, "person", "C-503", "pers_dob"), None);
}

#[tokio::test]
async fn a_mapping_in_the_pipeline_folder_is_loaded_at_run_time() {
    let dir = super::temp();
    // A newer Casefile release renamed "Contact Route" to "Route": a mapping of the same name in
    // the pipeline folder replaces the built-in one, with no change to the code.
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(exports.join("casefile.csv"), EXPORT.replace("Contact Route", "Route")).unwrap();
    let mappings = dir.path().join("pipelines/mappings");
    std::fs::create_dir_all(&mappings).unwrap();
    let builtin = include_str!("../../../../pipelines/mappings/casefile_contacts.toml");
    std::fs::write(mappings.join("casefile_contacts.toml"), builtin.replace("\"Contact Route\"", "\"Route\"")).unwrap();
    let pipeline = dir.path().join("pipelines/p.toml");
    std::fs::write(&pipeline, "[la]\ncode = \"852\"\n[input]\nlocation = \"../exports\"\n[warehouse]\nlocation = \"../wh\"\n[run]\nas_at = 2022-06-30\nmeasures = [\"contacts\"]\n").unwrap();
    let o = super::csc(&["run", "--pipeline", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wh = dir.path().join("wh");
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_parquet("contact", &format!("{}/restricted/core/contact/", wh.display()), Default::default()).await.unwrap();
    let b = ctx.sql("SELECT cont_contact_source_code FROM contact ORDER BY cont_contact_id").await.unwrap().collect().await.unwrap();
    let codes: Vec<String> = b.iter().flat_map(|b| (0..b.num_rows()).map(move |i| super::text(b.column(0), i))).collect();
    assert_eq!(codes, ["6", "2A", "3A", "CARRIER PIGEON", "3B"]);
    let m = super::manifest(&wh);
    assert_eq!(m["inputs"][0]["table"], "vendor:casefile_contacts");
}

/// A row with values for a table but a blank key (a vendor export leaves the key empty when it
/// made no record) is a `blank_key` error at the key's cell, and no record; a row with no values
/// for the table (CT-1001's empty referral columns) is not damage and raises nothing.
#[test]
fn a_blank_key_beside_values_is_reported_at_its_cell() {
    let export = format!(
        "{EXPORT},C-504,2,01/01/2016,White - British,11/06/2022,POLICE,,,,,\n\
         CT-1006,C-504,2,01/01/2016,White - British,12/06/2022,School,,12/06/2022,Single assessment,Abuse/neglect,Duty East\n"
    );
    let file =
        InputFile::in_memory("casefile.csv", bytes::Bytes::from(export), Some(FileKind::Vendor { mapping: "casefile_contacts".into() }));
    let mut issues = Vec::new();
    let tables = normalise(ssd_tables(), &[file], CodeLists::builtin(), &mut issues).unwrap().tables;
    let blank: Vec<(&str, Option<i64>, Option<&str>)> =
        issues.iter().filter(|i| i.code == "blank_key").map(|i| (i.table.as_deref().unwrap(), i.row, i.column_letter.as_deref())).collect();
    assert_eq!(blank, [("contact", Some(7), Some("A")), ("referral", Some(8), Some("H"))]);
    let rows = |name: &str| tables.iter().find(|t| t.spec.name == name).unwrap().rows_out();
    assert_eq!((rows("contact"), rows("referral")), (6, 2), "no record from a blank key");
}
