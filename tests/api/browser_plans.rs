//! The bureau at its desk (1280 px Chromium): a planner makes a whole plan scenario through the form — the years
//! updated, a year's own budget, a pin and an exclusion — and approves a year; an admin changes a unit cost and
//! finds the stored estimates priced again and the change in the audit log. Screenshots go to
//! `target/screenshots/`. Skipped, loudly, without Chromium.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{desk_browser, follow, screenshot_path, sign_in, text_of};
use crate::helpers::{plan_picks, spawn_app};

async fn shot(client: &Client, name: &str) {
    std::fs::write(
        screenshot_path(name),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save the screenshot");
}

async fn fill(client: &Client, css: &str, value: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Waits until the browser's address path starts with `prefix` (a form posted and answered).
async fn wait_for_path(client: &Client, prefix: &str) -> String {
    for _ in 0..300 {
        let url = client.current_url().await.expect("the address");
        if url.path().starts_with(prefix) {
            return format!(
                "{}{}",
                url.path(),
                url.query().map(|q| format!("?{q}")).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached {prefix}");
}

#[tokio::test]
async fn a_planner_makes_a_whole_plan_through_the_form_and_approves_a_year() {
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    // A compound planned late and one planned early, to pin and leave out.
    let (late, early) = plan_picks(&app).await;

    sign_in(&client, &app, "planner1").await;
    client
        .goto(&app.url("/plans"))
        .await
        .expect("open the plans");
    fill(&client, "input[name=name]", "三年方案（逐年预算）").await;
    fill(&client, "input[name=from]", "2022").await;
    fill(&client, "input[name=to]", "2024").await;
    follow(&client, "button[name=refresh]").await;
    client
        .wait()
        .for_element(Locator::Css("input[name=budget_wan_2024]"))
        .await
        .expect("a row for 2024");
    assert!(
        text_of(&client, "p.notice[role=status]")
            .await
            .contains("2022–2024")
    );
    assert!(
        client
            .find(Locator::Css("input[name=budget_wan_2025]"))
            .await
            .is_err(),
        "no row past the horizon"
    );
    // A year's budget mistyped: the same form, the message beside that cell, everything typed kept.
    fill(&client, "input[name=budget_wan_2023]", "两亿").await;
    fill(&client, "textarea[name=pins]", &format!("{late}=2023")).await;
    follow(&client, "#create button.primary").await;
    client
        .wait()
        .for_element(Locator::Css("#create .field-error"))
        .await
        .expect("a message on the form");
    let said = text_of(&client, "#create tr:nth-child(3) .field-error").await;
    assert!(said.contains("2023"), "{said}");
    client
        .execute(
            "document.getElementById('create').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll to the form");
    shot(&client, "plan-form-refused-desk.png").await;
    fill(&client, "input[name=budget_wan_2023]", "25000").await;
    fill(&client, "input[name=max_compounds]", "81").await;
    fill(&client, "textarea[name=pins]", &format!("{late}=2023")).await;
    fill(&client, "textarea[name=exclusions]", &early).await;
    client
        .execute("document.getElementById('new').scrollIntoView();", vec![])
        .await
        .expect("scroll to the form");
    shot(&client, "plan-form-desk.png").await;
    follow(&client, "#create button.primary").await;
    let path = wait_for_path(&client, "/plans/").await;
    let id = path.trim_start_matches("/plans/").to_owned();
    client
        .wait()
        .for_element(Locator::Css("form#approve"))
        .await
        .expect("the plan page with its approval form");
    shot(&client, "plan-made-desk.png").await;

    let (_, s) = app.get_json(&format!("/api/scenarios/{id}")).await;
    assert_eq!(s["horizon"]["years"][1]["budget_yuan"], 250_000_000u64);
    assert_eq!(s["horizon"]["pins"][&late], 2023);
    assert_eq!(s["horizon"]["exclusions"], json!([early]));

    // Approve the first year that can be.
    let approvals = || async {
        app.audit("entity=batch&action=approve").await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let approved_before = approvals().await;
    click(&client, "form#approve input[name=confirm]").await;
    follow(&client, "form#approve button[type=submit]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for_path(&client, &format!("/plans/{id}")).await;
    assert_eq!(approvals().await, approved_before + 1, "one year approved");
    shot(&client, "plan-approved-desk.png").await;
}

#[tokio::test]
async fn an_admin_changes_a_unit_cost_and_sees_the_estimates_priced_again() {
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    // A compound whose scope has roof works and is not contracted yet.
    let (_, list) = app
        .get_json("/api/compounds?status=surveyed&per_page=100")
        .await;
    let mut open = None;
    for c in list["items"].as_array().unwrap() {
        let code = c["code"].as_str().unwrap();
        let (_, full) = app.get_json(&format!("/api/compounds/{code}")).await;
        if full["estimate"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["item"] == "B01")
        {
            open = Some(full);
            break;
        }
    }
    let before = open.expect("a surveyed compound with roof works");
    let code = before["code"].as_str().unwrap().to_owned();

    sign_in(&client, &app, "admin1").await;
    client
        .goto(&app.url("/settings/catalog"))
        .await
        .expect("open the catalog");
    shot(&client, "settings-catalog-desk.png").await;
    follow(&client, "a[href^=\"/settings/catalog?edit=B01\"]").await;
    client
        .wait()
        .for_element(Locator::Css("form#item input[name=unit_cost_yuan]"))
        .await
        .expect("the item's form");
    fill(&client, "form#item input[name=unit_cost_yuan]", "185.50").await;
    shot(&client, "settings-item-form-desk.png").await;
    follow(&client, "form#item button[type=submit]").await;
    wait_for_path(&client, "/settings/catalog").await;
    client
        .wait()
        .for_element(Locator::Css("div.notice[role=status]"))
        .await
        .expect("what the save did");
    let said = text_of(&client, "div.notice[role=status]").await;
    assert!(
        said.contains("已重新计算") && said.contains("个小区的估算"),
        "{said}"
    );
    shot(&client, "settings-item-saved-desk.png").await;

    let (_, after) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_ne!(
        after["estimated_cost_yuan"], before["estimated_cost_yuan"],
        "{code} priced again"
    );

    client
        .goto(&app.url("/admin/audit"))
        .await
        .expect("open the audit log");
    let page = client.source().await.unwrap();
    assert!(
        page.contains("按新单价重算估算") && page.contains("工程项目"),
        "the log shows it"
    );
    shot(&client, "settings-audit-desk.png").await;

    client
        .goto(&app.url("/settings/policy"))
        .await
        .expect("open the policy");
    shot(&client, "settings-policy-desk.png").await;
}
