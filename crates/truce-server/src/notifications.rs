//! Humanitarian notifications, to the parties entitled to them and to nobody else.
//!
//! Who may read one is the core's read policy (`truce_core::notification_audience`,
//! docs/visibility.md): the accounts of the notifying party and of the notified parties.
//! To anyone else a notification is as absent as one that never was: not in the list, a 404
//! for its id, the same as for an unknown id.

use schemars::JsonSchema;
use serde::Serialize;
use truce_core::{notification_audience, NotificationRecord, Violation};

use crate::{
    as_of::AsOf, extract::ApiPath, filters::Paging, json::Json, monitoring::page_of, problem::ApiError, read::Page,
};

/// A notification as its parties read it: the record, and the incidents that violated it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotificationView {
    #[serde(flatten)]
    pub notification: NotificationRecord,
    /// Every incident recorded as an attack on the notified site or movement while it was
    /// protected: its grade, the violation's status (alleged, substantiated, dismissed) and
    /// the parties concerned. Confidential like the notification: a violation of a
    /// notification is shown nowhere else (docs/visibility.md).
    pub violations: Vec<Violation>,
}

/// The notifications the viewer is entitled to, in id order, each with its violations.
pub async fn notifications(paging: Paging, as_of: AsOf) -> Result<Json<Page<NotificationView>>, ApiError> {
    let reader = as_of.viewer.reader();
    let query = &paging;
    let page = as_of.read(|state| {
        let entitled = state
            .monitoring
            .notifications
            .iter()
            .filter(|(id, _)| notification_audience(state, id).admits(reader))
            .map(|(id, notification)| (id.to_string(), notification));
        let page = page_of(entitled, query.cursor.as_deref(), query.limit)?;
        let items = page
            .items
            .into_iter()
            .map(|notification| NotificationView {
                violations: state.violations_of_notification(&notification.notification_id),
                notification: notification.clone(),
            })
            .collect();
        Ok::<_, ApiError>(Page { items, next_cursor: page.next_cursor })
    })??;
    Ok(Json(page))
}

/// One notification, with its acknowledgements, withdrawal and violations, to a viewer
/// entitled to it.
pub async fn notification(ApiPath(id): ApiPath<String>, as_of: AsOf) -> Result<Json<NotificationView>, ApiError> {
    let reader = as_of.viewer.reader();
    as_of.read(|state| {
        let (key, notification) = state
            .monitoring
            .notifications
            .iter()
            .find(|(key, _)| *key.text() == *id)
            .filter(|(key, _)| notification_audience(state, key).admits(reader))
            .ok_or(ApiError::NotFound { kind: "notification", id })?;
        let violations = state.violations_of_notification(key);
        Ok(Json(NotificationView { notification: notification.clone(), violations }))
    })?
}
