//! The plan pages (`/plans…`): the scenarios, one plan at a glance (budget per year as a bar chart, the county map
//! coloured by year, each year's batch as a table) with its moves, runs and approvals, and a comparison.

use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::api::compare_query;
use crate::db::{audit, compounds, scenarios};
use std::collections::{BTreeMap, BTreeSet};

use crate::domain::FieldErrors;
use crate::domain::batch::{Horizon, MAX_YEARS, YearLimits};
use crate::error::Error;
use crate::web::access::{Ctx, Form, Route, post_form, post_form1, route, route1};
use crate::web::html::{Kept, Rendered, after, page, refuse};
use crate::web::query::{Query, query};
use crate::web::reply::see_other;
use crate::web::state::AppState;
use crate::web::svg::{self, Projection};

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    route(s, Route::PlansPage)
        .then(list)
        .or(post_form(s, Route::PlanCreate).then(create))
        .unify()
        .or(route(s, Route::ComparePage).and(query()).then(compare))
        .unify()
        .or(route1(s, Route::PlanPage).then(one))
        .unify()
        .or(post_form1(s, Route::PlanRun).then(run))
        .unify()
        .or(post_form1(s, Route::PlanMove).then(move_compound))
        .unify()
        .or(post_form1(s, Route::PlanApprove).then(approve))
        .unify()
        .boxed()
}

async fn list(ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, plans_page(&s, &ctx, None).await)
}

/// The new-plan form: "更新年份" shows it again with a row per year of the typed horizon, saving nothing;
/// otherwise the whole scenario is planned and saved, or the form comes back with each message beside its field.
async fn create(ctx: Ctx, f: Form, s: AppState) -> Response {
    if !f.text("refresh").is_empty() {
        let mut errors = FieldErrors::default();
        if typed_years(&f, &mut errors).is_none() {
            let again = plans_page(&s, &ctx, Some(&f));
            return refuse(
                &s,
                &ctx,
                Error::Invalid(errors),
                Kept::new("create", &f),
                again,
            )
            .await;
        }
        return page(&s, &ctx, plans_page(&s, &ctx, Some(&f)).await);
    }
    let result = async {
        let sources = form_sources(&s).await?;
        let horizon = horizon_from_form(&f, &sources);
        let name = f.text("name").to_owned();
        let input = match horizon {
            Ok(horizon) => scenarios::Input { name, horizon }.checked()?,
            Err(mut errors) => {
                if name.trim().is_empty() {
                    errors.add("name", "必填");
                }
                return Err(Error::Invalid(errors));
            }
        };
        let years: Vec<i32> = input.horizon.years.iter().map(|y| y.year).collect();
        scenarios::create(&s.db, &ctx.actor()?, &input)
            .await
            .map_err(|e| with_form_errors(e, &years, &sources))
    };
    match result.await {
        Ok(scenario) => see_other(&format!("/plans/{}", scenario.id)),
        Err(e) => {
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("create", &f),
                plans_page(&s, &ctx, Some(&f)),
            )
            .await
        }
    }
}

async fn compare(ctx: Ctx, s: AppState, q: Query) -> Response {
    page(&s, &ctx, compare_page(&s, &q).await)
}

async fn one(id: i32, ctx: Ctx, s: AppState) -> Response {
    page(&s, &ctx, plan_page(&s, &ctx, id, None).await)
}

async fn run(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async { scenarios::rerun(&s.db, &ctx.actor()?, id).await };
    let again = plan_page(&s, &ctx, id, None);
    let back = format!("/plans/{id}");
    after(&s, &ctx, result.await, &back, Kept::new("run", &f), again).await
}

async fn move_compound(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let year = match f.text("year").trim() {
            "" | "auto" => json!("auto"),
            "out" => Value::Null,
            y => json!(
                y.parse::<i64>()
                    .map_err(|_| Error::invalid("year", "请选择年份、自动安排或移出计划"))?
            ),
        };
        let mv = scenarios::Move::parse(&json!({
            "code": f.text("code"),
            "year": year,
            "override": f.text("override") == "on",
            "reason": f.get("reason"),
        }))?;
        scenarios::move_compound(&s.db, &ctx.actor()?, id, version, &mv).await
    };
    match result.await {
        Ok(moved) => page(&s, &ctx, plan_page(&s, &ctx, id, Some(moved.changes)).await),
        Err(e) => {
            refuse(
                &s,
                &ctx,
                e,
                Kept::new("move", &f).of("scenario", id.to_string()),
                plan_page(&s, &ctx, id, None),
            )
            .await
        }
    }
}

async fn approve(id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let version = f.version()?;
        let year = f
            .text("year")
            .trim()
            .parse()
            .map_err(|_| Error::invalid("year", "请选择要批准的年度"))?;
        if f.text("confirm") != "on" {
            return Err(Error::invalid(
                "confirm",
                "请勾选确认：批准后该年度批次即锁定",
            ));
        }
        scenarios::approve(&s.db, &ctx.actor()?, id, version, year).await
    };
    let again = plan_page(&s, &ctx, id, None);
    let back = format!("/plans/{id}");
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("approve", &f).of("scenario", id.to_string()),
        again,
    )
    .await
}

/// The fields of the new-plan form for the limits of year `year` (`None`: the "默认" row, for years left blank).
fn year_key(field: &str, year: Option<i32>) -> String {
    match year {
        Some(y) => format!("{field}_{y}"),
        None => field.to_owned(),
    }
}

/// The first and last year typed, each checked; the errors go to `errors`.
fn typed_years(f: &Form, errors: &mut FieldErrors) -> Option<(i32, i32)> {
    let mut year = |key: &str| match f.text(key).trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            errors.add(key, "须为 2000 到 2100 之间的年份");
            None
        }
    };
    let (from, to) = (year("from"), year("to"));
    let (from, to) = (from?, to?);
    if to < from || to - from >= MAX_YEARS as i32 {
        errors.add(
            "to",
            format!("须不早于起始年度，且最多晚 {} 年", MAX_YEARS - 1),
        );
        return None;
    }
    Some((from, to))
}

/// A number typed in a cell of the limits table: blank is `None`.
fn cell<T>(
    f: &Form,
    key: &str,
    errors: &mut FieldErrors,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Option<T> {
    let raw = f.text(key).trim().replace([',', '，', ' '], "");
    if raw.is_empty() {
        return None;
    }
    let value = parse(&raw);
    if value.is_none() {
        errors.add(key, what);
    }
    value
}

fn wan(raw: &str) -> Option<u64> {
    raw.parse::<f64>()
        .ok()
        .filter(|b| b.is_finite() && (0.0..=1e9).contains(b))
        .map(|b| (b * 10_000.0).round() as u64)
}

/// A source's limit in 万元: more than nothing (blank for no limit).
fn wan_positive(raw: &str) -> Option<u64> {
    wan(raw).filter(|&yuan| yuan > 0)
}

/// A sum in yuan as the form shows it in 万元: `33000`, `4500.5`.
fn wan_text(yuan: u64) -> String {
    if yuan.is_multiple_of(10_000) {
        (yuan / 10_000).to_string()
    } else {
        let text = format!("{:.4}", yuan as f64 / 10_000.0);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A funding source as the new-plan form offers it: its code and name, and the yearly limit the policy expects
/// (`planning.source_limits_yuan`), the default for every year of a new plan.
struct FormSource {
    code: String,
    name: String,
    default_yuan: Option<u64>,
}

/// The form field of a source's limit: `source_wan_central` (the "默认" row), `source_wan_central_2027`.
fn source_key(code: &str, year: Option<i32>) -> String {
    year_key(&format!("source_wan_{code}"), year)
}

/// The policy's funding sources, for the new-plan form.
async fn form_sources(state: &AppState) -> crate::error::Result<Vec<FormSource>> {
    let policy = crate::db::catalog::load_policy(&state.db).await?;
    Ok(policy.map(|p| sources_of(&p)).unwrap_or_default())
}

/// The sources the policy expects a limit of come first (the central subsidy, as a rule), then the others, each
/// in the policy's order.
fn sources_of(policy: &crate::domain::policy::Policy) -> Vec<FormSource> {
    let mut sources: Vec<FormSource> = policy
        .funding
        .sources
        .iter()
        .map(|s| FormSource {
            code: s.code.clone(),
            name: s.name.trim().to_owned(),
            default_yuan: policy.planning.source_limits_yuan.get(&s.code).copied(),
        })
        .collect();
    sources.sort_by_key(|s| s.default_yuan.is_none());
    sources
}

/// The policy's latest decided batch (`[batches.YEAR]`): its budget is the new-plan form's default.
fn latest_batch(
    policy: &crate::domain::policy::Policy,
) -> Option<&crate::domain::policy::BatchBudget> {
    policy
        .batches
        .iter()
        .filter_map(|(year, b)| Some((year.parse::<i32>().ok()?, b)))
        .max_by_key(|(year, _)| *year)
        .map(|(_, b)| b)
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(raw: &str) -> Option<T> {
    raw.parse::<T>().ok().filter(|n| *n > T::default())
}

/// The whole scenario as the form sends it (the same body as `POST /api/scenarios`): the horizon's years with
/// each year's budget (万元), caps and funding sources' limits (万元), blank cells taking the "默认" row's (a source
/// blank in both is not limited); the discount, district projects on or off; pins typed one a line as
/// `RS-0007=2023`; exclusions as codes. Every mistake is reported, beside its field.
fn horizon_from_form(
    f: &Form,
    sources: &[FormSource],
) -> std::result::Result<Horizon, FieldErrors> {
    let mut errors = FieldErrors::default();
    const LIMIT: &str = "须为以万元计、大于 0 的金额，如 5000；留空则不限额";
    let default_sources: Vec<Option<u64>> = sources
        .iter()
        .map(|s| {
            cell(
                f,
                &source_key(&s.code, None),
                &mut errors,
                wan_positive,
                &format!("{}年度额度{LIMIT}", s.name),
            )
        })
        .collect();
    let span = typed_years(f, &mut errors);
    const BUDGET: &str = "须为以万元计的金额，如 33000";
    const COUNT: &str = "须为大于 0 的整数，或留空";
    let default_budget = cell(f, "budget_wan", &mut errors, wan, BUDGET);
    let default_compounds = cell(f, "max_compounds", &mut errors, positive::<u32>, COUNT);
    let default_households = cell(f, "max_households", &mut errors, positive::<u64>, COUNT);
    let mut years = Vec::new();
    for year in span.map(|(from, to)| from..=to).into_iter().flatten() {
        let key = |field: &str| year_key(field, Some(year));
        let budget = cell(
            f,
            &key("budget_wan"),
            &mut errors,
            wan,
            &format!("{year} 年预算{BUDGET}"),
        );
        let compounds = cell(
            f,
            &key("max_compounds"),
            &mut errors,
            positive::<u32>,
            &format!("{year} 年最多个数{COUNT}"),
        );
        let households = cell(
            f,
            &key("max_households"),
            &mut errors,
            positive::<u64>,
            &format!("{year} 年最多户数{COUNT}"),
        );
        let budget = budget.or_else(|| {
            let typed = !f.text(&key("budget_wan")).trim().is_empty();
            if default_budget.is_none() && !typed && !errors.0.contains_key("budget_wan") {
                errors.add(
                    key("budget_wan"),
                    format!("请填写 {year} 年预算，或在“默认”行填写各年预算"),
                );
            }
            default_budget
        });
        let mut source_limits_yuan = BTreeMap::new();
        for (s, default) in sources.iter().zip(&default_sources) {
            let typed = cell(
                f,
                &source_key(&s.code, Some(year)),
                &mut errors,
                wan_positive,
                &format!("{year} 年{}额度{LIMIT}", s.name),
            );
            if let Some(limit) = typed.or(*default) {
                source_limits_yuan.insert(s.code.clone(), limit);
            }
        }
        years.push(YearLimits {
            year,
            budget_yuan: budget.unwrap_or_default(),
            max_compounds: compounds.or(default_compounds),
            max_households: households.or(default_households),
            source_limits_yuan,
        });
    }
    let discount = cell(
        f,
        "discount",
        &mut errors,
        |raw| raw.parse::<f64>().ok().filter(|d| *d > 0.0 && *d <= 1.0),
        "须为大于 0 且不超过 1 的小数，如 0.9；留空则用政策设置",
    );
    let bundles = match f.text("bundles") {
        "" | "yes" => true,
        "no" => false,
        _ => {
            errors.add("bundles", "请选择是否合并片区");
            true
        }
    };
    let pins = pins_from(f.text("pins"), &mut errors);
    let exclusions: BTreeSet<String> = f
        .text("exclusions")
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Horizon {
        years,
        discount,
        pins,
        exclusions,
        bundles,
        overrides: Default::default(),
    })
}

/// Pins typed one a line: `RS-0007=2023` (also `RS-0007 2023`, `RS-0007：2023`).
fn pins_from(text: &str, errors: &mut FieldErrors) -> BTreeMap<String, i32> {
    let mut pins = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || matches!(c, '=' | '＝' | ':' | '：' | ',' | '，'))
            .filter(|p| !p.is_empty())
            .collect();
        let year = match parts.as_slice() {
            [_, year] => year.trim_end_matches('年').parse::<i32>().ok(),
            _ => None,
        };
        match (parts.first(), year) {
            (Some(code), Some(year)) => {
                if let Some(earlier) = pins.insert((*code).to_owned(), year)
                    && earlier != year
                {
                    errors.add(
                        "pins",
                        format!("小区 {code} 指定了两个年度（{earlier} 年和 {year} 年）"),
                    );
                }
            }
            _ => errors.add(
                "pins",
                format!(
                    "第 {} 行“{line}”须写成 小区编号=年度，如 RS-0007=2023",
                    n + 1
                ),
            ),
        }
    }
    pins
}

/// The planner's errors (`horizon.years[1].budget_yuan`, `horizon.years[1].source_limits_yuan.central`,
/// `horizon.pins.RS-0007`) named as the form's fields (`budget_wan_2023`, `source_wan_central_2023`, `pins`), so
/// each message stands beside what it is about.
fn with_form_errors(error: Error, years: &[i32], sources: &[FormSource]) -> Error {
    let Error::Invalid(errors) = error else {
        return error;
    };
    let mut named = FieldErrors::default();
    for (field, messages) in errors.0 {
        let field = field.strip_prefix("horizon.").unwrap_or(&field).to_owned();
        let key = if let Some(rest) = field.strip_prefix("years[") {
            let (index, what) = rest.split_once("].").unwrap_or((rest, ""));
            let year = index
                .parse::<usize>()
                .ok()
                .and_then(|i| years.get(i).copied());
            match (year, what) {
                (Some(y), "budget_yuan") => year_key("budget_wan", Some(y)),
                (Some(y), "max_compounds" | "max_households") => year_key(what, Some(y)),
                (Some(y), what) => match what.strip_prefix("source_limits_yuan.") {
                    Some(code) if sources.iter().any(|s| s.code == code) => {
                        source_key(code, Some(y))
                    }
                    _ => "from".to_owned(),
                },
                _ => "from".to_owned(),
            }
        } else if field == "years" || field.starts_with("overrides") {
            "to".to_owned()
        } else if let Some(code) = field
            .strip_prefix("pins.")
            .or(field.strip_prefix("exclusions."))
        {
            // Each message names the compound it is about.
            let key = field.split('.').next().unwrap_or_default().to_owned();
            for m in messages {
                let m = if m.contains(code) {
                    m
                } else {
                    format!("{code}：{m}")
                };
                named.add(key.clone(), m);
            }
            continue;
        } else {
            field
        };
        for m in messages {
            named.add(key.clone(), m);
        }
    }
    Error::Invalid(named)
}

fn can_plan(ctx: &Ctx) -> bool {
    ctx.user()
        .is_ok_and(|p| Route::CreateScenario.rule().admits(p.role))
}

/// The plans and the new-plan form; `draft` is a form sent back to it (its years give the table's rows).
async fn plans_page(state: &AppState, ctx: &Ctx, draft: Option<&Form>) -> Rendered {
    let items = scenarios::list(&state.db).await?;
    // Who changed each plan last, by name (the service and the CLI in words), not by username.
    let names = audit::Names::load(&state.db).await?;
    let people: std::collections::HashMap<&str, String> = items
        .iter()
        .map(|s| (s.updated_by.as_str(), names.person(&s.updated_by)))
        .collect();
    let next = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let suggested = (next, next + 3);
    let (from, to) = draft
        .and_then(|f| typed_years(f, &mut FieldErrors::default()))
        .unwrap_or(suggested);
    // The typed values (an "更新年份" draft keeps them), or the suggestion.
    let typed = |key: &str, default: Value| match draft {
        Some(f) => json!(f.text(key)),
        None => default,
    };
    let policy = crate::db::catalog::load_policy(&state.db).await?;
    let sources = policy.as_ref().map(sources_of).unwrap_or_default();
    let years: Vec<Value> = (from..=to)
        .map(|y| {
            let limits: Vec<Value> = sources
                .iter()
                .map(|s| {
                    let key = source_key(&s.code, Some(y));
                    json!({"key": key, "name": s.name, "value": typed(&key, json!(""))})
                })
                .collect();
            json!({"year": y,
                   "budget_wan": typed(&year_key("budget_wan", Some(y)), json!("")),
                   "max_compounds": typed(&year_key("max_compounds", Some(y)), json!("")),
                   "max_households": typed(&year_key("max_households", Some(y)), json!("")),
                   "sources": limits})
        })
        .collect();
    // The "默认" row: the latest decided batch's budget, and what the policy expects each source to provide a year.
    let latest = policy.as_ref().and_then(latest_batch);
    let default_sources: Vec<Value> = sources
        .iter()
        .map(|s| {
            let key = source_key(&s.code, None);
            let value = typed(
                &key,
                json!(s.default_yuan.map(wan_text).unwrap_or_default()),
            );
            json!({"key": key, "code": s.code, "name": s.name, "value": value})
        })
        .collect();
    let form = json!({
        "name": typed("name", json!("")),
        "from": typed("from", json!(suggested.0)),
        "to": typed("to", json!(suggested.1)),
        "budget_wan": typed(
            "budget_wan",
            json!(latest.map_or_else(|| "33000".to_owned(), |b| wan_text(b.budget_yuan)))
        ),
        "sources": default_sources,
        "max_compounds": typed("max_compounds", json!("")),
        "max_households": typed("max_households", json!("")),
        "discount": typed("discount", json!("")),
        "bundles": typed("bundles", json!("yes")),
        "pins": typed("pins", json!("")),
        "exclusions": typed("exclusions", json!("")),
        "years": years,
        "policy_discount": policy.map(|p| p.planning.discount),
        "refreshed": draft.is_some_and(|f| !f.text("refresh").is_empty()),
    });
    Ok((
        "plans.html",
        json!({"title": "年度计划", "nav": "plans", "items": items, "people": people, "can_plan": can_plan(ctx),
               "form": form}),
    ))
}

/// Colours for funding sources in the per-year stacked bars, in the order the bars stack them.
const SOURCE_COLOURS: [&str; 8] = [
    "#2e86c1", "#e67e22", "#27ae60", "#8e44ad", "#16a085", "#c0392b", "#7f8c8d", "#b7950b",
];
/// The part of a year's cost no source pays (资金缺口).
const UNFUNDED: &str = "#e5e8e8";

/// The stacked bars of each year's use by funding source (`None` when the plan reports no source use: its
/// horizon limits none). The limited sources stack first, so the first one's limit is a mark on the common scale;
/// every limit is also stated in figures (已用 / 额度) under its year's bar.
fn source_bars(years: &[Value]) -> Option<Value> {
    let uses = |y: &Value| y["sources"].as_array().cloned().unwrap_or_default();
    if years.iter().all(|y| uses(y).is_empty()) {
        return None;
    }
    let yuan = |v: &Value| v.as_f64().unwrap_or_default();
    let wan = |v: f64| jiugai_document::money::wan((v * 100.0).round() as i64);
    let limited_somewhere = |code: &Value| {
        years.iter().any(|y| {
            uses(y)
                .iter()
                .any(|u| u["source"] == *code && !u["limit_yuan"].is_null())
        })
    };
    // Sources in the order they stack: limited in some year first, then the others, each in the plan's order.
    let mut order: Vec<(String, String)> = Vec::new();
    for limited in [true, false] {
        for u in years.iter().flat_map(uses) {
            let code = u["source"].as_str().unwrap_or_default().to_owned();
            if limited_somewhere(&u["source"]) == limited && !order.iter().any(|(c, _)| *c == code)
            {
                order.push((code, u["name"].as_str().unwrap_or_default().to_owned()));
            }
        }
    }
    let colour = |i: usize| SOURCE_COLOURS[i % SOURCE_COLOURS.len()];
    const LEFT: f64 = 84.0;
    const RIGHT: f64 = 936.0;
    const BAR_H: f64 = 26.0;
    const LABEL_H: f64 = 15.0;
    const LINE_H: f64 = 20.0;
    /// What fits on one line of figures under a bar, in widths of a Chinese character at 14 px.
    const LINE_CHARS: f64 = 58.0;
    let width = |text: &str| {
        text.chars()
            .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
            .sum::<f64>()
    };
    let top = years
        .iter()
        .flat_map(|y| [yuan(&y["used_yuan"]), yuan(&y["budget_yuan"])])
        .fold(1.0_f64, f64::max);
    let x_of = |v: f64| ((LEFT + v / top * (RIGHT - LEFT)) * 10.0).round() / 10.0;
    let mut y_at = 8.0;
    let mut rows: Vec<Value> = Vec::new();
    for y in years {
        let list = uses(y);
        let mut start = 0.0;
        let mut segments = Vec::new();
        let mut marks: Vec<(f64, String, String)> = Vec::new();
        let mut notes = vec![(
            format!(
                "已用 {} / 预算 {}",
                wan(yuan(&y["used_yuan"])),
                wan(yuan(&y["budget_yuan"]))
            ),
            false,
        )];
        for (n, (code, name)) in order.iter().enumerate() {
            let Some(u) = list.iter().find(|u| u["source"].as_str() == Some(code)) else {
                continue;
            };
            let used = yuan(&u["used_yuan"]);
            if used > 0.0 {
                segments.push(json!({
                    "x": x_of(start), "w": ((x_of(start + used) - x_of(start)) * 10.0).round() / 10.0,
                    "colour": colour(n), "title": format!("{} 年{name}：{}", y["year"], wan(used)),
                }));
            }
            if let Some(limit) = u["limit_yuan"].as_f64() {
                marks.push((
                    x_of(start + limit),
                    format!("{name}额度"),
                    format!("{} 年{name}额度 {}", y["year"], wan(limit)),
                ));
                notes.push((
                    format!(
                        "{name} 已用 {} / 额度 {}（{:.0}%）",
                        wan(used),
                        wan(limit),
                        used / limit.max(0.01) * 100.0
                    ),
                    used > limit + 0.005,
                ));
            }
            start += used;
        }
        let unfunded = yuan(&y["used_yuan"]) - start;
        if unfunded > 0.005 {
            segments.push(json!({
                "x": x_of(start), "w": ((x_of(start + unfunded) - x_of(start)) * 10.0).round() / 10.0,
                "colour": UNFUNDED, "title": format!("{} 年资金缺口：{}", y["year"], wan(unfunded)),
            }));
        }
        // The marks' labels above the bar, each on the lowest level where it clears the ones before it.
        marks.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut level_ends: Vec<f64> = Vec::new();
        let placed: Vec<(f64, usize, String, String)> = marks
            .into_iter()
            .map(|(x, label, title)| {
                let half = width(&label) * 12.0 / 2.0 + 6.0;
                let level = level_ends
                    .iter()
                    .position(|&end| x - half >= end)
                    .unwrap_or(level_ends.len());
                if level == level_ends.len() {
                    level_ends.push(x + half);
                } else {
                    level_ends[level] = x + half;
                }
                (x, level, label, title)
            })
            .collect();
        let levels = level_ends.len() as f64;
        let bar_y = y_at + levels * LABEL_H + 6.0;
        let marks: Vec<Value> = placed
            .into_iter()
            .map(|(x, level, label, title)| {
                json!({"x": x, "label": label, "title": title,
                       "label_y": bar_y - 8.0 - level as f64 * LABEL_H})
            })
            .collect();
        // The figures under the bar, as many to a line as fit.
        let mut lines: Vec<Vec<Value>> = Vec::new();
        let mut used_chars = LINE_CHARS;
        for (text, over) in notes {
            let w = width(&text) + 3.0;
            if used_chars + w > LINE_CHARS {
                lines.push(Vec::new());
                used_chars = 0.0;
            }
            let first = used_chars == 0.0;
            used_chars += w;
            if let Some(line) = lines.last_mut() {
                line.push(json!({"text": text, "over": over, "first": first}));
            }
        }
        let text_y = bar_y + BAR_H + 20.0;
        let lines: Vec<Value> = lines
            .into_iter()
            .enumerate()
            .map(|(i, parts)| json!({"y": text_y + i as f64 * LINE_H, "parts": parts}))
            .collect();
        y_at = text_y + (lines.len() as f64 - 1.0) * LINE_H + 22.0;
        rows.push(json!({
            "year": y["year"], "bar_y": bar_y, "bar_h": BAR_H, "segments": segments, "marks": marks,
            "lines": lines, "budget_x": x_of(yuan(&y["budget_yuan"])),
            "budget": wan(yuan(&y["budget_yuan"])),
        }));
    }
    let mut legend: Vec<Value> = order
        .iter()
        .enumerate()
        .map(|(n, (_, name))| json!({"label": name, "colour": colour(n)}))
        .collect();
    if years.iter().any(|y| {
        yuan(&y["used_yuan"]) - uses(y).iter().map(|u| yuan(&u["used_yuan"])).sum::<f64>() > 0.005
    }) {
        legend.push(json!({"label": "资金缺口", "colour": UNFUNDED}));
    }
    Some(json!({
        "width": RIGHT + 24.0, "height": y_at, "left": LEFT, "rows": rows, "legend": legend,
    }))
}

/// Colours for years in a plan: distinct, in order, readable on white.
const YEAR_COLOURS: [&str; 10] = [
    "#c0392b", "#d68910", "#1e8449", "#2471a3", "#7d3c98", "#117a65", "#a04000", "#2e4053",
    "#b03a2e", "#5b2c6f",
];
const APPROVED_BEFORE: &str = "#555555";
const NOT_PLANNED: &str = "#c9c9c9";

async fn plan_page(state: &AppState, ctx: &Ctx, id: i32, changes: Option<Vec<Value>>) -> Rendered {
    let s = scenarios::get(&state.db, id).await?;
    let updated_by = audit::Names::load(&state.db).await?.person(&s.updated_by);
    let first = s.horizon.years.first().map_or(0, |y| y.year);
    let colour = |year: Option<i64>| match year {
        Some(y) if y >= i64::from(first) => {
            YEAR_COLOURS[((y - i64::from(first)) as usize) % YEAR_COLOURS.len()]
        }
        Some(_) => APPROVED_BEFORE,
        None => NOT_PLANNED,
    };
    let compounds_of: std::collections::HashMap<&str, &Value> = s.plan["compounds"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| Some((c["code"].as_str()?, c)))
                .collect()
        })
        .unwrap_or_default();

    // Bar chart: budget and used per year, to one scale.
    let years = s.plan["years"].as_array().cloned().unwrap_or_default();
    let top = years
        .iter()
        .flat_map(|y| [y["budget_yuan"].as_f64(), y["used_yuan"].as_f64()])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let (chart_w, chart_h, base) = (640.0, 220.0, 190.0);
    let slot = (chart_w - 60.0) / years.len().max(1) as f64;
    let bars: Vec<Value> = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let budget = y["budget_yuan"].as_f64().unwrap_or_default();
            let used = y["used_yuan"].as_f64().unwrap_or_default();
            let h = |v: f64| (v / top * 160.0 * 10.0).round() / 10.0;
            let x = 50.0 + i as f64 * slot;
            json!({
                "year": y["year"], "x": x, "w": (slot * 0.7 * 10.0).round() / 10.0,
                "budget_y": base - h(budget), "budget_h": h(budget),
                "used_y": base - h(used), "used_h": h(used),
                "mid": x + slot * 0.35, "label": format!("{:.0}", used / 10_000.0),
                "colour": colour(y["year"].as_i64()), "over": used > budget,
            })
        })
        .collect();

    // The county map: every compound at its centroid, coloured by its year in this plan.
    let points = compounds::map_points(&state.db).await?;
    let map = svg::bbox_of(&[points.iter().map(|p| (p.lon, p.lat)).collect()]).map(|bbox| {
        let projection = Projection::fit(bbox, 900.0, 560.0, 30.0);
        let dots: Vec<Value> = points
            .iter()
            .map(|p| {
                let (x, y) = projection.point(p.lon, p.lat);
                let c = compounds_of.get(p.code.as_str());
                let year = c.and_then(|c| c["year"].as_i64());
                json!({"x": x, "y": y, "r": (2.0 + f64::from(p.households).sqrt() / 6.0).min(6.0),
                       "colour": colour(year), "code": p.code, "name": p.name,
                       "year": year, "planned": year.is_some()})
            })
            .collect();
        json!({"width": 900, "height": 560, "dots": dots})
    });
    let legend: Vec<Value> = years
        .iter()
        .map(
            |y| json!({"label": format!("{} 年", y["year"]), "colour": colour(y["year"].as_i64())}),
        )
        .chain([
            json!({"label": "此前已批准", "colour": APPROVED_BEFORE}),
            json!({"label": "未安排", "colour": NOT_PLANNED}),
        ])
        .collect();

    // Each year's batch, and who is left out and why.
    let batches: Vec<Value> = years
        .iter()
        .map(|y| {
            let rows: Vec<&Value> = y["codes"]
                .as_array()
                .map(|codes| {
                    codes
                        .iter()
                        .filter_map(|c| c.as_str().and_then(|c| compounds_of.get(c).copied()))
                        .collect()
                })
                .unwrap_or_default();
            json!({"year": y["year"], "figures": y, "rows": rows, "colour": colour(y["year"].as_i64())})
        })
        .collect();
    let mut left_out: Vec<&Value> = compounds_of
        .values()
        .copied()
        .filter(|c| c["year"].is_null())
        .collect();
    left_out.sort_by(|a, b| {
        b["priority"]
            .as_f64()
            .unwrap_or_default()
            .total_cmp(&a["priority"].as_f64().unwrap_or_default())
            .then(a["code"].as_str().cmp(&b["code"].as_str()))
    });
    let before: Vec<&Value> = {
        let mut v: Vec<&Value> = compounds_of
            .values()
            .copied()
            .filter(|c| c["year"].as_i64().is_some_and(|y| y < i64::from(first)))
            .collect();
        v.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
        v
    };
    let approved_years: Vec<i64> = compounds_of
        .values()
        .filter(|c| c["outcome"] == "approved")
        .filter_map(|c| c["year"].as_i64())
        .collect();
    let approvable: Vec<&Value> = years
        .iter()
        .filter(|y| {
            let year = y["year"].as_i64();
            y["compounds"].as_u64().unwrap_or_default() > 0
                && !approved_years.iter().any(|a| Some(*a) == year)
        })
        .map(|y| &y["year"])
        .collect();
    let codes: Vec<&str> = {
        let mut c: Vec<&str> = compounds_of.keys().copied().collect();
        c.sort_unstable();
        c
    };
    Ok((
        "plan.html",
        json!({
            "title": s.name, "nav": "plans", "s": s, "updated_by": updated_by, "bars": bars,
            "chart": {"width": chart_w, "height": chart_h, "base": base, "top_wan": format!("{:.0}", top / 10_000.0)},
            "map": map, "legend": legend, "batches": batches, "left_out": left_out,
            "sources": source_bars(&years),
            "approved_before": before, "approvable": approvable, "codes": codes,
            "gap_percent": format!("{:.3}", s.gap * 100.0), "can_plan": can_plan(ctx),
            "changes": changes,
        }),
    ))
}

async fn compare_page(state: &AppState, query: &[(String, String)]) -> Rendered {
    let ids = compare_query(query)?;
    let comparison = scenarios::compare(&state.db, &ids).await?;
    Ok((
        "plan_compare.html",
        json!({"title": "方案比较", "nav": "plans", "c": comparison}),
    ))
}
