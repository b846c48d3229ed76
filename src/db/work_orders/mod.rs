//! Work orders (施工任务单): issued from a project to its contractor, revised as new versions, acknowledged and
//! reported on by the contractor.
//!
//! A revision stores the document exactly as issued (the document engine's input, as JSON): it renders the same
//! bytes forever, whatever later happens to the compounds, the catalog or the firm. A firm sees the revisions that
//! were issued to it, and nothing else.
//!
//! By job, in layers: `views` (reading orders back) and `scope` (a project's compounds and scope table, shared
//! with the notices) at the bottom; `issuing` and `progress` (the contractor's acknowledgements and reports)
//! above them, neither naming the other.

mod issuing;
mod progress;
mod scope;
mod views;

pub(super) use issuing::pass_on;
pub use issuing::{issue, issue_at};
pub use progress::{ReportInput, acknowledge, acknowledge_at, move_sites, report, report_at};
pub use scope::{ProjectScope, printable, project_scope};
pub use views::{
    OrderSummary, OrderView, ReportView, RevisionView, document_of, file_name, firm_of, get, list,
    page_url,
};
