//! Date arithmetic the generator and its report share, on Date32 day numbers (days since
//! 1970-01-01), so that what the simulator aims at and what the report measures are the same
//! definitions.

use chrono::{Datelike, Months, NaiveDate};

use csc_pipeline::normalise::cells::{date32, from_date32};

/// The extract window, both ends included (Date32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i32,
    pub to: i32,
}

impl Window {
    /// Whether something that starts on `start` and ends on `end` (open when `None`) touches the
    /// window.
    pub fn touches(&self, start: i32, end: Option<i32>) -> bool {
        start <= self.to && end.is_none_or(|e| e >= self.from)
    }

    /// Financial years (by the calendar year they end in) lying wholly inside the window.
    pub fn whole_years(&self) -> Vec<i32> {
        (fy_of(self.from)..=fy_of(self.to)).filter(|&y| fy_start(y) >= self.from && fy_end(y) <= self.to).collect()
    }
}

/// The financial year containing `day`, named by the calendar year it ends in (DfE's
/// `time_period`: 2025 is April 2024 – March 2025).
pub fn fy_of(day: i32) -> i32 {
    let d = from_date32(day);
    if d.month() >= 4 {
        d.year() + 1
    } else {
        d.year()
    }
}

/// 1 April starting financial year `y`.
pub fn fy_start(y: i32) -> i32 {
    date32(NaiveDate::from_ymd_opt(y - 1, 4, 1).expect("1 April exists"))
}

/// 31 March ending financial year `y`.
pub fn fy_end(y: i32) -> i32 {
    date32(NaiveDate::from_ymd_opt(y, 3, 31).expect("31 March exists"))
}

/// DfE's label for financial year `y`: `2024-25`.
pub fn fy_label(y: i32) -> String {
    format!("{}-{:02}", y - 1, y % 100)
}

/// `day` moved by `n` calendar months (the day of month clamped to the month's end).
pub fn add_months(day: i32, n: i32) -> i32 {
    let d = from_date32(day);
    let moved = if n >= 0 { d.checked_add_months(Months::new(n as u32)) } else { d.checked_sub_months(Months::new(n.unsigned_abs())) };
    moved.map(date32).unwrap_or(day)
}

/// `day` moved by `n` calendar years (29 February becomes 28 February).
pub fn add_years(day: i32, n: i32) -> i32 {
    add_months(day, 12 * n)
}

/// Whether `previous` is a referral within the 12 months before `day` (DfE re-referral: a
/// referral within 12 months of a previous referral). Same-day referrals do not count.
pub fn within_12_months(previous: i32, day: i32) -> bool {
    previous < day && previous >= add_months(day, -12)
}

/// Names of the DfE D5 duration bands of a CP plan open at 31 March.
pub const CP_BANDS: [&str; 5] = [
    "3 months or less",
    "more than 3 months to 6 months",
    "more than 6 months, less than 1 year",
    "1 year, less than 2 years",
    "2 years or more",
];

/// D5 band (index into [`CP_BANDS`]) of a CP plan that started on `start` and is open on `at`,
/// measured in calendar months.
pub fn cp_band(start: i32, at: i32) -> usize {
    if at <= add_months(start, 3) {
        0
    } else if at <= add_months(start, 6) {
        1
    } else if at < add_months(start, 12) {
        2
    } else if at < add_months(start, 24) {
        3
    } else {
        4
    }
}

/// Age in whole years on `on` of someone born on `born` (negative before the birth).
pub fn age(born: i32, on: i32) -> i32 {
    csc_pipeline::calendar::age_at(from_date32(born), from_date32(on)).unwrap_or(-1)
}

/// The first working day on or after `day` within `lo..=hi`, else the last one before it (`day`
/// itself when the range has none).
pub fn working_day_near(day: i32, lo: i32, hi: i32) -> i32 {
    let cal = csc_pipeline::calendar::Calendar::england_and_wales();
    let mut d = day;
    while d <= hi {
        if cal.is_working_day(d) {
            return d;
        }
        d += 1;
    }
    let mut d = day;
    while d >= lo {
        if cal.is_working_day(d) {
            return d;
        }
        d -= 1;
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> i32 {
        date32(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn financial_years_and_labels() {
        assert_eq!(fy_of(d("2024-04-01")), 2025);
        assert_eq!(fy_of(d("2025-03-31")), 2025);
        assert_eq!(fy_label(2025), "2024-25");
        assert_eq!(fy_start(2025), d("2024-04-01"));
        let w = Window { from: d("2019-04-01"), to: d("2025-03-31") };
        assert_eq!(w.whole_years(), vec![2020, 2021, 2022, 2023, 2024, 2025]);
        let part = Window { from: d("2019-05-01"), to: d("2025-03-30") };
        assert_eq!(part.whole_years(), vec![2021, 2022, 2023, 2024]);
    }

    #[test]
    fn cp_bands_tile_the_years_before_31_march() {
        let at = d("2025-03-31");
        assert_eq!(cp_band(d("2024-12-31"), at), 0);
        assert_eq!(cp_band(d("2024-12-30"), at), 1);
        assert_eq!(cp_band(d("2024-10-01"), at), 1);
        assert_eq!(cp_band(d("2024-09-30"), at), 2, "six months after 30 September is 30 March");
        assert_eq!(cp_band(d("2024-04-01"), at), 2, "a plan started in the financial year is under a year old");
        assert_eq!(cp_band(d("2024-03-31"), at), 3);
        assert_eq!(cp_band(d("2023-04-01"), at), 3);
        assert_eq!(cp_band(d("2023-03-31"), at), 4);
    }

    #[test]
    fn re_referral_window_is_twelve_calendar_months() {
        assert!(within_12_months(d("2023-05-10"), d("2024-05-10")));
        assert!(!within_12_months(d("2023-05-09"), d("2024-05-10")));
        assert!(!within_12_months(d("2024-05-10"), d("2024-05-10")));
    }
}
