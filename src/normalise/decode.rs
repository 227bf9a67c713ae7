//! Text decoding of exported files: UTF-8 (with or without a byte-order mark), UTF-16 with a
//! byte-order mark, and Windows-1252 for files that are not valid UTF-8 (Excel's "CSV" on
//! Windows). The chosen encoding is reported when it is not plain UTF-8.

use std::borrow::Cow;

/// Decodes file bytes to text. Returns the text and a note when it was not plain UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(String, Option<String>), String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!("bytes are not valid {} despite its byte-order mark", enc.name()));
        }
        let note = (enc != encoding_rs::UTF_8).then(|| format!("decoded as {}", enc.name()));
        return Ok((text.into_owned(), note));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), None)),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::WINDOWS_1252.decode(bytes);
            if had_errors || text.contains('\u{0}') {
                return Err("not UTF-8, UTF-16 or Windows-1252 text".into());
            }
            Ok((match text {
                Cow::Borrowed(s) => s.to_string(),
                Cow::Owned(s) => s,
            }, Some("not valid UTF-8; decoded as windows-1252".into())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_utf16_and_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), ("a,b".to_string(), None));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("a,\u{e9}".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        let (text, note) = decode(&utf16).unwrap();
        assert_eq!(text, "a,\u{e9}");
        assert!(note.unwrap().contains("UTF-16LE"));
        let (text, note) = decode(b"caf\xE9").unwrap();
        assert_eq!(text, "caf\u{e9}");
        assert!(note.unwrap().contains("windows-1252"));
    }
}
