//! Approved annual batches (年度批次): the year, the limits it was planned under and the plan's figures, and its
//! compounds. A compound is in at most one batch (unique `compound_id`); re-planning never moves it.
//!
//! Approval writes the batch, its members, every member's status (`planned`) and the audit records in one
//! transaction. Scenarios (drafts) are a later migration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(pk_auto(Batches::Id))
                    .col(integer_uniq(Batches::Year))
                    .col(
                        big_integer(Batches::BudgetFen).check(Expr::col(Batches::BudgetFen).gte(0)),
                    )
                    .col(integer_null(Batches::MaxCompounds))
                    .col(big_integer_null(Batches::MaxHouseholds))
                    .col(big_integer(Batches::CostFen))
                    .col(integer(Batches::Compounds))
                    .col(big_integer(Batches::Households))
                    .col(timestamp_with_time_zone(Batches::ApprovedAt))
                    .col(string_len(Batches::ApprovedBy, 100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BatchMembers::Table)
                    .col(pk_auto(BatchMembers::Id))
                    .col(integer(BatchMembers::BatchId))
                    .col(integer_uniq(BatchMembers::CompoundId))
                    .col(integer_null(BatchMembers::Bundle))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BatchMembers::Table, BatchMembers::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BatchMembers::Table, BatchMembers::CompoundId)
                            .to(Compounds::Table, Compounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("batch_members_batch")
                    .table(BatchMembers::Table)
                    .col(BatchMembers::BatchId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BatchMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Batches::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
    Year,
    BudgetFen,
    MaxCompounds,
    MaxHouseholds,
    CostFen,
    Compounds,
    Households,
    ApprovedAt,
    ApprovedBy,
}

#[derive(DeriveIden)]
enum BatchMembers {
    Table,
    Id,
    BatchId,
    CompoundId,
    Bundle,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
}
