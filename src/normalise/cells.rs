//! Typing one cell of an export: the rules every input format shares.
//!
//! A cell either types cleanly, or types with a problem that becomes a quality issue. Values are
//! never guessed: a date whose day/month order cannot be known is rejected, not interpreted.

use chrono::NaiveDate;

use crate::quality::{Action, Severity};
use crate::reference::CodeLists;
use crate::schema::{ColumnSpec, ColumnType};

/// A typed cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Null,
    Text(String),
    /// Days since 1970-01-01 (Arrow Date32).
    Date(i32),
    Number(f64),
}

/// Why a cell could not be used exactly as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub action: Action,
}

impl Problem {
    fn new(severity: Severity, code: &'static str, message: impl Into<String>, action: Action) -> Self {
        Problem { severity, code, message: message.into(), action }
    }
}

/// Spellings spreadsheets and database exports use for "no value".
const NULL_TOKENS: &[&str] = &["", "null", "#n/a", "n/a", "nan", "none", "-", "#value!", "#ref!"];

/// Dates used by case-management systems to mean "unknown".
const PLACEHOLDER_DATES: &[(i32, u32, u32)] = &[(1900, 1, 1), (1899, 12, 30), (1753, 1, 1), (9999, 12, 31)];

/// Whether a raw cell is one of the recognised "no value" spellings.
pub fn is_null_token(raw: &str) -> bool {
    let t = raw.trim();
    NULL_TOKENS.iter().any(|n| t.eq_ignore_ascii_case(n))
}

/// Types one cell according to its column spec. The returned value is what goes in the core
/// table; the problem, if any, is recorded as a quality issue.
pub fn type_cell(spec: &ColumnSpec, raw: &str, codes: &CodeLists) -> (Typed, Option<Problem>) {
    if raw.contains('\0') {
        if spec.kind == ColumnType::Id {
            return (
                Typed::Null,
                Some(Problem::new(
                    Severity::Error,
                    "nul_in_id",
                    "the identifier holds a NUL byte, so it cannot be trusted to match its records",
                    Action::SetNull,
                )),
            );
        }
        let cleaned = raw.replace('\0', "");
        let (value, problem) = type_cell(spec, &cleaned, codes);
        let nul = || Problem::new(Severity::Warning, "nul_byte", "the cell holds NUL bytes, which were removed", Action::Kept);
        return (value, problem.or_else(|| Some(nul())));
    }
    if is_null_token(raw) {
        return (Typed::Null, None);
    }
    let (value, problem) = type_value(spec, raw, codes);
    match (&value, problem, spec.format.as_deref()) {
        (Typed::Text(text), None, Some(format)) => {
            let problem = format_problem(format, text);
            (value, problem)
        }
        (_, problem, _) => (value, problem),
    }
}

/// The problem with a value that fails its column's published format (`format` in the schema:
/// `upn`, `postcode` or `nhs_number`, checked by [`crate::quality::formats`]); it is kept.
fn format_problem(format: &str, value: &str) -> Option<Problem> {
    use crate::quality::formats;
    let why = match format {
        "upn" if !formats::is_upn(value) => Problem::new(
            Severity::Warning,
            "invalid_upn",
            "not a UPN (a check letter and 12 characters) or a UN1-UN10 unknown code",
            Action::Kept,
        ),
        "postcode" if !formats::is_postcode(value) => {
            Problem::new(Severity::Warning, "invalid_postcode", "not a UK postcode (e.g. SO14 7LY)", Action::Kept)
        }
        "nhs_number" if !formats::is_nhs_number(value) => {
            Problem::new(Severity::Warning, "invalid_nhs_number", "not a 10-digit NHS number with its check digit", Action::Kept)
        }
        _ => return None,
    };
    Some(why)
}

/// Types a cell that is neither NUL-damaged nor blank by its column's type.
fn type_value(spec: &ColumnSpec, raw: &str, codes: &CodeLists) -> (Typed, Option<Problem>) {
    let trimmed = raw.trim();
    match spec.kind {
        ColumnType::Text => (Typed::Text(trimmed.to_string()), None),
        ColumnType::Id => type_id(raw),
        ColumnType::Code => type_code(spec, trimmed, codes),
        ColumnType::Flag => type_flag(trimmed),
        ColumnType::Number => type_number(trimmed),
        ColumnType::Date => match parse_date(trimmed) {
            Ok(d) if is_placeholder(d) => (
                Typed::Null,
                Some(Problem::new(
                    Severity::Warning,
                    "placeholder_date",
                    format!("{d} is a placeholder for an unknown date"),
                    Action::SetNull,
                )),
            ),
            Ok(d) => (Typed::Date(date32(d)), None),
            Err(why) => (Typed::Null, Some(Problem::new(Severity::Error, "invalid_date", why, Action::SetNull))),
        },
    }
}

/// Identifiers: surrounding spaces removed, upper-cased, a spreadsheet's trailing `.0` removed
/// from numeric ids (`1234.0` → `1234`).
fn type_id(raw: &str) -> (Typed, Option<Problem>) {
    let trimmed = raw.trim();
    if is_scientific(trimmed) {
        let message = "the identifier is in Excel's scientific notation (the file was saved from Excel), so its digits are lost";
        return (Typed::Null, Some(Problem::new(Severity::Error, "id_scientific_notation", message, Action::SetNull)));
    }
    let mut id = trimmed.to_ascii_uppercase();
    if let Some(stem) = id.strip_suffix(".0") {
        if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) {
            id = stem.to_string();
        }
    }
    let problem =
        (trimmed != raw).then(|| Problem::new(Severity::Info, "id_trimmed", "spaces around the identifier were removed", Action::Kept));
    (Typed::Text(id), problem)
}

/// A number as Excel shows a long one in scientific notation: `1.23457E+11`, `1E+15` (one digit
/// before the point and a signed exponent, so ids such as `12E45` are not mistaken for one).
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else { return false };
    let Some(exponent) = exponent.strip_prefix('+') else { return false };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    whole.len() == 1 && digits(whole) && digits(fraction) && digits(exponent)
}

fn type_code(spec: &ColumnSpec, value: &str, codes: &CodeLists) -> (Typed, Option<Problem>) {
    let Some(list) = spec.codes.as_deref() else {
        return (Typed::Text(value.to_string()), None);
    };
    match lookup_code(list, value, codes) {
        Ok(code) => (Typed::Text(code.to_string()), None),
        Err(problem) => (Typed::Text(value.to_string()), Some(problem)),
    }
}

/// `value` as code list `list` spells it, or the problem of a value not in the list (kept as
/// received).
pub fn lookup_code<'c>(list: &str, value: &str, codes: &'c CodeLists) -> Result<&'c str, Problem> {
    codes
        .lookup(list, value)
        .ok_or_else(|| Problem::new(Severity::Warning, "unknown_code", format!("not a code in the {list} list"), Action::Kept))
}

fn type_flag(value: &str) -> (Typed, Option<Problem>) {
    match value.to_ascii_uppercase().as_str() {
        "Y" | "YES" | "TRUE" | "T" | "1" => (Typed::Text("Y".into()), None),
        "N" | "NO" | "FALSE" | "F" | "0" => (Typed::Text("N".into()), None),
        _ => (Typed::Null, Some(Problem::new(Severity::Error, "invalid_flag", "expected Y or N", Action::SetNull))),
    }
}

fn type_number(value: &str) -> (Typed, Option<Problem>) {
    match value.replace(',', "").parse::<f64>() {
        Ok(n) if n.is_finite() => (Typed::Number(n), None),
        _ => (Typed::Null, Some(Problem::new(Severity::Error, "invalid_number", "not a number", Action::SetNull))),
    }
}

/// Whether a date is one systems write for "unknown" (1900-01-01, Excel's day 0, …).
pub fn is_placeholder(d: NaiveDate) -> bool {
    PLACEHOLDER_DATES.iter().any(|&(y, m, day)| NaiveDate::from_ymd_opt(y, m, day) == Some(d))
}

/// Days since the Unix epoch, as Arrow's Date32 counts them.
pub fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch")).num_days() as i32
}

/// The date of an Arrow Date32 value.
pub fn from_date32(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch") + chrono::Duration::days(days as i64)
}

/// Parses a date written as ISO (`2022-04-05`, optionally with a time) or UK day-first
/// (`05/04/2022`, optionally with a time). Two-digit years and other shapes are rejected with
/// the reason, because guessing the century or the day/month order would be silent corruption.
/// The reason never quotes the text (it may be a date of birth).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let date_part = text.split([' ', 'T']).next().unwrap_or("");
    let time_part = &text[date_part.len()..];
    if !time_part.is_empty() && !is_time(time_part.trim_start_matches([' ', 'T'])) {
        // Never the text itself: the reason goes into issue messages analysts may read.
        return Err("has text after the date that is not a time".into());
    }
    let (y, m, d) = if let Some((y, rest)) = split3(date_part, '-') {
        if y.len() != 4 {
            return Err("dates with '-' must be year-month-day (YYYY-MM-DD)".into());
        }
        (y, rest.0, rest.1)
    } else if let Some((d, rest)) = split3(date_part, '/') {
        if rest.1.len() != 4 {
            return Err("dates with '/' must be day/month/year with a four-digit year".into());
        }
        (rest.1, rest.0, d)
    } else {
        return Err("not a date in YYYY-MM-DD or DD/MM/YYYY form".into());
    };
    let num = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    match (num(y, 4), num(m, 2), num(d, 2)) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| "that day does not exist in that month".to_string())
        }
        _ => Err("not a date in YYYY-MM-DD or DD/MM/YYYY form".into()),
    }
}

fn split3(s: &str, sep: char) -> Option<(&str, (&str, &str))> {
    let mut it = s.split(sep);
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some((a, (b, c)))
}

fn is_time(t: &str) -> bool {
    let t = t.trim_end_matches('Z');
    let main = t.split('.').next().unwrap_or("");
    let parts: Vec<&str> = main.split(':').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_in_scientific_notation_and_with_nul_bytes_are_refused() {
        use crate::schema::ssd_tables;
        let codes = CodeLists::builtin();
        let person = ssd_tables().iter().find(|t| t.name == "person").unwrap();
        let id = &person.columns[person.column_index("pers_person_id").unwrap()];
        for raw in ["1.23457E+11", "1E+15", "9.9e+5"] {
            let (v, p) = type_cell(id, raw, codes);
            assert_eq!((v, p.unwrap().code), (Typed::Null, "id_scientific_notation"), "{raw}");
        }
        for fine in ["12E45", "1.2E-3X", "E+11", "P12E+4"] {
            assert!(type_cell(id, fine, codes).1.is_none(), "{fine}");
        }
        let (v, p) = type_cell(id, "12\u{0}3", codes);
        assert_eq!((v, p.unwrap().code), (Typed::Null, "nul_in_id"));
        let text = &person.columns[person.column_index("pers_forename").unwrap()];
        let (v, p) = type_cell(text, "Am\0y", codes);
        assert_eq!((v, p.unwrap().code), (Typed::Text("Amy".into()), "nul_byte"));
    }

    use super::*;

    fn col(kind: ColumnType, codes: Option<&str>) -> ColumnSpec {
        ColumnSpec {
            name: "c".into(),
            kind,
            codes: codes.map(str::to_string),
            required: false,
            pii: None,
            item_ref: None,
            format: None,
            year_codes: None,
            year_of: None,
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_in_iso_and_uk_forms_with_or_without_time() {
        assert_eq!(parse_date("2022-04-05"), Ok(ymd(2022, 4, 5)));
        assert_eq!(parse_date("2022-04-05 00:00:00.000"), Ok(ymd(2022, 4, 5)));
        assert_eq!(parse_date("2022-04-05T13:45:00Z"), Ok(ymd(2022, 4, 5)));
        assert_eq!(parse_date("05/04/2022"), Ok(ymd(2022, 4, 5)));
        assert_eq!(parse_date("5/4/2022 09:30"), Ok(ymd(2022, 4, 5)));
    }

    #[test]
    fn impossible_ambiguous_and_garbled_dates_are_rejected() {
        assert!(parse_date("31/02/2022").unwrap_err().contains("does not exist"));
        for bad in ["31/02/2015", "17/06/2015 Alice", "2015-02-30"] {
            let why = parse_date(bad).unwrap_err();
            assert!(
                !why.contains("2015") && !why.contains("Alice") && !why.contains("31") && !why.contains("17"),
                "the reason quotes the cell: {why}"
            );
        }
        assert!(parse_date("05/04/22").is_err(), "two-digit years are never guessed");
        assert!(parse_date("22-04-05").is_err());
        assert!(parse_date("2022-04-05 soon").is_err());
        assert!(parse_date("April 5th").is_err());
    }

    #[test]
    fn placeholder_dates_become_null_with_a_warning() {
        let (v, p) = type_cell(&col(ColumnType::Date, None), "1900-01-01", CodeLists::builtin());
        assert_eq!(v, Typed::Null);
        assert_eq!(p.unwrap().code, "placeholder_date");
    }

    #[test]
    fn ids_are_trimmed_upper_cased_and_lose_a_trailing_point_zero() {
        let c = col(ColumnType::Id, None);
        assert_eq!(type_cell(&c, "1234.0", CodeLists::builtin()), (Typed::Text("1234".into()), None));
        let (v, p) = type_cell(&c, " p017 ", CodeLists::builtin());
        assert_eq!(v, Typed::Text("P017".into()));
        assert_eq!(p.unwrap().code, "id_trimmed");
        assert_eq!(type_cell(&c, "A1.0", CodeLists::builtin()).0, Typed::Text("A1.0".into()));
    }

    #[test]
    fn codes_flags_numbers_and_null_tokens() {
        let codes = CodeLists::builtin();
        let need = col(ColumnType::Code, Some("primary_need"));
        assert_eq!(type_cell(&need, "n4", codes), (Typed::Text("N4".into()), None));
        let (v, p) = type_cell(&need, "N12", codes);
        assert_eq!(v, Typed::Text("N12".into()), "unknown codes are kept as received");
        assert_eq!(p.unwrap().code, "unknown_code");
        assert_eq!(type_cell(&col(ColumnType::Flag, None), "yes", codes).0, Typed::Text("Y".into()));
        assert_eq!(type_cell(&col(ColumnType::Flag, None), "maybe", codes).1.unwrap().code, "invalid_flag");
        assert_eq!(type_cell(&col(ColumnType::Number, None), "1,234.5", codes).0, Typed::Number(1234.5));
        assert_eq!(type_cell(&col(ColumnType::Date, None), "#N/A", codes), (Typed::Null, None));
        assert_eq!(type_cell(&col(ColumnType::Text, None), "NULL", codes), (Typed::Null, None));
    }
}
