//! Accounts, sign-in and the audit log.
//!
//! - `contractors`: the organisations contractor accounts belong to (the work-order feature adds the
//!   rest of their record).
//! - `users`: one row per person; `role` is admin, planner or contractor, and a contractor account
//!   names its organisation (a CHECK keeps the two consistent). The password hash is argon2 (PHC
//!   string) and may be absent until the person follows their one-time sign-in link. Accounts are
//!   deactivated, never deleted, so the audit log can always name who did what.
//! - `sessions`, `api_tokens`, `sign_in_links`: secrets are stored only as SHA-256 digests, so a copy
//!   of the database does not let anyone in. Sessions live here, not in process, so any instance behind
//!   the load balancer recognises them.
//! - `sign_in_failures`: recent failed sign-ins per account and per address, for throttling; shared by
//!   every instance for the same reason.
//! - a revision counter `accounts`, bumped by every change that could end or alter someone's access,
//!   so instances may cache who a session or token belongs to between changes.
//! - `audit_log`: append-only. Triggers refuse UPDATE and DELETE on both databases, so not even a bug in
//!   a later route can rewrite history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contractors::Table)
                    .col(pk_auto(Contractors::Id))
                    .col(string_len_uniq(Contractors::Code, 32))
                    .col(string_len(Contractors::Name, 200))
                    .col(integer(Contractors::Version).default(1))
                    .col(timestamp_with_time_zone(Contractors::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 32))
                    .col(string_len(Users::DisplayName, 64))
                    .col(
                        string_len(Users::Role, 16).check(Expr::col(Users::Role).is_in([
                            "admin",
                            "planner",
                            "contractor",
                        ])),
                    )
                    .col(integer_null(Users::ContractorId))
                    .col(text_null(Users::PasswordHash))
                    .col(boolean(Users::Active).default(true))
                    .col(boolean(Users::Demo).default(false))
                    .col(integer(Users::Version).default(1))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .check(
                        Expr::col(Users::Role)
                            .eq("contractor")
                            .and(Expr::col(Users::ContractorId).is_not_null())
                            .or(Expr::col(Users::Role)
                                .ne("contractor")
                                .and(Expr::col(Users::ContractorId).is_null())),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::ContractorId)
                            .to(Contractors::Table, Contractors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_auto(Sessions::Id))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(integer(Sessions::UserId))
                    .col(string_len(Sessions::CsrfToken, 64))
                    .col(string_len(Sessions::Source, 200))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Name, 64))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string_len(ApiTokens::Prefix, 16))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInLinks::Table)
                    .col(pk_auto(SignInLinks::Id))
                    .col(integer(SignInLinks::UserId))
                    .col(string_len_uniq(SignInLinks::TokenHash, 64))
                    .col(timestamp_with_time_zone(SignInLinks::CreatedAt))
                    .col(timestamp_with_time_zone(SignInLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInLinks::Table, SignInLinks::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .col(pk_auto(SignInFailures::Id))
                    .col(string_len(SignInFailures::Key, 200))
                    .col(timestamp_with_time_zone(SignInFailures::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_failures_key_at")
                    .table(SignInFailures::Table)
                    .col(SignInFailures::Key)
                    .col(SignInFailures::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(integer_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Actor, 64))
                    .col(string_len(AuditLog::ActorRole, 16))
                    .col(string_len(AuditLog::Source, 200))
                    .col(string_len(AuditLog::Action, 32))
                    .col(string_len(AuditLog::Entity, 32))
                    .col(string_len(AuditLog::EntityId, 64))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditLog::Table, AuditLog::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_log_at", vec![AuditLog::At]),
            (
                "idx_audit_log_entity",
                vec![AuditLog::Entity, AuditLog::EntityId],
            ),
            ("idx_audit_log_actor", vec![AuditLog::Actor]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditLog::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Instances cache who a session or token belongs to while this counter stands still; every
        // change that could end or alter someone's access bumps it (see the `revisions` migration).
        let counter = Query::insert()
            .into_table(Revisions::Table)
            .columns([Revisions::Name, Revisions::Revision])
            .values_panic(["accounts".into(), 0.into()])
            .to_owned();
        manager.exec_stmt(counter).await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
                     $$ LANGUAGE plpgsql;
                     CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
                       FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
                     CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let counter = Query::delete()
            .from_table(Revisions::Table)
            .and_where(Expr::col(Revisions::Name).eq("accounts"))
            .to_owned();
        manager.exec_stmt(counter).await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_is_append_only() CASCADE")
                .await?;
        }
        for table in [
            AuditLog::Table.into_iden(),
            SignInFailures::Table.into_iden(),
            SignInLinks::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Contractors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Name,
    Revision,
}

#[derive(DeriveIden)]
enum Contractors {
    Table,
    Id,
    Code,
    Name,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Role,
    ContractorId,
    PasswordHash,
    Active,
    Demo,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    Source,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum SignInLinks {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    Key,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    ActorRole,
    Source,
    Action,
    Entity,
    EntityId,
    Before,
    After,
}
