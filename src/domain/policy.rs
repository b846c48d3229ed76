//! The county's renovation policy (政策参数): eligibility, consent thresholds, priority weights and
//! notice periods. Loaded from the policy file (`fixtures/renshou/policy.toml` for Renshou).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldErrors;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub county: String,
    pub county_code: String,
    pub authority: String,
    /// Prefix of compound codes, e.g. `RS` for `RS-0001`.
    pub code_prefix: String,
    pub eligibility: Eligibility,
    pub consent: ConsentPolicy,
    pub priority: Priority,
    pub notice_periods: BTreeMap<String, NoticePeriod>,
    /// Budgets of annual batches already decided, by year.
    #[serde(default)]
    pub batches: BTreeMap<String, BatchBudget>,
    #[serde(default)]
    pub planning: Planning,
    #[serde(default)]
    pub work_orders: WorkOrders,
    #[serde(default)]
    pub notices: Notices,
    /// Where the money comes from, and the default split of every estimate by source.
    #[serde(default)]
    pub funding: super::funding::Funding,
    /// How contracts are paid: the milestones and their shares, the defect period.
    #[serde(default)]
    pub payments: super::money::Payments,
    /// The effect indicators the monthly return counts from the scopes (改造成效: km of pipeline, lifts …).
    #[serde(default)]
    pub indicators: Vec<super::monthly::Indicator>,
    /// 加装电梯: the thresholds of a stairwell's vote and the local bar on storeys.
    #[serde(default)]
    pub lift: LiftPolicy,
    /// 人大代表票决: the places, how many more candidates than places (差额), and the bar of a chosen project.
    #[serde(default)]
    pub vote: VotePolicy,
    /// 居民点单: the bars an optional item must clear in the residents' item-by-item choice.
    #[serde(default)]
    pub choice: ChoicePolicy,
}

/// How the county's public notices (公示) are numbered, whom residents call, and how long they may rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notices {
    /// The issuer's abbreviation in the number, `仁住建公` for `仁住建公〔2021〕12号`; empty: `RS-GS-2021-012`.
    pub number_prefix: String,
    /// 投诉/咨询电话 printed on every notice; empty: the work orders' bureau phone.
    pub phone: String,
    /// Days after a completion notice is published during which residents rate the result (满意度评价).
    pub rating_days: u32,
}

impl Default for Notices {
    fn default() -> Self {
        Notices {
            number_prefix: String::new(),
            phone: String::new(),
            rating_days: 90,
        }
    }
}

impl Policy {
    /// `仁住建公〔2021〕12号`, or `RS-GS-2021-012` when the policy names no prefix.
    pub fn notice_number(&self, year: i32, n: u64) -> String {
        match self.notices.number_prefix.trim() {
            "" => format!("{}-GS-{year}-{n:03}", self.code_prefix),
            prefix => format!("{prefix}〔{year}〕{n}号"),
        }
    }

    /// The phone residents call about a notice.
    pub fn notice_phone(&self) -> &str {
        match self.notices.phone.trim() {
            "" => self.work_orders.phone.trim(),
            phone => phone,
        }
    }

    /// The period rule of a notice kind: the policy's, or 7 calendar days when it names none.
    pub fn notice_period(&self, kind: &str) -> crate::domain::calendar::PeriodRule {
        use crate::domain::calendar::{Count, PeriodRule};
        self.notice_periods.get(kind).map_or(
            PeriodRule {
                days: 7,
                count: Count::Calendar,
            },
            |p| PeriodRule {
                days: p.days,
                count: Count::parse(&p.count).unwrap_or(Count::Calendar),
            },
        )
    }
}

/// What every work order (施工任务单) carries besides its project: the bureau's contact for contractors, and the
/// safety (安全施工) and civilised-construction (文明施工) requirements, which change with provincial notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkOrders {
    pub contact: String,
    pub phone: String,
    pub safety: Vec<String>,
    pub civilised: Vec<String>,
}

impl Default for WorkOrders {
    /// No contact (a county must name its own before issuing orders); the requirements of the national rules
    /// that every county's orders repeat.
    fn default() -> Self {
        WorkOrders {
            contact: String::new(),
            phone: String::new(),
            safety: [
                "施工单位应严格执行《建设工程安全生产管理条例》，落实安全生产责任制，项目负责人、专职安全员持证上岗。",
                "施工现场设置围挡和安全警示标志，高处作业、临时用电、动火作业须办理审批并落实防护措施。",
                "涉及燃气、供水、供电、通信等管线的施工，应提前与产权单位对接，查明管线走向后方可开挖。",
            ]
            .map(str::to_owned)
            .to_vec(),
            civilised: [
                "施工期间做好扬尘治理，裸露土方覆盖，出入车辆冲洗，建筑垃圾日产日清。",
                "合理安排工期，夜间（22时至次日6时）不得进行产生噪声的作业，减少对居民生活的影响。",
                "在小区醒目位置公示施工内容、工期、施工单位、项目负责人及投诉电话，主动接受居民监督。",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl WorkOrders {
    /// The requirements as printed: safety first, each clause tagged with its kind.
    pub fn requirements(&self) -> Vec<String> {
        self.safety
            .iter()
            .map(|c| format!("安全施工：{c}"))
            .chain(self.civilised.iter().map(|c| format!("文明施工：{c}")))
            .collect()
    }
}

/// How the batch planner weighs years and forms district projects (片区).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Planning {
    /// Weight of each year relative to the one before, in (0, 1]: below 1, serving a household a year earlier counts
    /// for more.
    pub discount: f64,
    /// Compounds of one town whose boundaries are at most this far apart (m) may be bundled into one district
    /// project, renovated in one year.
    pub bundle_within_m: f64,
    pub bundle_max_compounds: usize,
    /// What each funding source is expected to provide a year (年度额度), in yuan, by source code, for the years
    /// no batch has been decided for: the new-plan form's default. A source not named is not limited.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub source_limits_yuan: BTreeMap<String, u64>,
}

impl Default for Planning {
    fn default() -> Self {
        Planning {
            discount: 0.9,
            bundle_within_m: 50.0,
            bundle_max_compounds: 4,
            source_limits_yuan: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Compounds built in or before this year are eligible.
    pub built_no_later_than: i32,
}

/// A share written as [numerator, denominator], so that "two thirds" is exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fraction(pub [u32; 2]);

impl Fraction {
    /// Whether `part` is at least this share of `whole`.
    pub fn reached(self, part: f64, whole: f64) -> bool {
        let [num, den] = self.0;
        whole > 0.0 && part * f64::from(den) >= whole * f64::from(num) - 1e-9
    }

    fn is_proper(self) -> bool {
        let [num, den] = self.0;
        den > 0 && num <= den
    }

    /// Whether `part` is at least this share of `whole`, exactly (`part·den ≥ num·whole`): counts and areas in
    /// whole units (households, centi-m²). Nothing reaches a share of nothing.
    pub fn reached_by(self, part: u64, whole: u64) -> bool {
        let [num, den] = self.0;
        whole > 0 && u128::from(part) * u128::from(den) >= u128::from(num) * u128::from(whole)
    }

    /// Whether `part` is more than this share of `whole`, exactly (`part·den > num·whole`): a majority (过半数) is
    /// more than one half, so exactly half is not one.
    pub fn exceeded_by(self, part: u64, whole: u64) -> bool {
        let [num, den] = self.0;
        u128::from(part) * u128::from(den) > u128::from(num) * u128::from(whole)
    }

    /// The share as a vote's bar is said: 半数 for one half, else as [`in_words`](Self::in_words) (三分之二).
    pub fn bar_words(self) -> String {
        let [num, den] = self.0;
        if num > 0 && u64::from(num) * 2 == u64::from(den) {
            "半数".to_owned()
        } else {
            self.in_words()
        }
    }

    /// Whether this share is at least `other`.
    pub fn at_least(self, other: Fraction) -> bool {
        let ([a, b], [c, d]) = (self.0, other.0);
        u64::from(a) * u64::from(d) >= u64::from(c) * u64::from(b)
    }

    /// The share as the bureau writes it: 三分之二, 五分之四; `7/9` when no small Chinese numbers say it.
    pub fn in_words(self) -> String {
        const DIGITS: [&str; 11] = [
            "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
        ];
        let [num, den] = self.0;
        let (mut a, mut b) = (num, den);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let (num, den) = num
            .checked_div(a)
            .zip(den.checked_div(a))
            .unwrap_or((num, den));
        match (DIGITS.get(num as usize), DIGITS.get(den as usize)) {
            _ if num == den => "全部".to_owned(),
            (Some(n), Some(d)) if num > 0 => format!("{d}分之{n}"),
            _ => format!("{num}/{den}"),
        }
    }
}

/// 双三分之二参与, 双四分之三同意 by default (Civil Code art. 278).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentPolicy {
    pub participation_owners: Fraction,
    pub participation_area: Fraction,
    pub approval_owners: Fraction,
    pub approval_area: Fraction,
}

/// 加装电梯按单元表决: a lift is added to one stairwell (单元) when its owners decide so under the Civil Code
/// art. 278 (双三分之二参与, 双四分之三同意, counted among the unit's owners), or a stricter local bar; and only
/// to buildings of at least `min_storeys` storeys (0: no such bar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiftPolicy {
    pub participation_owners: Fraction,
    pub participation_area: Fraction,
    pub approval_owners: Fraction,
    pub approval_area: Fraction,
    pub min_storeys: u32,
    /// The catalog item whose quantity is the number of units that voted for a lift (加装电梯, per lift).
    pub item: String,
}

/// The Civil Code's thresholds (民法典第二百七十八条): the least any county may ask.
pub const CIVIL_CODE: [(&str, &str, Fraction); 4] = [
    (
        "participation_owners",
        "参与表决的业主人数",
        Fraction([2, 3]),
    ),
    ("participation_area", "参与表决的专有面积", Fraction([2, 3])),
    ("approval_owners", "同意的业主人数", Fraction([3, 4])),
    ("approval_area", "同意的专有面积", Fraction([3, 4])),
];

impl Default for LiftPolicy {
    fn default() -> Self {
        LiftPolicy {
            participation_owners: Fraction([2, 3]),
            participation_area: Fraction([2, 3]),
            approval_owners: Fraction([3, 4]),
            approval_area: Fraction([3, 4]),
            min_storeys: 0,
            item: "I11".to_owned(),
        }
    }
}

impl LiftPolicy {
    pub fn share(&self, field: &str) -> Option<Fraction> {
        match field {
            "participation_owners" => Some(self.participation_owners),
            "participation_area" => Some(self.participation_area),
            "approval_owners" => Some(self.approval_owners),
            "approval_area" => Some(self.approval_area),
            _ => None,
        }
    }

    /// A local policy may only be stricter than the Civil Code: every share at least the Code's, and proper.
    fn check(&self, errors: &mut FieldErrors) {
        for (field, name, code) in CIVIL_CODE {
            let Some(share) = self.share(field) else {
                continue;
            };
            if !share.is_proper() {
                errors.add(
                    format!("lift.{field}"),
                    format!("加装电梯表决中{name}的比例须写成“分子/分母”，如 2/3，分母大于 0 且分子不大于分母"),
                );
            } else if !share.at_least(code) {
                errors.add(
                    format!("lift.{field}"),
                    format!(
                        "加装电梯表决中{name}的比例（{share}）低于《民法典》第二百七十八条规定的{}；地方规定只能更严，不能放宽",
                        code.in_words()
                    ),
                );
            }
        }
        if self.min_storeys > 100 {
            errors.add("lift.min_storeys", "可加装电梯的最低层数须在 0 到 100 之间");
        }
        let item = self.item.trim();
        if item.is_empty() || item.len() > 16 {
            errors.add("lift.item", "须为目录中“加装电梯”项目的编号，如 I11");
        }
    }
}

/// The most places one vote fills.
pub const MAX_PLACES: u32 = 100;

/// 人大代表票决: the places, the margin of candidates over places, and the bar a chosen project passes (`[vote]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VotePolicy {
    /// 名额: how many projects a vote chooses, unless the meeting decides another number.
    pub places: u32,
    /// 差额比例: candidates beyond the places, as a share of the places — 3/10: 13 candidates for 10 places.
    pub margin: Fraction,
    /// A chosen project has more than this share of the valid ballots voting 赞成 — 1/2: 过半数.
    pub pass_share: Fraction,
}

impl Default for VotePolicy {
    /// Ten places, a fifth more candidates, a majority of the valid ballots.
    fn default() -> Self {
        VotePolicy {
            places: 10,
            margin: Fraction([1, 5]),
            pass_share: Fraction([1, 2]),
        }
    }
}

impl VotePolicy {
    /// At least one place; more candidates than places but at most twice as many; at least a majority to pass.
    fn check(&self, errors: &mut FieldErrors) {
        if !(1..=MAX_PLACES).contains(&self.places) {
            errors.add(
                "vote.places",
                format!("票决名额须为 1 到 {MAX_PLACES} 之间的整数"),
            );
        }
        let [num, den] = self.margin.0;
        if den == 0 || num == 0 || num > den {
            errors.add(
                "vote.margin",
                "差额比例须写成“分子/分母”，大于 0 且不超过 1，如 3/10（候选项目比名额多 30%）",
            );
        }
        let [num, den] = self.pass_share.0;
        if den == 0 || num >= den || !self.pass_share.at_least(Fraction([1, 2])) {
            errors.add(
                "vote.pass_share",
                "入选所需的赞成票比例须写成“分子/分母”，不低于 1/2 且小于 1，如 1/2（过半数）",
            );
        }
    }
}

/// 居民点单的门槛 (`[choice]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChoicePolicy {
    /// An item is adopted when more than this share of the households that voted approve it (1/2: 过半数).
    pub approval: Fraction,
    /// The result counts only when at least this share of the compound's households voted.
    pub turnout: Fraction,
}

impl Default for ChoicePolicy {
    /// A majority of the households that voted, with a third of the compound voting.
    fn default() -> Self {
        ChoicePolicy {
            approval: Fraction([1, 2]),
            turnout: Fraction([1, 3]),
        }
    }
}

impl ChoicePolicy {
    fn check(&self, errors: &mut FieldErrors) {
        let [num, den] = self.approval.0;
        if den == 0 || num >= den || !self.approval.at_least(Fraction([1, 2])) {
            errors.add(
                "choice.approval",
                "点单纳入所需的赞成比例须写成“分子/分母”，不低于 1/2 且小于 1，如 1/2（过半数）",
            );
        }
        let [num, den] = self.turnout.0;
        if den == 0 || num == 0 || num > den {
            errors.add(
                "choice.turnout",
                "点单有效所需的参与比例须写成“分子/分母”，大于 0 且不超过 1，如 1/3",
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priority {
    pub weights: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePeriod {
    pub days: u32,
    /// `calendar` or `working` days.
    pub count: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBudget {
    pub budget_yuan: u64,
    #[serde(default)]
    pub max_compounds: Option<u32>,
    /// Compounds the decision names: they are in the batch whatever the planner would choose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compounds: Vec<String>,
    /// What each funding source provided that year (年度额度), in yuan, by source code (`central`): the decided
    /// batch was planned within it. A source not named is not limited.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_limits_yuan: BTreeMap<String, u64>,
}

/// The priority weights a policy sets, with what each is paid for (the settings page's labels).
pub const WEIGHTS: [(&str, &str); 7] = [
    ("age", "房龄（每早于截止年份一年）"),
    ("safety_deficit", "每处安全隐患"),
    ("other_deficit", "每处其他短板"),
    ("households", "每户"),
    ("consent", "居民同意超出门槛的幅度"),
    ("requests", "每条居民诉求"),
    ("deputies_vote", "人大代表票决（第一名）"),
];

/// The consent thresholds, by field, with their names.
pub const SHARES: [(&str, &str); 4] = [
    ("participation_owners", "参与表决的业主人数"),
    ("participation_area", "参与表决的专有面积"),
    ("approval_owners", "同意的业主人数"),
    ("approval_area", "同意的专有面积"),
];

impl ConsentPolicy {
    pub fn share(&self, field: &str) -> Option<Fraction> {
        match field {
            "participation_owners" => Some(self.participation_owners),
            "participation_area" => Some(self.participation_area),
            "approval_owners" => Some(self.approval_owners),
            "approval_area" => Some(self.approval_area),
            _ => None,
        }
    }

    pub fn share_mut(&mut self, field: &str) -> Option<&mut Fraction> {
        match field {
            "participation_owners" => Some(&mut self.participation_owners),
            "participation_area" => Some(&mut self.participation_area),
            "approval_owners" => Some(&mut self.approval_owners),
            "approval_area" => Some(&mut self.approval_area),
            _ => None,
        }
    }
}

impl fmt::Display for Fraction {
    /// `2/3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.0[0], self.0[1])
    }
}

impl Fraction {
    /// `2/3` (also `2／3`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Fraction> {
        let (n, d) = text.trim().split_once(['/', '／'])?;
        Some(Fraction([n.trim().parse().ok()?, d.trim().parse().ok()?]))
    }
}

/// 自然日 or 工作日, for a notice period's `count`.
pub fn count_label(count: &str) -> &'static str {
    if count == "working" {
        "工作日"
    } else {
        "自然日"
    }
}

impl Policy {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        policy.check().map_err(|errors| {
            errors
                .0
                .iter()
                .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}：{m}")))
                .collect::<Vec<_>>()
                .join("；")
        })?;
        Ok(policy)
    }

    /// Every setting in range, or a message per setting at fault keyed as the settings page names its fields
    /// (`approval_area`, `period_plan_days`, `discount`, `weight_age`).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        self.check_source_limits(&mut errors);
        for (field, message) in super::monthly::check_indicators(&self.indicators, None) {
            errors.add(field, message);
        }
        if let Err((field, message)) = self.payments.check() {
            errors.add(field, message);
        }
        self.lift.check(&mut errors);
        self.vote.check(&mut errors);
        self.choice.check(&mut errors);
        for (field, name) in SHARES {
            if self.consent.share(field).is_some_and(|f| !f.is_proper()) {
                errors.add(
                    field,
                    format!("{name}的比例须写成“分子/分母”，如 2/3，分母大于 0 且分子不大于分母"),
                );
            }
        }
        for (name, label) in WEIGHTS {
            match self.priority.weights.get(name) {
                Some(w) if w.is_finite() && (0.0..=10_000.0).contains(w) => {}
                Some(_) => errors.add(
                    format!("weight_{name}"),
                    format!("“{label}”的权重须为 0 到 10000 之间的数"),
                ),
                None => errors.add(format!("weight_{name}"), format!("缺少“{label}”的权重")),
            }
        }
        if !(1900..=2100).contains(&self.eligibility.built_no_later_than) {
            errors.add("built_no_later_than", "截止年份须在 1900 到 2100 年之间");
        }
        for (kind, p) in &self.notice_periods {
            if !(1..=365).contains(&p.days) {
                errors.add(
                    format!("period_{kind}_days"),
                    "公示天数须为 1 到 365 之间的整数",
                );
            }
            if !matches!(p.count.as_str(), "calendar" | "working") {
                errors.add(format!("period_{kind}_count"), "须为自然日或工作日");
            }
        }
        let p = &self.planning;
        if !(p.discount > 0.0 && p.discount <= 1.0) {
            errors.add("discount", "逐年折现系数须大于 0 且不超过 1，如 0.9");
        }
        if !(0.0..=1000.0).contains(&p.bundle_within_m) {
            errors.add("bundle_within_m", "片区合并距离须在 0 到 1000 米之间");
        }
        if !(1..=20).contains(&p.bundle_max_compounds) {
            errors.add("bundle_max_compounds", "每个片区的小区数须在 1 到 20 之间");
        }
        if !(1..=3650).contains(&self.notices.rating_days) {
            errors.add("rating_days", "评价天数须在 1 到 3650 之间");
        }
        let phone = self.notices.phone.trim();
        if phone.chars().count() > 20
            || phone
                .chars()
                .any(|c| !(c.is_ascii_digit() || matches!(c, '-' | ' ' | '+' | '(' | ')')))
        {
            errors.add("notices_phone", "须为电话号码，如 028-36210000，或留空");
        }
        let prefix = self.notices.number_prefix.trim();
        if prefix.chars().count() > 20 || prefix.chars().any(char::is_control) {
            errors.add("number_prefix", "文号前缀最多 20 个字，如 仁住建公");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every map of yearly source limits, with where it sits (`planning`, `batches.2021`).
    fn source_limits(&self) -> impl Iterator<Item = (String, &BTreeMap<String, u64>)> {
        std::iter::once(("planning".to_owned(), &self.planning.source_limits_yuan)).chain(
            self.batches
                .iter()
                .map(|(year, b)| (format!("batches.{year}"), &b.source_limits_yuan)),
        )
    }

    /// The yearly limits of funding sources (`planning.source_limits_yuan`, `batches.YEAR.source_limits_yuan`): each
    /// is more than nothing (that each names a source of `[funding]` is checked by `check_against`).
    fn check_source_limits(&self, errors: &mut FieldErrors) {
        for (at, map) in self.source_limits() {
            for (code, &limit) in map {
                // Whether the source exists is checked with the sources themselves (`check_against`).
                if let Err(message) = super::batch::check_source_limit(limit) {
                    errors.add(format!("{at}.source_limits_yuan.{code}"), message);
                }
            }
        }
    }

    /// Checks what the policy says about the catalog: the funding sources' classes and items exist; and that every
    /// yearly source limit names a source.
    pub fn check_against(&self, catalog: &super::catalog::Catalog) -> Result<(), FieldErrors> {
        let classes: Vec<&str> = catalog.classes.iter().map(|c| c.code.as_str()).collect();
        let items: Vec<&str> = catalog.items.iter().map(|i| i.code.as_str()).collect();
        self.funding
            .check(&classes, &items)
            .map_err(|(field, message)| FieldErrors::single(field, message))?;
        // Every yearly limit names one of the sources; every indicator counts catalog items.
        let mut errors = FieldErrors::default();
        for (field, message) in super::monthly::check_indicators(&self.indicators, Some(&items)) {
            errors.add(field, message);
        }
        for (at, map) in self.source_limits() {
            for code in map.keys() {
                if !self.funding.sources.iter().any(|s| s.code == *code) {
                    errors.add(
                        format!("{at}.source_limits_yuan.{code}"),
                        format!("没有代码为“{code}”的资金来源"),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The settings a bureau changes, flat and in words where they are codes: what the settings page shows and
    /// the audit log compares.
    pub fn settings_view(&self, catalog: &super::catalog::Catalog) -> serde_json::Value {
        let mut view = serde_json::Map::new();
        for (name, _) in WEIGHTS {
            view.insert(
                format!("weight_{name}"),
                serde_json::json!(self.priority.weights.get(name)),
            );
        }
        for (field, _) in SHARES {
            view.insert(
                field.to_owned(),
                serde_json::json!(self.consent.share(field).map(|f| f.to_string())),
            );
        }
        view.insert(
            "built_no_later_than".into(),
            serde_json::json!(format!("{} 年", self.eligibility.built_no_later_than)),
        );
        for (kind, p) in &self.notice_periods {
            view.insert(
                format!("period_{kind}"),
                serde_json::json!(format!("{} 个{}", p.days, count_label(&p.count))),
            );
        }
        view.insert("discount".into(), serde_json::json!(self.planning.discount));
        view.insert(
            "bundle_within_m".into(),
            serde_json::json!(self.planning.bundle_within_m),
        );
        view.insert(
            "bundle_max_compounds".into(),
            serde_json::json!(self.planning.bundle_max_compounds),
        );
        view.insert(
            "notices_phone".into(),
            serde_json::json!(self.notices.phone),
        );
        view.insert(
            "number_prefix".into(),
            serde_json::json!(self.notices.number_prefix),
        );
        view.insert(
            "rating_days".into(),
            serde_json::json!(self.notices.rating_days),
        );
        let lift = &self.lift;
        view.insert(
            "lift".into(),
            serde_json::json!(format!(
                "参与 {}（户数）、{}（面积），同意 {}（户数）、{}（面积），不低于 {} 层",
                lift.participation_owners,
                lift.participation_area,
                lift.approval_owners,
                lift.approval_area,
                lift.min_storeys
            )),
        );
        let (vote, choice) = (&self.vote, &self.choice);
        view.insert(
            "vote".into(),
            serde_json::json!(format!(
                "名额 {} 个，候选项目多出名额的 {}（向上取整），赞成超过有效票的{}方可入选",
                vote.places,
                vote.margin,
                vote.pass_share.bar_words()
            )),
        );
        view.insert(
            "choice".into(),
            serde_json::json!(format!(
                "参与户数不少于总户数的{}，赞成超过参与户数的{}方可纳入",
                choice.turnout.in_words(),
                choice.approval.bar_words()
            )),
        );
        view.insert(
            "funding_sources".into(),
            serde_json::json!(
                self.funding
                    .sources
                    .iter()
                    .map(|source| source.describe(catalog))
                    .collect::<Vec<_>>()
            ),
        );
        serde_json::Value::Object(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_renshou_policy_loads() {
        let p = Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap();
        assert_eq!(p.eligibility.built_no_later_than, 2000);
        assert_eq!(p.consent.approval_area, Fraction([3, 4]));
        assert_eq!(p.batches["2021"].max_compounds, Some(81));
    }

    #[test]
    fn out_of_range_settings_are_refused_in_chinese_by_their_fields() {
        let mut p = Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap();
        p.planning.discount = 1.5;
        p.consent.approval_area = Fraction([5, 4]);
        p.notice_periods.get_mut("site").unwrap().days = 0;
        p.priority.weights.insert("age".into(), -1.0);
        let errors = p.check().unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "approval_area",
                "discount",
                "period_site_days",
                "weight_age"
            ]
        );
        for message in errors.0.values().flatten() {
            assert!(
                !message
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .any(|w| w.len() >= 3),
                "{message}"
            );
        }
        assert_eq!(Fraction::parse(" 2／3 "), Some(Fraction([2, 3])));
        assert_eq!(Fraction::parse("三分之二"), None);
        assert_eq!(
            p.settings_view(&crate::domain::catalog::Catalog {
                classes: vec![],
                items: vec![]
            })["approval_area"],
            "5/4"
        );
    }

    #[test]
    fn a_share_above_one_is_refused() {
        let text = include_str!("../../fixtures/renshou/policy.toml")
            .replace("approval_area = [3, 4]", "approval_area = [5, 4]");
        assert!(
            Policy::from_toml(&text)
                .unwrap_err()
                .contains("approval_area")
        );
    }
}
