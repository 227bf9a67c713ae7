//! The data-quality issues as a file an LA data officer can open in Excel, for working through an
//! export's problems file by file, row by row: CSV (UTF-8 with a byte-order mark, so Excel reads
//! accented names correctly) or, when the file name ends in `.xlsx`, a workbook of text cells.
//! Cells Excel would evaluate are neutralised ([`crate::export`]); the restricted issues, which
//! hold raw cell values, are written readable by their owner only (mode 0600).

use std::path::Path;

use super::published::read_table;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// Writes the issues of the published run to `out` (CSV, or xlsx by its extension) and returns
/// how many rows were written.
/// `restricted` picks the issues table with raw cell values (for officers allowed to see the
/// identifiable data); otherwise the analysts' table, where personal values are redacted.
pub async fn write_issues_csv(warehouse: &Location, restricted: bool, out: &Path) -> Result<usize> {
    let dir = if restricted { format!("{RESTRICTED}/quality/issues") } else { "quality/issues".to_string() };
    let batch = read_table(warehouse, &dir).await?.ok_or_else(|| {
        Error::Environment(format!("no published issues in {}/{dir}: run `csc run` over this warehouse first", warehouse.display))
    })?;
    crate::export::write_table(&batch, out, "issues", restricted)?;
    Ok(batch.num_rows())
}
