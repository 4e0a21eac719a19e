//! One expectation: the call it matches, the answer it gives, and the calls
//! it saw.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use wiremock::ResponseTemplate;

use super::State;
use super::matching::Request;
use crate::call::Operation;
use crate::envelope::Envelope;
use crate::paging::Paginated;

/// An expectation being made by [`MockAuthing::on`](super::MockAuthing::on):
/// give it its answer with [`data`](Self::data), [`list`](Self::list),
/// [`api_error`](Self::api_error), [`http_status`](Self::http_status) or
/// [`json`](Self::json), each typed by the operation `O`. Until it has one,
/// it expects nothing.
#[must_use = "an expectation is made when it is given its answer"]
pub struct When<O> {
    state: Arc<Mutex<State>>,
    operation: &'static str,
    call: Request,
    times: Option<usize>,
    limit: Option<usize>,
    delay: Option<Duration>,
    operation_type: PhantomData<fn() -> O>,
}

impl<O: Operation> When<O> {
    pub(super) fn new(state: Arc<Mutex<State>>, operation: &'static str, request: &reqwest::Request) -> When<O> {
        When {
            state,
            operation,
            call: Request::expected(request),
            times: None,
            limit: None,
            delay: None,
            operation_type: PhantomData,
        }
    }

    /// The number of requests the expectation must answer: another number
    /// fails the test when the mock is dropped or verified. A request, not
    /// a call: a read the client retries counts each attempt, a list each page.
    pub fn times(mut self, calls: usize) -> Self {
        self.times = Some(calls);
        self
    }

    /// Answers at most `calls` calls; later ones go to the expectations made
    /// after it: a first answer, then another (a `503`, then the data).
    pub fn limit(mut self, calls: usize) -> Self {
        self.limit = Some(calls);
        self
    }

    /// Holds each answer back by `delay` (real time), as a slow server would.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Answers `data` in Authing's envelope (`statusCode` 200): what the
    /// call's `.await` gives back. For an operation whose answer has no
    /// `data` (`.await` gives the whole envelope), `data` is the answer.
    pub fn data(self, data: <O::Envelope as Envelope>::Data) -> Expectation
    where
        <O::Envelope as Envelope>::Data: Serialize,
    {
        let data = to_json(self.operation, &data);
        self.json(data)
    }

    /// Answers the list `items` page by page, as each call asks for it (its
    /// `page` and `limit`, in the query or the body), with `totalCount`: what
    /// `.items()` walks. A list walked by a cursor gets every item in one page.
    /// The page and page size of the expectation's request are left out of
    /// the match, as a walk sets its own.
    pub fn list(mut self, items: impl IntoIterator<Item = O::Item>) -> Expectation
    where
        O: Paginated,
    {
        let items = items.into_iter().map(|item| to_json(self.operation, &item)).collect();
        self.call = self.call.without_paging();
        self.answer(Answer::List(items))
    }

    /// Answers untyped `data` in Authing's envelope: for an answer the
    /// operation's type cannot hold, as a server that drifted would send.
    /// For an operation whose answer has no `data`, `data` is the answer, as
    /// a success (`statusCode` 200).
    pub fn json(self, data: Value) -> Expectation {
        match <O::Envelope as Envelope>::WHOLE {
            true => self.answer(Answer::Whole(data)),
            false => self.answer(Answer::Data(data)),
        }
    }

    /// Answers Authing's failure envelope: `statusCode`, `apiCode` and
    /// `message`, which the call gives back as [`Error::Api`](crate::Error::Api).
    pub fn api_error(self, status_code: i64, api_code: i64, message: &str) -> Expectation {
        self.answer(Answer::Failure {
            http_status: 200,
            status_code,
            api_code: Some(api_code),
            message: message.into(),
        })
    }

    /// Answers HTTP `status` with a failure envelope of the same
    /// `statusCode`, as a gateway or an overloaded server would (a `503` to
    /// a read is sent again; see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn http_status(self, status: u16) -> Expectation {
        let message = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("HTTP status")
            .to_string();
        self.answer(Answer::Failure { http_status: status, status_code: status.into(), api_code: None, message })
    }

    fn answer(self, answer: Answer) -> Expectation {
        let hits = Arc::new(AtomicUsize::new(0));
        let rule = Rule {
            operation: self.operation,
            call: self.call,
            answer,
            delay: self.delay,
            times: self.times,
            limit: self.limit,
            hits: Arc::clone(&hits),
        };
        let described = rule.describe();
        self.state.lock().unwrap_or_else(PoisonError::into_inner).rules.push(rule);
        Expectation { hits, described }
    }
}

impl<O> std::fmt::Debug for When<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("When").field("operation", &self.operation).field("call", &self.call.describe()).finish()
    }
}

/// An expectation made on the mock: how many calls it answered.
#[derive(Clone)]
pub struct Expectation {
    hits: Arc<AtomicUsize>,
    described: String,
}

impl Expectation {
    /// The calls it has answered so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation").field("call", &self.described).field("hits", &self.hits()).finish()
    }
}

/// An expectation as the server keeps it.
pub(super) struct Rule {
    pub(super) operation: &'static str,
    call: Request,
    answer: Answer,
    delay: Option<Duration>,
    times: Option<usize>,
    limit: Option<usize>,
    hits: Arc<AtomicUsize>,
}

enum Answer {
    Data(Value),
    /// The whole answer, for an operation whose answer has no `data`.
    Whole(Value),
    List(Vec<Value>),
    Failure {
        http_status: u16,
        status_code: i64,
        api_code: Option<i64>,
        message: String,
    },
}

impl Rule {
    /// Whether it answers `call`: a call it describes, while under its limit.
    pub(super) fn matches(&self, call: &Request) -> bool {
        self.limit.is_none_or(|limit| self.hits.load(Ordering::SeqCst) < limit) && call.has(&self.call)
    }

    /// The answer to `call`, counted as a hit.
    pub(super) fn answer(&self, call: &Request, request_id: &str) -> ResponseTemplate {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let answer = match &self.answer {
            Answer::Data(data) => super::envelope(data.clone(), request_id),
            Answer::Whole(answer) => super::whole(answer.clone(), request_id),
            Answer::List(items) => super::envelope(page(items, call), request_id),
            Answer::Failure { http_status, status_code, api_code, message } => {
                answer_failure(*http_status, Some((*status_code, *api_code)), message, request_id)
            }
        };
        match self.delay {
            Some(delay) => answer.set_delay(delay),
            None => answer,
        }
    }

    /// `getUser GET /api/v3/get-user?userId=u1`.
    pub(super) fn describe(&self) -> String {
        format!("{} {}", self.operation, self.call.describe())
    }

    /// Why the calls it saw are not the number it was given, if they are not.
    pub(super) fn unmet(&self) -> Option<String> {
        let (expected, seen) = (self.times?, self.hits.load(Ordering::SeqCst));
        (expected != seen).then(|| format!("{}: expected {expected} calls, saw {seen}", self.describe()))
    }
}

/// The page of `items` that `call` asks for, as Authing answers a list.
fn page(items: &[Value], call: &Request) -> Value {
    let (page, limit) = paging_of(call).unwrap_or((1, items.len().max(1)));
    let start = page.saturating_sub(1).saturating_mul(limit).min(items.len());
    let end = start.saturating_add(limit).min(items.len());
    Value::Object(Map::from_iter([
        ("list".to_string(), Value::Array(items[start..end].to_vec())),
        ("totalCount".to_string(), Value::from(items.len())),
    ]))
}

/// The page number and size a call asks for: `page` and `limit` (or
/// `pageNo` and `pageSize`) in the query, or in an object of the body.
fn paging_of(call: &Request) -> Option<(usize, usize)> {
    let [page, limit, page_no, page_size] = super::matching::PAGING_WORDS;
    let words = [(page, limit), (page_no, page_size)];
    let number = |text: &str| text.parse::<usize>().ok();
    for (page, limit) in words {
        let find = |name: &str| call.query.iter().find(|(k, _)| k == name).and_then(|(_, v)| number(v));
        if let (Some(page), Some(limit)) = (find(page), find(limit)) {
            return Some((page, limit.max(1)));
        }
    }
    fn in_body(value: &Value, words: [(&str, &str); 2]) -> Option<(usize, usize)> {
        let Value::Object(fields) = value else { return None };
        for (page, limit) in words {
            let find = |name: &str| fields.get(name).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
            if let (Some(page), Some(limit)) = (find(page), find(limit)) {
                return Some((page, limit.max(1)));
            }
        }
        fields.values().find_map(|field| in_body(field, words))
    }
    in_body(&call.body, words)
}

/// Authing's failure envelope, with HTTP status `http_status`.
pub(super) fn answer_failure(
    http_status: u16,
    codes: Option<(i64, Option<i64>)>,
    message: &str,
    request_id: &str,
) -> ResponseTemplate {
    let (status_code, api_code) = codes.unwrap_or((i64::from(http_status), None));
    let mut body = Map::from_iter([
        ("statusCode".to_string(), Value::from(status_code)),
        ("message".to_string(), Value::from(message)),
        ("requestId".to_string(), Value::from(request_id)),
    ]);
    if let Some(api_code) = api_code {
        body.insert("apiCode".to_string(), Value::from(api_code));
    }
    ResponseTemplate::new(http_status).set_body_json(Value::Object(body))
}

/// `value` as JSON; the generated types always serialize.
fn to_json(operation: &str, value: &impl Serialize) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|error| panic!("authing mock: {operation}'s answer is not JSON: {error}"))
}
