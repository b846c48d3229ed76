//! The bureau's notice pages: drafting, editing, publishing, the inbox of objections with answers, and the
//! figures per batch.

use chrono::Utc;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::params::{filter_query, reveal_query};
use crate::db::notices::{self, DraftEdit, DraftInput, NoticeView};
use crate::domain::notice as rules;
use crate::error::Error;
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, after, page, refuse};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::NoticesAdminPage)
        .and(query())
        .then(list)
        .or(post_form(s, Route::NoticeCreatePage).then(create))
        .unify()
        .or(route1(s, Route::NoticeAdminPage).and(query()).then(one))
        .unify()
        .or(post_form1(s, Route::NoticeEditPage).then(edit))
        .unify()
        .or(post_form1(s, Route::NoticePublishPage).then(publish))
        .unify()
        .or(post_form1(s, Route::NoticeDeletePage).then(delete))
        .unify()
        .or(post_form1(s, Route::AnswerPage).then(answer))
        .unify()
        .or(route(s, Route::ObjectionsInbox).then(inbox))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, bureau_list(&s, &ctx, &q).await)
}

async fn create(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let corrects = match f.text("corrects").trim() {
            "" => None,
            c => Some(
                c.parse::<i32>()
                    .map_err(|_| Error::invalid("corrects", "须为公示的编号"))?,
            ),
        };
        let input = DraftInput {
            kind: Some(f.text("kind").trim().to_owned()).filter(|k| !k.is_empty()),
            project: f.text("project").trim().to_owned(),
            corrects,
        };
        notices::create_on(
            &s.db,
            &ctx.actor()?,
            &s.notice_templates,
            &input,
            Utc::now(),
        )
        .await
    };
    match result.await {
        Ok(n) => see_other(&format!("/bureau/notices/{}", n.id)),
        // Also when sent from a project's page: the list has the same form, with the project chosen.
        Err(e) => {
            let again = bureau_list(&s, &ctx, &[]);
            refuse(&s, &ctx, e, Kept::new("draft", &f), again).await
        }
    }
}

async fn one(id: i32, ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, bureau_page(&s, &ctx, id, &q).await)
}

async fn edit(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let paragraphs: Vec<String> = f
            .text("body")
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(|p| p.trim().replace('\n', ""))
            .filter(|p| !p.is_empty())
            .collect();
        let edit = DraftEdit {
            title: Some(f.text("title").to_owned()),
            body: Some(paragraphs),
        };
        notices::update(&s.db, &ctx.actor()?, id, f.version()?, &edit).await
    };
    let again = bureau_page(&s, &ctx, id, &[]);
    let back = format!("/bureau/notices/{id}");
    let kept = Kept::new("edit", &f).of("notice", id.to_string());
    after(&s, &ctx, result.await, &back, kept, again).await
}

async fn publish(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result =
        async { notices::publish(&s.db, &ctx.actor()?, &s.calendar, id, f.version()?).await };
    let again = bureau_page(&s, &ctx, id, &[]);
    let back = format!("/bureau/notices/{id}");
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("publish", &f).of("notice", id.to_string()),
        again,
    )
    .await
}

async fn delete(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async { notices::delete(&s.db, &ctx.actor()?, id, f.version()?).await };
    let again = bureau_page(&s, &ctx, id, &[]);
    after(
        &s,
        &ctx,
        result.await,
        "/bureau/notices",
        Kept::new("delete", &f),
        again,
    )
    .await
}

async fn answer(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result =
        async { notices::answer(&s.db, &ctx.actor()?, id, f.text("answer"), Utc::now()).await };
    match result.await {
        Ok(o) => see_other(&format!("/bureau/notices/{}#objection-{id}", o.notice_id)),
        // The answer form names its notice, to come back to it (the objection's own notice is what is answered).
        Err(e) => match f.text("notice").trim().parse::<i32>() {
            Ok(notice) => {
                let kept = Kept::new(format!("answer-{id}"), &f);
                refuse(&s, &ctx, e, kept, bureau_page(&s, &ctx, notice, &[])).await
            }
            Err(_) => page(&s, &ctx, Err(e)),
        },
    }
}

async fn inbox(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, inbox_page(&s, &ctx).await)
}

/// Every objection still waiting for an answer, across notices, oldest first.
async fn inbox_page(state: &AppState, ctx: &Ctx) -> Rendered {
    let items = notices::unanswered(&state.db).await?;
    Ok((
        "objections.html",
        json!({"title": "待答复的居民意见", "nav": "objections", "items": items,
               "can_plan": can_plan(ctx), "now": Utc::now()}),
    ))
}

fn can_plan(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CreateNotice.rule().admits(p.role))
}

async fn bureau_list(state: &AppState, ctx: &Ctx, query: &[(String, String)]) -> Rendered {
    let filter = filter_query(query, false)?;
    let now = Utc::now();
    let items = notices::list(&state.db, &filter, now).await?;
    let stats = notices::stats(&state.db, filter.year, now).await?;
    let projects = crate::db::projects::list(&state.db, filter.year, None).await?;
    let mut years: Vec<i32> = crate::db::projects::list(&state.db, None, None)
        .await?
        .iter()
        .map(|p| p.year)
        .collect();
    years.sort_unstable();
    years.dedup();
    Ok((
        "notices_admin.html",
        json!({
            "title": "公示管理", "nav": "notices", "items": items, "stats": stats, "years": years,
            "year": filter.year, "status": filter.status, "kind": filter.kind.map(|k| k.code()),
            "projects": projects, "can_plan": can_plan(ctx),
            "kinds": rules::NoticeKind::ALL.iter().map(|k| json!({"code": k.code(), "label": k.label()})).collect::<Vec<_>>(),
        }),
    ))
}

async fn bureau_page(state: &AppState, ctx: &Ctx, id: i32, query: &[(String, String)]) -> Rendered {
    let reveal = reveal_query(query)?;
    let actor = reveal.then(|| ctx.actor()).transpose()?;
    let notice: NoticeView = notices::get(&state.db, id, false, Utc::now()).await?;
    let inbox = notices::inbox(&state.db, id, actor.as_ref()).await?;
    Ok((
        "notice_admin.html",
        json!({
            "title": notice.title, "nav": "notices", "n": notice, "inbox": inbox, "revealed": reveal,
            "can_plan": can_plan(ctx), "body_text": notice.body.join("\n\n"),
            "public_url": notices::page_url(&state.settings.public_base(), id),
        }),
    ))
}
