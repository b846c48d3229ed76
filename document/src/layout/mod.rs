//! A small block layout engine for A4 documents after GB/T 9704 (党政机关公文格式).
//!
//! Documents are lists of [`Block`]s (paragraphs, headings, tables, fixed drawings). [`paginate`]
//! cuts them into placement units (a line, a table row, a whole drawing), fills pages top-down,
//! keeps headings with what follows and repeats a table's header on every page it flows onto.
//! The result is one list of drawing primitives per page; running headers and "第 N 页 共 M 页"
//! are added afterwards, once the page count is known (the second pass).
//!
//! Coordinates are points, measured from the top-left corner of the page, y downwards; only the
//! PDF writer flips them.

mod block;
mod draw;
mod paginate;
mod table;
mod unit;

pub use block::Block;
pub use draw::{Align, Prim, Rgb, Style, baseline, text_prim};
pub use paginate::paginate;
pub use table::{Cell, Column, Table};

/// Millimetres to points.
pub const fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// A4 portrait, with the GB/T 9704 margins: text area 156 × 225 mm.
pub mod page {
    use super::mm;

    pub const WIDTH: f32 = mm(210.0);
    pub const HEIGHT: f32 = mm(297.0);
    pub const TOP: f32 = mm(37.0);
    pub const BOTTOM: f32 = mm(35.0);
    pub const LEFT: f32 = mm(28.0);
    pub const RIGHT: f32 = mm(26.0);
    /// The text area.
    pub const TEXT_WIDTH: f32 = WIDTH - LEFT - RIGHT;
    pub const TEXT_HEIGHT: f32 = HEIGHT - TOP - BOTTOM;
}

/// Chinese font sizes (字号) in points.
pub mod size {
    /// 二号: the document title.
    pub const ER: f32 = 22.0;
    /// 三号: headings and body text.
    pub const SAN: f32 = 16.0;
    /// 四号.
    pub const SI: f32 = 14.0;
    /// 小四.
    pub const XIAO_SI: f32 = 12.0;
    /// 五号: tables.
    pub const WU: f32 = 10.5;
    /// 小五: captions.
    pub const XIAO_WU: f32 = 9.0;
}
