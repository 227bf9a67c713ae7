//! Reference data compiled into the binary: code lists (`reference/codes/`) and the ONS mid-year
//! population estimates DfE uses for rates (`reference/dfe/`).
//!
//! Refreshing: replace the CSV with DfE's newer release (same columns) and rebuild; the unit
//! tests below check the figures the measures rely on.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{ArrayRef, Int32Builder, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::{Error, Result};

pub mod postcodes;

/// ONS mid-year estimates of children aged 0–17, 2012–2024, as republished by DfE in the CSC
/// outcomes and enablers dashboard (`data-raw/ons_mid-year_population_estimates_2012_to_2024.csv`,
/// Open Government Licence). Census-2021-based, with DfE's 2025 revision of mid-2022 and mid-2023.
const POPULATION_CSV: &str = include_str!("../reference/dfe/ons_mid-year_population_estimates_2012_to_2024.csv");
/// ONS Census 2021 usual residents (all ages) by ethnic group (20 categories) and upper-tier LA.
const ETHNIC_POPULATION_CSV: &str = include_str!("../reference/dfe/ons-ethnic-population-la.csv");

const CODE_LISTS: &[(&str, &str)] = &[
    ("sex", include_str!("../reference/codes/sex.csv")),
    ("ethnicity", include_str!("../reference/codes/ethnicity.csv")),
    ("referral_source", include_str!("../reference/codes/referral_source.csv")),
    ("primary_need", include_str!("../reference/codes/primary_need.csv")),
    ("cin_closure_reason", include_str!("../reference/codes/cin_closure_reason.csv")),
    ("category_of_abuse", include_str!("../reference/codes/category_of_abuse.csv")),
    ("reason_new_episode", include_str!("../reference/codes/reason_new_episode.csv")),
    ("reason_episode_ceased", include_str!("../reference/codes/reason_episode_ceased.csv")),
    ("placement_type", include_str!("../reference/codes/placement_type.csv")),
    ("placement_provider", include_str!("../reference/codes/placement_provider.csv")),
    ("placement_change_reason", include_str!("../reference/codes/placement_change_reason.csv")),
    ("legal_status", include_str!("../reference/codes/legal_status.csv")),
    ("review_participation", include_str!("../reference/codes/review_participation.csv")),
    ("missing_episode_type", include_str!("../reference/codes/missing_episode_type.csv")),
    ("care_leaver_in_touch", include_str!("../reference/codes/care_leaver_in_touch.csv")),
    ("care_leaver_activity", include_str!("../reference/codes/care_leaver_activity.csv")),
    ("care_leaver_accommodation", include_str!("../reference/codes/care_leaver_accommodation.csv")),
];

/// Code lists by name; each maps an upper-cased code to its canonical spelling.
#[derive(Debug, Default)]
pub struct CodeLists {
    lists: HashMap<String, HashMap<String, String>>,
}

impl CodeLists {
    /// The code lists compiled into the binary.
    pub fn builtin() -> &'static CodeLists {
        static LISTS: OnceLock<CodeLists> = OnceLock::new();
        LISTS.get_or_init(|| {
            let mut lists = HashMap::new();
            for (name, text) in CODE_LISTS {
                let mut codes = HashMap::new();
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                for record in reader.records().flatten() {
                    if let Some(code) = record.get(0) {
                        codes.insert(code.trim().to_ascii_uppercase(), code.trim().to_string());
                    }
                }
                lists.insert(name.to_string(), codes);
            }
            CodeLists { lists }
        })
    }

    /// Whether a list of this name exists.
    pub fn has_list(&self, list: &str) -> bool {
        self.lists.contains_key(list)
    }

    /// The canonical spelling of `value` in `list`, matched without regard to case.
    pub fn lookup(&self, list: &str, value: &str) -> Option<&str> {
        self.lists.get(list)?.get(&value.trim().to_ascii_uppercase()).map(String::as_str)
    }
}

/// `ref_ethnic_population`: the Census 2021 population of each upper-tier LA (`la_gss_code`) by
/// ONS ethnic group (`ons_code` 1-19, `ons_group` its label; -8 "does not apply" is left out),
/// for the disproportionality rates.
pub fn ethnic_population_batch() -> Result<RecordBatch> {
    let err = |m: String| Error::Reference { name: "ons-ethnic-population-la".into(), message: m };
    let mut reader = csv::Reader::from_reader(ETHNIC_POPULATION_CSV.as_bytes());
    let (mut gss, mut code, mut group, mut pop) = (StringBuilder::new(), Int32Builder::new(), StringBuilder::new(), Int64Builder::new());
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let c: i32 = get(2).parse().map_err(|_| err(format!("row {}: ethnic group code {:?}", n + 2, get(2))))?;
        if c < 1 {
            continue;
        }
        let p: i64 = get(4).parse().map_err(|_| err(format!("row {}: population {:?}", n + 2, get(4))))?;
        gss.append_value(get(0));
        code.append_value(c);
        group.append_value(get(3));
        pop.append_value(p);
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("la_gss_code", DataType::Utf8, false),
        Field::new("ons_code", DataType::Int32, false),
        Field::new("ons_group", DataType::Utf8, false),
        Field::new("population", DataType::Int64, false),
    ]));
    let arrays: Vec<ArrayRef> = vec![Arc::new(gss.finish()), Arc::new(code.finish()), Arc::new(group.finish()), Arc::new(pop.finish())];
    Ok(RecordBatch::try_new(schema, arrays)?)
}

/// Population table registered for the SQL as `ref_population`.
///
/// Columns: `year` (mid-year of the estimate), `geographic_level` (National, Regional, Local
/// authority), `la_code` (DfE three-digit code, e.g. `852`), `la_gss_code` (`E06000045`),
/// `area_name`, `region_name`, `population_0_17`.
pub fn population_batch() -> Result<RecordBatch> {
    let err = |m: String| Error::Reference { name: "ons_mid-year_population_estimates".into(), message: m };
    let mut reader = csv::Reader::from_reader(POPULATION_CSV.as_bytes());
    let headers = reader.headers().map_err(|e| err(e.to_string()))?.clone();
    let idx = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| err(format!("column {name} missing")));
    let (i_year, i_level, i_old, i_new, i_la, i_region, i_age, i_pop) = (
        idx("time_period")?,
        idx("geographic_level")?,
        idx("old_la_code")?,
        idx("new_la_code")?,
        idx("la_name")?,
        idx("region_name")?,
        idx("age_group")?,
        idx("population_estimate")?,
    );
    let mut year = Int32Builder::new();
    let mut level = StringBuilder::new();
    let mut la_code = StringBuilder::new();
    let mut gss = StringBuilder::new();
    let mut area = StringBuilder::new();
    let mut region = StringBuilder::new();
    let mut pop = Int64Builder::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
        if record.get(i_age) != Some("Children aged 0 to 17 years") {
            continue;
        }
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let y: i32 = get(i_year).parse().map_err(|_| err(format!("row {}: year {:?}", n + 2, get(i_year))))?;
        // DfE marks estimates it does not publish with `x` (not available); such rows carry no
        // population and are left out, so a rate for that area and year has no denominator.
        let Ok(p) = get(i_pop).parse::<i64>() else {
            if get(i_pop).eq_ignore_ascii_case("x") || get(i_pop).eq_ignore_ascii_case("z") {
                continue;
            }
            return Err(err(format!("row {}: population {:?}", n + 2, get(i_pop))));
        };
        let opt = |s: &str| if s.is_empty() { None } else { Some(s.to_string()) };
        let lvl = get(i_level);
        year.append_value(y);
        level.append_value(lvl);
        la_code.append_option(opt(get(i_old)));
        gss.append_option(opt(get(i_new)));
        let name = match lvl {
            "National" => "England",
            "Regional" => get(i_region),
            _ => get(i_la),
        };
        area.append_value(name);
        region.append_option(opt(get(i_region)));
        pop.append_value(p);
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("year", DataType::Int32, false),
        Field::new("geographic_level", DataType::Utf8, false),
        Field::new("la_code", DataType::Utf8, true),
        Field::new("la_gss_code", DataType::Utf8, true),
        Field::new("area_name", DataType::Utf8, false),
        Field::new("region_name", DataType::Utf8, true),
        Field::new("population_0_17", DataType::Int64, false),
    ]));
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(year.finish()),
        Arc::new(level.finish()),
        Arc::new(la_code.finish()),
        Arc::new(gss.finish()),
        Arc::new(area.finish()),
        Arc::new(region.finish()),
        Arc::new(pop.finish()),
    ];
    Ok(RecordBatch::try_new(schema, arrays)?)
}

/// Ofsted Annex A lettered values (`reference/annex_a/lettered_values.csv`), registered for the
/// SQL as `ref_annex_a_value(domain, code, value)`.
pub fn annex_a_values_batch() -> Result<RecordBatch> {
    let text = include_str!("../reference/annex_a/lettered_values.csv");
    let err = |m: String| Error::Reference { name: "annex_a/lettered_values".into(), message: m };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let (mut domain, mut code, mut value) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(format!("row {}: {e}", n + 2)))?;
        match (record.get(0), record.get(1), record.get(2)) {
            (Some(d), Some(c), Some(v)) => {
                domain.append_value(d);
                code.append_value(c);
                value.append_value(v);
            }
            _ => return Err(err(format!("row {} needs domain, code and value", n + 2))),
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("domain", DataType::Utf8, false),
        Field::new("code", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ]));
    Ok(RecordBatch::try_new(schema, vec![Arc::new(domain.finish()), Arc::new(code.finish()), Arc::new(value.finish())])?)
}

/// Name of a local authority by its DfE code, from the population table (read once per
/// process: a hub looks up every LA folder's code).
pub fn la_name(la_code: &str) -> Option<String> {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<String, String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut names = std::collections::HashMap::new();
        for r in csv::Reader::from_reader(POPULATION_CSV.as_bytes()).records().flatten() {
            if let (Some(code), Some(name)) = (r.get(7), r.get(9)) {
                // The first row of a code names it, as the search this replaces did.
                names.entry(code.to_string()).or_insert_with(|| name.to_string());
            }
        }
        names
    });
    names.get(la_code).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Int32Array, Int64Array, StringArray};

    fn population(batch: &RecordBatch, la: &str, y: i32) -> Option<i64> {
        let years = batch.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        let codes = batch.column(2).as_any().downcast_ref::<StringArray>().unwrap();
        let pops = batch.column(6).as_any().downcast_ref::<Int64Array>().unwrap();
        (0..batch.num_rows()).find(|&i| years.value(i) == y && !codes.is_null(i) && codes.value(i) == la).map(|i| pops.value(i))
    }

    #[test]
    fn southampton_populations_match_dfe() {
        // docs/definitions.md §4.3: mid-2021 49,388; mid-2022 49,978; mid-2024 50,941.
        let b = population_batch().unwrap();
        assert_eq!(population(&b, "852", 2021), Some(49_388));
        assert_eq!(population(&b, "852", 2022), Some(49_978));
        assert_eq!(population(&b, "852", 2024), Some(50_941));
        assert_eq!(la_name("852").as_deref(), Some("Southampton"));
    }

    #[test]
    fn code_lookup_is_case_insensitive_and_canonical() {
        let c = CodeLists::builtin();
        assert_eq!(c.lookup("primary_need", " n1 "), Some("N1"));
        assert_eq!(c.lookup("primary_need", "N12"), None);
        assert_eq!(c.lookup("category_of_abuse", "neg"), Some("NEG"));
        assert!(c.has_list("placement_type"));
    }
}
