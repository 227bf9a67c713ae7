//! Annex A header sets by effective date. The lists' SQL publishes the headers of the template in
//! force since [`BASE_SET`]; when Ofsted renames a column (its newer schema calls `Gender` `Sex`,
//! and ILACS is being revised for 2026-27), the rename goes into
//! `reference/annex_a/header_sets.csv` (`effective_from,list,header,published_as`; list `all` for
//! every list) and a workbook as at that date or later is written with the new headers. The set
//! is chosen by the as-at date; with no later set, the current one is used.

use chrono::NaiveDate;

const SETS: &str = include_str!("../../reference/annex_a/header_sets.csv");

/// The day the headers the SQL publishes took effect (the template the lists follow).
pub const BASE_SET: &str = "2023-01-01";

/// One rename: from `effective_from` on, `header` of `list` (0 for every list) is written as
/// `published_as`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub effective_from: NaiveDate,
    pub list: u8,
    pub header: String,
    pub published_as: String,
}

/// Parses a header-set file.
pub fn parse(text: &str) -> Result<Vec<Rename>, String> {
    let mut out = Vec::new();
    for (i, r) in csv::Reader::from_reader(text.as_bytes()).records().enumerate() {
        let r = r.map_err(|e| format!("header_sets.csv: {e}"))?;
        let bad = |what: &str| format!("header_sets.csv row {}: {what}", i + 2);
        let effective_from =
            NaiveDate::parse_from_str(r.get(0).unwrap_or(""), "%Y-%m-%d").map_err(|_| bad("effective_from is not a date"))?;
        let list = match r.get(1).unwrap_or("") {
            "all" => 0,
            n => n.parse().ok().filter(|n| (1..=11).contains(n)).ok_or_else(|| bad("list is not 1-11 or all"))?,
        };
        out.push(Rename {
            effective_from,
            list,
            header: r.get(2).unwrap_or("").to_string(),
            published_as: r.get(3).unwrap_or("").to_string(),
        });
    }
    Ok(out)
}

/// The header set in force on `as_at`: its effective date and the renames it makes.
pub fn set_for(renames: &[Rename], as_at: NaiveDate) -> (String, Vec<Rename>) {
    let latest = renames.iter().map(|r| r.effective_from).filter(|d| *d <= as_at).max();
    match latest {
        Some(d) => (d.to_string(), renames.iter().filter(|r| r.effective_from <= as_at).cloned().collect()),
        None => (BASE_SET.to_string(), Vec::new()),
    }
}

/// The built-in sets.
pub fn builtin() -> Vec<Rename> {
    parse(SETS).expect("reference/annex_a/header_sets.csv is checked by a unit test")
}

/// The header to write for `header` of `list` under `set` (the latest rename wins).
pub fn header<'a>(set: &'a [Rename], list: u8, header: &'a str) -> &'a str {
    set.iter()
        .filter(|r| (r.list == 0 || r.list == list) && r.header == header)
        .max_by_key(|r| r.effective_from)
        .map_or(header, |r| r.published_as.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_in_force_on_the_as_at_date_renames_its_headers() {
        assert!(builtin().iter().all(|r| !r.header.is_empty() && !r.published_as.is_empty()));
        let sets = parse("effective_from,list,header,published_as\n2026-04-01,all,Gender,Sex\n2027-04-01,8,Sex,Sex of child\n").unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (name, set) = set_for(&sets, day("2026-03-31"));
        assert_eq!((name.as_str(), header(&set, 1, "Gender")), (BASE_SET, "Gender"));
        let (name, set) = set_for(&sets, day("2026-04-01"));
        assert_eq!((name.as_str(), header(&set, 8, "Gender"), header(&set, 8, "Ethnicity")), ("2026-04-01", "Sex", "Ethnicity"));
        assert!(parse("effective_from,list,header,published_as\n2026-04-01,12,Gender,Sex\n").is_err());
    }
}
