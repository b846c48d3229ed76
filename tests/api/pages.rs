use reqwest::Method;

use crate::helpers::{new_compound, spawn_app};

async fn html(app: &crate::helpers::TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{path}"
    );
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn the_overview_list_compound_and_map_pages_render() {
    let app = spawn_app().await;
    let (status, body) = html(&app, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("410") && body.contains("基础类") && body.contains("<svg"));
    let (status, body) = html(&app, "/compounds?town=511421001&category=basic").await;
    assert_eq!(status, 200);
    assert!(body.contains("文林街道") && body.contains("基础类"));
    let (status, body) = html(&app, "/compounds/RS-0001").await;
    assert_eq!(status, 200);
    for expected in [
        "工行小区",
        "1996",
        "改造内容与投资估算",
        "<path d=\"M",
        "居民意愿",
    ] {
        assert!(body.contains(expected), "{expected}");
    }
    let (status, body) = html(&app, "/map").await;
    assert_eq!(status, 200);
    // One dot per compound, each a link to its page, naming it on hover.
    assert_eq!(
        body.matches("<a class=\"dot\" href=\"/compounds/RS-")
            .count(),
        410
    );
    assert_eq!(body.matches("class=\"dot-label\"").count(), 410);
    // The towns are named (those with room), and each has its own map.
    assert!(body.contains("class=\"town-label\""));
    let town = "文林街道";
    assert!(body.contains(&format!(
        "<a href=\"/map?town={}\">",
        percent_encoding::utf8_percent_encode(town, percent_encoding::NON_ALPHANUMERIC)
    )));
    let (status, zoomed) = html(&app, &format!("/map?town={town}")).await;
    assert_eq!(status, 200);
    assert!(zoomed.contains("文林街道老旧小区分布图"));
    assert_eq!(
        zoomed.matches("<a class=\"dot\"").count(),
        103,
        "only that town's compounds"
    );
    let (status, body) = html(&app, "/compounds/RS-9999").await;
    assert_eq!(status, 404);
    assert!(body.contains("没有找到"));
    let (status, _) = html(&app, "/compounds?per_page=-1").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn text_a_user_typed_is_escaped_on_every_page() {
    let app = spawn_app().await;
    let mut evil = new_compound("RS-XSS1");
    evil["name"] = serde_json::json!("<script>alert(1)</script>\"><img src=x onerror=alert(2)>");
    evil["address"] = serde_json::json!("' onmouseover='alert(3)");
    evil["community"] = serde_json::json!("<b>社区</b>");
    let (status, _) = app
        .send_json(Method::POST, "/api/compounds", &evil, None)
        .await;
    assert_eq!(status, 201);
    for path in [
        "/compounds/RS-XSS1",
        "/compounds?q=script",
        "/",
        "/map",
        "/compounds?community=%3Cb%3E",
    ] {
        let (_, body) = html(&app, path).await;
        assert!(!body.contains("<script>alert"), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
        assert!(!body.contains("<b>社区"), "{path}");
        assert!(!body.contains("' onmouseover='"), "{path}");
    }
    let (_, body) = html(&app, "/compounds/RS-XSS1").await;
    assert!(body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn the_stylesheet_is_served() {
    let app = spawn_app().await;
    let r = app.get("/static/app.css").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}
