//! First start: an empty database gets the county's catalog, policy and compounds, and the annual batches the
//! policy says were decided.
//!
//! The Renshou data set is compiled into the binary, so a fresh machine needs nothing else.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::audit::Actor;
use super::contractors::{self, ContractorRecord};
use super::entities::work_classes;
use super::{batches, catalog, import};
use crate::domain::batch::{Horizon, YearLimits};
use crate::domain::catalog::Catalog;
use crate::domain::geometry::Crs;
use crate::domain::policy::Policy;

pub const RENSHOU_CATALOG: &str = include_str!("../../fixtures/renshou/work_items.toml");
pub const RENSHOU_POLICY: &str = include_str!("../../fixtures/renshou/policy.toml");
pub const RENSHOU_COMPOUNDS: &str = include_str!("../../fixtures/renshou/compounds.geojson");
pub const RENSHOU_CONTRACTORS: &str = include_str!("../../fixtures/renshou/contractors.toml");

/// What a first start loads.
pub struct DataSet<'a> {
    pub catalog: &'a str,
    pub policy: &'a str,
    /// A GeoJSON FeatureCollection, or `None` for an empty catalog.
    pub compounds: Option<&'a str>,
    /// The contractors (`[[contractors]]` in TOML) that the decided batches' projects are given to, with their
    /// work orders issued; `None` leaves the projects unassigned.
    pub contractors: Option<&'a str>,
}

pub const RENSHOU: DataSet<'static> = DataSet {
    catalog: RENSHOU_CATALOG,
    policy: RENSHOU_POLICY,
    compounds: Some(RENSHOU_COMPOUNDS),
    contractors: Some(RENSHOU_CONTRACTORS),
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
    if data.compounds.is_some() {
        approve_decided_batches(db, &policy).await?;
    }
    if let Some(text) = data.contractors {
        let firms = load_contractors(db, text).await?;
        if data.compounds.is_some() {
            super::seed_work::contract_decided_batches(db, &policy, &firms).await?;
            super::seed_notices::publish_decided_batches(
                db,
                &policy,
                &crate::domain::calendar::HolidayCalendar::built_in(),
                chrono::Utc::now(),
            )
            .await?;
        }
    }
    Ok(true)
}

/// The data set's contractors, in the file's order.
async fn load_contractors(db: &DatabaseConnection, text: &str) -> anyhow::Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct File {
        contractors: Vec<super::contractors::ContractorInput>,
    }
    let file: File = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("the data set's contractors do not read: {e}"))?;
    let txn = super::begin_write(db).await?;
    let mut codes = Vec::with_capacity(file.contractors.len());
    for (i, firm) in file.contractors.iter().enumerate() {
        let record = ContractorRecord::parse(firm, None)
            .map_err(|e| anyhow::anyhow!("contractor {} of the data set: {e}", i + 1))?;
        codes.push(
            contractors::insert(&txn, &Actor::system(), &record)
                .await?
                .code,
        );
    }
    txn.commit().await?;
    Ok(codes)
}

/// The batches the policy file says were decided (`[batches.2021]` for Renshou) are planned on the data set
/// with their budget and cap, and approved: a first start shows the seed year's batch.
async fn approve_decided_batches(db: &DatabaseConnection, policy: &Policy) -> anyhow::Result<()> {
    for (year, decided) in &policy.batches {
        let year: i32 = year
            .parse()
            .map_err(|_| anyhow::anyhow!("policy: batches.{year} is not a year"))?;
        let horizon = Horizon {
            years: vec![YearLimits {
                year,
                budget_yuan: decided.budget_yuan,
                max_compounds: decided.max_compounds,
                max_households: None,
            }],
            discount: None,
            pins: Default::default(),
            exclusions: Default::default(),
            bundles: true,
            overrides: Default::default(),
        };
        batches::approve(db, &Actor::system(), &horizon, year, None)
            .await
            .map_err(|e| anyhow::anyhow!("approving the {year} batch: {e}"))?;
    }
    Ok(())
}
