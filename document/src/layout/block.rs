//! Blocks, and how they are cut into placement units.

use super::Sheet;
use super::draw::{Align, Prim, Style, baseline, text_prim};
use super::table::Table;
use super::unit::Unit;
use crate::linebreak;

/// A piece of a document, laid out over the full text width.
#[derive(Debug, Clone)]
pub struct Block {
    /// Space above the block, dropped at the top of a page.
    pub gap_before: f32,
    /// Keep the block's end on the same page as the start of the next block (headings, captions).
    pub keep_with_next: bool,
    pub content: Content,
}

#[derive(Debug, Clone)]
pub enum Content {
    /// Wrapped text. `indent` sets the first line in by two characters (body paragraphs).
    Text {
        text: String,
        style: Style,
        align: Align,
        indent: bool,
    },
    Table(Table),
    /// A drawing of fixed height, its primitives placed relative to the block's top.
    Fixed {
        height: f32,
        prims: Vec<Prim>,
    },
}

impl Block {
    /// A body paragraph: first line indented, lines justified.
    pub fn paragraph(text: &str, style: Style) -> Block {
        Block::text(text, style, Align::Left, true)
    }

    /// Wrapped text without indent.
    pub fn text(text: &str, style: Style, align: Align, indent: bool) -> Block {
        Block {
            gap_before: 0.0,
            keep_with_next: false,
            content: Content::Text {
                text: text.to_owned(),
                style,
                align,
                indent,
            },
        }
    }

    /// A heading: kept on the page with the start of what follows.
    pub fn heading(text: &str, style: Style) -> Block {
        Block {
            keep_with_next: true,
            ..Block::text(text, style, Align::Left, false)
        }
    }

    pub fn table(table: Table) -> Block {
        Block {
            gap_before: 0.0,
            keep_with_next: false,
            content: Content::Table(table),
        }
    }

    pub fn fixed(height: f32, prims: Vec<Prim>) -> Block {
        Block {
            gap_before: 0.0,
            keep_with_next: false,
            content: Content::Fixed { height, prims },
        }
    }

    pub fn gap(self, gap_before: f32) -> Block {
        Block { gap_before, ..self }
    }

    pub fn keep_with_next(self) -> Block {
        Block {
            keep_with_next: true,
            ..self
        }
    }

    /// The block's placement units, in order, over the text width of `sheet`.
    pub(crate) fn units(self, sheet: &Sheet) -> Vec<Unit> {
        let mut units = match self.content {
            Content::Text {
                text,
                style,
                align,
                indent,
            } => text_units(sheet, &text, &style, align, indent),
            Content::Table(table) => table.units(sheet),
            Content::Fixed { height, prims } => vec![Unit::new(height, prims)],
        };
        if let Some(first) = units.first_mut() {
            first.gap_before = self.gap_before;
        }
        if let Some(last) = units.last_mut() {
            last.keep_with_next |= self.keep_with_next;
        }
        units
    }
}

/// One unit per line. Paragraph lines are justified (the last stays ragged), and the first two
/// and last two lines of a paragraph are kept together so no line is left alone on a page.
fn text_units(sheet: &Sheet, text: &str, style: &Style, align: Align, indent: bool) -> Vec<Unit> {
    let text = if indent {
        format!("\u{3000}\u{3000}{text}")
    } else {
        text.to_owned()
    };
    let width = sheet.text_width();
    let lines = linebreak::wrap(&text, width, |c| style.advance(c));
    let line_height = style.line_height();
    let count = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let y = baseline(0.0, line_height, style.size);
            let mut prim = text_prim(sheet.left, width, y, align, style, &line.text);
            let slack = width - line.width;
            let gaps = line.text.chars().count().saturating_sub(1);
            // Stretch a full line to the right edge, as Chinese text is set; a line cut short by a
            // long unbreakable run is left ragged rather than spaced out.
            if align == Align::Left
                && !line.last
                && gaps > 0
                && slack < 2.0 * style.size
                && let Prim::Text { spacing, .. } = &mut prim
            {
                *spacing = slack / gaps as f32;
            }
            let mut unit = Unit::new(line_height, vec![prim]);
            unit.keep_with_next = count > 1 && (i == 0 || i + 2 == count);
            unit
        })
        .collect()
}
