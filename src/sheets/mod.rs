//! Spreadsheets for the bureau: the exports (.xlsx) of the compound list, a plan, the satisfaction figures, the
//! objection inbox and the audit log, all written by one helper ([`write::Book`]); the import template of
//! compounds and survey results, and its import ([`read`]), checked exactly like the GeoJSON import. The monthly
//! return is also printed ([`returns_pdf`]: the workbook's tables as an A4 PDF through the document engine).

pub mod exports;
pub mod read;
pub mod returns;
pub mod returns_pdf;
pub mod write;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;

use crate::db::entities::compounds;
use crate::domain::catalog::Catalog;
use crate::error::Result;
use read::{Checked, Stored};

/// The stored compounds among `codes`, as their GeoJSON features hold them.
pub async fn stored(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashMap<String, Stored>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let rows: Vec<(String, String)> = compounds::Entity::find()
            .select_only()
            .column(compounds::Column::Code)
            .column(compounds::Column::Feature)
            .filter(compounds::Column::Code.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        for (code, feature) in rows {
            let f: Value = serde_json::from_str(&feature).map_err(anyhow::Error::from)?;
            out.insert(
                code,
                Stored {
                    properties: f["properties"].clone(),
                    geometry: f["geometry"].clone(),
                },
            );
        }
    }
    Ok(out)
}

/// Reads and checks an uploaded workbook (and its boundary file): the records to write and what each row
/// does, or every problem, each naming its sheet, row and column. `Ok(Err(..))`: the file is refused.
pub async fn check_upload(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    xlsx: &[u8],
    boundaries: Option<&[u8]>,
) -> Result<Result<Checked, Vec<String>>> {
    let table = match read::table(xlsx) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let stored = stored(db, &table.codes()).await?;
    Ok(
        read::check(&table, boundaries, &stored, catalog).map_err(|mut errors| {
            errors.truncate(MAX_ERRORS);
            errors
        }),
    )
}

/// Most problems listed for one file (a wrong file can have thousands).
pub const MAX_ERRORS: usize = 500;

/// Where the problems of writing (found only by the database) stand in the sheet: `write` names records by
/// index, in the order `checked.records` has them.
pub fn place_write_errors(
    checked: &Checked,
    errors: &[crate::db::import::FeatureError],
) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}：{}",
                checked.place(e.index.unwrap_or(usize::MAX), &e.field),
                e.message
            )
        })
        .collect()
}

/// `jiugai import compounds FILE.xlsx`: the same checks and write as the import page. Boundaries for new
/// compounds are read from `FILE.geojson` beside it, when there is one. Every problem goes to standard error.
pub async fn import_file(
    db: &sea_orm::DatabaseConnection,
    catalog: &Catalog,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)?;
    let beside = file.with_extension("geojson");
    let boundaries = match std::fs::read(&beside) {
        Ok(b) => {
            eprintln!("边界文件：{}", beside.display());
            Some(b)
        }
        Err(_) => None,
    };
    let refuse = |errors: &[String]| {
        for e in errors {
            eprintln!("{}: {e}", file.display());
        }
        anyhow::anyhow!(
            "{} 中有 {} 处问题，没有导入任何内容",
            file.display(),
            errors.len()
        )
    };
    let checked = match check_upload(db, catalog, &bytes, boundaries.as_deref()).await? {
        Ok(c) => c,
        Err(errors) => return Err(refuse(&errors)),
    };
    match crate::db::import::write(
        db,
        &crate::db::audit::Actor::cli(),
        &checked.records,
        |_| {},
    )
    .await
    {
        Ok(s) => {
            crate::db::checkpoint(db).await?;
            println!(
                "已导入 {}：新建 {} 个，更新 {} 个，未变 {} 个",
                file.display(),
                s.created,
                s.updated,
                s.unchanged
            );
            Ok(())
        }
        Err(crate::db::import::ImportError::Features(errors)) => {
            Err(refuse(&place_write_errors(&checked, &errors)))
        }
        Err(crate::db::import::ImportError::Other(e)) => Err(e.into()),
    }
}
