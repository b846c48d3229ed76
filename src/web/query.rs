//! Query-string parameters more than one feature reads.

use warp::{Filter, Rejection};

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
