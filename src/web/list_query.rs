//! The compounds list's query string — filters, sort and pagination — read alike by the API and the list page.

use std::collections::HashMap;

use crate::db::compounds::{Filter as CompoundFilter, ListQuery, SortKey};
use crate::domain::FieldErrors;
use crate::domain::compound::Status;
use crate::error::{Error, Result};

const MAX_PER_PAGE: u64 = 500;
const DEFAULT_PER_PAGE: u64 = 50;

/// Parses the list's query string: filters, sort and pagination. Unknown parameters are refused, so
/// that a misspelt filter is not silently ignored.
pub fn parse_list_query(pairs: &[(String, String)]) -> Result<ListQuery> {
    let mut errors = FieldErrors::default();
    let mut params: HashMap<&str, &str> = HashMap::new();
    for (key, value) in pairs {
        if params.insert(key.as_str(), value.as_str()).is_some() {
            errors.add(key.as_str(), "重复给出");
        }
    }
    let text = |key: &str| {
        params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut number = |key: &str, min: i64, max: i64| -> Option<i64> {
        let raw = params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())?;
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                errors.add(key, format!("须为 {min} 到 {max} 之间的整数"));
                None
            }
        }
    };
    let built_from = number("built_from", 1800, 2200).map(|n| n as i32);
    let built_to = number("built_to", 1800, 2200).map(|n| n as i32);
    let page = number("page", 1, 1_000_000).unwrap_or(1) as u64;
    let per_page =
        number("per_page", 1, MAX_PER_PAGE as i64).unwrap_or(DEFAULT_PER_PAGE as i64) as u64;
    if let (Some(from), Some(to)) = (built_from, built_to)
        && from > to
    {
        errors.add("built_to", "不能早于起始建成年份");
    }
    let status = text("status");
    if let Some(Err(e)) = status.as_deref().map(Status::parse) {
        errors.add("status", e);
    }
    let (sort, descending) = match text("sort") {
        None => (SortKey::Code, false),
        Some(s) => {
            let (name, descending) = match s.strip_prefix('-') {
                Some(name) => (name.to_owned(), true),
                None => (s.clone(), false),
            };
            match SortKey::parse(&name) {
                Some(key) => (key, descending),
                None => {
                    errors.add(
                        "sort",
                        format!(
                            "须为以下之一：{}（前加 - 表示倒序）",
                            SortKey::NAMES.join("、")
                        ),
                    );
                    (SortKey::Code, false)
                }
            }
        }
    };
    let include_archived = match params.get("include_archived").copied() {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            errors.add("include_archived", "须为 true 或 false");
            false
        }
    };
    const KNOWN: [&str; 12] = [
        "town",
        "community",
        "category",
        "status",
        "built_from",
        "built_to",
        "q",
        "include_archived",
        "sort",
        "page",
        "per_page",
        "crs",
    ];
    for key in params.keys().filter(|k| !KNOWN.contains(k)) {
        errors.add(
            *key,
            format!("不认识的参数，可用的有：{}", KNOWN.join("、")),
        );
    }
    if text("q").is_some_and(|q| q.chars().count() > 100) {
        errors.add("q", "最多 100 个字");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(ListQuery {
        filter: CompoundFilter {
            town: text("town"),
            community: text("community"),
            category: text("category"),
            status,
            built_from,
            built_to,
            q: text("q"),
            include_archived,
        },
        sort,
        descending,
        page,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_list_query(&owned)
    }

    #[test]
    fn defaults_are_the_first_page_by_code() {
        let query = q(&[]).unwrap();
        assert_eq!(
            (query.page, query.per_page, query.sort, query.descending),
            (1, 50, SortKey::Code, false)
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let Err(Error::Invalid(errors)) = q(&[
            ("per_page", "0"),
            ("page", "x"),
            ("built_from", "2000"),
            ("built_to", "1990"),
            ("sort", "colour"),
            ("status", "demolished"),
            ("twon", "511421001"),
        ]) else {
            panic!("expected field errors");
        };
        for field in ["per_page", "page", "built_to", "sort", "status", "twon"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn a_minus_sorts_descending() {
        let query = q(&[("sort", "-households")]).unwrap();
        assert_eq!((query.sort, query.descending), (SortKey::Households, true));
    }
}
