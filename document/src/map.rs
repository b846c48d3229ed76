//! The site plan: the compounds' outlines in a box, with a north arrow and a scale bar.
//!
//! An equirectangular projection scaled by cos(latitude) is exact enough at compound scale (a few
//! hundred metres) and keeps the drawing independent of any map service.

use crate::fonts::Face;
use crate::layout::{Align, Prim, Rgb, Style, text_prim};
use crate::model::Site;

const EARTH_RADIUS_M: f64 = 6_371_008.8;
const OUTLINE: Rgb = Rgb(0.70, 0.12, 0.10);
const FILL: Rgb = Rgb(0.99, 0.91, 0.88);
const FRAME: Rgb = Rgb(0.35, 0.35, 0.35);

/// The box of the map on the page (top-left based, points).
#[derive(Debug, Clone, Copy)]
pub struct MapBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// The map's primitives. Sites without an outline are left out; with none at all the box says so.
pub fn map_prims(sites: &[Site], area: MapBox) -> Vec<Prim> {
    let mut prims = vec![Prim::Rect {
        x: area.x,
        y: area.y,
        w: area.w,
        h: area.h,
        fill: None,
        stroke: Some((0.5, FRAME)),
    }];
    let label_style = Style::new(Face::Regular, 8.0).leading(1.25);
    let points: Vec<[f64; 2]> = sites
        .iter()
        .flat_map(|s| s.outline.iter().flatten().flatten().copied())
        .collect();
    let Some(projection) = Projection::fit(&points, area) else {
        let y = area.y + area.h / 2.0 + 3.0;
        prims.push(text_prim(
            area.x,
            area.w,
            y,
            Align::Center,
            &Style::new(Face::Regular, 10.5).color(Rgb::GREY),
            "（未绘制小区边界）",
        ));
        return prims;
    };

    for site in sites {
        for polygon in &site.outline {
            let rings: Vec<Vec<(f32, f32)>> = polygon
                .iter()
                .filter(|ring| ring.len() >= 3)
                .map(|ring| ring.iter().map(|p| projection.to_page(*p)).collect())
                .collect();
            if !rings.is_empty() {
                prims.push(Prim::Path {
                    rings,
                    fill: Some(FILL),
                    stroke: Some((0.8, OUTLINE)),
                });
            }
        }
    }
    let outlines: Vec<[f32; 4]> = sites
        .iter()
        .filter_map(|s| bounds(s, &projection))
        .collect();
    let mut taken: Vec<[f32; 4]> = Vec::new();
    for site in sites {
        if let Some(label) = label(site, &projection, &label_style, area, &outlines, &taken) {
            taken.push(label.1);
            prims.extend(label.0);
        }
    }
    prims.extend(north_arrow(area));
    prims.extend(scale_bar(&projection, area));
    prims
}

/// Metres east and north of the data's centre, scaled into the box.
struct Projection {
    lon0: f64,
    lat0: f64,
    cos_lat: f64,
    /// Points per metre.
    scale: f64,
    /// The page position of (lon0, lat0).
    cx: f64,
    cy: f64,
}

impl Projection {
    fn fit(points: &[[f64; 2]], area: MapBox) -> Option<Projection> {
        let finite: Vec<&[f64; 2]> = points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .collect();
        if finite.is_empty() {
            return None;
        }
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in &finite {
            min_lon = min_lon.min(p[0]);
            max_lon = max_lon.max(p[0]);
            min_lat = min_lat.min(p[1]);
            max_lat = max_lat.max(p[1]);
        }
        let lat0 = (min_lat + max_lat) / 2.0;
        let lon0 = (min_lon + max_lon) / 2.0;
        let cos_lat = lat0.to_radians().cos().max(0.01);
        let metres = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let width_m = ((max_lon - min_lon) * cos_lat * metres).max(1.0);
        let height_m = ((max_lat - min_lat) * metres).max(1.0);
        // Room for the north arrow, the scale bar and labels around the drawing.
        let (pad_x, pad_y) = (
            f64::from(area.w) * 0.12 + 10.0,
            f64::from(area.h) * 0.12 + 12.0,
        );
        let scale = ((f64::from(area.w) - 2.0 * pad_x) / width_m)
            .min((f64::from(area.h) - 2.0 * pad_y) / height_m);
        Some(Projection {
            lon0,
            lat0,
            cos_lat,
            scale: scale.max(1e-6),
            cx: f64::from(area.x) + f64::from(area.w) / 2.0,
            cy: f64::from(area.y) + f64::from(area.h) / 2.0,
        })
    }

    fn to_page(&self, [lon, lat]: [f64; 2]) -> (f32, f32) {
        let metres = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let east = (lon - self.lon0) * self.cos_lat * metres;
        let north = (lat - self.lat0) * metres;
        (
            (self.cx + east * self.scale) as f32,
            (self.cy - north * self.scale) as f32,
        )
    }
}

/// "文林镇东街小区 / RS-0001" beside the site's outline (right, left, below, above, or over it),
/// wherever it stays in the box and clear of other outlines and labels; just the code if the name
/// does not fit anywhere; nothing if neither does.
fn label(
    site: &Site,
    projection: &Projection,
    style: &Style,
    area: MapBox,
    outlines: &[[f32; 4]],
    taken: &[[f32; 4]],
) -> Option<(Vec<Prim>, [f32; 4])> {
    let own = bounds(site, projection)?;
    let line = style.line_height();
    let inside = |r: &[f32; 4]| {
        r[0] >= area.x + 3.0
            && r[2] <= area.x + area.w - 3.0
            && r[1] >= area.y + 3.0
            && r[3] <= area.y + area.h - 3.0
    };
    for lines in [
        vec![site.name.as_str(), site.code.as_str()],
        vec![site.code.as_str()],
    ] {
        let w = lines.iter().map(|l| style.width(l)).fold(0.0, f32::max);
        let h = line * lines.len() as f32;
        let (cx, cy) = ((own[0] + own[2]) / 2.0, (own[1] + own[3]) / 2.0);
        let candidates = [
            (own[2] + 4.0, cy - h / 2.0),
            (own[0] - 4.0 - w, cy - h / 2.0),
            (cx - w / 2.0, own[3] + 3.0),
            (cx - w / 2.0, own[1] - 3.0 - h),
            (cx - w / 2.0, cy - h / 2.0),
        ];
        for (i, (x, y)) in candidates.into_iter().enumerate() {
            let rect = [x - 1.0, y - 1.0, x + w + 1.0, y + h + 1.0];
            let over_own = i == candidates.len() - 1;
            let clear = outlines
                .iter()
                .filter(|o| over_own || **o != own)
                .all(|o| over_own || !overlaps(o, &rect));
            if inside(&rect) && clear && !taken.iter().any(|t| overlaps(t, &rect)) {
                let prims = lines
                    .iter()
                    .enumerate()
                    .map(|(k, text)| {
                        let baseline =
                            crate::layout::baseline(y + k as f32 * line, line, style.size);
                        text_prim(x, w, baseline, Align::Center, style, text)
                    })
                    .collect();
                return Some((prims, rect));
            }
        }
    }
    None
}

/// The page-space bounding box of a site's outline: [left, top, right, bottom].
fn bounds(site: &Site, projection: &Projection) -> Option<[f32; 4]> {
    let mut points = site
        .outline
        .iter()
        .filter_map(|polygon| polygon.first())
        .flatten()
        .map(|p| projection.to_page(*p));
    let first = points.next()?;
    Some(
        points.fold([first.0, first.1, first.0, first.1], |b, (x, y)| {
            [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
        }),
    )
}

fn overlaps(a: &[f32; 4], b: &[f32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// An arrow pointing up with 北 under it, in the top-right corner.
fn north_arrow(area: MapBox) -> Vec<Prim> {
    let (x, y) = (area.x + area.w - 16.0, area.y + 8.0);
    vec![
        Prim::Path {
            rings: vec![vec![
                (x, y),
                (x + 5.0, y + 16.0),
                (x, y + 12.0),
                (x - 5.0, y + 16.0),
            ]],
            fill: Some(Rgb::BLACK),
            stroke: None,
        },
        text_prim(
            x - 8.0,
            16.0,
            y + 27.0,
            Align::Center,
            &Style::new(Face::Bold, 9.0),
            "北",
        ),
    ]
}

/// A bar of a round length (1, 2 or 5 times a power of ten metres), about a fifth of the box
/// wide, bottom left.
fn scale_bar(projection: &Projection, area: MapBox) -> Vec<Prim> {
    let target_m = f64::from(area.w) * 0.2 / projection.scale;
    let magnitude = 10f64.powf(target_m.log10().floor());
    let length_m = [5.0, 2.0, 1.0]
        .iter()
        .map(|k| k * magnitude)
        .find(|l| *l <= target_m)
        .unwrap_or(magnitude);
    let length = (length_m * projection.scale) as f32;
    let (x, y) = (area.x + 10.0, area.y + area.h - 10.0);
    let style = Style::new(Face::Regular, 7.5);
    let rule = |x1, y1, x2, y2| Prim::Line {
        x1,
        y1,
        x2,
        y2,
        width: 0.8,
        color: Rgb::BLACK,
    };
    let label = if length_m >= 1000.0 {
        format!("{} 千米", length_m / 1000.0)
    } else {
        format!("{length_m} 米")
    };
    vec![
        rule(x, y, x + length, y),
        rule(x, y - 3.0, x, y),
        rule(x + length / 2.0, y - 2.0, x + length / 2.0, y),
        rule(x + length, y - 3.0, x + length, y),
        text_prim(x - 10.0, 20.0, y - 5.0, Align::Center, &style, "0"),
        text_prim(
            x + length - 30.0,
            60.0,
            y - 5.0,
            Align::Center,
            &style,
            &label,
        ),
    ]
}
