//! 人大代表票决: the people's congress deputies choose next year's livelihood projects (民生实事项目).
//!
//! The bureau proposes candidates from the projects ranked by priority — always more than the places (差额票决);
//! the deputies mark 赞成, 反对 or 弃权 on each numbered row of a printed ballot; two counters (计票人甲、乙) enter
//! their tallies independently, and a result stands only when both tallies add up and agree figure by figure. A
//! candidate is chosen with more than the policy's share of the valid ballots voting 赞成 (过半数 by default),
//! the most 赞成 first, at most as many as there are places; its rank feeds the priority score
//! (`priority::Factors::deputies_vote_rank`). A year later the deputies rate the chosen projects (满意度测评) on a
//! sheet of the same shape, counted and reconciled the same way.
//!
//! **A tie at the cut-off is not broken by the system.** When candidates with the same number of 赞成 compete
//! for the last places, the result names them and cannot be published until the deputies vote again on just
//! those candidates ([`Outcome::revote`]); the most 赞成 in the re-vote win. This is the rule of the Electoral Law
//! (选举法: 票数相等不能确定当选人时，应当就票数相等的候选人再次投票，以得票多的当选), and it keeps the decision with
//! the deputies: breaking the tie by fewer 反对 would treat an abstention as half a yes, and breaking it by the
//! bureau's priority score would let the bureau's own ranking overrule the vote that is meant to check it.
//! Candidates tied above the cut-off are all chosen and share a rank (1, 2, 2, 4): equal votes earn equal points.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::lift::percent;
use super::notice::date_zh;
use super::policy::Fraction;

/// The most ballots one sheet counts: a typo's guard, far above any congress or rating panel.
pub const MAX_BALLOTS: u32 = 100_000;
/// A project that may be proposed: a compound, or a district project of several, with its priority score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eligible {
    /// The compound's or the project's code (`RS-0001`).
    pub code: String,
    /// 项目名称: "文林街道工行小区等3个小区改造项目".
    pub name: String,
    /// 所在镇（街道）.
    pub town: String,
    pub households: u32,
    pub investment_fen: i64,
    /// 主要改造内容, as printed under the name on the ballot.
    pub description: String,
    pub priority: f64,
}

/// A candidate (候选项目): its row number on the printed ballot (1, 2 …) and the project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub number: u32,
    #[serde(flatten)]
    pub project: Eligible,
}

/// How many candidates a vote of `places` needs: the places and their `margin` more, rounded up, and always at
/// least one more than the places (差额). Exact: 10 places at 3/10 need 13, 7 places need ⌈9.1⌉ = 10.
pub fn candidate_count(places: u32, margin: Fraction) -> Result<u32, String> {
    let [num, den] = margin.0;
    if places == 0 {
        return Err("票决名额须至少 1 个".to_owned());
    }
    if num == 0 || den == 0 {
        return Err("差额比例须大于 0：候选项目须多于名额".to_owned());
    }
    let extra = (u64::from(places) * u64::from(num)).div_ceil(u64::from(den));
    u32::try_from(u64::from(places) + extra.max(1))
        .map_err(|_| "差额比例过大，候选项目数超出范围".to_owned())
}

/// The candidates of a vote of `places`: the first [`candidate_count`] of `ranked`, highest priority first (a
/// stable sort, so among equal scores the caller's order stands), numbered 1, 2 … in that order. Refused when
/// fewer projects are eligible than the vote needs, or when a project is listed twice.
pub fn candidates(
    ranked: &[Eligible],
    places: u32,
    margin: Fraction,
) -> Result<Vec<Candidate>, String> {
    let needed = candidate_count(places, margin)?;
    if let Some(twice) = ranked
        .iter()
        .enumerate()
        .find(|(i, e)| ranked[..*i].iter().any(|o| o.code == e.code))
        .map(|(_, e)| e)
    {
        return Err(format!("项目“{}”（{}）重复列入", twice.name, twice.code));
    }
    if ranked.len() < needed as usize {
        return Err(format!(
            "差额票决需要 {needed} 个候选项目（名额 {places} 个，差额比例 {margin}），符合条件的项目只有 {} 个",
            ranked.len()
        ));
    }
    let mut order: Vec<&Eligible> = ranked.iter().collect();
    order.sort_by(|a, b| b.priority.total_cmp(&a.priority));
    Ok(order
        .into_iter()
        .take(needed as usize)
        .zip(1..)
        .map(|(project, number)| Candidate {
            number,
            project: project.clone(),
        })
        .collect())
}

/// The printed ballot (票决表): the places to fill and the candidates, a row each in number order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ballot {
    pub places: u32,
    pub candidates: Vec<Candidate>,
}

/// The sheet of the satisfaction vote a year later (满意度测评表): the chosen projects, a row each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub projects: Vec<Candidate>,
}

/// The counts of one row of a counting sheet: a column per answer printed on the ballot.
pub trait Row: Clone + PartialEq + Default + fmt::Debug {
    /// Each column's field and label, in the order printed: `("approve", "赞成")`.
    const COLUMNS: &'static [(&'static str, &'static str)];
    /// The counts, in the order of [`COLUMNS`](Self::COLUMNS).
    fn counts(&self) -> Vec<u32>;
    /// A row from its counts, in the order of [`COLUMNS`](Self::COLUMNS).
    fn from_counts(counts: &[u32]) -> Self;
}

/// One candidate's row of the deputies' vote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Votes {
    /// 赞成.
    pub approve: u32,
    /// 反对.
    pub oppose: u32,
    /// 弃权.
    pub abstain: u32,
}

impl Row for Votes {
    const COLUMNS: &'static [(&'static str, &'static str)] =
        &[("approve", "赞成"), ("oppose", "反对"), ("abstain", "弃权")];

    fn counts(&self) -> Vec<u32> {
        vec![self.approve, self.oppose, self.abstain]
    }

    fn from_counts(c: &[u32]) -> Self {
        let at = |i: usize| c.get(i).copied().unwrap_or_default();
        Votes {
            approve: at(0),
            oppose: at(1),
            abstain: at(2),
        }
    }
}

/// One project's row of the satisfaction vote (满意度测评).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    /// 满意.
    pub satisfied: u32,
    /// 基本满意.
    pub fairly_satisfied: u32,
    /// 不满意.
    pub dissatisfied: u32,
    /// 弃权.
    pub abstain: u32,
}

impl Row for Ratings {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("satisfied", "满意"),
        ("fairly_satisfied", "基本满意"),
        ("dissatisfied", "不满意"),
        ("abstain", "弃权"),
    ];

    fn counts(&self) -> Vec<u32> {
        vec![
            self.satisfied,
            self.fairly_satisfied,
            self.dissatisfied,
            self.abstain,
        ]
    }

    fn from_counts(c: &[u32]) -> Self {
        let at = |i: usize| c.get(i).copied().unwrap_or_default();
        Ratings {
            satisfied: at(0),
            fairly_satisfied: at(1),
            dissatisfied: at(2),
            abstain: at(3),
        }
    }
}

impl Ratings {
    /// 满意率 = (满意 + 基本满意) / (有效票 − 弃权), exactly: abstentions neither please nor displease. (The row's
    /// counts add up to the valid ballots — every checked tally's do — so the denominator is the three answers
    /// other than 弃权.) `None` when every ballot abstained.
    pub fn rate(&self) -> Option<Fraction> {
        let pleased = self.satisfied.saturating_add(self.fairly_satisfied);
        let answered = pleased.saturating_add(self.dissatisfied);
        (answered > 0).then_some(Fraction([pleased, answered]))
    }

    /// The rate with one decimal, floored to a tenth like every share the product prints ("93.5%", 89.96 % reads
    /// "89.9%", never "90.0%"); "—" when every ballot abstained.
    pub fn rate_text(&self) -> String {
        self.rate()
            .and_then(|Fraction([p, a])| percent(u64::from(p), u64::from(a)))
            .unwrap_or_else(|| "—".to_owned())
    }
}

/// A counter's tally (计票结果) of a sheet: the ballots issued (发出), returned (收回), valid (有效) and invalid (无效),
/// and a row of counts per row of the sheet. `Tally` alone is the deputies' vote; `Tally<Ratings>` the
/// satisfaction vote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally<R = Votes> {
    pub issued: u32,
    pub returned: u32,
    pub valid: u32,
    pub invalid: u32,
    pub rows: Vec<R>,
}

/// The header figures, by field and label.
const HEADER: [(&str, &str); 4] = [
    ("issued", "发出选票"),
    ("returned", "收回选票"),
    ("valid", "有效票"),
    ("invalid", "无效票"),
];

/// A printed sheet a tally counts: its rows' names, and what a tally of it must satisfy beyond what every tally
/// must.
pub trait Sheet {
    type Row: Row;
    /// The project printed on each row, in row order.
    fn names(&self) -> Vec<&str>;
    fn check_more(&self, _tally: &Tally<Self::Row>, _errors: &mut FieldErrors) {}
}

impl Sheet for Ballot {
    type Row = Votes;

    fn names(&self) -> Vec<&str> {
        self.candidates
            .iter()
            .map(|c| c.project.name.as_str())
            .collect()
    }

    /// No valid ballot approves more candidates than there are places (a ballot that does is invalid), so the
    /// rows' 赞成 add up to at most `valid × places`.
    fn check_more(&self, tally: &Tally<Votes>, errors: &mut FieldErrors) {
        let approved: u64 = tally.rows.iter().map(|r| u64::from(r.approve)).sum();
        let most = u64::from(tally.valid) * u64::from(self.places);
        if approved > most {
            errors.add(
                "rows",
                format!(
                    "各行赞成票合计 {approved} 张，超过有效票 {} 张 × 名额 {} 个 = {most} 张：每张有效票最多赞成 {} 个项目，赞成多于名额的选票应计为无效票",
                    tally.valid, self.places, self.places
                ),
            );
        }
    }
}

impl Sheet for Review {
    type Row = Ratings;

    fn names(&self) -> Vec<&str> {
        self.projects
            .iter()
            .map(|c| c.project.name.as_str())
            .collect()
    }
}

impl<R: Row> Tally<R> {
    fn header(&self) -> [u32; 4] {
        [self.issued, self.returned, self.valid, self.invalid]
    }

    /// A tally from a counter's form: `get` reads `issued`, `returned`, `valid`, `invalid` and, per row `i` of the
    /// sheet (from 0), `rows[i].approve`, `rows[i].oppose`, `rows[i].abstain` (or the satisfaction vote's
    /// columns). Every figure is a whole number of ballots, 0 or more; then the tally is [checked](Self::check).
    pub fn parse<'a, S: Sheet<Row = R>>(
        sheet: &S,
        get: impl Fn(&str) -> &'a str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut read = |field: String| {
            ballots(get(&field))
                .map_err(|message| errors.add(field, message))
                .unwrap_or_default()
        };
        let header = HEADER.map(|(field, _)| read(field.to_owned()));
        let rows = (0..sheet.names().len())
            .map(|i| {
                let counts: Vec<u32> = R::COLUMNS
                    .iter()
                    .map(|(column, _)| read(format!("rows[{i}].{column}")))
                    .collect();
                R::from_counts(&counts)
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let [issued, returned, valid, invalid] = header;
        let tally = Tally {
            issued,
            returned,
            valid,
            invalid,
            rows,
        };
        tally.check(sheet)?;
        Ok(tally)
    }

    /// Whether the figures add up: a row per row of the sheet; some ballots issued; returned ≤ issued;
    /// valid + invalid = returned; each row's counts add up to the valid ballots; and the sheet's own rule (a
    /// vote's 赞成 at most `valid × places`). Each problem is named by its field: `returned`, `rows[2].abstain` (a
    /// row's sum is reported at its last column, where the form shows it).
    pub fn check<S: Sheet<Row = R>>(&self, sheet: &S) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let names = sheet.names();
        if self.rows.len() != names.len() {
            errors.add(
                "rows",
                format!(
                    "应有 {} 行（每个项目一行），现在是 {} 行",
                    names.len(),
                    self.rows.len()
                ),
            );
            return Err(errors);
        }
        if self.issued == 0 {
            errors.add("issued", "发出的选票须多于 0 张");
        }
        if self.returned > self.issued {
            errors.add(
                "returned",
                format!(
                    "收回的选票（{} 张）多于发出的选票（{} 张）",
                    self.returned, self.issued
                ),
            );
        }
        let sorted = u64::from(self.valid) + u64::from(self.invalid);
        if sorted != u64::from(self.returned) {
            errors.add(
                "valid",
                format!(
                    "有效票 {} 张与无效票 {} 张之和为 {sorted} 张，应等于收回的选票 {} 张",
                    self.valid, self.invalid, self.returned
                ),
            );
        }
        for (i, row) in self.rows.iter().enumerate() {
            let counts = row.counts();
            let sum: u64 = counts.iter().copied().map(u64::from).sum();
            if sum != u64::from(self.valid) {
                let terms: Vec<String> = R::COLUMNS
                    .iter()
                    .zip(&counts)
                    .map(|((_, label), n)| format!("{label} {n}"))
                    .collect();
                let last = R::COLUMNS.last().map_or("", |(field, _)| field);
                errors.add(
                    format!("rows[{i}].{last}"),
                    format!(
                        "第 {} 行（{}）：{} = {sum} 张，应等于有效票 {} 张",
                        i + 1,
                        names[i],
                        terms.join(" + "),
                        self.valid
                    ),
                );
            }
        }
        sheet.check_more(self, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A whole number of ballots, 0 or more.
fn ballots(raw: &str) -> Result<u32, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("必填".into());
    }
    if raw.starts_with('-') {
        return Err("不能为负数".into());
    }
    if !raw.chars().all(|c| c.is_ascii_digit()) {
        return Err("须为整数（张），如 120".into());
    }
    match raw.parse::<u32>() {
        Ok(n) if n <= MAX_BALLOTS => Ok(n),
        _ => Err(format!("最多 {MAX_BALLOTS} 张")),
    }
}

/// The two counters, who enter their tallies independently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counter {
    A,
    B,
}

impl Counter {
    /// 甲, 乙.
    pub fn label(self) -> &'static str {
        match self {
            Counter::A => "甲",
            Counter::B => "乙",
        }
    }
}

/// One figure the counters disagree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field, as the forms name it: `returned`, `rows[2].approve`.
    pub field: String,
    /// The row (from 0), for a count of a row.
    pub row: Option<usize>,
    /// The row's project.
    pub name: Option<String>,
    /// 赞成, 有效票 ….
    pub label: &'static str,
    pub a: u32,
    pub b: u32,
}

impl fmt::Display for Difference {
    /// "第 3 行（文林街道工行小区等3个小区改造项目）赞成：甲 41，乙 42", "收回选票：甲 120，乙 121".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(
                f,
                "第 {} 行（{}）",
                row + 1,
                self.name.as_deref().unwrap_or_default()
            )?;
        }
        write!(f, "{}：甲 {}，乙 {}", self.label, self.a, self.b)
    }
}

/// Why two tallies give no result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", content = "details", rename_all = "snake_case")]
pub enum Mismatch {
    /// A counter's tally does not add up, whatever the other says: that counter counts again.
    Unsound(Vec<(Counter, FieldErrors)>),
    /// Both add up, but they differ: every figure that differs, the header's first, then the rows in order.
    Differ(Vec<Difference>),
}

impl Mismatch {
    /// Each problem in a sentence: "计票人乙：收回的选票（121 张）多于发出的选票（120 张）".
    pub fn messages(&self) -> Vec<String> {
        match self {
            Mismatch::Unsound(tallies) => tallies
                .iter()
                .flat_map(|(counter, errors)| {
                    errors
                        .0
                        .values()
                        .flatten()
                        .map(move |m| format!("计票人{}：{m}", counter.label()))
                })
                .collect(),
            Mismatch::Differ(differences) => differences.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The agreed tally of two counters: both must add up, and agree on every figure. Otherwise every fault of each
/// tally, or every figure they differ on (the header's first, then row by row, column by column), is named.
pub fn reconcile<S: Sheet>(
    sheet: &S,
    a: &Tally<S::Row>,
    b: &Tally<S::Row>,
) -> Result<Tally<S::Row>, Mismatch> {
    let unsound: Vec<(Counter, FieldErrors)> = [(Counter::A, a), (Counter::B, b)]
        .into_iter()
        .filter_map(|(counter, t)| t.check(sheet).err().map(|e| (counter, e)))
        .collect();
    if !unsound.is_empty() {
        return Err(Mismatch::Unsound(unsound));
    }
    let mut differences: Vec<Difference> = HEADER
        .iter()
        .zip(a.header().into_iter().zip(b.header()))
        .filter(|(_, (x, y))| x != y)
        .map(|((field, label), (x, y))| Difference {
            field: (*field).to_owned(),
            row: None,
            name: None,
            label,
            a: x,
            b: y,
        })
        .collect();
    let names = sheet.names();
    for (i, (ra, rb)) in a.rows.iter().zip(&b.rows).enumerate() {
        for ((column, label), (x, y)) in S::Row::COLUMNS
            .iter()
            .zip(ra.counts().into_iter().zip(rb.counts()))
        {
            if x != y {
                differences.push(Difference {
                    field: format!("rows[{i}].{column}"),
                    row: Some(i),
                    name: names.get(i).map(|n| (*n).to_owned()),
                    label,
                    a: x,
                    b: y,
                });
            }
        }
    }
    if differences.is_empty() {
        Ok(a.clone())
    } else {
        Err(Mismatch::Differ(differences))
    }
}

/// A candidate's line of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The candidate's number on the ballot.
    pub number: u32,
    pub votes: Votes,
    /// More than the pass share of the valid ballots voted 赞成.
    pub passed: bool,
    /// 赞成 in the latest re-vote among candidates tied at the cut-off, if it took part in one.
    pub revote: Option<u32>,
    /// 1, 2 … when chosen (入选); equal votes share a rank.
    pub rank: Option<u32>,
}

/// Candidates tied at the cut-off: the same 赞成 (in the round that tied them), more of them than places left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tie {
    pub numbers: Vec<u32>,
    pub approve: u32,
    pub places_left: u32,
}

/// The result of a vote: a line per candidate in ballot order, and the tie that keeps it open, if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub places: u32,
    pub pass_share: Fraction,
    pub valid: u32,
    pub lines: Vec<Line>,
    pub tie: Option<Tie>,
}

/// The result of an agreed tally: a candidate passes with 赞成 more than `pass_share` of the valid ballots
/// (exactly half is not a majority); the passing ones are chosen by 赞成, most first, up to the places. A tie for
/// the last places is left open (see the module's notes).
pub fn outcome(
    ballot: &Ballot,
    tally: &Tally,
    pass_share: Fraction,
) -> Result<Outcome, FieldErrors> {
    tally.check(ballot)?;
    let lines: Vec<Line> = ballot
        .candidates
        .iter()
        .zip(&tally.rows)
        .map(|(c, votes)| Line {
            number: c.number,
            votes: *votes,
            passed: pass_share.exceeded_by(u64::from(votes.approve), u64::from(tally.valid)),
            revote: None,
            rank: None,
        })
        .collect();
    let mut result = Outcome {
        places: ballot.places,
        pass_share,
        valid: tally.valid,
        lines,
        tie: None,
    };
    let contenders: Vec<(u32, u32)> = result
        .lines
        .iter()
        .filter(|l| l.passed)
        .map(|l| (l.number, l.votes.approve))
        .collect();
    result.choose(contenders, ballot.places);
    Ok(result)
}

impl Outcome {
    /// Chooses up to `places` of `contenders` (number, votes), most votes first, ranking them after the ones
    /// already chosen; a tie at the cut-off is recorded, not broken.
    fn choose(&mut self, mut contenders: Vec<(u32, u32)>, places: u32) {
        contenders.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let places = places as usize;
        let (chosen, tie) = match (
            contenders.get(places.wrapping_sub(1)),
            contenders.get(places),
        ) {
            (Some(last), Some(next)) if places > 0 && last.1 == next.1 => {
                let cut = last.1;
                let clear: Vec<(u32, u32)> =
                    contenders.iter().copied().filter(|c| c.1 > cut).collect();
                let tie = Tie {
                    numbers: {
                        let mut tied: Vec<u32> = contenders
                            .iter()
                            .filter(|c| c.1 == cut)
                            .map(|c| c.0)
                            .collect();
                        tied.sort_unstable();
                        tied
                    },
                    approve: cut,
                    places_left: (places - clear.len()) as u32,
                };
                (clear, Some(tie))
            }
            _ => (contenders.into_iter().take(places).collect(), None),
        };
        let before = self.lines.iter().filter(|l| l.rank.is_some()).count() as u32;
        for &(number, votes) in &chosen {
            let above = chosen.iter().filter(|c| c.1 > votes).count() as u32;
            if let Some(line) = self.lines.iter_mut().find(|l| l.number == number) {
                line.rank = Some(before + above + 1);
            }
        }
        self.tie = tie;
    }

    /// The rank of candidate `number` if chosen: `priority::Factors::deputies_vote_rank`.
    pub fn rank_of(&self, number: u32) -> Option<u32> {
        self.lines
            .iter()
            .find(|l| l.number == number)
            .and_then(|l| l.rank)
    }

    /// The chosen candidates' lines, by rank (then number).
    pub fn chosen(&self) -> Vec<&Line> {
        let mut chosen: Vec<&Line> = self.lines.iter().filter(|l| l.rank.is_some()).collect();
        chosen.sort_by_key(|l| (l.rank, l.number));
        chosen
    }

    /// Whether the result may be published: refused, with the candidates named, while a tie is open.
    pub fn settled(&self) -> Result<(), String> {
        match &self.tie {
            None => Ok(()),
            Some(tie) => {
                let numbers: Vec<String> = tie.numbers.iter().map(ToString::to_string).collect();
                Err(format!(
                    "第 {} 号候选项目赞成票相同（各 {} 票），争最后 {} 个名额；系统不代为决定，须就这 {} 个项目再次投票，以得票多者入选",
                    numbers.join("、"),
                    tie.approve,
                    tie.places_left,
                    tie.numbers.len()
                ))
            }
        }
    }

    /// The re-vote's ballot while a tie is open: the tied candidates (keeping their numbers, in number order) for
    /// the places left.
    pub fn revote_ballot(&self, ballot: &Ballot) -> Option<Ballot> {
        let tie = self.tie.as_ref()?;
        Some(Ballot {
            places: tie.places_left,
            candidates: ballot
                .candidates
                .iter()
                .filter(|c| tie.numbers.contains(&c.number))
                .cloned()
                .collect(),
        })
    }

    /// The result after a re-vote on the tied candidates (`tally` counts the [re-vote's ballot](Self::revote_ballot),
    /// a row per tied candidate in number order): they already passed the bar, so the most 赞成 win the places
    /// left, ranked after the ones chosen before. A tie again stays open for another re-vote.
    pub fn revote(&self, ballot: &Ballot, tally: &Tally) -> Result<Outcome, FieldErrors> {
        let Some(sheet) = self.revote_ballot(ballot) else {
            return Err(FieldErrors::single(
                "rows",
                "没有票数相同需要再次投票的候选项目",
            ));
        };
        tally.check(&sheet)?;
        let mut next = self.clone();
        let contenders: Vec<(u32, u32)> = sheet
            .candidates
            .iter()
            .zip(&tally.rows)
            .map(|(c, votes)| (c.number, votes.approve))
            .collect();
        for &(number, votes) in &contenders {
            if let Some(line) = next.lines.iter_mut().find(|l| l.number == number) {
                line.revote = Some(votes);
            }
        }
        next.choose(contenders, sheet.places);
        Ok(next)
    }
}

/// The meeting that voted: "仁寿县第十八届人民代表大会第六次会议", its day, and the year of the projects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    pub name: String,
    pub held_on: NaiveDate,
    pub year: i32,
}

/// What the result's notice says: the title, body paragraphs and the table (the notice document's `title`,
/// `body`, `table_headers` and `table_rows`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeText {
    pub title: String,
    pub body: Vec<String>,
    pub table_headers: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
}

/// The result as a public notice: how the vote went, then a row per candidate — the chosen by rank, then the
/// others by 赞成 — with 序号, 项目名称, 所在镇（街道）, 总投资（万元）, 赞成, 反对, 弃权 and 入选/未入选. `tally` is the
/// agreed tally of the first round. Refused while a tie is open.
pub fn notice_text(
    ballot: &Ballot,
    tally: &Tally,
    outcome: &Outcome,
    meeting: &Meeting,
) -> Result<NoticeText, String> {
    outcome.settled()?;
    let candidate = |number: u32| {
        ballot
            .candidates
            .iter()
            .find(|c| c.number == number)
            .ok_or_else(|| format!("票决结果中的第 {number} 号候选项目不在选票上"))
    };
    let mut order: Vec<&Line> = outcome.chosen();
    let mut others: Vec<&Line> = outcome.lines.iter().filter(|l| l.rank.is_none()).collect();
    others.sort_by(|x, y| {
        y.votes
            .approve
            .cmp(&x.votes.approve)
            .then(x.number.cmp(&y.number))
    });
    order.extend(others);
    let mut table_rows = Vec::with_capacity(order.len());
    for (i, line) in order.iter().enumerate() {
        let c = candidate(line.number)?;
        table_rows.push(vec![
            (i + 1).to_string(),
            c.project.name.clone(),
            c.project.town.clone(),
            jiugai_document::money::wan_figures(c.project.investment_fen),
            line.votes.approve.to_string(),
            line.votes.oppose.to_string(),
            line.votes.abstain.to_string(),
            if line.rank.is_some() {
                "入选"
            } else {
                "未入选"
            }
            .to_owned(),
        ]);
    }
    let chosen = outcome.chosen().len();
    let mut body = vec![format!(
        "{}，{}对{}年度城镇老旧小区改造民生实事候选项目进行了票决。本次票决候选项目 {} 个，名额 {} 个；发出选票 {} 张，收回 {} 张，其中有效票 {} 张、无效票 {} 张。",
        date_zh(meeting.held_on),
        meeting.name,
        meeting.year,
        ballot.candidates.len(),
        ballot.places,
        tally.issued,
        tally.returned,
        tally.valid,
        tally.invalid
    )];
    let vacant = (outcome.places as usize).saturating_sub(chosen);
    body.push(format!(
        "按照票决办法，候选项目获得的赞成票超过有效票的{}方可入选，并按赞成票多少确定入选项目。共有 {chosen} 个项目入选{}。",
        outcome.pass_share.bar_words(),
        if vacant > 0 {
            format!("，{vacant} 个名额空缺")
        } else {
            String::new()
        }
    ));
    let revoted: Vec<String> = outcome
        .lines
        .iter()
        .filter(|l| l.revote.is_some())
        .map(|l| l.number.to_string())
        .collect();
    if !revoted.is_empty() {
        body.push(format!(
            "第 {} 号候选项目赞成票相同，经就其再次投票，按再次投票的得票多少确定入选项目。",
            revoted.join("、")
        ));
    }
    body.push("现将票决结果公示如下：".to_owned());
    Ok(NoticeText {
        title: format!(
            "关于{}年度城镇老旧小区改造民生实事项目人大代表票决结果的公示",
            meeting.year
        ),
        body,
        table_headers: [
            "序号",
            "项目名称",
            "所在镇（街道）",
            "总投资（万元）",
            "赞成",
            "反对",
            "弃权",
            "结果",
        ]
        .map(str::to_owned)
        .to_vec(),
        table_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{MAX_PLACES, VotePolicy};

    fn eligible(n: usize) -> Vec<Eligible> {
        (1..=n)
            .map(|i| Eligible {
                code: format!("RS-{i:04}"),
                name: format!("项目{i}"),
                town: "文林街道".into(),
                households: 100,
                investment_fen: 100_000_000 * i as i64,
                description: "屋面防水、雨污分流".into(),
                priority: 100.0 - i as f64,
            })
            .collect()
    }

    fn ballot(places: u32, n: usize) -> Ballot {
        Ballot {
            places,
            candidates: eligible(n)
                .into_iter()
                .zip(1..)
                .map(|(project, number)| Candidate { number, project })
                .collect(),
        }
    }

    /// A sound tally of `valid` ballots (all returned and valid, none invalid) with these 赞成 per row; the rest
    /// oppose, none abstain.
    fn tally(valid: u32, approve: &[u32]) -> Tally {
        Tally {
            issued: valid,
            returned: valid,
            valid,
            invalid: 0,
            rows: approve
                .iter()
                .map(|&a| Votes {
                    approve: a,
                    oppose: valid - a,
                    abstain: 0,
                })
                .collect(),
        }
    }

    fn fields(errors: &FieldErrors) -> Vec<&str> {
        errors.0.keys().map(String::as_str).collect()
    }

    #[test]
    fn candidates_exceed_the_places_by_the_margin_rounded_up() {
        let m = Fraction([3, 10]);
        assert_eq!(candidate_count(10, m), Ok(13));
        assert_eq!(candidate_count(7, m), Ok(10), "⌈9.1⌉");
        // 3/10 of 1 place is 0.3: rounded up to one more, never none.
        assert_eq!(candidate_count(1, m), Ok(2));
        assert_eq!(
            candidate_count(20, m),
            Ok(26),
            "exactly 6 more: no rounding"
        );
        assert_eq!(candidate_count(10, Fraction([1, 100])), Ok(11));
        assert_eq!(candidate_count(4, Fraction([1, 1])), Ok(8));
        assert!(candidate_count(0, m).is_err());
        assert!(candidate_count(10, Fraction([0, 10])).is_err());
    }

    #[test]
    fn the_highest_priorities_are_proposed_and_too_few_are_refused() {
        let mut ranked = eligible(15);
        ranked.reverse(); // Highest priority last: the function ranks them itself.
        let chosen = candidates(&ranked, 10, Fraction([3, 10])).unwrap();
        assert_eq!(chosen.len(), 13);
        assert_eq!(chosen[0].number, 1);
        assert_eq!(chosen[0].project.code, "RS-0001");
        assert_eq!(chosen[12].number, 13);
        assert_eq!(chosen[12].project.code, "RS-0013");
        assert!(candidates(&eligible(13), 10, Fraction([3, 10])).is_ok());
        let short = candidates(&eligible(12), 10, Fraction([3, 10])).unwrap_err();
        assert!(
            short.contains("13 个") && short.contains("只有 12 个"),
            "{short}"
        );
        let mut twice = eligible(14);
        twice[5].code = "RS-0001".into();
        assert!(
            candidates(&twice, 10, Fraction([3, 10]))
                .unwrap_err()
                .contains("重复")
        );
    }

    #[test]
    fn a_sound_tally_passes_and_each_fault_is_named_by_its_field() {
        let b = ballot(2, 4);
        assert_eq!(tally(50, &[30, 40, 20, 10]).check(&b), Ok(()));
        let mut t = tally(50, &[30, 40, 20, 10]);
        t.returned = 51; // More returned than issued; valid + invalid no longer equal returned.
        t.rows[3].abstain = 1; // Row 4 adds up to 51.
        let errors = t.check(&b).unwrap_err();
        assert_eq!(fields(&errors), ["returned", "rows[3].abstain", "valid"]);
        assert!(
            errors.0["rows[3].abstain"][0].contains(
                "第 4 行（项目4）：赞成 10 + 反对 40 + 弃权 1 = 51 张，应等于有效票 50 张"
            ),
            "{errors}"
        );
        // 赞成 in all rows at most valid × places: 50 × 2 = 100.
        assert_eq!(tally(50, &[50, 50, 0, 0]).check(&b), Ok(()));
        let over = tally(50, &[50, 50, 1, 0]).check(&b).unwrap_err();
        assert_eq!(fields(&over), ["rows"]);
        assert!(over.0["rows"][0].contains("101"), "{over}");
        let mut none = tally(0, &[0, 0, 0, 0]);
        none.issued = 0;
        assert_eq!(fields(&none.check(&b).unwrap_err()), ["issued"]);
        let short = tally(50, &[1, 2, 3]).check(&b).unwrap_err();
        assert_eq!(fields(&short), ["rows"]);
    }

    #[test]
    fn a_form_reads_whole_ballots_and_names_a_negative_or_missing_one() {
        let b = ballot(1, 2);
        let form = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Tally::parse(&b, |name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or("", |(_, v)| v.as_str())
            })
        };
        let good = [
            ("issued", "60"),
            ("returned", " 58 "),
            ("valid", "57"),
            ("invalid", "1"),
            ("rows[0].approve", "40"),
            ("rows[0].oppose", "10"),
            ("rows[0].abstain", "7"),
            ("rows[1].approve", "17"),
            ("rows[1].oppose", "30"),
            ("rows[1].abstain", "10"),
        ];
        let t = form(&good).unwrap();
        assert_eq!((t.returned, t.rows[1].abstain), (58, 10));
        let mut bad = good;
        bad[3].1 = "-1";
        bad[5].1 = "十";
        bad[9].1 = "";
        let errors = form(&bad).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["invalid", "rows[0].oppose", "rows[1].abstain"]
        );
        assert_eq!(errors.0["invalid"], ["不能为负数"]);
        assert_eq!(errors.0["rows[1].abstain"], ["必填"]);
        // Each figure reads, but they do not add up: checked as a tally.
        let mut unsound = good;
        unsound[5].1 = "11";
        assert_eq!(fields(&form(&unsound).unwrap_err()), ["rows[0].abstain"]);
    }

    #[test]
    fn equal_tallies_reconcile_and_every_difference_is_named_in_order() {
        let b = ballot(3, 4);
        let a = tally(50, &[30, 40, 20, 10]);
        assert_eq!(reconcile(&b, &a, &a.clone()), Ok(a.clone()));

        // One row differs: 赞成 20 against 21 (and so 反对 by one).
        let mut one = a.clone();
        one.rows[2] = Votes {
            approve: 21,
            oppose: 29,
            abstain: 0,
        };
        let Err(Mismatch::Differ(d)) = reconcile(&b, &a, &one) else {
            panic!("they differ")
        };
        let said: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "第 3 行（项目3）赞成：甲 20，乙 21",
                "第 3 行（项目3）反对：甲 30，乙 29"
            ]
        );
        assert_eq!(d[0].field, "rows[2].approve");

        // A header figure differs: one more ballot issued.
        let mut issued = a.clone();
        issued.issued = 51;
        let Err(Mismatch::Differ(d)) = reconcile(&b, &a, &issued) else {
            panic!("they differ")
        };
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to_string(), "发出选票：甲 50，乙 51");
        assert_eq!(d[0].field, "issued");

        // Several rows and the header: the header first, then the rows in order.
        let mut many = a.clone();
        many.issued = 52;
        many.rows[3] = Votes {
            approve: 10,
            oppose: 39,
            abstain: 1,
        };
        many.rows[0] = Votes {
            approve: 31,
            oppose: 19,
            abstain: 0,
        };
        let Err(Mismatch::Differ(d)) = reconcile(&b, &many, &a) else {
            panic!("they differ")
        };
        let at: Vec<&str> = d.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            at,
            [
                "issued",
                "rows[0].approve",
                "rows[0].oppose",
                "rows[3].oppose",
                "rows[3].abstain"
            ]
        );
        assert_eq!(d[1].to_string(), "第 1 行（项目1）赞成：甲 31，乙 30");
    }

    #[test]
    fn a_tally_that_does_not_add_up_is_refused_even_when_both_agree() {
        let b = ballot(2, 4);
        let mut bad = tally(50, &[30, 40, 20, 10]);
        bad.returned = 60;
        let Err(Mismatch::Unsound(faults)) = reconcile(&b, &bad, &bad.clone()) else {
            panic!("unsound")
        };
        assert_eq!(
            faults.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            [Counter::A, Counter::B]
        );
        let good = tally(50, &[30, 40, 20, 10]);
        let unsound = reconcile(&b, &good, &bad).unwrap_err();
        let messages = unsound.messages();
        assert!(
            messages.iter().all(|m| m.starts_with("计票人乙：")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("收回的选票（60 张）多于发出的选票（50 张）"))
        );
    }

    #[test]
    fn exactly_half_is_not_a_majority_and_one_more_is() {
        let b = ballot(3, 4);
        let result = outcome(&b, &tally(100, &[50, 51, 100, 0]), Fraction([1, 2])).unwrap();
        let passed: Vec<bool> = result.lines.iter().map(|l| l.passed).collect();
        assert_eq!(passed, [false, true, true, false]);
        assert_eq!(result.rank_of(3), Some(1));
        assert_eq!(result.rank_of(2), Some(2));
        assert_eq!(result.rank_of(1), None, "50 of 100 is not more than half");
        assert_eq!(result.settled(), Ok(()));
        // An odd number of ballots: 51 of 101 is more than half, 50 is not.
        let odd = outcome(&b, &tally(101, &[50, 51, 0, 0]), Fraction([1, 2])).unwrap();
        assert_eq!(odd.rank_of(1), None);
        assert_eq!(odd.rank_of(2), Some(1));
        // A stricter bar: two thirds of 90 is 60, which is not more than two thirds.
        let strict = outcome(&b, &tally(90, &[60, 61, 0, 0]), Fraction([2, 3])).unwrap();
        assert_eq!((strict.rank_of(1), strict.rank_of(2)), (None, Some(1)));
    }

    #[test]
    fn the_most_approved_are_chosen_up_to_the_places_and_equal_votes_share_a_rank() {
        let b = ballot(3, 5);
        let result = outcome(&b, &tally(100, &[52, 70, 70, 0, 60]), Fraction([1, 2])).unwrap();
        let ranks: Vec<Option<u32>> = result.lines.iter().map(|l| l.rank).collect();
        // 2 and 3 tie above the cut-off: both rank 1; 5 is third; 1 passes but finds no place.
        assert_eq!(ranks, [None, Some(1), Some(1), None, Some(3)]);
        assert_eq!(
            result.chosen().iter().map(|l| l.number).collect::<Vec<_>>(),
            [2, 3, 5]
        );
        assert_eq!(result.tie, None);
    }

    #[test]
    fn a_tie_at_the_cut_off_is_left_to_a_revote_by_the_deputies() {
        let b = ballot(3, 5);
        // 1 is clear; 2, 4 and 5 tie at 60 for the last two places; 3 fails.
        let votes = tally(100, &[80, 60, 10, 60, 60]);
        let first = outcome(&b, &votes, Fraction([1, 2])).unwrap();
        assert_eq!(
            first.tie,
            Some(Tie {
                numbers: vec![2, 4, 5],
                approve: 60,
                places_left: 2
            })
        );
        assert_eq!(first.rank_of(1), Some(1));
        assert_eq!(
            first.rank_of(2),
            None,
            "nobody tied is chosen by the system"
        );
        let refused = first.settled().unwrap_err();
        assert!(
            refused.contains("第 2、4、5 号") && refused.contains("再次投票"),
            "{refused}"
        );
        let meeting = Meeting {
            name: "仁寿县第十八届人民代表大会第六次会议".into(),
            held_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            year: 2026,
        };
        assert!(notice_text(&b, &votes, &first, &meeting).is_err());

        // The re-vote's ballot holds the three for two places; 5 and 2 win it.
        let sheet = first.revote_ballot(&b).unwrap();
        assert_eq!(sheet.places, 2);
        assert_eq!(
            sheet
                .candidates
                .iter()
                .map(|c| c.number)
                .collect::<Vec<_>>(),
            [2, 4, 5]
        );
        let settled = first.revote(&b, &tally(99, &[60, 30, 70])).unwrap();
        assert_eq!(settled.tie, None);
        let ranks: Vec<Option<u32>> = settled.lines.iter().map(|l| l.rank).collect();
        assert_eq!(ranks, [Some(1), Some(3), None, None, Some(2)]);
        assert_eq!(settled.lines[4].revote, Some(70));

        // A re-vote that ties again stays open: all three again, or two of them for the one place left.
        let again = first.revote(&b, &tally(99, &[33, 33, 33])).unwrap();
        assert_eq!(
            again.tie,
            Some(Tie {
                numbers: vec![2, 4, 5],
                approve: 33,
                places_left: 2
            })
        );
        let again = first.revote(&b, &tally(99, &[70, 50, 50])).unwrap();
        assert_eq!(again.rank_of(2), Some(2));
        assert_eq!(
            again.tie,
            Some(Tie {
                numbers: vec![4, 5],
                approve: 50,
                places_left: 1
            })
        );
        let last = again.revote(&b, &tally(98, &[40, 58])).unwrap();
        assert_eq!((last.rank_of(4), last.rank_of(5)), (None, Some(3)));
        // A re-vote's tally is checked against its own ballot: three rows, two places.
        assert!(first.revote(&b, &tally(99, &[60, 30])).is_err());
        assert!(first.revote(&b, &tally(10, &[10, 10, 10])).is_err());
        assert!(last.revote(&b, &tally(10, &[1])).is_err(), "no tie left");
    }

    #[test]
    fn too_few_passing_leaves_places_vacant() {
        let b = ballot(3, 4);
        let t = tally(100, &[80, 30, 30, 40]);
        let result = outcome(&b, &t, Fraction([1, 2])).unwrap();
        assert_eq!(result.chosen().len(), 1);
        assert_eq!(result.tie, None, "no tie among the failing ones matters");
        let meeting = Meeting {
            name: "县人大常委会第二十次会议".into(),
            held_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            year: 2026,
        };
        let text = notice_text(&b, &t, &result, &meeting).unwrap();
        assert!(
            text.body[1].contains("共有 1 个项目入选，2 个名额空缺"),
            "{:?}",
            text.body
        );
    }

    #[test]
    fn the_notice_lists_the_chosen_by_rank_then_the_others() {
        let b = ballot(2, 3);
        let mut t = tally(200, &[150, 180, 60]);
        t.issued = 205;
        t.returned = 203;
        t.invalid = 3;
        let result = outcome(&b, &t, Fraction([1, 2])).unwrap();
        let meeting = Meeting {
            name: "仁寿县第十八届人民代表大会第六次会议".into(),
            held_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            year: 2026,
        };
        let text = notice_text(&b, &t, &result, &meeting).unwrap();
        assert_eq!(
            text.title,
            "关于2026年度城镇老旧小区改造民生实事项目人大代表票决结果的公示"
        );
        assert_eq!(
            text.body[0],
            "2026年1月10日，仁寿县第十八届人民代表大会第六次会议对2026年度城镇老旧小区改造民生实事候选项目进行了票决。本次票决候选项目 3 个，名额 2 个；发出选票 205 张，收回 203 张，其中有效票 200 张、无效票 3 张。"
        );
        assert!(
            text.body[1].contains("超过有效票的半数"),
            "{}",
            text.body[1]
        );
        assert_eq!(text.table_headers.len(), 8);
        assert_eq!(
            text.table_rows,
            [
                ["1", "项目2", "文林街道", "200.00", "180", "20", "0", "入选"],
                ["2", "项目1", "文林街道", "100.00", "150", "50", "0", "入选"],
                [
                    "3",
                    "项目3",
                    "文林街道",
                    "300.00",
                    "60",
                    "140",
                    "0",
                    "未入选"
                ],
            ]
        );
    }

    #[test]
    fn the_satisfaction_vote_is_counted_like_the_vote_and_rated_exactly() {
        let r = |s, f, d, a| Ratings {
            satisfied: s,
            fairly_satisfied: f,
            dissatisfied: d,
            abstain: a,
        };
        // (150 + 37) / (205 − 5) = 187/200 = 93.5 %.
        let row = r(150, 37, 13, 5);
        assert_eq!(row.rate(), Some(Fraction([187, 200])));
        assert_eq!(row.rate_text(), "93.5%");
        assert_eq!(r(0, 0, 10, 2).rate_text(), "0.0%");
        assert_eq!(r(3, 2, 0, 9).rate_text(), "100.0%");
        assert_eq!(r(0, 0, 0, 9).rate(), None, "all abstained");
        assert_eq!(r(0, 0, 0, 9).rate_text(), "—");
        // Floored, never rounded up to a bar it did not reach: 899/1000 + a hair reads 89.9 %.
        assert_eq!(r(8_999, 0, 1_001, 0).rate_text(), "89.9%");
        assert_eq!(r(2, 0, 1, 0).rate_text(), "66.6%");

        let review = Review {
            projects: ballot(2, 2).candidates,
        };
        let mut t = Tally {
            issued: 210,
            returned: 206,
            valid: 205,
            invalid: 1,
            rows: vec![row, r(100, 50, 50, 5)],
        };
        assert_eq!(t.check(&review), Ok(()));
        t.rows[1].abstain = 4;
        let errors = t.check(&review).unwrap_err();
        assert_eq!(fields(&errors), ["rows[1].abstain"]);
        assert!(
            errors.0["rows[1].abstain"][0]
                .contains("满意 100 + 基本满意 50 + 不满意 50 + 弃权 4 = 204 张"),
            "{errors}"
        );
        let mut other = t.clone();
        t.rows[1].abstain = 5;
        other.rows[1] = r(101, 49, 50, 5);
        let Err(Mismatch::Differ(d)) = reconcile(&review, &t, &other) else {
            panic!("they differ")
        };
        assert_eq!(d[0].to_string(), "第 2 行（项目2）满意：甲 100，乙 101");
        assert_eq!(d[1].to_string(), "第 2 行（项目2）基本满意：甲 50，乙 49");
    }

    #[test]
    fn the_renshou_policy_sets_the_vote_and_the_choice_and_an_older_file_loads_the_defaults() {
        use crate::domain::policy::Policy;
        let text = include_str!("../../fixtures/renshou/policy.toml");
        let p = Policy::from_toml(text).unwrap();
        assert_eq!(
            p.vote,
            VotePolicy {
                places: 10,
                margin: Fraction([3, 10]),
                pass_share: Fraction([1, 2])
            }
        );
        assert_eq!(candidate_count(p.vote.places, p.vote.margin), Ok(13));
        assert_eq!(p.choice.turnout, Fraction([1, 3]));
        let view = p.settings_view(&crate::domain::catalog::Catalog {
            classes: vec![],
            items: vec![],
        });
        assert_eq!(
            view["vote"],
            "名额 10 个，候选项目多出名额的 3/10（向上取整），赞成超过有效票的半数方可入选"
        );
        assert_eq!(
            view["choice"],
            "参与户数不少于总户数的三分之一，赞成超过参与户数的半数方可纳入"
        );
        // A policy file written before these sections existed still loads.
        let older: String = text
            .split("\n[")
            .filter(|section| !section.starts_with("vote]") && !section.starts_with("choice]"))
            .collect::<Vec<_>>()
            .join("\n[");
        assert!(!older.contains("pass_share"));
        let p = Policy::from_toml(&older).unwrap();
        assert_eq!(p.vote, VotePolicy::default());
        assert_eq!(p.choice, crate::domain::policy::ChoicePolicy::default());
        // A bad setting is refused by its field.
        let bad = text.replace("margin = [3, 10]", "margin = [0, 10]");
        assert!(Policy::from_toml(&bad).unwrap_err().contains("vote.margin"));
    }

    #[test]
    fn the_vote_policy_is_checked_by_its_fields() {
        use crate::domain::policy::Policy;
        let mut p = Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap();
        p.vote = VotePolicy {
            places: 0,
            margin: Fraction([0, 10]),
            pass_share: Fraction([2, 5]),
        };
        assert_eq!(
            fields(&p.check().unwrap_err()),
            ["vote.margin", "vote.pass_share", "vote.places"]
        );
        p.vote = VotePolicy {
            places: MAX_PLACES,
            margin: Fraction([11, 10]),
            pass_share: Fraction([1, 1]),
        };
        assert_eq!(
            fields(&p.check().unwrap_err()),
            ["vote.margin", "vote.pass_share"]
        );
        p.vote = VotePolicy {
            places: 1,
            margin: Fraction([1, 1]),
            pass_share: Fraction([2, 3]),
        };
        assert_eq!(p.check(), Ok(()));
    }
}
