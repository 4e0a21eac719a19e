//! Pagination: every operation that pages (found in the document by
//! `authing-codegen`) implements [`Paginated`], whose `.pages()` and
//! `.items()` fetch the pages of the request the caller built, lazily, as a
//! [`Stream`], and `.json_pages()` and `.json_items()` the same untyped.
//! How the pages are asked for, in what order they come, and when a walk
//! ends is `walk.rs`.

mod walk;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::Operation;
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use walk::{FetchPage, Walk};

/// The most items Authing gives in a page of a list walked by page number,
/// and the page size used unless another is asked for.
pub const MAX_PAGE_SIZE: i64 = 50;

/// How many pages of a list walked by page number are fetched at once by
/// default, once the first has said how many items there are (see
/// [`Pages::concurrency`]). Measured with `cargo xtask bench`: 10,000 users
/// from a server answering each page after 30 ms take 6.4 s one page at a
/// time, 1.7 s four at a time, 0.85 s eight at a time; eight reads a
/// list 7.5 times as fast while asking a server for no more than eight
/// pages at once, an eighth of the client's `max_in_flight`.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 8;

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's place in the walk, from 1: for a list walked by page
    /// number, the number asked for.
    pub number: i64,
    /// Its items.
    pub items: Vec<T>,
    /// How many items the whole list has, as the server counted them for this page.
    pub total_count: Option<i64>,
    /// Where the walk goes on after this page, for [`Paginated::pages_from`];
    /// `None` when this page ends it.
    pub next: Option<Resume>,
}

/// Where a walk goes on: given by each [`Page`], taken by
/// [`Paginated::pages_from`], so that a long walk can be stopped and resumed
/// (it can be stored: it is `Serialize` and `Deserialize`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The operation walked: a walk of another one refuses it.
    operation: String,
    at: At,
    size: i64,
    seen: i64,
}

impl Resume {
    /// The page number the walk goes on with, for a list walked by page number.
    pub fn page_number(&self) -> Option<i64> {
        match self.at {
            At::Number(number) => Some(number),
            _ => None,
        }
    }

    /// The server's start index of the next page, for a list walked by start index.
    pub fn start_index(&self) -> Option<i64> {
        match self.at {
            At::Index(index) => Some(index),
            _ => None,
        }
    }

    /// The server's scroll id of the next page, for a list walked by scroll id.
    pub fn scroll_id(&self) -> Option<&str> {
        match &self.at {
            At::Scroll(id) => Some(id),
            _ => None,
        }
    }

    /// The page size of the walk.
    pub fn page_size(&self) -> i64 {
        self.size
    }

    /// How many items the walk had read before this point.
    pub fn items_read(&self) -> i64 {
        self.seen
    }
}

/// A request builder of an operation that pages. In scope (`use
/// authing::Paginated as _;`), its `.pages()` and `.items()` walk the list
/// with the filters of the request as built, and `.json_pages()` and
/// `.json_items()` do the same untyped, as `.send_untyped()` does one call.
///
/// ```no_run
/// use authing::Paginated as _;
/// use futures_util::TryStreamExt as _;
///
/// # async fn run(client: authing::ManagementClient) -> authing::Result<()> {
/// let roles: Vec<_> = client.list_roles().namespace("default").items().try_collect().await?;
/// # Ok(())
/// # }
/// ```
///
/// Most lists are walked by page number: the page and page size set on the
/// request are replaced; once the first page has said how many items there
/// are, the following pages are fetched [`DEFAULT_PAGE_CONCURRENCY`] at a
/// time and yielded in order ([`Pages::concurrency`] changes it; `1` walks
/// one page after the other). A server that gives fewer items per page than
/// asked is followed at its page size. A few lists are walked by the cursor
/// the server gives with each page (`listDnef`'s `startIndex`,
/// `getAllMetadataRow`'s `scrollId`), one page at a time: a cursor set on the
/// request is where the walk begins.
///
/// A walk ends at the server's total, at a short page when there is no
/// total, or where the server marks the last page. It never ends `Ok` with
/// fewer items than the latest total: where it cannot go on (an empty or a
/// repeated page, a cursor that ends or stands still before the total), its
/// last item is [`Error::IncompleteList`]. Any error is the last item,
/// after every page before it. Each [`Page`] says where the walk would go on
/// ([`Page::next`]), for [`pages_from`](Self::pages_from).
pub trait Paginated: Operation + Clone {
    /// The type of the list's items: a generated type, or JSON for the few
    /// operations whose documented answer holds no list.
    type Item: Serialize + Send + 'static;

    /// How the next page is found.
    #[doc(hidden)]
    const BY: By;

    /// The same request, for the page at `at`, of `size` items.
    #[doc(hidden)]
    fn for_page(self, at: &At, size: i64) -> Self;

    /// Sends the request for one page, and reads what its answer says.
    #[doc(hidden)]
    fn fetch(self) -> impl Future<Output = Result<Split<Self::Item>>> + Send;

    /// The pages, of [`MAX_PAGE_SIZE`] items.
    fn pages(self) -> Pages<Self::Item> {
        self.pages_of(MAX_PAGE_SIZE)
    }

    /// The pages, of `size` items: at least 1, and for a list walked by page
    /// number at most [`MAX_PAGE_SIZE`], what Authing gives.
    fn pages_of(self, size: i64) -> Pages<Self::Item> {
        Pages::new(self, Start::Size(size), |request| Box::pin(request.fetch()))
    }

    /// The pages from where an earlier walk of the same request stopped:
    /// the [`Page::next`] of its last page read.
    fn pages_from(self, resume: Resume) -> Pages<Self::Item> {
        Pages::new(self, Start::Resume(resume), |request| Box::pin(request.fetch()))
    }

    /// Every item of every page, fetched a page of [`MAX_PAGE_SIZE`] at a
    /// time; the same as `.pages().items()`.
    fn items(self) -> Items<Self::Item> {
        self.pages().items()
    }

    /// The pages untyped, of [`MAX_PAGE_SIZE`] items: for when the typed
    /// answer cannot be read. The list is found wherever the answer has it
    /// (`list`, `data` itself, or its one array field).
    fn json_pages(self) -> Pages<Value> {
        self.json_pages_of(MAX_PAGE_SIZE)
    }

    /// The pages untyped, of `size` items, bounded as for [`pages_of`](Self::pages_of).
    fn json_pages_of(self, size: i64) -> Pages<Value> {
        Pages::new(self, Start::Size(size), |request| Box::pin(fetch_json(request)))
    }

    /// The pages untyped, from where an earlier walk stopped, as [`pages_from`](Self::pages_from).
    fn json_pages_from(self, resume: Resume) -> Pages<Value> {
        Pages::new(self, Start::Resume(resume), |request| Box::pin(fetch_json(request)))
    }

    /// Every item of every page untyped, fetched a page of [`MAX_PAGE_SIZE`] at a time.
    fn json_items(self) -> Items<Value> {
        self.json_pages().items()
    }
}

/// Where a walk begins.
enum Start {
    /// At the beginning, with pages of this size.
    Size(i64),
    /// Where an earlier walk stopped.
    Resume(Resume),
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send>>;
/// Starts a walk with the concurrency given.
type Begin<T> = Box<dyn FnOnce(usize) -> BoxStream<Result<Page<T>>> + Send>;

/// The pages of a list, made by [`Paginated::pages`] and its kin: a
/// [`Stream`] of [`Page`]s, fetched lazily, ending as [`Paginated`] says.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    concurrency: usize,
    /// The walk to start at the first poll, with the concurrency set by then.
    start: Option<Begin<T>>,
    running: Option<BoxStream<Result<Page<T>>>>,
    /// `authing.pages`: the walk, with the call of each page inside it.
    span: tracing::Span,
}

impl<T: Serialize + Send + 'static> Pages<T> {
    fn new<O, Fetch>(request: O, start: Start, fetch: Fetch) -> Self
    where
        O: Paginated,
        Fetch: Fn(O) -> walk::Fetching<T> + Send + Sync + 'static,
    {
        let begin = move |concurrency| -> BoxStream<Result<Page<T>>> {
            let (at, size, seen) = match start {
                // A cursor walk's first page is the request as built.
                Start::Size(size) => (if O::BY == By::Number { At::Number(1) } else { At::First }, size, 0),
                Start::Resume(Resume { operation, at, size, seen }) => {
                    let fits = match (O::BY, &at) {
                        (By::Number, At::Number(page)) => *page >= 1,
                        (By::Index, At::Index(index)) => *index >= 0,
                        (By::Scroll, At::Scroll(_)) => true,
                        _ => false,
                    };
                    if operation != O::ID || !fits || size < 1 || seen < 0 {
                        let why = format!(
                            "{}: a walk cannot resume from {at:?} (pages of {size}, {seen} items read) of {operation}",
                            O::ID
                        );
                        return Box::pin(futures_util::stream::once(async move { Err(Error::InvalidRequest(why)) }));
                    }
                    (at, size, seen)
                }
            };
            // Pages by number are never larger than Authing gives.
            let size = match O::BY {
                By::Number => size.clamp(1, MAX_PAGE_SIZE),
                By::Index | By::Scroll => size.max(1),
            };
            let fetch: FetchPage<T> = Box::new(move |at, size| fetch(request.clone().for_page(at, size)));
            Box::pin(Walk::new(O::ID, O::BY, fetch, (at, size, seen), concurrency).into_stream())
        };
        let span = tracing::info_span!("authing.pages", authing.operation = O::ID, authing.pages.by = ?O::BY);
        Pages { concurrency: DEFAULT_PAGE_CONCURRENCY, start: Some(Box::new(begin)), running: None, span }
    }

    /// How many pages of a list walked by page number are fetched at once,
    /// once the first has said how many items there are:
    /// [`DEFAULT_PAGE_CONCURRENCY`] unless set; `1` fetches one page after
    /// the other. Pages are yielded in order whatever it is, and at most this
    /// many are held ahead of the consumer. A page asked for ahead is fetched
    /// in a task of its own, holding a place under the client's
    /// `max_in_flight` only while its request is on the wire, whether the
    /// stream is polled or not. Lists walked by cursor are fetched one page
    /// at a time. Set before the first poll; later it changes nothing.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }

    /// Every item of every page.
    pub fn items(self) -> Items<T> {
        Items { pages: self, current: Vec::new().into_iter() }
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // The calls for the pages are made while it is polled: their spans are the walk's children.
        let span = self.span.clone();
        let _walk = span.enter();
        if let Some(start) = self.start.take() {
            self.running = Some(start(self.concurrency));
        }
        match &mut self.running {
            Some(running) => running.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").field("concurrency", &self.concurrency).finish_non_exhaustive()
    }
}

/// Every item of a list, made by [`Paginated::items`] or [`Pages::items`]: a
/// [`Stream`] of the items of each [`Page`] in turn, an error ending it as
/// it ends the pages.
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    pages: Pages<T>,
    current: std::vec::IntoIter<T>,
}

impl<T: Serialize + Send + 'static> Items<T> {
    /// How many pages are fetched at once: see [`Pages::concurrency`].
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.pages = self.pages.concurrency(pages);
        self
    }
}

// Nothing in it is pinned: the pages are boxed, the items moved out.
impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut self.pages).poll_next(cx)) {
                Some(Ok(page)) => self.current = page.items.into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("pages", &self.pages).field("left_in_page", &self.current.len()).finish()
    }
}

/// How a list's next page is found.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum By {
    /// The next page number.
    Number,
    /// The answer's `nextStartIndex`.
    Index,
    /// The answer's `scrollId`.
    Scroll,
}

/// Where a page is: what the request for it carries.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum At {
    /// The first page: page 1, or the request as built when the list is walked by cursor.
    First,
    /// Page `n`, from 1.
    Number(i64),
    /// The start index the server gave for the next page.
    Index(i64),
    /// The scroll id the server gave for the next page.
    Scroll(String),
}

impl At {
    /// The page number to ask for.
    pub fn page_number(&self) -> i64 {
        match self {
            At::Number(number) => *number,
            _ => 1,
        }
    }
}

/// What a page's answer says.
#[doc(hidden)]
#[derive(Debug, PartialEq)]
pub struct Split<T> {
    pub items: Vec<T>,
    pub total_count: Option<i64>,
    pub next: Next,
}

impl<T> Split<T> {
    /// A page of a list walked by page number.
    pub fn numbered(items: Vec<T>, total_count: Option<i64>) -> Self {
        Split { items, total_count, next: Next::Numbered }
    }

    /// An answer without data: no items, and so the end.
    pub fn empty() -> Self {
        Split { items: Vec::new(), total_count: None, next: Next::End }
    }
}

/// Where the page after this one is.
#[doc(hidden)]
#[derive(Debug, PartialEq)]
pub enum Next {
    /// The next page number.
    Numbered,
    /// Where the server says.
    At(At),
    /// Nowhere: the server marked this page the last.
    End,
}

impl Next {
    /// After a page answered with `nextStartIndex` and `truncated`: the
    /// server marks the last page with an index below 0 or `truncated: false`.
    pub fn index(next: Option<i64>, truncated: Option<bool>) -> Self {
        match next {
            Some(index) if index >= 0 && truncated != Some(false) => Next::At(At::Index(index)),
            _ => Next::End,
        }
    }

    /// After a page answered with a `scrollId`: none, or an empty one, is the end.
    pub fn scroll(id: Option<String>) -> Self {
        match id {
            Some(id) if !id.is_empty() => Next::At(At::Scroll(id)),
            _ => Next::End,
        }
    }
}

/// The items of a list the document leaves untyped: its elements when it is an array.
#[doc(hidden)]
pub fn values(list: Value) -> Vec<Value> {
    match list {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => {
            // Its kind only: the value holds users' data.
            let kind = match other {
                Value::Object(_) => "an object",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a boolean",
            };
            tracing::warn!("a list answered as {kind}, not an array; taken as empty");
            Vec::new()
        }
    }
}

/// [`Paginated::fetch`] of an operation with a typed list: its answer's
/// `data` split by `split`.
#[doc(hidden)]
pub async fn fetch_typed<O: Operation, T>(
    request: O,
    split: fn(<O::Envelope as Envelope>::Data) -> Split<T>,
) -> Result<Split<T>> {
    crate::call::typed(request).await.map(split)
}

/// [`Paginated::fetch`] untyped: the answer's `data` as JSON, its list found wherever it is.
#[doc(hidden)]
pub async fn fetch_json<O: Paginated>(request: O) -> Result<Split<Value>> {
    Ok(json_split(O::ID, crate::call::untyped(request).await?, O::BY))
}

/// What a page's `data`, as JSON, says: the list is `data` itself, its
/// `list`, or its one array field (as `authing-codegen` finds a typed list);
/// the total is `totalCount`; the next page is found `by` the number or the
/// cursor given.
fn json_split(operation: &str, data: Value, by: By) -> Split<Value> {
    let Value::Object(mut data) = data else {
        let next = if by == By::Number { Next::Numbered } else { Next::End };
        return Split { items: values(data), total_count: None, next };
    };
    let list = match data.remove("list") {
        Some(list) => Some(list),
        None => {
            let mut arrays = data.iter().filter(|(_, value)| value.is_array()).map(|(name, _)| name.clone());
            match (arrays.next(), arrays.next()) {
                (Some(name), None) => data.remove(&name),
                _ => None,
            }
        }
    };
    let items = list.map(values).unwrap_or_else(|| {
        tracing::warn!(operation, "the answer holds no list; taken as an empty page");
        Vec::new()
    });
    let total_count = match data.get("totalCount") {
        Some(Value::Number(total)) => total.as_i64(),
        Some(Value::String(total)) => total.parse().ok(),
        _ => None,
    };
    let next = match by {
        By::Number => Next::Numbered,
        By::Index => Next::index(
            data.get("nextStartIndex").and_then(Value::as_i64),
            data.get("truncated").and_then(Value::as_bool),
        ),
        By::Scroll => Next::scroll(data.get("scrollId").and_then(Value::as_str).map(str::to_owned)),
    };
    Split { items, total_count, next }
}

/// A page number or size, for whichever type the document gives the field
/// that carries it: the generated code converts it with `TryFrom`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Number(pub i64);

/// A [`Number`] that the field's type cannot hold.
#[doc(hidden)]
#[derive(Debug)]
pub struct OutOfRange;

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the page number or size does not fit the field")
    }
}

impl std::error::Error for OutOfRange {}

macro_rules! number_converts_to {
    ($($ty:ty),*) => {$(
        impl TryFrom<Number> for $ty {
            type Error = OutOfRange;

            fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
                <$ty>::try_from(number.0).map_err(|_| OutOfRange)
            }
        }
    )*};
}
number_converts_to!(i32, u32, u64);

macro_rules! number_converts_to_non_zero {
    ($($ty:ty => $primitive:ty),*) => {$(
        impl TryFrom<Number> for $ty {
            type Error = OutOfRange;

            fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
                <$primitive>::try_from(number.0).ok().and_then(<$ty>::new).ok_or(OutOfRange)
            }
        }
    )*};
}
number_converts_to_non_zero!(std::num::NonZeroU32 => u32, std::num::NonZeroU64 => u64, std::num::NonZeroI64 => i64);

impl TryFrom<Number> for i64 {
    type Error = OutOfRange;

    fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
        Ok(number.0)
    }
}

impl TryFrom<Number> for f64 {
    type Error = OutOfRange;

    fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
        Ok(number.0 as f64)
    }
}

impl TryFrom<Number> for String {
    type Error = OutOfRange;

    fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
        Ok(number.0.to_string())
    }
}

impl TryFrom<Number> for serde_json::Value {
    type Error = OutOfRange;

    fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
        Ok(number.0.into())
    }
}

// An optional body field's builder setter takes what converts to its `Option`.
macro_rules! number_converts_to_option {
    ($($ty:ty),*) => {$(
        impl TryFrom<Number> for Option<$ty> {
            type Error = OutOfRange;

            fn try_from(number: Number) -> std::result::Result<Self, OutOfRange> {
                <$ty>::try_from(number).map(Some)
            }
        }
    )*};
}
number_converts_to_option!(
    i32,
    i64,
    u32,
    u64,
    f64,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroI64,
    String,
    serde_json::Value
);

/// Implements [`Paginated`] for one generated builder: how the next page is
/// found, how it asks for a page, and what a page's answer says (or `json`,
/// for an answer read untyped).
///
/// `#[inline]` makes the methods compiled only in a program that walks that
/// operation, not for all 84 in every build of this crate.
macro_rules! paginated {
    ($builder:ident => json, $by:ident, |$this:ident, $at:ident, $size:ident| $for_page:expr) => {
        $crate::paging::paginated!(@impl $builder => ::serde_json::Value, $by, |$this, $at, $size| $for_page,
            |request| $crate::paging::fetch_json(request));
    };
    ($builder:ident => $item:ty, $by:ident, |$this:ident, $at:ident, $size:ident| $for_page:expr, |$data:ident| $split:expr) => {
        $crate::paging::paginated!(@impl $builder => $item, $by, |$this, $at, $size| $for_page,
            |request| $crate::paging::fetch_typed(request, |$data| $split));
    };
    (@impl $builder:ident => $item:ty, $by:ident, |$this:ident, $at:ident, $size:ident| $for_page:expr, |$request:ident| $fetch:expr) => {
        impl $crate::paging::Paginated for builder::$builder {
            type Item = $item;
            const BY: $crate::paging::By = $crate::paging::By::$by;

            #[inline]
            fn for_page(self, $at: &$crate::paging::At, $size: i64) -> Self {
                let $this = self;
                $for_page
            }

            #[inline]
            fn fetch(self) -> impl ::std::future::Future<Output = $crate::Result<$crate::paging::Split<$item>>> + Send {
                let $request = self;
                $fetch
            }
        }
    };
}
pub(crate) use paginated;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn split(data: Value, by: By) -> Split<Value> {
        json_split("listThings", data, by)
    }

    #[test]
    fn json_pages_find_the_list_wherever_the_answer_has_it() {
        let items = json!([{"id": "a"}, {"id": "b"}]);
        let expected = |total_count| Split { items: values(items.clone()), total_count, next: Next::Numbered };

        assert_eq!(split(json!({"list": items, "totalCount": 9}), By::Number), expected(Some(9)));
        assert_eq!(split(items.clone(), By::Number), expected(None));
        assert_eq!(split(json!({"data": items, "totalCount": "9", "page": 1}), By::Number), expected(Some(9)));
    }

    #[test]
    fn json_pages_without_a_list_are_empty() {
        for data in [json!({"id": "a"}), json!({"a": [], "b": []}), json!({"list": "a"}), Value::Null] {
            assert_eq!(split(data.clone(), By::Number).items, Vec::<Value>::new(), "{data}");
        }
    }

    #[test]
    fn json_pages_follow_the_cursor_the_server_gives() {
        let page = |data: Value, by| split(data, by).next;
        let index =
            |next: Value, truncated: Value| json!({"list": [1], "nextStartIndex": next, "truncated": truncated});

        assert_eq!(page(index(json!(5), json!(true)), By::Index), Next::At(At::Index(5)));
        assert_eq!(page(index(json!(5), Value::Null), By::Index), Next::At(At::Index(5)));
        assert_eq!(page(index(json!(-1), json!(true)), By::Index), Next::End);
        assert_eq!(page(index(json!(5), json!(false)), By::Index), Next::End);
        assert_eq!(page(json!({"list": [1], "scrollId": "s2"}), By::Scroll), Next::At(At::Scroll("s2".into())));
        assert_eq!(page(json!({"list": [1], "scrollId": ""}), By::Scroll), Next::End);
        assert_eq!(page(json!({"list": [1]}), By::Scroll), Next::End);
        // A list walked by cursor whose answer is the bare array has none to follow.
        assert_eq!(page(json!([1]), By::Index), Next::End);
    }
}
