//! Ofsted Annex A workbooks (lists 1–11) read into the core tables.
//!
//! A workbook is recognised by its content: a sheet whose header row (searched in the first 20
//! rows) names a list's identifying columns ([`headers`]); sheet names do not matter. Each list's
//! rows go to the core tables the Annex A SQL reads them back from, so a workbook written by
//! `csc annex-a` reads back into the same lists. Which field goes to which core column is data,
//! `reference/annex_a/mapping.csv` ([`mapping`]):
//!
//! | list | core tables |
//! |---|---|
//! | 1 contacts | contact |
//! | 2 early help | early_help_episode |
//! | 3 referrals | referral (team, worker) |
//! | 4 assessments | assessment |
//! | 5 section 47 / ICPC | s47_enquiry, icpc (when the ICPC date or outcome is given) |
//! | 6 children in need | referral (the CIN episode), cin_visit (date last seen) |
//! | 7 child protection | cp_plan, cp_visit, cp_review, involvement (team, worker) |
//! | 8 children in care | cla_episode, legal_status, cla_placement, cla_review, cla_visit, cla_health, cla_care_plan (the permanence plan), involvement |
//! | 9 care leavers | care_leaver |
//! | 10 adoption | permanence |
//! | 11 adopters | none: recorded as an info issue with the number of rows not loaded |
//!
//! Every list adds the child's person row (gender, ethnicity, date of birth), collapsed by child
//! id across lists; "Does the Child have a Disability" becomes one disability row per child
//! (`NONE` for b) No, `DISABLED` for a) Yes, since Annex A does not say which disability; none for
//! c) Unknown) and a UASC "a) Yes" an immigration_status row `UASC`. Allocated workers are named,
//! not numbered, in Annex A: each becomes a professional row whose id is `W` and the first 12 hex
//! digits of the SHA-256 of the lower-cased name, so the name itself stays in the
//! pseudonymised-away name column; a value that is one word with a digit in it (`W03`) is taken as
//! the worker's id (warehouses that do not publish workers' names show ids). Counters, ages and case status are worked out by the pipeline
//! and are not loaded (an info issue names each such column once per sheet).
//!
//! **Keys.** Annex A rows carry no record ids, so each record's key is the child id and the
//! list's own dedup columns (those LIIA dedups Annex A on), joined with `/`: contact = child /
//! contact date / source code; early help = child / start; referral = child / referral date (List
//! 3) or CIN start date (List 6), so the same episode in both lists is one referral; assessment =
//! child / start; S47 and its ICPC = child / S47 start; CP plan = child / start; CLA episode = child
//! / date started to be looked after; placement = child / placement start; legal status = child /
//! start / code; visits, reviews and health checks = child / date (health checks also the type);
//! involvement = child / `L7` or `L8` / plan or care start; care plan = child / care start / `PLAN`; care leaver = child; permanence =
//! child / decision date; immigration status = child / `UASC`. Dates in keys are ISO. A row whose
//! key date is blank is keyed by its sheet and row instead, with a warning. A key repeated within
//! a list keeps its first row (`duplicate_key`); values for the same record from different lists
//! fill each other's gaps, and a value that disagrees is reported (`annex_a_conflict`) with the
//! first kept.
//!
//! **Values.** Lettered values are read back to codes ([`values`]); a value given in another
//! spelling is recorded as an info issue with the raw value beside the code it was read as.
//! Dates: Excel date cells directly; numbers in date columns as Excel serial dates (noted once per
//! column); text by the core rules (ISO or dd/mm/yyyy; ambiguous forms rejected, never guessed).

mod guard;
pub mod headers;
pub mod lists;
pub mod mapping;
mod rows;
pub mod values;
mod workbook;

pub use workbook::looks_like_workbook;

use super::Sink;
use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;
use lists::List;
use mapping::Kind;
use rows::{At, Ctx, Gathered, Put, Sheets};
use values::{clean_spaces, Decoded, Letters};
use workbook::CellText;

const STAGE: &str = "normalise";

/// The Annex A lists (numbers) a workbook holds, if the bytes are a workbook holding any. A
/// workbook that fails the container checks ([`guard`]) or cannot be opened is taken as an Annex
/// A workbook with no lists known, so that reading it reports it as damaged (an error), rather
/// than it passing as merely unrecognised; a zip or OLE file that is another kind of document
/// is not a workbook.
pub fn recognise(bytes: &[u8]) -> Option<Vec<u8>> {
    if !workbook::looks_like_workbook(bytes) {
        return None;
    }
    if guard::is_spreadsheet(bytes) == Some(false) {
        return None;
    }
    if guard::check(bytes, &crate::limits::Limits::default()).is_err() {
        return Some(Vec::new());
    }
    let Ok(mut book) = workbook::open(bytes) else { return Some(Vec::new()) };
    let mut found = Vec::new();
    use calamine::Reader;
    for sheet in book.sheet_names() {
        let Ok(rows) = workbook::top_rows(&mut book, &sheet) else { continue };
        if let Some(h) = rows.iter().find_map(|r| headers::match_row(r)) {
            found.push(h.list.number);
        }
    }
    found.sort_unstable();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

/// Reads every Annex A list in the workbook into the sink. Only sheets whose header row names a
/// list are loaded whole; hidden sheets are reported and loaded only when
/// `[input] hidden_sheets = true`.
pub fn read(file: &InputFile, tables: &[TableSpec], sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) {
    let at_file = |i: Issue| i.file(&file.path);
    let unreadable = |why: String| at_file(Issue::new(Severity::Error, STAGE, "unreadable_file", why, Action::FileSkipped));
    if let Err(why) = guard::check(&file.bytes, &file.limits) {
        issues.push(unreadable(why));
        return;
    }
    let mut book = match workbook::open(&file.bytes) {
        Ok(b) => b,
        Err(why) => {
            issues.push(unreadable(why));
            return;
        }
    };
    const NOTES_HEADER: [&str; 4] = ["Section", "List", "Column", "Note"];
    let mut sheets = Sheets { names: Vec::new(), headers: Vec::new() };
    let mut found = Vec::new();
    use calamine::Reader;
    let metadata: Vec<(String, calamine::SheetVisible)> = book.sheets_metadata().iter().map(|m| (m.name.clone(), m.visible)).collect();
    for (name, visible) in metadata {
        if visible != calamine::SheetVisible::Visible {
            let how = if visible == calamine::SheetVisible::Hidden {
                "hidden"
            } else {
                "very hidden (it can only be shown from Excel's VBA editor)"
            };
            let (message, action) = if file.limits.load_hidden_sheets {
                (format!("the sheet is {how}; it was read, as [input] hidden_sheets = true asks"), Action::Kept)
            } else {
                (
                    format!("the sheet is {how}; it was not read (set [input] hidden_sheets = true to read hidden sheets)"),
                    Action::FileSkipped,
                )
            };
            issues.push(at_file(Issue::new(Severity::Warning, STAGE, "hidden_sheet", message, action)).sheet(&name));
            if !file.limits.load_hidden_sheets {
                continue;
            }
        }
        let top = match workbook::top_rows(&mut book, &name) {
            Ok(top) => top,
            Err(e) => {
                issues.push(
                    at_file(Issue::new(
                        Severity::Error,
                        STAGE,
                        "unreadable_sheet",
                        format!("the sheet cannot be read: {e}"),
                        Action::FileSkipped,
                    ))
                    .sheet(&name),
                );
                continue;
            }
        };
        let header = top.iter().enumerate().find_map(|(r, cells)| headers::match_row(cells).map(|h| (r, h)));
        sheets.names.push(name.clone());
        sheets.headers.push(header.as_ref().map(|(r, _)| top[*r].clone()).unwrap_or_default());
        let Some((r, h)) = header else {
            // The Notes sheet csc writes first explains the lists; it is not one.
            let notes = top.first().is_some_and(|cells| cells.iter().map(String::as_str).take(4).eq(NOTES_HEADER));
            if !notes && top.iter().flatten().any(|c| !c.trim().is_empty()) {
                issues.push(
                    at_file(Issue::new(
                        Severity::Info,
                        STAGE,
                        "no_annex_a_list",
                        "no Annex A list header in the sheet's first 20 rows; the sheet was not loaded",
                        Action::Kept,
                    ))
                    .sheet(&name),
                );
            }
            continue;
        };
        match book.worksheet_range(&name) {
            Ok(range) => found.push((sheets.names.len() - 1, range, r, h)),
            Err(e) => issues.push(
                at_file(Issue::new(
                    Severity::Error,
                    STAGE,
                    "unreadable_sheet",
                    format!("the sheet cannot be read: {e}"),
                    Action::FileSkipped,
                ))
                .sheet(&name),
            ),
        }
    }
    let ctx = Ctx { file: &file.path, sheets: &sheets };
    let mut gathered = Gathered::new(tables, codes);
    for (sheet, range, header_row, header) in &found {
        read_list(&ctx, *sheet, range, *header_row, header, &mut gathered, issues);
    }
    gathered.flush(sink, &ctx, issues);
}

/// Reads one list's rows.
fn read_list(
    ctx: &Ctx,
    sheet: usize,
    range: &calamine::Range<calamine::Data>,
    header_row: usize,
    header: &headers::ListHeader,
    gathered: &mut Gathered,
    issues: &mut Vec<Issue>,
) {
    let list = header.list;
    let sheet_name = &ctx.sheets.names[sheet];
    let column_issue = |col: Option<usize>, i: Issue| {
        let i = i.file(ctx.file).sheet(sheet_name).row(header_row as i64 + 1);
        match col {
            Some(c) => i.column(&ctx.sheets.headers[sheet][c], c),
            None => i,
        }
    };
    let (r0, c0) = range.start().map(|(r, c)| (r as usize, c as usize)).unwrap_or((0, 0));
    let data_rows = || range.rows().enumerate().skip((header_row + 1).saturating_sub(r0)).filter(|(_, row)| !row.iter().all(is_blank));
    if list.number == 11 {
        let n = data_rows().count();
        let message = format!(
            "List 11 (adopters) has no core table: its {n} rows were not loaded; take adopters from the adoption agency's own records"
        );
        issues.push(column_issue(None, Issue::new(Severity::Info, STAGE, "annex_a_not_loaded", message, Action::RowRejected)));
        return;
    }
    let table = mapping::main_table(list.number).expect("lists 1-10 have a main record");
    for (f, col) in list.fields.iter().zip(&header.columns) {
        match (col, f.not_loaded) {
            (None, None) => issues.push(column_issue(
                None,
                Issue::new(
                    Severity::Warning,
                    STAGE,
                    "missing_column",
                    format!("List {} ({}) has no {} column; its values are null", list.number, list.title, f.name),
                    Action::SetNull,
                )
                .table(table),
            )),
            (Some(c), Some(why)) => issues.push(column_issue(
                Some(*c),
                Issue::new(Severity::Info, STAGE, "annex_a_not_loaded", format!("not loaded: {why}"), Action::Kept).table(table),
            )),
            _ => {}
        }
    }
    for &c in &header.extra {
        issues.push(column_issue(
            Some(c),
            Issue::new(Severity::Info, STAGE, "extra_column", "column is not part of the list and was not loaded", Action::Kept)
                .table(table),
        ));
    }
    let mut serial_noted = vec![false; list.fields.len()];
    let mut vals: Vec<Option<String>> = vec![None; list.fields.len()];
    for (i, row) in data_rows() {
        let excel_row = (r0 + i + 1) as i64;
        for (f, field) in list.fields.iter().enumerate() {
            vals[f] = None;
            let Some(col) = header.columns[f] else { continue };
            if field.not_loaded.is_some() {
                continue;
            }
            let at = At { sheet, row: excel_row, col: Some(col) };
            let cell = col.checked_sub(c0).and_then(|c| row.get(c)).unwrap_or(&calamine::Data::Empty);
            vals[f] = match workbook::cell_text(cell, field.date) {
                CellText::Blank => None,
                CellText::Text(t) => Some(t),
                CellText::SerialDate(d) => {
                    if !serial_noted[f] {
                        serial_noted[f] = true;
                        let message = "numbers in this date column have no date format; they were read as Excel serial dates (first noted at this row)";
                        issues.push(ctx.issue(
                            table,
                            at,
                            &cell.to_string(),
                            Issue::new(Severity::Info, STAGE, "excel_serial_date", message, Action::Kept),
                        ));
                    }
                    Some(d)
                }
                CellText::Error(e) => {
                    issues.push(ctx.issue(
                        table,
                        at,
                        &e,
                        Issue::new(
                            Severity::Warning,
                            STAGE,
                            "excel_error",
                            "the cell holds an Excel error value; it is null",
                            Action::SetNull,
                        ),
                    ));
                    None
                }
            };
        }
        let mut m = Mapper {
            list,
            header,
            vals: &vals,
            sheet,
            row: excel_row,
            ctx,
            letters: Letters::builtin(),
            gathered: &mut *gathered,
            issues: &mut *issues,
            child: String::new(),
            keys: Vec::new(),
        };
        m.map(table);
    }
}

/// Whether an "Allocated Worker" value is a worker id rather than a name: one word with a digit
/// in it (`W03`, `12345`). Workbooks from warehouses that do not publish workers' names carry ids.
fn is_worker_id(value: &str) -> bool {
    !value.contains(' ') && value.bytes().any(|b| b.is_ascii_digit())
}

fn is_blank(d: &calamine::Data) -> bool {
    match d {
        calamine::Data::Empty => true,
        calamine::Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Maps one list row to core records.
struct Mapper<'m, 't> {
    list: &'static List,
    header: &'m headers::ListHeader,
    vals: &'m [Option<String>],
    sheet: usize,
    row: i64,
    ctx: &'m Ctx<'m>,
    letters: &'static Letters,
    gathered: &'m mut Gathered<'t>,
    issues: &'m mut Vec<Issue>,
    child: String,
    /// The keys of the records made from the row so far, by record name.
    keys: Vec<(&'static str, String)>,
}

impl Mapper<'_, '_> {
    fn index(&self, field: &str) -> usize {
        self.list.field(field).unwrap_or_else(|| panic!("list {} has no field {field}", self.list.number))
    }

    fn at(&self, field: &str) -> At {
        At { sheet: self.sheet, row: self.row, col: self.header.columns[self.index(field)] }
    }

    fn row_at(&self) -> At {
        At { sheet: self.sheet, row: self.row, col: None }
    }

    fn raw(&self, field: &str) -> Option<&str> {
        self.vals[self.index(field)].as_deref()
    }

    /// The field's value as received, for a column typed by the core rules.
    fn plain(&self, field: &str, column: &'static str) -> Option<Put> {
        let raw = self.raw(field)?;
        Some(Put { column, value: clean_spaces(raw), raw: raw.to_string(), at: self.at(field) })
    }

    /// A fixed value implied by a field (e.g. "seen" for the date a child was last seen).
    fn implied(&self, field: &str, column: &'static str, value: &str) -> Put {
        Put { column, value: value.to_string(), raw: self.raw(field).unwrap_or_default().to_string(), at: self.at(field) }
    }

    /// The code a lettered value stands for (unknown values pass through as received).
    fn code(&mut self, table: &str, field: &str, domain: &str) -> Option<(Option<String>, String)> {
        let raw = self.raw(field)?.to_string();
        if super::cells::is_null_token(&raw) {
            return None;
        }
        let code = match self.letters.decode(domain, &raw) {
            Decoded::Exact(code) => Some(code.to_string()),
            Decoded::Recoded { code, official } => {
                let message = format!("read as code {code} (Ofsted's value for it is \"{official}\")");
                let at = self.at(field);
                self.issues.push(self.ctx.issue(
                    table,
                    at,
                    &raw,
                    Issue::new(Severity::Info, STAGE, "annex_a_value_recoded", message, Action::Substituted),
                ));
                Some(code.to_string())
            }
            Decoded::Unknown => None,
        };
        Some((code, raw))
    }

    /// A lettered value into a code column.
    fn coded(&mut self, table: &str, field: &str, column: &'static str, domain: &str) -> Option<Put> {
        let (code, raw) = self.code(table, field, domain)?;
        Some(Put { column, value: code.unwrap_or_else(|| raw.clone()), raw, at: self.at(field) })
    }

    /// A yes/no lettered value into a Y/N flag (the opposite flag when `invert`); "c) Unknown"
    /// is null.
    fn flag(&mut self, table: &str, field: &str, column: &'static str, domain: &str, invert: bool) -> Option<Put> {
        let (code, raw) = self.code(table, field, domain)?;
        let value = match (code.as_deref(), invert) {
            (Some("U"), _) => return None,
            (Some("Y"), false) | (Some("N"), true) => "Y".to_string(),
            (Some("N"), false) | (Some("Y"), true) => "N".to_string(),
            _ => raw.clone(),
        };
        Some(Put { column, value, raw, at: self.at(field) })
    }

    /// A key part: the field's date as ISO, or its code or text, upper-cased.
    fn part(&self, field: &str, domain: Option<&str>) -> Option<String> {
        let raw = self.raw(field)?;
        let f = &self.list.fields[self.index(field)];
        if f.date {
            return Some(super::cells::parse_date(raw.trim()).map(|d| d.to_string()).unwrap_or_else(|_| clean_spaces(raw)));
        }
        if let Some(domain) = domain {
            if let Decoded::Exact(c) | Decoded::Recoded { code: c, .. } = self.letters.decode(domain, raw) {
                return Some(c.to_string());
            }
        }
        Some(clean_spaces(raw).to_ascii_uppercase())
    }

    /// The key of one of the list's records, from its key rows ([`mapping::Kind`]), remembered
    /// for the records that link to it.
    fn key(&mut self, record: &'static str) -> String {
        let mut key = self.child.clone();
        let blank = format!("{}!{}", self.ctx.sheets.names[self.sheet], self.row);
        for r in mapping::record(self.list.number, record).into_iter().filter(|r| r.kind.is_key()) {
            match r.kind {
                Kind::KeyOf => key = self.keys.iter().find(|(n, _)| *n == r.arg).map(|(_, k)| k.clone()).expect("linked record made first"),
                Kind::KeySuffix => {
                    key.push('/');
                    key.push_str(r.arg);
                }
                Kind::KeyPart => {
                    let part = self.part(r.field, None).unwrap_or_else(|| blank.clone());
                    key.push_str(&format!("/{}/{part}", r.arg));
                }
                _ => {
                    key.push('/');
                    let domain = Some(r.arg).filter(|d| !d.is_empty());
                    match self.part(r.field, domain) {
                        Some(p) => key.push_str(&p),
                        None => {
                            let message = format!("{} is blank, so the record is keyed by its sheet and row", r.field);
                            let at = self.at(r.field);
                            self.issues.push(self.ctx.issue(
                                r.table,
                                at,
                                "",
                                Issue::new(Severity::Warning, STAGE, "annex_a_blank_key", message, Action::Kept),
                            ));
                            key.push_str(&blank);
                        }
                    }
                }
            }
        }
        self.keys.push((record, key.clone()));
        key
    }

    /// The values of one of the list's records, from its column rows in order; `derived` is the
    /// value of its [`mapping::Kind::Derived`] row. Also whether any value was read from the row
    /// (rather than implied or linked).
    fn puts(&mut self, record: &'static str, derived: Option<&str>) -> (Vec<Put>, bool) {
        let mut puts = Vec::new();
        let mut given = false;
        for r in mapping::record(self.list.number, record).into_iter().filter(|r| !r.kind.is_key()) {
            let put = match r.kind {
                Kind::Child => self.person_id(r.column),
                Kind::Plain => self.plain(r.field, r.column),
                Kind::Coded => self.coded(r.table, r.field, r.column, r.arg),
                Kind::Flag => self.flag(r.table, r.field, r.column, r.arg, false),
                Kind::FlagInverted => self.flag(r.table, r.field, r.column, r.arg, true),
                Kind::Worker => self.worker(r.field, r.column),
                Kind::Fixed => self.raw(r.field).map(|_| self.implied(r.field, r.column, r.arg)),
                Kind::Link => self.keys.iter().find(|(n, _)| *n == r.arg).map(|(_, k)| self.implied(r.field, r.column, k)),
                Kind::Derived => derived.map(|v| self.implied(r.field, r.column, v)),
                Kind::Key | Kind::KeyPart | Kind::KeyOf | Kind::KeySuffix => None,
            };
            given |= put.is_some() && matches!(r.kind, Kind::Plain | Kind::Coded | Kind::Flag | Kind::FlagInverted | Kind::Worker);
            puts.extend(put);
        }
        (puts, given)
    }

    /// Offers a record made from the row, reporting its key problems at `key_field`.
    fn emit(&mut self, record: &'static str, key: &str, key_field: &str, own: bool, puts: Vec<Put>) {
        let table = mapping::table(self.list.number, record);
        let key_at = self.at(key_field);
        let row_at = self.row_at();
        self.gathered.put(table, key, self.list.number, own, row_at, key_at, &puts, self.ctx, self.issues);
    }

    /// A record made when the field of its last `key` row is given, keyed and reported there.
    fn dependent(&mut self, record: &'static str) {
        let rows = mapping::record(self.list.number, record);
        let field = rows.iter().rev().find(|r| r.kind == Kind::Key).map(|r| r.field).expect("a dependent record has a key row");
        if self.raw(field).is_some() {
            let key = self.key(record);
            let (puts, _) = self.puts(record, None);
            self.emit(record, &key, field, false, puts);
        }
    }

    fn person_id(&self, column: &'static str) -> Option<Put> {
        Some(self.implied("child_id", column, &self.child.clone()))
    }

    /// A named worker as a professional record; the returned value (the worker's id) goes in
    /// `column`.
    fn worker(&mut self, field: &str, column: &'static str) -> Option<Put> {
        let raw = self.raw(field)?.to_string();
        if super::cells::is_null_token(&raw) {
            return None;
        }
        let name = clean_spaces(&raw);
        if is_worker_id(&name) {
            return Some(Put { column, value: name, raw, at: self.at(field) });
        }
        // Keyed, never a plain hash of the name (which anyone with a staff list could recompute).
        let id = crate::pseudonymise::reader_worker_id(&name);
        let (name_puts, _) = self.puts("professional", None);
        self.emit("professional", &id, field, false, name_puts);
        Some(Put { column, value: id, raw, at: self.at(field) })
    }

    fn map(&mut self, table: &str) {
        let Some(raw_child) = self.raw("child_id") else {
            let at = self.at("child_id");
            let message = "Child Unique ID is blank; the row cannot be used";
            self.issues.push(self.ctx.issue(
                table,
                at,
                "",
                Issue::new(Severity::Error, STAGE, "missing_required", message, Action::RowRejected),
            ));
            return;
        };
        let child = clean_spaces(raw_child).to_ascii_uppercase();
        self.child = child.strip_suffix(".0").filter(|s| s.bytes().all(|b| b.is_ascii_digit())).map(str::to_string).unwrap_or(child);
        let child = self.child.clone();
        let (person, _) = self.puts("person", None);
        self.emit("person", &child, "child_id", false, person);
        if self.list.field(mapping::derived(self.list.number, "disability").field).is_some() {
            self.disability();
        }
        if self.list.field(mapping::derived(self.list.number, "uasc").field).is_some() {
            self.uasc();
        }
        let key = self.key("main");
        // A placement is made when its start or type is given; the episode links to it.
        let placement = self.list.number == 8 && (self.raw("placement_start").is_some() || self.raw("placement_type").is_some());
        if placement {
            self.key("placement");
        }
        let (puts, _) = self.puts("main", None);
        self.emit("main", &key, "child_id", true, puts);
        match self.list.number {
            5 => {
                let icpc = self.key("icpc");
                let (puts, given) = self.puts("icpc", None);
                if given {
                    self.emit("icpc", &icpc, "s47_start", false, puts);
                }
            }
            6 => self.dependent("cin_visit"),
            7 => {
                self.dependent("cp_visit");
                self.dependent("cp_review");
                self.involvement();
            }
            8 => {
                self.dependent("legal_status");
                if placement {
                    let key = self.keys.iter().find(|(n, _)| *n == "placement").map(|(_, k)| k.clone()).unwrap_or_default();
                    let (puts, _) = self.puts("placement", None);
                    self.emit("placement", &key, "placement_start", false, puts);
                }
                for record in ["cla_review", "cla_visit", "health", "dental"] {
                    self.dependent(record);
                }
                self.care_plan();
                self.involvement();
            }
            _ => {}
        }
    }

    fn disability(&mut self) {
        let row = mapping::derived(self.list.number, "disability");
        let Some((code, raw)) = self.code(row.table, row.field, row.arg) else { return };
        let value = match code.as_deref() {
            Some("Y") => "DISABLED",
            Some("N") => "NONE",
            Some(_) => return,
            None => {
                let at = self.at(row.field);
                let message = "not a value of \"Does the Child have a Disability\" (a) Yes, b) No, c) Unknown); not loaded";
                self.issues.push(self.ctx.issue(
                    row.table,
                    at,
                    &raw,
                    Issue::new(Severity::Warning, STAGE, "unknown_code", message, Action::SetNull),
                ));
                return;
            }
        };
        let child = self.child.clone();
        let (puts, _) = self.puts("disability", Some(value));
        self.emit("disability", &child, row.field, false, puts);
    }

    fn uasc(&mut self) {
        let row = mapping::derived(self.list.number, "uasc");
        let Some((code, raw)) = self.code(row.table, row.field, row.arg) else { return };
        match code.as_deref() {
            Some("Y") => {
                let key = format!("{}/UASC", self.child);
                let (puts, _) = self.puts("uasc", Some("UASC"));
                self.emit("uasc", &key, row.field, false, puts);
            }
            Some(_) => {}
            None => {
                let at = self.at(row.field);
                self.issues.push(self.ctx.issue(
                    row.table,
                    at,
                    &raw,
                    Issue::new(
                        Severity::Warning,
                        STAGE,
                        "unknown_code",
                        "not a yes/no value; the child's UASC status was not loaded",
                        Action::SetNull,
                    ),
                ));
            }
        }
    }

    /// List 8's permanence plan as a care plan over the period of care (Annex A gives the plan,
    /// not when it was made), its JSON ticking the SSD key Ofsted's value reads back to
    /// (`a) Return to family` → `RETURNEV`); a value outside Ofsted's list is kept as its key.
    fn care_plan(&mut self) {
        let row = mapping::derived(self.list.number, "care_plan");
        let Some((code, raw)) = self.code(row.table, row.field, row.arg) else { return };
        let plan = code.unwrap_or_else(|| clean_spaces(&raw).to_ascii_uppercase().replace(['"', '\\'], ""));
        let key = self.key("care_plan");
        let (puts, _) = self.puts("care_plan", Some(&format!(r#"{{"{plan}": "Y"}}"#)));
        self.emit("care_plan", &key, row.field, false, puts);
    }

    /// The child's allocated team and worker (Lists 7 and 8) as an involvement over the plan or
    /// period of care.
    fn involvement(&mut self) {
        if self.raw("team").is_none() && self.raw("worker").is_none() {
            return;
        }
        let start = mapping::record(self.list.number, "involvement").into_iter().find(|r| r.kind == Kind::KeyPart).map(|r| r.field);
        let key = self.key("involvement");
        let (puts, _) = self.puts("involvement", None);
        self.emit("involvement", &key, start.expect("an involvement is keyed by its start"), false, puts);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::schema::ssd_tables;

    /// A row of each list with every column given makes every record the mapping names for the
    /// list, through every path of the mapper (so a record or field the code names that the
    /// mapping or the list lacks fails here, not in a night's run).
    #[test]
    fn a_full_row_of_each_list_makes_every_mapped_record() {
        let tables = ssd_tables();
        let codes = CodeLists::builtin();
        for list in lists::LISTS.iter().filter(|l| l.number != 11) {
            let headers: Vec<String> = list.fields.iter().map(|f| f.name.to_string()).collect();
            let sheets = Sheets { names: vec!["List".into()], headers: vec![headers] };
            let ctx = Ctx { file: "lists.xlsx", sheets: &sheets };
            let header = headers::ListHeader { list, columns: (0..list.fields.len()).map(Some).collect(), extra: Vec::new() };
            let vals: Vec<Option<String>> = list
                .fields
                .iter()
                .map(|f| match f.name {
                    _ if f.not_loaded.is_some() => None,
                    _ if f.date => Some("01/04/2024".to_string()),
                    "child_id" => Some("C1".to_string()),
                    "worker" => Some("Sam Lee".to_string()),
                    _ => Some("a) Yes".to_string()),
                })
                .collect();
            let mut gathered = Gathered::new(tables, codes);
            let mut issues = Vec::new();
            let mut m = Mapper {
                list,
                header: &header,
                vals: &vals,
                sheet: 0,
                row: 2,
                ctx: &ctx,
                letters: Letters::builtin(),
                gathered: &mut gathered,
                issues: &mut issues,
                child: String::new(),
                keys: Vec::new(),
            };
            m.map(mapping::main_table(list.number).unwrap());
            let mut sink = Sink::new(tables);
            gathered.flush(&mut sink, &ctx, &mut issues);
            let made: BTreeSet<String> = sink.finish().unwrap().into_iter().filter(|p| p.rows_in > 0).map(|p| p.table).collect();
            let expected: BTreeSet<String> = mapping::rows()
                .iter()
                .filter(|r| {
                    // A record every list shares is made by the lists that have all its fields.
                    let shared =
                        || mapping::rows().iter().filter(|o| o.list == 0 && o.record == r.record).all(|o| list.field(o.field).is_some());
                    r.list == list.number || (r.list == 0 && shared())
                })
                .map(|r| r.table.to_string())
                .collect();
            assert_eq!(made, expected, "list {}", list.number);
            assert!(!issues.iter().any(|i| i.code == "annex_a_blank_key"), "list {}: {issues:?}", list.number);
        }
    }
}
