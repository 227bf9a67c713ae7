//! The simulated local authority: children and their journeys, event by event.
//!
//! Stocks (plans and episodes open on 31 March) and flows (referrals, enquiries, conferences in
//! a year) are both published, so the journeys are built in the order that lets each be met:
//! [`care`] builds periods of care so the looked-after count on each 31 March and the starts
//! each year match; [`protection`] builds CP plans so the plans open on each 31 March fall in
//! the published D5 duration bands, and works back from each plan to its conference, S47
//! enquiry and referral; [`referrals`] adds the remaining enquiries and referrals, then keeps
//! enough cases open to match the children in need on 31 March. Only then are children
//! assigned to the journeys ([`assign`]), in date order, reusing a child for exactly the
//! published share of re-referrals and of second or subsequent plans.
//!
//! Care leavers ([`leavers`]) come last, from the periods of care that ended at 16 or over.
//!
//! The simulation starts [`BURN_IN_YEARS`](super::BURN_IN_YEARS) before the window with the
//! stocks of the 31 March before that, so the window's first 31 March has a history.

mod assign;
mod care;
pub mod leavers;
pub mod people;
mod protection;
mod referrals;

use rand_chacha::ChaCha8Rng;

use super::dates::{fy_of, Window};
use super::targets::Targets;

/// A simulated child.
#[derive(Debug, Clone)]
pub struct Child {
    pub dob: i32,
    /// Expected date of birth, for a child first known before birth.
    pub expected_dob: Option<i32>,
    pub sex: &'static str,
    pub ethnicity: &'static str,
    pub nationality: &'static str,
    /// Unaccompanied asylum-seeking child.
    pub uasc: bool,
    pub disabled: bool,
    pub forename: &'static str,
    pub surname: &'static str,
}

/// Why a referral's episode exists; decides which records hang off it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Leads to a period of care.
    Care,
    /// A disabled child receiving short breaks.
    ShortBreaks,
    /// Leads to the CP plan with this index.
    Protection(usize),
    /// S47 enquiry and ICPC, but no plan.
    Conference,
    /// S47 enquiry only.
    Enquiry,
    /// Referral closed with no further action, or after assessment, or continued on a CIN plan.
    Other,
}

/// A single assessment.
#[derive(Debug, Clone)]
pub struct Assess {
    pub start: i32,
    pub auth: Option<i32>,
    pub outcome: &'static str,
    pub nfa: bool,
}

/// A referral and the CIN episode it opens.
#[derive(Debug, Clone)]
pub struct Episode {
    pub child: Option<usize>,
    pub referral: i32,
    pub close: Option<i32>,
    pub kind: Kind,
    pub nfa: bool,
    pub source: &'static str,
    pub need: &'static str,
    pub close_reason: &'static str,
    pub assessment: Option<Assess>,
    pub cin_plan: Option<(i32, Option<i32>)>,
    /// Written although outside the window: the previous referral that makes a window referral
    /// a re-referral.
    pub history: bool,
}

impl Episode {
    /// Whether the episode is open on `day` (referred on or before it, closed after it).
    pub fn open_on(&self, day: i32) -> bool {
        self.referral <= day && self.close.is_none_or(|c| c > day)
    }
}

/// A section 47 enquiry.
#[derive(Debug, Clone)]
pub struct S47 {
    pub episode: usize,
    pub start: i32,
    pub end: i32,
    pub to_icpc: bool,
}

/// An initial child protection conference.
#[derive(Debug, Clone)]
pub struct Icpc {
    pub episode: usize,
    pub s47: usize,
    pub date: i32,
    pub plan: Option<usize>,
}

/// A child protection plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub episode: usize,
    pub start: i32,
    pub end: Option<i32>,
    pub icpc: Option<usize>,
    pub category: &'static str,
    pub latest_category: &'static str,
    /// Written although outside the window: an earlier plan of a child whose plan in the window
    /// is a second or subsequent one.
    pub history: bool,
}

/// One placement within a period of care (one SSD CLA episode).
#[derive(Debug, Clone)]
pub struct Segment {
    pub start: i32,
    pub end: Option<i32>,
    pub reason_new: &'static str,
    pub placement_type: &'static str,
    pub provider: &'static str,
    pub postcode: String,
    pub distance: f64,
    pub change_reason: &'static str,
}

/// A period of care.
#[derive(Debug, Clone)]
pub struct Period {
    pub child: usize,
    pub episode: usize,
    pub start: i32,
    pub end: Option<i32>,
    pub end_reason: &'static str,
    pub legal_status: &'static str,
    pub short_break: bool,
    pub segments: Vec<Segment>,
}

/// A contact.
#[derive(Debug, Clone)]
pub struct Contact {
    pub child: usize,
    pub date: i32,
    pub source: &'static str,
    pub outcome: &'static str,
}

/// Everything simulated.
#[derive(Debug, Default)]
pub struct World {
    pub la_code: String,
    /// Postcode sectors placements are drawn from.
    pub sectors: people::Sectors,
    pub children: Vec<Child>,
    pub episodes: Vec<Episode>,
    pub s47s: Vec<S47>,
    pub icpcs: Vec<Icpc>,
    pub plans: Vec<Plan>,
    pub periods: Vec<Period>,
    pub contacts: Vec<Contact>,
    /// Young people who left care at 16 or over, with their position each year.
    pub leavers: Vec<leavers::Leaver>,
}

impl World {
    /// Adds a referral and returns its index.
    fn add_episode(&mut self, rng: &mut ChaCha8Rng, referral: i32, close: Option<i32>, kind: Kind) -> usize {
        let need = match kind {
            Kind::ShortBreaks => "N2",
            Kind::Protection(_) => "N1",
            _ => people::pick(rng, people::NEEDS),
        };
        self.episodes.push(Episode {
            child: None,
            referral,
            close,
            kind,
            nfa: false,
            source: people::pick(rng, people::SOURCES),
            need,
            close_reason: "RC7",
            assessment: None,
            cin_plan: None,
            history: false,
        });
        self.episodes.len() - 1
    }

    /// Gives episode `e` a single assessment starting within three working days of the
    /// referral and authorised some working days later (never after the episode closes).
    fn assess(&mut self, rng: &mut ChaCha8Rng, e: usize, outcome: &'static str, nfa: bool) {
        use rand::Rng;
        let ep = &self.episodes[e];
        let start = people::working_days_after(ep.referral, rng.random_range(0..=3));
        let mut auth = people::working_days_after(start, people::assessment_working_days(rng));
        if let Some(close) = ep.close {
            auth = auth.min(close).max(start.min(close));
        }
        let start = start.min(auth);
        self.episodes[e].assessment = Some(Assess { start, auth: Some(auth), outcome, nfa });
    }
}

/// Runs the simulation for the window's financial years plus the burn-in.
pub fn simulate(targets: &Targets, window: Window, rng: &mut ChaCha8Rng) -> World {
    let first = fy_of(window.from) - super::BURN_IN_YEARS;
    let last = fy_of(window.to);
    let mut world = World { la_code: targets.la_code.clone(), sectors: people::Sectors::of(&targets.la_code).clone(), ..World::default() };
    care::simulate(&mut world, targets, first, last, rng);
    protection::simulate(&mut world, targets, first, last, rng);
    referrals::enquiries(&mut world, targets, first, last, rng);
    referrals::others(&mut world, targets, first, last, rng);
    referrals::balance_children_in_need(&mut world, targets, first, last, rng);
    assign::children(&mut world, targets, window, rng);
    referrals::contacts(&mut world, targets, window, rng);
    leavers::simulate(&mut world, targets, first, last, rng);
    world
}

/// Shuffles a slice in place (Fisher–Yates), deterministically from the generator.
pub fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    use rand::Rng;
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// Splits `total` into whole counts in proportion to `shares` (largest remainder), so that the
/// parts sum exactly to `total`.
pub fn apportion(total: usize, shares: &[f64]) -> Vec<usize> {
    let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    if sum <= 0.0 || shares.is_empty() {
        let mut out = vec![0; shares.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let exact: Vec<f64> = shares.iter().map(|s| s.max(0.0) / sum * total as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    let mut left = total - out.iter().sum::<usize>();
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_exactly() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(292, &[87.0, 76.0, 65.0, 55.0, 9.0]), vec![87, 76, 65, 55, 9]);
        assert_eq!(apportion(5, &[0.0, 0.0]), vec![5, 0]);
        assert_eq!(apportion(31, &[14.25, 0.9]).iter().sum::<usize>(), 31);
    }
}
