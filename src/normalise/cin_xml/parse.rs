//! Streaming the XML: the file is read event by event with quick-xml, and each `<Child>` (and
//! the `<Header>`) is handed over as a small tree of its elements with the line each starts on,
//! so memory stays bounded by one child whatever the size of the return.

use quick_xml::events::Event;
use quick_xml::Reader;

/// One element of a child's (or the header's) record.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    /// Path from the record's top element, e.g. `CINdetails/Section47/DateOfInitialCPC`.
    pub path: String,
    /// Line the start tag is on (1-based).
    pub line: i64,
    /// Text content, trimmed; empty when there is none.
    pub text: String,
    /// Line the text starts on.
    pub text_line: i64,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child element named `name`, when it has any.
    pub fn leaf(&self, name: &str) -> Option<&Node> {
        self.child(name).filter(|c| !c.text.is_empty())
    }
}

/// What the stream hands over.
pub enum Record {
    /// `Message/Header`.
    Header(Node),
    /// One `Message/Children/Child`.
    Child(Node),
    /// Any other element directly inside `Message` or `Children`, with its parent's name.
    Other { parent: String, node: Node },
}

/// Why reading stopped early.
#[derive(Debug)]
pub struct Malformed {
    pub line: i64,
    pub message: String,
}

/// Counts lines up to byte offsets that only move forward, so numbering the whole file is linear.
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

/// Reads `text` (a whole CIN census return) and calls `on_record` for the header and for each
/// child in document order. The root element must be `Message`; elements are matched by local
/// name, so a namespace prefix makes no difference. Returns where the XML stopped being
/// readable, if it did; the records before that point have been handed over.
pub fn stream(text: &str, on_record: impl FnMut(Record)) -> Result<(), Malformed> {
    let limits = crate::limits::Limits::default();
    stream_within(text, Bounds { max_depth: limits.max_xml_depth, max_record_elements: limits.max_xml_record_elements }, on_record)
}

/// How deep elements may nest, and how many one record may hold (`[limits]`).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_depth: usize,
    pub max_record_elements: usize,
}

/// [`stream`] within `bounds`: reading stops (as malformed) at an element nested deeper than
/// `max_depth` or at a record holding more than `max_record_elements` elements, so memory stays
/// bounded whatever the file. DTDs are skipped and never expanded; an entity other than XML's
/// five is malformed.
pub fn stream_within(text: &str, bounds: Bounds, mut on_record: impl FnMut(Record)) -> Result<(), Malformed> {
    let mut reader = Reader::from_str(text);
    let mut in_record: usize = 0;
    reader.config_mut().trim_text(false);
    let mut lines = Lines { text: text.as_bytes(), upto: 0, line: 1 };
    // Open elements from the root; the ones inside a header or child are built as nodes.
    let mut open: Vec<Node> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let line = lines.at(reader.error_position() as usize);
                return Err(Malformed { line, message: e.to_string() });
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if open.is_empty() && e.local_name().as_ref() != "Message" => {
                let line = lines.at(before);
                return Err(Malformed { line, message: format!("the root element is {}, not Message", e.local_name().as_ref()) });
            }
            Event::Start(_) | Event::Empty(_) if open.len() >= bounds.max_depth || in_record >= bounds.max_record_elements => {
                let line = lines.at(before);
                let what = if open.len() >= bounds.max_depth {
                    format!("elements nest deeper than [limits] max_xml_depth = {}", bounds.max_depth)
                } else {
                    format!("the record holds more than [limits] max_xml_record_elements = {} elements", bounds.max_record_elements)
                };
                return Err(Malformed { line, message: format!("{what}; reading stopped here") });
            }
            Event::Start(e) => {
                in_record = if open.len() <= 2 { 0 } else { in_record + 1 };
                let node = start_node(&open, e.local_name().as_ref().to_string(), lines.at(before));
                open.push(node);
            }
            Event::Empty(e) => {
                in_record = if open.len() <= 2 { 0 } else { in_record + 1 };
                let node = start_node(&open, e.local_name().as_ref().to_string(), lines.at(before));
                open.push(node);
                close(&mut open, &mut on_record);
            }
            Event::End(_) => close(&mut open, &mut on_record),
            Event::Text(t) => {
                let raw = t.xml10_content();
                let lead = raw.len() - raw.trim_start().len();
                if raw.trim().is_empty() {
                    continue;
                }
                let line = lines.at(before + lead);
                append_text(&mut open, raw.trim(), line);
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
                            None => return Err(Malformed { line: lines.at(before), message: format!("unknown entity &{name};") }),
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
                return Ok(());
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// A new node under the open ones. Paths inside a child start below `Child`
/// (`CINdetails/ReferralNFA`); paths inside the header start at `Header`.
fn start_node(open: &[Node], name: String, line: i64) -> Node {
    let path = match open.last() {
        Some(p) if open.len() == 3 && p.name == "Child" => name.clone(),
        Some(p) if open.len() >= 2 && !(open.len() == 2 && p.name == "Children") => {
            format!("{}/{name}", p.path)
        }
        _ => name.clone(),
    };
    Node { name, path, line, ..Node::default() }
}

fn append_text(open: &mut [Node], text: &str, line: i64) {
    if let Some(n) = open.last_mut() {
        if n.text.is_empty() {
            n.text_line = line;
        }
        n.text.push_str(text);
    }
}

/// Closes the innermost open element: a finished header or child is handed over, anything deeper
/// joins its parent, and `Message` and `Children` are never kept whole.
fn close(open: &mut Vec<Node>, on_record: &mut impl FnMut(Record)) {
    let Some(node) = open.pop() else { return };
    match open.len() {
        0 => {}
        1 if node.name == "Header" => on_record(Record::Header(node)),
        1 if node.name == "Children" => {}
        2 if open[1].name == "Children" && node.name == "Child" => on_record(Record::Child(node)),
        // Anything else directly inside Message or Children is passed on for the structure
        // checks to report.
        1 => on_record(Record::Other { parent: "Message".into(), node }),
        2 if open[1].name == "Children" => on_record(Record::Other { parent: "Children".into(), node }),
        _ => open.last_mut().expect("a parent is open").children.push(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_stream_with_their_lines_and_text() {
        let xml = "<?xml version=\"1.0\"?>\n<Message>\n<Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>\n<Children>\n<Child>\n  <ChildIdentifiers>\n    <LAchildID>A&amp;1</LAchildID>stray\n  </ChildIdentifiers>\n  <CINdetails/>\n</Child>\n</Children>\n</Message>";
        let mut got = Vec::new();
        stream(xml, |r| got.push(r)).unwrap();
        assert_eq!(got.len(), 2, "the header and one child; Message and Children are not records");
        let Record::Header(h) = &got[0] else { panic!("header first") };
        assert_eq!(h.child("CollectionDetails").unwrap().leaf("Collection").unwrap().text, "CIN");
        let Record::Child(c) = &got[1] else { panic!("then the child") };
        assert_eq!(c.line, 5);
        let ids = c.child("ChildIdentifiers").unwrap();
        assert_eq!((ids.path.as_str(), ids.line, ids.text.as_str(), ids.text_line), ("ChildIdentifiers", 6, "stray", 7));
        let id = ids.leaf("LAchildID").unwrap();
        assert_eq!((id.path.as_str(), id.text.as_str(), id.line), ("ChildIdentifiers/LAchildID", "A&1", 7));
        assert_eq!(c.child("CINdetails").unwrap().line, 9);
    }

    #[test]
    fn deep_nesting_and_huge_records_stop_reading_without_recursion() {
        let deep = format!("<Message>\n{}{}</Message>", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let err = stream(&deep, |_| {}).unwrap_err();
        assert!(err.message.contains("max_xml_depth = 64"), "{}", err.message);
        let wide = format!("<Message><Children><Child>{}</Child></Children></Message>", "<x/>".repeat(20));
        let err = stream_within(&wide, Bounds { max_depth: 64, max_record_elements: 10 }, |_| {}).unwrap_err();
        assert!(err.message.contains("max_xml_record_elements = 10"), "{}", err.message);
        let entity = "<!DOCTYPE m [<!ENTITY e \"xxxxxxxx\">]><Message><Header>&e;</Header></Message>";
        assert!(stream(entity, |_| {}).unwrap_err().message.contains("unknown entity"), "entities declared in a DTD are not expanded");
    }

    #[test]
    fn malformed_xml_stops_at_its_line() {
        let xml = "<Message>\n<Children>\n<Child><ChildIdentifiers></Child>\n</Children></Message>";
        let err = stream(xml, |_| {}).unwrap_err();
        assert_eq!(err.line, 3);
        let err = stream("<Other/>", |_| {}).unwrap_err();
        assert!(err.message.contains("not Message"));
    }
}
