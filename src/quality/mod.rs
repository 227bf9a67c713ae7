//! Data-quality issues: every file, row or cell that could not be read as received.
//!
//! Issues are collected by every stage and published as `<warehouse>/quality/issues/`. Each one
//! names the file, sheet, row (as a spreadsheet numbers it), column and raw value, so that a
//! person can open the export and find it. Every issue code is one of the catalogue's
//! ([`catalogue`], `reference/quality/rules.toml`), which says what it means and what to do.

pub mod catalogue;
pub mod completeness;
#[cfg(test)]
mod emit_sites;
pub mod formats;
pub mod freshness;
pub mod people;
pub mod plausibility;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::Result;

pub use catalogue::{rule, rules, Rule};

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Noted; the value was used as received (e.g. an extra column).
    Info,
    /// Value kept or dropped to null with a reason (e.g. an unknown code, a placeholder date).
    Warning,
    /// A value or row could not be used (a malformed date, a row with no person id).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What the pipeline did about an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The value was kept as received.
    Kept,
    /// The cell was set to null; the rest of the row was used.
    SetNull,
    /// The whole row was left out of the core table.
    RowRejected,
    /// The whole file was left out.
    FileSkipped,
    /// A stand-in value was used (e.g. the nearest published population).
    Substituted,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Kept => "kept",
            Action::SetNull => "set_null",
            Action::RowRejected => "row_rejected",
            Action::FileSkipped => "file_skipped",
            Action::Substituted => "substituted",
        }
    }
}

/// One data-quality issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub severity: Severity,
    /// Stage that raised it: extract, normalise, model.
    pub stage: &'static str,
    /// Core table concerned, when known.
    pub table: Option<String>,
    /// Input file (path relative to the input location).
    pub file: Option<String>,
    /// Worksheet, for workbook inputs.
    pub sheet: Option<String>,
    /// Row as a spreadsheet numbers it (header row = 1).
    pub row: Option<i64>,
    /// Column header as received.
    pub column: Option<String>,
    /// Column letter as a spreadsheet shows it.
    pub column_letter: Option<String>,
    /// The raw value, exactly as received.
    pub value: Option<String>,
    /// The core-table column the value was read for, when known (`pers_dob` for a CIN
    /// `PersonBirthDate`); decides whether the raw value is personal data. Not published.
    #[serde(skip)]
    pub core_column: Option<String>,
    /// The row the record starts on, when the issue is at one of its values and `row` is that
    /// value's own (a CIN census element's line); with `core_column` it names the core cell
    /// (`_source_file`, `_source_row`, column) the value was read for. Not published.
    #[serde(skip)]
    pub record_row: Option<i64>,
    /// Short machine-readable reason (`invalid_date`, `unknown_code`, ...): a code of the rule
    /// catalogue ([`rule`] explains it).
    pub code: &'static str,
    /// Human explanation.
    pub message: String,
    pub action: Action,
    /// The child the record belongs to, when it names one (pseudonymised in the analysts' copy).
    pub person_id: Option<String>,
    /// The team whose workers correct the record: the child's allocation at the as-at date, else
    /// their latest one ([`people::attach`]).
    pub team: Option<String>,
}

impl Issue {
    /// A new issue with no location; fill the location with the builder methods. `code` must be
    /// in the rule catalogue with this severity and stage (checked in debug builds).
    pub fn new(severity: Severity, stage: &'static str, code: &'static str, message: impl Into<String>, action: Action) -> Self {
        if cfg!(debug_assertions) {
            if let Some(why) = catalogue::mismatch(severity, stage, code) {
                panic!("{why}");
            }
        }
        Issue {
            severity,
            stage,
            table: None,
            file: None,
            sheet: None,
            row: None,
            column: None,
            column_letter: None,
            core_column: None,
            record_row: None,
            value: None,
            code,
            message: message.into(),
            action,
            person_id: None,
            team: None,
        }
    }

    /// Names the child the record belongs to.
    pub fn person(mut self, id: &str) -> Self {
        self.person_id = Some(id.to_string());
        self
    }

    pub fn table(mut self, table: &str) -> Self {
        self.table = Some(table.to_string());
        self
    }

    pub fn file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    pub fn sheet(mut self, sheet: &str) -> Self {
        self.sheet = Some(sheet.to_string());
        self
    }

    pub fn row(mut self, row: i64) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the column header and its spreadsheet letter from its zero-based position.
    pub fn column(mut self, name: &str, index: usize) -> Self {
        self.column = Some(name.to_string());
        self.column_letter = Some(crate::schema::column_letter(index));
        self
    }

    /// Names the core-table column the value was read for.
    pub fn core_column(mut self, name: &str) -> Self {
        self.core_column = Some(name.to_string());
        self
    }

    /// Sets a column (or XML element) name that has no spreadsheet letter.
    pub fn column_named(mut self, name: &str) -> Self {
        self.column = Some(name.to_string());
        self
    }

    pub fn value(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }

    /// One line for logs: location and reason, never the raw value (it may be personal data).
    pub fn log_line(&self) -> String {
        let mut at = self.file.clone().unwrap_or_default();
        if let Some(row) = self.row {
            at.push_str(&format!(" row {row}"));
        }
        if let (Some(col), Some(letter)) = (&self.column, &self.column_letter) {
            at.push_str(&format!(" column {letter} ({col})"));
        }
        format!("{}: {} [{}]", at.trim(), self.code, self.action.as_str())
    }
}

/// The SQL condition that a row's `_source_file` (under `qualifier`, e.g. `p.`) is one of `files`,
/// each written as a quoted SQL string.
pub(crate) fn from_files(qualifier: &str, files: &[String]) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("'{}'", f.replace('\'', "''"))).collect();
    format!("{qualifier}{} IN ({})", crate::schema::SOURCE_FILE, files.join(", "))
}

/// Schema of the published issues table.
pub fn issues_schema() -> SchemaRef {
    let s = |n: &str, nullable: bool| Field::new(n, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        s("run_key", false),
        s("severity", false),
        s("stage", false),
        s("table_name", true),
        s("file", true),
        s("sheet", true),
        Field::new("row_number", DataType::Int64, true),
        s("column_name", true),
        s("column_letter", true),
        s("raw_value", true),
        s("issue_code", false),
        s("message", false),
        s("action", false),
        s("person_id", true),
        s("team", true),
    ]))
}

/// Builds the issues table for one run. `run_key` (not the run id) links the rows to the run's
/// manifest, so two runs with the same key publish identical files.
pub fn issues_batch(run_key: &str, issues: &[Issue]) -> Result<RecordBatch> {
    let mut cols: Vec<StringBuilder> = (0..14).map(|_| StringBuilder::new()).collect();
    let mut rows = Int64Builder::new();
    for i in issues {
        cols[0].append_value(run_key);
        cols[1].append_value(i.severity.as_str());
        cols[2].append_value(i.stage);
        cols[3].append_option(i.table.as_deref());
        cols[4].append_option(i.file.as_deref());
        cols[5].append_option(i.sheet.as_deref());
        rows.append_option(i.row);
        cols[6].append_option(i.column.as_deref());
        cols[7].append_option(i.column_letter.as_deref());
        cols[8].append_option(i.value.as_deref());
        cols[9].append_value(i.code);
        cols[10].append_value(&i.message);
        cols[11].append_value(i.action.as_str());
        cols[12].append_option(i.person_id.as_deref());
        cols[13].append_option(i.team.as_deref());
    }
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(15);
    let mut it = cols.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef);
    for _ in 0..6 {
        arrays.push(it.next().expect("14 string columns"));
    }
    arrays.push(Arc::new(rows.finish()));
    arrays.extend(it);
    Ok(RecordBatch::try_new(issues_schema(), arrays)?)
}

/// Issue counts by severity, for the manifest and the run summary.
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct IssueCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl IssueCounts {
    pub fn of(issues: &[Issue]) -> Self {
        let mut c = IssueCounts::default();
        for i in issues {
            c.count(i.severity);
        }
        c
    }

    /// Counts one more issue of this severity.
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }
}

/// What an issue code means and what a person should do about it, in plain English, for the
/// performance pack's data-quality page. `None` for a code without a description.
pub fn describe(code: &str) -> Option<String> {
    catalogue::rule(code).map(|r| format!("{}: {} What to do: {}", r.title, r.message, r.action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_every_field_in_place() {
        let issue = Issue::new(Severity::Error, "normalise", "invalid_date", "not a date", Action::SetNull)
            .table("contact")
            .file("ssd_contacts.csv")
            .row(7)
            .column("cont_contact_date", 2)
            .value("31/02/2022");
        let batch = issues_batch("r1", std::slice::from_ref(&issue)).unwrap();
        assert_eq!(batch.num_rows(), 1);
        let col = |n: &str| batch.column_by_name(n).unwrap().clone();
        let s = |n: &str| col(n).as_any().downcast_ref::<datafusion::arrow::array::StringArray>().unwrap().value(0).to_string();
        assert_eq!(s("column_letter"), "C");
        assert_eq!(s("raw_value"), "31/02/2022");
        assert_eq!(s("action"), "set_null");
        let rows = col("row_number");
        assert_eq!(rows.as_any().downcast_ref::<datafusion::arrow::array::Int64Array>().unwrap().value(0), 7);
        assert!(!issue.log_line().contains("31/02/2022"), "logs never carry raw values");
    }
}
