//! Category and cost estimate (分类与投资估算) of a compound's scope.
//!
//! The scope is the list of chosen work items, each with a quantity entered by a surveyor or
//! derived from the compound's figures by the catalog's rule. Money is kept in fen (分), whole
//! numbers, so totals add up exactly.

use serde::Serialize;

use super::catalog::{Catalog, Figures};

/// One chosen item of a compound's scope; `quantity` overrides the catalog's rule when given.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ScopeLine {
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// Why the quantity differs from what the catalog's rule derives (required by the scope page when it does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    pub item: String,
    pub name: String,
    pub class: String,
    pub unit: String,
    pub quantity: f64,
    /// True when the quantity came from the catalog's rule rather than a surveyor.
    pub derived: bool,
    pub unit_cost_yuan: f64,
    pub amount_yuan: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The class of highest rank among the scope's items; `None` for an empty scope.
    pub category: Option<String>,
    pub lines: Vec<CostLine>,
    pub total_fen: i64,
}

impl Estimate {
    pub fn total_yuan(&self) -> f64 {
        fen_to_yuan(self.total_fen)
    }
}

pub fn fen_to_yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// Serialises an amount kept in fen as yuan, the unit the API speaks.
pub fn fen_as_yuan<S: serde::Serializer>(fen: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(fen_to_yuan(*fen))
}

/// Problems with a scope, each tied to the index of the line it concerns.
pub type ScopeErrors = Vec<(usize, String)>;

/// Largest quantity accepted for one line, to catch unit mistakes before they become budgets.
const MAX_QUANTITY: f64 = 10_000_000.0;

/// Prices a scope against the catalog.
pub fn estimate(
    catalog: &Catalog,
    figures: &Figures,
    scope: &[ScopeLine],
) -> Result<Estimate, ScopeErrors> {
    let mut errors = ScopeErrors::new();
    let mut lines = Vec::with_capacity(scope.len());
    let mut best_rank: Option<(i32, &str)> = None;
    for (i, line) in scope.iter().enumerate() {
        if scope[..i].iter().any(|earlier| earlier.item == line.item) {
            errors.push((i, format!("工程项目 {} 重复列出", line.item)));
            continue;
        }
        if line
            .reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > 500)
        {
            errors.push((i, "调整工程量的理由最多 500 个字".to_owned()));
            continue;
        }
        let Some(item) = catalog.item(&line.item) else {
            errors.push((i, format!("没有编号为“{}”的工程项目", line.item)));
            continue;
        };
        let (quantity, derived) = match (line.quantity, item.quantity.derive(figures)) {
            (Some(q), _) => (q, false),
            (None, Some(q)) => (q, true),
            (None, None) => {
                errors.push((
                    i,
                    format!("工程项目 {} 的工程量须由调查人员填写", item.code),
                ));
                continue;
            }
        };
        if !(quantity.is_finite() && quantity > 0.0 && quantity <= MAX_QUANTITY) {
            errors.push((i, format!("工程量须大于 0 且不超过 {MAX_QUANTITY}")));
            continue;
        }
        let quantity = if item.is_counted() {
            quantity.ceil()
        } else {
            (quantity * 100.0).round() / 100.0
        };
        let amount_fen = (quantity * item.unit_cost_fen() as f64).round() as i64;
        if let Some(class) = catalog.class(&item.class)
            && best_rank.is_none_or(|(rank, _)| class.rank > rank)
        {
            best_rank = Some((class.rank, class.code.as_str()));
        }
        lines.push(CostLine {
            item: item.code.clone(),
            name: item.name.clone(),
            class: item.class.clone(),
            unit: item.unit.clone(),
            quantity,
            derived,
            unit_cost_yuan: item.unit_cost_yuan,
            amount_yuan: fen_to_yuan(amount_fen),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let total_fen = lines
        .iter()
        .map(|l| (l.amount_yuan * 100.0).round() as i64)
        .sum();
    Ok(Estimate {
        category: best_rank.map(|(_, code)| code.to_owned()),
        lines,
        total_fen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap()
    }

    fn figures() -> Figures {
        Figures {
            floor_area_m2: 21_600.0,
            storeys: 6,
            households: 240,
            buildings: 6,
            site_area_m2: 12_000.0,
            perimeter_m: 450.0,
        }
    }

    fn line(item: &str, quantity: Option<f64>) -> ScopeLine {
        ScopeLine {
            item: item.into(),
            quantity,
            reason: None,
        }
    }

    #[test]
    fn roof_repair_is_priced_from_the_footprint() {
        let e = estimate(&catalog(), &figures(), &[line("B01", None)]).unwrap();
        assert_eq!(e.lines[0].quantity, 3_600.0);
        assert!(e.lines[0].derived);
        assert_eq!(e.total_fen, 3_600 * 320 * 100);
        assert_eq!(e.category.as_deref(), Some("basic"));
    }

    #[test]
    fn the_category_is_the_highest_class_in_the_scope() {
        let scope = [line("B01", None), line("U05", None), line("I08", None)];
        let e = estimate(&catalog(), &figures(), &scope).unwrap();
        assert_eq!(e.category.as_deref(), Some("upgrade"));
        let scope = [line("I11", Some(2.0)), line("B04", None)];
        let e = estimate(&catalog(), &figures(), &scope).unwrap();
        assert_eq!(e.category.as_deref(), Some("improvement"));
        assert_eq!(e.total_fen, (2 * 700_000 + 240 * 10_000) * 100);
    }

    #[test]
    fn counted_items_round_up_to_whole_units() {
        // 240 households × 0.01 = 2.4 refuse points → 3.
        let e = estimate(&catalog(), &figures(), &[line("B11", None)]).unwrap();
        assert_eq!(e.lines[0].quantity, 3.0);
    }

    #[test]
    fn an_empty_scope_has_no_category_and_costs_nothing() {
        let e = estimate(&catalog(), &figures(), &[]).unwrap();
        assert_eq!((e.category, e.total_fen), (None, 0));
    }

    #[test]
    fn bad_scope_lines_are_reported_by_index() {
        let scope = [
            line("B01", None),
            line("ZZZ", None),
            line("I11", None),
            line("B01", None),
            line("B02", Some(-3.0)),
            line("B03", Some(f64::NAN)),
        ];
        let errors = estimate(&catalog(), &figures(), &scope).unwrap_err();
        let indices: Vec<usize> = errors.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, [1, 2, 3, 4, 5]);
        assert!(errors[1].1.contains("须由调查人员填写"));
    }
}
