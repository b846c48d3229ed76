//! The page templates and their filters, compiled into the binary so that it runs from any folder.

use jiugai_document::money;
use minijinja::Environment;

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
    ("map.html", include_str!("../../templates/map.html")),
    ("plans.html", include_str!("../../templates/plans.html")),
    ("plan.html", include_str!("../../templates/plan.html")),
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
    // An amount as a form field's value: plain digits, two decimals ("3221187.00", not "3221187.0").
    env.add_filter("fixed2", |v: f64| format!("{v:.2}"));
    Ok(env)
}
