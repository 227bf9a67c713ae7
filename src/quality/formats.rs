//! Published formats of the identifiers and postcodes a child's record carries, checked the same
//! way in every reader and rule:
//!
//! - a **UK postcode**: outward code `A9`, `A99`, `AA9`, `A9A`, `AA99` or `AA9A`, inward code digit
//!   and two letters, with or without the space (ONS Postcode Directory user guide, "postcode
//!   format"; SSDA903 rule 392c);
//! - a **UPN** (unique pupil number): 13 characters, a check letter then 12 digits, the last of
//!   which may be a letter in a temporary UPN; the check letter is the weighted sum of characters
//!   2-13 (weights 2 to 13) modulo 23, as a letter of `ABCDEFGHJKLMNPQRTUVWXYZ`, and a letter in
//!   position 13 counts as its place in that alphabet (DfE, "Unique pupil numbers (UPN): guidance
//!   for schools and local authorities", annex on the check letter; CIN census rules 1510-1560Q).
//!   The unknown codes `UN1`-`UN10` are accepted where a UPN is asked for;
//! - an **NHS number**: 10 digits whose last is the modulus 11 check digit of the first nine
//!   (weights 10 to 2; 11 - remainder, 11 read as 0 and 10 never valid) (NHS Data Dictionary,
//!   "NHS number").

/// The formats a schema column may declare (`format` in `schemas/ssd.toml`).
pub const FORMATS: [&str; 3] = ["upn", "postcode", "nhs_number"];

/// The letters a UPN check letter (and a temporary UPN's last character) is drawn from.
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Whether `raw` has the shape of a UK postcode (see the module docs).
pub fn is_postcode(raw: &str) -> bool {
    let s: Vec<u8> = raw.bytes().filter(|b| *b != b' ').map(|b| b.to_ascii_uppercase()).collect();
    if !(5..=7).contains(&s.len()) {
        return false;
    }
    let (outward, inward) = s.split_at(s.len() - 3);
    let inward_ok = inward[0].is_ascii_digit() && inward[1].is_ascii_alphabetic() && inward[2].is_ascii_alphabetic();
    let shape: String = outward
        .iter()
        .map(|b| {
            if b.is_ascii_digit() {
                '9'
            } else if b.is_ascii_alphabetic() {
                'A'
            } else {
                '?'
            }
        })
        .collect();
    inward_ok && matches!(shape.as_str(), "A9" | "A99" | "AA9" | "A9A" | "AA99" | "AA9A")
}

/// The check letter of a UPN's characters 2-13 (upper case), or `None` when they are not 11
/// digits followed by a digit or a check-alphabet letter.
pub fn upn_check_letter(rest: &[u8]) -> Option<u8> {
    if rest.len() != 12 || !rest[..11].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = |b: u8| -> Option<u32> {
        if b.is_ascii_digit() {
            Some(u32::from(b - b'0'))
        } else {
            UPN_LETTERS.iter().position(|l| *l == b).map(|p| p as u32)
        }
    };
    let mut sum = 0;
    for (i, b) in rest.iter().enumerate() {
        sum += value(*b)? * (i as u32 + 2);
    }
    Some(UPN_LETTERS[(sum % 23) as usize])
}

/// Whether `raw` is a UPN with the right check letter, or an unknown-UPN code `UN1`-`UN10`.
pub fn is_upn(raw: &str) -> bool {
    let s = raw.trim().to_ascii_uppercase();
    if let Some(n) = s.strip_prefix("UN") {
        return n.parse::<u8>().is_ok_and(|n| (1..=10).contains(&n));
    }
    let b = s.as_bytes();
    b.len() == 13 && upn_check_letter(&b[1..]) == Some(b[0])
}

/// A valid UPN for 12 characters (11 digits and a digit or letter): its check letter, then them.
pub fn upn_from(rest: &str) -> Option<String> {
    upn_check_letter(rest.as_bytes()).map(|c| format!("{}{rest}", c as char))
}

/// Whether `raw` (spaces allowed, as NHS numbers are written 3-3-4) is a 10-digit NHS number with
/// the right check digit.
pub fn is_nhs_number(raw: &str) -> bool {
    let digits: Vec<u32> = raw.chars().filter(|c| *c != ' ').map(|c| c.to_digit(10)).collect::<Option<_>>().unwrap_or_default();
    if digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        check => digits[9] == check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        for ok in ["SO14 7LY", "C25 1YT", "C251YT", "W1A 1AA", "ec1a1bb", "B33 8TH", "M1 1AE", "CR2 6XH", "DN55 1PT"] {
            assert!(is_postcode(ok), "{ok}");
        }
        for bad in ["2TR", "P13 2TR X", "SO14", "ABC 1", "nope", "SO14 7L1", "1O14 7LY", ""] {
            assert!(!is_postcode(bad), "{bad}");
        }
    }

    #[test]
    fn upn_check_letters_worked_by_hand() {
        // 801200001001: 8*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 0*8 + 0*9 + 1*10 + 0*11 + 0*12 + 1*13
        // = 16 + 4 + 10 + 10 + 13 = 53; 53 mod 23 = 7 -> the 8th letter, H.
        assert_eq!(upn_check_letter(b"801200001001"), Some(b'H'));
        assert!(is_upn("H801200001001") && is_upn("h801200001001"));
        assert!(!is_upn("A801200001001"), "wrong check letter");
        // Temporary UPN, letter last: 80120000100A: 53 - 1*13 + A(0)*13 = 40; 40 mod 23 = 17 -> U
        // (A B C D E F G H J K L M N P Q R T U: U is at 17 counting from 0).
        assert_eq!(upn_check_letter(b"80120000100A"), Some(b'U'));
        assert!(is_upn("U80120000100A"));
        // A letter outside the check alphabet (I, O, S) is never valid.
        assert_eq!(upn_check_letter(b"80120000100I"), None);
        assert!(is_upn("UN1") && is_upn("un10") && !is_upn("UN11") && !is_upn("UN0"));
        assert!(!is_upn("3412") && !is_upn("1234567890123") && !is_upn("H80120000100"));
        assert_eq!(upn_from("801200001001").as_deref(), Some("H801200001001"));
    }

    #[test]
    fn nhs_numbers_worked_by_hand() {
        // 943 476 591: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299;
        // 299 mod 11 = 2; 11 - 2 = 9: 943 476 5919.
        assert!(is_nhs_number("943 476 5919") && is_nhs_number("9434765919"));
        assert!(!is_nhs_number("9434765918"), "wrong check digit");
        // 401 023 213: 4*10 + 0 + 1*8 + 0 + 2*6 + 3*5 + 2*4 + 1*3 + 3*2 = 92; 92 mod 11 = 4; 11 - 4 = 7.
        assert!(is_nhs_number("4010232137"));
        // Remainder 0 -> check 11 -> 0: 000 000 000 sums to 0 -> 0000000000.
        assert!(is_nhs_number("0000000000"));
        // Remainder 1 -> check 10 -> never valid: 000 000 006 sums to 6*2 = 12; 12 mod 11 = 1;
        // 11 - 1 = 10: invalid whatever the last digit.
        assert!((0..10).all(|d| !is_nhs_number(&format!("000000006{d}"))));
        assert!(!is_nhs_number("943476591") && !is_nhs_number("94347659190") && !is_nhs_number("943476591X"));
    }
}
