//! The pages of projects and work orders: the contractor's portal (its orders, download, acknowledge, report
//! progress) and the bureau's project pages (assign, issue, revise) and order list.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::assignments::{self, AssignmentInput};
use crate::db::work_orders::{self, ReportInput};
use crate::db::{contractors, projects};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, after, page, refuse};
use crate::web::query::{Query, query, year_query};
use crate::web::reply::see_other;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::WorkOrdersPage)
        .and(query())
        .then(orders)
        .or(route1(s, Route::WorkOrderPage).then(order))
        .unify()
        .or(post_form1(s, Route::AcknowledgePage).then(acknowledge))
        .unify()
        .or(post_form1(s, Route::ReportPage).then(report))
        .unify()
        .or(route(s, Route::ProjectsPage).and(query()).then(list))
        .unify()
        .or(route1(s, Route::ProjectPage).then(one))
        .unify()
        .or(post_form1(s, Route::AssignPage).then(assign))
        .unify()
        .or(post_form1(s, Route::IssuePage).then(issue))
        .unify()
        .boxed()
}

async fn orders(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, orders_page(&s, &ctx, &q).await)
}

async fn order(number: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, order_page(&s, &ctx, &number).await)
}

async fn acknowledge(number: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let own = ctx.own_firm()?;
        work_orders::acknowledge(&s.db, &ctx.actor()?, &number, own).await
    };
    back_to_order(
        &s,
        &ctx,
        &number,
        result.await,
        Kept::new("acknowledge", &f),
    )
    .await
}

/// After a contractor's form on a work order: back to the order, or its page again with the form refused.
async fn back_to_order<T>(
    s: &AppState,
    ctx: &Ctx,
    number: &str,
    result: Result<T>,
    kept: Kept<'_>,
) -> Response {
    let again = order_page(s, ctx, number);
    after(
        s,
        ctx,
        result,
        &format!("/work-orders/{number}"),
        kept,
        again,
    )
    .await
}

async fn report(number: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let own = ctx.own_firm()?;
        let percent = match f.text("percent").trim() {
            "" => None,
            p => Some(
                p.parse::<i64>()
                    .map_err(|_| Error::invalid("percent", "须为 0 到 100 之间的整数"))?,
            ),
        };
        let input = ReportInput {
            kind: f.text("kind").to_owned(),
            percent,
            note: f.get("note").map(str::to_owned),
        };
        work_orders::report(&s.db, &ctx.actor()?, &number, own, &input).await
    };
    back_to_order(&s, &ctx, &number, result.await, Kept::new("report", &f)).await
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, projects_page(&s, &q).await)
}

async fn one(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, project_page(&s, &ctx, &code).await)
}

async fn assign(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let optional = |key: &str| {
            Some(f.text(key).trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let input = AssignmentInput {
            contractor: optional("contractor"),
            contract_amount_yuan: optional("contract_amount_yuan")
                .map(|a| {
                    a.parse::<f64>().map_err(|_| {
                        Error::invalid("contract_amount_yuan", "须为以元计的金额，如 1873700.00")
                    })
                })
                .transpose()?,
            planned_start: optional("planned_start"),
            planned_end: optional("planned_end"),
            dates_reason: optional("dates_reason"),
        };
        assignments::update(&s.db, &ctx.actor()?, &code, version, &input).await
    };
    let again = project_page(&s, &ctx, &code);
    let back = format!("/projects/{code}");
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("assign", &f).of("project", code.clone()),
        again,
    )
    .await
}

async fn issue(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async { work_orders::issue(&s.db, &ctx.actor()?, &code, f.get("reason")).await };
    match result.await {
        Ok(order) => see_other(&format!("/work-orders/{}", order.summary.number)),
        Err(e) => {
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("issue", &f),
                project_page(&s, &ctx, &code),
            )
            .await
        }
    }
}

fn labels() -> Value {
    json!({
        "progress": {"not_started": "未开工", "started": "施工中", "completed": "已完工"},
        "reports": {"acknowledged": "签收", "started": "开工", "progress": "进度", "completed": "完工"},
    })
}

fn with_labels(mut context: Value) -> Value {
    if let (Some(object), Value::Object(labels)) = (context.as_object_mut(), labels()) {
        object.extend(labels);
    }
    context
}

async fn years(state: &AppState) -> Result<Vec<i32>> {
    let mut years: Vec<i32> = projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.dedup();
    Ok(years)
}

async fn orders_page(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let own = ctx.own_contractor()?;
    let year = year_query(query)?;
    let items = work_orders::list(&state.db, year, own).await?;
    Ok((
        "work_orders.html",
        with_labels(json!({
            "title": "施工任务单", "nav": "work-orders", "items": items, "own": own.is_some(),
            "year": year, "years": years(state).await?,
        })),
    ))
}

async fn order_page(state: &AppState, ctx: &Ctx, number: &str) -> Rendered {
    let own = ctx.own_contractor()?;
    let order = work_orders::get(&state.db, number, own).await?;
    Ok((
        "work_order.html",
        with_labels(json!({
            "title": format!("施工任务单 {number}"), "nav": "work-orders", "o": order,
            "can_act": own.is_some(),
        })),
    ))
}

async fn projects_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let year = year_query(query)?;
    let items = projects::list(&state.db, year, None).await?;
    Ok((
        "projects.html",
        with_labels(json!({
            "title": "改造项目", "nav": "projects", "items": items, "year": year,
            "years": years(state).await?,
        })),
    ))
}

pub(super) async fn project_page(state: &AppState, ctx: &Ctx, code: &str) -> Rendered {
    let project = projects::get(&state.db, code, None).await?;
    let order = work_orders::list(&state.db, Some(project.year), None)
        .await?
        .into_iter()
        .find(|o| o.project == project.code);
    let can_plan = ctx
        .user()
        .is_ok_and(|p| Route::UpdateProject.rule().admits(p.role));
    let filter = crate::db::notices::Filter {
        year: Some(project.year),
        ..Default::default()
    };
    let notices: Vec<crate::db::notices::NoticeView> =
        crate::db::notices::list(&state.db, &filter, chrono::Utc::now())
            .await?
            .into_iter()
            .filter(|n| n.project == project.code)
            .collect();
    Ok((
        "project.html",
        with_labels(json!({
            "title": project.name, "nav": "projects", "p": project, "order": order,
            "contractors": contractors::list(&state.db, None).await?, "can_plan": can_plan,
            "notices": notices,
            "money": crate::db::money::project(&state.db, code).await?,
            "today": crate::domain::time::beijing_date(chrono::Utc::now()),
            "kinds": crate::domain::notice::NoticeKind::ALL
                .iter()
                .map(|k| json!({"code": k.code(), "label": k.label()}))
                .collect::<Vec<_>>(),
        })),
    ))
}
