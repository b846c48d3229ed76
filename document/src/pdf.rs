//! Writing laid-out pages as a PDF with printpdf, byte for byte the same for the same input.
//!
//! printpdf builds the document: pages, resources, metadata, catalog, and writes the file
//! (through lopdf). Two things are ours, because they were most of the time: the font — the
//! shipped face cut down to the glyphs the document draws with `subsetter` (Typst's subsetter, a
//! few hundred microseconds for a page of Chinese) and written as a Type 0 font with its widths
//! and a /ToUnicode map, so text can be searched and copied; printpdf's font path parsed, subset
//! and measured the face again for every document, 80 % of the time — and the page content
//! (`content.rs`).
//!
//! printpdf names things from a process-wide counter, so the same document rendered twice in one
//! process would differ. Here every name is derived from the content instead: the font's
//! `ABCDEF+` subset tag from the characters drawn, the /ID from the finished streams, and the
//! dates from the data.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveTime};
use lopdf::{Dictionary, Object, Stream, StringFormat};
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};
use subsetter::GlyphRemapper;

use crate::content;
use crate::error::RenderError;
use crate::fonts;
use crate::layout::{Prim, Sheet};

/// The font's resource name in the pages' content.
const FONT_RESOURCE: &str = "CJK";

/// The document information dictionary.
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    /// Creation and modification date: the day the document was issued, never "now".
    pub date: NaiveDate,
}

/// The PDF bytes of `pages` (top-left based page coordinates, as laid out), A4 portrait.
pub fn write(pages: Vec<Vec<Prim>>, meta: &Meta) -> Result<Vec<u8>, RenderError> {
    write_on(pages, &Sheet::PORTRAIT, meta)
}

/// [`write`] for pages of `sheet`'s size.
pub fn write_on(pages: Vec<Vec<Prim>>, sheet: &Sheet, meta: &Meta) -> Result<Vec<u8>, RenderError> {
    let subset = Subset::of(&pages);
    let mut doc = PdfDocument::new(&meta.title);
    let to_mm = |points: f32| Mm((points * 25.4 / 72.0 * 100.0).round() / 100.0);
    doc.with_pages(
        pages
            .iter()
            .map(|_| PdfPage::new(to_mm(sheet.width), to_mm(sheet.height), Vec::new()))
            .collect(),
    );
    set_info(&mut doc, meta);

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&options, &mut warnings);
    tidy_info(&mut lo);
    embed_font(&mut lo, &subset)?;
    let code = |ch| subset.code(ch);
    let contents: Vec<Vec<u8>> = pages
        .iter()
        .map(|prims| content::page(prims, sheet.height, FONT_RESOURCE, code))
        .collect();
    set_contents(&mut lo, contents);
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
    Ok(bytes)
}

/// The glyphs one document draws.
struct Subset {
    /// Every character drawn that the face has, in order.
    chars: Vec<(char, u16)>,
    /// The face's glyph ids to the subset's (in the order of the face, so the same characters
    /// always make the same subset).
    glyphs: GlyphRemapper,
}

impl Subset {
    fn of(pages: &[Vec<Prim>]) -> Subset {
        let mut chars = BTreeSet::new();
        for prim in pages.iter().flatten() {
            if let Prim::Text { text, .. } = prim {
                chars.extend(text.chars());
            }
        }
        let chars: Vec<(char, u16)> = chars
            .into_iter()
            .filter_map(|ch| fonts::glyph(ch).map(|g| (ch, g.id)))
            .collect();
        let mut ids: Vec<u16> = chars.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        let mut glyphs = GlyphRemapper::new();
        for id in ids {
            glyphs.remap(id);
        }
        Subset { chars, glyphs }
    }

    /// The code of `ch` in the subset (its glyph id there).
    fn code(&self, ch: char) -> Option<u16> {
        self.glyphs.get(fonts::glyph(ch)?.id)
    }

    /// Six capital letters hashed from the characters (ISO 32000-1, 9.6.4).
    fn tag(&self) -> String {
        let mut hash = Fnv::new();
        for (ch, _) in &self.chars {
            hash.write(&u32::from(*ch).to_le_bytes());
        }
        let mut h = hash.finish();
        (0..6)
            .map(|_| {
                let letter = char::from(b'A' + (h % 26) as u8);
                h /= 26;
                letter
            })
            .collect()
    }
}

/// Adds the subset face as a Type 0 font (Identity-H, codes = the subset's glyph ids) and
/// names it in the font resources printpdf gave every page.
fn embed_font(doc: &mut lopdf::Document, subset: &Subset) -> Result<(), RenderError> {
    use Object::{Integer, Name, Reference};

    let program = subsetter::subset(fonts::BYTES, 0, &subset.glyphs)
        .map_err(|e| RenderError::Font(format!("subsetting: {e}")))?;
    let face = fonts::parsed();
    let per_mille = |v: i16| i64::from(v) * 1000 / i64::from(face.units_per_em());
    let base_font = Name(format!("{}+{}", subset.tag(), fonts::NAME).into_bytes());

    let mut file = Dictionary::new();
    file.set("Length1", Integer(program.len() as i64));
    let file = doc.add_object(Stream::new(file, program));

    let bbox = face.global_bounding_box();
    let descriptor = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Name(b"FontDescriptor".to_vec())),
        ("FontName", base_font.clone()),
        // Symbolic: the glyphs are addressed by id, not through a standard encoding.
        ("Flags", Integer(4)),
        (
            "FontBBox",
            Object::Array(
                [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max]
                    .map(|v| Integer(per_mille(v)))
                    .to_vec(),
            ),
        ),
        ("ItalicAngle", Integer(0)),
        ("Ascent", Integer(per_mille(face.ascender()))),
        ("Descent", Integer(per_mille(face.descender()))),
        (
            "CapHeight",
            Integer(per_mille(face.capital_height().unwrap_or(face.ascender()))),
        ),
        ("StemV", Integer(80)),
        ("FontFile2", Reference(file)),
    ]));

    // Widths of the glyphs that are not one em wide (Latin letters, digits, some punctuation).
    let mut widths = Vec::new();
    let mut drawn: Vec<(u16, char, u16)> = subset
        .chars
        .iter()
        .filter_map(|(ch, id)| Some((subset.glyphs.get(*id)?, *ch, *id)))
        .collect();
    // Characters sharing a glyph (a few punctuation marks) keep the first for /ToUnicode.
    drawn.sort_unstable();
    drawn.dedup_by_key(|(code, ..)| *code);
    for (code, _, id) in &drawn {
        let width = fonts::advance_milli(*id);
        if width != 1000 {
            widths.push(Integer(i64::from(*code)));
            widths.push(Object::Array(vec![Integer(width)]));
        }
    }
    let cid_font = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Name(b"Font".to_vec())),
        ("Subtype", Name(b"CIDFontType2".to_vec())),
        ("BaseFont", base_font.clone()),
        (
            "CIDSystemInfo",
            Object::Dictionary(Dictionary::from_iter(vec![
                ("Registry", Object::string_literal("Adobe")),
                ("Ordering", Object::string_literal("Identity")),
                ("Supplement", Integer(0)),
            ])),
        ),
        ("FontDescriptor", Reference(descriptor)),
        ("DW", Integer(1000)),
        ("W", Object::Array(widths)),
        ("CIDToGIDMap", Name(b"Identity".to_vec())),
    ]));

    let to_unicode = doc.add_object(Stream::new(Dictionary::new(), to_unicode(&drawn)));
    let font = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Name(b"Font".to_vec())),
        ("Subtype", Name(b"Type0".to_vec())),
        ("BaseFont", base_font),
        ("Encoding", Name(b"Identity-H".to_vec())),
        ("DescendantFonts", Object::Array(vec![Reference(cid_font)])),
        ("ToUnicode", Reference(to_unicode)),
    ]));

    // printpdf gives every page the same (here empty) font dictionary.
    let font_dicts: BTreeSet<lopdf::ObjectId> = doc
        .get_pages()
        .values()
        .filter_map(|page| {
            let page = doc.get_dictionary(*page).ok()?;
            let resources = match page.get(b"Resources").ok()? {
                Reference(id) => doc.get_dictionary(*id).ok()?,
                Object::Dictionary(dict) => dict,
                _ => return None,
            };
            resources.get(b"Font").ok()?.as_reference().ok()
        })
        .collect();
    for id in font_dicts {
        if let Ok(dict) = doc.get_dictionary_mut(id) {
            dict.set(FONT_RESOURCE, Reference(font));
        }
    }
    Ok(())
}

/// Puts each page's content into the (empty) content stream printpdf made for it.
fn set_contents(doc: &mut lopdf::Document, contents: Vec<Vec<u8>>) {
    let streams: Vec<lopdf::ObjectId> = doc
        .get_pages()
        .values()
        .filter_map(|page| {
            let page = doc.get_dictionary(*page).ok()?;
            page.get(b"Contents").ok()?.as_reference().ok()
        })
        .collect();
    for (id, content) in streams.into_iter().zip(contents) {
        if let Ok(Object::Stream(stream)) = doc.get_object_mut(id) {
            stream.set_content(content);
        }
    }
}

/// The /ToUnicode CMap: each code (a subset glyph id) to the character it was drawn for.
fn to_unicode(drawn: &[(u16, char, u16)]) -> Vec<u8> {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in drawn.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (code, ch, _) in chunk {
            let mut units = [0u16; 2];
            let hex: String = ch
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap, "<{code:04X}> <{hex}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap.into_bytes()
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

/// Deflates every stream at level 2. lopdf's own `compress` uses the best (slowest) level
/// everywhere, which took a fifth of the rendering time. The font program is most of the bytes
/// and of the time; with zlib-rs, level 2 makes it 11 % smaller than level 1 for 5 % more time,
/// and levels 3–6 save under 2 % more at twice the time.
fn compress(doc: &mut lopdf::Document) {
    use std::io::Write;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") || stream.content.len() < 64 {
            continue;
        }
        let mut encoder = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            flate2::Compression::new(2),
        );
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
