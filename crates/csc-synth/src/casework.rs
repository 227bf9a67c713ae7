//! The case-work records of the extract: who holds each case (teams, workers, involvements and
//! changes of worker), statutory visits (CP, CIN, CLA), CP review conferences, health and dental
//! checks, missing episodes with return interviews, early help, adoption and other permanence,
//! and disabilities.
//!
//! They are built from the extract's own records ([`Ssd`]), so every id they name is in it, and
//! the dates the DfE returns also carry come from the same keyed draws ([`super::details`]):
//! CP reviews, missing episodes, adoption dates and disabilities agree with the CIN census and
//! SSDA903 files. Rates and their sources ([`Rates`] for the published ones):
//!
//! - workforce: case-holding workers = cases open at the window's end / the LA's average
//!   caseload (DfE workforce census); the agency share likewise; changes of worker a Poisson
//!   process whose rate gives the LA's published share of children looked after with three or
//!   more social workers in a year (DfE `la_cla_swcount`);
//! - health: the LA's published shares of the OC2 cohort with an annual health assessment and a
//!   dental check (DfE CLA health outcomes); initial health assessments within 20 working days
//!   for 55% (assumption: DfE publishes no figure);
//! - visits (assumptions, no published figure): CP every 10 working days, 85% on time; CIN every
//!   4 weeks, 80%; CLA every 6 weeks, 85%; the child seen on 96%, alone on 70% from age 4;
//! - missing: the episodes of [`super::details::missing`]; a return interview offered after 88%
//!   of missing episodes and accepted in 55% of those (assumption);
//! - early help: an episode for every contact whose outcome was early help, starting within ten
//!   working days and lasting 2–9 months (assumption);
//! - adoption: every period of care ending in adoption (E11/E12) has its decision, placement
//!   order, match, placement and order; children on a placement order (E1) still in care have a
//!   decision and an order, one in ten of them reversed (assumption);
//! - disabilities: [`super::details::disabilities`] for children the SSD flags as disabled,
//!   `NONE` for every other child who had an assessment;
//! - assessment factors: those the CIN census file records ([`super::details::assessment_factors`]);
//! - pre-proceedings, care proceedings and mothers: [`super::court`].

use std::collections::{BTreeMap, HashMap};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::casework_rates::Rates;
use super::dates::{add_months, add_years, age, fy_end, fy_of, Window};
use super::details;
use super::records::{
    AssessmentFactors, CinVisit, ClaCarePlan, ClaHealth, ClaVisit, CpReview, CpVisit, Disability, EarlyHelp, Involvement, Missing,
    Permanence, Professional, Ssd, SHORT_BREAK_STATUSES,
};
use super::returns::keyed;
use super::simulate::people::{chance, pick, working_days_after};

/// A team: its name (as `invo_professional_team` and `prof_professional_department` hold it),
/// its workers' job title, and its share of the case-holding workforce (0 for teams whose size
/// is set otherwise).
struct Team {
    name: &'static str,
    title: &'static str,
    share: f64,
}

const TEAMS: &[Team] = &[
    Team { name: "Front Door", title: "Social Worker", share: 0.10 },
    Team { name: "Assessment", title: "Social Worker", share: 0.18 },
    Team { name: "Children in Need", title: "Social Worker", share: 0.14 },
    Team { name: "Child Protection", title: "Social Worker", share: 0.18 },
    Team { name: "Children in Care", title: "Social Worker", share: 0.24 },
    Team { name: "Leaving Care", title: "Personal Adviser", share: 0.08 },
    Team { name: "Disabled Children", title: "Social Worker", share: 0.04 },
    Team { name: "Adoption", title: "Social Worker", share: 0.04 },
    Team { name: "Child Protection Conference", title: "Child Protection Chair", share: 0.0 },
    Team { name: "Early Help", title: "Family Support Worker", share: 0.0 },
];

const STAFF_FORENAMES: &[&str] = &[
    "Sarah", "Emma", "Rachel", "Laura", "Hannah", "Claire", "Priya", "Joanne", "Amy", "Fatima", "James", "Daniel", "Mark", "Tom", "Samuel",
    "Kwame",
];
const STAFF_SURNAMES: &[&str] = &[
    "Baker", "Carter", "Fisher", "Hughes", "Kelly", "Lewis", "Mason", "Morgan", "Owen", "Price", "Reid", "Shaw", "Turner", "Ward", "Young",
    "Ahmed", "Begum", "Okafor",
];

const CHANGE_REASONS: &[(&str, f64)] = &[
    ("Worker left", 40.0),
    ("Caseload balancing", 25.0),
    ("Team restructure", 10.0),
    ("Worker on long-term leave", 15.0),
    ("Family request", 10.0),
];

/// The workforce: each team's workers, by their index in [`TEAMS`].
struct Workforce {
    pools: Vec<Vec<String>>,
}

impl Workforce {
    fn team(name: &str) -> usize {
        TEAMS.iter().position(|t| t.name == name).unwrap_or(0)
    }

    /// A worker of `team`, chosen by `key`.
    fn pick(&self, seed: u64, team: &str, key: &str) -> String {
        let pool = &self.pools[Self::team(team)];
        pool[keyed(seed, "worker", key).random_range(0..pool.len())].clone()
    }
}

/// A spell of a team holding a child's case.
struct Phase {
    team: &'static str,
    start: i32,
    end: Option<i32>,
    referral: String,
    first_worker: Option<String>,
}

/// Adds the case-work tables to an extract built by [`super::extract::extract`].
pub fn add(ssd: &mut Ssd, window: Window, seed: u64, la_code: &str) {
    let rates = Rates::for_la(la_code, fy_of(window.from), fy_of(window.to));
    let dob: HashMap<String, Option<i32>> = ssd.persons.iter().map(|p| (p.id.clone(), p.dob)).collect();
    let born = |person: &str| dob.get(person).copied().flatten();
    let periods = periods(ssd);
    let workforce = workforce(ssd, &periods, window, &rates);
    reallocate(ssd, &workforce, seed);
    involvements(ssd, &periods, &workforce, window, seed, &rates);
    professionals(ssd, &workforce, window, seed, &rates);
    cp_work(ssd, window, seed, &born);
    cin_visits(ssd, window, seed, &born);
    cla_work(ssd, &periods, window, seed, &rates, &born);
    permanence(ssd, &periods, &workforce, window, seed, &born);
    care_plans(ssd, &periods, window, seed, &born);
    early_help(ssd, &workforce, window, seed);
    disabilities(ssd, seed);
    factors(ssd, seed);
    super::court::add(ssd, &periods, window, seed);
}

/// A period of care as the extract holds it.
pub(super) struct Period {
    pub(super) cla_id: String,
    pub(super) person: String,
    pub(super) entered: i32,
    pub(super) end: Option<i32>,
    pub(super) end_reason: &'static str,
    pub(super) short_break: bool,
    pub(super) legal: &'static str,
    referral: String,
    adoptive_placement: bool,
}

fn periods(ssd: &Ssd) -> Vec<Period> {
    let legal: HashMap<(&str, i32), &'static str> =
        ssd.legal_statuses.iter().filter_map(|l| Some(((l.person.as_str(), l.start?), l.status))).collect();
    let placement_type: HashMap<&str, &'static str> = ssd.cla_placements.iter().map(|p| (p.id.as_str(), p.placement_type)).collect();
    let mut by_id: BTreeMap<&str, Period> = BTreeMap::new();
    for e in &ssd.cla_episodes {
        let Some(start) = e.start else { continue };
        let entered = e.entered_care.unwrap_or(start);
        let adoptive = placement_type.get(e.placement.as_str()).is_some_and(|t| t.starts_with('A'));
        let p = by_id.entry(e.cla_id.as_str()).or_insert_with(|| {
            let status = legal.get(&(e.person.as_str(), entered)).copied().unwrap_or("");
            Period {
                cla_id: e.cla_id.clone(),
                person: e.person.clone(),
                entered,
                end: None,
                end_reason: "",
                short_break: SHORT_BREAK_STATUSES.contains(&status),
                legal: status,
                referral: e.referral.clone(),
                adoptive_placement: false,
            }
        });
        // Episodes are in date order: the last one says how the period ended.
        p.end = e.end.filter(|_| e.end_reason != "X1");
        p.end_reason = if p.end.is_some() { e.end_reason } else { "" };
        p.adoptive_placement |= adoptive;
    }
    by_id.into_values().collect()
}

fn open_at(start: Option<i32>, end: Option<i32>, day: i32) -> bool {
    start.is_some_and(|s| s <= day) && end.is_none_or(|e| e > day)
}

/// Sizes each team from the cases it holds at the window's end and the LA's average caseload.
fn workforce(ssd: &Ssd, periods: &[Period], window: Window, rates: &Rates) -> Workforce {
    let day = window.to;
    let cases = ssd.referrals.iter().filter(|r| r.nfa != "Y" && open_at(r.date, r.close_date, day)).count()
        + periods.iter().filter(|p| open_at(Some(p.entered), p.end, day)).count()
        + ssd.care_leavers.len();
    let case_holders = (cases as f64 / rates.caseload).ceil().max(10.0);
    let conferences = ssd.cp_plans.iter().filter(|p| open_at(p.start, p.end, day)).count();
    let mut next = 0;
    let pools = TEAMS
        .iter()
        .map(|t| {
            let size = match t.name {
                "Child Protection Conference" => (conferences as f64 / 60.0).ceil(),
                "Early Help" => (ssd.contacts.iter().filter(|c| c.outcome == "Early help").count() as f64 / 40.0).ceil(),
                _ => (case_holders * t.share).round(),
            }
            .max(2.0) as usize;
            let pool = (next..next + size).map(|n| format!("W{:03}", n + 1)).collect();
            next += size;
            pool
        })
        .collect();
    Workforce { pools }
}

/// Gives the workers already named on the extract's records ids from their team's pool.
fn reallocate(ssd: &mut Ssd, wf: &Workforce, seed: u64) {
    for r in &mut ssd.referrals {
        r.worker = wf.pick(seed, r.team, &r.id);
    }
    for a in &mut ssd.assessments {
        a.worker = wf.pick(seed, a.team, &a.id);
    }
    for p in &mut ssd.cin_plans {
        p.worker = wf.pick(seed, p.team, &p.id);
    }
    for s in &mut ssd.s47s {
        s.worker = wf.pick(seed, s.team, &s.id);
    }
    for c in &mut ssd.icpcs {
        c.worker = wf.pick(seed, c.team, &c.id);
    }
    for l in &mut ssd.care_leavers {
        l.worker = wf.pick(seed, l.team, &l.id);
    }
}

/// Each child's allocations: the team holding each stage of their case, a new phase ending the
/// one before, and changes of worker within a phase.
fn involvements(ssd: &mut Ssd, periods: &[Period], wf: &Workforce, window: Window, seed: u64, rates: &Rates) {
    let mut phases: BTreeMap<String, Vec<Phase>> = BTreeMap::new();
    let mut add = |person: &str, phase: Phase| phases.entry(person.to_string()).or_default().push(phase);
    let first_assessment: HashMap<&str, i32> =
        ssd.assessments.iter().filter_map(|a| Some((a.referral.as_str(), a.start?))).fold(HashMap::new(), |mut m, (r, s)| {
            let e = m.entry(r).or_insert(s);
            *e = (*e).min(s);
            m
        });
    for r in &ssd.referrals {
        let Some(date) = r.date else { continue };
        let front_door_end =
            first_assessment.get(r.id.as_str()).copied().or(r.close_date).unwrap_or_else(|| working_days_after(date, 3)).max(date);
        add(
            &r.person,
            Phase {
                team: "Front Door",
                start: date,
                end: Some(front_door_end),
                referral: r.id.clone(),
                first_worker: Some(r.worker.clone()),
            },
        );
    }
    for a in &ssd.assessments {
        let Some(start) = a.start else { continue };
        add(
            &a.person,
            Phase { team: "Assessment", start, end: a.auth, referral: a.referral.clone(), first_worker: Some(a.worker.clone()) },
        );
    }
    for p in &ssd.cin_plans {
        let Some(start) = p.start else { continue };
        add(
            &p.person,
            Phase { team: "Children in Need", start, end: p.end, referral: p.referral.clone(), first_worker: Some(p.worker.clone()) },
        );
    }
    for p in &ssd.cp_plans {
        let Some(start) = p.start else { continue };
        add(&p.person, Phase { team: "Child Protection", start, end: p.end, referral: p.referral.clone(), first_worker: None });
    }
    let mut left_care: HashMap<&str, i32> = HashMap::new();
    for p in periods {
        let team = if p.short_break { "Disabled Children" } else { "Children in Care" };
        add(&p.person, Phase { team, start: p.entered, end: p.end, referral: p.referral.clone(), first_worker: None });
        if let Some(end) = p.end {
            left_care.insert(p.person.as_str(), end);
        }
    }
    for l in &ssd.care_leavers {
        let start = left_care.get(l.person.as_str()).copied().unwrap_or_else(|| add_months(window.from, -6));
        add(&l.person, Phase { team: "Leaving Care", start, end: None, referral: String::new(), first_worker: Some(l.worker.clone()) });
    }
    let per_day = rates.worker_changes_per_year() / 365.25;
    let mut rows: Vec<Involvement> = Vec::new();
    for (person, mut list) in phases {
        list.sort_by_key(|p| (p.start, p.team));
        for k in 0..list.len() {
            let next_start = list.get(k + 1).map(|n| n.start);
            let p = &list[k];
            // A later stage takes the case over; a stage that ended earlier keeps its end.
            let end = match (p.end, next_start) {
                (Some(e), Some(n)) => Some(e.min(n)),
                (None, Some(n)) => Some(n),
                (e, None) => e,
            };
            let last = end.unwrap_or(window.to).min(window.to);
            let key = format!("{person}/{}/{}", p.team, p.start);
            let mut rng = keyed(seed, "involvement", &key);
            let mut from = p.start;
            let mut worker = p.first_worker.clone().unwrap_or_else(|| wf.pick(seed, p.team, &key));
            let mut n = 0;
            loop {
                // Exponential gap to the next change of worker.
                let gap = (-(1.0 - rng.random::<f64>()).ln() / per_day.max(1e-6)).max(30.0) as i32;
                let change = from + gap;
                let role = if p.team == "Leaving Care" { "Personal Adviser" } else { "Allocated Social Worker" };
                let (seg_end, reason) = if change < last { (Some(change), pick(&mut rng, CHANGE_REASONS)) } else { (end, "") };
                rows.push(Involvement {
                    id: String::new(),
                    professional: worker.clone(),
                    role,
                    team: p.team,
                    start: Some(from),
                    end: seg_end,
                    change_reason: reason,
                    person: person.clone(),
                    referral: p.referral.clone(),
                });
                if seg_end.is_none_or(|e| e >= last) || reason.is_empty() {
                    break;
                }
                from = change;
                n += 1;
                worker = wf.pick(seed, p.team, &format!("{key}/{n}"));
            }
        }
    }
    rows.retain(|r| window.touches(r.start.unwrap_or(window.to), r.end));
    rows.sort_by(|a, b| (a.start, &a.person).cmp(&(b.start, &b.person)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = (30_000_001 + i).to_string();
    }
    ssd.involvements = rows;
}

/// One row per worker, with their caseload at the window's end.
fn professionals(ssd: &mut Ssd, wf: &Workforce, window: Window, seed: u64, rates: &Rates) {
    let mut caseload: HashMap<&str, usize> = HashMap::new();
    for i in ssd.involvements.iter().filter(|i| open_at(i.start, i.end, window.to)) {
        *caseload.entry(i.professional.as_str()).or_default() += 1;
    }
    let mut rows = Vec::new();
    for (t, team) in TEAMS.iter().enumerate() {
        for id in &wf.pools[t] {
            let mut rng = keyed(seed, "professional", id);
            let social_worker = team.title == "Social Worker" || team.title == "Child Protection Chair";
            rows.push(Professional {
                id: id.clone(),
                staff_id: format!("S{}", &id[1..]),
                name: format!(
                    "{} {}",
                    STAFF_FORENAMES[rng.random_range(0..STAFF_FORENAMES.len())],
                    STAFF_SURNAMES[rng.random_range(0..STAFF_SURNAMES.len())]
                ),
                registration: if social_worker { format!("SW{:06}", rng.random_range(10_000..999_999)) } else { String::new() },
                job_title: team.title,
                caseload: caseload.get(id.as_str()).copied().unwrap_or(0).to_string(),
                department: team.name,
                fte: pick(&mut rng, &[("1.0", 80.0), ("0.8", 12.0), ("0.6", 8.0)]).to_string(),
                agency: if social_worker && chance(&mut rng, rates.agency) { "Y" } else { "N" },
            });
        }
    }
    ssd.professionals = rows;
}

/// Visit dates from `start` (first within `first` working days) to `last`: gaps of up to
/// `due` working days with probability `on_time`, else up to half as long again.
fn visit_days(rng: &mut ChaCha8Rng, start: i32, last: i32, first: i64, due: i64, on_time: f64) -> Vec<i32> {
    let mut out = Vec::new();
    let mut day = working_days_after(start, rng.random_range(0..=first));
    while day <= last {
        out.push(day);
        let gap = if chance(rng, on_time) { rng.random_range(due / 2..=due) } else { rng.random_range(due + 1..=due + due / 2) };
        day = working_days_after(day, gap);
    }
    out
}

fn seen(rng: &mut ChaCha8Rng, dob: Option<i32>, day: i32) -> (&'static str, &'static str) {
    let seen = chance(rng, 0.96);
    let alone = seen && dob.is_some_and(|d| age(d, day) >= 4) && chance(rng, 0.7);
    (if seen { "Y" } else { "N" }, if alone { "Y" } else { "N" })
}

/// Visits are kept from six months before the window (so the last visit before it is known).
fn visit_from(window: Window) -> i32 {
    add_months(window.from, -6)
}

/// CP visits and review conferences.
fn cp_work(ssd: &mut Ssd, window: Window, seed: u64, born: &dyn Fn(&str) -> Option<i32>) {
    let mut visits = Vec::new();
    let mut reviews = Vec::new();
    for p in &ssd.cp_plans {
        let Some(start) = p.start else { continue };
        let last = p.end.map_or(window.to, |e| e.min(window.to));
        let mut rng = keyed(seed, "cp_visit", &p.id);
        for day in visit_days(&mut rng, start, last, 5, 10, 0.85).into_iter().filter(|&d| d >= visit_from(window)) {
            let (s, alone) = seen(&mut rng, born(&p.person), day);
            visits.push(CpVisit {
                id: String::new(),
                person: p.person.clone(),
                plan: p.id.clone(),
                date: Some(day),
                seen: s,
                seen_alone: alone,
                bedroom: if chance(&mut rng, 0.4) { "Y" } else { "N" },
            });
        }
        let held = details::cp_reviews(start, p.end, window.to + 1);
        let mut due = add_months(start, 3);
        for (k, &h) in held.iter().enumerate() {
            if h >= window.from {
                reviews.push(CpReview {
                    id: String::new(),
                    person: p.person.clone(),
                    plan: p.id.clone(),
                    due: Some(due),
                    held: Some(h),
                    meeting: format!("R{}-{}", p.id, k + 1),
                    continue_cp: if k + 1 == held.len() && p.end.is_some_and(|e| e <= add_months(h, 1)) { "N" } else { "Y" },
                    quorate: "Y",
                    participation: "",
                });
            }
            due = add_months(h, 6);
        }
    }
    visits.sort_by(|a, b| (a.date, &a.person).cmp(&(b.date, &b.person)));
    for (i, v) in visits.iter_mut().enumerate() {
        v.id = (31_000_001 + i).to_string();
    }
    reviews.sort_by(|a, b| (a.held, &a.person).cmp(&(b.held, &b.person)));
    for (i, r) in reviews.iter_mut().enumerate() {
        r.id = (32_000_001 + i).to_string();
    }
    ssd.cp_visits = visits;
    ssd.cp_reviews = reviews;
}

/// Visits to children on CIN plans.
fn cin_visits(ssd: &mut Ssd, window: Window, seed: u64, born: &dyn Fn(&str) -> Option<i32>) {
    let mut visits = Vec::new();
    for p in &ssd.cin_plans {
        let Some(start) = p.start else { continue };
        let last = p.end.map_or(window.to, |e| e.min(window.to));
        let mut rng = keyed(seed, "cin_visit", &p.id);
        for day in visit_days(&mut rng, start, last, 10, 20, 0.8).into_iter().filter(|&d| d >= visit_from(window)) {
            let (s, alone) = seen(&mut rng, born(&p.person), day);
            visits.push(CinVisit {
                id: String::new(),
                person: p.person.clone(),
                date: Some(day),
                seen: s,
                seen_alone: alone,
                bedroom: if chance(&mut rng, 0.3) { "Y" } else { "N" },
            });
        }
    }
    visits.sort_by(|a, b| (a.date, &a.person).cmp(&(b.date, &b.person)));
    for (i, v) in visits.iter_mut().enumerate() {
        v.id = (33_000_001 + i).to_string();
    }
    ssd.cin_visits = visits;
}

/// Visits, health checks and missing episodes of children looked after (short breaks excluded).
fn cla_work(ssd: &mut Ssd, periods: &[Period], window: Window, seed: u64, rates: &Rates, born: &dyn Fn(&str) -> Option<i32>) {
    let (mut visits, mut health, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for p in periods.iter().filter(|p| !p.short_break) {
        let dob = born(&p.person);
        let last = p.end.map_or(window.to, |e| e.min(window.to));
        let mut rng = keyed(seed, "cla_visit", &p.cla_id);
        for day in visit_days(&mut rng, p.entered, last, 5, 30, 0.85).into_iter().filter(|&d| d >= visit_from(window)) {
            let (s, alone) = seen(&mut rng, dob, day);
            visits.push(ClaVisit {
                id: String::new(),
                cla_id: p.cla_id.clone(),
                person: p.person.clone(),
                date: Some(day),
                seen: s,
                seen_alone: alone,
            });
        }
        // Initial health assessment, for periods that began in the year before the window or in it.
        let mut rng = keyed(seed, "cla_health", &p.cla_id);
        if p.entered >= add_years(window.from, -1) {
            let wd = if chance(&mut rng, 0.55) { rng.random_range(5..=20) } else { rng.random_range(21..=60) };
            let day = working_days_after(p.entered, wd);
            if day <= last {
                health.push(ClaHealth {
                    id: String::new(),
                    person: p.person.clone(),
                    kind: "Initial Health Assessment",
                    date: Some(day),
                    status: "Completed",
                });
            }
        }
        // Review health assessments and dental checks of the OC2 cohort on each 31 March.
        for y in fy_of(window.from)..=fy_of(window.to) {
            let march = fy_end(y);
            if march > window.to || p.entered > add_years(march, -1) || p.end.is_some_and(|e| e <= march) {
                continue;
            }
            let (h, d) = rates.health_in(y);
            for (kind, share) in [("Health Assessment", h), ("Dental Check", d)] {
                if chance(&mut rng, share) {
                    let day = march - rng.random_range(0..365);
                    health.push(ClaHealth { id: String::new(), person: p.person.clone(), kind, date: Some(day), status: "Completed" });
                }
            }
        }
        let Some(dob) = dob else { continue };
        let mut rng = keyed(seed, "rhi", &p.cla_id);
        for m in
            details::missing(seed, &p.cla_id, dob, p.entered, p.end).into_iter().filter(|m| (window.from..=window.to).contains(&m.start))
        {
            let offered = m.kind == "M" && chance(&mut rng, 0.88);
            let accepted = offered && chance(&mut rng, 0.55);
            missing.push(Missing {
                id: String::new(),
                person: p.person.clone(),
                start: Some(m.start),
                kind: m.kind,
                end: Some(m.end).filter(|&e| e <= window.to),
                rhi_offered: if m.kind != "M" {
                    ""
                } else if offered {
                    "Y"
                } else {
                    "N"
                },
                rhi_accepted: if m.kind != "M" {
                    ""
                } else if accepted {
                    "Y"
                } else {
                    "N"
                },
            });
        }
    }
    visits.sort_by(|a, b| (a.date, &a.person).cmp(&(b.date, &b.person)));
    for (i, v) in visits.iter_mut().enumerate() {
        v.id = (34_000_001 + i).to_string();
    }
    health.sort_by(|a, b| (a.date, &a.person, a.kind).cmp(&(b.date, &b.person, b.kind)));
    for (i, h) in health.iter_mut().enumerate() {
        h.id = (35_000_001 + i).to_string();
    }
    missing.sort_by(|a, b| (a.start, &a.person).cmp(&(b.start, &b.person)));
    for (i, m) in missing.iter_mut().enumerate() {
        m.id = (36_000_001 + i).to_string();
    }
    ssd.cla_visits = visits;
    ssd.cla_health = health;
    ssd.missing = missing;
}

const REVERSAL_REASONS: &[(&str, f64)] = &[("RD1", 30.0), ("RD2", 25.0), ("RD3", 25.0), ("RD4", 20.0)];

/// Adoption milestones of adopted children and of children on placement orders, and the order
/// that ended other permanent exits (special guardianship, child arrangements).
fn permanence(ssd: &mut Ssd, periods: &[Period], wf: &Workforce, window: Window, seed: u64, born: &dyn Fn(&str) -> Option<i32>) {
    let mut rows = Vec::new();
    let known = |d: i32| Some(d).filter(|&d| d <= window.to);
    for p in periods.iter().filter(|p| !p.short_break) {
        let mut rng = keyed(seed, "permanence", &p.cla_id);
        let worker = wf.pick(seed, "Adoption", &p.cla_id);
        let mut row = Permanence {
            id: String::new(),
            person: p.person.clone(),
            cla_id: p.cla_id.clone(),
            decision: None,
            ffa_decision: None,
            placement_order: None,
            placed_for_adoption: None,
            matched: None,
            adopted_by_carer: "",
            placed_ffa: None,
            reversed: None,
            placed_foster_carer: None,
            sibling_group: "N",
            siblings_together: String::new(),
            siblings_apart: String::new(),
            provider_urn: String::new(),
            reversed_reason: "",
            order_date: None,
            order_type: "",
            worker: String::new(),
            adopter_sex: "",
            adopter_legal_status: "",
            adopters: "",
        };
        match (p.end, p.end_reason) {
            (Some(adopted), "E11" | "E12") => {
                let a = details::adoption(seed, &p.cla_id, p.entered, adopted);
                let order = a.decision + (a.matched - a.decision) / 3;
                let placed = (a.matched + rng.random_range(7..=28)).min(adopted);
                row.decision = known(a.decision);
                row.placement_order = known(order);
                row.matched = known(a.matched);
                row.placed_for_adoption = known(placed);
                row.order_date = known(adopted);
                row.order_type = "Adoption order";
                row.adopted_by_carer = if a.foster_carer == "1" { "Y" } else { "N" };
                row.adopter_sex = a.sex;
                row.adopter_legal_status = a.legal;
                row.adopters = a.adopters;
                if chance(&mut rng, 0.1) {
                    row.ffa_decision = known(a.decision);
                    row.placed_ffa = known((a.decision + rng.random_range(5..=40)).min(a.matched));
                }
                if chance(&mut rng, 0.3) {
                    row.sibling_group = "Y";
                    row.siblings_together = "1".into();
                    row.siblings_apart = "0".into();
                }
            }
            (Some(end), "E45" | "E46" | "E47" | "E48") => {
                row.order_date = known(end);
                row.order_type = "Special guardianship order";
            }
            (Some(end), "E41") => {
                row.order_date = known(end);
                row.order_type = "Child arrangements order";
            }
            (None, _) if p.legal == "E1" || p.adoptive_placement => {
                let young = born(&p.person).is_some_and(|d| age(d, window.to) < 8);
                if !young {
                    continue;
                }
                let decision = (p.entered + rng.random_range(120..=360)).min(window.to);
                row.decision = known(decision);
                row.placement_order = known(decision + rng.random_range(20..=120));
                if chance(&mut rng, 0.1) {
                    row.reversed = known(decision + rng.random_range(60..=300));
                    row.reversed_reason = if row.reversed.is_some() { pick(&mut rng, REVERSAL_REASONS) } else { "" };
                } else if chance(&mut rng, 0.5) {
                    let matched = decision + rng.random_range(90..=240);
                    row.matched = known(matched);
                    row.placed_for_adoption = known(matched + rng.random_range(7..=28));
                }
            }
            _ => continue,
        }
        row.worker = worker;
        rows.push(row);
    }
    rows.sort_by(|a, b| (a.decision.or(a.order_date), &a.person).cmp(&(b.decision.or(b.order_date), &b.person)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = (37_000_001 + i).to_string();
    }
    ssd.permanence = rows;
}

/// The SSD's permanence plan keys (`lacp_cla_care_plan_json`), in its order.
const PLAN_KEYS: [&str; 10] =
    ["REMAINSUP", "RETURN1M", "RETURN6M", "RETURNEV", "LTRELFR", "LTFOST18", "RESPLMT", "SUPPLIV", "ADOPTION", "OTHERPLN"];

/// The care plan of each period of care (short breaks excluded) that lasted to its second
/// statutory review, when the permanence plan is set: 90 to 119 days after the child entered
/// care, so by the time the review is due (first within 20 working days, second within 3 months
/// of it: reg 33) and before the 4 months after which `permanence_plan_missing` looks for the
/// plan. Half the plans record no permanence plan (every key empty): the seeds' 2022 paper
/// says permanence plans were "either not in place or not recorded for 50% CiC". The plan
/// follows how the period ended (adoption, special guardianship or a child arrangements order,
/// a return home, independence), else the child's age and the usual mix of long-term plans;
/// one in ten is parallel planning with a second key ticked.
fn care_plans(ssd: &mut Ssd, periods: &[Period], window: Window, seed: u64, born: &dyn Fn(&str) -> Option<i32>) {
    let mut rows = Vec::new();
    for p in periods.iter().filter(|p| !p.short_break) {
        let mut rng = keyed(seed, "care_plan", &p.cla_id);
        let start = p.entered + rng.random_range(90..=119);
        if start > p.end.unwrap_or(window.to).min(window.to) {
            continue;
        }
        let mut ticked = Vec::new();
        if chance(&mut rng, 0.5) {
            let older = born(&p.person).is_some_and(|d| age(d, start) >= 16);
            ticked.push(match (p.end.is_some(), p.end_reason) {
                (true, "E11" | "E12") => "ADOPTION",
                (true, "E41" | "E45" | "E46" | "E47" | "E48") => "LTRELFR",
                (true, "E4A") => pick(&mut rng, &[("RETURN1M", 20.0), ("RETURN6M", 50.0), ("RETURNEV", 30.0)]),
                (true, "E5") => "SUPPLIV",
                _ if p.legal == "E1" || p.adoptive_placement => "ADOPTION",
                _ if older => pick(&mut rng, &[("SUPPLIV", 50.0), ("LTFOST18", 35.0), ("RESPLMT", 15.0)]),
                _ => pick(
                    &mut rng,
                    &[("LTFOST18", 50.0), ("RETURNEV", 15.0), ("LTRELFR", 12.0), ("RESPLMT", 8.0), ("REMAINSUP", 5.0), ("OTHERPLN", 10.0)],
                ),
            });
            if chance(&mut rng, 0.1) {
                let second = if ticked[0] == "ADOPTION" { "RETURN6M" } else { "LTFOST18" };
                if second != ticked[0] {
                    ticked.push(second);
                }
            }
        }
        let fields: Vec<String> = PLAN_KEYS.iter().map(|k| format!("\"{k}\": \"{}\"", if ticked.contains(k) { "Y" } else { "" })).collect();
        rows.push(ClaCarePlan {
            id: String::new(),
            person: p.person.clone(),
            start: Some(start),
            end: p.end.filter(|&e| e <= window.to),
            plans: format!("{{{}}}", fields.join(", ")),
        });
    }
    rows.sort_by(|a, b| (a.start, &a.person).cmp(&(b.start, &b.person)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = (47_000_001 + i).to_string();
    }
    ssd.cla_care_plans = rows;
}

/// An early help episode for every contact whose outcome was early help.
fn early_help(ssd: &mut Ssd, wf: &Workforce, window: Window, seed: u64) {
    let mut rows = Vec::new();
    for c in ssd.contacts.iter().filter(|c| c.outcome == "Early help") {
        let Some(date) = c.date else { continue };
        let mut rng = keyed(seed, "early_help", &c.id);
        let start = working_days_after(date, rng.random_range(1..=10));
        if start > window.to {
            continue;
        }
        let end = Some(start + rng.random_range(60..=270)).filter(|&e| e <= window.to);
        rows.push(EarlyHelp {
            id: String::new(),
            person: c.person.clone(),
            start: Some(start),
            end,
            reason: pick(
                &mut rng,
                &[
                    ("Parenting support", 30.0),
                    ("Child's behaviour", 20.0),
                    ("School attendance", 15.0),
                    ("Domestic abuse", 15.0),
                    ("Parental mental health", 12.0),
                    ("Housing", 8.0),
                ],
            ),
            end_reason: if end.is_none() {
                ""
            } else {
                pick(
                    &mut rng,
                    &[
                        ("Needs met", 60.0),
                        ("Stepped up to children's social care", 12.0),
                        ("Family disengaged", 18.0),
                        ("Moved out of area", 10.0),
                    ],
                )
            },
            organisation: pick(
                &mut rng,
                &[
                    ("Family Support Service", 45.0),
                    ("School", 20.0),
                    ("Health Visiting", 10.0),
                    ("Youth Service", 10.0),
                    ("Children's Centre", 15.0),
                ],
            ),
            worker: wf.pick(seed, "Early Help", &c.id),
        });
    }
    rows.sort_by(|a, b| (a.start, &a.person).cmp(&(b.start, &b.person)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = (38_000_001 + i).to_string();
    }
    ssd.early_help = rows;
}

/// The factors of every authorised assessment, as the CIN census file records them
/// ([`details::assessment_factors`]), written as the SSD's JSON array.
fn factors(ssd: &mut Ssd, seed: u64) {
    let uasc: std::collections::HashSet<&str> = ssd.immigration.iter().map(|u| u.person.as_str()).collect();
    let mut rows = Vec::new();
    for a in ssd.assessments.iter().filter(|a| a.auth.is_some()) {
        let codes = details::assessment_factors(seed, &a.id, a.nfa == "Y", uasc.contains(a.person.as_str()));
        let json = format!("[{}]", codes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","));
        rows.push(AssessmentFactors { id: (40_000_001 + rows.len()).to_string(), assessment: a.id.clone(), factors: json });
    }
    ssd.assessment_factors = rows;
}

/// Disabilities of children the SSD flags as disabled; `NONE` for other children assessed.
fn disabilities(ssd: &mut Ssd, seed: u64) {
    let assessed: std::collections::HashSet<&str> = ssd.assessments.iter().map(|a| a.person.as_str()).collect();
    let mut rows = Vec::new();
    for p in &ssd.persons {
        let disabled = p.send_flag == "Y";
        if !disabled && !assessed.contains(p.id.as_str()) {
            continue;
        }
        for code in details::disabilities(seed, &p.id, disabled) {
            rows.push(Disability { person: p.id.clone(), id: (39_000_001 + rows.len()).to_string(), code });
        }
    }
    ssd.disabilities = rows;
}
