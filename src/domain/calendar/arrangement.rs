//! One year's holiday arrangement, and what it leaves to the ordinary week.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// From this day of December, a day may belong to the next year's arrangement: 元旦 2019 began on Monday
/// 2018-12-31 with Saturday 2018-12-29 worked (国办发明电〔2018〕15号), and 元旦 2023 began on 2022-12-31.
pub(super) const NEXT_YEAR_REACHES_BACK_TO_DECEMBER: u32 = 25;

/// One year's arrangement, as one notice decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Arrangement {
    /// The notice's document number (文号), so a computed period can cite what it relied on.
    pub(super) source: String,
    /// 放假: every day inside a holiday range, weekends included.
    pub(super) days_off: BTreeSet<NaiveDate>,
    /// 调休上班: a weekend day worked to make up for a bridged holiday.
    pub(super) workdays: BTreeSet<NaiveDate>,
}

pub(super) fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}
