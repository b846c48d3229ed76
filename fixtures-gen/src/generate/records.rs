//! The feature records, serialised in field order: the order of the keys in the output.

use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Feature {
    pub(super) r#type: &'static str,
    pub(super) id: String,
    pub(super) geometry: Geometry,
    pub(super) properties: Properties,
}

#[derive(Serialize)]
pub(super) struct Geometry {
    pub(super) r#type: &'static str,
    pub(super) coordinates: [Vec<[f64; 2]>; 1],
}

#[derive(Serialize)]
pub(super) struct Properties {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) town_code: String,
    pub(super) town: &'static str,
    pub(super) community: String,
    pub(super) address: String,
    pub(super) year_built: i64,
    pub(super) buildings: i64,
    pub(super) households: i64,
    pub(super) floor_area_m2: f64,
    pub(super) storeys: i64,
    pub(super) has_lifts: bool,
    pub(super) property_management: &'static str,
    pub(super) origin: &'static str,
    pub(super) status: &'static str,
    pub(super) survey: Option<Survey>,
    pub(super) consent: Option<Consent>,
    pub(super) scope: Vec<ScopeEntry>,
    pub(super) category_override: Option<CategoryOverride>,
    pub(super) requests: i64,
    pub(super) deputies_vote_rank: Option<u32>,
    pub(super) archived: bool,
}

#[derive(Serialize)]
pub(super) struct Survey {
    pub(super) surveyed_on: String,
    pub(super) deficits: Vec<Deficit>,
}

#[derive(Serialize)]
pub(super) struct Deficit {
    pub(super) code: &'static str,
    pub(super) severity: &'static str,
    pub(super) note: &'static str,
}

#[derive(Serialize)]
pub(super) struct Consent {
    pub(super) recorded_on: String,
    pub(super) owners_total: i64,
    pub(super) area_total_m2: f64,
    pub(super) participating_owners: i64,
    pub(super) participating_area_m2: f64,
    pub(super) agreeing_owners: i64,
    pub(super) agreeing_area_m2: f64,
}

#[derive(Serialize)]
pub(super) struct ScopeEntry {
    pub(super) item: &'static str,
    /// Only for items whose quantity rule is "manual".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) quantity: Option<f64>,
}

#[derive(Serialize)]
pub(super) struct CategoryOverride {
    pub(super) category: &'static str,
    pub(super) reason: &'static str,
}

#[cfg(test)]
mod tests {
    use crate::generate::random::round_to;
    use crate::generate::test_support::{props, renshou};

    #[test]
    fn feature_shape_and_keys() {
        let keys = [
            "code",
            "name",
            "town_code",
            "town",
            "community",
            "address",
            "year_built",
            "buildings",
            "households",
            "floor_area_m2",
            "storeys",
            "has_lifts",
            "property_management",
            "origin",
            "status",
            "survey",
            "consent",
            "scope",
            "category_override",
            "requests",
            "deputies_vote_rank",
            "archived",
        ];
        for (i, f) in renshou().iter().enumerate() {
            let top: Vec<&str> = f.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            assert_eq!(top, ["type", "id", "geometry", "properties"]);
            assert_eq!(f["type"], "Feature");
            assert_eq!(f["geometry"]["type"], "Polygon");
            let p = props(f);
            assert_eq!(p.keys().map(|k| k.as_str()).collect::<Vec<_>>(), keys);
            let code = format!("RS-{:04}", i + 1);
            assert_eq!(f["id"], code.as_str());
            assert_eq!(p["code"], code.as_str());
            let town_code = p["town_code"].as_str().unwrap();
            assert!(town_code.len() == 9 && town_code.starts_with("511421"));
            assert!(
                p["address"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("仁寿县{}", p["town"].as_str().unwrap()))
            );
            let storeys = p["storeys"].as_i64().unwrap();
            assert!((3..=7).contains(&storeys));
            if p["has_lifts"].as_bool().unwrap() {
                assert_eq!(storeys, 7);
            }
            let households = p["households"].as_i64().unwrap() as f64;
            let area = p["floor_area_m2"].as_f64().unwrap();
            assert!((14.0..=650.0).contains(&households), "{households}");
            assert!(area >= households * 60.0 - 0.1 && area <= households * 110.0 + 0.1);
            assert_eq!(area, round_to(area, 10.0));
            let per_building = households / p["buildings"].as_f64().unwrap();
            assert!(per_building <= 8.0 * storeys as f64 + 0.1);
            assert!(
                ["none", "self", "company"].contains(&p["property_management"].as_str().unwrap())
            );
            let origins = [
                "unit_fundraised",
                "housing_reform",
                "commercial",
                "resettlement",
                "other",
            ];
            assert!(origins.contains(&p["origin"].as_str().unwrap()));
            assert_eq!(p["status"] == "surveyed", !p["survey"].is_null());
            assert_eq!(p["status"] == "catalogued", p["survey"].is_null());
            assert!(
                (0..=21).contains(&p["requests"].as_i64().unwrap())
                    || !p["deputies_vote_rank"].is_null()
            );
            assert_eq!(p["archived"], false);
        }
    }
}
