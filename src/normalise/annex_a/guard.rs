//! Checks a workbook's container before calamine opens it, so that no workbook can make it
//! allocate without bound: the zip entries' declared and actual uncompressed sizes, the
//! worksheets' declared `<dimension>` and every cell reference against Excel's grid, the area
//! the cells span, the shared-string count, and (OpenDocument) the cells repeated by
//! `number-rows-repeated` / `number-columns-repeated`. A legacy `.xls` (an OLE compound file)
//! has its workbook stream's BIFF records walked: every sheet's declared dimensions and the area
//! its cells span.

use std::io::{Cursor, Read};

use quick_xml::events::Event;

use crate::limits::Limits;

/// Excel's grid: 1,048,576 rows by 16,384 columns (A to XFD).
pub const MAX_ROWS: u64 = 1_048_576;
pub const MAX_COLUMNS: u64 = 16_384;

/// Why a workbook is refused, in words for an `unreadable_file` issue.
pub type Refusal = String;

/// Whether a zip or OLE file is a spreadsheet: `Some(false)` for another kind of document (a
/// .docx, a .doc), `None` when the container is too damaged to tell.
pub fn is_spreadsheet(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(b"PK\x03\x04") {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let is_book = zip.file_names().flatten().any(|n| matches!(n.as_ref(), "xl/workbook.xml" | "xl/workbook.bin" | "content.xml"));
        return Some(is_book);
    }
    let file = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    Some(file.is_stream("/Workbook") || file.is_stream("/Book"))
}

/// Checks a workbook's bytes against `limits`. `Err` says why it must not be opened.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return xls(bytes, limits);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("the workbook is damaged or truncated: {e}"))?;
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| format!("the workbook is damaged or truncated: {e}"))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.max_uncompressed_bytes {
        return Err(format!(
            "the workbook declares {declared} bytes uncompressed, more than [limits] max_uncompressed_bytes = {}",
            limits.max_uncompressed_bytes
        ));
    }
    let mut budget = limits.max_uncompressed_bytes;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| format!("the workbook is damaged or truncated: {e}"))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let kind = if name.ends_with("sharedStrings.xml") {
            Part::SharedStrings
        } else if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            Part::Worksheet
        } else if name == "content.xml" {
            Part::OdsContent
        } else {
            Part::Other
        };
        // Every entry is decompressed within the budget left, so a size that lies is caught.
        let mut limited = (&mut entry).take(budget + 1);
        let mut data = Vec::new();
        limited.read_to_end(&mut data).map_err(|e| format!("the workbook's part {name} is damaged or truncated: {e}"))?;
        if data.len() as u64 > budget {
            return Err(format!("the workbook holds more than [limits] max_uncompressed_bytes = {} bytes uncompressed (its zip entries understate their size)", limits.max_uncompressed_bytes));
        }
        budget -= data.len() as u64;
        match kind {
            Part::SharedStrings => shared_strings(&data).map_err(|e| format!("{name}: {e}"))?,
            Part::Worksheet => worksheet(&data, limits).map_err(|e| format!("{name}: {e}"))?,
            Part::OdsContent => ods_content(&data, limits).map_err(|e| format!("{name}: {e}"))?,
            Part::Other => {}
        }
    }
    Ok(())
}

enum Part {
    SharedStrings,
    Worksheet,
    OdsContent,
    Other,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).map(|a| a.value.to_string())
}

/// The declared shared-string count may not exceed the strings held (calamine reserves room
/// for the declared count before reading any).
fn shared_strings(xml: &[u8]) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut declared: Option<u64> = None;
    let mut held: u64 = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "sst" => declared = attr(&e, "uniqueCount").map(|v| v.trim().parse::<u64>().unwrap_or(u64::MAX)),
                "si" => held += 1,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("not readable XML: {e}")),
            _ => {}
        }
        buf.clear();
    }
    match declared {
        Some(n) if n > held => Err(format!("declares {n} shared strings but holds {held}")),
        _ => Ok(()),
    }
}

/// A cell or range reference (`B7`, `A1:XFD1048576`) as zero-based (row, column) pairs.
fn cell_ref(text: &str) -> Option<(u64, u64)> {
    let text = text.trim().replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty()
        || letters.len() > 3
        || !letters.bytes().all(|b| b.is_ascii_alphabetic())
        || digits.len() > 7
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let column = letters.bytes().fold(0u64, |n, b| n * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u64);
    let row: u64 = digits.parse().ok()?;
    ((1..=MAX_ROWS).contains(&row) && column <= MAX_COLUMNS).then(|| (row - 1, column - 1))
}

/// Every row and cell position within Excel's grid, the declared dimension too, and the area
/// the cells span within `max_sheet_cells` (calamine allocates that area).
fn worksheet(xml: &[u8], limits: &Limits) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut row, mut col): (u64, u64) = (0, 0);
    let mut started_row = false;
    let (mut min_r, mut max_r, mut min_c, mut max_c) = (u64::MAX, 0u64, u64::MAX, 0u64);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "dimension" => {
                    let r = attr(&e, "ref").unwrap_or_default();
                    for part in r.split(':') {
                        cell_ref(part).ok_or_else(|| {
                            "the declared dimension is outside Excel's grid (1,048,576 rows by 16,384 columns)".to_string()
                        })?;
                    }
                }
                "row" => {
                    row = match attr(&e, "r") {
                        Some(r) => {
                            r.trim()
                                .parse::<u64>()
                                .ok()
                                .filter(|r| (1..=MAX_ROWS).contains(r))
                                .ok_or("a row number is outside Excel's grid")?
                                - 1
                        }
                        None if started_row => row + 1,
                        None => 0,
                    };
                    if row >= MAX_ROWS {
                        return Err("a row number is outside Excel's grid".into());
                    }
                    started_row = true;
                    col = u64::MAX; // the next cell without a reference is column A
                }
                "c" => {
                    let (r, c) = match attr(&e, "r") {
                        Some(text) => {
                            cell_ref(&text).ok_or("a cell reference is outside Excel's grid (1,048,576 rows by 16,384 columns)")?
                        }
                        None => (row, col.wrapping_add(1)),
                    };
                    if c >= MAX_COLUMNS {
                        return Err("a cell is outside Excel's grid (16,384 columns)".into());
                    }
                    (row, col) = (r, c);
                    (min_r, max_r, min_c, max_c) = (min_r.min(r), max_r.max(r), min_c.min(c), max_c.max(c));
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("not readable XML: {e}")),
            _ => {}
        }
        buf.clear();
    }
    if min_r != u64::MAX {
        let area = (max_r - min_r + 1) * (max_c - min_c + 1);
        if area > limits.max_sheet_cells {
            return Err(format!("its cells span {area} cells, more than [limits] max_sheet_cells = {}", limits.max_sheet_cells));
        }
    }
    Ok(())
}

/// Excel 97-2003's grid: 65,536 rows by 256 columns.
const XLS_ROWS: u64 = 65_536;
const XLS_COLUMNS: u64 = 256;

/// A legacy workbook (OLE compound file): its `Workbook` (or BIFF5 `Book`) stream, read within
/// the uncompressed limit, walked record by record. calamine reserves room for each sheet's
/// declared DIMENSIONS and allocates the area its cells span, so both must fit.
fn xls(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let damaged = |e: std::io::Error| format!("the workbook is damaged or truncated: {e}");
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(damaged)?;
    let name = ["/Workbook", "/Book"].into_iter().find(|n| file.is_stream(n)).ok_or("the workbook has no Workbook stream")?;
    let mut stream = Vec::new();
    file.open_stream(name).map_err(damaged)?.take(limits.max_uncompressed_bytes + 1).read_to_end(&mut stream).map_err(damaged)?;
    if stream.len() as u64 > limits.max_uncompressed_bytes {
        return Err(format!("the workbook holds more than [limits] max_uncompressed_bytes = {} bytes", limits.max_uncompressed_bytes));
    }
    let mut at = 0usize;
    let mut span: Option<(u64, u64, u64, u64)> = None;
    let check_span = |span: Option<(u64, u64, u64, u64)>| match span {
        Some((r0, r1, c0, c1)) if (r1 - r0 + 1) * (c1 - c0 + 1) > limits.max_sheet_cells => {
            Err(format!("a sheet's cells span more than [limits] max_sheet_cells = {} cells", limits.max_sheet_cells))
        }
        _ => Ok(()),
    };
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        let data = &stream[at + 4..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        let u16_at = |i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u64);
        let u32_at = |i: usize| data.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
        match kind {
            // BOF: a new substream (sheet); EOF ends one.
            0x0809 | 0x000A => {
                check_span(span)?;
                span = None;
            }
            // DIMENSIONS: first row, last row + 1, first column, last column + 1.
            0x0200 => {
                let (r0, r1, c0, c1) =
                    if len >= 14 { (u32_at(0), u32_at(4), u16_at(8), u16_at(10)) } else { (u16_at(0), u16_at(2), u16_at(4), u16_at(6)) };
                let (Some(r0), Some(r1), Some(c0), Some(c1)) = (r0, r1, c0, c1) else {
                    return Err("a DIMENSIONS record is truncated".into());
                };
                if r0 > r1 || c0 > c1 || r1 > XLS_ROWS || c1 > XLS_COLUMNS {
                    return Err("a sheet's declared dimensions are outside Excel 97-2003's grid (65,536 rows by 256 columns)".into());
                }
                if (r1 - r0) * (c1 - c0) > limits.max_sheet_cells {
                    return Err(format!("a sheet declares more than [limits] max_sheet_cells = {} cells", limits.max_sheet_cells));
                }
            }
            // Cell records: row and column are the first two fields (MULRK and MULBLANK end
            // with their last column).
            0x0006 | 0x00BD | 0x00BE | 0x00D6 | 0x00FD | 0x0201 | 0x0203 | 0x0204 | 0x0205 | 0x027E | 0x0406 => {
                let (Some(r), Some(c)) = (u16_at(0), u16_at(2)) else { continue };
                let last = if matches!(kind, 0x00BD | 0x00BE) && len >= 6 { u16_at(len - 2).unwrap_or(c) } else { c };
                let (c0, c1) = (c.min(last), c.max(last));
                span = Some(match span {
                    None => (r, r, c0, c1),
                    Some((a, b, x, y)) => (a.min(r), b.max(r), x.min(c0), y.max(c1)),
                });
            }
            _ => {}
        }
    }
    check_span(span)
}

/// An OpenDocument spreadsheet's cells as calamine expands them: each row's width up to its
/// last cell with content, times the row's repeats, summed over the sheets.
fn ods_content(xml: &[u8], limits: &Limits) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let repeated = |e: &quick_xml::events::BytesStart, name: &str| -> Result<u64, String> {
        match attr(e, name) {
            Some(v) => v.trim().parse::<u64>().map_err(|_| "a repeat count is not a number".to_string()),
            None => Ok(1),
        }
    };
    let (mut total, mut row_repeats, mut width, mut used_width): (u64, u64, u64, u64) = (0, 1, 0, 0);
    let mut in_cell = false;
    loop {
        let event = reader.read_event_into(&mut buf);
        let (start, empty) = match &event {
            Ok(Event::Start(e)) => (Some(e), false),
            Ok(Event::Empty(e)) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                "table:table-row" => {
                    row_repeats = repeated(e, "table:number-rows-repeated")?.min(MAX_ROWS);
                    (width, used_width) = (0, 0);
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    width = width.saturating_add(repeated(e, "table:number-columns-repeated")?.min(MAX_COLUMNS));
                    if attr(e, "office:value-type").is_some() {
                        used_width = width.min(MAX_COLUMNS);
                    }
                    in_cell = !empty;
                }
                _ if in_cell => used_width = width.min(MAX_COLUMNS),
                _ => {}
            }
        }
        match event {
            Ok(Event::Text(_)) if in_cell => used_width = width.min(MAX_COLUMNS),
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => {
                total = total.saturating_add(used_width.saturating_mul(row_repeats));
                if total > limits.max_sheet_cells {
                    return Err(format!("its rows expand to more than [limits] max_sheet_cells = {} cells", limits.max_sheet_cells));
                }
            }
            Ok(Event::End(e)) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => in_cell = false,
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("not readable XML: {e}")),
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn references_are_checked_against_excels_grid() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref("$B$7"), Some((6, 1)));
        for bad in ["XFE1", "A1048577", "A0", "AAAA1", "1A", "A99999999999"] {
            assert_eq!(cell_ref(bad), None, "{bad}");
        }
    }

    #[test]
    fn hostile_workbooks_are_refused_before_calamine_sees_them() {
        let limits = Limits { max_sheet_cells: 1000, max_uncompressed_bytes: 100_000, ..Limits::default() };
        let sheet =
            |cells: &str| format!("<worksheet><dimension ref=\"A1:B2\"/><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>");
        let ok = zip_of(&[("xl/worksheets/sheet1.xml", sheet("<c r=\"A1\"/><c/>").as_bytes())]);
        check(&ok, &limits).unwrap();
        let far = zip_of(&[("xl/worksheets/sheet1.xml", sheet("<c r=\"A1\"/><c r=\"XFD1000\"/>").as_bytes())]);
        assert!(check(&far, &limits).unwrap_err().contains("max_sheet_cells"));
        let outside = zip_of(&[("xl/worksheets/sheet1.xml", sheet("<c r=\"XFE1\"/>").as_bytes())]);
        assert!(check(&outside, &limits).unwrap_err().contains("outside Excel's grid"));
        let strings = zip_of(&[("xl/sharedStrings.xml", b"<sst uniqueCount=\"4000000000\"><si><t>a</t></si></sst>")]);
        assert!(check(&strings, &limits).unwrap_err().contains("declares 4000000000 shared strings but holds 1"));
        let big = zip_of(&[("xl/worksheets/sheet1.xml", &vec![b' '; 200_000])]);
        assert!(check(&big, &limits).unwrap_err().contains("max_uncompressed_bytes"));
        let truncated = &ok[..ok.len() - 10];
        assert!(check(truncated, &limits).unwrap_err().contains("damaged or truncated"));
        let ods = zip_of(&[("content.xml", b"<office:document-content><table:table><table:table-row table:number-rows-repeated=\"1000\"><table:table-cell table:number-columns-repeated=\"5\" office:value-type=\"string\"/></table:table-row></table:table></office:document-content>")]);
        assert!(check(&ods, &limits).unwrap_err().contains("expand to more than"));
        let empty_tail = zip_of(&[("content.xml", b"<office:document-content><table:table><table:table-row table:number-rows-repeated=\"1048576\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row></table:table></office:document-content>")]);
        check(&empty_tail, &limits).expect("LibreOffice's repeated empty rows are fine");
    }

    /// A compound file whose Workbook stream holds `records` (type, data).
    fn xls_of(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut stream = Vec::new();
        for (kind, data) in records {
            stream.extend_from_slice(&kind.to_le_bytes());
            stream.extend_from_slice(&(data.len() as u16).to_le_bytes());
            stream.extend_from_slice(data);
        }
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn legacy_workbooks_have_their_dimensions_and_cells_checked() {
        let limits = Limits { max_sheet_cells: 1000, ..Limits::default() };
        let dims = |r1: u32, c1: u16| {
            [0u32.to_le_bytes().to_vec(), r1.to_le_bytes().to_vec(), 0u16.to_le_bytes().to_vec(), c1.to_le_bytes().to_vec(), vec![0, 0]]
                .concat()
        };
        let number = |r: u16, c: u16| [r.to_le_bytes().to_vec(), c.to_le_bytes().to_vec(), vec![0; 10]].concat();
        let bof = (0x0809u16, vec![0; 16]);
        check(&xls_of(&[bof.clone(), (0x0200, dims(10, 5)), (0x0203, number(0, 0)), (0x0203, number(9, 4))]), &limits).unwrap();
        assert!(check(&xls_of(&[bof.clone(), (0x0200, dims(4_000_000_000, 5))]), &limits)
            .unwrap_err()
            .contains("outside Excel 97-2003's grid"));
        assert!(check(&xls_of(&[bof.clone(), (0x0200, dims(60_000, 200))]), &limits).unwrap_err().contains("declares more than"));
        assert!(check(&xls_of(&[bof, (0x0203, number(0, 0)), (0x0203, number(60_000, 200))]), &limits)
            .unwrap_err()
            .contains("span more than"));
        let ole = xls_of(&[]);
        assert!(check(&ole[..ole.len() / 2], &limits).is_err(), "a truncated compound file");
        assert_eq!(is_spreadsheet(&ole), Some(true));
        assert_eq!(is_spreadsheet(&zip_of(&[("word/document.xml", b"<w/>")])), Some(false), "a .docx is not a workbook");
        assert_eq!(is_spreadsheet(&ole[..ole.len() / 2]), None);
    }
}
