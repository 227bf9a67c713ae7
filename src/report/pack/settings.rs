//! What a performance pack contains: the `[report]` section of the pipeline file (areas, their
//! indicators, the commentary file, suppression), or the default area set that ships with csc
//! (`reference/report/areas.toml`), which covers every measure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Error, Result};

/// The default areas: every measure, grouped as a council's pack groups them.
const DEFAULT_AREAS: &str = include_str!("../../../reference/report/areas.toml");

/// The marker shown instead of a count from 1 to 5 (and of a figure built on one).
pub const DEFAULT_MARKER: &str = "[c]";

/// `[report]` in the pipeline file, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// Folder `csc run` writes the pack to (relative to the pipeline file); default `reports`
    /// beside the pipeline file.
    pub out: Option<String>,
    /// Markdown file with the performance team's words (relative to the pipeline file): a
    /// `## <area id>` section (or `## <area id> YYYY-MM` for one month), each with
    /// `### Analysis` and `### Next steps`.
    pub commentary: Option<String>,
    /// Marker for suppressed small numbers (default `[c]`).
    pub suppression_marker: Option<String>,
    /// Show small numbers: only for packs that stay inside the council.
    #[serde(default)]
    pub unsuppressed: bool,
    /// The pack's areas in order; the default set when left out.
    pub areas: Option<Vec<AreaSpec>>,
}

/// One priority area: `[[report.areas]] id = "...", title = "...", measures = [...]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Short id, used to find the area's commentary (`## <id>`) and in links.
    pub id: String,
    pub title: String,
    /// Measure ids, in the order the area's table shows them.
    #[serde(default)]
    pub measures: Vec<toml::Spanned<String>>,
}

/// The default area file's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    areas: Vec<AreaSpec>,
}

/// One area of a resolved pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub title: String,
    pub measures: Vec<String>,
}

/// A pack's settings, resolved.
#[derive(Debug, Clone)]
pub struct PackSettings {
    pub areas: Vec<Area>,
    pub commentary: Commentary,
    /// `None` when the pack is unsuppressed.
    pub marker: Option<String>,
    /// Where `csc run` writes the pack, when the pipeline file has a `[report]` section.
    pub out: Option<PathBuf>,
}

impl Default for PackSettings {
    fn default() -> Self {
        PackSettings { areas: default_areas(None), commentary: Commentary::default(), marker: Some(DEFAULT_MARKER.into()), out: None }
    }
}

/// The areas that ship with csc, keeping only the measures in `computed` (all when `None`) and
/// dropping areas left without any, except the data-quality area, which has its own page.
pub fn default_areas(computed: Option<&BTreeSet<String>>) -> Vec<Area> {
    let file: AreaFile = toml::from_str(DEFAULT_AREAS).expect("reference/report/areas.toml is checked by a unit test");
    file.areas
        .into_iter()
        .map(|a| Area {
            id: a.id,
            title: a.title,
            measures: a.measures.into_iter().map(|m| m.into_inner()).filter(|m| computed.is_none_or(|c| c.contains(m))).collect(),
        })
        .filter(|a| !a.measures.is_empty() || a.id == DATA_QUALITY_AREA)
        .collect()
}

/// The area whose page is the data-quality page.
pub const DATA_QUALITY_AREA: &str = "data_quality";

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl PackSettings {
    /// Resolves `[report]` of the pipeline file at `file` (text `text`). `computed` is every
    /// measure id the run computes: an area naming another is an error naming its line.
    pub fn resolve(section: &ReportSection, file: &Path, text: &str, computed: &BTreeSet<String>) -> Result<PackSettings> {
        let base = file.parent().unwrap_or(Path::new("."));
        let areas = match &section.areas {
            None => default_areas(Some(computed)),
            Some(specs) => {
                let mut ids = BTreeSet::new();
                let mut areas = Vec::new();
                for spec in specs {
                    if !ids.insert(spec.id.clone()) {
                        return Err(Error::Config(format!("{}: [[report.areas]] id {:?} is used twice", file.display(), spec.id)));
                    }
                    for m in &spec.measures {
                        if !computed.contains(m.get_ref()) {
                            return Err(Error::Config(format!(
                                "{} line {}: report area {:?} names measure {:?}, which this run does not compute (add its file to [run] measures, or remove it; `csc docs` lists every measure id)",
                                file.display(),
                                line_of(text, m.span().start),
                                spec.id,
                                m.get_ref()
                            )));
                        }
                    }
                    areas.push(Area {
                        id: spec.id.clone(),
                        title: spec.title.clone(),
                        measures: spec.measures.iter().map(|m| m.get_ref().clone()).collect(),
                    });
                }
                areas
            }
        };
        let commentary = match &section.commentary {
            Some(c) => {
                let path = base.join(c);
                let md = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                    context: format!("cannot read the commentary file {} named in [report] commentary", path.display()),
                    source,
                })?;
                Commentary::parse(&md)
            }
            None => Commentary::default(),
        };
        let marker = (!section.unsuppressed).then(|| section.suppression_marker.clone().unwrap_or_else(|| DEFAULT_MARKER.into()));
        let out = Some(base.join(section.out.as_deref().unwrap_or("reports")));
        Ok(PackSettings { areas, commentary, marker, out })
    }
}

/// The performance team's words, by area and month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commentary {
    /// (area id, month `YYYY-MM` or empty for every month, analysis, next steps).
    sections: Vec<(String, String, String, String)>,
}

impl Commentary {
    /// Reads `## <area id> [YYYY-MM]` sections, each with `### Analysis` and `### Next steps`
    /// (text under the area heading before either goes to the analysis).
    pub fn parse(md: &str) -> Commentary {
        let mut sections = Vec::new();
        let mut current: Option<(String, String, String, String)> = None;
        let mut in_next = false;
        for line in md.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                sections.extend(current.take());
                let mut parts = h.split_whitespace();
                let id = parts.next().unwrap_or_default().to_string();
                let month = parts.next().unwrap_or_default().to_string();
                current = Some((id, month, String::new(), String::new()));
                in_next = false;
            } else if let Some(h) = line.strip_prefix("### ") {
                in_next = h.trim().to_lowercase().starts_with("next") || h.trim().to_lowercase().starts_with("action");
            } else if let Some((_, _, analysis, next)) = current.as_mut() {
                let target = if in_next { next } else { analysis };
                target.push_str(line);
                target.push('\n');
            }
        }
        sections.extend(current);
        Commentary { sections: sections.into_iter().map(|(a, m, x, y)| (a, m, x.trim().to_string(), y.trim().to_string())).collect() }
    }

    /// The analysis and next steps for an area in the month `YYYY-MM`: that month's section,
    /// else the area's undated one.
    pub fn for_area(&self, area: &str, month: &str) -> Option<(&str, &str)> {
        let find = |m: &str| self.sections.iter().find(|(a, mm, _, _)| a == area && mm == m);
        find(month).or_else(|| find("")).map(|(_, _, a, n)| (a.as_str(), n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_areas_cover_every_measure_once() {
        let areas = default_areas(None);
        let listed: Vec<&String> = areas.iter().flat_map(|a| &a.measures).collect();
        let all: Vec<String> = crate::docs::published_measures().into_iter().map(|(p, _)| p.id).collect();
        for id in &all {
            assert_eq!(listed.iter().filter(|m| **m == id).count(), 1, "{id} must be in exactly one default area");
        }
        assert_eq!(listed.len(), all.len(), "a default area names an unknown measure");
        assert!(areas.iter().any(|a| a.id == DATA_QUALITY_AREA));
    }

    #[test]
    fn an_area_naming_a_measure_the_run_does_not_compute_is_an_error_naming_its_line() {
        let text = "[report]\n[[report.areas]]\nid = \"a\"\ntitle = \"A\"\nmeasures = [\n  \"contacts\",\n  \"nope\",\n]\n";
        #[derive(Deserialize)]
        struct F {
            report: ReportSection,
        }
        let f: F = toml::from_str(text).unwrap();
        let computed: BTreeSet<String> = ["contacts".to_string()].into();
        let err = PackSettings::resolve(&f.report, Path::new("p.toml"), text, &computed).unwrap_err().to_string();
        assert!(err.contains("line 7") && err.contains("\"nope\""), "{err}");
    }

    #[test]
    fn commentary_for_a_month_wins_over_the_undated_one() {
        let c =
            Commentary::parse("# Pack\n## front_door\nAll year.\n### Next steps\nAudit.\n## front_door 2025-03\n### Analysis\nMarch.\n");
        assert_eq!(c.for_area("front_door", "2025-02"), Some(("All year.", "Audit.")));
        assert_eq!(c.for_area("front_door", "2025-03"), Some(("March.", "")));
        assert_eq!(c.for_area("other", "2025-03"), None);
    }
}
