//! Annex A lists end to end: the workbook `csc annex-a` writes from a demo warehouse. The lists'
//! known answers (headers, lettered values, look-back windows, counters) are in
//! `tests/sql/annex_a/*.slt`.

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
    let expected: Vec<String> = std::iter::once("Notes".to_string()).chain((1..=11).map(|n| format!("List {n}"))).collect();
    assert_eq!(names, expected);
    let list1 = book.worksheet_range("List 1").unwrap();
    let header: Vec<String> = list1.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact", "Contact Source"]
    );
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
