//! Funding sources (资金来源): every compound's estimate split by the policy's sources, exact to the fen, and the
//! sources edited through the policy with their classes and items checked against the catalog.

use serde_json::{Value, json};

use crate::helpers::{TestApp, client_with_token, spawn_app};

fn fen(yuan: &Value) -> i64 {
    (yuan.as_f64().unwrap() * 100.0).round() as i64
}

fn share<'a>(compound: &'a Value, source: &str) -> &'a Value {
    compound["funding"]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no {source} in {}", compound["funding"]))
}

fn line_fen(compound: &Value, item: &str) -> i64 {
    compound["estimate"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == item)
        .map_or(0, |l| fen(&l["amount_yuan"]))
}

async fn compound(app: &TestApp, code: &str) -> Value {
    let (status, c) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_eq!(status, 200, "{c}");
    c
}

#[tokio::test]
async fn every_estimate_is_split_by_source_and_the_shares_add_up_to_the_fen() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/compounds?per_page=40").await;
    let mut split = 0;
    for item in list["items"].as_array().unwrap() {
        let c = compound(&app, item["code"].as_str().unwrap()).await;
        let total = fen(&c["estimate"]["total_yuan"]);
        let shares: i64 = c["funding"]["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| fen(&s["amount_yuan"]))
            .sum();
        assert_eq!(
            shares + fen(&c["funding"]["unfunded_yuan"]),
            total,
            "{}",
            c["code"]
        );
        split += usize::from(total > 0);
    }
    assert!(split > 20, "most listed compounds have a scope");

    // 工行小区, 240 households: the pipeline firms pay half of their networks (water, gas, telecom); the central
    // subsidy is capped at ¥15,000 a household; the local budgets pay the rest; nothing is left unfunded.
    let c = compound(&app, "RS-0001").await;
    let networks: i64 = ["B04", "B06", "B07", "B12"]
        .iter()
        .map(|i| line_fen(&c, i))
        .sum();
    assert_eq!(fen(&share(&c, "pipeline")["amount_yuan"]), networks / 2);
    assert_eq!(fen(&share(&c, "central")["amount_yuan"]), 1_500_000 * 240);
    assert_eq!(share(&c, "central")["name"], "中央补助资金");
    assert_eq!(fen(&c["funding"]["unfunded_yuan"]), 0);
}

#[tokio::test]
async fn the_compound_page_shows_where_the_money_comes_from() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let html = app
        .browse(&planner.cookie, "/compounds/RS-0001")
        .await
        .text()
        .await
        .unwrap();
    let at = html.find("id=\"funding\"").expect("a funding table");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    for words in [
        "中央补助资金",
        "3,600,000.00",
        "管线单位出资",
        "省级及市县财政",
        "%",
    ] {
        assert!(table.contains(words), "{words} missing in {table}");
    }
}

#[tokio::test]
async fn funding_sources_are_edited_through_the_policy_and_checked_against_the_catalog() {
    let app = spawn_app().await;
    let admin = client_with_token(&app.tokens.admin);
    let put = |body: Value, tag: &str| {
        admin
            .put(app.url("/api/policy"))
            .header("if-match", tag)
            .json(&body)
            .send()
    };
    let (_, policy) = app.get_json("/api/policy").await;
    let sources = policy["funding"]["sources"].as_array().unwrap().clone();
    let central = sources.iter().position(|s| s["code"] == "central").unwrap();
    let before = app.snapshot().await;
    let bad = [
        ("items", json!(["Z99"]), "没有编号为“Z99”的工程项目"),
        ("classes", json!(["safety"]), "没有“safety”这一改造类别"),
        ("share", json!(1.5), "0 到 1 之间"),
        ("code", json!("中央"), "英文字母"),
    ];
    for (field, value, says) in bad {
        let mut p = policy.clone();
        p["funding"]["sources"][central][field] = value;
        let r = put(p, "\"1\"").await.unwrap();
        assert_eq!(r.status(), 422, "{field}");
        let body: Value = r.json().await.unwrap();
        let key = format!("funding.sources[{central}].{field}");
        assert!(
            body["fields"][&key].to_string().contains(says),
            "{key}: {body}"
        );
    }
    let mut twice = policy.clone();
    twice["funding"]["sources"][1]["code"] = sources[0]["code"].clone();
    let r = put(twice, "\"1\"").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.snapshot().await, before, "nothing written");

    // A larger central cap: 工行小区's central share follows at once, and the audit says what changed, in words.
    let mut p = policy.clone();
    p["funding"]["sources"][central]["cap_per_household_yuan"] = json!(20_000);
    let r = put(p, "\"1\"").await.unwrap();
    assert_eq!(r.status(), 200);
    let c = compound(&app, "RS-0001").await;
    assert_eq!(fen(&share(&c, "central")["amount_yuan"]), 2_000_000 * 240);
    let log = app.audit("entity=policy&action=update").await;
    let entry = &log["items"][0];
    assert!(
        entry["after"]["funding_sources"]
            .to_string()
            .contains("中央补助资金：基础类，承担 100%，每户至多 2万元"),
        "{entry}"
    );
}

#[tokio::test]
async fn the_bureau_sets_a_compound_s_own_split_with_a_reason_and_can_go_back_to_the_policy_s() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let c = compound(&app, "RS-0003").await;
    let total = fen(&c["estimate"]["total_yuan"]);
    assert!(total > 0);
    let yuan = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    let half = total / 2;
    let version = c["version"].to_string();
    let post = |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, String)> = fields;
        let planner = &planner;
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(planner, "/compounds/RS-0003/funding", &pairs, true)
                .await
        }
    };
    let reason = "原产权单位承担部分费用".to_owned();

    // One fen short of the estimate, and a word for a number: both refused beside their fields, input kept.
    let r = post(vec![
        ("version", version.clone()),
        ("share_central", yuan(half)),
        ("share_local", yuan(total - half - 1)),
        ("funding_reason", reason.clone()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("与投资估算") && html.contains("须相等"),
        "{html}"
    );
    assert!(html.contains(&yuan(total - half - 1)) && html.contains(&reason));
    let r = post(vec![
        ("version", version.clone()),
        ("share_central", "一百万".into()),
        ("funding_reason", reason.clone()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("须为以元计的金额") && html.contains("value=\"一百万\""));
    assert_eq!(
        compound(&app, "RS-0003").await["version"],
        c["version"],
        "nothing written"
    );

    // Half central, half local: saved, shown with its reason, audited.
    let r = post(vec![
        ("version", version.clone()),
        ("share_central", yuan(half)),
        ("share_local", yuan(total - half)),
        ("share_bonds", String::new()),
        ("funding_reason", reason.clone()),
    ])
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let own = compound(&app, "RS-0003").await;
    assert_eq!(own["funding"]["reason"], reason.as_str());
    assert_eq!(fen(&share(&own, "central")["amount_yuan"]), half);
    assert_eq!(fen(&share(&own, "local")["amount_yuan"]), total - half);
    assert_eq!(fen(&share(&own, "pipeline")["amount_yuan"]), 0);
    assert_eq!(fen(&own["funding"]["unfunded_yuan"]), 0);
    let page = app
        .browse(&planner.cookie, "/compounds/RS-0003")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("本小区的资金分摊已由住建局调整") && page.contains(&reason));
    let log = app
        .audit("entity=compound&entity_id=RS-0003&action=update")
        .await;
    assert_eq!(
        log["items"][0]["after"]["properties"]["funding_override"]["reason"],
        reason.as_str(),
        "{log}"
    );

    // The API is held to the same rules: a source the policy does not have is refused by name.
    let mut edit = own.clone();
    edit["funding_override"]["shares"] = json!({"lottery": total as f64 / 100.0});
    let (status, body) = app
        .send_json(
            reqwest::Method::PUT,
            "/api/compounds/RS-0003",
            &edit,
            Some(&format!("\"{}\"", own["version"])),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["fields"]["funding_override.shares.lottery"].is_array(),
        "{body}"
    );

    // Back to the policy's split.
    let r = post(vec![
        ("version", own["version"].to_string()),
        ("action", "clear".into()),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let back = compound(&app, "RS-0003").await;
    assert!(back["funding"].get("reason").is_none());
    assert_eq!(back["funding"], c["funding"]);
}

#[tokio::test]
async fn a_project_adds_up_its_compounds_splits() {
    let app = spawn_app().await;
    let (_, projects) = app.get_json("/api/projects?year=2021").await;
    // A district project of several compounds, if the batch has one, else the first.
    let items = projects["items"].as_array().unwrap();
    let project = items
        .iter()
        .find(|p| p["sites"].as_array().unwrap().len() > 1)
        .unwrap_or(&items[0]);
    let code = project["code"].as_str().unwrap();
    let (status, p) = app.get_json(&format!("/api/projects/{code}")).await;
    assert_eq!(status, 200, "{p}");
    let mut by_source: std::collections::BTreeMap<String, i64> = Default::default();
    let mut estimates = 0;
    for site in p["sites"].as_array().unwrap() {
        let c = compound(&app, site["code"].as_str().unwrap()).await;
        estimates += fen(&c["estimate"]["total_yuan"]);
        for s in c["funding"]["shares"].as_array().unwrap() {
            *by_source
                .entry(s["source"].as_str().unwrap().to_owned())
                .or_default() += fen(&s["amount_yuan"]);
        }
    }
    let mut total = fen(&p["funding"]["unfunded_yuan"]);
    for s in p["funding"]["shares"].as_array().unwrap() {
        assert_eq!(
            fen(&s["amount_yuan"]),
            by_source[s["source"].as_str().unwrap()],
            "{s}"
        );
        total += fen(&s["amount_yuan"]);
    }
    assert_eq!(total, estimates);
    let planner = app.sign_in("planner1").await;
    let html = app
        .browse(&planner.cookie, &format!("/projects/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"funding\"") && html.contains("省级及市县财政"));
}
