//! How a [`ManagementClient`] is configured: the seed SDK's options, checked
//! once when the client is built.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::client::ManagementClient;
use crate::error::{Error, Result};
#[cfg(feature = "subscriptions")]
use crate::events::{DEFAULT_EVENT_HOST, EventSettings, SubscriptionPolicy};
use crate::retry::RetryPolicy;
use crate::session::Session;
use crate::token::{TOKEN_PATH, TokenCache};
use crate::transport::Transport;

/// The host of Authing's public cloud.
pub const DEFAULT_HOST: &str = "https://api.authing.cn";
/// How long a request, the token request included, may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole call may take by default: waiting for the token and for
/// a place under the in-flight limit, every attempt and backoff, the renewal
/// after a 401. Three attempts of a few seconds fit; a dead host does not
/// hold a caller longer than this.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest any duration setting may be (a day): a larger one is refused
/// by [`ManagementClientBuilder::build`], so that no deadline computed from
/// it can overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);
/// How long before its expiry a token is replaced by default.
pub const DEFAULT_TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How many requests one client (with its clones) has on the wire at most by
/// default; more calls wait for their turn.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// The largest answer a client reads by default, in bytes (16 MiB): far past
/// any page of 50 users, short of what would strain a service's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// The value of `x-authing-sdk-version` sent with every request.
pub const SDK_VERSION: &str = concat!("authing-rust-sdk:", env!("CARGO_PKG_VERSION"));

/// The language of Authing's messages (`x-authing-lang`), in particular the
/// `message` of an [`Error::Api`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lang {
    /// Simplified Chinese, `zh-CN`: Authing's default.
    #[default]
    ZhCn,
    /// English, `en-US`.
    EnUs,
}

impl Lang {
    /// The header value: `zh-CN` or `en-US`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::EnUs => "en-US",
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = Error;

    /// Parses `zh-CN` or `en-US`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "zh-cn" => Ok(Lang::ZhCn),
            "en-us" => Ok(Lang::EnUs),
            _ => Err(Error::Config(format!("unknown lang {s:?}: expected zh-CN or en-US"))),
        }
    }
}

/// Builds a [`ManagementClient`]; see [`ManagementClient::builder`].
///
/// Nothing is checked until [`build`](Self::build), which reports the first
/// problem as [`Error::Config`].
#[derive(Clone)]
#[must_use]
pub struct ManagementClientBuilder {
    access_key_id: String,
    access_key_secret: String,
    host: String,
    timeout: Duration,
    operation_timeout: Duration,
    lang: Lang,
    use_unverified_ssl: bool,
    token_refresh_margin: Duration,
    retry: RetryPolicy,
    max_in_flight: usize,
    max_requests_per_second: Option<u32>,
    max_response_bytes: usize,
    #[cfg(feature = "subscriptions")]
    event_host: String,
    #[cfg(feature = "subscriptions")]
    subscription: SubscriptionPolicy,
    /// A variable of the environment that [`from_env`](Self::from_env) could not read: `build()` reports it.
    unreadable: Option<String>,
}

impl std::fmt::Debug for ManagementClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("ManagementClientBuilder");
        debug
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field("host", &self.host)
            .field("timeout", &self.timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("lang", &self.lang)
            .field("use_unverified_ssl", &self.use_unverified_ssl)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_requests_per_second", &self.max_requests_per_second)
            .field("max_response_bytes", &self.max_response_bytes);
        #[cfg(feature = "subscriptions")]
        debug.field("event_host", &self.event_host).field("subscription", &self.subscription);
        debug.finish()
    }
}

impl Default for ManagementClientBuilder {
    fn default() -> Self {
        ManagementClientBuilder {
            access_key_id: String::new(),
            access_key_secret: String::new(),
            host: DEFAULT_HOST.to_string(),
            timeout: DEFAULT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            lang: Lang::default(),
            use_unverified_ssl: false,
            token_refresh_margin: DEFAULT_TOKEN_REFRESH_MARGIN,
            retry: RetryPolicy::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_requests_per_second: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            #[cfg(feature = "subscriptions")]
            event_host: DEFAULT_EVENT_HOST.to_string(),
            #[cfg(feature = "subscriptions")]
            subscription: SubscriptionPolicy::default(),
            unreadable: None,
        }
    }
}

impl ManagementClientBuilder {
    /// A builder with the settings of the environment: `AUTHING_ACCESS_KEY_ID`,
    /// `AUTHING_ACCESS_KEY_SECRET` and, when set, `AUTHING_HOST` (a private
    /// deployment) and `AUTHING_LANG` (`zh-CN` or `en-US`, the language of
    /// Authing's messages; [`build`](Self::build) refuses another value).
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).unwrap_or_default();
        let mut builder = ManagementClientBuilder::default()
            .access_key_id(var("AUTHING_ACCESS_KEY_ID"))
            .access_key_secret(var("AUTHING_ACCESS_KEY_SECRET"));
        if let Ok(host) = std::env::var("AUTHING_HOST") {
            builder = builder.host(host);
        }
        if let Ok(lang) = std::env::var("AUTHING_LANG") {
            match lang.parse() {
                Ok(lang) => builder = builder.lang(lang),
                Err(_) => builder.unreadable = Some(format!("AUTHING_LANG is {lang:?}: expected zh-CN or en-US")),
            }
        }
        builder
    }

    /// The user pool's access key id (required).
    pub fn access_key_id(mut self, access_key_id: impl Into<String>) -> Self {
        self.access_key_id = access_key_id.into();
        self
    }

    /// The user pool's access key secret (required). Never printed.
    pub fn access_key_secret(mut self, access_key_secret: impl Into<String>) -> Self {
        self.access_key_secret = access_key_secret.into();
        self
    }

    /// The API host: [`DEFAULT_HOST`] for Authing's cloud, or a private
    /// deployment's address such as `https://authing.example.com`. A trailing
    /// slash is ignored.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The longest one request may take, from connecting to reading the
    /// whole answer; [`DEFAULT_TIMEOUT`] unless set. Applies to the token
    /// request too. A call may send several (retries, the renewal after a
    /// 401): [`operation_timeout`](Self::operation_timeout) bounds them all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest a whole call may take: waiting for a token, for a place
    /// under [`max_in_flight`](Self::max_in_flight), every attempt and the
    /// waits between, the renewal after a 401; [`DEFAULT_OPERATION_TIMEOUT`]
    /// unless set. Past it the call fails with [`Error::Timeout`] naming
    /// [`TimeLimit::Operation`](crate::TimeLimit::Operation); no retry is
    /// started whose wait would end past it. Each page of a list is a call.
    pub fn operation_timeout(mut self, operation_timeout: Duration) -> Self {
        self.operation_timeout = operation_timeout;
        self
    }

    /// The language of Authing's messages; [`Lang::ZhCn`] unless set.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Accept any TLS certificate, for a private deployment with a
    /// self-signed one. Off unless set: certificates are verified. A client
    /// built with it on logs a warning.
    pub fn use_unverified_ssl(mut self, use_unverified_ssl: bool) -> Self {
        self.use_unverified_ssl = use_unverified_ssl;
        self
    }

    /// How long before its expiry the token is replaced;
    /// [`DEFAULT_TOKEN_REFRESH_MARGIN`] unless set. A token whose whole
    /// lifetime is shorter than twice this is replaced halfway through it.
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// When a request that failed for a passing reason is sent again (reads
    /// and writes differ: see [`RetryPolicy`]); [`RetryPolicy::default`] unless set.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many requests the client and its clones have on the wire at most,
    /// the token request included; [`DEFAULT_MAX_IN_FLIGHT`] unless set.
    /// Calls past it wait for their turn (the wait counts towards
    /// [`operation_timeout`](Self::operation_timeout), not towards
    /// [`timeout`](Self::timeout)), so a burst of work never opens more
    /// connections than this.
    pub fn max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    /// At most this many requests a second from the client and its clones,
    /// the token request included, for a job that must stay under a known
    /// quota (Authing's free plan admits 300 a second per user pool); no
    /// fixed limit unless set. Calls wait for their turn within their
    /// [`operation_timeout`](Self::operation_timeout). Without it the client
    /// still slows down while the server throttles (see
    /// [`RetryPolicy::adaptive_rate`]).
    pub fn max_requests_per_second(mut self, max_requests_per_second: u32) -> Self {
        self.max_requests_per_second = Some(max_requests_per_second);
        self
    }

    /// The largest answer read, in bytes; [`DEFAULT_MAX_RESPONSE_BYTES`] unless
    /// set. A larger one fails the call with [`Error::ResponseTooLarge`]
    /// without being read further.
    pub fn max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// The host of Authing's event service, for
    /// [`subscribe`](ManagementClient::subscribe): [`DEFAULT_EVENT_HOST`]
    /// unless set; a private deployment's, such as `wss://events.example.com`.
    #[cfg(feature = "subscriptions")]
    pub fn event_host(mut self, event_host: impl Into<String>) -> Self {
        self.event_host = event_host.into();
        self
    }

    /// How event subscriptions keep their connection alive and replace it;
    /// [`SubscriptionPolicy::default`] unless set.
    #[cfg(feature = "subscriptions")]
    pub fn subscription_policy(mut self, policy: SubscriptionPolicy) -> Self {
        self.subscription = policy;
        self
    }

    /// Checks the settings and builds the client. No request is sent: the
    /// token is fetched by the first call.
    pub fn build(self) -> Result<ManagementClient> {
        if let Some(why) = &self.unreadable {
            return Err(Error::Config(why.clone()));
        }
        if self.access_key_id.trim().is_empty() {
            return Err(Error::Config("access_key_id is empty".into()));
        }
        if self.access_key_secret.trim().is_empty() {
            return Err(Error::Config("access_key_secret is empty".into()));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::Config("retry.max_attempts must be at least 1".into()));
        }
        check_duration("timeout", self.timeout, false)?;
        check_duration("operation_timeout", self.operation_timeout, false)?;
        check_duration("token_refresh_margin", self.token_refresh_margin, true)?;
        check_duration("retry.initial_backoff", self.retry.initial_backoff, true)?;
        check_duration("retry.max_backoff", self.retry.max_backoff, true)?;
        if !(1..=tokio::sync::Semaphore::MAX_PERMITS).contains(&self.max_in_flight) {
            return Err(Error::Config(format!("max_in_flight must be at least 1, not {}", self.max_in_flight)));
        }
        if self.max_requests_per_second == Some(0) {
            return Err(Error::Config("max_requests_per_second must be at least 1".into()));
        }
        if self.max_response_bytes == 0 {
            return Err(Error::Config("max_response_bytes must be at least 1".into()));
        }
        let host = parse_base_url("host", &self.host, ["http", "https"])?;
        let token_endpoint = reqwest::Url::parse(&format!("{host}{TOKEN_PATH}"))
            .map_err(|e| Error::Config(format!("host {:?} is not a usable URL: {e}", self.host)))?;

        let mut headers = HeaderMap::new();
        headers.insert("x-authing-lang", HeaderValue::from_static(self.lang.as_str()));
        headers.insert("x-authing-sdk-version", HeaderValue::from_static(SDK_VERSION));
        let tls = crate::tls::client_config(!self.use_unverified_ssl, crate::tls::HTTP_ALPN)
            .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?;
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(SDK_VERSION.replace(':', "/"))
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            // The crate's own configuration, with the crypto its features choose.
            .tls_backend_preconfigured(tls)
            // No operation redirects; following one could hand the access key
            // secret, the token or Authing's headers to another host.
            .redirect(reqwest::redirect::Policy::none())
            // No more connections are ever busy at once; more idle ones would only wait.
            .pool_max_idle_per_host(self.max_in_flight)
            .build()
            .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))?;
        if self.use_unverified_ssl {
            tracing::warn!(
                host,
                "use_unverified_ssl is on: TLS certificates are not verified, so anyone on the path can read the token and the data"
            );
        }

        #[cfg(feature = "subscriptions")]
        let events = EventSettings::new(
            &self.event_host,
            &self.access_key_id,
            &self.access_key_secret,
            self.subscription,
            !self.use_unverified_ssl,
            self.timeout,
        )?;
        let transport = Arc::new(Transport::new(
            http.clone(),
            self.retry,
            (self.max_in_flight, self.max_requests_per_second),
            self.max_response_bytes,
            (self.timeout, self.operation_timeout),
        ));
        let session = Session {
            tokens: TokenCache::new(
                token_endpoint,
                &self.access_key_id,
                &self.access_key_secret,
                self.token_refresh_margin,
                transport.clone(),
            ),
            #[cfg(feature = "subscriptions")]
            events,
            transport,
            lang: self.lang,
            timeout: self.timeout,
        };
        Ok(ManagementClient::from_parts(&host, http, Arc::new(session)))
    }
}

/// Refuses a duration setting `name` longer than [`MAX_DURATION`], or zero
/// unless `zero_allowed`.
pub(crate) fn check_duration(name: &str, value: Duration, zero_allowed: bool) -> Result<()> {
    if value.is_zero() && !zero_allowed {
        return Err(Error::Config(format!("{name} must be longer than zero")));
    }
    if value > MAX_DURATION {
        return Err(Error::Config(format!("{name} of {value:?} is longer than the limit of {MAX_DURATION:?}")));
    }
    Ok(())
}

/// The value of the option `name` as a base URL that paths are appended to:
/// one of `schemes`, with a host name, without a trailing slash, query or fragment.
pub(crate) fn parse_base_url(name: &str, value: &str, schemes: [&str; 2]) -> Result<String> {
    let invalid = |why: String| Error::Config(format!("{name} {value:?} is not a valid URL: {why}"));
    let url = reqwest::Url::parse(value.trim()).map_err(|e| invalid(e.to_string()))?;
    if !schemes.contains(&url.scheme()) {
        let [a, b] = schemes;
        return Err(invalid(format!("the scheme is {:?}, not {a} or {b}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host name".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or a fragment".into()));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
