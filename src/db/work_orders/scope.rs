//! What a project's documents list — its compounds and the scope of works as one priced table — and the check
//! that a document prints without holes.

use jiugai_document as document;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::db::compounds::{Lookup, figures, scopes, split_of};
use crate::db::entities::projects;
use crate::db::{catalog, projects as project_db};
use crate::domain::FieldErrors;
use crate::domain::cost;
use crate::domain::funding::Split;
use crate::error::{Error, Result};

/// Refuses a document with characters the font lacks, naming each field and character: nothing is printed with
/// a hole in it.
pub fn printable(missing: Vec<document::MissingGlyph>) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    for g in missing {
        errors.add(
            g.field,
            format!(
                "字符“{}”（U+{:04X}）不在文书字体中，无法打印",
                g.ch, g.ch as u32
            ),
        );
    }
    Err(Error::Invalid(errors))
}

/// What a project's documents list (its work order, its notices): the compounds, and the scope of works as one
/// table — a bundle's compounds share it, the same item one row with the quantities added — with its category
/// (the highest class of work in it) and total. Refused, naming the field, when a compound has no usable scope.
pub struct ProjectScope {
    pub sites: Vec<document::Site>,
    pub rows: Vec<document::ScopeRow>,
    /// 基础类 / 完善类 / 提升类.
    pub category: String,
    pub total_fen: i64,
    /// The compounds' funding splits (their own, or the policy's default) added up by source.
    pub funding: Split,
}

impl ProjectScope {
    /// The split as a work order prints it: the sources that pay something, in the policy's order, then the
    /// gap no source pays (资金缺口) when there is one — or, when a compound's own split was set for a larger
    /// earlier estimate, what the sources exceed it by (negative), so the lines always add up to the estimate.
    pub fn funding_shares(&self) -> Vec<document::FundingShare> {
        let mut shares: Vec<document::FundingShare> = self
            .funding
            .shares
            .iter()
            .filter(|s| s.amount_fen != 0)
            .map(|s| document::FundingShare {
                source: s.name.clone(),
                amount_fen: s.amount_fen,
            })
            .collect();
        if self.funding.unfunded_fen != 0 {
            shares.push(document::FundingShare {
                source: if self.funding.unfunded_fen > 0 {
                    "资金缺口"
                } else {
                    "超出投资估算"
                }
                .to_owned(),
                amount_fen: self.funding.unfunded_fen,
            });
        }
        shares
    }
}

pub async fn project_scope(
    txn: &impl ConnectionTrait,
    project: &projects::Model,
) -> Result<ProjectScope> {
    let sites = project_db::sites(txn, vec![project.id])
        .await?
        .remove(&project.id)
        .unwrap_or_default();
    let lookup = Lookup::load(txn).await?;
    let catalog = catalog::load(txn).await?;
    let funding = catalog::load_policy(txn)
        .await?
        .map(|p| p.funding)
        .unwrap_or_default();
    let mut scope_of = scopes(txn, sites.iter().map(|c| c.id).collect(), &lookup).await?;
    let mut rows: Vec<document::ScopeRow> = Vec::new();
    let mut splits = Vec::with_capacity(sites.len());
    let mut best_rank = None::<(i32, String)>;
    for site in &sites {
        let lines = scope_of.remove(&site.id).unwrap_or_default();
        let estimate = cost::estimate(&catalog, &figures(site), &lines).map_err(|errors| {
            Error::invalid(
                format!("compounds.{}.scope", site.code),
                errors
                    .into_iter()
                    .map(|(i, e)| format!("第 {} 行：{e}", i + 1))
                    .collect::<Vec<_>>()
                    .join("；"),
            )
        })?;
        splits.push(split_of(&funding, site, &estimate)?);
        if let Some(class) = estimate.category.as_deref().and_then(|c| catalog.class(c))
            && best_rank
                .as_ref()
                .is_none_or(|(rank, _)| class.rank > *rank)
        {
            best_rank = Some((class.rank, class.name.clone()));
        }
        for line in estimate.lines {
            let amount_fen = (line.amount_yuan * 100.0).round() as i64;
            let unit_cost_fen = (line.unit_cost_yuan * 100.0).round() as i64;
            // A bundle's compounds share one table: the same item is one row with the quantities added.
            match rows.iter_mut().find(|r| r.item == line.item) {
                Some(row) => {
                    row.quantity = ((row.quantity + line.quantity) * 100.0).round() / 100.0;
                    row.amount_fen += amount_fen;
                }
                None => rows.push(document::ScopeRow {
                    item: line.item,
                    name: line.name,
                    unit: line.unit,
                    quantity: line.quantity,
                    unit_cost_fen,
                    amount_fen,
                }),
            }
        }
    }
    if rows.is_empty() {
        return Err(Error::invalid(
            "project",
            "项目的小区还没有改造内容：请先调查小区并选定工程项目",
        ));
    }
    let total_fen = rows.iter().map(|r| r.amount_fen).sum();
    let sites = sites
        .iter()
        .map(|c| {
            let names = lookup.names(c);
            document::Site {
                code: c.code.clone(),
                name: c.name.clone(),
                town: names.town.to_owned(),
                community: names.community.to_owned(),
                address: c.address.clone(),
                households: c.households.max(0) as u32,
                buildings: c.buildings.max(0) as u32,
                floor_area_m2: c.floor_area_m2,
                year_built: c.year_built,
                outline: outline(&c.geometry),
            }
        })
        .collect();
    Ok(ProjectScope {
        sites,
        rows,
        category: best_rank.map(|(_, name)| name).unwrap_or_default(),
        total_fen,
        funding: Split::sum(&splits),
    })
}

/// A boundary's rings as [lon, lat] pairs, for the order's map; nothing when the stored geometry is unusable.
fn outline(geometry: &str) -> Vec<Vec<Vec<[f64; 2]>>> {
    let Ok(value) = serde_json::from_str::<Value>(geometry) else {
        return Vec::new();
    };
    let polygon = |rings: &Value| -> Vec<Vec<[f64; 2]>> {
        rings
            .as_array()
            .into_iter()
            .flatten()
            .map(|ring| {
                ring.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                    .collect()
            })
            .collect()
    };
    let coordinates = &value["coordinates"];
    match value["type"].as_str() {
        Some("Polygon") => vec![polygon(coordinates)],
        Some("MultiPolygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .map(polygon)
            .collect(),
        _ => Vec::new(),
    }
}
