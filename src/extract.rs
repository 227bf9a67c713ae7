//! Extract: finds the export files at the input location, reads each once, records its size and
//! SHA-256 (what was received, for audit), and recognises which table it holds from its header
//! row, never from its file name.

use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::quality::{Action, Issue, Severity};
use crate::schema::TableSpec;
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
    /// DfE Children in Need census returns (XML), one or more years.
    Cin,
    /// SSDA903 children-looked-after returns (CSVs or XML), one or more years.
    Ssda903,
    /// Ofsted Annex A workbooks.
    #[value(name = "annex-a")]
    #[serde(rename = "annex-a")]
    AnnexA,
    /// Case-management exports read through a mapping in `pipelines/mappings/`.
    Vendor,
}

impl InputFormat {
    /// Whether a file recognised as `kind` is one this run reads.
    pub fn accepts(self, kind: &FileKind) -> bool {
        matches!(
            (self, kind),
            (InputFormat::Auto, _)
                | (InputFormat::Ssd, FileKind::Ssd { .. })
                | (InputFormat::Cin, FileKind::CinCensus)
                | (InputFormat::Ssda903, FileKind::Ssda903 { .. } | FileKind::Ssda903Xml)
                | (InputFormat::AnnexA, FileKind::AnnexA { .. })
                | (InputFormat::Vendor, FileKind::Vendor { .. })
        )
    }
}

/// What a file was recognised as: its format and, for formats with one table per file, the
/// core table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FileKind {
    /// One Standard Safeguarding Dataset extract table.
    Ssd { table: String },
    /// An Ofsted Annex A workbook holding these lists (1–11).
    AnnexA { lists: Vec<u8> },
    /// A case-management export read through the named mapping (`pipelines/mappings/<name>.toml`).
    Vendor { mapping: String },
    /// A DfE Children in Need census return (XML).
    CinCensus,
    /// One file of an SSDA903 children-looked-after return (`episodes`, `header`, …).
    Ssda903 { file: String },
    /// A whole SSDA903 return in its XML form (`EXPSSDA903`).
    Ssda903Xml,
}

impl FileKind {
    /// A short description for manifests and summaries, e.g. `ssd:referral`.
    pub fn describe(&self) -> String {
        match self {
            FileKind::Ssd { table } => format!("ssd:{table}"),
            FileKind::AnnexA { lists } => format!("annex_a:lists {}", lists.iter().map(u8::to_string).collect::<Vec<_>>().join(",")),
            FileKind::Vendor { mapping } => format!("vendor:{mapping}"),
            FileKind::CinCensus => "cin_census".to_string(),
            FileKind::Ssda903 { file } => format!("ssda903:{file}"),
            FileKind::Ssda903Xml => "ssda903:xml".to_string(),
        }
    }
}

/// One file received.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// Path relative to the input location.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// What the file was recognised as, if anything.
    pub kind: Option<FileKind>,
    /// The file's content, when it is held in memory; [`extract`] does not keep it (see
    /// [`InputFile::loaded`]).
    #[serde(skip)]
    pub bytes: Bytes,
    /// Where to read the content again when it is not held.
    #[serde(skip)]
    source: Option<(Location, object_store::path::Path)>,
}

impl InputFile {
    /// A file whose content is in memory (tests, `csc check` of one file, the generator).
    pub fn in_memory(path: impl Into<String>, bytes: Bytes, kind: Option<FileKind>) -> InputFile {
        InputFile { path: path.into(), size: bytes.len() as u64, sha256: String::new(), kind, bytes, source: None }
    }

    /// The file with its content: itself when the content is held, else read again from the
    /// input location on `runtime`, checked against the SHA-256 extract recorded (a file that
    /// changed since is an error: the run would otherwise mix two versions of the export).
    pub fn loaded(&self, runtime: Option<&tokio::runtime::Handle>) -> Result<std::borrow::Cow<'_, InputFile>> {
        let Some((input, object)) = self.source.as_ref().filter(|_| self.bytes.is_empty() && self.size > 0) else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let runtime = runtime.ok_or_else(|| Error::Config(format!("{}: reading it again needs the async runtime", self.path)))?;
        let bytes = runtime.block_on(input.get(object))?;
        if hex::encode(Sha256::digest(&bytes)) != self.sha256 {
            return Err(Error::Config(format!("{}: the file changed while the run was reading it; run again once the export is complete", self.path)));
        }
        Ok(std::borrow::Cow::Owned(InputFile { bytes, source: None, ..self.clone() }))
    }
}

/// Lists and reads every file below the input location, one at a time: each is hashed and
/// recognised, and its content is not kept (normalise reads each again when it types it), so the
/// whole input is never in memory at once. Files that hold no recognised table, or hold another
/// format than `format` asks for, are recorded as issues and left out; hidden files and folders
/// (`.`/`_` prefixes) are ignored.
pub async fn extract(input: &Location, tables: &[TableSpec], format: InputFormat, issues: &mut Vec<Issue>) -> Result<Vec<InputFile>> {
    let listing = input.list("").await?;
    let mut files = Vec::new();
    for meta in listing {
        let path = input.relative(&meta.location);
        if path.split('/').any(|part| part.starts_with('.') || part.starts_with('_')) {
            continue;
        }
        let bytes = input.get(&meta.location).await?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let mut kind = crate::normalise::recognise(&bytes, tables);
        if let Some(other) = kind.as_ref().filter(|k| !format.accepts(k)) {
            let message = format!("the file is {} but the run reads only {format:?} input (--format); it was not loaded", other.describe());
            issues.push(Issue::new(Severity::Warning, STAGE, "other_format", message, Action::FileSkipped).file(&path));
            kind = None;
        } else if kind.is_none() {
            issues.push(
                Issue::new(Severity::Warning, STAGE, "unrecognised_file", "the content matches no known export format; the file was not loaded", Action::FileSkipped)
                    .file(&path),
            );
        }
        files.push(InputFile { path, size: bytes.len() as u64, sha256, kind, bytes: Bytes::new(), source: Some((input.clone(), meta.location)) });
    }
    // Input order decides which of two duplicate records is kept, so it must not depend on
    // the order the store lists files in.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if files.is_empty() {
        return Err(Error::NoInput(input.display.clone()));
    }
    Ok(files)
}

