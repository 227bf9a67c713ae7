//! Text decoding of exported files: UTF-8 (with or without a byte-order mark), UTF-16 (with a
//! byte-order mark, or without one when its zero bytes show it), and, for a whole XML file that
//! is not UTF-8, Windows-1252. Delimited files are decoded cell by cell ([`prepare`],
//! [`decode_cell`]), so one bad byte is reported at its cell and never changes how the rest of
//! the file is read. The chosen encoding is reported when it is not plain UTF-8.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many bytes are looked at to tell UTF-16 without a byte-order mark.
const SNIFF_BYTES: usize = 4096;

/// UTF-16 without a byte-order mark, told by where its zero bytes fall: text in Latin script
/// has a zero byte in (nearly) every other position.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    match (even * 10 >= pairs * 4, odd * 10 >= pairs * 4) {
        (false, true) if even * 20 < pairs => Some(UTF_16LE),
        (true, false) if odd * 20 < pairs => Some(UTF_16BE),
        _ => None,
    }
}

/// A file's bytes ready to be split into cells: UTF-8 (or bytes that are mostly UTF-8, to be
/// decoded per cell), and a note when they were converted.
pub struct Prepared<'a> {
    pub bytes: Cow<'a, [u8]>,
    pub note: Option<String>,
}

/// Strips a UTF-8 byte-order mark, and converts UTF-16 (with or without a byte-order mark) to
/// UTF-8; any other bytes are left for [`decode_cell`].
pub fn prepare(bytes: &[u8]) -> Prepared<'_> {
    let (enc, rest, how) = match Encoding::for_bom(bytes) {
        Some((enc, _)) if enc == encoding_rs::UTF_8 => return Prepared { bytes: Cow::Borrowed(&bytes[3..]), note: None },
        Some((enc, bom)) => (enc, &bytes[bom..], "with a byte-order mark"),
        None => match sniff_utf16(bytes) {
            Some(enc) => (enc, bytes, "without a byte-order mark (told by its zero bytes)"),
            None => return Prepared { bytes: Cow::Borrowed(bytes), note: None },
        },
    };
    let (text, had_errors) = enc.decode_without_bom_handling(rest);
    let mut note = format!("decoded as {} {how}", enc.name());
    if had_errors {
        note.push_str("; bytes that are not valid UTF-16 were replaced by \u{FFFD}");
    }
    Prepared { bytes: Cow::Owned(text.into_owned().into_bytes()), note: Some(note) }
}

/// One cell's bytes as text: UTF-8 when they are, else read as Windows-1252 (Excel's "CSV" on
/// Windows) and flagged, so the cell can be reported.
pub fn decode_cell(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (WINDOWS_1252.decode_without_bom_handling(bytes).0, true),
    }
}

/// Decodes a whole file's bytes to text (XML). Returns the text and a note when it was not
/// plain UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(String, Option<String>), String> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!("bytes are not valid {} despite its byte-order mark", enc.name()));
        }
        let note = (enc != encoding_rs::UTF_8).then(|| format!("decoded as {}", enc.name()));
        return Ok((text.into_owned(), note));
    }
    if let Some(enc) = sniff_utf16(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(format!("bytes are not valid {} (detected without a byte-order mark)", enc.name()));
        }
        return Ok((text.into_owned(), Some(format!("decoded as {} without a byte-order mark (told by its zero bytes)", enc.name()))));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), None)),
        Err(_) => {
            let (text, _, had_errors) = WINDOWS_1252.decode(bytes);
            if had_errors || text.contains('\u{0}') {
                return Err("not UTF-8, UTF-16 or Windows-1252 text".into());
            }
            Ok((text.into_owned(), Some("not valid UTF-8; decoded as windows-1252".into())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn utf8_bom_utf16_and_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), ("a,b".to_string(), None));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf16le("a,\u{e9}")).collect();
        let (text, note) = decode(&utf16).unwrap();
        assert_eq!(text, "a,\u{e9}");
        assert!(note.unwrap().contains("UTF-16LE"));
        let (text, note) = decode(b"caf\xE9").unwrap();
        assert_eq!(text, "caf\u{e9}");
        assert!(note.unwrap().contains("windows-1252"));
    }

    #[test]
    fn utf16_is_told_without_a_bom_and_cells_decode_one_by_one() {
        let le = utf16le("person_id,dob\r\nP1,2015-01-02\r\n");
        let p = prepare(&le);
        assert_eq!(std::str::from_utf8(&p.bytes).unwrap(), "person_id,dob\r\nP1,2015-01-02\r\n");
        assert!(p.note.unwrap().contains("UTF-16LE without a byte-order mark"));
        let be: Vec<u8> = "id,x\n1,2\n".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(prepare(&be).note.unwrap().contains("UTF-16BE"));
        let plain = prepare(b"\xEF\xBB\xBFid\n1\n");
        assert_eq!((&plain.bytes[..], plain.note), (&b"id\n1\n"[..], None));
        assert_eq!(prepare(b"id,x\n1,caf\xE9\n").bytes.len(), 12, "one bad byte leaves the file as it is");
        assert_eq!(decode_cell(b"caf\xE9"), (Cow::Borrowed("caf\u{e9}"), true));
        assert_eq!(decode_cell("café".as_bytes()), (Cow::Borrowed("café"), false));
        assert!(sniff_utf16(b"a\0").is_none(), "too short to tell");
        assert!(sniff_utf16(b"id,x\n1,\0\0\n").is_none(), "a few NUL bytes are not UTF-16");
    }
}
