//! `marts/dim_measure`: one row per measure id with its plain-English name, unit, direction of
//! good and the core tables it needs, all from the `-- publishes:` and `-- sources:` lines of
//! the measure SQL headers ([`crate::docs::measure_docs`]), and its definition and source file.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::docs::published_measures;
use crate::Result;

/// Unit and direction of good by measure id.
pub fn units() -> Result<HashMap<String, (String, String)>> {
    Ok(published_measures().into_iter().map(|(p, _)| (p.id, (p.unit, p.good))).collect())
}

/// The `dim_measure` table, in catalogue order (`sort_order`).
pub fn dim_measure_batch() -> Result<RecordBatch> {
    let mut text: Vec<StringBuilder> = (0..8).map(|_| StringBuilder::new()).collect();
    let mut order = Int64Builder::new();
    for (n, (p, doc)) in published_measures().into_iter().enumerate() {
        let basis = crate::docs::id_basis(&doc.id, &p.id).to_string();
        let values = [p.id, p.name, doc.definition, p.unit, p.good, format!("sql/measures/{}.sql", doc.id), doc.sources.join(", "), basis];
        for (builder, v) in text.iter_mut().zip(values) {
            builder.append_value(v);
        }
        order.append_value(n as i64 + 1);
    }
    let names = ["measure_id", "measure_name", "definition", "unit", "good", "source_sql", "source_tables", "basis"];
    let mut fields: Vec<Field> = names.iter().map(|n| Field::new(*n, DataType::Utf8, true)).collect();
    fields.push(Field::new("sort_order", DataType::Int64, true));
    let mut arrays: Vec<ArrayRef> = text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
    arrays.push(Arc::new(order.finish()));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measure_headers_are_complete_and_consistent() {
        let problems = crate::docs::check_measure_docs();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let units = units().unwrap();
        let b = dim_measure_batch().unwrap();
        assert_eq!(b.num_rows(), units.len());
        assert_eq!(units["rereferral_12m_pct"], ("percent".to_string(), "low".to_string()));
        assert_eq!(units["cin_rate_per_10k"].0, "rate_per_10k");
        assert_eq!(units["adoption_a1_days"].0, "days");
        assert_eq!((crate::docs::basis("referral_rate_per_10k"), crate::docs::basis("cla_rate_per_10k")), ("flow", "snapshot"));
        // A snapshot published by a flow file says so (`-- snapshot:`), and gets no year to date.
        let dol = |id: &str| crate::docs::id_basis("cla_deprivation_of_liberty", id);
        assert_eq!((dol("cla_dol_at_date"), dol("cla_dol_started")), ("snapshot", "flow"));
    }
}
