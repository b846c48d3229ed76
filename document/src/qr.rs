//! QR codes drawn as vector rectangles (sharp at any zoom and in print, and tiny in the file).

use fast_qr::{ECL, QRBuilder};

use crate::error::RenderError;
use crate::layout::{Prim, Rgb};

/// The QR code of `data` as one filled path, its top-left corner at (`x`, `y`) and `size` points
/// wide, quiet zone not included (leave four modules' width of white around it). Level M: the code
/// survives a crease or a stain on a posted notice.
pub fn qr_prims(data: &str, x: f32, y: f32, size: f32) -> Result<Vec<Prim>, RenderError> {
    let code = build(data)?;
    let modules = code.size;
    let dark: Vec<bool> = code.data[..modules * modules]
        .iter()
        .map(|m| m.value())
        .collect();
    let unit = size / modules as f32;
    let mut rings = Vec::new();
    // One rectangle per horizontal run of dark modules keeps the path short.
    for (row, line) in dark.chunks(modules).enumerate() {
        let mut col = 0;
        while col < modules {
            if !line[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < modules && line[col] {
                col += 1;
            }
            let (x0, x1) = (x + start as f32 * unit, x + col as f32 * unit);
            let (y0, y1) = (y + row as f32 * unit, y + (row + 1) as f32 * unit);
            rings.push(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
        }
    }
    Ok(vec![Prim::Path {
        rings,
        fill: Some(Rgb::BLACK),
        stroke: None,
    }])
}

/// How many modules wide the QR code of `data` is, so a layout can leave its quiet zone (four of them).
pub fn modules(data: &str) -> Result<usize, RenderError> {
    Ok(build(data)?.size)
}

fn build(data: &str) -> Result<fast_qr::QRCode, RenderError> {
    QRBuilder::new(data)
        .ecl(ECL::M)
        .build()
        .map_err(|e| RenderError::QrCode(format!("{e:?}")))
}
