//! The monthly return (月报) against the records: every figure of every 2021 month recomputed here from what the API
//! says of projects, compounds, reports and money — not from the report's code — and equal; the checks hold on the
//! demo data and name the cell when a record contradicts the others; the workbook opens with the same figures.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// A project as the API's records describe it.
struct Project {
    contract_fen: i64,
    /// (code, town, households) of its compounds.
    sites: Vec<String>,
    started: Option<NaiveDate>,
    completed: Option<NaiveDate>,
    progress: Vec<(NaiveDate, i64)>,
}

fn beijing_day(at: &Value) -> NaiveDate {
    let at: DateTime<Utc> = at.as_str().unwrap().parse().unwrap();
    (at + Duration::hours(8)).date_naive()
}

fn fen_of(yuan: &Value) -> i64 {
    (yuan.as_f64().unwrap() * 100.0).round() as i64
}

async fn records(app: &TestApp) -> (Vec<Project>, BTreeMap<String, Value>, Vec<Value>) {
    let (_, list) = app.get_json("/api/projects?year=2021").await;
    let (_, orders) = app.get_json("/api/work-orders?year=2021").await;
    let mut projects = Vec::new();
    let mut compounds = BTreeMap::new();
    for p in list["items"].as_array().unwrap() {
        let code = p["code"].as_str().unwrap();
        let (_, one) = app.get_json(&format!("/api/projects/{code}")).await;
        let mut project = Project {
            contract_fen: fen_of(&one["contract_amount_yuan"]),
            sites: Vec::new(),
            started: None,
            completed: None,
            progress: Vec::new(),
        };
        for s in one["sites"].as_array().unwrap() {
            let site = s["code"].as_str().unwrap().to_owned();
            let (_, c) = app.get_json(&format!("/api/compounds/{site}")).await;
            compounds.insert(site.clone(), c);
            project.sites.push(site);
        }
        if let Some(order) = orders["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["project"] == code)
        {
            let number = order["number"].as_str().unwrap();
            let (_, o) = app.get_json(&format!("/api/work-orders/{number}")).await;
            for r in o["reports"].as_array().unwrap() {
                let day = beijing_day(&r["reported_at"]);
                match r["kind"].as_str().unwrap() {
                    "started" => project.started = Some(day),
                    "completed" => project.completed = Some(day),
                    "progress" => project.progress.push((day, r["percent"].as_i64().unwrap())),
                    _ => {}
                }
            }
        }
        projects.push(project);
    }
    let (_, ledger) = app.get_json("/api/money?year=2021").await;
    (
        projects,
        compounds,
        ledger["items"].as_array().unwrap().clone(),
    )
}

fn month_end(month: u32) -> NaiveDate {
    if month == 12 {
        NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()
    } else {
        NaiveDate::from_ymd_opt(2021, month + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap()
    }
}

#[tokio::test]
async fn every_2021_return_equals_what_the_records_say() {
    let app = spawn_app().await;
    let (projects, compounds, ledger) = records(&app).await;
    assert_eq!(compounds.len(), 81, "the 2021 batch");
    // The effect indicators as the policy defines them: item → factor; each compound's amount from its priced
    // scope, to the hundredth.
    let (_, policy) = app.get_json("/api/policy").await;
    let indicators = policy["indicators"].as_array().unwrap().clone();
    assert_eq!(indicators.len(), 6, "{policy}");
    let effect = |c: &Value, i: usize| -> f64 {
        let amount: f64 = c["estimate"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| {
                let factor = indicators[i]["items"][l["item"].as_str().unwrap()].as_f64()?;
                Some(factor * l["quantity"].as_f64().unwrap())
            })
            .sum();
        (amount * 100.0).round() / 100.0
    };
    let mut previous: Option<Value> = None;
    for month in 1..=12u32 {
        let end = month_end(month);
        let (status, r) = app
            .get_json(&format!("/api/returns/monthly?month=2021-{month:02}"))
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["as_of"], end.to_string());
        // Per town: (planned, started, completed) × (compounds, buildings, households), investment completed.
        let mut towns: BTreeMap<String, [i64; 9]> = BTreeMap::new();
        let mut invested = 0i64;
        let mut effects = vec![(0.0f64, 0.0f64); indicators.len()];
        for p in &projects {
            let started = p.started.is_some_and(|d| d <= end);
            let completed = p.completed.is_some_and(|d| d <= end);
            for code in &p.sites {
                let c = &compounds[code];
                for (i, e) in effects.iter_mut().enumerate() {
                    e.0 += effect(c, i);
                    if completed {
                        e.1 += effect(c, i);
                    }
                }
                let t = towns
                    .entry(c["town"].as_str().unwrap().to_owned())
                    .or_default();
                let figures = [
                    1,
                    c["buildings"].as_i64().unwrap(),
                    c["households"].as_i64().unwrap(),
                ];
                for (k, f) in figures.iter().enumerate() {
                    t[k] += f;
                    if started {
                        t[3 + k] += f;
                    }
                    if completed {
                        t[6 + k] += f;
                    }
                }
            }
            let percent = if completed {
                100
            } else {
                p.progress
                    .iter()
                    .filter(|(d, _)| *d <= end)
                    .map(|(_, x)| *x)
                    .max()
                    .unwrap_or(0)
            };
            invested += (i128::from(p.contract_fen) * i128::from(percent) / 100) as i64;
        }
        let row_of = |town: &str| {
            r["towns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["town"] == town)
                .unwrap_or_else(|| panic!("a row for {town}"))
                .clone()
        };
        let figures = |row: &Value| -> [i64; 9] {
            let mut out = [0; 9];
            for (i, part) in ["planned", "started", "completed"].iter().enumerate() {
                for (k, what) in ["compounds", "buildings", "households"].iter().enumerate() {
                    out[i * 3 + k] = row[part][what].as_i64().unwrap();
                }
            }
            out
        };
        let mut county = [0i64; 9];
        for (town, expected) in &towns {
            assert_eq!(figures(&row_of(town)), *expected, "2021-{month:02} {town}");
            for k in 0..9 {
                county[k] += expected[k];
            }
        }
        assert_eq!(figures(&r["county"]), county, "2021-{month:02} county");
        assert_eq!(
            r["county"]["investment_completed_fen"].as_i64(),
            Some(invested),
            "2021-{month:02} investment completed"
        );
        for (i, (planned, done)) in effects.iter().enumerate() {
            let got = |key: &str| r["county"][key][i].as_f64().unwrap();
            assert!(
                (got("effects_planned") - planned).abs() < 1e-6
                    && (got("effects_completed") - done).abs() < 1e-6,
                "2021-{month:02} {}: {} / {} against {planned} / {done}",
                indicators[i]["name"],
                got("effects_planned"),
                got("effects_completed")
            );
        }
        let rate = county[3] as f64 / county[0] as f64;
        assert!((r["county"]["start_rate_compounds"].as_f64().unwrap() - rate).abs() < 1e-12);

        // Money: every entry of the ledger dated by the month's end, reversals included.
        let mut received: BTreeMap<String, i64> = BTreeMap::new();
        let mut paid = 0i64;
        for e in &ledger {
            let on: NaiveDate = e["on"].as_str().unwrap().parse().unwrap();
            if on > end {
                continue;
            }
            let fen = e["amount"]["fen"].as_i64().unwrap();
            match e["kind"].as_str().unwrap() {
                "receipt" => {
                    *received
                        .entry(e["source"].as_str().unwrap().to_owned())
                        .or_default() += fen
                }
                "payment" => paid += fen,
                _ => {}
            }
        }
        for f in r["funds"].as_array().unwrap() {
            let code = f["code"].as_str().unwrap();
            assert_eq!(
                f["received_fen"].as_i64(),
                Some(received.get(code).copied().unwrap_or(0)),
                "2021-{month:02} {code}"
            );
        }
        assert_eq!(
            r["received_fen"].as_i64(),
            Some(received.values().sum::<i64>())
        );
        assert_eq!(r["paid_fen"].as_i64(), Some(paid), "2021-{month:02} paid");
        assert_eq!(
            r["problems"],
            Value::Array(vec![]),
            "2021-{month:02}: {}",
            r["problems"]
        );
        if let Some(before) = &previous {
            assert!(figures(&r["county"]) >= figures(&before["county"]));
        }
        previous = Some(r);
    }
    let last = previous.unwrap();
    assert!(last["county"]["completed"]["compounds"].as_i64().unwrap() > 0);
    assert!(last["paid_fen"].as_i64().unwrap() > 0);
    let positive = |key: &str| {
        last["county"][key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x.as_f64().unwrap() > 0.0)
            .count()
    };
    assert!(
        positive("effects_planned") >= 3 && positive("effects_completed") >= 1,
        "{}",
        last["county"]
    );
}

#[tokio::test]
async fn a_record_that_contradicts_the_others_is_named_by_its_cell() {
    let app = spawn_app().await;
    // A project the demo left unacknowledged (no report at all) is said to be completed in September, never
    // started: the record is inconsistent, and the return says where.
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
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let ids = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT w.id AS order_id, p.id AS project_id FROM work_orders w JOIN projects p ON p.id = w.project_id \
                 WHERE p.code = '{code}'"
            ),
        ))
        .await
        .unwrap()
        .expect("the project's order");
    let order: i32 = ids.try_get("", "order_id").unwrap();
    let pid: i32 = ids.try_get("", "project_id").unwrap();
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO work_order_reports (work_order_id, project_id, kind, reported_by, reported_at) \
             VALUES ({order}, {pid}, 'completed', 'contractor1', '2021-09-15T02:00:00+00:00')"
        ))
        .await
        .unwrap();
    let (_, august) = app.get_json("/api/returns/monthly?month=2021-08").await;
    assert_eq!(august["problems"], Value::Array(vec![]));
    let (_, september) = app.get_json("/api/returns/monthly?month=2021-09").await;
    let cells: Vec<&str> = september["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert!(
        cells.contains(&format!("{town}·已完工小区数").as_str()),
        "{cells:?}"
    );
    let said = september["problems"].to_string();
    assert!(
        said.contains(project["sites"][0]["code"].as_str().unwrap()),
        "{said}"
    );
    let (status, bad) = app.get_json("/api/returns/monthly?month=2021-13").await;
    assert_eq!((status, bad["fields"]["month"].is_array()), (422, true));
}

#[tokio::test]
async fn the_workbook_opens_in_libreoffice_with_the_return_s_figures() {
    let Ok(soffice) = which_soffice() else {
        eprintln!("SKIPPED: LibreOffice (soffice) is not installed; the .xlsx check did not run");
        return;
    };
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let bytes = crate::sheets::download(&app, &planner, "/returns.xlsx?month=2021-06").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("return.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new(soffice)
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("return.csv")).unwrap();
    let (_, json) = app.get_json("/api/returns/monthly?month=2021-06").await;
    // As LibreOffice shows the cells (thousands separators included), read back as numbers.
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(|c| c.replace(',', "")).collect())
        .collect();
    assert_eq!(rows[0][0], "乡镇（街道）", "Chinese headers");
    let county = rows
        .iter()
        .find(|r| r[0] == "全县合计")
        .expect("the county row");
    let c = &json["county"];
    assert_eq!(county[1], c["planned"]["compounds"].to_string());
    assert_eq!(county[3], c["planned"]["households"].to_string());
    assert_eq!(county[7], c["started"]["households"].to_string());
    assert_eq!(county[11], c["completed"]["households"].to_string());
    let invested: f64 = county[16].parse().unwrap();
    assert_eq!(
        (invested * 100.0).round() as i64,
        c["investment_completed_fen"].as_i64().unwrap()
    );
}

fn which_soffice() -> Result<&'static str, ()> {
    for name in ["soffice", "libreoffice"] {
        if std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(name);
        }
    }
    Err(())
}
