//! Finding an Annex A list in a worksheet by its header row, whatever the sheet is called.
//!
//! Headers are compared on their letters and digits only, lower-cased, so case, spacing,
//! punctuation, curly quotes, a trailing space or a doubled bracket (`(Y/N))`) do not matter;
//! other wordings are listed in `reference/formats/annex_a/headers.csv` (Ofsted's current
//! template, the older one, and common variants such as `Age`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::lists::{List, LISTS};

const HEADERS: &str = include_str!("../../../reference/formats/annex_a/headers.csv");

/// Rows searched for the header row at the top of each sheet (title rows may sit above it).
pub const HEADER_SEARCH_ROWS: usize = 20;

/// A header row recognised as one list: for each field of the list, the sheet column holding it.
#[derive(Debug, Clone)]
pub struct ListHeader {
    pub list: &'static List,
    /// Index into `list.fields` → zero-based column in the row.
    pub columns: Vec<Option<usize>>,
    /// Columns of the row that are no field of the list (non-blank headers only).
    pub extra: Vec<usize>,
}

/// Header spellings, normalised: (list number or 0 for every list, normalised header) → field.
struct Spellings(HashMap<(u8, String), &'static str>);

fn spellings() -> &'static Spellings {
    static S: OnceLock<Spellings> = OnceLock::new();
    S.get_or_init(|| {
        let mut map = HashMap::new();
        for row in csv::Reader::from_reader(HEADERS.as_bytes()).records() {
            let row = row.expect("headers.csv is well formed");
            let list = if &row[0] == "all" { 0 } else { row[0].parse().expect("headers.csv: list is a number or all") };
            let field = field_name(&row[1]).unwrap_or_else(|| panic!("headers.csv names an unknown field {}", &row[1]));
            map.insert((list, normalise(&row[2])), field);
        }
        Spellings(map)
    })
}

/// The static name of a field some list defines.
fn field_name(name: &str) -> Option<&'static str> {
    LISTS.iter().flat_map(|l| l.fields.iter()).find(|f| f.name == name).map(|f| f.name)
}

/// A header reduced to its lower-cased letters and digits.
pub fn normalise(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The field of `list` a header names, if any.
pub(super) fn field_of(list: &List, header: &str) -> Option<usize> {
    let key = normalise(header);
    if key.is_empty() {
        return None;
    }
    let s = spellings();
    let name = s.0.get(&(list.number, key.clone())).or_else(|| s.0.get(&(0, key)))?;
    list.field(name)
}

/// The list a row of header cells belongs to, if it is a header row: every identifying field
/// of the list is present; when several lists qualify, the one with most fields found wins.
pub fn match_row(cells: &[String]) -> Option<ListHeader> {
    let mut best: Option<(usize, ListHeader)> = None;
    for list in LISTS {
        let mut columns = vec![None; list.fields.len()];
        let mut extra = Vec::new();
        for (c, header) in cells.iter().enumerate() {
            match field_of(list, header) {
                Some(f) if columns[f].is_none() => columns[f] = Some(c),
                Some(_) => extra.push(c), // a repeated column: the first is read
                None if !header.trim().is_empty() => extra.push(c),
                None => {}
            }
        }
        if !list.fields.iter().zip(&columns).all(|(f, c)| !f.identifies || c.is_some()) {
            continue;
        }
        let found = columns.iter().flatten().count();
        if best.as_ref().is_none_or(|(n, _)| found > *n) {
            best = Some((found, ListHeader { list, columns, extra }));
        }
    }
    best.map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(headers: &[&str]) -> Vec<String> {
        headers.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn every_field_has_a_header_and_every_header_a_field() {
        let s = spellings();
        for list in LISTS {
            for f in list.fields {
                assert!(
                    s.0.iter().any(|((l, _), name)| (*l == 0 || *l == list.number) && *name == f.name),
                    "list {} field {} has no header",
                    list.number,
                    f.name
                );
            }
        }
    }

    #[test]
    fn lists_are_found_by_headers_with_variants() {
        let h = match_row(&row(&["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Date of Contact", "Contact Source"]))
            .unwrap();
        assert_eq!(h.list.number, 1);
        assert_eq!(h.columns[h.list.field("age").unwrap()], Some(4));
        let h = match_row(&row(&["child unique id ", "DATE OF REFERRAL", "Referral Source", "Referral NFA?", "Notes"])).unwrap();
        assert_eq!(h.list.number, 3);
        assert_eq!(h.extra, vec![4]);
        // Curly quotes and a doubled bracket.
        let h = match_row(&row(&[
            "Child Unique ID",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
            "Date Started to be Looked After",
            "Child\u{2019}s Legal Status",
            "Number of Episodes the Child has been \u{2018}Missing\u{2019} from their Placement in the last 12 months",
        ]))
        .unwrap();
        assert_eq!(h.list.number, 8);
        assert!(h.columns[h.list.field("uasc").unwrap()].is_some());
        assert!(h.columns[h.list.field("missing_12m").unwrap()].is_some());
        assert!(h.extra.is_empty());
    }

    #[test]
    fn rows_that_are_not_list_headers() {
        assert!(match_row(&row(&["Annex A return", "", "Southampton"])).is_none());
        assert!(match_row(&row(&["Child Unique ID", "Gender"])).is_none(), "no list is identified by the shared columns alone");
        assert!(match_row(&row(&["Date of Contact", "Contact Source"])).is_none(), "a list needs its child id");
    }
}
