//! Drafting a notice from the project's data through the bureau's template of its kind (one of each kind per
//! project; later changes go out as corrections).

use chrono::{DateTime, NaiveDate, Utc};
use jiugai_document as document;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession,
};
use serde::Deserialize;
use serde_json::json;

use super::views::{NoticeView, SiteRef, Stored, get};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::notices::Status;
use crate::db::entities::{notices, projects, work_order_reports};
use crate::db::{catalog, projects as project_db, revisions, work_orders};
use crate::domain::notice::{self, NoticeKind};
use crate::domain::policy::Policy;
use crate::error::{Error, Result};
use crate::notice_templates::NoticeTemplates;

/// A request to draft a notice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// plan, site or completion; a correction takes its original's kind.
    #[serde(default)]
    pub kind: Option<String>,
    pub project: String,
    /// The id of the published notice this one corrects (更正公示).
    #[serde(default)]
    pub corrects: Option<i32>,
}

/// Drafts a notice of the project from its data and the bureau's template of the kind. A project has one notice
/// of each kind; what changes after publication goes out as a correction of it.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    templates: &NoticeTemplates,
    input: &DraftInput,
) -> Result<NoticeView> {
    create_on(db, actor, templates, input, Utc::now()).await
}

pub async fn create_on(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    templates: &NoticeTemplates,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<NoticeView> {
    let txn = crate::db::begin_write(db).await?;
    let project = project_db::find(&txn, input.project.trim(), None)
        .await
        .map_err(|_| Error::invalid("project", format!("没有编号为 {} 的项目", input.project)))?;
    let corrects = match input.corrects {
        None => None,
        Some(id) => {
            let original = notices::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|n| n.status == Status::Published)
                .ok_or_else(|| {
                    Error::invalid("corrects", format!("没有可以更正的已发布公示（编号 {id}）"))
                })?;
            if original.project_id != project.id {
                return Err(Error::invalid(
                    "corrects",
                    format!("要更正的公示（编号 {id}）属于另一个项目"),
                ));
            }
            Some(original)
        }
    };
    let kind = match (input.kind.as_deref(), &corrects) {
        (Some(k), _) => NoticeKind::parse(k.trim()).map_err(|e| Error::invalid("kind", e))?,
        (None, Some(original)) => {
            NoticeKind::parse(&original.kind).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?
        }
        (None, None) => {
            return Err(Error::invalid(
                "kind",
                "必填：plan（改造方案公示）、site（开工告示）或 completion（竣工公示）",
            ));
        }
    };
    if let Some(original) = &corrects
        && original.kind != kind.code()
    {
        return Err(Error::invalid(
            "kind",
            format!(
                "更正公示须与原公示同类，即{}",
                NoticeKind::parse(&original.kind).map_or(original.kind.as_str(), |k| k.label())
            ),
        ));
    }
    if corrects.is_none() {
        one_of_a_kind(&txn, &project, kind).await?;
    }
    let policy = catalog::load_policy(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let (document, sites, facts) =
        draft(&txn, &policy, templates, &project, kind, corrects.as_ref()).await?;
    let rule = policy.notice_period(kind.code());
    let data = serde_json::to_string(&Stored {
        document: document.clone(),
        sites,
        facts,
    })
    .map_err(|e| Error::Internal(e.into()))?;
    let inserted = notices::Entity::insert(notices::ActiveModel {
        kind: Set(kind.code().to_owned()),
        project_id: Set(project.id),
        corrects_id: Set(corrects.as_ref().map(|c| c.id)),
        status: Set(Status::Draft),
        number: Set(None),
        title: Set(document.title.clone()),
        data: Set(data),
        period_days: Set(rule.days as i32),
        period_count: Set(rule.count.code().to_owned()),
        published_at: Set(None),
        first_day: Set(None),
        last_day: Set(None),
        closes_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let id = inserted.last_insert_id;
    audit::record_one(
        &txn,
        actor,
        Change::new("create", "notice", id.to_string()).after(json!({
            "kind": kind.code(), "project": project.code, "title": document.title,
            "body": document.body, "corrects": corrects.as_ref().map(|c| c.id),
        })),
    )
    .await?;
    revisions::bump(&txn, revisions::NOTICES).await?;
    let view = get(&txn, id, false, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// A project has one notice of each kind (besides corrections): a second draft, or a new one after publication,
/// is refused saying what to do instead.
async fn one_of_a_kind(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    kind: NoticeKind,
) -> Result<()> {
    let existing = notices::Entity::find()
        .filter(notices::Column::ProjectId.eq(project.id))
        .filter(notices::Column::Kind.eq(kind.code()))
        .filter(notices::Column::CorrectsId.is_null())
        .one(db)
        .await?;
    match existing {
        None => Ok(()),
        Some(n) if n.status == Status::Draft => Err(Error::Conflict {
            message: format!(
                "项目 {} 已有{}草稿（编号 {}），请编辑那一份",
                project.code,
                kind.label(),
                n.id
            ),
            field: Some("kind"),
        }),
        Some(n) => Err(Error::Conflict {
            message: format!(
                "项目 {} 已发布{} {}；如需改动，请对它发布更正公示（被更正公示的编号为 {}）",
                project.code,
                kind.label(),
                n.number.as_deref().unwrap_or_default(),
                n.id
            ),
            field: Some("kind"),
        }),
    }
}

/// The notice's document from the project's data: the template's text, the scope table, the signature.
async fn draft(
    txn: &impl ConnectionTrait,
    policy: &Policy,
    templates: &NoticeTemplates,
    project: &projects::Model,
    kind: NoticeKind,
    corrects: Option<&notices::Model>,
) -> Result<(document::Notice, Vec<SiteRef>, Vec<(String, String)>)> {
    let contractor = match project.contractor_id {
        Some(id) => {
            crate::db::entities::contractors::Entity::find_by_id(id)
                .one(txn)
                .await?
        }
        None => None,
    };
    match kind {
        NoticeKind::Plan => {}
        NoticeKind::Site => {
            if contractor.is_none() || project.planned_start.is_none() {
                return Err(Error::invalid(
                    "project",
                    format!(
                        "项目 {}：开工告示要写明施工单位和工期，请先指定施工单位和计划工期",
                        project.code
                    ),
                ));
            }
        }
        NoticeKind::Completion => {
            if project.progress != crate::db::entities::projects::Progress::Completed {
                return Err(Error::invalid(
                    "project",
                    format!(
                        "项目 {}：竣工公示须在施工单位报告完工之后发布，尚未收到完工报告",
                        project.code
                    ),
                ));
            }
        }
    }
    let scope = work_orders::project_scope(txn, project).await?;
    let completed_on = work_order_reports::Entity::find()
        .filter(work_order_reports::Column::ProjectId.eq(project.id))
        .filter(work_order_reports::Column::Kind.eq("completed"))
        .order_by_desc(work_order_reports::Column::Id)
        .one(txn)
        .await?
        .map(|r| notice::date_zh(crate::domain::time::beijing_date(r.reported_at)));
    let rule = policy.notice_period(kind.code());
    let names: Vec<&str> = scope.sites.iter().map(|s| s.name.as_str()).collect();
    let mut towns: Vec<&str> = scope.sites.iter().map(|s| s.town.as_str()).collect();
    towns.dedup();
    let item_names: Vec<&str> = scope.rows.iter().take(4).map(|r| r.name.as_str()).collect();
    let contract_fen = project.contract_amount_fen.unwrap_or(scope.total_fen);
    let date = |d: Option<NaiveDate>| d.map(notice::date_zh);
    let mut context = json!({
        "county": policy.county, "authority": policy.authority, "year": project.year,
        "phone": policy.notice_phone(),
        "project": {"code": project.code, "name": project.name},
        "sites": scope.sites.iter().map(|s| json!({
            "code": s.code, "name": s.name, "town": s.town, "community": s.community, "address": s.address,
            "households": s.households, "buildings": s.buildings, "floor_area_m2": s.floor_area_m2,
            "year_built": s.year_built,
        })).collect::<Vec<_>>(),
        "site_names": names.join("、"),
        "towns": towns.join("、"),
        "households": scope.sites.iter().map(|s| s.households).sum::<u32>(),
        "buildings": scope.sites.iter().map(|s| s.buildings).sum::<u32>(),
        "floor_area": document::quantity(scope.sites.iter().map(|s| s.floor_area_m2).sum::<f64>().round()),
        "category": scope.category,
        "items": scope.rows.len(),
        "item_names": item_names.join("、"),
        "total": document::money::wan(scope.total_fen),
        "total_capital": document::money::capitals(scope.total_fen),
        "contract": document::money::wan(contract_fen),
        "contract_capital": document::money::capitals(contract_fen),
        "contractor": {
            "name": contractor.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            "contact": contractor.as_ref().and_then(|c| c.contact_person.clone()).unwrap_or_default(),
            "phone": contractor.as_ref().and_then(|c| c.phone.clone()).unwrap_or_default(),
        },
        "planned_start": date(project.planned_start), "planned_end": date(project.planned_end),
        "completed_on": completed_on,
        "days": rule.days, "count_label": rule.count.label(),
        "corrects": corrects.map(|c| json!({"number": c.number, "title": c.title})),
    });
    let facts = facts_of(kind, &context);
    if let Some(original) = corrects {
        context["changes"] = json!(changes(original, &facts));
        context["to_write"] = json!(notice::CORRECTION_TO_WRITE);
    }
    let text = templates.render(kind, &context).map_err(Error::Invalid)?;
    let mut rows: Vec<Vec<String>> = scope
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.name.clone(),
                document::quantity(r.quantity),
                r.unit.clone(),
                document::money::yuan(r.amount_fen),
            ]
        })
        .collect();
    rows.push(vec![
        String::new(),
        "估算合计".to_owned(),
        String::new(),
        String::new(),
        document::money::yuan(scope.total_fen),
    ]);
    // Where the text states the contract amount, the table shows it too, named as such.
    if kind != NoticeKind::Plan && project.contract_amount_fen.is_some() {
        rows.push(vec![
            String::new(),
            "合同金额".to_owned(),
            String::new(),
            String::new(),
            document::money::yuan(contract_fen),
        ]);
    }
    let document = document::Notice {
        authority: policy.authority.clone(),
        number: "（发布时编号）".to_owned(),
        title: text.title,
        body: text.paragraphs,
        table_headers: ["序号", "改造内容", "工程量", "单位", "估算金额（元）"]
            .map(str::to_owned)
            .to_vec(),
        table_rows: rows,
        issued_on: crate::domain::time::beijing_date(Utc::now()),
        period: format!("自发布之日起{}{}", rule.days, rule.count.label()),
        url: String::new(),
    };
    work_orders::printable(document.missing_glyphs())?;
    let sites = scope
        .sites
        .iter()
        .map(|s| SiteRef {
            code: s.code.clone(),
            name: s.name.clone(),
            town: s.town.clone(),
        })
        .collect();
    Ok((document, sites, facts))
}

/// The figures a notice of `kind` states, in words, from its template's fields: what a correction compares.
fn facts_of(kind: NoticeKind, context: &serde_json::Value) -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut facts = vec![
        ("小区", text(&context["site_names"])),
        ("栋数", format!("{}栋", text(&context["buildings"]))),
        ("户数", format!("{}户", text(&context["households"]))),
        (
            "建筑面积",
            format!("{}平方米", text(&context["floor_area"])),
        ),
        ("改造类型", text(&context["category"])),
        (
            "改造内容",
            format!(
                "{}等{}项",
                text(&context["item_names"]),
                text(&context["items"])
            ),
        ),
        ("估算投资", text(&context["total"])),
    ];
    if kind != NoticeKind::Plan {
        facts.extend([
            ("施工单位", text(&context["contractor"]["name"])),
            ("合同金额", text(&context["contract"])),
            ("计划开工", text(&context["planned_start"])),
            ("计划竣工", text(&context["planned_end"])),
        ]);
    }
    if kind == NoticeKind::Completion {
        facts.push(("完工日期", text(&context["completed_on"])));
    }
    facts
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// What a correction changes against the notice it corrects: "“计划开工：2021年3月1日”更正为“2021年3月20日”".
fn changes(original: &notices::Model, facts: &[(String, String)]) -> Vec<String> {
    let before: Vec<(String, String)> = serde_json::from_str::<Stored>(&original.data)
        .map(|s| s.facts)
        .unwrap_or_default();
    facts
        .iter()
        .filter_map(|(name, now)| {
            let (_, was) = before.iter().find(|(n, _)| n == name)?;
            (was != now).then(|| format!("“{name}：{was}”更正为“{now}”"))
        })
        .collect()
}
