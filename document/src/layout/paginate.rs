//! Filling pages with units.

use super::Sheet;
use super::block::Block;
use super::draw::Prim;
use super::unit::Unit;

/// Lays the blocks out over as many A4 portrait pages as they need; each page's primitives are in
/// page coordinates. At least one page is returned.
pub fn paginate(blocks: Vec<Block>) -> Vec<Vec<Prim>> {
    paginate_on(blocks, &Sheet::PORTRAIT)
}

/// [`paginate`] on pages of `sheet`'s size and margins.
pub fn paginate_on(blocks: Vec<Block>, sheet: &Sheet) -> Vec<Vec<Prim>> {
    let units: Vec<Unit> = blocks.into_iter().flat_map(|b| b.units(sheet)).collect();
    let limit = sheet.text_height();
    let mut pages: Vec<Vec<Prim>> = vec![Vec::new()];
    let mut y = 0.0_f32;
    for (i, unit) in units.iter().enumerate() {
        let gap = if y == 0.0 { 0.0 } else { unit.gap_before };
        if y > 0.0 && y + gap + chain_height(&units[i..], limit) > limit {
            pages.push(Vec::new());
            y = 0.0;
            if let Some(header) = &unit.header {
                place(&mut pages, sheet, header, &mut y);
            }
        } else {
            y += gap;
        }
        place(&mut pages, sheet, unit, &mut y);
    }
    pages
}

/// The height that must fit on the page for `units[0]` to go there: the unit and those it is
/// kept with. A chain taller than a page (`limit`) is cut at the page height so it is broken
/// rather than pushed off forever.
fn chain_height(units: &[Unit], limit: f32) -> f32 {
    let mut height = 0.0;
    for (i, unit) in units.iter().enumerate() {
        height += unit.height + if i > 0 { unit.gap_before } else { 0.0 };
        if !unit.keep_with_next || height > limit {
            break;
        }
    }
    height.min(limit)
}

fn place(pages: &mut [Vec<Prim>], sheet: &Sheet, unit: &Unit, y: &mut f32) {
    let top = sheet.top + *y;
    if let Some(page) = pages.last_mut() {
        page.extend(unit.prims.iter().cloned().map(|p| p.shifted(top)));
    }
    *y += unit.height;
}
