//! Extract: finds the export files at the input location, reads each once, records its size and
//! SHA-256 (what was received, for audit), and recognises which table it holds from its header
//! row, never from its file name.

use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::quality::{Action, Issue, Severity};
use crate::schema::{table_for_header, TableSpec};
use crate::storage::Location;
use crate::{Error, Result};

const STAGE: &str = "extract";

/// Input formats a run can be told to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Recognise each file by its content.
    Auto,
    /// Standard Safeguarding Dataset extract CSVs (one file per `ssd_*` table).
    Ssd,
}

/// One file received.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// Path relative to the input location.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Core table the file was recognised as, if any.
    pub table: Option<String>,
    #[serde(skip)]
    pub bytes: Bytes,
}

/// Lists and reads every file below the input location. Files that hold no recognised table are
/// recorded as issues and left out; hidden files and folders (`.`/`_` prefixes) are ignored.
pub async fn extract(input: &Location, tables: &[TableSpec], issues: &mut Vec<Issue>) -> Result<Vec<InputFile>> {
    let listing = input.list("").await?;
    let mut files = Vec::new();
    for meta in listing {
        let path = input.relative(&meta.location);
        if path.split('/').any(|part| part.starts_with('.') || part.starts_with('_')) {
            continue;
        }
        let bytes = input.get(&meta.location).await?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let table = recognise(&bytes, tables).map(|t| t.name.clone());
        if table.is_none() {
            issues.push(
                Issue::new(Severity::Warning, STAGE, "unrecognised_file", "the header row matches no SSD table; the file was not loaded", Action::FileSkipped)
                    .file(&path),
            );
        }
        files.push(InputFile { path, size: bytes.len() as u64, sha256, table, bytes });
    }
    if files.is_empty() {
        return Err(Error::NoInput(input.display.clone()));
    }
    Ok(files)
}

/// The table a file holds, recognised from its first line.
fn recognise<'a>(bytes: &[u8], tables: &'a [TableSpec]) -> Option<&'a TableSpec> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let (text, _) = crate::normalise::decode_lossy_head(head);
    let first_line = text.lines().next()?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(first_line.as_bytes());
    let header: Vec<String> = reader.records().next()?.ok()?.iter().map(str::to_string).collect();
    table_for_header(tables, &header)
}
