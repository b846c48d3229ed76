//! Money received and paid (资金到位与拨付): one ledger, `money_entries`, of three kinds —
//!
//! - `receipt`: funds received (到位资金) from a source, for a batch year, with the document that allocated them
//!   (文号);
//! - `payment`: a payment to a project's contractor against a payment milestone (支付节点);
//! - `final_account`: a project's audited final account (结算审计): the amount every later share is of.
//!
//! Entries are never edited nor deleted — triggers refuse any UPDATE or DELETE on both databases. A correction is
//! a reversing entry (`reverses_id`, the negated amount, a reason); each entry is reversed at most once (the
//! unique index), and a reversal is never itself reversed. Amounts are fen, whole numbers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REFUSAL: &str = "money records never change; record a reversing entry instead";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MoneyEntries::Table)
                    .col(pk_auto(MoneyEntries::Id))
                    .col(string_len(MoneyEntries::Kind, 16).check(
                        Expr::col(MoneyEntries::Kind).is_in([
                            "receipt",
                            "payment",
                            "final_account",
                        ]),
                    ))
                    .col(integer(MoneyEntries::Year))
                    .col(string_len_null(MoneyEntries::Source, 32))
                    .col(integer_null(MoneyEntries::ProjectId))
                    .col(string_len_null(MoneyEntries::Milestone, 32))
                    .col(
                        big_integer(MoneyEntries::AmountFen)
                            .check(Expr::col(MoneyEntries::AmountFen).ne(0)),
                    )
                    .col(date(MoneyEntries::OccurredOn))
                    .col(string_len_null(MoneyEntries::DocumentNo, 100))
                    .col(text_null(MoneyEntries::Note))
                    .col(text_null(MoneyEntries::Reason))
                    .col(boolean(MoneyEntries::Overridden).default(false))
                    .col(integer_null(MoneyEntries::ReversesId))
                    .col(string_len(MoneyEntries::RecordedBy, 64))
                    .col(timestamp_with_time_zone(MoneyEntries::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MoneyEntries::Table, MoneyEntries::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MoneyEntries::Table, MoneyEntries::ReversesId)
                            .to(MoneyEntries::Table, MoneyEntries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("money_entries_reversed_once")
                    .table(MoneyEntries::Table)
                    .col(MoneyEntries::ReversesId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("money_entries_year", MoneyEntries::Year),
            ("money_entries_project", MoneyEntries::ProjectId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(MoneyEntries::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION money_entries_are_final() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION '{REFUSAL}'; END;
                     $$ LANGUAGE plpgsql;
                     CREATE TRIGGER money_entries_final BEFORE UPDATE OR DELETE ON money_entries
                       FOR EACH ROW EXECUTE FUNCTION money_entries_are_final();
                     CREATE TRIGGER money_entries_no_truncate BEFORE TRUNCATE ON money_entries
                       FOR EACH STATEMENT EXECUTE FUNCTION money_entries_are_final();"
                ))
                .await?;
            }
            _ => {
                for (name, what) in [
                    ("money_entries_no_update", "UPDATE"),
                    ("money_entries_no_delete", "DELETE"),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {name} BEFORE {what} ON money_entries
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
            .drop_table(Table::drop().table(MoneyEntries::Table).to_owned())
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS money_entries_are_final()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MoneyEntries {
    Table,
    Id,
    Kind,
    Year,
    Source,
    ProjectId,
    Milestone,
    AmountFen,
    OccurredOn,
    DocumentNo,
    Note,
    Reason,
    Overridden,
    ReversesId,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
