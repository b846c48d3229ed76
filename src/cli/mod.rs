//! The `jiugai` command line: one binary, subcommands for everything a bureau or a script runs.
//!
//! `args` declares the subcommands and their flags; `run` hands each to its handler in `commands` (the
//! service itself starts in `serve`, which also `prepare`s the database for every command that needs it);
//! `plan_print` prints a plan as tables.

mod args;
mod commands;
mod init;
mod plan_print;
mod serve;

pub use args::{
    Cli, Command, ContractorCommand, ExportCommand, FixturesCommand, ImportCommand, InitArgs,
    PlanArgs, RenderCommand, ReportCommand, TokenCommand, UserCommand,
};
pub use serve::prepare;

use crate::config::Settings;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    // A bare `jiugai` (the README's `cargo run --release`) is the demo, to try the product; in a county's folder
    // (`data_dir` set, as `jiugai init` writes it) it is that county's service.
    let default = Command::Serve {
        demo: settings.data_dir.is_none(),
        demo_data: false,
    };
    match cli.command.unwrap_or(default) {
        Command::Serve { demo, demo_data } => {
            let mut settings = settings;
            settings.demo_data |= demo_data;
            serve::serve(settings, demo).await
        }
        Command::Init(args) => init::init(
            &args.dir,
            &crate::db::seed::TemplateIdentity {
                county: args.county,
                county_code: args.county_code,
                authority: args.authority,
                code_prefix: args.code_prefix,
                number_prefix: args.number_prefix,
                phone: args.phone,
                contact: args.contact,
            },
        ),
        Command::User(UserCommand::Create {
            username,
            role,
            contractor,
            display_name,
            password_stdin,
        }) => {
            commands::user_create(
                &settings,
                &username,
                &role,
                contractor.as_deref(),
                display_name.as_deref(),
                password_stdin,
            )
            .await
        }
        Command::User(UserCommand::Link { username }) => {
            commands::user_link(&settings, &username).await
        }
        Command::Token(TokenCommand::Create {
            username,
            name,
            expires_in_days,
        }) => commands::token_create(&settings, &username, &name, expires_in_days).await,
        Command::Token(TokenCommand::List { username }) => {
            commands::token_list(&settings, &username).await
        }
        Command::Token(TokenCommand::Revoke { username, id, all }) => {
            commands::token_revoke(&settings, &username, id, all).await
        }
        Command::Contractor(command) => commands::contractor_create(&settings, command).await,
        Command::Plan(args) => commands::plan(&settings, args).await,
        Command::Render(RenderCommand::WorkOrders { year, out }) => {
            commands::render_work_orders(&settings, year, &out).await
        }
        Command::Render(RenderCommand::Posters { out, compound }) => {
            commands::render_posters(&settings, &compound, &out).await
        }
        Command::Report(ReportCommand::Monthly { month, xlsx, pdf }) => {
            commands::report_monthly(&settings, &month, xlsx.as_deref(), pdf.as_deref()).await
        }
        Command::Migrate => commands::migrate(&settings).await,
        Command::Import(ImportCommand::Compounds { file, crs }) => {
            commands::import_compounds(&settings, &file, crs).await
        }
        Command::Export(ExportCommand::Compounds { out }) => {
            commands::export_compounds(&settings, out).await
        }
        Command::Fixtures(FixturesCommand::Generate { count, seed, out }) => {
            commands::fixtures_generate(count, seed, out)
        }
    }
}
