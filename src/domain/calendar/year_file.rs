//! A year file (`fixtures/holidays/{year}.toml`) read and checked: one notice's holidays and make-up working days.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use toml::value::Datetime;

use super::arrangement::{Arrangement, NEXT_YEAR_REACHES_BACK_TO_DECEMBER, is_weekend};

/// The longest holiday ever arranged is 10 days (春节 2020, extended); a longer range is a typing error.
const MAX_HOLIDAY_DAYS: i64 = 15;

/// A year file as written; checked and turned into an [`Arrangement`] by [`parse_file`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    holidays: Vec<HolidayEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    name: String,
    from: Datetime,
    to: Datetime,
    #[serde(default)]
    workdays: Vec<Datetime>,
}

/// The weekday as the notices write it beside a date: "2月4日（星期日）上班".
fn weekday_zh(day: NaiveDate) -> &'static str {
    match day.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Reads and checks one year file; errors are `field: message` (or `line n: message` for what TOML itself
/// rejects), for the caller to prefix with the file's name.
pub(super) fn parse_file(name: &str, text: &str) -> Result<(i32, Arrangement), String> {
    let file: YearFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.as_bytes().get(..span.start))
            .map(|before| before.iter().filter(|&&b| b == b'\n').count() + 1);
        match line {
            Some(line) => format!("line {line}: {}", e.message()),
            None => e.message().to_owned(),
        }
    })?;
    let year = file.year;
    if file.source.trim().is_empty() {
        return Err(
            "source: is empty; give the notice's number, e.g. 国办发明电〔2023〕7号".into(),
        );
    }
    if file.holidays.is_empty() {
        return Err("holidays: none listed; every annual notice arranges several".into());
    }
    // Only late December of the year before may appear: the notice for a year also settles a 元旦 that starts
    // before it, and nothing else.
    let belongs = |day: NaiveDate| {
        day.year() == year
            || (Some(day.year()) == year.checked_sub(1)
                && day.month() == 12
                && day.day() >= NEXT_YEAR_REACHES_BACK_TO_DECEMBER)
    };

    let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(file.holidays.len());
    for (i, holiday) in file.holidays.iter().enumerate() {
        let at = format!("holidays[{i}]");
        if holiday.name.trim().is_empty() {
            return Err(format!("{at}.name: is empty"));
        }
        let from = date(&holiday.from, &format!("{at}.from"))?;
        let to = date(&holiday.to, &format!("{at}.to"))?;
        if !belongs(from) {
            return Err(format!(
                "{at}.from: {from} is not in {year} (only a holiday starting from \
                 {NEXT_YEAR_REACHES_BACK_TO_DECEMBER} December of the year before may)"
            ));
        }
        if to.year() != year {
            return Err(format!("{at}.to: {to} is not in {year}"));
        }
        if to < from {
            return Err(format!("{at}.to: {to} is before from ({from})"));
        }
        let length = (to - from).num_days() + 1;
        if length > MAX_HOLIDAY_DAYS {
            return Err(format!(
                "{at}.to: {from}..{to} would be {length} days off; no holiday is longer than {MAX_HOLIDAY_DAYS}"
            ));
        }
        if let Some(j) = ranges.iter().position(|&(f, t)| from <= t && f <= to) {
            return Err(format!("{at}.from: {from}..{to} overlaps holidays[{j}]"));
        }
        ranges.push((from, to));
    }

    let mut workdays = BTreeSet::new();
    for (i, holiday) in file.holidays.iter().enumerate() {
        for (k, value) in holiday.workdays.iter().enumerate() {
            let at = format!("holidays[{i}].workdays[{k}]");
            let day = date(value, &at)?;
            if !belongs(day) {
                return Err(format!("{at}: {day} is not in {year}"));
            }
            if !is_weekend(day) {
                return Err(format!(
                    "{at}: {day} is a {}; a make-up working day (调休上班) is a Saturday or Sunday",
                    weekday_zh(day)
                ));
            }
            if let Some(j) = ranges.iter().position(|&(f, t)| (f..=t).contains(&day)) {
                return Err(format!("{at}: {day} is inside holidays[{j}], a day off"));
            }
            workdays.insert(day);
        }
    }

    // Checked after the dates, so that a copied file whose dates were not changed is reported by its dates.
    let named = Path::new(name)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(|stem| stem.parse::<i32>().ok());
    if let Some(named) = named
        && named != year
    {
        return Err(format!("year: {year} but the file is named for {named}"));
    }

    let days_off = ranges
        .iter()
        .flat_map(|&(from, to)| from.iter_days().take_while(move |&d| d <= to))
        .collect();
    Ok((
        year,
        Arrangement {
            source: file.source,
            days_off,
            workdays,
        },
    ))
}

/// A TOML local date (`2024-10-01`); a time or offset would mean the file was written for something else.
fn date(value: &Datetime, field: &str) -> Result<NaiveDate, String> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                .ok_or_else(|| format!("{field}: {value} is not a date"))
        }
        _ => Err(format!(
            "{field}: {value} is not a plain date; write it as 2024-10-01"
        )),
    }
}
#[cfg(test)]
mod tests {
    use crate::domain::calendar::HolidayCalendar;

    fn parse_error(name: &str, text: &str) -> String {
        HolidayCalendar::parse(&[(name, text)]).unwrap_err()
    }

    #[test]
    fn a_reversed_range_is_an_error_naming_file_and_field() {
        let text = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nto = 2024-01-01\n\n[[holidays]]\nname = \"春节\"\nfrom = 2024-02-17\nto = 2024-02-10\n";
        assert_eq!(
            parse_error("2024.toml", text),
            "2024.toml: holidays[1].to: 2024-02-10 is before from (2024-02-17)"
        );
    }

    #[test]
    fn a_make_up_day_on_a_weekday_is_an_error_naming_file_and_field() {
        let text = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2024-10-01\nto = 2024-10-07\nworkdays = [2024-09-29, 2024-10-08]\n";
        assert_eq!(
            parse_error("2024.toml", text),
            "2024.toml: holidays[0].workdays[1]: 2024-10-08 is a 星期二; a make-up working day (调休上班) is a Saturday or Sunday"
        );
    }

    #[test]
    fn a_make_up_day_inside_a_holiday_is_an_error() {
        let text = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2024-10-01\nto = 2024-10-07\n\n[[holidays]]\nname = \"中秋节\"\nfrom = 2024-09-15\nto = 2024-09-17\nworkdays = [2024-10-05]\n";
        assert_eq!(
            parse_error("2024.toml", text),
            "2024.toml: holidays[1].workdays[0]: 2024-10-05 is inside holidays[0], a day off"
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_file_line_and_key() {
        let top = "year = 2024\nsource = \"x\"\nnote = \"y\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nto = 2024-01-01\n";
        let e = parse_error("2024.toml", top);
        assert!(
            e.starts_with("2024.toml: line 3: unknown field `note`"),
            "{e}"
        );

        let inner = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nuntil = 2024-01-01\n";
        let e = parse_error("2024.toml", inner);
        assert!(
            e.starts_with("2024.toml: line 7: unknown field `until`"),
            "{e}"
        );
    }

    #[test]
    fn a_date_outside_the_files_year_is_an_error() {
        let year_not_changed = "year = 2025\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nto = 2024-01-01\n";
        assert_eq!(
            parse_error("2025.toml", year_not_changed),
            "2025.toml: holidays[0].from: 2024-01-01 is not in 2025 (only a holiday starting from 25 December of the year before may)"
        );

        let early_december = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2023-12-20\nto = 2024-01-01\n";
        assert!(
            parse_error("2024.toml", early_december).starts_with("2024.toml: holidays[0].from: "),
        );

        let next_year = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-12-31\nto = 2025-01-01\n";
        assert_eq!(
            parse_error("2024.toml", next_year),
            "2024.toml: holidays[0].to: 2025-01-01 is not in 2024"
        );

        let make_up_elsewhere = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nto = 2024-01-01\nworkdays = [2023-12-02]\n";
        assert_eq!(
            parse_error("2024.toml", make_up_elsewhere),
            "2024.toml: holidays[0].workdays[0]: 2023-12-02 is not in 2024"
        );
    }

    #[test]
    fn a_file_named_for_another_year_is_an_error() {
        let text = "year = 2025\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2025-01-01\nto = 2025-01-01\n";
        assert_eq!(
            parse_error("holidays/2026.toml", text),
            "holidays/2026.toml: year: 2025 but the file is named for 2026"
        );
        // A name that is not a year is left alone.
        assert!(HolidayCalendar::parse(&[("bureau-override.toml", text)]).is_ok());
    }

    #[test]
    fn overlong_and_overlapping_holidays_are_errors() {
        let overlong = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"春节\"\nfrom = 2024-02-01\nto = 2024-02-29\n";
        assert_eq!(
            parse_error("2024.toml", overlong),
            "2024.toml: holidays[0].to: 2024-02-01..2024-02-29 would be 29 days off; no holiday is longer than 15"
        );
        let overlapping = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"中秋节\"\nfrom = 2024-09-15\nto = 2024-09-17\n\n[[holidays]]\nname = \"国庆节\"\nfrom = 2024-09-17\nto = 2024-09-20\n";
        assert_eq!(
            parse_error("2024.toml", overlapping),
            "2024.toml: holidays[1].from: 2024-09-17..2024-09-20 overlaps holidays[0]"
        );
    }

    #[test]
    fn a_date_with_a_time_or_a_missing_field_is_an_error() {
        let with_time = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01T00:00:00\nto = 2024-01-01\n";
        assert_eq!(
            parse_error("2024.toml", with_time),
            "2024.toml: holidays[0].from: 2024-01-01T00:00:00 is not a plain date; write it as 2024-10-01"
        );
        let no_source =
            "year = 2024\n\n[[holidays]]\nname = \"元旦\"\nfrom = 2024-01-01\nto = 2024-01-01\n";
        let e = parse_error("2024.toml", no_source);
        assert!(
            e.starts_with("2024.toml: ") && e.contains("`source`"),
            "{e}"
        );
        let as_string = "year = 2024\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = \"2024-01-01\"\nto = 2024-01-01\n";
        assert!(parse_error("2024.toml", as_string).starts_with("2024.toml: line 6: "));
    }
}
