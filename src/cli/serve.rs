//! Start-up: the database made ready for any command, and the web service.

use crate::config::Settings;
use crate::db::{self, accounts, seed, site};
use crate::web;

/// What a first start loaded into an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstStart {
    /// The database had data already.
    NotEmpty,
    /// The synthetic demo data set (Renshou).
    Demo,
    /// The county's own files from `data_dir`.
    County,
    /// The templates, the county's identity left to the first-start page.
    Templates,
}

/// Connects, migrates and, on an empty database, loads the demo data set (when `settings.demo_data`), the
/// county's files (`settings.data_dir`) or the templates. Batches approved before projects existed (a database
/// from before work orders) get their projects.
pub async fn prepare(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    Ok(prepare_first(settings).await?.0)
}

async fn prepare_first(
    settings: &Settings,
) -> anyhow::Result<(sea_orm::DatabaseConnection, FirstStart)> {
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    let loaded = load_first(&db, settings).await?;
    if loaded != FirstStart::NotEmpty {
        db::checkpoint(&db).await?;
    }
    let made = db::projects::ensure_for_all_batches(&db).await?;
    if made > 0 {
        tracing::info!("made {made} projects for batches approved before work orders");
    }
    Ok((db, loaded))
}

async fn load_first(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
) -> anyhow::Result<FirstStart> {
    if settings.demo_data {
        if seed::seed_if_empty(db, &seed::RENSHOU).await? {
            tracing::info!("empty database: loaded the synthetic demo data set (Renshou)");
            return Ok(FirstStart::Demo);
        }
        return Ok(FirstStart::NotEmpty);
    }
    if let Some(dir) = &settings.data_dir {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read {} ({e}); `jiugai init {}` writes it",
                    path.display(),
                    dir.display()
                )
            })
        };
        let (policy, catalog) = (read("policy.toml")?, read("work_items.toml")?);
        let data = seed::DataSet {
            catalog: &catalog,
            policy: &policy,
            compounds: None,
            contractors: None,
            demo: false,
        };
        let loaded = seed::seed_if_empty(db, &data)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        if loaded {
            tracing::info!(dir = %dir.display(), "empty database: loaded the county's policy and catalog");
            return Ok(FirstStart::County);
        }
        return Ok(FirstStart::NotEmpty);
    }
    let (policy, catalog) = seed::starter();
    let data = seed::DataSet {
        catalog: &catalog,
        policy: &policy,
        compounds: None,
        contractors: None,
        demo: false,
    };
    if seed::seed_if_empty(db, &data).await? {
        tracing::info!(
            "empty database: loaded the templates; the county's identity is set on /setup"
        );
        return Ok(FirstStart::Templates);
    }
    Ok(FirstStart::NotEmpty)
}

pub(super) async fn serve(mut settings: Settings, demo: bool) -> anyhow::Result<()> {
    tracing::info!(database = %settings.database_url_for_display(), "starting");
    // The demo accounts are for trying the product: on the demo data.
    settings.demo_data |= demo;
    let (db, loaded) = prepare_first(&settings).await?;
    let (listener, addr) = web::bind(settings.addr).await?;
    settings.addr = addr;
    let site = site::load(&db, &settings).await?;
    if demo && site.setup_done {
        anyhow::bail!(
            "this database is a county's own (its first-start setup is done): the demo accounts are not \
             turned on here. Start it with `jiugai serve`, or try the demo on a new database."
        );
    }
    accounts::demo_accounts(&db, demo).await?;
    let first_link = accounts::ensure_admin(&db).await?;
    let state = web::AppState::new(db, settings.clone())?;
    let base = settings.public_base();
    println!("旧改 Jiugai is serving on {base}/");
    println!("  pages: {base}/   API: {base}/api/compounds   spec: {base}/openapi.yaml");
    println!("  residents (no sign-in): {base}/notices");
    match loaded {
        FirstStart::Demo => {
            println!(
                "  empty database: loaded the synthetic demo data set (Renshou County, 410 compounds)"
            )
        }
        FirstStart::County => println!(
            "  empty database: loaded the county's policy and work items from {}",
            settings
                .data_dir
                .as_deref()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        ),
        FirstStart::Templates => println!(
            "  empty database: started empty (no compounds), from the built-in policy and work-item templates;\n  \
             to try the product with demo data instead, start on a new database with `jiugai serve --demo`"
        ),
        FirstStart::NotEmpty if settings.demo_data && !site.demo_data => println!(
            "  the database already holds data: the demo data set was NOT loaded (it loads into an empty database only)"
        ),
        FirstStart::NotEmpty => {}
    }
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
    if !site.setup_done && !site.demo_data && (site.placeholder || site.base_url.is_none()) {
        println!();
        println!(
            "  First start: an administrator sets the county's name, code and public address at"
        );
        println!("    {base}/setup");
    }
    if site.base_url.is_none() {
        println!(
            "  No public address (base_url) is set: paper is marked 样张 and its QR codes point at {base}."
        );
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
