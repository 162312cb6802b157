//! The bare-write floor: the same records a 1,000-item request stores, written with the same
//! `BatchWriteItem` slices of 25 and the same concurrency, and nothing else (no HTTP, auth,
//! resolution or validation).
//!
//! Usage: bare-writes ITEMS (endpoint and tables from the usual environment). Reads round
//! numbers from stdin, one per line; for each it writes ITEMS fresh records (keyed by the
//! round) and prints one JSON line, `{"items": N, "seconds": S, "round_trips": R}`: the wall
//! time and the round trips on the critical path of the writes (the benchmark reads this
//! process's CPU time from `/proc`, as it does the functions'). One process serves every
//! round, so its connections stay warm, and the benchmark can interleave its rounds with the
//! other contenders' (drift in the emulator then hits all of them alike).

#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use std::io::BufRead;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, stream};
use inventory_core::layout::Version;
use inventory_core::model::TenantId;
use inventory_core::store::dynamo::{DynamoStore, RetryPolicy, Table, Tables, stock};
use inventory_core::telemetry::{self, RequestMetrics};

fn main() {
    // The functions' allocator settings, so the floor differs from them only in its work.
    inventory_core::keep_freed_memory();
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    // The functions' runtime flavour (one thread), or the floor would pay for waking worker
    // threads the functions do not have: a multi-thread runtime measured 10.9 ms of CPU per
    // 1,000 records against 7.8 ms here. Blocking stdin reads stay outside the runtime; each
    // round runs on it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = runtime.block_on(DynamoStore::client_from_env());
    let table = Tables::from_env().name(Table::Inventory);
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let round: i64 = line.trim().parse().expect("a round number per line");
        let metrics = std::sync::Arc::new(RequestMetrics::default());
        let seconds = runtime.block_on(telemetry::scope(
            metrics.clone(),
            write_round(&client, &table, count, round),
        ));
        println!(
            "{}",
            serde_json::json!({"items": count, "seconds": seconds,
                               "round_trips": metrics.round_trips()})
        );
    }
}

/// Writes `count` fresh records' items for `round`; returns the seconds the writes took.
async fn write_round(client: &Client, table: &str, count: usize, round: i64) -> f64 {
    let tenant = TenantId::parse("bare").expect("tenant id");
    let variants: Vec<String> = (0..count).map(|i| format!("R{round}-V{i}")).collect();
    let version = Version::now();
    let requests: Vec<WriteRequest> = inventory_bench::updates(&tenant, &variants, "W1", round)
        .iter()
        .flat_map(|u| stock::update_items(&u.key, &u.update, version))
        .map(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("an item");
            WriteRequest::builder().put_request(put).build()
        })
        .collect();
    let started = Instant::now();
    let slices: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[_]>::to_vec).collect();
    let unprocessed: usize = stream::iter(slices)
        .map(|slice| async move {
            let out = client
                .batch_write_item()
                .request_items(table, slice)
                .send()
                .await
                .expect("BatchWriteItem");
            out.unprocessed_items()
                .map_or(0, |u| u.values().map(Vec::len).sum())
        })
        .buffer_unordered(RetryPolicy::from_env().writes_in_flight)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .sum();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        unprocessed, 0,
        "the local endpoint never leaves work unprocessed"
    );
    seconds
}
