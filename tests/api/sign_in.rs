//! Signing in: cookies, CSRF, the throttle, one-time links, the command line and the first start.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{
    PASSWORD, anonymous, client_with_token, cookie_value, csrf_field, fresh_database_url,
    set_cookie, spawn_app,
};

#[tokio::test]
async fn cookies_carry_the_right_flags_and_signing_out_ends_the_session() {
    let app = spawn_app().await;
    let r = anonymous().get(app.url("/sign-in")).send().await.unwrap();
    let csrf_cookie = set_cookie(&r, "jiugai_csrf").expect("csrf cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(csrf_cookie.contains(flag), "{csrf_cookie} lacks {flag}");
    }
    let r = app.try_sign_in("planner1", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let session = set_cookie(&r, "jiugai_session").expect("session cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(flag), "{session} lacks {flag}");
    }
    let cookie = cookie_value(&session);
    assert!(cookie.len() >= 43, "a 256-bit session id");
    let page = app.browse(&cookie, "/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_field(&page.text().await.unwrap());
    let r = anonymous()
        .post(app.url("/sign-out"))
        .header("cookie", format!("jiugai_session={cookie}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        set_cookie(&r, "jiugai_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    // The session is gone from the database, not just from the browser.
    assert_eq!(app.browse(&cookie, "/").await.status(), 303);
}

#[tokio::test]
async fn form_posts_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let browser = app.sign_in("planner1").await;
    let tokens = || async {
        let r = client_with_token(&app.tokens.planner)
            .get(app.url("/api/tokens"))
            .send()
            .await
            .unwrap();
        r.json::<serde_json::Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = tokens().await;
    let cross_site = [("name", "from evil.example")];
    let r = app
        .post_form(&browser, "/account/tokens", &cross_site, false)
        .await;
    assert_eq!(r.status(), 403);
    let wrong = [
        ("name", "x"),
        ("csrf", "not-the-token-not-the-token-not-the-token"),
    ];
    assert_eq!(
        app.post_form(&browser, "/account/tokens", &wrong, false)
            .await
            .status(),
        403
    );
    // A browser says when a post comes from another site; that is refused even with a token.
    let r = anonymous()
        .post(app.url("/account/tokens"))
        .header("cookie", format!("jiugai_session={}", browser.cookie))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "x"), ("csrf", browser.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(tokens().await, before, "refused posts wrote nothing");
    let r = app
        .post_form(&browser, "/account/tokens", &[("name", "mine")], true)
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("只显示这一次") && page.contains("jg_"));
    assert_eq!(tokens().await, before + 1);

    // Signing in is a form too: without the visitor's token it is refused before any password check.
    let r = anonymous()
        .post(app.url("/sign-in"))
        .form(&[("username", "planner1"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(set_cookie(&r, "jiugai_session").is_none());
}

#[tokio::test]
async fn twenty_wrong_passwords_lock_the_account_but_not_the_others() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        statuses.push(
            app.try_sign_in("planner1", &format!("wrong password {i}"))
                .await
                .status()
                .as_u16(),
        );
    }
    // Five honest mistakes are checked; after that no password is even looked at until the wait is over.
    assert_eq!(&statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let r = app.try_sign_in("planner1", PASSWORD).await;
    assert_eq!(
        r.status(),
        429,
        "the right password does not get through the throttle either"
    );
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "retry after {wait} s");
    assert!(set_cookie(&r, "jiugai_session").is_none());
    assert!(r.text().await.unwrap().contains("秒后再试"));
    // Another account, from the same address, is not affected.
    assert_eq!(app.try_sign_in("admin1", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn many_failures_from_one_address_throttle_that_address() {
    let app = spawn_app().await;
    for i in 0..30 {
        let r = app
            .try_sign_in(&format!("guess{i:02}"), "password123")
            .await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app.try_sign_in("admin1", PASSWORD).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_look_the_same() {
    let app = spawn_app().await;
    let known = app.try_sign_in("planner1", "not the password").await;
    let unknown = app.try_sign_in("nobody-here", "not the password").await;
    assert_eq!(
        (known.status(), unknown.status()),
        (
            reqwest::StatusCode::UNAUTHORIZED,
            reqwest::StatusCode::UNAUTHORIZED
        )
    );
    let known = known.text().await.unwrap().replace("planner1", "U");
    let unknown = unknown.text().await.unwrap().replace("nobody-here", "U");
    let strip = |page: &str| {
        page.lines()
            .filter(|l| !l.contains("name=\"csrf\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&known), strip(&unknown));
}

#[tokio::test]
async fn a_new_account_sets_its_password_through_its_one_time_link() {
    let app = spawn_app().await;
    let admin = client_with_token(&app.tokens.admin);
    let r = admin
        .post(app.url("/api/users"))
        .json(&json!({"username": "wang.fang", "display_name": "王芳", "role": "planner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["user"]["has_password"], false);
    let link = created["sign_in_link"].as_str().unwrap();
    let path = link
        .strip_prefix(&format!("http://{}", app.addr))
        .expect("the link points at this service");
    let r = anonymous().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = cookie_value(&set_cookie(&r, "jiugai_csrf").unwrap());
    let csrf = csrf_field(&r.text().await.unwrap());
    let post = |fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf", csrf.clone()));
        anonymous()
            .post(app.url(path))
            .header("cookie", format!("jiugai_csrf={cookie}"))
            .form(&fields)
            .send()
    };
    let short = post(vec![
        ("password", "short".into()),
        ("password_again", "short".into()),
    ])
    .await
    .unwrap();
    assert_eq!(short.status(), 422);
    let mismatch = post(vec![
        ("password", "一二三四五六七八九十".into()),
        ("password_again", "一二三四五六七八九".into()),
    ])
    .await
    .unwrap();
    assert_eq!(mismatch.status(), 422);
    let good = "一二三四五六七八九十 and more";
    let r = post(vec![
        ("password", good.into()),
        ("password_again", good.into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let session = cookie_value(&set_cookie(&r, "jiugai_session").unwrap());
    assert_eq!(app.browse(&session, "/compounds").await.status(), 200);
    // The link is spent.
    assert_eq!(
        anonymous()
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(app.try_sign_in("wang.fang", good).await.status(), 303);
}

#[tokio::test]
async fn the_command_line_creates_accounts_and_tokens_for_scripts() {
    let app = spawn_app().await;
    let out = app.cli(&[
        "user",
        "create",
        "--username",
        "li.ming",
        "--role",
        "planner",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the link on standard output: {stdout:?}"
    );
    assert!(stdout.contains("/sign-in/link/"));

    let out = app.cli(&[
        "token",
        "create",
        "--username",
        "li.ming",
        "--name",
        "nightly import",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim_end_matches('\n');
    assert!(
        !token.contains('\n') && token.starts_with("jg_"),
        "{stdout:?}"
    );
    let r = client_with_token(token)
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("li.ming"), Some("planner"))
    );

    let out = app.cli(&[
        "user",
        "create",
        "--username",
        "zhao",
        "--role",
        "contractor",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("contractor"));
    let out = app.cli(&[
        "user",
        "create",
        "--username",
        "zhao",
        "--role",
        "contractor",
        "--contractor",
        "C-ONE",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["user", "create", "--username", "zhao", "--role", "planner"]);
    assert!(!out.status.success(), "a taken username is refused");
    // The command line's writes are audited too.
    let log = app
        .audit("entity=user&entity_id=li.ming&action=create")
        .await;
    assert!(
        log["items"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("cli:")
    );
}

/// The README's first start, exactly: an empty database, `jiugai` with no arguments, the printed link.
#[tokio::test]
async fn the_first_start_prints_a_one_time_link_that_makes_the_first_admin() {
    let (_dir, database_url) = fresh_database_url().await;
    let (mut child, lines) = start(&database_url).await;
    let link = lines
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.contains("/sign-in/link/")))
        .unwrap_or_else(|| panic!("no link in {lines:?}"))
        .to_owned();
    assert!(
        !lines.iter().any(|l| l.to_lowercase().contains("password:")),
        "no default password"
    );
    let r = anonymous().get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = cookie_value(&set_cookie(&r, "jiugai_csrf").unwrap());
    let page = r.text().await.unwrap();
    assert!(page.contains("admin"));
    let password = "a long first password";
    let r = anonymous()
        .post(&link)
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("csrf", csrf_field(&page)),
            ("password", password.into()),
            ("password_again", password.into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let base = link.split("/sign-in/").next().unwrap().to_owned();
    let session = cookie_value(&set_cookie(&r, "jiugai_session").unwrap());
    let r = anonymous()
        .get(format!("{base}/admin/users"))
        .header("cookie", format!("jiugai_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the first admin manages accounts");
    child.kill().ok();
    child.wait().ok();

    // Once an admin has a password, a restart prints no link.
    let (mut child, lines) = start(&database_url).await;
    child.kill().ok();
    child.wait().ok();
    assert!(
        !lines.iter().any(|l| l.contains("/sign-in/link/")),
        "{lines:?}"
    );
}

/// Starts `jiugai` with no arguments on `database_url` and reads its standard output up to the
/// line that says how to sign in.
async fn start(database_url: &str) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiugai"))
        .env("DATABASE_URL", database_url)
        .env("JIUGAI_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jiugai");
    let stdout = child.stdout.take().expect("stdout");
    let lines = tokio::task::spawn_blocking(move || {
        let mut output = BufReader::new(stdout).lines();
        let mut lines = Vec::new();
        for line in output.by_ref() {
            let line = line.expect("a line of output");
            let done = line.contains("/sign-in");
            lines.push(line);
            if done {
                break;
            }
        }
        // Keep reading, so the service never writes into a closed pipe.
        std::thread::spawn(move || output.for_each(drop));
        lines
    })
    .await
    .expect("reading the output");
    (child, lines)
}
