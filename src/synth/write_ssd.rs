//! Writes the SSD extract: one CSV per table in `DIR/ssd/`, named after the SSD table, streamed
//! through buffered writers, plus `_faults.csv` (the pipeline's extract skips `_`-prefixed files)
//! when faults were injected.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rand_chacha::ChaCha8Rng;

use super::faults::{Injector, RowFate};
use super::records::{Row, Ssd};
use super::Messiness;
use crate::schema::ssd_tables;
use crate::{Error, Result};

/// Name of the fault manifest in the SSD folder.
pub const FAULTS_FILE: &str = "_faults.csv";

/// What was written.
#[derive(Debug, Default)]
pub struct Written {
    /// File names (within the SSD folder) and sizes in bytes, in writing order.
    pub files: Vec<(String, u64)>,
    /// Faults injected.
    pub faults: usize,
}

fn io_error(path: &Path, e: impl Into<std::io::Error>) -> Error {
    Error::Io { context: format!("writing {}", path.display()), source: e.into() }
}

/// Writes every table of the extract into `dir`.
pub fn write(ssd: &Ssd, dir: &Path, messiness: Messiness, rng: &mut ChaCha8Rng) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    // A previous run's manifest must not describe this run's files.
    let manifest = dir.join(FAULTS_FILE);
    if manifest.exists() {
        std::fs::remove_file(&manifest).map_err(|e| io_error(&manifest, e))?;
    }
    let mut injector = Injector::new(messiness, rng);
    let mut written = Written::default();
    table(dir, &ssd.persons, &mut injector, &mut written)?;
    table(dir, &ssd.contacts, &mut injector, &mut written)?;
    table(dir, &ssd.referrals, &mut injector, &mut written)?;
    table(dir, &ssd.assessments, &mut injector, &mut written)?;
    table(dir, &ssd.s47s, &mut injector, &mut written)?;
    table(dir, &ssd.icpcs, &mut injector, &mut written)?;
    table(dir, &ssd.cp_plans, &mut injector, &mut written)?;
    table(dir, &ssd.cin_plans, &mut injector, &mut written)?;
    table(dir, &ssd.cla_episodes, &mut injector, &mut written)?;
    table(dir, &ssd.cla_placements, &mut injector, &mut written)?;
    table(dir, &ssd.legal_statuses, &mut injector, &mut written)?;
    table(dir, &ssd.immigration, &mut injector, &mut written)?;
    table(dir, &ssd.care_leavers, &mut injector, &mut written)?;
    table(dir, &ssd.cla_reviews, &mut injector, &mut written)?;
    table(dir, &ssd.cp_visits, &mut injector, &mut written)?;
    table(dir, &ssd.cp_reviews, &mut injector, &mut written)?;
    table(dir, &ssd.missing, &mut injector, &mut written)?;
    table(dir, &ssd.cin_visits, &mut injector, &mut written)?;
    table(dir, &ssd.cla_visits, &mut injector, &mut written)?;
    table(dir, &ssd.cla_health, &mut injector, &mut written)?;
    table(dir, &ssd.permanence, &mut injector, &mut written)?;
    table(dir, &ssd.involvements, &mut injector, &mut written)?;
    table(dir, &ssd.professionals, &mut injector, &mut written)?;
    table(dir, &ssd.disabilities, &mut injector, &mut written)?;
    table(dir, &ssd.early_help, &mut injector, &mut written)?;
    table(dir, &ssd.assessment_factors, &mut injector, &mut written)?;
    table(dir, &ssd.pre_proceedings, &mut injector, &mut written)?;
    table(dir, &ssd.mothers, &mut injector, &mut written)?;
    table(dir, &ssd.cla_care_plans, &mut injector, &mut written)?;
    written.faults = injector.faults.len();
    if !injector.faults.is_empty() {
        let file = File::create(&manifest).map_err(|e| io_error(&manifest, e))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(["file", "row", "column", "kind", "expected_issue"]).map_err(|e| io_error(&manifest, e))?;
        for f in &injector.faults {
            out.write_record([f.file.as_str(), f.row.to_string().as_str(), f.column.as_str(), f.kind, f.expected_issue])
                .map_err(|e| io_error(&manifest, e))?;
        }
        out.flush().map_err(|e| io_error(&manifest, e))?;
        drop(out);
        written.files.push((FAULTS_FILE.to_string(), std::fs::metadata(&manifest).map(|m| m.len()).unwrap_or(0)));
    }
    Ok(written)
}

fn table<R: Row>(dir: &Path, rows: &[R], injector: &mut Injector, written: &mut Written) -> Result<()> {
    let name = format!("{}.csv", R::TABLE);
    let path = dir.join(&name);
    let spec = ssd_tables().iter().find(|t| t.source == R::TABLE);
    let mut buffer = BufWriter::new(File::create(&path).map_err(|e| io_error(&path, e))?);
    if spec.is_some() && injector.bom(&name, R::COLUMNS[0]) {
        buffer.write_all("\u{feff}".as_bytes()).map_err(|e| io_error(&path, e))?;
    }
    let mut out = csv::Writer::from_writer(buffer);
    out.write_record(R::COLUMNS).map_err(|e| io_error(&path, e))?;
    let mut line = 2;
    for row in rows {
        let mut cells = row.cells();
        let fate = injector.row(&name, line, spec, R::COLUMNS, &mut cells);
        out.write_record(&cells).map_err(|e| io_error(&path, e))?;
        line += 1;
        if fate == RowFate::WriteTwice {
            out.write_record(&cells).map_err(|e| io_error(&path, e))?;
            line += 1;
        }
    }
    out.flush().map_err(|e| io_error(&path, e))?;
    drop(out);
    written.files.push((name, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)));
    Ok(())
}
