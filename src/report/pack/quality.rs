//! The pack's data-quality page: issues by rule and by file, the trend over the last published
//! runs, and the measures that moved sharply since the run before. Counts only: the analyst
//! issues table it reads holds no cell values.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;

use super::data::{PackData, RunPoint};

/// Issues of one rule (issue code).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCount {
    pub code: String,
    pub severity: String,
    pub count: usize,
    /// What the rule means and what to do about it, when the catalogue has it.
    pub meaning: Option<String>,
}

/// The page's figures.
#[derive(Debug, Clone, Default)]
pub struct QualityPage {
    pub by_rule: Vec<RuleCount>,
    /// (file, errors, warnings, notes), most errors first.
    pub by_file: Vec<(String, usize, usize, usize)>,
    pub runs: Vec<RunPoint>,
    /// (measure id, previous, current) of the sharp moves.
    pub moved: Vec<(String, Option<f64>, Option<f64>)>,
}

/// Gathers the page from a published run.
pub fn build(data: &PackData) -> QualityPage {
    let mut by_rule: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut by_file: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    if let Some(b) = &data.issues {
        let text = |n: &str| b.column_by_name(n).and_then(|c| cast(c, &DataType::Utf8).ok());
        if let (Some(code), Some(severity), Some(file)) = (text("issue_code"), text("severity"), text("file")) {
            let (code, severity, file) = (code.as_string::<i32>(), severity.as_string::<i32>(), file.as_string::<i32>());
            for i in 0..b.num_rows() {
                *by_rule.entry((code.value(i).to_string(), severity.value(i).to_string())).or_default() += 1;
                let f = if file.is_null(i) { "(the run itself)".to_string() } else { file.value(i).to_string() };
                let e = by_file.entry(f).or_default();
                match severity.value(i) {
                    "error" => e.0 += 1,
                    "warning" => e.1 += 1,
                    _ => e.2 += 1,
                }
            }
        }
    }
    let mut by_rule: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|((code, severity), count)| RuleCount { meaning: crate::quality::describe(&code), code, severity, count })
        .collect();
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    by_rule.sort_by(|a, b| rank(&a.severity).cmp(&rank(&b.severity)).then(b.count.cmp(&a.count)).then(a.code.cmp(&b.code)));
    let mut by_file: Vec<(String, usize, usize, usize)> = by_file.into_iter().map(|(f, (e, w, n))| (f, e, w, n)).collect();
    by_file.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let moved = data.moved.iter().map(|m| (m.measure_id.clone(), m.previous, m.current)).collect();
    QualityPage { by_rule, by_file, runs: data.runs.clone(), moved }
}
