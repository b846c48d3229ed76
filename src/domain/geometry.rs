//! Compound boundaries (小区边界): a valid GeoJSON Polygon or MultiPolygon in WGS-84.
//!
//! A [`Boundary`] can only be made by parsing, and parsing checks everything a boundary must be:
//! rings closed and long enough, finite coordinates inside mainland China's extent, no
//! self-intersection (OGC simple-feature validity). Output always follows RFC 7946's right-hand
//! rule (exterior rings counter-clockwise, holes clockwise).

use geo::orient::Direction;
use geo::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{
    BoundingRect, Centroid, Coord, GeodesicArea, LineString, MultiPolygon, Orient, Polygon,
    Validation,
};
use serde_json::{Value, json};

use super::gcj02;

/// Coordinate reference system of incoming coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Crs {
    /// WGS-84, as RFC 7946 requires.
    #[default]
    Wgs84,
    /// GCJ-02 (国测局坐标), used by Chinese web maps; converted to WGS-84 on input.
    Gcj02,
}

impl std::str::FromStr for Crs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" | "epsg:4326" => Ok(Crs::Wgs84),
            "gcj02" | "gcj-02" => Ok(Crs::Gcj02),
            _ => Err(format!("不认识的坐标系“{s}”：请用 wgs84 或 gcj02")),
        }
    }
}

/// Longitude and latitude a boundary must lie in: mainland China with its islands, generously.
pub const LON_RANGE: (f64, f64) = (73.0, 135.5);
pub const LAT_RANGE: (f64, f64) = (3.5, 53.6);

/// Coordinates are kept to six decimals (about 10 cm), as RFC 7946 §11.2 recommends, so that export
/// and import round-trip exactly.
const PRECISION: f64 = 1e6;
/// A compound is no bigger than a few square kilometres; anything beyond is a unit mistake.
const MAX_AREA_M2: f64 = 5_000_000.0;
/// A ring smaller than this is a zero-area ring (corners on one line) that rounding left a sliver of area.
const MIN_RING_AREA_M2: f64 = 1.0;
/// A surveyed compound outline has tens to a few hundred corners. The self-intersection check grows with the
/// square of the corners (10,000 took 1.4 s), so the limit also bounds what one request can cost.
const MAX_VERTICES: usize = 2_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Boundary(MultiPolygon<f64>);

fn hundredths(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Boundary {
    /// Parses a GeoJSON geometry object (Polygon or MultiPolygon) in the given CRS.
    pub fn from_geojson(value: &Value, crs: Crs) -> Result<Self, String> {
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .ok_or("边界须为带“type”的 GeoJSON 几何对象")?;
        let coordinates = value
            .get("coordinates")
            .ok_or("边界缺少坐标（coordinates）")?;
        let polygons = match kind {
            "Polygon" => vec![parse_polygon(coordinates, crs, "coordinates")?],
            "MultiPolygon" => {
                let parts = coordinates
                    .as_array()
                    .ok_or("coordinates：须为多边形的列表")?;
                if parts.is_empty() {
                    return Err("coordinates：多个多边形的边界须至少有一个多边形".into());
                }
                parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| parse_polygon(p, crs, &format!("coordinates[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?
            }
            other => {
                return Err(format!(
                    "边界须为多边形（Polygon）或多个多边形（MultiPolygon），不能是 {other}"
                ));
            }
        };
        let vertices: usize = polygons.iter().map(count_vertices).sum();
        if vertices > MAX_VERTICES {
            return Err(format!(
                "边界有 {vertices} 个拐点，最多只能有 {MAX_VERTICES} 个"
            ));
        }
        let shape = MultiPolygon(polygons).orient(Direction::Default);
        shape
            .check_validation()
            .map_err(|e| invalid_shape(&e, kind == "MultiPolygon"))?;
        check_ring_areas(&shape, kind == "MultiPolygon")?;
        let boundary = Boundary(shape);
        let area = boundary.area_m2();
        if area > MAX_AREA_M2 {
            return Err(format!(
                "边界围成 {:.0} ㎡，超过一个小区可能的面积（{MAX_AREA_M2:.0} ㎡）",
                area
            ));
        }
        Ok(boundary)
    }

    /// The boundary as an RFC 7946 geometry: a Polygon when it has one part, else a MultiPolygon.
    pub fn to_geojson(&self) -> Value {
        let polygon_coords = |p: &Polygon<f64>| -> Value {
            let mut rings = vec![ring_coords(p.exterior())];
            rings.extend(p.interiors().iter().map(ring_coords));
            Value::Array(rings)
        };
        match self.0.0.as_slice() {
            [one] => json!({"type": "Polygon", "coordinates": polygon_coords(one)}),
            many => json!({
                "type": "MultiPolygon",
                "coordinates": many.iter().map(polygon_coords).collect::<Vec<_>>(),
            }),
        }
    }

    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.0
    }

    /// Geodesic area on the WGS-84 ellipsoid, in m², to the hundredth as it is stored: quantities derived from it
    /// (and so estimates) come out the same from a record just parsed and from its stored row.
    pub fn area_m2(&self) -> f64 {
        hundredths(self.0.geodesic_area_unsigned())
    }

    /// Geodesic length of all rings, in m, to the hundredth as it is stored.
    pub fn perimeter_m(&self) -> f64 {
        hundredths(self.0.geodesic_perimeter())
    }

    /// (lon, lat) of the area-weighted centroid.
    pub fn centroid(&self) -> (f64, f64) {
        self.0
            .centroid()
            .map(|p| (round(p.x()), round(p.y())))
            .unwrap_or_default()
    }

    /// [min_lon, min_lat, max_lon, max_lat].
    pub fn bbox(&self) -> [f64; 4] {
        self.0
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .unwrap_or_default()
    }
}

/// Every ring must enclose some area: a ring whose corners lie on one line passes the simple-feature checks.
/// geo's finding of why a shape is not a valid polygon, in the words of a boundary's rings.
fn invalid_shape(e: &InvalidMultiPolygon, multi: bool) -> String {
    let part = |i: usize| {
        if multi {
            format!("第 {} 块", i + 1)
        } else {
            String::new()
        }
    };
    let ring = |r: &RingRole| match r {
        RingRole::Exterior => "外圈".to_owned(),
        RingRole::Interior(i) => format!("第 {} 个内圈", i + 1),
    };
    let why = match e {
        InvalidMultiPolygon::InvalidPolygon(at, problem) => {
            let at = part(at.0);
            match problem {
                InvalidPolygon::TooFewPointsInRing(r) => {
                    format!("{at}{}须至少有 3 个不同的拐点", ring(r))
                }
                InvalidPolygon::SelfIntersection(r) => format!("{at}{}的边线自相交", ring(r)),
                InvalidPolygon::NonFiniteCoord(r, i) => {
                    format!("{at}{}第 {} 个坐标不是有限的数", ring(r), i.0 + 1)
                }
                InvalidPolygon::InteriorRingNotContainedInExteriorRing(r) => {
                    format!("{at}{}不在外圈之内", ring(r))
                }
                InvalidPolygon::IntersectingRingsOnALine(a, b)
                | InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
                    format!("{at}{}和{}相交", ring(a), ring(b))
                }
            }
        }
        InvalidMultiPolygon::ElementsOverlaps(a, b) => {
            format!("第 {} 块和第 {} 块重叠", a.0 + 1, b.0 + 1)
        }
        InvalidMultiPolygon::ElementsTouchOnALine(a, b) => {
            format!("第 {} 块和第 {} 块沿一条边相接", a.0 + 1, b.0 + 1)
        }
    };
    format!("边界不是有效的多边形：{why}")
}

fn check_ring_areas(shape: &MultiPolygon<f64>, multi: bool) -> Result<(), String> {
    for (p, polygon) in shape.0.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (r, ring) in rings.enumerate() {
            let area = Polygon::new(ring.clone(), Vec::new()).geodesic_area_unsigned();
            if area < MIN_RING_AREA_M2 {
                let at = if multi {
                    format!("coordinates[{p}][{r}]")
                } else {
                    format!("coordinates[{r}]")
                };
                return Err(format!(
                    "{at}：这一圈边线围不出面积（{area:.2} ㎡）：各拐点在一条直线上或重合"
                ));
            }
        }
    }
    Ok(())
}

/// Corners of a polygon: a closed ring repeats its first point at the end, which is not another corner.
fn count_vertices(p: &Polygon<f64>) -> usize {
    let corners = |r: &LineString<f64>| r.0.len().saturating_sub(1);
    corners(p.exterior()) + p.interiors().iter().map(corners).sum::<usize>()
}

fn ring_coords(ring: &LineString<f64>) -> Value {
    Value::Array(ring.0.iter().map(|c| json!([c.x, c.y])).collect())
}

fn round(v: f64) -> f64 {
    (v * PRECISION).round() / PRECISION
}

fn parse_polygon(value: &Value, crs: Crs, at: &str) -> Result<Polygon<f64>, String> {
    let rings = value
        .as_array()
        .ok_or_else(|| format!("{at}：多边形须为若干圈边线的列表"))?;
    if rings.is_empty() {
        return Err(format!("{at}：多边形须有外圈边线"));
    }
    let mut parsed = rings
        .iter()
        .enumerate()
        .map(|(i, r)| parse_ring(r, crs, &format!("{at}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let exterior = parsed.remove(0);
    Ok(Polygon::new(exterior, parsed))
}

fn parse_ring(value: &Value, crs: Crs, at: &str) -> Result<LineString<f64>, String> {
    let positions = value
        .as_array()
        .ok_or_else(|| format!("{at}：一圈边线须为坐标点的列表"))?;
    if positions.len() < 4 {
        return Err(format!(
            "{at}：一圈边线须至少有 4 个坐标点（3 个拐点加回到起点的 1 个），现在只有 {} 个",
            positions.len()
        ));
    }
    let coords = positions
        .iter()
        .enumerate()
        .map(|(i, p)| parse_position(p, crs, &format!("{at}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err(format!(
            "{at}：这一圈边线没有闭合（最后一个坐标点须与第一个相同）"
        ));
    }
    Ok(LineString(coords))
}

fn parse_position(value: &Value, crs: Crs, at: &str) -> Result<Coord<f64>, String> {
    let numbers = value
        .as_array()
        .filter(|a| (2..=3).contains(&a.len()))
        .ok_or_else(|| format!("{at}：坐标点须为 [经度, 纬度]"))?;
    let lon = numbers[0]
        .as_f64()
        .ok_or_else(|| format!("{at}：经度须为数字"))?;
    let lat = numbers[1]
        .as_f64()
        .ok_or_else(|| format!("{at}：纬度须为数字"))?;
    let (lon, lat) = match crs {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 => gcj02::to_wgs84(lon, lat),
    };
    let (lon, lat) = (round(lon), round(lat));
    if !(LON_RANGE.0..=LON_RANGE.1).contains(&lon) || !(LAT_RANGE.0..=LAT_RANGE.1).contains(&lat) {
        return Err(format!(
            "{at}：[{lon}, {lat}] 不在中国境内（经度 {}–{}，纬度 {}–{}）；\
             坐标须为以度为单位的 [经度, 纬度]",
            LON_RANGE.0, LON_RANGE.1, LAT_RANGE.0, LAT_RANGE.1
        ));
    }
    Ok(Coord { x: lon, y: lat })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, d: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
    }

    /// A ring of `n` positions (the last repeating the first) around a point in Renshou, about 1 km across.
    fn circle(n: usize) -> Value {
        let mut ring: Vec<Value> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                json!([104.13 + 0.005 * a.cos(), 30.0 + 0.005 * a.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        json!({"type": "Polygon", "coordinates": [ring]})
    }

    #[test]
    fn the_largest_accepted_outline_parses() {
        assert!(Boundary::from_geojson(&circle(2_000), Crs::Wgs84).is_ok());
    }

    #[test]
    fn a_small_square_in_renshou_parses_with_plausible_area() {
        let b = Boundary::from_geojson(&square(104.13, 30.0, 0.001), Crs::Wgs84).unwrap();
        // 0.001° ≈ 96 m of longitude × 111 m of latitude at 30°N.
        let area = b.area_m2();
        assert!((10_000.0..11_000.0).contains(&area), "area {area}");
        assert!((380.0..430.0).contains(&b.perimeter_m()));
        let (lon, lat) = b.centroid();
        assert!((lon - 104.1305).abs() < 1e-6 && (lat - 30.0005).abs() < 1e-6);
    }

    #[test]
    fn clockwise_input_comes_out_counter_clockwise() {
        let cw = json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.0, 30.001], [104.001, 30.001], [104.001, 30.0], [104.0, 30.0]]]});
        let out = Boundary::from_geojson(&cw, Crs::Wgs84)
            .unwrap()
            .to_geojson();
        let ring = out["coordinates"][0].as_array().unwrap();
        // Shoelace: positive for counter-clockwise.
        let signed: f64 = ring
            .windows(2)
            .map(|w| {
                let (a, b) = (&w[0], &w[1]);
                a[0].as_f64().unwrap() * b[1].as_f64().unwrap()
                    - b[0].as_f64().unwrap() * a[1].as_f64().unwrap()
            })
            .sum();
        assert!(signed > 0.0);
    }

    #[test]
    fn output_parses_back_to_the_same_boundary() {
        let b = Boundary::from_geojson(&square(104.13, 30.0, 0.001), Crs::Wgs84).unwrap();
        let again = Boundary::from_geojson(&b.to_geojson(), Crs::Wgs84).unwrap();
        assert_eq!(b, again);
        assert_eq!(b.to_geojson(), again.to_geojson());
    }

    #[test]
    fn bad_geometries_are_refused_with_a_reason() {
        let cases = [
            (
                json!({"type": "Point", "coordinates": [104.0, 30.0]}),
                "不能是 Point",
            ),
            (json!({"type": "Polygon"}), "缺少坐标"),
            (
                json!({"type": "Polygon", "coordinates": []}),
                "须有外圈边线",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.0], [104.0, 30.0]]]}),
                "须至少有 4 个坐标点",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.001, 30.001], [104.0, 30.001]]]}),
                "没有闭合",
            ),
            // A bow-tie: the edges cross.
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.001], [104.001, 30.0], [104.0, 30.001], [104.0, 30.0]]]}),
                "不是有效的多边形",
            ),
            // Latitude and longitude swapped.
            (square(30.0, 104.0, 0.001), "不在中国境内"),
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, "30"], [104.1, 30.0], [104.1, 30.1], [104.0, 30.0]]]}),
                "纬度须为数字",
            ),
            (square(104.0, 30.0, 0.5), "超过一个小区可能的面积"),
            (
                json!({"type": "MultiPolygon", "coordinates": []}),
                "须至少有一个多边形",
            ),
            // A zero-area ring: three corners on one line, and one on top of another.
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.002, 30.0], [104.0, 30.0]]]}),
                "coordinates[0]：这一圈边线围不出面积",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.001, 30.0], [104.001, 30.0], [104.0, 30.0]]]}),
                "外圈须至少有 3 个不同的拐点",
            ),
            (circle(2_001), "有 2001 个拐点，最多只能有 2000 个"),
        ];
        for (geometry, expected) in cases {
            let err = Boundary::from_geojson(&geometry, Crs::Wgs84).unwrap_err();
            assert!(err.contains(expected), "{geometry}: {err}");
        }
    }

    #[test]
    fn overlapping_parts_of_a_multipolygon_are_refused() {
        let a = square(104.0, 30.0, 0.001)["coordinates"].clone();
        let b = square(104.0005, 30.0005, 0.001)["coordinates"].clone();
        let mp = json!({"type": "MultiPolygon", "coordinates": [a, b]});
        assert!(Boundary::from_geojson(&mp, Crs::Wgs84).is_err());
    }

    #[test]
    fn gcj02_input_is_moved_to_wgs84() {
        let (g_lon, g_lat) = gcj02::from_wgs84(104.13, 30.0);
        let b = Boundary::from_geojson(&square(g_lon, g_lat, 0.001), Crs::Gcj02).unwrap();
        let [min_lon, min_lat, ..] = b.bbox();
        assert!((min_lon - 104.13).abs() < 1e-6 && (min_lat - 30.0).abs() < 1e-6);
    }
}
