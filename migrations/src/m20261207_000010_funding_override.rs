//! A compound's own funding split (资金分摊), set by the bureau with a reason where the policy's default split
//! does not fit (e.g. a former owner unit pays part): the amount per source, as JSON.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Compounds::Table)
                    .add_column(ColumnDef::new(Compounds::FundingOverride).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Compounds::Table)
                    .drop_column(Compounds::FundingOverride)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    FundingOverride,
}
