//! The calibration report: every calibrated measure for every financial year wholly inside the
//! window, measured on the written records (not on what the simulator meant to do), against its
//! target, with the tolerance check: ±5 % for counts, ±2 percentage points for percentages.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::dates::age;
use super::dates::{cp_band, fy_end, fy_label, fy_start, within_12_months, Window, CP_BANDS};
use super::records::{Ssd, SHORT_BREAK_STATUSES};
use super::simulate::leavers;
use super::targets::{Source, Target, Targets};
use csc_pipeline::calendar::{Calendar, Counting};
use csc_pipeline::{Error, Result};

/// Tolerance on counts, as a fraction of the target.
pub const COUNT_TOLERANCE: f64 = 0.05;
/// Tolerance on percentages, in percentage points.
pub const PERCENT_TOLERANCE: f64 = 2.0;

/// Whether a measure is a count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percent,
}

/// One measure in one year.
#[derive(Debug, Clone)]
pub struct Check {
    /// DfE code of the LA checked.
    pub la_code: String,
    pub measure: String,
    /// Financial year, by the calendar year it ends in.
    pub year: i32,
    pub unit: Unit,
    pub target: f64,
    pub source: Source,
    pub generated: f64,
    /// Cases the generated percentage is a share of (percentages only).
    pub denominator: usize,
}

impl Check {
    /// The allowed difference from the target.
    pub fn tolerance(&self) -> f64 {
        match self.unit {
            Unit::Count => (COUNT_TOLERANCE * self.target).max(1.0),
            // With few cases no whole number may lie within 2 points of the target; the nearest
            // one is then within half a case.
            Unit::Percent => PERCENT_TOLERANCE.max(50.0 / self.denominator.max(1) as f64),
        }
    }

    /// Whether the generated value is within tolerance of the target.
    pub fn passes(&self) -> bool {
        (self.generated - self.target).abs() <= self.tolerance() + 1e-9
    }
}

/// A local authority `--la all` could not generate, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub la_code: String,
    pub la_name: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: skipped, not generated: {}", self.la_code, self.la_name, self.reason)
    }
}

/// Every check of a generation (of one LA, or of all of them with `--la all`).
#[derive(Debug, Clone)]
pub struct Report {
    /// The LA's DfE code, or `all`.
    pub la_code: String,
    pub la_name: String,
    pub checks: Vec<Check>,
    /// LAs not generated (`--la all` only).
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// One report for many LAs: every check of each, and the LAs skipped.
    pub fn combine(reports: Vec<Report>, skipped: Vec<Skipped>) -> Report {
        let la_name = format!("England: {} local authorities ({} skipped)", reports.len(), skipped.len());
        let checks = reports.into_iter().flat_map(|r| r.checks).collect();
        Report { la_code: "all".into(), la_name, checks, skipped }
    }

    /// Writes a combined report for people: one line per LA, the checks outside tolerance in
    /// full, and the LAs skipped with the reason.
    fn print_combined(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out, "Calibration of synthetic {} against DfE published figures", self.la_name)?;
        let mut by_la: BTreeMap<&str, (usize, Vec<&Check>)> = BTreeMap::new();
        for c in &self.checks {
            let entry = by_la.entry(c.la_code.as_str()).or_default();
            entry.0 += 1;
            if !c.passes() {
                entry.1.push(c);
            }
        }
        for (la, (n, failed)) in &by_la {
            writeln!(out, "{la}: {n} checks, {} outside tolerance", failed.len())?;
            for c in failed {
                writeln!(out, "  FAIL {} {}: target {:.1}, generated {:.1}", c.measure, fy_label(c.year), c.target, c.generated)?;
            }
        }
        for s in &self.skipped {
            writeln!(out, "{s}")?;
        }
        let failed = self.failures().len();
        writeln!(
            out,
            "{} checks, {} within tolerance, {} outside; {} LAs skipped",
            self.checks.len(),
            self.checks.len() - failed,
            failed,
            self.skipped.len()
        )
    }

    /// Checks outside tolerance.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passes()).collect()
    }

    /// Writes the report as a table for people.
    pub fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.la_code == "all" {
            return self.print_combined(out);
        }
        writeln!(out, "Calibration of synthetic {} ({}) against DfE published figures", self.la_name, self.la_code)?;
        writeln!(out, "tolerance: counts ±{:.0} %, percentages ±{PERCENT_TOLERANCE:.0} points; target source: published, interpolated/extrapolated (no published value that year), derived", COUNT_TOLERANCE * 100.0)?;
        writeln!(out, "{:<62} {:>7} {:>9} {:>9} {:>8}  {:<12} check", "measure", "year", "target", "generated", "diff", "source")?;
        for c in &self.checks {
            let (t, g, d) = match c.unit {
                Unit::Count => (format!("{:.0}", c.target), format!("{:.0}", c.generated), format!("{:+.1}%", pct_diff(c))),
                Unit::Percent => (format!("{:.1}%", c.target), format!("{:.1}%", c.generated), format!("{:+.1}pt", c.generated - c.target)),
            };
            writeln!(
                out,
                "{:<62} {:>7} {:>9} {:>9} {:>8}  {:<12} {}",
                c.measure,
                fy_label(c.year),
                t,
                g,
                d,
                c.source.as_str(),
                if c.passes() { "ok" } else { "FAIL" }
            )?;
        }
        let failed = self.failures().len();
        writeln!(out, "{} checks, {} within tolerance, {} outside", self.checks.len(), self.checks.len() - failed, failed)
    }
}

fn pct_diff(c: &Check) -> f64 {
    if c.target == 0.0 {
        0.0
    } else {
        100.0 * (c.generated - c.target) / c.target
    }
}

/// Writes the report as CSV (with `--la all`, every LA's checks and a row for each LA skipped).
pub fn write_csv(report: &Report, path: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Io { context: format!("writing {}", path.display()), source: e };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let csv_err = |e: csv::Error| Error::Io { context: format!("writing {}", path.display()), source: e.into() };
    out.write_record([
        "la_code",
        "measure",
        "financial_year",
        "unit",
        "target",
        "target_source",
        "generated",
        "difference",
        "tolerance",
        "within_tolerance",
    ])
    .map_err(csv_err)?;
    for c in &report.checks {
        out.write_record([
            c.la_code.as_str(),
            c.measure.as_str(),
            fy_label(c.year).as_str(),
            match c.unit {
                Unit::Count => "count",
                Unit::Percent => "percent",
            },
            format!("{:.2}", c.target).as_str(),
            c.source.as_str(),
            format!("{:.2}", c.generated).as_str(),
            format!("{:.2}", c.generated - c.target).as_str(),
            format!("{:.2}", c.tolerance()).as_str(),
            if c.passes() { "true" } else { "false" },
        ])
        .map_err(csv_err)?;
    }
    // An LA not generated has one row saying why, with no check.
    for s in &report.skipped {
        let measure = format!("not generated: {}", s.reason);
        out.write_record([s.la_code.as_str(), measure.as_str(), "", "", "", "", "", "", "", ""]).map_err(csv_err)?;
    }
    out.flush().map_err(io)
}

fn in_year(d: Option<i32>, y: i32) -> bool {
    d.is_some_and(|d| d >= fy_start(y) && d <= fy_end(y))
}

fn open_on(start: Option<i32>, end: Option<i32>, day: i32) -> bool {
    start.is_some_and(|s| s <= day) && end.is_none_or(|e| e > day)
}

/// A percentage and its denominator.
fn share(num: usize, den: usize) -> (f64, usize) {
    (if den == 0 { 0.0 } else { 100.0 * num as f64 / den as f64 }, den)
}

/// A count (no denominator).
fn count(n: usize) -> (f64, usize) {
    (n as f64, 0)
}

/// Measures the extract against the targets, for every financial year wholly in the window.
pub fn measure(ssd: &Ssd, targets: &Targets, window: Window) -> Report {
    let cal = Calendar::england_and_wales();
    // Referral dates and plan starts by child, sorted.
    let mut referrals_by_child: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for r in &ssd.referrals {
        if let Some(d) = r.date {
            referrals_by_child.entry(r.person.as_str()).or_default().push(d);
        }
    }
    let mut plans_by_child: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for p in &ssd.cp_plans {
        if let Some(d) = p.start {
            plans_by_child.entry(p.person.as_str()).or_default().push(d);
        }
    }
    for v in referrals_by_child.values_mut().chain(plans_by_child.values_mut()) {
        v.sort_unstable();
    }
    let s47_start: BTreeMap<&str, i32> = ssd.s47s.iter().filter_map(|s| Some((s.id.as_str(), s.start?))).collect();
    let mut short_breaks: BTreeMap<&str, Vec<(i32, Option<i32>)>> = BTreeMap::new();
    for l in ssd.legal_statuses.iter().filter(|l| SHORT_BREAK_STATUSES.contains(&l.status)) {
        if let Some(s) = l.start {
            short_breaks.entry(l.person.as_str()).or_default().push((s, l.end));
        }
    }
    let mut placements_by_child: BTreeMap<&str, Vec<(i32, Option<i32>)>> = BTreeMap::new();
    for p in &ssd.cla_placements {
        if let Some(s) = p.start {
            placements_by_child.entry(p.person.as_str()).or_default().push((s, p.end));
        }
    }
    let dob: BTreeMap<&str, i32> = ssd.persons.iter().filter_map(|p| Some((p.id.as_str(), p.dob?))).collect();
    let on_short_break =
        |person: &str, day: i32| short_breaks.get(person).is_some_and(|v| v.iter().any(|&(s, e)| s <= day && e.is_none_or(|e| e >= day)));

    let mut checks = Vec::new();
    for y in window.whole_years() {
        let t = targets.year(y);
        let d = fy_end(y);
        let mut push = |measure: &str, unit: Unit, target: Target, generated: (f64, usize)| {
            checks.push(Check {
                la_code: targets.la_code.clone(),
                measure: measure.to_string(),
                year: y,
                unit,
                target: target.value,
                source: target.source,
                generated: generated.0,
                denominator: generated.1,
            });
        };
        push("contacts", Unit::Count, t.contacts, count(ssd.contacts.iter().filter(|c| in_year(c.date, y)).count()));
        let referrals: Vec<(&str, i32)> =
            ssd.referrals.iter().filter(|r| in_year(r.date, y)).filter_map(|r| Some((r.person.as_str(), r.date?))).collect();
        push("referrals", Unit::Count, t.referrals, count(referrals.len()));
        let rereferrals = referrals
            .iter()
            .filter(|(p, day)| {
                let dates = &referrals_by_child[p];
                let before = dates.partition_point(|x| x < day);
                before > 0 && within_12_months(dates[before - 1], *day)
            })
            .count();
        push("re-referrals within 12 months %", Unit::Percent, t.rereferral_pct, share(rereferrals, referrals.len()));
        push("S47 enquiries", Unit::Count, t.s47, count(ssd.s47s.iter().filter(|s| in_year(s.start, y)).count()));
        let icpcs: Vec<_> = ssd.icpcs.iter().filter(|c| in_year(c.date, y)).collect();
        push("ICPCs", Unit::Count, t.icpc, count(icpcs.len()));
        let within = icpcs
            .iter()
            .filter(|c| {
                let (Some(s), Some(date)) = (s47_start.get(c.s47.as_str()), c.date) else { return false };
                (0..=15).contains(&cal.working_days(*s, date, Counting::Elapsed))
            })
            .count();
        push("ICPCs within 15 working days of S47 start %", Unit::Percent, t.icpc_15wd_pct, share(within, icpcs.len()));
        push(
            "CIN episodes open at 31 March",
            Unit::Count,
            t.cin_at31,
            count(ssd.referrals.iter().filter(|r| open_on(r.date, r.close_date, d)).count()),
        );
        let open_plans: Vec<i32> = ssd.cp_plans.iter().filter(|p| open_on(p.start, p.end, d)).filter_map(|p| p.start).collect();
        push("CP plans at 31 March", Unit::Count, t.cpp_at31, count(open_plans.len()));
        for (k, band) in CP_BANDS.iter().enumerate() {
            let n = open_plans.iter().filter(|&&s| cp_band(s, d) == k).count();
            let target = Target { value: 100.0 * t.cpp_bands[k].value / t.cpp_at31.value.max(1.0), source: t.cpp_bands[k].source };
            push(&format!("CP plans at 31 March: {band} %"), Unit::Percent, target, share(n, open_plans.len()));
        }
        let starts: Vec<_> = ssd.cp_plans.iter().filter(|p| in_year(p.start, y)).collect();
        push("CP plans started", Unit::Count, t.cpp_starts, count(starts.len()));
        let subsequent =
            starts.iter().filter(|p| p.start.is_some_and(|s| plans_by_child[p.person.as_str()].first().is_some_and(|&f| f < s))).count();
        push("CP plans that are a second or subsequent plan %", Unit::Percent, t.cpp_subsequent_pct, share(subsequent, starts.len()));
        let mut in_care: Vec<&str> = ssd
            .cla_episodes
            .iter()
            .filter(|e| open_on(e.start, e.end, d) && !on_short_break(&e.person, d))
            .map(|e| e.person.as_str())
            .collect();
        in_care.sort_unstable();
        in_care.dedup();
        push("children looked after at 31 March", Unit::Count, t.cla_at31, count(in_care.len()));
        let mut starting: Vec<&str> = ssd
            .cla_episodes
            .iter()
            .filter(|e| e.start_reason == "S" && in_year(e.start, y) && e.start.is_some_and(|s| !on_short_break(&e.person, s)))
            .map(|e| e.person.as_str())
            .collect();
        starting.sort_unstable();
        starting.dedup();
        push("children starting to be looked after", Unit::Count, t.cla_starts, count(starting.len()));
        // Of the children looked after on 31 March, those with 3 or more placements overlapping
        // the year (as sql/measures/cla_placement_count_bands.sql counts them).
        let three_plus = in_care
            .iter()
            .filter(|p| {
                placements_by_child
                    .get(*p)
                    .is_some_and(|v| v.iter().filter(|&&(s, e)| s <= d && e.is_none_or(|e| e >= fy_start(y))).count() >= 3)
            })
            .count();
        push(
            "children looked after at 31 March with 3 or more placements in the year %",
            Unit::Percent,
            t.cla_3plus_pct,
            share(three_plus, in_care.len()),
        );
        // Care leavers in education, employment or training, from the care-leaver table as it
        // stood on 31 March (as sql/measures/care_leavers_outcomes_pct.sql at that as-at date).
        let table = ssd.care_leaver_years.get(&y).map(Vec::as_slice).unwrap_or(&[]);
        for (b, label) in ["aged 17-18", "aged 19-21"].iter().enumerate() {
            let cohort: Vec<_> = table
                .iter()
                .filter(|c| {
                    leavers::counted(c.in_touch) && dob.get(c.person.as_str()).is_some_and(|&born| leavers::band(age(born, d)) == Some(b))
                })
                .collect();
            let eet = cohort.iter().filter(|c| leavers::EET_CODES.contains(&c.activity)).count();
            push(
                &format!("care leavers {label} in education, employment or training %"),
                Unit::Percent,
                t.eet_pct[b],
                share(eet, cohort.len()),
            );
        }
    }
    Report { la_code: targets.la_code.clone(), la_name: targets.la_name.clone(), checks, skipped: Vec::new() }
}
