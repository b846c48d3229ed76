//! The placement unit the paginator fills pages with.

use std::rc::Rc;

use super::draw::Prim;

/// What the paginator places: a line, a table row, a drawing. Its primitives are relative to the
/// unit's top.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub height: f32,
    pub gap_before: f32,
    pub keep_with_next: bool,
    /// The table header to draw above this row when it is the first thing on a page.
    pub header: Option<Rc<Unit>>,
    pub prims: Vec<Prim>,
}

impl Unit {
    pub fn new(height: f32, prims: Vec<Prim>) -> Unit {
        Unit {
            height,
            gap_before: 0.0,
            keep_with_next: false,
            header: None,
            prims,
        }
    }
}
