//! The Ofsted Annex A workbook of the simulated children as at a date (`DIR/annex_a/`).
//!
//! Nothing here knows Annex A: the extract is written as SSD CSVs in memory, read by the
//! pipeline's own normalise stage, and the pipeline's Annex A SQL (`sql/annex_a/`, with the
//! shared views) runs over those core tables in an in-memory session; the workbook is written
//! by the same writer as `csc annex-a`. So the workbook is exactly what a run of the pipeline
//! over the SSD extract would publish for that date.
//!
//! With messiness, the workbook carries the faults hand-kept and exported Annex A workbooks
//! have (standards-annex-a-cin-903-ssd.md §6): header variants, lettered values without their
//! letter, dates typed as text or left as Excel serial numbers, blank Child Unique IDs. Each is
//! listed in `DIR/annex_a/_faults.csv` by sheet, row (as Excel numbers it) and column.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type};
use datafusion::datasource::MemTable;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::records::{Row, Ssd};
use super::Messiness;
use csc_pipeline::model::annex_a::{run_lists, AnnexAList};
use csc_pipeline::model::{memory_session, ModelParams, VIEWS};
use csc_pipeline::normalise::cells::from_date32;
use csc_pipeline::report::annex_a_notes::ExtractFacts;
use csc_pipeline::report::annex_a_workbook::{sheet_columns, sheet_name, write_workbook_with, CellOverride, Overrides, WorkbookInfo};
use csc_pipeline::{Error, Result};

/// Name of the fault manifest in the Annex A folder.
pub const FAULTS_FILE: &str = "_faults.csv";

/// Excel's serial number of 1970-01-01 (Date32 day 0).
const EXCEL_EPOCH: f64 = 25_569.0;

/// The workbook's file name for an as-at date.
pub fn file_name(as_at: NaiveDate) -> String {
    format!("annex_a_{as_at}.xlsx")
}

/// One fault put in the workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub sheet: String,
    /// Row as Excel numbers it (the header is row 1).
    pub row: u32,
    /// The list's Ofsted header of the column.
    pub column: String,
    /// Column letter (`A` is the first).
    pub letter: String,
    pub kind: &'static str,
    /// Quality issue the pipeline records for the cell; empty when it reads the value correctly
    /// without comment.
    pub expected_issue: &'static str,
}

/// The lists as at `as_at`, computed by the pipeline's SQL over the extract, and what the Notes
/// sheet says about that extract.
pub fn lists(ssd: &Ssd, la_code: &str, la_name: &str, as_at: NaiveDate) -> Result<(Vec<AnnexAList>, ExtractFacts)> {
    let tables = csc_pipeline::schema::ssd_tables();
    let files = input_files(ssd, tables);
    let mut issues = Vec::new();
    let core = csc_pipeline::normalise::normalise(tables, &files, csc_pipeline::reference::CodeLists::builtin(), &mut issues)?;
    let facts = ExtractFacts {
        source: format!("synthetic SSD extract of {la_name} ({la_code}) written by csc synth"),
        table_rows: core.tables.iter().map(|t| (t.spec.source.clone(), t.batch.num_rows() as u64)).collect(),
    };
    let params = ModelParams {
        la_code: la_code.to_string(),
        la_name: la_name.to_string(),
        as_at,
        history_years: 1,
        settings: Default::default(),
        annex_a_worker_names: true,
        year_to_date: true,
    };
    // DataFusion needs a runtime; a thread of its own keeps this callable from inside another.
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Io { context: "starting the Annex A queries".into(), source: e })?;
            runtime.block_on(async {
                let ctx = memory_session(tables, &params)?;
                for table in &core.tables {
                    ctx.deregister_table(&table.spec.name)?;
                    ctx.register_table(
                        &table.spec.name,
                        Arc::new(MemTable::try_new(table.batch.schema(), vec![vec![table.batch.clone()]])?),
                    )?;
                }
                for (name, sql) in VIEWS {
                    let view = ctx.sql(sql).await.map_err(|source| Error::Sql { file: format!("sql/views/{name}.sql"), source })?;
                    ctx.register_table(*name, view.into_view())?;
                }
                run_lists(&ctx, &mut issues).await
            })
        })
        .join()
        .unwrap_or_else(|_| Err(Error::Config("the Annex A queries panicked".into())))
    })
    .map(|lists| (lists, facts))
}

/// The extract's tables as in-memory CSV files, recognised as the pipeline's extract stage
/// recognises them.
fn input_files(ssd: &Ssd, tables: &[csc_pipeline::schema::TableSpec]) -> Vec<csc_pipeline::extract::InputFile> {
    let mut files = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| {
        let kind = csc_pipeline::normalise::recognise(&bytes, tables);
        files.push(csc_pipeline::extract::InputFile::in_memory(format!("{name}.csv"), bytes.into(), kind));
    };
    add(super::records::Person::TABLE, csv_bytes(&ssd.persons));
    add(super::records::Contact::TABLE, csv_bytes(&ssd.contacts));
    add(super::records::Referral::TABLE, csv_bytes(&ssd.referrals));
    add(super::records::Assessment::TABLE, csv_bytes(&ssd.assessments));
    add(super::records::S47::TABLE, csv_bytes(&ssd.s47s));
    add(super::records::Icpc::TABLE, csv_bytes(&ssd.icpcs));
    add(super::records::CpPlan::TABLE, csv_bytes(&ssd.cp_plans));
    add(super::records::CinPlan::TABLE, csv_bytes(&ssd.cin_plans));
    add(super::records::ClaEpisode::TABLE, csv_bytes(&ssd.cla_episodes));
    add(super::records::ClaPlacement::TABLE, csv_bytes(&ssd.cla_placements));
    add(super::records::LegalStatus::TABLE, csv_bytes(&ssd.legal_statuses));
    add(super::records::Immigration::TABLE, csv_bytes(&ssd.immigration));
    add(super::records::CareLeaver::TABLE, csv_bytes(&ssd.care_leavers));
    add(super::records::ClaReview::TABLE, csv_bytes(&ssd.cla_reviews));
    add(super::records::CpVisit::TABLE, csv_bytes(&ssd.cp_visits));
    add(super::records::CpReview::TABLE, csv_bytes(&ssd.cp_reviews));
    add(super::records::Missing::TABLE, csv_bytes(&ssd.missing));
    add(super::records::CinVisit::TABLE, csv_bytes(&ssd.cin_visits));
    add(super::records::ClaVisit::TABLE, csv_bytes(&ssd.cla_visits));
    add(super::records::ClaHealth::TABLE, csv_bytes(&ssd.cla_health));
    add(super::records::Permanence::TABLE, csv_bytes(&ssd.permanence));
    add(super::records::Involvement::TABLE, csv_bytes(&ssd.involvements));
    add(super::records::Professional::TABLE, csv_bytes(&ssd.professionals));
    add(super::records::Disability::TABLE, csv_bytes(&ssd.disabilities));
    add(super::records::EarlyHelp::TABLE, csv_bytes(&ssd.early_help));
    add(super::records::ClaCarePlan::TABLE, csv_bytes(&ssd.cla_care_plans));
    files
}

fn csv_bytes<R: Row>(rows: &[R]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = out.write_record(R::COLUMNS);
    for row in rows {
        let _ = out.write_record(row.cells());
    }
    out.into_inner().unwrap_or_default()
}

/// Files written (relative to the folder) with their sizes, and the faults put in.
pub type Written = (Vec<(String, u64)>, Vec<Fault>);

/// Writes the workbook (and, when faults were put in, their manifest) into `dir`; returns the
/// files written (relative to `dir`) with their sizes, and the faults.
pub fn write(
    lists: &[AnnexAList],
    facts: &ExtractFacts,
    as_at: NaiveDate,
    dir: &Path,
    messiness: Messiness,
    rng: &mut ChaCha8Rng,
) -> Result<Written> {
    let io = |path: &Path, e: std::io::Error| Error::Io { context: format!("writing {}", path.display()), source: e };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let manifest = dir.join(FAULTS_FILE);
    if manifest.exists() {
        std::fs::remove_file(&manifest).map_err(|e| io(&manifest, e))?;
    }
    // Faults go in the workbook's own columns only (not `_allocation_source`).
    let shown = lists.iter().map(|l| Ok(AnnexAList { name: l.name, batch: sheet_columns(&l.batch)? })).collect::<Result<Vec<_>>>()?;
    let (overrides, faults) = faults(&shown, messiness, rng);
    let named: Vec<(&str, RecordBatch)> = lists.iter().map(|l| (l.name, l.batch.clone())).collect();
    let name = file_name(as_at);
    let path = dir.join(&name);
    write_workbook_with(&named, &path, &WorkbookInfo { as_at, facts: facts.clone() }, &overrides, Some(as_at))?;
    let mut files = vec![(name, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0))];
    if !faults.is_empty() {
        let csv_err = |e: csv::Error| Error::Io { context: format!("writing {}", manifest.display()), source: e.into() };
        let mut out = csv::Writer::from_writer(BufWriter::new(File::create(&manifest).map_err(|e| io(&manifest, e))?));
        out.write_record(["file", "sheet", "row", "column", "column_letter", "kind", "expected_issue"]).map_err(csv_err)?;
        for f in &faults {
            out.write_record([
                files[0].0.as_str(),
                f.sheet.as_str(),
                f.row.to_string().as_str(),
                f.column.as_str(),
                f.letter.as_str(),
                f.kind,
                f.expected_issue,
            ])
            .map_err(csv_err)?;
        }
        out.flush().map_err(|e| io(&manifest, e))?;
        drop(out);
        files.push((FAULTS_FILE.to_string(), std::fs::metadata(&manifest).map(|m| m.len()).unwrap_or(0)));
    }
    Ok((files, faults))
}

/// Excel's letters for column `c` (0 is `A`).
pub fn column_letter(c: usize) -> String {
    let mut n = c + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A lettered value (`a) Yes`) without its letter (`Yes`), if it is one.
fn without_letter(value: &str) -> Option<&str> {
    let b = value.as_bytes();
    (b.len() > 3 && b[0].is_ascii_lowercase() && b[1] == b')' && b[2] == b' ').then(|| value[3..].trim_start())
}

/// Decides the faults: at most one per data row (about one row in two hundred, or in twenty with
/// high messiness), and now and then a header written differently.
fn faults(lists: &[AnnexAList], messiness: Messiness, rng: &mut ChaCha8Rng) -> (Overrides, Vec<Fault>) {
    let rate: f64 = match messiness {
        Messiness::None => return (Overrides::new(), Vec::new()),
        Messiness::Low => 0.005,
        Messiness::High => 0.05,
    };
    let mut overrides = Overrides::new();
    let mut out = Vec::new();
    for (l, list) in lists.iter().enumerate() {
        let batch = &list.batch;
        let schema = batch.schema();
        let sheet = sheet_name(list.name);
        let mut push =
            |overrides: &mut Overrides, row: u32, c: usize, cell: CellOverride, kind: &'static str, expected_issue: &'static str| {
                overrides.insert((l, row, c as u16), cell);
                out.push(Fault {
                    sheet: sheet.clone(),
                    row,
                    column: schema.field(c).name().clone(),
                    letter: column_letter(c),
                    kind,
                    expected_issue,
                });
            };
        if batch.num_columns() > 1 && rng.random_bool((rate * 20.0).min(0.5)) {
            let c = rng.random_range(1..batch.num_columns());
            let header = schema.field(c).name();
            let variant = if rng.random_bool(0.5) { header.to_uppercase() } else { format!(" {}  ", header.replace(' ', "  ")) };
            push(&mut overrides, 1, c, CellOverride::Text(variant), "header_variant", "");
        }
        for r in 0..batch.num_rows() {
            if !rng.random_bool(rate) {
                continue;
            }
            let row = r as u32 + 2;
            // The cells of this row a fault can go in, by kind.
            let mut options: Vec<(usize, &'static str)> = Vec::new();
            if batch.column(0).is_valid(r) {
                options.push((0, "blank_child_id"));
            }
            for (c, column) in batch.columns().iter().enumerate().skip(1) {
                if column.is_null(r) {
                    continue;
                }
                match column.data_type() {
                    DataType::Date32 => {
                        options.push((c, "date_as_text"));
                        options.push((c, "date_as_serial"));
                    }
                    DataType::Utf8 if without_letter(column.as_string::<i32>().value(r)).is_some() => {
                        options.push((c, "lettered_value_variant"))
                    }
                    _ => {}
                }
            }
            let (c, kind) = options[rng.random_range(0..options.len())];
            let column = batch.column(c);
            match kind {
                "blank_child_id" => push(&mut overrides, row, c, CellOverride::Blank, kind, "missing_required"),
                "date_as_text" => {
                    let d = from_date32(column.as_primitive::<Date32Type>().value(r));
                    push(&mut overrides, row, c, CellOverride::Text(d.format("%d/%m/%Y").to_string()), kind, "");
                }
                "date_as_serial" => {
                    let serial = f64::from(column.as_primitive::<Date32Type>().value(r)) + EXCEL_EPOCH;
                    push(&mut overrides, row, c, CellOverride::Number(serial), kind, "");
                }
                _ => {
                    let bare = without_letter(column.as_string::<i32>().value(r)).unwrap_or_default().to_string();
                    push(&mut overrides, row, c, CellOverride::Text(bare), kind, "");
                }
            }
        }
    }
    (overrides, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn lettered_values_lose_their_letter() {
        assert_eq!(without_letter("a) Yes"), Some("Yes"));
        assert_eq!(without_letter("c) Unknown"), Some("Unknown"));
        assert_eq!(without_letter("Yes"), None);
        assert_eq!(without_letter("N1"), None);
    }
}
