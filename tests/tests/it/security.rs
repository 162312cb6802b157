//! Tenants are isolated on every endpoint, keys are stored only hashed and never logged, and
//! no response carries internal detail. Over HTTP through `cargo lambda watch` unless noted.

use inventory_core::store::dynamo::{DynamoStore, RetryPolicy, Tables};
use inventory_core::testing::{call, request};
use inventory_tests::{Api, dynamo, private_demo, seed};
use serde_json::{Value, json};

const DEFAULT_LOCATION: &str = "d85fbb4d-e415-49b1-98bc-9d22ec338cb1";

/// Two fresh tenants from the demo file: `demo-<s>` and `acme-<s>`.
async fn tenants() -> (Api, String) {
    let (file, suffix) = private_demo();
    seed(&file).await;
    (Api::new(), suffix)
}

async fn demo_figures(api: &Api, suffix: &str, variant: &str) -> Value {
    let reply = api
        .post(
            "/inventory/query",
            &format!("Bearer local-demo-key-{suffix}"),
            &json!({"items": [{"variantId": variant}]}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["items"][0]["locations"].clone()
}

#[tokio::test]
async fn another_tenants_key_reaches_none_of_a_tenants_data_on_any_endpoint() {
    let (api, s) = tenants().await;
    let acme = format!("acme-local-key-{s}");
    let bearer = format!("Bearer {acme}");

    // Write demo's data first, so there is something to protect.
    let r = api
        .post(
            "/api/product/inventory",
            &format!("Bearer local-demo-key-{s}"),
            r#"{"upc": "849632048260", "store": "3", "quantity": 5}"#,
        )
        .await;
    assert_eq!(r.status, 200);
    let demo_job = api
        .post(
            "/inventory/bulk-insert",
            &format!("Bearer local-demo-key-{s}"),
            r#"[{"sku": "123456", "totalQuantity": 9, "locationId": 104}]"#,
        )
        .await;
    let job_id = demo_job.body["_id"].as_str().unwrap().to_owned();
    let before = (
        demo_figures(&api, &s, "zoot-suit-34-d").await,
        demo_figures(&api, &s, "fabric-123456").await,
    );

    // product-inventory: demo's store is not acme's; acme's "3" is its own variant.
    let r = api
        .post(
            "/api/product/inventory",
            &bearer,
            &json!({"upc": "849632048260", "store": DEFAULT_LOCATION, "quantity": 1}).to_string(),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = api
        .post(
            "/api/product/inventory",
            &bearer,
            r#"{"upc": "849632048260", "store": "3", "quantity": 1}"#,
        )
        .await;
    assert_eq!(r.body["variantId"], "acme-zoot-suit-34-d");
    // crux: demo's skus are unknown to acme.
    let r = api
        .post(
            "/timp/products/skus/inventory/bulk/",
            &format!("Token {acme}"),
            r#"[{"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 1}]"#,
        )
        .await;
    assert_eq!(r.body[0]["status_code"], 404, "{}", r.text);
    // batchStock: demo's warehouse is unknown to acme.
    let r = api.post("/api/batchStock?warehouse_id=1571945CAB99744086F9FDFC9D9332D5", &bearer, r#"{"batchStock": {"item": [{"variant_id": "0A5EEDAF16F8D54486AB2AD7474B3994", "inStock": 1}]}}"#).await;
    assert_eq!((r.status, r.body["code"].clone()), (404, json!(12003)));
    // bulk insert: demo's account is not acme's; acme's rows land on acme's items.
    let r = api
        .send(
            "POST",
            "/inventory/bulk-insert",
            &[
                ("authorization", &bearer),
                (
                    "x-site-context",
                    r#"{"account": "5f493c9f30ec2a0007a94fc8"}"#,
                ),
            ],
            r#"[{"sku": "123456", "totalQuantity": 1, "locationId": 104}]"#,
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (
            500,
            json!({"message": "Account not found: 5f493c9f30ec2a0007a94fc8"})
        )
    );
    let r = api
        .post(
            "/inventory/bulk-insert",
            &bearer,
            r#"[{"sku": "123456", "totalQuantity": 1, "locationId": 104}]"#,
        )
        .await;
    assert_eq!(r.status, 200);
    // bulk-insert job: demo's job is not found for acme.
    let r = api
        .send(
            "GET",
            &format!("/inventory/bulk-insert/jobs/{job_id}"),
            &[("authorization", &bearer)],
            "",
        )
        .await;
    assert_eq!(r.status, 404);
    // Wix: demo's variants are unknown to acme.
    let r = api
        .post("/stores/v3/bulk/inventory-items/create", &acme, r#"{"inventoryItems": [{"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 1}]}"#)
        .await;
    assert_eq!(
        r.body["results"][0]["itemMetadata"]["error"]["code"], "VARIANT_NOT_FOUND",
        "{}",
        r.text
    );
    // Read: demo's variant ids are unknown to acme, and its locations too.
    let r = api
        .post(
            "/inventory/query",
            &bearer,
            r#"{"items": [{"variantId": "zoot-suit-34-d"}, {"variantId": "fabric-123456"}]}"#,
        )
        .await;
    assert_eq!(
        (
            r.body["items"][0]["found"].clone(),
            r.body["items"][1]["found"].clone()
        ),
        (json!(false), json!(false))
    );
    let r = api
        .post(
            "/inventory/query",
            &bearer,
            &json!({"items": [{"upc": "849632048260"}], "locationIds": [DEFAULT_LOCATION]})
                .to_string(),
        )
        .await;
    assert_eq!(r.status, 404);

    // Nothing of demo's changed.
    let after = (
        demo_figures(&api, &s, "zoot-suit-34-d").await,
        demo_figures(&api, &s, "fabric-123456").await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn keys_are_stored_only_as_their_hashes() {
    let (_, s) = tenants().await;
    let store = dynamo().await;
    let plain: Vec<String> = [
        "local-demo-key",
        "1083e3ec5c40b36fd663ba925bc8d864061463e2",
        "acme-local-key",
    ]
    .iter()
    .map(|k| format!("{k}-{s}"))
    .collect();
    let table = store
        .tables()
        .name(inventory_core::store::dynamo::Table::ApiKeys);
    let mut start = None;
    let mut seen = 0;
    loop {
        let page = store
            .sdk()
            .scan()
            .table_name(&table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            seen += 1;
            let text = format!("{item:?}");
            for key in &plain {
                assert!(
                    !text.contains(key.as_str()),
                    "a plain key is stored: {text}"
                );
            }
            let pk = item["pk"].as_s().unwrap();
            assert!(
                pk.len() == 64 && pk.bytes().all(|b| b.is_ascii_hexdigit()),
                "{pk}"
            );
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    assert!(seen >= 6);
}

#[tokio::test]
async fn keys_never_reach_the_log_and_the_request_id_does() {
    let log = std::env::var("INVENTORY_API_LOG")
        .expect("tools/test exports INVENTORY_API_LOG, the cargo lambda watch log");
    let (api, s) = tenants().await;
    let good = format!("local-demo-key-{s}");
    let wrong = format!("a-wrong-key-{s}");
    let mut ids = Vec::new();
    for key in [&good, &wrong] {
        for (path, auth) in [
            ("/api/product/inventory", format!("Bearer {key}")),
            (
                "/timp/products/skus/inventory/bulk/",
                format!("Token {key}"),
            ),
            ("/stores/v3/bulk/inventory-items/create", key.to_string()),
        ] {
            let r = api
                .post(
                    path,
                    &auth,
                    r#"{"upc": "849632048260", "store": "3", "quantity": 1}"#,
                )
                .await;
            ids.push(r.headers["x-request-id"].to_str().unwrap().to_owned());
        }
    }
    // The log is written as requests finish; give the last lines a moment.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let text = std::fs::read_to_string(&log).expect("the API log");
    assert!(!text.contains(&good), "a valid key was logged");
    assert!(!text.contains(&wrong), "a presented key was logged");
    for id in ids {
        assert!(text.contains(&id), "request {id} is not in the log");
    }
}

#[tokio::test]
async fn internal_errors_say_nothing_about_the_inside() {
    // A store whose tables do not exist, so every call fails inside, starting with the key
    // lookup. In-process, so the test can point the functions at a wrong table prefix.
    let (_, s) = tenants().await;
    let client = DynamoStore::client_from_env().await;
    let missing = Tables::with_prefix(format!("no-such-prefix-{s}-"));
    let app =
        inventory_core::http::App::new(DynamoStore::new(client, missing, RetryPolicy::default()));
    let auth = format!("Bearer local-demo-key-{s}");
    let (status, body) = call::<product_inventory::ProductInventory>(
        &app,
        request(
            "POST",
            "/api/product/inventory",
            &[("authorization", &auth)],
            r#"{"upc": "849632048260", "store": "3", "quantity": 1}"#,
        ),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body.clone()),
        (500, json!({"error": "Internal server error"}))
    );
    let (status, body) = call::<crux_bulk_inventory::CruxBulkInventory>(
        &app,
        request(
            "POST",
            "/timp/products/skus/inventory/bulk/",
            &[("authorization", &format!("Token local-demo-key-{s}"))],
            r#"[{"sku_id": "x", "quantity_in_stock": 1}]"#,
        ),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body),
        (500, json!({"detail": "Internal server error"}))
    );
    let (status, body) = call::<wix_inventory_create::BulkCreateInventoryItems>(
        &app,
        request(
            "POST",
            "/stores/v3/bulk/inventory-items/create",
            &[("authorization", &format!("local-demo-key-{s}"))],
            "{}",
        ),
    )
    .await;
    assert_eq!(status.as_u16(), 500);
    let text = body.to_string();
    for leak in ["no-such-prefix", "ResourceNotFound", "dynamodb", "table"] {
        assert!(
            !text.to_lowercase().contains(&leak.to_lowercase()),
            "{text}"
        );
    }
}
