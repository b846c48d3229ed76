//! 人大代表票决票: the ballot on which the people's congress deputies choose next year's livelihood projects
//! (民生实事项目) among more candidates than places (差额票决).
//!
//! One ballot per serial number, all in one PDF. Each ballot carries its serial number ("No. 0007") and a QR code
//! of its own address at the top right of every page, so a ballot can be told from any other when it is counted;
//! the title and session sit in the band beside them on the first page. The candidates' table repeats its header
//! if it flows onto a second page of the same ballot. The table is laid out once: every ballot is the same but for
//! its band.

use std::collections::HashSet;

use crate::check::GlyphCheck;
use crate::error::{MissingGlyph, RenderError};
use crate::layout::{
    Align, Block, Cell, Column, Prim, Rgb, Sheet, Style, Table, baseline, mm, paginate_on,
    text_prim,
};
use crate::linebreak;
use crate::model::Ballot;
use crate::pdf::{self, Meta};
use crate::{money, qr};

use super::{bold, date_zh, plain, specimen_prims, watermark};

/// What `qr` holds in place of the ballot's serial number.
pub const NUMBER_PLACEHOLDER: &str = "{number}";

/// The columns' headers and alignments.
const COLUMNS: [(&str, Align); 9] = [
    ("序号", Align::Center),
    ("项目名称", Align::Left),
    ("所在镇\n（街道）", Align::Left),
    ("户数", Align::Right),
    ("总投资\n（万元）", Align::Right),
    ("主要改造内容", Align::Left),
    ("赞成", Align::Center),
    ("反对", Align::Center),
    ("弃权", Align::Center),
];

/// The columns' widths in millimetres on A4 (180 mm): a project's name and its works in two lines of 10 pt.
const A4_COLUMNS: [f32; 9] = [10.0, 43.0, 17.0, 13.0, 18.0, 49.0, 10.0, 10.0, 10.0];
/// On A3 (257 mm): the name and the works on one line of 11 pt, so a row is only as tall as its boxes.
const A3_COLUMNS: [f32; 9] = [12.0, 70.0, 22.0, 15.0, 22.0, 77.0, 13.0, 13.0, 13.0];

/// Between the serial number and the code: more than the code's quiet zone (four modules, 3.2 mm for a
/// ballot's address).
const SERIAL_GAP: f32 = mm(3.5);

/// A paper size and what is set on it.
struct Format {
    sheet: Sheet,
    /// Where the band (serial number, QR code, title) starts.
    band_top: f32,
    /// The QR code's side, quiet zone not included.
    qr: f32,
    serial: f32,
    /// Title sizes, largest first: the largest at which it takes at most two lines.
    title: [f32; 3],
    session: f32,
    /// The instruction and the table.
    body: f32,
    /// The side of the boxes to mark.
    square: f32,
    /// The columns' widths (shares of the text width).
    columns: [f32; 9],
}

impl Format {
    /// A4 portrait: 15 candidates of two-line names fit one page at 10 pt.
    const A4: Format = Format::new(mm(210.0), mm(297.0), mm(15.0), 1.0, A4_COLUMNS);
    /// A3 portrait: the drawing 1.1 × larger on a sheet 1.41 × wider and taller, names on one line: about 30
    /// candidates a page.
    const A3: Format = Format::new(mm(297.0), mm(420.0), mm(20.0), 1.1, A3_COLUMNS);

    const fn new(width: f32, height: f32, side: f32, scale: f32, columns: [f32; 9]) -> Format {
        let band_top = mm(10.0);
        let qr = mm(26.0) * scale;
        let serial = 20.0 * scale;
        Format {
            sheet: Sheet {
                width,
                height,
                // The band: the serial number's line, the code's quiet zone above it, the code, and some air.
                top: band_top + serial * 1.3 + SERIAL_GAP + qr + mm(4.0),
                bottom: mm(14.0),
                left: side,
                right: side,
            },
            band_top,
            qr,
            serial,
            title: [18.0 * scale, 16.0 * scale, 15.0 * scale],
            session: 12.0 * scale,
            body: 10.0 * scale,
            square: mm(6.0) * scale,
            columns,
        }
    }

    /// Where the title is set: the band left of the code, clear of its quiet zone. (Centred on the page, it would
    /// have the code's width taken off both sides, and a title of 24 characters would not fit on one line.)
    fn middle(&self) -> (f32, f32) {
        let aside = self.qr + mm(6.0);
        (self.sheet.left, self.sheet.text_width() - aside)
    }
}

impl Ballot {
    /// Every character of the ballot the font cannot print, with the field it is in.
    pub fn missing_glyphs(&self) -> Vec<MissingGlyph> {
        let mut check = GlyphCheck::default();
        check.text(|| "title".into(), &self.title);
        check.text(|| "session".into(), &self.session);
        for (i, c) in self.candidates.iter().enumerate() {
            check.text(|| format!("candidates[{i}].name"), &c.name);
            check.text(|| format!("candidates[{i}].town"), &c.town);
            check.text(|| format!("candidates[{i}].description"), &c.description);
        }
        check.text(|| "qr".into(), &self.qr);
        check.finish()
    }

    /// Refuses a ballot that cannot be voted on or counted: the places must be at least one and fewer than the
    /// candidates, the serial numbers and the candidates' numbers unique, and the QR content must hold
    /// `{number}` (or every ballot would carry the same code). The first problem found, as
    /// [`RenderError::Invalid`].
    pub fn validate(&self) -> Result<(), RenderError> {
        let invalid = |field: String, message: String| Err(RenderError::Invalid { field, message });
        if self.places < 1 {
            return invalid("places".into(), "应选项目数至少为 1".into());
        }
        if self.places as usize >= self.candidates.len() {
            return invalid(
                "places".into(),
                format!(
                    "应选项目数（{}）须少于候选项目数（{}）：票决为差额选择",
                    self.places,
                    self.candidates.len()
                ),
            );
        }
        let mut seen = HashSet::new();
        for (i, c) in self.candidates.iter().enumerate() {
            if !seen.insert(c.number) {
                return invalid(
                    format!("candidates[{i}].number"),
                    format!("候选项目序号 {} 重复", c.number),
                );
            }
        }
        if self.numbers.is_empty() {
            return invalid("numbers".into(), "没有要印制的票号".into());
        }
        let mut seen = HashSet::new();
        for (i, n) in self.numbers.iter().enumerate() {
            if !seen.insert(n) {
                return invalid(format!("numbers[{i}]"), format!("票号 {} 重复", serial(*n)));
            }
        }
        if !self.qr.contains(NUMBER_PLACEHOLDER) {
            return invalid(
                "qr".into(),
                "二维码内容须含 {number}（票号），否则每张票的二维码都相同".into(),
            );
        }
        Ok(())
    }

    /// What ballot `number`'s QR code holds: [`Ballot::qr`] with `{number}` replaced by the serial number as
    /// printed, zero-padded to four digits ("…/2022/0007").
    pub fn qr_for(&self, number: u32) -> String {
        self.qr.replace(NUMBER_PLACEHOLDER, &serial(number))
    }
}

/// The serial number as printed: four digits at least, "0007".
fn serial(number: u32) -> String {
    format!("{number:04}")
}

/// The ballots as one PDF, each on as many pages as its table needs (one, for up to 15 candidates on A4).
pub fn render(ballot: &Ballot, paper: crate::Paper) -> Result<Vec<u8>, RenderError> {
    ballot.validate()?;
    let missing = ballot.missing_glyphs();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let format = if ballot.a3 { &Format::A3 } else { &Format::A4 };
    let sheet = &format.sheet;
    let body = paginate_on(blocks(ballot, format), sheet);

    let mut pages = Vec::with_capacity(body.len() * ballot.numbers.len());
    for &number in &ballot.numbers {
        let url = ballot.qr_for(number);
        for (i, content) in body.iter().enumerate() {
            let mut prims = content.clone();
            prims.extend(band(ballot, format, number, &url, i, body.len())?);
            if paper.specimen {
                prims.splice(0..0, watermark(sheet, "样张"));
                prims.extend(specimen_prims(sheet));
            }
            pages.push(prims);
        }
    }
    let (first, last) = (ballot.numbers[0], ballot.numbers[ballot.numbers.len() - 1]);
    let meta = Meta {
        title: ballot.title.replace('\n', ""),
        author: ballot.session.clone(),
        subject: format!(
            "票号 No. {} 至 No. {}，共 {} 张",
            serial(first),
            serial(last),
            ballot.numbers.len()
        ),
        keywords: vec!["票决票".into(), ballot.session.clone()],
        date: ballot.date,
    };
    pdf::write_on(pages, sheet, &meta)
}

/// What every ballot shares: the instruction, the candidates and the closing line.
fn blocks(ballot: &Ballot, format: &Format) -> Vec<Block> {
    vec![
        instruction(ballot, format),
        Block::table(table(ballot, format)).gap(mm(3.0)),
        closing(ballot, format).gap(mm(3.0)),
    ]
}

/// The rule for filling in the ballot, in a framed box; "填票说明：" in bold.
fn instruction(ballot: &Ballot, format: &Format) -> Block {
    const LABEL: &str = "填票说明：";
    let text = format!(
        "{LABEL}每个候选项目只能在「赞成」「反对」「弃权」中选一项，在对应方框内划「○」；\
         赞成的项目不得超过 {} 个，超过的本票无效；不划的视为弃权。",
        ballot.places
    );
    let sheet = &format.sheet;
    let style = plain(format.body + 0.5).leading(1.5);
    let pad = mm(2.5);
    let (x, width) = (sheet.left, sheet.text_width());
    let lines = linebreak::wrap(&text, width - 2.0 * pad, |c| style.advance(c));
    let height = lines.len() as f32 * style.line_height() + 2.0 * pad;
    let mut prims = vec![Prim::Rect {
        x,
        y: 0.0,
        w: width,
        h: height,
        fill: Some(Rgb(0.97, 0.97, 0.97)),
        stroke: Some((0.8, Rgb::RULE)),
    }];
    for (i, line) in lines.iter().enumerate() {
        let y = baseline(
            pad + i as f32 * style.line_height(),
            style.line_height(),
            style.size,
        );
        let (label, rest) = match line.text.strip_prefix(LABEL) {
            // Bold draws with the same advances, so the rest starts where the label ends.
            Some(rest) if i == 0 => (Some(LABEL), rest),
            _ => (None, line.text.as_str()),
        };
        let mut left = x + pad;
        if let Some(label) = label {
            let strong = bold(style.size);
            prims.push(text_prim(left, width, y, Align::Left, &strong, label));
            left += strong.width(label);
        }
        prims.push(text_prim(left, width, y, Align::Left, &style, rest));
    }
    Block::fixed(height, prims)
}

/// The candidates, numbers right, three empty boxes to mark.
fn table(ballot: &Ballot, format: &Format) -> Table {
    let style = plain(format.body).leading(1.3);
    let head = bold(format.body).leading(1.3);
    let columns = COLUMNS
        .iter()
        .zip(format.columns)
        .map(|((_, align), weight)| Column::new(weight, *align))
        .collect();
    let header = COLUMNS.iter().map(|(h, ..)| Cell::new(*h)).collect();
    let mut table = Table::new(columns, style).header(header, head);
    table.pad_x = 0.35 * format.body;
    table.pad_y = 0.35 * format.body;
    for c in &ballot.candidates {
        let box_ = || Cell::new("").square(format.square);
        table.row(vec![
            Cell::new(c.number.to_string()),
            Cell::new(c.name.trim()),
            Cell::new(c.town.trim()),
            Cell::new(money::whole(c.households)),
            Cell::new(money::wan_figures(c.investment_fen)),
            Cell::new(c.description.trim()),
            box_(),
            box_(),
            box_(),
        ]);
    }
    table
}

/// "本次共 N 个候选项目，应选 M 个" on the left, the date on the right.
fn closing(ballot: &Ballot, format: &Format) -> Block {
    let sheet = &format.sheet;
    let style = plain(format.body + 1.0);
    let height = style.line_height();
    let y = baseline(0.0, height, style.size);
    let count = format!(
        "本次共 {} 个候选项目，应选 {} 个。",
        ballot.candidates.len(),
        ballot.places
    );
    Block::fixed(
        height,
        vec![
            text_prim(
                sheet.left,
                sheet.text_width(),
                y,
                Align::Left,
                &style,
                &count,
            ),
            text_prim(
                sheet.left,
                sheet.text_width(),
                y,
                Align::Right,
                &style,
                &date_zh(ballot.date),
            ),
        ],
    )
}

/// The top of page `index` (of `count`) of ballot `number`: the serial number and the code at the right; the
/// title and session in the middle of the first page, the title marked 续 and the page on the others; the page
/// count at the foot when there is more than one page.
fn band(
    ballot: &Ballot,
    format: &Format,
    number: u32,
    url: &str,
    index: usize,
    count: usize,
) -> Result<Vec<Prim>, RenderError> {
    let sheet = &format.sheet;
    let right = sheet.left + sheet.text_width();
    let serial_style = bold(format.serial).color(Rgb::RED);
    let serial_line = format.serial * 1.3;
    let mut prims = vec![text_prim(
        right - format.qr - mm(10.0),
        format.qr + mm(10.0),
        baseline(format.band_top, serial_line, format.serial),
        Align::Right,
        &serial_style,
        &format!("No. {}", serial(number)),
    )];
    let code_top = format.band_top + serial_line + SERIAL_GAP;
    prims.extend(qr::qr_prims(url, right - format.qr, code_top, format.qr)?);

    let (x, width) = format.middle();
    let band_height = code_top + format.qr - format.band_top;
    let mut lines: Vec<(Style, String)> = Vec::new();
    if index == 0 {
        let title = title_style(ballot, format, width);
        for line in linebreak::wrap(&ballot.title, width, |c| title.advance(c)) {
            lines.push((title, line.text));
        }
        let session = plain(format.session).leading(1.8);
        for line in linebreak::wrap(&ballot.session, width, |c| session.advance(c)) {
            lines.push((session, line.text));
        }
    } else {
        let title = bold(format.session).color(Rgb::GREY).leading(1.6);
        for line in linebreak::wrap(
            &format!("{}（续）", ballot.title.replace('\n', "")),
            width,
            |c| title.advance(c),
        ) {
            lines.push((title, line.text));
        }
        let page = bold(format.session + 2.0).leading(1.6);
        lines.push((page, format!("第 {} 页", index + 1)));
    }
    let total: f32 = lines.iter().map(|(s, _)| s.line_height()).sum();
    let mut y = format.band_top + (band_height - total).max(0.0) / 2.0;
    for (style, text) in &lines {
        let line_y = baseline(y, style.line_height(), style.size);
        prims.push(text_prim(x, width, line_y, Align::Center, style, text));
        y += style.line_height();
    }
    if count > 1 {
        let footer = plain(9.0);
        prims.push(text_prim(
            sheet.left,
            sheet.text_width(),
            sheet.height - mm(8.0),
            Align::Center,
            &footer,
            &format!(
                "No. {} · 第 {} 页 共 {} 页",
                serial(number),
                index + 1,
                count
            ),
        ));
    }
    Ok(prims)
}

/// The title on one line of the band's middle at the largest size that allows it; else on two lines (where the
/// title's `\n` says, or as they fill) at the largest size that allows that.
fn title_style(ballot: &Ballot, format: &Format, width: f32) -> Style {
    let styles = format.title.map(|size| bold(size).leading(1.35));
    let lines = |s: &Style| linebreak::wrap(&ballot.title, width, |c| s.advance(c)).len();
    styles
        .iter()
        .find(|s| lines(s) == 1)
        .or_else(|| styles.iter().find(|s| lines(s) <= 2))
        .copied()
        .unwrap_or(styles[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_wording_prints() {
        let fixed = COLUMNS.iter().map(|(h, _)| *h).chain([
            "填票说明：「赞成」「反对」「弃权」划「○」",
            "（续）No. · 第页共",
        ]);
        for text in fixed {
            for ch in text.chars() {
                assert!(
                    crate::fonts::printable(ch),
                    "{ch:?} of {text} is not in the font"
                );
            }
        }
    }

    #[test]
    fn the_title_keeps_clear_of_the_code_and_the_columns_fill_the_width() {
        for format in [&Format::A4, &Format::A3] {
            let (x, width) = format.middle();
            assert!(x + width + format.qr + mm(3.2) <= format.sheet.width - format.sheet.right);
            assert!(width > 0.8 * format.sheet.text_width(), "{width}");
            let total: f32 = format.columns.iter().sum();
            assert!(
                (mm(total) - format.sheet.text_width()).abs() < 0.5,
                "{total} mm"
            );
        }
    }
}
