//! Plausibility rules from the CIN census business rules that show a return's data cannot be
//! right as it stands. They are warnings: the values are kept as received, so the published
//! figures follow the return and the issue says where to look. Messages never quote a child's
//! dates.

use chrono::NaiveDate;

use super::flatten::{date, table_of_group};
use super::parse::Node;
use super::{issue, Ctx};
use crate::quality::{Action, Severity};

/// Dated events a return cannot know before its reference date (targets and expected births
/// are plans, so may lie ahead).
const EVENTS: &[&str] = &[
    "PersonBirthDate",
    "PersonDeathDate",
    "CINreferralDate",
    "CINclosureDate",
    "DateOfInitialCPC",
    "AssessmentActualStartDate",
    "AssessmentAuthorisationDate",
    "CINPlanStartDate",
    "CINPlanEndDate",
    "S47ActualStartDate",
    "CPPstartDate",
    "CPPendDate",
    "CPPreviewDate",
];

/// Module starts that cannot come before the referral that opened the episode.
const STARTS: &[(&str, &str)] = &[
    ("Assessments", "AssessmentActualStartDate"),
    ("CINPlanDates", "CINPlanStartDate"),
    ("Section47", "S47ActualStartDate"),
    ("ChildProtectionPlans", "CPPstartDate"),
];

/// (module, start, end): an end cannot come before its start.
const SPANS: &[(&str, &str, &str)] = &[
    ("Assessments", "AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    ("CINPlanDates", "CINPlanStartDate", "CINPlanEndDate"),
    ("Section47", "S47ActualStartDate", "DateOfInitialCPC"),
    ("ChildProtectionPlans", "CPPstartDate", "CPPendDate"),
];

fn warn(ctx: &mut Ctx, n: &Node, table: &str, code: &'static str, message: String) {
    ctx.at(Some(table), n, true, issue(Severity::Warning, code, message, Action::Kept));
}

/// Dated events after the reference date anywhere below `n`.
fn after_reference(ctx: &mut Ctx, n: &Node, reference: NaiveDate) {
    for c in &n.children {
        if EVENTS.contains(&c.name.as_str()) && date(Some(c)).is_some_and(|d| d > reference) {
            let table = table_of_group(&n.name).unwrap_or("person");
            warn(
                ctx,
                c,
                table,
                "after_reference_date",
                format!("{} is after the return's reference date {reference}, so the return cannot know it", c.name),
            );
        }
        after_reference(ctx, c, reference);
    }
}

/// Rules about the child's identifiers.
pub fn child(ctx: &mut Ctx, c: &Node) {
    let Some(ids) = c.child("ChildIdentifiers") else {
        return;
    };
    if ids.leaf("UPN").is_some() {
        if let Some(u) = ids.leaf("UPNunknown") {
            warn(ctx, u, "person", "upn_and_unknown_reason", "UPNunknown gives a reason for having no UPN, but the child has one".into());
        }
    }
    if ids.leaf("PersonBirthDate").is_some() {
        if let Some(e) = ids.leaf("ExpectedPersonBirthDate") {
            warn(
                ctx,
                e,
                "person",
                "birth_and_expected_birth",
                "a child has either a date of birth or an expected date of birth, not both (DfE rule 8525Q)".into(),
            );
        }
    }
    if let Some((_, reference)) = ctx.period {
        after_reference(ctx, ids, reference);
    }
}

/// Rules about one CIN episode and its modules.
pub fn episode(ctx: &mut Ctx, d: &Node) {
    let referral = date(d.leaf("CINreferralDate"));
    if let Some((start, reference)) = ctx.period {
        after_reference(ctx, d, reference);
        if let Some(n) = d.leaf("CINclosureDate").filter(|n| date(Some(n)).is_some_and(|c| c < start)) {
            warn(
                ctx,
                n,
                "referral",
                "closed_before_collection_year",
                format!("the episode closed before the collection year began on {start}, so it should not be in this return"),
            );
        }
    }
    if let (Some(r), Some(n)) = (referral, d.leaf("CINclosureDate")) {
        if date(Some(n)).is_some_and(|c| c < r) {
            warn(ctx, n, "referral", "end_before_start", "CINclosureDate is before CINreferralDate".into());
        }
    }
    for (module, start) in STARTS {
        for m in d.all(module) {
            if let (Some(r), Some(n)) = (referral, m.leaf(start)) {
                if date(Some(n)).is_some_and(|s| s < r) {
                    let table = table_of_group(module).expect("modules have tables");
                    warn(ctx, n, table, "before_referral", format!("{start} is before the episode's CINreferralDate"));
                }
            }
        }
    }
    for (module, start, end) in SPANS {
        for m in d.all(module) {
            if let (Some(s), Some(n)) = (date(m.leaf(start)), m.leaf(end)) {
                if date(Some(n)).is_some_and(|e| e < s) {
                    let table = if *end == "DateOfInitialCPC" { "icpc" } else { table_of_group(module).expect("modules have tables") };
                    warn(ctx, n, table, "end_before_start", format!("{end} is before {start}"));
                }
            }
        }
    }
    if let Some(n) = d.leaf("DateOfInitialCPC") {
        if d.all("Section47").any(|s| s.leaf("DateOfInitialCPC").is_some()) {
            let message = "an initial conference is recorded on the episode and in a Section47 module; DfE rule 2884 allows one place (a conference on the same date is loaded once)";
            warn(ctx, n, "icpc", "icpc_recorded_twice", message.into());
        }
    }
}
