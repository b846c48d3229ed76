//! A revision counter per data set, bumped in the same transaction as every write to it.
//!
//! Instances cache rendered answers (the compound list) keyed by the revision they were made at;
//! reading one small row tells any instance behind the load balancer whether its copy is current.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .col(string_len(Revisions::Name, 32).primary_key())
                    .col(big_integer(Revisions::Revision).default(0))
                    .to_owned(),
            )
            .await?;
        let insert = Query::insert()
            .into_table(Revisions::Table)
            .columns([Revisions::Name, Revisions::Revision])
            .values_panic(["compounds".into(), 0.into()])
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Revisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Name,
    Revision,
}
