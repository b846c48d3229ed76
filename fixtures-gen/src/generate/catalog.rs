//! The work-item catalog (`fixtures/renshou/work_items.toml`): which item remedies which survey deficit, and
//! the deficits grouped by the class of their remedying item.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use super::names::{DEFICITS, SeverityRule};

const WORK_ITEMS_TOML: &str = include_str!("../../../fixtures/renshou/work_items.toml");

#[derive(Deserialize)]
struct CatalogFile {
    classes: Vec<ClassDef>,
    items: Vec<ItemDef>,
}

#[derive(Deserialize)]
pub(super) struct ClassDef {
    pub(super) code: String,
    pub(super) rank: i64,
}

#[derive(Deserialize)]
pub(super) struct ItemDef {
    pub(super) code: String,
    pub(super) class: String,
    pub(super) quantity: String,
    #[serde(default)]
    pub(super) remedies: Vec<String>,
}

/// A survey deficit the catalog can remedy.
pub(super) struct DeficitKind {
    pub(super) code: String,
    /// Index of the remedying item in `Catalog::items`.
    pub(super) item: usize,
    pub(super) weight: u32,
    pub(super) severity: SeverityRule,
    pub(super) notes: &'static [&'static str],
}

pub(super) struct Catalog {
    /// Classes by ascending rank: tier 0 is 基础类, the last tier 提升类.
    pub(super) classes: Vec<ClassDef>,
    pub(super) items: Vec<ItemDef>,
    /// Deficits grouped by the tier of their remedying item.
    pub(super) pools: Vec<Vec<DeficitKind>>,
}

impl Catalog {
    fn parse(text: &str) -> Catalog {
        let file: CatalogFile =
            toml::from_str(text).expect("fixtures/renshou/work_items.toml does not parse");
        let mut classes = file.classes;
        classes.sort_by_key(|c| c.rank);
        let mut pools: Vec<Vec<DeficitKind>> = classes.iter().map(|_| Vec::new()).collect();
        let mut seen = HashSet::new();
        for (index, item) in file.items.iter().enumerate() {
            let tier = classes
                .iter()
                .position(|c| c.code == item.class)
                .unwrap_or_else(|| {
                    panic!("work item {} has unknown class {}", item.code, item.class)
                });
            for code in &item.remedies {
                if !seen.insert(code.clone()) {
                    continue; // the first item listing a deficit remedies it
                }
                let def = DEFICITS.iter().find(|d| d.code == code);
                pools[tier].push(DeficitKind {
                    code: code.clone(),
                    item: index,
                    weight: def.map_or(20, |d| d.weight),
                    severity: def.map_or(SeverityRule::Function, |d| d.severity),
                    notes: def.map_or(&["需改造"][..], |d| d.notes),
                });
            }
        }
        Catalog {
            classes,
            items: file.items,
            pools,
        }
    }

    pub(super) fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(WORK_ITEMS_TOML))
    }

    pub(super) fn tier_of_item(&self, item: usize) -> usize {
        let class = &self.items[item].class;
        self.classes
            .iter()
            .position(|c| &c.code == class)
            .unwrap_or(0)
    }

    pub(super) fn top_tier(&self) -> usize {
        self.classes.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn deficit_table_matches_the_catalog() {
        let catalog = Catalog::get();
        let remedied: HashSet<&str> = catalog
            .items
            .iter()
            .flat_map(|i| i.remedies.iter().map(|r| r.as_str()))
            .collect();
        for d in DEFICITS {
            assert!(
                remedied.contains(d.code),
                "{} is remedied by no item",
                d.code
            );
        }
        assert_eq!(catalog.pools.len(), 3);
        assert!(catalog.pools.iter().all(|p| !p.is_empty()));
    }
}
