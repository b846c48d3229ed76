//! The OpenAPI file in the repo must describe the real routes: every documented operation is
//! routed, has a permission rule, and answers only with statuses it documents; every API route is
//! documented.

use jiugai::web::access::{Route, Rule};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, anonymous, client_with_token, new_compound, spawn_app};

fn route(method: &str, path: &str) -> Option<Route> {
    Route::ALL
        .iter()
        .copied()
        .find(|r| r.method().eq_ignore_ascii_case(method) && r.path() == path)
}

/// A client of a role the route admits, so the answer is the handler's and not the door's.
fn admitted_client(app: &TestApp, route: Route) -> reqwest::Client {
    match route.rule() {
        Rule::Public => anonymous(),
        Rule::Admin => client_with_token(&app.tokens.admin),
        Rule::Contractor => client_with_token(&app.tokens.contractor),
        Rule::Staff | Rule::Planner | Rule::SignedIn => client_with_token(&app.tokens.planner),
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_as_documented() {
    let app = spawn_app().await;
    let spec: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../openapi.yaml")).expect("openapi.yaml parses");
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_mapping().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        let path = path.as_str().unwrap();
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if !["get", "post", "put", "patch", "delete"].contains(&method) {
                continue;
            }
            operations += 1;
            let route = route(method, path).unwrap_or_else(|| {
                panic!("{method} {path} is documented but has no permission rule")
            });
            let concrete = path
                .replace(
                    "{code}",
                    if path.contains("contractors") {
                        "C-ONE"
                    } else {
                        "RS-0003"
                    },
                )
                .replace("{number}", "RS-1999-0001")
                .replace("{username}", "contractor2")
                .replace("{id}", "999999")
                .replace("{month}", "2021-06")
                .replace("{version}", "9");
            let mut request = admitted_client(&app, route).request(
                method.to_uppercase().parse::<Method>().unwrap(),
                app.url(&concrete),
            );
            if method == "post" && path == "/api/compounds" {
                request = request.json(&new_compound("RS-8001"));
            } else if method != "get" {
                request = request.header("if-match", "\"1\"").json(&json!({}));
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16().to_string();
            let body = response.text().await.unwrap_or_default();
            assert!(
                !body.contains("no such page or endpoint") && status != "405",
                "{method} {path} is documented but not routed ({status})"
            );
            let documented = operation["responses"].as_mapping().expect("responses");
            assert!(
                documented
                    .keys()
                    .any(|k| k.as_str() == Some(status.as_str())),
                "{method} {path} answered {status}, which openapi.yaml does not document"
            );
            if route.rule() != Rule::Public {
                for refusal in [
                    "401",
                    if route.rule() == Rule::SignedIn {
                        "401"
                    } else {
                        "403"
                    },
                ] {
                    assert!(
                        documented.keys().any(|k| k.as_str() == Some(refusal)),
                        "{method} {path} does not document {refusal}"
                    );
                }
            }
        }
    }
    assert!(operations >= 20, "only {operations} operations documented");
    for route in Route::ALL.iter().filter(|r| r.is_api()) {
        let item = &spec["paths"][route.path()][route.method().to_lowercase()];
        assert!(
            item.is_mapping(),
            "{} {} is routed but not documented in openapi.yaml",
            route.method(),
            route.path()
        );
    }
}

#[tokio::test]
async fn the_spec_is_served_and_unknown_routes_are_404() {
    let app = spawn_app().await;
    let r = anonymous()
        .get(app.url("/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = app.get_json("/api/nothing-here").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}
