//! The plan pages (`/plans…`): the scenarios, one plan at a glance (budget per year as a bar chart, the county map
//! coloured by year, each year's batch as a table) with its moves, runs and approvals, and a comparison.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::api::compare_query;
use crate::db::{audit, compounds, scenarios};
use crate::domain::batch::{Horizon, YearLimits};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, after, page, refuse};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;
use crate::web::svg::{self, Projection};

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::PlansPage)
        .then(list)
        .or(post_form(s, Route::PlanCreate).then(create))
        .unify()
        .or(route(s, Route::ComparePage).and(query()).then(compare))
        .unify()
        .or(route1(s, Route::PlanPage).then(one))
        .unify()
        .or(post_form1(s, Route::PlanRun).then(run))
        .unify()
        .or(post_form1(s, Route::PlanMove).then(move_compound))
        .unify()
        .or(post_form1(s, Route::PlanApprove).then(approve))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, plans_page(&s, &ctx).await)
}

async fn create(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let input = scenarios::Input {
            name: f.text("name").to_owned(),
            horizon: horizon_from_form(&f)?,
        }
        .checked()?;
        scenarios::create(&s.db, &ctx.actor()?, &input).await
    };
    match result.await {
        Ok(scenario) => see_other(&format!("/plans/{}", scenario.id)),
        Err(e) => refuse(&s, &ctx, e, Kept::new("create", &f), plans_page(&s, &ctx)).await,
    }
}

async fn compare(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, compare_page(&s, &q).await)
}

async fn one(id: i32, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, plan_page(&s, &ctx, id, None).await)
}

async fn run(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async { scenarios::rerun(&s.db, &ctx.actor()?, id).await };
    let again = plan_page(&s, &ctx, id, None);
    let back = format!("/plans/{id}");
    after(&s, &ctx, result.await, &back, Kept::new("run", &f), again).await
}

async fn move_compound(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let year = match f.text("year").trim() {
            "" | "auto" => json!("auto"),
            "out" => Value::Null,
            y => json!(
                y.parse::<i64>()
                    .map_err(|_| Error::invalid("year", "请选择年份、自动安排或移出计划"))?
            ),
        };
        let mv = scenarios::Move::parse(&json!({
            "code": f.text("code"),
            "year": year,
            "override": f.text("override") == "on",
            "reason": f.get("reason"),
        }))?;
        scenarios::move_compound(&s.db, &ctx.actor()?, id, version, &mv).await
    };
    match result.await {
        Ok(moved) => page(&s, &ctx, plan_page(&s, &ctx, id, Some(moved.changes)).await),
        Err(e) => {
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("move", &f).of("scenario", id.to_string()),
                plan_page(&s, &ctx, id, None),
            )
            .await
        }
    }
}

async fn approve(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let year = f
            .text("year")
            .trim()
            .parse()
            .map_err(|_| Error::invalid("year", "请选择要批准的年度"))?;
        if f.text("confirm") != "on" {
            return Err(Error::invalid(
                "confirm",
                "请勾选确认：批准后该年度批次即锁定",
            ));
        }
        scenarios::approve(&s.db, &ctx.actor()?, id, version, year).await
    };
    let again = plan_page(&s, &ctx, id, None);
    let back = format!("/plans/{id}");
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("approve", &f).of("scenario", id.to_string()),
        again,
    )
    .await
}

/// The create form: first and last year, one budget (万元) for every year, an optional cap.
fn horizon_from_form(f: &Form) -> Result<Horizon> {
    let mut errors = crate::domain::FieldErrors::default();
    let mut year = |key: &str| match f.text(key).trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            errors.add(key, "须为 2000 到 2100 之间的年份");
            None
        }
    };
    let from = year("from");
    let to = year("to");
    let budget = match f.text("budget_wan").trim().parse::<f64>() {
        Ok(b) if b.is_finite() && (0.0..=1e9).contains(&b) => Some((b * 10_000.0).round() as u64),
        _ => {
            errors.add("budget_wan", "须为以万元计的金额，如 33000");
            None
        }
    };
    let cap = match f.text("max_compounds").trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.add("max_compounds", "须为大于 0 的整数，或留空");
                None
            }
        },
    };
    if let (Some(from), Some(to)) = (from, to)
        && (to < from || to - from >= crate::domain::batch::MAX_YEARS as i32)
    {
        errors.add(
            "to",
            format!(
                "须不早于起始年份，且最多晚 {} 年",
                crate::domain::batch::MAX_YEARS - 1
            ),
        );
    }
    let (Some(from), Some(to), Some(budget), true) = (from, to, budget, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    Ok(Horizon {
        years: (from..=to)
            .map(|year| YearLimits {
                year,
                budget_yuan: budget,
                max_compounds: cap,
                max_households: None,
            })
            .collect(),
        discount: None,
        pins: Default::default(),
        exclusions: Default::default(),
        bundles: true,
        overrides: Default::default(),
    })
}

fn can_plan(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CreateScenario.rule().admits(p.role))
}

async fn plans_page(state: &AppState, ctx: &Ctx) -> Rendered {
    let items = scenarios::list(&state.db).await?;
    // Who changed each plan last, by name (the service and the CLI in words), not by username.
    let names = audit::Names::load(&state.db).await?;
    let people: std::collections::HashMap<&str, String> = items
        .iter()
        .map(|s| (s.updated_by.as_str(), names.person(&s.updated_by)))
        .collect();
    let next = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    Ok((
        "plans.html",
        json!({"title": "年度计划", "nav": "plans", "items": items, "people": people, "can_plan": can_plan(ctx),
               "suggest": {"from": next, "to": next + 3}}),
    ))
}

/// Colours for years in a plan: distinct, in order, readable on white.
const YEAR_COLOURS: [&str; 10] = [
    "#c0392b", "#d68910", "#1e8449", "#2471a3", "#7d3c98", "#117a65", "#a04000", "#2e4053",
    "#b03a2e", "#5b2c6f",
];
const APPROVED_BEFORE: &str = "#555555";
const NOT_PLANNED: &str = "#c9c9c9";

async fn plan_page(state: &AppState, ctx: &Ctx, id: i32, changes: Option<Vec<Value>>) -> Rendered {
    let s = scenarios::get(&state.db, id).await?;
    let updated_by = audit::Names::load(&state.db).await?.person(&s.updated_by);
    let first = s.horizon.years.first().map_or(0, |y| y.year);
    let colour = |year: Option<i64>| match year {
        Some(y) if y >= i64::from(first) => {
            YEAR_COLOURS[((y - i64::from(first)) as usize) % YEAR_COLOURS.len()]
        }
        Some(_) => APPROVED_BEFORE,
        None => NOT_PLANNED,
    };
    let compounds_of: std::collections::HashMap<&str, &Value> = s.plan["compounds"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| Some((c["code"].as_str()?, c)))
                .collect()
        })
        .unwrap_or_default();

    // Bar chart: budget and used per year, to one scale.
    let years = s.plan["years"].as_array().cloned().unwrap_or_default();
    let top = years
        .iter()
        .flat_map(|y| [y["budget_yuan"].as_f64(), y["used_yuan"].as_f64()])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let (chart_w, chart_h, base) = (640.0, 220.0, 190.0);
    let slot = (chart_w - 60.0) / years.len().max(1) as f64;
    let bars: Vec<Value> = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let budget = y["budget_yuan"].as_f64().unwrap_or_default();
            let used = y["used_yuan"].as_f64().unwrap_or_default();
            let h = |v: f64| (v / top * 160.0 * 10.0).round() / 10.0;
            let x = 50.0 + i as f64 * slot;
            json!({
                "year": y["year"], "x": x, "w": (slot * 0.7 * 10.0).round() / 10.0,
                "budget_y": base - h(budget), "budget_h": h(budget),
                "used_y": base - h(used), "used_h": h(used),
                "mid": x + slot * 0.35, "label": format!("{:.0}", used / 10_000.0),
                "colour": colour(y["year"].as_i64()), "over": used > budget,
            })
        })
        .collect();

    // The county map: every compound at its centroid, coloured by its year in this plan.
    let points = compounds::map_points(&state.db).await?;
    let map = svg::bbox_of(&[points.iter().map(|p| (p.lon, p.lat)).collect()]).map(|bbox| {
        let projection = Projection::fit(bbox, 900.0, 560.0, 30.0);
        let dots: Vec<Value> = points
            .iter()
            .map(|p| {
                let (x, y) = projection.point(p.lon, p.lat);
                let c = compounds_of.get(p.code.as_str());
                let year = c.and_then(|c| c["year"].as_i64());
                json!({"x": x, "y": y, "r": (2.0 + f64::from(p.households).sqrt() / 6.0).min(6.0),
                       "colour": colour(year), "code": p.code, "name": p.name,
                       "year": year, "planned": year.is_some()})
            })
            .collect();
        json!({"width": 900, "height": 560, "dots": dots})
    });
    let legend: Vec<Value> = years
        .iter()
        .map(
            |y| json!({"label": format!("{} 年", y["year"]), "colour": colour(y["year"].as_i64())}),
        )
        .chain([
            json!({"label": "此前已批准", "colour": APPROVED_BEFORE}),
            json!({"label": "未安排", "colour": NOT_PLANNED}),
        ])
        .collect();

    // Each year's batch, and who is left out and why.
    let batches: Vec<Value> = years
        .iter()
        .map(|y| {
            let rows: Vec<&Value> = y["codes"]
                .as_array()
                .map(|codes| {
                    codes
                        .iter()
                        .filter_map(|c| c.as_str().and_then(|c| compounds_of.get(c).copied()))
                        .collect()
                })
                .unwrap_or_default();
            json!({"year": y["year"], "figures": y, "rows": rows, "colour": colour(y["year"].as_i64())})
        })
        .collect();
    let mut left_out: Vec<&Value> = compounds_of
        .values()
        .copied()
        .filter(|c| c["year"].is_null())
        .collect();
    left_out.sort_by(|a, b| {
        b["priority"]
            .as_f64()
            .unwrap_or_default()
            .total_cmp(&a["priority"].as_f64().unwrap_or_default())
            .then(a["code"].as_str().cmp(&b["code"].as_str()))
    });
    let before: Vec<&Value> = {
        let mut v: Vec<&Value> = compounds_of
            .values()
            .copied()
            .filter(|c| c["year"].as_i64().is_some_and(|y| y < i64::from(first)))
            .collect();
        v.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
        v
    };
    let approved_years: Vec<i64> = compounds_of
        .values()
        .filter(|c| c["outcome"] == "approved")
        .filter_map(|c| c["year"].as_i64())
        .collect();
    let approvable: Vec<&Value> = years
        .iter()
        .filter(|y| {
            let year = y["year"].as_i64();
            y["compounds"].as_u64().unwrap_or_default() > 0
                && !approved_years.iter().any(|a| Some(*a) == year)
        })
        .map(|y| &y["year"])
        .collect();
    let codes: Vec<&str> = {
        let mut c: Vec<&str> = compounds_of.keys().copied().collect();
        c.sort_unstable();
        c
    };
    Ok((
        "plan.html",
        json!({
            "title": s.name, "nav": "plans", "s": s, "updated_by": updated_by, "bars": bars,
            "chart": {"width": chart_w, "height": chart_h, "base": base, "top_wan": format!("{:.0}", top / 10_000.0)},
            "map": map, "legend": legend, "batches": batches, "left_out": left_out,
            "approved_before": before, "approvable": approvable, "codes": codes,
            "gap_percent": format!("{:.3}", s.gap * 100.0), "can_plan": can_plan(ctx),
            "changes": changes,
        }),
    ))
}

async fn compare_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let ids = compare_query(query)?;
    let comparison = scenarios::compare(&state.db, &ids).await?;
    Ok((
        "plan_compare.html",
        json!({"title": "方案比较", "nav": "plans", "c": comparison}),
    ))
}
