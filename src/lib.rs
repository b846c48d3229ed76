//! Jiugai (旧改): plans and runs the renovation of old residential compounds (城镇老旧小区改造).
//!
//! `domain` is pure logic; `db` persists it with sea-orm; `web` serves the API and pages;
//! `cli` wires the subcommands. The synthetic Renshou data set comes from the `jiugai_fixtures` crate
//! (`fixtures-gen/`).

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod notice_templates;
pub mod sheets;
pub mod web;
