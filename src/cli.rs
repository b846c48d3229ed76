//! The `jiugai` command line: one binary, subcommands for everything a bureau or a script runs.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::contractors::ContractorRecord;
use crate::db::{self, accounts, batches, catalog, compounds, import, planning, seed};
use crate::domain::account::NewPassword;
use crate::domain::batch;
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
    /// Plan annual batches over a horizon and print them (nothing is saved unless --approve): each year's
    /// compounds, cost and budget left, why each unscheduled compound is not in, and how close the plan is to the
    /// best possible.
    Plan(PlanArgs),
    /// Render documents as PDF files.
    #[command(subcommand)]
    Render(RenderCommand),
}

#[derive(Debug, Subcommand)]
pub enum RenderCommand {
    /// Write the current version of every work order of a year as a PDF into a folder (made if missing),
    /// named as in the downloads (`施工任务单-RS-2021-0001-第1版.pdf`).
    WorkOrders {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// First year of the horizon.
    #[arg(long)]
    from: i32,
    /// Last year of the horizon.
    #[arg(long)]
    to: i32,
    /// A year's budget in yuan, `2022=330000000`; a bare amount is every other year's budget. Repeatable.
    #[arg(long = "budget", required = true)]
    budgets: Vec<String>,
    /// A year's cap on the number of compounds, `2022=81`; a bare number applies to every other year.
    #[arg(long = "max-compounds")]
    max_compounds: Vec<String>,
    /// A year's cap on households, `2022=12000`; a bare number applies to every other year.
    #[arg(long = "max-households")]
    max_households: Vec<String>,
    /// Put a compound in a year: `RS-0007=2023`. Repeatable.
    #[arg(long = "pin")]
    pins: Vec<String>,
    /// Leave a compound out of this plan. Repeatable.
    #[arg(long = "exclude")]
    exclusions: Vec<String>,
    /// Weight of each year relative to the one before; the policy's `planning.discount` by default.
    #[arg(long)]
    discount: Option<f64>,
    /// Schedule every compound on its own, without district projects.
    #[arg(long)]
    no_bundles: bool,
    /// Print the plan as JSON: per compound its code, year (or null), cost, households, priority and reason.
    #[arg(long)]
    json: bool,
    /// Approve this year's batch of the plan: its compounds move to `planned` and no later plan moves them.
    #[arg(long)]
    approve: Option<i32>,
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
    /// List an account's API tokens (revoked and expired ones too).
    List {
        #[arg(long)]
        username: String,
    },
    /// Revoke one API token of an account (`--id`, as `token list` shows it) or all of them (`--all`).
    Revoke {
        #[arg(long)]
        username: String,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        id: Option<i32>,
        #[arg(long)]
        all: bool,
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
        /// 统一社会信用代码: 18 characters, the last a check character (GB 32100).
        #[arg(long)]
        credit_code: String,
        /// Contact person.
        #[arg(long)]
        contact: String,
        /// Contact phone: mobile or fixed line with area code.
        #[arg(long)]
        phone: String,
        /// Qualification, e.g. 建筑工程施工总承包二级.
        #[arg(long)]
        qualification: Option<String>,
        /// Projects the firm can run at once.
        #[arg(long, default_value_t = 3)]
        capacity: i64,
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
        Command::Token(TokenCommand::List { username }) => {
            let db = prepare(&settings).await?;
            for t in accounts::user_tokens(&db, &username).await? {
                let state = match (t.revoked_at, t.usable) {
                    (Some(at), _) => format!("revoked {}", crate::domain::time::beijing_minute(at)),
                    (None, true) => "usable".to_owned(),
                    (None, false) => "expired".to_owned(),
                };
                println!(
                    "{}\t{}…\t{}\texpires {}\t{state}",
                    t.id,
                    t.prefix,
                    t.name,
                    crate::domain::time::beijing_minute(t.expires_at)
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { username, id, all }) => {
            let db = prepare(&settings).await?;
            let user = accounts::find_user(&db, &username).await?;
            let ids: Vec<i32> = if all {
                accounts::tokens(&db, user.id)
                    .await?
                    .into_iter()
                    .filter(|t| t.revoked_at.is_none())
                    .map(|t| t.id)
                    .collect()
            } else {
                id.into_iter().collect()
            };
            for id in &ids {
                accounts::revoke_token(&db, &Actor::cli(), user.id, *id).await?;
            }
            eprintln!("revoked {} token(s) of {username}", ids.len());
            Ok(())
        }
        Command::Contractor(ContractorCommand::Create {
            code,
            name,
            credit_code,
            contact,
            phone,
            qualification,
            capacity,
        }) => {
            let record = ContractorRecord::parse(
                &serde_json::json!({
                    "code": code, "name": name, "credit_code": credit_code, "contact_person": contact,
                    "phone": phone, "qualification": qualification, "capacity": capacity,
                }),
                None,
            )?;
            let db = prepare(&settings).await?;
            let c = db::contractors::create(&db, &Actor::cli(), &record).await?;
            eprintln!("contractor {} ({}) registered", c.code, c.name);
            Ok(())
        }
        Command::Plan(args) => plan(&settings, args).await,
        Command::Render(RenderCommand::WorkOrders { year, out }) => {
            render_work_orders(&settings, year, &out).await
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

async fn render_work_orders(
    settings: &Settings,
    year: i32,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let orders = db::work_orders::list(&db, Some(year), None).await?;
    if orders.is_empty() {
        anyhow::bail!("no work orders issued for {year}");
    }
    let mut documents = Vec::with_capacity(orders.len());
    for order in &orders {
        let mut doc =
            db::work_orders::document_of(&db, &order.number, Some(order.revision), None).await?;
        doc.url = db::work_orders::page_url(&settings.public_base(), &order.number);
        documents.push(doc);
    }
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot make the folder {}: {e}", out.display()))?;
    let bar = ProgressBar::new(documents.len() as u64).with_style(ProgressStyle::with_template(
        "rendering {bar:40} {pos}/{len} {eta}",
    )?);
    let started = std::time::Instant::now();
    let rendered = tokio::task::block_in_place(|| {
        jiugai_document::render_work_orders(&documents, &|| bar.inc(1))
    });
    bar.finish_and_clear();
    let mut bytes = 0;
    for (doc, pdf) in documents.iter().zip(rendered) {
        let pdf = pdf.map_err(|e| anyhow::anyhow!("work order {}: {e}", doc.number))?;
        let path = out.join(db::work_orders::file_name(&doc.number, doc.revision));
        std::fs::write(&path, &pdf)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        bytes += pdf.len();
    }
    eprintln!(
        "{} work orders of {year} written to {} ({:.1} MB, rendered in {:.0} ms)",
        documents.len(),
        out.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64() * 1000.0
    );
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

async fn plan(settings: &Settings, args: PlanArgs) -> anyhow::Result<()> {
    let horizon = plan_horizon(&args)?;
    let db = prepare(settings).await?;
    let plan = if let Some(year) = args.approve {
        let plan = batches::approve(&db, &Actor::cli(), &horizon, year, None).await?;
        eprintln!("approved the {year} batch");
        plan
    } else {
        let policy = catalog::load_policy(&db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
        let candidates = planning::candidates(&db).await?;
        tokio::task::block_in_place(|| batch::plan(&policy, &horizon, &candidates))
            .map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &plan)?;
        writeln!(out)?;
    } else {
        write_plan(&mut out, &plan)?;
    }
    out.flush()?;
    Ok(())
}

/// The horizon from the command line: every year from `--from` to `--to` with its budget and caps.
fn plan_horizon(args: &PlanArgs) -> anyhow::Result<batch::Horizon> {
    if args.to < args.from {
        anyhow::bail!("--to {} is before --from {}", args.to, args.from);
    }
    if (args.to - args.from) as usize >= batch::MAX_YEARS {
        anyhow::bail!("a horizon spans at most {} years", batch::MAX_YEARS);
    }
    let years: Vec<i32> = (args.from..=args.to).collect();
    let budgets = per_year("--budget", &args.budgets, &years)?;
    let compounds = per_year("--max-compounds", &args.max_compounds, &years)?;
    let households = per_year("--max-households", &args.max_households, &years)?;
    let mut limits = Vec::new();
    for (i, &year) in years.iter().enumerate() {
        let budget_yuan =
            budgets[i].ok_or_else(|| anyhow::anyhow!("--budget: no budget for {year}"))?;
        let max_compounds = compounds[i]
            .map(|n| u32::try_from(n).map_err(|_| anyhow::anyhow!("--max-compounds: too large")))
            .transpose()?;
        limits.push(batch::YearLimits {
            year,
            budget_yuan,
            max_compounds,
            max_households: households[i],
        });
    }
    let mut pins = std::collections::BTreeMap::new();
    for pin in &args.pins {
        let (code, year) = pin
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--pin {pin}: expected CODE=YEAR"))?;
        let year = year
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("--pin {pin}: {year:?} is not a year"))?;
        pins.insert(code.trim().to_owned(), year);
    }
    Ok(batch::Horizon {
        years: limits,
        discount: args.discount,
        pins,
        exclusions: args
            .exclusions
            .iter()
            .map(|c| c.trim().to_owned())
            .collect(),
        bundles: !args.no_bundles,
        overrides: Default::default(),
    })
}

/// `2022=330000000` settings and a bare default, as one value (or none) per year.
fn per_year(flag: &str, given: &[String], years: &[i32]) -> anyhow::Result<Vec<Option<u64>>> {
    let number = |s: &str| -> anyhow::Result<u64> {
        let digits: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '_' | ','))
            .collect();
        digits
            .parse()
            .map_err(|_| anyhow::anyhow!("{flag} {s}: not a whole number"))
    };
    let mut default = None;
    let mut values = vec![None; years.len()];
    for g in given {
        match g.split_once('=') {
            Some((year, amount)) => {
                let year: i32 = year
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{flag} {g}: {year:?} is not a year"))?;
                let i = years
                    .iter()
                    .position(|&y| y == year)
                    .ok_or_else(|| anyhow::anyhow!("{flag} {g}: {year} is outside the horizon"))?;
                values[i] = Some(number(amount)?);
            }
            None => default = Some(number(g)?),
        }
    }
    Ok(values.into_iter().map(|v| v.or(default)).collect())
}

/// The plan as tables: each year's batch, then the compounds left out and why.
fn write_plan(out: &mut impl Write, plan: &batch::BatchPlan) -> std::io::Result<()> {
    let wan = |fen: i64| format!("{:.1}", fen as f64 / 1_000_000.0); // 万元
    let by_code: std::collections::HashMap<&str, &batch::CompoundPlan> = plan
        .compounds
        .iter()
        .map(|c| (c.code.as_str(), c))
        .collect();
    for y in &plan.years {
        let caps = [
            y.max_compounds.map(|n| format!("上限 {n} 个")),
            y.max_households.map(|n| format!("上限 {n} 户")),
        ];
        let caps: Vec<String> = caps.into_iter().flatten().collect();
        writeln!(
            out,
            "{} 年批次：{} 个小区，{} 户，费用 {} 万元 / 预算 {} 万元，结余 {} 万元{}{}",
            y.year,
            y.compounds,
            y.households,
            wan(y.used_fen),
            wan(y.budget_fen),
            wan(y.left_fen),
            if caps.is_empty() { "" } else { "；" },
            caps.join("，")
        )?;
        writeln!(
            out,
            "  {} {} {} {} {}  说明",
            pad("编号", 12, false),
            pad("小区", 20, false),
            pad("户数", 6, true),
            pad("费用(万元)", 11, true),
            pad("优先级", 8, true)
        )?;
        for code in &y.codes {
            let c = by_code[code.as_str()];
            writeln!(
                out,
                "  {} {} {} {} {}  {}",
                pad(&c.code, 12, false),
                pad(&c.name, 20, false),
                pad(&c.households.to_string(), 6, true),
                pad(&wan(c.cost_fen), 11, true),
                pad(&format!("{:.2}", c.priority), 8, true),
                c.reason
            )?;
        }
        writeln!(out)?;
    }
    let left_out: Vec<&batch::CompoundPlan> = plan
        .compounds
        .iter()
        .filter(|c| {
            c.year
                .is_none_or(|y| plan.years.iter().all(|b| b.year != y))
        })
        .collect();
    writeln!(out, "未列入规划期的小区：{} 个", left_out.len())?;
    for c in left_out {
        writeln!(
            out,
            "  {} {} {}",
            pad(&c.code, 12, false),
            pad(&c.name, 20, false),
            c.reason
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "方案目标值 {:.0}（优先级 × 户数，逐年按 {} 折算）；任何方案都不超过 {:.0}：与最优方案相差至多 {:.4}%",
        plan.objective,
        plan.discount,
        plan.bound,
        plan.gap * 100.0
    )
}

/// `s` padded with spaces to `width` terminal columns (a Chinese character takes two), on the left when `right`.
fn pad(s: &str, width: usize, right: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}
