//! The CIN census schema as data, by collection year: which elements each year's XSD declares
//! (with their parent, kind and how often they may occur), each year's code lists, and how the
//! sex codes translate to the core's. Loaded from `reference/formats/cin/` (derived from
//! `specs/cin_census/CIN_schema_<year>.xsd`; see the README there), so a new year's changes are
//! a data change.

use std::collections::HashMap;
use std::sync::OnceLock;

const ELEMENTS_CSV: &str = include_str!("../../../reference/formats/cin/elements.csv");
const CODES_CSV: &str = include_str!("../../../reference/formats/cin/codes.csv");
const SEX_CSV: &str = include_str!("../../../reference/formats/cin/sex.csv");

/// What an element holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Other elements.
    Group,
    Text,
    Date,
    DateTime,
    Integer,
    /// A code from the named list in `codes.csv`.
    Code(String),
}

/// One element as a range of years' schemas declare it.
#[derive(Debug, Clone)]
pub struct ElementDef {
    pub parent: String,
    pub name: String,
    pub kind: Kind,
    pub min_occurs: u32,
    /// `None` for unbounded.
    pub max_occurs: Option<u32>,
    pub years: (i32, i32),
}

/// Whether something belongs to a collection year's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Declared by that year's schema (or by some year's, when the year is not known).
    InYear,
    /// Declared only by the schemas of these years.
    OtherYears(i32, i32),
    /// Declared by no year's schema.
    Unknown,
}

/// The CIN census schemas of every collection year.
#[derive(Debug)]
pub struct Schemas {
    elements: Vec<ElementDef>,
    /// Definitions by parent, then element name (looked up without allocating).
    by_parent: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Definitions by parent, in schema order.
    children: HashMap<String, Vec<usize>>,
    /// Year ranges by list, then upper-cased code.
    codes: HashMap<String, HashMap<String, Vec<(i32, i32)>>>,
    sex: HashMap<String, String>,
    /// First and last collection years with a schema.
    pub years: (i32, i32),
}

fn rows(text: &str) -> impl Iterator<Item = csv::StringRecord> + '_ {
    csv::Reader::from_reader(text.as_bytes()).into_records().map(|r| r.expect("reference/formats/cin CSVs are well formed (unit-tested)"))
}

fn year(s: &str) -> i32 {
    s.parse().expect("years in reference/formats/cin are numbers (unit-tested)")
}

impl Schemas {
    /// The schemas compiled into the binary.
    pub fn get() -> &'static Schemas {
        static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
        SCHEMAS.get_or_init(|| {
            let mut elements = Vec::new();
            let mut by_parent: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
            let mut children: HashMap<String, Vec<usize>> = HashMap::new();
            for r in rows(ELEMENTS_CSV) {
                let kind = match &r[2] {
                    "group" => Kind::Group,
                    "date" => Kind::Date,
                    "datetime" => Kind::DateTime,
                    "integer" => Kind::Integer,
                    k => k.strip_prefix("code:").map(|l| Kind::Code(l.to_string())).unwrap_or(Kind::Text),
                };
                let def = ElementDef {
                    parent: r[0].to_string(),
                    name: r[1].to_string(),
                    kind,
                    min_occurs: r[3].parse().unwrap_or(0),
                    max_occurs: r[4].parse().ok(),
                    years: (year(&r[5]), year(&r[6])),
                };
                by_parent.entry(def.parent.clone()).or_default().entry(def.name.clone()).or_default().push(elements.len());
                children.entry(def.parent.clone()).or_default().push(elements.len());
                elements.push(def);
            }
            let mut codes: HashMap<String, HashMap<String, Vec<(i32, i32)>>> = HashMap::new();
            for r in rows(CODES_CSV) {
                codes.entry(r[0].to_string()).or_default().entry(r[1].to_ascii_uppercase()).or_default().push((year(&r[3]), year(&r[4])));
            }
            let sex = rows(SEX_CSV).map(|r| (r[0].to_ascii_uppercase(), r[1].to_string())).collect();
            let years = elements.iter().fold((i32::MAX, i32::MIN), |(a, b), e| (a.min(e.years.0), b.max(e.years.1)));
            Schemas { elements, by_parent, children, codes, sex, years }
        })
    }

    /// The year whose schema a return of collection year `y` is checked against: `y` itself, or
    /// the nearest year with a schema.
    pub fn schema_year(&self, y: i32) -> i32 {
        y.clamp(self.years.0, self.years.1)
    }

    /// How element `name` inside `parent` fits year `year` (any year when `None`), with its
    /// definition (the one for that year when there is one).
    pub fn element(&self, parent: &str, name: &str, year: Option<i32>) -> (Fit, Option<&ElementDef>) {
        let Some(ids) = self.by_parent.get(parent).and_then(|m| m.get(name)) else {
            return (Fit::Unknown, None);
        };
        let defs = ids.iter().map(|&i| &self.elements[i]);
        match year {
            None => (Fit::InYear, defs.clone().next()),
            Some(y) => match defs.clone().find(|d| (d.years.0..=d.years.1).contains(&y)) {
                Some(d) => (Fit::InYear, Some(d)),
                None => {
                    let d = defs.clone().next().expect("indexed names have a definition");
                    let (from, to) =
                        ids.iter().map(|&i| self.elements[i].years).fold((i32::MAX, i32::MIN), |(a, b), (f, t)| (a.min(f), b.max(t)));
                    (Fit::OtherYears(from, to), Some(d))
                }
            },
        }
    }

    /// The elements year `year`'s schema declares inside `parent`.
    pub fn children_of<'a>(&'a self, parent: &'a str, year: Option<i32>) -> impl Iterator<Item = &'a ElementDef> + 'a {
        let ids = self.children.get(parent).map(Vec::as_slice).unwrap_or(&[]);
        ids.iter().map(|&i| &self.elements[i]).filter(move |d| year.is_none_or(|y| (d.years.0..=d.years.1).contains(&y)))
    }

    /// How `code` fits code list `list` in year `year` (any year when `None`). Codes are matched
    /// without regard to case or surrounding spaces.
    pub fn code(&self, list: &str, code: &str, year: Option<i32>) -> Fit {
        let Some(list) = self.codes.get(list) else {
            return Fit::Unknown;
        };
        let code = code.trim();
        let found = list.get(code).or_else(|| list.get(&code.to_ascii_uppercase()));
        let Some(ranges) = found else {
            return Fit::Unknown;
        };
        match year {
            None => Fit::InYear,
            Some(y) if ranges.iter().any(|(f, t)| (*f..=*t).contains(&y)) => Fit::InYear,
            Some(_) => {
                let (f, t) = ranges.iter().fold((i32::MAX, i32::MIN), |(a, b), (f, t)| (a.min(*f), b.max(*t)));
                Fit::OtherYears(f, t)
            }
        }
    }

    /// The core sex code (M/F/U/I) of a CIN `GenderCurrent` or `Sex` code.
    pub fn core_sex(&self, code: &str) -> Option<&str> {
        self.sex.get(&code.trim().to_ascii_uppercase()).map(String::as_str)
    }
}

/// The collection year a file name gives, if any: `cin_2022.xml` and `CIN 2022` name the year
/// ending 31 March 2022; `2021-22`, `2021_22`, `202122`, `2021-2022` and `21-22` name the same
/// year by its two calendar years.
pub fn year_from_file_name(path: &str) -> Option<i32> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let bytes = name.as_bytes();
    // Runs of digits with the separator that follows each.
    let mut runs: Vec<(&str, Option<u8>)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((&name[start..i], bytes.get(i).copied()));
        } else {
            i += 1;
        }
    }
    let consecutive = |first: i32, second: &str| -> Option<i32> {
        let next = match second.len() {
            2 => second.parse::<i32>().ok().map(|s| first / 100 * 100 + s).map(|s| if s < first { s + 100 } else { s })?,
            4 => second.parse().ok()?,
            _ => return None,
        };
        (next == first + 1).then_some(next)
    };
    for (k, &(run, sep)) in runs.iter().enumerate() {
        let next = runs.get(k + 1).filter(|_| matches!(sep, Some(b'-' | b'_' | b' ' | b'/'))).map(|r| r.0);
        match run.len() {
            6 => {
                if let Some(y) = run[..4].parse().ok().filter(|y| (2000..2100).contains(y)).and_then(|y| consecutive(y, &run[4..])) {
                    return Some(y);
                }
            }
            4 => {
                let Ok(y) = run.parse::<i32>() else { continue };
                if !(2000..2100).contains(&y) {
                    continue;
                }
                return Some(next.and_then(|n| consecutive(y, n)).unwrap_or(y));
            }
            2 => {
                if let Some(y) = next.filter(|n| n.len() == 2).and_then(|n| consecutive(2000 + run.parse::<i32>().ok()?, n)) {
                    return Some(y);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_data_loads_with_its_year_changes() {
        let s = Schemas::get();
        assert_eq!(s.years, (2017, 2026));
        assert_eq!(s.element("ChildIdentifiers", "GenderCurrent", Some(2024)).0, Fit::InYear);
        assert_eq!(s.element("ChildIdentifiers", "GenderCurrent", Some(2025)).0, Fit::OtherYears(2017, 2024));
        assert_eq!(s.element("ChildIdentifiers", "Sex", Some(2024)).0, Fit::OtherYears(2025, 2026));
        assert_eq!(s.element("CINdetails", "CINPlanDates", Some(2021)).0, Fit::OtherYears(2022, 2026));
        assert_eq!(s.element("CINdetails", "PreProceedingsandFGDM", Some(2026)).0, Fit::Unknown);
        assert_eq!(s.code("referral_source", "5D", Some(2022)), Fit::OtherYears(2023, 2026));
        assert_eq!(s.code("closure_reason", "rc9", Some(2023)), Fit::InYear);
        assert_eq!(s.code("assessment_factor", "24A", Some(2021)), Fit::OtherYears(2022, 2026));
        assert_eq!(s.code("assessment_factor", "RB", None), Fit::Unknown);
        assert_eq!(s.core_sex("9"), Some("I"));
        assert_eq!(s.core_sex("u"), Some("U"));
        let required: Vec<&str> = s.children_of("CINdetails", Some(2020)).filter(|d| d.min_occurs > 0).map(|d| d.name.as_str()).collect();
        assert_eq!(required, ["CINreferralDate", "ReferralSource", "ReferralNFA"]);
    }

    /// The data agrees with the XSDs it was derived from (`specs/cin_census/`): every element and
    /// code is in the schema of each year it claims, and the year-bound ones in no other year's.
    #[test]
    fn the_data_matches_each_years_xsd() {
        let s = Schemas::get();
        let xsd = |y: i32| std::fs::read_to_string(format!("{}/specs/cin_census/CIN_schema_{y}.xsd", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let xsds: Vec<(i32, String)> = (s.years.0..=s.years.1).map(|y| (y, xsd(y))).collect();
        for d in &s.elements {
            for (y, text) in &xsds {
                let declared = text.contains(&format!("name=\"{}\"", d.name));
                assert_eq!(declared, (d.years.0..=d.years.1).contains(y), "{}/{} in {y}", d.parent, d.name);
            }
        }
        for r in rows(CODES_CSV) {
            let (from, to) = (year(&r[3]), year(&r[4]));
            for (y, text) in &xsds {
                if (from..=to).contains(y) {
                    assert!(text.contains(&format!("value=\"{}\"", &r[1])), "{} {} in {y}", &r[0], &r[1]);
                }
            }
        }
        assert!(xsds.iter().all(|(y, t)| t.contains("<xs:enumeration value=\"RC9\"") == (*y >= 2023)));
    }

    #[test]
    fn collection_years_from_file_names() {
        assert_eq!(year_from_file_name("cin/cin_2022.xml"), Some(2022));
        assert_eq!(year_from_file_name("CIN census 2021-22.xml"), Some(2022));
        assert_eq!(year_from_file_name("cin_2021_22.xml"), Some(2022));
        assert_eq!(year_from_file_name("cin202122.xml"), Some(2022));
        assert_eq!(year_from_file_name("cin 2021-2022.xml"), Some(2022));
        assert_eq!(year_from_file_name("returns/21-22/cin.xml"), None, "only the file name counts");
        assert_eq!(year_from_file_name("cin 21-22.xml"), Some(2022));
        assert_eq!(year_from_file_name("cin 1999-00.xml"), None);
        assert_eq!(year_from_file_name("cin.xml"), None);
    }
}
