//! The one spreadsheet writer every export uses: Chinese headers in bold on a frozen first row, money in
//! yuan with two decimals and thousands separators, areas in ㎡, dates as Excel dates, and columns wide
//! enough for their text (a CJK character counted as two).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};

/// The MIME type of an .xlsx file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How a column's values are written and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A plain whole number (years, codes counted as numbers): no separators.
    Integer,
    /// A whole number, with thousands separators.
    Count,
    /// Yuan: `#,##0.00`.
    Money,
    /// Square metres: `#,##0.00 ㎡`.
    Area,
    /// A number with two decimals (scores, priority points).
    Decimal,
    /// A date (`yyyy-mm-dd`).
    Date,
    /// A Beijing date and time to the minute (`yyyy-mm-dd hh:mm`).
    Minute,
}

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Minute(NaiveDateTime),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Number(f64::from(n))
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// How wide `text` looks in a spreadsheet column: a CJK (or other wide) character counts as two.
pub fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| {
            line.chars()
                .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// A workbook being built, sheet by sheet.
pub struct Book {
    workbook: Workbook,
}

impl Default for Book {
    fn default() -> Self {
        Book::new()
    }
}

impl Book {
    pub fn new() -> Self {
        Book {
            workbook: Workbook::new(),
        }
    }

    /// Adds a sheet named `name` with `columns` (Chinese header, kind) and the `rows` under them.
    pub fn sheet(
        &mut self,
        name: &str,
        columns: &[(&str, Kind)],
        rows: impl IntoIterator<Item = Vec<Cell>>,
    ) -> Result<(), XlsxError> {
        let header = Format::new()
            .set_bold()
            .set_background_color(0xE8EEF4)
            .set_align(FormatAlign::Center);
        let text = Format::new();
        let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let count = Format::new().set_num_format("#,##0");
        let money = Format::new().set_num_format("#,##0.00");
        let area = Format::new().set_num_format("#,##0.00\" ㎡\"");
        let decimal = Format::new().set_num_format("0.00");
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let minute = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        let mut widths: Vec<usize> = columns.iter().map(|(h, _)| display_width(h)).collect();
        for (c, (h, _)) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
        }
        for (r, row) in rows.into_iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.into_iter().enumerate().take(columns.len()) {
                let kind = columns[c].1;
                let col = c as u16;
                let shown = match &cell {
                    Cell::Empty => 0,
                    Cell::Text(t) => {
                        let f = if t.contains('\n') { &wrapped } else { &text };
                        sheet.write_string_with_format(r, col, t, f)?;
                        display_width(t).min(60)
                    }
                    Cell::Number(n) => {
                        let f = match kind {
                            Kind::Count => &count,
                            Kind::Money => &money,
                            Kind::Area => &area,
                            Kind::Decimal => &decimal,
                            _ => &text,
                        };
                        sheet.write_number_with_format(r, col, *n, f)?;
                        match kind {
                            Kind::Count => format!("{n:.0}").len() * 4 / 3,
                            Kind::Area => format!("{n:.2}").len() * 4 / 3 + 3,
                            _ => format!("{n:.2}").len() * 4 / 3,
                        }
                    }
                    Cell::Date(d) => {
                        sheet.write_datetime_with_format(r, col, excel_date(*d)?, &date)?;
                        10
                    }
                    Cell::Minute(t) => {
                        let at =
                            excel_date(t.date())?.and_hms(t.hour() as u16, t.minute() as u8, 0)?;
                        sheet.write_datetime_with_format(r, col, at, &minute)?;
                        16
                    }
                };
                widths[c] = widths[c].max(shown);
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(())
    }

    /// Adds a sheet of plain text lines in one column (instructions), the first line as a bold title.
    pub fn notes(&mut self, name: &str, lines: &[(String, String)]) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        let mut widths = [6usize, 6];
        for (r, (a, b)) in lines.iter().enumerate() {
            sheet.write_string_with_format(r as u32, 0, a, &bold)?;
            sheet.write_string_with_format(r as u32, 1, b, &wrapped)?;
            widths[0] = widths[0].max(display_width(a));
            widths[1] = widths[1].max(display_width(b));
        }
        sheet.set_column_width(0, widths[0].min(30) as f64 + 2.0)?;
        sheet.set_column_width(1, widths[1].min(90) as f64 + 2.0)?;
        Ok(())
    }

    pub fn bytes(mut self) -> Result<Vec<u8>, XlsxError> {
        self.workbook.save_to_buffer()
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// The Excel letter of a column counted from 0 (`A`, …, `Z`, `AA`, …).
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_twice_and_letters_run_on() {
        assert_eq!(display_width("小区a"), 5);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(7), "H");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn a_book_writes() {
        let mut book = Book::new();
        book.sheet(
            "小区",
            &[("名称", Kind::Text), ("估算投资（元）", Kind::Money)],
            [vec![Cell::from("工行小区"), Cell::from(1234.5)]],
        )
        .unwrap();
        assert!(book.bytes().unwrap().starts_with(b"PK"));
    }
}
