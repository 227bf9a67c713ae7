//! Annex A lists: known-answer cases built inline, checked column by column against Ofsted's
//! headers, lettered values, look-back windows and counters.

use chrono::NaiveDate;
use csc_pipeline::model::annex_a::run_lists;
use csc_pipeline::model::{memory_session, ModelParams};
use csc_pipeline::schema::ssd_tables;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int32Type, Int64Type};

async fn lists(as_at: &str, inserts: &str) -> Vec<(String, RecordBatch)> {
    let params = ModelParams { la_code: "852".into(), la_name: "Southampton".into(), as_at: NaiveDate::parse_from_str(as_at, "%Y-%m-%d").unwrap(), history_years: 6 };
    let ctx = memory_session(ssd_tables(), &params).unwrap();
    for s in inserts.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        ctx.sql(s).await.unwrap().collect().await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    // The lists need the shared views, registered by a measure run.
    let mut issues = Vec::new();
    csc_pipeline::model::run_measures(&ctx, &params, &["contacts".to_string()], &mut issues).await.unwrap();
    run_lists(&ctx, &mut issues).await.unwrap().into_iter().map(|l| (l.name.to_string(), l.batch)).collect()
}

fn list<'a>(all: &'a [(String, RecordBatch)], name: &str) -> &'a RecordBatch {
    &all.iter().find(|(n, _)| n == name).unwrap().1
}

fn text(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let c = b.column_by_name(col).unwrap_or_else(|| panic!("no column {col:?}"));
    let c = datafusion::arrow::compute::cast(c, &DataType::Utf8).unwrap();
    let s = c.as_string::<i32>();
    s.is_valid(row).then(|| s.value(row).to_string())
}

fn date(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let c = b.column_by_name(col).unwrap_or_else(|| panic!("no column {col:?}"));
    let d = c.as_primitive::<Date32Type>();
    d.is_valid(row).then(|| csc_pipeline::normalise::cells::from_date32(d.value(row)).to_string())
}

fn int(b: &RecordBatch, col: &str, row: usize) -> i64 {
    let c = b.column_by_name(col).unwrap_or_else(|| panic!("no column {col:?}"));
    datafusion::arrow::compute::cast(c, &DataType::Int64).unwrap().as_primitive::<Int64Type>().value(row)
}

const CHILD: &str = "INSERT INTO person (pers_person_id, pers_sex, pers_ethnicity, pers_dob) VALUES ('P1', 'F', 'WBRI', DATE '2015-06-01'), ('P2', 'M', 'XXXX', NULL);
     INSERT INTO disability (disa_table_id, disa_person_id, disa_disability_code) VALUES ('D1', 'P1', 'AUT')";

#[tokio::test]
async fn list_1_contacts_six_month_window_and_lettered_values() {
    // As at 31 Mar 2023 the window starts 30 Sep 2022: C2 on that day is in, C1 the day before
    // is out. P1 is female, White British, aged 7; P2's ethnicity code is not an Ofsted code and
    // is shown as received.
    let all = lists(
        "2023-03-31",
        &format!("{CHILD}; INSERT INTO contact (cont_contact_id, cont_person_id, cont_contact_date, cont_contact_source_code) VALUES
           ('C1', 'P1', DATE '2022-09-29', '6'), ('C2', 'P1', DATE '2022-09-30', '6'), ('C3', 'P2', DATE '2023-03-31', '5D'), ('C4', 'P2', DATE '2023-04-01', '1A')"),
    )
    .await;
    let l1 = list(&all, "list_01_contacts");
    let headers: Vec<String> = l1.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(headers, ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact", "Contact Source"]);
    assert_eq!(l1.num_rows(), 2);
    assert_eq!(text(l1, "Child Unique ID", 0).as_deref(), Some("P1"));
    assert_eq!(text(l1, "Gender", 0).as_deref(), Some("b) Female"));
    assert_eq!(text(l1, "Ethnicity", 0).as_deref(), Some("a) WBRI"));
    assert_eq!(l1.column_by_name("Age of Child (Years)").unwrap().as_primitive::<Int32Type>().value(0), 7);
    assert_eq!(date(l1, "Date of Contact", 0).as_deref(), Some("2022-09-30"));
    assert_eq!(text(l1, "Contact Source", 0).as_deref(), Some("q) 6: Police"));
    assert_eq!(text(l1, "Gender", 1).as_deref(), Some("a) Male"));
    assert_eq!(text(l1, "Ethnicity", 1).as_deref(), Some("XXXX"), "unmapped codes are kept, never blanked");
    assert_eq!(text(l1, "Contact Source", 1).as_deref(), Some("p1) 5D: LA services"));
}

#[tokio::test]
async fn list_3_referrals_and_list_5_s47_counters() {
    // P1: referrals 1 Jun 2022 (outside the six months, inside twelve) and 1 Feb 2023 (listed;
    // one earlier referral in the last 12 months). S47s 1 Jun 2022 and 1 Feb 2023, ICPC on
    // 20 Feb 2023 that made a plan; an open S47 from 2021 is listed because it is still open.
    let all = lists(
        "2023-03-31",
        &format!("{CHILD}; INSERT INTO referral (cine_referral_id, cine_person_id, cine_referral_date, cine_referral_source_code, cine_referral_nfa, cine_referral_team) VALUES
           ('R1', 'P1', DATE '2022-06-01', '2A', 'N', 'T1'), ('R2', 'P1', DATE '2023-02-01', '3A', 'N', 'T1');
         INSERT INTO s47_enquiry (s47e_s47_enquiry_id, s47e_person_id, s47e_s47_start_date, s47e_s47_end_date, s47e_s47_nfa) VALUES
           ('S1', 'P1', DATE '2022-06-01', DATE '2022-06-20', 'Y'), ('S2', 'P1', DATE '2023-02-01', DATE '2023-02-20', 'N'),
           ('S3', 'P2', DATE '2021-05-01', NULL, NULL);
         INSERT INTO icpc (icpc_icpc_id, icpc_person_id, icpc_s47_enquiry_id, icpc_icpc_date, icpc_icpc_outcome_cp_flag) VALUES
           ('I1', 'P1', 'S2', DATE '2023-02-20', 'Y')"),
    )
    .await;
    let l3 = list(&all, "list_03_referrals");
    assert_eq!(l3.num_rows(), 1);
    assert_eq!(text(l3, "Referral Source", 0).as_deref(), Some("g) 3A: Health services"));
    assert_eq!(text(l3, "Referral NFA?", 0).as_deref(), Some("b) No"));
    assert_eq!(int(l3, "Number of Referrals in Last 12 Months", 0), 1);
    assert_eq!(text(l3, "Allocated Team", 0).as_deref(), Some("T1"));
    let l5 = list(&all, "list_05_s47_icpc");
    assert_eq!(l5.num_rows(), 2, "S2 (in the window) and S3 (still open)");
    assert_eq!(text(l5, "Child Unique ID", 0).as_deref(), Some("P2"));
    assert_eq!(text(l5, "Was an Initial Child Protection Conference deemed unnecessary?", 0), None, "undecided while open");
    assert_eq!(text(l5, "Does the Child have a Disability", 1).as_deref(), Some("a) Yes"));
    assert_eq!(text(l5, "Was an Initial Child Protection Conference deemed unnecessary?", 1).as_deref(), Some("b) No"));
    assert_eq!(date(l5, "Date of Initial Child Protection Conference", 1).as_deref(), Some("2023-02-20"));
    assert_eq!(text(l5, "Did the Initial Child Protection Conference Result in a Child Protection Plan", 1).as_deref(), Some("a) Yes"));
    assert_eq!(int(l5, "Number of Section 47 Enquiries in the last 12 months", 1), 1);
    assert_eq!(int(l5, "Number of ICPCs in the last 12 months", 1), 1);
}

#[tokio::test]
async fn list_7_child_protection_visits_reviews_emergency_orders_and_previous_plans() {
    // P1's current plan (from 1 Jan 2022; neglect, now emotional abuse) follows a 2019 plan; last
    // visit 20 Mar 2023 seen alone; review 1 Mar 2023; an EPO (L2) from 1 Oct 2022. A plan that
    // ended 1 Sep 2022 is before the six-month window (30 Sep 2022) and is not listed.
    let all = lists(
        "2023-03-31",
        &format!("{CHILD}; INSERT INTO cp_plan (cppl_cp_plan_id, cppl_person_id, cppl_cp_plan_start_date, cppl_cp_plan_end_date, cppl_cp_plan_initial_category, cppl_cp_plan_latest_category) VALUES
           ('A', 'P1', DATE '2019-01-01', DATE '2019-09-01', 'PHY', 'PHY'), ('B', 'P1', DATE '2022-01-01', NULL, 'NEG', 'EMO'),
           ('C', 'P2', DATE '2022-01-01', DATE '2022-09-01', 'SAB', NULL);
         INSERT INTO cp_visit (cppv_cp_visit_id, cppv_person_id, cppv_cp_visit_date, cppv_cp_visit_seen, cppv_cp_visit_seen_alone) VALUES
           ('V1', 'P1', DATE '2023-03-01', 'Y', 'N'), ('V2', 'P1', DATE '2023-03-20', 'Y', 'Y');
         INSERT INTO cp_review (cppr_cp_review_id, cppr_person_id, cppr_cp_review_date) VALUES ('RV1', 'P1', DATE '2023-03-01');
         INSERT INTO legal_status (lega_legal_status_id, lega_person_id, lega_legal_status, lega_legal_status_start_date, lega_legal_status_end_date) VALUES
           ('L1', 'P1', 'L2', DATE '2022-10-01', DATE '2022-10-08')"),
    )
    .await;
    let l7 = list(&all, "list_07_child_protection");
    assert_eq!(l7.num_rows(), 1);
    assert_eq!(text(l7, "Initial Category of Abuse", 0).as_deref(), Some("a) Neglect"));
    assert_eq!(text(l7, "Latest Category of Abuse", 0).as_deref(), Some("d) Emotional abuse"));
    assert_eq!(date(l7, "Date of the Last Statutory Visit", 0).as_deref(), Some("2023-03-20"));
    assert_eq!(text(l7, "Was the Child Seen Alone?", 0).as_deref(), Some("a) Yes"));
    assert_eq!(date(l7, "Date of latest review conference", 0).as_deref(), Some("2023-03-01"));
    assert_eq!(date(l7, "Child Protection Plan End Date", 0), None);
    assert_eq!(text(l7, "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)", 0).as_deref(), Some("a) Yes"));
    assert_eq!(int(l7, "Number of Previous Child Protection Plans", 0), 1);
    assert_eq!(list(&all, "list_11_adopters").num_rows(), 0);
    assert_eq!(list(&all, "list_11_adopters").num_columns(), 19);
}

#[test]
fn annex_a_workbook_has_ofsted_sheets_headers_and_real_dates() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = super::temp();
    super::demo(dir.path());
    let wh = dir.path().join("warehouse");
    let out = dir.path().join("annex_a.xlsx");
    let o = super::csc(&["annex-a", "--as-at", "2023-03-31", "--warehouse", wh.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, (1..=11).map(|n| format!("List {n}")).collect::<Vec<_>>());
    let list1 = book.worksheet_range("List 1").unwrap();
    let header: Vec<String> = list1.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact", "Contact Source"]);
    // The 16 demo contacts from 30 Sep 2022 to 31 Mar 2023 (demo/EXPECTED.md), one row each.
    assert_eq!(list1.height(), 1 + 16);
    let first = list1.rows().nth(1).unwrap();
    match &first[5] {
        // Excel serial 44834 = 30 Sep 2022, 44999 = 31 Mar 2023.
        Data::DateTime(d) => assert!((44834.0..=44999.0).contains(&d.as_f64()), "{}", d.as_f64()),
        other => panic!("Date of Contact is not an Excel date: {other:?}"),
    }
    assert!(matches!(&first[1], Data::String(s) if s.starts_with("a) ") || s.starts_with("b) ")));
    assert!(matches!(&first[4], Data::Float(_)), "ages are numbers");
    let list7 = book.worksheet_range("List 7").unwrap();
    assert_eq!(list7.height(), 1 + 7, "CP plans open at 31 Mar 2023 or ended since 30 Sep 2022");
    // No lists for a date nobody ran: a clear error, exit 1.
    let o = super::csc(&["annex-a", "--as-at", "2023-11-15", "--warehouse", wh.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("csc run --as-at 2023-11-15"));
}
