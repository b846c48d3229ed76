//! A resident's phone, for real: headless Chromium (Debian's `chromium`, driven through `chromedriver` by
//! WebDriver) opens the notice list, follows a published notice, sends an objection through the form and sees
//! the count rise; a draft is not found; the pages fit a phone's width. Screenshots are written to
//! `target/screenshots/` to be looked at. Skipped, loudly, where Chromium or ChromeDriver is not installed.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A common phone's CSS width.
const PHONE: (u32, u32) = (390, 844);
/// The bureau's desk screens.
const DESK: (u32, u32) = (1280, 900);

/// The driver process, stopped when the test ends however it ends.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A phone's browser (390 px), or `None` (said loudly) where Chromium is missing.
pub async fn browser() -> Option<(Driver, Client)> {
    open_browser(PHONE, true).await
}

/// A bureau desk's browser window (1280 px), for the staff workflows.
pub async fn desk_browser() -> Option<(Driver, Client)> {
    open_browser(DESK, false).await
}

async fn open_browser(size: (u32, u32), phone: bool) -> Option<(Driver, Client)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** browser tests SKIPPED: {CHROMIUM} or {CHROMEDRIVER} is missing (Debian's chromium and chromium-driver; .ci/run installs them) ***\n"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = tempfile::tempdir().expect("a profile folder").keep();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", size.0, size.1),
            ],
        }),
    );
    if phone {
        // A desktop window is never narrower than 500 px: emulate the phone's screen instead.
        capabilities["goog:chromeOptions"]["mobileEmulation"] =
            json!({"deviceMetrics": {"width": size.0, "height": size.1, "pixelRatio": 2}});
    }
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    // The driver takes a moment to listen.
    for _ in 0..50 {
        let client = ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = client {
            return Some((driver, client));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

pub fn screenshot_path(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir.join(name)
}

/// The page is no wider than the phone: nothing to scroll sideways (tables scroll inside their own box).
async fn fits_the_phone(client: &Client, what: &str) {
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("measure the page");
    let (scroll, inner) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
    assert_eq!(
        inner,
        f64::from(PHONE.0),
        "the page is laid out at the phone's width"
    );
    assert!(
        scroll <= inner + 1.0,
        "{what} is {scroll}px wide on a {inner}px phone"
    );
}

pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Clicks what `css` finds — a link or a form's button — and waits until the page it leads to has loaded: the
/// old document is marked first, so a form that comes back to the same address is not mistaken for the old page.
pub async fn follow(client: &Client, css: &str) {
    client
        .execute("window.jiugaiLeft = false; return null;", vec![])
        .await
        .expect("mark the page");
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    for _ in 0..300 {
        let loaded = client
            .execute(
                "return window.jiugaiLeft === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if matches!(loaded, Ok(Value::Bool(true))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("clicking {css} led to no new page");
}

/// Signs `username` in through the sign-in form, as a person does; the browser is then on the home page.
pub async fn sign_in(client: &Client, app: &TestApp, username: &str) {
    client
        .goto(&app.url("/sign-in"))
        .await
        .expect("open the sign-in page");
    for (name, value) in [
        ("username", username),
        ("password", crate::helpers::PASSWORD),
    ] {
        client
            .find(Locator::Css(&format!("input[name={name}]")))
            .await
            .expect(name)
            .send_keys(value)
            .await
            .expect("type");
    }
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("the sign-in button")
        .click()
        .await
        .expect("sign in");
    for _ in 0..100 {
        let url = client.current_url().await.expect("the address");
        if url.path() != "/sign-in" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{username} was not signed in through the form");
}

async fn open_notice(app: &TestApp) -> Value {
    let (_, list) = app
        .get_json("/api/notices?status=published&kind=plan")
        .await;
    list["items"][0].clone()
}

#[tokio::test]
async fn a_resident_opens_a_notice_from_the_list_objects_and_sees_the_count_rise() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let notice = open_notice(&app).await;
    let id = notice["id"].as_i64().unwrap();

    client
        .goto(&app.url("/notices"))
        .await
        .expect("open the list");
    fits_the_phone(&client, "the notice list").await;
    std::fs::write(
        screenshot_path("notices-phone.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");
    client
        .find(Locator::Css(&format!("a[href=\"/notices/{id}\"]")))
        .await
        .expect("the open notice is listed")
        .click()
        .await
        .expect("follow it");
    client
        .wait()
        .for_element(Locator::Css("article.notice-text h1"))
        .await
        .expect("the notice page");
    assert_eq!(
        text_of(&client, "article.notice-text h1").await,
        notice["title"].as_str().unwrap()
    );
    let before: i64 = text_of(&client, "strong.received").await.parse().unwrap();
    assert!(text_of(&client, ".countdown").await.starts_with("还剩"));
    fits_the_phone(&client, "the notice page").await;

    let field = |name: &'static str| {
        Locator::Css(match name {
            "building_unit" => "input[name=building_unit]",
            "mobile" => "input[name=mobile]",
            _ => "textarea[name=text]",
        })
    };
    for (name, value) in [
        ("building_unit", "2栋3单元"),
        ("mobile", "13912345678"),
        (
            "text",
            "希望在小区入口增设无障碍坡道，方便轮椅和婴儿车通行。",
        ),
    ] {
        client
            .find(field(name))
            .await
            .expect(name)
            .send_keys(value)
            .await
            .expect("type");
    }
    std::fs::write(
        screenshot_path("notice-form-phone.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");
    client
        .find(Locator::Css("form.resident button[type=submit]"))
        .await
        .expect("the submit button")
        .click()
        .await
        .expect("submit");
    client
        .wait()
        .for_element(Locator::Css("p.notice[role=status]"))
        .await
        .expect("a thank-you after the post");
    let after: i64 = text_of(&client, "strong.received").await.parse().unwrap();
    assert_eq!(after, before + 1, "the count rose by one");
    assert!(!client.source().await.unwrap().contains("13912345678"));
    std::fs::write(
        screenshot_path("notice-sent-phone.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");

    // A draft is not there for the public.
    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": "RS-2021-P010"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    client
        .goto(&app.url(&format!("/notices/{}", draft["id"])))
        .await
        .expect("open the draft's address");
    let source = client.source().await.unwrap();
    assert!(source.contains("没有找到") && !source.contains(draft["title"].as_str().unwrap()));
    client.close().await.ok();
}
