//! Beijing time (北京时间, UTC+8 all year): what every date and time a person reads is in. Stored moments stay UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The offset of Beijing time.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
}

/// The day it is in Beijing at `now`: notices and orders are dated and counted in Beijing time.
pub fn beijing_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&beijing()).date_naive()
}

/// A moment as the bureau reads it, to the minute: "2021-03-01 14:05".
pub fn beijing_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_evening_is_the_next_morning_in_beijing() {
        let at = DateTime::parse_from_rfc3339("2021-03-01T17:05:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_minute(at), "2021-03-02 01:05");
        assert_eq!(
            beijing_date(at),
            NaiveDate::from_ymd_opt(2021, 3, 2).unwrap()
        );
    }
}
