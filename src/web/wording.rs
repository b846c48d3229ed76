//! The one place that says each kind of error in Chinese, for people: the error pages, the message on top of a
//! refused form, and the API's `message`. The fields' own messages are written in Chinese where they are found
//! (the domain and the database layer); this module never rewrites them, it only frames them. The API keeps its
//! machine-readable `code` and `fields` beside.

use crate::error::Error;

/// What a person is told about `error`, in one sentence.
pub fn summary(error: &Error) -> String {
    match error {
        Error::Invalid(fields) => {
            let count: usize = fields.0.values().map(Vec::len).sum();
            if count <= 1 {
                "未保存：有一处需要修改，见标出的内容。".to_owned()
            } else {
                format!("未保存：有 {count} 处需要修改，见标出的内容。")
            }
        }
        Error::NotFound(_) => "没有找到这个页面或记录。".to_owned(),
        Error::StaleVersion {
            current_version, ..
        } => {
            let now = current_version
                .map(|v| format!("（现为第 {v} 版）"))
                .unwrap_or_default();
            format!(
                "未保存：您打开这一页之后，这条记录已被修改{now}。页面上显示的是现在的内容，您填写的内容仍在表单里，核对后可以再次提交。"
            )
        }
        Error::Conflict { message, .. } => format!("未保存：{message}"),
        Error::PreconditionRequired(_) => {
            "未保存：请求没有说明是基于哪一版记录修改的，请刷新页面后再提交。".to_owned()
        }
        Error::PreconditionFailed(_) => {
            "未保存：请求所依据的版本与现有记录对不上，请刷新页面后再提交。".to_owned()
        }
        // The limit says what was too frequent, and when to come back.
        Error::TooMany { message, .. } => message.clone(),
        Error::BadRequest(_) => "请求无法识别，请返回页面重新提交。".to_owned(),
        Error::Database(_) | Error::Internal(_) => "系统出错了，请稍后再试。".to_owned(),
    }
}

/// The messages to show beside the fields they name (empty for errors that name no field).
pub fn fields(error: &Error) -> serde_json::Value {
    match error {
        Error::Invalid(fields) => serde_json::json!(fields),
        Error::Conflict {
            field: Some(field),
            message,
        } => serde_json::json!({ *field: [message] }),
        _ => serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldErrors;

    fn has_english_word(text: &str) -> bool {
        text.split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| w.len() >= 3)
    }

    #[test]
    fn every_kind_of_error_is_said_in_chinese() {
        let mut two = FieldErrors::default();
        two.add("a", "必填");
        two.add("b", "必填");
        let errors = [
            Error::Invalid(FieldErrors::single("name", "必填")),
            Error::Invalid(two),
            Error::NotFound("no such compound".into()),
            Error::StaleVersion {
                message: "the record changed".into(),
                current_version: Some(3),
            },
            Error::StaleVersion {
                message: "the record changed".into(),
                current_version: None,
            },
            Error::Conflict {
                field: None,
                message: "该编号已被占用".into(),
            },
            Error::PreconditionRequired("send If-Match".into()),
            Error::PreconditionFailed("If-Match".into()),
            Error::TooMany {
                message: "提交过于频繁，请 2 分钟后再试。".into(),
                retry_after: 61,
            },
            Error::BadRequest("not JSON".into()),
            Error::Internal(anyhow::anyhow!("disk full")),
        ];
        for e in &errors {
            let said = summary(e);
            assert!(
                said.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{said}"
            );
            assert!(!has_english_word(&said), "{e:?} is said as {said}");
        }
        assert!(summary(&errors[1]).contains("2 处"));
        assert!(summary(&errors[2]).contains("没有找到"));
        assert!(summary(&errors[3]).contains("第 3 版"));
        assert!(summary(&errors[8]).contains("2 分钟"));
    }

    #[test]
    fn a_conflict_naming_a_field_is_shown_beside_it() {
        let e = Error::Conflict {
            field: Some("code"),
            message: "编号 RS-001 已被占用".into(),
        };
        assert_eq!(fields(&e)["code"][0], "编号 RS-001 已被占用");
        assert_eq!(
            fields(&Error::NotFound(String::new())),
            serde_json::json!({})
        );
    }
}
