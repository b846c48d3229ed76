//! A compound's lift votes over the JSON API, documented in `openapi.yaml`. Areas travel as m² numbers with at
//! most two decimals; a record already on file is only changed by a body naming the `version` it was based on.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Number;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::lift;
use crate::domain::FieldErrors;
use crate::domain::lift::{Draft, LiftUnit};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Route, route1};
use crate::web::json::{json_input, respond};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    let body = warp::body::content_length_limit(s.settings.max_body_bytes).and(warp::body::bytes());
    route1(s, Route::ListLiftUnits)
        .then(list)
        .or(route1(s, Route::SaveLiftUnit).and(body).then(save))
        .unify()
        .or(route1(s, Route::DeleteLiftUnit).and(query()).then(delete))
        .unify()
        .boxed()
}

/// A unit's record as sent: numbers read as their text so that the domain names every problem (a negative count,
/// a third decimal) at its field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    building: String,
    unit: String,
    owners_total: Number,
    area_total_m2: Number,
    agree: VoteBody,
    oppose: VoteBody,
    abstain: VoteBody,
    recorded_on: String,
    #[serde(default)]
    version: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteBody {
    owners: Number,
    area_m2: Number,
}

impl Body {
    fn draft(&self) -> Draft {
        let vote = |v: &VoteBody| (v.owners.to_string(), v.area_m2.to_string());
        Draft {
            building: self.building.clone(),
            unit: self.unit.clone(),
            owners_total: self.owners_total.to_string(),
            area_total_m2: self.area_total_m2.to_string(),
            votes: [vote(&self.agree), vote(&self.oppose), vote(&self.abstain)],
            recorded_on: self.recorded_on.clone(),
        }
    }
}

async fn list(code: String, _: Ctx, s: AppState) -> Response {
    respond(lift::list(&s.db, &code).await)
}

async fn save(code: String, ctx: Ctx, s: AppState, body: Bytes) -> Response {
    let result = async {
        let body: Body = json_input(&body)?;
        let today = crate::domain::time::beijing_date(chrono::Utc::now());
        let unit = LiftUnit::parse(&body.draft(), today).map_err(Error::Invalid)?;
        lift::save(&s.db, &ctx.actor()?, &code, &unit, body.version).await
    };
    respond(result.await)
}

async fn delete(code: String, ctx: Ctx, s: AppState, q: Query) -> Response {
    let result = async {
        let (building, unit, version) = delete_query(&q)?;
        lift::delete(&s.db, &ctx.actor()?, &code, &building, &unit, version).await
    };
    respond(result.await)
}

/// `?building=3栋&unit=2单元[&version=2]`; any other parameter is refused by name.
fn delete_query(q: &[(String, String)]) -> Result<(String, String, Option<i32>)> {
    let mut errors = FieldErrors::default();
    let (mut building, mut unit, mut version) = (None, None, None);
    for (key, value) in q {
        let value = crate::domain::text::trim(value);
        match key.as_str() {
            "building" => building = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "unit" => unit = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "version" => match value.parse::<i32>() {
                Ok(v) => version = Some(v),
                Err(_) => errors.add("version", "须为所删除记录的版本号，如 2"),
            },
            other => errors.add(other, "不认识的参数，可用的只有 building、unit 和 version"),
        }
    }
    if building.is_none() {
        errors.add("building", "必填：要删除的单元所在楼栋，如 3栋");
    }
    if unit.is_none() {
        errors.add("unit", "必填：要删除的单元，如 2单元");
    }
    match (building, unit) {
        (Some(b), Some(u)) if errors.is_empty() => Ok((b, u, version)),
        _ => Err(Error::Invalid(errors)),
    }
}
