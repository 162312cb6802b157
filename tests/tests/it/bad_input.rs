//! The bad-input corpus (`tests/corpus/`): every case against its endpoint's handler, with the
//! demo data in memory. Each gets the expected status in the dialect's own error shape (never
//! a 5xx it should not), and writes nothing it should not.

use std::path::Path;

use inventory_admin::demo_app;
use inventory_core::http::{App, Endpoint};
use inventory_core::lambda_http::{Body, Request};
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::{DEMO_KEY, call, request};
use serde_json::Value;

fn corpus(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The body a case describes.
fn body(case: &Value) -> String {
    if case["oversize"] == true {
        // A JSON string one byte over the limit once quoted.
        return format!(
            "\"{}\"",
            "x".repeat(inventory_core::http::MAX_BODY_BYTES - 1)
        );
    }
    if let Some(text) = case["body"].as_str() {
        return text.to_owned();
    }
    let mut json = case["json"].clone();
    if let Some(repeat) = case.get("repeat") {
        let count = repeat["count"].as_u64().unwrap() as usize;
        let at = repeat["at"].as_str().unwrap_or("");
        *json.pointer_mut(at).expect("repeat.at names an array") =
            Value::Array(vec![repeat["element"].clone(); count]);
    }
    if let Some(long) = case.get("long") {
        let length = long["length"].as_u64().unwrap() as usize;
        let at = long["at"].as_str().unwrap();
        *json.pointer_mut(at).expect("long.at names a string") = Value::String("L".repeat(length));
    }
    json.to_string()
}

fn build(endpoint: &Value, case: &Value) -> Request {
    let mut headers: Vec<(String, String)> = Vec::new();
    // A string sets a header, a list sends it once per value, `null` removes it.
    let mut set = |name: &str, value: &Value| {
        headers.retain(|(n, _)| n != name);
        let values = match value {
            Value::Array(values) => values.iter().collect(),
            one => vec![one],
        };
        for v in values.into_iter().filter_map(Value::as_str) {
            let v = v
                .replace("{key}", DEMO_KEY)
                .replace("{long-key}", &"k".repeat(600));
            headers.push((name.to_owned(), v));
        }
    };
    for (name, value) in endpoint["headers"].as_object().unwrap() {
        set(name, value);
    }
    if let Some(extra) = case["headers"].as_object() {
        for (name, value) in extra {
            set(name, value);
        }
    }
    let query = case["query"]
        .as_str()
        .or(endpoint["query"].as_str())
        .unwrap_or("");
    let path = format!("{}{query}", endpoint["path"].as_str().unwrap());
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut req = request("POST", &path, &refs, &body(case));
    if let Some(hex) = case["body_hex"].as_str() {
        // Bytes that are not text (a gzip stream), as API Gateway hands over a binary body.
        *req.body_mut() = Body::Binary(hex::decode(hex).expect("body_hex is hex"));
    }
    req
}

/// The dialect's error shape, for answers that are not 200.
fn in_dialect_shape(shape: &str, status: u16, body: &Value) -> bool {
    let text = |field: &str| body[field].as_str().is_some_and(|s| !s.is_empty());
    if status == 200 {
        return match shape {
            "detail" => body.is_array(),
            "batch-stock" => body["allPassed"].is_boolean(),
            "message" => body["_id"].is_string(),
            "wix" => body["results"].is_array(),
            _ => body.is_object(),
        };
    }
    match shape {
        "error" => text("error") && body.as_object().unwrap().len() == 1,
        "detail" => text("detail"),
        "batch-stock" => text("error") && body["allPassed"] == false,
        "message" => text("message"),
        "wix" => text("message") && body["details"].is_object(),
        other => panic!("unknown shape {other}"),
    }
}

/// Whether every element of a per-item answer failed.
fn every_item_failed(shape: &str, case: &Value, reply: &Value) -> bool {
    let sent: Value = serde_json::from_str(&body(case)).unwrap();
    match shape {
        "detail" => reply
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status_code"].as_u64().unwrap() >= 400),
        "batch-stock" => {
            reply["allPassed"] == false
                && reply["results"].as_array().unwrap().len()
                    == sent["batchStock"]["item"].as_array().unwrap().len()
        }
        other => panic!("no per-item failures in {other}"),
    }
}

async fn run_corpus<E: Endpoint>(name: &str) -> usize {
    let endpoint = corpus(name);
    assert_eq!(endpoint["endpoint"], name);
    let shape = endpoint["shape"].as_str().unwrap();
    let cases = endpoint["cases"].as_array().unwrap();
    for case in cases {
        let label = format!("{name}: {}", case["name"].as_str().unwrap());
        let app: App<MemoryStore> = demo_app();
        let (status, reply) = call::<E>(&app, build(&endpoint, case)).await;
        let want = case["status"].as_u64().unwrap() as u16;
        assert_eq!(status.as_u16(), want, "{label}: {reply}");
        assert!(
            in_dialect_shape(shape, want, &reply),
            "{label}: not in the dialect's shape: {reply}"
        );
        if case["items"] == "failed" {
            assert!(every_item_failed(shape, case, &reply), "{label}: {reply}");
        }
        let writes = case["writes"].as_u64().unwrap_or(0) as usize;
        assert_eq!(app.store.record_count(), writes, "{label}: records written");
        let text = reply.to_string();
        for leak in [
            "panicked",
            "stack backtrace",
            "dynamodb",
            "DynamoDB",
            "SdkError",
            "inventory-",
        ] {
            assert!(!text.contains(leak), "{label}: leaks {leak:?}: {text}");
        }
    }
    inventory_tests::report("bad_inputs_tried", cases.len());
    cases.len()
}

#[tokio::test]
async fn product_inventory() {
    run_corpus::<product_inventory::ProductInventory>("product-inventory").await;
}

#[tokio::test]
async fn crux_bulk_inventory() {
    run_corpus::<crux_bulk_inventory::CruxBulkInventory>("crux-bulk-inventory").await;
}

#[tokio::test]
async fn batch_stock() {
    run_corpus::<batch_stock::BatchStock>("batch-stock").await;
}

#[tokio::test]
async fn bulk_insert() {
    run_corpus::<bulk_insert::BulkInsert>("bulk-insert").await;
}

#[tokio::test]
async fn wix_inventory_create() {
    run_corpus::<wix_inventory_create::BulkCreateInventoryItems>("wix-inventory-create").await;
}

#[tokio::test]
async fn inventory_query() {
    run_corpus::<inventory_query::InventoryQuery>("inventory-query").await;
}

#[tokio::test]
async fn the_corpus_covers_every_kind_of_bad_input() {
    let mut total = 0;
    for name in [
        "product-inventory",
        "crux-bulk-inventory",
        "batch-stock",
        "bulk-insert",
        "wix-inventory-create",
        "inventory-query",
    ] {
        let cases = corpus(name)["cases"].as_array().unwrap().clone();
        total += cases.len();
        let names: Vec<String> = cases
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_lowercase())
            .collect();
        for kind in [
            "malformed json",
            "empty",
            "negative",
            "fractional",
            "huge",
            "unknown field",
            "repeated",
            "not trimmed",
            "control character",
            "very long",
            "size limit",
            "no key",
            "two authorization headers",
            "gzip",
        ] {
            let found = names.iter().any(|n| n.contains(kind))
                || (kind == "no key" && names.iter().any(|n| n.contains("no authorization")));
            let optional = matches!(
                (name, kind),
                ("inventory-query", "negative" | "fractional" | "huge")
            );
            assert!(found || optional, "{name} has no case for {kind:?}");
        }
    }
    assert!(total >= 200, "{total} cases");
}
