//! Writes the SSDA903 return in its XML form, one file per collection year
//! (`DIR/ssda903_xml/ssda903_<YYYY>.xml`): the same rows as the CSV form ([`write_903`]),
//! grouped by child as the reader expects them (`EXPSSDA903/CHILD/HEADER` with its `AREVIEW`,
//! `AMISSING`, `OC2`, `PERMANENCE` and `AD_PLACED` blocks and the UASC, OC3 and AD1 fields flat,
//! then the child's `EPISODE`s), with element names from `reference/formats/ssda903/xml_*.csv`
//! ([`csc_pipeline::normalise::ssda903::xml`]). A child has one set of flat OC3 and AD1 fields, so a
//! second AD1 row in one year (a child adopted twice) is not representable and only the first
//! is written; the synthetic returns have none.
//!
//! With messiness, rows take the CSV form's cell faults ([`write_903::fault_options`], through the
//! same [`Injector`]) and are listed in `DIR/ssda903_xml/_faults.csv` where the reader reports
//! them: the file, the line the record starts on (a child's `HEADER`; a block's own element; for
//! the UASC, OC3 and AD1 fields, the element that makes the record, [`row_trigger`]) and the
//! element's path from the child (`HEADER/AREVIEW/REVIEW`). That element is never blanked: without
//! it there is no record to report the blank at.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use csv::StringRecord;
use rand_chacha::ChaCha8Rng;

use super::faults::Injector;
use super::returns::Source;
use super::write_903::{self, fault_options, write_manifest, FILES};
use super::Messiness;
use csc_pipeline::normalise::ssda903::xml::{block_for, column_path, element_for, flag_for, row_trigger, ROOT};
use csc_pipeline::{Error, Result};

/// The files whose fields are flat in a child's HEADER, in the order they are written.
const FLAT: [&str; 3] = ["uasc", "oc3", "ad1"];
/// The files written as blocks inside HEADER, in the order they are written.
const IN_HEADER: [&str; 5] = ["reviews", "missing", "oc2", "prev_perm", "placed_for_adoption"];

/// Writes one XML return per collection year into `dir`, with cell faults as `messiness` asks
/// and their manifest, `_faults.csv` (file name, line, element path, kind, expected issue);
/// returns the files (relative to `dir`), sizes and the number of faults.
pub fn write(src: &Source, years: &[i32], dir: &Path, messiness: Messiness, rng: &mut ChaCha8Rng) -> Result<(Vec<(String, u64)>, usize)> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut files = Vec::new();
    let mut injector = Injector::new(messiness, rng);
    for &y in years {
        let rows = write_903::year_rows(src, y)
            .map_err(|e| Error::Io { context: format!("building the {y} SSDA903 return"), source: e.into() })?;
        let name = format!("ssda903_{y}.xml");
        let path = dir.join(&name);
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let mut out = Lines { out: BufWriter::new(file), line: 1 };
        let mut faulting = Faulting::new(&mut injector, &name);
        write_year(&rows, &mut out, &mut faulting).and_then(|_| out.out.flush()).map_err(|e| io_error(&path, e))?;
        files.push((name, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)));
    }
    let faults = injector.faults.len();
    files.extend(write_manifest(dir, &injector.faults)?);
    Ok((files, faults))
}

/// A writer that counts the lines written, so a faulted record is listed at the line the reader
/// reports.
struct Lines<W: Write> {
    out: W,
    /// The line the next byte goes on (1-based).
    line: usize,
}

impl<W: Write> Write for Lines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.line += buf[..n].iter().filter(|&&b| b == b'\n').count();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The faults a row of one file of [`FILES`] may take (see [`fault_options`]) and each of its
/// columns' element paths.
struct FileFaults {
    options: Vec<(usize, &'static str)>,
    paths: Vec<String>,
}

/// Where one file's faults go: the injector, the file's name, and [`FileFaults`] per file of
/// [`FILES`].
struct Faulting<'i, 'r> {
    injector: &'i mut Injector<'r>,
    file: &'i str,
    files: Vec<FileFaults>,
}

impl<'i, 'r> Faulting<'i, 'r> {
    fn new(injector: &'i mut Injector<'r>, file: &'i str) -> Self {
        let files = FILES
            .iter()
            .map(|&(name, columns)| {
                let trigger = row_trigger(name);
                let options = fault_options(name)
                    .into_iter()
                    .filter(|&(i, kind)| kind != "blank_required" || trigger.is_none() || element_for(name, columns[i]) != trigger)
                    .collect();
                let paths = columns.iter().map(|c| column_path(name, c).unwrap_or_else(|| c.to_string())).collect();
                FileFaults { options, paths }
            })
            .collect();
        Faulting { injector, file, files }
    }

    /// A row of `file` as it is written, reported at `line`: perhaps with one cell faulted.
    fn row(&mut self, file: &str, line: usize, row: &StringRecord) -> Vec<String> {
        let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
        let f = &self.files[index(file)];
        if !f.options.is_empty() {
            let columns: Vec<&str> = f.paths.iter().map(String::as_str).collect();
            self.injector.return_row(self.file, line, &columns, &mut cells, &f.options);
        }
        cells
    }
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io { context: format!("writing {}", path.display()), source: e }
}

fn index(file: &str) -> usize {
    FILES.iter().position(|(n, _)| *n == file).expect("a file of FILES")
}

/// Writes `<name>value</name>`, or `<name />` for an empty value.
fn leaf(out: &mut impl Write, indent: &str, name: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() {
        writeln!(out, "{indent}<{name} />")
    } else {
        writeln!(out, "{indent}<{name}>{}</{name}>", quick_xml::escape::escape(value))
    }
}

/// The columns of `file` held in the file's own block (or its flat fields), in the order they
/// are written: `(column index in [`FILES`], element)`.
fn own_elements(file: &str) -> impl Iterator<Item = (usize, &'static str)> + '_ {
    FILES[index(file)].1.iter().enumerate().filter_map(move |(i, column)| Some((i, element_for(file, column)?)))
}

/// The leaves of one row of `file`: every column held in the file's own block.
fn leaves(out: &mut impl Write, indent: &str, file: &str, row: &[String]) -> std::io::Result<()> {
    for (i, element) in own_elements(file) {
        leaf(out, indent, element, row.get(i).map_or("", String::as_str))?;
    }
    Ok(())
}

/// Writes one year's return from its files' rows (in [`FILES`] order), faulting each row as it
/// goes.
fn write_year<W: Write>(rows: &[Vec<StringRecord>], out: &mut Lines<W>, faulting: &mut Faulting) -> std::io::Result<()> {
    let by_child: Vec<HashMap<&str, Vec<&StringRecord>>> = rows
        .iter()
        .map(|file| {
            let mut m: HashMap<&str, Vec<&StringRecord>> = HashMap::new();
            for r in file {
                m.entry(r.get(0).unwrap_or("")).or_default().push(r);
            }
            m
        })
        .collect();
    let of = |file: &str, child: &str| by_child[index(file)].get(child).map(Vec::as_slice).unwrap_or(&[]);
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<{ROOT}>")?;
    for header in &rows[index("header")] {
        let child = header.get(0).unwrap_or("");
        writeln!(out, "  <CHILD>")?;
        let cells = faulting.row("header", out.line, header);
        writeln!(out, "    <HEADER>")?;
        leaves(out, "      ", "header", &cells)?;
        for file in FLAT {
            let row = of(file, child).first();
            let flag = flag_for(file);
            // A record of flat fields is reported at its flag, else at the value that makes it.
            let line = match flag {
                Some(_) => out.line,
                None => out.line + own_elements(file).position(|(_, e)| Some(e) == row_trigger(file)).unwrap_or(0),
            };
            if let Some(flag) = flag {
                leaf(out, "      ", flag, if row.is_some() { "1" } else { "" })?;
            }
            if let Some(row) = row {
                let cells = faulting.row(file, line, row);
                leaves(out, "      ", file, &cells)?;
            }
        }
        for file in IN_HEADER {
            let (block, _) = block_for(file).expect("a block file");
            for row in of(file, child) {
                let cells = faulting.row(file, out.line, row);
                writeln!(out, "      <{block}>")?;
                leaves(out, "        ", file, &cells)?;
                writeln!(out, "      </{block}>")?;
            }
        }
        writeln!(out, "    </HEADER>")?;
        let (block, _) = block_for("episodes").expect("episodes are a block");
        for row in of("episodes", child) {
            let cells = faulting.row("episodes", out.line, row);
            writeln!(out, "    <{block}>")?;
            leaves(out, "      ", "episodes", &cells)?;
            writeln!(out, "    </{block}>")?;
        }
        writeln!(out, "  </CHILD>")?;
    }
    writeln!(out, "</{ROOT}>")
}
