//! The SSDA903 files other than episodes, each into its core table, the latest return's
//! version of each record winning.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDate;

use super::history::Histories;
use super::repair::year_end;
use super::returns::{ReturnFile, Row};
use super::{derived, replaced, Cells, Ctx, STAGE};
use crate::normalise::cells::{is_null_token, parse_date};
use crate::normalise::Sink;
use crate::quality::{Action, Issue, Severity};

/// The rows to load, each with `true`: for each key, every row of the latest return holding it
/// (several rows of one return are left for the merge to report as duplicates). The rows of
/// earlier returns are returned with `false`, to be typed and checked as the kept ones are but
/// not loaded: each year's return is validated on its own (DfE's SSDA903 validation rules apply
/// to every return), so a fault in an earlier return's row is reported at that row even though a
/// later return replaces it. Those that say something else than the kept one are also recorded
/// as superseded.
fn latest<'a, K: Eq + Hash + Clone>(
    files: &[&'a ReturnFile],
    table: &str,
    issues: &mut Vec<Issue>,
    key: impl Fn(&Row<'a>) -> Option<K>,
) -> Vec<(Row<'a>, bool)> {
    let mut best: HashMap<K, Row<'a>> = HashMap::new();
    let rows: Vec<(Option<K>, Row<'a>)> = files.iter().flat_map(|f| f.rows()).map(|r| (key(&r), r)).collect();
    for (k, r) in &rows {
        let Some(k) = k else { continue };
        // The highest rank wins; of equal rank (the same file), the first row.
        if best.get(k).is_none_or(|b| b.rank() < r.rank()) {
            best.insert(k.clone(), *r);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for (k, r) in &rows {
        let Some(w) = k.as_ref().and_then(|k| best.get(k)) else {
            out.push((*r, true));
            continue;
        };
        if w.rank() == r.rank() {
            out.push((*r, true));
            continue;
        }
        out.push((*r, false));
        if !same_values(r, w) {
            let message = format!(
                "superseded by {} row {} from the {} return, which is kept",
                w.file.path,
                w.row,
                w.year().map_or("undated".to_string(), |y| y.to_string())
            );
            issues.push(r.origin().issue(
                table,
                r.cell("CHILD").as_ref(),
                Issue::new(Severity::Info, STAGE, "superseded", message, Action::RowRejected),
            ));
        }
    }
    out
}

/// The rows of [`latest`] to load.
fn loaded<'a>(rows: Vec<(Row<'a>, bool)>) -> Vec<Row<'a>> {
    rows.into_iter().filter_map(|(r, load)| load.then_some(r)).collect()
}

/// Whether two rows of the same file kind hold the same values (codes compared after their
/// year's translation, dates compared as dates).
fn same_values(a: &Row, b: &Row) -> bool {
    a.file.spec.columns.iter().all(|c| {
        let (x, y) = (a.value(&c.name), b.value(&c.name));
        if x == y {
            return true;
        }
        if let (Ok(dx), Ok(dy)) = (parse_date(x), parse_date(y)) {
            return dx == dy;
        }
        match &c.codes {
            Some(list) => {
                super::layout::layout().translate(list, x, a.year()).code == super::layout::layout().translate(list, y, b.year()).code
            }
            None => x.eq_ignore_ascii_case(y),
        }
    })
}

/// A date cell as a key part: ISO when it parses, else as received.
fn date_key(row: &Row, column: &str) -> String {
    let v = row.value(column);
    parse_date(v).map(|d| d.to_string()).unwrap_or_else(|_| v.to_string())
}

fn year_text(y: Option<i32>) -> String {
    y.map_or("undated".to_string(), |y| y.to_string())
}

/// header → person.
pub fn person(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("person");
    for (row, load) in latest(files, "person", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?))) {
        let sex = ctx.translated(&row, "SEX", "person", issues);
        let upn = row.cell("UPN");
        let unknown = upn.filter(|c| c.raw.trim().to_ascii_uppercase().starts_with("UN"));
        let mut cells = Cells::new(spec);
        cells
            .set("pers_person_id", row.cell("CHILD"))
            .set("pers_sex", replaced(row.cell("SEX"), sex.as_deref()))
            .set("pers_ethnicity", row.cell("ETHNIC"))
            .set("pers_dob", row.cell("DOB"))
            .set("pers_common_child_id", if unknown.is_some() { None } else { upn })
            .set("pers_upn_unknown", unknown)
            .set("pers_is_mother", row.cell("MOTHER"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// reviews → cla_review, each linked to the period of care it falls in.
pub fn reviews(ctx: &Ctx, files: &[&ReturnFile], histories: &Histories, sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("cla_review");
    for (row, load) in
        latest(files, "cla_review", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, date_key(r, "REVIEW"))))
    {
        let Some(child) = ctx.child_id(row.value("CHILD")) else {
            let i = Issue::new(
                Severity::Error,
                STAGE,
                "missing_required",
                "the review has no CHILD; it cannot be linked to a period of care",
                Action::RowRejected,
            );
            issues.push(row.origin().issue("cla_review", row.cell("CHILD").as_ref(), i));
            continue;
        };
        let day = parse_date(row.value("REVIEW")).ok();
        let period = day.and_then(|d| histories.period_at(row.la(), &child, d));
        if let (true, Some(_), None) = (load, day, period) {
            let i = Issue::new(
                Severity::Warning,
                STAGE,
                "review_outside_care",
                "the review date is in none of the child's periods of care; it is loaded without one",
                Action::Kept,
            );
            issues.push(row.origin().issue("cla_review", row.cell("REVIEW").as_ref(), i));
        }
        let id = super::key(&child, "review", &[&date_key(&row, "REVIEW")]);
        let review = row.cell("REVIEW");
        let mut cells = Cells::new(spec);
        cells
            .set("clar_cla_review_id", Some(derived(&id, review, "REVIEW")))
            .set("clar_cla_id", period.map(|p| derived(&p.id, review, "REVIEW")))
            .set("clar_cla_review_date", review)
            .set("clar_cla_review_participation", row.cell("REVIEW_CODE"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// uasc → immigration_status: status UASC, ended on the date UASC ceased.
pub fn uasc(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("immigration_status");
    for (row, load) in latest(files, "immigration_status", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?))) {
        let id = ctx.child_id(row.value("CHILD")).map(|c| super::key(&c, "uasc", &[])).unwrap_or_default();
        let child = row.cell("CHILD");
        let mut cells = Cells::new(spec);
        cells
            .set("immi_person_id", child)
            .set("immi_immigration_status_id", Some(derived(&id, child, "CHILD")))
            .set("immi_immigration_status", Some(derived("UASC", None, "uasc")))
            .set("immi_immigration_status_end_date", row.cell("DUC"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// The OC2 flags loaded as health checks, and the check type each becomes. The development
/// check (under-fives' health surveillance) is named so the annual-health-assessment measures,
/// which look for "HEALTH", do not count it.
const OC2_CHECKS: &[(&str, &str)] = &[
    ("HEALTH_ASSESSMENT", "Health Assessment"),
    ("TEETH_CHECK", "Dental Check"),
    ("IMMUNISATIONS", "Immunisations"),
    ("HEALTH_CHECK", "Development Check (under 5)"),
];

/// oc2 → cla_health: a check for each flag set to 1, dated 31 March of the collection year (OC2
/// says the check was up to date then).
pub fn health(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("cla_health");
    for (row, load) in latest(files, "cla_health", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, r.year()))) {
        let Some(year) = row.year() else {
            if !load {
                continue;
            }
            let i = Issue::new(
                Severity::Warning,
                STAGE,
                "undated_outcomes",
                "OC2 outcomes are as at 31 March of the collection year, which is unknown for this file; not loaded",
                Action::RowRejected,
            );
            issues.push(row.origin().issue("cla_health", row.cell("CHILD").as_ref(), i));
            continue;
        };
        let child = ctx.child_id(row.value("CHILD")).unwrap_or_default();
        let date = year_end(year).to_string();
        for (column, label) in OC2_CHECKS {
            let Some(cell) = row.cell(column) else { continue };
            match cell.raw.trim() {
                "1" => {}
                "0" => continue,
                _ if is_null_token(cell.raw) => continue,
                _ => {
                    let i = Issue::new(Severity::Error, STAGE, "invalid_flag", "expected 0 or 1", Action::SetNull);
                    issues.push(row.origin().issue("cla_health", Some(&cell), i));
                    continue;
                }
            }
            let id = super::key(&child, "health", &[&year.to_string(), column]);
            let mut cells = Cells::new(spec);
            cells
                .set("clah_health_check_id", Some(derived(&id, Some(cell), column)))
                .set("clah_person_id", row.cell("CHILD"))
                .set("clah_health_check_type", Some(derived(label, Some(cell), column)))
                .set("clah_health_check_date", Some(derived(&date, Some(cell), column)))
                .set("clah_health_check_status", Some(derived("Up to date at 31 March", Some(cell), column)));
            cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
        }
    }
}

/// oc3 → care_leaver: each young person's position in the latest return that has them.
pub fn care_leavers(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("care_leaver");
    for (row, load) in latest(files, "care_leaver", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?))) {
        let child = row.cell("CHILD");
        let id = super::key(&ctx.child_id(row.value("CHILD")).unwrap_or_default(), "care_leaver", &[&year_text(row.year())]);
        let activity = ctx.translated(&row, "ACTIV", "care_leaver", issues);
        let accom = row.cell("ACCOM");
        let suitable = match row.value("ACCOM").as_bytes().last() {
            Some(b'1') => Some("1"),
            Some(b'2') => Some("2"),
            _ => None,
        };
        let mut cells = Cells::new(spec);
        cells
            .set("clea_table_id", Some(derived(&id, child, "CHILD")))
            .set("clea_person_id", child)
            .set("clea_care_leaver_in_touch", row.cell("IN_TOUCH"))
            .set("clea_care_leaver_accommodation", accom)
            .set("clea_care_leaver_accom_suitable", suitable.map(|s| derived(s, accom, "ACCOM")))
            .set("clea_care_leaver_activity", replaced(row.cell("ACTIV"), activity.as_deref()));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// Placement types that are placements for adoption (A3-A6), legal statuses that are placement
/// or freeing orders, and reasons ceased that are adoptions.
const ADOPTION_PLACEMENTS: &[&str] = &["A3", "A4", "A5", "A6"];
const PLACEMENT_ORDERS: &[&str] = &["E1", "D1"];
const ADOPTED: &[&str] = &["E11", "E12"];

/// A child's adoption decision as the AD1 and placed-for-adoption files give it.
type AdoptionRows<'a> = (Option<Row<'a>>, Option<Row<'a>>);
/// ad1 + placed_for_adoption → permanence: one row per child and decision to place for adoption
/// (AD1 DATE_INT, placed_for_adoption DATE_PLACED). The placement order, placement for adoption
/// and adoption order dates come from the episodes of the period of care the decision was made
/// in.
pub fn permanence(ctx: &Ctx, ad1: &[&ReturnFile], placed: &[&ReturnFile], histories: &Histories, sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("permanence");
    let key = |r: &Row, column: &str| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, date_key(r, column)));
    // A decision's rows are merged before typing, so superseded ones are not checked.
    let ad1_rows = loaded(latest(ad1, "permanence", issues, |r| key(r, "DATE_INT")));
    let placed_rows = loaded(latest(placed, "permanence", issues, |r| key(r, "DATE_PLACED")));
    // Decisions in order of first appearance: AD1 rows first, then decisions only in placed_for_adoption.
    let mut decisions: Vec<(String, String, String)> = Vec::new();
    let mut by_decision: HashMap<(String, String, String), AdoptionRows<'_>> = HashMap::new();
    for (rows, is_ad1) in [(&ad1_rows, true), (&placed_rows, false)] {
        for r in rows {
            let Some(k) = key(r, if is_ad1 { "DATE_INT" } else { "DATE_PLACED" }) else {
                let i = Issue::new(Severity::Error, STAGE, "missing_required", "the adoption record has no CHILD", Action::RowRejected);
                issues.push(r.origin().issue("permanence", r.cell("CHILD").as_ref(), i));
                continue;
            };
            let entry = by_decision.entry(k.clone()).or_insert_with(|| {
                decisions.push(k.clone());
                (None, None)
            });
            let slot = if is_ad1 { &mut entry.0 } else { &mut entry.1 };
            if slot.is_none() {
                *slot = Some(*r);
            } else {
                // A second record of one decision in the same return: left to the merge to report.
                let at = r.origin();
                let i = Issue::new(
                    Severity::Warning,
                    STAGE,
                    "duplicate_key",
                    "a second record of the same child and decision date in the same return; the first is kept",
                    Action::RowRejected,
                );
                issues.push(at.issue("permanence", r.cell("CHILD").as_ref(), i));
            }
        }
    }
    for k in decisions {
        let (a, p) = by_decision.remove(&k).expect("every decision was recorded");
        let (la, child, decision) = k;
        let main = a.or(p).expect("a decision has at least one record");
        let decided = NaiveDate::parse_from_str(&decision, "%Y-%m-%d").ok();
        // The period of care the decision was made in, or the last one begun before it.
        let periods = histories.periods(&la, &child);
        let period = decided.and_then(|d| periods.iter().rev().find(|pd| pd.start <= d));
        let first = |pick: &dyn Fn(&super::repair::Episode) -> bool| period.and_then(|pd| pd.episodes.iter().find(|e| pick(e)));
        let order = first(&|e| PLACEMENT_ORDERS.contains(&e.ls.as_str())).map(|e| e.start.to_string());
        let placed_on = first(&|e| ADOPTION_PLACEMENTS.contains(&e.place.as_str())).map(|e| e.start.to_string());
        let adopted = period
            .and_then(|pd| pd.episodes.last())
            .filter(|e| ADOPTED.contains(&e.rec.as_str()))
            .and_then(|e| e.end)
            .map(|d| d.to_string());
        let reversed = p.and_then(|p| ctx.typed_at(&p, "DATE_PLACED_CEASED", "permanence", "perm_decision_reversed_date", issues));
        let reason = p.and_then(|p| ctx.typed_at(&p, "REASON_PLACED_CEASED", "permanence", "perm_decision_reversed_reason", issues));
        let decision_cell = if a.is_some() { main.cell("DATE_INT") } else { main.cell("DATE_PLACED") };
        let id = super::key(&child, "permanence", &[&decision]);
        let mut cells = Cells::new(spec);
        cells
            .set("perm_table_id", Some(derived(&id, decision_cell, "DATE_INT")))
            .set("perm_person_id", main.cell("CHILD"))
            .set("perm_cla_id", period.map(|pd| derived(&pd.id, decision_cell, "DATE_INT")))
            .set("perm_adm_decision_date", decision_cell)
            .set("perm_placement_order_date", order.as_deref().map(|t| derived(t, None, "LS")))
            .set("perm_placed_for_adoption_date", placed_on.as_deref().map(|t| derived(t, None, "PLACE")))
            .set("perm_decision_reversed_date", reversed.as_deref().map(|t| derived(t, None, "DATE_PLACED_CEASED")))
            .set("perm_decision_reversed_reason", reason.as_deref().map(|t| derived(t, None, "REASON_PLACED_CEASED")))
            .set("perm_permanence_order_date", adopted.as_deref().map(|t| derived(t, None, "DEC")))
            .set("perm_permanence_order_type", adopted.as_ref().map(|_| derived("Adoption", None, "REC")));
        if let Some(a) = a {
            cells
                .set("perm_matched_date", a.cell("DATE_MATCH"))
                .set("perm_adopted_by_carer_flag", a.cell("FOSTER_CARE"))
                .set("perm_number_of_adopters", a.cell("NB_ADOPTR"))
                .set("perm_adopter_sex", a.cell("SEX_ADOPTR"))
                .set("perm_adopter_legal_status", a.cell("LS_ADOPTR"));
        }
        cells.push(&main.origin(), sink, ctx.codes, issues);
    }
}

/// missing → missing.
pub fn missing(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("missing");
    for (row, load) in
        latest(files, "missing", issues, |r| Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, date_key(r, "MIS_START"))))
    {
        let id = super::key(&ctx.child_id(row.value("CHILD")).unwrap_or_default(), "missing", &[&date_key(&row, "MIS_START")]);
        let start = row.cell("MIS_START");
        let mut cells = Cells::new(spec);
        cells
            .set("miss_table_id", Some(derived(&id, start, "MIS_START")))
            .set("miss_person_id", row.cell("CHILD"))
            .set("miss_missing_episode_start_date", start)
            .set("miss_missing_episode_type", row.cell("MISSING"))
            .set("miss_missing_episode_end_date", row.cell("MIS_END"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// sw_episodes → involvement: each social worker's allocation to the child.
pub fn social_workers(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("involvement");
    let key = |r: &Row| {
        Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, r.value("SW_ID").to_ascii_uppercase(), date_key(r, "SW_DECOM")))
    };
    for (row, load) in latest(files, "involvement", issues, key) {
        let id = super::key(
            &ctx.child_id(row.value("CHILD")).unwrap_or_default(),
            "involvement",
            &[&row.value("SW_ID").to_ascii_uppercase(), &date_key(&row, "SW_DECOM")],
        );
        let start = row.cell("SW_DECOM");
        let mut cells = Cells::new(spec);
        cells
            .set("invo_involvements_id", Some(derived(&id, start, "SW_DECOM")))
            .set("invo_professional_id", row.cell("SW_ID"))
            .set("invo_involvement_start_date", start)
            .set("invo_involvement_end_date", row.cell("SW_DEC"))
            .set("invo_worker_change_reason", row.cell("SW_REASON"))
            .set("invo_person_id", row.cell("CHILD"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// dolo → deprivation_of_liberty: each order or authorisation depriving a looked-after child of
/// their liberty.
pub fn deprivation_of_liberty(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) {
    let spec = ctx.spec("deprivation_of_liberty");
    for (row, load) in latest(files, "deprivation_of_liberty", issues, |r| {
        Some((r.la().to_string(), ctx.child_id(r.value("CHILD"))?, date_key(r, "DOLO_START")))
    }) {
        let id = super::key(&ctx.child_id(row.value("CHILD")).unwrap_or_default(), "dolo", &[&date_key(&row, "DOLO_START")]);
        let start = row.cell("DOLO_START");
        let mut cells = Cells::new(spec);
        cells
            .set("dolo_dol_id", Some(derived(&id, start, "DOLO_START")))
            .set("dolo_person_id", row.cell("CHILD"))
            .set("dolo_start_date", start)
            .set("dolo_end_date", row.cell("DOLO_END"));
        cells.push_or_check(load, &row.origin(), sink, ctx.codes, issues);
    }
}

/// The columns of each file no core table holds (recorded once per file).
const UNLOADED: &[(&str, &[&str])] = &[
    ("header", &["MC_DOB"]),
    ("episodes", &["HOME_POST", "PL_LA", "PL_LOCATION"]),
    ("uasc", &["SEX", "DOB"]),
    ("oc2", &["SDQ_SCORE", "SDQ_REASON", "CONVICTED", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"]),
    ("reviews", &["DOB"]),
    ("oc3", &["DOB"]),
    ("ad1", &["DOB"]),
    ("placed_for_adoption", &["DOB"]),
    ("missing", &["DOB"]),
    ("sw_episodes", &["DOB"]),
    ("dolo", &["DOB"]),
];

/// Records what a file holds that the core tables do not: some columns, or (prev_perm) the
/// whole file.
pub fn note_unloaded(r: &ReturnFile, issues: &mut Vec<Issue>) {
    if r.spec.name == "prev_perm" {
        let message = "previous permanence (PREV_PERM, LA_PERM, DATE_PERM: orders before the child entered care) has no core table; the file was recognised and not loaded";
        issues.push(Issue::new(Severity::Info, STAGE, "not_loaded", message, Action::FileSkipped).file(&r.path));
        return;
    }
    let Some((_, columns)) = UNLOADED.iter().find(|(f, _)| *f == r.spec.name) else { return };
    // An XML return has every column; only those some element filled are reported.
    let present: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| r.positions[r.spec.index(c)].is_some() && (!r.xml || r.rows().any(|row| !row.value(c).is_empty())))
        .collect();
    if present.is_empty() {
        return;
    }
    let message = format!(
        "{} {} no core column and {} not loaded",
        present.join(", "),
        if present.len() == 1 { "has" } else { "have" },
        if present.len() == 1 { "was" } else { "were" }
    );
    let mut i = Issue::new(Severity::Info, STAGE, "not_loaded", message, Action::Kept).file(&r.path);
    if let Some(t) = super::core_table(&r.spec.name) {
        i = i.table(t);
    }
    issues.push(i);
}
