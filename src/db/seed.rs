//! First start: an empty database gets the county's catalog, policy and compounds, and the annual batches the
//! policy says were decided.
//!
//! The Renshou data set is compiled into the binary, so a fresh machine needs nothing else to try the product; it
//! is synthetic demo data and loaded only when asked (`serve --demo-data`). Otherwise a first start loads the
//! county's own files (`jiugai init`), or the templates with the county's identity left to the first-start page.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::audit::Actor;
use super::contractors::{self, ContractorRecord};
use super::entities::work_classes;
use super::{batches, catalog, import};
use crate::domain::batch::{Horizon, YearLimits};
use crate::domain::catalog::Catalog;
use crate::domain::geometry::Crs;
use crate::domain::policy::Policy;

pub const RENSHOU_CATALOG: &str = include_str!("../../fixtures/renshou/work_items.toml");
pub const RENSHOU_POLICY: &str = include_str!("../../fixtures/renshou/policy.toml");
pub const RENSHOU_COMPOUNDS: &str = include_str!("../../fixtures/renshou/compounds.geojson");
pub const RENSHOU_CONTRACTORS: &str = include_str!("../../fixtures/renshou/contractors.toml");

/// What a first start loads.
pub struct DataSet<'a> {
    pub catalog: &'a str,
    pub policy: &'a str,
    /// A GeoJSON FeatureCollection, or `None` for an empty catalog.
    pub compounds: Option<&'a str>,
    /// The contractors (`[[contractors]]` in TOML) that the decided batches' projects are given to, with their
    /// work orders issued; `None` leaves the projects unassigned.
    pub contractors: Option<&'a str>,
    /// The synthetic demo set: the database records that it was loaded, and pages say so.
    pub demo: bool,
}

pub const RENSHOU: DataSet<'static> = DataSet {
    catalog: RENSHOU_CATALOG,
    policy: RENSHOU_POLICY,
    compounds: Some(RENSHOU_COMPOUNDS),
    contractors: Some(RENSHOU_CONTRACTORS),
    demo: true,
};

/// The identity a policy template is written with; `None` fields stay clearly marked placeholders.
#[derive(Debug, Clone, Default)]
pub struct TemplateIdentity {
    pub county: Option<String>,
    pub county_code: Option<String>,
    pub authority: Option<String>,
    pub code_prefix: Option<String>,
    pub number_prefix: Option<String>,
    pub phone: Option<String>,
    pub contact: Option<String>,
}

/// What a placeholder line says beside itself.
const TODO: &str = "  # ← 待填写";

/// The policy file a new county starts from: Renshou's rules (national policy, editable), with the county's
/// identity from `identity` or marked placeholders, no decided batches, no contacts of Renshou's.
pub fn policy_template(identity: &TemplateIdentity) -> String {
    let line = |key: &str, value: &Option<String>, placeholder: &str, what: &str| match value {
        Some(v) => format!("{key} = {}", toml_string(v)),
        None => format!("{key} = {}{TODO}：{what}", toml_string(placeholder)),
    };
    let mut out = String::from(
        "# Renovation policy (政策参数) of the county: every number here is a setting, not a law of nature.\n\
         # Written by `jiugai init` from the built-in template; edit it before the first start (or set the\n\
         # county's identity on the first-start page, /setup). Lines marked 待填写 are placeholders.\n",
    );
    let mut section = String::new();
    let mut skip = false;
    for raw in RENSHOU_POLICY.lines().skip_while(|l| l.starts_with('#')) {
        let trimmed = raw.trim_start();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
            // Renshou's decided batches are Renshou's: a new county decides its own, and expects its own funding.
            skip = section.starts_with("[batches.") || section == "[planning.source_limits_yuan]";
            if skip {
                continue;
            }
        }
        if skip {
            continue;
        }
        let key = trimmed.split('=').next().unwrap_or_default().trim();
        let replaced = match (section.as_str(), key) {
            ("", "county") => Some(line(
                "county",
                &identity.county,
                crate::db::site::PLACEHOLDER_COUNTY,
                "本县名称，如 某某县",
            )),
            ("", "county_code") => Some(line(
                "county_code",
                &identity.county_code,
                crate::db::site::PLACEHOLDER_COUNTY_CODE,
                "6 位行政区划代码",
            )),
            ("", "authority") => Some(line(
                "authority",
                &identity.authority,
                crate::db::site::PLACEHOLDER_AUTHORITY,
                "发文机关全称",
            )),
            ("", "code_prefix") => Some(line(
                "code_prefix",
                &identity.code_prefix,
                crate::db::site::PLACEHOLDER_CODE_PREFIX,
                "小区编号前缀，2–4 个大写字母",
            )),
            ("[work_orders]", "contact") => Some(match &identity.contact {
                Some(v) => format!("contact = {}", toml_string(v)),
                None => format!("contact = \"\"{TODO}：任务单上的住建局联系人（签发任务单前必填）"),
            }),
            ("[work_orders]", "phone") => Some(match &identity.phone {
                Some(v) => format!("phone = {}", toml_string(v)),
                None => format!("phone = \"\"{TODO}：联系电话（签发任务单前必填）"),
            }),
            ("[notices]", "number_prefix") => Some(match &identity.number_prefix {
                Some(v) => format!("number_prefix = {}", toml_string(v)),
                None => format!(
                    "number_prefix = \"\"{TODO}：公示文号前缀，如 某住建公；空则按编号前缀编号"
                ),
            }),
            ("[notices]", "phone") => Some(match &identity.phone {
                Some(v) => format!("phone = {}", toml_string(v)),
                None => format!("phone = \"\"{TODO}：居民咨询电话；空则用任务单电话"),
            }),
            _ => None,
        };
        match replaced {
            Some(text) => out.push_str(&text),
            None if trimmed.starts_with('#') => out.push_str(&neutral_comment(raw)),
            None => out.push_str(raw),
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Renshou's comments, without what only holds for Renshou.
fn neutral_comment(line: &str) -> String {
    line.replace("仁住建公〔2021〕12号", "某住建公〔2021〕12号")
        .replace(
            "(fictional contact; the clauses follow the national rules)",
            "(the clauses follow the national rules)",
        )
}

/// The work-item catalog a new county starts from: the national classes and Renshou's items and unit costs
/// (synthetic: replace them with the county's own price list).
pub fn catalog_template() -> String {
    let body: String = RENSHOU_CATALOG
        .lines()
        .skip_while(|l| l.starts_with('#') && l.contains("Renshou"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "# Work-item catalog (改造内容清单) of the county, written by `jiugai init` from the built-in template.\n\
         # 待填写: the unit costs below are synthetic; replace them with the county's own price list.\n{body}"
    )
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// The data set a first start loads when not asked for the demo and given no county files: the templates,
/// the county's identity left to the first-start page.
pub fn starter() -> (String, String) {
    (
        policy_template(&TemplateIdentity::default()),
        catalog_template(),
    )
}

/// Loads `data` if the database has no catalog yet. Returns whether it did.
pub async fn seed_if_empty(db: &DatabaseConnection, data: &DataSet<'_>) -> anyhow::Result<bool> {
    if work_classes::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let catalog = Catalog::from_toml(data.catalog).map_err(anyhow::Error::msg)?;
    let policy = Policy::from_toml(data.policy).map_err(anyhow::Error::msg)?;
    policy
        .check_against(&catalog)
        .map_err(|errors| anyhow::anyhow!("policy: {errors}"))?;
    let txn = super::begin_write(db).await?;
    catalog::insert(&txn, &catalog).await?;
    catalog::save_policy(&txn, &policy).await?;
    if let Some(compounds) = data.compounds {
        let records = import::parse_collection(compounds.as_bytes(), Crs::Wgs84, &catalog)
            .map_err(|errors| {
                let lines: Vec<String> = errors.iter().take(10).map(ToString::to_string).collect();
                anyhow::anyhow!(
                    "the built-in data set does not import:\n{}",
                    lines.join("\n")
                )
            })?;
        import::write(&txn, &Actor::system(), &records, |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if data.demo {
        super::site::mark_demo_data(&txn).await?;
    }
    txn.commit().await?;
    if data.demo && data.compounds.is_some() {
        super::seed_lifts::record_votes(db).await?;
    }
    let now = chrono::Utc::now();
    let mut coming = None;
    if let Some(compounds) = data.compounds {
        super::seed_requests::collect(db, compounds, now).await?;
        approve_decided_batches(db, &policy).await?;
        coming = approve_coming_batch(db, &policy, now).await?;
    }
    if let Some(text) = data.contractors {
        let firms = load_contractors(db, text).await?;
        if data.compounds.is_some() {
            super::seed_work::contract_decided_batches(db, &policy, &firms).await?;
            super::seed_money::record_decided_batches(db, &policy, now).await?;
            super::seed_returns::file_decided_batches(db, &policy, now).await?;
            super::seed_notices::publish_decided_batches(
                db,
                &policy,
                &crate::domain::calendar::HolidayCalendar::built_in(),
                now,
                coming,
            )
            .await?;
        }
    }
    Ok(true)
}

/// The data set's contractors, in the file's order.
async fn load_contractors(db: &DatabaseConnection, text: &str) -> anyhow::Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct File {
        contractors: Vec<super::contractors::ContractorInput>,
    }
    let file: File = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("the data set's contractors do not read: {e}"))?;
    let txn = super::begin_write(db).await?;
    let mut codes = Vec::with_capacity(file.contractors.len());
    for (i, firm) in file.contractors.iter().enumerate() {
        let record = ContractorRecord::parse(firm, None)
            .map_err(|e| anyhow::anyhow!("contractor {} of the data set: {e}", i + 1))?;
        codes.push(
            contractors::insert(&txn, &Actor::system(), &record)
                .await?
                .code,
        );
    }
    txn.commit().await?;
    Ok(codes)
}

/// The batches the policy file says were decided (`[batches.2021]` for Renshou) are planned on the data set
/// with their budget and cap, and approved: a first start shows the seed year's batch.
async fn approve_decided_batches(db: &DatabaseConnection, policy: &Policy) -> anyhow::Result<()> {
    for (year, decided) in &policy.batches {
        let year: i32 = year
            .parse()
            .map_err(|_| anyhow::anyhow!("policy: batches.{year} is not a year"))?;
        let mut horizon = one_year(year, decided.budget_yuan, decided.max_compounds);
        horizon.years[0].source_limits_yuan = decided.source_limits_yuan.clone();
        horizon.pins = decided
            .compounds
            .iter()
            .map(|c| (c.clone(), year))
            .collect();
        batches::approve(db, &Actor::system(), &horizon, year, None)
            .await
            .map_err(|e| anyhow::anyhow!("approving the {year} batch: {e}"))?;
    }
    Ok(())
}

/// The demo's coming year: next year (in Beijing) has a small approved batch whose plan notices are out now, so
/// a newcomer can try the objection form on a notice whose period is running and whose text names that year.
/// Not for a data set without decided batches, nor when next year's batch is itself among the decided ones.
async fn approve_coming_batch(
    db: &DatabaseConnection,
    policy: &Policy,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Option<i32>> {
    /// Six compounds, a fraction of a real year: the rest of the reserve stays for the planner to try.
    const COMPOUNDS: u32 = 6;
    const BUDGET_YUAN: u64 = 20_000_000;
    use chrono::Datelike;
    let year = crate::domain::time::beijing_date(now).year() + 1;
    let decided: Vec<i32> = policy
        .batches
        .keys()
        .filter_map(|y| y.parse().ok())
        .collect();
    if decided.is_empty() || decided.iter().any(|&y| y >= year) {
        return Ok(None);
    }
    let horizon = one_year(year, BUDGET_YUAN, Some(COMPOUNDS));
    batches::approve(db, &Actor::system(), &horizon, year, None)
        .await
        .map_err(|e| anyhow::anyhow!("approving the demo's {year} batch: {e}"))?;
    Ok(Some(year))
}

/// A horizon of one year with its budget and compound cap, district projects kept together.
fn one_year(year: i32, budget_yuan: u64, max_compounds: Option<u32>) -> Horizon {
    Horizon {
        years: vec![YearLimits {
            year,
            budget_yuan,
            max_compounds,
            max_households: None,
            source_limits_yuan: Default::default(),
        }],
        discount: None,
        pins: Default::default(),
        exclusions: Default::default(),
        bundles: true,
        overrides: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_load_and_keep_nothing_of_renshou() {
        let (policy, catalog) = starter();
        let parsed = Policy::from_toml(&policy).expect("the policy template loads");
        assert!(crate::db::site::is_placeholder(&parsed));
        assert!(parsed.batches.is_empty(), "no decided batches");
        assert!(parsed.work_orders.contact.is_empty() && parsed.notices.phone.is_empty());
        Catalog::from_toml(&catalog).expect("the catalog template loads");
        for text in [&policy, &catalog] {
            for word in ["仁寿", "仁住建", "Renshou", "RS-", "028-"] {
                assert!(!text.contains(word), "{word} in\n{text}");
            }
        }
        assert!(policy.matches("待填写").count() >= 8, "{policy}");
    }

    #[test]
    fn a_county_s_identity_goes_into_its_template() {
        let identity = TemplateIdentity {
            county: Some("某某县".into()),
            county_code: Some("450399".into()),
            authority: Some("某某县住房和城乡建设局".into()),
            code_prefix: Some("MM".into()),
            number_prefix: Some("某住建公".into()),
            phone: Some("0773-2812345".into()),
            contact: Some("改造专班 李华".into()),
        };
        let policy = Policy::from_toml(&policy_template(&identity)).expect("loads");
        assert_eq!(policy.county, "某某县");
        assert_eq!(policy.code_prefix, "MM");
        assert_eq!(policy.notice_number(2026, 1), "某住建公〔2026〕1号");
        assert_eq!(policy.work_orders.phone, "0773-2812345");
        assert!(!crate::db::site::is_placeholder(&policy));
    }
}
