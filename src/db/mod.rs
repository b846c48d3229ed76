//! Persistence: sea-orm over SQLite (default) or PostgreSQL, with the same migrations.

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod batches;
pub mod catalog;
pub mod compounds;
pub mod contractors;
pub mod entities;
pub mod filing;
pub mod import;
pub mod lift;
pub mod limits;
pub mod money;
pub mod notices;
pub mod planning;
pub mod projects;
pub mod requests;
pub mod returns;
pub mod revisions;
pub mod scenarios;
pub mod seed;
pub mod seed_lifts;
pub mod seed_money;
pub mod seed_notices;
pub mod seed_requests;
pub mod seed_returns;
pub mod seed_work;
pub mod site;
pub mod work_orders;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Opens the database at `url`, creating a SQLite file (and its folder) if needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    if url.contains(":memory:") {
        // Every connection to an in-memory database is a database of its own: keep one.
        options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None);
    } else {
        options.max_connections(8);
    }
    Ok(Database::connect(options).await?)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
/// a deferred transaction that read first cannot upgrade to writing once another writer has committed,
/// and would fail instead of waiting its turn. PostgreSQL ignores the option.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// After a bulk write on SQLite, folds the write-ahead log into the database file and truncates it:
/// otherwise every later read searches a log as large as the import (it made a national-scale export
/// spend a tenth of its time in `walFindFrame`). PostgreSQL needs nothing.
pub async fn checkpoint(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// Serialises writers on one key (sign-in attempts of an account, objections from one address). SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer; PostgreSQL needs a transaction-scoped advisory lock.
pub async fn lock_key(txn: &impl sea_orm::ConnectionTrait, key: &str) -> crate::error::Result<()> {
    use sea_orm::{DbBackend, Statement};
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}
