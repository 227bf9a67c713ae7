//! Local definitions a council sets for its measures: `[measure_settings]` of the pipeline file,
//! registered for the measure SQL as `ref_cwd_service` (one row per service name, trimmed and
//! lower-case) and `measure_settings` (one row: `caseload_limit`, `cin_visit_wd`).

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use serde::Deserialize;

use crate::{Error, Result};

/// Default caseload limit: 20 children per worker, a limit many councils set locally (set the
/// council's own in the pipeline file).
pub const DEFAULT_CASELOAD_LIMIT: u32 = 20;

/// `[measure_settings]`: what the council's local measures count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeasureSettings {
    /// Team or department names of the disabled children's service, whose children
    /// `cin_plan_children_excl_cwd_at_date` leaves out (compared trimmed, without regard to case).
    pub disabled_children_services: Vec<String>,
    /// Children a worker may hold before `caseload_workers_over_limit` counts them as over the
    /// council's limit (local; DfE sets none).
    pub caseload_limit: u32,
    /// The LA's CIN visit timescale in working days, at which `cin_visit_recency_bands` bands.
    /// Set once for the action list and the measure, in `[action_lists] cin_visit_working_days`,
    /// not in this section.
    #[serde(skip)]
    pub cin_visit_working_days: u32,
}

impl Default for MeasureSettings {
    fn default() -> MeasureSettings {
        MeasureSettings {
            disabled_children_services: vec!["Disabled Children".into(), "Children with Disabilities".into()],
            caseload_limit: DEFAULT_CASELOAD_LIMIT,
            cin_visit_working_days: crate::model::action_lists::DEFAULT_CIN_VISIT_WORKING_DAYS,
        }
    }
}

impl MeasureSettings {
    /// Refuses a blank service name, which would match every plan without a team.
    pub fn validate(&self) -> Result<()> {
        if self.disabled_children_services.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::Config("[measure_settings] disabled_children_services has an empty name".into()));
        }
        Ok(())
    }

    /// `measure_settings(caseload_limit, cin_visit_wd)`: one row.
    pub fn settings_batch(&self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("caseload_limit", DataType::Int64, false),
            Field::new("cin_visit_wd", DataType::Int64, false),
        ]));
        let column = |v: u32| Arc::new(Int64Array::from(vec![i64::from(v)])) as _;
        Ok(RecordBatch::try_new(schema, vec![column(self.caseload_limit), column(self.cin_visit_working_days)])?)
    }

    /// `ref_cwd_service(service)`: the disabled children's service names, trimmed and lower-case.
    pub fn cwd_services_batch(&self) -> Result<RecordBatch> {
        let names: Vec<String> = self.disabled_children_services.iter().map(|s| s.trim().to_lowercase()).collect();
        let schema = Arc::new(Schema::new(vec![Field::new("service", DataType::Utf8, false)]));
        Ok(RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(names))])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_are_read_trimmed_and_lower_case_and_blank_ones_refused() {
        let s: MeasureSettings = toml::from_str("disabled_children_services = [\" CWD Team \"]").unwrap();
        let batch = s.cwd_services_batch().unwrap();
        let col = batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(col.value(0), "cwd team");
        assert_eq!(MeasureSettings::default().disabled_children_services.len(), 2);
        let blank: MeasureSettings = toml::from_str("disabled_children_services = [\"  \"]").unwrap();
        assert!(blank.validate().unwrap_err().to_string().contains("empty name"));
        assert!(toml::from_str::<MeasureSettings>("nope = 1").is_err());
        let s: MeasureSettings = toml::from_str("caseload_limit = 18").unwrap();
        assert_eq!((s.caseload_limit, s.disabled_children_services.len()), (18, 2));
        assert_eq!(s.settings_batch().unwrap().num_rows(), 1);
        // The CIN visit timescale is the action lists' setting, not one of this section.
        assert_eq!(s.cin_visit_working_days, 20);
        assert!(toml::from_str::<MeasureSettings>("cin_visit_working_days = 15").is_err());
    }
}
