//! Authing's events: [`ManagementClient::subscribe`] to an event code, a
//! stream that heals itself (the feature `subscriptions`, a default one: it brings
//! the WebSocket client), and [`ManagementClient::publish_event`].

#[cfg(feature = "subscriptions")]
mod signature;
#[cfg(feature = "subscriptions")]
mod subscribe;
#[cfg(feature = "subscriptions")]
mod subscription;

use serde::Serialize;

#[cfg(feature = "subscriptions")]
pub use subscribe::DEFAULT_EVENT_HOST;
#[cfg(feature = "subscriptions")]
pub(crate) use subscribe::EventSettings;
#[cfg(feature = "subscriptions")]
pub use subscription::{Event, EventMessage, Subscription, SubscriptionPolicy};

use crate::client::ManagementClient;
use crate::error::{Error, Result};

/// Path of the publishing operation, relative to the host.
const PUBLISH_PATH: &str = "/api/v3/pub-event";

impl ManagementClient {
    /// Publishes a custom event: `POST /api/v3/pub-event` with `eventType`
    /// and, as `eventData`, the JSON text of `data`, as the official SDKs'
    /// `put_event` sends it; with the token, headers, retries and envelope
    /// handling of every call. Returns the answer's `data`
    /// (`{"success": true}`).
    pub async fn publish_event<T: Serialize + ?Sized>(&self, event_code: &str, data: &T) -> Result<serde_json::Value> {
        let event_data = serde_json::to_string(data)
            .map_err(|e| Error::InvalidRequest(format!("the event's data cannot be written as JSON: {e}")))?;
        // Not through the generated `verify_event`: the document's type of
        // `eventData` has changed between versions, the wire format has not.
        self.raw(reqwest::Method::POST, PUBLISH_PATH)
            .body(&serde_json::json!({"eventType": event_code, "eventData": event_data}))
            .await
    }
}
