//! What the service knows about its own deployment, kept in the database (the `settings` table) so that every
//! instance agrees: whether the demo data set was loaded, the public address set on the first-start page, and
//! whether that page was completed. The county's identity itself lives in the policy.

use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::catalog;
use super::entities::settings;
use crate::config::Settings;
use crate::domain::FieldErrors;
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

/// `true` when the first start loaded the synthetic demo data set (Renshou).
pub const DEMO_DATA_KEY: &str = "site:demo_data";
/// The public address typed on the first-start page (the settings' `base_url` wins when set).
pub const BASE_URL_KEY: &str = "site:base_url";
/// When the first-start page was completed (RFC 3339).
pub const SETUP_DONE_KEY: &str = "site:setup_done";
/// Where `db::catalog` keeps the policy.
const POLICY_KEY: &str = "policy";

/// The county code a policy template carries until the county's own is entered.
pub const PLACEHOLDER_COUNTY_CODE: &str = "000000";
/// The template's other placeholders: the county's name, the issuing bureau, the code prefix.
pub const PLACEHOLDER_COUNTY: &str = "待填写县名";
pub const PLACEHOLDER_AUTHORITY: &str = "待填写住房和城乡建设局";
pub const PLACEHOLDER_CODE_PREFIX: &str = "XX";

/// What every signed-in page is told about the deployment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Site {
    /// The synthetic demo data set is loaded: pages say so.
    pub demo_data: bool,
    /// The public address links and QR codes use, when one is set (settings or first-start page).
    pub base_url: Option<String>,
    /// The county's name, from the policy.
    pub county: Option<String>,
    /// The prefix of the county's compound codes (`MM` for `MM-0001`), from the policy.
    pub code_prefix: Option<String>,
    /// The county's identity is still the template's placeholder.
    pub placeholder: bool,
    /// The first-start page was completed.
    pub setup_done: bool,
}

impl Site {
    /// The address people reach the service at: the set one, or the listening address (only good on this
    /// machine: paper made with it is a specimen).
    pub fn public_base(&self, settings: &Settings) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => settings.public_base(),
        }
    }

    /// Paper made now is a specimen (样张): its QR codes point at no address people can reach.
    pub fn specimen(&self) -> bool {
        self.base_url.is_none()
    }
}

/// The deployment as the database and `settings` describe it.
pub async fn load(db: &impl ConnectionTrait, settings: &Settings) -> Result<Site> {
    let rows = settings::Entity::find()
        .filter(settings::Column::Key.is_in([
            DEMO_DATA_KEY,
            BASE_URL_KEY,
            SETUP_DONE_KEY,
            POLICY_KEY,
        ]))
        .all(db)
        .await?;
    let mut site = Site::default();
    let mut stored_base = None;
    for row in rows {
        match row.key.as_str() {
            DEMO_DATA_KEY => site.demo_data = row.value == "true",
            BASE_URL_KEY => stored_base = Some(row.value).filter(|v| !v.trim().is_empty()),
            SETUP_DONE_KEY => site.setup_done = true,
            POLICY_KEY => {
                if let Ok(policy) = serde_json::from_str::<Policy>(&row.value) {
                    site.placeholder = is_placeholder(&policy);
                    site.county = Some(policy.county);
                    site.code_prefix = Some(policy.code_prefix);
                }
            }
            _ => {}
        }
    }
    site.base_url = settings
        .base_url
        .clone()
        .filter(|v| !v.trim().is_empty())
        .or(stored_base);
    Ok(site)
}

/// The policy's identity is the template's, not yet the county's.
pub fn is_placeholder(policy: &Policy) -> bool {
    policy.county_code == PLACEHOLDER_COUNTY_CODE
}

async fn put(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<()> {
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(settings::Column::Key)
            .update_column(settings::Column::Value)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records that the demo data set was loaded (call in the loading's transaction or right after it).
pub async fn mark_demo_data(db: &impl ConnectionTrait) -> Result<()> {
    put(db, DEMO_DATA_KEY, "true").await
}

/// What the first-start page sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Identity {
    pub county: String,
    pub county_code: String,
    pub authority: String,
    pub code_prefix: String,
    pub number_prefix: String,
    pub phone: String,
    pub base_url: String,
}

impl Identity {
    /// The identity as typed, checked: every message is Chinese and keyed by its field.
    pub fn parse(mut self) -> Result<Identity> {
        let mut errors = FieldErrors::default();
        for value in [
            &mut self.county,
            &mut self.county_code,
            &mut self.authority,
            &mut self.code_prefix,
            &mut self.number_prefix,
            &mut self.phone,
            &mut self.base_url,
        ] {
            *value = value.trim().to_owned();
        }
        let name_ok = |v: &str, max: usize| {
            let n = v.chars().count();
            (2..=max).contains(&n) && !v.chars().any(char::is_control)
        };
        if !name_ok(&self.county, 20) {
            errors.add("county", "请填写县（市、区）名称，2–20 个字，如 某某县");
        }
        if self.county_code.len() != 6
            || !self.county_code.bytes().all(|b| b.is_ascii_digit())
            || self.county_code == PLACEHOLDER_COUNTY_CODE
        {
            errors.add(
                "county_code",
                "须为 6 位行政区划代码（GB/T 2260），如 511421",
            );
        }
        if !name_ok(&self.authority, 40) {
            errors.add(
                "authority",
                "请填写发文机关全称，2–40 个字，如 某某县住房和城乡建设局",
            );
        }
        self.code_prefix = self.code_prefix.to_ascii_uppercase();
        if !(2..=4).contains(&self.code_prefix.len())
            || !self.code_prefix.bytes().all(|b| b.is_ascii_uppercase())
        {
            errors.add(
                "code_prefix",
                "须为 2–4 个大写字母，如 MM（小区编号 MM-0001）",
            );
        }
        if !self.number_prefix.is_empty() && !name_ok(&self.number_prefix, 10) {
            errors.add(
                "number_prefix",
                "须为 2–10 个字，如 某住建公；不填则按编号前缀编号",
            );
        }
        if !self.phone.is_empty() {
            match crate::domain::phone::Phone::parse(&self.phone) {
                Ok(phone) => self.phone = phone.as_str().to_owned(),
                Err(message) => errors.add("phone", message),
            }
        }
        if !self.base_url.is_empty() {
            self.base_url = self.base_url.trim_end_matches('/').to_owned();
            let rest = self
                .base_url
                .strip_prefix("https://")
                .or_else(|| self.base_url.strip_prefix("http://"));
            let ok = rest.is_some_and(|rest| {
                let host = rest.split('/').next().unwrap_or_default();
                !host.is_empty()
                    && !host.starts_with(':')
                    && rest.is_ascii()
                    && !rest.chars().any(|c| {
                        c.is_whitespace() || matches!(c, '?' | '#' | '@' | '\\' | '"' | '<' | '>')
                    })
            });
            if !ok {
                errors.add(
                    "base_url",
                    "网址格式不对：请填写在浏览器地址栏中打开本系统时的完整地址（含开头的协议部分）",
                );
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(Error::Invalid(errors))
        }
    }

    /// The identity without the template's placeholders (blank where one is), to fill a form with.
    pub fn without_placeholders(mut self) -> Identity {
        for (value, placeholder) in [
            (&mut self.county, PLACEHOLDER_COUNTY),
            (&mut self.county_code, PLACEHOLDER_COUNTY_CODE),
            (&mut self.authority, PLACEHOLDER_AUTHORITY),
            (&mut self.code_prefix, PLACEHOLDER_CODE_PREFIX),
        ] {
            if value == placeholder {
                value.clear();
            }
        }
        self
    }

    /// The identity the policy holds now (the base URL from the database, if one was stored).
    pub fn of(policy: &Policy, base_url: Option<&str>) -> Identity {
        Identity {
            county: policy.county.clone(),
            county_code: policy.county_code.clone(),
            authority: policy.authority.clone(),
            code_prefix: policy.code_prefix.clone(),
            number_prefix: policy.notices.number_prefix.clone(),
            phone: policy.notices.phone.clone(),
            base_url: base_url.unwrap_or_default().to_owned(),
        }
    }
}

/// The first-start page's write: the county's identity into the policy, the base URL into the settings, once.
/// Audited as one change (`setup` of `county`).
pub async fn complete_setup(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    identity: &Identity,
) -> Result<()> {
    let txn = super::begin_write(db).await?;
    let done = settings::Entity::find_by_id(SETUP_DONE_KEY.to_owned())
        .one(&txn)
        .await?;
    if done.is_some() {
        return Err(Error::Conflict {
            field: None,
            message: "首次设置已完成，不能再次提交。如需更改，请到“设置”页修改政策参数；服务地址在服务配置中修改。"
                .into(),
        });
    }
    let mut policy = catalog::load_policy(&txn)
        .await
        .map_err(Error::Internal)?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no policy to set up")))?;
    let stored_base = settings::Entity::find_by_id(BASE_URL_KEY.to_owned())
        .one(&txn)
        .await?
        .map(|r| r.value);
    let before = Identity::of(&policy, stored_base.as_deref());
    policy.county = identity.county.clone();
    policy.county_code = identity.county_code.clone();
    policy.authority = identity.authority.clone();
    policy.code_prefix = identity.code_prefix.clone();
    policy.notices.number_prefix = identity.number_prefix.clone();
    policy.notices.phone = identity.phone.clone();
    if policy.work_orders.phone.trim().is_empty() {
        // The template leaves the work orders' phone empty too: the bureau's one number serves both.
        policy.work_orders.phone = identity.phone.clone();
    }
    catalog::save_policy(&txn, &policy)
        .await
        .map_err(Error::Internal)?;
    if !identity.base_url.is_empty() {
        put(&txn, BASE_URL_KEY, &identity.base_url).await?;
    }
    put(&txn, SETUP_DONE_KEY, &chrono::Utc::now().to_rfc3339()).await?;
    let after = Identity::of(
        &policy,
        Some(identity.base_url.as_str())
            .filter(|b| !b.is_empty())
            .or(stored_base.as_deref()),
    );
    audit::record_one(
        &txn,
        actor,
        Change::new("setup", "county", identity.county_code.clone())
            .before(before)
            .after(after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
