//! The three faces shipped with the crate (Noto Serif/Sans CJK SC, OFL-1.1, cut down to GB 2312 and
//! the product's own characters by `fonts/subset.py`), parsed once per process.
//!
//! GB/T 9704 asks for 小标宋 titles, 黑体 headings and a 宋/仿宋 body; Noto Serif SC Bold, Noto Sans SC
//! Bold and Noto Serif SC Regular are the openly licensed faces closest to those.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use printpdf::ParsedFont;

/// A typeface of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Face {
    /// 宋体: body text and tables.
    Song,
    /// 小标宋 stand-in: the document title and the issuer's name.
    SongBold,
    /// 黑体: headings and table headers.
    Hei,
}

impl Face {
    pub const ALL: [Face; 3] = [Face::Song, Face::SongBold, Face::Hei];

    /// A short tag for the face, part of its PDF resource name.
    pub fn tag(self) -> &'static str {
        match self {
            Face::Song => "Song",
            Face::SongBold => "SongBold",
            Face::Hei => "Hei",
        }
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Song => include_bytes!("../fonts/NotoSerifSC-Regular.otf"),
            Face::SongBold => include_bytes!("../fonts/NotoSerifSC-Bold.otf"),
            Face::Hei => include_bytes!("../fonts/NotoSansSC-Bold.otf"),
        }
    }
}

/// The parsed faces, in `Face::ALL` order.
fn faces() -> &'static [ParsedFont; 3] {
    static FACES: OnceLock<[ParsedFont; 3]> = OnceLock::new();
    FACES.get_or_init(|| {
        Face::ALL.map(|face| {
            // The bytes are compiled in and checked by the tests, so failing here is a build
            // defect, not something an input can cause.
            ParsedFont::from_bytes(face.bytes(), 0, &mut Vec::new())
                .unwrap_or_else(|| panic!("the shipped {face:?} font does not parse"))
        })
    })
}

/// The parsed face, shared by every document of the process.
pub fn parsed(face: Face) -> &'static ParsedFont {
    &faces()[face as usize]
}

/// Remembered lookups of one face.
type GlyphCache = RwLock<HashMap<char, Option<Glyph>>>;

/// A glyph and its advance in ems.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub id: u16,
    pub advance: f32,
}

/// The glyph for `ch`, if the face has one (glyph 0 is the "missing" box, so it does not count).
///
/// The font's own cmap lookup scans thousands of groups per call (the subset's hanzi are
/// scattered over the CJK block), and every character is measured several times per document,
/// so lookups are remembered for the life of the process.
pub fn glyph(face: Face, ch: char) -> Option<Glyph> {
    static CACHE: OnceLock<[GlyphCache; 3]> = OnceLock::new();
    let cache =
        &CACHE.get_or_init(|| Face::ALL.map(|_| RwLock::new(HashMap::new())))[face as usize];
    if let Some(found) = cache.read().ok().and_then(|map| map.get(&ch).copied()) {
        return found;
    }
    let font = parsed(face);
    let found = font
        .lookup_glyph_index(u32::from(ch))
        .filter(|gid| *gid != 0)
        .map(|id| Glyph {
            id,
            advance: f32::from(font.get_horizontal_advance(id))
                / f32::from(font.pdf_font_metrics.units_per_em),
        });
    if let Ok(mut map) = cache.write() {
        map.insert(ch, found);
    }
    found
}

/// Whether every face can draw `ch`. Line breaks and tabs count as printable: the layout turns
/// them into breaks and spaces.
pub fn printable(ch: char) -> bool {
    matches!(ch, '\n' | '\t') || Face::ALL.iter().all(|face| glyph(*face, ch).is_some())
}

/// The advance of `ch` in ems (a missing glyph is measured as one em, but is refused long before
/// anything is drawn).
pub fn advance_em(face: Face, ch: char) -> f32 {
    glyph(face, ch).map_or(1.0, |g| g.advance)
}

/// The width of `text` set in `face` at `size` points.
pub fn width(face: Face, size: f32, text: &str) -> f32 {
    text.chars().map(|c| advance_em(face, c)).sum::<f32>() * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_faces_parse_and_cover_the_basics() {
        for face in Face::ALL {
            for ch in "施工任务单第页共仁寿县住房和城乡建设局０1aZ¥㎡№×m²，。（）“”".chars()
            {
                assert!(glyph(face, ch).is_some(), "{face:?} lacks {ch}");
            }
            assert!((advance_em(face, '中') - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn characters_outside_the_subset_are_not_printable() {
        assert!(!printable('\u{20000}'));
        assert!(!printable('\u{7}'));
        assert!(printable('\n'));
    }
}
