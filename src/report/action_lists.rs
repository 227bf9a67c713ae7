//! `csc action-lists`: the published action lists (`restricted/action_lists/<list>/as_at=DATE/`)
//! as one workbook per team, which is what a team manager opens on Monday morning: one sheet per
//! list with that team's children, most overdue first, dates as real dates, every text cell
//! written as text (never a formula). Each file names children, so it is created readable by its
//! owner only (mode 0600).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use datafusion::arrow::array::RecordBatch;

use super::by_team;
use super::published::read_table;
use crate::model::action_lists::LISTS;
use crate::run::RESTRICTED;
use crate::storage::Location;
use crate::{Error, Result};

/// Reads every action list published for `as_at` (nightly, or an ad hoc rerun's). A list that
/// is missing is an error naming the run that would publish it.
pub async fn read_lists(warehouse: &Location, as_at: NaiveDate) -> Result<Vec<(&'static str, RecordBatch)>> {
    let mut out = Vec::with_capacity(LISTS.len());
    for (name, _) in LISTS {
        let dir = format!("{RESTRICTED}/action_lists/{name}/as_at={as_at}");
        let batch = match read_table(warehouse, &dir).await? {
            Some(b) => Some(b),
            None => read_table(warehouse, &format!("{}/{dir}", crate::run::rerun_folder(as_at))).await?,
        };
        let batch = batch.ok_or_else(|| {
            Error::Environment(format!(
                "no action list {name} as at {as_at} in {}: run `csc run --as-at {as_at}` over this warehouse first",
                warehouse.display
            ))
        })?;
        out.push((*name, batch));
    }
    Ok(out)
}

/// The as-at date of the published run (`_runs/published.json`).
pub async fn published_as_at(warehouse: &Location) -> Result<NaiveDate> {
    let manifest = crate::publish::vacuum::published_manifest(warehouse)
        .await?
        .ok_or_else(|| Error::Environment(format!("nothing is published in {}: run `csc run` first", warehouse.display)))?;
    NaiveDate::parse_from_str(&manifest.as_at, "%Y-%m-%d").map_err(|_| {
        Error::Environment(format!(
            "{}/_runs/published.json has no valid as-at date: restore it from the newest succeeded `_runs/<run_id>.json`",
            warehouse.display
        ))
    })
}

/// Rows per team and list: `team → list → rows`, teams and lists in name order.
pub fn counts_by_team(lists: &[(&str, RecordBatch)]) -> BTreeMap<String, BTreeMap<String, usize>> {
    by_team::counts(lists)
}

/// Writes `action_lists_<team>_<as_at>.xlsx` into `out` for every team (or only `team`), each
/// with one sheet per list holding that team's rows; returns (team, file, rows) per workbook.
pub fn write_team_workbooks(
    lists: &[(&str, RecordBatch)],
    as_at: NaiveDate,
    out: &Path,
    team: Option<&str>,
) -> Result<Vec<(String, PathBuf, usize)>> {
    by_team::write_workbooks("action_lists", lists, as_at, out, team)
}
