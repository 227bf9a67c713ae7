//! Case-management CSV exports read through a mapping file, so a new export is configuration,
//! not code.
//!
//! A mapping (`pipelines/mappings/<name>.toml`; the worked example `casefile_contacts.toml` is
//! compiled in) names the headers that identify the export, the core tables its rows fill (source
//! header → core column, and the header holding each table's key), and value aliases per core
//! column (source value → core code). Mappings in the `mappings` folder beside the pipeline file are
//! loaded when a run starts ([`use_mappings`]); one with the name of the built-in replaces it.
//! The CSV itself is read like any other export ([`read_rows`]): decoding, header, Excel row
//! numbers, and every cell typed and checked by the core rules.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use serde::Deserialize;

use super::builder::{Origin, SourceCell};
use super::delimited::read_rows;
use super::Sink;
use crate::extract::InputFile;
use crate::quality::{Action, Issue, Severity};
use crate::reference::CodeLists;
use crate::schema::TableSpec;
use crate::{Error, Result};

const STAGE: &str = "normalise";
const BUILTIN: &[(&str, &str)] = &[("casefile_contacts.toml", include_str!("../../pipelines/mappings/casefile_contacts.toml"))];

/// One export's mapping, as written in its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Headers that must all be present.
    pub identify: Vec<String>,
    #[serde(rename = "table")]
    pub tables: Vec<TableMapping>,
    /// Core column → (source value → core code).
    #[serde(default)]
    pub values: HashMap<String, HashMap<String, String>>,
    /// The file's text (hashed into the run key, so a changed mapping is a changed run).
    #[serde(skip)]
    pub text: String,
}

/// How an export fills one core table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableMapping {
    pub name: String,
    /// Source header holding the table's primary key.
    pub key: String,
    /// The key repeats on many rows by design (e.g. the child on every contact).
    #[serde(default)]
    pub repeats: bool,
    /// Core column → source header.
    #[serde(default)]
    pub columns: HashMap<String, String>,
}

impl Mapping {
    /// Parses and checks a mapping against the core tables: every table and column must exist,
    /// and every aliased column must be mapped.
    pub fn parse(text: &str, origin: &str, tables: &[TableSpec]) -> Result<Mapping> {
        let bad = |m: String| Error::Config(format!("mapping {origin}: {m}"));
        let mut m: Mapping = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        m.text = text.to_string();
        if m.identify.is_empty() {
            return Err(bad("identify lists no headers".into()));
        }
        for t in &m.tables {
            let spec = tables.iter().find(|s| s.name == t.name).ok_or_else(|| bad(format!("no core table named {}", t.name)))?;
            for column in t.columns.keys() {
                if spec.column_index(column).is_none() {
                    return Err(bad(format!("{} has no column {column}", t.name)));
                }
                if *column == spec.primary_key {
                    return Err(bad(format!("{column} is the key of {}: give its source header as key", t.name)));
                }
            }
        }
        for column in m.values.keys() {
            if !m.tables.iter().any(|t| t.columns.contains_key(column)) {
                return Err(bad(format!("[values.{column}] is for a column no table maps")));
            }
        }
        // Aliases are matched ignoring case and surrounding spaces.
        for aliases in m.values.values_mut() {
            *aliases = aliases.drain().map(|(k, v)| (k.trim().to_lowercase(), v)).collect();
        }
        Ok(m)
    }

    /// Whether a CSV header row is this export's.
    pub fn matches(&self, header: &[String]) -> bool {
        let have: HashSet<String> = header.iter().map(|h| key(h)).collect();
        self.identify.iter().all(|h| have.contains(&key(h)))
    }
}

/// A header compared without case, spaces or punctuation.
fn key(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The built-in mappings.
pub fn builtin(tables: &[TableSpec]) -> Vec<Mapping> {
    BUILTIN.iter().map(|(name, text)| Mapping::parse(text, name, tables).expect("built-in mappings are valid (unit-tested)")).collect()
}

/// The built-in mappings plus every `*.toml` in `dir` (a mapping named like a built-in one
/// replaces it). A missing folder is no error: the run then uses the built-in mappings.
pub fn load_dir(dir: Option<&Path>, tables: &[TableSpec]) -> Result<Vec<Mapping>> {
    let mut all = builtin(tables);
    let Some(Ok(entries)) = dir.map(std::fs::read_dir) else { return Ok(all) };
    let mut paths: Vec<_> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Config(format!("mapping {}: {e}", path.display())))?;
        let m = Mapping::parse(&text, &path.display().to_string(), tables)?;
        all.retain(|x| x.name != m.name);
        all.push(m);
    }
    Ok(all)
}

static ACTIVE: RwLock<Option<Arc<Vec<Mapping>>>> = RwLock::new(None);

/// Makes `mappings` the ones this process recognises and reads exports with (a run calls this
/// once, with [`load_dir`] of its pipeline folder's `mappings`).
pub fn use_mappings(mappings: Vec<Mapping>) {
    *ACTIVE.write().expect("mapping registry lock") = Some(Arc::new(mappings));
}

/// The mappings in use: those given to [`use_mappings`], else the built-in ones.
pub fn active(tables: &[TableSpec]) -> Arc<Vec<Mapping>> {
    if let Some(m) = ACTIVE.read().expect("mapping registry lock").as_ref() {
        return m.clone();
    }
    Arc::new(builtin(tables))
}

/// The mapping whose identifying headers a CSV header row has, if any.
pub fn recognise(header: &[String], tables: &[TableSpec]) -> Option<String> {
    active(tables).iter().find(|m| m.matches(header)).map(|m| m.name.clone())
}

/// A mapped column's source position and the value aliases for it.
type Source<'m> = (usize, Option<&'m HashMap<String, String>>);

/// Where each mapped column of one table is in the file.
struct Placed<'m> {
    table: &'m TableMapping,
    spec: &'m TableSpec,
    key: usize,
    /// Per spec column: source position and the aliases for it.
    columns: Vec<Option<Source<'m>>>,
    /// Source positions only this table reads: a value there (unlike the child's id, which
    /// every table of a row reads) says the row holds a record of this table.
    own: Vec<usize>,
}

/// Reads one export with the named mapping.
pub fn read(file: &InputFile, mapping: &str, tables: &[TableSpec], sink: &mut Sink, codes: &CodeLists, issues: &mut Vec<Issue>) {
    let all = active(tables);
    let Some(m) = all.iter().find(|m| m.name == mapping) else {
        let message = format!("mapping {mapping} is no longer loaded; the file was not read");
        issues.push(Issue::new(Severity::Error, STAGE, "unreadable_file", message, Action::FileSkipped).file(&file.path));
        return;
    };
    let mut seen: Vec<HashSet<String>> = m.tables.iter().map(|_| HashSet::new()).collect();
    read_rows(
        file,
        None,
        issues,
        |header, issues| {
            let positions: HashMap<String, usize> = header.iter().enumerate().rev().map(|(i, h)| (key(h), i)).collect();
            let find = |h: &str| positions.get(&key(h)).copied();
            let mut placed = Vec::new();
            for t in &m.tables {
                let spec = tables.iter().find(|s| s.name == t.name).expect("checked when the mapping loads");
                let at = |i: Issue| i.file(&file.path).table(&t.name);
                let Some(key_pos) = find(&t.key) else {
                    let message = format!("the key column {} of {} is not in the file; the table was not loaded", t.key, t.name);
                    issues.push(at(Issue::new(Severity::Error, STAGE, "missing_column", message, Action::FileSkipped)));
                    continue;
                };
                let mut columns = vec![None; spec.columns.len()];
                for (column, source) in &t.columns {
                    let i = spec.column_index(column).expect("checked when the mapping loads");
                    match find(source) {
                        Some(p) => columns[i] = Some((p, m.values.get(column))),
                        None => {
                            let message = format!("column {source} (for {column}) is not in the file; its values are null");
                            issues.push(at(Issue::new(Severity::Warning, STAGE, "missing_column", message, Action::SetNull)));
                        }
                    }
                }
                placed.push(Placed { table: t, spec, key: key_pos, columns, own: Vec::new() });
            }
            let reads: Vec<HashSet<usize>> =
                placed.iter().map(|p| p.columns.iter().flatten().map(|(pos, _)| *pos).chain([p.key]).collect()).collect();
            for (i, p) in placed.iter_mut().enumerate() {
                let shared = |pos: &usize| reads.iter().enumerate().any(|(j, r)| j != i && r.contains(pos));
                p.own = reads[i].iter().copied().filter(|pos| *pos != p.key && !shared(pos)).collect();
            }
            Some(placed)
        },
        |placed, header, row, record, issues| {
            let at = Origin { file: &file.path, sheet: None, row };
            for p in placed {
                let key_raw = &record[p.key];
                if key_raw.trim().is_empty() {
                    // A row with no values for the table adds no record to it by design (a
                    // contact that led to no referral); values without a key are damage.
                    if p.own.iter().any(|pos| !record[*pos].trim().is_empty()) {
                        let message = format!(
                            "{} (the key of {}) is blank but the row has values for it; no {} record was made from this row",
                            p.table.key, p.table.name, p.table.name
                        );
                        let issue = Issue::new(Severity::Error, STAGE, "blank_key", message, Action::RowRejected)
                            .table(&p.table.name)
                            .file(&file.path)
                            .row(row)
                            .column(&header[p.key], p.key);
                        issues.push(issue);
                    }
                    continue;
                }
                if p.table.repeats {
                    let t = m.tables.iter().position(|t| std::ptr::eq(t, p.table)).expect("placed from these tables");
                    if !seen[t].insert(key_raw.trim().to_ascii_uppercase()) {
                        continue;
                    }
                }
                let key_idx = p.spec.column_index(&p.spec.primary_key).expect("checked when the schema loads");
                let cells: Vec<Option<SourceCell>> = p
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == key_idx {
                            return Some(SourceCell { raw: key_raw, header: &header[p.key], position: Some(p.key) });
                        }
                        let (pos, aliases) = (*c)?;
                        let raw = &record[pos];
                        let value = aliases.and_then(|a| a.get(&raw.trim().to_lowercase())).map(String::as_str).unwrap_or(raw);
                        Some(SourceCell { raw: value, header: &header[pos], position: Some(pos) })
                    })
                    .collect();
                sink.table(&p.table.name).push_row(&at, &cells, codes, issues);
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ssd_tables;

    #[test]
    fn the_built_in_example_is_valid_and_recognised_by_its_headers() {
        let m = builtin(ssd_tables());
        assert_eq!(m[0].name, "casefile_contacts");
        let header: Vec<String> =
            ["contact ref", "CLIENT NO", "Contact  Received", "Contact Route", "Other"].iter().map(|s| s.to_string()).collect();
        assert!(m[0].matches(&header));
        assert!(!m[0].matches(&header[1..]));
    }

    #[test]
    fn mappings_naming_unknown_tables_or_columns_are_refused() {
        let t = ssd_tables();
        let base = "name = \"x\"\nidentify = [\"A\"]\n";
        assert!(Mapping::parse(&format!("{base}[[table]]\nname = \"nope\"\nkey = \"A\"\n"), "x", t)
            .unwrap_err()
            .to_string()
            .contains("no core table"));
        assert!(Mapping::parse(&format!("{base}[[table]]\nname = \"contact\"\nkey = \"A\"\n[table.columns]\ncont_nope = \"B\"\n"), "x", t)
            .unwrap_err()
            .to_string()
            .contains("no column"));
        assert!(Mapping::parse(
            &format!("{base}[[table]]\nname = \"contact\"\nkey = \"A\"\n[values.cont_contact_date]\n\"x\" = \"y\"\n"),
            "x",
            t
        )
        .is_err());
        assert!(
            Mapping::parse(&format!("{base}typo = 1\n[[table]]\nname = \"contact\"\nkey = \"A\"\n"), "x", t).is_err(),
            "unknown settings are refused"
        );
    }
}
