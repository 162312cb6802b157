use inventory_admin::demo_app;
use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::CruxBulkInventory;

const PATH: &str = "/timp/products/skus/inventory/bulk/";

async fn post(app: &App<MemoryStore>, auth: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut headers = vec![("content-type", "application/json; charset=utf-8")];
    if let Some(auth) = auth {
        headers.push(("authorization", auth));
    }
    call::<CruxBulkInventory>(app, request("POST", PATH, &headers, body)).await
}

fn token() -> String {
    format!("Token {CRUX_DOCUMENT_KEY}")
}

/// The request of document 003, byte for byte.
const DOCUMENTED: &str = r#"[
    {
      "sku_id": "xkuOwSQ3utl",
      "quantity_in_stock": 512
    },
    {
      "sku_id": "2mNh6Gvwgl7LjmZj",
      "quantity_in_stock": 101,
      "quantity_on_backorder": 12
    },
    {
      "sku_id": "NON-EXISTENT",
      "quantity_in_stock": 13
    }
  ]"#;

#[tokio::test]
async fn the_documented_request_gets_the_documented_response() {
    let app = demo_app();
    let (status, body) = post(&app, Some(&token()), DOCUMENTED).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"status_code": 200, "message": "success"},
            {"status_code": 200, "message": "success"},
            {"status_code": 404, "message": "No sku found with sku identifier: {'sku_id': 'NON-EXISTENT'}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"}
        ])
    );
    assert_eq!(app.store.item_count(), 2);
}

#[tokio::test]
async fn every_gtin_identifier_works_and_typos_are_400s() {
    let app = demo_app();
    let body = json!([
        {"upca": "849632048260", "quantity_in_stock": 1},
        {"ean13": "0849632048260", "quantity_on_backorder": 2},
        {"gtin14": "00849632048260", "restrictions": "tmpunavail"},
        {"isbn": "0-306-40615-2", "quantity_in_stock": 3},
        {"upca": "849632048261", "quantity_in_stock": 1},
        {"upca": 12345, "quantity_in_stock": 1},
        {"sku_id": "ZOOT-SUIT", "quantity_in_stock": 1},
        {"ean13": "0849632048269", "quantity_in_stock": 1}
    ]);
    let (status, body) = post(&app, Some(&token()), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<u64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [200, 200, 200, 200, 400, 400, 400, 400], "{body}");
    assert_eq!(
        body[4]["message"],
        "Invalid sku identifier: {'upca': '849632048261'}: has check digit 1, but the check digit for these digits is 0"
    );
    assert_eq!(
        body[5]["message"],
        "Invalid sku identifier: {'upca': 12345}: must be 12 (UPC-A), 8 (UPC-E), 13 or 14, not 5 digits long"
    );
    assert!(
        body[6]["message"]
            .as_str()
            .unwrap()
            .starts_with("Multiple skus found with sku identifier: {'sku_id': 'ZOOT-SUIT'}")
    );
}

#[tokio::test]
async fn element_errors_are_per_element_and_never_written() {
    let app = demo_app();
    let body = json!([
        {"sku_id": "xkuOwSQ3utl", "restrictions": "discontinued"},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": -1},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 1.5},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stok": 1},
        {"quantity_in_stock": 1},
        {"sku_id": "xkuOwSQ3utl", "upca": "849632048260", "quantity_in_stock": 1},
        {"sku_id": "xkuOwSQ3utl"},
        "xkuOwSQ3utl",
        {"sku_id": "it's", "quantity_in_stock": 1}
    ]);
    let (status, body) = post(&app, Some(&token()), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let messages: Vec<(u64, &str)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["status_code"].as_u64().unwrap(),
                s["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                400,
                "restrictions: \"discontinued\" is not a valid choice; valid choices: discontd, tmpunavail"
            ),
            (
                400,
                "quantity_in_stock: Ensure this value is greater than or equal to 0."
            ),
            (400, "quantity_in_stock: A valid integer is required."),
            (
                400,
                "Unknown field: quantity_in_stok; valid fields: quantity_in_stock, quantity_on_backorder, restrictions"
            ),
            (
                400,
                "No sku identifier given; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
            (
                400,
                "Give exactly one sku identifier, not sku_id and upca; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
            (
                400,
                "No inventory fields given; valid fields: quantity_in_stock, quantity_on_backorder, restrictions"
            ),
            (400, "Invalid data. Expected a dictionary, but got str."),
            (
                404,
                "No sku found with sku identifier: {'sku_id': \"it's\"}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
        ]
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn request_level_errors_speak_drf() {
    let app = demo_app();
    for (body, detail) in [
        (
            "{",
            "JSON parse error - EOF while parsing an object at line 1 column 1",
        ),
        ("{}", "Expected a list of items but got type \"dict\"."),
        ("[]", "This list may not be empty."),
        ("", "Expected a list of items but got type \"NoneType\"."),
    ] {
        let (status, reply) = post(&app, Some(&token()), body).await;
        assert_eq!(
            (status, reply),
            (StatusCode::BAD_REQUEST, json!({"detail": detail})),
            "{body}"
        );
    }
    let many = json!(vec![json!({"sku_id": "x", "quantity_in_stock": 1}); 1001]).to_string();
    let (status, reply) = post(&app, Some(&token()), &many).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Ensure this field has no more than 1000 elements."})
        )
    );

    let (status, reply) = post(&app, None, DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    let (status, reply) = post(&app, Some("Token wrong-token-123"), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Invalid token."})
        )
    );
    let (status, _) = post(
        &app,
        Some(&format!("Bearer {CRUX_DOCUMENT_KEY}")),
        DOCUMENTED,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, reply) = post(
        &app,
        Some(&format!("Token {DEMO_READ_ONLY_KEY}")),
        DOCUMENTED,
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You do not have permission to perform this action."})
        )
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn a_thousand_elements_in_one_call() {
    let app = demo_app();
    let body: Vec<Value> = (0..1000)
        .map(|i| json!({"sku_id": if i % 2 == 0 { "xkuOwSQ3utl" } else { "2mNh6Gvwgl7LjmZj" }, "quantity_in_stock": i}))
        .collect();
    let (status, reply) = post(&app, Some(&token()), &Value::from(body).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply.as_array().unwrap().len(), 1000);
    assert!(
        reply
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status_code"] == 200)
    );
    // Duplicates collapse to one write per record.
    assert_eq!(app.store.item_count(), 2);
}

#[tokio::test]
async fn nothing_stored_because_of_the_store_is_a_503() {
    let app = demo_app();
    app.store
        .fail_writes(Some(inventory_core::store::WriteFailure::Unavailable));
    let (status, reply) = post(&app, Some(&token()), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "Service temporarily unavailable, please retry"})
        )
    );
}

#[tokio::test]
async fn repeated_keys_and_fractions_as_written_fail_their_element() {
    let app = demo_app();
    let body = r#"[
        {"sku_id": "xkuOwSQ3utl", "sku_id": "2mNh6Gvwgl7LjmZj", "quantity_in_stock": 1},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 0.99999999999999999999},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 2147483647.0000000001},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 1e400},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 5.0}
    ]"#;
    let (status, reply) = post(&app, Some(&token()), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply,
        json!([
            {"status_code": 400, "message": "Repeated field: sku_id"},
            {"status_code": 400, "message": "quantity_in_stock: A valid integer is required."},
            {"status_code": 400, "message": "quantity_in_stock: A valid integer is required."},
            {"status_code": 400, "message": "quantity_in_stock: Ensure this value is less than or equal to 2147483647."},
            {"status_code": 200, "message": "success"}
        ])
    );
    assert_eq!(app.store.item_count(), 1);
}

#[tokio::test]
async fn identifiers_are_named_as_sent() {
    let app = demo_app();
    let body = r#"[{"sku_id": " xkuOwSQ3utl", "quantity_in_stock": 1}, {"upca": 12345, "quantity_in_stock": 1}]"#;
    let (status, reply) = post(&app, Some(&token()), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply[0]["message"],
        "No sku found with sku identifier: {'sku_id': ' xkuOwSQ3utl'}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
    );
    assert!(
        reply[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid sku identifier: {'upca': 12345}:")
    );
}
