use inventory_admin::demo_app;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::model::TenantId;
use inventory_core::service;
use inventory_core::store::Deadline;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::ProductInventory;

const PATH: &str = "/api/product/inventory";

async fn post(
    key: Option<&str>,
    body: &str,
) -> (
    StatusCode,
    Value,
    inventory_core::http::App<inventory_core::store::memory::MemoryStore>,
) {
    let app = demo_app();
    let (status, body) = post_to(&app, key, body).await;
    (status, body, app)
}

async fn post_to(
    app: &inventory_core::http::App<inventory_core::store::memory::MemoryStore>,
    key: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    call::<ProductInventory>(app, request("POST", PATH, &headers, body)).await
}

async fn on_hand(
    app: &inventory_core::http::App<inventory_core::store::memory::MemoryStore>,
    tenant: &str,
    variant: &str,
    location: &str,
) -> Option<i64> {
    let v = inventory_core::catalog::Variant {
        variant_id: variant.into(),
        product_id: String::new(),
        ..Default::default()
    };
    let records = service::read(
        &app.store,
        &TenantId::parse(tenant).unwrap(),
        &[&v],
        None,
        Deadline::after(std::time::Duration::from_secs(5)),
    )
    .await
    .unwrap();
    records
        .get(variant)?
        .iter()
        .find(|r| r.location_id == location)?
        .quantity
}

#[tokio::test]
async fn the_documented_upc_example_sets_the_stock() {
    let (status, body, app) = post(
        Some(DEMO_KEY),
        r#"{ 
"upc": "849632048260",
"store": "3",
"quantity": 12
}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quantity"], 12);
    assert_eq!(body["store"], "3");
    assert_eq!(body["variantId"], "zoot-suit-34-d");
    assert_eq!(on_hand(&app, "demo", "zoot-suit-34-d", "3").await, Some(12));
}

#[tokio::test]
async fn the_documented_sku_size_width_example_sets_the_stock() {
    let (status, body, app) = post(
        Some("YOUR_API_TOKEN"),
        r#"{ 
"sku": "ZOOT-SUIT",
"size": "34",
"width": "D",
"store": "3",
"quantity": 44
}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sku"], "ZOOT-SUIT");
    assert_eq!(on_hand(&app, "demo", "zoot-suit-34-d", "3").await, Some(44));
}

#[tokio::test]
async fn every_missing_field_is_named() {
    let cases = [
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
        (
            json!({"upc": "849632048260", "store": "3", "quantity": null}),
            "quantity",
        ),
    ];
    for (body, field) in cases {
        let (status, reply, app) = post(Some(DEMO_KEY), &body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            reply,
            json!({"error": format!("Missing required field: {field}")})
        );
        assert_eq!(app.store.item_count(), 0, "nothing written for {body}");
    }
}

#[tokio::test]
async fn every_upc_form_finds_the_same_product_and_a_typo_is_not_a_miss() {
    for upc in ["849632048260", "0849632048260", "00849632048260"] {
        let (status, body, _) = post(
            Some(DEMO_KEY),
            &json!({"upc": upc, "store": "3", "quantity": 1}).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{upc}: {body}");
        assert_eq!(body["variantId"], "zoot-suit-34-d");
    }
    let (status, body, _) = post(
        Some(DEMO_KEY),
        r#"{"upc": "849632048261", "store": "3", "quantity": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "Invalid upc \"849632048261\" has check digit 1, but the check digit for these digits is 0"
    );
}

#[tokio::test]
async fn unknown_products_and_stores_are_404s() {
    let (status, body, _) = post(
        Some(DEMO_KEY),
        r#"{"upc": "012345678905", "store": "3", "quantity": 1}"#,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"error": "Product not found: upc \"012345678905\""})
        )
    );
    let (status, body, _) = post(
        Some(DEMO_KEY),
        r#"{"upc": "849632048260", "store": "999", "quantity": 1}"#,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"error": "Store not found: 999"})
        )
    );
    let (status, body, _) = post(
        Some(DEMO_KEY),
        r#"{"sku": "ZOOT-SUIT", "size": "99", "width": "D", "store": "3", "quantity": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn bad_bodies_are_clear_400s() {
    let cases = [
        ("{", "Request body is not valid JSON"),
        ("", "Request body is empty"),
        ("[1]", "Request body must be a JSON object"),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": -1}"#,
            "quantity must not be negative",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": 1.5}"#,
            "quantity must be a whole number",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": "12"}"#,
            "quantity must be a whole number",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": 1e40}"#,
            "quantity must be at most 2147483647",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": 1, "colour": "red"}"#,
            "Unknown field: colour",
        ),
        (
            r#"{"upc": "849632048260", "sku": "ZOOT-SUIT", "store": "3", "quantity": 1}"#,
            "Unknown field: sku",
        ),
        (
            r#"{"upc": "849632048260", "store": true, "quantity": 1}"#,
            "store must be a string",
        ),
        (
            r#"{"upc": "", "store": "3", "quantity": 1}"#,
            "upc must not be empty",
        ),
    ];
    for (body, message) in cases {
        let (status, reply, app) = post(Some(DEMO_KEY), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let text = reply["error"].as_str().unwrap();
        assert!(text.starts_with(message), "{body}: {text}");
        assert_eq!(app.store.item_count(), 0);
    }
}

#[tokio::test]
async fn keys_are_checked_before_anything_else() {
    let body = r#"{"upc": "849632048260", "store": "3", "quantity": 1}"#;
    let (status, reply, _) = post(None, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("Missing API key")
    );
    let (status, reply, _) = post(Some("not-a-real-key-123"), body).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": "Invalid API key"})
        )
    );
    let (status, reply, app) = post(Some(DEMO_READ_ONLY_KEY), body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply["error"],
        "This API key does not have the inventory:write scope"
    );
    assert_eq!(app.store.item_count(), 0);
    // Unauthenticated garbage is refused as unauthenticated, not parsed.
    let (status, _, _) = post(None, "{").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_tenant_only_reaches_its_own_catalog_and_stock() {
    let app = demo_app();
    let body = r#"{"upc": "849632048260", "store": "3", "quantity": 5}"#;
    let (status, reply) = post_to(&app, Some(OTHER_TENANT_KEY), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["variantId"], "acme-zoot-suit-34-d");
    assert_eq!(
        on_hand(&app, "acme", "acme-zoot-suit-34-d", "3").await,
        Some(5)
    );
    assert_eq!(on_hand(&app, "demo", "zoot-suit-34-d", "3").await, None);
    // acme has no Wix location: demo's locations are not acme's.
    let (status, _) = post_to(&app, Some(OTHER_TENANT_KEY), r#"{"upc": "849632048260", "store": "d85fbb4d-e415-49b1-98bc-9d22ec338cb1", "quantity": 5}"#).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failed_write_is_a_503_that_is_safe_to_retry() {
    let app = demo_app();
    app.store
        .fail_writes(Some(inventory_core::store::WriteFailure::Unprocessed {
            attempts: 8,
        }));
    let (status, reply) = post_to(
        &app,
        Some(DEMO_KEY),
        r#"{"upc": "849632048260", "store": "3", "quantity": 5}"#,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply,
        json!({"error": "Service temporarily unavailable, please retry"})
    );
}

#[tokio::test]
async fn repeated_keys_fractions_as_written_and_odd_requests_are_refused() {
    let cases = [
        (
            r#"{"upc": "849632048260", "upc": "036000291452", "store": "3", "quantity": 1}"#,
            "Repeated field: upc",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": -1e-400}"#,
            "quantity must be a whole number",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": 2147483647.0000000001}"#,
            "quantity must be a whole number",
        ),
        (
            r#"{"upc": "849632048260", "store": "3", "quantity": 0.99999999999999999999}"#,
            "quantity must be a whole number",
        ),
        (
            r#"{"upc": "849632048260", "store": " 3", "quantity": 1}"#,
            "Store not found:  3",
        ),
    ];
    for (body, message) in cases {
        let (status, reply, app) = post(Some(DEMO_KEY), body).await;
        assert!(status.is_client_error(), "{body}: {status}");
        assert_eq!(reply, json!({ "error": message }), "{body}");
        assert_eq!(app.store.item_count(), 0);
    }
    let (status, reply, _) = post(
        Some(DEMO_KEY),
        r#"{"upc": "849632048260", "store": "3", "quantity": 12.0}"#,
    )
    .await;
    assert_eq!(
        (status, reply["quantity"].clone()),
        (StatusCode::OK, json!(12))
    );
}

#[tokio::test]
async fn two_keys_or_a_compressed_body_are_refused_in_the_dialect_shape() {
    let app = demo_app();
    let body = r#"{"upc": "849632048260", "store": "3", "quantity": 1}"#;
    let auth = format!("Bearer {DEMO_KEY}");
    let twice = [
        ("authorization", auth.as_str()),
        ("authorization", "Bearer YOUR_API_TOKEN"),
    ];
    let (status, reply) = call::<ProductInventory>(&app, request("POST", PATH, &twice, body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("Malformed credentials")
    );
    for encoding in ["gzip", "identity, br"] {
        let headers = [
            ("authorization", auth.as_str()),
            ("content-encoding", encoding),
        ];
        let (status, reply) =
            call::<ProductInventory>(&app, request("POST", PATH, &headers, body)).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            reply["error"]
                .as_str()
                .unwrap()
                .starts_with("Content-Encoding"),
            "{reply}"
        );
    }
    let headers = [
        ("authorization", auth.as_str()),
        ("content-encoding", "identity"),
    ];
    let (status, _) = call::<ProductInventory>(&app, request("POST", PATH, &headers, body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.store.item_count(), 1);
}

mod rendering {
    use crate::response::Saved;
    use inventory_core::model::Rfc3339;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// Whatever the fields hold, the hand-written body is serde_json's, byte for byte.
        #[test]
        fn the_response_is_written_as_serde_writes_it(
            texts in proptest::collection::vec(
                prop_oneof!["[ -~]{0,12}", "\\PC{0,20}", "[a\u{0}\u{1f}\n\"\\\\é😀]{0,8}"],
                9,
            ),
            present in proptest::array::uniform4(any::<bool>()),
            quantity in any::<i64>(),
            micros in prop_oneof![any::<i64>(), 0i64..253_402_300_800_000_000],
        ) {
            let optional = |i: usize| present[i].then(|| texts[i].as_str());
            let saved = Saved {
                message: "Inventory updated",
                upc: optional(0),
                sku: optional(1),
                size: optional(2),
                width: optional(3),
                store: &texts[4],
                quantity,
                variant_id: &texts[5],
                product_id: &texts[6],
                updated_at: Rfc3339(micros),
            };
            let written = String::from_utf8(saved.to_json()).unwrap();
            prop_assert_eq!(written, serde_json::to_string(&saved).unwrap());
        }
    }
}
