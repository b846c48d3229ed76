//! First start: an empty database gets the county's catalog, policy and compounds.
//!
//! The Renshou data set is compiled into the binary, so a fresh machine needs nothing else.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::audit::Actor;
use super::entities::work_classes;
use super::{catalog, import};
use crate::domain::catalog::Catalog;
use crate::domain::geometry::Crs;
use crate::domain::policy::Policy;

pub const RENSHOU_CATALOG: &str = include_str!("../../fixtures/renshou/work_items.toml");
pub const RENSHOU_POLICY: &str = include_str!("../../fixtures/renshou/policy.toml");
pub const RENSHOU_COMPOUNDS: &str = include_str!("../../fixtures/renshou/compounds.geojson");

/// What a first start loads.
pub struct DataSet<'a> {
    pub catalog: &'a str,
    pub policy: &'a str,
    /// A GeoJSON FeatureCollection, or `None` for an empty catalog.
    pub compounds: Option<&'a str>,
}

pub const RENSHOU: DataSet<'static> = DataSet {
    catalog: RENSHOU_CATALOG,
    policy: RENSHOU_POLICY,
    compounds: Some(RENSHOU_COMPOUNDS),
};

/// Loads `data` if the database has no catalog yet. Returns whether it did.
pub async fn seed_if_empty(db: &DatabaseConnection, data: &DataSet<'_>) -> anyhow::Result<bool> {
    if work_classes::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let catalog = Catalog::from_toml(data.catalog).map_err(anyhow::Error::msg)?;
    let policy = Policy::from_toml(data.policy).map_err(anyhow::Error::msg)?;
    let txn = super::begin_write(db).await?;
    catalog::insert(&txn, &catalog).await?;
    catalog::save_policy(&txn, &policy).await?;
    if let Some(compounds) = data.compounds {
        let records = import::parse_collection(compounds.as_bytes(), Crs::Wgs84, &catalog)
            .map_err(|errors| {
                let lines: Vec<String> = errors.iter().take(10).map(ToString::to_string).collect();
                anyhow::anyhow!(
                    "the built-in data set does not import:\n{}",
                    lines.join("\n")
                )
            })?;
        import::write(&txn, &Actor::system(), &records, |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    txn.commit().await?;
    Ok(true)
}
