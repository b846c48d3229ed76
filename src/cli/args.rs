//! The subcommands and their flags, as clap reads them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use jiugai_fixtures::generate;

use crate::db::accounts;
use crate::domain::geometry::Crs;

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
    /// Run the web service (the default): migrates, loads the county's files (`data_dir`, from `jiugai init`)
    /// or the templates into an empty database — or, asked, the synthetic demo data set — and serves.
    Serve {
        /// Try the product: load the demo data set into an empty database and create the demo accounts
        /// (demo-admin, demo-planner, demo-contractor) with a published password. Without this flag any demo
        /// accounts are deactivated.
        #[arg(long)]
        demo: bool,
        /// Load the synthetic demo data set (Renshou County, 410 compounds) into an empty database, without the
        /// demo accounts (also the setting `demo_data`).
        #[arg(long)]
        demo_data: bool,
    },
    /// Write a county's editable files into DIR (policy.toml, work_items.toml, holidays/, jiugai.toml) from the
    /// built-in templates, its identity from the flags or left as marked placeholders. Never overwrites.
    Init(InitArgs),
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
    /// Reports the bureau files.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The monthly progress return (月报) of a month, generated from the records: prints the county's figures
    /// and any identity check that fails; `--xlsx FILE` also writes the workbook (rows = towns), `--pdf FILE`
    /// the A4 PDF under the bureau's header.
    Monthly {
        /// The month, as 2021-06.
        #[arg(long)]
        month: String,
        #[arg(long)]
        xlsx: Option<PathBuf>,
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to write into (made if missing).
    pub(super) dir: PathBuf,
    /// The county's name, e.g. 某某县.
    #[arg(long)]
    pub(super) county: Option<String>,
    /// The county's 6-digit administrative division code (GB/T 2260).
    #[arg(long)]
    pub(super) county_code: Option<String>,
    /// The issuing bureau, e.g. 某某县住房和城乡建设局.
    #[arg(long)]
    pub(super) authority: Option<String>,
    /// Prefix of compound codes, 2–4 capital letters (MM for MM-0001).
    #[arg(long)]
    pub(super) code_prefix: Option<String>,
    /// Prefix of notice numbers, e.g. 某住建公 for 某住建公〔2026〕1号.
    #[arg(long)]
    pub(super) number_prefix: Option<String>,
    /// The bureau's phone for contractors and residents.
    #[arg(long)]
    pub(super) phone: Option<String>,
    /// The bureau's contact printed on work orders.
    #[arg(long)]
    pub(super) contact: Option<String>,
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
    /// Write the request posters (问需于民 海报) for compounds' gates into a folder (made if missing), one PDF per
    /// compound (`问需于民海报-RS-0001-工行小区.pdf`), each with a QR code of the compound's residents' page. Every
    /// compound not archived, or those named with --compound.
    Posters {
        #[arg(long)]
        out: PathBuf,
        /// A compound's code. Repeatable.
        #[arg(long)]
        compound: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// First year of the horizon.
    #[arg(long)]
    pub(super) from: i32,
    /// Last year of the horizon.
    #[arg(long)]
    pub(super) to: i32,
    /// A year's budget in yuan, `2022=330000000`; a bare amount is every other year's budget. Repeatable.
    #[arg(long = "budget", required = true)]
    pub(super) budgets: Vec<String>,
    /// A year's cap on the number of compounds, `2022=81`; a bare number applies to every other year.
    #[arg(long = "max-compounds")]
    pub(super) max_compounds: Vec<String>,
    /// A year's cap on households, `2022=12000`; a bare number applies to every other year.
    #[arg(long = "max-households")]
    pub(super) max_households: Vec<String>,
    /// Put a compound in a year: `RS-0007=2023`. Repeatable.
    #[arg(long = "pin")]
    pub(super) pins: Vec<String>,
    /// Leave a compound out of this plan. Repeatable.
    #[arg(long = "exclude")]
    pub(super) exclusions: Vec<String>,
    /// Weight of each year relative to the one before; the policy's `planning.discount` by default.
    #[arg(long)]
    pub(super) discount: Option<f64>,
    /// Schedule every compound on its own, without district projects.
    #[arg(long)]
    pub(super) no_bundles: bool,
    /// Print the plan as JSON: per compound its code, year (or null), cost, households, priority and reason.
    #[arg(long)]
    pub(super) json: bool,
    /// Approve this year's batch of the plan: its compounds move to `planned` and no later plan moves them.
    #[arg(long)]
    pub(super) approve: Option<i32>,
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
