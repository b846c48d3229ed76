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
pub use paginate::{paginate, paginate_on};
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
    /// The text area's width (its height is [`super::Sheet::text_height`]).
    pub const TEXT_WIDTH: f32 = WIDTH - LEFT - RIGHT;
}

/// A page's size and margins, in points: what the paginator fills and the PDF writer sizes. The notice and
/// the work order are set on [`Sheet::PORTRAIT`] (the [`page`] constants); a statistical return whose table has
/// a column per indicator needs [`Sheet::LANDSCAPE`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sheet {
    pub width: f32,
    pub height: f32,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

impl Sheet {
    /// A4 portrait with the GB/T 9704 margins.
    pub const PORTRAIT: Sheet = Sheet {
        width: page::WIDTH,
        height: page::HEIGHT,
        top: page::TOP,
        bottom: page::BOTTOM,
        left: page::LEFT,
        right: page::RIGHT,
    };

    /// A4 landscape with 20 mm side margins (a text width of 257 mm), and top and bottom margins that still
    /// leave room for the running header (5 mm above the text) and the page footer (10 mm from the edge).
    pub const LANDSCAPE: Sheet = Sheet {
        width: mm(297.0),
        height: mm(210.0),
        top: mm(20.0),
        bottom: mm(22.0),
        left: mm(20.0),
        right: mm(20.0),
    };

    pub const fn text_width(&self) -> f32 {
        self.width - self.left - self.right
    }

    pub const fn text_height(&self) -> f32 {
        self.height - self.top - self.bottom
    }
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
