//! The SSDA903 return in its XML form, as case-management systems export it for DfE's
//! collection system: root `EXPSSDA903`, one `CHILD` per child holding a `HEADER` and the child's
//! `EPISODE`s. Inside `HEADER` sit the child's details and the UASC, OC3 and AD1 fields (flat),
//! and one block per review (`AREVIEW`), missing episode (`AMISSING`), OC2 record (`OC2`),
//! previous permanence (`PERMANENCE`) and placement for adoption (`AD_PLACED`). Tag names are the
//! CSV headers except `CHILDID` (CHILD) and `PL` (PLACE).
//!
//! The file is streamed with quick-xml one `CHILD` at a time, within `[limits]`
//! (`max_xml_depth`, and `max_xml_record_elements` per `CHILD`); no DTD is read and no entity but
//! XML's own five and character references is expanded. Each child's blocks become rows of the same [`ReturnFile`]s the CSV form is read
//! into (one per SSDA903 file, the columns a block lacks — CHILD, DOB, SEX — taken from the
//! child's `HEADER`), so both forms go through the same multi-year merge, episode repair and
//! loading. Which element is which file and column is data:
//! `reference/formats/ssda903/xml_blocks.csv` and `xml_elements.csv`.
//!
//! A `uasc` row is made when `UASC` holds a true flag (`<UASC />` and `0` are not UASC), an
//! `oc3` row when `IN_TOUCH` has a value, an `ad1` row when `DATE_INT` has one.
//!
//! **Collection year.** A `YEAR` (or `COLLECTION_YEAR`) element directly inside the root, else
//! the file's path, as for the CSV form ([`super::year`]); which was used is recorded.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use csv::StringRecord;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::layout::{layout, FileSpec};
use super::returns::{check_row, ReturnFile};
use super::{core_table, year, STAGE};
use crate::extract::InputFile;
use crate::normalise::cin_xml::parse::{Bounds, Node};
use crate::quality::{Action, Issue, Severity};

const BLOCKS_CSV: &str = include_str!("../../../reference/formats/ssda903/xml_blocks.csv");
const ELEMENTS_CSV: &str = include_str!("../../../reference/formats/ssda903/xml_elements.csv");

/// The root element of the XML form.
pub const ROOT: &str = "EXPSSDA903";
/// Root-level elements that give the collection year.
const YEAR_ELEMENTS: &[&str] = &["YEAR", "COLLECTION_YEAR"];

/// When a flat `HEADER` element makes a row of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// When it holds a true flag (`1`, `Y`, `YES`, `TRUE`).
    Flag,
    /// When it holds any value.
    Value,
}

/// One element of the XML form.
#[derive(Debug)]
struct Element {
    block: String,
    name: String,
    file: String,
    /// The SSDA903 column it holds (none for a flag that only makes a row).
    column: Option<String>,
    trigger: Option<Trigger>,
}

/// A block element: where it sits and the file each instance is a row of.
#[derive(Debug)]
struct Block {
    name: String,
    parent: String,
    file: String,
}

/// The XML form's blocks and elements.
#[derive(Debug)]
struct XmlLayout {
    blocks: Vec<Block>,
    elements: Vec<Element>,
}

impl XmlLayout {
    fn parse(blocks: &str, elements: &str) -> Result<Self, String> {
        let read = |text: &str, name: &str| {
            csv::Reader::from_reader(text.as_bytes()).records().collect::<Result<Vec<_>, _>>().map_err(|e| format!("{name}: {e}"))
        };
        let field = |r: &StringRecord, i: usize| r.get(i).unwrap_or("").trim().to_string();
        let blocks: Vec<Block> =
            read(blocks, "xml_blocks.csv")?.iter().map(|r| Block { name: field(r, 0), parent: field(r, 1), file: field(r, 2) }).collect();
        let mut out = Vec::new();
        for r in read(elements, "xml_elements.csv")? {
            let trigger = match field(&r, 4).as_str() {
                "" => None,
                "flag" => Some(Trigger::Flag),
                "value" => Some(Trigger::Value),
                other => return Err(format!("xml_elements.csv: creates_row {other} is not flag or value")),
            };
            let e = Element {
                block: field(&r, 0),
                name: field(&r, 1),
                file: field(&r, 2),
                column: Some(field(&r, 3)).filter(|c| !c.is_empty()),
                trigger,
            };
            let spec = layout()
                .files
                .iter()
                .find(|f| f.name == e.file)
                .ok_or_else(|| format!("xml_elements.csv: {} is not an SSDA903 file", e.file))?;
            if let Some(c) = &e.column {
                if !spec.columns.iter().any(|x| &x.name == c) {
                    return Err(format!("xml_elements.csv: {c} is not a column of {}", e.file));
                }
            }
            if !blocks.iter().any(|b| b.name == e.block) {
                return Err(format!("xml_elements.csv: {} is not a block in xml_blocks.csv", e.block));
            }
            out.push(e);
        }
        Ok(XmlLayout { blocks, elements: out })
    }

    fn block(&self, name: &str, parent: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name && b.parent == parent)
    }

    fn element(&self, block: &str, name: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.block == block && e.name == name)
    }

    /// Where a block sits, from the child (`HEADER/AREVIEW`).
    fn block_path(&self, block: &str) -> String {
        match self.blocks.iter().find(|b| b.name == block) {
            Some(b) if b.parent != "CHILD" => format!("{}/{block}", self.block_path(&b.parent)),
            _ => block.to_string(),
        }
    }

    /// The element holding `column` of `file`: in the file's own block, else (CHILD, DOB, SEX)
    /// the child's `HEADER`.
    fn source(&self, file: &str, column: &str) -> Option<&Element> {
        let own = |f: &str| self.elements.iter().find(|e| e.file == f && e.column.as_deref() == Some(column));
        own(file).or_else(|| own("header"))
    }
}

fn xml_layout() -> &'static XmlLayout {
    static L: OnceLock<XmlLayout> = OnceLock::new();
    L.get_or_init(|| XmlLayout::parse(BLOCKS_CSV, ELEMENTS_CSV).expect("reference/formats/ssda903/xml_*.csv is checked by a unit test"))
}

/// The element holding `column` of SSDA903 file `file` in that file's own block (`PL` for the
/// episodes' PLACE); `None` when the column comes from the child's `HEADER` (a review's CHILD).
pub fn element_for(file: &str, column: &str) -> Option<&'static str> {
    xml_layout().elements.iter().find(|e| e.file == file && e.column.as_deref() == Some(column)).map(|e| e.name.as_str())
}

/// The block element each row of `file` is (`EPISODE`, `AREVIEW`) and its parent (`CHILD`,
/// `HEADER`); `None` for the files whose fields are flat in `HEADER` (uasc, oc3, ad1).
pub fn block_for(file: &str) -> Option<(&'static str, &'static str)> {
    xml_layout().blocks.iter().find(|b| b.file == file && b.name != "HEADER").map(|b| (b.name.as_str(), b.parent.as_str()))
}

/// The flag element whose true value makes a row of `file` (`UASC`), if the file has one.
pub fn flag_for(file: &str) -> Option<&'static str> {
    xml_layout().elements.iter().find(|e| e.file == file && e.trigger == Some(Trigger::Flag) && e.column.is_none()).map(|e| e.name.as_str())
}

/// The element whose presence makes a row of `file` when its fields are flat in `HEADER`: the
/// flag (`UASC`) or the value (`IN_TOUCH`, `DATE_INT`); a row is reported at its line.
pub fn row_trigger(file: &str) -> Option<&'static str> {
    xml_layout().elements.iter().find(|e| e.file == file && e.trigger.is_some()).map(|e| e.name.as_str())
}

/// Where the element holding `column` of `file` sits, from the child (`HEADER/AREVIEW/REVIEW`,
/// `HEADER/DUC`): how issues about the cell name its column.
pub fn column_path(file: &str, column: &str) -> Option<String> {
    let l = xml_layout();
    l.source(file, column).map(|e| format!("{}/{}", l.block_path(&e.block), e.name))
}

/// Whether `bytes` hold an SSDA903 return in XML: the first element is `EXPSSDA903`.
pub fn recognise(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let (text, _) = crate::normalise::decode_lossy_head(head);
    let mut reader = Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => return e.local_name().as_ref() == ROOT,
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Counts lines up to byte offsets that only move forward.
struct Lines<'t> {
    text: &'t [u8],
    upto: usize,
    line: i64,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> i64 {
        let offset = offset.min(self.text.len());
        if offset > self.upto {
            self.line += self.text[self.upto..offset].iter().filter(|&&b| b == b'\n').count() as i64;
            self.upto = offset;
        }
        self.line
    }
}

/// Reading one file: its return files as they fill, and what has been reported.
struct Read<'a> {
    path: &'a str,
    files: Vec<ReturnFile>,
    issues: &'a mut Vec<Issue>,
    /// Element paths already reported as unknown (once per file each).
    unknown: HashSet<String>,
    children: usize,
}

impl Read<'_> {
    fn issue(&mut self, table: Option<&str>, node: &Node, code: &'static str, severity: Severity, message: String, action: Action) {
        let mut i = Issue::new(severity, STAGE, code, message, action).file(self.path).row(node.line).column_named(&node.path);
        if let Some(t) = table {
            i = i.table(t);
        }
        self.issues.push(i);
    }

    fn unknown(&mut self, node: &Node) {
        if self.unknown.insert(node.path.clone()) {
            let message = format!(
                "{} is not an element of the SSDA903 XML form; it and its contents were not loaded (reported once per file)",
                node.name
            );
            self.issue(None, node, "unknown_element", Severity::Warning, message, Action::Kept);
        }
    }

    fn file_index(&self, name: &str) -> usize {
        self.files.iter().position(|f| f.spec.name == name).expect("every file of xml_elements.csv has a return file")
    }

    /// The leaf elements of a block by name (the first of a repeated one), reporting the rest.
    fn leaves<'n>(
        &mut self,
        block: &'n Node,
        known: impl Fn(&str) -> bool,
        nested_blocks: impl Fn(&str) -> bool,
    ) -> HashMap<&'n str, &'n Node> {
        let mut out: HashMap<&str, &Node> = HashMap::new();
        if !block.text.is_empty() {
            let message = format!("{} holds text outside its elements; it was ignored", block.name);
            self.issue(None, block, "stray_text", Severity::Warning, message, Action::Kept);
        }
        for c in &block.children {
            if nested_blocks(&c.name) {
                continue;
            }
            if !known(&c.name) {
                self.unknown(c);
                continue;
            }
            for g in &c.children {
                self.unknown(g);
            }
            if out.contains_key(c.name.as_str()) {
                let message = format!("{} appears more than once in {}; the first is used", c.name, block.name);
                self.issue(None, c, "repeated_element", Severity::Warning, message, Action::Kept);
            } else {
                out.insert(&c.name, c);
            }
        }
        out
    }

    /// Adds one row to `file`: each column from `own` (the block's leaves) or the header's.
    fn row(&mut self, file: &str, line: i64, own: &HashMap<&str, &Node>, header: &HashMap<&str, &Node>) {
        let l = xml_layout();
        let i = self.file_index(file);
        let f = &self.files[i];
        let values: Vec<String> = f
            .spec
            .columns
            .iter()
            .map(|c| {
                let Some(e) = l.source(file, &c.name) else { return String::new() };
                let leaves = if e.file == file { own } else { header };
                leaves.get(e.name.as_str()).map(|n| n.text.clone()).unwrap_or_default()
            })
            .collect();
        let record = StringRecord::from(values);
        let table = core_table(file);
        check_row(&self.files[i], line, &record, table, self.issues);
        self.files[i].rows.push((line, record));
    }

    /// One `CHILD` element.
    fn child(&mut self, child: &Node) {
        self.children += 1;
        let l = xml_layout();
        let headers: Vec<&Node> = child.all("HEADER").collect();
        let Some(header) = headers.first() else {
            let message = format!("the child has no HEADER, so no CHILDID: its {} episodes were not loaded", child.all("EPISODE").count());
            self.issue(Some("person"), child, "missing_element", Severity::Warning, message, Action::RowRejected);
            return;
        };
        for h in &headers[1..] {
            self.issue(
                Some("person"),
                h,
                "repeated_element",
                Severity::Warning,
                "the child has more than one HEADER; the first is used".into(),
                Action::RowRejected,
            );
        }
        if !child.text.is_empty() {
            self.issue(
                None,
                child,
                "stray_text",
                Severity::Warning,
                "CHILD holds text outside its elements; it was ignored".into(),
                Action::Kept,
            );
        }
        let flat = self.leaves(header, |n| l.element("HEADER", n).is_some(), |n| l.block(n, "HEADER").is_some());
        self.row("header", header.line, &flat, &flat);
        // The files whose fields are flat in HEADER, each a row when its trigger holds.
        for e in l.elements.iter().filter(|e| e.block == "HEADER") {
            let Some(trigger) = e.trigger else { continue };
            let value = flat.get(e.name.as_str()).map(|n| n.text.trim().to_ascii_uppercase()).unwrap_or_default();
            let fires = match trigger {
                Trigger::Flag => matches!(value.as_str(), "1" | "Y" | "YES" | "TRUE"),
                Trigger::Value => !value.is_empty(),
            };
            if fires {
                let line = flat[e.name.as_str()].line;
                self.row(&e.file, line, &flat, &flat);
            }
        }
        for b in &header.children {
            if let Some(block) = l.block(&b.name, "HEADER") {
                let own = self.leaves(b, |n| l.element(&block.name, n).is_some(), |_| false);
                self.row(&block.file, b.line, &own, &flat);
            }
        }
        for b in &child.children {
            if b.name == "HEADER" {
                continue;
            }
            match l.block(&b.name, "CHILD") {
                Some(block) => {
                    let own = self.leaves(b, |n| l.element(&block.name, n).is_some(), |_| false);
                    self.row(&block.file, b.line, &own, &flat);
                }
                None => self.unknown(b),
            }
        }
    }
}

/// The return files an XML return fills, empty, their columns headed by element path.
fn return_files(path: &str, path_year: Option<i32>) -> Vec<ReturnFile> {
    let l = xml_layout();
    let mut names: Vec<&str> = Vec::new();
    for e in &l.elements {
        if !names.contains(&e.file.as_str()) {
            names.push(&e.file);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let spec: &'static FileSpec = layout().file(name);
            let header = spec.columns.iter().map(|c| column_path(name, &c.name).unwrap_or_else(|| c.name.clone())).collect();
            ReturnFile {
                path: path.to_string(),
                order: 0,
                spec,
                header,
                positions: (0..spec.columns.len()).map(Some).collect(),
                year_column: None,
                la_column: None,
                path_year,
                rows: Vec::new(),
                xml: true,
            }
        })
        .collect()
}

/// Why reading stopped early.
#[derive(Debug)]
struct Malformed {
    line: i64,
    message: String,
}

/// Reads one SSDA903 XML return into its files' rows (only files with rows are returned); they
/// are typed and loaded with the run's other SSDA903 files by [`super::assemble`].
pub fn read(file: &InputFile, issues: &mut Vec<Issue>) -> Vec<ReturnFile> {
    let text = match crate::normalise::decode::decode(&file.bytes) {
        Ok((text, note)) => {
            if let Some(note) = note {
                issues.push(Issue::new(Severity::Info, STAGE, "encoding", note, Action::Kept).file(&file.path));
            }
            text
        }
        Err(why) => {
            issues.push(Issue::new(Severity::Error, STAGE, "unreadable_file", why, Action::FileSkipped).file(&file.path));
            return Vec::new();
        }
    };
    let path_year = year::from_path(&file.path);
    let mut read = Read { path: &file.path, files: return_files(&file.path, path_year), issues, unknown: HashSet::new(), children: 0 };
    let mut content_year: Option<(i32, Node)> = None;
    let bounds = Bounds { max_depth: file.limits.max_xml_depth, max_record_elements: file.limits.max_xml_record_elements };
    let outcome = stream(&text, bounds, |node| {
        if node.name == "CHILD" {
            read.child(&node);
        } else if YEAR_ELEMENTS.contains(&node.name.as_str()) {
            match year::parse(&node.text) {
                Some(y) => content_year = Some((y, node)),
                None => read.issue(
                    None,
                    &node,
                    "invalid_year",
                    Severity::Warning,
                    "not a collection year; the year is taken from the file's path".into(),
                    Action::Substituted,
                ),
            }
        } else {
            read.unknown(&node);
        }
    });
    if let Err(m) = outcome {
        let message = format!(
            "the XML is malformed ({}); the {} children before line {} were read and the rest of the file was not",
            m.message, read.children, m.line
        );
        read.issues.push(Issue::new(Severity::Error, STAGE, "malformed_xml", message, Action::RowRejected).file(&file.path).row(m.line));
    }
    let note = match (&content_year, path_year) {
        (Some((y, node)), _) => {
            let i = Issue::new(
                Severity::Info,
                STAGE,
                "collection_year",
                format!("collection year {y} read from the return's {} element", node.name),
                Action::Kept,
            );
            i.row(node.line).column_named(&node.path)
        }
        (None, Some(y)) => Issue::new(
            Severity::Info,
            STAGE,
            "collection_year",
            format!("collection year {y} taken from the file's path (the return does not carry it)"),
            Action::Kept,
        ),
        (None, None) => Issue::new(
            Severity::Warning,
            STAGE,
            "collection_year",
            "the collection year is neither in the return nor in its path; the return is treated as older than every dated one",
            Action::Kept,
        ),
    };
    read.issues.push(note.file(&file.path));
    let mut files = read.files;
    if let Some((y, _)) = content_year {
        for f in &mut files {
            f.path_year = Some(y);
        }
    }
    files.retain(|f| !f.rows.is_empty());
    files
}

/// Streams `text`, handing over each element directly inside the root (a `CHILD`, or anything
/// else found there) as a tree with its lines. Paths start below `CHILD` (`HEADER/AREVIEW`).
/// Reading stops (as malformed) at an element nested deeper than `bounds.max_depth` (the form
/// nests 5 deep: `EXPSSDA903/CHILD/HEADER/AREVIEW/REVIEW`) or a `CHILD` holding more than
/// `bounds.max_record_elements` elements, so memory stays bounded whatever the file.
fn stream(text: &str, bounds: Bounds, mut on_record: impl FnMut(Node)) -> Result<(), Malformed> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut lines = Lines { text: text.as_bytes(), upto: 0, line: 1 };
    let mut open: Vec<Node> = Vec::new();
    let mut root_seen = false;
    let mut in_record = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let line = lines.at(reader.error_position() as usize);
                return Err(Malformed { line, message: e.to_string() });
            }
        };
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.local_name().as_ref().to_string()), false),
            Event::Empty(e) => (Some(e.local_name().as_ref().to_string()), true),
            _ => (None, false),
        };
        if let Some(name) = start {
            let line = lines.at(before);
            if open.is_empty() {
                if root_seen || name != ROOT {
                    return Err(Malformed { line, message: format!("the root element is {name}, not {ROOT}") });
                }
                root_seen = true;
            }
            if open.len() >= bounds.max_depth {
                return Err(Malformed {
                    line,
                    message: format!("elements nest deeper than [limits] max_xml_depth = {}; reading stopped here", bounds.max_depth),
                });
            }
            in_record = if open.len() <= 1 { 0 } else { in_record + 1 };
            if in_record > bounds.max_record_elements {
                let message = format!(
                    "the CHILD holds more than [limits] max_xml_record_elements = {} elements; reading stopped here",
                    bounds.max_record_elements
                );
                return Err(Malformed { line, message });
            }
            let path = match open.len() {
                0 | 1 => name.clone(),
                2 => name.clone(),
                _ => format!("{}/{name}", open.last().expect("open").path),
            };
            open.push(Node { name, path, line, ..Node::default() });
            if empty {
                close(&mut open, &mut on_record);
            }
            continue;
        }
        match event {
            Event::End(_) => close(&mut open, &mut on_record),
            Event::Text(t) => {
                let raw = t.xml10_content();
                let lead = raw.len() - raw.trim_start().len();
                if !raw.trim().is_empty() {
                    let line = lines.at(before + lead);
                    append_text(&mut open, raw.trim(), line);
                }
            }
            Event::CData(t) => {
                let raw = t.into_inner();
                append_text(&mut open, raw.trim(), lines.at(before));
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.into_inner();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(Malformed {
                                    line: lines.at(before),
                                    message: format!("unknown entity &{name}; (entities are not expanded)"),
                                })
                            }
                        }
                    }
                    Err(e) => return Err(Malformed { line: lines.at(before), message: e.to_string() }),
                };
                append_text(&mut open, &resolved, lines.at(before));
            }
            Event::Eof => {
                if let Some(n) = open.last() {
                    return Err(Malformed { line: n.line, message: format!("the file ends inside {}, which starts here", n.name) });
                }
                if !root_seen {
                    return Err(Malformed { line: 1, message: format!("there is no {ROOT} element") });
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

fn append_text(open: &mut [Node], text: &str, line: i64) {
    if let Some(n) = open.last_mut() {
        if n.text.is_empty() {
            n.text_line = line;
        }
        n.text.push_str(text);
    }
}

/// Closes the innermost open element: one directly inside the root is handed over, anything
/// deeper joins its parent, and the root is never kept whole.
fn close(open: &mut Vec<Node>, on_record: &mut impl FnMut(Node)) {
    let Some(node) = open.pop() else { return };
    match open.len() {
        0 => {}
        1 => on_record(node),
        _ => open.last_mut().expect("a parent is open").children.push(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_data_parses_and_covers_the_files() {
        let l = XmlLayout::parse(BLOCKS_CSV, ELEMENTS_CSV).unwrap();
        assert_eq!(l.block_path("AREVIEW"), "HEADER/AREVIEW");
        assert_eq!(l.source("reviews", "CHILD").unwrap().name, "CHILDID");
        assert_eq!(l.source("episodes", "PLACE").unwrap().name, "PL");
        assert_eq!(l.source("uasc", "SEX").unwrap().block, "HEADER");
        // Every column of every file the XML form fills has an element.
        let files: HashSet<&str> = l.elements.iter().map(|e| e.file.as_str()).collect();
        for f in &files {
            for c in &layout().file(f).columns {
                assert!(l.source(f, &c.name).is_some(), "{f}.{}", c.name);
            }
        }
    }

    #[test]
    fn recognised_by_root() {
        assert!(recognise(b"<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903><CHILD>"));
        assert!(recognise(b"\xEF\xBB\xBF<EXPSSDA903/>"));
        assert!(!recognise(b"<Message><Header>"));
        assert!(!recognise(b"CHILD,DECOM\n"));
    }

    #[test]
    fn the_year_comes_from_the_content_before_the_path() {
        let xml = "<EXPSSDA903>\n<YEAR>2024-25</YEAR>\n<CHILD><HEADER><CHILDID>7</CHILDID><SEX>M</SEX><UASC /></HEADER>\n<EPISODE><DECOM>01/05/2024</DECOM><PL>U1</PL><STRAY>x</STRAY></EPISODE></CHILD>\n</EXPSSDA903>";
        let file = InputFile::in_memory("returns/903_2021.xml", bytes::Bytes::from(xml), None);
        let mut issues = Vec::new();
        let files = read(&file, &mut issues);
        let names: Vec<&str> = files.iter().map(|f| f.spec.name.as_str()).collect();
        assert_eq!(names, ["header", "episodes"], "no uasc row for an empty UASC");
        assert!(files.iter().all(|f| f.path_year == Some(2025) && f.xml));
        let year = issues.iter().find(|i| i.code == "collection_year").unwrap();
        assert_eq!((year.row, year.column.as_deref()), (Some(2), Some("YEAR")));
        let stray = issues.iter().find(|i| i.code == "unknown_element").unwrap();
        assert_eq!((stray.row, stray.column.as_deref()), (Some(4), Some("EPISODE/STRAY")));
        let episode = &files[1];
        assert_eq!(episode.rows[0].0, 4, "a record's row is the line its element starts on");
        assert_eq!(&episode.rows[0].1[episode.spec.index("PLACE")], "U1");
        assert_eq!(&episode.rows[0].1[episode.spec.index("CHILD")], "7", "CHILD from the HEADER");
    }

    #[test]
    fn hostile_input_stops_cleanly() {
        let limits = crate::limits::Limits::default();
        let bounds = Bounds { max_depth: limits.max_xml_depth, max_record_elements: limits.max_xml_record_elements };
        let deep = format!("<EXPSSDA903>{}", "<CHILD>".repeat(100));
        let err = stream(&deep, bounds, |_| {}).unwrap_err();
        assert!(err.message.contains("max_xml_depth = 64"), "{}", err.message);
        let wide = format!("<EXPSSDA903><CHILD>{}</CHILD></EXPSSDA903>", "<EPISODE/>".repeat(11));
        let err = stream(&wide, Bounds { max_depth: 64, max_record_elements: 10 }, |_| {}).unwrap_err();
        assert!(err.message.contains("max_xml_record_elements = 10"), "{}", err.message);
        let mut children = 0;
        stream(&wide, Bounds { max_depth: 64, max_record_elements: 11 }, |_| children += 1).unwrap();
        assert_eq!(children, 1);
        let entity =
            "<!DOCTYPE x [<!ENTITY big \"boom\">]>\n<EXPSSDA903><CHILD><HEADER><CHILDID>&big;</CHILDID></HEADER></CHILD></EXPSSDA903>";
        let err = stream(entity, bounds, |_| {}).unwrap_err();
        assert!(err.message.contains("unknown entity &big;"), "{}", err.message);
        assert_eq!(err.line, 2);
        assert!(stream("<Other/>", bounds, |_| {}).unwrap_err().message.contains("not EXPSSDA903"));
    }
}
