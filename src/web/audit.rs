//! The audit log (admins): its entries over the API, filtered and paged; the whole filtered log streamed as
//! CSV; and the audit log viewer page.

use bytes::Bytes;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::{Reply, Response};

use crate::db::audit;
use crate::domain::labels;
use crate::domain::time::beijing_minute;
use crate::web::access::{Ctx, Route, route};
use crate::web::error;
use crate::web::html::{Rendered, page, page_link};
use crate::web::json::respond;
use crate::web::query::{Query, parse_audit_query, query};
use crate::web::reply::stream_chunks;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::Audit)
        .and(query())
        .then(entries)
        .or(route(s, Route::AuditCsv).and(query()).map(csv))
        .unify()
        .or(route(s, Route::AuditPage).and(query()).then(viewer))
        .unify()
        .boxed()
}

async fn entries(_: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let (filter, page, per_page) = parse_audit_query(&q)?;
        audit::list(&s.db, &filter, page, per_page).await
    };
    respond(result.await)
}

fn csv(_: Ctx, s: AppState, q: Query) -> Response {
    match parse_audit_query(&q) {
        Ok((filter, _, _)) => csv_reply(s, filter),
        Err(e) => error::reply(&e),
    }
}

async fn viewer(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, audit_page(&s, &q).await)
}

/// Streams the filtered audit log as CSV.
fn csv_reply(state: AppState, filter: audit::Filter) -> Response {
    let mut pages = audit::CsvPages::new(filter);
    let chunks = stream_chunks(move |tx| async move {
        loop {
            match pages.next(&state.db).await {
                Ok(Some(chunk)) => {
                    if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    // The status is already sent: cut the body short rather than end it cleanly.
                    tracing::error!(error = ?e, "audit CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
        }
    });
    let mut response = warp::reply::stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-log.csv\""),
    );
    response
}

async fn audit_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let (filter, page, per_page) = parse_audit_query(query)?;
    let names = audit::Names::load(&state.db).await?;
    let result = audit::list_named(&state.db, &filter, page, per_page, &names).await?;
    let entries: Vec<Value> = result
        .items
        .iter()
        .map(|e| {
            json!({"id": e.id, "at": beijing_minute(e.at), "actor": e.actor_name,
                   // The account's name on hover; the service, a visitor or the CLI in words, not their codes.
                   "username": labels::actor(&e.actor, None),
                   "role": labels::role(&e.actor_role), "source": labels::source(&e.source),
                   "action": e.action_label, "entity": e.entity_label, "entity_id": e.entity_id,
                   "created": e.created(), "removed": e.after.is_none() && e.before.is_some(),
                   "changes": e.changes(&names)})
        })
        .collect();
    let keep: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    let link = |page: u64| page_link("/admin/audit", &keep, page);
    let csv = format!(
        "/api/audit.csv?{}",
        serde_urlencoded::to_string(
            query
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let options = |table: &[(&str, &str)]| -> Vec<Value> {
        table
            .iter()
            .map(|(code, label)| json!({"code": code, "label": label}))
            .collect()
    };
    Ok((
        "audit.html",
        json!({"title": "审计日志", "nav": "audit", "entries": entries, "total": result.total,
               "page": result.page, "pages": result.pages, "filter": filter, "csv": csv,
               "actions": options(labels::ACTIONS), "entities": options(labels::ENTITIES),
               "prev": (page > 1).then(|| link(page - 1)),
               "next": (page < result.pages).then(|| link(page + 1))}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_filter_takes_a_label_or_a_code() {
        let (filter, _, _) =
            parse_audit_query(&pairs(&[("action", "设置密码"), ("entity", "账号")])).unwrap();
        assert_eq!(
            (filter.action.as_deref(), filter.entity.as_deref()),
            (Some("set_password"), Some("user"))
        );
        let (filter, _, _) = parse_audit_query(&pairs(&[("action", "sign_in")])).unwrap();
        assert_eq!(filter.action.as_deref(), Some("sign_in"));
    }
}
