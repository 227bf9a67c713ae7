//! Code lists by collection year, for the SSD reader. An SSD extract holds the core codes
//! (`reference/codes/`), the union of every year's DfE lists, but some DfE codes exist only in
//! some collection years: referral source `5D` and closure reason `RC9` from 2022/23 (CIN
//! census), placement types `K3` and `Z11`–`Z14` from 2024/25 and 2025/26 and `H5`, `P2`, `Z1`
//! until 2024/25, reasons episode ceased `E43`/`E44` until 2017/18 and `E45`–`E48` from 2018/19,
//! placement change reason `CUSTOD` from 2018/19 (SSDA903). A code column whose list changed
//! names that list and the date that places its record in a collection year in
//! `schemas/ssd.toml` (`year_codes`, `year_of`), and a code outside the list of its record's
//! collection year is reported (`code_not_in_record_year`) and kept.
//!
//! The lists are the CIN census reader's ([`super::cin_xml::schema`]) and the SSDA903 reader's
//! ([`super::ssda903::layout`]), looked up through their own code. Sex and ethnicity are not
//! checked by year: the census ethnicity list is the same in every year, and the SSD records
//! the core sex codes, not the census's (whose spelling changed in 2024/25, not its meaning).

use super::builder::{Origin, SourceCell};
use super::cells::{from_date32, type_cell, Typed};
use super::cin_xml::schema::{Fit, Schemas};
use super::ssda903::{layout::layout, repair::collection_year_of};
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;

const STAGE: &str = "normalise";

/// The collection years (as text, e.g. `2023 to 2026`) in which `code` is in year-versioned list
/// `list` (`cin:<list>` or `ssda903:<list>`), when it is in that list but not in collection year
/// `year`'s; `None` when it is in `year`'s list, or in no year's (the core list check reports a
/// code of no list).
pub fn out_of_year(list: &str, code: &str, year: i32) -> Option<String> {
    match list.split_once(':') {
        Some(("cin", l)) => {
            let s = Schemas::get();
            match s.code(l, code, Some(s.schema_year(year))) {
                Fit::OtherYears(from, to) => Some(format!("{from} to {to}")),
                Fit::InYear | Fit::Unknown => None,
            }
        }
        Some(("ssda903", l)) => layout().translate(l, code, Some(year)).out_of_year,
        _ => panic!("year_codes {list:?} is not cin:<list> or ssda903:<list> (checked by a unit test)"),
    }
}

/// Checks the year-versioned code columns of one SSD row that was kept, recording a warning for
/// each code outside the list of the collection year its `year_of` date falls in. A row without
/// that date, or with a code that did not type, is not checked.
pub fn check(spec: &TableSpec, cells: &[Option<SourceCell>], at: &Origin, codes: &CodeLists, issues: &mut Vec<Issue>) {
    for (col, cell) in spec.columns.iter().zip(cells) {
        let (Some(list), Some(date_column), Some(cell)) = (col.year_codes.as_deref(), col.year_of.as_deref(), cell) else {
            continue;
        };
        let Typed::Text(code) = type_cell(col, cell.raw, codes).0 else {
            continue;
        };
        let Some(d) = spec.column_index(date_column) else {
            continue;
        };
        let Some(Typed::Date(day)) = cells[d].as_ref().map(|c| type_cell(&spec.columns[d], c.raw, codes).0) else {
            continue;
        };
        let year = collection_year_of(from_date32(day));
        if let Some(years) = out_of_year(list, &code, year) {
            let message = format!(
                "{} holds a code of the {years} collections, not of {year}, the collection year of the record's {date_column}; it is kept",
                col.name
            );
            let issue = Issue::new(Severity::Warning, STAGE, "code_not_in_record_year", message, Action::Kept);
            issues.push(at.issue(&spec.name, Some(cell), issue).core_column(&col.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_versioned_columns_name_a_list_that_changed_and_a_date_of_their_table() {
        let mut checked = 0;
        for spec in crate::schema::ssd_tables() {
            for col in spec.columns.iter().filter(|c| c.year_codes.is_some() || c.year_of.is_some()) {
                let (list, date) = (col.year_codes.as_deref().unwrap(), col.year_of.as_deref().unwrap());
                let d = spec.column_index(date).unwrap_or_else(|| panic!("{}.{}: year_of {date} is not a column", spec.name, col.name));
                assert_eq!(spec.columns[d].kind, crate::schema::ColumnType::Date, "{}.{date}", spec.name);
                // Every code of the core list is looked up; at least one is out of some year.
                let path = format!("{}/reference/codes/{}.csv", env!("CARGO_MANIFEST_DIR"), col.codes.as_deref().unwrap());
                let text = std::fs::read_to_string(&path).unwrap();
                let core: Vec<&str> = text.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
                assert!(
                    core.iter().any(|c| (2017..=2027).any(|y| out_of_year(list, c, y).is_some())),
                    "{}.{}: no core code of {list} changed between years",
                    spec.name,
                    col.name
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 6);
    }

    /// The issues `code_not_in_record_year` an SSD file raises, as (row, column letter, core column).
    fn flagged(name: &str, csv: &str) -> Vec<(i64, String, String)> {
        let bytes = bytes::Bytes::from(csv.to_string());
        let kind = crate::normalise::recognise(&bytes, crate::schema::ssd_tables());
        let file = crate::extract::InputFile::in_memory(name, bytes, kind);
        let mut issues = Vec::new();
        crate::normalise::normalise(crate::schema::ssd_tables(), &[file], CodeLists::builtin(), &mut issues).unwrap();
        let flagged: Vec<_> = issues.iter().filter(|i| i.code == "code_not_in_record_year").collect();
        for i in &flagged {
            assert_eq!(i.severity, Severity::Warning);
            assert!(!i.message.contains("5D") && !i.message.contains("K3"), "no cell value in a message: {}", i.message);
        }
        flagged
            .iter()
            .map(|i| (i.row.unwrap(), i.column_letter.clone().unwrap_or_default(), i.core_column.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn the_ssd_reader_reports_a_code_outside_its_records_year_at_its_row_and_column() {
        // Referral source 5D and closure reason RC9 exist from 2022/23 (1 April 2022).
        let referrals = "cine_referral_id,cine_person_id,cine_referral_date,cine_referral_source_code,cine_close_date,cine_close_reason\n\
                         R1,P1,2022-03-31,5D,2022-04-01,RC9\n\
                         R2,P2,2022-04-01,5d,2022-03-31,RC9\n\
                         R3,P3,,5D,,RC9\n\
                         R4,P4,2021-01-01,ZZ,,\n\
                         R5,P5,2021-01-01,5A,2021-06-01,RC8\n";
        // R1's source (row 2, D), dated the day before; R2's closure (row 3, F), closed the day
        // before; R3 has no dates to judge by; R4's code is in no list (the core check's
        // invalid code); R5's codes are in every year's list.
        assert_eq!(
            flagged("ssd_cin_episodes.csv", referrals),
            [(2, "D".to_string(), "cine_referral_source_code".to_string()), (3, "F".to_string(), "cine_close_reason".to_string())]
        );
        // Placement type K3 from 2024/25, Z1 up to 2024/25 (SSDA903).
        let placements = "clap_cla_placement_id,clap_person_id,clap_cla_placement_start_date,clap_cla_placement_type\n\
                          1,P1,2024-03-31,K3\n\
                          2,P2,2024-04-01,K3\n\
                          3,P3,2025-03-31,Z1\n\
                          4,P4,2025-04-01,Z1\n";
        assert_eq!(
            flagged("ssd_cla_placement.csv", placements),
            [(2, "D".to_string(), "clap_cla_placement_type".to_string()), (5, "D".to_string(), "clap_cla_placement_type".to_string())]
        );
    }

    #[test]
    fn codes_are_judged_by_the_year_of_their_records_date() {
        // CIN census: 5D and RC9 from 2022/23 (collection year 2023).
        assert_eq!(out_of_year("cin:referral_source", "5D", 2022).as_deref(), Some("2023 to 2026"));
        assert_eq!(out_of_year("cin:referral_source", "5d", 2023), None);
        assert_eq!(out_of_year("cin:closure_reason", "RC9", 2022).as_deref(), Some("2023 to 2026"));
        // A year after the last schema's is judged by it; a code of no year is the core check's.
        assert_eq!(out_of_year("cin:referral_source", "5D", 2030), None);
        assert_eq!(out_of_year("cin:referral_source", "ZZ", 2022), None);
        // SSDA903: K3 from 2024/25, Z1 up to 2024/25, E45 from 2018/19.
        assert_eq!(out_of_year("ssda903:placement_type", "K3", 2024).as_deref(), Some("from 2025"));
        assert_eq!(out_of_year("ssda903:placement_type", "K3", 2025), None);
        assert_eq!(out_of_year("ssda903:placement_type", "Z1", 2026).as_deref(), Some("up to 2025"));
        assert_eq!(out_of_year("ssda903:reason_episode_ceased", "E45", 2018).as_deref(), Some("from 2019"));
        assert_eq!(out_of_year("ssda903:placement_change_reason", "CUSTOD", 2019), None);
        assert_eq!(collection_year_of(chrono::NaiveDate::from_ymd_opt(2022, 3, 31).unwrap()), 2022);
        assert_eq!(collection_year_of(chrono::NaiveDate::from_ymd_opt(2022, 4, 1).unwrap()), 2023);
    }
}
