//! The face shipped with the crate, WenQuanYi Micro Hei (the Droid Sans Fallback outlines,
//! Apache-2.0), cut down to GB 2312 and the product's own characters by `fonts/subset.py`, parsed
//! once per process.
//!
//! One face in two weights: bold is the regular outline drawn with a stroke of its own colour
//! around it (synthetic emboldening, see [`Face::stroke`]). A second embedded face would double
//! the font data of every document; the compact 256-unit outlines of this one keep a two-page
//! work order under 60 KB.

use std::sync::OnceLock;

use ttf_parser::{Face as Parsed, GlyphId};

/// A weight of the documents' typeface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Face {
    /// Body text and tables.
    Regular,
    /// Titles, the issuer's name, headings and table headers (黑体 in GB/T 9704's terms).
    Bold,
}

impl Face {
    /// The width of the outline stroke that emboldens this weight, in ems (0: none).
    pub fn stroke(self) -> f32 {
        match self {
            Face::Regular => 0.0,
            Face::Bold => 0.032,
        }
    }
}

/// The font program shipped with the crate.
pub const BYTES: &[u8] = include_bytes!("../fonts/WenQuanYiMicroHei.ttf");

/// The PostScript name of the face, as written into every PDF.
pub const NAME: &str = "WenQuanYiMicroHei";

/// The parsed face (a view over the compiled-in bytes), shared by every document.
pub fn parsed() -> &'static Parsed<'static> {
    static FACE: OnceLock<Parsed<'static>> = OnceLock::new();
    FACE.get_or_init(|| {
        // The bytes are compiled in and checked by the tests, so failing here is a build
        // defect, not something an input can cause.
        Parsed::parse(BYTES, 0).unwrap_or_else(|e| panic!("the shipped font does not parse: {e}"))
    })
}

/// A glyph and its advance in ems.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub id: u16,
    pub advance: f32,
}

/// The glyph for `ch`, if the face has one (glyph 0 is the "missing" box, so it does not count).
///
/// Every character is measured several times per document, so the Basic Multilingual Plane is
/// looked up once per process into a flat table (512 KB) indexed by the character.
pub fn glyph(ch: char) -> Option<Glyph> {
    static BMP: OnceLock<Vec<Option<Glyph>>> = OnceLock::new();
    let table = BMP.get_or_init(|| {
        let mut table = vec![None; 0x1_0000];
        for (i, slot) in table.iter_mut().enumerate() {
            if (0xD800..0xE000).contains(&i) {
                continue; // surrogates are not characters
            }
            *slot = char::from_u32(i as u32).and_then(lookup);
        }
        table
    });
    match table.get(ch as usize) {
        Some(found) => *found,
        None => lookup(ch),
    }
}

fn lookup(ch: char) -> Option<Glyph> {
    let face = parsed();
    let id = face.glyph_index(ch).filter(|id| id.0 != 0)?;
    Some(Glyph {
        id: id.0,
        advance: f32::from(face.glyph_hor_advance(id).unwrap_or(0))
            / f32::from(face.units_per_em()),
    })
}

/// The advance of glyph `id` in thousandths of an em (a PDF font's /W).
pub fn advance_milli(id: u16) -> i64 {
    let face = parsed();
    let advance = face.glyph_hor_advance(GlyphId(id)).unwrap_or(0);
    (i64::from(advance) * 1000 + i64::from(face.units_per_em()) / 2)
        / i64::from(face.units_per_em())
}

/// Whether the face can draw `ch`. Line breaks and tabs count as printable: the layout turns
/// them into breaks and spaces.
pub fn printable(ch: char) -> bool {
    matches!(ch, '\n' | '\t') || glyph(ch).is_some()
}

/// The advance of `ch` in ems (a missing glyph is measured as one em, but is refused long before
/// anything is drawn).
/// Both weights have the same advances: emboldening strokes the outline without moving glyphs.
pub fn advance_em(ch: char) -> f32 {
    glyph(ch).map_or(1.0, |g| g.advance)
}

/// The width of `text` at `size` points.
pub fn width(size: f32, text: &str) -> f32 {
    text.chars().map(advance_em).sum::<f32>() * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_faces_parse_and_cover_the_basics() {
        for ch in "施工任务单第页共仁寿县住房和城乡建设局０1aZ¥㎡№×m²，。（）“”".chars()
        {
            assert!(glyph(ch).is_some(), "the face lacks {ch}");
        }
        assert!((advance_em('中') - 1.0).abs() < 1e-6);
        assert!(advance_em('1') < 0.7, "digits are proportional");
    }

    #[test]
    fn characters_outside_the_subset_are_not_printable() {
        assert!(!printable('\u{20000}'));
        assert!(!printable('\u{7}'));
        assert!(printable('\n'));
    }
}
