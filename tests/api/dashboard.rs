//! The progress dashboard (进度看板) against the demo data: its figures are the monthly returns' and the funds
//! page's, month by month; the bureau's page is for staff, the residents' page for anyone and tells no contractor,
//! person or phone number; a project behind its planned dates is flagged, the worst first.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{anonymous, spawn_app};
use crate::work_orders::{assign, new_project};

#[tokio::test]
async fn the_dashboard_shows_the_monthly_returns_and_the_funds_of_the_year() {
    let app = spawn_app().await;
    let (status, d) = app.get_json("/api/dashboard?year=2021").await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["year"], 2021);
    let months = d["months"].as_array().unwrap();
    assert_eq!(months.len(), 12, "a past year counts every month");
    let mut december = Value::Null;
    for (i, m) in months.iter().enumerate() {
        let month = i + 1;
        let (status, r) = app
            .get_json(&format!("/api/returns/monthly?month=2021-{month:02}"))
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(m["month"], month);
        assert_eq!(m["as_of"], r["as_of"]);
        assert_eq!(m["county"], r["county"], "county row of month {month}");
        assert_eq!(m["received_fen"], r["received_fen"], "month {month}");
        assert_eq!(m["paid_fen"], r["paid_fen"], "month {month}");
        december = r;
    }
    // Something happened over the year, and the plan is the batch.
    assert_eq!(d["planned"], december["county"]["planned"]);
    assert_eq!(d["planned"]["compounds"], 81);
    assert!(d["county"]["completed"]["compounds"].as_i64().unwrap() > 0);
    assert_eq!(d["county"], december["county"]);
    // Every town as December's return has it, with its completion rate.
    let towns = d["towns"].as_array().unwrap();
    let rows = december["towns"].as_array().unwrap();
    assert_eq!(towns.len(), rows.len());
    for (t, r) in towns.iter().zip(rows) {
        for key in [
            "town",
            "planned",
            "started",
            "completed",
            "start_rate_compounds",
        ] {
            assert_eq!(t[key], r[key], "{key} of {}", r["town"]);
        }
        let planned = r["planned"]["compounds"].as_f64().unwrap();
        let completed = r["completed"]["compounds"].as_f64().unwrap();
        let rate = if planned > 0.0 {
            completed / planned
        } else {
            0.0
        };
        assert!((t["completion_rate_compounds"].as_f64().unwrap() - rate).abs() < 1e-9);
    }

    let (status, funds) = app.get_json("/api/funds?year=2021").await;
    assert_eq!(status, 200);
    for key in ["planned", "received", "paid"] {
        assert_eq!(d["funds"][key]["fen"], funds[key]["fen"], "{key}");
    }
    let sources = d["funds"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), funds["sources"].as_array().unwrap().len());
    for (s, f) in sources.iter().zip(funds["sources"].as_array().unwrap()) {
        assert_eq!(s["code"], f["code"]);
        assert_eq!(s["planned"]["fen"], f["planned"]["fen"], "{}", f["code"]);
        assert_eq!(s["received"]["fen"], f["received"]["fen"], "{}", f["code"]);
    }
    assert!(d["funds"]["received"]["fen"].as_i64().unwrap() > 0);
    // December's return agrees on what was received and paid by the year's end.
    assert_eq!(months[11]["received_fen"], funds["received"]["fen"]);

    // Every project of the year is measured or said to have no dates.
    let v = &d["deviation"];
    let counted: i64 = v["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    let (_, projects) = app.get_json("/api/projects?year=2021").await;
    assert_eq!(
        counted + v["unscheduled"].as_array().unwrap().len() as i64,
        projects["items"].as_array().unwrap().len() as i64
    );

    // A year not asked for in the right form is refused by name.
    let (status, body) = app.get_json("/api/dashboard?year=twenty").await;
    assert_eq!(
        (status, body["fields"]["year"].is_array()),
        (422, true),
        "{body}"
    );
    let (status, body) = app.get_json("/api/dashboard?month=2021-06").await;
    assert_eq!(
        (status, body["fields"]["month"].is_array()),
        (422, true),
        "{body}"
    );
}

#[tokio::test]
async fn the_bureau_page_is_for_staff_and_the_progress_page_for_residents_without_names_or_numbers()
{
    let app = spawn_app().await;
    let r = anonymous().get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in")
    );
    let r = anonymous()
        .get(app.url("/api/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let planner = app.sign_in("planner1").await;
    let r = app.browse(&planner.cookie, "/dashboard?year=2021").await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    for part in [
        "2021 年改造进度看板",
        "<svg",
        "全年计划 81 个",
        "各镇街开工率示意图",
        "偏离预警",
        "href=\"/dashboard\" aria-current=\"page\"",
    ] {
        assert!(page.contains(part), "the bureau page lacks {part}");
    }

    let r = anonymous()
        .get(app.url("/progress?year=2021"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let public = r.text().await.unwrap();
    for part in ["全年计划 81 个", "资金从哪里来", "各镇街进展", "已到位资金"]
    {
        assert!(public.contains(part), "the public page lacks {part}");
    }
    // The firms of the year's projects, their people and numbers: all on the bureau's page, none on the public one.
    let (_, contractors) = app.get_json("/api/contractors").await;
    let mut secrets: Vec<String> = Vec::new();
    for c in contractors["items"].as_array().unwrap() {
        for key in ["name", "contact_person", "phone", "credit_code"] {
            if let Some(s) = c[key].as_str().filter(|s| !s.is_empty()) {
                secrets.push(s.to_owned());
            }
        }
    }
    let (_, projects) = app.get_json("/api/projects?year=2021").await;
    let firms: Vec<&str> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["contractor_name"].as_str())
        .collect();
    assert!(!firms.is_empty());
    assert!(
        firms.iter().any(|f| page.contains(f)),
        "the bureau sees who builds"
    );
    for secret in &secrets {
        assert!(
            !public.contains(secret.as_str()),
            "the public page shows {secret}"
        );
    }
    assert!(
        !public.contains("/projects/"),
        "no project's page is linked"
    );
    assert!(!public.contains("偏离"), "no project is judged in public");
    // No phone number: no run of 11 digits or more (a mobile), none like 028-36201234 (a landline).
    for run in public.split(|c: char| !(c.is_ascii_digit() || c == '-')) {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        let landline = run.starts_with('0') && run.contains('-') && digits >= 10;
        assert!(
            digits < 11 && !landline,
            "a phone number on the public page: {run}"
        );
    }
    // The residents' list of notices leads to it.
    let notices = anonymous()
        .get(app.url("/notices"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notices.contains("href=\"/progress\""));
}

#[tokio::test]
async fn a_project_behind_its_planned_dates_is_flagged_first() {
    let app = spawn_app().await;
    // A 2022 project planned April to September that never started: long past its start, severely behind.
    let late = new_project(&app).await;
    assign(&app, &late, "C-ONE", "2022-09-30").await;
    let (status, d) = app.get_json("/api/dashboard?year=2022").await;
    assert_eq!(status, 200, "{d}");
    let v = &d["deviation"];
    let first = &v["projects"][0];
    assert_eq!(first["code"], late.as_str(), "{v}");
    assert_eq!(first["flag"], "severe");
    assert_eq!(first["flag_label"], "严重偏离");
    assert_eq!(first["expected_percent"], 100.0);
    assert!(first["days_unstarted"].as_i64().unwrap() >= 15);
    let severe = &v["counts"][0];
    assert_eq!(
        (severe["flag"].as_str(), severe["count"].as_i64()),
        (Some("severe"), Some(1))
    );

    // The bureau's page lists it among the flagged, linked to its page.
    let planner = app.sign_in("planner1").await;
    let page = app
        .browse(&planner.cookie, "/dashboard?year=2022")
        .await
        .text()
        .await
        .unwrap();
    let flagged = page
        .split("id=\"flagged\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("a table of flagged projects");
    assert!(flagged.contains(&format!("href=\"/projects/{late}\"")));
    assert!(flagged.contains("严重偏离"));

    // Planned for a later year instead (with the reason the dates leave the batch year): nothing is due yet.
    let (_, project) = app.get_json(&format!("/api/projects/{late}")).await;
    let (status, body) = app
        .send_json(
            Method::PUT,
            &format!("/api/projects/{late}"),
            &json!({"contractor": "C-ONE", "contract_amount_yuan": 1_234_567.89,
                    "planned_start": "2099-03-01", "planned_end": "2099-10-31",
                    "dates_reason": "并入后续片区统一施工"}),
            Some(&format!("\"{}\"", project["version"])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, d) = app.get_json("/api/dashboard?year=2022").await;
    let p = &d["deviation"]["projects"][0];
    assert_eq!(
        (
            p["code"].as_str(),
            p["flag"].as_str(),
            p["expected_percent"].as_f64()
        ),
        (Some(late.as_str()), Some("normal"), Some(0.0)),
        "{d}"
    );
}
