//! Pages for signing in and out, one's own account and tokens, and the admins' account list and
//! audit log viewer. Every form carries the CSRF token `access::form` checks.

use chrono::Utc;
use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::access::{self, Ctx, Form, Route, allow, form};
use super::accounts::{parse_audit_query, sign_in_link};
use super::html::{page, render};
use super::reply::see_other;
use super::state::{AppState, with_state};
use crate::db::accounts::{self, NewSession, SignIn};
use crate::db::audit;
use crate::domain::account::{NewPassword, Role};
use crate::domain::time::beijing_minute;
use crate::error::Error;

pub fn routes(state: AppState) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let query = warp::query::<Vec<(String, String)>>();
    let sign_in_page = warp::path!("sign-in")
        .and(warp::get())
        .and(allow(s, Route::SignInPage))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                let next = q.iter().find(|(k, _)| k == "next").map(|(_, v)| v.as_str());
                sign_in_form(
                    &s,
                    &ctx,
                    StatusCode::OK,
                    "",
                    safe_next(next).unwrap_or_default(),
                    None,
                )
            },
        );
    let sign_in = warp::path!("sign-in")
        .and(warp::post())
        .and(form(s, Route::SignIn))
        .and(with_state(s))
        .then(|ctx: Ctx, f: Form, s: AppState| async move { sign_in(&s, &ctx, &f).await });
    let link_page = warp::path!("sign-in" / "link" / String)
        .and(warp::get())
        .and(allow(s, Route::LinkPage))
        .and(with_state(s))
        .then(|token: String, ctx: Ctx, s: AppState| async move {
            match accounts::link_user(&s.db, &token).await {
                Ok(user) => link_form(&s, &ctx, StatusCode::OK, &user, None),
                Err(e) => page(&s, &ctx, Err(e)),
            }
        });
    let redeem = warp::path!("sign-in" / "link" / String)
        .and(warp::post())
        .and(form(s, Route::RedeemLink))
        .and(with_state(s))
        .then(|token: String, ctx: Ctx, f: Form, s: AppState| async move {
            redeem(&s, &ctx, &token, &f).await
        });
    let sign_out = warp::path!("sign-out")
        .and(warp::post())
        .and(form(s, Route::SignOut))
        .and(with_state(s))
        .then(|ctx: Ctx, _: Form, s: AppState| async move {
            let ended = async { accounts::end_session(&s.db, ctx.user()?, &ctx.source).await };
            match ended.await {
                Ok(()) => with_session_cookie(&s, see_other("/sign-in"), None),
                Err(e) => page(&s, &ctx, Err(e)),
            }
        });
    let account =
        warp::path!("account")
            .and(warp::get())
            .and(allow(s, Route::AccountPage))
            .and(with_state(s))
            .then(|ctx: Ctx, s: AppState| async move {
                page(&s, &ctx, account_page(&s, &ctx, None).await)
            });
    let create_token = warp::path!("account" / "tokens")
        .and(warp::post())
        .and(form(s, Route::AccountCreateToken))
        .and(with_state(s))
        .then(|ctx: Ctx, f: Form, s: AppState| async move {
            let result = async {
                let days = match f.text("expires_in_days").trim() {
                    "" => None,
                    d => Some(d.parse().map_err(|_| {
                        Error::invalid("expires_in_days", "must be a whole number of days")
                    })?),
                };
                let (name, days) =
                    accounts::parse_token_request(f.get("name"), days).map_err(Error::Invalid)?;
                let user = ctx.user()?;
                let (secret, _) =
                    accounts::create_token(&s.db, &ctx.actor()?, user.user_id, &name, days).await?;
                account_page(&s, &ctx, Some(secret)).await
            };
            page(&s, &ctx, result.await)
        });
    let revoke_token = warp::path!("account" / "tokens" / i32 / "revoke")
        .and(warp::post())
        .and(form(s, Route::AccountRevokeToken))
        .and(with_state(s))
        .then(|id: i32, ctx: Ctx, _: Form, s: AppState| async move {
            let result = async {
                accounts::revoke_token(&s.db, &ctx.actor()?, ctx.user()?.user_id, id).await
            };
            match result.await {
                Ok(_) => see_other("/account"),
                Err(e) => page(&s, &ctx, Err(e)),
            }
        });
    let user_tokens = warp::path!("admin" / "users" / String / "tokens")
        .and(warp::get())
        .and(allow(s, Route::UserTokensPage))
        .and(with_state(s))
        .then(|username: String, ctx: Ctx, s: AppState| async move {
            page(&s, &ctx, user_tokens_page(&s, &username).await)
        });
    let revoke_user_token = warp::path!("admin" / "users" / String / "tokens" / i32 / "revoke")
        .and(warp::post())
        .and(form(s, Route::UserTokenRevoke))
        .and(with_state(s))
        .then(
            |username: String, id: i32, ctx: Ctx, _: Form, s: AppState| async move {
                let result = async {
                    let owner = accounts::find_user(&s.db, &username).await?;
                    accounts::revoke_token(&s.db, &ctx.actor()?, owner.id, id).await
                };
                match result.await {
                    Ok(_) => see_other(&format!("/admin/users/{username}/tokens")),
                    Err(e) => page(&s, &ctx, Err(e)),
                }
            },
        );
    let users = warp::path!("admin" / "users")
        .and(warp::get())
        .and(allow(s, Route::UsersPage))
        .and(with_state(s))
        .then(|ctx: Ctx, s: AppState| async move { page(&s, &ctx, users_page(&s, None).await) });
    let create_user = warp::path!("admin" / "users")
        .and(warp::post())
        .and(form(s, Route::UsersCreate))
        .and(with_state(s))
        .then(|ctx: Ctx, f: Form, s: AppState| async move {
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
            page(&s, &ctx, result.await)
        });
    let update_user = warp::path!("admin" / "users" / String)
        .and(warp::post())
        .and(form(s, Route::UsersUpdate))
        .and(with_state(s))
        .then(
            |username: String, ctx: Ctx, f: Form, s: AppState| async move {
                let result = async {
                    let version = f.version()?;
                    let changes = accounts::UserChanges::parse(
                        f.text("display_name"),
                        f.text("role"),
                        f.get("contractor"),
                        f.text("active") == "true",
                    )
                    .map_err(Error::Invalid)?;
                    accounts::update_user(&s.db, &ctx.actor()?, &username, version, &changes).await
                };
                match result.await {
                    Ok(_) => see_other("/admin/users"),
                    Err(e) => page(&s, &ctx, Err(e)),
                }
            },
        );
    let user_link = warp::path!("admin" / "users" / String / "link")
        .and(warp::post())
        .and(form(s, Route::UsersLink))
        .and(with_state(s))
        .then(
            |username: String, ctx: Ctx, _: Form, s: AppState| async move {
                let result = async {
                    let token = accounts::issue_link(&s.db, &ctx.actor()?, &username).await?;
                    users_page(&s, Some((username.clone(), sign_in_link(&s, &token)))).await
                };
                page(&s, &ctx, result.await)
            },
        );
    let audit = warp::path!("admin" / "audit")
        .and(warp::get())
        .and(allow(s, Route::AuditPage))
        .and(with_state(s))
        .and(query)
        .then(
            |ctx: Ctx, s: AppState, q: Vec<(String, String)>| async move {
                page(&s, &ctx, audit_page(&s, &q).await)
            },
        );
    sign_in_page
        .or(sign_in)
        .unify()
        .or(link_page)
        .unify()
        .or(redeem)
        .unify()
        .or(sign_out)
        .unify()
        .or(account)
        .unify()
        .or(create_token)
        .unify()
        .or(revoke_token)
        .unify()
        .or(user_tokens)
        .unify()
        .or(revoke_user_token)
        .unify()
        .or(users)
        .unify()
        .or(create_user)
        .unify()
        .or(update_user)
        .unify()
        .or(user_link)
        .unify()
        .or(audit)
        .unify()
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

async fn sign_in(state: &AppState, ctx: &Ctx, f: &Form) -> Response {
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

async fn redeem(state: &AppState, ctx: &Ctx, token: &str, f: &Form) -> Response {
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
        return refuse(format!("密码不符合要求：{}", password_rule_zh(&e)));
    }
    match accounts::redeem_link(&state.db, token, password, &ctx.source).await {
        Ok((principal, session)) => {
            let target = if principal.role.is_staff() {
                "/"
            } else {
                "/account"
            };
            with_session_cookie(state, see_other(target), Some(&session))
        }
        Err(e) => page(state, ctx, Err(e)),
    }
}

fn password_rule_zh(e: &str) -> String {
    if e.contains("at least") {
        format!("至少 {} 个字符", crate::domain::account::PASSWORD_MIN_CHARS)
    } else if e.contains("at most") {
        format!("最多 {} 个字符", crate::domain::account::PASSWORD_MAX_CHARS)
    } else if e.contains("username") {
        "不能包含用户名".into()
    } else {
        e.to_owned()
    }
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    new_token: Option<String>,
) -> super::html::Rendered {
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
async fn user_tokens_page(state: &AppState, username: &str) -> super::html::Rendered {
    let profile = accounts::user(&state.db, username).await?;
    let tokens = token_rows(accounts::user_tokens(&state.db, username).await?);
    Ok((
        "user_tokens.html",
        json!({"title": format!("{} 的 API 令牌", profile.display_name), "nav": "users",
               "profile": profile, "role_label": profile.role.label(), "tokens": tokens,
               "revoke_prefix": format!("/admin/users/{}/tokens", profile.username)}),
    ))
}

async fn users_page(state: &AppState, link: Option<(String, String)>) -> super::html::Rendered {
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
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| json!({"code": r.code(), "label": r.label()}))
        .collect();
    Ok((
        "users.html",
        json!({"title": "账号管理", "nav": "users", "users": users, "contractors": contractors,
               "roles": roles, "link": link.map(|(u, l)| json!({"username": u, "url": l})),
               "link_hours": accounts::LINK_HOURS}),
    ))
}

async fn audit_page(state: &AppState, query: &[(String, String)]) -> super::html::Rendered {
    let (filter, page, per_page) = parse_audit_query(query)?;
    let result = audit::list(&state.db, &filter, page, per_page).await?;
    let entries: Vec<Value> = result
        .items
        .iter()
        .map(|e| {
            json!({"id": e.id, "at": beijing_minute(e.at), "actor": e.actor, "actor_role": e.actor_role,
                   "source": e.source, "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
                   "created": e.before.is_none(),
                   "changes": changes(e.before.as_ref(), e.after.as_ref())})
        })
        .collect();
    let keep: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    let link = |page: u64| super::html::page_link("/admin/audit", &keep, page);
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
    Ok((
        "audit.html",
        json!({"title": "审计日志", "nav": "audit", "entries": entries, "total": result.total,
               "page": result.page, "pages": result.pages, "filter": filter, "csv": csv,
               "prev": (page > 1).then(|| link(page - 1)),
               "next": (page < result.pages).then(|| link(page + 1))}),
    ))
}

/// The fields a change touched, each with its value before and after (shortened for the table;
/// the CSV export has them whole).
fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<Value> {
    let flatten = |v: Option<&Value>| -> serde_json::Map<String, Value> {
        match v {
            // A compound is kept as a GeoJSON feature: its attributes are what people read.
            Some(Value::Object(o)) if o.get("type") == Some(&json!("Feature")) => {
                let mut m = o
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if let Some(g) = o.get("geometry") {
                    m.insert("geometry".into(), g.clone());
                }
                m
            }
            Some(Value::Object(o)) => o.clone(),
            Some(other) => [("value".to_owned(), other.clone())].into_iter().collect(),
            None => serde_json::Map::new(),
        }
    };
    let (b, a) = (flatten(before), flatten(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let short = |v: Option<&Value>| -> String {
        let text = match v {
            None | Some(Value::Null) => "—".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        if text.chars().count() > 60 {
            format!("{}…", text.chars().take(60).collect::<String>())
        } else {
            text
        }
    };
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| json!({"field": k, "before": short(b.get(k)), "after": short(a.get(k))}))
        .collect()
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

    #[test]
    fn changes_list_only_what_changed() {
        let before = json!({"type": "Feature", "properties": {"name": "甲", "households": 10}, "geometry": null});
        let after = json!({"type": "Feature", "properties": {"name": "乙", "households": 10}, "geometry": null});
        let list = changes(Some(&before), Some(&after));
        assert_eq!(
            list,
            vec![json!({"field": "name", "before": "甲", "after": "乙"})]
        );
        assert_eq!(changes(None, Some(&json!({"a": 1}))).len(), 1);
    }
}
