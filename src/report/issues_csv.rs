//! The data-quality issues as a file an LA data officer can open in Excel, for working through an
//! export's problems file by file, row by row: CSV (UTF-8 with a byte-order mark, so Excel reads
//! accented names correctly) or, when the file name ends in `.xlsx`, a workbook of text cells.
//! Cells Excel would evaluate are neutralised ([`crate::export`]); the restricted issues, which
//! hold raw cell values, are written readable by their owner only (mode 0600).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};

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

/// The columns of a team's issues sheet, in order: the child and where the record is first, then
/// what is wrong and what to do about it.
const TEAM_COLUMNS: &str =
    "person_id, severity, issue_code, table_name, file, sheet, row_number, column_letter, column_name, raw_value, message, action, team";

/// Writes `issues_<team>_<as_at>.xlsx` into `out` for every team (or only `team`): the published
/// run's issues on records of children that team holds (restricted: raw values included), by
/// child, file and row, each with what to do about it; mode 0600. Issues on no child's record (a
/// whole file, a missing table) are for the data team and stay in `csc issues`. Returns (team,
/// file, rows) per workbook.
pub async fn write_issues_by_team(warehouse: &Location, out: &Path, team: Option<&str>) -> Result<Vec<(String, PathBuf, usize)>> {
    let dir = format!("{RESTRICTED}/quality/issues");
    let batch = read_table(warehouse, &dir).await?.ok_or_else(|| {
        Error::Environment(format!("no published issues in {}/{dir}: run `csc run` over this warehouse first", warehouse.display))
    })?;
    if batch.schema().column_with_name("person_id").is_none() {
        return Err(Error::Environment(format!(
            "the issues in {}/{dir} do not name children (published by an older csc): run `csc run --force` first",
            warehouse.display
        )));
    }
    let as_at = super::action_lists::published_as_at(warehouse).await?;
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_batch("issues", batch)?;
    let sql = format!(
        "SELECT {TEAM_COLUMNS} FROM issues WHERE person_id IS NOT NULL ORDER BY person_id, file, row_number, column_name, issue_code"
    );
    let sql_error = |source| Error::Sql { file: "issues by team".into(), source };
    let df = ctx.sql(&sql).await.map_err(sql_error)?;
    let schema = df.schema().inner().clone();
    let rows = datafusion::arrow::compute::concat_batches(&schema, &df.collect().await.map_err(sql_error)?)?;
    let rows = with_what_to_do(&rows)?;
    super::by_team::write_workbooks("issues", &[("issues", rows)], as_at, out, team)
}

/// The rows with a `what_to_do` column: the catalogue's action for each row's issue code.
fn with_what_to_do(batch: &RecordBatch) -> Result<RecordBatch> {
    let Some(codes) = batch.column_by_name("issue_code") else { return Ok(batch.clone()) };
    let codes = cast(codes, &DataType::Utf8)?;
    let actions: StringArray =
        codes.as_string::<i32>().iter().map(|c| c.and_then(crate::quality::rule).map(|r| r.action.clone())).collect();
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = batch.columns().to_vec();
    let at = fields.iter().position(|f| f.name() == "action").map_or(fields.len(), |p| p + 1);
    fields.insert(at, Field::new("what_to_do", DataType::Utf8, true));
    columns.insert(at, Arc::new(actions));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}
