//! Ofsted's latest ILACS judgements of every English LA (`reference/ofsted/`), as the table
//! `ref_ilacs(la_gss_code, ilacs_inspection_date, ilacs_publication_date,
//! ilacs_overall_effectiveness, ilacs_leaders, ilacs_help_and_protection,
//! ilacs_children_in_care, ilacs_care_leavers)`, so `marts/dim_la` can say how the LA, its
//! statistical neighbours and its region were judged.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Date32Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::normalise::cells::date32;
use crate::{Error, Result};

const FILE: &str = "reference/ofsted/ilacs_judgements_as_at_31_march_2025.csv";
const TEXT: &str = include_str!("../../reference/ofsted/ilacs_judgements_as_at_31_march_2025.csv");

/// One row per LA: its latest ILACS inspection judged by 31 March 2025 and published by 30 June
/// 2025. A care leavers' sub-judgement is null for inspections before 1 January 2023, when
/// Ofsted introduced it.
pub fn ilacs_batch() -> Result<RecordBatch> {
    let err = |m: String| Error::Reference { name: FILE.into(), message: m };
    let mut gss = StringBuilder::new();
    let (mut inspected, mut published) = (Date32Builder::new(), Date32Builder::new());
    let mut grades: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
    let mut reader = csv::Reader::from_reader(TEXT.as_bytes());
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let date = |i: usize| {
            NaiveDate::parse_from_str(get(i), "%Y-%m-%d").map(date32).map_err(|e| err(format!("row {}: {:?}: {e}", n + 2, get(i))))
        };
        gss.append_value(get(0));
        inspected.append_value(date(3)?);
        published.append_value(date(4)?);
        for (k, b) in grades.iter_mut().enumerate() {
            let v = get(5 + k);
            if v.is_empty() {
                b.append_null();
            } else if JUDGEMENTS.contains(&v) {
                b.append_value(v);
            } else {
                return Err(err(format!("row {}: {v:?} is not an Ofsted judgement", n + 2)));
            }
        }
    }
    let mut fields = vec![
        Field::new("la_gss_code", DataType::Utf8, false),
        Field::new("ilacs_inspection_date", DataType::Date32, false),
        Field::new("ilacs_publication_date", DataType::Date32, false),
    ];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(gss.finish()), Arc::new(inspected.finish()), Arc::new(published.finish())];
    for (name, mut b) in GRADE_COLUMNS.iter().zip(grades) {
        fields.push(Field::new(*name, DataType::Utf8, true));
        arrays.push(Arc::new(b.finish()));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Ofsted's four judgements.
pub const JUDGEMENTS: [&str; 4] = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"];

/// The overall judgement and the four sub-judgements, in the file's order.
const GRADE_COLUMNS: [&str; 5] =
    ["ilacs_overall_effectiveness", "ilacs_leaders", "ilacs_help_and_protection", "ilacs_children_in_care", "ilacs_care_leavers"];

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};

    #[test]
    fn every_la_judged_once_with_ofsteds_published_counts() {
        let b = ilacs_batch().unwrap();
        // Ofsted, LA inspection outcomes as at 31 March 2025: 153 LAs.
        assert_eq!(b.num_rows(), 153);
        let codes = b.column(0).as_string::<i32>();
        let distinct: std::collections::HashSet<&str> = codes.iter().flatten().collect();
        assert_eq!(distinct.len(), 153);
        let overall = b.column(3).as_string::<i32>();
        let count = |j: &str| overall.iter().filter(|v| *v == Some(j)).count();
        assert_eq!((count("Outstanding"), count("Good"), count("Requires improvement to be good"), count("Inadequate")), (36, 67, 31, 19));
        // Care leavers' sub-judgement exists only for inspections from 1 January 2023 (50 LAs were
        // last inspected before then).
        let care_leavers = b.column(7).as_string::<i32>();
        let inspected = b.column(1).as_primitive::<datafusion::arrow::datatypes::Date32Type>();
        let from_2023 = date32(NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
        assert_eq!(care_leavers.null_count(), 50);
        for i in 0..b.num_rows() {
            assert_eq!(care_leavers.is_null(i), inspected.value(i) < from_2023, "row {i}");
        }
    }
}
