//! Listing the input location and streaming each file once.
//!
//! On local disk the folder is walked without following symbolic links: a link, a special file
//! (FIFO, socket, device), a folder seen twice (a loop through a bind mount), and a name with
//! control characters, invalid UTF-8 or a `#digits` ending (object stores' upload parts) are
//! each reported and skipped, never read and never silently left out. Object stores have none
//! of these but names are checked the same way. Files and folders whose name starts with `.` or
//! `_` are not inputs and are passed over.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

use crate::quality::{Action, Issue, Severity};
use crate::storage::Location;
use crate::{Error, Result};

const STAGE: &str = "extract";

/// Where a listed file is read from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A regular file on local disk, with the device and inode it had when listed.
    Local { path: PathBuf, id: (u64, u64) },
    /// An object in a store.
    Store { location: Location, object: object_store::path::Path },
}

/// One file found below the input location.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Path relative to the input location.
    pub path: String,
    pub size: u64,
    pub source: Source,
}

/// Lists every input file below `input`, sorted by path; what cannot be an input is reported.
pub async fn list(input: &Location, issues: &mut Vec<Issue>) -> Result<Vec<Listed>> {
    let mut found = match input.local_path() {
        Some(root) => list_local(&root, issues)?,
        None => {
            let mut found = Vec::new();
            for meta in input.list("").await? {
                let path = input.relative(&meta.location);
                if is_hidden(&path) {
                    continue;
                }
                let name = path.rsplit('/').next().unwrap_or_default();
                if let Some(why) = bad_name(name) {
                    issues.push(
                        Issue::new(Severity::Warning, STAGE, "bad_file_name", skipped(why), Action::FileSkipped).file(&printable(&path)),
                    );
                    continue;
                }
                found.push(Listed { path, size: meta.size, source: Source::Store { location: input.clone(), object: meta.location } });
            }
            found
        }
    };
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.') || part.starts_with('_'))
}

/// Why a file name cannot be an input, if it cannot.
fn bad_name(name: &str) -> Option<&'static str> {
    if name.chars().any(char::is_control) {
        return Some("the file name holds control characters");
    }
    if let Some((_, digits)) = name.rsplit_once('#') {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some("the file name ends in #digits, as an object store's part of an unfinished upload does");
        }
    }
    None
}

/// A name fit for an issue: control characters shown as `?`.
fn printable(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn skipped(why: &str) -> String {
    format!("{why}; it was skipped, not read")
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Walks a local folder without following links (iteratively: no recursion per level).
fn list_local(root: &Path, issues: &mut Vec<Issue>) -> Result<Vec<Listed>> {
    let io = |p: &Path| {
        let context = format!("cannot list {}", p.display());
        move |source| Error::Io { context, source }
    };
    let mut found = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    seen_dirs.insert(file_id(&std::fs::metadata(root).map_err(io(root))?));
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let os_name = entry.file_name();
            let lossy = printable(&os_name.to_string_lossy());
            let shown = if rel.is_empty() { lossy.clone() } else { format!("{rel}/{lossy}") };
            if lossy.starts_with('.') || lossy.starts_with('_') {
                continue;
            }
            let Some(name) = os_name.to_str() else {
                issues.push(
                    Issue::new(Severity::Warning, STAGE, "bad_file_name", skipped("the file name is not valid UTF-8"), Action::FileSkipped)
                        .file(&shown),
                );
                continue;
            };
            if let Some(why) = bad_name(name) {
                issues.push(Issue::new(Severity::Warning, STAGE, "bad_file_name", skipped(why), Action::FileSkipped).file(&shown));
                continue;
            }
            let meta = std::fs::symlink_metadata(entry.path()).map_err(io(&entry.path()))?;
            let kind = meta.file_type();
            if kind.is_symlink() {
                issues.push(
                    Issue::new(
                        Severity::Warning,
                        STAGE,
                        "symlink_skipped",
                        skipped("the entry is a symbolic link, which an input folder may not hold"),
                        Action::FileSkipped,
                    )
                    .file(&shown),
                );
            } else if kind.is_dir() {
                if seen_dirs.insert(file_id(&meta)) {
                    pending.push((entry.path(), shown));
                } else {
                    issues.push(
                        Issue::new(
                            Severity::Warning,
                            STAGE,
                            "folder_loop",
                            skipped("the folder was reached twice (a loop in the input folder)"),
                            Action::FileSkipped,
                        )
                        .file(&shown),
                    );
                }
            } else if kind.is_file() {
                found.push(Listed { path: shown, size: meta.len(), source: Source::Local { path: entry.path(), id: file_id(&meta) } });
            } else {
                issues.push(
                    Issue::new(
                        Severity::Warning,
                        STAGE,
                        "special_file",
                        skipped("the entry is not a regular file (a FIFO, socket or device)"),
                        Action::FileSkipped,
                    )
                    .file(&shown),
                );
            }
        }
    }
    Ok(found)
}

/// What streaming a file once gives: its SHA-256, its size, and the bytes kept (the first
/// `head` bytes, or all of them when `keep_all` says so once it has seen the first bytes).
pub struct Streamed {
    pub sha256: String,
    pub size: u64,
    pub kept: Bytes,
}

/// Reads a listed file once, hashing it as it streams and keeping only what `keep_all` asks
/// for (a workbook must be read whole to recognise it; text needs only its start).
pub async fn stream(file: &Listed, head: usize, keep_all: impl Fn(&[u8]) -> bool) -> Result<Streamed> {
    let mut hasher = Sha256::new();
    let mut kept: Vec<u8> = Vec::new();
    let mut size = 0u64;
    let mut whole: Option<bool> = None;
    let mut take = |chunk: &[u8], kept: &mut Vec<u8>| {
        hasher.update(chunk);
        size += chunk.len() as u64;
        if whole == Some(true) {
            kept.extend_from_slice(chunk);
            return;
        }
        let n = chunk.len().min(head.saturating_sub(kept.len()));
        kept.extend_from_slice(&chunk[..n]);
        if whole.is_none() && kept.len() >= 8 {
            let all = keep_all(kept);
            whole = Some(all);
            if all {
                kept.extend_from_slice(&chunk[n..]);
            }
        }
    };
    match &file.source {
        Source::Local { path, id } => {
            let read_error = |source| Error::Io { context: format!("cannot read {}", file.path), source };
            let mut f = std::fs::File::open(path).map_err(read_error)?;
            let meta = f.metadata().map_err(read_error)?;
            if !meta.is_file() || file_id(&meta) != *id {
                return Err(Error::Input(format!(
                    "{}: the file was replaced while the run was listing the input; run again once the export is complete",
                    file.path
                )));
            }
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf).map_err(read_error)?;
                if n == 0 {
                    break;
                }
                take(&buf[..n], &mut kept);
            }
        }
        Source::Store { location, object } => {
            let got = location.store.get(object).await.map_err(|e| Error::store(object.to_string(), e))?;
            let mut chunks = got.into_stream();
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| Error::store(object.to_string(), e))?;
                take(&chunk, &mut kept);
            }
        }
    }
    Ok(Streamed { sha256: hex::encode(hasher.finalize()), size, kept: Bytes::from(kept) })
}

/// Reads a listed file whole (normalise, once per file).
pub async fn read_all(source: &Source) -> Result<Bytes> {
    match source {
        Source::Local { path, .. } => {
            std::fs::read(path).map(Bytes::from).map_err(|source| Error::Io { context: format!("cannot read {}", path.display()), source })
        }
        Source::Store { location, object } => location.get(object).await,
    }
}
