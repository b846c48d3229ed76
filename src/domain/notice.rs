//! 公示: the public notices of a project, their periods, and what residents send in about them — objections and
//! comments (异议、意见建议) during the period, and ratings of the result (满意度, 问效于民) after completion.

use super::time::beijing;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::FieldErrors;
use super::phone::Mobile;

/// The kinds of notice a project goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 改造方案公示: the scope and cost, before the works, so residents can object.
    Plan,
    /// 开工告示: at the start — scope, investment, contractor and person in charge, period, complaints phone.
    Site,
    /// 竣工公示: the works done and what they cost; residents rate the result afterwards.
    Completion,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 3] = [NoticeKind::Plan, NoticeKind::Site, NoticeKind::Completion];

    pub fn parse(code: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| {
                format!(
                    "“{code}”不是公示类别；可选：plan（改造方案公示）、site（施工公示）、completion（竣工公示）"
                )
            })
    }

    /// The code in the API, the database and the policy file's `notice_periods`.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Plan => "plan",
            NoticeKind::Site => "site",
            NoticeKind::Completion => "completion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Plan => "改造方案公示",
            NoticeKind::Site => "开工告示",
            NoticeKind::Completion => "竣工公示",
        }
    }
}

/// Where a notice stands for a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not published: nobody outside the bureau sees it.
    Draft,
    /// Published, its period running: objections are taken.
    Open,
    /// Published, its period over (closed).
    Closed,
}

impl Phase {
    pub fn of(published: bool, closes_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Phase {
        match (published, closes_at) {
            (true, Some(end)) if now < end => Phase::Open,
            (true, _) => Phase::Closed,
            (false, _) => Phase::Draft,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Open => "published",
            Phase::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Draft => "草稿",
            Phase::Open => "公示中",
            Phase::Closed => "已结束",
        }
    }
}

/// The end of `last_day` in Beijing (its 24:00, the next day's 00:00): objections are taken before it.
pub fn closes_at(last_day: NaiveDate) -> DateTime<Utc> {
    let next = last_day.succ_opt().unwrap_or(last_day);
    let midnight = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    beijing()
        .from_local_datetime(&midnight)
        .single()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// "2021年3月1日至2021年3月7日".
pub fn period_text(first: NaiveDate, last: NaiveDate) -> String {
    format!("{}至{}", date_zh(first), date_zh(last))
}

/// "2021年3月1日".
pub fn date_zh(day: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", day.year(), day.month(), day.day())
}

/// What is left of a period, as a resident reads it: "还剩 3 天 4 小时", "还剩 2 小时 5 分", "已截止".
pub fn countdown(now: DateTime<Utc>, closes_at: DateTime<Utc>) -> String {
    let left = closes_at - now;
    if left <= Duration::zero() {
        return "已截止".to_owned();
    }
    let minutes = left.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    if days > 0 {
        format!("还剩 {days} 天 {hours} 小时")
    } else if hours > 0 {
        format!("还剩 {hours} 小时 {mins} 分")
    } else {
        format!("还剩 {} 分钟", mins.max(1))
    }
}

/// The longest objection or comment a resident may send, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// What a correction says until the bureau writes what it corrects (when no figure of the notice changed, only
/// the bureau knows): a correction still saying it is not published.
pub const CORRECTION_TO_WRITE: &str = "（请在此写明更正的内容）";
const MAX_BUILDING_CHARS: usize = 30;
const MAX_NAME_CHARS: usize = 20;

/// An objection or a comment, as a resident typed it into the form.
#[derive(Debug, Clone, Default)]
pub struct ObjectionForm<'a> {
    pub kind: &'a str,
    pub building_unit: &'a str,
    pub name: &'a str,
    pub mobile: &'a str,
    pub text: &'a str,
}

/// 异议 or 意见建议.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectionKind {
    Objection,
    Comment,
}

impl ObjectionKind {
    pub fn code(self) -> &'static str {
        match self {
            ObjectionKind::Objection => "objection",
            ObjectionKind::Comment => "comment",
        }
    }
}

/// A resident's objection or comment, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Objection {
    pub kind: ObjectionKind,
    pub building_unit: String,
    pub name: Option<String>,
    pub mobile: Mobile,
    pub text: String,
}

impl Objection {
    /// Every field checked at once, each problem named in the words the form uses.
    pub fn parse(form: &ObjectionForm<'_>) -> Result<Objection, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = match form.kind.trim() {
            "" | "objection" => Some(ObjectionKind::Objection),
            "comment" => Some(ObjectionKind::Comment),
            _ => {
                errors.add("kind", "请选择“异议”或“意见建议”");
                None
            }
        };
        let building_unit = clean_line(form.building_unit);
        if building_unit.is_empty() {
            errors.add("building_unit", "请填写楼栋/单元，例如“3栋2单元”");
        } else if building_unit.chars().count() > MAX_BUILDING_CHARS {
            errors.add(
                "building_unit",
                format!("楼栋/单元最多 {MAX_BUILDING_CHARS} 个字"),
            );
        }
        let name = clean_line(form.name);
        if name.chars().count() > MAX_NAME_CHARS {
            errors.add("name", format!("姓名最多 {MAX_NAME_CHARS} 个字（可不填）"));
        }
        let mobile = match Mobile::parse(form.mobile) {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("mobile", "请填写 11 位手机号码（13–19 开头）");
                None
            }
        };
        let text = clean_text(form.text);
        let length = text.chars().count();
        if length == 0 {
            errors.add("text", "请填写意见内容");
        } else if length > MAX_TEXT_CHARS {
            errors.add(
                "text",
                format!("意见内容最多 {MAX_TEXT_CHARS} 个字，现在是 {length} 个字"),
            );
        }
        match (kind, mobile) {
            (Some(kind), Some(mobile)) if errors.is_empty() => Ok(Objection {
                kind,
                building_unit,
                name: Some(name).filter(|n| !n.is_empty()),
                mobile,
                text,
            }),
            _ => Err(errors),
        }
    }

    /// The same words posted twice are one objection: spacing and letter case do not make a new one.
    pub fn digest(&self) -> String {
        text_digest(&self.text)
    }
}

/// SHA-256 (hex) of the text with all white space removed and Latin letters in lower case.
pub fn text_digest(text: &str) -> String {
    let normal: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One line of text: control characters dropped, runs of white space made one space, trimmed.
pub(crate) fn clean_line(input: &str) -> String {
    input
        .split(|c: char| c.is_whitespace() || c.is_control() || super::text::invisible(c))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Free text: line breaks kept (at most two in a row), other control characters dropped, trimmed.
pub(crate) fn clean_text(input: &str) -> String {
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(unified.len());
    let mut newlines = 0;
    for c in unified.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines <= 2 {
                out.push('\n');
            }
        } else if !c.is_control() {
            newlines = 0;
            out.push(c);
        }
    }
    super::text::trim(&out).to_owned()
}

/// The aspects residents rate, 1 (very dissatisfied) to 5 (very satisfied).
pub const ASPECTS: [(&str, &str); 3] = [
    ("quality", "工程质量"),
    ("disturbance", "施工扰民"),
    ("communication", "沟通公开"),
];

/// A resident's rating of one compound's renovation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub compound: String,
    pub mobile: Mobile,
    /// In the order of [`ASPECTS`].
    pub scores: [i32; 3],
}

impl Rating {
    /// `get` reads a form field by name: `compound`, `mobile` and one per aspect.
    pub fn parse<'a>(get: impl Fn(&str) -> &'a str) -> Result<Rating, FieldErrors> {
        let mut errors = FieldErrors::default();
        let compound = get("compound").trim().to_owned();
        if compound.is_empty() {
            errors.add("compound", "请选择小区");
        }
        let mobile = Mobile::parse(get("mobile"))
            .map_err(|_| errors.add("mobile", "请填写 11 位手机号码（13–19 开头）"))
            .ok();
        let mut scores = [0; 3];
        for (i, (field, label)) in ASPECTS.iter().enumerate() {
            match get(field).trim().parse::<i32>() {
                Ok(s) if (1..=5).contains(&s) => scores[i] = s,
                _ => errors.add(*field, format!("请为“{label}”选择 1 到 5 分")),
            }
        }
        match mobile {
            Some(mobile) if errors.is_empty() => Ok(Rating {
                compound,
                mobile,
                scores,
            }),
            _ => Err(errors),
        }
    }
}

/// How many objections one address may send in [`RATE_WINDOW_MINUTES`].
pub const RATE_LIMIT: u64 = 5;
pub const RATE_WINDOW_MINUTES: i64 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(text: &'a str) -> ObjectionForm<'a> {
        ObjectionForm {
            kind: "objection",
            building_unit: "3栋2单元",
            name: "",
            mobile: "138 1234 5678",
            text,
        }
    }

    #[test]
    fn a_plain_objection_reads() {
        let o = Objection::parse(&form("  加装电梯的位置挡住了一楼的采光。  ")).unwrap();
        assert_eq!(o.kind, ObjectionKind::Objection);
        assert_eq!(o.text, "加装电梯的位置挡住了一楼的采光。");
        assert_eq!(o.mobile.as_str(), "13812345678");
        assert_eq!(o.name, None);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = ObjectionForm {
            kind: "spam",
            building_unit: "   ",
            name: &"张".repeat(21),
            mobile: "12345",
            text: "",
        };
        let errors = Objection::parse(&bad).unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["building_unit", "kind", "mobile", "name", "text"],
            "{errors}"
        );
    }

    #[test]
    fn text_is_limited_to_500_characters_not_bytes() {
        assert!(Objection::parse(&form(&"字".repeat(500))).is_ok());
        let errors = Objection::parse(&form(&"字".repeat(501))).unwrap_err();
        assert!(errors.0["text"][0].contains("501"));
    }

    #[test]
    fn control_characters_are_dropped_and_line_breaks_kept() {
        let o = Objection::parse(&form("第一行\r\n\r\n\r\n\r\n第二行\u{0}\u{7}")).unwrap();
        assert_eq!(o.text, "第一行\n\n第二行");
    }

    #[test]
    fn spacing_and_case_do_not_make_a_new_text() {
        assert_eq!(
            text_digest("请 延长 公示期 OK"),
            text_digest("请延长公示期\nok")
        );
        assert_ne!(text_digest("请延长公示期"), text_digest("请缩短公示期"));
    }

    #[test]
    fn the_period_closes_at_midnight_beijing_time() {
        let last = NaiveDate::from_ymd_opt(2024, 10, 9).unwrap();
        let end = closes_at(last);
        assert_eq!(end.to_rfc3339(), "2024-10-09T16:00:00+00:00");
        let just_before = end - Duration::seconds(1);
        assert_eq!(Phase::of(true, Some(end), just_before), Phase::Open);
        assert_eq!(Phase::of(true, Some(end), end), Phase::Closed);
        assert_eq!(Phase::of(false, None, just_before), Phase::Draft);
        assert_eq!(crate::domain::time::beijing_date(just_before), last);
    }

    #[test]
    fn the_countdown_reads_in_days_hours_or_minutes() {
        let end = closes_at(NaiveDate::from_ymd_opt(2024, 10, 9).unwrap());
        let at = |d: i64, h: i64, m: i64| {
            end - Duration::days(d) - Duration::hours(h) - Duration::minutes(m)
        };
        assert_eq!(countdown(at(3, 4, 10), end), "还剩 3 天 4 小时");
        assert_eq!(countdown(at(0, 2, 5), end), "还剩 2 小时 5 分");
        assert_eq!(countdown(at(0, 0, 7), end), "还剩 7 分钟");
        assert_eq!(countdown(end, end), "已截止");
    }

    #[test]
    fn a_rating_needs_every_aspect_from_one_to_five() {
        let fields = |q: &'static str| {
            move |k: &str| match k {
                "compound" => "RS-0001",
                "mobile" => "13912345678",
                "quality" => q,
                "disturbance" => "4",
                "communication" => "5",
                _ => "",
            }
        };
        assert_eq!(Rating::parse(fields("3")).unwrap().scores, [3, 4, 5]);
        for bad in ["0", "6", "", "x"] {
            let errors = Rating::parse(fields(bad)).unwrap_err();
            assert!(errors.0.contains_key("quality"), "{bad}: {errors}");
        }
    }

    #[test]
    fn notice_kinds_read_from_their_codes() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.code()), Ok(kind));
        }
        assert!(NoticeKind::parse("other").is_err());
    }
}
