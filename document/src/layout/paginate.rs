//! Filling pages with units.

use super::block::Block;
use super::draw::Prim;
use super::page;
use super::unit::Unit;

/// Lays the blocks out over as many pages as they need; each page's primitives are in page
/// coordinates. At least one page is returned.
pub fn paginate(blocks: Vec<Block>) -> Vec<Vec<Prim>> {
    let units: Vec<Unit> = blocks.into_iter().flat_map(Block::units).collect();
    let mut pages: Vec<Vec<Prim>> = vec![Vec::new()];
    let mut y = 0.0_f32;
    for (i, unit) in units.iter().enumerate() {
        let gap = if y == 0.0 { 0.0 } else { unit.gap_before };
        if y > 0.0 && y + gap + chain_height(&units[i..]) > page::TEXT_HEIGHT {
            pages.push(Vec::new());
            y = 0.0;
            if let Some(header) = &unit.header {
                place(&mut pages, header, &mut y);
            }
        } else {
            y += gap;
        }
        place(&mut pages, unit, &mut y);
    }
    pages
}

/// The height that must fit on the page for `units[0]` to go there: the unit and those it is
/// kept with. A chain taller than a page is cut at the page height so it is broken rather than
/// pushed off forever.
fn chain_height(units: &[Unit]) -> f32 {
    let mut height = 0.0;
    for (i, unit) in units.iter().enumerate() {
        height += unit.height + if i > 0 { unit.gap_before } else { 0.0 };
        if !unit.keep_with_next || height > page::TEXT_HEIGHT {
            break;
        }
    }
    height.min(page::TEXT_HEIGHT)
}

fn place(pages: &mut [Vec<Prim>], unit: &Unit, y: &mut f32) {
    let top = page::TOP + *y;
    if let Some(page) = pages.last_mut() {
        page.extend(unit.prims.iter().cloned().map(|p| p.shifted(top)));
    }
    *y += unit.height;
}
