//! Public-holiday calendar (节假日安排) and notice-period arithmetic (公示期).
//!
//! A notice period counted in working days (工作日) depends on the State Council General Office's annual
//! arrangement (国务院办公厅关于XXXX年部分节假日安排的通知): it moves holidays onto weekdays and makes
//! weekend days worked in exchange (调休). No rule predicts that arrangement, so each year is a data file
//! (`fixtures/holidays/{year}.toml`), and a count that reaches a year without one is an error rather than a
//! guess: a period that ends a day early is a defective notice.
//!
//! The parts: `period` (how a period is counted, and the period itself), `year_file` (one year's file read and
//! checked into an `arrangement`), `holidays` (the calendar of the loaded years, which counts periods).

mod arrangement;
mod holidays;
mod period;
mod year_file;

pub use holidays::HolidayCalendar;
pub use period::{CalendarError, Count, Period, PeriodRule};
