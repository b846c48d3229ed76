//! A scope line's reason: why a planner entered a quantity other than the one the catalog's rule derives
//! (the scope page asks for it whenever the quantity is overridden).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScopeItems::Table)
                    .add_column(ColumnDef::new(ScopeItems::Reason).string_len(500).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScopeItems::Table)
                    .drop_column(ScopeItems::Reason)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ScopeItems {
    Table,
    Reason,
}
