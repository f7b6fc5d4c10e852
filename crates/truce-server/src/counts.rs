//! Counts of people as one flat list: every total of people evacuated and every population
//! estimate given by `at`, filtered as the exports are, a row each (`exports::CountRow`, the
//! export's columns). The side-by-side views of one zone or corridor are in `monitoring.rs`.

use crate::{
    as_of::AsOf,
    exports::{estimate_row, total_row, CountRow},
    filters::{Filters, Paging},
    json::Json,
    monitoring::page_of,
    problem::ApiError,
    read::Page,
    select::CountFilter,
};

/// Estimates keyed `estimate/<id>`, then totals keyed `total/<id>`: one key order for the
/// cursor across both.
pub async fn counts(paging: Paging, filters: Filters, as_of: AsOf) -> Result<Json<Page<CountRow>>, ApiError> {
    let at = as_of.at;
    let page = as_of.read(|state| {
        let filter = CountFilter::new(&filters, state)?;
        let estimates = state
            .monitoring
            .estimates
            .iter()
            .filter(|(_, e)| e.given_by(at) && filter.admits_estimate(state, e))
            .map(|(id, e)| (format!("estimate/{id}"), estimate_row(state, e)));
        let totals = state
            .monitoring
            .totals
            .iter()
            .filter(|(_, t)| t.count.given_by(at) && filter.admits_total(state, t))
            .map(|(id, t)| (format!("total/{id}"), total_row(state, t)));
        page_of(estimates.chain(totals), paging.cursor.as_deref(), paging.limit)
    })??;
    Ok(Json(page))
}
