//! Calibration targets: one local authority's published DfE figures per financial year, read from
//! the tables in `reference/dfe/` (compiled into the binary).
//!
//! A year with no published value (suppressed `c`, not available `x`, not applicable `z`,
//! `low`, or outside the table's years) is filled from the neighbouring years — linearly between
//! the nearest published years on either side, or the nearest one when only one side has a
//! value — and the target says so. Suppressed D5 duration bands are shared out of what the
//! published total leaves, in the proportions the neighbouring years give those bands.

use std::collections::BTreeMap;

use csc_pipeline::{Error, Result};

const B1: &str = include_str!("../../../reference/dfe/b1_children_in_need_2013_to_2025.csv");
const C1: &str = include_str!("../../../reference/dfe/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv");
const C4: &str = include_str!("../../../reference/dfe/c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv");
const D3: &str = include_str!("../../../reference/dfe/d3_cpps_subsequent_plan_2013_to_2025.csv");
const D5: &str = include_str!("../../../reference/dfe/d5_cpps_at31march_by_duration_2013_to_2025.csv");
const CLA: &str = include_str!("../../../reference/dfe/cla_number_and_rate_per_10k_children.csv");
const STABILITY: &str = include_str!("../../../reference/dfe/la_cla_placement_stability.csv");
const LEAVERS: &str = include_str!("../../../reference/dfe/la_care_leavers_activity.csv");

/// Contacts are not published by DfE; council papers show about five contacts per referral.
pub const CONTACTS_PER_REFERRAL: f64 = 5.0;

/// Where a target value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The LA's published value for that year.
    Published,
    /// Interpolated between published values of earlier and later years.
    Interpolated,
    /// Carried from the nearest published year (none on one side).
    Extrapolated,
    /// Worked out from other targets (contacts = 5 × referrals; suppressed bands).
    Derived,
}

impl Source {
    /// Lower-case name used in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Published => "published",
            Source::Interpolated => "interpolated",
            Source::Extrapolated => "extrapolated",
            Source::Derived => "derived",
        }
    }
}

/// One target value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub value: f64,
    pub source: Source,
}

impl Target {
    /// The value rounded to a whole count.
    pub fn count(&self) -> usize {
        self.value.round().max(0.0) as usize
    }
}

/// One financial year's targets. Percentages are 0–100.
#[derive(Debug, Clone)]
pub struct YearTargets {
    pub contacts: Target,
    pub referrals: Target,
    pub rereferral_pct: Target,
    /// Referrals closed with no further action (C1), a share, not checked.
    pub nfa_pct: Target,
    pub s47: Target,
    pub icpc: Target,
    pub icpc_15wd_pct: Target,
    pub cin_at31: Target,
    pub cpp_at31: Target,
    /// CP plans open at 31 March by D5 duration band, as counts summing to `cpp_at31`.
    pub cpp_bands: [Target; 5],
    pub cpp_starts: Target,
    pub cpp_subsequent_pct: Target,
    pub cla_at31: Target,
    pub cla_starts: Target,
    /// Children looked after on 31 March with 3 or more placements during the year (%).
    pub cla_3plus_pct: Target,
    /// Care leavers aged 17–18, then 19–21, in education, employment or training (%).
    pub eet_pct: [Target; 2],
}

/// Targets for one LA, by financial year (named by the calendar year it ends in).
#[derive(Debug, Clone)]
pub struct Targets {
    pub la_code: String,
    pub la_name: String,
    pub years: BTreeMap<i32, YearTargets>,
}

impl Targets {
    /// Targets of year `y`. Every year from the first to the last loaded is present.
    pub fn year(&self, y: i32) -> &YearTargets {
        let first = self.years.keys().next().copied().unwrap_or(y);
        let last = self.years.keys().next_back().copied().unwrap_or(y);
        &self.years[&y.clamp(first, last)]
    }
}

/// Values of one column for one LA by year; `None` where the cell is not a number.
type Series = BTreeMap<i32, Option<f64>>;

/// A DfE table parsed once: header positions and every local authority's rows, by LA code.
struct Table {
    name: &'static str,
    header: Vec<String>,
    by_la: BTreeMap<String, Vec<csv::StringRecord>>,
}

impl Table {
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> =
            reader.headers().map_err(|e| reference_error(name, e.to_string()))?.iter().map(csc_pipeline::schema::header_key).collect();
        let level = col(name, &header, "geographic_level")?;
        let code = col(name, &header, "old_la_code")?;
        let mut by_la: BTreeMap<String, Vec<csv::StringRecord>> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| reference_error(name, e.to_string()))?;
            if record.get(level) == Some("Local authority") {
                if let Some(la) = record.get(code).map(str::trim).filter(|c| !c.is_empty()) {
                    by_la.entry(la.to_string()).or_default().push(record);
                }
            }
        }
        Ok(Table { name, header, by_la })
    }

    fn index(&self, column: &str) -> Result<usize> {
        col(self.name, &self.header, column)
    }

    fn rows(&self, la: &str) -> &[csv::StringRecord] {
        self.by_la.get(la).map(Vec::as_slice).unwrap_or(&[])
    }

    /// One column of LA `la` by year, for rows passing `filter` (column, value).
    fn series(&self, la: &str, column: &str, filter: Option<(&str, &str)>) -> Result<Series> {
        self.series_where(la, column, filter.as_slice())
    }

    /// One column of LA `la` by year, for rows passing every filter (column, value).
    fn series_where(&self, la: &str, column: &str, filters: &[(&str, &str)]) -> Result<Series> {
        let i_year = self.index("time_period")?;
        let i_value = self.index(column)?;
        let filters: Vec<(usize, &str)> = filters.iter().map(|(c, v)| Ok((self.index(c)?, *v))).collect::<Result<_>>()?;
        let mut out = Series::new();
        for r in self.rows(la) {
            if filters.iter().any(|&(i, v)| r.get(i).map(str::trim) != Some(v)) {
                continue;
            }
            let Some(year) = r.get(i_year).and_then(|y| y.trim().parse::<i32>().ok()) else {
                return Err(reference_error(self.name, format!("time_period {:?} is not a year", r.get(i_year))));
            };
            let value = r.get(i_value).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite());
            out.insert(year, value);
        }
        Ok(out)
    }

    /// LA `la`'s name in its latest row.
    fn la_name(&self, la: &str) -> Option<String> {
        let i = self.index("la_name").ok()?;
        let i_year = self.index("time_period").ok()?;
        self.rows(la)
            .iter()
            .max_by_key(|r| r.get(i_year).and_then(|y| y.trim().parse::<i32>().ok()))
            .and_then(|r| r.get(i))
            .map(|s| s.trim().to_string())
    }
}

fn col(table: &str, header: &[String], name: &str) -> Result<usize> {
    let key = csc_pipeline::schema::header_key(name);
    header.iter().position(|h| *h == key).ok_or_else(|| reference_error(table, format!("column {name} missing")))
}

fn reference_error(table: &str, message: String) -> Error {
    Error::Reference { name: format!("reference/dfe/{table}"), message }
}

/// Fills year `y` of a series: the published value, else interpolated or carried from the
/// nearest published years. `None` when the series has no published value at all.
fn fill(series: &Series, y: i32) -> Option<Target> {
    if let Some(Some(v)) = series.get(&y) {
        return Some(Target { value: *v, source: Source::Published });
    }
    let before = series.range(..y).rev().find_map(|(yr, v)| v.map(|v| (*yr, v)));
    let after = series.range(y + 1..).find_map(|(yr, v)| v.map(|v| (*yr, v)));
    match (before, after) {
        (Some((y0, v0)), Some((y1, v1))) => {
            let t = f64::from(y - y0) / f64::from(y1 - y0);
            Some(Target { value: v0 + t * (v1 - v0), source: Source::Interpolated })
        }
        (Some((_, v)), None) | (None, Some((_, v))) => Some(Target { value: v, source: Source::Extrapolated }),
        (None, None) => None,
    }
}

fn need(series: &Series, y: i32, table: &str, what: &str, la: &str) -> Result<Target> {
    fill(series, y).ok_or_else(|| reference_error(table, format!("no published {what} for LA {la} in any year")))
}

/// England's share of children looked after on 31 March with 3 or more placements in the year
/// (DfE placement stability, 2024-25: 8,500 of 81,770), for an LA that publishes none in any year.
const ENGLAND_3PLUS_PCT: f64 = 10.4;
/// England's care leavers in education, employment or training, aged 17–18 and 19–21 (DfE care
/// leavers' activity, 2024-25: 9,430 of 14,800 and 20,760 of 38,440), for an LA that publishes none
/// in any year.
const ENGLAND_EET_PCT: [f64; 2] = [63.7, 54.0];

/// A percentage by year: the count over the total where both are published (DfE rounds the
/// published percentage to a whole number), else the published percentage.
fn share_series(table: &Table, la: &str, count: &str, percent: &str, part: &[(&str, &str)], total: &[(&str, &str)]) -> Result<Series> {
    let parts = table.series_where(la, count, part)?;
    let totals = table.series_where(la, count, total)?;
    let percents = table.series_where(la, percent, part)?;
    let years: std::collections::BTreeSet<i32> = parts.keys().chain(percents.keys()).copied().collect();
    Ok(years
        .into_iter()
        .map(|y| {
            let exact = match (parts.get(&y).copied().flatten(), totals.get(&y).copied().flatten()) {
                (Some(n), Some(d)) if d > 0.0 => Some(100.0 * n / d),
                _ => None,
            };
            (y, exact.or(percents.get(&y).copied().flatten()))
        })
        .collect())
}

/// England's CP plans at 31 March by D5 band (%, 2024-25): the shares of suppressed bands for an
/// LA that publishes them in no year (an equal split would ask for more plans open two years or
/// more than the year before could have left open).
const ENGLAND_D5_PCT: [f64; 5] = [31.5, 25.5, 26.3, 14.4, 2.3];

const BAND_COLUMNS: [&str; 5] = [
    "3_months_or_less",
    "more_than_3_months_6_months",
    "more_than_6_months_less_than_1_year",
    "1_year_less_than_2_years",
    "2_years_or_more",
];

/// Loads the targets of LA `la` for financial years `first..=last`.
pub fn load(la: &str, first: i32, last: i32) -> Result<Targets> {
    Tables::parse()?.targets(la, first, last)
}

/// The DfE tables the targets come from, parsed once for every local authority.
pub struct Tables {
    b1: Table,
    c1: Table,
    c4: Table,
    d3: Table,
    d5: Table,
    cla: Table,
    stability: Table,
    leavers: Table,
}

impl Tables {
    /// Parses the tables compiled into the binary.
    pub fn parse() -> Result<Self> {
        Ok(Tables {
            b1: Table::parse("b1_children_in_need_2013_to_2025.csv", B1)?,
            c1: Table::parse("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", C1)?,
            c4: Table::parse("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", C4)?,
            d3: Table::parse("d3_cpps_subsequent_plan_2013_to_2025.csv", D3)?,
            d5: Table::parse("d5_cpps_at31march_by_duration_2013_to_2025.csv", D5)?,
            cla: Table::parse("cla_number_and_rate_per_10k_children.csv", CLA)?,
            stability: Table::parse("la_cla_placement_stability.csv", STABILITY)?,
            leavers: Table::parse("la_care_leavers_activity.csv", LEAVERS)?,
        })
    }

    /// Every local authority in any of the tables: (DfE code, name), by code.
    pub fn local_authorities(&self) -> Vec<(String, String)> {
        let tables = [&self.c1, &self.b1, &self.c4, &self.d3, &self.d5, &self.cla];
        let mut codes: BTreeMap<&str, String> = BTreeMap::new();
        for t in tables {
            for la in t.by_la.keys() {
                if !codes.contains_key(la.as_str()) {
                    let name = tables.iter().find_map(|t| t.la_name(la)).unwrap_or_default();
                    codes.insert(la.as_str(), name);
                }
            }
        }
        codes.into_iter().map(|(c, n)| (c.to_string(), n)).collect()
    }

    /// The targets of LA `la` for financial years `first..=last`.
    pub fn targets(&self, la: &str, first: i32, last: i32) -> Result<Targets> {
        let la = la.trim();
        let Tables { b1, c1, c4, d3, d5, cla, stability, leavers } = self;
        let Some(la_name) = c1.la_name(la) else {
            return Err(Error::Config(format!(
                "LA code {la} is not in the DfE tables (reference/dfe/); give a DfE three-digit code such as 852"
            )));
        };

        let referrals = c1.series(la, "referral_count", None)?;
        let rereferral = c1.series(la, "rereferral_percent", None)?;
        let nfa = c1.series(la, "no_further_action_percent", None)?;
        let s47 = c4.series(la, "Section47", None)?;
        let icpc = c4.series(la, "ICPC", None)?;
        let wd_0_10 = c4.series(la, "Duration_0-10_days", None)?;
        let wd_11_15 = c4.series(la, "Duration_11-15_days", None)?;
        // ICPC within 15 working days: (0–10 + 11–15) ÷ all ICPCs, per year where all three are published.
        let within_15: Series = icpc
            .iter()
            .map(|(y, total)| {
                let share = match (total, wd_0_10.get(y).copied().flatten(), wd_11_15.get(y).copied().flatten()) {
                    (Some(t), Some(a), Some(b)) if *t > 0.0 => Some(100.0 * (a + b) / t),
                    _ => None,
                };
                (*y, share)
            })
            .collect();
        let cin = b1.series(la, "At31_episodes", None)?;
        let cpp = d5.series(la, "CPP_At31", None)?;
        let bands: Vec<(Series, Series)> = BAND_COLUMNS
            .iter()
            .map(|c| Ok((d5.series(la, c, None)?, d5.series(la, &format!("{c}_percent"), None)?)))
            .collect::<Result<_>>()?;
        let cpp_starts = d3.series(la, "CPP_start", None)?;
        let subsequent = d3.series(la, "CPP_subsequent_percent", None)?;
        let cla_at31 = cla.series(la, "children_count", Some(("population_type", "Children looked after on 31 March each year")))?;
        let cla_starts = cla.series(la, "children_count", Some(("population_type", "Children starting to be looked after each year")))?;
        let three_plus = share_series(
            stability,
            la,
            "children_count",
            "children_percent",
            &[("cla_group", "CLA on 31 March"), ("placement_stability", "With 3 or more placements during the year")],
            &[("cla_group", "CLA on 31 March"), ("placement_stability", "Total children")],
        )?;
        let eet: Vec<Series> = ["17 to 18 years", "19 to 21 years"]
            .iter()
            .map(|band| {
                share_series(
                    leavers,
                    la,
                    "care_leaver_count",
                    "care_leaver_percent",
                    &[("care_leaver_age", band), ("breakdown", "Total in education, employment or training")],
                    &[("care_leaver_age", band), ("breakdown", "Total")],
                )
            })
            .collect::<Result<_>>()?;

        let mut years = BTreeMap::new();
        for y in first..=last {
            let g = |s: &Series, table: &str, what: &str| need(s, y, table, what, la);
            let referrals_t = g(&referrals, c1.name, "referrals")?;
            let cpp_t = g(&cpp, d5.name, "CP plans at 31 March")?;
            let cpp_bands = fill_bands(&bands, y, cpp_t)?;
            years.insert(
                y,
                YearTargets {
                    contacts: Target { value: CONTACTS_PER_REFERRAL * referrals_t.value, source: Source::Derived },
                    referrals: referrals_t,
                    rereferral_pct: g(&rereferral, c1.name, "re-referral %")?,
                    nfa_pct: fill(&nfa, y).unwrap_or(Target { value: 10.0, source: Source::Derived }),
                    s47: g(&s47, c4.name, "S47 enquiries")?,
                    icpc: g(&icpc, c4.name, "ICPCs")?,
                    icpc_15wd_pct: g(&within_15, c4.name, "ICPC duration bands")?,
                    cin_at31: g(&cin, b1.name, "CIN at 31 March")?,
                    cpp_at31: cpp_t,
                    cpp_bands,
                    cpp_starts: g(&cpp_starts, d3.name, "CP plan starts")?,
                    cpp_subsequent_pct: g(&subsequent, d3.name, "second or subsequent CP plans")?,
                    cla_at31: g(&cla_at31, cla.name, "CLA at 31 March")?,
                    cla_starts: g(&cla_starts, cla.name, "CLA starts")?,
                    cla_3plus_pct: fill(&three_plus, y).unwrap_or(Target { value: ENGLAND_3PLUS_PCT, source: Source::Derived }),
                    eet_pct: [
                        fill(&eet[0], y).unwrap_or(Target { value: ENGLAND_EET_PCT[0], source: Source::Derived }),
                        fill(&eet[1], y).unwrap_or(Target { value: ENGLAND_EET_PCT[1], source: Source::Derived }),
                    ],
                },
            );
        }
        Ok(Targets { la_code: la.to_string(), la_name, years })
    }
}

/// D5 band counts for year `y`, summing to the plan total. Published bands are kept; suppressed
/// ones share what the total leaves in the proportions of their interpolated percentages, or of
/// England's when the LA publishes a band's percentage in no year.
fn fill_bands(bands: &[(Series, Series)], y: i32, total: Target) -> Result<[Target; 5]> {
    let published: Vec<Option<f64>> = if total.source == Source::Published {
        bands.iter().map(|(counts, _)| counts.get(&y).copied().flatten()).collect()
    } else {
        vec![None; 5]
    };
    let known: f64 = published.iter().flatten().sum();
    let left = (total.value - known).max(0.0);
    let weights: Vec<f64> = bands
        .iter()
        .zip(&published)
        .zip(ENGLAND_D5_PCT)
        .map(|(((_, pct), p), england)| if p.is_some() { 0.0 } else { fill(pct, y).map(|t| t.value.max(0.0)).unwrap_or(england) })
        .collect();
    let weight_sum: f64 = weights.iter().sum();
    let mut out = [Target { value: 0.0, source: Source::Published }; 5];
    for i in 0..5 {
        out[i] = match published[i] {
            Some(v) => Target { value: v, source: Source::Published },
            None => {
                let share = if weight_sum > 0.0 { weights[i] / weight_sum } else { 0.2 };
                let source = if total.source == Source::Published { Source::Interpolated } else { total.source };
                Target { value: left * share, source }
            }
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn southampton_targets_match_the_published_tables() {
        let t = load("852", 2019, 2026).unwrap();
        assert_eq!(t.la_name, "Southampton");
        let y = t.year(2024);
        assert_eq!(y.referrals.value, 3094.0);
        assert_eq!(y.referrals.source, Source::Published);
        assert_eq!(y.rereferral_pct.value, 24.8);
        assert_eq!(y.s47.value, 1320.0);
        assert_eq!(y.icpc.value, 375.0);
        assert!((y.icpc_15wd_pct.value - 72.0).abs() < 0.05);
        assert_eq!(y.cin_at31.value, 2059.0);
        assert_eq!(y.cpp_at31.value, 276.0);
        assert_eq!(y.cpp_subsequent_pct.value, 29.3);
        assert_eq!(y.cla_at31.value, 489.0);
        assert_eq!(y.contacts.value, 5.0 * 3094.0);
        // 2019/20 ICPCs within 15 working days: (76 + 314) / 703 = 55.5 % (docs/definitions.md S11).
        assert!((t.year(2020).icpc_15wd_pct.value - 55.48).abs() < 0.01);
    }

    #[test]
    fn missing_years_are_interpolated_or_carried_and_say_so() {
        let t = load("852", 2019, 2026).unwrap();
        // CLA is published from 2021 only: 2020 carries 2021's 498.
        assert_eq!(t.year(2020).cla_at31, Target { value: 498.0, source: Source::Extrapolated });
        // 2026 is beyond every table.
        assert_eq!(t.year(2026).referrals.source, Source::Extrapolated);
        // 2021 D5: the 1–2 year and 2 years+ bands are suppressed; they share 310 - 279 = 31.
        let bands = t.year(2021).cpp_bands;
        assert_eq!(bands[0], Target { value: 111.0, source: Source::Published });
        assert_eq!(bands[3].source, Source::Interpolated);
        assert!((bands[3].value + bands[4].value - 31.0).abs() < 1e-9);
        assert!(bands[3].value > bands[4].value);
    }

    #[test]
    fn placement_stability_and_care_leavers_come_from_the_counts() {
        let t = load("852", 2019, 2025).unwrap();
        // 2023-24: 90 of the 489 looked after on 31 March had 3+ placements (published as 18 %).
        assert!((t.year(2024).cla_3plus_pct.value - 100.0 * 90.0 / 489.0).abs() < 1e-9);
        assert_eq!(t.year(2024).cla_3plus_pct.source, Source::Published);
        // 2024-25 care leavers in EET: 55 of 92 aged 17-18, 113 of 207 aged 19-21 (60 %, 55 %).
        let eet = t.year(2025).eet_pct;
        assert!((eet[0].value - 100.0 * 55.0 / 92.0).abs() < 1e-9);
        assert!((eet[1].value - 100.0 * 113.0 / 207.0).abs() < 1e-9);
        // Published from 2020-21 only: 2019-20 carries 2020-21's value and says so.
        assert_eq!(t.year(2020).cla_3plus_pct.source, Source::Extrapolated);
        assert_eq!(t.year(2020).eet_pct[1].source, Source::Extrapolated);
    }

    #[test]
    fn suppressed_bands_never_published_share_in_englands_proportions() {
        // LA 943 publishes D5 for 2024 and 2025 with both longest bands suppressed.
        let t = load("943", 2024, 2025).unwrap();
        let bands = t.year(2025).cpp_bands;
        assert!((bands[3].value + bands[4].value - (197.0 - 44.0 - 50.0 - 70.0)).abs() < 1e-9);
        assert!((bands[3].value / bands[4].value - 14.4 / 2.3).abs() < 1e-9);
    }

    #[test]
    fn an_unknown_la_is_a_clear_error() {
        let e = load("999", 2020, 2021).unwrap_err().to_string();
        assert!(e.contains("999"), "{e}");
    }

    #[test]
    fn fill_interpolates_linearly() {
        let s: Series = [(2020, Some(10.0)), (2021, None), (2022, Some(20.0))].into_iter().collect();
        assert_eq!(fill(&s, 2021), Some(Target { value: 15.0, source: Source::Interpolated }));
        assert_eq!(fill(&s, 2023), Some(Target { value: 20.0, source: Source::Extrapolated }));
        assert_eq!(fill(&Series::new(), 2023), None);
    }
}
