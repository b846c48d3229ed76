//! First start, last part: the decided batches' notices, so a newcomer sees the whole cycle — plan notices
//! before the works (their periods long over), site notices at the start, completion notices with residents'
//! ratings, a correction, objections with the bureau's answers — all in the batch's year — and the coming
//! year's plan notices, published two days before the first start, whose period is still running, to try the
//! objection form on.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use super::audit::Actor;
use super::entities::projects::Progress;
use super::notices::{self, DraftInput};
use super::projects;
use super::seed_work::morning;
use crate::domain::calendar::HolidayCalendar;
use crate::domain::notice::{Objection, ObjectionForm, Rating};
use crate::domain::policy::Policy;
use crate::notice_templates::NoticeTemplates;

/// What residents said on the demo notices, and what the bureau answered.
const OBJECTIONS: [(&str, &str, &str); 4] = [
    (
        "objection",
        "加装电梯的位置紧贴一楼卧室窗户，会挡住采光，希望调整到楼道北侧。",
        "经现场复核，电梯井道已调整至楼道北侧，距一楼窗户 2.4 米，不影响采光。调整后的方案已在小区公示栏张贴。",
    ),
    (
        "comment",
        "希望改造时把小区里的化粪池一起清掏，夏天气味很大。",
        "化粪池清掏已纳入雨污分流改造内容，将在管网施工时一并实施。",
    ),
    (
        "objection",
        "停车位规划太少，请增加非机动车充电车棚。",
        "已在3栋东侧增设非机动车充电车棚一处（20个充电口），列入完善类改造内容。",
    ),
    (
        "comment",
        "施工时间请避开中考，早上七点前不要施工。",
        "已要求施工单位严格执行夜间及中高考期间禁止噪声作业的规定，每日施工时间为7:30至12:00、14:00至18:30。",
    ),
];

/// Publishes the notices of every decided batch's projects, in the batch year, and the plan notices of the
/// `coming` year's batch two days before `now`.
pub async fn publish_decided_batches(
    db: &DatabaseConnection,
    policy: &Policy,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
    coming: Option<i32>,
) -> anyhow::Result<()> {
    let actor = Actor::system();
    // Answers to residents are the bureau's words: signed by its planning section, not by "the system".
    let answerer = Actor {
        username: "住建局规划股".to_owned(),
        role: "planner".to_owned(),
        ..Actor::system()
    };
    let templates = NoticeTemplates::built_in();
    // One transaction: the demo appears whole or not at all, and PostgreSQL commits once.
    let txn = super::begin_write(db).await?;
    for year in policy.batches.keys() {
        let year: i32 = year
            .parse()
            .map_err(|_| anyhow::anyhow!("policy: batches.{year} is not a year"))?;
        let list = projects::list(&txn, Some(year), None).await?;
        let mut answered = 0;
        for (i, project) in list.iter().enumerate() {
            let Some(start) = project.planned_start else {
                continue;
            };
            let fail = |e: crate::error::Error| anyhow::anyhow!("{}: {e}", project.code);
            let draft = |kind: &str, corrects: Option<i32>| DraftInput {
                kind: Some(kind.to_owned()),
                project: project.code.clone(),
                corrects,
            };
            let plan_at = morning(start - Duration::days(40));
            let plan = notices::create_on(&txn, &actor, &templates, &draft("plan", None), plan_at)
                .await
                .map_err(fail)?;
            let plan = notices::publish_at(&txn, &actor, calendar, plan.id, plan.version, plan_at)
                .await
                .map_err(fail)?;
            if i % 7 == 3 {
                answered += comment(&txn, &answerer, plan.id, i, 1, 1, plan_at)
                    .await
                    .map_err(fail)?;
            }
            if i == 1 {
                // The revised order moved the start: the plan notice is corrected to say so.
                let correction = notices::create_on(
                    &txn,
                    &actor,
                    &templates,
                    &draft("plan", Some(plan.id)),
                    plan_at,
                )
                .await
                .map_err(fail)?;
                // Nothing the project's data says changed: the bureau writes what it corrects.
                let body: Vec<String> = correction
                    .body
                    .iter()
                    .map(|p| {
                        p.replace(
                            crate::domain::notice::CORRECTION_TO_WRITE,
                            "原公示所列咨询电话有误，现更正为本公示所列电话。",
                        )
                    })
                    .collect();
                let edit = notices::DraftEdit {
                    title: None,
                    body: Some(body),
                };
                let correction =
                    notices::update(&txn, &actor, correction.id, correction.version, &edit)
                        .await
                        .map_err(fail)?;
                let at = plan_at + Duration::days(12);
                notices::publish_at(
                    &txn,
                    &actor,
                    calendar,
                    correction.id,
                    correction.version,
                    at,
                )
                .await
                .map_err(fail)?;
            }
            let current = projects::find(&txn, &project.code, None)
                .await
                .map_err(fail)?;
            if current.progress == Progress::NotStarted {
                continue;
            }
            let site = notices::create_on(
                &txn,
                &actor,
                &templates,
                &draft("site", None),
                morning(start),
            )
            .await
            .map_err(fail)?;
            notices::publish_at(
                &txn,
                &actor,
                calendar,
                site.id,
                site.version,
                morning(start),
            )
            .await
            .map_err(fail)?;
            if current.progress != Progress::Completed {
                continue;
            }
            let end = project.planned_end.unwrap_or(start);
            let completion_at = morning(end - Duration::days(3));
            let completion = notices::create_on(
                &txn,
                &actor,
                &templates,
                &draft("completion", None),
                completion_at,
            )
            .await
            .map_err(fail)?;
            let completion = notices::publish_at(
                &txn,
                &actor,
                calendar,
                completion.id,
                completion.version,
                completion_at,
            )
            .await
            .map_err(fail)?;
            // Residents of every other completed project have rated it.
            if i % 2 == 0 {
                rate(&txn, &completion, i, completion_at)
                    .await
                    .map_err(fail)?;
            }
        }
        tracing::debug!(year, answered, "demo notices published");
    }
    if let Some(year) = coming {
        // Published two days ago, so that what residents sent since and the bureau's answer lie in the past; one
        // question on each waits for the bureau, so its inbox has work in it.
        let plan_at = now - Duration::days(2);
        for (i, project) in projects::list(&txn, Some(year), None)
            .await?
            .iter()
            .enumerate()
        {
            let fail = |e: crate::error::Error| anyhow::anyhow!("{}: {e}", project.code);
            let draft = DraftInput {
                kind: Some("plan".to_owned()),
                project: project.code.clone(),
                corrects: None,
            };
            let plan = notices::create_on(&txn, &actor, &templates, &draft, plan_at)
                .await
                .map_err(fail)?;
            let plan = notices::publish_at(&txn, &actor, calendar, plan.id, plan.version, plan_at)
                .await
                .map_err(fail)?;
            comment(&txn, &answerer, plan.id, i, 2, 1, plan_at)
                .await
                .map_err(fail)?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// `count` residents write on the notice, the first a few hours after `at` and the next a day later each; the
/// bureau answers the first `answer` of them the day after. Returns how many were answered.
async fn comment(
    txn: &DatabaseTransaction,
    answerer: &Actor,
    notice: i32,
    i: usize,
    count: usize,
    answer: usize,
    at: DateTime<Utc>,
) -> Result<usize, crate::error::Error> {
    for k in 0..count {
        let (kind, text, reply) = OBJECTIONS[(i + k) % OBJECTIONS.len()];
        let sent = at + Duration::hours(5 + 20 * k as i64);
        let objection = Objection::parse(&ObjectionForm {
            kind,
            building_unit: &format!("{}栋{}单元", 1 + (i + k) % 6, 1 + k % 3),
            name: if k == 0 { "张女士" } else { "" },
            mobile: &format!("139{:08}", 20_210_000 + i * 10 + k),
            text,
        })
        .map_err(|e| anyhow::anyhow!("demo objection: {e}"))?;
        notices::submit_objection(
            txn,
            notice,
            &objection,
            &format!("demo-{notice}-{k}"),
            &format!("demo-{notice}"),
            sent,
        )
        .await?;
        if k < answer {
            let id = notices::inbox(txn, notice, None)
                .await?
                .last()
                .map(|o| o.id)
                .unwrap_or_default();
            notices::answer(txn, answerer, id, reply, sent + Duration::days(1)).await?;
        }
    }
    Ok(count.min(answer))
}

/// A handful of ratings per compound, mostly satisfied, one project less so.
async fn rate(
    db: &(impl TransactionTrait + sea_orm::ConnectionTrait),
    notice: &notices::NoticeView,
    i: usize,
    at: DateTime<Utc>,
) -> crate::error::Result<()> {
    for site in &notice.sites {
        for r in 0..(3 + i % 5) {
            let base = if i % 12 == 4 { 3 } else { 4 };
            let score = |k: usize| {
                (base + i32::from((r + k + i).is_multiple_of(3)) - i32::from((r * k) % 5 == 4))
                    .clamp(1, 5)
            };
            let mobile = format!("137{:08}", 30_000_000 + i * 100 + r);
            let rating = Rating {
                compound: site.code.clone(),
                mobile: crate::domain::phone::Mobile::parse(&mobile)
                    .map_err(|e| crate::error::Error::invalid("mobile", e))?,
                scores: [score(0), score(1), score(2)],
            };
            let when = at + Duration::days(1 + r as i64);
            notices::rate(db, notice.id, &rating, &format!("demo-{i}-{r}"), when).await?;
        }
    }
    Ok(())
}
