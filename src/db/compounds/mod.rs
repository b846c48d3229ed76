//! Compounds as stored: queries and writes. Every write that touches more than one row runs in one
//! transaction; updates compare the version they were based on (optimistic locking).
//!
//! By job, in layers (each names only those below it): `listing` (filters, the list, counts and map points),
//! `features` (GeoJSON features and the export), `records` (one compound read in full, records to rows) and
//! `writes`.

mod features;
mod listing;
mod records;
mod writes;

pub use features::{
    EXPORT_PAGE, FeaturePages, Lookup, Names, Properties, feature_json, properties, scopes,
};
pub use listing::{
    Filter, ListItem, ListQuery, MapPoint, Page, SortKey, UNCATEGORISED, list, map_points,
    town_counts,
};
pub use records::{
    Places, figures, find, get, insert_scopes, row, same_content, split_of, total_split,
    write_scope,
};
pub use writes::{
    archive, create, feature_value, move_to_status, set_requests, update, versioned_write,
};
