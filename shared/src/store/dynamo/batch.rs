//! `BatchWriteItem` and `BatchGetItem` done right: slices of 25 (writes) and 100 (reads),
//! several slices in flight, leftovers (`UnprocessedItems` / `UnprocessedKeys`) retried with
//! exponential backoff and full jitter up to a maximum attempt count, and every write item
//! ending as stored or as a reported failure. Nothing is dropped.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, KeysAndAttributes, PutRequest, ReturnConsumedCapacity,
    WriteRequest,
};
use futures::{StreamExt, stream};
use smallvec::SmallVec;

use super::errors::{Class, classify};
use super::items::{Item, PK, SK};
use crate::layout::Version;
use crate::store::{Deadline, StoreError, WriteFailure};
use crate::telemetry::{self, RequestMetrics};

/// DynamoDB's limits per call.
pub const WRITE_SLICE: usize = 25;
pub const READ_SLICE: usize = 100;

/// How hard to retry work DynamoDB left undone.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per slice, the first one included.
    pub max_attempts: u32,
    /// First backoff ceiling; it doubles per attempt.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
    /// `BatchWriteItem` calls in flight at once. Enough for a 1,000-item request's 40 slices
    /// to go out in one wave: on DynamoDB a call's latency, not its size, decides its time.
    pub writes_in_flight: usize,
    /// Read calls (`BatchGetItem` slices, `Query` pages) in flight at once.
    pub reads_in_flight: usize,
    /// How long one write attempt may wait for its answer before it is sent again (with a
    /// fresh version). Short, as it bounds how late a superseded attempt can still land.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(25),
            cap: Duration::from_secs(2),
            writes_in_flight: 64,
            reads_in_flight: 128,
            attempt_timeout: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The defaults, with the in-flight limits from `DYNAMODB_WRITES_IN_FLIGHT` and
    /// `DYNAMODB_READS_IN_FLIGHT` where set: each call in flight holds a connection, and on
    /// AWS a new connection costs a TLS handshake, which this machine cannot measure.
    pub fn from_env() -> RetryPolicy {
        let limit = |var: &str, default: usize| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        let defaults = RetryPolicy::default();
        RetryPolicy {
            writes_in_flight: limit("DYNAMODB_WRITES_IN_FLIGHT", defaults.writes_in_flight),
            reads_in_flight: limit("DYNAMODB_READS_IN_FLIGHT", defaults.reads_in_flight),
            ..defaults
        }
    }

    /// Full jitter: a uniformly random wait between zero and the exponential ceiling, so
    /// retrying slices spread out instead of hitting the table in waves.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.cap);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// The key attributes of an item, used to match unprocessed requests back to their item.
pub type ItemKey = (Option<AttributeValue>, Option<AttributeValue>);

fn key_of(item: &Item) -> ItemKey {
    (item.get(PK).cloned(), item.get(SK).cloned())
}

fn request_key(request: &WriteRequest) -> ItemKey {
    if let Some(put) = request.put_request() {
        key_of(put.item())
    } else if let Some(delete) = request.delete_request() {
        key_of(delete.key())
    } else {
        (None, None)
    }
}

/// A put of `item`. The builder only fails without an item, which cannot happen here.
pub fn put(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(|e| StoreError::Rejected(Box::new(e)))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

/// One item to write. A versioned item is encoded afresh, with a fresh version, for every
/// attempt: a retried put that lands late then still carries the newest version, and it is
/// confirmed by its version rather than by the existence of its key.
pub trait Put: Send + Sync {
    /// The item as sent in an attempt stamped with `version`.
    fn request(&self, version: Version) -> WriteRequest;
    /// The item's key: needed only to match what DynamoDB left undone, so made on demand.
    fn key(&self) -> ItemKey;
    /// Whether the stored item carries the version it was sent with.
    const VERSIONED: bool;
}

/// An item put as it is (seed data, deletes): sent the same on every attempt.
impl Put for WriteRequest {
    fn request(&self, _version: Version) -> WriteRequest {
        self.clone()
    }
    fn key(&self) -> ItemKey {
        request_key(self)
    }
    const VERSIONED: bool = false;
}

/// Writes every request to `table`, in slices of 25, retrying what is left unprocessed.
/// One result per request, in order: the version of the attempt that stored it. Requests
/// must not repeat a key.
pub async fn write_all<P: Put>(
    client: &Client,
    table: &str,
    puts: Vec<P>,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Vec<Result<Version, WriteFailure>> {
    let total = puts.len();
    let pending = puts.into_iter().enumerate().map(|(index, put)| Pending {
        index,
        put,
        sent: SmallVec::new(),
    });
    let slices = slices(pending, WRITE_SLICE);
    let mut results = vec![Err(WriteFailure::Unavailable); total];
    let mut done = stream::iter(slices)
        .map(|slice| write_slice(client, table, slice, policy, deadline))
        .buffer_unordered(policy.writes_in_flight.max(1));
    while let Some(slice_results) = done.next().await {
        for (i, result) in slice_results {
            results[i] = result;
        }
    }
    results
}

/// `items` in slices of `size`, in order, moved rather than copied.
pub fn slices<T>(items: impl IntoIterator<Item = T>, size: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(slice) if slice.len() < size => slice.push(item),
            _ => out.push({
                let mut slice = Vec::with_capacity(size);
                slice.push(item);
                slice
            }),
        }
    }
    out
}

/// A put not yet known to be stored, with the versions it has been sent with.
struct Pending<P> {
    index: usize,
    put: P,
    sent: SmallVec<[Version; 2]>,
}

async fn write_slice<P: Put>(
    client: &Client,
    table: &str,
    mut pending: Vec<Pending<P>>,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Vec<(usize, Result<Version, WriteFailure>)> {
    let mut outcome = Vec::with_capacity(pending.len());
    // Sent in a call whose answer never came (an error or a timeout): they may have landed.
    let mut in_doubt = false;
    let mut attempt = 0u32;
    loop {
        if attempt > 0 {
            telemetry::add(|m: &RequestMetrics| &m.dynamodb_retries, 1);
        }
        attempt += 1;
        // Stamped now, not when the request began: the newest attempt carries the newest
        // version, whatever order the attempts land in.
        let version = Version::now();
        let mut requests = Vec::with_capacity(pending.len());
        for p in &mut pending {
            requests.push(p.put.request(version));
            p.sent.push(version);
        }
        let call = client
            .batch_write_item()
            .request_items(table, requests)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let attempt_ends =
            (tokio::time::Instant::now() + policy.attempt_timeout).min(deadline.instant());
        // Why the remaining items fail if this was the last try.
        let failure = match tokio::time::timeout_at(attempt_ends, call).await {
            Err(_elapsed) => {
                in_doubt = true;
                if deadline.passed() {
                    WriteFailure::Deadline
                } else {
                    WriteFailure::Unavailable
                }
            }
            Ok(Ok(out)) => {
                consumed(true, out.consumed_capacity());
                let unprocessed: Vec<ItemKey> = out
                    .unprocessed_items()
                    .and_then(|u| u.get(table))
                    .map(|list| list.iter().map(request_key).collect())
                    .unwrap_or_default();
                let (left, stored): (Vec<_>, Vec<_>) = if unprocessed.is_empty() {
                    (Vec::new(), pending)
                } else {
                    pending
                        .into_iter()
                        .partition(|p| unprocessed.contains(&p.put.key()))
                };
                outcome.extend(stored.into_iter().map(|p| (p.index, Ok(version))));
                pending = left;
                WriteFailure::Unprocessed { attempts: attempt }
            }
            Ok(Err(err)) => match classify(&err) {
                Class::Transient => {
                    tracing::warn!(error = %describe(&err), attempt, "BatchWriteItem failed, will retry");
                    in_doubt = true;
                    WriteFailure::Unavailable
                }
                Class::Permanent => {
                    tracing::error!(error = %describe(&err), "BatchWriteItem rejected");
                    outcome.extend(
                        pending
                            .into_iter()
                            .map(|p| (p.index, Err(WriteFailure::Rejected))),
                    );
                    return outcome;
                }
            },
        };
        if pending.is_empty() {
            return outcome;
        }
        let wait = policy.backoff(attempt);
        let stop = if failure == WriteFailure::Deadline || !deadline.allows(wait) {
            Some(WriteFailure::Deadline)
        } else if attempt >= policy.max_attempts {
            Some(failure)
        } else {
            None
        };
        if let Some(failure) = stop {
            if in_doubt {
                pending = confirm(client, table, pending, policy, deadline, &mut outcome).await;
            }
            tracing::warn!(items = pending.len(), attempts = attempt, %failure, "batch write gave up");
            outcome.extend(pending.into_iter().map(|p| (p.index, Err(failure))));
            return outcome;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Time a last look at the table may take past the request's deadline; the handler keeps
/// more than this in reserve (`http::DEADLINE_MARGIN`).
const CONFIRM_GRACE: Duration = Duration::from_millis(700);

/// Puts whose call failed without an answer may have landed anyway. A consistent read of
/// their keys settles it: a versioned put is stored if the table holds one of the versions
/// it was sent with (an item of the same slot from another write is not this write), an
/// unversioned one if its key is there. Returns the puts that are really not there (or could
/// not be checked).
async fn confirm<P: Put>(
    client: &Client,
    table: &str,
    pending: Vec<Pending<P>>,
    policy: RetryPolicy,
    deadline: Deadline,
    outcome: &mut Vec<(usize, Result<Version, WriteFailure>)>,
) -> Vec<Pending<P>> {
    let keys: Vec<ItemKey> = pending.iter().map(|p| p.put.key()).collect();
    let wanted: Vec<Item> = keys
        .iter()
        .map(|(pk, sk)| {
            [(PK, pk), (SK, sk)]
                .into_iter()
                .filter_map(|(name, v)| Some((name.to_owned(), v.clone()?)))
                .collect()
        })
        .collect();
    let grace = deadline.grace(CONFIRM_GRACE);
    let policy = RetryPolicy {
        max_attempts: 2,
        ..policy
    };
    let read = Read {
        consistent: true,
        projection: None,
    };
    let found = match get_all(client, table, wanted, read, policy, grace).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "could not confirm in-doubt writes; reporting them failed");
            return pending;
        }
    };
    let landed: Vec<(ItemKey, Option<Version>)> = found
        .iter()
        .map(|item| (key_of(item), super::stock::version_of(item)))
        .collect();
    let mut missing = Vec::new();
    let mut stored = 0;
    for (p, key) in pending.into_iter().zip(keys) {
        let there = landed.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let ours = match there {
            Some(Some(version)) if P::VERSIONED => p.sent.contains(&version).then_some(version),
            Some(_) if !P::VERSIONED => p.sent.last().copied(),
            _ => None,
        };
        match ours {
            Some(version) => {
                stored += 1;
                outcome.push((p.index, Ok(version)));
            }
            None => missing.push(p),
        }
    }
    tracing::info!(
        landed = stored,
        missing = missing.len(),
        "confirmed in-doubt writes"
    );
    missing
}

/// How `get_all` reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct Read {
    /// Strongly consistent reads.
    pub consistent: bool,
    /// Only these attributes, where the caller needs no others.
    pub projection: Option<Projection>,
}

/// A `ProjectionExpression` and the attribute names its placeholders stand for.
#[derive(Clone, Copy, Debug)]
pub struct Projection {
    pub expression: &'static str,
    pub names: &'static [(&'static str, &'static str)],
}

/// Reads items by key from `table`, 100 keys per call, retrying unprocessed keys. Missing
/// items are absent from the result.
pub async fn get_all(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    read: Read,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Result<Vec<Item>, StoreError> {
    let slices = slices(keys, READ_SLICE);
    let results: Vec<Result<Vec<Item>, StoreError>> = stream::iter(slices)
        .map(|slice| get_slice(client, table, slice, read, policy, deadline))
        .buffer_unordered(policy.reads_in_flight.max(1))
        .collect()
        .await;
    let mut items = Vec::new();
    for r in results {
        items.extend(r?);
    }
    Ok(items)
}

async fn get_slice(
    client: &Client,
    table: &str,
    mut keys: Vec<Item>,
    read: Read,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Result<Vec<Item>, StoreError> {
    let mut found = Vec::new();
    let mut attempt = 0u32;
    loop {
        if attempt > 0 {
            telemetry::add(|m: &RequestMetrics| &m.dynamodb_retries, 1);
        }
        attempt += 1;
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(std::mem::take(&mut keys)))
            .consistent_read(read.consistent);
        if let Some(Projection { expression, names }) = read.projection {
            request = request.projection_expression(expression);
            for (placeholder, name) in names {
                request = request.expression_attribute_names(*placeholder, *name);
            }
        }
        let request = request
            .build()
            .map_err(|e| StoreError::Rejected(Box::new(e)))?;
        let call = client
            .batch_get_item()
            .request_items(table, request)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        consumed(false, out.consumed_capacity());
        let mut responses: HashMap<String, Vec<Item>> = out.responses.unwrap_or_default();
        found.extend(responses.remove(table).unwrap_or_default());
        keys = out
            .unprocessed_keys
            .and_then(|mut u| u.remove(table))
            .map(|k| k.keys)
            .unwrap_or_default();
        if keys.is_empty() {
            return Ok(found);
        }
        let wait = policy.backoff(attempt);
        if attempt >= policy.max_attempts {
            return Err(StoreError::Unavailable(
                format!(
                    "{} keys still unprocessed after {attempt} attempts",
                    keys.len()
                )
                .into(),
            ));
        }
        if !deadline.allows(wait) {
            return Err(StoreError::Deadline);
        }
        tokio::time::sleep(wait).await;
    }
}

/// Adds the capacity a call consumed to the current request's read or write units.
pub fn consumed<'a>(write: bool, capacity: impl IntoIterator<Item = &'a ConsumedCapacity>) {
    let units: f64 = capacity
        .into_iter()
        .filter_map(ConsumedCapacity::capacity_units)
        .sum();
    telemetry::capacity(write, units);
}

/// A whole-call SDK error as a store error: transient ones are "unavailable".
pub fn store_error<E>(err: SdkError<E>) -> StoreError
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + Send + Sync + 'static,
{
    match classify(&err) {
        Class::Transient => StoreError::Unavailable(Box::new(err)),
        Class::Permanent => StoreError::Rejected(Box::new(err)),
    }
}

/// The error code and message, without the request's content.
pub fn describe<E>(err: &SdkError<E>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    match err.as_service_error() {
        Some(e) => format!(
            "{}: {}",
            e.code().unwrap_or("unknown"),
            e.message().unwrap_or_default()
        ),
        None => format!("{err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_keep_order_and_fill_each_but_the_last() {
        let cut = slices(0..60, 25);
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), [25, 25, 10]);
        assert_eq!(cut.concat(), (0..60).collect::<Vec<_>>());
        assert!(slices(0..0, 25).is_empty());
    }

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_capped_ceiling() {
        let p = RetryPolicy::default();
        for attempt in 0..40 {
            let ceiling = (p.base * 2u32.saturating_pow(attempt.min(30))).min(p.cap);
            for _ in 0..50 {
                assert!(p.backoff(attempt) <= ceiling);
            }
        }
        // Jitter: the waits of one attempt are not all the same.
        let waits: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(waits.len() > 1);
    }
}
