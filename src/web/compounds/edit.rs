//! The bureau's forms that write compounds: a new compound and its facts with its boundary (an uploaded GeoJSON
//! or KML file, or pasted coordinates), the survey, the scope with its estimate, the consent record, the
//! category override and archiving. Each form changes its part of the stored record and writes the whole record
//! through the same checks (`CompoundRecord::parse`), writes and audit as the API; an edit from a page made
//! before someone else's write is refused (409) with what changed since.

use serde_json::{Map, Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::boundary_input::{self, Typed};
use super::pages::{can_write, scope_settled};
use crate::db::{catalog, compounds};
use crate::domain::FieldErrors;
use crate::domain::catalog::{Catalog, Figures};
use crate::domain::compound::{Origin, PropertyManagement};
use crate::domain::cost::{self, Estimate, ScopeLine};
use crate::domain::geometry::Crs;
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, post_upload, post_upload1, route, route1};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::state::AppState;
use crate::web::svg;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::CompoundNewPage)
        .then(new_page)
        .or(post_upload(s, Route::CompoundCreatePage).then(create))
        .unify()
        .or(route1(s, Route::CompoundEditPage).then(edit_page))
        .unify()
        .or(post_upload1(s, Route::CompoundSavePage).then(save))
        .unify()
        .or(route1(s, Route::CompoundScopePage).then(scope_page))
        .unify()
        .or(post_form1(s, Route::CompoundScopeSave).then(scope_save))
        .unify()
        .or(post_form1(s, Route::CompoundSurveySave).then(survey_save))
        .unify()
        .or(post_form1(s, Route::CompoundConsentSave).then(consent_save))
        .unify()
        .or(post_form1(s, Route::CompoundCategorySave).then(category_save))
        .unify()
        .or(post_form1(s, Route::CompoundFundingSave).then(funding_save))
        .unify()
        .or(post_form1(s, Route::CompoundArchivePage).then(archive))
        .unify()
        .boxed()
}

// ── Handlers ────────────────────────────────────────────────────────────────────────────────────────────

async fn new_page(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, facts_page(&s, &ctx, None, None).await)
}

async fn edit_page(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, facts_page(&s, &ctx, Some(&code), None).await)
}

async fn create(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = write_facts(&s, &ctx, None, &f).await;
    let back = match &result {
        Ok(detail) => format!("/compounds/{}", detail["code"].as_str().unwrap_or_default()),
        Err(_) => "/compounds".to_owned(),
    };
    let again = facts_page(&s, &ctx, None, Some(&f));
    after(&s, &ctx, result, &back, Kept::new("facts", &f), again).await
}

async fn save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = write_facts(&s, &ctx, Some(&code), &f).await;
    let back = format!("/compounds/{code}");
    let kept = Kept::new("facts", &f).of("compound", code.clone());
    let again = facts_page(&s, &ctx, Some(&code), Some(&f));
    after(&s, &ctx, result, &back, kept, again).await
}

async fn scope_page(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, scope_view(&s, &ctx, &code, None).await)
}

async fn scope_save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let kept = Kept::new("scope", &f).of("compound", code.clone());
    if f.text("action") == "recalc" {
        // 重新计算: the page again with the typed scope priced, nothing saved.
        let checked = async {
            let detail = compounds::get(&s.db, &code).await?;
            let catalog = catalog::load(&s.db).await?;
            typed_scope(&f, &detail, &catalog).map(|_| ())
        };
        return match checked.await {
            Ok(()) => page(&s, &ctx, scope_view(&s, &ctx, &code, Some(&f)).await),
            Err(e) => {
                let again = scope_view(&s, &ctx, &code, Some(&f));
                after(&s, &ctx, Err::<(), _>(e), "", kept, again).await
            }
        };
    }
    let result = save_part(&s, &ctx, &code, &f, |detail, catalog, props| {
        let (lines, codes) = typed_scope(&f, detail, catalog)?;
        props.insert(
            "scope".into(),
            serde_json::to_value(&lines).map_err(|e| Error::Internal(e.into()))?,
        );
        let remap: Remap = Box::new(move |field: &str| scope_field(field, &codes));
        Ok((FieldErrors::default(), remap))
    });
    let back = format!("/compounds/{code}/scope");
    let again = scope_view(&s, &ctx, &code, Some(&f));
    after(&s, &ctx, result.await, &back, kept, again).await
}

async fn survey_save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = save_part(&s, &ctx, &code, &f, |_, _, props| {
        let (survey, rows, mine) = typed_survey(&f);
        props.insert("survey".into(), survey);
        if props.get("status").and_then(Value::as_str) == Some("catalogued") {
            props.insert("status".into(), json!("surveyed"));
        }
        let remap: Remap = Box::new(move |field: &str| survey_field(field, &rows));
        Ok((mine, remap))
    });
    record_form(&s, &ctx, &code, &f, "survey", result.await).await
}

async fn consent_save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = save_part(&s, &ctx, &code, &f, |_, _, props| {
        let (consent, mine) = typed_consent(&f);
        props.insert("consent".into(), consent);
        let remap: Remap =
            Box::new(|field: &str| field.strip_prefix("consent.").unwrap_or(field).to_owned());
        Ok((mine, remap))
    });
    record_form(&s, &ctx, &code, &f, "consent", result.await).await
}

async fn category_save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = save_part(&s, &ctx, &code, &f, |_, _, props| {
        let category = f.text("category").trim();
        let value = if category.is_empty() {
            Value::Null
        } else {
            json!({"category": category, "reason": f.text("reason").trim()})
        };
        props.insert("category_override".into(), value);
        let remap: Remap = Box::new(|field: &str| {
            field
                .strip_prefix("category_override.")
                .unwrap_or(field)
                .to_owned()
        });
        Ok((FieldErrors::default(), remap))
    });
    record_form(&s, &ctx, &code, &f, "category", result.await).await
}

/// The compound's own split by funding source, with its reason; 恢复按政策分摊 (`action=clear`) drops it.
async fn funding_save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = save_part(&s, &ctx, &code, &f, |detail, _, props| {
        let mut mine = FieldErrors::default();
        let value = if f.text("action") == "clear" {
            Value::Null
        } else {
            let mut shares = Map::new();
            let sources = detail["funding"]["shares"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for source in sources.iter().filter_map(|s| s["source"].as_str()) {
                let key = format!("share_{source}");
                let text = f.text(&key).trim().replace([',', '，', '¥', '￥'], "");
                if text.is_empty() {
                    continue;
                }
                match text.parse::<f64>() {
                    Ok(yuan) if yuan.is_finite() => {
                        shares.insert(source.to_owned(), json!(yuan));
                    }
                    _ => mine.add(key, "须为以元计的金额，如 1200000 或 1200000.50"),
                }
            }
            json!({"shares": shares, "reason": f.text("funding_reason").trim()})
        };
        props.insert("funding_override".into(), value);
        let remap: Remap = Box::new(|field: &str| {
            if let Some(source) = field.strip_prefix("funding_override.shares.") {
                format!("share_{source}")
            } else if field == "funding_override.reason" {
                "funding_reason".to_owned()
            } else {
                field
                    .strip_prefix("funding_override.")
                    .unwrap_or(field)
                    .to_owned()
            }
        });
        Ok((mine, remap))
    });
    record_form(&s, &ctx, &code, &f, "funding", result.await).await
}

async fn archive(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        if f.text("confirm") != "yes" {
            return Err(Error::invalid("confirm", "请勾选“确认归档”后再提交"));
        }
        compounds::archive(&s.db, &ctx.actor()?, &code, version).await
    };
    record_form(&s, &ctx, &code, &f, "archive", result.await).await
}

/// After a form on the compound's own page: back to it, or it again with the form refused.
async fn record_form(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    f: &Form,
    which: &str,
    result: Result<Value>,
) -> Response {
    let back = format!("/compounds/{code}");
    let kept = Kept::new(which, f).of("compound", code.to_owned());
    let again = super::pages::compound_page(s, ctx, code);
    after(s, ctx, result, &back, kept, again).await
}

// ── Writing ─────────────────────────────────────────────────────────────────────────────────────────────

/// How the record's field names map back to a form's, for the messages beside its fields.
type Remap = Box<dyn Fn(&str) -> String + Send + Sync>;

/// Saves one part of the stored record from a form on the compound's pages: `edit` changes the stored
/// properties and says what the form refused itself and how its fields are named.
async fn save_part(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    f: &Form,
    edit: impl FnOnce(&Value, &Catalog, &mut Map<String, Value>) -> Result<(FieldErrors, Remap)>,
) -> Result<Value> {
    let version = f.version()?;
    let detail = compounds::get(&s.db, code).await?;
    let catalog = catalog::load(&s.db).await?;
    let mut props = properties_of(&detail);
    let (mine, remap) = edit(&detail, &catalog, &mut props)?;
    let geometry = detail.get("geometry").cloned();
    write(
        s,
        ctx,
        Some((code, version)),
        props,
        geometry,
        mine,
        &*remap,
    )
    .await
}

/// The stored record's writable attributes (the read-only ones are ignored by the parse).
fn properties_of(detail: &Value) -> Map<String, Value> {
    let mut props = detail.as_object().cloned().unwrap_or_default();
    props.remove("geometry");
    props
}

/// Parses the record (`remap` turns the record's field names into the form's), adds the form's own errors
/// (`mine`, which win for their field) and writes: a new compound, or `(code, version)` over the stored one.
async fn write(
    s: &AppState,
    ctx: &Ctx,
    existing: Option<(&str, i32)>,
    props: Map<String, Value>,
    geometry: Option<Value>,
    mine: FieldErrors,
    remap: &(dyn Fn(&str) -> String + Sync),
) -> Result<Value> {
    let catalog = catalog::load(&s.db).await?;
    let props = Value::Object(props);
    let parsed = tokio::task::spawn_blocking(move || {
        CompoundRecord::parse(&props, geometry.as_ref(), Crs::Wgs84, &catalog)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    let mut errors = FieldErrors::default();
    if let Err(found) = &parsed {
        for (field, messages) in &found.0 {
            let field = remap(field);
            if !mine.0.contains_key(&field) {
                for m in messages {
                    errors.add(field.clone(), m.clone());
                }
            }
        }
    }
    errors.0.extend(mine.0);
    let record = match parsed {
        Ok(record) if errors.is_empty() => record,
        _ => return Err(Error::Invalid(errors)),
    };
    let actor = ctx.actor()?;
    match existing {
        None => compounds::create(&s.db, &actor, &record).await,
        Some((code, version)) => compounds::update(&s.db, &actor, code, version, &record).await,
    }
    .map_err(|e| match e {
        Error::Invalid(found) => Error::Invalid(FieldErrors(
            found.0.into_iter().map(|(k, v)| (remap(&k), v)).collect(),
        )),
        other => other,
    })
}

/// The facts form (code, name, place, figures, boundary) over the stored record, or a new one.
async fn write_facts(s: &AppState, ctx: &Ctx, code: Option<&str>, f: &Form) -> Result<Value> {
    let version = code.map(|_| f.version()).transpose()?;
    let detail = match code {
        Some(code) => Some(compounds::get(&s.db, code).await?),
        None => None,
    };
    let towns = compounds::town_counts(&s.db).await?;
    let mut mine = FieldErrors::default();
    let mut props = detail.as_ref().map(properties_of).unwrap_or_default();
    if let Some(code) = code {
        props.insert("code".into(), json!(code));
    } else {
        let typed = f.text("code").trim();
        if typed.eq_ignore_ascii_case("new") {
            // `/compounds/new` is the form for a new compound: a compound so coded could not be opened.
            mine.add("code", "“new”是新建页面的地址，不能用作小区编号，请换一个");
        }
        props.insert("code".into(), json!(typed));
    }
    for key in [
        "name",
        "community",
        "address",
        "property_management",
        "origin",
    ] {
        props.insert(key.into(), json!(f.text(key)));
    }
    let town_code = f.text("town_code").trim();
    match towns.iter().find(|t| t["code"] == town_code) {
        Some(t) => {
            props.insert("town_code".into(), json!(town_code));
            props.insert("town".into(), t["name"].clone());
        }
        None => {
            mine.add("town_code", "请选择乡镇（街道）");
            props.insert("town_code".into(), json!("0"));
            props.insert("town".into(), json!("—"));
        }
    }
    let integers = [
        ("year_built", "须为四位年份，如 1995", 1995),
        ("buildings", "须为整数，如 6", 1),
        ("households", "须为整数，如 240", 1),
        ("storeys", "须为整数，如 6", 1),
    ];
    for (key, message, placeholder) in integers {
        let typed = f.text(key).trim();
        match typed.parse::<i32>() {
            Ok(n) => props.insert(key.into(), json!(n)),
            Err(_) => {
                mine.add(key, if typed.is_empty() { "必填" } else { message });
                props.insert(key.into(), json!(placeholder))
            }
        };
    }
    let area = f.text("floor_area_m2").trim().replace([',', '，'], "");
    match area.parse::<f64>().ok().filter(|a| a.is_finite()) {
        Some(a) => props.insert("floor_area_m2".into(), json!(a)),
        None => {
            mine.add(
                "floor_area_m2",
                if area.is_empty() {
                    "必填"
                } else {
                    "须为数，如 21600 或 21600.5"
                },
            );
            props.insert("floor_area_m2".into(), json!(1.0))
        }
    };
    props.insert("has_lifts".into(), json!(f.text("has_lifts") == "yes"));
    let geometry = match boundary_input::from_form(f) {
        Typed::Geometry(g) => Some(g),
        Typed::Nothing => detail.as_ref().and_then(|d| d.get("geometry").cloned()),
        Typed::Unreadable(message) => {
            mine.add("boundary", message);
            detail.as_ref().and_then(|d| d.get("geometry").cloned())
        }
    };
    let remap = |field: &str| match field {
        "geometry" => "boundary".to_owned(),
        "town" => "town_code".to_owned(),
        other => other.to_owned(),
    };
    let existing = code.zip(version);
    write(s, ctx, existing, props, geometry, mine, &remap).await
}

/// The survey form: its date and its rows of deficits (`d{i}_code`, `d{i}_severity`, `d{i}_note`); empty rows
/// are left out. Gives the survey, the form row of each deficit kept, and the form's own errors.
fn typed_survey(f: &Form) -> (Value, Vec<usize>, FieldErrors) {
    let mut mine = FieldErrors::default();
    let date = f.text("surveyed_on").trim();
    let surveyed_on = parse_date(date).unwrap_or_else(|| {
        mine.add(
            "surveyed_on",
            if date.is_empty() {
                "必填，如 2021-03-15"
            } else {
                "须为日期，如 2021-03-15"
            },
        );
        "2000-01-01".to_owned()
    });
    let mut deficits = Vec::new();
    let mut rows = Vec::new();
    for i in 0..200 {
        let key = |k: &str| format!("d{i}_{k}");
        if f.get(&key("code")).is_none() && f.get(&key("note")).is_none() {
            break;
        }
        let code = f.text(&key("code")).trim();
        let note = f.text(&key("note")).trim();
        if code.is_empty() && note.is_empty() {
            continue;
        }
        if code.is_empty() {
            mine.add(key("code"), "请选择问题类别");
        }
        deficits
            .push(json!({"code": code, "severity": f.text(&key("severity")).trim(), "note": note}));
        rows.push(i);
    }
    (
        json!({"surveyed_on": surveyed_on, "deficits": deficits}),
        rows,
        mine,
    )
}

fn survey_field(field: &str, rows: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("survey.") else {
        return field.to_owned();
    };
    // survey.deficits[2].code → the form row of the third deficit kept.
    if let Some(rest) = rest.strip_prefix("deficits[")
        && let Some((index, key)) = rest.split_once("].")
        && let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get(i))
    {
        return format!("d{row}_{key}");
    }
    rest.to_owned()
}

fn parse_date(text: &str) -> Option<String> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(text, f).ok())
        .map(|d| d.to_string())
}

/// The consent form's seven fields as the record's consent, with the numbers that are not numbers named.
fn typed_consent(f: &Form) -> (Value, FieldErrors) {
    let mut mine = FieldErrors::default();
    let date = f.text("recorded_on").trim();
    let recorded_on = parse_date(date).unwrap_or_else(|| {
        mine.add(
            "recorded_on",
            if date.is_empty() {
                "必填，如 2021-03-15"
            } else {
                "须为日期，如 2021-03-15"
            },
        );
        "2000-01-01".to_owned()
    });
    let mut consent = json!({"recorded_on": recorded_on});
    for key in ["owners_total", "participating_owners", "agreeing_owners"] {
        let typed = f.text(key).trim();
        let n = typed.parse::<u32>().unwrap_or_else(|_| {
            mine.add(
                key,
                if typed.is_empty() {
                    "必填"
                } else {
                    "须为整数（户），如 180"
                },
            );
            0
        });
        consent[key] = json!(n);
    }
    for key in ["area_total_m2", "participating_area_m2", "agreeing_area_m2"] {
        let typed = f.text(key).trim().replace([',', '，'], "");
        let a = typed
            .parse::<f64>()
            .ok()
            .filter(|a| a.is_finite())
            .unwrap_or_else(|| {
                mine.add(
                    key,
                    if typed.is_empty() {
                        "必填"
                    } else {
                        "须为数（㎡），如 15600.5"
                    },
                );
                0.0
            });
        consent[key] = json!(a);
    }
    (consent, mine)
}

// ── Scope ───────────────────────────────────────────────────────────────────────────────────────────────

fn figures_of(detail: &Value) -> Figures {
    let int = |k: &str| detail[k].as_i64().unwrap_or_default() as i32;
    let num = |k: &str| detail[k].as_f64().unwrap_or_default();
    Figures {
        floor_area_m2: num("floor_area_m2"),
        storeys: int("storeys"),
        households: int("households"),
        buildings: int("buildings"),
        site_area_m2: num("site_area_m2"),
        perimeter_m: num("perimeter_m"),
    }
}

/// The quantity the catalog's rule gives an item, rounded as the estimate rounds it.
fn derived(catalog: &Catalog, figures: &Figures, code: &str) -> Option<f64> {
    let item = catalog.item(code)?;
    let q = item.quantity.derive(figures)?;
    Some(if item.is_counted() {
        q.ceil()
    } else {
        (q * 100.0).round() / 100.0
    })
}

/// The scope form (`pick_{item}`, `qty_{item}`, `reason_{item}` for every catalog item): the chosen lines in
/// catalog order and their item codes. A quantity equal to the derived one is stored as derived; one that
/// differs needs a reason.
fn typed_scope(
    f: &Form,
    detail: &Value,
    catalog: &Catalog,
) -> Result<(Vec<ScopeLine>, Vec<String>)> {
    let figures = figures_of(detail);
    let mut errors = FieldErrors::default();
    let mut lines = Vec::new();
    for item in &catalog.items {
        if f.get(&format!("pick_{}", item.code)).is_none() {
            continue;
        }
        let qty = f
            .text(&format!("qty_{}", item.code))
            .trim()
            .replace([',', '，'], "");
        let reason = f.text(&format!("reason_{}", item.code)).trim().to_owned();
        let derived = derived(catalog, &figures, &item.code);
        let quantity = if qty.is_empty() {
            None
        } else {
            match qty.parse::<f64>().ok().filter(|q| q.is_finite()) {
                Some(q) if derived.is_some_and(|d| (d - q).abs() < 1e-9) => None,
                Some(q) => Some(q),
                None => {
                    errors.add(format!("qty_{}", item.code), "须为数，如 120 或 35.5");
                    continue;
                }
            }
        };
        if let (Some(_), Some(d)) = (quantity, derived)
            && reason.is_empty()
        {
            errors.add(
                format!("reason_{}", item.code),
                format!(
                    "工程量与按小区数据推算的 {} {} 不同，须说明理由",
                    quantity_text(d),
                    item.unit
                ),
            );
        }
        lines.push(ScopeLine {
            item: item.code.clone(),
            quantity,
            reason: (quantity.is_some() && !reason.is_empty()).then_some(reason),
        });
    }
    if let Err(found) = cost::estimate(catalog, &figures, &lines) {
        for (i, message) in found {
            errors.add(format!("qty_{}", lines[i].item), message);
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let codes = lines.iter().map(|l| l.item.clone()).collect();
    Ok((lines, codes))
}

fn scope_field(field: &str, codes: &[String]) -> String {
    field
        .strip_prefix("scope[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| codes.get(i))
        .map_or_else(|| field.to_owned(), |code| format!("qty_{code}"))
}

fn quantity_text(q: f64) -> String {
    if q.fract() == 0.0 {
        format!("{q:.0}")
    } else {
        format!("{q:.2}")
    }
}

/// The scope page: the catalog by class, each item with its derived quantity, the chosen ones ticked with
/// their quantity and reason; the estimate and the category of the stored scope, or of the typed one (`typed`,
/// after 重新计算 or a refused save).
async fn scope_view(s: &AppState, ctx: &Ctx, code: &str, typed: Option<&Form>) -> Rendered {
    let detail = compounds::get(&s.db, code).await?;
    let catalog = catalog::load(&s.db).await?;
    let figures = figures_of(&detail);
    let stored: Vec<ScopeLine> =
        serde_json::from_value(detail["scope"].clone()).unwrap_or_default();
    let typed_lines = typed.and_then(|f| typed_scope(f, &detail, &catalog).ok());
    let preview: Option<Estimate> = typed_lines
        .as_ref()
        .and_then(|(lines, _)| cost::estimate(&catalog, &figures, lines).ok());
    let stored_estimate = cost::estimate(&catalog, &figures, &stored).ok();
    let shown = preview.as_ref().or(stored_estimate.as_ref());
    let groups: Vec<Value> = catalog
        .classes
        .iter()
        .map(|class| {
            let items: Vec<Value> = catalog
                .items
                .iter()
                .filter(|i| i.class == class.code)
                .map(|item| {
                    let line = stored.iter().find(|l| l.item == item.code);
                    let (picked, qty, reason) = match typed {
                        Some(f) => (
                            f.get(&format!("pick_{}", item.code)).is_some(),
                            f.text(&format!("qty_{}", item.code)).to_owned(),
                            f.text(&format!("reason_{}", item.code)).to_owned(),
                        ),
                        None => (
                            line.is_some(),
                            line.and_then(|l| l.quantity).map(quantity_text).unwrap_or_default(),
                            line.and_then(|l| l.reason.clone()).unwrap_or_default(),
                        ),
                    };
                    let amount = shown
                        .and_then(|e| e.lines.iter().find(|l| l.item == item.code))
                        .map(|l| json!({"quantity": l.quantity, "amount_yuan": l.amount_yuan, "derived": l.derived}));
                    json!({
                        "code": item.code, "name": item.name, "unit": item.unit,
                        "unit_cost_yuan": item.unit_cost_yuan,
                        "derived": derived(&catalog, &figures, &item.code).map(quantity_text),
                        "picked": picked, "qty": qty, "reason": reason, "line": amount,
                    })
                })
                .collect();
            let subtotal: f64 = shown
                .map(|e| e.lines.iter().filter(|l| l.class == class.code).map(|l| l.amount_yuan).sum())
                .unwrap_or_default();
            json!({"code": class.code, "name": class.name, "description": class.description,
                   "items": items, "subtotal_yuan": (subtotal * 100.0).round() / 100.0})
        })
        .collect();
    let class_name = |c: Option<&str>| {
        c.and_then(|c| catalog.class(c))
            .map_or_else(|| "未定".to_owned(), |c| c.name.clone())
    };
    let category = shown.and_then(|e| e.category.as_deref());
    Ok((
        "compound_scope.html",
        json!({
            "title": format!("{} · 改造内容", detail["name"].as_str().unwrap_or_default()),
            "nav": "compounds",
            "c": detail,
            "groups": groups,
            "preview": preview.is_some(),
            "total_yuan": shown.map(Estimate::total_yuan).unwrap_or_default(),
            "category": category,
            "category_name": class_name(category),
            "category_colour": svg::category_colour(category),
            "stored_total_yuan": stored_estimate.as_ref().map(Estimate::total_yuan).unwrap_or_default(),
            "stored_category_name": class_name(stored_estimate.as_ref().and_then(|e| e.category.as_deref())),
            "override_name": detail["category_override"]["category"].as_str().map(|c| class_name(Some(c))),
            "can_write": can_write(ctx) && !scope_settled(&detail), "settled": scope_settled(&detail),
        }),
    ))
}

// ── The facts page ──────────────────────────────────────────────────────────────────────────────────────

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Value> {
    all.iter()
        .map(|v| json!({"code": code(*v), "name": label(*v)}))
        .collect()
}

/// The form for a new compound (`code` None) or a compound's facts and boundary; `typed` is a refused form,
/// whose boundary is drawn when it can be read (and kept as text, a chosen file included).
async fn facts_page(s: &AppState, ctx: &Ctx, code: Option<&str>, typed: Option<&Form>) -> Rendered {
    let detail = match code {
        Some(code) => Some(compounds::get(&s.db, code).await?),
        None => None,
    };
    let towns = compounds::town_counts(&s.db).await?;
    let typed_boundary = typed.map(boundary_input::from_form);
    let typed_geometry = match &typed_boundary {
        Some(Typed::Geometry(g)) => Some(g.clone()),
        _ => None,
    };
    let boundary_kept = match (typed, &typed_boundary) {
        (Some(f), Some(Typed::Geometry(g))) if f.file(boundary_input::FILE).is_some() => {
            g.to_string()
        }
        (Some(f), _) => f.text(boundary_input::TEXT).to_owned(),
        (None, _) => String::new(),
    };
    let shown = typed_geometry
        .clone()
        .or_else(|| detail.as_ref().map(|d| d["geometry"].clone()));
    let outline = shown.as_ref().and_then(|g| svg::outline(g, 420.0, 300.0));
    let colour = svg::category_colour(detail.as_ref().and_then(|d| d["category"].as_str()));
    let title = match &detail {
        Some(d) => format!("修改 {}", d["name"].as_str().unwrap_or_default()),
        None => "新建小区".to_owned(),
    };
    Ok((
        "compound_edit.html",
        json!({
            "title": title,
            "nav": "compounds",
            "c": detail,
            "towns": towns,
            "property_managements": choices(PropertyManagement::ALL, PropertyManagement::code, PropertyManagement::label),
            "origins": choices(Origin::ALL, Origin::code, Origin::label),
            "outline": outline,
            "outline_typed": typed_geometry.is_some(),
            "colour": colour,
            "boundary_kept": boundary_kept,
            "can_write": can_write(ctx),
        }),
    ))
}
