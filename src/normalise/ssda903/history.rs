//! Episodes: every return's episodes combined into one history per child ([`repair`]), then
//! loaded as episodes, placements, legal statuses and periods of care.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::repair::{self, Episode, Repair, Rule};
use super::returns::{ReturnFile, Row};
use super::{derived, replaced, Cells, Ctx, STAGE};
use crate::normalise::cells::parse_date;
use crate::normalise::Sink;
use crate::quality::{Action, Issue, Severity};

const TABLE: &str = "cla_episode";

/// One period of care of a child, as loaded.
#[derive(Debug, Clone)]
pub struct Period {
    /// `clae_cla_id`.
    pub id: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// The period's episodes, in order.
    pub episodes: Vec<Episode>,
}

/// Every child's periods of care, by (LA, child id).
#[derive(Debug, Default)]
pub struct Histories {
    children: HashMap<(String, String), Vec<Period>>,
}

impl Histories {
    /// The child's periods of care, in order.
    pub fn periods(&self, la: &str, child: &str) -> &[Period] {
        self.children.get(&(la.to_string(), child.to_string())).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The period of care `day` falls in, if any.
    pub fn period_at(&self, la: &str, child: &str, day: NaiveDate) -> Option<&Period> {
        self.periods(la, child).iter().find(|p| p.start <= day && p.end.is_none_or(|e| day <= e))
    }
}

/// Reads, repairs and loads the episodes of every return.
pub fn load(ctx: &Ctx, files: &[&ReturnFile], sink: &mut Sink, issues: &mut Vec<Issue>) -> Histories {
    let mut rows: Vec<Row> = Vec::new();
    let mut children: BTreeMap<(String, String), Vec<Episode>> = BTreeMap::new();
    let mut latest: HashMap<String, Option<i32>> = HashMap::new();
    for f in files {
        for row in f.rows() {
            let Some(e) = episode(ctx, &row, rows.len(), issues) else { continue };
            let y = latest.entry(row.la().to_string()).or_insert(None);
            *y = (*y).max(e.year);
            let child = ctx.child_id(row.value("CHILD")).expect("episode() checked the child id");
            children.entry((row.la().to_string(), child)).or_default().push(e);
            rows.push(row);
        }
    }
    let mut histories = Histories::default();
    for ((la, child), episodes) in children {
        let outcome = repair::repair(episodes, latest.get(&la).copied().flatten());
        // An identical copy in a later return is the same episode: nothing was repaired.
        for r in outcome.repairs.iter().filter(|r| !(r.rule == Rule::Resubmitted && r.identical)) {
            issues.push(repair_issue(r, &rows));
        }
        let periods = load_child(ctx, &child, outcome.episodes, &rows, sink, issues);
        histories.children.insert((la, child), periods);
    }
    histories
}

/// One row as an episode, or `None` (recorded) when it has no child or no start date.
fn episode(ctx: &Ctx, row: &Row, source: usize, issues: &mut Vec<Issue>) -> Option<Episode> {
    let at = row.origin();
    if ctx.child_id(row.value("CHILD")).is_none() {
        let i = Issue::new(
            Severity::Error,
            STAGE,
            "missing_required",
            "the episode has no CHILD; it cannot be placed in any child's history",
            Action::RowRejected,
        );
        issues.push(at.issue(TABLE, row.cell("CHILD").as_ref(), i));
        return None;
    }
    let start = match parse_date(row.value("DECOM")) {
        Ok(d) => d,
        Err(why) => {
            let why = if row.value("DECOM").is_empty() { "DECOM is blank".to_string() } else { why };
            let i = Issue::new(
                Severity::Error,
                STAGE,
                "invalid_date",
                format!("{why}; without its start date the episode has no key and cannot be placed in the child's history"),
                Action::RowRejected,
            );
            issues.push(at.issue(TABLE, row.cell("DECOM").as_ref(), i));
            return None;
        }
    };
    // A malformed end date is reported here, once, and the episode treated as open: the repair
    // rules may then close it.
    let end = match parse_date(row.value("DEC")) {
        Ok(d) => Some(d),
        Err(_) if row.value("DEC").is_empty() => None,
        Err(why) => {
            let i = Issue::new(Severity::Error, STAGE, "invalid_date", format!("{why}; the episode is taken as open"), Action::SetNull);
            issues.push(at.issue(TABLE, row.cell("DEC").as_ref(), i));
            None
        }
    };
    let code = |c: &str| row.value(c).to_ascii_uppercase();
    Some(Episode {
        source,
        year: row.year(),
        rank: row.rank(),
        start,
        end,
        rne: code("RNE"),
        ls: code("LS"),
        place: code("PLACE"),
        provider: code("PLACE_PROVIDER"),
        urn: urn(row.value("URN")).to_ascii_uppercase(),
        pl_post: row.value("PL_POST").replace(' ', "").to_ascii_uppercase(),
        rec: code("REC"),
    })
}

/// An Ofsted URN, or empty for DfE's "not applicable" placeholder (`XXXXXXX`, also seen with six
/// X's).
fn urn(raw: &str) -> &str {
    if !raw.is_empty() && raw.bytes().all(|b| b.eq_ignore_ascii_case(&b'X')) {
        ""
    } else {
        raw
    }
}

fn year_text(y: Option<i32>) -> String {
    y.map_or("undated".to_string(), |y| y.to_string())
}

/// `PL_DISTANCE` of the episode starting a placement, with the column it came from: the
/// return's own when it carries one, else miles between HOME_POST and PL_POST as DfE's
/// validator derives it ([`crate::reference::postcodes`]); `None` when neither is known.
fn distance(row: &Row) -> Option<(String, &'static str)> {
    let given = row.value("PL_DISTANCE");
    if !given.is_empty() {
        return Some((given.to_string(), "PL_DISTANCE"));
    }
    let miles = crate::reference::postcodes::postcodes().distance_miles(row.value("HOME_POST"), row.value("PL_POST"))?;
    Some((miles.to_string(), "PL_POST"))
}

/// The issue recording one repair.
fn repair_issue(r: &Repair, rows: &[Row]) -> Issue {
    let row = &rows[r.source];
    let (severity, code, action) = match r.rule {
        Rule::Resubmitted => (Severity::Info, "episode_resubmitted", Action::Substituted),
        Rule::DuplicateInReturn => (Severity::Warning, "duplicate_key", Action::RowRejected),
        Rule::Duplicate => (Severity::Warning, "episode_duplicate", Action::RowRejected),
        Rule::Superseded => (Severity::Warning, "episode_superseded", Action::RowRejected),
        Rule::ClosedAtYearEnd | Rule::ClosedBeforeReentry | Rule::Continued => (Severity::Warning, "episode_closed", Action::Substituted),
        Rule::OverlapTrimmed => (Severity::Warning, "episode_overlap_trimmed", Action::Substituted),
        Rule::GapBridged => (Severity::Warning, "episode_gap_bridged", Action::Substituted),
        Rule::Overlap => (Severity::Warning, "episode_overlap", Action::Kept),
        Rule::GapAfterX1 => (Severity::Warning, "episode_x1_gap", Action::Kept),
        Rule::OpenUnresolved => (Severity::Warning, "episode_open", Action::Kept),
    };
    // The row and column locate the episode; the message never quotes a cell (dates included).
    let mut message = format!("this episode ({} return): {}", year_text(row.year()), r.rule.describe());
    if let Some(o) = r.other.map(|o| &rows[o]) {
        let against = match r.rule {
            Rule::Resubmitted | Rule::DuplicateInReturn | Rule::Duplicate => "kept",
            Rule::Superseded => "replaced by",
            _ => "next episode",
        };
        message.push_str(&format!(" [{against}: {} row {}, {} return]", o.file.path, o.row, year_text(o.year())));
    }
    if r.new_end.is_some() {
        // The new date is in the restricted core; the message does not quote it.
        message.push_str("; DEC set by the rule");
        if let Some(rec) = &r.new_rec {
            message.push_str(&if rec.is_empty() { ", REC left empty".to_string() } else { format!(", REC set to {rec}") });
        }
    }
    let column = if r.rule.removes() { "DECOM" } else { "DEC" };
    let cell = row.cell(column);
    // Locate at the column the rule is about, with the raw value; DEC may be absent entirely.
    let i = Issue::new(severity, STAGE, code, message, action);
    match cell {
        Some(c) => row.origin().issue(TABLE, Some(&c), i),
        None => row.origin().issue(TABLE, None, i),
    }
}

/// Loads one child's repaired episodes; returns their periods of care.
fn load_child(ctx: &Ctx, child: &str, episodes: Vec<Episode>, rows: &[Row], sink: &mut Sink, issues: &mut Vec<Issue>) -> Vec<Period> {
    let mut periods: Vec<Period> = Vec::new();
    // Where each placement and legal status began: (index of first episode).
    let mut placement_start = 0usize;
    let mut status_start = 0usize;
    let mut period_start = 0usize;
    let n = episodes.len();
    let mut period_of: Vec<usize> = Vec::with_capacity(n);
    let mut placement_of: Vec<usize> = Vec::with_capacity(n);
    let mut status_of: Vec<usize> = Vec::with_capacity(n);
    for i in 0..n {
        let e = &episodes[i];
        let prev = i.checked_sub(1).map(|p| &episodes[p]);
        let new_period = match prev {
            None => true,
            Some(p) => e.rne == "S" || (p.end.is_some() && p.rec != "X1"),
        };
        if new_period {
            period_start = i;
            placement_start = i;
            status_start = i;
        } else {
            let p = prev.expect("not the first episode");
            if e.rne != "L" {
                placement_start = i;
            } else if e.place != p.place {
                placement_start = i;
                let row = &rows[e.source];
                let message = format!(
                    "reason for new episode L (legal status change only) but the placement type changed from {} to {}; a new placement is started",
                    p.place, e.place
                );
                issues.push(row.origin().issue(
                    TABLE,
                    row.cell("RNE").as_ref(),
                    Issue::new(Severity::Warning, STAGE, "placement_changed_under_l", message, Action::Kept),
                ));
            }
            if e.ls != p.ls {
                status_start = i;
            }
        }
        period_of.push(period_start);
        placement_of.push(placement_start);
        status_of.push(status_start);
    }
    let id = |record: &str, i: usize| super::key(child, record, &[&episodes[i].start.to_string()]);
    // Runs: the last episode of each placement, legal status and period.
    let last_of = |starts: &[usize], i: usize| (i..n).take_while(|&k| starts[k] == starts[i]).last().expect("i is in its own run");
    for i in 0..n {
        let e = &episodes[i];
        let row = &rows[e.source];
        let at = row.origin();
        let (episode_id, cla_id, placement_id) = (id("episode", i), id("period", period_of[i]), id("placement", placement_of[i]));
        let start_text = e.start.to_string();
        let entered = (episodes[period_of[i]].rne == "S").then(|| episodes[period_of[i]].start.to_string());
        let end_text = e.end.map(|d| d.to_string());
        let dec = row.cell("DEC");
        // An end date as received, or as a repair worked it out (a malformed one was reported
        // when the episode was read).
        let unchanged_end = e.end.is_some() && e.end == parse_date(row.value("DEC")).ok();
        let rec_changed = e.rec != row.value("REC").to_ascii_uppercase();
        let rec_code = ctx.translated(row, "REC", TABLE, issues);
        let child_cell = row.cell("CHILD");
        let decom = row.cell("DECOM");
        let mut cells = Cells::new(ctx.spec(TABLE));
        cells
            .set("clae_cla_episode_id", Some(derived(&episode_id, decom, "DECOM")))
            .set("clae_person_id", child_cell)
            .set("clae_cla_episode_start_date", decom)
            .set("clae_cla_episode_start_reason", row.cell("RNE"))
            .set("clae_cla_primary_need_code", row.cell("CIN"))
            .set("clae_cla_episode_ceased_date", if unchanged_end { dec } else { end_text.as_deref().map(|t| derived(t, dec, "DEC")) })
            .set(
                "clae_cla_episode_ceased_reason",
                if rec_changed { Some(derived(&e.rec, row.cell("REC"), "REC")) } else { replaced(row.cell("REC"), rec_code.as_deref()) },
            )
            .set("clae_cla_id", Some(derived(&cla_id, decom, "DECOM")))
            .set("clae_cla_placement_id", Some(derived(&placement_id, decom, "DECOM")))
            .set("clae_entered_care_date", entered.as_deref().map(|t| derived(t, decom, "DECOM")));
        cells.push(&at, sink, ctx.codes, issues);
        let child_id = derived(child, child_cell, "CHILD");
        if placement_of[i] == i {
            let last = &episodes[last_of(&placement_of, i)];
            let last_row = &rows[last.source];
            let end = last.end.map(|d| d.to_string());
            let place = ctx.translated(row, "PLACE", "cla_placement", issues);
            let change = if last.end.is_some() { ctx.translated(last_row, "REASON_PLACE_CHANGE", "cla_placement", issues) } else { None };
            let urn_cell = row.cell("URN").filter(|c| !urn(c.raw.trim()).is_empty());
            let distance = distance(row);
            let mut p = Cells::new(ctx.spec("cla_placement"));
            p.set("clap_cla_placement_id", Some(derived(&placement_id, decom, "DECOM")))
                .set("clap_cla_placement_start_date", Some(derived(&start_text, decom, "DECOM")))
                .set("clap_cla_placement_type", replaced(row.cell("PLACE"), place.as_deref()))
                .set("clap_cla_placement_urn", urn_cell)
                .set("clap_cla_id", Some(derived(&cla_id, decom, "DECOM")))
                .set("clap_cla_placement_provider", row.cell("PLACE_PROVIDER"))
                .set("clap_cla_placement_postcode", row.cell("PL_POST"))
                .set("clap_cla_placement_distance", distance.as_ref().map(|(text, from)| derived(text, row.cell(from), from)))
                .set("clap_cla_placement_end_date", end.as_deref().map(|t| derived(t, last_row.cell("DEC"), "DEC")))
                .set(
                    "clap_cla_placement_change_reason",
                    if last.end.is_some() { replaced(last_row.cell("REASON_PLACE_CHANGE"), change.as_deref()) } else { None },
                )
                .set("clap_person_id", Some(child_id));
            p.push(&at, sink, ctx.codes, issues);
        }
        if status_of[i] == i {
            let last = &episodes[last_of(&status_of, i)];
            let end = last.end.map(|d| d.to_string());
            let mut l = Cells::new(ctx.spec("legal_status"));
            let status_id = id("legal_status", i);
            l.set("lega_legal_status_id", Some(derived(&status_id, decom, "DECOM")))
                .set("lega_person_id", Some(child_id))
                .set("lega_legal_status", row.cell("LS"))
                .set("lega_legal_status_start_date", Some(derived(&start_text, decom, "DECOM")))
                .set("lega_legal_status_end_date", end.as_deref().map(|t| derived(t, rows[last.source].cell("DEC"), "DEC")));
            l.push(&at, sink, ctx.codes, issues);
        }
    }
    for i in 0..n {
        if period_of[i] == i {
            let last = last_of(&period_of, i);
            periods.push(Period {
                id: id("period", i),
                start: episodes[i].start,
                end: episodes[last].end,
                episodes: episodes[i..=last].to_vec(),
            });
        }
    }
    periods
}
