//! Writing laid-out pages as a PDF with printpdf, byte for byte the same for the same input.
//!
//! printpdf names fonts and the trailer /ID from a process-wide counter, so the same document
//! rendered twice in one process would differ. Here every name is derived from the content
//! instead: each face's resource name (whose first six letters are the `ABCDEF+` subset tag) from
//! the characters drawn in it, the /ID from the finished streams, and the dates from the data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use lopdf::{Object, StringFormat};
use printpdf::{
    Codepoint, Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, TextItem, TextMatrix,
    WindingOrder, font::PdfFont,
};

use crate::fonts::{self, Face};
use crate::layout::{Prim, Rgb, page};

/// The document information dictionary.
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    /// Creation and modification date: the day the document was issued, never "now".
    pub date: NaiveDate,
}

/// The PDF bytes of `pages` (top-left based page coordinates, as laid out).
pub fn write(pages: Vec<Vec<Prim>>, meta: &Meta) -> Vec<u8> {
    let font_ids = font_ids(&pages);
    let mut doc = PdfDocument::new(&meta.title);
    for (face, id) in &font_ids {
        doc.resources
            .fonts
            .map
            .insert(id.clone(), PdfFont::new(fonts::parsed(*face).clone()));
    }
    let pdf_pages = pages
        .iter()
        .map(|prims| PdfPage::new(Mm(210.0), Mm(297.0), ops(prims, &font_ids)))
        .collect();
    doc.with_pages(pdf_pages);
    set_info(&mut doc, meta);

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&options, &mut warnings);
    tidy_info(&mut lo);
    compress(&mut lo);
    let id = content_hash(&lo);
    lo.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = lo.save_to(&mut bytes);
    bytes
}

/// One resource name per face used, `ABCDEFSong`: printpdf takes the first six characters as the
/// subset tag, so they are six capital letters hashed from the face and the characters drawn.
fn font_ids(pages: &[Vec<Prim>]) -> BTreeMap<Face, FontId> {
    let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
    for prim in pages.iter().flatten() {
        if let Prim::Text { face, text, .. } = prim {
            used.entry(*face).or_default().extend(text.chars());
        }
    }
    used.into_iter()
        .map(|(face, chars)| {
            let mut hash = Fnv::new();
            hash.write(face.tag().as_bytes());
            for ch in chars {
                hash.write(&u32::from(ch).to_le_bytes());
            }
            let mut h = hash.finish();
            let tag: String = (0..6)
                .map(|_| {
                    let letter = char::from(b'A' + (h % 26) as u8);
                    h /= 26;
                    letter
                })
                .collect();
            (face, FontId(format!("{tag}{}", face.tag())))
        })
        .collect()
}

fn set_info(doc: &mut PdfDocument, meta: &Meta) {
    let midnight = meta.date.and_time(NaiveTime::MIN).and_utc().timestamp();
    let date = printpdf::OffsetDateTime::from_unix_timestamp(midnight)
        .unwrap_or_else(|_| printpdf::OffsetDateTime::epoch());
    let info = &mut doc.metadata.info;
    info.document_title = meta.title.clone();
    info.author = meta.author.clone();
    info.subject = meta.subject.clone();
    info.keywords = meta.keywords.clone();
    info.creator = "Jiugai".to_owned();
    info.producer = "Jiugai".to_owned();
    info.identifier = String::new();
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
}

/// printpdf writes entries that claim things the document is not (a PDF/X version, trapping) or
/// are empty; a reader's "document properties" should show only what is true.
fn tidy_info(doc: &mut lopdf::Document) {
    let Ok(Object::Reference(id)) = doc.trailer.get(b"Info").cloned() else {
        return;
    };
    if let Ok(Object::Dictionary(info)) = doc.get_object_mut(id) {
        for key in [&b"GTS_PDFXVersion"[..], b"Trapped", b"Identifier"] {
            info.remove(key);
        }
    }
}

/// The page's primitives as printpdf operations, in PDF coordinates (origin bottom-left).
fn ops(prims: &[Prim], font_ids: &BTreeMap<Face, FontId>) -> Vec<Op> {
    let mut out = Vec::with_capacity(prims.len() * 4);
    let mut state = State::default();
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
                let Some(font_id) = font_ids.get(face) else {
                    continue;
                };
                if !state.in_text {
                    out.push(Op::StartTextSection);
                    state.in_text = true;
                }
                if state.font != Some((*face, *size)) {
                    out.push(Op::SetFont {
                        font: PdfFontHandle::External(font_id.clone()),
                        size: Pt(*size),
                    });
                    state.font = Some((*face, *size));
                }
                state.fill(&mut out, *color);
                if state.spacing != *spacing {
                    out.push(Op::SetCharacterSpacing {
                        multiplier: *spacing,
                    });
                    state.spacing = *spacing;
                }
                let (px, py) = (*x, page::HEIGHT - *y);
                let matrix = if *angle == 0.0 {
                    TextMatrix::Translate(Pt(px), Pt(py))
                } else {
                    let (sin, cos) = angle.to_radians().sin_cos();
                    TextMatrix::Raw([cos, sin, -sin, cos, px, py])
                };
                out.push(Op::SetTextMatrix { matrix });
                // Glyph ids from our own cache: printpdf would look every character up in the
                // font's cmap again (twice), which is slow for a CJK face.
                let glyphs = text
                    .chars()
                    .filter_map(|ch| {
                        fonts::glyph(*face, ch).map(|g| Codepoint {
                            gid: g.id,
                            offset: 0.0,
                            cid: Some(ch.to_string()),
                        })
                    })
                    .collect();
                out.push(Op::ShowText {
                    items: vec![TextItem::GlyphIds(glyphs)],
                });
            }
            Prim::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
            } => {
                state.end_text(&mut out);
                state.stroke(&mut out, *width, *color);
                out.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(*x1, *y1), point(*x2, *y2)],
                        is_closed: false,
                    },
                });
            }
            Prim::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                state.end_text(&mut out);
                let Some(mode) = paint(&mut state, &mut out, *fill, *stroke) else {
                    continue;
                };
                out.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(*x),
                        y: Pt(page::HEIGHT - *y - *h),
                        width: Pt(*w),
                        height: Pt(*h),
                        mode: Some(mode),
                        winding_order: Some(WindingOrder::NonZero),
                    },
                });
            }
            Prim::Path {
                rings,
                fill,
                stroke,
            } => {
                state.end_text(&mut out);
                let Some(mode) = paint(&mut state, &mut out, *fill, *stroke) else {
                    continue;
                };
                out.push(Op::DrawPolygon {
                    polygon: Polygon {
                        rings: rings
                            .iter()
                            .map(|ring| PolygonRing {
                                points: ring.iter().map(|(x, y)| point(*x, *y)).collect(),
                            })
                            .collect(),
                        mode,
                        winding_order: WindingOrder::EvenOdd,
                    },
                });
            }
        }
    }
    state.end_text(&mut out);
    out
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(x),
            y: Pt(page::HEIGHT - y),
        },
        bezier: false,
    }
}

fn paint(
    state: &mut State,
    out: &mut Vec<Op>,
    fill: Option<Rgb>,
    stroke: Option<(f32, Rgb)>,
) -> Option<PaintMode> {
    if let Some(color) = fill {
        state.fill(out, color);
    }
    if let Some((width, color)) = stroke {
        state.stroke(out, width, color);
    }
    match (fill, stroke) {
        (Some(_), Some(_)) => Some(PaintMode::FillStroke),
        (Some(_), None) => Some(PaintMode::Fill),
        (None, Some(_)) => Some(PaintMode::Stroke),
        (None, None) => None,
    }
}

/// The graphics state already set, so unchanged colours, widths and fonts are not repeated.
#[derive(Default)]
struct State {
    in_text: bool,
    font: Option<(Face, f32)>,
    spacing: f32,
    fill: Option<Rgb>,
    stroke: Option<(f32, Rgb)>,
}

impl State {
    fn end_text(&mut self, out: &mut Vec<Op>) {
        if self.in_text {
            out.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn fill(&mut self, out: &mut Vec<Op>, color: Rgb) {
        if self.fill != Some(color) {
            out.push(Op::SetFillColor {
                col: pdf_color(color),
            });
            self.fill = Some(color);
        }
    }

    fn stroke(&mut self, out: &mut Vec<Op>, width: f32, color: Rgb) {
        let current = self.stroke;
        if current.map(|s| s.1) != Some(color) {
            out.push(Op::SetOutlineColor {
                col: pdf_color(color),
            });
        }
        if current.map(|s| s.0) != Some(width) {
            out.push(Op::SetOutlineThickness { pt: Pt(width) });
        }
        self.stroke = Some((width, color));
    }
}

fn pdf_color(Rgb(r, g, b): Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Deflates every stream. lopdf's own `compress` uses the best (slowest) level everywhere, which
/// took a fifth of the rendering time. Font programs barely compress (outlines are dense), so the
/// fastest level costs them under 2 % of size; page content compresses well and gets level 6.
fn compress(doc: &mut lopdf::Document) {
    use std::io::Write;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") || stream.content.len() < 64 {
            continue;
        }
        let font_program = stream
            .dict
            .get(b"Subtype")
            .is_ok_and(|s| matches!(s, Object::Name(n) if n == b"CIDFontType0C"));
        let level = if font_program { 1 } else { 6 };
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        if encoder.write_all(&stream.content).is_err() {
            continue;
        }
        if let Ok(compressed) = encoder.finish() {
            stream
                .dict
                .set("Filter", Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(compressed);
        }
    }
}

/// A 16-byte file identifier from every stream of the finished document.
fn content_hash(doc: &lopdf::Document) -> Vec<u8> {
    let (mut a, mut b) = (Fnv::new(), Fnv::new());
    b.write(b"jiugai");
    for object in doc.objects.values() {
        if let Object::Stream(stream) = object {
            a.write(&stream.content);
            b.write(&stream.content);
        }
    }
    [a.finish().to_be_bytes(), b.finish().to_be_bytes()].concat()
}

/// FNV-1a: tiny, stable across Rust versions and platforms (unlike `DefaultHasher`).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
