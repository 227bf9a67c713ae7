//! Entry points for the fuzz targets in `fuzz/` (one per input reader) and for the stable test
//! that replays their committed seed corpora (`crates/csc/tests/it/fuzz_corpus.rs`). Each takes arbitrary
//! bytes, reads them as a file of its format through the same path a run takes
//! ([`crate::normalise::normalise`]) and returns the issues raised. Any panic, hang or
//! unbounded allocation here is a bug: a run must turn every input into issues.

use bytes::Bytes;

use crate::extract::{FileKind, InputFile};
use crate::normalise::{normalise, recognise};
use crate::quality::Issue;
use crate::reference::CodeLists;
use crate::schema::ssd_tables;

/// Recognises `bytes` as a run would, then reads them as `kind` (whatever they were recognised
/// as, so each target exercises its own reader).
fn read_as(name: &str, bytes: &[u8], kind: FileKind) -> Vec<Issue> {
    let tables = ssd_tables();
    let _ = recognise(bytes, tables);
    let file = InputFile::in_memory(name, Bytes::copy_from_slice(bytes), Some(kind));
    let mut issues = Vec::new();
    // An error here is a run-stopping failure (e.g. a table that cannot be built); what
    // matters to the fuzzer is that reading neither panics nor exhausts memory.
    let _ = normalise(tables, &[file], CodeLists::builtin(), &mut issues);
    issues
}

/// Splits off the first byte, which the CSV targets use to choose a table or file.
fn selector(data: &[u8]) -> (usize, &[u8]) {
    match data.split_first() {
        Some((b, rest)) => (*b as usize, rest),
        None => (0, data),
    }
}

/// An SSD table CSV: the first byte chooses the table (modulo the number of tables).
pub fn ssd_csv(data: &[u8]) -> Vec<Issue> {
    let tables = ssd_tables();
    let (i, rest) = selector(data);
    let table = tables[i % tables.len()].name.clone();
    read_as("fuzz.csv", rest, FileKind::Ssd { table })
}

/// A case-management export read through the built-in `casefile_contacts` mapping.
pub fn vendor_csv(data: &[u8]) -> Vec<Issue> {
    read_as("fuzz.csv", data, FileKind::Vendor { mapping: "casefile_contacts".into() })
}

/// A CIN census return (XML).
pub fn cin_xml(data: &[u8]) -> Vec<Issue> {
    read_as("cin_2023.xml", data, FileKind::CinCensus)
}

/// The SSDA903 files a return is made of, as the selector byte chooses them.
const SSDA903_FILES: &[&str] =
    &["header", "episodes", "reviews", "uasc", "oc2", "oc3", "ad1", "placed_for_adoption", "missing", "sw_episodes"];

/// One SSDA903 return file: the first byte chooses which CSV file, or (one value in eleven) the
/// whole return as XML.
pub fn ssda903(data: &[u8]) -> Vec<Issue> {
    let (i, rest) = selector(data);
    match SSDA903_FILES.get(i % (SSDA903_FILES.len() + 1)) {
        Some(file) => read_as("ssda903_2023.csv", rest, FileKind::Ssda903 { file: file.to_string() }),
        None => read_as("ssda903_2023.xml", rest, FileKind::Ssda903Xml),
    }
}

/// An Ofsted Annex A workbook (xlsx, xls or ods bytes).
pub fn annex_a(data: &[u8]) -> Vec<Issue> {
    read_as("annex_a.xlsx", data, FileKind::AnnexA { lists: Vec::new() })
}

/// A pipeline file and a vendor mapping file (TOML): parsed and checked as a run loads them.
/// Returns no issues (configuration errors stop a run before it reads any input).
pub fn toml_config(data: &[u8]) -> Vec<Issue> {
    let Ok(text) = std::str::from_utf8(data) else { return Vec::new() };
    let _ = crate::storage::refuse_secrets_in_pipeline(text);
    let _ = toml::from_str::<crate::config::PipelineFile>(text);
    let _ = crate::normalise::vendor::Mapping::parse(text, "fuzz.toml", ssd_tables());
    Vec::new()
}
