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
    /// The page's number, from 1.
    pub number: i64,
    /// Its items.
    pub items: Vec<T>,
    /// How many items the whole list has, as the server counted them for this page.
    pub total_count: Option<i64>,
}

/// A request builder of an operation that pages. In scope (`use
/// authing::Paginated as _;`), its `.pages()` and `.items()` walk the list
/// from the first page, with the filters of the request as built (the page
/// and page size set on it are replaced).
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
/// A stream ends after the last page: at `totalCount`, at a page shorter than
/// the page size, or at a page that repeats the one before (a server that
/// ignores the page number). An error is its last item.
pub trait Paginated: Operation + Clone {
    /// The type of the list's items.
    type Item: Serialize;

    /// The same request, for page `page` (from 1) of `size` items.
    #[doc(hidden)]
    fn for_page(self, page: i64, size: i64) -> Self;

    /// The items of a page's answer, and the list's total count when given.
    #[doc(hidden)]
    fn split(data: <Self::Envelope as Envelope>::Data) -> (Vec<Self::Item>, Option<i64>);

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
        let walk = Walk { request: self, size: size.max(1), next: 1, seen: 0, previous: None, done: false };
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

/// Where a walk through the pages is.
struct Walk<O: Paginated> {
    request: O,
    size: i64,
    next: i64,
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
        let number = self.next;
        let request = self.request.clone().for_page(number, self.size);
        let (items, total_count) = match Call::new(request).into_future().await {
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
        self.next += 1;
        self.previous = Some(fingerprint);
        self.done = (items.len() as i64) < self.size || total_count.is_some_and(|total| self.seen >= total);
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

/// Implements [`Paginated`] for one generated builder: how it asks for a
/// page, and how a page's answer splits into items and a total.
macro_rules! paginated {
    ($builder:ident => $item:ty, |$this:ident, $page:ident, $size:ident| $for_page:expr, |$data:ident| $split:expr) => {
        impl $crate::paging::Paginated for builder::$builder<'_> {
            type Item = $item;

            fn for_page(self, $page: i64, $size: i64) -> Self {
                let $this = self;
                $for_page
            }

            fn split(
                $data: <<Self as $crate::operation::Operation>::Envelope as $crate::envelope::Envelope>::Data,
            ) -> (::std::vec::Vec<$item>, ::std::option::Option<i64>) {
                $split
            }
        }
    };
}
pub(crate) use paginated;
