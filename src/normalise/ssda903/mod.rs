//! SSDA903 children-looked-after returns as CSVs: one file per DfE table (`header`, `episodes`,
//! `reviews`, `uasc`, `oc2`, `oc3`, `ad1`, `placed_for_adoption`, `prev_perm`, `missing`,
//! `sw_episodes`), each recognised by its header row (`reference/formats/ssda903/files.csv`,
//! with the header spellings in `header_aliases.csv`), for one or several collection years.
//!
//! Reading happens in two steps. Each file is read on its own (in parallel with the others)
//! into its rows as received, with its collection year: from a `YEAR` column where the file has
//! one, else from its path (`2022`, `2021-22`, `202122`, `21_22` …, see [`year`]); which was
//! used is recorded. Then [`assemble`] combines every year: where several returns hold the
//! same record the latest return's version wins, each child's episodes are made into one
//! history by the multi-year repair rules ([`repair`], every repair recorded as an issue), and
//! the rows go into the core tables as below. Keys are derived ([`key`]: a hash of the child id,
//! the record type and the parts listed) so that a record re-submitted in a later return has
//! the same key, and no key shows a child's id (the person id itself is CHILD):
//!
//! | SSDA903 | core table | key parts |
//! |---|---|---|
//! | header | person | (CHILD itself) |
//! | episodes | cla_episode (one per episode) | CHILD, DECOM |
//! | episodes | cla_placement (a run of episodes in one placement: a new placement at every reason for new episode but `L`) | CHILD, DECOM of its first episode |
//! | episodes | legal_status (a run of episodes with one legal status) | CHILD, DECOM of its first episode |
//! | episodes | period of care `clae_cla_id` (from an `S` episode, or after an episode that ceased other than `X1`) | CHILD, DECOM of its first episode |
//! | reviews | cla_review (linked to the period of care it falls in) | CHILD, REVIEW |
//! | uasc | immigration_status (`UASC`, ended on DUC) | CHILD, `UASC` |
//! | oc2 | cla_health: one check per flag `1` (health assessment, dental, immunisations, development check), dated 31 March of the year | CHILD, year, column |
//! | oc3 | care_leaver (the latest year's position) | CHILD, year |
//! | ad1 + placed_for_adoption | permanence, with the placement order, placement for adoption and adoption order dates taken from the child's episodes | CHILD, decision date |
//! | missing | missing | CHILD, MIS_START |
//! | sw_episodes | involvement | CHILD, SW_ID, SW_DECOM |
//!
//! `prev_perm` (permanence before care) has no core table and is recorded as not loaded.
//! Codes whose spelling or validity changed by year (SEX `1`/`2` → `M`/`F`, placement types,
//! reasons ceased, OC3 activity) are translated with `reference/formats/ssda903/codes.csv`; a
//! code outside the years its list allows is kept and noted. Codes loaded into free-text core
//! columns (REVIEW_CODE, MISSING, IN_TOUCH, ACTIV, ACCOM) are checked against their DfE lists as
//! each file is read (`code_list` in `files.csv`); the others when loaded, as for every input.

pub mod layout;
pub mod repair;
pub mod returns;
pub mod xml;
pub mod year;

mod history;
mod tables;

use super::builder::{Origin, SourceCell, TablePart};
use super::cells::{from_date32, type_cell, Typed};
use super::Sink;
use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;
use crate::Result;
pub use returns::ReturnFile;
use returns::Row;

const STAGE: &str = "normalise";

/// The derived key of a record (see [`crate::normalise::builder::derived_key`]).
pub fn key(child: &str, record: &str, parts: &[&str]) -> String {
    crate::normalise::builder::derived_key("903", child, record, parts)
}

/// The SSDA903 file a CSV header row is (`episodes`, `header`, …), if any.
pub fn recognise(header: &[String]) -> Option<&'static str> {
    layout::layout().recognise(header).map(|f| f.name.as_str())
}

/// The core table an SSDA903 file mainly fills, for locating issues (`None` for files with no
/// core table).
pub fn core_table(file: &str) -> Option<&'static str> {
    Some(match file {
        "header" => "person",
        "episodes" => "cla_episode",
        "reviews" => "cla_review",
        "uasc" => "immigration_status",
        "oc2" => "cla_health",
        "oc3" => "care_leaver",
        "ad1" | "placed_for_adoption" => "permanence",
        "missing" => "missing",
        "sw_episodes" => "involvement",
        "dolo" => "deprivation_of_liberty",
        _ => return None,
    })
}

/// Reads one SSDA903 CSV file's rows; they are typed and loaded by [`assemble`] once every file
/// of the run has been read.
pub fn read(file: &InputFile, file_name: &str, issues: &mut Vec<Issue>) -> Option<ReturnFile> {
    returns::read(file, file_name, core_table(file_name), issues)
}

/// Reads one SSDA903 return in XML into the rows of each file it holds ([`xml`]).
pub fn read_xml(file: &InputFile, issues: &mut Vec<Issue>) -> Vec<ReturnFile> {
    xml::read(file, issues)
}

/// The cross-file step: combines every SSDA903 file of the run (in input order) into the core
/// tables, latest return first and episodes repaired across years; every choice between
/// returns and every repair is recorded as an issue.
pub fn assemble(tables: &[TableSpec], mut returns: Vec<ReturnFile>, codes: &CodeLists, issues: &mut Vec<Issue>) -> Result<Vec<TablePart>> {
    if returns.is_empty() {
        return Ok(Vec::new());
    }
    for (i, r) in returns.iter_mut().enumerate() {
        r.order = i;
    }
    let ctx = Ctx { tables, codes };
    let mut sink = Sink::new(tables);
    let of = |name: &str| returns.iter().filter(|r| r.spec.name == name).collect::<Vec<_>>();
    let histories = history::load(&ctx, &of("episodes"), &mut sink, issues);
    tables::person(&ctx, &of("header"), &mut sink, issues);
    tables::reviews(&ctx, &of("reviews"), &histories, &mut sink, issues);
    tables::uasc(&ctx, &of("uasc"), &mut sink, issues);
    tables::health(&ctx, &of("oc2"), &mut sink, issues);
    tables::care_leavers(&ctx, &of("oc3"), &mut sink, issues);
    tables::permanence(&ctx, &of("ad1"), &of("placed_for_adoption"), &histories, &mut sink, issues);
    tables::missing(&ctx, &of("missing"), &mut sink, issues);
    tables::social_workers(&ctx, &of("sw_episodes"), &mut sink, issues);
    tables::deprivation_of_liberty(&ctx, &of("dolo"), &mut sink, issues);
    for r in &returns {
        tables::note_unloaded(r, issues);
    }
    sink.finish()
}

/// What every table loader needs: the core table specs and the code lists.
struct Ctx<'t> {
    tables: &'t [TableSpec],
    codes: &'t CodeLists,
}

impl<'t> Ctx<'t> {
    fn spec(&self, table: &str) -> &'t TableSpec {
        self.tables.iter().find(|t| t.name == table).unwrap_or_else(|| panic!("no core table named {table}"))
    }

    /// A child's id as the core tables hold it (typed as the person id is), or `None` if blank.
    fn child_id(&self, raw: &str) -> Option<String> {
        let spec = self.spec("person");
        match type_cell(&spec.columns[spec.column_index(&spec.primary_key).expect("checked when the schema loads")], raw, self.codes).0 {
            Typed::Text(id) if !id.is_empty() => Some(id),
            _ => None,
        }
    }

    /// Types `column` of `row` as core column `core_column` of `table` would be, recording any
    /// problem at the row; the value as text (dates ISO), for cells that are loaded with
    /// another row (e.g. placed_for_adoption's into AD1's permanence row).
    fn typed_at(&self, row: &Row, column: &str, table: &str, core_column: &str, issues: &mut Vec<Issue>) -> Option<String> {
        let cell = row.cell(column)?;
        let spec = self.spec(table);
        let col = &spec.columns[spec.column_index(core_column).unwrap_or_else(|| panic!("{table} has no column {core_column}"))];
        let (value, problem) = type_cell(col, cell.raw, self.codes);
        if let Some(p) = problem {
            issues.push(row.origin().issue(table, Some(&cell), Issue::new(p.severity, STAGE, p.code, p.message, p.action)));
        }
        match value {
            Typed::Null => None,
            Typed::Text(s) => Some(s),
            Typed::Date(d) => Some(from_date32(d).to_string()),
            Typed::Number(n) => Some(n.to_string()),
        }
    }

    /// The code in `column` of `row` translated with its year-versioned list (when the column
    /// has one): `Some(code)` when it differs from the raw value. A code outside the years its
    /// list allows is noted.
    fn translated(&self, row: &Row, column: &str, table: &str, issues: &mut Vec<Issue>) -> Option<String> {
        let list = row.file.spec.columns[row.file.spec.index(column)].codes.as_deref()?;
        let cell = row.cell(column)?;
        if super::cells::is_null_token(cell.raw) {
            return None;
        }
        let year = row.year();
        let t = layout::layout().translate(list, cell.raw, year);
        if let Some(years) = t.out_of_year {
            let message = format!(
                "the value is an SSDA903 code {years}, not in the {} collection; kept as {}",
                year.map_or("undated".to_string(), |y| y.to_string()),
                t.code
            );
            issues.push(row.origin().issue(
                table,
                Some(&cell),
                Issue::new(Severity::Info, STAGE, "code_out_of_year", message, Action::Kept),
            ));
        }
        (t.code != cell.raw.trim()).then_some(t.code)
    }
}

/// The cells of one core row, set by column name.
struct Cells<'a> {
    spec: &'a TableSpec,
    cells: Vec<Option<SourceCell<'a>>>,
}

impl<'a> Cells<'a> {
    fn new(spec: &'a TableSpec) -> Self {
        Cells { spec, cells: vec![None; spec.columns.len()] }
    }

    fn set(&mut self, column: &str, cell: Option<SourceCell<'a>>) -> &mut Self {
        let i = self.spec.column_index(column).unwrap_or_else(|| panic!("{} has no column {column}", self.spec.name));
        self.cells[i] = cell;
        self
    }

    /// Pushes the row into its table.
    fn push(&self, at: &Origin, sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) -> bool {
        sink.table(&self.spec.name).push_row(at, &self.cells, codes, issues)
    }

    /// Pushes the row into its table when `load`, else only types it, reporting its cells'
    /// problems (a row superseded by a later return's).
    fn push_or_check(&self, load: bool, at: &Origin, sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) {
        if load {
            self.push(at, sink, codes, issues);
        } else {
            sink.table(&self.spec.name).check_row(at, &self.cells, codes, issues);
        }
    }
}

/// A value the reader worked out (a key, a repaired date), placed against the source column it
/// came from so that any issue points there.
fn derived<'a>(value: &'a str, from: Option<SourceCell<'a>>, header: &'a str) -> SourceCell<'a> {
    match from {
        Some(c) => SourceCell { raw: value, header: c.header, position: c.position },
        None => SourceCell { raw: value, header, position: None },
    }
}

/// `cell` with its value replaced by `value` when given (a translated code).
fn replaced<'a>(cell: Option<SourceCell<'a>>, value: Option<&'a str>) -> Option<SourceCell<'a>> {
    match (cell, value) {
        (Some(c), Some(v)) => Some(SourceCell { raw: v, ..c }),
        (c, _) => c,
    }
}
