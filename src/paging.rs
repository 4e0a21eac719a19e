//! Pagination: every operation that pages (found in the document by
//! `authing-codegen`) implements [`Paginated`], whose `.pages()` and
//! `.items()` fetch the pages of the request the caller built, lazily, as a
//! [`Stream`].

use std::future::IntoFuture as _;
use std::hash::{Hash as _, Hasher as _};

use futures_util::{Stream, StreamExt as _};
use serde::Serialize;

use crate::envelope::Envelope;
use crate::error::Result;
use crate::operation::{Call, Operation};

/// The most items Authing gives in one page, and the page size used unless another is asked for.
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
/// from the first page, with the filters of the request as built.
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
    /// The type of the list's items.
    type Item: Serialize;

    /// The same request, for the page at `at`, of `size` items.
    #[doc(hidden)]
    fn for_page(self, at: &At, size: i64) -> Self;

    /// A page's answer: its items, the list's total count when given, and where the next page is.
    #[doc(hidden)]
    fn split(data: <Self::Envelope as Envelope>::Data) -> Split<Self::Item>;

    /// The pages, of [`MAX_PAGE_SIZE`] items.
    fn pages<'a>(self) -> impl Stream<Item = Result<Page<Self::Item>>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send,
    {
        self.pages_of(MAX_PAGE_SIZE)
    }

    /// The pages, of `size` items (at least 1).
    fn pages_of<'a>(self, size: i64) -> impl Stream<Item = Result<Page<Self::Item>>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send,
    {
        let walk =
            Walk { request: self, size: size.max(1), at: At::First, number: 1, seen: 0, previous: None, done: false };
        futures_util::stream::unfold(walk, Walk::step)
    }

    /// Every item of every page, fetched a page of [`MAX_PAGE_SIZE`] at a time.
    fn items<'a>(self) -> impl Stream<Item = Result<Self::Item>> + Send + 'a
    where
        Self: 'a,
        Self::Item: Send + 'a,
    {
        self.pages().flat_map(|page| {
            let items: Vec<Result<Self::Item>> = match page {
                Ok(page) => page.items.into_iter().map(Ok).collect(),
                Err(error) => vec![Err(error)],
            };
            futures_util::stream::iter(items)
        })
    }
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
#[derive(Debug)]
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
pub fn values(list: serde_json::Value) -> Vec<serde_json::Value> {
    match list {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Null => Vec::new(),
        other => {
            tracing::warn!(list = %other, "a list answered as something else than an array; taken as empty");
            Vec::new()
        }
    }
}

/// Where a walk through the pages is.
struct Walk<O: Paginated> {
    request: O,
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

impl<O: Paginated> Walk<O> {
    async fn step(mut self) -> Option<(Result<Page<O::Item>>, Self)> {
        if self.done {
            return None;
        }
        let number = self.number;
        let request = self.request.clone().for_page(&self.at, self.size);
        let Split { items, total_count, next } = match Call::new(request).into_future().await {
            Ok(data) => O::split(data),
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

/// Implements [`Paginated`] for one generated builder: how it asks for a
/// page, and what a page's answer says.
macro_rules! paginated {
    ($builder:ident => $item:ty, |$this:ident, $at:ident, $size:ident| $for_page:expr, |$data:ident| $split:expr) => {
        impl $crate::paging::Paginated for builder::$builder<'_> {
            type Item = $item;

            fn for_page(self, $at: &$crate::paging::At, $size: i64) -> Self {
                let $this = self;
                $for_page
            }

            fn split(
                $data: <<Self as $crate::operation::Operation>::Envelope as $crate::envelope::Envelope>::Data,
            ) -> $crate::paging::Split<$item> {
                $split
            }
        }
    };
}
pub(crate) use paginated;
