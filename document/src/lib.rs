//! Jiugai's document engine: the bureau's documents as A4 PDFs, from plain data.
//!
//! Pure: no database, no network. Rendering is CPU-bound (a few milliseconds), so the web layer
//! calls it from `spawn_blocking`. The same input always gives the same bytes, so a stored order
//! re-renders identically forever and its hash can serve as an ETag.

mod check;
mod documents;
mod error;
mod fonts;
mod layout;
pub mod linebreak;
mod map;
mod model;
pub mod money;
mod pdf;
mod qr;

pub use error::{MissingGlyph, RenderError};
pub use model::{Contact, Contractor, Notice, ScopeRow, Site, WorkOrder};

/// 施工任务单 as a PDF: refused with [`RenderError::MissingGlyphs`] when a field holds a character
/// the font cannot print.
pub fn render_work_order(order: &WorkOrder) -> Result<Vec<u8>, RenderError> {
    documents::work_order::render(order)
}

/// 公示 as a one-page PDF (more pages only if the table is too long for one).
pub fn render_notice(notice: &Notice) -> Result<Vec<u8>, RenderError> {
    documents::notice::render(notice)
}
