//! Subscribing to an event code (the feature `subscriptions`): the client's event
//! settings, checked when it is built, and [`ManagementClient::subscribe`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::signature;
use super::subscription::{self, Subscription, SubscriptionPolicy};
use crate::client::ManagementClient;
use crate::error::{Error, Result};

/// The event service of Authing's public cloud.
pub const DEFAULT_EVENT_HOST: &str = "wss://openevent.authing.cn";
/// Path of the subscription endpoint, relative to the event host.
const SUBSCRIBE_PATH: &str = "/events/v1/management/sub";

/// The client's event settings, checked once when it is built.
#[derive(Debug)]
pub(crate) struct EventSettings {
    endpoint: reqwest::Url,
    authorization: HeaderValue,
    policy: SubscriptionPolicy,
    /// The TLS configuration of a `wss://` host, made once with the HTTP client's.
    tls: Option<Arc<rustls::ClientConfig>>,
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
        let tls = match endpoint.scheme() {
            // No ALPN: the upgrade is HTTP/1.1.
            "wss" => Some(Arc::new(
                crate::tls::client_config(verify_tls, &[])
                    .map_err(|e| Error::Config(format!("cannot set up TLS for the event host: {e}")))?,
            )),
            _ => None,
        };
        Ok(EventSettings { endpoint, authorization, policy, tls, connect_timeout })
    }
}

impl ManagementClient {
    /// Subscribes to the events of `event_code` (such as
    /// `authing.user.created`, or a custom event's code): a
    /// [`Stream`](futures_util::Stream) of [`Event`](crate::Event)s that reconnects for as
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
        let target = subscription::Target {
            url,
            authorization: settings.authorization.clone(),
            policy: settings.policy,
            connect_timeout: settings.connect_timeout,
            tls: settings.tls.clone(),
        };
        Subscription::new(event_code.to_string(), target)
    }
}
