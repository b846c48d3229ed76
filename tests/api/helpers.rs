use std::io::Write;
use std::net::SocketAddr;
use std::sync::Once;

use jiugai::config::Settings;
use jiugai::db::{self, seed};
use jiugai::web;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

/// A server on port 0 with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

static ANNOUNCE: Once = Once::new();

/// A fresh database for one test: a SQLite file in a temporary folder, or a new PostgreSQL database.
async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("JIUGAI_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(base) => {
            let name = format!("jiugai_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&base)
                .await
                .expect("PostgreSQL at JIUGAI_TEST_POSTGRES_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            ANNOUNCE.call_once(|| loud("running the API suite on PostgreSQL"));
            replace_database(&base, &name)
        }
        None => {
            ANNOUNCE.call_once(|| {
                loud("PostgreSQL suite SKIPPED: set JIUGAI_TEST_POSTGRES_URL (e.g. postgres://postgres:postgres@127.0.0.1/postgres) to run the API tests on PostgreSQL too; .ci/run does")
            });
            format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display())
        }
    }
}

/// Written straight to the terminal: the test harness captures `eprintln!`, not this.
fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    format!("{prefix}/{name}{query}")
}

pub async fn spawn_app() -> TestApp {
    spawn_with(&seed::RENSHOU).await
}

/// An app whose database has the catalog and policy but no compounds.
pub async fn spawn_empty_app() -> TestApp {
    spawn_with(&seed::DataSet {
        compounds: None,
        ..seed::RENSHOU
    })
    .await
}

async fn spawn_with(data: &seed::DataSet<'_>) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(&dir).await;
    let db = db::connect(&database_url).await.expect("connect");
    db::migrate(&db).await.expect("migrate");
    seed::seed_if_empty(&db, data).await.expect("seed");
    let settings = Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone(),
        max_body_bytes: 256 * 1024,
        ..Settings::default()
    };
    let (listener, addr) = web::bind(settings.addr).await.expect("bind");
    let state = web::AppState::new(db.clone(), settings).expect("state");
    tokio::spawn(web::serve(state, listener));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        database_url,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        let r = request.send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The whole catalog as exported: what "the database is exactly as it was" is checked against.
    pub async fn snapshot(&self) -> String {
        let r = self
            .get("/api/compounds.geojson?include_archived=true")
            .await;
        assert_eq!(r.status(), 200);
        r.text().await.expect("export body")
    }

    /// Runs the `jiugai` binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_jiugai"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run jiugai")
    }
}

/// A valid new compound, as an API body.
pub fn new_compound(code: &str) -> Value {
    serde_json::json!({
        "code": code, "name": "测试小区", "town_code": "511421001", "town": "文林街道",
        "community": "文林社区", "address": "仁寿县文林街道测试路 1 号", "year_built": 1992, "buildings": 3,
        "households": 96, "floor_area_m2": 7800.0, "storeys": 5, "has_lifts": false,
        "property_management": "self", "origin": "housing_reform", "status": "surveyed",
        "scope": [{"item": "B01"}, {"item": "B04"}, {"item": "I08"}],
        // Far from the generated compounds, so it overlaps none of them.
        "geometry": {"type": "Polygon", "coordinates": [[[104.30, 30.30], [104.301, 30.30], [104.301, 30.3008], [104.30, 30.3008], [104.30, 30.30]]]}
    })
}
