//! Stacking: each LA's published analyst tables ([`TABLES`]), read at the versions its
//! `_runs/published.json` names, stacked in LA order, with each LA's rows made regional (its own
//! `dim_la` row, its workers re-keyed under the regional key).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::{concat_batches, filter_record_batch};
use datafusion::arrow::datatypes::SchemaRef;
use sha2::{Digest, Sha256};

use super::RegionalConfig;
use crate::config::RunConfig;
use crate::manifest::Manifest;
use crate::model::breakdown::NOT_ALLOCATED;
use crate::pseudonymise::{IdKind, Pseudonymiser};
use crate::report::published::read_table_with_partitions_at;
use crate::storage::Location;
use crate::{Error, Result};

/// The LA analyst tables the regional warehouse stacks, each with the columns it is partitioned
/// by. `dim_la` keeps each LA's own row (`is_this_la`), with its neighbours and judgements.
pub const TABLES: [(&str, &[&str]); 4] = [
    ("marts/fact_measure", &["la_code", "financial_year"]),
    ("marts/fact_measure_breakdown", &["la_code", "financial_year"]),
    ("marts/benchmarks", &["la_code", "financial_year"]),
    ("marts/dim_la", &["la_code"]),
];

/// One LA's published run, as the regional pass reads it.
pub(super) struct LaInput {
    pub la_code: String,
    pub warehouse: Location,
    pub published: Manifest,
    /// SHA-256 of its `_runs/published.json`.
    pub sha256: String,
    pub size: u64,
}

/// An LA's published run, or why it cannot be stacked.
pub(super) async fn la_input(la_code: &str, cfg: &RunConfig) -> std::result::Result<LaInput, String> {
    let warehouse = Location::open(&cfg.warehouse, false, &cfg.storage).map_err(|e| e.to_string())?;
    let bytes = match warehouse.get(&warehouse.child("_runs/published.json")).await {
        Ok(b) => b,
        Err(Error::Store { source: object_store::Error::NotFound { .. }, .. }) => return Err("it has no published run".into()),
        Err(e) => return Err(e.to_string()),
    };
    let published: Manifest = serde_json::from_slice(&bytes).map_err(|_| "its _runs/published.json is not a run manifest".to_string())?;
    if let Some((missing, _)) = TABLES.iter().find(|(t, _)| !published.delta_versions.contains_key(*t)) {
        return Err(format!("its published run has no {missing}"));
    }
    Ok(LaInput {
        la_code: la_code.to_string(),
        warehouse,
        published,
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    })
}

/// Table `dir` of every LA, at the version its published run names, stacked in LA order; each
/// LA's rows made regional by [`regional_rows`].
pub(super) async fn stacked(cfg: &RegionalConfig, inputs: &[LaInput], dir: &str) -> Result<RecordBatch> {
    let mut batches = Vec::new();
    for i in inputs {
        let version = i.published.delta_versions[dir];
        if let Some(b) = read_table_with_partitions_at(&i.warehouse, dir, Some(version)).await? {
            batches.push(regional_rows(cfg, &i.la_code, dir, b)?);
        }
    }
    let schema: SchemaRef = match batches.first() {
        Some(b) => b.schema(),
        None => empty_schema(dir)?,
    };
    if let Some(b) = batches.iter().find(|b| b.schema().fields() != schema.fields()) {
        return Err(Error::Internal(format!(
            "{dir} has other columns in one LA's warehouse ({} columns) than in another's ({}): run every LA with the same csc",
            b.num_columns(),
            schema.fields().len()
        )));
    }
    Ok(concat_batches(&schema, &batches)?)
}

/// The columns of a stacked table when no LA has a row of it.
fn empty_schema(dir: &str) -> Result<SchemaRef> {
    let name = dir.trim_start_matches("marts/");
    match name {
        "fact_measure" => Ok(crate::model::fact_schema()),
        "fact_measure_breakdown" => Ok(crate::model::breakdown::breakdown_schema()),
        _ => crate::marts::MARTS
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.schema())
            .ok_or_else(|| Error::Internal(format!("{dir} is not a mart"))),
    }
}

/// One LA's rows of a table as the regional warehouse holds them: `dim_la` keeps the LA's own
/// row; in `fact_measure_breakdown` each worker is re-keyed ([`regional_worker`]); every row must
/// be the LA's own (`la_code`), so each LA's partition holds exactly its rows.
fn regional_rows(cfg: &RegionalConfig, la_code: &str, dir: &str, batch: RecordBatch) -> Result<RecordBatch> {
    let batch = match dir {
        "marts/dim_la" => {
            let own = batch.column_by_name("is_this_la").map(|c| c.as_boolean().clone());
            let own = own.ok_or_else(|| Error::Internal("dim_la has no is_this_la column".into()))?;
            filter_record_batch(&batch, &BooleanArray::from((0..own.len()).map(|i| own.is_valid(i) && own.value(i)).collect::<Vec<_>>()))?
        }
        "marts/fact_measure_breakdown" => rekey_workers(&cfg.pseudonymiser, la_code, &batch)?,
        _ => batch,
    };
    let codes = batch.column_by_name("la_code").map(|c| c.as_string::<i32>().clone());
    let codes = codes.ok_or_else(|| Error::Internal(format!("{dir} has no la_code column")))?;
    if (0..codes.len()).any(|i| !codes.is_valid(i) || codes.value(i) != la_code) {
        return Err(Error::Input(format!("{dir} of LA {la_code} holds rows of another LA: it cannot be stacked")));
    }
    Ok(batch)
}

/// The breakdown with each worker (`dimension = 'worker'`, other than `not allocated`) replaced by
/// its regional pseudonym.
fn rekey_workers(regional: &Pseudonymiser, la_code: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    let (Some(dims), Some(values)) = (batch.column_by_name("dimension"), batch.column_by_name("dimension_value")) else {
        return Err(Error::Internal("fact_measure_breakdown has no dimension columns".into()));
    };
    let (dims, values) = (dims.as_string::<i32>(), values.as_string::<i32>());
    let out: StringArray = (0..batch.num_rows())
        .map(|i| {
            let v = values.is_valid(i).then(|| values.value(i))?;
            Some(match dims.value(i) == "worker" && v != NOT_ALLOCATED {
                true => regional_worker(regional, la_code, v),
                false => v.to_string(),
            })
        })
        .collect();
    let idx = batch.schema().index_of("dimension_value")?;
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[idx] = Arc::new(out);
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// A worker's regional pseudonym: HMAC under the regional key's worker sub-key of the LA code and
/// the worker as the LA's analyst tables show them (pseudonym, or name where the LA keeps names).
pub fn regional_worker(regional: &Pseudonymiser, la_code: &str, la_value: &str) -> String {
    regional.pseudonym_of(IdKind::Worker, &format!("{la_code}\u{1f}{la_value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LA_KEY: &[u8] = b"756e69742d74657374206b65792c206c6f6e6720656e6f7567682c2079657321";
    const REGIONAL_KEY: &[u8] = b"726567696f6e616c2074657374206b65792c206c6f6e6720656e6f7567682121";

    #[test]
    fn workers_are_rekeyed_per_la_and_nothing_else_changes() {
        let regional = Pseudonymiser::new(&crate::pseudonymise::decode_key(REGIONAL_KEY).unwrap(), false).unwrap();
        let la = Pseudonymiser::new(&crate::pseudonymise::decode_key(LA_KEY).unwrap(), false).unwrap();
        let text = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let worker = la.pseudonym("W1");
        let batch = RecordBatch::try_from_iter([
            ("dimension", text(&["worker", "worker", "team"])),
            ("dimension_value", text(&[&worker, NOT_ALLOCATED, "Team A"])),
        ])
        .unwrap();
        let out = rekey_workers(&regional, "852", &batch).unwrap();
        let values = out.column(1).as_string::<i32>();
        assert_eq!(values.value(0), regional_worker(&regional, "852", &worker));
        assert_ne!(values.value(0), worker);
        assert_ne!(values.value(0), regional_worker(&regional, "330", &worker), "the same text in two LAs is two workers");
        assert_ne!(values.value(0), la.pseudonym_of(IdKind::Worker, &worker), "not the LA key");
        assert_eq!((values.value(1), values.value(2)), (NOT_ALLOCATED, "Team A"));
    }
}
