//! The holiday calendar: the loaded years' arrangements, whether the bureau is open on a day, and a notice's
//! period.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use super::arrangement::{Arrangement, NEXT_YEAR_REACHES_BACK_TO_DECEMBER, is_weekend};
use super::period::{CalendarError, Count, Period, PeriodRule};
use super::year_file::parse_file;

/// The shipped years. A later year is added by a new file here, or by a bureau's own folder without a release.
const BUILT_IN: [(&str, &str); 6] = [
    (
        "2021.toml",
        include_str!("../../../fixtures/holidays/2021.toml"),
    ),
    (
        "2022.toml",
        include_str!("../../../fixtures/holidays/2022.toml"),
    ),
    (
        "2023.toml",
        include_str!("../../../fixtures/holidays/2023.toml"),
    ),
    (
        "2024.toml",
        include_str!("../../../fixtures/holidays/2024.toml"),
    ),
    (
        "2025.toml",
        include_str!("../../../fixtures/holidays/2025.toml"),
    ),
    (
        "2026.toml",
        include_str!("../../../fixtures/holidays/2026.toml"),
    ),
];

/// A holiday calendar (节假日安排): per loaded year, its days off and make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, Arrangement>,
}

impl HolidayCalendar {
    /// The calendars shipped with the product (compiled in with include_str! from fixtures/holidays/*.toml).
    ///
    /// Each shipped file is parsed on its own, so a broken one (which the unit tests rule out) costs only its year:
    /// counts into that year then fail with [`CalendarError::YearNotLoaded`] instead of the service not starting.
    pub fn built_in() -> HolidayCalendar {
        BUILT_IN
            .iter()
            .filter_map(|file| HolidayCalendar::parse(std::slice::from_ref(file)).ok())
            .fold(HolidayCalendar::default(), HolidayCalendar::with)
    }

    /// Parse several year files; `name` is used in error messages ("2024.toml: holidays[2].to: …"). A later file
    /// for the same year replaces an earlier one (so a bureau's own folder can override the shipped years).
    pub fn parse(files: &[(&str, &str)]) -> Result<HolidayCalendar, String> {
        let mut years = BTreeMap::new();
        for &(name, text) in files {
            let (year, arrangement) = parse_file(name, text).map_err(|e| format!("{name}: {e}"))?;
            years.insert(year, arrangement);
        }
        Ok(HolidayCalendar { years })
    }

    /// Other's years replace self's: a whole notice is replaced, never merged day by day, because a corrected
    /// notice may drop make-up days the first one had.
    pub fn with(mut self, other: HolidayCalendar) -> HolidayCalendar {
        self.years.extend(other.years);
        self
    }

    /// The loaded years, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The document number (文号) of the notice a year's arrangement comes from, for citing under a period.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|a| a.source.as_str())
    }

    /// Whether the bureau is open on `day`: a weekday outside every holiday, or a make-up working day (调休上班).
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        let year = day.year();
        let own = self.arrangement(year)?;
        // The next year's notice can reach back into late December; once it is loaded it is the newer decision
        // and is asked first. Until it is published (each November or December) late December counts by this
        // year's notice: refusing every period that touches Christmas week would stop the bureau for weeks.
        let next = if day.month() == 12 && day.day() >= NEXT_YEAR_REACHES_BACK_TO_DECEMBER {
            self.years.get(&(year + 1))
        } else {
            None
        };
        for arrangement in next.into_iter().chain([own]) {
            if arrangement.workdays.contains(&day) {
                return Ok(true);
            }
            if arrangement.days_off.contains(&day) {
                return Ok(false);
            }
        }
        Ok(!is_weekend(day))
    }

    /// The period of a notice published on `published` (Beijing date). Calendar days: the day of publication is
    /// day 1, so 7 days from 2024-09-30 is 2024-09-30..=2024-10-06 — no calendar needed. Working days: day 1 is
    /// the publication day if it is a working day, else the next working day; `last` is the `days`-th working day.
    ///
    /// A rule of 0 days is read as 1: the policy file rejects 0, and a period always has a first day.
    pub fn period(&self, rule: PeriodRule, published: NaiveDate) -> Result<Period, CalendarError> {
        let days = rule.days.max(1);
        match rule.count {
            Count::Calendar => Ok(Period {
                first: published,
                // Only a rule of millions of years runs off chrono's range; the end of time is the honest answer.
                last: published
                    .checked_add_days(Days::new(u64::from(days - 1)))
                    .unwrap_or(NaiveDate::MAX),
            }),
            Count::Working => {
                let mut first = None;
                let mut counted = 0;
                let mut day = published;
                // Ends: every year looked up must be loaded, and only finitely many are.
                loop {
                    if self.is_working_day(day)? {
                        counted += 1;
                        let first = *first.get_or_insert(day);
                        if counted == days {
                            return Ok(Period { first, last: day });
                        }
                    }
                    day = day.succ_opt().ok_or(CalendarError::YearNotLoaded {
                        year: day.year() + 1,
                    })?;
                }
            }
        }
    }

    fn arrangement(&self, year: i32) -> Result<&Arrangement, CalendarError> {
        self.years
            .get(&year)
            .ok_or(CalendarError::YearNotLoaded { year })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn working(days: u32) -> PeriodRule {
        PeriodRule {
            days,
            count: Count::Working,
        }
    }

    /// The working days in `from..=to`, to compare with a list read off the notice.
    fn working_days(calendar: &HolidayCalendar, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|&day| day <= to)
            .filter(|&day| calendar.is_working_day(day).unwrap())
            .collect()
    }

    #[test]
    fn every_built_in_file_parses() {
        for (name, text) in BUILT_IN {
            if let Err(e) = HolidayCalendar::parse(&[(name, text)]) {
                panic!("built-in {e}");
            }
        }
        assert_eq!(
            HolidayCalendar::built_in().years(),
            vec![2021, 2022, 2023, 2024, 2025, 2026]
        );
    }

    #[test]
    fn each_built_in_year_cites_its_notice() {
        let calendar = HolidayCalendar::built_in();
        let sources: Vec<_> = (2021..=2026)
            .map(|year| calendar.source(year).unwrap())
            .collect();
        assert_eq!(
            sources,
            [
                "国办发明电〔2020〕27号",
                "国办发明电〔2021〕11号",
                "国办发明电〔2022〕16号",
                "国办发明电〔2023〕7号",
                "国办发明电〔2024〕12号",
                "国办发明电〔2025〕7号",
            ]
        );
        assert_eq!(calendar.source(2027), None);
    }

    /// 《全国年节及纪念日放假办法》 grants 11 days a year, 13 from 2025 (除夕 and 5月2日 added); every weekday
    /// off beyond them is paid back by a make-up day. A mistyped date in a shipped file breaks the balance.
    #[test]
    fn each_built_in_year_gives_exactly_the_statutory_days_off() {
        let calendar = HolidayCalendar::built_in();
        for (year, arrangement) in &calendar.years {
            let weekdays_off = arrangement
                .days_off
                .iter()
                .filter(|&&day| !is_weekend(day))
                .count();
            let statutory = if *year >= 2025 { 13 } else { 11 };
            assert_eq!(
                weekdays_off - arrangement.workdays.len(),
                statutory,
                "{year}"
            );
        }
    }

    #[test]
    fn national_day_2024_is_off_and_its_make_up_sunday_and_saturday_are_worked() {
        let calendar = HolidayCalendar::built_in();
        for day in 1..=7 {
            assert!(
                !calendar.is_working_day(d(2024, 10, day)).unwrap(),
                "10-{day}"
            );
        }
        assert!(calendar.is_working_day(d(2024, 9, 29)).unwrap());
        assert!(calendar.is_working_day(d(2024, 10, 12)).unwrap());
        // An ordinary weekend next to the holiday stays off.
        assert!(!calendar.is_working_day(d(2024, 9, 28)).unwrap());
        assert!(!calendar.is_working_day(d(2024, 10, 13)).unwrap());
    }

    #[test]
    fn five_working_days_from_friday_27_september_2024_end_on_9_october() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(
            working_days(&calendar, d(2024, 9, 27), d(2024, 10, 9)),
            [
                d(2024, 9, 27),
                d(2024, 9, 29),
                d(2024, 9, 30),
                d(2024, 10, 8),
                d(2024, 10, 9)
            ]
        );
        assert_eq!(
            calendar.period(working(5), d(2024, 9, 27)),
            Ok(Period {
                first: d(2024, 9, 27),
                last: d(2024, 10, 9)
            })
        );
    }

    #[test]
    fn a_period_published_on_a_holiday_starts_on_the_next_working_day() {
        let calendar = HolidayCalendar::built_in();
        // 10-08..10-11 are Tuesday to Friday; the fifth is make-up Saturday 10-12.
        assert_eq!(
            calendar.period(working(5), d(2024, 10, 3)),
            Ok(Period {
                first: d(2024, 10, 8),
                last: d(2024, 10, 12)
            })
        );
    }

    #[test]
    fn a_period_published_on_an_ordinary_weekend_starts_on_monday() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(
            calendar.period(working(1), d(2024, 11, 9)),
            Ok(Period {
                first: d(2024, 11, 11),
                last: d(2024, 11, 11)
            })
        );
    }

    #[test]
    fn spring_festival_2024_is_off_from_10_to_17_february_with_4_and_18_february_worked() {
        let calendar = HolidayCalendar::built_in();
        for day in 10..=17 {
            assert!(
                !calendar.is_working_day(d(2024, 2, day)).unwrap(),
                "02-{day}"
            );
        }
        assert!(calendar.is_working_day(d(2024, 2, 4)).unwrap());
        assert!(calendar.is_working_day(d(2024, 2, 18)).unwrap());
        // 除夕 was only "encouraged" off in 2024: still a working day.
        assert!(calendar.is_working_day(d(2024, 2, 9)).unwrap());
        assert_eq!(
            calendar.period(working(3), d(2024, 2, 8)),
            Ok(Period {
                first: d(2024, 2, 8),
                last: d(2024, 2, 18)
            })
        );
    }

    #[test]
    fn spring_festival_2025_runs_28_january_to_4_february_with_26_january_and_8_february_worked() {
        let calendar = HolidayCalendar::built_in();
        assert!(calendar.is_working_day(d(2025, 1, 26)).unwrap());
        assert!(calendar.is_working_day(d(2025, 1, 27)).unwrap());
        for day in [
            d(2025, 1, 28),
            d(2025, 1, 29),
            d(2025, 1, 30),
            d(2025, 1, 31),
            d(2025, 2, 1),
            d(2025, 2, 2),
            d(2025, 2, 3),
            d(2025, 2, 4),
        ] {
            assert!(!calendar.is_working_day(day).unwrap(), "{day}");
        }
        assert!(calendar.is_working_day(d(2025, 2, 8)).unwrap());
        assert!(!calendar.is_working_day(d(2025, 2, 9)).unwrap());
        assert_eq!(
            working_days(&calendar, d(2025, 1, 24), d(2025, 2, 9)),
            [
                d(2025, 1, 24),
                d(2025, 1, 26),
                d(2025, 1, 27),
                d(2025, 2, 5),
                d(2025, 2, 6),
                d(2025, 2, 7),
                d(2025, 2, 8)
            ]
        );
        assert_eq!(
            calendar.period(working(5), d(2025, 1, 27)),
            Ok(Period {
                first: d(2025, 1, 27),
                last: d(2025, 2, 8)
            })
        );
    }

    #[test]
    fn national_day_2025_is_off_from_1_to_8_october_with_28_september_and_11_october_worked() {
        let calendar = HolidayCalendar::built_in();
        assert!(calendar.is_working_day(d(2025, 9, 28)).unwrap());
        for day in 1..=8 {
            assert!(
                !calendar.is_working_day(d(2025, 10, day)).unwrap(),
                "10-{day}"
            );
        }
        assert!(calendar.is_working_day(d(2025, 10, 11)).unwrap());
        assert_eq!(
            calendar.period(working(5), d(2025, 9, 26)),
            Ok(Period {
                first: d(2025, 9, 26),
                last: d(2025, 10, 9)
            })
        );
        assert_eq!(
            calendar.period(working(3), d(2025, 10, 1)),
            Ok(Period {
                first: d(2025, 10, 9),
                last: d(2025, 10, 11)
            })
        );
    }

    #[test]
    fn a_count_from_late_december_2026_into_2027_needs_the_2027_arrangement() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(
            calendar.period(working(10), d(2026, 12, 21)),
            Err(CalendarError::YearNotLoaded { year: 2027 })
        );
        // Late December counts by the 2026 notice until the 2027 one is loaded: a period ending in Christmas
        // week still goes out.
        assert_eq!(
            calendar.period(working(5), d(2026, 12, 21)),
            Ok(Period {
                first: d(2026, 12, 21),
                last: d(2026, 12, 25)
            })
        );
    }

    #[test]
    fn a_count_into_2027_works_once_a_2027_file_is_loaded() {
        // Not the real 2027 arrangement: only what the count needs.
        let hypothetical = HolidayCalendar::parse(&[(
            "2027.toml",
            "year = 2027\nsource = \"test\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2027-01-01\nto = 2027-01-03\n",
        )])
        .unwrap();
        let calendar = HolidayCalendar::built_in().with(hypothetical);
        // 12-21..25 and 12-28..31 are nine working days; 1-1 (Friday) is off, the tenth is Monday 1-4.
        assert_eq!(
            calendar.period(working(10), d(2026, 12, 21)),
            Ok(Period {
                first: d(2026, 12, 21),
                last: d(2027, 1, 4)
            })
        );
    }

    #[test]
    fn the_next_years_notice_decides_late_december_as_in_2018() {
        // 国办发明电〔2018〕15号: "元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
        let y2018 = "year = 2018\nsource = \"test\"\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2018-10-01\nto = 2018-10-07\n";
        let y2019 = "year = 2019\nsource = \"国办发明电〔2018〕15号\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2018-12-30\nto = 2019-01-01\nworkdays = [2018-12-29]\n";
        // Until the next year's notice is out, late December counts by this year's: a plain Monday.
        let without = HolidayCalendar::parse(&[("2018.toml", y2018)]).unwrap();
        assert_eq!(without.is_working_day(d(2018, 12, 31)), Ok(true));
        assert_eq!(without.is_working_day(d(2018, 12, 29)), Ok(false));

        let calendar =
            HolidayCalendar::parse(&[("2018.toml", y2018), ("2019.toml", y2019)]).unwrap();
        assert_eq!(
            working_days(&calendar, d(2018, 12, 27), d(2019, 1, 3)),
            [
                d(2018, 12, 27),
                d(2018, 12, 28),
                d(2018, 12, 29),
                d(2019, 1, 2),
                d(2019, 1, 3)
            ]
        );
    }

    #[test]
    fn new_year_2023_began_on_31_december_2022() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(calendar.is_working_day(d(2022, 12, 30)), Ok(true));
        assert_eq!(calendar.is_working_day(d(2022, 12, 31)), Ok(false));
        assert_eq!(calendar.is_working_day(d(2023, 1, 2)), Ok(false));
        assert_eq!(calendar.is_working_day(d(2023, 1, 3)), Ok(true));
    }

    #[test]
    fn a_year_not_loaded_is_an_error_that_says_which_file_to_add() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(
            calendar.is_working_day(d(2020, 6, 1)),
            Err(CalendarError::YearNotLoaded { year: 2020 })
        );
        assert_eq!(
            CalendarError::YearNotLoaded { year: 2027 }.to_string(),
            "2027 年的节假日安排未载入：请在节假日文件夹中加入 2027.toml（国务院办公厅每年公布）"
        );
    }

    #[test]
    fn calendar_counting_of_7_days_needs_no_calendar() {
        let rule = PeriodRule {
            days: 7,
            count: Count::Calendar,
        };
        assert_eq!(
            HolidayCalendar::default().period(rule, d(2024, 9, 30)),
            Ok(Period {
                first: d(2024, 9, 30),
                last: d(2024, 10, 6)
            })
        );
        // Years never loaded do not matter either.
        assert_eq!(
            HolidayCalendar::default().period(rule, d(2031, 12, 29)),
            Ok(Period {
                first: d(2031, 12, 29),
                last: d(2032, 1, 4)
            })
        );
    }

    #[test]
    fn a_one_day_period_is_the_first_working_day_alone() {
        let calendar = HolidayCalendar::built_in();
        assert_eq!(
            calendar.period(working(1), d(2024, 9, 30)),
            Ok(Period {
                first: d(2024, 9, 30),
                last: d(2024, 9, 30)
            })
        );
        let one_day = PeriodRule {
            days: 1,
            count: Count::Calendar,
        };
        assert_eq!(
            calendar.period(one_day, d(2024, 9, 30)),
            Ok(Period {
                first: d(2024, 9, 30),
                last: d(2024, 9, 30)
            })
        );
    }

    #[test]
    fn a_later_file_for_the_same_year_replaces_the_earlier_one() {
        let first = "year = 2024\nsource = \"a\"\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2024-10-01\nto = 2024-10-07\nworkdays = [2024-09-29]\n";
        let second = "year = 2024\nsource = \"b\"\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2024-10-01\nto = 2024-10-03\n";
        let calendar =
            HolidayCalendar::parse(&[("shipped/2024.toml", first), ("bureau/2024.toml", second)])
                .unwrap();
        assert_eq!(calendar.source(2024), Some("b"));
        assert_eq!(calendar.is_working_day(d(2024, 9, 29)), Ok(false));
        assert_eq!(calendar.is_working_day(d(2024, 10, 4)), Ok(true));

        let overridden = HolidayCalendar::built_in()
            .with(HolidayCalendar::parse(&[("bureau/2024.toml", second)]).unwrap());
        assert_eq!(overridden.years(), vec![2021, 2022, 2023, 2024, 2025, 2026]);
        assert_eq!(overridden.source(2024), Some("b"));
        assert_eq!(overridden.is_working_day(d(2024, 10, 12)), Ok(false));
        assert_eq!(overridden.source(2025), Some("国办发明电〔2024〕12号"));
    }
}
