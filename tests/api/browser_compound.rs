//! A planner at a desk, for real (headless Chromium at 1280 px): creates a compound through the form with its
//! boundary uploaded as a GeoJSON file, enters its survey, scope (重新计算 first, then 保存) and consent, sees
//! its category and cost, and finds it in the list. Screenshots go to `target/screenshots/compound-*.png`.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{desk_browser, follow, screenshot_path, sign_in, text_of};
use crate::helpers::spawn_app;

async fn fill(client: &Client, name: &str, value: &str) {
    let field = client
        .find(Locator::Css(&format!("[name=\"{name}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

async fn choose(client: &Client, name: &str, value: &str) {
    client
        .find(Locator::Css(&format!("select[name=\"{name}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{name} = {value}: {e}"));
}

/// A date field set as a date picker sets it (typing into one depends on the browser's locale).
async fn date(client: &Client, name: &str, value: &str) {
    client
        .execute(
            &format!("document.querySelector('[name=\"{name}\"]').value = arguments[0];"),
            vec![serde_json::json!(value)],
        )
        .await
        .expect("set the date");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn wait_for_path(client: &Client, path: &str) {
    for _ in 0..100 {
        if client.current_url().await.expect("url").path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = text_of(client, "main").await;
    panic!("never reached {path}: {body}");
}

/// The whole page (the window made as tall as the page), saved under `name`.
async fn shoot(client: &Client, name: &str) {
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .expect("measure")
        .as_f64()
        .unwrap_or(900.0) as u32;
    client
        .set_window_size(1280, height.clamp(900, 6000) + 140)
        .await
        .expect("resize");
    std::fs::write(
        screenshot_path(name),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");
    client
        .set_window_size(1280, 900)
        .await
        .expect("resize back");
}

#[tokio::test]
async fn a_planner_creates_a_compound_with_its_boundary_survey_scope_and_consent_and_finds_it_listed()
 {
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    sign_in(&client, &app, "planner1").await;

    // The list's 新建小区 link, the form filled and a GeoJSON file chosen.
    client.goto(&app.url("/compounds")).await.expect("the list");
    follow(&client, "a[href=\"/compounds/new\"]").await;
    wait_for_path(&client, "/compounds/new").await;
    for (name, value) in [
        ("code", "RS-DESK1"),
        ("name", "桌面测试小区"),
        ("community", "文林社区"),
        ("address", "文林街道书院路 3 号"),
        ("year_built", "1994"),
        ("buildings", "5"),
        ("households", "150"),
        ("floor_area_m2", "12000"),
        ("storeys", "6"),
    ] {
        fill(&client, name, value).await;
    }
    choose(&client, "town_code", "511421001").await;
    choose(&client, "property_management", "none").await;
    choose(&client, "origin", "unit_fundraised").await;
    // First a ring that crosses itself: refused, the message beside the boundary, the outline drawn.
    fill(
        &client,
        "boundary_text",
        "104.33,30.33 104.3315,30.3314 104.3318,30.33 104.3302,30.3312",
    )
    .await;
    follow(&client, "#facts button[type=submit]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = text_of(&client, "#facts").await;
    assert!(refused.contains("自相交"), "{refused}");
    assert!(
        text_of(&client, "figure.outline")
            .await
            .contains("所填边界的示意")
    );
    shoot(&client, "compound-refused.png").await;
    fill(&client, "boundary_text", "").await;
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("边界.geojson");
    std::fs::write(
        &file,
        r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[104.33,30.33],[104.3315,30.33],[104.3318,30.3312],[104.3302,30.3314],[104.33,30.33]]]}}"#,
    )
    .expect("write the file");
    client
        .find(Locator::Css("input[name=\"boundary_file\"]"))
        .await
        .expect("the file field")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    shoot(&client, "compound-new.png").await;
    follow(&client, "#facts button[type=submit]").await;
    wait_for_path(&client, "/compounds/RS-DESK1").await;
    let (status, c) = app.get_json("/api/compounds/RS-DESK1").await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        c["geometry"]["coordinates"][0][2][0], 104.3318,
        "the uploaded boundary"
    );
    assert!(
        !text_of(&client, "figure.outline").await.is_empty(),
        "its outline"
    );

    // The survey, on the compound's page.
    date(&client, "surveyed_on", "2021-05-20").await;
    choose(&client, "d0_code", "roof_leak").await;
    choose(&client, "d0_severity", "safety").await;
    fill(&client, "d0_note", "顶楼渗水，雨季严重").await;
    choose(&client, "d1_code", "canteen_missing").await;
    choose(&client, "d1_severity", "amenity").await;
    fill(&client, "d1_note", "老人就餐不便").await;
    follow(&client, "#survey button[type=submit]").await;
    wait_for_path(&client, "/compounds/RS-DESK1").await;
    assert!(
        text_of(&client, "main")
            .await
            .contains("顶楼渗水，雨季严重")
    );

    // The scope: items ticked, 重新计算 shows the estimate, 保存 writes it.
    follow(&client, "a[href=\"/compounds/RS-DESK1/scope\"]").await;
    wait_for_path(&client, "/compounds/RS-DESK1/scope").await;
    for item in ["B01", "B03", "U05"] {
        click(&client, &format!("input[name=\"pick_{item}\"]")).await;
    }
    fill(&client, "qty_B03", "160").await;
    fill(&client, "reason_B03", "含两个门面的楼道").await;
    follow(&client, "button[value=recalc]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let summary = text_of(&client, ".summary-box").await;
    assert!(
        summary.contains("重新计算的结果") && summary.contains("提升类"),
        "{summary}"
    );
    shoot(&client, "compound-scope-recalc.png").await;
    follow(&client, "button[value=save]").await;
    wait_for_path(&client, "/compounds/RS-DESK1/scope").await;
    let summary = text_of(&client, ".summary-box").await;
    assert!(
        summary.contains("现存改造内容") && summary.contains("提升类"),
        "{summary}"
    );

    // The consent record.
    client
        .goto(&app.url("/compounds/RS-DESK1"))
        .await
        .expect("the compound");
    date(&client, "recorded_on", "2021-06-01").await;
    for (name, value) in [
        ("owners_total", "150"),
        ("area_total_m2", "11000"),
        ("participating_owners", "130"),
        ("participating_area_m2", "9800"),
        ("agreeing_owners", "120"),
        ("agreeing_area_m2", "9000"),
    ] {
        fill(&client, name, value).await;
    }
    follow(&client, "#consent button[type=submit]").await;
    wait_for_path(&client, "/compounds/RS-DESK1").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let main = text_of(&client, "main").await;
    assert!(
        main.contains("达到“双三分之二参与、双四分之三同意”"),
        "{main}"
    );
    assert!(main.contains("提升类"), "the category");
    let (_, c) = app.get_json("/api/compounds/RS-DESK1").await;
    let cost = c["estimated_cost_yuan"].as_f64().unwrap();
    // 2000 m² roof × 320 + 160 households × 6500 + one canteen 400,000.
    assert_eq!(cost, 2000.0 * 320.0 + 160.0 * 6500.0 + 400_000.0);
    assert!(main.contains("2,080,000.00"), "the cost on the page");
    assert!(
        main.contains("工程量调整理由：含两个门面的楼道"),
        "the reason"
    );
    shoot(&client, "compound-page.png").await;

    // Found in the list.
    client
        .goto(&app.url("/compounds?q=桌面测试"))
        .await
        .expect("the list");
    let list = text_of(&client, "main").await;
    assert!(
        list.contains("RS-DESK1") && list.contains("桌面测试小区"),
        "{list}"
    );
    shoot(&client, "compound-list.png").await;
}
