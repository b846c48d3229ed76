//! One handler per subcommand, in the order of `jiugai --help` (`serve` is in `serve.rs`).

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use jiugai_fixtures::generate;

use super::args::{ContractorCommand, PlanArgs};
use super::plan_print::write_plan;
use super::serve::prepare;
use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::contractors::ContractorRecord;
use crate::db::{self, accounts, batches, catalog, compounds, import, planning};
use crate::domain::account::NewPassword;
use crate::domain::batch;
use crate::domain::geometry::Crs;

/// `jiugai migrate`.
pub(super) async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    eprintln!(
        "database {} is up to date",
        settings.database_url_for_display()
    );
    Ok(())
}

/// `jiugai import compounds`.
pub(super) async fn import_compounds(
    settings: &Settings,
    file: &std::path::Path,
    crs: Crs,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let catalog = catalog::load(&db).await?;
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        return crate::sheets::import_file(&db, &catalog, file).await;
    }
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
                "已导入 {}：新建 {} 个，更新 {} 个，未变 {} 个",
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
        eprintln!("……另有 {} 处问题", errors.len() - 200);
    }
    anyhow::anyhow!(
        "{} 中有 {} 处问题，没有导入任何内容",
        file.display(),
        errors.len()
    )
}

/// `jiugai export compounds`.
pub(super) async fn export_compounds(
    settings: &Settings,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
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

/// `jiugai fixtures generate`.
pub(super) fn fixtures_generate(
    count: usize,
    seed: u64,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
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

/// The one-time sign-in link for a token, at the public address.
fn sign_in_link(settings: &Settings, token: &str) -> String {
    format!("{}/sign-in/link/{token}", settings.public_base())
}

/// `jiugai user create`.
pub(super) async fn user_create(
    settings: &Settings,
    username: &str,
    role: &str,
    contractor: Option<&str>,
    display_name: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let new = accounts::NewUser::parse(username, display_name, role, contractor)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']);
        Some(
            NewPassword::parse(line, new.username.as_str())
                .map_err(|e| anyhow::anyhow!("password：{e}"))?,
        )
    } else {
        None
    };
    let (user, token) = accounts::create_user(&db, &Actor::cli(), &new, password.as_ref()).await?;
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
        println!("{}", sign_in_link(settings, &token));
    }
    Ok(())
}

/// `jiugai user link`.
pub(super) async fn user_link(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let token = accounts::issue_link(&db, &Actor::cli(), username).await?;
    eprintln!(
        "one-time sign-in link for {username}, good for {} hours:",
        accounts::LINK_HOURS
    );
    println!("{}", sign_in_link(settings, &token));
    Ok(())
}

/// `jiugai token create`.
pub(super) async fn token_create(
    settings: &Settings,
    username: &str,
    name: &str,
    expires_in_days: i64,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let (name, days) = accounts::parse_token_request(Some(name), Some(expires_in_days))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = accounts::find_user(&db, username).await?;
    let (token, _) = accounts::create_token(&db, &Actor::cli(), user.id, &name, days).await?;
    println!("{token}");
    Ok(())
}

/// `jiugai token list`.
pub(super) async fn token_list(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    for t in accounts::user_tokens(&db, username).await? {
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

/// `jiugai token revoke`: the token `id`, or every token not yet revoked when `all`.
pub(super) async fn token_revoke(
    settings: &Settings,
    username: &str,
    id: Option<i32>,
    all: bool,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let user = accounts::find_user(&db, username).await?;
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

/// `jiugai contractor create`.
pub(super) async fn contractor_create(
    settings: &Settings,
    command: ContractorCommand,
) -> anyhow::Result<()> {
    let ContractorCommand::Create {
        code,
        name,
        credit_code,
        contact,
        phone,
        qualification,
        capacity,
    } = command;
    let input = db::contractors::ContractorInput {
        code: Some(code),
        name,
        credit_code,
        qualification,
        contact_person: contact,
        phone,
        capacity: Some(capacity),
    };
    let record = ContractorRecord::parse(&input, None)?;
    let db = prepare(settings).await?;
    let c = db::contractors::create(&db, &Actor::cli(), &record).await?;
    eprintln!("contractor {} ({}) registered", c.code, c.name);
    Ok(())
}

/// `jiugai plan`.
pub(super) async fn plan(settings: &Settings, args: PlanArgs) -> anyhow::Result<()> {
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
        let candidates = planning::candidates_for(&db, &horizon).await?;
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
        anyhow::bail!("--to {} 早于 --from {}", args.to, args.from);
    }
    if (args.to - args.from) as usize >= batch::MAX_YEARS {
        anyhow::bail!("规划期最多 {} 个年度", batch::MAX_YEARS);
    }
    let years: Vec<i32> = (args.from..=args.to).collect();
    let budgets = per_year("--budget", &args.budgets, &years)?;
    let compounds = per_year("--max-compounds", &args.max_compounds, &years)?;
    let households = per_year("--max-households", &args.max_households, &years)?;
    let mut limits = Vec::new();
    for (i, &year) in years.iter().enumerate() {
        let budget_yuan =
            budgets[i].ok_or_else(|| anyhow::anyhow!("--budget：没有 {year} 年的预算"))?;
        let max_compounds = compounds[i]
            .map(|n| u32::try_from(n).map_err(|_| anyhow::anyhow!("--max-compounds：数值太大")))
            .transpose()?;
        limits.push(batch::YearLimits {
            year,
            budget_yuan,
            max_compounds,
            max_households: households[i],
            source_limits_yuan: Default::default(),
        });
    }
    let mut pins = std::collections::BTreeMap::new();
    for pin in &args.pins {
        let (code, year) = pin
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--pin {pin}：应写成 小区编号=年度"))?;
        let year = year
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("--pin {pin}：“{year}”不是年度"))?;
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
            .map_err(|_| anyhow::anyhow!("{flag} {s}：不是整数"))
    };
    let mut default = None;
    let mut values = vec![None; years.len()];
    for g in given {
        match g.split_once('=') {
            Some((year, amount)) => {
                let year: i32 = year
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{flag} {g}：“{year}”不是年度"))?;
                let i = years
                    .iter()
                    .position(|&y| y == year)
                    .ok_or_else(|| anyhow::anyhow!("{flag} {g}：{year} 年不在规划期内"))?;
                values[i] = Some(number(amount)?);
            }
            None => default = Some(number(g)?),
        }
    }
    Ok(values.into_iter().map(|v| v.or(default)).collect())
}

/// `jiugai render work-orders`.
pub(super) async fn render_work_orders(
    settings: &Settings,
    year: i32,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let orders = db::work_orders::list(&db, Some(year), None).await?;
    if orders.is_empty() {
        anyhow::bail!("{year} 年没有已下达的任务单");
    }
    let site = db::site::load(&db, settings).await?;
    let paper = jiugai_document::Paper {
        specimen: site.specimen(),
    };
    let mut documents = Vec::with_capacity(orders.len());
    for order in &orders {
        let mut doc =
            db::work_orders::document_of(&db, &order.number, Some(order.revision), None).await?;
        doc.url = db::work_orders::page_url(&site.public_base(settings), &order.number);
        documents.push(doc);
    }
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("无法创建文件夹 {}：{e}", out.display()))?;
    let bar = ProgressBar::new(documents.len() as u64).with_style(ProgressStyle::with_template(
        "rendering {bar:40} {pos}/{len} {eta}",
    )?);
    let started = std::time::Instant::now();
    let rendered = tokio::task::block_in_place(|| {
        jiugai_document::render_work_orders_on(&documents, paper, &|| bar.inc(1))
    });
    bar.finish_and_clear();
    let mut bytes = 0;
    for (doc, pdf) in documents.iter().zip(rendered) {
        let pdf = pdf.map_err(|e| anyhow::anyhow!("任务单 {}：{e}", doc.number))?;
        let path = out.join(db::work_orders::file_name(&doc.number, doc.revision));
        std::fs::write(&path, &pdf)
            .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?;
        bytes += pdf.len();
    }
    eprintln!(
        "{} work orders of {year} written to {} ({:.1} MB, rendered in {:.0} ms)",
        documents.len(),
        out.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64() * 1000.0
    );
    if paper.specimen {
        eprintln!(
            "marked 样张: no public address (base_url) is set, so their QR codes lead nowhere"
        );
    }
    Ok(())
}

/// `jiugai render posters`.
pub(super) async fn render_posters(
    settings: &Settings,
    codes: &[String],
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    let codes: Vec<String> = if codes.is_empty() {
        db::compounds::map_points(&db)
            .await?
            .into_iter()
            .map(|p| p.code)
            .collect()
    } else {
        codes.to_vec()
    };
    let site = db::site::load(&db, settings).await?;
    let paper = jiugai_document::Paper {
        specimen: site.specimen(),
    };
    let today = crate::domain::time::beijing_date(chrono::Utc::now());
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("无法创建文件夹 {}：{e}", out.display()))?;
    let mut bytes = 0;
    for code in &codes {
        let doc = db::requests::poster(&db, code, &site.public_base(settings), today)
            .await
            .map_err(|e| anyhow::anyhow!("小区 {code}：{e}"))?;
        let pdf = jiugai_document::render_poster_on(&doc, paper)
            .map_err(|e| anyhow::anyhow!("小区 {code}：{e}"))?;
        let path = out.join(db::requests::poster_file_name(code, &doc.compound));
        std::fs::write(&path, &pdf)
            .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?;
        bytes += pdf.len();
    }
    eprintln!(
        "{} posters written to {} ({:.1} MB)",
        codes.len(),
        out.display(),
        bytes as f64 / 1e6
    );
    if paper.specimen {
        eprintln!(
            "marked 样张: no public address (base_url) is set, so their QR codes lead nowhere"
        );
    }
    Ok(())
}

/// Prints the monthly return's county figures and failing checks; writes the workbook when asked.
pub(super) async fn report_monthly(
    settings: &Settings,
    month: &str,
    xlsx: Option<&std::path::Path>,
    pdf: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let db = prepare(settings).await?;
    // The latest filed version when there is one, else the draft from the records.
    let view = db::filing::month_view(&db, month, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = &view.figures;
    let c = &r.county;
    println!(
        "{} 年 {} 月改造进度月报（自 1 月 1 日起累计，截至 {}）· {}",
        r.year,
        r.month,
        r.as_of,
        view.status()
    );
    println!(
        "计划 {} 个小区 {} 户；已开工 {} 个 {} 户（开工率 {:.1}% / {:.1}%）；已完工 {} 个 {} 户",
        c.planned.compounds,
        c.planned.households,
        c.started.compounds,
        c.started.households,
        c.start_rate_compounds * 100.0,
        c.start_rate_households * 100.0,
        c.completed.compounds,
        c.completed.households
    );
    println!(
        "计划投资 {} 元，完成投资 {} 元；到位资金 {} 元，已支付 {} 元",
        crate::domain::money::yuan(c.investment_planned_fen),
        crate::domain::money::yuan(c.investment_completed_fen),
        crate::domain::money::yuan(r.received_fen),
        crate::domain::money::yuan(r.paid_fen)
    );
    for p in &view.draft.problems {
        println!("核对未通过：{}：{}", p.cell, p.message);
    }
    if !view.unfiled.is_empty() {
        println!(
            "注意：记录已在报送后变化，{} 个单元格与已报送的最新一版不同，需报送更正",
            view.unfiled.len()
        );
    }
    if xlsx.is_none() && pdf.is_none() {
        return Ok(());
    }
    let policy = db::catalog::load_policy(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no policy stored"))?;
    let write = |path: &std::path::Path, bytes: Vec<u8>| -> anyhow::Result<()> {
        std::fs::write(path, bytes)
            .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?;
        println!("已写入 {}", path.display());
        Ok(())
    };
    if let Some(path) = xlsx {
        let bytes = crate::sheets::returns::monthly(r, &policy.county, &policy.authority)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        write(path, bytes)?;
    }
    if let Some(path) = pdf {
        let bytes = crate::sheets::returns_pdf::monthly(
            r,
            &policy.county,
            &policy.authority,
            &view.status(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        write(path, bytes)?;
    }
    Ok(())
}
