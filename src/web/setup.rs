//! The first-start page (首次设置): an administrator sets the county's name, code, issuing bureau, code and notice
//! number prefixes, the residents' phone and the public address, once. Who may see it: administrators only (the
//! first one signs in through the one-time link the service prints at first start).

use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::catalog;
use crate::db::site::{self, Identity};
use crate::error::Error;
use crate::web::access::{Ctx, Form, Route, post_form, route};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::SetupPage)
        .then(show)
        .or(post_form(s, Route::SetupSave).then(save))
        .unify()
        .boxed()
}

async fn show(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, setup_page(&s).await)
}

async fn save(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let configured = s.settings.base_url.is_some();
        let identity = Identity {
            county: f.text("county").to_owned(),
            county_code: f.text("county_code").to_owned(),
            authority: f.text("authority").to_owned(),
            code_prefix: f.text("code_prefix").to_owned(),
            number_prefix: f.text("number_prefix").to_owned(),
            phone: f.text("phone").to_owned(),
            // The settings' address wins: nothing typed is stored beside it.
            base_url: if configured {
                String::new()
            } else {
                f.text("base_url").to_owned()
            },
        }
        .parse()?;
        site::complete_setup(&s.db, &ctx.actor()?, &identity).await
    };
    let again = setup_page(&s);
    after(
        &s,
        &ctx,
        result.await,
        "/setup",
        Kept::new("setup", &f),
        again,
    )
    .await
}

async fn setup_page(s: &AppState) -> Rendered {
    let site = site::load(&s.db, &s.settings).await?;
    let policy = catalog::load_policy(&s.db)
        .await
        .map_err(Error::Internal)?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no policy")))?;
    let stored_base = if s.settings.base_url.is_some() {
        None
    } else {
        site.base_url.clone()
    };
    // The template's placeholders are not values to keep: their fields start empty.
    let current = Identity::of(&policy, stored_base.as_deref()).without_placeholders();
    Ok((
        "setup.html",
        json!({
            "title": "首次设置",
            "nav": "setup",
            "done": site.setup_done,
            "current": current,
            "configured_base_url": s.settings.base_url,
            "listening": s.settings.public_base(),
        }),
    ))
}
