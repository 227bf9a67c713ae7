//! Ofsted Annex A workbooks (lists 1–11) read into the core tables.
//!
//! A workbook is recognised by its content: a sheet whose header row (searched in the first 20
//! rows) names a list's identifying columns ([`headers`]); sheet names do not matter. Each list's
//! rows go to the core tables the Annex A SQL reads them back from, so a workbook written by
//! `csc annex-a` reads back into the same lists:
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
    let table_of = |list: &List| match list.number {
        1 => "contact",
        2 => "early_help_episode",
        3 | 6 => "referral",
        4 => "assessment",
        5 => "s47_enquiry",
        7 => "cp_plan",
        8 => "cla_episode",
        9 => "care_leaver",
        10 => "permanence",
        _ => "",
    };
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
    let table = table_of(list);
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

    /// The record key: the child id and the given parts. A blank part is replaced by the sheet
    /// and row, with a warning.
    fn key(&mut self, table: &str, parts: &[(&str, Option<&str>)]) -> String {
        let mut key = self.child.clone();
        for (field, domain) in parts {
            key.push('/');
            match self.part(field, *domain) {
                Some(p) => key.push_str(&p),
                None => {
                    let message = format!("{field} is blank, so the record is keyed by its sheet and row");
                    let at = self.at(field);
                    self.issues.push(self.ctx.issue(
                        table,
                        at,
                        "",
                        Issue::new(Severity::Warning, STAGE, "annex_a_blank_key", message, Action::Kept),
                    ));
                    key.push_str(&format!("{}!{}", self.ctx.sheets.names[self.sheet], self.row));
                }
            }
        }
        key
    }

    fn emit(&mut self, table: &str, key: &str, key_field: &str, own: bool, puts: Vec<Option<Put>>) {
        let puts: Vec<Put> = puts.into_iter().flatten().collect();
        let key_at = self.at(key_field);
        let row_at = self.row_at();
        self.gathered.put(table, key, self.list.number, own, row_at, key_at, &puts, self.ctx, self.issues);
    }

    fn person_id(&self, column: &'static str) -> Option<Put> {
        Some(self.implied("child_id", column, &self.child.clone()))
    }

    /// A named worker as a professional record; the returned value (the worker's id) goes in
    /// `column`.
    fn worker(&mut self, column: &'static str) -> Option<Put> {
        let raw = self.raw("worker")?.to_string();
        if super::cells::is_null_token(&raw) {
            return None;
        }
        let name = clean_spaces(&raw);
        if is_worker_id(&name) {
            return Some(Put { column, value: name, raw, at: self.at("worker") });
        }
        // Keyed, never a plain hash of the name (which anyone with a staff list could recompute).
        let id = crate::pseudonymise::reader_worker_id(&name);
        let name_put = Put { column: "prof_professional_name", value: name, raw: raw.clone(), at: self.at("worker") };
        self.emit("professional", &id, "worker", false, vec![Some(name_put)]);
        Some(Put { column, value: id, raw, at: self.at("worker") })
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
        let person = vec![
            self.coded("person", "gender", "pers_sex", "gender"),
            self.coded("person", "ethnicity", "pers_ethnicity", "ethnicity"),
            self.plain("dob", "pers_dob"),
        ];
        self.emit("person", &child, "child_id", false, person);
        if self.list.field("disability").is_some() {
            self.disability();
        }
        if self.list.field("uasc").is_some() {
            self.uasc();
        }
        match self.list.number {
            1 => {
                let key = self.key(table, &[("contact_date", None), ("contact_source", Some("source"))]);
                let puts = vec![
                    self.person_id("cont_person_id"),
                    self.plain("contact_date", "cont_contact_date"),
                    self.coded(table, "contact_source", "cont_contact_source_code", "source"),
                ];
                self.emit(table, &key, "child_id", true, puts);
            }
            2 => {
                let key = self.key(table, &[("eh_start", None)]);
                let puts = vec![
                    self.person_id("earl_person_id"),
                    self.plain("eh_start", "earl_episode_start_date"),
                    self.plain("eh_end", "earl_episode_end_date"),
                    self.plain("eh_org", "earl_episode_organisation"),
                ];
                self.emit(table, &key, "child_id", true, puts);
            }
            3 => {
                let key = self.key(table, &[("referral_date", None)]);
                let puts = vec![
                    self.person_id("cine_person_id"),
                    self.plain("referral_date", "cine_referral_date"),
                    self.coded(table, "referral_source", "cine_referral_source_code", "source"),
                    self.flag(table, "referral_nfa", "cine_referral_nfa", "yes_no", false),
                    self.plain("team", "cine_referral_team"),
                    self.worker("cine_referral_worker_id"),
                ];
                self.emit(table, &key, "child_id", true, puts);
            }
            4 => {
                let key = self.key(table, &[("assessment_start", None)]);
                let puts = vec![
                    self.person_id("cina_person_id"),
                    self.plain("assessment_start", "cina_assessment_start_date"),
                    self.flag(table, "child_seen", "cina_assessment_child_seen", "yes_no_unknown", false),
                    self.plain("assessment_auth", "cina_assessment_auth_date"),
                    self.flag(table, "requires_support", "cina_assessment_outcome_nfa", "yes_no", true),
                    self.plain("team", "cina_assessment_team"),
                    self.worker("cina_assessment_worker_id"),
                ];
                self.emit(table, &key, "child_id", true, puts);
            }
            5 => self.s47(table),
            6 => self.children_in_need(table),
            7 => self.child_protection(table),
            8 => self.children_in_care(table),
            9 => {
                let puts = vec![
                    self.person_id("clea_person_id"),
                    self.plain("team", "clea_care_leaver_allocated_team"),
                    self.worker("clea_care_leaver_worker_id"),
                    self.plain("personal_advisor", "clea_care_leaver_personal_advisor"),
                    self.coded(table, "eligibility", "clea_care_leaver_eligibility", "eligibility"),
                    self.plain("pathway_review", "clea_pathway_plan_review_date"),
                    self.coded(table, "in_touch", "clea_care_leaver_in_touch", "in_touch"),
                    self.plain("latest_contact", "clea_care_leaver_latest_contact"),
                    self.coded(table, "accommodation", "clea_care_leaver_accommodation", "accommodation"),
                    self.coded(table, "suitability", "clea_care_leaver_accom_suitable", "suitability"),
                    self.coded(table, "activity", "clea_care_leaver_activity", "activity"),
                ];
                self.emit(table, &child, "child_id", true, puts);
            }
            10 => {
                let key = self.key(table, &[("adoption_decision", None)]);
                let order_type =
                    self.raw("adoption_order").map(|_| self.implied("adoption_order", "perm_permanence_order_type", "Adoption"));
                let puts = vec![
                    self.person_id("perm_person_id"),
                    self.plain("adoption_decision", "perm_adm_decision_date"),
                    self.plain("placement_order", "perm_placement_order_date"),
                    self.plain("matched", "perm_matched_date"),
                    self.plain("placed", "perm_placed_for_adoption_date"),
                    self.plain("adoption_order", "perm_permanence_order_date"),
                    order_type,
                    self.plain("decision_reversed", "perm_decision_reversed_date"),
                    self.coded(table, "reversal_reason", "perm_decision_reversed_reason", "reversal_reason"),
                    self.plain("ffa_placed", "perm_placed_ffa_cp_date"),
                ];
                self.emit(table, &key, "child_id", true, puts);
            }
            _ => {}
        }
    }

    fn disability(&mut self) {
        let Some((code, raw)) = self.code("disability", "disability", "yes_no_unknown") else { return };
        let value = match code.as_deref() {
            Some("Y") => "DISABLED",
            Some("N") => "NONE",
            Some(_) => return,
            None => {
                let at = self.at("disability");
                let message = "not a value of \"Does the Child have a Disability\" (a) Yes, b) No, c) Unknown); not loaded";
                self.issues.push(self.ctx.issue(
                    "disability",
                    at,
                    &raw,
                    Issue::new(Severity::Warning, STAGE, "unknown_code", message, Action::SetNull),
                ));
                return;
            }
        };
        let child = self.child.clone();
        let puts = vec![self.person_id("disa_person_id"), Some(self.implied("disability", "disa_disability_code", value))];
        self.emit("disability", &child, "disability", false, puts);
    }

    fn uasc(&mut self) {
        let Some((code, raw)) = self.code("immigration_status", "uasc", "yes_no") else { return };
        match code.as_deref() {
            Some("Y") => {
                let key = format!("{}/UASC", self.child);
                let puts = vec![self.person_id("immi_person_id"), Some(self.implied("uasc", "immi_immigration_status", "UASC"))];
                self.emit("immigration_status", &key, "uasc", false, puts);
            }
            Some(_) => {}
            None => {
                let at = self.at("uasc");
                self.issues.push(self.ctx.issue(
                    "immigration_status",
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

    fn s47(&mut self, table: &str) {
        let key = self.key(table, &[("s47_start", None)]);
        let puts = vec![
            self.person_id("s47e_person_id"),
            self.plain("s47_start", "s47e_s47_start_date"),
            self.flag(table, "icpc_unnecessary", "s47e_s47_nfa", "yes_no", false),
            self.plain("team", "s47e_s47_completed_by_team"),
            self.worker("s47e_s47_completed_by_worker_id"),
        ];
        self.emit(table, &key, "child_id", true, puts);
        let date = self.plain("icpc_date", "icpc_icpc_date");
        let outcome = self.flag("icpc", "icpc_cp_plan", "icpc_icpc_outcome_cp_flag", "yes_no_unknown", false);
        if date.is_some() || outcome.is_some() {
            let link = Some(self.implied("s47_start", "icpc_s47_enquiry_id", &key));
            self.emit("icpc", &key, "s47_start", false, vec![self.person_id("icpc_person_id"), link, date, outcome]);
        }
    }

    fn children_in_need(&mut self, table: &str) {
        let key = self.key(table, &[("cin_start", None)]);
        let puts = vec![
            self.person_id("cine_person_id"),
            self.plain("cin_start", "cine_referral_date"),
            self.coded(table, "primary_need", "cine_cin_primary_need_code", "primary_need"),
            self.plain("cin_closure", "cine_close_date"),
            self.coded(table, "closure_reason", "cine_close_reason", "closure_reason"),
            self.plain("team", "cine_referral_team"),
            self.worker("cine_referral_worker_id"),
        ];
        self.emit(table, &key, "child_id", true, puts);
        if self.raw("last_seen").is_some() {
            let visit = self.key("cin_visit", &[("last_seen", None)]);
            let puts = vec![
                self.person_id("cinv_person_id"),
                self.plain("last_seen", "cinv_cin_visit_date"),
                Some(self.implied("last_seen", "cinv_cin_visit_seen", "Y")),
            ];
            self.emit("cin_visit", &visit, "last_seen", false, puts);
        }
    }

    fn child_protection(&mut self, table: &str) {
        let key = self.key(table, &[("cp_start", None)]);
        let puts = vec![
            self.person_id("cppl_person_id"),
            self.plain("cp_start", "cppl_cp_plan_start_date"),
            self.coded(table, "initial_category", "cppl_cp_plan_initial_category", "category_of_abuse"),
            self.coded(table, "latest_category", "cppl_cp_plan_latest_category", "category_of_abuse"),
            self.plain("cp_end", "cppl_cp_plan_end_date"),
        ];
        self.emit(table, &key, "child_id", true, puts);
        if self.raw("last_visit").is_some() {
            let visit = self.key("cp_visit", &[("last_visit", None)]);
            let puts = vec![
                self.person_id("cppv_person_id"),
                Some(self.implied("last_visit", "cppv_cp_plan_id", &key)),
                self.plain("last_visit", "cppv_cp_visit_date"),
                Some(self.implied("last_visit", "cppv_cp_visit_seen", "Y")),
                self.flag("cp_visit", "seen_alone", "cppv_cp_visit_seen_alone", "yes_no_unknown", false),
            ];
            self.emit("cp_visit", &visit, "last_visit", false, puts);
        }
        if self.raw("latest_review").is_some() {
            let review = self.key("cp_review", &[("latest_review", None)]);
            let puts = vec![
                self.person_id("cppr_person_id"),
                Some(self.implied("latest_review", "cppr_cp_plan_id", &key)),
                self.plain("latest_review", "cppr_cp_review_date"),
            ];
            self.emit("cp_review", &review, "latest_review", false, puts);
        }
        self.involvement("L7", "cp_start", "cp_end");
    }

    fn children_in_care(&mut self, table: &str) {
        let key = self.key(table, &[("cla_start", None)]);
        let placement = (self.raw("placement_start").is_some() || self.raw("placement_type").is_some())
            .then(|| self.key("cla_placement", &[("placement_start", None)]));
        let puts = vec![
            self.person_id("clae_person_id"),
            Some(self.implied("cla_start", "clae_cla_id", &key)),
            self.plain("cla_start", "clae_cla_episode_start_date"),
            self.plain("cla_start", "clae_entered_care_date"),
            self.coded(table, "category_of_need", "clae_cla_primary_need_code", "primary_need"),
            self.plain("cla_ceased", "clae_cla_episode_ceased_date"),
            self.coded(table, "reason_ceased", "clae_cla_episode_ceased_reason", "reason_ceased"),
            placement.as_ref().map(|p| self.implied("placement_start", "clae_cla_placement_id", p)),
            self.plain("last_iro", "clae_cla_last_iro_contact_date"),
        ];
        self.emit(table, &key, "child_id", true, puts);
        if self.raw("legal_status").is_some() {
            let status = self.key("legal_status", &[("legal_status_start", None), ("legal_status", Some("legal_status"))]);
            let puts = vec![
                self.person_id("lega_person_id"),
                self.coded("legal_status", "legal_status", "lega_legal_status", "legal_status"),
                self.plain("legal_status_start", "lega_legal_status_start_date"),
            ];
            self.emit("legal_status", &status, "legal_status", false, puts);
        }
        if let Some(p) = placement {
            let puts = vec![
                self.person_id("clap_person_id"),
                Some(self.implied("placement_start", "clap_cla_id", &key)),
                self.plain("placement_start", "clap_cla_placement_start_date"),
                self.coded("cla_placement", "placement_type", "clap_cla_placement_type", "placement_type"),
                self.coded("cla_placement", "placement_provider", "clap_cla_placement_provider", "placement_provider"),
                self.plain("placement_postcode", "clap_cla_placement_postcode"),
                self.plain("placement_urn", "clap_cla_placement_urn"),
            ];
            self.emit("cla_placement", &p, "placement_start", false, puts);
        }
        if self.raw("latest_review").is_some() {
            let review = self.key("cla_review", &[("latest_review", None)]);
            let puts = vec![Some(self.implied("latest_review", "clar_cla_id", &key)), self.plain("latest_review", "clar_cla_review_date")];
            self.emit("cla_review", &review, "latest_review", false, puts);
        }
        if self.raw("last_visit").is_some() {
            let visit = self.key("cla_visit", &[("last_visit", None)]);
            let puts = vec![
                self.person_id("clav_person_id"),
                Some(self.implied("last_visit", "clav_cla_id", &key)),
                self.plain("last_visit", "clav_cla_visit_date"),
                Some(self.implied("last_visit", "clav_cla_visit_seen", "Y")),
            ];
            self.emit("cla_visit", &visit, "last_visit", false, puts);
        }
        for (field, kind) in [("health_assessment", "HEALTH"), ("dental_check", "DENTAL")] {
            if self.raw(field).is_some() {
                let check = format!("{}/{kind}", self.key("cla_health", &[(field, None)]));
                let puts = vec![
                    self.person_id("clah_person_id"),
                    Some(self.implied(field, "clah_health_check_type", kind)),
                    self.plain(field, "clah_health_check_date"),
                ];
                self.emit("cla_health", &check, field, false, puts);
            }
        }
        self.care_plan(&key);
        self.involvement("L8", "cla_start", "cla_ceased");
    }

    /// List 8's permanence plan as a care plan over the period of care (Annex A gives the plan,
    /// not when it was made), its JSON ticking the SSD key Ofsted's value reads back to
    /// (`a) Return to family` → `RETURNEV`); a value outside Ofsted's list is kept as its key.
    fn care_plan(&mut self, episode: &str) {
        let Some((code, raw)) = self.code("cla_care_plan", "permanence_plan", "permanence_plan") else { return };
        let plan = code.unwrap_or_else(|| clean_spaces(&raw).to_ascii_uppercase().replace(['"', '\\'], ""));
        let puts = vec![
            self.person_id("lacp_person_id"),
            self.plain("cla_start", "lacp_cla_care_plan_start_date"),
            self.plain("cla_ceased", "lacp_cla_care_plan_end_date"),
            Some(self.implied("permanence_plan", "lacp_cla_care_plan_json", &format!(r#"{{"{plan}": "Y"}}"#))),
        ];
        self.emit("cla_care_plan", &format!("{episode}/PLAN"), "permanence_plan", false, puts);
    }

    /// The child's allocated team and worker (Lists 7 and 8) as an involvement over the plan or
    /// period of care.
    fn involvement(&mut self, tag: &str, start: &str, end: &str) {
        if self.raw("team").is_none() && self.raw("worker").is_none() {
            return;
        }
        let key = format!(
            "{}/{tag}/{}",
            self.child,
            self.part(start, None).unwrap_or_else(|| format!("{}!{}", self.ctx.sheets.names[self.sheet], self.row))
        );
        let puts = vec![
            self.person_id("invo_person_id"),
            self.worker("invo_professional_id"),
            self.plain("team", "invo_professional_team"),
            self.plain(start, "invo_involvement_start_date"),
            self.plain(end, "invo_involvement_end_date"),
        ];
        self.emit("involvement", &key, start, false, puts);
    }
}
