//! `BatchWriteItem` and `BatchGetItem` done right: slices of 25 (writes) and 100 (reads),
//! several slices in flight, leftovers (`UnprocessedItems` / `UnprocessedKeys`) retried with
//! exponential backoff and full jitter up to a maximum attempt count, and every write item
//! ending as stored or as a reported failure. Nothing is dropped.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use futures::{StreamExt, stream};

use super::errors::{Class, classify};
use super::items::{Item, PK, SK};
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
    /// Slices in flight at once.
    pub concurrency: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(25),
            cap: Duration::from_secs(2),
            concurrency: 8,
        }
    }
}

impl RetryPolicy {
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
fn key_of(item: &Item) -> (Option<AttributeValue>, Option<AttributeValue>) {
    (item.get(PK).cloned(), item.get(SK).cloned())
}

fn request_key(request: &WriteRequest) -> (Option<AttributeValue>, Option<AttributeValue>) {
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

/// Writes every request to `table`, in slices of 25, retrying what is left unprocessed.
/// One result per request, in order. Requests must not repeat a key.
pub async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Vec<Result<(), WriteFailure>> {
    let total = requests.len();
    let mut slices: Vec<Vec<(usize, WriteRequest)>> = Vec::new();
    for (i, request) in requests.into_iter().enumerate() {
        if i % WRITE_SLICE == 0 {
            slices.push(Vec::with_capacity(WRITE_SLICE));
        }
        if let Some(slice) = slices.last_mut() {
            slice.push((i, request));
        }
    }
    let mut results = vec![Err(WriteFailure::Unavailable); total];
    let mut done = stream::iter(slices)
        .map(|slice| write_slice(client, table, slice, policy, deadline))
        .buffer_unordered(policy.concurrency.max(1));
    while let Some(slice_results) = done.next().await {
        for (i, result) in slice_results {
            results[i] = result;
        }
    }
    results
}

async fn write_slice(
    client: &Client,
    table: &str,
    mut pending: Vec<(usize, WriteRequest)>,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Vec<(usize, Result<(), WriteFailure>)> {
    let mut outcome = Vec::with_capacity(pending.len());
    // Sent in a call whose answer never came (an error or a timeout): they may have landed.
    let mut in_doubt = false;
    let mut attempt = 0u32;
    loop {
        if attempt > 0 {
            telemetry::add(|m: &RequestMetrics| &m.dynamodb_retries, 1);
        }
        attempt += 1;
        let requests: Vec<WriteRequest> = pending.iter().map(|(_, r)| r.clone()).collect();
        let call = client
            .batch_write_item()
            .request_items(table, requests)
            .send();
        // Why the remaining items fail if this was the last try.
        let failure = match tokio::time::timeout_at(deadline.instant(), call).await {
            Err(_elapsed) => {
                in_doubt = true;
                WriteFailure::Deadline
            }
            Ok(Ok(out)) => {
                let unprocessed: Vec<_> = out
                    .unprocessed_items()
                    .and_then(|u| u.get(table))
                    .map(|list| list.iter().map(request_key).collect())
                    .unwrap_or_default();
                let (left, stored): (Vec<_>, Vec<_>) = pending
                    .into_iter()
                    .partition(|(_, r)| unprocessed.contains(&request_key(r)));
                outcome.extend(stored.into_iter().map(|(i, _)| (i, Ok(()))));
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
                            .map(|(i, _)| (i, Err(WriteFailure::Rejected))),
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
            outcome.extend(pending.into_iter().map(|(i, _)| (i, Err(failure))));
            return outcome;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Time a last look at the table may take past the request's deadline; the handler keeps
/// more than this in reserve (`http::DEADLINE_MARGIN`).
const CONFIRM_GRACE: Duration = Duration::from_millis(700);

/// Puts whose call failed without an answer may have landed anyway. A consistent read of
/// their keys settles it, so an item is reported stored exactly when it is in the table.
/// Returns the requests that are really not there (or could not be checked).
async fn confirm(
    client: &Client,
    table: &str,
    pending: Vec<(usize, WriteRequest)>,
    policy: RetryPolicy,
    deadline: Deadline,
    outcome: &mut Vec<(usize, Result<(), WriteFailure>)>,
) -> Vec<(usize, WriteRequest)> {
    let keys: Vec<Item> = pending
        .iter()
        .filter_map(|(_, r)| r.put_request())
        .map(|put| {
            let (pk, sk) = key_of(put.item());
            [(PK, pk), (SK, sk)]
                .into_iter()
                .filter_map(|(name, v)| Some((name.to_owned(), v?)))
                .collect()
        })
        .collect();
    let grace = Deadline::at(deadline.instant().max(tokio::time::Instant::now()) + CONFIRM_GRACE);
    let policy = RetryPolicy {
        max_attempts: 2,
        ..policy
    };
    let found = match get_all(client, table, keys, true, policy, grace).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "could not confirm in-doubt writes; reporting them failed");
            return pending;
        }
    };
    let landed: Vec<_> = found.iter().map(key_of).collect();
    let (stored, missing): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|(_, r)| landed.contains(&request_key(r)));
    tracing::info!(
        landed = stored.len(),
        missing = missing.len(),
        "confirmed in-doubt writes"
    );
    outcome.extend(stored.into_iter().map(|(i, _)| (i, Ok(()))));
    missing
}

/// Reads items by key from `table`, 100 keys per call, retrying unprocessed keys. Missing
/// items are absent from the result. `consistent` asks for strongly consistent reads.
pub async fn get_all(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
    policy: RetryPolicy,
    deadline: Deadline,
) -> Result<Vec<Item>, StoreError> {
    let slices: Vec<Vec<Item>> = keys.chunks(READ_SLICE).map(<[Item]>::to_vec).collect();
    let results: Vec<Result<Vec<Item>, StoreError>> = stream::iter(slices)
        .map(|slice| get_slice(client, table, slice, consistent, policy, deadline))
        .buffer_unordered(policy.concurrency.max(1))
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
    consistent: bool,
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
        let request = KeysAndAttributes::builder()
            .set_keys(Some(std::mem::take(&mut keys)))
            .consistent_read(consistent)
            .build()
            .map_err(|e| StoreError::Rejected(Box::new(e)))?;
        let call = client.batch_get_item().request_items(table, request).send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
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
