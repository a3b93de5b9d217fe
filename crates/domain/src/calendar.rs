//! Working days per the State Council's yearly holiday notice, including adjusted working
//! weekends (调休). The calendar is data: [`CalendarYear`] values come from a data file and
//! an operator adds a year without a rebuild.
//!
//! A year the calendar does not cover falls back to Monday-Friday; [`Calendar::covers`] tells
//! callers so they can warn.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use time::{Date, Duration, Weekday};

/// A named holiday period, inclusive on both ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayPeriod {
    pub name_zh: String,
    pub name_en: String,
    pub from: Date,
    pub to: Date,
}

/// One year of the holiday notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    /// Where the dates come from (the notice's title).
    pub source: String,
    pub holidays: Vec<HolidayPeriod>,
    /// Weekend days that are working days (调休上班).
    pub working_weekends: Vec<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar year {year}: {what}")]
    Invalid { year: i32, what: String },
}

impl CalendarYear {
    /// Checks that every date lies in the year, periods are ordered, and adjusted working
    /// days are weekend days outside the holidays.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let bad = |what: String| CalendarError::Invalid {
            year: self.year,
            what,
        };
        for h in &self.holidays {
            if h.from > h.to {
                return Err(bad(format!("holiday {} ends before it starts", h.name_en)));
            }
            if h.from.year() != self.year && h.to.year() != self.year {
                return Err(bad(format!("holiday {} is not in the year", h.name_en)));
            }
            if h.name_zh.trim().is_empty() || h.name_en.trim().is_empty() {
                return Err(bad("a holiday needs zh and en names".into()));
            }
        }
        for d in &self.working_weekends {
            if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                return Err(bad(format!(
                    "{d} is listed as a working weekend but is a weekday"
                )));
            }
            if self.holidays.iter().any(|h| h.from <= *d && *d <= h.to) {
                return Err(bad(format!("{d} is both a holiday and a working day")));
            }
        }
        Ok(())
    }
}

/// The working-day calendar over all loaded years.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    off: HashSet<Date>,
    on: HashSet<Date>,
    years: BTreeMap<i32, CalendarYear>,
}

impl Calendar {
    pub fn new(years: impl IntoIterator<Item = CalendarYear>) -> Result<Self, CalendarError> {
        let mut cal = Calendar::default();
        for y in years {
            cal.insert(y)?;
        }
        Ok(cal)
    }

    /// Adds or replaces a year.
    pub fn insert(&mut self, year: CalendarYear) -> Result<(), CalendarError> {
        year.validate()?;
        if let Some(old) = self.years.remove(&year.year) {
            for h in &old.holidays {
                for d in days(h.from, h.to) {
                    self.off.remove(&d);
                }
            }
            for d in &old.working_weekends {
                self.on.remove(d);
            }
        }
        for h in &year.holidays {
            self.off.extend(days(h.from, h.to));
        }
        self.on.extend(year.working_weekends.iter().copied());
        self.years.insert(year.year, year);
        Ok(())
    }

    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// Whether the holiday notice for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if self.on.contains(&d) {
            return true;
        }
        if self.off.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The date `n` working days after `d` (`n = 0` gives `d`).
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.saturating_add(Duration::days(1));
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in `(a, b]`: how many working days pass going from `a` to `b`.
    pub fn working_days_between(&self, a: Date, b: Date) -> u32 {
        let mut n = 0;
        let mut day = a;
        while day < b {
            day = day.saturating_add(Duration::days(1));
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }

    /// Working days in a calendar year.
    pub fn working_days_in_year(&self, year: i32) -> u32 {
        let (Ok(start), Ok(end)) = (
            Date::from_ordinal_date(year, 1),
            Date::from_ordinal_date(year + 1, 1),
        ) else {
            return 0;
        };
        days(start, end.saturating_sub(Duration::days(1)))
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    let mut next = Some(from);
    std::iter::from_fn(move || {
        let d = next?;
        if d > to {
            return None;
        }
        next = d.next_day();
        Some(d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn y2026() -> CalendarYear {
        let h = |zh: &str, from, to| HolidayPeriod {
            name_zh: zh.into(),
            name_en: zh.into(),
            from,
            to,
        };
        CalendarYear {
            year: 2026,
            source: "test".into(),
            holidays: vec![
                h("元旦", date!(2026 - 01 - 01), date!(2026 - 01 - 03)),
                h("春节", date!(2026 - 02 - 15), date!(2026 - 02 - 23)),
                h("清明", date!(2026 - 04 - 04), date!(2026 - 04 - 06)),
                h("劳动节", date!(2026 - 05 - 01), date!(2026 - 05 - 05)),
                h("端午", date!(2026 - 06 - 19), date!(2026 - 06 - 21)),
                h("中秋", date!(2026 - 09 - 25), date!(2026 - 09 - 27)),
                h("国庆", date!(2026 - 10 - 01), date!(2026 - 10 - 07)),
            ],
            working_weekends: vec![
                date!(2026 - 01 - 04),
                date!(2026 - 02 - 14),
                date!(2026 - 02 - 28),
                date!(2026 - 05 - 09),
                date!(2026 - 09 - 20),
                date!(2026 - 10 - 10),
            ],
        }
    }

    #[test]
    fn year_2026_has_248_working_days() {
        let cal = Calendar::new([y2026()]).unwrap();
        assert_eq!(cal.working_days_in_year(2026), 248);
    }

    #[test]
    fn adjusted_days_and_holidays() {
        let cal = Calendar::new([y2026()]).unwrap();
        assert!(cal.is_working_day(date!(2026 - 02 - 14))); // Saturday, adjusted
        assert!(!cal.is_working_day(date!(2026 - 10 - 05))); // National Day
        assert!(!cal.is_working_day(date!(2026 - 11 - 22))); // ordinary Sunday
                                                             // 2026-09-30 (Wed) + 1 working day skips the National Day week to Thu 10-08.
        assert_eq!(
            cal.add_working_days(date!(2026 - 09 - 30), 1),
            date!(2026 - 10 - 08)
        );
        assert_eq!(
            cal.working_days_between(date!(2026 - 09 - 30), date!(2026 - 10 - 08)),
            1
        );
        assert_eq!(
            cal.add_working_days(date!(2026 - 09 - 30), 0),
            date!(2026 - 09 - 30)
        );
    }

    #[test]
    fn add_and_between_agree() {
        let cal = Calendar::new([y2026()]).unwrap();
        let start = date!(2026 - 01 - 01);
        for n in 0..120 {
            let end = cal.add_working_days(start, n);
            assert_eq!(cal.working_days_between(start, end), n);
        }
    }

    #[test]
    fn invalid_year_is_refused() {
        let mut y = y2026();
        y.working_weekends.push(date!(2026 - 03 - 02)); // a Monday
        assert!(Calendar::new([y]).is_err());
    }
}
