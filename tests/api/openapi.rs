//! The OpenAPI file in the repo must describe the real routes: every documented operation is
//! routed and answers only with statuses it documents, and undocumented paths are not routed.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{new_compound, spawn_app};

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
            let concrete = path.replace("{code}", "RS-0003");
            let mut request = app.client.request(
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
        }
    }
    assert!(operations >= 10, "only {operations} operations documented");
}

#[tokio::test]
async fn the_spec_is_served_and_unknown_routes_are_404() {
    let app = spawn_app().await;
    let r = app.get("/openapi.yaml").await;
    assert_eq!(r.status(), 200);
    let (status, body) = app.get_json("/api/nothing-here").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}
