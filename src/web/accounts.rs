//! The JSON API for accounts: who am I, API tokens, contractors' organisations, users (admins),
//! and the audit log (admins).

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::http::{HeaderValue, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use super::access::{Ctx, Route, allow};
use super::error;
use super::json::{created, expected_version, json_body, respond};
use super::state::{AppState, with_state};
use crate::db::contractors::{self, ContractorRecord};
use crate::db::{accounts, audit};
use crate::domain::account::NewPassword;
use crate::domain::{FieldErrors, deserialize};
use crate::error::{Error, Result};

pub fn routes(state: AppState) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let s = &state;
    let body = warp::body::content_length_limit(64 * 1024).and(warp::body::bytes());
    let query = warp::query::<Vec<(String, String)>>();
    let if_match = warp::header::optional::<String>("if-match");

    let me = warp::path!("api" / "me")
        .and(warp::get())
        .and(allow(s, Route::Me))
        .and(with_state(s))
        .then(|ctx: Ctx, s: AppState| async move { respond(me(&s, &ctx).await) });
    let tokens = warp::path!("api" / "tokens")
        .and(warp::get())
        .and(allow(s, Route::ListTokens))
        .and(with_state(s))
        .then(|ctx: Ctx, s: AppState| async move {
            let result = async {
                let items = accounts::tokens(&s.db, ctx.user()?.user_id).await?;
                Ok(json!({ "items": items }))
            };
            respond(result.await)
        });
    let revoke_token = warp::path!("api" / "tokens" / String)
        .and(warp::delete())
        .and(allow(s, Route::RevokeToken))
        .and(with_state(s))
        .then(|id: String, ctx: Ctx, s: AppState| async move {
            let result = async {
                let id = id
                    .parse()
                    .map_err(|_| Error::NotFound(format!("no token {id}")))?;
                accounts::revoke_token(&s.db, &ctx.actor()?, ctx.user()?.user_id, id).await
            };
            respond(result.await)
        });
    let user_tokens = warp::path!("api" / "users" / String / "tokens")
        .and(warp::get())
        .and(allow(s, Route::ListUserTokens))
        .and(with_state(s))
        .then(|username: String, _: Ctx, s: AppState| async move {
            let result = async {
                let items = accounts::user_tokens(&s.db, &username).await?;
                Ok(json!({ "items": items }))
            };
            respond(result.await)
        });
    let revoke_user_token = warp::path!("api" / "users" / String / "tokens" / String)
        .and(warp::delete())
        .and(allow(s, Route::RevokeUserToken))
        .and(with_state(s))
        .then(
            |username: String, id: String, ctx: Ctx, s: AppState| async move {
                let result = async {
                    let id = id
                        .parse()
                        .map_err(|_| Error::NotFound(format!("no token {id}")))?;
                    let owner = accounts::find_user(&s.db, &username).await?;
                    accounts::revoke_token(&s.db, &ctx.actor()?, owner.id, id).await
                };
                respond(result.await)
            },
        );
    let contractors = warp::path!("api" / "contractors")
        .and(warp::get())
        .and(allow(s, Route::ListContractors))
        .and(with_state(s))
        .then(|ctx: Ctx, s: AppState| async move {
            let result = async {
                let items = contractors::list(&s.db, ctx.own_contractor()?).await?;
                Ok(json!({ "items": items }))
            };
            respond(result.await)
        });
    let contractor = warp::path!("api" / "contractors" / String)
        .and(warp::get())
        .and(allow(s, Route::GetContractor))
        .and(with_state(s))
        .then(|code: String, ctx: Ctx, s: AppState| async move {
            let result = async { contractors::get(&s.db, &code, ctx.own_contractor()?).await };
            respond(result.await)
        });
    let create_contractor = warp::path!("api" / "contractors")
        .and(warp::post())
        .and(allow(s, Route::CreateContractor))
        .and(with_state(s))
        .and(body)
        .then(|ctx: Ctx, s: AppState, b: Bytes| async move {
            let result = async {
                let record = ContractorRecord::parse(&json_body(&b)?, None)?;
                contractors::create(&s.db, &ctx.actor()?, &record).await
            };
            created(result.await)
        });
    let update_contractor = warp::path!("api" / "contractors" / String)
        .and(warp::put())
        .and(allow(s, Route::UpdateContractor))
        .and(with_state(s))
        .and(warp::header::optional::<String>("if-match"))
        .and(body)
        .then(
            |code: String, ctx: Ctx, s: AppState, v: Option<String>, b: Bytes| async move {
                let result = async {
                    let version = expected_version(v.as_deref())?;
                    let record = ContractorRecord::parse(&json_body(&b)?, Some(&code))?;
                    contractors::update(&s.db, &ctx.actor()?, version, &record).await
                };
                respond(result.await)
            },
        );
    let users = warp::path!("api" / "users")
        .and(warp::get())
        .and(allow(s, Route::ListUsers))
        .and(with_state(s))
        .then(|_: Ctx, s: AppState| async move {
            respond(
                accounts::users(&s.db)
                    .await
                    .map(|items| json!({ "items": items })),
            )
        });
    let create_user =
        warp::path!("api" / "users")
            .and(warp::post())
            .and(allow(s, Route::CreateUser))
            .and(with_state(s))
            .and(body)
            .then(|ctx: Ctx, s: AppState, b: Bytes| async move {
                created(create_user(&s, &ctx, &b).await)
            });
    let update_user = warp::path!("api" / "users" / String)
        .and(warp::put())
        .and(allow(s, Route::UpdateUser))
        .and(with_state(s))
        .and(if_match)
        .and(body)
        .then(
            |username: String, ctx: Ctx, s: AppState, v: Option<String>, b: Bytes| async move {
                respond(update_user(&s, &ctx, &username, v.as_deref(), &b).await)
            },
        );
    let issue_link = warp::path!("api" / "users" / String / "sign-in-link")
        .and(warp::post())
        .and(allow(s, Route::IssueLink))
        .and(with_state(s))
        .then(|username: String, ctx: Ctx, s: AppState| async move {
            let result = async {
                let token = accounts::issue_link(&s.db, &ctx.actor()?, &username).await?;
                Ok(json!({
                    "username": username,
                    "sign_in_link": sign_in_link(&s, &token),
                    "expires_in_hours": accounts::LINK_HOURS,
                }))
            };
            created(result.await)
        });
    let audit = warp::path!("api" / "audit")
        .and(warp::get())
        .and(allow(s, Route::Audit))
        .and(with_state(s))
        .and(query)
        .then(|_: Ctx, s: AppState, q: Vec<(String, String)>| async move {
            let result = async {
                let (filter, page, per_page) = parse_audit_query(&q)?;
                audit::list(&s.db, &filter, page, per_page).await
            };
            respond(result.await)
        });
    let audit_csv = warp::path!("api" / "audit.csv")
        .and(warp::get())
        .and(allow(s, Route::AuditCsv))
        .and(with_state(s))
        .and(query)
        .then(|_: Ctx, s: AppState, q: Vec<(String, String)>| async move {
            match parse_audit_query(&q) {
                Ok((filter, _, _)) => csv_reply(s, filter),
                Err(e) => error::reply(&e),
            }
        });
    me.or(tokens)
        .unify()
        .or(revoke_token)
        .unify()
        .or(user_tokens)
        .unify()
        .or(revoke_user_token)
        .unify()
        .or(contractors)
        .unify()
        .or(contractor)
        .unify()
        .or(create_contractor)
        .unify()
        .or(update_contractor)
        .unify()
        .or(users)
        .unify()
        .or(create_user)
        .unify()
        .or(update_user)
        .unify()
        .or(issue_link)
        .unify()
        .or(audit)
        .unify()
        .or(audit_csv)
        .unify()
}

/// Streams the filtered audit log as CSV.
fn csv_reply(state: AppState, filter: audit::Filter) -> Response {
    let mut pages = audit::CsvPages::new(filter);
    let chunks = super::reply::stream_chunks(move |tx| async move {
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

/// The public address of a one-time sign-in link.
pub fn sign_in_link(state: &AppState, token: &str) -> String {
    format!("{}/sign-in/link/{token}", state.settings.public_base())
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T> {
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(Error::invalid("body", "must be a JSON object"));
    }
    deserialize(&value).map_err(Error::Invalid)
}

async fn me(state: &AppState, ctx: &Ctx) -> Result<Value> {
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

async fn create_user(state: &AppState, ctx: &Ctx, body: &Bytes) -> Result<Value> {
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

async fn update_user(
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

/// The audit viewer's filters and page, from a query string. Unknown parameters are refused.
pub fn parse_audit_query(pairs: &[(String, String)]) -> Result<(audit::Filter, u64, u64)> {
    let mut errors = FieldErrors::default();
    let mut filter = audit::Filter::default();
    let (mut page, mut per_page) = (1, 50);
    for (key, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let text = || Some(value.chars().take(64).collect::<String>());
        let date = |errors: &mut FieldErrors| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| errors.add(key.as_str(), "must be a date, YYYY-MM-DD"))
                .ok()
        };
        match key.as_str() {
            "actor" => filter.actor = text(),
            "entity" => filter.entity = text(),
            "entity_id" => filter.entity_id = text(),
            "action" => filter.action = text(),
            "from" => filter.from = date(&mut errors),
            "to" => filter.to = date(&mut errors),
            "page" => match value.parse::<u64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => page = n,
                _ => errors.add("page", "must be a whole number from 1 to 1000000"),
            },
            "per_page" => match value.parse::<u64>() {
                Ok(n) if (1..=500).contains(&n) => per_page = n,
                _ => errors.add("per_page", "must be a whole number from 1 to 500"),
            },
            other => errors.add(
                other,
                "unknown parameter; known ones are actor, entity, entity_id, action, from, to, page, per_page",
            ),
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        errors.add("to", "must not be earlier than from");
    }
    if errors.is_empty() {
        Ok((filter, page, per_page))
    } else {
        Err(Error::Invalid(errors))
    }
}
