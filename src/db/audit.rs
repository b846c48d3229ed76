//! The audit log: who changed what, when, from where, with the values before and after.
//!
//! A record is written by the same transaction as the change it describes, so there is never a
//! change without its record nor a record without its change. Nothing here updates or deletes; the
//! database refuses it too (see the `accounts` migration).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::Value;

use super::entities::{audit_log, contractors, users};
use crate::domain::labels::{self, FieldChange};
use crate::domain::time::beijing_minute;
use crate::error::{Error, Result};

/// Who is writing, and from where.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub username: String,
    pub role: String,
    /// The client's address, or `cli` for the command line.
    pub source: String,
}

impl Actor {
    /// The command line, run by whoever has the database's credentials on this machine.
    pub fn cli() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            user_id: None,
            username: format!("cli:{user}"),
            role: "cli".into(),
            source: "cli".into(),
        }
    }

    /// The service itself, loading its built-in data set on first start.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "system".into(),
            role: "system".into(),
            source: "first start".into(),
        }
    }
}

/// One change: `before` is absent for a creation, `after` for a removal.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn new(action: &'static str, entity: &'static str, entity_id: impl Into<String>) -> Self {
        Change {
            action,
            entity,
            entity_id: entity_id.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// Records `changes` by `actor`; call with the transaction that makes them.
pub async fn record(db: &impl ConnectionTrait, actor: &Actor, changes: Vec<Change>) -> Result<()> {
    let now = Utc::now();
    let rows: Vec<audit_log::ActiveModel> = changes
        .into_iter()
        .map(|c| audit_log::ActiveModel {
            id: NotSet,
            at: Set(now),
            actor_id: Set(actor.user_id),
            actor: Set(actor.username.clone()),
            actor_role: Set(actor.role.clone()),
            source: Set(truncate(&actor.source, 200)),
            action: Set(c.action.to_owned()),
            entity: Set(c.entity.to_owned()),
            entity_id: Set(truncate(&c.entity_id, 64)),
            before: Set(c.before.map(|v| v.to_string())),
            after: Set(c.after.map(|v| v.to_string())),
        })
        .collect();
    // Bounded batches: SQLite allows at most 32,766 bound values per statement.
    for batch in rows.chunks(1_000) {
        audit_log::Entity::insert_many(batch.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub async fn record_one(db: &impl ConnectionTrait, actor: &Actor, change: Change) -> Result<()> {
    record(db, actor, vec![change]).await
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// What the audit viewer filters by; every field optional.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    /// First day included (a Beijing calendar day, as people read the log).
    pub from: Option<NaiveDate>,
    /// Last day included (a Beijing calendar day).
    pub to: Option<NaiveDate>,
}

impl Filter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(a) = &self.actor {
            c = c.add(audit_log::Column::Actor.eq(a.as_str()));
        }
        if let Some(e) = &self.entity {
            c = c.add(audit_log::Column::Entity.eq(e.as_str()));
        }
        if let Some(id) = &self.entity_id {
            c = c.add(audit_log::Column::EntityId.eq(id.as_str()));
        }
        if let Some(a) = &self.action {
            c = c.add(audit_log::Column::Action.eq(a.as_str()));
        }
        if let Some(from) = self.from.and_then(beijing_midnight) {
            c = c.add(audit_log::Column::At.gte(from));
        }
        if let Some(to) = self
            .to
            .and_then(|d| d.succ_opt())
            .and_then(beijing_midnight)
        {
            c = c.add(audit_log::Column::At.lt(to));
        }
        c
    }
}

/// The instant a Beijing calendar day begins.
fn beijing_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(crate::domain::time::beijing())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// One record, with its codes in words beside them (`*_label`, `actor_name`) for people.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The person's display name, "系统" for the service itself.
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub action_label: String,
    pub source: String,
    pub entity: String,
    pub entity_label: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Entry {
    fn of(m: audit_log::Model, names: &Names) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Entry {
            id: m.id,
            at: m.at,
            actor_name: labels::actor(&m.actor, names.people.get(&m.actor).map(String::as_str)),
            actor: m.actor,
            actor_role: m.actor_role,
            action_label: labels::action(&m.action),
            action: m.action,
            source: m.source,
            entity_label: labels::entity(&m.entity),
            entity: m.entity,
            entity_id: m.entity_id,
            before: parse(m.before),
            after: parse(m.after),
        }
    }

    /// A creation (nothing before it).
    pub fn created(&self) -> bool {
        self.before.is_none()
    }

    /// The fields it changed, in words; contractors by name.
    pub fn changes(&self, names: &Names) -> Vec<FieldChange> {
        let firm = |code: &str| names.firms.get(code).cloned();
        labels::changes(
            &self.entity,
            self.before.as_ref(),
            self.after.as_ref(),
            &firm,
        )
    }
}

/// Who the codes in the log are: accounts by username (their display names), contractors by code (their names).
#[derive(Debug, Default)]
pub struct Names {
    people: HashMap<String, String>,
    firms: HashMap<String, String>,
}

impl Names {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Names> {
        let people = users::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let firms = contractors::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect();
        Ok(Names { people, firms })
    }

    /// A person's display name by username, "系统" for the service (and the username when no account has it).
    pub fn person(&self, username: &str) -> String {
        labels::actor(username, self.people.get(username).map(String::as_str))
    }

    /// A contractor's name by code (the code when no firm has it).
    pub fn firm(&self, code: &str) -> String {
        self.firms
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

#[derive(Debug, Serialize)]
pub struct Page {
    pub items: Vec<Entry>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub pages: u64,
}

/// Newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Page> {
    let names = Names::load(db).await?;
    list_named(db, filter, page, per_page, &names).await
}

/// [`list`] with the names already at hand.
pub async fn list_named(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: u64,
    per_page: u64,
    names: &Names,
) -> Result<Page> {
    let query = audit_log::Entity::find().filter(filter.condition());
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(audit_log::Column::Id)
        .offset((page.max(1) - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Entry::of(m, names))
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
        pages: total.div_ceil(per_page.max(1)),
    })
}

/// The log as CSV, oldest first, a page of records at a time: the first chunk carries the header.
/// A log grows with every import, so it is never held whole in memory.
/// Each row in words as the page shows it (Beijing time to the minute, labels, the changes written out), with
/// the account's username and the values before and after whole as JSON, so nothing is lost.
pub struct CsvPages {
    filter: Filter,
    after_id: i64,
    header_sent: bool,
    names: Option<Names>,
}

pub const CSV_HEADER: [&str; 12] = [
    "编号",
    "时间（北京时间）",
    "操作人",
    "账号",
    "角色",
    "来源",
    "操作",
    "对象类型",
    "对象编号",
    "变更",
    "变更前（JSON）",
    "变更后（JSON）",
];

impl CsvPages {
    pub fn new(filter: Filter) -> Self {
        CsvPages {
            filter,
            after_id: 0,
            header_sent: false,
            names: None,
        }
    }

    /// The next chunk of CSV, or `None` at the end.
    pub async fn next(&mut self, db: &impl ConnectionTrait) -> Result<Option<Vec<u8>>> {
        let rows = audit_log::Entity::find()
            .filter(self.filter.condition())
            .filter(audit_log::Column::Id.gt(self.after_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(1_000)
            .all(db)
            .await?;
        if rows.is_empty() && self.header_sent {
            return Ok(None);
        }
        if self.names.is_none() {
            self.names = Some(Names::load(db).await?);
        }
        let names = self
            .names
            .as_ref()
            .ok_or_else(|| internal(anyhow::anyhow!("names")))?;
        let mut out = csv::Writer::from_writer(Vec::new());
        if !self.header_sent {
            out.write_record(CSV_HEADER).map_err(internal)?;
            self.header_sent = true;
        }
        if let Some(last) = rows.last() {
            self.after_id = last.id;
        }
        for r in rows {
            let (before, after) = (r.before.clone(), r.after.clone());
            let e = Entry::of(r, names);
            let changes: Vec<String> = e
                .changes(names)
                .iter()
                .map(|c| c.text(e.created()))
                .collect();
            out.write_record([
                e.id.to_string(),
                beijing_minute(e.at),
                e.actor_name.clone(),
                e.actor.clone(),
                labels::role(&e.actor_role),
                labels::source(&e.source),
                e.action_label.clone(),
                e.entity_label.clone(),
                e.entity_id.clone(),
                changes.join("；"),
                before.unwrap_or_default(),
                after.unwrap_or_default(),
            ])
            .map_err(internal)?;
        }
        out.into_inner()
            .map(Some)
            .map_err(|e| internal(e.into_error()))
    }
}

fn internal(e: impl Into<anyhow::Error>) -> Error {
    Error::Internal(e.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_of_the_log_is_a_beijing_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let start = beijing_midnight(day).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-12-06T16:00:00+00:00");
    }
}
