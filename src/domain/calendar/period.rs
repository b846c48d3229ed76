//! What a notice period is: a rule (so many days, counted one way) and the period it gives.

use chrono::NaiveDate;

/// How a notice kind's period is counted (policy file `notice_periods.{kind} = { days = 7, count = "calendar" | "working" }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// 日: every day counts, holidays included.
    Calendar,
    /// 工作日: only days the bureau is open count.
    Working,
}

impl Count {
    /// Reads the policy file's word for the count.
    pub fn parse(s: &str) -> Option<Count> {
        match s {
            "calendar" => Some(Count::Calendar),
            "working" => Some(Count::Working),
            _ => None,
        }
    }

    /// The word in the policy file and the database.
    pub fn code(self) -> &'static str {
        match self {
            Count::Calendar => "calendar",
            Count::Working => "working",
        }
    }

    /// The unit as printed after the number in a notice: 公示期7日, 5个工作日.
    pub fn label(self) -> &'static str {
        match self {
            Count::Calendar => "日",
            Count::Working => "个工作日",
        }
    }
}

/// A notice kind's period (公示期限): so many days, counted one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRule {
    pub days: u32,
    pub count: Count,
}

/// A notice's period: first and last day, both inclusive, Beijing dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A working-day count reached a year whose holiday arrangement is not loaded.
    #[error(
        "{year} 年的节假日安排未载入：请在节假日文件夹中加入 {year}.toml（国务院办公厅每年公布）"
    )]
    YearNotLoaded { year: i32 },
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_reads_the_policy_words_and_prints_its_unit() {
        assert_eq!(Count::parse("calendar"), Some(Count::Calendar));
        assert_eq!(Count::parse("working"), Some(Count::Working));
        assert_eq!(Count::parse("Working"), None);
        assert_eq!(Count::parse(""), None);
        assert_eq!(Count::Calendar.label(), "日");
        assert_eq!(Count::Working.label(), "个工作日");
    }
}
