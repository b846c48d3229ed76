//! Query-string parameters more than one feature reads.

use warp::{Filter, Rejection};

use crate::db::audit;
use crate::domain::{FieldErrors, labels};
use crate::error::{Error, Result};

/// The query string as its pairs, in order; each handler says which it knows.
pub type Query = Vec<(String, String)>;

pub fn query() -> impl Filter<Extract = (Query,), Error = Rejection> + Clone {
    warp::query::<Query>()
}

/// `?year=2021` or nothing; any other parameter is refused by name.
pub fn year_query(query: &[(String, String)]) -> Result<Option<i32>> {
    let mut year = None;
    for (key, value) in query {
        match key.as_str() {
            "year" => {
                year = Some(
                    value
                        .trim()
                        .parse::<i32>()
                        .ok()
                        .filter(|y| (2000..=2100).contains(y))
                        .ok_or_else(|| Error::invalid("year", "须为年份，如 2021"))?,
                );
            }
            other => {
                return Err(Error::invalid(other, "不认识的参数，可用的只有 year"));
            }
        }
    }
    Ok(year)
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
                .map_err(|_| errors.add(key.as_str(), "须为日期，如 2021-03-01"))
                .ok()
        };
        match key.as_str() {
            "actor" => filter.actor = text(),
            // A label (a person picks or types 小区, 设置密码) stands for its code; codes are taken as they are.
            "entity" => filter.entity = text().map(|t| labels::entity_code(&t)),
            "entity_id" => filter.entity_id = text(),
            "action" => filter.action = text().map(|t| labels::action_code(&t)),
            "from" => filter.from = date(&mut errors),
            "to" => filter.to = date(&mut errors),
            "page" => match value.parse::<u64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => page = n,
                _ => errors.add("page", "页码须为 1 到 1000000 之间的整数"),
            },
            "per_page" => match value.parse::<u64>() {
                Ok(n) if (1..=500).contains(&n) => per_page = n,
                _ => errors.add("per_page", "每页条数须为 1 到 500 之间的整数"),
            },
            other => errors.add(
                other,
                "不认识的参数，可用的有 actor、entity、entity_id、action、from、to、page、per_page",
            ),
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        errors.add("to", "截止日期不能早于起始日期");
    }
    if errors.is_empty() {
        Ok((filter, page, per_page))
    } else {
        Err(Error::Invalid(errors))
    }
}
