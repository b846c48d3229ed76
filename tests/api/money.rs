//! Money received and paid: receipts by source, payments by milestone, final accounts, reversals — exact in fen,
//! refused by name, never edited (not even by SQL), every write audited.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client_with_token, spawn_app};
use crate::work_orders::{assign, issue, new_project};

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

fn fen(v: &Value) -> i64 {
    v["fen"]
        .as_i64()
        .unwrap_or_else(|| panic!("an amount: {v}"))
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    app.send_json(Method::POST, path, &body, None).await
}

async fn money(app: &TestApp, project: &str) -> Value {
    let (status, m) = app
        .get_json(&format!("/api/projects/{project}/payments"))
        .await;
    assert_eq!(status, 200, "{m}");
    m
}

async fn ledger_len(app: &TestApp, year: i32) -> usize {
    let (status, l) = app.get_json(&format!("/api/money?year={year}")).await;
    assert_eq!(status, 200, "{l}");
    l["items"].as_array().map_or(0, Vec::len)
}

/// The contractor's report on the project's current order (through its own API token).
async fn report(app: &TestApp, number: &str, what: &str, body: Value) {
    let r = client_with_token(&app.tokens.contractor)
        .post(app.url(&format!("/api/work-orders/{number}/{what}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{what}: {}", r.status());
}

#[tokio::test]
async fn payments_keep_to_their_milestones_and_the_contract_unless_a_reason_is_recorded() {
    let app = spawn_app().await;
    let project = new_project(&app).await;
    let pay = format!("/api/projects/{project}/payments");
    // Reports are dated as they come: today in Beijing, which payments may not precede.
    let today = jiugai::domain::time::beijing_date(chrono::Utc::now()).to_string();
    let advance =
        |amount: f64| json!({"milestone": "advance", "amount_yuan": amount, "paid_on": today});

    // No contract yet: nothing to pay against.
    let (status, body) = post(&app, &pay, advance(100.0)).await;
    assert_eq!(status, 409, "{body}");

    assign(&app, &project, "C-ONE", "2022-10-31").await;
    let (_, order) = issue(&app, &project, json!({})).await;
    let number = order["number"].as_str().unwrap().to_owned();
    let m = money(&app, &project).await;
    assert_eq!(fen(&m["contract"]), 123_456_789);
    // The dues are the shares of the contract, to the fen, adding up to it exactly.
    let dues: Vec<i64> = m["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ms| fen(&ms["due"]))
        .collect();
    assert_eq!(
        dues,
        vec![
            12_345_679, 24_691_358, 24_691_358, 24_691_358, 30_864_197, 6_172_839
        ]
    );
    assert_eq!(dues.iter().sum::<i64>(), 123_456_789);

    // Before the order is acknowledged the advance waits: 422 naming the milestone, nothing written.
    let before = ledger_len(&app, 2022).await;
    let (status, body) = post(&app, &pay, advance(100.0)).await;
    assert_eq!(status, 422, "{body}");
    assert!(fields(&body).contains(&"milestone".to_owned()), "{body}");
    assert!(
        fields(&body).contains(&"override_reason".to_owned()),
        "{body}"
    );
    assert_eq!(ledger_len(&app, 2022).await, before);

    report(&app, &number, "acknowledge", json!({})).await;
    let (status, m) = post(&app, &pay, advance(123_456.79)).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(fen(&m["paid"]), 12_345_679);

    // One fen beyond the advance's due: refused on the amount, saying what may still be paid.
    let (status, body) = post(&app, &pay, advance(0.01)).await;
    assert_eq!(status, 422, "{body}");
    let said = body["fields"]["amount_yuan"].to_string();
    assert!(said.contains("本次至多 0.00 元"), "{said}");
    // A payment for completion before any completion report: refused on the milestone.
    let (status, body) = post(
        &app,
        &pay,
        json!({"milestone": "completion", "amount_yuan": 10.0, "paid_on": today}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(fields(&body).contains(&"milestone".to_owned()), "{body}");
    // Beyond the whole contract: both rules named.
    let (status, body) = post(
        &app,
        &pay,
        json!({"milestone": "retention", "amount_yuan": 1_234_567.89, "paid_on": today}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["fields"]["amount_yuan"]
            .to_string()
            .contains("超过合同金额"),
        "{body}"
    );
    assert_eq!(fen(&money(&app, &project).await["paid"]), 12_345_679);

    // With a recorded reason the bureau may go past the rule; the entry and the audit log keep why.
    let mut over = advance(5_000.0);
    over["override_reason"] = json!("合同补充协议约定预付比例提高至 10.5%");
    let (status, m) = post(&app, &pay, over).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(fen(&m["paid"]), 12_345_679 + 500_000);
    let entry = m["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["overridden"], true);
    assert_eq!(entry["reason"], "合同补充协议约定预付比例提高至 10.5%");
    let id = entry["id"].as_i64().unwrap();
    let audit = app.audit(&format!("entity=money&entity_id={id}")).await;
    let record = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "pay")
        .unwrap_or_else(|| panic!("the payment is audited: {audit}"))
        .clone();
    assert!(
        record["after"]["overridden_rules"]
            .to_string()
            .contains("本次至多"),
        "{record}"
    );

    // A reversal restores the totals exactly, once; a reversal is never itself reversed.
    let reverse = |id: i64| format!("/api/money/{id}/reversal");
    let (status, body) = post(&app, &reverse(id), json!({"reason": "  "})).await;
    assert_eq!((status, fields(&body)), (422, vec!["reason".to_owned()]));
    let (status, reversal) = post(
        &app,
        &reverse(id),
        json!({"reason": "补充协议未获批准，退回多付部分"}),
    )
    .await;
    assert_eq!(status, 201, "{reversal}");
    assert_eq!(fen(&reversal["amount"]), -500_000);
    assert_eq!(reversal["reverses"], id);
    let m = money(&app, &project).await;
    assert_eq!(fen(&m["paid"]), 12_345_679);
    assert_eq!(fen(&m["milestones"][0]["paid"]), 12_345_679);
    let again = post(&app, &reverse(id), json!({"reason": "再冲一次"})).await;
    assert_eq!(again.0, 409, "{}", again.1);
    let rid = reversal["id"].as_i64().unwrap();
    let twice = post(&app, &reverse(rid), json!({"reason": "冲销冲销记录"})).await;
    assert_eq!(twice.0, 409, "{}", twice.1);
    assert_eq!(
        post(&app, &reverse(999_999), json!({"reason": "无此记录"}))
            .await
            .0,
        404
    );
    let audit = app.audit(&format!("entity=money&entity_id={id}")).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "reverse"),
        "{audit}"
    );

    // The final account: not before completion, not above the contract without a reason, once.
    let settle = format!("/api/projects/{project}/final-account");
    let account = |amount: f64| json!({"amount_yuan": amount, "audited_on": today, "document_no": "仁审结〔2026〕7号"});
    let (status, body) = post(&app, &settle, account(1_200_000.0)).await;
    assert_eq!(status, 422, "{body}");
    assert!(fields(&body).contains(&"audited_on".to_owned()), "{body}");
    report(&app, &number, "reports", json!({"kind": "started"})).await;
    report(&app, &number, "reports", json!({"kind": "completed"})).await;
    let (status, body) = post(&app, &settle, account(1_300_000.0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body), vec!["amount_yuan", "override_reason"]);
    let (status, m) = post(&app, &settle, account(1_200_000.0)).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(fen(&m["base"]), 120_000_000);
    assert_eq!(fen(&m["final_account"]["amount"]), 120_000_000);
    assert_eq!(
        m["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ms| fen(&ms["due"]))
            .sum::<i64>(),
        120_000_000
    );
    let second = post(&app, &settle, account(1_100_000.0)).await;
    assert_eq!(second.0, 409, "{}", second.1);
    // Completion and the final account are on record now: those milestones pay, up to the audited amount.
    let (status, m) = post(
        &app,
        &pay,
        json!({"milestone": "settlement", "amount_yuan": 300_000.0, "paid_on": today,
               "document_no": "仁住建付〔2026〕31号"}),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(fen(&m["paid"]), 12_345_679 + 30_000_000);
    assert_eq!(fen(&m["unpaid"]), 120_000_000 - 12_345_679 - 30_000_000);
    let entries = m["entries"].as_array().unwrap();
    let paid: i64 = entries
        .iter()
        .filter(|e| e["kind"] == "payment")
        .map(|e| fen(&e["amount"]))
        .sum();
    assert_eq!(paid, fen(&m["paid"]), "the entries add up to the total");
}

#[tokio::test]
async fn receipts_add_up_by_source_and_bad_input_writes_nothing() {
    let app = spawn_app().await;
    let central = |f: &Value| {
        f["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == "central")
            .map(|s| fen(&s["received"]))
            .unwrap()
    };
    let (_, before) = app.get_json("/api/funds?year=2021").await;
    let good = json!({"source": "central", "year": 2021, "amount_yuan": 1_000_000.01,
                      "received_on": "2021-03-15", "document_no": "财建〔2021〕38号"});
    let count = ledger_len(&app, 2021).await;
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    for (body, field) in [
        (with("amount_yuan", json!(0.001)), "amount_yuan"),
        (with("amount_yuan", json!(0)), "amount_yuan"),
        (with("amount_yuan", json!(-5)), "amount_yuan"),
        (with("amount_yuan", json!(1e11)), "amount_yuan"),
        (with("amount_yuan", json!("一百万")), "amount_yuan"),
        (with("source", json!("lottery")), "source"),
        (with("received_on", json!("2099-01-01")), "received_on"),
        (with("received_on", json!("2021-02-30")), "received_on"),
        (with("document_no", json!("")), "document_no"),
        (with("document_no", json!("财建\u{0}38号")), "document_no"),
        (with("document_no", json!("号".repeat(101))), "document_no"),
        (with("year", json!(1900)), "year"),
        (with("colour", json!("red")), "colour"),
    ] {
        let (status, answer) = post(&app, "/api/funds", body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            fields(&answer).contains(&field.to_owned()),
            "{field} named: {answer}"
        );
    }
    let (status, _) = app
        .send_raw(
            Method::POST,
            "/api/funds",
            b"{\"source\": \"\xff\"}".to_vec(),
        )
        .await;
    assert_eq!(status, 400, "broken UTF-8");
    assert_eq!(ledger_len(&app, 2021).await, count, "nothing written");

    let (status, entry) = post(&app, "/api/funds", good.clone()).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(fen(&entry["amount"]), 100_000_001);
    let (_, after) = app.get_json("/api/funds?year=2021").await;
    assert_eq!(central(&after), central(&before) + 100_000_001);
    assert_eq!(
        fen(&after["received"]),
        fen(&before["received"]) + 100_000_001
    );
    let id = entry["id"].as_i64().unwrap();
    let (status, _) = post(
        &app,
        &format!("/api/money/{id}/reversal"),
        json!({"reason": "文号录错，重新登记"}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, reversed) = app.get_json("/api/funds?year=2021").await;
    assert_eq!(central(&reversed), central(&before));
    assert_eq!(fen(&reversed["received"]), fen(&before["received"]));
    assert_eq!(ledger_len(&app, 2021).await, count + 2, "both entries stay");

    // Not even SQL changes or removes a money record.
    use sea_orm::ConnectionTrait;
    for sql in [
        format!("UPDATE money_entries SET amount_fen = 1 WHERE id = {id}"),
        format!("DELETE FROM money_entries WHERE id = {id}"),
        "DELETE FROM money_entries".to_owned(),
    ] {
        assert!(app.db.execute_unprepared(&sql).await.is_err(), "{sql}");
    }
    let (_, still) = app.get_json("/api/funds?year=2021").await;
    assert_eq!(still["entries"], reversed["entries"]);
    let audit = app.audit(&format!("entity=money&entity_id={id}")).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"receive") && actions.contains(&"reverse"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_bureau_records_a_receipt_and_a_payment_in_the_browser() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let r = app.browse(&planner.cookie, "/funds?year=2021").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("中央补助资金") && html.contains("应到位"),
        "{html}"
    );
    let r = app
        .post_form(
            &planner,
            "/funds",
            &[
                ("year", "2021"),
                ("source", "bonds"),
                ("amount_yuan", "2,500,000.50"),
                ("received_on", "2021-05-10"),
                ("document_no", "川财债〔2021〕12号"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app
        .browse(&planner.cookie, "/funds?year=2021")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("川财债〔2021〕12号") && html.contains("2,500,000.50"),
        "the receipt is listed"
    );

    // A payment on a project the contractor has acknowledged, through the project page's form.
    let project = new_project(&app).await;
    assign(&app, &project, "C-ONE", "2022-10-31").await;
    let (_, order) = issue(&app, &project, json!({})).await;
    let number = order["number"].as_str().unwrap().to_owned();
    report(&app, &number, "acknowledge", json!({})).await;
    let today = jiugai::domain::time::beijing_date(chrono::Utc::now()).to_string();
    let page = format!("/projects/{project}");
    let html = app
        .browse(&planner.cookie, &page)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("工程款支付") && html.contains("预付款"),
        "{html}"
    );
    let r = app
        .post_form(
            &planner,
            &format!("{page}/payments"),
            &[
                ("milestone", "advance"),
                ("amount_yuan", "100000"),
                ("paid_on", today.as_str()),
                ("document_no", "付字第1号"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app
        .browse(&planner.cookie, &page)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("付字第1号") && html.contains("100,000.00"),
        "{html}"
    );
}
