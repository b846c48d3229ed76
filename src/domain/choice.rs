//! 居民点单: the residents of a compound choose, item by item, which optional works (完善类, 提升类) their
//! renovation includes. Basic items (基础类) are what safety and basic needs require, so they are never put to
//! a vote; neither is the lift (加装电梯), which the owners of each stairwell decide under the Civil Code
//! (`lift.rs`).
//!
//! Each household — one ballot per household (楼栋, 单元, 室) and one household per mobile number — marks every
//! offered item 赞成 or 不赞成 during the choice period. An item is adopted when more than the policy's share
//! (`[choice] approval`, one half: 过半数) of the households that voted approve it, and the result counts only when
//! at least the policy's share (`[choice] turnout`) of the compound's households voted. Exactly half is not more
//! than half; a turnout exactly at the minimum counts. All shares are exact integer arithmetic.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::FieldErrors;
use super::catalog::Catalog;
use super::lift::percent;
use super::notice::{clean_line, closes_at, date_zh};
use super::phone::Mobile;
use super::policy::{ChoicePolicy, Fraction};

/// The longest choice period, in days.
pub const MAX_DAYS: i64 = 60;
/// The longest building, unit or room as typed.
pub const MAX_PART_CHARS: usize = 20;

/// An item put to the residents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub code: String,
    pub name: String,
}

/// The items the bureau proposes to offer, checked against the catalog: each known, optional (of a class ranked
/// above 1: not 基础类, nor a county class ranked with it) and not the lift item (`lift_item`, decided per
/// stairwell), and none twice. Each fault is named at `items[i]`.
pub fn offer(
    catalog: &Catalog,
    lift_item: &str,
    proposed: &[&str],
) -> Result<Vec<Item>, FieldErrors> {
    let mut errors = FieldErrors::default();
    if proposed.is_empty() {
        errors.add("items", "请至少列出一项完善类或提升类改造内容");
    }
    let mut items = Vec::with_capacity(proposed.len());
    for (i, code) in proposed.iter().enumerate() {
        let field = format!("items[{i}]");
        let code = code.trim();
        let Some(item) = catalog.item(code) else {
            errors.add(field, format!("改造内容清单中没有编号为“{code}”的项目"));
            continue;
        };
        let class = catalog.class(&item.class);
        if proposed[..i].iter().any(|c| c.trim() == code) {
            errors.add(field, format!("“{code} {}”重复列出", item.name));
        } else if class.is_none_or(|c| c.rank <= 1) {
            errors.add(
                field,
                format!(
                    "“{code} {}”属{}，按需实施，不由居民点单",
                    item.name,
                    class.map_or("基础类", |c| c.name.as_str())
                ),
            );
        } else if code == lift_item {
            errors.add(
                field,
                format!(
                    "“{code} {}”由各单元业主按《民法典》第二百七十八条表决，不由全小区点单",
                    item.name
                ),
            );
        } else {
            items.push(Item {
                code: code.to_owned(),
                name: item.name.clone(),
            });
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// Where a household lives, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Household {
    /// 楼栋: "3栋".
    pub building: String,
    /// 单元: "2单元" (1 for a building with one stairwell).
    pub unit: String,
    /// 室: "502".
    pub room: String,
}

impl Household {
    /// The key of one household: `3|2|502`. However the address was written — "3栋", "3号楼", "３", "第三栋",
    /// "2单元", "二单元", "502室", "０５０２" — the same flat gives the same key (see [`normalise`]).
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            normalise(&self.building, BUILDING),
            normalise(&self.unit, UNIT),
            normalise(&self.room, ROOM)
        )
    }

    /// "3栋2单元502室" as typed, for pages.
    pub fn label(&self) -> String {
        format!("{} {} {}", self.building, self.unit, self.room)
    }
}

const BUILDING: &[&str] = &["号楼", "栋", "幢", "座", "楼", "号"];
const UNIT: &[&str] = &["单元", "单", "号"];
const ROOM: &[&str] = &["号房", "室", "号", "房"];

/// One part of an address in its plain form: full-width letters and digits as ASCII, letters upper case, spaces
/// dropped; a leading 第 and one trailing word of `suffixes` (栋, 号楼, 单元, 室 …) dropped; Chinese numerals from
/// 一 to 九十九 as digits; leading zeros dropped. What is left of "综合楼" is "综合", of "A座" "A", of "1-2" "1-2";
/// of a bare "栋" nothing, which the form refuses as not filled in.
pub fn normalise(part: &str, suffixes: &[&str]) -> String {
    let plain: String = part
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !super::text::invisible(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut rest = plain.strip_prefix('第').unwrap_or(&plain);
    if let Some(stem) = suffixes.iter().find_map(|s| rest.strip_suffix(s)) {
        rest = stem;
    }
    let rest = chinese_number(rest).unwrap_or_else(|| rest.to_owned());
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = rest.trim_start_matches('0');
        return if trimmed.is_empty() { "0" } else { trimmed }.to_owned();
    }
    rest
}

/// 三 → 3, 十二 → 12, 二十 → 20, 九十九 → 99; `None` for anything else.
fn chinese_number(text: &str) -> Option<String> {
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or((c == '两').then_some(2))
    };
    let chars: Vec<char> = text.chars().collect();
    let value = match chars.as_slice() {
        ['十'] => 10,
        [d] => digit(*d)?,
        ['十', d] => 10 + digit(*d)?,
        [t, '十'] => digit(*t)? * 10,
        [t, '十', d] => digit(*t)? * 10 + digit(*d)?,
        _ => return None,
    };
    Some(value.to_string())
}

/// One household's ballot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ballot {
    pub household: Household,
    pub mobile: Mobile,
    /// Each offered item's code and the answer (赞成: `true`), in the order offered.
    pub answers: Vec<(String, bool)>,
}

impl Ballot {
    /// A ballot from the form: `get` reads `building`, `unit`, `room`, `mobile` and `item.<CODE>` = `yes`/`no`
    /// for each offered item; `names` are all the fields sent, so that an answer for an item not offered is
    /// refused rather than ignored. Every offered item must be answered.
    pub fn parse<'a, 'n>(
        offered: &[Item],
        names: impl IntoIterator<Item = &'n str>,
        get: impl Fn(&str) -> &'a str,
    ) -> Result<Ballot, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut part = |field: &str, suffixes: &[&str], missing: &str| {
            let typed = clean_line(get(field));
            if typed.chars().count() > MAX_PART_CHARS {
                errors.add(field, format!("最多 {MAX_PART_CHARS} 个字"));
            } else if typed.contains('|') {
                errors.add(field, "不能包含“|”");
            } else if normalise(&typed, suffixes).is_empty() {
                errors.add(field, missing);
            }
            typed
        };
        let household = Household {
            building: part("building", BUILDING, "请填写楼栋，如“3栋”"),
            unit: part(
                "unit",
                UNIT,
                "请填写单元，如“2单元”；只有一个单元的楼栋填 1",
            ),
            room: part("room", ROOM, "请填写室号，如“502”"),
        };
        let mobile = Mobile::parse(get("mobile"))
            .map_err(|_| errors.add("mobile", "请填写 11 位手机号码（13–19 开头）"))
            .ok();
        let mut answers = Vec::with_capacity(offered.len());
        for item in offered {
            let field = format!("item.{}", item.code);
            match get(&field).trim() {
                "yes" => answers.push((item.code.clone(), true)),
                "no" => answers.push((item.code.clone(), false)),
                _ => errors.add(field, format!("请对“{}”选择赞成或不赞成", item.name)),
            }
        }
        for name in names {
            if let Some(code) = name.strip_prefix("item.")
                && !offered.iter().any(|i| i.code == code)
            {
                errors.add(name, "本次点单没有这一项");
            }
        }
        match mobile {
            Some(mobile) if errors.is_empty() => Ok(Ballot {
                household,
                mobile,
                answers,
            }),
            _ => Err(errors),
        }
    }

    /// One ballot per household: the database's unique key.
    pub fn household_key(&self) -> String {
        self.household.key()
    }

    /// One household per mobile number: the database's other unique key.
    pub fn mobile_key(&self) -> &str {
        self.mobile.as_str()
    }
}

/// Where a choice period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Before,
    Open,
    Closed,
}

/// The choice period: from 0:00 of `opens_on` to 24:00 of `closes_on`, Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

impl Period {
    /// A period closing on or after the day it opens, of at most [`MAX_DAYS`] days.
    pub fn new(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<Period, FieldErrors> {
        let period = Period {
            opens_on,
            closes_on,
        };
        if closes_on < opens_on {
            Err(FieldErrors::single("closes_on", "截止日期不能早于开始日期"))
        } else if period.days() > MAX_DAYS {
            Err(FieldErrors::single(
                "closes_on",
                format!("点单期最长 {MAX_DAYS} 天，现在是 {} 天", period.days()),
            ))
        } else {
            Ok(period)
        }
    }

    /// A period from the form's `opens_on` and `closes_on` (2026-11-01).
    pub fn parse<'a>(get: impl Fn(&str) -> &'a str) -> Result<Period, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut day = |field: &str| {
            NaiveDate::parse_from_str(get(field).trim(), "%Y-%m-%d")
                .map_err(|_| errors.add(field, "须为日期，如 2026-11-01"))
                .ok()
        };
        match (day("opens_on"), day("closes_on")) {
            (Some(opens), Some(closes)) => Period::new(opens, closes),
            _ => Err(errors),
        }
    }

    /// Days from the first to the last, both counted.
    pub fn days(&self) -> i64 {
        (self.closes_on - self.opens_on).num_days() + 1
    }

    /// 0:00 of the first day in Beijing: the end of the day before.
    pub fn opens_at(&self) -> DateTime<Utc> {
        closes_at(self.opens_on.pred_opt().unwrap_or(self.opens_on))
    }

    /// 24:00 of the last day in Beijing.
    pub fn closes_at(&self) -> DateTime<Utc> {
        closes_at(self.closes_on)
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.opens_at() {
            Phase::Before
        } else if now < self.closes_at() {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    /// Why a ballot sent at `now` is not taken, or `None` while the period is open.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<String> {
        match self.phase(now) {
            Phase::Before => Some(format!(
                "点单将于{}0:00开始，请届时再来。",
                date_zh(self.opens_on)
            )),
            Phase::Open => None,
            Phase::Closed => Some(format!(
                "点单已于{}24:00截止，不再接收。",
                date_zh(self.closes_on)
            )),
        }
    }

    /// "2026年11月1日至11月20日" (the year said once when both days are in it).
    pub fn text(&self) -> String {
        let last = if self.opens_on.year() == self.closes_on.year() {
            format!("{}月{}日", self.closes_on.month(), self.closes_on.day())
        } else {
            date_zh(self.closes_on)
        };
        format!("{}至{last}", date_zh(self.opens_on))
    }
}

/// One item's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemCount {
    pub code: String,
    pub name: String,
    pub yes: u32,
    pub no: u32,
}

/// The count of a compound's choice: per item the households for and against, the households that voted and the
/// compound's households (`households`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub households_total: u32,
    pub voted: u32,
    pub items: Vec<ItemCount>,
}

impl Tally {
    /// Counts the ballots of the offered items. Two ballots of one household, or two households on one mobile,
    /// are refused (the database's unique keys keep them out; a count that finds them is wrong).
    pub fn count(
        offered: &[Item],
        households_total: u32,
        ballots: &[Ballot],
    ) -> Result<Tally, String> {
        for (i, b) in ballots.iter().enumerate() {
            let before = &ballots[..i];
            if before
                .iter()
                .any(|o| o.household_key() == b.household_key())
            {
                return Err(format!("{}的点单重复", b.household.label()));
            }
            if before.iter().any(|o| o.mobile_key() == b.mobile_key()) {
                return Err(format!("手机号 {} 已为另一户点单", b.mobile.masked()));
            }
        }
        let items = offered
            .iter()
            .map(|item| {
                let answers = ballots.iter().filter_map(|b| {
                    b.answers
                        .iter()
                        .find(|(code, _)| *code == item.code)
                        .map(|(_, yes)| *yes)
                });
                let yes = answers.clone().filter(|yes| *yes).count() as u32;
                let no = answers.filter(|yes| !yes).count() as u32;
                ItemCount {
                    code: item.code.clone(),
                    name: item.name.clone(),
                    yes,
                    no,
                }
            })
            .collect();
        let tally = Tally {
            households_total,
            voted: ballots.len() as u32,
            items,
        };
        tally
            .check()
            .map_err(|errors| errors.to_string())
            .map(|()| tally)
    }

    /// Whether the counts add up: no more households voted than the compound has, and every item answered by
    /// every household that voted.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.voted > self.households_total {
            errors.add(
                "voted",
                format!(
                    "参与户数（{} 户）多于小区总户数（{} 户），请核对小区户数",
                    self.voted, self.households_total
                ),
            );
        }
        for (i, item) in self.items.iter().enumerate() {
            let answered = u64::from(item.yes) + u64::from(item.no);
            if answered != u64::from(self.voted) {
                errors.add(
                    format!("items[{i}]"),
                    format!(
                        "“{}”赞成 {} 户 + 不赞成 {} 户 = {answered} 户，应等于参与户数 {} 户",
                        item.name, item.yes, item.no, self.voted
                    ),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The households that voted, of the compound's: `voted / households_total`, exactly.
    pub fn turnout(&self) -> Fraction {
        Fraction([self.voted, self.households_total])
    }

    /// An item's 赞成 of the households that voted, exactly.
    pub fn approval(&self, item: &ItemCount) -> Fraction {
        Fraction([item.yes, self.voted])
    }
}

/// What became of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 纳入改造内容.
    Adopted,
    /// 不纳入: not approved by more than the bar.
    Declined,
    /// 结果不成立: too few households voted.
    Void,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::Adopted => "纳入",
            Decision::Declined => "不纳入",
            Decision::Void => "结果不成立",
        }
    }
}

/// An item's verdict, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub code: String,
    pub name: String,
    pub decision: Decision,
    /// "赞成 57 户，占参与户数 62.6%，超过半数：纳入改造内容".
    pub reason: String,
}

/// Each item's verdict under the policy: void for all when fewer than the turnout bar voted (exactly at the bar
/// counts); otherwise adopted when more than the approval bar of the voters approve (exactly at it is not more).
/// Shares are printed floored to a tenth of a percent, so a share below a bar never reads as reaching it.
pub fn adopted(tally: &Tally, policy: &ChoicePolicy) -> Vec<Verdict> {
    let void = void_reason(tally, policy);
    let bar = policy.approval.bar_words();
    tally
        .items
        .iter()
        .map(|item| {
            let (decision, reason) = match &void {
                Some(reason) => (Decision::Void, format!("{reason}：结果不成立")),
                None => {
                    let share = percent(u64::from(item.yes), u64::from(tally.voted))
                        .unwrap_or_else(|| "0.0%".to_owned());
                    let said = format!("赞成 {} 户，占参与户数 {share}", item.yes);
                    if policy
                        .approval
                        .exceeded_by(u64::from(item.yes), u64::from(tally.voted))
                    {
                        (
                            Decision::Adopted,
                            format!("{said}，超过{bar}：纳入改造内容"),
                        )
                    } else {
                        (Decision::Declined, format!("{said}，未超过{bar}：不纳入"))
                    }
                }
            };
            Verdict {
                code: item.code.clone(),
                name: item.name.clone(),
                decision,
                reason,
            }
        })
        .collect()
}

/// Why the choice does not count, if too few voted: "参与户数 40 户，不足总户数 130 户的三分之一".
fn void_reason(tally: &Tally, policy: &ChoicePolicy) -> Option<String> {
    if tally.households_total == 0 {
        return Some("小区总户数未登记".to_owned());
    }
    (!policy
        .turnout
        .reached_by(u64::from(tally.voted), u64::from(tally.households_total)))
    .then(|| {
        format!(
            "参与户数 {} 户，不足总户数 {} 户的{}",
            tally.voted,
            tally.households_total,
            policy.turnout.in_words()
        )
    })
}

/// The plan notice's sentence on the choice: "经居民点单（2026年11月1日至11月20日，参与 91 户），加装电梯、增设停车位
/// 纳入改造内容；增设充电设施未获多数赞成，不纳入。"
pub fn sentence(period: &Period, tally: &Tally, policy: &ChoicePolicy) -> String {
    let verdicts = adopted(tally, policy);
    let names = |decision: Decision| {
        verdicts
            .iter()
            .filter(|v| v.decision == decision)
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let opening = format!("经居民点单（{}，参与 {} 户", period.text(), tally.voted);
    if let Some(reason) = void_reason(tally, policy) {
        let reason = reason.split_once('，').map_or(reason.as_str(), |(_, r)| r);
        return format!(
            "{opening}，{reason}），点单结果不成立，{}是否纳入改造内容另行征求居民意见。",
            names(Decision::Void)
        );
    }
    let declined_words = if policy.approval.bar_words() == "半数" {
        "未获多数赞成".to_owned()
    } else {
        format!("赞成未超过参与户数的{}", policy.approval.bar_words())
    };
    let (adopted, declined) = (names(Decision::Adopted), names(Decision::Declined));
    let outcome = match (adopted.is_empty(), declined.is_empty()) {
        (false, true) => format!("{adopted}纳入改造内容。"),
        (true, false) => format!("{declined}{declined_words}，不纳入改造内容。"),
        (false, false) => format!("{adopted}纳入改造内容；{declined}{declined_words}，不纳入。"),
        (true, true) => "无可选改造内容。".to_owned(),
    };
    format!("{opening}），{outcome}")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::time::beijing;

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap()
    }

    fn items() -> Vec<Item> {
        offer(&catalog(), "I11", &["I05", "I12", "U05"]).unwrap()
    }

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.0.keys().map(String::as_str).collect()
    }

    fn ballot(fields: &[(&str, &str)]) -> Result<Ballot, FieldErrors> {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Ballot::parse(&items(), fields.iter().map(|(k, _)| k.as_str()), |name| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        })
    }

    const GOOD: [(&str, &str); 7] = [
        ("building", "3栋"),
        ("unit", "2单元"),
        ("room", "502"),
        ("mobile", "138 1234 5678"),
        ("item.I05", "yes"),
        ("item.I12", "no"),
        ("item.U05", "yes"),
    ];

    #[test]
    fn only_known_optional_items_other_than_the_lift_are_offered() {
        let offered = items();
        assert_eq!(
            offered,
            [
                Item {
                    code: "I05".into(),
                    name: "停车位规划及施划".into()
                },
                Item {
                    code: "I12".into(),
                    name: "新能源汽车充电桩".into()
                },
                Item {
                    code: "U05".into(),
                    name: "社区食堂（助餐点）".into()
                },
            ]
        );
        let errors = offer(&catalog(), "I11", &["I05", "B05", "X99", "I05", "I11"]).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["items[1]", "items[2]", "items[3]", "items[4]"]
        );
        assert!(errors.0["items[1]"][0].contains("属基础类"), "{errors}");
        assert!(
            errors.0["items[2]"][0].contains("没有编号为“X99”"),
            "{errors}"
        );
        assert!(errors.0["items[3]"][0].contains("重复"), "{errors}");
        assert!(errors.0["items[4]"][0].contains("单元"), "{errors}");
        assert_eq!(
            fields(&offer(&catalog(), "I11", &[]).unwrap_err()),
            ["items"]
        );
    }

    #[test]
    fn a_ballot_answers_every_offered_item_and_nothing_else() {
        let b = ballot(&GOOD).unwrap();
        assert_eq!(
            b.answers,
            [
                ("I05".into(), true),
                ("I12".into(), false),
                ("U05".into(), true)
            ]
        );
        assert_eq!(b.household_key(), "3|2|502");
        assert_eq!(b.mobile_key(), "13812345678");

        // I12 unanswered, U05 answered neither way, I11 (not offered) answered.
        let mut missing = GOOD[..5].to_vec();
        missing.push(("item.U05", "maybe"));
        missing.push(("item.I11", "yes"));
        let errors = ballot(&missing).unwrap_err();
        assert_eq!(fields(&errors), ["item.I11", "item.I12", "item.U05"]);
        assert_eq!(errors.0["item.I11"], ["本次点单没有这一项"]);
        assert!(errors.0["item.I12"][0].contains("新能源汽车充电桩"));

        let mut bad = GOOD.to_vec();
        bad[0].1 = " 栋 ";
        bad[1].1 = "";
        bad[2].1 = "5|02";
        bad[3].1 = "12345";
        let errors = ballot(&bad).unwrap_err();
        assert_eq!(fields(&errors), ["building", "mobile", "room", "unit"]);
        assert!(errors.0["unit"][0].contains("只有一个单元的楼栋填 1"));
        let long = "5".repeat(MAX_PART_CHARS + 1);
        bad[2].1 = &long;
        assert!(ballot(&bad).unwrap_err().0["room"][0].contains("最多"));
    }

    #[test]
    fn one_flat_written_many_ways_is_one_household() {
        let key = |b: &str, u: &str, r: &str| {
            Household {
                building: b.into(),
                unit: u.into(),
                room: r.into(),
            }
            .key()
        };
        let same = [
            ("3栋", "2单元", "502"),
            ("3", "2", "502室"),
            ("３号楼", "２单元", "５０２"),
            ("第三栋", "二单元", "0502"),
            (" 3 幢", "第2单元", "502号"),
            ("03", "02", "502 室"),
        ];
        for (b, u, r) in same {
            assert_eq!(key(b, u, r), "3|2|502", "{b} {u} {r}");
        }
        assert_eq!(key("A座", "1", "1-2"), "A|1|1-2");
        assert_eq!(key("ａ", "十二单元", "101"), "A|12|101");
        assert_eq!(key("综合楼", "二十", "1"), "综合|20|1");
        // Different flats stay different.
        assert_ne!(key("3", "2", "502"), key("3", "2", "503"));
        assert_ne!(key("13", "2", "502"), key("1", "32", "502"));
        assert_ne!(key("3", "2", "502"), key("3", "3", "502"));
        // A bare suffix is nothing typed.
        assert_eq!(normalise("栋", BUILDING), "");
        assert_eq!(normalise("0", ROOM), "0");
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        beijing()
            .with_ymd_and_hms(y, m, d, h, min, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_period_runs_from_the_first_midnight_to_the_last_in_beijing() {
        let p = Period::new(day(2026, 12, 1), day(2026, 12, 20)).unwrap();
        assert_eq!(p.phase(at(2026, 11, 30, 23, 59, 59)), Phase::Before);
        assert_eq!(p.phase(at(2026, 12, 1, 0, 0, 0)), Phase::Open);
        assert_eq!(p.phase(at(2026, 12, 20, 23, 59, 59)), Phase::Open);
        assert_eq!(p.phase(at(2026, 12, 21, 0, 0, 0)), Phase::Closed);
        assert_eq!(p.refusal(at(2026, 12, 10, 12, 0, 0)), None);
        assert_eq!(
            p.refusal(at(2026, 12, 21, 0, 0, 0)).as_deref(),
            Some("点单已于2026年12月20日24:00截止，不再接收。")
        );
        assert_eq!(
            p.refusal(at(2026, 11, 30, 8, 0, 0)).as_deref(),
            Some("点单将于2026年12月1日0:00开始，请届时再来。")
        );
        assert_eq!(p.text(), "2026年12月1日至12月20日");
        let across = Period::new(day(2026, 12, 20), day(2027, 1, 5)).unwrap();
        assert_eq!(across.text(), "2026年12月20日至2027年1月5日");

        // One day is a period; closing before opening, or after 60 days, is not.
        assert_eq!(
            Period::new(day(2026, 12, 1), day(2026, 12, 1))
                .unwrap()
                .days(),
            1
        );
        assert!(
            Period::new(day(2026, 12, 1), day(2027, 1, 29)).is_ok(),
            "60 days"
        );
        for (opens, closes) in [
            (day(2026, 12, 2), day(2026, 12, 1)),
            (day(2026, 12, 1), day(2027, 1, 30)),
        ] {
            assert_eq!(
                fields(&Period::new(opens, closes).unwrap_err()),
                ["closes_on"]
            );
        }
        let form = |o: &'static str, c: &'static str| {
            Period::parse(move |name| if name == "opens_on" { o } else { c })
        };
        assert_eq!(form("2026-12-01", "2026-12-20"), Ok(p));
        assert_eq!(
            fields(&form("2026-13-01", "x").unwrap_err()),
            ["closes_on", "opens_on"]
        );
    }

    fn tally(total: u32, voted: u32, yes: &[u32]) -> Tally {
        Tally {
            households_total: total,
            voted,
            items: items()
                .into_iter()
                .zip(yes)
                .map(|(item, &yes)| ItemCount {
                    code: item.code,
                    name: item.name,
                    yes,
                    no: voted - yes,
                })
                .collect(),
        }
    }

    fn decisions(t: &Tally) -> Vec<Decision> {
        adopted(t, &ChoicePolicy::default())
            .into_iter()
            .map(|v| v.decision)
            .collect()
    }

    #[test]
    fn more_than_half_adopts_and_exactly_half_does_not() {
        let t = tally(200, 90, &[46, 45, 44]);
        assert_eq!(
            decisions(&t),
            [Decision::Adopted, Decision::Declined, Decision::Declined]
        );
        let verdicts = adopted(&t, &ChoicePolicy::default());
        assert_eq!(
            verdicts[0].reason,
            "赞成 46 户，占参与户数 51.1%，超过半数：纳入改造内容"
        );
        assert_eq!(
            verdicts[1].reason,
            "赞成 45 户，占参与户数 50.0%，未超过半数：不纳入"
        );
        assert_eq!(t.approval(&t.items[0]), Fraction([46, 90]));
        // 57 of 91: 62.6 %.
        let t = tally(200, 91, &[57, 0, 91]);
        assert_eq!(
            adopted(&t, &ChoicePolicy::default())[0].reason,
            "赞成 57 户，占参与户数 62.6%，超过半数：纳入改造内容"
        );
        // A stricter bar: two thirds of 90 is 60, not more than two thirds.
        let strict = ChoicePolicy {
            approval: Fraction([2, 3]),
            ..ChoicePolicy::default()
        };
        let t = tally(200, 90, &[60, 61, 0]);
        let verdicts = adopted(&t, &strict);
        assert_eq!(verdicts[0].decision, Decision::Declined);
        assert_eq!(verdicts[1].decision, Decision::Adopted);
        assert!(verdicts[0].reason.contains("未超过三分之二"));
    }

    #[test]
    fn a_turnout_exactly_at_the_minimum_counts_and_one_less_is_void() {
        // A third of 120 is 40.
        assert_eq!(
            decisions(&tally(120, 40, &[30, 10, 20])),
            [Decision::Adopted, Decision::Declined, Decision::Declined]
        );
        let void = tally(120, 39, &[30, 10, 20]);
        assert_eq!(decisions(&void), [Decision::Void; 3]);
        assert_eq!(
            adopted(&void, &ChoicePolicy::default())[0].reason,
            "参与户数 39 户，不足总户数 120 户的三分之一：结果不成立"
        );
        assert_eq!(void.turnout(), Fraction([39, 120]));
        // 130 households: a third is 43.33…, so 43 is short and 44 counts.
        assert_eq!(decisions(&tally(130, 43, &[43, 0, 0]))[0], Decision::Void);
        assert_eq!(
            decisions(&tally(130, 44, &[44, 0, 0]))[0],
            Decision::Adopted
        );
        assert_eq!(decisions(&tally(0, 0, &[0, 0, 0])), [Decision::Void; 3]);
    }

    #[test]
    fn ballots_are_counted_once_per_household_and_per_mobile() {
        let offered = items();
        let b = |building: &str, mobile: &str, answers: [bool; 3]| Ballot {
            household: Household {
                building: building.into(),
                unit: "1".into(),
                room: "101".into(),
            },
            mobile: Mobile::parse(mobile).unwrap(),
            answers: offered
                .iter()
                .zip(answers)
                .map(|(i, a)| (i.code.clone(), a))
                .collect(),
        };
        let ballots = [
            b("1栋", "13800000001", [true, false, true]),
            b("2栋", "13800000002", [true, false, false]),
            b("3栋", "13800000003", [false, false, true]),
        ];
        let t = Tally::count(&offered, 10, &ballots).unwrap();
        assert_eq!(t.voted, 3);
        let counts: Vec<(u32, u32)> = t.items.iter().map(|i| (i.yes, i.no)).collect();
        assert_eq!(counts, [(2, 1), (0, 3), (2, 1)]);
        let twice = [
            ballots[0].clone(),
            b("１号楼", "13800000009", [true, true, true]),
        ];
        assert!(
            Tally::count(&offered, 10, &twice)
                .unwrap_err()
                .contains("重复")
        );
        let shared = [ballots[0].clone(), b("9栋", "13800000001", [true; 3])];
        assert!(
            Tally::count(&offered, 10, &shared)
                .unwrap_err()
                .contains("138****0001")
        );
        assert!(
            Tally::count(&offered, 2, &ballots)
                .unwrap_err()
                .contains("多于小区总户数")
        );
        let mut wrong = t.clone();
        wrong.items[1].no = 2;
        assert_eq!(fields(&wrong.check().unwrap_err()), ["items[1]"]);
    }

    #[test]
    fn the_plan_notice_cites_the_choice_in_one_sentence() {
        let p = Period::new(day(2026, 11, 1), day(2026, 11, 20)).unwrap();
        let policy = ChoicePolicy::default();
        assert_eq!(
            sentence(&p, &tally(200, 91, &[57, 40, 70]), &policy),
            "经居民点单（2026年11月1日至11月20日，参与 91 户），停车位规划及施划、社区食堂（助餐点）纳入改造内容；新能源汽车充电桩未获多数赞成，不纳入。"
        );
        assert_eq!(
            sentence(&p, &tally(200, 91, &[57, 46, 70]), &policy),
            "经居民点单（2026年11月1日至11月20日，参与 91 户），停车位规划及施划、新能源汽车充电桩、社区食堂（助餐点）纳入改造内容。"
        );
        assert_eq!(
            sentence(&p, &tally(200, 91, &[45, 0, 10]), &policy),
            "经居民点单（2026年11月1日至11月20日，参与 91 户），停车位规划及施划、新能源汽车充电桩、社区食堂（助餐点）未获多数赞成，不纳入改造内容。"
        );
        assert_eq!(
            sentence(&p, &tally(130, 40, &[40, 40, 40]), &policy),
            "经居民点单（2026年11月1日至11月20日，参与 40 户，不足总户数 130 户的三分之一），点单结果不成立，停车位规划及施划、新能源汽车充电桩、社区食堂（助餐点）是否纳入改造内容另行征求居民意见。"
        );
        let strict = ChoicePolicy {
            approval: Fraction([2, 3]),
            ..policy
        };
        assert!(
            sentence(&p, &tally(200, 90, &[61, 60, 0]), &strict).contains(
                "新能源汽车充电桩、社区食堂（助餐点）赞成未超过参与户数的三分之二，不纳入。"
            )
        );
    }

    #[test]
    fn the_choice_policy_is_checked_by_its_fields() {
        use crate::domain::policy::Policy;
        let mut p = Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap();
        let mut refused = |approval: [u32; 2], turnout: [u32; 2]| {
            p.choice = ChoicePolicy {
                approval: Fraction(approval),
                turnout: Fraction(turnout),
            };
            p.check()
                .err()
                .map(|e| e.0.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(
            refused([1, 3], [0, 3]),
            ["choice.approval", "choice.turnout"]
        );
        assert_eq!(
            refused([1, 1], [4, 3]),
            ["choice.approval", "choice.turnout"]
        );
        assert_eq!(refused([1, 2], [0, 0]), ["choice.turnout"]);
        assert!(refused([2, 3], [1, 1]).is_empty());
        assert!(refused([1, 2], [1, 3]).is_empty());
    }
}
