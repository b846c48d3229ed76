//! Plan scenarios (规划方案): drafts the bureau keeps side by side — the horizon they were asked for (years, budgets,
//! caps, pins, exclusions, overridden years) and the plan of their latest run, with the compounds revision it was
//! run on, so a plan made on data that has changed since is shown as stale. `version` guards edits (409 when stale).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanScenarios::Table)
                    .col(pk_auto(PlanScenarios::Id))
                    .col(string_len_uniq(PlanScenarios::Name, 100))
                    .col(text(PlanScenarios::Horizon))
                    .col(text(PlanScenarios::Plan))
                    .col(double(PlanScenarios::Objective))
                    .col(double(PlanScenarios::Bound))
                    .col(double(PlanScenarios::Gap))
                    .col(big_integer(PlanScenarios::CompoundsRevision))
                    .col(timestamp_with_time_zone(PlanScenarios::RunAt))
                    .col(string_len(PlanScenarios::CreatedBy, 100))
                    .col(timestamp_with_time_zone(PlanScenarios::CreatedAt))
                    .col(string_len(PlanScenarios::UpdatedBy, 100))
                    .col(timestamp_with_time_zone(PlanScenarios::UpdatedAt))
                    .col(integer(PlanScenarios::Version))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlanScenarios::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PlanScenarios {
    Table,
    Id,
    Name,
    Horizon,
    Plan,
    Objective,
    Bound,
    Gap,
    CompoundsRevision,
    RunAt,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
    Version,
}
