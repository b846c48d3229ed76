//! The bureau's pages for contractors: the list with a form to register a firm, and one firm with its edit form.
//! Whoever may write contractors over the API may use the forms; other staff read the same pages.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::db::contractors::{self, ContractorInput, ContractorRecord};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, after, page};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::ContractorsPage)
        .then(list)
        .or(post_form(s, Route::ContractorCreatePage).then(create))
        .unify()
        .or(route1(s, Route::ContractorPage).then(one))
        .unify()
        .or(post_form1(s, Route::ContractorEditPage).then(edit))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, list_page(&s, &ctx).await)
}

async fn one(code: String, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, firm_page(&s, &ctx, &code).await)
}

async fn create(ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let record = record(&f, None)?;
        contractors::create(&s.db, &ctx.actor()?, &record).await
    };
    let result = result.await;
    let back = match &result {
        Ok(view) => format!("/contractors/{}", view.code),
        Err(_) => "/contractors".to_owned(),
    };
    let again = list_page(&s, &ctx);
    after(&s, &ctx, result, &back, Kept::new("create", &f), again).await
}

async fn edit(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let record = record(&f, Some(&code))?;
        contractors::update(&s.db, &ctx.actor()?, version, &record).await
    };
    let back = format!("/contractors/{code}");
    let kept = Kept::new("edit", &f).of("contractor", code.clone());
    let again = firm_page(&s, &ctx, &code);
    after(&s, &ctx, result.await, &back, kept, again).await
}

/// The form's fields as the service takes them (the same checks as the API's JSON body): a new firm
/// (`path_code` None, its code typed) or an edit of the firm `path_code`.
fn record(f: &Form, path_code: Option<&str>) -> Result<ContractorRecord> {
    let typed = |key: &str| Some(f.text(key).trim()).filter(|v| !v.is_empty());
    let capacity = typed("capacity").map(str::parse::<i64>).transpose();
    let input = ContractorInput {
        code: path_code.map_or_else(|| typed("code").map(str::to_owned), |_| None),
        name: f.text("name").to_owned(),
        credit_code: f.text("credit_code").to_owned(),
        qualification: typed("qualification").map(str::to_owned),
        contact_person: f.text("contact_person").to_owned(),
        phone: f.text("phone").to_owned(),
        capacity: capacity.clone().unwrap_or_default(),
    };
    let parsed = ContractorRecord::parse(&input, path_code);
    if capacity.is_ok() {
        return parsed;
    }
    // Not a number: said beside the capacity, with whatever else is wrong in the form.
    let mut errors = match parsed {
        Err(Error::Invalid(errors)) => errors,
        Err(other) => return Err(other),
        Ok(_) => FieldErrors::default(),
    };
    errors.add("capacity", "须为整数，如 3");
    Err(Error::Invalid(errors))
}

fn can_write(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CreateContractor.rule().admits(p.role))
}

async fn list_page(state: &AppState, ctx: &Ctx) -> Rendered {
    let open = contractors::open_projects_by_firm(&state.db).await?;
    let items: Vec<Value> = contractors::list(&state.db, None)
        .await?
        .into_iter()
        .map(|c| {
            let on_hand = open.get(&c.code).copied().unwrap_or(0);
            json!({"firm": c, "open": on_hand})
        })
        .collect();
    Ok((
        "contractors.html",
        json!({"title": "施工单位", "nav": "contractors", "items": items,
               "can_write": can_write(ctx), "default_capacity": contractors::DEFAULT_CAPACITY}),
    ))
}

async fn firm_page(state: &AppState, ctx: &Ctx, code: &str) -> Rendered {
    let firm = contractors::get(&state.db, code, None).await?;
    let open = contractors::open_projects_by_firm(&state.db).await?;
    let on_hand = open.get(&firm.code).copied().unwrap_or(0);
    Ok((
        "contractor.html",
        json!({"title": firm.name.clone(), "nav": "contractors", "c": firm, "open": on_hand,
               "can_write": can_write(ctx)}),
    ))
}
