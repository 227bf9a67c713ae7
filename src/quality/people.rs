//! Who an issue is about and who should correct it: each issue on a record that names a child gets
//! the child's person id (the analysts' copy pseudonymises it) and the team whose workers must
//! correct the record, so `csc issues --by team` can hand each team its own list.
//!
//! The child is found through the record's provenance: the core tables keep the file and row each
//! record came from (`_source_file`, `_source_row`), so any issue raised at that file and row, by
//! a reader or a rule, belongs to that record's child. The team is the child's involvement open at
//! the as-at date (the most recently started), else the latest one that started before it; a child
//! no team has held is `not allocated`.

use std::collections::HashMap;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::Issue;
use crate::schema::{ssd_tables, TableSpec, SOURCE_FILE, SOURCE_ROW};
use crate::{Error, Result};

/// The team of a child no involvement allocates.
pub const NOT_ALLOCATED: &str = "not allocated";

/// The column of a core table that names the child: `pers_person_id` in `person`, else the
/// table's `*_person_id` column; `None` for a table about no child (professionals).
pub fn person_column(spec: &TableSpec) -> Option<&str> {
    let name = |c: &&crate::schema::ColumnSpec| c.name == "pers_person_id" || c.name.ends_with("_person_id");
    spec.columns.iter().find(name).map(|c| c.name.as_str())
}

/// Each child's team: the involvement open at the as-at date, else the latest started before it.
const TEAM_SQL: &str = "SELECT person_id, team FROM (
    SELECT CAST(i.invo_person_id AS VARCHAR) AS person_id, i.invo_professional_team AS team,
           row_number() OVER (PARTITION BY i.invo_person_id
                              ORDER BY CASE WHEN i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > params.as_at THEN 1 ELSE 0 END DESC,
                                       i.invo_involvement_start_date DESC, i.invo_involvements_id DESC) AS n
    FROM involvement i CROSS JOIN params
    WHERE i.invo_involvement_start_date <= params.as_at AND i.invo_professional_team IS NOT NULL
) t WHERE n = 1";

/// One query over every core table registered in `ctx` that names a child: file, row, person id.
fn located_sql(ctx: &SessionContext) -> Option<String> {
    let parts: Vec<String> = ssd_tables()
        .iter()
        .filter(|t| ctx.table_exist(t.name.as_str()).unwrap_or(false))
        .filter_map(|t| {
            let person = person_column(t)?;
            Some(format!(
                "SELECT {SOURCE_FILE} AS file, CAST({SOURCE_ROW} AS BIGINT) AS row_number, CAST({person} AS VARCHAR) AS person_id \
                 FROM {} WHERE {SOURCE_FILE} IS NOT NULL AND {SOURCE_ROW} IS NOT NULL AND {person} IS NOT NULL",
                t.name
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("\nUNION ALL\n"))
}

/// Runs `sql` and hands each result batch to `each` as it comes, so no query result is held whole
/// (the located rows of a large LA are millions).
async fn each_batch(ctx: &SessionContext, sql: &str, mut each: impl FnMut(&RecordBatch) -> Result<()>) -> Result<()> {
    let sql_error = |source| Error::Sql { file: "quality: people".into(), source };
    let mut stream = ctx.sql(sql).await.map_err(sql_error)?.execute_stream().await.map_err(sql_error)?;
    while let Some(b) = stream.try_next().await.map_err(sql_error)? {
        each(&b)?;
    }
    Ok(())
}

/// Fills in the person id (where a record names a child) and the team of every issue that has a
/// file and row, from the core tables and involvements registered in `ctx`. Only the rows and
/// children the issues name are kept while the core tables are read.
pub async fn attach(ctx: &SessionContext, issues: &mut [Issue]) -> Result<()> {
    // The file and row of each issue that does not name its child yet.
    let mut person: HashMap<(String, i64), Located> =
        issues.iter().filter(|i| i.person_id.is_none()).filter_map(|i| Some(((i.file.clone()?, i.row?), Located::Nobody))).collect();
    if person.is_empty() && !issues.iter().any(|i| i.person_id.is_some()) {
        return Ok(());
    }
    // A file and row that names more than one child is left unattributed: the rows of an Annex A
    // workbook's sheets share one file, and the core tables keep no sheet, so list 1's row 5 and
    // list 2's row 5 are one key. Such an issue is not given to either child (and either child's
    // team) by whichever row happened to be read last.
    if let Some(sql) = located_sql(ctx).filter(|_| !person.is_empty()) {
        let mut key = (String::new(), 0);
        each_batch(ctx, &sql, |b| {
            let (file, row, id) = (cast(b.column(0), &DataType::Utf8)?, b.column(1).clone(), cast(b.column(2), &DataType::Utf8)?);
            let (file, row, id) = (file.as_string::<i32>(), row.as_primitive::<Int64Type>(), id.as_string::<i32>());
            for i in 0..b.num_rows() {
                key.0.clear();
                key.0.push_str(file.value(i));
                key.1 = row.value(i);
                if let Some(known) = person.get_mut(&key) {
                    known.add(id.value(i));
                }
            }
            Ok(())
        })
        .await?;
    }
    for issue in issues.iter_mut() {
        if issue.person_id.is_none() {
            if let (Some(file), Some(row)) = (&issue.file, issue.row) {
                issue.person_id = person.get(&(file.clone(), row)).and_then(Located::child);
            }
        }
    }
    let mut team: HashMap<String, String> = issues.iter().filter_map(|i| Some((i.person_id.clone()?, NOT_ALLOCATED.to_string()))).collect();
    if ctx.table_exist("involvement").unwrap_or(false) && !team.is_empty() {
        each_batch(ctx, TEAM_SQL, |b| {
            let (id, name) = (cast(b.column(0), &DataType::Utf8)?, cast(b.column(1), &DataType::Utf8)?);
            let (id, name) = (id.as_string::<i32>(), name.as_string::<i32>());
            for i in 0..b.num_rows() {
                if let Some(t) = team.get_mut(id.value(i)) {
                    *t = name.value(i).to_string();
                }
            }
            Ok(())
        })
        .await?;
    }
    for issue in issues.iter_mut() {
        if let Some(id) = &issue.person_id {
            issue.team = team.get(id).cloned();
        }
    }
    Ok(())
}

/// The children the core rows at one file and row name.
enum Located {
    /// None read yet.
    Nobody,
    /// One child.
    Child(String),
    /// More than one: the issue is given to none of them.
    Several,
}

impl Located {
    fn add(&mut self, id: &str) {
        *self = match std::mem::replace(self, Located::Nobody) {
            Located::Nobody => Located::Child(id.to_string()),
            Located::Child(known) if known == id => Located::Child(known),
            _ => Located::Several,
        };
    }

    fn child(&self) -> Option<String> {
        match self {
            Located::Child(id) => Some(id.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_issue_at_a_file_and_row_two_children_share_is_given_to_neither() {
        // An Annex A workbook: list 1's row 5 and list 2's row 5 are both `lists.xlsx` row 5 in
        // the core tables, which keep no sheet; row 6 names one child only.
        let ctx = SessionContext::new();
        for (table, person, rows) in [
            ("contact", "cont_person_id", "('lists.xlsx', 5, 'A'), ('lists.xlsx', 6, 'B')"),
            ("referral", "cine_person_id", "('lists.xlsx', 5, 'C'), ('lists.xlsx', 6, 'B')"),
        ] {
            let sql = format!("CREATE TABLE {table} AS SELECT column1 AS {SOURCE_FILE}, column2 AS {SOURCE_ROW}, column3 AS {person} FROM (VALUES {rows})");
            ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        }
        let at = |row| {
            let mut i = Issue::new(super::super::Severity::Warning, "model", "event_before_birth", "m", super::super::Action::Kept);
            i.file = Some("lists.xlsx".into());
            i.row = Some(row);
            i
        };
        let mut issues = vec![at(5), at(6)];
        attach(&ctx, &mut issues).await.unwrap();
        assert_eq!((issues[0].person_id.as_deref(), issues[0].team.as_deref()), (None, None), "row 5 names two children");
        assert_eq!(issues[1].person_id.as_deref(), Some("B"), "row 6 names one child, in two tables");
        assert_eq!(issues[1].team.as_deref(), Some(NOT_ALLOCATED));
    }

    #[test]
    fn the_person_column_is_the_one_the_rules_join_on() {
        for t in super::super::plausibility::event_tables() {
            let spec = ssd_tables().iter().find(|s| s.name == t.name).unwrap();
            assert_eq!(person_column(spec), Some(t.person.as_str()), "{}", t.name);
        }
        let person = ssd_tables().iter().find(|s| s.name == "person").unwrap();
        assert_eq!(person_column(person), Some("pers_person_id"));
        let professional = ssd_tables().iter().find(|s| s.name == "professional").unwrap();
        assert_eq!(person_column(professional), None);
    }
}
