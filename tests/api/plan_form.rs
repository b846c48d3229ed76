//! The whole plan scenario through the `/plans` form: per-year budgets and caps (blank years take the "默认"
//! row), discount, district projects, pins and exclusions — the same scenario `POST /api/scenarios` makes. A
//! refused form comes back with what was typed and each message beside its field; "更新年份" saves nothing.

use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, plan_picks, spawn_app};

/// The message beside field `name` (inside its label), if any.
pub fn beside(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let label = &html[at..at + html[at..].find("</label>")?];
    let message = label
        .split("<span class=\"field-error\" role=\"alert\">")
        .nth(1)?;
    Some(message.split("</span>").next()?.to_owned())
}

async fn scenario_count(app: &TestApp) -> usize {
    let (_, list) = app.get_json("/api/scenarios").await;
    list["items"].as_array().unwrap().len()
}

async fn post(app: &TestApp, planner: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(planner, "/plans", fields, true).await
}

#[tokio::test]
async fn a_planner_makes_the_whole_scenario_through_the_form() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let (late, early) = plan_picks(&app).await;
    let pins = format!("{late}=2023\n");
    let r = post(
        &app,
        &planner,
        &[
            ("name", "逐年预算方案"),
            ("from", "2022"),
            ("to", "2024"),
            ("budget_wan", "33000"),
            ("max_compounds", "81"),
            ("max_households", ""),
            ("budget_wan_2022", ""),
            ("budget_wan_2023", "20000"),
            ("max_compounds_2023", "60"),
            ("budget_wan_2024", "40000"),
            ("max_households_2024", "20000"),
            ("discount", "0.85"),
            ("bundles", "no"),
            ("pins", &pins),
            ("exclusions", &early),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/plans/");
    let (status, s) = app.get_json(&format!("/api/scenarios/{id}")).await;
    assert_eq!(status, 200);
    let h = &s["horizon"];
    assert_eq!(
        h["years"],
        json!([
            {"year": 2022, "budget_yuan": 330_000_000u64, "max_compounds": 81, "max_households": null},
            {"year": 2023, "budget_yuan": 200_000_000u64, "max_compounds": 60, "max_households": null},
            {"year": 2024, "budget_yuan": 400_000_000u64, "max_compounds": 81, "max_households": 20000},
        ])
    );
    assert_eq!(h["discount"], 0.85);
    assert_eq!(h["bundles"], false);
    assert_eq!(h["pins"], json!({ late.clone(): 2023 }));
    assert_eq!(h["exclusions"], json!([early.clone()]));
    let year_of = |code: &str| {
        s["plan"]["compounds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["year"].clone())
    };
    assert_eq!(year_of(&late), Some(json!(2023)), "the pin holds");
    assert_eq!(year_of(&early), Some(Value::Null), "the exclusion holds");
}

#[tokio::test]
async fn a_bad_year_cell_and_an_unknown_pin_come_back_beside_their_fields_with_the_input_kept() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let before = scenario_count(&app).await;
    let r = post(
        &app,
        &planner,
        &[
            ("name", "有误的方案"),
            ("from", "2022"),
            ("to", "2024"),
            ("budget_wan", "33000"),
            ("budget_wan_2023", "两亿"),
            ("pins", "RS-0001=2023"),
            ("exclusions", "RS-0002"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("action=\"/plans\""));
    let message = beside(&html, "budget_wan_2023").expect("a message beside 2023's budget");
    assert!(message.contains("2023"), "{message}");
    for kept in [
        "value=\"两亿\"",
        "value=\"有误的方案\"",
        "RS-0001=2023",
        "RS-0002",
    ] {
        assert!(html.contains(kept), "{kept} is kept");
    }
    assert!(!html.contains("用 API"), "no talk of the API");

    // The cells are right, but a pinned code does not exist: said beside the pins, naming it.
    let r = post(
        &app,
        &planner,
        &[
            ("name", "有误的方案"),
            ("from", "2022"),
            ("to", "2024"),
            ("budget_wan", "33000"),
            ("pins", "RS-9999=2023"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let message = beside(&html, "pins").expect("a message beside the pins");
    assert!(message.contains("RS-9999"), "{message}");
    assert!(
        html.contains("RS-9999=2023</textarea>"),
        "the pins are kept"
    );
    assert_eq!(scenario_count(&app).await, before, "nothing saved");
}

#[tokio::test]
async fn updating_the_years_lists_a_row_per_year_and_saves_nothing() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let before = scenario_count(&app).await;
    let r = post(
        &app,
        &planner,
        &[
            ("name", "五年方案"),
            ("from", "2022"),
            ("to", "2026"),
            ("budget_wan", "33000"),
            ("budget_wan_2023", "25000"),
            ("refresh", "years"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for year in 2022..=2026 {
        assert!(
            html.contains(&format!("name=\"budget_wan_{year}\"")),
            "{year} has a row"
        );
    }
    assert!(!html.contains("name=\"budget_wan_2027\""));
    assert!(html.contains("value=\"25000\"") && html.contains("value=\"五年方案\""));
    assert_eq!(scenario_count(&app).await, before, "nothing saved");
}
