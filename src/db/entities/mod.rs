//! sea-orm entities, one per table, matching `migrations/`. Behaviour lives in `db::*`, not here.

pub mod api_tokens;
pub mod audit_log;
pub mod batch_members;
pub mod batches;
pub mod communities;
pub mod compounds;
pub mod contractors;
pub mod notices;
pub mod objections;
pub mod plan_scenarios;
pub mod project_sites;
pub mod projects;
pub mod rate_hits;
pub mod ratings;
pub mod revisions;
pub mod scope_items;
pub mod sessions;
pub mod settings;
pub mod sign_in_failures;
pub mod sign_in_links;
pub mod towns;
pub mod users;
pub mod work_classes;
pub mod work_items;
pub mod work_order_reports;
pub mod work_orders;
