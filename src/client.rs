//! [`ManagementClient`]: the entry point, with every operation of the API.

use crate::config::ManagementClientBuilder;
use crate::error::Result;
use crate::generated::Client;
use crate::raw::RawRequest;
use crate::session::SharedSession;

/// A client of the Authing Management API for one user pool.
///
/// Every operation of the API is a method named after its operationId in
/// snake_case (`list_users`, `create_role`, `get_user`, ...). Each returns a
/// request builder of [`builder`](crate::builder): set its parameters, then
/// `.await` it (or `.send().await`) to get the typed `data` of the answer or
/// an [`Error`](crate::Error). A builder owns a handle to the client, so the
/// call can be spawned or returned from a function.
///
/// ```no_run
/// # async fn run() -> authing::Result<()> {
/// let client = authing::ManagementClient::builder()
///     .access_key_id("AUTHING_USERPOOL_ID")
///     .access_key_secret("AUTHING_USERPOOL_SECRET")
///     .build()?;
/// let user = client.get_user().user_id("6229ba8b1f5e3c2a2bd86e0c").await?;
/// println!("{:?}", user.username);
/// # Ok(())
/// # }
/// ```
///
/// Cloning is cheap, and clones share one connection pool and one token.
#[derive(Clone)]
pub struct ManagementClient {
    api: Client,
}

impl ManagementClient {
    /// A builder for a client; see [`ManagementClientBuilder`] for the options.
    pub fn builder() -> ManagementClientBuilder {
        ManagementClientBuilder::default()
    }

    /// A client configured from `AUTHING_ACCESS_KEY_ID`,
    /// `AUTHING_ACCESS_KEY_SECRET` and, when set, `AUTHING_HOST` (a private
    /// deployment's address) and `AUTHING_LANG` (`zh-CN`, the default, or
    /// `en-US`: the language of Authing's messages), with the other options
    /// at their defaults. A variable missing or unreadable is [`Error::Config`](crate::Error::Config), naming it.
    pub fn from_env() -> Result<Self> {
        for name in ["AUTHING_ACCESS_KEY_ID", "AUTHING_ACCESS_KEY_SECRET"] {
            if std::env::var_os(name).is_none_or(|value| value.is_empty()) {
                return Err(crate::Error::Config(format!("{name} is not set")));
            }
        }
        ManagementClientBuilder::from_env().build()
    }

    pub(crate) fn from_parts(host: &str, http: reqwest::Client, session: SharedSession) -> Self {
        ManagementClient { api: Client::new_with_client(host, http, session) }
    }

    /// A request to an endpoint this crate does not have a method for yet,
    /// with the same token, headers, retry and envelope handling; `path` is
    /// relative to the host, such as `/api/v3/list-users`.
    ///
    /// ```no_run
    /// # async fn run(client: authing::ManagementClient) -> authing::Result<()> {
    /// let data: serde_json::Value = client
    ///     .raw(reqwest::Method::GET, "/api/v3/get-user")
    ///     .query(&[("userId", "6229ba8b1f5e3c2a2bd86e0c")])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn raw(&self, method: reqwest::Method, path: &str) -> RawRequest {
        RawRequest::new(self.api.clone(), method, path)
    }

    /// The generated client the operation methods make their builders from.
    pub(crate) fn api(&self) -> &Client {
        &self.api
    }

    #[cfg(feature = "subscriptions")]
    pub(crate) fn session(&self) -> &crate::session::Session {
        &self.api.inner
    }

    /// The host requests are sent to, without a trailing slash.
    pub fn host(&self) -> &str {
        &self.api.baseurl
    }
}

impl std::fmt::Debug for ManagementClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let session = &self.api.inner;
        f.debug_struct("ManagementClient")
            .field("host", &self.api.baseurl)
            .field("lang", &session.lang)
            .field("timeout", &session.timeout)
            .finish_non_exhaustive()
    }
}
