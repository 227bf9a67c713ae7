//! The data-quality rule catalogue: what each issue code means and what to do about it.
//!
//! The catalogue is data, `reference/quality/rules.toml`, compiled in and parsed once. It is the
//! one list of issue codes: [`Issue::new`](super::Issue::new) checks every code against it in
//! debug builds, a test scans `src/` for the codes raised and compares them with it both ways,
//! and the data dictionary and the performance pack's data-quality notes are rendered from it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::Severity;

/// The catalogue as shipped.
const RULES_TOML: &str = include_str!("../../reference/quality/rules.toml");

/// Stages that raise issues (`Issue::stage`).
pub const STAGES: &[&str] = &["extract", "normalise", "model", "publish"];

/// One issue code's entry in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable machine-readable code (`issue_code` in the issues table).
    pub code: String,
    /// The severities the code is raised with, the usual one first.
    pub severities: Vec<Severity>,
    /// When more than one severity is listed: which is used when.
    pub severity_note: Option<String>,
    /// The stage that raises it: extract, normalise, model or publish.
    pub stage: String,
    /// A few plain-English words.
    pub title: String,
    /// What the issue means, in plain English; never a cell value.
    pub message: String,
    /// Core tables the rule reads, or `any`.
    pub tables: Vec<String>,
    /// Columns the rule reads (as received), `any`, or none for a file-level rule.
    pub columns: Vec<String>,
    /// DfE CIN census or SSDA903 rule number, Ofsted Annex A guidance, or `local`.
    pub source: String,
    /// What a person should do about it.
    pub action: String,
}

impl Rule {
    /// The usual severity (the first listed).
    pub fn severity(&self) -> Severity {
        self.severities[0]
    }

    /// Whether the code may be raised with `severity`.
    pub fn allows(&self, severity: Severity) -> bool {
        self.severities.contains(&severity)
    }

    /// The severities as words: `warning`, or `warning or error`.
    pub fn severity_text(&self) -> String {
        self.severities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
    }
}

/// `severity = "warning"` or `severity = ["warning", "error"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Severity),
    Many(Vec<Severity>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: String,
    severity: OneOrMany,
    severity_note: Option<String>,
    stage: String,
    title: String,
    message: String,
    tables: Vec<String>,
    columns: Vec<String>,
    source: String,
    action: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    rule: Vec<RawRule>,
}

struct Catalogue {
    rules: Vec<Rule>,
    by_code: HashMap<String, usize>,
}

/// Parses and checks a catalogue's text.
fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let raw: RawCatalogue = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut rules = Vec::with_capacity(raw.rule.len());
    let mut seen = std::collections::HashSet::new();
    for r in raw.rule {
        let severities = match r.severity {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        let code = r.code.as_str();
        let fail = |why: &str| Err(format!("rule {code}: {why}"));
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return fail("a code is lower-case letters, digits and underscores");
        }
        if !seen.insert(r.code.clone()) {
            return fail("listed twice");
        }
        if severities.is_empty() || (1..severities.len()).any(|i| severities[..i].contains(&severities[i])) {
            return fail("severity lists each severity once, at least one");
        }
        if severities.len() > 1 && r.severity_note.is_none() {
            return fail("a code with several severities needs a severity_note saying which is used when");
        }
        if !STAGES.contains(&r.stage.as_str()) {
            return fail(&format!("stage must be one of {}", STAGES.join(", ")));
        }
        for (name, text) in [("title", &r.title), ("message", &r.message), ("source", &r.source), ("action", &r.action)] {
            if text.trim().is_empty() {
                return fail(&format!("{name} is empty"));
            }
        }
        if r.message.contains('{') || r.message.contains('}') {
            return fail("the message is plain text, with no placeholders for values");
        }
        if r.tables.is_empty() {
            return fail("tables lists the tables read, or \"any\"");
        }
        rules.push(Rule {
            code: r.code,
            severities,
            severity_note: r.severity_note,
            stage: r.stage,
            title: r.title,
            message: r.message,
            tables: r.tables,
            columns: r.columns,
            source: r.source,
            action: r.action,
        });
    }
    Ok(rules)
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // The file is compiled in and checked by this module's tests: a failure is a bug.
        let rules =
            parse(RULES_TOML).unwrap_or_else(|e| panic!("reference/quality/rules.toml is invalid (a bug in this build of csc): {e}"));
        let by_code = rules.iter().enumerate().map(|(i, r)| (r.code.clone(), i)).collect();
        Catalogue { rules, by_code }
    })
}

/// Every rule, in catalogue order (grouped by stage and input format).
pub fn rules() -> &'static [Rule] {
    &catalogue().rules
}

/// The rule for an issue code: its title, plain-English message and what to do about it.
pub fn rule(code: &str) -> Option<&'static Rule> {
    let c = catalogue();
    c.by_code.get(code).map(|&i| &c.rules[i])
}

/// Why an issue raised as (`severity`, `stage`, `code`) disagrees with the catalogue, if it does.
pub fn mismatch(severity: Severity, stage: &str, code: &str) -> Option<String> {
    let Some(r) = rule(code) else {
        return Some(format!("issue code {code:?} is not in reference/quality/rules.toml; add it there"));
    };
    if !r.allows(severity) {
        return Some(format!(
            "issue code {code} is raised as {} but reference/quality/rules.toml gives {}",
            severity.as_str(),
            r.severity_text()
        ));
    }
    if r.stage != stage {
        return Some(format!("issue code {code} is raised by the {stage} stage but reference/quality/rules.toml gives {}", r.stage));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_every_rule_is_complete() {
        let rules = rules();
        assert!(rules.len() >= 35, "{} rules", rules.len());
        let tables: Vec<&str> = crate::schema::ssd_tables().iter().map(|t| t.name.as_str()).collect();
        for r in rules {
            assert_eq!(rule(&r.code), Some(r));
            for t in &r.tables {
                let known = t == "any" || tables.contains(&t.as_str()) || t == "ref_population" || t.starts_with("list_");
                assert!(known, "rule {}: table {t} is not a core table (or \"any\")", r.code);
            }
            assert!(r.title.len() <= 60, "rule {}: the title is a few words", r.code);
            assert!(
                r.source == "local"
                    || r.source.starts_with("local")
                    || r.source.contains("DfE")
                    || r.source.contains("SSDA903")
                    || r.source.contains("Ofsted")
                    || r.source.contains("ONS")
                    || r.source.contains("NHS")
                    || r.source.contains("Working Together")
                    || r.source.contains("Regulations")
                    || r.source.contains(" Act ")
                    || r.source.starts_with("SSD"),
                "rule {}: source {:?}",
                r.code,
                r.source
            );
        }
        assert!(rule("no_such_code").is_none());
    }

    #[test]
    fn catalogue_rejects_malformed_rules() {
        let base = |extra: &str| {
            format!("[[rule]]\ncode = \"a_code\"\nstage = \"normalise\"\ntitle = \"t\"\nmessage = \"m\"\ntables = [\"any\"]\ncolumns = []\nsource = \"local\"\naction = \"a\"\n{extra}")
        };
        assert!(parse(&base("severity = \"warning\"")).is_ok());
        assert_eq!(
            parse(&base("severity = [\"error\", \"warning\"]\nseverity_note = \"n\"")).unwrap()[0].severities,
            vec![Severity::Error, Severity::Warning]
        );
        assert!(parse(&base("severity = [\"error\", \"warning\"]")).unwrap_err().contains("severity_note"));
        assert!(parse(&base("severity = \"fatal\"")).is_err());
        assert!(parse(&base("severity = \"info\"\nwhat = 1")).is_err(), "unknown fields are refused");
        let twice = format!("{}\n{}", base("severity = \"info\""), base("severity = \"info\""));
        assert!(parse(&twice).unwrap_err().contains("twice"));
        assert!(parse(&base("severity = \"info\"").replace("message = \"m\"", "message = \"value {v}\""))
            .unwrap_err()
            .contains("placeholders"));
    }

    #[test]
    fn mismatch_names_what_disagrees() {
        assert_eq!(mismatch(Severity::Error, "normalise", "invalid_date"), None);
        assert_eq!(mismatch(Severity::Warning, "normalise", "invalid_date"), None);
        assert!(mismatch(Severity::Info, "normalise", "invalid_date").unwrap().contains("error or warning"));
        assert!(mismatch(Severity::Error, "model", "invalid_date").unwrap().contains("normalise"));
        assert!(mismatch(Severity::Error, "normalise", "no_such_code").unwrap().contains("rules.toml"));
    }

    #[test]
    fn rule_explains_a_code_for_the_report() {
        let r = rule("placeholder_date").unwrap();
        assert_eq!(r.severity(), Severity::Warning);
        assert!(!r.title.is_empty() && !r.message.is_empty() && !r.action.is_empty());
        assert_eq!(rule("missing_column").unwrap().severity_text(), "warning or error");
    }
}
