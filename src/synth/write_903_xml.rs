//! Writes the SSDA903 return in its XML form, one file per collection year
//! (`DIR/ssda903_xml/ssda903_<YYYY>.xml`): the same rows as the CSV form ([`write_903`]),
//! grouped by child as the reader expects them (`EXPSSDA903/CHILD/HEADER` with its `AREVIEW`,
//! `AMISSING`, `OC2`, `PERMANENCE` and `AD_PLACED` blocks and the UASC, OC3 and AD1 fields flat,
//! then the child's `EPISODE`s), with element names from `reference/formats/ssda903/xml_*.csv`
//! ([`crate::normalise::ssda903::xml`]). A child has one set of flat OC3 and AD1 fields, so a
//! second AD1 row in one year (a child adopted twice) is not representable and only the first
//! is written; the synthetic returns have none.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use csv::StringRecord;

use super::returns::Source;
use super::write_903::{self, FILES};
use crate::normalise::ssda903::xml::{block_for, element_for, flag_for, ROOT};
use crate::{Error, Result};

/// The files whose fields are flat in a child's HEADER, in the order they are written.
const FLAT: [&str; 3] = ["uasc", "oc3", "ad1"];
/// The files written as blocks inside HEADER, in the order they are written.
const IN_HEADER: [&str; 5] = ["reviews", "missing", "oc2", "prev_perm", "placed_for_adoption"];

/// Writes one XML return per collection year into `dir`; returns the files (relative to `dir`)
/// and sizes.
pub fn write(src: &Source, years: &[i32], dir: &Path) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut files = Vec::new();
    for &y in years {
        let rows = write_903::year_rows(src, y)
            .map_err(|e| Error::Io { context: format!("building the {y} SSDA903 return"), source: e.into() })?;
        let name = format!("ssda903_{y}.xml");
        let path = dir.join(&name);
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let mut out = BufWriter::new(file);
        write_year(&rows, &mut out).and_then(|_| out.flush()).map_err(|e| io_error(&path, e))?;
        files.push((name, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)));
    }
    Ok(files)
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

/// The leaves of one row of `file`: every column held in the file's own block.
fn leaves(out: &mut impl Write, indent: &str, file: &str, row: &StringRecord) -> std::io::Result<()> {
    for (i, column) in FILES[index(file)].1.iter().enumerate() {
        if let Some(element) = element_for(file, column) {
            leaf(out, indent, element, row.get(i).unwrap_or(""))?;
        }
    }
    Ok(())
}

/// Writes one year's return from its files' rows (in [`FILES`] order).
fn write_year(rows: &[Vec<StringRecord>], out: &mut impl Write) -> std::io::Result<()> {
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
        writeln!(out, "  <CHILD>\n    <HEADER>")?;
        leaves(out, "      ", "header", header)?;
        for file in FLAT {
            let row = of(file, child).first();
            if let Some(flag) = flag_for(file) {
                leaf(out, "      ", flag, if row.is_some() { "1" } else { "" })?;
            }
            if let Some(row) = row {
                leaves(out, "      ", file, row)?;
            }
        }
        for file in IN_HEADER {
            let (block, _) = block_for(file).expect("a block file");
            for row in of(file, child) {
                writeln!(out, "      <{block}>")?;
                leaves(out, "        ", file, row)?;
                writeln!(out, "      </{block}>")?;
            }
        }
        writeln!(out, "    </HEADER>")?;
        let (block, _) = block_for("episodes").expect("episodes are a block");
        for row in of("episodes", child) {
            writeln!(out, "    <{block}>")?;
            leaves(out, "      ", "episodes", row)?;
            writeln!(out, "    </{block}>")?;
        }
        writeln!(out, "  </CHILD>")?;
    }
    writeln!(out, "</{ROOT}>")
}
