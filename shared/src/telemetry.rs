//! Structured logs and per-request metrics.
//!
//! Logs are JSON lines through `tracing`; every line inside a request carries the Lambda
//! request id (from the request span). Metrics are one CloudWatch Embedded Metric Format line
//! per request, so CloudWatch turns them into metrics without any agent or code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use serde_json::json;
use tracing_subscriber::EnvFilter;

/// Installs the JSON log subscriber. `RUST_LOG` overrides the default level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Counters of one request.
#[derive(Default, Debug)]
pub struct RequestMetrics {
    pub items_received: AtomicU64,
    pub items_stored: AtomicU64,
    pub items_failed: AtomicU64,
    /// Requests sent to DynamoDB, SDK retries included.
    pub dynamodb_calls: AtomicU64,
    /// Of those, retries: by the SDK (errors) or by us (unprocessed items or keys).
    pub dynamodb_retries: AtomicU64,
    /// Time spent waiting on DynamoDB for the catalog pass and for writes, in microseconds:
    /// timed by the DynamoDB store around its calls (an in-memory store has nothing to wait on).
    pub resolve_micros: AtomicU64,
    pub write_micros: AtomicU64,
    /// Capacity consumed, as DynamoDB reports it (`ReturnConsumedCapacity`), in thousandths
    /// of a unit: write request units and read request units.
    pub wru_milli: AtomicU64,
    pub rru_milli: AtomicU64,
    /// Catalog keys resolved from the warm instance's cache, with no read.
    pub catalog_cache_hits: AtomicU64,
    /// Whether the request stored anything (items, a created record, a job record): then its
    /// response is kept for an `Idempotency-Key` replay.
    pub wrote: std::sync::atomic::AtomicBool,
    /// The calls per DynamoDB operation.
    by_operation: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
    /// When each DynamoDB call went out and when its answer came back.
    calls: std::sync::Mutex<Vec<(Instant, Instant)>>,
}

/// A snapshot of the counters, for logs, responses and tests.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Counts {
    pub items_received: u64,
    pub items_stored: u64,
    pub items_failed: u64,
    pub dynamodb_calls: u64,
    pub dynamodb_retries: u64,
    /// Consumed capacity in thousandths of a unit (see [`Counts::wru`], [`Counts::rru`]).
    pub wru_milli: u64,
    pub rru_milli: u64,
    pub catalog_cache_hits: u64,
    /// Round trips on the critical path (see [`RequestMetrics::round_trips`]).
    pub round_trips: u64,
}

impl Counts {
    /// Write request units consumed.
    pub fn wru(&self) -> f64 {
        self.wru_milli as f64 / 1000.0
    }

    /// Read request units consumed.
    pub fn rru(&self) -> f64 {
        self.rru_milli as f64 / 1000.0
    }
}

impl RequestMetrics {
    /// `BatchGetItem=11 BatchWriteItem=40 GetItem=1`: the calls per operation, for the log.
    pub fn calls_by_operation(&self) -> String {
        let map = self
            .by_operation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.iter()
            .map(|(op, n)| format!("{op}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Round trips on the request's critical path: the longest chain of DynamoDB calls each
    /// sent after the previous one's answer had arrived. Calls in flight together count
    /// once; on DynamoDB, where a call's latency and not its size decides its time, this is
    /// what decides how long the request waits on the store.
    pub fn round_trips(&self) -> usize {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        longest_chain(&mut calls)
    }

    pub fn counts(&self) -> Counts {
        Counts {
            items_received: self.items_received.load(Relaxed),
            items_stored: self.items_stored.load(Relaxed),
            items_failed: self.items_failed.load(Relaxed),
            dynamodb_calls: self.dynamodb_calls.load(Relaxed),
            dynamodb_retries: self.dynamodb_retries.load(Relaxed),
            wru_milli: self.wru_milli.load(Relaxed),
            rru_milli: self.rru_milli.load(Relaxed),
            catalog_cache_hits: self.catalog_cache_hits.load(Relaxed),
            round_trips: self.round_trips() as u64,
        }
    }
}

tokio::task_local! {
    static CURRENT: Arc<RequestMetrics>;
}

/// Runs `work` with `metrics` as the current request's counters. Store code running inside
/// (in the same task) counts into it.
pub fn scope<F: Future>(metrics: Arc<RequestMetrics>, work: F) -> impl Future<Output = F::Output> {
    // Not an `async fn`: that would hold `work` twice, as its argument and inside the scope.
    CURRENT.scope(metrics, work)
}

/// Adds to a counter of the current request; outside a request it does nothing.
pub fn add(counter: fn(&RequestMetrics) -> &AtomicU64, n: u64) {
    let _ = CURRENT.try_with(|m| counter(m).fetch_add(n, Relaxed));
}

/// Counts one DynamoDB call (an attempt on the wire) of `operation` for the current request.
pub fn dynamodb_call(operation: &str) {
    let _ = CURRENT.try_with(|m| {
        m.dynamodb_calls.fetch_add(1, Relaxed);
        let mut map = m
            .by_operation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(operation.to_owned()).or_default() += 1;
    });
}

/// Adds capacity units a DynamoDB call consumed to the current request.
pub fn capacity(write: bool, units: f64) {
    let milli = (units * 1000.0).round().max(0.0) as u64;
    if write {
        add(|m| &m.wru_milli, milli);
    } else {
        add(|m| &m.rru_milli, milli);
    }
}

/// Notes one DynamoDB call of the current request: sent at `sent`, answered at `answered`.
pub fn round_trip(sent: Instant, answered: Instant) {
    let _ = CURRENT.try_with(|m| {
        m.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((sent, answered));
    });
}

/// The longest chain of calls, each sent no earlier than the previous one was answered.
/// Taken in the order they were sent, a call's chain is one longer than the longest of those
/// answered before it went out; answers are walked in order alongside, so it is O(n log n).
fn longest_chain(calls: &mut [(Instant, Instant)]) -> usize {
    calls.sort_unstable_by_key(|(sent, _)| *sent);
    let mut by_answer: Vec<usize> = (0..calls.len()).collect();
    by_answer.sort_unstable_by_key(|&i| calls[i].1);
    let mut depth = vec![0usize; calls.len()];
    let (mut answered, mut best_before) = (0, 0);
    for i in 0..calls.len() {
        while answered < by_answer.len() && calls[by_answer[answered]].1 <= calls[i].0 {
            best_before = best_before.max(depth[by_answer[answered]]);
            answered += 1;
        }
        depth[i] = best_before + 1;
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Awaits `work` and adds the time it took to a counter of the current request.
pub async fn timed<F: Future>(counter: fn(&RequestMetrics) -> &AtomicU64, work: F) -> F::Output {
    let started = Instant::now();
    let output = work.await;
    add(counter, started.elapsed().as_micros() as u64);
    output
}

/// Items a request carried.
pub fn received(n: usize) {
    add(|m| &m.items_received, n as u64);
}

/// Items stored.
pub fn stored(n: usize) {
    add(|m| &m.items_stored, n as u64);
    if n > 0 {
        wrote();
    }
}

/// Notes that the request stored something.
pub fn wrote() {
    let _ = CURRENT.try_with(|m| m.wrote.store(true, Relaxed));
}

/// Items reported as failed.
pub fn failed(n: usize) {
    add(|m| &m.items_failed, n as u64);
}

/// The deployment stage (`STAGE`, set by the SAM template), a metric dimension.
fn stage() -> &'static str {
    static STAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STAGE.get_or_init(|| std::env::var("STAGE").unwrap_or_else(|_| "local".to_owned()))
}

/// Whether this process runs as a Lambda function (or under an emulator of one): metrics are
/// only written there, not in unit tests or benchmarks.
fn in_lambda() -> bool {
    static IN_LAMBDA: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IN_LAMBDA.get_or_init(|| std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some())
}

/// Writes one Embedded Metric Format line for a request that started at `started` and has
/// just finished. Outside Lambda it does nothing, not even read the clock.
pub fn emit(function: &str, request_id: &str, status: u16, started: Instant, counts: Counts) {
    if !in_lambda() {
        return;
    }
    let duration = started.elapsed();
    let line = json!({
        "_aws": {
            "Timestamp": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
            "CloudWatchMetrics": [{
                "Namespace": "InventoryService",
                "Dimensions": [["Stage", "Function"]],
                "Metrics": [
                    {"Name": "ItemsReceived", "Unit": "Count"},
                    {"Name": "ItemsStored", "Unit": "Count"},
                    {"Name": "ItemsFailed", "Unit": "Count"},
                    {"Name": "DynamoDbCalls", "Unit": "Count"},
                    {"Name": "DynamoDbRetries", "Unit": "Count"},
                    {"Name": "WriteRequestUnits", "Unit": "Count"},
                    {"Name": "ReadRequestUnits", "Unit": "Count"},
                    {"Name": "DynamoDbRoundTrips", "Unit": "Count"},
                    {"Name": "Duration", "Unit": "Milliseconds"}
                ]
            }]
        },
        "Function": function,
        "Stage": stage(),
        "requestId": request_id,
        "StatusCode": status,
        "ItemsReceived": counts.items_received,
        "ItemsStored": counts.items_stored,
        "ItemsFailed": counts.items_failed,
        "DynamoDbCalls": counts.dynamodb_calls,
        "DynamoDbRetries": counts.dynamodb_retries,
        "WriteRequestUnits": counts.wru(),
        "ReadRequestUnits": counts.rru(),
        "DynamoDbRoundTrips": counts.round_trips,
        "Duration": duration.as_secs_f64() * 1000.0,
    });
    // EMF must be its own line on stdout, outside the log formatter.
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_critical_path_counts_calls_that_waited_for_each_other() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
        // A key lookup, then 3 reads in parallel, then 4 writes sent as the reads came back
        // (the last one after all of them), then nothing.
        let mut calls = vec![
            (at(0), at(10)),
            (at(10), at(20)),
            (at(11), at(25)),
            (at(12), at(22)),
            (at(20), at(30)),
            (at(22), at(30)),
            (at(25), at(31)),
            (at(26), at(40)),
        ];
        assert_eq!(longest_chain(&mut calls), 3);
        // Each sent before any answer arrived: one round trip.
        let mut overlapping = vec![(at(0), at(10)), (at(5), at(20)), (at(9), at(30))];
        assert_eq!(longest_chain(&mut overlapping), 1);
        // The third waited for the first, not the second: two.
        let mut staggered = vec![(at(0), at(10)), (at(9), at(20)), (at(19), at(30))];
        assert_eq!(longest_chain(&mut staggered), 2);
        let mut sequential: Vec<_> = (0..40).map(|i| (at(i * 10), at(i * 10 + 10))).collect();
        assert_eq!(longest_chain(&mut sequential), 40);
        assert_eq!(longest_chain(&mut []), 0);
    }

    #[tokio::test]
    async fn timed_work_adds_its_time_to_the_current_request_only() {
        let metrics = Arc::new(RequestMetrics::default());
        let work = timed(|m| &m.write_micros, async {
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            7
        });
        assert_eq!(scope(metrics.clone(), work).await, 7);
        assert!(metrics.write_micros.load(Relaxed) >= 3_000);
        assert_eq!(metrics.resolve_micros.load(Relaxed), 0);
        // Outside a request, the work still runs and nothing is counted anywhere.
        assert_eq!(timed(|m| &m.write_micros, async { 8 }).await, 8);
    }
}
