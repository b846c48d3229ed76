//! What the generator's unit tests share: the Renshou set as JSON values and readers of its fields.

use geo::{Coord, LineString, Polygon};
use serde_json::{Map, Value};

use super::catalog::Catalog;
use super::write::{RENSHOU_COUNT, RENSHOU_SEED, features, write_collection};

pub(super) fn renshou() -> Vec<Value> {
    features(RENSHOU_COUNT, RENSHOU_SEED).collect()
}

pub(super) fn props(f: &Value) -> &Map<String, Value> {
    f["properties"].as_object().unwrap()
}

pub(super) fn ring(f: &Value) -> Vec<[f64; 2]> {
    f["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

pub(super) fn geo_polygon(f: &Value) -> Polygon<f64> {
    let coords: Vec<Coord<f64>> = ring(f).iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
    Polygon::new(LineString::new(coords), vec![])
}

pub(super) fn bytes(count: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_collection(&mut out, count, seed).unwrap();
    out
}

/// The category of a compound from its scope: the class of highest rank among the scope's items.
pub(super) fn category(f: &Value) -> Option<String> {
    let catalog = Catalog::get();
    props(f)["scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let code = e["item"].as_str().unwrap();
            let item = catalog
                .items
                .iter()
                .position(|i| i.code == code)
                .expect("scope item in the catalog");
            catalog.tier_of_item(item)
        })
        .max()
        .map(|tier| catalog.classes[tier].code.clone())
}

pub(super) fn share(n: usize, of: usize) -> f64 {
    n as f64 / of as f64
}
