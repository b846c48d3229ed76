//! Pure domain logic: knows nothing of HTTP or the database.

pub mod account;
pub mod batch;
pub mod calendar;
pub mod catalog;
pub mod choice;
pub mod compound;
pub mod cost;
pub mod credit_code;
pub mod deviation;
pub mod funding;
pub mod gcj02;
pub mod geometry;
pub mod labels;
pub mod lift;
pub mod money;
pub mod monthly;
pub mod notice;
pub mod phone;
pub mod policy;
pub mod priority;
pub mod record;
pub mod request;
pub mod text;
pub mod time;
pub mod vote;

use std::collections::BTreeMap;

use serde::Serialize;

/// Problems with an input, keyed by the field (a path such as `consent.owners_total` or `scope[2]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// Takes over the errors found by `validator` derives, using each rule's message.
    pub fn extend_validator(&mut self, errors: &validator::ValidationErrors) {
        for (field, list) in errors.field_errors() {
            for e in list {
                let message = e
                    .message
                    .as_ref()
                    .map_or_else(|| e.code.to_string(), ToString::to_string);
                self.add(field.to_string(), message);
            }
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// Reads `T` from JSON, naming the field at fault the way the API reports it: a wrong type at
/// `consent.owners_total`, a missing `role` as "必填". serde's English is said again in Chinese here.
pub fn deserialize<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, FieldErrors> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde names a missing field only in its message; name it as the field instead.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        // An unknown field is named too, so a misspelt one is found at once.
        let unknown = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        if let Some(field) = unknown {
            let wording = format!("没有“{field}”这一项，请检查名称是否写错");
            // The path already ends with the unknown field's name, except at the top.
            let field = if path == "." { field } else { path };
            return FieldErrors::single(field, wording);
        }
        match (path.as_str(), missing) {
            (".", Some(field)) => FieldErrors::single(field, "必填"),
            (".", None) => FieldErrors::single("body", serde_in_chinese(&message)),
            (_, Some(field)) => FieldErrors::single(format!("{path}.{field}"), "必填"),
            (_, None) => FieldErrors::single(path, serde_in_chinese(&message)),
        }
    })
}

/// serde's message for a value it could not read, in Chinese: the kinds of mistake serde and chrono name
/// (a wrong type, a value out of range, a wrong count, a value not among the choices, a malformed date).
pub(crate) fn serde_in_chinese(message: &str) -> String {
    let expected = message
        .split_once(", expected ")
        .map_or("", |(_, expected)| expected);
    if message.starts_with("invalid type: ") {
        return match expected_in_chinese(expected) {
            Some(what) => format!("类型不对：应为{what}"),
            None => "类型不对".to_owned(),
        };
    }
    if message.starts_with("invalid value: ") {
        return match expected_in_chinese(expected) {
            Some(what) => format!("数值不对：应为{what}"),
            None => "数值不对".to_owned(),
        };
    }
    if message.starts_with("invalid length ") {
        return "个数不对".to_owned();
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let given = rest.split('`').next().unwrap_or_default();
        let choices = expected
            .trim_start_matches("one of ")
            .replace('`', "")
            .replace(", ", "、")
            .replace(" or ", "、");
        return if choices.is_empty() {
            format!("“{given}”不是可选的值")
        } else {
            format!("“{given}”不是可选的值；可选：{choices}")
        };
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return format!("“{field}”重复填写了");
    }
    // chrono's words for a date it cannot read.
    const DATE_PROBLEMS: [&str; 6] = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "no possible date and time",
        "input is not enough",
    ];
    if DATE_PROBLEMS.iter().any(|p| message.contains(p)) {
        return "日期不对：应为有效的年-月-日，如 2024-10-01".to_owned();
    }
    "格式不对，无法识别".to_owned()
}

/// What serde expected, in the words of a form: "u32" is a whole number of 0 or more.
fn expected_in_chinese(expected: &str) -> Option<&'static str> {
    let expected = expected.trim();
    let what = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "不小于 0 的整数",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "a string" | "a borrowed string" | "string" | "a character" | "char" => "文字",
        "a boolean" | "bool" => "是或否",
        "a sequence" => "列表",
        "a map" | "map" => "一组字段（对象）",
        _ if expected.starts_with("struct ") => "一组字段（对象）",
        _ if expected.starts_with("tuple") || expected.starts_with("an array") => "列表",
        _ if expected.contains("date") => "日期，如 2024-10-01",
        _ if expected.contains("number") => "数字",
        _ => return None,
    };
    Some(what)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        role: String,
        count: u32,
        on: Option<chrono::NaiveDate>,
        #[serde(default)]
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plan,
        Site,
    }

    fn message_at(value: serde_json::Value, field: &str) -> String {
        let errors = deserialize::<Input>(&value).unwrap_err();
        errors
            .0
            .get(field)
            .unwrap_or_else(|| panic!("{field}: {errors:?}"))[0]
            .clone()
    }

    #[test]
    fn serde_problems_are_told_in_chinese_at_their_field() {
        for (value, field, message) in [
            (json!({"count": 1}), "role", "必填"),
            (
                json!({"role": "a", "count": "many"}),
                "count",
                "类型不对：应为不小于 0 的整数",
            ),
            (
                json!({"role": "a", "count": -3}),
                "count",
                "数值不对：应为不小于 0 的整数",
            ),
            (
                json!({"role": "a", "count": 1, "on": "2021-13-01"}),
                "on",
                "日期不对：应为有效的年-月-日，如 2024-10-01",
            ),
            (
                json!({"role": "a", "count": 1, "kind": "castle"}),
                "kind",
                "“castle”不是可选的值；可选：plan、site",
            ),
            (
                json!({"role": "a", "count": 1, "colour": 1}),
                "colour",
                "没有“colour”这一项，请检查名称是否写错",
            ),
            (json!("x"), "body", "类型不对：应为一组字段（对象）"),
        ] {
            assert_eq!(message_at(value, field), message);
        }
    }
}
