//! Writes the SSD extract: one CSV per table in `DIR/ssd/`, named after the SSD table, streamed
//! through buffered writers, plus `_faults.csv` (the pipeline's extract skips `_`-prefixed files)
//! when faults were injected. With high messiness, whole tables are faulted too, some against
//! the night before: that extract is written clean beside it, in `DIR/ssd_previous/`, for a
//! first run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;

use super::faults::{Injector, RowFate};
use super::records::{Row, Ssd};
use super::Messiness;
use csc_pipeline::schema::ssd_tables;
use csc_pipeline::{Error, Result};

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

/// Folder, beside the extract's, of the night before's extract (high messiness only).
pub const PREVIOUS_DIR: &str = "ssd_previous";

/// Writes every table of the extract, as exported on `export`, into `dir`.
pub fn write(ssd: &Ssd, dir: &Path, messiness: Messiness, export: NaiveDate, rng: &mut ChaCha8Rng) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    // A previous run's manifest must not describe this run's files.
    let manifest = dir.join(FAULTS_FILE);
    if manifest.exists() {
        std::fs::remove_file(&manifest).map_err(|e| io_error(&manifest, e))?;
    }
    let mut injector = Injector::new(messiness, rng);
    injector.births(ssd.persons.iter().filter(|p| p.expected_dob.is_none()).filter_map(|p| Some((p.id.clone(), p.dob?))));
    let mut written = Written::default();
    table(dir, &ssd.persons, export, &mut injector, &mut written)?;
    table(dir, &ssd.contacts, export, &mut injector, &mut written)?;
    table(dir, &ssd.referrals, export, &mut injector, &mut written)?;
    table(dir, &ssd.assessments, export, &mut injector, &mut written)?;
    table(dir, &ssd.s47s, export, &mut injector, &mut written)?;
    table(dir, &ssd.icpcs, export, &mut injector, &mut written)?;
    table(dir, &ssd.cp_plans, export, &mut injector, &mut written)?;
    table(dir, &ssd.cin_plans, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_episodes, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_placements, export, &mut injector, &mut written)?;
    table(dir, &ssd.legal_statuses, export, &mut injector, &mut written)?;
    table(dir, &ssd.immigration, export, &mut injector, &mut written)?;
    table(dir, &ssd.care_leavers, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_reviews, export, &mut injector, &mut written)?;
    table(dir, &ssd.cp_visits, export, &mut injector, &mut written)?;
    table(dir, &ssd.cp_reviews, export, &mut injector, &mut written)?;
    table(dir, &ssd.missing, export, &mut injector, &mut written)?;
    table(dir, &ssd.cin_visits, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_visits, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_health, export, &mut injector, &mut written)?;
    table(dir, &ssd.permanence, export, &mut injector, &mut written)?;
    table(dir, &ssd.involvements, export, &mut injector, &mut written)?;
    table(dir, &ssd.professionals, export, &mut injector, &mut written)?;
    table(dir, &ssd.disabilities, export, &mut injector, &mut written)?;
    table(dir, &ssd.early_help, export, &mut injector, &mut written)?;
    table(dir, &ssd.assessment_factors, export, &mut injector, &mut written)?;
    table(dir, &ssd.pre_proceedings, export, &mut injector, &mut written)?;
    table(dir, &ssd.mothers, export, &mut injector, &mut written)?;
    table(dir, &ssd.cla_care_plans, export, &mut injector, &mut written)?;
    written.faults = injector.faults.len();
    if !injector.faults.is_empty() {
        let file = File::create(&manifest).map_err(|e| io_error(&manifest, e))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(["file", "row", "column", "kind", "expected_issue"]).map_err(|e| io_error(&manifest, e))?;
        for f in &injector.faults {
            let row = f.row.map(|r| r.to_string()).unwrap_or_default();
            out.write_record([f.file.as_str(), row.as_str(), f.column.as_str(), f.kind, f.expected_issue])
                .map_err(|e| io_error(&manifest, e))?;
        }
        out.flush().map_err(|e| io_error(&manifest, e))?;
        drop(out);
        written.files.push((FAULTS_FILE.to_string(), std::fs::metadata(&manifest).map(|m| m.len()).unwrap_or(0)));
    }
    Ok(written)
}

/// Writes the extract twice with high messiness: clean, as the night before's, into
/// `<out>/ssd_previous/`, then faulted into `<out>/ssd/`; otherwise only `<out>/ssd/`. Returns
/// the files (relative to `out`) and the faults of `<out>/ssd/`.
pub fn write_with_previous(ssd: &Ssd, out: &Path, messiness: Messiness, export: NaiveDate, rng: &mut ChaCha8Rng) -> Result<Written> {
    let in_dir = |dir: &'static str, w: Written| w.files.into_iter().map(move |(name, size)| (format!("{dir}/{name}"), size));
    let mut files = Vec::new();
    if messiness == Messiness::High {
        files.extend(in_dir(PREVIOUS_DIR, write(ssd, &out.join(PREVIOUS_DIR), Messiness::None, export, rng)?));
    }
    let written = write(ssd, &out.join("ssd"), messiness, export, rng)?;
    let faults = written.faults;
    files.extend(in_dir("ssd", written));
    Ok(Written { files, faults })
}

fn table<R: Row>(dir: &Path, rows: &[R], export: NaiveDate, injector: &mut Injector, written: &mut Written) -> Result<()> {
    let name = format!("{}.csv", R::TABLE);
    let path = dir.join(&name);
    let spec = ssd_tables().iter().find(|t| t.source == R::TABLE);
    let mut buffer = BufWriter::new(File::create(&path).map_err(|e| io_error(&path, e))?);
    if spec.is_some() && injector.bom(&name, R::COLUMNS[0]) {
        buffer.write_all("\u{feff}".as_bytes()).map_err(|e| io_error(&path, e))?;
    }
    let mut out = csv::Writer::from_writer(buffer);
    out.write_record(R::COLUMNS).map_err(|e| io_error(&path, e))?;
    let mut rows: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    injector.table(&name, R::TABLE, R::COLUMNS, &mut rows, export);
    let mut line = 2;
    for mut cells in rows {
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
