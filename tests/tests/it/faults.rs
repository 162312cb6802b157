//! Faults injected between the functions and DynamoDB (see `inventory_tests::faults`), per
//! dialect: work left unprocessed, throttling, server errors, dropped connections and
//! deadlines. Whatever happens, every item ends stored or reported failed, and what a
//! response says was stored is exactly what the table holds.
//!
//! The handlers run in-process (the same code `cargo lambda watch` runs) with a store whose
//! client talks to the proxy; the table is checked directly, around the proxy.

use std::time::{Duration, Instant};

use inventory_core::http::{App, Endpoint};
use inventory_core::lambda_http::Request;
use inventory_core::model::TenantId;
use inventory_core::store::dynamo::{DynamoStore, RetryPolicy, Tables};
use inventory_core::testing::{call, request, with_deadline};
use inventory_tests::contract::tenant_with_variants;
use inventory_tests::dynamo;
use inventory_tests::faults::{Fault, FaultProxy};
use serde_json::{Value, json};

const ITEMS: usize = 60;

/// A tenant with `ITEMS` variants, a proxy in front of DynamoDB and an app that uses it.
struct Rig {
    proxy: FaultProxy,
    app: App<DynamoStore>,
    tenant: TenantId,
    key: String,
}

async fn rig() -> Rig {
    let direct = dynamo().await;
    let (tenant, key) = tenant_with_variants(&direct, ITEMS + 1).await;
    let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("checked by dynamo()");
    let proxy = FaultProxy::start(&upstream).await;
    // Short backoffs keep the tests quick; the attempt count is the production one.
    let policy = RetryPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(100),
        ..RetryPolicy::default()
    };
    let client = DynamoStore::client_for_endpoint(&proxy.url).await;
    // Every key and catalog entry looked up: the faults apply to those lookups too.
    let store = DynamoStore::new(client, Tables::from_env(), policy);
    let app = App::uncached(store.with_catalog_cache(Duration::ZERO));
    Rig {
        proxy,
        app,
        tenant,
        key,
    }
}

/// The quantity each item sets: unique per run, so a leftover from elsewhere never matches.
fn quantity(base: i64, i: usize) -> i64 {
    base + i as i64
}

/// Which items the table holds with the quantity the request set.
async fn in_table(rig: &Rig, location: &str, base: i64) -> Vec<bool> {
    let store = dynamo().await;
    let mut found = Vec::new();
    for i in 1..=ITEMS {
        let records = inventory_admin::stock(&store, &rig.tenant, &format!("V{i}"))
            .await
            .expect("read");
        let q = records
            .iter()
            .find(|r| r.location_id == location)
            .and_then(|r| r.quantity);
        found.push(q == Some(quantity(base, i)));
    }
    found
}

/// One write dialect: how to ask for `ITEMS` updates and how to read which were stored.
trait Dialect {
    type E: Endpoint;
    fn request(rig: &Rig, base: i64) -> Request;
    /// Per item, whether the response says it was stored.
    fn stored(status: u16, body: &Value) -> Vec<bool>;
}

struct BatchStock;
impl Dialect for BatchStock {
    type E = batch_stock::BatchStock;
    fn request(rig: &Rig, base: i64) -> Request {
        let items: Vec<Value> = (1..=ITEMS)
            .map(|i| json!({"variant_id": format!("V{i}"), "inStock": quantity(base, i)}))
            .collect();
        let auth = format!("Bearer {}", rig.key);
        request(
            "POST",
            "/api/batchStock?warehouse_id=L1",
            &[("authorization", &auth)],
            &json!({"batchStock": {"item": items}}).to_string(),
        )
    }
    fn stored(status: u16, body: &Value) -> Vec<bool> {
        if status != 200 {
            return vec![false; ITEMS];
        }
        let failed: Vec<&str> = body["results"]
            .as_array()
            .map(|r| r.iter().filter_map(|x| x["variant_id"].as_str()).collect())
            .unwrap_or_default();
        (1..=ITEMS)
            .map(|i| !failed.contains(&format!("V{i}").as_str()))
            .collect()
    }
}

struct Crux;
impl Dialect for Crux {
    type E = crux_bulk_inventory::CruxBulkInventory;
    fn request(rig: &Rig, base: i64) -> Request {
        let items: Vec<Value> = (1..=ITEMS)
            .map(|i| json!({"sku_id": format!("SKU-{i}"), "quantity_in_stock": quantity(base, i)}))
            .collect();
        let auth = format!("Token {}", rig.key);
        request(
            "POST",
            "/timp/products/skus/inventory/bulk/",
            &[("authorization", &auth)],
            &Value::from(items).to_string(),
        )
    }
    fn stored(status: u16, body: &Value) -> Vec<bool> {
        match body.as_array() {
            Some(statuses) if status == 200 => {
                statuses.iter().map(|s| s["status_code"] == 200).collect()
            }
            _ => vec![false; ITEMS],
        }
    }
}

struct BulkInsert;
impl Dialect for BulkInsert {
    type E = bulk_insert::BulkInsert;
    fn request(rig: &Rig, base: i64) -> Request {
        let rows: Vec<Value> = (1..=ITEMS)
            .map(|i| json!({"sku": format!("SKU-{i}"), "totalQuantity": quantity(base, i), "locationId": "L1", "type": "Stock"}))
            .collect();
        let auth = format!("Bearer {}", rig.key);
        request(
            "POST",
            "/inventory/bulk-insert",
            &[("authorization", &auth)],
            &Value::from(rows).to_string(),
        )
    }
    fn stored(status: u16, body: &Value) -> Vec<bool> {
        if status != 200 {
            return vec![false; ITEMS];
        }
        let failed: Vec<String> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| {
                m.as_str()?
                    .strip_prefix("Row ")?
                    .split(':')
                    .next()
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(body["totalRowsErrors"], failed.len(), "{body}");
        (1..=ITEMS)
            .map(|i| !failed.contains(&i.to_string()))
            .collect()
    }
}

/// Sends the dialect's request with `budget` of Lambda time; checks it answers within it,
/// and that the response's account of what was stored matches the table exactly.
async fn run<D: Dialect>(rig: &Rig, budget: Duration) -> Vec<bool> {
    let base = rand::random_range(1_000..1_000_000_000i64);
    let started = Instant::now();
    let (status, body) = call::<D::E>(&rig.app, with_deadline(D::request(rig, base), budget)).await;
    let took = started.elapsed();
    assert!(
        took < budget,
        "answered after {took:?}, past the {budget:?} deadline"
    );
    assert!(matches!(status.as_u16(), 200 | 503), "{status}: {body}");
    if status == 503 {
        assert!(body.to_string().contains("retry"), "{body}");
    }
    let said = D::stored(status.as_u16(), &body);
    assert_eq!(said.len(), ITEMS, "{body}");
    let table = in_table(rig, "L1", base).await;
    assert_eq!(
        said, table,
        "what the response says was stored is what the table holds: {body}"
    );
    said
}

async fn unprocessed_items_are_retried_until_stored<D: Dialect>() {
    let rig = rig().await;
    rig.proxy
        .inject("BatchWriteItem", Fault::Unprocessed { keep: 7 }, Some(6));
    let stored = run::<D>(&rig, Duration::from_secs(20)).await;
    assert!(stored.iter().all(|s| *s));
    assert!(
        rig.proxy.calls("BatchWriteItem") > ITEMS.div_ceil(25),
        "retries happened"
    );
    assert_eq!(rig.proxy.faults_injected(), 6);
}

async fn still_unprocessed_after_the_last_attempt_is_reported_per_item<D: Dialect>() {
    let rig = rig().await;
    // Each slice's first call writes 10 items; then nothing more is ever processed.
    rig.proxy
        .inject("BatchWriteItem", Fault::Unprocessed { keep: 10 }, Some(3));
    rig.proxy
        .inject("BatchWriteItem", Fault::Unprocessed { keep: 0 }, None);
    let stored = run::<D>(&rig, Duration::from_secs(20)).await;
    // Slices of 25, 25 and 10: the first 10 of each were written.
    let count = stored.iter().filter(|s| **s).count();
    assert_eq!(count, 30, "{stored:?}");
    // 3 first calls, then 7 more attempts for each of the two slices with leftovers.
    assert_eq!(rig.proxy.calls("BatchWriteItem"), 3 + 2 * 7);
}

async fn throttling_and_server_errors_are_retried<D: Dialect>() {
    let rig = rig().await;
    rig.proxy
        .inject("BatchWriteItem", Fault::throttle(), Some(2));
    rig.proxy
        .inject("BatchWriteItem", Fault::throttling(), Some(1));
    rig.proxy
        .inject("BatchWriteItem", Fault::server_error(), Some(2));
    rig.proxy.inject("BatchGetItem", Fault::throttle(), Some(1));
    rig.proxy.inject("GetItem", Fault::server_error(), Some(1));
    let stored = run::<D>(&rig, Duration::from_secs(25)).await;
    assert!(stored.iter().all(|s| *s));
}

async fn a_dropped_connection_after_the_write_is_confirmed_not_doubled<D: Dialect>() {
    let rig = rig().await;
    rig.proxy
        .inject("BatchWriteItem", Fault::ResetAfterForward, Some(2));
    rig.proxy.inject("BatchWriteItem", Fault::Reset, Some(1));
    let stored = run::<D>(&rig, Duration::from_secs(25)).await;
    assert!(stored.iter().all(|s| *s));
}

async fn a_store_that_never_answers_is_a_503_before_the_deadline<D: Dialect>() {
    let rig = rig().await;
    rig.proxy.inject("BatchWriteItem", Fault::Reset, None);
    let stored = run::<D>(&rig, Duration::from_secs(5)).await;
    assert!(stored.iter().all(|s| !*s));
}

async fn work_stops_at_the_deadline_and_the_answer_says_what_was_stored<D: Dialect>() {
    let rig = rig().await;
    // Two slices land; the third hangs far beyond the deadline, and so does every attempt
    // to send it again.
    rig.proxy
        .inject("BatchWriteItem", Fault::Delay(Duration::ZERO), Some(2));
    rig.proxy.inject(
        "BatchWriteItem",
        Fault::Delay(Duration::from_secs(30)),
        None,
    );
    let stored = run::<D>(&rig, Duration::from_secs(4)).await;
    let count = stored.iter().filter(|s| **s).count();
    assert!((10..=50).contains(&count) && count < ITEMS, "{stored:?}");
}

async fn an_attempt_that_hangs_is_sent_again_before_the_deadline<D: Dialect>() {
    let rig = rig().await;
    // One attempt hangs far beyond the deadline: after the attempt timeout it is sent
    // again, with a fresh version, and lands.
    rig.proxy.inject(
        "BatchWriteItem",
        Fault::Delay(Duration::from_secs(30)),
        Some(1),
    );
    let stored = run::<D>(&rig, Duration::from_secs(6)).await;
    assert!(stored.iter().all(|s| *s), "{stored:?}");
}

async fn writes_whose_answers_are_always_lost_are_confirmed_from_the_table<D: Dialect>() {
    let rig = rig().await;
    // Every write lands, and every answer is lost: only a look at the table can tell.
    rig.proxy
        .inject("BatchWriteItem", Fault::ResetAfterForward, None);
    let stored = run::<D>(&rig, Duration::from_secs(6)).await;
    assert!(stored.iter().all(|s| *s), "{stored:?}");
}

async fn unprocessed_keys_still_resolve_every_item<D: Dialect>() {
    let rig = rig().await;
    rig.proxy
        .inject("BatchGetItem", Fault::UnprocessedKeys { keep: 9 }, Some(4));
    let stored = run::<D>(&rig, Duration::from_secs(20)).await;
    assert!(stored.iter().all(|s| *s));
    assert!(rig.proxy.calls("BatchGetItem") > 1);
}

macro_rules! per_dialect {
    ($($module:ident => $dialect:ident),*) => {
        $(
            mod $module {
                #[tokio::test]
                async fn unprocessed_items_are_retried_until_stored() {
                    super::unprocessed_items_are_retried_until_stored::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn still_unprocessed_after_the_last_attempt_is_reported_per_item() {
                    super::still_unprocessed_after_the_last_attempt_is_reported_per_item::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn throttling_and_server_errors_are_retried() {
                    super::throttling_and_server_errors_are_retried::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn a_dropped_connection_after_the_write_is_confirmed_not_doubled() {
                    super::a_dropped_connection_after_the_write_is_confirmed_not_doubled::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn a_store_that_never_answers_is_a_503_before_the_deadline() {
                    super::a_store_that_never_answers_is_a_503_before_the_deadline::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn work_stops_at_the_deadline_and_the_answer_says_what_was_stored() {
                    super::work_stops_at_the_deadline_and_the_answer_says_what_was_stored::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn an_attempt_that_hangs_is_sent_again_before_the_deadline() {
                    super::an_attempt_that_hangs_is_sent_again_before_the_deadline::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn writes_whose_answers_are_always_lost_are_confirmed_from_the_table() {
                    super::writes_whose_answers_are_always_lost_are_confirmed_from_the_table::<super::$dialect>().await;
                }
                #[tokio::test]
                async fn unprocessed_keys_still_resolve_every_item() {
                    super::unprocessed_keys_still_resolve_every_item::<super::$dialect>().await;
                }
            }
        )*
    };
}

per_dialect!(via_batch_stock => BatchStock, via_crux => Crux, via_bulk_insert => BulkInsert);

/// The single-item dialect: a fault it cannot outlast is a 503, never a 502 or a silent loss.
mod via_product_inventory {
    use super::*;

    async fn post(rig: &Rig, quantity: i64, budget: Duration) -> (u16, Value) {
        let auth = format!("Bearer {}", rig.key);
        let body = json!({"upc": "849632048260", "store": "L1", "quantity": quantity}).to_string();
        let req = with_deadline(
            request(
                "POST",
                "/api/product/inventory",
                &[("authorization", &auth)],
                &body,
            ),
            budget,
        );
        let started = Instant::now();
        let (status, body) = call::<product_inventory::ProductInventory>(&rig.app, req).await;
        assert!(started.elapsed() < budget);
        (status.as_u16(), body)
    }

    async fn stored(rig: &Rig) -> Option<i64> {
        let records = inventory_admin::stock(&dynamo().await, &rig.tenant, "V0")
            .await
            .expect("read");
        records
            .iter()
            .find(|r| r.location_id == "L1")
            .and_then(|r| r.quantity)
    }

    #[tokio::test]
    async fn faults_it_outlasts_and_faults_it_cannot() {
        let rig = rig().await;
        rig.proxy
            .inject("BatchWriteItem", Fault::Unprocessed { keep: 0 }, Some(3));
        rig.proxy
            .inject("BatchWriteItem", Fault::throttle(), Some(1));
        rig.proxy
            .inject("BatchWriteItem", Fault::ResetAfterForward, Some(1));
        assert_eq!(post(&rig, 11, Duration::from_secs(20)).await.0, 200);
        assert_eq!(stored(&rig).await, Some(11));

        rig.proxy
            .inject("BatchWriteItem", Fault::Unprocessed { keep: 0 }, None);
        let (status, body) = post(&rig, 12, Duration::from_secs(20)).await;
        assert_eq!(
            (status, body),
            (
                503,
                json!({"error": "Service temporarily unavailable, please retry"})
            )
        );
        assert_eq!(stored(&rig).await, Some(11), "nothing written");

        rig.proxy.clear();
        rig.proxy
            .inject("GetItem", Fault::Delay(Duration::from_secs(30)), None);
        let (status, _) = post(&rig, 13, Duration::from_secs(3)).await;
        assert_eq!(
            status, 503,
            "a store that does not answer the key lookup in time"
        );
    }
}

/// Create-only writes go through a query and a conditional put: faults there too.
mod via_wix {
    use super::*;

    async fn create(
        rig: &Rig,
        variants: std::ops::RangeInclusive<usize>,
        budget: Duration,
    ) -> (u16, Value) {
        let items: Vec<Value> = variants
            .map(|i| json!({"variantId": format!("V{i}"), "productId": format!("P{i}"), "locationId": "L2", "quantity": i}))
            .collect();
        let req = request(
            "POST",
            "/stores/v3/bulk/inventory-items/create",
            &[("authorization", &rig.key)],
            &json!({"inventoryItems": items}).to_string(),
        );
        let started = Instant::now();
        let (status, body) = call::<wix_inventory_create::BulkCreateInventoryItems>(
            &rig.app,
            with_deadline(req, budget),
        )
        .await;
        assert!(started.elapsed() < budget);
        (status.as_u16(), body)
    }

    async fn exists(rig: &Rig, i: usize) -> bool {
        let records = inventory_admin::stock(&dynamo().await, &rig.tenant, &format!("V{i}"))
            .await
            .expect("read");
        records.iter().any(|r| r.location_id == "L2")
    }

    #[tokio::test]
    async fn a_lost_answer_to_a_create_is_not_reported_as_already_existing() {
        let rig = rig().await;
        rig.proxy
            .inject("PutItem", Fault::ResetAfterForward, Some(2));
        rig.proxy.inject("PutItem", Fault::throttle(), Some(2));
        rig.proxy.inject("Query", Fault::server_error(), Some(2));
        let (status, body) = create(&rig, 1..=10, Duration::from_secs(25)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["bulkActionMetadata"]["totalSuccesses"], 10, "{body}");
        for i in 1..=10 {
            assert!(exists(&rig, i).await);
        }
    }

    #[tokio::test]
    async fn creates_that_cannot_be_made_are_reported_and_absent() {
        let rig = rig().await;
        rig.proxy.inject("PutItem", Fault::Reset, None);
        let (status, body) = create(&rig, 11..=14, Duration::from_secs(5)).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["details"]["applicationError"]["code"], "UNAVAILABLE");
        for i in 11..=14 {
            assert!(!exists(&rig, i).await);
        }
    }
}

/// The read endpoint: unprocessed keys and throttled queries still give the right figures.
mod via_query {
    use super::*;

    #[tokio::test]
    async fn reads_complete_through_unprocessed_keys_and_throttling() {
        let rig = rig().await;
        // Write directly (no faults), then read through the proxy.
        let base = 500;
        let write = BatchStock::request(&rig, base);
        let (status, _) = call::<batch_stock::BatchStock>(&rig.app, write).await;
        assert_eq!(status, 200);
        rig.proxy
            .inject("BatchGetItem", Fault::UnprocessedKeys { keep: 5 }, Some(5));
        rig.proxy.inject("Query", Fault::throttle(), Some(3));
        let items: Vec<Value> = (1..=ITEMS)
            .map(|i| json!({"sku_id": format!("SKU-{i}")}))
            .collect();
        let auth = format!("Bearer {}", rig.key);
        let req = request(
            "POST",
            "/inventory/query",
            &[("authorization", &auth)],
            &json!({"items": &items[..50]}).to_string(),
        );
        let (status, body) = call::<inventory_query::InventoryQuery>(
            &rig.app,
            with_deadline(req, Duration::from_secs(25)),
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        for (i, item) in body["items"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                item["locations"][0]["quantity"],
                quantity(base, i + 1),
                "{item}"
            );
        }
        assert!(rig.proxy.calls("BatchGetItem") > 1);
    }
}

/// Versions follow landing order: a write sent again is stamped when it is sent, and a lost
/// answer is settled by the version the table holds, not by its key.
mod landing_order {
    use super::*;

    fn batch_stock(rig: &Rig, in_stock: i64, demand: Option<i64>) -> Request {
        let mut item = json!({"variant_id": "V1", "inStock": in_stock});
        if let Some(demand) = demand {
            item["demand"] = json!(demand);
        }
        let auth = format!("Bearer {}", rig.key);
        request(
            "POST",
            "/api/batchStock?warehouse_id=L1",
            &[("authorization", &auth)],
            &json!({"batchStock": {"item": [item]}}).to_string(),
        )
    }

    async fn on_hand_and_demand(rig: &Rig) -> (Option<i64>, Option<i64>) {
        let records = inventory_admin::stock(&dynamo().await, &rig.tenant, "V1")
            .await
            .expect("read");
        let r = records
            .iter()
            .find(|r| r.location_id == "L1")
            .expect("record");
        (r.quantity, r.demand)
    }

    /// W1 sets {onHand: 1, demand: 1}; its first attempt lands but the answer is lost, and
    /// its resends fail until W2 (Crux, onHand 2) and W3 (batchStock, onHand 3, demand 3)
    /// are confirmed; then W1's resend lands, last. It was stamped after W3, so the record
    /// reads W2, W3, W1: (1, 1). A resend carrying W1's first version would read onHand from
    /// W2 and demand from W1, (2, 1), which no order of the three writes produces.
    #[tokio::test]
    async fn a_resend_that_lands_last_is_the_newest_write() {
        let mut rig = rig().await;
        // Backoffs long enough for W2 and W3 to happen between W1's attempts.
        let client = DynamoStore::client_for_endpoint(&rig.proxy.url).await;
        let policy = RetryPolicy {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(400),
            ..RetryPolicy::default()
        };
        let store = DynamoStore::new(client, Tables::from_env(), policy);
        rig.app = App::uncached(store.with_catalog_cache(Duration::ZERO));
        let direct = App::new(dynamo().await);
        rig.proxy
            .inject("BatchWriteItem", Fault::ResetAfterForward, Some(1));
        rig.proxy
            .inject("BatchWriteItem", Fault::server_error(), None);
        let w1 = call::<batch_stock::BatchStock>(
            &rig.app,
            with_deadline(batch_stock(&rig, 1, Some(1)), Duration::from_secs(20)),
        );
        let others = async {
            while rig.proxy.calls("BatchWriteItem") < 2 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            assert_eq!(
                on_hand_and_demand(&rig).await,
                (Some(1), Some(1)),
                "W1 landed"
            );
            let auth = format!("Token {}", rig.key);
            let w2 = request(
                "POST",
                "/timp/products/skus/inventory/bulk/",
                &[("authorization", &auth)],
                &json!([{"sku_id": "SKU-1", "quantity_in_stock": 2}]).to_string(),
            );
            let (status, body) = call::<crux_bulk_inventory::CruxBulkInventory>(&direct, w2).await;
            assert_eq!(
                (status.as_u16(), &body[0]["status_code"]),
                (200, &json!(200)),
                "{body}"
            );
            let (status, body) =
                call::<batch_stock::BatchStock>(&direct, batch_stock(&rig, 3, Some(3))).await;
            assert_eq!(
                (status.as_u16(), &body["allPassed"]),
                (200, &json!(true)),
                "{body}"
            );
            assert_eq!(on_hand_and_demand(&rig).await, (Some(3), Some(3)));
            rig.proxy.clear();
        };
        let ((status, body), ()) = tokio::join!(w1, others);
        assert_eq!(
            (status.as_u16(), &body["allPassed"]),
            (200, &json!(true)),
            "{body}"
        );
        assert_eq!(on_hand_and_demand(&rig).await, (Some(1), Some(1)));
    }

    /// A write whose answers are all lost is settled by reading its key: the item there is
    /// an earlier write of the same field set, not this one, so it is reported not stored.
    #[tokio::test]
    async fn a_lost_write_is_confirmed_by_its_version_not_its_key() {
        let rig = rig().await;
        let direct = App::new(dynamo().await);
        let (status, _) =
            call::<batch_stock::BatchStock>(&direct, batch_stock(&rig, 5, None)).await;
        assert_eq!(status.as_u16(), 200);
        rig.proxy.inject("BatchWriteItem", Fault::Reset, None);
        let (status, body) = call::<batch_stock::BatchStock>(
            &rig.app,
            with_deadline(batch_stock(&rig, 9, None), Duration::from_secs(20)),
        )
        .await;
        assert_eq!(status.as_u16(), 503, "{body}");
        assert!(rig.proxy.calls("BatchGetItem") >= 2, "the keys were read");
        assert_eq!(on_hand_and_demand(&rig).await, (Some(5), None));
    }
}

/// A client whose answer was lost retries with its `Idempotency-Key`: it gets the first
/// answer again and nothing is applied twice, also when the answer to keeping that response
/// was itself lost on the way back from DynamoDB.
mod idempotent_retry {
    use super::*;
    use inventory_core::http::serve;
    use inventory_core::lambda_http::Body;

    fn batch_stock(rig: &Rig, in_stock: i64, key: Option<&str>) -> Request {
        let auth = format!("Bearer {}", rig.key);
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        request(
            "POST",
            "/api/batchStock?warehouse_id=L1",
            &headers,
            &json!({"batchStock": {"item": [{"variant_id": "V1", "inStock": in_stock}]}})
                .to_string(),
        )
    }

    async fn on_hand(rig: &Rig) -> Option<i64> {
        let records = inventory_admin::stock(&dynamo().await, &rig.tenant, "V1")
            .await
            .expect("read");
        records
            .iter()
            .find(|r| r.location_id == "L1")
            .and_then(|r| r.quantity)
    }

    fn text(body: &Body) -> String {
        match body {
            Body::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_retry_after_a_lost_answer_is_replayed_not_applied_again() {
        let rig = rig().await;
        let direct = App::new(dynamo().await);
        // The claim goes through; keeping the response lands but its answer is lost (the
        // SDK sends it again, which the claim's token still allows).
        rig.proxy
            .inject("PutItem", Fault::Delay(Duration::ZERO), Some(1));
        rig.proxy
            .inject("PutItem", Fault::ResetAfterForward, Some(1));
        let first =
            serve::<batch_stock::BatchStock, _>(&rig.app, batch_stock(&rig, 5, Some("retry-1")))
                .await;
        assert_eq!(first.status(), 200);
        assert!(rig.proxy.calls("PutItem") >= 3, "claimed, then kept twice");
        // The client never saw that answer. Meanwhile another request sets a newer value.
        let (status, _) =
            call::<batch_stock::BatchStock>(&direct, batch_stock(&rig, 9, None)).await;
        assert_eq!(status.as_u16(), 200);
        let retry =
            serve::<batch_stock::BatchStock, _>(&rig.app, batch_stock(&rig, 5, Some("retry-1")))
                .await;
        assert_eq!(retry.status(), 200);
        assert_eq!(retry.headers()["idempotent-replayed"], "true");
        assert_eq!(text(retry.body()), text(first.body()));
        assert_eq!(on_hand(&rig).await, Some(9), "the retry applied nothing");
    }
}

/// A bulk insert whose job record cannot be stored says so, instead of answering with an
/// `_id` that would read back as "not found"; the stock it saved is saved.
mod unstored_job {
    use super::*;

    #[tokio::test]
    async fn a_job_that_cannot_be_stored_is_reported_failed() {
        let rig = rig().await;
        rig.proxy.inject("PutItem", Fault::Reset, None);
        let base = rand::random_range(1_000..1_000_000_000i64);
        let (status, body) = call::<bulk_insert::BulkInsert>(
            &rig.app,
            with_deadline(BulkInsert::request(&rig, base), Duration::from_secs(20)),
        )
        .await;
        assert_eq!(status.as_u16(), 500, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("job record could not be stored"), "{body}");
        assert!(
            message.contains(&format!("({ITEMS} item(s) were saved)")),
            "{body}"
        );
        assert!(body.get("_id").is_none());
        assert!(in_table(&rig, "L1", base).await.iter().all(|s| *s));
    }
}
