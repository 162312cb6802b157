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
    /// Whether the request stored anything (items, a created record, a job record): then its
    /// response is kept for an `Idempotency-Key` replay.
    pub wrote: std::sync::atomic::AtomicBool,
    /// The calls per DynamoDB operation.
    by_operation: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
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

    pub fn counts(&self) -> Counts {
        Counts {
            items_received: self.items_received.load(Relaxed),
            items_stored: self.items_stored.load(Relaxed),
            items_failed: self.items_failed.load(Relaxed),
            dynamodb_calls: self.dynamodb_calls.load(Relaxed),
            dynamodb_retries: self.dynamodb_retries.load(Relaxed),
            wru_milli: self.wru_milli.load(Relaxed),
            rru_milli: self.rru_milli.load(Relaxed),
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
        "Duration": duration.as_secs_f64() * 1000.0,
    });
    // EMF must be its own line on stdout, outside the log formatter.
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

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
