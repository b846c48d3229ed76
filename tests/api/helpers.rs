use std::io::Write;
use std::net::SocketAddr;
use std::sync::Once;

use jiugai::config::Settings;
use jiugai::db::audit::Actor;
use jiugai::db::contractors::{self, ContractorRecord};
use jiugai::db::{self, accounts, seed};
use jiugai::domain::account::{NewPassword, Role};
use jiugai::web;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

/// A server on port 0 with its own database, and an account of every role.
pub struct TestApp {
    pub addr: SocketAddr,
    /// What the server was started with (`addr` is the bound one).
    pub settings: Settings,
    /// Sends the planner's API token with every request: what most tests need.
    pub client: reqwest::Client,
    pub database_url: String,
    pub db: sea_orm::DatabaseConnection,
    /// API tokens: admin, planner, and contractors of two different organisations.
    pub tokens: Tokens,
    _dir: tempfile::TempDir,
}

pub struct Tokens {
    pub admin: String,
    pub planner: String,
    pub contractor: String,
    pub other_contractor: String,
}

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";
/// The test accounts: username, role, organisation.
pub const ACCOUNTS: [(&str, Role, Option<&str>); 4] = [
    ("admin1", Role::Admin, None),
    ("planner1", Role::Planner, None),
    ("contractor1", Role::Contractor, Some("C-ONE")),
    ("contractor2", Role::Contractor, Some("C-TWO")),
];

static ANNOUNCE: Once = Once::new();

/// Set once the test databases of earlier runs are gone.
static CLEARED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// Every test makes its own PostgreSQL database and nothing drops it when the test ends (the app is still
/// running), so each run first drops those its predecessors left: at most one run's worth stays on disk.
async fn drop_earlier_test_databases(admin: &DatabaseConnection) {
    let rows = admin
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'jiugai\\_test\\_%'",
        ))
        .await
        .expect("list the test databases");
    for row in rows {
        let name: String = row.try_get("", "datname").expect("a database name");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drop an earlier run's test database");
    }
}

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
            CLEARED
                .get_or_init(|| drop_earlier_test_databases(&admin))
                .await;
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

/// A fresh, empty database that nothing has touched yet (the folder holds a SQLite file).
pub async fn fresh_database_url() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(&dir).await;
    (dir, url)
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

/// An app whose settings `configure` changes (behind a proxy, say).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_configured(&seed::RENSHOU, configure).await
}

async fn spawn_with(data: &seed::DataSet<'_>) -> TestApp {
    spawn_configured(data, |_| {}).await
}

/// An app whose empty database is prepared as `jiugai serve` prepares it, with `configure`'s settings: the
/// county's files (`data_dir`) or the templates, the demo data set only if `demo_data` says so.
pub async fn spawn_prepared(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(None, configure).await
}

async fn spawn_configured(
    data: &seed::DataSet<'_>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_on(Some(data), configure).await
}

async fn spawn_on(
    data: Option<&seed::DataSet<'_>>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(&dir).await;
    let mut settings = Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.clone(),
        max_body_bytes: 256 * 1024,
        ..Settings::default()
    };
    configure(&mut settings);
    let db = match data {
        Some(data) => {
            let db = db::connect(&database_url).await.expect("connect");
            db::migrate(&db).await.expect("migrate");
            seed::seed_if_empty(&db, data).await.expect("seed");
            db
        }
        None => jiugai::cli::prepare(&settings).await.expect("prepare"),
    };
    let (listener, addr) = web::bind(settings.addr).await.expect("bind");
    let settings = Settings { addr, ..settings };
    let tokens = accounts_for_tests(&db).await;
    let state = web::AppState::new(db.clone(), settings.clone()).expect("state");
    tokio::spawn(web::serve(state, listener));
    TestApp {
        settings,
        addr,
        client: client_with_token(&tokens.planner),
        database_url,
        db,
        tokens,
        _dir: dir,
    }
}

async fn accounts_for_tests(db: &sea_orm::DatabaseConnection) -> Tokens {
    let actor = Actor::cli();
    for (i, code) in ["C-ONE", "C-TWO"].into_iter().enumerate() {
        let input = serde_json::from_value(contractor_body(code, i as u32)).expect("a contractor");
        let record = ContractorRecord::parse(&input, None).expect("valid");
        contractors::create(db, &actor, &record)
            .await
            .expect("contractor");
    }
    let mut tokens = Vec::new();
    for (username, role, contractor) in ACCOUNTS {
        let new = accounts::NewUser::parse(username, None, role.code(), contractor).expect("user");
        let password = NewPassword::parse(PASSWORD, username).expect("password");
        let (user, _) = accounts::create_user(db, &actor, &new, Some(&password))
            .await
            .expect("create user");
        let id = accounts::find_user(db, &user.username)
            .await
            .expect("user")
            .id;
        let (token, _) = accounts::create_token(db, &actor, id, "测试令牌", 30)
            .await
            .expect("token");
        tokens.push(token);
    }
    let [admin, planner, contractor, other_contractor] = tokens.try_into().expect("four tokens");
    Tokens {
        admin,
        planner,
        contractor,
        other_contractor,
    }
}

/// A client that sends `token` and does not follow redirects (tests look at them).
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client with no credentials, not following redirects.
pub fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser's view of a session: its cookie and the CSRF token its forms carry.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// The value of `name` in a response's `Set-Cookie` headers.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// The hidden CSRF field of the first form on a page.
pub fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A second instance of the service on the same database, as behind a load balancer: its address.
    pub async fn twin(&self) -> SocketAddr {
        let db = db::connect(&self.database_url).await.expect("connect");
        let (listener, addr) = web::bind("127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind");
        let settings = Settings {
            addr,
            ..self.settings.clone()
        };
        let state = web::AppState::new(db, settings).expect("state");
        tokio::spawn(web::serve(state, listener));
        addr
    }

    /// Opens the sign-in page as a new visitor: the visitor's CSRF cookie and the form's token.
    pub async fn visit_sign_in(&self) -> (String, String) {
        let r = anonymous()
            .get(self.url("/sign-in"))
            .send()
            .await
            .expect("sign-in page");
        assert_eq!(r.status(), 200);
        let cookie = cookie_value(&set_cookie(&r, "jiugai_csrf").expect("a csrf cookie"));
        let csrf = csrf_field(&r.text().await.expect("body"));
        (cookie, csrf)
    }

    /// Posts the sign-in form as a fresh visitor.
    pub async fn try_sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        let (cookie, csrf) = self.visit_sign_in().await;
        anonymous()
            .post(self.url("/sign-in"))
            .header("cookie", format!("jiugai_csrf={cookie}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("sign in")
    }

    /// Signs in through the form, as a browser would.
    pub async fn sign_in(&self, username: &str) -> Browser {
        let r = self.try_sign_in(username, PASSWORD).await;
        assert_eq!(r.status(), 303, "signing in {username}");
        let cookie = cookie_value(&set_cookie(&r, "jiugai_session").expect("a session cookie"));
        let page = self
            .browse(&cookie, "/account")
            .await
            .text()
            .await
            .expect("account page");
        Browser {
            csrf: csrf_field(&page),
            cookie,
        }
    }

    /// Creates an API token on the account page, as a person does (a token never makes another): its secret,
    /// read from the page that shows it once, and its id from the account's token list (newest first).
    pub async fn create_token(&self, browser: &Browser, name: &str) -> (String, i64) {
        let r = self
            .post_form(browser, "/account/tokens", &[("name", name)], true)
            .await;
        assert_eq!(r.status(), 200, "creating a token");
        let page = r.text().await.expect("account page");
        let marker = "<code class=\"secret\">";
        let start = page.find(marker).expect("the new token on the page") + marker.len();
        let secret = page[start..]
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned();
        let list: Value = anonymous()
            .get(self.url("/api/tokens"))
            .header("authorization", format!("Bearer {secret}"))
            .send()
            .await
            .expect("token list")
            .json()
            .await
            .expect("token list json");
        let id = list["items"][0]["id"].as_i64().expect("a token id");
        (secret, id)
    }

    /// Changes the stored policy as an admin editing the policy file would.
    pub async fn edit_policy(&self, edit: impl FnOnce(&mut jiugai::domain::policy::Policy)) {
        let mut policy = jiugai::db::catalog::load_policy(&self.db)
            .await
            .expect("read the policy")
            .expect("a policy");
        edit(&mut policy);
        jiugai::db::catalog::save_policy(&self.db, &policy)
            .await
            .expect("store the policy");
    }

    /// A GET with a session cookie.
    pub async fn browse(&self, cookie: &str, path: &str) -> reqwest::Response {
        anonymous()
            .get(self.url(path))
            .header("cookie", format!("jiugai_session={cookie}"))
            .send()
            .await
            .expect("request")
    }

    /// Posts a form in a session, with its CSRF token unless `csrf` is `None`.
    pub async fn post_form(
        &self,
        browser: &Browser,
        path: &str,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        if csrf {
            fields.push(("csrf", browser.csrf.as_str()));
        }
        anonymous()
            .post(self.url(path))
            .header("cookie", format!("jiugai_session={}", browser.cookie))
            .form(&fields)
            .send()
            .await
            .expect("request")
    }

    /// The audit log as the admin sees it through the API, newest first.
    pub async fn audit(&self, query: &str) -> Value {
        let r = client_with_token(&self.tokens.admin)
            .get(self.url(&format!("/api/audit?per_page=500&{query}")))
            .send()
            .await
            .expect("audit");
        assert_eq!(r.status(), 200);
        r.json().await.expect("audit json")
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

/// A valid contractor record; `n` makes its credit code (and so the record) distinct from others.
pub fn contractor_body(code: &str, n: u32) -> Value {
    let credit_code =
        jiugai::domain::credit_code::with_check_character(&format!("91511421MA6{n:06}"))
            .expect("17 characters of the alphabet");
    json!({
        "code": code, "name": format!("{code} 建筑工程有限公司"), "credit_code": credit_code,
        "qualification": "建筑工程施工总承包三级", "contact_person": "王建国", "phone": "028-36201234",
        "capacity": 5,
    })
}

/// A plan made over the API, to pick a pin and an exclusion from: (a compound planned for 2024, one for 2022).
pub async fn plan_picks(app: &TestApp) -> (String, String) {
    let years: Vec<Value> = (2022..=2024)
        // 70 a year leaves some of the reserve for 2024 (the demo's coming year has taken six).
        .map(|y| json!({"year": y, "budget_yuan": 330_000_000u64, "max_compounds": 70}))
        .collect();
    let (status, s) = app
        .send_json(
            reqwest::Method::POST,
            "/api/scenarios",
            &json!({"name": "取样", "horizon": {"years": years}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let code = |i: usize| {
        s["plan"]["years"][i]["codes"][0]
            .as_str()
            .unwrap()
            .to_owned()
    };
    (code(2), code(0))
}
