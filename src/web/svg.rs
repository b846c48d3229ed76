//! Drawing geometry as SVG, server-side: there are no map tiles (and no internet) to lean on.
//!
//! Longitude and latitude are projected equirectangularly with the longitude scaled by cos(latitude),
//! which keeps shapes true at county scale. Only numbers come out of here; names go into templates,
//! which escape them.

use serde::Serialize;
use serde_json::Value;

/// Fits a lon/lat box into a `width` × `height` drawing with a margin, keeping the aspect ratio.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    kx: f64,
    scale: f64,
    offset_x: f64,
    offset_y: f64,
}

impl Projection {
    pub fn fit(bbox: [f64; 4], width: f64, height: f64, margin: f64) -> Self {
        let [min_lon, min_lat, max_lon, max_lat] = bbox;
        let kx = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let w = ((max_lon - min_lon) * kx).max(1e-9);
        let h = (max_lat - min_lat).max(1e-9);
        let scale = ((width - 2.0 * margin) / w).min((height - 2.0 * margin) / h);
        Projection {
            min_lon,
            max_lat,
            kx,
            scale,
            offset_x: (width - w * scale) / 2.0,
            offset_y: (height - h * scale) / 2.0,
        }
    }

    pub fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        let x = self.offset_x + (lon - self.min_lon) * self.kx * self.scale;
        let y = self.offset_y + (self.max_lat - lat) * self.scale;
        ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0)
    }

    /// Metres per drawing unit, for a scale bar.
    pub fn metres_per_unit(&self) -> f64 {
        111_320.0 / self.scale
    }
}

/// Rings of a GeoJSON Polygon or MultiPolygon as lists of (lon, lat).
pub fn rings(geometry: &Value) -> Vec<Vec<(f64, f64)>> {
    let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => geometry.get("coordinates").into_iter().collect(),
        Some("MultiPolygon") => geometry
            .get("coordinates")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    polygons
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_array)
        .map(|ring| {
            ring.iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect()
        })
        .collect()
}

pub fn bbox_of(rings: &[Vec<(f64, f64)>]) -> Option<[f64; 4]> {
    let mut points = rings.iter().flatten();
    let &(lon, lat) = points.next()?;
    Some(points.fold([lon, lat, lon, lat], |[a, b, c, d], &(x, y)| {
        [a.min(x), b.min(y), c.max(x), d.max(y)]
    }))
}

/// SVG path data (`M x y L … Z` per ring; holes cut out with the even-odd rule).
pub fn path_data(rings: &[Vec<(f64, f64)>], projection: &Projection) -> String {
    let mut d = String::new();
    for ring in rings {
        for (i, &(lon, lat)) in ring.iter().enumerate() {
            let (x, y) = projection.point(lon, lat);
            d.push_str(if i == 0 { "M" } else { "L" });
            d.push_str(&format!("{x} {y} "));
        }
        d.push_str("Z ");
    }
    d.trim_end().to_owned()
}

/// A compound's boundary drawn to fit a box, with a scale bar length in metres.
#[derive(Debug, Serialize)]
pub struct Outline {
    pub width: f64,
    pub height: f64,
    pub path: String,
    pub scale_bar_units: f64,
    pub scale_bar_metres: u32,
}

pub fn outline(geometry: &Value, width: f64, height: f64) -> Option<Outline> {
    let rings = rings(geometry);
    let projection = Projection::fit(bbox_of(&rings)?, width, height, 16.0);
    let metres = nice_length(projection.metres_per_unit() * width / 4.0);
    Some(Outline {
        width,
        height,
        path: path_data(&rings, &projection),
        scale_bar_units: ((f64::from(metres) / projection.metres_per_unit()) * 10.0).round() / 10.0,
        scale_bar_metres: metres,
    })
}

/// The largest of 1, 2, 5 × 10ⁿ metres not above `metres`.
fn nice_length(metres: f64) -> u32 {
    let magnitude = 10f64.powf(metres.max(1.0).log10().floor());
    let step = [5.0, 2.0, 1.0]
        .into_iter()
        .find(|s| s * magnitude <= metres)
        .unwrap_or(1.0);
    (step * magnitude) as u32
}

/// Colour of a category on maps and in legends.
pub fn category_colour(category: Option<&str>) -> &'static str {
    match category {
        Some("basic") => "#3b75af",
        Some("improvement") => "#e8892b",
        Some("upgrade") => "#3e9a4f",
        Some(_) => "#8e6bb0",
        None => "#9a9a9a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_square_fills_its_box_keeping_its_shape() {
        let g = json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.001, 30.001], [104.0, 30.001], [104.0, 30.0]]]});
        let o = outline(&g, 320.0, 240.0).unwrap();
        assert!(o.path.starts_with('M') && o.path.ends_with('Z'));
        // A square degree is narrower than tall at 30°N: the drawing is fitted by height.
        let numbers: Vec<f64> = o
            .path
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter_map(|s| s.parse().ok())
            .collect();
        let ys: Vec<f64> = numbers.iter().skip(1).step_by(2).copied().collect();
        let (top, bottom) = (
            ys.iter().cloned().fold(f64::MAX, f64::min),
            ys.iter().cloned().fold(f64::MIN, f64::max),
        );
        assert_eq!((top, bottom), (16.0, 224.0));
        assert!(o.scale_bar_metres > 0 && o.scale_bar_units > 0.0 && o.scale_bar_units <= 320.0);
    }

    #[test]
    fn nice_lengths_are_1_2_5() {
        assert_eq!(nice_length(37.0), 20);
        assert_eq!(nice_length(512.0), 500);
        assert_eq!(nice_length(0.3), 1);
    }

    #[test]
    fn anything_but_polygons_draws_nothing() {
        assert!(outline(&json!({"type": "Point", "coordinates": [1, 2]}), 10.0, 10.0).is_none());
    }
}
