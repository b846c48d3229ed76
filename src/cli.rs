//! The `jiugai` command line: one binary, subcommands for everything a bureau or a script runs.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::{self, accounts, catalog, compounds, import, seed};
use crate::domain::account::NewPassword;
use crate::domain::geometry::Crs;
use crate::fixtures::generate;
use crate::web;

#[derive(Debug, Parser)]
#[command(
    name = "jiugai",
    version,
    about = "旧改: planning and running the renovation of old residential compounds"
)]
pub struct Cli {
    /// Settings file (TOML); defaults to ./jiugai.toml when present.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default): migrates, loads the Renshou data set into an empty database, serves.
    Serve {
        /// Also create the demo accounts (demo-admin, demo-planner, demo-contractor) with a published
        /// password, for trying the product. Without this flag any demo accounts are deactivated.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date, and nothing else.
    Migrate,
    /// Import data into the database.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data from the database.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Generate the synthetic data sets.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage contractors' organisations.
    #[command(subcommand)]
    Contractor(ContractorCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and print its one-time sign-in link (alone on standard output); the person
    /// sets their password through it. With --password-stdin the password is read instead.
    Create {
        #[arg(long)]
        username: String,
        /// admin, planner or contractor.
        #[arg(long)]
        role: String,
        /// The contractor organisation's code, for a contractor account.
        #[arg(long)]
        contractor: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input (for scripts); prints nothing.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new one-time sign-in link for an account (a forgotten password); earlier links stop working.
    Link {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account and print it, alone, on standard output.
    Create {
        #[arg(long)]
        username: String,
        /// What the token is for, shown in the account's token list.
        #[arg(long, default_value = "script")]
        name: String,
        #[arg(long, default_value_t = accounts::TOKEN_DEFAULT_DAYS)]
        expires_in_days: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractorCommand {
    /// Register a contractor organisation (code: 2–32 of A–Z, 0–9 and '-').
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import compounds from a GeoJSON FeatureCollection: all or nothing, upserting by code.
    Compounds {
        file: PathBuf,
        /// Coordinate system of the file: wgs84 (RFC 7946) or gcj02 (AMap, Tencent).
        #[arg(long, default_value = "wgs84")]
        crs: Crs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export every compound (archived ones too) as a GeoJSON FeatureCollection.
    Compounds {
        /// Output file; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Generate a synthetic compound catalog (deterministic: the same count and seed give the same file).
    Generate {
        #[arg(long, default_value_t = generate::RENSHOU_COUNT)]
        count: usize,
        #[arg(long, default_value_t = generate::RENSHOU_SEED)]
        seed: u64,
        /// Output file; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::User(command) => user(&settings, command).await,
        Command::Token(TokenCommand::Create {
            username,
            name,
            expires_in_days,
        }) => {
            let db = prepare(&settings).await?;
            let (name, days) = accounts::parse_token_request(Some(&name), Some(expires_in_days))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = accounts::find_user(&db, &username).await?;
            let (token, _) =
                accounts::create_token(&db, &Actor::cli(), user.id, &name, days).await?;
            println!("{token}");
            Ok(())
        }
        Command::Contractor(ContractorCommand::Create { code, name }) => {
            let db = prepare(&settings).await?;
            let c = accounts::create_contractor(&db, &Actor::cli(), &code, &name).await?;
            eprintln!("contractor {} ({}) registered", c.code, c.name);
            Ok(())
        }
        Command::Migrate => {
            let db = db::connect(&settings.database_url).await?;
            db::migrate(&db).await?;
            eprintln!(
                "database {} is up to date",
                settings.database_url_for_display()
            );
            Ok(())
        }
        Command::Import(ImportCommand::Compounds { file, crs }) => {
            import_compounds(&settings, &file, crs).await
        }
        Command::Export(ExportCommand::Compounds { out }) => export_compounds(&settings, out).await,
        Command::Fixtures(FixturesCommand::Generate { count, seed, out }) => {
            let sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::fs::File::create(path)?),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut sink = BufWriter::new(sink);
            generate::write_collection(&mut sink, count, seed)?;
            sink.flush()?;
            if let Some(path) = out {
                eprintln!(
                    "wrote {count} compounds (seed {seed}) to {}",
                    path.display()
                );
            }
            Ok(())
        }
    }
}

/// Connects, migrates and, on an empty database, loads the Renshou data set.
pub async fn prepare(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    if seed::seed_if_empty(&db, &seed::RENSHOU).await? {
        db::checkpoint(&db).await?;
        tracing::info!("empty database: loaded the Renshou data set");
    }
    Ok(db)
}

async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let link = |token: &str| format!("{}/sign-in/link/{token}", settings.public_base());
    match command {
        UserCommand::Create {
            username,
            role,
            contractor,
            display_name,
            password_stdin,
        } => {
            let new = accounts::NewUser::parse(
                &username,
                display_name.as_deref(),
                &role,
                contractor.as_deref(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let line = line.trim_end_matches(['\r', '\n']);
                Some(
                    NewPassword::parse(line, new.username.as_str())
                        .map_err(|e| anyhow::anyhow!("password: {e}"))?,
                )
            } else {
                None
            };
            let (user, token) =
                accounts::create_user(&db, &Actor::cli(), &new, password.as_ref()).await?;
            eprintln!(
                "created {} ({}){}",
                user.username,
                user.role.code(),
                if token.is_some() {
                    format!(
                        "; the link below lets them set a password within {} hours",
                        accounts::LINK_HOURS
                    )
                } else {
                    String::new()
                }
            );
            if let Some(token) = token {
                println!("{}", link(&token));
            }
        }
        UserCommand::Link { username } => {
            let token = accounts::issue_link(&db, &Actor::cli(), &username).await?;
            eprintln!(
                "one-time sign-in link for {username}, good for {} hours:",
                accounts::LINK_HOURS
            );
            println!("{}", link(&token));
        }
    }
    Ok(())
}

async fn serve(mut settings: Settings, demo: bool) -> anyhow::Result<()> {
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

async fn import_compounds(
    settings: &Settings,
    file: &std::path::Path,
    crs: Crs,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let catalog = catalog::load(&db).await?;
    let size = std::fs::metadata(file)?.len();
    let bar = ProgressBar::new(size).with_style(ProgressStyle::with_template(
        "checking  {bar:40} {bytes}/{total_bytes} {eta}",
    )?);
    let reader = bar.wrap_read(BufReader::new(std::fs::File::open(file)?));
    let parsed = tokio::task::block_in_place(|| import::parse_collection(reader, crs, &catalog));
    bar.finish_and_clear();
    let records = match parsed {
        Ok(records) => records,
        Err(errors) => return Err(report(file, &errors)),
    };
    let bar = ProgressBar::new(records.len() as u64).with_style(ProgressStyle::with_template(
        "importing {bar:40} {pos}/{len} {eta}",
    )?);
    let summary = import::write(&db, &Actor::cli(), &records, |done| {
        bar.set_position(done as u64)
    })
    .await;
    bar.finish_and_clear();
    db::checkpoint(&db).await?;
    match summary {
        Ok(s) => {
            println!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                s.created,
                s.updated,
                s.unchanged
            );
            Ok(())
        }
        Err(import::ImportError::Features(errors)) => Err(report(file, &errors)),
        Err(import::ImportError::Other(e)) => Err(e.into()),
    }
}

fn report(file: &std::path::Path, errors: &[import::FeatureError]) -> anyhow::Error {
    for e in errors.iter().take(200) {
        eprintln!("{}: {e}", file.display());
    }
    if errors.len() > 200 {
        eprintln!("… and {} more", errors.len() - 200);
    }
    anyhow::anyhow!(
        "{} problem(s) in {}; nothing was imported",
        errors.len(),
        file.display()
    )
}

async fn export_compounds(settings: &Settings, out: Option<PathBuf>) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let sink: Box<dyn Write + Send> = match &out {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout()),
    };
    let mut sink = BufWriter::new(sink);
    sink.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let filter = compounds::Filter {
        include_archived: true,
        ..Default::default()
    };
    let mut pages = compounds::FeaturePages::new(filter, compounds::EXPORT_PAGE);
    let mut first = true;
    while let Some(features) = pages.next(&db).await? {
        for feature in features {
            if !first {
                sink.write_all(b",\n")?;
            }
            first = false;
            sink.write_all(feature.as_bytes())?;
        }
    }
    sink.write_all(b"\n]}\n")?;
    sink.flush()?;
    Ok(())
}
