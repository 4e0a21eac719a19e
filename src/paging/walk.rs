//! The walk through the pages of one list: which pages are asked for and
//! when, the order they are yielded in, and when the walk ends.
//!
//! - A list walked by page number asks for one page until the server has
//!   said how many items there are, then for up to `concurrency` pages at
//!   once, never past the latest total, and yields them strictly in order.
//!   Only the pages asked for are held: at most `concurrency` ahead of the
//!   consumer, and none is asked for while the consumer does not poll.
//! - Each page asked for is fetched in a task of its own, so that it ends
//!   (and gives back its place among the client's `max_in_flight`) whether
//!   the consumer polls or not: a paused walk holds answers in memory, never
//!   places on the wire another call needs, and no page is fetched twice.
//!   Dropping the walk, or a page dropped unread, aborts its task.
//! - A page shorter than asked before the total is reached means the server
//!   gives fewer items per page than asked: the walk goes on with pages of
//!   that length, from the next item (pages asked ahead at the old size are
//!   dropped unread).
//! - A list walked by cursor asks for one page at a time: the cursor comes
//!   with the page before.
//! - The walk never ends `Ok` with fewer items than the latest total the
//!   server gave: where it cannot go on (an empty or a repeated page, a
//!   cursor that ends or stands still), its last item is
//!   [`Error::IncompleteList`]. An error is always the last item, after
//!   every page before it.
//!
//! The walk knows nothing of operations: it asks for a page at a position
//! through a function, so that it is compiled once per item type and tested
//! on its own.

use std::future::Future;
use std::hash::{Hash as _, Hasher as _};
use std::pin::Pin;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesOrdered;
use serde::Serialize;

use super::{At, By, Next, Page, Resume, Split};
use crate::error::{Error, Result};

/// The future of one page's answer.
pub(crate) type Fetching<T> = Pin<Box<dyn Future<Output = Result<Split<T>>> + Send + 'static>>;
/// Asks for the page at a position, of a size.
pub(crate) type FetchPage<T> = Box<dyn Fn(&At, i64) -> Fetching<T> + Send + 'static>;
/// A page asked for: where, and its answer to come.
type Asked<T> = Pin<Box<dyn Future<Output = (At, Result<Split<T>>)> + Send + 'static>>;

/// A page's fetch in a task of its own, aborted when dropped unread.
struct Background<T>(tokio::task::JoinHandle<Result<Split<T>>>);

impl<T: Send + 'static> Background<T> {
    fn spawn(fetching: Fetching<T>) -> Self {
        // In the walk's span (current while it is polled), as if it ran in the walk's own task.
        Background(tokio::spawn(tracing::Instrument::in_current_span(fetching)))
    }
}

impl<T> Future for Background<T> {
    type Output = Result<Split<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|ended| match ended {
            Ok(answer) => answer,
            Err(stopped) if stopped.is_panic() => std::panic::resume_unwind(stopped.into_panic()),
            // Only a runtime shutting down cancels it: the walk cannot go on.
            Err(stopped) => {
                Err(Error::InvalidRequest(format!("the page's task was stopped before it ended ({stopped})")))
            }
        })
    }
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct Walk<T> {
    operation: &'static str,
    by: By,
    fetch: FetchPage<T>,
    /// Pages of a list walked by page number asked for at once, once the total is known.
    concurrency: usize,
    size: i64,
    /// The next page to ask for; `None` until a cursor walk's page gives one.
    next: Option<At>,
    /// The pages asked for and not yet yielded, in order.
    asked: FuturesOrdered<Asked<T>>,
    /// Items yielded, those before a resumed walk's start included.
    seen: i64,
    /// The latest total the server gave.
    total: Option<i64>,
    /// Whether a page held more than the total allowed: the server's totals
    /// are then not what the list has, and the walk goes by its pages alone.
    total_is_wrong: bool,
    /// A fingerprint of the previous page's items, to see a page repeated.
    previous: Option<u64>,
    /// Pages yielded, for a cursor page's number.
    yielded: i64,
    /// The error to yield after the page just yielded, ending the walk.
    ending: Option<Error>,
    done: bool,
}

impl<T: Serialize + Send + 'static> Walk<T> {
    /// A walk from `start`, of pages of `size` items, `seen` items before it.
    pub(crate) fn new(
        operation: &'static str,
        by: By,
        fetch: FetchPage<T>,
        (start, size, seen): (At, i64, i64),
        concurrency: usize,
    ) -> Self {
        Walk {
            operation,
            by,
            fetch,
            concurrency: concurrency.max(1),
            size,
            next: Some(start),
            asked: FuturesOrdered::new(),
            seen,
            total: None,
            total_is_wrong: false,
            previous: None,
            yielded: 0,
            ending: None,
            done: false,
        }
    }

    /// The walk as a stream of pages.
    pub(crate) fn into_stream(self) -> impl futures_util::Stream<Item = Result<Page<T>>> + Send + 'static {
        futures_util::stream::unfold(self, Walk::step)
    }

    async fn step(mut self) -> Option<(Result<Page<T>>, Self)> {
        if let Some(error) = self.ending.take() {
            self.done = true;
            return Some((Err(error), self));
        }
        loop {
            if self.done {
                return None;
            }
            self.ask();
            let Some((at, answer)) = self.asked.next().await else {
                // Nothing left to ask for.
                let short = self.short_of_total();
                let walk = self.end();
                return short.map(|error| (Err(error), walk));
            };
            let Split { items, total_count, next } = match answer {
                Ok(split) => split,
                Err(error) => return Some((Err(error), self.end())),
            };
            if total_count.is_some() {
                self.total = total_count;
            }
            let fingerprint = fingerprint(&items);
            if items.is_empty() || self.previous == Some(fingerprint) {
                if !items.is_empty() {
                    tracing::warn!(operation = self.operation, "the server answered the same page again");
                }
                let short = self.short_of_total();
                let walk = self.end();
                return short.map(|error| (Err(error), walk));
            }
            let length = items.len() as i64;
            if self.trusted_total().is_some_and(|total| self.seen.saturating_add(length) > total) {
                tracing::warn!(
                    operation = self.operation,
                    total = self.total,
                    read = self.seen.saturating_add(length),
                    "the server gave more items than its total; going on to a short or empty page instead"
                );
                self.total_is_wrong = true;
            }
            let whole_list = self.trusted_total().is_some_and(|total| self.seen.saturating_add(length) >= total);
            if next == Next::Numbered && length < self.size && !whole_list && self.trusted_total().is_some() {
                // Fewer items per page than asked, before the total: the
                // server caps the page size. Where this page begins is known
                // only for page 1 (a server may count pages of the size it
                // gives, or of the size asked): a later one is asked again.
                let first = at == At::Number(1);
                self.adapt(if first { self.seen.saturating_add(length) } else { self.seen }, length);
                if !first {
                    continue;
                }
            }
            self.seen = self.seen.saturating_add(length);
            self.yielded += 1;
            self.previous = Some(fingerprint);
            let number = match at {
                At::Number(number) => number,
                _ => self.yielded,
            };
            match next {
                Next::Numbered => {
                    // A short page ends a list whose total is not known.
                    if whole_list || length < self.size && self.trusted_total().is_none() {
                        self.done = true;
                    }
                }
                Next::At(cursor) => {
                    let stuck = matches!((&at, &cursor), (At::Index(before), At::Index(after)) if after <= before);
                    if stuck {
                        tracing::warn!(
                            operation = self.operation,
                            page = number,
                            "the server's cursor did not move on"
                        );
                    }
                    if whole_list || stuck {
                        self.ending = self.short_of_total();
                        self.done = true;
                    } else {
                        self.next = Some(cursor);
                    }
                }
                Next::End => {
                    self.ending = self.short_of_total();
                    self.done = true;
                }
            }
            let resume = self.resume();
            return Some((Ok(Page { number, items, total_count, next: resume }), self));
        }
    }

    /// Asks for pages up to the limit: one at a time until the total is
    /// known or for a cursor, `concurrency` then; none past the total.
    fn ask(&mut self) {
        let limit = match (self.by, self.trusted_total()) {
            (By::Number, Some(_)) => self.concurrency,
            _ => 1,
        };
        while self.asked.len() < limit {
            let Some(at) = self.next.take() else { break };
            if let (At::Number(number), Some(total)) = (&at, self.trusted_total())
                && (number - 1).saturating_mul(self.size) >= total
            {
                self.next = Some(at);
                break;
            }
            // A cursor comes with the page before; a page number is known
            // (none after the last an `i64` holds: a resumed walk may start anywhere).
            if let At::Number(number) = &at {
                self.next = number.checked_add(1).map(At::Number);
            }
            let answer = Background::spawn((self.fetch)(&at, self.size));
            self.asked.push_back(Box::pin(async move { (at, answer.await) }));
        }
    }

    /// Goes on from item `from` with pages of at most the `length` the
    /// server gave: the largest size whose pages begin at that item. The
    /// pages asked for ahead at the old size are dropped unread.
    fn adapt(&mut self, from: i64, length: i64) {
        let size = (1..=length).rev().find(|size| from % size == 0).unwrap_or(1);
        tracing::warn!(
            operation = self.operation,
            asked = self.size,
            given = length,
            from,
            total = self.total,
            "the server gives fewer items per page than asked; going on with pages of {size}"
        );
        self.size = size;
        self.asked.clear();
        self.next = Some(At::Number((from / size).saturating_add(1)));
    }

    /// The latest total, unless the server's totals have shown themselves wrong.
    fn trusted_total(&self) -> Option<i64> {
        self.total.filter(|_| !self.total_is_wrong)
    }

    /// The error of a walk that ends with fewer items than the latest total.
    fn short_of_total(&self) -> Option<Error> {
        let total = self.trusted_total().filter(|total| self.seen < *total)?;
        tracing::warn!(operation = self.operation, seen = self.seen, total, "the list ended before its total");
        Some(Error::IncompleteList { operation: self.operation.to_string(), seen: self.seen, total })
    }

    /// Where the walk would go on after the page just read.
    fn resume(&self) -> Option<Resume> {
        if self.done {
            return None;
        }
        let at = match self.by {
            // Pages asked for ahead do not count: the next page not yielded does.
            By::Number => At::Number((self.seen / self.size).saturating_add(1)),
            By::Index | By::Scroll => self.next.clone()?,
        };
        Some(Resume { operation: self.operation.to_string(), at, size: self.size, seen: self.seen })
    }

    /// Ends the walk, dropping the pages asked for ahead unread.
    fn end(mut self) -> Self {
        self.asked.clear();
        self.done = true;
        self
    }
}

fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    // Fixed keys: two equal pages must give the same fingerprint.
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_vec(items).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures_util::StreamExt as _;

    use super::*;

    const SIZE: i64 = 10;

    /// A list of the numbers below `total`, `SIZE` a page, each page taking
    /// `delay(page)` and `fail` failing; the pages asked for are recorded.
    fn numbers(
        total: i64,
        fail: Option<i64>,
        delay: fn(i64) -> Duration,
        asked: Arc<Mutex<Vec<i64>>>,
    ) -> FetchPage<i64> {
        Box::new(move |at, size| {
            let At::Number(page) = *at else { panic!("asked for {at:?}") };
            asked.lock().unwrap().push(page);
            Box::pin(async move {
                tokio::time::sleep(delay(page)).await;
                if fail == Some(page) {
                    return Err(Error::InvalidRequest(format!("page {page} failed")));
                }
                Ok(Split::numbered(((page - 1) * size..(page * size).min(total)).collect(), Some(total)))
            })
        })
    }

    fn walk(fetch: FetchPage<i64>, concurrency: usize) -> Walk<i64> {
        Walk::new("listNumbers", By::Number, fetch, (At::Number(1), SIZE, 0), concurrency)
    }

    #[tokio::test(start_paused = true)]
    async fn pages_are_asked_for_one_until_the_total_is_known_then_at_most_n_ahead_of_the_consumer() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let fetch = numbers(1000, None, |_| Duration::from_millis(30), asked.clone());
        let mut pages = std::pin::pin!(walk(fetch, 4).into_stream());

        assert_eq!(pages.next().await.unwrap().unwrap().number, 1);
        assert_eq!(*asked.lock().unwrap(), [1], "one page until the total is known");
        for read in 2..=100 {
            assert_eq!(pages.next().await.unwrap().unwrap().number, read, "pages in order");
            let count = asked.lock().unwrap().len() as i64;
            assert!(count <= read + 4, "{count} pages asked for with {read} read");
            // A consumer busy elsewhere: nothing more is asked for meanwhile.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert_eq!(asked.lock().unwrap().len() as i64, count);
        }
        assert!(pages.next().await.is_none());
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked, (1..=100).collect::<Vec<_>>(), "every page once, none past the total");
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_comes_after_every_page_before_it_and_ends_the_walk() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        // Page 3 fails at once; page 2 comes ten seconds later.
        let delay = |page| Duration::from_secs(if page == 2 { 10 } else { 0 });
        let pages: Vec<_> = walk(numbers(1000, Some(3), delay, asked), 4).into_stream().collect().await;

        assert_eq!(pages.len(), 3);
        assert_eq!(pages[0].as_ref().unwrap().number, 1);
        assert_eq!(pages[1].as_ref().unwrap().number, 2);
        assert!(matches!(&pages[2], Err(Error::InvalidRequest(why)) if why == "page 3 failed"), "{:?}", pages[2]);
    }

    #[tokio::test(start_paused = true)]
    async fn one_at_a_time_is_strictly_sequential() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let mut pages = std::pin::pin!(walk(numbers(100, None, |_| Duration::ZERO, asked.clone()), 1).into_stream());
        for read in 1..=10 {
            pages.next().await.unwrap().unwrap();
            assert_eq!(asked.lock().unwrap().len() as i64, read);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pages_asked_for_ahead_end_while_the_consumer_is_away_each_asked_for_once() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (recorded, counted) = (asked.clone(), ended.clone());
        let fetch: FetchPage<i64> = Box::new(move |at, size| {
            let At::Number(page) = *at else { panic!("asked for {at:?}") };
            recorded.lock().unwrap().push(page);
            let counted = counted.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(Split::numbered(((page - 1) * size..(page * size).min(100)).collect(), Some(100)))
            })
        });
        let mut pages = std::pin::pin!(walk(fetch, 4).into_stream());
        pages.next().await.unwrap().unwrap();
        pages.next().await.unwrap().unwrap();

        // Busy elsewhere for a minute, with pages 3 to 5 asked for: they end meanwhile.
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(ended.load(std::sync::atomic::Ordering::SeqCst), 5, "pages 1 to 5 ended, unpolled");
        let rest: Vec<_> = pages.collect().await;

        assert!(rest.iter().all(Result::is_ok), "{rest:?}");
        assert_eq!(rest.len(), 8);
        let mut asked = asked.lock().unwrap().clone();
        asked.sort_unstable();
        assert_eq!(asked, (1..=10).collect::<Vec<_>>(), "each page asked for once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_walk_dropped_stops_the_pages_it_asked_for_ahead() {
        let ended = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = ended.clone();
        let fetch: FetchPage<i64> = Box::new(move |at, size| {
            let At::Number(page) = *at else { panic!("asked for {at:?}") };
            let counted = counted.clone();
            Box::pin(async move {
                // Page 1 at once, the others after a second.
                tokio::time::sleep(Duration::from_secs(u64::from(page > 1))).await;
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(Split::numbered(((page - 1) * size..(page * size).min(100)).collect(), Some(100)))
            })
        });
        let mut pages = Box::pin(walk(fetch, 4).into_stream());
        pages.next().await.unwrap().unwrap();
        // Pages 2 to 5 are asked for as page 2 is awaited.
        let _ = tokio::time::timeout(Duration::from_millis(10), pages.next()).await;
        drop(pages);
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(ended.load(std::sync::atomic::Ordering::SeqCst), 1, "only page 1 ended");
    }

    #[test]
    fn a_smaller_page_size_is_one_whose_pages_begin_at_the_next_item() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let mut walk = Walk::new(
            "listNumbers",
            By::Number,
            numbers(237, None, |_| Duration::ZERO, asked),
            (At::Number(1), 50, 0),
            4,
        );
        walk.total = Some(237);
        walk.adapt(70, 20);
        assert_eq!((walk.size, walk.next.clone()), (14, Some(At::Number(6))));
        walk.adapt(20, 20);
        assert_eq!((walk.size, walk.next.clone()), (20, Some(At::Number(2))));
        walk.adapt(7, 5);
        assert_eq!((walk.size, walk.next), (1, Some(At::Number(8))));
    }
}
