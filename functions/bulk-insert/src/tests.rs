use inventory_admin::demo_app;
use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use crate::{BulkInsert, BulkInsertJob};

const PATH: &str = "/inventory/bulk-insert";
const CONTEXT: &str = r#"{ "date": "2020-08-28T02:35:27.787Z", "channel": 12, "account": "5f493c9f30ec2a0007a94fc8", "stage": "sandbox" }"#;

/// The two sample rows of document 000, as the JSON array they describe.
const DOCUMENTED: &str = r#"[{
"sku": "123456",
"totalQuantity": 30003,
"locationId": 104,
"type": "Stock",
"channelId": 12
}, {
"itemId": "1000000213",
"totalQuantity": 10000,
"locationId": 104,
"type": "Transit",
"channelId": 12,
"transitOrderDate": "2020-05-05",
"transitStockDate": "2020-05-05",
"transitRef": "WO-20000"
}]"#;

async fn post(
    app: &App<MemoryStore>,
    key: &str,
    context: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let auth = format!("Bearer {key}");
    let mut headers = vec![
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    if let Some(context) = context {
        headers.push(("x-site-context", context));
    }
    call::<BulkInsert>(app, request("POST", PATH, &headers, body)).await
}

async fn get_job(app: &App<MemoryStore>, key: &str, id: &str) -> (StatusCode, Value) {
    let auth = format!("Bearer {key}");
    let req = request(
        "GET",
        &format!("{PATH}/jobs/{id}"),
        &[("authorization", auth.as_str())],
        "",
    );
    call::<BulkInsertJob>(app, with_path(req, &[("id", id)])).await
}

#[tokio::test]
async fn the_documented_example_reports_two_rows_one_item() {
    let app = demo_app();
    let (status, job) = post(&app, DEMO_KEY, Some(CONTEXT), DOCUMENTED).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let messages = job["messages"].as_array().unwrap();
    assert!(
        messages[0]
            .as_str()
            .unwrap()
            .starts_with("Import Inventory job started: ")
    );
    assert!(
        messages[0]
            .as_str()
            .unwrap()
            .ends_with(" GMT+0000 (Coordinated Universal Time)")
    );
    assert_eq!(messages[1], "2 row(s) found");
    assert_eq!(messages[2], "1 Inventory Item(s) found");
    assert_eq!(messages[3], "Successfully saved 1 items ");
    assert!(
        messages[4]
            .as_str()
            .unwrap()
            .starts_with("Successfully finished API Inventory Bulk Upload: ")
    );
    for (field, value) in [
        ("type", json!("api")),
        ("status", json!("FINISHED")),
        ("totalItems", json!(1)),
        ("totalItemsUploaded", json!(1)),
        ("totalRows", json!(2)),
        ("totalRowsErrors", json!(0)),
        ("__v", json!(0)),
    ] {
        assert_eq!(job[field], value, "{field}");
    }
    assert!(job["keyId"].as_str().unwrap().starts_with("api-"));
    assert_eq!(job["_id"].as_str().unwrap().len(), 24);
    // Both rows went into one record: the stock and the transit entry.
    assert_eq!(app.store.item_count(), 1);

    // The job reads back by its id, for the same tenant only.
    let id = job["_id"].as_str().unwrap();
    let (status, again) = get_job(&app, DEMO_READ_ONLY_KEY, id).await;
    assert_eq!((status, &again), (StatusCode::OK, &job));
    let (status, other) = get_job(&app, OTHER_TENANT_KEY, id).await;
    assert_eq!(
        (status, other),
        (
            StatusCode::NOT_FOUND,
            json!({"message": format!("Job not found: {id}")})
        )
    );
    let (status, _) = get_job(&app, DEMO_WRITE_ONLY_KEY, id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_unknown_location_fails_the_request_and_writes_nothing() {
    let app = demo_app();
    let body = json!([
        {"sku": "123456", "totalQuantity": 1, "locationId": 104, "type": "Stock"},
        {"sku": "123456", "totalQuantity": 1, "locationId": 999, "type": "Stock"}
    ]);
    let (status, reply) = post(&app, DEMO_KEY, None, &body.to_string()).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Inventory insert failed: Row 2: Cannot find \"Location Id\" 999."})
        )
    );
    let (status, reply) = post(
        &app,
        DEMO_KEY,
        None,
        r#"[{"sku": "123456", "totalQuantity": 1, "locationId": 999, "type": "Stock"}]"#,
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Inventory insert failed: Row 1: Cannot find \"Location Id\" 999."})
        )
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn an_unknown_or_foreign_account_is_the_documented_500() {
    let app = demo_app();
    let foreign = CONTEXT.replace("5f493c9f30ec2a0007a94fc8", "acme-account-0001");
    let (status, reply) = post(&app, DEMO_KEY, Some(&foreign), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"message": "Account not found: acme-account-0001"})
        )
    );
    let (status, _) = post(
        &app,
        DEMO_KEY,
        Some(&CONTEXT.replace("5f493c9f", "00000000")),
        DOCUMENTED,
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // The document's own header sample is not valid JSON (a quote is missing): a 400 that says so.
    let broken = r#"{ "date": "2020-08-28T02:35:27.787Z", "channel": 12, "account": 5f493c9f30ec2a0007a94fc8", "stage": "sandbox" }"#;
    let (status, reply) = post(&app, DEMO_KEY, Some(broken), DOCUMENTED).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid x-site-context header: not valid JSON")
    );
    let (status, reply) = post(&app, DEMO_KEY, Some(r#"{"channel": 12}"#), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid x-site-context header: it names no account"})
        )
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn unknown_items_are_row_errors_of_the_job() {
    let app = demo_app();
    let body = json!([
        {"sku": "123456", "totalQuantity": 5, "locationId": "104", "type": "Stock"},
        {"sku": "NOPE", "totalQuantity": 5, "locationId": "104", "type": "Stock"},
        {"itemId": "404", "totalQuantity": 5, "locationId": "3", "type": "Stock"},
        {"sku": "ZOOT-SUIT", "totalQuantity": 5, "locationId": "3"}
    ]);
    let (status, job) = post(&app, DEMO_KEY, None, &body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(
        (
            job["totalRows"].clone(),
            job["totalRowsErrors"].clone(),
            job["totalItemsUploaded"].clone()
        ),
        (json!(4), json!(3), json!(1))
    );
    let messages: Vec<&str> = job["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(messages[3], "Row 2: Cannot find \"SKU\" NOPE.");
    assert_eq!(messages[4], "Row 3: Cannot find \"Item Id\" 404.");
    assert_eq!(
        messages[5],
        "Row 4: \"SKU\" ZOOT-SUIT matches several items (zoot-suit-34-d, zoot-suit-36-d)."
    );
    assert_eq!(messages[6], "Successfully saved 1 items ");
}

#[tokio::test]
async fn malformed_rows_fail_the_request_with_their_row_number() {
    let app = demo_app();
    let cases = [
        (
            r#"{"sku": "123456"}"#,
            "Inventory insert failed: the request body must be a JSON array of rows.",
        ),
        ("[]", "Inventory insert failed: no rows found."),
        (
            "[1]",
            "Inventory insert failed: Row 1: row must be a JSON object.",
        ),
        (
            r#"[{"totalQuantity": 1, "locationId": 104}]"#,
            "Inventory insert failed: Row 1: Missing required field: sku or itemId.",
        ),
        (
            r#"[{"sku": "123456", "itemId": "1000000213", "totalQuantity": 1, "locationId": 104}]"#,
            "Inventory insert failed: Row 1: itemId cannot be given together with sku.",
        ),
        (
            r#"[{"sku": "123456", "locationId": 104}]"#,
            "Inventory insert failed: Row 1: Missing required field: totalQuantity.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": -5, "locationId": 104}]"#,
            "Inventory insert failed: Row 1: totalQuantity must not be negative.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5}]"#,
            "Inventory insert failed: Row 1: Missing required field: locationId.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "type": "Sold"}]"#,
            "Inventory insert failed: Row 1: type must be one of: Stock, Transit.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "type": "Transit"}]"#,
            "Inventory insert failed: Row 1: Missing required field: transitRef.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "type": "Transit", "transitRef": "W", "transitOrderDate": "May 5"}]"#,
            "Inventory insert failed: Row 1: transitOrderDate must be a date (YYYY-MM-DD).",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "transitRef": "W"}]"#,
            "Inventory insert failed: Row 1: transitRef is only allowed on Transit rows.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "qty": 1}]"#,
            "Inventory insert failed: Row 1: Unknown field: qty.",
        ),
        // Strict input: repeated keys, dates with a time, fractions as written, untrimmed ids.
        (
            r#"[{"sku": "123456", "sku": "999", "totalQuantity": 1, "locationId": 104}]"#,
            "Inventory insert failed: Row 1: Repeated field: sku.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 5, "locationId": 104, "type": "Transit", "transitRef": "W", "transitOrderDate": "2020-01-01T23:59:59+14:00"}]"#,
            "Inventory insert failed: Row 1: transitOrderDate must be a date (YYYY-MM-DD).",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 0.99999999999999999999, "locationId": 104}]"#,
            "Inventory insert failed: Row 1: totalQuantity must be a whole number.",
        ),
        (
            r#"[{"sku": "123456", "totalQuantity": 1, "locationId": 104}, {"itemId": "1000000213", "totalQuantity": 1, "locationId": " 104"}]"#,
            "Inventory insert failed: Row 2: Cannot find \"Location Id\"  104.",
        ),
    ];
    for (body, message) in cases {
        let (status, reply) = post(&app, DEMO_KEY, None, body).await;
        assert_eq!(
            (status, reply),
            (StatusCode::BAD_REQUEST, json!({"message": message})),
            "{body}"
        );
    }
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn the_key_may_travel_in_x_api_key() {
    let app = demo_app();
    let headers = [
        ("content-type", "application/json"),
        ("x-api-key", DEMO_KEY),
    ];
    let (status, _) = call::<BulkInsert>(&app, request("POST", PATH, &headers, DOCUMENTED)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, reply) = call::<BulkInsert>(&app, request("POST", PATH, &[], DOCUMENTED)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("Missing API key")
    );
}

#[tokio::test]
async fn the_site_context_is_read_strictly() {
    let app = demo_app();
    let repeated = r#"{"account": "5f493c9f30ec2a0007a94fc8", "account": "acme-account-0001"}"#;
    let (status, reply) = post(&app, DEMO_KEY, Some(repeated), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid x-site-context header: Repeated field: account"})
        )
    );
    let auth = format!("Bearer {DEMO_KEY}");
    let headers = [
        ("authorization", auth.as_str()),
        ("x-site-context", CONTEXT),
        ("x-site-context", CONTEXT),
    ];
    let (status, reply) =
        call::<BulkInsert>(&app, request("POST", PATH, &headers, DOCUMENTED)).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid x-site-context header: it is given more than once"})
        )
    );
    assert_eq!(app.store.item_count(), 0);
}
