//! Reading counted observations: what monitoring missions counted (explosions heard or
//! seen, the weapon, the observer's position, bearing and distance), each with its source
//! and the statements about it.
//!
//! An observation answers by valid time `?at=`: it is listed once its period has ended (or
//! its instant passed) and its source has spoken, from what the log had recorded by
//! `?known_at=`.

use schemars::JsonSchema;
use serde::Serialize;
use truce_core::{ObservationRecord, RecordRef, SourceRecord, WeighedSource};

use crate::{
    as_of::AsOf,
    filters::Paging,
    json::Json,
    monitoring::{page_of, statements_about, StatementView},
    problem::ApiError,
    read::Page,
};

/// A counted observation as recorded, what its source counts as, and what was said of it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ObservationView {
    #[serde(flatten)]
    pub record: ObservationRecord,
    /// What the source counts as, given who recorded it.
    pub weighed: WeighedSource,
    /// Statements about it made by `at`, oldest first.
    pub statements: Vec<StatementView>,
}

pub async fn observations(paging: Paging, as_of: AsOf) -> Result<Json<Page<ObservationView>>, ApiError> {
    let query = &paging;
    let at = as_of.at;
    let page = as_of.read(|state| {
        let items = state.monitoring.observations.iter().filter(|(_, o)| o.given_by(at)).map(|(id, record)| {
            let source = SourceRecord {
                at: record.recorded_at,
                added_by: record.recorded_by.clone(),
                source: record.observation.source.clone(),
            };
            let about = RecordRef::Observation { observation_id: id.clone() };
            let view = ObservationView {
                record: record.clone(),
                weighed: state.weigh_source(&source),
                statements: statements_about(state, &about, Some(at)),
            };
            (id.to_string(), view)
        });
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}
