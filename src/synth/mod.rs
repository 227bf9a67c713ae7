//! `csc synth`: a synthetic local authority, calibrated to the DfE published figures for a real
//! one, written as the exports the pipeline reads.
//!
//! No real child's record may ever be in this repository, so the demo, the tests and the
//! benchmarks run on children simulated here. The stages follow the data:
//! [`targets`] reads the DfE tables for the chosen LA and years (filling suppressed values),
//! [`simulate`] builds children's journeys event by event so that the published counts, shares
//! and stocks come out right, [`extract`] keeps what an SSD extract for the window would hold,
//! [`write_ssd`] writes the CSVs (optionally with the faults real exports have, see [`faults`]),
//! and [`report`] measures the written records against the targets.
//!
//! Everything is driven by one seeded ChaCha8 generator and ordered collections, so the same
//! seed gives byte-identical output.

pub mod dates;
pub mod extract;
pub mod faults;
pub mod records;
pub mod report;
pub mod simulate;
pub mod targets;
pub mod write_ssd;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::normalise::cells::date32;
use crate::{Error, Result};

/// Output formats `csc synth` can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// Standard Safeguarding Dataset extract CSVs (`DIR/ssd/`).
    Ssd,
    /// CIN census XML per collection year (not implemented yet).
    Cin,
    /// SSDA903 CSVs per collection year (not implemented yet).
    Ssda903,
    /// Ofsted Annex A workbook (not implemented yet).
    AnnexA,
}

/// How many of the faults real exports have are injected into the written files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Messiness {
    /// Clean files.
    None,
    /// About one row in two hundred carries a fault.
    Low,
    /// About one row in twenty carries a fault.
    High,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// DfE local-authority code (`852`), or `all` (not implemented yet).
    pub la: String,
    /// First day of the extract window.
    pub from: NaiveDate,
    /// Last day of the extract window.
    pub to: NaiveDate,
    /// Seed of the random generator: the same seed gives the same bytes.
    pub seed: u64,
    /// Output folder; the SSD extract goes to `<out>/ssd/`.
    pub out: PathBuf,
    pub formats: Vec<Format>,
    pub messiness: Messiness,
}

/// What a generation produced.
#[derive(Debug)]
pub struct SynthOutcome {
    /// Target against generated figure for every calibrated measure and financial year.
    pub report: report::Report,
    /// Files written, relative to the output folder, with their sizes in bytes.
    pub files: Vec<(String, u64)>,
    /// Faults injected (none unless messiness was asked for).
    pub faults: usize,
    /// Children in the written extract.
    pub children: usize,
    /// Wall-clock time of the whole generation.
    pub elapsed: std::time::Duration,
}

/// Simulated financial years before the window, so that plans and episodes open on the first
/// 31 March of the window have a history.
pub const BURN_IN_YEARS: i32 = 2;

/// Generates the synthetic local authority and writes the requested formats.
pub fn generate(cfg: &SynthConfig) -> Result<SynthOutcome> {
    let started = Instant::now();
    check(cfg)?;
    let window = dates::Window { from: date32(cfg.from), to: date32(cfg.to) };
    let first_year = dates::fy_of(window.from) - BURN_IN_YEARS;
    let last_year = dates::fy_of(window.to);
    // One year more at the start: the stock on the 31 March before the first simulated year.
    let targets = targets::load(&cfg.la, first_year - 1, last_year)?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let world = simulate::simulate(&targets, window, &mut rng);
    let ssd = extract::extract(&world, window);
    let report = report::measure(&ssd, &targets, window);
    let ssd_dir = cfg.out.join("ssd");
    let written = write_ssd::write(&ssd, &ssd_dir, cfg.messiness, &mut rng)?;
    report::write_csv(&report, &cfg.out.join("calibration_report.csv"))?;
    let mut files: Vec<(String, u64)> = written.files.iter().map(|(name, size)| (format!("ssd/{name}"), *size)).collect();
    files.push(("calibration_report.csv".into(), file_size(&cfg.out.join("calibration_report.csv"))));
    Ok(SynthOutcome { report, files, faults: written.faults, children: ssd.persons.len(), elapsed: started.elapsed() })
}

fn check(cfg: &SynthConfig) -> Result<()> {
    if cfg.la.eq_ignore_ascii_case("all") {
        return Err(Error::Config("csc synth --la all is not implemented yet; give one DfE LA code, e.g. --la 852".into()));
    }
    if let Some(f) = cfg.formats.iter().find(|f| **f != Format::Ssd) {
        let name = match f {
            Format::Cin => "cin",
            Format::Ssda903 => "ssda903",
            Format::AnnexA => "annex-a",
            Format::Ssd => "ssd",
        };
        return Err(Error::Config(format!("csc synth --formats {name} is not implemented yet; only ssd is")));
    }
    if cfg.to < cfg.from {
        return Err(Error::Config(format!("--to {} is before --from {}", cfg.to, cfg.from)));
    }
    // The bank-holiday calendar covers 2010–2030; the burn-in starts two years before --from.
    let (lo, hi) = crate::calendar::COVERED_YEARS;
    let first = chrono::Datelike::year(&cfg.from) - BURN_IN_YEARS - 1;
    let last = chrono::Datelike::year(&cfg.to) + 1;
    if first < lo || last > hi {
        return Err(Error::Config(format!(
            "csc synth needs working days from {first} to {last}; the bank-holiday calendar covers {lo}–{hi}"
        )));
    }
    Ok(())
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Writes a short human summary of a generation: where the files went, their sizes, and the
/// calibration report when asked for (otherwise just its verdict).
pub fn print_summary(out: &mut impl std::io::Write, cfg: &SynthConfig, outcome: &SynthOutcome, with_report: bool) -> std::io::Result<()> {
    writeln!(
        out,
        "Synthetic {} ({}) {} to {}, seed {}: {} children, {} faults injected, {:.1} s",
        outcome.report.la_name,
        outcome.report.la_code,
        cfg.from,
        cfg.to,
        cfg.seed,
        outcome.children,
        outcome.faults,
        outcome.elapsed.as_secs_f64()
    )?;
    writeln!(out, "Output: {}", cfg.out.display())?;
    for (name, size) in &outcome.files {
        writeln!(out, "  {name:<40} {size:>12} bytes")?;
    }
    if with_report {
        writeln!(out)?;
        outcome.report.print(out)?;
    } else {
        let failed = outcome.report.failures().len();
        writeln!(out, "Calibration: {} of {} checks within tolerance (--report for details)", outcome.report.checks.len() - failed, outcome.report.checks.len())?;
    }
    Ok(())
}
