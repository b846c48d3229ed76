//! The door: every route × every role gets exactly the answer its permission says.

use std::collections::BTreeSet;

use jiugai::web::access::Route;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Browser, TestApp, anonymous, client_with_token, spawn_app};

/// Who is asking, in the order of the expectation columns.
#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Contractor,
    Planner,
    Admin,
}

const WHO: [Who; 4] = [Who::Anonymous, Who::Contractor, Who::Planner, Who::Admin];

/// (method, path template, concrete path, [anonymous, contractor, planner, admin]).
/// Pages answer a visitor who must sign in with 303 (to the sign-in page); the API with 401.
/// Bodies are empty (`{}` or no form fields), so an admitted write answers 422 and changes nothing.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str, [u16; 4])] = &[
    ("GET", "/healthz", "/healthz", [200, 200, 200, 200]),
    ("GET", "/openapi.yaml", "/openapi.yaml", [200, 200, 200, 200]),
    ("GET", "/static/app.css", "/static/app.css", [200, 200, 200, 200]),
    ("GET", "/sign-in", "/sign-in", [200, 200, 200, 200]),
    ("POST", "/sign-in", "/sign-in", [401, 401, 401, 401]),
    ("GET", "/sign-in/link/{token}", "/sign-in/link/not-a-link", [404, 404, 404, 404]),
    ("POST", "/sign-in/link/{token}", "/sign-in/link/not-a-link", [404, 404, 404, 404]),
    ("GET", "/account", "/account", [303, 200, 200, 200]),
    ("POST", "/account/tokens", "/account/tokens", [303, 200, 200, 200]),
    ("POST", "/account/tokens/{id}/revoke", "/account/tokens/999999/revoke", [303, 404, 404, 404]),
    ("GET", "/setup", "/setup", [303, 403, 403, 200]),
    ("POST", "/setup", "/setup", [303, 403, 403, 422]),
    ("GET", "/admin/users", "/admin/users", [303, 403, 403, 200]),
    ("POST", "/admin/users", "/admin/users", [303, 403, 403, 422]),
    ("POST", "/admin/users/{username}", "/admin/users/contractor2", [303, 403, 403, 422]),
    ("POST", "/admin/users/{username}/link", "/admin/users/contractor2/link", [303, 403, 403, 200]),
    ("GET", "/admin/users/{username}", "/admin/users/contractor2", [303, 403, 403, 200]),
    ("GET", "/admin/users/{username}/tokens", "/admin/users/contractor2/tokens", [303, 403, 403, 200]),
    ("POST", "/admin/users/{username}/tokens/{id}/revoke", "/admin/users/contractor2/tokens/999999/revoke", [303, 403, 403, 404]),
    ("GET", "/admin/audit", "/admin/audit", [303, 403, 403, 200]),
    // Staff read the settings; only admins save (an empty form lacks its version: 422, nothing changes).
    ("GET", "/settings/catalog", "/settings/catalog", [303, 403, 200, 200]),
    ("POST", "/settings/catalog/{code}", "/settings/catalog/B01", [303, 403, 403, 422]),
    ("GET", "/settings/policy", "/settings/policy", [303, 403, 200, 200]),
    ("POST", "/settings/policy", "/settings/policy", [303, 403, 403, 422]),
    // A contractor's home is its work-order portal.
    ("GET", "/", "/", [303, 303, 200, 200]),
    ("GET", "/compounds", "/compounds", [303, 403, 200, 200]),
    ("GET", "/compounds/new", "/compounds/new", [303, 403, 200, 200]),
    ("POST", "/compounds", "/compounds", [303, 403, 422, 403]),
    ("GET", "/compounds/{code}", "/compounds/RS-0003", [303, 403, 200, 200]),
    // Without the form's version a write is refused, naming it; nothing changes.
    ("POST", "/compounds/{code}", "/compounds/RS-0003", [303, 403, 422, 403]),
    ("GET", "/compounds/{code}/edit", "/compounds/RS-0003/edit", [303, 403, 200, 200]),
    ("GET", "/compounds/{code}/scope", "/compounds/RS-0003/scope", [303, 403, 200, 200]),
    ("POST", "/compounds/{code}/scope", "/compounds/RS-0003/scope", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/survey", "/compounds/RS-0003/survey", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/consent", "/compounds/RS-0003/consent", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/category", "/compounds/RS-0003/category", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/funding", "/compounds/RS-0003/funding", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/archive", "/compounds/RS-0003/archive", [303, 403, 422, 403]),
    // Lift votes per stairwell: staff read them; an empty form or body names the missing fields, nothing changes.
    ("GET", "/compounds/{code}/lifts", "/compounds/RS-0003/lifts", [303, 403, 200, 200]),
    ("POST", "/compounds/{code}/lifts", "/compounds/RS-0003/lifts", [303, 403, 422, 403]),
    ("POST", "/compounds/{code}/lifts/delete", "/compounds/RS-0003/lifts/delete", [303, 403, 422, 403]),
    ("GET", "/map", "/map", [303, 403, 200, 200]),
    ("GET", "/plans", "/plans", [303, 403, 200, 200]),
    ("POST", "/plans", "/plans", [303, 403, 422, 403]),
    // Without ids the comparison is refused, naming the parameter.
    ("GET", "/plans/compare", "/plans/compare", [303, 403, 422, 422]),
    ("GET", "/plans/{id}", "/plans/999999", [303, 403, 404, 404]),
    ("POST", "/plans/{id}/runs", "/plans/999999/runs", [303, 403, 404, 403]),
    ("POST", "/plans/{id}/moves", "/plans/999999/moves", [303, 403, 422, 403]),
    ("POST", "/plans/{id}/approve", "/plans/999999/approve", [303, 403, 422, 403]),
    ("GET", "/projects", "/projects", [303, 403, 200, 200]),
    ("GET", "/projects/{code}", "/projects/RS-2021-P001", [303, 403, 200, 200]),
    // A form without its version, or a new issue without a reason: the planner is told; nothing changes.
    ("POST", "/projects/{code}", "/projects/RS-2021-P001", [303, 403, 422, 403]),
    ("POST", "/projects/{code}/work-orders", "/projects/RS-2021-P001/work-orders", [303, 403, 422, 403]),
    // Money: staff read it, planners record it; empty forms and bodies are refused naming the fields.
    ("POST", "/projects/{code}/payments", "/projects/RS-2021-P001/payments", [303, 403, 422, 403]),
    ("POST", "/projects/{code}/final-account", "/projects/RS-2021-P001/final-account", [303, 403, 422, 403]),
    ("GET", "/funds", "/funds", [303, 403, 200, 200]),
    ("POST", "/funds", "/funds", [303, 403, 422, 403]),
    ("POST", "/money/{id}/reversal", "/money/1/reversal", [303, 403, 422, 403]),
    // Entry 1 is a receipt, not the project's: not found from the project's page.
    ("POST", "/projects/{code}/money/{id}/reversal", "/projects/RS-2021-P001/money/1/reversal", [303, 403, 404, 403]),
    ("GET", "/returns", "/returns", [303, 403, 200, 200]),
    ("GET", "/returns.xlsx", "/returns.xlsx?month=2021-06", [303, 403, 200, 200]),
    // Filing a return: an empty form names no month.
    ("POST", "/returns", "/returns", [303, 403, 422, 403]),
    ("GET", "/dashboard", "/dashboard", [303, 403, 200, 200]),
    ("GET", "/returns.pdf", "/returns.pdf?month=2021-06", [303, 403, 200, 200]),
    ("GET", "/contractors", "/contractors", [303, 403, 200, 200]),
    // An empty form, or an edit without its version: the planner is told; nothing changes.
    ("POST", "/contractors", "/contractors", [303, 403, 422, 403]),
    ("GET", "/contractors/{code}", "/contractors/C-ONE", [303, 403, 200, 200]),
    ("POST", "/contractors/{code}", "/contractors/C-ONE", [303, 403, 422, 403]),
    ("GET", "/work-orders", "/work-orders", [303, 200, 200, 200]),
    ("GET", "/work-orders/{number}", "/work-orders/RS-2021-0001", [303, 404, 200, 200]),
    ("POST", "/work-orders/{number}/acknowledge", "/work-orders/RS-2021-0001/acknowledge", [303, 404, 403, 403]),
    ("POST", "/work-orders/{number}/reports", "/work-orders/RS-2021-0001/reports", [303, 404, 403, 403]),
    // Notice 1 is the demo's first plan notice: published, its period long over.
    ("GET", "/notices", "/notices", [200, 200, 200, 200]),
    ("GET", "/notices/{id}", "/notices/1", [200, 200, 200, 200]),
    ("GET", "/notices/{id}.pdf", "/notices/1.pdf", [200, 200, 200, 200]),
    // An empty form names every missing field, for anyone.
    ("POST", "/notices/{id}/objections", "/notices/1/objections", [422, 422, 422, 422]),
    ("POST", "/notices/{id}/ratings", "/notices/1/ratings", [422, 422, 422, 422]),
    // The residents' progress page: the county's figures, for anyone.
    ("GET", "/progress", "/progress", [200, 200, 200, 200]),
    // A compound's page for its residents, and their requests: an empty form names the missing fields.
    ("GET", "/c/{code}", "/c/RS-0001", [200, 200, 200, 200]),
    ("POST", "/c/{code}/requests", "/c/RS-0001/requests", [422, 422, 422, 422]),
    ("GET", "/bureau/requests", "/bureau/requests", [303, 403, 200, 200]),
    ("GET", "/compounds/{code}/poster.pdf", "/compounds/RS-0001/poster.pdf", [303, 403, 200, 200]),
    ("POST", "/bureau/requests/{id}/triage", "/bureau/requests/999999/triage", [303, 403, 422, 403]),
    ("GET", "/bureau/notices", "/bureau/notices", [303, 403, 200, 200]),
    ("GET", "/bureau/objections", "/bureau/objections", [303, 403, 200, 200]),
    ("POST", "/bureau/notices", "/bureau/notices", [303, 403, 422, 403]),
    ("GET", "/bureau/notices/{id}", "/bureau/notices/1", [303, 403, 200, 200]),
    ("POST", "/bureau/notices/{id}", "/bureau/notices/1", [303, 403, 422, 403]),
    ("POST", "/bureau/notices/{id}/publish", "/bureau/notices/1/publish", [303, 403, 422, 403]),
    ("POST", "/bureau/notices/{id}/delete", "/bureau/notices/1/delete", [303, 403, 422, 403]),
    ("POST", "/bureau/objections/{id}/answer", "/bureau/objections/999999/answer", [303, 403, 422, 403]),
    ("GET", "/bureau/satisfaction", "/bureau/satisfaction", [303, 403, 200, 200]),
    ("GET", "/compounds.xlsx", "/compounds.xlsx", [303, 403, 200, 200]),
    ("GET", "/compounds/import/template.xlsx", "/compounds/import/template.xlsx", [303, 403, 200, 200]),
    ("GET", "/compounds/import", "/compounds/import", [303, 403, 200, 200]),
    // No file chosen: the planner is told; nothing changes.
    ("POST", "/compounds/import", "/compounds/import", [303, 403, 422, 403]),
    ("GET", "/plans/{id}.xlsx", "/plans/999999.xlsx", [303, 403, 404, 404]),
    ("GET", "/bureau/satisfaction.xlsx", "/bureau/satisfaction.xlsx", [303, 403, 200, 200]),
    ("GET", "/bureau/objections.xlsx", "/bureau/objections.xlsx", [303, 403, 200, 200]),
    ("GET", "/admin/audit.xlsx", "/admin/audit.xlsx", [303, 403, 403, 200]),
    ("GET", "/api/notices", "/api/notices", [401, 403, 200, 200]),
    ("POST", "/api/notices", "/api/notices", [401, 403, 422, 403]),
    ("GET", "/api/notices/stats", "/api/notices/stats", [401, 403, 200, 200]),
    ("GET", "/api/notices/{id}", "/api/notices/1", [401, 403, 200, 200]),
    // Published: it never changes, whatever the edit.
    ("PUT", "/api/notices/{id}", "/api/notices/1", [401, 403, 409, 403]),
    ("DELETE", "/api/notices/{id}", "/api/notices/999999", [401, 403, 428, 403]),
    ("POST", "/api/notices/{id}/publish", "/api/notices/999999/publish", [401, 403, 428, 403]),
    ("GET", "/api/notices/{id}/pdf", "/api/notices/1/pdf", [401, 403, 200, 200]),
    ("GET", "/api/notices/{id}/objections", "/api/notices/1/objections", [401, 403, 200, 200]),
    ("POST", "/api/objections/{id}/answer", "/api/objections/999999/answer", [401, 403, 422, 403]),
    ("GET", "/api/requests", "/api/requests", [401, 403, 200, 200]),
    ("POST", "/api/requests/{id}/triage", "/api/requests/999999/triage", [401, 403, 422, 403]),
    ("GET", "/api/satisfaction", "/api/satisfaction", [401, 403, 200, 200]),
    ("GET", "/api/me", "/api/me", [401, 200, 200, 200]),
    ("GET", "/api/tokens", "/api/tokens", [401, 200, 200, 200]),
    ("DELETE", "/api/tokens/{id}", "/api/tokens/999999", [401, 404, 404, 404]),
    ("GET", "/api/contractors", "/api/contractors", [401, 200, 200, 200]),
    // contractor1 belongs to C-ONE.
    ("GET", "/api/contractors/{code}", "/api/contractors/C-ONE", [401, 200, 200, 200]),
    ("POST", "/api/contractors", "/api/contractors", [401, 403, 422, 403]),
    // An empty record: the planner is told what is missing; nothing changes.
    ("PUT", "/api/contractors/{code}", "/api/contractors/C-ONE", [401, 403, 422, 403]),
    ("GET", "/api/projects", "/api/projects", [401, 200, 200, 200]),
    // Not assigned to contractor1's firm: not found for it.
    ("GET", "/api/projects/{code}", "/api/projects/RS-2021-P001", [401, 404, 200, 200]),
    // If-Match "1" is stale: the demo data assigned the project.
    ("PUT", "/api/projects/{code}", "/api/projects/RS-2021-P001", [401, 403, 409, 403]),
    // The order exists: a new version needs a reason.
    ("POST", "/api/projects/{code}/work-orders", "/api/projects/RS-2021-P001/work-orders", [401, 403, 422, 403]),
    ("GET", "/api/projects/{code}/payments", "/api/projects/RS-2021-P001/payments", [401, 403, 200, 200]),
    ("POST", "/api/projects/{code}/payments", "/api/projects/RS-2021-P001/payments", [401, 403, 422, 403]),
    ("POST", "/api/projects/{code}/final-account", "/api/projects/RS-2021-P001/final-account", [401, 403, 422, 403]),
    ("GET", "/api/funds", "/api/funds", [401, 403, 200, 200]),
    ("POST", "/api/funds", "/api/funds", [401, 403, 422, 403]),
    ("GET", "/api/money", "/api/money", [401, 403, 200, 200]),
    ("POST", "/api/money/{id}/reversal", "/api/money/1/reversal", [401, 403, 422, 403]),
    ("GET", "/api/returns/monthly", "/api/returns/monthly?month=2021-06", [401, 403, 200, 200]),
    ("GET", "/api/returns", "/api/returns?year=2021", [401, 403, 200, 200]),
    ("POST", "/api/returns", "/api/returns", [401, 403, 422, 403]),
    ("GET", "/api/returns/{month}/versions/{version}", "/api/returns/2021-06/versions/1", [401, 403, 200, 200]),
    ("GET", "/api/dashboard", "/api/dashboard?year=2021", [401, 403, 200, 200]),
    ("GET", "/api/work-orders", "/api/work-orders", [401, 200, 200, 200]),
    // contractor1's firm has no orders; the bureau must name the year.
    ("GET", "/api/work-orders.zip", "/api/work-orders.zip", [401, 404, 422, 422]),
    ("GET", "/api/work-orders/{number}", "/api/work-orders/RS-2021-0001", [401, 404, 200, 200]),
    ("GET", "/api/work-orders/{number}/pdf", "/api/work-orders/RS-2021-0001/pdf", [401, 404, 200, 200]),
    ("POST", "/api/work-orders/{number}/acknowledge", "/api/work-orders/RS-2021-0001/acknowledge", [401, 404, 403, 403]),
    // An empty report names the missing kind before anything is looked up.
    ("POST", "/api/work-orders/{number}/reports", "/api/work-orders/RS-2021-0001/reports", [401, 422, 403, 403]),
    ("GET", "/api/compounds", "/api/compounds", [401, 403, 200, 200]),
    ("GET", "/api/compounds.geojson", "/api/compounds.geojson", [401, 403, 200, 200]),
    ("GET", "/api/compounds/{code}", "/api/compounds/RS-0003", [401, 403, 200, 200]),
    ("POST", "/api/compounds", "/api/compounds", [401, 403, 422, 403]),
    ("PUT", "/api/compounds/{code}", "/api/compounds/RS-0003", [401, 403, 422, 403]),
    // Sent without If-Match: an admitted planner is told to send it (428), nothing is archived.
    ("POST", "/api/compounds/{code}/archive", "/api/compounds/RS-0003/archive", [401, 403, 428, 403]),
    ("GET", "/api/compounds/{code}/lift-units", "/api/compounds/RS-0003/lift-units", [401, 403, 200, 200]),
    ("PUT", "/api/compounds/{code}/lift-units", "/api/compounds/RS-0003/lift-units", [401, 403, 422, 403]),
    // Without ?building=&unit= the planner is told which unit is missing.
    ("DELETE", "/api/compounds/{code}/lift-units", "/api/compounds/RS-0003/lift-units", [401, 403, 422, 403]),
    ("GET", "/api/towns", "/api/towns", [401, 403, 200, 200]),
    ("GET", "/api/work-items", "/api/work-items", [401, 403, 200, 200]),
    ("GET", "/api/policy", "/api/policy", [401, 403, 200, 200]),
    // Admins only; an empty body is refused by name (422), nothing changes.
    ("PUT", "/api/policy", "/api/policy", [401, 403, 403, 422]),
    ("PUT", "/api/work-items/{code}", "/api/work-items/B01", [401, 403, 403, 422]),
    ("GET", "/api/scenarios", "/api/scenarios", [401, 403, 200, 200]),
    ("POST", "/api/scenarios", "/api/scenarios", [401, 403, 422, 403]),
    ("GET", "/api/scenarios/compare", "/api/scenarios/compare", [401, 403, 422, 422]),
    ("GET", "/api/scenarios/{id}", "/api/scenarios/999999", [401, 403, 404, 404]),
    ("PUT", "/api/scenarios/{id}", "/api/scenarios/999999", [401, 403, 422, 403]),
    ("DELETE", "/api/scenarios/{id}", "/api/scenarios/999999", [401, 403, 428, 403]),
    ("POST", "/api/scenarios/{id}/runs", "/api/scenarios/999999/runs", [401, 403, 404, 403]),
    ("POST", "/api/scenarios/{id}/moves", "/api/scenarios/999999/moves", [401, 403, 428, 403]),
    ("POST", "/api/scenarios/{id}/approve", "/api/scenarios/999999/approve", [401, 403, 428, 403]),
    ("GET", "/api/users", "/api/users", [401, 403, 403, 200]),
    ("POST", "/api/users", "/api/users", [401, 403, 403, 422]),
    ("PUT", "/api/users/{username}", "/api/users/contractor2", [401, 403, 403, 422]),
    ("POST", "/api/users/{username}/sign-in-link", "/api/users/contractor2/sign-in-link", [401, 403, 403, 201]),
    ("GET", "/api/users/{username}/tokens", "/api/users/contractor2/tokens", [401, 403, 403, 200]),
    ("DELETE", "/api/users/{username}/tokens/{id}", "/api/users/contractor2/tokens/999999", [401, 403, 403, 404]),
    ("GET", "/api/audit", "/api/audit", [401, 403, 403, 200]),
    ("GET", "/api/audit.csv", "/api/audit.csv", [401, 403, 403, 200]),
    // Last: it ends the session the rows above used.
    ("POST", "/sign-out", "/sign-out", [303, 303, 303, 303]),
];

/// How each role reaches the service: API routes with its token, pages with a browser session.
struct Caller {
    token: Option<String>,
    browser: Option<Browser>,
    /// A visitor's CSRF cookie and field, for anonymous form posts.
    visitor: (String, String),
}

async fn caller(app: &TestApp, who: Who) -> Caller {
    let (token, username) = match who {
        Who::Anonymous => (None, None),
        Who::Contractor => (Some(app.tokens.contractor.clone()), Some("contractor1")),
        Who::Planner => (Some(app.tokens.planner.clone()), Some("planner1")),
        Who::Admin => (Some(app.tokens.admin.clone()), Some("admin1")),
    };
    let browser = match username {
        Some(u) => Some(app.sign_in(u).await),
        None => None,
    };
    Caller {
        token,
        browser,
        visitor: app.visit_sign_in().await,
    }
}

async fn ask(app: &TestApp, c: &Caller, method: &str, path: &str) -> u16 {
    let method: Method = method.parse().unwrap();
    let api = path.starts_with("/api/");
    let client = match (&c.token, api) {
        (Some(token), true) => client_with_token(token),
        _ => anonymous(),
    };
    let mut request = client.request(method.clone(), app.url(path));
    if !api {
        let mut cookies = format!("jiugai_csrf={}", c.visitor.0);
        if let Some(b) = &c.browser {
            cookies.push_str(&format!("; jiugai_session={}", b.cookie));
        }
        request = request.header("cookie", cookies);
        if method == Method::POST {
            let csrf = c
                .browser
                .as_ref()
                .map_or(c.visitor.1.as_str(), |b| b.csrf.as_str());
            request = request.form(&[("csrf", csrf)]);
        }
    } else if method != Method::GET {
        request = request.json(&json!({}));
        if method == Method::PUT {
            request = request.header("if-match", "\"1\"");
        }
    }
    request.send().await.expect("request").status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_role_exactly_as_its_permission_says() {
    let app = spawn_app().await;
    let routes: BTreeSet<(String, String)> = Route::ALL
        .iter()
        .map(|r| (r.method().to_owned(), r.path().to_owned()))
        .collect();
    let expected: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        routes.difference(&expected).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without an expectation in the access matrix"
    );
    assert_eq!(
        expected.difference(&routes).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "expectations for routes that do not exist"
    );
    let mut wrong = Vec::new();
    for (column, who) in WHO.into_iter().enumerate() {
        let c = caller(&app, who).await;
        for (method, _, path, statuses) in MATRIX {
            let got = ask(&app, &c, method, path).await;
            if got != statuses[column] {
                wrong.push(format!(
                    "{who:?} {method} {path}: {got}, expected {}",
                    statuses[column]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn another_contractors_object_is_not_found_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let other = client_with_token(&app.tokens.other_contractor);
    let theirs = other
        .get(app.url("/api/contractors/C-ONE"))
        .send()
        .await
        .unwrap();
    let missing = other
        .get(app.url("/api/contractors/C-NONE"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (theirs.status().as_u16(), missing.status().as_u16()),
        (404, 404)
    );
    let theirs = theirs.text().await.unwrap().replace("C-ONE", "X");
    let missing = missing.text().await.unwrap().replace("C-NONE", "X");
    assert_eq!(theirs, missing);
    let (_, own) = get(&other, &app.url("/api/contractors")).await;
    let codes: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["C-TWO"]);

    // Tokens are objects too: someone else's cannot be revoked, nor told apart from a missing one.
    let admin = client_with_token(&app.tokens.admin);
    let (_, admin_tokens) = get(&admin, &app.url("/api/tokens")).await;
    let admin_token_id = admin_tokens["items"][0]["id"].as_i64().unwrap();
    for id in [admin_token_id, 999_999] {
        let r = other
            .delete(app.url(&format!("/api/tokens/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "token {id}");
    }
    let (status, _) = get(&admin, &app.url("/api/me")).await;
    assert_eq!(status, 200, "the admin's token still works");
}

#[tokio::test]
async fn bad_tokens_are_401_and_a_cookie_alone_never_writes_through_the_api() {
    let app = spawn_app().await;
    for header in [
        "Bearer jg_not-a-real-token",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer ",
        "jg_abc",
    ] {
        let r = anonymous()
            .get(app.url("/api/compounds"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{header}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    // A revoked token stops working at once.
    let planner = client_with_token(&app.tokens.planner);
    let browser = app.sign_in("planner1").await;
    let (token, id) = app.create_token(&browser, "short-lived").await;
    let created = json!({ "id": id });
    assert!(token.starts_with("jg_"));
    assert_eq!(
        get(&client_with_token(&token), &app.url("/api/me")).await.0,
        200
    );
    let r = planner
        .delete(app.url(&format!("/api/tokens/{}", created["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        get(&client_with_token(&token), &app.url("/api/me")).await.0,
        401
    );
    // The list shows what a token is, never the token.
    let (_, list) = get(&planner, &app.url("/api/tokens")).await;
    assert!(!list.to_string().contains(&token));

    let r = anonymous()
        .post(app.url("/api/contractors"))
        .header("cookie", format!("jiugai_session={}", browser.cookie))
        .json(&json!({"code": "C-NEW", "name": "新公司"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // …while reading with it works (the compound list's GeoJSON link on the pages).
    assert_eq!(
        app.browse(&browser.cookie, "/api/compounds?per_page=1")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn deactivating_an_account_shuts_its_sessions_and_tokens_out() {
    let app = spawn_app().await;
    let browser = app.sign_in("contractor1").await;
    let admin = client_with_token(&app.tokens.admin);
    let r = admin
        .put(app.url("/api/users/contractor1"))
        .header("if-match", "\"1\"")
        .json(&json!({"display_name": "contractor1", "role": "contractor", "contractor": "C-ONE", "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        get(
            &client_with_token(&app.tokens.contractor),
            &app.url("/api/me")
        )
        .await
        .0,
        401
    );
    assert_eq!(app.browse(&browser.cookie, "/account").await.status(), 303);
    assert_eq!(
        app.try_sign_in("contractor1", crate::helpers::PASSWORD)
            .await
            .status(),
        401
    );
    // The last active admin cannot lock everyone out.
    let r = admin
        .put(app.url("/api/users/admin1"))
        .header("if-match", "\"1\"")
        .json(&json!({"display_name": "admin1", "role": "admin", "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}
