//! Money received and paid (资金到位与拨付): funds received by source, payments to contractors by milestone, the
//! projects' final accounts, and reversing entries. One append-only ledger (`money_entries`, which the database
//! refuses to update or delete); every entry is written with its audit record in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession,
};
use serde::{Deserialize, Serialize};

use super::audit::{self, Actor, Change};
use super::entities::{money_entries, projects, work_order_reports};
use crate::domain::FieldErrors;
use crate::domain::money::{self, Facts, Payment, Payments};
use crate::domain::policy::Policy;
use crate::domain::time::{beijing_date, beijing_minute};
use crate::error::{Error, Result};

/// An amount, exact in fen and readable in yuan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Amount {
    pub fen: i64,
    pub yuan: f64,
}

impl From<i64> for Amount {
    fn from(fen: i64) -> Self {
        Amount {
            fen,
            yuan: crate::domain::cost::fen_to_yuan(fen),
        }
    }
}

/// The three kinds of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Receipt,
    Payment,
    FinalAccount,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Receipt => "receipt",
            Kind::Payment => "payment",
            Kind::FinalAccount => "final_account",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Receipt => "资金到位",
            Kind::Payment => "工程款支付",
            Kind::FinalAccount => "结算审计",
        }
    }

    fn parse(code: &str) -> Kind {
        match code {
            "payment" => Kind::Payment,
            "final_account" => Kind::FinalAccount,
            _ => Kind::Receipt,
        }
    }
}

/// One entry as the bureau reads it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i32,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub year: i32,
    pub source: Option<String>,
    pub source_name: Option<String>,
    pub project: Option<String>,
    pub milestone: Option<String>,
    pub milestone_name: Option<String>,
    pub amount: Amount,
    /// The day the money moved (or the audit report's date).
    pub on: NaiveDate,
    pub document_no: Option<String>,
    pub note: Option<String>,
    /// The override's reason, or the correction's on a reversing entry.
    pub reason: Option<String>,
    pub overridden: bool,
    /// The entry this one reverses.
    pub reverses: Option<i32>,
    /// The entry that reversed this one.
    pub reversed_by: Option<i32>,
    pub recorded_by: String,
    /// Who recorded it, as people read it (the account's name, 系统 for the service).
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_at_text: String,
}

/// Names of what entries refer to, to show them.
struct Names {
    sources: HashMap<String, String>,
    milestones: HashMap<String, String>,
    projects: HashMap<i32, String>,
    people: audit::Names,
}

impl Names {
    async fn load(
        db: &impl ConnectionTrait,
        policy: &Policy,
        projects: &[projects::Model],
    ) -> Result<Names> {
        Ok(Names {
            sources: policy
                .funding
                .sources
                .iter()
                .map(|s| (s.code.clone(), s.name.clone()))
                .collect(),
            milestones: policy
                .payments
                .milestones
                .iter()
                .map(|m| (m.code.clone(), m.name.clone()))
                .collect(),
            projects: projects.iter().map(|p| (p.id, p.code.clone())).collect(),
            people: audit::Names::load(db).await?,
        })
    }

    fn view(&self, row: &money_entries::Model, reversed_by: Option<i32>) -> EntryView {
        let kind = Kind::parse(&row.kind);
        EntryView {
            id: row.id,
            kind: kind.code(),
            kind_label: kind.label(),
            year: row.year,
            source_name: row.source.as_ref().map(|code| {
                self.sources
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| format!("已停用的资金来源（{code}）"))
            }),
            source: row.source.clone(),
            project: row
                .project_id
                .and_then(|id| self.projects.get(&id).cloned()),
            milestone_name: row.milestone.as_ref().map(|code| {
                self.milestones
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| format!("已停用的支付节点（{code}）"))
            }),
            milestone: row.milestone.clone(),
            amount: row.amount_fen.into(),
            on: row.occurred_on,
            document_no: row.document_no.clone(),
            note: row.note.clone(),
            reason: row.reason.clone(),
            overridden: row.overridden,
            reverses: row.reverses_id,
            reversed_by,
            recorded_by_name: self.people.person(&row.recorded_by),
            recorded_by: row.recorded_by.clone(),
            recorded_at: row.recorded_at,
            recorded_at_text: beijing_minute(row.recorded_at),
        }
    }

    /// Views of `rows`, each knowing the entry that reversed it (among `rows`).
    fn views(&self, rows: &[money_entries::Model]) -> Vec<EntryView> {
        let reversed: HashMap<i32, i32> = rows
            .iter()
            .filter_map(|r| r.reverses_id.map(|of| (of, r.id)))
            .collect();
        rows.iter()
            .map(|r| self.view(r, reversed.get(&r.id).copied()))
            .collect()
    }
}

/// Funds received (到位资金), as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    pub source: String,
    /// The batch year the funds are for; the receipt's year when absent.
    #[serde(default)]
    pub year: Option<i32>,
    pub amount_yuan: f64,
    pub received_on: String,
    /// The allocating document's number (文号), e.g. 川财建〔2021〕45号.
    pub document_no: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A payment to a project's contractor, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub milestone: String,
    pub amount_yuan: f64,
    pub paid_on: String,
    /// The payment voucher's number (凭证号).
    #[serde(default)]
    pub document_no: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Why the payment goes past a rule (before its milestone, beyond its share or the contract).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// A project's audited final account (结算审计), as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalAccountInput {
    pub amount_yuan: f64,
    pub audited_on: String,
    /// The audit report's number (审计报告文号).
    pub document_no: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Why the account goes past a rule (before completion, above the contract, below what was paid).
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReversalInput {
    pub reason: String,
}

/// Collects the problems of an input, each on its field.
#[derive(Default)]
struct Check(FieldErrors);

impl Check {
    fn amount(&mut self, yuan: f64) -> i64 {
        money::fen_of_yuan(yuan).unwrap_or_else(|e| {
            self.0.add("amount_yuan", e);
            0
        })
    }

    /// A date not after today (Beijing) nor before 2000.
    fn date(&mut self, field: &str, raw: &str, today: NaiveDate) -> NaiveDate {
        match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                self.0.add(field, format!("日期不能晚于今天（{today}）"));
                today
            }
            Ok(d) if d.year() < 2000 => {
                self.0.add(field, "日期须在 2000 年以后");
                today
            }
            Ok(d) => d,
            Err(_) => {
                self.0.add(field, "须为年-月-日格式的日期，如 2021-03-01");
                today
            }
        }
    }

    /// Text of at most `max` characters, trimmed; `None` when empty (an error when `required`).
    fn text(
        &mut self,
        field: &str,
        raw: Option<&str>,
        max: usize,
        required: bool,
    ) -> Option<String> {
        match crate::domain::text::field(raw.unwrap_or_default(), max) {
            Ok(None) if required => {
                self.0.add(field, "必填");
                None
            }
            Ok(value) => value,
            Err(message) => {
                self.0.add(field, message);
                None
            }
        }
    }

    fn done(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

async fn policy_of(db: &impl ConnectionTrait) -> Result<Policy> {
    Ok(super::catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no policy stored"))?)
}

async fn insert(
    txn: &impl ConnectionTrait,
    row: money_entries::ActiveModel,
) -> Result<money_entries::Model> {
    let id = money_entries::Entity::insert(row)
        .exec(txn)
        .await?
        .last_insert_id;
    Ok(money_entries::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("money entry {id} vanished"))?)
}

/// Records funds received.
pub async fn receive(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &ReceiptInput,
) -> Result<EntryView> {
    receive_at(db, actor, input, Utc::now()).await
}

/// [`receive`] at a given moment: the demo's receipts are recorded in their year.
pub async fn receive_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    input: &ReceiptInput,
    now: DateTime<Utc>,
) -> Result<EntryView> {
    let txn = super::begin_write(db).await?;
    let policy = policy_of(&txn).await?;
    let mut check = Check::default();
    let source = input.source.trim();
    if !policy.funding.sources.iter().any(|s| s.code == source) {
        let known: Vec<String> = policy
            .funding
            .sources
            .iter()
            .map(|s| format!("{}（{}）", s.code, s.name))
            .collect();
        check.0.add(
            "source",
            format!("不是本县的资金来源；可选：{}", known.join("、")),
        );
    }
    let amount_fen = check.amount(input.amount_yuan);
    let on = check.date("received_on", &input.received_on, beijing_date(now));
    let year = input.year.unwrap_or(on.year());
    if !(2000..=2100).contains(&year) {
        check.0.add("year", "年度须在 2000 至 2100 之间");
    }
    let document_no = check.text("document_no", Some(&input.document_no), 100, true);
    let note = check.text("note", input.note.as_deref(), 500, false);
    check.done()?;
    let row = insert(
        &txn,
        money_entries::ActiveModel {
            id: NotSet,
            kind: Set(Kind::Receipt.code().into()),
            year: Set(year),
            source: Set(Some(source.to_owned())),
            project_id: Set(None),
            milestone: Set(None),
            amount_fen: Set(amount_fen),
            occurred_on: Set(on),
            document_no: Set(document_no),
            note: Set(note),
            reason: Set(None),
            overridden: Set(false),
            reverses_id: Set(None),
            recorded_by: Set(actor.username.clone()),
            recorded_at: Set(now),
        },
    )
    .await?;
    let view = Names::load(&txn, &policy, &[]).await?.view(&row, None);
    audit::record_one(
        &txn,
        actor,
        Change::new("receive", "money", row.id.to_string()).after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// A project's payment milestone as the project page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MilestoneView {
    pub code: String,
    pub name: String,
    pub share: f64,
    pub condition: String,
    /// When its condition was met, if it has been.
    pub reached_on: Option<NaiveDate>,
    pub due: Amount,
    pub paid: Amount,
}

/// A project's money: its contract, final account, milestones and entries.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectMoney {
    pub project: String,
    pub year: i32,
    pub contract: Option<Amount>,
    /// The effective (not reversed) final account.
    pub final_account: Option<EntryView>,
    /// What the shares are of: the final account's amount, else the contract's.
    pub base: Option<Amount>,
    pub milestones: Vec<MilestoneView>,
    pub paid: Amount,
    /// The base less what was paid (negative: paid beyond the base).
    pub unpaid: Option<Amount>,
    /// Payments and final accounts, oldest first.
    pub entries: Vec<EntryView>,
}

/// What milestones wait for, from the project's reports (in Beijing days) and final account.
async fn facts(
    db: &impl ConnectionTrait,
    project_id: i32,
    final_account: Option<&money_entries::Model>,
) -> Result<Facts> {
    let reports = work_order_reports::Entity::find()
        .filter(work_order_reports::Column::ProjectId.eq(project_id))
        .order_by_asc(work_order_reports::Column::Id)
        .all(db)
        .await?;
    let mut facts = Facts {
        final_account_on: final_account.map(|f| f.occurred_on),
        ..Facts::default()
    };
    for r in &reports {
        let day = beijing_date(r.reported_at);
        match r.kind.as_str() {
            "acknowledged" => {
                facts.acknowledged_on = Some(facts.acknowledged_on.map_or(day, |d| d.min(day)));
            }
            "progress" => {
                if let Some(p) = r.percent {
                    facts.reports.push((day, p.clamp(0, 100) as u32));
                }
            }
            "completed" => {
                facts.completed_on = Some(facts.completed_on.map_or(day, |d| d.min(day)));
            }
            _ => {}
        }
    }
    Ok(facts)
}

/// The project's entries, oldest first.
async fn entries_of(
    db: &impl ConnectionTrait,
    project_id: i32,
) -> Result<Vec<money_entries::Model>> {
    Ok(money_entries::Entity::find()
        .filter(money_entries::Column::ProjectId.eq(project_id))
        .order_by_asc(money_entries::Column::Id)
        .all(db)
        .await?)
}

/// The final account in force: the newest one not reversed.
fn effective_final_account(rows: &[money_entries::Model]) -> Option<&money_entries::Model> {
    rows.iter()
        .filter(|r| r.kind == Kind::FinalAccount.code() && r.reverses_id.is_none())
        .rfind(|r| !rows.iter().any(|o| o.reverses_id == Some(r.id)))
}

/// What each milestone was paid, net of reversals, in the terms' order (payments against a milestone the terms
/// no longer have count toward the total only, in the last place).
fn paid_by_milestone(terms: &Payments, rows: &[money_entries::Model]) -> Vec<i64> {
    let mut paid = vec![0i64; terms.milestones.len()];
    for r in rows.iter().filter(|r| r.kind == Kind::Payment.code()) {
        let i = r
            .milestone
            .as_deref()
            .and_then(|m| terms.index_of(m))
            .unwrap_or(paid.len() - 1);
        paid[i] += r.amount_fen;
    }
    paid
}

fn project_money(
    policy: &Policy,
    names: &Names,
    project: &projects::Model,
    rows: &[money_entries::Model],
    facts: &Facts,
) -> ProjectMoney {
    let terms = &policy.payments;
    let views = names.views(rows);
    let final_account = effective_final_account(rows);
    let base = final_account
        .map(|f| f.amount_fen)
        .or(project.contract_amount_fen);
    let paid = paid_by_milestone(terms, rows);
    let dues = base.map(|b| terms.dues(b)).unwrap_or_default();
    let milestones = terms
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| MilestoneView {
            code: m.code.clone(),
            name: m.name.clone(),
            share: m.share,
            condition: terms.condition(m),
            reached_on: terms.reached_on(m, facts),
            due: dues.get(i).copied().unwrap_or(0).into(),
            paid: paid[i].into(),
        })
        .collect();
    let total: i64 = paid.iter().sum();
    ProjectMoney {
        project: project.code.clone(),
        year: project.year,
        contract: project.contract_amount_fen.map(Amount::from),
        final_account: final_account
            .and_then(|f| views.iter().find(|v| v.id == f.id))
            .cloned(),
        base: base.map(Amount::from),
        milestones,
        paid: total.into(),
        unpaid: base.map(|b| Amount::from(b - total)),
        entries: views,
    }
}

/// A project's money, for its page and the API.
pub async fn project(db: &impl ConnectionTrait, code: &str) -> Result<ProjectMoney> {
    let policy = policy_of(db).await?;
    let project = super::projects::find(db, code, None).await?;
    let rows = entries_of(db, project.id).await?;
    let facts = facts(db, project.id, effective_final_account(&rows)).await?;
    let names = Names::load(db, &policy, std::slice::from_ref(&project)).await?;
    Ok(project_money(&policy, &names, &project, &rows, &facts))
}

/// The rules' refusals, or the override's reason when one was given.
fn overridable(refusals: FieldErrors, override_reason: Option<String>) -> Result<Option<String>> {
    match override_reason {
        _ if refusals.is_empty() => Ok(None),
        Some(reason) => Ok(Some(reason)),
        None => {
            let mut errors = refusals;
            errors.add(
                "override_reason",
                "如确需越过上述规定，请填写理由（将记入审计日志）",
            );
            Err(Error::Invalid(errors))
        }
    }
}

/// Pays a project's contractor against a milestone.
pub async fn pay(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    input: &PaymentInput,
) -> Result<ProjectMoney> {
    pay_at(db, actor, code, input, Utc::now()).await
}

/// [`pay`] at a given moment.
pub async fn pay_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    code: &str,
    input: &PaymentInput,
    now: DateTime<Utc>,
) -> Result<ProjectMoney> {
    let txn = super::begin_write(db).await?;
    let policy = policy_of(&txn).await?;
    let project = super::projects::find(&txn, code, None).await?;
    super::lock_key(&txn, &format!("money:project:{}", project.id)).await?;
    let terms = &policy.payments;
    let mut check = Check::default();
    let milestone = terms.index_of(input.milestone.trim());
    if milestone.is_none() {
        let known: Vec<String> = terms
            .milestones
            .iter()
            .map(|m| format!("{}（{}）", m.code, m.name))
            .collect();
        check.0.add(
            "milestone",
            format!("不是支付节点；可选：{}", known.join("、")),
        );
    }
    let amount_fen = check.amount(input.amount_yuan);
    let on = check.date("paid_on", &input.paid_on, beijing_date(now));
    let document_no = check.text("document_no", input.document_no.as_deref(), 100, false);
    let note = check.text("note", input.note.as_deref(), 500, false);
    let override_reason = check.text(
        "override_reason",
        input.override_reason.as_deref(),
        500,
        false,
    );
    check.done()?;
    let Some(k) = milestone else {
        return Err(anyhow::anyhow!("milestone checked above").into());
    };
    let Some(contract) = project.contract_amount_fen else {
        return Err(Error::Conflict {
            field: None,
            message: format!("项目 {code} 尚未确定合同金额，不能支付工程款"),
        });
    };
    let rows = entries_of(&txn, project.id).await?;
    let final_account = effective_final_account(&rows);
    let facts = facts(&txn, project.id, final_account).await?;
    let paid = paid_by_milestone(terms, &rows);
    let mut refusals = FieldErrors::default();
    if let Err(why) = terms.ready(&terms.milestones[k], &facts, on) {
        refusals.add("milestone", why);
    }
    let payment = Payment {
        terms,
        base_fen: final_account.map_or(contract, |f| f.amount_fen),
        settled: final_account.is_some(),
        paid_fen: &paid,
        milestone: k,
        amount_fen,
    };
    for problem in payment.over() {
        refusals.add("amount_yuan", problem);
    }
    let entry = ProjectEntry {
        kind: Kind::Payment,
        milestone: Some(terms.milestones[k].code.clone()),
        amount_fen,
        on,
        document_no,
        note,
    };
    let view = record_project_entry(
        &txn,
        actor,
        &policy,
        &project,
        entry,
        refusals,
        override_reason,
        &facts,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// A project's new payment or final account, checked.
struct ProjectEntry {
    kind: Kind,
    milestone: Option<String>,
    amount_fen: i64,
    on: NaiveDate,
    document_no: Option<String>,
    note: Option<String>,
}

/// Writes a project's checked entry unless a rule refuses it without an override reason, audits it (with the
/// rules it went past), and gives the project's money as it now stands (`facts` as of after the entry).
#[allow(clippy::too_many_arguments)]
async fn record_project_entry(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    policy: &Policy,
    project: &projects::Model,
    entry: ProjectEntry,
    refusals: FieldErrors,
    override_reason: Option<String>,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Result<ProjectMoney> {
    let overridden: Vec<String> = refusals.0.values().flatten().cloned().collect();
    let reason = overridable(refusals, override_reason)?;
    let action = match entry.kind {
        Kind::Receipt => "receive",
        Kind::Payment => "pay",
        Kind::FinalAccount => "settle",
    };
    let row = insert(
        txn,
        money_entries::ActiveModel {
            id: NotSet,
            kind: Set(entry.kind.code().into()),
            year: Set(project.year),
            source: Set(None),
            project_id: Set(Some(project.id)),
            milestone: Set(entry.milestone),
            amount_fen: Set(entry.amount_fen),
            occurred_on: Set(entry.on),
            document_no: Set(entry.document_no),
            note: Set(entry.note),
            overridden: Set(reason.is_some()),
            reason: Set(reason),
            reverses_id: Set(None),
            recorded_by: Set(actor.username.clone()),
            recorded_at: Set(now),
        },
    )
    .await?;
    audited(txn, actor, policy, project, action, &row, &overridden).await?;
    let rows = entries_of(txn, project.id).await?;
    let names = Names::load(txn, policy, std::slice::from_ref(project)).await?;
    Ok(project_money(policy, &names, project, &rows, facts))
}

/// Writes the audit record of a new project entry; an override lists the rules it went past.
async fn audited(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    policy: &Policy,
    project: &projects::Model,
    action: &'static str,
    row: &money_entries::Model,
    overridden: &[String],
) -> Result<()> {
    let view = Names::load(txn, policy, std::slice::from_ref(project))
        .await?
        .view(row, None);
    let mut after = serde_json::to_value(&view).map_err(anyhow::Error::from)?;
    if !overridden.is_empty()
        && let Some(object) = after.as_object_mut()
    {
        object.insert("overridden_rules".into(), serde_json::json!(overridden));
    }
    audit::record_one(
        txn,
        actor,
        Change::new(action, "money", row.id.to_string()).after(after),
    )
    .await
}

/// Records a project's audited final account.
pub async fn settle(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    input: &FinalAccountInput,
) -> Result<ProjectMoney> {
    settle_at(db, actor, code, input, Utc::now()).await
}

/// [`settle`] at a given moment.
pub async fn settle_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    code: &str,
    input: &FinalAccountInput,
    now: DateTime<Utc>,
) -> Result<ProjectMoney> {
    let txn = super::begin_write(db).await?;
    let policy = policy_of(&txn).await?;
    let project = super::projects::find(&txn, code, None).await?;
    super::lock_key(&txn, &format!("money:project:{}", project.id)).await?;
    let mut check = Check::default();
    let amount_fen = check.amount(input.amount_yuan);
    let on = check.date("audited_on", &input.audited_on, beijing_date(now));
    let document_no = check.text("document_no", Some(&input.document_no), 100, true);
    let note = check.text("note", input.note.as_deref(), 500, false);
    let override_reason = check.text(
        "override_reason",
        input.override_reason.as_deref(),
        500,
        false,
    );
    check.done()?;
    let Some(contract) = project.contract_amount_fen else {
        return Err(Error::Conflict {
            field: None,
            message: format!("项目 {code} 尚未确定合同金额，不能记录结算审计"),
        });
    };
    let rows = entries_of(&txn, project.id).await?;
    if let Some(f) = effective_final_account(&rows) {
        return Err(Error::Conflict {
            field: None,
            message: format!(
                "项目 {code} 已有结算审计记录（{} 元，{}）；如需更正，请先冲销原记录",
                money::yuan(f.amount_fen),
                f.occurred_on
            ),
        });
    }
    let facts = facts(&txn, project.id, None).await?;
    let mut refusals = FieldErrors::default();
    match facts.completed_on {
        Some(done) if done <= on => {}
        Some(done) => refusals.add(
            "audited_on",
            format!("项目于 {done} 报告完工，结算审计日期不能在此之前"),
        ),
        None => refusals.add("audited_on", "项目尚未报告完工，不能记录结算审计"),
    }
    if amount_fen > contract {
        refusals.add(
            "amount_yuan",
            format!("结算审计金额超过合同金额 {} 元", money::yuan(contract)),
        );
    }
    let paid: i64 = paid_by_milestone(&policy.payments, &rows).iter().sum();
    if amount_fen < paid {
        refusals.add(
            "amount_yuan",
            format!("结算审计金额低于已支付的 {} 元", money::yuan(paid)),
        );
    }
    let entry = ProjectEntry {
        kind: Kind::FinalAccount,
        milestone: None,
        amount_fen,
        on,
        document_no,
        note,
    };
    let facts = Facts {
        final_account_on: Some(on),
        ..facts
    };
    let view = record_project_entry(
        &txn,
        actor,
        &policy,
        &project,
        entry,
        refusals,
        override_reason,
        &facts,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Reverses an entry (冲销): a new entry of the negated amount, with the reason. The entry's page is where the
/// caller goes next: the project's for payments and final accounts, the year's funds for receipts.
pub async fn reverse(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    input: &ReversalInput,
) -> Result<EntryView> {
    reverse_at(db, actor, id, input, Utc::now()).await
}

/// [`reverse`] at a given moment: the reversal is dated that day.
pub async fn reverse_at(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    id: i32,
    input: &ReversalInput,
    now: DateTime<Utc>,
) -> Result<EntryView> {
    let txn = super::begin_write(db).await?;
    let policy = policy_of(&txn).await?;
    let original = money_entries::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的资金记录")))?;
    if let Some(project_id) = original.project_id {
        super::lock_key(&txn, &format!("money:project:{project_id}")).await?;
    }
    let mut check = Check::default();
    let reason = check.text("reason", Some(&input.reason), 500, true);
    check.done()?;
    if original.reverses_id.is_some() {
        return Err(Error::Conflict {
            field: None,
            message: format!("第 {id} 号记录本身是冲销记录，不能再冲销；如需更正，请重新登记"),
        });
    }
    if let Some(by) = money_entries::Entity::find()
        .filter(money_entries::Column::ReversesId.eq(id))
        .one(&txn)
        .await?
    {
        return Err(Error::Conflict {
            field: None,
            message: format!("第 {id} 号记录已由第 {} 号记录冲销", by.id),
        });
    }
    let row = insert(
        &txn,
        money_entries::ActiveModel {
            id: NotSet,
            kind: Set(original.kind.clone()),
            year: Set(original.year),
            source: Set(original.source.clone()),
            project_id: Set(original.project_id),
            milestone: Set(original.milestone.clone()),
            amount_fen: Set(-original.amount_fen),
            occurred_on: Set(beijing_date(now)),
            document_no: Set(original.document_no.clone()),
            note: Set(None),
            reason: Set(reason),
            overridden: Set(false),
            reverses_id: Set(Some(id)),
            recorded_by: Set(actor.username.clone()),
            recorded_at: Set(now),
        },
    )
    .await?;
    let projects = match original.project_id {
        Some(pid) => projects::Entity::find_by_id(pid).all(&txn).await?,
        None => Vec::new(),
    };
    let names = Names::load(&txn, &policy, &projects).await?;
    let view = names.view(&row, None);
    audit::record_one(
        &txn,
        actor,
        Change::new("reverse", "money", id.to_string())
            .before(names.view(&original, None))
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// One source's money in a year.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFunds {
    pub code: String,
    pub name: String,
    /// What the year's projects' splits ask of it.
    pub planned: Amount,
    pub received: Amount,
}

/// A year's money: by source planned and received, and what was paid out.
#[derive(Debug, Clone, Serialize)]
pub struct FundsView {
    pub year: i32,
    pub sources: Vec<SourceFunds>,
    pub planned: Amount,
    pub received: Amount,
    pub paid: Amount,
    /// Receipts of the year, oldest first.
    pub entries: Vec<EntryView>,
}

/// The year's funds: the split of its projects' compounds by source, the receipts, and the payments.
pub async fn funds(db: &impl ConnectionTrait, year: i32) -> Result<FundsView> {
    let policy = policy_of(db).await?;
    let year_projects = projects::Entity::find()
        .filter(projects::Column::Year.eq(year))
        .all(db)
        .await?;
    let ids: Vec<i32> = year_projects.iter().map(|p| p.id).collect();
    let sites: Vec<_> = super::projects::sites(db, ids.clone())
        .await?
        .into_values()
        .flatten()
        .collect();
    let split = super::compounds::total_split(db, &sites).await?;
    let rows = money_entries::Entity::find()
        .filter(money_entries::Column::Year.eq(year))
        .order_by_asc(money_entries::Column::Id)
        .all(db)
        .await?;
    let receipts: Vec<money_entries::Model> = rows
        .iter()
        .filter(|r| r.kind == Kind::Receipt.code())
        .cloned()
        .collect();
    let mut received: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &receipts {
        *received
            .entry(r.source.as_deref().unwrap_or_default())
            .or_default() += r.amount_fen;
    }
    let planned_of = |code: &str| {
        split
            .shares
            .iter()
            .find(|s| s.source == code)
            .map_or(0, |s| s.amount_fen)
    };
    let mut sources: Vec<SourceFunds> = policy
        .funding
        .sources
        .iter()
        .map(|s| SourceFunds {
            code: s.code.clone(),
            name: s.name.clone(),
            planned: planned_of(&s.code).into(),
            received: received.get(s.code.as_str()).copied().unwrap_or(0).into(),
        })
        .collect();
    // Money once received from a source the policy has since dropped still counts.
    for (code, fen) in &received {
        if !sources.iter().any(|s| s.code == *code) {
            sources.push(SourceFunds {
                code: (*code).to_owned(),
                name: format!("已停用的资金来源（{code}）"),
                planned: 0.into(),
                received: (*fen).into(),
            });
        }
    }
    let paid: i64 = rows
        .iter()
        .filter(|r| r.kind == Kind::Payment.code())
        .map(|r| r.amount_fen)
        .sum();
    let names = Names::load(db, &policy, &year_projects).await?;
    Ok(FundsView {
        year,
        planned: sources.iter().map(|s| s.planned.fen).sum::<i64>().into(),
        received: received.values().sum::<i64>().into(),
        paid: paid.into(),
        sources,
        entries: names.views(&receipts),
    })
}

/// Every entry of a year, oldest first: what the monthly return and the API's ledger read.
pub async fn ledger(db: &impl ConnectionTrait, year: i32) -> Result<Vec<EntryView>> {
    let policy = policy_of(db).await?;
    let year_projects = projects::Entity::find()
        .filter(projects::Column::Year.eq(year))
        .all(db)
        .await?;
    let rows = money_entries::Entity::find()
        .filter(money_entries::Column::Year.eq(year))
        .order_by_asc(money_entries::Column::Id)
        .all(db)
        .await?;
    Ok(Names::load(db, &policy, &year_projects).await?.views(&rows))
}

/// The entry's project code, if it has one (where a reversal's page goes back to).
pub async fn project_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<String>> {
    let Some(row) = money_entries::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(match row.project_id {
        Some(pid) => projects::Entity::find_by_id(pid)
            .one(db)
            .await?
            .map(|p| p.code),
        None => None,
    })
}

/// The entry's year (where a receipt's reversal goes back to).
pub async fn year_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<i32>> {
    Ok(money_entries::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|r| r.year))
}
