//! Faults real exports have (standards-annex-a-cin-903-ssd.md §6), injected cell by cell as the
//! files are written, and the manifest of each one (`_faults.csv`: file, row, column, kind, and
//! the quality issue code the pipeline is expected to record, blank when the pipeline reads the
//! value correctly without comment, as for a valid `dd/mm/yyyy` date or a byte-order mark).
//!
//! Besides broken cells, rows carry records that type cleanly but cannot be right, each caught by
//! a plausibility or linkage rule of the model stage: an event dated before 1900 or before the
//! child's birth, an end before its start, a record whose child is not in the person table. With
//! high messiness whole tables are faulted too (see [`Injector::table`]): a table that stopped
//! updating, a key column left blank, a key column's blank share risen since the night before,
//! and a table cut short against the night before's extract (`ssd_previous/`, written clean
//! beside it). These are recorded with the file and a blank row.
//!
//! At most one fault is put in a row, and a duplicated row is an unaltered copy written straight
//! after its original, so each fault maps to exactly one cell the pipeline reports. No fault goes
//! where a relational rule (`sql/quality/`) would then flag another record: values those rules
//! link records by are never emptied, rows they link to are never rejected, and the plausibility
//! and linkage kinds go only in tables no relational rule reads.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Messiness;
use csc_pipeline::normalise::cells::{from_date32, is_placeholder, parse_date};
use csc_pipeline::quality::plausibility::event_tables;
use csc_pipeline::reference::CodeLists;
use csc_pipeline::schema::{ColumnType, TableSpec};

/// The columns the relational rules (`sql/quality/`) read, by core table. A fault that empties
/// one of these, or moves its date, could raise an issue at another record (a plan whose
/// conference lost its date has no conference), so only faults read back to the same value
/// (`uk_date`, `padded_id`) go in them, and the plausibility and linkage kinds go in none of
/// these tables.
const LINKED: &[(&str, &[&str])] = &[
    ("person", &["pers_person_id", "pers_expected_dob"]),
    ("referral", &["cine_referral_id", "cine_referral_date", "cine_close_date", "cine_referral_nfa"]),
    ("assessment", &["cina_assessment_start_date", "cina_referral_id"]),
    ("s47_enquiry", &["s47e_s47_start_date", "s47e_person_id"]),
    ("icpc", &["icpc_icpc_date", "icpc_person_id"]),
    ("cp_plan", &["cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date"]),
    (
        "cla_episode",
        &[
            "clae_cla_episode_id",
            "clae_person_id",
            "clae_cla_episode_start_date",
            "clae_cla_episode_start_reason",
            "clae_cla_episode_ceased_date",
            "clae_entered_care_date",
        ],
    ),
    (
        "cla_care_plan",
        &["lacp_table_id", "lacp_person_id", "lacp_cla_care_plan_start_date", "lacp_cla_care_plan_end_date", "lacp_cla_care_plan_json"],
    ),
    ("legal_status", &["lega_person_id", "lega_legal_status_start_date", "lega_legal_status_end_date"]),
    ("cla_placement", &["clap_person_id", "clap_cla_placement_start_date", "clap_cla_placement_end_date"]),
    ("professional", &["prof_professional_id"]),
    ("involvement", &["invo_professional_id"]),
    ("cp_visit", &["cppv_person_id", "cppv_cp_visit_date"]),
    ("cp_review", &["cppr_person_id", "cppr_cp_review_date"]),
    ("cla_visit", &["clav_person_id", "clav_cla_visit_date"]),
    ("care_leaver", &["clea_person_id"]),
];

/// Tables whose rows a relational rule reads to judge another record: a row of one rejected
/// (its required person id blanked) could leave another record without its plan, conference,
/// enquiry, legal status, placement or assessment.
const LINKED_TO: &[&str] =
    &["assessment", "s47_enquiry", "icpc", "cp_plan", "cla_episode", "legal_status", "cla_placement", "professional", "cla_care_plan"];

/// Days before the export date from which a stale table has no records (the rule allows 7).
pub const STALE_DAYS: i64 = 14;

/// One injected fault. `row` is numbered as a spreadsheet numbers it (header = 1); none for a
/// fault in a whole table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub file: String,
    pub row: Option<usize>,
    pub column: String,
    pub kind: &'static str,
    /// Quality issue code the pipeline should record for this cell; empty when none.
    pub expected_issue: &'static str,
}

/// Decides and applies faults.
pub struct Injector<'r> {
    rate: f64,
    rng: &'r mut ChaCha8Rng,
    /// Whether whole tables are faulted (high messiness).
    tables: bool,
    /// Date of birth (days since 1970) of each child the plausibility rules date events against
    /// (born, no expected date of birth), by person id; a child whose person row took a fault is
    /// removed, so that fault cannot hide an event put before the birth.
    births: HashMap<String, i32>,
    /// Every fault injected so far.
    pub faults: Vec<Fault>,
}

/// A fault in a whole table, written with high messiness: `(SSD table, column, kind)`. The
/// tables are ones no relational rule reads, so the fault raises only its own issue.
const TABLE_FAULTS: &[(&str, &str, &str)] = &[
    // The newest contacts are missing: the export stopped updating the table.
    ("ssd_contacts", "cont_contact_date", "stale_table"),
    // A key column blank on every row.
    ("ssd_contacts", "cont_contact_source_code", "blank_column"),
    // A key column blank on two rows in five (clean the night before).
    ("ssd_cin_episodes", "cine_referral_source_code", "blank_share"),
    // Half the rows are gone since the night before.
    ("ssd_cin_visits", "", "dropped_rows"),
];

/// The issue the pipeline is expected to raise for a whole-table fault kind.
fn table_issue(kind: &str) -> &'static str {
    match kind {
        "stale_table" => "table_stale",
        "blank_column" => "key_column_blank",
        "blank_share" => "blank_share_rose",
        _ => "table_rows_dropped",
    }
}

/// Whether `table.column` is one the relational rules read.
fn linked(table: &str, column: &str) -> bool {
    LINKED.iter().any(|(t, cols)| *t == table && cols.contains(&column))
}

/// What to do with one row.
#[derive(Debug, PartialEq, Eq)]
pub enum RowFate {
    /// Write it (perhaps altered).
    Write,
    /// Write it, then write an identical copy.
    WriteTwice,
}

impl<'r> Injector<'r> {
    /// An injector for a messiness level.
    pub fn new(messiness: Messiness, rng: &'r mut ChaCha8Rng) -> Self {
        let rate = match messiness {
            Messiness::None => 0.0,
            Messiness::Low => 0.005,
            Messiness::High => 0.05,
        };
        Injector { rate, rng, tables: messiness == Messiness::High, births: HashMap::new(), faults: Vec::new() }
    }

    /// Whether whole tables are faulted, so that the night before's extract is needed beside
    /// this one for the dropped-rows and blank-share faults.
    pub fn faults_tables(&self) -> bool {
        self.tables
    }

    /// Sets the children whose events may be put before their birth: `(person id, date of
    /// birth)` of each born child with no expected date of birth.
    pub fn births(&mut self, births: impl Iterator<Item = (String, i32)>) {
        self.births = births.collect();
    }

    /// Applies the whole-table faults (high messiness only) to the rows of `file`, an SSD
    /// table written as `columns`; `export` is the extract's date, which a stale table's newest
    /// record falls [`STALE_DAYS`] short of.
    pub fn table(&mut self, file: &str, table: &str, columns: &[&str], rows: &mut Vec<Vec<String>>, export: NaiveDate) {
        if !self.tables {
            return;
        }
        for &(_, column, kind) in TABLE_FAULTS.iter().filter(|(t, _, _)| *t == table) {
            let at = columns.iter().position(|c| *c == column);
            match (kind, at) {
                ("stale_table", Some(i)) => {
                    let cutoff = export - Duration::days(STALE_DAYS);
                    rows.retain(|r| parse_date(&r[i]).is_ok_and(|d| d <= cutoff));
                }
                ("blank_column", Some(i)) => rows.iter_mut().for_each(|r| r[i].clear()),
                ("blank_share", Some(i)) => rows.iter_mut().enumerate().filter(|(n, _)| n % 5 < 2).for_each(|(_, r)| r[i].clear()),
                ("dropped_rows", _) => rows.truncate(rows.len() / 2),
                _ => continue,
            }
            let column = if kind == "stale_table" || kind == "dropped_rows" { "" } else { column };
            self.faults.push(Fault { file: file.into(), row: None, column: column.into(), kind, expected_issue: table_issue(kind) });
        }
    }

    /// Whether the file gets a UTF-8 byte-order mark (Excel's "CSV UTF-8"); recorded at row 1.
    pub fn bom(&mut self, file: &str, first_column: &str) -> bool {
        if self.rate == 0.0 || !self.rng.random_bool((self.rate * 20.0).min(0.5)) {
            return false;
        }
        self.faults.push(Fault { file: file.into(), row: Some(1), column: first_column.into(), kind: "utf8_bom", expected_issue: "" });
        true
    }

    /// Perhaps alters one cell of a data row (row number `row`) or asks for the row to be
    /// duplicated. `spec` is the table's schema; tables the pipeline does not read get no faults.
    pub fn row(&mut self, file: &str, row: usize, spec: Option<&TableSpec>, columns: &[&str], cells: &mut [String]) -> RowFate {
        let Some(spec) = spec else { return RowFate::Write };
        if self.rate == 0.0 || !self.rng.random_bool(self.rate) {
            return RowFate::Write;
        }
        let table = spec.name.as_str();
        // Candidate (column index, kind) pairs for this row.
        let mut options: Vec<(usize, &'static str)> = vec![(usize::MAX, "duplicate_row")];
        for (i, name) in columns.iter().enumerate() {
            let Some(col) = spec.columns.iter().find(|c| c.name == *name) else { continue };
            let filled = !cells[i].is_empty();
            let kept = !linked(table, name);
            match col.kind {
                ColumnType::Id if filled => {
                    options.push((i, "padded_id"));
                    if col.required && col.name != spec.primary_key && !LINKED_TO.contains(&table) {
                        options.push((i, "blank_person_id"));
                    }
                }
                ColumnType::Date if filled => {
                    options.push((i, "uk_date"));
                    if kept {
                        options.extend([(i, "impossible_date"), (i, "placeholder_date")]);
                    }
                }
                ColumnType::Date if kept => options.push((i, "placeholder_date")),
                // Only columns checked against a code list report an unknown code.
                ColumnType::Code if filled && kept && col.codes.as_deref().is_some_and(|l| CodeLists::builtin().has_list(l)) => {
                    options.push((i, "unknown_code"))
                }
                _ => {}
            }
        }
        self.plausibility_options(table, columns, cells, &mut options);
        let (i, kind) = options[self.rng.random_range(0..options.len())];
        if table == "person" {
            if let Some(key) = columns.iter().position(|c| *c == spec.primary_key) {
                self.births.remove(&cells[key]);
            }
        }
        if kind == "duplicate_row" {
            let Some(key) = columns.iter().position(|c| *c == spec.primary_key) else { return RowFate::Write };
            self.faults.push(Fault {
                file: file.into(),
                row: Some(row + 1),
                column: columns[key].into(),
                kind,
                expected_issue: "duplicate_key",
            });
            return RowFate::WriteTwice;
        }
        let dob = self.person_column(table, columns).and_then(|p| self.births.get(&cells[p])).map(|&d| from_date32(d));
        let raw = std::mem::take(&mut cells[i]);
        let start = |columns: &[&str], cells: &[String]| {
            let end = columns[i];
            let span = event_tables().iter().find(|t| t.name == table)?.spans.iter().find(|[_, e]| e == end)?;
            let s = columns.iter().position(|c| *c == span[0])?;
            parse_date(&cells[s]).ok()
        };
        let (value, expected) = match kind {
            "padded_id" => (format!(" {raw} "), "id_trimmed"),
            "blank_person_id" => (String::new(), "missing_required"),
            "uk_date" => match parse_date(&raw) {
                Ok(d) => (d.format("%d/%m/%Y").to_string(), ""),
                Err(_) => (raw, ""),
            },
            "impossible_date" => {
                let year = parse_date(&raw).map(|d| d.year()).unwrap_or(2022);
                (format!("{}/02/{year}", self.rng.random_range(30..=31)), "invalid_date")
            }
            "placeholder_date" => ("1900-01-01".to_string(), "placeholder_date"),
            "year_before_1900" => {
                let d = parse_date(&raw).unwrap_or_default();
                let day = NaiveDate::from_ymd_opt(1899, d.month(), d.day())
                    .filter(|d| !is_placeholder(*d))
                    .or(NaiveDate::from_ymd_opt(1899, d.month(), 28))
                    .unwrap_or_default();
                (iso(day), "date_before_1900")
            }
            "event_before_birth" => {
                let dob = dob.unwrap_or_default();
                (iso(dob - Duration::days(self.rng.random_range(1..=365))), "event_before_birth")
            }
            "end_before_start" => {
                let s = start(columns, cells).unwrap_or_default();
                (iso(s - Duration::days(self.rng.random_range(1..=28))), "dates_out_of_order")
            }
            "unknown_person" => (format!("99{raw}"), "person_not_in_person_table"),
            _ => (format!("{raw}?"), "unknown_code"),
        };
        cells[i] = value;
        self.faults.push(Fault { file: file.into(), row: Some(row), column: columns[i].into(), kind, expected_issue: expected });
        RowFate::Write
    }

    /// Perhaps puts one fault into a row of a file no core table spec describes (a DfE return):
    /// `options` are the `(column index, kind)` pairs the caller knows to be safe for its format,
    /// of the kinds `impossible_date` (a 30 or 31 February, `invalid_date`), `unknown_code` (a code
    /// with `?` appended) and `blank_required` or `empty_required` (a required cell emptied; the
    /// caller decides how its format writes each). Only filled cells are altered.
    pub fn return_row(&mut self, file: &str, row: usize, columns: &[&str], cells: &mut [String], options: &[(usize, &'static str)]) {
        if self.rate == 0.0 || !self.rng.random_bool(self.rate) {
            return;
        }
        let options: Vec<(usize, &'static str)> = options.iter().copied().filter(|&(i, _)| !cells[i].is_empty()).collect();
        if options.is_empty() {
            return;
        }
        let (i, kind) = options[self.rng.random_range(0..options.len())];
        let raw = std::mem::take(&mut cells[i]);
        let (value, expected) = match kind {
            "impossible_date" => {
                let year = parse_date(&raw).map(|d| d.year()).unwrap_or(2022);
                (format!("{}/02/{year}", self.rng.random_range(30..=31)), "invalid_date")
            }
            "blank_required" | "empty_required" => (String::new(), "blank_required"),
            _ => (format!("{raw}?"), "unknown_code"),
        };
        cells[i] = value;
        self.faults.push(Fault { file: file.into(), row: Some(row), column: columns[i].into(), kind, expected_issue: expected });
    }

    /// The column naming the child in `table`, when the plausibility and linkage faults may go
    /// in it (a table no relational rule reads, with its events in `plausibility.toml`).
    fn person_column(&self, table: &str, columns: &[&str]) -> Option<usize> {
        if LINKED.iter().any(|(t, _)| *t == table) {
            return None;
        }
        let events = event_tables().iter().find(|t| t.name == table)?;
        columns.iter().position(|c| *c == events.person)
    }

    /// Adds the plausibility and linkage faults this row can take: an event dated in 1899 or
    /// before the child's birth, an end before its start, a child not in the person table.
    fn plausibility_options(&self, table: &str, columns: &[&str], cells: &[String], options: &mut Vec<(usize, &'static str)>) {
        let Some(person) = self.person_column(table, columns) else { return };
        let Some(events) = event_tables().iter().find(|t| t.name == table) else { return };
        let at = |c: &str| columns.iter().position(|n| *n == c).filter(|&i| parse_date(&cells[i]).is_ok());
        let born = self.births.contains_key(&cells[person]);
        for i in events.events.iter().filter_map(|e| at(e)) {
            options.push((i, "year_before_1900"));
            if born && !events.before_birth {
                options.push((i, "event_before_birth"));
            }
        }
        for [start, end] in &events.spans {
            if let (Some(_), Some(e)) = (at(start), at(end)) {
                options.push((e, "end_before_start"));
            }
        }
        if !cells[person].is_empty() {
            options.push((person, "unknown_person"));
        }
    }
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use csc_pipeline::normalise::cells::date32;
    use csc_pipeline::schema::ssd_tables;
    use rand::SeedableRng;

    #[test]
    fn no_faults_without_messiness() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut inj = Injector::new(Messiness::None, &mut rng);
        let spec = ssd_tables().iter().find(|t| t.source == "ssd_contacts");
        let cols = ["cont_contact_id", "cont_person_id", "cont_contact_date"];
        for r in 2..1000 {
            let mut cells = vec!["1".to_string(), "2".to_string(), "2022-01-01".to_string()];
            assert_eq!(inj.row("f.csv", r, spec, &cols, &mut cells), RowFate::Write);
            assert_eq!(cells[2], "2022-01-01");
        }
        assert!(!inj.bom("f.csv", "a"));
        assert!(inj.faults.is_empty());
    }

    #[test]
    fn every_fault_is_recorded_where_it_was_put() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut inj = Injector::new(Messiness::High, &mut rng);
        inj.births([("20".to_string(), date32(NaiveDate::from_ymd_opt(2015, 6, 1).unwrap()))].into_iter());
        let spec = ssd_tables().iter().find(|t| t.source == "ssd_missing");
        let cols = ["miss_table_id", "miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_end_date"];
        let mut changed = 0;
        for r in 2..3000 {
            let clean = vec!["10".to_string(), "20".to_string(), "2022-03-04".to_string(), "2022-03-06".to_string()];
            let mut cells = clean.clone();
            let fate = inj.row("f.csv", r, spec, &cols, &mut cells);
            if fate == RowFate::WriteTwice || cells != clean {
                changed += 1;
            }
            if let Some(f) = inj.faults.last().filter(|f| f.row == Some(r)) {
                let at = cols.iter().position(|c| *c == f.column).unwrap();
                let day = |i: usize| parse_date(&cells[i]).ok();
                match f.kind {
                    "year_before_1900" => assert!(day(at).is_some_and(|d| d.year() == 1899 && !is_placeholder(d)), "{cells:?}"),
                    "event_before_birth" => assert!(day(at).unwrap() < NaiveDate::from_ymd_opt(2015, 6, 1).unwrap(), "{cells:?}"),
                    "end_before_start" => assert!(day(3).unwrap() < day(2).unwrap(), "{cells:?}"),
                    "unknown_person" => assert_ne!(cells[1], "20"),
                    _ => {}
                }
            }
        }
        assert_eq!(changed, inj.faults.len());
        assert!(inj.faults.len() > 50, "{}", inj.faults.len());
        let kinds: std::collections::BTreeSet<&str> = inj.faults.iter().map(|f| f.kind).collect();
        for k in [
            "padded_id",
            "blank_person_id",
            "uk_date",
            "impossible_date",
            "placeholder_date",
            "duplicate_row",
            "year_before_1900",
            "event_before_birth",
            "end_before_start",
            "unknown_person",
        ] {
            assert!(kinds.contains(k), "{k} never injected");
        }
        assert!(inj.faults.iter().filter(|f| f.kind == "impossible_date").all(|f| f.expected_issue == "invalid_date"));
        assert!(inj.faults.iter().filter(|f| f.kind == "end_before_start").all(|f| f.expected_issue == "dates_out_of_order"));
    }

    #[test]
    fn a_return_row_takes_only_the_faults_offered_at_filled_cells() {
        let cols = ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"];
        let options = [(2, "impossible_date"), (3, "blank_required"), (3, "unknown_code")];
        let clean = || vec!["7".to_string(), "01/02/2015".to_string(), "04/03/2022".to_string(), "PN1".to_string()];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut none = Injector::new(Messiness::None, &mut rng);
        let mut cells = clean();
        none.return_row("2022/reviews.csv", 2, &cols, &mut cells, &options);
        assert!(none.faults.is_empty() && cells == clean());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut inj = Injector::new(Messiness::High, &mut rng);
        for r in 2..2000 {
            let mut cells = clean();
            cells[3] = if r % 2 == 0 { "PN1".into() } else { String::new() };
            let before = cells.clone();
            inj.return_row("2022/reviews.csv", r, &cols, &mut cells, &options);
            let Some(f) = inj.faults.last().filter(|f| f.row == Some(r)) else {
                assert_eq!(cells, before);
                continue;
            };
            let at = cols.iter().position(|c| *c == f.column).unwrap();
            assert!(!before[at].is_empty(), "a blank cell was faulted");
            assert_eq!((0..4).filter(|&i| cells[i] != before[i]).collect::<Vec<_>>(), [at]);
            match f.kind {
                "impossible_date" => assert!(parse_date(&cells[at]).is_err() && f.expected_issue == "invalid_date"),
                "blank_required" => assert!(cells[at].is_empty() && f.expected_issue == "blank_required"),
                _ => assert!(cells[at] == "PN1?" && f.expected_issue == "unknown_code"),
            }
        }
        let kinds: std::collections::BTreeSet<&str> = inj.faults.iter().map(|f| f.kind).collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
    }

    #[test]
    fn columns_other_records_are_judged_by_keep_their_values() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut inj = Injector::new(Messiness::High, &mut rng);
        let spec = ssd_tables().iter().find(|t| t.source == "ssd_icpc");
        let cols = ["icpc_icpc_id", "icpc_person_id", "icpc_icpc_date"];
        for r in 2..3000 {
            let mut cells = vec!["10".to_string(), "20".to_string(), "2022-03-04".to_string()];
            inj.row("f.csv", r, spec, &cols, &mut cells);
            assert_eq!(parse_date(&cells[2]).ok(), NaiveDate::from_ymd_opt(2022, 3, 4), "{cells:?}");
            assert_eq!(cells[1].trim(), "20");
        }
        let kinds: std::collections::BTreeSet<&str> = inj.faults.iter().map(|f| f.kind).collect();
        assert!(kinds.iter().all(|k| ["padded_id", "uk_date", "duplicate_row"].contains(k)), "{kinds:?}");
    }

    #[test]
    fn whole_tables_are_faulted_only_with_high_messiness() {
        let columns = ["cont_contact_id", "cont_person_id", "cont_contact_date", "cont_contact_source_code"];
        let export = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let rows = |n: i64| -> Vec<Vec<String>> {
            (0..n).map(|i| vec![i.to_string(), "1".into(), iso(export - Duration::days(i)), "1A".into()]).collect()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut low = Injector::new(Messiness::Low, &mut rng);
        let mut kept = rows(30);
        low.table("ssd_contacts.csv", "ssd_contacts", &columns, &mut kept, export);
        assert_eq!(kept, rows(30));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut high = Injector::new(Messiness::High, &mut rng);
        let mut faulted = rows(30);
        high.table("ssd_contacts.csv", "ssd_contacts", &columns, &mut faulted, export);
        // Nothing in the last 14 days, and the source blank everywhere.
        assert_eq!(faulted.len(), 16);
        assert!(faulted.iter().all(|r| r[3].is_empty() && parse_date(&r[2]).unwrap() <= export - Duration::days(STALE_DAYS)));
        let kinds: Vec<(&str, &str)> = high.faults.iter().map(|f| (f.kind, f.expected_issue)).collect();
        assert_eq!(kinds, [("stale_table", "table_stale"), ("blank_column", "key_column_blank")]);
        assert!(high.faults.iter().all(|f| f.row.is_none()));
    }
}
