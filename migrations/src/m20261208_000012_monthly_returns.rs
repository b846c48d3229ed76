//! Submitted monthly returns (已报送的月报): each submission of a month's return keeps the figures exactly as they
//! were filed, as JSON, under a version number. A return once submitted is never edited nor deleted — triggers
//! refuse any UPDATE or DELETE on both databases, like money records and published notices. When the records of a
//! filed month change (a late report, a corrected receipt), the bureau files a correction: the next version, with
//! a statement of what it corrects (`changes`), which the first version never has and every later one must.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REFUSAL: &str =
    "a submitted monthly return never changes; submit a correction (a new version) instead";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MonthlyReturns::Table)
                    .col(pk_auto(MonthlyReturns::Id))
                    .col(integer(MonthlyReturns::Year))
                    .col(
                        integer(MonthlyReturns::Month)
                            .check(Expr::col(MonthlyReturns::Month).between(1, 12)),
                    )
                    .col(
                        integer(MonthlyReturns::Version)
                            .check(Expr::col(MonthlyReturns::Version).gte(1)),
                    )
                    .col(text(MonthlyReturns::Figures))
                    .col(text_null(MonthlyReturns::Changes))
                    .col(string_len(MonthlyReturns::SubmittedBy, 64))
                    .col(timestamp_with_time_zone(MonthlyReturns::SubmittedAt))
                    .check(
                        Expr::col(MonthlyReturns::Version)
                            .eq(1)
                            .or(Expr::col(MonthlyReturns::Changes).is_not_null()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("monthly_returns_one_per_version")
                    .table(MonthlyReturns::Table)
                    .col(MonthlyReturns::Year)
                    .col(MonthlyReturns::Month)
                    .col(MonthlyReturns::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION monthly_returns_are_final() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION '{REFUSAL}'; END;
                     $$ LANGUAGE plpgsql;
                     CREATE TRIGGER monthly_returns_final BEFORE UPDATE OR DELETE ON monthly_returns
                       FOR EACH ROW EXECUTE FUNCTION monthly_returns_are_final();
                     CREATE TRIGGER monthly_returns_no_truncate BEFORE TRUNCATE ON monthly_returns
                       FOR EACH STATEMENT EXECUTE FUNCTION monthly_returns_are_final();"
                ))
                .await?;
            }
            _ => {
                for (name, what) in [
                    ("monthly_returns_no_update", "UPDATE"),
                    ("monthly_returns_no_delete", "DELETE"),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {name} BEFORE {what} ON monthly_returns
                           BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MonthlyReturns::Table).to_owned())
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS monthly_returns_are_final()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MonthlyReturns {
    Table,
    Id,
    Year,
    Month,
    Version,
    Figures,
    Changes,
    SubmittedBy,
    SubmittedAt,
}
