//! Public notices (公示) of projects: drafted from the project's data through the bureau's templates, edited while
//! drafts, then published — numbered, their period fixed on the holiday calendar, and frozen for good (the
//! database refuses to change a published row). Residents' objections and comments during the period, the
//! bureau's answers, and ratings after completion.
//!
//! Every bureau write is audited in its transaction; every write bumps the `notices` revision that the public
//! pages are cached against.
//!
//! By job, in layers: `views` reads notices back (and holds the row helpers the others share); above it
//! `drafting` makes drafts, `publishing` edits, deletes and publishes them, `residents` takes objections
//! and ratings, and `figures` counts for the bureau. None of those four names another.

mod drafting;
mod figures;
mod publishing;
mod residents;
mod unanswered;
mod views;

pub use drafting::{DraftInput, create, create_on};
pub use figures::{NoticeStats, Satisfaction, satisfaction, stats};
pub use publishing::{
    DraftEdit, delete, document, file_name, page_url, publish, publish_at, update,
};
pub(crate) use residents::residents_limit;
pub use residents::{
    ObjectionView, PublicAnswer, Received, answer, answers, inbox, rate, ratings_close,
    submit_objection,
};
pub use unanswered::{Waiting, unanswered, unanswered_count};
pub use views::{Filter, NoticeRef, NoticeView, PeriodView, SiteRef, get, list};
