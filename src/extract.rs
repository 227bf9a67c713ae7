//! Extract: finds the export files at the input location, reads each once, records its size and
//! SHA-256 (what was received, for audit), and recognises which table it holds from its header
//! row, never from its file name.

use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::limits::Limits;
use crate::listing::{read_all, stream, Source};

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
    source: Option<Source>,
    /// The caps its reader applies (`[limits]`).
    #[serde(skip)]
    pub limits: Limits,
}

impl InputFile {
    /// A file whose content is in memory (tests, `csc check` of one file, the generator).
    pub fn in_memory(path: impl Into<String>, bytes: Bytes, kind: Option<FileKind>) -> InputFile {
        InputFile {
            path: path.into(),
            size: bytes.len() as u64,
            sha256: String::new(),
            kind,
            bytes,
            source: None,
            limits: Limits::default(),
        }
    }

    /// The file with its content: itself when the content is held, else read again from the
    /// input location on `runtime`, checked against the SHA-256 extract recorded (a file that
    /// changed since is an error: the run would otherwise mix two versions of the export).
    pub fn loaded(&self, runtime: Option<&tokio::runtime::Handle>) -> Result<std::borrow::Cow<'_, InputFile>> {
        let Some(source) = self.source.as_ref().filter(|_| self.bytes.is_empty() && self.size > 0) else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let bytes = match source {
            Source::Local { .. } => futures::executor::block_on(read_all(source))?,
            Source::Store { .. } => {
                let runtime = runtime.ok_or_else(|| Error::Internal(format!("{}: reading it again needs the async runtime", self.path)))?;
                runtime.block_on(read_all(source))?
            }
        };
        if hex::encode(Sha256::digest(&bytes)) != self.sha256 {
            return Err(Error::Input(format!(
                "{}: the file changed while the run was reading it; run again once the export is complete",
                self.path
            )));
        }
        Ok(std::borrow::Cow::Owned(InputFile { bytes, source: None, ..self.clone() }))
    }
}

/// Whether a file's start is all there is and holds nothing: no bytes, or only a byte-order
/// mark and blank lines.
fn is_empty(kept: &[u8]) -> bool {
    let rest = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"].iter().find_map(|bom| kept.strip_prefix(*bom)).unwrap_or(kept);
    rest.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0))
}

/// How much of a text file is kept to recognise it (its header row, or an XML root and header).
const RECOGNISE_HEAD: usize = 64 * 1024;

/// Lists and reads every file below the input location, one at a time: each is streamed once,
/// hashed as it streams and recognised from its start (a workbook, whose sheets are at its end,
/// is kept whole and not read again); normalise reads each text file again, once, when it types
/// it, so the whole input is never in memory at once. Files that cannot be inputs (links,
/// special files, bad names: see [`crate::listing`]), are empty or over `[limits]
/// max_file_bytes`, hold no recognised table, or hold another format than `format` asks for are
/// recorded as issues and left out; hidden files and folders (`.`/`_` prefixes) are ignored.
pub async fn extract(input: &Location, tables: &[TableSpec], format: InputFormat, issues: &mut Vec<Issue>) -> Result<Vec<InputFile>> {
    extract_with(input, tables, format, Limits::default(), issues).await
}

/// [`extract`] with the run's limits.
pub async fn extract_with(
    input: &Location,
    tables: &[TableSpec],
    format: InputFormat,
    limits: Limits,
    issues: &mut Vec<Issue>,
) -> Result<Vec<InputFile>> {
    let listed = crate::listing::list(input, issues).await?;
    let mut files = Vec::new();
    for entry in listed {
        let path = entry.path.clone();
        let mut file = InputFile {
            path: path.clone(),
            size: entry.size,
            sha256: String::new(),
            kind: None,
            bytes: Bytes::new(),
            source: Some(entry.source.clone()),
            limits,
        };
        if entry.size > limits.max_file_bytes {
            let message =
                format!("the file is {} bytes, more than [limits] max_file_bytes = {}; it was not read", entry.size, limits.max_file_bytes);
            issues.push(Issue::new(Severity::Error, STAGE, "file_too_large", message, Action::FileSkipped).file(&path));
            files.push(file);
            continue;
        }
        let streamed = stream(&entry, RECOGNISE_HEAD, crate::normalise::keep_whole).await?;
        file.sha256 = streamed.sha256;
        file.size = streamed.size;
        if streamed.size > limits.max_file_bytes {
            let message = format!(
                "the file grew to {} bytes while it was read, more than [limits] max_file_bytes = {}; it was not loaded",
                streamed.size, limits.max_file_bytes
            );
            issues.push(Issue::new(Severity::Error, STAGE, "file_too_large", message, Action::FileSkipped).file(&path));
            files.push(file);
            continue;
        }
        if streamed.size == streamed.kept.len() as u64 && is_empty(&streamed.kept) {
            let message =
                if streamed.kept.is_empty() { "the file is empty" } else { "the file holds only a byte-order mark or blank lines" };
            issues.push(
                Issue::new(Severity::Error, STAGE, "empty_file", format!("{message}; no table was loaded from it"), Action::FileSkipped)
                    .file(&path),
            );
            files.push(file);
            continue;
        }
        let mut kind = crate::normalise::recognise(&streamed.kept, tables);
        if let Some(other) = kind.as_ref().filter(|k| !format.accepts(k)) {
            let message = format!("the file is {} but the run reads only {format:?} input (--format); it was not loaded", other.describe());
            issues.push(Issue::new(Severity::Warning, STAGE, "other_format", message, Action::FileSkipped).file(&path));
            kind = None;
        } else if kind.is_none() {
            issues.push(
                Issue::new(
                    Severity::Warning,
                    STAGE,
                    "unrecognised_file",
                    "the content matches no known export format; the file was not loaded",
                    Action::FileSkipped,
                )
                .file(&path),
            );
        }
        // A workbook was read whole to be recognised: keep it rather than read it again.
        if kind.is_some() && streamed.kept.len() as u64 == streamed.size && crate::normalise::keep_whole(&streamed.kept) {
            file.bytes = streamed.kept;
        }
        file.kind = kind;
        files.push(file);
    }
    // Input order decides which of two duplicate records is kept, so it must not depend on
    // the order the store lists files in.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if files.is_empty() {
        return Err(Error::NoInput(input.display.clone()));
    }
    Ok(files)
}
