//! Who the children are and the codes their records carry: plausible distributions for an English
//! unitary authority. They are not calibrated (DfE publishes no LA-level breakdown used here).

use std::sync::OnceLock;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Child;
use crate::dates::add_years;
use csc_pipeline::calendar::Calendar;

/// Picks one item by weight.
pub fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A day drawn uniformly from `lo..=hi` (`lo` when the range is empty).
pub fn day_between(rng: &mut ChaCha8Rng, lo: i32, hi: i32) -> i32 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

/// Whether an event with probability `p` happens.
pub fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

const ETHNICITY: &[(&str, f64)] = &[
    ("WBRI", 68.0),
    ("WOTH", 8.0),
    ("WIRI", 0.3),
    ("WROM", 0.4),
    ("MWBC", 2.0),
    ("MWBA", 1.2),
    ("MWAS", 2.0),
    ("MOTH", 3.0),
    ("AIND", 2.0),
    ("APKN", 1.5),
    ("ABAN", 1.5),
    ("AOTH", 2.0),
    ("BAFR", 2.5),
    ("BCRB", 0.5),
    ("BOTH", 0.6),
    ("CHNE", 0.4),
    ("OOTH", 2.0),
    ("REFU", 0.5),
    ("NOBT", 1.6),
];

const UASC_ETHNICITY: &[(&str, f64)] = &[("OOTH", 40.0), ("BAFR", 35.0), ("AOTH", 20.0), ("BOTH", 5.0)];
const UASC_NATIONALITY: &[(&str, f64)] =
    &[("Afghan", 30.0), ("Sudanese", 25.0), ("Eritrean", 20.0), ("Iranian", 15.0), ("Vietnamese", 10.0)];

const FORENAMES_F: &[&str] =
    &["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Grace", "Sophia", "Ella", "Poppy", "Zara", "Maya", "Ruby"];
const FORENAMES_M: &[&str] =
    &["Noah", "Oliver", "George", "Leo", "Arthur", "Harry", "Oscar", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Ali", "Adam", "Finley"];
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans",
    "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Clarke",
];

/// What kind of journey a new child is created for; it shapes their age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cohort {
    /// Referrals in general.
    Referral,
    /// Children who will be on a CP plan (younger; some unborn).
    Protection,
    /// Children entering care.
    Care,
    /// Unaccompanied asylum-seeking children entering care (mostly boys of 15–17).
    Uasc,
    /// Disabled children on short breaks.
    ShortBreaks,
    /// Children known only through a contact.
    Contact,
}

/// Ages in whole years (or "unborn") by cohort, as weights.
fn age_weights(cohort: Cohort) -> &'static [(i32, f64)] {
    match cohort {
        Cohort::Referral | Cohort::Contact => {
            &[(-1, 2.0), (0, 7.0), (2, 10.0), (4, 10.0), (6, 12.0), (8, 11.0), (10, 12.0), (12, 13.0), (14, 14.0), (16, 9.0)]
        }
        Cohort::Protection => &[(-1, 8.0), (0, 16.0), (2, 14.0), (4, 13.0), (6, 12.0), (8, 11.0), (10, 11.0), (12, 9.0), (14, 6.0)],
        Cohort::Care => &[(0, 20.0), (2, 8.0), (4, 7.0), (6, 8.0), (8, 8.0), (10, 12.0), (12, 15.0), (14, 15.0), (16, 7.0)],
        Cohort::Uasc => &[(14, 10.0), (15, 30.0), (16, 60.0)],
        Cohort::ShortBreaks => &[(4, 20.0), (6, 20.0), (8, 20.0), (10, 20.0), (12, 20.0)],
    }
}

/// A new child for a journey whose first event is on `day`; `max_age` caps the age then (the
/// journey must end before they turn 18).
pub fn new_child(rng: &mut ChaCha8Rng, cohort: Cohort, day: i32, max_age: i32) -> Child {
    let bucket = pick(rng, age_weights(cohort)).min(max_age);
    let uasc = cohort == Cohort::Uasc;
    let (dob, expected_dob) = if bucket < 0 {
        // Unborn at the first event: expected in the next one to five months, born near it.
        let expected = day + rng.random_range(20..150);
        (expected + rng.random_range(-14..=10), Some(expected))
    } else {
        // Ages are drawn in two-year buckets except where a cohort names single years.
        let width = if matches!(cohort, Cohort::Uasc) { 1 } else { 2 };
        let years = (bucket + rng.random_range(0..width)).min(max_age);
        let born = add_years(day, -years) - rng.random_range(0..365);
        (born.max(add_years(day, -(max_age + 1)) + 1), None)
    };
    let sex = if uasc {
        if chance(rng, 0.92) {
            "M"
        } else {
            "F"
        }
    } else {
        pick(rng, &[("M", 51.0), ("F", 48.6), ("U", 0.4)])
    };
    let forenames = if sex == "F" { FORENAMES_F } else { FORENAMES_M };
    Child {
        dob,
        expected_dob,
        sex,
        ethnicity: if uasc { pick(rng, UASC_ETHNICITY) } else { pick(rng, ETHNICITY) },
        nationality: if uasc { pick(rng, UASC_NATIONALITY) } else { "British" },
        uasc,
        disabled: cohort == Cohort::ShortBreaks || chance(rng, 0.06),
        forename: forenames[rng.random_range(0..forenames.len())],
        surname: SURNAMES[rng.random_range(0..SURNAMES.len())],
    }
}

/// Referral and contact sources (CIN census codes) with their shares.
pub const SOURCES: &[(&str, f64)] = &[
    ("6", 28.0),
    ("2A", 17.0),
    ("2B", 2.0),
    ("3A", 3.0),
    ("3B", 3.0),
    ("3C", 1.0),
    ("3D", 2.0),
    ("3E", 3.0),
    ("3F", 3.0),
    ("1A", 6.0),
    ("1B", 1.0),
    ("1C", 1.5),
    ("1D", 1.0),
    ("4", 2.5),
    ("5A", 5.0),
    ("5B", 3.0),
    ("5C", 3.0),
    ("5D", 4.0),
    ("7", 2.0),
    ("8", 5.0),
    ("9", 1.5),
    ("10", 1.5),
];

/// Label of a referral source code, read from `reference/codes/referral_source.csv`.
pub fn source_label(code: &str) -> &'static str {
    static LABELS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let labels = LABELS.get_or_init(|| {
        let text = include_str!("../../../../reference/codes/referral_source.csv");
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .flatten()
            .filter_map(|r| Some((r.get(0)?.trim().to_string(), r.get(1)?.trim().to_string())))
            .collect()
    });
    labels.iter().find(|(c, _)| c == code).map(|(_, l)| l.as_str()).unwrap_or("")
}

/// Primary need at assessment for children in need.
pub const NEEDS: &[(&str, f64)] =
    &[("N1", 58.0), ("N2", 5.0), ("N3", 3.0), ("N4", 9.0), ("N5", 16.0), ("N6", 2.0), ("N7", 0.5), ("N8", 4.0), ("N9", 2.5)];

/// Initial category of abuse of a CP plan.
pub const CATEGORIES: &[(&str, f64)] = &[("NEG", 50.0), ("EMO", 36.0), ("PHY", 7.0), ("SAB", 4.0), ("MUL", 3.0)];

/// Working days from the start of a single assessment to its authorisation: about 86 % within
/// 45 (England 2024-25, docs/definitions.md §4.2), median in the low thirties.
pub fn assessment_working_days(rng: &mut ChaCha8Rng) -> i64 {
    let band = pick(
        rng,
        &[
            ((0, 0), 2.0),
            ((1, 10), 12.0),
            ((11, 20), 17.0),
            ((21, 30), 16.0),
            ((31, 40), 20.0),
            ((41, 45), 19.0),
            ((46, 50), 6.0),
            ((51, 60), 5.0),
            ((61, 90), 3.0),
        ],
    );
    rng.random_range(band.0..=band.1)
}

/// The day `n` working days after `day`.
pub fn working_days_after(day: i32, n: i64) -> i32 {
    Calendar::england_and_wales().add_working_days(day, n)
}

/// Real postcode sectors (reference/postcodes) to place children in: the LA's own, and other
/// English LAs' 20 to 120 miles from its centre, with that distance.
#[derive(Debug, Clone, Default)]
pub struct Sectors {
    inside: Vec<String>,
    outside: Vec<(String, f64)>,
}

impl Sectors {
    /// The sectors for the LA with DfE or GSS code `la_code` (none when the lookup does not know
    /// it), worked out once per LA and process.
    pub fn of(la_code: &str) -> &'static Sectors {
        static CACHE: OnceLock<std::sync::Mutex<std::collections::HashMap<String, &'static Sectors>>> = OnceLock::new();
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.entry(la_code.to_string()).or_insert_with(|| Box::leak(Box::new(Sectors::build(la_code))))
    }

    fn build(la_code: &str) -> Sectors {
        let p = csc_pipeline::reference::postcodes::postcodes();
        let own = p.sectors_of(la_code);
        let Some(centre) = centre(own.iter().map(|(_, place)| *place)) else { return Sectors::default() };
        Sectors {
            inside: own.iter().map(|(s, _)| s.to_string()).collect(),
            outside: p.sectors_around(la_code, &centre, (20.0, 120.0)).into_iter().map(|(s, d)| (s.to_string(), d)).collect(),
        }
    }

    /// A placement postcode and its distance in miles from home: in one of the LA's own sectors
    /// (`far` false; 0.3 to 12 miles), or in another LA's sector 20 to 120 miles from the LA's
    /// centre. An LA the lookup does not know gets a postcode of the right shape in area `ZZ`,
    /// which is in no LA.
    /// A home postcode in the LA (area `ZZ`, in no LA, when the lookup does not know it).
    pub fn home(&self, rng: &mut ChaCha8Rng) -> String {
        self.placement(rng, false).0
    }

    pub fn placement(&self, rng: &mut ChaCha8Rng, far: bool) -> (String, f64) {
        let (sector, distance) = match (far, self.inside.is_empty(), self.outside.is_empty()) {
            (false, false, _) => (self.inside[rng.random_range(0..self.inside.len())].clone(), rng.random_range(0.3..12.0)),
            (true, _, false) => self.outside[rng.random_range(0..self.outside.len())].clone(),
            _ => (format!("ZZ{} {}", rng.random_range(14..20), rng.random_range(1..10)), rng.random_range(0.3..120.0)),
        };
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let unit = |rng: &mut ChaCha8Rng| letters[rng.random_range(0..letters.len())] as char;
        (format!("{sector}{}{}", unit(rng), unit(rng)), distance)
    }
}

/// The mean centroid of some places.
fn centre<'a>(
    places: impl Iterator<Item = &'a csc_pipeline::reference::postcodes::Place>,
) -> Option<csc_pipeline::reference::postcodes::Place> {
    let (mut e, mut n, mut k) = (0.0, 0.0, 0.0);
    for p in places {
        e += p.easting;
        n += p.northing;
        k += 1.0;
    }
    (k > 0.0).then(|| csc_pipeline::reference::postcodes::Place { easting: e / k, northing: n / k, upper_tier_la: String::new() })
}
