//! Account pages: one's own account and API tokens, and the admins' account list, their sign-in links and
//! each account's tokens. Every form carries the CSRF token `access::form` checks.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::sign_in::sign_in_link;
use crate::db::accounts;
use crate::domain::account::Role;
use crate::domain::time::beijing_minute;
use crate::error::Error;
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, post_form2, route, route1};
use crate::web::html::{Kept, Rendered, after, page, refuse};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::AccountPage)
        .then(account)
        .or(post_form(s, Route::AccountCreateToken).then(create_token))
        .unify()
        .or(post_form1(s, Route::AccountRevokeToken).then(revoke_token))
        .unify()
        .or(route1(s, Route::UserPage).then(user))
        .unify()
        .or(route1(s, Route::UserTokensPage).then(user_tokens))
        .unify()
        .or(post_form2(s, Route::UserTokenRevoke).then(revoke_user_token))
        .unify()
        .or(route(s, Route::UsersPage).then(users))
        .unify()
        .or(post_form(s, Route::UsersCreate).then(create_user))
        .unify()
        .or(post_form1(s, Route::UsersUpdate).then(update_user))
        .unify()
        .or(post_form1(s, Route::UsersLink).then(user_link))
        .unify()
        .boxed()
}

async fn account(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, account_page(&s, &ctx, None).await)
}

async fn create_token(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let days = match f.text("expires_in_days").trim() {
            "" => None,
            d => Some(
                d.parse()
                    .map_err(|_| Error::invalid("expires_in_days", "须为整天数，如 90"))?,
            ),
        };
        let (name, days) =
            accounts::parse_token_request(f.get("name"), days).map_err(Error::Invalid)?;
        let user = ctx.user()?;
        let (secret, _) =
            accounts::create_token(&s.db, &ctx.actor()?, user.user_id, &name, days).await?;
        account_page(&s, &ctx, Some(secret)).await
    };
    match result.await {
        Ok(shown) => page(&s, &ctx, Ok(shown)),
        Err(e) => {
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("token", &f),
                account_page(&s, &ctx, None),
            )
            .await
        }
    }
}

async fn revoke_token(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result =
        async { accounts::revoke_token(&s.db, &ctx.actor()?, ctx.user()?.user_id, id).await };
    let again = account_page(&s, &ctx, None);
    after(
        &s,
        &ctx,
        result.await,
        "/account",
        Kept::new("revoke", &f),
        again,
    )
    .await
}

async fn user_tokens(username: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, user_tokens_page(&s, &username).await)
}

async fn revoke_user_token(username: String, id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let owner = accounts::find_user(&s.db, &username).await?;
        accounts::revoke_token(&s.db, &ctx.actor()?, owner.id, id).await
    };
    let again = user_tokens_page(&s, &username);
    let back = format!("/admin/users/{username}/tokens");
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("revoke", &f),
        again,
    )
    .await
}

async fn users(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, users_page(&s, None).await)
}

async fn create_user(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let new = accounts::NewUser::parse(
            f.text("username"),
            f.get("display_name"),
            f.text("role"),
            f.get("contractor")
                .filter(|_| f.text("role") == Role::Contractor.code()),
        )
        .map_err(Error::Invalid)?;
        let (user, link) = accounts::create_user(&s.db, &ctx.actor()?, &new, None).await?;
        let link = link.map(|t| (user.username.clone(), sign_in_link(&s, &t)));
        users_page(&s, link).await
    };
    match result.await {
        Ok(shown) => page(&s, &ctx, Ok(shown)),
        Err(e) => refuse(&s, &ctx, e, Kept::new("create", &f), users_page(&s, None)).await,
    }
}

async fn user(username: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, user_page(&s, &username).await)
}

/// An account's edit, from its own page or the list's one-click 停用/启用; refused, it comes back on the
/// account's own page, where every field of the edit is shown.
async fn update_user(username: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let role = f.text("role");
        // The firm chooser is on the form whatever the role: it counts only for contractor accounts.
        let contractor = f
            .get("contractor")
            .filter(|_| role.trim() == Role::Contractor.code());
        let changes = accounts::UserChanges::parse(
            f.text("display_name"),
            role,
            contractor,
            f.text("active") == "true",
        )
        .map_err(Error::Invalid)?;
        accounts::update_user(&s.db, &ctx.actor()?, &username, version, &changes).await
    };
    let kept = Kept::new(format!("user-{username}"), &f).of("user", username.clone());
    after(
        &s,
        &ctx,
        result.await,
        "/admin/users",
        kept,
        user_page(&s, &username),
    )
    .await
}

async fn user_link(username: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let token = accounts::issue_link(&s.db, &ctx.actor()?, &username).await?;
        users_page(&s, Some((username.clone(), sign_in_link(&s, &token)))).await
    };
    match result.await {
        Ok(shown) => page(&s, &ctx, Ok(shown)),
        Err(e) => {
            let kept = Kept::new(format!("link-{username}"), &f);
            refuse(&s, &ctx, e, kept, users_page(&s, None)).await
        }
    }
}

async fn account_page(state: &AppState, ctx: &Ctx, new_token: Option<String>) -> Rendered {
    let user = ctx.user()?;
    let profile = accounts::user(&state.db, &user.username).await?;
    let tokens = token_rows(accounts::tokens(&state.db, user.user_id).await?);
    Ok((
        "account.html",
        json!({"title": "我的账号", "nav": "account", "profile": profile, "role_label": user.role.label(),
               "tokens": tokens, "revoke_prefix": "/account/tokens", "new_token": new_token,
               "default_days": accounts::TOKEN_DEFAULT_DAYS, "max_days": accounts::TOKEN_MAX_DAYS}),
    ))
}

/// Tokens as the token table shows them, times in Beijing time.
fn token_rows(tokens: Vec<accounts::TokenView>) -> Vec<Value> {
    tokens
        .into_iter()
        .map(|t| {
            json!({"id": t.id, "name": t.name, "prefix": t.prefix, "usable": t.usable,
                   "created": beijing_minute(t.created_at), "expires": beijing_minute(t.expires_at),
                   "revoked": t.revoked_at.map(beijing_minute), "last_used": t.last_used_at.map(beijing_minute)})
        })
        .collect()
}

/// An admin's view of one account's API tokens, each revocable.
async fn user_tokens_page(state: &AppState, username: &str) -> Rendered {
    let profile = accounts::user(&state.db, username).await?;
    let tokens = token_rows(accounts::user_tokens(&state.db, username).await?);
    Ok((
        "user_tokens.html",
        json!({"title": format!("{} 的 API 令牌", profile.display_name), "nav": "users",
               "profile": profile, "role_label": profile.role.label(), "tokens": tokens,
               "revoke_prefix": format!("/admin/users/{}/tokens", profile.username)}),
    ))
}

/// One account with the form to change its name, role, firm and whether it may sign in.
async fn user_page(state: &AppState, username: &str) -> Rendered {
    let u = accounts::user(&state.db, username).await?;
    let contractors = crate::db::contractors::list(&state.db, None).await?;
    let firm = u
        .contractor
        .as_ref()
        .and_then(|code| contractors.iter().find(|c| &c.code == code))
        .map(|c| c.name.clone());
    Ok((
        "user.html",
        json!({"title": format!("账号 {}", u.username), "nav": "users",
               "u": {"username": u.username, "display_name": u.display_name, "role": u.role.code(),
                     "role_label": u.role.label(), "contractor": u.contractor, "firm": firm,
                     "active": u.active, "demo": u.demo, "has_password": u.has_password,
                     "version": u.version, "created": beijing_minute(u.created_at),
                     "updated": beijing_minute(u.updated_at)},
               "contractors": contractors, "roles": roles()}),
    ))
}

fn roles() -> Vec<Value> {
    Role::ALL
        .iter()
        .map(|r| json!({"code": r.code(), "label": r.label()}))
        .collect()
}

async fn users_page(state: &AppState, link: Option<(String, String)>) -> Rendered {
    let users: Vec<Value> = accounts::users(&state.db)
        .await?
        .into_iter()
        .map(|u| {
            json!({"username": u.username, "display_name": u.display_name, "role": u.role.code(),
                   "role_label": u.role.label(), "contractor": u.contractor, "active": u.active,
                   "demo": u.demo, "has_password": u.has_password, "version": u.version,
                   "created": beijing_minute(u.created_at)})
        })
        .collect();
    let contractors = crate::db::contractors::list(&state.db, None).await?;
    Ok((
        "users.html",
        json!({"title": "账号管理", "nav": "users", "users": users, "contractors": contractors,
               "roles": roles(), "link": link.map(|(u, l)| json!({"username": u, "url": l})),
               "link_hours": accounts::LINK_HOURS}),
    ))
}
