//! DfE statistical-neighbour groupings (`reference/dfe/`): each LA's ten nearest LAs, as the
//! table `ref_statistical_neighbour(sn_model, la_code, la_name, region_name, sn_rank,
//! neighbour_la_code, closeness)`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int32Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::marts::SnModel;
use crate::{Error, Result};

/// Neighbours per LA in both groupings.
pub const NEIGHBOURS: usize = 10;

/// A grouping file: its model, name, text, and the 0-based positions of the LA code, LA name,
/// region name and the first neighbour (each neighbour is followed by its closeness).
struct Grouping {
    model: SnModel,
    file: &'static str,
    text: &'static str,
    la: usize,
    name: usize,
    region: usize,
    first: usize,
}

const GROUPINGS: &[Grouping] = &[
    // Header: LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, ..., SN10, SNP.
    Grouping {
        model: SnModel::Groupings2021,
        file: "New_Statistical_Neighbour_Groupings_April_2021.csv",
        text: include_str!("../../reference/dfe/New_Statistical_Neighbour_Groupings_April_2021.csv"),
        la: 0,
        name: 1,
        region: 4,
        first: 5,
    },
    // Header: old_la_code, la_name, region_ind, region_name, SN_1, SN_1P, ..., SN_10, SN_10P.
    Grouping {
        model: SnModel::Model2025,
        file: "sn_model_2025_wide.csv",
        text: include_str!("../../reference/dfe/sn_model_2025_wide.csv"),
        la: 0,
        name: 1,
        region: 3,
        first: 4,
    },
];

/// Both groupings, long: ten rows per LA and model, `sn_rank` 1 (closest) to 10. Closeness is
/// DfE's wording in sentence case (`Very close`, `Close`, `Somewhat close`, `Not close`).
pub fn neighbours_batch() -> Result<RecordBatch> {
    let (mut model, mut la, mut name, mut region, mut rank, mut neighbour, mut closeness) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        Int32Builder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    for g in GROUPINGS {
        let err = |m: String| Error::Reference { name: format!("reference/dfe/{}", g.file), message: m };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(g.text.as_bytes());
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
            let get = |i: usize| record.get(i).unwrap_or("").trim();
            if get(g.la).is_empty() {
                continue;
            }
            for k in 0..NEIGHBOURS {
                let code = get(g.first + 2 * k);
                if code.is_empty() {
                    return Err(err(format!("row {}: neighbour {} missing", n + 2, k + 1)));
                }
                model.append_value(g.model.as_str());
                la.append_value(get(g.la));
                name.append_value(get(g.name));
                region.append_value(get(g.region));
                rank.append_value(k as i32 + 1);
                neighbour.append_value(code);
                closeness.append_value(sentence_case(get(g.first + 2 * k + 1)));
            }
        }
    }
    let text = |n: &str| Field::new(n, DataType::Utf8, false);
    let schema = Arc::new(Schema::new(vec![
        text("sn_model"),
        text("la_code"),
        text("la_name"),
        text("region_name"),
        Field::new("sn_rank", DataType::Int32, false),
        text("neighbour_la_code"),
        text("closeness"),
    ]));
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(model.finish()),
        Arc::new(la.finish()),
        Arc::new(name.finish()),
        Arc::new(region.finish()),
        Arc::new(rank.finish()),
        Arc::new(neighbour.finish()),
        Arc::new(closeness.finish()),
    ];
    Ok(RecordBatch::try_new(schema, arrays)?)
}

fn sentence_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};

    fn neighbours_of(model: SnModel, la: &str) -> Vec<(String, String)> {
        let b = neighbours_batch().unwrap();
        let col = |i: usize| b.column(i).as_string::<i32>().clone();
        let (m, l, n, c) = (col(0), col(1), col(5), col(6));
        (0..b.num_rows())
            .filter(|&i| m.value(i) == model.as_str() && l.value(i) == la)
            .map(|i| (n.value(i).to_string(), c.value(i).to_string()))
            .collect()
    }

    #[test]
    fn southampton_neighbours_match_kpi_definitions_4_5() {
        // 2021: Portsmouth, Sheffield, Peterborough, Plymouth, Derby (very close), then Bristol,
        // Coventry, Stoke-on-Trent, Kingston upon Hull, Salford (close).
        let sn = neighbours_of(SnModel::Groupings2021, "852");
        let codes: Vec<&str> = sn.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["851", "373", "874", "879", "831", "801", "331", "861", "810", "355"]);
        assert_eq!(sn[0].1, "Very close");
        assert_eq!(sn[9].1, "Close");
        // 2025: Coventry, Derby, Portsmouth (very close), Sheffield, Hillingdon, Salford,
        // Peterborough, Leeds, Bolton, Waltham Forest (close).
        let sn = neighbours_of(SnModel::Model2025, "852");
        let codes: Vec<&str> = sn.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["331", "831", "851", "373", "312", "355", "874", "383", "350", "320"]);
        assert!(neighbours_batch().unwrap().column(0).null_count() == 0);
    }
}
