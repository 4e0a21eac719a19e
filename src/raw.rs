//! The escape hatch: a request to any path, through the same path as the
//! generated operations (token, headers, retries, envelope).

use std::future::IntoFuture;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{Call, Prepared};
use crate::envelope::untyped_data;
use crate::error::{Error, ResponseBody, Result};
use crate::exchange::exchange;
use crate::generated::Client;

/// A request built by [`ManagementClient::raw`](crate::ManagementClient::raw),
/// in the words of the generated builders: `.await` it (or
/// [`send_untyped`](Self::send_untyped)) for the answer's `data` as JSON, or
/// [`send`](Self::send) to decode `data` into a type of your own.
#[must_use = "a request does nothing until it is awaited"]
pub struct RawRequest {
    api: Client,
    request: Result<reqwest::RequestBuilder>,
}

impl RawRequest {
    pub(crate) fn new(api: Client, method: reqwest::Method, path: &str) -> Self {
        let separator = if path.starts_with('/') { "" } else { "/" };
        let url = format!("{}{separator}{path}", api.baseurl);
        let request = reqwest::Url::parse(&url)
            .map(|url| api.client.request(method, url))
            .map_err(|e| Error::InvalidRequest(format!("{url:?} is not a valid URL: {e}")));
        RawRequest { api, request }
    }

    /// Adds query parameters, such as `&[("userId", "u1")]` or a struct.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.request = self.request.map(|r| r.query(query));
        self
    }

    /// Sets the JSON body.
    pub fn body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.request = self.request.map(|r| r.json(body));
        self
    }

    /// Sends the request and decodes the answer's `data` as `T` (the whole
    /// envelope when it has no `data`).
    pub fn send<T: DeserializeOwned + Send + 'static>(self) -> Call<T> {
        let span = self.span();
        Call::new(crate::span::traced(span, async move {
            let (operation, http_status, body) = self.exchange().await?;
            let data = untyped_data(&operation, http_status, body.clone())?;
            serde_path_to_error::deserialize(data).map_err(|e| Error::UnexpectedShape {
                operation,
                http_status,
                path: format!("data.{}", e.path()),
                body: ResponseBody::new(body),
                reason: crate::error::without_values(e.inner()),
            })
        }))
    }

    /// Sends the request and gives the answer's `data` as JSON, as `.await` does.
    pub fn send_untyped(self) -> Call<serde_json::Value> {
        let span = self.span();
        Call::new(crate::span::traced(span, async move {
            let (operation, http_status, body) = self.exchange().await?;
            untyped_data(&operation, http_status, body)
        }))
    }

    /// The span of the call, made as it is sent: `authing.raw`, with the
    /// path as given (without its query), since a raw call has no template.
    fn span(&self) -> tracing::Span {
        let built = self.request.as_ref().ok().and_then(|request| request.try_clone()?.build().ok());
        let (method, path) = built
            .as_ref()
            .map(|request| (request.method().as_str().to_owned(), request.url().path().to_owned()))
            .unwrap_or_default();
        crate::span::call("raw", &method, &path)
    }

    /// The request sent: its name in errors (`GET /api/v3/...`), and the answer's status and body.
    async fn exchange(self) -> Result<(String, u16, bytes::Bytes)> {
        let request = self.request?.build().map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let operation = format!("{} {}", request.method(), request.url().path());
        // A path the document lacks: only a `GET` (or `HEAD`) is known to read.
        let prepared = Prepared { session: self.api.inner, request, function: "" };
        let answer = exchange(prepared, &operation).await?;
        Ok((operation, answer.status, answer.body))
    }
}

impl IntoFuture for RawRequest {
    type Output = Result<serde_json::Value>;
    type IntoFuture = Call<serde_json::Value>;

    fn into_future(self) -> Self::IntoFuture {
        self.send_untyped()
    }
}
