//! Database migrations, shared by SQLite and PostgreSQL. A migration's name is its file name; once
//! a migration has shipped it is never edited — a change is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_catalog;
mod m20261125_000002_revisions;
mod m20261126_000003_accounts;
mod m20261127_000004_batches;
mod m20261128_000005_plan_scenarios;
mod m20261129_000006_work_orders;
mod m20261201_000007_notices;
mod m20261206_000008_rate_hits;
mod m20261207_000009_scope_reasons;
mod m20261207_000010_funding_override;
mod m20261207_000011_money;
mod m20261208_000012_monthly_returns;
mod m20261209_000013_resident_requests;
mod m20261209_000014_lift_units;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_catalog::Migration),
            Box::new(m20261125_000002_revisions::Migration),
            Box::new(m20261126_000003_accounts::Migration),
            Box::new(m20261127_000004_batches::Migration),
            Box::new(m20261128_000005_plan_scenarios::Migration),
            Box::new(m20261129_000006_work_orders::Migration),
            Box::new(m20261201_000007_notices::Migration),
            Box::new(m20261206_000008_rate_hits::Migration),
            Box::new(m20261207_000009_scope_reasons::Migration),
            Box::new(m20261207_000010_funding_override::Migration),
            Box::new(m20261207_000011_money::Migration),
            Box::new(m20261208_000012_monthly_returns::Migration),
            Box::new(m20261209_000013_resident_requests::Migration),
            Box::new(m20261209_000014_lift_units::Migration),
        ]
    }
}
