//! The SSDA903 files and their columns, kept as data in `reference/formats/ssda903/`: the
//! columns of each file and which of them identify it (`files.csv`), header spellings other
//! than DfE's (`header_aliases.csv`), and codes whose validity or meaning depends on the
//! collection year (`codes.csv`).

use std::collections::HashMap;
use std::sync::OnceLock;

const FILES_CSV: &str = include_str!("../../../reference/formats/ssda903/files.csv");
const ALIASES_CSV: &str = include_str!("../../../reference/formats/ssda903/header_aliases.csv");
const CODES_CSV: &str = include_str!("../../../reference/formats/ssda903/codes.csv");

/// One column of an SSDA903 file.
#[derive(Debug)]
pub struct Column {
    /// DfE's column name (`DECOM`).
    pub name: String,
    /// Whether a header row must have it to be recognised as this file.
    pub recognise: bool,
    /// Whether DfE's guidance says it may not be blank.
    pub required: bool,
    /// The year-versioned code list in `codes.csv` its values are translated with, if any.
    pub codes: Option<String>,
    /// Whether a file may lack the column without remark (fields the DfE validator derives,
    /// which some exports carry).
    pub optional: bool,
    /// The list in `reference/codes/` a value must be in, for columns loaded into a free-text core
    /// column (REVIEW_CODE, MISSING, IN_TOUCH, ACTIV, ACCOM), checked as the file is read.
    pub code_list: Option<String>,
}

/// One SSDA903 file (`episodes`, `header`, …) and its columns in DfE's order.
#[derive(Debug)]
pub struct FileSpec {
    pub name: String,
    pub columns: Vec<Column>,
}

impl FileSpec {
    /// The index of a column among this file's columns. Panics on a name `files.csv` does not
    /// give the file: readers name columns in code, so that is a programming error.
    pub fn index(&self, column: &str) -> usize {
        self.columns.iter().position(|c| c.name == column).unwrap_or_else(|| panic!("{} has no column {column}", self.name))
    }
}

/// A code as one collection year's list has it.
#[derive(Debug)]
struct CodeRow {
    core_code: String,
    from: Option<i32>,
    to: Option<i32>,
}

/// What a raw code becomes.
#[derive(Debug, PartialEq)]
pub struct Translated {
    /// The code in the core's list (the raw value trimmed when no translation is listed).
    pub code: String,
    /// When the code is listed but not valid in the collection year: the years it is valid.
    pub out_of_year: Option<String>,
}

/// Every SSDA903 file, header alias and year-versioned code.
#[derive(Debug)]
pub struct Layout {
    pub files: Vec<FileSpec>,
    aliases: HashMap<String, String>,
    codes: HashMap<(String, String), CodeRow>,
}

/// The layout compiled into the binary.
pub fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| Layout::parse(FILES_CSV, ALIASES_CSV, CODES_CSV).expect("reference/formats/ssda903 is checked by a unit test"))
}

/// A header cell as matched: byte-order mark and surrounding spaces removed, upper case.
pub fn header_key(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}').trim().to_ascii_uppercase()
}

fn records(text: &str, name: &str) -> Result<Vec<csv::StringRecord>, String> {
    csv::Reader::from_reader(text.as_bytes()).records().collect::<Result<_, _>>().map_err(|e| format!("{name}: {e}"))
}

impl Layout {
    fn parse(files: &str, aliases: &str, codes: &str) -> Result<Self, String> {
        let mut specs: Vec<FileSpec> = Vec::new();
        for r in records(files, "files.csv")? {
            let field = |i: usize| r.get(i).unwrap_or("").trim().to_string();
            let column = Column {
                name: field(1),
                recognise: field(2) == "1",
                required: field(3) == "1",
                codes: Some(field(4)).filter(|c| !c.is_empty()),
                optional: field(5) == "1",
                code_list: Some(field(6)).filter(|c| !c.is_empty()),
            };
            match specs.iter_mut().find(|f| f.name == field(0)) {
                Some(f) => f.columns.push(column),
                None => specs.push(FileSpec { name: field(0), columns: vec![column] }),
            }
        }
        let mut alias_map = HashMap::new();
        for r in records(aliases, "header_aliases.csv")? {
            let (column, alias) = (r.get(0).unwrap_or("").trim(), r.get(1).unwrap_or(""));
            if !specs.iter().any(|f| f.columns.iter().any(|c| c.name == column)) {
                return Err(format!("header_aliases.csv: {column} is not a column of any file"));
            }
            alias_map.insert(header_key(alias), column.to_string());
        }
        let mut code_map = HashMap::new();
        for r in records(codes, "codes.csv")? {
            let field = |i: usize| r.get(i).unwrap_or("").trim();
            let year = |i: usize| -> Result<Option<i32>, String> {
                if field(i).is_empty() {
                    Ok(None)
                } else {
                    field(i).parse().map(Some).map_err(|_| format!("codes.csv: year {:?}", field(i)))
                }
            };
            code_map.insert(
                (field(0).to_string(), field(1).to_ascii_uppercase()),
                CodeRow { core_code: field(2).to_string(), from: year(3)?, to: year(4)? },
            );
        }
        Ok(Layout { files: specs, aliases: alias_map, codes: code_map })
    }

    /// The DfE column name a header cell stands for (its alias resolved), upper case.
    pub fn canonical(&self, header: &str) -> String {
        let key = header_key(header);
        self.aliases.get(&key).cloned().unwrap_or(key)
    }

    /// The file a header row is: the one whose identifying columns are all present, and of
    /// those the one sharing most columns with the header.
    pub fn recognise(&self, header: &[String]) -> Option<&FileSpec> {
        let names: Vec<String> = header.iter().map(|h| self.canonical(h)).collect();
        let has = |c: &Column| names.contains(&c.name);
        self.files
            .iter()
            .filter(|f| f.columns.iter().filter(|c| c.recognise).all(has))
            .max_by_key(|f| f.columns.iter().filter(|c| has(c)).count())
    }

    /// The file named `name`. Panics on a name not in `files.csv` (a programming error).
    pub fn file(&self, name: &str) -> &FileSpec {
        self.files.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no SSDA903 file {name}"))
    }

    /// Translates `raw` with year-versioned list `list` as collection year `year` had it.
    pub fn translate(&self, list: &str, raw: &str, year: Option<i32>) -> Translated {
        let value = raw.trim();
        match self.codes.get(&(list.to_string(), value.to_ascii_uppercase())) {
            None => Translated { code: value.to_string(), out_of_year: None },
            Some(row) => {
                let valid = year.is_none_or(|y| row.from.is_none_or(|f| y >= f) && row.to.is_none_or(|t| y <= t));
                let years = match (row.from, row.to) {
                    (Some(f), Some(t)) => format!("{f} to {t}"),
                    (Some(f), None) => format!("from {f}"),
                    (None, Some(t)) => format!("up to {t}"),
                    (None, None) => "every year".to_string(),
                };
                Translated { code: row.core_code.clone(), out_of_year: (!valid).then_some(years) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reference_data_parses_and_names_every_file() {
        let l = Layout::parse(FILES_CSV, ALIASES_CSV, CODES_CSV).unwrap();
        let names: Vec<&str> = l.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "header",
                "episodes",
                "reviews",
                "uasc",
                "oc2",
                "oc3",
                "ad1",
                "placed_for_adoption",
                "prev_perm",
                "missing",
                "sw_episodes",
                "dolo"
            ]
        );
        assert!(l.files.iter().all(|f| f.columns.iter().any(|c| c.recognise && c.name == "CHILD")));
        let lists: Vec<(&str, &str)> =
            l.files.iter().flat_map(|f| f.columns.iter().filter_map(|c| Some((c.name.as_str(), c.code_list.as_deref()?)))).collect();
        assert_eq!(lists.len(), 5, "{lists:?}");
        for (column, list) in lists {
            assert!(crate::reference::CodeLists::builtin().has_list(list), "{column}: no list {list} in reference/codes/");
        }
    }

    #[test]
    fn files_are_recognised_by_their_headers_with_aliases() {
        let l = layout();
        let episodes = strings(&[
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
            "TEST_COLUMN",
        ]);
        assert_eq!(l.recognise(&episodes).unwrap().name, "episodes");
        let xml_style = strings(&["\u{feff}childid", "decom", "rne", "ls", "pl", "dec"]);
        assert_eq!(l.recognise(&xml_style).unwrap().name, "episodes");
        assert_eq!(l.recognise(&strings(&["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])).unwrap().name, "header");
        assert_eq!(l.recognise(&strings(&["CHILD", "SEX", "DOB", "DUC"])).unwrap().name, "uasc");
        assert!(l.recognise(&strings(&["pers_person_id", "pers_sex"])).is_none());
    }

    #[test]
    fn codes_translate_by_collection_year() {
        let l = layout();
        assert_eq!(l.translate("sex", "1", Some(2024)), Translated { code: "M".into(), out_of_year: None });
        assert_eq!(l.translate("sex", "2", Some(2025)).out_of_year.as_deref(), Some("up to 2024"));
        assert_eq!(l.translate("placement_type", "K3", Some(2024)).out_of_year.as_deref(), Some("from 2025"));
        assert_eq!(l.translate("placement_type", "U4", Some(2024)), Translated { code: "U4".into(), out_of_year: None });
    }
}
