//! Limits on what one input file may make a run hold or record (`[limits]` in the pipeline
//! file). A file over a limit is reported and skipped, a cell over one is reported and emptied,
//! and issues over the per-file caps are counted, not recorded one by one, so no export can make
//! a nightly run exhaust memory. The defaults are several times what the largest English LA's
//! exports need (see docs/operating.md, "Input limits").

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::quality::{Action, Issue, Severity};
use crate::{Error, Result};

/// `[limits]`: caps on input files and on the issues one file may raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest input file read, in bytes (default 1 GiB).
    pub max_file_bytes: u64,
    /// Largest uncompressed size of a workbook (xlsx, ods: the sum of its zip entries, declared
    /// and actual), in bytes (default 200 MB).
    pub max_uncompressed_bytes: u64,
    /// Most cells one worksheet's used area may span (rows × columns, default 5 million).
    pub max_sheet_cells: u64,
    /// Longest CSV cell, in bytes (default 1 MiB).
    pub max_field_bytes: usize,
    /// Longest CSV row (record), in bytes (default 4 MiB).
    pub max_line_bytes: usize,
    /// Deepest XML element nesting (default 64; a CIN census return nests 6 deep).
    pub max_xml_depth: usize,
    /// Most XML elements in one record (one CIN `<Child>`, default 100,000).
    pub max_xml_record_elements: usize,
    /// Most issues one file may raise with one code; the rest are counted (default 50,000).
    pub max_issues_per_code: usize,
    /// Most issues one file may raise in all; the rest are counted (default 200,000).
    pub max_issues_per_file: usize,
    /// Longest raw value kept in an issue, in characters (default 200; longer ones are cut).
    pub max_issue_value_chars: usize,
    /// Load hidden and very-hidden worksheets (`[input] hidden_sheets = true`); they are
    /// reported either way.
    #[serde(skip)]
    pub load_hidden_sheets: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1 << 30,
            max_uncompressed_bytes: 200_000_000,
            max_sheet_cells: 5_000_000,
            max_field_bytes: 1 << 20,
            max_line_bytes: 4 << 20,
            max_xml_depth: 64,
            max_xml_record_elements: 100_000,
            max_issues_per_code: 50_000,
            max_issues_per_file: 200_000,
            max_issue_value_chars: 200,
            load_hidden_sheets: false,
        }
    }
}

impl Limits {
    /// Checks the values are usable (no zero caps; an issue cap below the per-code cap).
    pub fn validate(&self) -> Result<()> {
        let zero = [
            ("max_file_bytes", self.max_file_bytes == 0),
            ("max_uncompressed_bytes", self.max_uncompressed_bytes == 0),
            ("max_sheet_cells", self.max_sheet_cells == 0),
            ("max_field_bytes", self.max_field_bytes == 0),
            ("max_line_bytes", self.max_line_bytes == 0),
            ("max_xml_depth", self.max_xml_depth < 8),
            ("max_xml_record_elements", self.max_xml_record_elements == 0),
            ("max_issues_per_code", self.max_issues_per_code == 0),
            ("max_issues_per_file", self.max_issues_per_file == 0),
            ("max_issue_value_chars", self.max_issue_value_chars == 0),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, bad)| *bad) {
            return Err(Error::Config(format!("[limits] {name} is too small (max_xml_depth must be at least 8, the others above 0)")));
        }
        if self.max_field_bytes > self.max_line_bytes {
            return Err(Error::Config("[limits] max_field_bytes is larger than max_line_bytes".into()));
        }
        Ok(())
    }
}

/// Applies the per-file issue caps to the issues one file raises, as they are raised: issues
/// over a cap are dropped and counted, raw values are cut to length, and [`IssueCap::finish`]
/// records one `issues_capped` issue per code with how many were dropped.
#[derive(Debug)]
pub struct IssueCap {
    limits: Limits,
    /// Index in the issue list from which issues have not been looked at yet.
    checked: usize,
    kept_by_code: HashMap<&'static str, usize>,
    kept: usize,
    dropped: BTreeMap<&'static str, usize>,
}

impl IssueCap {
    /// Caps the issues pushed to a list from its current length `start` on.
    pub fn new(limits: Limits, start: usize) -> Self {
        IssueCap { limits, checked: start, kept_by_code: HashMap::new(), kept: 0, dropped: BTreeMap::new() }
    }

    /// Looks at the issues pushed since the last call. Cheap when called often.
    pub fn apply(&mut self, issues: &mut Vec<Issue>) {
        if self.checked >= issues.len() {
            return;
        }
        let max_chars = self.limits.max_issue_value_chars;
        let mut write = self.checked;
        for read in self.checked..issues.len() {
            let code = issues[read].code;
            let per_code = self.kept_by_code.entry(code).or_default();
            if *per_code >= self.limits.max_issues_per_code || self.kept >= self.limits.max_issues_per_file {
                *self.dropped.entry(code).or_default() += 1;
                continue;
            }
            *per_code += 1;
            self.kept += 1;
            if let Some(v) = issues[read].value.as_mut() {
                cut(v, max_chars);
            }
            issues.swap(write, read);
            write += 1;
        }
        issues.truncate(write);
        self.checked = write;
    }

    /// Applies the caps a last time and records what was dropped, located at `file`.
    pub fn finish(mut self, issues: &mut Vec<Issue>, file: &str) {
        self.apply(issues);
        for (code, n) in self.dropped {
            let message = format!("{n} more {code} issues in this file were not recorded one by one ([limits] max_issues_per_code = {}, max_issues_per_file = {})", self.limits.max_issues_per_code, self.limits.max_issues_per_file);
            issues.push(Issue::new(Severity::Warning, "normalise", "issues_capped", message, Action::Kept).file(file).column_named(code));
        }
    }
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
fn cut(text: &mut String, max: usize) {
    if let Some((i, _)) = text.char_indices().nth(max) {
        text.truncate(i);
        text.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(code: &'static str) -> Issue {
        Issue::new(Severity::Error, "normalise", code, "m", Action::SetNull).value("abcdef")
    }

    #[test]
    fn issues_over_the_caps_are_counted_not_kept_and_values_are_cut() {
        let limits = Limits { max_issues_per_code: 3, max_issues_per_file: 5, max_issue_value_chars: 4, ..Limits::default() };
        let mut issues = vec![issue("unreadable_row")];
        let mut cap = IssueCap::new(limits, 1);
        for _ in 0..4 {
            issues.push(issue("invalid_date"));
            cap.apply(&mut issues);
        }
        for _ in 0..3 {
            issues.push(issue("wrong_field_count"));
        }
        cap.finish(&mut issues, "f.csv");
        let codes: Vec<&str> = issues.iter().map(|i| i.code).collect();
        assert_eq!(
            codes,
            [
                "unreadable_row",
                "invalid_date",
                "invalid_date",
                "invalid_date",
                "wrong_field_count",
                "wrong_field_count",
                "issues_capped",
                "issues_capped"
            ]
        );
        assert_eq!(issues[0].value.as_deref(), Some("abcdef"), "issues before the start are not touched");
        assert_eq!(issues[1].value.as_deref(), Some("abcd…"));
        assert!(issues[6].message.starts_with("1 more invalid_date issues"), "{}", issues[6].message);
        assert!(
            issues[7].message.starts_with("1 more wrong_field_count issues"),
            "the file cap of 5 dropped the third: {}",
            issues[7].message
        );
        assert_eq!(issues[7].file.as_deref(), Some("f.csv"));
    }

    #[test]
    fn limits_from_the_pipeline_file() {
        let l: Limits = toml::from_str("max_file_bytes = 1000\nmax_issues_per_code = 10").unwrap();
        assert_eq!((l.max_file_bytes, l.max_issues_per_code, l.max_field_bytes), (1000, 10, 1 << 20));
        l.validate().unwrap();
        assert!(Limits { max_field_bytes: 0, ..l }.validate().is_err());
        assert!(toml::from_str::<Limits>("max_rows = 1").is_err(), "unknown limits are refused");
        Limits::default().validate().unwrap();
    }
}
