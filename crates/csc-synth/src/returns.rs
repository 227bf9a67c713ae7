//! What the DfE returns (CIN census XML, SSDA903 CSVs) share: the collection years of a window,
//! an index over the SSD extract so each return is built from exactly the records the SSD files
//! hold, a child's identifiers as at a collection's reference date, the code lists as they stood
//! in each collection year, and keyed random draws for the details the SSD does not carry.
//!
//! Code-list changes by year are from standards-annex-a-cin-903-ssd.md §2.4 and §3.3 (CIN XSD
//! diffs 2017–2026; SSDA903 schema diffs): referral source 5D and closure reason RC9 from
//! 2022/23, assessment factors 18B/18C/19B/19C from 2020/21 and 24A from 2021/22, `Sex` M/F/U
//! replacing `GenderCurrent` 1/2/0/9 from 2024/25 (SSDA903 SEX 1/2 → M/F/U the same year), and
//! SSDA903 placement K3 replacing H5 and P2 from 2024/25.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dates::{age, fy_end, fy_of, fy_start, Window};
use super::records::{Person, Ssd};

/// Collection years (named by the calendar year they end in) whose 31 March lies inside the
/// window: each gets its own CIN census file and SSDA903 folder.
pub fn collection_years(window: Window) -> Vec<i32> {
    (fy_of(window.from)..=fy_of(window.to)).filter(|&y| (window.from..=window.to).contains(&fy_end(y))).collect()
}

/// One collection year: 1 April to 31 March (Date32).
#[derive(Debug, Clone, Copy)]
pub struct Year {
    /// The calendar year the collection ends in (`2025` for 2024/25).
    pub year: i32,
    /// 1 April.
    pub start: i32,
    /// 31 March, the reference date.
    pub end: i32,
}

impl Year {
    /// Collection year `y`.
    pub fn new(y: i32) -> Self {
        Year { year: y, start: fy_start(y), end: fy_end(y) }
    }

    /// Whether something from `start` to `end` (open when `None`) falls at least partly in the
    /// year.
    pub fn touches(&self, start: Option<i32>, end: Option<i32>) -> bool {
        start.is_some_and(|s| s <= self.end) && end.is_none_or(|e| e >= self.start)
    }

    /// Whether `day` is in the year.
    pub fn contains(&self, day: Option<i32>) -> bool {
        day.is_some_and(|d| (self.start..=self.end).contains(&d))
    }

    /// `day` as known on the reference date: dates after it are not known yet.
    pub fn known(&self, day: Option<i32>) -> Option<i32> {
        day.filter(|&d| d <= self.end)
    }
}

/// Row numbers of the SSD tables by the identifier the returns look them up by.
#[derive(Debug, Default)]
pub struct Index<'a> {
    /// Referrals (CIN episodes) by person, in date order.
    pub referrals: HashMap<&'a str, Vec<usize>>,
    /// Assessments by referral id.
    pub assessments: HashMap<&'a str, Vec<usize>>,
    /// CIN plans by referral id.
    pub cin_plans: HashMap<&'a str, Vec<usize>>,
    /// S47 enquiries by referral id.
    pub s47s: HashMap<&'a str, Vec<usize>>,
    /// ICPCs by S47 enquiry id.
    pub icpcs: HashMap<&'a str, usize>,
    /// ICPCs by referral id.
    pub referral_icpcs: HashMap<&'a str, Vec<usize>>,
    /// CP plans by referral id.
    pub cp_plans: HashMap<&'a str, Vec<usize>>,
    /// CP plan start dates by person, sorted.
    pub plan_starts: HashMap<&'a str, Vec<i32>>,
    /// CLA episodes by person, in date order.
    pub cla_episodes: HashMap<&'a str, Vec<usize>>,
    /// Placements by placement id.
    pub placements: HashMap<&'a str, usize>,
    /// Legal status by person and period start.
    pub legal_status: HashMap<(&'a str, i32), &'static str>,
    /// Immigration (UASC) status rows by person.
    pub uasc: HashMap<&'a str, usize>,
    /// CLA reviews by period of care (`clar_cla_id`), in date order.
    pub cla_reviews: HashMap<&'a str, Vec<usize>>,
    /// Care leavers by financial year and person: the row in that year's care-leaver table.
    pub care_leavers: HashMap<(i32, &'a str), usize>,
}

fn group<'a>(keys: impl Iterator<Item = &'a str>) -> HashMap<&'a str, Vec<usize>> {
    let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keys.enumerate() {
        map.entry(k).or_default().push(i);
    }
    map
}

impl<'a> Index<'a> {
    /// Indexes an extract. The SSD tables are written in date order, so each group is too.
    pub fn new(ssd: &'a Ssd) -> Self {
        let mut plan_starts: HashMap<&str, Vec<i32>> = HashMap::new();
        for p in &ssd.cp_plans {
            if let Some(s) = p.start {
                plan_starts.entry(p.person.as_str()).or_default().push(s);
            }
        }
        for v in plan_starts.values_mut() {
            v.sort_unstable();
        }
        Index {
            referrals: group(ssd.referrals.iter().map(|r| r.person.as_str())),
            assessments: group(ssd.assessments.iter().map(|a| a.referral.as_str())),
            cin_plans: group(ssd.cin_plans.iter().map(|p| p.referral.as_str())),
            s47s: group(ssd.s47s.iter().map(|s| s.referral.as_str())),
            icpcs: ssd.icpcs.iter().enumerate().filter(|(_, c)| !c.s47.is_empty()).map(|(i, c)| (c.s47.as_str(), i)).collect(),
            referral_icpcs: group(ssd.icpcs.iter().map(|c| c.referral.as_str())),
            cp_plans: group(ssd.cp_plans.iter().map(|p| p.referral.as_str())),
            plan_starts,
            cla_episodes: group(ssd.cla_episodes.iter().map(|e| e.person.as_str())),
            placements: ssd.cla_placements.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect(),
            legal_status: ssd.legal_statuses.iter().filter_map(|l| Some(((l.person.as_str(), l.start?), l.status))).collect(),
            uasc: ssd.immigration.iter().enumerate().map(|(i, u)| (u.person.as_str(), i)).collect(),
            cla_reviews: group(ssd.cla_reviews.iter().map(|r| r.cla_id.as_str())),
            care_leavers: ssd
                .care_leaver_years
                .iter()
                .flat_map(|(&y, rows)| rows.iter().enumerate().map(move |(i, c)| ((y, c.person.as_str()), i)))
                .collect(),
        }
    }

    /// Rows of `map` under `key` (none when absent).
    pub fn rows<'m>(map: &'m HashMap<&'a str, Vec<usize>>, key: &str) -> &'m [usize] {
        map.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// CP plans of `person` that started before `start`.
    pub fn previous_plans(&self, person: &str, start: i32) -> usize {
        self.plan_starts.get(person).map_or(0, |v| v.partition_point(|&s| s < start))
    }
}

/// What a return is built from: the extract, its index, the run's seed (for [`keyed`] details)
/// and the LA's code.
pub struct Source<'a> {
    pub ssd: &'a Ssd,
    pub index: &'a Index<'a>,
    pub seed: u64,
    pub la_code: &'a str,
}

/// A child's unique pupil number, or the reason it is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upn<'a> {
    /// A UPN.
    Known(&'a str),
    /// A `UPNunknown` code (UN1 not of school age, UN2 arrived from abroad…).
    Unknown(&'static str),
}

/// A child as the return for reference date `at` sees them.
#[derive(Debug, Clone, Copy)]
pub struct ChildAt<'a> {
    /// Date of birth, when born by the reference date.
    pub dob: Option<i32>,
    /// Expected date of birth, when not yet born.
    pub expected_dob: Option<i32>,
    /// Sex as the SSD records it (M/F/U); U while unborn.
    pub sex: &'a str,
    /// DfE ethnicity code; NOBT while unborn.
    pub ethnicity: &'a str,
    /// UPN or its unknown reason.
    pub upn: Upn<'a>,
}

impl<'a> ChildAt<'a> {
    /// Person `p` on `at`: the unborn have an expected date of birth, sex U and ethnicity not
    /// obtained; under-fives and the unborn have no UPN (UN1).
    pub fn new(p: &'a Person, at: i32) -> Self {
        let born = p.dob.filter(|&d| d <= at);
        let upn = match born {
            None => Upn::Unknown("UN1"),
            Some(d) if age(d, at) < 5 => Upn::Unknown("UN1"),
            Some(_) if !p.common_child_id.is_empty() => Upn::Known(p.common_child_id.as_str()),
            Some(_) if p.upn_unknown == "UN2" => Upn::Unknown("UN2"),
            Some(_) => Upn::Unknown("UN1"),
        };
        ChildAt {
            dob: born,
            expected_dob: if born.is_some() { None } else { p.expected_dob.or(p.dob) },
            sex: if born.is_some() { p.sex } else { "U" },
            ethnicity: if born.is_some() { p.ethnicity } else { "NOBT" },
            upn,
        }
    }
}

/// Code lists as they stood in collection year `year`.
#[derive(Debug, Clone, Copy)]
pub struct Codes {
    /// Collection year.
    pub year: i32,
}

impl Codes {
    /// CIN referral source: 5D (LA early help) exists from 2022/23; before, such referrals came
    /// from another internal LA department (5B).
    pub fn referral_source(self, code: &'static str) -> &'static str {
        if code == "5D" && self.year < 2023 {
            "5B"
        } else {
            code
        }
    }

    /// CIN reason for closure: RC9 (closed after assessment, referred to early help) exists from
    /// 2022/23; before, it was RC8 (closed after assessment, no further action).
    pub fn closure_reason(self, code: &'static str) -> &'static str {
        if code == "RC9" && self.year < 2023 {
            "RC8"
        } else {
            code
        }
    }

    /// CIN assessment factor: physical and sexual abuse split by who abused (18B/18C, 19B/19C)
    /// from 2020/21; child criminal exploitation (24A) from 2021/22 (before: 20, other).
    pub fn factor(self, code: &'static str) -> &'static str {
        match code {
            "18B" | "18C" if self.year < 2021 => "18A",
            "19B" | "19C" if self.year < 2021 => "19A",
            "24A" if self.year < 2022 => "20",
            _ => code,
        }
    }

    /// Whether the CIN census has `Sex` (M/F/U, from 2024/25) rather than `GenderCurrent`.
    pub fn cin_has_sex(self) -> bool {
        self.year >= 2025
    }

    /// CIN `Sex` (M/F/U) or `GenderCurrent` (1 male, 2 female, 0 not recorded or unborn).
    pub fn cin_sex(self, sex: &str) -> &'static str {
        match (self.cin_has_sex(), sex) {
            (true, "M") => "M",
            (true, "F") => "F",
            (true, _) => "U",
            (false, "M") => "1",
            (false, "F") => "2",
            (false, _) => "0",
        }
    }

    /// SSDA903 SEX: 1/2 until 2023/24, M/F/U from 2024/25. Before 2024/25 there is no code for
    /// unknown, so a child recorded U is returned with `fallback` (M or F).
    pub fn ssda903_sex(self, sex: &str, fallback: &'static str) -> &'static str {
        let sex = if self.year < 2025 && !matches!(sex, "M" | "F") { fallback } else { sex };
        match (self.year >= 2025, sex) {
            (true, "M") => "M",
            (true, "F") => "F",
            (true, _) => "U",
            (false, "M") => "1",
            (false, _) => "2",
        }
    }

    /// SSDA903 placement type: from 2024/25 supported accommodation is K3 (H5 and P2 withdrawn);
    /// before, K3 did not exist and such placements were H5.
    pub fn placement(self, code: &'static str) -> &'static str {
        match code {
            "H5" | "P2" if self.year >= 2025 => "K3",
            "K3" if self.year < 2025 => "H5",
            _ => code,
        }
    }

    /// SSDA903 category of need: N1–N8 only (N9 and N0 are CIN-census codes).
    pub fn category_of_need(self, code: &'static str) -> &'static str {
        if matches!(code, "N1" | "N2" | "N3" | "N4" | "N5" | "N6" | "N7" | "N8") {
            code
        } else {
            "N8"
        }
    }
}

/// A date as the SSDA903 writes it, `dd/mm/yyyy`; empty when there is none.
pub fn ddmmyyyy(day: Option<i32>) -> String {
    day.map(|d| csc_pipeline::normalise::cells::from_date32(d).format("%d/%m/%Y").to_string()).unwrap_or_default()
}

/// A generator for the details of one record that the SSD extract does not carry (disabilities,
/// assessment factors, reviews, missing episodes…), keyed by the run's seed, what is drawn and
/// the record's id. Every return draws the same details for the same record, in any order and
/// on any thread.
pub fn keyed(seed: u64, what: &str, key: &str) -> ChaCha8Rng {
    // FNV-1a over the key, mixed with the seed (SplitMix64 finaliser).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in what.bytes().chain([0u8]).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use csc_pipeline::normalise::cells::date32;
    use rand::Rng;

    fn d(s: &str) -> i32 {
        date32(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn collection_years_are_the_31_marches_in_the_window() {
        assert_eq!(collection_years(Window { from: d("2019-04-01"), to: d("2025-03-31") }), vec![2020, 2021, 2022, 2023, 2024, 2025]);
        assert_eq!(collection_years(Window { from: d("2023-04-01"), to: d("2024-03-31") }), vec![2024]);
        assert_eq!(collection_years(Window { from: d("2023-04-01"), to: d("2024-03-30") }), Vec::<i32>::new());
    }

    #[test]
    fn codes_follow_the_collection_year() {
        let (y22, y23, y25) = (Codes { year: 2022 }, Codes { year: 2023 }, Codes { year: 2025 });
        assert_eq!(y22.referral_source("5D"), "5B");
        assert_eq!(y23.referral_source("5D"), "5D");
        assert_eq!(y22.closure_reason("RC9"), "RC8");
        assert_eq!(Codes { year: 2020 }.factor("18C"), "18A");
        assert_eq!(Codes { year: 2021 }.factor("24A"), "20");
        assert_eq!(y22.factor("24A"), "24A");
        assert_eq!((Codes { year: 2024 }.cin_sex("F"), y25.cin_sex("F")), ("2", "F"));
        assert_eq!((Codes { year: 2024 }.ssda903_sex("U", "M"), y25.ssda903_sex("U", "M")), ("1", "U"));
        assert_eq!((Codes { year: 2024 }.placement("K3"), y25.placement("H5"), y25.placement("P2")), ("H5", "K3", "K3"));
    }

    #[test]
    fn keyed_draws_depend_on_seed_and_key_only() {
        let a: u64 = keyed(1, "x", "42").random();
        assert_eq!(a, keyed(1, "x", "42").random::<u64>());
        assert_ne!(a, keyed(2, "x", "42").random::<u64>());
        assert_ne!(a, keyed(1, "x", "43").random::<u64>());
        assert_ne!(a, keyed(1, "y", "42").random::<u64>());
    }
}
