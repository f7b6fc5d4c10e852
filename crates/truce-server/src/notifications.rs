//! Humanitarian notifications, to the parties entitled to them and to nobody else.
//!
//! Who may read one is the core's read policy (`truce_core::notification_audience`,
//! docs/visibility.md): the accounts of the notifying party and of the notified parties.
//! To anyone else a notification is as absent as one that never was: not in the list, a 404
//! for its id, the same as for an unknown id.

use axum::Json;
use truce_core::{notification_audience, NotificationRecord};

use crate::{
    as_of::AsOf,
    extract::ApiPath,
    monitoring::page_of,
    problem::ApiError,
    read::{ListQuery, Page},
};

/// The notifications the viewer is entitled to, in id order.
pub async fn notifications(as_of: AsOf<ListQuery>) -> Result<Json<Page<NotificationRecord>>, ApiError> {
    let reader = as_of.viewer.reader();
    let query = &as_of.query;
    let page = as_of.read(|state| {
        let items = state
            .monitoring
            .notifications
            .iter()
            .filter(|(id, _)| notification_audience(state, id).admits(reader))
            .map(|(id, notification)| (id.to_string(), notification.clone()));
        page_of(items, query.cursor.as_deref(), query.limit)
    })??;
    Ok(Json(page))
}

/// One notification, with its acknowledgements and withdrawal, to a viewer entitled to it.
pub async fn notification(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<NotificationRecord>, ApiError> {
    let reader = as_of.viewer.reader();
    as_of.read(|state| {
        state
            .monitoring
            .notifications
            .iter()
            .find(|(key, _)| key.as_str() == id)
            .filter(|(key, _)| notification_audience(state, key).admits(reader))
            .map(|(_, notification)| Json(notification.clone()))
            .ok_or(ApiError::NotFound { kind: "notification", id })
    })?
}
