//! Per-address limits on residents' forms, shared by every instance.
//!
//! Until now an objection or rating was limited by counting the ones *stored* from the address, so checks that
//! answer without storing anything ("this number already rated", "this text was sent already") could be asked
//! without limit. Every attempt is now a row here, written before any such check runs and kept for the
//! window, so N instances behind a balancer allow what one does.
//!
//! Rows expire with their window: each use of a key drops its own old rows, and any use drops rows older than a
//! day (`at` is indexed for that), so the table stays as small as one window's traffic without a sweeper.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateHits::Table)
                    .col(big_pk_auto(RateHits::Id))
                    .col(string_len(RateHits::Key, 200))
                    .col(timestamp_with_time_zone(RateHits::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rate_hits_key_at")
                    .table(RateHits::Table)
                    .col(RateHits::Key)
                    .col(RateHits::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rate_hits_at")
                    .table(RateHits::Table)
                    .col(RateHits::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateHits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateHits {
    Table,
    Id,
    Key,
    At,
}
