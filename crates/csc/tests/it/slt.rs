//! Known-answer files for the measure and Annex A SQL, in the sqllogictest format DataFusion uses:
//! `tests/sql/measures/<measure file>.slt` and `tests/sql/annex_a/<list>.slt` (the format and its
//! directives are described in `tests/sql/README.md`). Each file is a series of cases: small input
//! tables inserted inline, the real measure or list SQL run through the model's own runners, and
//! the expected rows worked out by hand.
//!
//! `CSC_SLT=list_08` runs only the files whose path contains `list_08` (comma-separate several);
//! `CSC_SLT_COMPLETE=1` rewrites the expected output of the files it runs, for review with
//! `git diff`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use csc_pipeline::model::annex_a::run_lists;
use csc_pipeline::model::{memory_session, memory_session_with, run_measures, ModelParams};
use csc_pipeline::quality::Issue;
use csc_pipeline::schema::ssd_tables;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, UInt64Type};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::datasource::MemTable;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use sqllogictest::{default_normalizer, default_validator, strict_column_validator, AsyncDB, DBOutput, Runner};

/// The folder of known-answer files.
fn sql_dir() -> PathBuf {
    Path::new(crate::REPO).join("tests/sql")
}

/// Measure and list SQL files that have no known-answer file yet. The coverage test fails when a
/// file without one is missing from this list, and when a listed file has gained one, so the
/// list only shrinks.
const PENDING: &[&str] = &[];

/// Result column types, one letter each in a `query` line: `T` text, `I` integer, `R` floating
/// point or decimal, `D` date, `B` boolean, `?` anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Text,
    Integer,
    Float,
    Date,
    Boolean,
    Other,
}

impl sqllogictest::ColumnType for Column {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'T' => Column::Text,
            'I' => Column::Integer,
            'R' => Column::Float,
            'D' => Column::Date,
            'B' => Column::Boolean,
            _ => Column::Other,
        })
    }

    fn to_char(&self) -> char {
        match self {
            Column::Text => 'T',
            Column::Integer => 'I',
            Column::Float => 'R',
            Column::Date => 'D',
            Column::Boolean => 'B',
            Column::Other => '?',
        }
    }
}

fn column_type(t: &DataType) -> Column {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Column::Text,
        t if t.is_integer() => Column::Integer,
        t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => Column::Float,
        DataType::Date32 | DataType::Date64 => Column::Date,
        DataType::Boolean => Column::Boolean,
        _ => Column::Other,
    }
}

#[derive(Debug)]
struct SltError(String);

impl fmt::Display for SltError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

fn err(e: impl fmt::Display) -> SltError {
    SltError(e.to_string())
}

/// One known-answer file's connection: the current case's run parameters and session. The
/// session holds the core tables (empty until the case inserts rows; csc's SQL functions such as
/// `working_days` registered) and the results of the case's last `RUN`.
struct Case {
    params: ModelParams,
    ctx: Option<SessionContext>,
    /// `[action_lists]` of the pipeline file (`SET csc.cin_visit_working_days = 15`).
    action_lists: csc_pipeline::model::action_lists::ActionListSettings,
    /// Files `RUN QUALITY` treats as CIN census returns (`SET csc.census_files = 'a.xml|b.xml'`).
    census_files: Vec<String>,
}

impl Case {
    fn new() -> Case {
        // Southampton: the LA whose populations the reference data holds for every year.
        let params = ModelParams {
            la_code: "852".into(),
            la_name: "Southampton".into(),
            as_at: NaiveDate::MIN,
            history_years: 6,
            settings: Default::default(),
            annex_a_worker_names: true,
            year_to_date: true,
        };
        Case { params, ctx: None, action_lists: Default::default(), census_files: Vec::new() }
    }

    fn ctx(&self) -> Result<&SessionContext, SltError> {
        self.ctx.as_ref().ok_or_else(|| err("no case started: begin each case with `SET csc.as_at = 'YYYY-MM-DD'`"))
    }

    /// A session for a case's queries: the core tables, empty, and `information_schema` (so a case
    /// can check a list's headers).
    fn empty_session(&self) -> Result<SessionContext, SltError> {
        memory_session_with(SessionConfig::new().with_information_schema(true), ssd_tables(), &self.params).map_err(err)
    }

    /// A new session with the run parameters and a copy of the current case's core tables: a
    /// plain [`memory_session`] for a `RUN`, the query session otherwise.
    async fn snapshot(&self, for_run: bool) -> Result<SessionContext, SltError> {
        let from = self.ctx()?;
        let to = if for_run { memory_session(ssd_tables(), &self.params).map_err(err)? } else { self.empty_session()? };
        for spec in ssd_tables() {
            let df = from.table(spec.name.as_str()).await.map_err(err)?;
            let schema = Arc::new(df.schema().as_arrow().clone());
            // Rows inserted from a query keep that query's field nullability: restate the table's.
            let batches = df
                .collect()
                .await
                .map_err(err)?
                .into_iter()
                .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            to.deregister_table(spec.name.as_str()).map_err(err)?;
            to.register_table(spec.name.as_str(), Arc::new(MemTable::try_new(schema, vec![batches]).map_err(err)?)).map_err(err)?;
        }
        Ok(to)
    }

    /// Registers (or replaces) a result table in the case's session.
    fn publish(&self, name: &str, batch: RecordBatch) -> Result<(), SltError> {
        let ctx = self.ctx()?;
        ctx.deregister_table(name).map_err(err)?;
        ctx.register_batch(name, batch).map_err(err)?;
        Ok(())
    }

    /// `SET csc.<name> = <value>`. `as_at` starts a new case; the others keep the case's rows.
    async fn set(&mut self, assignment: &str) -> Result<DBOutput<Column>, SltError> {
        let (name, value) =
            assignment.split_once('=').ok_or_else(|| err(format!("expected SET csc.<name> = <value>, got SET csc.{assignment}")))?;
        let value = value.trim().trim_matches('\'').to_string();
        match name.trim() {
            "as_at" => {
                self.params.as_at = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|e| err(format!("csc.as_at {value:?}: {e}")))?;
                self.ctx = Some(self.empty_session()?);
                self.action_lists = Default::default();
                self.census_files.clear();
                self.params.settings = Default::default();
                self.params.annex_a_worker_names = true;
                return Ok(DBOutput::StatementComplete(0));
            }
            "la_code" => self.params.la_code = value,
            "la_name" => self.params.la_name = value,
            "cin_visit_working_days" => {
                self.action_lists.cin_visit_working_days =
                    value.parse().map_err(|e| err(format!("csc.cin_visit_working_days {value:?}: {e}")))?;
                // As the pipeline file: one timescale for the list and the measure banded at it.
                self.params.settings.cin_visit_working_days = self.action_lists.cin_visit_working_days;
            }
            "disabled_children_services" => {
                self.params.settings.disabled_children_services = value.split('|').map(str::to_string).collect()
            }
            "caseload_limit" => {
                self.params.settings.caseload_limit = value.parse().map_err(|e| err(format!("csc.caseload_limit {value:?}: {e}")))?
            }
            "census_files" => self.census_files = value.split('|').map(str::to_string).collect(),
            "history_years" => self.params.history_years = value.parse().map_err(|e| err(format!("csc.history_years {value:?}: {e}")))?,
            "annex_a_worker_names" => {
                self.params.annex_a_worker_names = value.parse().map_err(|e| err(format!("csc.annex_a_worker_names {value:?}: {e}")))?
            }
            other => {
                return Err(err(format!(
                    "unknown parameter csc.{other}; known: as_at, la_code, la_name, history_years, cin_visit_working_days, disabled_children_services ('A|B'), caseload_limit, annex_a_worker_names, census_files ('a.xml|b.xml')"
                )))
            }
        }
        self.ctx = Some(self.snapshot(false).await?);
        Ok(DBOutput::StatementComplete(0))
    }

    /// `RUN MEASURES a, b`: the model's measure runner over a copy of the case's tables; the fact
    /// rows become table `fact` and the issues raised table `issues` (code, message).
    async fn run_measures(&mut self, ids: &str) -> Result<DBOutput<Column>, SltError> {
        let ids: Vec<String> = ids.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if ids.is_empty() {
            return Err(err("RUN MEASURES needs one or more measure file ids"));
        }
        let run = self.snapshot(true).await?;
        let mut issues = Vec::new();
        let out = run_measures(&run, &self.params, &ids, &mut issues).await.map_err(err)?;
        let rows = out.fact.num_rows() as u64;
        self.publish("fact", out.fact)?;
        self.publish("issues", issues_batch(&issues)?)?;
        Ok(DBOutput::StatementComplete(rows))
    }

    /// `RUN BREAKDOWN a, b`: as `RUN MEASURES`, then the breakdown of what they computed
    /// (`model::breakdown::run`), as table `breakdown`.
    async fn run_breakdown(&mut self, ids: &str) -> Result<DBOutput<Column>, SltError> {
        let ids: Vec<String> = ids.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let run = self.snapshot(true).await?;
        let mut issues = Vec::new();
        let out = run_measures(&run, &self.params, &ids, &mut issues).await.map_err(err)?;
        let breakdown =
            csc_pipeline::model::breakdown::run(&run, &csc_pipeline::model::breakdown::computed_ids(&out.fact)).await.map_err(err)?;
        let rows = breakdown.num_rows() as u64;
        self.publish("fact", out.fact)?;
        self.publish("breakdown", breakdown)?;
        Ok(DBOutput::StatementComplete(rows))
    }

    /// `RUN ACTION LISTS`: every action list as at the case's date, each registered under its
    /// id (`cp_visit_overdue`).
    async fn run_action_lists(&mut self) -> Result<DBOutput<Column>, SltError> {
        let run = self.snapshot(true).await?;
        // The lists read the model's shared views, which a measure run registers.
        run_measures(&run, &self.params, &["contacts".to_string()], &mut Vec::new()).await.map_err(err)?;
        let mut issues = Vec::new();
        let lists = csc_pipeline::model::action_lists::run(&run, &self.action_lists, &mut issues).await.map_err(err)?;
        for list in &lists {
            self.publish(list.name, list.batch.clone())?;
        }
        self.publish("issues", issues_batch(&issues)?)?;
        Ok(DBOutput::StatementComplete(lists.len() as u64))
    }

    /// `RUN LISTS`: every Annex A list as at the case's date, each registered under its name
    /// (`list_08_children_in_care`) and its number (`list_08`).
    async fn run_lists(&mut self) -> Result<DBOutput<Column>, SltError> {
        let run = self.snapshot(true).await?;
        let mut issues = Vec::new();
        // The lists read the model's shared views, which a measure run registers.
        run_measures(&run, &self.params, &["contacts".to_string()], &mut issues).await.map_err(err)?;
        let lists = run_lists(&run, &mut issues).await.map_err(err)?;
        for list in &lists {
            self.publish(list.name, list.batch.clone())?;
            self.publish(&list.name[..7], list.batch.clone())?;
        }
        self.publish("issues", issues_batch(&issues)?)?;
        Ok(DBOutput::StatementComplete(lists.len() as u64))
    }

    /// `RUN QUALITY`: every plausibility and linkage rule (`csc_pipeline::quality::plausibility`)
    /// over a copy of the case's tables and the shared views over them, future events checked
    /// against the case's date and `csc.census_files` read as CIN census returns; each
    /// record flagged is a row of table `quality` (`code`, `table_name`, `file`, `row_number`,
    /// `column_name`).
    async fn run_quality(&mut self) -> Result<DBOutput<Column>, SltError> {
        use csc_pipeline::quality::plausibility::{check, Checks};
        let run = self.snapshot(true).await?;
        // In a run the measures have registered the shared views the relational rules read.
        csc_pipeline::model::register_views(&run).await.map_err(err)?;
        let mut issues = Vec::new();
        let checks = Checks { future_events: true, census_files: self.census_files.clone() };
        check(&run, &checks, &mut issues).await.map_err(err)?;
        let text = |f: &dyn Fn(&csc_pipeline::quality::Issue) -> Option<String>| {
            Arc::new(StringArray::from(issues.iter().map(f).collect::<Vec<_>>())) as ArrayRef
        };
        let batch = RecordBatch::try_from_iter([
            ("code", text(&|i| Some(i.code.to_string()))),
            ("table_name", text(&|i| i.table.clone())),
            ("file", text(&|i| i.file.clone())),
            ("row_number", Arc::new(Int64Array::from(issues.iter().map(|i| i.row).collect::<Vec<_>>())) as ArrayRef),
            ("column_name", text(&|i| i.column.clone())),
        ])
        .map_err(err)?;
        self.publish("quality", batch)?;
        Ok(DBOutput::StatementComplete(issues.len() as u64))
    }

    /// Any other statement or query, as DataFusion SQL on the case's session.
    async fn sql(&self, sql: &str) -> Result<DBOutput<Column>, SltError> {
        let df = self.ctx()?.sql(sql).await.map_err(err)?;
        let statement =
            matches!(df.logical_plan(), LogicalPlan::Dml(_) | LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) | LogicalPlan::Copy(_));
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await.map_err(err)?;
        if statement {
            // DML returns one `count` row: the rows it inserted.
            let count = batches
                .iter()
                .filter_map(|b| b.column_by_name("count"))
                .filter_map(|c| c.as_primitive_opt::<UInt64Type>().map(|a| a.iter().flatten().sum::<u64>()))
                .sum();
            return Ok(DBOutput::StatementComplete(count));
        }
        let types = schema.fields().iter().map(|f| column_type(f.data_type())).collect();
        let mut rows = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                rows.push(batch.columns().iter().map(|c| cell(c, row)).collect::<Result<Vec<_>, _>>()?);
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    /// One record's SQL: a directive, or DataFusion SQL.
    async fn execute(&mut self, sql: &str) -> Result<DBOutput<Column>, SltError> {
        let sql = sql.trim().trim_end_matches(';').trim();
        let upper = sql.to_ascii_uppercase();
        if upper.starts_with("SET CSC.") {
            return self.set(&sql["SET CSC.".len()..]).await;
        }
        if let Some(rest) = upper.strip_prefix("RUN MEASURES").or_else(|| upper.strip_prefix("RUN MEASURE")) {
            return self.run_measures(&sql[sql.len() - rest.len()..]).await;
        }
        if let Some(rest) = upper.strip_prefix("RUN BREAKDOWN") {
            return self.run_breakdown(&sql[sql.len() - rest.len()..]).await;
        }
        if upper == "RUN ACTION LISTS" {
            return self.run_action_lists().await;
        }
        if upper == "RUN LISTS" {
            return self.run_lists().await;
        }
        if upper == "RUN QUALITY" {
            return self.run_quality().await;
        }
        self.sql(sql).await
    }
}

#[async_trait::async_trait]
impl AsyncDB for Case {
    type Error = SltError;
    type ColumnType = Column;

    /// The runner wants a `Send` future, which the compiler cannot prove for the model's runners
    /// (closures over borrowed ids inside their streams), so each record runs to completion on
    /// this thread. Needs the multi-threaded runtime.
    async fn run(&mut self, sql: &str) -> Result<DBOutput<Column>, SltError> {
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(self.execute(sql)))
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "csc"
    }

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await;
    }
}

/// The issues a run raised, as a table.
fn issues_batch(issues: &[Issue]) -> Result<RecordBatch, SltError> {
    let schema = Arc::new(Schema::new(vec![Field::new("code", DataType::Utf8, false), Field::new("message", DataType::Utf8, false)]));
    let code: ArrayRef = Arc::new(StringArray::from_iter_values(issues.iter().map(|i| i.code)));
    let message: ArrayRef = Arc::new(StringArray::from_iter_values(issues.iter().map(|i| i.message.as_str())));
    RecordBatch::try_new(schema, vec![code, message]).map_err(err)
}

/// One result cell as text: NULL, `(empty)` for an empty string, dates ISO, floating point rounded
/// to 4 decimal places with trailing zeros dropped (`25`, `33.3333`, `0.4002`).
fn cell(array: &ArrayRef, row: usize) -> Result<String, SltError> {
    if array.is_null(row) {
        return Ok("NULL".into());
    }
    match array.data_type() {
        t if t.is_floating() => {
            let v = cast(array, &DataType::Float64).map_err(err)?.as_primitive::<Float64Type>().value(row);
            Ok(float(v))
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let s = cast(array, &DataType::Utf8).map_err(err)?.as_string::<i32>().value(row).to_string();
            Ok(if s.is_empty() { "(empty)".into() } else { s })
        }
        _ => Ok(ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).map_err(err)?.value(row).to_string()),
    }
}

fn float(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The `.slt` files in `tests/sql/<folder>`, those `CSC_SLT` selects when it is set.
fn slt_files(folder: &str) -> Vec<PathBuf> {
    let filter: Vec<String> =
        std::env::var("CSC_SLT").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(sql_dir().join(folder))
        .map(|d| d.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "slt")).collect())
        .unwrap_or_default();
    files.retain(|p| filter.is_empty() || filter.iter().any(|f| p.to_string_lossy().contains(f.as_str())));
    files.sort();
    files
}

/// Runs (or, with `CSC_SLT_COMPLETE=1`, completes) every selected file in `tests/sql/<folder>`.
async fn run_folder(folder: &str) {
    let complete = std::env::var("CSC_SLT_COMPLETE").is_ok_and(|v| !v.is_empty() && v != "0");
    let files = slt_files(folder);
    let mut failures = Vec::new();
    for path in &files {
        let mut runner = Runner::new(|| async { Ok::<_, SltError>(Case::new()) });
        runner.with_column_validator(strict_column_validator);
        let name = path.strip_prefix(crate::REPO).unwrap_or(path).display().to_string();
        let started = std::time::Instant::now();
        let result = if complete {
            runner
                .update_test_file(path, " ", default_validator, default_normalizer, strict_column_validator)
                .await
                .map_err(|e| e.to_string())
        } else {
            runner.run_file_async(path).await.map_err(|e| e.display(false).to_string())
        };
        eprintln!("{} {name} ({} ms)", if result.is_ok() { "ok  " } else { "FAIL" }, started.elapsed().as_millis());
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
        }
    }
    let verb = if complete { "completed" } else { "passed" };
    eprintln!("{} of {} known-answer files in tests/sql/{folder} {verb}", files.len() - failures.len(), files.len());
    assert!(failures.is_empty(), "{} known-answer file(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_known_answer_files() {
    run_folder("measures").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annex_a_known_answer_files() {
    run_folder("annex_a").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breakdown_known_answer_files() {
    run_folder("breakdown").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_list_known_answer_files() {
    run_folder("action_lists").await;
}

/// Every action list (`sql/action_lists/<list>.sql`) has a known-answer file
/// `tests/sql/action_lists/<list>.slt` that runs the lists and queries it.
#[test]
fn every_action_list_has_a_known_answer_file() {
    for (name, _) in csc_pipeline::model::action_lists::LISTS {
        let path = sql_dir().join(format!("action_lists/{name}.slt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(
            text.contains("RUN ACTION LISTS") && text.contains(&format!("FROM {name}")),
            "{} does not run and query the list",
            path.display()
        );
    }
}

/// Every breakdown event file (`sql/breakdown/events/<name>.sql`) has a known-answer file
/// `tests/sql/breakdown/<name>.slt` whose cases run it.
#[test]
fn every_breakdown_event_file_has_a_known_answer_file() {
    for (name, _) in csc_pipeline::model::breakdown::EVENTS {
        let path = sql_dir().join(format!("breakdown/{name}.slt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(text.contains("RUN BREAKDOWN"), "{} runs no breakdown", path.display());
    }
}

/// The data-quality rules: one file per `sql/quality/*.sql`, and the generated rules in
/// `tests/sql/quality_generated/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_rule_known_answer_files() {
    run_folder("quality").await;
    run_folder("quality_generated").await;
}

/// File stems (names without the extension) in a folder of the repository.
fn stems(folder: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(folder)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_measure_and_annex_a_list_has_a_known_answer_file() {
    let root = Path::new(crate::REPO);
    let mut missing = BTreeSet::new();
    let mut problems = Vec::new();
    for folder in ["measures", "annex_a", "quality"] {
        let sql = stems(&root.join("sql").join(folder), "sql");
        let slt = stems(&sql_dir().join(folder), "slt");
        for stem in sql.difference(&slt) {
            missing.insert(format!("sql/{folder}/{stem}.sql"));
        }
        for stem in slt.difference(&sql) {
            problems.push(format!("tests/sql/{folder}/{stem}.slt has no sql/{folder}/{stem}.sql"));
        }
        // Each file runs the SQL it is named after.
        for stem in sql.intersection(&slt) {
            let text = std::fs::read_to_string(sql_dir().join(folder).join(format!("{stem}.slt"))).unwrap();
            let runs = if folder == "measures" {
                text.lines()
                    .filter_map(|l| l.trim().strip_prefix("RUN MEASURE"))
                    .any(|l| l.trim_start_matches('S').split(|c: char| c == ',' || c.is_whitespace()).any(|id| id == stem))
            } else if folder == "quality" {
                text.lines().any(|l| l.trim() == "RUN QUALITY")
            } else {
                text.lines().any(|l| l.trim() == "RUN LISTS") && (text.contains(stem.as_str()) || text.contains(&stem[..7]))
            };
            if !runs {
                problems.push(format!("tests/sql/{folder}/{stem}.slt never runs {stem}"));
            }
        }
    }
    problems.extend(cases_without_source_rows(root));
    problems.extend(published_ids_without_expected_rows(root));
    let pending: BTreeSet<String> = PENDING.iter().map(|s| s.to_string()).collect();
    eprintln!("SQL files with no known-answer file yet ({}): {}", missing.len(), missing.iter().cloned().collect::<Vec<_>>().join(", "));
    for m in missing.difference(&pending) {
        problems.push(format!("{m} has no known-answer file (add tests/sql/.../*.slt; see tests/sql/README.md)"));
    }
    for p in pending.difference(&missing) {
        problems.push(format!("{p} now has a known-answer file: remove it from PENDING in crates/csc/tests/it/slt.rs"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The core tables a measure file cannot be computed without: its `-- sources:` and those of the
/// measures it `-- depends:` on.
fn measure_sources(root: &Path, id: &str) -> BTreeSet<String> {
    let sql = std::fs::read_to_string(root.join(format!("sql/measures/{id}.sql"))).unwrap_or_default();
    let header = |key: &str| -> Vec<String> {
        sql.lines()
            .filter_map(|l| l.trim().strip_prefix(key))
            .flat_map(|l| l.split(',').map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let mut tables: BTreeSet<String> = header("-- sources:").into_iter().collect();
    for dep in header("-- depends:") {
        tables.extend(measure_sources(root, &dep));
    }
    tables
}

/// Every measure case inserts rows into each table its measures need, so that it tests the SQL
/// and not the model's "source table has no rows" path; a case about that path says
/// `source_table_missing` in its expected rows.
fn cases_without_source_rows(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for path in slt_files("measures") {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
        let starts: Vec<usize> =
            lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with("SET csc.as_at")).map(|(i, _)| i).collect();
        for (n, &start) in starts.iter().enumerate() {
            let case = lines[start..starts.get(n + 1).copied().unwrap_or(lines.len())].join("\n");
            if case.contains("source_table_missing") {
                continue;
            }
            let inserted: BTreeSet<String> = case
                .split("INSERT INTO ")
                .skip(1)
                .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
                .map(str::to_string)
                .collect();
            let runs = case.lines().filter_map(|l| l.trim().strip_prefix("RUN MEASURE")).flat_map(|l| {
                l.trim_start_matches('S')
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            });
            let needed: BTreeSet<String> = runs.flat_map(|id| measure_sources(root, &id)).collect();
            let missing: Vec<&String> = needed.difference(&inserted).collect();
            if !missing.is_empty() {
                let name = path.file_name().unwrap().to_string_lossy();
                let case = n + 1;
                problems.push(format!(
                    "tests/sql/measures/{name}, case {case}: inserts no rows into {missing:?}, \
                     which its measures need"
                ));
            }
        }
    }
    problems
}

/// Every measure id a file publishes (`-- publishes: <id> | ...`) has at least one expected row
/// (a result line starting with the id) in the file's known answers.
fn published_ids_without_expected_rows(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for stem in stems(&root.join("sql/measures"), "sql") {
        let sql = std::fs::read_to_string(root.join(format!("sql/measures/{stem}.sql"))).unwrap();
        let Ok(slt) = std::fs::read_to_string(sql_dir().join(format!("measures/{stem}.slt"))) else {
            continue;
        };
        let ids = sql.lines().filter_map(|l| l.strip_prefix("-- publishes:")).filter_map(|l| l.split('|').next()).map(str::trim);
        for id in ids {
            let expected = slt.lines().any(|l| l.strip_prefix(id).is_some_and(|rest| rest.starts_with(' ')));
            if !expected {
                problems.push(format!(
                    "tests/sql/measures/{stem}.slt has no expected row for {id}, which \
                     sql/measures/{stem}.sql publishes"
                ));
            }
        }
    }
    problems
}
