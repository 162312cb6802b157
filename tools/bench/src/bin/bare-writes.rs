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
//!
//! A line `ROUND KIND FIRST` first reads the catalog items of tenant `bench` whose identifiers
//! of KIND (`variant`, `sku`) a new-identifier request of the benchmark resolves (FIRST is
//! the first identifier's number): the same `BatchGetItem` calls of 100 keys, with the same
//! projection, all in flight, each answer decoded by the SDK and nothing more. That is the
//! floor of a request that must resolve what it writes.

#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use std::io::BufRead;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};
use futures::{StreamExt, stream};
use inventory_core::identifiers::{CatalogKey, KeyKind};
use inventory_core::layout::Version;
use inventory_core::model::TenantId;
use inventory_core::store::dynamo::{
    DynamoStore, READ_SLICE, RetryPolicy, Table, Tables, WRITE_SLICE, items, slices, stock,
};
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
    let tables = Tables::from_env();
    let table = tables.name(Table::Inventory);
    let catalog = tables.name(Table::Catalog);
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let mut words = line.split_whitespace();
        let round: i64 = words
            .next()
            .and_then(|w| w.parse().ok())
            .expect("a round number per line");
        let reads = words.next().map(|kind| {
            let first: usize = words
                .next()
                .and_then(|w| w.parse().ok())
                .expect("the first identifier's number after the kind");
            catalog_keys(kind, first, count)
        });
        let metrics = std::sync::Arc::new(RequestMetrics::default());
        let seconds = runtime.block_on(telemetry::scope(metrics.clone(), async {
            let mut seconds = 0.0;
            if let Some(keys) = reads {
                let started = Instant::now();
                read_catalog(&client, &catalog, keys).await;
                seconds += started.elapsed().as_secs_f64();
            }
            seconds + write_round(&client, &table, count, round).await
        }));
        println!(
            "{}",
            serde_json::json!({"items": count, "seconds": seconds,
                               "round_trips": metrics.round_trips()})
        );
    }
}

/// The keys of the catalog items naming the benchmark's identifiers `first..first + count` of
/// `kind` (its seed file's `BV000042` and `BSKU000042`).
fn catalog_keys(kind: &str, first: usize, count: usize) -> Vec<items::Item> {
    let tenant = TenantId::parse("bench").expect("tenant id");
    let (kind, prefix) = match kind {
        "variant" => (KeyKind::Variant, "BV"),
        "sku" => (KeyKind::Sku, "BSKU"),
        other => panic!("unknown identifier kind {other:?}"),
    };
    (first..first + count)
        .map(|i| {
            let key = CatalogKey::new(kind, format!("{prefix}{i:06}"));
            items::key_item_of(items::catalog_pk(&tenant, &key))
        })
        .collect()
}

/// Reads `keys` from the catalog, 100 per call, all in flight, and checks every one was found.
async fn read_catalog(client: &Client, table: &str, keys: Vec<items::Item>) {
    let wanted = keys.len();
    let projection = items::CATALOG_READ.projection.expect("a projection");
    let found: usize = stream::iter(slices(keys, READ_SLICE))
        .map(|slice| async move {
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(slice))
                .projection_expression(projection.expression);
            for (placeholder, name) in projection.names {
                request = request.expression_attribute_names(*placeholder, *name);
            }
            let out = client
                .batch_get_item()
                .request_items(table, request.build().expect("keys"))
                .send()
                .await
                .expect("BatchGetItem");
            out.responses()
                .and_then(|r| r.get(table))
                .map_or(0, Vec::len)
        })
        .buffer_unordered(RetryPolicy::from_env().reads_in_flight)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .sum();
    assert_eq!(
        found, wanted,
        "every catalog item read (the local endpoint leaves none unprocessed)"
    );
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
    let unprocessed: usize = stream::iter(slices(requests, WRITE_SLICE))
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
