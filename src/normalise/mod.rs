//! Normalise: turns the extracted files into typed Arrow record batches, one per core table.
//!
//! Each file is read by the reader for its format (SSD CSV today; each format is a module here)
//! into a [`Sink`] of per-table builders; files are read in parallel on all cores and their parts
//! merged per table in input order. Every cell is typed by [`cells::type_cell`] and every problem
//! becomes a quality issue naming the file, sheet, row, column and raw value. Rows without their
//! key or person id are rejected (and recorded); a repeated primary key keeps its first
//! occurrence; ids that differ only by leading zeros are reported ([`id_zeros`]).
//!
//! Given a [`Spill`] folder ([`normalise_spilling`]), files are typed a record batch at a time
//! into temporary files, and only the key and id columns stay in memory: the core tables are
//! read back a batch at a time when they are staged.

pub mod annex_a;
pub mod builder;
pub mod cells;
pub mod cin_xml;
pub mod code_years;
mod decode;
pub mod delimited;
mod id_zeros;
pub mod ssd;
pub mod ssda903;
pub mod vendor;

use datafusion::arrow::array::RecordBatch;

use crate::extract::{FileKind, InputFile};
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;
use crate::Result;
pub use builder::Spill;
use builder::{merge, Merged, TableBuilder, TablePart};

const STAGE: &str = "normalise";

/// One core table after normalisation, its rows in memory.
#[derive(Debug)]
pub struct CoreTable {
    pub spec: TableSpec,
    pub batch: RecordBatch,
    /// Data rows read from the input files.
    pub rows_in: usize,
}

impl CoreTable {
    pub fn rows_out(&self) -> usize {
        self.batch.num_rows()
    }
}

/// One core table after normalisation, its rows in memory or in spill files.
#[derive(Debug)]
pub struct NormalisedTable {
    pub spec: TableSpec,
    pub rows: Merged,
    /// Data rows read from the input files.
    pub rows_in: usize,
}

impl NormalisedTable {
    pub fn rows_out(&self) -> usize {
        self.rows.num_rows()
    }
}

/// The per-table builders one input file writes into; a reader asks for the tables it fills.
pub struct Sink<'a> {
    tables: &'a [TableSpec],
    builders: Vec<Option<TableBuilder<'a>>>,
    spill: Option<&'a Spill>,
}

impl<'a> Sink<'a> {
    pub fn new(tables: &'a [TableSpec]) -> Self {
        Sink { tables, builders: tables.iter().map(|_| None).collect(), spill: None }
    }

    /// A sink whose builders spill their rows to `spill` as each batch fills.
    pub fn spilling(tables: &'a [TableSpec], spill: &'a Spill) -> Self {
        Sink { spill: Some(spill), ..Sink::new(tables) }
    }

    /// The builder of a core table. Panics on a table name the schema does not define: readers
    /// name their tables in code, so that is a programming error, not bad input.
    pub fn table(&mut self, name: &str) -> &mut TableBuilder<'a> {
        let i = self.tables.iter().position(|t| t.name == name).unwrap_or_else(|| panic!("no core table named {name}"));
        let (tables, spill): (&'a [TableSpec], _) = (self.tables, self.spill);
        let spec = &tables[i];
        self.builders[i].get_or_insert_with(|| match spill {
            Some(spill) => TableBuilder::spilling(spec, spill),
            None => TableBuilder::new(spec),
        })
    }

    fn finish(self) -> Result<Vec<TablePart>> {
        self.builders.into_iter().flatten().map(TableBuilder::finish).collect()
    }
}

/// What reading one file produced.
struct FileOutput {
    parts: Vec<TablePart>,
    issues: Vec<Issue>,
    /// For a CIN census return: what its header says, for merging several years.
    cin: Option<cin_xml::Return>,
    /// For an SSDA903 file (or each file an XML return holds): its rows, loaded once every
    /// year's files have been read.
    ssda903: Vec<ssda903::ReturnFile>,
}

/// Reads one file with the reader for its format. A CIN census return is never spilled: several
/// years' returns are merged in memory ([`cin_xml::history`]).
fn read_file(file: &InputFile, tables: &[TableSpec], codes: &CodeLists, spill: Option<&Spill>) -> Result<FileOutput> {
    let mut sink = match spill {
        Some(spill) if !matches!(file.kind, Some(FileKind::CinCensus)) => Sink::spilling(tables, spill),
        _ => Sink::new(tables),
    };
    let mut issues = Vec::new();
    let mut cin = None;
    let mut ssda903 = Vec::new();
    match &file.kind {
        Some(FileKind::Ssd { table }) => ssd::read(file, table, &mut sink, codes, &mut issues),
        Some(FileKind::AnnexA { .. }) => annex_a::read(file, tables, &mut sink, codes, &mut issues),
        Some(FileKind::Vendor { mapping }) => vendor::read(file, mapping, tables, &mut sink, codes, &mut issues),
        Some(FileKind::CinCensus) => cin = cin_xml::read(file, &mut sink, codes, &mut issues),
        Some(FileKind::Ssda903 { file: name }) => ssda903.extend(ssda903::read(file, name, &mut issues)),
        Some(FileKind::Ssda903Xml) => ssda903 = ssda903::read_xml(file, &mut issues),
        None => {}
    }
    crate::failpoint::hit("normalise.file");
    crate::limits::IssueCap::new(file.limits, 0).finish(&mut issues, &file.path);
    Ok(FileOutput { parts: sink.finish()?, issues, cin, ssda903 })
}

/// Reads one file, turning a panic in its reader into that file's `unreadable_file` error: the
/// run goes on with the other files. (A panic is a bug in csc or a library it uses; the message
/// names no cell value, since the panic's own message might hold one.)
fn read_file_caught(file: &InputFile, tables: &[TableSpec], codes: &CodeLists, spill: Option<&Spill>) -> Result<FileOutput> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_file(file, tables, codes, spill))) {
        Ok(output) => output,
        Err(_) => {
            let message = "the reader stopped with an internal error on this file (a bug in csc: please report it with the file's format, not its content); none of its records were loaded";
            tracing::error!(file = %file.path, "reader panicked; the file was skipped");
            let issue = Issue::new(Severity::Error, STAGE, "unreadable_file", message, Action::FileSkipped).file(&file.path);
            Ok(FileOutput { parts: Vec::new(), issues: vec![issue], cin: None, ssda903: Vec::new() })
        }
    }
}

/// Whether a file must be kept whole to be recognised (a workbook: its sheets are listed at the
/// end of the zip), judged from its first bytes.
pub fn keep_whole(start: &[u8]) -> bool {
    annex_a::looks_like_workbook(start)
}

/// Recognises the format (and for one-table formats, the table) of a file from its content (its
/// header row, XML root or workbook sheets), never from its name. `None` when no reader knows it.
pub fn recognise(bytes: &[u8], tables: &[TableSpec]) -> Option<FileKind> {
    if let Some(lists) = annex_a::recognise(bytes) {
        return Some(FileKind::AnnexA { lists });
    }
    if cin_xml::recognise(bytes) {
        return Some(FileKind::CinCensus);
    }
    if ssda903::xml::recognise(bytes) {
        return Some(FileKind::Ssda903Xml);
    }
    let (text, _) = decode_lossy_head(&bytes[..bytes.len().min(64 * 1024)]);
    let first_line = text.lines().next()?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(first_line.as_bytes());
    let header: Vec<String> = reader.records().next()?.ok()?.iter().map(str::to_string).collect();
    if let Some(mapping) = vendor::recognise(&header, tables) {
        return Some(FileKind::Vendor { mapping });
    }
    if let Some(name) = ssda903::recognise(&header) {
        return Some(FileKind::Ssda903 { file: name.to_string() });
    }
    if let Some(spec) = ssd::recognise(&header, tables) {
        return Some(FileKind::Ssd { table: spec.name.clone() });
    }
    None
}

/// The core tables, and how many data rows each input file held (in input order).
#[derive(Debug)]
pub struct Normalised {
    pub tables: Vec<CoreTable>,
    pub rows_by_file: Vec<usize>,
}

/// Normalises every recognised file. Tables no file supplied are produced empty (and that is
/// recorded), so the model always sees every core table. Issues come out in input order
/// whatever order the files were read in.
pub fn normalise(tables: &[TableSpec], files: &[InputFile], codes: &CodeLists, issues: &mut Vec<Issue>) -> Result<Normalised> {
    let normalised = normalise_spilling(tables, files, codes, issues, None)?;
    let tables = normalised
        .tables
        .into_iter()
        .map(|t| Ok(CoreTable { batch: t.rows.into_batch(&t.spec)?, spec: t.spec, rows_in: t.rows_in }))
        .collect::<Result<_>>()?;
    Ok(Normalised { tables, rows_by_file: normalised.rows_by_file })
}

/// The core tables, their rows in memory or spilled, and how many data rows each input file held.
#[derive(Debug)]
pub struct NormalisedSpilled {
    pub tables: Vec<NormalisedTable>,
    pub rows_by_file: Vec<usize>,
}

/// As [`normalise`], with the typed rows of every file but CIN census returns written to `spill`
/// a batch at a time (when given) instead of held: what stays in memory is the key and id
/// columns. The same issues are raised, in the same order.
pub fn normalise_spilling(
    tables: &[TableSpec],
    files: &[InputFile],
    codes: &CodeLists,
    issues: &mut Vec<Issue>,
    spill: Option<&Spill>,
) -> Result<NormalisedSpilled> {
    let bar = crate::progress::stage("normalise", files.len() as u64, "files");
    // Files extract did not keep are read again here, each by the thread that types it.
    let runtime = tokio::runtime::Handle::try_current().ok();
    let outputs = crate::work_queue::map_ordered(files, crate::work_queue::cores(1), |f| {
        let output = match &f.kind {
            Some(_) => f.loaded(runtime.as_ref()).and_then(|f| read_file_caught(&f, tables, codes, spill)),
            None => read_file_caught(f, tables, codes, spill),
        };
        bar.inc();
        output
    });
    bar.finish();
    let mut outputs = outputs.into_iter().collect::<Result<Vec<FileOutput>>>()?;
    // Several years' CIN census returns become one history before the tables are merged.
    let returns = outputs
        .iter_mut()
        .zip(files)
        .filter_map(|(o, f)| {
            let FileOutput { parts, cin, .. } = o;
            Some(cin_xml::history::ReturnParts { file: &f.path, ret: cin.as_ref()?, parts })
        })
        .collect();
    let mut history_issues = Vec::new();
    cin_xml::history::merge_returns(returns, tables, &mut history_issues)?;
    // Several years' SSDA903 returns: the latest version of each record, episodes repaired
    // across years.
    let ssda903_rows: Vec<usize> = outputs.iter().map(|o| o.ssda903.iter().map(|r| r.rows.len()).sum()).collect();
    let ssda903_returns: Vec<ssda903::ReturnFile> = outputs.iter_mut().flat_map(|o| std::mem::take(&mut o.ssda903)).collect();
    let ssda903_parts = ssda903::assemble(tables, ssda903_returns, codes, &mut history_issues)?;
    let mut parts_by_table: Vec<Vec<TablePart>> = tables.iter().map(|_| Vec::new()).collect();
    let mut rows_by_file = Vec::with_capacity(files.len());
    for output in outputs {
        rows_by_file.push(output.parts.iter().map(|p| p.rows_in).sum::<usize>() + ssda903_rows[rows_by_file.len()]);
        issues.extend(output.issues);
        for part in output.parts {
            let i = tables.iter().position(|t| t.name == part.table).expect("parts are built from these specs");
            parts_by_table[i].push(part);
        }
    }
    for part in ssda903_parts {
        let i = tables.iter().position(|t| t.name == part.table).expect("parts are built from these specs");
        parts_by_table[i].push(part);
    }
    issues.extend(history_issues);
    let mut out = Vec::with_capacity(tables.len());
    let mut headers = Vec::with_capacity(tables.len());
    for (spec, parts) in tables.iter().zip(parts_by_table) {
        if parts.is_empty() {
            issues.push(
                Issue::new(
                    Severity::Warning,
                    STAGE,
                    "missing_table",
                    format!("no input file supplied the {} table ({}); it is empty", spec.name, spec.source),
                    Action::Kept,
                )
                .table(&spec.name),
            );
        }
        let (rows, rows_in, table_headers) = merge(spec, parts, issues)?;
        out.push(NormalisedTable { spec: spec.clone(), rows, rows_in });
        headers.push(table_headers);
    }
    let checked: Vec<(&TableSpec, &RecordBatch)> = out.iter().map(|t| (&t.spec, t.rows.keys())).collect();
    id_zeros::report(&checked, &headers, issues);
    Ok(NormalisedSpilled { tables: out, rows_by_file })
}

/// Decodes the start of a file for recognition, replacing what cannot be decoded.
pub fn decode_lossy_head(bytes: &[u8]) -> (String, Option<String>) {
    match decode::decode(bytes) {
        Ok(r) => r,
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), None),
    }
}
