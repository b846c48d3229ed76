//! `jiugai plan` through the binary, against a seeded database: the batches, a reason for every compound, the
//! quality bound, and clear refusals of bad arguments. Planning writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use sea_orm::ConnectionTrait;

use crate::helpers::{TestApp, spawn_app};

const HORIZON: [&str; 10] = [
    "plan",
    "--from",
    "2022",
    "--to",
    "2024",
    "--budget",
    "330_000_000",
    "--budget",
    "2024=200000000",
    "--max-compounds",
];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    HORIZON
        .iter()
        .copied()
        .chain(["81"])
        .chain(extra.iter().copied())
        .collect()
}

fn run(app: &crate::helpers::TestApp, extra: &[&str]) -> Value {
    let out = app.cli(&args(extra));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn outcome<'a>(plan: &'a Value, code: &str) -> &'a Value {
    plan["compounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn the_plan_gives_every_compound_a_year_or_a_reason_within_every_limit() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    // Pin one of the compounds the plan would put in 2022 to 2024.
    let first = run(&app, &["--json"]);
    let moved = first["years"][0]["codes"][0].as_str().unwrap().to_owned();
    let pin = format!("{moved}=2024");
    let plan = run(&app, &["--json", "--pin", &pin]);

    let compounds = plan["compounds"].as_array().unwrap();
    assert_eq!(compounds.len(), 410);
    let mut cost_by_year: BTreeMap<i64, f64> = BTreeMap::new();
    for c in compounds {
        for key in [
            "code",
            "year",
            "cost_yuan",
            "households",
            "priority",
            "reason",
            "outcome",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        assert!(!c["reason"].as_str().unwrap().is_empty(), "{c}");
        if c["outcome"] == "ineligible" {
            assert!(c["year"].is_null());
            assert!(c["reason"].as_str().unwrap().starts_with("不符合改造条件"));
        }
        if let Some(year) = c["year"].as_i64() {
            *cost_by_year.entry(year).or_default() += c["cost_yuan"].as_f64().unwrap();
        }
    }
    let pinned = outcome(&plan, &moved);
    assert_eq!(
        (pinned["year"].as_i64(), pinned["outcome"].as_str()),
        (Some(2024), Some("pinned"))
    );
    // The approved batches stay where they are: the seed year's 81, and the demo's coming year after the horizon.
    let mut approved: BTreeMap<i64, usize> = BTreeMap::new();
    for c in compounds.iter().filter(|c| c["outcome"] == "approved") {
        *approved.entry(c["year"].as_i64().unwrap()).or_default() += 1;
    }
    assert_eq!(approved.remove(&2021), Some(81));
    assert!(approved.keys().all(|&year| year > 2024), "{approved:?}");

    let years = plan["years"].as_array().unwrap();
    assert_eq!(years.len(), 3);
    for y in years {
        let used = y["used_yuan"].as_f64().unwrap();
        assert!(used <= y["budget_yuan"].as_f64().unwrap(), "{y}");
        assert!(y["compounds"].as_u64().unwrap() <= 81);
        assert!((cost_by_year[&y["year"].as_i64().unwrap()] - used).abs() < 0.01);
    }
    assert_eq!(years[2]["budget_yuan"], 200_000_000.0);
    // The budget binds before the cap, as in real programmes: the first year's ¥330 M are all but spent on
    // fewer than 81 compounds.
    assert!(years[0]["compounds"].as_u64().unwrap() < 81, "{}", years[0]);
    assert!(years[0]["left_yuan"].as_f64().unwrap() < 0.01 * 330_000_000.0);

    for bundle in plan["bundles"].as_array().unwrap() {
        let in_years: BTreeSet<Option<i64>> = bundle
            .as_array()
            .unwrap()
            .iter()
            .map(|code| compounds.iter().find(|c| &c["code"] == code).unwrap()["year"].as_i64())
            .collect();
        assert_eq!(in_years.len(), 1, "bundle {bundle} split");
    }
    let (objective, bound) = (
        plan["objective"].as_f64().unwrap(),
        plan["bound"].as_f64().unwrap(),
    );
    assert!(objective > 0.0 && bound >= objective);
    assert!(plan["gap"].as_f64().unwrap() < 0.001);

    assert_eq!(app.snapshot().await, before, "planning writes nothing");
}

#[tokio::test]
async fn the_plan_prints_each_years_batch_as_a_table() {
    let app = spawn_app().await;
    let out = app.cli(&args(&[]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "2022 年批次：",
        "预算 33000.0 万元",
        "2024 年批次",
        "未列入规划期的小区",
        "与最优方案相差至多",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
}

#[tokio::test]
async fn bad_plan_arguments_are_refused_naming_what_is_wrong() {
    let app = spawn_app().await;
    let base = ["plan", "--from", "2022", "--to", "2023"];
    let cases: [(&[&str], &str); 7] = [
        (&["--budget", "1000"], ""), // control: this one is fine
        (&["--budget", "2022=1000"], "没有 2023 年的预算"),
        (
            &["--budget", "1000", "--budget", "2030=5"],
            "2030 年不在规划期内",
        ),
        (&["--budget", "many"], "不是整数"),
        (&["--budget", "1000", "--pin", "NOPE=2022"], "pins.NOPE"),
        (
            &["--budget", "1000", "--pin", "RS-0001=2030"],
            "pins.RS-0001",
        ),
        (&["--budget", "1000", "--discount", "2"], "discount"),
    ];
    for (extra, expected) in cases {
        let all: Vec<&str> = base.iter().chain(extra.iter()).copied().collect();
        let out = app.cli(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if expected.is_empty() {
            assert!(out.status.success(), "{extra:?}: {stderr}");
        } else {
            assert!(!out.status.success(), "{extra:?} was accepted");
            assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        }
    }
    let reversed = app.cli(&["plan", "--from", "2024", "--to", "2022", "--budget", "1"]);
    assert!(String::from_utf8_lossy(&reversed.stderr).contains("--to 2022 早于 --from 2024"));
}

#[tokio::test]
async fn the_seed_years_batch_is_approved_on_first_start() {
    let app = spawn_app().await;
    let (status, projects) = app.get_json("/api/projects?year=2021").await;
    assert_eq!(status, 200);
    let compounds: usize = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sites"].as_array().unwrap().len())
        .sum();
    assert_eq!(compounds, 81, "{projects}");
    let log = app
        .audit("action=approve&entity=batch&entity_id=2021")
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["source"], "first start", "{log}");
}

#[tokio::test]
async fn approving_a_year_moves_its_batch_to_planned_and_later_plans_keep_it() {
    let app = spawn_app().await;
    let plan = run(&app, &["--json"]);
    let batch: Vec<String> = plan["years"][0]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let before = planned(&app).await;
    let approved = run(&app, &["--json", "--approve", "2022"]);
    assert_eq!(approved["years"][0]["codes"], plan["years"][0]["codes"]);
    assert_eq!(planned(&app).await, before + batch.len() as u64);
    let log = app
        .audit(&format!("action=approve_batch&entity_id={}", batch[0]))
        .await;
    assert_eq!(
        log["items"][0]["actor"]
            .as_str()
            .map(|a| a.starts_with("cli")),
        Some(true),
        "{log}"
    );

    // Re-planning with other limits never moves the approved batch; a budget below it is refused, naming the year.
    let again = run(
        &app,
        &[
            "--json",
            "--budget",
            "2023=100000000",
            "--max-compounds",
            "2023=10",
        ],
    );
    for code in &batch {
        let c = outcome(&again, code);
        assert_eq!(
            (c["outcome"].as_str(), c["year"].as_i64()),
            (Some("approved"), Some(2022))
        );
    }
    let below = app.cli(&args(&["--budget", "2022=1000"]));
    assert!(!below.status.success());
    assert!(String::from_utf8_lossy(&below.stderr).contains("years[0].budget_yuan"));
    // A year is approved once.
    let twice = app.cli(&args(&["--approve", "2022"]));
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("2022 年批次已经批准过了"));
}

#[tokio::test]
async fn an_approval_that_fails_part_way_changes_nothing() {
    let app = spawn_app().await;
    let plan = run(&app, &["--json"]);
    // The last compound of 2022's batch (in code order) is marked "in construction" behind the planner's back, as
    // legacy data might be: approval writes the ones before it, then must refuse it and undo everything.
    let mut batch: Vec<String> = plan["years"][0]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    batch.sort();
    let last = batch.last().unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE compounds SET status = 'in_construction' WHERE code = '{last}'"
        ))
        .await
        .expect("update");
    let before = app.snapshot().await;
    let audit_before = app.audit("per_page=1").await["total"].clone();
    let planned_before = app
        .get_json("/api/compounds?status=planned&per_page=1")
        .await
        .1["total"]
        .clone();

    let out = app.cli(&args(&["--approve", "2022"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(last.as_str()));
    assert_eq!(app.snapshot().await, before, "no compound moved");
    assert_eq!(app.audit("per_page=1").await["total"], audit_before);
    let (_, planned) = app
        .get_json("/api/compounds?status=planned&per_page=1")
        .await;
    assert_eq!(planned["total"], planned_before);
}

/// How many compounds are at `planned` (the demo data moved most of the seed year's on since).
async fn planned(app: &TestApp) -> u64 {
    let (_, page) = app
        .get_json("/api/compounds?status=planned&per_page=1")
        .await;
    page["total"].as_u64().expect("total")
}
