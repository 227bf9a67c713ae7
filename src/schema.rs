//! The canonical core tables: which SSD table each one comes from, its columns and their types.
//!
//! The definitions are data (`schemas/ssd.toml`, compiled into the binary) so that adding a
//! column is a change to that file, not to code.

use std::sync::{Arc, OnceLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::Deserialize;

use crate::{Error, Result};

/// Lineage column: the input file a core row came from.
pub const SOURCE_FILE: &str = "_source_file";
/// Lineage column: the row of that file, as a spreadsheet numbers it (header = row 1).
pub const SOURCE_ROW: &str = "_source_row";

/// How a column's text is typed during normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Identifier: trimmed, a spreadsheet's trailing `.0` removed.
    Id,
    /// Free text, trimmed.
    Text,
    /// A code checked against a code list in `reference/codes/`.
    Code,
    /// A calendar date (Arrow Date32).
    Date,
    /// A yes/no flag, published as `Y` or `N`.
    Flag,
    /// A decimal number (Arrow Float64).
    Number,
}

impl ColumnType {
    /// The Arrow type the column has in the core table.
    pub fn data_type(self) -> DataType {
        match self {
            ColumnType::Date => DataType::Date32,
            ColumnType::Number => DataType::Float64,
            _ => DataType::Utf8,
        }
    }
}

/// One column of a core table.
#[derive(Debug, Clone, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Code list name, for `code` columns.
    pub codes: Option<String>,
    /// A row without this value is rejected.
    #[serde(default)]
    pub required: bool,
    /// Kind of personal data held (name, date_of_birth, identifier, postcode).
    pub pii: Option<String>,
    /// SSD data item reference, e.g. `PERS001A`.
    pub item_ref: Option<String>,
    /// Published format the value must have (`upn`, `postcode`, `nhs_number`); a value that fails
    /// it is kept and reported ([`crate::quality::formats`]).
    pub format: Option<String>,
    /// For a code column whose DfE list changed between collection years: that list,
    /// `cin:<list>` (`reference/formats/cin/codes.csv`) or `ssda903:<list>`
    /// (`reference/formats/ssda903/codes.csv`); the SSD reader reports a code outside the list of
    /// its record's collection year ([`crate::normalise::code_years`]).
    pub year_codes: Option<String>,
    /// The date column that places the record in a collection year, for `year_codes`.
    pub year_of: Option<String>,
}

/// One canonical core table.
#[derive(Debug, Clone, Deserialize)]
pub struct TableSpec {
    /// Core table name (`person`, `referral`, ...).
    pub name: String,
    /// SSD table it is read from (`ssd_person`, `ssd_cin_episodes`, ...).
    pub source: String,
    /// Column whose value identifies a row; duplicates keep the first occurrence.
    pub primary_key: String,
    #[serde(rename = "column")]
    pub columns: Vec<ColumnSpec>,
}

impl TableSpec {
    /// Arrow schema of the core table: the spec's columns then the lineage columns.
    pub fn arrow_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = self.columns.iter().map(|c| Field::new(&c.name, c.kind.data_type(), !c.required)).collect();
        fields.push(Field::new(SOURCE_FILE, DataType::Utf8, true));
        fields.push(Field::new(SOURCE_ROW, DataType::Int64, true));
        Arc::new(Schema::new(fields))
    }

    /// Position of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

#[derive(Deserialize)]
struct SchemaFile {
    table: Vec<TableSpec>,
}

/// The kinds of personal data a column may declare (`pii`); `none` means reviewed, none.
pub const PII_KINDS: [&str; 8] = ["name", "date_of_birth", "date_of_death", "identifier", "postcode", "worker_name", "free_text", "none"];

/// Parses a schema file's text.
pub fn parse_tables(text: &str) -> Result<Vec<TableSpec>> {
    let file: SchemaFile =
        toml::from_str(text).map_err(|e| Error::Reference { name: "schemas/ssd.toml".into(), message: e.to_string() })?;
    for table in &file.table {
        if table.column_index(&table.primary_key).is_none() {
            return Err(Error::Reference {
                name: "schemas/ssd.toml".into(),
                message: format!("table {}: primary key {} is not a column", table.name, table.primary_key),
            });
        }
        // A misspelt kind would publish the column to analysts as is.
        if let Some(c) = table.columns.iter().find(|c| c.pii.as_deref().is_some_and(|p| !PII_KINDS.contains(&p))) {
            return Err(Error::Reference {
                name: "schemas/ssd.toml".into(),
                message: format!("table {}: column {} has pii = {:?}, not one of {PII_KINDS:?}", table.name, c.name, c.pii),
            });
        }
        // A misspelt format would check nothing.
        if let Some(c) = table.columns.iter().find(|c| c.format.as_deref().is_some_and(|f| !crate::quality::formats::FORMATS.contains(&f)))
        {
            return Err(Error::Reference {
                name: "schemas/ssd.toml".into(),
                message: format!(
                    "table {}: column {} has format = {:?}, not one of {:?}",
                    table.name,
                    c.name,
                    c.format,
                    crate::quality::formats::FORMATS
                ),
            });
        }
    }
    Ok(file.table)
}

/// The SSD core tables compiled into the binary.
pub fn ssd_tables() -> &'static [TableSpec] {
    static TABLES: OnceLock<Vec<TableSpec>> = OnceLock::new();
    TABLES.get_or_init(|| parse_tables(include_str!("../schemas/ssd.toml")).expect("schemas/ssd.toml is checked by a unit test"))
}

/// Normalises a header cell for matching: byte-order mark removed, trimmed, lower case, and runs
/// of spaces, hyphens or dots made one underscore (`Pers Person-ID` → `pers_person_id`).
pub fn header_key(raw: &str) -> String {
    let mut key = String::with_capacity(raw.len());
    for c in raw.trim_start_matches('\u{feff}').trim().chars() {
        if matches!(c, ' ' | '-' | '.' | '\t') {
            if !key.ends_with('_') {
                key.push('_');
            }
        } else {
            key.push(c.to_ascii_lowercase());
        }
    }
    key
}

/// Finds the core table a CSV header row belongs to: the table whose primary key is present and
/// which shares the most columns with the header. Returns `None` when no table's key is present.
pub fn table_for_header<'a>(tables: &'a [TableSpec], header: &[String]) -> Option<&'a TableSpec> {
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    tables.iter().filter(|t| keys.contains(&t.primary_key)).max_by_key(|t| t.columns.iter().filter(|c| keys.contains(&c.name)).count())
}

/// Spreadsheet column letter for a zero-based column index (0 → A, 26 → AA).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_forgive_case_spacing_and_punctuation() {
        assert_eq!(header_key("\u{feff} Pers Person-ID "), "pers_person_id");
        assert_eq!(header_key("cont_contact_date"), "cont_contact_date");
        assert_eq!(header_key("CINE  REFERRAL.DATE"), "cine_referral_date");
    }

    #[test]
    fn compiled_schema_parses_and_names_the_walking_skeleton_tables() {
        let names: Vec<&str> = ssd_tables().iter().map(|t| t.name.as_str()).collect();
        for want in
            ["person", "contact", "referral", "assessment", "s47_enquiry", "icpc", "cp_plan", "cin_plan", "cla_episode", "cla_placement"]
        {
            assert!(names.contains(&want), "missing {want} in {names:?}");
        }
    }

    #[test]
    fn every_code_column_names_a_code_list_that_exists() {
        let lists = crate::reference::CodeLists::builtin();
        for t in ssd_tables() {
            for c in t.columns.iter().filter(|c| c.kind == ColumnType::Code) {
                let list = c.codes.as_deref().unwrap_or_else(|| panic!("{}.{} has no code list", t.name, c.name));
                assert!(lists.has_list(list), "{}.{} names a missing list {list}", t.name, c.name);
            }
        }
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn header_picks_table_by_key_and_overlap() {
        let header: Vec<String> =
            ["\u{feff}CINE_REFERRAL_ID ", "cine_person_id", "cine_referral_date"].iter().map(|s| s.to_string()).collect();
        assert_eq!(table_for_header(ssd_tables(), &header).map(|t| t.name.as_str()), Some("referral"));
        let unknown: Vec<String> = vec!["foo".into(), "bar".into()];
        assert!(table_for_header(ssd_tables(), &unknown).is_none());
    }
}
