//! The cell grid in metres around the county seat, and the convex polygon a compound draws inside its cell.

use rand_chacha::ChaCha8Rng;

use super::names::{SEAT_LAT, SEAT_LON};
use super::random::{chance, draw_distinct, float_in, round_to, weighted};

/// Side of a grid cell, in metres.
pub(super) const CELL_M: f64 = 250.0;
/// Distance kept between a polygon and the edges of its cell, in metres.
pub(super) const MARGIN_M: f64 = 12.0;
/// Metres per degree at 30°N (WGS-84).
pub(super) const M_PER_DEG_LAT: f64 = 110_852.0;
pub(super) const M_PER_DEG_LON: f64 = 96_486.0;

pub(super) fn cell_of(lat: f64, lon: f64) -> (i64, i64) {
    let x = (lon - SEAT_LON) * M_PER_DEG_LON / CELL_M;
    let y = (lat - SEAT_LAT) * M_PER_DEG_LAT / CELL_M;
    (x.floor() as i64, y.floor() as i64)
}

/// A convex, counter-clockwise polygon of about `site_area` m², strictly inside `cell`, as a closed ring of
/// [lon, lat] rounded to 6 decimals (RFC 7946 §11.2). 4–7 vertices: a rectangle of random proportions with some corners cut or
/// slid along a side (all vertices stay on the rectangle's outline, at most two per side, so the polygon is
/// convex), turned by up to ±23° (rotation by the rational parametrisation, no trigonometry).
pub(super) fn polygon(rng: &mut ChaCha8Rng, cell: (i64, i64), site_area: f64) -> Vec<[f64; 2]> {
    let vertices = 4 + weighted(rng, &[45, 25, 20, 10]);
    let w = float_in(rng, 0.55, 1.8);
    let h = 1.0;
    let corners = [
        (-w / 2.0, -h / 2.0),
        (w / 2.0, -h / 2.0),
        (w / 2.0, h / 2.0),
        (-w / 2.0, h / 2.0),
    ];
    // Direction and length of side k, from corner k to corner k + 1.
    let dirs = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)];
    let lens = [w, h, w, h];
    let cut = draw_distinct(rng, &[0usize, 1, 2, 3], vertices - 4);

    let mut local: Vec<(f64, f64)> = Vec::with_capacity(vertices);
    for k in 0..4 {
        let (x, y) = corners[k];
        let back = (k + 3) % 4; // side arriving at corner k
        if cut.contains(&k) {
            let a = float_in(rng, 0.12, 0.35) * lens[back];
            let b = float_in(rng, 0.12, 0.35) * lens[k];
            local.push((x - dirs[back].0 * a, y - dirs[back].1 * a));
            local.push((x + dirs[k].0 * b, y + dirs[k].1 * b));
        } else if chance(rng, 0.5) {
            if chance(rng, 0.5) {
                let a = float_in(rng, 0.06, 0.3) * lens[back];
                local.push((x - dirs[back].0 * a, y - dirs[back].1 * a));
            } else {
                let b = float_in(rng, 0.06, 0.3) * lens[k];
                local.push((x + dirs[k].0 * b, y + dirs[k].1 * b));
            }
        } else {
            local.push((x, y));
        }
    }

    // Turn by θ with tan(θ/2) = t.
    let t = float_in(rng, -0.2, 0.2);
    let (cos, sin) = ((1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t));
    for p in &mut local {
        *p = (cos * p.0 - sin * p.1, sin * p.0 + cos * p.1);
    }
    let mut area2 = 0.0;
    for i in 0..local.len() {
        let (a, b) = (local[i], local[(i + 1) % local.len()]);
        area2 += a.0 * b.1 - b.0 * a.1;
    }
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &local {
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    let usable = CELL_M - 2.0 * MARGIN_M;
    let scale = (site_area / (area2 / 2.0))
        .sqrt()
        .min(usable / (max_x - min_x))
        .min(usable / (max_y - min_y));
    let off_x = float_in(
        rng,
        MARGIN_M - min_x * scale,
        CELL_M - MARGIN_M - max_x * scale,
    );
    let off_y = float_in(
        rng,
        MARGIN_M - min_y * scale,
        CELL_M - MARGIN_M - max_y * scale,
    );

    let (x0, y0) = (
        cell.0 as f64 * CELL_M + off_x,
        cell.1 as f64 * CELL_M + off_y,
    );
    let mut ring: Vec<[f64; 2]> = local
        .iter()
        .map(|&(x, y)| {
            let lon = SEAT_LON + (x0 + x * scale) / M_PER_DEG_LON;
            let lat = SEAT_LAT + (y0 + y * scale) / M_PER_DEG_LAT;
            [round_to(lon, 1e6), round_to(lat, 1e6)]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use geo::{Area, BoundingRect, Intersects, Polygon, Validation, Winding};

    use super::*;
    use crate::generate::test_support::{geo_polygon, props, renshou, ring};
    use crate::generate::write::features;

    #[test]
    fn polygons_are_valid_ccw_and_disjoint() {
        let all = renshou();
        let polygons: Vec<Polygon<f64>> = all.iter().map(geo_polygon).collect();
        for (f, poly) in all.iter().zip(&polygons) {
            let r = ring(f);
            assert!((5..=8).contains(&r.len()), "{} vertices", r.len() - 1);
            assert_eq!(r.first(), r.last());
            for p in &r {
                assert_eq!(p[0], round_to(p[0], 1e6));
                assert_eq!(p[1], round_to(p[1], 1e6));
            }
            assert!(poly.is_valid(), "{}", props(f)["code"]);
            assert!(poly.exterior().is_ccw(), "{}", props(f)["code"]);
            // Site area in m², from the degrees at 30°N: a few hundred to ~50,000.
            let m2 = poly.unsigned_area() * M_PER_DEG_LAT * M_PER_DEG_LON;
            assert!((500.0..=51_100.0).contains(&m2), "{m2}");
        }
        let boxes: Vec<_> = polygons
            .iter()
            .map(|p| p.bounding_rect().unwrap())
            .collect();
        for i in 0..polygons.len() {
            for j in i + 1..polygons.len() {
                if boxes[i].intersects(&boxes[j]) {
                    assert!(!polygons[i].intersects(&polygons[j]), "{i} and {j} overlap");
                }
            }
        }
    }

    #[test]
    fn large_catalogs_scale() {
        let count = 12_000;
        let mut boxes = Vec::with_capacity(count);
        let mut names = HashSet::new();
        for (i, f) in features(count, 99).enumerate() {
            let p = props(&f);
            assert_eq!(p["code"], format!("RS-{:06}", i + 1).as_str());
            assert!(
                names.insert(p["name"].as_str().unwrap().to_string()),
                "{}",
                p["name"]
            );
            let r = ring(&f);
            let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for p in &r {
                assert!((73.0..=135.0).contains(&p[0]) && (18.0..=54.0).contains(&p[1]));
                x0 = x0.min(p[0]);
                x1 = x1.max(p[0]);
                y0 = y0.min(p[1]);
                y1 = y1.max(p[1]);
            }
            boxes.push((x0, x1, y0, y1));
        }
        // Sweep over bounding boxes sorted by west edge: no two may even touch.
        boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
        for i in 0..boxes.len() {
            let a = boxes[i];
            for b in &boxes[i + 1..] {
                if b.0 > a.1 {
                    break;
                }
                assert!(b.2 > a.3 || a.2 > b.3, "{a:?} overlaps {b:?}");
            }
        }
    }
}
