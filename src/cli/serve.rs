//! Start-up: the database made ready for any command, and the web service.

use crate::config::Settings;
use crate::db::{self, accounts, seed};
use crate::web;

/// Connects, migrates and, on an empty database, loads the Renshou data set. Batches approved before projects
/// existed (a database from before work orders) get their projects.
pub async fn prepare(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    if seed::seed_if_empty(&db, &seed::RENSHOU).await? {
        db::checkpoint(&db).await?;
        tracing::info!("empty database: loaded the Renshou data set");
    }
    let made = db::projects::ensure_for_all_batches(&db).await?;
    if made > 0 {
        tracing::info!("made {made} projects for batches approved before work orders");
    }
    Ok(db)
}

pub(super) async fn serve(mut settings: Settings, demo: bool) -> anyhow::Result<()> {
    tracing::info!(database = %settings.database_url_for_display(), "starting");
    let db = prepare(&settings).await?;
    let (listener, addr) = web::bind(settings.addr).await?;
    settings.addr = addr;
    accounts::demo_accounts(&db, demo).await?;
    let first_link = accounts::ensure_admin(&db).await?;
    let state = web::AppState::new(db, settings.clone())?;
    let base = settings.public_base();
    println!("旧改 Jiugai is serving on {base}/");
    println!("  pages: {base}/   API: {base}/api/compounds   spec: {base}/openapi.yaml");
    println!("  residents (no sign-in): {base}/notices");
    if let Some(token) = first_link {
        println!();
        println!(
            "  No administrator has a password yet. Open this one-time link to set one for `admin`"
        );
        println!(
            "  (good for {} hours; every start prints a new one until then):",
            accounts::LINK_HOURS
        );
        println!("    {base}/sign-in/link/{token}");
    } else {
        println!("  sign in at {base}/sign-in");
    }
    if demo {
        println!();
        println!(
            "  DEMO accounts are on (--demo): demo-admin, demo-planner, demo-contractor, password {}",
            accounts::DEMO_PASSWORD
        );
        println!("  Never run a real deployment with --demo.");
    }
    println!(
        "  database: {}   stop with Ctrl-C",
        settings.database_url_for_display()
    );
    web::serve(state, listener).await;
    Ok(())
}
