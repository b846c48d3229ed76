//! The work-item catalog (改造内容清单): classes of work and the items in them, with unit costs and
//! the rule by which an item's quantity follows from a compound's figures.
//!
//! Classes are data, not an enum: Renshou ships 基础类/完善类/提升类, and a county may add its own
//! (Chengdu adds 安全类). A class's `rank` orders them; a compound's category is the class of
//! highest rank among its items.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A class of work, e.g. 基础类 (basic): safety and basic needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkClass {
    pub code: String,
    pub name: String,
    pub rank: i32,
    #[serde(default)]
    pub description: String,
}

/// One kind of work, e.g. B01 屋面防水及保温维修, at a unit cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    pub code: String,
    pub name: String,
    pub class: String,
    pub unit: String,
    pub unit_cost_yuan: f64,
    pub quantity: QuantityRule,
    /// Survey deficits this item fixes.
    #[serde(default)]
    pub remedies: Vec<String>,
}

impl WorkItem {
    /// Area and length units take fractional quantities; everything else is counted in whole units.
    pub fn is_counted(&self) -> bool {
        !matches!(self.unit.as_str(), "m" | "m²" | "m2" | "m³" | "m3" | "km")
    }

    pub fn unit_cost_fen(&self) -> i64 {
        (self.unit_cost_yuan * 100.0).round() as i64
    }
}

/// What a quantity rule multiplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    FloorArea,
    /// Floor area divided by storeys: the footprint, which is also the roof.
    RoofArea,
    Households,
    Buildings,
    /// Area enclosed by the boundary.
    SiteArea,
    /// Length of the boundary.
    Perimeter,
}

impl Basis {
    const ALL: [(Basis, &'static str); 6] = [
        (Basis::FloorArea, "floor_area"),
        (Basis::RoofArea, "roof_area"),
        (Basis::Households, "households"),
        (Basis::Buildings, "buildings"),
        (Basis::SiteArea, "site_area"),
        (Basis::Perimeter, "perimeter"),
    ];

    fn name(self) -> &'static str {
        Basis::ALL
            .iter()
            .find(|(b, _)| *b == self)
            .map(|(_, n)| *n)
            .unwrap_or_default()
    }
}

/// How an item's quantity is found: entered by a surveyor, fixed per compound, or a multiple of one of
/// the compound's figures. Written `manual`, `fixed:N`, `BASIS` or `BASIS*K`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuantityRule {
    Manual,
    Fixed(f64),
    Scaled { basis: Basis, factor: f64 },
}

impl FromStr for QuantityRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "manual" {
            return Ok(QuantityRule::Manual);
        }
        let positive = |n: &str| -> Result<f64, String> {
            n.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("{n:?} is not a positive number"))
        };
        if let Some(n) = s.strip_prefix("fixed:") {
            return Ok(QuantityRule::Fixed(positive(n)?));
        }
        let (basis, factor) = match s.split_once('*') {
            Some((b, k)) => (b.trim(), positive(k)?),
            None => (s, 1.0),
        };
        let basis = Basis::ALL
            .iter()
            .find(|(_, name)| *name == basis)
            .map(|(b, _)| *b)
            .ok_or_else(|| {
                format!(
                    "unknown quantity rule {s:?}: use manual, fixed:N, or one of {} optionally *K",
                    Basis::ALL.map(|(_, n)| n).join(", ")
                )
            })?;
        Ok(QuantityRule::Scaled { basis, factor })
    }
}

impl fmt::Display for QuantityRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityRule::Manual => f.write_str("manual"),
            QuantityRule::Fixed(n) => write!(f, "fixed:{n}"),
            QuantityRule::Scaled { basis, factor } if *factor == 1.0 => f.write_str(basis.name()),
            QuantityRule::Scaled { basis, factor } => write!(f, "{}*{factor}", basis.name()),
        }
    }
}

impl Serialize for QuantityRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QuantityRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The figures of a compound that quantity rules draw on.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub floor_area_m2: f64,
    pub storeys: i32,
    pub households: i32,
    pub buildings: i32,
    pub site_area_m2: f64,
    pub perimeter_m: f64,
}

impl QuantityRule {
    /// The quantity for a compound, or `None` when a surveyor must enter it.
    pub fn derive(&self, f: &Figures) -> Option<f64> {
        match *self {
            QuantityRule::Manual => None,
            QuantityRule::Fixed(n) => Some(n),
            QuantityRule::Scaled { basis, factor } => {
                let figure = match basis {
                    Basis::FloorArea => f.floor_area_m2,
                    Basis::RoofArea => f.floor_area_m2 / f64::from(f.storeys.max(1)),
                    Basis::Households => f64::from(f.households),
                    Basis::Buildings => f64::from(f.buildings),
                    Basis::SiteArea => f.site_area_m2,
                    Basis::Perimeter => f.perimeter_m,
                };
                Some(figure * factor)
            }
        }
    }
}

/// A county's whole catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub classes: Vec<WorkClass>,
    pub items: Vec<WorkItem>,
}

impl Catalog {
    /// Parses and checks a catalog file (TOML, as `fixtures/renshou/work_items.toml`).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let catalog: Catalog = toml::from_str(text).map_err(|e| e.to_string())?;
        catalog.check()?;
        Ok(catalog)
    }

    fn check(&self) -> Result<(), String> {
        let mut class_codes = BTreeSet::new();
        for class in &self.classes {
            if !class_codes.insert(class.code.as_str()) {
                return Err(format!("class {} is listed twice", class.code));
            }
        }
        let mut item_codes = BTreeSet::new();
        for item in &self.items {
            if !item_codes.insert(item.code.as_str()) {
                return Err(format!("item {} is listed twice", item.code));
            }
            if !class_codes.contains(item.class.as_str()) {
                return Err(format!("item {}: unknown class {}", item.code, item.class));
            }
            if !(item.unit_cost_yuan.is_finite() && item.unit_cost_yuan >= 0.0) {
                return Err(format!("item {}: unit cost must be ≥ 0", item.code));
            }
        }
        Ok(())
    }

    pub fn item(&self, code: &str) -> Option<&WorkItem> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn class(&self, code: &str) -> Option<&WorkClass> {
        self.classes.iter().find(|c| c.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_rules_parse_and_print_back() {
        for text in [
            "manual",
            "fixed:1",
            "roof_area",
            "floor_area*0.5",
            "households*0.01",
        ] {
            let rule: QuantityRule = text.parse().unwrap();
            assert_eq!(rule.to_string(), text);
        }
        for bad in [
            "",
            "roofs",
            "fixed:",
            "fixed:-1",
            "households*0",
            "households*x",
        ] {
            assert!(bad.parse::<QuantityRule>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn roof_area_is_floor_area_over_storeys() {
        let f = Figures {
            floor_area_m2: 21_600.0,
            storeys: 6,
            ..Figures::default()
        };
        assert_eq!(
            "roof_area".parse::<QuantityRule>().unwrap().derive(&f),
            Some(3_600.0)
        );
        assert_eq!("manual".parse::<QuantityRule>().unwrap().derive(&f), None);
    }

    #[test]
    fn the_renshou_catalog_loads_with_three_classes() {
        let catalog =
            Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap();
        let codes: Vec<_> = catalog.classes.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["basic", "improvement", "upgrade"]);
        assert!(catalog.items.len() >= 30);
        assert!(catalog.item("B01").is_some_and(|i| !i.is_counted()));
        assert!(catalog.item("U01").is_some_and(WorkItem::is_counted));
    }

    #[test]
    fn an_item_of_an_unknown_class_is_refused() {
        let text = r#"
            [[classes]]
            code = "basic"
            name = "基础类"
            rank = 1
            [[items]]
            code = "X1"
            name = "x"
            class = "safety"
            unit = "处"
            unit_cost_yuan = 1
            quantity = "fixed:1"
        "#;
        assert!(
            Catalog::from_toml(text)
                .unwrap_err()
                .contains("unknown class")
        );
    }
}
