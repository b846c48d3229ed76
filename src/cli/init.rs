//! `jiugai init DIR`: the county's own editable files, from the built-in templates, for a first start without
//! the demo data.

use std::path::{Path, PathBuf};

use crate::db::seed::{self, TemplateIdentity};

/// The newest built-in holiday year, written as the example of a year file.
const HOLIDAY_EXAMPLE: (&str, &str) = (
    "2026.toml",
    include_str!("../../fixtures/holidays/2026.toml"),
);

/// The settings file written beside the county's files.
const SETTINGS_FILE: &str = "jiugai.toml";

/// Writes `policy.toml`, `work_items.toml`, `holidays/2026.toml` and `jiugai.toml` into `dir` (made if missing).
/// Refuses, writing nothing, if any of them exists.
pub(super) fn init(dir: &Path, identity: &TemplateIdentity) -> anyhow::Result<()> {
    if let Some(code) = &identity.code_prefix
        && !(2..=4).contains(&code.len())
    {
        anyhow::bail!("--code-prefix 须为 2–4 个大写字母，如 MM");
    }
    if let Some(code) = &identity.code_prefix
        && !code.bytes().all(|b| b.is_ascii_uppercase())
    {
        anyhow::bail!("--code-prefix 须为 2–4 个大写字母，如 MM");
    }
    if let Some(code) = &identity.county_code
        && (code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        anyhow::bail!("--county-code 须为 6 位行政区划代码，如 511421");
    }
    std::fs::create_dir_all(dir.join("holidays"))
        .map_err(|e| anyhow::anyhow!("无法创建文件夹 {}：{e}", dir.display()))?;
    let absolute = std::fs::canonicalize(dir)?;
    let files: Vec<(PathBuf, String)> = vec![
        (dir.join("policy.toml"), seed::policy_template(identity)),
        (dir.join("work_items.toml"), seed::catalog_template()),
        (
            dir.join("holidays").join(HOLIDAY_EXAMPLE.0),
            HOLIDAY_EXAMPLE.1.to_owned(),
        ),
        (dir.join(SETTINGS_FILE), settings_file(&absolute)),
    ];
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        anyhow::bail!(
            "已存在，未写入任何文件（不会覆盖已有文件）：{}",
            existing.join("、")
        );
    }
    for (path, text) in &files {
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("无法写入 {}：{e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    let placeholders = seed::policy_template(identity).matches("待填写").count();
    println!();
    if placeholders > 0 {
        println!(
            "  {} lines of policy.toml are marked 待填写 (placeholders): edit them, or set the county's identity",
            placeholders
        );
        println!("  on the first-start page (/setup) after the first start.");
    }
    println!(
        "  work_items.toml holds the built-in catalog with synthetic unit costs: use the county's price list."
    );
    println!(
        "  holidays/: one YEAR.toml per State Council holiday notice (2021–2026 are built in)."
    );
    println!();
    println!("  Start the service on these files (an empty database loads them, no demo data):");
    println!("    cd {} && jiugai serve", absolute.display());
    println!(
        "  or from anywhere: JIUGAI_DATA_DIR={} jiugai serve",
        absolute.display()
    );
    println!("  then import the county's compounds: jiugai import compounds FILE.geojson");
    Ok(())
}

/// The service's settings for this county: its files, its own database beside them.
fn settings_file(dir: &Path) -> String {
    let dir = dir.display().to_string();
    let quoted = toml::Value::String(dir.clone()).to_string();
    let database =
        toml::Value::String(format!("sqlite://{dir}/data/jiugai.db?mode=rwc")).to_string();
    format!(
        "# Settings of the service for this county (written by `jiugai init`); every key can also be set by an\n\
         # environment variable JIUGAI_<KEY>.\n\
         data_dir = {quoted}\n\
         database_url = {database}\n\
         # The address people reach the service at, printed on paper as links and QR codes. Until it is set (here or\n\
         # on the first-start page) every PDF is marked 样张.\n\
         # base_url = \"https://jiugai.example.gov.cn\"\n"
    )
}
