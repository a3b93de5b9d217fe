//! Time is an input: deadlines and licence validity are law, so tests set the clock.

use std::sync::{Arc, Mutex};
use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time: working days are counted on the calendar of the corridor.
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Today in China Standard Time.
    fn today(&self) -> Date {
        self.now().to_offset(CST).date()
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock the tests (and the demo generator) set by hand.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        FixedClock(Arc::new(Mutex::new(at)))
    }
    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut g) = self.0.lock() {
            *g = at;
        }
    }
    /// Sets the clock to 10:00 CST on `d`.
    pub fn set_date(&self, d: Date) {
        self.set(
            d.with_hms(10, 0, 0)
                .unwrap_or(d.midnight())
                .assume_offset(CST),
        );
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .map(|g| *g)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
