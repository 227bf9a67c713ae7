//! One SSDA903 file as read: its rows kept as received, with their collection year, until every
//! file of the run has been read and the years can be combined.

use csv::StringRecord;

use super::layout::{layout, FileSpec};
use super::year;
use crate::extract::InputFile;
use crate::normalise::builder::{Origin, SourceCell};
use crate::normalise::cells::{is_null_token, lookup_code};
use crate::normalise::delimited::read_rows;
use crate::quality::formats::is_postcode;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;

const STAGE: &str = "normalise";

/// Columns some exports add: the LA a row came from and its collection year (LIIA's concatenated
/// multi-year files have both).
const LA_COLUMNS: &[&str] = &["LA", "LA_CODE", "LA_NAME"];
const YEAR_COLUMNS: &[&str] = &["YEAR", "COLLECTION_YEAR"];

/// One SSDA903 file: its rows as received.
#[derive(Debug)]
pub struct ReturnFile {
    /// Path relative to the input location.
    pub path: String,
    /// Position of the file in input order, set when the run's files are combined.
    pub order: usize,
    pub spec: &'static FileSpec,
    /// The header row as received.
    pub header: Vec<String>,
    /// Source position of each of the file's columns (in `spec` order), when present.
    pub positions: Vec<Option<usize>>,
    /// Source position of a YEAR column, when present.
    pub year_column: Option<usize>,
    /// Source position of an LA column, when present.
    pub la_column: Option<usize>,
    /// The collection year the file's path names.
    pub path_year: Option<i32>,
    /// Data rows with their spreadsheet row numbers (for the XML form, the line each record's
    /// element starts on).
    pub rows: Vec<(i64, StringRecord)>,
    /// Whether the rows came from the XML form: `header` then holds each column's element path,
    /// and issues name it rather than a spreadsheet column.
    pub xml: bool,
}

/// One row of a return.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub file: &'a ReturnFile,
    pub row: i64,
    pub record: &'a StringRecord,
}

impl<'a> Row<'a> {
    /// The cell of DfE column `column`, when the file has it.
    pub fn cell(&self, column: &str) -> Option<SourceCell<'a>> {
        let p = self.file.positions[self.file.spec.index(column)]?;
        Some(SourceCell { raw: self.record.get(p).unwrap_or(""), header: &self.file.header[p], position: (!self.file.xml).then_some(p) })
    }

    /// The raw value of `column`, trimmed; empty when absent or a null token.
    pub fn value(&self, column: &str) -> &'a str {
        match self.cell(column) {
            Some(c) if !is_null_token(c.raw) => c.raw.trim(),
            _ => "",
        }
    }

    /// The row's collection year: its YEAR cell, else the year the file's path names.
    pub fn year(&self) -> Option<i32> {
        self.file.year_column.and_then(|p| year::parse(self.record.get(p).unwrap_or(""))).or(self.file.path_year)
    }

    /// The LA the row belongs to (empty unless the file has an LA column).
    pub fn la(&self) -> &'a str {
        self.file.la_column.map_or("", |p| self.record.get(p).unwrap_or("").trim())
    }

    /// Which return the row came from, for "latest return wins": later collection years rank
    /// higher, then later files in input order.
    pub fn rank(&self) -> (i32, usize) {
        (self.year().unwrap_or(i32::MIN), self.file.order)
    }

    pub fn origin(&self) -> Origin<'a> {
        Origin { file: &self.file.path, sheet: None, row: self.row }
    }
}

impl ReturnFile {
    /// Every row of the file.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(row, record)| Row { file: self, row: *row, record })
    }
}

/// Reads one SSDA903 file recognised as `file_name`. Header problems, blanks in columns DfE
/// requires, malformed postcodes and UPNs and unreadable YEAR cells are recorded here; typing
/// happens when the run's returns are combined. `table` names the core table for the issues.
pub fn read(file: &InputFile, file_name: &str, table: Option<&str>, issues: &mut Vec<Issue>) -> Option<ReturnFile> {
    let spec = layout().file(file_name);
    let at = |i: Issue| {
        let i = i.file(&file.path);
        match table {
            Some(t) => i.table(t),
            None => i,
        }
    };
    let out: std::cell::RefCell<Option<ReturnFile>> = std::cell::RefCell::new(None);
    read_rows(
        file,
        table,
        issues,
        |header, issues| {
            let names: Vec<String> = header.iter().map(|h| layout().canonical(h)).collect();
            let positions: Vec<Option<usize>> = spec.columns.iter().map(|c| names.iter().position(|n| *n == c.name)).collect();
            for (c, p) in spec.columns.iter().zip(&positions) {
                if p.is_none() && !c.optional {
                    issues.push(at(Issue::new(
                        Severity::Warning,
                        STAGE,
                        "missing_column",
                        format!("SSDA903 {} column {} is not in the file; its values are null", spec.name, c.name),
                        Action::SetNull,
                    )));
                }
            }
            let year_column = names.iter().position(|n| YEAR_COLUMNS.contains(&n.as_str()));
            let la_column = names.iter().position(|n| LA_COLUMNS.contains(&n.as_str()));
            for (i, n) in names.iter().enumerate() {
                if !positions.contains(&Some(i)) && Some(i) != year_column && Some(i) != la_column {
                    let message = if n.is_empty() {
                        "column has no header and was not loaded".to_string()
                    } else {
                        format!("{n} is not an SSDA903 {} column and was not loaded", spec.name)
                    };
                    issues.push(at(Issue::new(Severity::Info, STAGE, "extra_column", message, Action::Kept).column(&header[i], i)));
                }
            }
            let path_year = year::from_path(&file.path);
            let note = match (year_column, path_year) {
                (Some(p), _) => {
                    Issue::new(Severity::Info, STAGE, "collection_year", "collection year read from each row's YEAR column", Action::Kept)
                        .column(&header[p], p)
                }
                (None, Some(y)) => Issue::new(
                    Severity::Info,
                    STAGE,
                    "collection_year",
                    format!("collection year {y} taken from the file's path (the file does not carry it)"),
                    Action::Kept,
                ),
                (None, None) => Issue::new(
                    Severity::Warning,
                    STAGE,
                    "collection_year",
                    "the collection year is neither in the file nor in its path; the file is treated as older than every dated return",
                    Action::Kept,
                ),
            };
            issues.push(at(note));
            *out.borrow_mut() = Some(ReturnFile {
                path: file.path.clone(),
                order: 0,
                spec,
                header: header.to_vec(),
                positions,
                year_column,
                la_column,
                path_year,
                rows: Vec::new(),
                xml: false,
            });
            Some(())
        },
        |_, _, row, record, issues| {
            let mut out = out.borrow_mut();
            let Some(f) = out.as_mut() else { return };
            check_row(f, row, record, table, issues);
            f.rows.push((row, record.clone()));
        },
    );
    out.into_inner()
}

/// Checks one row against what DfE's guidance requires of it.
pub(super) fn check_row(f: &ReturnFile, row: i64, record: &StringRecord, table: Option<&str>, issues: &mut Vec<Issue>) {
    let at = |p: usize, i: Issue| {
        let i = i.file(&f.path).row(row);
        let i = if f.xml { i.column_named(&f.header[p]) } else { i.column(&f.header[p], p) }.value(record.get(p).unwrap_or(""));
        match table {
            Some(t) => i.table(t),
            None => i,
        }
    };
    for (c, p) in f.spec.columns.iter().zip(&f.positions) {
        let Some(p) = *p else { continue };
        let raw = record.get(p).unwrap_or("");
        if is_null_token(raw) {
            if c.required {
                issues.push(at(
                    p,
                    Issue::new(Severity::Warning, STAGE, "blank_required", format!("SSDA903 {} may not be blank", c.name), Action::Kept),
                ));
            }
            continue;
        }
        let problem = match c.name.as_str() {
            // PL_POST and UPN are loaded (clap_cla_placement_postcode, pers_common_child_id), so the
            // table builder checks their format as every reader's; HOME_POST is only read here.
            "HOME_POST" if !is_postcode(raw) => Some(("invalid_postcode", "not a UK postcode (e.g. SO14 7LY)")),
            _ => None,
        };
        if let Some((code, message)) = problem {
            issues.push(at(p, Issue::new(Severity::Warning, STAGE, code, message, Action::Kept)));
        }
        // Codes loaded into a free-text core column are checked against their list here.
        if let Some(Err(problem)) = c.code_list.as_deref().map(|list| lookup_code(list, raw, CodeLists::builtin())) {
            issues.push(at(p, Issue::new(problem.severity, STAGE, problem.code, problem.message, problem.action)));
        }
    }
    if let Some(p) = f.year_column {
        if year::parse(record.get(p).unwrap_or("")).is_none() {
            let fallback =
                f.path_year.map_or("older than every dated return".to_string(), |y| format!("taken as {y} from the file's path"));
            issues.push(at(
                p,
                Issue::new(
                    Severity::Warning,
                    STAGE,
                    "invalid_year",
                    format!("not a collection year; the row's year is {fallback}"),
                    Action::Substituted,
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_loaded_as_text_are_checked_against_their_list() {
        let spec = layout().file("reviews");
        let header: Vec<String> = spec.columns.iter().map(|c| c.name.clone()).collect();
        let f = ReturnFile {
            path: "2024/reviews.csv".into(),
            order: 0,
            spec,
            positions: (0..header.len()).map(Some).collect(),
            header,
            year_column: None,
            la_column: None,
            path_year: Some(2024),
            rows: Vec::new(),
            xml: false,
        };
        let mut issues = Vec::new();
        for (row, code) in [(2, "PN1"), (3, "pn7"), (4, "PN8"), (5, "PN1?")] {
            check_row(&f, row, &StringRecord::from(vec!["7", "01/02/2015", "04/03/2023", code]), Some("cla_review"), &mut issues);
        }
        let unknown: Vec<(Option<i64>, Option<&str>)> =
            issues.iter().filter(|i| i.code == "unknown_code").map(|i| (i.row, i.column.as_deref())).collect();
        assert_eq!(unknown, [(Some(4), Some("REVIEW_CODE")), (Some(5), Some("REVIEW_CODE"))], "{issues:?}");
        assert_eq!(issues.len(), 2, "{issues:?}");
    }
}
