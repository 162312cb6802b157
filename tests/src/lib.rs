//! Helpers for the integration and end-to-end tests.
//!
//! The tests need a running local stack: `tools/test` starts one (a DynamoDB endpoint, tables,
//! demo data and `cargo lambda watch`) and exports where it is. Run directly with `cargo test`
//! and without those variables, they fail with a message saying what to start.

pub mod contract;
pub mod faults;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use inventory_core::layout::RecordKey;
use inventory_core::store::Deadline;
use inventory_core::store::dynamo::items::Item;
use inventory_core::store::dynamo::{DynamoStore, RetryPolicy, Table, Tables, stock};
use serde_json::Value;

const HOW_TO_START: &str = "start the local stack first: `tools/test` runs every test with it, \
     or run `tools/run` in another terminal and export the variables it prints \
     (AWS_ENDPOINT_URL_DYNAMODB, TABLE_PREFIX, INVENTORY_API_URL)";

fn required(var: &str) -> String {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{var} is not set: this test needs the local stack; {HOW_TO_START}"),
    }
}

/// Adds `n` to a figure of the run's report (faults injected, inputs tried, requests under
/// load), when `tools/test` asks for one through `INVENTORY_TEST_REPORT`.
pub fn report(figure: &str, n: usize) {
    use std::io::Write;
    let Some(path) = std::env::var_os("INVENTORY_TEST_REPORT") else {
        return;
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write per line: O_APPEND keeps lines from parallel tests whole.
        let _ = file.write_all(format!("{figure} {n}\n").as_bytes());
    }
}

/// A store on the local DynamoDB endpoint and the stack's tables.
pub async fn dynamo() -> DynamoStore {
    required("AWS_ENDPOINT_URL_DYNAMODB");
    required("TABLE_PREFIX");
    DynamoStore::new(
        DynamoStore::client_from_env().await,
        Tables::from_env(),
        RetryPolicy::default(),
    )
}

/// The items a record holds in the stock table, as stored (a strongly consistent Query).
pub async fn stock_items(store: &DynamoStore, key: &RecordKey) -> Vec<Item> {
    let out = store
        .sdk()
        .query()
        .table_name(store.tables().name(Table::Inventory))
        .consistent_read(true)
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S(stock::pk(&key.tenant, &key.variant_id)),
        )
        .expression_attribute_values(
            ":prefix",
            AttributeValue::S(stock::prefix(&key.location_id)),
        )
        .send()
        .await
        .expect("a Query of the stock table");
    assert!(
        out.last_evaluated_key.is_none(),
        "a record's items fit in one page"
    );
    out.items.unwrap_or_default()
}

pub fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(30))
}

/// A random suffix that keeps each test's tenants, keys and variants its own.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// The demo seed file with every tenant id and key made unique: a private copy of the
/// documented data for one test. Returns the file text and the suffix appended to each
/// tenant id and key.
pub fn private_demo() -> (String, String) {
    let suffix = format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
    let mut file: Value = serde_json::from_str(inventory_admin::DEMO_SEED).expect("demo seed");
    for tenant in file["tenants"].as_array_mut().expect("tenants") {
        let id = format!("{}-{suffix}", tenant["id"].as_str().expect("id"));
        tenant["id"] = Value::String(id);
        for key in tenant["apiKeys"].as_array_mut().expect("keys") {
            let k = format!("{}-{suffix}", key["key"].as_str().expect("key"));
            key["key"] = Value::String(k);
        }
    }
    (file.to_string(), suffix)
}

/// Seeds a seed file's text into the stack's tables.
pub async fn seed(text: &str) {
    let file = inventory_admin::seed::SeedFile::parse(text).expect("valid seed file");
    inventory_admin::seed(&dynamo().await, &file)
        .await
        .expect("seeding the local DynamoDB endpoint");
}

/// The API of the local stack, over HTTP.
pub struct Api {
    base: String,
    http: reqwest::Client,
}

/// A response: status, headers and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Api {
    pub fn new() -> Api {
        Api {
            base: required("INVENTORY_API_URL"),
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `body` verbatim (it need not be valid JSON) with the given headers.
    ///
    /// `cargo lambda watch` now and then answers a request with a 500 problem document of
    /// its own (`https://httpstatuses.com/500`) when it loses track of a function instance
    /// under concurrent load; the functions never answer that shape. Those, and only those,
    /// are sent again, at most twice.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        for attempt in 1.. {
            let reply = self.send_once(method, path, headers, body).await;
            let emulator_error = reply.status == 500 && reply.text.contains("httpstatuses.com/500");
            if !emulator_error || attempt == 3 {
                return reply;
            }
            eprintln!(
                "cargo lambda watch answered its own 500 to {method} {path}; sending it again"
            );
        }
        unreachable!("the loop returns")
    }

    async fn send_once(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.expect("the local API answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// POSTs JSON text with `Content-Type: application/json` and an Authorization header.
    pub async fn post(&self, path: &str, authorization: &str, body: &str) -> Reply {
        self.send(
            "POST",
            path,
            &[
                ("content-type", "application/json"),
                ("authorization", authorization),
            ],
            body,
        )
        .await
    }
}

impl Default for Api {
    fn default() -> Self {
        Api::new()
    }
}
