//! Every page, as every role that may open it, reads as the bureau's Chinese (issue 17): no English sentence,
//! no raw code of our own enums, every time in Beijing time to the minute.
//!
//! The walk takes the route table (`Route::ALL`): each GET page (not the API, the stylesheet, the OpenAPI
//! file, the health check or a PDF) is opened by anonymous visitors and by each role its rule admits, its path
//! filled with real values of the seeded Renshou data. A few query variants and error pages follow. Of each
//! answer the text a person sees is read — text outside `<script>`, `<style>` and `<code>`, and the attributes a
//! browser shows (`placeholder`, `title`, `aria-label`, `alt`, a button's `value`) — and checked.

use std::collections::BTreeSet;

use jiugai::domain::account::Role;
use jiugai::domain::compound::{Origin, PropertyManagement, Severity, Status};
use jiugai::domain::labels;
use jiugai::domain::notice::{NoticeKind, ObjectionKind, Phase};
use jiugai::web::access::{Route, Rule};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, anonymous, client_with_token, spawn_app};
use crate::work_orders::{assign, issue, new_project};

/// ASCII words of four letters or more that a page may show, each for a reason.
const ALLOWED_WORDS: &[&str] = &[
    // The catalog's export link, "导出 GeoJSON": the format's own name, as GIS software calls it. (Shorter
    // names — API, PDF, ZIP, CSV — pass the four-letter rule without being listed.)
    "GeoJSON",
    // "导出 Excel", "从 Excel 导入": the spreadsheet program's name, as the bureau calls the files.
    "Excel",
];

/// How an API token's secret, and so the prefix pages show of it, begins (`db::accounts::tokens::TOKEN_PREFIX`).
const TOKEN_PREFIX: &str = "jg_";

/// Codes of other things than our enums that must not reach a page as they are stored.
const OTHER_CODES: &[&str] = &[
    // The actor of a change nobody signed in for (seeding, the CLI): reads 系统.
    "system",
    // Report kinds of a work order and the classes of work (`labels::report_kind`, `labels::category`).
    "acknowledged",
    "progress",
    "basic",
    "improvement",
    "upgrade",
    // Statuses stored as text (`entities::notices::Status`, `entities::projects::Progress`).
    "draft",
    "published",
    "not_started",
    "started",
    "completed",
];

/// Every code of our own enums and of the audit log's actions and kinds of record.
fn codes() -> BTreeSet<&'static str> {
    let mut codes: BTreeSet<&'static str> = OTHER_CODES.iter().copied().collect();
    codes.extend(Role::ALL.iter().map(|r| r.code()));
    codes.extend(Status::ALL.iter().map(|s| s.code()));
    codes.extend(Origin::ALL.iter().map(|s| s.code()));
    codes.extend(PropertyManagement::ALL.iter().map(|s| s.code()));
    codes.extend(Severity::ALL.iter().map(|s| s.code()));
    codes.extend(NoticeKind::ALL.iter().map(|k| k.code()));
    codes.extend(
        [Phase::Draft, Phase::Open, Phase::Closed]
            .iter()
            .map(|p| p.code()),
    );
    codes.extend(
        [ObjectionKind::Objection, ObjectionKind::Comment]
            .iter()
            .map(|k| k.code()),
    );
    codes.extend(labels::ACTIONS.iter().map(|(c, _)| *c));
    codes.extend(labels::ENTITIES.iter().map(|(c, _)| *c));
    // "none" (无物业) is a code, but a page never shows it as a word either way.
    codes
}

/// Test accounts given a person's name for the walk (username, name, the account's firm).
const NAMED: [(&str, &str, Option<&str>); 2] = [
    ("planner1", "周规划", None),
    ("contractor1", "郑施工", Some("C-ONE")),
];

/// Pages about accounts, where a username is what is shown.
fn about_accounts(path: &str) -> bool {
    ["/account", "/admin/users", "/admin/audit", "/sign-in"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Who opens a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Contractor,
    Planner,
    Admin,
}

impl Who {
    fn role(self) -> Option<Role> {
        match self {
            Who::Anonymous => None,
            Who::Contractor => Some(Role::Contractor),
            Who::Planner => Some(Role::Planner),
            Who::Admin => Some(Role::Admin),
        }
    }

    fn admitted(self, rule: Rule) -> bool {
        match self.role() {
            None => rule == Rule::Public,
            Some(role) => rule.admits(role),
        }
    }
}

const WHO: [Who; 4] = [Who::Anonymous, Who::Contractor, Who::Planner, Who::Admin];

/// Real values of the seeded data (and of what the walk adds to it) for the routes' path parameters.
struct Values {
    compounds: Vec<String>,
    projects: Vec<String>,
    /// The seed's orders (none of them the test firm's) and the one issued to contractor1's firm.
    seeded_order: String,
    own_order: String,
    scenarios: Vec<i64>,
    published_notices: Vec<i64>,
    draft_notice: i64,
    link_token: String,
}

impl Values {
    /// The concrete paths of `route` for `who`; panics for a parameter the walk has no value for, so a new
    /// page cannot slip past it.
    fn paths(&self, route: Route, who: Who) -> Vec<String> {
        let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>();
        if route == Route::ComparePage {
            // Without scenarios to compare it is refused (walked below as an error page).
            let [a, b, ..] = self.scenarios[..] else {
                panic!("two scenarios")
            };
            return vec![format!("/plans/compare?ids={a}&ids={b}")];
        }
        let values: Vec<String> = match route.path() {
            p if !p.contains('{') => return vec![p.to_owned()],
            "/sign-in/link/{token}" => vec![self.link_token.clone()],
            "/admin/users/{username}" | "/admin/users/{username}/tokens" => {
                vec!["contractor1".into(), "planner1".into()]
            }
            "/compounds/{code}" => self.compounds.clone(),
            "/compounds/{code}/edit" | "/compounds/{code}/scope" | "/compounds/{code}/lifts" => {
                self.compounds.clone()
            }
            "/c/{code}" => self.compounds.clone(),
            "/plans/{id}" => ids(&self.scenarios),
            "/projects/{code}" => self.projects.clone(),
            "/work-orders/{number}" => match who {
                Who::Contractor => vec![self.own_order.clone()],
                _ => vec![self.seeded_order.clone(), self.own_order.clone()],
            },
            "/notices/{id}" => ids(&self.published_notices),
            "/bureau/notices/{id}" => {
                let mut all = ids(&self.published_notices);
                all.push(self.draft_notice.to_string());
                all
            }
            "/contractors/{code}" => vec!["C-ONE".into()],
            other => panic!(
                "the walk has no value for the parameter of {other} ({route:?}): give it one in walk.rs"
            ),
        };
        let path = route.path();
        let open = path.find('{').expect("a parameter");
        let close = path.find('}').expect("a parameter");
        assert!(
            route.param_count() == 1,
            "{route:?}: the walk fills one parameter"
        );
        values
            .into_iter()
            .map(|v| format!("{}{v}{}", &path[..open], &path[close + 1..]))
            .collect()
    }
}

/// Whether a route is a page a person opens (not the API, a file or the service's own routes).
fn is_page(route: Route) -> bool {
    route.method() == "GET"
        && !route.is_api()
        && !matches!(
            route,
            Route::Healthz | Route::OpenApi | Route::Stylesheet | Route::PublicNoticePdf
                // The gate's poster is a PDF (its QR code is checked in requests.rs).
                | Route::CompoundPoster
                // Spreadsheet downloads, not pages.
                | Route::CompoundsXlsx
                | Route::ImportTemplate
                | Route::PlanXlsx
                | Route::SatisfactionXlsx
                | Route::ObjectionsXlsx
                | Route::AuditXlsx
                | Route::MonthlyReturnXlsx
                // The printed return.
                | Route::MonthlyReturnPdf
        )
}

/// Prepares the data the walk opens: an order of contractor1's firm (acknowledged, started), two scenarios
/// (one run), a draft notice, a sign-in link, a failed sign-in (so the audit log shows its kinds of record).
async fn prepare(app: &TestApp) -> Values {
    let project = new_project(app).await;
    assign(app, &project, "C-ONE", "2022-10-31").await;
    let (status, order) = issue(app, &project, json!({})).await;
    assert_eq!(status, 201, "{order}");
    let own_order = order["number"].as_str().expect("a number").to_owned();
    let contractor = client_with_token(&app.tokens.contractor);
    for (path, body) in [
        (
            format!("/api/work-orders/{own_order}/acknowledge"),
            json!({}),
        ),
        (
            format!("/api/work-orders/{own_order}/reports"),
            json!({"kind": "started"}),
        ),
    ] {
        let r = contractor
            .post(app.url(&path))
            .json(&body)
            .send()
            .await
            .expect("report");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    let mut scenarios = Vec::new();
    for name in ["走查方案甲", "走查方案乙"] {
        let (status, s) = app
            .send_json(
                Method::POST,
                "/api/scenarios",
                &json!({"name": name, "horizon": {"years": [
                    {"year": 2023, "budget_yuan": 100_000_000}, {"year": 2024, "budget_yuan": 80_000_000}]}}),
                None,
            )
            .await;
        assert_eq!(status, 201, "{s}");
        scenarios.push(s["id"].as_i64().expect("an id"));
    }
    let run = app
        .client
        .post(app.url(&format!("/api/scenarios/{}/runs", scenarios[0])))
        .json(&json!({}))
        .send()
        .await
        .expect("run");
    assert!(
        run.status().is_success(),
        "running a scenario: {}",
        run.status()
    );

    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"project": project, "kind": "plan"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let draft_notice = draft["id"].as_i64().expect("an id");

    // One published notice of each kind the seed has (the demo's plan, site and completion notices).
    let mut published_notices = Vec::new();
    for kind in NoticeKind::ALL {
        let (_, list) = app
            .get_json(&format!(
                "/api/notices?status=published&kind={}",
                kind.code()
            ))
            .await;
        if let Some(id) = list["items"][0]["id"].as_i64() {
            published_notices.push(id);
        }
    }
    assert!(!published_notices.is_empty(), "the seed publishes notices");

    let r = client_with_token(&app.tokens.admin)
        .post(app.url("/api/users/contractor2/sign-in-link"))
        .send()
        .await
        .expect("a sign-in link");
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.expect("json");
    let link_token = link["sign_in_link"]
        .as_str()
        .and_then(|l| l.rsplit("/sign-in/link/").next())
        .expect("a link")
        .to_owned();
    // People have names: the harness's accounts are named after their usernames, so pages showing a username
    // where a person's name belongs could not be told apart. Named in Chinese, a username left on a page shows.
    let admin = client_with_token(&app.tokens.admin);
    let users: Value = admin
        .get(app.url("/api/users"))
        .send()
        .await
        .expect("users")
        .json()
        .await
        .expect("users json");
    for (username, name, firm) in NAMED {
        let user = users["items"]
            .as_array()
            .and_then(|items| items.iter().find(|u| u["username"] == *username))
            .expect("a test account");
        let mut body = json!({"display_name": name, "role": user["role"], "active": true});
        if let Some(firm) = firm {
            body["contractor"] = json!(firm);
        }
        let r = admin
            .put(app.url(&format!("/api/users/{username}")))
            .header("if-match", format!("\"{}\"", user["version"]))
            .json(&body)
            .send()
            .await
            .expect("rename");
        assert_eq!(r.status(), 200, "naming {username}");
    }
    let failed = app.try_sign_in("planner1", "not the password").await;
    assert_eq!(failed.status(), 401);

    Values {
        compounds: vec!["RS-0001".into(), "RS-0003".into()],
        projects: vec!["RS-2021-P001".into(), project],
        seeded_order: "RS-2021-0001".into(),
        own_order,
        scenarios,
        published_notices,
        draft_notice,
        link_token,
    }
}

#[tokio::test]
async fn every_page_as_every_role_shows_chinese_names_and_beijing_minutes() {
    let app = spawn_app().await;
    let values = prepare(&app).await;
    let sessions: Vec<(Who, Option<Browser>)> = vec![
        (Who::Anonymous, None),
        (Who::Contractor, Some(app.sign_in("contractor1").await)),
        (Who::Planner, Some(app.sign_in("planner1").await)),
        (Who::Admin, Some(app.sign_in("admin1").await)),
    ];
    let codes = codes();

    // (who, path, whether it must answer 200).
    let mut visits: Vec<(Who, String, bool)> = Vec::new();
    for route in Route::ALL.iter().copied().filter(|r| is_page(*r)) {
        for who in WHO.into_iter().filter(|w| w.admitted(route.rule())) {
            for path in values.paths(route, who) {
                visits.push((who, path, true));
            }
        }
    }
    for (who, path, ok) in [
        (Who::Planner, "/compounds?page=2".to_owned(), true),
        (
            Who::Planner,
            "/compounds?status=surveyed&q=小区".into(),
            true,
        ),
        (Who::Planner, "/compounds?page=abc".into(), false),
        (Who::Planner, "/map?town=文林街道".into(), true),
        (Who::Admin, "/map?town=没有这个镇".into(), false),
        (Who::Planner, "/map?zoom=2".into(), false),
        (Who::Planner, "/compounds/RS-9999".into(), false),
        (Who::Planner, "/plans/compare".into(), false),
        (Who::Planner, "/plans/999999".into(), false),
        (Who::Planner, "/projects?year=2021".into(), true),
        (Who::Planner, "/projects/RS-2021-P001".into(), true),
        (Who::Planner, "/funds?year=2021".into(), true),
        (Who::Admin, "/funds?year=2022".into(), true),
        (Who::Planner, "/funds?year=abc".into(), false),
        (Who::Planner, "/returns?month=2021-06".into(), true),
        (Who::Admin, "/returns?month=2021-12".into(), true),
        (Who::Planner, "/returns?month=2021-13".into(), false),
        (Who::Planner, "/dashboard?year=2021".into(), true),
        (Who::Admin, "/dashboard?year=2030".into(), true),
        (Who::Planner, "/dashboard?year=abc".into(), false),
        (Who::Anonymous, "/progress?year=2021".into(), true),
        (Who::Anonymous, "/progress?year=1850".into(), false),
        (Who::Anonymous, "/c/RS-0001?sent=request".into(), true),
        (Who::Anonymous, "/c/RS-9999".into(), false),
        (Who::Planner, "/bureau/requests?status=new".into(), true),
        (
            Who::Planner,
            "/bureau/requests?compound=RS-0001".into(),
            true,
        ),
        (Who::Planner, "/bureau/requests?status=maybe".into(), false),
        (Who::Planner, "/work-orders?year=2021".into(), true),
        (Who::Contractor, "/work-orders?year=2022".into(), true),
        (Who::Contractor, "/work-orders/RS-2021-0001".into(), false),
        (Who::Contractor, "/compounds".into(), false),
        (Who::Planner, "/bureau/notices?year=2021".into(), true),
        (
            Who::Planner,
            "/bureau/notices?kind=site&status=closed".into(),
            true,
        ),
        (Who::Anonymous, "/notices?page=2".into(), true),
        (Who::Anonymous, "/notices?q=小区".into(), true),
        (Who::Anonymous, "/notices?page=0".into(), false),
        (Who::Planner, "/bureau/notices?year=abc".into(), false),
        (Who::Admin, "/admin/audit?page=2".into(), true),
        (Who::Admin, "/admin/audit?action=登录".into(), true),
        (Who::Admin, "/admin/audit?page=abc".into(), false),
        (Who::Planner, "/admin/audit".into(), false),
        (Who::Planner, "/no-such-page".into(), false),
        (Who::Anonymous, "/no-such-page".into(), false),
        (Who::Anonymous, "/notices/999999".into(), false),
        (Who::Anonymous, "/sign-in/link/not-a-link".into(), false),
    ] {
        visits.push((who, path, ok));
    }

    let mut problems: Vec<String> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut pages = 0;
    for (who, path, must_answer) in &visits {
        let browser = sessions
            .iter()
            .find(|(w, _)| w == who)
            .and_then(|(_, b)| b.as_ref());
        let r = match browser {
            Some(b) => app.browse(&b.cookie, path).await,
            None => anonymous()
                .get(app.url(path))
                .send()
                .await
                .expect("request"),
        };
        let status = r.status().as_u16();
        if r.status().is_redirection() {
            // A contractor's home is its portal; nothing to read here.
            assert!(
                !*must_answer || (*who == Who::Contractor && path == "/"),
                "{who:?} {path}: {status}"
            );
            continue;
        }
        assert!(!*must_answer || status == 200, "{who:?} {path}: {status}");
        let html = r.text().await.expect("body");
        pages += 1;
        for segment in visible_text(&html) {
            let mut found = check(&segment, &codes);
            if !about_accounts(path) {
                for (username, _, _) in NAMED {
                    let whole_word = segment
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                        .any(|w| w == username);
                    if whole_word {
                        found.push(format!(
                            "username “{username}” instead of the person's name"
                        ));
                    }
                }
            }
            for problem in found {
                // One report per problem and snippet: the first page it was seen on.
                if seen.insert((problem.clone(), segment.clone())) {
                    problems.push(format!(
                        "{who:?} {path} ({status}): {problem} — «{}»",
                        shorten(&segment)
                    ));
                }
            }
        }
    }
    assert!(pages > 40, "the walk opened only {pages} pages");
    assert!(
        problems.is_empty(),
        "{} things a person would read that are not the bureau's Chinese, on {pages} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A demo account's pages carry a banner (the demo accounts' passwords are public): it reads as Chinese too.
#[tokio::test]
async fn the_demo_banner_reads_as_chinese() {
    let app = spawn_app().await;
    jiugai::db::accounts::demo_accounts(&app.db, true)
        .await
        .expect("demo accounts");
    let r = app
        .try_sign_in("demo-planner", jiugai::db::accounts::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 303, "signing in the demo planner");
    let cookie = crate::helpers::cookie_value(
        &crate::helpers::set_cookie(&r, "jiugai_session").expect("a session cookie"),
    );
    let html = app
        .browse(&cookie, "/")
        .await
        .text()
        .await
        .expect("overview");
    assert!(html.contains("demo-banner"), "the banner is shown");
    let codes = codes();
    let problems: Vec<String> = visible_text(&html)
        .iter()
        .flat_map(|segment| {
            check(segment, &codes)
                .into_iter()
                .map(move |p| format!("{p} — «{}»", shorten(segment)))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// What is wrong with one piece of visible text.
fn check(text: &str, codes: &BTreeSet<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let tokens: Vec<&str> = text.split_whitespace().collect();

    // A raw code, as a whole word.
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if codes.contains(word) {
            problems.push(format!("raw code “{word}”"));
        }
    }

    // An English sentence: three or more words in a row.
    let trimmed = |t: &str| {
        t.trim_matches(|c: char| ",.;:!?()[]\"'“”‘’…".contains(c))
            .to_owned()
    };
    let is_word = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic());
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, problems: &mut Vec<String>| {
        if run.len() >= 3 && run.iter().filter(|w| w.len() >= 2).count() >= 2 {
            problems.push(format!("English words “{}”", run.join(" ")));
        }
        run.clear();
    };
    for token in &tokens {
        let t = trimmed(token);
        if is_word(&t) {
            run.push(t);
        } else {
            flush(&mut run, &mut problems);
        }
    }
    flush(&mut run, &mut problems);

    // An English word: four letters or more, outside identifiers — codes and usernames (RS-0001, admin1)
    // carry digits; an API token is told by its prefix ("jg_BBzXg", random letters) — and addresses.
    for token in &tokens {
        let identifier = token.chars().any(|c| c.is_ascii_digit())
            || token.contains('@')
            || token.contains("://")
            || token
                .split_once(TOKEN_PREFIX)
                .is_some_and(|(before, _)| !before.ends_with(|c: char| c.is_ascii_alphanumeric()));
        if identifier {
            continue;
        }
        for word in token.split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() >= 4 && !ALLOWED_WORDS.contains(&word) && !codes.contains(word) {
                problems.push(format!("English word “{word}”"));
            }
        }
    }

    // Times: Beijing time to the minute, never UTC, ISO's "T", seconds or a zone.
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    for i in 0..b.len() {
        // 2026-12-06T18:27…
        if (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && digit(i + 8)
            && digit(i + 9)
            && b.get(i + 10) == Some(&b'T')
            && digit(i + 11)
        {
            problems.push(format!("ISO time “{}”", snippet(text, i, 30)));
        }
        // hh:mm:ss
        if digit(i)
            && digit(i + 1)
            && b.get(i + 2) == Some(&b':')
            && digit(i + 3)
            && digit(i + 4)
            && b.get(i + 5) == Some(&b':')
            && digit(i + 6)
            && digit(i + 7)
            && (i == 0 || !digit(i - 1))
        {
            problems.push(format!("seconds shown “{}”", snippet(text, i, 8)));
        }
    }
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        if matches!(word, "UTC" | "GMT") {
            problems.push(format!("time zone “{word}”"));
        }
    }
    for zone in ["+00:00", "+08:00"] {
        if text.contains(zone) {
            problems.push(format!("time zone “{zone}”"));
        }
    }
    problems
}

fn snippet(text: &str, start: usize, len: usize) -> String {
    let end = (start + len).min(text.len());
    let mut end = end;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[start..end].to_owned()
}

/// Tags within which text runs on (a link in a sentence); any other tag ends a piece of text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "em", "i", "mark", "q", "s", "small", "span", "strong", "sub", "sup",
    "time", "u",
];

/// Attributes a browser shows to a person.
const SHOWN: &[&str] = &["placeholder", "title", "aria-label", "alt"];

/// The pieces of text a person sees on a page: text outside `<script>`, `<style>` and `<code>` (commands and
/// tokens shown as such), split where a block ends, and the attributes a browser shows.
fn visible_text(html: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut rest = html;
    let lower = |s: &str| s.to_ascii_lowercase();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let Some(open) = rest.find('<') else {
            current.push_str(rest);
            break;
        };
        current.push_str(&rest[..open]);
        rest = &rest[open..];
        let end = tag_end(rest);
        let tag = &rest[1..end.saturating_sub(1).max(1)];
        rest = &rest[end..];
        let closing = tag.starts_with('/');
        let name = lower(
            tag.trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .next()
                .unwrap_or_default(),
        );
        if !INLINE.contains(&name.as_str()) && name != "code" {
            push(&mut pieces, &mut current);
        }
        if closing {
            continue;
        }
        let attributes = attributes(tag);
        let value_of = |n: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        for shown in SHOWN {
            if let Some(v) = value_of(shown) {
                pieces.push(decode(&v));
            }
        }
        let button = value_of("type")
            .is_some_and(|t| matches!(lower(&t).as_str(), "submit" | "button" | "reset"));
        if name == "input"
            && button
            && let Some(v) = value_of("value")
        {
            pieces.push(decode(&v));
        }
        if matches!(name.as_str(), "script" | "style" | "code" | "textarea") {
            // Scripts and styles are not read; code is shown as code; a textarea holds what was typed.
            let close = format!("</{name}");
            let at = lower(rest).find(&close).unwrap_or(rest.len());
            rest = &rest[at..];
            if let Some(gt) = rest.find('>') {
                rest = &rest[gt + 1..];
            }
        }
    }
    push(&mut pieces, &mut current);
    pieces.retain(|p| !p.is_empty());
    pieces
}

fn push(pieces: &mut Vec<String>, current: &mut String) {
    let text = decode(current);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        pieces.push(text);
    }
    current.clear();
}

/// Where a tag that starts `s` ends (after its `>`), quotes respected.
fn tag_end(s: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// A tag's attributes, names lowercased, values as written.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag
        .trim_end_matches('/')
        .split_once(char::is_whitespace)
        .map_or("", |(_, r)| r);
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let Some(after) = rest.strip_prefix('=') else {
            out.push((name, String::new()));
            continue;
        };
        let after = after.trim_start();
        let (value, remaining) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after[1..];
                let end = body.find(q).unwrap_or(body.len());
                (&body[..end], body.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push((name, value.to_owned()));
        rest = remaining;
    }
}

/// Decodes the character references a template's escaping writes.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // The longest reference is short; look no further (and cut at a character's edge).
        let window = (0..=rest.len().min(12))
            .rev()
            .find_map(|i| rest.get(..i))
            .unwrap_or_default();
        let Some(semi) = window.find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_checks_catch_what_they_are_for_and_pass_the_seed_s_ascii() {
    let codes = codes();
    let flagged = |t: &str| !check(t, &codes).is_empty();
    assert!(flagged("page must be a whole number"));
    assert!(flagged("没有这个页面 no such page"));
    assert!(flagged("操作：sign_in"));
    assert!(flagged("角色 planner"));
    assert!(flagged("时间 2026-12-06T18:27:31.810977541Z"));
    assert!(flagged("2026-12-06 18:27:31"));
    assert!(flagged("2026-12-06 18:27 UTC"));
    assert!(flagged("操作人 system"));
    assert!(!flagged("RS-0001 某某小区 1,234.5 m² · 2021-03-01 14:05"));
    assert!(!flagged("数据为依据公开报道生成的模拟数据 · API 文档"));
    assert!(!flagged("admin1 planner1 contractor1 RS-2021-P001"));
    assert!(!flagged("令牌前缀：jg_BBzXg"));
    assert!(flagged("令牌前缀：xjg_BBzXg"));

    let text = visible_text(
        "<html><head><style>p{}</style><script>var x = 'no such page';</script><title>首页</title></head>\
         <body><p>运行 <code>jiugai serve --demo</code> 即可</p><input placeholder=\"Search here\">\
         <a href=\"/x\" title='打开'>链接 &amp; 说明</a><select><option value=\"planner\">规划员</option></select></body>",
    );
    assert_eq!(
        text,
        [
            "首页",
            "运行 即可",
            "Search here",
            "打开",
            "链接 & 说明",
            "规划员"
        ]
    );
}
