//! The data-quality issues as a CSV file an LA data officer can open in Excel (UTF-8 with a
//! byte-order mark, so Excel reads accented names correctly), for working through an export's
//! problems file by file, row by row.

use std::io::Write;
use std::path::Path;

use datafusion::arrow::csv::WriterBuilder;

use super::published::read_table;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// Writes the issues of the published run to `out` and returns how many rows were written.
/// `restricted` picks the issues table with raw cell values (for officers allowed to see the
/// identifiable data); otherwise the analysts' table, where personal values are redacted.
pub async fn write_issues_csv(warehouse: &Location, restricted: bool, out: &Path) -> Result<usize> {
    let dir = if restricted { format!("{RESTRICTED}/quality/issues") } else { "quality/issues".to_string() };
    let batch = read_table(warehouse, &dir)
        .await?
        .ok_or_else(|| Error::Config(format!("no published issues in {}/{dir}: run `csc run` over this warehouse first", warehouse.display)))?;
    let io = |e: std::io::Error| Error::Io { context: format!("cannot write {}", out.display()), source: e };
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(io)?);
    file.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let mut writer = WriterBuilder::new().with_header(true).build(&mut file);
    writer.write(&batch)?;
    drop(writer);
    file.flush().map_err(io)?;
    Ok(batch.num_rows())
}
