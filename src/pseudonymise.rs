//! Pseudonymisation of the analyst-facing tables.
//!
//! Analysts need to count and link children, not to know who they are. In analyst tables:
//! person ids and other identifiers become a keyed hash (HMAC-SHA256 under the secret in
//! `CSC_PSEUDONYM_KEY`, so the same child has the same pseudonym in every table and every run,
//! and nobody without the key can reverse or recompute it); children's names and free text are
//! removed; dates of birth keep only the month and year (the 1st of the month); postcodes keep
//! only the sector (`SO14 0AA` → `SO14 0`); workers' names are removed unless the pipeline file
//! allows them. The identifiable tables stay in the warehouse's restricted area.

use std::sync::Arc;

use chrono::Datelike;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Schema};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::normalise::cells::{date32, from_date32};
use crate::schema::TableSpec;
use crate::{Error, Result};

/// Environment variable holding the pseudonymisation key.
pub const KEY_VAR: &str = "CSC_PSEUDONYM_KEY";

/// Shortest key accepted, in bytes: a short key could be guessed and the hashes reversed.
pub const MIN_KEY_BYTES: usize = 16;

/// How analyst tables are made from the identifiable core.
#[derive(Clone)]
pub struct Pseudonymiser {
    /// HMAC-SHA256 already keyed (its inner and outer pads hashed once), cloned per identifier.
    keyed: Hmac<Sha256>,
    /// Keep workers' names (a pipeline-file choice).
    pub worker_names: bool,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Pseudonymiser").field("worker_names", &self.worker_names).finish_non_exhaustive()
    }
}

impl Pseudonymiser {
    /// A pseudonymiser with this key; an empty or short key is refused.
    pub fn new(key: &[u8], worker_names: bool) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::Config(format!("{KEY_VAR} must be at least {MIN_KEY_BYTES} bytes long")));
        }
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        Ok(Pseudonymiser { keyed, worker_names })
    }

    /// The pseudonym of an identifier: the first 16 bytes of HMAC-SHA256, as 32 hex digits.
    pub fn pseudonym(&self, id: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The analyst version of a core table.
    pub fn table(&self, spec: &TableSpec, batch: &RecordBatch) -> Result<RecordBatch> {
        let mut fields = Vec::with_capacity(batch.num_columns());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            let treatment = match spec.columns.iter().find(|c| c.name == *field.name()) {
                Some(c) => column_treatment(c, self.worker_names),
                None => Treatment::Keep, // provenance columns: source file and row
            };
            let (data_type, out): (DataType, ArrayRef) = match treatment {
                Treatment::Keep => (field.data_type().clone(), array.clone()),
                Treatment::Hash => (DataType::Utf8, Arc::new(self.hash_strings(array)?)),
                Treatment::Drop => (field.data_type().clone(), datafusion::arrow::array::new_null_array(field.data_type(), array.len())),
                Treatment::MonthOfBirth => (DataType::Date32, Arc::new(first_of_month(array)?)),
                Treatment::PostcodeSector => (DataType::Utf8, Arc::new(map_strings(array, |s| postcode_sector(s)))),
            };
            fields.push(Field::new(field.name(), data_type, true));
            arrays.push(out);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }

    fn hash_strings(&self, array: &ArrayRef) -> Result<StringArray> {
        Ok(map_strings(array, |s| Some(self.pseudonym(s))))
    }
}

/// What happens to one column in analyst tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    Keep,
    Hash,
    Drop,
    MonthOfBirth,
    PostcodeSector,
}

/// The treatment of a column, from its name and its `pii` kind in `schemas/ssd.toml`.
pub fn treatment(column: &str, pii: Option<&str>, worker_names: bool) -> Treatment {
    if column == "pers_person_id" || column.ends_with("_person_id") {
        return Treatment::Hash;
    }
    match pii {
        Some("identifier") => Treatment::Hash,
        Some("name") | Some("free_text") => Treatment::Drop,
        Some("worker_name") if !worker_names => Treatment::Drop,
        Some("date_of_birth") => Treatment::MonthOfBirth,
        Some("postcode") => Treatment::PostcodeSector,
        _ => Treatment::Keep,
    }
}

/// The treatment of a core column. Every record id (`type = "id"`: keys and the ids that join
/// tables) is hashed too: an export's record ids can be looked up in the case-management system,
/// and ids a reader derives from a child's id and a date could be worked back by trial.
pub fn column_treatment(column: &crate::schema::ColumnSpec, worker_names: bool) -> Treatment {
    match column.kind {
        crate::schema::ColumnType::Id => Treatment::Hash,
        _ => treatment(&column.name, column.pii.as_deref(), worker_names),
    }
}

/// Issues as analysts may see them: the raw value is removed wherever the column holds personal
/// data (a misspelt date of birth is still a date of birth), and wherever the issue cannot be
/// tied to a core column whose values are known not to be personal — it fails closed. The full
/// issues stay restricted.
pub fn redact_issues(issues: &[crate::quality::Issue], worker_names: bool) -> Vec<crate::quality::Issue> {
    let tables = crate::schema::ssd_tables();
    issues
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if i.value.is_some() {
                let key = i.core_column.clone().or_else(|| i.column.as_deref().map(crate::schema::header_key));
                let column = key.as_deref().and_then(|key| i.table.as_deref().and_then(|t| tables.iter().find(|s| s.name == t)).and_then(|s| s.columns.iter().find(|c| c.name == key)));
                let keep = column.is_some_and(|c| column_treatment(c, worker_names) == Treatment::Keep);
                if !keep {
                    i.value = None;
                }
            }
            i
        })
        .collect()
}

fn map_strings(array: &ArrayRef, f: impl Fn(&str) -> Option<String>) -> StringArray {
    let utf8 = datafusion::arrow::compute::cast(array, &DataType::Utf8).unwrap_or_else(|_| datafusion::arrow::array::new_null_array(&DataType::Utf8, array.len()));
    let s = utf8.as_string::<i32>();
    (0..s.len()).map(|i| if s.is_valid(i) { f(s.value(i)) } else { None }).collect()
}

fn first_of_month(array: &ArrayRef) -> Result<Date32Array> {
    let d = array
        .as_primitive_opt::<Date32Type>()
        .ok_or_else(|| Error::Config(format!("a date-of-birth column holds {}, not dates", array.data_type())))?;
    Ok(d.iter().map(|v| v.map(|v| date32(from_date32(v).with_day(1).expect("day 1 exists")))).collect())
}

/// The postcode sector: outward code and the first digit of the inward code (`SO14 0AA` →
/// `SO14 0`). Anything that is not a full UK postcode is dropped rather than published as is.
pub fn postcode_sector(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let mut inward = inward.chars();
    let digit = inward.next().filter(char::is_ascii_digit)?;
    if !inward.all(|c| c.is_ascii_alphabetic()) || !outward.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(format!("{outward} {digit}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymiser {
        Pseudonymiser::new(b"a test key of enough length", false).unwrap()
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_not_the_id() {
        let a = p().pseudonym("P001");
        assert_eq!(a, p().pseudonym("P001"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, p().pseudonym("P002"));
        let other = Pseudonymiser::new(b"another key of enough length", false).unwrap();
        assert_ne!(a, other.pseudonym("P001"), "a different key gives different pseudonyms");
        assert!(Pseudonymiser::new(b"short", false).is_err());
        assert!(!format!("{:?}", p()).contains("test key"), "the key never reaches logs");
    }

    #[test]
    fn postcodes_keep_the_sector_only() {
        assert_eq!(postcode_sector("SO14 0AA").as_deref(), Some("SO14 0"));
        assert_eq!(postcode_sector("so140aa").as_deref(), Some("SO14 0"));
        assert_eq!(postcode_sector("EC1A 1BB").as_deref(), Some("EC1A 1"));
        assert_eq!(postcode_sector("M1 1AE").as_deref(), Some("M1 1"));
        assert_eq!(postcode_sector("nope"), None);
        assert_eq!(postcode_sector("2TR"), None);
    }

    #[test]
    fn treatments_follow_the_schema() {
        assert_eq!(treatment("cont_person_id", None, false), Treatment::Hash);
        assert_eq!(treatment("pers_forename", Some("name"), true), Treatment::Drop);
        assert_eq!(treatment("prof_professional_name", Some("worker_name"), false), Treatment::Drop);
        assert_eq!(treatment("prof_professional_name", Some("worker_name"), true), Treatment::Keep);
        assert_eq!(treatment("pers_dob", Some("date_of_birth"), false), Treatment::MonthOfBirth);
        assert_eq!(treatment("cont_contact_date", None, false), Treatment::Keep);
    }

    #[test]
    fn person_table_loses_names_and_birth_days() {
        let spec = crate::schema::ssd_tables().iter().find(|t| t.name == "person").unwrap();
        let mut cols: Vec<ArrayRef> = Vec::new();
        for c in &spec.columns {
            let a: ArrayRef = match c.kind.data_type() {
                DataType::Date32 => Arc::new(Date32Array::from(vec![Some(date32(chrono::NaiveDate::from_ymd_opt(2015, 6, 17).unwrap()))])),
                _ => Arc::new(StringArray::from(vec![Some(if c.name == "pers_person_id" { "P001" } else { "Alice" })])),
            };
            cols.push(a);
        }
        cols.push(Arc::new(StringArray::from(vec![Some("f.csv")])));
        cols.push(Arc::new(datafusion::arrow::array::Int64Array::from(vec![Some(2)])));
        let batch = RecordBatch::try_new(spec.arrow_schema(), cols).unwrap();
        let out = p().table(spec, &batch).unwrap();
        let text = |n: &str| {
            let a = datafusion::arrow::compute::cast(out.column_by_name(n).unwrap(), &DataType::Utf8).unwrap();
            let s = a.as_string::<i32>();
            s.is_valid(0).then(|| s.value(0).to_string())
        };
        assert_eq!(text("pers_person_id"), Some(p().pseudonym("P001")));
        assert_eq!(text("pers_forename"), None);
        assert_eq!(text("pers_surname"), None);
        assert_eq!(text("pers_dob").as_deref(), Some("2015-06-01"));
        assert_eq!(text("pers_common_child_id"), Some(p().pseudonym("Alice")));
    }
}
