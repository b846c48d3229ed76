//! Assigning a project (委托): its contractor, contract amount and planned dates. A change of contractor passes
//! the current work order on to the new firm in the same transaction (`db::work_orders::pass_on`), so this sits
//! above both projects and work orders.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession};
use serde::Deserialize;

use super::audit::{self, Actor, Change};
use super::entities::projects::Progress;
use super::entities::{contractors, projects};
use super::projects::{ProjectView, find, get};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};

/// The bureau's decisions on a project: who builds it, for how much, when.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub contractor: Option<String>,
    pub contract_amount_fen: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    /// Why the dates leave the batch year; required when they do.
    pub dates_reason: Option<String>,
}

/// What the bureau sends to assign a project, as typed (the API's JSON body or the project page's form); checked
/// into an [`Assignment`] against the project's batch year.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    #[serde(default)]
    pub contractor: Option<String>,
    #[serde(default)]
    pub contract_amount_yuan: Option<f64>,
    #[serde(default)]
    pub planned_start: Option<String>,
    #[serde(default)]
    pub planned_end: Option<String>,
    #[serde(default)]
    pub dates_reason: Option<String>,
}

/// Largest contract amount accepted: ¥10 billion, far above any renovation project, to catch unit mistakes.
const MAX_CONTRACT_YUAN: f64 = 1e10;

impl Assignment {
    /// Checks what was sent; the year is the batch's, which the dates must stay in unless a reason is given.
    pub fn parse(input: &AssignmentInput, year: i32) -> Result<Self> {
        let input = input.clone();
        let mut errors = FieldErrors::default();
        let contractor = input
            .contractor
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let contract_amount_fen = match input.contract_amount_yuan {
            None => None,
            Some(y) if y.is_finite() && y > 0.0 && y <= MAX_CONTRACT_YUAN => {
                let fen = (y * 100.0).round();
                if (fen - y * 100.0).abs() > 1e-6 {
                    errors.add("contract_amount_yuan", "合同金额最多两位小数（到分）");
                }
                Some(fen as i64)
            }
            Some(_) => {
                errors.add(
                    "contract_amount_yuan",
                    format!("合同金额须大于 0 且不超过 {MAX_CONTRACT_YUAN:.0} 元"),
                );
                None
            }
        };
        let mut date = |field: &str, raw: Option<String>| {
            let raw = raw?;
            match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(field, "须为年-月-日格式的日期，如 2021-03-01");
                    None
                }
            }
        };
        let planned_start = date("planned_start", input.planned_start);
        let planned_end = date("planned_end", input.planned_end);
        let dates_reason = input
            .dates_reason
            .map(|r| crate::domain::text::trim(&r).to_owned())
            .filter(|r| !r.is_empty());
        if dates_reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > 500)
        {
            errors.add("dates_reason", "日期说明最多 500 个字");
        }
        if let (Some(start), Some(end)) = (planned_start, planned_end)
            && start >= end
        {
            errors.add("planned_end", "计划竣工日期须晚于计划开工日期");
        }
        if dates_reason.is_none() {
            for (field, d) in [
                ("planned_start", planned_start),
                ("planned_end", planned_end),
            ] {
                if d.is_some_and(|d| d.year() != year) {
                    errors.add(
                        field,
                        format!("不在批次年度 {year} 年内；如确需这样安排，请填写日期说明"),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Assignment {
            contractor,
            contract_amount_fen,
            planned_start,
            planned_end,
            dates_reason,
        })
    }
}

/// Records the bureau's assignment if `expected_version` is still the project's.
pub async fn update(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    code: &str,
    expected_version: i32,
    input: &AssignmentInput,
) -> Result<ProjectView> {
    let txn = super::begin_write(db).await?;
    let stored = find(&txn, code, None).await?;
    let assignment = Assignment::parse(input, stored.year)?;
    if stored.version != expected_version {
        return Err(Error::StaleVersion {
            message: format!(
                "项目 {code} 已被他人修改（现为第 {} 版）；请刷新后重新修改",
                stored.version
            ),
            current_version: Some(stored.version),
        });
    }
    let firm = match &assignment.contractor {
        Some(c) => Some(
            super::contractors::find(&txn, c, None)
                .await
                .map_err(|_| Error::invalid("contractor", format!("没有编号为 {c} 的施工单位")))?,
        ),
        None => None,
    };
    let firm_id = firm.as_ref().map(|f| f.id);
    if firm_id != stored.contractor_id && stored.progress != Progress::NotStarted {
        return Err(Error::invalid(
            "contractor",
            "工程已开工，不能再更换施工单位",
        ));
    }
    let rescheduled = assignment.planned_start != stored.planned_start
        || assignment.planned_end != stored.planned_end;
    if let Some(firm) = &firm
        && (firm_id != stored.contractor_id || rescheduled)
    {
        check_capacity(&txn, firm, &stored, &assignment).await?;
    }
    let before = get(&txn, code, None).await?;
    let now = Utc::now();
    let result = projects::Entity::update_many()
        .set(projects::ActiveModel {
            contractor_id: Set(firm_id),
            contract_amount_fen: Set(assignment.contract_amount_fen),
            planned_start: Set(assignment.planned_start),
            planned_end: Set(assignment.planned_end),
            dates_reason: Set(assignment.dates_reason.clone()),
            version: Set(stored.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(projects::Column::Id.eq(stored.id))
        .filter(projects::Column::Version.eq(stored.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::StaleVersion {
            message: format!("项目 {code} 刚被他人修改，请刷新后再改"),
            current_version: None,
        });
    }
    if firm_id != stored.contractor_id {
        super::work_orders::pass_on(&txn, actor, &stored, firm.as_ref(), now).await?;
    }
    let after = get(&txn, code, None).await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "project", code)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// A firm runs at most `capacity` projects at once: its other unfinished projects whose planned period overlaps
/// this one's (or that have no dates yet) count.
async fn check_capacity(
    txn: &impl ConnectionTrait,
    firm: &contractors::Model,
    project: &projects::Model,
    assignment: &Assignment,
) -> Result<()> {
    let others = projects::Entity::find()
        .filter(projects::Column::ContractorId.eq(firm.id))
        .filter(projects::Column::Id.ne(project.id))
        .filter(projects::Column::Progress.ne(Progress::Completed))
        .all(txn)
        .await?;
    let overlaps = |p: &projects::Model| match (
        p.planned_start,
        p.planned_end,
        assignment.planned_start,
        assignment.planned_end,
    ) {
        (Some(s1), Some(e1), Some(s2), Some(e2)) => s1 <= e2 && s2 <= e1,
        _ => p.year == project.year,
    };
    let busy: Vec<&str> = others
        .iter()
        .filter(|p| overlaps(p))
        .map(|p| p.code.as_str())
        .collect();
    if busy.len() >= firm.capacity as usize {
        return Err(Error::invalid(
            "contractor",
            format!(
                "施工单位 {} 最多同时承担 {} 个项目，这段时间已承担 {} 个（{}）",
                firm.code,
                firm.capacity,
                busy.len(),
                busy.join("、")
            ),
        ));
    }
    Ok(())
}
