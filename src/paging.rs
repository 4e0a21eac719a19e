//! Pagination: every operation that pages (found in the document by
//! `authing-codegen`) implements [`Paginated`], whose `.pages()` and
//! `.items()` fetch the pages of the request the caller built, lazily, as a
//! [`Stream`], and `.json_pages()` and `.json_items()` the same untyped.

use std::future::{Future, IntoFuture as _};
use std::hash::{Hash as _, Hasher as _};

use futures_util::{Stream, StreamExt as _};
use serde::Serialize;
use serde_json::Value;

use crate::envelope::Envelope;
use crate::error::Result;
use crate::operation::{Call, Operation};
use crate::untyped::Json;

/// The most items Authing gives in a page of a list walked by page number,
/// and the page size used unless another is asked for.
pub const MAX_PAGE_SIZE: i64 = 50;

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The page's place in the walk, from 1: for a list walked by page
    /// number, the number asked for.
    pub number: i64,
    /// Its items.
    pub items: Vec<T>,
    /// How many items the whole list has, as the server counted them for this page.
    pub total_count: Option<i64>,
}

/// A request builder of an operation that pages. In scope (`use
/// authing::Paginated as _;`), its `.pages()` and `.items()` walk the list
/// with the filters of the request as built, and `.json_pages()` and
/// `.json_items()` do the same untyped, as `.json()` does one call.
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
/// request are replaced, and the stream ends at `totalCount`, at a page
/// shorter than the page size, or at a page that repeats the one before (a
/// server that ignores the page number). A few are walked by the cursor the
/// server gives with each page (`listDnef`'s `startIndex`,
/// `getAllMetadataRow`'s `scrollId`): a cursor set on the request is where
/// the walk begins, and the stream ends when the server marks the last page,
/// at an empty page, or when the cursor does not move on. Either way, an
/// error is the stream's last item.
pub trait Paginated: Operation + Clone {
    /// The type of the list's items: a generated type, or JSON for the few
    /// operations whose documented answer holds no list.
    type Item: Serialize;

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
    fn pages<'a>(self) -> impl Stream<Item = Result<Page<Self::Item>>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send,
    {
        self.pages_of(MAX_PAGE_SIZE)
    }

    /// The pages, of `size` items: at least 1, and for a list walked by page
    /// number at most [`MAX_PAGE_SIZE`], since a server that gave fewer than
    /// asked would end the walk early.
    fn pages_of<'a>(self, size: i64) -> impl Stream<Item = Result<Page<Self::Item>>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send,
    {
        walk(self, size, Self::fetch)
    }

    /// Every item of every page, fetched a page of [`MAX_PAGE_SIZE`] at a time.
    fn items<'a>(self) -> impl Stream<Item = Result<Self::Item>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send + 'a,
    {
        flatten(self.pages())
    }

    /// The pages untyped, of [`MAX_PAGE_SIZE`] items: for when the typed
    /// answer cannot be read. The list is found wherever the answer has it
    /// (`list`, `data` itself, or its one array field).
    fn json_pages<'a>(self) -> impl Stream<Item = Result<Page<serde_json::Value>>> + Send + 'a
    where
        Self: 'a,
    {
        self.json_pages_of(MAX_PAGE_SIZE)
    }

    /// The pages untyped, of `size` items, bounded as for [`pages_of`](Self::pages_of).
    fn json_pages_of<'a>(self, size: i64) -> impl Stream<Item = Result<Page<serde_json::Value>>> + Send + 'a
    where
        Self: 'a,
    {
        walk(self, size, fetch_json::<Self>)
    }

    /// Every item of every page untyped, fetched a page of [`MAX_PAGE_SIZE`] at a time.
    fn json_items<'a>(self) -> impl Stream<Item = Result<serde_json::Value>> + Send + 'a
    where
        Self: 'a,
    {
        flatten(self.json_pages())
    }
}

/// The items of a stream of pages, an error ending it as it ends the pages.
fn flatten<'a, T: Send + 'a>(
    pages: impl Stream<Item = Result<Page<T>>> + Send + 'a,
) -> impl Stream<Item = Result<T>> + Send + 'a {
    pages.flat_map(|page| {
        let items: Vec<Result<T>> = match page {
            Ok(page) => page.items.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        futures_util::stream::iter(items)
    })
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
#[derive(Clone, Debug, PartialEq)]
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
            tracing::warn!(list = %other, "a list answered as something else than an array; taken as empty");
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
    Call::new(request).into_future().await.map(split)
}

/// [`Paginated::fetch`] untyped: the answer's `data` as JSON, its list found wherever it is.
#[doc(hidden)]
pub async fn fetch_json<O: Paginated>(request: O) -> Result<Split<Value>> {
    Ok(json_split(O::ID, Json::new(request).into_future().await?, O::BY))
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

/// The pages of `request`, of `size` items, each fetched with `fetch`.
fn walk<'a, O, T, F, Fut>(request: O, size: i64, fetch: F) -> impl Stream<Item = Result<Page<T>>> + Send + 'a
where
    O: Paginated + 'a,
    T: Serialize + Send + 'a,
    F: Fn(O) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Split<T>>> + Send + 'a,
{
    // A page shorter than asked ends a walk by page number, so it never asks for more than Authing gives.
    let size = match O::BY {
        By::Number => size.clamp(1, MAX_PAGE_SIZE),
        By::Index | By::Scroll => size.max(1),
    };
    let walk = Walk { request, fetch, size, at: At::First, number: 1, seen: 0, previous: None, done: false };
    futures_util::stream::unfold(walk, Walk::step)
}

/// Where a walk through the pages is.
struct Walk<O, F> {
    request: O,
    /// Sends the request for a page and reads its answer.
    fetch: F,
    size: i64,
    /// The page to fetch next.
    at: At,
    /// Its number in the walk, from 1.
    number: i64,
    /// Items received so far.
    seen: i64,
    /// A fingerprint of the previous page's items, to see a page repeated.
    previous: Option<u64>,
    done: bool,
}

impl<O, T, F, Fut> Walk<O, F>
where
    O: Paginated,
    T: Serialize,
    F: Fn(O) -> Fut,
    Fut: Future<Output = Result<Split<T>>>,
{
    async fn step(mut self) -> Option<(Result<Page<T>>, Self)> {
        if self.done {
            return None;
        }
        let number = self.number;
        let request = self.request.clone().for_page(&self.at, self.size);
        let Split { items, total_count, next } = match (self.fetch)(request).await {
            Ok(split) => split,
            Err(error) => {
                self.done = true;
                return Some((Err(error), self));
            }
        };
        let fingerprint = fingerprint(&items);
        if items.is_empty() || self.previous == Some(fingerprint) {
            if !items.is_empty() {
                tracing::warn!(operation = O::ID, page = number, "the server answered the same page again; stopping");
            }
            return None;
        }
        self.seen += items.len() as i64;
        self.number += 1;
        self.previous = Some(fingerprint);
        let whole_list = total_count.is_some_and(|total| self.seen >= total);
        let short = (items.len() as i64) < self.size;
        match next {
            Next::Numbered => {
                if short && total_count.is_some_and(|total| self.seen < total) {
                    tracing::warn!(
                        operation = O::ID,
                        page = number,
                        seen = self.seen,
                        total = total_count,
                        "a page shorter than asked before the total; stopping"
                    );
                }
                self.done = whole_list || short;
                self.at = At::Number(self.number);
            }
            Next::At(at) => {
                let stuck = matches!((&self.at, &at), (At::Index(before), At::Index(after)) if after <= before);
                if stuck {
                    tracing::warn!(operation = O::ID, page = number, "the server's cursor did not move on; stopping");
                }
                self.done = whole_list || stuck;
                self.at = at;
            }
            Next::End => self.done = true,
        }
        Some((Ok(Page { number, items, total_count }), self))
    }
}

fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    // Fixed keys: two equal pages must give the same fingerprint.
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_vec(items).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
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
        impl $crate::paging::Paginated for builder::$builder<'_> {
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
