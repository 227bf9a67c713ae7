//! DfE Children in Need census returns (XML, collection years 2017 onwards).
//!
//! A return is recognised by its content — root `Message` whose header names the collection
//! `CIN`, or, for a return without its optional header, `Message/Children/Child` — never by its
//! file name. It is streamed with quick-xml one `<Child>` at a time ([`parse`]), checked against
//! its collection year's schema as data ([`schema`]; `checks`, and the plausibility rules in
//! `rules`), and flattened into the core tables (`flatten`): `person` (ChildIdentifiers, Ethnicity), `disability`, `referral`
//! (CINdetails), `assessment`, `cin_plan`, `s47_enquiry`, `icpc`, `cp_plan` and `cp_review`.
//!
//! **Collection year.** `Header/CollectionDetails/ReferenceDate` (the 31 March the return ends
//! on), else `Year`, else the file name (`cin_2022.xml`, `2021-22`, `202122`, `21-22`); which one
//! was used is recorded (info issue `collection_year`). Element names and code lists are checked against that year's schema:
//! an element or code of another year is read and reported, one of no year is reported and not
//! loaded.
//!
//! **Keys.** The census carries no record ids, so each record is keyed by what identifies it:
//! the child's `LAchildID` and the record's start date — CINreferralDate (referral),
//! AssessmentActualStartDate, CINPlanStartDate, S47ActualStartDate, DateOfInitialCPC (icpc),
//! CPPstartDate, CPP start + CPPreviewDate (cp_review), and the code for a disability. The key is
//! `CIN-` and the first 20 hex digits of SHA-256 over those parts, so the same record has the
//! same key in every year's return and the analyst tables do not show the child id inside it.
//! A record without a readable start date cannot be keyed: it is reported and left out.
//!
//! **Several years.** When one input holds several returns for the LA, [`history::merge_returns`]
//! makes one history of them before the tables are merged: a record present in several returns
//! is one record and the latest return's version is kept (it has the closure and end dates the
//! earlier ones could not know); a child's disabilities are those of the latest return the child
//! is in. Each collapse is recorded at info level.
//!
//! **What the census does not carry.** S47 end dates, the outcome of a referral as JSON, teams
//! and workers are not in the census, so those columns are empty; FormerUPN,
//! AssessmentInternalReviewDate, AssessmentFactors and NumberOfPreviousCPP have no core column
//! and are checked but not loaded (one info issue per file says so). An ICPC's target date is
//! kept only when the conference is dated. `icpc_icpc_outcome_cp_flag` is `Y` when a plan in the
//! same episode starts on the conference date (DfE rule 2885), else `N`.

mod checks;
mod flatten;
pub mod history;
pub mod parse;
mod rules;
pub mod schema;

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};

use super::Sink;
use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use parse::{Node, Record};
use schema::{year_from_file_name, Schemas};

const STAGE: &str = "normalise";

/// A new issue of this reader's stage, to be located by [`Ctx::at`].
fn issue(severity: Severity, code: &'static str, message: impl Into<String>, action: Action) -> Issue {
    Issue::new(severity, STAGE, code, message, action)
}

/// How much of a file is looked at to recognise a CIN census return.
const HEAD_BYTES: usize = 16 * 1024;

/// Whether `bytes` hold a CIN census return: root `Message` with `Collection` `CIN` in its
/// header, or no header and `Children/Child` records.
pub fn recognise(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let (text, _) = super::decode_lossy_head(head);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut path: Vec<String> = Vec::new();
    let mut in_collection = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                let name = e.local_name().as_ref().to_string();
                if path.is_empty() && name != "Message" {
                    return false;
                }
                in_collection = name == "Collection" && path.last().is_some_and(|p| p == "CollectionDetails");
                path.push(name);
                if path.len() == 3 && path[1] == "Children" && path[2] == "Child" {
                    return true;
                }
            }
            Ok(quick_xml::events::Event::Empty(_)) if path.is_empty() => return false,
            Ok(quick_xml::events::Event::End(_)) => {
                path.pop();
                in_collection = false;
            }
            Ok(quick_xml::events::Event::Text(t)) if in_collection => return t.xml10_content().trim().eq_ignore_ascii_case("CIN"),
            Ok(quick_xml::events::Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Whether a CIN census return can fill core column `column` of `table` (an element is loaded
/// into it); the census carries no teams or workers, for one.
pub fn carries(table: &str, column: &str) -> bool {
    flatten::FIELDS.iter().any(|f| f.2 == table && f.3 == column)
}

/// One return as read: what its header says, for merging several years into one history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// Collection year (the year its 31 March falls in), when known.
    pub year: Option<i32>,
    /// DfE LA number from `Header/Source/LEA`.
    pub lea: Option<String>,
}

/// Where a return's collection year came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YearSource {
    ReferenceDate,
    Year,
    FileName,
}

/// What reading one file knows about the return and collects as it goes.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub issues: &'a mut Vec<Issue>,
    /// Collection year as the return gives it.
    pub year: Option<i32>,
    /// The year whose schema is checked against (the nearest with one).
    pub schema_year: Option<i32>,
    /// 1 April and 31 March of the collection year.
    pub period: Option<(NaiveDate, NaiveDate)>,
    lea: Option<String>,
    year_settled: bool,
    /// Element paths already reported as not loaded (once per file each).
    pub not_loaded: HashSet<String>,
}

impl<'a> Ctx<'a> {
    fn new(file: &'a str, issues: &'a mut Vec<Issue>) -> Self {
        Ctx { file, issues, year: None, schema_year: None, period: None, lea: None, year_settled: false, not_loaded: HashSet::new() }
    }

    /// Records issue `i` at `node` (its line and path), with the node's text as the raw value
    /// when `value`.
    pub fn at(&mut self, table: Option<&str>, node: &Node, value: bool, i: Issue) {
        let mut i = i.file(self.file).row(if value && !node.text.is_empty() { node.text_line } else { node.line }).column_named(&node.path);
        if let Some(t) = table {
            i = i.table(t);
        }
        if value && !node.text.is_empty() {
            i = i.value(&node.text);
        }
        self.issues.push(i);
    }

    /// Settles the collection year from the header's values, or from the file name when the
    /// header gives none.
    fn settle_year(&mut self, reference: Option<(&Node, NaiveDate)>, declared: Option<(&Node, i32)>) {
        if self.year_settled {
            return;
        }
        self.year_settled = true;
        let from_reference = reference.map(|(n, d)| (n, if d.month() <= 3 { d.year() } else { d.year() + 1 }, d));
        let (year, source) = match (from_reference, declared) {
            (Some((_, ry, d)), Some((yn, y))) if y != ry => {
                let message = format!(
                    "Year {y} disagrees with ReferenceDate {d}, which ends the {}/{:02} collection; the reference date is used",
                    ry - 1,
                    ry % 100
                );
                self.at(None, yn, true, issue(Severity::Warning, "collection_year_conflict", message, Action::Kept));
                (Some(ry), YearSource::ReferenceDate)
            }
            (Some((_, ry, _)), _) => (Some(ry), YearSource::ReferenceDate),
            (None, Some((_, y))) => (Some(y), YearSource::Year),
            (None, None) => (year_from_file_name(self.file), YearSource::FileName),
        };
        if let Some((n, _, d)) = from_reference {
            if (d.month(), d.day()) != (3, 31) {
                self.at(
                    None,
                    n,
                    true,
                    issue(Severity::Warning, "reference_date_not_31_march", "a CIN census reference date is 31 March", Action::Kept),
                );
            }
        }
        let mut note =
            |severity, code, message: String| self.issues.push(Issue::new(severity, STAGE, code, message, Action::Kept).file(self.file));
        match (year, source) {
            (None, _) => note(
                Severity::Warning,
                "collection_year_unknown",
                "neither the header nor the file name gives the collection year: year-specific checks are skipped and the return is ordered before every dated one when returns are merged".into(),
            ),
            (Some(y), YearSource::FileName) => note(Severity::Info, "collection_year", format!("the header gives no collection year; {y} is taken from the file name")),
            (Some(y), YearSource::Year) => note(Severity::Info, "collection_year", format!("the header has no ReferenceDate; collection year {y} is taken from Year")),
            (Some(y), YearSource::ReferenceDate) => note(Severity::Info, "collection_year", format!("collection year {y} ({}/{:02}) is taken from the header's ReferenceDate", y - 1, y % 100)),
        }
        self.year = year;
        self.schema_year = year.map(|y| Schemas::get().schema_year(y));
        if let (Some(y), Some(s)) = (year, self.schema_year) {
            if y != s {
                note(
                    Severity::Info,
                    "no_schema_for_year",
                    format!("there is no CIN census schema for {y}; the return is checked against {s}'s"),
                );
            }
        }
        self.period = year.and_then(|y| Some((NaiveDate::from_ymd_opt(y - 1, 4, 1)?, NaiveDate::from_ymd_opt(y, 3, 31)?)));
    }

    /// Reads the header: collection year, reference date and LA.
    fn header(&mut self, header: &Node) {
        checks::check_element(self, "Message", header, None);
        let details = header.child("CollectionDetails");
        let reference = details.and_then(|d| d.leaf("ReferenceDate")).and_then(|n| match super::cells::parse_date(n.text.trim()) {
            Ok(d) => Some((n, d)),
            Err(why) => {
                self.at(None, n, true, issue(Severity::Warning, "invalid_date", why, Action::SetNull));
                None
            }
        });
        let declared = details.and_then(|d| d.leaf("Year")).and_then(|n| match n.text.trim().parse::<i32>() {
            Ok(y) if (1990..2200).contains(&y) => Some((n, y)),
            _ => {
                self.at(None, n, true, issue(Severity::Warning, "invalid_year", "Year is not a four-digit year", Action::SetNull));
                None
            }
        });
        self.settle_year(reference, declared);
        self.lea = header.all("Source").find_map(|s| s.leaf("LEA")).map(|n| n.text.trim().to_string());
    }
}

/// Reads one CIN census return into the sink. Returns what its header says, or `None` when the
/// file could not be read at all.
pub fn read(file: &InputFile, sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) -> Option<Return> {
    let text = match super::decode::decode(&file.bytes) {
        Ok((text, note)) => {
            if let Some(note) = note {
                issues.push(Issue::new(Severity::Info, STAGE, "encoding", note, Action::Kept).file(&file.path));
            }
            text
        }
        Err(why) => {
            issues.push(Issue::new(Severity::Error, STAGE, "unreadable_file", why, Action::FileSkipped).file(&file.path));
            return None;
        }
    };
    let mut ctx = Ctx::new(&file.path, issues);
    let mut children = 0usize;
    let bounds = parse::Bounds { max_depth: file.limits.max_xml_depth, max_record_elements: file.limits.max_xml_record_elements };
    let outcome = parse::stream_within(&text, bounds, |record| match record {
        Record::Header(h) => ctx.header(&h),
        Record::Child(c) => {
            ctx.settle_year(None, None);
            children += 1;
            checks::check_element(&mut ctx, "Children", &c, Some(codes));
            flatten::child(&mut ctx, sink, codes, &c);
        }
        Record::Other { parent, node } => checks::check_element(&mut ctx, &parent, &node, Some(codes)),
    });
    if let Err(m) = outcome {
        let message = format!(
            "the XML is malformed ({}); the {children} children before line {} were read and the rest of the file was not",
            m.message, m.line
        );
        ctx.issues.push(Issue::new(Severity::Error, STAGE, "malformed_xml", message, Action::RowRejected).file(&file.path).row(m.line));
    }
    ctx.settle_year(None, None);
    Some(Return { year: ctx.year, lea: ctx.lea })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_by_root_and_collection_not_by_name() {
        assert!(recognise(b"<?xml version=\"1.0\"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>"));
        assert!(recognise(b"\xEF\xBB\xBF<Message>\n<Children>\n<Child><ChildIdentifiers>"));
        assert!(recognise(b"<cin:Message xmlns:cin=\"urn:x\"><cin:Header><cin:CollectionDetails><cin:Collection>CIN</cin:Collection>"));
        assert!(!recognise(b"<Message><Header><CollectionDetails><Collection>SSDA903</Collection>"));
        assert!(!recognise(b"<Other><Children><Child>"));
        assert!(!recognise(b"LAchildID,CINreferralDate\n1,2022-01-01\n"));
        assert!(!recognise(b"<Message/>"));
    }
}
