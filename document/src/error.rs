//! What can stop a document from being rendered.

use serde::{Deserialize, Serialize};

/// A character the shipped font cannot draw, and the field it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingGlyph {
    /// The field's path in the input, `"sites[0].name"`, `"scope[3].name"`.
    pub field: String,
    pub ch: char,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// Characters the font lacks: drawing them would print empty boxes or nothing at all, so the
    /// document is refused instead (the web layer answers 422 naming the fields).
    #[error("characters the font cannot print: {}", describe(.0))]
    MissingGlyphs(Vec<MissingGlyph>),
    /// The URL does not fit in a QR code (longer than about 2,900 bytes).
    #[error("the URL cannot be encoded as a QR code: {0}")]
    QrCode(String),
    /// The input cannot make the document (a ballot with no serial numbers, or as many places as candidates):
    /// `field` names the field ("places", "numbers[3]"), `message` says what is wrong, in Chinese, for the clerk.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The shipped font could not be cut down (a defect of the build, never of the input).
    #[error("the font could not be embedded: {0}")]
    Font(String),
}

fn describe(missing: &[MissingGlyph]) -> String {
    missing
        .iter()
        .map(|m| format!("{} U+{:04X} in {}", m.ch, u32::from(m.ch), m.field))
        .collect::<Vec<_>>()
        .join(", ")
}
