//! sea-orm entities, one per table, matching `migrations/`. Behaviour lives in `db::*`, not here.

pub mod communities;
pub mod compounds;
pub mod revisions;
pub mod scope_items;
pub mod settings;
pub mod towns;
pub mod work_classes;
pub mod work_items;
