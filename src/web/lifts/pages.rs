//! The staff page of a compound's lift votes (`/compounds/{code}/lifts`): every unit with its counts, shares and
//! verdict, and for planners the form that records a unit's vote (a new one, or the one chosen with `?building=…
//! &unit=…` to change or delete). A refused form comes back as itself, each message beside its field.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::lift::{self, UnitView, Units};
use crate::domain::FieldErrors;
use crate::domain::compound::Status;
use crate::domain::lift::{Centi, Draft, LiftUnit};
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form1, route1};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::query::{Query, query};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route1(s, Route::CompoundLiftsPage)
        .and(query())
        .then(lifts_page)
        .or(post_form1(s, Route::CompoundLiftSave).then(save))
        .unify()
        .or(post_form1(s, Route::CompoundLiftDelete).then(delete))
        .unify()
        .boxed()
}

/// A unit of the compound, by its building and unit names.
type Chosen = Option<(String, String)>;

async fn lifts_page(code: String, ctx: Ctx, s: AppState, q: Query) -> Response {
    let find = |key: &str| {
        q.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
    };
    let chosen = find("building").zip(find("unit"));
    page(&s, &ctx, lifts_view(&s, &ctx, &code, chosen).await)
}

async fn save(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let expected = optional_version(&f)?;
        let today = crate::domain::time::beijing_date(chrono::Utc::now());
        let unit = LiftUnit::parse(&draft(&f), today).map_err(Error::Invalid)?;
        lift::save(&s.db, &ctx.actor()?, &code, &unit, expected).await
    };
    let result = result.await.map_err(in_form_terms);
    // A form made from a unit on record edits that unit: shown again on its current version.
    let chosen = optional_version(&f).ok().flatten().map(|_| typed_unit(&f));
    finish(&s, &ctx, &code, &f, "lift", result, chosen).await
}

async fn delete(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let (building, unit) = typed_unit(&f);
    let result = async {
        let expected = optional_version(&f)?;
        let mut errors = FieldErrors::default();
        if building.is_empty() || unit.is_empty() {
            errors.add("stairwell", "请先在表中选择要删除的单元");
        }
        if f.text("confirm") != "yes" {
            errors.add("confirm", "请勾选“确认删除”后再提交");
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        lift::delete(&s.db, &ctx.actor()?, &code, &building, &unit, expected).await
    };
    let result = result.await.map_err(in_form_terms);
    let chosen = Some((building.clone(), unit.clone()));
    finish(&s, &ctx, &code, &f, "lift_delete", result, chosen).await
}

/// Back to the page after a form; or the page again with the form refused, what was typed kept, and (when the
/// edit came too late) what others changed since.
async fn finish(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    f: &Form,
    which: &str,
    result: Result<Units>,
    chosen: Chosen,
) -> Response {
    let (building, unit) = typed_unit(f);
    let kept = Kept::new(which, f).of("lift_unit", format!("{code} {building}{unit}"));
    let back = format!("/compounds/{code}/lifts");
    let again = lifts_view(s, ctx, code, chosen);
    after(s, ctx, result, &back, kept, again).await
}

/// The typed building and unit, trimmed as the record keeps them.
fn typed_unit(f: &Form) -> (String, String) {
    let trim = |key: &str| crate::domain::text::trim(f.text(key)).to_owned();
    (trim("building"), trim("stairwell"))
}

/// The version a form was made from: absent on the form for a new unit.
fn optional_version(f: &Form) -> Result<Option<i32>> {
    match f.optional("version") {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid("version", "页面已过时，请刷新后再提交")),
    }
}

/// The form's fields as the record's draft. The unit's field is `stairwell` on the form, so that its label
/// (单元) is not the catalog's `unit` (单位).
fn draft(f: &Form) -> Draft {
    let vote = |answer: &str| {
        (
            f.text(&format!("{answer}_owners")).to_owned(),
            f.text(&format!("{answer}_area_m2")).to_owned(),
        )
    };
    Draft {
        building: f.text("building").to_owned(),
        unit: f.text("stairwell").to_owned(),
        owners_total: f.text("owners_total").to_owned(),
        area_total_m2: f.text("area_total_m2").to_owned(),
        votes: [vote("agree"), vote("oppose"), vote("abstain")],
        recorded_on: f.text("recorded_on").to_owned(),
    }
}

/// The record's field names as the form's: `agree.area_m2` → `agree_area_m2`, `unit` → `stairwell`.
fn in_form_terms(e: Error) -> Error {
    let name = |field: &str| match field {
        "unit" => "stairwell".to_owned(),
        other => other.replace('.', "_"),
    };
    match e {
        Error::Invalid(found) => Error::Invalid(FieldErrors(
            found.0.into_iter().map(|(k, v)| (name(&k), v)).collect(),
        )),
        Error::Conflict {
            field: Some("unit"),
            message,
        } => Error::Conflict {
            field: Some("stairwell"),
            message,
        },
        other => other,
    }
}

fn can_write(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CompoundLiftSave.rule().admits(p.role))
}

/// The page: the compound's units and their verdicts; the form for a new unit, or for `chosen` when it is on
/// record (its values, its version, and the form to delete it).
async fn lifts_view(s: &AppState, ctx: &Ctx, code: &str, chosen: Chosen) -> Rendered {
    let units = lift::list(&s.db, code).await?;
    let edited = chosen.and_then(|(building, unit)| {
        units
            .units
            .iter()
            .find(|u| u.building == building && u.unit == unit)
    });
    let rows: Vec<Value> = units.units.iter().map(row).collect();
    let failed = units.units.len() - units.passed;
    // Once works have begun the scope is the contract's: no votes are recorded here any more.
    let settled = Status::parse(&units.compound.status).is_ok_and(Status::scope_settled);
    Ok((
        "compound_lifts.html",
        json!({
            "title": format!("{} · 加装电梯表决（按单元）", units.compound.name),
            "nav": "compounds",
            "rows": rows,
            "l": units,
            "failed": failed,
            "edit": edited.map(form_values),
            "can_write": can_write(ctx),
            "settled": settled,
            "open": !settled && units.storeys_allowed,
        }),
    ))
}

/// One unit as a row of the table: the shares of the four tests with their marks.
fn row(u: &UnitView) -> Value {
    let shares: serde_json::Map<String, Value> = u
        .verdict
        .shares
        .iter()
        .map(|s| {
            (
                s.field.to_owned(),
                json!({"share": s.share.clone().unwrap_or_else(|| "—".into()), "met": s.met, "bar": s.bar}),
            )
        })
        .collect();
    let query = serde_urlencoded::to_string([("building", &u.building), ("unit", &u.unit)])
        .unwrap_or_default();
    json!({"u": u, "s": shares, "edit_query": query})
}

/// A unit's record as the form's values.
fn form_values(u: &UnitView) -> Value {
    let area = |m2: f64| Centi((m2 * 100.0).round() as u64).text();
    json!({
        "building": u.building, "stairwell": u.unit, "version": u.version,
        "owners_total": u.owners_total.to_string(), "area_total_m2": area(u.area_total_m2),
        "agree_owners": u.agree.owners.to_string(), "agree_area_m2": area(u.agree.area_m2),
        "oppose_owners": u.oppose.owners.to_string(), "oppose_area_m2": area(u.oppose.area_m2),
        "abstain_owners": u.abstain.owners.to_string(), "abstain_area_m2": area(u.abstain.area_m2),
        "recorded_on": u.recorded_on.to_string(),
    })
}
