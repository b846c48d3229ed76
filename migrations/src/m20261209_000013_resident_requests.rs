//! Residents' requests (诉求, 问需于民): what a compound needs, said by its residents on the compound's public page
//! before any plan exists, and what the bureau made of each.
//!
//! - `resident_requests`: one row per request. `item_code` is the catalog item the resident picked, if any (the
//!   catalog's plain-language names are offered), `text` their own words (one of the two is given). `submission` (the
//!   form's one-time id) makes a re-sent form a no-op; `text_digest` (of the item, the text with its spacing
//!   normalised and the mobile number) is unique per compound, so the same request from the same number is stored
//!   once however the posts race. `source` is the address it came from, for the per-address limit shared with
//!   objections. The bureau's triage: `status` new → accepted (linked to `linked_item`), merged (a duplicate of
//!   `merged_into`, a request of the same compound) or out_of_scope (forwarded to `department`); `answer` is public.
//!   `version` guards the triage against stale edits.
//!
//! The compound's `requests` column becomes the count of its accepted requests, kept by the triage in the same
//! transaction: priority reads it as before, and nobody types it any more.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Requests::Table)
                    .col(pk_auto(Requests::Id))
                    .col(integer(Requests::CompoundId))
                    .col(string_len(Requests::Submission, 64))
                    .col(string_len_null(Requests::ItemCode, 16))
                    .col(string_len(Requests::BuildingUnit, 64))
                    .col(string_len(Requests::Mobile, 11))
                    .col(text(Requests::Text))
                    .col(string_len(Requests::TextDigest, 64))
                    .col(string_len(Requests::Source, 64))
                    .col(timestamp_with_time_zone(Requests::CreatedAt))
                    .col(string_len(Requests::Status, 16).default("new").check(
                        Expr::col(Requests::Status).is_in([
                            "new",
                            "accepted",
                            "merged",
                            "out_of_scope",
                        ]),
                    ))
                    .col(string_len_null(Requests::LinkedItem, 16))
                    .col(integer_null(Requests::MergedInto))
                    .col(string_len_null(Requests::Department, 100))
                    .col(text_null(Requests::Answer))
                    .col(timestamp_with_time_zone_null(Requests::TriagedAt))
                    .col(string_len_null(Requests::TriagedBy, 100))
                    .col(integer(Requests::Version).default(1))
                    // Each outcome carries what it needs: the item, the request it duplicates, the department.
                    .check(
                        Expr::col(Requests::Status)
                            .eq("new")
                            .or(Expr::col(Requests::Status)
                                .eq("accepted")
                                .and(Expr::col(Requests::LinkedItem).is_not_null()))
                            .or(Expr::col(Requests::Status)
                                .eq("merged")
                                .and(Expr::col(Requests::MergedInto).is_not_null()))
                            .or(Expr::col(Requests::Status)
                                .eq("out_of_scope")
                                .and(Expr::col(Requests::Department).is_not_null())),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Requests::Table, Requests::CompoundId)
                            .to(Compounds::Table, Compounds::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Requests::Table, Requests::MergedInto)
                            .to(Requests::Table, Requests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            (
                "resident_requests_once",
                vec![Requests::CompoundId, Requests::TextDigest],
                true,
            ),
            (
                "resident_requests_submission_once",
                vec![Requests::CompoundId, Requests::Submission],
                true,
            ),
            (
                "resident_requests_status",
                vec![Requests::Status, Requests::CreatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Requests::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Requests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Requests {
    #[sea_orm(iden = "resident_requests")]
    Table,
    Id,
    CompoundId,
    Submission,
    ItemCode,
    BuildingUnit,
    Mobile,
    Text,
    TextDigest,
    Source,
    CreatedAt,
    Status,
    LinkedItem,
    MergedInto,
    Department,
    Answer,
    TriagedAt,
    TriagedBy,
    Version,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
}
