//! The query parameters the notices' API and pages read: the list's filter, revealing mobile numbers, and
//! downloading a paper.

use crate::db::notices::Filter as NoticeFilter;
use crate::domain::notice::NoticeKind;
use crate::error::{Error, Result};
use crate::web::query::year_query;

/// `?year=&kind=&status=&town=&q=` (the public list takes only `town` and `q`).
pub fn filter_query(query: &[(String, String)], public: bool) -> Result<NoticeFilter> {
    let mut filter = NoticeFilter {
        public,
        ..NoticeFilter::default()
    };
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    for (key, value) in query {
        match key.as_str() {
            "town" => filter.town = text(value),
            "q" => filter.q = text(value).map(|q| q.chars().take(50).collect()),
            "year" if !public && !value.trim().is_empty() => {
                filter.year = year_query(&[(key.clone(), value.clone())])?;
            }
            "kind" if !public && !value.trim().is_empty() => {
                filter.kind =
                    Some(NoticeKind::parse(value.trim()).map_err(|e| Error::invalid("kind", e))?);
            }
            "status" if !public && !value.trim().is_empty() => {
                let status = value.trim();
                if !matches!(status, "draft" | "published" | "closed") {
                    return Err(Error::invalid(
                        "status",
                        "须为 draft（草稿）、published（已发布）或 closed（已结束）",
                    ));
                }
                filter.status = Some(status.to_owned());
            }
            "year" | "kind" | "status" if !public => {}
            other => {
                return Err(Error::invalid(
                    other,
                    if public {
                        "网址中有不认识的参数"
                    } else {
                        "不认识的参数，可用的有 year、kind、status、town、q"
                    },
                ));
            }
        }
    }
    Ok(filter)
}

/// `?reveal=mobile`: show residents' mobile numbers in full (the read is audited); without it they are masked.
pub fn reveal_query(query: &[(String, String)]) -> Result<bool> {
    let mut reveal = false;
    for (key, value) in query {
        match (key.as_str(), value.as_str()) {
            ("reveal", "mobile") => reveal = true,
            ("reveal", _) => return Err(Error::invalid("reveal", "只能为 mobile")),
            _ => {
                return Err(Error::invalid(key, "不认识的参数，可用的只有 reveal"));
            }
        }
    }
    Ok(reveal)
}

/// `?download=1` saves the file rather than showing it.
pub fn download_query(query: &[(String, String)]) -> Result<bool> {
    let mut download = false;
    for (key, value) in query {
        match key.as_str() {
            "download" => download = matches!(value.as_str(), "1" | "true" | "yes"),
            other => {
                return Err(Error::invalid(other, "不认识的参数，可用的只有 download"));
            }
        }
    }
    Ok(download)
}
