//! The Annex A workbook's "Notes" sheet: what an LA analyst otherwise writes by hand before the
//! workbook goes to Ofsted. Everything in it is worked out from the lists themselves, the
//! column catalogue `reference/annex_a/columns.csv` (each column's list, header, whether Ofsted
//! requires it, its lettered-value domain and the SSD tables it comes from) and what the run
//! knew about its input (the extract and how many rows each core table had):
//!
//! - the as-at date, the source extract and the header set used;
//! - each list's row count;
//! - each column left blank, on how many rows, and why (its source table was not in the export,
//!   the SSD does not hold it, or the date was not yet known at the as-at date);
//! - codes outside Ofsted's lettered values, with their counts and the SSD column to fix;
//! - where Allocated Team and Worker came from (an involvement, or the record's own);
//! - placements of a type withdrawn before they started (H5 and P2 from 1 April 2024);
//! - the interpretations chosen where Ofsted's wording is ambiguous.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type};

use crate::normalise::cells::{date32, from_date32};

const COLUMNS: &str = include_str!("../../reference/annex_a/columns.csv");
const LETTERED: &str = include_str!("../../reference/annex_a/lettered_values.csv");

/// A list column that is not a workbook column (`_allocation_source`) starts with this.
pub const HIDDEN_PREFIX: char = '_';

/// One column of an Annex A list, from `reference/annex_a/columns.csv`.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    /// List number, 1–11.
    pub list: u8,
    /// The header as the pipeline publishes it.
    pub header: String,
    /// Ofsted's template says the column may not be blank.
    pub mandatory: bool,
    /// The `reference/annex_a/lettered_values.csv` domain its values come from, if lettered.
    pub domain: Option<String>,
    /// The SSD tables it is derived from (`; `-separated), or why there are none.
    pub sources: String,
}

/// Every column of lists 1–11, in Ofsted's order.
pub fn columns() -> &'static [ColumnInfo] {
    static C: OnceLock<Vec<ColumnInfo>> = OnceLock::new();
    C.get_or_init(|| {
        csv::Reader::from_reader(COLUMNS.as_bytes())
            .records()
            .map(|r| {
                let r = r.expect("reference/annex_a/columns.csv is well formed (unit test)");
                ColumnInfo {
                    list: r[0].parse().expect("list number"),
                    header: r[1].to_string(),
                    mandatory: &r[2] == "Y",
                    domain: Some(r[3].to_string()).filter(|d| !d.is_empty()),
                    sources: r[4].to_string(),
                }
            })
            .collect()
    })
}

/// The values of a lettered domain, as published.
pub fn domain_values(domain: &str) -> HashSet<&'static str> {
    static D: OnceLock<BTreeMap<String, HashSet<&'static str>>> = OnceLock::new();
    let all = D.get_or_init(|| {
        let mut map: BTreeMap<String, HashSet<&'static str>> = BTreeMap::new();
        for line in LETTERED.lines().skip(1) {
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            if let Some(Ok(rec)) = r.records().next() {
                let value: &'static str = Box::leak(rec[2].to_string().into_boxed_str());
                map.entry(rec[0].to_string()).or_default().insert(value);
            }
        }
        map
    });
    all.get(domain).cloned().unwrap_or_default()
}

/// The code a lettered value was published for (`f) U6: Foster …` → `U6`), else the value.
fn code_of(domain: &str, value: &str) -> String {
    // Read once: this is called for every row of list 8, and reading the file each time took
    // most of the model stage's last 20 s in a debug build.
    static CODES: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        let mut map = HashMap::new();
        for line in LETTERED.lines().skip(1) {
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            if let Some(Ok(rec)) = r.records().next() {
                // The first row of a (domain, value) wins, as the search did.
                map.entry((rec[0].to_string(), rec[2].to_string())).or_insert_with(|| rec[1].to_string());
            }
        }
        map
    });
    codes.get(&(domain.to_string(), value.to_string())).cloned().unwrap_or_else(|| value.to_string())
}

/// What the run knew about its input.
#[derive(Debug, Clone, Default)]
pub struct ExtractFacts {
    /// The extract the lists were made from (a folder, a bucket, or the synthetic LA).
    pub source: String,
    /// Rows of each core table by SSD table name (`ssd_missing`); empty when not known.
    pub table_rows: BTreeMap<String, u64>,
}

impl ExtractFacts {
    /// The facts of a run: its input and the rows of its core tables (named as `schemas/ssd.toml`
    /// names them, `missing`), keyed by SSD table name.
    pub fn of_run(source: String, core_rows: impl IntoIterator<Item = (String, u64)>) -> ExtractFacts {
        let specs = crate::schema::ssd_tables();
        let table_rows = core_rows
            .into_iter()
            .map(|(name, rows)| (specs.iter().find(|s| s.name == name).map_or(name, |s| s.source.clone()), rows))
            .collect();
        ExtractFacts { source, table_rows }
    }

    /// Rows of an SSD table, when known.
    fn rows(&self, table: &str) -> Option<u64> {
        self.table_rows.get(table).copied()
    }
}

/// One line of the Notes sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub section: &'static str,
    /// `List 8`, or empty for the whole workbook.
    pub list: String,
    /// The column the note is about, or empty.
    pub column: String,
    pub note: String,
}

fn note(section: &'static str, list: u8, column: &str, text: String) -> Note {
    Note { section, list: if list == 0 { String::new() } else { format!("List {list}") }, column: column.to_string(), note: text }
}

/// Placement types withdrawn from SSDA903 (replaced by K3 supported accommodation) and the day
/// from which a placement starting with them is an error.
pub const WITHDRAWN_PLACEMENTS: [(&str, &str); 2] = [("H5", "2024-04-01"), ("P2", "2024-04-01")];

/// The list number of a list name (`list_08_children_in_care` → 8).
fn number(name: &str) -> u8 {
    name.strip_prefix("list_").and_then(|r| r.get(..2)).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The notes for a workbook of `lists` as at `as_at`.
pub fn notes(lists: &[(&str, RecordBatch)], as_at: NaiveDate, facts: &ExtractFacts, header_set: &str) -> Vec<Note> {
    let mut out = vec![
        note("About", 0, "", format!("Ofsted Annex A lists 1-11 as at {as_at}, written by csc-pipeline {}.", env!("CARGO_PKG_VERSION"))),
        note("About", 0, "", format!("Source extract: {}.", if facts.source.is_empty() { "not recorded" } else { facts.source.as_str() })),
        note("About", 0, "", format!("Headers: the set in force from {header_set} (reference/annex_a/header_sets.csv).")),
        note(
            "About",
            0,
            "",
            "A blank cell is never a hidden zero: a count whose source table was not in the export is blank, and 0 means the table was supplied and the child has none.".into(),
        ),
    ];
    for (name, batch) in lists {
        out.push(note("Rows", number(name), "", format!("{} rows", batch.num_rows())));
    }
    for (name, batch) in lists {
        blanks(number(name), batch, as_at, facts, &mut out);
    }
    for (name, batch) in lists {
        unknown_codes(number(name), batch, &mut out);
    }
    for (name, batch) in lists {
        allocation(number(name), batch, &mut out);
    }
    if let Some((_, batch)) = lists.iter().find(|(n, _)| number(n) == 8) {
        withdrawn_placements(batch, &mut out);
    }
    if let Some((_, batch)) = lists.iter().find(|(n, _)| number(n) == 9) {
        let latest =
            column(batch, "Latest Date of Contact").and_then(|c| c.as_primitive_opt::<Date32Type>().and_then(|d| d.iter().flatten().max()));
        out.push(note(
            "Interpretation",
            9,
            "",
            format!(
                "The SSD holds care leavers only as a point-in-time table (ssd_care_leavers): list 9 is that table as extracted, not recomputed as at {as_at}; its latest contact date is {}.",
                latest.map_or("not recorded".to_string(), |d| from_date32(d).to_string())
            ),
        ));
    }
    for (list, text) in [
        (3, "Number of Referrals in Last 12 Months counts the child's referrals in the 12 months up to the as-at date, less the one on the row."),
        (4, "An assessment is listed when it was open at any time in the six months (started before the as-at date and authorised in the six months or not yet), not only when it started in them."),
        (6, "One row per CIN episode: a child with two episodes in the six months has two rows."),
        (8, "One row per child, for their latest episode; Placement Location and LA of Placement come from the placement postcode (ONS Postcode Directory sectors)."),
        (8, "The permanence plan is the one the child's care plan in force on the as-at date records (ssd_cla_care_plan; at the episode's end for a child who left care); under parallel planning, the first of its plans in Ofsted's order. A plan with relatives or friends (SSD key LTRELFR) is shown as c) SGO/CAO."),
        (8, "K3 (supported accommodation, new in SSDA903 2024-25) has no letter in Ofsted's template yet: it is published as p1) K3, after p) K2, as Ofsted did for p1) 5D."),
    ] {
        out.push(note("Interpretation", list, "", text.to_string()));
    }
    out
}

/// The notes a run summary and manifest carry: blanks, allocation and withdrawn placement types as
/// they are, and codes outside Ofsted's lists counted by column (the values themselves are cell
/// values, which stay in the workbook).
pub fn summary_lines(notes: &[Note]) -> Vec<String> {
    let mut odd: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for n in notes {
        match n.section {
            "Blank" | "Allocation" | "Withdrawn placement type" => {
                let column = if n.column.is_empty() { String::new() } else { format!(" · {}", n.column) };
                out.push(format!("{}{column}: {}", n.list, n.note));
            }
            "Codes outside Ofsted's list" => {
                let rows = n.note.split(" on ").nth(1).and_then(|r| r.split(' ').next()).and_then(|r| r.parse::<usize>().ok()).unwrap_or(0);
                *odd.entry((n.list.as_str(), n.column.as_str())).or_default() += rows;
            }
            _ => {}
        }
    }
    for ((list, column), rows) in odd {
        out.push(format!("{list} · {column}: {rows} rows with codes outside Ofsted's list (see the workbook's Notes)"));
    }
    out
}

fn column<'a>(batch: &'a RecordBatch, header: &str) -> Option<&'a datafusion::arrow::array::ArrayRef> {
    batch.schema().index_of(header).ok().map(|i| batch.column(i))
}

/// Why a column can be blank, from its catalogue entry and the input.
fn blank_reason(info: &ColumnInfo, facts: &ExtractFacts, all_rows: bool) -> String {
    if info.sources.contains("not read") || info.sources.contains("not in the SSD") {
        return format!("not derivable from the SSD as the pipeline reads it ({})", info.sources);
    }
    let tables: Vec<&str> = info.sources.split(';').map(str::trim).filter(|t| t.starts_with("ssd_")).collect();
    let missing: Vec<&str> = tables.iter().copied().filter(|t| facts.rows(t) == Some(0)).collect();
    if !missing.is_empty() && missing.len() == tables.len() || (!missing.is_empty() && all_rows) {
        return format!("source table not supplied or empty: {}", missing.join(", "));
    }
    if info.header.contains("Date") || info.header.contains("date") {
        return format!("no date recorded on or before the as-at date in {}", tables.join(", "));
    }
    format!("not recorded for these children in {}", tables.join(", "))
}

fn blanks(list: u8, batch: &RecordBatch, _as_at: NaiveDate, facts: &ExtractFacts, out: &mut Vec<Note>) {
    let rows = batch.num_rows();
    if rows == 0 {
        if let Some(info) = columns().iter().find(|c| c.list == list) {
            let why = if list == 11 {
                "the SSD holds no adopter records: fill list 11 from the adoption agency's own system".to_string()
            } else {
                let tables: Vec<&str> = info.sources.split(';').map(str::trim).filter(|t| t.starts_with("ssd_")).collect();
                match tables.iter().find(|t| facts.rows(t) == Some(0)) {
                    Some(t) => format!("no rows: the export had no {t} records (not supplied or empty), so this is not a count of none"),
                    None => "no rows: no records fall in the list's window".to_string(),
                }
            };
            out.push(note("Blank", list, "", why));
        }
        return;
    }
    for info in columns().iter().filter(|c| c.list == list) {
        let Some(c) = column(batch, &info.header) else { continue };
        let blank = c.null_count()
            + if matches!(c.data_type(), DataType::Utf8) {
                c.as_string::<i32>().iter().flatten().filter(|s| s.trim().is_empty()).count()
            } else {
                0
            };
        if blank == 0 {
            continue;
        }
        let all = blank == rows;
        let kind = if info.mandatory { "mandatory; " } else { "" };
        let extent = if all { "blank on every row".to_string() } else { format!("blank on {blank} of {rows} rows") };
        let why = if info.header == "Allocated Personal Advisor" && workers_by_id(batch) {
            "withheld: the pipeline file shows workers by id ([annex_a] worker_names = false) and the SSD holds personal advisers by name only".to_string()
        } else {
            blank_reason(info, facts, all)
        };
        out.push(note("Blank", list, &info.header, format!("{extent} ({kind}{why})")));
    }
}

fn unknown_codes(list: u8, batch: &RecordBatch, out: &mut Vec<Note>) {
    for info in columns().iter().filter(|c| c.list == list) {
        let (Some(domain), Some(c)) = (&info.domain, column(batch, &info.header)) else { continue };
        let Some(values) = c.as_string_opt::<i32>() else { continue };
        let allowed = domain_values(domain);
        let mut odd: BTreeMap<&str, usize> = BTreeMap::new();
        for v in values.iter().flatten().filter(|v| !allowed.contains(v)) {
            *odd.entry(v).or_default() += 1;
        }
        for (value, n) in odd {
            out.push(note(
                "Codes outside Ofsted's list",
                list,
                &info.header,
                format!(
                    "'{value}' on {n} rows: not one of Ofsted's values, published as received; correct it at source ({})",
                    info.sources
                ),
            ));
        }
    }
}

/// Whether a list shows workers by id because the pipeline file withholds names (its hidden
/// column `_workers_shown_by` is `id`).
fn workers_by_id(batch: &RecordBatch) -> bool {
    column(batch, "_workers_shown_by").and_then(|c| c.as_string_opt::<i32>()).is_some_and(|c| c.iter().flatten().any(|v| v == "id"))
}

fn allocation(list: u8, batch: &RecordBatch, out: &mut Vec<Note>) {
    if workers_by_id(batch) {
        out.push(note(
            "Allocation",
            0,
            "Allocated Worker",
            "Workers are shown by id, not name, as the pipeline file asks ([annex_a] worker_names = false).".into(),
        ));
    }

    let Some(c) = column(batch, "_allocation_source").and_then(|c| c.as_string_opt::<i32>()) else { return };
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut none = 0;
    for v in c.iter() {
        match v {
            Some(v) => *by.entry(v).or_default() += 1,
            None => none += 1,
        }
    }
    let mut parts: Vec<String> = by
        .iter()
        .map(|(k, n)| {
            format!(
                "{n} from {}",
                if *k == "involvement" { "the involvement open then".to_string() } else { format!("the {k}'s own team and worker") }
            )
        })
        .collect();
    if none > 0 {
        parts.push(format!("{none} with neither"));
    }
    if !parts.is_empty() {
        out.push(note(
            "Allocation",
            list,
            "Allocated Team",
            format!(
                "{} (the involvement open at the as-at date, or at the record's end when it closed before; else the record's own).",
                parts.join(", ")
            ),
        ));
    }
}

fn withdrawn_placements(batch: &RecordBatch, out: &mut Vec<Note>) {
    let (Some(types), Some(starts)) = (column(batch, "Placement Type"), column(batch, "Start Date of Most Recent Placement")) else {
        return;
    };
    let (Some(types), Some(starts)) = (types.as_string_opt::<i32>(), starts.as_primitive_opt::<Date32Type>()) else { return };
    for (code, from) in WITHDRAWN_PLACEMENTS {
        let Ok(day) = NaiveDate::parse_from_str(from, "%Y-%m-%d") else { continue };
        let n = (0..batch.num_rows())
            .filter(|&r| {
                types.is_valid(r)
                    && starts.is_valid(r)
                    && code_of("placement_type", types.value(r)) == code
                    && starts.value(r) >= date32(day)
            })
            .count();
        if n > 0 {
            out.push(note(
                "Withdrawn placement type",
                8,
                "Placement Type",
                format!("{n} placements of type {code} started on or after {from}, when SSDA903 withdrew it (use K3 supported accommodation, or the type that applies): correct them in ssd_cla_placement"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use datafusion::arrow::array::{Date32Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    #[test]
    fn the_docs_say_which_columns_depend_on_which_ssd_tables_as_the_catalogue_does() {
        // docs/annex_a.md, "Which columns depend on which SSD tables": one table per list, a row
        // per column (header, required, lettered values, SSD tables), the catalogue's own order.
        let md = include_str!("../../docs/annex_a.md");
        let section = &md[md.find("## Which columns depend").expect("docs/annex_a.md has the section")..];
        let mut documented = Vec::new();
        let mut list = 0u8;
        for line in section.lines() {
            if let Some(n) = line.strip_prefix("**List ").and_then(|r| r.split(':').next()).and_then(|n| n.parse().ok()) {
                list = n;
            } else if list > 0 && line.starts_with("| ") && !line.starts_with("| column") {
                let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
                documented.push((
                    list,
                    cells[0].to_string(),
                    cells[1] == "yes",
                    cells[2].trim_matches('`').to_string(),
                    cells[3].to_string(),
                ));
            }
        }
        let catalogue: Vec<_> = columns()
            .iter()
            .map(|c| (c.list, c.header.clone(), c.mandatory, c.domain.clone().unwrap_or_default(), c.sources.clone()))
            .collect();
        assert_eq!(documented, catalogue);
    }

    #[test]
    fn the_catalogue_has_every_published_column_in_order() {
        for (name, sql) in crate::model::annex_a::LISTS {
            let body = &sql[sql.rfind("\nSELECT").unwrap_or(0)..];
            let headers: Vec<&str> =
                body.split("AS \"").skip(1).filter_map(|s| s.split('"').next()).filter(|h| !h.starts_with(HIDDEN_PREFIX)).collect();
            let listed: Vec<&str> = columns().iter().filter(|c| c.list == number(name)).map(|c| c.header.as_str()).collect();
            assert_eq!(headers, listed, "{name}");
        }
        assert_eq!(columns().len(), 169);
        for c in columns() {
            if let Some(d) = &c.domain {
                assert!(!domain_values(d).is_empty(), "{}: domain {d} has no values", c.header);
            }
        }
    }

    fn list8(types: &[Option<&str>], starts: &[Option<&str>], missing: &[Option<i64>]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("Placement Type", DataType::Utf8, true),
            Field::new("Start Date of Most Recent Placement", DataType::Date32, true),
            Field::new("Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months", DataType::Int64, true),
            Field::new("_allocation_source", DataType::Utf8, true),
        ]);
        let day = |s: &Option<&str>| s.map(|s| date32(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()));
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(types.to_vec())),
                Arc::new(Date32Array::from(starts.iter().map(day).collect::<Vec<_>>())),
                Arc::new(Int64Array::from(missing.to_vec())),
                Arc::new(StringArray::from(vec![Some("involvement"), Some("referral"), None])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn blanks_odd_codes_allocation_and_withdrawn_placements_are_noted() {
        let h5 = "n) H5: Semi-independent living accommodation not subject to Children's Homes Regulations (withdrawn from 2024-25)";
        let batch = list8(&[Some(h5), Some(h5), Some("U9")], &[Some("2024-04-01"), Some("2024-03-31"), None], &[None, None, None]);
        let mut facts = ExtractFacts { source: "test".into(), ..ExtractFacts::default() };
        facts.table_rows.insert("ssd_missing".into(), 0);
        let n = notes(&[("list_08_children_in_care", batch)], NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(), &facts, "2023-04-01");
        let find = |section: &str, column: &str| {
            n.iter().filter(|x| x.section == section && x.column.starts_with(column)).map(|x| x.note.clone()).collect::<Vec<_>>()
        };
        assert_eq!(find("Rows", ""), ["3 rows"]);
        // Missing counts: blank on every row because ssd_missing had no rows.
        let missing = find("Blank", "Number of Episodes the Child has been 'Missing'");
        assert_eq!(missing, ["blank on every row (mandatory; source table not supplied or empty: ssd_missing)"]);
        assert_eq!(
            find("Blank", "Start Date of Most Recent Placement"),
            ["blank on 1 of 3 rows (mandatory; no date recorded on or before the as-at date in ssd_cla_placement)"]
        );
        assert_eq!(find("Codes outside Ofsted's list", "Placement Type").len(), 1);
        assert!(find("Codes outside Ofsted's list", "Placement Type")[0].starts_with("'U9' on 1 rows"));
        // Only the H5 placement that started on the withdrawal day is flagged.
        assert_eq!(find("Withdrawn placement type", "Placement Type").len(), 1);
        assert!(find("Withdrawn placement type", "Placement Type")[0].starts_with("1 placements of type H5"));
        assert_eq!(find("Allocation", "Allocated Team").len(), 1);
        assert!(find("Allocation", "Allocated Team")[0]
            .starts_with("1 from the involvement open then, 1 from the referral's own team and worker, 1 with neither"));
    }
}
