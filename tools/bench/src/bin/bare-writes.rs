//! The bare-write floor: the same records a 1,000-item request stores, written with the same
//! `BatchWriteItem` slices of 25 and the same concurrency, and nothing else (no HTTP, auth,
//! resolution or validation). Prints one JSON line per round: `{"items": N, "seconds": S}`.
//!
//! Usage: bare-writes ITEMS ROUNDS (endpoint and tables from the usual environment).

#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, stream};
use inventory_core::model::TenantId;
use inventory_core::store::dynamo::{DynamoStore, RetryPolicy, Table, Tables, items};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let client = DynamoStore::client_from_env().await;
    let table = Tables::from_env().name(Table::Inventory);
    let concurrency = RetryPolicy::default().concurrency;
    let tenant = TenantId::parse("bare").expect("tenant id");
    for round in 0..rounds {
        let variants: Vec<String> = (0..count).map(|i| format!("R{round}-V{i}")).collect();
        let commands = inventory_bench::commands(&tenant, &variants, "W1", round as i64);
        let requests: Vec<WriteRequest> = commands
            .iter()
            .map(|c| {
                let put = PutRequest::builder()
                    .set_item(Some(items::command_item(c).expect("encodes")))
                    .build()
                    .expect("an item");
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let started = Instant::now();
        let slices: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[_]>::to_vec).collect();
        let unprocessed: usize = stream::iter(slices)
            .map(|slice| {
                let client = &client;
                let table = &table;
                async move {
                    let out = client
                        .batch_write_item()
                        .request_items(table.as_str(), slice)
                        .send()
                        .await
                        .expect("BatchWriteItem");
                    out.unprocessed_items()
                        .map_or(0, |u| u.values().map(Vec::len).sum())
                }
            })
            .buffer_unordered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .sum();
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(
            unprocessed, 0,
            "the local endpoint never leaves work unprocessed"
        );
        println!(
            "{}",
            serde_json::json!({"items": count, "seconds": seconds})
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
