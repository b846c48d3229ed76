//! What every handler is given: the database, the settings, the templates and what is kept per instance.

use std::convert::Infallible;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use warp::Filter;

use super::{cache, reply, templates};
use crate::config::Settings;

/// What every handler may use. Nothing here is per-process state that would break a second instance
/// behind the same load balancer: the database holds it all.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Rendered compound lists, checked against the database's revision on every request.
    pub list_cache: Arc<cache::RevisionCache<bytes::Bytes>>,
    /// Who each recently seen session cookie or API token (by digest) belongs to, checked against the
    /// accounts' revision on every request.
    pub credentials: Arc<cache::RevisionCache<crate::db::accounts::Credential>>,
    /// The public holiday calendar that notice periods count working days on.
    pub calendar: Arc<crate::domain::calendar::HolidayCalendar>,
    pub notice_templates: Arc<crate::notice_templates::NoticeTemplates>,
    /// Public notice pages as rendered, checked against the notices' revision (and the minute: they count down).
    pub notice_pages: Arc<cache::RevisionCache<cache::Cached>>,
    /// Every published notice as the public list shows them, kept per notices' revision and minute.
    pub public_notices: Arc<cache::RevisionCache<Arc<cache::PublicNotices>>>,
    /// Pages of the public notice list as rendered, per query.
    pub notice_lists: Arc<cache::RevisionCache<cache::CachedList>>,
    /// Notices' papers (PDF) as rendered: deterministic, so kept per notice and revision.
    pub notice_pdfs: Arc<cache::RevisionCache<(String, reply::Pdf)>>,
    /// How many objections wait for an answer, per notices' revision (the staff navigation shows it).
    pub unanswered: Arc<cache::RevisionCache<u64>>,
    /// The key visitors' CSRF tokens are signed with: the same on every instance (it lives in the database),
    /// read on first need.
    csrf_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> anyhow::Result<Self> {
        Ok(AppState {
            db,
            templates: Arc::new(templates::templates()?),
            list_cache: Arc::default(),
            credentials: Arc::default(),
            calendar: Arc::new(settings.calendar()?),
            notice_templates: Arc::new(crate::notice_templates::NoticeTemplates::new(
                settings.notice_templates.clone(),
            )),
            notice_pages: Arc::default(),
            public_notices: Arc::default(),
            notice_lists: Arc::default(),
            notice_pdfs: Arc::default(),
            unanswered: Arc::default(),
            csrf_key: Arc::default(),
            settings: Arc::new(settings),
        })
    }

    /// The key visitors' CSRF tokens are signed with.
    pub async fn csrf_key(&self) -> crate::error::Result<&[u8]> {
        self.csrf_key
            .get_or_try_init(|| crate::db::accounts::service_secret(&self.db, "csrf"))
            .await
            .map(Vec::as_slice)
    }
}

pub fn with_state(
    state: &AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone + use<> {
    let state = state.clone();
    warp::any().map(move || state.clone())
}
