//! Black-box tests: HTTP against a server on a fresh, migrated database — SQLite by default,
//! PostgreSQL when `JIUGAI_TEST_POSTGRES_URL` is set.

mod helpers;

mod access;
mod audit;
mod browser;
mod browser_compound;
mod browser_contractor;
mod browser_import;
mod browser_plans;
mod browser_requests;
mod compound_pages;
mod compounds;
mod contractor_pages;
mod contractors;
mod dashboard;
mod export_import;
mod filing;
mod forms;
mod fresh_county;
mod funding;
mod lifts;
mod money;
mod notices;
mod openapi;
mod pages;
mod plan;
mod plan_form;
mod plan_sources;
mod records;
mod requests;
mod returns;
mod returns_pdf;
mod scenarios;
mod settings_pages;
mod sheets;
mod sign_in;
mod trust;
mod walk;
mod work_order_funding;
mod work_orders;
