//! `csc report`: the monthly performance pack that a scrutiny panel, managers and inspectors
//! read, made from the published warehouse only. It writes three files with the same content:
//!
//! - `performance_pack_<as-at>.html`: self-contained (inline CSS and SVG charts, no script);
//! - `performance_pack_<as-at>.pdf`: that page printed by headless Chromium, when installed;
//! - `performance_pack_<as-at>.xlsx`: the board table, one sheet per area.
//!
//! The flow: [`data`] reads the published run, [`board`] builds the indicator rows (with small
//! numbers suppressed), [`annex_a`] and [`quality`] the analysis pages, and [`html`], [`pdf`]
//! and [`xlsx`] render them. What the pack holds is configured by [`settings`].

pub mod annex_a;
pub mod board;
pub mod chart;
pub mod data;
pub mod html;
pub mod pdf;
pub mod quality;
pub mod settings;
pub mod xlsx;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::storage::Location;
use crate::{Error, Result};

pub use settings::PackSettings;

/// Where a pack went.
#[derive(Debug, Clone)]
pub struct PackFiles {
    pub as_at: NaiveDate,
    pub html: PathBuf,
    pub xlsx: PathBuf,
    /// `None` when Chromium is not installed (the reason is in `pdf_skipped`).
    pub pdf: Option<PathBuf>,
    pub pdf_skipped: Option<String>,
    /// Indicators with a figure, and without one (no data).
    pub indicators: usize,
    pub no_data: usize,
}

/// What `csc report` is asked for.
#[derive(Debug, Clone)]
pub struct PackRequest {
    pub warehouse: Location,
    /// The as-at date of an ad hoc rerun; the nightly tables when `None`.
    pub as_at: Option<NaiveDate>,
    pub out: PathBuf,
    pub settings: PackSettings,
    /// Skip the PDF (e.g. when only the HTML is wanted quickly).
    pub no_pdf: bool,
}

/// Writes the pack for the published run of a warehouse.
pub async fn write_pack(req: &PackRequest) -> Result<PackFiles> {
    let (_, data) = data::read(&req.warehouse, req.as_at).await?;
    if data.facts.is_empty() {
        return Err(Error::Environment(format!(
            "{}: the published run has no measures (marts/fact_measure is empty)",
            req.warehouse.display
        )));
    }
    let board = board::build(&data, &req.settings);
    let annex_a = annex_a::analyse(&data).await?;
    let quality = quality::build(&data);
    let marker = req.settings.marker.as_deref();
    std::fs::create_dir_all(&req.out).map_err(|source| Error::Io { context: format!("cannot create {}", req.out.display()), source })?;
    let stem = format!("performance_pack_{}", data.as_at);
    let html_path = req.out.join(format!("{stem}.html"));
    let page = html::render(&html::Pack { data: &data, board: &board, annex_a: &annex_a, quality: &quality, marker });
    write_atomically(&html_path, page.as_bytes())?;
    let xlsx_path = req.out.join(format!("{stem}.xlsx"));
    let partial = req.out.join(format!(".{stem}.xlsx.partial"));
    xlsx::write(&board, &data, &quality, marker, &partial)?;
    rename(&partial, &xlsx_path)?;
    let (pdf, pdf_skipped) = if req.no_pdf {
        (None, Some("not asked for (--no-pdf)".to_string()))
    } else {
        match pdf::find_chromium() {
            Some(chromium) => {
                let pdf_path = req.out.join(format!("{stem}.pdf"));
                let partial = req.out.join(format!(".{stem}.partial.pdf"));
                let html_for_print = html_path.clone();
                let printed = tokio::task::spawn_blocking(move || pdf::print(&chromium, &html_for_print, &partial).map(|()| partial))
                    .await
                    .map_err(|e| Error::Internal(format!("PDF printing stopped: {e}")))??;
                rename(&printed, &pdf_path)?;
                (Some(pdf_path), None)
            }
            None => (None, Some(format!("no Chromium found: {}", pdf::HOW_TO_GET_CHROMIUM))),
        }
    };
    let rows: Vec<&board::Row> = board.areas.iter().flat_map(|a| &a.rows).collect();
    let no_data = rows.iter().filter(|r| r.no_data.is_some()).count();
    Ok(PackFiles { as_at: data.as_at, html: html_path, xlsx: xlsx_path, pdf, pdf_skipped, indicators: rows.len() - no_data, no_data })
}

/// Writes a file through a temporary name beside it, so a reader never sees half a pack.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).map_err(|source| Error::Io { context: format!("cannot write {}", partial.display()), source })?;
    rename(&partial, path)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Io { context: format!("cannot move {} to {}", from.display(), to.display()), source })
}

impl std::fmt::Display for PackFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Performance pack as at {} ({} indicators with figures, {} no data):", self.as_at, self.indicators, self.no_data)?;
        writeln!(f, "  HTML:  {}", self.html.display())?;
        match (&self.pdf, &self.pdf_skipped) {
            (Some(p), _) => writeln!(f, "  PDF:   {}", p.display())?,
            (None, Some(why)) => writeln!(f, "  PDF:   not written: {why}")?,
            (None, None) => {}
        }
        write!(f, "  Excel: {}", self.xlsx.display())
    }
}
