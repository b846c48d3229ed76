//! Plan scenarios (规划方案): drafts kept side by side. Each is a horizon (years, budgets, caps, pins, exclusions,
//! overridden years) and the plan of its latest run, stored with the compounds revision it was run on — a plan run
//! on data that has changed since is *stale*, shown as such, and cannot be approved until it is run again.
//!
//! Every write checks the version it was based on (409 when someone else changed the scenario meanwhile) and is
//! in the audit log. A manual move pins a compound to a year (or leaves it out, or hands it back to the planner) and
//! re-plans around it; a year that cannot take it is refused unless the move overrides that year's limits and says
//! why.

mod compare;
mod input;
mod moves;
mod views;
mod writes;

pub use compare::{compare, compared_ids};
pub use input::{Input, MAX_COMPARED, Move, Target};
pub use moves::{Moved, approve, move_compound};
pub use views::{Scenario, Summary, get, list};
pub use writes::{create, delete, rerun, update};
