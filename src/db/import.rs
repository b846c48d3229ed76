//! Importing a GeoJSON FeatureCollection of compounds: every feature is checked before anything is
//! written; then all are written in one transaction, upserting by compound code. A feature equal to
//! what is stored is left alone, so importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

use chrono::Utc;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionSession, TransactionTrait,
};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::error::Category;

use super::audit::{self, Actor, Change};
use super::compounds::{self, Lookup, Places};
use super::entities::compounds as rows;
use crate::domain::catalog::Catalog;
use crate::domain::geometry::Crs;
use crate::domain::record::CompoundRecord;
use crate::error::Result;

/// A problem with one feature (index counted from 0, as in the file's `features` array).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureError {
    pub index: Option<usize>,
    pub code: Option<String>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.index, &self.code) {
            (Some(i), Some(code)) => write!(f, "要素 features[{i}]（{code}）：")?,
            (Some(i), None) => write!(f, "要素 features[{i}]：")?,
            (None, _) => write!(f, "整个文件：")?,
        }
        write!(f, "{}：{}", self.field, self.message)
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Reads and checks a whole FeatureCollection, feature by feature, without holding the raw file.
/// Returns the records, or every problem found.
pub fn parse_collection(
    reader: impl Read,
    crs: Crs,
    catalog: &Catalog,
) -> Result<Vec<CompoundRecord>, Vec<FeatureError>> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut on_feature = |index: usize, feature: Value| match parse_feature(&feature, crs, catalog)
    {
        Ok(record) => {
            let code = record.code.as_str().to_owned();
            if let Some(first) = seen.insert(code.clone(), index) {
                errors.push(FeatureError {
                    index: Some(index),
                    code: Some(code),
                    field: "code".into(),
                    message: format!("编号重复：要素 features[{first}] 也用了这个编号"),
                });
            } else {
                records.push(record);
            }
        }
        Err(mut e) => errors.append(
            &mut e
                .iter_mut()
                .map(|e| {
                    e.index = Some(index);
                    e.clone()
                })
                .collect(),
        ),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let outcome = CollectionSeed {
        on_feature: &mut on_feature,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = outcome {
        errors.push(FeatureError {
            index: None,
            code: None,
            field: "json".into(),
            message: json_problem(&e),
        });
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// Why the file is not a FeatureCollection that can be read, in Chinese, with the place in the file.
fn json_problem(e: &serde_json::Error) -> String {
    let at = format!("第 {} 行第 {} 列", e.line(), e.column());
    match e.classify() {
        Category::Io => format!("读取文件出错（{at}）"),
        Category::Eof => format!("文件不完整，在{at}意外结束"),
        Category::Syntax => format!("不是有效的 JSON（UTF-8 文本），{at}处有误"),
        Category::Data => {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            // Our own words (the collection's checks) are Chinese already; serde's are said again.
            let message = if message.is_ascii() {
                crate::domain::serde_in_chinese(message)
            } else {
                message.to_owned()
            };
            format!("{message}（{at}）")
        }
    }
}

fn parse_feature(
    feature: &Value,
    crs: Crs,
    catalog: &Catalog,
) -> Result<CompoundRecord, Vec<FeatureError>> {
    let code = feature
        .pointer("/properties/code")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let fail = |field: &str, message: String| FeatureError {
        index: None,
        code: code.clone(),
        field: field.into(),
        message,
    };
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(vec![fail("type", "须为 \"Feature\"".into())]);
    }
    let Some(properties) = feature.get("properties").filter(|p| p.is_object()) else {
        return Err(vec![fail(
            "properties",
            "须为包含小区各项信息的对象".into(),
        )]);
    };
    CompoundRecord::parse(properties, feature.get("geometry"), crs, catalog).map_err(|errors| {
        errors
            .0
            .into_iter()
            .flat_map(|(field, messages)| messages.into_iter().map(move |m| (field.clone(), m)))
            .map(|(field, message)| fail(&field, message))
            .collect()
    })
}

/// Deserialises `{"type": "FeatureCollection", "features": [...]}`, handing each feature on as it is read.
struct CollectionSeed<'a, F> {
    on_feature: &'a mut F,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for CollectionSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for CollectionSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut kind = None;
        let mut had_features = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value::<String>()?),
                "features" => {
                    map.next_value_seed(FeaturesSeed {
                        on_feature: &mut *self.on_feature,
                    })?;
                    had_features = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if kind.as_deref() != Some("FeatureCollection") {
            return Err(serde::de::Error::custom(
                "文件的 \"type\" 须为 \"FeatureCollection\"",
            ));
        }
        if !had_features {
            return Err(serde::de::Error::custom("文件缺少要素列表 \"features\""));
        }
        Ok(())
    }
}

struct FeaturesSeed<'a, F> {
    on_feature: &'a mut F,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for FeaturesSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for FeaturesSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(feature) = seq.next_element::<Value>()? {
            (self.on_feature)(index, feature);
            index += 1;
        }
        Ok(())
    }
}

/// How many compounds are written per statement batch.
const CHUNK: usize = 500;

/// Writes checked records in one transaction. `progress` is told how many records are done.
/// A problem that only the database can see (a town code already used under another name) fails
/// the whole import with the feature's index.
pub async fn write<C: TransactionTrait>(
    db: &C,
    actor: &Actor,
    records: &[CompoundRecord],
    progress: impl Fn(usize),
) -> Result<Summary, ImportError> {
    let txn = super::begin_write(db).await?;
    let mut places = Places::load(&txn).await?;
    let place_errors: Vec<FeatureError> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            places.check(r).err().map(|(field, message)| FeatureError {
                index: Some(i),
                code: Some(r.code.as_str().to_owned()),
                field,
                message,
            })
        })
        .collect();
    if !place_errors.is_empty() {
        return Err(ImportError::Features(place_errors));
    }
    let item_ids = super::catalog::item_ids(&txn).await?;
    let lookup = Lookup::load(&txn).await?;
    let now = Utc::now();
    let mut summary = Summary::default();
    let mut done = 0;
    for chunk in records.chunks(CHUNK) {
        let codes: Vec<&str> = chunk.iter().map(|r| r.code.as_str()).collect();
        let stored: HashMap<String, rows::Model> = rows::Entity::find()
            .filter(rows::Column::Code.is_in(codes.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.code.clone(), m))
            .collect();
        let mut stored_scopes =
            compounds::scopes(&txn, stored.values().map(|m| m.id).collect(), &lookup).await?;
        let mut inserts = Vec::new();
        let mut new_codes = HashSet::new();
        let mut changes = Vec::new();
        for record in chunk {
            let (town_id, community_id) = places.resolve(&txn, record).await?;
            let old = stored.get(record.code.as_str());
            let requests = old.map_or(0, |o| o.requests);
            let new = compounds::row(record, town_id, community_id, requests, now)?;
            match old {
                Some(old) => {
                    let same_scope =
                        stored_scopes.remove(&old.id).unwrap_or_default() == record.scope;
                    if compounds::same_content(old, &new) && same_scope {
                        summary.unchanged += 1;
                        continue;
                    }
                    let new = rows::Model {
                        id: old.id,
                        version: old.version + 1,
                        created_at: old.created_at,
                        ..new
                    };
                    changes.push(
                        Change::new("import_update", "compound", &new.code)
                            .before(compounds::feature_value(old))
                            .after(compounds::feature_value(&new)),
                    );
                    compounds::versioned_write(&txn, old, new).await?;
                    compounds::write_scope(&txn, old.id, &record.scope, &item_ids).await?;
                    summary.updated += 1;
                }
                None => {
                    changes.push(
                        Change::new("import_create", "compound", &new.code)
                            .after(compounds::feature_value(&new)),
                    );
                    let mut active = new.into_active_model();
                    active.id = NotSet;
                    inserts.push(active);
                    new_codes.insert(record.code.as_str());
                }
            }
        }
        if !inserts.is_empty() {
            summary.created += inserts.len();
            rows::Entity::insert_many(inserts).exec(&txn).await?;
            let ids: HashMap<String, i32> = rows::Entity::find()
                .filter(rows::Column::Code.is_in(new_codes.iter().copied()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|m| (m.code, m.id))
                .collect();
            let scopes: Vec<_> = chunk
                .iter()
                .filter(|r| new_codes.contains(r.code.as_str()))
                .map(|r| (ids[r.code.as_str()], r.scope.as_slice()))
                .collect();
            compounds::insert_scopes(&txn, &scopes, &item_ids).await?;
        }
        audit::record(&txn, actor, changes).await?;
        done += chunk.len();
        progress(done);
    }
    if summary.created + summary.updated > 0 {
        super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    }
    txn.commit().await?;
    Ok(summary)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} 个要素有误", .0.len())]
    Features(Vec<FeatureError>),
    #[error(transparent)]
    Other(#[from] crate::error::Error),
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Other(e.into())
    }
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        ImportError::Other(e.into())
    }
}
