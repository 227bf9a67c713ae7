//! Faults real exports have (standards-annex-a-cin-903-ssd.md §6), injected cell by cell as the
//! files are written, and the manifest of each one (`_faults.csv`: file, row, column, kind, and
//! the quality issue code the pipeline is expected to record, blank when the pipeline reads the
//! value correctly without comment, as for a valid `dd/mm/yyyy` date or a byte-order mark).
//!
//! At most one fault is put in a row, and a duplicated row is an unaltered copy written straight
//! after its original, so each fault maps to exactly one cell the pipeline reports.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Messiness;
use crate::normalise::cells::parse_date;
use crate::reference::CodeLists;
use crate::schema::{ColumnType, TableSpec};

/// One injected fault. `row` is numbered as a spreadsheet numbers it (header = 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub file: String,
    pub row: usize,
    pub column: String,
    pub kind: &'static str,
    /// Quality issue code the pipeline should record for this cell; empty when none.
    pub expected_issue: &'static str,
}

/// Decides and applies faults.
pub struct Injector<'r> {
    rate: f64,
    rng: &'r mut ChaCha8Rng,
    /// Every fault injected so far.
    pub faults: Vec<Fault>,
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
        Injector { rate, rng, faults: Vec::new() }
    }

    /// Whether the file gets a UTF-8 byte-order mark (Excel's "CSV UTF-8"); recorded at row 1.
    pub fn bom(&mut self, file: &str, first_column: &str) -> bool {
        if self.rate == 0.0 || !self.rng.random_bool((self.rate * 20.0).min(0.5)) {
            return false;
        }
        self.faults.push(Fault { file: file.into(), row: 1, column: first_column.into(), kind: "utf8_bom", expected_issue: "" });
        true
    }

    /// Perhaps alters one cell of a data row (row number `row`) or asks for the row to be
    /// duplicated. `spec` is the table's schema; tables the pipeline does not read get no faults.
    pub fn row(&mut self, file: &str, row: usize, spec: Option<&TableSpec>, columns: &[&str], cells: &mut [String]) -> RowFate {
        let Some(spec) = spec else { return RowFate::Write };
        if self.rate == 0.0 || !self.rng.random_bool(self.rate) {
            return RowFate::Write;
        }
        // Candidate (column index, kind) pairs for this row.
        let mut options: Vec<(usize, &'static str)> = vec![(usize::MAX, "duplicate_row")];
        for (i, name) in columns.iter().enumerate() {
            let Some(col) = spec.columns.iter().find(|c| c.name == *name) else { continue };
            let filled = !cells[i].is_empty();
            match col.kind {
                ColumnType::Id if filled => {
                    options.push((i, "padded_id"));
                    if col.required && col.name != spec.primary_key {
                        options.push((i, "blank_person_id"));
                    }
                }
                ColumnType::Date if filled => {
                    options.extend([(i, "uk_date"), (i, "impossible_date"), (i, "placeholder_date")]);
                }
                ColumnType::Date => options.push((i, "placeholder_date")),
                // Only columns checked against a code list report an unknown code.
                ColumnType::Code if filled && col.codes.as_deref().is_some_and(|l| CodeLists::builtin().has_list(l)) => {
                    options.push((i, "unknown_code"))
                }
                _ => {}
            }
        }
        let (i, kind) = options[self.rng.random_range(0..options.len())];
        if kind == "duplicate_row" {
            let Some(key) = columns.iter().position(|c| *c == spec.primary_key) else { return RowFate::Write };
            self.faults.push(Fault { file: file.into(), row: row + 1, column: columns[key].into(), kind, expected_issue: "duplicate_key" });
            return RowFate::WriteTwice;
        }
        let raw = std::mem::take(&mut cells[i]);
        let (value, expected) = match kind {
            "padded_id" => (format!(" {raw} "), "id_trimmed"),
            "blank_person_id" => (String::new(), "missing_required"),
            "uk_date" => match parse_date(&raw) {
                Ok(d) => (d.format("%d/%m/%Y").to_string(), ""),
                Err(_) => (raw, ""),
            },
            "impossible_date" => {
                let year = parse_date(&raw).map(|d| chrono::Datelike::year(&d)).unwrap_or(2022);
                (format!("{}/02/{year}", self.rng.random_range(30..=31)), "invalid_date")
            }
            "placeholder_date" => ("1900-01-01".to_string(), "placeholder_date"),
            _ => (format!("{raw}?"), "unknown_code"),
        };
        cells[i] = value;
        self.faults.push(Fault { file: file.into(), row, column: columns[i].into(), kind, expected_issue: expected });
        RowFate::Write
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ssd_tables;
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
        let spec = ssd_tables().iter().find(|t| t.source == "ssd_cin_episodes");
        let cols = ["cine_referral_id", "cine_person_id", "cine_referral_date", "cine_cin_primary_need_code"];
        let mut changed = 0;
        for r in 2..2000 {
            let clean = vec!["10".to_string(), "20".to_string(), "2022-03-04".to_string(), "N1".to_string()];
            let mut cells = clean.clone();
            let fate = inj.row("f.csv", r, spec, &cols, &mut cells);
            if fate == RowFate::WriteTwice || cells != clean {
                changed += 1;
            }
        }
        assert_eq!(changed, inj.faults.len());
        assert!(inj.faults.len() > 50, "{}", inj.faults.len());
        let kinds: std::collections::BTreeSet<&str> = inj.faults.iter().map(|f| f.kind).collect();
        for k in ["padded_id", "blank_person_id", "uk_date", "impossible_date", "placeholder_date", "unknown_code", "duplicate_row"] {
            assert!(kinds.contains(k), "{k} never injected");
        }
        assert!(inj.faults.iter().filter(|f| f.kind == "impossible_date").all(|f| f.expected_issue == "invalid_date"));
    }
}
