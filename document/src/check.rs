//! Refusing text the font cannot print, field by field, before anything is drawn.

use crate::error::MissingGlyph;
use crate::fonts;

/// Collects the characters no face can print, with the path of the field they are in.
#[derive(Default)]
pub struct GlyphCheck {
    missing: Vec<MissingGlyph>,
}

impl GlyphCheck {
    /// Checks `text`; `field` names it ("sites[0].name") and is only built when something is
    /// missing. Each character is reported once per field.
    pub fn text(&mut self, field: impl Fn() -> String, text: &str) {
        let mut name: Option<String> = None;
        for ch in text.chars() {
            if fonts::printable(ch) {
                continue;
            }
            let field = name.get_or_insert_with(&field).clone();
            if !self.missing.iter().any(|m| m.field == field && m.ch == ch) {
                self.missing.push(MissingGlyph { field, ch });
            }
        }
    }

    pub fn finish(self) -> Vec<MissingGlyph> {
        self.missing
    }
}
