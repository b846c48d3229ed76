//! Drawing primitives: what a laid-out page is made of.

use crate::fonts::{self, Face};

/// A colour, each channel 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
    /// The red of the issuer's name and rule: a sober print red, not a screen red.
    pub const RED: Rgb = Rgb(0.80, 0.07, 0.07);
    pub const RULE: Rgb = Rgb(0.25, 0.25, 0.25);
    pub const GREY: Rgb = Rgb(0.40, 0.40, 0.40);
    pub const SHADE: Rgb = Rgb(0.93, 0.93, 0.93);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Prim {
    /// One line of text, `y` its baseline. `spacing` is extra space after each character (points),
    /// used to justify lines; `angle` rotates it (degrees, counter-clockwise) around its origin.
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        color: Rgb,
        text: String,
        spacing: f32,
        angle: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(f32, Rgb)>,
    },
    /// Closed rings filled even-odd (so inner rings are holes), optionally stroked.
    Path {
        rings: Vec<Vec<(f32, f32)>>,
        fill: Option<Rgb>,
        stroke: Option<(f32, Rgb)>,
    },
}

impl Prim {
    /// The primitive moved down by `dy`.
    pub fn shifted(mut self, dy: f32) -> Prim {
        match &mut self {
            Prim::Text { y, .. } | Prim::Rect { y, .. } => *y += dy,
            Prim::Line { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
            Prim::Path { rings, .. } => {
                for point in rings.iter_mut().flatten() {
                    point.1 += dy;
                }
            }
        }
        self
    }
}

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub face: Face,
    pub size: f32,
    pub color: Rgb,
    /// Line height as a multiple of the size.
    pub leading: f32,
}

impl Style {
    pub const fn new(face: Face, size: f32) -> Style {
        Style {
            face,
            size,
            color: Rgb::BLACK,
            leading: 1.5,
        }
    }

    pub const fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }

    pub const fn leading(self, leading: f32) -> Style {
        Style { leading, ..self }
    }

    pub fn line_height(&self) -> f32 {
        self.size * self.leading
    }

    /// The width of `text` in this style.
    pub fn width(&self, text: &str) -> f32 {
        fonts::width(self.size, text)
    }

    /// The advance of one character, for the line breaker.
    pub fn advance(&self, ch: char) -> f32 {
        fonts::advance_em(ch) * self.size
    }
}

/// A line of text aligned in the box `x..x + width`, with its baseline at `y`.
pub fn text_prim(x: f32, width: f32, y: f32, align: Align, style: &Style, text: &str) -> Prim {
    let x = match align {
        Align::Left => x,
        Align::Center => x + (width - style.width(text)) / 2.0,
        Align::Right => x + width - style.width(text),
    };
    Prim::Text {
        x,
        y,
        face: style.face,
        size: style.size,
        color: style.color,
        text: text.to_owned(),
        spacing: 0.0,
        angle: 0.0,
    }
}

/// Where the baseline goes for text of `size` centred in a line box of height `line_height`
/// whose top is at `top`: the CJK ideographic em box (-0.12..0.88 em around the baseline) is
/// centred in the line.
pub fn baseline(top: f32, line_height: f32, size: f32) -> f32 {
    top + line_height / 2.0 + 0.38 * size
}
