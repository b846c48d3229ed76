//! A compound's full record as it is written: parsed from the JSON of an API body or a GeoJSON
//! feature's properties, checked field by field, and priced against the catalog.

use serde::Deserialize;
use serde_json::Value;
use validator::Validate;

use super::FieldErrors;
use super::catalog::{Catalog, Figures};
use super::compound::{
    CategoryOverride, CompoundCode, Consent, Origin, PropertyManagement, Status, Survey,
};
use super::cost::{Estimate, ScopeLine, estimate};
use super::funding::FundingOverride;
use super::geometry::{Boundary, Crs};
use super::text::trim;

/// The writable fields as they arrive. Enum-like fields are strings here so that a wrong value is a
/// 422 naming the field, not a serde failure.
#[derive(Debug, Deserialize, Validate)]
struct CompoundInput {
    #[validate(length(min = 1, max = 32, message = "须为 1 到 32 个字符"))]
    code: String,
    #[validate(length(min = 1, max = 100, message = "须为 1 到 100 个字"))]
    name: String,
    #[validate(length(min = 1, max = 12, message = "须为 1 到 12 个字符"))]
    town_code: String,
    #[validate(length(min = 1, max = 50, message = "须为 1 到 50 个字"))]
    town: String,
    #[validate(length(min = 1, max = 50, message = "须为 1 到 50 个字"))]
    community: String,
    #[serde(default)]
    #[validate(length(max = 200, message = "最多 200 个字"))]
    address: String,
    #[validate(range(min = 1900, message = "须为 1900 年或以后"))]
    year_built: i32,
    #[validate(range(min = 1, max = 1000, message = "须为 1 到 1000 之间的整数"))]
    buildings: i32,
    #[validate(range(min = 1, max = 100000, message = "须为 1 到 100000 之间的整数"))]
    households: i32,
    #[validate(range(
        exclusive_min = 0.0,
        max = 10000000.0,
        message = "须大于 0 且不超过 10,000,000 ㎡"
    ))]
    floor_area_m2: f64,
    #[validate(range(min = 1, max = 60, message = "须为 1 到 60 之间的整数"))]
    storeys: i32,
    #[serde(default)]
    has_lifts: bool,
    property_management: String,
    origin: String,
    #[serde(default = "default_status")]
    status: String,
    #[serde(default)]
    survey: Option<Survey>,
    #[serde(default)]
    consent: Option<Consent>,
    #[serde(default)]
    #[validate(length(max = 200, message = "最多 200 项"))]
    scope: Vec<ScopeLine>,
    #[serde(default)]
    category_override: Option<CategoryOverride>,
    #[serde(default)]
    funding_override: Option<FundingOverride>,
    /// The count of accepted residents' requests, as exported. Read and checked so files exported earlier
    /// import, but never written: their triage keeps the count (`db::requests`).
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000, message = "须为 0 到 1000000 之间的整数"))]
    #[allow(dead_code)]
    requests: i32,
    #[serde(default)]
    #[validate(range(min = 1, max = 1000, message = "须为 1 到 1000 之间的整数"))]
    deputies_vote_rank: Option<i32>,
    #[serde(default)]
    archived: bool,
}

fn default_status() -> String {
    Status::Catalogued.code().to_owned()
}

/// A compound record that has passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundRecord {
    pub code: CompoundCode,
    pub name: String,
    pub town_code: String,
    pub town: String,
    pub community: String,
    pub address: String,
    pub year_built: i32,
    pub buildings: i32,
    pub households: i32,
    pub floor_area_m2: f64,
    pub storeys: i32,
    pub has_lifts: bool,
    pub property_management: PropertyManagement,
    pub origin: Origin,
    pub status: Status,
    pub survey: Option<Survey>,
    pub consent: Option<Consent>,
    pub scope: Vec<ScopeLine>,
    pub category_override: Option<CategoryOverride>,
    pub funding_override: Option<FundingOverride>,
    pub deputies_vote_rank: Option<i32>,
    pub archived: bool,
    pub boundary: Boundary,
    /// The scope priced against the catalog.
    pub estimate: Estimate,
}

impl CompoundRecord {
    /// Parses the properties object and the geometry. Every problem found is reported, keyed by field.
    pub fn parse(
        properties: &Value,
        geometry: Option<&Value>,
        crs: Crs,
        catalog: &Catalog,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let boundary = match geometry {
            None | Some(Value::Null) => {
                errors.add("geometry", "必填：小区边界（多边形或多个多边形）");
                None
            }
            Some(g) => Boundary::from_geojson(g, crs)
                .map_err(|e| errors.add("geometry", e))
                .ok(),
        };
        if let Some(field) = super::text::unclean_at(properties) {
            errors.add(field, "不能包含控制字符（如空字符）");
            return Err(errors);
        }
        let input: CompoundInput = match super::deserialize(properties) {
            Ok(input) => input,
            Err(e) => {
                errors.0.extend(e.0);
                return Err(errors);
            }
        };
        let input = CompoundInput {
            code: trim(&input.code).to_owned(),
            name: trim(&input.name).to_owned(),
            town_code: trim(&input.town_code).to_owned(),
            town: trim(&input.town).to_owned(),
            community: trim(&input.community).to_owned(),
            address: trim(&input.address).to_owned(),
            ..input
        };
        if let Err(e) = input.validate() {
            errors.extend_validator(&e);
        }
        let code = CompoundCode::parse(&input.code)
            .map_err(|e| errors.add("code", e))
            .ok();
        if !input.town_code.chars().all(|c| c.is_ascii_digit()) {
            errors.add("town_code", "须全为数字（行政区划代码）");
        }
        let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        if input.year_built > this_year {
            errors.add("year_built", format!("建成年份不能晚于 {this_year} 年"));
        }
        let property_management = PropertyManagement::parse(&input.property_management)
            .map_err(|e| errors.add("property_management", e))
            .ok();
        let origin = Origin::parse(&input.origin)
            .map_err(|e| errors.add("origin", e))
            .ok();
        let status = Status::parse(&input.status)
            .map_err(|e| errors.add("status", e))
            .ok();
        if let Some(Err((field, message))) = input.survey.as_ref().map(Survey::check) {
            errors.add(format!("survey.{field}"), message);
        }
        let today = crate::domain::time::beijing_date(chrono::Utc::now());
        if let Some(Err((field, message))) = input.consent.as_ref().map(|c| c.check(today)) {
            errors.add(format!("consent.{field}"), message);
        }
        if let Some(o) = &input.category_override {
            if catalog.class(&o.category).is_none() {
                errors.add(
                    "category_override.category",
                    format!("没有“{}”这一改造类别", o.category),
                );
            }
            if trim(&o.reason).is_empty() || o.reason.chars().count() > 500 {
                errors.add(
                    "category_override.reason",
                    "须填写调整类别的理由，1 到 500 个字",
                );
            }
        }
        if let Some(Err((field, message))) =
            input.funding_override.as_ref().map(FundingOverride::check)
        {
            errors.add(format!("funding_override.{field}"), message);
        }
        let figures = Figures {
            floor_area_m2: input.floor_area_m2,
            storeys: input.storeys,
            households: input.households,
            buildings: input.buildings,
            site_area_m2: boundary.as_ref().map_or(0.0, Boundary::area_m2),
            perimeter_m: boundary.as_ref().map_or(0.0, Boundary::perimeter_m),
        };
        let estimate = estimate(catalog, &figures, &input.scope)
            .map_err(|lines| {
                for (i, message) in lines {
                    errors.add(format!("scope[{i}]"), message);
                }
            })
            .ok();
        match (
            errors.is_empty(),
            code,
            boundary,
            property_management,
            origin,
            status,
            estimate,
        ) {
            (
                true,
                Some(code),
                Some(boundary),
                Some(property_management),
                Some(origin),
                Some(status),
                Some(estimate),
            ) => Ok(CompoundRecord {
                code,
                name: input.name,
                town_code: input.town_code,
                town: input.town,
                community: input.community,
                address: input.address,
                year_built: input.year_built,
                buildings: input.buildings,
                households: input.households,
                floor_area_m2: input.floor_area_m2,
                storeys: input.storeys,
                has_lifts: input.has_lifts,
                property_management,
                origin,
                status,
                survey: input.survey,
                consent: input.consent,
                scope: input.scope,
                category_override: input.category_override,
                funding_override: input.funding_override,
                deputies_vote_rank: input.deputies_vote_rank,
                archived: input.archived,
                boundary,
                estimate,
            }),
            _ => Err(errors),
        }
    }

    /// The category the compound is filed under: the bureau's override, else the scope's.
    pub fn category(&self) -> Option<&str> {
        self.category_override
            .as_ref()
            .map(|o| o.category.as_str())
            .or(self.estimate.category.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap()
    }

    fn properties() -> Value {
        json!({
            "code": "RS-9001", "name": "工行小区", "town_code": "511421001", "town": "文林街道",
            "community": "文林社区", "address": "陵州路 12 号", "year_built": 1996, "buildings": 6,
            "households": 240, "floor_area_m2": 21600.0, "storeys": 6, "has_lifts": false,
            "property_management": "none", "origin": "unit_fundraised",
            "scope": [{"item": "B01"}, {"item": "I11", "quantity": 2}],
        })
    }

    fn geometry() -> Value {
        json!({"type": "Polygon", "coordinates": [[[104.13, 30.0], [104.131, 30.0], [104.131, 30.001], [104.13, 30.001], [104.13, 30.0]]]})
    }

    #[test]
    fn a_good_record_parses_and_is_priced() {
        let r = CompoundRecord::parse(&properties(), Some(&geometry()), Crs::Wgs84, &catalog())
            .unwrap();
        assert_eq!(r.category(), Some("improvement"));
        assert_eq!(r.status, Status::Catalogued);
        assert_eq!(r.estimate.total_fen, (3_600 * 320 + 2 * 700_000) * 100);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut p = properties();
        p["households"] = json!(-3);
        p["origin"] = json!("castle");
        p["name"] = json!("   ");
        p["scope"] = json!([{"item": "NOPE"}]);
        p["category_override"] = json!({"category": "luxury", "reason": ""});
        let errors = CompoundRecord::parse(&p, None, Crs::Wgs84, &catalog()).unwrap_err();
        for field in [
            "households",
            "origin",
            "name",
            "scope[0]",
            "geometry",
            "category_override.category",
            "category_override.reason",
        ] {
            assert!(
                errors.0.contains_key(field),
                "{field} missing from {errors:?}"
            );
        }
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let mut p = properties();
        p["consent"] = json!({"recorded_on": "2021-01-01", "owners_total": "many"});
        let errors =
            CompoundRecord::parse(&p, Some(&geometry()), Crs::Wgs84, &catalog()).unwrap_err();
        assert!(errors.0.contains_key("consent.owners_total"), "{errors:?}");
    }

    #[test]
    fn the_override_wins_over_the_scope() {
        let mut p = properties();
        p["category_override"] =
            json!({"category": "upgrade", "reason": "列入片区统筹，配建养老服务设施"});
        let r = CompoundRecord::parse(&p, Some(&geometry()), Crs::Wgs84, &catalog()).unwrap();
        assert_eq!(r.category(), Some("upgrade"));
        assert_eq!(r.estimate.category.as_deref(), Some("improvement"));
    }
}
