//! `csc synth`: a synthetic local authority, calibrated to the DfE published figures for a real
//! one, written as the exports the pipeline reads.
//!
//! No real child's record may ever be in this repository, so the demo, the tests and the
//! benchmarks run on children simulated here. The stages follow the data:
//! [`targets`] reads the DfE tables for the chosen LA and years (filling suppressed values),
//! [`simulate`] builds children's journeys event by event so that the published counts, shares
//! and stocks come out right, [`extract`] keeps what an SSD extract for the window would hold,
//! [`casework`] adds who holds each case, visits, reviews, health checks, missing episodes,
//! early help, adoption and disabilities,
//! [`write_ssd`] writes the CSVs (optionally with the faults real exports have, see [`faults`]),
//! [`write_cin`], [`write_903`] and [`write_annex_a`] write the DfE returns and the Ofsted
//! Annex A workbook from the same extract, and [`report`] measures the written records against
//! the targets.
//!
//! Everything is driven by one seeded ChaCha8 generator and ordered collections, so the same
//! seed gives byte-identical output.

pub mod all;
pub mod casework;
pub mod casework_rates;
pub mod court;
pub mod dates;
pub mod demo;
pub mod details;
pub mod extract;
pub mod faults;
pub mod records;
pub mod report;
pub mod returns;
pub mod simulate;
pub mod targets;
pub mod write_903;
pub mod write_903_xml;
pub mod write_annex_a;
pub mod write_cin;
pub mod write_ssd;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use csc_pipeline::normalise::cells::date32;
use csc_pipeline::{Error, Result};

/// Output formats `csc synth` can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// Standard Safeguarding Dataset extract CSVs (`DIR/ssd/`).
    Ssd,
    /// CIN census XML per collection year (`DIR/cin/cin_<YYYY>.xml`).
    Cin,
    /// SSDA903 CSVs per collection year (`DIR/ssda903/<YYYY>/`).
    Ssda903,
    /// SSDA903 returns as XML per collection year (`DIR/ssda903_xml/ssda903_<YYYY>.xml`).
    Ssda903Xml,
    /// Ofsted Annex A workbook as at `--annex-a-as-at` or `--to` (`DIR/annex_a/annex_a_<date>.xlsx`).
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
    /// DfE local-authority code (`852`), or `all` for every LA in the DfE tables.
    pub la: String,
    /// First day of the extract window.
    pub from: NaiveDate,
    /// Last day of the extract window.
    pub to: NaiveDate,
    /// Seed of the random generator: the same seed gives the same bytes.
    pub seed: u64,
    /// Output folder; the SSD extract goes to `<out>/ssd/` (`<out>/<la code>/ssd/` with `all`).
    pub out: PathBuf,
    /// Formats to write.
    pub formats: Vec<Format>,
    /// Faults injected into the SSD files, the CIN census XML, the SSDA903 CSVs and XML and the Annex A workbook.
    pub messiness: Messiness,
    /// As-at date of the Annex A workbook; the window's last day when `None`.
    pub annex_a_as_at: Option<NaiveDate>,
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

/// Generates the synthetic local authority (or, with `--la all`, every one in the DfE tables,
/// see [`all`]) and writes the requested formats.
pub fn generate(cfg: &SynthConfig) -> Result<SynthOutcome> {
    let started = Instant::now();
    check(cfg)?;
    let tables = targets::Tables::parse()?;
    if cfg.la.eq_ignore_ascii_case("all") {
        return all::generate(cfg, &tables, started);
    }
    let (first, last) = target_years(cfg);
    let targets = tables.targets(&cfg.la, first, last)?;
    generate_la(cfg, &targets, &cfg.out, started)
}

/// The financial years targets are needed for: the window's, the burn-in before it, and one more
/// at the start (the stock on the 31 March before the first simulated year).
fn target_years(cfg: &SynthConfig) -> (i32, i32) {
    let (from, to) = (date32(cfg.from), date32(cfg.to));
    (dates::fy_of(from) - BURN_IN_YEARS - 1, dates::fy_of(to))
}

/// Generates one LA, calibrated to `targets`, into `out`.
fn generate_la(cfg: &SynthConfig, targets: &targets::Targets, out: &Path, started: Instant) -> Result<SynthOutcome> {
    let window = dates::Window { from: date32(cfg.from), to: date32(cfg.to) };
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let world = simulate::simulate(targets, window, &mut rng);
    let mut ssd = extract::extract(&world, window, cfg.seed);
    casework::add(&mut ssd, window, cfg.seed, &targets.la_code);
    drop(world);
    let report = report::measure(&ssd, targets, window);
    let mut files: Vec<(String, u64)> = Vec::new();
    let mut faults = 0;
    let in_dir =
        |dir: &'static str, written: Vec<(String, u64)>| written.into_iter().map(move |(name, size)| (format!("{dir}/{name}"), size));
    if cfg.formats.contains(&Format::Ssd) {
        let written = write_ssd::write_with_previous(&ssd, out, cfg.messiness, cfg.to, &mut rng)?;
        faults = written.faults;
        files.extend(written.files);
    }
    let index = returns::Index::new(&ssd);
    let years = returns::collection_years(window);
    let source = returns::Source { ssd: &ssd, index: &index, seed: cfg.seed, la_code: &targets.la_code };
    if cfg.formats.contains(&Format::Cin) {
        // A generator of its own, so that the other formats' faults do not depend on this one.
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0xC1);
        let (written, injected) = write_cin::write(&source, &years, &out.join("cin"), cfg.messiness, &mut rng)?;
        faults += injected;
        files.extend(in_dir("cin", written));
    }
    if cfg.formats.contains(&Format::Ssda903) {
        // A generator of its own, so that the other formats' faults do not depend on this one.
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 903);
        let (written, injected) = write_903::write(&source, &years, &out.join("ssda903"), cfg.messiness, &mut rng)?;
        faults += injected;
        files.extend(in_dir("ssda903", written));
    }
    if cfg.formats.contains(&Format::Ssda903Xml) {
        // A generator of its own, so that the other formats' faults do not depend on this one.
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x903);
        let (written, injected) = write_903_xml::write(&source, &years, &out.join("ssda903_xml"), cfg.messiness, &mut rng)?;
        faults += injected;
        files.extend(in_dir("ssda903_xml", written));
    }
    if cfg.formats.contains(&Format::AnnexA) {
        let as_at = cfg.annex_a_as_at.unwrap_or(cfg.to);
        let (lists, facts) = write_annex_a::lists(&ssd, &targets.la_code, &targets.la_name, as_at)?;
        let (written, injected) = write_annex_a::write(&lists, &facts, as_at, &out.join("annex_a"), cfg.messiness, &mut rng)?;
        faults += injected.len();
        files.extend(in_dir("annex_a", written));
    }
    report::write_csv(&report, &out.join("calibration_report.csv"))?;
    files.push(("calibration_report.csv".into(), file_size(&out.join("calibration_report.csv"))));
    Ok(SynthOutcome { report, files, faults, children: ssd.persons.len(), elapsed: started.elapsed() })
}

fn check(cfg: &SynthConfig) -> Result<()> {
    if cfg.to < cfg.from {
        return Err(Error::Config(format!("--to {} is before --from {}", cfg.to, cfg.from)));
    }
    if let Some(as_at) = cfg.annex_a_as_at {
        if as_at < cfg.from || as_at > cfg.to {
            return Err(Error::Config(format!("--annex-a-as-at {as_at} is outside the window {} to {}", cfg.from, cfg.to)));
        }
    }
    // The bank-holiday calendar covers 2010–2030; the burn-in starts two years before --from.
    let (lo, hi) = csc_pipeline::calendar::COVERED_YEARS;
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
        writeln!(
            out,
            "Calibration: {} of {} checks within tolerance (--report for details)",
            outcome.report.checks.len() - failed,
            outcome.report.checks.len()
        )?;
        for s in &outcome.report.skipped {
            writeln!(out, "{s}")?;
        }
    }
    Ok(())
}
