//! The published rates the case-work records ([`super::casework`]) are calibrated to, for one LA
//! and year, from DfE tables copied into `reference/dfe/` (Open Government Licence):
//!
//! - `csww_indicators_2017_to_2025.csv` (children's social work workforce): case-holders'
//!   average caseload (`caseload_fte`), agency rate (`agency_rate_fte`);
//! - `la_cla_swcount.csv`: the share of children looked after on 31 March who had three or more
//!   social workers in the year;
//! - `la_cla_health_assessments.csv` (the OC2 health rows of `la_conviction_health_outcome_cla.csv`):
//!   the shares of children looked after 12 months or more with their annual health assessment
//!   and a dental check.
//!
//! A value the LA did not publish for the year (suppressed, not applicable, not yet published)
//! falls back to the LA's nearest earlier year, then its nearest later one, then England's.

const CSWW: &str = include_str!("../../../reference/dfe/csww_indicators_2017_to_2025.csv");
const SWCOUNT: &str = include_str!("../../../reference/dfe/la_cla_swcount.csv");
const HEALTH: &str = include_str!("../../../reference/dfe/la_cla_health_assessments.csv");

/// The rates for one LA and financial year.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    /// Average cases per case-holding social worker (FTE).
    pub caseload: f64,
    /// Share of social workers who are agency staff (0–1).
    pub agency: f64,
    /// Share of children looked after on 31 March with three or more social workers in the year.
    pub three_plus_workers: f64,
    /// Share of the OC2 cohort with their annual health assessment, by financial year.
    pub health: Vec<(i32, f64)>,
    /// Share of the OC2 cohort with a dental check, by financial year.
    pub dental: Vec<(i32, f64)>,
}

/// Rows of a DfE table as (year, LA code or "" for England, value) for rows `keep` accepts.
fn series(text: &str, value: &str, keep: impl Fn(&dyn Fn(&str) -> String) -> bool) -> Vec<(i32, String, f64)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map(|h| h.iter().map(|c| c.trim_start_matches('\u{feff}').to_string()).collect()).unwrap_or_default();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(year), Some(level), Some(la), Some(v)) = (col("time_period"), col("geographic_level"), col("old_la_code"), col(value)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in reader.records().flatten() {
        let get = |name: &str| col(name).and_then(|i| row.get(i)).unwrap_or("").to_string();
        if !keep(&get) {
            continue;
        }
        let code = match row.get(level) {
            Some("National") => String::new(),
            Some("Local authority") => row.get(la).unwrap_or("").to_string(),
            _ => continue,
        };
        let (Some(y), Some(x)) = (row.get(year).and_then(|y| y.get(..4)?.parse().ok()), row.get(v).and_then(|x| x.parse::<f64>().ok()))
        else {
            continue;
        };
        out.push((y, code, x));
    }
    out
}

/// The value for `la` in year `y`: that year, the nearest earlier, the nearest later, then
/// England's on the same terms.
fn pick(rows: &[(i32, String, f64)], la: &str, y: i32) -> Option<f64> {
    for code in [la, ""] {
        let mut own: Vec<(i32, f64)> = rows.iter().filter(|r| r.1 == code).map(|r| (r.0, r.2)).collect();
        own.sort_by_key(|r| r.0);
        if let Some(v) = own.iter().rev().find(|r| r.0 <= y).or_else(|| own.first()) {
            return Some(v.1);
        }
    }
    None
}

impl Rates {
    /// The rates for DfE LA code `la` (`852`) in the financial years `first..=last` (named by
    /// the year they end in).
    pub fn for_la(la: &str, first: i32, last: i32) -> Rates {
        let caseload = series(CSWW, "caseload_fte", |_| true);
        let agency = series(CSWW, "agency_rate_fte", |_| true);
        let workers = series(SWCOUNT, "percentage", |g| {
            g("cla_group") == "CLA on 31 March" && g("sw_stability") == "3 or more social workers during the year"
        });
        let health_row = |what: &'static str| move |g: &dyn Fn(&str) -> String| g("breakdown") == what;
        let health = series(HEALTH, "children_percent", health_row("Had their annual health assessment"));
        let dental = series(HEALTH, "children_percent", health_row("Had their teeth checked by a dentist"));
        let by_year = |rows: &[(i32, String, f64)], default: f64| {
            (first..=last).map(|y| (y, pick(rows, la, y).map_or(default, |v| v / 100.0))).collect()
        };
        Rates {
            caseload: pick(&caseload, la, last).unwrap_or(16.0).max(5.0),
            agency: pick(&agency, la, last).map_or(0.15, |v| v / 100.0),
            three_plus_workers: pick(&workers, la, last).map_or(0.25, |v| v / 100.0),
            health: by_year(&health, 0.88),
            dental: by_year(&dental, 0.80),
        }
    }

    /// The health-assessment and dental-check shares for financial year `y`.
    pub fn health_in(&self, y: i32) -> (f64, f64) {
        let find = |s: &[(i32, f64)]| s.iter().find(|r| r.0 == y).or_else(|| s.last()).map_or(0.85, |r| r.1);
        (find(&self.health), find(&self.dental))
    }

    /// Changes of worker per year of an open case (a Poisson rate) that give the published share
    /// of children looked after with three or more workers in a year (two or more changes).
    pub fn worker_changes_per_year(&self) -> f64 {
        let target = self.three_plus_workers.clamp(0.01, 0.9);
        let share = |l: f64| 1.0 - (-l).exp() * (1.0 + l);
        let (mut lo, mut hi) = (0.0, 10.0);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if share(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn southampton_rates_are_the_published_ones() {
        let r = Rates::for_la("852", 2023, 2025);
        assert_eq!(r.caseload, 14.3, "CSWW 2025 caseload_fte");
        assert!((r.agency - 0.08).abs() < 1e-9, "{}", r.agency);
        assert!((r.three_plus_workers - 0.15).abs() < 1e-9, "la_cla_swcount 2024: 15%");
        assert_eq!(r.health_in(2025), (0.88, 0.90));
        assert_eq!(r.health_in(2023), (0.90, 0.67));
        let l = r.worker_changes_per_year();
        assert!((1.0 - (-l).exp() * (1.0 + l) - 0.15).abs() < 1e-6, "{l}");
        // An unknown LA takes England's figures.
        let e = Rates::for_la("000", 2025, 2025);
        assert_eq!(e.caseload, 15.2);
    }
}
