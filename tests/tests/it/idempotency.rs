//! `Idempotency-Key` over HTTP through `cargo lambda watch`, on every write endpoint: a
//! repeat replays the first response byte for byte and writes nothing, another request with
//! the key is a 422, concurrent repeats run once, a refused request gives its key up, and
//! keys belong to their tenant.

use futures::future::join_all;
use inventory_tests::{Api, Reply, seed, unique};
use serde_json::{Value, json};

/// A fresh tenant with V1 (sku S1, UPC 849632048260, product P1) at L1 (default) and L2.
async fn tenant() -> String {
    let key = unique("idem-key");
    let file = json!({"tenants": [{
        "id": unique("idem"),
        "apiKeys": [{"key": key, "scopes": ["inventory:write", "inventory:read"]}],
        "locations": [{"id": "L1", "default": true}, {"id": "L2"}],
        "variants": [{"variantId": "V1", "productId": "P1", "sku": "S1", "gtin": "849632048260"}],
    }]});
    seed(&file.to_string()).await;
    key
}

/// One write endpoint: how to set V1's on-hand to `q`, where that lands, and the field its
/// error bodies carry their message in.
struct Endpoint {
    name: &'static str,
    path: &'static str,
    auth: fn(&str) -> String,
    body: fn(i64) -> Value,
    location: &'static str,
    message_field: &'static str,
}

const ENDPOINTS: [Endpoint; 5] = [
    Endpoint {
        name: "batchStock",
        path: "/api/batchStock?warehouse_id=L1",
        auth: |k| format!("Bearer {k}"),
        body: |q| json!({"batchStock": {"item": [{"variant_id": "V1", "inStock": q}]}}),
        location: "L1",
        message_field: "error",
    },
    Endpoint {
        name: "Crux",
        path: "/timp/products/skus/inventory/bulk/",
        auth: |k| format!("Token {k}"),
        body: |q| json!([{"sku_id": "S1", "quantity_in_stock": q}]),
        location: "L1",
        message_field: "detail",
    },
    Endpoint {
        name: "single product",
        path: "/api/product/inventory",
        auth: |k| format!("Bearer {k}"),
        body: |q| json!({"upc": "849632048260", "store": "L1", "quantity": q}),
        location: "L1",
        message_field: "error",
    },
    Endpoint {
        name: "bulk insert",
        path: "/inventory/bulk-insert",
        auth: |k| format!("Bearer {k}"),
        body: |q| json!([{"sku": "S1", "totalQuantity": q, "locationId": "L1"}]),
        location: "L1",
        message_field: "message",
    },
    Endpoint {
        name: "Wix create",
        path: "/stores/v3/bulk/inventory-items/create",
        auth: |k| k.to_owned(),
        body: |q| json!({"inventoryItems": [{"variantId": "V1", "productId": "P1", "locationId": "L2", "quantity": q}]}),
        location: "L2",
        message_field: "message",
    },
];

async fn send(
    api: &Api,
    e: &Endpoint,
    key: &str,
    idempotency_key: Option<&str>,
    body: &Value,
) -> Reply {
    let auth = (e.auth)(key);
    let mut headers = vec![
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    if let Some(k) = idempotency_key {
        headers.push(("idempotency-key", k));
    }
    let reply = api.send("POST", e.path, &headers, &body.to_string()).await;
    inventory_tests::report("requests_under_load", 1);
    reply
}

fn replayed(reply: &Reply) -> bool {
    reply
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

/// V1's on-hand at `location`, through the read endpoint.
async fn on_hand(api: &Api, key: &str, location: &str) -> Value {
    let reply = api
        .post(
            "/inventory/query",
            &format!("Bearer {key}"),
            &json!({"items": [{"variantId": "V1"}], "locationIds": [location]}).to_string(),
        )
        .await;
    reply.body["items"][0]["locations"][0]["quantity"].clone()
}

/// Sets V1's on-hand at `location` to `q` through batchStock, without a key.
async fn set(api: &Api, key: &str, location: &str, q: i64) {
    let reply = api
        .post(
            &format!("/api/batchStock?warehouse_id={location}"),
            &format!("Bearer {key}"),
            &json!({"batchStock": {"item": [{"variant_id": "V1", "inStock": q}]}}).to_string(),
        )
        .await;
    assert_eq!(reply.body["allPassed"], true, "{}", reply.text);
}

#[tokio::test]
async fn a_repeat_replays_the_first_response_and_writes_nothing() {
    let api = Api::new();
    for e in &ENDPOINTS {
        let key = tenant().await;
        let first = send(&api, e, &key, Some("order-1"), &(e.body)(5)).await;
        assert_eq!(first.status, 200, "{}: {}", e.name, first.text);
        assert!(!replayed(&first), "{}", e.name);
        assert_eq!(on_hand(&api, &key, e.location).await, 5, "{}", e.name);
        // A newer value, set in between, survives the replay.
        set(&api, &key, e.location, 9).await;
        let again = send(&api, e, &key, Some("order-1"), &(e.body)(5)).await;
        assert_eq!(again.status, first.status, "{}", e.name);
        assert_eq!(again.text, first.text, "{}: byte for byte", e.name);
        assert!(replayed(&again), "{}", e.name);
        assert_eq!(
            on_hand(&api, &key, e.location).await,
            9,
            "{}: nothing written",
            e.name
        );
        // The same key with another request.
        let other = send(&api, e, &key, Some("order-1"), &(e.body)(6)).await;
        assert_eq!(other.status, 422, "{}: {}", e.name, other.text);
        let message = other.body[e.message_field].as_str().unwrap_or_default();
        assert!(
            message.contains("different request"),
            "{}: {}",
            e.name,
            other.text
        );
        assert_eq!(on_hand(&api, &key, e.location).await, 9, "{}", e.name);
    }
}

#[tokio::test]
async fn a_refused_request_gives_its_key_up() {
    let api = Api::new();
    for e in &ENDPOINTS {
        let key = tenant().await;
        let refused = send(&api, e, &key, Some("k-1"), &(e.body)(-1)).await;
        assert_ne!(refused.status, 422, "{}: {}", e.name, refused.text);
        assert_eq!(
            on_hand(&api, &key, e.location).await,
            Value::Null,
            "{}",
            e.name
        );
        let corrected = send(&api, e, &key, Some("k-1"), &(e.body)(4)).await;
        assert_eq!(corrected.status, 200, "{}: {}", e.name, corrected.text);
        assert!(!replayed(&corrected), "{}", e.name);
        assert_eq!(on_hand(&api, &key, e.location).await, 4, "{}", e.name);
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_once() {
    let api = Api::new();
    let e = &ENDPOINTS[3]; // bulk insert: each run would make a job of its own
    let key = tenant().await;
    let body = (e.body)(7);
    let replies = join_all((0..6).map(|_| send(&api, e, &key, Some("once"), &body))).await;
    let ran: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == 200 && !replayed(r))
        .collect();
    assert_eq!(
        ran.len(),
        1,
        "exactly one runs: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for reply in &replies {
        match reply.status {
            200 => assert_eq!(reply.text, ran[0].text, "a replay of the one job"),
            409 => {
                assert!(
                    reply.body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("still being processed")
                );
                assert_eq!(
                    reply.headers.get("retry-after").map(|v| v.as_bytes()),
                    Some(&b"1"[..])
                );
            }
            other => panic!("{other}: {}", reply.text),
        }
    }
}

#[tokio::test]
async fn keys_belong_to_their_tenant_and_endpoint() {
    let api = Api::new();
    let (a, b) = (tenant().await, tenant().await);
    let e = &ENDPOINTS[0];
    let first = send(&api, e, &a, Some("shared"), &(e.body)(3)).await;
    let other_tenant = send(&api, e, &b, Some("shared"), &(e.body)(3)).await;
    assert_eq!((first.status, other_tenant.status), (200, 200));
    assert!(
        !replayed(&other_tenant),
        "another tenant's key of the same name is its own"
    );
    assert_eq!(on_hand(&api, &b, "L1").await, 3);
    // The same string at another endpoint is another key.
    let crux = send(
        &api,
        &ENDPOINTS[1],
        &a,
        Some("shared"),
        &(ENDPOINTS[1].body)(4),
    )
    .await;
    assert_eq!(crux.status, 200, "{}", crux.text);
    assert!(!replayed(&crux));
}

#[tokio::test]
async fn malformed_keys_are_refused_in_the_dialects_shape() {
    let api = Api::new();
    let key = tenant().await;
    for e in &ENDPOINTS {
        let long = "k".repeat(256);
        let reply = send(&api, e, &key, Some(&long), &(e.body)(1)).await;
        assert_eq!(reply.status, 400, "{}: {}", e.name, reply.text);
        let message = reply.body[e.message_field].as_str().unwrap_or_default();
        assert!(
            message.contains("Idempotency-Key"),
            "{}: {}",
            e.name,
            reply.text
        );
        // A header sent twice reaches the function as API Gateway delivers it, joined with a
        // comma (`cargo lambda watch` passes one of the two on; the unit tests send both).
        let twice = send(&api, e, &key, Some("a,a"), &(e.body)(1)).await;
        assert_eq!(twice.status, 400, "{}: {}", e.name, twice.text);
    }
    assert_eq!(
        on_hand(&api, &key, "L1").await,
        Value::Null,
        "nothing written"
    );
    // Reads are safe to repeat: the header means nothing to them.
    let read = api
        .send(
            "POST",
            "/inventory/query",
            &[
                ("authorization", &format!("Bearer {key}")),
                ("idempotency-key", &"k".repeat(256)),
            ],
            &json!({"items": [{"variantId": "V1"}]}).to_string(),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
}
