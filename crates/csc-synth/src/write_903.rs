//! Writes the SSDA903 children looked after return as CSVs, one folder per collection year
//! (`DIR/ssda903/<YYYY>/`), with DfE's file and column names (standards-annex-a-cin-903-ssd.md
//! §3.2), dates as `dd/mm/yyyy` and each year's code lists (§3.3; see [`Codes`]).
//!
//! Built from the SSD extract so the two agree: an SSDA903 episode is an SSD CLA episode (one
//! per placement) that falls in the year, with the same child id and dates, the end and reason
//! left blank while not yet known on 31 March. Short breaks (V3) are returned as episodes too.
//! Reviews are the extract's
//! CLA reviews and care leavers (OC3) its care-leaver table as it stood on 31 March. Missing
//! episodes, health outcomes (OC2), adoptions (AD1, PlacedAdoption) and previous permanence come
//! from [`details`]. Each year's rows are built in memory, children in id order, and written
//! through buffered writers. With messiness, cells of files no other record is judged by are
//! faulted (see [`FAULTS`]) and listed in `DIR/ssda903/_faults.csv`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::age;
use super::details;
use super::faults::{Fault, Injector};
use super::records::{ClaEpisode, Person, SHORT_BREAK_STATUSES};
use super::returns::{ddmmyyyy, keyed, ChildAt, Codes, Index, Source, Upn, Year};
use super::write_ssd::FAULTS_FILE;
use super::Messiness;
use csc_pipeline::{Error, Result};

/// The files of a year's return and their columns, in DfE's order.
pub const FILES: [(&str, &[&str]); 10] = [
    ("header", &["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]),
    (
        "episodes",
        &[
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ],
    ),
    ("reviews", &["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]),
    ("uasc", &["CHILD", "SEX", "DOB", "DUC"]),
    (
        "oc2",
        &[
            "CHILD",
            "DOB",
            "SDQ_SCORE",
            "SDQ_REASON",
            "CONVICTED",
            "HEALTH_CHECK",
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ],
    ),
    ("oc3", &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"]),
    ("ad1", &["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"]),
    ("placed_for_adoption", &["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"]),
    ("prev_perm", &["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"]),
    ("missing", &["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]),
];

const HEADER: usize = 0;
const EPISODES: usize = 1;
const REVIEWS: usize = 2;
const UASC: usize = 3;
const OC2: usize = 4;
const OC3: usize = 5;
const AD1: usize = 6;
const PLACED: usize = 7;
const PREV_PERM: usize = 8;
const MISSING: usize = 9;

/// URN placeholder for placements with no Ofsted registration.
const NO_URN: &str = "XXXXXXX";

/// One period of care of a child, from their SSD CLA episodes.
struct Period<'a> {
    cla_id: &'a str,
    entered: i32,
    /// End of the last episode (the period's end), if known.
    end: Option<i32>,
    /// Reason the last episode ceased.
    reason: &'a str,
    legal_status: &'static str,
    episodes: Vec<&'a ClaEpisode>,
}

impl Period<'_> {
    fn short_break(&self) -> bool {
        SHORT_BREAK_STATUSES.contains(&self.legal_status)
    }

    fn adopted(&self) -> bool {
        matches!(self.reason, "E11" | "E12")
    }
}

/// A child's periods of care, in order of entry.
fn periods<'a>(src: &Source<'a>, person: &'a Person) -> Vec<Period<'a>> {
    let mut by_cla: BTreeMap<(i32, &str), Vec<&ClaEpisode>> = BTreeMap::new();
    for &i in Index::rows(&src.index.cla_episodes, &person.id) {
        let e = &src.ssd.cla_episodes[i];
        let Some(entered) = e.entered_care.or(e.start) else { continue };
        by_cla.entry((entered, e.cla_id.as_str())).or_default().push(e);
    }
    by_cla
        .into_iter()
        .map(|((entered, cla_id), mut episodes)| {
            episodes.sort_by_key(|e| e.start);
            let last = episodes.last().copied();
            Period {
                cla_id,
                entered,
                end: last.and_then(|e| e.end),
                reason: last.map_or("", |e| e.end_reason),
                legal_status: src.index.legal_status.get(&(person.id.as_str(), entered)).copied().unwrap_or("C2"),
                episodes,
            }
        })
        .collect()
}

/// Cell faults a return may carry, `(file, column, kind)` (see [`Injector::return_row`]): in
/// files and columns no other record is judged by, so each raises only its own issue. Only
/// columns the reader checks against a code list take an unknown code: ETHNIC when loaded, and
/// REVIEW_CODE, MISSING, IN_TOUCH, ACTIV and ACCOM as read (`code_list` in
/// `reference/formats/ssda903/files.csv`). Rows of every year are faulted: a row a later return
/// supersedes is still typed and checked.
const FAULTS: &[(&str, &str, &str)] = &[
    ("header", "ETHNIC", "unknown_code"),
    ("reviews", "REVIEW", "impossible_date"),
    ("reviews", "REVIEW_CODE", "blank_required"),
    ("reviews", "REVIEW_CODE", "unknown_code"),
    ("uasc", "DUC", "impossible_date"),
    ("oc3", "IN_TOUCH", "blank_required"),
    ("oc3", "IN_TOUCH", "unknown_code"),
    ("oc3", "ACTIV", "unknown_code"),
    ("oc3", "ACCOM", "unknown_code"),
    ("missing", "MISSING", "unknown_code"),
    ("missing", "MIS_START", "impossible_date"),
];

/// The cell faults a row of `file` may take, `(column index in [`FILES`], kind)` from
/// [`FAULTS`]. Shared by the CSV and XML forms.
pub fn fault_options(file: &str) -> Vec<(usize, &'static str)> {
    let Some((_, columns)) = FILES.iter().find(|(n, _)| *n == file) else { return Vec::new() };
    FAULTS.iter().filter(|(f, _, _)| *f == file).filter_map(|&(_, c, kind)| Some((columns.iter().position(|n| *n == c)?, kind))).collect()
}

/// Writes one folder per collection year into `dir`, with cell faults as `messiness` asks and
/// their manifest, `_faults.csv` (file as `<year>/<name>.csv`, row as a spreadsheet numbers it,
/// column header, kind, expected issue); returns the files (relative to `dir`), sizes and the
/// number of faults.
pub fn write(src: &Source, years: &[i32], dir: &Path, messiness: Messiness, rng: &mut ChaCha8Rng) -> Result<(Vec<(String, u64)>, usize)> {
    let mut files = Vec::new();
    let mut injector = Injector::new(messiness, rng);
    for &y in years {
        let folder = dir.join(y.to_string());
        std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
        let rows = year_rows(src, y).map_err(|e| csv_error(&folder, e))?;
        for ((name, columns), rows) in FILES.iter().zip(rows) {
            let path = folder.join(format!("{name}.csv"));
            let file = File::create(&path).map_err(|e| io_error(&path, e))?;
            let mut w = csv::Writer::from_writer(BufWriter::new(file));
            w.write_record(*columns).map_err(|e| csv_error(&path, e))?;
            let relative = format!("{y}/{name}.csv");
            let options = fault_options(name);
            for (n, record) in rows.iter().enumerate() {
                let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
                injector.return_row(&relative, n + 2, columns, &mut cells, &options);
                w.write_record(&cells).map_err(|e| csv_error(&path, e))?;
            }
            w.flush().map_err(|e| io_error(&path, e))?;
            drop(w);
            files.push((relative, file_size(&path)));
        }
    }
    let faults = injector.faults.len();
    files.extend(write_manifest(dir, &injector.faults)?);
    Ok((files, faults))
}

/// Writes a return's fault manifest, `DIR/_faults.csv` (file, row, column, kind, expected
/// issue), when there are faults, removing a stale one otherwise; returns its name and size.
pub fn write_manifest(dir: &Path, faults: &[Fault]) -> Result<Option<(String, u64)>> {
    let manifest = dir.join(FAULTS_FILE);
    if manifest.exists() {
        std::fs::remove_file(&manifest).map_err(|e| io_error(&manifest, e))?;
    }
    if faults.is_empty() {
        return Ok(None);
    }
    let mut out = csv::Writer::from_path(&manifest).map_err(|e| csv_error(&manifest, e))?;
    out.write_record(["file", "row", "column", "kind", "expected_issue"]).map_err(|e| csv_error(&manifest, e))?;
    for f in faults {
        let row = f.row.map(|r| r.to_string()).unwrap_or_default();
        out.write_record([f.file.as_str(), row.as_str(), f.column.as_str(), f.kind, f.expected_issue])
            .map_err(|e| csv_error(&manifest, e))?;
    }
    out.flush().map_err(|e| io_error(&manifest, e))?;
    drop(out);
    Ok(Some((FAULTS_FILE.to_string(), file_size(&manifest))))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io { context: format!("writing {}", path.display()), source: e }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::Io { context: format!("writing {}", path.display()), source: e.into() }
}

/// One collection year's return in memory: each of [`FILES`]' rows (without the header row), in
/// the order they are written; for the XML form.
pub fn year_rows(src: &Source, y: i32) -> std::result::Result<Vec<Vec<csv::StringRecord>>, csv::Error> {
    let mut writers: Vec<csv::Writer<Vec<u8>>> = FILES.iter().map(|_| csv::Writer::from_writer(Vec::new())).collect();
    let year = Year::new(y);
    for person in &src.ssd.persons {
        child(src, year, person, &mut writers)?;
    }
    writers
        .into_iter()
        .map(|w| {
            let bytes = w.into_inner().map_err(|e| e.into_error())?;
            csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice()).records().collect()
        })
        .collect()
}

fn child<W: std::io::Write>(src: &Source, year: Year, person: &Person, w: &mut [csv::Writer<W>]) -> std::result::Result<(), csv::Error> {
    let Some(dob) = person.dob else { return Ok(()) };
    if dob > year.end {
        return Ok(());
    }
    let periods = periods(src, person);
    let in_year: Vec<&Period> = periods.iter().filter(|p| year.touches(Some(p.entered), p.end)).collect();
    // A care leaver aged 17 to 21 on 31 March, as the care-leaver table stood then.
    let leaver = src
        .index
        .care_leavers
        .get(&(year.year, person.id.as_str()))
        .and_then(|&i| src.ssd.care_leaver_years.get(&year.year).map(|rows| &rows[i]));
    if in_year.is_empty() && leaver.is_none() {
        return Ok(());
    }
    let codes = Codes { year: year.year };
    let id = person.id.as_str();
    let dob_cell = ddmmyyyy(Some(dob));
    let fallback = if keyed(src.seed, "sex", id).random::<bool>() { "M" } else { "F" };
    let sex = codes.ssda903_sex(person.sex, fallback);
    let at = ChildAt::new(person, year.end);
    let upn = match at.upn {
        Upn::Known(u) => u,
        Upn::Unknown(code) => code,
    };
    let mother = if person.sex == "F" && age(dob, year.end) >= 12 { "0" } else { "" };
    w[HEADER].write_record([id, sex, &dob_cell, at.ethnicity, upn, mother, ""])?;
    let home = details::home_postcode(src.seed, id, src.la_code);
    for p in &in_year {
        for e in p.episodes.iter().filter(|e| year.touches(e.start, e.end)) {
            let placement = src.index.placements.get(e.placement.as_str()).map(|&i| &src.ssd.cla_placements[i]);
            let place = placement.map_or("", |pl| codes.placement(pl.placement_type));
            let provider = if place == "Z1" || place.starts_with('T') { "" } else { placement.map_or("", |pl| pl.provider) };
            let end = year.known(e.end);
            let rec = if end.is_some() { e.end_reason } else { "" };
            let change = if rec == "X1" { placement.map_or("", |pl| pl.change_reason) } else { "" };
            let urn = placement.map(|pl| pl.urn.as_str()).filter(|u| !u.is_empty()).unwrap_or(NO_URN);
            let pl_post = placement.map_or("", |pl| pl.postcode.as_str());
            w[EPISODES].write_record([
                id,
                &ddmmyyyy(e.start),
                e.start_reason,
                p.legal_status,
                codes.category_of_need(e.need),
                place,
                provider,
                &ddmmyyyy(end),
                rec,
                change,
                &home,
                pl_post,
                urn,
            ])?;
        }
    }
    for p in in_year.iter().filter(|p| !p.short_break()) {
        for &i in Index::rows(&src.index.cla_reviews, p.cla_id) {
            let r = &src.ssd.cla_reviews[i];
            if year.contains(r.held) {
                w[REVIEWS].write_record([id, &dob_cell, &ddmmyyyy(r.held), r.participation])?;
            }
        }
    }
    if let Some(&u) = src.index.uasc.get(id).filter(|_| !in_year.is_empty()) {
        w[UASC].write_record([id, sex, &dob_cell, &ddmmyyyy(year.known(src.ssd.immigration[u].end))])?;
    }
    let cla_12_months = in_year.iter().any(|p| !p.short_break() && p.entered < year.start && p.end.is_none_or(|e| e > year.end));
    if cla_12_months {
        let outcomes = details::oc2(src.seed, id, year.year, dob, year.end);
        let mut row = vec![id, dob_cell.as_str()];
        row.extend(outcomes.iter().map(String::as_str));
        w[OC2].write_record(&row)?;
    }
    if let Some(c) = leaver {
        w[OC3].write_record([id, dob_cell.as_str(), c.in_touch, c.activity, c.accommodation])?;
    }
    for p in in_year.iter().filter(|p| p.adopted()) {
        let Some(adopted) = p.end else { continue };
        let a = details::adoption(src.seed, p.cla_id, p.entered, adopted);
        if year.contains(Some(adopted)) {
            w[AD1].write_record([
                id,
                &dob_cell,
                &ddmmyyyy(Some(a.decision)),
                &ddmmyyyy(Some(a.matched)),
                a.foster_carer,
                a.adopters,
                a.sex,
                a.legal,
            ])?;
        }
        if a.decision <= year.end {
            w[PLACED].write_record([id, dob_cell.as_str(), &ddmmyyyy(Some(a.decision)), "", ""])?;
        }
    }
    for p in in_year.iter().filter(|p| !p.short_break() && year.contains(Some(p.entered))) {
        let (code, la, date) = details::previous_permanence(src.seed, id, p.entered, dob, src.la_code);
        w[PREV_PERM].write_record([id, &dob_cell, code, &la, &ddmmyyyy(date)])?;
    }
    for p in in_year.iter().filter(|p| !p.short_break()) {
        for m in details::missing(src.seed, p.cla_id, dob, p.entered, p.end).into_iter().filter(|m| year.contains(Some(m.start))) {
            w[MISSING].write_record([id, &dob_cell, m.kind, &ddmmyyyy(Some(m.start)), &ddmmyyyy(year.known(Some(m.end)))])?;
        }
    }
    Ok(())
}
