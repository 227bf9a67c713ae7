//! The PDF: the pack's own HTML printed by headless Chromium (`--print-to-pdf`), so the PDF and
//! the HTML cannot differ. The page size, margins and page numbers come from the style sheet's
//! `@page` rule; the contents page's links become links inside the PDF.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Longest a print may take before it is given up (a pack prints in a few seconds).
const PRINT_TIMEOUT: Duration = Duration::from_secs(180);

/// What to tell a person whose machine has no Chromium.
pub const HOW_TO_GET_CHROMIUM: &str =
    "install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set CSC_CHROMIUM to a Chromium or Chrome binary";

/// The Chromium binary: `CSC_CHROMIUM`, else the first of the usual names on the `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CSC_CHROMIUM").map(PathBuf::from).filter(|p| p.is_file()) {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Prints `html` to `pdf` with `chromium`. The browser runs with a fresh profile, no network
/// access (every host name resolves to nothing) and no background services.
pub fn print(chromium: &Path, html: &Path, pdf: &Path) -> Result<()> {
    let html = std::fs::canonicalize(html).map_err(|source| Error::Io { context: format!("cannot find {}", html.display()), source })?;
    let profile = std::env::temp_dir().join(format!("csc-chromium-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
        ])
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| Error::Io { context: format!("cannot start {}", chromium.display()), source })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(source) => return Err(Error::Io { context: format!("waiting for {}", chromium.display()), source }),
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    match status {
        Some(s) if s.success() && pdf.is_file() => Ok(()),
        Some(s) => Err(Error::Io {
            context: format!("{} could not print the pack to PDF", chromium.display()),
            source: std::io::Error::other(format!("exit status {s}")),
        }),
        None => Err(Error::Io {
            context: format!("{} took longer than {} s to print the pack", chromium.display(), PRINT_TIMEOUT.as_secs()),
            source: std::io::Error::other("timed out"),
        }),
    }
}
