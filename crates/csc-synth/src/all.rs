//! `csc synth --la all`: every local authority in the DfE tables, each calibrated to its own
//! published figures and written to `<out>/<la code>/`, two (or as many as there are cores) at a
//! time from a shared work queue, largest first so the cores finish together. Each LA is
//! generated exactly as `--la <code>` would with the same seed, so its folder is byte-identical
//! to a single-LA run. An LA whose targets cannot be made (no published figure at all for a
//! calibrated measure, as for the Isles of Scilly) or whose generation fails is skipped and named
//! in the combined report (`<out>/calibration_report.csv`, with every LA's checks) instead of
//! stopping the run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use super::report::{self, Report, Skipped};
use super::targets::{Tables, Targets};
use super::{file_size, generate_la, target_years, SynthConfig, SynthOutcome};
use csc_pipeline::Result;

/// Generates every LA of `tables`.
pub fn generate(cfg: &SynthConfig, tables: &Tables, started: Instant) -> Result<SynthOutcome> {
    let (first, last) = target_years(cfg);
    let mut work: Vec<Targets> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    for (code, name) in tables.local_authorities() {
        match tables.targets(&code, first, last) {
            Ok(t) => work.push(t),
            Err(e) => skipped.push(Skipped { la_code: code, la_name: name, reason: e.to_string() }),
        }
    }
    let size = |t: &Targets| -t.years.values().map(|y| y.referrals.value + y.cin_at31.value).sum::<f64>();
    work.sort_by(|a, b| size(a).total_cmp(&size(b)).then_with(|| a.la_code.cmp(&b.la_code)));

    let threads = csc_pipeline::work_queue::cores(2);
    let results = csc_pipeline::work_queue::map_ordered(&work, threads, |t| {
        catch_unwind(AssertUnwindSafe(|| generate_la(cfg, t, &cfg.out.join(&t.la_code), Instant::now())))
    });
    let mut done: Vec<_> = results.into_iter().enumerate().collect();
    done.sort_by(|a, b| work[a.0].la_code.cmp(&work[b.0].la_code));

    let mut reports: Vec<Report> = Vec::new();
    let mut files: Vec<(String, u64)> = Vec::new();
    let (mut faults, mut children) = (0, 0);
    for (i, result) in done {
        let t = &work[i];
        match result {
            Ok(Ok(outcome)) => {
                files.push((format!("{}/", t.la_code), outcome.files.iter().map(|(_, size)| size).sum()));
                faults += outcome.faults;
                children += outcome.children;
                reports.push(outcome.report);
            }
            Ok(Err(e)) => return Err(e),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                skipped.push(Skipped {
                    la_code: t.la_code.clone(),
                    la_name: t.la_name.clone(),
                    reason: format!("generation failed: {why}"),
                });
            }
        }
    }
    skipped.sort_by(|a, b| a.la_code.cmp(&b.la_code));
    let report = Report::combine(reports, skipped);
    let path = cfg.out.join("calibration_report.csv");
    report::write_csv(&report, &path)?;
    files.push(("calibration_report.csv".into(), file_size(&path)));
    Ok(SynthOutcome { report, files, faults, children, elapsed: started.elapsed() })
}
