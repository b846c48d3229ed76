//! Deviation from the planned schedule (偏离预警), as local monthly ledgers flag it: a project is expected to have
//! done the elapsed share of its planned span (0 before its planned start, 100 after its planned end); how far its
//! reported percent falls behind that decides the flag — 正常 behind by less than 10 points, 偏离 from 10 to 25,
//! 严重偏离 above 25 or not started 15 days or more after its planned start. A completed project is 正常.

use chrono::NaiveDate;
use serde::Serialize;

/// Points behind the expected percent from which a project deviates (偏离).
pub const DEVIATING_FROM: f64 = 10.0;
/// Points behind beyond which a project deviates severely (严重偏离).
pub const SEVERE_ABOVE: f64 = 25.0;
/// Days after its planned start a project may stay unstarted before it deviates severely.
pub const START_GRACE_DAYS: i64 = 15;

/// The flag of a project against its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// 严重偏离
    Severe,
    /// 偏离
    Deviating,
    /// 正常
    Normal,
}

impl Flag {
    pub const ALL: [Flag; 3] = [Flag::Severe, Flag::Deviating, Flag::Normal];

    pub fn code(self) -> &'static str {
        match self {
            Flag::Severe => "severe",
            Flag::Deviating => "deviating",
            Flag::Normal => "normal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flag::Severe => "严重偏离",
            Flag::Deviating => "偏离",
            Flag::Normal => "正常",
        }
    }
}

/// How far the works are, as the contractor reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    NotStarted,
    /// Started, with the percent done reported last.
    Started(u32),
    Completed,
}

impl Reported {
    fn percent(self) -> f64 {
        match self {
            Reported::NotStarted => 0.0,
            Reported::Started(p) => f64::from(p.min(100)),
            Reported::Completed => 100.0,
        }
    }
}

/// One project measured against its plan on a day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assessment {
    /// The elapsed share of the planned span, in percent (one decimal).
    pub expected_percent: f64,
    pub reported_percent: f64,
    /// Expected minus reported, in points (0 when ahead).
    pub behind: f64,
    /// Days since the planned start that the works have not started (0 when started or not yet due).
    pub days_unstarted: i64,
    pub flag: Flag,
}

/// The percent of the planned span from `start` to `end` that has elapsed on `day`: 0 up to the start day, 100
/// from the end day on, in between by whole days.
pub fn expected_percent(start: NaiveDate, end: NaiveDate, day: NaiveDate) -> f64 {
    if day >= end {
        return 100.0;
    }
    if day <= start {
        return 0.0;
    }
    let span = (end - start).num_days() as f64;
    let elapsed = (day - start).num_days() as f64;
    ((elapsed / span * 1000.0).round() / 10.0).clamp(0.0, 100.0)
}

/// Assesses a project planned from `start` to `end` that reports `reported`, on `day`.
pub fn assess(start: NaiveDate, end: NaiveDate, reported: Reported, day: NaiveDate) -> Assessment {
    let expected = expected_percent(start, end, day);
    let actual = reported.percent();
    let behind = ((expected - actual) * 10.0).round().max(0.0) / 10.0;
    let days_unstarted = match reported {
        Reported::NotStarted => (day - start).num_days().max(0),
        _ => 0,
    };
    let flag = if reported == Reported::Completed {
        Flag::Normal
    } else if days_unstarted >= START_GRACE_DAYS || behind > SEVERE_ABOVE {
        Flag::Severe
    } else if behind >= DEVIATING_FROM {
        Flag::Deviating
    } else {
        Flag::Normal
    };
    Assessment {
        expected_percent: expected,
        reported_percent: actual,
        behind,
        days_unstarted,
        flag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, day).unwrap()
    }

    /// A project planned over exactly 100 days: 2021-03-01 to 2021-06-09.
    fn start() -> NaiveDate {
        d(3, 1)
    }
    fn end() -> NaiveDate {
        start() + chrono::Duration::days(100)
    }
    fn on_day(n: i64) -> NaiveDate {
        start() + chrono::Duration::days(n)
    }

    #[test]
    fn the_expected_percent_is_the_elapsed_share_of_the_planned_span() {
        assert_eq!(expected_percent(start(), end(), d(1, 1)), 0.0);
        assert_eq!(expected_percent(start(), end(), start()), 0.0);
        assert_eq!(expected_percent(start(), end(), on_day(1)), 1.0);
        assert_eq!(expected_percent(start(), end(), on_day(40)), 40.0);
        assert_eq!(expected_percent(start(), end(), on_day(99)), 99.0);
        assert_eq!(expected_percent(start(), end(), end()), 100.0);
        assert_eq!(expected_percent(start(), end(), d(12, 31)), 100.0);
        // A span of no days is all or nothing (the bureau's dates never end before they start).
        assert_eq!(expected_percent(start(), start(), d(2, 28)), 0.0);
        assert_eq!(expected_percent(start(), start(), start()), 100.0);
        // Thirds to one decimal.
        assert_eq!(expected_percent(d(3, 1), d(3, 4), d(3, 2)), 33.3);
    }

    #[test]
    fn behind_by_less_than_ten_points_is_normal_ten_to_twenty_five_deviating_more_severe() {
        // On day 50, 50 % is expected.
        for (reported, flag, behind) in [
            (50, Flag::Normal, 0.0),
            (70, Flag::Normal, 0.0),
            (41, Flag::Normal, 9.0),
            (40, Flag::Deviating, 10.0),
            (31, Flag::Deviating, 19.0),
            (25, Flag::Deviating, 25.0),
            (24, Flag::Severe, 26.0),
            (0, Flag::Severe, 50.0),
        ] {
            let a = assess(start(), end(), Reported::Started(reported), on_day(50));
            assert_eq!((a.flag, a.behind), (flag, behind), "reported {reported}");
            assert_eq!(a.expected_percent, 50.0);
        }
    }

    #[test]
    fn the_boundaries_hold_to_a_tenth_of_a_point() {
        // Span of 1000 days: each day is a tenth of a point.
        let end = start() + chrono::Duration::days(1000);
        let at = |tenths: i64| start() + chrono::Duration::days(tenths);
        // Reported 10 %: deviating once 20.0 % is expected, not at 19.9 %.
        assert_eq!(
            assess(start(), end, Reported::Started(10), at(199)).flag,
            Flag::Normal
        );
        assert_eq!(
            assess(start(), end, Reported::Started(10), at(200)).flag,
            Flag::Deviating
        );
        // Severe above 35.0 % expected, not at it.
        assert_eq!(
            assess(start(), end, Reported::Started(10), at(350)).flag,
            Flag::Deviating
        );
        assert_eq!(
            assess(start(), end, Reported::Started(10), at(351)).flag,
            Flag::Severe
        );
    }

    #[test]
    fn not_started_fifteen_days_after_the_planned_start_is_severe() {
        // Over a long span, 14 days late is only a few points behind: normal; on the 15th day, severe.
        let long_end = start() + chrono::Duration::days(1000);
        let late = |n| assess(start(), long_end, Reported::NotStarted, on_day(n));
        assert_eq!((late(14).flag, late(14).days_unstarted), (Flag::Normal, 14));
        assert_eq!((late(15).flag, late(15).days_unstarted), (Flag::Severe, 15));
        // Before its start nothing is due.
        let early = assess(start(), end(), Reported::NotStarted, d(2, 1));
        assert_eq!(
            (early.flag, early.days_unstarted, early.expected_percent),
            (Flag::Normal, 0, 0.0)
        );
        // Started with nothing reported yet is judged by its points alone.
        assert_eq!(
            assess(start(), long_end, Reported::Started(0), on_day(20)).flag,
            Flag::Normal
        );
    }

    #[test]
    fn a_completed_project_is_normal_and_an_overdue_unfinished_one_is_not() {
        let after = d(12, 31);
        assert_eq!(
            assess(start(), end(), Reported::Completed, after).flag,
            Flag::Normal
        );
        assert_eq!(
            assess(start(), end(), Reported::Started(90), after).flag,
            Flag::Deviating
        );
        assert_eq!(
            assess(start(), end(), Reported::Started(91), after).flag,
            Flag::Normal
        );
        assert_eq!(
            assess(start(), end(), Reported::Started(74), after).flag,
            Flag::Severe
        );
    }

    #[test]
    fn flags_sort_worst_first() {
        let mut flags = vec![Flag::Normal, Flag::Severe, Flag::Deviating];
        flags.sort();
        assert_eq!(flags, Flag::ALL);
    }
}
