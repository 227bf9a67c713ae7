//! The court work of the extract: each child's pre-proceedings (Public Law Outline) and care
//! proceedings (`ssd_pre_proceedings`), and the mothers of the children in them (`ssd_mother`).
//!
//! DfE publishes no figures for these, so the shares are assumptions, chosen to look like a
//! council's legal tracker:
//!
//! - a child entering care under an interim or full care order or a placement order (legal status
//!   C1, C2, E1) had care proceedings issued one to five working days before; 70% after
//!   pre-proceedings lasting 6 to 20 weeks, the rest at short notice;
//! - proceedings last 14 to 52 weeks (mean 33, near the 31-32 weeks the Cafcass figures in the
//!   seeds report); those not finished by the extract's end are still at court (final plan H);
//! - 8% of children starting a child protection plan enter pre-proceedings that end in a step
//!   down after 6 to 24 weeks (or are still open);
//! - children issued within three working days of each other, half the time, are brothers and
//!   sisters in one set of proceedings: one family id, one court reference, one mother;
//! - a quarter of the sets whose youngest child is under three are a mother's second set, at
//!   least 300 days after her first (recurrent care proceedings: about one mother in four in
//!   Broadhurst et al., 2017).

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::casework::Period;
use super::dates::{age, Window};
use super::records::{Mother, PreProceedings, Ssd};
use super::returns::keyed;
use super::simulate::people::{chance, pick, working_days_after};

const ISSUE_OUTCOME: &str = "Decision to Issue Care Proceedings";
const STEP_DOWN_OUTCOME: &str = "Decision to step down";
const STILL_IN_PROCEEDINGS: &str = "H - Not yet at final hearing - still in care proceedings";

/// One set of proceedings: its rows' indices and its mother.
struct Set {
    rows: Vec<usize>,
    issued: Option<i32>,
    youngest_age: i32,
    mother: String,
}

/// Adds `ssd_pre_proceedings` and `ssd_mother` to an extract whose periods of care are `periods`.
pub(super) fn add(ssd: &mut Ssd, periods: &[Period], window: Window, seed: u64) {
    let dob: HashMap<&str, Option<i32>> = ssd.persons.iter().map(|p| (p.id.as_str(), p.dob)).collect();
    let mut rows: Vec<PreProceedings> = Vec::new();
    let mut court_cases: Vec<&Period> =
        periods.iter().filter(|p| !p.short_break && matches!(p.legal, "C1" | "C2" | "E1") && p.entered <= window.to).collect();
    court_cases.sort_by(|a, b| (a.entered, &a.person).cmp(&(b.entered, &b.person)));
    let mut earlier: HashMap<&str, usize> = HashMap::new();
    for p in court_cases {
        let mut row = care_proceedings(ssd, p, window, seed);
        let n = earlier.entry(p.person.as_str()).or_default();
        row.previous_care = n.to_string();
        *n += 1;
        rows.push(row);
    }
    let in_court: std::collections::HashSet<String> = rows.iter().map(|r| r.person.clone()).collect();
    for plan in &ssd.cp_plans {
        let Some(start) = plan.start else { continue };
        let mut rng = keyed(seed, "pre_proceedings", &plan.id);
        if in_court.contains(&plan.person) || !chance(&mut rng, 0.08) {
            continue;
        }
        let decision = working_days_after(start, rng.random_range(40..=140));
        if decision > window.to || plan.end.is_some_and(|e| e < decision) {
            continue;
        }
        rows.push(stepped_down(&mut rng, &plan.person, decision, window));
    }
    let sets = families(&mut rows, &dob, seed);
    let mut mothers = Vec::new();
    for set in &sets {
        for &i in &set.rows {
            let child = rows[i].person.clone();
            if !mothers.iter().any(|m: &Mother| m.child == child) {
                let child_dob = dob.get(child.as_str()).copied().flatten();
                mothers.push(Mother { id: String::new(), mother: set.mother.clone(), child, child_dob });
            }
        }
    }
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = (41_000_001 + i).to_string();
    }
    for (i, m) in mothers.iter_mut().enumerate() {
        m.id = (43_000_001 + i).to_string();
    }
    ssd.pre_proceedings = rows;
    ssd.mothers = mothers;
}

/// The row of a child whose care began under a court order: proceedings issued just before.
fn care_proceedings(ssd: &Ssd, p: &Period, window: Window, seed: u64) -> PreProceedings {
    let mut rng = keyed(seed, "care_proceedings", &p.cla_id);
    let issued = working_days_after(p.entered, -rng.random_range(1..=5));
    let plo = chance(&mut rng, 0.7);
    let decision = plo.then(|| working_days_after(issued, -rng.random_range(30..=100)));
    let days = 14 * 7 + rng.random_range(0..=19 * 7) + rng.random_range(0..=19 * 7);
    let concluded = issued + days <= window.to || p.end.is_some_and(|e| e <= window.to);
    let final_plan = if !concluded {
        STILL_IN_PROCEEDINGS
    } else {
        match (p.legal, p.end_reason) {
            (_, "E45" | "E46" | "E47" | "E48") => "E - Special Guardianship Order",
            (_, "E41") => "F - Private Law Order",
            ("E1", _) => "C - Adoption",
            _ => "A - Care Order",
        }
    };
    let cp_plans = ssd.cp_plans.iter().filter(|c| c.person == p.person && c.start.is_some_and(|s| s < issued)).count();
    let mut row = blank(&p.person);
    row.decision = decision;
    row.meeting = decision.map(|d| working_days_after(d, rng.random_range(5..=15)));
    row.pre_letter = decision.map(|d| working_days_after(d, rng.random_range(2..=4)));
    row.meetings = if plo { rng.random_range(1..=4).to_string() } else { String::new() };
    row.legal_rep = if plo { pick(&mut rng, &[("Yes", 85.0), ("No", 10.0), ("Unknown", 5.0)]) } else { "" };
    row.outcome = if plo { ISSUE_OUTCOME } else { "" };
    row.agreed = Some(if plo { working_days_after(issued, -rng.random_range(3..=10)) } else { issued });
    row.gateway = if plo { "B - Start pre-proceedings" } else { "C - Issue care proceedings" };
    row.cp_plans = cp_plans.to_string();
    row.care_letter = Some(issued);
    row.legal_rep_at_issue = pick(&mut rng, &[("Yes", 90.0), ("No", 7.0), ("Unknown", 3.0)]);
    row.court_reference = format!("SO{:02}C{:05}", super::dates::fy_of(issued) % 100, rng.random_range(10_000..100_000));
    row.hearings = (if concluded { rng.random_range(3..=7) } else { rng.random_range(1..=4) }).to_string();
    row.short_notice = if plo { "No" } else { "Yes" };
    row.short_notice_reason = if plo {
        "No short notice applications"
    } else {
        pick(&mut rng, &[("(A) Immediate safety of the child", 60.0), ("(B) Emergency Protection Order", 30.0), ("(C) Other", 10.0)])
    };
    row.initial_approved = pick(&mut rng, &[("Yes", 90.0), ("No", 8.0), ("Unknown", 2.0)]);
    row.initial_plan = "A - Interim / Care Order";
    row.final_approved = if concluded { pick(&mut rng, &[("Yes", 92.0), ("No", 8.0)]) } else { "" };
    row.final_plan = final_plan;
    row
}

/// The row of a child on a CP plan whose pre-proceedings ended in a step down (or are still open).
fn stepped_down(rng: &mut ChaCha8Rng, person: &str, decision: i32, window: Window) -> PreProceedings {
    let end = decision + rng.random_range(42..=168);
    let ended = end <= window.to;
    let mut row = blank(person);
    row.decision = Some(decision);
    row.meeting = Some(working_days_after(decision, rng.random_range(5..=15)));
    row.pre_letter = Some(working_days_after(decision, rng.random_range(2..=4)));
    row.meetings = rng.random_range(0..=3).to_string();
    row.legal_rep = pick(rng, &[("Yes", 80.0), ("No", 15.0), ("Unknown", 5.0)]);
    row.outcome = if ended { STEP_DOWN_OUTCOME } else { "" };
    row.agreed = ended.then(|| working_days_after(end, 0));
    row.gateway = "B - Start pre-proceedings";
    row.cp_plans = "1".into();
    row.legal_rep_at_issue = "Not in care proceedings";
    row.short_notice = "Not in care proceedings";
    row.short_notice_reason = "No short notice applications";
    row.initial_plan = "Not in care proceedings";
    row
}

fn blank(person: &str) -> PreProceedings {
    PreProceedings {
        id: String::new(),
        person: person.to_string(),
        family: String::new(),
        decision: None,
        meeting: None,
        outcome: "",
        agreed: None,
        cp_plans: "0".into(),
        gateway: "",
        previous_pre: "0".into(),
        previous_care: "0".into(),
        pre_letter: None,
        care_letter: None,
        meetings: String::new(),
        legal_rep: "",
        legal_rep_at_issue: "",
        court_reference: String::new(),
        hearings: String::new(),
        short_notice: "",
        short_notice_reason: "",
        initial_approved: "",
        initial_plan: "",
        final_approved: "",
        final_plan: "",
    }
}

/// Groups the rows into sets of proceedings (brothers and sisters issued together share the first
/// child's dates, court reference and family id) and gives each set a mother: a new one, or for
/// a quarter of sets with a child under three, a mother of an earlier set.
fn families(rows: &mut [PreProceedings], dob: &HashMap<&str, Option<i32>>, seed: u64) -> Vec<Set> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let key = |r: &PreProceedings| r.care_letter.or(r.decision).unwrap_or(i32::MAX);
    order.sort_by(|&a, &b| (key(&rows[a]), &rows[a].person).cmp(&(key(&rows[b]), &rows[b].person)));
    let mut sets: Vec<Set> = Vec::new();
    for i in order {
        let mut rng = keyed(seed, "family", &rows[i].person);
        let age_at = |r: &PreProceedings| dob.get(r.person.as_str()).copied().flatten().map_or(99, |d| age(d, key(r)));
        let joins = sets.last().and_then(|s| {
            let first = &rows[s.rows[0]];
            let together = first.care_letter.is_some()
                && rows[i].care_letter.is_some_and(|d| d <= working_days_after(first.care_letter.unwrap_or(d), 3))
                && chance(&mut rng, 0.5);
            together.then_some(s.rows[0])
        });
        if let Some(first) = joins {
            let f = rows[first].clone();
            let r = &mut rows[i];
            (r.decision, r.meeting, r.pre_letter, r.agreed, r.care_letter) = (f.decision, f.meeting, f.pre_letter, f.agreed, f.care_letter);
            (r.outcome, r.gateway, r.court_reference, r.family) = (f.outcome, f.gateway, f.court_reference.clone(), f.family.clone());
            let a = age_at(&rows[i]);
            let set = sets.last_mut().expect("joins only an existing set");
            set.rows.push(i);
            set.youngest_age = set.youngest_age.min(a);
            continue;
        }
        rows[i].family = (42_000_001 + sets.len()).to_string();
        let youngest_age = age_at(&rows[i]);
        let issued = rows[i].care_letter;
        sets.push(Set { rows: vec![i], issued, youngest_age, mother: String::new() });
    }
    let mut next_mother = 44_000_001;
    for s in 0..sets.len() {
        let mut rng = keyed(seed, "mother", &rows[sets[s].rows[0]].family);
        let earlier: Vec<usize> = match sets[s].issued {
            Some(issued) if sets[s].youngest_age < 3 => (0..s).filter(|&e| sets[e].issued.is_some_and(|d| d + 300 <= issued)).collect(),
            _ => Vec::new(),
        };
        sets[s].mother = if !earlier.is_empty() && chance(&mut rng, 0.25) {
            sets[earlier[rng.random_range(0..earlier.len())]].mother.clone()
        } else {
            next_mother += 1;
            (next_mother - 1).to_string()
        };
    }
    sets
}
