//! Ofsted's lettered values (`a) Male`, `p1) 5D: LA services`, `E1: Placement order`) read back
//! into the codes the core tables hold.
//!
//! The lettered values are the ones the pipeline publishes (`reference/annex_a/lettered_values.csv`),
//! so a workbook written by `csc annex-a` reads back exactly. Spellings LAs type instead are
//! accepted in this order: Ofsted's value; an alias (`reference/formats/annex_a/value_aliases.csv`);
//! the value with its letter removed matching Ofsted's label (`Female`, `Physical abuse`, `No`); the
//! code at the start of the value (`f) U6: Foster placement - not FFA` → `U6`, `N1 - Abuse or
//! Neglect` → `N1`, `s) NOBT` → `NOBT`). Anything else is not guessed: it goes to the core table
//! as received and the core's unknown-code rule applies.

use std::collections::HashMap;
use std::sync::OnceLock;

const LETTERED: &str = include_str!("../../../reference/annex_a/lettered_values.csv");
const ALIASES: &str = include_str!("../../../reference/formats/annex_a/value_aliases.csv");

/// How a received value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// Exactly Ofsted's lettered value for the code.
    Exact(&'a str),
    /// Another spelling, read as this code; `official` is Ofsted's value for it.
    Recoded { code: &'a str, official: &'a str },
    /// Not a value of the domain.
    Unknown,
}

#[derive(Default)]
struct Domain {
    /// Ofsted's value, lower-cased → code.
    exact: HashMap<String, String>,
    /// Aliases and letter-less labels, lower-cased → code.
    spellings: HashMap<String, String>,
    /// Code, upper-cased → (code, Ofsted's value).
    codes: HashMap<String, (String, String)>,
}

/// The lettered-value domains, loaded once.
pub struct Letters {
    domains: HashMap<String, Domain>,
}

impl Letters {
    /// The built-in domains. Panics if the compiled-in CSVs are malformed (a build defect, caught
    /// by the unit tests).
    pub fn builtin() -> &'static Letters {
        static LETTERS: OnceLock<Letters> = OnceLock::new();
        LETTERS.get_or_init(|| Letters::parse(LETTERED, ALIASES).expect("reference/annex_a CSVs are well formed"))
    }

    fn parse(lettered: &str, aliases: &str) -> Result<Letters, String> {
        let mut domains: HashMap<String, Domain> = HashMap::new();
        for row in csv::Reader::from_reader(lettered.as_bytes()).records() {
            let row = row.map_err(|e| e.to_string())?;
            let (domain, code, value) = (&row[0], &row[1], &row[2]);
            let d = domains.entry(domain.to_string()).or_default();
            d.exact.entry(value.to_lowercase()).or_insert_with(|| code.to_string());
            // Several codes can share a value (suitability 1 / Y / SUITABLE): the first is kept.
            d.spellings.entry(strip_letter(value).to_lowercase()).or_insert_with(|| code.to_string());
            d.codes.entry(code.to_ascii_uppercase()).or_insert_with(|| (code.to_string(), value.to_string()));
        }
        for row in csv::Reader::from_reader(aliases.as_bytes()).records() {
            let row = row.map_err(|e| e.to_string())?;
            let d = domains.get_mut(&row[0]).ok_or_else(|| format!("alias for unknown domain {}", &row[0]))?;
            if !d.codes.contains_key(&row[2].to_ascii_uppercase()) {
                return Err(format!("alias {} maps to {}, not a code of {}", &row[1], &row[2], &row[0]));
            }
            d.spellings.insert(row[1].to_lowercase(), row[2].to_string());
        }
        Ok(Letters { domains })
    }

    /// Whether `domain` is defined.
    pub fn has_domain(&self, domain: &str) -> bool {
        self.domains.contains_key(domain)
    }

    /// Reads `raw` (already trimmed, not empty) as a value of `domain`.
    pub fn decode<'a>(&'a self, domain: &str, raw: &str) -> Decoded<'a> {
        let Some(d) = self.domains.get(domain) else { return Decoded::Unknown };
        let text = clean_spaces(raw);
        let lower = text.to_lowercase();
        if let Some(code) = d.exact.get(&lower) {
            return Decoded::Exact(code);
        }
        let recoded = |code: &str| match d.codes.get(&code.to_ascii_uppercase()) {
            Some((code, official)) => Decoded::Recoded { code, official },
            None => Decoded::Unknown,
        };
        if let Some(code) = d.spellings.get(&lower) {
            return recoded(code);
        }
        let rest = strip_letter(&text);
        if let Some(code) = d.spellings.get(&rest.to_lowercase()) {
            return recoded(code);
        }
        let token = rest.split([':', ' ', '-']).next().unwrap_or("").trim();
        if !token.is_empty() {
            if let Some((code, official)) = d.codes.get(&token.to_ascii_uppercase()) {
                return Decoded::Recoded { code, official };
            }
        }
        Decoded::Unknown
    }
}

/// Removes Ofsted's letter prefix (`a) `, `zz) `, `p1) `) when there is one.
fn strip_letter(value: &str) -> &str {
    let bytes = value.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_uppercase()).count();
    let digits = bytes[letters..].iter().take_while(|b| b.is_ascii_digit()).count();
    let end = letters + digits;
    if (1..=2).contains(&letters) && digits <= 1 && bytes.get(end) == Some(&b')') {
        value[end + 1..].trim_start()
    } else {
        value
    }
}

/// Non-breaking and repeated spaces (common in pasted worker names and labels) as one space.
pub fn clean_spaces(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for ch in raw.trim().chars() {
        if ch.is_whitespace() || ch == '\u{a0}' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<'a>(d: Decoded<'a>) -> Option<&'a str> {
        match d {
            Decoded::Exact(c) | Decoded::Recoded { code: c, .. } => Some(c),
            Decoded::Unknown => None,
        }
    }

    #[test]
    fn ofsted_values_read_exactly() {
        let l = Letters::builtin();
        assert_eq!(l.decode("gender", "a) Male"), Decoded::Exact("M"));
        assert_eq!(l.decode("source", "p1) 5D: LA services"), Decoded::Exact("5D"));
        assert_eq!(l.decode("legal_status", "E1: Placement order"), Decoded::Exact("E1"));
        assert_eq!(l.decode("primary_need", "N4 - Family in acute stress"), Decoded::Exact("N4"));
    }

    #[test]
    fn other_spellings_are_recoded_with_ofsteds_value() {
        let l = Letters::builtin();
        assert_eq!(l.decode("gender", "Female"), Decoded::Recoded { code: "F", official: "b) Female" });
        assert_eq!(code(l.decode("yes_no", "No")), Some("N"));
        assert_eq!(code(l.decode("yes_no", "y")), Some("Y"));
        assert_eq!(code(l.decode("category_of_abuse", "Physical abuse")), Some("PHY"));
        assert_eq!(code(l.decode("primary_need", "N1 - Abuse or Neglect")), Some("N1"));
        assert_eq!(code(l.decode("placement_type", "f) U6: Foster placement - not FFA")), Some("U6"));
        assert_eq!(code(l.decode("placement_provider", "e) PR4 - Private provision")), Some("PR4"));
        assert_eq!(code(l.decode("reason_ceased", "k) E47: Special Guardianship Orders - relative/friend")), Some("E47"));
        // The older template letters NOBT as s): the code decides, and the letter is reported.
        assert_eq!(l.decode("ethnicity", "s) NOBT"), Decoded::Recoded { code: "NOBT", official: "t) NOBT" });
        assert_eq!(code(l.decode("in_touch", "a)\u{a0}Yes")), Some("YES"));
    }

    #[test]
    fn values_outside_the_domain_are_not_guessed() {
        let l = Letters::builtin();
        assert_eq!(l.decode("primary_need", "PSRMEM - Support with memory and cognition"), Decoded::Unknown);
        assert_eq!(l.decode("yes_no", "CS Assessment Updated"), Decoded::Unknown);
        assert_eq!(l.decode("gender", "z) Other"), Decoded::Unknown);
        assert_eq!(l.decode("no_such_domain", "a) Yes"), Decoded::Unknown);
    }

    #[test]
    fn letters_and_spaces() {
        assert_eq!(strip_letter("zz) T4"), "T4");
        assert_eq!(strip_letter("p1) 5D: LA services"), "5D: LA services");
        assert_eq!(strip_letter("E1: Placement order"), "E1: Placement order");
        assert_eq!(strip_letter("Yes"), "Yes");
        assert_eq!(clean_spaces(" Dustin\u{a0}Hazlett  "), "Dustin Hazlett");
    }
}
