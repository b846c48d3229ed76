//! Residents' requests (诉求, 问需于民): what a resident says their compound needs, and the bureau's triage of it.
//! Pure: the checks of the resident's form and of the bureau's decision.

use serde::Serialize;

use super::FieldErrors;
use super::notice::{clean_line, clean_text, text_digest};
use super::phone::Mobile;

/// The longest request a resident may write, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
const MAX_BUILDING_CHARS: usize = 30;
const MAX_ANSWER_CHARS: usize = 1_000;
const MAX_DEPARTMENT_CHARS: usize = 50;

/// A request as the resident filled in the form.
#[derive(Debug, Clone, Default)]
pub struct RequestForm<'a> {
    /// A catalog item's code from the list offered, or empty.
    pub item: &'a str,
    pub building_unit: &'a str,
    pub mobile: &'a str,
    pub text: &'a str,
}

/// A resident's request, checked. `item` is still to be checked against the items offered.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentRequest {
    pub item: Option<String>,
    pub building_unit: String,
    pub mobile: Mobile,
    pub text: String,
}

impl ResidentRequest {
    /// Every field checked at once, each problem named in the words the form uses.
    pub fn parse(form: &RequestForm<'_>) -> Result<ResidentRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let item = Some(form.item.trim().to_owned()).filter(|i| !i.is_empty());
        if item.as_ref().is_some_and(|i| {
            i.len() > 16 || !i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }) {
            errors.add("item", "请从列表中选择改造内容");
        }
        let building_unit = clean_line(form.building_unit);
        if building_unit.is_empty() {
            errors.add("building_unit", "请填写楼栋/单元，例如“3栋2单元”");
        } else if building_unit.chars().count() > MAX_BUILDING_CHARS {
            errors.add(
                "building_unit",
                format!("楼栋/单元最多 {MAX_BUILDING_CHARS} 个字"),
            );
        }
        let mobile = Mobile::parse(form.mobile)
            .map_err(|_| errors.add("mobile", "请填写 11 位手机号码（13–19 开头）"))
            .ok();
        let text = clean_text(form.text);
        let length = text.chars().count();
        if length == 0 && item.is_none() {
            errors.add("text", "请选择需要改造的内容，或写下您的诉求");
        } else if length > MAX_TEXT_CHARS {
            errors.add(
                "text",
                format!("诉求内容最多 {MAX_TEXT_CHARS} 个字，现在是 {length} 个字"),
            );
        }
        match mobile {
            Some(mobile) if errors.is_empty() => Ok(ResidentRequest {
                item,
                building_unit,
                mobile,
                text,
            }),
            _ => Err(errors),
        }
    }

    /// The same request from the same number is one request: the item, the words (spacing and letter case
    /// aside) and the mobile number.
    pub fn digest(&self) -> String {
        text_digest(&format!(
            "{}|{}|{}",
            self.item.as_deref().unwrap_or_default(),
            self.text,
            self.mobile.as_str()
        ))
    }
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待处理: not triaged yet.
    New,
    /// 已受理: within the renovation's scope, linked to a catalog item; counts for the compound's priority.
    Accepted,
    /// 已合并: the same as another request of the compound.
    Merged,
    /// 不属改造范围: forwarded to the department that handles it.
    OutOfScope,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Accepted,
        Status::Merged,
        Status::OutOfScope,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Accepted => "accepted",
            Status::Merged => "merged",
            Status::OutOfScope => "out_of_scope",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::New => "待处理",
            Status::Accepted => "已受理",
            Status::Merged => "已合并",
            Status::OutOfScope => "不属改造范围",
        }
    }
}

/// The bureau's decision on a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Within the renovation's scope: this catalog item.
    Accept { item: String },
    /// The same as request `into` of the same compound.
    Merge { into: i32 },
    /// Outside the renovation's scope, forwarded to `department`.
    OutOfScope { department: String },
}

/// A triage: the decision and the public answer, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    pub decision: Decision,
    pub answer: Option<String>,
}

impl Triage {
    /// `get` reads a field by name: `decision` (accept, merge, out_of_scope), `item`, `into`, `department`,
    /// `answer`. Only the fields the decision needs are looked at.
    pub fn parse<'a>(get: impl Fn(&str) -> &'a str) -> Result<Triage, FieldErrors> {
        let mut errors = FieldErrors::default();
        let decision = match get("decision").trim() {
            "accept" => {
                let item = get("item").trim();
                if item.is_empty() {
                    errors.add("item", "受理时请选择对应的改造内容");
                }
                Some(Decision::Accept {
                    item: item.to_owned(),
                })
            }
            "merge" => match get("into").trim().parse::<i32>() {
                Ok(into) if into > 0 => Some(Decision::Merge { into }),
                _ => {
                    errors.add("into", "请填写与之重复的诉求编号");
                    None
                }
            },
            "out_of_scope" => {
                let department = clean_line(get("department"));
                if department.is_empty() {
                    errors.add("department", "请填写转交的部门，例如“县供电公司”");
                } else if department.chars().count() > MAX_DEPARTMENT_CHARS {
                    errors.add(
                        "department",
                        format!("部门名称最多 {MAX_DEPARTMENT_CHARS} 个字"),
                    );
                }
                Some(Decision::OutOfScope { department })
            }
            _ => {
                errors.add("decision", "请选择处理方式：受理、合并重复或不属改造范围");
                None
            }
        };
        let answer = clean_text(get("answer"));
        if answer.chars().count() > MAX_ANSWER_CHARS {
            errors.add("answer", format!("答复最多 {MAX_ANSWER_CHARS} 个字"));
        }
        match decision {
            Some(decision) if errors.is_empty() => Ok(Triage {
                decision,
                answer: Some(answer).filter(|a| !a.is_empty()),
            }),
            _ => Err(errors),
        }
    }

    pub fn status(&self) -> Status {
        match self.decision {
            Decision::Accept { .. } => Status::Accepted,
            Decision::Merge { .. } => Status::Merged,
            Decision::OutOfScope { .. } => Status::OutOfScope,
        }
    }
}

/// What residents read of a triaged request when the bureau wrote no answer.
pub fn default_answer(status: Status, department: Option<&str>, item: Option<&str>) -> String {
    match status {
        Status::New => "已收到，正在核实。".to_owned(),
        Status::Accepted => match item {
            Some(item) => format!("已受理，列入本小区改造需求：{item}。"),
            None => "已受理，列入本小区改造需求。".to_owned(),
        },
        Status::Merged => "与本小区已收到的同类诉求合并办理。".to_owned(),
        Status::OutOfScope => format!(
            "不属于老旧小区改造范围，已转交{}办理。",
            department.unwrap_or("相关部门")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(item: &'a str, text: &'a str) -> RequestForm<'a> {
        RequestForm {
            item,
            building_unit: "3栋2单元",
            mobile: "13800138000",
            text,
        }
    }

    #[test]
    fn an_item_or_words_are_enough_and_one_of_them_is_needed() {
        let picked = ResidentRequest::parse(&form("I11", "")).unwrap();
        assert_eq!(picked.item.as_deref(), Some("I11"));
        assert_eq!(picked.text, "");
        let written = ResidentRequest::parse(&form("", "  楼道灯坏了\u{0}  ")).unwrap();
        assert_eq!(written.item, None);
        assert_eq!(written.text, "楼道灯坏了");
        let neither = ResidentRequest::parse(&form(" ", " \u{200b} ")).unwrap_err();
        assert!(neither.0.contains_key("text"), "{neither:?}");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = RequestForm {
            item: "I11'; DROP",
            building_unit: "",
            mobile: "12345",
            text: &"字".repeat(MAX_TEXT_CHARS + 1),
        };
        let errors = ResidentRequest::parse(&bad).unwrap_err();
        for field in ["item", "building_unit", "mobile", "text"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
        assert!(ResidentRequest::parse(&form("", &"字".repeat(MAX_TEXT_CHARS))).is_ok());
    }

    #[test]
    fn the_same_request_from_the_same_number_is_one() {
        let a = ResidentRequest::parse(&form("B05", "雨污 分流")).unwrap();
        let b = ResidentRequest::parse(&form("B05", "雨污分流 ")).unwrap();
        assert_eq!(a.digest(), b.digest());
        let other_item = ResidentRequest::parse(&form("B06", "雨污分流")).unwrap();
        assert_ne!(a.digest(), other_item.digest());
        let mut other_number = a.clone();
        other_number.mobile = Mobile::parse("13900139000").unwrap();
        assert_ne!(a.digest(), other_number.digest());
    }

    fn triage(fields: &[(&str, &str)]) -> Result<Triage, FieldErrors> {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Triage::parse(|name| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        })
    }

    #[test]
    fn each_decision_asks_for_what_it_needs() {
        let accepted = triage(&[("decision", "accept"), ("item", "B05")]).unwrap();
        assert_eq!(accepted.status(), Status::Accepted);
        assert_eq!(accepted.answer, None);
        assert!(
            triage(&[("decision", "accept")])
                .unwrap_err()
                .0
                .contains_key("item")
        );
        let merged = triage(&[("decision", "merge"), ("into", "17")]).unwrap();
        assert_eq!(merged.decision, Decision::Merge { into: 17 });
        assert!(
            triage(&[("decision", "merge"), ("into", "x")])
                .unwrap_err()
                .0
                .contains_key("into")
        );
        let out = triage(&[
            ("decision", "out_of_scope"),
            ("department", " 县供电公司 "),
            ("answer", "已转交供电公司"),
        ])
        .unwrap();
        assert_eq!(
            out.decision,
            Decision::OutOfScope {
                department: "县供电公司".into()
            }
        );
        assert_eq!(out.answer.as_deref(), Some("已转交供电公司"));
        assert!(
            triage(&[("decision", "out_of_scope")])
                .unwrap_err()
                .0
                .contains_key("department")
        );
        assert!(
            triage(&[("decision", "maybe")])
                .unwrap_err()
                .0
                .contains_key("decision")
        );
        let long = "字".repeat(MAX_ANSWER_CHARS + 1);
        assert!(
            triage(&[("decision", "accept"), ("item", "B05"), ("answer", &long)])
                .unwrap_err()
                .0
                .contains_key("answer")
        );
    }

    #[test]
    fn statuses_round_trip_and_read_in_chinese() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
            assert!(!s.label().is_ascii());
        }
        assert_eq!(
            default_answer(Status::OutOfScope, Some("县水务局"), None),
            "不属于老旧小区改造范围，已转交县水务局办理。"
        );
    }
}
