//! Details of the simulated children that the DfE returns need and the SSD extract does not
//! carry: disabilities, assessment factors, CP and CLA review dates, missing episodes, health
//! outcomes, adoption dates and previous permanence.
//!
//! Each is drawn from a generator keyed by the run's seed and the record it belongs to
//! ([`keyed`]), so the CIN census and SSDA903 files of every year agree with each other and the
//! draws do not disturb the simulation. Shares are plausible national ones (DfE characteristics
//! of children in need and children looked after, 2024); they are not calibrated.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{add_months, add_years, age};
use super::returns::keyed;
use super::simulate::people::{chance, pick, working_days_after, Sectors};

/// Disabilities recorded for a disabled child (CIN census codes).
const DISABILITIES: &[(&str, f64)] = &[
    ("LD", 30.0),
    ("AUT", 28.0),
    ("COMM", 14.0),
    ("BEH", 10.0),
    ("MOB", 5.0),
    ("HAND", 2.0),
    ("PC", 3.0),
    ("INC", 1.0),
    ("HEAR", 2.0),
    ("VIS", 2.0),
    ("CON", 1.0),
    ("DDA", 2.0),
];

/// A child's disabilities: `NONE` unless the SSD flags them as disabled, then one to three.
pub fn disabilities(seed: u64, person: &str, disabled: bool) -> Vec<&'static str> {
    if !disabled {
        return vec!["NONE"];
    }
    let mut rng = keyed(seed, "disability", person);
    let n = pick(&mut rng, &[(1usize, 60.0), (2, 30.0), (3, 10.0)]);
    distinct(&mut rng, DISABILITIES, n)
}

/// `n` different items drawn by weight, in the list's order.
fn distinct(rng: &mut ChaCha8Rng, items: &[(&'static str, f64)], n: usize) -> Vec<&'static str> {
    let mut chosen: Vec<&'static str> = Vec::with_capacity(n);
    for _ in 0..n * 4 {
        if chosen.len() >= n {
            break;
        }
        let c = pick(rng, items);
        if !chosen.contains(&c) {
            chosen.push(c);
        }
    }
    chosen.sort_by_key(|c| items.iter().position(|(i, _)| i == c));
    chosen
}

/// Factors identified at assessment (CIN census codes) with their shares of assessments
/// (DfE characteristics of children in need 2024, factors at the end of assessment).
const FACTORS: &[(&str, f64)] = &[
    ("4B", 33.0),
    ("3B", 30.0),
    ("17A", 20.0),
    ("4A", 20.0),
    ("3A", 17.0),
    ("16A", 17.0),
    ("2B", 14.0),
    ("1B", 11.0),
    ("18C", 7.0),
    ("18B", 2.0),
    ("14A", 6.0),
    ("15A", 6.0),
    ("5A", 5.0),
    ("6B", 5.0),
    ("2A", 4.0),
    ("10A", 4.0),
    ("24A", 3.0),
    ("11A", 3.0),
    ("19C", 3.0),
    ("19B", 1.0),
    ("13A", 2.0),
    ("5B", 2.0),
    ("6A", 2.0),
    ("7A", 1.0),
    ("12A", 0.5),
    ("22A", 0.3),
    ("23A", 0.3),
    ("20", 8.0),
];

/// The factors of a completed assessment, before any year's code changes: `21` (no factors)
/// for some assessments that led to no further action, 9A for an unaccompanied asylum seeker,
/// else one to four factors.
pub fn assessment_factors(seed: u64, assessment: &str, nfa: bool, uasc: bool) -> Vec<&'static str> {
    let mut rng = keyed(seed, "factors", assessment);
    if uasc {
        return vec!["9A"];
    }
    if nfa && chance(&mut rng, 0.4) {
        return vec!["21"];
    }
    let n = pick(&mut rng, &[(1usize, 35.0), (2, 35.0), (3, 20.0), (4, 10.0)]);
    distinct(&mut rng, FACTORS, n)
}

/// Review conferences of a CP plan: within three months of the initial conference, then every
/// six months, while the plan lasts (all of them when it is open).
pub fn cp_reviews(start: i32, end: Option<i32>, until: i32) -> Vec<i32> {
    let last = end.unwrap_or(until).min(until);
    let mut out = Vec::new();
    let mut next = working_days_after(add_months(start, 3), -3);
    while next < last {
        out.push(next);
        next = working_days_after(add_months(next, 6), -2);
    }
    out
}

/// A review of a child looked after: the date it was due by and the date it was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    pub due: i32,
    pub held: i32,
}

/// Reviews of a child looked after (Care Planning Regulations reg 33): due within 20 working days
/// of entering care, the second within three months of the first, then within six months of the
/// one before, while the period of care lasts. Most are held a few working days early; about one
/// in twelve is late by up to three weeks. `key` names the period of care.
pub fn cla_reviews(seed: u64, key: &str, entered: i32, end: Option<i32>, until: i32) -> Vec<Review> {
    let mut rng = keyed(seed, "cla_review", key);
    let last = end.unwrap_or(until).min(until);
    let mut out = Vec::new();
    let mut due = working_days_after(entered, 20);
    loop {
        let held = if rng.random_bool(0.08) {
            working_days_after(due, rng.random_range(1..=15))
        } else {
            working_days_after(due, -rng.random_range(0..=6))
        };
        if held >= last {
            break;
        }
        out.push(Review { due, held });
        due = add_months(held, if out.len() == 1 { 3 } else { 6 });
    }
    out
}

/// How a child took part in a CLA review (PN0 under four).
pub fn review_code(seed: u64, person: &str, review: i32, dob: i32) -> &'static str {
    if age(dob, review) < 4 {
        return "PN0";
    }
    let mut rng = keyed(seed, "review", &format!("{person}/{review}"));
    pick(&mut rng, &[("PN1", 55.0), ("PN2", 8.0), ("PN3", 4.0), ("PN4", 5.0), ("PN5", 8.0), ("PN6", 12.0), ("PN7", 8.0)])
}

/// A missing (M) or away without authorisation (A) episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    /// M or A.
    pub kind: &'static str,
    pub start: i32,
    pub end: i32,
}

/// Missing episodes during a period of care from `start` to `end` (while open, until the
/// child's 18th birthday): about one child in ten aged eleven or over goes missing, some of them
/// often. The same period gives the same episodes whatever year's return asks.
pub fn missing(seed: u64, cla_id: &str, dob: i32, start: i32, end: Option<i32>) -> Vec<Missing> {
    let last = end.unwrap_or(add_years(dob, 18));
    let mut rng = keyed(seed, "missing", cla_id);
    let mut out = Vec::new();
    if last <= start || !chance(&mut rng, 0.1) {
        return out;
    }
    let n = pick(&mut rng, &[(1usize, 45.0), (2, 20.0), (3, 12.0), (5, 10.0), (8, 8.0), (15, 5.0)]);
    let from = start.max(add_years(dob, 11));
    if from >= last {
        return out;
    }
    let mut days: Vec<i32> = (0..n).map(|_| rng.random_range(from..last)).collect();
    days.sort_unstable();
    days.dedup();
    let mut free_from = i32::MIN;
    for d in days {
        if d < free_from {
            continue;
        }
        let end = (d + pick(&mut rng, &[(0, 30.0), (1, 45.0), (2, 15.0), (5, 10.0)])).min(last);
        out.push(Missing { kind: if chance(&mut rng, 0.8) { "M" } else { "A" }, start: d, end });
        free_from = end + 1;
    }
    out
}

/// Health and offending outcomes of a child looked after for twelve months (SSDA903 OC2), in
/// column order after CHILD and DOB.
pub fn oc2(seed: u64, person: &str, year: i32, dob: i32, at: i32) -> [String; 10] {
    let mut rng = keyed(seed, "oc2", &format!("{person}/{year}"));
    let years = age(dob, at);
    let flag = |rng: &mut ChaCha8Rng, p: f64| if chance(rng, p) { "1" } else { "0" }.to_string();
    let (sdq, reason) = if (4..=16).contains(&years) {
        if chance(&mut rng, 0.8) {
            (rng.random_range(0..=40).min(rng.random_range(4..=40)).to_string(), String::new())
        } else {
            (String::new(), pick(&mut rng, &[("SDQ2", 20.0), ("SDQ3", 25.0), ("SDQ4", 40.0), ("SDQ5", 15.0)]).to_string())
        }
    } else {
        (String::new(), "SDQ1".to_string())
    };
    let convicted = if years >= 10 { flag(&mut rng, 0.03) } else { String::new() };
    let misuse = flag(&mut rng, if years >= 10 { 0.04 } else { 0.0 });
    let (received, offered) = if misuse == "1" { (flag(&mut rng, 0.6), flag(&mut rng, 0.9)) } else { (String::new(), String::new()) };
    [
        sdq,
        reason,
        convicted,
        if years < 5 { flag(&mut rng, 0.9) } else { String::new() },
        flag(&mut rng, 0.86),
        flag(&mut rng, 0.72),
        flag(&mut rng, 0.89),
        misuse,
        received,
        offered,
    ]
}

/// An adoption: the decision that the child should be placed for adoption, the match, and the
/// adopters (SSDA903 AD1 and PlacedAdoption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adoption {
    /// Date of the decision that adoption is in the child's best interest (and should be placed).
    pub decision: i32,
    pub matched: i32,
    /// 1 when adopted by their foster carer.
    pub foster_carer: &'static str,
    pub adopters: &'static str,
    pub sex: &'static str,
    pub legal: &'static str,
}

/// The adoption of a child whose period of care from `start` ended in adoption on `adopted`.
pub fn adoption(seed: u64, cla_id: &str, start: i32, adopted: i32) -> Adoption {
    let mut rng = keyed(seed, "adoption", cla_id);
    let decision = (adopted - rng.random_range(270..=600)).max(start).min(adopted);
    let matched = (adopted - rng.random_range(60..=200)).max(decision).min(adopted);
    let (adopters, sex, legal) = pick(
        &mut rng,
        &[
            (("2", "MF", "L11"), 70.0),
            (("2", "MF", "L3"), 8.0),
            (("2", "FF", "L12"), 5.0),
            (("2", "MM", "L2"), 4.0),
            (("1", "F1", "L0"), 11.0),
            (("1", "M1", "L0"), 2.0),
        ],
    );
    Adoption { decision, matched, foster_carer: if chance(&mut rng, 0.12) { "1" } else { "0" }, adopters, sex, legal }
}

/// Whether a child starting care had a previous permanence arrangement (SSDA903 PrevPerm):
/// PREV_PERM, the LA that made it (blank when not known) and its date (none for Z1 none and P4
/// unknown).
pub fn previous_permanence(seed: u64, person: &str, start: i32, dob: i32, la_code: &str) -> (&'static str, String, Option<i32>) {
    let mut rng = keyed(seed, "prev_perm", &format!("{person}/{start}"));
    let code = pick(&mut rng, &[("Z1", 90.0), ("P1", 2.0), ("P2", 3.0), ("P3", 2.0), ("P4", 3.0)]);
    if matches!(code, "Z1" | "P4") || start - dob < 400 {
        return (if code == "P4" { "P4" } else { "Z1" }, String::new(), None);
    }
    let date = rng.random_range(dob + 200..start - 100);
    let la = if chance(&mut rng, 0.7) { la_code.to_string() } else { String::new() };
    (code, la, Some(date))
}

/// A child's home postcode before care: a real postcode sector of the LA (reference/postcodes)
/// with made-up unit letters, not a real address.
pub fn home_postcode(seed: u64, person: &str, la_code: &str) -> String {
    Sectors::of(la_code).home(&mut keyed(seed, "home", person))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_follow_the_statutory_rhythm() {
        let start = 19_000;
        let cp = cp_reviews(start, Some(start + 400), 30_000);
        assert_eq!(cp.len(), 2, "{cp:?}");
        assert!(cp[0] > start && cp[0] <= add_months(start, 3));
        let cla = cla_reviews(1, "CLA8000001", start, None, start + 365);
        assert!((2..=3).contains(&cla.len()), "{cla:?}");
        assert!(cla.windows(2).all(|w| w[0].held < w[1].held && w[1].due <= add_months(w[0].held, 6)));
        assert!(cla[0].due == working_days_after(start, 20) && cla[0].held > start);
        assert_eq!(cla, cla_reviews(1, "CLA8000001", start, None, start + 365));
    }

    #[test]
    fn details_are_stable_and_valid() {
        assert_eq!(disabilities(1, "1000001", false), ["NONE"]);
        let d = disabilities(1, "1000001", true);
        assert!(!d.is_empty() && !d.contains(&"NONE"));
        assert_eq!(d, disabilities(1, "1000001", true));
        let f = assessment_factors(5, "3000001", false, false);
        assert!(!f.is_empty() && !f.contains(&"21"), "{f:?}");
        let m = missing(3, "CLA8000001", 0, 6000, None);
        assert!(m.windows(2).all(|w| w[0].end < w[1].start));
    }
}
