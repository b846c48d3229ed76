//! Public notices (公示) and what residents say about them.
//!
//! - `notices`: one row per notice of a project — plan notice before works (`plan`, 改造方案公示), site notice at
//!   the start (`site`, 开工告示), completion notice (`completion`, 竣工公示). A draft's text may still be edited;
//!   publishing numbers it, fixes its period and freezes it for good: triggers refuse any UPDATE or DELETE of a
//!   published row on both databases, so not even a bug can change what residents were shown. A correction is a
//!   new notice whose `corrects_id` names the one it corrects. `data` is the document as generated (JSON of the
//!   document engine's notice), so the paper re-renders the same bytes forever. `closes_at` is the end of the
//!   period's last day in Beijing, kept in UTC: objections are taken before it and not after.
//! - `objections`: a resident's objection or comment on a published notice. `text_digest` (of the text with its
//!   spacing normalised) is unique per notice, so the same text posted twice is stored once however the posts
//!   race; `submission` (the form's one-time id) likewise makes a re-sent form a no-op. `source` is the address
//!   it came from, for the per-address limit. The answer is the bureau's, published beside the question.
//! - `ratings`: 满意度, 1–5 per aspect, once per mobile number per compound, after a completion notice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(pk_auto(Notices::Id))
                    .col(
                        string_len(Notices::Kind, 16).check(Expr::col(Notices::Kind).is_in([
                            "plan",
                            "site",
                            "completion",
                        ])),
                    )
                    .col(integer(Notices::ProjectId))
                    .col(integer_null(Notices::CorrectsId))
                    .col(
                        string_len(Notices::Status, 16)
                            .default("draft")
                            .check(Expr::col(Notices::Status).is_in(["draft", "published"])),
                    )
                    .col(string_len_null(Notices::Number, 64))
                    .col(string_len(Notices::Title, 200))
                    .col(text(Notices::Data))
                    .col(integer(Notices::PeriodDays).check(Expr::col(Notices::PeriodDays).gte(1)))
                    .col(
                        string_len(Notices::PeriodCount, 16)
                            .check(Expr::col(Notices::PeriodCount).is_in(["calendar", "working"])),
                    )
                    .col(timestamp_with_time_zone_null(Notices::PublishedAt))
                    .col(date_null(Notices::FirstDay))
                    .col(date_null(Notices::LastDay))
                    .col(timestamp_with_time_zone_null(Notices::ClosesAt))
                    .col(integer(Notices::Version).default(1))
                    .col(timestamp_with_time_zone(Notices::CreatedAt))
                    .col(string_len(Notices::CreatedBy, 100))
                    .col(timestamp_with_time_zone(Notices::UpdatedAt))
                    // A published notice has everything a resident reads on it.
                    .check(
                        Expr::col(Notices::Status)
                            .eq("draft")
                            .or(Expr::col(Notices::Number)
                                .is_not_null()
                                .and(Expr::col(Notices::PublishedAt).is_not_null())
                                .and(Expr::col(Notices::FirstDay).is_not_null())
                                .and(Expr::col(Notices::LastDay).is_not_null())
                                .and(Expr::col(Notices::ClosesAt).is_not_null())
                                .and(
                                    Expr::col(Notices::FirstDay).lte(Expr::col(Notices::LastDay)),
                                )),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notices::Table, Notices::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notices::Table, Notices::CorrectsId)
                            .to(Notices::Table, Notices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notices_number")
                    .table(Notices::Table)
                    .col(Notices::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("notices_project", Notices::ProjectId),
            ("notices_status", Notices::Status),
            ("notices_corrects", Notices::CorrectsId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Notices::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Objections::Table)
                    .col(pk_auto(Objections::Id))
                    .col(integer(Objections::NoticeId))
                    .col(string_len(Objections::Submission, 64))
                    .col(
                        string_len(Objections::Kind, 16)
                            .check(Expr::col(Objections::Kind).is_in(["objection", "comment"])),
                    )
                    .col(string_len(Objections::BuildingUnit, 64))
                    .col(string_len_null(Objections::Name, 64))
                    .col(string_len(Objections::Mobile, 11))
                    .col(text(Objections::Text))
                    .col(string_len(Objections::TextDigest, 64))
                    .col(string_len(Objections::Source, 64))
                    .col(timestamp_with_time_zone(Objections::CreatedAt))
                    .col(text_null(Objections::Answer))
                    .col(timestamp_with_time_zone_null(Objections::AnsweredAt))
                    .col(string_len_null(Objections::AnsweredBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Objections::Table, Objections::NoticeId)
                            .to(Notices::Table, Notices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            (
                "objections_text_once",
                vec![Objections::NoticeId, Objections::TextDigest],
                true,
            ),
            (
                "objections_submission_once",
                vec![Objections::NoticeId, Objections::Submission],
                true,
            ),
            (
                "objections_source",
                vec![Objections::Source, Objections::CreatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Objections::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        let score = |column: Ratings| {
            integer(column)
                .check(Expr::col(column).between(1, 5))
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Ratings::Table)
                    .col(pk_auto(Ratings::Id))
                    .col(integer(Ratings::NoticeId))
                    .col(integer(Ratings::CompoundId))
                    .col(string_len(Ratings::Mobile, 11))
                    .col(score(Ratings::Quality))
                    .col(score(Ratings::Disturbance))
                    .col(score(Ratings::Communication))
                    .col(string_len(Ratings::Source, 64))
                    .col(timestamp_with_time_zone(Ratings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Ratings::Table, Ratings::NoticeId)
                            .to(Notices::Table, Notices::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Ratings::Table, Ratings::CompoundId)
                            .to(Compounds::Table, Compounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ratings_once_per_mobile")
                    .table(Ratings::Table)
                    .col(Ratings::CompoundId)
                    .col(Ratings::Mobile)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Public pages are cached per instance against this counter, bumped by every write to notices,
        // objections, answers and ratings (see the `revisions` migration).
        let counter = Query::insert()
            .into_table(Revisions::Table)
            .columns([Revisions::Name, Revisions::Revision])
            .values_panic(["notices".into(), 0.into()])
            .to_owned();
        manager.exec_stmt(counter).await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION notices_published_are_final() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION 'a published notice never changes; publish a correction instead'; END;
                     $$ LANGUAGE plpgsql;
                     CREATE TRIGGER notices_published_final BEFORE UPDATE OR DELETE ON notices
                       FOR EACH ROW WHEN (OLD.status = 'published')
                       EXECUTE FUNCTION notices_published_are_final();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER notices_published_no_update BEFORE UPDATE ON notices
                       WHEN OLD.status = 'published'
                       BEGIN SELECT RAISE(ABORT, 'a published notice never changes; publish a correction instead'); END;",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER notices_published_no_delete BEFORE DELETE ON notices
                       WHEN OLD.status = 'published'
                       BEGIN SELECT RAISE(ABORT, 'a published notice never changes; publish a correction instead'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let counter = Query::delete()
            .from_table(Revisions::Table)
            .and_where(Expr::col(Revisions::Name).eq("notices"))
            .to_owned();
        manager.exec_stmt(counter).await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS notices_published_are_final() CASCADE")
                .await?;
        }
        for table in [
            Ratings::Table.into_iden(),
            Objections::Table.into_iden(),
            Notices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    Kind,
    ProjectId,
    CorrectsId,
    Status,
    Number,
    Title,
    Data,
    PeriodDays,
    PeriodCount,
    PublishedAt,
    FirstDay,
    LastDay,
    ClosesAt,
    Version,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Objections {
    Table,
    Id,
    NoticeId,
    Submission,
    Kind,
    BuildingUnit,
    Name,
    Mobile,
    Text,
    TextDigest,
    Source,
    CreatedAt,
    Answer,
    AnsweredAt,
    AnsweredBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Ratings {
    Table,
    Id,
    NoticeId,
    CompoundId,
    Mobile,
    Quality,
    Disturbance,
    Communication,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Name,
    Revision,
}
