//! Jiugai (旧改): plans and runs the renovation of old residential compounds (城镇老旧小区改造).
//!
//! `domain` is pure logic; `db` persists it with sea-orm; `web` serves the API and pages;
//! `fixtures` generates the synthetic Renshou data set; `cli` wires the subcommands.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod fixtures;
pub mod notice_templates;
pub mod web;
