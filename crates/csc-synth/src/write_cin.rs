//! Writes the CIN census XML: one `DIR/cin/cin_<YYYY>.xml` per collection year, valid against
//! that year's XSD (`specs/cin_census/CIN_schema_<YYYY>.xsd`; structure and year changes in
//! standards-annex-a-cin-903-ssd.md §2), built from the SSD extract so the two agree: the same
//! child ids, referrals, assessments, CIN plans, S47 enquiries, conferences and CP plans.
//!
//! A year's file holds every child with a CIN episode open at some point in the year, and in
//! each episode the assessments, plans and enquiries that fall in the year. Dates after the
//! reference date (31 March) are not known yet and left out. An ICPC is recorded in the S47
//! module of the enquiry that led to it (DfE rule 2884: once only). The XML is streamed through
//! a buffered writer, children in id order, so the same seed gives the same bytes. With
//! messiness, element values of the latest year's file are faulted (see [`FAULTS`]) and listed in
//! `DIR/cin/_faults.csv`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rand_chacha::ChaCha8Rng;

use super::details;
use super::faults::Injector;
use super::records::{Person, Referral};
use super::returns::{ChildAt, Codes, Index, Source, Upn, Year};
use super::simulate::people::working_days_after;
use super::write_903::write_manifest;
use super::Messiness;
use csc_pipeline::normalise::cells::from_date32;
use csc_pipeline::{Error, Result};

/// The first and last years whose XSD is in `specs/cin_census/`; other years follow the
/// nearest.
pub const SCHEMA_YEARS: (i32, i32) = (2017, 2026);

/// File name of collection year `y` within `DIR/cin/`.
pub fn file_name(y: i32) -> String {
    format!("cin_{y}.xml")
}

/// Element values a child's record may carry faulted, `(element, kind)` (see
/// [`Injector::return_row`]): a required element left out (`blank_required`) or written empty
/// (`empty_required`), a code outside its list, an impossible date. They go in elements no record
/// is keyed by and no rule between records reads, except CPPendDate: the overlap rule does not
/// judge a plan by an end date that could not be read, so each fault raises only its own issue.
/// Only the latest year's file is faulted: a record in several returns is kept as the latest
/// return has it.
const FAULTS: &[(&str, &str)] = &[
    ("ReferralSource", "unknown_code"),
    ("ReferralSource", "blank_required"),
    ("ReferralSource", "empty_required"),
    ("LatestCategoryOfAbuse", "unknown_code"),
    ("LatestCategoryOfAbuse", "empty_required"),
    ("CINPlanEndDate", "impossible_date"),
    ("CPPendDate", "impossible_date"),
];

/// How a faulted leaf is written.
enum Faulted {
    /// With this text.
    Text(String),
    /// Not at all.
    LeftOut,
    /// Present but empty: `<X/>`, or `<X></X>` when not `self_closing`.
    Empty { self_closing: bool },
}

/// Where faults go while a file is written: the injector and the file's name.
struct Faulting<'i, 'r> {
    injector: &'i mut Injector<'r>,
    file: String,
}

/// A minimal streaming XML writer: nested elements with two-space indentation and escaped text.
/// It counts lines so a faulted element is listed at the line the reader reports.
struct Xml<'i, 'r, W: Write> {
    out: W,
    open: Vec<&'static str>,
    /// Line each open element starts on.
    starts: Vec<usize>,
    /// Line the next element goes on (1-based).
    line: usize,
    faulting: Option<Faulting<'i, 'r>>,
}

impl<'i, 'r, W: Write> Xml<'i, 'r, W> {
    fn new(mut out: W, faulting: Option<Faulting<'i, 'r>>) -> std::io::Result<Self> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        Ok(Xml { out, open: Vec::new(), starts: Vec::new(), line: 2, faulting })
    }

    fn indent(&mut self) -> std::io::Result<()> {
        for _ in 0..self.open.len() {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn start(&mut self, tag: &'static str) -> std::io::Result<()> {
        self.indent()?;
        writeln!(self.out, "<{tag}>")?;
        self.starts.push(self.line);
        self.line += 1;
        self.open.push(tag);
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        if let Some(tag) = self.open.pop() {
            self.starts.pop();
            self.indent()?;
            writeln!(self.out, "</{tag}>")?;
            self.line += 1;
        }
        Ok(())
    }

    fn leaf(&mut self, tag: &'static str, text: &str) -> std::io::Result<()> {
        let faulted = self.fault(tag, text);
        let text = match &faulted {
            None => text,
            Some(Faulted::Text(t)) => t.as_str(),
            Some(Faulted::LeftOut) => return Ok(()),
            Some(Faulted::Empty { self_closing }) => {
                self.indent()?;
                if *self_closing {
                    writeln!(self.out, "<{tag}/>")?;
                } else {
                    writeln!(self.out, "<{tag}></{tag}>")?;
                }
                self.line += 1;
                return Ok(());
            }
        };
        self.indent()?;
        write!(self.out, "<{tag}>")?;
        for c in text.chars() {
            match c {
                '&' => self.out.write_all(b"&amp;")?,
                '<' => self.out.write_all(b"&lt;")?,
                '>' => self.out.write_all(b"&gt;")?,
                _ => write!(self.out, "{c}")?,
            }
        }
        writeln!(self.out, "</{tag}>")?;
        self.line += 1;
        Ok(())
    }

    /// How a leaf of a child's record is written when the injector faults it, listed at its line
    /// and its path within `Child` (as the reader names it). A required element blanked is left
    /// out (`blank_required`: the reader reports it missing, `missing_element`, at its parent's
    /// line) or written empty (`empty_required`: reported `blank_required` at its own line, as
    /// `<X/>` and `<X></X>` by turns).
    fn fault(&mut self, tag: &'static str, text: &str) -> Option<Faulted> {
        let f = self.faulting.as_mut()?;
        if self.open.get(2) != Some(&"Child") {
            return None;
        }
        let options: Vec<(usize, &'static str)> = FAULTS.iter().filter(|(t, _)| *t == tag).map(|&(_, kind)| (0, kind)).collect();
        if options.is_empty() {
            return None;
        }
        let path = self.open[3..].iter().chain([&tag]).copied().collect::<Vec<_>>().join("/");
        let mut cells = [text.to_string()];
        let before = f.injector.faults.len();
        f.injector.return_row(&f.file, self.line, &[path.as_str()], &mut cells, &options);
        let fault = f.injector.faults.get_mut(before)?;
        Some(match fault.kind {
            "blank_required" => {
                fault.row = self.starts.last().copied();
                fault.expected_issue = "missing_element";
                Faulted::LeftOut
            }
            "empty_required" => Faulted::Empty { self_closing: before % 2 == 0 },
            _ => Faulted::Text(std::mem::take(&mut cells[0])),
        })
    }

    /// A leaf for a date (`YYYY-MM-DD`), nothing when there is none.
    fn date(&mut self, tag: &'static str, day: Option<i32>) -> std::io::Result<()> {
        match day {
            Some(d) => self.leaf(tag, &from_date32(d).format("%Y-%m-%d").to_string()),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> std::io::Result<W> {
        while !self.open.is_empty() {
            self.end()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes one file per collection year into `dir`, with element faults in the latest as
/// `messiness` asks and their manifest, `_faults.csv` (file name, line, element path within
/// `Child`, kind, expected issue); returns the files, sizes and the number of faults.
pub fn write(src: &Source, years: &[i32], dir: &Path, messiness: Messiness, rng: &mut ChaCha8Rng) -> Result<(Vec<(String, u64)>, usize)> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut files = Vec::new();
    let mut injector = Injector::new(messiness, rng);
    for &y in years {
        let name = file_name(y);
        let path = dir.join(&name);
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let faulting = (Some(&y) == years.last()).then(|| Faulting { injector: &mut injector, file: name.clone() });
        write_year(src, Year::new(y), BufWriter::new(file), faulting).map_err(|e| io_error(&path, e))?;
        files.push((name, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)));
    }
    let faults = injector.faults.len();
    files.extend(write_manifest(dir, &injector.faults)?);
    Ok((files, faults))
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io { context: format!("writing {}", path.display()), source: e }
}

fn write_year<W: Write>(src: &Source, year: Year, out: W, faulting: Option<Faulting>) -> std::io::Result<()> {
    let codes = Codes { year: year.year };
    let mut x = Xml::new(out, faulting)?;
    x.start("Message")?;
    x.start("Header")?;
    x.start("CollectionDetails")?;
    x.leaf("Collection", "CIN")?;
    x.leaf("Year", &year.year.to_string())?;
    x.date("ReferenceDate", Some(year.end))?;
    x.end()?;
    x.start("Source")?;
    x.leaf("SourceLevel", "L")?;
    x.leaf("LEA", src.la_code)?;
    x.leaf("SoftwareCode", "csc-pipeline synth")?;
    x.leaf("Release", env!("CARGO_PKG_VERSION"))?;
    x.leaf("SerialNo", "001")?;
    // Fixed, so the same seed gives the same bytes: the census return's load deadline.
    x.leaf("DateTime", &format!("{}-06-30T12:00:00", year.year))?;
    x.end()?;
    x.end()?;
    x.start("Children")?;
    for person in &src.ssd.persons {
        let episodes: Vec<&Referral> = Index::rows(&src.index.referrals, &person.id)
            .iter()
            .map(|&i| &src.ssd.referrals[i])
            .filter(|r| year.touches(r.date, r.close_date))
            .collect();
        if episodes.is_empty() {
            continue;
        }
        child(&mut x, src, year, codes, person, &episodes)?;
    }
    x.end()?;
    x.finish().map(drop)
}

fn child<W: Write>(
    x: &mut Xml<'_, '_, W>,
    src: &Source,
    year: Year,
    codes: Codes,
    person: &Person,
    episodes: &[&Referral],
) -> std::io::Result<()> {
    let at = ChildAt::new(person, year.end);
    x.start("Child")?;
    x.start("ChildIdentifiers")?;
    x.leaf("LAchildID", &person.id)?;
    match at.upn {
        Upn::Known(upn) => x.leaf("UPN", upn)?,
        Upn::Unknown(code) => x.leaf("UPNunknown", code)?,
    }
    x.date("PersonBirthDate", at.dob)?;
    x.date("ExpectedPersonBirthDate", at.expected_dob)?;
    x.leaf(if codes.cin_has_sex() { "Sex" } else { "GenderCurrent" }, codes.cin_sex(at.sex))?;
    x.date("PersonDeathDate", year.known(person.death_date))?;
    x.end()?;
    x.start("ChildCharacteristics")?;
    x.leaf("Ethnicity", at.ethnicity)?;
    x.start("Disabilities")?;
    for d in details::disabilities(src.seed, &person.id, person.send_flag == "Y") {
        x.leaf("Disability", d)?;
    }
    x.end()?;
    x.end()?;
    let uasc = src.index.uasc.contains_key(person.id.as_str());
    for r in episodes {
        cin_details(x, src, year, codes, r, uasc)?;
    }
    x.end()
}

fn cin_details<W: Write>(x: &mut Xml<'_, '_, W>, src: &Source, year: Year, codes: Codes, r: &Referral, uasc: bool) -> std::io::Result<()> {
    let (ssd, index) = (src.ssd, src.index);
    let rid = r.id.as_str();
    let s47s: Vec<usize> = Index::rows(&index.s47s, rid)
        .iter()
        .copied()
        .filter(|&i| {
            let s = &ssd.s47s[i];
            let icpc = index.icpcs.get(s.id.as_str()).and_then(|&c| ssd.icpcs[c].date);
            year.touches(s.start, s.end) || year.contains(icpc)
        })
        .collect();
    x.start("CINdetails")?;
    x.date("CINreferralDate", r.date)?;
    x.leaf("ReferralSource", codes.referral_source(r.source))?;
    if !r.need.is_empty() {
        x.leaf("PrimaryNeedCode", r.need)?;
    }
    let closed = year.known(r.close_date);
    x.date("CINclosureDate", closed)?;
    if closed.is_some() && !r.close_reason.is_empty() {
        x.leaf("ReasonForClosure", codes.closure_reason(r.close_reason))?;
    }
    // A conference in the year whose enquiry is not in this file is recorded on the episode.
    let orphan_icpc = Index::rows(&index.referral_icpcs, rid)
        .iter()
        .map(|&c| &ssd.icpcs[c])
        .filter(|c| !s47s.iter().any(|&i| ssd.s47s[i].id == c.s47))
        .find_map(|c| year.known(c.date).filter(|&d| d >= year.start));
    x.date("DateOfInitialCPC", orphan_icpc)?;
    for &i in Index::rows(&index.assessments, rid) {
        let a = &ssd.assessments[i];
        if !year.touches(a.start, a.auth) {
            continue;
        }
        x.start("Assessments")?;
        x.date("AssessmentActualStartDate", a.start)?;
        let auth = year.known(a.auth);
        x.date("AssessmentAuthorisationDate", auth)?;
        if auth.is_some() {
            x.start("FactorsIdentifiedAtAssessment")?;
            for f in details::assessment_factors(src.seed, &a.id, a.nfa == "Y", uasc) {
                x.leaf("AssessmentFactors", codes.factor(f))?;
            }
            x.end()?;
        }
        x.end()?;
    }
    if year.year >= 2022 {
        for &i in Index::rows(&index.cin_plans, rid) {
            let p = &ssd.cin_plans[i];
            if year.touches(p.start, p.end) {
                x.start("CINPlanDates")?;
                x.date("CINPlanStartDate", p.start)?;
                x.date("CINPlanEndDate", year.known(p.end))?;
                x.end()?;
            }
        }
    }
    for &i in &s47s {
        let s = &ssd.s47s[i];
        let icpc = index.icpcs.get(s.id.as_str()).and_then(|&c| year.known(ssd.icpcs[c].date));
        x.start("Section47")?;
        x.date("S47ActualStartDate", s.start)?;
        x.date("InitialCPCtarget", s.start.map(|d| working_days_after(d, 15)))?;
        x.date("DateOfInitialCPC", icpc)?;
        // Not required once the enquiry concluded with no conference.
        let not_required = s.nfa == "Y" && year.known(s.end).is_some();
        x.leaf("ICPCnotRequired", if not_required { "1" } else { "0" })?;
        x.end()?;
    }
    x.leaf("ReferralNFA", if r.nfa == "Y" { "1" } else { "0" })?;
    for &i in Index::rows(&index.cp_plans, rid) {
        let p = &ssd.cp_plans[i];
        let Some(start) = p.start else { continue };
        if !year.touches(p.start, p.end) {
            continue;
        }
        x.start("ChildProtectionPlans")?;
        x.date("CPPstartDate", Some(start))?;
        x.date("CPPendDate", year.known(p.end))?;
        x.leaf("InitialCategoryOfAbuse", p.initial_category)?;
        x.leaf("LatestCategoryOfAbuse", p.latest_category)?;
        x.leaf("NumberOfPreviousCPP", &index.previous_plans(&p.person, start).to_string())?;
        let reviews: Vec<i32> = details::cp_reviews(start, p.end, year.end).into_iter().filter(|&d| d >= year.start).collect();
        if !reviews.is_empty() {
            x.start("Reviews")?;
            for d in reviews {
                x.date("CPPreviewDate", Some(d))?;
            }
            x.end()?;
        }
        x.end()?;
    }
    x.end()
}

/// The XSD a collection year's file is valid against, relative to the project root.
pub fn schema_for(y: i32) -> String {
    format!("specs/cin_census/CIN_schema_{}.xsd", y.clamp(SCHEMA_YEARS.0, SCHEMA_YEARS.1))
}
