//! The collection year of an SSDA903 return, named by the calendar year its 31 March falls in
//! (`2022` for 2021/22), read from a `YEAR` cell or from the file's path.
//!
//! Accepted spellings (as LAs name their files): `2022`, `2021-22`, `2021_22`, `2021-2022`,
//! `202122`, `21-22`, `21_22`, `2122`, `1920`, and a day `14032021` (the collection year it falls in).
//! Pairs must be consecutive years; anything else is not a year.

use chrono::{Datelike, NaiveDate};

/// Earliest and latest collection years accepted (SSDA903 began in its current form in 2004).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// The collection year a cell or file-name fragment names, if it names one.
pub fn parse(text: &str) -> Option<i32> {
    let t = text.trim();
    let parts: Vec<&str> = t.split(['-', '_', '/', ' ']).filter(|p| !p.is_empty()).collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    match parts.as_slice() {
        [one] => single(one),
        [a, b] => pair(a, b),
        _ => None,
    }
}

/// A run of digits on its own.
fn single(s: &str) -> Option<i32> {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i32>().ok();
    match s.len() {
        4 => {
            // `1920`, `2122`: two consecutive two-digit years; otherwise a year (`2022`).
            let (a, b) = (n(0..2)?, n(2..4)?);
            if b == a + 1 {
                in_range(2000 + b)
            } else {
                in_range(n(0..4)?)
            }
        }
        6 => {
            let (a, b) = (n(0..4)?, n(4..6)?);
            (b == (a + 1) % 100).then(|| in_range(a + 1)).flatten()
        }
        8 => {
            let day = NaiveDate::parse_from_str(s, "%d%m%Y").ok()?;
            in_range(if day.month() >= 4 { day.year() + 1 } else { day.year() })
        }
        _ => None,
    }
}

/// Two runs of digits: a start year and an end year.
fn pair(a: &str, b: &str) -> Option<i32> {
    let start: i32 = match a.len() {
        4 => a.parse().ok()?,
        2 => 2000 + a.parse::<i32>().ok()?,
        _ => return None,
    };
    let end: i32 = match b.len() {
        4 => b.parse().ok()?,
        2 => start / 100 * 100 + b.parse::<i32>().ok()?,
        _ => return None,
    };
    (end == start + 1).then(|| in_range(end)).flatten()
}

fn in_range(y: i32) -> Option<i32> {
    YEARS.contains(&y).then_some(y)
}

/// The collection year a file's path names: the file name first, then its folders from the
/// nearest. Within one name, digit groups are tried from the last.
pub fn from_path(path: &str) -> Option<i32> {
    for component in path.rsplit('/') {
        let stem = component.rsplit_once('.').map_or(component, |(s, _)| s);
        // Candidate fragments: runs of digits, joined across one separator (`2021-22`, `21_22`).
        let bytes = stem.as_bytes();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let s = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                runs.push((s, i));
            } else {
                i += 1;
            }
        }
        for k in (0..runs.len()).rev() {
            if k > 0 {
                let (prev, cur) = (runs[k - 1], runs[k]);
                if cur.0 == prev.1 + 1 && matches!(bytes[prev.1], b'-' | b'_' | b' ') {
                    if let Some(y) = pair(&stem[prev.0..prev.1], &stem[cur.0..cur.1]) {
                        return Some(y);
                    }
                }
            }
            if let Some(y) = single(&stem[runs[k].0..runs[k].1]) {
                return Some(y);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_cells_and_file_names() {
        for (text, year) in [
            ("2022", 2022),
            ("2021-22", 2022),
            ("2021_22", 2022),
            ("2021/22", 2022),
            ("21/22", 2022),
            ("2021-2022", 2022),
            ("202122", 2022),
            ("2122", 2022),
            ("1920", 2020),
            ("14032021", 2021),
            ("01042021", 2022),
            (" 2017 ", 2017),
        ] {
            assert_eq!(parse(text), Some(year), "{text}");
        }
        for text in ["", "22", "2021-23", "abc", "3000", "852", "2019-2021"] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn years_from_paths_prefer_the_file_name() {
        assert_eq!(from_path("ssda903/2024/episodes.csv"), Some(2024));
        assert_eq!(from_path("SSDA903_2020_episodes.csv"), Some(2020));
        assert_eq!(from_path("returns/2019/903_2021-22_header.csv"), Some(2022));
        assert_eq!(from_path("la852/episodes_202122.csv"), Some(2022));
        assert_eq!(from_path("903 21_22/header.csv"), Some(2022));
        assert_eq!(from_path("la852/episodes.csv"), None);
    }
}
