//! `csc docs`: the data dictionary, generated from what the code runs — the header comments of
//! the measure SQL files, the core-table schema and the published table layouts — so it cannot
//! drift from the warehouse.

use std::fmt::Write as _;

use crate::model::{fact_schema, MEASURES, PERIOD_VIEWS, VIEWS};
use crate::quality::issues_schema;
use crate::schema::{ssd_tables, SOURCE_FILE, SOURCE_ROW};

/// What a measure SQL file says about itself in its header: the single source of a measure's
/// metadata. `dim_measure`, the data dictionary, the performance pack and the model's
/// no-data rule all read it from here.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureDoc {
    /// File id (`sql/measures/<id>.sql`).
    pub id: String,
    pub title: String,
    /// Measure ids the file publishes (`-- publishes:` lines), with their unit, direction and
    /// plain-English name.
    pub publishes: Vec<Published>,
    /// Every measure id the file publishes, in header order.
    pub emits: Vec<String>,
    pub depends: Vec<String>,
    /// Measure ids of a flow file that are snapshots all the same (`-- snapshot:`), such as a
    /// count at the period end published beside a count of events.
    pub snapshots: Vec<String>,
    /// Core tables the measure cannot be computed without (`-- sources:`): when one of them has
    /// no rows in the export, the measure is published as no data (`source_table_missing`).
    pub sources: Vec<String>,
    /// The cohort of a distribution file (`-- distribution:`): the file returns each member's band
    /// (the id it publishes for it) and the model computes every band's share.
    pub distribution: Option<String>,
    /// The whole of a count-and-percent file (`-- percent of:`): the file returns each period's
    /// numerator and denominator, and publishes the count and the count as a percent of the whole.
    pub percent_of: Option<String>,
    /// The rest of the header: definition, numerator, denominator, time basis, source.
    pub definition: String,
}

/// One measure id a file publishes: `-- publishes: id | unit | good | plain-English name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub id: String,
    /// `count`, `percent` (0-100), `rate_per_10k`, `days` or `average`.
    pub unit: String,
    /// Direction of good: `high`, `low`, or `neutral` for volumes.
    pub good: String,
    /// What a person reads in the performance pack and Power BI, never the id.
    pub name: String,
}

/// Units a `-- publishes:` line may name.
pub const UNITS: &[&str] = &["count", "percent", "rate_per_10k", "days", "average"];
/// Directions of good a `-- publishes:` line may name.
pub const GOOD: &[&str] = &["high", "low", "neutral"];

/// Reads a measure file's header comment. A `-- publishes:` line that does not have its four
/// fields, or names an unknown unit or direction, is a bug in the file: [`check_measure_docs`]
/// (run by a unit test) reports it.
pub fn measure_doc(id: &str, sql: &str) -> MeasureDoc {
    let mut doc = MeasureDoc {
        id: id.to_string(),
        title: String::new(),
        publishes: Vec::new(),
        emits: Vec::new(),
        depends: Vec::new(),
        snapshots: Vec::new(),
        sources: Vec::new(),
        distribution: None,
        percent_of: None,
        definition: String::new(),
    };
    let list = |s: &str| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
    let mut body = Vec::new();
    for line in sql.lines().map(str::trim).take_while(|l| l.starts_with("--")) {
        let text = line.trim_start_matches("--").trim();
        if let Some(rest) = text.strip_prefix("measure:") {
            doc.title = rest.split_once('—').map(|(_, t)| t.trim()).unwrap_or(rest.trim()).to_string();
        } else if let Some(rest) = text.strip_prefix("publishes:") {
            let f: Vec<&str> = rest.split('|').map(str::trim).collect();
            let field = |i: usize| f.get(i).copied().unwrap_or_default().to_string();
            doc.publishes.push(Published { id: field(0), unit: field(1), good: field(2), name: field(3) });
        } else if let Some(rest) = text.strip_prefix("depends:") {
            doc.depends = list(rest);
        } else if let Some(rest) = text.strip_prefix("snapshot:") {
            doc.snapshots = list(rest);
        } else if let Some(rest) = text.strip_prefix("sources:") {
            doc.sources = list(rest);
        } else if let Some(rest) = text.strip_prefix("distribution:") {
            doc.distribution = Some(rest.trim().to_string());
        } else if let Some(rest) = text.strip_prefix("percent of:") {
            doc.percent_of = Some(rest.trim().to_string());
        } else if !text.is_empty() {
            body.push(text.to_string());
        }
    }
    doc.emits = doc.publishes.iter().map(|p| p.id.clone()).collect();
    // Continuation lines (indented in the file) join the line before them.
    let mut joined: Vec<String> = Vec::new();
    for line in body {
        let starts_field = line.split_once(':').map(|(k, _)| !k.contains(' ') || k.split(' ').count() <= 3).unwrap_or(false)
            && line.chars().next().is_some_and(char::is_uppercase);
        match joined.last_mut() {
            Some(prev) if !starts_field => {
                prev.push(' ');
                prev.push_str(&line);
            }
            _ => joined.push(line),
        }
    }
    doc.definition = joined.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n");
    doc
}

/// Every problem with the measure headers: a file that publishes nothing, a `-- publishes:`
/// line without its four fields or with an unknown unit or direction, an id published twice,
/// a source that is not a core table, a dependency that is not a measure file, a distribution
/// with a band that is not a percent or that its SQL never names, a count-and-percent file that
/// does not publish one count and one percent.
pub fn check_measure_docs() -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let tables: Vec<&str> = ssd_tables().iter().map(|t| t.name.as_str()).collect();
    for d in measure_docs() {
        let file = format!("sql/measures/{}.sql", d.id);
        if d.title.is_empty() {
            problems.push(format!("{file}: no `-- measure: id — title` line"));
        }
        if d.publishes.is_empty() {
            problems.push(format!("{file}: no `-- publishes:` line"));
        }
        for p in &d.publishes {
            if p.id.is_empty() || p.name.is_empty() || !UNITS.contains(&p.unit.as_str()) || !GOOD.contains(&p.good.as_str()) {
                problems.push(format!(
                    "{file}: `-- publishes: {} | {} | {} | {}` needs an id, a unit ({}), a direction ({}) and a name",
                    p.id,
                    p.unit,
                    p.good,
                    p.name,
                    UNITS.join(", "),
                    GOOD.join(", ")
                ));
            }
            if !seen.insert(p.id.clone()) {
                problems.push(format!("{file}: measure id {} is published by another file too", p.id));
            }
        }
        for s in &d.sources {
            if !tables.contains(&s.as_str()) {
                problems.push(format!("{file}: source {s} is not a core table"));
            }
        }
        for id in &d.snapshots {
            if !d.emits.contains(id) {
                problems.push(format!("{file}: `-- snapshot:` names {id}, which the file does not publish"));
            }
        }
        if d.distribution.is_some() {
            let sql = MEASURES.iter().find(|(m, _)| *m == d.id).map(|(_, s)| *s).unwrap_or_default();
            let body: String = sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
            for p in &d.publishes {
                if p.unit != "percent" {
                    problems.push(format!("{file}: a distribution publishes shares, but {} is a {}", p.id, p.unit));
                }
                if !body.contains(&format!("'{}'", p.id)) {
                    problems.push(format!("{file}: the distribution's SQL never puts a child in band {}", p.id));
                }
            }
        }
        if d.percent_of.is_some() {
            let mut units: Vec<&str> = d.publishes.iter().map(|p| p.unit.as_str()).collect();
            units.sort();
            if units != ["count", "percent"] {
                problems.push(format!("{file}: `-- percent of:` publishes one count and one percent, not {}", units.join(", ")));
            }
        }
        for dep in &d.depends {
            if !MEASURES.iter().any(|(m, _)| m == dep) {
                problems.push(format!("{file}: depends on {dep}, which is not a measure file"));
            }
        }
        if d.sources.is_empty() && d.depends.is_empty() {
            problems.push(format!(
                "{file}: names neither `-- sources:` nor `-- depends:`, so a missing table could not be told from a true zero"
            ));
        }
    }
    problems
}

/// `flow` when a measure counts events in each period (its SQL, or a measure it depends on,
/// reads `day_period`), else `snapshot` (taken on the period's last day). A flow count or rate
/// for a month is not comparable with a yearly figure; a snapshot is.
pub fn basis(file_id: &str) -> &'static str {
    let Some((_, sql)) = MEASURES.iter().find(|(m, _)| *m == file_id) else { return "snapshot" };
    let doc = measure_doc(file_id, sql);
    if sql.contains("day_period") || doc.depends.iter().any(|d| basis(d) == "flow") {
        "flow"
    } else {
        "snapshot"
    }
}

/// [`basis`] of one measure id of a file: `snapshot` when the file's `-- snapshot:` line names it.
pub fn id_basis(file_id: &str, measure_id: &str) -> &'static str {
    let Some((_, sql)) = MEASURES.iter().find(|(m, _)| *m == file_id) else { return "snapshot" };
    if measure_doc(file_id, sql).snapshots.iter().any(|s| s == measure_id) {
        "snapshot"
    } else {
        basis(file_id)
    }
}

/// A direction of good in words, for people.
pub fn good_word(good: &str) -> &'static str {
    match good {
        "high" => "higher is better",
        "low" => "lower is better",
        _ => "neither direction is better in itself",
    }
}

/// Every published measure id with its file's documentation, in catalogue order.
pub fn published_measures() -> Vec<(Published, MeasureDoc)> {
    measure_docs().into_iter().flat_map(|d| d.publishes.clone().into_iter().map(move |p| (p, d.clone()))).collect()
}

/// Every measure file's documentation, in catalogue order.
pub fn measure_docs() -> Vec<MeasureDoc> {
    MEASURES.iter().map(|(id, sql)| measure_doc(id, sql)).collect()
}

/// The `marts/fact_measure_breakdown` section of the data dictionary.
fn breakdown_section(md: &mut String) {
    use crate::model::breakdown::{breakdown_schema, broken_down};
    let _ = writeln!(md, "\n## `marts/fact_measure_breakdown/financial_year=YYYY-YY/`\n");
    let _ = writeln!(
        md,
        "Measures below the LA total, for months and financial years: one row per measure, period, dimension and value. Built by \
         `sql/breakdown/events/*.sql` (one row per counted event) and `sql/breakdown/fact_measure_breakdown.sql` (aggregated once, unpivoted; \
         see `sql/breakdown/README.md`). Broken-down measures: {}.\n",
        broken_down().iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        md,
        "**Which team?** A child who moves team mid-period is counted under the team that held the case on the event date (the referral, \
         assessment, S47 or ICPC date, the day care started or ended), or on the snapshot date (the period end) for snapshot measures: the \
         involvement open that day (started on or before it and not ended on or before it; the latest started when several are). When no \
         involvement is open the team and worker recorded on the event itself are used, else `not allocated`. The service is the \
         allocated worker's department.\n\n\
         **Adding up.** For count measures the rows of each dimension add up to `fact_measure`'s numerator for the same measure and period; \
         unknown values are explicit (`not recorded`, `not allocated`), never dropped; a child with two plans or episodes open on a \
         snapshot date is one row (the lowest category, placement or legal-status code). For percentages numerator and denominator add up. \
         Values with no events have no row (never a false 0).\n"
    );
    let _ = writeln!(md, "| column | type | meaning |\n|---|---|---|");
    for f in breakdown_schema().fields() {
        let meaning = match f.name().as_str() {
            "measure_id" => "measure id (as in `fact_measure`)",
            "period_type" => "`month` or `financial_year` (no rolling periods)",
            "period_start" | "period_end" | "period_key" => "as in `fact_measure`",
            "la_code" => "DfE local-authority code, so a hub's LAs stack into one table",
            "dimension" => "`team`, `worker`, `service`, `age_band`, `sex`, `ethnicity`, `disability` (every measure; for the workers-over-the-caseload-limit measures the team, worker and service are the worker's own and the child dimensions `not recorded`); `source` (contacts, referrals, re-referrals: DfE source codes), `abuse_category` (CP plans), `placement_type`, `placement_provider`, `legal_status` (children looked after at the period end)",
            "dimension_value" => "the value: team name; worker (a pseudonym of the staff id in analyst warehouses, the name when `[warehouse] worker_names = true`); department; age band on the event or snapshot date (`unborn`, `under 1`, `1-4`, `5-9`, `10-15`, `16+`); `male`, `female`, `indeterminate`; DfE major ethnic group; `yes`/`no` disability; a DfE code; `not recorded` or `not allocated` when unknown",
            "numerator" => "events or children in this value",
            "denominator" => "for percentages, the events or children judged in this value (null for counts)",
            "value" => "count, or percent (0-100) of numerator over denominator",
            "suppressed" => "true when the numerator or denominator is 1-5: hide it in anything shown outside `restricted/` (the row is kept so totals reconcile)",
            "financial_year" => "partition column (hive)",
            _ => "",
        };
        let _ = writeln!(md, "| `{}` | {} | {meaning} |", f.name(), f.data_type());
    }
}

/// The data dictionary as Markdown.
pub fn data_dictionary() -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# csc-pipeline data dictionary\n");
    let _ = writeln!(md, "Generated by `csc docs` from the measure SQL headers (`sql/measures/`), the core-table schema (`schemas/ssd.toml`) and the published table layouts. Version {}.\n", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(md, "## Measures (`marts/fact_measure`)\n");
    let _ = writeln!(md, "| measure_id | measure | SQL file |\n|---|---|---|");
    let docs = measure_docs();
    for d in &docs {
        for p in &d.publishes {
            let _ = writeln!(
                md,
                "| `{}` | {} ({}; {}) | `sql/measures/{}.sql` |",
                p.id,
                p.name,
                p.unit.replace('_', " "),
                good_word(&p.good),
                d.id
            );
        }
    }
    for d in &docs {
        let _ = writeln!(md, "\n### {} — `{}`\n", d.title, d.id);
        if d.emits.len() > 1 || d.emits[0] != d.id {
            let _ = writeln!(md, "Measure ids: {}\n", d.emits.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "));
        }
        if !d.depends.is_empty() {
            let _ = writeln!(md, "Built on: {}\n", d.depends.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "));
        }
        if !d.sources.is_empty() {
            let _ = writeln!(
                md,
                "Needs the core tables: {} (without rows in one of them, the measure is published as no data, `source_table_missing`)\n",
                d.sources.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(cohort) = &d.distribution {
            let _ = writeln!(md, "A distribution: each of the {cohort} is in exactly one band, so the bands of a period add up to 100.\n");
        }
        if let Some(whole) = &d.percent_of {
            let _ = writeln!(md, "A count, and the same count as a percent of the {whole}.\n");
        }
        let _ = writeln!(md, "{}", d.definition);
    }
    let _ = writeln!(md, "\n## Shared views (`sql/views/`)\n");
    for (name, sql) in VIEWS.iter().chain(PERIOD_VIEWS) {
        let first = sql.lines().next().unwrap_or("").trim_start_matches("--").trim();
        let _ = writeln!(md, "- `{name}`: {}", first.split_once(':').map(|(_, t)| t.trim()).unwrap_or(first));
    }
    let _ = writeln!(md, "\n## Ofsted Annex A lists (`restricted/annex_a/<list>/as_at=YYYY-MM-DD/`)\n");
    let _ = writeln!(md, "Columns are Ofsted's headers in Ofsted's order; coded values are Ofsted's lettered values (`reference/annex_a/lettered_values.csv`); dates are dates.\n");
    for (name, sql) in crate::model::annex_a::LISTS {
        let header: Vec<&str> = sql.lines().take_while(|l| l.starts_with("--")).map(|l| l.trim_start_matches("--").trim()).collect();
        let _ = writeln!(md, "- `{name}`: {}", header.join(" "));
    }
    let _ = writeln!(md, "\n## Action lists (`restricted/action_lists/<list>/as_at=YYYY-MM-DD/`)\n");
    let _ = writeln!(
        md,
        "Children overdue something as at the run's date, for case-level staff only (`csc action-lists` writes one workbook per team). Columns: {}. \
         `days_overdue` is in working days (England and Wales bank holidays excluded) when the rule is, else calendar days; each `rule` names its timescale and source. \
         A list whose source tables have no rows is published empty with issue `action_list_source_missing`. Columns and conventions: `sql/action_lists/README.md`.\n",
        crate::model::action_lists::list_schema().fields().iter().map(|f| format!("`{}`", f.name())).collect::<Vec<_>>().join(", ")
    );
    for (name, sql) in crate::model::action_lists::LISTS {
        let title = sql.lines().next().and_then(|l| l.split_once(" | ")).map(|(_, t)| t.trim()).unwrap_or("");
        let sources = crate::model::action_lists::sources(sql).iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
        let _ = writeln!(md, "- `{name}`: {title} (needs {sources}).");
    }
    let _ = writeln!(md, "\n## `marts/fact_measure/financial_year=YYYY-YY/`\n");
    let _ = writeln!(md, "| column | type | meaning |\n|---|---|---|");
    for f in fact_schema().fields() {
        let meaning = match f.name().as_str() {
            "measure_id" => "measure id (table above)",
            "period_type" => "`month`, `rolling_12_months`, `financial_year` or `ytd` (year to date: from 1 April to each month end, for flow counts and rates per 10,000)",
            "period_start" => "first day of the period (1 April for `ytd`)",
            "period_end" => "last day of the period (the as-at date for the period containing it); the snapshot date for snapshot measures",
            "la_code" => "DfE local-authority code",
            "numerator" => "count the value is built from",
            "denominator" => "count or population the numerator is divided by (null for counts)",
            "value" => "the measure: a count, a percent (0-100), a rate per 10,000 or working days",
            "no_data_reason" => "null when `value` is a number; otherwise why there is no value, never a false 0: `source_table_missing` (a core table the measure needs has no rows in the export; numerator and denominator are null too), `population_missing`, `empty_denominator` or `not_computable`",
            "period_key" => "`period_type:period_start` (e.g. `month:2022-04-01`; `ytd:period_end` for year to date, e.g. `ytd:2022-06-30`): one column to relate to `dim_period` in Power BI",
            "financial_year" => "partition column (hive): the financial year the period ends in, `2022-23`",
            _ => "",
        };
        let _ = writeln!(md, "| `{}` | {} | {meaning} |", f.name(), f.data_type());
    }
    breakdown_section(&mut md);
    for mart in crate::marts::MARTS {
        let _ = writeln!(md, "\n## `marts/{}/`\n", mart.name);
        let source = mart.sql_file().map(|f| format!(" Built by `{f}`.")).unwrap_or_default();
        let _ = writeln!(md, "One data file (`part-<hash>.parquet`, a Delta table): {}.{source}\n", mart.about);
        let _ = writeln!(md, "| column | type | meaning |\n|---|---|---|");
        for (name, ty, meaning) in mart.columns {
            let _ = writeln!(md, "| `{name}` | {} | {meaning} |", ty.data_type());
        }
        if mart.name == "benchmarks" {
            comparators_section(&mut md);
        }
    }
    let regional = &crate::regional::COMPARISON;
    let _ = writeln!(md, "\n## `marts/{}/la_code=…/financial_year=YYYY-YY/` (regional warehouse only)\n", regional.name);
    let _ = writeln!(
        md,
        "A Delta table of the regional warehouse (`csc hub --regional-warehouse`, see [the warehouse](warehouse.md#the-regional-warehouse-of-a-hub)): {}. Built by `sql/regional/{}.sql`.\n",
        regional.about, regional.name
    );
    let _ = writeln!(md, "| column | type | meaning |\n|---|---|---|");
    for (name, ty, meaning) in regional.columns {
        let _ = writeln!(md, "| `{name}` | {} | {meaning} |", ty.data_type());
    }
    let _ = writeln!(md, "\n## `quality/issues/` (analysts: raw values of personal data removed) and `restricted/quality/issues/`\n");
    let _ = writeln!(md, "| column | type |\n|---|---|");
    for f in issues_schema().fields() {
        let _ = writeln!(md, "| `{}` | {} |", f.name(), f.data_type());
    }
    let _ = writeln!(md, "\n`person_id` names the child whose record the issue is on (a pseudonym in `quality/issues/`); `team` is the team holding the child at the as-at date (else the latest), whose workers correct it (`csc issues --by team`).");
    let _ = writeln!(md, "\n## `quality/completeness/as_at=<date>/`\n");
    let _ = writeln!(md, "The blank share of each key column (`reference/quality/completeness.toml`) in one run, one partition per as-at date, so the partitions are the trend across runs. Blank counts of 1 to 5 and their shares are suppressed.\n");
    let _ = writeln!(md, "| column | type |\n|---|---|");
    for f in crate::quality::completeness::batch(&[]).expect("an empty completeness table").schema().fields() {
        let _ = writeln!(md, "| `{}` | {} |", f.name(), f.data_type());
    }
    quality_rules(&mut md);
    let _ = writeln!(md, "\n## Core tables (`core/<table>/` for analysts, `restricted/core/<table>/` as received)\n");
    let _ = writeln!(md, "Column names are the Standard Safeguarding Dataset's; `item_ref` is the SSD data item. Every table also has `{SOURCE_FILE}` and `{SOURCE_ROW}` (the input file and spreadsheet row the record came from; empty in the analyst copy). In the analyst copy, every id and identifier is a keyed HMAC-SHA256 pseudonym (32 hex digits; a person's is the same in every table), names, free text and any text column not reviewed as non-personal are empty, dates of birth and death are the 1st of their month and postcodes are cut to the sector; see the notes column.");
    for t in ssd_tables() {
        let _ = writeln!(md, "\n### `{}` (from `{}`; key `{}`)\n", t.name, t.source, t.primary_key);
        let _ = writeln!(md, "| column | type | parsing | item_ref | notes |\n|---|---|---|---|---|");
        for c in &t.columns {
            let mut notes = Vec::new();
            if c.required {
                notes.push("required".to_string());
            }
            if let Some(list) = &c.codes {
                notes.push(format!("codes: `reference/codes/{list}.csv`"));
            }
            match crate::pseudonymise::column_treatment(c, false) {
                crate::pseudonymise::Treatment::Keep => {}
                crate::pseudonymise::Treatment::Hash(_) => notes.push("analysts: pseudonym".into()),
                crate::pseudonymise::Treatment::Drop => notes.push("analysts: removed".into()),
                crate::pseudonymise::Treatment::MonthOnly => notes.push("analysts: month only".into()),
                crate::pseudonymise::Treatment::PostcodeSector => notes.push("analysts: postcode sector".into()),
            }
            let _ = writeln!(
                md,
                "| `{}` | {} | {:?} | {} | {} |",
                c.name,
                c.kind.data_type(),
                c.kind,
                c.item_ref.as_deref().unwrap_or(""),
                notes.join("; ")
            );
        }
    }
    md
}

/// The benchmarks' comparators: every measure id DfE publishes a figure for, its DfE file and how
/// the value is worked out (`sql/marts/ref_published.sql`), and whether csc computes it too.
fn comparators_section(md: &mut String) {
    let computed: Vec<String> = published_measures().into_iter().map(|(p, _)| p.id).collect();
    let _ = writeln!(md, "\nComparators (one row per DfE published year for each; `count`: the published count, `percent`: DfE's published percentage, `ratio`: a percentage worked out from published counts, `rate`: per 10,000 children from the published count and the ONS population, `value`: a published rate or average as is):\n");
    let _ = writeln!(md, "| measure_id | DfE file (`reference/dfe/`) | kind | computed by csc |\n|---|---|---|---|");
    for c in crate::marts::published::comparators() {
        let ours = if computed.contains(&c.measure_id) { "yes" } else { "no: published figure only" };
        let _ = writeln!(md, "| `{}` | `{}` | {} | {ours} |", c.measure_id, c.file, c.kind);
    }
}

/// The data-quality rules section: every issue code from the rule catalogue
/// (`reference/quality/rules.toml`), what it means and what to do about it.
fn quality_rules(md: &mut String) {
    let cell = |s: &str| s.replace('|', "\\|");
    let _ = writeln!(md, "\n## Data-quality rules (`issue_code` in `quality/issues/`)\n");
    let _ = writeln!(md, "Generated from the rule catalogue `reference/quality/rules.toml`. Severity: **error**, a value, row or file could not be used, so figures may miss records; **warning**, a value was kept or emptied with a reason and may be wrong; **info**, noted, with no effect on the figures.\n");
    let _ = writeln!(md, "| code | severity | stage | what it means | what to do | reads | source |\n|---|---|---|---|---|---|---|");
    for r in crate::quality::rules() {
        let severity = match &r.severity_note {
            Some(note) => format!("{} ({note})", r.severity_text()),
            None => r.severity_text(),
        };
        let list =
            |v: &[String]| v.iter().map(|x| if x == "any" { "any".to_string() } else { format!("`{x}`") }).collect::<Vec<_>>().join(", ");
        let any = |v: &[String]| v.len() == 1 && v[0] == "any";
        let reads = match (r.tables.as_slice(), r.columns.as_slice()) {
            (t, []) if any(t) => "the whole file".to_string(),
            (t, []) => format!("tables {}", list(t)),
            (t, c) if any(t) && any(c) => "any table and column".to_string(),
            (t, c) => format!("tables {}; columns {}", list(t), list(c)),
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | **{}.** {} | {} | {} | {} |",
            r.code,
            cell(&severity),
            r.stage,
            cell(&r.title),
            cell(&r.message),
            cell(&r.action),
            cell(&reads),
            cell(&r.source)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_has_a_title_a_definition_and_its_ids() {
        for d in measure_docs() {
            assert!(!d.title.is_empty(), "{} has no title", d.id);
            assert!(d.definition.contains("Definition"), "{} has no definition", d.id);
            assert!(!d.emits.is_empty());
        }
        let bands = measure_docs().into_iter().find(|d| d.id == "cpp_duration_bands").unwrap();
        assert_eq!(bands.emits.len(), 5);
        assert!(bands.emits.contains(&"cpp_duration_2y_plus_pct".to_string()));
    }

    #[test]
    fn dictionary_lists_every_published_measure_and_column() {
        let md = data_dictionary();
        for id in ["rereferral_12m_pct", "assessments_within_45wd_pct", "icpc_within_15wd_pct", "cin_rate_per_10k", "cla_uasc_at_date"] {
            assert!(md.contains(&format!("| `{id}` |")), "{id} missing");
        }
        assert!(md.contains("| `financial_year` |"));
        assert!(md.contains("| `raw_value` |"));
        assert!(md.contains("`cont_contact_date`"));
        for table in ["dim_measure", "dim_period", "dim_la", "benchmarks", "measure_rag"] {
            assert!(md.contains(&format!("## `marts/{table}/`")), "{table} missing");
        }
        assert!(md.contains("| `sn_mean` | Float64 |"));
    }

    #[test]
    fn dictionary_explains_every_issue_code() {
        let md = data_dictionary();
        assert!(md.contains("## Data-quality rules"));
        for r in crate::quality::rules() {
            let row = md.lines().find(|l| l.starts_with(&format!("| `{}` |", r.code))).unwrap_or_else(|| panic!("{} missing", r.code));
            assert!(row.contains(&r.action) && row.contains(&r.source), "{row}");
        }
    }

    #[test]
    fn committed_dictionary_is_current() {
        // docs/data_dictionary.md is what analysts browse in the repository; regenerate it with
        // `csc docs --out docs` after changing a measure or a table.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data_dictionary.md");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == data_dictionary(), "docs/data_dictionary.md is stale: run `csc docs --out docs`");
    }

    /// The indicators of Southampton's April 2022 performance table (SEED-002, the Children &
    /// Families Scrutiny Panel pack; the line of each indicator's name) that the SSD supports,
    /// with the measure that computes each. Left out, with no SSD source: L5631 "Number of Early
    /// Help assessments completed" (the SSD has early help episodes, `eh_episodes_started`, not
    /// early help assessments) and L5765-L5789 supervision within timescale (CIN, CPP, CLA, care
    /// leavers: case supervision is not in the SSD).
    const SEED_2022_TABLE: &[(&str, &str, &str)] = &[
        ("L5626", "Percentage of re-referrals within 12 months", "rereferral_12m_pct"),
        ("L5636", "Rates of Single Assessments completed per 10,000", "assessments_rate_per_10k"),
        ("L5644", "Percentage of C&F assessments completed within 45 working days", "assessments_within_45wd_pct"),
        ("L5688", "Percentage of children subject to CPP visited within last 2 weeks (10 working days)", "cp_visited_within_10wd_pct"),
        ("L5700", "Percentage of children subject to CPP visited within last 4 weeks (20 working days)", "cp_visited_within_20wd_pct"),
        ("L5712", "Percentage of CLA visited within statutory timescales (6 weeks or less)", "cla_visits_within_timescale_pct"),
        ("L5724", "CIN on a plan visited within 4 weeks", "cin_plan_visits_within_4w_pct"),
        ("L5856", "Number of contacts", "contacts"),
        ("L5861", "Number of referrals in the month", "referrals"),
        ("L5869", "Rates of referrals per 10,000 of Under 18 Population", "referral_rate_per_10k"),
        ("L5879", "Number of CLA at the end of the month", "cla_at_date"),
        ("L5887", "Number of children with an active Child in Need Plan not allocated to CWD", "cin_plan_children_excl_cwd_at_date"),
        ("L5901", "Number of children subject of a Child Protection Plan as at the end of month", "cpp_at_date"),
        ("L5915", "Number of care leavers", "care_leavers"),
    ];

    #[test]
    fn every_indicator_of_the_seed_performance_table_the_ssd_supports_is_in_the_catalogue() {
        let ids: Vec<String> = published_measures().into_iter().map(|(p, _)| p.id).collect();
        let missing: Vec<String> = SEED_2022_TABLE
            .iter()
            .filter(|(_, _, id)| !ids.iter().any(|m| m == id))
            .map(|(line, name, id)| format!("{line} {name}: {id}"))
            .collect();
        assert!(missing.is_empty(), "seed indicators missing from the catalogue:\n{}", missing.join("\n"));
        // L5636 and L5869 are shown cumulatively from April (320, 376 ... 653; 435, 511 ... 836):
        // both rates have a year-to-date series (period_type ytd).
        let files = vec!["assessments_rate_per_10k".to_string(), "referral_rate_per_10k".to_string()];
        let order = crate::model::execution_order(&files).unwrap();
        let ytd: Vec<String> = crate::model::ytd_measures(&order, &files).into_iter().flat_map(|(_, ids)| ids).collect();
        assert_eq!(ytd, files);
    }
}
