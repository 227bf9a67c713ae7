//! Core-table rows gathered from the lists of one workbook, collapsed by key before they go to the
//! table builders: a child's person row is made from every list the child is on, a referral from
//! List 3 and the same episode in List 6, and so on. Each cell is typed where it was read, so its
//! issues name its own sheet, row and column; a value that disagrees with one already gathered for
//! the same record is reported and the first is kept.

use std::collections::HashMap;

use super::super::builder::{Origin, SourceCell};
use super::super::cells::{from_date32, type_cell, Typed};
use super::super::Sink;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;

const STAGE: &str = "normalise";

/// Where a cell (or a row, with no column) was read.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub sheet: usize,
    pub row: i64,
    pub col: Option<usize>,
}

/// One value offered for a core column: what is typed (`value`, e.g. the code a lettered value
/// stands for) and what was received (`raw`, reported in issues).
#[derive(Debug, Clone)]
pub struct Put {
    pub column: &'static str,
    pub value: String,
    pub raw: String,
    pub at: At,
}

struct Held {
    value: String,
    at: At,
}

struct Pending {
    at: At,
    list: u8,
    cells: Vec<Option<Held>>,
}

struct TableRows<'t> {
    spec: &'t TableSpec,
    index: HashMap<String, usize>,
    rows: Vec<Pending>,
}

/// The worksheets of the workbook: name and header row, for locating issues.
pub struct Sheets {
    pub names: Vec<String>,
    pub headers: Vec<Vec<String>>,
}

impl Sheets {
    fn header(&self, at: At) -> &str {
        at.col.and_then(|c| self.headers[at.sheet].get(c)).map(String::as_str).unwrap_or("")
    }
}

/// Rows gathered for every core table the workbook fills.
pub struct Gathered<'t> {
    tables: &'t [TableSpec],
    codes: &'t CodeLists,
    order: Vec<TableRows<'t>>,
}

impl<'t> Gathered<'t> {
    pub fn new(tables: &'t [TableSpec], codes: &'t CodeLists) -> Self {
        Gathered { tables, codes, order: Vec::new() }
    }

    /// Offers one record of `table` with primary key `key`. A key already gathered from the same
    /// list is a repeated row when `repeat_is_duplicate` (the list's own record): it is reported
    /// and left out. Otherwise the values fill the record's empty columns.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &mut self,
        table: &str,
        key: &str,
        list: u8,
        repeat_is_duplicate: bool,
        row_at: At,
        key_at: At,
        puts: &[Put],
        ctx: &Ctx,
        issues: &mut Vec<Issue>,
    ) {
        let t = match self.order.iter().position(|t| t.spec.name == table) {
            Some(i) => i,
            None => {
                let spec = self.tables.iter().find(|t| t.name == table).unwrap_or_else(|| panic!("no core table named {table}"));
                self.order.push(TableRows { spec, index: HashMap::new(), rows: Vec::new() });
                self.order.len() - 1
            }
        };
        let codes = self.codes;
        let rows = &mut self.order[t];
        let spec = rows.spec;
        let key = key.trim().to_ascii_uppercase();
        let key_col = spec.column_index(&spec.primary_key).expect("checked when the schema loads");
        let mut typed: Vec<(usize, Option<String>, At)> = Vec::with_capacity(puts.len() + 1);
        typed.push((key_col, Some(key.clone()), key_at));
        for p in puts {
            let i = spec.column_index(p.column).unwrap_or_else(|| panic!("no column {} in {table}", p.column));
            let (value, problem) = type_cell(&spec.columns[i], &p.value, codes);
            if let Some(problem) = problem {
                issues.push(ctx.issue(
                    table,
                    p.at,
                    &p.raw,
                    Issue::new(problem.severity, STAGE, problem.code, problem.message, problem.action),
                ));
            }
            typed.push((i, canonical(value), p.at));
        }
        match rows.index.get(&key) {
            None => {
                let mut cells: Vec<Option<Held>> = spec.columns.iter().map(|_| None).collect();
                for (i, v, at) in typed {
                    if let Some(value) = v {
                        cells[i] = Some(Held { value, at });
                    }
                }
                rows.index.insert(key, rows.rows.len());
                rows.rows.push(Pending { at: row_at, list, cells });
            }
            Some(&existing) => {
                let first = &mut rows.rows[existing];
                if repeat_is_duplicate && first.list == list {
                    let message = format!(
                        "{} repeats the key of {} row {}; the first occurrence is kept",
                        spec.primary_key, ctx.sheets.names[first.at.sheet], first.at.row
                    );
                    issues.push(ctx.issue(
                        table,
                        key_at,
                        &key,
                        Issue::new(Severity::Warning, STAGE, "duplicate_key", message, Action::RowRejected),
                    ));
                    return;
                }
                for (i, v, at) in typed {
                    let Some(value) = v else { continue };
                    match &first.cells[i] {
                        None => first.cells[i] = Some(Held { value, at }),
                        Some(held) if held.value != value => {
                            let message = format!(
                                "{} differs from {} row {} for the same {} record; the first value is kept",
                                spec.columns[i].name, ctx.sheets.names[held.at.sheet], held.at.row, table
                            );
                            let raw =
                                puts.iter().find(|p| spec.column_index(p.column) == Some(i)).map(|p| p.raw.as_str()).unwrap_or(&value);
                            issues.push(ctx.issue(
                                table,
                                at,
                                raw,
                                Issue::new(Severity::Warning, STAGE, "annex_a_conflict", message, Action::Kept),
                            ));
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }

    /// Hands every gathered record to the table builders, in the order first seen.
    pub fn flush(self, sink: &mut Sink, ctx: &Ctx, issues: &mut Vec<Issue>) {
        let mut scratch = Vec::new();
        for rows in self.order {
            let builder = sink.table(&rows.spec.name);
            for pending in &rows.rows {
                let cells: Vec<Option<SourceCell>> = pending
                    .cells
                    .iter()
                    .zip(&rows.spec.columns)
                    .map(|(held, col)| {
                        held.as_ref().map(|h| {
                            let header = match ctx.sheets.header(h.at) {
                                "" => col.name.as_str(),
                                named => named,
                            };
                            SourceCell { raw: &h.value, header, position: h.at.col }
                        })
                    })
                    .collect();
                let origin = Origin { file: ctx.file, sheet: Some(&ctx.sheets.names[pending.at.sheet]), row: pending.at.row };
                builder.push_row(&origin, &cells, self.codes, &mut scratch);
                // Cell problems were reported where each cell was read; only row-level ones are new.
                issues.extend(scratch.drain(..).filter(|i| i.code == "missing_required"));
            }
        }
    }
}

/// The file and its sheets, for locating issues.
pub struct Ctx<'a> {
    pub file: &'a str,
    pub sheets: &'a Sheets,
}

impl Ctx<'_> {
    /// An issue at a cell (or a row, with no column) of the workbook, with the value received.
    pub fn issue(&self, table: &str, at: At, raw: &str, issue: Issue) -> Issue {
        let origin = Origin { file: self.file, sheet: Some(&self.sheets.names[at.sheet]), row: at.row };
        match at.col {
            Some(c) => {
                let cell = SourceCell { raw, header: self.sheets.header(at), position: Some(c) };
                origin.issue(table, Some(&cell), issue)
            }
            None => origin.issue(table, None, issue),
        }
    }
}

/// A typed value as text the core typing reads back unchanged (dates as ISO).
fn canonical(v: Typed) -> Option<String> {
    match v {
        Typed::Null => None,
        Typed::Text(s) => Some(s),
        Typed::Date(d) => Some(from_date32(d).to_string()),
        Typed::Number(n) => Some(n.to_string()),
    }
}
