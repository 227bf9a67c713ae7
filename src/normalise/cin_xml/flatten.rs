//! Flattening one `<Child>` into rows of the core tables, with the derived keys described in
//! the module docs of [`super`]. Every cell keeps the element path and line it came from, so an
//! issue about a value points at its element; row-level issues point at the line the record
//! starts on.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::parse::Node;
use super::rules;
use super::schema::Schemas;
use super::{issue, Ctx};
use crate::normalise::builder::{Origin, SourceCell};
use crate::normalise::cells::{is_null_token, parse_date};
use crate::normalise::Sink;
use crate::quality::{Action, Severity};
use crate::reference::CodeLists;

/// Which core column each loaded element fills: (parent, element, table, column).
pub const FIELDS: &[(&str, &str, &str, &str)] = &[
    ("ChildIdentifiers", "LAchildID", "person", "pers_person_id"),
    ("ChildIdentifiers", "UPN", "person", "pers_common_child_id"),
    ("ChildIdentifiers", "UPNunknown", "person", "pers_upn_unknown"),
    ("ChildIdentifiers", "PersonBirthDate", "person", "pers_dob"),
    ("ChildIdentifiers", "ExpectedPersonBirthDate", "person", "pers_expected_dob"),
    ("ChildIdentifiers", "GenderCurrent", "person", "pers_sex"),
    ("ChildIdentifiers", "Sex", "person", "pers_sex"),
    ("ChildIdentifiers", "PersonDeathDate", "person", "pers_death_date"),
    ("ChildCharacteristics", "Ethnicity", "person", "pers_ethnicity"),
    ("Disabilities", "Disability", "disability", "disa_disability_code"),
    ("CINdetails", "CINreferralDate", "referral", "cine_referral_date"),
    ("CINdetails", "ReferralSource", "referral", "cine_referral_source_code"),
    ("CINdetails", "PrimaryNeedCode", "referral", "cine_cin_primary_need_code"),
    ("CINdetails", "CINclosureDate", "referral", "cine_close_date"),
    ("CINdetails", "ReasonForClosure", "referral", "cine_close_reason"),
    ("CINdetails", "ReferralNFA", "referral", "cine_referral_nfa"),
    ("CINdetails", "DateOfInitialCPC", "icpc", "icpc_icpc_date"),
    ("Assessments", "AssessmentActualStartDate", "assessment", "cina_assessment_start_date"),
    ("Assessments", "AssessmentAuthorisationDate", "assessment", "cina_assessment_auth_date"),
    ("CINPlanDates", "CINPlanStartDate", "cin_plan", "cinp_cin_plan_start_date"),
    ("CINPlanDates", "CINPlanEndDate", "cin_plan", "cinp_cin_plan_end_date"),
    ("Section47", "S47ActualStartDate", "s47_enquiry", "s47e_s47_start_date"),
    ("Section47", "ICPCnotRequired", "s47_enquiry", "s47e_s47_nfa"),
    ("Section47", "InitialCPCtarget", "icpc", "icpc_icpc_target_date"),
    ("Section47", "DateOfInitialCPC", "icpc", "icpc_icpc_date"),
    ("ChildProtectionPlans", "CPPstartDate", "cp_plan", "cppl_cp_plan_start_date"),
    ("ChildProtectionPlans", "CPPendDate", "cp_plan", "cppl_cp_plan_end_date"),
    ("ChildProtectionPlans", "InitialCategoryOfAbuse", "cp_plan", "cppl_cp_plan_initial_category"),
    ("ChildProtectionPlans", "LatestCategoryOfAbuse", "cp_plan", "cppl_cp_plan_latest_category"),
    ("Reviews", "CPPreviewDate", "cp_review", "cppr_cp_review_date"),
];

/// The core (table, column) element `name` inside `parent` is loaded into, if any.
pub fn target(parent: &str, name: &str) -> Option<(&'static str, &'static str)> {
    FIELDS.iter().find(|f| f.0 == parent && f.1 == name).map(|f| (f.2, f.3))
}

/// The core table a group element's records go to.
pub fn table_of_group(name: &str) -> Option<&'static str> {
    Some(match name {
        "Child" | "ChildIdentifiers" | "ChildCharacteristics" => "person",
        "Disabilities" => "disability",
        "CINdetails" => "referral",
        "Assessments" | "FactorsIdentifiedAtAssessment" => "assessment",
        "CINPlanDates" => "cin_plan",
        "Section47" => "s47_enquiry",
        "ChildProtectionPlans" => "cp_plan",
        "Reviews" => "cp_review",
        _ => return None,
    })
}

/// The derived key of a record (see [`crate::normalise::builder::derived_key`]).
pub fn key(child: &str, record: &str, parts: &[&str]) -> String {
    crate::normalise::builder::derived_key("CIN", child, record, parts)
}

/// A readable date in a leaf, if any (problems are reported when the cell is typed).
pub fn date(n: Option<&Node>) -> Option<NaiveDate> {
    n.map(|n| n.text.trim()).filter(|t| !t.is_empty() && !is_null_token(t)).and_then(|t| parse_date(t).ok())
}

/// One cell of a row: the raw value, and the element path and line it came from.
struct Cell<'n> {
    column: &'static str,
    raw: Cow<'n, str>,
    header: Cow<'n, str>,
    line: i64,
}

/// Cells of one row being put together.
struct Row<'n> {
    table: &'static str,
    line: i64,
    cells: Vec<Cell<'n>>,
}

impl<'n> Row<'n> {
    fn new(table: &'static str, line: i64) -> Self {
        Row { table, line, cells: Vec::with_capacity(12) }
    }

    /// A cell from a leaf element (nothing when the element is absent).
    fn leaf(mut self, column: &'static str, n: Option<&'n Node>) -> Self {
        if let Some(n) = n {
            self.cells.push(Cell {
                column,
                raw: Cow::Borrowed(n.text.as_str()),
                header: Cow::Borrowed(n.path.as_str()),
                line: if n.text.is_empty() { n.line } else { n.text_line },
            });
        }
        self
    }

    /// A derived cell (a key, an id, a translated code), located at the element it came from.
    fn derived(mut self, column: &'static str, value: impl Into<Cow<'n, str>>, from: &'n Node) -> Self {
        self.cells.push(Cell { column, raw: value.into(), header: Cow::Borrowed(from.path.as_str()), line: from.line });
        self
    }

    /// Types the row into its table; issues about a cell carry that cell's line.
    fn push(self, ctx: &mut Ctx, sink: &mut Sink, codes: &CodeLists) {
        let builder = sink.table(self.table);
        let spec = builder.spec();
        let mut cells: Vec<Option<SourceCell>> = vec![None; spec.columns.len()];
        for c in &self.cells {
            let i = spec.column_index(c.column).unwrap_or_else(|| panic!("{} has no column {}", self.table, c.column));
            cells[i] = Some(SourceCell { raw: &c.raw, header: &c.header, position: None });
        }
        let mut found = Vec::new();
        builder.push_row(&Origin { file: ctx.file, sheet: None, row: self.line }, &cells, codes, &mut found);
        for mut issue in found {
            if let Some(c) = issue.column.as_deref().and_then(|col| self.cells.iter().find(|c| c.header == col)) {
                issue.record_row = issue.row;
                issue.row = Some(c.line);
            }
            ctx.issues.push(issue);
        }
    }
}

/// Reports a record that cannot be keyed because the date identifying it is missing or
/// unreadable; the record is left out.
fn unkeyed(ctx: &mut Ctx, table: &'static str, record: &Node, element: &str, what: &str) {
    let message = format!("the {what} cannot be identified without a readable {element}; it is left out");
    match record.child(element) {
        Some(n) => ctx.at(Some(table), n, true, issue(Severity::Error, "missing_key", message, Action::RowRejected)),
        None => ctx.at(Some(table), record, false, issue(Severity::Error, "missing_key", message, Action::RowRejected)),
    }
}

/// Flattens one child into the core tables.
pub fn child(ctx: &mut Ctx, sink: &mut Sink, codes: &CodeLists, c: &Node) {
    let ids = c.child("ChildIdentifiers");
    let Some(la) = ids.and_then(|i| i.leaf("LAchildID")) else {
        let records = c.all("CINdetails").count();
        let message = format!(
            "the child has no LAchildID, so none of its records can be linked to it; the child and its {records} CIN episodes are left out"
        );
        ctx.at(Some("person"), c, false, issue(Severity::Error, "missing_required", message, Action::RowRejected));
        return;
    };
    let child_id = la.text.trim().to_ascii_uppercase();
    let chars = c.child("ChildCharacteristics");
    let mut person = Row::new("person", c.line).leaf("pers_person_id", Some(la));
    if let Some(ids) = ids {
        person = person
            .leaf("pers_common_child_id", ids.leaf("UPN"))
            .leaf("pers_upn_unknown", ids.leaf("UPNunknown"))
            .leaf("pers_dob", ids.leaf("PersonBirthDate"))
            .leaf("pers_expected_dob", ids.leaf("ExpectedPersonBirthDate"))
            .leaf("pers_death_date", ids.leaf("PersonDeathDate"));
        if let Some(sex) = ids.leaf("Sex").or_else(|| ids.leaf("GenderCurrent")) {
            person = match Schemas::get().core_sex(&sex.text) {
                Some(core) => person.derived("pers_sex", core, sex),
                None => person.leaf("pers_sex", Some(sex)),
            };
        }
    }
    person.leaf("pers_ethnicity", chars.and_then(|ch| ch.leaf("Ethnicity"))).push(ctx, sink, codes);
    rules::child(ctx, c);
    for d in chars.and_then(|ch| ch.child("Disabilities")).into_iter().flat_map(|ds| ds.all("Disability")).filter(|d| !d.text.is_empty()) {
        Row::new("disability", d.line)
            .derived("disa_table_id", key(&child_id, "disability", &[&d.text.trim().to_ascii_uppercase()]), d)
            .derived("disa_person_id", child_id.as_str(), la)
            .leaf("disa_disability_code", Some(d))
            .push(ctx, sink, codes);
    }
    for episode in c.all("CINdetails") {
        cin_details(ctx, sink, codes, &child_id, la, episode);
    }
}

/// One CIN episode and the modules recorded in it.
fn cin_details(ctx: &mut Ctx, sink: &mut Sink, codes: &CodeLists, child_id: &str, la: &Node, d: &Node) {
    rules::episode(ctx, d);
    let iso = |day: NaiveDate| day.format("%Y-%m-%d").to_string();
    let referral = date(d.leaf("CINreferralDate")).map(|day| key(child_id, "referral", &[&iso(day)]));
    match (&referral, d.leaf("CINreferralDate")) {
        (Some(k), Some(at)) => Row::new("referral", d.line)
            .derived("cine_referral_id", k.clone(), at)
            .derived("cine_person_id", child_id, la)
            .leaf("cine_referral_date", Some(at))
            .leaf("cine_referral_source_code", d.leaf("ReferralSource"))
            .leaf("cine_cin_primary_need_code", d.leaf("PrimaryNeedCode"))
            .leaf("cine_close_date", d.leaf("CINclosureDate"))
            .leaf("cine_close_reason", d.leaf("ReasonForClosure"))
            .leaf("cine_referral_nfa", d.leaf("ReferralNFA"))
            .push(ctx, sink, codes),
        _ => {
            let message = "the referral cannot be identified without a readable CINreferralDate; it is left out (its assessments, plans and enquiries are kept, unlinked)";
            match d.child("CINreferralDate") {
                Some(n) => ctx.at(Some("referral"), n, true, issue(Severity::Error, "missing_key", message, Action::RowRejected)),
                None => ctx.at(Some("referral"), d, false, issue(Severity::Error, "missing_key", message, Action::RowRejected)),
            }
        }
    }
    let referral = referral.as_deref();

    for a in d.all("Assessments") {
        let Some(start) = date(a.leaf("AssessmentActualStartDate")) else {
            unkeyed(ctx, "assessment", a, "AssessmentActualStartDate", "assessment");
            continue;
        };
        let start_node = a.leaf("AssessmentActualStartDate").expect("a readable date has its element");
        let mut row = Row::new("assessment", a.line)
            .derived("cina_assessment_id", key(child_id, "assessment", &[&iso(start)]), start_node)
            .derived("cina_person_id", child_id, la);
        if let Some(r) = referral {
            row = row.derived("cina_referral_id", r, d);
        }
        row.leaf("cina_assessment_start_date", Some(start_node))
            .leaf("cina_assessment_auth_date", a.leaf("AssessmentAuthorisationDate"))
            .push(ctx, sink, codes);
    }

    for p in d.all("CINPlanDates") {
        let Some(start) = date(p.leaf("CINPlanStartDate")) else {
            unkeyed(ctx, "cin_plan", p, "CINPlanStartDate", "CIN plan");
            continue;
        };
        let start_node = p.leaf("CINPlanStartDate").expect("a readable date has its element");
        let mut row = Row::new("cin_plan", p.line)
            .derived("cinp_cin_plan_id", key(child_id, "cin_plan", &[&iso(start)]), start_node)
            .derived("cinp_person_id", child_id, la);
        if let Some(r) = referral {
            row = row.derived("cinp_referral_id", r, d);
        }
        row.leaf("cinp_cin_plan_start_date", Some(start_node))
            .leaf("cinp_cin_plan_end_date", p.leaf("CINPlanEndDate"))
            .push(ctx, sink, codes);
    }

    // CP plans first: conferences link to the plan that starts on their date (rule 2885).
    let plans: Vec<(&Node, NaiveDate, String)> = d
        .all("ChildProtectionPlans")
        .filter_map(|p| match date(p.leaf("CPPstartDate")) {
            Some(start) => Some((p, start, key(child_id, "cp_plan", &[&iso(start)]))),
            None => {
                unkeyed(ctx, "cp_plan", p, "CPPstartDate", "child protection plan");
                None
            }
        })
        .collect();
    let plan_on = |day: NaiveDate| plans.iter().find(|(_, start, _)| *start == day).map(|(_, _, k)| k.as_str());
    let icpc_key = |day: NaiveDate| key(child_id, "icpc", &[&iso(day)]);

    let mut s47_icpc_dates = Vec::new();
    for s in d.all("Section47") {
        let s47 = match date(s.leaf("S47ActualStartDate")) {
            Some(start) => {
                let start_node = s.leaf("S47ActualStartDate").expect("a readable date has its element");
                let k = key(child_id, "s47", &[&iso(start)]);
                let mut row = Row::new("s47_enquiry", s.line).derived("s47e_s47_enquiry_id", k.clone(), start_node).derived(
                    "s47e_person_id",
                    child_id,
                    la,
                );
                if let Some(r) = referral {
                    row = row.derived("s47e_referral_id", r, d);
                }
                row.leaf("s47e_s47_start_date", Some(start_node)).leaf("s47e_s47_nfa", s.leaf("ICPCnotRequired")).push(ctx, sink, codes);
                Some(k)
            }
            None => {
                unkeyed(ctx, "s47_enquiry", s, "S47ActualStartDate", "section 47 enquiry");
                None
            }
        };
        let Some(icpc_node) = s.leaf("DateOfInitialCPC") else {
            continue;
        };
        let Some(day) = date(Some(icpc_node)) else {
            unkeyed(ctx, "icpc", s, "DateOfInitialCPC", "initial child protection conference");
            continue;
        };
        s47_icpc_dates.push(day);
        let plan = plan_on(day);
        let mut row =
            Row::new("icpc", icpc_node.line).derived("icpc_icpc_id", icpc_key(day), icpc_node).derived("icpc_person_id", child_id, la);
        if let Some(k) = &s47 {
            row = row.derived("icpc_s47_enquiry_id", k.clone(), s);
        }
        if let Some(r) = referral {
            row = row.derived("icpc_referral_id", r, d);
        }
        if let Some(p) = plan {
            row = row.derived("icpc_cp_plan_id", p, icpc_node);
        }
        row.derived("icpc_icpc_outcome_cp_flag", if plan.is_some() { "Y" } else { "N" }, icpc_node)
            .leaf("icpc_icpc_target_date", s.leaf("InitialCPCtarget"))
            .leaf("icpc_icpc_date", Some(icpc_node))
            .push(ctx, sink, codes);
    }
    // A conference recorded on the episode rather than in an S47 module; the same conference
    // recorded in both places is loaded once (rules::episode reports it).
    if let Some(icpc_node) = d.leaf("DateOfInitialCPC") {
        match date(Some(icpc_node)) {
            Some(day) if s47_icpc_dates.contains(&day) => {}
            Some(day) => {
                let plan = plan_on(day);
                let mut row = Row::new("icpc", icpc_node.line).derived("icpc_icpc_id", icpc_key(day), icpc_node).derived(
                    "icpc_person_id",
                    child_id,
                    la,
                );
                if let Some(r) = referral {
                    row = row.derived("icpc_referral_id", r, d);
                }
                if let Some(p) = plan {
                    row = row.derived("icpc_cp_plan_id", p, icpc_node);
                }
                row.derived("icpc_icpc_outcome_cp_flag", if plan.is_some() { "Y" } else { "N" }, icpc_node)
                    .leaf("icpc_icpc_date", Some(icpc_node))
                    .push(ctx, sink, codes);
            }
            None => unkeyed(ctx, "icpc", d, "DateOfInitialCPC", "initial child protection conference"),
        }
    }

    let conference_dates: Vec<NaiveDate> = s47_icpc_dates.iter().copied().chain(date(d.leaf("DateOfInitialCPC"))).collect();
    for (p, start, plan_key) in &plans {
        let start_node = p.leaf("CPPstartDate").expect("a readable date has its element");
        let mut row =
            Row::new("cp_plan", p.line).derived("cppl_cp_plan_id", plan_key.clone(), start_node).derived("cppl_person_id", child_id, la);
        if let Some(r) = referral {
            row = row.derived("cppl_referral_id", r, d);
        }
        if conference_dates.contains(start) {
            row = row.derived("cppl_icpc_id", icpc_key(*start), start_node);
        }
        row.leaf("cppl_cp_plan_start_date", Some(start_node))
            .leaf("cppl_cp_plan_end_date", p.leaf("CPPendDate"))
            .leaf("cppl_cp_plan_initial_category", p.leaf("InitialCategoryOfAbuse"))
            .leaf("cppl_cp_plan_latest_category", p.leaf("LatestCategoryOfAbuse"))
            .push(ctx, sink, codes);
        for r in p.child("Reviews").into_iter().flat_map(|rs| rs.all("CPPreviewDate")) {
            let Some(day) = date(Some(r)) else {
                let message =
                    "the child protection review cannot be identified without a readable CPPreviewDate; it is left out".to_string();
                ctx.at(Some("cp_review"), r, true, issue(Severity::Error, "missing_key", message, Action::RowRejected));
                continue;
            };
            Row::new("cp_review", r.line)
                .derived("cppr_cp_review_id", key(child_id, "cp_review", &[&iso(*start), &iso(day)]), r)
                .derived("cppr_person_id", child_id, la)
                .derived("cppr_cp_plan_id", plan_key.clone(), p)
                .leaf("cppr_cp_review_date", Some(r))
                .push(ctx, sink, codes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_opaque_and_distinct() {
        let a = key("C1", "referral", &["2022-04-05"]);
        assert_eq!(a, key("C1", "referral", &["2022-04-05"]));
        assert!(a.starts_with("CIN-") && a.len() == 24 && !a.contains("C1/"));
        assert_ne!(a, key("C1", "s47", &["2022-04-05"]));
        assert_ne!(a, key("C2", "referral", &["2022-04-05"]));
        assert_ne!(key("C1", "x", &["ab", "c"]), key("C1", "x", &["a", "bc"]));
    }

    #[test]
    fn every_mapped_element_is_in_some_years_schema() {
        let s = Schemas::get();
        for (parent, name, _, column) in FIELDS {
            assert!(s.element(parent, name, None).1.is_some(), "{parent}/{name}");
            let table = crate::schema::ssd_tables().iter().find(|t| t.name == target(parent, name).unwrap().0).unwrap();
            assert!(table.column_index(column).is_some(), "{column}");
        }
    }
}
