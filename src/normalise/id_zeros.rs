//! Ids that differ only by leading zeros (`00123` and `123`): different ids to the pipeline,
//! but most likely one to the case-management system (a spreadsheet step dropped the zeros, or
//! another system padded them). A child's contacts filed under `0042` while the person table
//! says `42` would silently lose their child.
//!
//! Every id column is checked, across tables: ids of one kind are compared wherever they appear.
//! The kind is the column's name after its table prefix (SSD names every id column
//! `<prefix>_<what it identifies>`), so `cine_person_id` and `pers_person_id` are both
//! `person_id` and `cina_referral_id` meets `cine_referral_id`; a table's surrogate `table_id` is
//! a kind of its own. Only ids made of digits alone are compared. Each form of an id other than
//! the first one seen (tables in schema order, rows in input order) is reported once per column,
//! at its first row, naming where the first form is; both are kept.

use std::collections::{HashMap, HashSet};

use datafusion::arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};

use super::builder::{Headers, Origin, SourceFiles};
use crate::quality::{Action, Issue, Severity};
use crate::schema::{ColumnType, TableSpec, SOURCE_ROW};

const STAGE: &str = "normalise";

/// The kind of id a column holds: its name after the table prefix, or for a surrogate
/// `table_id` the table's own.
fn id_kind(spec: &TableSpec, column: &str) -> String {
    match column.split_once('_') {
        Some((_, "table_id")) | None => format!("{}.{column}", spec.name),
        Some((_, kind)) => kind.to_string(),
    }
}

/// The digits of an id without its leading zeros, for ids made of digits alone.
fn number(id: &str) -> Option<&str> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.trim_start_matches('0'))
}

/// One id cell: table, column and row (indexes into the core tables; the column by its
/// position in the table's spec).
#[derive(Clone, Copy)]
struct At {
    table: usize,
    column: usize,
    row: usize,
}

/// A core table's id columns (by spec position) and where each row came from, found by name in
/// its [`super::builder::keys_of`].
struct Table<'a> {
    spec: &'a TableSpec,
    ids: Vec<Option<&'a StringArray>>,
    files: SourceFiles<'a>,
    rows: &'a Int64Array,
}

impl<'a> Table<'a> {
    fn new(spec: &'a TableSpec, batch: &'a RecordBatch) -> Self {
        let column = |name: &str| batch.column_by_name(name).expect("id and source columns are kept");
        let ids = spec.columns.iter().map(|c| (c.kind == ColumnType::Id).then(|| column(&c.name).as_string::<i32>())).collect();
        let rows = column(SOURCE_ROW).as_any().downcast_ref::<Int64Array>().expect("source_row is an integer");
        Table { spec, ids, files: SourceFiles::of(batch), rows }
    }
}

/// The id columns of every table, with their kind.
fn id_columns(tables: &[Table]) -> Vec<(At, String)> {
    let mut out = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        for (c, col) in table.spec.columns.iter().enumerate().filter(|(_, c)| c.kind == ColumnType::Id) {
            out.push((At { table: t, column: c, row: 0 }, id_kind(table.spec, &col.name)));
        }
    }
    out
}

fn value<'a>(tables: &[Table<'a>], at: At) -> Option<&'a str> {
    let array = tables[at.table].ids[at.column].expect("an id column");
    array.is_valid(at.row).then(|| array.value(at.row))
}

/// Reports every id that differs from another of its kind only by leading zeros. `tables` holds
/// each core table's spec and the [`super::builder::keys_of`] its rows; `headers[i]` says how each
/// file headed `tables[i]`'s columns.
pub fn report(tables: &[(&TableSpec, &RecordBatch)], headers: &[Headers], issues: &mut Vec<Issue>) {
    let tables: Vec<Table> = tables.iter().map(|(spec, batch)| Table::new(spec, batch)).collect();
    let tables = &tables[..];
    let columns = id_columns(tables);
    let rows = |at: At| tables[at.table].rows.len();
    // First pass: the numbers, per kind, that some id writes with a leading zero. Usually none,
    // so the second pass (which keeps every such id's first form) holds little.
    let mut zeroed: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (col, kind) in &columns {
        for row in 0..rows(*col) {
            let at = At { row, ..*col };
            if let Some(n) = value(tables, at).filter(|v| v.starts_with('0')).and_then(number) {
                zeroed.entry(kind.as_str()).or_default().insert(n);
            }
        }
    }
    if zeroed.is_empty() {
        return;
    }
    let mut first: HashMap<(&str, &str), At> = HashMap::new();
    let mut reported: HashSet<(usize, usize, &str)> = HashSet::new();
    for (col, kind) in &columns {
        let Some(numbers) = zeroed.get(kind.as_str()) else { continue };
        for row in 0..rows(*col) {
            let at = At { row, ..*col };
            let Some(id) = value(tables, at) else { continue };
            let Some(n) = number(id).filter(|n| numbers.contains(n)) else { continue };
            let seen = *first.entry((kind.as_str(), n)).or_insert(at);
            let first_id = value(tables, seen).expect("a first form is a value");
            if first_id != id && reported.insert((at.table, at.column, id)) {
                issues.push(issue(tables, headers, at, seen, id));
            }
        }
    }
}

/// The `id_leading_zeros` issue for the id at `at`, whose first form is at `seen`.
fn issue(tables: &[Table], headers: &[Headers], at: At, seen: At, id: &str) -> Issue {
    let location = |at: At| (tables[at.table].files.value(at.row), tables[at.table].rows.value(at.row));
    let spec = tables[at.table].spec;
    let (seen_spec, column) = (tables[seen.table].spec, &spec.columns[at.column].name);
    let (file, row) = location(at);
    let (seen_file, seen_row) = location(seen);
    let message = format!(
        "{column} differs only by leading zeros from the {} in {} ({}) row {seen_row}; both were kept, as different ids",
        seen_spec.columns[seen.column].name, seen_file, seen_spec.name
    );
    let cell = headers[at.table].cell(file, at.column, column, id);
    Origin { file, sheet: None, row }
        .issue(&spec.name, Some(&cell), Issue::new(Severity::Warning, STAGE, "id_leading_zeros", message, Action::Kept))
        .core_column(column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::builder::{keys_of, merge, SourceCell, TableBuilder};
    use crate::normalise::CoreTable;
    use crate::reference::CodeLists;
    use crate::schema::ssd_tables;

    /// A core table of `rows` (cells by column name), all from `file`.
    fn table(name: &str, file: &str, rows: &[&[(&str, &str)]]) -> (CoreTable, Headers) {
        let spec = ssd_tables().iter().find(|t| t.name == name).unwrap();
        let mut b = TableBuilder::new(spec);
        let mut issues = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<Option<SourceCell>> = spec
                .columns
                .iter()
                .map(|c| row.iter().find(|(h, _)| *h == c.name).map(|(h, v)| SourceCell { raw: v, header: h, position: Some(0) }))
                .collect();
            let at = Origin { file, sheet: None, row: i as i64 + 2 };
            assert!(b.push_row(&at, &cells, CodeLists::builtin(), &mut issues), "{issues:?}");
        }
        let (rows, rows_in, headers) = merge(spec, vec![b.finish().unwrap()], &mut issues).unwrap();
        (CoreTable { spec: spec.clone(), batch: rows.into_batch(spec).unwrap(), rows_in }, headers)
    }

    fn run(tables: Vec<(CoreTable, Headers)>) -> Vec<Issue> {
        let (tables, headers): (Vec<CoreTable>, Vec<Headers>) = tables.into_iter().unzip();
        let mut issues = Vec::new();
        let keys: Vec<RecordBatch> = tables.iter().map(|t| keys_of(&t.spec, &t.batch).unwrap()).collect();
        let tables: Vec<(&TableSpec, &RecordBatch)> = tables.iter().zip(&keys).map(|(t, k)| (&t.spec, k)).collect();
        report(&tables, &headers, &mut issues);
        issues
    }

    #[test]
    fn ids_of_one_kind_are_compared_across_tables_and_columns() {
        let person = table("person", "person.csv", &[&[("pers_person_id", "42")], &[("pers_person_id", "7")], &[("pers_person_id", "0")]]);
        let contact = table(
            "contact",
            "contacts.csv",
            &[
                &[("cont_contact_id", "0042"), ("cont_person_id", "0042")], // person 42 padded; contact id a kind of its own
                &[("cont_contact_id", "2"), ("cont_person_id", "0042")],    // the same form again: reported once
                &[("cont_contact_id", "3"), ("cont_person_id", "42")],      // the first form: fine
                &[("cont_contact_id", "4"), ("cont_person_id", "07")],      // one digit, padded
                &[("cont_contact_id", "5"), ("cont_person_id", "00")],      // zero, written twice
                &[("cont_contact_id", "6"), ("cont_person_id", "P042")],    // not digits alone
                &[("cont_contact_id", "7"), ("cont_person_id", "420")],     // trailing zeros are a different number
            ],
        );
        let issues = run(vec![person, contact]);
        let got: Vec<(&str, Option<i64>, &str)> =
            issues.iter().map(|i| (i.core_column.as_deref().unwrap(), i.row, i.value.as_deref().unwrap())).collect();
        assert_eq!(got, [("cont_person_id", Some(2), "0042"), ("cont_person_id", Some(5), "07"), ("cont_person_id", Some(6), "00")]);
        assert!(issues.iter().all(|i| i.code == "id_leading_zeros" && i.file.as_deref() == Some("contacts.csv")));
        assert_eq!(
            issues[0].message,
            "cont_person_id differs only by leading zeros from the pers_person_id in person.csv (person) row 2; both were kept, as different ids"
        );
    }

    #[test]
    fn keys_within_a_table_and_surrogate_ids_are_their_own_kind() {
        // Two persons whose keys differ only by zeros; `missing` and `care_leaver` surrogate
        // `table_id`s that share a number are different kinds and are not compared.
        let person = table("person", "p.csv", &[&[("pers_person_id", "0042")], &[("pers_person_id", "42")]]);
        let missing = table("missing", "m.csv", &[&[("miss_table_id", "01"), ("miss_person_id", "0042")]]);
        let leaver = table("care_leaver", "c.csv", &[&[("clea_table_id", "1"), ("clea_person_id", "0042")]]);
        let issues = run(vec![person, missing, leaver]);
        let got: Vec<(&str, &str)> = issues.iter().map(|i| (i.file.as_deref().unwrap(), i.value.as_deref().unwrap())).collect();
        assert_eq!(got, [("p.csv", "42")], "the later key is reported, the padded person ids elsewhere match the first form");
        assert_eq!(issues[0].column.as_deref(), Some("pers_person_id"), "named by the header the file gave it");
    }

    #[test]
    fn no_padded_id_no_issue() {
        let person = table("person", "p.csv", &[&[("pers_person_id", "42")], &[("pers_person_id", "43")]]);
        assert!(run(vec![person]).is_empty());
    }
}
