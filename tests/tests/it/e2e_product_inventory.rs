//! `POST /api/product/inventory` over HTTP through `cargo lambda watch`, against DynamoDB.

use inventory_core::model::TenantId;
use inventory_tests::{Api, dynamo, private_demo, seed};
use serde_json::json;

const PATH: &str = "/api/product/inventory";

/// The two request bodies of document 004, byte for byte.
const UPC_EXAMPLE: &str = "{ \n\"upc\": \"849632048260\",\n\"store\": \"3\",\n\"quantity\": 12\n}";
const SKU_EXAMPLE: &str = "{ \n\"sku\": \"ZOOT-SUIT\",\n\"size\": \"34\",\n\"width\": \"D\",\n\"store\": \"3\",\n\"quantity\": 44\n}";

async fn on_hand(tenant: &str, variant: &str, location: &str) -> Option<i64> {
    let store = dynamo().await;
    let records = inventory_admin::stock(&store, &TenantId::parse(tenant).unwrap(), variant)
        .await
        .expect("read back");
    records
        .into_iter()
        .find(|r| r.location_id == location)?
        .quantity
}

#[tokio::test]
async fn the_documented_examples_work_verbatim_and_land_in_dynamodb() {
    let (file, suffix) = private_demo();
    seed(&file).await;
    let api = Api::new();
    let token = format!("Bearer YOUR_API_TOKEN-{suffix}");

    let reply = api.post(PATH, &token, UPC_EXAMPLE).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["variantId"], "zoot-suit-34-d");
    assert_eq!(reply.body["quantity"], 12);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(reply.headers.contains_key("x-request-id"));
    assert_eq!(
        on_hand(&format!("demo-{suffix}"), "zoot-suit-34-d", "3").await,
        Some(12)
    );

    let reply = api.post(PATH, &token, SKU_EXAMPLE).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        on_hand(&format!("demo-{suffix}"), "zoot-suit-34-d", "3").await,
        Some(44)
    );
}

#[tokio::test]
async fn the_demo_data_answers_the_documented_token() {
    // The shared demo tenant, exactly as the local stack seeds it. Another variant's store
    // than the other tests use, so parallel tests never race on it.
    let api = Api::new();
    let reply = api
        .post(
            PATH,
            "Bearer YOUR_API_TOKEN",
            r#"{"sku": "ZOOT-SUIT", "size": "36", "width": "D", "store": "104", "quantity": 7}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(on_hand("demo", "zoot-suit-36-d", "104").await, Some(7));
}

#[tokio::test]
async fn each_missing_field_gets_its_documented_error() {
    let api = Api::new();
    for (body, field) in [
        (json!({"store": "3", "quantity": 1}), "sku"),
        (
            json!({"sku": "ZOOT-SUIT", "width": "D", "store": "3", "quantity": 1}),
            "size",
        ),
        (
            json!({"sku": "ZOOT-SUIT", "size": "34", "store": "3", "quantity": 1}),
            "width",
        ),
        (json!({"upc": "849632048260", "quantity": 1}), "store"),
        (json!({"upc": "849632048260", "store": "3"}), "quantity"),
    ] {
        let reply = api
            .post(PATH, "Bearer local-demo-key", &body.to_string())
            .await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(
            reply.body,
            json!({"error": format!("Missing required field: {field}")})
        );
    }
}

#[tokio::test]
async fn wrong_missing_and_underprivileged_keys_are_refused() {
    let api = Api::new();
    let reply = api.post(PATH, "Bearer not-the-key-0000", UPC_EXAMPLE).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (401, json!({"error": "Invalid API key"}))
    );
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    let reply = api
        .send(
            "POST",
            PATH,
            &[("content-type", "application/json")],
            UPC_EXAMPLE,
        )
        .await;
    assert_eq!(reply.status, 401);
    let reply = api
        .post(PATH, "Bearer local-demo-read-only", UPC_EXAMPLE)
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.body["error"],
        "This API key does not have the inventory:write scope"
    );
}

#[tokio::test]
async fn gtin_forms_and_check_digits_over_http() {
    let (file, suffix) = private_demo();
    seed(&file).await;
    let api = Api::new();
    let token = format!("Bearer local-demo-key-{suffix}");
    for (upc, quantity) in [
        ("849632048260", 1),
        ("0849632048260", 2),
        ("00849632048260", 3),
    ] {
        let body = json!({"upc": upc, "store": "104", "quantity": quantity}).to_string();
        let reply = api.post(PATH, &token, &body).await;
        assert_eq!(reply.status, 200, "{upc}: {}", reply.text);
        assert_eq!(
            on_hand(&format!("demo-{suffix}"), "zoot-suit-34-d", "104").await,
            Some(quantity)
        );
    }
    let reply = api
        .post(
            PATH,
            &token,
            r#"{"upc": "849632048262", "store": "104", "quantity": 1}"#,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("check digit"),
        "{}",
        reply.text
    );
    let reply = api
        .post(
            PATH,
            &token,
            r#"{"upc": "849632048260", "store": "999", "quantity": 1}"#,
        )
        .await;
    assert_eq!(
        (reply.status, reply.body),
        (404, json!({"error": "Store not found: 999"}))
    );
}
