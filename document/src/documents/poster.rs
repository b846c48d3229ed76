//! 问需于民 海报: the poster the bureau posts at a compound's gate. Residents scan its QR code with a phone camera
//! or WeChat and say, on the compound's public page, what their compound needs.
//!
//! One A4 page drawn straight onto the sheet (not the GB/T 9704 text area: a poster has narrow margins and no
//! page footer). The parts above the code (banner, compound, subtitle) stack from the top, those below it (steps,
//! phone, issuer) from the bottom, and the code takes the height left between them, up to [`QR_MAX`], with its
//! quiet zone of four modules kept free of ink.

use crate::check::GlyphCheck;
use crate::error::{MissingGlyph, RenderError};
use crate::layout::{Align, Prim, Rgb, Sheet, Style, baseline, mm, text_prim};
use crate::linebreak;
use crate::model::Poster;
use crate::pdf::{self, Meta};
use crate::qr;

use super::{bold, date_zh, plain, specimen_prims, watermark};

const SHEET: Sheet = Sheet::PORTRAIT;
/// The poster's margins: office printers leave about 5 mm unprinted.
const MARGIN: f32 = mm(12.0);
/// The code's side, quiet zone not included: large enough to scan from two metres at a gate.
const QR_MAX: f32 = mm(100.0);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
/// The shade behind the steps.
const PALE: Rgb = Rgb(0.96, 0.96, 0.96);

/// The fixed wording, in reading order.
const BANNER: &str = "老旧小区改造 · 问需于民";
const SUBTITLE: &str = "您的小区哪里需要改？扫码告诉我们";
/// The steps, line by line (broken by sense, not where a line happens to fill).
const STEPS: [&[&str]; 3] = [
    &["用手机相机或微信", "扫描二维码"],
    &["选择或填写需要改造的内容、", "楼栋单元和手机号"],
    &["提交后可在同一页面", "查看答复"],
];
/// The steps' type sizes, largest first: the largest at which they fit side by side.
const STEP_SIZES: [f32; 4] = [15.0, 14.0, 13.0, 12.0];
const PRIVACY: &str = "手机号仅用于联系核实，不会公开";
const BY_HAND: &str = "无法扫码时，请在浏览器中输入：";

/// The compound's name is set as large as fits on one line, between these sizes (points); a name too long even
/// at the smallest wraps.
const NAME_SIZES: (f32, f32) = (64.0, 36.0);

impl Poster {
    /// Every character of the poster the font cannot print, with the field it is in.
    pub fn missing_glyphs(&self) -> Vec<MissingGlyph> {
        let mut check = GlyphCheck::default();
        check.text(|| "authority".into(), &self.authority);
        check.text(|| "compound".into(), &self.compound);
        check.text(|| "address".into(), &self.address);
        check.text(|| "url".into(), &self.url);
        check.text(|| "phone".into(), &self.phone);
        check.finish()
    }
}

/// The poster as a one-page A4 PDF.
pub fn render(poster: &Poster, paper: crate::Paper) -> Result<Vec<u8>, RenderError> {
    let missing = poster.missing_glyphs();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let mut page = Page::default();
    let top = page.head(poster);
    let bottom = page.foot(poster);
    page.code(poster, top, bottom)?;

    let mut prims = page.prims;
    if paper.specimen {
        prims.splice(0..0, watermark(&SHEET, "样张"));
        prims.extend(specimen_prims(&SHEET));
    }
    let meta = Meta {
        title: format!("问需于民海报 {}", poster.compound),
        author: poster.authority.clone(),
        subject: poster.url.clone(),
        keywords: vec!["问需于民".into(), poster.compound.clone()],
        date: poster.date,
    };
    pdf::write(vec![prims], &meta)
}

/// The page being drawn.
#[derive(Default)]
struct Page {
    prims: Vec<Prim>,
}

const LEFT: f32 = MARGIN;
const WIDTH: f32 = SHEET.width - 2.0 * MARGIN;

impl Page {
    /// The banner, the compound's name and address and the subtitle, from the top; returns where they end.
    fn head(&mut self, poster: &Poster) -> f32 {
        let band = mm(24.0);
        self.prims.push(Prim::Rect {
            x: LEFT,
            y: MARGIN,
            w: WIDTH,
            h: band,
            fill: Some(Rgb::RED),
            stroke: None,
        });
        let banner = bold(34.0).color(WHITE);
        self.prims.push(text_prim(
            LEFT,
            WIDTH,
            baseline(MARGIN, band, banner.size),
            Align::Center,
            &banner,
            BANNER,
        ));
        let mut y = MARGIN + band + mm(5.0);
        let name = name_style(&poster.compound);
        y = self.lines(y, &name, &poster.compound);
        y = self.lines(y, &plain(15.0).color(Rgb::GREY), poster.address.trim());
        y += mm(3.0);
        let y = self.lines(y, &bold(24.0).color(Rgb::RED).leading(1.4), SUBTITLE);
        // Air between the subtitle and the marks around the code.
        y + mm(3.0)
    }

    /// The issuer and date, the phone line, the privacy line and the steps, from the bottom; returns where they
    /// start.
    fn foot(&mut self, poster: &Poster) -> f32 {
        let issuer = bold(16.0);
        let date = plain(14.0);
        let mut y = SHEET.height - MARGIN;
        // The issuer signs on the right, the date under it.
        let date_line = date.line_height();
        self.prims.push(text_prim(
            LEFT,
            WIDTH,
            baseline(y - date_line, date_line, date.size),
            Align::Right,
            &date,
            &date_zh(poster.date),
        ));
        y -= date_line;
        let issuer_line = issuer.line_height();
        self.prims.push(text_prim(
            LEFT,
            WIDTH,
            baseline(y - issuer_line, issuer_line, issuer.size),
            Align::Right,
            &issuer,
            &poster.authority,
        ));
        // The phone on the left, level with the issuer.
        let phone = bold(16.0);
        self.prims.push(text_prim(
            LEFT,
            WIDTH,
            baseline(y - issuer_line, issuer_line, phone.size),
            Align::Left,
            &phone,
            &format!("咨询电话：{}", poster.phone.trim()),
        ));
        y -= issuer_line + mm(3.0);
        self.prims.push(Prim::Line {
            x1: LEFT,
            y1: y,
            x2: LEFT + WIDTH,
            y2: y,
            width: 1.2,
            color: Rgb::RED,
        });
        y -= mm(5.0);
        let privacy = plain(13.0).color(Rgb::GREY);
        y -= privacy.line_height();
        self.lines(y, &privacy, PRIVACY);
        y -= mm(1.5);
        y - self.steps(y)
    }

    /// The three steps side by side in a shaded box whose bottom is at `bottom`, each column as wide as its
    /// longest line; returns the box's height.
    fn steps(&mut self, bottom: f32) -> f32 {
        let pad = mm(4.0);
        let badge = mm(8.0);
        let after_badge = mm(2.5);
        let arrow = mm(7.0);
        let longest = |style: &Style, lines: &[&str]| {
            lines.iter().map(|l| style.width(l)).fold(0.0, f32::max)
        };
        let needed = |style: &Style| {
            STEPS
                .iter()
                .map(|lines| badge + after_badge + longest(style, lines))
                .sum::<f32>()
                + 2.0 * arrow
        };
        let room = WIDTH - 2.0 * pad;
        let text = STEP_SIZES
            .iter()
            .map(|size| plain(*size).leading(1.4))
            .find(|style| needed(style) <= room)
            .unwrap_or(plain(STEP_SIZES[STEP_SIZES.len() - 1]).leading(1.4));
        // What is left over widens the gaps, so the three sit evenly across the box.
        let spare = (room - needed(&text)).max(0.0) / 2.0;
        let lines = STEPS.iter().map(|l| l.len()).max().unwrap_or(1) as f32;
        let height = (lines * text.line_height()).max(badge) + 2.0 * pad;
        let top = bottom - height;
        let middle = top + height / 2.0;
        self.prims.push(Prim::Rect {
            x: LEFT,
            y: top,
            w: WIDTH,
            h: height,
            fill: Some(PALE),
            stroke: None,
        });
        let digit = bold(18.0).color(WHITE);
        let mut x = LEFT + pad;
        for (i, lines) in STEPS.iter().enumerate() {
            self.prims
                .push(circle(x + badge / 2.0, middle, badge / 2.0, Rgb::RED));
            self.prims.push(text_prim(
                x,
                badge,
                baseline(middle - badge / 2.0, badge, digit.size),
                Align::Center,
                &digit,
                &(i + 1).to_string(),
            ));
            let block = lines.len() as f32 * text.line_height();
            let text_x = x + badge + after_badge;
            for (j, line) in lines.iter().enumerate() {
                let line_top = middle - block / 2.0 + j as f32 * text.line_height();
                self.prims.push(text_prim(
                    text_x,
                    WIDTH,
                    baseline(line_top, text.line_height(), text.size),
                    Align::Left,
                    &text,
                    line,
                ));
            }
            x = text_x + longest(&text, lines);
            if i + 1 < STEPS.len() {
                let gap = arrow + spare;
                self.prims.push(chevron(x + gap * 0.55, middle, mm(3.5)));
                x += gap;
            }
        }
        height
    }

    /// The code, its quiet zone, the corner marks around it and the address for typing by hand, centred between
    /// `top` and `bottom`.
    fn code(&mut self, poster: &Poster, top: f32, bottom: f32) -> Result<(), RenderError> {
        let modules = qr::modules(&poster.url)? as f32;
        let hand = plain(10.5).color(Rgb::GREY);
        let url = plain(12.0);
        let caption = hand.line_height() + url.line_height();
        // Side + two quiet zones of four modules + the caption.
        let room = bottom - top - caption - mm(2.0);
        let side = (room / (1.0 + 8.0 / modules)).min(QR_MAX);
        let quiet = 4.0 * side / modules;
        let used = side + 2.0 * quiet + caption;
        let y = top + (bottom - top - used) / 2.0;
        let x = LEFT + (WIDTH - side) / 2.0;
        self.prims
            .extend(qr::qr_prims(&poster.url, x, y + quiet, side)?);
        self.prims.extend(corners(
            x - quiet,
            y,
            side + 2.0 * quiet,
            (side * 0.12).max(mm(6.0)),
        ));
        let mut y = y + side + 2.0 * quiet;
        y = self.lines(y, &hand, BY_HAND);
        self.lines(y, &url, &poster.url);
        Ok(())
    }

    /// `text` wrapped and centred across the poster from `top`; returns where it ends.
    fn lines(&mut self, top: f32, style: &Style, text: &str) -> f32 {
        let mut y = top;
        for line in linebreak::wrap(text, WIDTH, |c| style.advance(c)) {
            self.prims.push(text_prim(
                LEFT,
                WIDTH,
                baseline(y, style.line_height(), style.size),
                Align::Center,
                style,
                &line.text,
            ));
            y += style.line_height();
        }
        y
    }
}

/// The compound's name as large as fits on one line (a long one wraps at the smallest size).
fn name_style(name: &str) -> Style {
    let (largest, smallest) = NAME_SIZES;
    let fits = (largest / WIDTH * plain(1.0).width(name)).max(1.0);
    bold((largest / fits).max(smallest)).leading(1.3)
}

/// A filled circle as a polygon fine enough to look round in print.
fn circle(cx: f32, cy: f32, r: f32, fill: Rgb) -> Prim {
    let ring = (0..48)
        .map(|i| {
            let a = i as f32 / 48.0 * std::f32::consts::TAU;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    Prim::Path {
        rings: vec![ring],
        fill: Some(fill),
        stroke: None,
    }
}

/// A "›" pointing right with its tip at (`x`, `y`), `size` tall: the order of the steps.
fn chevron(x: f32, y: f32, size: f32) -> Prim {
    let (w, h, t) = (size * 0.5, size / 2.0, size * 0.22);
    Prim::Path {
        rings: vec![vec![
            (x - w, y - h),
            (x - w + t, y - h),
            (x + t, y),
            (x - w + t, y + h),
            (x - w, y + h),
            (x, y),
        ]],
        fill: Some(Rgb::RED),
        stroke: None,
    }
}

/// Red corner marks framing the square `x, y, side` (the code with its quiet zone), like a camera's viewfinder:
/// they say "scan here" and stay outside the quiet zone.
fn corners(x: f32, y: f32, side: f32, arm: f32) -> Vec<Prim> {
    let width = 2.5;
    let out = width / 2.0;
    let (l, t, r, b) = (x - out, y - out, x + side + out, y + side + out);
    let mut prims = Vec::new();
    for (cx, cy, dx, dy) in [
        (l, t, 1.0, 1.0),
        (r, t, -1.0, 1.0),
        (l, b, 1.0, -1.0),
        (r, b, -1.0, -1.0),
    ] {
        let line = |x2: f32, y2: f32| Prim::Line {
            x1: cx - dx * out,
            y1: cy,
            x2,
            y2,
            width,
            color: Rgb::RED,
        };
        prims.push(line(cx + dx * arm, cy));
        prims.push(Prim::Line {
            x1: cx,
            y1: cy - dy * out,
            x2: cx,
            y2: cy + dy * arm,
            width,
            color: Rgb::RED,
        });
    }
    prims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_wording_prints() {
        let fixed = [BANNER, SUBTITLE, PRIVACY, BY_HAND, "咨询电话："]
            .into_iter()
            .chain(STEPS.into_iter().flatten().copied());
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
    fn a_short_name_is_set_large_and_a_long_one_smaller_but_never_tiny() {
        assert_eq!(name_style("工行小区").size, NAME_SIZES.0);
        let long = name_style("仁寿县人民医院职工宿舍片区");
        assert!(
            long.size < NAME_SIZES.0 && long.width("仁寿县人民医院职工宿舍片区") <= WIDTH + 0.01
        );
        let absurd = name_style(&"很长的小区名称".repeat(5));
        assert_eq!(absurd.size, NAME_SIZES.1);
    }
}
