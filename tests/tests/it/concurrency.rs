//! Concurrent clients over HTTP through `cargo lambda watch` (four instances per function):
//! updates of different fields of one record through different dialects both survive, a
//! create racing an update never overwrites it, and many clients hammering the service get
//! well-formed answers and leave the last write per key in place.

use futures::future::join_all;
use inventory_tests::{Api, private_demo, seed};
use serde_json::{Value, json};

const DEFAULT_LOCATION: &str = "d85fbb4d-e415-49b1-98bc-9d22ec338cb1";

async fn record(api: &Api, key: &str, variant: &str) -> Value {
    let reply = api
        .post(
            "/inventory/query",
            &format!("Bearer {key}"),
            &json!({"items": [{"variantId": variant}], "locationIds": [DEFAULT_LOCATION]})
                .to_string(),
        )
        .await;
    reply.body["items"][0]["locations"][0].clone()
}

#[tokio::test]
async fn different_fields_through_different_dialects_both_survive() {
    let (file, s) = private_demo();
    seed(&file).await;
    let api = Api::new();
    let key = format!("local-demo-key-{s}");
    let (token, bearer) = (format!("Token {key}"), format!("Bearer {key}"));
    let batch_path = format!("/api/batchStock?warehouse_id={DEFAULT_LOCATION}");
    for round in 0..15 {
        let crux_body =
            json!([{"upca": "849632048260", "quantity_on_backorder": round}]).to_string();
        let batch_body = json!({"batchStock": {"item": [{"variant_id": "zoot-suit-34-d", "inStock": 100 + round}]}}).to_string();
        let crux = api.post("/timp/products/skus/inventory/bulk/", &token, &crux_body);
        let batch = api.post(&batch_path, &bearer, &batch_body);
        let (crux, batch) = tokio::join!(crux, batch);
        assert_eq!((crux.status, batch.status), (200, 200));
        inventory_tests::report("requests_under_load", 3);
        let r = record(&api, &key, "zoot-suit-34-d").await;
        assert_eq!(
            (r["backorder"].clone(), r["quantity"].clone()),
            (json!(round), json!(100 + round)),
            "round {round}: {r}"
        );
    }
}

#[tokio::test]
async fn many_clients_hammering_leave_the_last_write_per_key() {
    const CLIENTS: usize = 8;
    const ROUNDS: i64 = 12;
    let (file, s) = private_demo();
    seed(&file).await;
    let api = Api::new();
    let key = format!("local-demo-key-{s}");
    // Each client owns one variant: it writes it, reads it back, and writes again.
    let owned = [
        "zoot-suit-34-d",
        "zoot-suit-36-d",
        "fabric-123456",
        "0A5EEDAF16F8D54486AB2AD7474B3994",
        "1571945CAB99744086F9FDFC9D9332D5",
        "barcode-5052011221399",
        "code-ACC001018__A",
        "crux-xkuOwSQ3utl",
    ];
    let clients = (0..CLIENTS).map(|c| {
        let (api, key) = (&api, &key);
        let variant = owned[c];
        async move {
            let (mut last, mut revision) = (0, 0);
            for round in 0..ROUNDS {
                let value = (c as i64) * 1000 + round;
                let reply = api
                    .post(
                        &format!("/api/batchStock?warehouse_id={DEFAULT_LOCATION}"),
                        &format!("Bearer {key}"),
                        &json!({"batchStock": {"item": [{"variant_id": variant, "inStock": value, "demand": round}]}}).to_string(),
                    )
                    .await;
                assert_eq!(reply.status, 200, "{}", reply.text);
                assert_eq!(reply.body, json!({"allPassed": true, "results": []}));
                // Reads see the write just acknowledged, whatever the other clients do.
                let r = record(api, key, variant).await;
                inventory_tests::report("requests_under_load", 2);
                assert_eq!(r["quantity"], json!(value), "{variant}: {r}");
                // The revision only grows.
                let now = r["revision"].as_u64().expect("a revision");
                assert!(now > revision, "{variant}: {r}");
                (last, revision) = (value, now);
            }
            (variant, last)
        }
    });
    let finals = join_all(clients).await;
    for (variant, last) in finals {
        let r = record(&api, &key, variant).await;
        assert_eq!(r["quantity"], last, "{variant}: {r}");
        assert_eq!(r["demand"], ROUNDS - 1, "{variant}: {r}");
    }
}

/// A Wix create racing a batchStock or Crux set on records with no stock: whenever both are
/// confirmed, the only valid order is "create, then update", so the record reads the
/// update's value, never the create's.
#[tokio::test]
async fn a_create_never_overwrites_a_confirmed_update() {
    const RACES: usize = 64;
    let tenant = inventory_tests::unique("race");
    let key = inventory_tests::unique("key");
    let variants: Vec<Value> = (0..RACES)
        .map(|i| json!({"variantId": format!("V{i}"), "productId": format!("P{i}"), "sku": format!("SKU-{i}")}))
        .collect();
    let file = json!({"tenants": [{
        "id": tenant,
        "apiKeys": [{"key": key, "scopes": ["inventory:write", "inventory:read"]}],
        "locations": [{"id": "L1", "default": true}],
        "variants": variants,
    }]});
    seed(&file.to_string()).await;
    let api = Api::new();
    let races = (0..RACES).map(|i| {
        let (api, key) = (&api, &key);
        async move {
            let create_body = json!({"inventoryItems": [{"variantId": format!("V{i}"), "productId": format!("P{i}"), "locationId": "L1", "quantity": 5}]}).to_string();
            let create = api.post("/stores/v3/bulk/inventory-items/create", key, &create_body);
            // Even races set on-hand through batchStock, odd ones through Crux.
            let update = async {
                if i % 2 == 0 {
                    let reply = api
                        .post(
                            "/api/batchStock?warehouse_id=L1",
                            &format!("Bearer {key}"),
                            &json!({"batchStock": {"item": [{"variant_id": format!("V{i}"), "inStock": 7}]}}).to_string(),
                        )
                        .await;
                    reply.status == 200 && reply.body["allPassed"] == json!(true)
                } else {
                    let reply = api
                        .post(
                            "/timp/products/skus/inventory/bulk/",
                            &format!("Token {key}"),
                            &json!([{"sku_id": format!("SKU-{i}"), "quantity_in_stock": 7}]).to_string(),
                        )
                        .await;
                    reply.status == 200 && reply.body[0]["status_code"] == json!(200)
                }
            };
            let (created, updated) = tokio::join!(create, update);
            assert_eq!(created.status, 200, "{}", created.text);
            let created = created.body["results"][0]["itemMetadata"]["success"] == json!(true);
            let reply = api
                .post(
                    "/inventory/query",
                    &format!("Bearer {key}"),
                    &json!({"items": [{"variantId": format!("V{i}")}], "locationIds": ["L1"]}).to_string(),
                )
                .await;
            let quantity = reply.body["items"][0]["locations"][0]["quantity"].clone();
            inventory_tests::report("requests_under_load", 3);
            if created && updated {
                assert_eq!(quantity, json!(7), "race {i}: both confirmed, the update must win");
            }
            (created && updated) as usize
        }
    });
    let both = join_all(races).await.into_iter().sum::<usize>();
    eprintln!("{both} of {RACES} races had both requests confirmed");
    assert!(both > 0, "no race had both confirmed: nothing was tested");
}
