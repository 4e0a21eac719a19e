//! Authing's events: [`ManagementClient::subscribe`] to an event code, a
//! stream that heals itself, and [`ManagementClient::publish_event`].

mod signature;
mod subscription;
mod tls;

use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Serialize;

pub use subscription::{Event, EventMessage, Subscription, SubscriptionPolicy};

use crate::client::ManagementClient;
use crate::error::{Error, Result};

/// The event service of Authing's public cloud.
pub const DEFAULT_EVENT_HOST: &str = "wss://openevent.authing.cn";
/// Path of the subscription endpoint, relative to the event host.
const SUBSCRIBE_PATH: &str = "/events/v1/management/sub";
/// Path of the publishing operation, relative to the host.
const PUBLISH_PATH: &str = "/api/v3/pub-event";

/// The client's event settings, checked once when it is built.
#[derive(Debug)]
pub(crate) struct EventSettings {
    endpoint: reqwest::Url,
    authorization: HeaderValue,
    policy: SubscriptionPolicy,
    verify_tls: bool,
    connect_timeout: Duration,
}

impl EventSettings {
    pub(crate) fn new(
        event_host: &str,
        access_key_id: &str,
        access_key_secret: &str,
        policy: SubscriptionPolicy,
        verify_tls: bool,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let host = crate::config::parse_base_url("event_host", event_host, ["ws", "wss"])?;
        let endpoint = reqwest::Url::parse(&format!("{host}{SUBSCRIBE_PATH}"))
            .map_err(|e| Error::Config(format!("event_host {event_host:?} is not a usable URL: {e}")))?;
        let authorization = signature::authorization(access_key_id, access_key_secret)
            .ok_or_else(|| Error::Config("access_key_id cannot be sent in a header".into()))?;
        policy.check()?;
        Ok(EventSettings { endpoint, authorization, policy, verify_tls, connect_timeout })
    }
}

impl ManagementClient {
    /// Subscribes to the events of `event_code` (such as
    /// `authing.user.created`, or a custom event's code): a
    /// [`Stream`](futures_util::Stream) of [`Event`]s that reconnects for as
    /// long as it is held, with the backoff and keepalive of the client's
    /// [`SubscriptionPolicy`].
    ///
    /// Nothing is sent until the stream is polled. Failed attempts to
    /// connect (a refused key is [`Error::Subscription`] with HTTP 401 or
    /// 403) are error items; the stream goes on after them.
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    ///
    /// # async fn run(client: authing::ManagementClient) {
    /// let mut events = client.subscribe("authing.user.created");
    /// while let Some(item) = events.next().await {
    ///     match item {
    ///         Ok(authing::Event::Message(event)) => println!("{}", event.text),
    ///         Ok(_) => {}                                  // (re)connected
    ///         Err(error) => eprintln!("{error}"), // it reconnects by itself
    ///     }
    /// }
    /// # }
    /// ```
    pub fn subscribe(&self, event_code: &str) -> Subscription {
        let settings = &self.session().events;
        let mut url = settings.endpoint.clone();
        url.query_pairs_mut().append_pair("code", event_code);
        let tls = match url.scheme() {
            "wss" => match tls::client_config(settings.verify_tls) {
                Ok(config) => Some(config),
                Err(error) => {
                    let reason = format!("cannot set up TLS: {error}");
                    return Subscription::failed(Error::Subscription {
                        event_code: event_code.into(),
                        http_status: None,
                        reason,
                    });
                }
            },
            _ => None,
        };
        let target = subscription::Target {
            url,
            authorization: settings.authorization.clone(),
            policy: settings.policy,
            connect_timeout: settings.connect_timeout,
            tls,
        };
        Subscription::new(event_code.to_string(), target)
    }

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
