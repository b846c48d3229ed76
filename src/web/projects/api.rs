//! Projects and work orders over the API. PDFs are rendered off the async executor and carry a strong ETag
//! (identical input gives identical bytes).

use std::io::Write;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::{assignments, projects, work_orders};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Route, route, route1};
use crate::web::error;
use crate::web::json::{created, expected_version, json_body, json_input, respond};
use crate::web::query::{Query, query, year_query};
use crate::web::reply::{Pdf, file_response, pdf_reply};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    let if_none_match = warp::header::optional::<String>("if-none-match");
    route(s, Route::ListProjects)
        .and(query())
        .then(list_projects)
        .or(route1(s, Route::GetProject).then(get_project))
        .unify()
        .or(route1(s, Route::UpdateProject)
            .and(if_match)
            .and(body)
            .then(update_project))
        .unify()
        .or(route1(s, Route::IssueWorkOrder).and(body).then(issue))
        .unify()
        .or(route(s, Route::ListWorkOrders).and(query()).then(list))
        .unify()
        .or(route(s, Route::WorkOrdersZip).and(query()).then(zip))
        .unify()
        .or(route1(s, Route::GetWorkOrder).then(get))
        .unify()
        .or(route1(s, Route::WorkOrderPdf)
            .and(query())
            .and(if_none_match)
            .then(pdf))
        .unify()
        .or(route1(s, Route::AcknowledgeWorkOrder).then(acknowledge))
        .unify()
        .or(route1(s, Route::ReportProgress).and(body).then(report))
        .unify()
        .boxed()
}

async fn list_projects(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = year_query(&q)?;
        let items = projects::list(&s.db, year, ctx.own_contractor()?).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn get_project(code: String, ctx: Ctx, s: AppState) -> Response {
    let result = async { projects::get(&s.db, &code, ctx.own_contractor()?).await };
    respond(result.await)
}

async fn update_project(
    code: String,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let version = expected_version(if_match.as_deref())?;
        let input = json_input(&body)?;
        assignments::update(&s.db, &ctx.actor()?, &code, version, &input).await
    };
    respond(result.await)
}

async fn issue(code: String, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Issue {
            #[serde(default)]
            reason: Option<String>,
        }
        let body = if body.is_empty() {
            json!({})
        } else {
            json_body(&body)?
        };
        let input: Issue = crate::domain::deserialize(&body).map_err(Error::Invalid)?;
        work_orders::issue(&s.db, &ctx.actor()?, &code, input.reason.as_deref()).await
    };
    created(result.await)
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = year_query(&q)?;
        let items = work_orders::list(&s.db, year, ctx.own_contractor()?).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn get(number: String, ctx: Ctx, s: AppState) -> Response {
    let result = async { work_orders::get(&s.db, &number, ctx.own_contractor()?).await };
    respond(result.await)
}

async fn acknowledge(number: String, ctx: Ctx, s: AppState) -> Response {
    let result = async {
        let own = ctx.own_firm()?;
        work_orders::acknowledge(&s.db, &ctx.actor()?, &number, own).await
    };
    respond(result.await)
}

async fn report(number: String, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let own = ctx.own_firm()?;
        work_orders::report(&s.db, &ctx.actor()?, &number, own, &json_input(&body)?).await
    };
    created(result.await)
}

/// `?revision=2&download=1`: which revision (the newest visible one by default), and whether the browser should
/// save the file rather than show it.
fn pdf_query(query: &[(String, String)]) -> Result<(Option<i32>, bool)> {
    let mut revision = None;
    let mut download = false;
    for (key, value) in query {
        match key.as_str() {
            "revision" => {
                revision = Some(
                    value
                        .parse::<i32>()
                        .ok()
                        .filter(|r| *r >= 1)
                        .ok_or_else(|| {
                            Error::invalid("revision", "须为版本号（1 或以上的整数）")
                        })?,
                );
            }
            "download" => download = matches!(value.as_str(), "1" | "true" | "yes"),
            other => {
                return Err(Error::invalid(
                    other,
                    "不认识的参数，可用的有 revision、download",
                ));
            }
        }
    }
    Ok((revision, download))
}

async fn render(
    state: &AppState,
    number: &str,
    mut doc: jiugai_document::WorkOrder,
) -> Result<Vec<u8>> {
    let site = crate::db::site::load(&state.db, &state.settings).await?;
    doc.url = work_orders::page_url(&site.public_base(&state.settings), number);
    let paper = jiugai_document::Paper {
        specimen: site.specimen(),
    };
    tokio::task::spawn_blocking(move || jiugai_document::render_work_order_on(&doc, paper))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering work order {number}: {e:?}")))
}

async fn pdf(number: String, ctx: Ctx, s: AppState, q: Query, inm: Option<String>) -> Response {
    pdf_response(&s, &ctx, &number, &q, inm.as_deref())
        .await
        .unwrap_or_else(|e| error::reply(&e))
}

async fn pdf_response(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    query: &[(String, String)],
    if_none_match: Option<&str>,
) -> Result<Response> {
    let (revision, download) = pdf_query(query)?;
    let doc = work_orders::document_of(&state.db, number, revision, ctx.own_contractor()?).await?;
    let file_name = work_orders::file_name(number, doc.revision);
    let revision = doc.revision;
    let bytes = render(state, number, doc).await?;
    let ascii = format!("work-order-{number}-v{revision}.pdf");
    Ok(pdf_reply(
        &Pdf::new(bytes),
        &file_name,
        &ascii,
        download,
        if_none_match,
    ))
}

async fn zip(ctx: Ctx, s: AppState, q: Query) -> Response {
    zip_response(&s, &ctx, &q)
        .await
        .unwrap_or_else(|e| error::reply(&e))
}

/// The current orders as one ZIP: a contractor's own (of one year, or all), or for the bureau one year's batch.
async fn zip_response(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Result<Response> {
    let year = year_query(query)?;
    let own = ctx.own_contractor()?;
    if own.is_none() && year.is_none() {
        return Err(Error::invalid("year", "请选择要下载哪一年的批次"));
    }
    let orders = work_orders::list(&state.db, year, own).await?;
    if orders.is_empty() {
        return Err(Error::NotFound("没有可下载的施工任务单".to_owned()));
    }
    let site = crate::db::site::load(&state.db, &state.settings).await?;
    let base = site.public_base(&state.settings);
    let paper = jiugai_document::Paper {
        specimen: site.specimen(),
    };
    let mut documents = Vec::with_capacity(orders.len());
    for order in &orders {
        let mut doc =
            work_orders::document_of(&state.db, &order.number, Some(order.revision), own).await?;
        doc.url = work_orders::page_url(&base, &order.number);
        documents.push(doc);
    }
    let bytes = tokio::task::spawn_blocking(move || zip_orders(&documents, paper))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let (name, ascii) = match year {
        Some(y) => (
            format!("施工任务单-{y}.zip"),
            format!("work-orders-{y}.zip"),
        ),
        None => ("施工任务单.zip".to_owned(), "work-orders.zip".to_owned()),
    };
    Ok(file_response(
        bytes,
        "application/zip",
        &name,
        &ascii,
        true,
        None,
    ))
}

/// The documents rendered into one ZIP (on every core), each under its file name and dated by its issue date, so
/// the same orders give the same archive.
fn zip_orders(
    documents: &[jiugai_document::WorkOrder],
    paper: jiugai_document::Paper,
) -> Result<Vec<u8>> {
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let rendered = jiugai_document::render_work_orders_on(documents, paper, &|| ());
    for (doc, pdf) in documents.iter().zip(rendered) {
        let pdf = pdf.map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "rendering work order {}: {e:?}",
                doc.number
            ))
        })?;
        let date = doc.issued_on;
        let modified = zip::DateTime::from_date_and_time(
            u16::try_from(chrono::Datelike::year(&date)).unwrap_or(1980),
            chrono::Datelike::month(&date) as u8,
            chrono::Datelike::day(&date) as u8,
            0,
            0,
            0,
        )
        .unwrap_or_default();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(modified);
        archive
            .start_file(work_orders::file_name(&doc.number, doc.revision), options)
            .and_then(|()| archive.write_all(&pdf).map_err(Into::into))
            .map_err(|e| Error::Internal(e.into()))?;
    }
    let cursor = archive.finish().map_err(|e| Error::Internal(e.into()))?;
    Ok(cursor.into_inner())
}
