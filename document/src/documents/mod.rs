//! The documents: what goes on them, over the layout engine.

pub mod ballot;
pub mod notice;
pub mod poster;
pub mod report;
pub mod work_order;

use chrono::NaiveDate;

use crate::fonts::Face;
use crate::layout::{Align, Block, Prim, Rgb, Sheet, Style, baseline, mm, size, text_prim};

/// Body text at a size (GB/T 9704's 宋体/仿宋 role).
pub const fn plain(size: f32) -> Style {
    Style::new(Face::Regular, size)
}

/// Bold at a size (GB/T 9704's 黑体 and 小标宋 roles).
pub const fn bold(size: f32) -> Style {
    Style::new(Face::Bold, size)
}

/// "2021年3月1日".
pub fn date_zh(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// A number with thousands separators and `decimals` places ("21,600.00").
pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(text.len() + 4);
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A quantity as measured: whole numbers without decimals, others with two ("1,250.50").
pub fn quantity(value: f64) -> String {
    if value.fract() == 0.0 {
        number(value, 0)
    } else {
        number(value, 2)
    }
}

/// The GB/T 9704 header (版头): the issuer's name in red, the document number under it, and the
/// red rule across the text width.
pub fn letterhead(authority: &str, number_line: &str) -> Vec<Block> {
    letterhead_on(&Sheet::PORTRAIT, authority, number_line)
}

/// [`letterhead`] with the rule across `sheet`'s text width.
pub fn letterhead_on(sheet: &Sheet, authority: &str, number_line: &str) -> Vec<Block> {
    let issuer = Style::new(Face::Bold, 24.0).color(Rgb::RED).leading(1.3);
    let rule_gap = 6.0;
    let rule = Prim::Line {
        x1: sheet.left,
        y1: rule_gap,
        x2: sheet.left + sheet.text_width(),
        y2: rule_gap,
        width: 1.5,
        color: Rgb::RED,
    };
    vec![
        Block::text(authority, issuer, Align::Center, false),
        Block::text(number_line, plain(size::SI), Align::Center, false)
            .gap(mm(3.0))
            .keep_with_next(),
        Block::fixed(rule_gap + 1.0, vec![rule]).keep_with_next(),
    ]
}

/// The title (2号 bold, centred).
pub fn title(text: &str) -> Block {
    Block::text(
        text,
        Style::new(Face::Bold, size::ER).leading(1.4),
        Align::Center,
        false,
    )
    .gap(mm(4.0))
    .keep_with_next()
}

/// A first-level heading ("一、项目概况"), 3号 bold.
pub fn heading(text: &str) -> Block {
    Block::heading(text, bold(size::SAN).leading(1.6)).gap(mm(4.0))
}

/// "一", "二", … for headings (up to 99, which no document comes near).
pub fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// What is drawn on every page once the page count is known.
pub struct Decorations<'a> {
    /// The running header of pages after the first (left and right part).
    pub running_header: Option<(&'a str, &'a str)>,
    /// A red banner across the top of every page (the superseded notice) and a faint diagonal mark.
    pub banner: Option<(&'a str, &'a str)>,
    /// A specimen (样张): a red line at the top of every page and, unless the banner brings its own, the
    /// large faint mark.
    pub specimen: bool,
}

/// Adds the footer "第 N 页 共 M 页" to every page, and the running header and banner.
pub fn decorate(pages: &mut [Vec<Prim>], decorations: &Decorations) {
    decorate_on(pages, &Sheet::PORTRAIT, decorations);
}

/// [`decorate`] for pages of `sheet`'s size and margins.
pub fn decorate_on(pages: &mut [Vec<Prim>], sheet: &Sheet, decorations: &Decorations) {
    let (left, width) = (sheet.left, sheet.text_width());
    let count = pages.len();
    for (i, prims) in pages.iter_mut().enumerate() {
        let footer = format!("第 {} 页 共 {} 页", i + 1, count);
        let y = sheet.height - sheet.bottom + mm(12.0);
        prims.push(text_prim(
            left,
            width,
            y,
            Align::Center,
            &plain(size::XIAO_WU + 1.5),
            &footer,
        ));
        if let (Some((header_left, header_right)), true) = (decorations.running_header, i > 0) {
            let style = plain(size::XIAO_WU).color(Rgb::GREY);
            let y = sheet.top - mm(5.0);
            prims.push(text_prim(left, width, y, Align::Left, &style, header_left));
            prims.push(text_prim(
                left,
                width,
                y,
                Align::Right,
                &style,
                header_right,
            ));
            prims.push(Prim::Line {
                x1: left,
                y1: y + 3.5,
                x2: left + width,
                y2: y + 3.5,
                width: 0.4,
                color: Rgb::GREY,
            });
        }
        if let Some((banner, mark)) = decorations.banner {
            let watermark = watermark(sheet, mark);
            let banner = banner_prims(sheet, banner);
            // The mark goes under everything else; the banner on top.
            prims.splice(0..0, watermark);
            prims.extend(banner);
        } else if decorations.specimen {
            prims.splice(0..0, watermark(sheet, "样张"));
        }
        if decorations.specimen {
            prims.extend(specimen_prims(sheet));
        }
    }
}

/// The specimen's line, in the top margin above any banner.
fn specimen_prims(sheet: &Sheet) -> Vec<Prim> {
    let style = bold(size::XIAO_SI).color(Rgb::RED);
    vec![text_prim(
        sheet.left,
        sheet.text_width(),
        mm(9.0),
        Align::Center,
        &style,
        crate::SPECIMEN_LINE,
    )]
}

fn banner_prims(sheet: &Sheet, text: &str) -> Vec<Prim> {
    let style = bold(size::XIAO_SI).color(Rgb::RED);
    let (top, height) = (mm(12.0), mm(9.0));
    vec![
        Prim::Rect {
            x: sheet.left,
            y: top,
            w: sheet.text_width(),
            h: height,
            fill: Some(Rgb(1.0, 0.95, 0.95)),
            stroke: Some((1.0, Rgb::RED)),
        },
        text_prim(
            sheet.left,
            sheet.text_width(),
            baseline(top, height, style.size),
            Align::Center,
            &style,
            text,
        ),
    ]
}

/// A large, faint diagonal mark across the middle of the page.
fn watermark(sheet: &Sheet, text: &str) -> Vec<Prim> {
    let size = 120.0;
    let width = crate::fonts::width(size, text);
    let angle: f32 = 35.0;
    let (sin, cos) = angle.to_radians().sin_cos();
    // Start so that the rotated text's middle falls on the page's middle.
    let (cx, cy) = (sheet.width / 2.0, sheet.height / 2.0);
    let mid_x = width / 2.0;
    let mid_y = 0.38 * size;
    let x = cx - (mid_x * cos - mid_y * sin);
    let y = cy + (mid_x * sin + mid_y * cos);
    vec![Prim::Text {
        x,
        y,
        face: Face::Bold,
        size,
        color: Rgb(1.0, 0.88, 0.88),
        text: text.to_owned(),
        spacing: 0.0,
        angle,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(number(21600.0, 2), "21,600.00");
        assert_eq!(number(999.5, 0), "1,000");
        assert_eq!(number(-1234.5, 1), "-1,234.5");
        assert_eq!(number(-0.001, 2), "0.00");
        assert_eq!(quantity(12.0), "12");
        assert_eq!(quantity(1250.5), "1,250.50");
    }

    #[test]
    fn headings_count_in_chinese() {
        let got: Vec<String> = [1, 6, 10, 12, 21]
            .iter()
            .map(|n| chinese_ordinal(*n))
            .collect();
        assert_eq!(got, ["一", "六", "十", "十二", "二十一"]);
    }
}

#[cfg(test)]
mod specimen_tests {
    #[test]
    fn the_specimen_line_prints() {
        for ch in crate::SPECIMEN_LINE.chars().chain("样张".chars()) {
            assert!(crate::fonts::printable(ch), "{ch:?} is not in the font");
        }
    }
}
