//! Filing the monthly return: the demo filed every 2021 month and corrected November and December; a filed version
//! never changes through any route or SQL; a correction is a new version that says what it corrects, and the page
//! shows the difference; a record that contradicts the others blocks filing, naming the cell.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn versions(app: &TestApp) -> Vec<(String, i64, Option<String>)> {
    let (status, list) = app.get_json("/api/returns?year=2021").await;
    assert_eq!(status, 200, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["month"].as_str().unwrap().to_owned(),
                v["version"].as_i64().unwrap(),
                v["changes"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn cells(changes: &Value) -> Vec<String> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cell"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_demo_filed_every_2021_month_and_corrected_the_last_two() {
    let app = spawn_app().await;
    let filed = versions(&app).await;
    let firsts: Vec<String> = filed
        .iter()
        .filter(|(_, v, _)| *v == 1)
        .map(|(m, _, _)| m.clone())
        .collect();
    let months: Vec<String> = (1..=12).map(|m| format!("2021-{m:02}")).collect();
    assert_eq!(firsts, months);
    let seconds: Vec<&str> = filed
        .iter()
        .filter(|(_, v, _)| *v == 2)
        .map(|(m, _, _)| m.as_str())
        .collect();
    assert_eq!(seconds, ["2021-11", "2021-12"]);
    assert!(filed.iter().all(|(_, v, c)| (*v == 1) == c.is_none()));
    // The correction says what it changed: the late receipt, in the funds received, and nothing else.
    let (status, v2) = app.get_json("/api/returns/2021-11/versions/2").await;
    assert_eq!(status, 200, "{v2}");
    let changed = cells(&v2["since_previous_version"]);
    assert!(
        !changed.is_empty() && changed.iter().all(|c| c.starts_with("资金·")),
        "{changed:?}"
    );
    let (_, v1) = app.get_json("/api/returns/2021-11/versions/1").await;
    assert!(v2["figures"]["received_fen"].as_i64() > v1["figures"]["received_fen"].as_i64());
    assert_eq!(v1["since_previous_version"], json!([]));
    // The latest version is what the records say now.
    let (_, live) = app.get_json("/api/returns/monthly?month=2021-11").await;
    assert_eq!(live["county"], v2["figures"]["county"]);
    assert_eq!(live["received_fen"], v2["figures"]["received_fen"]);
    let (status, _) = app.get_json("/api/returns/2021-11/versions/3").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_filed_return_never_changes_and_a_correction_is_a_new_version() {
    let app = spawn_app().await;
    let (_, june) = app.get_json("/api/returns/2021-06/versions/1").await;

    // No route edits or removes a filed version, and neither does SQL.
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let (status, _) = app
            .send_json(
                method.clone(),
                "/api/returns/2021-06/versions/1",
                &json!({}),
                None,
            )
            .await;
        assert!(status == 405 || status == 404, "{method} answered {status}");
    }
    use sea_orm::ConnectionTrait;
    for sql in [
        "UPDATE monthly_returns SET figures = '{}' WHERE month = 6",
        "UPDATE monthly_returns SET version = 9",
        "DELETE FROM monthly_returns WHERE month = 6",
        "DELETE FROM monthly_returns",
    ] {
        assert!(app.db.execute_unprepared(sql).await.is_err(), "{sql}");
    }
    // Filing again with nothing changed: nothing to correct.
    let (status, body) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2021-06", "changes": "重报"}),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // … even when the clerk did not say what the correction is: that it corrects nothing comes first.
    let (status, body) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2021-06"}),
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("没有差别"),
        "{body}"
    );

    // A receipt of June registered late: June's records now differ from what was filed.
    let receipt = json!({"source": "central", "year": 2021, "amount_yuan": 123_456.78,
                         "received_on": "2021-06-15", "document_no": "财建〔2021〕99号"});
    let (status, body) = app
        .send_json(Method::POST, "/api/funds", &receipt, None)
        .await;
    assert_eq!(status, 201, "{body}");
    let planner = app.sign_in("planner1").await;
    let html = app
        .browse(&planner.cookie, "/returns?month=2021-06")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("记录已在报送后变化") && html.contains("报送更正（第 2 版）"),
        "{html}"
    );

    // A correction must say what it corrects.
    for body in [
        json!({"month": "2021-06"}),
        json!({"month": "2021-06", "changes": "  \u{200b} "}),
    ] {
        let (status, answer) = app
            .send_json(Method::POST, "/api/returns", &body, None)
            .await;
        assert_eq!(
            (status, answer["fields"]["changes"].is_array()),
            (422, true),
            "{answer}"
        );
    }
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2021-06", "changes": "bad\u{0}"}),
            None,
        )
        .await;
    assert_eq!(
        (status, answer["fields"]["changes"].is_array()),
        (422, true),
        "{answer}"
    );
    assert_eq!(versions(&app).await.len(), 14, "nothing was filed");

    // Filed from the page, it becomes version 2; version 1 stays as it was.
    let r = app
        .post_form(
            &planner,
            "/returns",
            &[
                ("month", "2021-06"),
                ("changes", "补录 6 月 15 日到位的中央补助资金 123,456.78 元"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, again) = app.get_json("/api/returns/2021-06/versions/1").await;
    assert_eq!(again, june);
    let (_, v2) = app.get_json("/api/returns/2021-06/versions/2").await;
    let central = v2["since_previous_version"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell"] == "资金·中央补助资金到位")
        .unwrap_or_else(|| panic!("{}", v2["since_previous_version"]))
        .clone();
    assert_eq!(central["difference"], "+123,456.78 元");
    let html = app
        .browse(&planner.cookie, "/returns?month=2021-06")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("第 2 版与第 1 版相比")
            && html.contains("+123,456.78 元")
            && html.contains("补录 6 月 15 日"),
        "{html}"
    );
    let audit = app
        .audit("entity=monthly_return&entity_id=2021-06 v2")
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
}

#[tokio::test]
async fn a_record_that_contradicts_the_others_blocks_filing_and_names_the_cell() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/projects?year=2021").await;
    let project = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["progress"] == "not_started")
        .expect("a project not started")
        .clone();
    let town = project["sites"][0]["town"].as_str().unwrap().to_owned();
    let code = project["code"].as_str().unwrap();
    use sea_orm::ConnectionTrait;
    // Said to be completed in September, never started.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO work_order_reports (work_order_id, project_id, kind, reported_by, reported_at) \
             SELECT w.id, p.id, 'completed', 'contractor1', '2021-09-15T02:00:00+00:00' \
             FROM work_orders w JOIN projects p ON p.id = w.project_id WHERE p.code = '{code}'"
        ))
        .await
        .unwrap();
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2021-09", "changes": "补报完工"}),
            None,
        )
        .await;
    let cell = format!("{town}·已完工小区数");
    assert_eq!(
        (status, answer["fields"][&cell].is_array()),
        (422, true),
        "{answer}"
    );
    let planner = app.sign_in("planner1").await;
    let r = app
        .post_form(
            &planner,
            "/returns",
            &[("month", "2021-09"), ("changes", "补报完工")],
            true,
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(&cell) && html.contains("不能报送"), "{html}");
    assert_eq!(versions(&app).await.len(), 14, "nothing was filed");
}

#[tokio::test]
async fn months_are_filed_in_order_and_only_once_ended() {
    let app = spawn_app().await;
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2099-01"}),
            None,
        )
        .await;
    assert_eq!(
        (status, answer["fields"]["month"].is_null()),
        (409, false),
        "{answer}"
    );
    assert!(
        answer["message"].as_str().unwrap().contains("尚未结束"),
        "{answer}"
    );
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/returns",
            &json!({"month": "2022-03"}),
            None,
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("2022 年 2 月"),
        "{answer}"
    );
    for bad in [
        json!({"month": "2021-13"}),
        json!({"month": 202106}),
        json!({}),
        json!({"month": "2021-06", "extra": 1}),
    ] {
        let (status, _) = app
            .send_json(Method::POST, "/api/returns", &bad, None)
            .await;
        assert_eq!(status, 422, "{bad}");
    }
}
