//! DfE's published tables (`reference/dfe/`), melted into one long table of cells,
//! `ref_dfe_cell`, that `sql/marts/ref_published.sql` maps to measure ids. Rust only reshapes:
//! which column is which measure, and how rates and percentages are worked out, is in the SQL.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::calendar::financial_year_label;
use crate::{Error, Result};

/// A DfE column name as the SQL names it: trimmed, lower case, byte-order mark removed. Hyphens
/// stay (`duration_0-10_days`), unlike the forgiving match used for exports.
fn dfe_column(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
}

/// The DfE LA-level tables benchmarks read: (`source` name used in the SQL, file, text).
pub const DFE_TABLES: &[(&str, &str, &str)] = &[
    ("b1", "b1_children_in_need_2013_to_2025.csv", include_str!("../../reference/dfe/b1_children_in_need_2013_to_2025.csv")),
    (
        "c1",
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        include_str!("../../reference/dfe/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"),
    ),
    (
        "c4",
        "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv",
        include_str!("../../reference/dfe/c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"),
    ),
    ("d3", "d3_cpps_subsequent_plan_2013_to_2025.csv", include_str!("../../reference/dfe/d3_cpps_subsequent_plan_2013_to_2025.csv")),
    (
        "d5",
        "d5_cpps_at31march_by_duration_2013_to_2025.csv",
        include_str!("../../reference/dfe/d5_cpps_at31march_by_duration_2013_to_2025.csv"),
    ),
    ("cla", "cla_number_and_rate_per_10k_children.csv", include_str!("../../reference/dfe/cla_number_and_rate_per_10k_children.csv")),
    ("stability", "la_cla_placement_stability.csv", include_str!("../../reference/dfe/la_cla_placement_stability.csv")),
    ("leavers_activity", "la_care_leavers_activity.csv", include_str!("../../reference/dfe/la_care_leavers_activity.csv")),
    (
        "leavers_accommodation",
        "la_care_leavers_accommodation_suitability.csv",
        include_str!("../../reference/dfe/la_care_leavers_accommodation_suitability.csv"),
    ),
    (
        "c3",
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        include_str!("../../reference/dfe/c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"),
    ),
    ("health", "la_conviction_health_outcome_cla.csv", include_str!("../../reference/dfe/la_conviction_health_outcome_cla.csv")),
    ("new_placements", "la_cla_during_year_new_placements.csv", include_str!("../../reference/dfe/la_cla_during_year_new_placements.csv")),
    ("swcount", "la_cla_swcount.csv", include_str!("../../reference/dfe/la_cla_swcount.csv")),
    ("school_moves", "la_cla_school_moves.csv", include_str!("../../reference/dfe/la_cla_school_moves.csv")),
    ("csww", "csww_indicators_2017_to_2025.csv", include_str!("../../reference/dfe/csww_indicators_2017_to_2025.csv")),
];

/// A measure id DfE publishes a comparator for (`sql/marts/ref_published.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    pub measure_id: String,
    /// How the value is worked out: `count`, `percent`, `ratio`, `rate` or `value`.
    pub kind: String,
    /// The DfE file in `reference/dfe/` it is read from.
    pub file: String,
}

/// The comparators `sql/marts/ref_published.sql` maps, read from its mapping rows (`('id',
/// 'kind', 'source', ...)`) and the summed new-placement rows, for the data dictionary.
pub fn comparators() -> Vec<Comparator> {
    let quoted = |line: &str| -> Vec<String> { line.split('\'').skip(1).step_by(2).map(str::to_string).collect() };
    let file = |source: &str| DFE_TABLES.iter().find(|(s, _, _)| *s == source).map(|(_, f, _)| f.to_string());
    let mut out = Vec::new();
    for line in super::REF_PUBLISHED_SQL.1.lines().map(str::trim).filter(|l| l.starts_with("('") || l.starts_with("VALUES ('")) {
        let q = quoted(line);
        let (kind, source) = if q.get(1).is_some_and(|b| b.starts_with("Location of new placements")) {
            ("ratio", "new_placements")
        } else {
            match (q.get(1), q.get(2)) {
                (Some(k), Some(s)) => (k.as_str(), s.as_str()),
                _ => continue,
            }
        };
        if let Some(file) = file(source) {
            out.push(Comparator { measure_id: q[0].clone(), kind: kind.to_string(), file });
        }
    }
    out.sort_by(|a, b| a.measure_id.cmp(&b.measure_id));
    out
}

/// Columns that name the breakdown a row is. The CIN tables have `category`, the CLA table
/// `population_type`; the long-format CLA, care-leaver and health tables have two or three each
/// (cohort and outcome, age and activity; school moves: cohort, kind of move and outcome), joined
/// with ` | ` in this order.
const BREAKDOWN_COLUMNS: &[&str] = &[
    "population_type",
    "category",
    "characteristic",
    "cla_group",
    "move_measure",
    "placement_stability",
    "sw_stability",
    "school_stability",
    "care_leaver_age",
    "breakdown",
];

/// Columns that describe a row rather than hold a figure. `category` / `population_type` name
/// the breakdown a row is (constant in the CIN tables; the CLA table has three).
const ID_COLUMNS: &[&str] = &[
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "category",
    "population_type",
    "characteristic",
    "cla_group",
    "move_measure",
    "placement_stability",
    "sw_stability",
    "school_stability",
    "care_leaver_age",
    "breakdown",
];

/// `ref_dfe_cell`: one row per figure of every DfE table in [`DFE_TABLES`].
///
/// Columns: `source` (`c1`, ...), `row_id` (unique per CSV row, so cells of one row can be
/// joined), `time_period` (year ending 31 March), `year_label` (`2020-21`), `geographic_level`
/// (National, Regional, Local authority), `la_code` (DfE three-digit), `la_gss_code`,
/// `area_name` (England, the region, or the LA), `region_name`, `breakdown` (the row's
/// `category` or `population_type`), `item` (the column, lower case), `number` (null when not a
/// number) and `code` (the published text when it is not a number: `c`, `x`, `z`, `u`, `low`...).
pub fn dfe_cells_batch() -> Result<RecordBatch> {
    let mut b = Builders::default();
    let mut row_id: i64 = 0;
    for (source, file, text) in DFE_TABLES {
        let err = |m: String| Error::Reference { name: format!("reference/dfe/{file}"), message: m };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().map_err(|e| err(e.to_string()))?.iter().map(dfe_column).collect();
        let idx = |name: &str| header.iter().position(|h| h == name);
        let need = |name: &str| idx(name).ok_or_else(|| err(format!("column {name} missing")));
        let (i_year, i_level, i_region, i_old, i_new, i_la) = (
            need("time_period")?,
            need("geographic_level")?,
            need("region_name")?,
            need("old_la_code")?,
            need("new_la_code")?,
            need("la_name")?,
        );
        let i_breakdown: Vec<usize> = BREAKDOWN_COLUMNS.iter().filter_map(|c| idx(c)).collect();
        let values: Vec<usize> =
            (0..header.len()).filter(|&i| !ID_COLUMNS.contains(&header[i].as_str()) && !header[i].is_empty()).collect();
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
            let get = |i: usize| record.get(i).unwrap_or("").trim();
            let year: i32 = get(i_year).parse().map_err(|_| err(format!("row {}: time_period {:?}", n + 2, get(i_year))))?;
            let year_end = NaiveDate::from_ymd_opt(year, 3, 31).ok_or_else(|| err(format!("row {}: year {year}", n + 2)))?;
            let level = get(i_level);
            let area = match level {
                "National" => "England",
                "Regional" => get(i_region),
                _ => get(i_la),
            };
            row_id += 1;
            for &i in &values {
                let raw = get(i);
                let number = raw.parse::<f64>().ok().filter(|v| v.is_finite());
                b.source.append_value(source);
                b.row_id.append_value(row_id);
                b.year.append_value(year);
                b.year_label.append_value(financial_year_label(year_end));
                b.level.append_value(level);
                b.la_code.append_option(Some(get(i_old)).filter(|s| !s.is_empty()));
                b.gss.append_option(Some(get(i_new)).filter(|s| !s.is_empty()));
                b.area.append_value(area);
                b.region.append_option(Some(get(i_region)).filter(|s| !s.is_empty()));
                b.breakdown
                    .append_option((!i_breakdown.is_empty()).then(|| i_breakdown.iter().map(|&i| get(i)).collect::<Vec<_>>().join(" | ")));
                b.item.append_value(&header[i]);
                b.number.append_option(number);
                b.code.append_option(if number.is_none() { Some(raw) } else { None });
            }
        }
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparators_name_their_dfe_files() {
        let all = comparators();
        let find = |id: &str| all.iter().find(|c| c.measure_id == id).cloned();
        assert_eq!(find("af_neglect").map(|c| c.file), Some("c3_factors_identified_at_end_of_assessment_2018_to_2025.csv".into()));
        assert_eq!(find("cla_new_placements_outside_la_pct").map(|c| c.kind), Some("ratio".into()));
        assert_eq!(find("agency_workers_pct").map(|c| c.kind), Some("value".into()));
        assert_eq!(find("referral_rate_per_10k").map(|c| c.kind), Some("rate".into()));
        assert_eq!(all.len(), 91, "one per mapped measure id");
    }
}

#[derive(Default)]
struct Builders {
    source: StringBuilder,
    row_id: Int64Builder,
    year: Int32Builder,
    year_label: StringBuilder,
    level: StringBuilder,
    la_code: StringBuilder,
    gss: StringBuilder,
    area: StringBuilder,
    region: StringBuilder,
    breakdown: StringBuilder,
    item: StringBuilder,
    number: Float64Builder,
    code: StringBuilder,
}

impl Builders {
    fn finish(mut self) -> Result<RecordBatch> {
        let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
        let schema = Arc::new(Schema::new(vec![
            text("source", false),
            Field::new("row_id", DataType::Int64, false),
            Field::new("time_period", DataType::Int32, false),
            text("year_label", false),
            text("geographic_level", false),
            text("la_code", true),
            text("la_gss_code", true),
            text("area_name", false),
            text("region_name", true),
            text("breakdown", true),
            text("item", false),
            Field::new("number", DataType::Float64, true),
            text("code", true),
        ]));
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(self.source.finish()),
            Arc::new(self.row_id.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.year_label.finish()),
            Arc::new(self.level.finish()),
            Arc::new(self.la_code.finish()),
            Arc::new(self.gss.finish()),
            Arc::new(self.area.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.breakdown.finish()),
            Arc::new(self.item.finish()),
            Arc::new(self.number.finish()),
            Arc::new(self.code.finish()),
        ];
        Ok(RecordBatch::try_new(schema, arrays)?)
    }
}
