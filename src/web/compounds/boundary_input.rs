//! A compound's boundary as the forms take it: an uploaded GeoJSON or KML file, or text pasted into the form
//! (“经度,纬度” pairs of one ring, or a GeoJSON geometry). The result is a GeoJSON geometry for
//! `CompoundRecord::parse`, which checks the shape itself (closed, not self-intersecting, with area).

use serde_json::{Value, json};

use crate::web::form::Form;

/// The form's file field and text field for the boundary.
pub const FILE: &str = "boundary_file";
pub const TEXT: &str = "boundary_text";

/// What the form says about the boundary: nothing (keep the stored one), a geometry, or why it cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Nothing,
    Geometry(Value),
    Unreadable(String),
}

/// The boundary the form gives: its file if one was chosen, else its text.
pub fn from_form(f: &Form) -> Typed {
    if let Some(upload) = f.file(FILE) {
        let Ok(text) = std::str::from_utf8(&upload.bytes) else {
            return Typed::Unreadable(
                "上传的文件不是 UTF-8 编码的文本（须为 GeoJSON 或 KML 文件）".into(),
            );
        };
        let kml =
            upload.filename.to_lowercase().ends_with(".kml") || text.trim_start().starts_with('<');
        return if kml {
            from_kml(text)
        } else {
            from_geojson_text(text)
        };
    }
    let text = f.text(TEXT).trim();
    if text.is_empty() {
        Typed::Nothing
    } else if text.starts_with('{') {
        from_geojson_text(text)
    } else if text.starts_with('<') {
        from_kml(text)
    } else {
        from_pairs(text)
    }
}

/// GeoJSON text: a geometry, a Feature, or a FeatureCollection of one feature.
fn from_geojson_text(text: &str) -> Typed {
    let value: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            return Typed::Unreadable(format!(
                "不是有效的 GeoJSON（第 {} 行第 {} 列附近有误）",
                e.line(),
                e.column()
            ));
        }
    };
    match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let features = value["features"].as_array().cloned().unwrap_or_default();
            match features.as_slice() {
                [one] => Typed::Geometry(one["geometry"].clone()),
                [] => Typed::Unreadable("GeoJSON 文件里没有要素".into()),
                many => Typed::Unreadable(format!(
                    "GeoJSON 文件里有 {} 个要素，一个小区的边界须只有一个",
                    many.len()
                )),
            }
        }
        Some("Feature") => Typed::Geometry(value["geometry"].clone()),
        _ => Typed::Geometry(value),
    }
}

/// KML (WGS-84 “lon,lat[,alt]”): the outer ring of every Polygon, as one Polygon or a MultiPolygon.
fn from_kml(text: &str) -> Typed {
    let mut polygons = Vec::new();
    let mut rest = text;
    while let Some(start) = find_tag(rest, "outerBoundaryIs") {
        let after = &rest[start..];
        let Some(open) = find_tag(after, "coordinates") else {
            break;
        };
        let inner = &after[open..];
        let Some(body_start) = inner.find('>') else {
            break;
        };
        let body = &inner[body_start + 1..];
        let Some(end) = body.find("</") else {
            return Typed::Unreadable("KML 文件的 coordinates 没有结束标记".into());
        };
        match kml_ring(&body[..end]) {
            Ok(ring) => polygons.push(json!([ring])),
            Err(e) => {
                return Typed::Unreadable(format!(
                    "KML 文件第 {} 个多边形：{e}",
                    polygons.len() + 1
                ));
            }
        }
        rest = &body[end..];
    }
    match polygons.len() {
        0 => Typed::Unreadable("KML 文件里没有多边形（Polygon 的 outerBoundaryIs）".into()),
        1 => Typed::Geometry(json!({"type": "Polygon", "coordinates": polygons.remove(0)})),
        _ => Typed::Geometry(json!({"type": "MultiPolygon", "coordinates": polygons})),
    }
}

/// Where the element `name` (with or without a namespace prefix) opens in `text`.
fn find_tag(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let opens = matches!(before, Some('<') | Some(':'))
            && matches!(
                after,
                Some('>') | Some(' ') | Some('\n') | Some('\t') | Some('\r')
            );
        let closing = text[..at].ends_with("</");
        if opens && !closing {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

fn kml_ring(body: &str) -> Result<Vec<Value>, String> {
    body.split_whitespace()
        .enumerate()
        .map(|(i, tuple)| {
            let numbers: Vec<&str> = tuple.split(',').collect();
            match numbers.as_slice() {
                [lon, lat] | [lon, lat, _] => number_pair(lon, lat)
                    .ok_or_else(|| format!("第 {} 个坐标“{tuple}”不是数", i + 1)),
                _ => Err(format!(
                    "第 {} 个坐标“{tuple}”须为“经度,纬度[,高程]”",
                    i + 1
                )),
            }
        })
        .collect()
}

fn number_pair(lon: &str, lat: &str) -> Option<Value> {
    let lon: f64 = lon.trim().parse().ok()?;
    let lat: f64 = lat.trim().parse().ok()?;
    (lon.is_finite() && lat.is_finite()).then(|| json!([lon, lat]))
}

/// “104.13,30.07 104.14,30.07 …”: one ring of lon,lat pairs, separated by spaces, new lines or semicolons. The
/// ring is closed if its last point is not its first.
fn from_pairs(text: &str) -> Typed {
    let text = text.replace(['，', '、'], ",").replace('；', ";");
    // “104.13, 30.07” (a space after the comma) is one pair too.
    let text = text.replace(", ", ",").replace(" ,", ",");
    let mut ring = Vec::new();
    for (i, pair) in text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let point = pair
            .split_once(',')
            .and_then(|(lon, lat)| number_pair(lon, lat));
        match point {
            Some(p) => ring.push(p),
            None => {
                return Typed::Unreadable(format!(
                    "第 {} 个坐标“{pair}”不是“经度,纬度”形式的数，如 104.13,30.07",
                    i + 1
                ));
            }
        }
    }
    if ring.len() < 3 {
        return Typed::Unreadable(format!(
            "边界须至少有 3 个拐点（每个为“经度,纬度”），现在只有 {} 个",
            ring.len()
        ));
    }
    if ring.first() != ring.last() {
        ring.push(ring[0].clone());
    }
    Typed::Geometry(json!({"type": "Polygon", "coordinates": [ring]}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> Form {
        [(TEXT.to_owned(), text.to_owned())].into_iter().collect()
    }

    #[test]
    fn pasted_pairs_make_a_closed_ring() {
        let Typed::Geometry(g) = from_form(&form(
            "104.13,30.07 104.14,30.07\n104.14，30.08; 104.13, 30.08",
        )) else {
            panic!("not parsed");
        };
        assert_eq!(g["coordinates"][0].as_array().unwrap().len(), 5);
        assert_eq!(g["coordinates"][0][4], json!([104.13, 30.07]));
    }

    #[test]
    fn a_bad_number_is_named() {
        let Typed::Unreadable(m) = from_form(&form("104.13,30.07 104.x,30.07 104.14,30.08")) else {
            panic!("parsed");
        };
        assert!(m.contains("第 2 个坐标"), "{m}");
        assert_eq!(from_form(&form("  ")), Typed::Nothing);
    }

    #[test]
    fn kml_outer_rings_are_read() {
        let kml = r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon>
            <outerBoundaryIs><LinearRing><coordinates>
              104.13,30.07,0 104.14,30.07,0 104.14,30.08,0 104.13,30.07,0
            </coordinates></LinearRing></outerBoundaryIs>
            <innerBoundaryIs><LinearRing><coordinates>1,1 2,2</coordinates></LinearRing></innerBoundaryIs>
            </Polygon></Placemark></kml>"#;
        let Typed::Geometry(g) = from_kml(kml) else {
            panic!("not parsed");
        };
        assert_eq!(g["type"], "Polygon");
        assert_eq!(g["coordinates"][0][1], json!([104.14, 30.07]));
    }

    #[test]
    fn a_feature_collection_of_one_gives_its_geometry() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}]}"#;
        assert_eq!(
            from_geojson_text(text),
            Typed::Geometry(json!({"type":"Polygon","coordinates":[]}))
        );
    }
}
