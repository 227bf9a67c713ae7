//! Working days in England and Wales: weekdays that are not bank holidays
//! (`reference/calendar/england_wales_bank_holidays.csv`, 2010–2030).
//!
//! Two counting conventions exist (docs/definitions.md §3.2). DfE's published duration tables
//! count *elapsed* working days — the working days after the start day up to and including the
//! end day, so "started and finished the same day" is 0. The DfE CIN validator counts
//! *inclusively* — the start day is day 1. Elapsed is the default everywhere; inclusive is
//! offered for LAs whose dashboards follow the validator.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::normalise::cells::{date32, from_date32};

const BANK_HOLIDAYS_CSV: &str = include_str!("../reference/calendar/england_wales_bank_holidays.csv");

/// First and last years the bank-holiday table covers.
pub const COVERED_YEARS: (i32, i32) = (2010, 2030);

/// How a working-day duration is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Working days after the start day, up to and including the end day (DfE published tables).
    Elapsed,
    /// Working days from the start day to the end day, both included (DfE CIN validator).
    Inclusive,
}

/// The bank-holiday calendar.
#[derive(Debug)]
pub struct Calendar {
    /// Bank holidays as Date32 day numbers, sorted.
    holidays: Vec<i32>,
}

impl Calendar {
    /// The England and Wales calendar compiled into the binary.
    pub fn england_and_wales() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            let mut holidays: Vec<i32> = BANK_HOLIDAYS_CSV
                .lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(date32)
                .collect();
            holidays.sort_unstable();
            Calendar { holidays }
        })
    }

    /// Whether a day (Date32) is a working day.
    pub fn is_working_day(&self, day: i32) -> bool {
        let d = from_date32(day);
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && self.holidays.binary_search(&day).is_err()
    }

    /// Working days in the half-open range (`from`, `to`], as Date32 day numbers; negative when
    /// `to` is before `from`.
    fn working_days_after(&self, from: i32, to: i32) -> i64 {
        if to < from {
            return -self.working_days_after(to, from);
        }
        let weekdays = weekdays_upto(to) - weekdays_upto(from);
        let lo = self.holidays.partition_point(|&h| h <= from);
        let hi = self.holidays.partition_point(|&h| h <= to);
        weekdays - (hi - lo) as i64
    }

    /// Working days between two dates (Date32 day numbers) under a counting convention.
    /// Elapsed: a same-day pair is 0, Friday → next Monday is 1. Inclusive: adds the start day
    /// when it is a working day.
    pub fn working_days(&self, start: i32, end: i32, counting: Counting) -> i64 {
        let elapsed = self.working_days_after(start, end);
        match counting {
            Counting::Elapsed => elapsed,
            Counting::Inclusive if end >= start && self.is_working_day(start) => elapsed + 1,
            Counting::Inclusive => elapsed,
        }
    }

    /// The date `n` working days after `start` (before it, for negative `n`); `n = 0` gives the
    /// start itself. The deadline "within N working days of X" is `add_working_days(X, N)`.
    pub fn add_working_days(&self, start: i32, n: i64) -> i32 {
        let step = if n >= 0 { 1 } else { -1 };
        let mut day = start;
        let mut left = n.abs();
        while left > 0 {
            day += step;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

/// Weekdays in [1970-01-01 .. `day`] (Date32), counting from a Thursday epoch. Works for
/// negative day numbers too, so differences are exact.
fn weekdays_upto(day: i32) -> i64 {
    // Shift so that index 0 is a Monday: 1970-01-01 was a Thursday (Monday = 1969-12-29 = -3).
    let shifted = day as i64 + 3;
    let weeks = shifted.div_euclid(7);
    let rem = shifted.rem_euclid(7); // 0 = Monday .. 6 = Sunday
    weeks * 5 + (rem + 1).min(5)
}

/// 1 April starting the financial year that contains `d`.
pub fn financial_year_start(d: NaiveDate) -> NaiveDate {
    let y = if d.month() >= 4 { d.year() } else { d.year() - 1 };
    NaiveDate::from_ymd_opt(y, 4, 1).expect("1 April exists")
}

/// Label of the financial year containing `d`, as DfE writes it: `2022-23`.
pub fn financial_year_label(d: NaiveDate) -> String {
    let start = financial_year_start(d);
    format!("{}-{:02}", start.year(), (start.year() + 1) % 100)
}

/// Age in whole years on `on` for someone born on `born`; `None` before the birth. Someone born
/// on 29 February has their birthday on 1 March in other years.
pub fn age_at(born: NaiveDate, on: NaiveDate) -> Option<i32> {
    if on < born {
        return None;
    }
    let birthday_passed = (on.month(), on.day()) >= (born.month(), born.day());
    Some(on.year() - born.year() - i32::from(!birthday_passed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> i32 {
        date32(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    fn wd(a: &str, b: &str, c: Counting) -> i64 {
        Calendar::england_and_wales().working_days(d(a), d(b), c)
    }

    #[test]
    fn elapsed_counting_matches_dfe_tables() {
        assert_eq!(wd("2022-03-11", "2022-03-11", Counting::Elapsed), 0, "same day");
        assert_eq!(wd("2022-03-11", "2022-03-14", Counting::Elapsed), 1, "Friday to Monday");
        // docs/definitions.md §3.2 worked example: Fri 11 Mar 2022 to Thu 31 Mar 2022 is 15
        // weekdays counting both ends (validator), so 14 elapsed.
        assert_eq!(wd("2022-03-11", "2022-03-31", Counting::Elapsed), 14);
        assert_eq!(wd("2022-03-11", "2022-03-31", Counting::Inclusive), 15);
        assert_eq!(wd("2022-03-31", "2022-03-11", Counting::Elapsed), -14);
    }

    #[test]
    fn bank_holidays_are_not_working_days() {
        // State funeral Mon 19 Sep 2022: Fri 16 Sep -> Tue 20 Sep is 1 elapsed working day.
        assert_eq!(wd("2022-09-16", "2022-09-20", Counting::Elapsed), 1);
        // Coronation Mon 8 May 2023, after early May Mon 1 May.
        assert_eq!(wd("2023-04-28", "2023-05-09", Counting::Elapsed), 5);
        // Christmas 2020: 25 and 28 Dec are holidays.
        assert_eq!(wd("2020-12-24", "2020-12-29", Counting::Elapsed), 1);
        let cal = Calendar::england_and_wales();
        assert!(!cal.is_working_day(d("2022-09-19")));
        assert!(!cal.is_working_day(d("2022-09-17")));
        assert!(cal.is_working_day(d("2022-09-20")));
    }

    #[test]
    fn adding_working_days_skips_weekends_and_holidays() {
        let cal = Calendar::england_and_wales();
        // 15 working days after Thu 1 Sep 2022 skips three weekends and 19 Sep: Fri 23 Sep.
        assert_eq!(cal.add_working_days(d("2022-09-01"), 15), d("2022-09-23"));
        assert_eq!(cal.working_days(d("2022-09-01"), d("2022-09-23"), Counting::Elapsed), 15);
        assert_eq!(cal.add_working_days(d("2022-09-23"), -15), d("2022-09-01"));
        assert_eq!(cal.add_working_days(d("2022-09-17"), 0), d("2022-09-17"));
    }

    #[test]
    fn weekday_counts_agree_with_a_day_by_day_count() {
        let cal = Calendar::england_and_wales();
        let (a, b) = (d("2009-12-20"), d("2031-01-10"));
        let mut brute = 0;
        for day in (a + 1)..=b {
            if cal.is_working_day(day) {
                brute += 1;
            }
        }
        assert_eq!(cal.working_days(a, b, Counting::Elapsed), brute);
        assert_eq!(weekdays_upto(-1) - weekdays_upto(-8), 5);
    }

    #[test]
    fn every_listed_holiday_is_a_weekday_within_the_covered_years() {
        let cal = Calendar::england_and_wales();
        assert!(cal.holidays.len() > 150);
        for &h in &cal.holidays {
            let day = from_date32(h);
            assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun), "{day}");
            assert!((COVERED_YEARS.0..=COVERED_YEARS.1).contains(&day.year()));
        }
    }

    #[test]
    fn ages_and_financial_years() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_at(ymd(2005, 3, 31), ymd(2023, 3, 31)), Some(18));
        assert_eq!(age_at(ymd(2005, 4, 1), ymd(2023, 3, 31)), Some(17));
        assert_eq!(age_at(ymd(2004, 2, 29), ymd(2023, 2, 28)), Some(18));
        assert_eq!(age_at(ymd(2004, 2, 29), ymd(2023, 3, 1)), Some(19));
        assert_eq!(age_at(ymd(2024, 1, 1), ymd(2023, 3, 31)), None);
        assert_eq!(financial_year_label(ymd(2023, 3, 31)), "2022-23");
        assert_eq!(financial_year_start(ymd(2023, 4, 1)), ymd(2023, 4, 1));
    }
}
