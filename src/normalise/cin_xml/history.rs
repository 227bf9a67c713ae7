//! Several years' CIN census returns for one LA made into one history, before the core tables
//! are merged: each return repeats the children and episodes still open, so a record present in
//! several returns is one record, and the latest return's version of it is kept (it has the
//! closure and end dates the earlier returns could not know). A child's disabilities are a set
//! and come from the latest return the child is in. Links to other records that only an earlier
//! return could make (a plan's conference held in an earlier year) are kept. Every record left out
//! and every link carried over is recorded as an info issue naming the rule.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;

use super::Return;
use crate::normalise::builder::TablePart;
use crate::quality::{Action, Issue, Severity};
use crate::schema::{ColumnType, TableSpec};
use crate::Result;

const STAGE: &str = "normalise";
const RULE: &str = "cin_latest_return_wins";

/// One return's parts, as its file was read.
pub struct ReturnParts<'a> {
    pub file: &'a str,
    pub ret: &'a Return,
    pub parts: &'a mut Vec<TablePart>,
}

/// Where one row is: return, part, row within the part.
type At = (usize, usize, usize);

/// A link value a superseded version has and the winning one may lack: the superseded return's
/// rank, the value, and the file it is in.
struct Fill {
    rank: (i32, usize),
    value: String,
    from: String,
}

/// Makes one history of several CIN census returns (see the module docs). Returns are given in
/// input order; a later collection year wins, and of two returns for the same year, the later
/// in input order.
pub fn merge_returns(mut returns: Vec<ReturnParts>, tables: &[TableSpec], issues: &mut Vec<Issue>) -> Result<()> {
    if returns.len() < 2 {
        return Ok(());
    }
    let leas: std::collections::BTreeSet<&str> = returns.iter().filter_map(|r| r.ret.lea.as_deref()).collect();
    if leas.len() > 1 {
        let message = format!(
            "the CIN census returns come from several LAs ({}); they are merged as one LA's history, so children of different LAs with the same LAchildID are taken for one child",
            leas.into_iter().collect::<Vec<_>>().join(", ")
        );
        issues.push(Issue::new(Severity::Warning, STAGE, "cin_returns_from_several_las", message, Action::Kept));
    }
    let mut by_year: BTreeMap<i32, Vec<&str>> = BTreeMap::new();
    for r in &returns {
        if let Some(y) = r.ret.year {
            by_year.entry(y).or_default().push(r.file);
        }
    }
    for (y, files) in by_year.iter().filter(|(_, f)| f.len() > 1) {
        let message = format!(
            "{} returns are for collection year {y} ({}); where they share a record, the one last in input order is kept",
            files.len(),
            files.join(", ")
        );
        issues.push(Issue::new(Severity::Warning, STAGE, "cin_returns_same_year", message, Action::Kept).file(files[files.len() - 1]));
    }
    let rank = |i: usize, returns: &[ReturnParts]| (returns[i].ret.year.unwrap_or(i32::MIN), i);

    // People first: a child's disabilities come from the return that wins the child's record.
    let mut person_winner: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<&TableSpec> = tables.iter().collect();
    order.sort_by_key(|t| t.name != "person");
    for spec in order {
        let key_idx = spec.column_index(&spec.primary_key).expect("checked when the schema loads");
        let person_idx = (spec.name == "disability").then(|| spec.column_index("disa_person_id")).flatten();
        let mut winners: HashMap<String, At> = HashMap::new();
        for (i, r) in returns.iter().enumerate() {
            for (p, part) in r.parts.iter().enumerate().filter(|(_, p)| p.table == spec.name) {
                let keys = strings(part, key_idx);
                for row in (0..keys.len()).filter(|&row| keys.is_valid(row)) {
                    let winner = winners.entry(keys.value(row).to_string()).or_insert((i, p, row));
                    if rank(i, &returns) > rank(winner.0, &returns) {
                        *winner = (i, p, row);
                    }
                }
            }
        }
        if spec.name == "person" {
            person_winner = winners.iter().map(|(k, at)| (k.clone(), at.0)).collect();
        }
        // Links to other records (an ICPC's plan, a plan's conference) come from modules an
        // earlier return may hold and the latest not: those the latest version lacks are filled
        // from the most recent earlier version that has them.
        let links: Vec<usize> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(c, col)| *c != key_idx && col.kind == ColumnType::Id && !col.name.ends_with("_person_id"))
            .map(|(c, _)| c)
            .collect();
        let mut fills: HashMap<(At, usize), Fill> = HashMap::new();
        let mut dropped: Vec<(usize, usize, Vec<bool>)> = Vec::new();
        for i in 0..returns.len() {
            for (p, part) in returns[i].parts.iter().enumerate().filter(|(_, p)| p.table == spec.name) {
                let keys = strings(part, key_idx);
                let people = person_idx.map(|c| strings(part, c));
                let files = strings(part, spec.columns.len());
                let rows =
                    part.batch.column(spec.columns.len() + 1).as_any().downcast_ref::<Int64Array>().expect("source_row is an integer");
                let mut keep = vec![true; keys.len()];
                for row in (0..keys.len()).filter(|&row| keys.is_valid(row)) {
                    let superseded = match people.filter(|p| p.is_valid(row)).and_then(|p| person_winner.get(p.value(row))) {
                        Some(&w) if w != i => {
                            Some((w, "the child's disabilities are taken from the latest return the child is in".to_string()))
                        }
                        Some(_) => None,
                        None => {
                            let w = winners[keys.value(row)];
                            if w.0 != i {
                                for &c in &links {
                                    let v = strings(part, c);
                                    if v.is_valid(row) {
                                        let candidate = Fill {
                                            rank: rank(i, &returns),
                                            value: v.value(row).to_string(),
                                            from: files.value(row).to_string(),
                                        };
                                        let fill = fills.entry((w, c)).or_insert_with(|| Fill {
                                            rank: (i32::MIN, 0),
                                            value: String::new(),
                                            from: String::new(),
                                        });
                                        if candidate.rank > fill.rank {
                                            *fill = candidate;
                                        }
                                    }
                                }
                            }
                            (w != (i, p, row)).then(|| (w.0, format!("the latest return's version of the {} record is kept", spec.name)))
                        }
                    };
                    // A repeat inside one return is left to the table merge, which reports it.
                    let Some((w, why)) = superseded.filter(|(w, _)| *w != i) else {
                        continue;
                    };
                    keep[row] = false;
                    let year = returns[w].ret.year.map_or_else(|| "unknown".to_string(), |y| y.to_string());
                    let message = format!("also in {} (collection year {year}): {why} (rule {RULE})", returns[w].file);
                    issues.push(
                        Issue::new(Severity::Info, STAGE, "superseded_by_later_return", message, Action::Substituted)
                            .table(&spec.name)
                            .file(files.value(row))
                            .row(rows.value(row))
                            .column_named(&spec.primary_key)
                            .value(keys.value(row)),
                    );
                }
                if keep.iter().any(|k| !k) {
                    dropped.push((i, p, keep));
                }
            }
        }
        fill_links(spec, &mut returns, fills, issues)?;
        for (i, p, keep) in dropped {
            let part = &mut returns[i].parts[p];
            part.batch = filter_record_batch(&part.batch, &BooleanArray::from(keep))?;
        }
    }
    Ok(())
}

/// Fills link columns the winning versions lack (see [`merge_returns`]), recording each fill.
fn fill_links(spec: &TableSpec, returns: &mut [ReturnParts], fills: HashMap<(At, usize), Fill>, issues: &mut Vec<Issue>) -> Result<()> {
    // By return, part and column; rows in order, so issues come out in a stable order.
    let mut by_column: BTreeMap<(usize, usize, usize), Vec<(usize, Fill)>> = BTreeMap::new();
    for (((i, p, row), c), fill) in fills {
        by_column.entry((i, p, c)).or_default().push((row, fill));
    }
    for ((i, p, c), mut patches) in by_column {
        patches.sort_by_key(|(row, _)| *row);
        let file = returns[i].file.to_string();
        let part = &mut returns[i].parts[p];
        let column = strings(part, c);
        let mut values: Vec<Option<String>> = (0..column.len()).map(|r| column.is_valid(r).then(|| column.value(r).to_string())).collect();
        let source_rows =
            part.batch.column(spec.columns.len() + 1).as_any().downcast_ref::<Int64Array>().expect("source_row is an integer");
        let mut changed = false;
        for (row, Fill { value, from, .. }) in patches {
            if values[row].is_some() {
                continue;
            }
            let name = &spec.columns[c].name;
            let message = format!("{name} is not in the latest return (the record it links to is in an earlier year's); it is taken from {from} (rule {RULE})");
            issues.push(
                Issue::new(Severity::Info, STAGE, "link_from_earlier_return", message, Action::Substituted)
                    .table(&spec.name)
                    .file(&file)
                    .row(source_rows.value(row))
                    .column_named(name)
                    .value(&value),
            );
            values[row] = Some(value);
            changed = true;
        }
        if changed {
            let mut columns = part.batch.columns().to_vec();
            columns[c] = Arc::new(StringArray::from(values));
            part.batch = RecordBatch::try_new(part.batch.schema(), columns)?;
        }
    }
    Ok(())
}

fn strings(part: &TablePart, column: usize) -> &StringArray {
    part.batch.column(column).as_any().downcast_ref::<StringArray>().expect("keys, ids and source files are text")
}
