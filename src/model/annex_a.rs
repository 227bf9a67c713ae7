//! Ofsted Annex A lists 1–11 as at the run's as-at date, from `sql/annex_a/`. Each list keeps
//! Ofsted's column order and headers, lettered values (`ref_annex_a_value`) and real dates; the
//! look-back windows and 12-month counters are in each file's header. Each list's `ORDER BY`
//! ends with its record id, so the row order is total and the same on every engine and run.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};

use crate::quality::{Action, Issue, Severity};
use crate::Result;

/// Every list: its name (the folder it is published to) and SQL.
pub const LISTS: &[(&str, &str)] = &[
    ("list_01_contacts", include_str!("../../sql/annex_a/list_01_contacts.sql")),
    ("list_02_early_help", include_str!("../../sql/annex_a/list_02_early_help.sql")),
    ("list_03_referrals", include_str!("../../sql/annex_a/list_03_referrals.sql")),
    ("list_04_assessments", include_str!("../../sql/annex_a/list_04_assessments.sql")),
    ("list_05_s47_icpc", include_str!("../../sql/annex_a/list_05_s47_icpc.sql")),
    ("list_06_children_in_need", include_str!("../../sql/annex_a/list_06_children_in_need.sql")),
    ("list_07_child_protection", include_str!("../../sql/annex_a/list_07_child_protection.sql")),
    ("list_08_children_in_care", include_str!("../../sql/annex_a/list_08_children_in_care.sql")),
    ("list_09_care_leavers", include_str!("../../sql/annex_a/list_09_care_leavers.sql")),
    ("list_10_adoption", include_str!("../../sql/annex_a/list_10_adoption.sql")),
    ("list_11_adopters", include_str!("../../sql/annex_a/list_11_adopters.sql")),
];

/// How the lists show people (`[annex_a]` in the pipeline file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexASettings {
    /// Workers and personal advisers by name (the default: Ofsted asks for names, and the lists
    /// and workbook are restricted data); `false` shows workers by id and leaves personal
    /// advisers, whom the SSD holds by name only, blank, with a note.
    #[serde(default = "default_worker_names")]
    pub worker_names: bool,
}

fn default_worker_names() -> bool {
    true
}

impl Default for AnnexASettings {
    fn default() -> Self {
        AnnexASettings { worker_names: default_worker_names() }
    }
}

/// One Annex A list as at the run's date.
#[derive(Debug)]
pub struct AnnexAList {
    pub name: &'static str,
    pub batch: RecordBatch,
}

/// Runs every list, several at once (they are independent). Lists the SSD cannot fill (list 11)
/// are returned empty with an issue.
pub async fn run_lists(ctx: &SessionContext, issues: &mut Vec<Issue>) -> Result<Vec<AnnexAList>> {
    let out: Vec<AnnexAList> = futures::stream::iter(LISTS.iter().map(|&(name, sql)| async move {
        let file = format!("sql/annex_a/{name}.sql");
        let (schema, batches) = super::query_with_schema(ctx, (&file, sql)).await?;
        Ok::<_, crate::Error>(AnnexAList { name, batch: plain_strings(&concat_batches(&schema, &batches)?)? })
    }))
    .buffered(super::concurrent_queries(ctx))
    .try_collect()
    .await?;
    issues.push(
        Issue::new(
            Severity::Info,
            "model",
            "annex_a_not_in_source",
            "Annex A list 11 (adopters) is published empty: the SSD holds no adopter records",
            Action::Kept,
        )
        .table("list_11_adopters"),
    );
    Ok(out)
}

/// Casts view and large strings to plain UTF-8, the string type every BI reader takes.
pub fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        if matches!(field.data_type(), DataType::Utf8View | DataType::LargeUtf8) {
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            arrays.push(cast(array, &DataType::Utf8)?);
        } else {
            fields.push(field.as_ref().clone().with_nullable(true));
            arrays.push(array.clone());
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_in_sql_annex_a_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/annex_a");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(LISTS.iter().any(|(l, _)| format!("{l}.sql") == name), "{name} is not listed in annex_a::LISTS");
        }
        assert_eq!(LISTS.len(), 11);
    }
}
