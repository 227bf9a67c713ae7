//! Care leavers: children who left care at 16 or over after at least 13 weeks looked after since
//! their 14th birthday (DfE's care-leaver cohort), and their position each year of their 17th to
//! 21st birthdays — in touch, activity, accommodation — as SSDA903 OC3 returns it and the SSD
//! care-leaver table holds it on that year's 31 March.
//!
//! In each year and age band (17–18, 19–21 at 31 March) exactly the published share of the
//! care leavers counted (all but those who died or returned home for six months or more, as DfE
//! and `sql/measures/care_leavers_outcomes_pct.sql` exclude) are in education, employment or
//! training; a young person in it last year is the likelier to be in it this year. Young people
//! who left care before the simulation starts are added so that the older band of the first
//! years is not empty.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::{new_child, pick, Cohort};
use super::World;
use crate::dates::{add_years, age, fy_end, fy_start};
use crate::targets::Targets;

/// A care leaver's position in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// SSDA903 IN_TOUCH: YES, NO, REFU (refuses contact), NREQ (no longer requires services),
    /// RHOM (returned home for six months or more). DIED is not simulated.
    pub in_touch: &'static str,
    /// SSDA903 ACTIV (blank when not in touch).
    pub activity: &'static str,
    /// SSDA903 ACCOM: the accommodation letter and 1 (suitable) or 2 (unsuitable); blank when
    /// not in touch.
    pub accommodation: &'static str,
}

/// Activities DfE counts as education, employment or training (SSDA903 ACTIV; F3/P3 until
/// 2020-21), as `sql/measures/care_leavers_outcomes_pct.sql` counts them.
pub const EET_CODES: [&str; 10] = ["F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5"];

/// Whether DfE counts a care leaver with this IN_TOUCH code in the year's figures (not those
/// who died or returned home for six months or more).
pub fn counted(in_touch: &str) -> bool {
    !matches!(in_touch, "RHOM" | "DIED")
}

impl Position {
    /// Whether the activity is education, employment or training.
    pub fn eet(&self) -> bool {
        EET_CODES.contains(&self.activity)
    }

    /// Suitability of the accommodation: `1` suitable, `2` unsuitable, blank when not known.
    pub fn suitable(&self) -> &'static str {
        match self.accommodation.as_bytes().last() {
            Some(b'1') => "1",
            Some(b'2') => "2",
            _ => "",
        }
    }
}

/// A young person who left care, and their position each year they are 17 to 21 on 31 March.
#[derive(Debug, Clone)]
pub struct Leaver {
    pub child: usize,
    /// Day they ceased to be looked after.
    pub left: i32,
    /// Position by financial year.
    pub positions: BTreeMap<i32, Position>,
}

/// Age bands DfE publishes: 17–18 and 19–21 on 31 March.
pub fn band(age_at_31_march: i32) -> Option<usize> {
    match age_at_31_march {
        17..=18 => Some(0),
        19..=21 => Some(1),
        _ => None,
    }
}

/// Activities that are education, employment or training, with their shares (full-time Fx,
/// part-time Px: higher education, other education, apprenticeship, training or employment).
const EET: &[(&str, f64)] = &[("F1", 6.0), ("P1", 1.0), ("F2", 38.0), ("P2", 4.0), ("F4", 8.0), ("P4", 1.0), ("F5", 30.0), ("P5", 12.0)];
/// Activities that are not: illness or disability, other reasons, pregnancy or parenting.
const NEET: &[(&str, f64)] = &[("G4", 15.0), ("G5", 72.0), ("G6", 13.0)];
/// Accommodation, suitable (…1) or not (…2).
const ACCOMMODATION: &[(&str, f64)] = &[
    ("U1", 25.0),
    ("T1", 20.0),
    ("S1", 14.0),
    ("B1", 6.0),
    ("C1", 8.0),
    ("D1", 3.0),
    ("K1", 6.0),
    ("E1", 2.0),
    ("G1", 2.0),
    ("H1", 1.0),
    ("V2", 3.0),
    ("Z1", 3.0),
    ("R1", 2.0),
    ("X2", 2.0),
    ("Y2", 2.0),
    ("W2", 1.0),
];
/// Whether a care leaver is in touch (those who returned home for good stay so).
const IN_TOUCH: &[(&str, f64)] = &[("YES", 90.0), ("NO", 4.0), ("REFU", 2.5), ("NREQ", 2.0), ("RHOM", 1.5)];
/// Left care before the simulation: the leavers of each of these years before the first.
const EARLIER_YEARS: i32 = 4;

/// Finds the care leavers of the simulated periods of care, adds earlier ones, and gives each
/// their position in every year `first..=last` they are 17 to 21 on 31 March.
pub fn simulate(w: &mut World, t: &Targets, first: i32, last: i32, rng: &mut ChaCha8Rng) {
    let mut leavers: Vec<Leaver> = Vec::new();
    for period in w.periods.iter().filter(|p| !p.short_break) {
        let Some(end) = period.end else { continue };
        let dob = w.children[period.child].dob;
        let since_14 = end - period.start.max(add_years(dob, 14));
        if age(dob, end) >= 16 && since_14 >= 91 && !matches!(period.end_reason, "E11" | "E12" | "E2") {
            leavers.push(Leaver { child: period.child, left: end, positions: BTreeMap::new() });
        }
    }
    // As many a year as the simulated years average, left at 16 to 18 in the years before.
    let simulated_years = (last - first + 1).max(1) as usize;
    let per_year = leavers.len().div_ceil(simulated_years);
    for y in first - EARLIER_YEARS..first {
        for _ in 0..per_year {
            let left = rng.random_range(fy_start(y)..=fy_end(y));
            // No immigration status is written for them, so none was an asylum seeker.
            let mut child = new_child(rng, Cohort::Care, left, 17);
            let years = pick(rng, &[(18, 80.0), (17, 12.0), (16, 8.0)]);
            child.dob = add_years(left, -years) - rng.random_range(0..365);
            child.expected_dob = None;
            w.children.push(child);
            leavers.push(Leaver { child: w.children.len() - 1, left, positions: BTreeMap::new() });
        }
    }
    leavers.sort_by_key(|l| (l.left, l.child));

    for y in first..=last {
        let fe = fy_end(y);
        let mut bands: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for (i, l) in leavers.iter_mut().enumerate() {
            if l.left > fe {
                continue;
            }
            let Some(b) = band(age(w.children[l.child].dob, fe)) else { continue };
            // Returned home for good stays so.
            let in_touch = match l.positions.get(&(y - 1)).map(|p| p.in_touch) {
                Some(s) if !counted(s) => s,
                _ => pick(rng, IN_TOUCH),
            };
            l.positions.insert(y, Position { in_touch, activity: "", accommodation: "" });
            if counted(in_touch) {
                bands[b].push(i);
            }
        }
        for (b, members) in bands.iter().enumerate() {
            let wanted = (t.year(y).eet_pct[b].value / 100.0 * members.len() as f64).round() as usize;
            // Those in touch first, in EET last year before the others, then at random.
            let mut ranked: Vec<(u8, f64, usize)> = members
                .iter()
                .map(|&i| {
                    let p = &leavers[i].positions;
                    let was_eet = p.get(&(y - 1)).is_some_and(Position::eet);
                    (u8::from(p[&y].in_touch == "YES") * 2 + u8::from(was_eet), rng.random::<f64>(), i)
                })
                .collect();
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
            for (rank, &(_, _, i)) in ranked.iter().enumerate() {
                let position = leavers[i].positions.get_mut(&y).expect("inserted above");
                if rank < wanted {
                    position.in_touch = "YES";
                    position.activity = pick(rng, EET);
                } else if position.in_touch == "YES" {
                    position.activity = pick(rng, NEET);
                }
                if position.in_touch == "YES" {
                    position.accommodation = pick(rng, ACCOMMODATION);
                }
            }
        }
    }
    w.leavers = leavers;
}
