//! Spreadsheets in the browser: the .xlsx exports next to their pages (the compound list, a plan, the
//! satisfaction figures, the objection inbox, the audit log), the import template, and the import page —
//! upload, a preview of what would change (nothing written), then 确认导入 writes it.

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::{catalog, import};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};
use crate::sheets::{self, exports, write::XLSX};
use crate::web::access::{Ctx, Form, Route, post_upload, route, route1};
use crate::web::html::{Kept, Rendered, page, refuse};
use crate::web::query::{Query, query, year_query};
use crate::web::reply::{file_response, see_other};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::CompoundsXlsx)
        .and(query())
        .then(compounds)
        .or(route(s, Route::ImportTemplate).then(template))
        .unify()
        .or(route(s, Route::ImportPage).and(query()).then(import_form))
        .unify()
        .or(post_upload(s, Route::ImportUpload).then(upload))
        .unify()
        .or(route1(s, Route::PlanXlsx).then(plan))
        .unify()
        .or(route(s, Route::SatisfactionXlsx)
            .and(query())
            .then(satisfaction))
        .unify()
        .or(route(s, Route::ObjectionsXlsx).then(objections))
        .unify()
        .or(route(s, Route::AuditXlsx).and(query()).then(audit_log))
        .unify()
        .boxed()
}

/// The workbook as a download named `name` (Chinese, RFC 5987) with an ASCII name for older clients; an error
/// as the error page.
fn download(s: &AppState, ctx: &Ctx, result: Result<Vec<u8>>, name: &str, ascii: &str) -> Response {
    match result {
        Ok(bytes) => file_response(bytes, XLSX, name, ascii, true, None),
        Err(e) => page(s, ctx, Err(e)),
    }
}

fn today() -> String {
    crate::domain::time::beijing_date(chrono::Utc::now()).to_string()
}

async fn compounds(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        // The list's own parameters; paging is the page's, the export has every row.
        let q: Query = q
            .into_iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .collect();
        let parsed = crate::web::list_query::parse_list_query(&q)?;
        exports::compounds(&s.db, &parsed).await
    };
    let name = format!("小区名录-{}.xlsx", today());
    download(&s, &ctx, result.await, &name, "compounds.xlsx")
}

async fn template(ctx: Ctx, s: AppState) -> Response {
    let name = format!("小区导入模板-{}.xlsx", today());
    download(
        &s,
        &ctx,
        exports::template(&s.db).await,
        &name,
        "compounds-template.xlsx",
    )
}

async fn plan(id: i32, ctx: Ctx, s: AppState) -> Response {
    match exports::plan(&s.db, id).await {
        Ok((title, bytes)) => {
            let name = format!("年度计划-{title}.xlsx").replace(['/', '\\'], "-");
            file_response(bytes, XLSX, &name, &format!("plan-{id}.xlsx"), true, None)
        }
        Err(e) => page(&s, &ctx, Err(e)),
    }
}

async fn satisfaction(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let year = year_query(&q)?;
        exports::satisfaction(&s.db, year).await
    };
    download(
        &s,
        &ctx,
        result.await,
        "满意度评价.xlsx",
        "satisfaction.xlsx",
    )
}

async fn objections(ctx: Ctx, s: AppState) -> Response {
    let name = format!("待答复的居民意见-{}.xlsx", today());
    download(
        &s,
        &ctx,
        exports::objections(&s.db).await,
        &name,
        "objections.xlsx",
    )
}

async fn audit_log(ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let (filter, _, _) = crate::web::query::parse_audit_query(&q)?;
        exports::audit_log(&s.db, filter).await
    };
    download(&s, &ctx, result.await, "审计日志.xlsx", "audit-log.xlsx")
}

fn can_import(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::ImportUpload.rule().admits(p.role))
}

async fn import_form(ctx: Ctx, s: AppState, q: Query) -> Response {
    let done = q
        .iter()
        .all(|(k, _)| matches!(k.as_str(), "created" | "updated" | "unchanged"))
        .then(|| {
            let n = |key: &str| {
                q.iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, v)| v.parse::<u64>().ok())
            };
            Some(json!({"created": n("created")?, "updated": n("updated")?, "unchanged": n("unchanged")?}))
        })
        .flatten();
    page(&s, &ctx, import_page(&ctx, done, None))
}

fn import_page(
    ctx: &Ctx,
    done: Option<serde_json::Value>,
    preview: Option<serde_json::Value>,
) -> Rendered {
    Ok((
        "import.html",
        json!({"title": "从 Excel 导入小区", "nav": "compounds", "can_import": can_import(ctx),
               "done": done, "preview": preview}),
    ))
}

/// A file carried from the preview to the confirmation: its bytes in base64 and their SHA-256, so that the
/// confirmation needs nothing kept on the server and a damaged copy is noticed.
fn carried(f: &Form, name: &str) -> Result<Option<Vec<u8>>> {
    let text = f.text(&format!("{name}_b64")).trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Error::invalid("file", "确认时带回的文件已损坏，请重新上传"))?;
    if hex(&Sha256::digest(&bytes)) != f.text(&format!("{name}_sha256")).trim() {
        return Err(Error::invalid(
            "file",
            "确认时带回的文件与检查过的不一致，请重新上传",
        ));
    }
    Ok(Some(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn refused(messages: Vec<String>) -> Error {
    let mut errors = FieldErrors::default();
    for m in messages {
        errors.add("file", m);
    }
    Error::Invalid(errors)
}

enum Outcome {
    Preview(serde_json::Value),
    Written(import::Summary),
}

async fn upload(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let confirm = f.text("step") == "confirm";
        let (xlsx, boundary, name) = if confirm {
            let xlsx = carried(&f, "xlsx")?
                .ok_or_else(|| Error::invalid("file", "确认时没有带回文件，请重新上传"))?;
            (
                xlsx,
                carried(&f, "geojson")?,
                f.text("xlsx_name").to_owned(),
            )
        } else {
            let file = f.file("file").ok_or_else(|| {
                Error::invalid("file", "请选择要导入的电子表格文件（按导入模板填写）")
            })?;
            let boundary = f.file("boundary").map(|b| b.bytes.to_vec());
            (file.bytes.to_vec(), boundary, file.filename.clone())
        };
        let catalog = catalog::load(&s.db).await?;
        let checked = sheets::check_upload(&s.db, &catalog, &xlsx, boundary.as_deref())
            .await?
            .map_err(refused)?;
        if !confirm {
            let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
            let shown: Vec<&sheets::read::RowView> = checked
                .rows
                .iter()
                .filter(|r| r.state != "unchanged")
                .collect();
            return Ok(Outcome::Preview(json!({
                "name": name, "sheet": checked.sheet,
                "created": checked.count("new"), "updated": checked.count("changed"),
                "unchanged": checked.count("unchanged"), "rows": shown,
                "xlsx_b64": b64(&xlsx), "xlsx_sha256": hex(&Sha256::digest(&xlsx)),
                "geojson_b64": boundary.as_deref().map(b64),
                "geojson_sha256": boundary.as_deref().map(|b| hex(&Sha256::digest(b))),
            })));
        }
        match import::write(&s.db, &ctx.actor()?, &checked.records, |_| {}).await {
            Ok(summary) => Ok(Outcome::Written(summary)),
            Err(import::ImportError::Features(errors)) => {
                Err(refused(sheets::place_write_errors(&checked, &errors)))
            }
            Err(import::ImportError::Other(e)) => Err(e),
        }
    };
    match result.await {
        Ok(Outcome::Preview(preview)) => page(&s, &ctx, import_page(&ctx, None, Some(preview))),
        Ok(Outcome::Written(n)) => see_other(&format!(
            "/compounds/import?created={}&updated={}&unchanged={}",
            n.created, n.updated, n.unchanged
        )),
        Err(e) => {
            let again = async { import_page(&ctx, None, None) };
            refuse(&s, &ctx, e, Kept::new("import", &f), again).await
        }
    }
}
