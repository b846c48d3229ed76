//! A page's content stream, written straight from the laid-out primitives.
//!
//! printpdf turns each of its operations into lopdf objects (one string object per glyph, every
//! number through float formatting) and lopdf writes them out again: 40 % of the time of a
//! whole work order. The handful of operators a document needs are written here directly, with
//! numbers rounded to hundredths of a point (0.0035 mm, far below what a printer resolves).

use crate::fonts::Face;
use crate::layout::{Prim, Rgb};

/// The content of one page `height` points high (PDF's y runs upwards from the bottom edge). `code` gives a
/// character's code in the page's font (None: not drawn; the renderer refuses such text long before).
pub fn page(
    prims: &[Prim],
    height: f32,
    font: &str,
    code: impl Fn(char) -> Option<u16>,
) -> Vec<u8> {
    let mut out = Writer {
        bytes: Vec::with_capacity(prims.len() * 48),
        state: State::default(),
    };
    for prim in prims {
        match prim {
            Prim::Text {
                x,
                y,
                face,
                size,
                color,
                text,
                spacing,
                angle,
            } => {
                out.begin_text();
                if out.state.font_size != Some(*size) {
                    out.bytes.push(b'/');
                    out.bytes.extend_from_slice(font.as_bytes());
                    out.bytes.push(b' ');
                    out.num(*size);
                    out.op("Tf");
                    out.state.font_size = Some(*size);
                }
                out.fill(*color);
                out.weight(*face, *size, *color);
                if out.state.spacing != *spacing {
                    out.num(*spacing);
                    out.op("Tc");
                    out.state.spacing = *spacing;
                }
                let (px, py) = (*x, height - *y);
                if *angle == 0.0 {
                    out.nums(&[1.0, 0.0, 0.0, 1.0, px, py]);
                } else {
                    let (sin, cos) = angle.to_radians().sin_cos();
                    out.nums(&[cos, sin, -sin, cos, px, py]);
                }
                out.op("Tm");
                out.bytes.push(b'<');
                for code in text.chars().filter_map(&code) {
                    out.hex(code);
                }
                out.bytes.push(b'>');
                out.op("Tj");
            }
            Prim::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
            } => {
                out.end_text();
                out.stroke(*width, *color);
                out.nums(&[*x1, height - *y1]);
                out.op("m");
                out.nums(&[*x2, height - *y2]);
                out.op("l");
                out.op("S");
            }
            Prim::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                out.end_text();
                let Some(paint) = out.paint(*fill, *stroke, false) else {
                    continue;
                };
                out.nums(&[*x, height - *y - *h, *w, *h]);
                out.op("re");
                out.op(paint);
            }
            Prim::Path {
                rings,
                fill,
                stroke,
            } => {
                out.end_text();
                let Some(paint) = out.paint(*fill, *stroke, true) else {
                    continue;
                };
                for ring in rings {
                    for (i, (x, y)) in ring.iter().enumerate() {
                        out.nums(&[*x, height - *y]);
                        out.op(if i == 0 { "m" } else { "l" });
                    }
                    out.op("h");
                }
                out.op(paint);
            }
        }
    }
    out.end_text();
    out.bytes
}

/// The graphics state already set, so unchanged colours, widths and fonts are not repeated.
#[derive(Default)]
struct State {
    in_text: bool,
    font_size: Option<f32>,
    /// Text is stroked as well as filled (synthetic bold).
    stroked_text: bool,
    spacing: f32,
    fill: Option<Rgb>,
    stroke_color: Option<Rgb>,
    stroke_width: Option<f32>,
}

struct Writer {
    bytes: Vec<u8>,
    state: State,
}

impl Writer {
    fn op(&mut self, op: &str) {
        self.bytes.extend_from_slice(op.as_bytes());
        self.bytes.push(b'\n');
    }

    /// Numbers, each followed by a space.
    fn nums(&mut self, values: &[f32]) {
        for value in values {
            self.num(*value);
        }
    }

    /// A number rounded to two decimals, without trailing zeros, and a space.
    fn num(&mut self, value: f32) {
        let hundredths = (f64::from(value) * 100.0).round() as i64;
        if hundredths < 0 {
            self.bytes.push(b'-');
        }
        let n = hundredths.unsigned_abs();
        self.digits(n / 100);
        let fraction = n % 100;
        if fraction != 0 {
            self.bytes.push(b'.');
            self.bytes.push(b'0' + (fraction / 10) as u8);
            if !fraction.is_multiple_of(10) {
                self.bytes.push(b'0' + (fraction % 10) as u8);
            }
        }
        self.bytes.push(b' ');
    }

    fn digits(&mut self, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes.extend_from_slice(&buf[i..]);
    }

    fn hex(&mut self, code: u16) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for shift in [12, 8, 4, 0] {
            self.bytes.push(HEX[usize::from((code >> shift) & 0xF)]);
        }
    }

    fn begin_text(&mut self) {
        if !self.state.in_text {
            self.op("BT");
            self.state.in_text = true;
        }
    }

    fn end_text(&mut self) {
        if self.state.in_text {
            self.op("ET");
            self.state.in_text = false;
        }
    }

    fn fill(&mut self, color: Rgb) {
        if self.state.fill != Some(color) {
            self.nums(&[color.0, color.1, color.2]);
            self.op("rg");
            self.state.fill = Some(color);
        }
    }

    fn stroke(&mut self, width: f32, color: Rgb) {
        if self.state.stroke_color != Some(color) {
            self.nums(&[color.0, color.1, color.2]);
            self.op("RG");
            self.state.stroke_color = Some(color);
        }
        if self.state.stroke_width != Some(width) {
            self.num(width);
            self.op("w");
            self.state.stroke_width = Some(width);
        }
    }

    /// Bold text is filled and stroked in its own colour; regular text only filled.
    fn weight(&mut self, face: Face, size: f32, color: Rgb) {
        let stroke = face.stroke();
        if stroke > 0.0 {
            self.stroke(stroke * size, color);
        }
        if self.state.stroked_text != (stroke > 0.0) {
            self.state.stroked_text = stroke > 0.0;
            self.op(if self.state.stroked_text {
                "2 Tr"
            } else {
                "0 Tr"
            });
        }
    }

    /// Sets the colours and returns the painting operator (even-odd for paths with holes).
    fn paint(
        &mut self,
        fill: Option<Rgb>,
        stroke: Option<(f32, Rgb)>,
        even_odd: bool,
    ) -> Option<&'static str> {
        if let Some(color) = fill {
            self.fill(color);
        }
        if let Some((width, color)) = stroke {
            self.stroke(width, color);
        }
        match (fill.is_some(), stroke.is_some(), even_odd) {
            (true, true, false) => Some("B"),
            (true, true, true) => Some("B*"),
            (true, false, false) => Some("f"),
            (true, false, true) => Some("f*"),
            (false, true, _) => Some("S"),
            (false, false, _) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(values: &[f32]) -> String {
        let mut out = Writer {
            bytes: Vec::new(),
            state: State::default(),
        };
        out.nums(values);
        String::from_utf8(out.bytes).unwrap_or_default()
    }

    #[test]
    fn numbers_are_short_and_exact_to_a_hundredth() {
        assert_eq!(
            numbers(&[0.0, 1.0, 10.5, 0.07, -3.256, 841.89, 1234567.0, -0.001]),
            "0 1 10.5 0.07 -3.26 841.89 1234567 0 "
        );
    }

    #[test]
    fn text_is_one_hex_string_per_line_and_state_is_not_repeated() {
        let text = |x: f32, face: Face| Prim::Text {
            x,
            y: 100.0,
            face,
            size: 12.0,
            color: Rgb::BLACK,
            text: "任务".into(),
            spacing: 0.0,
            angle: 0.0,
        };
        let prims = [
            text(10.0, Face::Regular),
            text(50.0, Face::Regular),
            text(90.0, Face::Bold),
        ];
        let codes = |ch: char| Some(if ch == '任' { 1 } else { 0x2A });
        let content = String::from_utf8(page(&prims, crate::layout::page::HEIGHT, "CJK", codes))
            .unwrap_or_default();
        assert_eq!(content.matches("Tf").count(), 1, "{content}");
        assert_eq!(content.matches(" rg").count(), 1, "{content}");
        assert!(content.contains("<0001002A>Tj"), "{content}");
        assert!(content.contains("2 Tr"), "bold is stroked: {content}");
        assert!(
            content.starts_with("BT\n") && content.ends_with("ET\n"),
            "{content}"
        );
    }
}
