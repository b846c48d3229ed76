//! The JSON API for accounts: who am I, API tokens (one's own, and admins' view of anyone's), and users with
//! their one-time sign-in links (admins).

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::sign_in::sign_in_link;
use crate::db::{accounts, contractors};
use crate::domain::account::NewPassword;
use crate::domain::deserialize;
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Route, route, route1, route2};
use crate::web::json::{created, expected_version, json_body, respond};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(64 * 1024).and(warp::body::bytes());
    let if_match = warp::header::optional::<String>("if-match");
    route(s, Route::Me)
        .then(me)
        .or(route(s, Route::ListTokens).then(tokens))
        .unify()
        .or(route1(s, Route::RevokeToken).then(revoke_token))
        .unify()
        .or(route1(s, Route::ListUserTokens).then(user_tokens))
        .unify()
        .or(route2(s, Route::RevokeUserToken).then(revoke_user_token))
        .unify()
        .or(route(s, Route::ListUsers).then(users))
        .unify()
        .or(route(s, Route::CreateUser).and(body).then(create_user))
        .unify()
        .or(route1(s, Route::UpdateUser)
            .and(if_match)
            .and(body)
            .then(update_user))
        .unify()
        .or(route1(s, Route::IssueLink).then(issue_link))
        .unify()
        .boxed()
}

async fn me(ctx: Ctx, s: AppState) -> Response {
    respond(me_of(&s, &ctx).await)
}

async fn tokens(ctx: Ctx, s: AppState) -> Response {
    let result = async {
        let items = accounts::tokens(&s.db, ctx.user()?.user_id).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn revoke_token(id: i32, ctx: Ctx, s: AppState) -> Response {
    let result =
        async { accounts::revoke_token(&s.db, &ctx.actor()?, ctx.user()?.user_id, id).await };
    respond(result.await)
}

async fn user_tokens(username: String, _: Ctx, s: AppState) -> Response {
    let result = async {
        let items = accounts::user_tokens(&s.db, &username).await?;
        Ok(json!({ "items": items }))
    };
    respond(result.await)
}

async fn revoke_user_token(username: String, id: i32, ctx: Ctx, s: AppState) -> Response {
    let result = async {
        let owner = accounts::find_user(&s.db, &username).await?;
        accounts::revoke_token(&s.db, &ctx.actor()?, owner.id, id).await
    };
    respond(result.await)
}

async fn users(_: Ctx, s: AppState) -> Response {
    respond(
        accounts::users(&s.db)
            .await
            .map(|items| json!({ "items": items })),
    )
}

async fn create_user(ctx: Ctx, s: AppState, body: Bytes) -> Response {
    created(new_user(&s, &ctx, &body).await)
}

async fn update_user(
    username: String,
    ctx: Ctx,
    s: AppState,
    if_match: Option<String>,
    body: Bytes,
) -> Response {
    respond(change_user(&s, &ctx, &username, if_match.as_deref(), &body).await)
}

async fn issue_link(username: String, ctx: Ctx, s: AppState) -> Response {
    let result = async {
        let token = accounts::issue_link(&s.db, &ctx.actor()?, &username).await?;
        Ok(json!({
            "username": username,
            "sign_in_link": sign_in_link(&s, &token),
            "expires_in_hours": accounts::LINK_HOURS,
        }))
    };
    created(result.await)
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T> {
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(Error::invalid("body", "须为 JSON 对象"));
    }
    deserialize(&value).map_err(Error::Invalid)
}

async fn me_of(state: &AppState, ctx: &Ctx) -> Result<Value> {
    let p = ctx.user()?;
    let contractor = match p.contractor_id {
        Some(_) => contractors::list(&state.db, p.contractor_id)
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    Ok(json!({
        "username": p.username,
        "display_name": p.display_name,
        "role": p.role,
        "contractor": contractor,
        "demo": p.demo,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserInput {
    username: String,
    display_name: Option<String>,
    role: String,
    contractor: Option<String>,
    /// Optional: without it the account gets a one-time sign-in link to set its own.
    password: Option<String>,
}

async fn new_user(state: &AppState, ctx: &Ctx, body: &Bytes) -> Result<Value> {
    let input: UserInput = parse(body)?;
    let new = accounts::NewUser::parse(
        &input.username,
        input.display_name.as_deref(),
        &input.role,
        input.contractor.as_deref(),
    );
    let password = input
        .password
        .as_deref()
        .map(|p| NewPassword::parse(p, input.username.trim()));
    let mut errors = new.as_ref().err().cloned().unwrap_or_default();
    if let Some(Err(e)) = &password {
        errors.add("password", e.clone());
    }
    let (Ok(new), true) = (new, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let password = password
        .transpose()
        .map_err(|e| Error::invalid("password", e))?;
    let (user, link) =
        accounts::create_user(&state.db, &ctx.actor()?, &new, password.as_ref()).await?;
    Ok(json!({
        "user": user,
        "sign_in_link": link.map(|t| sign_in_link(state, &t)),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdate {
    display_name: String,
    role: String,
    contractor: Option<String>,
    active: bool,
}

async fn change_user(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    if_match: Option<&str>,
    body: &Bytes,
) -> Result<accounts::UserView> {
    let version = expected_version(if_match)?;
    let input: UserUpdate = parse(body)?;
    let changes = accounts::UserChanges::parse(
        &input.display_name,
        &input.role,
        input.contractor.as_deref(),
        input.active,
    )
    .map_err(Error::Invalid)?;
    accounts::update_user(&state.db, &ctx.actor()?, username, version, &changes).await
}
