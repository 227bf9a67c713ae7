//! Which core column each Annex A field goes to: `reference/annex_a/mapping.csv`, read once.
//!
//! Each row names a list (`all` for the rows every list shares), a record the list's row makes
//! (`main` is the list's own record; others are named for what they hold), the record's core
//! table, the reader's field ([`super::lists`]), the core column and how the value is put there
//! ([`Kind`]), with its argument. Rows of kind `key…` build the record key, in file order, from
//! the child id; the others give the record's columns, in file order (the order issues are
//! reported in). The tests check every table, column, field and lettered domain named against the
//! core schema and the list definitions, so a misspelling fails `cargo test`.

use std::sync::OnceLock;

const MAPPING: &str = include_str!("../../../reference/annex_a/mapping.csv");

/// How a field's value reaches its column (or the record key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key part: the field's date as ISO, or its code (`arg`: the lettered domain) or text,
    /// upper-cased; a blank field is replaced by the sheet and row, with a warning.
    Key,
    /// The literal `arg` then the field as a key part; a blank field is replaced by the sheet and
    /// row without a warning (an involvement is still made without its start).
    KeyPart,
    /// The key starts from the key of the record named by `arg` instead of the child id.
    KeyOf,
    /// The literal `arg` as a key part.
    KeySuffix,
    /// The child id (the field is `child_id`).
    Child,
    /// The value as received, typed by the core rules.
    Plain,
    /// A lettered value of domain `arg` as its code (unknown values pass through).
    Coded,
    /// A yes/no value of domain `arg` as a Y/N flag; "Unknown" is null.
    Flag,
    /// As `Flag`, the opposite way round (Annex A asks the opposite question).
    FlagInverted,
    /// An allocated worker: the worker's id, the name going to a professional record.
    Worker,
    /// The literal `arg`, when the field is given.
    Fixed,
    /// The key of the record named by `arg`, when that record was made from the row.
    Link,
    /// A value the reader works out from the field (of domain `arg`): a disability code, the UASC
    /// status, the care plan's JSON.
    Derived,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "key" => Kind::Key,
            "key_part" => Kind::KeyPart,
            "key_of" => Kind::KeyOf,
            "key_suffix" => Kind::KeySuffix,
            "child" => Kind::Child,
            "plain" => Kind::Plain,
            "coded" => Kind::Coded,
            "flag" => Kind::Flag,
            "flag_inverted" => Kind::FlagInverted,
            "worker" => Kind::Worker,
            "fixed" => Kind::Fixed,
            "link" => Kind::Link,
            "derived" => Kind::Derived,
            _ => return None,
        })
    }

    /// Whether the row builds the key rather than a column.
    pub fn is_key(self) -> bool {
        matches!(self, Kind::Key | Kind::KeyPart | Kind::KeyOf | Kind::KeySuffix)
    }
}

/// One row of the mapping.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The list number, 0 for every list.
    pub list: u8,
    pub record: &'static str,
    pub table: &'static str,
    pub field: &'static str,
    /// Empty for key rows.
    pub column: &'static str,
    pub kind: Kind,
    pub arg: &'static str,
}

/// Every row, in file order. Panics if the compiled-in file is malformed (a build defect the
/// unit tests catch).
pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| parse(MAPPING).unwrap_or_else(|e| panic!("reference/annex_a/mapping.csv: {e}")))
}

fn parse(text: &'static str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "list,record,table,field,column,kind,arg")) => {}
        _ => return Err("the header must be list,record,table,field,column,kind,arg".into()),
    }
    let mut rows = Vec::new();
    for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let at = |why: &str| format!("line {}: {why}", n + 1);
        let cells: Vec<&'static str> = line.split(',').collect();
        let [list, record, table, field, column, kind, arg] = cells[..] else { return Err(at("expected 7 cells (no quoting)")) };
        let list = if list == "all" { 0 } else { list.parse().map_err(|_| at("list is a number or all"))? };
        let kind = Kind::parse(kind).ok_or_else(|| at(&format!("unknown kind {kind}")))?;
        if kind.is_key() != column.is_empty() {
            return Err(at("key rows have no column and other rows have one"));
        }
        rows.push(Row { list, record, table, field, column, kind, arg });
    }
    Ok(rows)
}

/// The rows of one record a list's row makes. Panics when the list has no such record: records
/// are named in code, so that is a programming error (the reader's unit tests make every record).
pub fn record(list: u8, record: &str) -> Vec<&'static Row> {
    let found: Vec<&Row> = rows().iter().filter(|r| (r.list == list || r.list == 0) && r.record == record).collect();
    assert!(!found.is_empty(), "reference/annex_a/mapping.csv has no record {record} for list {list}");
    found
}

/// The core table of one of a list's records.
pub fn table(list: u8, name: &str) -> &'static str {
    record(list, name)[0].table
}

/// The core table of a list's own records, if it has any (List 11 has none).
pub fn main_table(list: u8) -> Option<&'static str> {
    rows().iter().find(|r| r.list == list && r.record == "main").map(|r| r.table)
}

/// The row of a record that is worked out by the reader ([`Kind::Derived`]).
pub fn derived(list: u8, name: &str) -> &'static Row {
    record(list, name).into_iter().find(|r| r.kind == Kind::Derived).unwrap_or_else(|| panic!("record {name} has no derived row"))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::super::headers;
    use super::super::lists::LISTS;
    use super::super::values::Letters;
    use super::*;
    use crate::normalise::cells::type_cell;
    use crate::reference::CodeLists;
    use crate::schema::{ssd_tables, ColumnType};

    fn lists_of(row: &Row) -> Vec<u8> {
        if row.list == 0 {
            LISTS.iter().filter(|l| l.field(row.field).is_some()).map(|l| l.number).collect()
        } else {
            vec![row.list]
        }
    }

    /// What is wrong with mapping rows against the core schema, the lists and the lettered domains.
    fn problems(rows: &[Row]) -> Vec<String> {
        let tables = ssd_tables();
        let letters = Letters::builtin();
        let codes = CodeLists::builtin();
        let mut problems = Vec::new();
        for (n, r) in rows.iter().enumerate() {
            let mut bad = |why: String| problems.push(format!("mapping.csv line {}: {why}", n + 2));
            let Some(list) = LISTS.iter().find(|l| l.number == r.list).or(if r.list == 0 { LISTS.first() } else { None }) else {
                bad(format!("no list {}", r.list));
                continue;
            };
            // The field: defined by the list (or, for every list, by some list), and loaded.
            let field = if r.list == 0 {
                LISTS.iter().flat_map(|l| l.fields).find(|f| f.name == r.field)
            } else {
                list.fields.iter().find(|f| f.name == r.field)
            };
            let Some(field) = field else {
                bad(format!("list {} has no field {}", r.list, r.field));
                continue;
            };
            if let Some(why) = field.not_loaded {
                bad(format!("field {} is not loaded ({why})", r.field));
            }
            if matches!(r.kind, Kind::Child) && r.field != "child_id" {
                bad(format!("a child row's field is child_id, not {}", r.field));
            }
            if matches!(r.kind, Kind::Key | Kind::Coded | Kind::Flag | Kind::FlagInverted | Kind::Derived)
                && !r.arg.is_empty()
                && !letters.has_domain(r.arg)
            {
                bad(format!("no lettered domain {}", r.arg));
            }
            if matches!(r.kind, Kind::Coded | Kind::Flag | Kind::FlagInverted) && r.arg.is_empty() {
                bad(format!("{:?} needs a lettered domain", r.kind));
            }
            if matches!(r.kind, Kind::KeyOf | Kind::Link) && !rows.iter().any(|o| o.list == r.list && o.record == r.arg) {
                bad(format!("no record {} in list {}", r.arg, r.list));
            }
            // The table and column, and the column's type against the kind of value put there.
            let Some(spec) = tables.iter().find(|t| t.name == r.table) else {
                bad(format!("no core table {}", r.table));
                continue;
            };
            if r.kind.is_key() {
                continue;
            }
            let Some(col) = spec.columns.iter().find(|c| c.name == r.column) else {
                bad(format!("no column {} in core table {}", r.column, r.table));
                continue;
            };
            let fits = match r.kind {
                Kind::Child | Kind::Link => col.kind == ColumnType::Id,
                Kind::Worker => matches!(col.kind, ColumnType::Id | ColumnType::Text),
                Kind::Plain => (col.kind == ColumnType::Date) == field.date && col.kind != ColumnType::Flag,
                Kind::Coded => matches!(col.kind, ColumnType::Code | ColumnType::Text),
                Kind::Flag | Kind::FlagInverted => col.kind == ColumnType::Flag,
                Kind::Fixed => type_cell(col, r.arg, codes).1.is_none(),
                Kind::Derived => col.kind != ColumnType::Date,
                Kind::Key | Kind::KeyPart | Kind::KeyOf | Kind::KeySuffix => true,
            };
            if !fits {
                bad(format!("{:?} value of {} does not fit {}.{} ({:?})", r.kind, r.field, r.table, r.column, col.kind));
            }
        }
        problems
    }

    #[test]
    fn every_table_column_field_and_domain_exists() {
        let problems = problems(rows());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_misspelling_is_a_problem() {
        let good = *rows().iter().find(|r| r.column == "cine_referral_source_code").unwrap();
        assert!(problems(&[good]).is_empty());
        for (bad, expected) in [
            (Row { column: "cine_referal_source_code", ..good }, "no column cine_referal_source_code"),
            (Row { table: "referrals", ..good }, "no core table referrals"),
            (Row { field: "referal_source", ..good }, "has no field referal_source"),
            (Row { arg: "sources", ..good }, "no lettered domain sources"),
            (Row { column: "cine_referral_date", ..good }, "does not fit referral.cine_referral_date"),
            (Row { kind: Kind::Flag, ..good }, "does not fit"),
            (Row { field: "referrals_12m", ..good }, "is not loaded"),
            (Row { kind: Kind::Link, arg: "nowhere", ..good }, "no record nowhere"),
        ] {
            let found = problems(&[bad]);
            assert!(found.iter().any(|p| p.contains(expected)), "{bad:?}: expected {expected:?}, got {found:?}");
        }
    }

    #[test]
    fn each_record_is_one_table_with_each_column_once() {
        let mut tables: HashMap<(u8, &str), &str> = HashMap::new();
        let mut columns = HashSet::new();
        for r in rows() {
            let t = tables.entry((r.list, r.record)).or_insert(r.table);
            assert_eq!(*t, r.table, "list {} record {} is in two tables", r.list, r.record);
            if !r.kind.is_key() {
                assert!(columns.insert((r.list, r.record, r.column)), "list {} record {} puts {} twice", r.list, r.record, r.column);
            }
        }
        for list in LISTS.iter().filter(|l| l.number != 11) {
            assert!(main_table(list.number).is_some(), "list {} has no main record", list.number);
        }
    }

    #[test]
    fn every_loaded_field_of_every_list_is_mapped() {
        for list in LISTS.iter().filter(|l| l.number != 11) {
            for f in list.fields.iter().filter(|f| f.not_loaded.is_none()) {
                let mapped = rows().iter().any(|r| !r.kind.is_key() && r.field == f.name && lists_of(r).contains(&list.number));
                assert!(mapped, "list {} field {} is read but not mapped to any core column", list.number, f.name);
            }
        }
    }

    #[test]
    fn every_mandatory_annex_a_column_is_mapped_or_worked_out() {
        let columns = include_str!("../../../reference/annex_a/columns.csv");
        for row in csv::Reader::from_reader(columns.as_bytes()).records() {
            let row = row.unwrap();
            let (list, header, mandatory) = (row[0].parse::<u8>().unwrap(), &row[1], &row[2] == "Y");
            if !mandatory || list == 11 {
                continue;
            }
            let spec = LISTS.iter().find(|l| l.number == list).unwrap();
            let f = headers::field_of(spec, header).unwrap_or_else(|| panic!("list {list}: the reader does not know {header:?}"));
            let field = &spec.fields[f];
            let mapped = rows().iter().any(|r| !r.kind.is_key() && r.field == field.name && lists_of(r).contains(&list));
            assert!(
                mapped || field.not_loaded.is_some(),
                "list {list}: mandatory {header:?} ({}) is neither mapped nor worked out",
                field.name
            );
        }
    }

    #[test]
    fn malformed_files_are_refused() {
        let header = "list,record,table,field,column,kind,arg\n";
        assert!(parse("list,table\n").is_err());
        assert!(parse(Box::leak(format!("{header}1,main,contact,contact_date,cont_contact_date,plain\n").into_boxed_str())).is_err());
        assert!(parse(Box::leak(format!("{header}x,main,contact,contact_date,cont_contact_date,plain,\n").into_boxed_str())).is_err());
        assert!(parse(Box::leak(format!("{header}1,main,contact,contact_date,cont_contact_date,plian,\n").into_boxed_str())).is_err());
        assert!(parse(Box::leak(format!("{header}1,main,contact,contact_date,cont_contact_date,key,\n").into_boxed_str())).is_err());
        assert_eq!(parse(Box::leak(format!("{header}1,main,contact,contact_date,,key,\n").into_boxed_str())).unwrap().len(), 1);
    }
}
