//! Typed configuration: defaults, then an optional TOML file, then `JIUGAI_*` environment variables
//! (and `DATABASE_URL`). The defaults run the whole product on one machine with SQLite.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Where the service listens (`JIUGAI_ADDR`).
    pub addr: SocketAddr,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL` or `JIUGAI_DATABASE_URL`).
    pub database_url: String,
    /// Public address of the service, used in links printed on paper (`JIUGAI_BASE_URL`).
    pub base_url: Option<String>,
    /// Largest request body accepted, in bytes (`JIUGAI_MAX_BODY_BYTES`).
    pub max_body_bytes: u64,
    /// Mark cookies `Secure` (`JIUGAI_COOKIE_SECURE`). Browsers send such cookies over HTTPS and to
    /// `localhost`/`127.0.0.1` only: turn this off solely for a plain-HTTP trial on a local network.
    pub cookie_secure: bool,
    /// Take the client's address from `X-Forwarded-For` (`JIUGAI_TRUST_FORWARDED_FOR`). Only behind reverse
    /// proxies that append to it: otherwise clients could pick their own address and dodge the per-address
    /// limits.
    pub trust_forwarded_for: bool,
    /// How many reverse proxies in front of the service each append an entry to `X-Forwarded-For`
    /// (`JIUGAI_TRUSTED_PROXIES`): the client is that many entries from the right.
    pub trusted_proxies: u32,
    /// Seconds a client has to send a request's headers; an idle keep-alive connection is closed after as long
    /// (`JIUGAI_HEADER_TIMEOUT_SECS`).
    pub header_timeout_secs: u64,
    /// Seconds a request may take to arrive and be answered, body included (`JIUGAI_REQUEST_TIMEOUT_SECS`).
    pub request_timeout_secs: u64,
    /// Connections held at once; more wait in the kernel's queue (`JIUGAI_MAX_CONNECTIONS`). Keep it below the
    /// process's file limit (`ulimit -n`), with room for the database connections.
    pub max_connections: usize,
    /// Connections held at once from one address, when clients connect directly (not behind a proxy)
    /// (`JIUGAI_MAX_CONNECTIONS_PER_ADDRESS`).
    pub max_connections_per_address: usize,
    /// The bureau's notice templates (`JIUGAI_NOTICE_TEMPLATES`), read each time a notice is drafted; a kind
    /// whose file is missing there uses the built-in wording.
    pub notice_templates: Option<PathBuf>,
    /// Extra holiday calendars (`JIUGAI_HOLIDAYS`): one `YEAR.toml` per year, as in `fixtures/holidays/`; they
    /// add years to the built-in ones or replace them. Read at start.
    pub holidays: Option<PathBuf>,
    /// Load the synthetic demo data set (Renshou) into an empty database (`JIUGAI_DEMO_DATA`; also
    /// `serve --demo-data`, and `serve --demo`). Off: a first start loads the county's own files.
    pub demo_data: bool,
    /// The county's own files, as `jiugai init` writes them (`JIUGAI_DATA_DIR`): `policy.toml` and
    /// `work_items.toml` are loaded into an empty database, and `holidays/` adds to the holiday calendars.
    pub data_dir: Option<PathBuf>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/jiugai.db?mode=rwc";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            base_url: None,
            max_body_bytes: 2 * 1024 * 1024,
            cookie_secure: true,
            trust_forwarded_for: false,
            trusted_proxies: 1,
            header_timeout_secs: 10,
            request_timeout_secs: 60,
            max_connections: 768,
            max_connections_per_address: 64,
            notice_templates: Some(PathBuf::from("templates/notices")),
            holidays: Some(PathBuf::from("fixtures/holidays")),
            demo_data: false,
            data_dir: None,
        }
    }
}

impl Settings {
    /// Reads the settings. `file` defaults to `jiugai.toml` in the working folder, if present.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let file = file.unwrap_or(Path::new("jiugai.toml"));
        let settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("JIUGAI_"))
            .extract()?;
        Ok(settings)
    }

    /// Where people reach the service, for links printed or sent to them: `base_url`, or else the
    /// listening address.
    pub fn public_base(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// The holiday calendar: the built-in years, then the files in `holidays` (if the folder exists), then
    /// those in the county's `data_dir/holidays`.
    pub fn calendar(&self) -> anyhow::Result<crate::domain::calendar::HolidayCalendar> {
        use crate::domain::calendar::HolidayCalendar;
        let mut calendar = HolidayCalendar::built_in();
        let county = self.data_dir.as_ref().map(|d| d.join("holidays"));
        for dir in [self.holidays.as_deref(), county.as_deref()]
            .into_iter()
            .flatten()
            .filter(|d| d.is_dir())
        {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(dir)? {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    files.push((path.display().to_string(), text));
                }
            }
            files.sort();
            let pairs: Vec<(&str, &str)> = files
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let extra = HolidayCalendar::parse(&pairs).map_err(anyhow::Error::msg)?;
            calendar = calendar.with(extra);
        }
        Ok(calendar)
    }

    /// The database URL with any password masked, for logs.
    pub fn database_url_for_display(&self) -> String {
        match (self.database_url.find("://"), self.database_url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &self.database_url[scheme + 3..at];
                let user = userinfo.split(':').next().unwrap_or_default();
                format!(
                    "{}{user}:***{}",
                    &self.database_url[..scheme + 3],
                    &self.database_url[at..]
                )
            }
            _ => self.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_for_display() {
        let s = Settings {
            database_url: "postgres://jiugai:s3cret@db:5432/jiugai".into(),
            ..Settings::default()
        };
        assert_eq!(
            s.database_url_for_display(),
            "postgres://jiugai:***@db:5432/jiugai"
        );
        assert_eq!(
            Settings::default().database_url_for_display(),
            DEFAULT_DATABASE_URL
        );
    }
}
