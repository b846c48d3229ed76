//! The page templates and their filters, compiled into the binary so that it runs from any folder.

use jiugai_document::money;
use minijinja::{Environment, HtmlEscape, State, Value};

use crate::domain::time::beijing_minute;

/// The templates, compiled into the binary so that it runs from any folder.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    (
        "overview.html",
        include_str!("../../templates/overview.html"),
    ),
    (
        "compounds.html",
        include_str!("../../templates/compounds.html"),
    ),
    (
        "compound.html",
        include_str!("../../templates/compound.html"),
    ),
    (
        "compound_edit.html",
        include_str!("../../templates/compound_edit.html"),
    ),
    (
        "compound_scope.html",
        include_str!("../../templates/compound_scope.html"),
    ),
    (
        "compound_lifts.html",
        include_str!("../../templates/compound_lifts.html"),
    ),
    ("map.html", include_str!("../../templates/map.html")),
    ("funds.html", include_str!("../../templates/funds.html")),
    ("returns.html", include_str!("../../templates/returns.html")),
    (
        "return_changes.html",
        include_str!("../../templates/return_changes.html"),
    ),
    (
        "reversal_form.html",
        include_str!("../../templates/reversal_form.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    (
        "dashboard_charts.html",
        include_str!("../../templates/dashboard_charts.html"),
    ),
    (
        "progress_public.html",
        include_str!("../../templates/progress_public.html"),
    ),
    ("import.html", include_str!("../../templates/import.html")),
    ("plans.html", include_str!("../../templates/plans.html")),
    ("plan.html", include_str!("../../templates/plan.html")),
    (
        "settings_catalog.html",
        include_str!("../../templates/settings_catalog.html"),
    ),
    (
        "settings_policy.html",
        include_str!("../../templates/settings_policy.html"),
    ),
    (
        "plan_compare.html",
        include_str!("../../templates/plan_compare.html"),
    ),
    (
        "county_map.html",
        include_str!("../../templates/county_map.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "public_error.html",
        include_str!("../../templates/public_error.html"),
    ),
    (
        "projects.html",
        include_str!("../../templates/projects.html"),
    ),
    ("project.html", include_str!("../../templates/project.html")),
    (
        "work_orders.html",
        include_str!("../../templates/work_orders.html"),
    ),
    (
        "work_order.html",
        include_str!("../../templates/work_order.html"),
    ),
    ("sign_in.html", include_str!("../../templates/sign_in.html")),
    ("link.html", include_str!("../../templates/link.html")),
    (
        "tokens_table.html",
        include_str!("../../templates/tokens_table.html"),
    ),
    (
        "user_tokens.html",
        include_str!("../../templates/user_tokens.html"),
    ),
    ("account.html", include_str!("../../templates/account.html")),
    ("users.html", include_str!("../../templates/users.html")),
    ("user.html", include_str!("../../templates/user.html")),
    (
        "contractors.html",
        include_str!("../../templates/contractors.html"),
    ),
    ("setup.html", include_str!("../../templates/setup.html")),
    (
        "contractor.html",
        include_str!("../../templates/contractor.html"),
    ),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "public_base.html",
        include_str!("../../templates/public_base.html"),
    ),
    (
        "notices_public.html",
        include_str!("../../templates/notices_public.html"),
    ),
    (
        "notice_public.html",
        include_str!("../../templates/notice_public.html"),
    ),
    (
        "notices_admin.html",
        include_str!("../../templates/notices_admin.html"),
    ),
    (
        "notice_admin.html",
        include_str!("../../templates/notice_admin.html"),
    ),
    (
        "objections.html",
        include_str!("../../templates/objections.html"),
    ),
    (
        "requests.html",
        include_str!("../../templates/requests.html"),
    ),
    (
        "compound_public.html",
        include_str!("../../templates/compound_public.html"),
    ),
    (
        "satisfaction.html",
        include_str!("../../templates/satisfaction.html"),
    ),
];

pub const CSS: &str = include_str!("../../static/app.css");

pub fn templates() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    // Money and counts read the same on every page and paper (jiugai_document::money).
    env.add_filter("yuan", |v: f64| money::wan((v * 100.0).round() as i64));
    env.add_filter("thousands", |v: f64| money::whole(v.round() as i64));
    // A share as a percentage to a thousandth of a percent (a plan's gap to the best possible).
    env.add_filter("percent", |v: f64| format!("{:.3}%", v * 100.0));
    // A part of a whole, for tables of shares: "37.5%".
    env.add_filter("share", |v: f64| format!("{:.1}%", v * 100.0));
    env.add_filter("money", |v: f64| money::yuan((v * 100.0).round() as i64));
    env.add_filter("quantity", |v: f64| {
        let hundredths = (v * 100.0).round() as i64;
        if hundredths % 100 == 0 {
            money::whole(hundredths / 100)
        } else {
            money::yuan(hundredths)
        }
    });
    // A stored moment (RFC 3339, UTC) as Beijing time reads it: "2021-03-01 14:05".
    env.add_filter("beijing", |v: String| {
        chrono::DateTime::parse_from_rfc3339(&v)
            .map(|t| beijing_minute(t.with_timezone(&chrono::Utc)))
            .unwrap_or(v)
    });
    // A date ("2021-03-01") as notices write it: "2021年3月1日".
    env.add_filter("date_zh", |v: String| {
        chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(crate::domain::notice::date_zh)
            .unwrap_or(v)
    });
    // A refused form (see html::refuse) keeps what was typed and says what is wrong beside each field.
    env.add_function("kept", kept);
    env.add_function("field_error", field_error);
    env.add_function("form_alert", form_alert);
    // An amount as a form field's value: plain digits, two decimals ("3221187.00", not "3221187.0").
    env.add_filter("fixed2", |v: f64| format!("{v:.2}"));
    Ok(env)
}

/// The `refused` form of the page if it is the form `which`.
fn refused(state: &State, which: &str) -> Option<Value> {
    state.lookup("refused").filter(|r| {
        r.get_attr("form")
            .ok()
            .and_then(|f| f.as_str().map(|f| f == which))
            == Some(true)
    })
}

/// In form `which`, the value of field `name`: what was typed if the form was refused, `default` otherwise.
fn kept(state: &State, which: &str, name: &str, default: Option<Value>) -> Value {
    refused(state, which)
        .and_then(|r| r.get_attr("typed").ok())
        .and_then(|typed| typed.get_attr(name).ok())
        .filter(|v| !v.is_undefined())
        .or(default)
        .unwrap_or_else(|| Value::from(""))
}

/// In form `which`, the message beside field `name`, if the form was refused for it.
fn field_error(state: &State, which: &str, name: &str) -> Value {
    let messages = refused(state, which)
        .and_then(|r| r.get_attr("fields").ok())
        .and_then(|fields| fields.get_attr(name).ok())
        .filter(|m| !m.is_undefined() && !m.is_none());
    let Some(messages) = messages else {
        return Value::from("");
    };
    let text: Vec<String> = messages
        .try_iter()
        .map(|items| items.map(|m| m.to_string()).collect())
        .unwrap_or_default();
    Value::from_safe_string(format!(
        "<span class=\"field-error\" role=\"alert\">{}</span>",
        HtmlEscape(&text.join("；"))
    ))
}

/// On top of form `which`, if it was refused: why, and every message, so that none is missed.
fn form_alert(state: &State, which: &str) -> Value {
    let Some(r) = refused(state, which) else {
        return Value::from("");
    };
    let message = r
        .get_attr("message")
        .map(|m| m.to_string())
        .unwrap_or_default();
    let mut items = String::new();
    if let Ok(fields) = r.get_attr("fields")
        && let Ok(keys) = fields.try_iter()
    {
        for key in keys {
            let Ok(list) = fields.get_item(&key) else {
                continue;
            };
            let label = crate::domain::labels::known_field(&key.to_string());
            for m in list.try_iter().into_iter().flatten() {
                items.push_str(&format!(
                    "<li>{}{}</li>",
                    label
                        .as_ref()
                        .map(|l| format!("{}：", HtmlEscape(l)))
                        .unwrap_or_default(),
                    HtmlEscape(&m.to_string())
                ));
            }
        }
    }
    let mut list = if items.is_empty() {
        String::new()
    } else {
        format!("<ul>{items}</ul>")
    };
    // A stale edit: what others wrote since the page was opened.
    let changed: Vec<String> = r
        .get_attr("changed")
        .ok()
        .and_then(|c| {
            c.try_iter()
                .ok()
                .map(|i| i.map(|v| v.to_string()).collect())
        })
        .unwrap_or_default();
    if !changed.is_empty() {
        list.push_str("<p>您打开页面之后的修改：</p><ul class=\"changed\">");
        for line in &changed {
            list.push_str(&format!("<li>{}</li>", HtmlEscape(line)));
        }
        list.push_str("</ul>");
    }
    Value::from_safe_string(format!(
        "<div class=\"error form-alert\" role=\"alert\"><p>{}</p>{list}</div>",
        HtmlEscape(&message)
    ))
}
