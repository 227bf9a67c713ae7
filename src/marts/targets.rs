//! Targets and RAG settings from the pipeline file (`[targets.<measure_id>]`) and the choice of
//! statistical-neighbour model (`[benchmarks] sn_model`), as the table `ref_target` the RAG SQL
//! (`sql/marts/measure_rag.sql`) reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use serde::Deserialize;

use crate::{Error, Result};

/// Which DfE statistical-neighbour grouping the benchmarks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SnModel {
    /// DfE Children's Services Statistical Neighbour groupings, April 2021 (the default; the
    /// grouping the council's reports use).
    #[default]
    #[serde(rename = "2021")]
    Groupings2021,
    /// DfE's 2025 statistical-neighbour model.
    #[serde(rename = "2025")]
    Model2025,
}

impl SnModel {
    /// The label published in the `sn_model` columns: `2021` or `2025`.
    pub fn as_str(self) -> &'static str {
        match self {
            SnModel::Groupings2021 => "2021",
            SnModel::Model2025 => "2025",
        }
    }
}

/// Which way a measure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Good {
    High,
    Low,
}

impl Good {
    pub fn as_str(self) -> &'static str {
        match self {
            Good::High => "high",
            Good::Low => "low",
        }
    }
}

/// Period types a target applies to when the pipeline file does not say.
pub const ALL_PERIOD_TYPES: [&str; 4] = ["month", "financial_year", "rolling_12_months", "ytd"];

/// One measure's target, as written in the pipeline file:
/// `[targets.rereferral_12m_pct] target = 23.0, good = "low", amber_tolerance = 2.0`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub target: f64,
    /// `low` or `high`: the direction that is good.
    pub good: Good,
    /// Amber when worse than the target by no more than this (same unit as the value); 0 when
    /// left out, so every value is Green or Red.
    #[serde(default)]
    pub amber_tolerance: f64,
    /// Period types rated (`month`, `financial_year`, `rolling_12_months`, `ytd`); all when left out.
    /// Rates and counts are not annualised, so a yearly target should not rate months.
    pub periods: Option<Vec<String>>,
}

/// Checks every target names a published measure id, a finite target, a non-negative tolerance
/// and known period types.
pub fn validate(targets: &BTreeMap<String, Target>) -> Result<()> {
    let known: Vec<String> = crate::docs::measure_docs().into_iter().flat_map(|d| d.emits).collect();
    for (id, t) in targets {
        let bad = |m: String| Err(Error::Config(format!("[targets.{id}] {m}")));
        if !known.contains(id) {
            return bad(format!("{id:?} is not a measure id (see docs/data_dictionary.md)"));
        }
        if !t.target.is_finite() {
            return bad("target must be a number".into());
        }
        if !(t.amber_tolerance.is_finite() && t.amber_tolerance >= 0.0) {
            return bad("amber_tolerance must be zero or more".into());
        }
        for p in t.periods.iter().flatten() {
            if !ALL_PERIOD_TYPES.contains(&p.as_str()) {
                return bad(format!("period type {p:?} is not one of {}", ALL_PERIOD_TYPES.join(", ")));
            }
        }
    }
    Ok(())
}

/// `ref_target(measure_id, period_type, target, good, amber_tolerance)`: one row per measure
/// and period type rated.
pub fn targets_batch(targets: &BTreeMap<String, Target>) -> Result<RecordBatch> {
    let (mut id, mut period, mut target, mut good, mut tol) =
        (StringBuilder::new(), StringBuilder::new(), Float64Builder::new(), StringBuilder::new(), Float64Builder::new());
    for (measure, t) in targets {
        let periods: Vec<&str> = match &t.periods {
            Some(p) => p.iter().map(String::as_str).collect(),
            None => ALL_PERIOD_TYPES.to_vec(),
        };
        for p in periods {
            id.append_value(measure);
            period.append_value(p);
            target.append_value(t.target);
            good.append_value(t.good.as_str());
            tol.append_value(t.amber_tolerance);
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("measure_id", DataType::Utf8, false),
        Field::new("period_type", DataType::Utf8, false),
        Field::new("target", DataType::Float64, false),
        Field::new("good", DataType::Utf8, false),
        Field::new("amber_tolerance", DataType::Float64, false),
    ]));
    let arrays: Vec<ArrayRef> =
        vec![Arc::new(id.finish()), Arc::new(period.finish()), Arc::new(target.finish()), Arc::new(good.finish()), Arc::new(tol.finish())];
    Ok(RecordBatch::try_new(schema, arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> BTreeMap<String, Target> {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn targets_parse_validate_and_expand_to_period_types() {
        let t = parse("[rereferral_12m_pct]\ntarget = 23.0\ngood = \"low\"\namber_tolerance = 2.0\n[s47_rate_per_10k]\ntarget = 260\ngood = \"low\"\nperiods = [\"financial_year\"]\n");
        validate(&t).unwrap();
        assert_eq!(t["s47_rate_per_10k"].amber_tolerance, 0.0);
        assert_eq!(targets_batch(&t).unwrap().num_rows(), ALL_PERIOD_TYPES.len() + 1);
        assert!(validate(&parse("[nope]\ntarget = 1\ngood = \"low\"\n")).unwrap_err().to_string().contains("not a measure id"));
        assert!(validate(&parse("[referrals]\ntarget = 1\ngood = \"low\"\namber_tolerance = -1\n")).is_err());
        assert!(validate(&parse("[referrals]\ntarget = 1\ngood = \"low\"\nperiods = [\"week\"]\n")).is_err());
        assert!(toml::from_str::<BTreeMap<String, Target>>("[referrals]\ntarget = 1\ngood = \"up\"\n").is_err());
    }
}
