//! Funding sources' yearly limits in a plan (issue 18): a year's batch draws on each source what its compounds'
//! funding splits say that source pays, never more than the source's limit; a compound the limit leaves out says
//! so by the source's name; a limit the approved batch already exceeds, or an unknown source, is refused naming
//! the field; the plan page shows each year's use by source as a stacked bar with the limits marked, and the
//! new-plan form takes a limit per source and year.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::plan_form::beside;

fn fen(yuan: &Value) -> i64 {
    (yuan.as_f64().expect("an amount") * 100.0).round() as i64
}

async fn create(app: &TestApp, name: &str, horizon: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        "/api/scenarios",
        &json!({"name": name, "horizon": horizon}),
        None,
    )
    .await
}

/// What the central subsidy pays of a compound, in fen, as its page (the API's `funding`) shows it.
async fn central_of(app: &TestApp, code: &str) -> i64 {
    let (status, c) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_eq!(status, 200, "{c}");
    let share = c["funding"]["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .find(|s| s["source"] == "central")
        .unwrap_or_else(|| panic!("{code} has no central share: {c}"));
    fen(&share["amount_yuan"])
}

fn central_use(year: &Value) -> &Value {
    year["sources"]
        .as_array()
        .expect("the year's use by source")
        .iter()
        .find(|s| s["source"] == "central")
        .expect("the central subsidy's use")
}

#[tokio::test]
async fn a_tight_central_limit_is_kept_to_the_fen_and_named_in_the_reasons() {
    let app = spawn_app().await;
    let limit_yuan = 30_000_000u64;
    let horizon = json!({"years": (2027..=2029).map(|year| json!({
        "year": year, "budget_yuan": 330_000_000u64, "source_limits_yuan": {"central": limit_yuan},
    })).collect::<Vec<_>>()});
    let (status, s) = create(&app, "中央补助紧张", horizon).await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(
        s["horizon"]["years"][0]["source_limits_yuan"]["central"],
        limit_yuan
    );
    let plan = &s["plan"];

    let left_out: Vec<&Value> = plan["compounds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "unscheduled")
        .collect();
    assert!(
        left_out.iter().any(|c| c["reason"]
            .as_str()
            .unwrap()
            .contains("中央补助资金额度不足")),
        "some compound is left out for the central subsidy: {left_out:?}"
    );

    for y in plan["years"].as_array().unwrap() {
        let used = central_use(y);
        assert_eq!(used["name"], "中央补助资金");
        assert_eq!(fen(&used["limit_yuan"]), (limit_yuan * 100) as i64);
        assert!(fen(&used["used_yuan"]) <= (limit_yuan * 100) as i64, "{y}");
        let mut sum = 0;
        for code in y["codes"].as_array().unwrap() {
            let code = code.as_str().unwrap();
            sum += central_of(&app, code).await;
        }
        assert_eq!(sum, fen(&used["used_yuan"]), "year {}", y["year"]);
        // The other sources are reported too, unlimited.
        let bonds = y["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "bonds")
            .expect("bonds reported");
        assert!(bonds["limit_yuan"].is_null());
    }
}

#[tokio::test]
async fn unknown_sources_and_bad_limits_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let (status, body) = create(
        &app,
        "没有的来源",
        json!({"years": [{"year": 2027, "budget_yuan": 330_000_000u64,
                          "source_limits_yuan": {"central": 1_000_000u64, "moon": 5u64}}]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["fields"].as_object().unwrap();
    let message = fields["horizon.years[0].source_limits_yuan.moon"][0]
        .as_str()
        .unwrap();
    assert!(message.contains("moon"), "{message}");
    assert!(!fields.contains_key("horizon.years[0].source_limits_yuan.central"));

    for bad in [
        json!(0),
        json!(-5),
        json!(20_000_000_000_000u64),
        json!("五千万"),
    ] {
        let (status, body) = create(
            &app,
            "坏额度",
            json!({"years": [{"year": 2027, "budget_yuan": 330_000_000u64,
                              "source_limits_yuan": {"central": bad}}]}),
        )
        .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(
            body["fields"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.contains("source_limits_yuan")),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn an_approved_batch_over_a_source_limit_is_refused_naming_the_year_and_source() {
    let app = spawn_app().await;
    // The seed year's approved batch draws far more than ¥10,000 of the central subsidy.
    let (status, body) = create(
        &app,
        "额度低于已批准批次",
        json!({"years": [
            {"year": 2021, "budget_yuan": 330_000_000u64, "source_limits_yuan": {"central": 10_000u64}},
            {"year": 2022, "budget_yuan": 330_000_000u64},
        ]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let message = body["fields"]["horizon.years[0].source_limits_yuan.central"][0]
        .as_str()
        .unwrap_or_else(|| panic!("the field is named: {body}"));
    assert!(message.contains("中央补助资金"), "{message}");
    assert!(message.contains("2021"), "{message}");
}

#[tokio::test]
async fn the_plan_page_shows_each_years_use_by_source_and_the_form_takes_limits() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;

    // The form offers a limit per source, the "默认" row filled with what the policy expects of the central subsidy.
    let page = app
        .browse(&planner.cookie, "/plans")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("各资金来源年度额度（万元）"));
    assert!(
        page.contains("<th>中央补助资金</th>"),
        "a column per source"
    );
    let default_central = {
        let at = page
            .find("name=\"source_wan_central\"")
            .expect("the default row's central limit");
        let rest = &page[at..];
        let v = rest.find("value=\"").unwrap() + 7;
        rest[v..].split('"').next().unwrap().to_owned()
    };
    assert_eq!(
        default_central, "5000",
        "the policy's yearly central subsidy"
    );

    // A mistyped limit comes back beside its cell, everything kept.
    let r = app
        .post_form(
            &planner,
            "/plans",
            &[
                ("name", "来源额度方案"),
                ("from", "2027"),
                ("to", "2029"),
                ("budget_wan", "33000"),
                ("source_wan_central", &default_central),
                ("source_wan_bonds_2028", "0"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let message = beside(&html, "source_wan_bonds_2028").expect("a message beside the cell");
    assert!(message.contains("2028 年专项债券额度"), "{message}");

    // The form's defaults make the demo's default plan: the central subsidy binds.
    let r = app
        .post_form(
            &planner,
            "/plans",
            &[
                ("name", "来源额度方案"),
                ("from", "2027"),
                ("to", "2030"),
                ("budget_wan", "33000"),
                ("source_wan_central", &default_central),
                ("source_wan_bonds_2028", "2000"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/plans/");
    let (_, s) = app.get_json(&format!("/api/scenarios/{id}")).await;
    let years = s["horizon"]["years"].as_array().unwrap();
    assert_eq!(years.len(), 4);
    for y in years {
        assert_eq!(y["source_limits_yuan"]["central"], 50_000_000u64, "{y}");
    }
    assert_eq!(years[1]["source_limits_yuan"]["bonds"], 20_000_000u64);
    assert!(years[0]["source_limits_yuan"].get("bonds").is_none());
    assert!(
        s["plan"]["compounds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["year"].is_null()
                && c["reason"]
                    .as_str()
                    .unwrap()
                    .contains("中央补助资金额度不足")),
        "the default plan leaves some compound out for the central subsidy"
    );

    // The plan page: a stacked bar per year, each limit marked and stated, a legend.
    let html = app
        .browse(&planner.cookie, &location)
        .await
        .text()
        .await
        .unwrap();
    let chart = &html[html
        .find("<figure class=\"chart sources\">")
        .expect("the sources chart")..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    for year in 2027..=2030 {
        assert!(chart.contains(&format!("{year} 年</text>")), "{year}'s bar");
    }
    assert_eq!(
        chart.matches("class=\"limit\"").count(),
        5,
        "4 central marks, 1 bonds mark"
    );
    assert!(chart.contains("中央补助资金额度"));
    assert!(chart.contains("中央补助资金 已用 "));
    assert!(chart.contains("额度 5000万元（"));
    assert!(chart.contains("专项债券 已用 "));
    for name in ["中央补助资金", "专项债券", "省级及市县财政"] {
        assert!(
            chart.contains(&format!("</svg>{name}</span>")),
            "{name} in the legend"
        );
    }
}

/// At the desk (1280 px Chromium): the plan page's bars and the form's limit columns, saved to
/// `target/screenshots/plan-sources-*.png` to be looked at. Skipped, loudly, without Chromium.
#[tokio::test]
async fn the_bars_and_the_form_at_the_desk() {
    use crate::browser::{desk_browser, screenshot_path, sign_in};
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let horizon = json!({"years": (2027..=2030).map(|year| json!({
        "year": year, "budget_yuan": 330_000_000u64,
        "source_limits_yuan": if year == 2028 {
            json!({"central": 50_000_000u64, "bonds": 20_000_000u64})
        } else {
            json!({"central": 50_000_000u64})
        },
    })).collect::<Vec<_>>()});
    let (status, s) = create(&app, "四年方案（中央补助每年 5000 万元）", horizon).await;
    assert_eq!(status, 201, "{s}");
    sign_in(&client, &app, "planner1").await;
    for (path, anchor, name) in [
        (
            format!("/plans/{}", s["id"]),
            "sources",
            "plan-sources-bars.png",
        ),
        ("/plans".to_owned(), "new", "plan-sources-form.png"),
        (
            "/plans".to_owned(),
            "source-limits",
            "plan-sources-form-limits.png",
        ),
    ] {
        client.goto(&app.url(&path)).await.expect("open the page");
        client
            .execute(
                &format!("document.getElementById('{anchor}').scrollIntoView();"),
                vec![],
            )
            .await
            .expect("scroll");
        std::fs::write(
            screenshot_path(name),
            client.screenshot().await.expect("screenshot"),
        )
        .expect("save the screenshot");
    }
}
