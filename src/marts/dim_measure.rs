//! `marts/dim_measure`: one row per measure id with its name and definition (from the measure SQL
//! headers, via [`crate::docs::measure_docs`]), unit and direction of good
//! (`reference/measures/units.csv`) and source SQL file.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::docs::measure_docs;
use crate::{Error, Result};

const UNITS_CSV: &str = include_str!("../../reference/measures/units.csv");
const UNITS: &[&str] = &["count", "percent", "rate_per_10k", "days", "average"];
const GOOD: &[&str] = &["high", "low", "neutral"];

/// Unit and direction of good by measure id, checked against the allowed values.
pub fn units() -> Result<HashMap<String, (String, String)>> {
    let err = |m: String| Error::Reference { name: "reference/measures/units.csv".into(), message: m };
    let mut out = HashMap::new();
    let mut reader = csv::Reader::from_reader(UNITS_CSV.as_bytes());
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
        let (Some(id), Some(unit), Some(good)) = (record.get(0), record.get(1), record.get(2)) else {
            return Err(err(format!("row {} needs measure_id, unit and good", n + 2)));
        };
        if !UNITS.contains(&unit) || !GOOD.contains(&good) {
            return Err(err(format!("row {}: unit {unit:?} / good {good:?} not allowed", n + 2)));
        }
        if out.insert(id.to_string(), (unit.to_string(), good.to_string())).is_some() {
            return Err(err(format!("{id} is listed twice")));
        }
    }
    Ok(out)
}

/// The `dim_measure` table, in catalogue order (`sort_order`).
pub fn dim_measure_batch() -> Result<RecordBatch> {
    let units = units()?;
    let (mut id, mut name, mut definition, mut unit, mut good, mut file, mut order) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), Int64Builder::new());
    let mut n = 0;
    for doc in measure_docs() {
        for e in &doc.emits {
            let (u, g) = units.get(e).ok_or_else(|| Error::Reference { name: "reference/measures/units.csv".into(), message: format!("measure {e} is not listed") })?;
            n += 1;
            id.append_value(e);
            name.append_value(&doc.title);
            definition.append_value(&doc.definition);
            unit.append_value(u);
            good.append_value(g);
            file.append_value(format!("sql/measures/{}.sql", doc.id));
            order.append_value(n);
        }
    }
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        text("measure_id"),
        text("measure_name"),
        text("definition"),
        text("unit"),
        text("good"),
        text("source_sql"),
        Field::new("sort_order", DataType::Int64, true),
    ]));
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(name.finish()),
        Arc::new(definition.finish()),
        Arc::new(unit.finish()),
        Arc::new(good.finish()),
        Arc::new(file.finish()),
        Arc::new(order.finish()),
    ];
    Ok(RecordBatch::try_new(schema, arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_id_has_exactly_one_unit_row() {
        let units = units().unwrap();
        let ids: Vec<String> = measure_docs().into_iter().flat_map(|d| d.emits).collect();
        assert_eq!(units.len(), ids.len(), "units.csv lists a measure id that is not published");
        let b = dim_measure_batch().unwrap();
        assert_eq!(b.num_rows(), ids.len());
        assert_eq!(units["rereferral_12m_pct"], ("percent".to_string(), "low".to_string()));
        assert_eq!(units["cin_rate_per_10k"].0, "rate_per_10k");
        assert_eq!(units["adoption_a1_days"].0, "days");
    }
}
