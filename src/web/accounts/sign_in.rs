//! Signing in and out: the sign-in page and its post, the one-time link pages where an account sets its
//! password, and signing out. Every form carries the CSRF token `access::form` checks.

use chrono::Utc;
use serde_json::json;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use crate::db::accounts::{self, NewSession, SignIn};
use crate::domain::account::{NewPassword, Role};
use crate::web::access::{self, Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{page, render};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::SignInPage)
        .and(query())
        .then(sign_in_page)
        .or(post_form(s, Route::SignIn).then(sign_in))
        .unify()
        .or(route1(s, Route::LinkPage).then(link_page))
        .unify()
        .or(post_form1(s, Route::RedeemLink).then(redeem))
        .unify()
        .or(post_form(s, Route::SignOut).then(sign_out))
        .unify()
        .boxed()
}

/// The public address of a one-time sign-in link.
pub fn sign_in_link(state: &AppState, token: &str) -> String {
    format!("{}/sign-in/link/{token}", state.settings.public_base())
}

async fn sign_in_page(ctx: Ctx, s: AppState, q: Query) -> Response {
    let next = q.iter().find(|(k, _)| k == "next").map(|(_, v)| v.as_str());
    sign_in_form(
        &s,
        &ctx,
        StatusCode::OK,
        "",
        safe_next(next).unwrap_or_default(),
        None,
    )
}

async fn link_page(token: String, ctx: Ctx, s: AppState) -> Response {
    match accounts::link_user(&s.db, &token).await {
        Ok(user) => link_form(&s, &ctx, StatusCode::OK, &user, None),
        Err(e) => page(&s, &ctx, Err(e)),
    }
}

async fn sign_out(ctx: Ctx, _: Form, s: AppState) -> Response {
    let ended = async { accounts::end_session(&s.db, ctx.user()?, &ctx.source).await };
    match ended.await {
        Ok(()) => with_session_cookie(&s, see_other("/sign-in"), None),
        Err(e) => page(&s, &ctx, Err(e)),
    }
}

/// Only a path of this service: `/` then printable ASCII, never `//elsewhere`, `/\\elsewhere` or
/// `https://elsewhere`, and no control characters or spaces — browsers drop a tab or newline from a
/// `Location`, so `/\t/evil.example/` would become `//evil.example/` (an open redirect). Anything else
/// is `None`: the caller sends the person to their role's home page.
fn safe_next(next: Option<&str>) -> Option<&str> {
    let n = next?;
    let mut chars = n.chars();
    let same_origin = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && n.len() <= 2_000
        && n.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    same_origin.then_some(n)
}

/// Where a person lands after signing in without (or with an unusable) `next`.
fn home(role: Role) -> &'static str {
    if role.is_staff() { "/" } else { "/work-orders" }
}

fn sign_in_form(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    username: &str,
    next: &str,
    message: Option<String>,
) -> Response {
    render(
        state,
        ctx,
        status,
        "sign_in.html",
        json!({"title": "登录", "nav": "sign-in", "username": username, "next": next, "message": message}),
    )
}

async fn sign_in(ctx: Ctx, f: Form, state: AppState) -> Response {
    let (state, ctx) = (&state, &ctx);
    let username = f.text("username");
    let next = safe_next(f.get("next"));
    let shown: String = username.chars().take(64).collect();
    match accounts::sign_in(&state.db, username, f.text("password"), &ctx.source).await {
        Ok(SignIn::Accepted(principal, session)) => {
            // `next` only when it is a page this account may open: a contractor sent to sign in from a
            // staff page lands on its own work orders, not on a refusal.
            let target = next
                .filter(|n| access::opens(n, principal.role))
                .unwrap_or(home(principal.role));
            with_session_cookie(state, see_other(target), Some(&session))
        }
        Ok(SignIn::Refused) => sign_in_form(
            state,
            ctx,
            StatusCode::UNAUTHORIZED,
            &shown,
            next.unwrap_or_default(),
            Some("用户名或密码不正确。".into()),
        ),
        Ok(SignIn::Throttled(seconds)) => {
            let mut response = sign_in_form(
                state,
                ctx,
                StatusCode::TOO_MANY_REQUESTS,
                &shown,
                next.unwrap_or_default(),
                Some(format!("登录失败次数过多，请在 {seconds} 秒后再试。")),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Err(e) => page(state, ctx, Err(e)),
    }
}

/// Sets (or with `None`, deletes) the session cookie on `response`.
fn with_session_cookie(
    state: &AppState,
    mut response: Response,
    session: Option<&NewSession>,
) -> Response {
    let (value, max_age) = match session {
        Some(s) => (s.cookie.as_str(), (s.expires_at - Utc::now()).num_seconds()),
        None => ("", 0),
    };
    if let Ok(cookie) = access::cookie(
        &state.settings,
        access::SESSION_COOKIE,
        value,
        Some(max_age),
    ) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn link_form(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    user: &accounts::UserView,
    message: Option<String>,
) -> Response {
    render(
        state,
        ctx,
        status,
        "link.html",
        json!({"title": "设置密码", "nav": "sign-in", "user": user, "message": message,
               "min_chars": crate::domain::account::PASSWORD_MIN_CHARS}),
    )
}

async fn redeem(token: String, ctx: Ctx, f: Form, state: AppState) -> Response {
    let (state, ctx, token) = (&state, &ctx, token.as_str());
    let user = match accounts::link_user(&state.db, token).await {
        Ok(user) => user,
        Err(e) => return page(state, ctx, Err(e)),
    };
    let password = f.text("password");
    let refuse = |message: String| {
        link_form(
            state,
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &user,
            Some(message),
        )
    };
    if password != f.text("password_again") {
        return refuse("两次输入的密码不一致。".into());
    }
    if let Err(e) = NewPassword::parse(password, &user.username) {
        return refuse(e);
    }
    match accounts::redeem_link(&state.db, token, password, &ctx.source).await {
        Ok((principal, session)) => {
            let target = if principal.role.is_staff() {
                "/"
            } else {
                "/work-orders"
            };
            with_session_cookie(state, see_other(target), Some(&session))
        }
        Err(e) => page(state, ctx, Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/compounds?town=1")),
            Some("/compounds?town=1")
        );
        assert_eq!(safe_next(Some("/")), Some("/"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "\\\\evil",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/\u{7f}/evil.example",
            "/\u{3000}/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }
}
